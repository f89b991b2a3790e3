//! Indexing, end to end: the real `playgenie` binary on real files in a
//! temporary library and a real SQLite database.
//!
//! Where the truth must be known exactly the audio is generated (a sine at a
//! known level, a click track at a known tempo, a C major chord); the bundled
//! demo library supplies real music; bad inputs are made on the spot.

use crate::common;

use std::f32::consts::TAU;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const RATE: u32 = 44_100;

fn playgenie(home: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_playgenie"));
    cmd.env("PLAYGENIE_HOME", home)
        .env("PLAYGENIE_DEVICE", "cpu")
        .env("RUST_LOG", "warn");
    cmd
}

fn run_ok(cmd: &mut Command) -> Output {
    let output = cmd.output().expect("playgenie runs");
    assert!(
        output.status.success(),
        "playgenie failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn index(home: &Path, dir: &Path) -> Value {
    let out = run_ok(playgenie(home).arg("index").arg(dir).arg("--json"));
    serde_json::from_slice(&out.stdout).expect("index --json")
}

/// Runs `playgenie COMMAND --json` and returns the listed objects.
fn json_list(home: &Path, command: &str) -> Vec<Value> {
    let out = run_ok(playgenie(home).args([command, "--json"]));
    match serde_json::from_slice::<Value>(&out.stdout) {
        Ok(Value::Array(items)) => items,
        other => panic!("{command} --json printed no list: {other:?}"),
    }
}

fn tracks(home: &Path) -> Vec<Value> {
    json_list(home, "tracks")
}

fn scan_errors(home: &Path) -> Vec<Value> {
    json_list(home, "scan-errors")
}

/// Writes a stereo 16-bit WAV from a mono generator.
fn write_wav(path: &Path, seconds: f32, f: impl Fn(f32) -> f32) {
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: RATE,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(path, spec).expect("create wav");
    for i in 0..(seconds * RATE as f32) as usize {
        let s = (f(i as f32 / RATE as f32) * 32767.0).round() as i16;
        w.write_sample(s).expect("sample");
        w.write_sample(s).expect("sample");
    }
    w.finalize().expect("finalize wav");
}

fn by_title<'a>(tracks: &'a [Value], title: &str) -> &'a Value {
    tracks
        .iter()
        .find(|t| t["title"] == title)
        .unwrap_or_else(|| panic!("no track titled {title} in {tracks:?}"))
}

#[test]
fn generated_signals_read_their_known_truth() {
    let home = tempfile::tempdir().expect("home");
    let lib = tempfile::tempdir().expect("library");
    // A 1 kHz sine at -20 dBFS in both channels reads -20 LUFS (EBU 3341).
    let amp = 10f32.powf(-20.0 / 20.0);
    write_wav(&lib.path().join("sine.wav"), 20.0, |t| {
        amp * (TAU * 1000.0 * t).sin()
    });
    // Clicks every 0.5 s: 120 BPM.
    write_wav(&lib.path().join("clicks.wav"), 30.0, |t| {
        let phase = t % 0.5;
        if phase < 0.004 {
            0.8 * (1.0 - phase / 0.004) * (TAU * 2000.0 * t).sin()
        } else {
            0.0
        }
    });
    // C major: C3 C4 E4 G4.
    write_wav(&lib.path().join("c_major.wav"), 10.0, |t| {
        [130.81f32, 261.63, 329.63, 392.0]
            .iter()
            .map(|f| 0.15 * (TAU * f * t).sin())
            .sum()
    });

    let report = index(home.path(), lib.path());
    assert_eq!(report["added"], 3, "{report}");
    assert_eq!(report["errors"], 0, "{report}");
    let all = tracks(home.path());

    let sine = &by_title(&all, "sine")["features"];
    let lufs = sine["loudness_lufs"].as_f64().expect("loudness");
    assert!((lufs + 20.0).abs() <= 0.5, "sine reads {lufs} LUFS");
    assert!((sine["replaygain_db"].as_f64().expect("rg") - (-18.0 - lufs)).abs() < 1e-3);

    let clicks = &by_title(&all, "clicks")["features"];
    let bpm = clicks["tempo_bpm"].as_f64().expect("tempo");
    assert!((bpm - 120.0).abs() <= 2.0, "click track reads {bpm} BPM");

    let chord = &by_title(&all, "c major")["features"];
    assert_eq!(
        (chord["key"].as_u64(), chord["mode"].as_u64()),
        (Some(0), Some(1)),
        "{chord}"
    );

    // Titles were guessed from file names, and say so.
    assert!(by_title(&all, "sine")["guessed"]
        .as_array()
        .is_some_and(|g| g.iter().any(|f| f == "title")));
}

#[test]
fn the_demo_library_indexes_with_tags_and_container_durations() {
    let demo = common::repo_dir().join("assets/demo-library");
    let home = tempfile::tempdir().expect("home");
    let report = index(home.path(), &demo);
    assert_eq!(report["errors"], 0, "{report}");
    let all = tracks(home.path());
    assert!(all.len() >= 15);
    for t in &all {
        assert_eq!(t["status"], "ok");
        assert!(t["guessed"].as_array().is_some_and(Vec::is_empty), "{t}");
        let duration = t["duration_s"].as_f64().expect("duration");
        let truth = reference_duration(Path::new(t["path"].as_str().expect("path")));
        assert!(
            (duration - truth).abs() <= 0.5,
            "{}: {duration} vs {truth}",
            t["title"]
        );
        let f = &t["features"];
        assert!(
            f["loudness_lufs"]
                .as_f64()
                .is_some_and(|l| (-40.0..0.0).contains(&l)),
            "{f}"
        );
        assert!(
            f["tempo_bpm"]
                .as_f64()
                .is_some_and(|b| (50.0..=220.0).contains(&b)),
            "{f}"
        );
    }
    let albums: std::collections::HashSet<_> = all.iter().map(|t| t["album"].to_string()).collect();
    assert!(albums.len() >= 2, "more than one album: {albums:?}");

    // A second scan reads nothing again.
    let again = index(home.path(), &demo);
    assert_eq!(again["analysed"], 0, "{again}");
    assert_eq!(again["unchanged"].as_u64(), Some(all.len() as u64));
}

#[test]
fn moves_keep_identity_and_deletions_are_marked_missing() {
    let home = tempfile::tempdir().expect("home");
    let lib = tempfile::tempdir().expect("library");
    std::fs::create_dir(lib.path().join("a")).expect("mkdir");
    let tone = |f: f32| move |t: f32| 0.3 * (TAU * f * t).sin();
    write_wav(&lib.path().join("a/one.wav"), 3.0, tone(440.0));
    write_wav(&lib.path().join("a/two.wav"), 3.0, tone(660.0));
    index(home.path(), lib.path());
    let before = tracks(home.path());
    let id_one = by_title(&before, "one")["id"].clone();

    std::fs::create_dir(lib.path().join("b")).expect("mkdir");
    std::fs::rename(
        lib.path().join("a/one.wav"),
        lib.path().join("b/renamed.wav"),
    )
    .expect("move");
    std::fs::remove_file(lib.path().join("a/two.wav")).expect("delete");
    let report = index(home.path(), lib.path());
    assert_eq!(report["moved"], 1, "{report}");
    assert_eq!(report["missing"], 1, "{report}");

    let after = tracks(home.path());
    let moved = after.iter().find(|t| t["id"] == id_one).expect("same id");
    assert!(moved["path"]
        .as_str()
        .is_some_and(|p| p.ends_with("b/renamed.wav")));
    assert_eq!(by_title(&after, "two")["status"], "missing");
}

/// Prepends an ID3v2.4 tag holding one 5 MB TXXX frame to `audio`.
fn with_big_id3_tag(audio: &[u8]) -> Vec<u8> {
    fn syncsafe(n: usize) -> [u8; 4] {
        [
            (n >> 21) as u8 & 0x7f,
            (n >> 14) as u8 & 0x7f,
            (n >> 7) as u8 & 0x7f,
            n as u8 & 0x7f,
        ]
    }
    let mut frame_body = vec![3u8]; // UTF-8
    frame_body.extend_from_slice(b"big\0");
    frame_body.extend(std::iter::repeat_n(b'x', 5 * 1024 * 1024));
    let mut frame = b"TXXX".to_vec();
    frame.extend_from_slice(&syncsafe(frame_body.len()));
    frame.extend_from_slice(&[0, 0]);
    frame.extend_from_slice(&frame_body);
    let mut out = b"ID3\x04\x00\x00".to_vec();
    out.extend_from_slice(&syncsafe(frame.len()));
    out.extend_from_slice(&frame);
    out.extend_from_slice(audio);
    out
}

fn has_tool(tool: &str) -> bool {
    Command::new(tool).arg("-version").output().is_ok()
}

#[test]
fn bad_inputs_are_recorded_with_a_reason_and_the_scan_goes_on() {
    let home = tempfile::tempdir().expect("home");
    let lib = tempfile::tempdir().expect("library");
    let dir = lib.path();
    write_wav(&dir.join("good.wav"), 2.0, |t| {
        0.3 * (TAU * 440.0 * t).sin()
    });
    std::fs::write(dir.join("empty.mp3"), b"").expect("write");
    let noise: Vec<u8> = (0..50_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(dir.join("noise.mp3"), &noise).expect("write");
    // A real Ogg Vorbis file cut to its first 3 KB.
    let demo = common::repo_dir().join("assets/demo-library/Battle for Wesnoth/knolls.ogg");
    let bytes = std::fs::read(&demo).expect("demo file");
    std::fs::write(dir.join("truncated.ogg"), &bytes[..3000]).expect("write");
    // A symlink loop.
    std::fs::create_dir(dir.join("loop")).expect("mkdir");
    std::os::unix::fs::symlink(dir.join("loop"), dir.join("loop/again")).expect("symlink");
    // A non-UTF-8 file name holding good audio.
    let odd: PathBuf = {
        use std::os::unix::ffi::OsStrExt;
        dir.join(std::ffi::OsStr::from_bytes(b"caf\xe9.wav"))
    };
    std::fs::copy(dir.join("good.wav"), &odd).expect("copy");
    // A WAV wrapped behind a 5 MB ID3v2.4 tag (one TXXX frame).
    std::fs::write(
        dir.join("big_tag.mp3"),
        with_big_id3_tag(&std::fs::read(dir.join("good.wav")).expect("wav")),
    )
    .expect("write");
    // A file that is gone by the time it is read (a dangling link).
    std::os::unix::fs::symlink(dir.join("deleted.wav"), dir.join("vanished.wav")).expect("symlink");
    // Opus, which Symphonia cannot decode.
    std::fs::write(dir.join("speech.opus"), b"OggS not really").expect("write");

    let report = index(home.path(), dir);
    let errors = scan_errors(home.path());
    let reason = |name: &str| {
        errors
            .iter()
            .find(|e| e["path"].as_str().is_some_and(|p| p.ends_with(name)))
            .unwrap_or_else(|| panic!("no scan error for {name}: {errors:?}"))
    };
    assert_eq!(reason("empty.mp3")["kind"], "corrupt");
    assert!(reason("empty.mp3")["message"]
        .as_str()
        .is_some_and(|m| m.contains("empty")));
    assert!(
        ["corrupt", "unsupported"].contains(&reason("noise.mp3")["kind"].as_str().unwrap_or(""))
    );
    assert_eq!(reason("speech.opus")["kind"], "unsupported");
    assert!(reason("speech.opus")["message"]
        .as_str()
        .is_some_and(|m| m.contains("convert")));
    assert_eq!(reason("again")["kind"], "loop");
    assert!(
        ["vanished", "unreadable"].contains(&reason("vanished.wav")["kind"].as_str().unwrap_or(""))
    );
    // The audio behind a 5 MB tag is found and indexed.
    let big = tracks(home.path())
        .into_iter()
        .find(|t| {
            t["path"]
                .as_str()
                .is_some_and(|p| p.ends_with("big_tag.mp3"))
        })
        .expect("the file behind the 5 MB tag is indexed");
    assert!(big["features"].is_object());
    // The truncated file either decodes its first seconds or is reported;
    // either way nothing crashed and the good files are in.
    let all = tracks(home.path());
    assert!(by_title(&all, "good")["features"].is_object());
    assert!(all
        .iter()
        .any(|t| t["path"].as_str().is_some_and(|p| p.contains("caf"))));
    assert!(report["added"].as_u64().is_some_and(|n| n >= 2), "{report}");

    // Known-bad files that did not change are not retried.
    let again = index(home.path(), dir);
    assert_eq!(again["analysed"], 0, "{again}");
}

/// `playgenie` as a process that file permissions apply to. Root ignores
/// them (CAP_DAC_OVERRIDE), and CI runs as root, so there the process gives
/// up those two capabilities first (util-linux `setpriv`).
fn playgenie_bound_by_permissions(home: &Path) -> Command {
    let root = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(2).map(|euid| euid == "0"))
        })
        .unwrap_or(false);
    if !root {
        return playgenie(home);
    }
    let plain = playgenie(home);
    let mut cmd = Command::new("setpriv");
    cmd.args([
        "--bounding-set=-dac_override,-dac_read_search",
        "--inh-caps=-dac_override,-dac_read_search",
    ])
    .arg(plain.get_program());
    for (key, value) in plain.get_envs() {
        if let Some(value) = value {
            cmd.env(key, value);
        }
    }
    cmd
}

#[test]
fn unreadable_files_and_folders_are_recorded_and_the_scan_goes_on() {
    use std::os::unix::fs::PermissionsExt;
    let home = tempfile::tempdir().expect("home");
    let lib = tempfile::tempdir().expect("library");
    let dir = lib.path();
    let tone = |t: f32| 0.3 * (TAU * 440.0 * t).sin();
    write_wav(&dir.join("good.wav"), 1.0, tone);
    write_wav(&dir.join("locked.wav"), 1.0, tone);
    let locked_dir = dir.join("locked folder");
    std::fs::create_dir(&locked_dir).expect("mkdir");
    write_wav(&locked_dir.join("inside.wav"), 1.0, tone);
    let mode = |path: &Path, mode: u32| {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod")
    };
    mode(&dir.join("locked.wav"), 0o000);
    mode(&locked_dir, 0o000);

    let output = playgenie_bound_by_permissions(home.path())
        .arg("index")
        .arg(dir)
        .arg("--json")
        .output()
        .expect("playgenie runs");
    // Put permissions back first so the temporary folder can be removed.
    mode(&dir.join("locked.wav"), 0o644);
    mode(&locked_dir, 0o755);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    let errors = scan_errors(home.path());
    for name in ["locked.wav", "locked folder"] {
        let error = errors
            .iter()
            .find(|e| e["path"].as_str().is_some_and(|p| p.ends_with(name)))
            .unwrap_or_else(|| panic!("no scan error for {name}: {errors:?}"));
        assert_eq!(error["kind"], "unreadable", "{error}");
        assert!(
            error["message"]
                .as_str()
                .is_some_and(|m| m.to_lowercase().contains("permission denied")),
            "{error}"
        );
    }
    let all = tracks(home.path());
    assert!(by_title(&all, "good")["features"].is_object());
    assert_eq!(all.len(), 1, "only the readable file is indexed");
}

#[test]
fn common_formats_decode_to_the_same_duration() {
    if !has_tool("ffmpeg") {
        panic!("ffmpeg is needed for the format tests (scripts/setup.sh --test installs it)");
    }
    let home = tempfile::tempdir().expect("home");
    let lib = tempfile::tempdir().expect("library");
    let src = lib.path().join("src.wav");
    write_wav(&src, 12.0, |t| {
        0.3 * (TAU * 440.0 * t).sin() * (TAU * 0.5 * t).sin()
    });
    for (name, args) in [
        ("tone.flac", vec![]),
        ("tone.mp3", vec!["-b:a", "192k"]),
        ("tone.m4a", vec!["-c:a", "aac", "-b:a", "160k"]),
        ("tone.ogg", vec!["-c:a", "libvorbis"]),
        ("tone.aiff", vec![]),
    ] {
        let status = Command::new("ffmpeg")
            .args(["-v", "error", "-y", "-i"])
            .arg(&src)
            .args(&args)
            .arg(lib.path().join(name))
            .status()
            .expect("ffmpeg runs");
        assert!(status.success(), "ffmpeg made no {name}");
    }
    let report = index(home.path(), lib.path());
    assert_eq!(
        report["errors"],
        0,
        "{report}: {:?}",
        scan_errors(home.path())
    );
    let all = tracks(home.path());
    assert_eq!(all.len(), 6);
    for t in &all {
        let d = t["duration_s"].as_f64().expect("duration");
        assert!((d - 12.0).abs() <= 0.5, "{}: {d} s", t["path"]);
    }
}

#[test]
fn cover_art_becomes_one_shared_thumbnail() {
    if !has_tool("ffmpeg") {
        panic!("ffmpeg is needed for the cover art test (scripts/setup.sh --test installs it)");
    }
    let home = tempfile::tempdir().expect("home");
    let lib = tempfile::tempdir().expect("library");
    let dir = lib.path();
    // A 600x400 picture: red left half, blue right half.
    let picture = image::RgbImage::from_fn(600, 400, |x, _| {
        image::Rgb(if x < 300 {
            [230, 20, 20]
        } else {
            [20, 20, 230]
        })
    });
    let cover = dir.join("art.jpg");
    image::DynamicImage::ImageRgb8(picture)
        .save_with_format(&cover, image::ImageFormat::Jpeg)
        .expect("write jpeg");
    let src = dir.join("src.wav");
    write_wav(&src, 3.0, |t| 0.3 * (TAU * 330.0 * t).sin());
    for (folder, name, codec) in [
        ("embedded", "a.flac", "flac"),
        ("embedded", "b.mp3", "libmp3lame"),
    ] {
        std::fs::create_dir_all(dir.join(folder)).expect("mkdir");
        let status = Command::new("ffmpeg")
            .args(["-v", "error", "-y", "-i"])
            .arg(&src)
            .arg("-i")
            .arg(&cover)
            .args(["-map", "0", "-map", "1", "-c:a", codec, "-c:v", "copy"])
            .args(["-disposition:v", "attached_pic"])
            .arg(dir.join(folder).join(name))
            .status()
            .expect("ffmpeg runs");
        assert!(status.success(), "ffmpeg made no {name}");
    }
    std::fs::create_dir(dir.join("folder art")).expect("mkdir");
    std::fs::copy(&src, dir.join("folder art/c.wav")).expect("copy");
    std::fs::copy(&cover, dir.join("folder art/Folder.jpg")).expect("copy");
    std::fs::create_dir(dir.join("no art")).expect("mkdir");
    std::fs::rename(&src, dir.join("no art/d.wav")).expect("move");
    std::fs::remove_file(&cover).expect("rm");

    index(home.path(), dir);
    let all = tracks(home.path());
    let key = |title: &str| by_title(&all, title)["cover"].as_str().map(str::to_owned);
    let shared = key("a").expect("the FLAC picture is found");
    assert_eq!(key("b").as_deref(), Some(shared.as_str()), "MP3 APIC");
    assert_eq!(key("c").as_deref(), Some(shared.as_str()), "Folder.jpg");
    assert_eq!(key("d"), None);
    assert_eq!(by_title(&all, "a")["has_cover"], true);
    assert_eq!(by_title(&all, "c")["has_cover"], false, "not embedded");

    // One stored thumbnail, 160 px on its long side, still red then blue.
    let db = rusqlite::Connection::open(home.path().join("playgenie.sqlite3")).expect("open db");
    let (count, jpeg): (i64, Vec<u8>) = db
        .query_row("SELECT count(*), jpeg FROM covers", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .expect("covers");
    assert_eq!(count, 1);
    let thumb = image::load_from_memory(&jpeg).expect("jpeg").to_rgb8();
    assert_eq!(thumb.dimensions(), (160, 107));
    assert!(thumb.get_pixel(20, 50)[0] > 180 && thumb.get_pixel(140, 50)[2] > 180);

    // Without tracks, no thumbnails are kept.
    run_ok(playgenie(home.path()).args(["library", "remove"]).arg(dir));
    let left: i64 = db
        .query_row("SELECT count(*) FROM covers", [], |r| r.get(0))
        .expect("count");
    assert_eq!(left, 0);
}

#[test]
fn a_scan_killed_midway_leaves_a_sound_database_and_resumes() {
    let home = tempfile::tempdir().expect("home");
    let lib = tempfile::tempdir().expect("library");
    let files = 48;
    for i in 0..files {
        let f = 200.0 + 20.0 * i as f32;
        write_wav(&lib.path().join(format!("t{i:02}.wav")), 6.0, move |t| {
            0.3 * (TAU * f * t).sin()
        });
    }
    let mut child = playgenie(home.path())
        .args(["index", "--threads", "1"])
        .arg(lib.path())
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("spawn index");
    let db_path = home.path().join("playgenie.sqlite3");
    let count = |conn: &rusqlite::Connection| -> i64 {
        conn.query_row("SELECT count(*) FROM tracks", [], |r| r.get(0))
            .unwrap_or(0)
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    let mut committed = 0;
    while std::time::Instant::now() < deadline {
        if let Ok(conn) = rusqlite::Connection::open_with_flags(
            &db_path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        ) {
            committed = count(&conn);
            if committed > 0 {
                break;
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    child.kill().expect("SIGKILL");
    let _ = child.wait();
    assert!(committed > 0, "no batch was committed in time");

    let conn = rusqlite::Connection::open(&db_path).expect("open after kill");
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("integrity_check");
    assert_eq!(integrity, "ok");
    let survived = count(&conn);
    drop(conn);

    let report = index(home.path(), lib.path());
    assert_eq!(report["unchanged"].as_i64(), Some(survived), "{report}");
    assert_eq!(
        report["analysed"].as_i64(),
        Some(files - survived),
        "{report}"
    );
    assert_eq!(tracks(home.path()).len() as i64, files);
}

/// The container's duration as ffprobe reads it, or sox where ffprobe
/// refuses the file (a few of hyperrogue's Ogg files).
fn reference_duration(path: &Path) -> f64 {
    let read = |cmd: &mut Command| {
        cmd.output().ok().and_then(|o| {
            String::from_utf8_lossy(&o.stdout)
                .trim()
                .parse::<f64>()
                .ok()
        })
    };
    read(
        Command::new("ffprobe")
            .args([
                "-v",
                "error",
                "-show_entries",
                "format=duration",
                "-of",
                "csv=p=0",
            ])
            .arg(path),
    )
    .or_else(|| read(Command::new("soxi").arg("-D").arg(path)))
    .unwrap_or_else(|| panic!("neither ffprobe nor soxi reads {}", path.display()))
}

/// The real test library from Debian's soundtrack packages
/// (`scripts/fetch-test-music.sh`, run by `scripts/test.sh`, which sets
/// PLAYGENIE_TEST_MUSIC). Outside CI and without the variable it is skipped.
#[test]
fn the_debian_soundtracks_index_with_container_durations() {
    let Some(root) = std::env::var_os("PLAYGENIE_TEST_MUSIC").map(PathBuf::from) else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must set PLAYGENIE_TEST_MUSIC (scripts/test.sh does)"
        );
        eprintln!(
            "PLAYGENIE_TEST_MUSIC unset: run scripts/fetch-test-music.sh to include this test"
        );
        return;
    };
    let home = tempfile::tempdir().expect("home");
    let report = index(home.path(), &root);
    assert_eq!(
        report["errors"],
        0,
        "{report}: {:?}",
        scan_errors(home.path())
    );
    let all = tracks(home.path());
    assert_eq!(
        all.len(),
        77,
        "wesnoth 41 + singularity 16 + hyperrogue 17 + asc 3"
    );
    // The listening pass ran after the fast one: every track heard, with
    // finite tag probabilities and a finite 200-d embedding.
    assert_eq!(report["listening"]["heard"], 77, "{report}");
    assert_eq!(report["listening"]["failed"], 0, "{report}");
    assert_eq!(report["listening"]["ear_in_use"], true, "{report}");
    for t in &all {
        let tags = t["tag_probabilities"]
            .as_object()
            .expect("tag probabilities");
        assert!(tags.len() > 40, "{tags:?}");
        assert!(tags
            .values()
            .all(|p| p.as_f64().is_some_and(|p| (0.0..=1.0).contains(&p))));
        let embedding = t["embedding"].as_array().expect("embedding");
        assert_eq!(embedding.len(), 200);
        assert!(embedding
            .iter()
            .all(|v| v.as_f64().is_some_and(f64::is_finite)));
    }
    for t in &all {
        let path = t["path"].as_str().expect("path");
        let truth = reference_duration(Path::new(path));
        let ours = t["duration_s"].as_f64().expect("duration");
        assert!(
            (ours - truth).abs() <= 0.5,
            "{path}: ours {ours} s, container {truth} s"
        );
    }
}
