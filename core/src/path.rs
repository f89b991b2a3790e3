//! A path from A to B: "from this track to that one in N steps", through
//! waypoints if asked. The steps move evenly through a track space — the
//! sound (z-scored audio features, the learned ear's embedding and tags:
//! tempo, key, loudness, timbre) joined with the model's track embedding
//! when there is a model — and each is a good track for this listener
//! (the model's score for the path's stops, as a small pull).
//!
//! [`plan`] is the geometry alone, over plain vectors: each leg between two
//! stops gets intermediate slots in proportion to its length; slot i of m
//! aims at the point i/(m+1) of the way along the leg, and takes the unused
//! track that minimises `|v − target|² / scale − FIT·fit`, the scale being
//! the mean squared distance between two tracks. Aiming at points on the
//! straight line between the stops keeps neighbours close and the steps
//! even; the fit only chooses among tracks about as near.
/// Weight of the listener's fit (a z-score) against the distances (in
/// units of the mean squared distance between two tracks).
pub const FIT: f32 = 0.15;
/// The shortest and the longest path, in tracks (both ends included).
pub const MIN_STEPS: usize = 2;
pub const MAX_STEPS: usize = 200;

/// What the geometry reads.
#[derive(Debug, Clone, Copy)]
pub struct Space<'a> {
    /// One vector per track, all of one length.
    pub vectors: &'a [Vec<f32>],
    /// The listener's fit per track (a z-score), if there is a model.
    pub fit: Option<&'a [f32]>,
    /// Tracks no step may be.
    pub banned: &'a [bool],
}

/// One step of a planned path.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Step {
    pub track: u32,
    /// How far along the whole path it stands, 0 (A) to 1 (B).
    pub along: f32,
    /// A stop the listener named (the ends and the waypoints).
    pub stop: bool,
}

fn squared(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
}

/// The mean squared distance between tracks (from a fixed sample), the
/// scale every cost is measured on; 1 when it cannot be told.
fn scale(vectors: &[Vec<f32>]) -> f32 {
    let n = vectors.len();
    if n < 2 {
        return 1.0;
    }
    let pairs = 2_000.min(n * (n - 1) / 2);
    let mut total = 0.0f64;
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n as u64) as usize
    };
    let mut counted = 0;
    for _ in 0..pairs {
        let (a, b) = (next(), next());
        if a != b {
            total += f64::from(squared(&vectors[a], &vectors[b]));
            counted += 1;
        }
    }
    let mean = (total / counted.max(1) as f64) as f32;
    if mean.is_finite() && mean > 0.0 {
        mean
    } else {
        1.0
    }
}

/// Plans a path through `stops` (A, the waypoints, B) of `steps` tracks in
/// all. Stops appear once each, in order; the other steps are distinct and
/// never banned. Fewer steps come back when the library has too few
/// tracks.
pub fn plan(stops: &[u32], steps: usize, space: &Space<'_>) -> Vec<Step> {
    let n = space.vectors.len();
    if stops.is_empty() || n == 0 {
        return Vec::new();
    }
    let unit = scale(space.vectors);
    let mut used = vec![false; n];
    for &s in stops {
        if let Some(u) = used.get_mut(s as usize) {
            *u = true;
        }
    }
    let vector = |t: u32| space.vectors[t as usize].as_slice();
    // Intermediate slots per leg, in proportion to each leg's length
    // (largest remainders), so the steps are even along the whole path.
    let legs: Vec<f32> = stops
        .windows(2)
        .map(|w| squared(vector(w[0]), vector(w[1])).sqrt().max(1e-6))
        .collect();
    let total: f32 = legs.iter().sum();
    let free = steps.saturating_sub(stops.len());
    let mut slots: Vec<usize> = legs
        .iter()
        .map(|l| (l / total.max(1e-6) * free as f32).floor() as usize)
        .collect();
    let mut order: Vec<usize> = (0..legs.len()).collect();
    order.sort_by(|&a, &b| {
        let rem = |i: usize| legs[i] / total.max(1e-6) * free as f32 - slots[i] as f32;
        rem(b).total_cmp(&rem(a))
    });
    let mut missing = free.saturating_sub(slots.iter().sum());
    for i in order {
        if missing == 0 {
            break;
        }
        slots[i] += 1;
        missing -= 1;
    }
    let mut out = vec![Step {
        track: stops[0],
        along: 0.0,
        stop: true,
    }];
    let mut walked = 0.0f32;
    for (leg, w) in stops.windows(2).enumerate() {
        let (from, to) = (vector(w[0]), vector(w[1]));
        let m = slots.get(leg).copied().unwrap_or(0);
        for i in 1..=m {
            let t = i as f32 / (m + 1) as f32;
            let target: Vec<f32> = from.iter().zip(to).map(|(a, b)| a + (b - a) * t).collect();
            let best = (0..n)
                .filter(|&c| !used[c] && !space.banned.get(c).copied().unwrap_or(false))
                .map(|c| {
                    let v = space.vectors[c].as_slice();
                    let fit = space.fit.and_then(|f| f.get(c)).copied().unwrap_or(0.0);
                    let cost = squared(v, &target) / unit - FIT * fit;
                    (cost, c)
                })
                .min_by(|a, b| a.0.total_cmp(&b.0));
            let Some((_, c)) = best else {
                break;
            };
            used[c] = true;
            out.push(Step {
                track: c as u32,
                along: (walked + legs[leg] * t) / total.max(1e-6),
                stop: false,
            });
        }
        walked += legs[leg];
        out.push(Step {
            track: w[1],
            along: walked / total.max(1e-6),
            stop: true,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Tracks on a line: track i sits at i (in two dimensions, the second
    /// constant).
    fn line(n: usize) -> Vec<Vec<f32>> {
        (0..n).map(|i| vec![i as f32, 1.0]).collect()
    }

    #[test]
    fn a_path_on_a_line_walks_it_in_order() {
        let vectors = line(21);
        let banned = vec![false; 21];
        let space = Space {
            vectors: &vectors,
            fit: None,
            banned: &banned,
        };
        let steps = plan(&[0, 20], 6, &space);
        let tracks: Vec<u32> = steps.iter().map(|s| s.track).collect();
        assert_eq!(tracks, [0, 4, 8, 12, 16, 20]);
        assert!(steps.windows(2).all(|w| w[0].along < w[1].along));
        assert_eq!(steps.last().map(|s| s.along), Some(1.0));
    }

    #[test]
    fn waypoints_share_the_steps_by_leg_length_and_bans_hold() {
        let vectors = line(31);
        let mut banned = vec![false; 31];
        banned[3] = true;
        let space = Space {
            vectors: &vectors,
            fit: None,
            banned: &banned,
        };
        // 0 → 10 → 30: the second leg is twice the first.
        let steps = plan(&[0, 10, 30], 9, &space);
        let tracks: Vec<u32> = steps.iter().map(|s| s.track).collect();
        assert_eq!(tracks.len(), 9);
        assert_eq!(tracks[0], 0);
        assert_eq!(*tracks.last().expect("end"), 30);
        let at_waypoint = tracks.iter().position(|&t| t == 10).expect("waypoint");
        // Two steps on the first leg, four on the second.
        assert_eq!(at_waypoint, 3, "{tracks:?}");
        assert_eq!(tracks, [0, 4, 7, 10, 14, 18, 22, 26, 30]);
        assert!(!tracks.contains(&3));
        let distinct: std::collections::HashSet<u32> = tracks.iter().copied().collect();
        assert_eq!(distinct.len(), tracks.len());
    }

    #[test]
    fn the_listeners_fit_breaks_near_ties() {
        // Two candidates equally near the middle; the listener likes one.
        let vectors = vec![vec![0.0], vec![10.0], vec![4.9], vec![5.1]];
        let banned = vec![false; 4];
        let fit = [0.0, 0.0, -1.0, 2.0];
        let space = Space {
            vectors: &vectors,
            fit: Some(&fit),
            banned: &banned,
        };
        let tracks: Vec<u32> = plan(&[0, 1], 3, &space).iter().map(|s| s.track).collect();
        assert_eq!(tracks, [0, 3, 1]);
    }
}
