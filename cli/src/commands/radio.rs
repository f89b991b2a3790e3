//! `playgenie radio --from KIND:VALUE --minutes N --out FILE.m3u8`: the
//! genie radio as a plan. A listener who hears every track (or skips the
//! artists named with `--skip-artist` after 5 s, as a person would press
//! Next) walks the radio for N minutes; every refill is the same service
//! call the app's player makes, steered by those skips.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::process::ExitCode;

use playgenie_core::db::{EndReason, NewPlay, PlaySource};
use playgenie_core::formats::normalize::artist_key;
use playgenie_core::radio::{Start, LOW_WATER};
use playgenie_core::service::radio::RadioOptions;
use playgenie_core::{Core, Services};

use super::Outcome;
use crate::output::{clock, print_json, shown};

/// How long a simulated skip listens, in milliseconds.
const SKIP_AFTER_MS: u64 = 5_000;

#[derive(Debug, clap::Args)]
pub struct RadioArgs {
    /// Where to start: track:ID, album:NAME, artist:NAME, playlist:NAME_OR_ID
    /// or tag:NAME.
    #[arg(long, value_parser = start)]
    from: FromArg,
    /// How long the plan runs (minutes heard, more than 0, at most a week).
    #[arg(long, default_value_t = 60.0, value_parser = minutes)]
    minutes: f64,
    /// Write the plan as a playlist (M3U8 or XSPF, by extension).
    #[arg(long)]
    out: Option<PathBuf>,
    /// The simulated listener skips this artist's tracks (repeatable).
    #[arg(long = "skip-artist", value_name = "ARTIST")]
    skip_artists: Vec<String>,
    /// 0 = familiar, 1 = discovery.
    #[arg(long, default_value_t = 0.2, value_parser = crate::args::unit_interval)]
    adventurousness: f32,
    #[arg(long)]
    json: bool,
}

/// One track of the plan.
#[derive(Debug, serde::Serialize)]
struct Step {
    track_id: i64,
    artist: String,
    title: String,
    heard_ms: u64,
    skipped: bool,
}

/// `--from` as typed: a start, or a playlist still to look up.
#[derive(Debug, Clone)]
enum FromArg {
    Start(Start),
    Playlist(String),
}

fn start(text: &str) -> Result<FromArg, String> {
    let (kind, value) = text
        .split_once(':')
        .ok_or_else(|| format!("\"{text}\" is not KIND:VALUE (track:12, artist:Maxstack, ...)"))?;
    let value = value.trim();
    if value.is_empty() {
        return Err(format!("{kind}: needs a value"));
    }
    let id = |v: &str| {
        v.parse::<i64>()
            .map_err(|_| format!("track:{v}: a track is named by its id (`playgenie tracks`)"))
    };
    match kind {
        "track" => Ok(FromArg::Start(Start::Track(id(value)?))),
        "album" => Ok(FromArg::Start(Start::Album(value.to_owned()))),
        "artist" => Ok(FromArg::Start(Start::Artist(value.to_owned()))),
        // A name or an id, looked up in `run`.
        "playlist" => Ok(FromArg::Playlist(value.to_owned())),
        "tag" => Ok(FromArg::Start(Start::Tag(value.to_owned()))),
        other => Err(format!(
            "\"{other}\" is not a start: use track, album, artist, playlist or tag"
        )),
    }
}

fn minutes(text: &str) -> Result<f64, String> {
    crate::args::seconds(text).map_err(|e| e.replace("seconds", "minutes"))
}

impl RadioArgs {
    pub fn run(self, core: Core) -> Outcome {
        let from = match self.from {
            FromArg::Playlist(name) => Start::Playlist(core.db().find_playlist(&name)?.id),
            FromArg::Start(start) => start,
        };
        let services = Services::quiet(core);
        let options = RadioOptions {
            adventurousness: self.adventurousness,
            utc_offset_s: 0,
        };
        let started = services.radio_start(from, options)?;
        let skip: Vec<String> = self.skip_artists.iter().map(|a| artist_key(a)).collect();
        let mut queue: VecDeque<i64> = started.tracks.into();
        let mut steps = Vec::new();
        let mut heard_ms = 0u64;
        let target_ms = (self.minutes * 60_000.0) as u64;
        let mut now_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64);
        while heard_ms < target_ms {
            if queue.len() < LOW_WATER {
                queue.extend(services.radio_refill(queue.len())?);
            }
            let Some(id) = queue.pop_front() else {
                eprintln!(
                    "playgenie: the radio ran dry after {}",
                    clock(heard_ms as f64)
                );
                break;
            };
            let Some(track) = services.with_db(|db| db.playable_tracks(&[id]))?.pop() else {
                continue;
            };
            let duration_ms = track.duration_ms.unwrap_or(180_000);
            let skipped = skip.contains(&artist_key(&track.artist));
            let listened_ms = if skipped {
                SKIP_AFTER_MS.min(duration_ms)
            } else {
                duration_ms
            };
            services.radio_observe(&NewPlay {
                track_id: Some(id),
                artist: track.artist.clone(),
                title: track.title.clone(),
                started_at_ms: now_ms,
                listened_ms,
                end_reason: if skipped {
                    EndReason::Skipped
                } else {
                    EndReason::Finished
                },
                end_position_ms: Some(listened_ms),
                duration_ms: Some(duration_ms),
                source: PlaySource::Suggestion,
                playlist_id: None,
                imported_from: None,
            });
            now_ms += listened_ms as i64;
            heard_ms += listened_ms;
            steps.push(Step {
                track_id: id,
                artist: track.artist,
                title: track.title,
                heard_ms: listened_ms,
                skipped,
            });
        }
        services.radio_stop()?;
        if self.json {
            print_json(&steps);
        } else {
            println!(
                "{}: {} tracks, {} heard",
                started.title,
                steps.len(),
                clock(heard_ms as f64)
            );
            for (i, s) in steps.iter().enumerate() {
                println!(
                    "{:>4}. {} – {}{}",
                    i + 1,
                    shown(&s.artist),
                    shown(&s.title),
                    if s.skipped { "  (skipped)" } else { "" }
                );
            }
        }
        if let Some(out) = &self.out {
            let kept: Vec<i64> = steps
                .iter()
                .filter(|s| !s.skipped)
                .map(|s| s.track_id)
                .collect();
            super::export_ids(&services, &started.title, &kept, out)?;
        }
        Ok(ExitCode::SUCCESS)
    }
}
