//! What the CLI accepts: value parsers for clap. Every number a person
//! types is checked here, with a message that gives the allowed range; the
//! core checks the same limits again for the app
//! ([`playgenie_core::genie::Request::validate`]).

use playgenie_core::genie::{MAX_ARTIST_WINDOW, MAX_EPOCHS, MAX_K};

/// The longest `play --seconds`: a week.
const MAX_PLAY_SECONDS: f64 = 7.0 * 24.0 * 3600.0;

fn integer_in(text: &str, what: &str, low: usize, high: usize) -> Result<usize, String> {
    let n: usize = text
        .trim()
        .parse()
        .map_err(|_| format!("{what} must be a whole number from {low} to {high}"))?;
    if (low..=high).contains(&n) {
        Ok(n)
    } else {
        Err(format!("{what} must be from {low} to {high}, not {n}"))
    }
}

/// `-k`: tracks to add, 1..=1000.
pub fn track_count(text: &str) -> Result<usize, String> {
    integer_in(text, "k", 1, MAX_K)
}

/// `listen --patches`: 1..=1000 patches (≈ 3 s each) a track.
pub fn patches(text: &str) -> Result<usize, String> {
    integer_in(text, "patches", 1, 1000)
}

/// `--artist-window`: 0..=1000.
pub fn artist_window(text: &str) -> Result<usize, String> {
    integer_in(text, "the artist window", 0, MAX_ARTIST_WINDOW)
}

/// `--epochs`: 1..=10000.
pub fn epochs(text: &str) -> Result<usize, String> {
    integer_in(text, "epochs", 1, MAX_EPOCHS)
}

/// `--days`: 1..=3650.
pub fn days(text: &str) -> Result<u32, String> {
    let max = playgenie_core::engagement::MAX_DAYS as usize;
    integer_in(text, "days", 1, max).map(|d| d as u32)
}

/// `--utc-offset`: `+HH:MM` or `-HH:MM` (or `Z`), within ±14:00; seconds.
pub fn utc_offset(text: &str) -> Result<i32, String> {
    let t = text.trim();
    let wrong =
        || format!("the offset from UTC must look like +01:00 or -05:30 (within ±14:00), not {t}");
    if t.eq_ignore_ascii_case("z") {
        return Ok(0);
    }
    let (sign, rest) = match t.as_bytes().first() {
        Some(b'+') => (1, &t[1..]),
        Some(b'-') => (-1, &t[1..]),
        _ => return Err(wrong()),
    };
    let (h, m) = rest.split_once(':').ok_or_else(wrong)?;
    let (h, m): (i32, i32) = (
        h.parse().map_err(|_| wrong())?,
        m.parse().map_err(|_| wrong())?,
    );
    let offset = sign * (h * 3600 + m * 60);
    if h < 0 || !(0..60).contains(&m) || offset.abs() > 14 * 3600 {
        return Err(wrong());
    }
    Ok(offset)
}

/// `--adventurousness`: a number from 0 to 1 (NaN is not one).
pub fn unit_interval(text: &str) -> Result<f32, String> {
    let x: f32 = text
        .trim()
        .parse()
        .map_err(|_| "must be a number from 0 (familiar) to 1 (discovery)".to_owned())?;
    if (0.0..=1.0).contains(&x) {
        Ok(x)
    } else {
        Err(format!(
            "must be a number from 0 (familiar) to 1 (discovery), not {text}"
        ))
    }
}

/// `--seconds`: more than 0, at most a week, finite.
pub fn seconds(text: &str) -> Result<f64, String> {
    let x: f64 = text
        .trim()
        .parse()
        .map_err(|_| "must be a number of seconds".to_owned())?;
    if x > 0.0 && x <= MAX_PLAY_SECONDS {
        Ok(x)
    } else {
        Err(format!(
            "must be more than 0 and at most {MAX_PLAY_SECONDS} seconds (a week), not {text}"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_offsets_are_read_as_seconds_and_nonsense_is_refused() {
        assert_eq!(utc_offset("+01:00"), Ok(3600));
        assert_eq!(utc_offset("-05:30"), Ok(-(5 * 3600 + 30 * 60)));
        assert_eq!(utc_offset("Z"), Ok(0));
        assert_eq!(utc_offset("+14:00"), Ok(14 * 3600));
        for bad in ["+15:00", "01:00", "+1", "+01:60", "+aa:00", ""] {
            let err = utc_offset(bad).expect_err(bad);
            assert!(err.contains("+01:00"), "{err}");
        }
        assert_eq!(days("30"), Ok(30));
        assert!(days("0").is_err() && days("4000").is_err());
    }

    #[test]
    fn numbers_outside_their_range_are_refused_with_the_range() {
        assert_eq!(track_count("20"), Ok(20));
        for bad in [
            "0",
            "1001",
            "18446744073709551615",
            "99999999999999999999",
            "-1",
            "x",
        ] {
            let err = track_count(bad).unwrap_err();
            assert!(err.contains("1 to 1000"), "{bad}: {err}");
        }
        for bad in ["NaN", "inf", "-0.1", "1.5"] {
            assert!(unit_interval(bad).is_err(), "{bad}");
        }
        assert_eq!(unit_interval("0.25"), Ok(0.25));
        for bad in ["inf", "1e300", "NaN", "0", "-3"] {
            assert!(seconds(bad).is_err(), "{bad}");
        }
        assert_eq!(seconds("2.5"), Ok(2.5));
        assert!(epochs("0").is_err());
    }
}
