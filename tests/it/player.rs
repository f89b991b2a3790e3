//! The player on real decoded audio (generated WAV files of known length)
//! through the silent sink: gapless advance, skip, seek, pause, previous,
//! unplayable files, and what each play records.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use playgenie_core::db::{EndReason, NewPlay, PlayableTrack};
use playgenie_core::player::{OutputChoice, PlayContext, Player, PlayerEvent, PlayerState, Status};

/// A stereo sine WAV of `seconds` at `rate`.
fn sine(dir: &Path, name: &str, seconds: f64, rate: u32) -> PathBuf {
    let path = dir.join(name);
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut writer = hound::WavWriter::create(&path, spec).expect("create wav");
    let frames = (seconds * f64::from(rate)) as u32;
    for i in 0..frames {
        let v =
            ((i as f64 * 440.0 * std::f64::consts::TAU / f64::from(rate)).sin() * 8000.0) as i16;
        writer.write_sample(v).expect("write");
        writer.write_sample(v).expect("write");
    }
    writer.finalize().expect("finalize");
    path
}

fn track(path: &Path, id: i64, seconds: f64) -> PlayableTrack {
    PlayableTrack {
        id: Some(id),
        duration_ms: Some((seconds * 1000.0) as u64),
        ..PlayableTrack::from_file(path)
    }
}

struct Harness {
    player: Player,
    events: Receiver<PlayerEvent>,
    plays: Vec<NewPlay>,
}

impl Harness {
    fn start() -> Self {
        let (tx, events) = mpsc::channel();
        let player = Player::start(OutputChoice::Silent, move |e| {
            let _ = tx.send(e);
        })
        .expect("player starts");
        Self {
            player,
            events,
            plays: Vec::new(),
        }
    }

    /// Collects events until `done` holds for a state (or times out).
    fn wait_for(
        &mut self,
        what: &str,
        timeout: Duration,
        done: impl Fn(&PlayerState, &[NewPlay]) -> bool,
    ) -> PlayerState {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(
                !left.is_zero(),
                "timed out waiting for {what}; plays so far {:?}",
                self.plays
            );
            match self.events.recv_timeout(left) {
                Ok(PlayerEvent::PlayEnded(play)) => self.plays.push(play),
                Ok(PlayerEvent::State(state)) => {
                    if done(&state, &self.plays) {
                        return state;
                    }
                }
                Err(_) => {}
            }
        }
    }

    fn wait_position(&mut self, at_least_ms: u64) -> PlayerState {
        self.wait_for("position", Duration::from_secs(10), |s, _| {
            s.status == Status::Playing && s.position_ms >= at_least_ms
        })
    }
}

fn context() -> PlayContext {
    PlayContext::default()
}

#[test]
fn a_queue_plays_through_gaplessly_and_each_play_is_finished() {
    let dir = tempfile::tempdir().unwrap();
    // Different rates: the second is resampled to the output rate.
    let a = sine(dir.path(), "a.wav", 1.0, 44_100);
    let b = sine(dir.path(), "b.wav", 0.8, 48_000);
    let mut h = Harness::start();
    h.player
        .play(vec![track(&a, 1, 1.0), track(&b, 2, 0.8)], 0, context())
        .unwrap();
    h.wait_for(
        "the end of the queue",
        Duration::from_secs(10),
        |s, plays| s.status == Status::Stopped && plays.len() == 2,
    );
    assert_eq!(h.plays[0].end_reason, EndReason::Finished);
    assert_eq!(h.plays[1].end_reason, EndReason::Finished);
    // What was heard is each file's length (within the output's 10 ms steps
    // and the buffer).
    assert!(
        (h.plays[0].listened_ms as i64 - 1000).abs() <= 60,
        "{:?}",
        h.plays[0]
    );
    assert!(
        (h.plays[1].listened_ms as i64 - 800).abs() <= 60,
        "{:?}",
        h.plays[1]
    );
    // Gapless: the second play started when the first ended (the bound
    // allows for a busy machine delaying the engine's bookkeeping).
    let gap = h.plays[1].started_at_ms - (h.plays[0].started_at_ms + h.plays[0].listened_ms as i64);
    assert!(gap.abs() <= 250, "gap {gap} ms");
    h.player.shutdown();
}

#[test]
fn tracks_appended_to_a_queue_about_to_end_follow_it_without_a_gap() {
    let dir = tempfile::tempdir().unwrap();
    let a = sine(dir.path(), "a.wav", 0.6, 44_100);
    let b = sine(dir.path(), "b.wav", 0.6, 44_100);
    let c = sine(dir.path(), "c.wav", 0.6, 44_100);
    let mut h = Harness::start();
    h.player
        .play(vec![track(&a, 1, 0.6)], 0, context())
        .unwrap();
    // Into the last track, as the radio refills: a short track is decoded
    // to its end by then, so the new ones must be fed after it.
    let state = h.wait_position(200);
    assert_eq!(state.queue_len, 1);
    h.player
        .append(vec![track(&b, 2, 0.6), track(&c, 3, 0.6)])
        .unwrap();
    h.wait_for(
        "the appended tracks",
        Duration::from_secs(10),
        |s, plays| s.status == Status::Stopped && plays.len() == 3,
    );
    let ids: Vec<Option<i64>> = h.plays.iter().map(|p| p.track_id).collect();
    assert_eq!(ids, [Some(1), Some(2), Some(3)]);
    assert!(h.plays.iter().all(|p| p.end_reason == EndReason::Finished));
    for pair in h.plays.windows(2) {
        let gap = pair[1].started_at_ms - (pair[0].started_at_ms + pair[0].listened_ms as i64);
        assert!(gap.abs() <= 250, "gap {gap} ms");
    }
    h.player.shutdown();
}

#[test]
fn automix_crossfades_for_the_chosen_length_and_both_plays_count_what_was_heard() {
    let dir = tempfile::tempdir().unwrap();
    let a = sine(dir.path(), "a.wav", 3.0, 44_100);
    let b = sine(dir.path(), "b.wav", 3.0, 44_100);
    let (first, second) = (track(&a, 1, 3.0), track(&b, 2, 3.0));
    // Not album neighbours: without stored energies the rule says 3 s,
    // capped at a quarter of a 3-second track.
    let fade_ms = (playgenie_core::player::mix::crossfade_s(&first, &second) * 1000.0) as i64;
    assert_eq!(fade_ms, 750);
    let mut h = Harness::start();
    h.player.set_automix(true).unwrap();
    h.player.play(vec![first, second], 0, context()).unwrap();
    let state = h.wait_for(
        "the end of the queue",
        Duration::from_secs(15),
        |s, plays| s.status == Status::Stopped && plays.len() == 2,
    );
    assert!(state.automix);
    let (p, q) = (&h.plays[0], &h.plays[1]);
    assert!(p.end_reason == EndReason::Finished && q.end_reason == EndReason::Finished);
    // Each was heard whole: the overlap counts for both.
    for play in [p, q] {
        assert!((play.listened_ms as i64 - 3000).abs() <= 120, "{play:?}");
    }
    // The second began the fade's length before the first ended.
    let overlap = p.started_at_ms + p.listened_ms as i64 - q.started_at_ms;
    eprintln!(
        "automix: heard {} and {} ms, overlap {overlap} ms (chosen {fade_ms} ms)",
        p.listened_ms, q.listened_ms
    );
    assert!((overlap - fade_ms).abs() <= 250, "overlap {overlap} ms");
    h.player.shutdown();
}

#[test]
fn skip_seek_pause_and_previous_are_recorded_with_their_positions() {
    let dir = tempfile::tempdir().unwrap();
    let a = sine(dir.path(), "a.wav", 4.0, 44_100);
    let b = sine(dir.path(), "b.wav", 4.0, 44_100);
    let c = sine(dir.path(), "c.wav", 4.0, 44_100);
    let mut h = Harness::start();
    h.player
        .play(
            vec![track(&a, 1, 4.0), track(&b, 2, 4.0), track(&c, 3, 4.0)],
            0,
            context(),
        )
        .unwrap();
    h.wait_position(500);
    h.player.next().unwrap();
    let state = h.wait_for("the second track", Duration::from_secs(5), |s, _| {
        s.queue_index == Some(1) && s.status == Status::Playing
    });
    assert_eq!(state.track.as_ref().and_then(|t| t.id), Some(2));
    let skipped = &h.plays[0];
    assert_eq!(skipped.end_reason, EndReason::Skipped);
    let at = skipped.end_position_ms.unwrap();
    assert!((500..2_000).contains(&at), "skipped at {at} ms");
    assert!(
        skipped.listened_ms >= 450 && skipped.listened_ms <= at + 20,
        "{skipped:?}"
    );

    // Seek forward: the position jumps, the play goes on.
    h.player.seek(2_500).unwrap();
    let state = h.wait_for("the seek", Duration::from_secs(5), |s, _| {
        s.position_ms >= 2_500
    });
    assert_eq!(state.queue_index, Some(1));

    // Pause: time passes, nothing is heard.
    h.player.pause().unwrap();
    h.wait_for("pause", Duration::from_secs(5), |s, _| {
        s.status == Status::Paused
    });
    std::thread::sleep(Duration::from_millis(400));
    let paused = h.player.state();
    assert_eq!(paused.status, Status::Paused);
    h.player.resume().unwrap();
    h.wait_for("resume", Duration::from_secs(5), |s, _| {
        s.status == Status::Playing
    });

    // Previous after 3 s restarts the track; within 3 s goes back.
    h.wait_position(3_100);
    h.player.previous().unwrap();
    h.wait_for("restart", Duration::from_secs(5), |s, _| {
        s.queue_index == Some(1) && s.position_ms < 1_000
    });
    assert_eq!(h.plays.len(), 1, "a restart is the same play");
    h.player.previous().unwrap();
    h.wait_for("the first track again", Duration::from_secs(5), |s, _| {
        s.queue_index == Some(0)
    });
    let second = &h.plays[1];
    assert_eq!(second.track_id, Some(2));
    assert_eq!(second.end_reason, EndReason::Skipped);
    // Heard: ~0.5 s before the seek + ~0.6 s after it + ~0 after restart;
    // the 400 ms pause is not counted.
    assert!(second.listened_ms < 2_200, "{second:?}");

    h.player.stop().unwrap();
    h.wait_for("stop", Duration::from_secs(5), |s, plays| {
        s.status == Status::Stopped && plays.len() == 3
    });
    assert_eq!(h.plays[2].end_reason, EndReason::Stopped);
    h.player.shutdown();
}

#[test]
fn an_unplayable_file_is_reported_and_the_next_one_plays() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("broken.wav");
    std::fs::write(&bad, b"RIFF not really").unwrap();
    let good = sine(dir.path(), "good.wav", 0.5, 44_100);
    let mut h = Harness::start();
    h.player
        .play(
            vec![track(&bad, 1, 1.0), track(&good, 2, 0.5)],
            0,
            context(),
        )
        .unwrap();
    let state = h.wait_for("the good track", Duration::from_secs(5), |s, _| {
        s.track.as_ref().and_then(|t| t.id) == Some(2)
    });
    assert!(
        state.error.as_deref().unwrap_or("").contains("broken.wav"),
        "{state:?}"
    );
    h.wait_for("the end", Duration::from_secs(5), |s, plays| {
        s.status == Status::Stopped && !plays.is_empty()
    });
    assert_eq!(h.plays.len(), 1);
    assert_eq!(h.plays[0].track_id, Some(2));
    h.player.shutdown();
}

#[test]
fn shutting_down_mid_track_records_a_stopped_play() {
    let dir = tempfile::tempdir().unwrap();
    let a = sine(dir.path(), "a.wav", 5.0, 22_050);
    let mut h = Harness::start();
    h.player
        .play(vec![track(&a, 7, 5.0)], 0, context())
        .unwrap();
    h.wait_position(300);
    h.player.shutdown();
    while let Ok(event) = h.events.try_recv() {
        if let PlayerEvent::PlayEnded(play) = event {
            h.plays.push(play);
        }
    }
    assert_eq!(h.plays.len(), 1);
    assert_eq!(h.plays[0].end_reason, EndReason::Stopped);
    assert!(h.plays[0].end_position_ms.unwrap() >= 300);
}
