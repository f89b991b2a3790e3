//! Turning a text file's bytes into a string, the way playlist files come in
//! the wild: UTF-8 with or without a byte-order mark, UTF-16 with one, and
//! old M3U files in Latin-1 / Windows-1252.

use std::borrow::Cow;

/// Which encoding [`decode`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf16,
    /// Not valid UTF-8 and no byte-order mark: read as Windows-1252, the
    /// superset of Latin-1 that Windows-made M3U files use.
    Latin1,
}

/// Decodes `bytes`, dropping a byte-order mark.
pub fn decode(bytes: &[u8]) -> (Cow<'_, str>, Encoding) {
    if let Some((encoding, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        let (text, _) = encoding.decode_without_bom_handling(&bytes[bom..]);
        let kind = if encoding == encoding_rs::UTF_8 {
            Encoding::Utf8
        } else {
            Encoding::Utf16
        };
        return (text, kind);
    }
    if let Some(encoding) = utf16_without_bom(bytes) {
        let (text, _) = encoding.decode_without_bom_handling(bytes);
        return (text, Encoding::Utf16);
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => (Cow::Borrowed(text), Encoding::Utf8),
        Err(_) => {
            let (text, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes);
            (text, Encoding::Latin1)
        }
    }
}

/// UTF-16 without a byte-order mark, as some Windows tools write it: text
/// of mostly Latin script then has a zero in every other byte. Looks at the
/// first 1 KiB: at least 3 in 4 of the high bytes zero and (almost) none
/// of the low ones. UTF-8 and Latin-1 text never has NUL bytes.
fn utf16_without_bom(bytes: &[u8]) -> Option<&'static encoding_rs::Encoding> {
    let head = &bytes[..bytes.len().min(1024) & !1];
    let pairs = head.len() / 2;
    if pairs < 2 {
        return None;
    }
    let zeros = |offset: usize| {
        head.iter()
            .skip(offset)
            .step_by(2)
            .filter(|&&b| b == 0)
            .count()
    };
    let (even, odd) = (zeros(0), zeros(1));
    let mostly = |n: usize| n * 4 >= pairs * 3;
    let hardly = |n: usize| n * 20 <= pairs;
    if mostly(odd) && hardly(even) {
        Some(encoding_rs::UTF_16LE)
    } else if mostly(even) && hardly(odd) {
        Some(encoding_rs::UTF_16BE)
    } else {
        None
    }
}

/// Lines of `text`, numbered from 1, without their `\n`/`\r\n`/`\r` ends.
pub fn numbered_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.split('\n')
        .map(|line| line.strip_suffix('\r').unwrap_or(line))
        .enumerate()
        .map(|(i, line)| (i + 1, line))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_with_a_bom_loses_the_bom() {
        let (text, kind) = decode(b"\xEF\xBB\xBF#EXTM3U");
        assert_eq!(text, "#EXTM3U");
        assert_eq!(kind, Encoding::Utf8);
    }

    #[test]
    fn latin1_bytes_become_their_characters() {
        let (text, kind) = decode(b"Bj\xF6rk - J\xF3ga.mp3");
        assert_eq!(text, "Björk - Jóga.mp3");
        assert_eq!(kind, Encoding::Latin1);
    }

    #[test]
    fn utf16_with_a_bom_is_read() {
        let bytes: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("a.mp3".encode_utf16().flat_map(|u| u.to_le_bytes()))
            .collect();
        assert_eq!(decode(&bytes).0, "a.mp3");
    }

    #[test]
    fn utf16_without_a_bom_is_recognised() {
        let text = "#EXTM3U\n/music/Björk/Jóga.flac\n";
        let le: Vec<u8> = text.encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
        let be: Vec<u8> = text.encode_utf16().flat_map(|u| u.to_be_bytes()).collect();
        for bytes in [le, be] {
            let (decoded, kind) = decode(&bytes);
            assert_eq!(decoded, text);
            assert_eq!(kind, Encoding::Utf16);
        }
        // Plain text with the odd NUL byte stays what it is.
        assert_eq!(decode(b"ab\0cdefgh").1, Encoding::Utf8);
    }

    #[test]
    fn crlf_and_cr_free_lines() {
        let lines: Vec<_> = numbered_lines("a\r\nb\n\nc").collect();
        assert_eq!(lines, vec![(1, "a"), (2, "b"), (3, ""), (4, "c")]);
    }
}
