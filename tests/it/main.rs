//! The workspace's end-to-end tests, linked once as one binary (`it`):
//! the real `playgenie` binary, a real SQLite file, real audio and the real
//! model on real data. Run them with `cargo test --test it`; one area with
//! `cargo test --test it hostile`.

mod common;

mod cli;
mod complete;
mod hostile;
mod index;
mod modes;
mod player;
mod playlists;
mod tagger;
mod vae;
