//! Versioned model checkpoints on disk, written so a crash never leaves a
//! half-written model in use.
//!
//! Layout under the models folder: `vae-v<N>/` holds `config.json` (the
//! `VaeConfig`), `weights.bin` and `meta.json`; `CURRENT` names the version
//! in use. A version is written into `vae-v<N>.partial/`, synced and renamed
//! into place; only then is `CURRENT` replaced (write, sync, rename). A
//! candidate that is not finite or not better on validation is never made
//! current.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use playgenie_models::vae::weights::{NamedArray, Weights};
use playgenie_models::vae::{ModelConfig, TrainingConfig, VaeConfig};
use playgenie_models::Config;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

const MAGIC: &[u8; 4] = b"PGW1";

/// What is known about a checkpoint besides its weights.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckpointMeta {
    pub version: u32,
    /// Unix seconds.
    pub created_at: i64,
    /// Validation loss when it was saved.
    pub valid_loss: f32,
    /// What produced it ("trained on 4,323 playlists", "fine-tuned ...").
    pub note: String,
    /// The version it was fine-tuned from, if any.
    pub parent: Option<u32>,
    /// The library track ids the model was trained on, in model order
    /// (empty for benchmark models); a model only serves the library it
    /// knows.
    #[serde(default)]
    pub tracks: Vec<i64>,
    /// Whether its inputs carried the learned ear's columns (a model
    /// trained without them does not fit a catalogue with them, and back).
    #[serde(default)]
    pub ear: bool,
}

/// What a candidate model was trained on (recorded in its meta): the
/// library's track ids in model order (none for benchmark models) and
/// whether its rows carried the learned ear's columns.
#[derive(Debug, Clone, Copy, Default)]
pub struct TrainedOn<'a> {
    pub tracks: &'a [i64],
    pub ear: bool,
}

/// A loaded checkpoint.
#[derive(Debug, Clone)]
pub struct Checkpoint {
    pub meta: CheckpointMeta,
    pub config: VaeConfig,
    pub weights: Weights,
}

/// The folder of versioned checkpoints.
#[derive(Debug, Clone)]
pub struct ModelStore {
    dir: PathBuf,
}

/// Reads a checkpoint's `config.json`: `{"model": …, "training": …}`, or
/// the flat form PlayGenie wrote before the two were apart (every field at
/// the top level), so models saved then still load.
fn read_config(path: &Path) -> Result<VaeConfig> {
    let bytes = std::fs::read(path).map_err(|e| io_error(path, e))?;
    let value: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| io_error(path, e))?;
    let nested = value.get("model").is_some_and(|m| m.is_object());
    let config = if nested {
        VaeConfig::load_binary(&bytes)
    } else {
        ModelConfig::load_binary(&bytes).and_then(|model| {
            Ok(VaeConfig::new()
                .with_model(model)
                .with_training(TrainingConfig::load_binary(&bytes)?))
        })
    };
    config.map_err(|e| io_error(path, e))
}

fn io_error(path: &Path, err: impl std::fmt::Display) -> Error {
    Error::Model(format!("{}: {err}", path.display()))
}

fn write_synced(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut f = std::fs::File::create(path).map_err(|e| io_error(path, e))?;
    f.write_all(bytes).map_err(|e| io_error(path, e))?;
    f.sync_all().map_err(|e| io_error(path, e))
}

/// Encodes weights as: magic, count, then per array its name, rank, dims
/// and little-endian f32 values.
pub fn encode_weights(weights: &Weights) -> Vec<u8> {
    let mut out = MAGIC.to_vec();
    out.extend((weights.arrays.len() as u32).to_le_bytes());
    for a in &weights.arrays {
        out.extend((a.name.len() as u32).to_le_bytes());
        out.extend(a.name.as_bytes());
        out.extend((a.shape.len() as u32).to_le_bytes());
        for d in &a.shape {
            out.extend((*d as u64).to_le_bytes());
        }
        for v in &a.values {
            out.extend(v.to_le_bytes());
        }
    }
    out
}

/// Decodes [`encode_weights`]' format, refusing anything truncated or odd.
pub fn decode_weights(bytes: &[u8]) -> std::result::Result<Weights, String> {
    let mut r = bytes;
    let mut take = |n: usize| -> std::result::Result<&[u8], String> {
        if r.len() < n {
            return Err("the file is truncated".into());
        }
        let (head, rest) = r.split_at(n);
        r = rest;
        Ok(head)
    };
    if take(4)? != MAGIC {
        return Err("not a PlayGenie weights file".into());
    }
    let u32_at = |b: &[u8]| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize;
    let count = u32_at(take(4)?);
    let mut arrays = Vec::with_capacity(count.min(1024));
    for _ in 0..count {
        let len = u32_at(take(4)?);
        let name = String::from_utf8(take(len)?.to_vec()).map_err(|_| "a name is not UTF-8")?;
        let rank = u32_at(take(4)?);
        if rank > 4 {
            return Err(format!("{name} has rank {rank}"));
        }
        let mut shape = Vec::with_capacity(rank);
        for _ in 0..rank {
            let mut b = [0u8; 8];
            b.copy_from_slice(take(8)?);
            shape.push(u64::from_le_bytes(b) as usize);
        }
        let n: usize = shape.iter().product();
        let raw = take(n.checked_mul(4).ok_or("a shape overflows")?)?;
        let values = raw
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        arrays.push(NamedArray {
            name,
            shape,
            values,
        });
    }
    Ok(Weights { arrays })
}

impl ModelStore {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    fn version_dir(&self, version: u32) -> PathBuf {
        self.dir.join(format!("vae-v{version}"))
    }

    /// The version in use, if any.
    pub fn current_version(&self) -> Result<Option<u32>> {
        let path = self.dir.join("CURRENT");
        match std::fs::read_to_string(&path) {
            Ok(text) => text
                .trim()
                .parse()
                .map(Some)
                .map_err(|_| io_error(&path, "does not name a version")),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io_error(&path, e)),
        }
    }

    /// Loads the checkpoint in use.
    pub fn current(&self) -> Result<Option<Checkpoint>> {
        match self.current_version()? {
            Some(v) => self.load(v).map(Some),
            None => Ok(None),
        }
    }

    /// What is known about the version in use, without reading its
    /// weights (cheap enough for every ended play).
    pub fn current_meta(&self) -> Result<Option<CheckpointMeta>> {
        let Some(version) = self.current_version()? else {
            return Ok(None);
        };
        let meta_path = self.version_dir(version).join("meta.json");
        let text = std::fs::read_to_string(&meta_path).map_err(|e| io_error(&meta_path, e))?;
        serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| io_error(&meta_path, e))
    }

    /// Loads one version.
    pub fn load(&self, version: u32) -> Result<Checkpoint> {
        let dir = self.version_dir(version);
        let config_path = dir.join("config.json");
        let config = read_config(&config_path)?;
        let meta_path = dir.join("meta.json");
        let meta_text = std::fs::read_to_string(&meta_path).map_err(|e| io_error(&meta_path, e))?;
        let meta = serde_json::from_str(&meta_text).map_err(|e| io_error(&meta_path, e))?;
        let weights_path = dir.join("weights.bin");
        let mut bytes = Vec::new();
        std::fs::File::open(&weights_path)
            .and_then(|mut f| f.read_to_end(&mut bytes))
            .map_err(|e| io_error(&weights_path, e))?;
        let weights = decode_weights(&bytes).map_err(|e| io_error(&weights_path, e))?;
        Ok(Checkpoint {
            meta,
            config,
            weights,
        })
    }

    /// Saves a new version and makes it current, unless its weights are not
    /// finite or its validation loss is not below `beat` (the loss of the
    /// model in use on the same validation data). Returns the new version,
    /// or `None` when the candidate was refused.
    pub fn save_if_better(
        &self,
        config: &VaeConfig,
        weights: &Weights,
        valid_loss: f32,
        beat: Option<f32>,
        note: &str,
        on: TrainedOn<'_>,
    ) -> Result<Option<u32>> {
        let finite = valid_loss.is_finite()
            && weights
                .arrays
                .iter()
                .all(|a| a.values.iter().all(|v| v.is_finite()));
        if !finite || beat.is_some_and(|b| valid_loss >= b) {
            tracing::warn!(
                valid_loss,
                ?beat,
                "candidate model refused; the model in use stays"
            );
            return Ok(None);
        }
        std::fs::create_dir_all(&self.dir).map_err(|e| io_error(&self.dir, e))?;
        let parent = self.current_version()?;
        let version = self.next_version()?;
        let partial = self.dir.join(format!("vae-v{version}.partial"));
        if partial.exists() {
            std::fs::remove_dir_all(&partial).map_err(|e| io_error(&partial, e))?;
        }
        std::fs::create_dir_all(&partial).map_err(|e| io_error(&partial, e))?;
        let meta = CheckpointMeta {
            version,
            created_at: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or_default(),
            valid_loss,
            note: note.to_owned(),
            parent,
            tracks: on.tracks.to_vec(),
            ear: on.ear,
        };
        write_synced(&partial.join("config.json"), config.to_string().as_bytes())?;
        write_synced(&partial.join("weights.bin"), &encode_weights(weights))?;
        let meta_json = serde_json::to_vec_pretty(&meta).map_err(|e| io_error(&partial, e))?;
        write_synced(&partial.join("meta.json"), &meta_json)?;
        let done = self.version_dir(version);
        std::fs::rename(&partial, &done).map_err(|e| io_error(&done, e))?;
        let current_tmp = self.dir.join("CURRENT.partial");
        write_synced(&current_tmp, version.to_string().as_bytes())?;
        std::fs::rename(&current_tmp, self.dir.join("CURRENT"))
            .map_err(|e| io_error(&current_tmp, e))?;
        tracing::info!(version, valid_loss, "model checkpoint saved and in use");
        Ok(Some(version))
    }

    /// Every saved version, oldest first.
    pub fn versions(&self) -> Result<Vec<CheckpointMeta>> {
        let mut out = Vec::new();
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
            Err(e) => return Err(io_error(&self.dir, e)),
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let Some(v) = name
                .strip_prefix("vae-v")
                .and_then(|v| v.parse::<u32>().ok())
            else {
                continue;
            };
            let meta_path = entry.path().join("meta.json");
            match std::fs::read_to_string(&meta_path)
                .map(|t| serde_json::from_str::<CheckpointMeta>(&t))
            {
                Ok(Ok(meta)) => out.push(meta),
                _ => tracing::warn!(version = v, "checkpoint without readable meta.json skipped"),
            }
        }
        out.sort_by_key(|m| m.version);
        Ok(out)
    }

    /// Makes `version` the model in use (roll back or forward).
    pub fn use_version(&self, version: u32) -> Result<()> {
        // Loading checks that it is complete and readable.
        self.load(version)?;
        let tmp = self.dir.join("CURRENT.partial");
        write_synced(&tmp, version.to_string().as_bytes())?;
        std::fs::rename(&tmp, self.dir.join("CURRENT")).map_err(|e| io_error(&tmp, e))?;
        tracing::info!(version, "model version in use");
        Ok(())
    }

    fn next_version(&self) -> Result<u32> {
        let mut max = 0;
        if let Ok(entries) = std::fs::read_dir(&self.dir) {
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                if let Some(v) = name
                    .strip_prefix("vae-v")
                    .and_then(|v| v.parse::<u32>().ok())
                {
                    max = max.max(v);
                }
            }
        }
        Ok(max + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn weights(v: f32) -> Weights {
        Weights {
            arrays: vec![NamedArray {
                name: "w".into(),
                shape: vec![2, 2],
                values: vec![v, 1.0, 2.0, 3.0],
            }],
        }
    }

    #[test]
    fn weights_round_trip_and_truncation_is_refused() {
        let w = weights(0.5);
        let bytes = encode_weights(&w);
        assert_eq!(decode_weights(&bytes).expect("decode"), w);
        assert!(decode_weights(&bytes[..bytes.len() - 1]).is_err());
        assert!(decode_weights(b"nope").is_err());
    }

    #[test]
    fn only_a_better_finite_candidate_becomes_current() {
        let dir = tempfile::tempdir().expect("dir");
        let store = ModelStore::new(dir.path());
        let config = VaeConfig::new();
        assert_eq!(store.current_version().expect("none"), None);
        let v1 = store
            .save_if_better(
                &config,
                &weights(0.5),
                2.0,
                None,
                "base",
                TrainedOn::default(),
            )
            .expect("save");
        assert_eq!(v1, Some(1));
        // Worse, or NaN: refused, version 1 stays.
        assert_eq!(
            store
                .save_if_better(
                    &config,
                    &weights(0.7),
                    2.5,
                    Some(2.0),
                    "worse",
                    TrainedOn::default()
                )
                .expect("ok"),
            None
        );
        assert_eq!(
            store
                .save_if_better(
                    &config,
                    &weights(f32::NAN),
                    1.0,
                    Some(2.0),
                    "nan",
                    TrainedOn::default()
                )
                .expect("ok"),
            None
        );
        assert_eq!(store.current_version().expect("v"), Some(1));
        let v2 = store
            .save_if_better(
                &config,
                &weights(0.9),
                1.5,
                Some(2.0),
                "better",
                TrainedOn::default(),
            )
            .expect("save");
        assert_eq!(v2, Some(2));
        let loaded = store.current().expect("load").expect("some");
        assert_eq!(loaded.weights, weights(0.9));
        assert_eq!(loaded.meta.parent, Some(1));
        // A crash mid-write leaves a .partial folder that is never used.
        std::fs::create_dir_all(dir.path().join("vae-v3.partial")).expect("mkdir");
        assert_eq!(store.current_version().expect("v"), Some(2));
    }

    #[test]
    fn a_checkpoint_config_in_the_old_flat_form_still_loads() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("config.json");
        std::fs::write(
            &path,
            r#"{"dim": 32, "latent": 16, "hidden": 64, "buckets": 16384, "neighbours": 10,
                "beta": 0.2, "targets": 20, "epochs": 30, "batch": 128, "learning_rate": 0.003,
                "weight_decay": 0.0001, "cold_share": 0.3, "patience": 4, "seed": 42,
                "user_latent": true, "graph": false, "context": true, "content": true,
                "decoder_embeddings": true, "recency": true, "later_seeds_only": false}"#,
        )
        .expect("write");
        let old = read_config(&path).expect("flat form");
        assert_eq!(
            (old.model.dim, old.model.latent, old.model.hidden),
            (32, 16, 64)
        );
        assert!(!old.model.graph);
        assert_eq!(old.training.epochs, 30);
        // And the current form round-trips.
        std::fs::write(&path, old.to_string()).expect("write");
        let again = read_config(&path).expect("nested form");
        assert_eq!(again.to_string(), old.to_string());
    }
}
