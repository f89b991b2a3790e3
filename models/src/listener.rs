//! The learned ear: both MusiCNN models (MSD and MTT tags) over a batch of
//! tracks' patches, averaged per track into what PlayGenie stores: 50 MSD
//! and 50 MTT tag probabilities and the 200-d MSD embedding.
//!
//! The weights are compiled in (`models/weights/musicnn`, ≈ 3.2 MB each),
//! so the ear needs no file at run time and cannot be half-installed.

use burn::tensor::Device;

use crate::musicnn::{Musicnn, MusicnnError, EMBEDDING, FRAMES, MELS, TAGS};

/// Bump whenever stored listening results would change (weights, front
/// end, patch selection, pooling): results of an older version are stale
/// and the tracks are listened to again.
pub const LISTENER_VERSION: u32 = 1;

/// The MSD model's tags, in the order of its outputs (as in the weights'
/// metadata; a test checks they agree).
pub const MSD_TAGS: [&str; TAGS] = [
    "rock",
    "pop",
    "alternative",
    "indie",
    "electronic",
    "female vocalists",
    "dance",
    "00s",
    "alternative rock",
    "jazz",
    "beautiful",
    "metal",
    "chillout",
    "male vocalists",
    "classic rock",
    "soul",
    "indie rock",
    "Mellow",
    "electronica",
    "80s",
    "folk",
    "90s",
    "chill",
    "instrumental",
    "punk",
    "oldies",
    "blues",
    "hard rock",
    "ambient",
    "acoustic",
    "experimental",
    "female vocalist",
    "guitar",
    "Hip-Hop",
    "70s",
    "party",
    "country",
    "easy listening",
    "sexy",
    "catchy",
    "funk",
    "electro",
    "heavy metal",
    "Progressive rock",
    "60s",
    "rnb",
    "indie pop",
    "sad",
    "House",
    "happy",
];

/// The MTT model's tags, in the order of its outputs.
pub const MTT_TAGS: [&str; TAGS] = [
    "guitar",
    "classical",
    "slow",
    "techno",
    "strings",
    "drums",
    "electronic",
    "rock",
    "fast",
    "piano",
    "ambient",
    "beat",
    "violin",
    "vocal",
    "synth",
    "female",
    "indian",
    "opera",
    "male",
    "singing",
    "vocals",
    "no vocals",
    "harpsichord",
    "loud",
    "quiet",
    "flute",
    "woman",
    "male vocal",
    "no vocal",
    "pop",
    "soft",
    "sitar",
    "solo",
    "man",
    "classic",
    "choir",
    "voice",
    "new age",
    "dance",
    "male voice",
    "female vocal",
    "beats",
    "harp",
    "cello",
    "no voice",
    "weird",
    "country",
    "metal",
    "female voice",
    "choral",
];

const MSD: &[u8] = include_bytes!("../weights/musicnn/MSD_musicnn.safetensors");
const MTT: &[u8] = include_bytes!("../weights/musicnn/MTT_musicnn.safetensors");

/// What the ear heard in one track (means over its patches): what the core
/// stores per track.
#[derive(Debug, Clone, PartialEq)]
pub struct Listening {
    /// Probabilities of [`Listener::msd_tags`] (50).
    pub msd: Vec<f32>,
    /// Probabilities of [`Listener::mtt_tags`] (50).
    pub mtt: Vec<f32>,
    /// The MSD model's penultimate layer (200).
    pub embedding: Vec<f32>,
}

impl Listening {
    /// Whether every part has its full width and every value is finite (a
    /// damaged stored row, or a network result that is not a number, is
    /// not used).
    pub fn is_whole(&self) -> bool {
        self.msd.len() == TAGS
            && self.mtt.len() == TAGS
            && self.embedding.len() == EMBEDDING
            && self
                .msd
                .iter()
                .chain(&self.mtt)
                .chain(&self.embedding)
                .all(|v| v.is_finite())
    }
}

/// Both networks on one device.
#[derive(Debug, Clone)]
pub struct Listener {
    msd: Musicnn,
    mtt: Musicnn,
}

impl Listener {
    /// Loads the compiled-in weights onto `device`.
    pub fn new(device: &Device) -> Result<Self, MusicnnError> {
        Ok(Self {
            msd: Musicnn::from_safetensors(MSD, device)?,
            mtt: Musicnn::from_safetensors(MTT, device)?,
        })
    }

    pub fn msd_tags(&self) -> &[String] {
        self.msd.tags()
    }

    pub fn mtt_tags(&self) -> &[String] {
        self.mtt.tags()
    }

    /// One forward pass per network over every track's patches together
    /// (each slice holds whole patches, [n][187][96]); a track's results
    /// are the means over its patches.
    pub fn listen(&self, tracks: &[&[f32]]) -> Result<Vec<Listening>, MusicnnError> {
        let patch = FRAMES * MELS;
        let mut counts = Vec::with_capacity(tracks.len());
        let mut all = Vec::with_capacity(tracks.iter().map(|t| t.len()).sum());
        for t in tracks {
            let n = t.len() / patch;
            if n == 0 || n * patch != t.len() {
                return Err(MusicnnError::Patches(t.len()));
            }
            counts.push(n);
            all.extend_from_slice(t);
        }
        if all.is_empty() {
            return Ok(Vec::new());
        }
        let (msd, embedding) = self.msd.tag_patches(&all)?;
        let (mtt, _) = self.mtt.tag_patches(&all)?;
        let mut heard = Vec::with_capacity(tracks.len());
        let mut first = 0;
        for n in counts {
            heard.push(Listening {
                msd: mean_rows(&msd, TAGS, first, n),
                mtt: mean_rows(&mtt, TAGS, first, n),
                embedding: mean_rows(&embedding, EMBEDDING, first, n),
            });
            first += n;
        }
        Ok(heard)
    }
}

/// Mean of rows `first..first + n` of a row-major matrix `width` wide.
fn mean_rows(m: &[f32], width: usize, first: usize, n: usize) -> Vec<f32> {
    let mut out = vec![0.0f32; width];
    for row in m[first * width..(first + n) * width].chunks_exact(width) {
        for (o, v) in out.iter_mut().zip(row) {
            *o += v;
        }
    }
    out.iter_mut().for_each(|o| *o /= n as f32);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tag_lists_are_the_weights_own() {
        let device = crate::ComputeBackend::select(crate::DevicePreference::Cpu)
            .device()
            .clone();
        let ear = Listener::new(&device).unwrap();
        assert_eq!(ear.msd_tags(), MSD_TAGS);
        assert_eq!(ear.mtt_tags(), MTT_TAGS);
    }

    #[test]
    fn means_are_per_track() {
        let m = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        assert_eq!(mean_rows(&m, 2, 0, 2), vec![2.0, 3.0]);
        assert_eq!(mean_rows(&m, 2, 2, 1), vec![5.0, 6.0]);
    }
}
