//! "Complete playlist": the library and the listening history as the
//! model's data, training on the device, and completing a playlist with k
//! suggestions, each with the reasons a person can check.
//!
//! Data: every analysed track is a catalogue entry (its audio features are
//! the content the model reads). Training playlists are what the library
//! itself offers — albums and folders in order — plus the user's playlists
//! and their listening sessions (plays heard for 30 s or more, split at
//! gaps over 30 minutes; skips are left out). Without a trained model the
//! genie still answers from the audio features alone (cold start).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::AtomicBool;

use playgenie_models::baselines::{block_weights, standardise, standardise_rows};
use playgenie_models::data::{Catalogue, Playlist, Query, Track};
use playgenie_models::listener::LISTENER_VERSION;
use playgenie_models::musicnn::{EMBEDDING, TAGS};
use playgenie_models::vae::features::Prepared;
use playgenie_models::vae::{fit_cancellable, EpochStats, Generation, TrainedVae, VaeError};
use playgenie_models::vae::{ModelConfig, TrainingConfig, VaeConfig};
use playgenie_models::ComputeBackend;
use serde::Serialize;

use crate::db::{Db, Listening, ModelPlay, ModelTrack};
use crate::ear;
use crate::engagement::{self, Judgement};
use crate::error::{Error, Result};
use crate::exclusions::Exclusions;
use crate::model_store::{Checkpoint, ModelStore, TrainedOn};
use crate::path;
use crate::radio;
use crate::versions::{Song, Versions};

/// The listener, as the model's "user".
pub const ME: &str = "me";

/// How much the learned ear counts in content distances (cold start, the
/// explanations' "sounds like", the model's content term): the embedding's
/// and the tags' shares as multiples of the hand-made features' block.
/// Chosen by `playgenie bench index --listen 1,2,4,all` on the 77-track
/// Debian set: of 20 settings, (2, 1) is within 0.03 of the best
/// same-soundtrack precision@5 at every patch count (0.782 with one patch,
/// 0.899 with all; the hand-made features alone: 0.662).
pub const LISTENING_SHARES: (f32, f32) = (2.0, 1.0);

/// Column weights of a catalogue row [hand-made features (`hand_dims`),
/// embedding (200), MSD and MTT tags (100)] that give the embedding and the
/// tags `shares` of the hand-made block's weight, whatever their widths.
pub fn listening_weights(hand_dims: usize, shares: (f32, f32)) -> Vec<f32> {
    let hand = hand_dims as f32;
    block_weights(&[
        (hand_dims, hand),
        (EMBEDDING, shares.0 * hand),
        (2 * TAGS, shares.1 * hand),
    ])
}

/// Columns the learned ear adds to a catalogue row.
pub const EAR_COLUMNS: usize = EMBEDDING + 2 * TAGS;

/// A track's ear columns in catalogue order (embedding, MSD tags, MTT
/// tags); missing (NaN) when it has not been heard.
pub fn ear_columns(heard: Option<&Listening>) -> Vec<f32> {
    match heard {
        Some(h) => [h.embedding.as_slice(), &h.msd, &h.mtt].concat(),
        None => vec![f32::NAN; EAR_COLUMNS],
    }
}

/// Tags per track an explanation looks at.
const EXPLAIN_TAGS: usize = 5;

/// The library as the model's data.
pub struct LibraryData {
    pub catalogue: Catalogue,
    /// Whether the catalogue carries the learned ear's columns.
    pub ear: bool,
    /// Model index → database track id.
    pub ids: Vec<i64>,
    pub index: HashMap<i64, u32>,
    pub tracks: Vec<ModelTrack>,
    /// Training playlists (albums, folders, user playlists, sessions).
    pub playlists: Vec<Playlist>,
    /// Which playlists are the user's own (playlists and sessions), for the
    /// "played together" explanation.
    pub personal: Vec<bool>,
    pub plays: Vec<ModelPlay>,
}

impl LibraryData {
    /// Reads everything the model needs from the database.
    pub fn load(db: &Db) -> Result<Self> {
        let tracks = db.model_tracks()?;
        let ids: Vec<i64> = tracks.iter().map(|t| t.id).collect();
        let index: HashMap<i64, u32> = ids
            .iter()
            .enumerate()
            .map(|(i, id)| (*id, i as u32))
            .collect();
        let hand = tracks.first().map_or(0, |t| t.features.to_numeric().len());
        // The learned ear's columns join once its first pass over the
        // library is done (so the model's inputs change once); a track it
        // has not heard yet has them missing (the mean after z-scoring).
        let ear = db.ear_in_use(LISTENER_VERSION)? && !tracks.is_empty();
        let width = if ear { hand + EAR_COLUMNS } else { hand };
        let catalogue = Catalogue {
            feature_names: (0..width).map(|i| format!("f{i}")).collect(),
            feature_weights: if ear {
                listening_weights(hand, LISTENING_SHARES)
            } else {
                Vec::new()
            },
            tracks: tracks
                .iter()
                .map(|t| {
                    let mut features = t.features.to_numeric();
                    if ear {
                        features.extend(ear_columns(t.listening.as_ref()));
                    }
                    Track {
                        external_id: t.id.to_string(),
                        // The performing artist: the artist-repeat limit
                        // and the artist embedding are about who plays.
                        artist: t.artist.clone(),
                        title: t.title.clone(),
                        album: t.album.clone(),
                        duration_s: t.duration_s.map(|d| d as f32),
                        features,
                    }
                })
                .collect(),
        };
        let mut playlists = Vec::new();
        let mut personal = Vec::new();
        let mut seen: HashSet<Vec<u32>> = HashSet::new();
        let mut add =
            |list: Playlist, own: bool, playlists: &mut Vec<Playlist>, personal: &mut Vec<bool>| {
                // The library's own groupings are deduplicated (an album that
                // is a folder counts once); what the listener repeats counts
                // every time.
                if list.tracks.len() >= 2 && (own || seen.insert(list.tracks.clone())) {
                    playlists.push(Playlist {
                        user: own.then(|| ME.to_owned()),
                        ..list
                    });
                    personal.push(own);
                }
            };
        let grouping = |id: String, members: &[&ModelTrack]| Playlist {
            id,
            tracks: members.iter().map(|t| index[&t.id]).collect(),
            ..Playlist::default()
        };
        // Albums in disc and track order, then folders in file order.
        let mut albums: BTreeMap<(String, String), Vec<&ModelTrack>> = BTreeMap::new();
        let mut folders: BTreeMap<std::path::PathBuf, Vec<&ModelTrack>> = BTreeMap::new();
        for t in &tracks {
            if !t.album.trim().is_empty() {
                let artist = t
                    .album_artist
                    .clone()
                    .unwrap_or_else(|| t.artist.clone())
                    .to_lowercase();
                albums
                    .entry((artist, t.album.to_lowercase()))
                    .or_default()
                    .push(t);
            }
            folders.entry(t.folder.clone()).or_default().push(t);
        }
        for ((artist, album), mut members) in albums {
            members.sort_by_key(|t| album_order(t));
            let list = grouping(format!("album:{artist}/{album}"), &members);
            add(list, false, &mut playlists, &mut personal);
        }
        for (folder, members) in folders {
            let list = grouping(format!("folder:{}", folder.display()), &members);
            add(list, false, &mut playlists, &mut personal);
        }
        // The listener's playlists (kept suggestions count the most) and
        // sessions (each track by how much of it was heard), each with what
        // was turned down in it: see `engagement`.
        let plays = db.model_plays()?;
        let mut turned_down =
            engagement::playlist_negatives(&db.removed_suggestions_everywhere()?, &plays);
        for list in db.playlist_track_lists()? {
            let (tracks, weights): (Vec<u32>, Vec<f32>) = list
                .tracks
                .iter()
                .zip(&list.kept)
                .filter_map(|(t, kept)| {
                    let weight = if *kept { engagement::KEPT_WEIGHT } else { 1.0 };
                    index.get(t).map(|&i| (i, weight))
                })
                .unzip();
            let negatives = turned_down
                .remove(&list.id)
                .map(|n| engagement::negatives(&n, &index))
                .unwrap_or_default();
            let list = Playlist {
                id: format!("playlist:{}", list.id),
                tracks,
                weights,
                negatives,
                ..Playlist::default()
            };
            add(list, true, &mut playlists, &mut personal);
        }
        for (n, session) in engagement::sessions(&plays).into_iter().enumerate() {
            let (tracks, weights): (Vec<u32>, Vec<f32>) = session
                .tracks
                .iter()
                .zip(&session.weights)
                .filter_map(|(t, w)| index.get(t).map(|&i| (i, *w)))
                .unzip();
            let list = Playlist {
                id: format!("session:{n}"),
                timestamp: Some(session.started_at_ms / 1000),
                tracks,
                weights,
                negatives: engagement::negatives(&session.turned_down, &index),
                ..Playlist::default()
            };
            add(list, true, &mut playlists, &mut personal);
        }
        Ok(Self {
            catalogue,
            ear,
            ids,
            index,
            tracks,
            playlists,
            personal,
            plays,
        })
    }

    /// Plays as (seconds, user, model index): the history the model's
    /// recency features count (listens, not skips or plays stopped at
    /// once).
    pub fn online_plays(&self) -> Vec<(i64, Option<String>, u32)> {
        self.plays
            .iter()
            .filter(|p| matches!(engagement::judge(p), Judgement::Listened(_)))
            .filter_map(|p| {
                self.index
                    .get(&p.track_id)
                    .map(|&i| (p.started_at_ms / 1000, Some(ME.to_owned()), i))
            })
            .collect()
    }
}

/// How to train.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum TrainMode {
    /// From fresh weights.
    Full,
    /// From the model in use (falls back to full when the library changed).
    FineTune,
}

/// What a training run did.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TrainReport {
    pub mode: TrainMode,
    pub backend: String,
    pub tracks: usize,
    pub playlists: usize,
    pub epochs: Vec<EpochStats>,
    pub valid_loss: f32,
    /// The version now in use, or `None` when the candidate was refused
    /// (not finite, or not better) and the previous model stays.
    pub version: Option<u32>,
    pub seconds: f64,
}

/// The most training epochs one run may ask for.
pub const MAX_EPOCHS: usize = 10_000;

/// Trains on the library and history and saves a new version if it is
/// sound. Fine-tuning starts from the model in use when it was trained on
/// the same tracks. `epochs` must be in 0..=[`MAX_EPOCHS`]; 0 saves the
/// untrained model (`bench complete`: latency does not depend on the
/// weights), which the front ends never ask for (the CLI's `--epochs`
/// starts at 1).
pub fn train(
    db: &Db,
    store: &ModelStore,
    backend: &ComputeBackend,
    mode: TrainMode,
    epochs: Option<usize>,
    cancel: &AtomicBool,
    on_epoch: impl FnMut(&EpochStats),
) -> Result<TrainReport> {
    if let Some(epochs) = epochs {
        if epochs > MAX_EPOCHS {
            return Err(Error::Invalid(format!(
                "epochs must be between 1 and {MAX_EPOCHS}, not {epochs}"
            )));
        }
    }
    let started = std::time::Instant::now();
    let data = LibraryData::load(db)?;
    if data.catalogue.len() < 3 || data.playlists.is_empty() {
        return Err(Error::Model(format!(
            "not enough to learn from yet: {} analysed tracks and {} albums, folders, playlists or sessions; index some music first",
            data.catalogue.len(),
            data.playlists.len()
        )));
    }
    let current = store.current()?;
    let mut start = match (mode, &current) {
        (TrainMode::FineTune, Some(c)) if c.meta.tracks == data.ids => Some(c),
        (TrainMode::FineTune, Some(_)) => {
            tracing::info!(
                "the library changed since the model was trained: training from scratch"
            );
            None
        }
        _ => None,
    };
    let mut config = start.map(|c| c.config.clone()).unwrap_or_else(app_config);
    // A first model comes within FIRST_MODEL_S however big the library
    // (fine-tunes then go on from it); a fine-tune or a count of epochs
    // asked for is not cut short.
    let first_model_budget = |epochs: Option<usize>| {
        epochs
            .is_none()
            .then(|| (FIRST_MODEL_S - started.elapsed().as_secs_f64()).max(0.0))
    };
    config.training.time_budget_s = first_model_budget(epochs).filter(|_| start.is_none());
    if let Some(epochs) = epochs {
        config.training.epochs = epochs;
    } else if start.is_some() {
        let epochs = config.training.epochs.min(10);
        config.training.epochs = epochs;
    }
    let device = backend.device();
    let mut on_epoch = on_epoch;
    let mut fit = |start: Option<&Checkpoint>, config: &VaeConfig| {
        fit_cancellable(
            start.map(|c| &c.weights),
            &data.catalogue,
            &data.playlists,
            config,
            device,
            cancel,
            &mut on_epoch,
        )
    };
    let model = match fit(start, &config) {
        // The model in use was made by a PlayGenie whose model had another
        // shape: fine-tuning cannot start from it, so train anew.
        Err(VaeError::Weights(e)) if start.is_some() => {
            tracing::info!(%e, "the model in use does not fit: training from scratch");
            start = None;
            config = app_config();
            config.training.time_budget_s = first_model_budget(epochs);
            if let Some(epochs) = epochs {
                config.training.epochs = epochs;
            }
            fit(None, &config)
        }
        other => other,
    }
    .map_err(|e| match e {
        VaeError::Cancelled => Error::Cancelled,
        other => Error::Model(other.to_string()),
    })?;
    let weights = model.weights().map_err(|e| Error::Model(e.to_string()))?;
    let valid_loss = model.best_valid_loss();
    let note = match (mode, start) {
        (TrainMode::FineTune, Some(c)) => format!(
            "fine-tuned from v{} on {} playlists",
            c.meta.version,
            data.playlists.len()
        ),
        _ => format!(
            "trained on {} tracks, {} playlists",
            data.catalogue.len(),
            data.playlists.len()
        ),
    };
    let version = store.save_if_better(
        &model.config,
        &weights,
        valid_loss,
        None,
        &note,
        TrainedOn {
            tracks: &data.ids,
            ear: data.ear,
        },
    )?;
    let report = TrainReport {
        mode,
        backend: backend.summary().label,
        tracks: data.catalogue.len(),
        playlists: data.playlists.len(),
        epochs: model.history.clone(),
        valid_loss,
        version,
        seconds: started.elapsed().as_secs_f64(),
    };
    // Training's batches are gone; the model is saved and loaded anew.
    drop(model);
    crate::memory::release_freed_memory();
    Ok(report)
}

/// The model settings for a personal library: smaller than the benchmark's
/// (a library has thousands of tracks, not millions of plays).
pub fn app_config() -> VaeConfig {
    VaeConfig::new()
        .with_model(
            ModelConfig::new()
                .with_dim(32)
                .with_hidden(64)
                .with_latent(16),
        )
        .with_training(
            TrainingConfig::new()
                .with_epochs(30)
                .with_min_batches(Some(MIN_BATCHES)),
        )
}

/// Seconds a library's first model may take to train, loading its data
/// included (a 100k-track library then has one in a minute on two cores;
/// smaller ones finish their epochs sooner).
pub const FIRST_MODEL_S: f64 = 60.0;

/// Optimiser steps an epoch at least, however small the library: a few
/// albums and sessions fill one batch, and a fine-tune of 10 one-step
/// epochs would barely move the weights the listener's skips should move.
pub const MIN_BATCHES: usize = 8;

/// A request to complete a playlist.
#[derive(Debug, Clone)]
pub struct Request {
    /// The playlist so far (database track ids).
    pub seed: Vec<i64>,
    pub k: usize,
    /// 0 = the familiar, 1 = discovery (popular tracks discounted).
    pub adventurousness: f32,
    /// No artist twice within this many tracks.
    pub artist_window: usize,
    /// Tracks never to suggest (removed suggestions).
    pub exclude: Vec<i64>,
    /// Tags and genres never to suggest: a track whose top tags (the
    /// learned ear's) or genre tag carry one is left out ([`ear::has_tag`]).
    pub exclude_tags: Vec<String>,
    /// The listener's "never suggest" list, for every request.
    pub never: Exclusions,
    /// When the request is made (unix seconds, UTC): recency counts
    /// from here.
    pub at: i64,
    /// The listener's offset from UTC in seconds, so "evening" means their
    /// evening, for the request and for the plays alike.
    pub utc_offset_s: i64,
    /// Score the catalogue again after this many picks: 1 (after each,
    /// fully autoregressive) at every library size, as PlayGenie asks;
    /// more only for the benchmark's comparison.
    pub rescore_every: usize,
}

/// A path from one track to another.
#[derive(Debug, Clone)]
pub struct PathRequest {
    pub from: i64,
    pub to: i64,
    /// Tracks the path passes through, in order.
    pub via: Vec<i64>,
    /// Tracks in all, both ends included.
    pub steps: usize,
    pub never: Exclusions,
    /// Unix seconds, UTC.
    pub at: i64,
    pub utc_offset_s: i64,
}

/// One step of a path.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PathStep {
    pub track_id: i64,
    pub title: String,
    pub artist: String,
    pub album: String,
    pub duration_s: Option<f64>,
    /// How far along the path, 0 (the start) to 1 (the end).
    pub along: f32,
    /// An end or a waypoint the listener chose.
    pub stop: bool,
    /// Why it sits where it does.
    pub reasons: Vec<String>,
}

/// A planned path.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PathPlan {
    pub steps: Vec<PathStep>,
    pub model_version: Option<u32>,
    pub answered_by: String,
    pub millis: f64,
}

/// The most tracks of an artist or a tag a radio starts from.
pub const RADIO_SEED: usize = 10;

/// The most tracks one request may ask for.
pub const MAX_K: usize = 1000;

/// The longest artist-repeat window a request may set.
pub const MAX_ARTIST_WINDOW: usize = 1000;

/// The largest offset from UTC there is (UTC+14, Kiribati), in seconds.
pub const MAX_UTC_OFFSET_S: i64 = 14 * 3600;

impl Request {
    /// Checks what a front end passed: k in 1..=[`MAX_K`], adventurousness
    /// a number in 0..=1, the artist window at most [`MAX_ARTIST_WINDOW`],
    /// the UTC offset within ±14 hours.
    pub fn validate(&self) -> Result<()> {
        if !(1..=MAX_K).contains(&self.k) {
            return Err(Error::Invalid(format!(
                "k must be between 1 and {MAX_K} tracks, not {}",
                self.k
            )));
        }
        if !(0.0..=1.0).contains(&self.adventurousness) {
            return Err(Error::Invalid(format!(
                "adventurousness must be a number from 0 (familiar) to 1 (discovery), not {}",
                self.adventurousness
            )));
        }
        if !(-MAX_UTC_OFFSET_S..=MAX_UTC_OFFSET_S).contains(&self.utc_offset_s) {
            return Err(Error::Invalid(format!(
                "the offset from UTC must be within ±14 hours, not {} s",
                self.utc_offset_s
            )));
        }
        if self.artist_window > MAX_ARTIST_WINDOW {
            return Err(Error::Invalid(format!(
                "the artist window must be at most {MAX_ARTIST_WINDOW} tracks, not {}",
                self.artist_window
            )));
        }
        Ok(())
    }
}

/// One suggestion.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Suggestion {
    pub track_id: i64,
    pub title: String,
    pub artist: String,
    pub album: String,
    pub duration_s: Option<f64>,
    /// Why, in words, strongest first.
    pub reasons: Vec<String>,
}

/// What answered a request.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Completion {
    pub suggestions: Vec<Suggestion>,
    /// The model version that answered; `None`: the audio features alone
    /// (cold start).
    pub model_version: Option<u32>,
    /// The same in words: "model v3" or "audio features only (no model
    /// trained yet)".
    pub answered_by: String,
    pub millis: f64,
}

/// The genie: the library data, z-scored features for explanations, and
/// the model in use if there is one that fits the library.
pub struct Genie {
    data: LibraryData,
    content: Vec<Vec<f32>>,
    /// Per track, the learned ear's top tags (the library shows them; the
    /// exclusions match them) and the few strongest it explains with.
    top_tags: Vec<Vec<String>>,
    heard_tags: Vec<Vec<String>>,
    model: Option<(u32, TrainedVae)>,
    artists: Vec<u32>,
    /// Plays per track.
    plays: Vec<usize>,
    /// The songs with several versions in the library: one is suggested.
    versions: Versions,
    /// Why there is no model, when there is none.
    pub no_model: Option<String>,
}

impl Genie {
    /// Loads the data and the model in use (if it was trained on these
    /// tracks) on `backend`.
    pub fn load(db: &Db, store: &ModelStore, backend: &ComputeBackend) -> Result<Self> {
        let data = LibraryData::load(db)?;
        let content =
            standardise(&data.catalogue).unwrap_or_else(|| vec![Vec::new(); data.catalogue.len()]);
        let (artists, _) = data.catalogue.artist_ids();
        let mut no_model = None;
        let model = match store.current()? {
            None => {
                no_model = Some("no model trained yet".to_owned());
                None
            }
            Some(c) if c.meta.tracks != data.ids || c.meta.ear != data.ear => {
                no_model = Some(format!(
                    "model v{} was trained on another version of the library; train again",
                    c.meta.version
                ));
                None
            }
            Some(c) => {
                let mut prepared = Prepared::new(
                    &data.catalogue,
                    &data.playlists,
                    c.config.model.neighbours,
                    c.config.model.buckets,
                );
                prepared.set_online_history(data.online_plays());
                match TrainedVae::from_weights(
                    c.config.clone(),
                    prepared,
                    &c.weights,
                    backend.device(),
                ) {
                    Ok(model) => Some((c.meta.version, model)),
                    // A checkpoint from a PlayGenie whose model had another
                    // shape: it stays on disk, and a new one is trained.
                    Err(VaeError::Weights(e)) => {
                        tracing::warn!(version = c.meta.version, %e, "checkpoint does not fit");
                        no_model = Some(format!(
                            "model v{} was made by another version of PlayGenie ({e}); train again",
                            c.meta.version
                        ));
                        None
                    }
                    Err(e) => return Err(Error::Model(e.to_string())),
                }
            }
        };
        let top_tags = data
            .tracks
            .iter()
            .map(|t| t.listening.as_ref().map(ear::top_tags).unwrap_or_default())
            .collect();
        let heard_tags = data
            .tracks
            .iter()
            .map(|t| {
                t.listening
                    .as_ref()
                    .map(|h| ear::strongest(&ear::tag_probabilities(h), EXPLAIN_TAGS))
                    .unwrap_or_default()
            })
            .collect();
        let plays = play_counts(&data);
        let versions = find_versions(&data, &plays, &db.preferred_versions()?);
        // Loading lays the model out anew (the host scorer's rows): what
        // the steps before it freed goes back to the system.
        crate::memory::release_freed_memory();
        Ok(Self {
            data,
            content,
            top_tags,
            heard_tags,
            model,
            artists,
            plays,
            versions,
            no_model,
        })
    }

    /// The library's songs with more than one version, the one suggested
    /// first.
    pub fn version_groups(&self) -> Vec<Vec<&ModelTrack>> {
        self.versions
            .groups()
            .iter()
            .map(|g| g.iter().map(|&i| &self.data.tracks[i as usize]).collect())
            .collect()
    }

    /// The tracks a radio from `start` continues (database ids, the first
    /// plays first): the track; the album in order; the artist's or the
    /// tag's most played (at most [`RADIO_SEED`]). A playlist's entries
    /// are the database's to read, so `Start::Playlist` gives none here.
    pub fn radio_seed(&self, start: &radio::Start) -> Vec<i64> {
        use playgenie_formats::normalize::{artist_key, fold};
        let plays = &self.plays;
        // An artist's or a tag's radio starts from the versions the modes
        // suggest.
        let other_version: HashSet<u32> = self.versions.not_suggested().collect();
        let most_played = |keep: &dyn Fn(usize, &ModelTrack) -> bool| -> Vec<i64> {
            let mut found: Vec<usize> = (0..self.data.tracks.len())
                .filter(|&i| !other_version.contains(&(i as u32)))
                .filter(|&i| keep(i, &self.data.tracks[i]))
                .collect();
            found.sort_by_key(|&i| (std::cmp::Reverse(plays[i]), i));
            found
                .into_iter()
                .take(RADIO_SEED)
                .map(|i| self.data.ids[i])
                .collect()
        };
        match start {
            radio::Start::Track(id) => self
                .data
                .index
                .contains_key(id)
                .then_some(*id)
                .into_iter()
                .collect(),
            radio::Start::Album(name) => {
                let wanted = fold(name);
                let mut found: Vec<&ModelTrack> = self
                    .data
                    .tracks
                    .iter()
                    .filter(|t| !wanted.is_empty() && fold(&t.album) == wanted)
                    .collect();
                found.sort_by_key(|t| album_order(t));
                found.iter().map(|t| t.id).collect()
            }
            radio::Start::Artist(name) => {
                let wanted = artist_key(name);
                most_played(&|_, t| {
                    !wanted.is_empty()
                        && std::iter::once(t.artist.as_str())
                            .chain(t.album_artist.as_deref())
                            .any(|a| artist_key(a) == wanted)
                })
            }
            radio::Start::Tag(tag) => {
                most_played(&|i, t| ear::has_tag(tag, &self.top_tags[i], t.genre.as_deref()))
            }
            radio::Start::Playlist(_) => Vec::new(),
        }
    }

    /// The other versions of track `id`'s song (empty when none).
    pub fn other_versions(&self, id: i64) -> Vec<i64> {
        self.data.index.get(&id).map_or_else(Vec::new, |&i| {
            self.versions
                .of(i)
                .iter()
                .filter(|&&t| t != i)
                .map(|&t| self.data.ids[t as usize])
                .collect()
        })
    }

    /// Tracks no suggestion may be, for a playlist holding `seed`: the
    /// request's own exclusions, its tags, the "never suggest" list, and
    /// every version of a song but the preferred (none of the seed's songs).
    fn banned(&self, seed: &[u32], request: &Request) -> Vec<u32> {
        self.banned_by(
            seed,
            &request.exclude,
            &request.exclude_tags,
            &request.never,
        )
    }

    /// [`Genie::banned`] from its parts.
    fn banned_by(
        &self,
        seed: &[u32],
        exclude: &[i64],
        exclude_tags: &[String],
        never: &Exclusions,
    ) -> Vec<u32> {
        let mut out: Vec<u32> = exclude
            .iter()
            .filter_map(|id| self.data.index.get(id).copied())
            .collect();
        out.extend(self.versions.exclusions_for(seed));
        if !exclude_tags.is_empty() || !never.is_empty() {
            out.extend(
                self.data
                    .tracks
                    .iter()
                    .enumerate()
                    .filter(|(i, t)| {
                        let tags = &self.top_tags[*i];
                        never.excludes(t, tags)
                            || exclude_tags
                                .iter()
                                .any(|tag| ear::has_tag(tag, tags, t.genre.as_deref()))
                    })
                    .map(|(i, _)| i as u32),
            );
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// A path from `request.from` to `request.to` through its waypoints:
    /// steps even along the way in sound (and in the model's track space
    /// when there is a model), each a good track for this listener, none
    /// on the "never suggest" list, one version of a song at most.
    pub fn path(&self, request: &PathRequest) -> Result<PathPlan> {
        let started = std::time::Instant::now();
        if !(path::MIN_STEPS..=path::MAX_STEPS).contains(&request.steps) {
            return Err(Error::Invalid(format!(
                "a path has {} to {} tracks, its ends included, not {}",
                path::MIN_STEPS,
                path::MAX_STEPS,
                request.steps
            )));
        }
        let ids: Vec<i64> = std::iter::once(request.from)
            .chain(request.via.iter().copied())
            .chain(std::iter::once(request.to))
            .collect();
        let mut stops = Vec::with_capacity(ids.len());
        for id in &ids {
            let &i = self.data.index.get(id).ok_or_else(|| {
                Error::Invalid(format!(
                    "track {id} is not an analysed track of the library; a path needs tracks PlayGenie has heard"
                ))
            })?;
            if stops.contains(&i) {
                return Err(Error::Invalid(format!(
                    "track {id} is on the path twice; its ends and waypoints must differ"
                )));
            }
            stops.push(i);
        }
        if stops.len() > request.steps {
            return Err(Error::Invalid(format!(
                "{} stops do not fit in a path of {} tracks",
                stops.len(),
                request.steps
            )));
        }
        let n = self.data.tracks.len();
        let mut banned = vec![false; n];
        for t in self.banned_by(&stops, &[], &[], &request.never) {
            banned[t as usize] = true;
        }
        // The track space: the sound, and the model's embedding when there
        // is one, each block scaled to one unit of mean squared distance.
        let mut vectors: Vec<Vec<f32>> = scaled_block(&self.content);
        let mut fit = None;
        if let Some((_, model)) = &self.model {
            let embedding = model
                .track_vectors()
                .map_err(|e| Error::Model(e.to_string()))?;
            if embedding.len() == n {
                for (v, e) in vectors.iter_mut().zip(scaled_block(&embedding)) {
                    v.extend(e);
                }
            }
            let query = Query {
                user: Some(ME),
                timestamp: Some(request.at),
                seed: &stops,
            };
            let scores = model
                .scores_many(&[query])
                .map_err(|e| Error::Model(e.to_string()))?;
            fit = scores.into_iter().next().map(|s| z_scores(&s));
        }
        let planned = path::plan(
            &stops,
            request.steps,
            &path::Space {
                vectors: &vectors,
                fit: fit.as_deref(),
                banned: &banned,
            },
        );
        let (from, to) = (
            &self.data.tracks[stops[0] as usize],
            &self.data.tracks[stops[stops.len() - 1] as usize],
        );
        let steps = planned
            .iter()
            .enumerate()
            .map(|(k, step)| {
                let t = &self.data.tracks[step.track as usize];
                // Its neighbour on the way: the step before (the next one
                // for the first).
                let neighbour = planned.get(k.checked_sub(1).unwrap_or(k + 1));
                let mut reasons = vec![if step.stop {
                    format!("a stop you chose: {}", sound_facts(t))
                } else {
                    format!(
                        "{:.0} % of the way from “{}” to “{}”: {}",
                        step.along * 100.0,
                        from.title,
                        to.title,
                        sound_facts(t)
                    )
                }];
                if let Some(n) = neighbour {
                    reasons.push(sound_reason(&self.data.tracks[n.track as usize], t));
                }
                if !step.stop {
                    reasons.extend(
                        self.reasons(step.track, &stops, request.at, request.utc_offset_s)
                            .into_iter()
                            .filter(|r| !r.starts_with("close in"))
                            .take(1),
                    );
                }
                PathStep {
                    track_id: t.id,
                    title: t.title.clone(),
                    artist: t.artist.clone(),
                    album: t.album.clone(),
                    duration_s: t.duration_s,
                    along: step.along,
                    stop: step.stop,
                    reasons,
                }
            })
            .collect();
        Ok(PathPlan {
            steps,
            model_version: self.version(),
            answered_by: match self.version() {
                Some(v) => format!("model v{v} and the sound"),
                None => "the sound alone (no model trained yet)".to_owned(),
            },
            millis: started.elapsed().as_secs_f64() * 1000.0,
        })
    }

    /// Tracks the genie can suggest.
    pub fn tracks(&self) -> usize {
        self.data.ids.len()
    }

    /// The model in use, if there is one that fits the library.
    pub fn model(&self) -> Option<&TrainedVae> {
        self.model.as_ref().map(|(_, m)| m)
    }

    /// The model version answering, if any.
    pub fn version(&self) -> Option<u32> {
        self.model.as_ref().map(|(v, _)| *v)
    }

    /// Completes `request.seed` with up to `request.k` tracks.
    pub fn complete(&self, request: &Request) -> Result<Completion> {
        request.validate()?;
        let started = std::time::Instant::now();
        let seed: Vec<u32> = request
            .seed
            .iter()
            .filter_map(|id| self.data.index.get(id).copied())
            .collect();
        let exclude = self.banned(&seed, request);
        let options = Generation {
            artist_window: request.artist_window,
            temperature: 0.0,
            adventurousness: request.adventurousness.clamp(0.0, 1.0),
            seed: 7,
            rescore_every: request.rescore_every.max(1),
        };
        let (picked, model_version, answered_by) = match &self.model {
            Some((version, model)) => {
                let query = Query {
                    user: Some(ME),
                    timestamp: Some(request.at),
                    seed: &seed,
                };
                let picked = model
                    .generate_excluding(&query, request.k, &self.artists, &options, &exclude)
                    .map_err(|e| Error::Model(e.to_string()))?;
                (picked, Some(*version), format!("model v{version}"))
            }
            None => (
                self.by_sound(&seed, &exclude, request),
                None,
                format!(
                    "audio features only ({})",
                    self.no_model.as_deref().unwrap_or("no model")
                ),
            ),
        };
        let suggestions = picked
            .into_iter()
            .map(|i| {
                let t = &self.data.tracks[i as usize];
                Suggestion {
                    track_id: t.id,
                    title: t.title.clone(),
                    artist: t.artist.clone(),
                    album: t.album.clone(),
                    duration_s: t.duration_s,
                    reasons: self.reasons(i, &seed, request.at, request.utc_offset_s),
                }
            })
            .collect();
        Ok(Completion {
            suggestions,
            model_version,
            answered_by,
            millis: started.elapsed().as_secs_f64() * 1000.0,
        })
    }

    /// Every track the model would put after `seed` (database ids), best
    /// first, from one scoring: no constraints and no exclusions beyond the
    /// seed (at most the benchmark's 500). `None` without a model.
    pub fn ranking(&self, seed: &[i64], at: i64) -> Result<Option<Vec<i64>>> {
        let Some((_, model)) = &self.model else {
            return Ok(None);
        };
        let seed: Vec<u32> = seed
            .iter()
            .filter_map(|id| self.data.index.get(id).copied())
            .collect();
        let query = Query {
            user: Some(ME),
            timestamp: Some(at),
            seed: &seed,
        };
        let scores = model
            .scores_many(&[query])
            .map_err(|e| Error::Model(e.to_string()))?;
        let scores = scores.first().map(Vec::as_slice).unwrap_or_default();
        Ok(Some(
            playgenie_models::metrics::rank(scores, &seed)
                .into_iter()
                .map(|i| self.data.ids[i as usize])
                .collect(),
        ))
    }

    /// Cold start: the tracks closest in sound to the playlist (its mean
    /// feature vector), one at a time, honouring the artist window. The
    /// centre moves as tracks join; candidates are the 500 nearest to the
    /// starting centre, so each step looks at 500 tracks, not the library.
    fn by_sound(&self, seed: &[u32], exclude: &[u32], request: &Request) -> Vec<u32> {
        const SHORTLIST: usize = 500;
        let dims = self.content.first().map_or(0, Vec::len);
        let centre = |sequence: &[u32]| -> Vec<f32> {
            let mut c = vec![0.0; dims];
            for &t in sequence {
                for (a, b) in c.iter_mut().zip(&self.content[t as usize]) {
                    *a += b / sequence.len() as f32;
                }
            }
            c
        };
        let mut banned = vec![false; self.content.len()];
        for &t in seed.iter().chain(exclude) {
            banned[t as usize] = true;
        }
        let start = centre(seed);
        let mut shortlist: Vec<(f32, u32)> = (0..self.content.len() as u32)
            .filter(|t| !banned[*t as usize])
            .map(|t| (distance(&self.content[t as usize], &start), t))
            .collect();
        let cut = SHORTLIST.min(shortlist.len());
        if cut > 0 && cut < shortlist.len() {
            shortlist.select_nth_unstable_by(cut - 1, |a, b| a.0.total_cmp(&b.0));
            shortlist.truncate(cut);
        }
        let mut sequence = seed.to_vec();
        let mut chosen = Vec::new();
        while chosen.len() < request.k {
            let target = centre(&sequence);
            let recent: Vec<u32> = sequence
                .iter()
                .rev()
                .take(request.artist_window)
                .map(|&t| self.artists[t as usize])
                .collect();
            let best = |window: bool| {
                shortlist
                    .iter()
                    .map(|(_, t)| *t)
                    .filter(|t| !banned[*t as usize])
                    .filter(|t| !window || !recent.contains(&self.artists[*t as usize]))
                    .min_by(|a, b| {
                        distance(&self.content[*a as usize], &target)
                            .total_cmp(&distance(&self.content[*b as usize], &target))
                    })
            };
            let Some(next) = best(true).or_else(|| best(false)) else {
                break;
            };
            banned[next as usize] = true;
            sequence.push(next);
            chosen.push(next);
        }
        chosen
    }

    /// Reasons a person can check, strongest first (at most two).
    fn reasons(&self, track: u32, seed: &[u32], at: i64, utc_offset_s: i64) -> Vec<String> {
        let mut reasons = Vec::new();
        let t = &self.data.tracks[track as usize];
        // Played or listed together with a seed track.
        let together = seed
            .iter()
            .map(|&s| (self.together(s, track), s))
            .max_by_key(|(n, _)| *n)
            .filter(|(n, _)| *n > 0);
        if let Some((_, s)) = together {
            reasons.push(format!(
                "you have listened to it together with “{}”",
                self.data.tracks[s as usize].title
            ));
        }
        // The artist at this time of day.
        if let Some(part) = self.artist_daypart(track, at, utc_offset_s) {
            reasons.push(format!("you often play {} in the {part}", t.artist));
        }
        // What the ear hears in both.
        if let Some(reason) = self.tag_reason(track, seed) {
            reasons.push(reason);
        }
        // Closest in sound.
        if let Some(&nearest) = seed.iter().min_by(|a, b| {
            distance(&self.content[**a as usize], &self.content[track as usize]).total_cmp(
                &distance(&self.content[**b as usize], &self.content[track as usize]),
            )
        }) {
            let s = &self.data.tracks[nearest as usize];
            reasons.push(sound_reason(s, t));
        } else {
            reasons.push(format!("{} fits your library's sound", t.title));
        }
        reasons.truncate(2);
        reasons
    }

    /// "both mellow and ambient, with piano, like “X”": the tags the ear
    /// hears in the track and in the seed track that shares most of them.
    fn tag_reason(&self, track: u32, seed: &[u32]) -> Option<String> {
        let mine = &self.heard_tags[track as usize];
        if mine.is_empty() {
            return None;
        }
        let shared = |s: u32| -> Vec<String> {
            mine.iter()
                .filter(|t| self.heard_tags[s as usize].contains(t))
                .take(3)
                .cloned()
                .collect()
        };
        let (s, tags) = seed
            .iter()
            .map(|&s| (s, shared(s)))
            .max_by_key(|(_, tags)| tags.len())
            .filter(|(_, tags)| !tags.is_empty())?;
        Some(format!(
            "both {}, like “{}”",
            ear::phrase(&tags),
            self.data.tracks[s as usize].title
        ))
    }

    /// In how many of the user's own playlists and sessions both appear.
    fn together(&self, a: u32, b: u32) -> usize {
        self.data
            .playlists
            .iter()
            .zip(&self.data.personal)
            .filter(|(p, own)| **own && p.tracks.contains(&a) && p.tracks.contains(&b))
            .count()
    }

    /// "evening" if most of the artist's listened plays (at least three)
    /// fall in the part of the day `at` is in.
    fn artist_daypart(&self, track: u32, at: i64, utc_offset_s: i64) -> Option<&'static str> {
        let artist = self.artists[track as usize];
        let wanted = daypart(at + utc_offset_s);
        let hours: Vec<&'static str> = self
            .data
            .plays
            .iter()
            .filter(|p| !p.skipped)
            .filter(|p| {
                self.data
                    .index
                    .get(&p.track_id)
                    .is_some_and(|&i| self.artists[i as usize] == artist)
            })
            .map(|p| daypart(p.started_at_ms / 1000 + utc_offset_s))
            .collect();
        let matching = hours.iter().filter(|h| **h == wanted).count();
        (hours.len() >= 3 && matching * 2 > hours.len()).then_some(wanted)
    }
}

/// Where a track stands on its album: disc, track number, title.
fn album_order(t: &ModelTrack) -> (u32, u32, String) {
    (
        t.disc_no.unwrap_or(1),
        t.track_no.unwrap_or(u32::MAX),
        t.title.clone(),
    )
}

/// How often each of the genie's tracks was played.
fn play_counts(data: &LibraryData) -> Vec<usize> {
    let mut plays = vec![0usize; data.tracks.len()];
    for p in &data.plays {
        if let Some(&i) = data.index.get(&p.track_id) {
            plays[i as usize] += 1;
        }
    }
    plays
}

/// The library's versions of songs ([`Versions::find`]) from the genie's
/// data, its tracks' play counts and the listener's choices (track id,
/// when).
fn find_versions(data: &LibraryData, plays: &[usize], preferred: &[(i64, i64)]) -> Versions {
    let mut chosen: Vec<Option<i64>> = vec![None; data.tracks.len()];
    for &(id, at) in preferred {
        if let Some(&i) = data.index.get(&id) {
            chosen[i as usize] = Some(at);
        }
    }
    let songs: Vec<Song<'_>> = data
        .tracks
        .iter()
        .enumerate()
        .map(|(i, t)| Song {
            title: &t.title,
            artist: &t.artist,
            duration_s: t.duration_s,
            loudness_lufs: t.features.loudness_lufs,
            plays: plays[i],
            preferred_at: chosen[i],
            names_guessed: t.names_guessed,
        })
        .collect();
    // The hand-made block of the catalogue rows alone, z-scored without
    // the ear's weights.
    let ear = if data.ear { EAR_COLUMNS } else { 0 };
    let dims = data.catalogue.feature_names.len().saturating_sub(ear);
    let rows: Vec<&[f32]> = data
        .catalogue
        .tracks
        .iter()
        .map(|t| &t.features[..dims.min(t.features.len())])
        .collect();
    let z = standardise_rows(&rows, dims, &[]);
    let z_rows: Vec<&[f32]> = z.iter().map(Vec::as_slice).collect();
    Versions::find(&songs, &z_rows)
}

/// Rows scaled so that two tracks are one unit of mean squared distance
/// apart on average (rows of other widths or non-finite values count as
/// zeros).
fn scaled_block(rows: &[Vec<f32>]) -> Vec<Vec<f32>> {
    let dims = rows.first().map_or(0, Vec::len);
    let clean = |v: &[f32]| -> Vec<f32> {
        (0..dims)
            .map(|d| v.get(d).copied().filter(|x| x.is_finite()).unwrap_or(0.0))
            .collect()
    };
    let rows: Vec<Vec<f32>> = rows.iter().map(|r| clean(r)).collect();
    // Mean squared distance = 2 × the mean squared deviation from the mean.
    let n = rows.len().max(1) as f32;
    let mut mean = vec![0.0f32; dims];
    for r in &rows {
        for (m, x) in mean.iter_mut().zip(r) {
            *m += x / n;
        }
    }
    let spread: f32 = rows.iter().map(|r| distance(r, &mean)).sum::<f32>() / n * 2.0;
    let factor = if spread > 0.0 && spread.is_finite() {
        1.0 / spread.sqrt()
    } else {
        1.0
    };
    rows.into_iter()
        .map(|r| r.into_iter().map(|x| x * factor).collect())
        .collect()
}

/// Scores as z-scores over the finite ones (the rest 0).
fn z_scores(scores: &[f32]) -> Vec<f32> {
    let finite: Vec<f32> = scores.iter().copied().filter(|s| s.is_finite()).collect();
    let n = finite.len().max(1) as f32;
    let mean = finite.iter().sum::<f32>() / n;
    let sd = (finite.iter().map(|s| (s - mean) * (s - mean)).sum::<f32>() / n).sqrt();
    scores
        .iter()
        .map(|s| {
            if s.is_finite() && sd > 0.0 {
                (s - mean) / sd
            } else {
                0.0
            }
        })
        .collect()
}

/// "112 BPM, A minor, −14 LUFS": where a track stands in sound.
fn sound_facts(t: &ModelTrack) -> String {
    let f = &t.features;
    format!(
        "{:.0} BPM, {}, {:.0} LUFS",
        f.tempo_bpm,
        f.key_name(),
        f.loudness_lufs
    )
}

fn distance(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
}

/// The part of the day of `local` (unix seconds shifted to local time).
fn daypart(local: i64) -> &'static str {
    match (local.rem_euclid(86_400) / 3_600) as u32 {
        5..=11 => "morning",
        12..=16 => "afternoon",
        17..=21 => "evening",
        _ => "night",
    }
}

/// "close in tempo and loudness to “X” (112 vs 110 BPM)": the two aspects
/// of sound where the tracks are nearest, with the nearest one's values.
fn sound_reason(seed: &ModelTrack, t: &ModelTrack) -> String {
    let (a, b) = (&seed.features, &t.features);
    let mut aspects: Vec<(f32, &str, String)> = vec![
        (
            (a.tempo_bpm - b.tempo_bpm).abs() / a.tempo_bpm.max(1.0) * 5.0,
            "tempo",
            format!("{:.0} vs {:.0} BPM", b.tempo_bpm, a.tempo_bpm),
        ),
        (
            (a.loudness_lufs - b.loudness_lufs).abs() / 6.0,
            "loudness",
            format!("{:.0} vs {:.0} LUFS", b.loudness_lufs, a.loudness_lufs),
        ),
        (
            (a.spectral_centroid_hz - b.spectral_centroid_hz).abs()
                / a.spectral_centroid_hz.max(1.0)
                * 3.0,
            "brightness",
            format!(
                "{:.1} vs {:.1} kHz centroid",
                b.spectral_centroid_hz / 1000.0,
                a.spectral_centroid_hz / 1000.0
            ),
        ),
        (
            (a.onset_rate - b.onset_rate).abs() / a.onset_rate.max(0.1) * 2.0,
            "energy",
            format!("{:.1} vs {:.1} onsets/s", b.onset_rate, a.onset_rate),
        ),
    ];
    aspects.sort_by(|x, y| x.0.total_cmp(&y.0));
    let key = if a.key == b.key && a.mode == b.mode {
        ", same key"
    } else {
        ""
    };
    format!(
        "close in {} and {} to “{}” ({}{key})",
        aspects[0].1, aspects[1].1, seed.title, aspects[0].2
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> Request {
        Request {
            seed: vec![1, 2],
            k: 10,
            adventurousness: 0.5,
            artist_window: 3,
            exclude: Vec::new(),
            exclude_tags: Vec::new(),
            never: Exclusions::default(),
            at: 1_700_000_000,
            utc_offset_s: 3600,
            rescore_every: 1,
        }
    }

    #[test]
    fn requests_outside_their_ranges_are_refused_with_the_range() {
        assert!(request().validate().is_ok());
        type Change = fn(&mut Request);
        let cases: [(Change, &str); 6] = [
            (|r| r.k = 0, "between 1 and 1000"),
            (|r| r.k = usize::MAX, "between 1 and 1000"),
            (|r| r.adventurousness = f32::NAN, "from 0 (familiar) to 1"),
            (|r| r.adventurousness = 1.5, "from 0 (familiar) to 1"),
            (|r| r.artist_window = 1_000_000, "at most 1000"),
            (|r| r.utc_offset_s = i64::MIN, "±14 hours"),
        ];
        for (change, phrase) in cases {
            let mut r = request();
            change(&mut r);
            let err = r.validate().expect_err("refused").to_string();
            assert!(err.contains(phrase), "{err}");
        }
    }

    #[test]
    fn without_a_model_the_genie_answers_by_sound_and_keeps_its_constraints() {
        let dir = tempfile::tempdir().expect("temp dir");
        let music = dir.path().join("music");
        std::fs::create_dir_all(&music).expect("mkdir");
        for i in 0..8 {
            crate::testing::write_tone(&music.join(format!("{i}.wav")), 0.05 + 0.03 * i as f32);
        }
        let db = Db::open(dir.path().join("t.sqlite3")).expect("db");
        let cancel = AtomicBool::new(false);
        crate::scan::scan(&db, &[music], &Default::default(), &cancel, |_| {}).expect("scan");
        let ids = db.model_track_ids().expect("ids");
        assert_eq!(ids.len(), 8);
        let store = ModelStore::new(dir.path().join("models"));
        let backend = ComputeBackend::select(playgenie_models::DevicePreference::Cpu);
        let genie = Genie::load(&db, &store, &backend).expect("load");
        assert_eq!(genie.tracks(), 8);
        let request = Request {
            seed: ids[..2].to_vec(),
            k: 4,
            exclude: vec![ids[2]],
            artist_window: 0,
            ..request()
        };
        let done = genie.complete(&request).expect("complete");
        assert_eq!(done.model_version, None);
        assert!(
            done.answered_by.starts_with("audio features only"),
            "{}",
            done.answered_by
        );
        assert_eq!(done.suggestions.len(), 4);
        let picked: Vec<i64> = done.suggestions.iter().map(|s| s.track_id).collect();
        for id in &picked {
            assert!(!request.seed.contains(id), "a seed track came back");
            assert_ne!(*id, ids[2], "an excluded track came back");
        }
        let mut unique = picked.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), picked.len(), "a track twice");
        assert!(
            done.suggestions.iter().all(|s| !s.reasons.is_empty()),
            "every pick says why"
        );
    }
}
