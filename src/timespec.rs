//! Time arguments as people write them: `7d`, `24h`, `30m`, `2w` (units in either case, `7 days ago`),
//! `2026-08-27`, RFC 3339, or Unix seconds. Arithmetic is checked: a duration too large to count back from
//! now is an error with a reason, never a wrapped number.

use anyhow::{Result, bail};
use chrono::{NaiveDate, TimeZone, Utc};

/// Parse `s` into Unix seconds, relative forms counted back from `now`.
pub fn parse_time(s: &str, now: i64) -> Result<i64> {
    let s = s.trim();
    if s.is_empty() {
        bail!("empty time");
    }
    if let Some(rest) = s.strip_prefix('-') {
        bail!(
            "{s:?} is negative: relative times already count back from now, so write {:?} (YYYY-MM-DD \
             and Unix seconds are accepted too)",
            rest.trim()
        );
    }
    if let Some((num, unit)) = split_relative(s) {
        let secs: i64 = match unit.to_ascii_lowercase().as_str() {
            _ if unit == "M" => {
                bail!("{s:?} is ambiguous: write m (or min) for minutes, or 30d for about a month")
            }
            "s" | "sec" | "secs" | "second" | "seconds" => 1,
            "m" | "min" | "mins" | "minute" | "minutes" => 60,
            "h" | "hr" | "hrs" | "hour" | "hours" => 3600,
            "d" | "day" | "days" => 86_400,
            "w" | "week" | "weeks" => 7 * 86_400,
            _ => bail!("unknown unit in {s:?} (use s, m, h, d or w, e.g. 7d)"),
        };
        let Some(t) = num
            .parse::<i64>()
            .ok()
            .and_then(|n| n.checked_mul(secs))
            .and_then(|back| now.checked_sub(back))
            .filter(|t| in_range(*t))
        else {
            bail!("{s:?} reaches too far back (before year 0): use a smaller number or a date");
        };
        return Ok(t);
    }
    if s.bytes().all(|b| b.is_ascii_digit()) {
        return match s.parse::<i64>() {
            Ok(n) if in_range(n) => Ok(n),
            _ => bail!("{s:?} is too large for Unix seconds (after year 9999): use a date"),
        };
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Ok(Utc
            .from_utc_datetime(&d.and_hms_opt(0, 0, 0).unwrap())
            .timestamp());
    }
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        return Ok(t.timestamp());
    }
    bail!("cannot read time {s:?}: use 7d, 24h, YYYY-MM-DD, RFC 3339 or Unix seconds")
}

/// Between year 0 and 9999 (so every value formats and compares sanely).
fn in_range(t: i64) -> bool {
    const YEAR_0: i64 = -62_167_219_200;
    const YEAR_10000: i64 = 253_402_300_800;
    (YEAR_0..YEAR_10000).contains(&t)
}

/// `7d`, `7 d`, `7d ago`, `7 days ago` → ("7", "d"); None for dates and plain numbers.
fn split_relative(s: &str) -> Option<(&str, &str)> {
    let idx = s.find(|c: char| !c.is_ascii_digit())?;
    if idx == 0 {
        return None;
    }
    let (n, unit) = s.split_at(idx);
    let unit = unit.trim();
    let unit = unit.strip_suffix(" ago").unwrap_or(unit).trim();
    if unit.is_empty() || !unit.chars().all(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    Some((n, unit))
}

/// Format Unix seconds as `YYYY-MM-DD HH:MM UTC`.
pub fn fmt_time(ts: i64) -> String {
    Utc.timestamp_opt(ts, 0)
        .single()
        .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_else(|| ts.to_string())
}

/// Format a duration in seconds as people say it: "42 s", "12 min", "3 h", "2 days".
pub fn fmt_age(secs: i64) -> String {
    let s = secs.max(0);
    match s {
        0..=89 => format!("{s} s"),
        90..=5399 => format!("{} min", (s + 30) / 60),
        5400..=172_799 => format!("{} h", (s + 1800) / 3600),
        _ => format!("{} days", (s + 43_200) / 86_400),
    }
}

pub fn now() -> i64 {
    Utc::now().timestamp()
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000;

    #[test]
    fn relative_and_absolute() {
        assert_eq!(parse_time("7d", NOW).unwrap(), NOW - 7 * 86_400);
        assert_eq!(parse_time("24h", NOW).unwrap(), NOW - 86_400);
        assert_eq!(parse_time("1700000000", NOW).unwrap(), 1_700_000_000);
        assert_eq!(parse_time("2026-08-27", NOW).unwrap(), 1_787_788_800);
        assert_eq!(parse_time("2026-08-27T00:00:00Z", NOW).unwrap(), 1_787_788_800);
        assert_eq!(parse_time("3 days ago", NOW).unwrap(), NOW - 3 * 86_400);
        assert!(parse_time("yesterday-ish", NOW).is_err());
        assert!(parse_time("7x", NOW).is_err());
    }

    #[test]
    fn units_in_upper_case() {
        assert_eq!(parse_time("7D", NOW).unwrap(), NOW - 7 * 86_400);
        assert_eq!(parse_time("24H", NOW).unwrap(), NOW - 86_400);
        assert_eq!(parse_time("2W", NOW).unwrap(), NOW - 14 * 86_400);
        assert_eq!(parse_time("30Min", NOW).unwrap(), NOW - 1800);
        let e = parse_time("3M", NOW).unwrap_err().to_string();
        assert!(e.contains("ambiguous"), "{e}");
    }

    #[test]
    fn overflow_is_an_error_with_a_reason() {
        for s in [
            "99999999999999999d",
            "9223372036854775807s",
            "99999999999999999999d",
        ] {
            let e = parse_time(s, NOW).unwrap_err().to_string();
            assert!(e.contains("too far back"), "{s}: {e}");
        }
        let e = parse_time("99999999999999999999", NOW).unwrap_err().to_string();
        assert!(e.contains("too large"), "{e}");
    }

    #[test]
    fn negative_times_say_what_to_write() {
        let e = parse_time("-5d", NOW).unwrap_err().to_string();
        assert!(e.contains("write \"5d\""), "{e}");
        assert!(parse_time("-1700000000", NOW).is_err());
    }

    #[test]
    fn ages_read_naturally() {
        assert_eq!(fmt_age(30), "30 s");
        assert_eq!(fmt_age(12 * 60), "12 min");
        assert_eq!(fmt_age(3 * 3600), "3 h");
        assert_eq!(fmt_age(3 * 86_400), "3 days");
    }
}
