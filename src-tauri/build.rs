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
        "list_playlists",
        "create_playlist",
        "rename_playlist",
        "delete_playlist",
        "duplicate_playlist",
        "playlist_entries",
        "add_to_playlist",
        "remove_from_playlist",
        "move_in_playlist",
        "export_playlist",
        "import_playlist",
        "import_history",
        "recent_plays",
        "listening_by_day",
        "most_played",
        "play_tracks",
        "player_control",
        "player_seek",
        "player_volume",
        "player_normalization",
        "player_state",
        "complete_playlist",
        "keep_suggestion",
        "remove_suggestion",
        "model_versions",
        "use_model_version",
        "train_model",
        "cancel_training",
    ]);
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest))
        .unwrap_or_else(|err| panic!("tauri build configuration: {err:#}"));
}
