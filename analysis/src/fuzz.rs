//! The audio fuzz harness, shared by the cargo-fuzz target
//! (`analysis/fuzz`) and the test that replays its seeds and every input
//! that once crashed it (`tests/fuzz_corpus.rs`). The first byte chooses
//! the shape:
//!
//! * even: the rest is a whole file, probed as the format the second byte
//!   names (WAV, FLAC, MP3, Ogg, MP4, AIFF): symphonia's demuxers and
//!   decoders on arbitrary bytes;
//! * odd: a valid WAV header (PCM 8/16/24/32-bit or float 32/64, 1-8
//!   channels, any of a dozen rates, sane and absurd) built from the next
//!   bytes, the rest its samples: the sanitiser, the resampler and every
//!   feature on arbitrary sample values (NaN, infinities, denormals, huge).
//!
//! A panic in PlayGenie's code is a crash; so is a feature vector that is
//! not finite (the analyser refuses such audio rather than store it, and
//! for the fuzzer that refusal is the bug it looks for). A panic inside a
//! third-party crate (its location is under Cargo's registry) is what the
//! scan's and the player's panic boundary contain: it is reported on stderr
//! once per place and the input counts as refused, so the fuzzer goes on
//! looking for bugs of ours. (The first it found, an overflow in
//! symphonia-bundle-flac's seek on a crafted SEEKTABLE, is now contained
//! at the seek itself, and kept in `regressions/audio`.)

use std::io::Cursor;

use crate::decode::{self, Coverage};

const EXTENSIONS: [&str; 6] = ["wav", "flac", "mp3", "ogg", "m4a", "aiff"];
const RATES: [u32; 12] = [
    8_000, 11_025, 16_000, 22_050, 44_100, 48_000, 96_000, 192_000, 0, 1, 999, 4_000_000,
];

/// A WAV file whose format fields come from `shape` and whose data is
/// `samples`.
pub fn wav(shape: &[u8], samples: &[u8]) -> Vec<u8> {
    let get = |i: usize| shape.get(i).copied().unwrap_or(0);
    let (format, bits): (u16, u16) = match get(0) % 6 {
        0 => (1, 8),
        1 => (1, 16),
        2 => (1, 24),
        3 => (1, 32),
        4 => (3, 32),
        _ => (3, 64),
    };
    let channels = u16::from(get(1) % 8) + 1;
    let rate = RATES[usize::from(get(2)) % RATES.len()];
    let block = channels * bits / 8;
    let len = u32::try_from(samples.len()).unwrap_or(u32::MAX);
    let mut out = Vec::with_capacity(44 + samples.len());
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&len.saturating_add(36).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&format.to_le_bytes());
    out.extend_from_slice(&channels.to_le_bytes());
    out.extend_from_slice(&rate.to_le_bytes());
    out.extend_from_slice(&rate.wrapping_mul(u32::from(block)).to_le_bytes());
    out.extend_from_slice(&block.to_le_bytes());
    out.extend_from_slice(&bits.to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(samples);
    out
}

/// Lets panics located in third-party crates unwind to [`audio`]'s
/// boundary (each place reported once); every other panic goes to the hook
/// that was installed before (libFuzzer's, which aborts: a crash).
fn contain_dependency_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        let seen = std::sync::Mutex::new(std::collections::HashSet::<String>::new());
        std::panic::set_hook(Box::new(move |info| {
            let place = info
                .location()
                .map(|l| format!("{}:{}", l.file(), l.line()))
                .unwrap_or_default();
            let contained = place.contains("/.cargo/registry/");
            IN_DEPENDENCY.with(|c| c.set(contained));
            if contained {
                if seen
                    .lock()
                    .map(|mut s| s.insert(place.clone()))
                    .unwrap_or(false)
                {
                    eprintln!("contained a panic in a dependency at {place}: {info}");
                }
            } else {
                previous(info);
            }
        }));
    });
}

/// Runs one fuzz input through decode -> resample -> features. Panics on a
/// bug of PlayGenie's, returns normally on every refusal.
pub fn audio(data: &[u8]) {
    contain_dependency_panics();
    // What the scan's boundary contains: a dependency's panic. A panic of
    // ours goes on unwinding (with libFuzzer's hook it has aborted already).
    if let Err(panic) = std::panic::catch_unwind(|| analyse(data)) {
        if !IN_DEPENDENCY.with(std::cell::Cell::get) {
            std::panic::resume_unwind(panic);
        }
    }
}

thread_local! {
    /// Whether the last panic on this thread was located in a dependency.
    static IN_DEPENDENCY: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

fn analyse(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let (bytes, extension) = if mode % 2 == 0 {
        let Some((&which, file)) = rest.split_first() else {
            return;
        };
        (
            file.to_vec(),
            EXTENSIONS[usize::from(which) % EXTENSIONS.len()],
        )
    } else {
        let (shape, samples) = rest.split_at(rest.len().min(3));
        (wav(shape, samples), "wav")
    };
    // Windows (seeking) for long inputs, whole files for short ones, as the
    // scan does.
    let Ok(opened) = decode::open_source(Box::new(Cursor::new(bytes)), Some(extension)) else {
        return;
    };
    let Ok(decoded) = decode::decode_opened(opened, Coverage::default()) else {
        return;
    };
    if let Err(err) = crate::features_of(&decoded) {
        let message = err.to_string();
        assert!(!message.contains("not a finite number"), "{message}");
    }
}
