fn main() {
    // Only the commands the UI calls are exposed, each through a permission
    // in capabilities/default.json.
    let manifest = tauri_build::AppManifest::new().commands(&[
        "app_status",
        "run_self_test",
        "list_tracks",
        "scan_errors",
        "start_scan",
        "cancel_scan",
        "add_library_folder",
        "remove_library_folder",
    ]);
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest))
        .unwrap_or_else(|err| panic!("tauri build configuration: {err:#}"));
}
