//! Playback: what to play, the transport, volume and normalisation.

use playgenie_core::db::PlaySource;
use playgenie_core::player::{Action, Normalization, PlayContext, PlayerState};
use tauri::State;

use crate::state::{AppState, CommandError, Reply};

/// Plays `track_ids` from `start`; `playlist_id` marks a playlist as the
/// source. A radio that was on stops.
#[tauri::command]
pub async fn play_tracks(
    state: State<'_, AppState>,
    track_ids: Vec<i64>,
    start: usize,
    playlist_id: Option<i64>,
) -> Reply<()> {
    let queue = state
        .services
        .with_db(|db| db.playable_tracks(&track_ids))?;
    if queue.is_empty() {
        return Err(CommandError(
            "those tracks are no longer in the library".into(),
        ));
    }
    let context = PlayContext {
        source: if playlist_id.is_some() {
            PlaySource::Playlist
        } else {
            PlaySource::Library
        },
        playlist_id,
    };
    let start = start.min(track_ids.len().saturating_sub(1));
    // The listener chose something else: the radio stops feeding.
    state.services.radio_stop()?;
    Ok(state.player()?.play(queue, start, context)?)
}

/// One transport action: toggle, pause, resume, next, previous, stop.
#[tauri::command]
pub async fn player_control(state: State<'_, AppState>, action: Action) -> Reply<()> {
    Ok(state.player()?.act(action)?)
}

#[tauri::command]
pub async fn player_seek(state: State<'_, AppState>, position_ms: u64) -> Reply<()> {
    Ok(state.player()?.seek(position_ms)?)
}

#[tauri::command]
pub async fn player_volume(state: State<'_, AppState>, volume: f32) -> Reply<()> {
    if !volume.is_finite() {
        return Err(CommandError(
            "the volume must be a number from 0 to 1".into(),
        ));
    }
    Ok(state.player()?.set_volume(volume)?)
}

#[tauri::command]
pub async fn player_normalization(state: State<'_, AppState>, mode: Normalization) -> Reply<()> {
    Ok(state.player()?.set_normalization(mode)?)
}

#[tauri::command]
pub async fn player_state(state: State<'_, AppState>) -> Reply<PlayerState> {
    Ok(state.player()?.state())
}

/// The setting that keeps automix on across starts.
pub const AUTOMIX_SETTING: &str = "player.automix";

/// Turns automix (crossfades between tracks that are not album neighbours
/// in order) on or off, and remembers it.
#[tauri::command]
pub async fn player_automix(state: State<'_, AppState>, on: bool) -> Reply<()> {
    state
        .services
        .with_db(|db| db.set_setting(AUTOMIX_SETTING, if on { "on" } else { "off" }))?;
    Ok(state.player()?.set_automix(on)?)
}
