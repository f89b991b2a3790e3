//! `playgenie bench index --listen N`: the listening pass (MusiCNN over N
//! patches a track) against the fast pass, on the backend in use and on
//! the CPU, and what its embedding and tags are worth: precision@5 of
//! same-soundtrack neighbours by the hand-made features, the embedding,
//! and both.

use std::path::PathBuf;
use std::time::Instant;

use rayon::prelude::*;
use serde::Serialize;

use crate::error::{CoreError, Result};
use crate::index::{nearest, precision_at_k, precision_of_standardised};
use playgenie_core::analysis::listening;
use playgenie_models::baselines::standardise_rows;
use playgenie_models::listener::{Listener, Listening};
use playgenie_models::ComputeBackend;

/// Tracks per forward pass (the service uses the same batch).
pub const BATCH: usize = 8;

/// One listening pass over a set of files.
#[derive(Debug, Clone, Serialize)]
pub struct ListenBench {
    pub backend: String,
    pub patches_per_track: usize,
    pub tracks: usize,
    pub failed: usize,
    /// Patches heard in all.
    pub patches: usize,
    /// Wall seconds decoding excerpts and computing log-mels (all threads).
    pub front_end_s: f64,
    /// Wall seconds in the two networks.
    pub network_s: f64,
    pub total_s: f64,
    pub tracks_per_s: f64,
    pub ms_per_patch: f64,
}

/// Listens to `files` with `patches` patches a track on `backend`, in
/// batches of [`BATCH`] tracks; returns the figures and each file's
/// result (`None`: it could not be decoded).
pub fn listen(
    files: &[PathBuf],
    patches: usize,
    backend: &ComputeBackend,
    pool: &rayon::ThreadPool,
) -> Result<(ListenBench, Vec<Option<Listening>>)> {
    let listener = Listener::new(backend.device())
        .map_err(|e| CoreError::Model(format!("the tagger's weights: {e}")))?;
    // One warm-up batch so shader compilation and first allocations are
    // not counted against the pass.
    if let Some(first) = files.first() {
        if let Ok(h) = listening::patches_of(first, 1) {
            listener
                .listen(&[&h.patches])
                .map_err(|e| CoreError::Model(e.to_string()))?;
        }
    }
    let (mut front_end_s, mut network_s, mut heard_patches) = (0.0, 0.0, 0);
    let mut results = Vec::with_capacity(files.len());
    let started = Instant::now();
    for chunk in files.chunks(BATCH) {
        let t = Instant::now();
        let decoded: Vec<_> = pool.install(|| {
            chunk
                .par_iter()
                .map(|f| listening::patches_of(f, patches).ok())
                .collect()
        });
        front_end_s += t.elapsed().as_secs_f64();
        let t = Instant::now();
        let ok: Vec<&[f32]> = decoded
            .iter()
            .flatten()
            .map(|h| h.patches.as_slice())
            .collect();
        heard_patches += decoded.iter().flatten().map(|h| h.count()).sum::<usize>();
        let mut heard = listener
            .listen(&ok)
            .map_err(|e| CoreError::Model(e.to_string()))?
            .into_iter();
        network_s += t.elapsed().as_secs_f64();
        results.extend(
            decoded
                .iter()
                .map(|d| d.as_ref().and_then(|_| heard.next())),
        );
    }
    let total_s = started.elapsed().as_secs_f64();
    let tracks = results.iter().flatten().count();
    Ok((
        ListenBench {
            backend: backend.summary().label,
            patches_per_track: patches,
            tracks,
            failed: files.len() - tracks,
            patches: heard_patches,
            front_end_s,
            network_s,
            total_s,
            tracks_per_s: tracks as f64 / total_s.max(1e-9),
            ms_per_patch: 1000.0 * network_s / heard_patches.max(1) as f64,
        },
        results,
    ))
}

use playgenie_core::genie::{ear_columns, listening_weights, EAR_COLUMNS, LISTENING_SHARES};
use playgenie_models::musicnn::EMBEDDING;

/// precision@5 of same-label neighbours by each representation.
#[derive(Debug, Clone, Serialize)]
pub struct ListenQuality {
    pub patches_per_track: usize,
    /// (a) the hand-made features.
    pub hand: Option<f64>,
    /// (b) the 200-d embedding.
    pub embedding: Option<f64>,
    /// The 100 tag probabilities.
    pub tags: Option<f64>,
    /// (c) hand-made features and embedding and tags, weighted as the genie
    /// weights them.
    pub all: Option<f64>,
    /// (c) under other weights: (embedding share, tags share, precision@5),
    /// shares as multiples of the hand-made block.
    pub sweep: Vec<(f32, f32, Option<f64>)>,
    /// Mean |difference| of the tag probabilities from those of the most
    /// patches measured (what fewer patches cost), when there is one.
    pub tag_mae_vs_most: Option<f64>,
}

/// Each track's row as the genie's catalogue holds it once the ear is in
/// use: the hand-made features, then [`ear_columns`] (missing for a track
/// not heard).
fn catalogue_rows(hand: &[Vec<f32>], heard: &[Option<Listening>]) -> Vec<Vec<f32>> {
    hand.iter()
        .zip(heard)
        .map(|(f, h)| [f.as_slice(), &ear_columns(h.as_ref())].concat())
        .collect()
}

/// The representations' precision@5 for one listening pass.
pub fn quality(
    patches: usize,
    hand: &[Vec<f32>],
    heard: &[Option<Listening>],
    most: Option<&[Option<Listening>]>,
    labels: &[String],
) -> ListenQuality {
    let hand_dims = hand.first().map_or(0, Vec::len);
    let joined = catalogue_rows(hand, heard);
    let part = |range: std::ops::Range<usize>| -> Vec<Vec<f32>> {
        joined
            .iter()
            .map(|row| row[range.clone()].to_vec())
            .collect()
    };
    let embedding = part(hand_dims..hand_dims + EMBEDDING);
    let tags = part(hand_dims + EMBEDDING..hand_dims + EAR_COLUMNS);
    let rows: Vec<&[f32]> = joined.iter().map(Vec::as_slice).collect();
    let width = joined.first().map_or(0, Vec::len);
    let with = |shares: (f32, f32)| {
        let weights = listening_weights(hand_dims, shares);
        precision_of_standardised(&standardise_rows(&rows, width, &weights), labels, 5).0
    };
    let mut sweep = Vec::new();
    for e in [0.25, 0.5, 1.0, 2.0, 4.0] {
        for t in [0.0, 0.25, 0.5, 1.0] {
            sweep.push((e, t, with((e, t))));
        }
    }
    let tag_mae_vs_most = most.map(|most| {
        let (mut sum, mut n) = (0.0, 0usize);
        for (a, b) in heard.iter().zip(most) {
            if let (Some(a), Some(b)) = (a, b) {
                for (x, y) in a.msd.iter().chain(&a.mtt).zip(b.msd.iter().chain(&b.mtt)) {
                    sum += f64::from((x - y).abs());
                    n += 1;
                }
            }
        }
        sum / n.max(1) as f64
    });
    ListenQuality {
        patches_per_track: patches,
        hand: precision_at_k(hand, labels, 5).0,
        embedding: precision_at_k(&embedding, labels, 5).0,
        tags: precision_at_k(&tags, labels, 5).0,
        all: with(LISTENING_SHARES),
        sweep,
        tag_mae_vs_most,
    }
}

/// Cold-start continuation on curated lists over the indexed files (the
/// Wesnoth designers' scenario playlists): for each list with at least two
/// known tracks, the first is the seed and the others are to be found;
/// every other indexed track is ranked by distance to the seed, as the
/// genie's cold start ranks its first pick.
#[derive(Debug, Clone, Serialize)]
pub struct ColdStart {
    pub representation: String,
    pub lists: usize,
    /// Mean share of the held-out tracks in the top 5.
    pub recall_at_5: f64,
    /// Mean NDCG@10 (binary gains).
    pub ndcg_at_10: f64,
}

/// One curated list, as `scenario_playlists.json` holds it.
#[derive(Debug, serde::Deserialize)]
struct CuratedList {
    tracks: Vec<String>,
}

/// [`ColdStart`] of each representation, and of a random order (the
/// expected value) for scale.
pub fn cold_start(
    lists_file: &std::path::Path,
    paths: &[PathBuf],
    hand: &[Vec<f32>],
    heard: &[Option<Listening>],
) -> Result<Vec<ColdStart>> {
    let text = std::fs::read_to_string(lists_file)
        .map_err(|e| crate::Error::Failed(format!("{}: {e}", lists_file.display())))?;
    let lists: Vec<CuratedList> = serde_json::from_str(&text)
        .map_err(|e| crate::Error::Failed(format!("{}: {e}", lists_file.display())))?;
    let by_name: std::collections::HashMap<String, usize> = paths
        .iter()
        .enumerate()
        .filter_map(|(i, p)| Some((p.file_name()?.to_string_lossy().into_owned(), i)))
        .collect();
    let cases: Vec<Vec<usize>> = lists
        .iter()
        .map(|l| {
            let mut seen = Vec::new();
            for t in &l.tracks {
                if let Some(&i) = by_name.get(t) {
                    if !seen.contains(&i) {
                        seen.push(i);
                    }
                }
            }
            seen
        })
        .filter(|c| c.len() >= 2)
        .collect();
    let hand_dims = hand.first().map_or(0, Vec::len);
    let all = catalogue_rows(hand, heard);
    let width = all.first().map_or(0, Vec::len);
    let rows: Vec<&[f32]> = all.iter().map(Vec::as_slice).collect();
    // The same columns under different weights: (a) only the hand-made
    // block counts, (b) only the embedding, (c) the genie's weights.
    let zero_hand = |w: &mut Vec<f32>| w[..hand_dims].iter_mut().for_each(|x| *x = 0.0);
    let only_hand = listening_weights(hand_dims, (0.0, 0.0));
    let mut only_embedding = listening_weights(hand_dims, (1.0, 0.0));
    zero_hand(&mut only_embedding);
    let genie = listening_weights(hand_dims, LISTENING_SHARES);
    let mut out = Vec::new();
    for (name, weights) in [
        ("(a) hand-made features (today's cold start)", only_hand),
        ("(b) embedding", only_embedding),
        ("(c) features + embedding + tags", genie),
    ] {
        let z = standardise_rows(&rows, width, &weights);
        let (recall, ndcg) = score(&cases, |seed| nearest(&z, seed));
        out.push(ColdStart {
            representation: name.into(),
            lists: cases.len(),
            recall_at_5: recall,
            ndcg_at_10: ndcg,
        });
    }
    // A random order's expectation: every other track equally likely at
    // every rank.
    let n = paths.len().saturating_sub(1).max(1) as f64;
    let (mut recall, mut ndcg) = (0.0, 0.0);
    for case in &cases {
        let targets = (case.len() - 1) as f64;
        recall += (5.0f64.min(n)) / n;
        let dcg: f64 = (0..10.min(n as usize))
            .map(|r| (targets / n) / ((r + 2) as f64).log2())
            .sum();
        let ideal: f64 = (0..(case.len() - 1).min(10))
            .map(|r| 1.0 / ((r + 2) as f64).log2())
            .sum();
        ndcg += dcg / ideal.max(1e-12);
    }
    let count = cases.len().max(1) as f64;
    out.push(ColdStart {
        representation: "random order (expected)".into(),
        lists: cases.len(),
        recall_at_5: recall / count,
        ndcg_at_10: ndcg / count,
    });
    Ok(out)
}

/// Mean recall@5 and NDCG@10 of `rank(seed)` over the cases (the first of
/// each is the seed; the rest are the targets).
fn score(cases: &[Vec<usize>], rank: impl Fn(usize) -> Vec<usize>) -> (f64, f64) {
    let (mut recall, mut ndcg) = (0.0, 0.0);
    for case in cases {
        let (seed, targets) = (case[0], &case[1..]);
        let order = rank(seed);
        let hits5 = order.iter().take(5).filter(|j| targets.contains(j)).count();
        recall += hits5 as f64 / targets.len() as f64;
        let dcg: f64 = order
            .iter()
            .take(10)
            .enumerate()
            .filter(|(_, j)| targets.contains(j))
            .map(|(r, _)| 1.0 / ((r + 2) as f64).log2())
            .sum();
        let ideal: f64 = (0..targets.len().min(10))
            .map(|r| 1.0 / ((r + 2) as f64).log2())
            .sum();
        ndcg += dcg / ideal;
    }
    let n = cases.len().max(1) as f64;
    (recall / n, ndcg / n)
}
