//! Keeps the library current while the app runs: a `notify` watcher over
//! every library folder whose debounced events name the smallest folders to
//! rescan. The rescan itself is the ordinary incremental scan, limited to
//! those folders, so a new album costs a walk of its own folder only.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use notify_debouncer_full::notify::{self, RecommendedWatcher, RecursiveMode};
use notify_debouncer_full::{new_debouncer, DebounceEventResult, Debouncer, RecommendedCache};

use crate::error::{Error, Result};
use crate::library::is_audio_file;

/// How long the file system must be quiet before a change is acted on
/// (copying an album is many events; it should be one rescan).
pub const SETTLE: Duration = Duration::from_secs(2);

/// A running watcher; dropping it stops watching.
pub struct LibraryWatcher {
    debouncer: Debouncer<RecommendedWatcher, RecommendedCache>,
    watched: BTreeSet<PathBuf>,
}

impl std::fmt::Debug for LibraryWatcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LibraryWatcher")
            .field("watched", &self.watched)
            .finish()
    }
}

impl LibraryWatcher {
    /// Starts a watcher that calls `on_change` with the folders to rescan
    /// once changes settle for `settle`. Events under `ignore` (the app's own
    /// data folder, in case the library holds it) are dropped.
    pub fn start(
        settle: Duration,
        ignore: PathBuf,
        on_change: impl Fn(Vec<PathBuf>) + Send + 'static,
    ) -> Result<Self> {
        let handler = move |result: DebounceEventResult| match result {
            Ok(events) => {
                // Reads are not changes: the scan's own walk opens every
                // folder, and counting that as a change rescanned forever.
                let changed = events
                    .iter()
                    .filter(|e| !matches!(e.kind, notify::EventKind::Access(_)))
                    .flat_map(|e| e.paths.iter())
                    .filter(|p| !p.starts_with(&ignore))
                    .filter(|p| matters(p))
                    .cloned();
                let roots = rescan_roots(changed);
                if !roots.is_empty() {
                    tracing::info!(?roots, "library changed on disk");
                    on_change(roots);
                }
            }
            Err(errors) => {
                for err in errors {
                    tracing::warn!(%err, "library watcher error");
                }
            }
        };
        let debouncer = new_debouncer(settle, None, handler).map_err(watch_error)?;
        Ok(Self {
            debouncer,
            watched: BTreeSet::new(),
        })
    }

    /// Watches exactly `folders` (recursively) from now on. A folder that
    /// cannot be watched (gone, or the system's inotify limit reached) is
    /// reported in the returned list; the others are still watched.
    pub fn sync(&mut self, folders: &[PathBuf]) -> Vec<(PathBuf, Error)> {
        let wanted: BTreeSet<PathBuf> = folders.iter().cloned().collect();
        let stale: Vec<PathBuf> = self.watched.difference(&wanted).cloned().collect();
        for folder in stale {
            if let Err(err) = self.debouncer.unwatch(&folder) {
                tracing::debug!(folder = %folder.display(), %err, "unwatch");
            }
            self.watched.remove(&folder);
        }
        let mut failed = Vec::new();
        for folder in wanted {
            if self.watched.contains(&folder) {
                continue;
            }
            match self.debouncer.watch(&folder, RecursiveMode::Recursive) {
                Ok(()) => {
                    tracing::info!(folder = %folder.display(), "watching for changes");
                    self.watched.insert(folder);
                }
                Err(err) => {
                    let err = watch_error(err);
                    tracing::warn!(folder = %folder.display(), %err, "cannot watch");
                    failed.push((folder, err));
                }
            }
        }
        failed
    }

    /// The folders being watched.
    pub fn watched(&self) -> impl Iterator<Item = &Path> {
        self.watched.iter().map(PathBuf::as_path)
    }
}

fn watch_error(err: notify::Error) -> Error {
    let hint = match err.kind {
        notify::ErrorKind::MaxFilesWatch => {
            "; raise fs.inotify.max_user_watches (sysctl) or rescan by hand"
        }
        _ => "",
    };
    Error::Watch(format!("{err}{hint}"))
}

/// Whether a changed path can affect the library: audio files, cover
/// images, and folders (or paths already gone, which may have been either).
fn matters(path: &Path) -> bool {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match ext.as_deref() {
        None => true,
        Some("jpg" | "jpeg" | "png") => true,
        Some(_) if path.is_dir() => true,
        Some(e) => is_audio_file(path) || crate::scan::UNSUPPORTED_AUDIO.contains(&e),
    }
}

/// The smallest set of existing folders whose rescan covers every changed
/// path: a path's own folder if it is one, else its parent (a deleted file
/// or folder is judged from its parent); folders inside another listed
/// folder are dropped.
pub fn rescan_roots(changed: impl IntoIterator<Item = PathBuf>) -> Vec<PathBuf> {
    let mut folders: BTreeSet<PathBuf> = BTreeSet::new();
    for path in changed {
        let mut folder = if path.is_dir() {
            path
        } else {
            match path.parent() {
                Some(parent) => parent.to_path_buf(),
                None => continue,
            }
        };
        while !folder.is_dir() {
            match folder.parent() {
                Some(parent) => folder = parent.to_path_buf(),
                None => break,
            }
        }
        folders.insert(folder);
    }
    // BTreeSet order puts a parent right before its descendants.
    let mut roots: Vec<PathBuf> = Vec::new();
    for folder in folders {
        if !roots.last().is_some_and(|r| folder.starts_with(r)) {
            roots.push(folder);
        }
    }
    roots
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    #[test]
    fn rescan_roots_are_the_smallest_covering_folders() {
        let dir = tempfile::tempdir().expect("dir");
        let a = dir.path().join("a");
        let ab = a.join("b");
        let c = dir.path().join("c");
        std::fs::create_dir_all(&ab).expect("mkdir");
        std::fs::create_dir_all(&c).expect("mkdir");
        let roots = rescan_roots([
            ab.join("new.flac"),
            a.join("gone-folder/deep/x.mp3"),
            c.join("cover.jpg"),
            ab.clone(),
        ]);
        assert_eq!(roots, vec![a, c]);
    }

    #[test]
    fn only_paths_that_can_change_the_library_matter() {
        assert!(matters(Path::new("/m/a/song.flac")));
        assert!(matters(Path::new("/m/a/speech.OPUS")));
        assert!(matters(Path::new("/m/a/cover.jpg")));
        assert!(matters(Path::new("/m/a/deleted-folder")));
        assert!(!matters(Path::new("/m/a/notes.txt")));
        assert!(!matters(Path::new("/m/a/.song.flac.part")));
    }

    #[test]
    fn a_new_file_is_reported_once_changes_settle() {
        let dir = tempfile::tempdir().expect("dir");
        let lib = dir.path().join("lib");
        let album = lib.join("album");
        std::fs::create_dir_all(&album).expect("mkdir");
        let (tx, rx) = mpsc::channel();
        let mut watcher = LibraryWatcher::start(
            Duration::from_millis(200),
            dir.path().join("data"),
            move |roots| {
                let _ = tx.send(roots);
            },
        )
        .expect("watcher");
        assert!(watcher.sync(std::slice::from_ref(&lib)).is_empty());
        std::fs::write(album.join("one.flac"), b"x").expect("write");
        std::fs::write(album.join("two.flac"), b"x").expect("write");
        std::fs::write(album.join("readme.txt"), b"x").expect("write");
        // Generous: this checks behaviour, not speed.
        let mut roots = rx
            .recv_timeout(Duration::from_secs(20))
            .expect("a change is reported");
        // A loaded machine may split the burst in two; each part names the
        // album folder alone.
        while let Ok(more) = rx.recv_timeout(Duration::from_millis(800)) {
            roots.extend(more);
        }
        roots.dedup();
        assert_eq!(roots, vec![album.clone()]);

        // Reading is not a change: a scan walks and reads every folder,
        // and once that was reported as one, rescanning for ever.
        for _ in 0..3 {
            let _ = std::fs::read_dir(&album).map(|entries| entries.count());
            let _ = std::fs::read(album.join("one.flac"));
        }
        if let Ok(read) = rx.recv_timeout(Duration::from_secs(2)) {
            panic!("a read was reported as a change: {read:?}");
        }

        // Unwatched folders report nothing.
        assert!(watcher.sync(&[]).is_empty());
        assert_eq!(watcher.watched().count(), 0);
        std::fs::write(lib.join("three.flac"), b"x").expect("write");
        while let Ok(late) = rx.recv_timeout(Duration::from_secs(1)) {
            assert!(!late.contains(&lib), "unwatched folder reported: {late:?}");
        }
    }
}
