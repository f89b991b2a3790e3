//! MusiCNN's input: log-mel patches from 16 kHz mono audio, computed as
//! musicnn computes them (`AUDIO_TAGGER.md`): an STFT of 512 samples with
//! a hop of 256 (periodic Hann window, frames centred with zero padding),
//! the power spectrum, 96 Slaney-scale mel bands from 0 to 8 kHz with
//! Slaney area normalisation, each value rounded to f16, then
//! `log10(10000·x + 1)` in f32. Patches are 187 frames (≈ 3 s), one after
//! another without overlap; a last partial patch is dropped, and audio
//! shorter than one patch is repeated until it fills one.

use realfft::RealFftPlanner;

/// The sample rate MusiCNN listens at.
pub const SAMPLE_RATE: u32 = 16_000;
/// STFT size.
pub const N_FFT: usize = 512;
/// STFT hop.
pub const HOP: usize = 256;
/// Mel bands.
pub const MELS: usize = 96;
/// Frames per patch.
pub const PATCH_FRAMES: usize = 187;

/// Slaney's mel scale: linear below 1 kHz, logarithmic above.
fn hz_to_mel(hz: f64) -> f64 {
    let f_sp = 200.0 / 3.0;
    let (min_log_hz, min_log_mel, logstep) = (1000.0, 1000.0 / f_sp, 6.4f64.ln() / 27.0);
    if hz >= min_log_hz {
        min_log_mel + (hz / min_log_hz).ln() / logstep
    } else {
        hz / f_sp
    }
}

fn mel_to_hz(mel: f64) -> f64 {
    let f_sp = 200.0 / 3.0;
    let (min_log_hz, min_log_mel, logstep) = (1000.0, 1000.0 / f_sp, 6.4f64.ln() / 27.0);
    if mel >= min_log_mel {
        min_log_hz * (logstep * (mel - min_log_mel)).exp()
    } else {
        f_sp * mel
    }
}

/// The mel filterbank, [MELS][N_FFT / 2 + 1], as librosa's
/// `filters.mel(sr=16000, n_fft=512, n_mels=96)` (Slaney scale and norm;
/// computed in f64, stored as f32).
pub fn mel_filters() -> Vec<[f32; N_FFT / 2 + 1]> {
    let bins = N_FFT / 2 + 1;
    let nyquist = f64::from(SAMPLE_RATE) / 2.0;
    let fft_freqs: Vec<f64> = (0..bins)
        .map(|i| nyquist * i as f64 / (bins - 1) as f64)
        .collect();
    let (lo, hi) = (hz_to_mel(0.0), hz_to_mel(nyquist));
    let mel_f: Vec<f64> = (0..MELS + 2)
        .map(|i| mel_to_hz(lo + (hi - lo) * i as f64 / (MELS + 1) as f64))
        .collect();
    (0..MELS)
        .map(|m| {
            let norm = 2.0 / (mel_f[m + 2] - mel_f[m]);
            let mut row = [0f32; N_FFT / 2 + 1];
            for (k, f) in fft_freqs.iter().enumerate() {
                let lower = (f - mel_f[m]) / (mel_f[m + 1] - mel_f[m]);
                let upper = (mel_f[m + 2] - f) / (mel_f[m + 2] - mel_f[m + 1]);
                row[k] = (lower.min(upper).max(0.0) * norm) as f32;
            }
            row
        })
        .collect()
}

/// Log-mel frames of 16 kHz mono `samples`: [frames][MELS], frame `t`
/// centred on sample `t · HOP`.
pub fn log_mel(samples: &[f32]) -> Vec<[f32; MELS]> {
    let filters = mel_filters();
    let window: Vec<f32> = (0..N_FFT)
        .map(|n| (0.5 - 0.5 * (2.0 * std::f64::consts::PI * n as f64 / N_FFT as f64).cos()) as f32)
        .collect();
    let pad = N_FFT / 2;
    let padded_len = samples.len() + 2 * pad;
    if padded_len < N_FFT {
        return Vec::new();
    }
    let frames = 1 + (padded_len - N_FFT) / HOP;
    let fft = RealFftPlanner::<f32>::new().plan_fft_forward(N_FFT);
    let mut input = fft.make_input_vec();
    let mut spectrum = fft.make_output_vec();
    let mut power = vec![0f32; N_FFT / 2 + 1];
    let mut out = Vec::with_capacity(frames);
    for t in 0..frames {
        for (n, x) in input.iter_mut().enumerate() {
            // Index into the zero-padded signal.
            let i = (t * HOP + n).checked_sub(pad);
            let s = i.and_then(|i| samples.get(i)).copied().unwrap_or(0.0);
            *x = s * window[n];
        }
        if fft.process(&mut input, &mut spectrum).is_err() {
            // Lengths are fixed above; an FFT error would be a bug here.
            return Vec::new();
        }
        for (p, c) in power.iter_mut().zip(&spectrum) {
            *p = c.norm_sqr();
        }
        let mut frame = [0f32; MELS];
        for (m, row) in filters.iter().enumerate() {
            let mel: f32 = row.iter().zip(&power).map(|(w, p)| w * p).sum();
            let rounded = half::f16::from_f32(mel).to_f32();
            frame[m] = (10_000.0 * rounded + 1.0).log10();
        }
        out.push(frame);
    }
    out
}

/// The patches of 16 kHz mono `samples`, row-major [n][PATCH_FRAMES][MELS]
/// flattened. Audio shorter than one patch is repeated to fill one;
/// silence (no samples) gives none.
pub fn patches(samples: &[f32]) -> Vec<f32> {
    if samples.is_empty() {
        return Vec::new();
    }
    let frames = log_mel(samples);
    if frames.is_empty() {
        return Vec::new();
    }
    let frames = if frames.len() < PATCH_FRAMES {
        frames.iter().cycle().take(PATCH_FRAMES).copied().collect()
    } else {
        frames
    };
    let n = frames.len() / PATCH_FRAMES;
    frames[..n * PATCH_FRAMES]
        .iter()
        .flat_map(|frame| frame.iter().copied())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_filterbank_is_slaneys() {
        let filters = mel_filters();
        assert_eq!(filters.len(), MELS);
        // Every band has weight, and the bands rise in frequency.
        let peak = |row: &[f32; N_FFT / 2 + 1]| {
            row.iter()
                .enumerate()
                .fold(
                    (0, 0f32),
                    |best, (k, &w)| if w > best.1 { (k, w) } else { best },
                )
                .0
        };
        for pair in filters.windows(2) {
            assert!(peak(&pair[0]) <= peak(&pair[1]));
        }
        assert!(filters.iter().all(|row| row.iter().any(|&w| w > 0.0)));
        // Slaney's area normalisation: each triangle integrates to about
        // 1 / (its width in Hz / 2) · width / 2 = 1 per Hz of bin spacing.
        let spacing = f64::from(SAMPLE_RATE) / N_FFT as f64;
        let area: f64 = filters[40].iter().map(|&w| f64::from(w) * spacing).sum();
        assert!((area - 1.0).abs() < 0.2, "{area}");
    }

    #[test]
    fn short_audio_is_repeated_into_one_patch_and_silence_is_none() {
        let tone: Vec<f32> = (0..8000).map(|i| (i as f32 * 0.1).sin() * 0.3).collect();
        let p = patches(&tone);
        assert_eq!(p.len(), PATCH_FRAMES * MELS);
        assert!(p.iter().all(|v| v.is_finite() && *v >= 0.0));
        assert!(patches(&[]).is_empty());
        let long = vec![0.0f32; 16_000 * 7];
        assert_eq!(
            patches(&long).len() / (PATCH_FRAMES * MELS),
            2,
            "7 s are two whole patches"
        );
    }
}
