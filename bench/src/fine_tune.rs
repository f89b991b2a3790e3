//! `playgenie bench fine-tune`: does fine-tuning on the device pay, and
//! which of the listener's signals make it pay?
//!
//! A base model is trained on every programme of the set but one (the
//! device's model before this listener). The programme then "listens": for
//! each of its training episodes, the base given the programme's episodes
//! as data (what the device would have) suggests a continuation of the
//! episode's first tracks, and the benchmark's simulated listener walks it
//! (`metrics::listen_walk`: a track the episode really played next is heard
//! and kept, any other skipped, three skips in a row end the session).
//! Fine-tuning from the base weights then sees the programme's episodes
//! with that feedback, one variant per loss term, and every variant is
//! scored on the programme's later episodes (its evaluation cases) by NDCG
//! and `listen_min`.

use std::collections::HashSet;
use std::path::Path;
use std::time::Instant;

use playgenie_core::engagement::KEPT_WEIGHT;
use playgenie_models::data::{Case, Negative, Playlist, Query};
use playgenie_models::metrics::{listen_walk, rank, Metrics};
use playgenie_models::vae::{self, features as vae_features, NegativeLoss, VaeConfig};
use playgenie_models::ComputeBackend;
use serde::Serialize;

use crate::data::{self as playlist_data};
use crate::error::{Error, Result};
use crate::run::{evaluate, vae_rank};

/// Tracks of an episode its simulated listener is given as the seed.
pub const FEEDBACK_SEED: usize = 5;

/// What the simulated listener did with the base model's suggestions.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FeedbackSummary {
    /// Episodes long enough to continue (more than [`FEEDBACK_SEED`] tracks).
    pub sessions: usize,
    /// Suggestions heard (and kept).
    pub heard: usize,
    /// Suggestions skipped.
    pub skipped: usize,
}

/// One fine-tuned variant.
#[derive(Debug, Clone, Serialize)]
pub struct Variant {
    pub name: String,
    pub metrics: Metrics,
    /// The epoch kept (0: the base weights won on validation).
    pub best_epoch: usize,
    pub seconds: f64,
}

/// What fine-tuning on one programme's episodes did for its later ones.
#[derive(Debug, Clone, Serialize)]
pub struct LiftReport {
    pub programme: String,
    /// Training playlists of every other programme (the base model's).
    pub base_playlists: usize,
    /// The programme's training episodes (what fine-tuning adds).
    pub programme_playlists: usize,
    /// The programme's evaluation cases (its later episodes).
    pub cases: usize,
    /// The base model, knowing nothing of the programme.
    pub base: Metrics,
    /// The base weights, given the programme's episodes as history and
    /// co-listening data but not trained on them.
    pub base_with_data: Metrics,
    pub feedback: FeedbackSummary,
    /// Fine-tuned from the base weights: on the episodes alone, then with
    /// each signal of the feedback.
    pub tuned: Vec<Variant>,
    pub base_s: f64,
}

/// How one variant uses the feedback.
struct Signals {
    name: &'static str,
    /// Heard suggestions count [`KEPT_WEIGHT`] times in their episode.
    kept: bool,
    /// Skipped suggestions are the episode's negatives, under this loss.
    skips: Option<NegativeLoss>,
    /// The fine-tune is for the programme: judged on its latest episodes,
    /// which make up half of each epoch (`TrainingConfig::focus_user`).
    focus: bool,
}

/// The variants, in the order they are printed: each signal alone, then
/// what the app does (kept suggestions and pairwise skips, no focus), then
/// the focus option the app leaves off.
fn variants() -> [Signals; 7] {
    let signals = |name, kept, skips, focus| Signals {
        name,
        kept,
        skips,
        focus,
    };
    [
        signals("fine-tuned on its episodes", false, None, false),
        signals("+ kept suggestions x2", true, None, false),
        signals(
            "+ skips, unlikelihood",
            false,
            Some(NegativeLoss::Unlikelihood(1.0)),
            false,
        ),
        signals(
            "+ skips, pairwise",
            false,
            Some(NegativeLoss::Pairwise(1.0)),
            false,
        ),
        signals(
            "+ kept + skips (the app)",
            true,
            Some(NegativeLoss::DEFAULT),
            false,
        ),
        signals("focused on the programme", false, None, true),
        signals(
            "focused + kept + skips",
            true,
            Some(NegativeLoss::DEFAULT),
            true,
        ),
    ]
}

/// Heard and skipped suggestions for one training episode.
struct Listened {
    playlist: usize,
    heard: Vec<u32>,
    skipped: Vec<u32>,
}

/// The simulated listener on each of `episodes` (indices into `train`),
/// continuing its first [`FEEDBACK_SEED`] tracks with `model`'s ranking.
fn simulate(
    model: &vae::TrainedVae,
    train: &[Playlist],
    episodes: &[usize],
) -> Result<Vec<Listened>> {
    let long: Vec<usize> = episodes
        .iter()
        .copied()
        .filter(|i| train[*i].tracks.len() > FEEDBACK_SEED)
        .collect();
    let queries: Vec<Query<'_>> = long
        .iter()
        .map(|i| Query {
            user: train[*i].user.as_deref(),
            timestamp: train[*i].timestamp,
            seed: &train[*i].tracks[..FEEDBACK_SEED],
        })
        .collect();
    let scores = model
        .scores_many(&queries)
        .map_err(|e| Error::Failed(e.to_string()))?;
    Ok(long
        .iter()
        .zip(&scores)
        .map(|(&i, scores)| {
            let tracks = &train[i].tracks;
            let walk = listen_walk(
                &rank(scores, &tracks[..FEEDBACK_SEED]),
                &tracks[FEEDBACK_SEED..],
            );
            Listened {
                playlist: i,
                heard: walk.iter().filter(|w| w.1).map(|w| w.0).collect(),
                skipped: walk.iter().filter(|w| !w.1).map(|w| w.0).collect(),
            }
        })
        .collect())
}

/// `train` with the feedback `signals` uses.
fn with_feedback(train: &[Playlist], listened: &[Listened], signals: &Signals) -> Vec<Playlist> {
    let mut out = train.to_vec();
    for l in listened {
        let p = &mut out[l.playlist];
        if signals.kept {
            let kept: HashSet<u32> = l.heard.iter().copied().collect();
            p.weights = p
                .tracks
                .iter()
                .map(|t| if kept.contains(t) { KEPT_WEIGHT } else { 1.0 })
                .collect();
        }
        if signals.skips.is_some() {
            p.negatives = l
                .skipped
                .iter()
                .map(|&track| Negative { track, weight: 1.0 })
                .collect();
        }
    }
    out
}

/// The experiment (see the module's comment). `programme` defaults to the
/// one with the most evaluation cases.
pub fn fine_tune_lift(
    data: &Path,
    programme: Option<&str>,
    config: &VaeConfig,
    tune_epochs: usize,
    tune_lr: Option<f64>,
) -> Result<LiftReport> {
    let library = playlist_data::load_tracks(&data.join("tracks.tsv"))?;
    let train = playlist_data::load_playlists(&data.join("train.jsonl"), &library)?;
    let cases = playlist_data::load_cases(&data.join("valid.jsonl"), &library)?;
    let programme = match programme {
        Some(p) => p.to_owned(),
        None => busiest_programme(&cases)?,
    };
    let mine = |user: &Option<String>| user.as_deref() == Some(programme.as_str());
    let others: Vec<Playlist> = train.iter().filter(|p| !mine(&p.user)).cloned().collect();
    let episodes: Vec<usize> = (0..train.len()).filter(|i| mine(&train[*i].user)).collect();
    let eval: Vec<Case> = cases.iter().filter(|c| mine(&c.user)).cloned().collect();
    if eval.is_empty() || episodes.is_empty() {
        return Err(Error::Failed(format!(
            "programme \"{programme}\" has {} training episodes and {} evaluation cases; both must be non-zero",
            episodes.len(),
            eval.len()
        )));
    }
    let backend = ComputeBackend::from_env();
    let score = |model: &mut vae::TrainedVae| -> Result<Metrics> {
        let ranked = vae_rank(model, &eval)?;
        Ok(evaluate(&library, &eval, &ranked).overall)
    };
    let started = Instant::now();
    let mut base = vae::fit(
        &library.catalogue,
        &others,
        config,
        backend.device(),
        |_| {},
    )
    .map_err(|e| Error::Failed(e.to_string()))?;
    let base_s = started.elapsed().as_secs_f64();
    let base_metrics = score(&mut base)?;
    let weights = base.weights().map_err(|e| Error::Failed(e.to_string()))?;
    let mut prepared = vae_features::Prepared::new(
        &library.catalogue,
        &train,
        base.config.model.neighbours,
        base.config.model.buckets,
    );
    // The base weights hold trained residuals only for the tracks the base
    // saw; the programme's other tracks keep their untrained start values,
    // which must not count.
    prepared.has_history = base.prepared.has_history.clone();
    let mut with_data =
        vae::TrainedVae::from_weights(base.config.clone(), prepared, &weights, backend.device())
            .map_err(|e| Error::Failed(e.to_string()))?;
    // The listener hears the device's model before it is fine-tuned.
    let listened = simulate(&with_data, &train, &episodes)?;
    let feedback = FeedbackSummary {
        sessions: listened.len(),
        heard: listened.iter().map(|l| l.heard.len()).sum(),
        skipped: listened.iter().map(|l| l.skipped.len()).sum(),
    };
    let with_data_metrics = score(&mut with_data)?;
    let mut tuned = Vec::new();
    for signals in variants() {
        let started = Instant::now();
        let mut tune_config = base.config.clone();
        tune_config.training.epochs = tune_epochs;
        if let Some(lr) = tune_lr {
            tune_config.training.learning_rate = lr;
        }
        tune_config.training.negatives = Some(signals.skips.clone().unwrap_or(NegativeLoss::Off));
        tune_config.training.focus_user = signals.focus.then(|| programme.clone());
        let lists = with_feedback(&train, &listened, &signals);
        let mut model = vae::fit_from(
            Some(&weights),
            &library.catalogue,
            &lists,
            &tune_config,
            backend.device(),
            |_| {},
        )
        .map_err(|e| Error::Failed(e.to_string()))?;
        let seconds = started.elapsed().as_secs_f64();
        tracing::info!(variant = signals.name, seconds, "fine-tuned");
        tuned.push(Variant {
            name: signals.name.to_owned(),
            metrics: score(&mut model)?,
            best_epoch: model.best_epoch,
            seconds,
        });
    }
    Ok(LiftReport {
        programme,
        base_playlists: others.len(),
        programme_playlists: episodes.len(),
        cases: eval.len(),
        base: base_metrics,
        base_with_data: with_data_metrics,
        feedback,
        tuned,
        base_s,
    })
}

/// The programme (user) with the most evaluation cases.
fn busiest_programme(cases: &[Case]) -> Result<String> {
    let mut counts: std::collections::BTreeMap<&str, usize> = Default::default();
    for c in cases {
        if let Some(u) = c.user.as_deref() {
            *counts.entry(u).or_default() += 1;
        }
    }
    counts
        .into_iter()
        .max_by_key(|(u, n)| (*n, std::cmp::Reverse(*u)))
        .map(|(u, _)| u.to_owned())
        .ok_or_else(|| Error::Failed("no evaluation case names a programme (user)".into()))
}
