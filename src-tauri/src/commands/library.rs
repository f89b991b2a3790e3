//! The library: its tracks, scan errors, folders and scans.

use std::path::Path;

use playgenie_core::db::{LibraryRow, ScanErrorRow};
use playgenie_core::LibraryFolder;
use tauri::State;

use crate::state::{AppState, Reply};

/// Every indexed track (the library table); with `first`, only the first
/// that many in the table's default order (a window's first screenful,
/// shown while the whole list is on its way).
#[tauri::command]
pub async fn list_tracks(
    state: State<'_, AppState>,
    first: Option<usize>,
) -> Reply<Vec<LibraryRow>> {
    Ok(state.services.with_db(|db| match first {
        Some(n) => db.library_rows_head(n),
        None => db.library_rows(),
    })?)
}

/// Files that could not be indexed, and why.
#[tauri::command]
pub async fn scan_errors(state: State<'_, AppState>) -> Reply<Vec<ScanErrorRow>> {
    Ok(state.services.with_db(|db| db.scan_errors())?)
}

/// Adds a folder (picked in the system dialog), watches it and rescans.
#[tauri::command]
pub async fn add_library_folder(state: State<'_, AppState>, path: String) -> Reply<LibraryFolder> {
    Ok(state.services.add_library_folder(Path::new(&path))?)
}

/// Removes a folder and its tracks from the library (files stay on disk).
#[tauri::command]
pub async fn remove_library_folder(state: State<'_, AppState>, path: String) -> Reply<bool> {
    Ok(state.services.remove_library_folder(Path::new(&path))?)
}

/// Starts a rescan of every library folder; progress arrives as
/// `core-event`s. Returns false if a scan is already running.
#[tauri::command]
pub async fn start_scan(state: State<'_, AppState>) -> Reply<bool> {
    Ok(state.services.start_scan(None))
}

/// Asks a running scan to stop after the files in flight.
#[tauri::command]
pub async fn cancel_scan(state: State<'_, AppState>) -> Reply<bool> {
    Ok(state.services.cancel_scan())
}

/// Asks the listening pass to stop after the batch in flight (the next
/// scan, or the next start, resumes it).
#[tauri::command]
pub async fn cancel_listening(state: State<'_, AppState>) -> Reply<bool> {
    Ok(state.services.cancel_listening())
}
