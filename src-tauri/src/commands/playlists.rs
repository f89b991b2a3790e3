//! Playlists: list, edit, import and export.

use std::path::{Path, PathBuf};

use playgenie_core::db::{EntryOrigin, PlaylistEntryRow, PlaylistSummary};
use playgenie_core::playlists::{self, ExportFormat, ImportReport};
use serde::Serialize;
use tauri::State;

use crate::state::{AppState, Reply};

#[tauri::command]
pub async fn list_playlists(state: State<'_, AppState>) -> Reply<Vec<PlaylistSummary>> {
    Ok(state.services.with_db(|db| db.playlists())?)
}

#[tauri::command]
pub async fn create_playlist(state: State<'_, AppState>, name: String) -> Reply<PlaylistSummary> {
    Ok(state.services.with_db(|db| db.create_playlist(&name))?)
}

#[tauri::command]
pub async fn rename_playlist(
    state: State<'_, AppState>,
    id: i64,
    name: String,
) -> Reply<PlaylistSummary> {
    Ok(state.services.with_db(|db| db.rename_playlist(id, &name))?)
}

#[tauri::command]
pub async fn delete_playlist(state: State<'_, AppState>, id: i64) -> Reply<bool> {
    Ok(state.services.with_db(|db| db.delete_playlist(id))?)
}

#[tauri::command]
pub async fn duplicate_playlist(state: State<'_, AppState>, id: i64) -> Reply<PlaylistSummary> {
    Ok(state.services.with_db(|db| db.duplicate_playlist(id))?)
}

#[tauri::command]
pub async fn playlist_entries(state: State<'_, AppState>, id: i64) -> Reply<Vec<PlaylistEntryRow>> {
    Ok(state.services.with_db(|db| db.playlist_entries(id))?)
}

#[tauri::command]
pub async fn add_to_playlist(
    state: State<'_, AppState>,
    id: i64,
    track_ids: Vec<i64>,
) -> Reply<PlaylistSummary> {
    Ok(state
        .services
        .with_db(|db| db.add_to_playlist(id, &track_ids, EntryOrigin::User))?)
}

#[tauri::command]
pub async fn remove_from_playlist(
    state: State<'_, AppState>,
    id: i64,
    positions: Vec<usize>,
) -> Reply<PlaylistSummary> {
    Ok(state
        .services
        .with_db(|db| db.remove_from_playlist(id, &positions))?)
}

#[tauri::command]
pub async fn move_in_playlist(
    state: State<'_, AppState>,
    id: i64,
    from: usize,
    to: usize,
) -> Reply<PlaylistSummary> {
    Ok(state
        .services
        .with_db(|db| db.move_in_playlist(id, from, to))?)
}

/// Where an export went.
#[derive(Debug, Serialize, ts_rs::TS)]
pub struct Exported {
    pub path: String,
    pub tracks: usize,
}

/// Writes a playlist file: to `path` (picked in the save dialog) or,
/// without one, to the exports folder under the playlist's name.
#[tauri::command]
pub async fn export_playlist(
    state: State<'_, AppState>,
    id: i64,
    format: ExportFormat,
    relative: bool,
    path: Option<String>,
) -> Reply<Exported> {
    let core = state.services.core()?;
    let out = match path {
        Some(path) => PathBuf::from(path),
        None => {
            let playlist = core.db().find_playlist(&id.to_string())?;
            playlists::default_export_path(&core.paths().exports_dir, &playlist.name, format)
        }
    };
    let tracks = playlists::export(
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

#[tauri::command]
pub async fn import_playlist(state: State<'_, AppState>, path: String) -> Reply<ImportReport> {
    Ok(state
        .services
        .with_db(|db| playlists::import(db, Path::new(&path), None))?)
}
