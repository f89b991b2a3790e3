//! `playgenie library add|remove|list`: the folders that make up the
//! library.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
use playgenie_core::Core;

use super::Outcome;
use crate::output::{print_json, shown};

#[derive(Debug, clap::Args)]
pub struct LibraryArgs {
    #[command(subcommand)]
    action: LibraryAction,
}

#[derive(Debug, Subcommand)]
enum LibraryAction {
    /// Add a folder of music to the library.
    Add {
        /// The folder (searched recursively).
        dir: PathBuf,
    },
    /// Remove a folder and its tracks from the library (files stay on disk).
    Remove {
        /// The folder, as added (a folder that no longer exists works too).
        dir: PathBuf,
    },
    /// List the library folders.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

impl LibraryArgs {
    pub fn run(self, core: Core) -> Outcome {
        match self.action {
            LibraryAction::Add { dir } => {
                let folder = core.add_library_folder(&dir)?;
                println!(
                    "{}: {} music files",
                    folder.path.display(),
                    folder.audio_files
                );
            }
            LibraryAction::Remove { dir } => {
                let absolute = std::fs::canonicalize(&dir).unwrap_or(dir);
                if core.remove_library_folder(&absolute)? {
                    println!("{}: removed from the library", absolute.display());
                } else {
                    eprintln!(
                        "playgenie: {} is not a library folder; nothing was removed",
                        absolute.display()
                    );
                    let folders = core.db().library_folders()?;
                    if !folders.is_empty() {
                        eprintln!("the library folders are:");
                        for folder in folders {
                            eprintln!("  {}", folder.display());
                        }
                    }
                    return Ok(ExitCode::FAILURE);
                }
            }
            LibraryAction::List { json } => {
                let folders = core.library_folders()?;
                if json {
                    print_json(&folders);
                } else {
                    for folder in folders {
                        println!(
                            "{}\t{}",
                            folder.audio_files,
                            shown(&folder.path.display().to_string())
                        );
                    }
                }
            }
        }
        Ok(ExitCode::SUCCESS)
    }
}
