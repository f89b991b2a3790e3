//! Loads the playlist-continuation benchmark format (`../shared/data/*`):
//! `tracks.tsv` (id, artist, title, album, duration_s, then optional numeric
//! feature columns), `train.jsonl` (playlists) and `valid.jsonl` (cases:
//! seed + held-out tracks).
//!
//! A training file may also hold evaluation cases (train + valid
//! concatenated, for the final run): a case's seed followed by its held-out
//! tracks is then one more training playlist. Every problem names the file
//! and line.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use playgenie_models::data::{Case, Catalogue, Playlist, Track};
use serde::Deserialize;

/// A benchmark file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}, line {line}: {message}")]
    Line {
        path: PathBuf,
        line: usize,
        message: String,
    },
}

/// The catalogue plus the id map that the playlist files refer to.
#[derive(Debug, Clone)]
pub struct Dataset {
    pub catalogue: Catalogue,
    index: HashMap<String, u32>,
}

impl Dataset {
    /// The dense index of an external track id.
    pub fn index_of(&self, external: &str) -> Option<u32> {
        self.index.get(external).copied()
    }

    /// The external id of a dense index.
    pub fn external(&self, index: u32) -> &str {
        self.catalogue
            .tracks
            .get(index as usize)
            .map_or("", |t| t.external_id.as_str())
    }
}

fn read(path: &Path) -> Result<String, DataError> {
    std::fs::read_to_string(path).map_err(|source| DataError::Read {
        path: path.to_path_buf(),
        source,
    })
}

/// Reads `tracks.tsv`.
pub fn load_tracks(path: &Path) -> Result<Dataset, DataError> {
    let text = read(path)?;
    let bad = |line: usize, message: String| DataError::Line {
        path: path.to_path_buf(),
        line,
        message,
    };
    let mut lines = text.lines().enumerate();
    let header: Vec<&str> = match lines.next() {
        Some((_, h)) => h.split('\t').collect(),
        None => return Err(bad(1, "the file is empty; expected a header line".into())),
    };
    const FIXED: [&str; 5] = ["id", "artist", "title", "album", "duration_s"];
    if header.len() < FIXED.len() || header[..FIXED.len()] != FIXED {
        return Err(bad(
            1,
            format!("the header must start with {}", FIXED.join(", ")),
        ));
    }
    let feature_names: Vec<String> = header[FIXED.len()..]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let mut tracks = Vec::new();
    let mut index = HashMap::new();
    for (i, line) in lines {
        if line.trim().is_empty() {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.len() != header.len() {
            return Err(bad(
                i + 1,
                format!("{} columns, the header has {}", cols.len(), header.len()),
            ));
        }
        let number = |s: &str| -> Option<f32> { s.trim().parse::<f32>().ok() };
        let track = Track {
            external_id: cols[0].to_owned(),
            artist: cols[1].to_owned(),
            title: cols[2].to_owned(),
            album: cols[3].to_owned(),
            duration_s: number(cols[4]),
            features: cols[FIXED.len()..]
                .iter()
                .map(|c| number(c).unwrap_or(f32::NAN))
                .collect(),
        };
        if index
            .insert(track.external_id.clone(), tracks.len() as u32)
            .is_some()
        {
            return Err(bad(i + 1, format!("track id {} appears twice", cols[0])));
        }
        tracks.push(track);
    }
    Ok(Dataset {
        catalogue: Catalogue {
            tracks,
            feature_names,
            feature_weights: Vec::new(),
        },
        index,
    })
}

#[derive(Deserialize)]
struct Line {
    playlist: String,
    user: Option<String>,
    timestamp: Option<i64>,
    tracks: Option<Vec<serde_json::Value>>,
    seed: Option<Vec<serde_json::Value>>,
    heldout: Option<Vec<serde_json::Value>>,
}

/// A parsed line: its fields, then `tracks` (or `seed`) and `heldout`.
type ParsedLine = (Line, Vec<u32>, Vec<u32>);

fn parse_lines(path: &Path, library: &Dataset) -> Result<Vec<ParsedLine>, DataError> {
    let text = read(path)?;
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        if raw.trim().is_empty() {
            continue;
        }
        let bad = |message: String| DataError::Line {
            path: path.to_path_buf(),
            line: i + 1,
            message,
        };
        let line: Line =
            serde_json::from_str(raw).map_err(|e| bad(format!("not valid JSON: {e}")))?;
        let ids = |list: &Option<Vec<serde_json::Value>>| -> Result<Vec<u32>, DataError> {
            list.iter()
                .flatten()
                .map(|v| {
                    let key = match v {
                        serde_json::Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    library
                        .index_of(&key)
                        .ok_or_else(|| bad(format!("track id {key} is not in tracks.tsv")))
                })
                .collect()
        };
        let (first, second) = match (&line.tracks, &line.seed) {
            (Some(_), _) => (ids(&line.tracks)?, Vec::new()),
            (None, Some(_)) => (ids(&line.seed)?, ids(&line.heldout)?),
            (None, None) => return Err(bad("neither \"tracks\" nor \"seed\" is present".into())),
        };
        out.push((line, first, second));
    }
    Ok(out)
}

/// Reads training playlists; evaluation cases in the file count as
/// playlists (seed, then held-out tracks).
pub fn load_playlists(path: &Path, library: &Dataset) -> Result<Vec<Playlist>, DataError> {
    Ok(parse_lines(path, library)?
        .into_iter()
        .map(|(line, mut first, second)| {
            first.extend(second);
            Playlist {
                id: line.playlist,
                user: line.user,
                timestamp: line.timestamp,
                tracks: first,
                ..Default::default()
            }
        })
        .collect())
}

/// Reads evaluation cases (lines with `seed` and `heldout`).
pub fn load_cases(path: &Path, library: &Dataset) -> Result<Vec<Case>, DataError> {
    parse_lines(path, library)?
        .into_iter()
        .enumerate()
        .map(|(i, (line, seed, heldout))| {
            if line.seed.is_none() {
                return Err(DataError::Line {
                    path: path.to_path_buf(),
                    line: i + 1,
                    message: "an evaluation case needs \"seed\" and \"heldout\"".into(),
                });
            }
            Ok(Case {
                playlist: line.playlist,
                user: line.user,
                timestamp: line.timestamp,
                seed,
                heldout,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).expect("write");
        path
    }

    #[test]
    fn loads_tracks_playlists_and_cases_with_features() {
        let dir = tempfile::tempdir().expect("dir");
        let tracks = write(
            dir.path(),
            "tracks.tsv",
            "id\tartist\ttitle\talbum\tduration_s\tenergy\n7\tA\tx\t\t180\t0.5\n9\tB\ty\tL\t\t\n",
        );
        let lib = load_tracks(&tracks).expect("tracks");
        assert_eq!(lib.catalogue.feature_names, vec!["energy"]);
        assert_eq!(lib.index_of("9"), Some(1));
        assert!(lib.catalogue.tracks[1].features[0].is_nan());
        let mixed = write(
            dir.path(),
            "train.jsonl",
            "{\"playlist\": \"p\", \"user\": null, \"timestamp\": null, \"tracks\": [9, 7]}\n\
             {\"playlist\": \"c\", \"user\": \"u\", \"timestamp\": 5, \"seed\": [7], \"heldout\": [9]}\n",
        );
        let playlists = load_playlists(&mixed, &lib).expect("playlists");
        assert_eq!(playlists[0].tracks, vec![1, 0]);
        assert_eq!(playlists[1].tracks, vec![0, 1], "a case is seed + held-out");
        assert!(load_cases(&mixed, &lib).is_err(), "line 1 is no case");
    }

    #[test]
    fn errors_name_the_line() {
        let dir = tempfile::tempdir().expect("dir");
        let tracks = write(
            dir.path(),
            "t.tsv",
            "id\tartist\ttitle\talbum\tduration_s\n1\ta\tb\tc\t1\n",
        );
        let lib = load_tracks(&tracks).expect("tracks");
        let bad = write(
            dir.path(),
            "v.jsonl",
            "{\"playlist\": \"a\", \"seed\": [1], \"heldout\": [1]}\n{\"playlist\": \"b\", \"seed\": [2], \"heldout\": []}\n",
        );
        let err = load_cases(&bad, &lib).expect_err("unknown id").to_string();
        assert!(
            err.contains("line 2") && err.contains("track id 2"),
            "{err}"
        );
        let broken = write(dir.path(), "b.jsonl", "{not json\n");
        let err = load_playlists(&broken, &lib)
            .expect_err("bad json")
            .to_string();
        assert!(err.contains("line 1") && err.contains("JSON"), "{err}");
    }
}
