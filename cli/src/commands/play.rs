//! `playgenie play FILE…`: plays files headless (to the audio device or
//! silently) and records the plays of library tracks in the history.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use playgenie_core::db::{PlaySource, PlayableTrack};
use playgenie_core::model_store::ModelStore;
use playgenie_core::player::{OutputChoice, PlayContext, Player, PlayerEvent, Status};
use playgenie_core::service::training;
use playgenie_core::{Core, Error, Result};

use super::Outcome;
use crate::output::{clock, shown};

#[derive(Debug, clap::Args)]
pub struct PlayArgs {
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Play to a silent sink instead of the audio device.
    #[arg(long)]
    silent: bool,
    /// Stop after this many seconds (more than 0, at most a week).
    #[arg(long, value_parser = crate::args::seconds)]
    seconds: Option<f64>,
    /// Crossfade between tracks that are not album neighbours in order.
    #[arg(long)]
    automix: bool,
}

impl PlayArgs {
    pub fn run(self, core: Core) -> Outcome {
        let code = play(&core, &self.files, self.silent, self.seconds, self.automix)?;
        // The app fine-tunes by itself at this point; a command that ends
        // now says so instead of training for minutes unasked.
        let store = ModelStore::new(&core.paths().models_dir);
        if training::fine_tune_due(core.db(), &store).unwrap_or(false) {
            eprintln!("enough new listening for a fine-tune: `playgenie train --auto` runs it");
        }
        Ok(code)
    }
}

/// `playgenie play FILE…`: plays files headless, records plays of library
/// tracks, prints what happens. `seconds` stops early.
fn play(
    core: &Core,
    files: &[PathBuf],
    silent: bool,
    seconds: Option<f64>,
    automix: bool,
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
    player.set_automix(automix)?;
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
