//! Training (a custom Burn loop: Adam, gradient clipping, β annealing, early
//! stopping on a time-ordered validation split, seeded), inference and
//! constrained generation.

use std::f32::consts::TAU;
use std::time::Instant;

use burn::grad_clipping::GradientClippingConfig;
use burn::module::Module;
use burn::optim::decay::WeightDecayConfig;
use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::{Device, Tensor, TensorData};
use serde::Serialize;

use super::features::{Prepared, View, GLOBAL_FEATURES, RECENCY_FEATURES, USER_FEATURES};
use super::weights::{Weights, WeightsError};
use super::{float2, int1, Batch, CatalogueTensors, Items, Vae, VaeConfig, CONTEXT};
use crate::baselines::Recommender;
use crate::data::{Catalogue, Playlist, Query};
use crate::metrics::{rank, score_case};

/// Training could not produce a usable model.
#[derive(Debug, thiserror::Error)]
pub enum VaeError {
    #[error("there is nothing to train on: no playlist has two or more tracks")]
    NoData,
    #[error("training diverged at epoch {epoch} (loss {loss}); the previous model stays in use")]
    Diverged { epoch: usize, loss: f32 },
    #[error("could not read results back from the device: {0}")]
    Readback(String),
    #[error("checkpoint weights do not fit: {0}")]
    Weights(#[from] WeightsError),
    #[error("training was cancelled; the previous model stays in use")]
    Cancelled,
}

/// A small deterministic generator (SplitMix64) for cuts and shuffles.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed ^ 0x9E37_79B9_7F4A_7C15)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    pub fn unit(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32
    }

    pub fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            v.swap(i, self.below(i + 1));
        }
    }
}

/// One request or training example, before it becomes tensors.
#[derive(Debug, Clone, Copy)]
pub struct Example<'a> {
    pub seed: &'a [u32],
    pub user: Option<&'a str>,
    pub at: Option<i64>,
    /// The tracks that followed (empty at query time).
    pub next: &'a [u32],
    /// Training under [`VaeConfig::later_seeds_only`]: the example sees every
    /// play before this time and, after it, only the seeds (the batch's
    /// prefixes) of the playlists between it and the example.
    pub cutoff: Option<i64>,
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
    let mut history = Vec::with_capacity(b * n);
    let mut ctx = Vec::with_capacity(b * CONTEXT);
    let mut recency = Vec::with_capacity(b * n * RECENCY_FEATURES);
    let mut warm = Vec::with_capacity(b * n);
    let mut target = vec![0.0f32; b * n];
    for (i, e) in examples.iter().enumerate() {
        for (j, t) in e.seed.iter().enumerate() {
            seed[i * s + j] = *t;
            mask[i * s + j] = 1.0;
        }
        last[i] = e.seed.last().copied().unwrap_or(0);
        let view = e
            .cutoff
            .zip(prefixes)
            .map(|(cutoff, prefix)| View { cutoff, prefix });
        let (user, hist) = p.user_at(e.user, e.at, view);
        history.extend_from_slice(&hist);
        ctx.extend_from_slice(&context(e.at));
        let global = p.global_at(e.at, view);
        for t in 0..n {
            if cold.is_some_and(|c| c[t]) {
                recency.extend_from_slice(&[0.0; RECENCY_FEATURES]);
                warm.push(0.0);
                continue;
            }
            let g = &global[t * GLOBAL_FEATURES..(t + 1) * GLOBAL_FEATURES];
            // Feature 2 counts every play the request has seen.
            warm.push(if g[2] > 0.0 { p.has_history[t] } else { 0.0 });
            recency.extend_from_slice(g);
            recency.extend_from_slice(&user[t * USER_FEATURES..(t + 1) * USER_FEATURES]);
        }
        // Nearer next tracks weigh more; repeats and seed tracks are skipped.
        let mut total = 0.0;
        for (j, t) in e.next.iter().take(targets).enumerate() {
            if e.seed.contains(t) {
                continue;
            }
            let w = 1.0 / (1.0 + 0.1 * j as f32);
            let cell = &mut target[i * n + *t as usize];
            if *cell == 0.0 {
                *cell = w;
                total += w;
            }
        }
        if total > 0.0 {
            for x in &mut target[i * n..(i + 1) * n] {
                *x /= total;
            }
        }
    }
    Batch {
        seed: int1(&seed, device),
        seed_mask: Tensor::from_data(TensorData::new(mask, [b, s, 1]), device),
        last: int1(&last, device),
        history: float2(history, b, n, device),
        context: float2(ctx, b, CONTEXT, device),
        recency: Tensor::from_data(TensorData::new(recency, [b, n, RECENCY_FEATURES]), device),
        warm: float2(warm, b, n, device),
        targets: float2(target, b, n, device),
        size: b,
    }
}

/// How far before a training example its cutoff may lie (13 weeks), under
/// [`VaeConfig::later_seeds_only`].
const CUTOFF_REACH_S: usize = 91 * 86_400;

/// Seed lengths drawn for training examples (the benchmark asks 1 to 25).
const SEED_LENGTHS: [usize; 8] = [1, 1, 2, 3, 5, 5, 10, 25];

/// Cuts `playlist` into a seed (a prefix) and the tracks that followed.
fn cut<'a>(playlist: &'a Playlist, rng: &mut Rng) -> Option<Example<'a>> {
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
        cutoff: None,
    })
}

/// Loss figures of one epoch.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct EpochStats {
    pub epoch: usize,
    pub beta: f64,
    pub train_loss: f32,
    pub train_kl: f32,
    pub valid_loss: f32,
    /// NDCG of the validation cuts (model selection follows it).
    pub valid_ndcg: f32,
    /// Whether the decoder's embedding term was on (training starts
    /// without it where recency is known).
    pub decoder_embeddings: bool,
    pub seconds: f64,
}

/// A trained model, ready to score and generate.
pub struct TrainedVae {
    pub config: VaeConfig,
    pub prepared: Prepared,
    pub history: Vec<EpochStats>,
    /// Validation loss of the untrained model (epoch 0).
    pub initial_valid_loss: f32,
    /// Validation NDCG of the untrained model (epoch 0).
    pub initial_valid_ndcg: f32,
    pub best_epoch: usize,
    model: Vae,
    items: Items,
    device: Device,
}

fn scalar(t: Tensor<1>) -> Result<f32, VaeError> {
    t.into_data()
        .try_into_vec::<f32>()
        .map_err(|e| VaeError::Readback(format!("{e:?}")))?
        .first()
        .copied()
        .ok_or_else(|| VaeError::Readback("empty tensor".into()))
}

/// Trains a VAE on `train` for `catalogue` on `device` (a plain device; the
/// loop adds autodiff). Deterministic for a given seed on one backend.
pub fn fit(
    catalogue: &Catalogue,
    train: &[Playlist],
    config: &VaeConfig,
    device: &Device,
    on_epoch: impl FnMut(&EpochStats),
) -> Result<TrainedVae, VaeError> {
    fit_from(None, catalogue, train, config, device, on_epoch)
}

/// [`fit`], starting from `start` (fine-tuning) instead of fresh weights.
/// The result is never worse than its start on the validation split: the
/// starting weights are the first candidate, and a diverging run is an error.
pub fn fit_from(
    start: Option<&Weights>,
    catalogue: &Catalogue,
    train: &[Playlist],
    config: &VaeConfig,
    device: &Device,
    on_epoch: impl FnMut(&EpochStats),
) -> Result<TrainedVae, VaeError> {
    let never = std::sync::atomic::AtomicBool::new(false);
    fit_cancellable(start, catalogue, train, config, device, &never, on_epoch)
}

/// [`fit_from`], stopping with [`VaeError::Cancelled`] at the next batch
/// once `cancel` is set.
pub fn fit_cancellable(
    start: Option<&Weights>,
    catalogue: &Catalogue,
    train: &[Playlist],
    config: &VaeConfig,
    device: &Device,
    cancel: &std::sync::atomic::AtomicBool,
    mut on_epoch: impl FnMut(&EpochStats),
) -> Result<TrainedVae, VaeError> {
    let prepared = Prepared::new(catalogue, train, config.neighbours, config.buckets);
    let untimed;
    let config = if config.recency && !prepared.timed {
        tracing::info!("no playlist has a timestamp: the recency term is off");
        untimed = config.clone().with_recency(false);
        &untimed
    } else {
        config
    };
    // Time-ordered split: the latest 5% of playlists judge early stopping
    // (a random 5% when there are no timestamps).
    let mut order: Vec<usize> = (0..train.len())
        .filter(|i| train[*i].tracks.len() >= 2)
        .collect();
    if order.len() < 2 {
        return Err(VaeError::NoData);
    }
    if order.iter().all(|i| train[*i].timestamp.is_none()) {
        Rng::new(config.seed).shuffle(&mut order);
    } else {
        order.sort_by_key(|i| train[*i].timestamp.unwrap_or(0));
    }
    // Requests after training see only earlier requests' seeds: validation
    // then sees the whole fit period and only its own cuts' seeds, and each
    // training example a cutoff up to 13 weeks back (as far as a benchmark
    // period reaches past its training data) with seeds only after it.
    let views = config.later_seeds_only && prepared.timed;
    let mut n_valid = order.len() / 20;
    if views {
        // Validation then spans that reach too: what the weights learn must
        // still hold 13 weeks on.
        let end = order.last().and_then(|i| train[*i].timestamp).unwrap_or(0);
        n_valid = order
            .iter()
            .filter(|i| {
                train[**i]
                    .timestamp
                    .is_some_and(|t| t >= end - CUTOFF_REACH_S as i64)
            })
            .count();
    }
    let n_valid = n_valid.clamp(1, order.len() - 1);
    let (fit_set, valid_set) = order.split_at(order.len() - n_valid);
    device.seed(config.seed);
    let ad = device.clone().autodiff();
    let mut model = Vae::new(config, prepared.content_dims, prepared.n_tracks, &ad);
    if let Some(weights) = start {
        model = model
            .load_weights(weights, &ad)
            .map_err(VaeError::Weights)?;
    }
    let cat = CatalogueTensors::new(&prepared, &ad);
    let cat_inner = CatalogueTensors::new(&prepared, device);
    let mut optimizer = AdamConfig::new()
        .with_grad_clipping(Some(GradientClippingConfig::Norm(5.0)))
        .with_weight_decay(Some(WeightDecayConfig::new(config.weight_decay as f32)))
        .init();
    let mut rng = Rng::new(config.seed);
    let mut history = Vec::new();
    let warmup = (config.epochs as f64 * 0.5).max(1.0);

    // Fixed validation cuts, so epochs compare like with like.
    let mut vrng = Rng::new(config.seed ^ 0xABCD);
    let mut valid_examples: Vec<Example<'_>> = Vec::with_capacity(valid_set.len());
    let mut valid_prefixes = vec![u32::MAX; train.len()];
    let valid_cutoff = valid_set.first().and_then(|i| train[*i].timestamp);
    for &i in valid_set {
        if let Some(mut e) = cut(&train[i], &mut vrng) {
            valid_prefixes[i] = e.seed.len() as u32;
            e.cutoff = valid_cutoff.filter(|_| views);
            valid_examples.push(e);
        }
    }
    let valid_prefixes = views.then_some(valid_prefixes);
    let valid_prefixes = valid_prefixes.as_deref();

    // Validation loss with the posterior mean and the full β.
    let validate = |m: &Vae, config: &VaeConfig| -> Result<f32, VaeError> {
        let items = m.items(config, &cat_inner);
        let mut sum = 0.0f32;
        let mut batches = 0usize;
        for chunk in valid_examples.chunks(config.batch) {
            let batch = build_batch(
                &prepared,
                chunk,
                config.targets,
                None,
                valid_prefixes,
                device,
            );
            let f = m.forward(config, &items, &batch, false);
            let (rec, kl) = m.loss(&f, batch.targets.clone());
            let kl_weight = if config.user_latent { config.beta } else { 0.0 };
            sum += scalar(rec + kl * kl_weight)?;
            batches += 1;
        }
        Ok(sum / batches.max(1) as f32)
    };
    // Validation NDCG (the benchmark's measure) of the same cuts: what
    // model selection follows, since a lower loss on the training period's
    // own tracks need not rank later requests better.
    let validate_ndcg = |m: &Vae, config: &VaeConfig| -> Result<f32, VaeError> {
        let items = m.items(config, &cat_inner);
        let mut total = 0.0f64;
        for chunk in valid_examples.chunks(config.batch) {
            let batch = build_batch(&prepared, chunk, 0, None, valid_prefixes, device);
            let logits = m.forward(config, &items, &batch, false).logits;
            let flat = logits
                .into_data()
                .try_into_vec::<f32>()
                .map_err(|e| VaeError::Readback(format!("{e:?}")))?;
            for (scores, e) in flat.chunks(prepared.n_tracks).zip(chunk) {
                let ranked = rank(scores, e.seed);
                total += score_case(&ranked, e.next, |_| 0).ndcg;
            }
        }
        Ok((total / valid_examples.len().max(1) as f64) as f32)
    };
    // Two stages where recency is known: first the decoder's embedding
    // term stays off, so the recency and similarity terms and u's say in
    // them are learned against the strongest simple signal; then the
    // embeddings join, from the best weights so far, and stay only if
    // validation ranks better with them.
    let staged = config.recency && config.decoder_embeddings && prepared.timed;
    let mut stage = if staged {
        config.clone().with_decoder_embeddings(false)
    } else {
        config.clone()
    };
    let mut stage_start = 0;
    let mut lr = config.learning_rate;
    // The untrained model (which starts from recent popularity) is the
    // first candidate: training must beat it to be kept.
    let initial = model.valid();
    let initial_valid_loss = validate(&initial, &stage)?;
    let initial_ndcg = validate_ndcg(&initial, &stage)?;
    tracing::info!(initial_valid_loss, initial_ndcg, "vae before training");
    let mut best = (initial_ndcg, 0, initial, stage.clone());
    let mut best_trainable = model.clone();

    for epoch in 1..=config.epochs {
        let started = Instant::now();
        let beta = if config.user_latent {
            config.beta * (epoch as f64 / warmup).min(1.0)
        } else {
            0.0
        };
        let mut examples: Vec<Example<'_>> = fit_set
            .iter()
            .filter_map(|i| cut(&train[*i], &mut rng))
            .collect();
        // This epoch's seeds of every playlist, for examples with a cutoff.
        let prefixes: Option<Vec<u32>> = views.then(|| {
            (0..train.len())
                .map(|_| SEED_LENGTHS[rng.below(SEED_LENGTHS.len())] as u32)
                .collect()
        });
        if views {
            for e in &mut examples {
                e.cutoff = e.at.map(|t| t - rng.below(CUTOFF_REACH_S) as i64);
            }
        }
        rng.shuffle(&mut examples);
        // Cold-track dropout: this epoch a random share of tracks looks
        // new (no residual, no plays), as new releases do when the model is
        // asked, so content and metadata learn to carry them.
        let cold: Vec<bool> = (0..prepared.n_tracks)
            .map(|_| rng.unit() < config.cold_share as f32)
            .collect();
        let mut cat = cat.clone();
        let warm: Vec<f32> = prepared
            .has_history
            .iter()
            .zip(&cold)
            .map(|(h, c)| if *c { 0.0 } else { *h })
            .collect();
        cat.has_history = float2(warm, prepared.n_tracks, 1, &ad);
        let (mut loss_sum, mut kl_sum, mut batches) = (0.0f32, 0.0f32, 0usize);
        for chunk in examples.chunks(config.batch) {
            if cancel.load(std::sync::atomic::Ordering::Relaxed) {
                return Err(VaeError::Cancelled);
            }
            let batch = build_batch(
                &prepared,
                chunk,
                config.targets,
                Some(&cold),
                prefixes.as_deref(),
                &ad,
            );
            let items = model.items(&stage, &cat);
            let f = model.forward(&stage, &items, &batch, true);
            let (rec, kl) = model.loss(&f, batch.targets.clone());
            let loss = rec.clone() + kl.clone() * beta;
            let value = scalar(rec.clone().detach())?;
            if !value.is_finite() {
                return Err(VaeError::Diverged { epoch, loss: value });
            }
            loss_sum += value;
            kl_sum += scalar(kl.detach())?;
            batches += 1;
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            model = optimizer.step(lr, model, grads);
        }

        let valid_model = model.valid();
        let valid_loss = validate(&valid_model, &stage)?;
        let valid_ndcg = validate_ndcg(&valid_model, &stage)?;
        if !valid_loss.is_finite() {
            return Err(VaeError::Diverged {
                epoch,
                loss: valid_loss,
            });
        }
        let stats = EpochStats {
            epoch,
            beta,
            train_loss: loss_sum / batches.max(1) as f32,
            train_kl: kl_sum / batches.max(1) as f32,
            valid_loss,
            valid_ndcg,
            decoder_embeddings: stage.decoder_embeddings,
            seconds: started.elapsed().as_secs_f64(),
        };
        tracing::info!(?stats, "vae epoch");
        on_epoch(&stats);
        history.push(stats);
        if valid_ndcg > best.0 {
            best = (valid_ndcg, epoch, valid_model, stage.clone());
            best_trainable = model.clone();
        } else if epoch - best.1.max(stage_start) >= config.patience {
            if stage.decoder_embeddings == config.decoder_embeddings {
                break;
            }
            tracing::info!(epoch, "vae: the decoder's embedding term joins");
            stage = config.clone();
            stage_start = epoch;
            lr = config.learning_rate * 0.1;
            model = best_trainable.clone();
        }
    }
    let (_, best_epoch, model, config) = best;
    let items = model.items(&config, &cat_inner);
    Ok(TrainedVae {
        config,
        prepared,
        history,
        initial_valid_loss,
        initial_valid_ndcg: initial_ndcg,
        best_epoch,
        model,
        items,
        device: device.clone(),
    })
}

/// Constraints and knobs of generation.
#[derive(Debug, Clone, Copy)]
pub struct Generation {
    /// No track by an artist among the last `artist_window` tracks.
    pub artist_window: usize,
    /// 0 = always the best-scoring track; above 0, sample with this
    /// temperature.
    pub temperature: f32,
    /// 0 = follow popularity and history as learned; 1 = discount popular
    /// tracks by their all-time play count (discovery).
    pub adventurousness: f32,
    pub seed: u64,
    /// Score the catalogue again after this many picks (1: after every
    /// pick, fully autoregressive; more trades some of that for speed on
    /// large catalogues: between re-scorings, picks follow the last scores
    /// under the same constraints).
    pub rescore_every: usize,
}

impl Default for Generation {
    fn default() -> Self {
        Self {
            artist_window: 3,
            temperature: 0.0,
            adventurousness: 0.0,
            seed: 7,
            rescore_every: 1,
        }
    }
}

impl TrainedVae {
    /// Rebuilds a trained model from checkpoint weights.
    pub fn from_weights(
        config: VaeConfig,
        prepared: Prepared,
        weights: &Weights,
        device: &Device,
    ) -> Result<Self, VaeError> {
        let model = Vae::new(&config, prepared.content_dims, prepared.n_tracks, device)
            .load_weights(weights, device)?;
        let cat = CatalogueTensors::new(&prepared, device);
        let items = model.items(&config, &cat);
        Ok(Self {
            config,
            prepared,
            history: Vec::new(),
            initial_valid_loss: f32::NAN,
            initial_valid_ndcg: f32::NAN,
            best_epoch: 0,
            model,
            items,
            device: device.clone(),
        })
    }

    /// The parameters, for a checkpoint.
    pub fn weights(&self) -> Result<Weights, VaeError> {
        Ok(self.model.to_weights()?)
    }

    /// The validation loss of the selected epoch (the start's when no
    /// epoch ranked better).
    pub fn best_valid_loss(&self) -> f32 {
        self.history
            .iter()
            .find(|e| e.epoch == self.best_epoch)
            .map_or(self.initial_valid_loss, |e| e.valid_loss)
    }

    /// Scores of every track for each query (u = posterior mean).
    pub fn scores_many(&self, queries: &[Query<'_>]) -> Result<Vec<Vec<f32>>, VaeError> {
        let n = self.prepared.n_tracks;
        let mut out = Vec::with_capacity(queries.len());
        for chunk in queries.chunks(64) {
            let examples: Vec<Example<'_>> = chunk
                .iter()
                .map(|q| Example {
                    seed: q.seed,
                    user: q.user,
                    at: q.timestamp,
                    next: &[],
                    cutoff: None,
                })
                .collect();
            let batch = build_batch(&self.prepared, &examples, 0, None, None, &self.device);
            let f = self.model.forward(&self.config, &self.items, &batch, false);
            let flat = f
                .logits
                .into_data()
                .try_into_vec::<f32>()
                .map_err(|e| VaeError::Readback(format!("{e:?}")))?;
            out.extend(flat.chunks(n).map(<[f32]>::to_vec));
        }
        Ok(out)
    }

    /// Continues `query.seed` by `k` tracks, one at a time: each chosen track
    /// joins the seed before the next is scored. Never repeats a seed or
    /// chosen track; respects the artist window whenever any candidate does.
    pub fn generate(
        &self,
        query: &Query<'_>,
        k: usize,
        artists: &[u32],
        options: &Generation,
    ) -> Result<Vec<u32>, VaeError> {
        self.generate_excluding(query, k, artists, options, &[])
    }

    /// [`generate`](Self::generate), never choosing a track in `exclude`
    /// (suggestions the listener removed).
    pub fn generate_excluding(
        &self,
        query: &Query<'_>,
        k: usize,
        artists: &[u32],
        options: &Generation,
        exclude: &[u32],
    ) -> Result<Vec<u32>, VaeError> {
        let n = self.prepared.n_tracks;
        let mut rng = Rng::new(options.seed);
        let mut sequence: Vec<u32> = query.seed.to_vec();
        let mut chosen = Vec::with_capacity(k);
        let popularity: Vec<f32> = self
            .prepared
            .global_at(None, None)
            .chunks(GLOBAL_FEATURES)
            .map(|f| f[2])
            .collect();
        // Tracks that may never be chosen: the seed, the excluded, and each
        // chosen one as it joins.
        let mut banned = vec![false; n];
        for &t in query.seed.iter().chain(exclude) {
            if let Some(b) = banned.get_mut(t as usize) {
                *b = true;
            }
        }
        // The request's history, context and recency features do not
        // change while the sequence grows: built once, only the seed
        // tensors are replaced at each step.
        let first = Example {
            seed: &sequence,
            user: query.user,
            at: query.timestamp,
            next: &[],
            cutoff: None,
        };
        let mut batch = build_batch(&self.prepared, &[first], 0, None, None, &self.device);
        let mut scores: Vec<f32> = Vec::new();
        for step in 0..k {
            if step % options.rescore_every.max(1) == 0 {
                if step > 0 {
                    let len = sequence.len().max(1);
                    batch.seed = int1(&sequence, &self.device);
                    batch.seed_mask = Tensor::from_data(
                        TensorData::new(vec![1.0f32; len], [1, len, 1]),
                        &self.device,
                    );
                    batch.last = int1(&sequence[sequence.len() - 1..], &self.device);
                }
                let f = self.model.forward(&self.config, &self.items, &batch, false);
                scores = f
                    .logits
                    .into_data()
                    .try_into_vec::<f32>()
                    .map_err(|e| VaeError::Readback(format!("{e:?}")))?;
                for (s, p) in scores.iter_mut().zip(&popularity) {
                    *s -= options.adventurousness * p;
                }
            }
            let recent: Vec<u32> = sequence
                .iter()
                .rev()
                .take(options.artist_window)
                .filter_map(|t| artists.get(*t as usize).copied())
                .collect();
            let allowed = |t: usize, window: bool| {
                !banned[t]
                    && scores[t].is_finite()
                    && (!window || artists.get(t).is_none_or(|a| !recent.contains(a)))
            };
            let pick = |window: bool, rng: &mut Rng| -> Option<usize> {
                if options.temperature <= 0.0 {
                    return (0..scores.len())
                        .filter(|t| allowed(*t, window))
                        .max_by(|a, b| scores[*a].total_cmp(&scores[*b]));
                }
                let candidates: Vec<usize> =
                    (0..scores.len()).filter(|t| allowed(*t, window)).collect();
                let max = candidates
                    .iter()
                    .map(|t| scores[*t])
                    .fold(f32::MIN, f32::max);
                let weights: Vec<f32> = candidates
                    .iter()
                    .map(|t| ((scores[*t] - max) / options.temperature).exp())
                    .collect();
                let total: f32 = weights.iter().sum();
                let mut r = rng.unit() * total;
                for (t, w) in candidates.iter().zip(&weights) {
                    r -= w;
                    if r <= 0.0 {
                        return Some(*t);
                    }
                }
                candidates.last().copied()
            };
            let Some(next) = pick(true, &mut rng).or_else(|| pick(false, &mut rng)) else {
                break;
            };
            banned[next] = true;
            sequence.push(next as u32);
            chosen.push(next as u32);
        }
        Ok(chosen)
    }
}

impl Recommender for TrainedVae {
    fn scores(&self, query: &Query<'_>) -> Vec<f32> {
        match self.scores_many(std::slice::from_ref(query)) {
            Ok(mut all) => all.pop().unwrap_or_default(),
            Err(err) => {
                tracing::warn!(%err, "vae scoring failed");
                vec![0.0; self.prepared.n_tracks]
            }
        }
    }
}
