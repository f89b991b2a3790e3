//! `playgenie history import|show`: the listening history.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
use playgenie_core::Core;

use super::Outcome;
use crate::output::{clock, print_json, shown};

#[derive(Debug, clap::Args)]
pub struct HistoryArgs {
    #[command(subcommand)]
    action: HistoryAction,
}

#[derive(Debug, Subcommand)]
enum HistoryAction {
    /// Import plays from a ListenBrainz JSON export or a Last.fm scrobble
    /// CSV; listens are matched to library tracks by artist and title.
    Import {
        file: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// The most recent plays.
    Show {
        #[arg(long, default_value_t = 50)]
        limit: usize,
        #[arg(long)]
        json: bool,
    },
}

impl HistoryArgs {
    pub fn run(self, core: Core) -> Outcome {
        match self.action {
            HistoryAction::Import { file, json } => {
                let report = playgenie_core::history::import(core.db(), &file)?;
                if json {
                    print_json(&report);
                } else {
                    println!(
                        "{}: {} listens, {} matched to library tracks, {} new plays recorded",
                        report.service, report.listens, report.matched, report.added
                    );
                    if !report.unmatched.is_empty() {
                        println!("not in the library ({} tracks):", report.unmatched.len());
                        for (name, n) in report.unmatched.iter().take(20) {
                            println!("  {n}× {}", shown(name));
                        }
                        if report.unmatched.len() > 20 {
                            println!("  … and {} more", report.unmatched.len() - 20);
                        }
                    }
                    for problem in &report.problems {
                        println!("  skipped {}", shown(&problem.to_string()));
                    }
                }
            }
            HistoryAction::Show { limit, json } => {
                let plays = core.db().recent_plays(limit)?;
                if json {
                    print_json(&plays);
                } else {
                    for p in plays {
                        let at = p
                            .end_position_ms
                            .map(|ms| format!(" at {}", clock(ms as f64)))
                            .unwrap_or_default();
                        println!(
                            "{}\t{} – {}\t{} heard\t{}{}\t{}",
                            p.started_at_ms / 1000,
                            shown(&p.artist),
                            shown(&p.title),
                            clock(p.listened_ms as f64),
                            p.end_reason,
                            at,
                            p.source
                        );
                    }
                }
            }
        }
        Ok(ExitCode::SUCCESS)
    }
}
