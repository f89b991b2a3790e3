//! Genie radio as a service: one session at a time, shared by whatever
//! plays it (the app's player, the CLI's plan). The history writer feeds
//! it every play that ends ([`Services::radio_observe`]); the player asks
//! for more when fewer than [`radio::LOW_WATER`] tracks are left
//! ([`Services::radio_refill`]). Refills obey everything "Complete
//! playlist" obeys (the "never suggest" list, one version of each song,
//! the artist window) and the session's own skips.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use serde::{Deserialize, Serialize};

use super::suggestions::{request, CompleteOptions};
use super::{lock, now, Services};
use crate::db::NewPlay;
use crate::exclusions::Exclusions;
use crate::player::{Player, PlayerState, Status};
use crate::radio::{self, Radio, Start};
use crate::{Error, Result};

/// How a radio should sound.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RadioOptions {
    /// 0 = the familiar, 1 = discovery.
    #[serde(default)]
    pub adventurousness: f32,
    /// The listener's offset from UTC in seconds.
    #[serde(default)]
    pub utc_offset_s: i64,
}

impl Default for RadioOptions {
    fn default() -> Self {
        Self {
            adventurousness: 0.2,
            utc_offset_s: 0,
        }
    }
}

/// A radio that started: what to queue first.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RadioStarted {
    /// "Radio from artist “Maxstack”".
    pub title: String,
    /// The start's first track, then the first refill.
    pub tracks: Vec<i64>,
}

/// The session, for the player bar.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RadioStatus {
    pub title: String,
    pub heard: usize,
    pub ahead: usize,
}

/// The running session and how it should sound.
#[derive(Debug)]
pub(crate) struct Session {
    radio: Radio,
    options: RadioOptions,
    title: String,
}

impl Services {
    /// Starts a radio from `start` (replacing one that plays): returns the
    /// tracks to queue, the start's own first.
    pub fn radio_start(&self, start: Start, options: RadioOptions) -> Result<RadioStarted> {
        let seed = match &start {
            Start::Playlist(id) => self.with_db(|db| {
                Ok(db
                    .playlist_entries(*id)?
                    .iter()
                    .map(|e| e.track_id)
                    .collect::<Vec<_>>())
            })?,
            other => self.with_genie(|genie| Ok(genie.radio_seed(other)))?,
        };
        let Some(&first) = seed.first() else {
            return Err(Error::Invalid(format!(
                "the radio cannot start from {}: it names no analysed track in the library",
                start.describe()
            )));
        };
        // The start in words: a track or a playlist by its name.
        let named = match &start {
            Start::Track(_) => self
                .with_db(|db| db.playable_tracks(&[first]))?
                .first()
                .map(|t| format!("“{}”", t.title)),
            Start::Playlist(id) => self
                .with_db(|db| db.find_playlist(&id.to_string()))
                .ok()
                .map(|p| format!("playlist “{}”", p.name)),
            _ => None,
        };
        let title = format!("Radio from {}", named.unwrap_or_else(|| start.describe()));
        let mut session = Session {
            radio: Radio::new(start, seed),
            options,
            title: title.clone(),
        };
        session.radio.queued(&[first]);
        let mut tracks = vec![first];
        tracks.extend(self.refill(&mut session)?);
        *lock(&self.radio, "radio")? = Some(session);
        Ok(RadioStarted { title, tracks })
    }

    /// Stops the radio (the queue plays out); `false` when none was on.
    pub fn radio_stop(&self) -> Result<bool> {
        Ok(lock(&self.radio, "radio")?.take().is_some())
    }

    /// Whether a radio is on.
    pub fn radio_on(&self) -> bool {
        lock(&self.radio, "radio").is_ok_and(|s| s.is_some())
    }

    /// The running session, if any.
    pub fn radio_status(&self) -> Result<Option<RadioStatus>> {
        Ok(lock(&self.radio, "radio")?.as_ref().map(|s| RadioStatus {
            title: s.title.clone(),
            heard: s.radio.heard().len(),
            ahead: s.radio.ahead(),
        }))
    }

    /// A play ended: the radio learns from it if it queued that track.
    pub fn radio_observe(&self, play: &NewPlay) {
        let (Some(track), Some(outcome)) = (play.track_id, radio::outcome(play)) else {
            return;
        };
        if let Ok(mut slot) = lock(&self.radio, "radio") {
            if let Some(session) = slot.as_mut() {
                session.radio.observe(track, &play.artist, outcome);
            }
        }
    }

    /// What to append when `left` tracks are left in the queue: nothing
    /// while there are enough, or when no radio is on.
    pub fn radio_refill(&self, left: usize) -> Result<Vec<i64>> {
        let mut slot = lock(&self.radio, "radio")?;
        let Some(session) = slot.as_mut() else {
            return Ok(Vec::new());
        };
        if !session.radio.wants_more(left) {
            return Ok(Vec::new());
        }
        self.refill(session)
    }

    /// The next [`radio::REFILL`] tracks of `session`. A library the
    /// session has used up plays again what was heard longest ago (never
    /// what was skipped); one whose artists were all skipped away lets
    /// them back rather than fall silent.
    fn refill(&self, session: &mut Session) -> Result<Vec<i64>> {
        let global = self.with_db(Exclusions::load)?;
        let ask = |req: radio::RadioRequest| -> Result<Vec<i64>> {
            let mut never = global.clone();
            never.add_artist_keys(&req.avoid_artists);
            let options = CompleteOptions {
                k: req.k,
                adventurousness: session.options.adventurousness,
                exclude: req.exclude,
                utc_offset_s: session.options.utc_offset_s,
                ..CompleteOptions::default()
            };
            self.with_genie(|genie| {
                let done = genie.complete(&request(req.seed, options, never, now()))?;
                Ok(done.suggestions.iter().map(|s| s.track_id).collect())
            })
        };
        let mut picked = ask(session.radio.next_request(radio::REFILL))?;
        if picked.is_empty() {
            picked = ask(session.radio.replay_request(radio::REFILL))?;
        }
        if picked.is_empty() {
            picked = ask(session.radio.relaxed_request(radio::REFILL))?;
        }
        session.radio.queued(&picked);
        Ok(picked)
    }
}

/// [`Services`]' radio slot.
pub(crate) type Slot = std::sync::Mutex<Option<Session>>;

/// Keeps a player's queue from running dry while the radio is on: shown
/// each player state, it refills on a thread of its own (never the
/// player's, which must not wait on the model) and appends to the player.
#[derive(Clone)]
pub struct RadioFeeder {
    services: Arc<Services>,
    player: Arc<OnceLock<Player>>,
    busy: Arc<AtomicBool>,
}

impl std::fmt::Debug for RadioFeeder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RadioFeeder").finish_non_exhaustive()
    }
}

impl RadioFeeder {
    /// A feeder for the player that `player` will hold once started.
    pub fn new(services: Arc<Services>, player: Arc<OnceLock<Player>>) -> Self {
        Self {
            services,
            player,
            busy: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Looks at a player state; refills when the radio is on, the player
    /// plays and fewer than [`radio::LOW_WATER`] tracks are left.
    pub fn on_state(&self, state: &PlayerState) {
        let Some(index) = state.queue_index else {
            return;
        };
        let left = state.queue_len.saturating_sub(index + 1);
        if state.status != Status::Playing || left >= radio::LOW_WATER || !self.services.radio_on()
        {
            return;
        }
        if self.busy.swap(true, Ordering::AcqRel) {
            return;
        }
        let feeder = self.clone();
        let spawned = std::thread::Builder::new()
            .name("radio".into())
            .spawn(move || {
                let refill = feeder
                    .services
                    .radio_refill(left)
                    .and_then(|ids| feeder.services.with_db(|db| db.playable_tracks(&ids)));
                match refill {
                    Ok(tracks) if !tracks.is_empty() => {
                        if let Some(player) = feeder.player.get() {
                            if let Err(err) = player.append(tracks) {
                                tracing::warn!(%err, "the radio could not queue its tracks");
                            }
                        }
                    }
                    Ok(_) => {}
                    Err(err) => tracing::warn!(%err, "the radio could not refill"),
                }
                feeder.busy.store(false, Ordering::Release);
            });
        if let Err(err) = spawned {
            tracing::warn!(%err, "cannot start the radio's refill");
            self.busy.store(false, Ordering::Release);
        }
    }
}
