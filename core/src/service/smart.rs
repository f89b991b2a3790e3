//! Smart playlists as a service: saved checked, evaluated live against the
//! library and its history every time they are asked for, exported like
//! any playlist.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::{now, Services};
use crate::playlists::{self, ExportFormat};
use crate::smart::{Smart, SmartSpec};
use crate::{Error, Result};

/// The longest name a smart playlist may have, in characters.
pub const MAX_NAME_CHARS: usize = 200;

/// A smart playlist with what it holds right now.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SmartPlaylist {
    pub id: i64,
    pub name: String,
    pub spec: SmartSpec,
    /// The matching tracks, in order.
    pub track_ids: Vec<i64>,
}

impl Services {
    /// Checks `spec` and saves it as smart playlist `name` (replacing the
    /// rules of one of that name); returns it evaluated.
    pub fn save_smart(&self, name: &str, spec: &SmartSpec) -> Result<SmartPlaylist> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
            return Err(Error::Invalid(format!(
                "a smart playlist needs a name of 1 to {MAX_NAME_CHARS} characters"
            )));
        }
        let smart = Smart::check(spec)?;
        let json = serde_json::to_string(spec)
            .map_err(|e| Error::Invalid(format!("the rules cannot be stored: {e}")))?;
        self.with_db(|db| {
            let id = db.save_smart(name, &json)?;
            Ok(SmartPlaylist {
                id,
                name: name.to_owned(),
                spec: spec.clone(),
                track_ids: smart.evaluate(&db.track_facts()?, now()),
            })
        })
    }

    /// Every smart playlist, evaluated now (one read of the library).
    pub fn smart_playlists(&self) -> Result<Vec<SmartPlaylist>> {
        self.with_db(|db| {
            let facts = db.track_facts()?;
            let at = now();
            db.smart_playlists()?
                .into_iter()
                .map(|row| {
                    let spec = parse(&row.name, &row.spec)?;
                    let track_ids = Smart::check(&spec)?.evaluate(&facts, at);
                    Ok(SmartPlaylist {
                        id: row.id,
                        name: row.name,
                        spec,
                        track_ids,
                    })
                })
                .collect()
        })
    }

    /// Smart playlist `name` (or id), evaluated now.
    pub fn smart_playlist(&self, name: &str) -> Result<SmartPlaylist> {
        self.with_db(|db| {
            let row = db.find_smart(name)?;
            let spec = parse(&row.name, &row.spec)?;
            let track_ids = Smart::check(&spec)?.evaluate(&db.track_facts()?, now());
            Ok(SmartPlaylist {
                id: row.id,
                name: row.name,
                spec,
                track_ids,
            })
        })
    }

    /// Deletes a smart playlist; `false` when there was none.
    pub fn delete_smart(&self, id: i64) -> Result<bool> {
        self.with_db(|db| db.delete_smart(id))
    }

    /// Writes what smart playlist `name` holds now to `out` (or the
    /// exports folder); returns the file and the tracks written.
    pub fn export_smart(
        &self,
        name: &str,
        out: Option<&Path>,
        format: ExportFormat,
        relative: bool,
    ) -> Result<(PathBuf, usize)> {
        let playlist = self.smart_playlist(name)?;
        let core = self.core()?;
        let out = out.map(Path::to_path_buf).unwrap_or_else(|| {
            playlists::default_export_path(&core.paths().exports_dir, &playlist.name, format)
        });
        let written = playlists::export_tracks(
            core.db(),
            &core.paths().own_files(),
            &playlist.name,
            &playlist.track_ids,
            &out,
            format,
            relative,
        )?;
        Ok((out, written))
    }
}

/// A stored definition; one this PlayGenie cannot read is named.
fn parse(name: &str, json: &str) -> Result<SmartSpec> {
    serde_json::from_str(json).map_err(|e| {
        Error::Invalid(format!(
            "the rules of smart playlist \"{name}\" cannot be read ({e}); save them again"
        ))
    })
}
