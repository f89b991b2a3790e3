//! What the app holds while it runs, and how a failed command reads.

use std::sync::{Arc, Mutex, OnceLock};

use playgenie_core::player::Player;
use playgenie_core::service::history_writer::HistoryWriter;
use playgenie_core::Services;
use serde::Serialize;

/// The app's state: the core's services (which decide everything), the
/// player and what the person should know about this start.
pub struct AppState {
    pub services: Arc<Services>,
    /// Started once the window exists (its events go to the window);
    /// shared with the radio's feeder, which appends to it.
    pub player: Arc<OnceLock<Player>>,
    /// Writes ended plays to the history (waited for at exit).
    pub history_writer: Mutex<Option<HistoryWriter>>,
    /// A damaged database replaced with its backup, shown as a banner.
    pub notices: Vec<String>,
}

impl AppState {
    pub fn player(&self) -> Reply<&Player> {
        self.player.get().ok_or_else(|| {
            CommandError("the player is still starting; try again in a moment".into())
        })
    }
}

/// An error as the UI shows it: one sentence.
#[derive(Debug, Serialize)]
pub struct CommandError(pub String);

impl From<playgenie_core::Error> for CommandError {
    fn from(err: playgenie_core::Error) -> Self {
        tracing::warn!(%err, "command failed");
        Self(err.to_string())
    }
}

/// What every command returns.
pub type Reply<T> = Result<T, CommandError>;

/// Runs blocking core work (SQLite, the model) off the async workers.
pub async fn blocking<T: Send + 'static>(
    what: &str,
    work: impl FnOnce() -> playgenie_core::Result<T> + Send + 'static,
) -> Reply<T> {
    tauri::async_runtime::spawn_blocking(work)
        .await
        .map_err(|err| CommandError(format!("the {what} task stopped: {err}")))?
        .map_err(CommandError::from)
}
