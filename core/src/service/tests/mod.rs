//! The services on a real installation: a temporary PLAYGENIE home, real
//! (generated) audio, the real SQLite file and the real model on the CPU.
//! Waits are bounds against a hang, never timings.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use playgenie_models::{ComputeBackend, DevicePreference};

use super::training::{Due, FINE_TUNE_AFTER};
use super::{now, Services};
use crate::db::{EndReason, EntryOrigin, Feedback, NewPlay, PlaySource};
use crate::genie::TrainMode;
use crate::testing::{write_tone, write_tone_of};
use crate::{AppPaths, Core, CoreEvent};

/// Generous: training a tiny model takes seconds, a loaded CI machine more.
const PATIENCE: Duration = Duration::from_secs(600);

struct Fixture {
    _dir: tempfile::TempDir,
    music: PathBuf,
    services: Arc<Services>,
    events: Arc<Mutex<Vec<CoreEvent>>>,
}

/// Two albums (folders) of three one-second tones each, not yet in the
/// library; services whose events are recorded.
fn fixture() -> Fixture {
    fixture_of(|music| {
        for (album, base) in [("one", 0.05), ("two", 0.3)] {
            let folder = music.join(album);
            std::fs::create_dir_all(&folder).expect("mkdir");
            for i in 0..3 {
                write_tone(&folder.join(format!("{i}.wav")), base + 0.02 * i as f32);
            }
        }
    })
}

/// Artists in [`artists_fixture`].
const ARTISTS: usize = 6;

/// Seconds of each of its tracks.
const TRACK_S: u32 = 12;

/// [`ARTISTS`] artists of one album each, four 12-second tones an album,
/// laid out as `Artist/Album/NN Title.wav` (the artist and album come from
/// the folders).
fn artists_fixture() -> Fixture {
    fixture_of(|music| {
        for a in 0..ARTISTS {
            let folder = music.join(format!("Artist {a}")).join(format!("Album {a}"));
            std::fs::create_dir_all(&folder).expect("mkdir");
            for t in 0..4 {
                let step = 0.03 + 0.07 * a as f32 + 0.006 * t as f32;
                write_tone_of(&folder.join(format!("0{t} Song {a}{t}.wav")), step, TRACK_S);
            }
        }
    })
}

/// A fixture whose music folder `make` fills.
fn fixture_of(make: impl FnOnce(&std::path::Path)) -> Fixture {
    let dir = tempfile::tempdir().expect("temp dir");
    let music = dir.path().join("music");
    make(&music);
    let core = Core::open(AppPaths::under(dir.path().join("home"))).expect("open");
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = {
        let events = Arc::clone(&events);
        Arc::new(move |event: CoreEvent| events.lock().expect("events").push(event))
    };
    let backend = Arc::new(OnceLock::from(ComputeBackend::select(
        DevicePreference::Cpu,
    )));
    let services = Services::new(core, backend, sink);
    Fixture {
        _dir: dir,
        music,
        services,
        events,
    }
}

impl Fixture {
    /// Waits until `count` events match `wanted`; returns the last.
    fn wait_for(&self, what: &str, count: usize, wanted: impl Fn(&CoreEvent) -> bool) -> CoreEvent {
        let deadline = Instant::now() + PATIENCE;
        loop {
            {
                let events = self.events.lock().expect("events");
                let matching: Vec<&CoreEvent> = events.iter().filter(|e| wanted(e)).collect();
                if matching.len() >= count {
                    return matching[count - 1].clone();
                }
                if let Some(CoreEvent::TrainFailed { message }) = events
                    .iter()
                    .find(|e| matches!(e, CoreEvent::TrainFailed { .. }))
                {
                    panic!("training failed while waiting for {what}: {message}");
                }
            }
            assert!(Instant::now() < deadline, "no {what} within {PATIENCE:?}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn trained(&self, count: usize) -> crate::genie::TrainReport {
        match self.wait_for("finished training", count, |e| {
            matches!(e, CoreEvent::TrainFinished { .. })
        }) {
            CoreEvent::TrainFinished { report } => report,
            _ => unreachable!("filtered"),
        }
    }

    fn scans_finished(&self, count: usize) {
        self.wait_for("finished scan", count, |e| {
            matches!(e, CoreEvent::ScanFinished { .. })
        });
    }

    fn idle(&self) {
        let deadline = Instant::now() + PATIENCE;
        while self.services.is_training()
            || self.services.is_scanning()
            || self.services.is_listening()
        {
            assert!(Instant::now() < deadline, "still busy after {PATIENCE:?}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn complete(&self, playlist: i64, k: usize) -> crate::genie::Completion {
        let options = super::suggestions::CompleteOptions {
            k,
            ..Default::default()
        };
        self.services
            .complete_playlist(playlist, options)
            .expect("complete")
    }

    /// Track id → artist.
    fn artists(&self) -> std::collections::HashMap<i64, String> {
        self.services
            .with_db(|db| {
                Ok(db
                    .library_rows()?
                    .into_iter()
                    .map(|r| (r.id, r.tags.artist))
                    .collect())
            })
            .expect("rows")
    }

    /// A playlist of `tracks`.
    fn playlist(&self, name: &str, tracks: &[i64]) -> i64 {
        self.services
            .with_db(|db| {
                let p = db.create_playlist(name)?;
                db.add_to_playlist(p.id, tracks, EntryOrigin::User)?;
                Ok(p.id)
            })
            .expect("playlist")
    }

    /// The model's ranking after `seed` (database ids, best first).
    fn ranking(&self, seed: &[i64]) -> Vec<i64> {
        let backend = self.services.backend();
        let store = self.services.store();
        self.services
            .with_db(|db| crate::genie::Genie::load(db, &store, &backend)?.ranking(seed, now()))
            .expect("ranking")
            .expect("a model")
    }

    fn track_ids(&self) -> Vec<i64> {
        self.services
            .with_db(|db| Ok(db.library_rows()?.iter().map(|r| r.id).collect()))
            .expect("rows")
    }
}

#[test]
fn a_scan_trains_a_model_that_fits_and_a_changed_library_retrains_from_scratch() {
    let fx = fixture();
    assert_eq!(
        fx.services.training_due().expect("due"),
        Due::Nothing,
        "empty library"
    );
    fx.services
        .add_library_folder(&fx.music)
        .expect("add the folder");
    fx.scans_finished(1);
    let first = fx.trained(1);
    assert_eq!(first.mode, TrainMode::Full);
    assert!(first.version.is_some(), "a first model is always kept");
    fx.idle();
    assert_eq!(fx.services.training_due().expect("due"), Due::Nothing);

    // A new track: the model no longer fits, and the next scan retrains.
    write_tone(&fx.music.join("two/3.wav"), 0.42);
    assert!(fx.services.start_scan(None));
    fx.scans_finished(2);
    fx.wait_for("a second training", 2, |e| {
        matches!(
            e,
            CoreEvent::TrainStarted {
                mode: TrainMode::Full,
                ..
            }
        )
    });
    fx.trained(2);
    fx.idle();
    assert_eq!(fx.services.training_due().expect("due"), Due::Nothing);
}

#[test]
fn feedback_is_recorded_and_enough_of_it_fine_tunes_by_itself() {
    let fx = fixture();
    fx.services.add_library_folder(&fx.music).expect("add");
    fx.trained(1);
    fx.idle();
    let ids = fx.track_ids();
    let playlist = fx
        .services
        .with_db(|db| {
            let p = db.create_playlist("Mix")?;
            db.add_to_playlist(p.id, &ids[..2], EntryOrigin::User)
        })
        .expect("playlist");

    let completion = fx.complete(playlist.id, 2);
    assert_eq!(completion.model_version, Some(1));
    assert_eq!(completion.answered_by, "model v1");
    let kept = completion.suggestions[0].track_id;
    let removed = completion.suggestions[1].track_id;
    fx.services
        .feedback(playlist.id, kept, Feedback::Kept, Some(1))
        .expect("keep");
    fx.services
        .feedback(playlist.id, removed, Feedback::Removed, Some(1))
        .expect("remove");
    let entries = fx
        .services
        .with_db(|db| db.playlist_entries(playlist.id))
        .expect("entries");
    assert_eq!(entries.len(), 3);
    assert_eq!(entries[2].track_id, kept);
    assert_eq!(entries[2].origin, EntryOrigin::Suggestion);
    let again = fx.complete(playlist.id, 3);
    assert!(
        again.suggestions.iter().all(|s| s.track_id != removed),
        "a removed suggestion never returns for its playlist"
    );

    // Two pieces of evidence so far; the rest up to the threshold start a
    // fine-tune on their own (the last one does).
    assert_eq!(fx.services.training_due().expect("due"), Due::Nothing);
    for _ in 2..FINE_TUNE_AFTER {
        fx.services
            .feedback(playlist.id, removed, Feedback::Removed, Some(1))
            .expect("remove");
    }
    fx.wait_for("a fine-tune", 1, |e| {
        matches!(
            e,
            CoreEvent::TrainStarted {
                mode: TrainMode::FineTune,
                ..
            }
        )
    });
    let tuned = fx.trained(2);
    assert_eq!(tuned.mode, TrainMode::FineTune);
}

#[test]
fn folders_added_or_removed_while_busy_are_scanned_and_the_model_follows_the_library() {
    let fx = fixture();
    // The second folder arrives while the first one's scan (and then its
    // training) runs: it is scanned next, and the model retrained for both.
    fx.services
        .add_library_folder(&fx.music.join("one"))
        .expect("add one");
    fx.services
        .add_library_folder(&fx.music.join("two"))
        .expect("add two");
    fx.trained(1);
    let all_six = || {
        fx.idle();
        fx.track_ids().len() == 6 && fx.services.training_due().expect("due") == Due::Nothing
    };
    let deadline = Instant::now() + PATIENCE;
    while !all_six() {
        assert!(
            Instant::now() < deadline,
            "the model never caught up with both folders"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let store = fx.services.store();
    let fits = |n: usize| {
        store
            .current_meta()
            .expect("meta")
            .is_some_and(|m| m.tracks.len() == n)
    };
    assert!(fits(6));

    // Removing a folder: its tracks go, and a model for what is left is
    // trained by itself.
    assert!(fx
        .services
        .remove_library_folder(&fx.music.join("two"))
        .expect("remove"));
    assert_eq!(fx.track_ids().len(), 3);
    while !fits(3) || fx.services.is_training() {
        assert!(
            Instant::now() < deadline,
            "no model for the three tracks left"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_change_seen_during_a_scan_is_scanned_after_it() {
    let fx = fixture();
    fx.services
        .core()
        .expect("core")
        .add_library_folder(&fx.music)
        .expect("add");
    assert!(fx.services.start_scan(None), "nothing runs yet");
    // Whether the first scan still runs (queued) or has ended (started
    // now), the watcher's folders are scanned: two scans finish.
    fx.services.start_scan(Some(vec![fx.music.join("one")]));
    fx.scans_finished(2);
    fx.idle();
    let seen: Vec<usize> = fx
        .events
        .lock()
        .expect("events")
        .iter()
        .filter_map(|e| match e {
            CoreEvent::ScanFinished { report } => Some(report.files_seen),
            _ => None,
        })
        .collect();
    assert_eq!(
        seen,
        vec![6, 3],
        "the whole library, then only the changed folder"
    );
}

#[test]
fn the_history_writer_records_every_play_it_was_sent_and_announces_it() {
    let fx = fixture();
    let (plays, writer) = fx.services.start_history_writer().expect("writer");
    fx.services
        .core()
        .expect("core")
        .index(
            std::slice::from_ref(&fx.music),
            &crate::scan::ScanOptions::default(),
            &std::sync::atomic::AtomicBool::new(false),
            |_| {},
        )
        .expect("index");
    let ids = fx.track_ids();
    for (i, id) in ids.iter().take(3).enumerate() {
        plays
            .send(NewPlay {
                track_id: Some(*id),
                artist: "A".into(),
                title: format!("t{i}"),
                started_at_ms: 1_000 * i as i64,
                listened_ms: 900,
                end_reason: EndReason::Finished,
                end_position_ms: Some(1_000),
                duration_ms: Some(1_000),
                source: PlaySource::Library,
                playlist_id: None,
                imported_from: None,
            })
            .expect("send");
    }
    drop(plays);
    assert!(
        writer.finish_within(PATIENCE),
        "the writer ends with its senders"
    );
    let recorded = fx
        .services
        .with_db(|db| db.recent_plays(10))
        .expect("plays");
    assert_eq!(recorded.len(), 3);
    fx.wait_for("announced plays", 3, |e| {
        matches!(e, CoreEvent::PlayRecorded { .. })
    });
}

#[test]
fn a_small_library_is_heard_first_and_the_model_trains_once_with_the_ear() {
    let fx = fixture();
    fx.services.add_library_folder(&fx.music).expect("add");
    fx.scans_finished(1);
    let report = match fx.wait_for("the listening pass", 1, |e| {
        matches!(e, CoreEvent::ListenFinished { .. })
    }) {
        CoreEvent::ListenFinished { report } => report,
        _ => unreachable!("filtered"),
    };
    assert_eq!((report.heard, report.failed), (6, 0));
    assert!(report.ear_in_use);
    let first = fx.trained(1);
    assert_eq!(first.mode, TrainMode::Full);
    fx.idle();
    assert_eq!(fx.services.training_due().expect("due"), Due::Nothing);
    let meta = fx
        .services
        .store()
        .current_meta()
        .expect("meta")
        .expect("a model");
    assert!(meta.ear, "the model was trained with the ear's columns");
    let trainings = fx
        .events
        .lock()
        .expect("events")
        .iter()
        .filter(|e| matches!(e, CoreEvent::TrainStarted { .. }))
        .count();
    assert_eq!(trainings, 1, "heard first, so trained once");
    let rows = fx.services.with_db(|db| db.tracks()).expect("rows");
    assert!(rows
        .iter()
        .all(|r| r.tag_probabilities.as_ref().is_some_and(|p| {
            p.len() > 40 && p.values().all(|v| v.is_finite() && (0.0..=1.0).contains(v))
        })));
}

/// [`artists_fixture`] indexed, with its first model trained: the artist
/// of every track, and each artist's tracks in id order (`[a]` is
/// "Artist a").
fn trained_artists() -> (
    Fixture,
    std::collections::HashMap<i64, String>,
    Vec<Vec<i64>>,
) {
    let fx = artists_fixture();
    fx.services.add_library_folder(&fx.music).expect("add");
    fx.trained(1);
    fx.idle();
    let artists = fx.artists();
    let mut ids: Vec<i64> = artists.keys().copied().collect();
    ids.sort();
    let by_artist = (0..ARTISTS)
        .map(|a| {
            ids.iter()
                .copied()
                .filter(|id| artists[id] == format!("Artist {a}"))
                .collect()
        })
        .collect();
    (fx, artists, by_artist)
}

/// How often each artist is suggested across `completions`, as shares.
fn shares(
    completions: &[crate::genie::Completion],
    artists: &std::collections::HashMap<i64, String>,
) -> std::collections::BTreeMap<String, f64> {
    let mut counts = std::collections::BTreeMap::<String, f64>::new();
    let total: usize = completions.iter().map(|c| c.suggestions.len()).sum();
    for s in completions.iter().flat_map(|c| &c.suggestions) {
        *counts.entry(artists[&s.track_id].clone()).or_default() += 1.0 / total as f64;
    }
    counts
}

/// Suggestions a test asks for per playlist.
const K: usize = 6;

#[test]
fn a_listener_who_skips_one_artist_gets_less_of_it_after_the_automatic_fine_tune() {
    let (fx, artists, by_artist) = trained_artists();
    // One playlist per artist: its first two tracks.
    let playlists: Vec<i64> = by_artist
        .iter()
        .enumerate()
        .map(|(a, mine)| fx.playlist(&format!("Mix {a}"), &mine[..2]))
        .collect();
    let complete_all = || -> Vec<crate::genie::Completion> {
        playlists.iter().map(|p| fx.complete(*p, K)).collect()
    };
    let before = complete_all();
    assert!(before.iter().all(|c| c.model_version == Some(1)));
    let share_before = shares(&before, &artists);
    // The artist the model suggests most is the one this listener skips.
    let (skipped, x_before) = share_before
        .iter()
        .max_by(|a, b| a.1.total_cmp(b.1).then(b.0.cmp(a.0)))
        .map(|(a, s)| (a.clone(), *s))
        .expect("suggestions");
    assert!(x_before >= 0.2, "{share_before:?}");

    // The listener plays each playlist's suggestions, one session an hour,
    // skipping that artist's within 3 s and hearing every other to the
    // end, until the plays alone call for a fine-tune.
    let (plays, writer) = fx.services.start_history_writer().expect("writer");
    let track_ms = u64::from(TRACK_S) * 1000;
    let mut session_at = (now() + 3600) * 1000;
    let mut sent = 0;
    'listening: loop {
        for (playlist, completion) in playlists.iter().zip(&before) {
            let mut at = session_at;
            for s in &completion.suggestions {
                if sent == FINE_TUNE_AFTER {
                    break 'listening;
                }
                let skip = artists[&s.track_id] == skipped;
                let heard = if skip { 3_000 } else { track_ms };
                plays
                    .send(NewPlay {
                        track_id: Some(s.track_id),
                        artist: s.artist.clone(),
                        title: s.title.clone(),
                        started_at_ms: at,
                        listened_ms: heard,
                        end_reason: if skip {
                            EndReason::Skipped
                        } else {
                            EndReason::Finished
                        },
                        end_position_ms: Some(heard),
                        duration_ms: Some(track_ms),
                        source: PlaySource::Suggestion,
                        playlist_id: Some(*playlist),
                        imported_from: None,
                    })
                    .expect("send");
                at += heard as i64;
                sent += 1;
            }
            session_at += 3_600_000;
        }
    }
    drop(plays);
    assert!(writer.finish_within(PATIENCE));
    let tuned = fx.trained(2);
    assert_eq!(
        tuned.mode,
        TrainMode::FineTune,
        "the plays fine-tuned by themselves"
    );
    assert!(tuned.version.is_some());
    fx.idle();

    let after = complete_all();
    assert!(after.iter().all(|c| c.model_version == tuned.version));
    let share_after = shares(&after, &artists);
    let x_after = share_after.get(&skipped).copied().unwrap_or(0.0);
    eprintln!("{skipped}: {x_before:.3} → {x_after:.3} of {K} suggestions × {ARTISTS} playlists ({share_before:?} → {share_after:?})");
    assert!(
        x_after <= x_before / 2.0,
        "{skipped}: {x_before:.2} of the suggestions before, {x_after:.2} after ({share_before:?} → {share_after:?})"
    );
    let finished = |s: &std::collections::BTreeMap<String, f64>| -> f64 {
        s.iter()
            .filter(|(a, _)| **a != skipped)
            .map(|(_, v)| v)
            .sum()
    };
    assert!(finished(&share_after) >= finished(&share_before) - 1e-9);
}

#[test]
fn removed_suggestions_never_return_and_rank_lower_for_a_similar_playlist_after_a_fine_tune() {
    let (fx, _, by_artist) = trained_artists();
    let (first, second) = (&by_artist[0], &by_artist[1]);
    let mix = fx.playlist("Mix", &[first[0], second[0]]);
    // A similar playlist: the same two artists, other tracks.
    let similar = [first[1], second[1]];
    let removed: Vec<i64> = fx
        .complete(mix, 4)
        .suggestions
        .iter()
        .take(2)
        .map(|s| s.track_id)
        .collect();
    for id in &removed {
        fx.services
            .feedback(mix, *id, Feedback::Removed, Some(1))
            .expect("remove");
    }
    let position = |ranking: &[i64], id: i64| ranking.iter().position(|t| *t == id);
    let mean_position = |ranking: &[i64]| -> f64 {
        removed
            .iter()
            .map(|id| position(ranking, *id).unwrap_or(ranking.len()) as f64)
            .sum::<f64>()
            / removed.len() as f64
    };
    let before = mean_position(&fx.ranking(&similar));

    assert!(fx.services.start_training(TrainMode::FineTune));
    let tuned = fx.trained(2);
    assert_eq!(tuned.mode, TrainMode::FineTune);
    fx.idle();
    let after = mean_position(&fx.ranking(&similar));
    eprintln!("removed tracks' mean position for a similar playlist: {before:.1} → {after:.1}");
    assert!(
        after > before,
        "the removed tracks stood at {before:.1} on average for the similar playlist, now {after:.1}"
    );
    let again = fx.complete(mix, 8);
    assert!(again
        .suggestions
        .iter()
        .all(|s| !removed.contains(&s.track_id)));
}

mod modes;
