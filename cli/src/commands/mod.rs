//! One module per `playgenie` command: each is a clap `Args` struct with
//! its `run`. What they print goes through [`crate::output`].

pub mod bench;
pub mod complete;
pub mod db;
pub mod doctor;
pub mod exclude;
pub mod feedback;
pub mod history;
pub mod index;
pub mod library;
pub mod listen;
pub mod model;
pub mod path;
pub mod play;
pub mod playlist;
pub mod radio;
pub mod scan_errors;
pub mod smart;
pub mod tracks;
pub mod train;
pub mod versions;

use std::process::ExitCode;

/// What a command ends with: an exit code, or an error to explain.
pub type Outcome = Result<ExitCode, crate::CliError>;
