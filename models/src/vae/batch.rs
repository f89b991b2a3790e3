//! From playlists to tensors: training cuts (a seed and the tracks that
//! followed, under the same view of history the requests will have), the
//! time-of-day context, and the batch the model reads.

use std::f32::consts::TAU;

use burn::tensor::{Device, Tensor, TensorData};

use super::features::{Prepared, View, GLOBAL_FEATURES, RECENCY_FEATURES, USER_FEATURES};
use super::rng::Rng;
use super::{float2, int1, Batch, CONTEXT};
use crate::data::{Negative, Playlist};

/// One request or training example, before it becomes tensors.
#[derive(Debug, Clone, Copy)]
pub struct Example<'a> {
    pub seed: &'a [u32],
    pub user: Option<&'a str>,
    pub at: Option<i64>,
    /// The tracks that followed (empty at query time).
    pub next: &'a [u32],
    /// How much each of `next` counts (parallel to it; empty: 1 each).
    pub next_weights: &'a [f32],
    /// Tracks turned down in this example's context.
    pub negatives: &'a [Negative],
    /// Training under [`VaeConfig::later_seeds_only`]: the example sees every
    /// play before this time and, after it, only the seeds (the batch's
    /// prefixes) of the playlists between it and the example.
    pub cutoff: Option<i64>,
}

impl<'a> Example<'a> {
    /// A request: continue `seed` for `user` at `at` (nothing follows).
    pub fn query(seed: &'a [u32], user: Option<&'a str>, at: Option<i64>) -> Self {
        Self {
            seed,
            user,
            at,
            next: &[],
            next_weights: &[],
            negatives: &[],
            cutoff: None,
        }
    }
}

/// Hour of day and weekday as sin/cos (zeros without a time).
pub fn context(at: Option<i64>) -> [f32; CONTEXT] {
    match at {
        Some(t) => {
            let hour = (t.rem_euclid(86_400)) as f32 / 3600.0;
            // 1970-01-01 was a Thursday (weekday 3 counting from Monday).
            let weekday = ((t.div_euclid(86_400) + 3).rem_euclid(7)) as f32;
            [
                (TAU * hour / 24.0).sin(),
                (TAU * hour / 24.0).cos(),
                (TAU * weekday / 7.0).sin(),
                (TAU * weekday / 7.0).cos(),
            ]
        }
        None => [0.0; CONTEXT],
    }
}

/// What requests read besides their seeds, on the host, one row per
/// request: history weights [N], context [4], recency features
/// [N, RECENCY_FEATURES] and where the learned residual speaks [N]. The
/// batch builder and the host-side generator ([`super::scorer`]) share it,
/// so both see a request exactly alike.
pub(super) struct RequestRows {
    pub history: Vec<f32>,
    pub context: Vec<f32>,
    pub recency: Vec<f32>,
    pub warm: Vec<f32>,
}

impl RequestRows {
    pub fn with_capacity(requests: usize, n: usize) -> Self {
        Self {
            history: Vec::with_capacity(requests * n),
            context: Vec::with_capacity(requests * CONTEXT),
            recency: Vec::with_capacity(requests * n * RECENCY_FEATURES),
            warm: Vec::with_capacity(requests * n),
        }
    }

    /// Appends `e`'s rows. `cold` marks tracks treated as never played
    /// (training's cold-track dropout); `prefixes` as in [`build_batch`].
    pub fn push(
        &mut self,
        p: &Prepared,
        e: &Example<'_>,
        cold: Option<&[bool]>,
        prefixes: Option<&[u32]>,
    ) {
        let view = e
            .cutoff
            .zip(prefixes)
            .map(|(cutoff, prefix)| View { cutoff, prefix });
        let (user, hist) = p.user_at(e.user, e.at, view);
        self.history.extend_from_slice(&hist);
        self.context.extend_from_slice(&context(e.at));
        let global = p.global_at(e.at, view);
        for t in 0..p.n_tracks {
            if cold.is_some_and(|c| c[t]) {
                self.recency.extend_from_slice(&[0.0; RECENCY_FEATURES]);
                self.warm.push(0.0);
                continue;
            }
            let g = &global[t * GLOBAL_FEATURES..(t + 1) * GLOBAL_FEATURES];
            // Feature 2 counts every play the request has seen.
            self.warm
                .push(if g[2] > 0.0 { p.has_history[t] } else { 0.0 });
            self.recency.extend_from_slice(g);
            self.recency
                .extend_from_slice(&user[t * USER_FEATURES..(t + 1) * USER_FEATURES]);
        }
    }
}

/// Builds the tensors of `examples` on `device`. `prefixes` holds, per
/// training playlist, how many of its first tracks an example with a cutoff
/// sees when the playlist comes after the cutoff.
pub fn build_batch(
    p: &Prepared,
    examples: &[Example<'_>],
    targets: usize,
    cold: Option<&[bool]>,
    prefixes: Option<&[u32]>,
    device: &Device,
) -> Batch {
    let b = examples.len();
    let n = p.n_tracks;
    let s = examples
        .iter()
        .map(|e| e.seed.len())
        .max()
        .unwrap_or(1)
        .max(1);
    let mut seed = vec![0u32; b * s];
    let mut mask = vec![0.0f32; b * s];
    let mut last = vec![0u32; b];
    let mut rows = RequestRows::with_capacity(b, n);
    let mut target = vec![0.0f32; b * n];
    let any_negative = examples.iter().any(|e| !e.negatives.is_empty());
    let mut negative = if any_negative {
        vec![0.0f32; b * n]
    } else {
        Vec::new()
    };
    for (i, e) in examples.iter().enumerate() {
        for (j, t) in e.seed.iter().enumerate() {
            seed[i * s + j] = *t;
            mask[i * s + j] = 1.0;
        }
        last[i] = e.seed.last().copied().unwrap_or(0);
        rows.push(p, e, cold, prefixes);
        // Nearer next tracks weigh more; repeats and seed tracks are
        // skipped. The row is normalised by the positional weights alone,
        // so a track heard in part counts for less than one heard in full
        // and a kept suggestion for more (and without engagement data the
        // row sums to 1).
        let mut total = 0.0;
        for (j, t) in e.next.iter().take(targets).enumerate() {
            if e.seed.contains(t) {
                continue;
            }
            let w = 1.0 / (1.0 + 0.1 * j as f32);
            let engaged = e.next_weights.get(j).copied().unwrap_or(1.0);
            let cell = &mut target[i * n + *t as usize];
            if *cell == 0.0 && engaged > 0.0 {
                *cell = w * engaged;
                total += w;
            }
        }
        if total > 0.0 {
            for x in &mut target[i * n..(i + 1) * n] {
                *x /= total;
            }
        }
        // A turned-down track is a negative unless it is in the seed or
        // among this example's targets (heard in full another time).
        for neg in e.negatives {
            let at = i * n + neg.track as usize;
            if (neg.track as usize) < n && target[at] == 0.0 && !e.seed.contains(&neg.track) {
                negative[at] = negative[at].max(neg.weight.clamp(0.0, 1.0));
            }
        }
    }
    Batch {
        seed: int1(&seed, device),
        seed_mask: Tensor::from_data(TensorData::new(mask, [b, s, 1]), device),
        last: int1(&last, device),
        history: float2(rows.history, b, n, device),
        context: float2(rows.context, b, CONTEXT, device),
        recency: Tensor::from_data(
            TensorData::new(rows.recency, [b, n, RECENCY_FEATURES]),
            device,
        ),
        warm: float2(rows.warm, b, n, device),
        targets: float2(target, b, n, device),
        negatives: any_negative.then(|| float2(negative, b, n, device)),
        size: b,
    }
}

/// How far before a training example its cutoff may lie (13 weeks), under
/// [`VaeConfig::later_seeds_only`].
pub(super) const CUTOFF_REACH_S: usize = 91 * 86_400;

/// Seed lengths drawn for training examples (the benchmark asks 1 to 25).
pub(super) const SEED_LENGTHS: [usize; 8] = [1, 1, 2, 3, 5, 5, 10, 25];

/// Cuts `playlist` into a seed (a prefix) and the tracks that followed.
pub(super) fn cut<'a>(playlist: &'a Playlist, rng: &mut Rng) -> Option<Example<'a>> {
    let len = playlist.tracks.len();
    if len < 2 {
        return None;
    }
    let n = SEED_LENGTHS[rng.below(SEED_LENGTHS.len())].min(len - 1);
    Some(Example {
        seed: &playlist.tracks[..n],
        user: playlist.user.as_deref(),
        at: playlist.timestamp,
        next: &playlist.tracks[n..],
        next_weights: playlist.weights.get(n..).unwrap_or(&[]),
        negatives: &playlist.negatives,
        cutoff: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{Catalogue, Track};
    use crate::{ComputeBackend, DevicePreference};

    fn playlist(tracks: Vec<u32>) -> Playlist {
        Playlist {
            id: "p".into(),
            user: Some("u".into()),
            timestamp: Some(1_700_000_000),
            tracks,
            ..Default::default()
        }
    }

    #[test]
    fn a_cut_keeps_at_least_one_track_to_predict() {
        let mut rng = Rng::new(1);
        assert!(
            cut(&playlist(vec![3]), &mut rng).is_none(),
            "one track: nothing to predict"
        );
        let long = playlist((0..40).collect());
        for _ in 0..200 {
            let two = playlist(vec![4, 5]);
            let e = cut(&two, &mut rng).expect("two tracks cut");
            assert_eq!((e.seed, e.next), (&[4u32][..], &[5u32][..]));
            let e = cut(&long, &mut rng).expect("cut");
            assert!(SEED_LENGTHS.contains(&e.seed.len()), "{}", e.seed.len());
            assert_eq!(
                e.seed.len() + e.next.len(),
                40,
                "the seed is a prefix, the rest follows"
            );
            assert_eq!(e.user, Some("u"));
        }
    }

    #[test]
    fn context_is_the_hour_and_weekday_on_circles() {
        // 1970-01-01 00:00 UTC, a Thursday.
        let midnight = context(Some(0));
        assert!((midnight[0] - 0.0).abs() < 1e-6 && (midnight[1] - 1.0).abs() < 1e-6);
        // 18:00 is three quarters round the day's circle.
        let evening = context(Some(18 * 3600));
        assert!((evening[0] + 1.0).abs() < 1e-6, "{evening:?}");
        // A week later is the same point.
        assert_eq!(context(Some(5_000)), context(Some(5_000 + 7 * 86_400)));
        assert_eq!(context(None), [0.0; CONTEXT]);
    }

    #[test]
    fn a_batch_has_one_row_per_example_and_marks_only_the_tracks_that_followed() {
        let tracks = (0..6)
            .map(|i| Track {
                external_id: format!("t{i}"),
                artist: format!("a{}", i / 2),
                title: format!("t{i}"),
                album: "x".into(),
                duration_s: Some(200.0),
                features: vec![i as f32, 1.0],
            })
            .collect();
        let catalogue = Catalogue {
            tracks,
            feature_names: vec!["f0".into(), "f1".into()],
            feature_weights: Vec::new(),
        };
        let train = vec![playlist(vec![0, 1, 2, 3]), playlist(vec![4, 5])];
        let prepared = Prepared::new(&catalogue, &train, 2, 64);
        let device = ComputeBackend::select(DevicePreference::Cpu)
            .device()
            .clone();
        let examples = [
            Example {
                next: &[2, 3],
                ..Example::query(&[0, 1], Some("u"), Some(1_700_000_000))
            },
            Example {
                next: &[5],
                ..Example::query(&[4], None, None)
            },
        ];
        let batch = build_batch(&prepared, &examples, 20, None, None, &device);
        assert_eq!(batch.size, 2);
        assert_eq!(batch.targets.dims(), [2, 6]);
        let targets = batch
            .targets
            .into_data()
            .try_into_vec::<f32>()
            .expect("targets");
        let marked =
            |row: usize| -> Vec<usize> { (0..6).filter(|&t| targets[row * 6 + t] > 0.0).collect() };
        assert_eq!(marked(0), vec![2, 3]);
        assert_eq!(marked(1), vec![5]);
        assert_eq!(batch.seed_mask.dims()[0], 2);
    }
}
