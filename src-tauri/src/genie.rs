//! The app's "Complete playlist" commands and on-device learning: the
//! engine is loaded once and kept; training runs on its own thread (never
//! the UI's or the player's) after a scan when the model does not fit the
//! library, and on demand; progress and the loss curve go to the UI as
//! events.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use playgenie_core::complete::{self, Completion, Engine, Request, TrainMode};
use playgenie_core::model_store::{CheckpointMeta, ModelStore};
use playgenie_core::CoreEvent;
use serde::Serialize;
use tauri::{AppHandle, Manager, State};

use crate::{emit, lock_error, AppState, CommandError};

type Reply<T> = Result<T, CommandError>;

fn store(state: &AppState) -> ModelStore {
    ModelStore::new(&state.paths.models_dir)
}

/// Drops the loaded engine, so the next request loads the library and the
/// model in use afresh.
pub fn invalidate(state: &AppState) {
    if let Ok(mut engine) = state.engine.lock() {
        *engine = None;
    }
}

/// Completes playlist `id` with `k` tracks. Tracks removed from this
/// playlist's suggestions before are never suggested again.
#[tauri::command]
pub async fn complete_playlist(
    app: AppHandle,
    id: i64,
    k: usize,
    adventurousness: f32,
    artist_window: usize,
    exclude: Vec<i64>,
    local_offset_s: i64,
) -> Reply<Completion> {
    let backend = app.state::<AppState>().backend().await?;
    tauri::async_runtime::spawn_blocking(move || {
        let state = app.state::<AppState>();
        let (seed, mut removed) = {
            let core = state.core.lock().map_err(|_| lock_error())?;
            let seed: Vec<i64> = core
                .db()
                .playlist_entries(id)?
                .iter()
                .map(|e| e.track_id)
                .collect();
            (seed, core.db().removed_suggestions(id)?)
        };
        removed.extend(exclude);
        let mut slot = state.engine.lock().map_err(|_| lock_error())?;
        if slot.is_none() {
            let db = playgenie_core::Db::open(&state.paths.database)?;
            *slot = Some(Engine::load(&db, &store(&state), &backend)?);
        }
        let engine = slot.as_ref().ok_or_else(lock_error)?;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or_default();
        let request = Request {
            seed,
            // Checked by the core (Request::validate), with the range in
            // the message the UI shows.
            k,
            adventurousness,
            artist_window,
            exclude: removed,
            at: now,
            utc_offset_s: local_offset_s,
            rescore_every: Request::rescore_for(engine.tracks()),
        };
        Ok(engine.complete(&request)?)
    })
    .await
    .map_err(|err| CommandError(format!("the completion task stopped: {err}")))?
}

/// Keeps a suggestion: appends it to the playlist (marked as suggested)
/// and records the feedback.
#[tauri::command]
pub async fn keep_suggestion(
    app: AppHandle,
    id: i64,
    track_id: i64,
    model_version: Option<u32>,
) -> Reply<()> {
    feedback(&app, id, track_id, model_version, true)
}

/// Removes a suggestion: recorded, and never suggested for this playlist
/// again.
#[tauri::command]
pub async fn remove_suggestion(
    app: AppHandle,
    id: i64,
    track_id: i64,
    model_version: Option<u32>,
) -> Reply<()> {
    feedback(&app, id, track_id, model_version, false)
}

/// Records a kept (and added) or removed suggestion, then fine-tunes if
/// enough evidence has come in.
fn feedback(
    app: &AppHandle,
    id: i64,
    track_id: i64,
    model_version: Option<u32>,
    kept: bool,
) -> Reply<()> {
    {
        let state = app.state::<AppState>();
        let core = state.core.lock().map_err(|_| lock_error())?;
        if kept {
            core.db().add_to_playlist(id, &[track_id], "suggestion")?;
        }
        let action = if kept { "kept" } else { "removed" };
        core.db()
            .record_feedback(Some(id), track_id, action, model_version)?;
    }
    fine_tune_if_due(app);
    Ok(())
}

/// The saved model versions and the one in use.
#[derive(Debug, Serialize)]
pub struct Models {
    pub current: Option<u32>,
    pub versions: Vec<CheckpointMeta>,
    pub training: bool,
}

#[tauri::command]
pub async fn model_versions(state: State<'_, AppState>) -> Reply<Models> {
    let store = store(&state);
    let training = state.training.lock().map(|t| *t).unwrap_or(false);
    Ok(Models {
        current: store.current_version()?,
        versions: store
            .versions()?
            .into_iter()
            .map(|mut v| {
                // The UI needs the count, not 100k ids.
                v.note = format!("{} · {} tracks", v.note, v.tracks.len());
                v.tracks = Vec::new();
                v
            })
            .collect(),
        training,
    })
}

#[tauri::command]
pub async fn use_model_version(state: State<'_, AppState>, version: u32) -> Reply<()> {
    store(&state).use_version(version)?;
    invalidate(&state);
    Ok(())
}

/// Starts training now: `full` from scratch, else a fine-tune. Returns
/// false if training is already running.
#[tauri::command]
pub async fn train_model(app: AppHandle, full: bool) -> Reply<bool> {
    Ok(start_training(
        &app,
        if full {
            TrainMode::Full
        } else {
            TrainMode::FineTune
        },
    ))
}

/// Stops a running training at its next batch; the model in use stays.
#[tauri::command]
pub async fn cancel_training(state: State<'_, AppState>) -> Reply<bool> {
    let cancel = state.train_cancel.lock().map_err(|_| lock_error())?;
    Ok(cancel
        .as_ref()
        .map(|c| !c.swap(true, Ordering::Relaxed))
        .unwrap_or(false))
}

/// New evidence (plays heard, skips, kept or removed suggestions) since the
/// model in use was made that starts a fine-tune by itself.
pub const FINE_TUNE_AFTER: usize = 30;

/// Fine-tunes when enough new listening and feedback has accumulated since
/// the model in use was saved.
pub fn fine_tune_if_due(app: &AppHandle) {
    let state = app.state::<AppState>();
    let Ok(Some(current)) = store(&state).current_meta() else {
        return;
    };
    let due = state
        .core
        .lock()
        .ok()
        .and_then(|core| core.db().evidence_since(current.created_at).ok())
        .is_some_and(|n| n >= FINE_TUNE_AFTER);
    if due {
        start_training(app, TrainMode::FineTune);
    }
}

/// Trains after a scan when there is no model for the library as it is.
pub fn train_if_needed(app: &AppHandle) {
    let state = app.state::<AppState>();
    let store = store(&state);
    let fits = (|| -> playgenie_core::Result<bool> {
        let Some(current) = store.current_meta()? else {
            return Ok(false);
        };
        let core = state
            .core
            .lock()
            .map_err(|_| playgenie_core::Error::Model("busy".into()))?;
        let ids = core.db().model_track_ids()?;
        Ok(ids.is_empty() || current.tracks == ids)
    })();
    if !fits.unwrap_or(true) {
        start_training(app, TrainMode::Full);
    }
}

fn start_training(app: &AppHandle, mode: TrainMode) -> bool {
    let state = app.state::<AppState>();
    {
        let Ok(mut training) = state.training.lock() else {
            return false;
        };
        if *training {
            return false;
        }
        *training = true;
    }
    let cancel = Arc::new(AtomicBool::new(false));
    if let Ok(mut slot) = state.train_cancel.lock() {
        *slot = Some(Arc::clone(&cancel));
    }
    let app = app.clone();
    let spawned = std::thread::Builder::new()
        .name("model-training".into())
        .spawn(move || {
            let state = app.state::<AppState>();
            let result = (|| {
                let backend = state
                    .backend
                    .get_or_init(playgenie_core::ComputeBackend::from_env)
                    .clone();
                emit(
                    &app,
                    CoreEvent::TrainStarted {
                        backend: backend.summary().label,
                        mode,
                    },
                );
                let db = playgenie_core::Db::open(&state.paths.database)?;
                complete::train(
                    &db,
                    &store(&state),
                    &backend,
                    mode,
                    None,
                    &cancel,
                    |epoch| {
                        emit(
                            &app,
                            CoreEvent::TrainProgress {
                                epoch: epoch.clone(),
                            },
                        );
                    },
                )
            })();
            if let Ok(mut training) = state.training.lock() {
                *training = false;
            }
            if let Ok(mut slot) = state.train_cancel.lock() {
                *slot = None;
            }
            match result {
                Ok(report) => {
                    invalidate(&state);
                    emit(&app, CoreEvent::TrainFinished { report });
                }
                Err(err) => emit(
                    &app,
                    CoreEvent::TrainFailed {
                        message: err.to_string(),
                    },
                ),
            }
        });
    spawned.is_ok()
}
