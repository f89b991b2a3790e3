//! Running the real `playgenie` binary in the CLI tests: a temporary
//! PLAYGENIE_HOME, the CPU backend, the silent audio sink, quiet logs.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use playgenie_models::{BackendKind, ComputeBackend, DevicePreference};
use serde_json::Value;

/// `playgenie` with its data in `home`.
pub fn playgenie(home: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_playgenie"));
    cmd.env("PLAYGENIE_HOME", home)
        .env("PLAYGENIE_DEVICE", "cpu")
        .env("PLAYGENIE_AUDIO", "silent")
        .env("RUST_LOG", "warn");
    cmd
}

/// Runs `cmd` and insists that it succeeds, showing its output if not.
pub fn ok(cmd: &mut Command) -> Output {
    let output = cmd.output().expect("the playgenie binary runs");
    assert!(
        output.status.success(),
        "{cmd:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// Runs `cmd` (with `--json`) and parses what it prints.
pub fn json(cmd: &mut Command) -> Value {
    serde_json::from_slice(&ok(cmd).stdout).expect("JSON output")
}

/// This checkout's root, read when the test runs (cargo sets
/// CARGO_MANIFEST_DIR, the CLI crate's folder, for it): a test binary that
/// cargo reuses from a build of the same sources in another checkout still
/// finds *these* files.
pub fn repo_dir() -> PathBuf {
    let cli = std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from);
    cli.parent().map_or(cli.clone(), Path::to_path_buf)
}

/// The wgpu backend for a test of `what`, or `None` when
/// PLAYGENIE_SKIP_GPU_TESTS is set. Without it there must be an adapter
/// (lavapipe in CI): its absence fails the test rather than skipping it.
pub fn wgpu_or_skip(what: &str) -> Option<ComputeBackend> {
    if std::env::var_os("PLAYGENIE_SKIP_GPU_TESTS").is_some() {
        eprintln!("PLAYGENIE_SKIP_GPU_TESTS is set: skipping the wgpu {what} test");
        return None;
    }
    let gpu = ComputeBackend::select(DevicePreference::Gpu);
    assert_eq!(
        gpu.kind,
        BackendKind::Wgpu,
        "no wgpu adapter: {}",
        gpu.reason
    );
    Some(gpu)
}
