//! PlayGenie's audio features: one versioned [`FeatureVector`] per track.
//!
//! Everything here works on mono `f32` samples at [`ANALYSIS_RATE`], cut into
//! segments (the windows of a track that were decoded, see
//! [`super::decode`]). Spectral statistics use a Hann-windowed 2048-point FFT
//! with a hop of 512 samples (23 ms at 22.05 kHz); tempo comes from the
//! autocorrelation of a spectral-flux onset envelope; the key from the chroma
//! profile against Krumhansl-Kessler key profiles. Loudness is measured
//! elsewhere (EBU R128 needs the original channels and rate) and filled in by
//! the caller.
//!
//! Bump [`FEATURE_VERSION`] whenever the numbers any field holds change: the
//! next scan recomputes exactly the tracks whose stored version is older.

use std::sync::Arc;

use realfft::{RealFftPlanner, RealToComplex};
use serde::{Deserialize, Serialize};

/// Version of the extractor; stored beside every vector. 2: the default
/// window plan shrank from 18 s to 14 s (see `decode.rs`).
pub const FEATURE_VERSION: u32 = 2;
/// Rate all analysis runs at (mono).
pub const ANALYSIS_RATE: u32 = 22_050;
const FRAME: usize = 2048;
const HOP: usize = 512;
const MEL_BANDS: usize = 26;
/// Number of MFCCs kept (c0..c12).
pub const MFCCS: usize = 13;
/// Number of spectral-contrast octave bands.
pub const CONTRAST_BANDS: usize = 6;
const STATS_EVERY: usize = 2;
const CONTRAST_EVERY: usize = 4;
const MIN_BPM: f32 = 50.0;
const MAX_BPM: f32 = 220.0;

/// What PlayGenie knows about how a track sounds. Field by field:
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureVector {
    /// Extractor version that produced this vector ([`FEATURE_VERSION`]).
    pub version: u32,
    /// EBU R128 integrated loudness of the analysed audio, LUFS.
    pub loudness_lufs: f32,
    /// EBU R128 loudness range, LU (how much the loudness varies).
    pub loudness_range_lu: f32,
    /// ReplayGain 2.0 track gain in dB: -18 LUFS minus the loudness.
    pub replaygain_db: f32,
    /// Tempo in beats per minute after half/double-tempo correction.
    pub tempo_bpm: f32,
    /// Strength of the periodicity behind the tempo, 0..1 (normalised
    /// autocorrelation peak): high for steady beats, low for free time.
    pub beat_strength: f32,
    /// Detected note onsets per second.
    pub onset_rate: f32,
    /// Key tonic as a pitch class, 0 = C, 1 = C#, ... 11 = B.
    pub key: u8,
    /// 1 = major, 0 = minor.
    pub mode: u8,
    /// Correlation of the chroma profile with the chosen key profile, -1..1.
    pub key_confidence: f32,
    /// Mean chroma (energy per pitch class, each frame normalised to max 1).
    pub chroma: [f32; 12],
    /// Means of the MFCCs c0..c12 (timbre).
    pub mfcc_mean: [f32; MFCCS],
    /// Variances of the MFCCs (how much the timbre moves).
    pub mfcc_var: [f32; MFCCS],
    /// Spectral centroid, Hz (brightness).
    pub spectral_centroid_hz: f32,
    /// Frequency below which 85% of the spectral energy lies, Hz.
    pub spectral_rolloff_hz: f32,
    /// Spectral flatness of the mel spectrum (geometric over arithmetic
    /// mean), 0 (tonal) .. 1 (noise-like).
    pub spectral_flatness: f32,
    /// Spectral contrast (peak minus valley, dB) in 6 octave bands from 200 Hz.
    pub spectral_contrast: [f32; CONTRAST_BANDS],
    /// Zero-crossing rate, crossings per sample (noisiness, percussiveness).
    pub zero_crossing_rate: f32,
    /// RMS level of the first analysed seconds, dBFS (for transitions in).
    pub start_energy_db: f32,
    /// RMS level of the last analysed seconds, dBFS (for transitions out).
    pub end_energy_db: f32,
    /// Seconds of audio the vector was computed from.
    pub analysed_seconds: f32,
}

impl FeatureVector {
    /// The numeric fields as one flat vector, in a fixed order, for models
    /// and nearest-neighbour search. Key and mode enter as the chroma
    /// circle's coordinates so C and B are neighbours.
    pub fn to_numeric(&self) -> Vec<f32> {
        let angle = self.key as f32 * std::f32::consts::TAU / 12.0;
        let mut out = vec![
            self.loudness_lufs,
            self.loudness_range_lu,
            self.tempo_bpm,
            self.beat_strength,
            self.onset_rate,
            angle.cos(),
            angle.sin(),
            self.mode as f32,
            self.key_confidence,
            self.spectral_centroid_hz,
            self.spectral_rolloff_hz,
            self.spectral_flatness,
            self.zero_crossing_rate,
            self.start_energy_db,
            self.end_energy_db,
        ];
        out.extend_from_slice(&self.chroma);
        out.extend_from_slice(&self.mfcc_mean);
        out.extend_from_slice(&self.mfcc_var);
        out.extend_from_slice(&self.spectral_contrast);
        out
    }

    /// "C major", "F# minor".
    pub fn key_name(&self) -> String {
        const NAMES: [&str; 12] = [
            "C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B",
        ];
        let tonic = NAMES[usize::from(self.key % 12)];
        format!("{tonic} {}", if self.mode == 1 { "major" } else { "minor" })
    }
}

/// Loudness figures measured on the original channels.
#[derive(Debug, Clone, Copy, Default)]
pub struct Loudness {
    pub integrated_lufs: f32,
    pub range_lu: f32,
}

/// Accumulates frame statistics over the segments of one track.
pub struct Extractor {
    fft: Arc<dyn RealToComplex<f32>>,
    window: Vec<f32>,
    mel: Vec<Vec<(usize, f32)>>,
    chroma_bins: Vec<Option<usize>>,
    frames: usize,
    chroma: [f64; 12],
    mfcc_sum: [f64; MFCCS],
    mfcc_sq: [f64; MFCCS],
    centroid: f64,
    rolloff: f64,
    flatness: f64,
    contrast: [f64; CONTRAST_BANDS],
    zero_crossings: u64,
    samples: u64,
    onset_acf: Vec<f64>,
    onsets: usize,
    onset_seconds: f64,
    band_scratch: Vec<f32>,
    contrast_frames: usize,
}

impl Default for Extractor {
    fn default() -> Self {
        Self::new()
    }
}

impl Extractor {
    pub fn new() -> Self {
        let fft = RealFftPlanner::<f32>::new().plan_fft_forward(FRAME);
        let window = (0..FRAME)
            .map(|i| 0.5 - 0.5 * (std::f32::consts::TAU * i as f32 / FRAME as f32).cos())
            .collect();
        let bin_hz = ANALYSIS_RATE as f32 / FRAME as f32;
        let chroma_bins = (0..=FRAME / 2)
            .map(|bin| {
                let hz = bin as f32 * bin_hz;
                (55.0..=5000.0).contains(&hz).then(|| {
                    let midi = 69.0 + 12.0 * (hz / 440.0).log2();
                    (midi.round() as i64).rem_euclid(12) as usize
                })
            })
            .collect();
        Self {
            fft,
            window,
            mel: mel_filterbank(),
            chroma_bins,
            frames: 0,
            chroma: [0.0; 12],
            mfcc_sum: [0.0; MFCCS],
            mfcc_sq: [0.0; MFCCS],
            centroid: 0.0,
            rolloff: 0.0,
            flatness: 0.0,
            contrast: [0.0; CONTRAST_BANDS],
            zero_crossings: 0,
            samples: 0,
            onset_acf: vec![0.0; 2 * max_lag() + 2],
            onsets: 0,
            onset_seconds: 0.0,
            band_scratch: Vec::with_capacity(FRAME / 2),
            contrast_frames: 0,
        }
    }

    /// Adds one contiguous segment of mono audio at [`ANALYSIS_RATE`].
    pub fn add_segment(&mut self, samples: &[f32]) {
        self.zero_crossings += samples
            .windows(2)
            .filter(|w| (w[0] >= 0.0) != (w[1] >= 0.0))
            .count() as u64;
        self.samples += samples.len() as u64;
        if samples.len() < FRAME {
            return;
        }
        let mut input = self.fft.make_input_vec();
        let mut spectrum = self.fft.make_output_vec();
        let mut scratch = self.fft.make_scratch_vec();
        let mut magnitude = vec![0.0f32; spectrum.len()];
        let mut power = vec![0.0f32; spectrum.len()];
        let mut log_mel = vec![0.0f32; MEL_BANDS];
        let mut previous = vec![0.0f32; MEL_BANDS];
        let mut envelope = Vec::with_capacity(samples.len() / HOP);
        let bin_hz = ANALYSIS_RATE as f32 / FRAME as f32;
        for (n, start) in (0..=samples.len() - FRAME).step_by(HOP).enumerate() {
            for (slot, (x, w)) in input
                .iter_mut()
                .zip(samples[start..start + FRAME].iter().zip(&self.window))
            {
                *slot = x * w;
            }
            if self
                .fft
                .process_with_scratch(&mut input, &mut spectrum, &mut scratch)
                .is_err()
            {
                continue;
            }
            for ((c, m), p) in spectrum.iter().zip(&mut magnitude).zip(&mut power) {
                *p = c.re * c.re + c.im * c.im;
                *m = p.sqrt();
            }
            self.mel_energies(&power, &mut log_mel);
            // The spectral statistics are means over frames: every other
            // frame estimates them as well at half the cost (contrast, the
            // costliest, every fourth). Onsets need every frame.
            if n % STATS_EVERY == 0 {
                self.frame_stats(
                    &magnitude,
                    &power,
                    bin_hz,
                    &log_mel,
                    n % CONTRAST_EVERY == 0,
                );
            }
            // Onset strength: spectral flux over the log mel bands (positive
            // changes only), cheaper than per-bin flux and as sharp for beats.
            let flux = if n == 0 {
                0.0
            } else {
                log_mel
                    .iter()
                    .zip(&previous)
                    .map(|(now, before)| (now - before).max(0.0))
                    .sum::<f32>()
            };
            envelope.push(flux);
            previous.copy_from_slice(&log_mel);
        }
        self.add_onset_envelope(&envelope);
    }

    /// Log mel energies of one frame (they feed the onset flux, the MFCCs
    /// and the flatness).
    fn mel_energies(&self, power: &[f32], log_mel: &mut [f32]) {
        for (out, band) in log_mel.iter_mut().zip(&self.mel) {
            let e: f32 = band.iter().map(|(bin, w)| power[*bin] * w).sum();
            *out = (e + 1e-10).ln();
        }
    }

    fn frame_stats(
        &mut self,
        magnitude: &[f32],
        power: &[f32],
        bin_hz: f32,
        log_mel: &[f32],
        with_contrast: bool,
    ) {
        self.frames += 1;
        let total: f32 = magnitude.iter().sum();
        let total_power: f32 = power.iter().sum();
        if total > 1e-9 {
            let weighted: f32 = magnitude
                .iter()
                .enumerate()
                .map(|(i, m)| i as f32 * bin_hz * m)
                .sum();
            self.centroid += f64::from(weighted / total);
            let mut acc = 0.0;
            let threshold = 0.85 * total_power;
            let bin = power
                .iter()
                .position(|p| {
                    acc += p;
                    acc >= threshold
                })
                .unwrap_or(power.len() - 1);
            self.rolloff += f64::from(bin as f32 * bin_hz);
        }
        // Chroma, normalised per frame.
        let mut chroma = [0.0f32; 12];
        for (bin, class) in self.chroma_bins.iter().enumerate() {
            if let Some(class) = class {
                chroma[*class] += power[bin];
            }
        }
        let peak = chroma.iter().copied().fold(0.0, f32::max);
        if peak > 1e-12 {
            for (acc, c) in self.chroma.iter_mut().zip(chroma) {
                *acc += f64::from(c / peak);
            }
        }
        // Flatness: geometric over arithmetic mean of the mel spectrum.
        let mel_sum: f32 = log_mel.iter().map(|l| l.exp()).sum();
        if mel_sum > 1e-9 {
            let log_mean = log_mel.iter().sum::<f32>() / MEL_BANDS as f32;
            self.flatness += f64::from(log_mean.exp() / (mel_sum / MEL_BANDS as f32 + 1e-10));
        }
        for k in 0..MFCCS {
            let c: f32 = log_mel
                .iter()
                .enumerate()
                .map(|(m, v)| {
                    v * (std::f32::consts::PI * k as f32 * (m as f32 + 0.5) / MEL_BANDS as f32)
                        .cos()
                })
                .sum();
            self.mfcc_sum[k] += f64::from(c);
            self.mfcc_sq[k] += f64::from(c) * f64::from(c);
        }
        if !with_contrast {
            return;
        }
        self.contrast_frames += 1;
        // Spectral contrast in octave bands starting at 200 Hz.
        let mut low = 200.0f32;
        for band in 0..CONTRAST_BANDS {
            let high = (low * 2.0).min(ANALYSIS_RATE as f32 / 2.0);
            let lo_bin = (low / bin_hz) as usize;
            let hi_bin = ((high / bin_hz) as usize).min(power.len() - 1);
            if hi_bin > lo_bin + 2 {
                let values = &mut self.band_scratch;
                values.clear();
                values.extend_from_slice(&power[lo_bin..hi_bin]);
                let len = values.len();
                let k = (len / 5).max(1);
                // Partial selection (O(n)) instead of a full sort.
                values.select_nth_unstable_by(k - 1, f32::total_cmp);
                let valley = values[..k].iter().sum::<f32>() / k as f32;
                values.select_nth_unstable_by(len - k, f32::total_cmp);
                let peak = values[len - k..].iter().sum::<f32>() / k as f32;
                self.contrast[band] +=
                    f64::from(10.0 * ((peak + 1e-10) / (valley + 1e-10)).log10());
            }
            low = high;
        }
    }

    fn add_onset_envelope(&mut self, envelope: &[f32]) {
        if envelope.len() < 8 {
            return;
        }
        let mean = envelope.iter().sum::<f32>() / envelope.len() as f32;
        let centred: Vec<f32> = envelope.iter().map(|e| e - mean).collect();
        for (lag, acc) in self.onset_acf.iter_mut().enumerate() {
            if lag >= centred.len() {
                break;
            }
            *acc += centred
                .iter()
                .zip(&centred[lag..])
                .map(|(a, b)| f64::from(a * b))
                .sum::<f64>();
        }
        // Onsets: local maxima above mean + 1 standard deviation (moving).
        let std = (centred.iter().map(|c| c * c).sum::<f32>() / centred.len() as f32).sqrt();
        let threshold = mean + std;
        self.onsets += envelope
            .windows(3)
            .filter(|w| w[1] > threshold && w[1] >= w[0] && w[1] > w[2])
            .count();
        self.onset_seconds += (envelope.len() * HOP) as f64 / f64::from(ANALYSIS_RATE);
    }

    /// Tempo and the strength of its periodicity.
    fn tempo(&self) -> (f32, f32) {
        let fps = ANALYSIS_RATE as f32 / HOP as f32;
        let acf = &self.onset_acf;
        if acf[0] <= 0.0 {
            return (0.0, 0.0);
        }
        let min_lag = (60.0 * fps / MAX_BPM).ceil() as usize;
        let max_lag = max_lag().min(acf.len() - 2);
        // Refine every ACF peak to a fractional lag (parabolic fit), then
        // score it with its first harmonic (a true beat period also shows at
        // twice the lag) and a log-normal preference around 120 BPM (where
        // most music is felt); together they settle half/double ambiguity.
        let interp = |lag: f64| {
            let i = lag.floor() as usize;
            if i + 1 >= acf.len() {
                return 0.0;
            }
            let frac = lag - i as f64;
            acf[i] * (1.0 - frac) + acf[i + 1] * frac
        };
        let refine = |l: usize| {
            let (a, b, c) = (acf[l - 1], acf[l], acf[l + 1]);
            let denom = a - 2.0 * b + c;
            let offset = if denom.abs() > 1e-12 {
                (0.5 * (a - c) / denom).clamp(-0.5, 0.5)
            } else {
                0.0
            };
            l as f64 + offset
        };
        let score = |lag: f64| {
            let bpm = 60.0 * f64::from(fps) / lag;
            let octaves = (bpm / 120.0).log2();
            (interp(lag) + 0.5 * interp(2.0 * lag).max(0.0))
                * (-0.5 * (octaves / 0.9).powi(2)).exp()
        };
        let Some(lag) = (min_lag.max(1)..=max_lag)
            .filter(|&l| acf[l] > acf[l - 1] && acf[l] >= acf[l + 1])
            .map(refine)
            .max_by(|a, b| score(*a).total_cmp(&score(*b)))
        else {
            return (0.0, 0.0);
        };
        let b = interp(lag);
        let bpm = (60.0 * f64::from(fps) / lag).clamp(f64::from(MIN_BPM), f64::from(MAX_BPM));
        let strength = (b / acf[0]).clamp(0.0, 1.0);
        (bpm as f32, strength as f32)
    }

    /// Finishes the vector. `start`/`end` are the first and last analysed
    /// segments (for transition energies).
    pub fn finish(&self, loudness: Loudness, start: &[f32], end: &[f32]) -> FeatureVector {
        let n = self.frames.max(1) as f64;
        let mean = |x: f64| (x / n) as f32;
        let mut chroma = [0.0f32; 12];
        for (out, acc) in chroma.iter_mut().zip(self.chroma) {
            *out = mean(acc);
        }
        let mut mfcc_mean = [0.0f32; MFCCS];
        let mut mfcc_var = [0.0f32; MFCCS];
        for k in 0..MFCCS {
            let m = self.mfcc_sum[k] / n;
            mfcc_mean[k] = m as f32;
            mfcc_var[k] = (self.mfcc_sq[k] / n - m * m).max(0.0) as f32;
        }
        let mut contrast = [0.0f32; CONTRAST_BANDS];
        let contrast_n = self.contrast_frames.max(1) as f64;
        for (out, acc) in contrast.iter_mut().zip(self.contrast) {
            *out = (acc / contrast_n) as f32;
        }
        let (key, mode, key_confidence) = estimate_key(&chroma);
        let (tempo_bpm, beat_strength) = self.tempo();
        FeatureVector {
            version: FEATURE_VERSION,
            loudness_lufs: loudness.integrated_lufs,
            loudness_range_lu: loudness.range_lu,
            replaygain_db: -18.0 - loudness.integrated_lufs,
            tempo_bpm,
            beat_strength,
            onset_rate: if self.onset_seconds > 0.0 {
                (self.onsets as f64 / self.onset_seconds) as f32
            } else {
                0.0
            },
            key,
            mode,
            key_confidence,
            chroma,
            mfcc_mean,
            mfcc_var,
            spectral_centroid_hz: mean(self.centroid),
            spectral_rolloff_hz: mean(self.rolloff),
            spectral_flatness: mean(self.flatness),
            spectral_contrast: contrast,
            zero_crossing_rate: if self.samples > 1 {
                self.zero_crossings as f32 / self.samples as f32
            } else {
                0.0
            },
            start_energy_db: rms_db(start),
            end_energy_db: rms_db(end),
            analysed_seconds: self.samples as f32 / ANALYSIS_RATE as f32,
        }
    }
}

fn max_lag() -> usize {
    let fps = ANALYSIS_RATE as f32 / HOP as f32;
    (60.0 * fps / MIN_BPM).ceil() as usize
}

/// RMS level in dBFS; -120 for silence.
pub fn rms_db(samples: &[f32]) -> f32 {
    if samples.is_empty() {
        return -120.0;
    }
    let ms = samples.iter().map(|s| f64::from(s * s)).sum::<f64>() / samples.len() as f64;
    if ms <= 1e-12 {
        -120.0
    } else {
        (10.0 * ms.log10()) as f32
    }
}

fn hz_to_mel(hz: f32) -> f32 {
    2595.0 * (1.0 + hz / 700.0).log10()
}

fn mel_to_hz(mel: f32) -> f32 {
    700.0 * (10f32.powf(mel / 2595.0) - 1.0)
}

/// Triangular mel filters from 20 Hz to 8 kHz, as (bin, weight) lists.
fn mel_filterbank() -> Vec<Vec<(usize, f32)>> {
    let bin_hz = ANALYSIS_RATE as f32 / FRAME as f32;
    let (lo, hi) = (hz_to_mel(20.0), hz_to_mel(8000.0));
    let edges: Vec<f32> = (0..MEL_BANDS + 2)
        .map(|i| mel_to_hz(lo + (hi - lo) * i as f32 / (MEL_BANDS + 1) as f32))
        .collect();
    (0..MEL_BANDS)
        .map(|m| {
            let (left, centre, right) = (edges[m], edges[m + 1], edges[m + 2]);
            (0..=FRAME / 2)
                .filter_map(|bin| {
                    let hz = bin as f32 * bin_hz;
                    let w = if hz > left && hz <= centre {
                        (hz - left) / (centre - left)
                    } else if hz > centre && hz < right {
                        (right - hz) / (right - centre)
                    } else {
                        0.0
                    };
                    (w > 0.0).then_some((bin, w))
                })
                .collect()
        })
        .collect()
}

/// Krumhansl-Kessler key profiles (C major / C minor).
const MAJOR: [f32; 12] = [
    6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88,
];
const MINOR: [f32; 12] = [
    6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17,
];

/// Best (tonic, mode, correlation) over the 24 major and minor keys.
pub fn estimate_key(chroma: &[f32; 12]) -> (u8, u8, f32) {
    let mut best = (0u8, 1u8, f32::MIN);
    for (mode, profile) in [(1u8, &MAJOR), (0u8, &MINOR)] {
        for tonic in 0..12 {
            let rotated: Vec<f32> = (0..12).map(|i| profile[(i + 12 - tonic) % 12]).collect();
            let r = pearson(chroma, &rotated);
            if r > best.2 {
                best = (tonic as u8, mode, r);
            }
        }
    }
    if best.2 == f32::MIN {
        best.2 = 0.0;
    }
    best
}

fn pearson(a: &[f32], b: &[f32]) -> f32 {
    let n = a.len() as f32;
    let (ma, mb) = (a.iter().sum::<f32>() / n, b.iter().sum::<f32>() / n);
    let cov: f32 = a.iter().zip(b).map(|(x, y)| (x - ma) * (y - mb)).sum();
    let va: f32 = a.iter().map(|x| (x - ma).powi(2)).sum();
    let vb: f32 = b.iter().map(|y| (y - mb).powi(2)).sum();
    if va <= 1e-12 || vb <= 1e-12 {
        0.0
    } else {
        cov / (va.sqrt() * vb.sqrt())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn click_track(bpm: f32, seconds: f32) -> Vec<f32> {
        let n = (seconds * ANALYSIS_RATE as f32) as usize;
        let period = 60.0 / bpm * ANALYSIS_RATE as f32;
        let mut out = vec![0.0f32; n];
        let mut t = 0.0f32;
        while (t as usize) < n {
            let start = t as usize;
            for (i, s) in out[start..(start + 200).min(n)].iter_mut().enumerate() {
                *s = 0.8 * (-(i as f32) / 40.0).exp() * if i % 2 == 0 { 1.0 } else { -1.0 };
            }
            t += period;
        }
        out
    }

    fn chord(freqs: &[f32], seconds: f32) -> Vec<f32> {
        let n = (seconds * ANALYSIS_RATE as f32) as usize;
        (0..n)
            .map(|i| {
                let t = i as f32 / ANALYSIS_RATE as f32;
                freqs
                    .iter()
                    .map(|f| (std::f32::consts::TAU * f * t).sin())
                    .sum::<f32>()
                    * 0.2
            })
            .collect()
    }

    fn analyse(samples: &[f32]) -> FeatureVector {
        let mut x = Extractor::new();
        x.add_segment(samples);
        x.finish(Loudness::default(), samples, samples)
    }

    #[test]
    fn a_click_track_at_120_bpm_reads_120() {
        for bpm in [90.0, 120.0, 140.0] {
            let v = analyse(&click_track(bpm, 30.0));
            assert!(
                (v.tempo_bpm - bpm).abs() <= 2.0,
                "expected {bpm} BPM, got {}",
                v.tempo_bpm
            );
            assert!(v.beat_strength > 0.3, "{}", v.beat_strength);
        }
    }

    #[test]
    fn a_c_major_chord_reads_c_major_and_a_minor_chord_a_minor() {
        // C4 E4 G4 (+ C3 for a root).
        let c = analyse(&chord(&[130.81, 261.63, 329.63, 392.0], 10.0));
        assert_eq!((c.key, c.mode), (0, 1), "got {}", c.key_name());
        // A3 C4 E4 (+ A2).
        let a = analyse(&chord(&[110.0, 220.0, 261.63, 329.63], 10.0));
        assert_eq!((a.key, a.mode), (9, 0), "got {}", a.key_name());
    }

    #[test]
    fn brightness_and_noisiness_order_sounds_as_ears_do() {
        let low = analyse(&chord(&[110.0], 5.0));
        let high = analyse(&chord(&[3000.0], 5.0));
        assert!(high.spectral_centroid_hz > 5.0 * low.spectral_centroid_hz);
        assert!(high.zero_crossing_rate > low.zero_crossing_rate);
        // White-ish noise from a simple LCG is flatter than a sine.
        let mut state = 12345u32;
        let noise: Vec<f32> = (0..ANALYSIS_RATE * 5)
            .map(|_| {
                state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                (state >> 8) as f32 / (1u32 << 24) as f32 - 0.5
            })
            .collect();
        assert!(analyse(&noise).spectral_flatness > 10.0 * low.spectral_flatness);
    }

    #[test]
    fn silence_gives_finite_numbers() {
        let v = analyse(&vec![0.0; ANALYSIS_RATE as usize * 3]);
        assert!(v.to_numeric().iter().all(|x| x.is_finite()));
        assert_eq!(v.start_energy_db, -120.0);
    }
}
