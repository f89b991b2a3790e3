//! What the model learns from, read in bulk: analysed tracks with their
//! features, user playlists, and plays.

use rusqlite::params;

use super::listening::{from_blob, Listening};
use super::{key_path, Db};
use crate::analysis::FeatureVector;
use crate::error::Result;
use playgenie_models::listener::LISTENER_VERSION;

/// A library track with what the model and the explanations need.
#[derive(Debug, Clone)]
pub struct ModelTrack {
    pub id: i64,
    pub title: String,
    pub artist: String,
    pub album_artist: Option<String>,
    pub album: String,
    pub disc_no: Option<u32>,
    pub track_no: Option<u32>,
    pub duration_s: Option<f64>,
    /// The genre tag of the file.
    pub genre: Option<String>,
    /// The folder the file is in.
    pub folder: std::path::PathBuf,
    pub features: FeatureVector,
    /// What the learned ear heard, when the current listener has.
    pub listening: Option<Listening>,
    /// The title or the artist was guessed from the path, not tagged.
    pub names_guessed: bool,
}

/// A play, as the model sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ModelPlay {
    pub track_id: i64,
    pub started_at_ms: i64,
    pub listened_ms: u64,
    /// The listener moved on before the end.
    pub skipped: bool,
    /// Played to the end.
    pub finished: bool,
    /// The track's length when the play was recorded.
    pub duration_ms: Option<u64>,
    /// The playlist it was played from.
    pub playlist_id: Option<i64>,
}

/// A playlist's entries for the model: track ids in order, and whether each
/// was kept from a suggestion.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelPlaylist {
    pub id: i64,
    pub tracks: Vec<i64>,
    pub kept: Vec<bool>,
}

impl Db {
    /// Every available track with current features, by id.
    pub fn model_tracks(&self) -> Result<Vec<ModelTrack>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT t.id, t.title, t.artist, t.album_artist, t.album, t.disc_no, t.track_no,
                        t.duration_s, t.path, f.vector, l.msd, l.mtt, l.embedding, t.genre,
                        t.guessed
                 FROM tracks t JOIN track_features f ON f.track_id = t.id
                 LEFT JOIN track_listening l ON l.track_id = t.id AND l.version = ?2
                   AND l.fingerprint = t.fingerprint AND l.error IS NULL
                 WHERE t.status = 'ok' AND f.version = ?1
                 ORDER BY t.id",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(
                params![crate::analysis::FEATURE_VERSION, LISTENER_VERSION],
                |r| {
                    let raw: Vec<u8> = r.get(8)?;
                    let blobs: [Option<Vec<u8>>; 3] = [r.get(10)?, r.get(11)?, r.get(12)?];
                    let listening = match blobs {
                        [Some(msd), Some(mtt), Some(embedding)] => Some(Listening {
                            msd: from_blob(&msd),
                            mtt: from_blob(&mtt),
                            embedding: from_blob(&embedding),
                        })
                        .filter(Listening::is_whole),
                        _ => None,
                    };
                    let vector: String = r.get(9)?;
                    let guessed: String = r.get(14)?;
                    // A vector that no longer parses is skipped (the next scan
                    // recomputes it).
                    let Ok(features) = serde_json::from_str::<FeatureVector>(&vector) else {
                        return Ok(None);
                    };
                    Ok(Some(ModelTrack {
                        id: r.get(0)?,
                        title: r.get(1)?,
                        artist: r.get(2)?,
                        album_artist: r.get(3)?,
                        album: r.get(4)?,
                        disc_no: r.get(5)?,
                        track_no: r.get(6)?,
                        duration_s: r.get(7)?,
                        genre: r.get(13)?,
                        folder: key_path(&raw)
                            .parent()
                            .map(|p| p.to_path_buf())
                            .unwrap_or_default(),
                        features,
                        listening,
                        names_guessed: guessed.split(',').any(|g| g == "title" || g == "artist"),
                    }))
                },
            )
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for row in rows {
            out.extend(row.map_err(|e| self.err(e))?);
        }
        Ok(out)
    }

    /// The ids [`model_tracks`](Self::model_tracks) would return, without
    /// reading the feature vectors (to check whether a model still fits).
    pub fn model_track_ids(&self) -> Result<Vec<i64>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT t.id FROM tracks t JOIN track_features f ON f.track_id = t.id
                 WHERE t.status = 'ok' AND f.version = ?1 ORDER BY t.id",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![crate::analysis::FEATURE_VERSION], |r| r.get(0))
            .map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<_>>()
            .map_err(|e| self.err(e))
    }

    /// Every user playlist's tracks, in order, with which were kept from
    /// suggestions.
    pub fn playlist_track_lists(&self) -> Result<Vec<ModelPlaylist>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT playlist_id, track_id, origin = 'suggestion' FROM playlist_entries
                 ORDER BY playlist_id, position",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, bool>(2)?,
                ))
            })
            .map_err(|e| self.err(e))?;
        let mut out: Vec<ModelPlaylist> = Vec::new();
        for row in rows {
            let (playlist, track, kept) = row.map_err(|e| self.err(e))?;
            match out.last_mut() {
                Some(p) if p.id == playlist => {
                    p.tracks.push(track);
                    p.kept.push(kept);
                }
                _ => out.push(ModelPlaylist {
                    id: playlist,
                    tracks: vec![track],
                    kept: vec![kept],
                }),
            }
        }
        Ok(out)
    }

    /// Every (playlist, track) whose suggestion the listener removed.
    pub fn removed_suggestions_everywhere(&self) -> Result<Vec<(i64, i64)>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT DISTINCT playlist_id, track_id FROM suggestion_feedback
                 WHERE action = 'removed' AND playlist_id IS NOT NULL ORDER BY playlist_id, track_id",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<_>>()
            .map_err(|e| self.err(e))
    }

    /// Every play of a library track, oldest first.
    pub fn model_plays(&self) -> Result<Vec<ModelPlay>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT track_id, started_at_ms, listened_ms, end_reason, duration_ms, playlist_id
                 FROM plays WHERE track_id IS NOT NULL ORDER BY started_at_ms, id",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                let reason: String = r.get(3)?;
                Ok(ModelPlay {
                    track_id: r.get(0)?,
                    started_at_ms: r.get(1)?,
                    listened_ms: r.get::<_, i64>(2)?.max(0) as u64,
                    skipped: reason == "skipped",
                    finished: reason == "finished",
                    duration_ms: r
                        .get::<_, Option<i64>>(4)?
                        .filter(|d| *d > 0)
                        .map(|d| d as u64),
                    playlist_id: r.get(5)?,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<_>>()
            .map_err(|e| self.err(e))
    }
}

/// What the listener did with a suggestion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Feedback {
    /// Kept: added to the playlist.
    Kept,
    /// Removed: never suggested for that playlist again.
    Removed,
}

impl Feedback {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Kept => "kept",
            Self::Removed => "removed",
        }
    }
}

impl Db {
    /// Records what the listener did with a suggestion.
    pub fn record_feedback(
        &self,
        playlist_id: Option<i64>,
        track_id: i64,
        action: Feedback,
        model_version: Option<u32>,
    ) -> Result<()> {
        self.conn
            .execute(
                "INSERT INTO suggestion_feedback (playlist_id, track_id, action, model_version, at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    playlist_id,
                    track_id,
                    action.as_str(),
                    model_version,
                    super::now()
                ],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Tracks the listener removed from this playlist's suggestions.
    pub fn removed_suggestions(&self, playlist_id: i64) -> Result<Vec<i64>> {
        let mut stmt = self
            .conn
            .prepare("SELECT DISTINCT track_id FROM suggestion_feedback WHERE playlist_id = ?1 AND action = 'removed'")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![playlist_id], |r| r.get(0))
            .map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<_>>()
            .map_err(|e| self.err(e))
    }
}

impl Db {
    /// New evidence since `since` (unix seconds): plays in PlayGenie that
    /// were heard 30 s or more, to the end, or skipped, and kept or removed
    /// suggestions.
    pub fn evidence_since(&self, since: i64) -> Result<usize> {
        self.conn
            .query_row(
                "SELECT (SELECT count(*) FROM plays WHERE imported_from IS NULL AND started_at_ms >= ?1 * 1000
                           AND (listened_ms >= 30000 OR end_reason IN ('skipped', 'finished')))
                      + (SELECT count(*) FROM suggestion_feedback WHERE at >= ?1)",
                params![since],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n.max(0) as usize)
            .map_err(|e| self.err(e))
    }
}
