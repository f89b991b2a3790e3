//! The CLI's "Complete playlist" commands: complete, train, model.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;

use clap::Subcommand;
use playgenie_core::complete::{self, Engine, Request, TrainMode};
use playgenie_core::model_store::ModelStore;
use playgenie_core::playlists::ExportFormat;
use playgenie_core::{ComputeBackend, Core, Error, Result};

use super::args::shown;
use crate::to_json;

#[derive(Debug, Subcommand)]
pub enum ModelAction {
    /// Every saved model version; `*` marks the one in use.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Put a saved version in use (roll back or forward).
    Use { version: u32 },
}

/// Options of `playgenie complete`.
#[derive(Debug, clap::Args)]
pub struct CompleteArgs {
    /// A playlist's name (or id), or a playlist file (M3U/M3U8, PLS, XSPF).
    #[arg(long)]
    playlist: String,
    /// How many tracks to add (1 to 1000).
    #[arg(short, default_value_t = 10, value_parser = super::args::track_count)]
    k: usize,
    /// Write the completed playlist (the playlist, then the suggestions).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Say why each track was suggested.
    #[arg(long)]
    explain: bool,
    /// 0 = familiar, 1 = discovery.
    #[arg(long, default_value_t = 0.0, value_parser = super::args::unit_interval)]
    adventurousness: f32,
    /// No artist twice within this many tracks (0 to 1000).
    #[arg(long, default_value_t = 3, value_parser = super::args::artist_window)]
    artist_window: usize,
    #[arg(long)]
    json: bool,
}

fn store(core: &Core) -> ModelStore {
    ModelStore::new(&core.paths().models_dir)
}

pub fn complete(core: &Core, args: CompleteArgs) -> Result<ExitCode> {
    let db = core.db();
    let as_file = Path::new(&args.playlist);
    let (name, seed) = if as_file.is_file() {
        let (title, ids, problems) = playgenie_core::playlists::read_file(db, as_file)?;
        for p in &problems {
            eprintln!("{}: skipped {}", as_file.display(), shown(&p.to_string()));
        }
        let stem = as_file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned());
        (title.or(stem).unwrap_or_else(|| "Playlist".into()), ids)
    } else {
        let p = db.find_playlist(&args.playlist)?;
        let ids = db
            .playlist_entries(p.id)?
            .iter()
            .map(|e| e.track_id)
            .collect();
        (p.name, ids)
    };
    let backend = ComputeBackend::from_env();
    let engine = Engine::load(db, &store(core), &backend)?;
    let request = Request {
        seed: seed.clone(),
        k: args.k,
        adventurousness: args.adventurousness,
        artist_window: args.artist_window,
        exclude: Vec::new(),
        at: now(),
        // The CLI reads times of day in UTC.
        utc_offset_s: 0,
        rescore_every: Request::rescore_for(engine.tracks()),
    };
    let completion = engine.complete(&request)?;
    if args.json {
        println!("{}", to_json(&completion));
    } else {
        println!(
            "{} more for \"{name}\" ({} tracks) from {} in {:.0} ms:",
            completion.suggestions.len(),
            seed.len(),
            completion.engine,
            completion.millis
        );
        for (i, s) in completion.suggestions.iter().enumerate() {
            println!("{:>3}. {} – {}", i + 1, shown(&s.artist), shown(&s.title));
            if args.explain {
                for reason in &s.reasons {
                    println!("       {}", shown(reason));
                }
            }
        }
    }
    if let Some(out) = &args.out {
        let mut all = seed;
        all.extend(completion.suggestions.iter().map(|s| s.track_id));
        let format = match out.extension().and_then(|e| e.to_str()) {
            Some("xspf") => ExportFormat::Xspf,
            _ => ExportFormat::M3u,
        };
        let written = playgenie_core::playlists::export_tracks(
            db,
            &core.paths().own_files(),
            &name,
            &all,
            out,
            format,
            false,
        )?;
        eprintln!("wrote {written} tracks to {}", out.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// Now, unix seconds.
fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default()
}

pub fn train(core: &Core, full: bool, epochs: Option<usize>, json: bool) -> Result<ExitCode> {
    let backend = ComputeBackend::from_env();
    let mode = if full {
        TrainMode::Full
    } else {
        TrainMode::FineTune
    };
    eprintln!("training on {} ({:?})", backend.summary().label, mode);
    let report = complete::train(
        core.db(),
        &store(core),
        &backend,
        mode,
        epochs,
        &AtomicBool::new(false),
        |e| {
            if !json {
                eprintln!(
                    "  epoch {:>2}: train loss {:.4}, valid loss {:.4}, {:.1} s",
                    e.epoch, e.train_loss, e.valid_loss, e.seconds
                );
            }
        },
    )?;
    if json {
        println!("{}", to_json(&report));
    } else {
        match report.version {
            Some(v) => println!(
                "model v{v} in use: {} tracks, {} playlists, valid loss {:.4}, {:.1} s",
                report.tracks, report.playlists, report.valid_loss, report.seconds
            ),
            None => println!("the new model was not better; the model in use stays"),
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn model(core: &Core, action: ModelAction) -> Result<ExitCode> {
    let store = store(core);
    match action {
        ModelAction::List { json } => {
            let versions = store.versions()?;
            let current = store.current_version()?;
            if json {
                println!(
                    "{}",
                    to_json(&serde_json::json!({ "current": current, "versions": versions }))
                );
            } else if versions.is_empty() {
                println!("no model yet: run `playgenie train`");
            } else {
                for v in versions {
                    let mark = if Some(v.version) == current { "*" } else { " " };
                    println!(
                        "{mark} v{}\tvalid loss {:.4}\t{} tracks\t{}",
                        v.version,
                        v.valid_loss,
                        v.tracks.len(),
                        v.note
                    );
                }
            }
        }
        ModelAction::Use { version } => {
            store
                .use_version(version)
                .map_err(|e| Error::Model(format!("cannot use v{version}: {e}")))?;
            println!("model v{version} in use");
        }
    }
    Ok(ExitCode::SUCCESS)
}
