//! Helpers shared by the core's unit tests.

use std::path::Path;

/// Writes a one-second 22.05 kHz mono WAV of a sine whose phase advances
/// `step` radians per sample (so different steps sound different).
pub(crate) fn write_tone(path: &Path, step: f32) {
    write_tone_of(path, step, 1);
}

/// [`write_tone`], `seconds` long.
pub(crate) fn write_tone_of(path: &Path, step: f32, seconds: u32) {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 22_050,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(path, spec).expect("wav");
    for i in 0..22_050 * seconds {
        let s = (0.3 * (i as f32 * step).sin() * 32767.0) as i16;
        w.write_sample(s).expect("sample");
    }
    w.finalize().expect("finalize");
}

/// Tags a generated file as a ripper would (RIFF INFO for a WAV).
pub(crate) fn tag_file(path: &Path, artist: &str, title: &str, genre: Option<&str>) {
    use lofty::config::WriteOptions;
    use lofty::tag::{Accessor, Tag, TagExt, TagType};
    let mut tag = Tag::new(TagType::RiffInfo);
    tag.set_artist(artist.to_owned());
    tag.set_title(title.to_owned());
    if let Some(genre) = genre {
        tag.set_genre(genre.to_owned());
    }
    tag.save_to_path(path, WriteOptions::default())
        .expect("tag");
}
