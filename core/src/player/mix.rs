//! Automix: how long the crossfade between two tracks lasts, and the
//! equal-power mix itself.
//!
//! The length comes from what the analysis stored: the outgoing track's
//! end energy (RMS of its last seconds, dBFS) and the incoming one's start
//! energy. A quiet outro fades long (up to [`LONGEST_S`]); a track that
//! ends loud — a hard cut — stays short ([`SHORTEST_S`]); a quiet intro adds
//! a little. With a steady tempo the length is rounded to whole beats of
//! the outgoing track, so the fade lands on the beat. Album neighbours in
//! order (same album, the next track number) never crossfade: albums stay
//! gapless.

use serde::{Deserialize, Serialize};

use crate::db::PlayableTrack;

/// The shortest and the longest crossfade, seconds.
pub const SHORTEST_S: f64 = 1.0;
pub const LONGEST_S: f64 = 8.0;
/// Without the analysis' energies.
pub const DEFAULT_S: f64 = 3.0;
/// End energy at or above which a track ends hard (dBFS) ...
const HARD_END_DB: f32 = -18.0;
/// ... and at or below which its outro is quiet.
const QUIET_END_DB: f32 = -42.0;
/// A fade never takes more than this share of either track.
const MAX_SHARE: f64 = 0.25;

/// What the crossfade rule reads of a track (from its analysis and tags).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MixFacts {
    /// RMS of the first analysed seconds, dBFS.
    pub start_energy_db: Option<f32>,
    /// RMS of the last analysed seconds, dBFS.
    pub end_energy_db: Option<f32>,
    pub tempo_bpm: Option<f32>,
    /// Its beat is steady enough to count beats by (beat strength).
    pub beat_strength: Option<f32>,
    /// Album artist (or artist) and album, for album order.
    pub album_artist: String,
    pub disc_no: Option<u32>,
    pub track_no: Option<u32>,
}

/// Whether `b` follows `a` on the same album, in order.
pub fn album_neighbours(a: &PlayableTrack, b: &PlayableTrack) -> bool {
    let (x, y) = (&a.mix, &b.mix);
    !a.album.trim().is_empty()
        && a.album == b.album
        && x.album_artist == y.album_artist
        && x.disc_no.unwrap_or(1) == y.disc_no.unwrap_or(1)
        && matches!((x.track_no, y.track_no), (Some(i), Some(j)) if j == i + 1)
}

/// The crossfade from `out` into `into`, in seconds (0: none, the album
/// goes on gaplessly).
pub fn crossfade_s(out: &PlayableTrack, into: &PlayableTrack) -> f64 {
    if album_neighbours(out, into) {
        return 0.0;
    }
    let mut length = match out.mix.end_energy_db {
        Some(end) if end.is_finite() => {
            let quiet =
                f64::from(((HARD_END_DB - end) / (HARD_END_DB - QUIET_END_DB)).clamp(0.0, 1.0));
            SHORTEST_S + quiet * (LONGEST_S - SHORTEST_S)
        }
        _ => DEFAULT_S,
    };
    if into
        .mix
        .start_energy_db
        .is_some_and(|s| s.is_finite() && s <= QUIET_END_DB)
    {
        length += 1.0;
    }
    // On the beat, when there is a steady one.
    if let (Some(bpm), Some(strength)) = (out.mix.tempo_bpm, out.mix.beat_strength) {
        if (60.0..=200.0).contains(&bpm) && strength >= 0.3 {
            let beat = 60.0 / f64::from(bpm);
            length = ((length / beat).round().max(1.0)) * beat;
        }
    }
    let shortest_track = [out.duration_ms, into.duration_ms]
        .into_iter()
        .flatten()
        .min()
        .map_or(f64::MAX, |ms| ms as f64 / 1000.0);
    length
        .min(LONGEST_S + 1.0)
        .min(shortest_track * MAX_SHARE)
        .max(0.0)
}

/// Mixes the end of one track (`tail`) into the start of the next (`head`),
/// both interleaved with `channels` channels: over the tail's frames the
/// outgoing gain falls as cos(π/2·t) and the incoming one rises as
/// sin(π/2·t), so the summed power of uncorrelated signals stays constant;
/// the rest of the head follows unchanged. A head shorter than the tail is
/// treated as followed by silence.
pub fn equal_power(tail: &[f32], head: &[f32], channels: usize) -> Vec<f32> {
    let channels = channels.max(1);
    let frames = tail.len() / channels;
    let mut out = Vec::with_capacity(tail.len().max(head.len()));
    for f in 0..frames {
        let t = (f as f32 + 0.5) / frames as f32;
        let (gain_out, gain_in) = (
            (t * std::f32::consts::FRAC_PI_2).cos(),
            (t * std::f32::consts::FRAC_PI_2).sin(),
        );
        for c in 0..channels {
            let i = f * channels + c;
            out.push(tail[i] * gain_out + head.get(i).copied().unwrap_or(0.0) * gain_in);
        }
    }
    if head.len() > frames * channels {
        out.extend_from_slice(&head[frames * channels..]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn track(album: &str, no: u32, end_db: f32, start_db: f32, seconds: u64) -> PlayableTrack {
        PlayableTrack {
            album: album.into(),
            duration_ms: Some(seconds * 1000),
            mix: Box::new(MixFacts {
                start_energy_db: Some(start_db),
                end_energy_db: Some(end_db),
                tempo_bpm: None,
                beat_strength: None,
                album_artist: "A".into(),
                disc_no: Some(1),
                track_no: Some(no),
            }),
            ..PlayableTrack::from_file(std::path::Path::new("/x.ogg"))
        }
    }

    #[test]
    fn a_quiet_outro_fades_long_a_hard_cut_stays_short_an_album_stays_gapless() {
        let quiet_end = track("X", 1, -45.0, -20.0, 240);
        let hard_end = track("X", 1, -10.0, -20.0, 240);
        let next = track("Y", 1, -20.0, -20.0, 240);
        assert_eq!(crossfade_s(&quiet_end, &next), LONGEST_S);
        assert_eq!(crossfade_s(&hard_end, &next), SHORTEST_S);
        let middle = crossfade_s(&track("X", 1, -30.0, -20.0, 240), &next);
        assert!(middle > SHORTEST_S && middle < LONGEST_S, "{middle}");
        // A quiet intro adds a second.
        assert_eq!(
            crossfade_s(&hard_end, &track("Y", 1, -20.0, -50.0, 240)),
            2.0
        );
        // The album in order: no crossfade; out of order: one.
        assert_eq!(
            crossfade_s(
                &track("X", 3, -45.0, -20.0, 240),
                &track("X", 4, -20.0, -20.0, 240)
            ),
            0.0
        );
        assert!(
            crossfade_s(
                &track("X", 3, -45.0, -20.0, 240),
                &track("X", 7, -20.0, -20.0, 240)
            ) > 0.0
        );
        // Never more than a quarter of a short track.
        assert_eq!(
            crossfade_s(&quiet_end, &track("Y", 1, -20.0, -20.0, 10)),
            2.5
        );
    }

    #[test]
    fn the_fade_lands_on_the_beat() {
        let mut out = track("X", 1, -30.0, -20.0, 240);
        out.mix.tempo_bpm = Some(120.0);
        out.mix.beat_strength = Some(0.8);
        let s = crossfade_s(&out, &track("Y", 1, -20.0, -20.0, 240));
        assert!(
            (s / 0.5 - (s / 0.5).round()).abs() < 1e-9,
            "{s} s is not whole beats at 120 BPM"
        );
    }

    #[test]
    fn an_equal_power_crossfade_of_two_tones_keeps_the_power_within_1_db() {
        let rate = 48_000usize;
        let frames = rate * 2;
        let tone = |hz: f32| -> Vec<f32> {
            (0..frames)
                .flat_map(|i| {
                    let v = 0.5 * (i as f32 * hz * std::f32::consts::TAU / rate as f32).sin();
                    [v, v]
                })
                .collect()
        };
        let (a, b) = (tone(440.0), tone(587.33));
        let mixed = equal_power(&a, &b, 2);
        assert_eq!(mixed.len(), a.len());
        let power = |s: &[f32]| s.iter().map(|x| x * x).sum::<f32>() / s.len() as f32;
        let reference = power(&a);
        // 50 ms windows across the fade.
        for w in mixed.chunks(rate / 20 * 2) {
            let db = 10.0 * (power(w) / reference).log10();
            assert!(db.abs() <= 1.0, "{db:.2} dB off in a window");
        }
        // The ends are the tracks themselves.
        assert!((mixed[0] - a[0]).abs() < 1e-3);
        let last = mixed.len() - 2;
        assert!((mixed[last] - b[last]).abs() < 1e-3);
    }
}
