//! Where PlayGenie keeps its data: the platform data directory, or
//! `PLAYGENIE_HOME` when set (tests and portable installs use that).

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::{Error, Result};

/// Environment variable that overrides the data directory.
pub const HOME_ENV: &str = "PLAYGENIE_HOME";

/// The files and folders PlayGenie owns.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AppPaths {
    /// Root of everything PlayGenie writes.
    pub data_dir: PathBuf,
    /// The SQLite database, the one source of truth.
    pub database: PathBuf,
    /// The last good copy of the database (made after each scan that
    /// changed the library and each history import; `playgenie db restore`
    /// puts it back). Always [`crate::db::backup_path_of`] the database.
    pub backup: PathBuf,
    /// Model checkpoints and their configs.
    pub models_dir: PathBuf,
    /// Where "Export" writes playlist files unless told otherwise:
    /// `~/Music/Playlists`, or `playlists/` under `PLAYGENIE_HOME`.
    pub exports_dir: PathBuf,
}

impl AppPaths {
    /// Paths under an explicit root.
    pub fn under(root: impl AsRef<Path>) -> Self {
        let data_dir = root.as_ref().to_path_buf();
        let database = data_dir.join("playgenie.sqlite3");
        Self {
            backup: crate::db::backup_path_of(&database),
            database,
            models_dir: data_dir.join("models"),
            exports_dir: data_dir.join("playlists"),
            data_dir,
        }
    }

    /// `PLAYGENIE_HOME` if set and non-empty, else the platform data dir
    /// (`~/.local/share/playgenie` on Linux).
    pub fn from_env() -> Result<Self> {
        if let Some(home) = std::env::var_os(HOME_ENV).filter(|v| !v.is_empty()) {
            return Ok(Self::under(home));
        }
        let dirs =
            directories::ProjectDirs::from("org", "PlayGenie", "playgenie").ok_or(Error::NoHome)?;
        let mut paths = Self::under(dirs.data_dir());
        if let Some(music) =
            directories::UserDirs::new().and_then(|u| u.audio_dir().map(Path::to_path_buf))
        {
            paths.exports_dir = music.join("Playlists");
        }
        Ok(paths)
    }

    /// The files no export may replace.
    pub fn own_files(&self) -> crate::fsio::OwnFiles {
        crate::fsio::OwnFiles::new(&self.database, &self.backup, &self.models_dir)
    }

    /// Creates the folders if they do not exist yet.
    pub fn ensure(&self) -> Result<()> {
        for dir in [&self.data_dir, &self.models_dir] {
            std::fs::create_dir_all(dir).map_err(|source| Error::DataDir {
                path: dir.clone(),
                source,
            })?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn everything_lives_under_the_root() {
        let paths = AppPaths::under("/tmp/pg");
        assert_eq!(paths.database, Path::new("/tmp/pg/playgenie.sqlite3"));
        assert!(paths.models_dir.starts_with("/tmp/pg"));
    }
}
