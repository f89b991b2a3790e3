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

use std::path::Path;
use std::process::ExitCode;

use playgenie_core::playlists::{self, ExportFormat};
use playgenie_core::Services;

/// What a command ends with: an exit code, or an error to explain.
pub type Outcome = Result<ExitCode, crate::CliError>;

/// Writes library tracks `ids` as playlist `name` to `out` (M3U8 or XSPF
/// by its extension, absolute paths) and says so on stderr.
pub(crate) fn export_ids(
    services: &Services,
    name: &str,
    ids: &[i64],
    out: &Path,
) -> playgenie_core::Result<usize> {
    let core = services.core()?;
    let written = playlists::export_tracks(
        core.db(),
        &core.paths().own_files(),
        name,
        ids,
        out,
        ExportFormat::for_path(out),
        false,
    )?;
    eprintln!("wrote {written} tracks to {}", out.display());
    Ok(written)
}
