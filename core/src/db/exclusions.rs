//! The "never suggest" list and the preferred versions of songs.

use rusqlite::params;

use super::{key_path, path_key, Db};
use crate::error::Result;

/// What an exclusion names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum ExclusionKind {
    /// Every file under a folder.
    Folder,
    /// An artist (as track or album artist).
    Artist,
    /// An album, by name.
    Album,
    /// A tag or genre: the learned ear's top tags or the file's genre tag.
    Tag,
}

impl ExclusionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Folder => "folder",
            Self::Artist => "artist",
            Self::Album => "album",
            Self::Tag => "tag",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        [Self::Folder, Self::Artist, Self::Album, Self::Tag]
            .into_iter()
            .find(|k| k.as_str() == text)
    }
}

/// One entry of the "never suggest" list.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ExclusionRow {
    pub id: i64,
    pub kind: ExclusionKind,
    /// The folder (lossy UTF-8 for display) or the name or tag.
    pub value: String,
    /// The folder's path as stored (raw bytes survive); `None` for names.
    #[serde(skip)]
    pub folder: Option<std::path::PathBuf>,
    /// Unix seconds.
    pub added_at: i64,
}

/// The stored form of an exclusion's value: a folder's raw bytes, or text.
pub enum ExclusionValue<'a> {
    Folder(&'a std::path::Path),
    Text(&'a str),
}

impl Db {
    /// Adds an exclusion; `false` when the list already had it.
    pub fn add_exclusion(&self, kind: ExclusionKind, value: ExclusionValue<'_>) -> Result<bool> {
        let bytes = match value {
            ExclusionValue::Folder(path) => path_key(path),
            ExclusionValue::Text(text) => text.as_bytes().to_vec(),
        };
        let added = self
            .conn
            .execute(
                "INSERT OR IGNORE INTO exclusions (kind, value, added_at) VALUES (?1, ?2, ?3)",
                params![kind.as_str(), bytes, super::now()],
            )
            .map_err(|e| self.err(e))?;
        Ok(added > 0)
    }

    /// Removes exclusion `id`; `false` when there was none.
    pub fn remove_exclusion(&self, id: i64) -> Result<bool> {
        let removed = self
            .conn
            .execute("DELETE FROM exclusions WHERE id = ?1", params![id])
            .map_err(|e| self.err(e))?;
        Ok(removed > 0)
    }

    /// The whole list, oldest first.
    pub fn exclusions(&self) -> Result<Vec<ExclusionRow>> {
        let mut stmt = self
            .conn
            .prepare("SELECT id, kind, value, added_at FROM exclusions ORDER BY id")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Vec<u8>>(2)?,
                    r.get::<_, i64>(3)?,
                ))
            })
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for row in rows {
            let (id, kind, bytes, added_at) = row.map_err(|e| self.err(e))?;
            // The table's CHECK allows only the known kinds; a row from a
            // newer PlayGenie with another kind is left alone.
            let Some(kind) = ExclusionKind::parse(&kind) else {
                tracing::warn!(id, kind, "exclusion of an unknown kind skipped");
                continue;
            };
            let (value, folder) = match kind {
                ExclusionKind::Folder => {
                    let path = key_path(&bytes);
                    (path.display().to_string(), Some(path))
                }
                _ => (String::from_utf8_lossy(&bytes).into_owned(), None),
            };
            out.push(ExclusionRow {
                id,
                kind,
                value,
                folder,
                added_at,
            });
        }
        Ok(out)
    }

    /// Tracks the listener marked as the version to suggest, with when.
    pub fn preferred_versions(&self) -> Result<Vec<(i64, i64)>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT track_id, chosen_at FROM preferred_versions ORDER BY chosen_at, track_id",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<_>>()
            .map_err(|e| self.err(e))
    }

    /// Makes `track_id` the preferred version in place of `others` (the
    /// other versions of its song), in one transaction.
    pub fn prefer_version(&self, track_id: i64, others: &[i64]) -> Result<()> {
        let tx = self.write_transaction()?;
        for other in others {
            tx.execute(
                "DELETE FROM preferred_versions WHERE track_id = ?1",
                params![other],
            )
            .map_err(|e| self.err(e))?;
        }
        tx.execute(
            "INSERT OR REPLACE INTO preferred_versions (track_id, chosen_at) VALUES (?1, ?2)",
            params![track_id, super::now()],
        )
        .map_err(|e| self.err(e))?;
        tx.commit().map_err(|e| self.err(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exclusions_round_trip_with_raw_folder_bytes_and_no_duplicates() {
        use std::os::unix::ffi::OsStrExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let db = Db::open(dir.path().join("db.sqlite")).expect("db");
        let odd = std::path::PathBuf::from(std::ffi::OsStr::from_bytes(b"/music/\xffAudiobooks"));
        assert!(db
            .add_exclusion(ExclusionKind::Folder, ExclusionValue::Folder(&odd))
            .expect("add"));
        assert!(db
            .add_exclusion(ExclusionKind::Tag, ExclusionValue::Text("christmas"))
            .expect("add"));
        assert!(!db
            .add_exclusion(ExclusionKind::Tag, ExclusionValue::Text("christmas"))
            .expect("again"));
        let rows = db.exclusions().expect("list");
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].folder.as_deref(), Some(odd.as_path()));
        assert_eq!(rows[1].kind, ExclusionKind::Tag);
        assert_eq!(rows[1].value, "christmas");
        assert!(db.remove_exclusion(rows[0].id).expect("remove"));
        assert!(!db.remove_exclusion(rows[0].id).expect("gone"));
        assert_eq!(db.exclusions().expect("list").len(), 1);
    }
}
