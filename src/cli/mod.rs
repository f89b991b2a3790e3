//! The `playgenie` CLI's commands beside `main.rs`: the argument parsers
//! and terminal escaping (`args`), playlists, history and playback
//! (`media`), and "Complete playlist", training and model versions
//! (`model`).

pub mod args;
pub mod media;
pub mod model;
