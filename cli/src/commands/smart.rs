//! `playgenie smart create|list|show|export|delete`: smart playlists,
//! saved rules evaluated live ("tempo between 100 130", "genre is rock",
//! "last_played not_in_last 30").

use std::process::ExitCode;

use clap::Subcommand;
use playgenie_core::smart::{describe, parse_rule, SmartSpec, FIELDS};
use playgenie_core::{Core, Services};

use super::playlist::ExportTo;
use super::Outcome;
use crate::output::{clock, print_json, shown};

#[derive(Debug, clap::Args)]
pub struct SmartArgs {
    #[command(subcommand)]
    action: SmartAction,
}

#[derive(Debug, Subcommand)]
enum SmartAction {
    /// Save a smart playlist (a new one, or new rules for one of that name).
    Create {
        name: String,
        /// A rule: FIELD OP VALUE, e.g. "tempo between 100 130", "genre is
        /// rock", "tag is_not christmas", "last_played not_in_last 30"
        /// (repeatable). Fields: title, artist, album, genre, tag, year,
        /// tempo, key, loudness, duration, added, play_count, last_played,
        /// skip_rate.
        #[arg(long = "rule", required = true)]
        rules: Vec<String>,
        /// Any rule may hold (default: all must).
        #[arg(long)]
        any: bool,
        /// Sort by this field (default: artist, album, track).
        #[arg(long)]
        sort: Option<String>,
        /// Largest first.
        #[arg(long)]
        descending: bool,
        /// Keep only the first N.
        #[arg(long)]
        limit: Option<usize>,
    },
    /// List the smart playlists and how many tracks each holds now.
    List {
        #[arg(long)]
        json: bool,
    },
    /// The tracks a smart playlist holds now.
    Show {
        name: String,
        #[arg(long)]
        json: bool,
    },
    /// Write what it holds now to a file.
    Export {
        name: String,
        #[command(flatten)]
        to: ExportTo,
    },
    /// Delete a smart playlist (the tracks stay).
    Delete { name: String },
}

impl SmartArgs {
    pub fn run(self, core: Core) -> Outcome {
        let services = Services::quiet(core);
        match self.action {
            SmartAction::Create {
                name,
                rules,
                any,
                sort,
                descending,
                limit,
            } => {
                let rules = rules
                    .iter()
                    .map(|r| parse_rule(r))
                    .collect::<Result<Vec<_>, _>>()?;
                let spec = SmartSpec {
                    all: !any,
                    rules,
                    sort,
                    descending,
                    limit,
                };
                let saved = services.save_smart(&name, &spec)?;
                println!(
                    "smart playlist \"{}\": {} tracks now",
                    shown(&saved.name),
                    saved.track_ids.len()
                );
            }
            SmartAction::List { json } => {
                let all = services.smart_playlists()?;
                if json {
                    print_json(&all);
                } else if all.is_empty() {
                    println!(
                        "no smart playlists; fields for rules: {}",
                        FIELDS.map(|(_, n)| n).join(", ")
                    );
                } else {
                    for p in &all {
                        let joiner = if p.spec.all { " and " } else { " or " };
                        let rules: Vec<String> = p.spec.rules.iter().map(describe).collect();
                        println!(
                            "{}\t{} tracks\t{}",
                            shown(&p.name),
                            p.track_ids.len(),
                            shown(&rules.join(joiner))
                        );
                    }
                }
            }
            SmartAction::Show { name, json } => {
                let p = services.smart_playlist(&name)?;
                let tracks = services.with_db(|db| db.playable_tracks(&p.track_ids))?;
                if json {
                    print_json(&tracks);
                } else {
                    println!("{}: {} tracks", shown(&p.name), tracks.len());
                    for (i, t) in tracks.iter().enumerate() {
                        println!(
                            "{:>4}. {} – {}  {}",
                            i + 1,
                            shown(&t.artist),
                            shown(&t.title),
                            t.duration_ms.map(|d| clock(d as f64)).unwrap_or_default()
                        );
                    }
                }
            }
            SmartAction::Export { name, to } => {
                let (path, written) = services.export_smart(
                    &name,
                    to.out.as_deref(),
                    to.format.format(),
                    to.relative,
                )?;
                println!("wrote {written} tracks to {}", path.display());
            }
            SmartAction::Delete { name } => {
                let p = services.smart_playlist(&name)?;
                services.delete_smart(p.id)?;
                println!("smart playlist \"{}\" deleted", shown(&p.name));
            }
        }
        Ok(ExitCode::SUCCESS)
    }
}
