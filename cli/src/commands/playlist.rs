//! `playgenie playlist list|show|create|add|import|export|delete`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Subcommand, ValueEnum};
use playgenie_core::db::EntryOrigin;
use playgenie_core::playlists::{self, ExportFormat};
use playgenie_core::{Core, Error, Result};

use super::Outcome;
use crate::output::{clock, print_json, shown};

#[derive(Debug, clap::Args)]
pub struct PlaylistArgs {
    #[command(subcommand)]
    action: PlaylistAction,
}

#[derive(Debug, Subcommand)]
enum PlaylistAction {
    /// List playlists.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Show a playlist's tracks.
    Show {
        /// Name (case-insensitive) or id.
        name: String,
        #[arg(long)]
        json: bool,
    },
    /// Create an empty playlist.
    Create { name: String },
    /// Append library tracks, by id or file path.
    Add {
        name: String,
        #[arg(required = true)]
        tracks: Vec<String>,
    },
    /// Import an M3U/M3U8, PLS or XSPF file as a new playlist; entries that
    /// are not library tracks are reported line by line.
    Import {
        file: PathBuf,
        /// Name of the new playlist (default: the file's title or name).
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Write a playlist to a file.
    Export {
        name: String,
        #[command(flatten)]
        to: ExportTo,
    },
    /// Delete a playlist (the tracks stay in the library).
    Delete { name: String },
}

/// Where and how a playlist is written (`playlist export`, `smart export`).
#[derive(Debug, clap::Args)]
pub(crate) struct ExportTo {
    /// The file to write (default: the exports folder, named after the
    /// playlist, as the app does).
    #[arg(long)]
    pub(crate) out: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = FormatArg::M3u)]
    pub(crate) format: FormatArg,
    /// Write paths relative to the file's folder (default: absolute).
    #[arg(long)]
    pub(crate) relative: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum FormatArg {
    /// Extended M3U, UTF-8 (.m3u8).
    M3u,
    /// XSPF (.xspf).
    Xspf,
}

impl FormatArg {
    pub(crate) fn format(self) -> ExportFormat {
        match self {
            Self::M3u => ExportFormat::M3u,
            Self::Xspf => ExportFormat::Xspf,
        }
    }
}

impl PlaylistArgs {
    pub fn run(self, core: Core) -> Outcome {
        let db = core.db();
        match self.action {
            PlaylistAction::List { json } => {
                let all = db.playlists()?;
                if json {
                    print_json(&all);
                } else {
                    for p in all {
                        println!(
                            "{}\t{}\t{} tracks\t{}",
                            p.id,
                            shown(&p.name),
                            p.tracks,
                            clock(p.duration_s * 1000.0)
                        );
                    }
                }
            }
            PlaylistAction::Show { name, json } => {
                let p = db.find_playlist(&name)?;
                let entries = db.playlist_entries(p.id)?;
                if json {
                    print_json(&entries);
                } else {
                    println!(
                        "{} ({} tracks, {})",
                        shown(&p.name),
                        p.tracks,
                        clock(p.duration_s * 1000.0)
                    );
                    for e in entries {
                        let length = e.duration_s.map(|s| clock(s * 1000.0)).unwrap_or_default();
                        println!(
                            "{:>3}. {} – {}\t{}\t{}",
                            e.position + 1,
                            shown(&e.artist),
                            shown(&e.title),
                            length,
                            shown(&e.path)
                        );
                    }
                }
            }
            PlaylistAction::Create { name } => {
                let p = db.create_playlist(&name)?;
                println!("created playlist {} \"{}\"", p.id, shown(&p.name));
            }
            PlaylistAction::Add { name, tracks } => {
                let p = db.find_playlist(&name)?;
                let ids = tracks
                    .iter()
                    .map(|t| track_id(&core, t))
                    .collect::<Result<Vec<_>>>()?;
                let p = db.add_to_playlist(p.id, &ids, EntryOrigin::User)?;
                println!("{}: {} tracks", shown(&p.name), p.tracks);
            }
            PlaylistAction::Import { file, name, json } => {
                let report = playlists::import(db, &file, name.as_deref())?;
                if json {
                    print_json(&report);
                } else {
                    println!(
                        "imported \"{}\": {} of {} entries ({:?})",
                        shown(&report.playlist.name),
                        report.imported,
                        report.entries,
                        report.format
                    );
                    for problem in &report.problems {
                        println!("  skipped {}", shown(&problem.to_string()));
                    }
                }
            }
            PlaylistAction::Export { name, to } => {
                let p = db.find_playlist(&name)?;
                let (format, relative) = (to.format.format(), to.relative);
                let out = to.out.unwrap_or_else(|| {
                    playlists::default_export_path(&core.paths().exports_dir, &p.name, format)
                });
                let written =
                    playlists::export(db, &core.paths().own_files(), p.id, &out, format, relative)?;
                println!(
                    "wrote {written} tracks of \"{}\" to {}",
                    shown(&p.name),
                    out.display()
                );
            }
            PlaylistAction::Delete { name } => {
                let p = db.find_playlist(&name)?;
                db.delete_playlist(p.id)?;
                println!("deleted playlist \"{}\"", shown(&p.name));
            }
        }
        Ok(ExitCode::SUCCESS)
    }
}

/// A track named by id or by file path.
fn track_id(core: &Core, text: &str) -> Result<i64> {
    if let Ok(id) = text.parse::<i64>() {
        return Ok(id);
    }
    let path = std::fs::canonicalize(text).unwrap_or_else(|_| PathBuf::from(text));
    core.db().track_id_by_path(&path)?.ok_or_else(|| {
        Error::Playlist(format!(
            "{text} is not a library track (index its folder first)"
        ))
    })
}
