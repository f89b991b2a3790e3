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

/// A year of listening, as the app records it, for [`listening_history`]:
/// two sessions a day of about 15 plays, mostly from a few hundred
/// favourite albums (in album order, now and then a jump to another
/// favourite), about one play in ten skipped early.
pub const SESSION_PLAYS: usize = 15;

/// Records the `days` days of listening before `end_s` over the generated
/// library `ids` (as [`generated_library`] wrote them); returns how many
/// plays it recorded. Deterministic for a
/// given `seed`.
pub fn listening_history(
    db: &playgenie_core::Db,
    ids: &[i64],
    days: u32,
    end_s: i64,
    seed: u64,
) -> Result<usize> {
    use playgenie_core::db::{EndReason, NewPlay, PlaySource};
    if ids.is_empty() || days == 0 {
        return Ok(0);
    }
    let mut unit = unit_stream(seed);
    let mut pick = |n: usize| ((unit() * n as f32) as usize).min(n.saturating_sub(1));
    let albums = ids.len().div_ceil(10);
    let favourites: Vec<usize> = (0..(albums / 50).clamp(5, 300))
        .map(|_| pick(albums))
        .collect();
    let mut plays = Vec::with_capacity(days as usize * 2 * SESSION_PLAYS);
    let first_day = end_s - i64::from(days) * 86_400;
    for day in 0..i64::from(days) {
        // Sessions at 08:00 and 19:00 (UTC), a play every 4 minutes.
        for start_h in [8, 19] {
            let mut at_ms = (first_day + day * 86_400 + start_h * 3600) * 1000;
            let mut track = favourites[pick(favourites.len())] * 10;
            for _ in 0..SESSION_PLAYS {
                let i = track.min(ids.len() - 1);
                let skipped = pick(10) == 0;
                let listened_ms = if skipped { 12_000 } else { 240_000 };
                plays.push(NewPlay {
                    track_id: Some(ids[i]),
                    artist: format!("Artist {}", i / 50),
                    title: format!("Track {i}"),
                    started_at_ms: at_ms,
                    listened_ms,
                    end_reason: if skipped {
                        EndReason::Skipped
                    } else {
                        EndReason::Finished
                    },
                    end_position_ms: Some(listened_ms),
                    duration_ms: Some(240_000),
                    source: PlaySource::Library,
                    playlist_id: None,
                    imported_from: None,
                });
                at_ms += listened_ms as i64;
                track = if pick(4) == 0 {
                    favourites[pick(favourites.len())] * 10 + pick(10)
                } else {
                    track + 1
                };
            }
        }
    }
    let recorded = db.record_plays(&plays)?;
    Ok(recorded)
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

    #[test]
    fn the_listening_history_is_two_sessions_a_day_the_core_reads_back() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("bench.sqlite3");
        let db = playgenie_core::Db::open(&path).expect("open");
        let ids = generated_library(&path, 500, 7).expect("generate");
        let end = 1_700_000_000;
        let recorded = listening_history(&db, &ids, 10, end, 3).expect("history");
        assert_eq!(recorded, 10 * 2 * SESSION_PLAYS);
        let plays = db.model_plays().expect("plays");
        assert_eq!(plays.len(), recorded);
        assert!(plays.iter().all(|p| p.started_at_ms < end * 1000));
        assert!(plays.iter().all(|p| ids.contains(&p.track_id)));
        let skipped = plays.iter().filter(|p| p.skipped).count();
        assert!(skipped > 0 && skipped < recorded / 4, "{skipped} skips");
        let sessions = playgenie_core::engagement::sessions(&plays);
        assert_eq!(sessions.len(), 20, "two sessions a day");
        // Mostly favourites: far fewer distinct tracks than plays.
        let distinct: std::collections::HashSet<i64> = plays.iter().map(|p| p.track_id).collect();
        assert!(distinct.len() < recorded / 2, "{} distinct", distinct.len());
    }

    fn generated_library_ids_again(dir: &tempfile::TempDir, n: usize) -> Vec<i64> {
        let path = dir.path().join("again.sqlite3");
        playgenie_core::Db::open(&path).expect("open");
        generated_library(&path, n, 7).expect("generate")
    }
}
