//! `playgenie scan-errors`: files that could not be indexed, and why.

use std::process::ExitCode;

use playgenie_core::Core;

use super::Outcome;
use crate::output::{print_json, shown};

#[derive(Debug, clap::Args)]
pub struct ScanErrorsArgs {
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

impl ScanErrorsArgs {
    pub fn run(self, core: Core) -> Outcome {
        let errors = core.db().scan_errors()?;
        if self.json {
            print_json(&errors);
        } else if errors.is_empty() {
            println!("no scan errors");
        } else {
            for e in errors {
                println!("{}\t{}\t{}", e.kind, shown(&e.path), shown(&e.message));
            }
        }
        Ok(ExitCode::SUCCESS)
    }
}
