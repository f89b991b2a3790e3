//! Listening history beyond single rows: sessions, and importing plays
//! from ListenBrainz and Last.fm exports.

use std::collections::HashMap;
use std::path::Path;

use playgenie_formats::history::{self as formats, Listen, Service};
use playgenie_formats::normalize::{artist_key, fold, title_key};
use playgenie_formats::Problem;
use serde::Serialize;

use crate::db::{Db, EndReason, NewPlay, PlaySource, TrackMatch};
use crate::error::{Error, Result};

/// A listening session: plays with gaps under [`SESSION_GAP_MS`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Session {
    pub start_ms: i64,
    pub end_ms: i64,
    pub plays: usize,
    pub listened_ms: u64,
}

/// A gap longer than this starts a new session (30 minutes).
pub const SESSION_GAP_MS: i64 = 30 * 60 * 1000;

/// Groups plays (`(started_at_ms, listened_ms)`, oldest first) into
/// sessions: a play starting more than 30 minutes after the previous one
/// ended opens a new session.
pub fn sessions(plays: &[(i64, u64)]) -> Vec<Session> {
    let mut out: Vec<Session> = Vec::new();
    for &(start, listened) in plays {
        let end = start.saturating_add(i64::try_from(listened).unwrap_or(i64::MAX));
        match out.last_mut() {
            Some(session) if start.saturating_sub(session.end_ms) <= SESSION_GAP_MS => {
                session.end_ms = session.end_ms.max(end);
                session.plays += 1;
                session.listened_ms = session.listened_ms.saturating_add(listened);
            }
            _ => out.push(Session {
                start_ms: start,
                end_ms: end,
                plays: 1,
                listened_ms: listened,
            }),
        }
    }
    out
}

/// What a history import did.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "HistoryImportReport"))]
pub struct ImportReport {
    pub service: &'static str,
    /// Listens in the file.
    pub listens: usize,
    /// Listens matched to a library track.
    pub matched: usize,
    /// Plays added (a listen imported before is not added again).
    pub added: usize,
    /// Listens without a library track: artist – title, and how often.
    pub unmatched: Vec<(String, usize)>,
    /// Lines that could not be read.
    pub problems: Vec<Problem>,
}

/// Imports a ListenBrainz or Last.fm export: each listen is matched to a
/// library track by artist and title (folded: case, accents, "feat.",
/// "(Remastered)"), using album and duration to choose between several
/// candidates. Unmatched listens are reported, not stored.
pub fn import(db: &Db, file: &Path) -> Result<ImportReport> {
    let bytes = crate::fsio::read_limited(
        file,
        playgenie_formats::MAX_INPUT_BYTES as u64,
        "history export",
    )?;
    let service = Service::detect(&bytes);
    let parsed = formats::parse(&bytes, service).map_err(|source| Error::Format {
        path: file.to_path_buf(),
        source,
    })?;
    let index = MatchIndex::new(db.tracks_for_matching()?);
    let mut plays = Vec::new();
    let mut unmatched: HashMap<String, usize> = HashMap::new();
    let mut problems = parsed.problems;
    for listen in &parsed.listens {
        let Some(started_at_ms) = listen.at.checked_mul(1000) else {
            problems.push(Problem {
                line: listen.line,
                text: format!("{} – {}", listen.artist, listen.title),
                message: format!("{} is not a time PlayGenie can store", listen.at),
            });
            continue;
        };
        match index.find(listen) {
            Some(track) => plays.push(NewPlay {
                track_id: Some(track.id),
                artist: track.artist.clone(),
                title: track.title.clone(),
                started_at_ms,
                listened_ms: listen.duration_ms.or(track.duration_ms).unwrap_or(0),
                end_reason: EndReason::Imported,
                end_position_ms: None,
                duration_ms: track.duration_ms,
                source: PlaySource::Import,
                playlist_id: None,
                imported_from: Some(service.as_str().to_owned()),
            }),
            None => {
                *unmatched
                    .entry(format!("{} – {}", listen.artist, listen.title))
                    .or_default() += 1
            }
        }
    }
    let added = db.record_plays(&plays)?;
    if added > 0 {
        if let Err(err) = db.backup() {
            tracing::warn!(%err, "cannot back up the database after the import");
        }
    }
    let mut unmatched: Vec<(String, usize)> = unmatched.into_iter().collect();
    unmatched.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    tracing::info!(file = %file.display(), listens = parsed.listens.len(), matched = plays.len(), added, "history imported");
    Ok(ImportReport {
        service: service.as_str(),
        listens: parsed.listens.len(),
        matched: plays.len(),
        added,
        unmatched,
        problems,
    })
}

/// Library tracks by folded artist and title.
struct MatchIndex {
    by_key: HashMap<(String, String), Vec<TrackMatch>>,
}

impl MatchIndex {
    fn new(tracks: Vec<TrackMatch>) -> Self {
        let mut by_key: HashMap<(String, String), Vec<TrackMatch>> = HashMap::new();
        for track in tracks {
            let title = title_key(&track.title);
            let mut artists = vec![artist_key(&track.artist)];
            if let Some(album_artist) = &track.album_artist {
                artists.push(artist_key(album_artist));
            }
            artists.dedup();
            for artist in artists {
                by_key
                    .entry((artist, title.clone()))
                    .or_default()
                    .push(track.clone());
            }
        }
        Self { by_key }
    }

    /// The best candidate: same album first, then the closest duration.
    fn find(&self, listen: &Listen) -> Option<&TrackMatch> {
        let candidates = self
            .by_key
            .get(&(artist_key(&listen.artist), title_key(&listen.title)))?;
        let album = listen.album.as_deref().map(fold);
        candidates.iter().min_by_key(|t| {
            let other_album = album.as_ref().is_some_and(|a| *a != fold(&t.album));
            let duration_gap = match (listen.duration_ms, t.duration_ms) {
                (Some(a), Some(b)) => a.abs_diff(b),
                _ => 0,
            };
            (other_album, duration_gap, t.id)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_gap_over_thirty_minutes_starts_a_session() {
        let min = 60_000;
        let plays = [
            (0, 3 * min as u64),
            (4 * min, 3 * min as u64),
            (40 * min, min as u64),
        ];
        let found = sessions(&plays);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].plays, 2);
        assert_eq!(found[0].end_ms, 7 * min);
        assert_eq!(found[1].start_ms, 40 * min);
    }

    #[test]
    fn matching_prefers_the_same_album_then_the_closest_length() {
        let track = |id, album: &str, ms| TrackMatch {
            id,
            artist: "The Band".into(),
            album_artist: None,
            title: "Song".into(),
            album: album.into(),
            duration_ms: Some(ms),
        };
        let index = MatchIndex::new(vec![
            track(1, "Live", 300_000),
            track(2, "Studio", 200_000),
            track(3, "Best of", 201_000),
        ]);
        let listen = |album: Option<&str>, ms| Listen {
            line: 1,
            at: 0,
            artist: "band".into(),
            title: "SONG (Remastered)".into(),
            album: album.map(str::to_owned),
            duration_ms: ms,
        };
        assert_eq!(
            index.find(&listen(Some("studio"), None)).map(|t| t.id),
            Some(2)
        );
        assert_eq!(
            index.find(&listen(None, Some(300_500))).map(|t| t.id),
            Some(1)
        );
        assert_eq!(
            index
                .find(&Listen {
                    artist: "Other".into(),
                    ..listen(None, None)
                })
                .map(|t| t.id),
            None
        );
    }
}
