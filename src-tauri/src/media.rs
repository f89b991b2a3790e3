//! The app's playback, playlist and history commands: thin wrappers over
//! the core's `Db`, `Player`, `playlists` and `history`.

use std::path::PathBuf;

use playgenie_core::db::{
    DayTotal, MostPlayed, PlayRow, PlaySource, PlaylistEntryRow, PlaylistSummary,
};
use playgenie_core::player::{Normalization, PlayContext, PlayerState};
use playgenie_core::playlists::{ExportFormat, ImportReport};
use serde::Serialize;
use tauri::State;

use crate::{lock_error, AppState, CommandError};

type Reply<T> = Result<T, CommandError>;

fn with_db<T>(
    state: &AppState,
    f: impl FnOnce(&playgenie_core::Db) -> playgenie_core::Result<T>,
) -> Reply<T> {
    let core = state.core.lock().map_err(|_| lock_error())?;
    Ok(f(core.db())?)
}

fn player(state: &AppState) -> Reply<&playgenie_core::player::Player> {
    state
        .player
        .get()
        .ok_or_else(|| CommandError("the player is still starting; try again in a moment".into()))
}

#[tauri::command]
pub async fn list_playlists(state: State<'_, AppState>) -> Reply<Vec<PlaylistSummary>> {
    with_db(&state, |db| db.playlists())
}

#[tauri::command]
pub async fn create_playlist(state: State<'_, AppState>, name: String) -> Reply<PlaylistSummary> {
    with_db(&state, |db| db.create_playlist(&name))
}

#[tauri::command]
pub async fn rename_playlist(
    state: State<'_, AppState>,
    id: i64,
    name: String,
) -> Reply<PlaylistSummary> {
    with_db(&state, |db| db.rename_playlist(id, &name))
}

#[tauri::command]
pub async fn delete_playlist(state: State<'_, AppState>, id: i64) -> Reply<bool> {
    with_db(&state, |db| db.delete_playlist(id))
}

#[tauri::command]
pub async fn duplicate_playlist(state: State<'_, AppState>, id: i64) -> Reply<PlaylistSummary> {
    with_db(&state, |db| db.duplicate_playlist(id))
}

#[tauri::command]
pub async fn playlist_entries(state: State<'_, AppState>, id: i64) -> Reply<Vec<PlaylistEntryRow>> {
    with_db(&state, |db| db.playlist_entries(id))
}

#[tauri::command]
pub async fn add_to_playlist(
    state: State<'_, AppState>,
    id: i64,
    track_ids: Vec<i64>,
) -> Reply<PlaylistSummary> {
    with_db(&state, |db| db.add_to_playlist(id, &track_ids, "user"))
}

#[tauri::command]
pub async fn remove_from_playlist(
    state: State<'_, AppState>,
    id: i64,
    positions: Vec<usize>,
) -> Reply<PlaylistSummary> {
    with_db(&state, |db| db.remove_from_playlist(id, &positions))
}

#[tauri::command]
pub async fn move_in_playlist(
    state: State<'_, AppState>,
    id: i64,
    from: usize,
    to: usize,
) -> Reply<PlaylistSummary> {
    with_db(&state, |db| db.move_in_playlist(id, from, to))
}

/// Where an export went.
#[derive(Debug, Serialize)]
pub struct Exported {
    pub path: String,
    pub tracks: usize,
}

/// Writes a playlist file: to `path` (picked in the save dialog) or, without
/// one, to the exports folder as `<name>.m3u8` / `.xspf`.
#[tauri::command]
pub async fn export_playlist(
    state: State<'_, AppState>,
    id: i64,
    format: ExportFormat,
    relative: bool,
    path: Option<String>,
) -> Reply<Exported> {
    let core = state.core.lock().map_err(|_| lock_error())?;
    let out = match path {
        Some(path) => PathBuf::from(path),
        None => {
            let p = core.db().find_playlist(&id.to_string())?;
            let ext = match format {
                ExportFormat::M3u => "m3u8",
                ExportFormat::Xspf => "xspf",
            };
            core.paths()
                .exports_dir
                .join(format!("{}.{ext}", file_name(&p.name)))
        }
    };
    let tracks = playgenie_core::playlists::export(
        core.db(),
        &core.paths().own_files(),
        id,
        &out,
        format,
        relative,
    )?;
    Ok(Exported {
        path: out.display().to_string(),
        tracks,
    })
}

/// A playlist name made safe as a file name.
fn file_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c == '/' || c == '\\' || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').to_owned();
    if cleaned.is_empty() {
        "playlist".into()
    } else {
        cleaned
    }
}

#[tauri::command]
pub async fn import_playlist(state: State<'_, AppState>, path: String) -> Reply<ImportReport> {
    with_db(&state, |db| {
        playgenie_core::playlists::import(db, std::path::Path::new(&path), None)
    })
}

#[tauri::command]
pub async fn import_history(
    state: State<'_, AppState>,
    path: String,
) -> Reply<playgenie_core::history::ImportReport> {
    with_db(&state, |db| {
        playgenie_core::history::import(db, std::path::Path::new(&path))
    })
}

#[tauri::command]
pub async fn recent_plays(state: State<'_, AppState>, limit: usize) -> Reply<Vec<PlayRow>> {
    with_db(&state, |db| db.recent_plays(limit.min(10_000)))
}

#[tauri::command]
pub async fn listening_by_day(
    state: State<'_, AppState>,
    days: u32,
    utc_offset_s: i32,
) -> Reply<Vec<DayTotal>> {
    with_db(&state, |db| {
        db.listening_by_day(days.min(3_650), utc_offset_s)
    })
}

#[tauri::command]
pub async fn most_played(state: State<'_, AppState>, limit: usize) -> Reply<Vec<MostPlayed>> {
    with_db(&state, |db| db.most_played(limit.min(1_000)))
}

/// Plays `track_ids` from `start`; `playlist_id` marks a playlist as the
/// source.
#[tauri::command]
pub async fn play_tracks(
    state: State<'_, AppState>,
    track_ids: Vec<i64>,
    start: usize,
    playlist_id: Option<i64>,
) -> Reply<()> {
    let queue = with_db(&state, |db| db.playable_tracks(&track_ids))?;
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
    Ok(player(&state)?.play(queue, start.min(track_ids.len().saturating_sub(1)), context)?)
}

/// One transport action: toggle, pause, resume, next, previous, stop.
#[tauri::command]
pub async fn player_control(state: State<'_, AppState>, action: String) -> Reply<()> {
    let p = player(&state)?;
    Ok(match action.as_str() {
        "toggle" => p.toggle(),
        "pause" => p.pause(),
        "resume" => p.resume(),
        "next" => p.next(),
        "previous" => p.previous(),
        "stop" => p.stop(),
        other => return Err(CommandError(format!("unknown player action \"{other}\""))),
    }?)
}

#[tauri::command]
pub async fn player_seek(state: State<'_, AppState>, position_ms: u64) -> Reply<()> {
    Ok(player(&state)?.seek(position_ms)?)
}

#[tauri::command]
pub async fn player_volume(state: State<'_, AppState>, volume: f32) -> Reply<()> {
    if !volume.is_finite() {
        return Err(CommandError(
            "the volume must be a number from 0 to 1".into(),
        ));
    }
    Ok(player(&state)?.set_volume(volume)?)
}

#[tauri::command]
pub async fn player_normalization(state: State<'_, AppState>, mode: Normalization) -> Reply<()> {
    Ok(player(&state)?.set_normalization(mode)?)
}

#[tauri::command]
pub async fn player_state(state: State<'_, AppState>) -> Reply<PlayerState> {
    Ok(player(&state)?.state())
}
