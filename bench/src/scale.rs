//! `playgenie bench scale`: every figure of a big library in one run —
//! "Complete playlist" with a first model trained as the app trains it
//! ([`crate::complete`]) and the rescans and the watcher over as many real
//! files ([`crate::rescan`]) — each beside the goal it answers to. (The
//! window's figures come from the app itself: `ui/e2e/scale.test.mjs`.)

use serde::Serialize;

use crate::complete::{self, Options, SizeReport};
use crate::error::{Error, Result};
use crate::rescan::{self, RescanReport};
use playgenie_models::ComputeBackend;

/// Files rewritten before the touched rescan.
pub const TOUCHED: usize = 100;

#[derive(Debug, Clone, Serialize)]
pub struct ScaleReport {
    pub complete: SizeReport,
    pub rescan: RescanReport,
}

/// One figure against its goal.
#[derive(Debug, Clone, Serialize)]
pub struct Figure {
    pub what: &'static str,
    pub value: f64,
    pub unit: &'static str,
    /// The most it may be.
    pub goal: f64,
}

impl Figure {
    pub fn met(&self) -> bool {
        self.value <= self.goal
    }
}

impl ScaleReport {
    /// The figures the scale goals name, in the order.
    pub fn figures(&self) -> Vec<Figure> {
        let c = &self.complete;
        let r = &self.rescan;
        let figure = |what, value, unit, goal| Figure {
            what,
            value,
            unit,
            goal,
        };
        let mut out = vec![
            figure("Complete playlist, k = 20, p95", c.model_p95_ms, "ms", 50.0),
            figure("first model", c.train_s, "s", 60.0),
            figure("unchanged rescan, median", r.unchanged_p50_s, "s", 3.0),
            figure("rescan after touching 100 files", r.touched_s, "s", 5.0),
            figure(
                "watcher: one new file, after it settles",
                r.watcher_s - r.settle_s,
                "s",
                3.0,
            ),
        ];
        if let Some(rss) = c.rss_mb {
            out.push(figure("memory with the model loaded", rss, "MB", 400.0));
        }
        out
    }
}

/// Builds a library of `tracks` (with `history_days` of listening) and
/// times everything on it: `requests` completions, `repeats` unchanged
/// rescans.
pub fn run(
    tracks: usize,
    requests: usize,
    history_days: u32,
    repeats: usize,
    backend: &ComputeBackend,
    mut progress: impl FnMut(&str),
) -> Result<ScaleReport> {
    let options = Options {
        train_epochs: None,
        rescore: None,
        k: 20,
        requests,
        history_days,
    };
    let complete = complete::run(&[tracks], &options, backend, &mut progress)?
        .into_iter()
        .next()
        .ok_or_else(|| Error::Failed("the completion bench timed nothing".into()))?;
    let rescan = rescan::run(tracks, TOUCHED, repeats, &mut progress)?;
    Ok(ScaleReport { complete, rescan })
}
