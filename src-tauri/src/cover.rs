//! The `cover:` protocol: `cover://localhost/<key>` is a thumbnail JPEG
//! from the database, cached by the window forever (a key names one
//! picture's bytes).

use tauri::http::{header, Response, StatusCode};
use tauri::{AppHandle, Manager};

use crate::state::AppState;

/// Answers one request for `key`.
pub fn respond(app: &AppHandle, key: &str) -> Response<Vec<u8>> {
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
    match state.services.with_db(|db| db.cover(key)) {
        Ok(Some(jpeg)) => Response::builder()
            .header(header::CONTENT_TYPE, "image/jpeg")
            .header(header::CACHE_CONTROL, "max-age=31536000, immutable")
            .body(jpeg)
            .unwrap_or_else(|_| status(StatusCode::INTERNAL_SERVER_ERROR)),
        Ok(None) => status(StatusCode::NOT_FOUND),
        Err(playgenie_core::Error::Poisoned(_)) => status(StatusCode::SERVICE_UNAVAILABLE),
        Err(err) => {
            tracing::warn!(%err, "cover lookup failed");
            status(StatusCode::INTERNAL_SERVER_ERROR)
        }
    }
}
