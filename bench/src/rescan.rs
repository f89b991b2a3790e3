//! `playgenie bench rescan`: how long a big library's rescans take, on
//! real files. `files` small WAV files (a quarter second of a tone each,
//! 10 per album folder, 5 albums per artist folder) are written to a
//! temporary folder; the database learns them as a scan would have
//! recorded them (their paths, sizes and modification times, generated
//! features: analysing 100,000 files first would take most of an hour and
//! measures something else, `bench index`). Then, with the core's own
//! scan:
//!
//! * an unchanged rescan, repeated (it must find every file unchanged);
//! * a rescan after `touched` files were rewritten (each analysed again);
//! * the watcher: one new file written into an album folder, the time until
//!   its rescan has put it in the database, counted from the end of the
//!   write (the watcher first waits [`watch::SETTLE`] of quiet).

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::complete::percentile;
use crate::error::{CoreError, Error, Result};
use crate::fixture::{self, FileStamp};
use crate::index::median;
use playgenie_core::db::Db;
use playgenie_core::scan::{self, ScanOptions, ScanReport};
use playgenie_core::watch::{self, LibraryWatcher};

/// Sample rate of the generated files.
const RATE: u32 = 8_000;

/// Figures of one run.
#[derive(Debug, Clone, Serialize)]
pub struct RescanReport {
    pub files: usize,
    pub cores: usize,
    /// Writing the files and their rows.
    pub generate_s: f64,
    pub unchanged_runs: usize,
    pub unchanged_p50_s: f64,
    pub unchanged_p95_s: f64,
    pub touched: usize,
    pub touched_s: f64,
    /// The watcher's settle time (quiet before it acts).
    pub settle_s: f64,
    /// From the end of a new file's write to its row in the database.
    pub watcher_s: f64,
}

/// Runs the benchmark; `progress` hears each stage.
pub fn run(
    files: usize,
    touched: usize,
    repeats: usize,
    mut progress: impl FnMut(&str),
) -> Result<RescanReport> {
    if files == 0 {
        return Err(Error::Failed(
            "a rescan benchmark needs at least 1 file (--files)".into(),
        ));
    }
    let dir = tempfile::tempdir().map_err(|source| CoreError::File {
        path: std::env::temp_dir(),
        source,
    })?;
    let library = dir.path().join("library");
    let t = Instant::now();
    let stamps = write_files(&library, files)?;
    let db_path = dir.path().join("bench.sqlite3");
    let db = Db::open(&db_path)?;
    fixture::generated_library_of(&db_path, &stamps, 42)?;
    let generate_s = t.elapsed().as_secs_f64();
    progress(&format!(
        "{files} files and their rows written in {generate_s:.1} s; rescanning"
    ));
    let folders = [library.clone()];
    let cancel = AtomicBool::new(false);
    let rescan = |expect_unchanged: usize| -> Result<(f64, ScanReport)> {
        let t = Instant::now();
        let report = scan::scan(&db, &folders, &ScanOptions::default(), &cancel, |_| {})?;
        let took = t.elapsed().as_secs_f64();
        if report.unchanged != expect_unchanged || report.errors > 0 {
            return Err(Error::Failed(format!(
                "a rescan found {} of {expect_unchanged} files unchanged ({} errors)",
                report.unchanged, report.errors
            )));
        }
        Ok((took, report))
    };
    let mut unchanged = Vec::new();
    for _ in 0..repeats.max(1) {
        unchanged.push(rescan(files)?.0);
    }
    progress(&format!(
        "unchanged rescan: median {:.2} s; touching {touched} files",
        median(&unchanged)
    ));

    let touched = touched.min(files);
    let step = (files / touched.max(1)).max(1);
    for stamp in stamps.iter().step_by(step).take(touched) {
        write_tone(&stamp.path, 523.25)?;
    }
    let (touched_s, report) = rescan(files - touched)?;
    if report.updated != touched {
        return Err(Error::Failed(format!(
            "{touched} files were rewritten, the rescan updated {}",
            report.updated
        )));
    }
    progress(&format!(
        "rescan after touching {touched} files: {touched_s:.2} s; the watcher"
    ));

    let watcher_s = watcher_reaction(&db_path, &library, &stamps[0].path)?;
    Ok(RescanReport {
        files,
        cores: std::thread::available_parallelism().map_or(1, usize::from),
        generate_s,
        unchanged_runs: unchanged.len(),
        unchanged_p50_s: median(&unchanged),
        unchanged_p95_s: percentile(&unchanged, 95.0),
        touched,
        touched_s,
        settle_s: watch::SETTLE.as_secs_f64(),
        watcher_s,
    })
}

/// Watches `library` as the app does (its change handler rescans the
/// folders it names), writes one new file beside `beside` and times how
/// long after the write the file's row exists.
fn watcher_reaction(db_path: &Path, library: &Path, beside: &Path) -> Result<f64> {
    let (sender, scanned) = mpsc::channel::<playgenie_core::Result<ScanReport>>();
    let path = db_path.to_path_buf();
    let ignore = db_path
        .parent()
        .map_or_else(PathBuf::new, |p| p.join("none"));
    // As the app does for the watcher's rescans: reported once the
    // library is written, before the database's backup.
    let mut watcher = LibraryWatcher::start(watch::SETTLE, ignore, move |roots| {
        let cancel = AtomicBool::new(false);
        let sent = |report: &ScanReport| {
            let _ = sender.send(Ok(report.clone()));
        };
        let result = Db::open(&path).and_then(|db| {
            scan::scan_then_back_up(&db, &roots, &ScanOptions::default(), &cancel, |_| {}, sent)
        });
        if let Err(err) = result {
            let _ = sender.send(Err(err));
        }
    })?;
    if let Some((folder, err)) = watcher.sync(&[library.to_path_buf()]).into_iter().next() {
        return Err(Error::Failed(format!(
            "cannot watch {}: {err}",
            folder.display()
        )));
    }
    // The watcher's first events (its own start) settle first.
    std::thread::sleep(Duration::from_millis(500));
    let new = beside.with_file_name("new-file.wav");
    write_tone(&new, 659.25)?;
    let written = Instant::now();
    let limit = Duration::from_secs(120);
    loop {
        let left = limit.saturating_sub(written.elapsed());
        let report = scanned
            .recv_timeout(left)
            .map_err(|_| Error::Failed("the watcher never rescanned the new file".into()))??;
        if report.added >= 1 {
            return Ok(written.elapsed().as_secs_f64());
        }
    }
}

/// Writes `n` tone files under `library` (artist/album folders) and returns
/// them as the scan will stamp them.
fn write_files(library: &Path, n: usize) -> Result<Vec<FileStamp>> {
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let (album, artist) = (i / 10, i / 50);
        let path = library
            .join(format!("artist {artist:05}"))
            .join(format!("album {album:06}"))
            .join(format!("{:02} track {i}.wav", i % 10 + 1));
        // A pitch per track, 110 Hz to about 1.8 kHz.
        write_tone(&path, 110.0 * 2f32.powf((i % 48) as f32 / 12.0))?;
        out.push(stamp(&path)?);
    }
    Ok(out)
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| {
        Error::Core(CoreError::File {
            path: path.to_path_buf(),
            source,
        })
    }
}

/// A quarter second of a sine at `hz`, 16-bit mono WAV.
fn write_tone(path: &Path, hz: f32) -> Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(io(parent))?;
    }
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: RATE,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let wav = |e: hound::Error| Error::Failed(format!("writing {}: {e}", path.display()));
    let mut writer = hound::WavWriter::create(path, spec).map_err(wav)?;
    for s in 0..RATE / 4 {
        let x = (std::f32::consts::TAU * hz * s as f32 / RATE as f32).sin();
        writer.write_sample((x * 12_000.0) as i16).map_err(wav)?;
    }
    writer.finalize().map_err(wav)
}

fn stamp(path: &Path) -> Result<FileStamp> {
    let meta = std::fs::metadata(path).map_err(io(path))?;
    Ok(FileStamp {
        path: path.to_path_buf(),
        size: meta.len(),
        mtime_ns: scan::mtime_ns(&meta),
    })
}
