//! The listening pass: after the fast scan, the learned ear (MusiCNN,
//! [`playgenie_models::listener`]) hears every analysed track that has no
//! current result, in batches, and stores its tags and embedding
//! ([`crate::db::Listened`]). The library is usable before it starts; tags
//! arrive as it goes.
//!
//! - Resumable: each batch is one transaction, and what is left is asked
//!   of the database, so a killed pass continues where it stopped and
//!   never leaves half a result.
//! - Cancellable between batches.
//! - Versioned: a new [`LISTENER_VERSION`] (or a changed file) makes a
//!   result stale, and only stale tracks are heard again.
//! - When the first pass over the library ends, the genie's catalogue
//!   starts carrying the ear's columns ([`Db::use_ear`]).

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use playgenie_models::listener::{Listener, LISTENER_VERSION};
use playgenie_models::{BackendKind, ComputeBackend};
use rayon::prelude::*;
use serde::Serialize;

use crate::analysis::listening;
use crate::db::{Listened, ListeningProgress};
use crate::ear;
use crate::error::{Error, Result};
use crate::Db;

/// How much the pass hears of each track, and in what batches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListenOptions {
    /// Patches (≈ 3 s each) per track, spread evenly over it.
    pub patches: usize,
    /// Tracks per forward pass (and per transaction).
    pub batch: usize,
}

/// Patches per track on the CPU, measured with `playgenie bench index
/// --listen 1,2,4,all` on the 77-track Debian set on 2 cores (README, "The
/// learned ear"): two patches hear 4.2 tracks/s with same-soundtrack
/// precision@5 0.86 (one: 8.1 tracks/s, 0.78; every patch: 0.90 at a
/// hundredth of the speed). `playgenie listen --patches N` hears more.
pub const CPU_PATCHES: usize = 2;
/// On a GPU the networks are cheap and decoding dominates: more patches.
pub const GPU_PATCHES: usize = 8;

impl ListenOptions {
    /// The measured choice for `backend`.
    pub fn for_backend(backend: &ComputeBackend) -> Self {
        match backend.summary().kind {
            BackendKind::Cpu => Self {
                patches: CPU_PATCHES,
                batch: 8,
            },
            BackendKind::Wgpu => Self {
                patches: GPU_PATCHES,
                batch: 16,
            },
        }
    }
}

/// What a pass did.
#[derive(Debug, Clone, Default, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ListenReport {
    /// Tracks heard in this pass.
    pub heard: usize,
    /// Tracks that could not be heard (recorded; not retried until the
    /// file changes).
    pub failed: usize,
    /// Where the library stands now.
    pub progress: ListeningProgress,
    pub seconds: f64,
    pub tracks_per_s: f64,
    pub patches_per_track: usize,
    /// The backend in words.
    pub backend: String,
    pub cancelled: bool,
    /// Whether the genie's catalogue now carries the ear's columns.
    pub ear_in_use: bool,
}

/// Listens to every track of the database at `database` that has no
/// current result, reporting progress after each batch, until done or
/// `cancel` is set.
pub fn listen_library(
    database: &Path,
    backend: &ComputeBackend,
    options: ListenOptions,
    cancel: &AtomicBool,
    mut progress: impl FnMut(&ListeningProgress),
) -> Result<ListenReport> {
    let db = Db::open(database)?;
    let started = Instant::now();
    let mut report = ListenReport {
        patches_per_track: options.patches,
        backend: backend.summary().label,
        ..ListenReport::default()
    };
    report.progress = db.listening_progress(LISTENER_VERSION)?;
    if report.progress.done < report.progress.total {
        let listener = Listener::new(backend.device())
            .map_err(|e| Error::Model(format!("the tagger's weights: {e}")))?;
        progress(&report.progress);
        loop {
            if cancel.load(Ordering::Relaxed) {
                report.cancelled = true;
                break;
            }
            let batch = db.tracks_to_listen(LISTENER_VERSION, options.batch.max(1))?;
            if batch.is_empty() {
                break;
            }
            let decoded: Vec<_> = batch
                .par_iter()
                .map(|t| listening::patches_of(&t.path, options.patches))
                .collect();
            let heard_ok: Vec<&[f32]> = decoded
                .iter()
                .filter_map(|d| d.as_ref().ok().map(|h| h.patches.as_slice()))
                .collect();
            let mut heard = listener
                .listen(&heard_ok)
                .map_err(|e| Error::Model(format!("the tagger: {e}")))?
                .into_iter();
            let mut results = Vec::with_capacity(batch.len());
            for (track, decoded) in batch.into_iter().zip(decoded) {
                let outcome = match decoded {
                    Ok(h) => match heard.next() {
                        Some(listening) => {
                            if listening.is_whole() {
                                report.heard += 1;
                                Listened::Heard {
                                    top_tags: ear::top_tags(&listening),
                                    listening,
                                    patches: h.count(),
                                }
                            } else {
                                report.failed += 1;
                                Listened::Failed(
                                    "the tagger gave a value that is not a number".into(),
                                )
                            }
                        }
                        None => {
                            report.failed += 1;
                            Listened::Failed("the tagger returned too few results".into())
                        }
                    },
                    Err(e) => {
                        tracing::warn!(file = %track.path.display(), %e, "cannot listen to the track");
                        report.failed += 1;
                        Listened::Failed(e.to_string())
                    }
                };
                results.push((track, outcome));
            }
            db.store_listening(LISTENER_VERSION, &results)?;
            report.progress = db.listening_progress(LISTENER_VERSION)?;
            progress(&report.progress);
        }
    }
    if report.progress.total > 0
        && report.progress.done == report.progress.total
        && !db.ear_in_use(LISTENER_VERSION)?
    {
        db.use_ear(LISTENER_VERSION)?;
        tracing::info!("the learned ear's first pass is done: the genie hears with it now");
    }
    report.ear_in_use = db.ear_in_use(LISTENER_VERSION)?;
    report.seconds = started.elapsed().as_secs_f64();
    report.tracks_per_s = (report.heard + report.failed) as f64 / report.seconds.max(1e-9);
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Listening;
    use crate::testing::write_tone;
    use crate::{AppPaths, Core};
    use playgenie_models::DevicePreference;

    fn index(core: &Core, music: &Path) {
        core.index(
            &[music.to_path_buf()],
            &crate::scan::ScanOptions::default(),
            &AtomicBool::new(false),
            |_| {},
        )
        .expect("index");
    }

    #[test]
    fn the_pass_resumes_after_a_stop_and_hears_again_only_what_changed() {
        let dir = tempfile::tempdir().expect("temp dir");
        let music = dir.path().join("music");
        std::fs::create_dir_all(&music).expect("mkdir");
        for i in 0..6 {
            write_tone(&music.join(format!("{i}.wav")), 0.05 + 0.04 * i as f32);
        }
        let core = Core::open(AppPaths::under(dir.path().join("home"))).expect("open");
        index(&core, &music);
        let database = core.paths().database.clone();
        let backend = ComputeBackend::select(DevicePreference::Cpu);
        let options = ListenOptions {
            patches: 1,
            batch: 2,
        };

        // Stopped after the first batch: two heard, nothing half-written.
        let cancel = AtomicBool::new(false);
        let first = listen_library(&database, &backend, options, &cancel, |p| {
            if p.done >= 2 {
                cancel.store(true, Ordering::Relaxed);
            }
        })
        .expect("listen");
        assert!(first.cancelled);
        assert_eq!(
            (first.heard, first.progress.done, first.progress.total),
            (2, 2, 6)
        );
        assert!(!first.ear_in_use, "the first pass is not done");
        assert_eq!(
            core.db().listening(LISTENER_VERSION).expect("rows").len(),
            2
        );

        // Resumed: the other four, and the genie hears with the ear now.
        let never = AtomicBool::new(false);
        let second = listen_library(&database, &backend, options, &never, |_| {}).expect("listen");
        assert_eq!((second.heard, second.failed), (4, 0));
        assert!(second.ear_in_use);
        let heard = core.db().listening(LISTENER_VERSION).expect("rows");
        assert_eq!(heard.len(), 6);
        assert!(heard.values().all(Listening::is_whole));

        // Nothing left to hear; then one file changes and only it is heard.
        let third = listen_library(&database, &backend, options, &never, |_| {}).expect("listen");
        assert_eq!(third.heard + third.failed, 0);
        write_tone(&music.join("3.wav"), 0.9);
        index(&core, &music);
        assert_eq!(
            core.db()
                .tracks_to_listen(LISTENER_VERSION, 100)
                .expect("stale")
                .len(),
            1
        );
        let fourth = listen_library(&database, &backend, options, &never, |_| {}).expect("listen");
        assert_eq!(fourth.heard, 1);
        assert_eq!(fourth.progress.done, 6);
    }
}
