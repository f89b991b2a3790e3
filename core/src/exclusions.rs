//! "Never suggest": the listener's global list of folders, artists, albums
//! and tags or genres that no mode may put in front of them (audiobooks,
//! Christmas music, a children's folder). "Complete playlist", radio and
//! paths all ask [`Exclusions::excludes`]; a playlist's removed
//! suggestions stay that playlist's own.
//!
//! Matching is forgiving where a person types: artists compare by
//! [`artist_key`] ("The Beatles feat. X" is "beatles"), albums by
//! [`fold`], tags by [`ear::has_tag`] (the learned ear's top tags or the
//! file's genre tag, synonyms folded), folders by path components (the
//! folder and everything under it).

use std::path::{Path, PathBuf};

use playgenie_formats::normalize::{artist_key, fold};

use crate::db::{Db, ExclusionKind, ExclusionRow, ExclusionValue, ModelTrack};
use crate::ear;
use crate::error::{Error, Result};

/// The longest name or tag an exclusion may hold, in characters.
pub const MAX_VALUE_CHARS: usize = 500;

/// An exclusion as a person asks for it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct NewExclusion {
    pub kind: ExclusionKind,
    /// A folder's absolute path, or the artist, album or tag.
    pub value: String,
}

impl NewExclusion {
    /// Checks it and adds it to `db`'s list; `false` when it was there.
    pub fn add_to(&self, db: &Db) -> Result<bool> {
        let value = self.value.trim();
        if value.is_empty() {
            return Err(Error::Invalid(format!(
                "an excluded {} needs a name",
                self.kind.as_str()
            )));
        }
        if value.chars().count() > MAX_VALUE_CHARS {
            return Err(Error::Invalid(format!(
                "an excluded {} may have at most {MAX_VALUE_CHARS} characters",
                self.kind.as_str()
            )));
        }
        match self.kind {
            ExclusionKind::Folder => {
                let path = Path::new(value);
                if !path.is_absolute() {
                    return Err(Error::Invalid(format!(
                        "an excluded folder must be an absolute path, not \"{value}\""
                    )));
                }
                db.add_exclusion(self.kind, ExclusionValue::Folder(path))
            }
            _ if self.key(value).is_empty() => Err(Error::Invalid(format!(
                "\"{value}\" has no letters or digits to match an {} by",
                self.kind.as_str()
            ))),
            _ => db.add_exclusion(self.kind, ExclusionValue::Text(value)),
        }
    }

    fn key(&self, value: &str) -> String {
        match self.kind {
            ExclusionKind::Artist => artist_key(value),
            _ => fold(value),
        }
    }
}

/// The list, compiled for matching.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Exclusions {
    folders: Vec<PathBuf>,
    artists: Vec<String>,
    albums: Vec<String>,
    tags: Vec<String>,
}

impl Exclusions {
    /// The stored list.
    pub fn load(db: &Db) -> Result<Self> {
        Ok(Self::from_rows(&db.exclusions()?))
    }

    pub fn from_rows(rows: &[ExclusionRow]) -> Self {
        let mut out = Self::default();
        for row in rows {
            match row.kind {
                ExclusionKind::Folder => out.folders.extend(row.folder.clone()),
                ExclusionKind::Artist => out.artists.push(artist_key(&row.value)),
                ExclusionKind::Album => out.albums.push(fold(&row.value)),
                ExclusionKind::Tag => out.tags.push(row.value.clone()),
            }
        }
        out
    }

    /// Leaves out these artists too (already [`artist_key`]s): a radio's
    /// skipped ones.
    pub fn add_artist_keys(&mut self, keys: &[String]) {
        self.artists.extend(keys.iter().cloned());
    }

    pub fn is_empty(&self) -> bool {
        self.folders.is_empty()
            && self.artists.is_empty()
            && self.albums.is_empty()
            && self.tags.is_empty()
    }

    /// Whether `track`, whose learned top tags are `top_tags`, is on the
    /// list.
    pub fn excludes(&self, track: &ModelTrack, top_tags: &[String]) -> bool {
        self.excludes_facts(&Facts::of(track), top_tags)
    }

    /// [`Exclusions::excludes`] over the facts it reads.
    pub fn excludes_facts(&self, track: &Facts<'_>, top_tags: &[String]) -> bool {
        self.folders.iter().any(|f| track.folder.starts_with(f))
            || (!self.artists.is_empty()
                && std::iter::once(track.artist)
                    .chain(track.album_artist)
                    .any(|a| self.artists.contains(&artist_key(a))))
            || (!self.albums.is_empty() && self.albums.contains(&fold(track.album)))
            || self
                .tags
                .iter()
                .any(|tag| ear::has_tag(tag, top_tags, track.genre))
    }
}

/// What the exclusions look at in a track.
#[derive(Debug, Clone, Copy)]
pub struct Facts<'a> {
    pub artist: &'a str,
    pub album_artist: Option<&'a str>,
    pub album: &'a str,
    pub folder: &'a Path,
    pub genre: Option<&'a str>,
}

impl<'a> Facts<'a> {
    pub fn of(track: &'a ModelTrack) -> Self {
        Self {
            artist: &track.artist,
            album_artist: track.album_artist.as_deref(),
            album: &track.album,
            folder: &track.folder,
            genre: track.genre.as_deref(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Track {
        artist: &'static str,
        album_artist: Option<&'static str>,
        album: &'static str,
        folder: PathBuf,
        genre: Option<&'static str>,
    }

    impl Track {
        fn facts(&self) -> Facts<'_> {
            Facts {
                artist: self.artist,
                album_artist: self.album_artist,
                album: self.album,
                folder: &self.folder,
                genre: self.genre,
            }
        }
    }

    fn track(
        artist: &'static str,
        album: &'static str,
        folder: &str,
        genre: Option<&'static str>,
    ) -> Track {
        Track {
            artist,
            album_artist: None,
            album,
            folder: PathBuf::from(folder),
            genre,
        }
    }

    fn list(entries: &[(ExclusionKind, &str)]) -> Exclusions {
        let rows: Vec<ExclusionRow> = entries
            .iter()
            .enumerate()
            .map(|(i, (kind, value))| ExclusionRow {
                id: i as i64,
                kind: *kind,
                value: (*value).to_owned(),
                folder: (*kind == ExclusionKind::Folder).then(|| PathBuf::from(value)),
                added_at: 0,
            })
            .collect();
        Exclusions::from_rows(&rows)
    }

    #[test]
    fn each_kind_matches_as_a_person_would_expect() {
        let never = list(&[
            (ExclusionKind::Folder, "/music/Audiobooks"),
            (ExclusionKind::Artist, "The Choir"),
            (ExclusionKind::Album, "A Very Merry Christmas!"),
            (ExclusionKind::Tag, "christmas"),
        ]);
        let ok = track("Band", "Album", "/music/Band/Album", Some("Rock"));
        assert!(!never.excludes_facts(&ok.facts(), &[]));
        // Under the folder, not a sibling whose name starts the same.
        assert!(never.excludes_facts(
            &track("A", "B", "/music/Audiobooks/Tolkien", None).facts(),
            &[]
        ));
        assert!(!never.excludes_facts(&track("A", "B", "/music/Audiobooks2", None).facts(), &[]));
        // "choir feat. Someone" is the choir; a leading "The" and case fold.
        assert!(never.excludes_facts(&track("choir feat. Someone", "B", "/m", None).facts(), &[]));
        assert!(!never.excludes_facts(
            &track("a very merry christmas", "x", "/m", None).facts(),
            &[]
        ));
        assert!(never.excludes_facts(
            &track("X", "a very merry CHRISTMAS", "/m", None).facts(),
            &[]
        ));
        // The genre tag (one of several) or the ear's top tags.
        assert!(never.excludes_facts(&track("X", "Y", "/m", Some("Pop; Christmas")).facts(), &[]));
        assert!(never.excludes_facts(
            &track("X", "Y", "/m", None).facts(),
            &["christmas".to_owned()]
        ));
        let mut as_album_artist = track("Guest", "Y", "/m", None);
        as_album_artist.album_artist = Some("the choir");
        assert!(never.excludes_facts(&as_album_artist.facts(), &[]));
        assert!(Exclusions::default().is_empty());
        assert!(!Exclusions::default().excludes_facts(&ok.facts(), &[]));
    }

    #[test]
    fn bad_entries_are_refused_with_the_reason() {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = Db::open(dir.path().join("db.sqlite")).expect("db");
        let add = |kind, value: &str| {
            NewExclusion {
                kind,
                value: value.to_owned(),
            }
            .add_to(&db)
        };
        let message = |r: Result<bool>| r.expect_err("refused").to_string();
        assert!(message(add(ExclusionKind::Folder, "music/x")).contains("absolute"));
        assert!(message(add(ExclusionKind::Artist, "  ")).contains("needs a name"));
        assert!(message(add(ExclusionKind::Tag, "!!!")).contains("no letters"));
        assert!(message(add(ExclusionKind::Album, &"x".repeat(501))).contains("at most 500"));
        assert!(add(ExclusionKind::Tag, " Christmas ").expect("added"));
        assert!(!add(ExclusionKind::Tag, "Christmas").expect("already"));
        assert_eq!(db.exclusions().expect("list")[0].value, "Christmas");
    }
}
