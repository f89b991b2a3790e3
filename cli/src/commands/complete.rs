//! `playgenie complete`: continue a playlist (or a playlist file) with k
//! tracks that fit it and you, through the same service as the app.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use playgenie_core::playlists;
use playgenie_core::service::suggestions::CompleteOptions;
use playgenie_core::{Core, Services};

use super::Outcome;
use crate::output::{print_json, shown};

#[derive(Debug, clap::Args)]
pub struct CompleteArgs {
    /// A playlist's name (or id), or a playlist file (M3U/M3U8, PLS, XSPF).
    #[arg(long)]
    playlist: String,
    /// How many tracks to add (1 to 1000).
    #[arg(short, default_value_t = 10, value_parser = crate::args::track_count)]
    k: usize,
    /// Write the completed playlist (the playlist, then the suggestions).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Say why each track was suggested.
    #[arg(long)]
    explain: bool,
    /// 0 = familiar, 1 = discovery.
    #[arg(long, default_value_t = 0.0, value_parser = crate::args::unit_interval)]
    adventurousness: f32,
    /// No artist twice within this many tracks (0 to 1000).
    #[arg(long, default_value_t = 3, value_parser = crate::args::artist_window)]
    artist_window: usize,
    /// Never suggest tracks with this tag or genre (the learned ear's top
    /// tags, as `playgenie tracks` shows them, or the file's genre tag);
    /// repeat it or separate tags with commas.
    #[arg(long = "exclude-tag", value_name = "TAG", value_delimiter = ',')]
    exclude_tags: Vec<String>,
    #[arg(long)]
    json: bool,
}

impl CompleteArgs {
    pub fn run(self, core: Core) -> Outcome {
        let as_file = Path::new(&self.playlist);
        let (name, seed, playlist_id) = if as_file.is_file() {
            let (title, ids, problems) = playlists::read_file(core.db(), as_file)?;
            for p in &problems {
                eprintln!("{}: skipped {}", as_file.display(), shown(&p.to_string()));
            }
            let stem = as_file
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned());
            (
                title.or(stem).unwrap_or_else(|| "Playlist".into()),
                ids,
                None,
            )
        } else {
            let p = core.db().find_playlist(&self.playlist)?;
            let ids = core
                .db()
                .playlist_entries(p.id)?
                .iter()
                .map(|e| e.track_id)
                .collect();
            (p.name, ids, Some(p.id))
        };
        let options = CompleteOptions {
            k: self.k,
            adventurousness: self.adventurousness,
            artist_window: self.artist_window,
            exclude: Vec::new(),
            exclude_tags: self.exclude_tags.clone(),
            // The CLI reads times of day in UTC.
            utc_offset_s: 0,
        };
        let services = Services::quiet(core);
        let completion = match playlist_id {
            Some(id) => services.complete_playlist(id, options)?,
            None => services.complete_tracks(seed.clone(), options)?,
        };
        if self.json {
            print_json(&completion);
        } else {
            println!(
                "{} more for \"{}\" ({} tracks) from {} in {:.0} ms:",
                completion.suggestions.len(),
                shown(&name),
                seed.len(),
                completion.answered_by,
                completion.millis
            );
            for (i, s) in completion.suggestions.iter().enumerate() {
                println!("{:>3}. {} – {}", i + 1, shown(&s.artist), shown(&s.title));
                if self.explain {
                    for reason in &s.reasons {
                        println!("       {}", shown(reason));
                    }
                }
            }
        }
        if let Some(out) = &self.out {
            let mut all = seed;
            all.extend(completion.suggestions.iter().map(|s| s.track_id));
            super::export_ids(&services, &name, &all, out)?;
        }
        Ok(ExitCode::SUCCESS)
    }
}
