//! The UI's TypeScript types, generated from the Rust types the app sends
//! and receives (ts-rs), into `ui/src/lib/generated/bindings.ts`.
//!
//! The file is checked in; `cargo test` fails when it is stale, with the
//! command that rewrites it: `PLAYGENIE_BLESS=1 cargo test --workspace
//! bindings` (or `bash scripts/bindings.sh`).

use ts_rs::{Config, TS};

/// Where the file lives, from this crate.
pub const PATH: &str = "../ui/src/lib/generated/bindings.ts";

/// Appends `T`'s declaration (with its doc comment) to `out`.
fn declare<T: TS + ?Sized>(cfg: &Config, out: &mut String) {
    if let Some(docs) = T::docs() {
        out.push_str(&docs);
    }
    out.push_str("export ");
    out.push_str(&T::decl(cfg));
    out.push_str("\n\n");
}

/// The whole file.
pub fn generate() -> String {
    use playgenie_core as core;
    // serde_json writes every integer as a JSON number; i64 ids and
    // millisecond times stay below 2^53.
    let cfg = Config::new().with_large_int("number");
    let mut out = String::from(
        "// Generated from the Rust types by src-tauri/src/bindings.rs: do not edit.\n\
         // `bash scripts/bindings.sh` rewrites it; `cargo test` fails while it is stale.\n\n",
    );
    macro_rules! declare_all {
        ($($t:ty),* $(,)?) => { $( declare::<$t>(&cfg, &mut out); )* };
    }
    declare_all![
        // Status and the compute backend.
        core::doctor::DoctorReport,
        core::doctor::Versions,
        core::doctor::SelfTestReport,
        core::AppPaths,
        playgenie_models::BackendSummary,
        playgenie_models::device::AdapterInfo,
        playgenie_models::BackendKind,
        playgenie_models::DevicePreference,
        // The library.
        core::LibraryFolder,
        core::db::LibraryRow,
        core::db::FeatureSummary,
        core::db::ScanErrorRow,
        core::analysis::Tags,
        core::scan::ScanProgress,
        core::scan::ScanReport,
        core::db::ListeningProgress,
        core::listen::ListenReport,
        // Playlists.
        core::db::PlaylistSummary,
        core::db::PlaylistEntryRow,
        core::db::EntryOrigin,
        core::playlists::ImportReport,
        core::playlists::ExportFormat,
        playgenie_formats::playlist::Format,
        playgenie_formats::Problem,
        crate::commands::playlists::Exported,
        // Playback and the history.
        core::player::PlayerState,
        core::player::Status,
        core::player::Action,
        core::player::Normalization,
        core::player::PlayContext,
        core::db::PlayableTrack,
        core::db::PlaySource,
        core::db::EndReason,
        core::db::NewPlay,
        core::db::PlayRow,
        core::db::DayTotal,
        core::db::MostPlayed,
        core::history::ImportReport,
        core::engagement::EngagementDay,
        core::engagement::Engagement,
        core::engagement::VersionEngagement,
        core::engagement::EngagementReport,
        // The genie and the model.
        core::service::suggestions::CompleteOptions,
        core::genie::Completion,
        core::genie::Suggestion,
        core::db::Feedback,
        core::genie::TrainMode,
        core::genie::TrainReport,
        playgenie_models::vae::EpochStats,
        crate::commands::genie::Models,
        crate::commands::genie::ModelVersion,
        // The listening modes and the listener's standing choices.
        core::radio::Start,
        core::service::radio::RadioOptions,
        core::service::radio::RadioStarted,
        core::service::radio::RadioStatus,
        core::genie::PathPlan,
        core::genie::PathStep,
        core::db::ExclusionKind,
        core::db::ExclusionRow,
        core::exclusions::NewExclusion,
        core::service::choices::VersionGroup,
        core::service::choices::VersionTrack,
        core::smart::Field,
        core::smart::Op,
        core::smart::RuleSpec,
        core::smart::SmartSpec,
        core::service::smart::SmartPlaylist,
        // The event stream.
        core::CoreEvent,
    ];
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bindings_are_current() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(PATH);
        let fresh = generate();
        if std::env::var_os("PLAYGENIE_BLESS").is_some() {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).expect("generated folder");
            }
            std::fs::write(&path, &fresh).expect("write the bindings");
            return;
        }
        let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            checked_in == fresh,
            "{} is stale: the Rust types the UI sees changed. Run `bash scripts/bindings.sh` and commit the result.",
            path.display()
        );
    }

    #[test]
    fn no_type_is_declared_twice() {
        let text = generate();
        let mut names: Vec<&str> = text
            .lines()
            .filter_map(|l| l.strip_prefix("export type "))
            .filter_map(|l| l.split([' ', '<']).next())
            .collect();
        let all = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), all, "two Rust types share a TypeScript name");
    }
}
