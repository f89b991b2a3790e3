//! The listening history: one row per play, written when a play ends, and
//! the summaries the history view shows.

use rusqlite::params;
use serde::{Deserialize, Serialize};

use super::Db;
use crate::error::Result;

/// How a play ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum EndReason {
    /// Played to the end.
    Finished,
    /// The listener moved on (next, previous, another track) before the end.
    Skipped,
    /// Playback stopped (stop, the app closed) before the end.
    Stopped,
    /// A play imported from another service (how it ended is unknown).
    Imported,
}

impl EndReason {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Finished => "finished",
            Self::Skipped => "skipped",
            Self::Stopped => "stopped",
            Self::Imported => "imported",
        }
    }
}

/// Where a play was started from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum PlaySource {
    #[default]
    Library,
    Playlist,
    Suggestion,
    Queue,
    Import,
}

impl PlaySource {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Library => "library",
            Self::Playlist => "playlist",
            Self::Suggestion => "suggestion",
            Self::Queue => "queue",
            Self::Import => "import",
        }
    }
}

/// A play to record.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct NewPlay {
    pub track_id: Option<i64>,
    pub artist: String,
    pub title: String,
    pub started_at_ms: i64,
    pub listened_ms: u64,
    pub end_reason: EndReason,
    pub end_position_ms: Option<u64>,
    pub duration_ms: Option<u64>,
    pub source: PlaySource,
    pub playlist_id: Option<i64>,
    /// The service an imported play came from.
    pub imported_from: Option<String>,
}

/// A recorded play, as the history table shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PlayRow {
    pub id: i64,
    pub track_id: Option<i64>,
    pub artist: String,
    pub title: String,
    pub started_at_ms: i64,
    pub listened_ms: u64,
    pub end_reason: String,
    pub end_position_ms: Option<u64>,
    pub duration_ms: Option<u64>,
    pub source: String,
    pub playlist: Option<String>,
    pub imported_from: Option<String>,
}

/// Listening time on one day.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DayTotal {
    /// `YYYY-MM-DD`, in the offset the caller asked for.
    pub day: String,
    pub listened_ms: u64,
    pub plays: u64,
}

/// A track and how much it was played.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MostPlayed {
    pub track_id: Option<i64>,
    pub artist: String,
    pub title: String,
    pub plays: u64,
    pub listened_ms: u64,
}

/// Rows per transaction of [`Db::record_plays`]: a few milliseconds of
/// writing, so other writers wait far less than their busy timeout.
pub const PLAYS_PER_TRANSACTION: usize = 2000;

impl Db {
    /// Records plays, in transactions of at most [`PLAYS_PER_TRANSACTION`]
    /// rows so that a long import never holds the database past another
    /// writer's busy timeout (the app's scan or playlist edits go on
    /// beside it). Imported plays already recorded (same service, time,
    /// artist and title) are skipped, so an import stopped midway is
    /// finished by running it again; returns how many rows were added.
    pub fn record_plays(&self, plays: &[NewPlay]) -> Result<usize> {
        let mut added = 0;
        for chunk in plays.chunks(PLAYS_PER_TRANSACTION) {
            added += self.record_plays_at_once(chunk)?;
        }
        Ok(added)
    }

    fn record_plays_at_once(&self, plays: &[NewPlay]) -> Result<usize> {
        let tx = self.write_transaction()?;
        let mut added = 0;
        {
            let mut insert = tx
                .prepare_cached(
                    "INSERT OR IGNORE INTO plays (track_id, artist, title, started_at_ms, listened_ms,
                        end_reason, end_position_ms, duration_ms, source, playlist_id, imported_from)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9,
                        (SELECT id FROM playlists WHERE id = ?10), ?11)",
                )
                .map_err(|e| self.err(e))?;
            let ms = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
            for play in plays {
                added += insert
                    .execute(params![
                        play.track_id,
                        play.artist,
                        play.title,
                        play.started_at_ms,
                        ms(play.listened_ms),
                        play.end_reason.as_str(),
                        play.end_position_ms.map(ms),
                        play.duration_ms.map(ms),
                        play.source.as_str(),
                        play.playlist_id,
                        play.imported_from,
                    ])
                    .map_err(|e| self.err(e))?;
            }
        }
        tx.commit().map_err(|e| self.err(e))?;
        Ok(added)
    }

    /// The most recent plays, newest first.
    pub fn recent_plays(&self, limit: usize) -> Result<Vec<PlayRow>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT p.id, p.track_id, p.artist, p.title, p.started_at_ms, p.listened_ms,
                        p.end_reason, p.end_position_ms, p.duration_ms, p.source, l.name, p.imported_from
                 FROM plays p LEFT JOIN playlists l ON l.id = p.playlist_id
                 ORDER BY p.started_at_ms DESC, p.id DESC LIMIT ?1",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![limit as i64], |r| {
                Ok(PlayRow {
                    id: r.get(0)?,
                    track_id: r.get(1)?,
                    artist: r.get(2)?,
                    title: r.get(3)?,
                    started_at_ms: r.get(4)?,
                    listened_ms: r.get::<_, i64>(5)?.max(0) as u64,
                    end_reason: r.get(6)?,
                    end_position_ms: r.get::<_, Option<i64>>(7)?.map(|v| v.max(0) as u64),
                    duration_ms: r.get::<_, Option<i64>>(8)?.map(|v| v.max(0) as u64),
                    source: r.get(9)?,
                    playlist: r.get(10)?,
                    imported_from: r.get(11)?,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<_>>()
            .map_err(|e| self.err(e))
    }

    /// Listening time per day over the last `days` days, oldest first; days
    /// are cut at local midnight given `utc_offset_s`.
    pub fn listening_by_day(&self, days: u32, utc_offset_s: i32) -> Result<Vec<DayTotal>> {
        let since_ms = (super::now() - i64::from(days) * 86_400) * 1000;
        let mut stmt = self
            .conn
            .prepare(
                "SELECT date((started_at_ms / 1000) + ?2, 'unixepoch') AS day,
                        sum(listened_ms), count(*)
                 FROM plays WHERE started_at_ms >= ?1
                 GROUP BY day ORDER BY day",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![since_ms, utc_offset_s], |r| {
                Ok(DayTotal {
                    day: r.get(0)?,
                    listened_ms: r.get::<_, i64>(1)?.max(0) as u64,
                    plays: r.get::<_, i64>(2)?.max(0) as u64,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<_>>()
            .map_err(|e| self.err(e))
    }

    /// The tracks played most (by number of plays, then time), at most
    /// `limit`.
    pub fn most_played(&self, limit: usize) -> Result<Vec<MostPlayed>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT track_id, artist, title, count(*) AS n, sum(listened_ms) AS ms
                 FROM plays GROUP BY coalesce(track_id, artist || char(31) || title)
                 ORDER BY n DESC, ms DESC LIMIT ?1",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![limit as i64], |r| {
                Ok(MostPlayed {
                    track_id: r.get(0)?,
                    artist: r.get(1)?,
                    title: r.get(2)?,
                    plays: r.get::<_, i64>(3)?.max(0) as u64,
                    listened_ms: r.get::<_, i64>(4)?.max(0) as u64,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<_>>()
            .map_err(|e| self.err(e))
    }

    /// Start times (ms) of every play, oldest first: the input of
    /// [`crate::history::sessions`].
    pub fn play_times(&self) -> Result<Vec<(i64, u64)>> {
        let mut stmt = self
            .conn
            .prepare("SELECT started_at_ms, listened_ms FROM plays ORDER BY started_at_ms")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get::<_, i64>(1)?.max(0) as u64)))
            .map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<_>>()
            .map_err(|e| self.err(e))
    }
}
