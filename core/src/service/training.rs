//! Training on the device, and when it happens by itself.
//!
//! The policy ([`due`]): with no model, or one trained on another set of
//! tracks than the library holds now, train from scratch (after a scan or
//! a removed folder);
//! once [`FINE_TUNE_AFTER`] pieces of new evidence (plays heard 30 s or
//! more, skips, kept or removed suggestions) have come in since the model
//! in use was saved, fine-tune it. One training runs at a time, on its own
//! thread and database connection, cancellable at the next batch; the
//! model in use changes only when a better one is saved.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use serde::Serialize;

use super::Services;
use crate::genie::{self, TrainMode, TrainReport};
use crate::model_store::ModelStore;
use crate::{CoreEvent, Db, Result};

/// New evidence since the model in use was saved that starts a fine-tune
/// by itself.
pub const FINE_TUNE_AFTER: usize = 30;

/// What the policy says about the model in use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Due {
    /// No model fits the library as it is: train from scratch.
    Full,
    /// Enough new evidence: fine-tune the model in use.
    FineTune,
    /// The model in use is current (or there is nothing to learn from).
    Nothing,
}

impl Due {
    /// The training this calls for, if any.
    pub fn mode(self) -> Option<TrainMode> {
        match self {
            Self::Full => Some(TrainMode::Full),
            Self::FineTune => Some(TrainMode::FineTune),
            Self::Nothing => None,
        }
    }
}

/// Whether the model in use was trained on exactly the library's analysed
/// tracks (an empty library fits any model: there is nothing to retrain).
pub fn model_fits_library(db: &Db, store: &ModelStore) -> Result<bool> {
    let ids = db.model_track_ids()?;
    if ids.is_empty() {
        return Ok(true);
    }
    let ear = db.ear_in_use(playgenie_models::listener::LISTENER_VERSION)?;
    Ok(store
        .current_meta()?
        .is_some_and(|current| current.tracks == ids && current.ear == ear))
}

/// Whether enough evidence came in since the model in use was saved
/// (false without a model: there is nothing to fine-tune).
pub fn fine_tune_due(db: &Db, store: &ModelStore) -> Result<bool> {
    let Some(current) = store.current_meta()? else {
        return Ok(false);
    };
    Ok(db.evidence_since(current.created_at)? >= FINE_TUNE_AFTER)
}

/// The whole policy: a model that does not fit comes first.
pub fn due(db: &Db, store: &ModelStore) -> Result<Due> {
    if !model_fits_library(db, store)? {
        Ok(Due::Full)
    } else if fine_tune_due(db, store)? {
        Ok(Due::FineTune)
    } else {
        Ok(Due::Nothing)
    }
}

impl Services {
    /// What the policy says now.
    pub fn training_due(&self) -> Result<Due> {
        let store = self.store();
        self.with_db(|db| due(db, &store))
    }

    /// Whether a training is running.
    pub fn is_training(&self) -> bool {
        self.training.is_running()
    }

    /// Starts a training in the background; `false` if one is running
    /// already (or no thread could be started). Events: `TrainStarted`,
    /// `TrainProgress` per epoch, then `TrainFinished` or `TrainFailed`.
    pub fn start_training(self: &Arc<Self>, mode: TrainMode) -> bool {
        let Some(cancel) = self.training.claim(|| {}) else {
            return false;
        };
        let services = Arc::clone(self);
        self.training.spawn("model-training", move || {
            let result = services.train_claimed(mode, None, &cancel);
            services.report_training(result);
            if services.recheck.swap(false, Ordering::Relaxed) {
                services.train_if_due();
            }
        })
    }

    /// Trains now, on this thread (the CLI's `playgenie train`), with the
    /// same events as a background training; [`Services::cancel_training`]
    /// stops it. Refused while another training runs in this process.
    pub fn train_now(&self, mode: TrainMode, epochs: Option<usize>) -> Result<TrainReport> {
        let Some(cancel) = self.training.claim(|| {}) else {
            return Err(crate::Error::Model(
                "a training is already running; wait for it or cancel it".into(),
            ));
        };
        let result = self.train_claimed(mode, epochs, &cancel);
        if result.as_ref().is_ok_and(|r| r.version.is_some()) {
            self.invalidate_genie();
        }
        result
    }

    /// Applies the policy now: starts the training it calls for in the
    /// background, if any. Returns what it found.
    pub fn train_if_due(self: &Arc<Self>) -> Due {
        match self.training_due() {
            Ok(due) => {
                if let Some(mode) = due.mode() {
                    self.start_training(mode);
                }
                due
            }
            Err(err) => {
                tracing::warn!(%err, "cannot tell whether the model needs training");
                Due::Nothing
            }
        }
    }

    /// After the library changed (a scan, a folder removed): trains from
    /// scratch when the model no longer fits it.
    pub(crate) fn after_library_change(self: &Arc<Self>) {
        self.train_when(TrainMode::Full, |db, store| {
            Ok(!model_fits_library(db, store)?)
        });
    }

    /// After new evidence (a play, a kept or removed suggestion):
    /// fine-tunes when enough has come in.
    pub(crate) fn after_evidence(self: &Arc<Self>) {
        self.train_when(TrainMode::FineTune, fine_tune_due);
    }

    /// Starts a `mode` training in the background when `due` says so.
    fn train_when(self: &Arc<Self>, mode: TrainMode, due: fn(&Db, &ModelStore) -> Result<bool>) {
        let store = self.store();
        match self.with_db(|db| due(db, &store)) {
            Ok(true) => {
                if !self.start_training(mode) && self.is_training() {
                    self.recheck.store(true, Ordering::Relaxed);
                }
            }
            Ok(false) => {}
            Err(err) => tracing::warn!(%err, ?mode, "cannot tell whether training is due"),
        }
    }

    /// Asks a running training to stop at its next batch (the model in use
    /// stays); `false` if none runs or it was asked already.
    pub fn cancel_training(&self) -> bool {
        self.training.cancel() == Some(false)
    }

    fn train_claimed(
        &self,
        mode: TrainMode,
        epochs: Option<usize>,
        cancel: &AtomicBool,
    ) -> Result<TrainReport> {
        let result = self.train_with(mode, epochs, cancel);
        self.training.release();
        result
    }

    /// One training on a connection of its own, with its events.
    fn train_with(
        &self,
        mode: TrainMode,
        epochs: Option<usize>,
        cancel: &AtomicBool,
    ) -> Result<TrainReport> {
        let backend = self.backend();
        self.emit(CoreEvent::TrainStarted {
            backend: backend.summary().label,
            mode,
        });
        let db = Db::open(&self.paths.database)?;
        genie::train(
            &db,
            &self.store(),
            &backend,
            mode,
            epochs,
            cancel,
            |epoch| {
                self.emit(CoreEvent::TrainProgress {
                    epoch: epoch.clone(),
                });
            },
        )
    }

    fn report_training(&self, result: Result<TrainReport>) {
        match result {
            Ok(report) => {
                self.invalidate_genie();
                self.emit(CoreEvent::TrainFinished { report });
            }
            Err(err) => self.emit(CoreEvent::TrainFailed {
                message: err.to_string(),
            }),
        }
    }
}
