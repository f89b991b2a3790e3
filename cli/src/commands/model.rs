//! `playgenie model list|use`: the saved model versions.

use std::process::ExitCode;

use clap::Subcommand;
use playgenie_core::{Core, Error, Services};

use super::Outcome;
use crate::output::print_json;

#[derive(Debug, clap::Args)]
pub struct ModelArgs {
    #[command(subcommand)]
    action: ModelAction,
}

#[derive(Debug, Subcommand)]
enum ModelAction {
    /// Every saved model version; `*` marks the one in use.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Put a saved version in use (roll back or forward).
    Use { version: u32 },
}

impl ModelArgs {
    pub fn run(self, core: Core) -> Outcome {
        let services = Services::quiet(core);
        let store = services.store();
        match self.action {
            ModelAction::List { json } => {
                let versions = store.versions()?;
                let current = store.current_version()?;
                if json {
                    print_json(&serde_json::json!({ "current": current, "versions": versions }));
                } else if versions.is_empty() {
                    println!("no model yet: run `playgenie train`");
                } else {
                    for v in versions {
                        let mark = if Some(v.version) == current { "*" } else { " " };
                        println!(
                            "{mark} v{}\tvalid loss {:.4}\t{} tracks\t{}",
                            v.version,
                            v.valid_loss,
                            v.tracks.len(),
                            v.note
                        );
                    }
                }
            }
            ModelAction::Use { version } => {
                services
                    .use_model_version(version)
                    .map_err(|e| Error::Model(format!("cannot use v{version}: {e}")))?;
                println!("model v{version} in use");
            }
        }
        Ok(ExitCode::SUCCESS)
    }
}
