//! `playgenie bench index DIR`: how fast and how good the analyser is.
//!
//! Speed: the same files are (1) analysed as indexing does and (2) merely
//! decoded in full by Symphonia, on the same threads in the same run; the
//! ratio of their throughputs is the figure that matters, because it does
//! not depend on the machine. Quality: precision@5 of nearest neighbours in
//! z-scored feature space, where a neighbour counts when it comes from the
//! same top-level folder of DIR (one folder per album or soundtrack package).

use std::path::{Path, PathBuf};
use std::time::Instant;

use rayon::prelude::*;
use serde::Serialize;

use crate::error::{CoreError, Result};
use crate::listen::{ColdStart, ListenBench, ListenQuality};
use playgenie_core::analysis::{self, Coverage};
use playgenie_core::library::is_audio_file;
use playgenie_models::baselines::standardise_rows;
use playgenie_models::{BackendKind, ComputeBackend, DevicePreference};

/// The benchmark's figures.
#[derive(Debug, Clone, Serialize)]
pub struct IndexBench {
    pub files: usize,
    pub failed: usize,
    pub threads: usize,
    pub audio_s: f64,
    pub analyse_s: f64,
    pub decode_only_s: f64,
    pub tracks_per_s: f64,
    /// Seconds of audio (track length) analysed per wall second.
    pub audio_s_per_s: f64,
    /// Full-decode throughput in seconds of audio per wall second.
    pub decode_only_audio_s_per_s: f64,
    /// analyse throughput / decode-only throughput (medians over rounds).
    pub ratio_vs_full_decode: f64,
    /// Rounds run (each: analyse, then decode in full).
    pub rounds: usize,
    /// The ratio within each round.
    pub ratio_per_round: Vec<f64>,
    /// Seconds of audio actually decoded by the analyser.
    pub decoded_by_analyser_s: f64,
    pub peak_memory_mb: Option<f64>,
    pub precision_at_5: Option<f64>,
    /// Chance level of precision@5 for these labels.
    pub chance_at_5: Option<f64>,
    /// What analysing windows costs against analysing whole files (only
    /// with `compare_full`).
    pub vs_full: Option<WindowCost>,
    /// The listening pass per patch count asked for, on the backend in use
    /// (and the last count again on the CPU when that is another).
    pub listening: Vec<ListenBench>,
    /// What each patch count's embedding and tags are worth.
    pub listening_quality: Vec<ListenQuality>,
    /// Cold-start continuation of curated lists by each representation
    /// (with the last patch count), when lists were given.
    pub cold_start: Vec<ColdStart>,
}

/// What `bench index` listens with.
#[derive(Debug, Clone)]
pub struct ListenPlan {
    /// Patch counts to measure (a huge one means every patch).
    pub patches: Vec<usize>,
    pub backend: ComputeBackend,
    /// Curated lists over the files (`scenario_playlists.json`).
    pub lists: Option<PathBuf>,
}

/// Agreement of windowed analysis with whole-file analysis.
#[derive(Debug, Clone, Serialize)]
pub struct WindowCost {
    /// Mean absolute difference of integrated loudness, LU.
    pub loudness_mae_lu: f64,
    /// Largest absolute difference of integrated loudness, LU.
    pub loudness_max_lu: f64,
    /// Share of tracks whose tempo agrees within 4 %.
    pub tempo_agreement: f64,
    /// Share of tracks with the same key and mode.
    pub key_agreement: f64,
    /// precision@5 of the whole-file features.
    pub full_precision_at_5: Option<f64>,
}

fn label_of(root: &Path, file: &Path) -> String {
    file.strip_prefix(root)
        .ok()
        .and_then(|rel| rel.components().next())
        .filter(|_| file.parent() != Some(root))
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Runs the benchmark on every music file below `root`.
pub fn index(
    root: &Path,
    coverage: Coverage,
    threads: Option<usize>,
    compare_full: bool,
    rounds: usize,
    listen: Option<&ListenPlan>,
) -> Result<IndexBench> {
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(root)
        .follow_links(true)
        .into_iter()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_file() && is_audio_file(e.path()))
        .map(|e| e.into_path())
        .collect();
    files.sort();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads.unwrap_or(0))
        .build()
        .map_err(|e| CoreError::Scan(format!("cannot start worker threads: {e}")))?;
    let threads = pool.current_num_threads();

    // Rounds alternate the two passes so both see the same page cache and
    // the same background load; medians damp a noisy shared machine.
    let rounds = rounds.max(1);
    let (mut analyse_times, mut decode_times) = (Vec::new(), Vec::new());
    let mut analysed = Vec::new();
    let mut decoded = Vec::new();
    for round in 0..rounds {
        let started = Instant::now();
        analysed = pool.install(|| {
            files
                .par_iter()
                .map(|f| (f.clone(), analysis::analyse(f, coverage)))
                .collect()
        });
        analyse_times.push(started.elapsed().as_secs_f64());

        let started = Instant::now();
        decoded = pool.install(|| {
            files
                .par_iter()
                .map(|f| analysis::decode::decode_only(f).unwrap_or(0.0))
                .collect::<Vec<f64>>()
        });
        decode_times.push(started.elapsed().as_secs_f64());
        tracing::info!(
            round,
            analyse_s = analyse_times[round],
            decode_s = decode_times[round],
            "bench round"
        );
    }
    let analyse_s = median(&analyse_times);
    let decode_only_s = median(&decode_times);

    let ok: Vec<_> = analysed
        .into_iter()
        .filter_map(|(path, result)| result.ok().map(|a| (path, a)))
        .collect();
    let audio_s: f64 = ok
        .iter()
        .map(|(_, a)| a.stream.duration_s.unwrap_or(a.decoded_s))
        .sum();
    let full_audio_s: f64 = decoded.iter().sum();
    let decoded_by_analyser_s = ok.iter().map(|(_, a)| a.decoded_s).sum();

    let labels: Vec<String> = ok.iter().map(|(p, _)| label_of(root, p)).collect();
    let vectors: Vec<Vec<f32>> = ok.iter().map(|(_, a)| a.features.to_numeric()).collect();
    let (precision, chance) = precision_at_k(&vectors, &labels, 5);

    // Peak memory of indexing itself, before any whole-file comparison.
    let peak_memory_mb = peak_memory_mb();
    let vs_full = if compare_full && coverage != Coverage::Full {
        let full: Vec<_> = pool.install(|| {
            ok.par_iter()
                .map(|(p, _)| analysis::analyse(p, Coverage::Full).ok())
                .collect()
        });
        let pairs: Vec<_> = ok
            .iter()
            .zip(&full)
            .filter_map(|((_, w), f)| f.as_ref().map(|f| (&w.features, &f.features)))
            .collect();
        let n = pairs.len().max(1) as f64;
        let diffs: Vec<f64> = pairs
            .iter()
            .map(|(w, f)| f64::from((w.loudness_lufs - f.loudness_lufs).abs()))
            .collect();
        let full_vectors: Vec<Vec<f32>> = pairs.iter().map(|(_, f)| f.to_numeric()).collect();
        let full_labels: Vec<String> = ok
            .iter()
            .zip(&full)
            .filter(|(_, f)| f.is_some())
            .map(|((p, _), _)| label_of(root, p))
            .collect();
        Some(WindowCost {
            loudness_mae_lu: diffs.iter().sum::<f64>() / n,
            loudness_max_lu: diffs.iter().copied().fold(0.0, f64::max),
            tempo_agreement: pairs
                .iter()
                .filter(|(w, f)| (w.tempo_bpm - f.tempo_bpm).abs() <= 0.04 * f.tempo_bpm)
                .count() as f64
                / n,
            key_agreement: pairs
                .iter()
                .filter(|(w, f)| w.key == f.key && w.mode == f.mode)
                .count() as f64
                / n,
            full_precision_at_5: precision_at_k(&full_vectors, &full_labels, 5).0,
        })
    } else {
        None
    };

    let (mut listening, mut listening_quality, mut cold_start) =
        (Vec::new(), Vec::new(), Vec::new());
    if let Some(plan) = listen {
        let paths: Vec<PathBuf> = ok.iter().map(|(p, _)| p.clone()).collect();
        let mut passes = Vec::new();
        for &n in &plan.patches {
            let (bench, heard) = crate::listen::listen(&paths, n, &plan.backend, &pool)?;
            tracing::info!(
                patches = n,
                tracks_per_s = bench.tracks_per_s,
                "listening pass"
            );
            listening.push(bench);
            passes.push((n, heard));
        }
        if plan.backend.summary().kind != BackendKind::Cpu {
            if let Some(&n) = plan.patches.last() {
                let cpu = ComputeBackend::select(DevicePreference::Cpu);
                listening.push(crate::listen::listen(&paths, n, &cpu, &pool)?.0);
            }
        }
        let most = passes.iter().max_by_key(|(n, _)| *n);
        for (n, heard) in &passes {
            let reference = most.filter(|(m, _)| m != n).map(|(_, h)| h.as_slice());
            listening_quality.push(crate::listen::quality(
                *n, &vectors, heard, reference, &labels,
            ));
        }
        if let (Some(lists), Some((_, heard))) = (&plan.lists, passes.last()) {
            cold_start = crate::listen::cold_start(lists, &paths, &vectors, heard)?;
        }
    }

    let audio_s_per_s = audio_s / analyse_s.max(1e-9);
    let decode_only_audio_s_per_s = full_audio_s / decode_only_s.max(1e-9);
    Ok(IndexBench {
        files: files.len(),
        failed: files.len() - ok.len(),
        threads,
        audio_s,
        analyse_s,
        decode_only_s,
        tracks_per_s: ok.len() as f64 / analyse_s.max(1e-9),
        audio_s_per_s,
        decode_only_audio_s_per_s,
        ratio_vs_full_decode: audio_s_per_s / decode_only_audio_s_per_s.max(1e-9),
        rounds,
        ratio_per_round: analyse_times
            .iter()
            .zip(&decode_times)
            .map(|(a, d)| (audio_s / a.max(1e-9)) / (full_audio_s / d.max(1e-9)))
            .collect(),
        decoded_by_analyser_s,
        peak_memory_mb,
        precision_at_5: precision,
        chance_at_5: chance,
        vs_full,
        listening,
        listening_quality,
        cold_start,
    })
}

/// The median (the mean of the middle two for an even count; 0 for none).
pub(crate) fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    match sorted.len() {
        0 => 0.0,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

/// Mean precision@k of nearest neighbours (Euclidean, z-scored columns)
/// sharing the query's label, and the chance level. `None` without labels.
pub fn precision_at_k(
    vectors: &[Vec<f32>],
    labels: &[String],
    k: usize,
) -> (Option<f64>, Option<f64>) {
    let dims = vectors.first().map_or(0, Vec::len);
    let rows: Vec<&[f32]> = vectors.iter().map(Vec::as_slice).collect();
    precision_of_standardised(&standardise_rows(&rows, dims, &[]), labels, k)
}

/// [`precision_at_k`] of vectors already standardised (and weighted).
pub fn precision_of_standardised(
    z: &[Vec<f32>],
    labels: &[String],
    k: usize,
) -> (Option<f64>, Option<f64>) {
    let n = z.len();
    if n <= k || labels.iter().all(String::is_empty) {
        return (None, None);
    }
    let mut total = 0.0;
    let mut chance = 0.0;
    for i in 0..n {
        let hits = nearest(z, i)[..k]
            .iter()
            .filter(|&&j| labels[j] == labels[i])
            .count();
        total += hits as f64 / k as f64;
        let same = labels.iter().filter(|l| **l == labels[i]).count() - 1;
        chance += same as f64 / (n - 1) as f64;
    }
    (Some(total / n as f64), Some(chance / n as f64))
}

/// Every row but `i`, nearest first (squared Euclidean distance; ties in
/// row order).
pub fn nearest(z: &[Vec<f32>], i: usize) -> Vec<usize> {
    let mut dist: Vec<(f32, usize)> = (0..z.len())
        .filter(|&j| j != i)
        .map(|j| {
            let d = z[i]
                .iter()
                .zip(&z[j])
                .map(|(a, b)| (a - b) * (a - b))
                .sum::<f32>();
            (d, j)
        })
        .collect();
    dist.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    dist.into_iter().map(|(_, j)| j).collect()
}

/// Peak resident memory of this process (Linux), MB.
pub fn peak_memory_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precision_counts_neighbours_with_the_same_label() {
        let vectors = vec![
            vec![0.0, 0.0],
            vec![0.1, 0.0],
            vec![0.0, 0.1],
            vec![10.0, 10.0],
            vec![10.1, 10.0],
            vec![10.0, 10.1],
        ];
        let labels: Vec<String> = ["a", "a", "a", "b", "b", "b"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let (p, chance) = precision_at_k(&vectors, &labels, 2);
        assert_eq!(p, Some(1.0));
        assert!((chance.unwrap_or(0.0) - 0.4).abs() < 1e-9);
        let (p1, _) = precision_at_k(&vectors, &labels, 5);
        assert!((p1.unwrap_or(0.0) - 0.4).abs() < 1e-9);
    }

    #[test]
    fn labels_are_top_level_folders() {
        let root = Path::new("/lib");
        assert_eq!(label_of(root, Path::new("/lib/wesnoth/a/b.ogg")), "wesnoth");
        assert_eq!(label_of(root, Path::new("/lib/loose.ogg")), "");
    }
}
