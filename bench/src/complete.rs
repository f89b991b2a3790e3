//! `playgenie bench complete`: how long "Complete playlist" takes at library
//! scale. For each size, a generated catalogue is written to a fresh SQLite
//! file (10 tracks per album, 5 albums per artist, plausible feature
//! vectors), a model is built and checkpointed without training epochs
//! (latency does not depend on the weights), and `complete` answers requests for k tracks with
//! random 5-track seeds. Reports load time and p50/p95 per request, for the
//! model and for the cold-start path.

use std::time::Instant;

use playgenie_models::ComputeBackend;
use serde::Serialize;

use crate::error::{CoreError, Error, Result};
use crate::index::median;
use playgenie_core::db::Db;
use playgenie_core::genie::{self, Genie, Request, TrainMode};
use playgenie_core::model_store::ModelStore;

/// Figures for one catalogue size.
#[derive(Debug, Clone, Serialize)]
pub struct SizeReport {
    pub tracks: usize,
    pub k: usize,
    pub requests: usize,
    /// Catalogue re-scorings every this many picks.
    pub rescore_every: usize,
    pub generate_db_s: f64,
    pub train_s: f64,
    pub load_s: f64,
    pub model_p50_ms: f64,
    pub model_p95_ms: f64,
    pub cold_p50_ms: f64,
    pub cold_p95_ms: f64,
}

fn percentile(values: &[f64], p: f64) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

/// Runs the benchmark for each size in `sizes`.
pub fn run(
    sizes: &[usize],
    train_epochs: usize,
    rescore: Option<usize>,
    k: usize,
    requests: usize,
    backend: &ComputeBackend,
    mut progress: impl FnMut(&str),
) -> Result<Vec<SizeReport>> {
    let mut out = Vec::new();
    for &n in sizes {
        let dir = tempfile_dir()?;
        let t = Instant::now();
        let path = dir.join("bench.sqlite3");
        let db = Db::open(&path)?;
        let ids = crate::fixture::generated_library(&path, n, 42)?;
        let generate_db_s = t.elapsed().as_secs_f64();
        progress(&format!(
            "{n} tracks: catalogue written in {generate_db_s:.1} s; training {train_epochs} epochs"
        ));
        let store = ModelStore::new(dir.join("models"));
        let t = Instant::now();
        genie::train(
            &db,
            &store,
            backend,
            TrainMode::Full,
            Some(train_epochs),
            &Default::default(),
            |_| {},
        )?;
        let train_s = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let engine = Genie::load(&db, &store, backend)?;
        let load_s = t.elapsed().as_secs_f64();
        let cold_store = ModelStore::new(dir.join("no-models"));
        let cold = Genie::load(&db, &cold_store, backend)?;
        progress(&format!("{n} tracks: trained in {train_s:.1} s, loaded in {load_s:.2} s; timing {requests} requests"));
        let mut state = 7u64;
        let mut pick = || {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1);
            ids[(state >> 33) as usize % ids.len()]
        };
        let rescore_every = rescore.unwrap_or_else(|| Request::rescore_for(n));
        let mut model_ms = Vec::new();
        let mut cold_ms = Vec::new();
        for i in 0..requests + 1 {
            let request = Request {
                seed: (0..5).map(|_| pick()).collect(),
                k,
                adventurousness: 0.0,
                artist_window: 3,
                exclude: Vec::new(),
                exclude_tags: Vec::new(),
                never: Default::default(),
                at: 1_700_000_000,
                utc_offset_s: 0,
                rescore_every,
            };
            let t = Instant::now();
            let done = engine.complete(&request)?;
            let model = t.elapsed().as_secs_f64() * 1000.0;
            let t = Instant::now();
            cold.complete(&request)?;
            let cold_time = t.elapsed().as_secs_f64() * 1000.0;
            if done.suggestions.len() != k {
                return Err(Error::Failed(format!(
                    "asked for {k} tracks, got {}",
                    done.suggestions.len()
                )));
            }
            // The first request warms caches; it is not counted.
            if i > 0 {
                model_ms.push(model);
                cold_ms.push(cold_time);
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
        out.push(SizeReport {
            tracks: n,
            k,
            requests,
            rescore_every,
            generate_db_s,
            train_s,
            load_s,
            model_p50_ms: median(&model_ms),
            model_p95_ms: percentile(&model_ms, 95.0),
            cold_p50_ms: median(&cold_ms),
            cold_p95_ms: percentile(&cold_ms, 95.0),
        });
    }
    Ok(out)
}

fn tempfile_dir() -> Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("playgenie-bench-complete-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|source| CoreError::File {
        path: dir.clone(),
        source,
    })?;
    Ok(dir)
}
