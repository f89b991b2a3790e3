//! `playgenie path --from ID --to ID [--via ID]... --steps N`: a path from
//! one track to another, each step a good track for you, evenly on the way
//! in sound (and in the model's space), with why each step sits there.

use std::path::PathBuf;
use std::process::ExitCode;

use playgenie_core::{Core, Services};

use super::Outcome;
use crate::output::{print_json, shown};

#[derive(Debug, clap::Args)]
pub struct PathArgs {
    /// The first track (its id, as `playgenie tracks` shows it).
    #[arg(long)]
    from: i64,
    /// The last track.
    #[arg(long)]
    to: i64,
    /// Tracks to pass through, in order (repeatable).
    #[arg(long)]
    via: Vec<i64>,
    /// Tracks in all, both ends included (2 to 200).
    #[arg(long, default_value_t = 10, value_parser = steps)]
    steps: usize,
    /// Write the path as a playlist (M3U8 or XSPF, by extension).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Say why each step sits where it does.
    #[arg(long)]
    explain: bool,
    #[arg(long)]
    json: bool,
}

fn steps(text: &str) -> Result<usize, String> {
    let n: usize = text
        .parse()
        .map_err(|_| format!("\"{text}\" is not a whole number of tracks"))?;
    let (min, max) = (
        playgenie_core::path::MIN_STEPS,
        playgenie_core::path::MAX_STEPS,
    );
    if (min..=max).contains(&n) {
        Ok(n)
    } else {
        Err(format!("a path has {min} to {max} tracks, not {n}"))
    }
}

impl PathArgs {
    pub fn run(self, core: Core) -> Outcome {
        let services = Services::quiet(core);
        let plan = services.plan_path(self.from, self.to, self.via.clone(), self.steps, 0)?;
        if self.json {
            print_json(&plan);
        } else {
            println!(
                "{} tracks from {} in {:.0} ms:",
                plan.steps.len(),
                plan.answered_by,
                plan.millis
            );
            for (i, s) in plan.steps.iter().enumerate() {
                println!(
                    "{:>3}. {:>3.0} %  {} – {}",
                    i + 1,
                    s.along * 100.0,
                    shown(&s.artist),
                    shown(&s.title)
                );
                if self.explain {
                    for reason in &s.reasons {
                        println!("            {}", shown(reason));
                    }
                }
            }
        }
        if let Some(out) = &self.out {
            let ids: Vec<i64> = plan.steps.iter().map(|s| s.track_id).collect();
            let (first, last) = (plan.steps.first(), plan.steps.last());
            let name = match (first, last) {
                (Some(a), Some(b)) => format!("{} → {}", a.title, b.title),
                _ => "Path".to_owned(),
            };
            super::export_ids(&services, &name, &ids, out)?;
        }
        Ok(ExitCode::SUCCESS)
    }
}
