//! The services both front ends call: everything PlayGenie decides by
//! itself, in one place, so the CLI and the app behave alike and
//! `cargo test` reaches every rule.
//!
//! [`Services`] owns the installation ([`Core`]) and the long-running work
//! around it:
//! - library scans and the folder watcher's queue ([`scanning`]): one scan
//!   at a time, changed folders queued while one runs;
//! - training with its policy ([`training`]): from scratch when the model
//!   does not fit the library, a fine-tune once enough new evidence came in;
//! - the listening pass ([`listening`]): the learned ear's tags and
//!   embedding, after every scan, in the background;
//! - the history writer ([`history_writer`]): ended plays recorded off the
//!   player thread;
//! - completion and feedback ([`suggestions`]): the genie loaded once and
//!   kept until the library or the model changes.
//!
//! What happens is reported as [`CoreEvent`]s to the sink a front end
//! passes in (the app forwards them to the window; the CLI prints them).
//! Share it as `Arc<Services>`: background work holds a clone.

pub mod choices;
pub mod history_writer;
pub mod listening;
pub mod radio;
pub mod scanning;
pub mod smart;
pub mod suggestions;
pub mod training;

#[cfg(test)]
mod tests;

use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use playgenie_models::ComputeBackend;

use crate::genie::Genie;
use crate::model_store::ModelStore;
use crate::watch::{self, LibraryWatcher};
use crate::{AppPaths, Core, CoreEvent, Db, Error, LibraryFolder, Result};

/// Where a front end wants [`CoreEvent`]s to go.
pub type EventSink = Arc<dyn Fn(CoreEvent) + Send + Sync>;

/// One installation and the work PlayGenie does on it by itself.
pub struct Services {
    core: Mutex<Core>,
    paths: AppPaths,
    events: EventSink,
    /// Chosen once; a front end may probe it on a thread of its own at
    /// start-up (a GPU driver can take seconds to come up).
    backend: Arc<OnceLock<ComputeBackend>>,
    /// "Complete playlist"'s genie, loaded on first use and dropped when
    /// the library or the model in use changes.
    genie: Mutex<Option<Genie>>,
    /// The genie radio session, if one is on.
    radio: radio::Slot,
    /// The running training, if any.
    training: Job,
    /// Set when the policy wanted a training while one ran: it looks
    /// again when that one ends (the library may have changed meanwhile).
    recheck: AtomicBool,
    /// The running scan, if any.
    scan: Job,
    /// The running listening pass, if any.
    listening: Job,
    /// What was asked for while a scan ran: scanned next.
    pending: Mutex<scanning::Pending>,
    /// Keeps the library current (`None` until started, or if the system
    /// refused a watcher).
    watcher: Mutex<Option<LibraryWatcher>>,
}

impl std::fmt::Debug for Services {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Services")
            .field("paths", &self.paths)
            .finish_non_exhaustive()
    }
}

impl Services {
    /// Services over `core`; events go to `events`. `backend` may already
    /// hold the compute backend, or be filled later by a probe thread.
    pub fn new(core: Core, backend: Arc<OnceLock<ComputeBackend>>, events: EventSink) -> Arc<Self> {
        let paths = core.paths().clone();
        Arc::new(Self {
            core: Mutex::new(core),
            paths,
            events,
            backend,
            genie: Mutex::new(None),
            radio: Mutex::new(None),
            training: Job::new("training"),
            recheck: AtomicBool::new(false),
            scan: Job::new("scan"),
            listening: Job::new("listening"),
            pending: Mutex::new(scanning::Pending::default()),
            watcher: Mutex::new(None),
        })
    }

    /// Services whose events are dropped (tests, one-shot commands).
    pub fn quiet(core: Core) -> Arc<Self> {
        Self::new(core, Arc::new(OnceLock::new()), Arc::new(|_| {}))
    }

    /// The installation, for reads and writes that need no policy.
    pub fn core(&self) -> Result<MutexGuard<'_, Core>> {
        lock(&self.core, "database")
    }

    /// Runs `f` on the installation's database connection.
    pub fn with_db<T>(&self, f: impl FnOnce(&Db) -> Result<T>) -> Result<T> {
        let core = self.core()?;
        f(core.db())
    }

    pub fn paths(&self) -> &AppPaths {
        &self.paths
    }

    /// The compute backend, chosen now (from `PLAYGENIE_DEVICE`) if no
    /// probe has chosen it yet.
    pub fn backend(&self) -> ComputeBackend {
        self.backend.get_or_init(ComputeBackend::from_env).clone()
    }

    /// The saved model versions.
    pub fn store(&self) -> ModelStore {
        ModelStore::new(&self.paths.models_dir)
    }

    fn emit(&self, event: CoreEvent) {
        (self.events)(event);
    }

    /// Adds a library folder, watches it and scans the library.
    pub fn add_library_folder(self: &Arc<Self>, dir: &Path) -> Result<LibraryFolder> {
        let folder = self.core()?.add_library_folder(dir)?;
        self.sync_watcher();
        self.start_scan(None);
        Ok(folder)
    }

    /// Removes a library folder and its tracks (the files stay on disk);
    /// `false` if `dir` is not a library folder, and nothing changed. The
    /// genie reloads, and a model that no longer fits is retrained.
    pub fn remove_library_folder(self: &Arc<Self>, dir: &Path) -> Result<bool> {
        let removed = self.core()?.remove_library_folder(dir)?;
        if removed {
            self.sync_watcher();
            self.invalidate_genie();
            self.after_library_change();
        }
        Ok(removed)
    }

    /// Starts watching the library folders: a change on disk rescans the
    /// folders it touched, once the file system has been quiet for
    /// [`watch::SETTLE`].
    pub fn watch_library(self: &Arc<Self>) -> Result<()> {
        let services = Arc::downgrade(self);
        let watcher =
            LibraryWatcher::start(watch::SETTLE, self.paths.data_dir.clone(), move |roots| {
                if let Some(services) = services.upgrade() {
                    services.start_scan(Some(roots));
                }
            })?;
        *lock(&self.watcher, "library watcher")? = Some(watcher);
        self.sync_watcher();
        Ok(())
    }

    /// Points the watcher (if any) at the current library folders.
    fn sync_watcher(&self) {
        let folders = match self.with_db(|db| db.library_folders()) {
            Ok(folders) => folders,
            Err(err) => {
                tracing::warn!(%err, "cannot list library folders for the watcher");
                return;
            }
        };
        if let Ok(mut watcher) = self.watcher.lock() {
            if let Some(watcher) = watcher.as_mut() {
                // Failures are logged inside; scans by hand still work.
                watcher.sync(&folders);
            }
        }
    }
}

/// Locks `mutex`; a poisoned lock (a task panicked holding it) is an error
/// the person can act on, not a panic.
pub(crate) fn lock<'a, T>(mutex: &'a Mutex<T>, what: &'static str) -> Result<MutexGuard<'a, T>> {
    mutex.lock().map_err(|_| Error::Poisoned(what))
}

/// The slot of one kind of background work (a scan, a training, a
/// listening pass): the running job's cancel flag, so that at most one
/// runs at a time.
struct Job {
    running: Mutex<Option<Arc<AtomicBool>>>,
    what: &'static str,
}

impl Job {
    fn new(what: &'static str) -> Self {
        Self {
            running: Mutex::new(None),
            what,
        }
    }

    /// The cancel flag of a new job; `None` when one runs already (then
    /// `busy` runs, under the slot's lock) or the lock is poisoned.
    fn claim(&self, busy: impl FnOnce()) -> Option<Arc<AtomicBool>> {
        let mut running = lock(&self.running, self.what).ok()?;
        if running.is_some() {
            busy();
            return None;
        }
        let cancel = Arc::new(AtomicBool::new(false));
        *running = Some(Arc::clone(&cancel));
        Some(cancel)
    }

    /// The job ended: the slot is free.
    fn release(&self) {
        if let Ok(mut running) = self.running.lock() {
            *running = None;
        }
    }

    /// Asks the running job to stop: `None` when none runs, else whether
    /// it had been asked already.
    fn cancel(&self) -> Option<bool> {
        self.running.lock().ok().and_then(|running| {
            running
                .as_ref()
                .map(|flag| flag.swap(true, std::sync::atomic::Ordering::Relaxed))
        })
    }

    fn is_running(&self) -> bool {
        self.running.lock().is_ok_and(|running| running.is_some())
    }

    /// Runs a job claimed here on a thread named `name`; if the thread
    /// cannot start, the slot is freed and the answer is `false`.
    fn spawn(&self, name: &str, work: impl FnOnce() + Send + 'static) -> bool {
        match spawn(name, work) {
            Ok(()) => true,
            Err(err) => {
                tracing::error!(%err, "{} could not start", self.what);
                self.release();
                false
            }
        }
    }
}

/// Starts a named background thread.
fn spawn(name: &str, work: impl FnOnce() + Send + 'static) -> Result<()> {
    std::thread::Builder::new()
        .name(name.into())
        .spawn(work)
        .map(|_| ())
        .map_err(|source| Error::Thread {
            name: name.into(),
            source,
        })
}

/// Now, unix seconds.
pub(crate) fn now() -> i64 {
    crate::db::now()
}
