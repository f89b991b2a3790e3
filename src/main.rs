//! `playgenie`: the command-line front door to the PlayGenie core.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use playgenie::{doctor, logging, ComputeBackend, Core, DevicePreference};

/// PlayGenie: a private music player that completes your playlists on your
/// own machine.
#[derive(Debug, Parser)]
#[command(name = "playgenie", version, about, long_about = None)]
struct Cli {
    /// More detailed logs on stderr (RUST_LOG overrides).
    #[arg(short, long, global = true)]
    verbose: bool,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Report versions, data paths, and the compute backend in use.
    Doctor {
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
        /// Also run a forward pass and an Adam step on the backend in use
        /// and compare the numbers with the CPU's.
        #[arg(long)]
        self_test: bool,
        /// Compute device: auto (a hardware GPU if present), gpu or cpu.
        #[arg(long, env = playgenie_models::device::DEVICE_ENV, default_value = "auto")]
        device: DevicePreference,
    },
    /// Manage the folders that make up the music library.
    Library {
        #[command(subcommand)]
        action: LibraryAction,
    },
}

#[derive(Debug, Subcommand)]
enum LibraryAction {
    /// Add a folder of music to the library.
    Add {
        /// The folder (searched recursively).
        dir: PathBuf,
    },
    /// List the library folders.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    logging::init(cli.verbose);
    match run(cli.command) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("playgenie: {err}");
            let mut source = std::error::Error::source(&err);
            while let Some(cause) = source {
                eprintln!("  caused by: {cause}");
                source = cause.source();
            }
            ExitCode::FAILURE
        }
    }
}

fn run(command: Command) -> playgenie::Result<ExitCode> {
    let core = Core::open_default()?;
    match command {
        Command::Doctor {
            json,
            self_test,
            device,
        } => {
            let backend = ComputeBackend::select(device);
            let report = doctor::report(&core, &backend, self_test)?;
            if json {
                println!("{}", to_json(&report));
            } else {
                print!("{}", report.render());
            }
            let failed = report.self_test.as_ref().is_some_and(|t| !t.passed);
            Ok(if failed {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::Library { action } => {
            match action {
                LibraryAction::Add { dir } => {
                    let folder = core.add_library_folder(&dir)?;
                    println!(
                        "{}: {} music files",
                        folder.path.display(),
                        folder.audio_files
                    );
                }
                LibraryAction::List { json } => {
                    let folders = core.library_folders()?;
                    if json {
                        println!("{}", to_json(&folders));
                    } else {
                        for folder in folders {
                            println!("{}\t{}", folder.audio_files, folder.path.display());
                        }
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn to_json(value: &impl serde::Serialize) -> String {
    // Our report types contain only strings, numbers and paths: they always
    // serialise. A failure would be a bug worth seeing, not a user error.
    serde_json::to_string_pretty(value).unwrap_or_else(|err| format!("{{\"error\": \"{err}\"}}"))
}
