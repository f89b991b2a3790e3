//! `playgenie exclude add|remove|list`: the "never suggest" list that
//! every mode respects (complete, radio), as the app's Settings edit it.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
use playgenie_core::db::ExclusionKind;
use playgenie_core::exclusions::NewExclusion;
use playgenie_core::{Core, Services};

use super::Outcome;
use crate::output::{print_json, shown};

#[derive(Debug, clap::Args)]
pub struct ExcludeArgs {
    #[command(subcommand)]
    action: ExcludeAction,
}

#[derive(Debug, Subcommand)]
enum ExcludeAction {
    /// Never suggest these (one of the options, each may repeat).
    Add {
        /// Every file under this folder (audiobooks, a children's folder).
        #[arg(long)]
        folder: Vec<PathBuf>,
        /// An artist (as performer or album artist).
        #[arg(long)]
        artist: Vec<String>,
        /// An album, by name.
        #[arg(long)]
        album: Vec<String>,
        /// A tag or genre ("christmas", "audiobook"): the learned ear's
        /// top tags or the file's genre tag.
        #[arg(long)]
        tag: Vec<String>,
    },
    /// Take entry ID (as `list` shows it) off the list.
    Remove { id: i64 },
    /// Show the list.
    List {
        #[arg(long)]
        json: bool,
    },
}

impl ExcludeArgs {
    pub fn run(self, core: Core) -> Outcome {
        let services = Services::quiet(core);
        match self.action {
            ExcludeAction::Add {
                folder,
                artist,
                album,
                tag,
            } => {
                let folders = folder.into_iter().map(|f| {
                    // A folder as the library knows it: absolute, links
                    // resolved (one that does not exist yet stays as typed).
                    let f = std::fs::canonicalize(&f).unwrap_or(f);
                    (ExclusionKind::Folder, f.display().to_string())
                });
                let names = [
                    (ExclusionKind::Artist, artist),
                    (ExclusionKind::Album, album),
                    (ExclusionKind::Tag, tag),
                ]
                .into_iter()
                .flat_map(|(kind, values)| values.into_iter().map(move |v| (kind, v)));
                let wanted: Vec<(ExclusionKind, String)> = folders.chain(names).collect();
                if wanted.is_empty() {
                    eprintln!(
                        "playgenie: name what to exclude: --folder, --artist, --album or --tag"
                    );
                    return Ok(ExitCode::FAILURE);
                }
                for (kind, value) in wanted {
                    let added = services.add_exclusion(&NewExclusion {
                        kind,
                        value: value.clone(),
                    })?;
                    let what = format!("{} \"{}\"", kind.as_str(), shown(&value));
                    if added {
                        println!("never suggested now: {what}");
                    } else {
                        println!("already excluded: {what}");
                    }
                }
            }
            ExcludeAction::Remove { id } => {
                if !services.remove_exclusion(id)? {
                    eprintln!("playgenie: no exclusion {id}; `playgenie exclude list` shows them");
                    return Ok(ExitCode::FAILURE);
                }
                println!("exclusion {id} removed");
            }
            ExcludeAction::List { json } => {
                let rows = services.exclusions()?;
                if json {
                    print_json(&rows);
                } else if rows.is_empty() {
                    println!("nothing is excluded");
                } else {
                    for row in rows {
                        println!("{}\t{}\t{}", row.id, row.kind.as_str(), shown(&row.value));
                    }
                }
            }
        }
        Ok(ExitCode::SUCCESS)
    }
}
