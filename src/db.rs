//! The one `Db` type: it owns the SQLite connection and the schema
//! migrations. Other modules ask it through named functions; no raw SQL
//! lives outside this module.
//!
//! Safety: WAL journal and `synchronous = NORMAL` so a crash mid-write never
//! corrupts the file; migrations run in one transaction each.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use rusqlite::{params, Connection, OptionalExtension};
use rusqlite_migration::{Migrations, M};

use crate::error::{Error, Result};

/// Schema history. Append only: never edit a migration that has shipped.
fn migrations() -> Migrations<'static> {
    Migrations::new(vec![M::up(include_str!(
        "../migrations/0001_foundation.sql"
    ))])
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
    /// schema to the latest version.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        let db_err = |source| Error::Database {
            path: path.clone(),
            source,
        };
        let mut conn = Connection::open(&path).map_err(db_err)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(db_err)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(db_err)?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(db_err)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(db_err)?;
        migrations()
            .to_latest(&mut conn)
            .map_err(|source| Error::Migration {
                path: path.clone(),
                source,
            })?;
        tracing::debug!(path = %path.display(), "database open");
        Ok(Self { conn, path })
    }

    /// Where the database file is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn err(&self, source: rusqlite::Error) -> Error {
        Error::Database {
            path: self.path.clone(),
            source,
        }
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
    pub fn add_library_folder(&self, folder: &Path) -> Result<bool> {
        let added_at = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or_default();
        let key = path_key(folder);
        let known: Option<i64> = self
            .conn
            .query_row(
                "SELECT id FROM library_folders WHERE path = ?1",
                params![key],
                |row| row.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))?;
        if known.is_some() {
            return Ok(false);
        }
        self.conn
            .execute(
                "INSERT INTO library_folders (path, added_at) VALUES (?1, ?2)",
                params![key, added_at],
            )
            .map_err(|e| self.err(e))?;
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

/// Paths are stored as their raw bytes, so folder names that are not valid
/// UTF-8 survive the round trip.
#[cfg(unix)]
fn path_key(path: &Path) -> Vec<u8> {
    use std::os::unix::ffi::OsStrExt;
    path.as_os_str().as_bytes().to_vec()
}

#[cfg(unix)]
fn key_path(bytes: &[u8]) -> PathBuf {
    use std::os::unix::ffi::OsStrExt;
    PathBuf::from(std::ffi::OsStr::from_bytes(bytes))
}

#[cfg(not(unix))]
fn path_key(path: &Path) -> Vec<u8> {
    path.to_string_lossy().as_bytes().to_vec()
}

#[cfg(not(unix))]
fn key_path(bytes: &[u8]) -> PathBuf {
    PathBuf::from(String::from_utf8_lossy(bytes).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_valid() {
        assert!(migrations().validate().is_ok());
    }

    #[test]
    fn a_new_database_is_at_the_latest_schema_in_wal_mode() {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = Db::open(dir.path().join("t.sqlite3")).expect("open");
        assert_eq!(db.schema_version().expect("version"), 1);
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
