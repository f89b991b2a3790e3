//! Generation on the host: the decoder's score of every track as one fused
//! pass over contiguous per-track rows, once per pick.
//!
//! A pick's scores are, per track t (see [`super::Vae::forward`]):
//!
//! ```text
//! s_t = q·e_t − γ·(‖x_t‖² − 2 c·x_t + ‖c‖²)/F + coef·r_t − a·pop_t
//! ```
//!
//! where q, γ and coef come from the listener vector u and the seed (they
//! change with every pick), e_t is the track's embedding (with its learned
//! residual only where the request has seen it played), x_t its F feature
//! columns, c the seed's feature centre, r_t the request's recency
//! features and pop_t the all-time popularity that adventurousness `a`
//! discounts. Every term is a dot product of something per pick with
//! something per track, so one pick is one matrix–vector product over
//! `[e | x | ‖x‖²]` rows, e the track's cold embedding (fixed for the
//! model, in the row) or, for a track the request has seen played, its
//! full one (read from beside the rows instead), and `[r | pop]` rows
//! (fixed for the request): every track's bytes are read once a pick.
//! The small networks that give u and q run on the host too.
//!
//! Through Burn, each pick built and multiplied catalogue-sized operands
//! (`q·Eᵀ`, `q·E_coldᵀ`, `c·Xᵀ`, the recency product) and, on a GPU, read
//! the scores back; here a pick reads each row once, on every core, close
//! to the machine's memory bandwidth (`bench complete` says how close).
//! The scores equal the batched forward pass's up to float rounding
//! (tested: `host_scores_match_the_forward_pass`).

use super::batch::{context, Example, RequestRows};
use super::features::{Prepared, GLOBAL_FEATURES, RECENCY_FEATURES};
use super::training::VaeError;
use super::weights::{NamedArray, Weights, WeightsError};
use super::{VaeConfig, CONTEXT};

/// The kernel's lanes: rows are padded to a multiple of this many floats.
const LANES: usize = 8;

/// Catalogues at least this large are scored on every core (below, a
/// thread's start costs more than it saves).
const PARALLEL_FROM: usize = 32_768;

/// At most this many threads score one pick (memory bandwidth, not
/// arithmetic, bounds the pass).
const MAX_THREADS: usize = 4;

/// A dense layer on the host: y = x·W + b, W as Burn stores it ([in, out]).
#[derive(Debug, Clone)]
struct Dense {
    weight: Vec<f32>,
    bias: Vec<f32>,
    inputs: usize,
    outputs: usize,
}

impl Dense {
    /// The layer `name` of a checkpoint (`name.weight` [in, out] and, if
    /// it has one, `name.bias` [out]).
    fn from_weights(weights: &Weights, name: &str) -> Result<Self, WeightsError> {
        let weight_name = format!("{name}.weight");
        let weight = weights.get(&weight_name)?;
        let [inputs, outputs] = weight.shape[..] else {
            return Err(WeightsError::Shape {
                name: weight_name,
                found: weight.shape.clone(),
                expected: vec![0, 0],
            });
        };
        let bias = match weights.get(&format!("{name}.bias")) {
            Ok(b) => vector(b, outputs)?,
            Err(_) => vec![0.0; outputs],
        };
        Ok(Self {
            weight: weight.values.clone(),
            bias,
            inputs,
            outputs,
        })
    }

    fn forward(&self, x: &[f32]) -> Vec<f32> {
        let mut y = self.bias.clone();
        for (xi, row) in x
            .iter()
            .zip(self.weight.chunks_exact(self.outputs))
            .take(self.inputs)
        {
            for (yj, wj) in y.iter_mut().zip(row) {
                *yj += xi * wj;
            }
        }
        y
    }
}

/// A parameter's values, checked to hold `len` of them.
fn vector(a: &NamedArray, len: usize) -> Result<Vec<f32>, WeightsError> {
    if a.values.len() != len {
        return Err(WeightsError::Shape {
            name: a.name.clone(),
            found: a.shape.clone(),
            expected: vec![len],
        });
    }
    Ok(a.values.clone())
}

/// The trained decoder, laid out for host-side scoring.
#[derive(Debug, Clone)]
pub struct HostScorer {
    n: usize,
    dim: usize,
    /// Floats per embedding as stored (`dim` padded to [`LANES`]).
    stride: usize,
    latent: usize,
    /// Feature columns in the content term (0: no content term).
    features: usize,
    /// Floats per row of `rows` (a multiple of [`LANES`]).
    width: usize,
    user_latent: bool,
    context: bool,
    embeddings_term: bool,
    recency_term: bool,
    encoder: Dense,
    mu: Dense,
    query: Dense,
    recency: [f32; RECENCY_FEATURES],
    recency_from_u: Dense,
    similarity: f32,
    similarity_from_u: Dense,
    /// Every track's embedding with its learned residual: [N, stride].
    embeddings: Vec<f32>,
    /// Per track: the embedding before it is played (zeros without the
    /// content tower) in `stride` floats, the feature columns, their
    /// squared norm, padding.
    rows: Vec<f32>,
}

impl HostScorer {
    /// Lays out a model: `embeddings` [N, d] with residuals, `cold` [N, d]
    /// without (None: nothing before a track is played).
    pub fn new(
        config: &VaeConfig,
        prepared: &Prepared,
        weights: &Weights,
        embeddings: Vec<f32>,
        cold: Option<Vec<f32>>,
    ) -> Result<Self, VaeError> {
        let n = prepared.n_tracks;
        let dim = config.model.dim;
        if embeddings.len() != n * dim || cold.as_ref().is_some_and(|c| c.len() != n * dim) {
            return Err(VaeError::Readback(format!(
                "track embeddings hold {} values, {n} tracks × {dim} need {}",
                embeddings.len(),
                n * dim
            )));
        }
        let features = if config.model.content {
            prepared.feature_dims
        } else {
            0
        };
        let stride = dim.div_ceil(LANES) * LANES;
        let width = stride + (features + 1).div_ceil(LANES) * LANES;
        let mut rows = vec![0.0f32; n * width];
        for (t, row) in rows.chunks_exact_mut(width).enumerate() {
            if let Some(cold) = &cold {
                row[..dim].copy_from_slice(&cold[t * dim..(t + 1) * dim]);
            }
            let x = &prepared.content[t * prepared.content_dims..][..features];
            row[stride..stride + features].copy_from_slice(x);
            row[stride + features] = x.iter().map(|v| v * v).sum();
        }
        let mut padded = vec![0.0f32; n * stride];
        for (to, from) in padded
            .chunks_exact_mut(stride)
            .zip(embeddings.chunks_exact(dim))
        {
            to[..dim].copy_from_slice(from);
        }
        let mut recency = [0.0; RECENCY_FEATURES];
        recency.copy_from_slice(&vector(weights.get("recency")?, RECENCY_FEATURES)?);
        Ok(Self {
            n,
            dim,
            stride,
            latent: config.model.latent,
            features,
            width,
            user_latent: config.model.user_latent,
            context: config.model.context,
            embeddings_term: config.model.decoder_embeddings,
            recency_term: config.model.recency,
            encoder: Dense::from_weights(weights, "encoder")?,
            mu: Dense::from_weights(weights, "mu")?,
            query: Dense::from_weights(weights, "query")?,
            recency,
            recency_from_u: Dense::from_weights(weights, "recency_from_u")?,
            similarity: vector(weights.get("similarity")?, 1)?[0],
            similarity_from_u: Dense::from_weights(weights, "similarity_from_u")?,
            embeddings: padded,
            rows,
        })
    }

    /// Bytes one pick reads: the model's rows and the request's.
    pub fn bytes_per_pick(&self) -> usize {
        self.n * (self.width + LANES) * std::mem::size_of::<f32>()
    }

    fn embedding(&self, t: u32) -> &[f32] {
        let t = (t as usize).min(self.n.saturating_sub(1));
        &self.embeddings[t * self.stride..][..self.dim]
    }

    /// A request to continue `seed` (what it knows of the listener and the
    /// time is fixed; the seed grows with [`HostRequest::push`]).
    /// `popularity` is per track what `adventurousness` discounts.
    pub fn request(
        &self,
        prepared: &Prepared,
        example: &Example<'_>,
        popularity: &[f32],
        adventurousness: f32,
    ) -> HostRequest<'_> {
        let n = self.n;
        let mut rows = RequestRows::with_capacity(1, n);
        rows.push(prepared, example, None, None, None);
        let mut recency = vec![0.0f32; n * LANES];
        for (t, r) in recency.chunks_exact_mut(LANES).enumerate() {
            if self.recency_term {
                r[..RECENCY_FEATURES]
                    .copy_from_slice(&rows.recency[t * RECENCY_FEATURES..][..RECENCY_FEATURES]);
            }
            r[LANES - 1] = popularity.get(t).copied().unwrap_or(0.0);
        }
        let mut history = vec![0.0f32; self.dim];
        for (t, w) in rows.history.iter().enumerate() {
            if *w != 0.0 {
                for (h, e) in history.iter_mut().zip(self.embedding(t as u32)) {
                    *h += w * e;
                }
            }
        }
        let warm = rows.warm.iter().map(|w| *w > 0.0).collect();
        let ctx = if self.context {
            context(example.at)
        } else {
            [0.0; CONTEXT]
        };
        let mut request = HostRequest {
            scorer: self,
            recency,
            adventurousness,
            warm,
            history,
            context: ctx,
            seed_sum: vec![0.0; self.dim],
            feature_sum: vec![0.0; self.features],
            count: 0,
            last: 0,
        };
        for &t in example.seed {
            request.push(t);
        }
        request
    }
}

/// One request being generated: its fixed parts and the seed so far.
pub struct HostRequest<'a> {
    scorer: &'a HostScorer,
    /// Per track: the recency features and the popularity, [N, LANES].
    recency: Vec<f32>,
    adventurousness: f32,
    /// Per track: whether its learned residual speaks for this request
    /// (then its embedding is the full one, not the row's cold one).
    warm: Vec<bool>,
    /// The history-weighted mean embedding.
    history: Vec<f32>,
    context: [f32; CONTEXT],
    seed_sum: Vec<f32>,
    feature_sum: Vec<f32>,
    count: usize,
    /// The last seed track (track 0 for an empty seed, as in the batch).
    last: u32,
}

impl HostRequest<'_> {
    /// Adds a track to the seed.
    pub fn push(&mut self, t: u32) {
        let s = self.scorer;
        if t as usize >= s.n {
            return;
        }
        for (a, e) in self.seed_sum.iter_mut().zip(s.embedding(t)) {
            *a += e;
        }
        let row = &s.rows[t as usize * s.width..][..s.width];
        for (a, x) in self.feature_sum.iter_mut().zip(&row[s.stride..]) {
            *a += x;
        }
        self.count += 1;
        self.last = t;
    }

    /// Scores every track for the seed so far, into `out` (length N).
    pub fn scores(&self, out: &mut Vec<f32>) {
        let s = self.scorer;
        let (d, stride) = (s.dim, s.stride);
        let count = self.count.max(1) as f32;
        let seed_mean: Vec<f32> = self.seed_sum.iter().map(|v| v / count).collect();
        let last = s.embedding(self.last);
        let u = if s.user_latent {
            let input: Vec<f32> = [&seed_mean[..], last, &self.history, &self.context].concat();
            let h: Vec<f32> = s.encoder.forward(&input).iter().map(|v| v.tanh()).collect();
            s.mu.forward(&h)
        } else {
            vec![0.0; s.latent]
        };
        // The per-pick weights over a model row and over a request row.
        let mut w = vec![0.0f32; s.width];
        let mut constant = 0.0f32;
        let q: Vec<f32> = if s.embeddings_term {
            let input: Vec<f32> = [&u[..], &seed_mean, last].concat();
            s.query.forward(&input).iter().map(|v| v.tanh()).collect()
        } else {
            vec![0.0; d]
        };
        w[..d].copy_from_slice(&q);
        if s.features > 0 {
            let f = s.features as f32;
            let gamma = s.similarity + s.similarity_from_u.forward(&u)[0];
            let centre: Vec<f32> = self.feature_sum.iter().map(|v| v / count).collect();
            let c_sq: f32 = centre.iter().map(|v| v * v).sum();
            for (wi, c) in w[stride..stride + s.features].iter_mut().zip(&centre) {
                *wi = 2.0 * gamma * c / f;
            }
            w[stride + s.features] = -gamma / f;
            constant = -gamma * c_sq / f;
        }
        let mut wr = [0.0f32; LANES];
        if s.recency_term {
            let from_u = s.recency_from_u.forward(&u);
            for (i, r) in wr.iter_mut().take(RECENCY_FEATURES).enumerate() {
                *r = s.recency[i] + from_u[i];
            }
        }
        wr[LANES - 1] = -self.adventurousness;

        out.clear();
        out.resize(s.n, 0.0);
        let threads = threads_for(s.n);
        let per = s.n.div_ceil(threads).max(1);
        // A warm track's embedding term reads its full embedding instead
        // of the row's cold one: each track's bytes are read once either way.
        let (w_embedding, w_content) = w.split_at(stride);
        let warm_term = s.embeddings_term;
        let pass = |from: usize, out: &mut [f32]| {
            let len = out.len();
            let rows = &s.rows[from * s.width..][..len * s.width];
            let rec = &self.recency[from * LANES..][..len * LANES];
            let full = &s.embeddings[from * stride..][..len * stride];
            let warm = &self.warm[from..][..len];
            for ((((o, row), r), e), hot) in out
                .iter_mut()
                .zip(rows.chunks_exact(s.width))
                .zip(rec.chunks_exact(LANES))
                .zip(full.chunks_exact(stride))
                .zip(warm)
            {
                let (cold, content) = row.split_at(stride);
                let embedding = if *hot && warm_term { e } else { cold };
                // One accumulator for the three products, summed once.
                let mut acc = [0.0f32; LANES];
                accumulate(&mut acc, embedding, w_embedding);
                accumulate(&mut acc, content, w_content);
                accumulate(&mut acc, r, &wr);
                *o = acc.iter().sum::<f32>() + constant;
            }
        };
        if threads == 1 {
            pass(0, out);
        } else {
            std::thread::scope(|scope| {
                let mut chunks = out.chunks_mut(per).enumerate();
                let first = chunks.next();
                for (i, chunk) in chunks {
                    let pass = &pass;
                    scope.spawn(move || pass(i * per, chunk));
                }
                if let Some((_, chunk)) = first {
                    pass(0, chunk);
                }
            });
        }
    }
}

/// Threads that score one pick of a catalogue of `tracks`.
pub fn threads_for(tracks: usize) -> usize {
    if tracks >= PARALLEL_FROM {
        std::thread::available_parallelism()
            .map_or(1, usize::from)
            .clamp(1, MAX_THREADS)
    } else {
        1
    }
}

/// Adds the products of `a` and `b` over whole [`LANES`]-wide blocks (both
/// lengths are multiples of it) to `acc`, lane by lane: independent
/// accumulators the compiler vectorises.
#[inline(always)]
fn accumulate(acc: &mut [f32; LANES], a: &[f32], b: &[f32]) {
    for (x, y) in a.chunks_exact(LANES).zip(b.chunks_exact(LANES)) {
        for i in 0..LANES {
            acc[i] += x[i] * y[i];
        }
    }
}

/// Sums `buffer` on `threads` threads, in the pass's blocks: the least
/// time a pass over that much memory can take (`bench complete`'s floor).
pub fn read_all(buffer: &[f32], threads: usize) -> f32 {
    let per = buffer.len().div_ceil(threads.max(1)).max(LANES);
    let sum = |part: &[f32]| -> f32 {
        let mut acc = [0.0f32; LANES];
        for block in part.chunks_exact(LANES) {
            for (a, x) in acc.iter_mut().zip(block) {
                *a += x;
            }
        }
        acc.iter().sum()
    };
    std::thread::scope(|scope| {
        let handles: Vec<_> = buffer
            .chunks(per)
            .map(|part| scope.spawn(move || sum(part)))
            .collect();
        handles.into_iter().filter_map(|h| h.join().ok()).sum()
    })
}

/// Per track, what adventurousness discounts: the all-time popularity
/// (log of all plays), right after training.
pub fn popularity(prepared: &Prepared) -> Vec<f32> {
    prepared
        .global_at(None, None)
        .chunks(GLOBAL_FEATURES)
        .map(|f| f[2])
        .collect()
}
