//! `playgenie bench run`: train a model (the VAE or a baseline) on a
//! playlist-continuation set, rank up to 500 tracks per evaluation case,
//! write the rankings as JSONL and score them with the benchmark's metrics.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use playgenie_models::baselines::{self, Recommender};
use playgenie_models::data::Case;
use playgenie_models::metrics::{self, Report, MAX_RANKED};
use playgenie_models::vae::train::{self as vae_train, EpochStats};
use playgenie_models::vae::VaeConfig;
use playgenie_models::ComputeBackend;
use rayon::prelude::*;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::playlist_data::{self, Library};

/// What to run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub data: PathBuf,
    pub model: String,
    /// Defaults to `DATA/train.jsonl`.
    pub train: Option<PathBuf>,
    /// Defaults to `DATA/valid.jsonl`.
    pub eval: Option<PathBuf>,
    pub out: PathBuf,
    pub seed: u64,
    /// The VAE's settings (ablations included); ignored by baselines.
    pub vae: VaeConfig,
}

/// What a run measured.
#[derive(Debug, Clone, Serialize)]
pub struct RunReport {
    pub model: String,
    pub train_playlists: usize,
    pub catalogue: usize,
    pub train_s: f64,
    pub predict_s: f64,
    /// The compute backend that trained and ran the model.
    pub backend: String,
    /// Per-epoch losses (VAE only).
    pub epochs: Vec<EpochStats>,
    pub metrics: Report,
}

/// The top `MAX_RANKED` tracks by score, seed tracks left out.
pub fn rank(scores: &[f32], seed: &[u32]) -> Vec<u32> {
    let mut order: Vec<u32> = (0..scores.len() as u32)
        .filter(|t| scores[*t as usize].is_finite())
        .collect();
    let want = (MAX_RANKED + seed.len()).min(order.len());
    let by_score = |a: &u32, b: &u32| scores[*b as usize].total_cmp(&scores[*a as usize]);
    if want < order.len() && want > 0 {
        order.select_nth_unstable_by(want - 1, by_score);
        order.truncate(want);
    }
    order.sort_by(by_score);
    metrics::clean_ranking(&order, seed)
}

/// Ranks every case with `model` (in parallel).
pub fn predict(model: &(dyn Recommender + Sync), cases: &[Case]) -> Vec<Vec<u32>> {
    cases
        .par_iter()
        .map(|case| rank(&model.scores(&case.query()), &case.seed))
        .collect()
}

/// Scores rankings against the cases' held-out tracks.
pub fn evaluate(library: &Library, cases: &[Case], ranked: &[Vec<u32>]) -> Report {
    let (artists, _) = library.catalogue.artist_ids();
    let per_case: Vec<(usize, metrics::Metrics)> = cases
        .iter()
        .zip(ranked)
        .map(|(case, r)| {
            (
                case.seed.len(),
                metrics::score_case(r, &case.heldout, |t| artists[t as usize]),
            )
        })
        .collect();
    Report::from_cases(&per_case)
}

/// Writes one `{"playlist": ..., "ranked": [external ids]}` line per case,
/// to a temporary file renamed into place.
fn write_predictions(
    path: &Path,
    library: &Library,
    cases: &[Case],
    ranked: &[Vec<u32>],
) -> Result<()> {
    let io =
        |source: std::io::Error| Error::Bench(format!("cannot write {}: {source}", path.display()));
    let tmp = path.with_extension("jsonl.partial");
    {
        let mut out = std::io::BufWriter::new(std::fs::File::create(&tmp).map_err(io)?);
        for (case, r) in cases.iter().zip(ranked) {
            let ids: Vec<serde_json::Value> = r
                .iter()
                .map(|t| {
                    let id = library.external(*t);
                    id.parse::<i64>()
                        .map(serde_json::Value::from)
                        .unwrap_or_else(|_| serde_json::Value::from(id))
                })
                .collect();
            let line = serde_json::json!({ "playlist": case.playlist, "ranked": ids });
            writeln!(out, "{line}").map_err(io)?;
        }
        out.flush().map_err(io)?;
    }
    std::fs::rename(&tmp, path).map_err(io)
}

/// Trains `options.model`, predicts, writes and scores.
pub fn run(options: &RunOptions) -> Result<RunReport> {
    let library = playlist_data::load_tracks(&options.data.join("tracks.tsv"))?;
    let train_path = options
        .train
        .clone()
        .unwrap_or_else(|| options.data.join("train.jsonl"));
    let eval_path = options
        .eval
        .clone()
        .unwrap_or_else(|| options.data.join("valid.jsonl"));
    let train = playlist_data::load_playlists(&train_path, &library)?;
    let cases = playlist_data::load_cases(&eval_path, &library)?;
    tracing::info!(
        tracks = library.catalogue.len(),
        playlists = train.len(),
        cases = cases.len(),
        model = %options.model,
        "benchmark data loaded"
    );

    let started = Instant::now();
    let (ranked, train_s, predict_s, backend, epochs) = if options.model == "vae" {
        let backend = ComputeBackend::from_env();
        let config = options.vae.clone().with_seed(options.seed);
        let mut model =
            vae_train::fit(&library.catalogue, &train, &config, backend.device(), |e| {
                tracing::info!(
                    epoch = e.epoch,
                    train = e.train_loss,
                    valid = e.valid_loss,
                    kl = e.train_kl,
                    "epoch"
                );
            })
            .map_err(|e| Error::Bench(e.to_string()))?;
        let train_s = started.elapsed().as_secs_f64();
        tracing::info!(
            initial = model.initial_valid_loss,
            best_epoch = model.best_epoch,
            "vae trained"
        );
        // As in the app, every play joins the history at once: the seeds of
        // earlier requests count for later ones (never their held-out part).
        model.prepared.set_online_history(
            cases
                .iter()
                .filter_map(|c| c.timestamp.map(|t| (t, c.user.clone(), &c.seed)))
                .flat_map(|(t, u, seed)| seed.iter().map(move |s| (t, u.clone(), *s)))
                .collect(),
        );
        let started = Instant::now();
        let queries: Vec<_> = cases.iter().map(Case::query).collect();
        let scores = model
            .scores_many(&queries)
            .map_err(|e| Error::Bench(e.to_string()))?;
        let ranked: Vec<Vec<u32>> = scores
            .iter()
            .zip(&cases)
            .map(|(s, c)| rank(s, &c.seed))
            .collect();
        (
            ranked,
            train_s,
            started.elapsed().as_secs_f64(),
            backend.summary().label,
            model.history.clone(),
        )
    } else {
        let model = baselines::build(&options.model, &library.catalogue, &train)
            .map_err(|e| Error::Bench(e.to_string()))?;
        let train_s = started.elapsed().as_secs_f64();
        let started = Instant::now();
        let ranked = predict(model.as_ref(), &cases);
        (
            ranked,
            train_s,
            started.elapsed().as_secs_f64(),
            "cpu".into(),
            Vec::new(),
        )
    };
    write_predictions(&options.out, &library, &cases, &ranked)?;
    Ok(RunReport {
        model: options.model.clone(),
        train_playlists: train.len(),
        catalogue: library.catalogue.len(),
        train_s,
        predict_s,
        backend,
        epochs,
        metrics: evaluate(&library, &cases, &ranked),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranking_is_by_score_without_the_seed() {
        let scores = [0.1, 0.9, 0.5, f32::NAN, 0.7];
        assert_eq!(rank(&scores, &[1]), vec![4, 2, 0]);
    }
}
