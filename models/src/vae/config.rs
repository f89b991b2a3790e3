//! The VAE's configuration, saved as `config.json` beside the weights of
//! every checkpoint: the network's shape and parts ([`ModelConfig`], all a
//! checkpoint needs to rebuild the model) apart from how it was trained
//! ([`TrainingConfig`]).

use burn::config::Config;

/// The network: sizes, and which of its parts are on (the ablations).
#[derive(Config, Debug)]
pub struct ModelConfig {
    /// Track embedding size.
    #[config(default = 64)]
    pub dim: usize,
    /// Listener latent size.
    #[config(default = 32)]
    pub latent: usize,
    /// Hidden width of the inference network.
    #[config(default = 128)]
    pub hidden: usize,
    /// Buckets of the hashed artist and album embeddings.
    #[config(default = 16384)]
    pub buckets: usize,
    /// Graph neighbours per track.
    #[config(default = 10)]
    pub neighbours: usize,
    /// The listener latent u (off: u = 0, no KL; history and context then
    /// have no way in).
    #[config(default = true)]
    pub user_latent: bool,
    /// Graph propagation of track embeddings.
    #[config(default = true)]
    pub graph: bool,
    /// Time of day and weekday as inputs.
    #[config(default = true)]
    pub context: bool,
    /// Content tower and hashed metadata (off: learned residuals only).
    #[config(default = true)]
    pub content: bool,
    /// The decoder's dot product of the query with every track's
    /// embedding (off: scores come from the recency and content-similarity
    /// terms, which u still modulates).
    #[config(default = true)]
    pub decoder_embeddings: bool,
    /// Time-decayed popularity as of the request (training turns it off
    /// when no playlist has a timestamp: without time it is only
    /// popularity, which says nothing about tracks never played).
    #[config(default = true)]
    pub recency: bool,
}

/// How a model is trained: optimiser, schedule, stopping, and which
/// examples it sees.
#[derive(Config, Debug)]
pub struct TrainingConfig {
    /// Cap of the annealed KL weight.
    #[config(default = 0.2)]
    pub beta: f64,
    /// Next tracks predicted per training example.
    #[config(default = 20)]
    pub targets: usize,
    #[config(default = 40)]
    pub epochs: usize,
    #[config(default = 128)]
    pub batch: usize,
    #[config(default = 0.003)]
    pub learning_rate: f64,
    /// L2 penalty on every parameter (Adam weight decay).
    #[config(default = 0.0001)]
    pub weight_decay: f64,
    /// Share of tracks made to look new in each training epoch.
    #[config(default = 0.3)]
    pub cold_share: f64,
    /// Stop after this many epochs without a better validation loss.
    #[config(default = 4)]
    pub patience: usize,
    #[config(default = 42)]
    pub seed: u64,
    /// Requests after training see only the seeds of earlier requests, not
    /// the tracks that followed them (the benchmark's regime; in the app
    /// every play joins the history). Training examples are then made to
    /// look the same: a cutoff before each, and only seeds after it.
    #[config(default = false)]
    pub later_seeds_only: bool,
    /// At least this many batches an epoch: a small library's playlists
    /// are cut again (other seed lengths) until they fill them, so a
    /// personal model of a few albums still takes enough optimiser steps.
    /// `None`: one pass over the playlists.
    pub min_batches: Option<usize>,
    /// Fine-tuning for one listener: validation is this user's latest
    /// playlists, and theirs make up at least [`FOCUS_SHARE`] of each
    /// epoch's examples (cut again as often as needed). `None`: every
    /// playlist alike.
    pub focus_user: Option<String>,
    /// How tracks turned down in a context (early skips, removed
    /// suggestions) enter the loss; `None` (what checkpoints saved before
    /// the term existed read as): [`NegativeLoss::DEFAULT`].
    pub negatives: Option<NegativeLoss>,
    /// Catalogues of more tracks than this train on a sampled softmax
    /// (see [`TrainingConfig::sampled_softmax`]); `None`:
    /// [`SAMPLED_ABOVE`].
    pub sampled_above: Option<usize>,
    /// How many of the other tracks a sampled batch draws; `None`:
    /// [`SAMPLED_DRAWS`].
    pub sampled_draws: Option<usize>,
    /// Seconds training may take (from the start of the fit): no epoch
    /// starts that would, at the last epoch's pace, end past it (the first
    /// always runs). `None`: no limit (the epochs and early stopping
    /// decide).
    pub time_budget_s: Option<f64>,
}

/// Above this many tracks training scores a sample of the catalogue per
/// batch instead of all of it (below it the exact softmax is cheap enough).
pub const SAMPLED_ABOVE: usize = 30_000;

/// Tracks a sampled batch draws besides the ones it must score.
pub const SAMPLED_DRAWS: usize = 8_192;

/// The least share of an epoch's examples the focus user's playlists make
/// up under [`TrainingConfig::focus_user`].
pub const FOCUS_SHARE: f64 = 0.5;

impl TrainingConfig {
    /// The negative term in use.
    pub fn negative_loss(&self) -> NegativeLoss {
        self.negatives.clone().unwrap_or(NegativeLoss::DEFAULT)
    }

    /// How many tracks a batch draws for its softmax over `n_tracks`, or
    /// `None` for the exact softmax over all of them. A sampled batch
    /// scores every track it must (seeds, targets, turned-down tracks, the
    /// listeners' histories) and `draws` of the rest uniformly, each drawn
    /// logit corrected by ln(rest / draws) so their exponentials estimate
    /// the rest's share of the normaliser.
    pub fn sampled_softmax(&self, n_tracks: usize) -> Option<usize> {
        let above = self.sampled_above.unwrap_or(SAMPLED_ABOVE);
        (n_tracks > above).then(|| self.sampled_draws.unwrap_or(SAMPLED_DRAWS).max(1))
    }
}

/// The loss term of the tracks a listener turned down, each weighted by how
/// strongly (an early skip or a removal most), per example divided by the
/// weights' sum and scaled by the variant's factor.
#[derive(Config, Debug, PartialEq)]
pub enum NegativeLoss {
    /// Negatives teach nothing (only the softmax's push on every
    /// non-target, as before the term existed).
    Off,
    /// Unlikelihood: −log(1 − p(n)), the likelihood that the next track is
    /// not the negative n under the same softmax.
    Unlikelihood(f64),
    /// Pairwise: softplus(s(n) − s̄₊), a negative's score against the
    /// target-weighted mean score of the example's positives (BPR-style).
    Pairwise(f64),
}

impl NegativeLoss {
    /// The measured choice (`bench fine-tune --feedback`).
    pub const DEFAULT: Self = Self::Pairwise(1.0);
}

/// A VAE: its model and its training.
#[derive(Config, Debug)]
pub struct VaeConfig {
    #[config(default = "ModelConfig::new()")]
    pub model: ModelConfig,
    #[config(default = "TrainingConfig::new()")]
    pub training: TrainingConfig,
}
