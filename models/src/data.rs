//! The in-memory shape of playlist-continuation data, shared by the
//! baselines, the VAE and the benchmark. Track ids are dense indices into the
//! [`Catalogue`] (`0..len`); loaders map external ids to them.

use serde::Serialize;

/// One track of the catalogue ("library").
#[derive(Debug, Clone, Default)]
pub struct Track {
    /// The id the data set uses for it.
    pub external_id: String,
    pub artist: String,
    pub title: String,
    pub album: String,
    pub duration_s: Option<f32>,
    /// Numeric audio features, in [`Catalogue::feature_names`] order; NaN
    /// where a value is missing.
    pub features: Vec<f32>,
}

/// Every track that can be recommended, known up front (as in the app).
#[derive(Debug, Clone, Default)]
pub struct Catalogue {
    pub tracks: Vec<Track>,
    /// Names of the numeric feature columns (empty when there are none).
    pub feature_names: Vec<String>,
    /// How much each column counts after standardisation (empty: 1 each);
    /// see [`crate::baselines::block_weights`].
    pub feature_weights: Vec<f32>,
}

impl Catalogue {
    pub fn len(&self) -> usize {
        self.tracks.len()
    }

    pub fn is_empty(&self) -> bool {
        self.tracks.is_empty()
    }

    /// Dense artist ids (`0..n_artists`) per track, and their count.
    pub fn artist_ids(&self) -> (Vec<u32>, usize) {
        dense_ids(self.tracks.iter().map(|t| t.artist.to_lowercase()))
    }

    /// Dense album ids per track (an empty album is its own "no album").
    pub fn album_ids(&self) -> (Vec<u32>, usize) {
        dense_ids(
            self.tracks
                .iter()
                .map(|t| format!("{}\u{0}{}", t.artist.to_lowercase(), t.album.to_lowercase())),
        )
    }
}

fn dense_ids(keys: impl Iterator<Item = String>) -> (Vec<u32>, usize) {
    let mut map = std::collections::HashMap::new();
    let ids = keys
        .map(|k| {
            let next = map.len() as u32;
            *map.entry(k).or_insert(next)
        })
        .collect();
    (ids, map.len())
}

/// A training playlist: an ordered list of track indices, and what the
/// listener's engagement says about it.
#[derive(Debug, Clone, Default)]
pub struct Playlist {
    pub id: String,
    /// Who made or played it (a radio programme, a listener); `None` when
    /// unknown.
    pub user: Option<String>,
    /// Unix seconds of its first play, when known.
    pub timestamp: Option<i64>,
    pub tracks: Vec<u32>,
    /// How much each track counts as a target, parallel to `tracks`
    /// (empty: 1 each): the share of it that was heard, more for a kept
    /// suggestion. See [`Playlist::weight`].
    pub weights: Vec<f32>,
    /// Tracks the listener turned down in this playlist's context (skipped
    /// early while it played, suggestions removed from it), with how
    /// strongly.
    pub negatives: Vec<Negative>,
}

impl Playlist {
    /// How much track `i` counts as a target (1 without engagement data).
    pub fn weight(&self, i: usize) -> f32 {
        self.weights.get(i).copied().unwrap_or(1.0)
    }
}

/// A track turned down in a context: `weight` in (0, 1], 1 for a skip in
/// the first seconds or a removed suggestion.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Negative {
    pub track: u32,
    pub weight: f32,
}

/// What a recommender is asked: continue `seed` for `user` at `timestamp`.
#[derive(Debug, Clone, Copy)]
pub struct Query<'a> {
    pub user: Option<&'a str>,
    pub timestamp: Option<i64>,
    pub seed: &'a [u32],
}

/// An evaluation case: a query and the tracks that really followed.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Case {
    pub playlist: String,
    pub user: Option<String>,
    pub timestamp: Option<i64>,
    pub seed: Vec<u32>,
    pub heldout: Vec<u32>,
}

impl Case {
    pub fn query(&self) -> Query<'_> {
        Query {
            user: self.user.as_deref(),
            timestamp: self.timestamp,
            seed: &self.seed,
        }
    }
}
