//! `playgenie bench complete`: how long "Complete playlist" takes at library
//! scale. For each size, a generated catalogue is written to a fresh SQLite
//! file (10 tracks per album, 5 albums per artist, plausible feature
//! vectors), a model is built and checkpointed (by default without training
//! epochs: latency does not depend on the weights; `--train-epochs` and
//! `--first-model` time training too), and `complete` answers requests for k tracks with
//! random 5-track seeds. Reports load time and p50/p95 per request, for the
//! model and for the cold-start path.

use std::time::Instant;

use playgenie_models::data::Query;
use playgenie_models::vae::{scorer, TrainedVae};
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
    /// Plays in the listening history before the requests.
    pub history_plays: usize,
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
    /// One pick as generation makes it (the best allowed track of the
    /// whole catalogue), over every pick of every timed request.
    pub pick_p50_ms: f64,
    pub pick_p95_ms: f64,
    /// Every track's exact score at the same picks (what sampling with a
    /// temperature needs).
    pub exact_p50_ms: f64,
    /// Tracks a pick scored exactly after its approximate pass.
    pub rechecked_p50: f64,
    pub rechecked_max: f64,
    /// Picks whose track differs from the exact scores' best (0 unless the
    /// pick's bound is wrong).
    pub picks_differing: usize,
    /// A request's set-up before its first pick (history, recency rows).
    pub setup_p50_ms: f64,
    /// Bytes one pick reads, and the time a plain read of that many bytes
    /// takes on as many threads (the memory-bandwidth floor of a pick).
    pub pick_bytes: usize,
    pub floor_p50_ms: f64,
    /// CPU threads the machine offers.
    pub cores: usize,
    /// The benchmark process's resident memory with the genie (library
    /// data and model) loaded, in MB (None where /proc cannot tell).
    pub rss_mb: Option<f64>,
}

pub(crate) fn percentile(values: &[f64], p: f64) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

/// What [`run`] times, beside the catalogue sizes.
#[derive(Debug, Clone)]
pub struct Options {
    /// Training epochs (None: a first model as the app trains it).
    pub train_epochs: Option<usize>,
    /// Re-score the catalogue every this many picks (None: after every one).
    pub rescore: Option<usize>,
    /// Tracks per request.
    pub k: usize,
    /// Timed requests per size.
    pub requests: usize,
    /// Days of listening history before the requests (two sessions a day,
    /// see [`crate::fixture::listening_history`]); 0: none, as a library
    /// just indexed.
    pub history_days: u32,
}

/// When the bench's requests are made.
const REQUEST_AT: i64 = 1_700_000_000;

/// Runs the benchmark for each size in `sizes`.
pub fn run(
    sizes: &[usize],
    options: &Options,
    backend: &ComputeBackend,
    mut progress: impl FnMut(&str),
) -> Result<Vec<SizeReport>> {
    let Options {
        train_epochs,
        rescore,
        k,
        requests,
        history_days,
    } = *options;
    let mut out = Vec::new();
    for &n in sizes {
        let dir = tempfile_dir()?;
        let t = Instant::now();
        let path = dir.join("bench.sqlite3");
        let db = Db::open(&path)?;
        let ids = crate::fixture::generated_library(&path, n, 42)?;
        let plays = crate::fixture::listening_history(&db, &ids, history_days, REQUEST_AT, 42)?;
        let generate_db_s = t.elapsed().as_secs_f64();
        let training = match train_epochs {
            Some(e) => format!("training {e} epochs"),
            None => "training a first model as the app does".to_owned(),
        };
        progress(&format!(
            "{n} tracks and {plays} plays over {history_days} days: written in {generate_db_s:.1} s; {training}"
        ));
        let store = ModelStore::new(dir.join("models"));
        let t = Instant::now();
        genie::train(
            &db,
            &store,
            backend,
            TrainMode::Full,
            train_epochs,
            &Default::default(),
            |e| {
                progress(&format!(
                    "{n} tracks: epoch {} in {:.1} s (valid NDCG {:.4})",
                    e.epoch, e.seconds, e.valid_ndcg
                ))
            },
        )?;
        let train_s = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let engine = Genie::load(&db, &store, backend)?;
        let load_s = t.elapsed().as_secs_f64();
        let rss_mb = resident_mb();
        let cold_store = ModelStore::new(dir.join("no-models"));
        let cold = Genie::load(&db, &cold_store, backend)?;
        progress(&format!("{n} tracks: trained in {train_s:.1} s, loaded in {load_s:.2} s; timing {requests} requests"));
        let mut state = 7u64;
        let mut pick = || {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1);
            ids[(state >> 33) as usize % ids.len()]
        };
        let rescore_every = rescore.unwrap_or(1).max(1);
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
                at: REQUEST_AT,
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
        let picks = engine
            .model()
            .map(|model| time_picks(model, n, k, requests))
            .unwrap_or_default();
        let _ = std::fs::remove_dir_all(&dir);
        out.push(SizeReport {
            tracks: n,
            history_plays: plays,
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
            pick_p50_ms: median(&picks.pick_ms),
            pick_p95_ms: percentile(&picks.pick_ms, 95.0),
            exact_p50_ms: median(&picks.exact_ms),
            rechecked_p50: median(&picks.rechecked),
            rechecked_max: picks.rechecked.iter().copied().fold(0.0, f64::max),
            picks_differing: picks.differing,
            setup_p50_ms: median(&picks.setup_ms),
            pick_bytes: picks.bytes,
            floor_p50_ms: median(&picks.floor_ms),
            cores: std::thread::available_parallelism().map_or(1, usize::from),
            rss_mb,
        });
    }
    Ok(out)
}

#[derive(Default)]
struct Picks {
    pick_ms: Vec<f64>,
    exact_ms: Vec<f64>,
    rechecked: Vec<f64>,
    differing: usize,
    setup_ms: Vec<f64>,
    floor_ms: Vec<f64>,
    bytes: usize,
}

/// Times the scorer itself: `requests` requests from random 5-track seeds,
/// `k` greedy picks each, every pick timed and, apart, every exact scoring
/// of the whole catalogue at the same point (checked to name the same
/// track); then plain reads of as many bytes as a pick reads.
fn time_picks(model: &TrainedVae, n: usize, k: usize, requests: usize) -> Picks {
    let mut state = 11u64;
    let mut next = || {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1);
        ((state >> 33) as usize % n.max(1)) as u32
    };
    let mut picks = Picks {
        bytes: model.bytes_per_pick(),
        ..Picks::default()
    };
    let mut scores = Vec::new();
    for _ in 0..requests.max(1) {
        let seed: Vec<u32> = (0..5).map(|_| next()).collect();
        let query = Query {
            user: Some(genie::ME),
            timestamp: Some(REQUEST_AT),
            seed: &seed,
        };
        let t = Instant::now();
        let mut request = model.pick_scorer(&query, 0.0);
        picks.setup_ms.push(t.elapsed().as_secs_f64() * 1000.0);
        let mut taken = seed.clone();
        for _ in 0..k {
            let t = Instant::now();
            let best = request.best(&|t| !taken.contains(&(t as u32)));
            picks.pick_ms.push(t.elapsed().as_secs_f64() * 1000.0);
            let t = Instant::now();
            request.scores(&mut scores);
            picks.exact_ms.push(t.elapsed().as_secs_f64() * 1000.0);
            let exact = (0..scores.len())
                .filter(|t| !taken.contains(&(*t as u32)))
                .max_by(|a, b| scores[*a].total_cmp(&scores[*b]));
            picks.differing += usize::from(best.map(|b| b as usize) != exact);
            picks.rechecked.push(request.rechecked() as f64);
            if let Some(best) = best {
                taken.push(best);
                request.push(best);
            }
        }
    }
    let buffer = vec![1.0f32; picks.bytes / std::mem::size_of::<f32>()];
    for _ in 0..(requests * k).clamp(10, 200) {
        let t = Instant::now();
        std::hint::black_box(scorer::read_all(&buffer, scorer::threads_for(n)));
        picks.floor_ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    picks
}

/// This process's resident set size (VmRSS), in MB.
fn resident_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn tempfile_dir() -> Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("playgenie-bench-complete-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|source| CoreError::File {
        path: dir.clone(),
        source,
    })?;
    Ok(dir)
}
