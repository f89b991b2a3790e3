//! Playlist files in and out of the library: importing resolves each entry
//! to a library track and reports the ones it cannot use, line by line;
//! exporting writes M3U8 or XSPF.

use std::path::{Path, PathBuf};

use playgenie_formats::playlist::{self, ExportEntry, Format, Location, PathStyle};
use playgenie_formats::Problem;
use serde::Serialize;

use crate::db::{Db, PlaylistSummary};
use crate::error::{Error, Result};
use crate::fsio::OwnFiles;

/// The largest playlist file read (64 MiB: a million entries with long
/// paths fits; a stream or a disk image does not).
pub const MAX_PLAYLIST_BYTES: u64 = 64 << 20;

/// What importing a playlist file did.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "PlaylistImportReport"))]
pub struct ImportReport {
    pub playlist: PlaylistSummary,
    pub format: Format,
    /// Entries in the file.
    pub entries: usize,
    /// Entries added to the playlist.
    pub imported: usize,
    /// Lines skipped, and why: unreadable lines, web URLs, missing files,
    /// files outside the library.
    pub problems: Vec<Problem>,
}

/// Imports a playlist file as a new playlist named after the file's own
/// title, else the file name (made unique: "Name (2)"). Entries are kept
/// if they are library tracks; everything else is reported.
pub fn import(db: &Db, file: &Path, name: Option<&str>) -> Result<ImportReport> {
    let (format, parsed) = parse_file(file)?;
    let (ids, problems) = resolve(db, file, &parsed)?;
    let stem = file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "Imported playlist".into());
    let wanted = name
        .map(str::to_owned)
        .or(parsed.title.clone())
        .unwrap_or(stem);
    let name = db.free_playlist_name(&wanted)?;
    let playlist =
        db.create_playlist_with(&name, &ids, crate::db::EntryOrigin::Import, Some(file))?;
    tracing::info!(file = %file.display(), imported = ids.len(), skipped = problems.len(), "playlist imported");
    Ok(ImportReport {
        playlist,
        format,
        entries: parsed.entries.len(),
        imported: ids.len(),
        problems,
    })
}

/// The library tracks a playlist file names, and the lines it could not
/// use (no playlist is created).
pub fn read_file(db: &Db, file: &Path) -> Result<(Option<String>, Vec<i64>, Vec<Problem>)> {
    let (_, parsed) = parse_file(file)?;
    let (ids, problems) = resolve(db, file, &parsed)?;
    Ok((parsed.title, ids, problems))
}

/// Reads and parses a playlist file in the format its name (or content)
/// says.
fn parse_file(file: &Path) -> Result<(Format, playlist::Parsed)> {
    let bytes = crate::fsio::read_limited(file, MAX_PLAYLIST_BYTES, "playlist file")?;
    let format = Format::detect(file.file_name().and_then(|n| n.to_str()), &bytes);
    let parsed = playlist::parse(&bytes, format).map_err(|source| Error::Format {
        path: file.to_path_buf(),
        source,
    })?;
    Ok((format, parsed))
}

fn resolve(db: &Db, file: &Path, parsed: &playlist::Parsed) -> Result<(Vec<i64>, Vec<Problem>)> {
    let dir = file
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    let dir = std::fs::canonicalize(&dir).unwrap_or(dir);
    let known = db.track_ids_by_path()?;
    let mut problems = parsed.problems.clone();
    let mut ids = Vec::with_capacity(parsed.entries.len());
    for entry in &parsed.entries {
        let shown = match &entry.location {
            Location::Path(path) => path.display().to_string(),
            Location::Remote(url) => url.clone(),
        };
        let Some(path) = entry.location.resolve(&dir) else {
            problems.push(problem(
                entry.line,
                &shown,
                "a web address, not a file; PlayGenie plays local files",
            ));
            continue;
        };
        let path = std::fs::canonicalize(&path).unwrap_or(path);
        match known.get(&path) {
            Some(&id) => ids.push(id),
            None if path.exists() => problems.push(problem(
                entry.line,
                &shown,
                "not in the library; add its folder to the library first",
            )),
            None => problems.push(problem(entry.line, &shown, "no such file")),
        }
    }
    problems.sort_by_key(|p| p.line);
    Ok((ids, problems))
}

fn problem(line: usize, text: &str, message: &str) -> Problem {
    Problem {
        line,
        text: text.to_owned(),
        message: message.to_owned(),
    }
}

/// How to write a playlist file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, Default)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum ExportFormat {
    #[default]
    M3u,
    Xspf,
}

impl ExportFormat {
    /// The file extension PlayGenie writes.
    pub fn extension(self) -> &'static str {
        match self {
            Self::M3u => "m3u8",
            Self::Xspf => "xspf",
        }
    }

    /// The format a file name asks for: `.xspf` is XSPF, anything else M3U.
    pub fn for_path(path: &Path) -> Self {
        match path.extension().and_then(|e| e.to_str()) {
            Some(ext) if ext.eq_ignore_ascii_case("xspf") => Self::Xspf,
            _ => Self::M3u,
        }
    }
}

/// Where an export goes when the person names no file:
/// `<exports_dir>/<playlist name>.m3u8` (or `.xspf`), the name made safe as
/// a file name.
pub fn default_export_path(
    exports_dir: &Path,
    playlist_name: &str,
    format: ExportFormat,
) -> PathBuf {
    exports_dir.join(format!(
        "{}.{}",
        safe_file_name(playlist_name),
        format.extension()
    ))
}

/// A playlist name as a file name: no separators or control characters, no
/// leading dots (hidden files, `..`); `playlist` if nothing is left.
pub fn safe_file_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c == '/' || c == '\\' || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').trim();
    if cleaned.is_empty() {
        "playlist".into()
    } else {
        cleaned.to_owned()
    }
}

/// Writes playlist `id` to `out` (write-then-rename, so a crash never
/// leaves half a file; see [`crate::fsio::write_atomically`] for what it
/// refuses to replace). Paths are relative to the file's folder when
/// `relative`, else absolute. Returns how many entries were written.
pub fn export(
    db: &Db,
    own: &OwnFiles,
    id: i64,
    out: &Path,
    format: ExportFormat,
    relative: bool,
) -> Result<usize> {
    let name = db
        .playlists()?
        .into_iter()
        .find(|p| p.id == id)
        .map(|p| p.name)
        .ok_or_else(|| Error::Playlist(format!("playlist {id} no longer exists")))?;
    let ids: Vec<i64> = db
        .playlist_entries(id)?
        .iter()
        .map(|e| e.track_id)
        .collect();
    export_tracks(db, own, &name, &ids, out, format, relative)
}

/// Writes library tracks `ids` as a playlist file named `name`.
pub fn export_tracks(
    db: &Db,
    own: &OwnFiles,
    name: &str,
    ids: &[i64],
    out: &Path,
    format: ExportFormat,
    relative: bool,
) -> Result<usize> {
    let entries: Vec<ExportEntry> = db
        .playable_tracks(ids)?
        .into_iter()
        .map(|t| ExportEntry {
            path: t.file,
            artist: t.artist,
            title: t.title,
            album: t.album,
            duration_ms: t.duration_ms,
        })
        .collect();
    let out = crate::fsio::absolute(out);
    let dir = out
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("/"));
    let style = if relative {
        PathStyle::RelativeTo(std::fs::canonicalize(&dir).unwrap_or(dir.clone()))
    } else {
        PathStyle::Absolute
    };
    let text = match format {
        ExportFormat::M3u => playlist::write_m3u8(name, &entries, &style),
        ExportFormat::Xspf => playlist::write_xspf(name, &entries, &style),
    }
    .map_err(|source| Error::Format {
        path: out.clone(),
        source,
    })?;
    let written = crate::fsio::write_atomically(&out, text.as_bytes(), own)?;
    tracing::info!(file = %written.display(), entries = entries.len(), "playlist exported");
    Ok(entries.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_exports_are_named_after_the_playlist_and_stay_in_the_folder() {
        let dir = Path::new("/exports");
        assert_eq!(
            default_export_path(dir, "Road trip", ExportFormat::M3u),
            Path::new("/exports/Road trip.m3u8")
        );
        assert_eq!(
            default_export_path(dir, "Road trip", ExportFormat::Xspf),
            Path::new("/exports/Road trip.xspf")
        );
        for hostile in ["../../etc/passwd", "a/b\\c", "..", " . ", "\u{1b}[31m", ""] {
            let path = default_export_path(dir, hostile, ExportFormat::M3u);
            assert_eq!(
                path.parent(),
                Some(dir),
                "{hostile:?} -> {}",
                path.display()
            );
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            assert!(!name.starts_with('.'), "{hostile:?} -> {name}");
            assert!(
                !name.chars().any(char::is_control),
                "{hostile:?} -> {name:?}"
            );
        }
        assert_eq!(safe_file_name("  "), "playlist");
        assert_eq!(safe_file_name("..hidden"), "hidden");
    }

    #[test]
    fn the_format_follows_the_file_name() {
        assert_eq!(
            ExportFormat::for_path(Path::new("a.xspf")),
            ExportFormat::Xspf
        );
        assert_eq!(
            ExportFormat::for_path(Path::new("a.XSPF")),
            ExportFormat::Xspf
        );
        assert_eq!(
            ExportFormat::for_path(Path::new("a.m3u8")),
            ExportFormat::M3u
        );
        assert_eq!(ExportFormat::for_path(Path::new("a")), ExportFormat::M3u);
    }
}
