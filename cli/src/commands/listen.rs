//! `playgenie listen`: the listening pass (the learned ear's tags and
//! embedding for every track that has none yet), with a progress bar.
//! `playgenie index` runs it after the fast pass; this command resumes it
//! after an interruption or hears the library again after an upgrade.

use std::process::ExitCode;
use std::sync::atomic::AtomicBool;

use playgenie_core::listen::{listen_library, ListenOptions, ListenReport};
use playgenie_core::{ComputeBackend, Core};

use super::Outcome;
use crate::output::{print_json, progress_bar};

#[derive(Debug, clap::Args)]
pub struct ListenArgs {
    /// Patches (≈ 3 s each) per track (default: the measured choice for
    /// the backend in use, 2 on the CPU, 8 on a GPU).
    #[arg(long, value_parser = crate::args::patches)]
    patches: Option<usize>,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

impl ListenArgs {
    pub fn run(self, core: Core) -> Outcome {
        let report = listen_with_progress(&core, self.patches)?;
        if self.json {
            print_json(&report);
        } else {
            print_report(&report);
        }
        Ok(ExitCode::SUCCESS)
    }
}

/// Runs the pass on the backend in use with a progress bar.
pub fn listen_with_progress(
    core: &Core,
    patches: Option<usize>,
) -> Result<ListenReport, playgenie_core::Error> {
    let backend = ComputeBackend::from_env();
    let mut options = ListenOptions::for_backend(&backend);
    if let Some(p) = patches {
        options.patches = p;
    }
    let cancel = AtomicBool::new(false);
    let bar = progress_bar("listening {bar:30} {pos}/{len} tracks, {msg} (eta {eta})");
    let report = listen_library(&core.paths().database, &backend, options, &cancel, |p| {
        bar.set_length(p.total as u64);
        bar.set_position(p.done as u64);
        bar.set_message(format!("{} could not be heard", p.failed));
    });
    bar.finish_and_clear();
    report
}

/// One line: what the pass did and where the library stands.
pub fn print_report(r: &ListenReport) {
    if r.heard + r.failed == 0 {
        println!(
            "listening: all {} tracks already heard ({} could not be)",
            r.progress.total, r.progress.failed
        );
        return;
    }
    println!(
        "listened to {} tracks ({} could not be heard) in {:.1} s: {:.2} tracks/s on {}, {} patches a track; {}/{} tracks heard{}",
        r.heard + r.failed,
        r.failed,
        r.seconds,
        r.tracks_per_s,
        r.backend,
        r.patches_per_track,
        r.progress.done,
        r.progress.total,
        if r.cancelled { " (stopped; `playgenie listen` resumes)" } else { "" }
    );
}
