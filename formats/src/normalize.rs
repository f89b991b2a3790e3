//! Matching a listen from another service to a track in the library: artist
//! and title are folded to a key that survives case, accents, punctuation,
//! "feat." credits and "(Remastered 2011)"-style suffixes.

use unicode_normalization::UnicodeNormalization;

/// A comparable form of a name: Unicode-decomposed without accents,
/// lower case, letters and digits only, single spaces.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.nfkd() {
        if unicode_normalization::char::is_combining_mark(c) {
            continue;
        }
        if c == '&' {
            push_word(&mut out, &mut space, "and");
        } else if c.is_alphanumeric() {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            out.extend(c.to_lowercase());
        } else {
            space = true;
        }
    }
    out
}

fn push_word(out: &mut String, space: &mut bool, word: &str) {
    if !out.is_empty() {
        out.push(' ');
    }
    out.push_str(word);
    *space = true;
}

/// A title without what services add or drop: bracketed suffixes
/// ("(Remastered)", "[Live]") and " - 2011 Remaster"-style tails.
pub fn title_key(title: &str) -> String {
    let mut core = title.to_owned();
    // Drop bracketed parts, but never the whole title.
    for (open, close) in [('(', ')'), ('[', ']')] {
        while let (Some(a), Some(b)) = (core.find(open), core.rfind(close)) {
            if b <= a || core[..a].trim().is_empty() {
                break;
            }
            core.replace_range(a..=b, " ");
        }
    }
    if let Some(cut) = core.find(" - ") {
        let tail = fold(&core[cut + 3..]);
        if [
            "remaster", "live", "mono", "stereo", "version", "edit", "mix",
        ]
        .iter()
        .any(|w| tail.contains(w))
        {
            core.truncate(cut);
        }
    }
    fold(strip_featuring(&core))
}

/// An artist without featured guests ("A feat. B" → "A") and a leading
/// "The".
pub fn artist_key(artist: &str) -> String {
    let folded = fold(strip_featuring(artist));
    folded
        .strip_prefix("the ")
        .map(str::to_owned)
        .unwrap_or(folded)
}

fn strip_featuring(text: &str) -> &str {
    let lower = text.to_lowercase();
    let mut end = text.len();
    for marker in [" feat. ", " feat ", " ft. ", " featuring ", " (feat"] {
        if let Some(at) = lower.find(marker) {
            // `lower` may differ in byte length from `text` for some
            // scripts; only cut where the index is valid in both.
            if at < end && text.is_char_boundary(at) {
                end = at;
            }
        }
    }
    &text[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_ignores_case_accents_and_punctuation() {
        assert_eq!(fold("Sigur Rós"), "sigur ros");
        assert_eq!(fold("  AC/DC!! "), "ac dc");
        assert_eq!(fold("Simon & Garfunkel"), "simon and garfunkel");
    }

    #[test]
    fn titles_lose_service_decorations() {
        assert_eq!(title_key("Hey Jude - Remastered 2015"), "hey jude");
        assert_eq!(title_key("Song (Live) [Bonus]"), "song");
        assert_eq!(
            title_key("(I Can't Get No) Satisfaction"),
            "i can t get no satisfaction"
        );
        assert_eq!(title_key("Lose Yourself feat. Someone"), "lose yourself");
    }

    #[test]
    fn artists_lose_guests_and_the() {
        assert_eq!(artist_key("The Beatles"), "beatles");
        assert_eq!(artist_key("Calvin Harris feat. Rihanna"), "calvin harris");
    }
}
