//! Training: a custom Burn loop (Adam with weight decay, gradient
//! clipping, β annealing, cold-track dropout, early stopping on a
//! time-ordered validation split, seeded), in two stages where time is
//! known. The result is never worse than its start on validation.

use std::time::Instant;

use burn::grad_clipping::GradientClippingConfig;
use burn::module::Module;
use burn::optim::decay::WeightDecayConfig;
use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::{Device, Tensor};
use serde::Serialize;

use super::batch::{build_batch, cut, sample, Example, CUTOFF_REACH_S, SEED_LENGTHS};
use super::config::FOCUS_SHARE;
use super::features::Prepared;
use super::inference::TrainedVae;
use super::rng::Rng;
use super::weights::{Weights, WeightsError};
use super::{float2, CatalogueTensors, Vae, VaeConfig};
use crate::data::{Catalogue, Playlist};
use crate::metrics::{rank, score_case};

/// A validation cut's NDCG of what followed, less the discounted weight of
/// its turned-down tracks in the top 500 (each at rank r costs
/// weight / log2(r + 1), divided by the weights' sum, so a cut whose
/// negatives all lead the ranking loses 1). Without negatives it is the
/// benchmark's NDCG.
pub(super) fn engaged_ndcg(ranked: &[u32], e: &Example<'_>) -> f64 {
    let ndcg = score_case(ranked, e.next, |_| 0).ndcg;
    let total: f64 = e.negatives.iter().map(|n| f64::from(n.weight)).sum();
    if total <= 0.0 {
        return ndcg;
    }
    let cost: f64 = e
        .negatives
        .iter()
        .filter(|n| !e.next.contains(&n.track))
        .filter_map(|n| {
            let r = ranked.iter().position(|t| *t == n.track)?;
            Some(f64::from(n.weight) / ((r + 2) as f64).log2())
        })
        .sum();
    ndcg - cost / total
}

/// `count` more training cuts of the playlists `from` (indices into
/// `train`), going round them in order as often as needed.
fn more_cuts<'a>(
    train: &'a [Playlist],
    from: &[usize],
    count: usize,
    rng: &mut Rng,
) -> Vec<Example<'a>> {
    from.iter()
        .cycle()
        .take(count)
        .filter_map(|i| cut(&train[*i], rng))
        .collect()
}

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
    let began = Instant::now();
    let prepared = Prepared::new(
        catalogue,
        train,
        config.model.neighbours,
        config.model.buckets,
    );
    let untimed;
    let config = if config.model.recency && !prepared.timed {
        tracing::info!("no playlist has a timestamp: the recency term is off");
        untimed = config
            .clone()
            .with_model(config.model.clone().with_recency(false));
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
        Rng::new(config.training.seed).shuffle(&mut order);
    } else {
        order.sort_by_key(|i| train[*i].timestamp.unwrap_or(0));
    }
    // Requests after training see only earlier requests' seeds: validation
    // then sees the whole fit period and only its own cuts' seeds, and each
    // training example a cutoff up to 13 weeks back (as far as a benchmark
    // period reaches past its training data) with seeds only after it.
    let views = config.training.later_seeds_only && prepared.timed;
    // A fine-tune for one listener is judged on their latest playlists.
    let focus = config.training.focus_user.as_deref();
    let mine = |i: usize| focus.is_some_and(|u| train[i].user.as_deref() == Some(u));
    let focus_order: Vec<usize> = order.iter().copied().filter(|i| mine(*i)).collect();
    let focus = focus.filter(|_| focus_order.len() >= 2);
    let judged: &[usize] = if focus.is_some() {
        &focus_order
    } else {
        &order
    };
    let mut n_valid = judged.len() / 20;
    if views {
        // Validation then spans that reach too: what the weights learn must
        // still hold 13 weeks on.
        let end = judged.last().and_then(|i| train[*i].timestamp).unwrap_or(0);
        n_valid = judged
            .iter()
            .filter(|i| {
                train[**i]
                    .timestamp
                    .is_some_and(|t| t >= end - CUTOFF_REACH_S as i64)
            })
            .count();
    }
    let n_valid = n_valid.clamp(1, judged.len() - 1);
    let valid_set: Vec<usize> = judged[judged.len() - n_valid..].to_vec();
    let held_out: std::collections::HashSet<usize> = valid_set.iter().copied().collect();
    let fit_set: Vec<usize> = order
        .iter()
        .copied()
        .filter(|i| !held_out.contains(i))
        .collect();
    let focus_fit: Vec<usize> = fit_set.iter().copied().filter(|i| mine(*i)).collect();
    device.seed(config.training.seed);
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
        .with_weight_decay(Some(WeightDecayConfig::new(
            config.training.weight_decay as f32,
        )))
        .init();
    let mut rng = Rng::new(config.training.seed);
    let negatives = config.training.negative_loss();
    let mut history = Vec::new();
    let warmup = (config.training.epochs as f64 * 0.5).max(1.0);
    let draws = config.training.sampled_softmax(prepared.n_tracks);
    if let Some(draws) = draws {
        tracing::info!(
            tracks = prepared.n_tracks,
            draws,
            "vae: sampled softmax in training"
        );
    }

    // Fixed validation cuts, so epochs compare like with like.
    let mut vrng = Rng::new(config.training.seed ^ 0xABCD);
    let mut valid_examples: Vec<Example<'_>> = Vec::with_capacity(valid_set.len());
    let mut valid_prefixes = vec![u32::MAX; train.len()];
    let valid_cutoff = valid_set.first().and_then(|i| train[*i].timestamp);
    // The listener's turned-down tracks are judged too: a cut of every
    // training playlist that has some joins the validation cuts, so a
    // candidate that ranks them high again loses to one that does not.
    let judged_negatives = fit_set.iter().filter(|i| !train[**i].negatives.is_empty());
    for &i in valid_set.iter().chain(judged_negatives) {
        if let Some(mut e) = cut(&train[i], &mut vrng) {
            valid_prefixes[i] = e.seed.len() as u32;
            e.cutoff = valid_cutoff.filter(|_| views);
            valid_examples.push(e);
        }
    }
    let valid_prefixes = views.then_some(valid_prefixes);
    let valid_prefixes = valid_prefixes.as_deref();

    // Validation loss with the posterior mean and the full β, and the NDCG
    // (the benchmark's measure) of the same cuts, less what ranking their
    // turned-down tracks high costs (`engaged_ndcg`): what model selection
    // follows, since a lower loss on the training period's own tracks need
    // not rank later requests better. Always over the whole catalogue.
    let validate = |m: &Vae, config: &VaeConfig| -> Result<(f32, f32), VaeError> {
        let items = m.items(config, &cat_inner);
        let kl_weight = if config.model.user_latent {
            config.training.beta
        } else {
            0.0
        };
        let (mut loss, mut batches, mut ndcg) = (0.0f32, 0usize, 0.0f64);
        for chunk in valid_examples.chunks(config.training.batch) {
            let batch = build_batch(
                &prepared,
                chunk,
                config.training.targets,
                None,
                valid_prefixes,
                None,
                device,
            );
            let f = m.forward(config, &items, &batch, false);
            loss += scalar(m.loss(&f, &batch, &negatives).total(kl_weight))?;
            batches += 1;
            let flat = f
                .logits
                .into_data()
                .try_into_vec::<f32>()
                .map_err(|e| VaeError::Readback(format!("{e:?}")))?;
            for (scores, e) in flat.chunks(prepared.n_tracks).zip(chunk) {
                ndcg += engaged_ndcg(&rank(scores, e.seed), e);
            }
        }
        Ok((
            loss / batches.max(1) as f32,
            (ndcg / valid_examples.len().max(1) as f64) as f32,
        ))
    };
    // Two stages where recency is known: first the decoder's embedding
    // term stays off, so the recency and similarity terms and u's say in
    // them are learned against the strongest simple signal; then the
    // embeddings join, from the best weights so far, and stay only if
    // validation ranks better with them.
    // A fine-tune starts from weights whose decoder term is trained: it
    // goes on with every term at once (staging it again would judge and
    // train the start without its decoder term, and could keep a model
    // that has lost it).
    let staged = start.is_none()
        && config.model.recency
        && config.model.decoder_embeddings
        && prepared.timed;
    let mut stage = if staged {
        config
            .clone()
            .with_model(config.model.clone().with_decoder_embeddings(false))
    } else {
        config.clone()
    };
    let mut stage_start = 0;
    let mut lr = config.training.learning_rate;
    // The untrained model (which starts from recent popularity) is the
    // first candidate: training must beat it to be kept.
    let initial = model.valid();
    let (initial_valid_loss, initial_ndcg) = validate(&initial, &stage)?;
    tracing::info!(initial_valid_loss, initial_ndcg, "vae before training");
    let mut best = (initial_ndcg, 0, initial, stage.clone());
    let mut best_trainable = model.clone();

    for epoch in 1..=config.training.epochs {
        let started = Instant::now();
        let beta = if config.model.user_latent {
            config.training.beta * (epoch as f64 / warmup).min(1.0)
        } else {
            0.0
        };
        let mut examples: Vec<Example<'_>> = fit_set
            .iter()
            .filter_map(|i| cut(&train[*i], &mut rng))
            .collect();
        if focus.is_some() {
            // The listener's own playlists: at least FOCUS_SHARE of the epoch.
            let others = (fit_set.len() - focus_fit.len()) as f64;
            let wanted = (others * FOCUS_SHARE / (1.0 - FOCUS_SHARE)).ceil() as usize;
            let more = wanted.saturating_sub(focus_fit.len());
            examples.extend(more_cuts(train, &focus_fit, more, &mut rng));
        }
        let wanted = config
            .training
            .min_batches
            .map_or(0, |m| m * config.training.batch);
        if !examples.is_empty() {
            let more = wanted.saturating_sub(examples.len());
            examples.extend(more_cuts(train, &fit_set, more, &mut rng));
        }
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
            .map(|_| rng.unit() < config.training.cold_share as f32)
            .collect();
        let mut cat = cat.clone();
        let warm: Vec<f32> = prepared
            .has_history
            .iter()
            .zip(&cold)
            .map(|(h, c)| if *c { 0.0 } else { *h })
            .collect();
        cat.has_history = float2(warm.clone(), prepared.n_tracks, 1, &ad);
        let (mut loss_sum, mut kl_sum, mut batches) = (0.0f32, 0.0f32, 0usize);
        for chunk in examples.chunks(config.training.batch) {
            if cancel.load(std::sync::atomic::Ordering::Relaxed) {
                return Err(VaeError::Cancelled);
            }
            // Above SAMPLED_ABOVE tracks: the batch's own tracks and a
            // draw of the rest, so no [B, N] tensor is built.
            let sample = draws.map(|draws| {
                sample(
                    &prepared,
                    chunk,
                    config.training.targets,
                    prefixes.as_deref(),
                    draws,
                    &mut rng,
                )
            });
            let batch = build_batch(
                &prepared,
                chunk,
                config.training.targets,
                Some(&cold),
                prefixes.as_deref(),
                sample.as_ref(),
                &ad,
            );
            let items = match &sample {
                Some(s) => {
                    let sub =
                        CatalogueTensors::subset(&prepared, &s.ids, &warm, stage.model.graph, &ad);
                    model.items(&stage, &sub)
                }
                None => model.items(&stage, &cat),
            };
            let f = model.forward(&stage, &items, &batch, true);
            let terms = model.loss(&f, &batch, &negatives);
            let loss = terms.total(beta);
            let value = scalar(terms.rec.clone().detach())?;
            if !value.is_finite() {
                return Err(VaeError::Diverged { epoch, loss: value });
            }
            loss_sum += value;
            kl_sum += scalar(terms.kl.detach())?;
            batches += 1;
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            model = optimizer.step(lr, model, grads);
        }

        let valid_model = model.valid();
        let (valid_loss, valid_ndcg) = validate(&valid_model, &stage)?;
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
            decoder_embeddings: stage.model.decoder_embeddings,
            seconds: started.elapsed().as_secs_f64(),
        };
        tracing::info!(?stats, "vae epoch");
        on_epoch(&stats);
        history.push(stats);
        if valid_ndcg > best.0 {
            best = (valid_ndcg, epoch, valid_model, stage.clone());
            best_trainable = model.clone();
        } else if epoch - best.1.max(stage_start) >= config.training.patience {
            if stage.model.decoder_embeddings == config.model.decoder_embeddings {
                break;
            }
            tracing::info!(epoch, "vae: the decoder's embedding term joins");
            stage = config.clone();
            stage_start = epoch;
            lr = config.training.learning_rate * 0.1;
            model = best_trainable.clone();
        }
        if let Some(budget) = config.training.time_budget_s {
            let spent = began.elapsed().as_secs_f64();
            let pace = started.elapsed().as_secs_f64();
            if epoch < config.training.epochs && spent + pace > budget {
                tracing::info!(
                    epoch,
                    spent,
                    budget,
                    "vae: another epoch would pass the time budget; training stops here"
                );
                break;
            }
        }
    }
    let (_, best_epoch, model, config) = best;
    let items = model.items(&config, &cat_inner);
    let host = super::inference::host_scorer(&config, &prepared, &model, &items)?;
    Ok(TrainedVae {
        config,
        prepared,
        history,
        initial_valid_loss,
        initial_valid_ndcg: initial_ndcg,
        best_epoch,
        model,
        items,
        host,
        device: device.clone(),
    })
}
