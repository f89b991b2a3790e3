//! Library scans in the background: one at a time, on a connection of its
//! own (the app keeps reading while a long scan writes), progress throttled
//! to ten events a second. What is asked for while a scan runs is queued
//! and scanned right after it: the folders the watcher reported, or the
//! whole library (a folder added meanwhile may not be in the running
//! scan's list). After a scan the genie reloads, and the listening pass
//! and the training policy run ([`Services::listen_then_train`]).

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::Services;
use crate::scan::{ScanOptions, ScanReport};
use crate::watch;
use crate::{Core, CoreEvent};

/// Scans asked for while one ran.
#[derive(Debug, Default)]
pub(crate) struct Pending {
    /// The whole library.
    all: bool,
    /// Folders inside it.
    folders: Vec<PathBuf>,
}

impl Pending {
    /// The next scan's scope (`Some(None)`: the whole library), emptying
    /// the queue.
    fn take(&mut self) -> Option<Option<Vec<PathBuf>>> {
        let folders = std::mem::take(&mut self.folders);
        if std::mem::take(&mut self.all) {
            Some(None)
        } else if folders.is_empty() {
            None
        } else {
            Some(Some(watch::rescan_roots(folders)))
        }
    }
}

/// The most progress events a scan sends per second.
const PROGRESS_EVERY: Duration = Duration::from_millis(100);

impl Services {
    /// Starts a scan of the whole library (`scope` None) or of the folders
    /// in `scope`. Returns whether a scan started now; a request that
    /// arrives while one runs is queued and runs after it.
    pub fn start_scan(self: &Arc<Self>, scope: Option<Vec<PathBuf>>) -> bool {
        // Busy: the request is queued and scanned after the running one.
        let claimed = self.scan.claim(|| {
            if let Ok(mut pending) = self.pending.lock() {
                match scope.clone() {
                    Some(folders) => pending.folders.extend(folders),
                    None => pending.all = true,
                }
            }
        });
        let Some(cancel) = claimed else {
            return false;
        };
        let services = Arc::clone(self);
        self.scan.spawn("library-scan", move || {
            services.scan_claimed(scope, &cancel)
        })
    }

    /// Asks a running scan to stop after the files in flight; `false` if
    /// none runs.
    pub fn cancel_scan(&self) -> bool {
        self.scan.cancel().is_some()
    }

    /// Whether a scan is running.
    pub fn is_scanning(&self) -> bool {
        self.scan.is_running()
    }

    fn scan_claimed(self: &Arc<Self>, scope: Option<Vec<PathBuf>>, cancel: &AtomicBool) {
        let mut last = Instant::now() - PROGRESS_EVERY;
        let options = ScanOptions::default();
        // A rescan of a few folders (what the watcher saw change) is
        // reported as soon as the library is written, before the backup of
        // the whole database; a whole-library scan once its backup is made.
        let scoped = scope.is_some();
        let finished = |report: &ScanReport| {
            self.invalidate_genie();
            self.emit(CoreEvent::ScanFinished {
                report: report.clone(),
            });
        };
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
            |report| {
                if scoped {
                    finished(report);
                }
            },
        );
        self.scan.release();
        match result {
            Ok(report) => {
                if !scoped {
                    finished(&report);
                }
                self.listen_then_train();
            }
            Err(err) => self.emit(CoreEvent::ScanFailed {
                message: err.to_string(),
            }),
        }
        let next = self.pending.lock().ok().and_then(|mut p| p.take());
        if let Some(scope) = next {
            self.start_scan(scope);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_whole_library_request_wins_over_queued_folders_and_the_queue_empties() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (a, inner, b) = (
            dir.path().join("a"),
            dir.path().join("a/x"),
            dir.path().join("b"),
        );
        std::fs::create_dir_all(&inner).expect("mkdir");
        std::fs::create_dir_all(&b).expect("mkdir");
        let mut queue = Pending::default();
        assert_eq!(queue.take(), None);
        queue.folders = vec![inner, a.clone()];
        assert_eq!(
            queue.take(),
            Some(Some(vec![a])),
            "the outer folder covers the inner"
        );
        assert_eq!(queue.take(), None);
        queue.folders.push(b);
        queue.all = true;
        assert_eq!(
            queue.take(),
            Some(None),
            "the whole library covers the folders"
        );
        assert_eq!(queue.take(), None);
    }
}
