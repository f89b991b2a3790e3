//! The listener's standing choices about suggestions: the "never suggest"
//! list (every mode reads it at each request, so a change counts at once)
//! and which version of a song to suggest (the genie groups versions when
//! it loads, so a choice reloads it).

use serde::Serialize;

use super::Services;
use crate::db::ExclusionRow;
use crate::exclusions::NewExclusion;
use crate::{Error, Result};

/// One file of a song that has several versions.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct VersionTrack {
    pub track_id: i64,
    pub title: String,
    pub artist: String,
    pub album: String,
    pub duration_s: Option<f64>,
    /// The folder the file is in.
    pub folder: String,
    /// The version the modes suggest.
    pub suggested: bool,
}

/// A song with several versions in the library, the suggested one first.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct VersionGroup {
    pub tracks: Vec<VersionTrack>,
}

impl Services {
    /// The "never suggest" list.
    pub fn exclusions(&self) -> Result<Vec<ExclusionRow>> {
        self.with_db(|db| db.exclusions())
    }

    /// Adds to the "never suggest" list (checked: see [`NewExclusion`]);
    /// `false` when it was there already.
    pub fn add_exclusion(&self, exclusion: &NewExclusion) -> Result<bool> {
        self.with_db(|db| exclusion.add_to(db))
    }

    /// Takes entry `id` off the list; `false` when there was none.
    pub fn remove_exclusion(&self, id: i64) -> Result<bool> {
        self.with_db(|db| db.remove_exclusion(id))
    }

    /// The songs with several versions, each group's suggested one first.
    pub fn version_groups(&self) -> Result<Vec<VersionGroup>> {
        self.with_genie(|genie| {
            Ok(genie
                .version_groups()
                .into_iter()
                .map(|tracks| VersionGroup {
                    tracks: tracks
                        .iter()
                        .enumerate()
                        .map(|(n, t)| VersionTrack {
                            track_id: t.id,
                            title: t.title.clone(),
                            artist: t.artist.clone(),
                            album: t.album.clone(),
                            duration_s: t.duration_s,
                            folder: t.folder.display().to_string(),
                            suggested: n == 0,
                        })
                        .collect(),
                })
                .collect())
        })
    }

    /// Makes `track_id` the version of its song that the modes suggest.
    pub fn prefer_version(&self, track_id: i64) -> Result<()> {
        let others = self.with_genie(|genie| Ok(genie.other_versions(track_id)))?;
        if others.is_empty() {
            return Err(Error::Invalid(format!(
                "track {track_id} has no other version in the library; nothing to choose"
            )));
        }
        self.with_db(|db| db.prefer_version(track_id, &others))?;
        self.invalidate_genie();
        Ok(())
    }
}
