//! The listening pass's store: what the learned ear heard per track
//! (`track_listening`), which tracks it still has to hear, and its
//! progress. Results are written a batch per transaction, so a kill loses
//! at most the batch in flight and never leaves half a row.

use std::collections::HashMap;
use std::path::PathBuf;

use rusqlite::params;

use super::{key_path, now, Db};
use crate::error::Result;

pub use playgenie_models::listener::Listening;

/// The setting that says which listener's results the genie's catalogue
/// carries (set when that listener's first pass over the library ends, so
/// the model's inputs change once, not with every batch).
const EAR_SETTING: &str = "ear.version";

/// A track the listening pass still has to hear.
#[derive(Debug, Clone)]
pub struct ToListen {
    pub id: i64,
    pub path: PathBuf,
    pub fingerprint: String,
}

/// One track's outcome, as the pass stores it.
#[derive(Debug, Clone)]
pub enum Listened {
    Heard {
        listening: Listening,
        patches: usize,
        /// Display tags, strongest first.
        top_tags: Vec<String>,
    },
    Failed(String),
}

/// How far the pass is: tracks heard (or failed) by the current listener,
/// and tracks there are to hear.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ListeningProgress {
    pub done: usize,
    pub failed: usize,
    pub total: usize,
}

fn to_blob(values: &[f32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

pub(super) fn from_blob(bytes: &[u8]) -> Vec<f32> {
    bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect()
}

/// Tracks the pass is about: present, analysed files.
const LISTENABLE: &str =
    "t.status = 'ok' AND EXISTS (SELECT 1 FROM track_features f WHERE f.track_id = t.id)";

impl Db {
    /// Up to `limit` tracks without a current result of listener `version`
    /// (never heard, heard by an older listener, or changed since), in id
    /// order.
    pub fn tracks_to_listen(&self, version: u32, limit: usize) -> Result<Vec<ToListen>> {
        let sql = format!(
            "SELECT t.id, t.path, t.fingerprint FROM tracks t
             LEFT JOIN track_listening l ON l.track_id = t.id
             WHERE {LISTENABLE}
               AND (l.track_id IS NULL OR l.version != ?1 OR l.fingerprint != t.fingerprint)
             ORDER BY t.id LIMIT ?2"
        );
        let mut stmt = self.conn.prepare(&sql).map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![version, limit as i64], |r| {
                Ok(ToListen {
                    id: r.get(0)?,
                    path: key_path(&r.get::<_, Vec<u8>>(1)?),
                    fingerprint: r.get(2)?,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<_>>()
            .map_err(|e| self.err(e))
    }

    /// Stores a batch of results of listener `version` in one transaction.
    /// A result for a track whose file changed (or that went away) while
    /// it was being heard is dropped: the next round hears the new file.
    pub fn store_listening(&self, version: u32, batch: &[(ToListen, Listened)]) -> Result<()> {
        let tx = self.write_transaction()?;
        {
            let mut stmt = tx
                .prepare_cached(
                    "INSERT INTO track_listening
                       (track_id, version, fingerprint, patches, msd, mtt, embedding, top_tags,
                        error, listened_at)
                     SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10
                     WHERE EXISTS (SELECT 1 FROM tracks WHERE id = ?1 AND fingerprint = ?3)
                     ON CONFLICT (track_id) DO UPDATE SET version = excluded.version,
                       fingerprint = excluded.fingerprint, patches = excluded.patches,
                       msd = excluded.msd, mtt = excluded.mtt, embedding = excluded.embedding,
                       top_tags = excluded.top_tags, error = excluded.error,
                       listened_at = excluded.listened_at",
                )
                .map_err(|e| self.err(e))?;
            let at = now();
            for (track, outcome) in batch {
                let result = match outcome {
                    Listened::Heard {
                        listening,
                        patches,
                        top_tags,
                    } => stmt.execute(params![
                        track.id,
                        version,
                        track.fingerprint,
                        *patches as i64,
                        to_blob(&listening.msd),
                        to_blob(&listening.mtt),
                        to_blob(&listening.embedding),
                        top_tags.join(","),
                        Option::<String>::None,
                        at
                    ]),
                    Listened::Failed(why) => stmt.execute(params![
                        track.id,
                        version,
                        track.fingerprint,
                        0i64,
                        Option::<Vec<u8>>::None,
                        Option::<Vec<u8>>::None,
                        Option::<Vec<u8>>::None,
                        "",
                        why,
                        at
                    ]),
                };
                result.map_err(|e| self.err(e))?;
            }
        }
        tx.commit().map_err(|e| self.err(e))
    }

    /// The pass's progress for listener `version`.
    pub fn listening_progress(&self, version: u32) -> Result<ListeningProgress> {
        let sql = format!(
            "SELECT count(*),
                    count(l.track_id),
                    count(l.error)
             FROM tracks t
             LEFT JOIN track_listening l
               ON l.track_id = t.id AND l.version = ?1 AND l.fingerprint = t.fingerprint
             WHERE {LISTENABLE}"
        );
        self.conn
            .query_row(&sql, params![version], |r| {
                Ok(ListeningProgress {
                    total: r.get::<_, i64>(0)? as usize,
                    done: r.get::<_, i64>(1)? as usize,
                    failed: r.get::<_, i64>(2)? as usize,
                })
            })
            .map_err(|e| self.err(e))
    }

    /// Whether the genie's catalogue carries listener `version`'s columns.
    pub fn ear_in_use(&self, version: u32) -> Result<bool> {
        Ok(self
            .setting(EAR_SETTING)?
            .is_some_and(|v| v == version.to_string()))
    }

    /// From now on the catalogue carries listener `version`'s columns.
    pub fn use_ear(&self, version: u32) -> Result<()> {
        self.set_setting(EAR_SETTING, &version.to_string())
    }

    /// Every current result of listener `version`, by track id.
    pub fn listening(&self, version: u32) -> Result<HashMap<i64, Listening>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT l.track_id, l.msd, l.mtt, l.embedding FROM track_listening l
                 JOIN tracks t ON t.id = l.track_id AND t.fingerprint = l.fingerprint
                 WHERE l.version = ?1 AND l.error IS NULL",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![version], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    Listening {
                        msd: from_blob(&r.get::<_, Vec<u8>>(1)?),
                        mtt: from_blob(&r.get::<_, Vec<u8>>(2)?),
                        embedding: from_blob(&r.get::<_, Vec<u8>>(3)?),
                    },
                ))
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<_>>()
            .map_err(|e| self.err(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blobs_round_trip() {
        let v = vec![0.25f32, -1.5, 3.0e-7];
        assert_eq!(from_blob(&to_blob(&v)), v);
    }
}
