//! Replays the fuzzers' seeds (hand-written examples and the smallest
//! inputs of the grown corpus) and every input that once crashed a parser
//! (fuzz/seeds, fuzz/regressions) on the stable toolchain, so CI
//! keeps the parsers honest without running libFuzzer.

use std::path::PathBuf;

use playgenie_formats::history::{self, Service};
use playgenie_formats::playlist::{self, Format};

fn inputs(kind: &str, target: &str) -> Vec<Vec<u8>> {
    // Read when the test runs (cargo sets it): a binary reused from a build
    // in another checkout must still read this checkout's corpus.
    let root = std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from);
    let dir = root.join("fuzz").join(kind).join(target);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_file())
        .map(|e| std::fs::read(e.path()).expect("readable corpus file"))
        .collect()
}

fn all(target: &str) -> Vec<Vec<u8>> {
    let mut found = inputs("seeds", target);
    found.extend(inputs("regressions", target));
    found
}

#[test]
fn playlist_corpus_parses_without_panics() {
    for (target, format) in [
        ("playlist_m3u", Format::M3u),
        ("playlist_pls", Format::Pls),
        ("playlist_xspf", Format::Xspf),
    ] {
        let inputs = all(target);
        assert!(!inputs.is_empty(), "no corpus for {target}");
        for input in inputs {
            let _ = playlist::parse(&input, format);
        }
    }
}

#[test]
fn history_corpus_parses_without_panics() {
    let inputs = all("history");
    assert!(!inputs.is_empty(), "no corpus for history");
    for input in inputs {
        for service in [Service::ListenBrainz, Service::LastFm] {
            let _ = history::parse(&input, service);
        }
    }
}
