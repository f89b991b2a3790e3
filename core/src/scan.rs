//! Indexing: walk the library folders, analyse new and changed files on all
//! cores, and write the results to SQLite in small transactions.
//!
//! * Incremental: a file whose size and mtime match the database, and whose
//!   features are of the current [`FEATURE_VERSION`], is not read again; a
//!   file that failed before is retried only once it changes.
//! * Safe to kill: results are committed in batches, so a scan killed midway
//!   leaves a consistent database, and the next scan resumes where it
//!   stopped.
//! * Calm: every problem becomes a `scan_errors` row with a reason, and the
//!   scan goes on. Symlinks are followed, loops are detected and reported
//!   once.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant, UNIX_EPOCH};

use rayon::prelude::*;
use serde::Serialize;

use crate::analysis::{self, Coverage, DecodeError, FEATURE_VERSION};
use crate::db::{path_key, AnalysedFile, Db, WriteCounts};
use crate::error::Result;
use crate::library::is_audio_file;

/// Audio formats PlayGenie recognises but cannot decode (Symphonia has no
/// decoder for them); such files are reported, not silently ignored.
pub const UNSUPPORTED_AUDIO: [&str; 9] = [
    "opus", "wma", "ape", "mpc", "wv", "dsf", "dff", "mid", "midi",
];

/// The error kind of a file that was deleted while the scan ran.
const VANISHED: &str = "vanished";

const BATCH: usize = 16;
const BATCH_INTERVAL: Duration = Duration::from_millis(500);

/// How to scan.
#[derive(Debug, Clone, Default)]
pub struct ScanOptions {
    pub coverage: Coverage,
    /// Worker threads; `None` means one per core.
    pub threads: Option<usize>,
}

/// Progress, reported after every file.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ScanProgress {
    pub done: usize,
    pub total: usize,
    pub current: Option<String>,
    pub errors: usize,
    pub eta_s: Option<f64>,
}

/// What a scan did.
#[derive(Debug, Clone, Default, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ScanReport {
    pub files_seen: usize,
    pub unchanged: usize,
    pub analysed: usize,
    pub added: usize,
    pub updated: usize,
    pub moved: usize,
    pub missing: usize,
    pub errors: usize,
    pub cancelled: bool,
    pub elapsed_s: f64,
    /// Seconds of audio decoded for analysis.
    pub decoded_audio_s: f64,
}

struct Candidate {
    path: PathBuf,
    size: u64,
    mtime_ns: i64,
}

enum Outcome {
    Done(Box<AnalysedFile>),
    Failed {
        path: PathBuf,
        kind: &'static str,
        message: String,
        size: Option<u64>,
        mtime_ns: Option<i64>,
    },
}

/// A file's modification time as the scan records it (ns since the
/// epoch, 0 when the system cannot tell).
pub fn mtime_ns(meta: &std::fs::Metadata) -> i64 {
    meta.modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map(|d| d.as_nanos() as i64)
        .unwrap_or_default()
}

fn io_kind(err: &std::io::Error) -> &'static str {
    match err.kind() {
        std::io::ErrorKind::NotFound => VANISHED,
        _ => "unreadable",
    }
}

/// Scans `folders` into `db`. `cancel` stops the scan between files;
/// `progress` is called from the scanning thread.
pub fn scan(
    db: &Db,
    folders: &[PathBuf],
    options: &ScanOptions,
    cancel: &AtomicBool,
    progress: impl FnMut(&ScanProgress),
) -> Result<ScanReport> {
    scan_then_back_up(db, folders, options, cancel, progress, |_| {})
}

/// [`scan`], handing the report to `scanned` as soon as the library is
/// written, before the database's backup (an integrity check and a copy
/// of the whole database: seconds at 100k tracks), so a rescan of one
/// folder can be reported without waiting for it. The report's
/// `elapsed_s` is the time to that point.
pub fn scan_then_back_up(
    db: &Db,
    folders: &[PathBuf],
    options: &ScanOptions,
    cancel: &AtomicBool,
    mut progress: impl FnMut(&ScanProgress),
    scanned: impl FnOnce(&ScanReport),
) -> Result<ScanReport> {
    let started = Instant::now();
    let mut report = ScanReport::default();
    let found = walk(db, folders, &mut report)?;
    write_analysed(
        db,
        found,
        folders,
        options,
        cancel,
        &mut report,
        &mut progress,
    )?;
    report.elapsed_s = started.elapsed().as_secs_f64();
    tracing::info!(?report, "scan finished");
    scanned(&report);
    // The last good copy follows every scan that changed the library (and
    // the first one): `playgenie db restore` puts it back.
    let changed = report.added + report.updated + report.moved + report.missing > 0;
    if changed || !db.backup_path().exists() {
        if let Err(err) = db.backup() {
            tracing::warn!(%err, "cannot back up the database after the scan");
        }
    }
    Ok(report)
}

/// What the walk found: every audio file seen, and those to (re)analyse.
struct Walk {
    seen: HashSet<Vec<u8>>,
    todo: Vec<Candidate>,
    /// When the walk began (progress ETAs count from it).
    started: Instant,
}

/// Step 1: walk the folders, record what cannot even be listed, and pick
/// the files that are new or changed.
fn walk(db: &Db, folders: &[PathBuf], report: &mut ScanReport) -> Result<Walk> {
    let started = Instant::now();
    db.forget_errors_of_deleted_files(folders)?;
    let known = db.known_tracks_under(folders)?;
    let failed = db.failed_files()?;
    let mut seen: HashSet<Vec<u8>> = HashSet::new();
    let mut todo = Vec::new();
    for folder in folders {
        for entry in walkdir::WalkDir::new(folder).follow_links(true) {
            let entry = match entry {
                Ok(entry) => entry,
                Err(err) => {
                    let path = err.path().unwrap_or(folder).to_path_buf();
                    let (kind, message) = match err.loop_ancestor() {
                        Some(ancestor) => (
                            "loop",
                            format!(
                                "symbolic link loop back to {}; not followed again",
                                ancestor.display()
                            ),
                        ),
                        None => (
                            err.io_error().map_or("unreadable", io_kind),
                            err.to_string(),
                        ),
                    };
                    db.record_scan_error(&path, kind, &message, None, None)?;
                    report.errors += 1;
                    continue;
                }
            };
            if !entry.file_type().is_file() {
                continue;
            }
            let path = entry.path();
            let ext = path
                .extension()
                .and_then(|e| e.to_str())
                .map(str::to_ascii_lowercase)
                .unwrap_or_default();
            if UNSUPPORTED_AUDIO.contains(&ext.as_str()) {
                let message = format!("{ext} files cannot be decoded by Symphonia; convert to FLAC or Ogg Vorbis to include them");
                db.record_scan_error(path, "unsupported", &message, None, None)?;
                report.errors += 1;
                continue;
            }
            if !is_audio_file(path) {
                continue;
            }
            let key = path_key(path);
            if !seen.insert(key.clone()) {
                continue; // reached twice through symlinks
            }
            report.files_seen += 1;
            let meta = match entry.metadata() {
                Ok(meta) => meta,
                Err(err) => {
                    let kind = err.io_error().map_or("unreadable", io_kind);
                    db.record_scan_error(path, kind, &err.to_string(), None, None)?;
                    report.errors += 1;
                    continue;
                }
            };
            let (size, mtime) = (meta.len(), mtime_ns(&meta));
            let unchanged = known.get(&key).is_some_and(|k| {
                !k.missing
                    && k.size == size
                    && k.mtime_ns == mtime
                    && k.feature_version == Some(FEATURE_VERSION)
            });
            let still_bad = failed
                .get(&key)
                .is_some_and(|(s, m)| *s == Some(size) && *m == Some(mtime));
            if unchanged || still_bad {
                report.unchanged += 1;
                continue;
            }
            todo.push(Candidate {
                path: path.to_path_buf(),
                size,
                mtime_ns: mtime,
            });
        }
    }
    Ok(Walk {
        seen,
        todo,
        started,
    })
}

/// Steps 2 and 3: analyse the candidates on all cores, write the results
/// from this thread in batches, then mark what was not seen as missing.
fn write_analysed(
    db: &Db,
    found: Walk,
    folders: &[PathBuf],
    options: &ScanOptions,
    cancel: &AtomicBool,
    report: &mut ScanReport,
    progress: &mut impl FnMut(&ScanProgress),
) -> Result<()> {
    let Walk {
        mut seen,
        todo,
        started,
    } = found;
    let total = todo.len();
    let coverage = options.coverage;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(options.threads.unwrap_or(0))
        .build()
        .map_err(|e| crate::Error::Scan(format!("cannot start worker threads: {e}")))?;
    let (sender, receiver) = mpsc::channel::<Outcome>();
    let seen_ref = &seen;
    let mut counts = WriteCounts::default();
    let mut decoded_s = 0.0;
    let mut vanished: Vec<Vec<u8>> = Vec::new();
    let write_result = std::thread::scope(|scope| -> Result<()> {
        scope.spawn(move || {
            pool.install(|| {
                todo.par_iter().for_each_with(sender, |sender, candidate| {
                    if cancel.load(Ordering::Relaxed) {
                        return;
                    }
                    let _ = sender.send(analyse_guarded(candidate, coverage));
                });
            });
        });
        let mut batch: Vec<AnalysedFile> = Vec::new();
        let mut last_write = Instant::now();
        let mut done = 0usize;
        let mut flush = |batch: &mut Vec<AnalysedFile>| -> Result<()> {
            if !batch.is_empty() {
                let c = db.write_analysed(batch, &|p| seen_ref.contains(p))?;
                counts.added += c.added;
                counts.updated += c.updated;
                counts.moved += c.moved;
                batch.clear();
            }
            Ok(())
        };
        for outcome in receiver {
            done += 1;
            let current = match outcome {
                Outcome::Done(file) => {
                    decoded_s += file.analysis.decoded_s;
                    let name = file.path.display().to_string();
                    batch.push(*file);
                    name
                }
                Outcome::Failed {
                    path,
                    kind,
                    message,
                    size,
                    mtime_ns,
                } => {
                    report.errors += 1;
                    db.record_scan_error(&path, kind, &message, size, mtime_ns)?;
                    if kind == VANISHED {
                        vanished.push(path_key(&path));
                    }
                    path.display().to_string()
                }
            };
            if batch.len() >= BATCH || last_write.elapsed() >= BATCH_INTERVAL {
                flush(&mut batch)?;
                last_write = Instant::now();
            }
            let elapsed = started.elapsed().as_secs_f64();
            progress(&ScanProgress {
                done,
                total,
                current: Some(current),
                errors: report.errors,
                eta_s: (done > 0).then(|| elapsed / done as f64 * (total - done) as f64),
            });
        }
        flush(&mut batch)
    });
    write_result?;
    // A file deleted after the walk listed it is gone, not merely failed.
    for key in &vanished {
        seen.remove(key);
    }
    report.analysed = counts.added + counts.updated + counts.moved;
    report.added = counts.added;
    report.updated = counts.updated;
    report.moved = counts.moved;
    report.decoded_audio_s = decoded_s;
    report.cancelled = cancel.load(Ordering::Relaxed);

    // 3. Tracks under the scanned folders that were not seen are missing
    // (unless they moved, which the writes above already handled).
    if !report.cancelled {
        let now_known = db.known_tracks_under(folders)?;
        let gone: Vec<i64> = now_known
            .iter()
            .filter(|(key, track)| {
                !track.missing
                    && !seen.contains(*key)
                    && folders
                        .iter()
                        .any(|f| crate::db::key_path(key).starts_with(f))
            })
            .map(|(_, track)| track.id)
            .collect();
        report.missing = db.mark_missing(&gone)?;
        db.prune_covers()?;
    }
    Ok(())
}

/// [`analyse_one`] behind a panic boundary: a bug that one file triggers
/// (in a decoder, the resampler, the tag reader) fails that file with the
/// panic's message, and the scan goes on.
fn analyse_guarded(candidate: &Candidate, coverage: Coverage) -> Outcome {
    crate::error::catch_panic(|| analyse_one(candidate, coverage)).unwrap_or_else(|panic| {
        tracing::warn!(file = %candidate.path.display(), %panic, "the analyser crashed on a file; skipped");
        Outcome::Failed {
            path: candidate.path.clone(),
            kind: "crashed",
            message: format!("the analyser crashed on this file ({panic}); it is skipped"),
            size: Some(candidate.size),
            mtime_ns: Some(candidate.mtime_ns),
        }
    })
}

fn analyse_one(candidate: &Candidate, coverage: Coverage) -> Outcome {
    let failed = |kind: &'static str, message: String| Outcome::Failed {
        path: candidate.path.clone(),
        kind,
        message,
        size: Some(candidate.size),
        mtime_ns: Some(candidate.mtime_ns),
    };
    let fingerprint = match analysis::fingerprint(&candidate.path) {
        Ok(f) => f,
        Err(err) => return failed(io_kind(&err), err.to_string()),
    };
    if candidate.size == 0 {
        return failed("corrupt", "the file is empty (0 bytes)".into());
    }
    match analysis::analyse(&candidate.path, coverage) {
        Ok(analysis) => Outcome::Done(Box::new(AnalysedFile {
            path: candidate.path.clone(),
            size: candidate.size,
            mtime_ns: candidate.mtime_ns,
            fingerprint,
            analysis,
        })),
        Err(DecodeError::Open(err)) => failed(io_kind(&err), err.to_string()),
        Err(err @ DecodeError::NotAFile(_)) => failed("unreadable", err.to_string()),
        Err(err @ DecodeError::Unsupported(_)) => failed("unsupported", err.to_string()),
        Err(err) => failed("corrupt", err.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::write_tone;

    /// A library folder with three one-second tones (a, b, c) and an empty
    /// database beside it.
    fn three_tones() -> (tempfile::TempDir, std::path::PathBuf, Db) {
        let dir = tempfile::tempdir().expect("temp dir");
        let lib = dir.path().join("lib");
        std::fs::create_dir(&lib).expect("mkdir");
        for (name, step) in [("a.wav", 0.1), ("b.wav", 0.2), ("c.wav", 0.3)] {
            write_tone(&lib.join(name), step);
        }
        let db = Db::open(dir.path().join("t.sqlite3")).expect("db");
        (dir, lib, db)
    }

    #[test]
    fn a_file_deleted_during_the_scan_is_recorded_and_judged_missing() {
        let (_dir, lib, db) = three_tones();
        let folders = vec![lib.clone()];
        let cancel = AtomicBool::new(false);
        let first = scan(&db, &folders, &ScanOptions::default(), &cancel, |_| {}).expect("scan");
        assert_eq!(first.added, 3);

        // b changes and d appears, so the walk lists both for analysis ...
        std::thread::sleep(Duration::from_millis(20));
        write_tone(&lib.join("b.wav"), 0.25);
        write_tone(&lib.join("d.wav"), 0.4);
        let mut report = ScanReport::default();
        let found = walk(&db, &folders, &mut report).expect("walk");
        assert_eq!(found.todo.len(), 2);
        // ... and both are deleted before a worker opens them.
        std::fs::remove_file(lib.join("b.wav")).expect("delete");
        std::fs::remove_file(lib.join("d.wav")).expect("delete");
        let options = ScanOptions::default();
        write_analysed(
            &db,
            found,
            &folders,
            &options,
            &cancel,
            &mut report,
            &mut |_| {},
        )
        .expect("the scan goes on");

        assert_eq!((report.errors, report.missing), (2, 1));
        let errors = db.scan_errors().expect("errors");
        for name in ["b.wav", "d.wav"] {
            let error = errors
                .iter()
                .find(|e| e.path.ends_with(name))
                .unwrap_or_else(|| panic!("no error for {name}: {errors:?}"));
            assert_eq!(error.kind, "vanished");
        }
        let status: Vec<(String, String)> = db
            .tracks()
            .expect("tracks")
            .into_iter()
            .map(|t| (t.tags.title, t.status))
            .collect();
        assert!(
            status.contains(&("b".into(), "missing".into())),
            "{status:?}"
        );
        assert!(status.contains(&("a".into(), "ok".into())), "{status:?}");

        // The next scan forgets errors about files that no longer exist.
        let again = scan(&db, &folders, &options, &cancel, |_| {}).expect("scan");
        assert_eq!(again.errors, 0);
        assert!(db.scan_errors().expect("errors").is_empty());
    }

    #[test]
    fn a_cancelled_scan_writes_nothing_and_marks_nothing_missing() {
        let (_dir, lib, db) = three_tones();
        let folders = vec![lib.clone()];
        let rescan = |cancelled: bool| {
            let cancel = AtomicBool::new(cancelled);
            scan(&db, &folders, &ScanOptions::default(), &cancel, |_| {}).expect("scan")
        };
        let first = rescan(false);
        assert_eq!(first.added, 3);

        std::fs::remove_file(lib.join("a.wav")).expect("delete");
        write_tone(&lib.join("d.wav"), 0.4);
        let report = rescan(true);
        assert!(report.cancelled);
        assert_eq!(report.analysed, 0);
        assert_eq!(
            report.missing, 0,
            "an interrupted walk must not judge files missing"
        );
        assert_eq!(db.tracks().expect("tracks").len(), 3);

        let resumed = rescan(false);
        assert_eq!(
            (resumed.added, resumed.missing, resumed.unchanged),
            (1, 1, 2)
        );
    }
}
