//! One version of each song: the files of a library that are one song
//! (a live take, a remaster, a demo, the same recording on a compilation or
//! copied twice), so that no mode suggests two versions of it and each
//! suggests the one the listener prefers.
//!
//! Two tracks are versions of one song when
//! - their artists and titles, both tagged (a name guessed from a file
//!   name such as "01" says nothing of the song), fold to the same key ([`song_key`]:
//!   "The Band feat. X — Song (Live at Leeds)" and "Band — Song - 2011
//!   Remaster" are both `band` / `song`) and their durations are close
//!   ([`close_durations`]: within 10 s or 25 %, as a live take runs long),
//!   or
//! - they sound the same: durations within half a second, loudness within
//!   1 LU and nine in ten hand-made features within 0.2 standard
//!   deviations ([`NEAR_IDENTICAL`]) — the same recording under other tags.
//!
//! Of each group one is suggested: the one the listener chose, else one
//! whose title names no version ([`version_label`]), else a tagged one
//! over one named after its file, else the most played, else the first
//! indexed.
//!
//! Measured on the demo album with three tracks also re-encoded to FLAC
//! and to 128 kb/s MP3, tags stripped (19 files): exactly the three groups
//! of three, none other.

use std::collections::HashMap;

use playgenie_formats::normalize::{artist_key, fold, title_key};

/// Words in a title that mark another version of a song.
const VERSION_WORDS: [&str; 12] = [
    "live",
    "remaster",
    "remastered",
    "demo",
    "edit",
    "mix",
    "remix",
    "acoustic",
    "mono",
    "stereo",
    "version",
    "unplugged",
];

/// Two tracks of the same length and loudness are one recording when 90 %
/// of their z-scored hand-made features differ by at most this many
/// standard deviations (an encoder may move a few, such as the top band's
/// contrast; different music moves many).
pub const NEAR_IDENTICAL: f32 = 0.2;
/// The share of features that must agree within [`NEAR_IDENTICAL`].
const AGREEING: f32 = 0.9;

/// The key two versions of a song share: folded artist and title without
/// bracketed or " - Remaster"-style suffixes; `None` when either is empty
/// (an untitled track is nobody's version).
pub fn song_key(artist: &str, title: &str) -> Option<String> {
    let artist = artist_key(artist);
    let title = title_key(title);
    (!artist.is_empty() && !title.is_empty()).then(|| format!("{artist}\u{1f}{title}"))
}

/// The version word a title carries ("Song (Live)" → "live"), if any.
pub fn version_label(title: &str) -> Option<&'static str> {
    let folded = fold(title);
    let words: Vec<&str> = folded.split(' ').collect();
    VERSION_WORDS.into_iter().find(|w| words.contains(w))
}

/// Whether two durations (seconds; unknown counts as close) could be one
/// song's: within 10 s or 25 % of the longer.
pub fn close_durations(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => (a - b).abs() <= 10f64.max(0.25 * a.max(b)),
        _ => true,
    }
}

/// What the grouping reads of one track.
#[derive(Debug, Clone, Copy)]
pub struct Song<'a> {
    pub title: &'a str,
    pub artist: &'a str,
    pub duration_s: Option<f64>,
    /// Integrated loudness, LUFS.
    pub loudness_lufs: f32,
    /// Its plays.
    pub plays: usize,
    /// When the listener chose it as the version to suggest.
    pub preferred_at: Option<i64>,
    /// Its title or artist was guessed from the path: no key grouping.
    pub names_guessed: bool,
}

/// The library's songs with more than one version.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Versions {
    /// Per track, its group (an index into `groups`), if it has versions.
    group_of: Vec<Option<u32>>,
    /// Each group's tracks, the one to suggest first.
    groups: Vec<Vec<u32>>,
}

impl Versions {
    /// Groups `songs` (indexed as the genie's tracks) given each one's
    /// z-scored hand-made feature row (`features[i]`, may be empty).
    pub fn find(songs: &[Song<'_>], features: &[&[f32]]) -> Self {
        let mut sets = Sets::new(songs.len());
        // Same song key, close durations.
        let mut by_key: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, s) in songs.iter().enumerate().filter(|(_, s)| !s.names_guessed) {
            if let Some(key) = song_key(s.artist, s.title) {
                by_key.entry(key).or_default().push(i);
            }
        }
        for members in by_key.values() {
            for (n, &a) in members.iter().enumerate() {
                for &b in &members[n + 1..] {
                    if close_durations(songs[a].duration_s, songs[b].duration_s) {
                        sets.join(a, b);
                    }
                }
            }
        }
        // The same recording under other tags: buckets of half a second
        // and one LU, each compared with its neighbours.
        let cell = |s: &Song<'_>| -> Option<(i64, i64)> {
            let d = s.duration_s?;
            (d.is_finite() && s.loudness_lufs.is_finite())
                .then(|| ((d * 2.0).round() as i64, s.loudness_lufs.round() as i64))
        };
        let mut cells: HashMap<(i64, i64), Vec<usize>> = HashMap::new();
        for (i, s) in songs.iter().enumerate() {
            if let Some(c) = cell(s) {
                cells.entry(c).or_default().push(i);
            }
        }
        for (i, s) in songs.iter().enumerate() {
            let (Some((d, l)), Some(row)) = (cell(s), features.get(i)) else {
                continue;
            };
            if row.is_empty() {
                continue;
            }
            for dd in -1..=1 {
                for dl in -1..=1 {
                    for &j in cells.get(&(d + dd, l + dl)).into_iter().flatten() {
                        if j <= i || sets.same(i, j) {
                            continue;
                        }
                        let other = &songs[j];
                        let (Some(a), Some(b)) = (s.duration_s, other.duration_s) else {
                            continue;
                        };
                        if (a - b).abs() <= 0.5
                            && (s.loudness_lufs - other.loudness_lufs).abs() <= 1.0
                            && features.get(j).is_some_and(|o| sounds_the_same(row, o))
                        {
                            sets.join(i, j);
                        }
                    }
                }
            }
        }
        let mut members: HashMap<usize, Vec<u32>> = HashMap::new();
        for i in 0..songs.len() {
            members.entry(sets.root(i)).or_default().push(i as u32);
        }
        let mut groups: Vec<Vec<u32>> = members.into_values().filter(|g| g.len() > 1).collect();
        for g in &mut groups {
            // The one to suggest first: chosen (latest), no version word,
            // tagged rather than named after its file, most played, first
            // indexed.
            g.sort_by_key(|&t| {
                let s = &songs[t as usize];
                (
                    std::cmp::Reverse(s.preferred_at),
                    version_label(s.title).is_some(),
                    s.names_guessed,
                    std::cmp::Reverse(s.plays),
                    t,
                )
            });
        }
        groups.sort_by_key(|g| g[0]);
        let mut group_of = vec![None; songs.len()];
        for (n, g) in groups.iter().enumerate() {
            for &t in g {
                group_of[t as usize] = Some(n as u32);
            }
        }
        Self { group_of, groups }
    }

    /// Every group, the version to suggest first.
    pub fn groups(&self) -> &[Vec<u32>] {
        &self.groups
    }

    /// The versions of `track`'s song, itself included (empty when it has
    /// none).
    pub fn of(&self, track: u32) -> &[u32] {
        self.group_of
            .get(track as usize)
            .copied()
            .flatten()
            .map_or(&[], |g| self.groups[g as usize].as_slice())
    }

    /// Tracks no mode suggests: every version but the preferred one.
    pub fn not_suggested(&self) -> impl Iterator<Item = u32> + '_ {
        self.groups.iter().flat_map(|g| g[1..].iter().copied())
    }

    /// What a request whose playlist holds `seed` must leave out besides:
    /// every other version but the preferred of each song, and every
    /// version of the songs already in the playlist.
    pub fn exclusions_for(&self, seed: &[u32]) -> Vec<u32> {
        let mut out: Vec<u32> = self.not_suggested().collect();
        for &s in seed {
            out.extend_from_slice(self.of(s));
        }
        out
    }
}

/// Whether two z-scored rows agree within [`NEAR_IDENTICAL`] on at least
/// [`AGREEING`] of their features.
fn sounds_the_same(a: &[f32], b: &[f32]) -> bool {
    let n = a.len().min(b.len());
    if n == 0 {
        return false;
    }
    // Stop at the first feature too many that differs: two different
    // tracks are told apart within a few features, not all of them.
    let allowed = n - (AGREEING * n as f32).ceil() as usize;
    let mut differing = 0;
    for (x, y) in a.iter().zip(b) {
        if (x - y).abs() > NEAR_IDENTICAL {
            differing += 1;
            if differing > allowed {
                return false;
            }
        }
    }
    true
}

/// Disjoint sets (union by size, path halving).
struct Sets {
    parent: Vec<usize>,
    size: Vec<usize>,
}

impl Sets {
    fn new(n: usize) -> Self {
        Self {
            parent: (0..n).collect(),
            size: vec![1; n],
        }
    }

    fn root(&mut self, mut i: usize) -> usize {
        while self.parent[i] != i {
            self.parent[i] = self.parent[self.parent[i]];
            i = self.parent[i];
        }
        i
    }

    fn same(&mut self, a: usize, b: usize) -> bool {
        self.root(a) == self.root(b)
    }

    fn join(&mut self, a: usize, b: usize) {
        let (mut a, mut b) = (self.root(a), self.root(b));
        if a == b {
            return;
        }
        if self.size[a] < self.size[b] {
            std::mem::swap(&mut a, &mut b);
        }
        self.parent[b] = a;
        self.size[a] += self.size[b];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn song(artist: &'static str, title: &'static str, duration: f64) -> Song<'static> {
        Song {
            title,
            artist,
            duration_s: Some(duration),
            loudness_lufs: -14.0,
            plays: 0,
            preferred_at: None,
            names_guessed: false,
        }
    }

    #[test]
    fn versions_of_one_song_group_and_the_studio_take_is_suggested() {
        let songs = [
            song("The Band", "Song (Live at Leeds)", 250.0),
            song("Band", "Song", 210.0),
            song("band feat. Guest", "Song - 2011 Remaster", 211.0),
            // Another song, and the same title far too long to be it.
            song("Band", "Other Song", 210.0),
            song("Band", "Song", 900.0),
            // Another artist's song of that name.
            song("Someone", "Song", 210.0),
        ];
        let v = Versions::find(&songs, &[]);
        assert_eq!(v.groups(), &[vec![1, 0, 2]]);
        // Names guessed from files ("01" in two album folders) group nothing.
        let mut guessed = songs;
        for s in &mut guessed {
            s.names_guessed = true;
        }
        assert!(Versions::find(&guessed, &[]).groups().is_empty());
        assert_eq!(v.of(0), &[1, 0, 2]);
        assert!(v.of(3).is_empty());
        assert_eq!(v.not_suggested().collect::<Vec<_>>(), vec![0, 2]);
        // A playlist holding the live take gets no other version of it.
        let mut out = v.exclusions_for(&[0]);
        out.sort_unstable();
        out.dedup();
        assert_eq!(out, vec![0, 1, 2]);
        assert_eq!(version_label("Song (Live at Leeds)"), Some("live"));
        assert_eq!(version_label("Olive Tree"), None);
    }

    #[test]
    fn the_listeners_choice_then_plays_decide_which_is_suggested() {
        let mut songs = [
            song("A", "Tune (Demo)", 200.0),
            song("A", "Tune (Remix)", 205.0),
        ];
        songs[1].plays = 3;
        assert_eq!(Versions::find(&songs, &[]).groups(), &[vec![1, 0]]);
        songs[0].preferred_at = Some(10);
        assert_eq!(Versions::find(&songs, &[]).groups(), &[vec![0, 1]]);
    }

    #[test]
    fn a_tagged_copy_is_suggested_before_one_named_after_its_file() {
        let mut songs = [
            song("lib", "x-track", 180.0),
            song("Artist", "Title", 180.0),
        ];
        songs[0].names_guessed = true;
        let same = [0.1, 0.2];
        let v = Versions::find(&songs, &[&same, &same]);
        assert_eq!(v.groups(), &[vec![1, 0]]);
    }

    #[test]
    fn the_same_recording_under_other_tags_is_found_by_its_sound() {
        let songs = [
            song("Artist", "Title", 180.2),
            song("Unknown Artist", "Track 01", 180.0),
            song("Unknown Artist", "Track 02", 180.1),
        ];
        let a = [0.5, -1.0, 2.0];
        let same = [0.52, -1.05, 2.02];
        let other = [1.5, 0.0, -2.0];
        let v = Versions::find(&songs, &[&a, &same, &other]);
        assert_eq!(v.groups(), &[vec![0, 1]]);
        // Too far apart in length: not one recording.
        let mut longer = songs;
        longer[1].duration_s = Some(182.0);
        assert!(Versions::find(&longer, &[&a, &same, &other])
            .groups()
            .is_empty());
    }
}
