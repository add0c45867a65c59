//! `fastintercom status`: how fresh the local database is, in words (or the `sync_metadata` rows as
//! JSON). Exit 0 when the last successful sync is within `--max-staleness`, 1 when it is older, never
//! happened, the database is missing, or the last sync failed because of the database itself (disk full,
//! damaged file), which will not heal by itself.
//!
//! The rows are read together with the sync's lock file ([`crate::sync::lock::probe`]): a `running` row
//! whose lock nobody holds is reported as `interrupted`, and a failure the sync could not write into the
//! database (the lock file's record has it) is reported as the last error.

use crate::config::Settings;
use crate::store::metadata::{self, OVERALL, SyncMeta, SyncState};
use crate::sync::lock::{self, Outcome, Probe};
use crate::timespec::{fmt_age, fmt_time};
use anyhow::Result;
use std::path::PathBuf;

/// What `fastintercom status` was asked for.
#[derive(Debug, Clone, Default)]
pub struct StatusOptions {
    /// Print the `sync_metadata` rows as JSON instead of words.
    pub json: bool,
    /// Minutes after which the last successful sync counts as stale; `None`: from the settings.
    pub max_staleness: Option<u64>,
    /// Database path; `None`: from the settings.
    pub db: Option<PathBuf>,
}

/// `fastintercom status`: print the freshness; exit 0 when fresh, 1 otherwise.
pub async fn run_cli(a: StatusOptions) -> Result<u8> {
    let settings = Settings::load()?;
    let db = settings.db_path(a.db.as_deref());
    let max_minutes = settings.max_staleness_minutes(a.max_staleness)?;
    let (rows, probe) = tokio::task::spawn_blocking(move || -> Result<(Vec<SyncMeta>, Option<Probe>)> {
        let probe = lock::probe(&db);
        let conn = crate::store::open_ro(&db)?;
        let mut rows = metadata::read_all(&conn)?;
        apply_probe(&mut rows, probe.as_ref());
        Ok((rows, probe))
    })
    .await??;
    let now = crate::timespec::now();
    let healthy = is_fresh(&rows, now, max_minutes) && database_failure(probe.as_ref()).is_none();
    if a.json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
    } else {
        print!("{}", render(&rows, now, max_minutes));
        if let Some(e) = database_failure(probe.as_ref()) {
            println!("DATABASE PROBLEM: the last sync could not use the database: {e}");
        }
    }
    Ok(if healthy { 0 } else { 1 })
}

/// The last attempt's error when it failed because of the database itself.
fn database_failure(probe: Option<&Probe>) -> Option<String> {
    let last = probe?.last.as_ref()?;
    (last.outcome == Outcome::DatabaseError).then(|| last.error.clone().unwrap_or_default())
}

/// Correct the rows with what the lock file knows: `running` without a lock holder is `interrupted`, and a
/// failed attempt newer than what the database recorded becomes the overall row's last error.
pub fn apply_probe(rows: &mut [SyncMeta], probe: Option<&Probe>) {
    let held = probe.is_some_and(|p| p.held);
    if !held {
        for r in rows.iter_mut().filter(|r| r.status == SyncState::Running) {
            r.status = SyncState::Interrupted;
        }
    }
    let Some(last) = probe.and_then(|p| p.last.as_ref()) else {
        return;
    };
    if !matches!(last.outcome, Outcome::Error | Outcome::DatabaseError) {
        return;
    }
    if let Some(o) = rows.iter_mut().find(|r| r.resource == OVERALL)
        && last.started >= o.last_attempt_start.unwrap_or(0)
        && o.last_attempt_end
            .is_none_or(|t| last.ended.is_some_and(|e| e >= t))
    {
        o.status = SyncState::Error;
        o.last_attempt_start = Some(last.started);
        o.last_attempt_end = last.ended;
        o.last_error = last.error.clone();
    }
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
            let until = if now - t <= max_minutes as i64 * 60 {
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
            "  {:<14} {:<11} {:<20} {:>10} rows  {}, {} rate-limited",
            r.resource,
            r.status,
            when,
            thousands(r.row_count),
            plural(r.requests, "request"),
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
    for r in rows.iter().filter(|r| r.resource != OVERALL) {
        if let Some(n) = r.shortfall.filter(|n| *n > 0) {
            out.push_str(&format!(
                "INCOMPLETE: Intercom reports {} {} the cache lacks; the next runs re-read the window\n",
                thousands(n),
                r.resource
            ));
        }
        if let Some(why) = &r.deletions_refused {
            out.push_str(&format!("DELETIONS REFUSED ({}): {why}\n", r.resource));
        }
    }
    match o.status {
        SyncState::Running => out.push_str("a sync is running now\n"),
        SyncState::Interrupted => out.push_str(&format!(
            "the last sync{} stopped without finishing (killed or crashed); the next run resumes from its checkpoint\n",
            o.last_attempt_start
                .map(|t| format!(" (started {} ago)", fmt_age(now - t)))
                .unwrap_or_default()
        )),
        _ => {}
    }
    if !is_fresh(rows, now, max_minutes) {
        out.push_str(&format!(
            "STALE: no successful sync in the last {max_minutes} min\n"
        ));
    }
    out
}

/// "1 request", "2 requests".
fn plural(n: i64, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{} {word}s", thousands(n))
    }
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

    use crate::sync::lock::Attempt;

    fn row(resource: &str, last_success: Option<i64>) -> SyncMeta {
        SyncMeta {
            resource: resource.into(),
            status: SyncState::Ok,
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
            shortfall: None,
            deletions_refused: None,
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
        assert_eq!(plural(1, "request"), "1 request");
        assert_eq!(plural(1200, "request"), "1,200 requests");
    }

    #[test]
    fn shortfall_and_refused_deletions_are_shown() {
        let now = 1_800_000_000;
        let mut rows = vec![row(OVERALL, Some(now - 60)), row("conversations", Some(now - 60))];
        rows[1].status = SyncState::Incomplete;
        rows[1].shortfall = Some(3);
        rows[1].deletions_refused = Some("would delete 40% of conversations (limit 10%)".into());
        let text = render(&rows, now, 60);
        assert!(
            text.contains("INCOMPLETE: Intercom reports 3 conversations"),
            "{text}"
        );
        assert!(
            text.contains("DELETIONS REFUSED (conversations): would delete 40%"),
            "{text}"
        );
    }

    fn attempt(outcome: Outcome, started: i64, ended: Option<i64>) -> Attempt {
        Attempt {
            pid: 7,
            started,
            ended,
            outcome,
            error: Some("database or disk is full".into()),
            checked: None,
        }
    }

    #[test]
    fn a_killed_sync_reads_as_interrupted_not_running_and_not_to_now() {
        let now = 1_800_000_000;
        let mut rows = vec![
            row(OVERALL, Some(now - 3 * 3600)),
            row("conversations", Some(now - 3 * 3600)),
        ];
        for r in &mut rows {
            r.status = SyncState::Running;
            r.last_attempt_start = Some(now - 2 * 3600);
        }
        // The lock is held: it really is running.
        let mut held = rows.clone();
        let p = Probe {
            held: true,
            last: Some(attempt(Outcome::Running, now - 2 * 3600, None)),
        };
        apply_probe(&mut held, Some(&p));
        assert!(render(&held, now, 60).contains("a sync is running now"));
        // Nobody holds it: the run was killed.
        let p = Probe {
            held: false,
            last: Some(attempt(Outcome::Running, now - 2 * 3600, None)),
        };
        apply_probe(&mut rows, Some(&p));
        assert_eq!(rows[0].status, SyncState::Interrupted);
        let text = render(&rows, now, 60);
        assert!(text.contains("stopped without finishing"), "{text}");
        assert!(!text.contains("running now"), "{text}");
        assert!(
            !text.contains("to now"),
            "stale data does not cover 'to now': {text}"
        );
        assert!(text.contains("STALE"), "{text}");
    }

    #[test]
    fn a_failure_the_database_could_not_record_is_reported() {
        let now = 1_800_000_000;
        let mut rows = vec![row(OVERALL, Some(now - 600))];
        rows[0].last_attempt_end = Some(now - 600);
        let p = Probe {
            held: false,
            last: Some(attempt(Outcome::DatabaseError, now - 60, Some(now - 59))),
        };
        apply_probe(&mut rows, Some(&p));
        assert_eq!(rows[0].status, SyncState::Error);
        assert_eq!(rows[0].last_error.as_deref(), Some("database or disk is full"));
        assert!(render(&rows, now, 60).contains("last error: database or disk is full"));
        assert!(database_failure(Some(&p)).is_some());
        // An older failure than what the database recorded changes nothing.
        let mut rows = vec![row(OVERALL, Some(now - 10))];
        rows[0].last_attempt_end = Some(now - 10);
        apply_probe(&mut rows, Some(&p));
        assert_eq!(rows[0].status, SyncState::Ok);
    }
}
