//! Playlists and their entries, and the track lookups playback and
//! importing need.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rusqlite::{params, OptionalExtension};
use serde::Serialize;

use super::{key_path, now, path_key, Db};
use crate::error::{Error, Result};
use crate::player::mix::MixFacts;

/// A playlist as the list of playlists shows it.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PlaylistSummary {
    pub id: i64,
    pub name: String,
    pub tracks: usize,
    pub duration_s: f64,
    pub updated_at: i64,
}

/// One entry of a playlist, with what the playlist view shows.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PlaylistEntryRow {
    pub position: usize,
    pub track_id: i64,
    pub title: String,
    pub artist: String,
    pub album: String,
    pub duration_s: Option<f64>,
    pub path: String,
    pub cover: Option<String>,
    pub origin: EntryOrigin,
}

/// How a track came into a playlist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum EntryOrigin {
    /// The listener added it.
    User,
    /// It came with an imported playlist file.
    Import,
    /// The listener kept it from "Complete playlist".
    Suggestion,
}

impl EntryOrigin {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Import => "import",
            Self::Suggestion => "suggestion",
        }
    }
}

impl rusqlite::ToSql for EntryOrigin {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        Ok(self.as_str().into())
    }
}

impl rusqlite::types::FromSql for EntryOrigin {
    fn column_result(value: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
        match value.as_str()? {
            "user" => Ok(Self::User),
            "import" => Ok(Self::Import),
            "suggestion" => Ok(Self::Suggestion),
            other => Err(rusqlite::types::FromSqlError::Other(
                format!("unknown playlist entry origin {other:?}").into(),
            )),
        }
    }
}

/// Everything the player needs about a track.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PlayableTrack {
    /// The library track; `None` for a file played from outside the
    /// library (`playgenie play FILE`).
    pub id: Option<i64>,
    #[serde(skip)]
    pub file: PathBuf,
    pub path: String,
    pub title: String,
    pub artist: String,
    pub album: String,
    pub duration_ms: Option<u64>,
    pub cover: Option<String>,
    /// ReplayGain 2.0 track gain from the analysis (dB to reach -18 LUFS).
    pub track_gain_db: Option<f32>,
    /// The same for the album as a whole (energy mean of its tracks).
    pub album_gain_db: Option<f32>,
    /// What automix reads: start and end energy, tempo, album order.
    /// (Boxed: player states and events stay small.)
    #[serde(skip)]
    pub mix: Box<MixFacts>,
}

impl PlayableTrack {
    /// A file outside the library: named after the file, no gains.
    pub fn from_file(file: &Path) -> Self {
        let title = file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| file.display().to_string());
        Self {
            id: None,
            file: file.to_path_buf(),
            path: file.display().to_string(),
            title,
            artist: String::new(),
            album: String::new(),
            duration_ms: None,
            cover: None,
            track_gain_db: None,
            album_gain_db: None,
            mix: Box::default(),
        }
    }
}

/// A library track as history matching sees it.
#[derive(Debug, Clone)]
pub struct TrackMatch {
    pub id: i64,
    pub artist: String,
    pub album_artist: Option<String>,
    pub title: String,
    pub album: String,
    pub duration_ms: Option<u64>,
}

impl Db {
    /// Every playlist, by name.
    pub fn playlists(&self) -> Result<Vec<PlaylistSummary>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT p.id, p.name, count(e.track_id), coalesce(sum(t.duration_s), 0), p.updated_at
                 FROM playlists p
                 LEFT JOIN playlist_entries e ON e.playlist_id = p.id
                 LEFT JOIN tracks t ON t.id = e.track_id
                 GROUP BY p.id ORDER BY p.name COLLATE NOCASE",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok(PlaylistSummary {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    tracks: r.get::<_, i64>(2)? as usize,
                    duration_s: r.get(3)?,
                    updated_at: r.get(4)?,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<_>>()
            .map_err(|e| self.err(e))
    }

    /// The playlist called `name` (case-insensitive), or its id as text.
    pub fn find_playlist(&self, name_or_id: &str) -> Result<PlaylistSummary> {
        let all = self.playlists()?;
        let wanted = name_or_id.trim();
        all.iter()
            .find(|p| p.name.eq_ignore_ascii_case(wanted))
            .or_else(|| {
                wanted
                    .parse::<i64>()
                    .ok()
                    .and_then(|id| all.iter().find(|p| p.id == id))
            })
            .cloned()
            .ok_or_else(|| {
                let names: Vec<&str> = all.iter().map(|p| p.name.as_str()).collect();
                Error::Playlist(if names.is_empty() {
                    format!("there is no playlist \"{wanted}\"; you have no playlists yet")
                } else {
                    format!(
                        "there is no playlist \"{wanted}\"; your playlists: {}",
                        names.join(", ")
                    )
                })
            })
    }

    fn playlist_by_id(&self, id: i64) -> Result<PlaylistSummary> {
        self.playlists()?
            .into_iter()
            .find(|p| p.id == id)
            .ok_or_else(|| Error::Playlist(format!("playlist {id} no longer exists")))
    }

    /// Creates an empty playlist. The name must be new (ignoring case).
    pub fn create_playlist(&self, name: &str) -> Result<PlaylistSummary> {
        let name = valid_name(name)?;
        self.ensure_name_free(&name, None)?;
        let at = now();
        self.conn
            .execute(
                "INSERT INTO playlists (name, created_at, updated_at) VALUES (?1, ?2, ?2)",
                params![name, at],
            )
            .map_err(|e| self.err(e))?;
        self.playlist_by_id(self.conn.last_insert_rowid())
    }

    /// A name not used yet: `base`, else `base (2)`, `base (3)`, …
    pub fn free_playlist_name(&self, base: &str) -> Result<String> {
        let base = valid_name(base)?;
        let taken: Vec<String> = self
            .playlists()?
            .into_iter()
            .map(|p| p.name.to_lowercase())
            .collect();
        if !taken.contains(&base.to_lowercase()) {
            return Ok(base);
        }
        Ok((2..)
            .map(|n| format!("{base} ({n})"))
            .find(|name| !taken.contains(&name.to_lowercase()))
            .unwrap_or(base))
    }

    fn ensure_name_free(&self, name: &str, except: Option<i64>) -> Result<()> {
        let clash: Option<i64> = self
            .conn
            .query_row(
                "SELECT id FROM playlists WHERE name = ?1 COLLATE NOCASE",
                params![name],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))?;
        match clash {
            Some(id) if Some(id) != except => Err(Error::Playlist(format!(
                "a playlist named \"{name}\" already exists"
            ))),
            _ => Ok(()),
        }
    }

    /// Renames a playlist.
    pub fn rename_playlist(&self, id: i64, name: &str) -> Result<PlaylistSummary> {
        let name = valid_name(name)?;
        self.ensure_name_free(&name, Some(id))?;
        let changed = self
            .conn
            .execute(
                "UPDATE playlists SET name = ?2, updated_at = ?3 WHERE id = ?1",
                params![id, name, now()],
            )
            .map_err(|e| self.err(e))?;
        if changed == 0 {
            return Err(Error::Playlist(format!("playlist {id} no longer exists")));
        }
        self.playlist_by_id(id)
    }

    /// Deletes a playlist (its tracks stay in the library; plays keep their
    /// history without the playlist).
    pub fn delete_playlist(&self, id: i64) -> Result<bool> {
        Ok(self
            .conn
            .execute("DELETE FROM playlists WHERE id = ?1", params![id])
            .map_err(|e| self.err(e))?
            > 0)
    }

    /// A copy of a playlist under a free name ("Name (2)").
    pub fn duplicate_playlist(&self, id: i64) -> Result<PlaylistSummary> {
        let original = self.playlist_by_id(id)?;
        let copy = self.create_playlist(&self.free_playlist_name(&original.name)?)?;
        let entries = self.playlist_track_ids(id)?;
        self.replace_entries(copy.id, &entries)?;
        self.playlist_by_id(copy.id)
    }

    /// The playlist's entries in order.
    pub fn playlist_entries(&self, id: i64) -> Result<Vec<PlaylistEntryRow>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT e.position, t.id, t.title, t.artist, t.album, t.duration_s,
                        t.display_path, t.cover, e.origin
                 FROM playlist_entries e JOIN tracks t ON t.id = e.track_id
                 WHERE e.playlist_id = ?1 ORDER BY e.position",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![id], |r| {
                Ok(PlaylistEntryRow {
                    position: r.get::<_, i64>(0)? as usize,
                    track_id: r.get(1)?,
                    title: r.get(2)?,
                    artist: r.get(3)?,
                    album: r.get(4)?,
                    duration_s: r.get(5)?,
                    path: r.get(6)?,
                    cover: r.get(7)?,
                    origin: r.get(8)?,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<_>>()
            .map_err(|e| self.err(e))
    }

    /// Track ids and origins of a playlist, in order.
    fn playlist_track_ids(&self, id: i64) -> Result<Vec<(i64, EntryOrigin)>> {
        Ok(self
            .playlist_entries(id)?
            .into_iter()
            .map(|e| (e.track_id, e.origin))
            .collect())
    }

    /// Appends tracks (in the order given) with `origin`. Unknown track ids are an error and nothing
    /// is added.
    pub fn add_to_playlist(
        &self,
        id: i64,
        track_ids: &[i64],
        origin: EntryOrigin,
    ) -> Result<PlaylistSummary> {
        let mut entries = self.playlist_track_ids(id)?;
        entries.extend(track_ids.iter().map(|&t| (t, origin)));
        self.replace_entries(id, &entries)?;
        self.playlist_by_id(id)
    }

    /// Removes the entries at `positions`.
    pub fn remove_from_playlist(&self, id: i64, positions: &[usize]) -> Result<PlaylistSummary> {
        let entries: Vec<(i64, EntryOrigin)> = self
            .playlist_track_ids(id)?
            .into_iter()
            .enumerate()
            .filter(|(i, _)| !positions.contains(i))
            .map(|(_, e)| e)
            .collect();
        self.replace_entries(id, &entries)?;
        self.playlist_by_id(id)
    }

    /// Moves the entry at `from` to `to` (both 0-based positions).
    pub fn move_in_playlist(&self, id: i64, from: usize, to: usize) -> Result<PlaylistSummary> {
        let mut entries = self.playlist_track_ids(id)?;
        if from >= entries.len() || to >= entries.len() {
            return Err(Error::Playlist(format!(
                "cannot move entry {} to {}: the playlist has {} entries",
                from + 1,
                to + 1,
                entries.len()
            )));
        }
        let moved = entries.remove(from);
        entries.insert(to, moved);
        self.replace_entries(id, &entries)?;
        self.playlist_by_id(id)
    }

    /// Rewrites a playlist's entries in one transaction.
    pub(crate) fn replace_entries(&self, id: i64, entries: &[(i64, EntryOrigin)]) -> Result<()> {
        let tx = self.write_transaction()?;
        let at = now();
        let touched = tx
            .execute(
                "UPDATE playlists SET updated_at = ?2 WHERE id = ?1",
                params![id, at],
            )
            .map_err(|e| self.err(e))?;
        if touched == 0 {
            return Err(Error::Playlist(format!("playlist {id} no longer exists")));
        }
        tx.execute(
            "DELETE FROM playlist_entries WHERE playlist_id = ?1",
            params![id],
        )
        .map_err(|e| self.err(e))?;
        {
            let mut insert = tx
                .prepare(
                    "INSERT INTO playlist_entries (playlist_id, position, track_id, added_at, origin)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                )
                .map_err(|e| self.err(e))?;
            for (position, (track, origin)) in entries.iter().enumerate() {
                insert
                    .execute(params![id, position as i64, track, at, origin])
                    .map_err(|e| match e {
                        rusqlite::Error::SqliteFailure(f, _)
                            if f.code == rusqlite::ErrorCode::ConstraintViolation =>
                        {
                            Error::Playlist(format!("track {track} is not in the library"))
                        }
                        other => self.err(other),
                    })?;
            }
        }
        tx.commit().map_err(|e| self.err(e))
    }

    /// Creates a playlist with these entries in one go (import).
    pub fn create_playlist_with(
        &self,
        name: &str,
        track_ids: &[i64],
        origin: EntryOrigin,
        imported_from: Option<&Path>,
    ) -> Result<PlaylistSummary> {
        let playlist = self.create_playlist(name)?;
        if let Some(file) = imported_from {
            self.conn
                .execute(
                    "UPDATE playlists SET imported_from = ?2 WHERE id = ?1",
                    params![playlist.id, file.to_string_lossy()],
                )
                .map_err(|e| self.err(e))?;
        }
        let entries: Vec<(i64, EntryOrigin)> = track_ids.iter().map(|&t| (t, origin)).collect();
        if let Err(err) = self.replace_entries(playlist.id, &entries) {
            self.delete_playlist(playlist.id)?;
            return Err(err);
        }
        self.playlist_by_id(playlist.id)
    }

    /// The library track stored at `path`, if any.
    pub fn track_id_by_path(&self, path: &Path) -> Result<Option<i64>> {
        self.conn
            .query_row(
                "SELECT id FROM tracks WHERE path = ?1",
                params![path_key(path)],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    /// What the player needs for each of `ids` (unknown ids are left out).
    pub fn playable_tracks(&self, ids: &[i64]) -> Result<Vec<PlayableTrack>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT t.id, t.path, t.display_path, t.title, t.artist, t.album, t.duration_s, t.cover,
                        json_extract(f.vector, '$.replaygain_db'),
                        (SELECT group_concat(json_extract(f2.vector, '$.loudness_lufs'))
                           FROM tracks t2 JOIN track_features f2 ON f2.track_id = t2.id
                          WHERE t2.album = t.album AND t.album != ''
                            AND coalesce(t2.album_artist, t2.artist) = coalesce(t.album_artist, t.artist)),
                        json_extract(f.vector, '$.start_energy_db'), json_extract(f.vector, '$.end_energy_db'),
                        json_extract(f.vector, '$.tempo_bpm'), json_extract(f.vector, '$.beat_strength'),
                        coalesce(t.album_artist, t.artist), t.disc_no, t.track_no
                 FROM tracks t LEFT JOIN track_features f ON f.track_id = t.id
                 WHERE t.id = ?1",
            )
            .map_err(|e| self.err(e))?;
        let mut out = Vec::with_capacity(ids.len());
        for &id in ids {
            let row = stmt
                .query_row(params![id], |r| {
                    let raw: Vec<u8> = r.get(1)?;
                    let duration: Option<f64> = r.get(6)?;
                    let gain: Option<f64> = r.get(8)?;
                    let album_loudness: Option<String> = r.get(9)?;
                    let float = |i: usize| -> rusqlite::Result<Option<f32>> {
                        Ok(r.get::<_, Option<f64>>(i)?.map(|v| v as f32))
                    };
                    Ok(PlayableTrack {
                        id: Some(r.get(0)?),
                        file: key_path(&raw),
                        path: r.get(2)?,
                        title: r.get(3)?,
                        artist: r.get(4)?,
                        album: r.get(5)?,
                        duration_ms: duration.map(|s| (s * 1000.0).round() as u64),
                        cover: r.get(7)?,
                        track_gain_db: gain.map(|g| g as f32),
                        album_gain_db: album_loudness.as_deref().and_then(album_gain_db),
                        mix: Box::new(MixFacts {
                            start_energy_db: float(10)?,
                            end_energy_db: float(11)?,
                            tempo_bpm: float(12)?,
                            beat_strength: float(13)?,
                            album_artist: r.get(14)?,
                            disc_no: r.get(15)?,
                            track_no: r.get(16)?,
                        }),
                    })
                })
                .optional()
                .map_err(|e| self.err(e))?;
            out.extend(row);
        }
        Ok(out)
    }

    /// Every library track, for matching listens from other services.
    pub fn tracks_for_matching(&self) -> Result<Vec<TrackMatch>> {
        let mut stmt = self
            .conn
            .prepare("SELECT id, artist, album_artist, title, album, duration_s FROM tracks WHERE status = 'ok'")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                let duration: Option<f64> = r.get(5)?;
                Ok(TrackMatch {
                    id: r.get(0)?,
                    artist: r.get(1)?,
                    album_artist: r.get(2)?,
                    title: r.get(3)?,
                    album: r.get(4)?,
                    duration_ms: duration.map(|s| (s * 1000.0).round() as u64),
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<_>>()
            .map_err(|e| self.err(e))
    }

    /// Library track ids by their stored path, for resolving playlist
    /// entries in bulk.
    pub fn track_ids_by_path(&self) -> Result<HashMap<PathBuf, i64>> {
        let mut stmt = self
            .conn
            .prepare("SELECT path, id FROM tracks WHERE status = 'ok'")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                let raw: Vec<u8> = r.get(0)?;
                Ok((key_path(&raw), r.get(1)?))
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<_>>()
            .map_err(|e| self.err(e))
    }
}

/// ReplayGain album gain from the album's track loudnesses (comma
/// separated LUFS): -18 LUFS minus their energy mean.
fn album_gain_db(loudness: &str) -> Option<f32> {
    let energies: Vec<f64> = loudness
        .split(',')
        .filter_map(|v| v.trim().parse::<f64>().ok())
        .filter(|v| v.is_finite())
        .map(|lufs| 10f64.powf(lufs / 10.0))
        .collect();
    if energies.is_empty() {
        return None;
    }
    let mean = energies.iter().sum::<f64>() / energies.len() as f64;
    (mean > 0.0).then(|| (-18.0 - 10.0 * mean.log10()) as f32)
}

/// A playlist name as stored: trimmed, one line, not empty, not absurd.
fn valid_name(name: &str) -> Result<String> {
    let name: String = name
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .trim()
        .to_owned();
    if name.is_empty() {
        return Err(Error::Playlist("a playlist needs a name".into()));
    }
    if name.chars().count() > 200 {
        return Err(Error::Playlist(
            "playlist names are at most 200 characters".into(),
        ));
    }
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A database with `n` fake tracks (ids 1..=n).
    fn db_with_tracks(n: i64) -> (tempfile::TempDir, Db) {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(dir.path().join("t.sqlite3")).unwrap();
        for i in 1..=n {
            db.conn
                .execute(
                    "INSERT INTO tracks (id, path, display_path, fingerprint, size, mtime_ns, title, artist, album, added_at, updated_at)
                     VALUES (?1, ?2, ?3, 'f', 1, 1, ?3, 'A', 'B', 0, 0)",
                    params![i, format!("/m/{i}.ogg").into_bytes(), format!("t{i}")],
                )
                .unwrap();
        }
        (dir, db)
    }

    fn order(db: &Db, id: i64) -> Vec<i64> {
        db.playlist_entries(id)
            .unwrap()
            .iter()
            .map(|e| e.track_id)
            .collect()
    }

    #[test]
    fn playlists_are_created_edited_duplicated_and_deleted() {
        let (_dir, db) = db_with_tracks(4);
        let p = db.create_playlist("  Road trip ").unwrap();
        assert_eq!(p.name, "Road trip");
        assert!(matches!(
            db.create_playlist("road TRIP"),
            Err(Error::Playlist(_))
        ));
        assert!(matches!(db.create_playlist("   "), Err(Error::Playlist(_))));
        db.add_to_playlist(p.id, &[1, 2, 3], EntryOrigin::User)
            .unwrap();
        db.add_to_playlist(p.id, &[2], EntryOrigin::Suggestion)
            .unwrap();
        assert_eq!(order(&db, p.id), [1, 2, 3, 2]);
        db.move_in_playlist(p.id, 0, 3).unwrap();
        assert_eq!(order(&db, p.id), [2, 3, 2, 1]);
        assert!(db.move_in_playlist(p.id, 0, 9).is_err());
        db.remove_from_playlist(p.id, &[0, 2]).unwrap();
        assert_eq!(order(&db, p.id), [3, 1]);
        // An unknown track adds nothing.
        assert!(db.add_to_playlist(p.id, &[99], EntryOrigin::User).is_err());
        assert_eq!(order(&db, p.id), [3, 1]);
        let copy = db.duplicate_playlist(p.id).unwrap();
        assert_eq!(copy.name, "Road trip (2)");
        assert_eq!(order(&db, copy.id), [3, 1]);
        let renamed = db.rename_playlist(copy.id, "Evening").unwrap();
        assert_eq!(renamed.name, "Evening");
        assert!(db.rename_playlist(copy.id, "ROAD TRIP").is_err());
        assert_eq!(db.find_playlist("evening").unwrap().id, copy.id);
        assert!(db.delete_playlist(p.id).unwrap());
        assert!(db.find_playlist("Road trip").is_err());
        assert_eq!(db.playlists().unwrap().len(), 1);
    }

    #[test]
    fn album_gain_is_the_energy_mean() {
        // Two tracks at -20 and -10 LUFS: energy mean is -12.6 LUFS.
        let gain = super::album_gain_db("-20,-10").unwrap();
        assert!((gain - (-18.0 + 12.596)).abs() < 0.01, "{gain}");
        assert_eq!(super::album_gain_db(""), None);
    }
}
