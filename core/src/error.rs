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
    /// The database file fails SQLite's integrity check (or is not a
    /// database at all). Nothing was written to it.
    #[error("the database {path} is damaged ({detail}); nothing was changed. {advice}")]
    DatabaseDamaged {
        path: PathBuf,
        detail: String,
        advice: String,
    },
    /// The database can be read but not written (permissions, a read-only
    /// disk).
    #[error("the database {path} cannot be written ({source}); check that you may write it and its folder (chmod u+w), or set PLAYGENIE_HOME to a writable folder")]
    DatabaseReadOnly {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    /// The database was made by a newer PlayGenie.
    #[error("the database {path} has schema version {found}, but this PlayGenie knows versions up to {known}: it was written by a newer PlayGenie; update PlayGenie (nothing was changed)")]
    NewerSchema {
        path: PathBuf,
        found: i64,
        known: i64,
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
    /// A model checkpoint could not be written or read.
    #[error("model checkpoint: {0}")]
    Model(String),
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
    /// A file the user named is a FIFO, socket, device or folder: opening it
    /// could block forever or read without end.
    #[error("{path} is {kind}, not a regular file; PlayGenie reads only regular files")]
    NotARegularFile { path: PathBuf, kind: &'static str },
    /// A file the user named is larger than any file of its kind could be.
    #[error("{path} is larger than {limit_mib} MiB; that is not a {what} PlayGenie reads")]
    TooLarge {
        path: PathBuf,
        what: &'static str,
        limit_mib: u64,
    },
    /// A write the user asked for would replace something it must not.
    #[error("will not write {path}: {reason}")]
    RefusedWrite { path: PathBuf, reason: String },
    /// A value the user gave is outside what PlayGenie accepts.
    #[error("{0}")]
    Invalid(String),
    /// A track cannot be played (the file is gone or not decodable).
    #[error("cannot play {path}: {reason}")]
    Playback { path: PathBuf, reason: String },
    /// The user stopped a long task (training); nothing was changed.
    #[error("cancelled; nothing was changed")]
    Cancelled,
    /// A task failed while it held this part of PlayGenie.
    #[error("PlayGenie's {0} is held by a task that failed; restart PlayGenie")]
    Poisoned(&'static str),
    /// The system refused a thread (out of memory or of thread slots).
    #[error("cannot start the {name} thread: {source}")]
    Thread {
        name: String,
        #[source]
        source: std::io::Error,
    },
    /// The player thread is gone.
    #[error("the player stopped working; restart PlayGenie")]
    PlayerGone,
    /// The backend self-test could not read its results back.
    #[error("compute backend self-test failed: {0}")]
    SelfTest(#[from] playgenie_models::selftest::SelfTestError),
}

/// Result alias for the core.
pub type Result<T, E = Error> = std::result::Result<T, E>;

thread_local! {
    /// Set while [`catch_panic`] runs on this thread: its panics are caught
    /// and reported as that task's error, so the panic hook stays quiet.
    static CATCHING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Installs a panic hook that leaves panics caught by [`catch_panic`] to
/// their caller (logged at debug level with their place) and prints every
/// other one as before. Called once by [`crate::logging::init`].
pub fn install_panic_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if CATCHING.with(std::cell::Cell::get) {
                tracing::debug!(%info, "panic caught at a task boundary");
            } else {
                default(info);
            }
        }));
    });
}

/// Runs `task`, turning a panic inside it into `Err` with the panic's
/// message. The boundary for work on one untrusted input (one file of a
/// scan, one track in the player): a bug that input triggers in a library
/// fails that input, never the scan or the app.
pub fn catch_panic<T>(task: impl FnOnce() -> T) -> std::result::Result<T, String> {
    let outer = CATCHING.with(|c| c.replace(true));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(task));
    CATCHING.with(|c| c.set(outer));
    result.map_err(|payload| {
        payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_owned())
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_caught_panic_becomes_its_message() {
        super::install_panic_hook();
        let caught = super::catch_panic(|| -> u8 { panic!("bad file {}", 7) });
        assert_eq!(caught, Err("bad file 7".to_owned()));
        assert_eq!(super::catch_panic(|| 3), Ok(3));
    }
}
