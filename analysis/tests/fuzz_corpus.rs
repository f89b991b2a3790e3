//! Replays the audio fuzz target's seeds (kept in git: hand-made examples
//! plus the smallest inputs of the grown corpus) and every input that once
//! crashed it, on stable, in every `cargo test`.

use std::path::PathBuf;

fn inputs(kind: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from)
        .join("fuzz")
        .join(kind)
        .join("audio");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_file() {
            let bytes = std::fs::read(&path).expect("readable input");
            out.push((path, bytes));
        }
    }
    out
}

#[test]
fn audio_seeds_and_regressions_run_clean() {
    let seeds = inputs("seeds");
    assert!(seeds.len() >= 6, "the seeds are missing: {}", seeds.len());
    for (path, bytes) in seeds.iter().chain(&inputs("regressions")) {
        let outcome = std::panic::catch_unwind(|| playgenie_analysis::fuzz::audio(bytes));
        assert!(outcome.is_ok(), "{} crashes the audio path", path.display());
    }
}
