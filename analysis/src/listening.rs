//! What the tagger hears of one file: at most `count` log-mel patches
//! ([`melspec::patches`]) spread evenly over the track, decoded at 16 kHz.
//! Decoding only those ≈ 3 s excerpts (not the whole file) is what makes
//! the listening pass fast; how many a track gets is the caller's choice
//! (measured in `playgenie bench index --listen`).

use std::path::Path;

use crate::decode::{self, Coverage, DecodeError};
use crate::melspec::{self, HOP, MELS, PATCH_FRAMES, SAMPLE_RATE};

/// Values in one patch.
pub const PATCH_LEN: usize = PATCH_FRAMES * MELS;

/// Seconds of audio one patch covers, plus a margin so the resampler's
/// edge never leaves an excerpt a frame short.
fn excerpt_s() -> f64 {
    ((PATCH_FRAMES - 1) * HOP) as f64 / f64::from(SAMPLE_RATE) + 0.05
}

/// The patches of one file.
#[derive(Debug, Clone)]
pub struct Heard {
    /// Row-major [patches][187][96].
    pub patches: Vec<f32>,
    /// Seconds of audio decoded.
    pub decoded_s: f64,
}

impl Heard {
    pub fn count(&self) -> usize {
        self.patches.len() / PATCH_LEN
    }
}

/// Up to `count` patches of the file at `path`, evenly spread: one excerpt
/// centred at (i + ½) / count of a long track; a track too short for
/// `count` excerpts is decoded whole and `count` of its patches are taken
/// evenly (a track under 3 s is repeated into one).
pub fn patches_of(path: &Path, count: usize) -> Result<Heard, DecodeError> {
    let count = count.max(1);
    let decoded = decode::decode_at(
        path,
        Coverage::Excerpts {
            count,
            len_s: excerpt_s(),
        },
        SAMPLE_RATE,
    )?;
    let mut patches = Vec::with_capacity(count * PATCH_LEN);
    if decoded.segments.len() > 1 {
        for segment in &decoded.segments {
            let p = melspec::patches(segment);
            patches.extend_from_slice(&p[..p.len().min(PATCH_LEN)]);
        }
    } else if let Some(whole) = decoded.segments.first() {
        let all = melspec::patches(whole);
        let n = all.len() / PATCH_LEN;
        for i in 0..count.min(n) {
            let at = (i * n) / count.min(n) + n / (2 * count.min(n));
            let at = at.min(n - 1);
            patches.extend_from_slice(&all[at * PATCH_LEN..(at + 1) * PATCH_LEN]);
        }
    }
    if patches.is_empty() {
        return Err(DecodeError::Empty);
    }
    Ok(Heard {
        patches,
        decoded_s: decoded.decoded_s,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write_tone(path: &Path, seconds: f64, rate: u32) {
        let spec = hound::WavSpec {
            channels: 2,
            sample_rate: rate,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut w = hound::WavWriter::create(path, spec).unwrap();
        for i in 0..(seconds * f64::from(rate)) as usize {
            let t = i as f64 / f64::from(rate);
            let v = ((t * 440.0 * std::f64::consts::TAU).sin() * 8000.0) as i16;
            w.write_sample(v).unwrap();
            w.write_sample(v).unwrap();
        }
        w.finalize().unwrap();
    }

    #[test]
    fn a_long_track_gives_the_patches_asked_for_and_decodes_only_them() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("long.wav");
        write_tone(&path, 90.0, 44_100);
        let heard = patches_of(&path, 4).unwrap();
        assert_eq!(heard.count(), 4);
        assert!(heard.decoded_s < 4.0 * 3.2, "{}", heard.decoded_s);
        assert!(heard.patches.iter().all(|v| v.is_finite()));
        // A 440 Hz tone: every frame's loudest band is the same one.
        let loudest = |frame: &[f32]| {
            (0..MELS)
                .max_by(|&a, &b| frame[a].total_cmp(&frame[b]))
                .unwrap_or(0)
        };
        let first = loudest(&heard.patches[..MELS]);
        assert!(heard.patches.chunks(MELS).all(|f| loudest(f) == first));
    }

    #[test]
    fn a_short_track_gives_what_it_has() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("short.wav");
        write_tone(&path, 7.0, 48_000);
        assert_eq!(patches_of(&path, 8).unwrap().count(), 2);
        assert_eq!(patches_of(&path, 1).unwrap().count(), 1);
        write_tone(&path, 1.0, 22_050);
        assert_eq!(patches_of(&path, 8).unwrap().count(), 1);
    }
}
