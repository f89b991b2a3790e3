//! The `playgenie` CLI, run as a person runs it: a real binary, a real
//! SQLite file in a temporary PLAYGENIE_HOME, real environment variables.

use crate::common;

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

fn playgenie(home: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_playgenie"));
    cmd.env("PLAYGENIE_HOME", home)
        .env_remove("PLAYGENIE_DEVICE")
        .env("RUST_LOG", "warn");
    cmd
}

fn run(cmd: &mut Command) -> Output {
    let output = cmd.output().expect("the playgenie binary runs");
    assert!(
        !String::from_utf8_lossy(&output.stderr).contains("panicked"),
        "playgenie panicked: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn doctor_json(cmd: &mut Command) -> Value {
    let output = run(cmd.args(["doctor", "--json"]));
    assert!(
        output.status.success(),
        "doctor failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("doctor --json prints JSON")
}

/// Hides every Vulkan and EGL driver from wgpu, as on a machine without any.
fn without_gpu_drivers(cmd: &mut Command) -> &mut Command {
    cmd.env("VK_ICD_FILENAMES", "/nonexistent")
        .env("VK_DRIVER_FILES", "/nonexistent")
        .env("__EGL_VENDOR_LIBRARY_FILENAMES", "/nonexistent")
}

#[test]
fn help_lists_the_commands() {
    let home = tempfile::tempdir().expect("temp dir");
    let output = run(playgenie(home.path()).arg("--help"));
    assert!(output.status.success());
    let text = String::from_utf8_lossy(&output.stdout);
    for command in ["doctor", "library"] {
        assert!(text.contains(command), "--help lacks {command}: {text}");
    }
}

#[test]
fn doctor_reports_versions_paths_and_the_cpu_backend() {
    let home = tempfile::tempdir().expect("temp dir");
    let report = doctor_json(playgenie(home.path()).env("PLAYGENIE_DEVICE", "cpu"));

    assert_eq!(report["backend"]["kind"], "cpu");
    assert_eq!(report["backend"]["preference"], "cpu");
    let migrations = std::fs::read_dir(common::repo_dir().join("core/migrations"))
        .expect("migrations folder")
        .count();
    assert_eq!(report["schema_version"], migrations);
    assert_eq!(report["versions"]["burn"], "0.22.1");
    assert!(report["versions"]["sqlite"]
        .as_str()
        .is_some_and(|v| v.starts_with('3')));
    let database = report["paths"]["database"].as_str().expect("database path");
    assert!(Path::new(database).starts_with(home.path()));
    assert!(Path::new(database).is_file(), "doctor creates the database");

    let text = run(playgenie(home.path())
        .env("PLAYGENIE_DEVICE", "cpu")
        .arg("doctor"));
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("backend      cpu (flex)"), "{text}");
    assert!(text.contains(database), "{text}");
}

#[test]
fn a_typo_in_the_device_is_an_error_not_a_silent_default() {
    let home = tempfile::tempdir().expect("temp dir");
    let output = run(playgenie(home.path())
        .env("PLAYGENIE_DEVICE", "cuda")
        .arg("doctor"));
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("auto, gpu or cpu"));
}

#[test]
fn with_no_gpu_driver_at_all_auto_falls_back_to_the_cpu_with_a_reason() {
    let home = tempfile::tempdir().expect("temp dir");
    let report = doctor_json(without_gpu_drivers(&mut playgenie(home.path())));
    assert_eq!(report["backend"]["kind"], "cpu");
    assert!(report["backend"]["adapter"].is_null());
    let reason = report["backend"]["reason"].as_str().expect("reason");
    assert!(reason.contains("no usable wgpu adapter"), "{reason}");
}

#[test]
fn forcing_the_gpu_without_a_driver_still_falls_back_instead_of_panicking() {
    let home = tempfile::tempdir().expect("temp dir");
    let mut cmd = playgenie(home.path());
    without_gpu_drivers(&mut cmd).env("PLAYGENIE_DEVICE", "gpu");
    let report = doctor_json(&mut cmd);
    assert_eq!(report["backend"]["kind"], "cpu");
    let reason = report["backend"]["reason"].as_str().expect("reason");
    assert!(reason.contains("asked for wgpu, but"), "{reason}");
}

#[test]
fn forced_gpu_names_the_adapter_and_passes_the_self_test() {
    if std::env::var_os("PLAYGENIE_SKIP_GPU_TESTS").is_some() {
        eprintln!("PLAYGENIE_SKIP_GPU_TESTS is set: skipping");
        return;
    }
    let home = tempfile::tempdir().expect("temp dir");
    let mut cmd = playgenie(home.path());
    cmd.env("PLAYGENIE_DEVICE", "gpu");
    let output = run(cmd.args(["doctor", "--json", "--self-test"]));
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(report["backend"]["kind"], "wgpu", "{}", report["backend"]);
    let adapter = report["backend"]["adapter"]["name"]
        .as_str()
        .expect("adapter name");
    assert!(!adapter.is_empty());
    assert_eq!(
        report["self_test"]["passed"], true,
        "{}",
        report["self_test"]
    );
}

#[test]
fn library_folders_are_remembered_and_bad_ones_explained() {
    let home = tempfile::tempdir().expect("temp dir");
    let music = tempfile::tempdir().expect("music dir");
    std::fs::create_dir(music.path().join("album")).expect("mkdir");
    for name in ["album/01.ogg", "album/02.flac", "album/cover.jpg"] {
        std::fs::write(music.path().join(name), b"not really audio").expect("write");
    }

    let output = run(playgenie(home.path())
        .args(["library", "add"])
        .arg(music.path()));
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("2 music files"));

    let listed = run(playgenie(home.path()).args(["library", "list", "--json"]));
    let folders: Value = serde_json::from_slice(&listed.stdout).expect("JSON");
    assert_eq!(folders.as_array().map(Vec::len), Some(1));
    assert_eq!(folders[0]["audio_files"], 2);

    let missing = run(playgenie(home.path()).args(["library", "add", "/no/such/folder"]));
    assert!(!missing.status.success());
    let message = String::from_utf8_lossy(&missing.stderr);
    assert!(
        message.contains("/no/such/folder is not a folder PlayGenie can read"),
        "{message}"
    );
}

#[test]
fn the_demo_library_is_bundled_and_counted() {
    let demo = common::repo_dir().join("assets/demo-library");
    let home = tempfile::tempdir().expect("temp dir");
    let output = run(playgenie(home.path()).args(["library", "add"]).arg(&demo));
    assert!(output.status.success());
    let text = String::from_utf8_lossy(&output.stdout);
    let count: usize = text
        .trim()
        .rsplit(": ")
        .next()
        .and_then(|tail| tail.split(' ').next())
        .and_then(|n| n.parse().ok())
        .expect("a file count");
    assert!(
        count >= 15,
        "the demo library needs 15+ tracks, has {count}"
    );
}

#[test]
fn bench_complete_times_an_untrained_model_by_default() {
    // `--train-epochs` defaults to 0: latency does not depend on the
    // weights, so no epoch is spent before the timing.
    let home = tempfile::tempdir().unwrap();
    let out = run(playgenie(home.path()).env("PLAYGENIE_DEVICE", "cpu").args([
        "bench",
        "complete",
        "--tracks",
        "1000",
        "-k",
        "5",
        "--requests",
        "3",
        "--json",
    ]));
    let reports: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let report = &reports[0];
    assert_eq!(report["tracks"], 1000);
    assert!(
        report["model_p95_ms"].as_f64().is_some_and(|ms| ms > 0.0),
        "{report}"
    );
    assert!(
        report["cold_p95_ms"].as_f64().is_some_and(|ms| ms > 0.0),
        "{report}"
    );
}

#[test]
fn bench_scale_times_completion_with_a_first_model_and_rescans_on_one_library_size() {
    let home = tempfile::tempdir().unwrap();
    let out = run(playgenie(home.path()).env("PLAYGENIE_DEVICE", "cpu").args([
        "bench",
        "scale",
        "--tracks",
        "600",
        "--requests",
        "2",
        "--history-days",
        "7",
        "--repeats",
        "1",
        "--json",
    ]));
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let complete = &report["complete"];
    assert_eq!(complete["tracks"], 600);
    assert_eq!(complete["history_plays"], 7 * 2 * 15, "{complete}");
    assert!(
        complete["train_s"].as_f64().is_some_and(|s| s > 0.0),
        "{complete}"
    );
    assert!(
        complete["model_p95_ms"].as_f64().is_some_and(|ms| ms > 0.0),
        "{complete}"
    );
    assert_eq!(complete["picks_differing"], 0, "{complete}");
    let rescan = &report["rescan"];
    assert_eq!(rescan["files"], 600);
    assert!(
        rescan["watcher_s"].as_f64().is_some_and(|s| s > 0.0),
        "{rescan}"
    );
}
