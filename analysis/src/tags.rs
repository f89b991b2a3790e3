//! Tags with lofty, and honest guesses where tags are missing.
//!
//! A missing title falls back to the file name (with a leading track number
//! and separators stripped), a missing album to the folder name, a missing
//! artist to the folder above it; every guessed field is listed in
//! [`Tags::guessed`] so the UI can show it as a guess.

use std::path::Path;

use lofty::file::{AudioFile, TaggedFileExt};
use lofty::picture::PictureType;
use lofty::tag::{Accessor, ItemKey};
use serde::{Deserialize, Serialize};

/// A track's descriptive metadata.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Tags {
    pub title: String,
    pub artist: String,
    pub album_artist: Option<String>,
    pub album: String,
    pub track_no: Option<u32>,
    pub disc_no: Option<u32>,
    pub year: Option<u32>,
    pub genre: Option<String>,
    /// Duration from the file's properties, seconds.
    pub duration_s: Option<f64>,
    /// Whether the file embeds cover art.
    pub has_cover: bool,
    /// Fields that were guessed from the path ("title", "artist", "album").
    pub guessed: Vec<String>,
}

/// Reads the tags of `path`. A file lofty cannot parse still gets guessed
/// tags: tags are a nicety, not a reason to drop a playable file.
pub fn read(path: &Path) -> Tags {
    read_with_picture(path).0
}

/// [`read`], plus the bytes of the embedded cover picture (the front cover
/// if several are embedded, else the first).
pub fn read_with_picture(path: &Path) -> (Tags, Option<Vec<u8>>) {
    let mut tags = Tags::default();
    let mut picture = None;
    match lofty::read_from_path(path) {
        Ok(file) => {
            let duration = file.properties().duration().as_secs_f64();
            tags.duration_s = (duration > 0.0).then_some(duration);
            if let Some(tag) = file.primary_tag().or_else(|| file.first_tag()) {
                let text = |v: Option<std::borrow::Cow<'_, str>>| {
                    v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
                };
                tags.title = text(tag.title()).unwrap_or_default();
                tags.artist = text(tag.artist()).unwrap_or_default();
                tags.album = text(tag.album()).unwrap_or_default();
                tags.genre = text(tag.genre());
                tags.album_artist = tag
                    .get_string(ItemKey::AlbumArtist)
                    .map(|s| s.trim().to_owned())
                    .filter(|s| !s.is_empty());
                tags.track_no = tag.track();
                tags.disc_no = tag.disk();
                tags.year = tag.date().map(|d| u32::from(d.year)).filter(|y| *y > 0);
                let pictures = tag.pictures();
                tags.has_cover = !pictures.is_empty();
                picture = pictures
                    .iter()
                    .find(|p| p.pic_type() == PictureType::CoverFront)
                    .or_else(|| pictures.first())
                    .map(|p| p.data().to_vec());
            }
        }
        Err(err) => tracing::debug!(path = %path.display(), %err, "no readable tags"),
    }
    fill_guesses(path, &mut tags);
    (tags, picture)
}

fn fill_guesses(path: &Path, tags: &mut Tags) {
    let folder = path.parent();
    let name_of = |p: Option<&Path>| {
        p.and_then(|p| p.file_name())
            .map(|n| n.to_string_lossy().trim().to_owned())
            .filter(|n| !n.is_empty())
    };
    if tags.title.is_empty() {
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        tags.title = title_from_file_stem(&stem);
        tags.guessed.push("title".into());
    }
    if tags.album.is_empty() {
        tags.album = name_of(folder).unwrap_or_else(|| "Unknown album".into());
        tags.guessed.push("album".into());
    }
    if tags.artist.is_empty() {
        tags.artist = tags
            .album_artist
            .clone()
            .or_else(|| name_of(folder.and_then(Path::parent)))
            .unwrap_or_else(|| "Unknown artist".into());
        tags.guessed.push("artist".into());
    }
}

/// "03 - my_song" -> "my song"; "A New Journey" stays as it is.
pub fn title_from_file_stem(stem: &str) -> String {
    let trimmed = stem
        .trim_start_matches(|c: char| c.is_ascii_digit())
        .trim_start_matches([' ', '-', '.', '_']);
    let base = if trimmed.is_empty() { stem } else { trimmed };
    base.replace('_', " ").trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_come_from_file_names_without_track_numbers() {
        assert_eq!(title_from_file_stem("03 - my_song"), "my song");
        assert_eq!(title_from_file_stem("A New Journey"), "A New Journey");
        assert_eq!(title_from_file_stem("1999"), "1999");
    }

    #[test]
    fn an_untagged_file_gets_guesses_marked_as_guesses() {
        let dir = tempfile::tempdir().expect("temp dir");
        let album = dir.path().join("Some Artist").join("Some Album");
        std::fs::create_dir_all(&album).expect("mkdir");
        let file = album.join("07_night_drive.mp3");
        std::fs::write(&file, b"not audio").expect("write");
        let tags = read(&file);
        assert_eq!(tags.title, "night drive");
        assert_eq!(tags.album, "Some Album");
        assert_eq!(tags.artist, "Some Artist");
        assert_eq!(tags.guessed, vec!["title", "album", "artist"]);
    }
}
