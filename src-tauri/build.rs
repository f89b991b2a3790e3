// The command names, shared with the app (src/commands/names.rs).
include!("src/commands/names.rs");

fn main() {
    // Only the commands the UI calls are exposed, each through a permission
    // in capabilities/default.json.
    let manifest = tauri_build::AppManifest::new().commands(NAMES);
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest))
        .unwrap_or_else(|err| panic!("tauri build configuration: {err:#}"));
}
