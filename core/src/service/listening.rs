//! The listening pass in the background: one at a time, on a connection
//! of its own, started after every scan; progress after each batch. When
//! it ends the genie reloads (new tags for its explanations and
//! exclusions), and the training policy runs: the first finished pass
//! changes the model's inputs.
//!
//! Order after a scan: when there is little to hear (up to
//! [`LISTEN_FIRST_UP_TO`] tracks, minutes on a laptop CPU) the pass runs
//! first and the model trains once, with the ear; with more, the model
//! trains at once on the hand-made features while the pass runs, and
//! again when its first pass over the library is done, so a big library
//! is not left without a model for hours.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use super::Services;
use crate::listen::{listen_library, ListenOptions};
use crate::CoreEvent;
use playgenie_models::listener::LISTENER_VERSION;

/// Tracks to hear up to which a scan's training waits for the pass.
pub const LISTEN_FIRST_UP_TO: usize = 1_000;

impl Services {
    /// After a scan: the listening pass, and training when it is due (see
    /// the module's note on their order).
    pub(crate) fn listen_then_train(self: &Arc<Self>) {
        let pending = self
            .with_db(|db| db.listening_progress(LISTENER_VERSION))
            .map(|p| p.total.saturating_sub(p.done))
            .unwrap_or(usize::MAX);
        if pending > LISTEN_FIRST_UP_TO {
            self.after_library_change();
            self.start_listening();
        } else if !self.start_listening() && !self.is_listening() {
            // No pass could start: train without it. (A pass that is
            // running already hears the new tracks and trains at its end.)
            self.after_library_change();
        }
    }

    /// Starts the listening pass in the background; `false` if one runs
    /// already (it will see new tracks: it asks the database for the next
    /// batch each time) or the thread could not start.
    pub fn start_listening(self: &Arc<Self>) -> bool {
        let Some(cancel) = self.listening.claim(|| {}) else {
            return false;
        };
        let services = Arc::clone(self);
        self.listening
            .spawn("listening-pass", move || services.listen_claimed(&cancel))
    }

    /// Asks a running pass to stop after the batch in flight; `false` if
    /// none runs.
    pub fn cancel_listening(&self) -> bool {
        self.listening.cancel().is_some()
    }

    /// Whether the listening pass is running.
    pub fn is_listening(&self) -> bool {
        self.listening.is_running()
    }

    fn listen_claimed(self: &Arc<Self>, cancel: &AtomicBool) {
        let backend = self.backend();
        let options = ListenOptions::for_backend(&backend);
        let result = listen_library(&self.paths.database, &backend, options, cancel, |p| {
            self.emit(CoreEvent::ListenProgress { progress: *p });
        });
        self.listening.release();
        match result {
            Ok(report) => {
                if report.heard + report.failed > 0 {
                    self.invalidate_genie();
                }
                self.emit(CoreEvent::ListenFinished { report });
            }
            Err(err) => self.emit(CoreEvent::ListenFailed {
                message: err.to_string(),
            }),
        }
        // Trains when the model does not fit (new tracks, the ear's first
        // pass done), whether or not the pass got through.
        self.after_library_change();
    }
}
