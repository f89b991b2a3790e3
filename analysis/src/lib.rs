//! Everything PlayGenie learns from one audio file: tags, stream facts, a
//! content fingerprint and the [`FeatureVector`]. A crate of its own (no
//! database, no model) so that the scan, the player and the audio fuzz
//! target (`analysis/fuzz`) share one decoding door.

pub mod cover;
pub mod decode;
pub mod features;
pub mod file;
#[doc(hidden)]
pub mod fuzz;
pub mod listening;
pub mod melspec;
pub mod tags;

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

pub use decode::{Coverage, DecodeError, StreamInfo, WindowPlan};
pub use features::{FeatureVector, FEATURE_VERSION};
pub use tags::Tags;

/// The analysis of one file.
#[derive(Debug, Clone)]
pub struct Analysis {
    pub tags: Tags,
    pub stream: StreamInfo,
    pub features: FeatureVector,
    /// The cover thumbnail (embedded art, else the folder's image).
    pub cover: Option<std::sync::Arc<cover::Thumbnail>>,
    /// Seconds of audio decoded to compute the features.
    pub decoded_s: f64,
    /// Packets skipped as corrupt.
    pub bad_packets: usize,
}

/// Tags, decode and features for `path`.
pub fn analyse(path: &Path, coverage: Coverage) -> Result<Analysis, DecodeError> {
    let decoded = decode::decode(path, coverage)?;
    let (tags, picture) = tags::read_with_picture(path);
    let cover = cover::for_track(path, picture.as_deref()).map(|(thumb, _)| thumb);
    let features = features_of(&decoded)?;
    Ok(Analysis {
        tags,
        stream: decoded.info,
        features,
        cover,
        decoded_s: decoded.decoded_s,
        bad_packets: decoded.bad_packets,
    })
}

/// The feature vector of decoded audio; an error, never a stored NaN, if
/// any feature is not a finite number.
pub fn features_of(decoded: &decode::Decoded) -> Result<FeatureVector, DecodeError> {
    let mut extractor = features::Extractor::new();
    for segment in &decoded.segments {
        extractor.add_segment(segment);
    }
    let first = decoded.segments.first().map(Vec::as_slice).unwrap_or(&[]);
    let last = decoded.segments.last().map(Vec::as_slice).unwrap_or(&[]);
    // Transition energies over at most the outer 5 seconds.
    let edge = 5 * features::ANALYSIS_RATE as usize;
    let start = &first[..first.len().min(edge)];
    let end = &last[last.len().saturating_sub(edge)..];
    let features = extractor.finish(decoded.loudness, start, end);
    if let Some(bad) = features.to_numeric().iter().position(|x| !x.is_finite()) {
        // The samples are sanitised, so this is a bug in the extractor; the
        // file is failed rather than a NaN stored.
        return Err(DecodeError::Corrupt(format!(
            "feature {bad} of the analysis is not a finite number"
        )));
    }
    Ok(features)
}

/// A content fingerprint that survives renames and moves: BLAKE3 over the
/// size and the first and last 64 KiB. Cheap (two reads) even for huge
/// files. Editing tags stored at the start of a file changes it; a moved
/// *and* retagged file is then a new track.
pub fn fingerprint(path: &Path) -> std::io::Result<String> {
    const CHUNK: u64 = 64 * 1024;
    let mut file = file::open_regular_file(path)?;
    let size = file.metadata()?.len();
    let mut hasher = blake3::Hasher::new();
    hasher.update(&size.to_le_bytes());
    let mut buf = Vec::with_capacity(CHUNK as usize);
    (&mut file).take(CHUNK).read_to_end(&mut buf)?;
    hasher.update(&buf);
    if size > 2 * CHUNK {
        file.seek(SeekFrom::Start(size - CHUNK))?;
        buf.clear();
        (&mut file).take(CHUNK).read_to_end(&mut buf)?;
        hasher.update(&buf);
    }
    Ok(hasher.finalize().to_hex()[..32].to_owned())
}
