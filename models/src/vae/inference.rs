//! A trained model: batched scoring of the catalogue for a query, and
//! constrained autoregressive generation (artist window, exclusions,
//! adventurousness, re-scoring interval).

use burn::tensor::{Device, Tensor};

use super::batch::{build_batch, Example};
use super::features::Prepared;
use super::rng::Rng;
use super::scorer::{HostRequest, HostScorer};
use super::training::{EpochStats, VaeError};
use super::weights::Weights;
use super::{CatalogueTensors, Items, Vae, VaeConfig};
use crate::baselines::Recommender;
use crate::data::Query;

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
    pub(super) model: Vae,
    pub(super) items: Items,
    /// The decoder laid out for generation on the host.
    pub(super) host: HostScorer,
    pub(super) device: Device,
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
        let host = host_scorer(&config, &prepared, &model, &items)?;
        Ok(Self {
            config,
            prepared,
            history: Vec::new(),
            initial_valid_loss: f32::NAN,
            initial_valid_ndcg: f32::NAN,
            best_epoch: 0,
            model,
            items,
            host,
            device: device.clone(),
        })
    }

    /// Bytes one pick of generation reads (the scoring pass's memory
    /// traffic, for the benchmark's bandwidth floor).
    pub fn bytes_per_pick(&self) -> usize {
        self.host.bytes_per_pick()
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

    /// Every track's embedding in the model's track space (as the decoder
    /// scores it: content, artist, album, learned residual, graph), one
    /// row per track.
    pub fn track_vectors(&self) -> Result<Vec<Vec<f32>>, VaeError> {
        let [n, d] = self.items.embeddings.dims();
        let flat = self
            .items
            .embeddings
            .clone()
            .into_data()
            .try_into_vec::<f32>()
            .map_err(|e| VaeError::Readback(format!("{e:?}")))?;
        Ok(flat.chunks(d.max(1)).take(n).map(<[f32]>::to_vec).collect())
    }

    /// Scores of every track for each query (u = posterior mean).
    pub fn scores_many(&self, queries: &[Query<'_>]) -> Result<Vec<Vec<f32>>, VaeError> {
        let n = self.prepared.n_tracks;
        let mut out = Vec::with_capacity(queries.len());
        for chunk in queries.chunks(64) {
            let examples: Vec<Example<'_>> = chunk
                .iter()
                .map(|q| Example::query(q.seed, q.user, q.timestamp))
                .collect();
            let batch = build_batch(&self.prepared, &examples, 0, None, None, None, &self.device);
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

    /// Scores of every track for one query as generation computes them
    /// (on the host, see [`scorer`]): the batched forward pass's scores,
    /// up to float rounding, minus `adventurousness` × popularity.
    pub fn generation_scores(&self, query: &Query<'_>, adventurousness: f32) -> Vec<f32> {
        let mut out = Vec::new();
        self.pick_scorer(query, adventurousness).scores(&mut out);
        out
    }

    /// The host-side scorer of one request, as generation uses it: score,
    /// push the pick, score again (for the benchmark's per-pick figures).
    pub fn pick_scorer(&self, query: &Query<'_>, adventurousness: f32) -> HostRequest<'_> {
        let example = Example::query(query.seed, query.user, query.timestamp);
        self.host.request(&self.prepared, &example, adventurousness)
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
        // Tracks that may never be chosen: the seed, the excluded, and each
        // chosen one as it joins.
        let mut banned = vec![false; n];
        for &t in query.seed.iter().chain(exclude) {
            if let Some(b) = banned.get_mut(t as usize) {
                *b = true;
            }
        }
        // The request's history, context and recency features do not
        // change while the sequence grows: laid out once; each pick then
        // costs one pass over the catalogue (see `scorer`).
        let mut request = self.pick_scorer(query, options.adventurousness);
        let mut scores: Vec<f32> = Vec::new();
        // Greedy and re-scored after every pick (the default): the scorer
        // finds the best allowed track itself, without every score.
        let greedy = options.temperature <= 0.0 && options.rescore_every <= 1;
        for step in 0..k {
            if !greedy && step % options.rescore_every.max(1) == 0 {
                request.scores(&mut scores);
            }
            let recent: Vec<u32> = sequence
                .iter()
                .rev()
                .take(options.artist_window)
                .filter_map(|t| artists.get(*t as usize).copied())
                .collect();
            let allowed = |t: usize, window: bool| {
                !banned[t] && (!window || artists.get(t).is_none_or(|a| !recent.contains(a)))
            };
            let mut pick = |window: bool, rng: &mut Rng| -> Option<usize> {
                if greedy {
                    return request.best(&|t| allowed(t, window)).map(|t| t as usize);
                }
                let allowed = |t: usize| allowed(t, window) && scores[t].is_finite();
                if options.temperature <= 0.0 {
                    return (0..scores.len())
                        .filter(|t| allowed(*t))
                        .max_by(|a, b| scores[*a].total_cmp(&scores[*b]));
                }
                let candidates: Vec<usize> = (0..scores.len()).filter(|t| allowed(*t)).collect();
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
            request.push(next as u32);
            chosen.push(next as u32);
        }
        Ok(chosen)
    }
}

/// Reads a model's decoder back to the host, once, for generation.
pub(super) fn host_scorer(
    config: &VaeConfig,
    prepared: &Prepared,
    model: &Vae,
    items: &Items,
) -> Result<HostScorer, VaeError> {
    let read = |t: Tensor<2>| {
        t.into_data()
            .try_into_vec::<f32>()
            .map_err(|e| VaeError::Readback(format!("{e:?}")))
    };
    let embeddings = read(items.embeddings.clone())?;
    let cold = items
        .cold_t
        .clone()
        .map(|c| read(c.transpose()))
        .transpose()?;
    HostScorer::new(config, prepared, &model.to_weights()?, embeddings, cold)
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
