//! The VAE on real data (a small subset of the Triple J set in
//! tests/data/triplej-mini): training lowers the loss on the CPU and on wgpu,
//! a checkpoint round trip scores identically, generation keeps its
//! constraints, and a fine-tune that diverges never replaces the model in use.

use crate::common;

use playgenie_bench::data::{self as playlist_data, Dataset};
use playgenie_core::model_store::{ModelStore, TrainedOn};
use playgenie_models::data::{Case, Playlist};
use playgenie_models::vae::{self, Generation, TrainedVae};
use playgenie_models::vae::{ModelConfig, TrainingConfig, VaeConfig};
use playgenie_models::{ComputeBackend, DevicePreference};

fn mini() -> (Dataset, Vec<Playlist>, Vec<Case>) {
    let dir = common::repo_dir().join("tests/data/triplej-mini");
    let library = playlist_data::load_tracks(&dir.join("tracks.tsv")).expect("tracks");
    let train = playlist_data::load_playlists(&dir.join("train.jsonl"), &library).expect("train");
    let cases = playlist_data::load_cases(&dir.join("valid.jsonl"), &library).expect("cases");
    (library, train, cases)
}

fn small(epochs: usize) -> VaeConfig {
    let model = ModelConfig::new()
        .with_dim(16)
        .with_latent(8)
        .with_hidden(32)
        .with_buckets(512);
    let training = TrainingConfig::new()
        .with_batch(32)
        .with_epochs(epochs)
        .with_patience(epochs)
        .with_learning_rate(0.01);
    VaeConfig::new().with_model(model).with_training(training)
}

fn loss_falls_on(backend: &ComputeBackend) {
    let (library, train, _) = mini();
    let model = vae::fit(
        &library.catalogue,
        &train,
        &small(4),
        &backend.device,
        |_| {},
    )
    .expect("training runs");
    let losses: Vec<f32> = model.history.iter().map(|e| e.train_loss).collect();
    eprintln!("{}: training losses {losses:?}", backend.summary().label);
    assert_eq!(losses.len(), 4);
    assert!(losses.iter().all(|l| l.is_finite()));
    assert!(
        losses[3] < losses[0],
        "training must lower the loss: {losses:?}"
    );
}

/// The artists of the last `window` tracks of `sequence`.
fn last_artists(sequence: &[u32], artists: &[u32], window: usize) -> Vec<u32> {
    sequence
        .iter()
        .rev()
        .take(window)
        .map(|t| artists[*t as usize])
        .collect()
}

#[test]
fn training_lowers_the_loss_on_the_cpu() {
    loss_falls_on(&ComputeBackend::select(DevicePreference::Cpu));
}

#[test]
fn training_lowers_the_loss_on_wgpu() {
    if let Some(gpu) = common::wgpu_or_skip("training") {
        loss_falls_on(&gpu);
    }
}

#[test]
fn a_checkpoint_round_trip_scores_identically_and_divergence_changes_nothing() {
    let (library, train, cases) = mini();
    let cpu = ComputeBackend::select(DevicePreference::Cpu);
    let config = small(2);
    let model = vae::fit(&library.catalogue, &train, &config, &cpu.device, |_| {}).expect("fit");
    let dir = tempfile::tempdir().expect("dir");
    let store = ModelStore::new(dir.path());
    let weights = model.weights().expect("weights");
    let v1 = store
        .save_if_better(
            &config,
            &weights,
            model.best_valid_loss(),
            None,
            "base",
            TrainedOn::default(),
        )
        .expect("save")
        .expect("a first model is always kept");

    let loaded = store.current().expect("load").expect("current");
    let again = TrainedVae::from_weights(
        loaded.config,
        model.prepared.clone(),
        &loaded.weights,
        &cpu.device,
    )
    .expect("rebuild");
    let queries: Vec<_> = cases.iter().map(Case::query).collect();
    let before = model.scores_many(&queries).expect("scores");
    let after = again.scores_many(&queries).expect("scores");
    assert_eq!(
        before, after,
        "a checkpoint round trip must not change a single score"
    );

    // A fine-tune with an absurd learning rate diverges (or learns nothing
    // better): the model in use stays version 1.
    let mut wild = config.clone();
    wild.training.learning_rate = 1e9;
    wild.training.epochs = 2;
    let outcome = vae::fit_from(
        Some(&loaded.weights),
        &library.catalogue,
        &train,
        &wild,
        &cpu.device,
        |_| {},
    );
    if let Ok(tuned) = outcome {
        let candidate = tuned.weights().expect("weights");
        let kept = store
            .save_if_better(
                &wild,
                &candidate,
                tuned.best_valid_loss(),
                Some(loaded.meta.valid_loss),
                "wild",
                TrainedOn::default(),
            )
            .expect("store");
        assert!(
            kept.is_none() || tuned.best_epoch == 0,
            "a worse model was promoted"
        );
    }
    assert_eq!(store.current_version().expect("version"), Some(v1));
}

#[test]
fn host_scores_match_the_forward_pass_and_generation_is_fully_autoregressive() {
    let (library, train, cases) = mini();
    let cpu = ComputeBackend::select(DevicePreference::Cpu);
    let queries: Vec<_> = cases.iter().take(12).map(Case::query).collect();
    assert!(
        queries
            .iter()
            .any(|q| q.user.is_some() && q.timestamp.is_some()),
        "the cases have listeners with history"
    );
    // Three epochs: the query layer (zero at the start) has learned
    // something, so every term of the decoder speaks. An embedding size
    // that is not a multiple of the scorer's lanes too (its rows pad it).
    let fit = |dim: usize| {
        let mut config = small(3);
        config.model.dim = dim;
        vae::fit(&library.catalogue, &train, &config, &cpu.device, |_| {}).expect("fit")
    };
    let model = fit(16);
    for model in [&model, &fit(12)] {
        let forward = model.scores_many(&queries).expect("scores");
        let mut worst = 0.0f32;
        for (query, reference) in queries.iter().zip(&forward) {
            let host = model.generation_scores(query, 0.0);
            assert_eq!(host.len(), reference.len());
            for (h, r) in host.iter().zip(reference) {
                worst = worst.max((h - r).abs() / r.abs().max(1.0));
            }
        }
        let dim = model.config.model.dim;
        eprintln!("host vs forward pass, dim {dim}: largest relative difference {worst:e}");
        assert!(worst < 1e-4, "host scores differ by {worst} at dim {dim}");
    }
    let (artists, _) = library.catalogue.artist_ids();

    // A pick (the approximate half-precision pass and its exact recheck)
    // names exactly the best allowed track of the exact scores, with the
    // seed growing, a ban list and an artist rule that changes what is
    // allowed.
    for (i, query) in queries.iter().enumerate() {
        let mut request = model.pick_scorer(query, 0.3 * (i % 3) as f32);
        let mut taken: Vec<u32> = query.seed.to_vec();
        let mut scores = Vec::new();
        for step in 0..10 {
            let allowed =
                |t: usize| !taken.contains(&(t as u32)) && (step % 2 == 0 || artists[t] % 3 != 0);
            request.scores(&mut scores);
            let exact = (0..scores.len())
                .filter(|t| allowed(*t))
                .max_by(|a, b| scores[*a].total_cmp(&scores[*b]))
                .map(|t| t as u32);
            let best = request.best(&allowed);
            assert_eq!(best, exact, "query {i}, pick {step}");
            assert!(request.rechecked() >= 1);
            let Some(best) = best else { break };
            taken.push(best);
            request.push(best);
        }
    }

    // Greedy generation equals picking, after every pick, the best allowed
    // track of a full forward pass over the grown seed.
    let options = Generation {
        artist_window: 3,
        rescore_every: 1,
        ..Generation::default()
    };
    for case in cases.iter().take(4) {
        let generated = model
            .generate(&case.query(), 8, &artists, &options)
            .expect("generate");
        let mut sequence = case.seed.clone();
        let mut expected = Vec::new();
        for _ in 0..8 {
            let query = playgenie_models::data::Query {
                seed: &sequence,
                ..case.query()
            };
            let scores = model.scores_many(&[query]).expect("scores").remove(0);
            let recent = last_artists(&sequence, &artists, 3);
            let best = (0..scores.len())
                .filter(|t| !sequence.contains(&(*t as u32)))
                .filter(|t| !recent.contains(&artists[*t]))
                .max_by(|a, b| scores[*a].total_cmp(&scores[*b]))
                .expect("a candidate");
            expected.push(best as u32);
            sequence.push(best as u32);
        }
        assert_eq!(generated, expected, "every pick sees the earlier ones");
    }
}

#[test]
fn generation_never_repeats_the_seed_and_keeps_the_artist_window() {
    let (library, train, cases) = mini();
    let cpu = ComputeBackend::select(DevicePreference::Cpu);
    let model = vae::fit(&library.catalogue, &train, &small(1), &cpu.device, |_| {}).expect("fit");
    let (artists, _) = library.catalogue.artist_ids();
    for (i, case) in cases.iter().take(5).enumerate() {
        let options = Generation {
            artist_window: 3,
            temperature: if i % 2 == 0 { 0.0 } else { 0.7 },
            adventurousness: 0.5,
            seed: i as u64,
            rescore_every: 1 + i % 3,
        };
        let generated = model
            .generate(&case.query(), 10, &artists, &options)
            .expect("generate");
        assert_eq!(generated.len(), 10);
        let mut sequence = case.seed.clone();
        for t in &generated {
            assert!(!sequence.contains(t), "track {t} repeated");
            let recent = last_artists(&sequence, &artists, 3);
            assert!(
                !recent.contains(&artists[*t as usize]),
                "artist of {t} played within the last 3 tracks"
            );
            sequence.push(*t);
        }
    }
}

#[test]
fn cancelling_stops_training_with_nothing_produced() {
    let (library, train, _) = mini();
    let backend = ComputeBackend::select(DevicePreference::Cpu);
    let cancel = std::sync::atomic::AtomicBool::new(false);
    let mut epochs = 0;
    let outcome = vae::fit_cancellable(
        None,
        &library.catalogue,
        &train,
        &small(50),
        &backend.device,
        &cancel,
        |_| {
            // Cancel from the outside after the first epoch, as the app's
            // button does.
            epochs += 1;
            cancel.store(true, std::sync::atomic::Ordering::Relaxed);
        },
    );
    assert!(
        matches!(outcome, Err(vae::VaeError::Cancelled)),
        "training was not cancelled"
    );
    assert_eq!(epochs, 1);
}

#[test]
fn the_fine_tuning_experiment_runs_on_a_programme() {
    let dir = common::repo_dir().join("tests/data/triplej-mini");
    let report = playgenie_bench::fine_tune::fine_tune_lift(&dir, None, &small(2), 2, None)
        .expect("the experiment runs");
    assert!(
        report.cases > 0 && report.programme_playlists > 0,
        "{report:?}"
    );
    // The simulated listener heard the base's suggestions: something was
    // heard or skipped in every session, and a session ends after at most
    // 50 suggestions.
    let f = &report.feedback;
    assert!(f.sessions > 0 && f.heard + f.skipped >= f.sessions, "{f:?}");
    assert!(f.heard + f.skipped <= 50 * f.sessions, "{f:?}");
    assert_eq!(report.tuned.len(), 7, "every variant ran");
    let variants = report.tuned.iter().map(|v| &v.metrics);
    for m in [&report.base, &report.base_with_data]
        .into_iter()
        .chain(variants)
    {
        assert!((0.0..=1.0).contains(&m.ndcg), "{report:?}");
        assert!(
            m.listen_min.is_finite() && m.listen_min >= 0.0,
            "{report:?}"
        );
    }
}
