//! Smart playlists: their stored definitions, and the facts their rules
//! read for every available track in one query.

use rusqlite::{params, OptionalExtension};

use super::Db;
use crate::error::{Error, Result};
use crate::smart::TrackFacts;

/// A stored smart playlist: its definition as JSON (`smart::SmartSpec`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmartRow {
    pub id: i64,
    pub name: String,
    pub spec: String,
    pub updated_at: i64,
}

impl Db {
    /// Saves smart playlist `name` (a new one, or replacing the rules of
    /// the one of that name); returns its id.
    pub fn save_smart(&self, name: &str, spec: &str) -> Result<i64> {
        let now = super::now();
        self.conn
            .execute(
                "INSERT INTO smart_playlists (name, spec, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?3)
                 ON CONFLICT (name) DO UPDATE SET spec = excluded.spec, updated_at = excluded.updated_at",
                params![name, spec, now],
            )
            .map_err(|e| self.err(e))?;
        self.conn
            .query_row(
                "SELECT id FROM smart_playlists WHERE name = ?1",
                params![name],
                |r| r.get(0),
            )
            .map_err(|e| self.err(e))
    }

    /// Every smart playlist, by name.
    pub fn smart_playlists(&self) -> Result<Vec<SmartRow>> {
        let mut stmt = self
            .conn
            .prepare("SELECT id, name, spec, updated_at FROM smart_playlists ORDER BY name COLLATE NOCASE")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok(SmartRow {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    spec: r.get(2)?,
                    updated_at: r.get(3)?,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<_>>()
            .map_err(|e| self.err(e))
    }

    /// The smart playlist named `name` (any case) or with id `name`.
    pub fn find_smart(&self, name: &str) -> Result<SmartRow> {
        let by_id: Option<i64> = name.trim().parse().ok();
        let row = self
            .conn
            .query_row(
                "SELECT id, name, spec, updated_at FROM smart_playlists
                 WHERE name = ?1 COLLATE NOCASE OR id = ?2 ORDER BY name = ?1 DESC LIMIT 1",
                params![name, by_id],
                |r| {
                    Ok(SmartRow {
                        id: r.get(0)?,
                        name: r.get(1)?,
                        spec: r.get(2)?,
                        updated_at: r.get(3)?,
                    })
                },
            )
            .optional()
            .map_err(|e| self.err(e))?;
        row.ok_or_else(|| {
            Error::Invalid(format!(
                "there is no smart playlist \"{name}\"; `playgenie smart list` shows them"
            ))
        })
    }

    /// Deletes smart playlist `id`; `false` when there was none.
    pub fn delete_smart(&self, id: i64) -> Result<bool> {
        let n = self
            .conn
            .execute("DELETE FROM smart_playlists WHERE id = ?1", params![id])
            .map_err(|e| self.err(e))?;
        Ok(n > 0)
    }

    /// What the rules read of every available track: tags, the analysis,
    /// the learned ear's top tags, when it was added and its plays.
    pub fn track_facts(&self) -> Result<Vec<TrackFacts>> {
        let rows = self.track_query(
            "json_extract(f.vector, '$.tempo_bpm'), json_extract(f.vector, '$.key'),
             json_extract(f.vector, '$.mode'), json_extract(f.vector, '$.loudness_lufs'),
             t.added_at,
             (SELECT count(*) FROM plays p WHERE p.track_id = t.id),
             (SELECT count(*) FROM plays p WHERE p.track_id = t.id AND p.end_reason = 'skipped'),
             (SELECT max(started_at_ms) FROM plays p WHERE p.track_id = t.id)",
            None,
            |r, common| {
                let n = super::COMMON_COLUMNS;
                let tempo: Option<f64> = r.get(n)?;
                let loudness: Option<f64> = r.get(n + 3)?;
                Ok((
                    common.status == "ok",
                    TrackFacts {
                        id: common.id,
                        title: common.tags.title,
                        artist: common.tags.artist,
                        album_artist: common.tags.album_artist,
                        album: common.tags.album,
                        disc_no: common.tags.disc_no,
                        track_no: common.tags.track_no,
                        genre: common.tags.genre,
                        sound_tags: common.sound_tags,
                        year: common.tags.year,
                        tempo_bpm: tempo.map(|t| t as f32),
                        key: r.get(n + 1)?,
                        mode: r.get(n + 2)?,
                        loudness_lufs: loudness.map(|l| l as f32),
                        duration_s: common.tags.duration_s,
                        added_at: r.get(n + 4)?,
                        plays: r.get::<_, i64>(n + 5)?.max(0) as u32,
                        skips: r.get::<_, i64>(n + 6)?.max(0) as u32,
                        last_played_ms: r.get(n + 7)?,
                    },
                ))
            },
        )?;
        Ok(rows
            .into_iter()
            .filter(|(ok, _)| *ok)
            .map(|(_, t)| t)
            .collect())
    }
}
