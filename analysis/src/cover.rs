//! Cover art: the picture embedded in a file's tags, or else the usual image
//! file beside it (`cover.jpg`, `folder.png`, ...), shrunk to one small JPEG
//! thumbnail that the library view can show by the thousand.
//!
//! Thumbnails are keyed by the BLAKE3 hash of the *source* image, so an
//! album whose twelve files embed the same picture stores it once, and a
//! small in-process cache spares decoding the same picture twelve times in
//! one scan.

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};

use image::imageops::FilterType;
use image::DynamicImage;
use zune_png::zune_core::options::DecoderOptions;
use zune_png::PngDecoder;

/// Longest side of a thumbnail, pixels. Sharp at 2× on a 80 px cell.
pub const THUMBNAIL_SIZE: u32 = 160;

/// JPEG quality of thumbnails.
const QUALITY: u8 = 85;

/// Source images larger than this are not decoded (a broken tag claiming a
/// 2 GB picture must not stall a scan).
const MAX_SOURCE_BYTES: usize = 40 * 1024 * 1024;

/// File names looked for beside a file without embedded art, best first.
const FOLDER_IMAGES: [&str; 6] = [
    "cover",
    "folder",
    "front",
    "album",
    "albumart",
    "albumartsmall",
];

/// One cover thumbnail, ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Thumbnail {
    /// BLAKE3 (hex, 32 chars) of the source image bytes.
    pub hash: String,
    pub width: u32,
    pub height: u32,
    /// JPEG bytes.
    pub jpeg: Vec<u8>,
}

/// Why a picture gave no thumbnail (logged, never fatal: art is a nicety).
#[derive(Debug, thiserror::Error)]
pub enum CoverError {
    #[error("the picture is larger than {} MB", MAX_SOURCE_BYTES / (1024 * 1024))]
    TooLarge,
    #[error("the picture cannot be decoded: {0}")]
    Decode(#[from] image::ImageError),
    #[error("the PNG picture cannot be decoded: {0}")]
    Png(#[from] zune_png::error::PngDecodeErrors),
    #[error("the PNG picture has an unexpected pixel layout")]
    PngLayout,
}

/// Where a track's art came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CoverSource {
    Embedded,
    Folder,
}

/// The thumbnail for a track: `embedded` picture bytes if the tags had one,
/// else an image file in the track's folder. `None` when there is no art or
/// it cannot be decoded.
pub fn for_track(path: &Path, embedded: Option<&[u8]>) -> Option<(Arc<Thumbnail>, CoverSource)> {
    let (bytes, source) = match embedded {
        Some(bytes) => (bytes.to_vec(), CoverSource::Embedded),
        None => (folder_image(path)?, CoverSource::Folder),
    };
    match thumbnail_cached(&bytes) {
        Ok(thumb) => Some((thumb, source)),
        Err(err) => {
            tracing::debug!(path = %path.display(), %err, "cover art skipped");
            None
        }
    }
}

/// The bytes of the first conventional cover image beside `track`.
fn folder_image(track: &Path) -> Option<Vec<u8>> {
    let folder = track.parent()?;
    let mut best: Option<(usize, std::path::PathBuf)> = None;
    for entry in std::fs::read_dir(folder).ok()?.flatten() {
        let path = entry.path();
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        if !matches!(ext.as_deref(), Some("jpg" | "jpeg" | "png")) {
            continue;
        }
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .map(str::to_ascii_lowercase)
            .unwrap_or_default();
        if let Some(rank) = FOLDER_IMAGES.iter().position(|n| *n == stem) {
            if best.as_ref().is_none_or(|(r, _)| rank < *r) {
                best = Some((rank, path));
            }
        }
    }
    let (_, path) = best?;
    // A regular file only (a FIFO named cover.jpg would block the scan),
    // read through a bound that holds whatever the size claims.
    let file = crate::file::open_regular_file(&path).ok()?;
    let mut bytes = Vec::new();
    std::io::Read::take(file, MAX_SOURCE_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .ok()?;
    (bytes.len() <= MAX_SOURCE_BYTES).then_some(bytes)
}

/// A thumbnail of `bytes` (any JPEG or PNG), from the cache when this
/// process has already made it.
pub fn thumbnail_cached(bytes: &[u8]) -> Result<Arc<Thumbnail>, CoverError> {
    static CACHE: OnceLock<Mutex<HashMap<String, Arc<Thumbnail>>>> = OnceLock::new();
    const CACHE_ENTRIES: usize = 64;
    let hash = blake3::hash(bytes).to_hex()[..32].to_owned();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(hit) = cache.lock().ok().and_then(|c| c.get(&hash).cloned()) {
        return Ok(hit);
    }
    let thumb = Arc::new(thumbnail(bytes, hash.clone())?);
    if let Ok(mut c) = cache.lock() {
        if c.len() >= CACHE_ENTRIES {
            c.clear(); // albums come in runs; a simple reset is enough
        }
        c.insert(hash, Arc::clone(&thumb));
    }
    Ok(thumb)
}

/// Decodes `bytes`, fits it into [`THUMBNAIL_SIZE`] keeping its aspect, and
/// encodes it as JPEG.
pub fn thumbnail(bytes: &[u8], hash: String) -> Result<Thumbnail, CoverError> {
    if bytes.len() > MAX_SOURCE_BYTES {
        return Err(CoverError::TooLarge);
    }
    let img = if bytes.starts_with(b"\x89PNG") {
        decode_png(bytes)?
    } else {
        image::load_from_memory(bytes)?
    };
    let small = if img.width() > THUMBNAIL_SIZE || img.height() > THUMBNAIL_SIZE {
        img.resize(THUMBNAIL_SIZE, THUMBNAIL_SIZE, FilterType::Triangle)
    } else {
        img
    };
    let rgb = small.to_rgb8();
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, QUALITY).encode_image(&rgb)?;
    Ok(Thumbnail {
        hash,
        width: rgb.width(),
        height: rgb.height(),
        jpeg,
    })
}

/// PNG through zune-png (image's own PNG codec would switch on crate
/// features that rebuild the whole ML stack), 16-bit depths cut to 8.
fn decode_png(bytes: &[u8]) -> Result<DynamicImage, CoverError> {
    let options = DecoderOptions::default().png_set_strip_to_8bit(true);
    let mut decoder = PngDecoder::new_with_options(std::io::Cursor::new(bytes), options);
    let pixels = decoder.decode_raw()?;
    let (w, h) = decoder.dimensions().ok_or(CoverError::PngLayout)?;
    let (w, h) = (
        u32::try_from(w).map_err(|_| CoverError::PngLayout)?,
        u32::try_from(h).map_err(|_| CoverError::PngLayout)?,
    );
    let components = decoder
        .colorspace()
        .map(|c| c.num_components())
        .ok_or(CoverError::PngLayout)?;
    let img = match components {
        1 => image::GrayImage::from_raw(w, h, pixels).map(DynamicImage::ImageLuma8),
        2 => image::GrayAlphaImage::from_raw(w, h, pixels).map(DynamicImage::ImageLumaA8),
        3 => image::RgbImage::from_raw(w, h, pixels).map(DynamicImage::ImageRgb8),
        4 => image::RgbaImage::from_raw(w, h, pixels).map(DynamicImage::ImageRgba8),
        _ => None,
    };
    img.ok_or(CoverError::PngLayout)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A PNG of `w`×`h` pixels, red on the left half, blue on the right.
    pub(crate) fn two_tone_png(w: u32, h: u32) -> Vec<u8> {
        use zune_png::zune_core::bit_depth::BitDepth;
        use zune_png::zune_core::colorspace::ColorSpace;
        use zune_png::zune_core::options::EncoderOptions;
        let img = image::RgbImage::from_fn(w, h, |x, _| {
            if x < w / 2 {
                image::Rgb([220, 20, 20])
            } else {
                image::Rgb([20, 20, 220])
            }
        });
        let options = EncoderOptions::new(w as usize, h as usize, ColorSpace::RGB, BitDepth::Eight);
        let mut out = Vec::new();
        zune_png::PngEncoder::new(img.as_raw(), options)
            .encode(&mut out)
            .expect("encode png");
        out
    }

    #[test]
    fn a_large_picture_shrinks_to_a_thumbnail_keeping_its_aspect() {
        let thumb = thumbnail(&two_tone_png(800, 400), "h".into()).expect("thumbnail");
        assert_eq!(
            (thumb.width, thumb.height),
            (THUMBNAIL_SIZE, THUMBNAIL_SIZE / 2)
        );
        let back = image::load_from_memory(&thumb.jpeg)
            .expect("valid jpeg")
            .to_rgb8();
        let left = back.get_pixel(10, 40);
        let right = back.get_pixel(150, 40);
        assert!(left[0] > 180 && left[2] < 60, "left stays red: {left:?}");
        assert!(
            right[2] > 180 && right[0] < 60,
            "right stays blue: {right:?}"
        );
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(matches!(
            thumbnail(b"not an image at all", "h".into()),
            Err(CoverError::Decode(_))
        ));
    }

    #[test]
    fn a_folder_image_is_found_when_nothing_is_embedded() {
        let dir = tempfile::tempdir().expect("dir");
        std::fs::write(dir.path().join("Folder.PNG"), two_tone_png(64, 64)).expect("write");
        std::fs::write(dir.path().join("booklet.jpg"), b"ignored").expect("write");
        let track = dir.path().join("01.flac");
        let (thumb, source) = for_track(&track, None).expect("folder art");
        assert_eq!(source, CoverSource::Folder);
        assert_eq!((thumb.width, thumb.height), (64, 64));
        // The same source bytes give the same key.
        let again = thumbnail_cached(&two_tone_png(64, 64)).expect("cached");
        assert_eq!(again.hash, thumb.hash);
    }
}
