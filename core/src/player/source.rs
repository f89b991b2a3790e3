//! One track as a stream of output-ready samples: Symphonia decodes it,
//! channels are mapped to stereo, rubato resamples it to the output rate,
//! and the loudness-normalisation gain is applied.

use std::path::Path;

use rubato::audioadapter_buffers::direct::InterleavedSlice;
use rubato::{Fft, FixedSync, Indexing, Resampler};
use symphonia::core::errors::Error as SymError;
use symphonia::core::formats::{SeekMode, SeekTo};
use symphonia::core::units::Time;

use super::output::CHANNELS;
use crate::analysis::decode::{open, Opened};
use crate::analysis::DecodeError;

/// Frames per resampler chunk.
const CHUNK: usize = 1024;

/// A decoding track.
pub struct TrackSource {
    opened: Opened,
    /// The file's own rate (0 until the first packet if the header lacks it).
    rate: u32,
    out_rate: u32,
    gain: f32,
    resampler: Option<Fft<f32>>,
    /// Stereo frames waiting for a full resampler chunk.
    pending: Vec<f32>,
    /// Output frames of resampler delay still to drop (its start-up latency).
    skip_out: usize,
    scratch: Vec<f32>,
    finished: bool,
    /// The resampler's tail was flushed at the end of the track.
    tail_done: bool,
    /// Packets that failed to decode and were skipped.
    pub bad_packets: usize,
}

impl TrackSource {
    /// Opens `path` for output at `out_rate`, with a gain in dB.
    pub fn open(path: &Path, out_rate: u32, gain_db: f32) -> Result<Self, DecodeError> {
        let opened = open(path)?;
        // `open` refuses rates outside the playable range.
        let rate = opened.params.sample_rate.unwrap_or(0);
        let mut source = Self {
            opened,
            rate,
            out_rate,
            gain: 10f32.powf(gain_db / 20.0),
            resampler: None,
            pending: Vec::new(),
            skip_out: 0,
            scratch: Vec::new(),
            finished: false,
            tail_done: false,
            bad_packets: 0,
        };
        source.setup_resampler();
        Ok(source)
    }

    fn setup_resampler(&mut self) {
        self.resampler = None;
        self.skip_out = 0;
        if self.rate != 0 && self.rate != self.out_rate {
            match Fft::<f32>::new(
                self.rate as usize,
                self.out_rate as usize,
                CHUNK,
                CHANNELS,
                FixedSync::Input,
            ) {
                Ok(resampler) => {
                    self.skip_out = resampler.output_delay();
                    self.resampler = Some(resampler);
                }
                Err(err) => {
                    tracing::warn!(%err, rate = self.rate, "cannot resample; playing at the wrong speed")
                }
            }
        }
    }

    /// The track's length in milliseconds, if the container says.
    pub fn duration_ms(&self) -> Option<u64> {
        match (self.opened.num_frames, self.rate) {
            (Some(frames), rate) if rate > 0 => Some(frames.saturating_mul(1000) / u64::from(rate)),
            _ => None,
        }
    }

    /// Jumps to `ms` (to the nearest point the format allows).
    pub fn seek(&mut self, ms: u64) -> Result<(), String> {
        let time = Time::try_from_secs_f64(ms as f64 / 1000.0).ok_or("bad seek time")?;
        self.opened
            .format
            .seek(
                SeekMode::Accurate,
                SeekTo::Time {
                    time,
                    track_id: Some(self.opened.track_id),
                },
            )
            .map_err(|err| err.to_string())?;
        self.opened.decoder.reset();
        self.pending.clear();
        self.finished = false;
        self.tail_done = false;
        self.setup_resampler();
        Ok(())
    }

    /// The next block of interleaved stereo samples at the output rate, or
    /// `None` at the end of the track.
    pub fn next_block(&mut self) -> Option<Vec<f32>> {
        loop {
            if let Some(block) = self.drain_resampler(false) {
                return Some(block);
            }
            if self.finished {
                return self.drain_resampler(true);
            }
            match self.decode_packet() {
                Some(frames) if self.resampler.is_none() => {
                    if !frames.is_empty() {
                        return Some(frames);
                    }
                }
                Some(frames) => self.pending.extend(frames),
                None => self.finished = true,
            }
        }
    }

    /// Decodes one packet into gained stereo frames; `None` at the end.
    fn decode_packet(&mut self) -> Option<Vec<f32>> {
        loop {
            let packet = match self.opened.format.next_packet() {
                Ok(Some(packet)) => packet,
                Ok(None) => return None,
                Err(SymError::IoError(err)) if err.kind() == std::io::ErrorKind::UnexpectedEof => {
                    return None
                }
                Err(err) => {
                    tracing::debug!(%err, "stream ended with an error");
                    return None;
                }
            };
            if packet.track_id != self.opened.track_id {
                continue;
            }
            let buffer = match self.opened.decoder.decode(&packet) {
                Ok(buffer) => buffer,
                Err(SymError::DecodeError(_)) => {
                    self.bad_packets += 1;
                    continue;
                }
                Err(_) => return None,
            };
            let spec = buffer.spec();
            let channels = spec.channels().count().max(1);
            let rate = spec.rate();
            self.scratch.clear();
            buffer.copy_to_vec_interleaved(&mut self.scratch);
            if !crate::analysis::decode::SAMPLE_RATES.contains(&rate) {
                tracing::warn!(
                    rate,
                    "a packet with an impossible sample rate ends the track"
                );
                return None;
            }
            // NaN would pass the clamp below and break the resampler.
            crate::analysis::decode::sanitise(&mut self.scratch);
            if self.rate == 0 {
                self.rate = rate;
                self.setup_resampler();
            }
            let gain = self.gain;
            let mut out = Vec::with_capacity(self.scratch.len() / channels * CHANNELS);
            for frame in self.scratch.chunks_exact(channels) {
                let (l, r) = match channels {
                    1 => (frame[0], frame[0]),
                    2 => (frame[0], frame[1]),
                    // Surround: front left/right plus half of the rest.
                    _ => {
                        let rest: f32 =
                            frame[2..].iter().sum::<f32>() * 0.5 / (channels - 2) as f32;
                        (frame[0] + rest, frame[1] + rest)
                    }
                };
                out.push((l * gain).clamp(-1.0, 1.0));
                out.push((r * gain).clamp(-1.0, 1.0));
            }
            return Some(out);
        }
    }

    /// Resamples what is pending: a full chunk, or at the end whatever is
    /// left plus the resampler's tail.
    fn drain_resampler(&mut self, at_end: bool) -> Option<Vec<f32>> {
        let resampler = self.resampler.as_mut()?;
        let need = resampler.input_frames_next();
        let have = self.pending.len() / CHANNELS;
        if have < need && !at_end {
            return None;
        }
        if have == 0 && at_end {
            // Flush the delay line once with silence, then stop.
            if self.tail_done {
                return None;
            }
            self.tail_done = true;
            let delay = resampler.output_delay();
            self.pending = vec![0.0; need * CHANNELS];
            let out = self.run_chunk(need, need);
            return out.map(|mut v| {
                v.truncate(delay * CHANNELS);
                v
            });
        }
        let take = have.min(need);
        self.run_chunk(need, take)
    }

    fn run_chunk(&mut self, need: usize, take: usize) -> Option<Vec<f32>> {
        let resampler = self.resampler.as_mut()?;
        let mut input = std::mem::take(&mut self.pending);
        let rest = input.split_off(take * CHANNELS);
        self.pending = rest;
        input.resize(need * CHANNELS, 0.0);
        let adapter = InterleavedSlice::new(&input, CHANNELS, need).ok()?;
        let indexing = Indexing {
            input_offset: 0,
            output_offset: 0,
            partial_len: (take < need).then_some(take),
            active_channels_mask: None,
        };
        let mut out = resampler
            .process(&adapter, Some(&indexing))
            .ok()?
            .take_data();
        if self.skip_out > 0 {
            let drop = (self.skip_out * CHANNELS).min(out.len());
            out.drain(..drop);
            self.skip_out -= drop / CHANNELS;
        }
        Some(out)
    }
}
