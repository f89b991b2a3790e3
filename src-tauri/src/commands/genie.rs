//! "Complete playlist", feedback on its suggestions, and the model: its
//! versions and training (progress and the loss curve arrive as events).

use playgenie_core::db::Feedback;
use playgenie_core::genie::{Completion, TrainMode};
use playgenie_core::model_store::CheckpointMeta;
use playgenie_core::service::suggestions::CompleteOptions;
use serde::Serialize;
use tauri::State;

use crate::state::{blocking, AppState, Reply};

/// Completes playlist `id`. Tracks removed from this playlist's
/// suggestions before are never suggested again.
#[tauri::command]
pub async fn complete_playlist(
    state: State<'_, AppState>,
    id: i64,
    options: CompleteOptions,
) -> Reply<Completion> {
    let services = state.services.clone();
    blocking("completion", move || {
        services.complete_playlist(id, options)
    })
    .await
}

/// What the listener did with a suggestion: kept (appended to the
/// playlist) or removed (never suggested for it again).
#[tauri::command]
pub async fn suggestion_feedback(
    state: State<'_, AppState>,
    id: i64,
    track_id: i64,
    feedback: Feedback,
    model_version: Option<u32>,
) -> Reply<()> {
    Ok(state
        .services
        .feedback(id, track_id, feedback, model_version)?)
}

/// The saved model versions and the one in use.
#[derive(Debug, Serialize, ts_rs::TS)]
pub struct Models {
    pub current: Option<u32>,
    pub versions: Vec<ModelVersion>,
    pub training: bool,
}

/// One saved version, as the Model view lists it.
#[derive(Debug, Serialize, ts_rs::TS)]
pub struct ModelVersion {
    pub version: u32,
    pub created_at: i64,
    pub valid_loss: f32,
    pub note: String,
    /// The version it was fine-tuned from.
    pub parent: Option<u32>,
    /// How many tracks it knows (the ids stay in the core).
    pub tracks: usize,
}

impl From<CheckpointMeta> for ModelVersion {
    fn from(meta: CheckpointMeta) -> Self {
        Self {
            version: meta.version,
            created_at: meta.created_at,
            valid_loss: meta.valid_loss,
            note: meta.note,
            parent: meta.parent,
            tracks: meta.tracks.len(),
        }
    }
}

#[tauri::command]
pub async fn model_versions(state: State<'_, AppState>) -> Reply<Models> {
    let store = state.services.store();
    Ok(Models {
        current: store.current_version()?,
        versions: store
            .versions()?
            .into_iter()
            .map(ModelVersion::from)
            .collect(),
        training: state.services.is_training(),
    })
}

#[tauri::command]
pub async fn use_model_version(state: State<'_, AppState>, version: u32) -> Reply<()> {
    Ok(state.services.use_model_version(version)?)
}

/// Starts training now: `full` from scratch, else a fine-tune. Returns
/// false if training is already running.
#[tauri::command]
pub async fn train_model(state: State<'_, AppState>, full: bool) -> Reply<bool> {
    let mode = if full {
        TrainMode::Full
    } else {
        TrainMode::FineTune
    };
    Ok(state.services.start_training(mode))
}

/// Stops a running training at its next batch; the model in use stays.
#[tauri::command]
pub async fn cancel_training(state: State<'_, AppState>) -> Reply<bool> {
    Ok(state.services.cancel_training())
}
