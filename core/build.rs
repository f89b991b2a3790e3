//! Records the versions of the key dependencies, as resolved in Cargo.lock,
//! so `playgenie doctor` can report exactly what was built.

use std::path::Path;

const REPORTED: [(&str, &str); 5] = [
    ("burn", "PLAYGENIE_BURN_VERSION"),
    ("wgpu", "PLAYGENIE_WGPU_VERSION"),
    ("tauri", "PLAYGENIE_TAURI_VERSION"),
    ("symphonia", "PLAYGENIE_SYMPHONIA_VERSION"),
    ("rusqlite", "PLAYGENIE_RUSQLITE_VERSION"),
];

fn main() {
    // Read at run time: a build script binary compiled for another checkout
    // (same sources, shared target dir) must still read this one's lock.
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default();
    let lock = Path::new(&manifest_dir).join("../Cargo.lock");
    println!("cargo:rerun-if-changed={}", lock.display());
    let text = std::fs::read_to_string(&lock).unwrap_or_default();
    for (crate_name, var) in REPORTED {
        let version = locked_version(&text, crate_name).unwrap_or_else(|| "not linked".into());
        println!("cargo:rustc-env={var}={version}");
    }
}

/// Finds `version = "x"` right after `name = "<crate_name>"` in a Cargo.lock.
fn locked_version(lock: &str, crate_name: &str) -> Option<String> {
    let wanted = format!("name = \"{crate_name}\"");
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == wanted {
            let next = lines.next()?.trim();
            return next
                .strip_prefix("version = \"")
                .and_then(|rest| rest.strip_suffix('"'))
                .map(str::to_owned);
        }
    }
    None
}
