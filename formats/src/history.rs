//! Listening history exported from other services, read into [`Listen`]s:
//!
//! * ListenBrainz: the JSON array from "Export listens" (or the JSON Lines
//!   files of the full export), each listen
//!   `{"listened_at": 1700000000, "track_metadata": {"artist_name", "track_name",
//!   "release_name", "additional_info": {"duration_ms"}}}`.
//! * Last.fm scrobbles as CSV: with a header naming the columns (artist,
//!   album, track/title, and uts/timestamp/date/utc_time), or the common
//!   header-less `artist,album,title,date` with dates like `31 Jan 2021 12:34`.

use serde_json::Value;
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime};

use crate::text::{self, numbered_lines};
use crate::{check_size, FormatError, Problem};

/// Which service a history file came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Service {
    ListenBrainz,
    LastFm,
}

impl Service {
    /// The name stored with imported plays.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ListenBrainz => "listenbrainz",
            Self::LastFm => "lastfm",
        }
    }

    /// A JSON file is ListenBrainz, anything else is read as Last.fm CSV.
    pub fn detect(bytes: &[u8]) -> Self {
        let (head, _) = text::decode(&bytes[..bytes.len().min(256)]);
        match head.trim_start().chars().next() {
            Some('[' | '{') => Self::ListenBrainz,
            _ => Self::LastFm,
        }
    }
}

/// One listen from another service.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Listen {
    /// 1-based line (or array position) in the file.
    pub line: usize,
    /// When it was played, unix seconds (UTC).
    pub at: i64,
    pub artist: String,
    pub title: String,
    pub album: Option<String>,
    pub duration_ms: Option<u64>,
}

/// What a history file held.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ParsedHistory {
    pub listens: Vec<Listen>,
    pub problems: Vec<Problem>,
}

/// Parses a history export of `service`.
pub fn parse(bytes: &[u8], service: Service) -> Result<ParsedHistory, FormatError> {
    check_size(bytes)?;
    match service {
        Service::ListenBrainz => parse_listenbrainz(bytes),
        Service::LastFm => Ok(parse_lastfm_csv(bytes)),
    }
}

fn parse_listenbrainz(bytes: &[u8]) -> Result<ParsedHistory, FormatError> {
    let (text, _) = text::decode(bytes);
    let mut parsed = ParsedHistory::default();
    if text.trim_start().starts_with('[') {
        let items: Vec<Value> =
            serde_json::from_str(&text).map_err(|err| FormatError::NotThisFormat {
                expected: "ListenBrainz JSON",
                reason: format!("line {}: {err}", err.line()),
            })?;
        for (i, item) in items.iter().enumerate() {
            read_listen(i + 1, item, &mut parsed);
        }
    } else {
        // JSON Lines: one listen per line; a bad line is reported, the
        // rest read.
        for (line, raw) in numbered_lines(&text) {
            if raw.trim().is_empty() {
                continue;
            }
            match serde_json::from_str::<Value>(raw) {
                Ok(item) => read_listen(line, &item, &mut parsed),
                Err(err) => {
                    parsed
                        .problems
                        .push(Problem::new(line, raw, format!("not JSON: {err}")))
                }
            }
        }
    }
    Ok(parsed)
}

fn read_listen(line: usize, item: &Value, parsed: &mut ParsedHistory) {
    let meta = &item["track_metadata"];
    let text = |v: &Value| {
        v.as_str()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let raw_at = &item["listened_at"];
    let at = if let Some(n) = raw_at.as_i64() {
        Some(unix_seconds(n))
    } else if let Some(x) = raw_at.as_f64() {
        Some(if x.is_finite() && x.abs() < 9.0e18 {
            unix_seconds(x as i64)
        } else {
            Err(format!("{x} is not a time between 1970 and 2100"))
        })
    } else {
        raw_at.as_str().map(parse_date)
    };
    let at = match at {
        Some(Ok(at)) => Some(at),
        Some(Err(message)) => {
            let shown = serde_json::to_string(item).unwrap_or_default();
            parsed.problems.push(Problem::new(
                line,
                &shown,
                format!("listened_at: {message}"),
            ));
            return;
        }
        None => None,
    };
    let (Some(at), Some(artist), Some(title)) =
        (at, text(&meta["artist_name"]), text(&meta["track_name"]))
    else {
        let shown = serde_json::to_string(item).unwrap_or_default();
        parsed.problems.push(Problem::new(
            line,
            &shown,
            "a listen needs listened_at, track_metadata.artist_name and track_metadata.track_name",
        ));
        return;
    };
    let info = &meta["additional_info"];
    let duration_ms = info["duration_ms"]
        .as_u64()
        .or_else(|| info["duration"].as_u64().and_then(|s| s.checked_mul(1000)))
        .filter(|&ms| ms <= MAX_DURATION_MS);
    parsed.listens.push(Listen {
        line,
        at,
        artist,
        title,
        album: text(&meta["release_name"]),
        duration_ms,
    });
}

/// Column positions of a Last.fm CSV.
#[derive(Debug, Clone, Copy)]
struct Columns {
    artist: usize,
    title: usize,
    album: Option<usize>,
    date: usize,
}

impl Columns {
    /// The common header-less export: artist, album, title, date.
    const PLAIN: Self = Self {
        artist: 0,
        album: Some(1),
        title: 2,
        date: 3,
    };

    fn from_header(header: &csv::StringRecord) -> Option<Self> {
        let find = |names: &[&str]| {
            header
                .iter()
                .position(|h| names.contains(&h.trim().to_ascii_lowercase().as_str()))
        };
        Some(Self {
            artist: find(&["artist", "artist_name", "artist name"])?,
            title: find(&["track", "title", "track_name", "track name", "name", "song"])?,
            album: find(&["album", "album_name", "album name", "release"]),
            date: find(&[
                "uts",
                "timestamp",
                "date",
                "utc_time",
                "time",
                "played_at",
                "date_uts",
            ])?,
        })
    }
}

fn parse_lastfm_csv(bytes: &[u8]) -> ParsedHistory {
    let (text, _) = text::decode(bytes);
    let mut parsed = ParsedHistory::default();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut columns: Option<Columns> = None;
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(err) => {
                let line = err.position().map(|p| p.line() as usize).unwrap_or(0);
                parsed
                    .problems
                    .push(Problem::new(line, "", format!("not CSV: {err}")));
                // A CSV error on a UTF-8 string is per record; go on.
                continue;
            }
        }
        let line = record.position().map(|p| p.line() as usize).unwrap_or(0);
        let cols = match columns {
            Some(cols) => cols,
            None => {
                let found = Columns::from_header(&record);
                columns = Some(found.unwrap_or(Columns::PLAIN));
                if found.is_some() {
                    continue; // that was the header
                }
                Columns::PLAIN
            }
        };
        let field = |i: usize| record.get(i).map(str::trim).filter(|s| !s.is_empty());
        let shown = record.iter().collect::<Vec<_>>().join(",");
        // Scrobbles never hold a line break: a field that does began with
        // a quote that is never closed, and swallowed the lines after it.
        if let Some(spread) = record.iter().find(|f| f.contains('\n')) {
            let lines = spread.matches('\n').count() + 1;
            parsed.problems.push(Problem::new(
                line,
                &shown,
                format!(
                    "a quote (\") opens a field here that is never closed; it runs over {lines} lines, which were skipped (fix the quote and import again)"
                ),
            ));
            continue;
        }
        let (Some(artist), Some(title), Some(date)) =
            (field(cols.artist), field(cols.title), field(cols.date))
        else {
            parsed.problems.push(Problem::new(
                line,
                &shown,
                "needs an artist, a title and a date",
            ));
            continue;
        };
        match parse_date(date) {
            Ok(at) => parsed.listens.push(Listen {
                line,
                at,
                artist: artist.to_owned(),
                title: title.to_owned(),
                album: cols.album.and_then(field).map(str::to_owned),
                duration_ms: None,
            }),
            Err(message) => parsed.problems.push(Problem::new(line, &shown, message)),
        }
    }
    parsed
}

/// The latest time a listen may have: 2100-01-01 (unix seconds). Later
/// ones are damage, and would overflow as milliseconds.
pub const LATEST_LISTEN_S: i64 = 4_102_444_800;

/// A listen longer than a day is not a listen of one track; its duration is
/// dropped (the track's own length is used instead).
pub const MAX_DURATION_MS: u64 = 24 * 3600 * 1000;

/// A number from an export as unix seconds: seconds, or milliseconds (13
/// digits today) or microseconds (16), the same for JSON and CSV. Times
/// before 1970 or after [`LATEST_LISTEN_S`] are refused.
pub fn unix_seconds(n: i64) -> Result<i64, String> {
    let seconds = if n > 100_000_000_000_000 {
        n / 1_000_000
    } else if n > 100_000_000_000 {
        n / 1000
    } else {
        n
    };
    if (0..LATEST_LISTEN_S).contains(&seconds) {
        Ok(seconds)
    } else {
        Err(format!(
            "{n} is not a time between 1970 and 2100 (unix seconds or milliseconds)"
        ))
    }
}

/// Unix seconds from the date forms exports use: unix seconds (or
/// milliseconds), RFC 3339, `YYYY-MM-DD HH:MM[:SS]`, `31 Jan 2021 12:34`
/// and `31 Jan 2021, 12:34` (all UTC), between 1970 and 2100.
pub fn parse_date(raw: &str) -> Result<i64, String> {
    let raw = raw.trim();
    if let Ok(n) = raw.parse::<i64>() {
        return unix_seconds(n);
    }
    if raw.bytes().all(|b| b.is_ascii_digit() || b == b'-') && !raw.is_empty() {
        return Err(format!(
            "\"{}\" is not a time between 1970 and 2100",
            crate::shorten(raw, 40)
        ));
    }
    if let Ok(t) = OffsetDateTime::parse(raw, &time::format_description::well_known::Rfc3339) {
        return unix_seconds(t.unix_timestamp());
    }
    let forms: [&[time::format_description::BorrowedFormatItem<'_>]; 5] = [
        format_description!("[year]-[month]-[day] [hour]:[minute]:[second]"),
        format_description!("[year]-[month]-[day] [hour]:[minute]"),
        format_description!("[day padding:none] [month repr:short] [year] [hour]:[minute]"),
        format_description!("[day padding:none] [month repr:short] [year], [hour]:[minute]"),
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]"),
    ];
    for form in forms {
        if let Ok(t) = PrimitiveDateTime::parse(raw, form) {
            return unix_seconds(t.assume_utc().unix_timestamp());
        }
    }
    Err(format!(
        "\"{}\" is not a date PlayGenie reads (unix seconds, 2021-01-31 12:34, 31 Jan 2021 12:34)",
        crate::shorten(raw, 40)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listenbrainz_array_with_one_bad_listen() {
        let json = br#"[
          {"listened_at": 1700000000, "track_metadata": {"artist_name": "A", "track_name": "T", "release_name": "R", "additional_info": {"duration_ms": 200000}}},
          {"listened_at": 1700000300, "track_metadata": {"track_name": "no artist"}}
        ]"#;
        let parsed = parse(json, Service::detect(json)).unwrap();
        assert_eq!(parsed.listens.len(), 1);
        assert_eq!(parsed.listens[0].album.as_deref(), Some("R"));
        assert_eq!(parsed.listens[0].duration_ms, Some(200_000));
        assert_eq!(parsed.problems.len(), 1);
        assert_eq!(parsed.problems[0].line, 2);
    }

    #[test]
    fn listenbrainz_json_lines_report_bad_lines() {
        let jsonl = b"{\"listened_at\": 1, \"track_metadata\": {\"artist_name\": \"A\", \"track_name\": \"T\"}}\n{oops\n";
        let parsed = parse(jsonl, Service::ListenBrainz).unwrap();
        assert_eq!(parsed.listens.len(), 1);
        assert_eq!(parsed.problems[0].line, 2);
    }

    #[test]
    fn lastfm_headerless_csv_with_human_dates() {
        let csv = "Radiohead,OK Computer,Airbag,31 Jan 2021 12:34\nBad,Row\n\"Simon & Garfunkel\",Bookends,\"America\",01 Feb 2021 08:00\n";
        let parsed = parse(csv.as_bytes(), Service::detect(csv.as_bytes())).unwrap();
        assert_eq!(parsed.listens.len(), 2);
        assert_eq!(parsed.listens[0].at, 1_612_096_440);
        assert_eq!(parsed.listens[1].artist, "Simon & Garfunkel");
        assert_eq!(parsed.problems.len(), 1);
        assert_eq!(parsed.problems[0].line, 2);
    }

    #[test]
    fn lastfm_csv_with_a_header() {
        let csv = "uts,utc_time,artist,artist_mbid,album,album_mbid,track,track_mbid\n1612096440,\"31 Jan 2021, 12:34\",Radiohead,,OK Computer,,Airbag,\n";
        let parsed = parse(csv.as_bytes(), Service::LastFm).unwrap();
        assert_eq!(parsed.listens.len(), 1);
        assert_eq!(parsed.listens[0].title, "Airbag");
        assert_eq!(parsed.listens[0].at, 1_612_096_440);
    }

    #[test]
    fn dates_in_every_form() {
        for form in [
            "1612096440",
            "1612096440000",
            "2021-01-31T12:34:00Z",
            "2021-01-31 12:34",
            "31 Jan 2021 12:34",
        ] {
            assert_eq!(parse_date(form), Ok(1_612_096_440), "{form}");
        }
        assert!(parse_date("yesterday").is_err());
    }

    #[test]
    fn extreme_times_are_refused_not_overflowed() {
        for raw in ["9223372036854775807", "-5", "99999999999999999"] {
            assert!(parse_date(raw).is_err(), "{raw}");
        }
        let json = br#"[
          {"listened_at": 9223372036854775807, "track_metadata": {"artist_name": "A", "track_name": "T"}},
          {"listened_at": -9223372036854775808, "track_metadata": {"artist_name": "A", "track_name": "T"}},
          {"listened_at": 1.0e300, "track_metadata": {"artist_name": "A", "track_name": "T"}},
          {"listened_at": 1612096440000, "track_metadata": {"artist_name": "A", "track_name": "T", "additional_info": {"duration": 18446744073709551615}}}
        ]"#;
        let parsed = parse(json, Service::ListenBrainz).unwrap();
        assert_eq!(parsed.problems.len(), 3, "{:?}", parsed.problems);
        assert!(parsed.problems[0].message.contains("between 1970 and 2100"));
        // 13 digits are milliseconds in JSON as in CSV; an absurd duration
        // is dropped.
        assert_eq!(parsed.listens.len(), 1);
        assert_eq!(parsed.listens[0].at, 1_612_096_440);
        assert_eq!(parsed.listens[0].duration_ms, None);
    }

    #[test]
    fn an_unbalanced_quote_is_named_not_merged() {
        let csv = "Radiohead,OK Computer,Airbag,31 Jan 2021 12:34\n\"Broken,Album,Song,01 Feb 2021 08:00\nBjork,Post,Army of Me,02 Feb 2021 09:00\n";
        let parsed = parse(csv.as_bytes(), Service::LastFm).unwrap();
        assert_eq!(parsed.listens.len(), 1);
        assert_eq!(parsed.problems.len(), 1, "{:?}", parsed.problems);
        assert!(parsed.problems[0].message.contains("never closed"));
        assert_eq!(parsed.problems[0].line, 2);
    }
}
