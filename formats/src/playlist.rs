//! Playlist files: M3U/M3U8 (plain and extended), PLS and XSPF in; M3U8
//! and XSPF out.
//!
//! Parsing keeps every usable entry and reports the rest line by line.
//! Entries are [`Location`]s as written; turning a relative path into a
//! file needs the playlist's folder, which only the caller knows
//! ([`Location::resolve`]).

use std::path::{Path, PathBuf};

use quick_xml::events::Event;

use crate::text::{self, numbered_lines};
use crate::{check_size, FormatError, Problem};

/// The most entries one playlist may bring in. Anything longer is cut with
/// a problem saying so: 100,000 tracks is a whole library, not a playlist.
pub const MAX_ENTRIES: usize = 100_000;

/// The deepest XML nesting accepted (XSPF needs 4 levels).
pub const MAX_XML_DEPTH: usize = 32;

/// A playlist file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "PlaylistFormat"))]
pub enum Format {
    /// M3U and M3U8, plain or extended (`#EXTM3U`).
    M3u,
    /// The INI-style `[playlist]` format.
    Pls,
    /// XML Shareable Playlist Format.
    Xspf,
}

impl Format {
    /// The format a file name suggests, falling back to sniffing the bytes.
    pub fn detect(file_name: Option<&str>, bytes: &[u8]) -> Self {
        let ext = file_name
            .and_then(|name| name.rsplit_once('.'))
            .map(|(_, ext)| ext.to_ascii_lowercase());
        match ext.as_deref() {
            Some("m3u" | "m3u8") => return Self::M3u,
            Some("pls") => return Self::Pls,
            Some("xspf") => return Self::Xspf,
            _ => {}
        }
        let head = text::decode(&bytes[..bytes.len().min(512)]).0.to_string();
        let head = head.trim_start().to_ascii_lowercase();
        if head.starts_with("<?xml") || head.starts_with("<playlist") {
            Self::Xspf
        } else if head.starts_with("[playlist]") {
            Self::Pls
        } else {
            Self::M3u
        }
    }

    /// The usual file extension.
    pub fn extension(self) -> &'static str {
        match self {
            Self::M3u => "m3u8",
            Self::Pls => "pls",
            Self::Xspf => "xspf",
        }
    }
}

/// Where an entry points, as the file wrote it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub enum Location {
    /// A file path: absolute, or relative to the playlist's folder.
    Path(PathBuf),
    /// A URL that is not a local file (`http://…`, `spotify:…`).
    Remote(String),
}

impl Location {
    /// The file this entry names, given the playlist's own folder; `None`
    /// for remote URLs.
    pub fn resolve(&self, playlist_dir: &Path) -> Option<PathBuf> {
        match self {
            Self::Path(path) if path.is_absolute() => Some(path.clone()),
            Self::Path(path) => Some(playlist_dir.join(path)),
            Self::Remote(_) => None,
        }
    }

    /// Reads one location as written in any of the formats: a `file://`
    /// URL, another URL, or a path (Windows separators in relative paths are
    /// turned into `/`). `base` is the URL relative references resolve
    /// against (XSPF), if any.
    fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err("empty location".into());
        }
        if let Some(url) = parse_url(raw) {
            return if url.scheme() == "file" {
                url.to_file_path()
                    .map(Self::Path)
                    .map_err(|()| "a file:// URL that names no local file".to_owned())
            } else {
                Ok(Self::Remote(raw.to_owned()))
            };
        }
        if raw.contains('\\') && !raw.contains('/') && !looks_like_drive(raw) {
            return Ok(Self::Path(PathBuf::from(raw.replace('\\', "/"))));
        }
        if looks_like_drive(raw) {
            return Err("a Windows drive path (C:\\…) cannot be found on this computer".into());
        }
        Ok(Self::Path(PathBuf::from(raw)))
    }
}

/// `raw` as a URL if it has a scheme of two letters or more (so `C:\x` is
/// not one).
fn parse_url(raw: &str) -> Option<url::Url> {
    let scheme_end = raw.find(':')?;
    if scheme_end < 2
        || !raw[..scheme_end]
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    {
        return None;
    }
    url::Url::parse(raw).ok()
}

fn looks_like_drive(raw: &str) -> bool {
    let b = raw.as_bytes();
    b.len() >= 3 && b[0].is_ascii_alphabetic() && b[1] == b':' && (b[2] == b'\\' || b[2] == b'/')
}

/// One usable entry of a playlist file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Entry {
    /// 1-based line of the entry's location in the file.
    pub line: usize,
    pub location: Location,
    /// Display title the file gave (`#EXTINF`, `TitleN`, `<title>`).
    pub title: Option<String>,
    /// Artist, where the format carries one (`#EXTINF:…,Artist - Title`,
    /// `<creator>`).
    pub artist: Option<String>,
    /// Duration the file gave, milliseconds.
    pub duration_ms: Option<u64>,
}

/// What a playlist file held.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Parsed {
    /// The playlist's own name, if the file carries one.
    pub title: Option<String>,
    pub entries: Vec<Entry>,
    /// Lines that were skipped, and why.
    pub problems: Vec<Problem>,
}

impl Parsed {
    fn push(&mut self, entry: Entry) {
        if self.entries.len() < MAX_ENTRIES {
            self.entries.push(entry);
        } else if self.entries.len() == MAX_ENTRIES {
            self.problems.push(Problem::new(
                entry.line,
                "",
                format!("more than {MAX_ENTRIES} entries; the rest of the file is ignored"),
            ));
            // Mark that the cut was reported.
            self.entries.push(entry);
        }
    }

    fn finish(mut self) -> Self {
        self.entries.truncate(MAX_ENTRIES);
        self
    }
}

/// Parses a playlist file of the given format.
pub fn parse(bytes: &[u8], format: Format) -> Result<Parsed, FormatError> {
    check_size(bytes)?;
    match format {
        Format::M3u => Ok(parse_m3u(bytes)),
        Format::Pls => parse_pls(bytes),
        Format::Xspf => parse_xspf(bytes),
    }
}

/// M3U and M3U8: one location per line; `#EXTINF:<seconds>,<Artist - Title>`
/// describes the next one; `#PLAYLIST:` names the list; other `#` lines are
/// comments.
fn parse_m3u(bytes: &[u8]) -> Parsed {
    let (text, _) = text::decode(bytes);
    let mut parsed = Parsed::default();
    let mut pending: Option<(Option<u64>, Option<String>, Option<String>)> = None;
    for (line, raw) in numbered_lines(&text) {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            continue;
        }
        if let Some(info) = trimmed.strip_prefix("#EXTINF:") {
            match parse_extinf(info) {
                Ok(described) => pending = Some(described),
                Err(message) => parsed.problems.push(Problem::new(line, raw, message)),
            }
            continue;
        }
        if let Some(name) = trimmed.strip_prefix("#PLAYLIST:") {
            if !name.trim().is_empty() {
                parsed.title = Some(name.trim().to_owned());
            }
            continue;
        }
        if trimmed.starts_with('#') {
            continue;
        }
        let (duration_ms, artist, title) = pending.take().unwrap_or_default();
        match Location::parse(trimmed) {
            Ok(location) => parsed.push(Entry {
                line,
                location,
                title,
                artist,
                duration_ms,
            }),
            Err(message) => parsed.problems.push(Problem::new(line, raw, message)),
        }
    }
    parsed.finish()
}

type Described = (Option<u64>, Option<String>, Option<String>);

/// `#EXTINF:123 tvg-x="y",Artist - Title` (attributes are ignored).
fn parse_extinf(info: &str) -> Result<Described, String> {
    let (head, name) = info.split_once(',').unwrap_or((info, ""));
    let seconds = head.split_whitespace().next().unwrap_or("");
    let duration_ms = match seconds.parse::<f64>() {
        Ok(s) if s.is_finite() && s > 0.0 => Some((s * 1000.0).round() as u64),
        Ok(_) => None, // -1 means "unknown"
        Err(_) => {
            return Err(format!(
                "#EXTINF needs a length in seconds, found \"{seconds}\""
            ))
        }
    };
    let name = name.trim();
    let (artist, title) = match name.split_once(" - ") {
        Some((artist, title)) => (
            Some(artist.trim().to_owned()),
            Some(title.trim().to_owned()),
        ),
        None if name.is_empty() => (None, None),
        None => (None, Some(name.to_owned())),
    };
    Ok((duration_ms, artist, title))
}

/// PLS: `[playlist]`, then `FileN=`, `TitleN=`, `LengthN=` in any order.
fn parse_pls(bytes: &[u8]) -> Result<Parsed, FormatError> {
    use std::collections::BTreeMap;
    let (text, _) = text::decode(bytes);
    let mut parsed = Parsed::default();
    #[derive(Default)]
    struct Slot {
        file: Option<(usize, String)>,
        title: Option<String>,
        length: Option<u64>,
    }
    let mut slots: BTreeMap<u32, Slot> = BTreeMap::new();
    let mut seen_header = false;
    for (line, raw) in numbered_lines(&text) {
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with(';') || trimmed.starts_with('#') {
            continue;
        }
        if trimmed.starts_with('[') {
            if trimmed.eq_ignore_ascii_case("[playlist]") {
                seen_header = true;
            } else {
                parsed.problems.push(Problem::new(
                    line,
                    raw,
                    "unknown section; expected [playlist]",
                ));
            }
            continue;
        }
        let Some((key, value)) = trimmed.split_once('=') else {
            parsed
                .problems
                .push(Problem::new(line, raw, "expected Key=Value"));
            continue;
        };
        let key = key.trim().to_ascii_lowercase();
        let value = value.trim();
        let split = key.find(|c: char| c.is_ascii_digit());
        let (field, number) = match split {
            Some(at) => (&key[..at], key[at..].parse::<u32>().ok()),
            None => (key.as_str(), None),
        };
        match (field, number) {
            ("numberofentries" | "version", None) => {}
            ("file", Some(n)) => slots.entry(n).or_default().file = Some((line, value.to_owned())),
            ("title", Some(n)) if !value.is_empty() => {
                slots.entry(n).or_default().title = Some(value.to_owned())
            }
            ("title", Some(_)) => {}
            ("length", Some(n)) => {
                slots.entry(n).or_default().length = value
                    .parse::<i64>()
                    .ok()
                    .filter(|s| *s > 0)
                    .and_then(|s| (s as u64).checked_mul(1000))
            }
            _ => parsed
                .problems
                .push(Problem::new(line, raw, format!("unknown key \"{key}\""))),
        }
    }
    if !seen_header && slots.is_empty() {
        return Err(FormatError::NotThisFormat {
            expected: "PLS",
            reason: "no [playlist] section and no FileN= entries".into(),
        });
    }
    for (n, slot) in slots {
        let Some((line, file)) = slot.file else {
            parsed.problems.push(Problem::new(
                0,
                "",
                format!("entry {n} has a title or length but no File{n}="),
            ));
            continue;
        };
        match Location::parse(&file) {
            Ok(location) => parsed.push(Entry {
                line,
                location,
                title: slot.title,
                artist: None,
                duration_ms: slot.length,
            }),
            Err(message) => parsed.problems.push(Problem::new(line, &file, message)),
        }
    }
    Ok(parsed.finish())
}

/// XSPF: `<playlist><title/><trackList><track><location/><title/>
/// <creator/><duration/></track>…`. Only the five predefined entities and
/// character references are understood, so entity-expansion attacks have
/// nothing to expand; a DOCTYPE is ignored, nesting is capped.
fn parse_xspf(bytes: &[u8]) -> Result<Parsed, FormatError> {
    let (text, _) = text::decode(bytes);
    let line_of = |offset: u64| -> usize {
        let end = (offset as usize).min(text.len());
        text.as_bytes()[..end]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1
    };
    let mut reader = quick_xml::Reader::from_str(&text);
    reader.config_mut().check_end_names = true;
    let mut parsed = Parsed::default();
    let mut stack: Vec<String> = Vec::new();
    let mut current: Option<XspfTrack> = None;
    let mut value = String::new();
    let mut saw_playlist = false;
    loop {
        let at = reader.buffer_position();
        let event = reader.read_event().map_err(|err| FormatError::Xml {
            line: line_of(reader.error_position()),
            message: err.to_string(),
        })?;
        match event {
            Event::Start(start) => {
                let name = local_name(start.local_name().as_ref());
                if stack.len() >= MAX_XML_DEPTH {
                    return Err(FormatError::TooDeep {
                        line: line_of(at),
                        limit: MAX_XML_DEPTH,
                    });
                }
                if stack.is_empty() {
                    if name != "playlist" {
                        return Err(FormatError::NotThisFormat {
                            expected: "XSPF",
                            reason: format!("the root element is <{name}>, not <playlist>"),
                        });
                    }
                    saw_playlist = true;
                }
                if name == "track" && stack.last().map(String::as_str) == Some("trackList") {
                    current = Some(XspfTrack {
                        line: line_of(at),
                        ..XspfTrack::default()
                    });
                }
                value.clear();
                stack.push(name);
            }
            Event::Empty(start) => {
                let name = local_name(start.local_name().as_ref());
                if name == "track" && stack.last().map(String::as_str) == Some("trackList") {
                    parsed.problems.push(Problem::new(
                        line_of(at),
                        "<track/>",
                        "a track with no location",
                    ));
                }
            }
            Event::Text(t) => value.push_str(&t),
            Event::CData(t) => value.push_str(&t),
            Event::GeneralRef(reference) => {
                let resolved = reference
                    .resolve_char_ref()
                    .ok()
                    .flatten()
                    .map(String::from)
                    .or_else(|| {
                        quick_xml::escape::resolve_predefined_entity(&reference).map(str::to_owned)
                    });
                match resolved {
                    Some(text) => value.push_str(&text),
                    None => {
                        let name: &str = &reference;
                        parsed.problems.push(Problem::new(
                            line_of(at),
                            &format!("&{name};"),
                            "unknown entity left out (only XML's predefined entities are read)",
                        ));
                    }
                }
            }
            Event::End(_) => {
                let Some(name) = stack.pop() else { break };
                let parent = stack.last().map(String::as_str);
                let text = value.trim().to_owned();
                value.clear();
                match (parent, name.as_str()) {
                    (Some("track"), field) => {
                        if let Some(track) = current.as_mut() {
                            track.set(field, text);
                        }
                    }
                    (Some("trackList"), "track") => {
                        if let Some(track) = current.take() {
                            track.finish(&mut parsed);
                        }
                    }
                    (Some("playlist"), "title") if !text.is_empty() => parsed.title = Some(text),
                    _ => {}
                }
            }
            Event::Eof => break,
            // Declarations, comments, processing instructions, DOCTYPE.
            _ => {}
        }
    }
    if !saw_playlist {
        return Err(FormatError::NotThisFormat {
            expected: "XSPF",
            reason: "no <playlist> element".into(),
        });
    }
    if !stack.is_empty() {
        parsed.problems.push(Problem::new(
            line_of(text.len() as u64),
            "",
            format!(
                "the file ends inside <{}>; it may be cut short",
                stack.join("><")
            ),
        ));
    }
    Ok(parsed.finish())
}

fn local_name(raw: &str) -> String {
    raw.to_owned()
}

#[derive(Debug, Default)]
struct XspfTrack {
    line: usize,
    locations: Vec<String>,
    title: Option<String>,
    creator: Option<String>,
    duration_ms: Option<u64>,
}

impl XspfTrack {
    fn set(&mut self, field: &str, text: String) {
        if text.is_empty() {
            return;
        }
        match field {
            "location" => self.locations.push(text),
            "title" => self.title = Some(text),
            "creator" => self.creator = Some(text),
            "duration" => self.duration_ms = text.parse().ok(),
            _ => {}
        }
    }

    /// The first location that is a local file wins; else the first one.
    fn finish(self, parsed: &mut Parsed) {
        if self.locations.is_empty() {
            parsed.problems.push(Problem::new(
                self.line,
                self.title.as_deref().unwrap_or("<track>"),
                "a track with no location",
            ));
            return;
        }
        let mut first_error = None;
        let mut chosen = None;
        for raw in &self.locations {
            match parse_xspf_location(raw) {
                Ok(Location::Path(path)) => {
                    chosen = Some(Location::Path(path));
                    break;
                }
                Ok(remote) => {
                    chosen.get_or_insert(remote);
                }
                Err(message) => {
                    first_error.get_or_insert((raw.clone(), message));
                }
            }
        }
        match chosen {
            Some(location) => parsed.push(Entry {
                line: self.line,
                location,
                title: self.title,
                artist: self.creator,
                duration_ms: self.duration_ms,
            }),
            None => {
                let (raw, message) = first_error.unwrap_or_default();
                parsed.problems.push(Problem::new(self.line, &raw, message));
            }
        }
    }
}

/// XSPF locations are URIs: a relative one is percent-encoded, relative to
/// the playlist.
fn parse_xspf_location(raw: &str) -> Result<Location, String> {
    if parse_url(raw).is_some() {
        return Location::parse(raw);
    }
    let decoded = percent_decode(raw);
    Location::parse(&decoded)
}

fn percent_decode(raw: &str) -> String {
    percent_encoding::percent_decode_str(raw)
        .decode_utf8_lossy()
        .into_owned()
}

/// One entry to write.
#[derive(Debug, Clone)]
pub struct ExportEntry {
    pub path: PathBuf,
    pub artist: String,
    pub title: String,
    pub album: String,
    pub duration_ms: Option<u64>,
}

/// How paths are written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathStyle {
    Absolute,
    /// Relative to this folder (the one the playlist file is saved in),
    /// where possible.
    RelativeTo(PathBuf),
}

impl PathStyle {
    fn write(&self, path: &Path) -> PathBuf {
        match self {
            Self::Absolute => path.to_path_buf(),
            Self::RelativeTo(dir) => {
                pathdiff::diff_paths(path, dir).unwrap_or_else(|| path.to_path_buf())
            }
        }
    }
}

/// Extended M3U8 (UTF-8): `#EXTM3U`, `#PLAYLIST:`, then `#EXTINF` and the
/// path of each entry.
pub fn write_m3u8(
    title: &str,
    entries: &[ExportEntry],
    style: &PathStyle,
) -> Result<String, FormatError> {
    let mut out = String::from("#EXTM3U\n");
    out.push_str(&format!("#PLAYLIST:{}\n", one_line(title)));
    for entry in entries {
        let seconds = entry
            .duration_ms
            .map(|ms| ((ms + 500) / 1000).to_string())
            .unwrap_or_else(|| "-1".into());
        out.push_str(&format!(
            "#EXTINF:{seconds},{} - {}\n",
            one_line(&entry.artist),
            one_line(&entry.title)
        ));
        let path = style.write(&entry.path);
        let written = path.to_str().ok_or_else(|| {
            FormatError::Write(format!(
                "{} is not valid UTF-8, which M3U8 requires",
                path.display()
            ))
        })?;
        if written.contains('\n') || written.contains('\r') {
            return Err(FormatError::Write(format!(
                "{written:?} has a line break in its name, which M3U cannot hold"
            )));
        }
        out.push_str(written);
        out.push('\n');
    }
    Ok(out)
}

/// XSPF 1: absolute `file://` URLs, or percent-encoded relative
/// references.
pub fn write_xspf(
    title: &str,
    entries: &[ExportEntry],
    style: &PathStyle,
) -> Result<String, FormatError> {
    // XML 1.0 cannot hold most control characters even escaped; tags do.
    let escape = |text: &str| quick_xml::escape::escape(xml_text(text)).into_owned();
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<playlist version=\"1\" xmlns=\"http://xspf.org/ns/0/\">\n",
    );
    out.push_str(&format!(
        "  <title>{}</title>\n  <trackList>\n",
        escape(title)
    ));
    for entry in entries {
        let location = match style {
            PathStyle::Absolute => url::Url::from_file_path(&entry.path)
                .map(String::from)
                .map_err(|()| {
                    FormatError::Write(format!("{} is not an absolute path", entry.path.display()))
                })?,
            PathStyle::RelativeTo(_) => {
                let relative = style.write(&entry.path);
                if relative.is_absolute() {
                    url::Url::from_file_path(&relative)
                        .map(String::from)
                        .map_err(|()| {
                            FormatError::Write(format!("{} cannot be a URL", relative.display()))
                        })?
                } else {
                    relative
                        .components()
                        .map(|c| encode_segment(&c.as_os_str().to_string_lossy()))
                        .collect::<Vec<_>>()
                        .join("/")
                }
            }
        };
        out.push_str("    <track>\n");
        out.push_str(&format!(
            "      <location>{}</location>\n",
            escape(&location)
        ));
        out.push_str(&format!(
            "      <creator>{}</creator>\n",
            escape(&entry.artist)
        ));
        out.push_str(&format!("      <title>{}</title>\n", escape(&entry.title)));
        if !entry.album.is_empty() {
            out.push_str(&format!("      <album>{}</album>\n", escape(&entry.album)));
        }
        if let Some(ms) = entry.duration_ms {
            out.push_str(&format!("      <duration>{ms}</duration>\n"));
        }
        out.push_str("    </track>\n");
    }
    out.push_str("  </trackList>\n</playlist>\n");
    Ok(out)
}

/// `text` without the characters XML 1.0 forbids (C0 controls other than
/// tab, line feed and carriage return, and U+FFFE/U+FFFF), which tags can
/// hold and which make the file unreadable to every XML parser.
fn xml_text(text: &str) -> std::borrow::Cow<'_, str> {
    let allowed = |c: char| {
        !(c.is_control() && c < ' ' && !matches!(c, '\t' | '\n' | '\r'))
            && c != '\u{FFFE}'
            && c != '\u{FFFF}'
    };
    if text.chars().all(allowed) {
        std::borrow::Cow::Borrowed(text)
    } else {
        std::borrow::Cow::Owned(text.chars().filter(|&c| allowed(c)).collect())
    }
}

/// What a path segment of a relative URI must percent-encode.
const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

fn encode_segment(segment: &str) -> String {
    percent_encoding::utf8_percent_encode(segment, SEGMENT).to_string()
}

fn one_line(text: &str) -> String {
    text.replace(['\n', '\r'], " ")
}

#[cfg(test)]
mod tests;
