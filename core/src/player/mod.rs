//! Playback: a queue of library tracks played gaplessly through the default
//! audio device (or a silent sink when there is none), with pause, seek,
//! next/previous, volume and loudness normalisation, and a faithful record
//! of every play (what was heard, how it ended, where).
//!
//! The [`Player`] is a handle: commands go over a channel to one player
//! thread, which owns the decoder and the output. The player thread reports
//! through a callback: state snapshots (a few a second while playing) and
//! each finished play, which the caller stores in the history. The player
//! itself never touches the database.

pub mod mix;
pub mod output;
mod source;
mod thread;

use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};

use crate::db::PlaySource;
pub use crate::db::{NewPlay, PlayableTrack};
use crate::error::{Error, Result};
pub use output::OutputChoice;

/// Loudness normalisation from the analysed loudness (ReplayGain 2.0
/// reference, -18 LUFS).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Normalization {
    Off,
    /// Every track at the same loudness.
    #[default]
    Track,
    /// Albums keep their internal dynamics; each album at the same loudness.
    Album,
}

impl Normalization {
    /// The gain for `track`, in dB, limited to ±12 dB (samples are clipped
    /// to full scale after it).
    pub fn gain_db(self, track: &PlayableTrack) -> f32 {
        let gain = match self {
            Self::Off => None,
            Self::Track => track.track_gain_db,
            Self::Album => track.album_gain_db.or(track.track_gain_db),
        };
        gain.filter(|g| g.is_finite())
            .unwrap_or(0.0)
            .clamp(-12.0, 12.0)
    }
}

/// Where a queue was started from, recorded with each play.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PlayContext {
    pub source: PlaySource,
    pub playlist_id: Option<i64>,
}

/// What the player is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "PlayerStatus"))]
pub enum Status {
    #[default]
    Stopped,
    Playing,
    Paused,
}

/// A snapshot of the player, as the UI shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PlayerState {
    pub status: Status,
    pub track: Option<PlayableTrack>,
    pub position_ms: u64,
    pub duration_ms: Option<u64>,
    pub queue_index: Option<usize>,
    pub queue_len: usize,
    pub volume: f32,
    pub normalization: Normalization,
    /// Crossfades between tracks that are not album neighbours in order.
    pub automix: bool,
    pub context: PlayContext,
    /// What the sound goes to ("silent: no audio output device" on CI).
    pub output: String,
    /// The last track that could not be played, and why.
    pub error: Option<String>,
}

/// What the player thread reports.
#[derive(Debug, Clone)]
pub enum PlayerEvent {
    /// The state changed (and, while playing, a few times a second).
    State(PlayerState),
    /// A play ended; store it in the history.
    PlayEnded(NewPlay),
}

/// A transport action: what a play/pause, next, previous or stop button
/// (or a media key) asks of the player.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "PlayerAction"))]
pub enum Action {
    Toggle,
    Pause,
    Resume,
    Next,
    Previous,
    Stop,
}

/// Commands to the player thread.
#[derive(Debug)]
enum Command {
    Load {
        queue: Vec<PlayableTrack>,
        start: usize,
        context: PlayContext,
    },
    /// Adds tracks at the end of the queue (the radio's refills).
    Append(Vec<PlayableTrack>),
    Toggle,
    Pause,
    Resume,
    Next,
    Previous,
    Seek(u64),
    Volume(f32),
    Normalization(Normalization),
    Automix(bool),
    Stop,
    Shutdown,
}

/// A handle to the player thread; cloning it is cheap and every clone
/// drives the same player.
#[derive(Clone)]
pub struct Player {
    tx: Sender<Command>,
    state: Arc<Mutex<PlayerState>>,
    thread: Arc<Mutex<Option<std::thread::JoinHandle<()>>>>,
}

impl std::fmt::Debug for Player {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Player").finish_non_exhaustive()
    }
}

impl Player {
    /// Starts the player thread. `on_event` runs on that thread.
    pub fn start(
        choice: OutputChoice,
        on_event: impl FnMut(PlayerEvent) + Send + 'static,
    ) -> Result<Self> {
        let (tx, rx) = mpsc::channel();
        let state = Arc::new(Mutex::new(PlayerState {
            volume: 1.0,
            ..PlayerState::default()
        }));
        let shared_state = Arc::clone(&state);
        let thread = std::thread::Builder::new()
            .name("player".into())
            .spawn(move || thread::run(choice, rx, shared_state, Box::new(on_event)))
            .map_err(|err| Error::Playback {
                path: Default::default(),
                reason: format!("cannot start the player thread: {err}"),
            })?;
        Ok(Self {
            tx,
            state,
            thread: Arc::new(Mutex::new(Some(thread))),
        })
    }

    fn send(&self, command: Command) -> Result<()> {
        self.tx.send(command).map_err(|_| Error::PlayerGone)
    }

    /// Plays `queue` from `start`.
    pub fn play(
        &self,
        queue: Vec<PlayableTrack>,
        start: usize,
        context: PlayContext,
    ) -> Result<()> {
        self.send(Command::Load {
            queue,
            start,
            context,
        })
    }

    /// Adds `tracks` at the end of the queue; a queue that was about to
    /// end goes on into them without a gap.
    pub fn append(&self, tracks: Vec<PlayableTrack>) -> Result<()> {
        self.send(Command::Append(tracks))
    }

    pub fn toggle(&self) -> Result<()> {
        self.send(Command::Toggle)
    }
    pub fn pause(&self) -> Result<()> {
        self.send(Command::Pause)
    }
    pub fn resume(&self) -> Result<()> {
        self.send(Command::Resume)
    }
    pub fn next(&self) -> Result<()> {
        self.send(Command::Next)
    }
    /// Back to the start of the track, or to the previous one within the
    /// first three seconds.
    pub fn previous(&self) -> Result<()> {
        self.send(Command::Previous)
    }
    pub fn seek(&self, position_ms: u64) -> Result<()> {
        self.send(Command::Seek(position_ms))
    }
    /// Volume from 0 to 1.
    pub fn set_volume(&self, volume: f32) -> Result<()> {
        self.send(Command::Volume(volume))
    }
    /// Turns automix on or off (from the next transition on).
    pub fn set_automix(&self, on: bool) -> Result<()> {
        self.send(Command::Automix(on))
    }

    pub fn set_normalization(&self, mode: Normalization) -> Result<()> {
        self.send(Command::Normalization(mode))
    }
    pub fn stop(&self) -> Result<()> {
        self.send(Command::Stop)
    }

    /// One transport action, as a front end's button or media key sends it.
    pub fn act(&self, action: Action) -> Result<()> {
        match action {
            Action::Toggle => self.toggle(),
            Action::Pause => self.pause(),
            Action::Resume => self.resume(),
            Action::Next => self.next(),
            Action::Previous => self.previous(),
            Action::Stop => self.stop(),
        }
    }

    /// The latest state.
    pub fn state(&self) -> PlayerState {
        self.state.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// Like [`shutdown`](Self::shutdown), but waits at most `limit` for the
    /// player thread to finish (the app's exit must not hang on a callback that
    /// waits for the closing window).
    pub fn shutdown_within(&self, limit: std::time::Duration) {
        let _ = self.tx.send(Command::Shutdown);
        let deadline = std::time::Instant::now() + limit;
        if let Ok(mut thread) = self.thread.lock() {
            while thread.as_ref().is_some_and(|t| !t.is_finished()) {
                if std::time::Instant::now() > deadline {
                    tracing::warn!("the player did not stop in time; exiting anyway");
                    return;
                }
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            if let Some(thread) = thread.take() {
                let _ = thread.join();
            }
        }
    }

    /// Ends the current play (recorded as stopped) and stops the player thread.
    pub fn shutdown(&self) {
        let _ = self.tx.send(Command::Shutdown);
        if let Ok(mut thread) = self.thread.lock() {
            if let Some(thread) = thread.take() {
                let _ = thread.join();
            }
        }
    }
}
