//! "Complete playlist" and what the listener does with its suggestions.
//!
//! The genie (library data plus the model in use) is loaded on first use
//! on a connection of its own and kept until a scan, a training or a change
//! of model version drops it. Every request is built here, with the same
//! limits for both front ends: tracks removed from a playlist's suggestions
//! are never suggested for it again, and a kept or removed suggestion is
//! evidence for the fine-tune policy.

use std::sync::Arc;

use serde::Deserialize;

use super::{lock, now, Services};
use crate::db::{EntryOrigin, Feedback};
use crate::exclusions::Exclusions;
use crate::genie::{Completion, Genie, PathPlan, PathRequest, Request};
use crate::{Db, Result};

/// What a person chooses for one completion.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CompleteOptions {
    /// How many tracks to add (1 to [`crate::genie::MAX_K`]).
    pub k: usize,
    /// 0 = the familiar, 1 = discovery.
    pub adventurousness: f32,
    /// No artist twice within this many tracks.
    pub artist_window: usize,
    /// Tracks not to suggest this time (beside those removed before).
    #[serde(default)]
    pub exclude: Vec<i64>,
    /// Tags or genres never to suggest ("christmas", "metal").
    #[serde(default)]
    pub exclude_tags: Vec<String>,
    /// The listener's offset from UTC in seconds ("evening" is theirs).
    #[serde(default)]
    pub utc_offset_s: i64,
}

impl Default for CompleteOptions {
    fn default() -> Self {
        Self {
            k: 10,
            adventurousness: 0.0,
            artist_window: 3,
            exclude: Vec::new(),
            exclude_tags: Vec::new(),
            utc_offset_s: 0,
        }
    }
}

impl Services {
    /// Continues playlist `playlist_id`. Tracks removed from its
    /// suggestions before are never suggested again.
    pub fn complete_playlist(
        &self,
        playlist_id: i64,
        mut options: CompleteOptions,
    ) -> Result<Completion> {
        let seed = self.with_db(|db| {
            options.exclude.extend(db.removed_suggestions(playlist_id)?);
            Ok(db
                .playlist_entries(playlist_id)?
                .iter()
                .map(|e| e.track_id)
                .collect::<Vec<_>>())
        })?;
        self.complete_tracks(seed, options)
    }

    /// Continues a list of library tracks (a playlist file's, say),
    /// leaving out what the "never suggest" list names.
    pub fn complete_tracks(&self, seed: Vec<i64>, options: CompleteOptions) -> Result<Completion> {
        let never = self.with_db(Exclusions::load)?;
        self.with_genie(|genie| genie.complete(&request(seed, options, never, now())))
    }

    /// A path of `steps` tracks from track `from` to track `to` through
    /// `via`, leaving out what the "never suggest" list names.
    pub fn plan_path(
        &self,
        from: i64,
        to: i64,
        via: Vec<i64>,
        steps: usize,
        utc_offset_s: i64,
    ) -> Result<PathPlan> {
        let never = self.with_db(Exclusions::load)?;
        let request = PathRequest {
            from,
            to,
            via,
            steps,
            never,
            at: now(),
            utc_offset_s,
        };
        self.with_genie(|genie| genie.path(&request))
    }

    /// Runs `f` on the genie, loading it first if no request has since
    /// the library or the model last changed.
    pub fn with_genie<T>(&self, f: impl FnOnce(&Genie) -> Result<T>) -> Result<T> {
        let mut slot = lock(&self.genie, "genie")?;
        if slot.is_none() {
            let db = Db::open(&self.paths.database)?;
            *slot = Some(Genie::load(&db, &self.store(), &self.backend())?);
        }
        f(slot.as_ref().ok_or(crate::Error::Poisoned("genie"))?)
    }

    /// Records what the listener did with suggestion `track_id` of playlist
    /// `playlist_id` (a kept one is appended to the playlist, marked as a
    /// suggestion), then fine-tunes in the background if enough evidence
    /// has come in.
    pub fn feedback(
        self: &Arc<Self>,
        playlist_id: i64,
        track_id: i64,
        feedback: Feedback,
        model_version: Option<u32>,
    ) -> Result<()> {
        self.record_feedback(playlist_id, track_id, feedback, model_version)?;
        self.after_evidence();
        Ok(())
    }

    /// [`Services::feedback`] without the fine-tune: for a front end that
    /// ends before a background training could (the CLI), which then
    /// offers `playgenie train --auto`.
    pub fn record_feedback(
        &self,
        playlist_id: i64,
        track_id: i64,
        feedback: Feedback,
        model_version: Option<u32>,
    ) -> Result<()> {
        self.with_db(|db| {
            if feedback == Feedback::Kept {
                db.add_to_playlist(playlist_id, &[track_id], EntryOrigin::Suggestion)?;
            }
            db.record_feedback(Some(playlist_id), track_id, feedback, model_version)
        })
    }

    /// Puts a saved model version in use (roll back or forward).
    pub fn use_model_version(&self, version: u32) -> Result<()> {
        self.store().use_version(version)?;
        self.invalidate_genie();
        Ok(())
    }

    /// Drops the loaded genie: the next request loads the library and the
    /// model in use afresh.
    pub fn invalidate_genie(&self) {
        if let Ok(mut genie) = self.genie.lock() {
            *genie = None;
        }
    }
}

/// The one place a [`Request`] is made: the options and the moment, fully
/// autoregressive at any library size. The genie checks the ranges
/// ([`Request::validate`]) and names them in its message.
pub(super) fn request(
    seed: Vec<i64>,
    options: CompleteOptions,
    never: Exclusions,
    at: i64,
) -> Request {
    Request {
        seed,
        k: options.k,
        adventurousness: options.adventurousness,
        artist_window: options.artist_window,
        exclude: options.exclude,
        exclude_tags: options.exclude_tags,
        never,
        at,
        utc_offset_s: options.utc_offset_s,
        rescore_every: 1,
    }
}
