//! Time arguments as people write them: `7d`, `24h`, `30m`, `2w`, `2026-08-27`, RFC 3339, or Unix seconds.

use anyhow::{Result, bail};
use chrono::{NaiveDate, TimeZone, Utc};

/// Parse `s` into Unix seconds, relative forms counted back from `now`.
pub fn parse_time(s: &str, now: i64) -> Result<i64> {
    let s = s.trim();
    if s.is_empty() {
        bail!("empty time");
    }
    if let Some((num, unit)) = split_relative(s) {
        let secs = match unit {
            "s" => 1,
            "m" | "min" => 60,
            "h" => 3600,
            "d" => 86_400,
            "w" => 7 * 86_400,
            _ => bail!("unknown unit in {s:?} (use s, m, h, d or w)"),
        };
        return Ok(now - num * secs);
    }
    if let Ok(n) = s.parse::<i64>() {
        return Ok(n);
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

fn split_relative(s: &str) -> Option<(i64, &str)> {
    let idx = s.find(|c: char| !c.is_ascii_digit())?;
    if idx == 0 {
        return None;
    }
    let (n, unit) = s.split_at(idx);
    let unit = unit.strip_suffix(" ago").unwrap_or(unit).trim();
    if unit.contains('-') || unit.contains(':') {
        return None;
    }
    Some((n.parse().ok()?, unit))
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

    #[test]
    fn relative_and_absolute() {
        let now = 1_800_000_000;
        assert_eq!(parse_time("7d", now).unwrap(), now - 7 * 86_400);
        assert_eq!(parse_time("24h", now).unwrap(), now - 86_400);
        assert_eq!(parse_time("1700000000", now).unwrap(), 1_700_000_000);
        assert_eq!(parse_time("2026-08-27", now).unwrap(), 1_787_788_800);
        assert!(parse_time("yesterday-ish", now).is_err());
        assert!(parse_time("7x", now).is_err());
    }

    #[test]
    fn ages_read_naturally() {
        assert_eq!(fmt_age(30), "30 s");
        assert_eq!(fmt_age(12 * 60), "12 min");
        assert_eq!(fmt_age(3 * 3600), "3 h");
        assert_eq!(fmt_age(3 * 86_400), "3 days");
    }
}
