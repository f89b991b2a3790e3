//! PlayGenie's file formats, kept apart from everything else so they can be
//! fuzzed on their own: playlist files (M3U/M3U8, PLS, XSPF) in and out, and
//! listening-history exports (ListenBrainz JSON, Last.fm scrobble CSV) in.
//!
//! Everything here is pure: bytes in, values out, no file system and no
//! database. Parsers never panic and never give up on a whole file because
//! of one bad entry: they return what they could read plus a [`Problem`] per
//! line they could not. Inputs that cannot be a playlist at all (too big,
//! XML nested absurdly deep) are a [`FormatError`].

pub mod history;
pub mod normalize;
pub mod playlist;
pub mod text;

/// The most bytes a playlist or history file may have (256 MiB): more is
/// certainly not a playlist, and reading it would only exhaust memory.
pub const MAX_INPUT_BYTES: usize = 256 << 20;

/// One line (or element) of an input that could not be used, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Problem {
    /// 1-based line number in the file.
    pub line: usize,
    /// The offending text, shortened for display.
    pub text: String,
    /// What is wrong, in words.
    pub message: String,
}

impl Problem {
    pub(crate) fn new(line: usize, text: &str, message: impl Into<String>) -> Self {
        Self {
            line,
            text: shorten(text.trim(), 120),
            message: message.into(),
        }
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.text.is_empty() {
            write!(f, "line {}: {}", self.line, self.message)
        } else {
            write!(f, "line {}: {} ({})", self.line, self.message, self.text)
        }
    }
}

/// Why a whole file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum FormatError {
    #[error("the file is {size} bytes; files over {} MiB are not accepted", MAX_INPUT_BYTES >> 20)]
    TooLarge { size: usize },
    #[error("not valid XML at line {line}: {message}")]
    Xml { line: usize, message: String },
    #[error(
        "the XML is nested more than {limit} levels deep (line {line}); that is not a playlist"
    )]
    TooDeep { line: usize, limit: usize },
    #[error("not a {expected} file: {reason}")]
    NotThisFormat {
        expected: &'static str,
        reason: String,
    },
    #[error("could not write the playlist: {0}")]
    Write(String),
}

/// `text` cut to at most `max` characters (with an ellipsis).
pub(crate) fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

pub(crate) fn check_size(bytes: &[u8]) -> Result<(), FormatError> {
    if bytes.len() > MAX_INPUT_BYTES {
        return Err(FormatError::TooLarge { size: bytes.len() });
    }
    Ok(())
}
