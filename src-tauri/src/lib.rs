//! The PlayGenie desktop app: a thin Tauri v2 shell over the core.
//!
//! It holds the app state, the commands the window calls (grouped by area
//! in [`commands`]), the `cover:` protocol and MPRIS. Every rule (when to
//! scan, train or fine-tune, what feedback does, how exports are named)
//! lives in the core's [`Services`], which the CLI calls too.

#[cfg(test)]
mod bindings;
mod commands;
mod cover;
#[cfg(target_os = "linux")]
mod mpris;
mod state;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use playgenie_core::player::{OutputChoice, Player, PlayerEvent};
use playgenie_core::service::radio::RadioFeeder;
use playgenie_core::{logging, AppPaths, ComputeBackend, Core, CoreEvent, Services};
use tauri::{AppHandle, Emitter, Manager};

use crate::state::AppState;

/// Name of the one event channel from the core to the UI.
pub const CORE_EVENT: &str = "core-event";

fn emit(app: &AppHandle, event: CoreEvent) {
    if let Err(err) = app.emit(CORE_EVENT, event) {
        tracing::warn!(%err, "could not send an event to the UI");
    }
}

/// Starts the player: its state goes to the window (and MPRIS), each
/// finished play to the core's history writer.
fn start_player(app: &AppHandle, state: &AppState) -> playgenie_core::Result<Player> {
    let (plays, writer) = state.services.start_history_writer()?;
    if let Ok(mut slot) = state.history_writer.lock() {
        *slot = Some(writer);
    }
    let app = app.clone();
    let radio = RadioFeeder::new(Arc::clone(&state.services), Arc::clone(&state.player));
    #[cfg(target_os = "linux")]
    let mpris = mpris::Mpris::default();
    #[cfg(target_os = "linux")]
    let media_keys = mpris.clone();
    let player = Player::start(OutputChoice::from_env(), move |event| match event {
        PlayerEvent::State(state) => {
            #[cfg(target_os = "linux")]
            mpris.update(&state);
            radio.on_state(&state);
            emit(&app, CoreEvent::Player { state })
        }
        PlayerEvent::PlayEnded(play) => {
            if plays.send(play).is_err() {
                tracing::error!("the history writer stopped; a play was not recorded");
            }
        }
    })?;
    #[cfg(target_os = "linux")]
    media_keys.attach(player.clone());
    let automix = state
        .services
        .with_db(|db| db.setting(commands::player::AUTOMIX_SETTING))?;
    if automix.as_deref() == Some("on") {
        player.set_automix(true)?;
    }
    Ok(player)
}

/// Command-line options of the app binary.
#[derive(Debug, Default)]
struct AppArgs {
    /// Folders to add to the library at start-up (`--library DIR`).
    library: Vec<PathBuf>,
}

impl AppArgs {
    fn parse(args: impl Iterator<Item = String>) -> Result<Self, String> {
        let mut parsed = Self::default();
        let mut args = args.skip(1);
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--library" => match args.next() {
                    Some(dir) => parsed.library.push(PathBuf::from(dir)),
                    None => return Err("--library needs a folder".into()),
                },
                other => {
                    if let Some(dir) = other.strip_prefix("--library=") {
                        parsed.library.push(PathBuf::from(dir));
                    }
                    // Anything else belongs to the webview or WebDriver.
                }
            }
        }
        Ok(parsed)
    }
}

/// Starts the app; returns when the window closes.
pub fn run() -> ExitCode {
    logging::init(false);
    let args = match AppArgs::parse(std::env::args()) {
        Ok(args) => args,
        Err(err) => {
            eprintln!("playgenie-app: {err}");
            return ExitCode::FAILURE;
        }
    };
    let opened = AppPaths::from_env().and_then(Core::open_restoring);
    let (core, restored) = match opened {
        Ok(opened) => opened,
        Err(err) => {
            eprintln!("playgenie-app: {err}");
            return ExitCode::FAILURE;
        }
    };
    let notices: Vec<String> = restored
        .iter()
        .map(playgenie_core::Restored::notice)
        .collect();
    for dir in &args.library {
        if let Err(err) = core.add_library_folder(dir) {
            eprintln!("playgenie-app: {err}");
        }
    }
    // Chosen on a thread of its own once the window is up, so the window
    // opens at once even when a GPU driver takes seconds to come up.
    let backend = Arc::new(OnceLock::new());
    // The core's events reach the window once it exists.
    let handle: Arc<OnceLock<AppHandle>> = Arc::new(OnceLock::new());
    let sink = {
        let handle = Arc::clone(&handle);
        Arc::new(move |event: CoreEvent| {
            if let Some(app) = handle.get() {
                emit(app, event);
            }
        })
    };
    let services = Services::new(core, Arc::clone(&backend), sink);
    let state = AppState {
        services: Arc::clone(&services),
        player: Arc::new(OnceLock::new()),
        history_writer: Mutex::new(None),
        notices,
    };

    let result = tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .manage(state)
        .register_asynchronous_uri_scheme_protocol("cover", |ctx, request, responder| {
            let app = ctx.app_handle().clone();
            let key = request.uri().path().trim_start_matches('/').to_owned();
            tauri::async_runtime::spawn_blocking(move || {
                responder.respond(cover::respond(&app, &key));
            });
        })
        .invoke_handler(tauri::generate_handler![
            commands::status::app_status,
            commands::status::run_self_test,
            commands::library::list_tracks,
            commands::library::scan_errors,
            commands::library::start_scan,
            commands::library::cancel_scan,
            commands::library::cancel_listening,
            commands::library::add_library_folder,
            commands::library::remove_library_folder,
            commands::playlists::list_playlists,
            commands::playlists::create_playlist,
            commands::playlists::rename_playlist,
            commands::playlists::delete_playlist,
            commands::playlists::duplicate_playlist,
            commands::playlists::playlist_entries,
            commands::playlists::add_to_playlist,
            commands::playlists::remove_from_playlist,
            commands::playlists::move_in_playlist,
            commands::playlists::export_playlist,
            commands::playlists::import_playlist,
            commands::history::import_history,
            commands::history::recent_plays,
            commands::history::listening_by_day,
            commands::history::engagement,
            commands::history::most_played,
            commands::player::play_tracks,
            commands::player::player_control,
            commands::player::player_seek,
            commands::player::player_volume,
            commands::player::player_normalization,
            commands::player::player_state,
            commands::player::player_automix,
            commands::genie::complete_playlist,
            commands::genie::suggestion_feedback,
            commands::genie::model_versions,
            commands::genie::use_model_version,
            commands::genie::train_model,
            commands::genie::cancel_training,
            commands::modes::radio_start,
            commands::modes::radio_stop,
            commands::modes::radio_status,
            commands::modes::plan_path,
            commands::modes::exclusions,
            commands::modes::add_exclusion,
            commands::modes::remove_exclusion,
            commands::modes::version_groups,
            commands::modes::prefer_version,
            commands::modes::smart_playlists,
            commands::modes::save_smart,
            commands::modes::delete_smart,
            commands::modes::export_smart
        ])
        .setup(move |app| {
            let _ = handle.set(app.handle().clone());
            let probe = app.handle().clone();
            std::thread::Builder::new()
                .name("backend-probe".into())
                .spawn(move || {
                    let chosen = backend.get_or_init(ComputeBackend::from_env);
                    emit(
                        &probe,
                        CoreEvent::BackendReady {
                            backend: chosen.summary(),
                        },
                    );
                })?;
            let state = app.state::<AppState>();
            match start_player(app.handle(), &state) {
                Ok(player) => {
                    let _ = state.player.set(player);
                }
                Err(err) => tracing::error!(%err, "playback is unavailable"),
            }
            // Bring the library up to date as soon as the window is open,
            // then keep it so.
            if let Err(err) = services.watch_library() {
                tracing::warn!(%err, "the library will not update by itself");
            }
            services.start_scan(None);
            Ok(())
        })
        .build(tauri::generate_context!())
        .map(|app| {
            app.run(|handle, event| {
                if let tauri::RunEvent::Exit = event {
                    // The play in progress is recorded as stopped.
                    // Bounded: the player's last events go to a window that
                    // is closing, and the event loop is this thread.
                    let state = handle.state::<AppState>();
                    if let Some(player) = state.player.get() {
                        player.shutdown_within(Duration::from_secs(2));
                    }
                    // The player's end dropped the writer's channel: it
                    // finishes the last play and stops (bounded as well).
                    let writer = state.history_writer.lock().ok().and_then(|mut w| w.take());
                    if let Some(writer) = writer {
                        writer.finish_within(Duration::from_secs(2));
                    }
                }
            })
        });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("playgenie-app: the window could not start: {err}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn library_folders_come_from_the_command_line() {
        let parsed = AppArgs::parse(
            args(&["app", "--library", "/a", "--library=/b", "--webdriver-flag"]).into_iter(),
        )
        .expect("valid");
        assert_eq!(
            parsed.library,
            vec![PathBuf::from("/a"), PathBuf::from("/b")]
        );
    }

    #[test]
    fn a_dangling_library_flag_is_an_error() {
        let err = AppArgs::parse(args(&["app", "--library"]).into_iter()).unwrap_err();
        assert!(err.contains("needs a folder"));
    }
}
