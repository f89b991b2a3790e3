//! What the listener's engagement teaches the model: how much a play
//! counts as a positive (the share of it that was heard), which plays are
//! turned-down tracks (skips in the first 30 s, the earliest most), and the
//! listening sessions and playlists they belong to.
//!
//! The rules are here, apart from the database and the network, so they
//! can be read and tested alone; `genie::LibraryData` applies them.
//!
//! And what the listener sees of it ([`report`]): minutes heard from
//! suggestions per day, the keep rate, the skip rate of suggested tracks
//! against the tracks they chose, per model version.

use std::collections::{BTreeMap, HashMap};

use playgenie_models::data::Negative;
use serde::Serialize;

use crate::db::{Db, EngagedPlay, FeedbackRow, ModelPlay};
use crate::error::Result;
use crate::history::SESSION_GAP_MS;
use crate::model_store::ModelStore;

/// A play heard this long is a listen, whatever happened next; a skip
/// before it is a track turned down.
pub const LISTENED_MS: u64 = 30_000;

/// The least a listen counts as a target (30 s of a long piece).
pub const MIN_LISTEN_WEIGHT: f32 = 0.1;

/// How much a kept suggestion counts against a track the listener added
/// themselves (1): they chose it over what else was offered.
pub const KEPT_WEIGHT: f32 = 2.0;

/// How strongly a removed suggestion is turned down (as an immediate skip).
pub const REMOVED_WEIGHT: f32 = 1.0;

/// The least a skip counts as a negative (a skip at 29 s).
pub const MIN_SKIP_WEIGHT: f32 = 0.1;

/// What one play says about its track.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Judgement {
    /// Heard: a positive with this weight in (0, 1].
    Listened(f32),
    /// Skipped early: a negative with this weight in (0, 1].
    TurnedDown(f32),
    /// Stopped early (the listener stopped the player, not the track):
    /// nothing either way.
    Neither,
}

/// Judges one play. Finished (or imported, whose end is unknown, heard 30 s
/// or more): weight 1, or the share heard when the track's length is known
/// and the play did not reach the end. Skipped before 30 s: turned down,
/// weight 1 − heard/30 s (an immediate skip is a clear no; one after 25 s
/// nearly a listen).
pub fn judge(play: &ModelPlay) -> Judgement {
    if play.finished {
        return Judgement::Listened(1.0);
    }
    if play.listened_ms >= LISTENED_MS {
        let share = play
            .duration_ms
            .map_or(1.0, |d| play.listened_ms as f32 / d as f32);
        return Judgement::Listened(share.clamp(MIN_LISTEN_WEIGHT, 1.0));
    }
    if play.skipped {
        let early = 1.0 - play.listened_ms as f32 / LISTENED_MS as f32;
        return Judgement::TurnedDown(early.clamp(MIN_SKIP_WEIGHT, 1.0));
    }
    Judgement::Neither
}

/// One listening session: what was heard, in order, with its weights, and
/// what was turned down during it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Session {
    /// Unix milliseconds of its first play.
    pub started_at_ms: i64,
    pub tracks: Vec<i64>,
    pub weights: Vec<f32>,
    pub turned_down: Vec<(i64, f32)>,
}

/// Plays (oldest first) split into sessions at gaps over 30 minutes
/// between one play's end and the next one's start. A session keeps its
/// skips, so a run of skips between two listens is one session.
pub fn sessions(plays: &[ModelPlay]) -> Vec<Session> {
    let mut out: Vec<Session> = Vec::new();
    let mut last_end = i64::MIN;
    for play in plays {
        let judgement = judge(play);
        if judgement == Judgement::Neither {
            continue;
        }
        if out.is_empty() || play.started_at_ms.saturating_sub(last_end) > SESSION_GAP_MS {
            out.push(Session {
                started_at_ms: play.started_at_ms,
                ..Session::default()
            });
        }
        last_end = play.started_at_ms.saturating_add(play.listened_ms as i64);
        let Some(session) = out.last_mut() else {
            continue;
        };
        match judgement {
            Judgement::Listened(w) => {
                session.tracks.push(play.track_id);
                session.weights.push(w);
            }
            Judgement::TurnedDown(w) => session.turned_down.push((play.track_id, w)),
            Judgement::Neither => {}
        }
    }
    out
}

/// Per playlist, the tracks turned down in its context: removed
/// suggestions, and tracks skipped early while it played (the strongest
/// weight when a track was turned down more than once).
pub fn playlist_negatives(
    removed: &[(i64, i64)],
    plays: &[ModelPlay],
) -> HashMap<i64, Vec<(i64, f32)>> {
    let mut out: HashMap<i64, HashMap<i64, f32>> = HashMap::new();
    for &(playlist, track) in removed {
        let w = out.entry(playlist).or_default().entry(track).or_default();
        *w = w.max(REMOVED_WEIGHT);
    }
    for play in plays {
        if let (Some(playlist), Judgement::TurnedDown(weight)) = (play.playlist_id, judge(play)) {
            let w = out
                .entry(playlist)
                .or_default()
                .entry(play.track_id)
                .or_default();
            *w = w.max(weight);
        }
    }
    out.into_iter()
        .map(|(playlist, tracks)| {
            let mut tracks: Vec<(i64, f32)> = tracks.into_iter().collect();
            tracks.sort_by_key(|(t, _)| *t);
            (playlist, tracks)
        })
        .collect()
}

/// Database ids with weights → the model's negatives (tracks outside the
/// catalogue dropped).
pub fn negatives(turned_down: &[(i64, f32)], index: &HashMap<i64, u32>) -> Vec<Negative> {
    turned_down
        .iter()
        .filter_map(|(id, weight)| {
            index.get(id).map(|&track| Negative {
                track,
                weight: *weight,
            })
        })
        .collect()
}

/// Listening on one day: from suggestions and from the listener's own
/// choices.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct EngagementDay {
    /// `YYYY-MM-DD`, local.
    pub day: String,
    pub suggested_ms: u64,
    pub chosen_ms: u64,
}

/// The engagement figures over some plays and answers to suggestions.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Engagement {
    /// Time heard from suggested tracks (suggestions played, or kept and
    /// played from the playlist) and from tracks the listener chose.
    pub suggested_ms: u64,
    pub chosen_ms: u64,
    pub suggested_plays: u64,
    pub chosen_plays: u64,
    /// Plays the listener skipped (moved on before the end).
    pub suggested_skips: u64,
    pub chosen_skips: u64,
    /// Suggestions kept and removed.
    pub kept: u64,
    pub removed: u64,
    /// kept / (kept + removed); `None` before any answer.
    pub keep_rate: Option<f64>,
    /// Skips per play; `None` without plays.
    pub suggested_skip_rate: Option<f64>,
    pub chosen_skip_rate: Option<f64>,
}

impl Engagement {
    fn count_play(&mut self, play: &EngagedPlay) {
        let skip = u64::from(play.skipped);
        if play.suggested {
            self.suggested_ms += play.listened_ms;
            self.suggested_plays += 1;
            self.suggested_skips += skip;
        } else {
            self.chosen_ms += play.listened_ms;
            self.chosen_plays += 1;
            self.chosen_skips += skip;
        }
    }

    fn count_feedback(&mut self, f: &FeedbackRow) {
        if f.kept {
            self.kept += 1;
        } else {
            self.removed += 1;
        }
    }

    fn with_rates(mut self) -> Self {
        let rate = |part: u64, whole: u64| (whole > 0).then(|| part as f64 / whole as f64);
        self.keep_rate = rate(self.kept, self.kept + self.removed);
        self.suggested_skip_rate = rate(self.suggested_skips, self.suggested_plays);
        self.chosen_skip_rate = rate(self.chosen_skips, self.chosen_plays);
        self
    }
}

/// The figures while one model version was the newest.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct VersionEngagement {
    /// `None`: before the first model (the cold start).
    pub version: Option<u32>,
    /// When it was saved (unix seconds).
    pub since: Option<i64>,
    pub figures: Engagement,
}

/// What the listener sees of their engagement: every figure is computed on
/// this machine from its own history and never leaves it.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct EngagementReport {
    /// The last `days` days that had plays, oldest first.
    pub days: Vec<EngagementDay>,
    /// Those days together.
    pub recent: Engagement,
    /// Everything, per model version (oldest first): plays by the version
    /// that was newest when they started, answers by the version that made
    /// the suggestion.
    pub versions: Vec<VersionEngagement>,
}

/// The most days the report looks back.
pub const MAX_DAYS: u32 = 3_650;

/// The report of this installation: its plays and answers, its model
/// versions; `days` (at most [`MAX_DAYS`]) back from now, cut at local
/// midnight given `utc_offset_s`.
pub fn load(db: &Db, store: &ModelStore, days: u32, utc_offset_s: i32) -> Result<EngagementReport> {
    let versions: Vec<(u32, i64)> = store
        .versions()?
        .iter()
        .map(|m| (m.version, m.created_at))
        .collect();
    let since_ms = (crate::db::now() - i64::from(days.min(MAX_DAYS)) * 86_400) * 1000;
    Ok(report(
        &db.engaged_plays(utc_offset_s)?,
        &db.feedback_rows()?,
        &versions,
        since_ms,
    ))
}

/// Builds the report. `versions` are (version, saved at, unix seconds);
/// plays from `since_ms` on make up `days` and `recent`.
pub fn report(
    plays: &[EngagedPlay],
    feedback: &[FeedbackRow],
    versions: &[(u32, i64)],
    since_ms: i64,
) -> EngagementReport {
    let mut versions = versions.to_vec();
    versions.sort_by_key(|(v, at)| (*at, *v));
    let mut per_version: BTreeMap<Option<u32>, Engagement> = BTreeMap::new();
    let mut days: BTreeMap<&str, EngagementDay> = BTreeMap::new();
    let mut recent = Engagement::default();
    for play in plays {
        let newest = versions
            .iter()
            .take_while(|(_, at)| at.saturating_mul(1000) <= play.started_at_ms)
            .last()
            .map(|(v, _)| *v);
        per_version.entry(newest).or_default().count_play(play);
        if play.started_at_ms >= since_ms {
            recent.count_play(play);
            let day = days.entry(&play.day).or_insert_with(|| EngagementDay {
                day: play.day.clone(),
                ..EngagementDay::default()
            });
            if play.suggested {
                day.suggested_ms += play.listened_ms;
            } else {
                day.chosen_ms += play.listened_ms;
            }
        }
    }
    for f in feedback {
        per_version
            .entry(f.model_version)
            .or_default()
            .count_feedback(f);
        if f.at.saturating_mul(1000) >= since_ms {
            recent.count_feedback(f);
        }
    }
    let saved: HashMap<u32, i64> = versions.iter().copied().collect();
    EngagementReport {
        days: days.into_values().collect(),
        recent: recent.with_rates(),
        versions: per_version
            .into_iter()
            .map(|(version, figures)| VersionEngagement {
                version,
                since: version.and_then(|v| saved.get(&v).copied()),
                figures: figures.with_rates(),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn engaged(day: &str, at_s: i64, heard_s: u64, skipped: bool, suggested: bool) -> EngagedPlay {
        EngagedPlay {
            day: day.into(),
            started_at_ms: at_s * 1000,
            listened_ms: heard_s * 1000,
            skipped,
            suggested,
        }
    }

    #[test]
    fn the_report_splits_suggested_from_chosen_per_day_and_per_model_version() {
        let plays = [
            engaged("2026-11-30", 100, 200, false, false),
            // v1 is saved at 1000 s.
            engaged("2026-12-01", 2_000, 180, false, true),
            engaged("2026-12-01", 2_200, 5, true, true),
            engaged("2026-12-01", 2_300, 60, true, false),
            // v2 at 5000 s.
            engaged("2026-12-02", 6_000, 240, false, true),
        ];
        let feedback = [
            FeedbackRow {
                at: 1_500,
                kept: true,
                model_version: Some(1),
            },
            FeedbackRow {
                at: 1_600,
                kept: false,
                model_version: Some(1),
            },
            FeedbackRow {
                at: 1_700,
                kept: true,
                model_version: Some(1),
            },
            FeedbackRow {
                at: 5_500,
                kept: true,
                model_version: Some(2),
            },
        ];
        let r = report(&plays, &feedback, &[(2, 5_000), (1, 1_000)], 1_000_000);
        assert_eq!(r.days.len(), 2, "only days from the start asked for");
        assert_eq!(r.days[0].day, "2026-12-01");
        assert_eq!(
            (r.days[0].suggested_ms, r.days[0].chosen_ms),
            (185_000, 60_000)
        );
        assert_eq!(r.days[1].suggested_ms, 240_000);
        assert_eq!(r.recent.suggested_plays, 3);
        assert_eq!(r.recent.suggested_skip_rate, Some(1.0 / 3.0));
        assert_eq!(r.recent.chosen_skip_rate, Some(1.0));
        assert_eq!(r.recent.keep_rate, Some(0.75));
        let v: Vec<Option<u32>> = r.versions.iter().map(|v| v.version).collect();
        assert_eq!(v, vec![None, Some(1), Some(2)]);
        assert_eq!(r.versions[0].figures.chosen_plays, 1);
        assert_eq!(r.versions[0].figures.keep_rate, None);
        let v1 = &r.versions[1];
        assert_eq!(v1.since, Some(1_000));
        assert_eq!(v1.figures.keep_rate, Some(2.0 / 3.0));
        assert_eq!(v1.figures.suggested_skip_rate, Some(0.5));
        assert_eq!(r.versions[2].figures.suggested_skip_rate, Some(0.0));
    }

    fn play(track_id: i64, at_s: i64, heard_s: u64, end: &str) -> ModelPlay {
        ModelPlay {
            track_id,
            started_at_ms: at_s * 1000,
            listened_ms: heard_s * 1000,
            skipped: end == "skipped",
            finished: end == "finished",
            duration_ms: Some(200_000),
            playlist_id: Some(9),
        }
    }

    #[test]
    fn a_play_counts_by_how_much_was_heard_and_early_skips_are_the_strongest_no() {
        assert_eq!(
            judge(&play(1, 0, 200, "finished")),
            Judgement::Listened(1.0)
        );
        assert_eq!(judge(&play(1, 0, 100, "skipped")), Judgement::Listened(0.5));
        assert_eq!(judge(&play(1, 0, 30, "stopped")), Judgement::Listened(0.15));
        assert_eq!(judge(&play(1, 0, 0, "skipped")), Judgement::TurnedDown(1.0));
        assert_eq!(
            judge(&play(1, 0, 15, "skipped")),
            Judgement::TurnedDown(0.5)
        );
        assert_eq!(
            judge(&play(1, 0, 29, "skipped")),
            Judgement::TurnedDown(MIN_SKIP_WEIGHT)
        );
        assert_eq!(judge(&play(1, 0, 10, "stopped")), Judgement::Neither);
        // A short track finished is a full listen.
        assert_eq!(judge(&play(1, 0, 12, "finished")), Judgement::Listened(1.0));
        // Imported plays (end unknown) heard in full.
        let imported = ModelPlay {
            duration_ms: None,
            ..play(1, 0, 240, "imported")
        };
        assert_eq!(judge(&imported), Judgement::Listened(1.0));
    }

    #[test]
    fn sessions_keep_their_skips_and_split_at_half_an_hour_of_silence() {
        let plays = [
            play(1, 0, 200, "finished"),
            play(2, 200, 3, "skipped"),
            play(3, 203, 200, "finished"),
            play(4, 403, 5, "stopped"),
            // 40 minutes later: a new session.
            play(5, 403 + 2400, 200, "finished"),
        ];
        let s = sessions(&plays);
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].tracks, vec![1, 3]);
        assert_eq!(s[0].weights, vec![1.0, 1.0]);
        assert_eq!(s[0].turned_down, vec![(2, 0.9)]);
        assert_eq!(s[1].tracks, vec![5]);
        assert_eq!(s[1].started_at_ms, (403 + 2400) * 1000);
    }

    #[test]
    fn a_playlist_remembers_its_removed_suggestions_and_its_early_skips() {
        let plays = [
            play(7, 0, 20, "skipped"),
            play(7, 10, 1, "skipped"),
            play(8, 20, 200, "finished"),
        ];
        let n = playlist_negatives(&[(9, 5), (3, 6)], &plays);
        assert_eq!(n[&9], vec![(5, REMOVED_WEIGHT), (7, 1.0 - 1.0 / 30.0)]);
        assert_eq!(n[&3], vec![(6, REMOVED_WEIGHT)]);
        let index: HashMap<i64, u32> = [(5, 0), (7, 1)].into_iter().collect();
        let neg = negatives(&n[&9], &index);
        assert_eq!(neg.len(), 2);
        assert_eq!(neg[1].track, 1);
        assert!(
            negatives(&[(42, 1.0)], &index).is_empty(),
            "not in the catalogue"
        );
    }
}
