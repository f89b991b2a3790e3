//! What the engagement figures count: PlayGenie's own plays (whether each
//! came from a suggestion) and the listener's answers to suggestions.

use rusqlite::params;

use super::Db;
use crate::error::Result;

/// A play in PlayGenie (imports are not), as the engagement figures see it.
#[derive(Debug, Clone, PartialEq)]
pub struct EngagedPlay {
    /// `YYYY-MM-DD` in the offset asked for.
    pub day: String,
    pub started_at_ms: i64,
    pub listened_ms: u64,
    /// The listener moved on before the end.
    pub skipped: bool,
    /// Started from a suggestion, or a playlist entry kept from one.
    pub suggested: bool,
}

/// One answer to a suggestion.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FeedbackRow {
    /// Unix seconds.
    pub at: i64,
    pub kept: bool,
    /// The model version that suggested it (`None`: the cold start).
    pub model_version: Option<u32>,
}

impl Db {
    /// Every play made in PlayGenie, oldest first, with its day cut at
    /// local midnight given `utc_offset_s`.
    pub fn engaged_plays(&self, utc_offset_s: i32) -> Result<Vec<EngagedPlay>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT date((p.started_at_ms / 1000) + ?1, 'unixepoch'), p.started_at_ms,
                        p.listened_ms, p.end_reason = 'skipped',
                        p.source = 'suggestion' OR EXISTS (
                            SELECT 1 FROM playlist_entries e
                            WHERE e.playlist_id = p.playlist_id AND e.track_id = p.track_id
                              AND e.origin = 'suggestion')
                 FROM plays p WHERE p.imported_from IS NULL
                 ORDER BY p.started_at_ms, p.id",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![utc_offset_s], |r| {
                Ok(EngagedPlay {
                    day: r.get(0)?,
                    started_at_ms: r.get(1)?,
                    listened_ms: r.get::<_, i64>(2)?.max(0) as u64,
                    skipped: r.get(3)?,
                    suggested: r.get(4)?,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<_>>()
            .map_err(|e| self.err(e))
    }

    /// Every kept or removed suggestion, oldest first.
    pub fn feedback_rows(&self) -> Result<Vec<FeedbackRow>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT at, action = 'kept', model_version FROM suggestion_feedback
                 ORDER BY at, id",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok(FeedbackRow {
                    at: r.get(0)?,
                    kept: r.get(1)?,
                    model_version: r.get(2)?,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<_>>()
            .map_err(|e| self.err(e))
    }
}
