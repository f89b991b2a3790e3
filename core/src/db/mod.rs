//! The one `Db` type: it owns the SQLite connection and the schema
//! migrations. Other modules ask it through named functions; no raw SQL
//! lives outside this module.
//!
//! Safety: WAL journal and `synchronous = NORMAL` so a crash mid-write never
//! corrupts the file; migrations run in one transaction each.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use std::collections::HashMap;

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use crate::analysis::{Analysis, FeatureVector, Tags};

use rusqlite_migration::{Migrations, M};

use crate::error::{Error, Result};
use crate::fsio::with_suffix;

mod engagement;
mod exclusions;
mod history;
mod listening;
mod model_data;
mod playlists;
mod smart;

pub use engagement::{EngagedPlay, FeedbackRow};
pub use exclusions::{ExclusionKind, ExclusionRow, ExclusionValue};
pub use history::{DayTotal, EndReason, MostPlayed, NewPlay, PlayRow, PlaySource};
pub use listening::{Listened, Listening, ListeningProgress, ToListen};
pub use model_data::{Feedback, ModelPlay, ModelTrack};
pub use playlists::{EntryOrigin, PlayableTrack, PlaylistEntryRow, PlaylistSummary, TrackMatch};
pub use smart::SmartRow;

/// How many migrations there are: the schema version this build writes.
const MIGRATIONS: usize = 8;

/// Schema history. Append only: never edit a migration that has shipped
/// (and raise [`MIGRATIONS`] with each one).
fn migrations() -> Migrations<'static> {
    Migrations::new(vec![
        M::up(include_str!("../../migrations/0001_foundation.sql")),
        M::up(include_str!("../../migrations/0002_library.sql")),
        M::up(include_str!("../../migrations/0003_covers.sql")),
        M::up(include_str!("../../migrations/0004_playlists_history.sql")),
        M::up(include_str!(
            "../../migrations/0005_suggestion_feedback.sql"
        )),
        M::up(include_str!("../../migrations/0006_listening.sql")),
        M::up(include_str!(
            "../../migrations/0007_exclusions_versions.sql"
        )),
        M::up(include_str!("../../migrations/0008_smart_playlists.sql")),
    ])
}

/// The database of one PlayGenie installation.
pub struct Db {
    conn: Connection,
    path: PathBuf,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db").field("path", &self.path).finish()
    }
}

impl Db {
    /// Opens (creating if needed) the database at `path` and upgrades its
    /// schema to the latest version. A file that is not a database, a
    /// database from a newer PlayGenie and a read-only one are refused with
    /// their own errors, before anything is written.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        let db_err = |source: rusqlite::Error| classify(&path, source);
        let mut conn = Connection::open(&path).map_err(db_err)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(db_err)?;
        // Reading the version is the first read: it tells a file that is not
        // a database from one that is.
        let found: i64 = conn
            .pragma_query_value(None, "user_version", |row| row.get(0))
            .map_err(db_err)?;
        let known = MIGRATIONS as i64;
        if found > known {
            return Err(Error::NewerSchema {
                path: path.clone(),
                found,
                known,
            });
        }
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(db_err)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(db_err)?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(db_err)?;
        migrations()
            .to_latest(&mut conn)
            .map_err(|source| match source {
                rusqlite_migration::Error::RusqliteError { err, .. } => classify(&path, err),
                source => Error::Migration {
                    path: path.clone(),
                    source,
                },
            })?;
        tracing::debug!(path = %path.display(), "database open");
        Ok(Self { conn, path })
    }

    /// SQLite's `quick_check`: the file's pages and indexes are sound
    /// (milliseconds for a large library). `Err(DatabaseDamaged)` says
    /// what to do.
    pub fn check_integrity(&self) -> Result<()> {
        let problems = match check_rows(&self.conn, "quick_check") {
            Ok(problems) => problems,
            Err(err) => vec![err.to_string()],
        };
        if problems.is_empty() {
            return Ok(());
        }
        let shown: Vec<&str> = problems.iter().take(3).map(String::as_str).collect();
        Err(damaged(&self.path, shown.join("; ")))
    }

    /// SQLite's full `integrity_check` (slower than the quick check: it
    /// also compares every index with its table). Empty when sound.
    pub fn full_integrity_check(&self) -> Result<Vec<String>> {
        check_rows(&self.conn, "integrity_check").map_err(|e| self.err(e))
    }

    /// Where [`Db::backup`] keeps the last good copy of this database.
    pub fn backup_path(&self) -> PathBuf {
        backup_path_of(&self.path)
    }

    /// Copies the database, consistent as of now, to [`Db::backup_path`]
    /// (SQLite's `VACUUM INTO` a temporary file, synced, renamed over the
    /// previous backup), but only after it passes the integrity check: a
    /// damaged database never replaces the last good copy.
    pub fn backup(&self) -> Result<PathBuf> {
        self.check_integrity()?;
        let dest = self.backup_path();
        let tmp = with_suffix(&dest, ".partial");
        let _ = std::fs::remove_file(&tmp);
        self.conn
            .execute("VACUUM INTO ?1", params![tmp.to_string_lossy()])
            .map_err(|e| self.err(e))?;
        let synced = std::fs::File::open(&tmp).and_then(|f| f.sync_all());
        let renamed = synced.and_then(|()| std::fs::rename(&tmp, &dest));
        if let Err(source) = renamed {
            let _ = std::fs::remove_file(&tmp);
            return Err(Error::File { path: dest, source });
        }
        tracing::debug!(backup = %dest.display(), "database backed up");
        Ok(dest)
    }

    /// Where the database file is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn err(&self, source: rusqlite::Error) -> Error {
        classify(&self.path, source)
    }

    /// A transaction that takes the write lock at once (`BEGIN
    /// IMMEDIATE`), so it waits its turn behind another process's writer
    /// (the busy timeout). A deferred one that read first and then wrote
    /// failed at once with "database is locked" when another writer had
    /// committed in between (two indexers at once; found by the hostile
    /// suite).
    fn write_transaction(&self) -> Result<rusqlite::Transaction<'_>> {
        rusqlite::Transaction::new_unchecked(&self.conn, rusqlite::TransactionBehavior::Immediate)
            .map_err(|e| self.err(e))
    }

    /// A stored setting.
    pub fn setting(&self, key: &str) -> Result<Option<String>> {
        self.conn
            .query_row(
                "SELECT value FROM settings WHERE key = ?1",
                params![key],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    /// Stores a setting (replacing its value).
    pub fn set_setting(&self, key: &str, value: &str) -> Result<()> {
        self.conn
            .execute(
                "INSERT INTO settings (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                params![key, value],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// The schema version (`PRAGMA user_version`, kept by the migrations).
    pub fn schema_version(&self) -> Result<i64> {
        self.conn
            .pragma_query_value(None, "user_version", |row| row.get(0))
            .map_err(|e| self.err(e))
    }

    /// The version of the SQLite library linked in.
    pub fn sqlite_version() -> &'static str {
        rusqlite::version()
    }

    /// Remembers a library folder. Returns `false` if it was already known.
    /// One statement, so two processes adding the same folder at once both
    /// succeed (one adds it).
    pub fn add_library_folder(&self, folder: &Path) -> Result<bool> {
        let added = self
            .conn
            .execute(
                "INSERT OR IGNORE INTO library_folders (path, added_at) VALUES (?1, ?2)",
                params![path_key(folder), now()],
            )
            .map_err(|e| self.err(e))?;
        Ok(added > 0)
    }

    /// Forgets a library folder and the tracks indexed below it. Returns
    /// whether the folder was known.
    ///
    /// Only a folder that *is* a library folder removes anything: a path
    /// that is not one (`/`, a subfolder of a library folder, a typo)
    /// changes nothing. Tracks that are still below another library folder
    /// (one nested inside the removed folder, or one containing it) stay.
    pub fn remove_library_folder(&self, folder: &Path) -> Result<bool> {
        let tx = self.write_transaction()?;
        let removed = tx
            .execute(
                "DELETE FROM library_folders WHERE path = ?1",
                params![path_key(folder)],
            )
            .map_err(|e| self.err(e))?;
        if removed == 0 {
            return Ok(false);
        }
        // The same connection: this reads inside the transaction.
        let remaining = self.library_folders()?;
        let tracks: Vec<(i64, Vec<u8>)> = {
            let mut stmt = tx
                .prepare("SELECT id, path FROM tracks")
                .map_err(|e| self.err(e))?;
            let rows = stmt
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                .map_err(|e| self.err(e))?;
            rows.collect::<rusqlite::Result<_>>()
                .map_err(|e| self.err(e))?
        };
        let mut forgotten = 0usize;
        for (id, raw) in tracks {
            let path = key_path(&raw);
            let orphaned =
                path.starts_with(folder) && !remaining.iter().any(|other| path.starts_with(other));
            if orphaned {
                forgotten += tx
                    .execute("DELETE FROM tracks WHERE id = ?1", params![id])
                    .map_err(|e| self.err(e))?;
            }
        }
        tx.commit().map_err(|e| self.err(e))?;
        self.prune_covers()?;
        tracing::info!(folder = %folder.display(), tracks = forgotten, "library folder removed");
        Ok(true)
    }

    /// Every library folder, in the order they were added.
    pub fn library_folders(&self) -> Result<Vec<PathBuf>> {
        let mut stmt = self
            .conn
            .prepare("SELECT path FROM library_folders ORDER BY id")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |row| row.get::<_, Vec<u8>>(0))
            .map_err(|e| self.err(e))?;
        rows.map(|row| row.map(|bytes| key_path(&bytes)).map_err(|e| self.err(e)))
            .collect()
    }
}

/// The rows of `PRAGMA <check>` (quick_check, integrity_check) that are
/// not "ok": empty when the database is sound.
fn check_rows(conn: &Connection, check: &str) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare(&format!("PRAGMA {check}"))?;
    let rows = stmt.query_map([], |row| row.get::<_, String>(0))?;
    let mut problems = Vec::new();
    for row in rows {
        let row = row?;
        if row != "ok" {
            problems.push(row);
        }
    }
    Ok(problems)
}

/// `<database>.bak`, beside the database.
pub fn backup_path_of(database: &Path) -> PathBuf {
    with_suffix(database, ".bak")
}

/// Puts the backup ([`backup_path_of`]) back in place of `database`, after
/// checking that the backup itself is sound. The file it replaces (with its
/// WAL and shared-memory files) is kept beside it as
/// `<database>.damaged-<unix seconds>`; returns that name.
pub fn restore_backup(database: &Path) -> Result<PathBuf> {
    let backup = backup_path_of(database);
    if !backup.is_file() {
        return Err(Error::Invalid(format!(
            "there is no backup at {}; PlayGenie makes one after each scan",
            backup.display()
        )));
    }
    {
        let copy = Connection::open_with_flags(&backup, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .map_err(|e| classify(&backup, e))?;
        let problems = check_rows(&copy, "quick_check").map_err(|e| classify(&backup, e))?;
        if !problems.is_empty() {
            return Err(Error::DatabaseDamaged {
                path: backup.clone(),
                detail: problems.join("; "),
                advice: "The backup is damaged too; move both aside to start a new library".into(),
            });
        }
    }
    let kept = with_suffix(database, format!(".damaged-{}", now()));
    let file_err = |path: &Path, source| Error::File {
        path: path.to_path_buf(),
        source,
    };
    if database.exists() {
        std::fs::rename(database, &kept).map_err(|e| file_err(database, e))?;
    }
    for suffix in ["-wal", "-shm"] {
        let side = with_suffix(database, suffix);
        if side.exists() {
            std::fs::rename(&side, with_suffix(&kept, suffix)).map_err(|e| file_err(&side, e))?;
        }
    }
    let tmp = with_suffix(database, ".restoring");
    std::fs::copy(&backup, &tmp)
        .and_then(|_| std::fs::File::open(&tmp)?.sync_all())
        .and_then(|()| std::fs::rename(&tmp, database))
        .map_err(|e| file_err(database, e))?;
    tracing::info!(database = %database.display(), kept = %kept.display(), "database restored from its backup");
    Ok(kept)
}

/// A database-damaged error with advice that fits: restore the backup if
/// there is one.
fn damaged(path: &Path, detail: String) -> Error {
    let backup = backup_path_of(path);
    let advice = if backup.is_file() {
        format!(
            "Put back the last good copy ({}) with `playgenie db restore`; the damaged file is kept beside it",
            backup.display()
        )
    } else {
        format!(
            "There is no backup; move {} aside and PlayGenie starts a new library (your music files are not affected)",
            path.display()
        )
    };
    Error::DatabaseDamaged {
        path: path.to_path_buf(),
        detail,
        advice,
    }
}

/// SQLite's errors that mean something a person can act on become their
/// own variants; the rest stay database errors.
fn classify(path: &Path, source: rusqlite::Error) -> Error {
    use rusqlite::ErrorCode;
    match source.sqlite_error_code() {
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => {
            damaged(path, source.to_string())
        }
        Some(ErrorCode::ReadOnly) => Error::DatabaseReadOnly {
            path: path.to_path_buf(),
            source,
        },
        _ => Error::Database {
            path: path.to_path_buf(),
            source,
        },
    }
}

/// What the database remembers about a file, to decide whether a rescan
/// must look at it again.
#[derive(Debug, Clone)]
pub struct KnownTrack {
    pub id: i64,
    pub size: u64,
    pub mtime_ns: i64,
    pub missing: bool,
    pub fingerprint: String,
    /// Version of the stored features, if any.
    pub feature_version: Option<u32>,
}

/// Size and mtime (ns) recorded with a scan error, when known.
pub type FileStamp = (Option<u64>, Option<i64>);

/// A file that was analysed, ready to be written.
#[derive(Debug, Clone)]
pub struct AnalysedFile {
    pub path: PathBuf,
    pub size: u64,
    pub mtime_ns: i64,
    pub fingerprint: String,
    pub analysis: Analysis,
}

/// A file that could not be indexed, and why.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ScanErrorRow {
    pub path: String,
    pub kind: String,
    pub message: String,
    pub at: i64,
}

/// A track as listed by `playgenie tracks` and the library view (the tags
/// are flattened into the same JSON object).
#[derive(Debug, Clone, Serialize)]
pub struct TrackRow {
    pub id: i64,
    pub path: String,
    pub status: String,
    #[serde(flatten)]
    pub tags: Tags,
    pub sample_rate: Option<u32>,
    pub channels: Option<u32>,
    pub codec: Option<String>,
    pub fingerprint: String,
    pub features: Option<FeatureVector>,
    /// Key of the cover thumbnail ([`Db::cover`]), if the track has art.
    pub cover: Option<String>,
    /// What the learned ear hears: its top tags, strongest first (empty
    /// until the listening pass has heard the track).
    pub sound_tags: Vec<String>,
    /// Every display tag's probability ([`crate::ear`]), when heard.
    pub tag_probabilities: Option<std::collections::BTreeMap<String, f32>>,
    /// The learned ear's 200-d embedding, when heard.
    pub embedding: Option<Vec<f32>>,
}

/// How many columns [`Db::track_query`] selects before the extra ones.
const COMMON_COLUMNS: usize = 20;

/// The columns every track listing shares.
struct CommonColumns {
    id: i64,
    path: String,
    status: String,
    tags: Tags,
    sample_rate: Option<u32>,
    channels: Option<u32>,
    codec: Option<String>,
    fingerprint: String,
    cover: Option<String>,
    sound_tags: Vec<String>,
}

/// A row of the library table: a [`TrackRow`] without the feature vector.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct LibraryRow {
    pub id: i64,
    pub path: String,
    pub status: String,
    #[serde(flatten)]
    pub tags: Tags,
    pub features: Option<FeatureSummary>,
    pub cover: Option<String>,
    /// The learned ear's top tags, strongest first (empty until heard).
    pub sound_tags: Vec<String>,
}

/// The features the library table shows and sorts by.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FeatureSummary {
    pub tempo_bpm: f32,
    /// Pitch class of the key, 0 = C.
    pub key: u8,
    /// 1 = major, 0 = minor.
    pub mode: u8,
}

/// What one write batch did.
#[derive(Debug, Default, Clone, Copy, Serialize)]
pub struct WriteCounts {
    pub added: usize,
    pub updated: usize,
    pub moved: usize,
}

pub(crate) fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default()
}

impl Db {
    /// Every known track by raw path.
    pub fn known_tracks(&self) -> Result<HashMap<Vec<u8>, KnownTrack>> {
        self.known_tracks_where("", &[])
    }

    /// The known tracks under `folders` (at least: every one whose path
    /// starts with one of them), by raw path. For folders in normal form
    /// (as the library's, canonicalised, are) it reads only their rows
    /// through the path index, so a rescan of one album of a big library
    /// does not load the whole library; otherwise every track.
    pub fn known_tracks_under(&self, folders: &[PathBuf]) -> Result<HashMap<Vec<u8>, KnownTrack>> {
        // (Paths compare by components, so normal form is checked on bytes.)
        let normal = |f: &PathBuf| {
            f.is_absolute() && path_key(f) == path_key(&f.components().collect::<PathBuf>())
        };
        if folders.is_empty() || !folders.iter().all(normal) {
            return self.known_tracks();
        }
        let mut known = HashMap::new();
        for folder in folders {
            // Every path below `folder/`: from `folder/` up to `folder0`
            // ('0' is the byte after '/').
            let mut from = path_key(folder);
            if from.last() != Some(&b'/') {
                from.push(b'/');
            }
            let mut to = from.clone();
            if let Some(last) = to.last_mut() {
                *last = b'0';
            }
            known.extend(
                self.known_tracks_where(" WHERE t.path >= ?1 AND t.path < ?2", &[&from, &to])?,
            );
        }
        Ok(known)
    }

    fn known_tracks_where(
        &self,
        filter: &str,
        params: &[&dyn rusqlite::ToSql],
    ) -> Result<HashMap<Vec<u8>, KnownTrack>> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT t.path, t.id, t.size, t.mtime_ns, t.status, t.fingerprint, f.version
                 FROM tracks t LEFT JOIN track_features f ON f.track_id = t.id{filter}"
            ))
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params, |row| {
                Ok((
                    row.get::<_, Vec<u8>>(0)?,
                    KnownTrack {
                        id: row.get(1)?,
                        size: row.get::<_, i64>(2)? as u64,
                        mtime_ns: row.get(3)?,
                        missing: row.get::<_, String>(4)? == "missing",
                        fingerprint: row.get(5)?,
                        feature_version: row.get(6)?,
                    },
                ))
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<_>>()
            .map_err(|e| self.err(e))
    }

    /// Size and mtime of files whose last indexing failed, by raw path.
    pub fn failed_files(&self) -> Result<HashMap<Vec<u8>, FileStamp>> {
        let mut stmt = self
            .conn
            .prepare("SELECT path, size, mtime_ns FROM scan_errors")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |row| {
                Ok((
                    row.get::<_, Vec<u8>>(0)?,
                    (
                        row.get::<_, Option<i64>>(1)?.map(|s| s as u64),
                        row.get::<_, Option<i64>>(2)?,
                    ),
                ))
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<_>>()
            .map_err(|e| self.err(e))
    }

    /// Writes analysed files in one transaction. A file whose fingerprint
    /// matches a track that is no longer at its old path is a move: the
    /// existing row (and so its history) takes the new path.
    pub fn write_analysed(
        &self,
        files: &[AnalysedFile],
        seen: &dyn Fn(&[u8]) -> bool,
    ) -> Result<WriteCounts> {
        let tx = self.write_transaction()?;
        let mut counts = WriteCounts::default();
        let at = now();
        for file in files {
            let key = path_key(&file.path);
            let existing: Option<i64> = tx
                .query_row("SELECT id FROM tracks WHERE path = ?1", params![key], |r| {
                    r.get(0)
                })
                .optional()
                .map_err(|e| self.err(e))?;
            let id = match existing {
                Some(id) => {
                    counts.updated += 1;
                    id
                }
                None => {
                    let moved = self.moved_from(&tx, &file.fingerprint, seen)?;
                    match moved {
                        Some(id) => {
                            counts.moved += 1;
                            tx.execute(
                                "UPDATE tracks SET path = ?1 WHERE id = ?2",
                                params![key, id],
                            )
                            .map_err(|e| self.err(e))?;
                            id
                        }
                        None => {
                            counts.added += 1;
                            tx.execute(
                                "INSERT INTO tracks (path, display_path, fingerprint, size, mtime_ns,
                                   title, artist, album, added_at, updated_at)
                                 VALUES (?1, '', '', 0, 0, '', '', '', ?2, ?2)",
                                params![key, at],
                            )
                            .map_err(|e| self.err(e))?;
                            tx.last_insert_rowid()
                        }
                    }
                }
            };
            let tags = &file.analysis.tags;
            let stream = &file.analysis.stream;
            let cover = file.analysis.cover.as_deref();
            if let Some(c) = cover {
                tx.execute(
                    "INSERT OR IGNORE INTO covers (hash, width, height, jpeg) VALUES (?1, ?2, ?3, ?4)",
                    params![c.hash, c.width, c.height, c.jpeg],
                )
                .map_err(|e| self.err(e))?;
            }
            tx.execute(
                "UPDATE tracks SET display_path = ?2, fingerprint = ?3, size = ?4, mtime_ns = ?5,
                   status = 'ok', title = ?6, artist = ?7, album_artist = ?8, album = ?9,
                   track_no = ?10, disc_no = ?11, year = ?12, genre = ?13, guessed = ?14,
                   duration_s = ?15, sample_rate = ?16, channels = ?17, codec = ?18,
                   has_cover = ?19, updated_at = ?20, cover = ?21
                 WHERE id = ?1",
                params![
                    id,
                    file.path.to_string_lossy(),
                    file.fingerprint,
                    file.size as i64,
                    file.mtime_ns,
                    tags.title,
                    tags.artist,
                    tags.album_artist,
                    tags.album,
                    tags.track_no,
                    tags.disc_no,
                    tags.year,
                    tags.genre,
                    tags.guessed.join(","),
                    stream.duration_s.or(tags.duration_s),
                    stream.sample_rate,
                    stream.channels as i64,
                    stream.codec,
                    tags.has_cover,
                    at,
                    cover.map(|c| &c.hash),
                ],
            )
            .map_err(|e| self.err(e))?;
            let vector = serde_json::to_string(&file.analysis.features)
                .map_err(|e| self.err(rusqlite::Error::ToSqlConversionFailure(Box::new(e))))?;
            tx.execute(
                "INSERT INTO track_features (track_id, version, vector, decoded_s, computed_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (track_id) DO UPDATE SET version = excluded.version,
                   vector = excluded.vector, decoded_s = excluded.decoded_s,
                   computed_at = excluded.computed_at",
                params![
                    id,
                    file.analysis.features.version,
                    vector,
                    file.analysis.decoded_s,
                    at
                ],
            )
            .map_err(|e| self.err(e))?;
            tx.execute("DELETE FROM scan_errors WHERE path = ?1", params![key])
                .map_err(|e| self.err(e))?;
        }
        tx.commit().map_err(|e| self.err(e))?;
        Ok(counts)
    }

    fn moved_from(
        &self,
        tx: &rusqlite::Transaction<'_>,
        fingerprint: &str,
        seen: &dyn Fn(&[u8]) -> bool,
    ) -> Result<Option<i64>> {
        let mut stmt = tx
            .prepare_cached("SELECT id, path FROM tracks WHERE fingerprint = ?1")
            .map_err(|e| self.err(e))?;
        let candidates = stmt
            .query_map(params![fingerprint], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?))
            })
            .map_err(|e| self.err(e))?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| self.err(e))?;
        Ok(candidates
            .into_iter()
            .find(|(_, old)| !seen(old) && !key_path(old).exists())
            .map(|(id, _)| id))
    }

    /// Records (or refreshes) why a file could not be indexed.
    pub fn record_scan_error(
        &self,
        path: &Path,
        kind: &str,
        message: &str,
        size: Option<u64>,
        mtime_ns: Option<i64>,
    ) -> Result<()> {
        self.conn
            .execute(
                "INSERT INTO scan_errors (path, display_path, kind, message, size, mtime_ns, at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (path) DO UPDATE SET kind = excluded.kind,
                   message = excluded.message, size = excluded.size,
                   mtime_ns = excluded.mtime_ns, at = excluded.at",
                params![
                    path_key(path),
                    path.to_string_lossy(),
                    kind,
                    message,
                    size.map(|s| s as i64),
                    mtime_ns,
                    now()
                ],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Drops recorded errors of files under `folders` that no longer exist
    /// (their reason no longer helps anyone). Returns how many went.
    pub fn forget_errors_of_deleted_files(&self, folders: &[PathBuf]) -> Result<usize> {
        let paths: Vec<Vec<u8>> = {
            let mut stmt = self
                .conn
                .prepare("SELECT path FROM scan_errors")
                .map_err(|e| self.err(e))?;
            let rows = stmt.query_map([], |r| r.get(0)).map_err(|e| self.err(e))?;
            rows.collect::<rusqlite::Result<_>>()
                .map_err(|e| self.err(e))?
        };
        let tx = self.write_transaction()?;
        let mut forgotten = 0;
        for key in paths {
            let path = key_path(&key);
            let gone = std::fs::symlink_metadata(&path).is_err();
            if gone && folders.iter().any(|f| path.starts_with(f)) {
                forgotten += tx
                    .execute("DELETE FROM scan_errors WHERE path = ?1", params![key])
                    .map_err(|e| self.err(e))?;
            }
        }
        tx.commit().map_err(|e| self.err(e))?;
        Ok(forgotten)
    }

    /// Marks tracks as missing (their file is gone). Returns how many changed.
    pub fn mark_missing(&self, ids: &[i64]) -> Result<usize> {
        let tx = self.write_transaction()?;
        let mut changed = 0;
        for id in ids {
            changed += tx
                .execute(
                    "UPDATE tracks SET status = 'missing' WHERE id = ?1 AND status != 'missing'",
                    params![id],
                )
                .map_err(|e| self.err(e))?;
        }
        tx.commit().map_err(|e| self.err(e))?;
        Ok(changed)
    }

    /// Every track with its features, ordered by album and track number.
    pub fn tracks(&self) -> Result<Vec<TrackRow>> {
        self.track_query("f.vector, l.msd, l.mtt, l.embedding", None, |r, common| {
            let vector: Option<String> = r.get(COMMON_COLUMNS)?;
            let heard = match (
                r.get::<_, Option<Vec<u8>>>(COMMON_COLUMNS + 1)?,
                r.get::<_, Option<Vec<u8>>>(COMMON_COLUMNS + 2)?,
            ) {
                (Some(msd), Some(mtt)) => Some(Listening {
                    msd: listening::from_blob(&msd),
                    mtt: listening::from_blob(&mtt),
                    embedding: Vec::new(),
                }),
                _ => None,
            };
            Ok(TrackRow {
                id: common.id,
                path: common.path,
                status: common.status,
                tags: common.tags,
                sample_rate: common.sample_rate,
                channels: common.channels,
                codec: common.codec,
                fingerprint: common.fingerprint,
                features: vector.and_then(|v| serde_json::from_str(&v).ok()),
                cover: common.cover,
                sound_tags: common.sound_tags,
                embedding: r
                    .get::<_, Option<Vec<u8>>>(COMMON_COLUMNS + 3)?
                    .map(|e| listening::from_blob(&e)),
                tag_probabilities: heard.map(|h| {
                    crate::ear::tag_names()
                        .iter()
                        .cloned()
                        .zip(crate::ear::tag_probabilities(&h))
                        .collect()
                }),
            })
        })
    }

    /// Every track as the library table shows it: tags and the few features
    /// it lists, not the whole vector (100k rows must stay a few MB).
    pub fn library_rows(&self) -> Result<Vec<LibraryRow>> {
        self.library_rows_of(None)
    }

    /// The first `limit` rows of the library table in its default order
    /// (album artist or artist, case-insensitive, then album, disc and
    /// track): what a window shows before the whole list has arrived.
    pub fn library_rows_head(&self, limit: usize) -> Result<Vec<LibraryRow>> {
        self.library_rows_of(Some(limit))
    }

    fn library_rows_of(&self, head: Option<usize>) -> Result<Vec<LibraryRow>> {
        self.track_query(
            "json_extract(f.vector, '$.tempo_bpm'), json_extract(f.vector, '$.key'),
             json_extract(f.vector, '$.mode')",
            head,
            |r, common| {
                let tempo: Option<f64> = r.get(COMMON_COLUMNS)?;
                let key: Option<u8> = r.get(COMMON_COLUMNS + 1)?;
                let mode: Option<u8> = r.get(COMMON_COLUMNS + 2)?;
                Ok(LibraryRow {
                    id: common.id,
                    path: common.path,
                    status: common.status,
                    tags: common.tags,
                    features: match (tempo, key, mode) {
                        (Some(tempo), Some(key), Some(mode)) => Some(FeatureSummary {
                            tempo_bpm: tempo as f32,
                            key,
                            mode,
                        }),
                        _ => None,
                    },
                    cover: common.cover,
                    sound_tags: common.sound_tags,
                })
            },
        )
    }

    /// Runs the one track listing query with `extra` columns after the
    /// common ones, mapping each row with `build`; with `head`, only that
    /// many rows, first by the artist as the library table sorts it.
    fn track_query<T>(
        &self,
        extra: &str,
        head: Option<usize>,
        build: impl Fn(&rusqlite::Row<'_>, CommonColumns) -> rusqlite::Result<T>,
    ) -> Result<Vec<T>> {
        let listener = playgenie_models::listener::LISTENER_VERSION;
        let sql = format!(
            "SELECT t.id, t.display_path, t.status, t.title, t.artist, t.album_artist, t.album,
                    t.track_no, t.disc_no, t.year, t.genre, t.guessed, t.duration_s,
                    t.sample_rate, t.channels, t.codec, t.has_cover, t.fingerprint, t.cover,
                    l.top_tags, {extra}
             FROM tracks t LEFT JOIN track_features f ON f.track_id = t.id
             LEFT JOIN track_listening l ON l.track_id = t.id AND l.version = {listener}
               AND l.fingerprint = t.fingerprint
             ORDER BY {first}coalesce(t.album_artist, t.artist), t.album, t.disc_no, t.track_no, t.title
             {limit}",
            first = if head.is_some() {
                "lower(coalesce(t.album_artist, t.artist)), "
            } else {
                ""
            },
            limit = head.map(|n| format!("LIMIT {n}")).unwrap_or_default(),
        );
        let mut stmt = self.conn.prepare(&sql).map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                let guessed: String = r.get(11)?;
                let common = CommonColumns {
                    id: r.get(0)?,
                    path: r.get(1)?,
                    status: r.get(2)?,
                    tags: Tags {
                        title: r.get(3)?,
                        artist: r.get(4)?,
                        album_artist: r.get(5)?,
                        album: r.get(6)?,
                        track_no: r.get(7)?,
                        disc_no: r.get(8)?,
                        year: r.get(9)?,
                        genre: r.get(10)?,
                        duration_s: r.get(12)?,
                        has_cover: r.get(16)?,
                        guessed: guessed
                            .split(',')
                            .filter(|s| !s.is_empty())
                            .map(str::to_owned)
                            .collect(),
                    },
                    sample_rate: r.get(13)?,
                    channels: r.get(14)?,
                    codec: r.get(15)?,
                    fingerprint: r.get(17)?,
                    cover: r.get(18)?,
                    sound_tags: r
                        .get::<_, Option<String>>(19)?
                        .map(|t| split_tags(&t))
                        .unwrap_or_default(),
                };
                build(r, common)
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<_>>()
            .map_err(|e| self.err(e))
    }

    /// Deletes thumbnails no track uses any more. Returns how many went.
    pub fn prune_covers(&self) -> Result<usize> {
        self.conn
            .execute(
                "DELETE FROM covers WHERE hash NOT IN
                   (SELECT cover FROM tracks WHERE cover IS NOT NULL)",
                [],
            )
            .map_err(|e| self.err(e))
    }

    /// The JPEG thumbnail stored under `hash` (see [`TrackRow::cover`]).
    pub fn cover(&self, hash: &str) -> Result<Option<Vec<u8>>> {
        self.conn
            .query_row(
                "SELECT jpeg FROM covers WHERE hash = ?1",
                params![hash],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    /// Every recorded scan error, newest first.
    pub fn scan_errors(&self) -> Result<Vec<ScanErrorRow>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT display_path, kind, message, at FROM scan_errors ORDER BY at DESC, display_path",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok(ScanErrorRow {
                    path: r.get(0)?,
                    kind: r.get(1)?,
                    message: r.get(2)?,
                    at: r.get(3)?,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<_>>()
            .map_err(|e| self.err(e))
    }

    /// Checks the file with `PRAGMA integrity_check`.
    pub fn integrity_ok(&self) -> Result<bool> {
        let result: String = self
            .conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .map_err(|e| self.err(e))?;
        Ok(result == "ok")
    }
}

/// Paths are stored as their raw bytes, so folder names that are not valid
/// UTF-8 survive the round trip.
#[cfg(unix)]
pub(crate) fn path_key(path: &Path) -> Vec<u8> {
    use std::os::unix::ffi::OsStrExt;
    path.as_os_str().as_bytes().to_vec()
}

/// Stored comma-separated tags as a list.
fn split_tags(text: &str) -> Vec<String> {
    text.split(',')
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(unix)]
pub(crate) fn key_path(bytes: &[u8]) -> PathBuf {
    use std::os::unix::ffi::OsStrExt;
    PathBuf::from(std::ffi::OsStr::from_bytes(bytes))
}

#[cfg(not(unix))]
pub(crate) fn path_key(path: &Path) -> Vec<u8> {
    path.to_string_lossy().as_bytes().to_vec()
}

#[cfg(not(unix))]
pub(crate) fn key_path(bytes: &[u8]) -> PathBuf {
    PathBuf::from(String::from_utf8_lossy(bytes).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_valid() {
        assert!(migrations().validate().is_ok());
        let files = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"))
            .expect("migrations folder")
            .count();
        assert_eq!(MIGRATIONS, files, "MIGRATIONS must count the migrations");
    }

    #[test]
    fn a_newer_schema_is_refused_untouched() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("t.sqlite3");
        drop(Db::open(&path).expect("open"));
        let conn = Connection::open(&path).expect("raw");
        conn.pragma_update(None, "user_version", 99).expect("bump");
        drop(conn);
        let err = Db::open(&path).unwrap_err();
        assert!(err.to_string().contains("newer PlayGenie"), "{err}");
    }

    #[test]
    fn a_file_that_is_not_a_database_is_called_damaged() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("t.sqlite3");
        std::fs::write(&path, vec![0x5a; 8192]).expect("write");
        let err = Db::open(&path).unwrap_err();
        assert!(matches!(err, Error::DatabaseDamaged { .. }), "{err}");
        assert_eq!(std::fs::read(&path).expect("read"), vec![0x5a; 8192]);
    }

    #[test]
    fn a_backup_is_a_sound_copy() {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = Db::open(dir.path().join("t.sqlite3")).expect("open");
        db.add_library_folder(Path::new("/music")).expect("add");
        let backup = db.backup().expect("backup");
        let copy = Db::open(&backup).expect("open the copy");
        copy.check_integrity().expect("sound");
        assert_eq!(
            copy.library_folders().expect("folders"),
            vec![PathBuf::from("/music")]
        );
    }

    #[test]
    fn the_head_of_the_library_is_its_first_rows_by_artist_whatever_the_case() {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = Db::open(dir.path().join("t.sqlite3")).expect("open");
        for (i, (artist, album, no)) in [
            ("beta", "B", 1),
            ("Alpha", "Z", 1),
            ("alpha", "A", 2),
            ("Gamma", "G", 1),
            ("alpha", "A", 1),
        ]
        .into_iter()
        .enumerate()
        {
            let path = format!("/m/{i}.ogg");
            db.conn
                .execute(
                    "INSERT INTO tracks (path, display_path, fingerprint, size, mtime_ns, title,
                        artist, album, track_no, duration_s, added_at, updated_at)
                     VALUES (?1, ?2, ?3, 1, 0, ?4, ?5, ?6, ?7, 100, 0, 0)",
                    params![
                        path.as_bytes(),
                        path,
                        format!("fp{i}"),
                        format!("t{i}"),
                        artist,
                        album,
                        no
                    ],
                )
                .expect("insert");
        }
        let titles = |rows: Vec<LibraryRow>| -> Vec<String> {
            rows.into_iter().map(|r| r.tags.title).collect()
        };
        // As the table sorts the whole list (ui/src/lib/library.ts): by
        // the artist in lower case, ties in the list's own order.
        let mut table = db.library_rows().expect("all");
        table.sort_by_key(|r| r.tags.artist.to_lowercase());
        let table = titles(table);
        assert_eq!(table, ["t1", "t4", "t2", "t0", "t3"]);
        assert_eq!(titles(db.library_rows_head(3).expect("head")), table[..3]);
        assert_eq!(titles(db.library_rows_head(10).expect("head")), table);
    }

    #[cfg(unix)]
    #[test]
    fn the_known_tracks_under_folders_are_exactly_those_whose_paths_start_with_them() {
        use std::os::unix::ffi::OsStrExt;
        let dir = tempfile::tempdir().expect("temp dir");
        let db = Db::open(dir.path().join("t.sqlite3")).expect("open");
        let paths: [&[u8]; 8] = [
            b"/music/a/1.ogg",
            b"/music/a/deep/2.ogg",
            b"/music/ab/3.ogg",
            b"/music/a0/4.ogg",
            b"/music/a.ogg",
            b"/music/b/5.ogg",
            b"/music/caf\xe9/6.ogg",
            b"/other/7.ogg",
        ];
        for (i, path) in paths.iter().enumerate() {
            db.conn
                .execute(
                    "INSERT INTO tracks (path, display_path, fingerprint, size, mtime_ns, title,
                        artist, album, added_at, updated_at)
                     VALUES (?1, ?2, ?3, 1, 0, 't', 'a', 'b', 0, 0)",
                    params![path, String::from_utf8_lossy(path), format!("fp{i}")],
                )
                .expect("insert");
        }
        let all = db.known_tracks().expect("all");
        assert_eq!(all.len(), paths.len());
        let odd = PathBuf::from(std::ffi::OsStr::from_bytes(b"/music/caf\xe9"));
        for folders in [
            vec![PathBuf::from("/music/a")],
            vec![PathBuf::from("/music/a/")],
            vec![PathBuf::from("/music/a"), PathBuf::from("/other")],
            vec![odd],
            vec![PathBuf::from("/music")],
            vec![PathBuf::from("/")],
            // Not in normal form: every track is read, the caller filters.
            vec![PathBuf::from("/music/./a")],
        ] {
            let mut got: Vec<Vec<u8>> = db
                .known_tracks_under(&folders)
                .expect("under")
                .into_keys()
                .filter(|k| folders.iter().any(|f| key_path(k).starts_with(f)))
                .collect();
            let mut want: Vec<Vec<u8>> = all
                .keys()
                .filter(|k| folders.iter().any(|f| key_path(k).starts_with(f)))
                .cloned()
                .collect();
            got.sort();
            want.sort();
            assert_eq!(got, want, "{folders:?}");
            assert!(!want.is_empty(), "{folders:?}");
        }
        let under_a = db
            .known_tracks_under(&[PathBuf::from("/music/a")])
            .expect("under");
        assert_eq!(under_a.len(), 2, "not /music/ab, /music/a0 or /music/a.ogg");
    }

    #[test]
    fn a_new_database_is_at_the_latest_schema_in_wal_mode() {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = Db::open(dir.path().join("t.sqlite3")).expect("open");
        assert_eq!(db.schema_version().expect("version"), 8);
        let mode: String = db
            .conn
            .pragma_query_value(None, "journal_mode", |row| row.get(0))
            .expect("journal mode");
        assert_eq!(mode, "wal");
    }

    #[cfg(unix)]
    #[test]
    fn folders_round_trip_even_with_non_utf8_names() {
        use std::os::unix::ffi::OsStrExt;
        let dir = tempfile::tempdir().expect("temp dir");
        let db = Db::open(dir.path().join("t.sqlite3")).expect("open");
        let odd = Path::new(std::ffi::OsStr::from_bytes(b"/music/caf\xe9"));
        assert!(db.add_library_folder(odd).expect("add"));
        assert!(!db.add_library_folder(odd).expect("add twice"));
        assert_eq!(db.library_folders().expect("list"), vec![odd.to_path_buf()]);
    }
}
