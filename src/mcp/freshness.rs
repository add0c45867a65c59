//! The freshness stamp and notes on every MCP answer. The answer always comes from the cache (this server
//! never calls Intercom); the stamp says how old it is and the notes say, in words an assistant can pass
//! on, when it should not be trusted as current or complete: never synced, older than allowed, the last
//! sync failed or was interrupted (a `running` row whose sync no longer holds the lock), objects missing
//! (`incomplete`, shortfall), deletions refused, or a time window that starts before the cache's coverage.

use crate::model::{Freshness, SyncState, iso_utc};
use crate::store::metadata::{self, OVERALL, SyncMeta};
use crate::timespec::fmt_age;
use anyhow::Result;
use rusqlite::Connection;
use std::path::Path;

/// Default staleness allowed, in minutes, when neither the call nor the environment says.
pub const DEFAULT_MAX_STALENESS_MINUTES: u64 = 60;

/// What the call asked that the stamp depends on.
#[derive(Debug, Clone, Copy, Default)]
pub struct Ask {
    /// The call's `max_staleness` in seconds; None for the server's default.
    pub max_staleness: Option<i64>,
    /// Start of the asked time window (Unix seconds), when the tool takes one; `Some(i64::MIN)` for an
    /// all-time count.
    pub window_start: Option<i64>,
}

/// The stamp for an answer produced at `now` from `conn`, and the notes that go with it.
pub fn stamp(
    conn: &Connection,
    db_path: &Path,
    now: i64,
    default_max_staleness: i64,
    ask: Ask,
) -> Result<(Freshness, Vec<String>)> {
    stamp_resource(conn, db_path, now, default_max_staleness, ask, None)
}

/// The stamp for an answer about one synced resource (`tickets`, ...): its own `sync_metadata` row gives
/// `data_as_of`, the status, the coverage and the notes (None: the `overall` row, as [`stamp`]).
pub fn stamp_resource(
    conn: &Connection,
    db_path: &Path,
    now: i64,
    default_max_staleness: i64,
    ask: Ask,
    resource: Option<&str>,
) -> Result<(Freshness, Vec<String>)> {
    let mut rows = metadata::read_all(conn)?;
    let probe = crate::sync::lock::probe(db_path);
    crate::status::apply_probe(&mut rows, probe.as_ref());
    let row = rows.iter().find(|r| r.resource == resource.unwrap_or(OVERALL));
    let mut f = metadata::freshness_of(row, now);
    if f.coverage_start.is_none() && resource.is_none() {
        f.coverage_start = rows
            .iter()
            .find(|r| r.resource == "conversations")
            .and_then(|r| r.coverage_start);
    }
    let max = ask.max_staleness.unwrap_or(default_max_staleness);
    f.max_staleness_seconds = Some(max);
    f.stale = f.staleness_seconds.is_none_or(|s| s > max);
    let notes = match resource {
        None => notes(&f, &rows, ask.window_start),
        Some(r) => {
            let own: Vec<SyncMeta> = rows.into_iter().filter(|m| m.resource == r).collect();
            notes_for(&f, &own, ask.window_start, r)
        }
    };
    Ok((f, notes))
}

fn when(ts: Option<i64>) -> String {
    ts.and_then(iso_utc).unwrap_or_else(|| "never".into())
}

/// The sentences for a stamp (empty when the data is current and complete for the asked window).
pub fn notes(f: &Freshness, rows: &[SyncMeta], window_start: Option<i64>) -> Vec<String> {
    notes_for(f, rows, window_start, "conversations")
}

/// [`notes`] for an answer about `what` (`conversations`, `tickets`...), whose coverage the stamp holds.
pub fn notes_for(f: &Freshness, rows: &[SyncMeta], window_start: Option<i64>, what: &str) -> Vec<String> {
    let mut out = Vec::new();
    let as_of = when(f.data_as_of);
    match f.sync_status {
        SyncState::Never if f.data_as_of.is_none() && what == "conversations" => out.push(
            "the cache has never been synced: this answer is empty or partial; run `fastintercom sync`"
                .to_string(),
        ),
        SyncState::Never if f.data_as_of.is_none() => out.push(format!(
            "the cache has never synced {what}: this answer is empty or partial; run `fastintercom sync`"
        )),
        SyncState::Error => out.push(format!(
            "the last sync failed ({}); the data is as of {as_of}",
            f.last_error.as_deref().unwrap_or("no reason recorded")
        )),
        SyncState::Interrupted => out.push(format!(
            "the last sync was interrupted (killed or crashed) before it finished; the next run resumes \
             it; the data is as of {as_of}"
        )),
        _ => {}
    }
    if f.stale
        && let (Some(age), Some(max)) = (f.staleness_seconds, f.max_staleness_seconds)
    {
        out.push(format!(
            "the data is {} old (as of {as_of}), older than the {} allowed: changes made in Intercom since \
             then are missing (`fastintercom status` shows why the sync is behind)",
            fmt_age(age),
            fmt_age(max)
        ));
    }
    for r in rows {
        if let Some(n) = r.shortfall.filter(|n| *n > 0) {
            out.push(format!(
                "the last sync found {n} {} in Intercom that the cache lacks; the next runs re-read them, \
                 so this answer may miss some",
                r.resource
            ));
        }
        if let Some(why) = &r.deletions_refused {
            out.push(format!(
                "the last sync did not delete {} that Intercom stopped listing ({why}): some shown here may \
                 be deleted in Intercom",
                r.resource
            ));
        }
    }
    if let (Some(start), Some(cov)) = (window_start, f.coverage_start)
        && start < cov
    {
        let asked = if start == i64::MIN {
            "all time is asked".to_string()
        } else {
            format!("the asked window starts {}", when(Some(start)))
        };
        out.push(format!(
            "{asked}, but the cache covers only {what} updated since {}: anything older is missing, \
             so results and counts for the earlier part are incomplete",
            when(Some(cov))
        ));
    }
    out
}

/// A `max_staleness` argument in seconds: minutes as a bare number, or `30m`, `2h`, `1d`, `1w`.
pub fn parse_max_staleness(v: Option<String>, now: i64) -> Result<Option<i64>, String> {
    let Some(s) = v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    let bad = |e: String| {
        format!("bad `max_staleness` {s:?}: {e}; give minutes (e.g. 30) or a duration like 30m, 2h, 1d")
    };
    if s.bytes().all(|b| b.is_ascii_digit()) {
        let mins: i64 = s.parse().map_err(|_| bad("too large".into()))?;
        return mins
            .checked_mul(60)
            .map(Some)
            .ok_or_else(|| bad("too large".into()));
    }
    if !s.ends_with(|c: char| c.is_ascii_alphabetic()) {
        return Err(bad("not a duration".into()));
    }
    let t = crate::timespec::parse_time(&s, now).map_err(|e| bad(e.to_string()))?;
    Ok(Some(now - t))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(status: SyncState, last_success: Option<i64>) -> SyncMeta {
        SyncMeta {
            resource: OVERALL.into(),
            status,
            last_attempt_start: None,
            last_attempt_end: None,
            last_success,
            last_error: Some("HTTP 401 from Intercom".into()),
            high_water_mark: None,
            coverage_start: Some(1_000_000),
            coverage_end: None,
            row_count: 0,
            requests: 0,
            rate_limited: 0,
            duration_ms: None,
            last_reconcile: None,
            last_deleted_poll: None,
            shortfall: None,
            deletions_refused: None,
        }
    }

    fn stamp_of(rows: &[SyncMeta], now: i64, max: i64, start: Option<i64>) -> (Freshness, Vec<String>) {
        let mut f = metadata::freshness_of(rows.first(), now);
        f.max_staleness_seconds = Some(max);
        f.stale = f.staleness_seconds.is_none_or(|s| s > max);
        let n = notes(&f, rows, start);
        (f, n)
    }

    #[test]
    fn current_complete_data_has_no_notes() {
        let rows = [meta(SyncState::Ok, Some(2_000_000))];
        let (f, n) = stamp_of(&rows, 2_000_060, 3600, Some(1_500_000));
        assert!(!f.stale && n.is_empty(), "{n:?}");
        assert_eq!(f.data_as_of_utc.as_deref(), Some("1970-01-24T03:33:20Z"));
        assert_eq!((f.source.as_str(), f.age.as_deref()), ("cache", Some("60 s")));
    }

    #[test]
    fn failed_stale_incomplete_and_early_windows_are_said() {
        let mut rows = vec![meta(SyncState::Error, Some(2_000_000))];
        let mut conv = meta(SyncState::Incomplete, Some(2_000_000));
        conv.resource = "conversations".into();
        conv.shortfall = Some(7);
        conv.deletions_refused = Some("120 of 300 at once".into());
        rows.push(conv);
        let (f, n) = stamp_of(&rows, 2_000_000 + 3 * 86_400, 3600, Some(500_000));
        assert!(f.stale);
        let all = n.join("\n");
        for want in [
            "the last sync failed (HTTP 401 from Intercom)",
            "the data is 3 days old",
            "older than the 60 min allowed",
            "found 7 conversations in Intercom that the cache lacks",
            "did not delete conversations",
            "the asked window starts 1970-01-06",
            "covers only conversations updated since 1970-01-12",
        ] {
            assert!(all.contains(want), "{want:?} not in {all}");
        }
        let (_, n) = stamp_of(&rows[..1], 2_000_000, 3600, Some(i64::MIN));
        assert!(n.iter().any(|s| s.starts_with("all time is asked")), "{n:?}");
        let (f, n) = stamp_of(&[], 2_000_000, 3600, None);
        assert!(f.stale && n[0].contains("never been synced"), "{n:?}");
        let (_, n) = stamp_of(&[meta(SyncState::Interrupted, Some(1))], 2, 3600, None);
        assert!(n[0].contains("interrupted"), "{n:?}");
    }

    #[test]
    fn max_staleness_reads_minutes_and_durations() {
        let now = 1_800_000_000;
        let p = |s: &str| parse_max_staleness(Some(s.into()), now);
        assert_eq!(p("30"), Ok(Some(1800)));
        assert_eq!(p("2h"), Ok(Some(7200)));
        assert_eq!(p("1d"), Ok(Some(86_400)));
        assert_eq!(parse_max_staleness(None, now), Ok(None));
        assert!(p("2026-01-01").unwrap_err().contains("bad `max_staleness`"));
        assert!(p("soon").is_err());
    }
}
