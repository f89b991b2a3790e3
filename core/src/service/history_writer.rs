//! Ended plays go to the history on a thread of their own, so the player
//! thread never waits on SQLite (a scan may hold the write lock for half a
//! second). Each recorded play is announced (`PlayRecorded`) and counts as
//! evidence for the fine-tune policy; the radio hears of it first.

use std::sync::mpsc::{self, Sender};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::Services;
use crate::db::NewPlay;
use crate::{CoreEvent, Db, Error, Result};

/// The running writer. It stops once every [`Sender`] it handed out is
/// dropped (the player's, when the player ends), after writing what it was
/// sent.
#[derive(Debug)]
pub struct HistoryWriter {
    handle: JoinHandle<()>,
}

impl HistoryWriter {
    /// Waits up to `limit` for the last plays to be written (an app's exit
    /// must not hang); `true` if the writer finished.
    pub fn finish_within(self, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        while !self.handle.is_finished() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        if self.handle.is_finished() {
            let _ = self.handle.join();
            true
        } else {
            false
        }
    }
}

impl Services {
    /// Starts the history writer on a database connection of its own;
    /// returns where to send ended plays, and the writer.
    pub fn start_history_writer(self: &Arc<Self>) -> Result<(Sender<NewPlay>, HistoryWriter)> {
        let db = Db::open(&self.paths.database)?;
        let (plays, ended) = mpsc::channel::<NewPlay>();
        let services = Arc::clone(self);
        let handle = std::thread::Builder::new()
            .name("history-writer".into())
            .spawn(move || {
                for play in ended {
                    services.radio_observe(&play);
                    match db.record_plays(std::slice::from_ref(&play)) {
                        Ok(_) => {
                            services.emit(CoreEvent::PlayRecorded { play });
                            services.after_evidence();
                        }
                        Err(err) => tracing::error!(%err, "a play could not be recorded"),
                    }
                }
            })
            .map_err(|source| Error::Thread {
                name: "history-writer".into(),
                source,
            })?;
        Ok((plays, HistoryWriter { handle }))
    }
}
