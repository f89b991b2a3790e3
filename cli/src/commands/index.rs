//! `playgenie index DIR…`: add folders to the library and index them, with
//! a progress bar; then the listening pass (`playgenie listen`) with its own.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;

use playgenie_core::analysis::Coverage;
use playgenie_core::scan::ScanOptions;
use playgenie_core::Core;

use super::Outcome;
use crate::output::{print_json, progress_bar, shown};

#[derive(Debug, clap::Args)]
pub struct IndexArgs {
    /// Folders to index (searched recursively).
    #[arg(required = true)]
    dirs: Vec<PathBuf>,
    /// Decode every file in full instead of five windows per track
    /// (slower; for measuring what the windows cost).
    #[arg(long)]
    full: bool,
    /// Worker threads (default: one per core).
    #[arg(long)]
    threads: Option<usize>,
    /// Skip the listening pass (the learned ear's tags); `playgenie listen`
    /// runs it later.
    #[arg(long)]
    no_listen: bool,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

impl IndexArgs {
    pub fn run(self, core: Core) -> Outcome {
        let options = ScanOptions {
            coverage: if self.full {
                Coverage::Full
            } else {
                Coverage::default()
            },
            threads: self.threads,
        };
        let cancel = AtomicBool::new(false);
        let bar = progress_bar("{bar:30} {pos}/{len} files, {msg} (eta {eta})");
        let report = core.index(&self.dirs, &options, &cancel, |p| {
            bar.set_length(p.total as u64);
            bar.set_position(p.done as u64);
            let name = p
                .current
                .as_deref()
                .and_then(|c| c.rsplit('/').next())
                .unwrap_or("");
            bar.set_message(format!("{} errors, {}", p.errors, shown(name)));
        })?;
        bar.finish_and_clear();
        let listening = if self.no_listen {
            None
        } else {
            Some(super::listen::listen_with_progress(&core, None)?)
        };
        if self.json {
            // The scan report's fields, and the pass's beside them.
            let mut json = serde_json::to_value(&report).unwrap_or_default();
            if let Some(object) = json.as_object_mut() {
                object.insert(
                    "listening".into(),
                    serde_json::to_value(&listening).unwrap_or_default(),
                );
            }
            print_json(&json);
        } else {
            println!(
                "{} music files: {} new, {} updated, {} moved, {} unchanged, {} missing, {} errors ({:.1} s, {:.0} s of audio decoded)",
                report.files_seen,
                report.added,
                report.updated,
                report.moved,
                report.unchanged,
                report.missing,
                report.errors,
                report.elapsed_s,
                report.decoded_audio_s
            );
            if report.errors > 0 {
                println!("see why with: playgenie scan-errors");
            }
            if let Some(listening) = &listening {
                super::listen::print_report(listening);
            }
        }
        Ok(ExitCode::SUCCESS)
    }
}
