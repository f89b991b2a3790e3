//! The conditional β-VAE that continues playlists (see `MODEL.md`).
//!
//! * **Tracks** are what they are: a content tower over the numeric features
//!   and log duration, hashed artist and album embeddings, and a learned
//!   residual for tracks with history; then one hop of normalised
//!   propagation over the co-listening graph.
//! * **Inference network** q(u | seed, history, context): the seed's mean and
//!   last track embeddings, the listener's time-decayed history (an
//!   engagement-weighted mean of track embeddings) and the time of the
//!   request (hour and weekday as sin/cos) give the mean and log-variance of
//!   the listener vector u; reparameterised during training.
//! * **Decoder** scores the whole catalogue: a query vector from (u, seed)
//!   dotted with every track embedding, plus a per-track bias, plus a
//!   recency term: the track's time-decayed global and personal popularity
//!   *as of the request*, weighted by coefficients that u modulates (how much
//!   this listener follows what is on rotation now). Generation is
//!   autoregressive: each chosen track joins the seed before the next step.
//! * **Objective**: multinomial log-likelihood of the next tracks (up to
//!   `targets` of them, weighted toward the nearest and by how much of each
//!   the listener heard, kept suggestions most) + β·KL(q ‖ N(0, I)), β
//!   annealed from 0; plus, where the listener turned tracks down in the
//!   example's context (early skips, removed suggestions), the
//!   [`NegativeLoss`] term.

pub mod batch;
pub mod config;
pub mod features;
pub mod inference;
pub mod rng;
pub mod scorer;
pub mod training;
pub mod weights;

use burn::module::{Initializer, Module, Param};
use burn::nn::{Linear, LinearConfig};
use burn::tensor::activation::{log_softmax, softplus};
use burn::tensor::{Device, Distribution, Int, Tensor, TensorData};

pub use config::{ModelConfig, NegativeLoss, TrainingConfig, VaeConfig};
pub use features::Prepared;
use features::{GLOBAL_FEATURES, RECENCY_FEATURES, USER_FEATURES};
pub use inference::{Generation, TrainedVae};
pub use training::{fit, fit_cancellable, fit_from, EpochStats, VaeError};

/// Initial recency coefficients: global 7-day, 60-day, all-time, new in
/// rotation, just played; user 7-day, 60-day.
const RECENCY_INIT: [f32; RECENCY_FEATURES] = [4.0, 0.0, 0.0, 0.0, 0.0, 1.5, 0.0];

/// Initial weight of the content-similarity term (per squared z-unit).
const SIMILARITY_INIT: f32 = 1.0;

/// Width of the context input: hour and weekday as sin/cos.
pub const CONTEXT: usize = 4;

/// The network. Built by [`Vae::new`]; trained by [`training::fit`].
#[derive(Module, Debug)]
pub struct Vae {
    content: Linear,
    artist: Param<Tensor<2>>,
    album: Param<Tensor<2>>,
    residual: Param<Tensor<2>>,
    encoder: Linear,
    mu: Linear,
    logvar: Linear,
    query: Linear,
    recency: Param<Tensor<1>>,
    recency_from_u: Linear,
    similarity: Param<Tensor<1>>,
    similarity_from_u: Linear,
}

/// Every track's embedding and standardised content, on the device.
#[derive(Debug, Clone)]
pub struct Items {
    /// [N, d]
    pub embeddings: Tensor<2>,
    /// The same, transposed: [d, N] (made once, not at every scoring).
    pub embeddings_t: Tensor<2>,
    /// The embeddings without the learned residuals, transposed [d, N]:
    /// what a track is before it has been played (None without the
    /// content tower, where that is nothing).
    pub cold_t: Option<Tensor<2>>,
    /// The audio-feature columns [N, F], if the catalogue has any.
    pub features: Option<Tensor<2>>,
    /// Per track: the features transposed [F, N] and their squared norms
    /// [1, N], for the content term's expanded distance.
    pub features_t: Option<(Tensor<2>, Tensor<2>)>,
}

/// Tensors that describe the catalogue, or the part of it a sampled batch
/// scores, on the model's device.
#[derive(Debug, Clone)]
pub struct CatalogueTensors {
    /// Per row: content [n, C], hashed artist and album, whether the track
    /// has a learned residual [n, 1].
    content: Tensor<2>,
    artist: Tensor<1, Int>,
    album: Tensor<1, Int>,
    pub has_history: Tensor<2>,
    /// The audio features of the own rows [own, F], if there are any.
    features: Option<Tensor<2>>,
    /// Which track each row is (None: row i is track i, all of them).
    rows: Option<Tensor<1, Int>>,
    /// The own rows' graph neighbours, as row indices [own·k], and their
    /// weights [own, k, 1].
    neighbour_idx: Tensor<1, Int>,
    neighbour_w: Tensor<3>,
    /// Rows in all, and how many of the first are the tracks the items are
    /// for (the rest are their neighbours, needed for propagation).
    n: usize,
    own: usize,
    k: usize,
}

impl CatalogueTensors {
    pub fn new(p: &Prepared, device: &Device) -> Self {
        let n = p.n_tracks;
        let k = p.neighbours;
        Self {
            content: float2(p.content.clone(), n, p.content_dims, device),
            features: (p.feature_dims > 0).then(|| {
                float2(p.content.clone(), n, p.content_dims, device)
                    .slice([0..n, 0..p.feature_dims])
            }),
            artist: int1(&p.artist_bucket, device),
            album: int1(&p.album_bucket, device),
            has_history: float2(p.has_history.clone(), n, 1, device),
            rows: None,
            neighbour_idx: int1(&p.neighbour_idx, device),
            neighbour_w: Tensor::from_data(
                TensorData::new(p.neighbour_w.clone(), [n, k, 1]),
                device,
            ),
            n,
            own: n,
            k,
        }
    }

    /// The tracks `ids` only (their items come in that order), with
    /// `has_history` (per track of the catalogue) saying which have a
    /// residual; with `graph`, their neighbours come along as extra rows.
    pub fn subset(
        p: &Prepared,
        ids: &[u32],
        has_history: &[f32],
        graph: bool,
        device: &Device,
    ) -> Self {
        let k = p.neighbours;
        let own = ids.len();
        let mut rows: Vec<u32> = ids.to_vec();
        let mut position = vec![u32::MAX; p.n_tracks];
        for (j, t) in ids.iter().enumerate() {
            position[*t as usize] = j as u32;
        }
        let mut neighbour_idx = Vec::with_capacity(if graph { own * k } else { 0 });
        let mut neighbour_w = Vec::with_capacity(neighbour_idx.capacity());
        if graph {
            for t in ids {
                let at = *t as usize * k;
                for (nb, w) in p.neighbour_idx[at..at + k]
                    .iter()
                    .zip(&p.neighbour_w[at..at + k])
                {
                    let pos = &mut position[*nb as usize];
                    if *pos == u32::MAX {
                        *pos = rows.len() as u32;
                        rows.push(*nb);
                    }
                    neighbour_idx.push(*pos);
                    neighbour_w.push(*w);
                }
            }
        }
        let n = rows.len();
        let c = p.content_dims;
        let content: Vec<f32> = rows
            .iter()
            .flat_map(|t| &p.content[*t as usize * c..(*t as usize + 1) * c])
            .copied()
            .collect();
        let gather = |v: &[u32]| -> Vec<u32> { rows.iter().map(|t| v[*t as usize]).collect() };
        Self {
            features: (p.feature_dims > 0).then(|| {
                float2(content[..own * c].to_vec(), own, c, device)
                    .slice([0..own, 0..p.feature_dims])
            }),
            content: float2(content, n, c, device),
            artist: int1(&gather(&p.artist_bucket), device),
            album: int1(&gather(&p.album_bucket), device),
            has_history: float2(
                rows.iter().map(|t| has_history[*t as usize]).collect(),
                n,
                1,
                device,
            ),
            rows: Some(int1(&rows, device)),
            neighbour_idx: int1(&neighbour_idx, device),
            neighbour_w: Tensor::from_data(
                TensorData::new(neighbour_w, [if graph { own } else { 0 }, k, 1]),
                device,
            ),
            n,
            own,
            k,
        }
    }
}

/// One batch of requests (training examples or queries), on the device.
#[derive(Debug, Clone)]
pub struct Batch {
    /// Seed track ids, padded: [B, S] flattened.
    pub seed: Tensor<1, Int>,
    /// 1 for real seed entries: [B, S, 1].
    pub seed_mask: Tensor<3>,
    /// The last seed track: [B].
    pub last: Tensor<1, Int>,
    /// History weights over tracks: [B, N].
    pub history: Tensor<2>,
    /// Context: [B, 4].
    pub context: Tensor<2>,
    /// Recency features: [B, N, RECENCY_FEATURES].
    pub recency: Tensor<3>,
    /// 1 where the request has seen the track played (and the track has a
    /// learned residual): [B, N].
    pub warm: Tensor<2>,
    /// Target weights over tracks: [B, N]; a row sums to 1 without
    /// engagement data (less where tracks were heard in part, more for kept
    /// suggestions); zeros at query time.
    pub targets: Tensor<2>,
    /// Weights of the tracks turned down in each example's context:
    /// [B, N]; `None` when no example of the batch has any.
    pub negatives: Option<Tensor<2>>,
    /// Under a sampled softmax (the columns are a sample of the
    /// catalogue), what each column's logit gets added in the softmax:
    /// [1, N] ([`batch::Sample`]).
    pub correction: Option<Tensor<2>>,
    pub size: usize,
}

pub(crate) fn float2(v: Vec<f32>, rows: usize, cols: usize, device: &Device) -> Tensor<2> {
    Tensor::from_data(TensorData::new(v, [rows, cols]), device)
}

pub(crate) fn int1(v: &[u32], device: &Device) -> Tensor<1, Int> {
    let data: Vec<i64> = v.iter().map(|x| i64::from(*x)).collect();
    let len = data.len();
    Tensor::from_data(TensorData::new(data, [len]), device)
}

/// What one forward pass gives.
pub struct Forward {
    /// Scores over the catalogue: [B, N].
    pub logits: Tensor<2>,
    pub mu: Tensor<2>,
    pub logvar: Tensor<2>,
}

impl Vae {
    pub fn new(config: &VaeConfig, content_dims: usize, n_tracks: usize, device: &Device) -> Self {
        let d = config.model.dim;
        let small = |rows: usize, cols: usize| {
            Param::from_tensor(Tensor::random(
                [rows, cols],
                Distribution::Normal(0.0, 0.05),
                device,
            ))
        };
        let encoder_in = 3 * d + CONTEXT;
        Self {
            content: LinearConfig::new(content_dims, d).init(device),
            artist: small(config.model.buckets, d),
            album: small(config.model.buckets, d),
            residual: small(n_tracks, d),
            encoder: LinearConfig::new(encoder_in, config.model.hidden).init(device),
            mu: LinearConfig::new(config.model.hidden, config.model.latent).init(device),
            logvar: LinearConfig::new(config.model.hidden, config.model.latent).init(device),
            // Zero: the untrained decoder adds nothing to the baselines' mix
            // (random dot products would only be noise); gradients still
            // reach it through the track embeddings.
            query: LinearConfig::new(config.model.latent + 2 * d, d)
                .with_initializer(Initializer::Zeros)
                .init(device),
            // Start from "what is on rotation now" (log of 7-day-decayed
            // plays, globally and for this listener): the model begins as the
            // strongest simple baseline and learns where to depart from it.
            recency: Param::from_tensor(Tensor::from_data(
                TensorData::new(RECENCY_INIT.to_vec(), [RECENCY_FEATURES]),
                device,
            )),
            // u's influence starts at zero, so the untrained decoder is
            // exactly the baselines' mix and u learns to move it.
            recency_from_u: LinearConfig::new(config.model.latent, RECENCY_FEATURES)
                .with_bias(false)
                .with_initializer(Initializer::Zeros)
                .init(device),
            // Start as content kNN too: closer to the seed's mean in
            // standardised feature space scores higher.
            similarity: Param::from_tensor(Tensor::from_data(
                TensorData::new(vec![SIMILARITY_INIT], [1]),
                device,
            )),
            similarity_from_u: LinearConfig::new(config.model.latent, 1)
                .with_bias(false)
                .with_initializer(Initializer::Zeros)
                .init(device),
        }
    }

    /// Embeddings and content of every track.
    pub fn items(&self, config: &VaeConfig, cat: &CatalogueTensors) -> Items {
        let embeddings = self.track_embeddings(config, cat, true);
        let cold_t = (config.model.content && config.model.decoder_embeddings)
            .then(|| self.track_embeddings(config, cat, false).transpose());
        let features_t = cat.features.clone().map(|x| {
            let n = x.dims()[0];
            let sq = x.clone().powf_scalar(2.0).sum_dim(1).reshape([1, n]);
            (x.transpose(), sq)
        });
        Items {
            embeddings_t: embeddings.clone().transpose(),
            cold_t,
            embeddings,
            features: cat.features.clone(),
            features_t,
        }
    }

    /// Embeddings of every track of `cat` (its own rows): [N, d]; with
    /// `residuals` false, without the learned per-track residuals (the
    /// content part only).
    pub fn track_embeddings(
        &self,
        config: &VaeConfig,
        cat: &CatalogueTensors,
        residuals: bool,
    ) -> Tensor<2> {
        let mut e = if residuals {
            let residual = match &cat.rows {
                Some(rows) => self.residual.val().select(0, rows.clone()),
                None => self.residual.val(),
            };
            residual * cat.has_history.clone()
        } else {
            Tensor::zeros([cat.n, config.model.dim], &cat.has_history.device())
        };
        if config.model.content {
            e = e
                + self.content.forward(cat.content.clone())
                + self.artist.val().select(0, cat.artist.clone())
                + self.album.val().select(0, cat.album.clone());
        }
        let (d, own) = (config.model.dim, cat.own);
        if config.model.graph {
            let neighbours = e
                .clone()
                .select(0, cat.neighbour_idx.clone())
                .reshape([own, cat.k, d])
                * cat.neighbour_w.clone();
            let e_own = if own < cat.n {
                e.slice([0..own, 0..d])
            } else {
                e
            };
            e = e_own * 0.5 + neighbours.sum_dim(1).reshape([own, d]) * 0.5;
        } else if own < cat.n {
            e = e.slice([0..own, 0..d]);
        }
        e
    }

    /// Scores every track for every request of `batch`. `sample` draws u
    /// from q (training); otherwise u is q's mean.
    pub fn forward(&self, config: &VaeConfig, all: &Items, batch: &Batch, sample: bool) -> Forward {
        let items = all.embeddings.clone();
        let b = batch.size;
        let d = config.model.dim;
        let device = items.device();
        let s = batch.seed_mask.dims()[1];
        let seed = items
            .clone()
            .select(0, batch.seed.clone())
            .reshape([b, s, d])
            * batch.seed_mask.clone();
        let count = batch
            .seed_mask
            .clone()
            .sum_dim(1)
            .reshape([b, 1])
            .clamp_min(1.0);
        let seed_mean = seed.sum_dim(1).reshape([b, d]) / count.clone();
        let last = items.clone().select(0, batch.last.clone());

        let (mu, logvar, u) = if config.model.user_latent {
            let history = batch.history.clone().matmul(items.clone());
            let context = if config.model.context {
                batch.context.clone()
            } else {
                batch.context.clone().zeros_like()
            };
            let h = self
                .encoder
                .forward(Tensor::cat(
                    vec![seed_mean.clone(), last.clone(), history, context],
                    1,
                ))
                .tanh();
            let mu = self.mu.forward(h.clone());
            let logvar = self.logvar.forward(h).clamp(-8.0, 8.0);
            let u = if sample {
                let eps = Tensor::random(
                    [b, config.model.latent],
                    Distribution::Normal(0.0, 1.0),
                    &device,
                );
                mu.clone() + (logvar.clone() * 0.5).exp() * eps
            } else {
                mu.clone()
            };
            (mu, logvar, u)
        } else {
            let zero = Tensor::zeros([b, config.model.latent], &device);
            (zero.clone(), zero.clone(), zero)
        };

        let n = items.dims()[0];
        // No free per-track bias: popularity enters only through the
        // time-aware recency term, so the model cannot memorise how popular
        // a track *was* during training.
        // A track's learned residual speaks only for tracks this request
        // has seen played: otherwise training would learn which tracks the
        // training period goes on to play (every target has a residual)
        // and favour them before their first play.
        let mut logits = if !config.model.decoder_embeddings {
            Tensor::zeros([b, n], &device)
        } else {
            let q = self
                .query
                .forward(Tensor::cat(vec![u.clone(), seed_mean, last], 1))
                .tanh();
            let full = q.clone().matmul(all.embeddings_t.clone());
            match &all.cold_t {
                Some(cold_t) => {
                    let cold = q.matmul(cold_t.clone());
                    cold.clone() + (full - cold) * batch.warm.clone()
                }
                None => full * batch.warm.clone(),
            }
        };
        if let (true, Some(x), Some((x_t, x_sq))) = (
            config.model.content,
            all.features.clone(),
            all.features_t.clone(),
        ) {
            // Content kNN as a term: −γ(u)·‖x_t − x̄_seed‖² over the audio
            // features, expanded so no [B, N, F] tensor is built.
            let c = x.dims()[1];
            let seed_x = x.clone().select(0, batch.seed.clone()).reshape([b, s, c])
                * batch.seed_mask.clone();
            let centre = seed_x.sum_dim(1).reshape([b, c]) / count.clone();
            let c_sq = centre.clone().powf_scalar(2.0).sum_dim(1);
            // Mean squared distance per dimension, so γ means the same for
            // any number of feature columns.
            let dist = (x_sq - centre.matmul(x_t) * 2.0 + c_sq) / c as f64;
            let gamma =
                self.similarity.val().reshape([1, 1]) + self.similarity_from_u.forward(u.clone());
            logits = logits - dist * gamma;
        }
        if config.model.recency {
            let coef =
                self.recency.val().reshape([1, RECENCY_FEATURES]) + self.recency_from_u.forward(u);
            let bias = (batch.recency.clone() * coef.reshape([b, 1, RECENCY_FEATURES]))
                .sum_dim(2)
                .reshape([b, n]);
            logits = logits + bias;
        }
        Forward { logits, mu, logvar }
    }

    /// The loss terms of a batch, each a batch mean: the negative ELBO
    /// (reconstruction, KL) and, when the batch has turned-down tracks and
    /// `negatives` is not off, their term.
    pub fn loss(&self, f: &Forward, batch: &Batch, negatives: &NegativeLoss) -> Loss {
        let targets = batch.targets.clone();
        let log_p = match &batch.correction {
            Some(c) => log_softmax(f.logits.clone() + c.clone(), 1),
            None => log_softmax(f.logits.clone(), 1),
        };
        let rec = (log_p.clone() * targets.clone()).sum_dim(1).mean().neg();
        let kl =
            ((f.logvar.clone() + 1.0) - f.mu.clone().powf_scalar(2.0) - f.logvar.clone().exp())
                .sum_dim(1)
                .mean()
                * (-0.5);
        let negative = batch.negatives.clone().and_then(|w| {
            let per_track = match negatives {
                NegativeLoss::Off => return None,
                NegativeLoss::Unlikelihood(scale) => {
                    // −log(1 − p), with p kept below 1 so the log stays finite.
                    (
                        log_p.exp().clamp_max(1.0 - 1e-6).neg().log1p().neg(),
                        *scale,
                    )
                }
                NegativeLoss::Pairwise(scale) => {
                    let weight = targets.clone().sum_dim(1).clamp_min(1e-6);
                    let positive = (f.logits.clone() * targets).sum_dim(1) / weight;
                    (softplus(f.logits.clone() - positive, 1.0), *scale)
                }
            };
            let (term, scale) = per_track;
            let total = w.clone().sum_dim(1).clamp_min(1e-6);
            Some(((term * w).sum_dim(1) / total).mean() * scale)
        });
        Loss { rec, kl, negative }
    }
}

/// The loss terms of one batch (see [`Vae::loss`]).
pub struct Loss {
    pub rec: Tensor<1>,
    pub kl: Tensor<1>,
    pub negative: Option<Tensor<1>>,
}

impl Loss {
    /// rec + β·KL (+ the negative term).
    pub fn total(&self, beta: f64) -> Tensor<1> {
        let elbo = self.rec.clone() + self.kl.clone() * beta;
        match &self.negative {
            Some(n) => elbo + n.clone(),
            None => elbo,
        }
    }
}

/// Recency feature width per track, as the batch builder lays it out.
pub const fn recency_width() -> usize {
    GLOBAL_FEATURES + USER_FEATURES
}
