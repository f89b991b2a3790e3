//! Smart playlists: saved rules over what PlayGenie knows of each track —
//! its tags, the analysis (tempo, key, loudness), the learned ear's tags,
//! when it was added and how it has been listened to — evaluated afresh
//! whenever the playlist is shown, played or exported, so it is always
//! current.
//!
//! A rule is `field op value` ("tempo between 100 130", "genre is rock",
//! "last played before 30 days", "tag is christmas"); a playlist matches
//! all or any of its rules, is sorted by a field and may keep only the
//! first N. [`RuleSpec`] is a rule as a person or the UI writes it;
//! [`Rule::check`] turns it into a typed rule or says exactly what is
//! wrong (unknown field, an operator the field does not have, a value that
//! is not a number, a range upside down).

use serde::{Deserialize, Serialize};

use crate::ear;
use crate::error::{Error, Result};
use playgenie_formats::normalize::fold;

/// The most rules one smart playlist may have.
pub const MAX_RULES: usize = 50;
/// The largest limit.
pub const MAX_LIMIT: usize = 100_000;

/// What a rule looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "SmartField"))]
pub enum Field {
    Title,
    Artist,
    Album,
    /// The file's genre tag.
    Genre,
    /// The learned ear's top tags or the file's genre tag.
    Tag,
    Year,
    /// Beats per minute.
    Tempo,
    /// "A minor", "C major", or a tonic alone ("F#").
    Key,
    /// Integrated loudness, LUFS.
    Loudness,
    /// Seconds.
    Duration,
    /// Days since it was added to the library.
    Added,
    PlayCount,
    /// Days since it was last played (never played: no value).
    LastPlayed,
    /// Skipped plays over all plays, 0 to 1 (never played: no value).
    SkipRate,
}

/// The fields, with the name a rule uses.
pub const FIELDS: [(Field, &str); 14] = [
    (Field::Title, "title"),
    (Field::Artist, "artist"),
    (Field::Album, "album"),
    (Field::Genre, "genre"),
    (Field::Tag, "tag"),
    (Field::Year, "year"),
    (Field::Tempo, "tempo"),
    (Field::Key, "key"),
    (Field::Loudness, "loudness"),
    (Field::Duration, "duration"),
    (Field::Added, "added"),
    (Field::PlayCount, "play_count"),
    (Field::LastPlayed, "last_played"),
    (Field::SkipRate, "skip_rate"),
];

impl Field {
    pub fn name(self) -> &'static str {
        FIELDS
            .iter()
            .find(|(f, _)| *f == self)
            .map_or("?", |(_, n)| n)
    }

    fn parse(text: &str) -> Result<Self> {
        by_name(&FIELDS, text, text, "field")
    }

    fn kind(self) -> Kind {
        match self {
            Self::Title | Self::Artist | Self::Album | Self::Genre => Kind::Text,
            Self::Tag => Kind::Tag,
            Self::Key => Kind::Key,
            Self::Added | Self::LastPlayed => Kind::Days,
            _ => Kind::Number,
        }
    }

    /// The range a value of this field can take, for the checks.
    fn range(self) -> (f64, f64) {
        match self {
            Self::Year => (0.0, 9999.0),
            Self::Tempo => (0.0, 1000.0),
            Self::Loudness => (-100.0, 20.0),
            Self::SkipRate => (0.0, 1.0),
            _ => (0.0, f64::MAX),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Text,
    Tag,
    Key,
    Number,
    Days,
}

/// How a rule compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "SmartOp"))]
pub enum Op {
    Is,
    IsNot,
    Contains,
    NotContains,
    Below,
    Above,
    Between,
    /// Within the last N days.
    InLast,
    /// Longer ago than N days (or never, for last played).
    NotInLast,
}

/// Operators with their names, and the kinds of field each applies to.
const OPS: [(Op, &str); 9] = [
    (Op::Is, "is"),
    (Op::IsNot, "is_not"),
    (Op::Contains, "contains"),
    (Op::NotContains, "not_contains"),
    (Op::Below, "below"),
    (Op::Above, "above"),
    (Op::Between, "between"),
    (Op::InLast, "in_last"),
    (Op::NotInLast, "not_in_last"),
];

impl Op {
    pub fn name(self) -> &'static str {
        OPS.iter().find(|(o, _)| *o == self).map_or("?", |(_, n)| n)
    }

    fn parse(text: &str) -> Result<Self> {
        let wanted = match text.trim() {
            "=" | "==" => "is",
            "!=" => "is_not",
            "<" => "below",
            ">" => "above",
            other => other,
        };
        by_name(&OPS, wanted, text, "comparison")
    }

    fn allowed(self, kind: Kind) -> bool {
        match kind {
            Kind::Text => matches!(self, Op::Is | Op::IsNot | Op::Contains | Op::NotContains),
            Kind::Tag | Kind::Key => matches!(self, Op::Is | Op::IsNot),
            Kind::Number => matches!(
                self,
                Op::Is | Op::IsNot | Op::Below | Op::Above | Op::Between
            ),
            Kind::Days => matches!(self, Op::InLast | Op::NotInLast | Op::Between),
        }
    }
}

/// The entry of `table` named `wanted` (any case; spaces and dashes as
/// underscores), or an error naming `text` and every name there is.
fn by_name<T: Copy>(table: &[(T, &str)], wanted: &str, text: &str, what: &str) -> Result<T> {
    let wanted = wanted.trim().to_lowercase().replace([' ', '-'], "_");
    table
        .iter()
        .find(|(_, n)| *n == wanted)
        .map(|(t, _)| *t)
        .ok_or_else(|| {
            let names: Vec<&str> = table.iter().map(|(_, n)| *n).collect();
            Error::Invalid(format!(
                "unknown {what} \"{text}\": use one of {}",
                names.join(", ")
            ))
        })
}

/// A rule as written: strings, checked by [`Rule::check`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RuleSpec {
    pub field: String,
    pub op: String,
    /// One value, or two for `between`.
    pub values: Vec<String>,
}

/// A smart playlist's definition as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SmartSpec {
    /// Every rule must hold (`true`) or any one (`false`).
    pub all: bool,
    pub rules: Vec<RuleSpec>,
    /// A field to sort by (default: artist, album, track order).
    #[serde(default)]
    pub sort: Option<String>,
    #[serde(default)]
    pub descending: bool,
    /// Keep only the first N after sorting.
    #[serde(default)]
    pub limit: Option<usize>,
}

/// What a rule compares with.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Text(String),
    Key { tonic: u8, mode: Option<u8> },
    Number(f64),
    Range(f64, f64),
}

/// A checked rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    field: Field,
    op: Op,
    value: Value,
}

/// A checked smart playlist: ready to evaluate.
#[derive(Debug, Clone, PartialEq)]
pub struct Smart {
    all: bool,
    rules: Vec<Rule>,
    sort: Option<Field>,
    descending: bool,
    limit: Option<usize>,
}

/// What the rules read of one track.
#[derive(Debug, Clone, PartialEq)]
pub struct TrackFacts {
    pub id: i64,
    pub title: String,
    pub artist: String,
    pub album_artist: Option<String>,
    pub album: String,
    pub disc_no: Option<u32>,
    pub track_no: Option<u32>,
    pub genre: Option<String>,
    /// The learned ear's top tags.
    pub sound_tags: Vec<String>,
    pub year: Option<u32>,
    pub tempo_bpm: Option<f32>,
    pub key: Option<u8>,
    pub mode: Option<u8>,
    pub loudness_lufs: Option<f32>,
    pub duration_s: Option<f64>,
    /// Unix seconds.
    pub added_at: i64,
    pub plays: u32,
    pub skips: u32,
    /// Unix milliseconds.
    pub last_played_ms: Option<i64>,
}

fn number(field: Field, text: &str) -> Result<f64> {
    let value: f64 = text
        .trim()
        .parse()
        .map_err(|_| Error::Invalid(format!("{}: \"{text}\" is not a number", field.name())))?;
    let (low, high) = field.range();
    if !value.is_finite() || value < low || value > high {
        return Err(Error::Invalid(format!(
            "{}: {text} is outside {low}..{}",
            field.name(),
            if high == f64::MAX {
                "∞".to_owned()
            } else {
                high.to_string()
            }
        )));
    }
    Ok(value)
}

fn key(text: &str) -> Result<Value> {
    const NAMES: [&str; 12] = [
        "c", "c#", "d", "d#", "e", "f", "f#", "g", "g#", "a", "a#", "b",
    ];
    const FLATS: [(&str, &str); 5] = [
        ("db", "c#"),
        ("eb", "d#"),
        ("gb", "f#"),
        ("ab", "g#"),
        ("bb", "a#"),
    ];
    let lower = text
        .trim()
        .to_lowercase()
        .replace('♯', "#")
        .replace('♭', "b");
    let mut words = lower.split_whitespace();
    let tonic = words.next().unwrap_or_default();
    let tonic = FLATS
        .iter()
        .find(|(flat, _)| *flat == tonic)
        .map_or(tonic, |(_, sharp)| sharp);
    let pitch = NAMES.iter().position(|n| *n == tonic).ok_or_else(|| {
        Error::Invalid(format!(
            "key: \"{text}\" is not a key (write it as \"A minor\", \"F# major\" or \"Eb\")"
        ))
    })?;
    let mode = match words.next() {
        None => None,
        Some("major" | "maj") => Some(1),
        Some("minor" | "min") => Some(0),
        Some(other) => {
            return Err(Error::Invalid(format!(
                "key: \"{other}\" is neither major nor minor"
            )))
        }
    };
    Ok(Value::Key {
        tonic: pitch as u8,
        mode,
    })
}

impl Rule {
    /// Checks a written rule.
    pub fn check(spec: &RuleSpec) -> Result<Self> {
        let field = Field::parse(&spec.field)?;
        let op = Op::parse(&spec.op)?;
        let kind = field.kind();
        if !op.allowed(kind) {
            let ops: Vec<&str> = OPS
                .iter()
                .filter(|(o, _)| o.allowed(kind))
                .map(|(_, n)| *n)
                .collect();
            return Err(Error::Invalid(format!(
                "{} cannot be compared with \"{}\": use {}",
                field.name(),
                op.name(),
                ops.join(", ")
            )));
        }
        let wanted = if op == Op::Between { 2 } else { 1 };
        if spec.values.len() != wanted {
            return Err(Error::Invalid(format!(
                "{} {} takes {wanted} value{}, not {}",
                field.name(),
                op.name(),
                if wanted == 1 { "" } else { "s" },
                spec.values.len()
            )));
        }
        let value = match (kind, op) {
            (_, Op::Between) => {
                let (a, b) = (
                    number(field, &spec.values[0])?,
                    number(field, &spec.values[1])?,
                );
                if a > b {
                    return Err(Error::Invalid(format!(
                        "{} between {a} and {b}: the first must not be larger than the second",
                        field.name()
                    )));
                }
                Value::Range(a, b)
            }
            (Kind::Text | Kind::Tag, _) => {
                let text = spec.values[0].trim();
                if text.is_empty() {
                    return Err(Error::Invalid(format!("{} needs a value", field.name())));
                }
                Value::Text(text.to_owned())
            }
            (Kind::Key, _) => key(&spec.values[0])?,
            (Kind::Number | Kind::Days, _) => Value::Number(number(field, &spec.values[0])?),
        };
        Ok(Self { field, op, value })
    }

    /// Whether the rule holds for `t` at `now` (unix seconds). A field the
    /// track has no value for (never played, not analysed) matches only
    /// "is not", "does not contain" and "not in last".
    fn holds(&self, t: &TrackFacts, now: i64) -> bool {
        let days = |at_s: Option<f64>| at_s.map(|s| (now as f64 - s) / 86_400.0);
        let numeric: Option<f64> = match self.field {
            Field::Year => t.year.map(f64::from),
            Field::Tempo => t.tempo_bpm.map(f64::from),
            Field::Loudness => t.loudness_lufs.map(f64::from),
            Field::Duration => t.duration_s,
            Field::PlayCount => Some(f64::from(t.plays)),
            Field::SkipRate => (t.plays > 0).then(|| f64::from(t.skips) / f64::from(t.plays)),
            Field::Added => days(Some(t.added_at as f64)),
            Field::LastPlayed => days(t.last_played_ms.map(|ms| ms as f64 / 1000.0)),
            _ => None,
        };
        match (&self.value, self.field.kind()) {
            (Value::Text(wanted), Kind::Tag) => {
                let has = ear::has_tag(wanted, &t.sound_tags, t.genre.as_deref());
                has == (self.op == Op::Is)
            }
            (Value::Text(wanted), _) => {
                let text = match self.field {
                    Field::Title => Some(t.title.as_str()),
                    Field::Artist => Some(t.artist.as_str()),
                    Field::Album => Some(t.album.as_str()),
                    _ => t.genre.as_deref(),
                };
                let (have, wanted) = (fold(text.unwrap_or_default()), fold(wanted));
                let found = match self.op {
                    Op::Is | Op::IsNot => {
                        have == wanted
                            || (self.field == Field::Genre
                                && text.is_some_and(|g| {
                                    g.split([';', ',', '/']).any(|part| fold(part) == wanted)
                                }))
                    }
                    _ => have.contains(&wanted),
                };
                found == matches!(self.op, Op::Is | Op::Contains)
            }
            (Value::Key { tonic, mode }, _) => {
                let same = t.key == Some(*tonic) && mode.is_none_or(|m| t.mode == Some(m));
                same == (self.op == Op::Is)
            }
            (Value::Number(n), _) => match (self.op, numeric) {
                (Op::NotInLast, None) => true,
                (_, None) => self.op == Op::IsNot,
                (Op::Is, Some(v)) => (v - n).abs() < 0.5,
                (Op::IsNot, Some(v)) => (v - n).abs() >= 0.5,
                (Op::Below, Some(v)) => v < *n,
                (Op::Above, Some(v)) => v > *n,
                (Op::InLast, Some(v)) => v <= *n,
                (Op::NotInLast, Some(v)) => v > *n,
                _ => false,
            },
            (Value::Range(a, b), _) => numeric.is_some_and(|v| v >= *a && v <= *b),
        }
    }
}

impl Smart {
    /// Checks a whole definition: at least one rule, at most
    /// [`MAX_RULES`], each checked, a known sort field, a limit in range.
    /// Errors name the rule ("rule 2: ...").
    pub fn check(spec: &SmartSpec) -> Result<Self> {
        if spec.rules.is_empty() {
            return Err(Error::Invalid(
                "a smart playlist needs at least one rule".into(),
            ));
        }
        if spec.rules.len() > MAX_RULES {
            return Err(Error::Invalid(format!(
                "a smart playlist may have at most {MAX_RULES} rules"
            )));
        }
        let rules = spec
            .rules
            .iter()
            .enumerate()
            .map(|(i, r)| {
                Rule::check(r).map_err(|e| match e {
                    Error::Invalid(m) => Error::Invalid(format!("rule {}: {m}", i + 1)),
                    other => other,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let sort = spec
            .sort
            .as_deref()
            .filter(|s| !s.trim().is_empty())
            .map(|s| {
                Field::parse(s).map_err(|e| match e {
                    Error::Invalid(m) => Error::Invalid(format!("sort: {m}")),
                    other => other,
                })
            })
            .transpose()?;
        if let Some(limit) = spec.limit {
            if !(1..=MAX_LIMIT).contains(&limit) {
                return Err(Error::Invalid(format!(
                    "the limit must be between 1 and {MAX_LIMIT} tracks, not {limit}"
                )));
            }
        }
        Ok(Self {
            all: spec.all,
            rules,
            sort,
            descending: spec.descending,
            limit: spec.limit,
        })
    }

    /// The tracks of `library` that match, sorted and limited (ids).
    pub fn evaluate(&self, library: &[TrackFacts], now: i64) -> Vec<i64> {
        let mut hits: Vec<&TrackFacts> = library
            .iter()
            .filter(|t| {
                if self.all {
                    self.rules.iter().all(|r| r.holds(t, now))
                } else {
                    self.rules.iter().any(|r| r.holds(t, now))
                }
            })
            .collect();
        // Library order first (artist, album, disc, track), so a sort's
        // ties keep it.
        hits.sort_by(|a, b| {
            let order = |t: &TrackFacts| {
                (
                    fold(t.album_artist.as_deref().unwrap_or(&t.artist)),
                    fold(&t.album),
                    t.disc_no.unwrap_or(1),
                    t.track_no.unwrap_or(u32::MAX),
                    fold(&t.title),
                )
            };
            order(a).cmp(&order(b))
        });
        if let Some(field) = self.sort {
            hits.sort_by(|a, b| {
                let (a, b) = (sort_key(a, field, now), sort_key(b, field, now));
                // Tracks without a value come last either way.
                match (&a, &b) {
                    (SortKey::Missing, _) | (_, SortKey::Missing) => a.compare(&b),
                    _ if self.descending => b.compare(&a),
                    _ => a.compare(&b),
                }
            });
        }
        let limit = self.limit.unwrap_or(usize::MAX);
        hits.into_iter().take(limit).map(|t| t.id).collect()
    }
}

/// A sortable key: numbers in order, text folded, missing values last
/// (ascending).
#[derive(Debug, PartialEq)]
enum SortKey {
    Number(f64),
    Text(String),
    Missing,
}

impl SortKey {
    fn compare(&self, other: &Self) -> std::cmp::Ordering {
        use std::cmp::Ordering::{Greater, Less};
        match (self, other) {
            (Self::Number(a), Self::Number(b)) => a.total_cmp(b),
            (Self::Text(a), Self::Text(b)) => a.cmp(b),
            (Self::Missing, Self::Missing) => std::cmp::Ordering::Equal,
            (Self::Missing, _) => Greater,
            (_, Self::Missing) => Less,
            (Self::Number(_), Self::Text(_)) => Less,
            (Self::Text(_), Self::Number(_)) => Greater,
        }
    }
}

fn sort_key(t: &TrackFacts, field: Field, now: i64) -> SortKey {
    let n = |v: Option<f64>| {
        v.filter(|x| x.is_finite())
            .map_or(SortKey::Missing, SortKey::Number)
    };
    match field {
        Field::Title => SortKey::Text(fold(&t.title)),
        Field::Artist => SortKey::Text(fold(&t.artist)),
        Field::Album => SortKey::Text(fold(&t.album)),
        Field::Genre => t
            .genre
            .as_deref()
            .map_or(SortKey::Missing, |g| SortKey::Text(fold(g))),
        Field::Tag => t
            .sound_tags
            .first()
            .map_or(SortKey::Missing, |g| SortKey::Text(g.clone())),
        Field::Year => n(t.year.map(f64::from)),
        Field::Tempo => n(t.tempo_bpm.map(f64::from)),
        Field::Key => n(t
            .key
            .map(|k| f64::from(k) * 2.0 + f64::from(t.mode.unwrap_or(0)))),
        Field::Loudness => n(t.loudness_lufs.map(f64::from)),
        Field::Duration => n(t.duration_s),
        Field::Added => n(Some((now - t.added_at) as f64)),
        Field::PlayCount => n(Some(f64::from(t.plays))),
        Field::LastPlayed => n(t.last_played_ms.map(|ms| (now * 1000 - ms) as f64)),
        Field::SkipRate => n((t.plays > 0).then(|| f64::from(t.skips) / f64::from(t.plays))),
    }
}

/// Reads "FIELD OP VALUE [VALUE]" ("tempo between 100 130", "genre is
/// hip hop", "last_played not_in_last 30"): the CLI's form of a rule. A
/// text value may have spaces; a range takes two numbers.
pub fn parse_rule(text: &str) -> Result<RuleSpec> {
    let mut words = text.split_whitespace();
    let (Some(field), Some(op)) = (words.next(), words.next()) else {
        return Err(Error::Invalid(format!(
            "\"{text}\" is not a rule: write FIELD OP VALUE, e.g. \"tempo between 100 130\""
        )));
    };
    let rest: Vec<&str> = words.collect();
    let values = if Op::parse(op).ok() == Some(Op::Between) {
        rest.iter()
            .map(|w| (*w).to_owned())
            .filter(|w| w != "and")
            .collect()
    } else if rest.is_empty() {
        Vec::new()
    } else {
        vec![rest.join(" ")]
    };
    Ok(RuleSpec {
        field: field.to_owned(),
        op: op.to_owned(),
        values,
    })
}

/// The rule in words, as [`parse_rule`] reads it back.
pub fn describe(rule: &RuleSpec) -> String {
    format!("{} {} {}", rule.field, rule.op, rule.values.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000;

    fn track(id: i64, artist: &str, tempo: f32, genre: &str) -> TrackFacts {
        TrackFacts {
            id,
            title: format!("Song {id}"),
            artist: artist.into(),
            album_artist: None,
            album: "Album".into(),
            disc_no: None,
            track_no: Some(id as u32),
            genre: Some(genre.into()),
            sound_tags: Vec::new(),
            year: Some(2000 + id as u32),
            tempo_bpm: Some(tempo),
            key: Some(9),
            mode: Some((id % 2) as u8),
            loudness_lufs: Some(-10.0 - id as f32),
            duration_s: Some(200.0),
            added_at: NOW - id * 86_400,
            plays: id as u32,
            skips: (id / 2) as u32,
            last_played_ms: (id > 0).then(|| (NOW - id * 10 * 86_400) * 1000),
        }
    }

    fn library() -> Vec<TrackFacts> {
        vec![
            track(0, "Band", 90.0, "Rock"),
            track(1, "Band", 110.0, "Rock; Christmas"),
            track(2, "Other", 125.0, "Jazz"),
            track(3, "Other", 140.0, "Rock"),
            track(4, "Third", 118.0, "Pop"),
        ]
    }

    fn run(all: bool, rules: &[&str]) -> Vec<i64> {
        let spec = SmartSpec {
            all,
            rules: rules
                .iter()
                .map(|r| parse_rule(r).expect("parse"))
                .collect(),
            sort: None,
            descending: false,
            limit: None,
        };
        Smart::check(&spec)
            .expect("check")
            .evaluate(&library(), NOW)
    }

    #[test]
    fn rules_select_exactly_the_tracks_they_name() {
        assert_eq!(run(true, &["tempo between 100 130"]), [1, 2, 4]);
        assert_eq!(run(true, &["tempo between 100 130", "genre is rock"]), [1]);
        assert_eq!(run(false, &["genre is jazz", "artist is third"]), [2, 4]);
        assert_eq!(run(true, &["tag is christmas"]), [1]);
        assert_eq!(
            run(true, &["tag is_not christmas", "genre is rock"]),
            [0, 3]
        );
        assert_eq!(run(true, &["title contains song 3"]), [3]);
        assert_eq!(run(true, &["key is A minor"]), [0, 2, 4]);
        assert_eq!(run(true, &["key is a"]), [0, 1, 2, 3, 4]);
        assert_eq!(run(true, &["year above 2002"]), [3, 4]);
        assert_eq!(run(true, &["loudness below -12.5"]), [3, 4]);
        assert_eq!(run(true, &["play_count is 0"]), [0]);
        // Played within 25 days: tracks 1 and 2 (10 and 20 days ago).
        assert_eq!(run(true, &["last_played in_last 25"]), [1, 2]);
        // Never played counts as "not in the last 25 days".
        assert_eq!(run(true, &["last_played not_in_last 25"]), [0, 3, 4]);
        assert_eq!(run(true, &["added in_last 2"]), [0, 1, 2]);
        // Skip rate: 0/1, 1/2, 1/3, 2/4; never played has none.
        assert_eq!(run(true, &["skip_rate above 0.4"]), [2, 4]);
    }

    #[test]
    fn sort_and_limit() {
        let spec = SmartSpec {
            all: true,
            rules: vec![parse_rule("genre is rock").expect("rule")],
            sort: Some("tempo".into()),
            descending: true,
            limit: Some(2),
        };
        let smart = Smart::check(&spec).expect("check");
        assert_eq!(smart.evaluate(&library(), NOW), [3, 1]);
    }

    #[test]
    fn bad_rules_say_what_is_wrong() {
        let err = |all: bool, rules: &[&str], sort: Option<&str>, limit: Option<usize>| {
            let spec = SmartSpec {
                all,
                rules: rules
                    .iter()
                    .map(|r| parse_rule(r).expect("parse"))
                    .collect(),
                sort: sort.map(str::to_owned),
                descending: false,
                limit,
            };
            Smart::check(&spec).expect_err("refused").to_string()
        };
        assert!(err(true, &["bpm above 100"], None, None)
            .contains("rule 1: unknown field \"bpm\": use one of title"));
        assert!(err(
            true,
            &["genre is rock", "tempo between 130 100"],
            None,
            None
        )
        .contains("rule 2: tempo between 130 and 100: the first must not be larger"));
        assert!(err(true, &["tempo above fast"], None, None).contains("\"fast\" is not a number"));
        assert!(err(true, &["genre below 3"], None, None)
            .contains("genre cannot be compared with \"below\""));
        assert!(err(true, &["skip_rate above 2"], None, None).contains("outside 0..1"));
        assert!(err(true, &["key is H minor"], None, None).contains("is not a key"));
        assert!(err(true, &["tempo between 100"], None, None).contains("takes 2 values, not 1"));
        assert!(err(true, &["tempo is_kinda 100"], None, None).contains("unknown comparison"));
        assert!(err(true, &[], None, None).contains("at least one rule"));
        assert!(err(true, &["genre is rock"], Some("colour"), None).contains("sort: unknown field"));
        assert!(err(true, &["genre is rock"], None, Some(0)).contains("between 1 and 100000"));
        assert!(parse_rule("tempo").is_err());
    }
}
