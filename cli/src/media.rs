//! The CLI's playlist, history and playback commands.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use clap::{Subcommand, ValueEnum};
use playgenie_core::db::{PlaySource, PlayableTrack};
use playgenie_core::player::{OutputChoice, PlayContext, Player, PlayerEvent, Status};
use playgenie_core::playlists::ExportFormat;
use playgenie_core::{Core, Error, Result};

use super::args::shown;
use crate::to_json;

#[derive(Debug, Subcommand)]
pub enum PlaylistAction {
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
        #[arg(long)]
        out: PathBuf,
        #[arg(long, value_enum, default_value_t = FormatArg::M3u)]
        format: FormatArg,
        /// Write paths relative to the file's folder (default: absolute).
        #[arg(long)]
        relative: bool,
    },
    /// Delete a playlist (the tracks stay in the library).
    Delete { name: String },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FormatArg {
    /// Extended M3U, UTF-8 (.m3u8).
    M3u,
    /// XSPF (.xspf).
    Xspf,
}

#[derive(Debug, Subcommand)]
pub enum HistoryAction {
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

pub fn playlist(core: &Core, action: PlaylistAction) -> Result<ExitCode> {
    let db = core.db();
    match action {
        PlaylistAction::List { json } => {
            let all = db.playlists()?;
            if json {
                println!("{}", to_json(&all));
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
                println!("{}", to_json(&entries));
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
                .map(|t| track_id(core, t))
                .collect::<Result<Vec<_>>>()?;
            let p = db.add_to_playlist(p.id, &ids, "user")?;
            println!("{}: {} tracks", shown(&p.name), p.tracks);
        }
        PlaylistAction::Import { file, name, json } => {
            let report = playgenie_core::playlists::import(db, &file, name.as_deref())?;
            if json {
                println!("{}", to_json(&report));
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
        PlaylistAction::Export {
            name,
            out,
            format,
            relative,
        } => {
            let p = db.find_playlist(&name)?;
            let format = match format {
                FormatArg::M3u => ExportFormat::M3u,
                FormatArg::Xspf => ExportFormat::Xspf,
            };
            let written = playgenie_core::playlists::export(
                db,
                &core.paths().own_files(),
                p.id,
                &out,
                format,
                relative,
            )?;
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

pub fn history(core: &Core, action: HistoryAction) -> Result<ExitCode> {
    match action {
        HistoryAction::Import { file, json } => {
            let report = playgenie_core::history::import(core.db(), &file)?;
            if json {
                println!("{}", to_json(&report));
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
                println!("{}", to_json(&plays));
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

/// `playgenie play FILE…`: plays files headless, records plays of library
/// tracks, prints what happens. `seconds` stops early.
pub fn play(
    core: &Core,
    files: &[PathBuf],
    silent: bool,
    seconds: Option<f64>,
) -> Result<ExitCode> {
    let mut queue = Vec::with_capacity(files.len());
    for file in files {
        let absolute = std::fs::canonicalize(file).map_err(|source| Error::File {
            path: file.clone(),
            source,
        })?;
        let known = core.db().track_id_by_path(&absolute)?;
        let track = match known {
            Some(id) => core.db().playable_tracks(&[id])?.into_iter().next(),
            None => None,
        };
        queue.push(track.unwrap_or_else(|| PlayableTrack::from_file(&absolute)));
    }
    let choice = if silent {
        OutputChoice::Silent
    } else {
        OutputChoice::from_env()
    };
    let (tx, rx) = mpsc::channel();
    let player = Player::start(choice, move |event| {
        let _ = tx.send(event);
    })?;
    let context = PlayContext {
        source: PlaySource::Library,
        playlist_id: None,
    };
    player.play(queue, 0, context)?;
    // `seconds` is checked by the parser (finite, positive, at most a
    // week); try_from keeps even an unchecked value from panicking.
    let deadline = seconds
        .and_then(|s| Duration::try_from_secs_f64(s).ok())
        .and_then(|d| Instant::now().checked_add(d));
    let mut plays = Vec::new();
    let mut started = false;
    let mut announced = None;
    loop {
        if deadline.is_some_and(|d| Instant::now() >= d) {
            player.stop()?;
            deadline_passed(&player, &rx, &mut plays);
            break;
        }
        let event = match rx.recv_timeout(Duration::from_millis(100)) {
            Ok(event) => event,
            Err(mpsc::RecvTimeoutError::Timeout) => continue,
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        };
        match event {
            PlayerEvent::State(state) => {
                if let Some(error) = &state.error {
                    if announced.as_deref() != Some(error.as_str()) {
                        eprintln!("playgenie: {}", shown(error));
                    }
                }
                if let Some(track) = &state.track {
                    let name = format!("{} – {}", shown(&track.artist), shown(&track.title));
                    if announced.as_deref() != Some(name.as_str()) {
                        println!("playing {name} through {}", state.output);
                        announced = Some(name);
                    }
                    started = true;
                }
                if state.status == Status::Stopped
                    && (started || state.error.is_some())
                    && state.track.is_none()
                {
                    break;
                }
            }
            PlayerEvent::PlayEnded(play) => {
                println!(
                    "  {} after {} heard ({} at {})",
                    play.end_reason.as_str(),
                    clock(play.listened_ms as f64),
                    shown(&play.title),
                    clock(play.end_position_ms.unwrap_or(0) as f64)
                );
                plays.push(play);
            }
        }
    }
    player.shutdown();
    while let Ok(event) = rx.try_recv() {
        if let PlayerEvent::PlayEnded(play) = event {
            plays.push(play);
        }
    }
    let library_plays: Vec<_> = plays.into_iter().filter(|p| p.track_id.is_some()).collect();
    core.db().record_plays(&library_plays)?;
    if !started {
        eprintln!("playgenie: nothing could be played");
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

/// Collects the play the stop just ended.
fn deadline_passed(
    _player: &Player,
    rx: &mpsc::Receiver<PlayerEvent>,
    plays: &mut Vec<playgenie_core::db::NewPlay>,
) {
    let until = Instant::now() + Duration::from_secs(2);
    while Instant::now() < until {
        match rx.recv_timeout(Duration::from_millis(50)) {
            Ok(PlayerEvent::PlayEnded(play)) => {
                println!("  stopped after {} heard", clock(play.listened_ms as f64));
                plays.push(play);
                return;
            }
            Ok(_) => {}
            Err(_) => return,
        }
    }
}

/// `m:ss` from milliseconds.
fn clock(ms: f64) -> String {
    let s = (ms / 1000.0).round().max(0.0) as u64;
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}
