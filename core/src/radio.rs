//! Genie radio: start from a track, an album, an artist, a playlist or a
//! tag, and the queue never runs dry. Each refill is a completion of what
//! was actually heard in this session, so the session steers itself before
//! any fine-tune: a track skipped is never queued again and leaves the
//! seed; its artist sits out the next [`COOLDOWN`] picks; an artist skipped
//! twice is gone for the session.
//!
//! [`Radio`] is the session's state and its rules, with no player and no
//! database: the service feeds it the plays that end
//! ([`Radio::observe`]) and asks it for a request ([`Radio::next_request`]),
//! the genie answers, and [`Radio::queued`] records what went in the queue.

use std::collections::HashMap;

use playgenie_formats::normalize::artist_key;
use serde::{Deserialize, Serialize};

use crate::db::{EndReason, NewPlay};

/// Tracks the radio keeps queued ahead: below this many left, it refills.
pub const LOW_WATER: usize = 3;
/// Tracks one refill adds.
pub const REFILL: usize = 5;
/// The most tracks of the session a refill continues from.
pub const SEED_WINDOW: usize = 20;
/// ... and a replay (a seed track is never suggested, so a replay of a
/// small library continues from the latest few only).
pub const REPLAY_SEED: usize = 5;
/// Picks an artist sits out after one skip.
pub const COOLDOWN: usize = 5;
/// Skips after which an artist is gone for the session.
pub const BAN_AFTER: usize = 2;
/// When the library is used up, tracks queued this many picks ago or
/// earlier may come back (never a skipped one).
pub const REPLAY_GAP: usize = 10;
/// A skip counts when less than this share of the track was heard.
pub const SKIP_SHARE: f64 = 0.5;

/// Where a radio starts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "lowercase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "RadioStart"))]
pub enum Start {
    /// A library track (its id).
    Track(i64),
    /// Every album of this name.
    Album(String),
    /// An artist's most played tracks.
    Artist(String),
    /// A playlist (its id).
    Playlist(i64),
    /// The most played tracks carrying a tag or genre.
    Tag(String),
}

impl Start {
    /// "track 12", "artist “Maxstack”": for messages and the player bar.
    pub fn describe(&self) -> String {
        match self {
            Self::Track(id) => format!("track {id}"),
            Self::Album(a) => format!("album “{a}”"),
            Self::Artist(a) => format!("artist “{a}”"),
            Self::Playlist(id) => format!("playlist {id}"),
            Self::Tag(t) => format!("tag “{t}”"),
        }
    }
}

/// What the session did with a track it queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Heard,
    Skipped,
}

/// Whether a play that ended says "heard" or "skipped", for the radio: a
/// skip with less than [`SKIP_SHARE`] heard (or under 30 s when the
/// length is unknown) steers away; a play stopped with the player says
/// nothing.
pub fn outcome(play: &NewPlay) -> Option<Outcome> {
    match play.end_reason {
        EndReason::Finished => Some(Outcome::Heard),
        EndReason::Skipped => {
            let share = play
                .duration_ms
                .filter(|d| *d > 0)
                .map(|d| play.listened_ms as f64 / d as f64);
            let early = match share {
                Some(share) => share < SKIP_SHARE,
                None => play.listened_ms < crate::engagement::LISTENED_MS,
            };
            Some(if early {
                Outcome::Skipped
            } else {
                Outcome::Heard
            })
        }
        _ => None,
    }
}

/// What a refill asks the genie for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RadioRequest {
    /// The session so far, as the playlist to continue.
    pub seed: Vec<i64>,
    /// Never these: everything queued this session (or, replaying, what
    /// was skipped, what is queued and the latest [`REPLAY_GAP`]).
    pub exclude: Vec<i64>,
    /// Artists to leave out, as [`artist_key`]s.
    pub avoid_artists: Vec<String>,
    pub k: usize,
}

/// One radio session.
#[derive(Debug, Clone)]
pub struct Radio {
    pub start: Start,
    /// The start's tracks: the seed until something has been heard.
    start_tracks: Vec<i64>,
    /// Heard tracks, in order.
    heard: Vec<i64>,
    /// Every track queued, in order: not queued again while the library
    /// has others.
    spent: Vec<i64>,
    /// Tracks skipped: never queued again.
    skipped: Vec<i64>,
    /// Per artist key: skips so far, and picks left to sit out.
    artists: HashMap<String, (usize, usize)>,
    /// Tracks queued and not yet ended.
    ahead: Vec<i64>,
}

impl Radio {
    /// A session from `start`, whose tracks are `start_tracks` (already in
    /// the queue when `queued` says so).
    pub fn new(start: Start, start_tracks: Vec<i64>) -> Self {
        Self {
            start,
            spent: start_tracks.clone(),
            start_tracks,
            heard: Vec::new(),
            skipped: Vec::new(),
            artists: HashMap::new(),
            ahead: Vec::new(),
        }
    }

    /// Tracks queued by the radio that have not ended yet.
    pub fn ahead(&self) -> usize {
        self.ahead.len()
    }

    /// Tracks heard this session.
    pub fn heard(&self) -> &[i64] {
        &self.heard
    }

    /// Whether the queue needs more: fewer than [`LOW_WATER`] left after
    /// the playing track, by the player's count or, when the player has
    /// not caught up with the last refill yet, the radio's own.
    pub fn wants_more(&self, left_in_queue: usize) -> bool {
        left_in_queue.max(self.ahead.len().saturating_sub(1)) < LOW_WATER
    }

    /// A play of `track` by `artist` ended with `outcome`.
    pub fn observe(&mut self, track: i64, artist: &str, outcome: Outcome) {
        // It and whatever was queued before it are behind the listener
        // now (a track that could not be played never reports).
        if let Some(at) = self.ahead.iter().position(|t| *t == track) {
            self.ahead.drain(..=at);
        }
        if !self.spent.contains(&track) {
            self.spent.push(track);
        }
        match outcome {
            Outcome::Heard => self.heard.push(track),
            Outcome::Skipped => {
                self.skipped.push(track);
                let entry = self.artists.entry(artist_key(artist)).or_default();
                entry.0 += 1;
                entry.1 = COOLDOWN;
            }
        }
    }

    /// Whether an artist is left out of the next pick: sitting out after a
    /// skip, or gone after [`BAN_AFTER`].
    pub fn avoids(&self, artist: &str) -> bool {
        self.artists
            .get(&artist_key(artist))
            .is_some_and(|&(skips, cooldown)| skips >= BAN_AFTER || cooldown > 0)
    }

    /// The next refill's request for `k` tracks.
    pub fn next_request(&self, k: usize) -> RadioRequest {
        RadioRequest {
            seed: self.seed(SEED_WINDOW),
            exclude: self.spent.clone(),
            ..self.replay_request(k)
        }
    }

    /// The latest `n` of the session: the start's tracks, then what was
    /// heard.
    fn seed(&self, n: usize) -> Vec<i64> {
        let mut seed: Vec<i64> = self
            .start_tracks
            .iter()
            .chain(&self.heard)
            .copied()
            .collect();
        if seed.len() > n {
            seed.drain(..seed.len() - n);
        }
        seed
    }

    /// The last resort of a session whose skips have left nothing (every
    /// artist of a small library skipped twice): [`Radio::replay_request`]
    /// with no artist left out; skipped tracks still never come back.
    pub fn relaxed_request(&self, k: usize) -> RadioRequest {
        RadioRequest {
            avoid_artists: Vec::new(),
            ..self.replay_request(k)
        }
    }

    /// [`Radio::next_request`] for a session that has used the library
    /// up: tracks heard [`REPLAY_GAP`] picks ago may come back, after the
    /// latest [`REPLAY_SEED`] heard.
    pub fn replay_request(&self, k: usize) -> RadioRequest {
        let seed = self.seed(REPLAY_SEED);
        let mut avoid_artists: Vec<String> = self
            .artists
            .iter()
            .filter(|(_, &(skips, cooldown))| skips >= BAN_AFTER || cooldown > 0)
            .map(|(a, _)| a.clone())
            .collect();
        avoid_artists.sort();
        let recent = &self.spent[self.spent.len().saturating_sub(REPLAY_GAP)..];
        let mut exclude: Vec<i64> = self
            .skipped
            .iter()
            .chain(&self.ahead)
            .chain(recent)
            .copied()
            .collect();
        exclude.sort_unstable();
        exclude.dedup();
        RadioRequest {
            seed,
            exclude,
            avoid_artists,
            k,
        }
    }

    /// The refill's tracks went into the queue: each is spent, and every
    /// cooldown runs down by the picks made.
    pub fn queued(&mut self, tracks: &[i64]) {
        for &t in tracks {
            if !self.spent.contains(&t) {
                self.spent.push(t);
            }
            self.ahead.push(t);
        }
        for entry in self.artists.values_mut() {
            entry.1 = entry.1.saturating_sub(tracks.len());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn play(reason: EndReason, listened_ms: u64, duration_ms: Option<u64>) -> NewPlay {
        NewPlay {
            track_id: Some(1),
            artist: "A".into(),
            title: "T".into(),
            started_at_ms: 0,
            listened_ms,
            end_reason: reason,
            end_position_ms: None,
            duration_ms,
            source: crate::db::PlaySource::Suggestion,
            playlist_id: None,
            imported_from: None,
        }
    }

    #[test]
    fn an_early_skip_steers_a_late_one_counts_as_heard_a_stop_says_nothing() {
        assert_eq!(
            outcome(&play(EndReason::Finished, 200_000, Some(200_000))),
            Some(Outcome::Heard)
        );
        assert_eq!(
            outcome(&play(EndReason::Skipped, 8_000, Some(200_000))),
            Some(Outcome::Skipped)
        );
        assert_eq!(
            outcome(&play(EndReason::Skipped, 150_000, Some(200_000))),
            Some(Outcome::Heard)
        );
        assert_eq!(
            outcome(&play(EndReason::Skipped, 20_000, None)),
            Some(Outcome::Skipped)
        );
        assert_eq!(outcome(&play(EndReason::Stopped, 5_000, None)), None);
    }

    #[test]
    fn a_skip_sits_an_artist_out_two_skips_remove_it_and_the_seed_follows_what_was_heard() {
        let mut radio = Radio::new(Start::Track(1), vec![1]);
        assert_eq!(radio.next_request(5).seed, vec![1]);
        radio.queued(&[2, 3, 4]);
        assert_eq!(radio.ahead(), 3);
        radio.observe(2, "Band", Outcome::Heard);
        radio.observe(3, "The Skipped", Outcome::Skipped);
        let next = radio.next_request(5);
        assert_eq!(next.seed, vec![1, 2]);
        assert_eq!(next.exclude, vec![1, 2, 3, 4]);
        assert_eq!(next.avoid_artists, vec!["skipped".to_owned()]);
        assert!(radio.avoids("Skipped"));
        // One skip: back after COOLDOWN picks.
        radio.queued(&[5, 6, 7, 8, 9]);
        assert!(!radio.avoids("skipped"));
        // Two skips: gone for the session.
        radio.observe(5, "the skipped", Outcome::Skipped);
        radio.queued(&[10, 11, 12, 13, 14, 15]);
        assert!(radio.avoids("Skipped"));
        assert!(
            !radio.wants_more(0),
            "the radio's own refill is still ahead"
        );
        assert!(!radio.wants_more(3));
    }

    #[test]
    fn a_used_up_library_replays_what_was_heard_long_ago_never_a_skip() {
        let mut radio = Radio::new(Start::Track(1), vec![1]);
        for t in 2..=20 {
            radio.queued(&[t]);
            let outcome = if t == 3 {
                Outcome::Skipped
            } else {
                Outcome::Heard
            };
            radio.observe(t, "A", outcome);
        }
        radio.queued(&[21]);
        let replay = radio.replay_request(5).exclude;
        // The skip, what is queued, and the latest REPLAY_GAP.
        assert_eq!(replay, [3].into_iter().chain(12..=21).collect::<Vec<_>>());
    }

    #[test]
    fn the_seed_is_the_latest_of_the_session() {
        let mut radio = Radio::new(Start::Artist("X".into()), (1..=10).collect());
        for t in 11..=30 {
            radio.queued(&[t]);
            radio.observe(t, "Y", Outcome::Heard);
        }
        let seed = radio.next_request(5).seed;
        assert_eq!(seed.len(), SEED_WINDOW);
        assert_eq!(seed.first(), Some(&11));
        assert_eq!(seed.last(), Some(&30));
    }
}
