//! The listening modes and the listener's standing choices: genie radio
//! (its refills come from the player's feeder in `lib.rs`), the "never
//! suggest" list and the preferred version of each song.

use playgenie_core::db::{ExclusionRow, PlaySource};
use playgenie_core::exclusions::NewExclusion;
use playgenie_core::genie::PathPlan;
use playgenie_core::player::PlayContext;
use playgenie_core::playlists::ExportFormat;
use playgenie_core::radio::Start;
use playgenie_core::service::choices::VersionGroup;
use playgenie_core::service::radio::{RadioOptions, RadioStarted, RadioStatus};
use playgenie_core::service::smart::SmartPlaylist;
use playgenie_core::smart::SmartSpec;
use tauri::State;

use crate::commands::playlists::Exported;
use crate::state::{blocking, AppState, Reply};

/// Starts a radio from `start` and plays it; the queue never runs dry
/// until the radio is stopped or something else is played.
#[tauri::command]
pub async fn radio_start(
    state: State<'_, AppState>,
    start: Start,
    options: RadioOptions,
) -> Reply<RadioStarted> {
    let services = state.services.clone();
    let (started, queue) = blocking("radio", move || {
        let started = services.radio_start(start, options)?;
        let queue = services.with_db(|db| db.playable_tracks(&started.tracks))?;
        Ok((started, queue))
    })
    .await?;
    let context = PlayContext {
        source: PlaySource::Suggestion,
        playlist_id: None,
    };
    state.player()?.play(queue, 0, context)?;
    Ok(started)
}

/// Stops the radio; the queue plays out.
#[tauri::command]
pub async fn radio_stop(state: State<'_, AppState>) -> Reply<bool> {
    Ok(state.services.radio_stop()?)
}

/// The radio, if one is on.
#[tauri::command]
pub async fn radio_status(state: State<'_, AppState>) -> Reply<Option<RadioStatus>> {
    Ok(state.services.radio_status()?)
}

/// A path of `steps` tracks from `from` to `to` through `via`.
#[tauri::command]
pub async fn plan_path(
    state: State<'_, AppState>,
    from: i64,
    to: i64,
    via: Vec<i64>,
    steps: usize,
    utc_offset_s: i64,
) -> Reply<PathPlan> {
    let services = state.services.clone();
    blocking("path", move || {
        services.plan_path(from, to, via, steps, utc_offset_s)
    })
    .await
}

/// The "never suggest" list.
#[tauri::command]
pub async fn exclusions(state: State<'_, AppState>) -> Reply<Vec<ExclusionRow>> {
    Ok(state.services.exclusions()?)
}

/// Adds to the "never suggest" list; `false` when it was there.
#[tauri::command]
pub async fn add_exclusion(state: State<'_, AppState>, exclusion: NewExclusion) -> Reply<bool> {
    Ok(state.services.add_exclusion(&exclusion)?)
}

/// Takes an entry off the list.
#[tauri::command]
pub async fn remove_exclusion(state: State<'_, AppState>, id: i64) -> Reply<bool> {
    Ok(state.services.remove_exclusion(id)?)
}

/// Songs with several versions in the library, the suggested one first.
#[tauri::command]
pub async fn version_groups(state: State<'_, AppState>) -> Reply<Vec<VersionGroup>> {
    let services = state.services.clone();
    blocking("versions", move || services.version_groups()).await
}

/// Makes a track the version of its song that the modes suggest.
#[tauri::command]
pub async fn prefer_version(state: State<'_, AppState>, track_id: i64) -> Reply<()> {
    let services = state.services.clone();
    blocking("versions", move || services.prefer_version(track_id)).await
}

/// Every smart playlist, evaluated now.
#[tauri::command]
pub async fn smart_playlists(state: State<'_, AppState>) -> Reply<Vec<SmartPlaylist>> {
    let services = state.services.clone();
    blocking("smart playlists", move || services.smart_playlists()).await
}

/// Checks and saves a smart playlist (new rules for one of that name).
#[tauri::command]
pub async fn save_smart(
    state: State<'_, AppState>,
    name: String,
    spec: SmartSpec,
) -> Reply<SmartPlaylist> {
    let services = state.services.clone();
    blocking("smart playlist", move || services.save_smart(&name, &spec)).await
}

#[tauri::command]
pub async fn delete_smart(state: State<'_, AppState>, id: i64) -> Reply<bool> {
    Ok(state.services.delete_smart(id)?)
}

/// Writes what a smart playlist holds now (to `path`, or the Playlists
/// folder).
#[tauri::command]
pub async fn export_smart(
    state: State<'_, AppState>,
    id: i64,
    format: ExportFormat,
    relative: bool,
    path: Option<String>,
) -> Reply<Exported> {
    let services = state.services.clone();
    let (path, tracks) = blocking("export", move || {
        services.export_smart(
            &id.to_string(),
            path.as_deref().map(std::path::Path::new),
            format,
            relative,
        )
    })
    .await?;
    Ok(Exported {
        path: path.display().to_string(),
        tracks,
    })
}
