//! The commands the window calls, grouped by area. Each one checks its
//! input, calls the core's services and turns an error into a sentence; no
//! rule and no SQL lives here.
//!
//! Every command is named once in [`NAMES`] (which `build.rs` reads for the
//! permissions), registered in `lib.rs`, allowed in
//! `capabilities/default.json` and called from `ui/src/lib/api.ts`; a test
//! checks that the four agree.

pub mod genie;
pub mod history;
pub mod library;
pub mod modes;
pub mod player;
pub mod playlists;
pub mod status;

// build.rs reads the list for the permissions; here the tests check it.
#[cfg(test)]
include!("names.rs");

#[cfg(test)]
mod tests {
    use super::NAMES;
    use std::collections::BTreeSet;

    fn read(path: &str) -> String {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        std::fs::read_to_string(root.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    fn names() -> BTreeSet<String> {
        NAMES.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn every_command_is_allowed_and_nothing_else() {
        let capabilities: serde_json::Value =
            serde_json::from_str(&read("capabilities/default.json")).expect("JSON");
        let allowed: BTreeSet<String> = capabilities["permissions"]
            .as_array()
            .expect("permissions")
            .iter()
            .filter_map(|p| p.as_str()?.strip_prefix("allow-"))
            .map(|p| p.replace('-', "_"))
            .collect();
        assert_eq!(allowed, names());
    }

    #[test]
    fn the_ui_calls_exactly_the_commands_there_are() {
        let api = read("../ui/src/lib/api.ts");
        let called: BTreeSet<String> = api
            .split("invoke")
            .skip(1)
            .filter_map(|rest| {
                // invoke<Type>("name", ...) or invoke("name", ...)
                let rest = match rest.strip_prefix('<') {
                    Some(generic) => &generic[generic.find(">(")? + 1..],
                    None => rest,
                };
                let name = rest.strip_prefix("(\"")?;
                Some(name[..name.find('"')?].to_owned())
            })
            .collect();
        assert_eq!(called, names());
    }

    #[test]
    fn the_handler_registers_every_command() {
        let lib = read("src/lib.rs");
        let start = lib.find("generate_handler![").expect("generate_handler");
        let end = start + lib[start..].find(']').expect("end of the list");
        let registered: BTreeSet<String> = lib[start + "generate_handler![".len()..end]
            .split(',')
            .map(|s| s.trim().rsplit("::").next().unwrap_or_default().to_owned())
            .filter(|s| !s.is_empty())
            .collect();
        assert_eq!(registered, names());
    }
}
