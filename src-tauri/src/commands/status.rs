//! Versions, paths and the compute backend; the backend self-test.

use playgenie_core::doctor::{self, DoctorReport, SelfTestReport};
use tauri::State;

use crate::state::{blocking, AppState, Reply};

/// Versions, paths, backend and library folders, for the status bar and
/// the Model view.
#[tauri::command]
pub async fn app_status(state: State<'_, AppState>) -> Reply<DoctorReport> {
    let services = state.services.clone();
    let notices = state.notices.clone();
    blocking("status", move || {
        let backend = services.backend();
        let mut report = doctor::report(&*services.core()?, &backend, false)?;
        report.notices = notices;
        Ok(report)
    })
    .await
}

/// Runs the backend self-test (forward pass + Adam step vs the CPU).
#[tauri::command]
pub async fn run_self_test(state: State<'_, AppState>) -> Reply<SelfTestReport> {
    let services = state.services.clone();
    blocking("self-test", move || doctor::self_test(&services.backend())).await
}
