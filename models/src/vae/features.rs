//! Host-side preparation of everything the VAE reads: content vectors, hashed
//! artist/album buckets, the co-listening graph, and the time-aware
//! popularity ("recency") features, computed *as of* each playlist's time so
//! training never peeks at the future.

use std::collections::HashMap;

use crate::baselines::{standardise, DAY_S};
use crate::data::{Catalogue, Playlist};

/// Half-lives of the recency features.
const SHORT_HALF_LIFE_S: f64 = 7.0 * DAY_S;
const LONG_HALF_LIFE_S: f64 = 60.0 * DAY_S;
/// Half-life of "new in rotation" (time since a track's first play).
const FRESH_HALF_LIFE_S: f64 = 30.0 * DAY_S;
/// Half-life of "just played" (time since a track's last play), and how far
/// back it looks (beyond that it is below 2^-8).
const JUST_HALF_LIFE_S: f64 = 6.0 * 3600.0;
const JUST_WINDOW_S: i64 = 2 * 86_400;
/// Snapshot spacing of the global recency features.
const SNAPSHOT_S: i64 = 7 * 86_400;

/// Global features per track, as of the request: log1p of 7-day-decayed
/// plays, of 60-day-decayed plays and of all plays; "new in rotation",
/// 0.5^(time since its first play / 30 days); "just played", 0.5^(time since
/// its last play / 6 hours) (both 0 for a track never played). Per user:
/// log1p of their 7-day- and 60-day-decayed plays (not all their plays: a
/// listener's favourites of years ago say little about tonight).
pub const GLOBAL_FEATURES: usize = 5;
pub const USER_FEATURES: usize = 2;
pub const RECENCY_FEATURES: usize = GLOBAL_FEATURES + USER_FEATURES;
/// The decayed sums kept in the weekly snapshots (the first three global
/// features, before the log).
const SUMS: usize = 3;
/// When a play of a playlist without a time (an album, a folder) counts as
/// played: long enough ago that its decayed sums are 0.
const UNTIMED_AT: i64 = 0;

/// 0.5^(age / half-life) for an age in seconds; a negative age counts as 0.
pub fn decay(age_s: i64, half_life_s: f64) -> f32 {
    0.5f64.powf(age_s.max(0) as f64 / half_life_s) as f32
}

/// Whole play counts below this have their log looked up.
const LOG_COUNTS: usize = 64;

/// ln(1 + s), looked up for whole counts below [`LOG_COUNTS`] (most
/// tracks' sums: undecayed counts, and decayed ones that are 0).
#[inline]
fn log_count(s: f32) -> f32 {
    static TABLE: std::sync::OnceLock<[f32; LOG_COUNTS]> = std::sync::OnceLock::new();
    if s >= 0.0 && s < LOG_COUNTS as f32 && s.fract() == 0.0 {
        TABLE.get_or_init(|| std::array::from_fn(|c| (c as f32).ln_1p()))[s as usize]
    } else {
        s.ln_1p()
    }
}

/// Adds one play `age_s` seconds old to a track's global sums.
fn add_play(f: &mut [f32], age_s: i64) {
    f[0] += decay(age_s, SHORT_HALF_LIFE_S);
    f[1] += decay(age_s, LONG_HALF_LIFE_S);
    f[2] += 1.0;
}

/// FNV-1a, for stable hashed buckets.
fn bucket(text: &str, buckets: usize) -> u32 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.to_lowercase().bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    (h % buckets as u64) as u32
}

/// One play: when, which track, and where: the training playlist (its
/// index) and the position in it.
#[derive(Debug, Clone, Copy)]
struct Play {
    at: i64,
    track: u32,
    list: u32,
    pos: u32,
}

/// Which training plays a request sees. Without a view (the app, and every
/// request after training) it sees all plays before it. The benchmark's
/// requests see less: after training only the *seeds* of earlier requests
/// are known, not what followed them. A view reproduces that inside the
/// training period so training examples look like those requests: every
/// play before `cutoff`, and after it only the first `prefix[list]` tracks
/// of each playlist.
#[derive(Debug, Clone, Copy)]
pub struct View<'a> {
    pub cutoff: i64,
    pub prefix: &'a [u32],
}

impl View<'_> {
    fn sees(&self, p: &Play) -> bool {
        p.at < self.cutoff || self.prefix.get(p.list as usize).is_some_and(|n| p.pos < *n)
    }
}

fn sees(view: Option<View<'_>>, p: &Play) -> bool {
    view.is_none_or(|v| v.sees(p))
}

/// An online play (time, user, track) as a play of no training playlist.
fn online_play(p: &(i64, Option<String>, u32)) -> Play {
    Play {
        at: p.0,
        track: p.2,
        list: u32::MAX,
        pos: 0,
    }
}

/// The raw global sums of the timed plays strictly before `at`, decayed
/// to it, for the tracks played by then (ascending; the others' are 0).
#[derive(Debug, Clone)]
struct Snapshot {
    at: i64,
    tracks: Vec<u32>,
    /// [tracks, SUMS], row-major.
    sums: Vec<f32>,
}

impl Snapshot {
    /// The snapshot at `at` of the dense sums `all` ([N, SUMS]).
    fn new(at: i64, all: &[f32]) -> Self {
        let mut tracks = Vec::new();
        let mut sums = Vec::new();
        for (t, row) in all.chunks_exact(SUMS).enumerate() {
            if row.iter().any(|s| *s != 0.0) {
                tracks.push(t as u32);
                sums.extend_from_slice(row);
            }
        }
        Self { at, tracks, sums }
    }

    /// Adds the sums, decayed on to `t`, to the dense `sums` of `columns`
    /// ([columns, SUMS]).
    fn add_decayed_to(&self, t: i64, sums: &mut [f32], columns: Columns<'_>) {
        let (short, long) = (
            decay(t - self.at, SHORT_HALF_LIFE_S),
            decay(t - self.at, LONG_HALF_LIFE_S),
        );
        for (track, row) in self.tracks.iter().zip(self.sums.chunks_exact(SUMS)) {
            let Some(j) = columns.column(*track) else {
                continue;
            };
            let to = &mut sums[j * SUMS..][..SUMS];
            to[0] += row[0] * short;
            to[1] += row[1] * long;
            to[2] += row[2];
        }
    }
}

/// The tracks a request's per-track features are computed for: every
/// track, or a batch's columns (`ids` in order; `position[t]`: track t's
/// column, `u32::MAX` where it has none).
#[derive(Debug, Clone, Copy)]
pub enum Columns<'a> {
    All(usize),
    Some { ids: &'a [u32], position: &'a [u32] },
}

impl Columns<'_> {
    pub fn len(&self) -> usize {
        match self {
            Self::All(n) => *n,
            Self::Some { ids, .. } => ids.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The track of column `j`.
    #[inline]
    pub fn track(&self, j: usize) -> usize {
        match self {
            Self::All(_) => j,
            Self::Some { ids, .. } => ids[j] as usize,
        }
    }

    /// Track `t`'s column, if it has one.
    #[inline]
    pub fn column(&self, t: u32) -> Option<usize> {
        match self {
            Self::All(n) => ((t as usize) < *n).then_some(t as usize),
            Self::Some { position, .. } => position
                .get(t as usize)
                .filter(|j| **j != u32::MAX)
                .map(|j| *j as usize),
        }
    }
}

/// Everything precomputed from the catalogue and the training playlists.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub n_tracks: usize,
    /// Standardised content columns (features, log duration), row-major.
    pub content: Vec<f32>,
    pub content_dims: usize,
    /// How many of the content columns (the first ones) are audio features;
    /// the last column, log duration, is not.
    pub feature_dims: usize,
    /// Whether any training playlist has a timestamp (without time, "recent
    /// popularity" is only popularity).
    pub timed: bool,
    pub artist_bucket: Vec<u32>,
    pub album_bucket: Vec<u32>,
    /// 1 for tracks seen in training (they get a learned residual).
    pub has_history: Vec<f32>,
    /// `neighbours` graph neighbours per track and their weights (rows sum
    /// to 1; a track without neighbours points at itself).
    pub neighbour_idx: Vec<u32>,
    pub neighbour_w: Vec<f32>,
    pub neighbours: usize,
    /// Weekly snapshots of the timed plays' raw (pre-log) global sums,
    /// from the first timed play on.
    snapshots: Vec<Snapshot>,
    /// Every training play of a timed playlist, by time.
    plays: Vec<Play>,
    /// Every play of a playlist without a time (an album, a folder, a
    /// playlist of the listener's): they count as played at
    /// [`UNTIMED_AT`], so they add to a track's plays but barely to its
    /// decayed ones. Kept apart from the timed plays: a library's albums
    /// would otherwise make the snapshots start at 1970.
    untimed: Vec<Play>,
    /// Per track, how many of `untimed` are of it.
    untimed_count: Vec<f32>,
    /// Time of each track's first timed training play (`i64::MAX`: none).
    first_play: Vec<i64>,
    /// The global features when no playlist has a timestamp (plain counts,
    /// log1p), computed once.
    untimed_counts: Vec<f32>,
    /// Plays seen after training (the seeds of earlier requests), by time:
    /// they count toward later requests' features, as in the app, where
    /// every play joins the history at once.
    online: Vec<(i64, Option<String>, u32)>,
    end: Option<i64>,
    /// Plays per user, by time.
    user_plays: HashMap<String, Vec<Play>>,
    /// Per track, the log of all its plays right after training, online
    /// ones included (what adventurousness discounts).
    popularity: Vec<f32>,
}

impl Prepared {
    pub fn new(
        catalogue: &Catalogue,
        train: &[Playlist],
        neighbours: usize,
        buckets: usize,
    ) -> Self {
        let n = catalogue.len();
        // Content: standardised features plus z-scored log duration.
        let z = standardise(catalogue);
        let durations: Vec<f32> = catalogue
            .tracks
            .iter()
            .map(|t| t.duration_s.filter(|d| *d > 0.0).map_or(f32::NAN, f32::ln))
            .collect();
        let (mean, sd) = moments(&durations);
        let feature_dims = z.as_ref().map_or(0, |z| z.first().map_or(0, Vec::len));
        let content_dims = feature_dims + 1;
        let mut content = Vec::with_capacity(n * content_dims);
        for i in 0..n {
            if let Some(z) = &z {
                content.extend_from_slice(&z[i]);
            }
            let d = durations[i];
            content.push(if d.is_finite() { (d - mean) / sd } else { 0.0 });
        }

        let buckets = buckets.max(1);
        let artist_bucket = catalogue
            .tracks
            .iter()
            .map(|t| bucket(&t.artist, buckets))
            .collect();
        let album_bucket = catalogue
            .tracks
            .iter()
            .map(|t| {
                if t.album.trim().is_empty() {
                    bucket(&format!("single\u{0}{}", t.artist), buckets)
                } else {
                    bucket(&format!("{}\u{0}{}", t.artist, t.album), buckets)
                }
            })
            .collect();

        let mut has_history = vec![0.0; n];
        let mut plays: Vec<Play> = Vec::new();
        let mut untimed: Vec<Play> = Vec::new();
        let mut untimed_count = vec![0.0f32; n];
        let mut user_plays: HashMap<String, Vec<Play>> = HashMap::new();
        let mut first_play = vec![i64::MAX; n];
        for (list, p) in train.iter().enumerate() {
            let at = p.timestamp.unwrap_or(UNTIMED_AT);
            for (pos, &track) in p.tracks.iter().enumerate() {
                has_history[track as usize] = 1.0;
                let play = Play {
                    at,
                    track,
                    list: list as u32,
                    pos: pos as u32,
                };
                if p.timestamp.is_some() {
                    first_play[track as usize] = first_play[track as usize].min(at);
                    plays.push(play);
                } else {
                    untimed_count[track as usize] += 1.0;
                    untimed.push(play);
                }
                if let Some(u) = &p.user {
                    user_plays.entry(u.clone()).or_default().push(play);
                }
            }
        }
        plays.sort_by_key(|p| p.at);
        for list in user_plays.values_mut() {
            list.sort_by_key(|p| p.at);
        }
        let end = train.iter().filter_map(|p| p.timestamp).max();

        let (neighbour_idx, neighbour_w) = graph(catalogue, train, neighbours);

        // Weekly snapshots of the raw global sums; a request's features are
        // the latest snapshot before it, decayed to its time, plus the plays
        // in between, so every example sees exactly the plays before it.
        // Only tracks played by then have a row in a snapshot, so the
        // snapshots of a long history over a big library stay small.
        let mut snapshots = Vec::new();
        if let (Some(first), Some(last)) = (plays.first().map(|p| p.at), end) {
            let mut at = first;
            while at <= last + SNAPSHOT_S {
                snapshots.push(Snapshot::new(at, &global_raw(n, &plays, at, at)));
                at += SNAPSHOT_S;
            }
        }
        // Without a timed playlist every play is untimed, and each of the
        // sums is its plain count.
        let untimed_counts = if end.is_none() {
            let mut f = vec![0.0; n * GLOBAL_FEATURES];
            for (row, c) in f.chunks_mut(GLOBAL_FEATURES).zip(&untimed_count) {
                row[..SUMS].fill(c.ln_1p());
            }
            f
        } else {
            Vec::new()
        };
        let mut prepared = Self {
            n_tracks: n,
            content,
            content_dims,
            feature_dims,
            timed: end.is_some(),
            artist_bucket,
            album_bucket,
            has_history,
            neighbour_idx,
            neighbour_w,
            neighbours,
            snapshots,
            untimed_counts,
            plays,
            untimed,
            untimed_count,
            first_play,
            online: Vec::new(),
            end,
            user_plays,
            popularity: Vec::new(),
        };
        prepared.popularity = prepared.all_time_popularity();
        prepared
    }

    /// Records plays seen after training (time, user, track); they count
    /// for requests after them.
    pub fn set_online_history(&mut self, mut plays: Vec<(i64, Option<String>, u32)>) {
        plays.sort_by_key(|p| p.0);
        self.online = plays;
        self.popularity = self.all_time_popularity();
    }

    /// Per track, the log of all its plays right after training, online
    /// ones included (what adventurousness discounts).
    pub fn popularity(&self) -> &[f32] {
        &self.popularity
    }

    fn all_time_popularity(&self) -> Vec<f32> {
        self.global_at(None, None)
            .chunks(GLOBAL_FEATURES)
            .map(|f| f[2])
            .collect()
    }

    /// The global recency features for a request at `at` (None: right
    /// after training; without any timestamps, plain play counts): every
    /// play before `at` that `view` lets it see, training and online,
    /// decayed to `at`. [N, GLOBAL_FEATURES], row-major.
    pub fn global_at(&self, at: Option<i64>, view: Option<View<'_>>) -> Vec<f32> {
        self.global_in(at, view, Columns::All(self.n_tracks))
    }

    /// [`global_at`](Self::global_at) for the tracks of `columns` only, in
    /// their order: [columns, GLOBAL_FEATURES]. Each track's features are
    /// computed exactly as for the whole catalogue, in time proportional
    /// to the columns and the plays (not the catalogue).
    pub fn global_in(
        &self,
        at: Option<i64>,
        view: Option<View<'_>>,
        columns: Columns<'_>,
    ) -> Vec<f32> {
        let m = columns.len();
        let Some(t) = at.or(self.end.map(|e| e + 1)) else {
            return match columns {
                Columns::All(_) => self.untimed_counts.clone(),
                Columns::Some { ids, .. } => ids
                    .iter()
                    .flat_map(|t| {
                        &self.untimed_counts[*t as usize * GLOBAL_FEATURES..][..GLOBAL_FEATURES]
                    })
                    .copied()
                    .collect(),
            };
        };
        // The latest snapshot the request may see whole.
        let whole = view.map_or(t, |v| v.cutoff.min(t));
        let mut sums = vec![0.0f32; m * SUMS];
        let mut first = vec![i64::MAX; m];
        let mut last = vec![i64::MIN; m];
        // The untimed plays: when the request sees all of them (always, but
        // for a request or cutoff at 1970), each track's count of them at
        // once; otherwise one by one.
        let untimed_whole = UNTIMED_AT < whole;
        if untimed_whole && !self.untimed.is_empty() {
            let age = t - UNTIMED_AT;
            let (short, long) = (decay(age, SHORT_HALF_LIFE_S), decay(age, LONG_HALF_LIFE_S));
            let just = age <= JUST_WINDOW_S;
            for j in 0..m {
                let c = self.untimed_count[columns.track(j)];
                if c > 0.0 {
                    sums[j * SUMS..(j + 1) * SUMS].copy_from_slice(&[c * short, c * long, c]);
                    first[j] = UNTIMED_AT;
                    if just {
                        last[j] = UNTIMED_AT;
                    }
                }
            }
        } else if UNTIMED_AT < t {
            for p in self.untimed.iter().filter(|p| sees(view, p)) {
                let Some(j) = columns.column(p.track) else {
                    continue;
                };
                add_play(&mut sums[j * SUMS..], t - p.at);
                first[j] = UNTIMED_AT;
                if t - p.at <= JUST_WINDOW_S {
                    last[j] = UNTIMED_AT;
                }
            }
        }
        let from = match self.snapshots.iter().rev().find(|s| s.at <= whole) {
            Some(s) => {
                s.add_decayed_to(t, &mut sums, columns);
                s.at
            }
            None => i64::MIN,
        };
        // Plays since the snapshot: the training plays the view shows, and
        // every online play (online plays are never in a snapshot).
        let online = self.online_between(from, t).iter();
        let since = self.trained_seen(from, t, view).chain(
            online
                .chain(self.online_between(i64::MIN, from))
                .map(online_play),
        );
        for p in since {
            let Some(j) = columns.column(p.track) else {
                continue;
            };
            add_play(&mut sums[j * SUMS..], t - p.at);
            first[j] = first[j].min(p.at);
        }
        let recent = self.trained_seen(t - JUST_WINDOW_S, t, view).chain(
            self.online_between(t - JUST_WINDOW_S, t)
                .iter()
                .map(online_play),
        );
        for p in recent {
            if let Some(j) = columns.column(p.track) {
                last[j] = last[j].max(p.at);
            }
        }
        let mut out = vec![0.0f32; m * GLOBAL_FEATURES];
        // Most tracks of a big library share their first play's time (an
        // album's untimed one): its decay is computed once per run of them.
        let mut fresh = (i64::MIN, 0.0f32);
        for (j, row) in out.chunks_mut(GLOBAL_FEATURES).enumerate() {
            for (x, s) in row.iter_mut().zip(&sums[j * SUMS..(j + 1) * SUMS]) {
                *x = log_count(*s);
            }
            // A first training play before the snapshot is always seen.
            let first = match self.first_play[columns.track(j)] {
                f if f < from => f.min(first[j]),
                _ => first[j],
            };
            if first < t {
                if fresh.0 != first {
                    fresh = (first, decay(t - first, FRESH_HALF_LIFE_S));
                }
                row[3] = fresh.1;
            }
            if last[j] > i64::MIN {
                row[4] = decay(t - last[j], JUST_HALF_LIFE_S);
            }
        }
        out
    }

    /// The training plays in [from, to) that `view` shows.
    fn trained_seen<'a>(
        &'a self,
        from: i64,
        to: i64,
        view: Option<View<'a>>,
    ) -> impl Iterator<Item = Play> + 'a {
        let start = self.plays.partition_point(|p| p.at < from);
        let end = self.plays.partition_point(|p| p.at < to);
        self.plays[start..end.max(start)]
            .iter()
            .filter(move |p| sees(view, p))
            .copied()
    }

    /// The online plays in [from, to) (all shown: they are the seeds of
    /// earlier requests).
    fn online_between(&self, from: i64, to: i64) -> &[(i64, Option<String>, u32)] {
        let start = self.online.partition_point(|p| p.0 < from);
        let end = self.online.partition_point(|p| p.0 < to);
        &self.online[start..end.max(start)]
    }

    /// The user's features at `at` ([N, 2], row-major: 7-day and 60-day
    /// decayed plays, log1p) and their history
    /// weights over tracks (7-day decayed plays, summing to 1), from the
    /// plays strictly before `at` that `view` shows (before the end of
    /// training for later requests).
    pub fn user_at(
        &self,
        user: Option<&str>,
        at: Option<i64>,
        view: Option<View<'_>>,
    ) -> (Vec<f32>, Vec<f32>) {
        self.user_in(user, at, view, Columns::All(self.n_tracks))
    }

    /// [`user_at`](Self::user_at) for the tracks of `columns` only, in
    /// their order (the history weights still sum to 1 over every track).
    pub fn user_in(
        &self,
        user: Option<&str>,
        at: Option<i64>,
        view: Option<View<'_>>,
        columns: Columns<'_>,
    ) -> (Vec<f32>, Vec<f32>) {
        let m = columns.len();
        let mut feats = vec![0.0f32; m * USER_FEATURES];
        let mut hist = vec![0.0f32; m];
        let mut total = 0.0f32;
        for (t, short, long) in self.user_plays_seen(user, at, view) {
            total += short;
            let Some(j) = columns.column(t) else {
                continue;
            };
            feats[j * USER_FEATURES] += short;
            feats[j * USER_FEATURES + 1] += long;
            hist[j] += short;
        }
        for f in feats.iter_mut().filter(|f| **f != 0.0) {
            *f = f.ln_1p();
        }
        if total > 0.0 {
            for h in &mut hist {
                *h /= total;
            }
        }
        (feats, hist)
    }

    /// The tracks with a history weight in [`user_at`](Self::user_at),
    /// without a catalogue-sized row.
    pub fn user_history_tracks(
        &self,
        user: Option<&str>,
        at: Option<i64>,
        view: Option<View<'_>>,
    ) -> Vec<u32> {
        let mut weights: HashMap<u32, f32> = HashMap::new();
        let mut total = 0.0f32;
        for (t, short, _) in self.user_plays_seen(user, at, view) {
            total += short;
            *weights.entry(t).or_default() += short;
        }
        if total <= 0.0 {
            return Vec::new();
        }
        let mut tracks: Vec<u32> = weights
            .into_iter()
            .filter(|(_, w)| *w / total != 0.0)
            .map(|(t, _)| t)
            .collect();
        tracks.sort_unstable();
        tracks
    }

    /// The user's plays a request at `at` sees, in order, as (track,
    /// 7-day-decayed weight, 60-day-decayed weight).
    fn user_plays_seen<'a>(
        &'a self,
        user: Option<&'a str>,
        at: Option<i64>,
        view: Option<View<'a>>,
    ) -> impl Iterator<Item = (u32, f32, f32)> + 'a {
        let trained = user
            .and_then(|u| self.user_plays.get(u))
            .map_or(&[][..], Vec::as_slice);
        let (now, reference) = match (at, self.end) {
            (Some(t), _) => (t, t),
            (None, Some(end)) => (end + 1, end),
            (None, None) => (i64::MAX, 0),
        };
        let online = user
            .map_or(&[][..], |_| self.online_between(i64::MIN, now))
            .iter()
            .filter(move |p| p.1.as_deref() == user)
            .map(online_play);
        trained
            .iter()
            .take_while(move |p| p.at < now)
            .filter(move |p| sees(view, p))
            .copied()
            .chain(online)
            .map(move |p| {
                (
                    p.track,
                    decay(reference - p.at, SHORT_HALF_LIFE_S),
                    decay(reference - p.at, LONG_HALF_LIFE_S),
                )
            })
    }
}

fn moments(values: &[f32]) -> (f32, f32) {
    let finite: Vec<f64> = values
        .iter()
        .filter(|v| v.is_finite())
        .map(|v| f64::from(*v))
        .collect();
    if finite.is_empty() {
        return (0.0, 1.0);
    }
    let mean = finite.iter().sum::<f64>() / finite.len() as f64;
    let var = finite.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / finite.len() as f64;
    (mean as f32, var.sqrt().max(1e-6) as f32)
}

/// Raw global sums of plays before `before`, decayed to `reference`.
fn global_raw(n: usize, plays: &[Play], before: i64, reference: i64) -> Vec<f32> {
    let mut f = vec![0.0f32; n * SUMS];
    for p in plays.iter().take_while(|p| p.at < before) {
        add_play(&mut f[p.track as usize * SUMS..], reference - p.at);
    }
    f
}

/// The co-listening graph: for each track its `k` strongest neighbours by
/// co-occurrence within 10 positions, plus same-artist edges, weights
/// normalised per row. Tracks with no edge point at themselves.
fn graph(catalogue: &Catalogue, train: &[Playlist], k: usize) -> (Vec<u32>, Vec<f32>) {
    let n = catalogue.len();
    if k == 0 {
        return (Vec::new(), Vec::new());
    }
    let mut edges: Vec<HashMap<u32, f32>> = vec![HashMap::new(); n];
    for p in train {
        for (i, &a) in p.tracks.iter().enumerate() {
            for &b in &p.tracks[i + 1..(i + 11).min(p.tracks.len())] {
                if a != b {
                    *edges[a as usize].entry(b).or_default() += 1.0;
                    *edges[b as usize].entry(a).or_default() += 1.0;
                }
            }
        }
    }
    let (artists, n_artists) = catalogue.artist_ids();
    let mut by_artist: Vec<Vec<u32>> = vec![Vec::new(); n_artists];
    for (t, a) in artists.iter().enumerate() {
        by_artist[*a as usize].push(t as u32);
    }
    let mut idx = Vec::with_capacity(n * k);
    let mut w = Vec::with_capacity(n * k);
    for t in 0..n {
        let mut list: Vec<(u32, f32)> = edges[t].iter().map(|(b, c)| (*b, *c)).collect();
        for &other in by_artist[artists[t] as usize].iter().take(2 * k) {
            if other as usize != t && !list.iter().any(|(b, _)| *b == other) {
                list.push((other, 0.5));
            }
        }
        list.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        list.truncate(k);
        let total: f32 = list.iter().map(|(_, c)| c).sum();
        for j in 0..k {
            match list.get(j) {
                Some((b, c)) if total > 0.0 => {
                    idx.push(*b);
                    w.push(c / total);
                }
                _ => {
                    idx.push(t as u32);
                    w.push(if list.is_empty() && j == 0 { 1.0 } else { 0.0 });
                }
            }
        }
    }
    (idx, w)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Track;

    fn setup() -> (Catalogue, Vec<Playlist>) {
        let cat = Catalogue {
            tracks: (0..5)
                .map(|i| Track {
                    artist: if i < 2 { "a".into() } else { format!("b{i}") },
                    duration_s: Some(100.0 + i as f32),
                    ..Track::default()
                })
                .collect(),
            feature_names: vec![],
            feature_weights: Vec::new(),
        };
        let day = 86_400;
        let train = vec![
            Playlist {
                id: "1".into(),
                user: Some("u".into()),
                timestamp: Some(0),
                tracks: vec![2, 3],
                ..Default::default()
            },
            Playlist {
                id: "2".into(),
                user: Some("u".into()),
                timestamp: Some(30 * day),
                tracks: vec![4],
                ..Default::default()
            },
        ];
        (cat, train)
    }

    #[test]
    fn features_never_see_later_plays() {
        let (cat, train) = setup();
        let p = Prepared::new(&cat, &train, 3, 64);
        let day = 86_400;
        // At day 10 only playlist 1 has been played.
        let g = p.global_at(Some(10 * day), None);
        assert!(g[2 * GLOBAL_FEATURES + 2] > 0.0, "track 2 was played");
        assert_eq!(g[4 * GLOBAL_FEATURES + 2], 0.0, "track 4 is in the future");
        let (u, hist) = p.user_at(Some("u"), Some(10 * day), None);
        assert_eq!(u[4 * USER_FEATURES + 1], 0.0);
        assert!((hist.iter().sum::<f32>() - 1.0).abs() < 1e-5);
        // After training everything counts.
        assert!(p.global_at(None, None)[4 * GLOBAL_FEATURES + 2] > 0.0);
    }

    #[test]
    fn a_view_shows_only_seeds_after_its_cutoff() {
        let (cat, train) = setup();
        let p = Prepared::new(&cat, &train, 3, 64);
        let day = 86_400;
        let all_plays = |g: &[f32], t: usize| g[t * GLOBAL_FEATURES + 2];
        // Cutoff on day 20: playlist 1 (day 0) is seen whole; playlist 2
        // (day 30, track 4) only through its one-track seed.
        let none = [u32::MAX, 0];
        let one = [u32::MAX, 1];
        let hidden = View {
            cutoff: 20 * day,
            prefix: &none,
        };
        let seed = View {
            cutoff: 20 * day,
            prefix: &one,
        };
        let at = Some(40 * day);
        assert!(all_plays(&p.global_at(at, Some(hidden)), 3) > 0.0);
        assert_eq!(all_plays(&p.global_at(at, Some(hidden)), 4), 0.0);
        assert!(all_plays(&p.global_at(at, Some(seed)), 4) > 0.0);
        let (u, _) = p.user_at(Some("u"), at, Some(hidden));
        assert_eq!(u[4 * USER_FEATURES + 1], 0.0);
        let (u, _) = p.user_at(Some("u"), at, Some(seed));
        assert!(u[4 * USER_FEATURES + 1] > 0.0);
    }

    #[test]
    fn user_features_of_some_columns_are_the_catalogues_and_the_history_tracks_its_weights() {
        let (cat, train) = setup();
        let mut p = Prepared::new(&cat, &train, 3, 64);
        p.set_online_history(vec![(35 * 86_400, Some("u".into()), 1)]);
        let ids = [4u32, 1, 2];
        let mut position = vec![u32::MAX; 5];
        for (j, t) in ids.iter().enumerate() {
            position[*t as usize] = j as u32;
        }
        let columns = Columns::Some {
            ids: &ids,
            position: &position,
        };
        for at in [Some(10 * 86_400), Some(40 * 86_400), None] {
            let (feats, hist) = p.user_at(Some("u"), at, None);
            let (some_feats, some_hist) = p.user_in(Some("u"), at, None, columns);
            for (j, t) in ids.iter().map(|t| *t as usize).enumerate() {
                assert_eq!(some_hist[j], hist[t]);
                assert_eq!(
                    some_feats[j * USER_FEATURES..][..USER_FEATURES],
                    feats[t * USER_FEATURES..][..USER_FEATURES]
                );
            }
            let weighted: Vec<u32> = (0..5u32).filter(|t| hist[*t as usize] != 0.0).collect();
            assert!(!weighted.is_empty());
            assert_eq!(p.user_history_tracks(Some("u"), at, None), weighted);
        }
        assert!(p.user_history_tracks(None, None, None).is_empty());
    }

    #[test]
    fn new_and_just_played_tracks_are_marked() {
        let (cat, train) = setup();
        let mut p = Prepared::new(&cat, &train, 3, 64);
        let day = 86_400;
        // Track 4 was first played on day 30: 30 days later "new" is 0.5.
        let g = p.global_at(Some(60 * day), None);
        assert!((g[4 * GLOBAL_FEATURES + 3] - 0.5).abs() < 1e-4);
        assert_eq!(g[3], 0.0, "never played");
        // Six hours after a play, "just played" is 0.5; two days on, 0.
        let g = p.global_at(Some(30 * day + 6 * 3600), None);
        assert!((g[4 * GLOBAL_FEATURES + 4] - 0.5).abs() < 1e-4);
        assert_eq!(
            p.global_at(Some(33 * day), None)[4 * GLOBAL_FEATURES + 4],
            0.0
        );
        // Online plays count, long after training too (after the last
        // weekly snapshot).
        p.set_online_history(vec![(40 * day, None, 0)]);
        let g = p.global_at(Some(90 * day), None);
        assert!(g[2] > 0.0);
        assert!(g[3] > 0.0);
    }

    /// The global features counted straight from every play: those
    /// before `t` that `view` shows (untimed playlists' at
    /// [`UNTIMED_AT`]), online ones included.
    fn counted(
        n: usize,
        train: &[Playlist],
        online: &[(i64, Option<String>, u32)],
        t: i64,
        view: Option<View<'_>>,
    ) -> Vec<f32> {
        let mut plays: Vec<Play> = Vec::new();
        for (list, p) in train.iter().enumerate() {
            for (pos, &track) in p.tracks.iter().enumerate() {
                plays.push(Play {
                    at: p.timestamp.unwrap_or(UNTIMED_AT),
                    track,
                    list: list as u32,
                    pos: pos as u32,
                });
            }
        }
        let seen = plays
            .into_iter()
            .filter(|p| sees(view, p))
            .chain(online.iter().map(online_play))
            .filter(|p| p.at < t);
        let mut sums = vec![0.0f32; n * SUMS];
        let mut first = vec![i64::MAX; n];
        let mut last = vec![i64::MIN; n];
        for p in seen {
            let i = p.track as usize;
            add_play(&mut sums[i * SUMS..], t - p.at);
            first[i] = first[i].min(p.at);
            if t - p.at <= JUST_WINDOW_S {
                last[i] = last[i].max(p.at);
            }
        }
        let mut out = vec![0.0f32; n * GLOBAL_FEATURES];
        for (i, row) in out.chunks_mut(GLOBAL_FEATURES).enumerate() {
            for (x, s) in row.iter_mut().zip(&sums[i * SUMS..][..SUMS]) {
                *x = s.ln_1p();
            }
            if first[i] < t {
                row[3] = decay(t - first[i], FRESH_HALF_LIFE_S);
            }
            if last[i] > i64::MIN {
                row[4] = decay(t - last[i], JUST_HALF_LIFE_S);
            }
        }
        out
    }

    #[test]
    fn global_features_are_those_counted_from_every_play() {
        let day = 86_400;
        let n = 6;
        let cat = Catalogue {
            tracks: (0..n)
                .map(|i| Track {
                    artist: format!("a{}", i / 2),
                    duration_s: Some(200.0),
                    ..Track::default()
                })
                .collect(),
            feature_names: vec![],
            feature_weights: Vec::new(),
        };
        let list = |timestamp: Option<i64>, tracks: &[u32]| Playlist {
            timestamp,
            tracks: tracks.to_vec(),
            ..Default::default()
        };
        // Albums without a time, then sessions over 40 days (so several
        // weekly snapshots), one of them at the very start of time.
        let train = vec![
            list(None, &[0, 1, 2]),
            list(Some(3 * day), &[2, 4]),
            list(None, &[1, 3]),
            list(Some(UNTIMED_AT), &[5]),
            list(Some(20 * day), &[4, 5, 0]),
            list(Some(40 * day + 3600), &[1]),
        ];
        let online = vec![(45 * day, None, 3), (45 * day + 60, None, 3)];
        let mut p = Prepared::new(&cat, &train, 2, 64);
        p.set_online_history(online.clone());
        assert!(p.snapshots.len() >= 6, "weekly from day 0 to day 47");
        let prefix = [1, 0, 2, 0, 1, 0];
        let views = [
            None,
            Some(View {
                cutoff: 15 * day,
                prefix: &prefix,
            }),
            // A cutoff at the start of time shows only the seeds.
            Some(View {
                cutoff: UNTIMED_AT,
                prefix: &prefix,
            }),
        ];
        let times = [
            60,
            3 * day,
            3 * day + 1,
            10 * day,
            20 * day + 5 * 3600,
            41 * day,
            45 * day + 30,
            50 * day,
            400 * day,
        ];
        // A batch's columns: some tracks, in their own order.
        let ids = [5u32, 0, 3];
        let mut position = vec![u32::MAX; n];
        for (j, t) in ids.iter().enumerate() {
            position[*t as usize] = j as u32;
        }
        let columns = Columns::Some {
            ids: &ids,
            position: &position,
        };
        for view in views {
            for t in times {
                // The columns' features are exactly the catalogue's.
                let all = p.global_at(Some(t), view);
                let some = p.global_in(Some(t), view, columns);
                for (j, id) in ids.iter().enumerate() {
                    let f = *id as usize * GLOBAL_FEATURES;
                    assert_eq!(
                        some[j * GLOBAL_FEATURES..][..GLOBAL_FEATURES],
                        all[f..][..GLOBAL_FEATURES]
                    );
                }
                let got = p.global_at(Some(t), view);
                let want = counted(n, &train, &online, t, view);
                for (i, (g, w)) in got.iter().zip(&want).enumerate() {
                    assert!(
                        (g - w).abs() <= 1e-5 * w.abs().max(1.0),
                        "t = {t}, cutoff {:?}: track {} feature {}: {g} vs {w}",
                        view.map(|v| v.cutoff),
                        i / GLOBAL_FEATURES,
                        i % GLOBAL_FEATURES
                    );
                }
            }
        }
    }

    #[test]
    fn a_big_library_of_albums_with_a_little_listening_keeps_few_small_snapshots() {
        // 20,000 tracks in untimed albums and one session today: the
        // snapshots cover the session's week, not the weeks since 1970,
        // and hold only the tracks it played.
        let n = 20_000;
        let cat = Catalogue {
            tracks: (0..n).map(|_| Track::default()).collect(),
            feature_names: vec![],
            feature_weights: Vec::new(),
        };
        let mut train: Vec<Playlist> = (0..n / 10)
            .map(|a| Playlist {
                tracks: (a * 10..a * 10 + 10).map(|t| t as u32).collect(),
                ..Default::default()
            })
            .collect();
        train.push(Playlist {
            timestamp: Some(1_700_000_000),
            tracks: vec![7, 8, 9],
            ..Default::default()
        });
        let p = Prepared::new(&cat, &train, 2, 64);
        assert!(p.snapshots.len() <= 2, "{} snapshots", p.snapshots.len());
        assert!(p.snapshots.iter().all(|s| s.tracks.len() <= 3));
        // Every album track still counts as played once, the session's
        // tracks twice.
        let g = p.global_at(None, None);
        assert_eq!(g[100 * GLOBAL_FEATURES + 2], 1f32.ln_1p());
        assert_eq!(g[8 * GLOBAL_FEATURES + 2], 2f32.ln_1p());
    }

    #[test]
    fn the_graph_links_co_listened_and_same_artist_tracks() {
        let (cat, train) = setup();
        let p = Prepared::new(&cat, &train, 3, 64);
        let row = |t: usize| &p.neighbour_idx[t * 3..t * 3 + 3];
        assert_eq!(row(2)[0], 3, "co-listened");
        assert_eq!(row(0)[0], 1, "same artist");
        let sum: f32 = p.neighbour_w[..3].iter().sum();
        assert!((sum - 1.0).abs() < 1e-5);
    }
}
