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
//! A greedy pick ([`HostRequest::best`]) reads those rows in bfloat16
//! instead (half the bytes), bounds how far each approximate score can
//! lie from its exact one, and scores exactly only the few tracks within
//! that bound of the best: it names the very track the exact scores do.
//!
//! Through Burn, each pick built and multiplied catalogue-sized operands
//! (`q·Eᵀ`, `q·E_coldᵀ`, `c·Xᵀ`, the recency product) and, on a GPU, read
//! the scores back; here a pick reads each row once, on every core, close
//! to the machine's memory bandwidth (`bench complete` says how close).
//! The scores equal the batched forward pass's up to float rounding
//! (tested: `host_scores_match_the_forward_pass`).

use multiversion::multiversion;

use super::batch::{self, context, Example};
use super::features::{Prepared, GLOBAL_FEATURES, RECENCY_FEATURES, USER_FEATURES};
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
    /// `rows` in bfloat16, for the approximate pass of [`HostRequest::best`],
    /// with the full embedding in place of the cold one for the tracks
    /// of `half_hot`.
    half: Vec<u16>,
    /// Per track: whether its half row holds its full embedding (it was
    /// played in training, so a request after training has heard it).
    half_hot: Vec<bool>,
    /// The largest rounding error and norm of any half row's parts.
    half_bounds: HalfBounds,
}

/// Over every track, the largest rounding error `‖x − bf16(x)‖` of a row's
/// embedding part and of its content part, and the largest norms of both:
/// what [`HostRequest::best`] needs to bound how far an approximate score
/// can lie from the exact one.
#[derive(Debug, Clone, Copy, Default)]
struct HalfBounds {
    embedding_error: f32,
    embedding_norm: f32,
    content_error: f32,
    content_norm: f32,
}

impl HalfBounds {
    /// Widens the bounds by one row (`split` floats of embedding first).
    fn include(&mut self, row: &[f32], split: usize) {
        let (embedding, content) = row.split_at(split);
        self.embedding_error = self.embedding_error.max(rounding_error(embedding));
        self.embedding_norm = self.embedding_norm.max(norm(embedding));
        self.content_error = self.content_error.max(rounding_error(content));
        self.content_norm = self.content_norm.max(norm(content));
    }
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
        // The half rows hold what a request after training reads: the full
        // embedding of every track played in training.
        let half_hot: Vec<bool> = prepared
            .has_history
            .iter()
            .map(|h| config.model.decoder_embeddings && *h > 0.0)
            .collect();
        let mut half_bounds = HalfBounds::default();
        let mut half = Vec::with_capacity(n * width);
        let mut row = vec![0.0f32; width];
        for ((from, e), hot) in rows
            .chunks_exact(width)
            .zip(padded.chunks_exact(stride))
            .zip(&half_hot)
        {
            row.copy_from_slice(from);
            if *hot {
                row[..stride].copy_from_slice(e);
            }
            half_bounds.include(&row, stride);
            half.extend(row.iter().map(|v| to_bf16(*v)));
        }
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
            half,
            half_hot,
            half_bounds,
        })
    }

    /// Bytes one pick's pass reads ([`HostRequest::best`]): per track its
    /// half row and its half recency row.
    pub fn bytes_per_pick(&self) -> usize {
        self.n * (self.width + LANES) * std::mem::size_of::<u16>()
    }

    /// Whether a track's embedding term reads its full embedding, for a
    /// request whose residual of it is `warm`.
    #[inline(always)]
    fn reads_full(&self, warm: bool) -> bool {
        self.embeddings_term && warm
    }

    fn embedding(&self, t: u32) -> &[f32] {
        let t = (t as usize).min(self.n.saturating_sub(1));
        &self.embeddings[t * self.stride..][..self.dim]
    }

    /// A request to continue `seed` (what it knows of the listener and the
    /// time is fixed; the seed grows with [`HostRequest::push`]).
    /// `adventurousness` discounts each track's [`Prepared::popularity`].
    pub fn request(
        &self,
        prepared: &Prepared,
        example: &Example<'_>,
        adventurousness: f32,
    ) -> HostRequest<'_> {
        let n = self.n;
        // What the training batch's rows hold for the request (see
        // `RequestRows::push`), laid out for the passes in one go.
        let (user, hist) = prepared.user_at(example.user, example.at, None);
        let global = prepared.global_at(example.at, None);
        let popularity = prepared.popularity();
        let mut recency = vec![0.0f32; n * LANES];
        let mut recency_half = vec![0u16; n * LANES];
        let mut warm = vec![false; n];
        let per = n.div_ceil(threads_for(n)).max(1);
        let parts = recency
            .chunks_mut(per * LANES)
            .zip(recency_half.chunks_mut(per * LANES))
            .zip(warm.chunks_mut(per))
            .enumerate()
            .map(|(i, part)| (i * per, part))
            .collect();
        // Per part: its rows' largest squared recency norm, and the tracks whose
        // half row holds another embedding than the request reads.
        let parts = parallel_map(parts, |from, ((recency, half), heard)| {
            let mut largest = 0.0f32;
            let mut exceptions = Vec::new();
            let rows = recency
                .chunks_exact_mut(LANES)
                .zip(half.chunks_exact_mut(LANES));
            for ((t, (r, h)), w) in (from..).zip(rows).zip(heard.iter_mut()) {
                let g = &global[t * GLOBAL_FEATURES..][..GLOBAL_FEATURES];
                if self.recency_term {
                    r[..GLOBAL_FEATURES].copy_from_slice(g);
                    r[GLOBAL_FEATURES..RECENCY_FEATURES]
                        .copy_from_slice(&user[t * USER_FEATURES..][..USER_FEATURES]);
                }
                r[LANES - 1] = popularity.get(t).copied().unwrap_or(0.0);
                for (h, v) in h.iter_mut().zip(r.iter()) {
                    *h = to_bf16(*v);
                }
                largest = largest.max(r.iter().map(|v| v * v).sum::<f32>());
                *w = batch::warm(prepared, t, g) > 0.0;
                if self.reads_full(*w) != self.half_hot[t] {
                    exceptions.push(t as u32);
                }
            }
            (largest, exceptions)
        });
        let recency_norm = parts.iter().map(|p| p.0).fold(0.0, f32::max).sqrt();
        let exceptions = parts.into_iter().flat_map(|p| p.1).collect();
        let mut history = vec![0.0f32; self.dim];
        for (t, w) in hist.iter().enumerate() {
            if *w != 0.0 {
                for (h, e) in history.iter_mut().zip(self.embedding(t as u32)) {
                    *h += w * e;
                }
            }
        }
        let ctx = if self.context {
            context(example.at)
        } else {
            [0.0; CONTEXT]
        };
        let mut request = HostRequest {
            scorer: self,
            recency,
            recency_half,
            // Rounding to nearest moves no value by more than 2^-8 of it.
            recency_error: recency_norm / 256.0 + f32::MIN_POSITIVE,
            recency_norm,
            approximate: Vec::new(),
            exceptions,
            rechecked: 0,
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
    /// `recency` in bfloat16, for the approximate pass.
    recency_half: Vec<u16>,
    /// The largest rounding error and norm of any recency row.
    recency_error: f32,
    recency_norm: f32,
    /// The approximate pass's scores, kept between picks.
    approximate: Vec<f32>,
    /// Tracks whose half row holds another embedding than this request
    /// reads (heard in training but not before the request's time, or
    /// heard only since): the pass's scores of them are replaced by exact
    /// ones.
    exceptions: Vec<u32>,
    /// Tracks the last [`HostRequest::best`] scored exactly.
    rechecked: usize,
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

    /// The per-pick weights over a model row and a recency row, for the
    /// seed so far.
    fn weights(&self) -> PickWeights {
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
        let mut row = vec![0.0f32; s.width];
        let mut constant = 0.0f32;
        if s.embeddings_term {
            let input: Vec<f32> = [&u[..], &seed_mean, last].concat();
            for (w, q) in row[..d].iter_mut().zip(s.query.forward(&input)) {
                *w = q.tanh();
            }
        }
        if s.features > 0 {
            let f = s.features as f32;
            let gamma = s.similarity + s.similarity_from_u.forward(&u)[0];
            let centre: Vec<f32> = self.feature_sum.iter().map(|v| v / count).collect();
            let c_sq: f32 = centre.iter().map(|v| v * v).sum();
            for (wi, c) in row[stride..stride + s.features].iter_mut().zip(&centre) {
                *wi = 2.0 * gamma * c / f;
            }
            row[stride + s.features] = -gamma / f;
            constant = -gamma * c_sq / f;
        }
        let mut recency = [0.0f32; LANES];
        if s.recency_term {
            let from_u = s.recency_from_u.forward(&u);
            for (i, r) in recency.iter_mut().take(RECENCY_FEATURES).enumerate() {
                *r = s.recency[i] + from_u[i];
            }
        }
        recency[LANES - 1] = -self.adventurousness;
        PickWeights {
            row,
            recency,
            constant,
        }
    }

    /// Whether track `t`'s embedding term reads its full embedding (the
    /// request heard it) rather than the row's cold one.
    #[inline(always)]
    fn hot(&self, t: usize) -> bool {
        self.scorer.reads_full(self.warm[t])
    }

    /// Track `t`'s exact score: the same arithmetic, in the same order, as
    /// [`scores`](Self::scores) does for it.
    fn exact(&self, t: usize, w: &PickWeights) -> f32 {
        let s = self.scorer;
        let row = &s.rows[t * s.width..][..s.width];
        let (cold, content) = row.split_at(s.stride);
        let embedding = if self.hot(t) {
            &s.embeddings[t * s.stride..][..s.stride]
        } else {
            cold
        };
        w.score(embedding, content, &self.recency[t * LANES..][..LANES])
    }

    /// Scores every track for the seed so far, into `out` (length N).
    pub fn scores(&self, out: &mut Vec<f32>) {
        let s = self.scorer;
        let stride = s.stride;
        let w = self.weights();
        out.clear();
        out.resize(s.n, 0.0);
        // A warm track's embedding term reads its full embedding instead
        // of the row's cold one: each track's bytes are read once either way.
        parallel(out, |from, out| {
            let len = out.len();
            let rows = &s.rows[from * s.width..][..len * s.width];
            let rec = &self.recency[from * LANES..][..len * LANES];
            let full = &s.embeddings[from * stride..][..len * stride];
            for ((((t, o), row), r), e) in (from..)
                .zip(out.iter_mut())
                .zip(rows.chunks_exact(s.width))
                .zip(rec.chunks_exact(LANES))
                .zip(full.chunks_exact(stride))
            {
                let (cold, content) = row.split_at(stride);
                *o = w.score(if self.hot(t) { e } else { cold }, content, r);
            }
        });
    }

    /// The best-scoring track among those `allowed` for the seed so far:
    /// exactly the track that the greatest of [`scores`](Self::scores)
    /// names (the last of equal ones), for about half the memory traffic.
    ///
    /// The pass reads the rows in bfloat16 (half the bytes of the exact
    /// pass, which also reads heard tracks' full embeddings beside their
    /// rows). Each approximate score lies within a bound `E` of the exact
    /// one, from the rows' largest rounding errors and the float rounding
    /// of both passes (Cauchy–Schwarz, per part of the row), so the exact
    /// winner is among the tracks within `2E` of the best approximate
    /// score; those few are scored exactly, from the f32 rows.
    ///
    /// `allowed` is a trait object so that the pass is compiled (and
    /// optimised) here, whoever calls it; it is asked only about tracks
    /// that would raise the best score so far and about the few rechecked.
    pub fn best(&mut self, allowed: &dyn Fn(usize) -> bool) -> Option<u32> {
        let s = self.scorer;
        let w = self.weights();
        let width = s.width;
        let mut approximate = std::mem::take(&mut self.approximate);
        approximate.clear();
        approximate.resize(s.n, 0.0);
        parallel(&mut approximate, |from, out| {
            let len = out.len();
            approximate_scores(
                &s.half[from * width..][..len * width],
                &self.recency_half[from * LANES..][..len * LANES],
                &w,
                out,
            );
        });
        for t in &self.exceptions {
            approximate[*t as usize] = self.exact(*t as usize, &w);
        }
        let bound = self.bound(&w);
        // The best allowed approximate score (the closure runs only for
        // tracks that would raise it).
        let mut top = f32::NEG_INFINITY;
        for (t, a) in approximate.iter().enumerate() {
            if *a > top && allowed(t) {
                top = *a;
            }
        }
        let floor = top - 2.0 * bound;
        let mut best: Option<(u32, f32)> = None;
        self.rechecked = 0;
        if top.is_finite() {
            for (t, a) in approximate.iter().enumerate() {
                if *a >= floor && allowed(t) {
                    self.rechecked += 1;
                    let exact = self.exact(t, &w);
                    if exact.is_finite() && best.is_none_or(|(_, b)| exact >= b) {
                        best = Some((t as u32, exact));
                    }
                }
            }
        }
        self.approximate = approximate;
        best.map(|(t, _)| t)
    }

    /// How many tracks the last [`best`](Self::best) scored exactly.
    pub fn rechecked(&self) -> usize {
        self.rechecked
    }

    /// How far any track's approximate score can lie from its exact one
    /// under `w`: the half rows' rounding errors (`|w·δ| ≤ ‖w‖‖δ‖` for each
    /// part of a row) plus the f32 rounding of either pass, at most
    /// `n·ε/2` of the terms' magnitude for `n` terms, over both passes.
    fn bound(&self, w: &PickWeights) -> f32 {
        let s = self.scorer;
        let h = s.half_bounds;
        let (we, wc) = w.row.split_at(s.stride);
        let (we, wc, wr) = (norm(we), norm(wc), norm(&w.recency));
        let rounding = (s.width + 2 * LANES) as f32 * f32::EPSILON;
        let magnitude = we * (h.embedding_norm + h.embedding_error)
            + wc * (h.content_norm + h.content_error)
            + wr * (self.recency_norm + self.recency_error)
            + w.constant.abs();
        we * h.embedding_error
            + wc * h.content_error
            + wr * self.recency_error
            + rounding * magnitude
    }
}

/// One pick's weights: over a model row (embedding part, content part),
/// over a recency row, and the constant every score shares.
struct PickWeights {
    row: Vec<f32>,
    recency: [f32; LANES],
    constant: f32,
}

impl PickWeights {
    /// One track's exact score from its row's parts.
    #[inline(always)]
    fn score(&self, embedding: &[f32], content: &[f32], recency: &[f32]) -> f32 {
        let (w_embedding, w_content) = self.row.split_at(embedding.len());
        // One accumulator for the three products, summed once.
        let mut acc = [0.0f32; LANES];
        accumulate(&mut acc, embedding, w_embedding);
        accumulate(&mut acc, content, w_content);
        accumulate(&mut acc, recency, &self.recency);
        acc.iter().sum::<f32>() + self.constant
    }
}

/// The approximate pass over half rows `rows` ([len, width]) and half
/// recency rows `recency` ([len, LANES]) into `out` (len): compiled for
/// the widest vectors the processor offers (chosen when first called).
#[multiversion(targets("x86_64+avx2", "aarch64+neon"))]
fn approximate_scores(rows: &[u16], recency: &[u16], w: &PickWeights, out: &mut [f32]) {
    let width = w.row.len();
    for ((o, row), r) in out
        .iter_mut()
        .zip(rows.chunks_exact(width))
        .zip(recency.chunks_exact(LANES))
    {
        let mut acc = [0.0f32; LANES];
        accumulate_half(&mut acc, row, &w.row);
        accumulate_half(&mut acc, r, &w.recency);
        *o = acc.iter().sum::<f32>() + w.constant;
    }
}

/// Runs `pass(first track, its part of out)` over `out`, split across
/// [`threads_for`] threads.
fn parallel(out: &mut [f32], pass: impl Fn(usize, &mut [f32]) + Sync) {
    let per = out.len().div_ceil(threads_for(out.len())).max(1);
    let parts = out
        .chunks_mut(per)
        .enumerate()
        .map(|(i, part)| (i * per, part))
        .collect();
    parallel_map(parts, pass);
}

/// Runs `pass(first track, part)` over `parts` (the first here, each other
/// on a thread of its own) and returns the results in order.
fn parallel_map<P: Send, R: Send>(
    parts: Vec<(usize, P)>,
    pass: impl Fn(usize, P) -> R + Sync,
) -> Vec<R> {
    let mut parts = parts.into_iter();
    let Some((from, first)) = parts.next() else {
        return Vec::new();
    };
    std::thread::scope(|scope| {
        let pass = &pass;
        let others: Vec<_> = parts
            .map(|(from, part)| scope.spawn(move || pass(from, part)))
            .collect();
        let mut out = vec![pass(from, first)];
        for other in others {
            match other.join() {
                Ok(r) => out.push(r),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        out
    })
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

/// [`accumulate`] over bfloat16 values `a`: each widened to f32 exactly
/// (its bits are an f32's top half), which the compiler vectorises.
#[inline(always)]
fn accumulate_half(acc: &mut [f32; LANES], a: &[u16], b: &[f32]) {
    for (x, y) in a.chunks_exact(LANES).zip(b.chunks_exact(LANES)) {
        for i in 0..LANES {
            acc[i] += from_bf16(x[i]) * y[i];
        }
    }
}

/// `x` in bfloat16, rounded to nearest, ties to even (finite values only:
/// every value a model row holds).
fn to_bf16(x: f32) -> u16 {
    let bits = x.to_bits();
    let round = 0x7fff + ((bits >> 16) & 1);
    (bits.wrapping_add(round) >> 16) as u16
}

#[inline(always)]
fn from_bf16(x: u16) -> f32 {
    f32::from_bits(u32::from(x) << 16)
}

/// The Euclidean norm.
fn norm(x: &[f32]) -> f32 {
    x.iter().map(|v| v * v).sum::<f32>().sqrt()
}

/// `‖x − bf16(x)‖`, rounded up a little (it bounds an error).
fn rounding_error(x: &[f32]) -> f32 {
    let sq: f64 = x
        .iter()
        .map(|v| f64::from(v - from_bf16(to_bf16(*v))).powi(2))
        .sum();
    (sq.sqrt() * (1.0 + 1e-6)) as f32
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bfloat16_rounds_to_nearest_and_bounds_its_error() {
        assert_eq!(to_bf16(1.0), 0x3f80);
        assert_eq!(from_bf16(to_bf16(-2.5)), -2.5);
        // 1 + 2^-8 lies halfway between 1 and 1 + 2^-7: ties go to even.
        assert_eq!(from_bf16(to_bf16(1.0 + 1.0 / 256.0)), 1.0);
        assert_eq!(from_bf16(to_bf16(1.0 + 3.0 / 256.0)), 1.0 + 4.0 / 256.0);
        let values: Vec<f32> = (0..10_000)
            .map(|i| ((i as f32) * 0.7351).sin() * 37.0)
            .collect();
        for v in &values {
            let error = (v - from_bf16(to_bf16(*v))).abs();
            assert!(error <= v.abs() / 256.0, "{v}: {error}");
        }
        let direct: f32 = values
            .iter()
            .map(|v| (v - from_bf16(to_bf16(*v))).powi(2))
            .sum::<f32>()
            .sqrt();
        assert!(rounding_error(&values) >= direct * 0.999_99);
        assert!(rounding_error(&values) <= norm(&values) / 256.0);
    }
}
