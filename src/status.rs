//! `fastintercom status`: how fresh the local database is, in words (or the `sync_metadata` rows as
//! JSON). Exit 0 when the last successful sync is within `--max-staleness`, 1 when it is older, never
//! happened, or the database is missing (with a one-line reason).

use crate::cli::StatusArgs;
use crate::config::Settings;
use crate::store::metadata::{self, OVERALL, SyncMeta};
use crate::timespec::{fmt_age, fmt_time};
use anyhow::Result;

pub async fn run_cli(a: StatusArgs) -> Result<u8> {
    let settings = Settings::load()?;
    let db = settings.db_path(a.db.db.as_deref());
    let max_minutes = settings.max_staleness_minutes(a.max_staleness)?;
    let rows = tokio::task::spawn_blocking(move || -> Result<Vec<SyncMeta>> {
        let conn = crate::store::open_ro(&db)?;
        metadata::read_all(&conn)
    })
    .await??;
    let now = crate::timespec::now();
    let fresh = is_fresh(&rows, now, max_minutes);
    if a.json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
    } else {
        print!("{}", render(&rows, now, max_minutes));
    }
    Ok(if fresh { 0 } else { 1 })
}

/// The last success is at most `max_minutes` old.
pub fn is_fresh(rows: &[SyncMeta], now: i64, max_minutes: u64) -> bool {
    overall(rows)
        .and_then(|o| o.last_success)
        .is_some_and(|t| now - t <= max_minutes as i64 * 60)
}

fn overall(rows: &[SyncMeta]) -> Option<&SyncMeta> {
    rows.iter().find(|r| r.resource == OVERALL)
}

/// The human report: a headline, one line per resource, the last error, and the verdict.
pub fn render(rows: &[SyncMeta], now: i64, max_minutes: u64) -> String {
    let mut out = String::new();
    let Some(o) = overall(rows) else {
        out.push_str("never synced: run `fastintercom sync --once`\n");
        return out;
    };
    match o.last_success {
        None => out.push_str(&format!("never synced successfully (status {})", o.status)),
        Some(t) => {
            let cov = match o.coverage_start {
                Some(0) | None => "covers everything".to_string(),
                Some(s) => format!("covers {}", &fmt_time(s)[..10]),
            };
            let until = if o.status == "running" || now - t <= max_minutes as i64 * 60 {
                "to now".to_string()
            } else {
                format!("to {}", fmt_time(o.coverage_end.unwrap_or(t)))
            };
            let cov = if cov == "covers everything" {
                cov
            } else {
                format!("{cov} {until}")
            };
            out.push_str(&format!(
                "synced {} ago; {} conversations; {cov}",
                fmt_age(now - t),
                thousands(o.row_count)
            ));
        }
    }
    out.push('\n');
    for r in rows.iter().filter(|r| r.resource != OVERALL) {
        let when = r
            .last_success
            .map(|t| format!("synced {} ago", fmt_age(now - t)))
            .unwrap_or_else(|| "never synced".into());
        out.push_str(&format!(
            "  {:<14} {:<8} {:<20} {:>10} rows  {} requests, {} rate-limited",
            r.resource,
            r.status,
            when,
            thousands(r.row_count),
            r.requests,
            r.rate_limited
        ));
        if let Some(h) = r.high_water_mark.filter(|h| *h > 0) {
            out.push_str(&format!("  (up to {})", fmt_time(h)));
        }
        out.push('\n');
    }
    if let Some(e) = &o.last_error {
        out.push_str(&format!("last error: {e}\n"));
    }
    if o.status == "running" {
        out.push_str("a sync is running now\n");
    }
    if !is_fresh(rows, now, max_minutes) {
        out.push_str(&format!(
            "STALE: no successful sync in the last {max_minutes} min\n"
        ));
    }
    out
}

/// 48210 → "48,210".
fn thousands(n: i64) -> String {
    let s = n.abs().to_string();
    let mut out = String::new();
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    if n < 0 { format!("-{out}") } else { out }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(resource: &str, last_success: Option<i64>) -> SyncMeta {
        SyncMeta {
            resource: resource.into(),
            status: "ok".into(),
            last_attempt_start: None,
            last_attempt_end: None,
            last_success,
            last_error: None,
            high_water_mark: None,
            coverage_start: Some(1_787_788_800),
            coverage_end: last_success,
            row_count: 48_210,
            requests: 3,
            rate_limited: 0,
            duration_ms: Some(5),
            last_reconcile: None,
            last_deleted_poll: None,
        }
    }

    #[test]
    fn headline_reads_naturally() {
        let now = 1_800_000_000;
        let rows = vec![
            row(OVERALL, Some(now - 12 * 60)),
            row("conversations", Some(now - 12 * 60)),
        ];
        let text = render(&rows, now, 60);
        assert!(
            text.starts_with("synced 12 min ago; 48,210 conversations; covers 2026-08-27 to now\n"),
            "{text}"
        );
        assert!(is_fresh(&rows, now, 60));
        assert!(!is_fresh(&rows, now, 10));
        assert!(render(&rows, now, 10).contains("STALE"));
        assert!(!is_fresh(&[], now, 60));
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(12), "12");
    }
}
