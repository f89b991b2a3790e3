//! `playgenie history import|show|engagement`: the listening history, and
//! what the suggestions earned.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
use playgenie_core::engagement::{self, Engagement, EngagementReport};
use playgenie_core::model_store::ModelStore;
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
    /// What the suggestions earned: minutes heard from suggestions per
    /// day, the keep rate, and how often suggested tracks are skipped
    /// against tracks you chose, per model version. Computed from this
    /// machine's history; nothing is sent anywhere.
    Engagement {
        /// Days to look back for the daily figures.
        #[arg(long, default_value_t = 30, value_parser = crate::args::days)]
        days: u32,
        /// Your offset from UTC (+HH:MM or -HH:MM), where days begin.
        #[arg(long, default_value = "+00:00", value_parser = crate::args::utc_offset, allow_hyphen_values = true)]
        utc_offset: i32,
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
            HistoryAction::Engagement {
                days,
                utc_offset,
                json,
            } => {
                let store = ModelStore::new(&core.paths().models_dir);
                let report = engagement::load(core.db(), &store, days, utc_offset)?;
                if json {
                    print_json(&report);
                } else {
                    print_engagement(&report, days);
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

fn percent(rate: Option<f64>) -> String {
    rate.map_or_else(|| "–".to_owned(), |r| format!("{:.0} %", 100.0 * r))
}

fn minutes(ms: u64) -> String {
    format!("{:.1}", ms as f64 / 60_000.0)
}

fn summary(e: &Engagement) -> String {
    format!(
        "{} min from {} suggested plays (skipped {}), {} min from {} chosen (skipped {}); kept {} of {} suggestions answered ({})",
        minutes(e.suggested_ms),
        e.suggested_plays,
        percent(e.suggested_skip_rate),
        minutes(e.chosen_ms),
        e.chosen_plays,
        percent(e.chosen_skip_rate),
        e.kept,
        e.kept + e.removed,
        percent(e.keep_rate)
    )
}

fn print_engagement(report: &EngagementReport, days: u32) {
    println!("the last {days} days: {}", summary(&report.recent));
    if !report.days.is_empty() {
        println!(
            "{:<12} {:>18} {:>14}",
            "day", "min (suggested)", "min (chosen)"
        );
        for d in &report.days {
            println!(
                "{:<12} {:>18} {:>14}",
                d.day,
                minutes(d.suggested_ms),
                minutes(d.chosen_ms)
            );
        }
    }
    if report.versions.is_empty() {
        println!("no plays or answered suggestions yet");
        return;
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default();
    println!(
        "{:<28} {:>9} {:>12} {:>12} {:>16}",
        "model", "keep", "skip (sugg.)", "skip (chosen)", "min (suggested)"
    );
    for v in &report.versions {
        let name = match (v.version, v.since) {
            (Some(version), Some(at)) => {
                format!("v{version} (saved {} ago)", age(now - at))
            }
            (Some(version), None) => format!("v{version} (deleted)"),
            (None, _) => "before any model".to_owned(),
        };
        let f = &v.figures;
        println!(
            "{name:<28} {:>9} {:>12} {:>12} {:>16}",
            percent(f.keep_rate),
            percent(f.suggested_skip_rate),
            percent(f.chosen_skip_rate),
            minutes(f.suggested_ms)
        );
    }
}

/// "3 min", "5 h", "2 days".
fn age(seconds: i64) -> String {
    match seconds.max(0) {
        s if s < 3_600 => format!("{} min", s / 60),
        s if s < 2 * 86_400 => format!("{} h", s / 3_600),
        s => format!("{} days", s / 86_400),
    }
}
