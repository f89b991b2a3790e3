#![no_main]
//! Any bytes: a parsed playlist or an error, never a panic or a hang; and
//! every entry kept points somewhere.

use libfuzzer_sys::fuzz_target;
use playgenie_formats::playlist::{parse, Format, MAX_ENTRIES};

fuzz_target!(|data: &[u8]| {
    if let Ok(parsed) = parse(data, Format::Pls) {
        assert!(parsed.entries.len() <= MAX_ENTRIES);
        for entry in &parsed.entries {
            assert!(entry.line >= 1);
        }
    }
});
