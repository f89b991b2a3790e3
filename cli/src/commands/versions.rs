//! `playgenie versions [prefer ID]`: the songs the library holds in more
//! than one version (live, remaster, a copy under other tags), and which
//! of them the modes suggest.

use std::process::ExitCode;

use clap::Subcommand;
use playgenie_core::{Core, Services};

use super::Outcome;
use crate::output::{clock, print_json, shown};

#[derive(Debug, clap::Args)]
pub struct VersionsArgs {
    #[command(subcommand)]
    action: Option<VersionsAction>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Subcommand)]
enum VersionsAction {
    /// Suggest track ID rather than the other versions of its song.
    Prefer { id: i64 },
}

impl VersionsArgs {
    pub fn run(self, core: Core) -> Outcome {
        let services = Services::quiet(core);
        if let Some(VersionsAction::Prefer { id }) = self.action {
            services.prefer_version(id)?;
            println!("track {id} is the version suggested now");
            return Ok(ExitCode::SUCCESS);
        }
        let groups = services.version_groups()?;
        if self.json {
            print_json(&groups);
        } else if groups.is_empty() {
            println!("every song is in the library once");
        } else {
            for group in &groups {
                for t in &group.tracks {
                    println!(
                        "{} {:>6}  {} – {}  [{}]  {}  ({})",
                        if t.suggested { "*" } else { " " },
                        t.track_id,
                        shown(&t.artist),
                        shown(&t.title),
                        shown(&t.album),
                        t.duration_s.map(|s| clock(s * 1000.0)).unwrap_or_default(),
                        shown(&t.folder),
                    );
                }
                println!();
            }
            println!("* the version suggested; `playgenie versions prefer ID` picks another");
        }
        Ok(ExitCode::SUCCESS)
    }
}
