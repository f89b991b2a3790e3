//! The core's one error type. Every variant says what went wrong in words a
//! person can act on; the CLI and the app print it as it is.

use std::path::PathBuf;

/// Errors of the PlayGenie core.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The data directory could not be determined or created.
    #[error(
        "cannot use the data directory {path}: {source} (set PLAYGENIE_HOME to a writable folder)"
    )]
    DataDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// No home directory, and no PLAYGENIE_HOME either.
    #[error("cannot find a home directory for PlayGenie's data; set PLAYGENIE_HOME to a writable folder")]
    NoHome,
    /// SQLite refused an operation.
    #[error("database error in {path}: {source}")]
    Database {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    /// The schema could not be brought up to date.
    #[error("cannot upgrade the database {path}: {source}")]
    Migration {
        path: PathBuf,
        #[source]
        source: rusqlite_migration::Error,
    },
    /// A library folder the user named is not usable.
    #[error("{path} is not a folder PlayGenie can read: {reason}")]
    LibraryFolder { path: PathBuf, reason: String },
    /// The scan could not run at all (individual bad files never cause this).
    #[error("cannot scan the library: {0}")]
    Scan(String),
    /// The library folders cannot be watched for changes (scans by hand
    /// still work).
    #[error("cannot watch the library for changes: {0}")]
    Watch(String),
    /// A benchmark data file is missing or malformed (names file and line).
    #[error(transparent)]
    Data(#[from] crate::playlist_data::DataError),
    /// A model checkpoint could not be written or read.
    #[error("model checkpoint: {0}")]
    Model(String),
    /// A benchmark run could not complete.
    #[error("benchmark: {0}")]
    Bench(String),
    /// A playlist operation the user asked for cannot be done (no such
    /// playlist, a name already taken, a position out of range).
    #[error("{0}")]
    Playlist(String),
    /// A playlist or history file could not be read at all.
    #[error("{path}: {source}")]
    Format {
        path: PathBuf,
        #[source]
        source: playgenie_formats::FormatError,
    },
    /// A file the user named could not be read or written.
    #[error("{path}: {source}")]
    File {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A track cannot be played (the file is gone or not decodable).
    #[error("cannot play {path}: {reason}")]
    Playback { path: PathBuf, reason: String },
    /// The user stopped a long task (training); nothing was changed.
    #[error("cancelled; nothing was changed")]
    Cancelled,
    /// The player thread is gone.
    #[error("the player stopped working; restart PlayGenie")]
    PlayerGone,
    /// The backend self-test could not read its results back.
    #[error("compute backend self-test failed: {0}")]
    SelfTest(#[from] playgenie_models::selftest::SelfTestError),
}

/// Result alias for the core.
pub type Result<T, E = Error> = std::result::Result<T, E>;
