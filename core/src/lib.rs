//! The PlayGenie core: the library, the database, and (growing) history,
//! playlists, playback, the genie behind "Complete playlist", and the
//! services both front ends call.
//!
//! Two front doors use it: the `playgenie` CLI (`cli/`) and the Tauri app
//! (`src-tauri/`). Both are thin; everything they can do lives here.

pub mod db;
pub mod doctor;
pub mod ear;
pub mod engagement;
pub mod error;
pub mod exclusions;
pub mod fsio;
pub mod genie;
pub mod history;
pub mod library;
pub mod listen;
pub mod logging;
pub mod memory;
pub mod model_store;
pub mod path;
pub mod paths;
pub mod player;
pub mod playlists;
pub mod radio;
pub mod scan;
pub mod service;
pub mod smart;
#[cfg(test)]
mod testing;
pub mod versions;
pub mod watch;

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

pub use db::Db;
pub use error::{Error, Result};
pub use library::LibraryFolder;
pub use paths::AppPaths;
/// Audio analysis (its own crate, `playgenie-analysis`).
pub use playgenie_analysis as analysis;
pub use playgenie_formats as formats;
pub use playgenie_models::{BackendSummary, ComputeBackend, DevicePreference};
pub use service::Services;

/// One open PlayGenie installation: its paths and its database.
#[derive(Debug)]
pub struct Core {
    paths: AppPaths,
    db: Db,
}

impl Core {
    /// Creates the data folders if needed and opens the database.
    /// The database must pass SQLite's quick check: a damaged one is
    /// refused with advice (`playgenie db restore`) before anything writes.
    pub fn open(paths: AppPaths) -> Result<Self> {
        paths.ensure()?;
        let db = Db::open(&paths.database)?;
        db.check_integrity()?;
        Ok(Self { paths, db })
    }

    /// Opens the installation, and if its database is damaged and a good
    /// backup exists, puts the backup back first (the damaged file is kept
    /// beside it) and says so: the app's way of offering the restore that
    /// the CLI leaves to `playgenie db restore`. Without a backup the
    /// damage is the error, as with [`Core::open`].
    pub fn open_restoring(paths: AppPaths) -> Result<(Self, Option<Restored>)> {
        match Self::open(paths.clone()) {
            Err(Error::DatabaseDamaged { detail, .. }) if paths.backup.is_file() => {
                let kept = db::restore_backup(&paths.database)?;
                tracing::warn!(%detail, kept = %kept.display(), "damaged database restored from its backup");
                let core = Self::open(paths)?;
                Ok((core, Some(Restored { kept, detail })))
            }
            other => other.map(|core| (core, None)),
        }
    }

    /// Opens the installation named by `PLAYGENIE_HOME` or the platform.
    pub fn open_default() -> Result<Self> {
        Self::open(AppPaths::from_env()?)
    }

    /// Where things live.
    pub fn paths(&self) -> &AppPaths {
        &self.paths
    }

    /// The database.
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// Adds a library folder (idempotent) and returns its summary.
    pub fn add_library_folder(&self, dir: &Path) -> Result<LibraryFolder> {
        let absolute = library::validate_folder(dir)?;
        if self.db.add_library_folder(&absolute)? {
            tracing::info!(folder = %absolute.display(), "library folder added");
        }
        Ok(library::summarise(&absolute))
    }

    /// Adds `dirs` to the library and indexes them.
    pub fn index(
        &self,
        dirs: &[PathBuf],
        options: &scan::ScanOptions,
        cancel: &AtomicBool,
        progress: impl FnMut(&scan::ScanProgress),
    ) -> Result<scan::ScanReport> {
        let mut folders = Vec::with_capacity(dirs.len());
        for dir in dirs {
            let absolute = library::validate_folder(dir)?;
            self.db.add_library_folder(&absolute)?;
            folders.push(absolute);
        }
        scan::scan(&self.db, &folders, options, cancel, progress)
    }

    /// Removes a library folder and its tracks from the library (the files
    /// stay on disk). A path that is not a library folder removes nothing
    /// and returns `false`.
    pub fn remove_library_folder(&self, dir: &Path) -> Result<bool> {
        let absolute = std::fs::canonicalize(dir).unwrap_or_else(|_| fsio::absolute(dir));
        self.db.remove_library_folder(&absolute)
    }

    /// Rescans the library on a connection of its own, so the app can keep
    /// reading the database (WAL) while a long scan writes. `scope` limits
    /// the scan to folders inside the library (what the folder watcher saw
    /// change); `None` rescans every library folder. `scanned` gets the
    /// report once the library is written, before the database's backup
    /// ([`scan::scan_then_back_up`]).
    pub fn scan_library(
        paths: &AppPaths,
        scope: Option<&[PathBuf]>,
        options: &scan::ScanOptions,
        cancel: &AtomicBool,
        progress: impl FnMut(&scan::ScanProgress),
        scanned: impl FnOnce(&scan::ScanReport),
    ) -> Result<scan::ScanReport> {
        let db = Db::open(&paths.database)?;
        let library: Vec<PathBuf> = db
            .library_folders()?
            .into_iter()
            .filter(|f| f.is_dir())
            .collect();
        let folders = match scope {
            None => library,
            Some(scope) => scope
                .iter()
                .filter(|f| library.iter().any(|root| f.starts_with(root)))
                .cloned()
                .collect(),
        };
        scan::scan_then_back_up(&db, &folders, options, cancel, progress, scanned)
    }

    /// Every library folder with its current summary.
    pub fn library_folders(&self) -> Result<Vec<LibraryFolder>> {
        Ok(self
            .db
            .library_folders()?
            .iter()
            .map(|path| library::summarise(path))
            .collect())
    }
}

/// A damaged database that [`Core::open_restoring`] replaced with its
/// backup.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Restored {
    /// Where the damaged file was kept.
    pub kept: PathBuf,
    /// What SQLite found wrong with it.
    pub detail: String,
}

impl Restored {
    /// The notice a person reads.
    pub fn notice(&self) -> String {
        format!(
            "PlayGenie's database was damaged ({}), so the copy made after the last library scan was put back; changes since that scan are lost. The damaged file is kept as {}.",
            self.detail,
            self.kept.display()
        )
    }
}

/// Events from the core to a front end, in one typed stream. The app
/// forwards them to the UI as the `core-event` Tauri event; `ui/src/lib/api.ts`
/// mirrors this type.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum CoreEvent {
    /// The compute backend was chosen (start-up probing finished).
    BackendReady { backend: BackendSummary },
    /// A library scan advanced by one file.
    ScanProgress { progress: scan::ScanProgress },
    /// A library scan ended (also when cancelled).
    ScanFinished { report: scan::ScanReport },
    /// A library scan could not run.
    ScanFailed { message: String },
    /// The player's state changed (a few times a second while playing).
    Player { state: player::PlayerState },
    /// A play ended and is in the history.
    PlayRecorded { play: db::NewPlay },
    /// Model training started on this backend.
    TrainStarted {
        backend: String,
        mode: genie::TrainMode,
    },
    /// One training epoch ended (the loss curve grows by a point).
    TrainProgress {
        epoch: playgenie_models::vae::EpochStats,
    },
    /// Training ended; `report.version` is the model now in use (None: the
    /// previous one stayed).
    TrainFinished { report: genie::TrainReport },
    /// Training could not run.
    TrainFailed { message: String },
    /// The listening pass heard a batch of tracks.
    ListenProgress { progress: db::ListeningProgress },
    /// The listening pass ended (also when cancelled).
    ListenFinished { report: listen::ListenReport },
    /// The listening pass could not run.
    ListenFailed { message: String },
}
