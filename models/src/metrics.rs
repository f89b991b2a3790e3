//! The playlist-continuation metrics, exactly as `../shared/data/README.md`
//! defines them (RecSys Challenge 2018 definitions plus HR@10 and next-track
//! accuracy).
//!
//! For each case, G is the held-out tracks (de-duplicated) and R the ranked
//! prediction (at most 500 ids, de-duplicated, seed tracks removed; see
//! [`clean_ranking`]).

use std::collections::{BTreeMap, HashSet};

use serde::Serialize;

/// Longest ranking that counts.
pub const MAX_RANKED: usize = 500;

/// The metrics of one case (or their means over many).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Metrics {
    pub r_prec: f64,
    pub ndcg: f64,
    pub ndcg10: f64,
    pub hr10: f64,
    pub clicks: f64,
    pub next1: f64,
    /// Minutes a simulated listener spends with the ranking
    /// ([`listen_minutes`]); 0 where durations are unknown.
    pub listen_min: f64,
}

impl Metrics {
    fn add(&mut self, other: &Metrics) {
        self.r_prec += other.r_prec;
        self.ndcg += other.ndcg;
        self.ndcg10 += other.ndcg10;
        self.hr10 += other.hr10;
        self.clicks += other.clicks;
        self.next1 += other.next1;
        self.listen_min += other.listen_min;
    }

    fn scale(&mut self, by: f64) {
        self.r_prec *= by;
        self.ndcg *= by;
        self.ndcg10 *= by;
        self.hr10 *= by;
        self.clicks *= by;
        self.next1 *= by;
        self.listen_min *= by;
    }

    /// The mean of `all` (zeros for none).
    pub fn mean<'a>(all: impl IntoIterator<Item = &'a Metrics>) -> Metrics {
        let mut sum = Metrics::default();
        let mut n = 0usize;
        for m in all {
            sum.add(m);
            n += 1;
        }
        if n > 0 {
            sum.scale(1.0 / n as f64);
        }
        sum
    }
}

/// De-duplicates `ranked`, drops seed tracks, and keeps the first 500.
pub fn clean_ranking(ranked: &[u32], seed: &[u32]) -> Vec<u32> {
    let seed: HashSet<u32> = seed.iter().copied().collect();
    let mut seen = HashSet::new();
    ranked
        .iter()
        .copied()
        .filter(|t| !seed.contains(t) && seen.insert(*t))
        .take(MAX_RANKED)
        .collect()
}

/// The top [`MAX_RANKED`] tracks by score (higher first), seed tracks and
/// non-finite scores left out.
pub fn rank(scores: &[f32], seed: &[u32]) -> Vec<u32> {
    let mut order: Vec<u32> = (0..scores.len() as u32)
        .filter(|t| scores[*t as usize].is_finite())
        .collect();
    let want = (MAX_RANKED + seed.len()).min(order.len());
    let by_score = |a: &u32, b: &u32| scores[*b as usize].total_cmp(&scores[*a as usize]);
    if want > 0 && want < order.len() {
        order.select_nth_unstable_by(want - 1, by_score);
        order.truncate(want);
    }
    order.sort_by(by_score);
    clean_ranking(&order, seed)
}

/// The metrics of one case. `ranked` must already be clean
/// ([`clean_ranking`]); `artist_of` gives a track's artist id.
pub fn score_case(ranked: &[u32], heldout: &[u32], artist_of: impl Fn(u32) -> u32) -> Metrics {
    let mut g_order = Vec::new();
    let mut g: HashSet<u32> = HashSet::new();
    for t in heldout {
        if g.insert(*t) {
            g_order.push(*t);
        }
    }
    if g.is_empty() {
        return Metrics::default();
    }
    let ranked = &ranked[..ranked.len().min(MAX_RANKED)];
    let n_g = g.len();

    // R-precision with the artist bonus for non-exact hits.
    let top = &ranked[..ranked.len().min(n_g)];
    let exact = top.iter().filter(|t| g.contains(t)).count();
    let miss_artists: HashSet<u32> = top
        .iter()
        .filter(|t| !g.contains(t))
        .map(|t| artist_of(*t))
        .collect();
    let g_artists: HashSet<u32> = g.iter().map(|t| artist_of(*t)).collect();
    let artist_hits = g_artists.intersection(&miss_artists).count();
    let r_prec = ((exact as f64 + 0.25 * artist_hits as f64) / n_g as f64).min(1.0);

    let dcg = |upto: usize| -> f64 {
        ranked
            .iter()
            .take(upto)
            .enumerate()
            .filter(|(_, t)| g.contains(t))
            .map(|(i, _)| 1.0 / ((i + 2) as f64).log2())
            .sum()
    };
    let idcg = |hits: usize| -> f64 { (0..hits).map(|i| 1.0 / ((i + 2) as f64).log2()).sum() };
    let ndcg = dcg(MAX_RANKED) / idcg(n_g.min(MAX_RANKED));
    let ndcg10 = dcg(10) / idcg(n_g.min(10));
    let first_hit = ranked.iter().position(|t| g.contains(t));
    Metrics {
        r_prec,
        ndcg,
        ndcg10,
        hr10: f64::from(u8::from(first_hit.is_some_and(|i| i < 10))),
        clicks: first_hit.map_or(51.0, |i| (i / 10) as f64),
        next1: f64::from(u8::from(ranked.first() == heldout.first())),
        // Needs durations: the caller fills it in (`listen_minutes`).
        listen_min: 0.0,
    }
}

/// How many of a ranking's tracks the simulated listener walks through.
pub const LISTEN_WALK: usize = 50;
/// Skips in a row after which the simulated listener stops.
pub const LISTEN_PATIENCE: usize = 3;

/// `listen_min`, an offline engagement time: a simulated listener walks the
/// first [`LISTEN_WALK`] ranked tracks, hears a held-out track in full (its
/// duration from `duration_s`, minutes), skips any other, and stops after
/// [`LISTEN_PATIENCE`] skips in a row. The same for every model and
/// baseline, so it compares them. A held-out track of unknown duration
/// counts as heard (it resets the skips) but adds no minutes.
pub fn listen_minutes(
    ranked: &[u32],
    heldout: &[u32],
    duration_s: impl Fn(u32) -> Option<f32>,
) -> f64 {
    listen_walk(ranked, heldout)
        .iter()
        .filter(|(_, heard)| *heard)
        .map(|(t, _)| {
            duration_s(*t)
                .filter(|d| d.is_finite() && *d > 0.0)
                .map_or(0.0, |d| f64::from(d) / 60.0)
        })
        .sum()
}

/// The simulated listener's walk behind [`listen_minutes`]: each ranked
/// track it reached, and whether it was heard (held out) or skipped.
pub fn listen_walk(ranked: &[u32], heldout: &[u32]) -> Vec<(u32, bool)> {
    let wanted: HashSet<u32> = heldout.iter().copied().collect();
    let mut walk = Vec::new();
    let mut skips = 0;
    for t in ranked.iter().take(LISTEN_WALK) {
        let heard = wanted.contains(t);
        walk.push((*t, heard));
        if heard {
            skips = 0;
        } else {
            skips += 1;
            if skips >= LISTEN_PATIENCE {
                break;
            }
        }
    }
    walk
}

/// Mean metrics over all cases and per seed size.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    pub cases: usize,
    pub overall: Metrics,
    /// Seed size -> (cases, mean metrics).
    pub by_seed_size: BTreeMap<usize, (usize, Metrics)>,
}

impl Report {
    /// Aggregates `(seed size, metrics)` pairs.
    pub fn from_cases(cases: &[(usize, Metrics)]) -> Self {
        let mut groups: BTreeMap<usize, Vec<Metrics>> = BTreeMap::new();
        for (size, m) in cases {
            groups.entry(*size).or_default().push(*m);
        }
        Report {
            cases: cases.len(),
            overall: Metrics::mean(cases.iter().map(|(_, m)| m)),
            by_seed_size: groups
                .into_iter()
                .map(|(size, ms)| (size, (ms.len(), Metrics::mean(&ms))))
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_simulated_listener_hears_hits_and_leaves_after_three_skips() {
        let minutes = |t: u32| Some(60.0 * (t as f32));
        // Hits 1 and 2 (3 min), a skip, hit 4 (4 min), three skips: gone
        // before hit 9.
        let ranked = [1, 2, 50, 4, 51, 52, 53, 9];
        assert!((listen_minutes(&ranked, &[1, 2, 4, 9], minutes) - 7.0).abs() < 1e-9);
        // Two skips, then a hit: still there.
        assert!((listen_minutes(&[50, 51, 3], &[3], minutes) - 3.0).abs() < 1e-9);
        assert_eq!(listen_minutes(&[50, 51, 52, 3], &[3], minutes), 0.0);
        // Only the first 50 ranks are walked; unknown durations add nothing.
        let long: Vec<u32> = (100..200).collect();
        assert_eq!(listen_minutes(&long, &[160], minutes), 0.0);
        assert_eq!(listen_minutes(&[7], &[7], |_| None), 0.0);
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    /// Artist = id / 10 (tracks 10..19 share artist 1, and so on).
    fn artist(t: u32) -> u32 {
        t / 10
    }

    #[test]
    fn a_perfect_ranking_scores_one() {
        let m = score_case(&[5, 6, 7, 40], &[5, 6, 7], artist);
        assert!(close(m.r_prec, 1.0) && close(m.ndcg, 1.0) && close(m.ndcg10, 1.0));
        assert_eq!((m.hr10, m.clicks, m.next1), (1.0, 0.0, 1.0));
    }

    #[test]
    fn hand_computed_case() {
        // G = {3, 21, 35}; R = [50, 3, 22, 99, ...].
        // r_prec: top 3 = [50, 3, 22]: one exact hit (3); the misses 50 and
        // 22 have artists 5 and 2; G's artists are {0, 2, 3}: one match (2).
        // (1 + 0.25) / 3.
        // DCG = 1/log2(3) (hit at rank 2); IDCG = 1 + 1/log2(3) + 1/log2(4).
        let mut ranked = vec![50, 3, 22, 99];
        ranked.extend(100..130);
        ranked.push(35); // position 34 (0-based): clicks = 3
        let m = score_case(&ranked, &[3, 21, 35, 3], artist);
        assert!(close(m.r_prec, 1.25 / 3.0), "{}", m.r_prec);
        let idcg = 1.0 + 1.0 / 3f64.log2() + 0.5;
        let dcg = 1.0 / 3f64.log2() + 1.0 / 36f64.log2();
        assert!(close(m.ndcg, dcg / idcg), "{} vs {}", m.ndcg, dcg / idcg);
        assert!(close(m.ndcg10, (1.0 / 3f64.log2()) / idcg));
        assert_eq!((m.hr10, m.clicks, m.next1), (1.0, 0.0, 0.0));
    }

    #[test]
    fn no_hit_gives_51_clicks_and_zero_scores() {
        let m = score_case(&[1, 2, 3], &[90], artist);
        assert_eq!(
            m,
            Metrics {
                clicks: 51.0,
                ..Metrics::default()
            }
        );
    }

    #[test]
    fn the_artist_bonus_is_capped_at_one() {
        // One held-out track; the top-1 miss shares its artist: 0.25.
        let m = score_case(&[11], &[12], artist);
        assert!(close(m.r_prec, 0.25));
    }

    #[test]
    fn rankings_are_cleaned_of_seeds_and_duplicates_and_cut_at_500() {
        let raw: Vec<u32> = [1, 2, 2, 3].into_iter().chain(10..1000).collect();
        let clean = clean_ranking(&raw, &[2]);
        assert_eq!(&clean[..3], &[1, 3, 10]);
        assert_eq!(clean.len(), MAX_RANKED);
    }

    #[test]
    fn ranking_is_by_score_without_the_seed_or_non_finite_scores() {
        let scores = [0.1, 0.9, 0.5, f32::NAN, 0.7];
        assert_eq!(rank(&scores, &[1]), vec![4, 2, 0]);
    }

    #[test]
    fn reports_group_by_seed_size() {
        let one = Metrics {
            ndcg: 1.0,
            ..Metrics::default()
        };
        let zero = Metrics::default();
        let r = Report::from_cases(&[(1, one), (1, zero), (5, one)]);
        assert!(close(r.overall.ndcg, 2.0 / 3.0));
        assert!(close(r.by_seed_size[&1].1.ndcg, 0.5));
        assert_eq!(r.by_seed_size[&5].0, 1);
    }
}
