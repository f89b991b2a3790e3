//! `playgenie bench ...`: benchmarks that print figures (the
//! `playgenie-bench` crate runs them).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
use playgenie_core::ComputeBackend;
use playgenie_models::vae::{ModelConfig, TrainingConfig, VaeConfig};

use super::Outcome;
use crate::output::print_json;

#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    #[command(subcommand)]
    what: BenchWhat,
}

#[derive(Debug, Subcommand)]
enum BenchWhat {
    /// The fine-tuning experiment: a VAE trained on every programme but
    /// one; that programme's simulated listener hears its suggestions on
    /// the programme's training episodes; fine-tuned variants (episodes
    /// alone, then with kept and skipped suggestions) scored on its later
    /// episodes (its evaluation cases) by NDCG and listen_min.
    FineTune {
        /// A benchmark set with programmes as users (triplej).
        #[arg(long)]
        data: PathBuf,
        /// The programme (default: the one with the most evaluation cases).
        #[arg(long)]
        programme: Option<String>,
        /// Base training epochs (maximum; early stopping may end sooner).
        #[arg(long, default_value_t = 40)]
        epochs: usize,
        /// Fine-tuning epochs (maximum).
        #[arg(long, default_value_t = 10)]
        tune_epochs: usize,
        /// Fine-tuning learning rate (default: the base's).
        #[arg(long)]
        tune_lr: Option<f64>,
        #[arg(long)]
        json: bool,
    },
    /// Latency of "Complete playlist" (p50/p95 per request) on generated
    /// catalogues of the given sizes, with a model and from cold start.
    Complete {
        /// Catalogue sizes.
        #[arg(long, value_delimiter = ',', default_value = "10000,100000")]
        tracks: Vec<usize>,
        /// Tracks per request.
        #[arg(short, default_value_t = 20)]
        k: usize,
        /// Timed requests per size.
        #[arg(long, default_value_t = 50)]
        requests: usize,
        /// Training epochs before timing (0: an untrained model, which
        /// answers as fast; 1 also times an epoch at each size).
        #[arg(long, default_value_t = 0)]
        train_epochs: usize,
        /// Train as the app trains a library's first model (early stopping
        /// within its time budget) instead of a set number of epochs; the
        /// train column is then the time to a first model.
        #[arg(long, conflicts_with = "train_epochs")]
        first_model: bool,
        /// Re-score the catalogue every N picks (default 1: after every
        /// pick, fully autoregressive, as PlayGenie completes at any size).
        #[arg(long)]
        rescore_every: Option<usize>,
        /// Days of listening history before the requests (two sessions of
        /// 15 plays a day, mostly from favourite albums); 0: a library
        /// just indexed, never played.
        #[arg(long, default_value_t = 365)]
        history_days: u32,
        #[arg(long)]
        json: bool,
    },
    /// Every figure of a big library in one run: "Complete playlist" with
    /// a first model trained as the app trains it, the rescans and the
    /// watcher over as many real files, each beside its goal.
    Scale {
        /// Tracks (and files) in the library.
        #[arg(long, default_value_t = 100_000)]
        tracks: usize,
        /// Timed completions.
        #[arg(long, default_value_t = 20)]
        requests: usize,
        /// Days of listening history before the requests.
        #[arg(long, default_value_t = 365)]
        history_days: u32,
        /// Unchanged rescans timed.
        #[arg(long, default_value_t = 3)]
        repeats: usize,
        #[arg(long)]
        json: bool,
    },
    /// Rescans of a big library of real files (written to a temporary
    /// folder): unchanged, after touching some files, and the watcher's
    /// reaction to one new file.
    Rescan {
        /// Files in the library.
        #[arg(long, default_value_t = 100_000)]
        files: usize,
        /// Files rewritten before the second kind of rescan.
        #[arg(long, default_value_t = 100)]
        touched: usize,
        /// Unchanged rescans timed.
        #[arg(long, default_value_t = 5)]
        repeats: usize,
        #[arg(long)]
        json: bool,
    },
    /// Time VAE training epochs and 20-track generations on the backend in
    /// use (PLAYGENIE_DEVICE / --device) and on the CPU, in one run.
    VaeSpeed {
        /// A benchmark set's folder (tracks.tsv, train.jsonl, valid.jsonl).
        #[arg(long)]
        data: PathBuf,
        /// Training epochs to time (the first includes warm-up).
        #[arg(long, default_value_t = 3)]
        epochs: usize,
        /// Generations to time.
        #[arg(long, default_value_t = 5)]
        repeats: usize,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Train a playlist-continuation model on a benchmark set, rank up to
    /// 500 tracks per evaluation case, write them and print the metrics.
    Run {
        /// The set's folder (tracks.tsv, train.jsonl, valid.jsonl).
        #[arg(long)]
        data: PathBuf,
        /// vae, or a baseline: popularity, user-popularity, cooccurrence,
        /// decayed-popularity, user-decayed-popularity, decayed-mix, content-knn.
        #[arg(long)]
        model: String,
        /// Training playlists (default DATA/train.jsonl); evaluation cases in
        /// it count as playlists.
        #[arg(long)]
        train: Option<PathBuf>,
        /// Evaluation cases (default DATA/valid.jsonl).
        #[arg(long)]
        eval: Option<PathBuf>,
        /// Where to write the rankings, one JSON line per case.
        #[arg(long)]
        out: PathBuf,
        /// Random seed (weights, batches, sampling).
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// VAE ablation: no listener latent u.
        #[arg(long)]
        no_user_latent: bool,
        /// VAE ablation: no propagation over the co-listening graph.
        #[arg(long)]
        no_graph: bool,
        /// VAE ablation: no time of day / weekday.
        #[arg(long)]
        no_context: bool,
        /// VAE ablation: no content tower or hashed metadata.
        #[arg(long)]
        no_content: bool,
        /// VAE ablation: no time-decayed popularity as of the request.
        #[arg(long)]
        no_recency: bool,
        /// VAE ablation: training examples see every earlier play, not (as
        /// the evaluation requests do) only the seeds after a cutoff.
        #[arg(long)]
        no_seed_views: bool,
        /// VAE: cap of the annealed KL weight (0 turns the KL term off).
        #[arg(long)]
        beta: Option<f64>,
        /// VAE: maximum training epochs (early stopping may end sooner).
        #[arg(long)]
        epochs: Option<usize>,
        /// VAE: track embedding size.
        #[arg(long)]
        dim: Option<usize>,
        /// VAE: learning rate.
        #[arg(long)]
        lr: Option<f64>,
        /// VAE: share of tracks made to look new in each training epoch.
        #[arg(long)]
        cold_share: Option<f64>,
        /// VAE: train on a sampled softmax above this many tracks (0: at
        /// any size; default 30000).
        #[arg(long)]
        sampled_above: Option<usize>,
        /// VAE: tracks a sampled batch draws besides its own (default 8192).
        #[arg(long)]
        sampled_draws: Option<usize>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Analyser speed against full decoding, and feature quality
    /// (precision@5 of neighbours from the same top-level folder of DIR).
    Index {
        dir: PathBuf,
        /// Analyse whole files instead of windows.
        #[arg(long)]
        full: bool,
        /// Seconds decoded at the start and at the end of a long track.
        #[arg(long)]
        edge_s: Option<f64>,
        /// Seconds per window in the middle of a long track.
        #[arg(long)]
        mid_s: Option<f64>,
        /// Number of windows in the middle of a long track.
        #[arg(long)]
        mids: Option<usize>,
        /// Also analyse whole files and report what the windows cost in
        /// loudness, tempo, key and precision.
        #[arg(long)]
        compare_full: bool,
        /// Rounds of (analyse, full decode); times are medians.
        #[arg(long, default_value_t = 3)]
        rounds: usize,
        /// Worker threads (default: one per core).
        #[arg(long)]
        threads: Option<usize>,
        /// Also run the listening pass (the MusiCNN tagger) with these
        /// patch counts per track, e.g. `1,2,4,all`, on the backend in use
        /// (PLAYGENIE_DEVICE) and the last count on the CPU too, with the
        /// precision@5 of its embedding and tags.
        #[arg(long, value_delimiter = ',', value_parser = parse_patches)]
        listen: Option<Vec<usize>>,
        /// With --listen: curated lists over the files (a JSON array of
        /// {"tracks": [file names]}, e.g. the Wesnoth scenario playlists)
        /// to measure cold-start continuation by each representation.
        #[arg(long, requires = "listen")]
        lists: Option<PathBuf>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// A patch count, or `all` (every patch of every track).
fn parse_patches(text: &str) -> Result<usize, String> {
    match text.trim() {
        "all" => Ok(ALL_PATCHES),
        n => match n.parse::<usize>() {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(format!(
                "`{n}` is not a patch count (a whole number ≥ 1, or `all`)"
            )),
        },
    }
}

/// "Every patch": more than any track has.
const ALL_PATCHES: usize = 100_000;

impl BenchArgs {
    pub fn run(self) -> Outcome {
        match self.what {
            BenchWhat::FineTune {
                data,
                programme,
                epochs,
                tune_epochs,
                tune_lr,
                json,
            } => {
                let config = VaeConfig::new().with_training(
                    TrainingConfig::new()
                        .with_epochs(epochs)
                        .with_later_seeds_only(true),
                );
                let r = playgenie_bench::fine_tune::fine_tune_lift(
                    &data,
                    programme.as_deref(),
                    &config,
                    tune_epochs,
                    tune_lr,
                )?;
                if json {
                    print_json(&r);
                } else {
                    println!(
                        "programme {}: base trained on {} other playlists in {:.0} s; {} episodes to fine-tune on; {} later episodes scored",
                        r.programme, r.base_playlists, r.base_s, r.programme_playlists, r.cases
                    );
                    println!(
                        "simulated listening on its episodes (first {} tracks as the seed, the base given its episodes suggests): {} sessions, {} suggestions heard, {} skipped",
                        playgenie_bench::fine_tune::FEEDBACK_SEED,
                        r.feedback.sessions,
                        r.feedback.heard,
                        r.feedback.skipped
                    );
                    println!(
                        "{:<32} {:>8} {:>8} {:>8} {:>10} {:>6} {:>7}",
                        "", "NDCG", "R-prec", "HR@10", "listen_min", "epoch", "s"
                    );
                    let fixed = [
                        ("base", &r.base),
                        ("base + its episodes as data", &r.base_with_data),
                    ];
                    for (name, m) in fixed {
                        println!(
                            "{name:<32} {:>8.4} {:>8.4} {:>8.4} {:>10.2}",
                            m.ndcg, m.r_prec, m.hr10, m.listen_min
                        );
                    }
                    for v in &r.tuned {
                        let m = &v.metrics;
                        println!(
                            "{:<32} {:>8.4} {:>8.4} {:>8.4} {:>10.2} {:>6} {:>7.0}",
                            v.name, m.ndcg, m.r_prec, m.hr10, m.listen_min, v.best_epoch, v.seconds
                        );
                    }
                    if let Some(best) = r
                        .tuned
                        .iter()
                        .max_by(|a, b| a.metrics.ndcg.total_cmp(&b.metrics.ndcg))
                    {
                        println!(
                            "lift of the best fine-tune ({}): {:+.4} NDCG ({:+.1} %) and {:+.2} listen_min over the base given the same data",
                            best.name,
                            best.metrics.ndcg - r.base_with_data.ndcg,
                            100.0 * (best.metrics.ndcg / r.base_with_data.ndcg.max(1e-9) - 1.0),
                            best.metrics.listen_min - r.base_with_data.listen_min
                        );
                    }
                }
                Ok(ExitCode::SUCCESS)
            }
            BenchWhat::Complete {
                tracks,
                k,
                requests,
                train_epochs,
                first_model,
                rescore_every,
                history_days,
                json,
            } => {
                let backend = ComputeBackend::from_env();
                let options = playgenie_bench::complete::Options {
                    train_epochs: (!first_model).then_some(train_epochs),
                    rescore: rescore_every,
                    k,
                    requests,
                    history_days,
                };
                let reports =
                    playgenie_bench::complete::run(&tracks, &options, &backend, |line| {
                        eprintln!("{line}")
                    })?;
                if json {
                    print_json(&reports);
                } else {
                    print_complete(k, history_days, &backend, &reports);
                }
                Ok(ExitCode::SUCCESS)
            }
            BenchWhat::Scale {
                tracks,
                requests,
                history_days,
                repeats,
                json,
            } => {
                let backend = ComputeBackend::from_env();
                let r = playgenie_bench::scale::run(
                    tracks,
                    requests,
                    history_days,
                    repeats,
                    &backend,
                    |line| eprintln!("{line}"),
                )?;
                if json {
                    print_json(&r);
                } else {
                    print_complete(
                        r.complete.k,
                        history_days,
                        &backend,
                        std::slice::from_ref(&r.complete),
                    );
                    println!();
                    print_rescan(&r.rescan);
                    println!("\nat {tracks} tracks, against the goals:");
                    for f in r.figures() {
                        println!(
                            "  {:<42} {:>9.2} {:<2}  (goal <= {} {}) {}",
                            f.what,
                            f.value,
                            f.unit,
                            f.goal,
                            f.unit,
                            if f.met() { "met" } else { "NOT met" }
                        );
                    }
                }
                Ok(ExitCode::SUCCESS)
            }
            BenchWhat::Rescan {
                files,
                touched,
                repeats,
                json,
            } => {
                let r = playgenie_bench::rescan::run(files, touched, repeats, |line| {
                    eprintln!("{line}")
                })?;
                if json {
                    print_json(&r);
                } else {
                    print_rescan(&r);
                }
                Ok(ExitCode::SUCCESS)
            }
            BenchWhat::VaeSpeed {
                data,
                epochs,
                repeats,
                json,
            } => {
                let config =
                    VaeConfig::new().with_training(TrainingConfig::new().with_epochs(epochs));
                let r = playgenie_bench::run::vae_speed(&data, &config, repeats)?;
                if json {
                    print_json(&r);
                } else {
                    println!("{} tracks, {} training playlists", r.tracks, r.playlists);
                    for d in std::iter::once(&r.chosen).chain(r.cpu.as_ref()) {
                        println!(
                            "{:<40} epoch {:>7.2} s (all: {:?}), 20-track generation {:>8.1} ms (median)",
                            d.device,
                            d.steady_epoch_s(),
                            d.epoch_s.iter().map(|s| (s * 100.0).round() / 100.0).collect::<Vec<_>>(),
                            d.median_generate_ms()
                        );
                    }
                    if let Some(cpu) = &r.cpu {
                        println!(
                            "speed-up over the CPU: training {:.2}x, generation {:.2}x",
                            cpu.steady_epoch_s() / r.chosen.steady_epoch_s(),
                            cpu.median_generate_ms() / r.chosen.median_generate_ms()
                        );
                    }
                }
                Ok(ExitCode::SUCCESS)
            }
            BenchWhat::Run {
                data,
                model,
                train,
                eval,
                out,
                seed,
                no_user_latent,
                no_graph,
                no_context,
                no_content,
                no_recency,
                no_seed_views,
                beta,
                epochs,
                dim,
                lr,
                cold_share,
                sampled_above,
                sampled_draws,
                json,
            } => {
                let model_config = ModelConfig::new()
                    .with_user_latent(!no_user_latent)
                    .with_graph(!no_graph)
                    .with_context(!no_context)
                    .with_content(!no_content)
                    .with_recency(!no_recency);
                // The benchmark's requests see only earlier requests' seeds.
                let mut vae = VaeConfig::new()
                    .with_model(model_config)
                    .with_training(TrainingConfig::new().with_later_seeds_only(!no_seed_views));
                if let Some(beta) = beta {
                    vae.training.beta = beta;
                }
                if let Some(epochs) = epochs {
                    vae.training.epochs = epochs;
                }
                if let Some(dim) = dim {
                    vae.model.dim = dim;
                }
                if let Some(lr) = lr {
                    vae.training.learning_rate = lr;
                }
                if let Some(share) = cold_share {
                    vae.training.cold_share = share;
                }
                vae.training.sampled_above = sampled_above;
                vae.training.sampled_draws = sampled_draws;
                let options = playgenie_bench::run::RunOptions {
                    data,
                    model,
                    train,
                    eval,
                    out,
                    seed,
                    vae,
                };
                let r = playgenie_bench::run::run(&options)?;
                if json {
                    print_json(&r);
                } else {
                    print_run(&r);
                }
                Ok(ExitCode::SUCCESS)
            }
            BenchWhat::Index {
                dir,
                full,
                edge_s,
                mid_s,
                mids,
                compare_full,
                rounds,
                threads,
                listen,
                lists,
                json,
            } => {
                let default = playgenie_core::analysis::WindowPlan::default();
                let coverage = if full {
                    playgenie_core::analysis::Coverage::Full
                } else {
                    playgenie_core::analysis::Coverage::Windows(
                        playgenie_core::analysis::WindowPlan {
                            edge_s: edge_s.unwrap_or(default.edge_s),
                            mid_s: mid_s.unwrap_or(default.mid_s),
                            mids: mids.unwrap_or(default.mids),
                        },
                    )
                };
                let plan = listen.map(|patches| playgenie_bench::index::ListenPlan {
                    patches,
                    backend: playgenie_models::ComputeBackend::from_env(),
                    lists,
                });
                let b = playgenie_bench::index::index(
                    &dir,
                    coverage,
                    threads,
                    compare_full,
                    rounds,
                    plan.as_ref(),
                )?;
                if json {
                    print_json(&b);
                } else {
                    println!(
                        "files                 {} ({} failed), {} threads",
                        b.files, b.failed, b.threads
                    );
                    println!(
                        "audio                 {:.0} s ({:.0} s decoded by the analyser)",
                        b.audio_s, b.decoded_by_analyser_s
                    );
                    println!(
                        "analyse               {:.2} s: {:.2} tracks/s, {:.0} s of audio per s",
                        b.analyse_s, b.tracks_per_s, b.audio_s_per_s
                    );
                    println!(
                        "full decode only      {:.2} s: {:.0} s of audio per s",
                        b.decode_only_s, b.decode_only_audio_s_per_s
                    );
                    println!(
                        "ratio                 {:.2}x the full-decode throughput (median of {} rounds: {})",
                        b.ratio_vs_full_decode,
                        b.rounds,
                        b.ratio_per_round
                            .iter()
                            .map(|r| format!("{r:.2}"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    );
                    if let Some(mb) = b.peak_memory_mb {
                        println!("peak memory           {mb:.0} MB");
                    }
                    match (b.precision_at_5, b.chance_at_5) {
                        (Some(p), Some(c)) => {
                            println!("precision@5           {p:.3} (chance {c:.3})")
                        }
                        _ => println!(
                            "precision@5           n/a (needs files in labelled subfolders)"
                        ),
                    }
                    if let Some(c) = &b.vs_full {
                        println!(
                            "vs whole files        loudness |diff| mean {:.2} LU, max {:.2} LU; tempo within 4% {:.0}%; same key {:.0}%; whole-file precision@5 {}",
                            c.loudness_mae_lu,
                            c.loudness_max_lu,
                            100.0 * c.tempo_agreement,
                            100.0 * c.key_agreement,
                            c.full_precision_at_5.map_or("n/a".into(), |p| format!("{p:.3}"))
                        );
                    }
                    print_listening(&b);
                }
                Ok(ExitCode::SUCCESS)
            }
        }
    }
}

fn print_listening(b: &playgenie_bench::index::IndexBench) {
    for c in &b.cold_start {
        println!(
            "cold start, {} lists   recall@5 {:.3}, NDCG@10 {:.3}: {}",
            c.lists, c.recall_at_5, c.ndcg_at_10, c.representation
        );
    }
    let count = |n: usize| {
        if n == ALL_PATCHES {
            "all".to_owned()
        } else {
            n.to_string()
        }
    };
    let p = |x: Option<f64>| x.map_or("n/a".to_owned(), |p| format!("{p:.3}"));
    for l in &b.listening {
        println!(
            "listen {:>3} patches    {:.2} tracks/s on {} ({} patches, {:.0} ms per patch in the networks, front end {:.1} s, networks {:.1} s; {} failed)",
            count(l.patches_per_track),
            l.tracks_per_s,
            l.backend,
            l.patches,
            l.ms_per_patch,
            l.front_end_s,
            l.network_s,
            l.failed
        );
    }
    for q in &b.listening_quality {
        println!(
            "precision@5 {:>3} p.    (a) features {} (b) embedding {} tags {} (c) all {}{}",
            count(q.patches_per_track),
            p(q.hand),
            p(q.embedding),
            p(q.tags),
            p(q.all),
            q.tag_mae_vs_most.map_or(String::new(), |m| format!(
                "; tags |Δ| vs most patches {m:.3}"
            ))
        );
        let best = q
            .sweep
            .iter()
            .max_by(|a, b| a.2.unwrap_or(0.0).total_cmp(&b.2.unwrap_or(0.0)));
        if let Some((e, t, v)) = best {
            println!(
                "                       best weights: embedding {e} × features, tags {t} × features: {}",
                p(*v)
            );
        }
    }
}

fn print_run(r: &playgenie_bench::run::RunReport) {
    println!(
        "model {} on {}: {} training playlists, {} tracks; trained in {:.1} s, predicted {} cases in {:.2} s",
        r.model, r.backend, r.train_playlists, r.catalogue, r.train_s, r.metrics.cases, r.predict_s
    );
    if let (Some(ndcg), Some(best)) = (r.initial_valid_ndcg, r.best_epoch) {
        println!("validation NDCG before training {ndcg:.4}; epoch kept: {best} (0 = untrained)");
    }
    if let Some(last) = r.epochs.last() {
        println!(
            "epochs {}, validation NDCG by epoch: {}; last: train loss {:.4}, kl {:.3}, valid loss {:.4}",
            r.epochs.len(),
            r.epochs
                .iter()
                .map(|e| format!("{:.4}", e.valid_ndcg))
                .collect::<Vec<_>>()
                .join(" "),
            last.train_loss,
            last.train_kl,
            last.valid_loss
        );
    }
    println!(
        "{:<8} {:>6} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8} {:>10}",
        "seed", "cases", "r_prec", "ndcg", "ndcg10", "hr10", "clicks", "next1", "listen_min"
    );
    let row = |label: String, n: usize, m: &playgenie_models::metrics::Metrics| {
        println!(
            "{label:<8} {n:>6} {:>8.4} {:>8.4} {:>8.4} {:>8.3} {:>8.2} {:>8.3} {:>10.2}",
            m.r_prec, m.ndcg, m.ndcg10, m.hr10, m.clicks, m.next1, m.listen_min
        );
    };
    row("all".into(), r.metrics.cases, &r.metrics.overall);
    for (size, (n, m)) in &r.metrics.by_seed_size {
        row(size.to_string(), *n, m);
    }
}

/// `bench complete`'s tables.
fn print_complete(
    k: usize,
    history_days: u32,
    backend: &ComputeBackend,
    reports: &[playgenie_bench::complete::SizeReport],
) {
    println!(
        "complete, k = {k}, on {}, after {history_days} days of listening ({} plays)",
        backend.summary().label,
        reports.first().map_or(0, |r| r.history_plays)
    );
    println!(
        "{:>8} {:>8} {:>9} {:>8} {:>10} {:>10} {:>10} {:>10}",
        "tracks", "rescore", "train s", "load s", "model p50", "model p95", "cold p50", "cold p95"
    );
    for r in reports {
        println!(
            "{:>8} {:>8} {:>9.1} {:>8.2} {:>8.1}ms {:>8.1}ms {:>8.1}ms {:>8.1}ms",
            r.tracks,
            if r.rescore_every >= k {
                "once".to_owned()
            } else {
                r.rescore_every.to_string()
            },
            r.train_s,
            r.load_s,
            r.model_p50_ms,
            r.model_p95_ms,
            r.cold_p50_ms,
            r.cold_p95_ms
        );
    }
    println!(
        "\none pick (the best allowed track of the whole catalogue), against a plain read of as many bytes and an exact scoring of every track:"
    );
    println!(
        "{:>8} {:>9} {:>10} {:>10} {:>10} {:>10} {:>11} {:>7} {:>8}",
        "tracks",
        "MB/pick",
        "pick p50",
        "pick p95",
        "floor p50",
        "exact p50",
        "set-up p50",
        "cores",
        "RSS MB"
    );
    for r in reports {
        println!(
            "{:>8} {:>9.1} {:>8.2}ms {:>8.2}ms {:>8.2}ms {:>8.2}ms {:>9.2}ms {:>7} {:>8}",
            r.tracks,
            r.pick_bytes as f64 / 1e6,
            r.pick_p50_ms,
            r.pick_p95_ms,
            r.floor_p50_ms,
            r.exact_p50_ms,
            r.setup_p50_ms,
            r.cores,
            r.rss_mb
                .map_or_else(|| "?".to_owned(), |m| format!("{m:.0}"))
        );
    }
    for r in reports {
        println!(
            "{} tracks: a pick scored {:.0} tracks exactly after its approximate pass (median; at most {:.0}); {} of {} picks differ from the exact scores' best",
            r.tracks,
            r.rechecked_p50,
            r.rechecked_max,
            r.picks_differing,
            r.requests * r.k
        );
    }
}

/// `bench rescan`'s figures.
fn print_rescan(r: &playgenie_bench::rescan::RescanReport) {
    println!("rescans of {} files on {} cores", r.files, r.cores);
    println!(
        "unchanged: median {:.2} s, p95 {:.2} s over {} runs",
        r.unchanged_p50_s, r.unchanged_p95_s, r.unchanged_runs
    );
    println!("after touching {} files: {:.2} s", r.touched, r.touched_s);
    println!(
        "watcher, one new file: in the database {:.2} s after its write ({:.0} s of that is the settle time)",
        r.watcher_s, r.settle_s
    );
}
