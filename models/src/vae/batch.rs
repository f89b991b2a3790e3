//! From playlists to tensors: training cuts (a seed and the tracks that
//! followed, under the same view of history the requests will have), the
//! time-of-day context, and the batch the model reads.

use std::f32::consts::TAU;

use burn::tensor::{Device, Tensor, TensorData};

use super::features::{Columns, Prepared, View, GLOBAL_FEATURES, RECENCY_FEATURES, USER_FEATURES};
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

    /// Appends `e`'s rows, for the tracks of `columns` (the history row
    /// must have no weight outside them). `cold` marks tracks treated as
    /// never played (training's cold-track dropout); `prefixes` as in
    /// [`build_batch`].
    pub fn push(
        &mut self,
        p: &Prepared,
        e: &Example<'_>,
        cold: Option<&[bool]>,
        prefixes: Option<&[u32]>,
        columns: Columns<'_>,
    ) {
        let view = view(e, prefixes);
        let (user, hist) = p.user_in(e.user, e.at, view, columns);
        self.context.extend_from_slice(&context(e.at));
        let global = p.global_in(e.at, view, columns);
        for (j, (g, u)) in global
            .chunks_exact(GLOBAL_FEATURES)
            .zip(user.chunks_exact(USER_FEATURES))
            .enumerate()
        {
            let t = columns.track(j);
            if cold.is_some_and(|c| c[t]) {
                self.recency.extend_from_slice(&[0.0; RECENCY_FEATURES]);
                self.warm.push(0.0);
                continue;
            }
            self.warm.push(warm(p, t, g));
            self.recency.extend_from_slice(g);
            self.recency.extend_from_slice(u);
        }
        self.history.extend_from_slice(&hist);
    }
}

/// Whether track `t`'s learned residual speaks for a request whose global
/// features of it are `global` (1 or 0): it was played in training and the
/// request has seen a play of it (feature 2 counts every play it has seen).
pub(super) fn warm(p: &Prepared, t: usize, global: &[f32]) -> f32 {
    if global[2] > 0.0 {
        p.has_history[t]
    } else {
        0.0
    }
}

/// What `e` sees of the training period's playlists after its cutoff.
fn view<'a>(e: &Example<'_>, prefixes: Option<&'a [u32]>) -> Option<View<'a>> {
    e.cutoff
        .zip(prefixes)
        .map(|(cutoff, prefix)| View { cutoff, prefix })
}

/// The tracks a batch under a sampled softmax scores: every track it must
/// (seeds, targets, turned-down tracks and the history its listeners have
/// at the time) and a uniform draw of the rest, in ascending order, with
/// the correction each track's logit gets in the softmax: 0 for the sure
/// tracks, ln(rest / drawn) for drawn ones (so their exponentials estimate
/// the whole rest's). When the draw covers the rest, every track is scored
/// uncorrected: the exact softmax.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub ids: Vec<u32>,
    pub correction: Vec<f32>,
}

/// Draws the [`Sample`] of `examples` (as [`build_batch`] reads them, up
/// to `targets` next tracks each), with `draws` tracks beyond the sure ones.
pub fn sample(
    p: &Prepared,
    examples: &[Example<'_>],
    targets: usize,
    prefixes: Option<&[u32]>,
    draws: usize,
    rng: &mut Rng,
) -> Sample {
    let n = p.n_tracks;
    let mut sure = vec![false; n];
    let mut mark = |t: u32| {
        if let Some(s) = sure.get_mut(t as usize) {
            *s = true;
        }
    };
    for e in examples {
        e.seed.iter().copied().for_each(&mut mark);
        e.next.iter().take(targets).copied().for_each(&mut mark);
        e.negatives.iter().for_each(|neg| mark(neg.track));
        if e.user.is_some() {
            p.user_history_tracks(e.user, e.at, view(e, prefixes))
                .into_iter()
                .for_each(&mut mark);
        }
    }
    let mut rest: Vec<u32> = (0..n as u32).filter(|t| !sure[*t as usize]).collect();
    let drawn = draws.min(rest.len());
    // A partial Fisher–Yates shuffle: the first `drawn` are the draw.
    for i in 0..drawn {
        let j = i + rng.below(rest.len() - i);
        rest.swap(i, j);
    }
    let correction = if drawn == 0 {
        0.0
    } else {
        (rest.len() as f32 / drawn as f32).ln()
    };
    let mut is_drawn = vec![false; n];
    for t in &rest[..drawn] {
        is_drawn[*t as usize] = true;
    }
    let ids: Vec<u32> = (0..n as u32)
        .filter(|t| sure[*t as usize] || is_drawn[*t as usize])
        .collect();
    let correction = ids
        .iter()
        .map(|t| {
            if is_drawn[*t as usize] {
                correction
            } else {
                0.0
            }
        })
        .collect();
    Sample { ids, correction }
}

/// Builds the tensors of `examples` on `device`. `prefixes` holds, per
/// training playlist, how many of its first tracks an example with a cutoff
/// sees when the playlist comes after the cutoff. With a `sample`, the
/// batch covers the sample's tracks only: its columns are the sample's
/// tracks in order, seeds and last tracks index them, and it carries the
/// sample's logit correction (use it with the items of the same sample,
/// [`super::CatalogueTensors::subset`]); without, every track.
pub fn build_batch(
    p: &Prepared,
    examples: &[Example<'_>],
    targets: usize,
    cold: Option<&[bool]>,
    prefixes: Option<&[u32]>,
    sample: Option<&Sample>,
    device: &Device,
) -> Batch {
    let b = examples.len();
    // Where each track is among the batch's columns (sampled: u32::MAX
    // where it is not scored).
    let local: Option<Vec<u32>> = sample.map(|s| {
        let mut local = vec![u32::MAX; p.n_tracks];
        for (j, t) in s.ids.iter().enumerate() {
            local[*t as usize] = j as u32;
        }
        local
    });
    let columns = match (sample, &local) {
        (Some(s), Some(position)) => Columns::Some {
            ids: &s.ids,
            position,
        },
        _ => Columns::All(p.n_tracks),
    };
    let column = |t: u32| columns.column(t);
    let n = columns.len();
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
            seed[i * s + j] = column(*t).unwrap_or(0) as u32;
            mask[i * s + j] = 1.0;
        }
        last[i] = e.seed.last().and_then(|t| column(*t)).unwrap_or(0) as u32;
        rows.push(p, e, cold, prefixes, columns);
        // Nearer next tracks weigh more; repeats and seed tracks are
        // skipped. The row is normalised by the positional weights alone,
        // so a track heard in part counts for less than one heard in full
        // and a kept suggestion for more (and without engagement data the
        // row sums to 1).
        let mut total = 0.0;
        for (j, t) in e.next.iter().take(targets).enumerate() {
            let Some(c) = column(*t).filter(|_| !e.seed.contains(t)) else {
                continue;
            };
            let w = 1.0 / (1.0 + 0.1 * j as f32);
            let engaged = e.next_weights.get(j).copied().unwrap_or(1.0);
            let cell = &mut target[i * n + c];
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
            let Some(c) = column(neg.track) else {
                continue;
            };
            let at = i * n + c;
            if target[at] == 0.0 && !e.seed.contains(&neg.track) {
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
        correction: sample.map(|s| float2(s.correction.clone(), 1, n, device)),
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

    /// Six tracks of three artists (two features each) and two playlists
    /// of listener "u".
    fn six_tracks() -> (Catalogue, Vec<Playlist>) {
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
        (catalogue, train)
    }

    fn cpu() -> Device {
        ComputeBackend::select(DevicePreference::Cpu)
            .device()
            .clone()
    }

    fn floats(t: Tensor<2>) -> Vec<f32> {
        t.into_data().try_into_vec::<f32>().expect("floats")
    }

    #[test]
    fn a_batch_has_one_row_per_example_and_marks_only_the_tracks_that_followed() {
        let (catalogue, train) = six_tracks();
        let prepared = Prepared::new(&catalogue, &train, 2, 64);
        let device = cpu();
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
        let batch = build_batch(&prepared, &examples, 20, None, None, None, &device);
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

    /// Two requests whose listener has history, one with a turned-down
    /// track.
    fn requests<'a>(negatives: &'a [Negative]) -> [Example<'a>; 2] {
        [
            Example {
                next: &[2, 3],
                negatives,
                ..Example::query(&[0, 1], Some("u"), Some(1_700_000_100))
            },
            Example {
                next: &[5],
                ..Example::query(&[4], None, None)
            },
        ]
    }

    #[test]
    fn a_sample_holds_every_track_it_must_and_corrects_the_drawn_ones() {
        let (catalogue, train) = six_tracks();
        let prepared = Prepared::new(&catalogue, &train, 2, 64);
        let negatives = [Negative {
            track: 4,
            weight: 1.0,
        }];
        // Only the second request, who has no listener: seed 4, next 5.
        let examples = &requests(&negatives)[1..];
        let mut rng = Rng::new(3);
        let one = sample(&prepared, examples, 20, None, 1, &mut rng);
        assert_eq!(one.ids.len(), 3, "{one:?}");
        assert!(one.ids.contains(&4) && one.ids.contains(&5));
        assert!(one.ids.windows(2).all(|w| w[0] < w[1]), "ascending");
        for (t, c) in one.ids.iter().zip(&one.correction) {
            // Four others, one drawn: its logit counts for four.
            let want = if [4, 5].contains(t) { 0.0 } else { 4f32.ln() };
            assert!((c - want).abs() < 1e-6, "track {t}: {c}");
        }
        // The first request's listener has heard tracks 0 to 3 (and 4, 5),
        // and its turned-down track is sure too.
        let both = requests(&negatives);
        let s = sample(&prepared, &both, 20, None, 0, &mut rng);
        assert_eq!(s.ids, vec![0, 1, 2, 3, 4, 5]);
        assert!(s.correction.iter().all(|c| *c == 0.0));
    }

    #[test]
    fn a_sampled_batch_scores_its_tracks_exactly_as_the_full_batch_does() {
        use super::super::{CatalogueTensors, NegativeLoss, Vae, VaeConfig};
        let (catalogue, train) = six_tracks();
        let prepared = Prepared::new(&catalogue, &train, 2, 64);
        let device = cpu();
        let config = VaeConfig::new();
        let vae = Vae::new(&config, prepared.content_dims, prepared.n_tracks, &device);
        let negatives = [Negative {
            track: 5,
            weight: 1.0,
        }];
        // Without a listener, so the sample is not the whole catalogue.
        let examples = [Example {
            negatives: &negatives,
            ..requests(&[])[1]
        }];
        let full = build_batch(&prepared, &examples, 20, None, None, None, &device);
        let items = vae.items(&config, &CatalogueTensors::new(&prepared, &device));
        let f = vae.forward(&config, &items, &full, false);
        let logits = floats(f.logits.clone());
        let loss = vae.loss(&f, &full, &NegativeLoss::DEFAULT).total(0.1);

        // A sample of everything is the exact softmax.
        let all = Sample {
            ids: (0..6).collect(),
            correction: vec![0.0; 6],
        };
        let score = |s: &Sample| {
            let sub =
                CatalogueTensors::subset(&prepared, &s.ids, &prepared.has_history, true, &device);
            let batch = build_batch(&prepared, &examples, 20, None, None, Some(s), &device);
            let f = vae.forward(&config, &vae.items(&config, &sub), &batch, false);
            let loss = vae.loss(&f, &batch, &NegativeLoss::DEFAULT).total(0.1);
            (floats(f.logits), loss)
        };
        let (same, same_loss) = score(&all);
        for (a, b) in logits.iter().zip(&same) {
            assert!((a - b).abs() < 1e-5, "{logits:?} vs {same:?}");
        }
        let (a, b) = (
            floats(loss.reshape([1, 1])),
            floats(same_loss.reshape([1, 1])),
        );
        assert!((a[0] - b[0]).abs() < 1e-5, "loss {a:?} vs {b:?}");

        // A part of it: each scored track as in the full batch (its
        // neighbours outside the sample still propagate into it).
        let mut rng = Rng::new(9);
        let part = sample(&prepared, &examples, 20, None, 1, &mut rng);
        assert_eq!(part.ids.len(), 3, "{part:?}");
        let (scores, _) = score(&part);
        for (j, t) in part.ids.iter().enumerate() {
            let want = logits[*t as usize];
            assert!(
                (scores[j] - want).abs() < 1e-5,
                "track {t}: {} vs {want}",
                scores[j]
            );
        }
    }
}
