//! Library scans in the background: one at a time, on a connection of its
//! own (the app keeps reading while a long scan writes), progress throttled
//! to ten events a second. Folders the watcher reports while a scan runs
//! are queued and scanned next; a whole-library request while one runs is
//! dropped (the running scan covers it). After a scan the genie reloads and
//! the training policy runs.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::{lock, spawn, Services};
use crate::scan::ScanOptions;
use crate::watch;
use crate::{Core, CoreEvent};

/// The most progress events a scan sends per second.
const PROGRESS_EVERY: Duration = Duration::from_millis(100);

impl Services {
    /// Starts a scan of the whole library (`scope` None) or of the folders
    /// in `scope`. Returns whether a scan started now; a scoped request
    /// that arrives while one runs is queued and runs after it.
    pub fn start_scan(self: &Arc<Self>, scope: Option<Vec<PathBuf>>) -> bool {
        let Ok(mut running) = lock(&self.scan, "scan") else {
            return false;
        };
        if running.is_some() {
            if let (Some(scope), Ok(mut pending)) = (scope, self.pending.lock()) {
                pending.extend(scope);
            }
            return false;
        }
        let cancel = Arc::new(AtomicBool::new(false));
        *running = Some(Arc::clone(&cancel));
        drop(running);
        let services = Arc::clone(self);
        let started = spawn("library-scan", move || {
            services.scan_claimed(scope, &cancel)
        });
        if let Err(err) = started {
            tracing::error!(%err, "the scan could not start");
            if let Ok(mut running) = self.scan.lock() {
                *running = None;
            }
            return false;
        }
        true
    }

    /// Asks a running scan to stop after the files in flight; `false` if
    /// none runs.
    pub fn cancel_scan(&self) -> bool {
        self.scan
            .lock()
            .ok()
            .and_then(|scan| scan.as_ref().map(|flag| flag.swap(true, Ordering::Relaxed)))
            .is_some()
    }

    /// Whether a scan is running.
    pub fn is_scanning(&self) -> bool {
        self.scan.lock().is_ok_and(|s| s.is_some())
    }

    fn scan_claimed(self: &Arc<Self>, scope: Option<Vec<PathBuf>>, cancel: &AtomicBool) {
        let mut last = Instant::now() - PROGRESS_EVERY;
        let options = ScanOptions::default();
        let result = Core::scan_library(
            &self.paths,
            scope.as_deref(),
            &options,
            cancel,
            |progress| {
                if last.elapsed() >= PROGRESS_EVERY || progress.done == progress.total {
                    last = Instant::now();
                    self.emit(CoreEvent::ScanProgress {
                        progress: progress.clone(),
                    });
                }
            },
        );
        if let Ok(mut running) = self.scan.lock() {
            *running = None;
        }
        match result {
            Ok(report) => {
                self.invalidate_genie();
                self.emit(CoreEvent::ScanFinished { report });
                self.after_scan();
            }
            Err(err) => self.emit(CoreEvent::ScanFailed {
                message: err.to_string(),
            }),
        }
        let next = self
            .pending
            .lock()
            .map(|mut p| std::mem::take(&mut *p))
            .unwrap_or_default();
        if !next.is_empty() {
            self.start_scan(Some(watch::rescan_roots(next)));
        }
    }
}
