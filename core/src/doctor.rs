//! `playgenie doctor`: what was built, where the data lives, and which
//! compute backend runs the models (and, on request, proof that it computes
//! what the CPU computes).

use std::fmt::Write as _;
use std::time::Instant;

use playgenie_models::{selftest, BackendSummary, ComputeBackend};
use serde::Serialize;

use crate::error::Result;
use crate::library::LibraryFolder;
use crate::paths::AppPaths;
use crate::Core;

/// Versions of what this binary was built from.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Versions {
    pub playgenie: &'static str,
    pub burn: &'static str,
    pub wgpu: &'static str,
    pub tauri: &'static str,
    pub symphonia: &'static str,
    pub rusqlite: &'static str,
    pub sqlite: &'static str,
}

impl Versions {
    /// The versions resolved in Cargo.lock when this binary was built.
    pub fn current() -> Self {
        Self {
            playgenie: env!("CARGO_PKG_VERSION"),
            burn: env!("PLAYGENIE_BURN_VERSION"),
            wgpu: env!("PLAYGENIE_WGPU_VERSION"),
            tauri: env!("PLAYGENIE_TAURI_VERSION"),
            symphonia: env!("PLAYGENIE_SYMPHONIA_VERSION"),
            rusqlite: env!("PLAYGENIE_RUSQLITE_VERSION"),
            sqlite: crate::db::Db::sqlite_version(),
        }
    }
}

/// The backend self-test: one forward pass and Adam step on the backend in
/// use, compared with the same on the CPU.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SelfTestReport {
    /// Loss before and after the step on the backend in use.
    pub loss: f32,
    pub loss_after_step: f32,
    /// Largest absolute difference from the CPU's numbers.
    pub max_abs_diff_vs_cpu: f32,
    /// Wall time of the run on the backend in use (includes shader
    /// compilation on a first wgpu run).
    pub millis: f64,
    /// Agreement within tolerance and a lower loss after the step.
    pub passed: bool,
}

/// Tolerance for the float32 comparison against the CPU.
pub const SELF_TEST_TOLERANCE: f32 = 1e-4;

/// Everything `doctor` reports.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DoctorReport {
    pub versions: Versions,
    pub paths: AppPaths,
    pub schema_version: i64,
    pub backend: BackendSummary,
    pub library_folders: Vec<LibraryFolder>,
    pub self_test: Option<SelfTestReport>,
    /// Things a person should know about this start (a database restored
    /// from its backup); the app shows them as a banner.
    pub notices: Vec<String>,
}

/// Runs the self-test on `backend` and on the CPU.
pub fn self_test(backend: &ComputeBackend) -> Result<SelfTestReport> {
    let started = Instant::now();
    let here = selftest::run(&backend.device)?;
    let millis = started.elapsed().as_secs_f64() * 1e3;
    let cpu = selftest::run_on_cpu()?;
    let diff = here.max_abs_diff(&cpu);
    Ok(SelfTestReport {
        loss: here.loss,
        loss_after_step: here.loss_after_step,
        max_abs_diff_vs_cpu: diff,
        millis,
        passed: diff <= SELF_TEST_TOLERANCE && here.loss_after_step < here.loss,
    })
}

/// Gathers the report.
pub fn report(core: &Core, backend: &ComputeBackend, run_self_test: bool) -> Result<DoctorReport> {
    Ok(DoctorReport {
        versions: Versions::current(),
        paths: core.paths().clone(),
        schema_version: core.db().schema_version()?,
        backend: backend.summary(),
        library_folders: core.library_folders()?,
        self_test: if run_self_test {
            Some(self_test(backend)?)
        } else {
            None
        },
        notices: Vec::new(),
    })
}

impl DoctorReport {
    /// The report as a person reads it in a terminal.
    pub fn render(&self) -> String {
        let v = &self.versions;
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = writeln!(out, "PlayGenie {}", v.playgenie);
        let _ = writeln!(
            out,
            "  built with   burn {}, wgpu {}, tauri {}, symphonia {}, rusqlite {} (SQLite {})",
            v.burn, v.wgpu, v.tauri, v.symphonia, v.rusqlite, v.sqlite
        );
        let _ = writeln!(out, "  data dir     {}", self.paths.data_dir.display());
        let _ = writeln!(
            out,
            "  database     {} (schema v{})",
            self.paths.database.display(),
            self.schema_version
        );
        let _ = writeln!(out, "  models dir   {}", self.paths.models_dir.display());
        let _ = writeln!(
            out,
            "  backend      {} (asked: {})",
            self.backend.label, self.backend.preference
        );
        match &self.backend.adapter {
            Some(adapter) => {
                let _ = writeln!(out, "  adapter      {adapter}");
                if !adapter.driver.is_empty() {
                    let _ = writeln!(out, "  driver       {}", adapter.driver);
                }
            }
            None => {
                let _ = writeln!(out, "  adapter      none");
            }
        }
        let _ = writeln!(out, "  why          {}", self.backend.reason);
        if self.library_folders.is_empty() {
            let _ = writeln!(
                out,
                "  library      no folders yet (playgenie library add DIR)"
            );
        }
        for folder in &self.library_folders {
            let state = if folder.exists { "" } else { " (missing)" };
            let _ = writeln!(
                out,
                "  library      {}{state}: {} music files",
                folder.path.display(),
                folder.audio_files
            );
        }
        if let Some(test) = &self.self_test {
            let _ = writeln!(
                out,
                "  self-test    {}: loss {:.5} -> {:.5} after one Adam step, max |diff| vs CPU {:.2e}, {:.0} ms",
                if test.passed { "PASS" } else { "FAIL" },
                test.loss,
                test.loss_after_step,
                test.max_abs_diff_vs_cpu,
                test.millis
            );
        }
        out
    }
}
