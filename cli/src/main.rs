//! `playgenie`: the command-line front door to the PlayGenie core.
//!
//! One module per command under [`commands`], each a clap `Args` struct
//! with its `run`; [`output`] is where JSON and text tables are printed;
//! [`args`] checks every number a person types. The rules (when to train,
//! what feedback does, how exports are named) are the core's services,
//! shared with the app.

mod args;
mod commands;
mod output;

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use playgenie_core::{logging, Core};

use commands::*;

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
    Doctor(doctor::DoctorArgs),
    /// Add folders to the library and index them: tags, audio features,
    /// errors. Unchanged files are skipped.
    Index(index::IndexArgs),
    /// The listening pass: the learned ear's genre, mood and instrument
    /// tags and embedding for every track not heard yet (`index` runs it;
    /// this resumes it).
    Listen(listen::ListenArgs),
    /// List every indexed track with its tags, features and status.
    Tracks(tracks::TracksArgs),
    /// List files that could not be indexed, and why.
    ScanErrors(scan_errors::ScanErrorsArgs),
    /// Benchmarks that print figures.
    Bench(bench::BenchArgs),
    /// Manage the folders that make up the music library.
    Library(library::LibraryArgs),
    /// Playlists: list, show, create, add, import, export, delete.
    Playlist(playlist::PlaylistArgs),
    /// The listening history: show it, import it from other services.
    History(history::HistoryArgs),
    /// Continue a playlist with k tracks that fit it and you.
    Complete(complete::CompleteArgs),
    /// Keep or remove a suggestion, as the app's ✓ and ✕ do.
    Feedback(feedback::FeedbackArgs),
    /// Genie radio as a plan: from a track, album, artist, playlist or tag,
    /// continued by what was heard, for N minutes.
    Radio(radio::RadioArgs),
    /// A path from one track to another in N steps, each a good track for
    /// you, evenly on the way in sound.
    Path(path::PathArgs),
    /// Smart playlists: saved rules over tags, tempo, key, loudness, year,
    /// plays and skips, evaluated live.
    Smart(smart::SmartArgs),
    /// The "never suggest" list every mode respects: folders, artists,
    /// albums, tags.
    Exclude(exclude::ExcludeArgs),
    /// Songs in the library in more than one version, and which one is
    /// suggested.
    Versions(versions::VersionsArgs),
    /// Train the model on the library and the listening history: a
    /// fine-tune of the model in use by default, from scratch with --full,
    /// or what the app would do by itself with --auto.
    Train(train::TrainArgs),
    /// The database: check it, back it up, or put the last good copy back.
    Db(db::DbArgs),
    /// Model versions: list them, or put one in use.
    Model(model::ModelArgs),
    /// Play files (headless, to the default audio device or silently) and
    /// record the plays of library tracks in the history.
    Play(play::PlayArgs),
}

/// Why a command failed: the core's errors and the benchmarks' (which wrap
/// the core's), shown as one message and its causes.
#[derive(Debug, thiserror::Error)]
enum CliError {
    #[error(transparent)]
    Core(#[from] playgenie_core::Error),
    #[error(transparent)]
    Bench(#[from] playgenie_bench::Error),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    logging::init(cli.verbose);
    match run(cli.command) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("playgenie: {}", output::shown(&err.to_string()));
            let mut source = std::error::Error::source(&err);
            while let Some(cause) = source {
                eprintln!("  caused by: {}", output::shown(&cause.to_string()));
                source = cause.source();
            }
            ExitCode::FAILURE
        }
    }
}

fn run(command: Command) -> Outcome {
    let core = Core::open_default;
    match command {
        // These need no open installation: restoring must work exactly
        // when the database cannot be opened, and benchmarks use their own.
        Command::Db(args) => args.run(),
        Command::Bench(args) => args.run(),
        Command::Doctor(args) => args.run(core()?),
        Command::Index(args) => args.run(core()?),
        Command::Listen(args) => args.run(core()?),
        Command::Tracks(args) => args.run(core()?),
        Command::ScanErrors(args) => args.run(core()?),
        Command::Library(args) => args.run(core()?),
        Command::Playlist(args) => args.run(core()?),
        Command::History(args) => args.run(core()?),
        Command::Complete(args) => args.run(core()?),
        Command::Feedback(args) => args.run(core()?),
        Command::Radio(args) => args.run(core()?),
        Command::Path(args) => args.run(core()?),
        Command::Smart(args) => args.run(core()?),
        Command::Exclude(args) => args.run(core()?),
        Command::Versions(args) => args.run(core()?),
        Command::Train(args) => args.run(core()?),
        Command::Model(args) => args.run(core()?),
        Command::Play(args) => args.run(core()?),
    }
}
