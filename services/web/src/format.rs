//! How times and counts read on the pages: UTC dates from Unix seconds
//! without a date library, and ages ("12 s ago"). Pure: the current time
//! is a parameter.

/// `unix_s` as `YYYY-MM-DD HH:MM:SS UTC`.
pub fn utc_text(unix_s: u64) -> String {
    let days = (unix_s / 86_400) as i64;
    let secs = unix_s % 86_400;
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02} UTC",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (Howard
/// Hinnant's `civil_from_days`).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// How long before `now_s` the moment `then_s` was, in the largest whole
/// unit: `12 s ago`, `3 min ago`, `5 h ago`, `2 d ago`; `just now` for a
/// moment not before `now_s` (clocks of two machines differ).
pub fn age_text(now_s: u64, then_s: u64) -> String {
    let age = now_s.saturating_sub(then_s);
    match age {
        0 => "just now".to_string(),
        1..=119 => format!("{age} s ago"),
        120..=7_199 => format!("{} min ago", age / 60),
        7_200..=172_799 => format!("{} h ago", age / 3600),
        _ => format!("{} d ago", age / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unix_seconds_read_as_utc_dates() {
        assert_eq!(utc_text(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc_text(951_782_400), "2000-02-29 00:00:00 UTC");
        assert_eq!(utc_text(1_700_000_000), "2023-11-14 22:13:20 UTC");
        assert_eq!(utc_text(1_764_400_000), "2025-11-29 07:06:40 UTC");
        assert_eq!(utc_text(4_102_444_799), "2099-12-31 23:59:59 UTC");
    }

    #[test]
    fn ages_use_the_largest_whole_unit() {
        let now = 1_700_000_000;
        assert_eq!(age_text(now, now), "just now");
        assert_eq!(age_text(now, now + 5), "just now");
        assert_eq!(age_text(now, now - 12), "12 s ago");
        assert_eq!(age_text(now, now - 119), "119 s ago");
        assert_eq!(age_text(now, now - 180), "3 min ago");
        assert_eq!(age_text(now, now - 5 * 3600), "5 h ago");
        assert_eq!(age_text(now, now - 3 * 86_400), "3 d ago");
        assert_eq!(age_text(now, 0), "19675 d ago");
    }
}
