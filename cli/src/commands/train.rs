//! `playgenie train`: train the model on the library and the listening
//! history, now. `--auto` does what the app does by itself.

use std::process::ExitCode;
use std::sync::{Arc, OnceLock};

use playgenie_core::genie::TrainMode;
use playgenie_core::service::training::{Due, FINE_TUNE_AFTER};
use playgenie_core::{Core, CoreEvent, Services};

use super::Outcome;
use crate::output::print_json;

#[derive(Debug, clap::Args)]
pub struct TrainArgs {
    /// From fresh weights instead of fine-tuning.
    #[arg(long, conflicts_with_all = ["fine_tune", "auto"])]
    full: bool,
    /// Fine-tune the model in use (the default).
    #[arg(long, conflicts_with = "auto")]
    fine_tune: bool,
    /// What the app does by itself: from scratch when the model does not
    /// fit the library, a fine-tune once enough new plays, skips and
    /// feedback came in, else nothing.
    #[arg(long)]
    auto: bool,
    /// Maximum epochs (early stopping may end sooner), 1 to 10000.
    #[arg(long, value_parser = crate::args::epochs)]
    epochs: Option<usize>,
    #[arg(long)]
    json: bool,
}

impl TrainArgs {
    pub fn run(self, core: Core) -> Outcome {
        let json = self.json;
        let events = Arc::new(move |event: CoreEvent| match event {
            CoreEvent::TrainStarted { backend, mode } if !json => {
                eprintln!("training on {backend} ({mode:?})");
            }
            CoreEvent::TrainProgress { epoch: e } if !json => eprintln!(
                "  epoch {:>2}: train loss {:.4}, valid loss {:.4}, {:.1} s",
                e.epoch, e.train_loss, e.valid_loss, e.seconds
            ),
            _ => {}
        });
        let services = Services::new(core, Arc::new(OnceLock::new()), events);
        let mode = if self.full {
            TrainMode::Full
        } else if self.auto {
            match services.training_due()? {
                Due::Nothing => {
                    if json {
                        print_json(&serde_json::json!({ "due": Due::Nothing }));
                    } else {
                        println!(
                            "the model in use fits the library and fewer than {FINE_TUNE_AFTER} new plays, skips or kept and removed suggestions came in since: nothing to do"
                        );
                    }
                    return Ok(ExitCode::SUCCESS);
                }
                Due::Full => TrainMode::Full,
                Due::FineTune => TrainMode::FineTune,
            }
        } else {
            TrainMode::FineTune
        };
        let report = services.train_now(mode, self.epochs)?;
        if json {
            print_json(&report);
        } else {
            match report.version {
                Some(v) => println!(
                    "model v{v} in use: {} tracks, {} playlists, valid loss {:.4}, {:.1} s",
                    report.tracks, report.playlists, report.valid_loss, report.seconds
                ),
                None => println!("the new model was not better; the model in use stays"),
            }
        }
        Ok(ExitCode::SUCCESS)
    }
}
