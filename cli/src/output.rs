//! The one place the CLI prints from: JSON for `--json`, and the helpers
//! every text table uses. [`shown`] makes text from files (tags, file
//! names, playlist lines) safe to print: a control character or escape
//! sequence in a tag is shown escaped, so it can neither recolour the
//! terminal nor add a fake row.

use std::borrow::Cow;

use serde::Serialize;

/// A progress bar for long work, drawn with `template` (indicatif's
/// syntax; the plain default bar if the template does not parse).
pub fn progress_bar(template: &str) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template(template)
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar
}

/// Prints `value` as pretty JSON on stdout.
pub fn print_json(value: &impl Serialize) {
    println!("{}", to_json(value));
}

/// `value` as pretty JSON.
pub fn to_json(value: &impl Serialize) -> String {
    // Our report types contain only strings, numbers and paths: they always
    // serialise. A failure would be a bug worth seeing, not a user error.
    serde_json::to_string_pretty(value).unwrap_or_else(|err| format!("{{\"error\": \"{err}\"}}"))
}

/// `text` with control characters escaped (`\n`, `\u{1b}`), for printing
/// text that came from a file to a terminal.
pub fn shown(text: &str) -> Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .map(|c| {
                if c.is_control() {
                    c.escape_default().to_string()
                } else {
                    c.to_string()
                }
            })
            .collect(),
    )
}

/// `m:ss` (or `h:mm:ss`) from milliseconds.
pub fn clock(ms: f64) -> String {
    let s = (ms / 1000.0).round().max(0.0) as u64;
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_shown_escaped() {
        assert_eq!(shown("plain – ok"), "plain – ok");
        assert_eq!(shown("a\nb\u{1b}[31m"), "a\\nb\\u{1b}[31m");
    }

    #[test]
    fn clock_shows_minutes_and_hours() {
        assert_eq!(clock(61_000.0), "1:01");
        assert_eq!(clock(3_723_000.0), "1:02:03");
        assert_eq!(clock(-5.0), "0:00");
    }
}
