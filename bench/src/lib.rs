//! PlayGenie's benchmarks: they print figures, never pass or fail on time.
//!
//! - [`data`]: the playlist-continuation sets (`tracks.tsv`, `train.jsonl`,
//!   `valid.jsonl`), every problem named by file and line;
//! - [`run`]: `bench run` (a model or baseline on a set, scored with the
//!   set's metrics) and `bench vae-speed`;
//! - [`fine_tune`]: `bench fine-tune`, what fine-tuning on a listener's
//!   episodes and their (simulated) skips and keeps is worth;
//! - [`index`]: `bench index`, the analyser's speed and feature quality;
//! - [`listen`]: its `--listen` part, the tagger's pass and what it is worth;
//! - [`complete`]: `bench complete`, "Complete playlist" latency at scale;
//! - [`rescan`]: `bench rescan`, rescans and the watcher over a big
//!   library of real files;
//! - [`scale`]: `bench scale`, both of those on one big library, beside
//!   the goals they answer to;
//! - [`fixture`]: the generated catalogue those scale figures use.
//!
//! The `playgenie bench ...` commands of the CLI print what these return.

pub mod complete;
pub mod data;
pub mod error;
pub mod fine_tune;
pub mod fixture;
pub mod index;
pub mod listen;
pub mod rescan;
pub mod run;
pub mod scale;

pub use error::{Error, Result};
