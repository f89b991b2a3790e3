//! The listening modes through the real CLI on the demo library's real
//! music: smart playlists (rules with known answers, bad rules, an export
//! mpv plays), the radio's plan, a path, the "never suggest" list.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::{self, json, ok, playgenie};
use crate::playlists::mpv_opens;

/// A home with the demo library indexed (no listening pass: fast).
fn library() -> (tempfile::TempDir, PathBuf) {
    let home = tempfile::tempdir().unwrap();
    let demo = std::fs::canonicalize(common::repo_dir().join("assets/demo-library")).unwrap();
    ok(playgenie(home.path())
        .args(["index", "--no-listen"])
        .arg(&demo));
    (home, demo)
}

fn tracks(home: &Path) -> Vec<Value> {
    json(playgenie(home).args(["tracks", "--json"]))
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[test]
fn a_smart_playlist_holds_exactly_what_its_rules_say_and_mpv_plays_its_export() {
    let (home, _) = library();
    let all = tracks(home.path());
    assert!(all.len() >= 10, "{}", all.len());
    // The known answer: the three fastest tracks of the Wesnoth album.
    let mut wesnoth: Vec<(f64, i64)> = all
        .iter()
        .filter(|t| t["album"].as_str().is_some_and(|a| a.contains("Wesnoth")))
        .map(|t| {
            (
                t["features"]["tempo_bpm"].as_f64().unwrap_or(0.0),
                t["id"].as_i64().unwrap(),
            )
        })
        .collect();
    wesnoth.sort_by(|a, b| b.0.total_cmp(&a.0));
    assert_eq!(wesnoth.len(), 13);
    let expected: Vec<i64> = wesnoth.iter().take(3).map(|w| w.1).collect();
    ok(playgenie(home.path()).args([
        "smart",
        "create",
        "Fast Wesnoth",
        "--rule",
        "album contains wesnoth",
        "--rule",
        "tempo above 0",
        "--sort",
        "tempo",
        "--descending",
        "--limit",
        "3",
    ]));
    let shown = json(playgenie(home.path()).args(["smart", "show", "fast wesnoth", "--json"]));
    let ids: Vec<i64> = shown
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, expected);
    // Any of two rules: the union, each track once.
    ok(playgenie(home.path()).args([
        "smart",
        "create",
        "Either",
        "--any",
        "--rule",
        "album is the battle for wesnoth ost",
        "--rule",
        "album contains singularity",
    ]));
    let either = json(playgenie(home.path()).args(["smart", "show", "Either", "--json"]));
    assert_eq!(either.as_array().unwrap().len(), all.len());

    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("fast.m3u8");
    ok(playgenie(home.path())
        .args(["smart", "export", "Fast Wesnoth", "--out"])
        .arg(&file));
    let opened = mpv_opens(&file);
    assert_eq!(opened.len(), 3, "{opened:?}");

    // A bad rule is refused, naming the rule and what is allowed.
    let bad = playgenie(home.path())
        .args([
            "smart",
            "create",
            "Bad",
            "--rule",
            "genre is rock",
            "--rule",
            "bpm above 3",
        ])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    let message = String::from_utf8_lossy(&bad.stderr);
    assert!(
        message.contains("rule 2: unknown field \"bpm\""),
        "{message}"
    );
    let listed =
        String::from_utf8_lossy(&ok(playgenie(home.path()).args(["smart", "list"])).stdout)
            .into_owned();
    assert!(listed.contains("Fast Wesnoth\t3 tracks"), "{listed}");
    assert!(!listed.contains("Bad"), "{listed}");
}

#[test]
fn the_radio_plans_a_session_that_never_runs_dry_and_a_path_joins_two_tracks() {
    let (home, _) = library();
    let all = tracks(home.path());
    let id = |i: usize| all[i]["id"].as_i64().unwrap();
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("radio.m3u8");
    let plan = json(
        playgenie(home.path())
            .args(["radio", "--from"])
            .arg(format!("track:{}", id(0)))
            .args(["--minutes", "45", "--json", "--out"])
            .arg(&file),
    );
    let steps = plan.as_array().unwrap();
    let heard: f64 = steps.iter().map(|s| s["heard_ms"].as_f64().unwrap()).sum();
    assert!(heard >= 45.0 * 60_000.0, "{heard} ms");
    assert_eq!(steps[0]["track_id"].as_i64(), Some(id(0)));
    assert!(!mpv_opens(&file).is_empty());

    let path = json(
        playgenie(home.path())
            .args(["path", "--from"])
            .arg(id(0).to_string())
            .arg("--to")
            .arg(id(all.len() - 1).to_string())
            .args(["--steps", "5", "--json"]),
    );
    let steps = path["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 5);
    assert_eq!(steps[0]["track_id"].as_i64(), Some(id(0)));
    assert_eq!(steps[4]["track_id"].as_i64(), Some(id(all.len() - 1)));

    // Excluding the start's album keeps the rest of it out of the radio.
    let album = all[0]["album"].as_str().unwrap().to_owned();
    ok(playgenie(home.path()).args(["exclude", "add", "--album", &album]));
    let listed =
        String::from_utf8_lossy(&ok(playgenie(home.path()).args(["exclude", "list"])).stdout)
            .into_owned();
    assert!(listed.contains(&album), "{listed}");
    let plan = json(
        playgenie(home.path())
            .args(["radio", "--from"])
            .arg(format!("track:{}", id(0)))
            .args(["--minutes", "10", "--json"]),
    );
    let on_album: Vec<i64> = all
        .iter()
        .filter(|t| t["album"] == album.as_str())
        .map(|t| t["id"].as_i64().unwrap())
        .collect();
    let later: Vec<i64> = plan.as_array().unwrap()[1..]
        .iter()
        .map(|s| s["track_id"].as_i64().unwrap())
        .collect();
    assert!(later.iter().all(|t| !on_album.contains(t)), "{later:?}");
    let versions =
        String::from_utf8_lossy(&ok(playgenie(home.path()).arg("versions")).stdout).into_owned();
    assert!(
        versions.contains("every song is in the library once"),
        "{versions}"
    );
}
