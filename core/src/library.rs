//! Library folders: the places on disk the user keeps music in.
//!
//! A folder is summarised by walking it for files whose extension the
//! indexer handles ([`is_audio_file`], shared with `scan`): the count is what
//! is on disk now, which the UI shows beside what is already indexed.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::{Error, Result};

/// File extensions PlayGenie treats as music (what Symphonia decodes).
pub const AUDIO_EXTENSIONS: [&str; 10] = [
    "mp3", "flac", "ogg", "oga", "wav", "aif", "aiff", "m4a", "mp4", "aac",
];

/// A library folder as the UI and `doctor` show it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct LibraryFolder {
    /// The folder, as the user added it (made absolute).
    pub path: PathBuf,
    /// False when the folder has gone (unplugged drive, deleted).
    pub exists: bool,
    /// Number of music files found below it.
    pub audio_files: usize,
}

/// Whether `path` has a music file extension (case-insensitive).
pub fn is_audio_file(path: &Path) -> bool {
    path.extension()
        .and_then(|ext| ext.to_str())
        .is_some_and(|ext| {
            AUDIO_EXTENSIONS
                .iter()
                .any(|known| known.eq_ignore_ascii_case(ext))
        })
}

/// Makes `dir` absolute and checks it is a readable folder.
pub fn validate_folder(dir: &Path) -> Result<PathBuf> {
    let bad = |reason: String| Error::LibraryFolder {
        path: dir.to_path_buf(),
        reason,
    };
    let absolute = std::fs::canonicalize(dir).map_err(|e| bad(e.to_string()))?;
    if !absolute.is_dir() {
        return Err(bad("it is not a folder".into()));
    }
    std::fs::read_dir(&absolute).map_err(|e| bad(e.to_string()))?;
    Ok(absolute)
}

/// Summarises one folder. Unreadable sub-folders are skipped (and logged),
/// symlinks are not followed, so a link loop cannot trap the walk.
pub fn summarise(path: &Path) -> LibraryFolder {
    let exists = path.is_dir();
    let audio_files = if exists {
        walkdir::WalkDir::new(path)
            .follow_links(false)
            .into_iter()
            .filter_map(|entry| match entry {
                Ok(entry) => Some(entry),
                Err(err) => {
                    tracing::warn!(%err, "skipping unreadable entry");
                    None
                }
            })
            .filter(|entry| entry.file_type().is_file() && is_audio_file(entry.path()))
            .count()
    } else {
        0
    };
    LibraryFolder {
        path: path.to_path_buf(),
        exists,
        audio_files,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_music_by_extension() {
        assert!(is_audio_file(Path::new("a/b/Song.FLAC")));
        assert!(is_audio_file(Path::new("x.ogg")));
        assert!(!is_audio_file(Path::new("cover.jpg")));
        assert!(!is_audio_file(Path::new("README")));
    }

    #[test]
    fn counts_music_files_and_ignores_the_rest() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir(dir.path().join("album")).expect("mkdir");
        for name in [
            "album/01.ogg",
            "album/02.mp3",
            "album/cover.jpg",
            "notes.txt",
        ] {
            std::fs::write(dir.path().join(name), b"x").expect("write");
        }
        let summary = summarise(dir.path());
        assert!(summary.exists);
        assert_eq!(summary.audio_files, 2);
    }

    #[test]
    fn a_file_is_not_a_library_folder() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("f.mp3");
        std::fs::write(&file, b"x").expect("write");
        let err = validate_folder(&file).unwrap_err();
        assert!(err.to_string().contains("not a folder"), "{err}");
    }
}
