//! `playgenie tracks`: every indexed track with its tags, features, the
//! learned ear's top tags and status.

use std::process::ExitCode;

use playgenie_core::Core;

use super::Outcome;
use crate::output::{print_json, shown};

#[derive(Debug, clap::Args)]
pub struct TracksArgs {
    /// Print JSON (every field, features included).
    #[arg(long)]
    json: bool,
}

impl TracksArgs {
    pub fn run(self, core: Core) -> Outcome {
        let tracks = core.db().tracks()?;
        if self.json {
            print_json(&tracks);
            return Ok(ExitCode::SUCCESS);
        }
        for t in tracks {
            let features = t.features.as_ref().map(|f| {
                format!(
                    "{:.0} BPM, {}, {:.1} LUFS",
                    f.tempo_bpm,
                    f.key_name(),
                    f.loudness_lufs
                )
            });
            println!(
                "{}\t{} - {}\t{}\t{:.1}s\t{}\t{}",
                t.status,
                shown(&t.tags.artist),
                shown(&t.tags.title),
                shown(&t.tags.album),
                t.tags.duration_s.unwrap_or(0.0),
                features.unwrap_or_default(),
                t.sound_tags.join(", ")
            );
        }
        Ok(ExitCode::SUCCESS)
    }
}
