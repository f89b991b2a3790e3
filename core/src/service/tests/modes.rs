//! The listening modes on real SQLite, real audio and the real model:
//! radio, the "never suggest" list, one version of each song.

use std::collections::{HashMap, HashSet, VecDeque};

use super::*;
use crate::db::ExclusionKind;
use crate::exclusions::NewExclusion;
use crate::radio::{Start, LOW_WATER};
use crate::service::radio::RadioOptions;
use crate::testing::tag_file;

/// One track a simulated radio session reached.
struct Reached {
    track: i64,
    skipped: bool,
    /// Skips of the disliked artist before this track was appended.
    skips_when_appended: usize,
}

/// A headless radio session from `start`: every track is heard to the end
/// but the disliked artist's, skipped after 5 s; refills when fewer than
/// [`LOW_WATER`] are left, as the player does. Runs until `minutes` were
/// heard and returns what it reached; panics if the queue runs dry.
fn walk_radio(
    fx: &Fixture,
    start: Start,
    minutes: f64,
    artists: &HashMap<i64, String>,
    disliked: &str,
) -> Vec<Reached> {
    let started = fx
        .services
        .radio_start(start, RadioOptions::default())
        .expect("radio");
    let mut skips = 0;
    let mut queue: VecDeque<(i64, usize)> = started.tracks.iter().map(|t| (*t, 0)).collect();
    let mut reached = Vec::new();
    let mut heard_ms = 0u64;
    let mut at = now() * 1000;
    while (heard_ms as f64) < minutes * 60_000.0 {
        if queue.len() < LOW_WATER {
            let more = fx.services.radio_refill(queue.len()).expect("refill");
            queue.extend(more.into_iter().map(|t| (t, skips)));
        }
        let (track, skips_when_appended) = queue
            .pop_front()
            .unwrap_or_else(|| panic!("the radio ran dry after {heard_ms} ms"));
        let artist = &artists[&track];
        let skipped = artist == disliked;
        let heard = if skipped {
            5_000
        } else {
            u64::from(TRACK_S) * 1000
        };
        fx.services.radio_observe(&NewPlay {
            track_id: Some(track),
            artist: artist.clone(),
            title: String::new(),
            started_at_ms: at,
            listened_ms: heard,
            end_reason: if skipped {
                EndReason::Skipped
            } else {
                EndReason::Finished
            },
            end_position_ms: Some(heard),
            duration_ms: Some(u64::from(TRACK_S) * 1000),
            source: PlaySource::Suggestion,
            playlist_id: None,
            imported_from: None,
        });
        skips += usize::from(skipped);
        at += heard as i64;
        heard_ms += heard;
        reached.push(Reached {
            track,
            skipped,
            skips_when_appended,
        });
    }
    reached
}

#[test]
fn a_radio_drops_an_artist_skipped_twice_and_never_runs_dry_in_30_minutes() {
    let (fx, artists, by_artist) = trained_artists();
    // A radio from one of the disliked artist's own tracks: the genie
    // wants to play that artist, the listener does not.
    let disliked = "Artist 3";
    let reached = walk_radio(&fx, Start::Track(by_artist[3][0]), 30.0, &artists, disliked);
    // Tracks queued before the skips still play; once the artist was
    // skipped twice, no refill brings it back.
    let skips = reached.iter().filter(|r| r.skipped).count();
    assert!(skips >= 2, "{skips} skips");
    let after_two: Vec<&Reached> = reached
        .iter()
        .filter(|r| r.skips_when_appended >= 2)
        .collect();
    assert!(!after_two.is_empty());
    assert!(after_two.iter().all(|r| artists[&r.track] != disliked));
    // 30 minutes of 12-second tracks from a 24-track library: it replays,
    // never what was skipped, never a track twice within a few.
    assert!(reached.len() >= 150, "{}", reached.len());
    for skip in reached.iter().filter(|r| r.skipped) {
        let times = reached.iter().filter(|r| r.track == skip.track).count();
        assert_eq!(times, 1, "skipped track {} came back", skip.track);
    }
    for window in reached.windows(5) {
        let distinct: HashSet<i64> = window.iter().map(|r| r.track).collect();
        assert_eq!(distinct.len(), 5, "a track came back within 5");
    }
    let status = fx.services.radio_status().expect("status").expect("on");
    assert!(
        status.title.starts_with("Radio from “Song 3"),
        "{}",
        status.title
    );
    assert!(fx.services.radio_stop().expect("stop"));
    assert!(fx.services.radio_refill(0).expect("off").is_empty());
}

/// [`artists_fixture`] plus what the modes must handle: a live version of
/// Song 10, Song 21 again under other tags (the same audio), and two of
/// Artist 4's tracks tagged as Christmas music; indexed and trained.
/// Returns the fixture, track ids by title, and artists by track id.
fn versions_fixture() -> (Fixture, HashMap<String, i64>, HashMap<i64, String>) {
    let fx = artists_fixture();
    let music = fx.music.clone();
    // Versions are told by their tags (a name guessed from a file says
    // nothing of the song).
    let studio = music.join("Artist 1/Album 1/00 Song 10.wav");
    tag_file(&studio, "Artist 1", "Song 10", None);
    let live = music.join("Artist 1/Live/00 Song 10 (Live).wav");
    std::fs::create_dir_all(live.parent().expect("parent")).expect("mkdir");
    std::fs::copy(&studio, &live).expect("copy");
    tag_file(&live, "Artist 1", "Song 10 (Live)", None);
    let copy = music.join("Various/Mix/07 Track Seven.wav");
    std::fs::create_dir_all(copy.parent().expect("parent")).expect("mkdir");
    std::fs::copy(music.join("Artist 2/Album 2/01 Song 21.wav"), &copy).expect("copy");
    tag_file(&copy, "Various Artists", "Track Seven", None);
    for t in [2, 3] {
        let file = music.join(format!("Artist 4/Album 4/0{t} Song 4{t}.wav"));
        tag_file(
            &file,
            "Artist 4",
            &format!("Song 4{t}"),
            Some("Pop; Christmas"),
        );
    }
    fx.services.add_library_folder(&music).expect("add");
    fx.trained(1);
    fx.idle();
    let titles = fx
        .services
        .with_db(|db| db.library_rows())
        .expect("rows")
        .into_iter()
        .map(|r| (r.tags.title, r.id))
        .collect();
    let artists = fx.artists();
    (fx, titles, artists)
}

#[test]
fn no_mode_suggests_an_excluded_track_or_two_versions_of_a_song() {
    let (fx, titles, artists) = versions_fixture();
    let id = |title: &str| titles[title];
    let (studio, live, song_21, copy) = (
        id("Song 10"),
        id("Song 10 (Live)"),
        id("Song 21"),
        id("Track Seven"),
    );
    let christmas = [id("Song 42"), id("Song 43")];
    // The groups: by title and length, and by sound under other tags.
    let groups: Vec<Vec<i64>> = fx
        .services
        .version_groups()
        .expect("groups")
        .iter()
        .map(|g| g.tracks.iter().map(|t| t.track_id).collect())
        .collect();
    assert!(groups.contains(&vec![studio, live]), "{groups:?}");
    // The tagged copy is suggested before the file named after itself.
    assert!(groups.contains(&vec![copy, song_21]), "{groups:?}");
    assert_eq!(groups.len(), 2, "{groups:?}");

    for (kind, value) in [
        (ExclusionKind::Tag, "christmas".to_owned()),
        (
            ExclusionKind::Folder,
            fx.music.join("Artist 5").display().to_string(),
        ),
    ] {
        assert!(fx
            .services
            .add_exclusion(&NewExclusion { kind, value })
            .expect("exclude"));
    }
    let banned = |id: &i64| christmas.contains(id) || artists[id] == "Artist 5";
    let mix = fx.playlist("Mix", &[id("Song 11"), id("Song 22")]);
    let everything = fx.complete(mix, 40);
    let picked: Vec<i64> = everything.suggestions.iter().map(|s| s.track_id).collect();
    assert!(picked.len() >= 10, "{picked:?}");
    assert!(!picked.iter().any(banned), "{picked:?}");
    assert!(
        picked.contains(&studio) && !picked.contains(&live),
        "{picked:?}"
    );
    assert!(
        picked.contains(&copy) && !picked.contains(&song_21),
        "{picked:?}"
    );

    // A playlist that holds the live take gets no other version of it.
    let live_mix = fx.playlist("Live", &[live]);
    let picked: Vec<i64> = fx
        .complete(live_mix, 40)
        .suggestions
        .iter()
        .map(|s| s.track_id)
        .collect();
    assert!(!picked.contains(&studio), "{picked:?}");

    // The listener prefers the live take: now it is the one suggested.
    fx.services.prefer_version(live).expect("prefer");
    let picked: Vec<i64> = fx
        .complete(mix, 40)
        .suggestions
        .iter()
        .map(|s| s.track_id)
        .collect();
    assert!(
        picked.contains(&live) && !picked.contains(&studio),
        "{picked:?}"
    );
    assert!(fx.services.prefer_version(christmas[0]).is_err());

    // The radio obeys the same rules, refill after refill.
    let reached = walk_radio(&fx, Start::Artist("Artist 2".into()), 10.0, &artists, "");
    assert!(reached.iter().all(|r| !banned(&r.track)));
    let tracks: HashSet<i64> = reached.iter().map(|r| r.track).collect();
    assert!(!tracks.contains(&studio) && !tracks.contains(&song_21));

    // And so does a path across the library.
    let path = fx
        .services
        .plan_path(id("Song 00"), id("Song 41"), Vec::new(), 12, 0)
        .expect("path");
    let steps: Vec<i64> = path.steps.iter().map(|s| s.track_id).collect();
    assert!(!steps.iter().any(banned), "{steps:?}");
    assert!(
        !steps.contains(&studio) && !steps.contains(&song_21),
        "{steps:?}"
    );

    // Taking the tag off the list lets those tracks back.
    let tag = fx.services.exclusions().expect("list")[0].id;
    assert!(fx.services.remove_exclusion(tag).expect("remove"));
    let picked: Vec<i64> = fx
        .complete(mix, 40)
        .suggestions
        .iter()
        .map(|s| s.track_id)
        .collect();
    assert!(christmas.iter().any(|c| picked.contains(c)), "{picked:?}");
}

#[test]
fn a_path_goes_from_a_to_b_through_distinct_steps_closer_than_a_random_order() {
    let (fx, _, by_artist) = trained_artists();
    let (a, b) = (by_artist[0][0], by_artist[5][3]);
    let plan = fx.services.plan_path(a, b, Vec::new(), 8, 0).expect("path");
    let ids: Vec<i64> = plan.steps.iter().map(|s| s.track_id).collect();
    assert_eq!(ids.len(), 8);
    assert_eq!((ids[0], ids[7]), (a, b));
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), 8, "{ids:?}");
    assert!(plan.steps[0].stop && plan.steps[7].stop && !plan.steps[3].stop);
    assert!(plan.steps.windows(2).all(|w| w[0].along < w[1].along));
    assert!(plan.steps.iter().all(|s| !s.reasons.is_empty()));
    assert!(
        plan.steps[3].reasons[0].contains("% of the way from"),
        "{:?}",
        plan.steps[3].reasons
    );

    // Neighbours are nearer in the audio features than two of the path's
    // tracks on average (what a random order of them gives).
    let tracks = fx.services.with_db(|db| db.model_tracks()).expect("tracks");
    let rows: Vec<Vec<f32>> = tracks.iter().map(|t| t.features.to_numeric()).collect();
    let refs: Vec<&[f32]> = rows.iter().map(Vec::as_slice).collect();
    let z = playgenie_models::baselines::standardise_rows(&refs, rows[0].len(), &[]);
    let at = |id: i64| &z[tracks.iter().position(|t| t.id == id).expect("track")];
    let dist = |x: i64, y: i64| -> f32 {
        at(x)
            .iter()
            .zip(at(y))
            .map(|(p, q)| (p - q) * (p - q))
            .sum::<f32>()
            .sqrt()
    };
    let neighbours = ids.windows(2).map(|w| dist(w[0], w[1])).sum::<f32>() / 7.0;
    let mut pairs = Vec::new();
    for (i, &x) in ids.iter().enumerate() {
        for &y in &ids[i + 1..] {
            pairs.push(dist(x, y));
        }
    }
    let random = pairs.iter().sum::<f32>() / pairs.len() as f32;
    eprintln!("path neighbours {neighbours:.2} apart, a random order {random:.2}");
    assert!(neighbours < random, "{neighbours} vs {random}");

    // Waypoints are passed in order; bad requests say what is wrong.
    let via = by_artist[2][1];
    let through = fx.services.plan_path(a, b, vec![via], 9, 0).expect("via");
    assert!(through.steps.iter().any(|s| s.track_id == via && s.stop));
    let message = |r: crate::Result<crate::genie::PathPlan>| r.expect_err("refused").to_string();
    assert!(message(fx.services.plan_path(a, a, Vec::new(), 5, 0)).contains("twice"));
    assert!(message(fx.services.plan_path(a, b, Vec::new(), 1, 0)).contains("2 to 200"));
    assert!(
        message(fx.services.plan_path(a, -7, Vec::new(), 5, 0)).contains("not an analysed track")
    );
}
