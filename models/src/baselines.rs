//! The simple methods the model has to beat, on the same data path: global
//! and per-user popularity (plain and time-decayed), item co-occurrence over
//! the seed (session-kNN style), and content kNN in feature space.
//!
//! Every recommender scores the whole catalogue; the benchmark ranks, drops
//! the seed and cuts at 500.

use std::collections::HashMap;

use crate::data::{Catalogue, Playlist, Query};
use crate::vae::features::{decay, Prepared, GLOBAL_FEATURES, USER_FEATURES};

/// Seconds in a day.
pub const DAY_S: f64 = 86_400.0;

/// Anything that can continue a playlist by scoring every catalogue track.
pub trait Recommender {
    /// Scores for every track (higher = better), indexed by track id.
    fn scores(&self, query: &Query<'_>) -> Vec<f32>;
}

/// The baselines by name, as `bench run --model NAME` takes them.
pub const BASELINES: [&str; 9] = [
    "popularity",
    "user-popularity",
    "cooccurrence",
    "decayed-popularity",
    "user-decayed-popularity",
    "decayed-mix",
    "decayed-popularity-online",
    "decayed-mix-online",
    "content-knn",
];

/// Plays seen after training, before some requests: (time, user, track).
pub type OnlinePlays = Vec<(i64, Option<String>, u32)>;

/// Why a baseline cannot run on some data.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    #[error("unknown model '{0}'; choose vae or one of: {list}", list = BASELINES.join(", "))]
    Unknown(String),
    #[error("content-knn needs numeric feature columns, and this catalogue has none")]
    NoFeatures,
}

/// Builds the baseline `name` from the training playlists.
/// `online` holds plays seen after training (the seeds of earlier
/// requests); only the `-online` baselines use them, decaying every play to
/// the time of each request, as the VAE does.
pub fn build(
    name: &str,
    catalogue: &Catalogue,
    train: &[Playlist],
    online: OnlinePlays,
) -> Result<Box<dyn Recommender + Send + Sync>, BaselineError> {
    let half_life = 7.0 * DAY_S;
    let online_popularity = |user_weight: f32| {
        // Only the play history is needed: no graph neighbours.
        let mut prepared = Prepared::new(catalogue, train, 0, 1);
        prepared.set_online_history(online.clone());
        Box::new(OnlinePopularity {
            prepared,
            user_weight,
        })
    };
    Ok(match name {
        "decayed-popularity-online" => online_popularity(0.0),
        "decayed-mix-online" => online_popularity(0.3),
        "popularity" => Box::new(Popularity::fit(catalogue, train, None, 0.0)),
        "user-popularity" => Box::new(Popularity::fit(catalogue, train, None, 1.0)),
        "decayed-popularity" => Box::new(Popularity::fit(catalogue, train, Some(half_life), 0.0)),
        "user-decayed-popularity" => {
            Box::new(Popularity::fit(catalogue, train, Some(half_life), 1.0))
        }
        "decayed-mix" => Box::new(Popularity::fit(catalogue, train, Some(half_life), 0.3)),
        "cooccurrence" => Box::new(CoOccurrence::fit(catalogue, train, 20)),
        "content-knn" => Box::new(ContentKnn::fit(catalogue).ok_or(BaselineError::NoFeatures)?),
        other => return Err(BaselineError::Unknown(other.to_owned())),
    })
}

/// The latest timestamp in `train`: "now" for time decay.
pub fn end_of_train(train: &[Playlist]) -> Option<i64> {
    train.iter().filter_map(|p| p.timestamp).max()
}

/// Per-play weight 0.5^(age / half-life), age counted back from `end`.
pub fn decay_weight(timestamp: Option<i64>, end: Option<i64>, half_life_s: f64) -> f32 {
    match (timestamp, end) {
        (Some(t), Some(end)) => decay(end - t, half_life_s),
        _ => 1.0,
    }
}

/// Play counts, optionally time-decayed, globally and per user.
#[derive(Debug, Clone)]
pub struct PopularityCounts {
    pub global: Vec<f32>,
    pub per_user: HashMap<String, Vec<f32>>,
}

impl PopularityCounts {
    pub fn count(n_tracks: usize, train: &[Playlist], half_life_s: Option<f64>) -> Self {
        let end = end_of_train(train);
        let mut global = vec![0.0f32; n_tracks];
        let mut per_user: HashMap<String, Vec<f32>> = HashMap::new();
        for p in train {
            let w = half_life_s.map_or(1.0, |h| decay_weight(p.timestamp, end, h));
            let mut user = p.user.as_ref().map(|u| {
                per_user
                    .entry(u.clone())
                    .or_insert_with(|| vec![0.0; n_tracks])
            });
            for &t in &p.tracks {
                global[t as usize] += w;
                if let Some(u) = user.as_mut() {
                    u[t as usize] += w;
                }
            }
        }
        Self { global, per_user }
    }
}

fn normalised(v: &[f32]) -> Vec<f32> {
    let max = v.iter().copied().fold(0.0f32, f32::max);
    if max <= 0.0 {
        return v.to_vec();
    }
    v.iter().map(|x| x / max).collect()
}

/// `(1 - user_weight) × global + user_weight × the user's own` counts, each
/// scaled to a maximum of 1; unknown users get the global counts. A tiny
/// share of the global counts always breaks ties.
pub struct Popularity {
    global: Vec<f32>,
    per_user: HashMap<String, Vec<f32>>,
    user_weight: f32,
}

impl Popularity {
    pub fn fit(
        catalogue: &Catalogue,
        train: &[Playlist],
        half_life_s: Option<f64>,
        user_weight: f32,
    ) -> Self {
        let counts = PopularityCounts::count(catalogue.len(), train, half_life_s);
        Self {
            global: normalised(&counts.global),
            per_user: counts
                .per_user
                .into_iter()
                .map(|(u, c)| (u, normalised(&c)))
                .collect(),
            user_weight,
        }
    }
}

impl Recommender for Popularity {
    fn scores(&self, query: &Query<'_>) -> Vec<f32> {
        let user = query.user.and_then(|u| self.per_user.get(u));
        match user {
            Some(own) if self.user_weight > 0.0 => {
                let w = self.user_weight.min(0.999);
                self.global
                    .iter()
                    .zip(own)
                    .map(|(g, u)| (1.0 - w) * g + w * u)
                    .collect()
            }
            _ => self.global.clone(),
        }
    }
}

/// Time-decayed popularity (7-day half-life) as of each request, counting
/// training plays and the online plays before the request.
pub struct OnlinePopularity {
    prepared: Prepared,
    user_weight: f32,
}

impl Recommender for OnlinePopularity {
    fn scores(&self, query: &Query<'_>) -> Vec<f32> {
        // The features are log1p of decayed sums; undo the log to mix sums.
        let global: Vec<f32> = self
            .prepared
            .global_at(query.timestamp, None)
            .chunks(GLOBAL_FEATURES)
            .map(|f| f[0].exp_m1())
            .collect();
        let global = normalised(&global);
        if self.user_weight <= 0.0 || query.user.is_none() {
            return global;
        }
        let (user, _) = self.prepared.user_at(query.user, query.timestamp, None);
        let user: Vec<f32> = user.chunks(USER_FEATURES).map(|f| f[0].exp_m1()).collect();
        let user = normalised(&user);
        let w = self.user_weight;
        global
            .iter()
            .zip(&user)
            .map(|(g, u)| (1.0 - w) * g + w * u)
            .collect()
    }
}

/// Item co-occurrence within a window of positions in training playlists,
/// summed over the seed tracks (session-kNN style), with the user's
/// popularity (then global) breaking ties.
pub struct CoOccurrence {
    neighbours: Vec<HashMap<u32, f32>>,
    fallback: Popularity,
}

impl CoOccurrence {
    pub fn fit(catalogue: &Catalogue, train: &[Playlist], window: usize) -> Self {
        let mut neighbours: Vec<HashMap<u32, f32>> = vec![HashMap::new(); catalogue.len()];
        for p in train {
            for (i, &a) in p.tracks.iter().enumerate() {
                let hi = (i + window + 1).min(p.tracks.len());
                for &b in &p.tracks[i + 1..hi] {
                    if a != b {
                        *neighbours[a as usize].entry(b).or_default() += 1.0;
                        *neighbours[b as usize].entry(a).or_default() += 1.0;
                    }
                }
            }
        }
        Self {
            neighbours,
            fallback: Popularity::fit(catalogue, train, None, 0.9),
        }
    }
}

impl Recommender for CoOccurrence {
    fn scores(&self, query: &Query<'_>) -> Vec<f32> {
        let mut scores: Vec<f32> = self
            .fallback
            .scores(query)
            .into_iter()
            .map(|s| 1e-3 * s)
            .collect();
        for &s in query.seed {
            if let Some(n) = self.neighbours.get(s as usize) {
                for (&t, &c) in n {
                    scores[t as usize] += c;
                }
            }
        }
        scores
    }
}

/// The catalogue's feature columns z-scored (means and standard deviations
/// ignore NaN; a missing value becomes 0, the mean) and multiplied by
/// [`Catalogue::feature_weights`]. `None` without features.
pub fn standardise(catalogue: &Catalogue) -> Option<Vec<Vec<f32>>> {
    let dims = catalogue.feature_names.len();
    if dims == 0 {
        return None;
    }
    let rows: Vec<&[f32]> = catalogue
        .tracks
        .iter()
        .map(|t| t.features.as_slice())
        .collect();
    Some(standardise_rows(&rows, dims, &catalogue.feature_weights))
}

/// [`standardise`] over plain rows of `dims` columns (a short row's missing
/// columns count as NaN); `weights[d]` scales column `d` (missing: 1).
pub fn standardise_rows(rows: &[&[f32]], dims: usize, weights: &[f32]) -> Vec<Vec<f32>> {
    let mut stats = vec![(0.0f64, 0.0f64, 0usize); dims];
    for row in rows {
        for (d, &x) in row.iter().enumerate().take(dims) {
            if x.is_finite() {
                stats[d].0 += f64::from(x);
                stats[d].1 += f64::from(x) * f64::from(x);
                stats[d].2 += 1;
            }
        }
    }
    let moments: Vec<(f32, f32, f32)> = stats
        .iter()
        .enumerate()
        .map(|(d, &(s, ss, n))| {
            let n = n.max(1) as f64;
            let mean = s / n;
            let sd = (ss / n - mean * mean).max(1e-12).sqrt();
            (
                mean as f32,
                sd as f32,
                weights.get(d).copied().unwrap_or(1.0),
            )
        })
        .collect();
    rows.iter()
        .map(|row| {
            (0..dims)
                .map(|d| {
                    let x = row.get(d).copied().unwrap_or(f32::NAN);
                    let (mean, sd, w) = moments[d];
                    if x.is_finite() {
                        w * (x - mean) / sd
                    } else {
                        0.0
                    }
                })
                .collect()
        })
        .collect()
}

/// Column weights for blocks of feature columns, so that each block counts
/// in a distance as much as `share` plain z-scored columns whatever its
/// width: `(dims, share)` per block gives `dims` weights of √(share/dims).
pub fn block_weights(blocks: &[(usize, f32)]) -> Vec<f32> {
    blocks
        .iter()
        .flat_map(|&(dims, share)| std::iter::repeat_n((share / dims.max(1) as f32).sqrt(), dims))
        .collect()
}

/// Nearest tracks in standardised feature space to the seed's mean.
pub struct ContentKnn {
    z: Vec<Vec<f32>>,
}

impl ContentKnn {
    pub fn fit(catalogue: &Catalogue) -> Option<Self> {
        standardise(catalogue).map(|z| Self { z })
    }
}

impl Recommender for ContentKnn {
    fn scores(&self, query: &Query<'_>) -> Vec<f32> {
        let dims = self.z.first().map_or(0, Vec::len);
        let mut centre = vec![0.0f32; dims];
        let seed: Vec<&Vec<f32>> = query
            .seed
            .iter()
            .filter_map(|&s| self.z.get(s as usize))
            .collect();
        for v in &seed {
            for (c, x) in centre.iter_mut().zip(v.iter()) {
                *c += x / seed.len() as f32;
            }
        }
        self.z
            .iter()
            .map(|v| {
                -v.iter()
                    .zip(&centre)
                    .map(|(a, b)| (a - b) * (a - b))
                    .sum::<f32>()
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Track;

    fn catalogue(n: usize) -> Catalogue {
        Catalogue {
            tracks: (0..n)
                .map(|i| Track {
                    artist: format!("a{}", i % 3),
                    features: vec![i as f32],
                    ..Track::default()
                })
                .collect(),
            feature_names: vec!["x".into()],
            feature_weights: Vec::new(),
        }
    }

    fn playlist(user: &str, day: i64, tracks: &[u32]) -> Playlist {
        Playlist {
            id: format!("{user}-{day}"),
            user: Some(user.into()),
            timestamp: Some(day * 86_400),
            tracks: tracks.to_vec(),
            ..Default::default()
        }
    }

    fn top(r: &dyn Recommender, seed: &[u32], user: Option<&str>) -> u32 {
        let s = r.scores(&Query {
            user,
            timestamp: None,
            seed,
        });
        (0..s.len())
            .filter(|i| !seed.contains(&(*i as u32)))
            .max_by(|a, b| s[*a].total_cmp(&s[*b]))
            .map(|i| i as u32)
            .unwrap_or_default()
    }

    #[test]
    fn decay_prefers_what_is_played_now() {
        let cat = catalogue(4);
        // Track 1 was played a lot long ago, track 2 a little lately.
        let mut train: Vec<Playlist> = (0..5).map(|d| playlist("u", d, &[1])).collect();
        train.push(playlist("u", 60, &[2]));
        let plain = Popularity::fit(&cat, &train, None, 0.0);
        let decayed = Popularity::fit(&cat, &train, Some(7.0 * DAY_S), 0.0);
        assert_eq!(top(&plain, &[], None), 1);
        assert_eq!(top(&decayed, &[], None), 2);
    }

    #[test]
    fn users_get_their_own_favourites_and_strangers_the_global_ones() {
        let cat = catalogue(4);
        let train = vec![
            playlist("a", 1, &[1, 1, 1]),
            playlist("b", 1, &[2]),
            playlist("b", 2, &[2]),
        ];
        let r = Popularity::fit(&cat, &train, None, 1.0);
        assert_eq!(top(&r, &[], Some("b")), 2);
        assert_eq!(top(&r, &[], Some("nobody")), 1);
    }

    #[test]
    fn cooccurrence_follows_the_seed() {
        let cat = catalogue(6);
        let train = vec![
            playlist("u", 1, &[0, 3]),
            playlist("u", 2, &[0, 3]),
            playlist("u", 3, &[5, 5, 5, 1]),
        ];
        let r = CoOccurrence::fit(&cat, &train, 20);
        assert_eq!(top(&r, &[0], None), 3);
    }

    #[test]
    fn content_knn_finds_the_nearest_feature_values() {
        let cat = catalogue(10);
        let r = ContentKnn::fit(&cat).expect("features");
        assert_eq!(top(&r, &[6, 8], None), 7);
    }

    #[test]
    fn unknown_names_are_an_error() {
        assert!(matches!(
            build("magic", &catalogue(2), &[], Vec::new()),
            Err(BaselineError::Unknown(_))
        ));
    }
}
