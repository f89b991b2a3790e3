//! The PlayGenie desktop app: a thin Tauri v2 shell over the core.
//!
//! Each command validates its input, calls the core and maps errors to a
//! message a person can act on. No business logic and no SQL live here.

mod genie;
mod media;
#[cfg(target_os = "linux")]
mod mpris;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use playgenie_core::db::{LibraryRow, ScanErrorRow};
use playgenie_core::doctor::{self, DoctorReport, SelfTestReport};
use playgenie_core::player::{OutputChoice, Player, PlayerEvent};
use playgenie_core::scan::ScanOptions;
use playgenie_core::watch::{self, LibraryWatcher};
use playgenie_core::{logging, AppPaths, ComputeBackend, Core, CoreEvent, Db, LibraryFolder};
use serde::Serialize;
use tauri::{AppHandle, Emitter, Manager, State};

/// Name of the one event channel from the core to the UI.
pub const CORE_EVENT: &str = "core-event";

/// What the app holds while it runs.
pub(crate) struct AppState {
    core: Mutex<Core>,
    paths: AppPaths,
    /// Set while a scan runs; the flag inside cancels it.
    scan: Mutex<Option<Arc<AtomicBool>>>,
    /// Folders the watcher saw change while a scan ran; scanned next.
    pending: Mutex<Vec<PathBuf>>,
    /// Keeps the library current (None if the system refused a watcher).
    watcher: Mutex<Option<LibraryWatcher>>,
    /// Chosen once, on a background thread at start-up, so the window opens
    /// at once even when a GPU driver takes seconds to come up.
    backend: Arc<OnceLock<ComputeBackend>>,
    /// Started once the window exists (its events go to the window).
    player: OnceLock<Player>,
    /// The "Complete playlist" engine, loaded on first use and dropped
    /// when the library or the model changes.
    engine: Mutex<Option<playgenie_core::complete::Engine>>,
    /// Set while a model trains.
    training: Mutex<bool>,
    /// The running training's cancel flag.
    train_cancel: Mutex<Option<Arc<AtomicBool>>>,
    /// Writes ended plays to the history (joined at exit).
    history_writer: Mutex<Option<std::thread::JoinHandle<()>>>,
    /// What the person should know about this start (a damaged database
    /// replaced with its backup), shown as a banner.
    notices: Vec<String>,
}

impl AppState {
    /// The backend, waiting (off the async workers) for the start-up probe
    /// if it is still running.
    pub(crate) async fn backend(&self) -> Result<ComputeBackend, CommandError> {
        let cell = Arc::clone(&self.backend);
        tauri::async_runtime::spawn_blocking(move || {
            cell.get_or_init(ComputeBackend::from_env).clone()
        })
        .await
        .map_err(|err| CommandError(format!("the backend probe stopped: {err}")))
    }
}

/// An error as the UI shows it: one sentence.
#[derive(Debug, Serialize)]
pub(crate) struct CommandError(pub(crate) String);

impl From<playgenie_core::Error> for CommandError {
    fn from(err: playgenie_core::Error) -> Self {
        tracing::warn!(%err, "command failed");
        Self(err.to_string())
    }
}

pub(crate) fn lock_error() -> CommandError {
    CommandError("PlayGenie's database is in use by a task that failed; restart the app".into())
}

/// Versions, paths, backend and library folders, for the shell and the
/// status bar.
#[tauri::command]
async fn app_status(state: State<'_, AppState>) -> Result<DoctorReport, CommandError> {
    let backend = state.backend().await?;
    let core = state.core.lock().map_err(|_| lock_error())?;
    let mut report = doctor::report(&core, &backend, false)?;
    report.notices = state.notices.clone();
    Ok(report)
}

/// Runs the backend self-test (forward pass + Adam step vs the CPU).
#[tauri::command]
async fn run_self_test(state: State<'_, AppState>) -> Result<SelfTestReport, CommandError> {
    let backend = state.backend().await?;
    tauri::async_runtime::spawn_blocking(move || doctor::self_test(&backend))
        .await
        .map_err(|err| CommandError(format!("the self-test task stopped: {err}")))?
        .map_err(CommandError::from)
}

/// Every indexed track (the library table).
#[tauri::command]
async fn list_tracks(state: State<'_, AppState>) -> Result<Vec<LibraryRow>, CommandError> {
    let core = state.core.lock().map_err(|_| lock_error())?;
    Ok(core.db().library_rows()?)
}

/// Files that could not be indexed, and why.
#[tauri::command]
async fn scan_errors(state: State<'_, AppState>) -> Result<Vec<ScanErrorRow>, CommandError> {
    let core = state.core.lock().map_err(|_| lock_error())?;
    Ok(core.db().scan_errors()?)
}

/// Adds a folder (picked in the system dialog) and rescans.
#[tauri::command]
async fn add_library_folder(
    app: AppHandle,
    state: State<'_, AppState>,
    path: String,
) -> Result<LibraryFolder, CommandError> {
    let folder = {
        let core = state.core.lock().map_err(|_| lock_error())?;
        core.add_library_folder(std::path::Path::new(&path))?
    };
    sync_watcher(&state);
    start_scan_in_background(&app, &state, None);
    Ok(folder)
}

/// Removes a folder and its tracks from the library (files stay on disk).
#[tauri::command]
async fn remove_library_folder(
    state: State<'_, AppState>,
    path: String,
) -> Result<bool, CommandError> {
    let removed = {
        let core = state.core.lock().map_err(|_| lock_error())?;
        core.remove_library_folder(std::path::Path::new(&path))?
    };
    sync_watcher(&state);
    Ok(removed)
}

/// Points the watcher at the current library folders.
fn sync_watcher(state: &AppState) {
    let folders = match state.core.lock().map(|core| core.db().library_folders()) {
        Ok(Ok(folders)) => folders,
        Ok(Err(err)) => {
            tracing::warn!(%err, "cannot list library folders for the watcher");
            return;
        }
        Err(_) => return,
    };
    if let Ok(mut watcher) = state.watcher.lock() {
        if let Some(watcher) = watcher.as_mut() {
            // Failures are logged inside; scans by hand still work.
            watcher.sync(&folders);
        }
    }
}

/// Serves `cover://localhost/<key>`: a thumbnail JPEG from the database.
fn cover_response(app: &AppHandle, key: &str) -> tauri::http::Response<Vec<u8>> {
    use tauri::http::{header, Response, StatusCode};
    let status = |code: StatusCode| {
        Response::builder()
            .status(code)
            .body(Vec::new())
            .unwrap_or_default()
    };
    if key.len() != 32 || !key.bytes().all(|b| b.is_ascii_hexdigit()) {
        return status(StatusCode::BAD_REQUEST);
    }
    let state = app.state::<AppState>();
    let found = match state.core.lock() {
        Ok(core) => core.db().cover(key),
        Err(_) => return status(StatusCode::SERVICE_UNAVAILABLE),
    };
    match found {
        Ok(Some(jpeg)) => Response::builder()
            .header(header::CONTENT_TYPE, "image/jpeg")
            // A key names one picture's bytes forever.
            .header(header::CACHE_CONTROL, "max-age=31536000, immutable")
            .body(jpeg)
            .unwrap_or_else(|_| status(StatusCode::INTERNAL_SERVER_ERROR)),
        Ok(None) => status(StatusCode::NOT_FOUND),
        Err(err) => {
            tracing::warn!(%err, "cover lookup failed");
            status(StatusCode::INTERNAL_SERVER_ERROR)
        }
    }
}

/// Starts a rescan of every library folder; progress arrives as
/// `core-event`s. Returns false if a scan is already running.
#[tauri::command]
async fn start_scan(app: AppHandle, state: State<'_, AppState>) -> Result<bool, CommandError> {
    Ok(start_scan_in_background(&app, &state, None))
}

/// Asks a running scan to stop after the files in flight.
#[tauri::command]
async fn cancel_scan(state: State<'_, AppState>) -> Result<bool, CommandError> {
    let scan = state.scan.lock().map_err(|_| lock_error())?;
    Ok(scan
        .as_ref()
        .map(|flag| flag.swap(true, Ordering::Relaxed))
        .is_some())
}

pub(crate) fn emit(app: &AppHandle, event: CoreEvent) {
    if let Err(err) = app.emit(CORE_EVENT, event) {
        tracing::warn!(%err, "could not send an event to the UI");
    }
}

/// Runs a scan on its own thread and database connection: of the whole
/// library, or of the folders in `scope` (from the watcher). Progress events
/// are throttled to ten a second. A scoped request that arrives while a scan
/// runs is queued and runs next; returns whether a scan started now.
fn start_scan_in_background(
    app: &AppHandle,
    state: &AppState,
    scope: Option<Vec<PathBuf>>,
) -> bool {
    let Ok(mut running) = state.scan.lock() else {
        return false;
    };
    if running.is_some() {
        if let (Some(scope), Ok(mut pending)) = (scope, state.pending.lock()) {
            pending.extend(scope);
        }
        return false;
    }
    let cancel = Arc::new(AtomicBool::new(false));
    *running = Some(Arc::clone(&cancel));
    drop(running);
    let app = app.clone();
    let paths = state.paths.clone();
    let spawned = std::thread::Builder::new()
        .name("library-scan".into())
        .spawn(move || {
            let mut last = Instant::now() - Duration::from_secs(1);
            let options = ScanOptions::default();
            let result =
                Core::scan_library(&paths, scope.as_deref(), &options, &cancel, |progress| {
                    if last.elapsed() >= Duration::from_millis(100)
                        || progress.done == progress.total
                    {
                        last = Instant::now();
                        emit(
                            &app,
                            CoreEvent::ScanProgress {
                                progress: progress.clone(),
                            },
                        );
                    }
                });
            let state = app.state::<AppState>();
            if let Ok(mut running) = state.scan.lock() {
                *running = None;
            }
            match result {
                Ok(report) => {
                    genie::invalidate(&state);
                    emit(&app, CoreEvent::ScanFinished { report });
                    genie::train_if_needed(&app);
                }
                Err(err) => emit(
                    &app,
                    CoreEvent::ScanFailed {
                        message: err.to_string(),
                    },
                ),
            }
            let next = state
                .pending
                .lock()
                .map(|mut p| std::mem::take(&mut *p))
                .unwrap_or_default();
            if !next.is_empty() {
                start_scan_in_background(&app, &state, Some(watch::rescan_roots(next)));
            }
        });
    if spawned.is_err() {
        if let Ok(mut running) = state.scan.lock() {
            *running = None;
        }
        return false;
    }
    true
}

/// Starts the player: its state goes to the window, each finished play to
/// the history (on the player's own database connection) and then to the
/// window.
fn start_player(app: &AppHandle, paths: &AppPaths) -> playgenie_core::Result<Player> {
    let db = Db::open(&paths.database)?;
    // Plays are written by a thread of their own, so the player never
    // waits on SQLite (a scan may hold the write lock for half a second);
    // it ends when the player does, after writing what it was sent.
    let (plays, ended) = std::sync::mpsc::channel::<playgenie_core::db::NewPlay>();
    let writer_app = app.clone();
    let writer = std::thread::Builder::new()
        .name("history-writer".into())
        .spawn(move || {
            for play in ended {
                match db.record_plays(std::slice::from_ref(&play)) {
                    Ok(_) => {
                        emit(&writer_app, CoreEvent::PlayRecorded { play });
                        genie::fine_tune_if_due(&writer_app);
                    }
                    Err(err) => tracing::error!(%err, "a play could not be recorded"),
                }
            }
        })
        .map_err(|err| playgenie_core::Error::Playback {
            path: PathBuf::new(),
            reason: format!("cannot start the history writer: {err}"),
        })?;
    if let Ok(mut slot) = app.state::<AppState>().history_writer.lock() {
        *slot = Some(writer);
    }
    let app = app.clone();
    #[cfg(target_os = "linux")]
    let mpris = mpris::Mpris::default();
    #[cfg(target_os = "linux")]
    let media_keys = mpris.clone();
    let player = Player::start(OutputChoice::from_env(), move |event| match event {
        PlayerEvent::State(state) => {
            #[cfg(target_os = "linux")]
            mpris.update(&state);
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
    let opened = playgenie_core::AppPaths::from_env().and_then(Core::open_restoring);
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
    let backend = Arc::new(OnceLock::new());
    let paths = core.paths().clone();
    let data_dir = paths.data_dir.clone();
    let state = AppState {
        core: Mutex::new(core),
        paths,
        scan: Mutex::new(None),
        pending: Mutex::new(Vec::new()),
        watcher: Mutex::new(None),
        backend: Arc::clone(&backend),
        player: OnceLock::new(),
        engine: Mutex::new(None),
        training: Mutex::new(false),
        train_cancel: Mutex::new(None),
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
                responder.respond(cover_response(&app, &key));
            });
        })
        .invoke_handler(tauri::generate_handler![
            app_status,
            run_self_test,
            list_tracks,
            scan_errors,
            start_scan,
            cancel_scan,
            add_library_folder,
            remove_library_folder,
            media::list_playlists,
            media::create_playlist,
            media::rename_playlist,
            media::delete_playlist,
            media::duplicate_playlist,
            media::playlist_entries,
            media::add_to_playlist,
            media::remove_from_playlist,
            media::move_in_playlist,
            media::export_playlist,
            media::import_playlist,
            media::import_history,
            media::recent_plays,
            media::listening_by_day,
            media::most_played,
            media::play_tracks,
            media::player_control,
            media::player_seek,
            media::player_volume,
            media::player_normalization,
            media::player_state,
            genie::complete_playlist,
            genie::keep_suggestion,
            genie::remove_suggestion,
            genie::model_versions,
            genie::use_model_version,
            genie::train_model,
            genie::cancel_training
        ])
        .setup(move |app| {
            let handle = app.handle().clone();
            std::thread::Builder::new()
                .name("backend-probe".into())
                .spawn(move || {
                    let chosen = backend.get_or_init(ComputeBackend::from_env);
                    let event = CoreEvent::BackendReady {
                        backend: chosen.summary(),
                    };
                    if let Err(err) = handle.emit(CORE_EVENT, event) {
                        tracing::warn!(%err, "could not tell the UI about the backend");
                    }
                })?;
            let state = app.state::<AppState>();
            match start_player(app.handle(), &state.paths) {
                Ok(player) => {
                    let _ = state.player.set(player);
                }
                Err(err) => tracing::error!(%err, "playback is unavailable"),
            }
            // Bring the library up to date as soon as the window is open,
            // then keep it so.
            let handle = app.handle().clone();
            match LibraryWatcher::start(watch::SETTLE, data_dir, move |roots| {
                start_scan_in_background(&handle, &handle.state::<AppState>(), Some(roots));
            }) {
                Ok(watcher) => {
                    if let Ok(mut slot) = state.watcher.lock() {
                        *slot = Some(watcher);
                    }
                    sync_watcher(&state);
                }
                Err(err) => tracing::warn!(%err, "the library will not update by itself"),
            }
            start_scan_in_background(app.handle(), &state, None);
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
                        let deadline = Instant::now() + Duration::from_secs(2);
                        while !writer.is_finished() && Instant::now() < deadline {
                            std::thread::sleep(Duration::from_millis(10));
                        }
                        if writer.is_finished() {
                            let _ = writer.join();
                        }
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
