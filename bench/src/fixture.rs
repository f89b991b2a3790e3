//! The generated catalogue behind `bench complete` and the scale tests: `n`
//! tracks (10 per album, 5 albums per artist) with plausible feature
//! vectors, written straight into a PlayGenie database as a scan would
//! write analysed files, but in seconds instead of hours of audio.
//!
//! It writes the core's schema directly, so the database must have been
//! opened by [`playgenie_core::Db::open`] first (which migrates it); the
//! bench's own test checks that the core reads every row back.

use std::path::Path;

use rusqlite::{params, Connection, TransactionBehavior};

use crate::error::{Error, Result};

fn sql(err: rusqlite::Error) -> Error {
    Error::Failed(format!("writing the generated catalogue: {err}"))
}

/// Fills the (migrated, empty) database at `path` with `n` generated
/// tracks; returns their ids. Deterministic for a given `seed`.
pub fn generated_library(path: &Path, n: usize, seed: u64) -> Result<Vec<i64>> {
    write_library(path, n, seed, |i| {
        let (artist, album) = (i / 50, i / 10);
        (format!("/generated/{artist}/{album}/{i}.flac"), 1, 1)
    })
}

/// A file on disk as the scan records it.
#[derive(Debug, Clone)]
pub struct FileStamp {
    pub path: std::path::PathBuf,
    pub size: u64,
    pub mtime_ns: i64,
}

/// [`generated_library`] over real files: each row carries its file's path,
/// size and modification time exactly as a scan stores them (so a rescan
/// finds every file unchanged), and the generated tags and features.
pub fn generated_library_of(path: &Path, files: &[FileStamp], seed: u64) -> Result<Vec<i64>> {
    write_library(path, files.len(), seed, |i| {
        let f = &files[i];
        (
            f.path.to_string_lossy().into_owned(),
            f.size as i64,
            f.mtime_ns,
        )
    })
}

/// Writes `n` tracks, the i-th at `file(i)` = (path, size, mtime in ns).
fn write_library(
    path: &Path,
    n: usize,
    seed: u64,
    file: impl Fn(usize) -> (String, i64, i64),
) -> Result<Vec<i64>> {
    let mut unit = unit_stream(seed);
    let mut conn = Connection::open(path).map_err(sql)?;
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(sql)?;
    let mut ids = Vec::with_capacity(n);
    {
        let mut track = tx
                .prepare(
                    "INSERT INTO tracks (path, display_path, fingerprint, size, mtime_ns, title, artist, album,
                        track_no, duration_s, added_at, updated_at)
                     VALUES (?1, ?2, ?3, ?9, ?10, ?4, ?5, ?6, ?7, ?8, 0, 0)",
                )
                .map_err(sql)?;
        let mut features = tx
            .prepare(
                "INSERT INTO track_features (track_id, version, vector, decoded_s, computed_at)
                     VALUES (?1, ?2, ?3, 14, 0)",
            )
            .map_err(sql)?;
        for i in 0..n {
            let album = i / 10;
            let artist = album / 5;
            let (path, size, mtime_ns) = file(i);
            let mut v = |lo: f32, hi: f32| lo + (hi - lo) * unit();
            let vector = feature_json(&mut v);
            track
                .execute(params![
                    path.as_bytes(),
                    path,
                    format!("gen{i}"),
                    format!("Track {i}"),
                    format!("Artist {artist}"),
                    format!("Album {album}"),
                    (i % 10 + 1) as i64,
                    v(120.0, 400.0) as f64,
                    size,
                    mtime_ns,
                ])
                .map_err(sql)?;
            let id = tx.last_insert_rowid();
            features
                .execute(params![
                    id,
                    playgenie_core::analysis::FEATURE_VERSION,
                    vector
                ])
                .map_err(sql)?;
            ids.push(id);
        }
    }
    tx.commit().map_err(sql)?;
    Ok(ids)
}

/// A plausible analysed feature vector (as the scan stores it), drawing
/// each value from `v(low, high)`.
fn feature_json(v: &mut impl FnMut(f32, f32) -> f32) -> String {
    use playgenie_core::analysis::features::{CONTRAST_BANDS, MFCCS};
    serde_json::json!({
        "version": playgenie_core::analysis::FEATURE_VERSION,
        "loudness_lufs": v(-20.0, -6.0), "loudness_range_lu": v(2.0, 15.0),
        "replaygain_db": v(-12.0, 2.0), "tempo_bpm": v(70.0, 180.0),
        "beat_strength": v(0.0, 1.0), "onset_rate": v(0.5, 6.0),
        "key": (v(0.0, 11.99)) as u8, "mode": (v(0.0, 1.99)) as u8, "key_confidence": v(0.0, 1.0),
        "chroma": (0..12).map(|_| v(0.0, 1.0)).collect::<Vec<_>>(),
        "mfcc_mean": (0..MFCCS).map(|_| v(-50.0, 50.0)).collect::<Vec<_>>(),
        "mfcc_var": (0..MFCCS).map(|_| v(0.0, 400.0)).collect::<Vec<_>>(),
        "spectral_centroid_hz": v(500.0, 4000.0), "spectral_rolloff_hz": v(2000.0, 10000.0),
        "spectral_flatness": v(0.0, 0.5),
        "spectral_contrast": (0..CONTRAST_BANDS).map(|_| v(5.0, 40.0)).collect::<Vec<_>>(),
        "zero_crossing_rate": v(0.01, 0.2), "start_energy_db": v(-40.0, -10.0),
        "end_energy_db": v(-40.0, -10.0), "analysed_seconds": 14.0
    })
    .to_string()
}

/// A deterministic generator of floats in [0, 1).
fn unit_stream(seed: u64) -> impl FnMut() -> f32 {
    let mut state = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((state >> 33) as f32) / (1u64 << 31) as f32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_core_reads_every_generated_track_with_its_features() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("bench.sqlite3");
        let db = playgenie_core::Db::open(&path).expect("open");
        let ids = generated_library(&path, 25, 7).expect("generate");
        assert_eq!(ids.len(), 25);
        let rows = db.library_rows().expect("rows");
        assert_eq!(rows.len(), 25);
        let tracks = db.tracks().expect("tracks");
        assert!(
            tracks.iter().all(|t| t.features.is_some()),
            "every track has features"
        );
        assert_eq!(generated_library_ids_again(&dir, 25), ids, "deterministic");
    }

    fn generated_library_ids_again(dir: &tempfile::TempDir, n: usize) -> Vec<i64> {
        let path = dir.path().join("again.sqlite3");
        playgenie_core::Db::open(&path).expect("open");
        generated_library(&path, n, 7).expect("generate")
    }
}
