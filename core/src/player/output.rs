//! Where samples go: the default audio device through `cpal`, or a silent
//! sink that consumes them in real time when there is no device (CI, a
//! server, a broken sound setup), so playback, positions and the history
//! behave exactly the same.
//!
//! The player thread pushes interleaved `f32` frames into a lock-free ring buffer
//! (`rtrb`); the device callback (or the silent sink's clock thread) takes
//! them out. Shared counters say how far the listener has got.

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
use rtrb::{Consumer, Producer, RingBuffer};

/// Output channels. Mono files are doubled, surround is folded down.
pub const CHANNELS: usize = 2;
/// The silent sink's rate (the device's own rate is used otherwise).
pub const SILENT_RATE: u32 = 48_000;
/// Audio buffered ahead of the listener: enough to ride out a busy moment,
/// short enough that pause, seek and volume feel immediate.
const BUFFER_SECONDS: f64 = 0.2;

/// Which output to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputChoice {
    /// The default device, else the silent sink.
    Auto,
    /// Always the silent sink (`PLAYGENIE_AUDIO=silent`, tests).
    Silent,
}

impl OutputChoice {
    /// `PLAYGENIE_AUDIO=silent` (or `null`, `none`) forces the silent sink.
    pub fn from_env() -> Self {
        match std::env::var("PLAYGENIE_AUDIO").as_deref() {
            Ok("silent" | "null" | "none") => Self::Silent,
            _ => Self::Auto,
        }
    }
}

/// Counters shared by the player thread and whatever consumes the samples.
#[derive(Debug, Default)]
pub struct Shared {
    /// Frames taken off the buffer: heard or flushed. Positions are
    /// measured in this stream time.
    pub cursor: AtomicU64,
    /// Frames actually heard (not flushed, not while paused).
    pub heard: AtomicU64,
    pub paused: AtomicBool,
    /// Output volume, `f32` bits (applied at the output so it reacts at
    /// once).
    volume_bits: AtomicU32,
    /// The player thread bumps this to ask for the buffer to be dropped; the
    /// consumer copies it to `flush_done` once it has.
    flush_asked: AtomicU64,
    flush_done: AtomicU64,
    stop: AtomicBool,
}

impl Shared {
    pub fn set_volume(&self, volume: f32) {
        self.volume_bits
            .store(volume.clamp(0.0, 1.0).to_bits(), Ordering::Relaxed);
    }

    pub fn volume(&self) -> f32 {
        f32::from_bits(self.volume_bits.load(Ordering::Relaxed))
    }
}

/// An open output: the producer side of the buffer and what it feeds.
pub struct Output {
    pub producer: Producer<f32>,
    pub shared: Arc<Shared>,
    pub rate: u32,
    /// What the listener hears through, for the UI ("Built-in Audio",
    /// "silent: no audio device").
    pub description: String,
    /// Keeps the device stream (not `Send`: the player thread owns it).
    _stream: Option<cpal::Stream>,
    /// The silent sink's clock thread.
    silent: Option<std::thread::JoinHandle<()>>,
}

impl Output {
    /// Opens the output `choice` asks for; a device that is missing or
    /// refuses is logged and replaced by the silent sink.
    pub fn open(choice: OutputChoice, volume: f32) -> Self {
        if choice == OutputChoice::Auto {
            match open_device(volume) {
                Ok(output) => return output,
                Err(reason) => {
                    tracing::warn!(%reason, "no audio output; playing silently");
                    return open_silent(volume, format!("silent: {reason}"));
                }
            }
        }
        open_silent(volume, "silent (PLAYGENIE_AUDIO=silent)".into())
    }

    /// Frames the buffer holds.
    pub fn capacity_frames(&self) -> usize {
        self.producer.buffer().capacity() / CHANNELS
    }

    /// Drops everything buffered and waits (briefly) until the consumer
    /// has; afterwards `cursor` equals every frame ever pushed.
    pub fn flush(&self) {
        let asked = self.shared.flush_asked.fetch_add(1, Ordering::AcqRel) + 1;
        let deadline = Instant::now() + Duration::from_millis(500);
        while self.shared.flush_done.load(Ordering::Acquire) < asked {
            if Instant::now() > deadline {
                tracing::warn!("the audio output did not answer a flush in time");
                break;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    }
}

impl Drop for Output {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.silent.take() {
            let _ = thread.join();
        }
    }
}

fn buffer(rate: u32, volume: f32) -> (Producer<f32>, Consumer<f32>, Arc<Shared>) {
    let frames = (f64::from(rate) * BUFFER_SECONDS) as usize;
    let (producer, consumer) = RingBuffer::new(frames * CHANNELS);
    let shared = Arc::new(Shared::default());
    shared.set_volume(volume);
    (producer, consumer, shared)
}

/// Fills `out` (interleaved, [`CHANNELS`]) from the buffer: handles a
/// pending flush, outputs silence while paused or starved, and advances the
/// counters. Used by both the device callback and the silent sink.
pub fn fill(out: &mut [f32], consumer: &mut Consumer<f32>, shared: &Shared) {
    let asked = shared.flush_asked.load(Ordering::Acquire);
    if asked != shared.flush_done.load(Ordering::Relaxed) {
        let dropped = consumer.slots();
        if let Ok(chunk) = consumer.read_chunk(dropped) {
            chunk.commit_all();
        }
        shared
            .cursor
            .fetch_add((dropped / CHANNELS) as u64, Ordering::AcqRel);
        shared.flush_done.store(asked, Ordering::Release);
    }
    if shared.paused.load(Ordering::Relaxed) {
        out.fill(0.0);
        return;
    }
    let wanted = (out.len().min(consumer.slots()) / CHANNELS) * CHANNELS;
    let volume = shared.volume();
    let gain = volume * volume; // a perceptual curve
    if let Ok(chunk) = consumer.read_chunk(wanted) {
        let (a, b) = chunk.as_slices();
        for (o, s) in out.iter_mut().zip(a.iter().chain(b)) {
            *o = s * gain;
        }
        chunk.commit_all();
    }
    out[wanted..].fill(0.0);
    let frames = (wanted / CHANNELS) as u64;
    shared.cursor.fetch_add(frames, Ordering::AcqRel);
    shared.heard.fetch_add(frames, Ordering::AcqRel);
}

/// The silent sink: a thread that takes frames off the buffer at the real
/// rate, as a sound card would.
fn open_silent(volume: f32, description: String) -> Output {
    let rate = SILENT_RATE;
    let (producer, mut consumer, shared) = buffer(rate, volume);
    let clock = Arc::clone(&shared);
    let thread = std::thread::Builder::new()
        .name("silent-output".into())
        .spawn(move || {
            let start = Instant::now();
            let mut taken: u64 = 0;
            let mut scratch = vec![0.0f32; rate as usize / 10 * CHANNELS];
            while !clock.stop.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(5));
                let due = (start.elapsed().as_secs_f64() * f64::from(rate)) as u64;
                let frames = (due.saturating_sub(taken) as usize).min(scratch.len() / CHANNELS);
                taken += frames as u64;
                fill(&mut scratch[..frames * CHANNELS], &mut consumer, &clock);
            }
        })
        .ok();
    Output {
        producer,
        shared,
        rate,
        description,
        _stream: None,
        silent: thread,
    }
}

/// The default device at its default rate, stereo.
fn open_device(volume: f32) -> Result<Output, String> {
    let host = cpal::default_host();
    let device = host
        .default_output_device()
        .ok_or_else(|| "no audio output device".to_owned())?;
    let name = device.name().unwrap_or_else(|_| "audio device".into());
    let supported = device
        .default_output_config()
        .map_err(|err| format!("{name} has no usable output format ({err})"))?;
    let rate = supported.sample_rate().0;
    let config = cpal::StreamConfig {
        channels: CHANNELS as u16,
        sample_rate: cpal::SampleRate(rate),
        buffer_size: cpal::BufferSize::Default,
    };
    let (producer, consumer, shared) = buffer(rate, volume);
    let stream = match supported.sample_format() {
        cpal::SampleFormat::I16 => build::<i16>(&device, &config, consumer, &shared),
        cpal::SampleFormat::U16 => build::<u16>(&device, &config, consumer, &shared),
        _ => build::<f32>(&device, &config, consumer, &shared),
    }
    .map_err(|err| format!("{name} refused to open ({err})"))?;
    stream
        .play()
        .map_err(|err| format!("{name} would not start ({err})"))?;
    tracing::info!(device = %name, rate, "audio output open");
    Ok(Output {
        producer,
        shared,
        rate,
        description: name,
        _stream: Some(stream),
        silent: None,
    })
}

fn build<T>(
    device: &cpal::Device,
    config: &cpal::StreamConfig,
    mut consumer: Consumer<f32>,
    shared: &Arc<Shared>,
) -> Result<cpal::Stream, cpal::BuildStreamError>
where
    T: cpal::SizedSample + cpal::FromSample<f32>,
{
    let shared = Arc::clone(shared);
    let mut scratch: Vec<f32> = Vec::new();
    device.build_output_stream(
        config,
        move |data: &mut [T], _| {
            scratch.resize(data.len(), 0.0);
            fill(&mut scratch, &mut consumer, &shared);
            for (o, s) in data.iter_mut().zip(&scratch) {
                *o = T::from_sample(*s);
            }
        },
        |err| tracing::warn!(%err, "audio output error"),
        None,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_silent_sink_consumes_in_real_time_and_honours_pause_and_flush() {
        let mut output = Output::open(OutputChoice::Silent, 1.0);
        let frames = output.capacity_frames();
        let samples = vec![0.1f32; frames * CHANNELS];
        let pushed = output.producer.slots().min(samples.len());
        let mut chunk = output.producer.write_chunk(pushed).unwrap();
        let (a, b) = chunk.as_mut_slices();
        for (slot, s) in a.iter_mut().chain(b.iter_mut()).zip(&samples) {
            *slot = *s;
        }
        chunk.commit_all();
        std::thread::sleep(Duration::from_millis(60));
        let heard = output.shared.heard.load(Ordering::Acquire);
        assert!(
            heard > 0 && heard < (pushed / CHANNELS) as u64,
            "heard {heard}"
        );
        output.shared.paused.store(true, Ordering::Relaxed);
        std::thread::sleep(Duration::from_millis(20));
        let paused_at = output.shared.heard.load(Ordering::Acquire);
        std::thread::sleep(Duration::from_millis(40));
        assert_eq!(output.shared.heard.load(Ordering::Acquire), paused_at);
        output.flush();
        assert_eq!(
            output.shared.cursor.load(Ordering::Acquire),
            (pushed / CHANNELS) as u64
        );
        assert_eq!(output.shared.heard.load(Ordering::Acquire), paused_at);
    }
}
