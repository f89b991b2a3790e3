//! The listening history: recent plays, totals, import.

use std::path::Path;

use playgenie_core::db::{DayTotal, MostPlayed, PlayRow};
use playgenie_core::engagement::{self, EngagementReport};
use playgenie_core::history::{self, ImportReport};
use tauri::State;

use crate::state::{AppState, Reply};

#[tauri::command]
pub async fn import_history(state: State<'_, AppState>, path: String) -> Reply<ImportReport> {
    Ok(state
        .services
        .with_db(|db| history::import(db, Path::new(&path)))?)
}

#[tauri::command]
pub async fn recent_plays(state: State<'_, AppState>, limit: usize) -> Reply<Vec<PlayRow>> {
    Ok(state
        .services
        .with_db(|db| db.recent_plays(limit.min(10_000)))?)
}

#[tauri::command]
pub async fn listening_by_day(
    state: State<'_, AppState>,
    days: u32,
    utc_offset_s: i32,
) -> Reply<Vec<DayTotal>> {
    Ok(state
        .services
        .with_db(|db| db.listening_by_day(days.min(3_650), utc_offset_s))?)
}

/// What the suggestions earned (the Engagement panel), `days` back.
#[tauri::command]
pub async fn engagement(
    state: State<'_, AppState>,
    days: u32,
    utc_offset_s: i32,
) -> Reply<EngagementReport> {
    let store = state.services.store();
    Ok(state
        .services
        .with_db(|db| engagement::load(db, &store, days, utc_offset_s))?)
}

#[tauri::command]
pub async fn most_played(state: State<'_, AppState>, limit: usize) -> Reply<Vec<MostPlayed>> {
    Ok(state
        .services
        .with_db(|db| db.most_played(limit.min(1_000)))?)
}
