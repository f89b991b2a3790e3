//! Files a user names, read and written without surprises.
//!
//! * Reading: only regular files are opened. A FIFO, socket or device is
//!   refused *before* anything could block on it (the check is made on the
//!   path, and again on the opened descriptor, which is opened non-blocking
//!   so even a FIFO swapped in between cannot hang the open). Every read has
//!   a size limit that holds for streams too: the bytes are read through a
//!   bounded reader, never "read to the end, then check".
//! * Writing: write-then-rename, so a crash never leaves half a file; and
//!   only where a person would expect it. PlayGenie's own files (the
//!   database, its journal, its backup, the model checkpoints) are never a
//!   destination; an existing FIFO, socket, device or folder is refused, not
//!   replaced; a symbolic link is followed, so the file it points to is
//!   written and the link stays a link.

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Component, Path, PathBuf};

pub use playgenie_analysis::file::{kind_of, open_regular_file, OpenError};

use crate::error::{Error, Result};

/// `path` with `suffix` appended to its last component
/// (`playgenie.sqlite3` + `-wal`), however odd the name's bytes.
pub fn with_suffix(path: &Path, suffix: impl AsRef<std::ffi::OsStr>) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

fn file_error(path: &Path, source: std::io::Error) -> Error {
    Error::File {
        path: path.to_path_buf(),
        source,
    }
}

/// [`open_regular_file`] with the core's error.
pub fn open_regular(path: &Path) -> Result<File> {
    open_regular_file(path).map_err(|err| match err {
        OpenError::Io(source) => file_error(path, source),
        OpenError::NotRegular(kind) => Error::NotARegularFile {
            path: path.to_path_buf(),
            kind,
        },
    })
}

/// Reads a regular file of at most `limit` bytes. `what` names the file
/// in the error ("playlist", "history export").
pub fn read_limited(path: &Path, limit: u64, what: &'static str) -> Result<Vec<u8>> {
    let file = open_regular(path)?;
    let mut bytes = Vec::new();
    // One byte more than allowed tells "exactly the limit" from "over it",
    // whatever the file's size claims.
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| file_error(path, e))?;
    if bytes.len() as u64 > limit {
        return Err(Error::TooLarge {
            path: path.to_path_buf(),
            what,
            limit_mib: limit >> 20,
        });
    }
    Ok(bytes)
}

/// Paths PlayGenie owns and never writes a user's export over: exact files
/// and whole folders.
#[derive(Debug, Clone, Default)]
pub struct OwnFiles {
    files: Vec<PathBuf>,
    folders: Vec<PathBuf>,
}

impl OwnFiles {
    /// The database (with its WAL, shared-memory and journal files and its
    /// backup) and the model folder.
    pub fn new(database: &Path, backup: &Path, models_dir: &Path) -> Self {
        let mut files = Vec::new();
        for base in [database, backup] {
            files.push(base.to_path_buf());
            for suffix in ["-wal", "-shm", "-journal"] {
                files.push(with_suffix(base, suffix));
            }
        }
        Self {
            files: files.iter().map(|f| canonical_location(f)).collect(),
            folders: vec![canonical_location(models_dir)],
        }
    }

    fn owns(&self, target: &Path) -> bool {
        self.files.iter().any(|f| f == target) || self.folders.iter().any(|d| target.starts_with(d))
    }
}

/// `path` made absolute with its folder's symbolic links resolved (the file
/// itself need not exist), so two spellings of one place compare equal.
fn canonical_location(path: &Path) -> PathBuf {
    let path = absolute(path);
    if let Ok(full) = std::fs::canonicalize(&path) {
        return full;
    }
    match (path.parent(), path.file_name()) {
        (Some(parent), Some(name)) => canonical_location(parent).join(name),
        _ => path,
    }
}

/// `path` made absolute against the current folder, with `.` and `..`
/// folded lexically.
pub fn absolute(path: &Path) -> PathBuf {
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|cwd| cwd.join(path))
            .unwrap_or_else(|_| path.to_path_buf())
    };
    let mut out = PathBuf::new();
    for part in joined.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// The file a write to `path` must replace: `path` itself, or, for a
/// symbolic link, the file at the end of the chain. Refuses destinations
/// that are not regular files.
fn write_target(path: &Path) -> Result<PathBuf> {
    let mut target = absolute(path);
    // Follow a chain of links by hand: a dangling link names the file it
    // will create, which canonicalize cannot tell.
    for _ in 0..40 {
        match std::fs::symlink_metadata(&target) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(target),
            Err(e) => return Err(file_error(&target, e)),
            Ok(meta) if meta.file_type().is_symlink() => {
                let link = std::fs::read_link(&target).map_err(|e| file_error(&target, e))?;
                let base = target.parent().map(Path::to_path_buf).unwrap_or_default();
                target = absolute(&base.join(link));
            }
            Ok(meta) if meta.is_file() => return Ok(target),
            Ok(meta) => {
                return Err(Error::RefusedWrite {
                    path: path.to_path_buf(),
                    reason: format!(
                        "it is {}; PlayGenie writes only regular files",
                        kind_of(&meta)
                    ),
                })
            }
        }
    }
    Err(Error::RefusedWrite {
        path: path.to_path_buf(),
        reason: "it is a chain of more than 40 symbolic links".into(),
    })
}

/// Writes `bytes` to `path`: into a temporary file beside the destination,
/// synced, then renamed over it. Refuses PlayGenie's own files and anything
/// that is not a regular file; follows symbolic links. Returns the file
/// actually written (the link's target for a link).
pub fn write_atomically(path: &Path, bytes: &[u8], own: &OwnFiles) -> Result<PathBuf> {
    let target = write_target(path)?;
    let located = canonical_location(&target);
    if own.owns(&located) {
        return Err(Error::RefusedWrite {
            path: path.to_path_buf(),
            reason: "it is one of PlayGenie's own files (its database or models); choose another file name".into(),
        });
    }
    let dir = located
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("/"));
    std::fs::create_dir_all(&dir).map_err(|e| file_error(&dir, e))?;
    let name = located
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".partial")
        .tempfile_in(&dir)
        .map_err(|e| file_error(&dir, e))?;
    // A replaced file keeps its permissions.
    if let Ok(meta) = std::fs::metadata(&located) {
        let _ = tmp.as_file().set_permissions(meta.permissions());
    }
    tmp.write_all(bytes).map_err(|e| file_error(&located, e))?;
    tmp.as_file()
        .sync_all()
        .map_err(|e| file_error(&located, e))?;
    tmp.persist(&located)
        .map_err(|e| file_error(&located, e.error))?;
    Ok(located)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn own(dir: &Path) -> OwnFiles {
        OwnFiles::new(
            &dir.join("playgenie.sqlite3"),
            &dir.join("playgenie.sqlite3.bak"),
            &dir.join("models"),
        )
    }

    #[test]
    fn a_fifo_is_refused_without_blocking() {
        let dir = tempfile::tempdir().expect("dir");
        let fifo = dir.path().join("x.m3u");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(made.is_ok_and(|s| s.success()), "mkfifo");
        let err = read_limited(&fifo, 1 << 20, "playlist").unwrap_err();
        assert!(err.to_string().contains("named pipe"), "{err}");
        let err = write_atomically(&fifo, b"x", &own(dir.path())).unwrap_err();
        assert!(err.to_string().contains("named pipe"), "{err}");
    }

    #[test]
    fn the_limit_holds_for_devices_and_big_files() {
        let err = read_limited(Path::new("/dev/zero"), 1024, "playlist").unwrap_err();
        assert!(err.to_string().contains("character device"), "{err}");
        let dir = tempfile::tempdir().expect("dir");
        let big = dir.path().join("big.m3u");
        std::fs::write(&big, vec![b'a'; 2048]).expect("write");
        assert!(read_limited(&big, 2048, "playlist").is_ok());
        let err = read_limited(&big, 2047, "playlist").unwrap_err();
        assert!(err.to_string().contains("larger than"), "{err}");
    }

    #[test]
    fn own_files_are_never_written_even_through_links() {
        let dir = tempfile::tempdir().expect("dir");
        let db = dir.path().join("playgenie.sqlite3");
        std::fs::write(&db, b"database").expect("db");
        let own = own(dir.path());
        for out in [
            db.clone(),
            dir.path().join("playgenie.sqlite3-wal"),
            dir.path().join("models/CURRENT"),
            dir.path().join("sub/../playgenie.sqlite3"),
        ] {
            let err = write_atomically(&out, b"#EXTM3U\n", &own).unwrap_err();
            assert!(err.to_string().contains("own files"), "{out:?}: {err}");
        }
        let link = dir.path().join("innocent.m3u8");
        std::os::unix::fs::symlink(&db, &link).expect("link");
        assert!(write_atomically(&link, b"#EXTM3U\n", &own).is_err());
        assert_eq!(std::fs::read(&db).expect("db"), b"database");
    }

    #[test]
    fn a_link_is_followed_and_stays_a_link() {
        let dir = tempfile::tempdir().expect("dir");
        let real = dir.path().join("real.m3u8");
        std::fs::write(&real, b"old").expect("write");
        let link = dir.path().join("link.m3u8");
        std::os::unix::fs::symlink("real.m3u8", &link).expect("link");
        let written = write_atomically(&link, b"new", &own(dir.path())).expect("write");
        assert_eq!(written, std::fs::canonicalize(&real).expect("real"));
        assert!(std::fs::symlink_metadata(&link)
            .expect("link")
            .file_type()
            .is_symlink());
        assert_eq!(std::fs::read(&real).expect("read"), b"new");
        // A dangling link creates the file it names.
        let dangling = dir.path().join("later.m3u8");
        std::os::unix::fs::symlink("made/by/export.m3u8", &dangling).expect("link");
        write_atomically(&dangling, b"x", &own(dir.path())).expect("write");
        assert_eq!(
            std::fs::read(dir.path().join("made/by/export.m3u8")).expect("read"),
            b"x"
        );
    }

    #[test]
    fn a_folder_or_device_is_refused() {
        let dir = tempfile::tempdir().expect("dir");
        let err = write_atomically(dir.path(), b"x", &own(dir.path())).unwrap_err();
        assert!(err.to_string().contains("a folder"), "{err}");
        let err = write_atomically(Path::new("/dev/null"), b"x", &own(dir.path())).unwrap_err();
        assert!(err.to_string().contains("character device"), "{err}");
    }
}
