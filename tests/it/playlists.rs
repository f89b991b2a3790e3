//! Playlists and history through the real CLI on real music (the demo
//! library's Wesnoth album): import with bad lines, export, a real client
//! (mpv) reading the export, history import, headless playback.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::common;
use common::{json, ok, playgenie};

const ALBUM: &str = "Battle for Wesnoth";

/// A home with the album indexed; returns (home, album folder, track files).
fn library() -> (tempfile::TempDir, PathBuf, Vec<PathBuf>) {
    let home = tempfile::tempdir().unwrap();
    let album = common::repo_dir().join("assets/demo-library").join(ALBUM);
    let album = std::fs::canonicalize(album).unwrap();
    ok(playgenie(home.path()).arg("index").arg(&album));
    let mut files: Vec<PathBuf> = std::fs::read_dir(&album)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "ogg"))
        .collect();
    files.sort();
    (home, album, files)
}

#[test]
fn importing_keeps_library_tracks_and_reports_every_other_line() {
    let (home, album, files) = library();
    let lists = tempfile::tempdir().unwrap();
    // Latin-1 bytes, a BOM-less CRLF file with a relative path, an absolute
    // path, a file:// URL, a web URL, a missing file and a file outside the
    // library.
    let outside = lists.path().join("outside.ogg");
    std::fs::copy(&files[2], &outside).unwrap();
    let relative = pathdiff(&files[0], lists.path());
    let file_url = format!(
        "file://{}",
        files[1].display().to_string().replace(' ', "%20")
    );
    let mut text: Vec<u8> = Vec::new();
    text.extend_from_slice(b"#EXTM3U\r\n#EXTINF:123,Caf\xE9 - Ol\xE9\r\n");
    text.extend_from_slice(
        format!("{relative}\r\n{file_url}\r\nhttp://radio.example/stream\r\n").as_bytes(),
    );
    text.extend_from_slice(
        format!(
            "{}/missing.ogg\r\n{}\r\n{}\r\n",
            album.display(),
            outside.display(),
            files[3].display()
        )
        .as_bytes(),
    );
    let m3u = lists.path().join("mixed.m3u");
    std::fs::write(&m3u, &text).unwrap();

    let report = json(
        playgenie(home.path())
            .args(["playlist", "import", "--json"])
            .arg(&m3u),
    );
    assert_eq!(report["entries"], 6);
    assert_eq!(report["imported"], 3);
    let problems: Vec<(u64, String)> = report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["line"].as_u64().unwrap(),
                p["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(problems.len(), 3, "{problems:?}");
    assert_eq!(problems[0].0, 5);
    assert!(problems[0].1.contains("web address"));
    assert_eq!(problems[1].0, 6);
    assert!(problems[1].1.contains("no such file"));
    assert_eq!(problems[2].0, 7);
    assert!(problems[2].1.contains("not in the library"));

    let shown = json(playgenie(home.path()).args(["playlist", "show", "mixed", "--json"]));
    let paths: Vec<&str> = shown
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap())
        .collect();
    let expected: Vec<String> = [&files[0], &files[1], &files[3]]
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    assert_eq!(paths, expected);

    // A garbage file is an error or a report, never a crash.
    let garbage = lists.path().join("garbage.xspf");
    std::fs::write(&garbage, [0xFFu8, 0x00, 0x3C, 0x12, 0x99].repeat(1000)).unwrap();
    let output = playgenie(home.path())
        .args(["playlist", "import"])
        .arg(&garbage)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(
        err.contains("garbage.xspf") && !err.contains("panicked"),
        "{err}"
    );
}

fn pathdiff(path: &Path, base: &Path) -> String {
    // Both live under / on Linux; walk up from base to / then down.
    let ups = base.components().count() - 1;
    let mut out = "../".repeat(ups);
    out.push_str(path.strip_prefix("/").unwrap().to_str().unwrap());
    out
}

/// mpv, with no audio or video output, loads `playlist` and plays a moment
/// of each entry; returns the files it opened.
pub(crate) fn mpv_opens(playlist: &Path) -> Vec<String> {
    let output = Command::new("mpv")
        .args([
            "--no-config",
            "--ao=null",
            "--vo=null",
            "--end=0.05",
            "--msg-level=all=info",
        ])
        .arg(format!("--playlist={}", playlist.display()))
        .output()
        .expect("mpv is installed (scripts/setup.sh --test installs it)");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        !text.contains("Errors when loading file"),
        "mpv failed on an entry:\n{text}"
    );
    text.lines()
        .filter_map(|l| l.trim().strip_prefix("Playing: "))
        .map(str::to_owned)
        .collect()
}

#[test]
fn exports_round_trip_and_mpv_reads_every_entry() {
    let (home, _album, files) = library();
    ok(playgenie(home.path()).args(["playlist", "create", "Road trip"]));
    let mut add = playgenie(home.path());
    add.args(["playlist", "add", "road TRIP"]);
    for f in files.iter().rev().take(4) {
        add.arg(f);
    }
    ok(&mut add);
    let out = tempfile::tempdir().unwrap();
    for (format, relative, name) in [
        ("m3u", false, "abs.m3u8"),
        ("m3u", true, "rel.m3u8"),
        ("xspf", true, "rel.xspf"),
        ("xspf", false, "abs.xspf"),
    ] {
        let file = out.path().join(name);
        let mut cmd = playgenie(home.path());
        cmd.args([
            "playlist",
            "export",
            "Road trip",
            "--format",
            format,
            "--out",
        ])
        .arg(&file);
        if relative {
            cmd.arg("--relative");
        }
        ok(&mut cmd);
        let text = std::fs::read_to_string(&file).unwrap();
        if format == "m3u" {
            assert!(
                text.starts_with("#EXTM3U\n#PLAYLIST:Road trip\n#EXTINF:"),
                "{text}"
            );
        }
        // Round trip: importing the export gives the same tracks.
        let report = json(
            playgenie(home.path())
                .args(["playlist", "import", "--json"])
                .arg(&file),
        );
        assert_eq!(report["imported"], 4, "{name}: {report}");
        assert_eq!(
            report["problems"].as_array().unwrap().len(),
            0,
            "{name}: {report}"
        );
        // A real client reads it.
        if format == "m3u" {
            let opened = mpv_opens(&file);
            assert_eq!(opened.len(), 4, "{name}: mpv opened {opened:?}");
        }
    }
    let lists = json(playgenie(home.path()).args(["playlist", "list", "--json"]));
    let names: Vec<&str> = lists
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "Road trip",
            "Road trip (2)",
            "Road trip (3)",
            "Road trip (4)",
            "Road trip (5)"
        ]
    );
}

#[test]
fn history_import_matches_listens_and_headless_play_records_plays() {
    let (home, _album, files) = library();
    let tracks = json(playgenie(home.path()).args(["tracks", "--json"]));
    let first = &tracks[0];
    let (artist, title) = (
        first["artist"].as_str().unwrap(),
        first["title"].as_str().unwrap(),
    );
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("listens.json");
    let listens = serde_json::json!([
        {"listened_at": 1_700_000_000, "track_metadata": {"artist_name": artist.to_uppercase(), "track_name": format!("{title} (Remastered)")}},
        {"listened_at": 1_700_000_400, "track_metadata": {"artist_name": "Nobody", "track_name": "Nothing"}},
        {"listened_at": 1_700_000_800, "track_metadata": {"track_name": "no artist"}}
    ]);
    std::fs::write(&export, listens.to_string()).unwrap();
    let report = json(
        playgenie(home.path())
            .args(["history", "import", "--json"])
            .arg(&export),
    );
    assert_eq!(
        (
            report["listens"].as_u64(),
            report["matched"].as_u64(),
            report["added"].as_u64()
        ),
        (Some(2), Some(1), Some(1))
    );
    assert_eq!(report["unmatched"][0][0], "Nobody – Nothing");
    assert_eq!(report["problems"][0]["line"], 3);
    // Importing again adds nothing.
    let again = json(
        playgenie(home.path())
            .args(["history", "import", "--json"])
            .arg(&export),
    );
    assert_eq!(again["added"], 0);

    // Last.fm CSV, header-less.
    let csv = dir.path().join("scrobbles.csv");
    std::fs::write(
        &csv,
        format!("\"{artist}\",Album,\"{title}\",31 Jan 2021 12:34\nbroken line\n"),
    )
    .unwrap();
    let report = json(
        playgenie(home.path())
            .args(["history", "import", "--json"])
            .arg(&csv),
    );
    assert_eq!(report["added"], 1);
    assert_eq!(report["problems"].as_array().unwrap().len(), 1);

    // Headless playback of a library track, stopped after a moment.
    ok(playgenie(home.path())
        .args(["play", "--silent", "--seconds", "1.2"])
        .arg(&files[0]));
    let plays = json(playgenie(home.path()).args(["history", "show", "--json"]));
    let local: Vec<&Value> = plays
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["imported_from"].is_null())
        .collect();
    assert_eq!(local.len(), 1, "{plays}");
    assert_eq!(local[0]["end_reason"], "stopped");
    let heard = local[0]["listened_ms"].as_u64().unwrap();
    assert!((800..=1_300).contains(&heard), "heard {heard} ms");
    assert_eq!(plays.as_array().unwrap().len(), 3);
}
