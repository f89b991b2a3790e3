//! `playgenie bench run`: train a model (the VAE or a baseline) on a
//! playlist-continuation set, rank up to 500 tracks per evaluation case,
//! write the rankings as JSONL and score them with the benchmark's metrics;
//! and `bench vae-speed`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use playgenie_models::baselines::{self, Recommender};
use playgenie_models::data::Case;
use playgenie_models::metrics::{self, rank, Report};
use playgenie_models::vae::VaeConfig;
use playgenie_models::vae::{self, EpochStats};
use playgenie_models::ComputeBackend;
use rayon::prelude::*;
use serde::Serialize;

use crate::data::{self as playlist_data, Dataset};
use crate::error::{Error, Result};
use crate::index::median;

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
    /// VAE: validation NDCG before training, and the epoch kept (0: the
    /// untrained model).
    pub initial_valid_ndcg: Option<f32>,
    pub best_epoch: Option<usize>,
    pub metrics: Report,
}

/// Ranks every case with a trained VAE. As in the app, every play joins the
/// history at once: the seeds of earlier cases count for later ones (never
/// their held-out part).
pub(crate) fn vae_rank(model: &mut vae::TrainedVae, cases: &[Case]) -> Result<Vec<Vec<u32>>> {
    model.prepared.set_online_history(online_plays(cases));
    let queries: Vec<_> = cases.iter().map(Case::query).collect();
    let scores = model
        .scores_many(&queries)
        .map_err(|e| Error::Failed(e.to_string()))?;
    Ok(scores
        .iter()
        .zip(cases)
        .map(|(s, c)| rank(s, &c.seed))
        .collect())
}

/// Ranks every case with `model` (in parallel).
pub fn predict(model: &(dyn Recommender + Sync), cases: &[Case]) -> Vec<Vec<u32>> {
    cases
        .par_iter()
        .map(|case| rank(&model.scores(&case.query()), &case.seed))
        .collect()
}

/// Scores rankings against the cases' held-out tracks.
pub fn evaluate(library: &Dataset, cases: &[Case], ranked: &[Vec<u32>]) -> Report {
    let (artists, _) = library.catalogue.artist_ids();
    let per_case: Vec<(usize, metrics::Metrics)> = cases
        .iter()
        .zip(ranked)
        .map(|(case, r)| {
            let mut m = metrics::score_case(r, &case.heldout, |t| artists[t as usize]);
            m.listen_min = metrics::listen_minutes(r, &case.heldout, |t| {
                library
                    .catalogue
                    .tracks
                    .get(t as usize)
                    .and_then(|t| t.duration_s)
            });
            (case.seed.len(), m)
        })
        .collect();
    Report::from_cases(&per_case)
}

/// Writes one `{"playlist": ..., "ranked": [external ids]}` line per case,
/// to a temporary file renamed into place.
fn write_predictions(
    path: &Path,
    library: &Dataset,
    cases: &[Case],
    ranked: &[Vec<u32>],
) -> Result<()> {
    let io = |source: std::io::Error| {
        Error::Failed(format!("cannot write {}: {source}", path.display()))
    };
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

/// The seeds of the evaluation cases as plays at their time: as in the app,
/// where every play joins the history at once, a request may use the plays
/// of earlier requests (never their held-out tracks).
pub fn online_plays(cases: &[Case]) -> baselines::OnlinePlays {
    cases
        .iter()
        .filter_map(|c| c.timestamp.map(|t| (t, c.user.clone(), &c.seed)))
        .flat_map(|(t, u, seed)| seed.iter().map(move |s| (t, u.clone(), *s)))
        .collect()
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
    let (ranked, train_s, predict_s, backend, epochs, vae_info) = if options.model == "vae" {
        let backend = ComputeBackend::from_env();
        let mut config = options.vae.clone();
        config.training.seed = options.seed;
        let mut model = vae::fit(&library.catalogue, &train, &config, backend.device(), |e| {
            tracing::info!(
                epoch = e.epoch,
                train = e.train_loss,
                valid = e.valid_loss,
                valid_ndcg = e.valid_ndcg,
                kl = e.train_kl,
                "epoch"
            );
        })
        .map_err(|e| Error::Failed(e.to_string()))?;
        let train_s = started.elapsed().as_secs_f64();
        tracing::info!(
            initial = model.initial_valid_loss,
            best_epoch = model.best_epoch,
            "vae trained"
        );
        let started = Instant::now();
        let ranked = vae_rank(&mut model, &cases)?;
        (
            ranked,
            train_s,
            started.elapsed().as_secs_f64(),
            backend.summary().label,
            model.history.clone(),
            Some((model.initial_valid_ndcg, model.best_epoch)),
        )
    } else {
        let model = baselines::build(
            &options.model,
            &library.catalogue,
            &train,
            online_plays(&cases),
        )
        .map_err(|e| Error::Failed(e.to_string()))?;
        let train_s = started.elapsed().as_secs_f64();
        let started = Instant::now();
        let ranked = predict(model.as_ref(), &cases);
        (
            ranked,
            train_s,
            started.elapsed().as_secs_f64(),
            "cpu".into(),
            Vec::new(),
            None,
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
        initial_valid_ndcg: vae_info.map(|v| v.0),
        best_epoch: vae_info.map(|v| v.1),
        metrics: evaluate(&library, &cases, &ranked),
    })
}

/// Training and generation speed of the VAE on one device.
#[derive(Debug, Clone, Serialize)]
pub struct DeviceSpeed {
    pub device: String,
    /// Seconds per training epoch (validation pass included), per epoch run.
    pub epoch_s: Vec<f64>,
    /// Milliseconds per 20-track generation, per repeat.
    pub generate_ms: Vec<f64>,
}

/// `bench vae-speed`: the same epochs and generations on the backend chosen
/// at start-up and on the CPU (Flex), in one process.
#[derive(Debug, Clone, Serialize)]
pub struct SpeedReport {
    pub tracks: usize,
    pub playlists: usize,
    pub chosen: DeviceSpeed,
    pub cpu: Option<DeviceSpeed>,
}

impl DeviceSpeed {
    /// The median epoch after the first (which includes warm-up such as
    /// shader compilation), or the only one.
    pub fn steady_epoch_s(&self) -> f64 {
        median(
            self.epoch_s
                .get(1..)
                .filter(|r| !r.is_empty())
                .unwrap_or(&self.epoch_s),
        )
    }

    pub fn median_generate_ms(&self) -> f64 {
        median(&self.generate_ms)
    }
}

fn speed_on(
    backend: &ComputeBackend,
    library: &Dataset,
    train: &[playgenie_models::data::Playlist],
    cases: &[Case],
    config: &VaeConfig,
    repeats: usize,
) -> Result<DeviceSpeed> {
    let model = vae::fit(&library.catalogue, train, config, backend.device(), |_| {})
        .map_err(|e| Error::Failed(e.to_string()))?;
    let (artists, _) = library.catalogue.artist_ids();
    let mut generate_ms = Vec::new();
    for (i, case) in cases.iter().cycle().take(repeats + 1).enumerate() {
        let started = Instant::now();
        let options = vae::Generation::default();
        model
            .generate(&case.query(), 20, &artists, &options)
            .map_err(|e| Error::Failed(e.to_string()))?;
        if i > 0 {
            // The first generation warms caches and kernels.
            generate_ms.push(started.elapsed().as_secs_f64() * 1000.0);
        }
    }
    Ok(DeviceSpeed {
        device: backend.summary().label,
        epoch_s: model.history.iter().map(|e| e.seconds).collect(),
        generate_ms,
    })
}

/// Times `epochs` training epochs and `repeats` 20-track generations on the
/// backend chosen from the environment, then (unless it is the CPU) the same
/// on the CPU.
pub fn vae_speed(data: &Path, config: &VaeConfig, repeats: usize) -> Result<SpeedReport> {
    let library = playlist_data::load_tracks(&data.join("tracks.tsv"))?;
    let train = playlist_data::load_playlists(&data.join("train.jsonl"), &library)?;
    let cases = playlist_data::load_cases(&data.join("valid.jsonl"), &library)?;
    let mut config = config.clone();
    config.training.patience = config.training.epochs;
    let chosen_backend = ComputeBackend::from_env();
    let chosen = speed_on(&chosen_backend, &library, &train, &cases, &config, repeats)?;
    let cpu = if chosen_backend.kind == playgenie_models::BackendKind::Cpu {
        None
    } else {
        let cpu_backend = ComputeBackend::select(playgenie_models::DevicePreference::Cpu);
        Some(speed_on(
            &cpu_backend,
            &library,
            &train,
            &cases,
            &config,
            repeats,
        )?)
    };
    Ok(SpeedReport {
        tracks: library.catalogue.len(),
        playlists: train.len(),
        chosen,
        cpu,
    })
}
