//! The cache-or-REST decision: a pure function of one `sync_metadata` row, the asked window and the clock.
//!
//! It only looks at what the sync recorded; what happens next (the cache does not answer, an id is not in
//! the cache, REST fails too) is the [`super::Client`]'s business, which records it in [`Reason`].

use crate::model::{SyncMeta, SyncState};
use crate::timespec::{fmt_age, fmt_time};
use serde::Serialize;
use std::fmt;

/// Which path answers a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Ask the cache (the MCP server or the local database).
    Cache(Reason),
    /// Ask Intercom's REST API.
    Rest(Reason),
}

impl Decision {
    pub fn reason(&self) -> &Reason {
        match self {
            Decision::Cache(r) | Decision::Rest(r) => r,
        }
    }

    pub fn is_cache(&self) -> bool {
        matches!(self, Decision::Cache(_))
    }
}

/// Why an answer came from where it came from. `Display` gives the short phrase the CLI prints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reason {
    /// The last successful sync is within the bound and the window starts inside the coverage.
    FreshWindowInsideCoverage,
    /// The last successful sync is within the bound (a lookup by id, which has no window).
    Fresh,
    /// The cache has never finished a sync.
    NeverSynced,
    /// The last successful sync is older than the bound.
    TooOld {
        age_seconds: i64,
        max_staleness_seconds: i64,
    },
    /// The last sync run failed and the last success is older than the bound.
    LastSyncFailed {
        age_seconds: Option<i64>,
        error: Option<String>,
    },
    /// The asked window starts before the oldest data the cache is sure to hold.
    WindowBeforeCoverage {
        window_start: i64,
        coverage_start: Option<i64>,
    },
    /// The MCP server (or the database file) did not answer.
    CacheUnreachable { error: String },
    /// The cache is fresh but does not hold this object (it may be newer than the sync, or older than the
    /// coverage).
    NotInCache,
    /// REST was wanted but could not answer; this is the cache's answer, marked stale.
    RestFailedServedStale { rest_error: String, first: Box<Reason> },
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::FreshWindowInsideCoverage => f.write_str("fresh and window inside coverage"),
            Reason::Fresh => f.write_str("fresh"),
            Reason::NeverSynced => f.write_str("the cache was never synced"),
            Reason::TooOld {
                age_seconds,
                max_staleness_seconds,
            } => write!(
                f,
                "cache too old ({} > max staleness {})",
                fmt_age(*age_seconds),
                fmt_age(*max_staleness_seconds)
            ),
            Reason::LastSyncFailed { age_seconds, error } => {
                f.write_str("last sync failed")?;
                if let Some(e) = error {
                    write!(f, " ({e})")?;
                }
                match age_seconds {
                    Some(a) => write!(f, " and the last success is {} old", fmt_age(*a)),
                    None => f.write_str(" and none ever succeeded"),
                }
            }
            Reason::WindowBeforeCoverage {
                window_start,
                coverage_start,
            } => match coverage_start {
                Some(c) => write!(
                    f,
                    "window starts {} before the cache coverage ({})",
                    fmt_time(*window_start),
                    fmt_time(*c)
                ),
                None => f.write_str("the cache has no coverage window"),
            },
            Reason::CacheUnreachable { error } => write!(f, "cache unreachable ({error})"),
            Reason::NotInCache => f.write_str("not in the cache"),
            Reason::RestFailedServedStale { rest_error, first } => {
                write!(
                    f,
                    "{first}; REST failed ({rest_error}): serving the cached answer, stale"
                )
            }
        }
    }
}

/// Decide from the `sync_metadata` row (None: no row) whether the cache may answer.
///
/// - `window_start`: the start of the asked time window (Unix seconds); None for a lookup by id, which has
///   no window. A search without a start should pass `Some(0)` (all time).
/// - `now`, `max_staleness_secs`: the age bound of the last successful sync.
///
/// Cache when the last success is within the bound AND the window starts at or after `coverage_start`;
/// REST otherwise, with the reason.
///
/// ```
/// use fastintercom::client::{Decision, Reason, decide};
/// use fastintercom::store::metadata::{SyncMeta, SyncState};
///
/// let now = 1_800_000_000;
/// let meta = SyncMeta {
///     resource: "overall".into(),
///     status: SyncState::Ok,
///     last_attempt_start: Some(now - 200),
///     last_attempt_end: Some(now - 180),
///     last_success: Some(now - 180),
///     last_error: None,
///     high_water_mark: Some(now - 200),
///     coverage_start: Some(now - 90 * 86_400),
///     coverage_end: Some(now - 200),
///     row_count: 1000,
///     requests: 12,
///     rate_limited: 0,
///     duration_ms: Some(20_000),
///     last_reconcile: None,
///     last_deleted_poll: None,
///     shortfall: None,
///     deletions_refused: None,
/// };
/// // Synced 3 minutes ago, asked about the last 7 days, 60 minutes allowed: the cache answers.
/// let d = decide(Some(&meta), Some(now - 7 * 86_400), now, 3600);
/// assert_eq!(d, Decision::Cache(Reason::FreshWindowInsideCoverage));
/// // A year back reaches before the 90 days the cache covers: REST.
/// assert!(!decide(Some(&meta), Some(now - 365 * 86_400), now, 3600).is_cache());
/// // This caller wants data at most 1 minute old: REST.
/// assert!(matches!(decide(Some(&meta), None, now, 60), Decision::Rest(Reason::TooOld { .. })));
/// ```
pub fn decide(
    meta: Option<&SyncMeta>,
    window_start: Option<i64>,
    now: i64,
    max_staleness_secs: i64,
) -> Decision {
    let Some(m) = meta else {
        return Decision::Rest(Reason::NeverSynced);
    };
    let age = m.last_success.map(|t| (now - t).max(0));
    let failed = m.status == SyncState::Error;
    match age {
        None if failed => {
            return Decision::Rest(Reason::LastSyncFailed {
                age_seconds: None,
                error: m.last_error.clone(),
            });
        }
        None => return Decision::Rest(Reason::NeverSynced),
        Some(a) if a > max_staleness_secs && failed => {
            return Decision::Rest(Reason::LastSyncFailed {
                age_seconds: Some(a),
                error: m.last_error.clone(),
            });
        }
        Some(a) if a > max_staleness_secs => {
            return Decision::Rest(Reason::TooOld {
                age_seconds: a,
                max_staleness_seconds: max_staleness_secs,
            });
        }
        Some(_) => {}
    }
    let Some(start) = window_start else {
        return Decision::Cache(Reason::Fresh);
    };
    match m.coverage_start {
        Some(c) if start >= c => Decision::Cache(Reason::FreshWindowInsideCoverage),
        coverage_start => Decision::Rest(Reason::WindowBeforeCoverage {
            window_start: start,
            coverage_start,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000;
    const HOUR: i64 = 3600;

    fn meta(status: &str, last_success: Option<i64>, coverage_start: Option<i64>) -> SyncMeta {
        SyncMeta {
            resource: "overall".into(),
            status: SyncState::parse(status).unwrap(),
            last_attempt_start: last_success.map(|t| t - 10),
            last_attempt_end: last_success,
            last_success,
            last_error: (status == "error").then(|| "Intercom server error (503)".to_string()),
            high_water_mark: last_success,
            coverage_start,
            coverage_end: last_success,
            row_count: 10,
            requests: 3,
            rate_limited: 0,
            duration_ms: Some(100),
            last_reconcile: None,
            last_deleted_poll: None,
            shortfall: None,
            deletions_refused: None,
        }
    }

    fn fresh() -> SyncMeta {
        meta("ok", Some(NOW - 120), Some(NOW - 90 * 86_400))
    }

    #[test]
    fn no_row_goes_to_rest() {
        assert_eq!(
            decide(None, Some(NOW), NOW, HOUR),
            Decision::Rest(Reason::NeverSynced)
        );
        assert_eq!(decide(None, None, NOW, HOUR), Decision::Rest(Reason::NeverSynced));
    }

    #[test]
    fn never_succeeded_goes_to_rest() {
        let m = meta("never", None, None);
        assert_eq!(
            decide(Some(&m), None, NOW, HOUR),
            Decision::Rest(Reason::NeverSynced)
        );
        let m = meta("running", None, None);
        assert_eq!(
            decide(Some(&m), None, NOW, HOUR),
            Decision::Rest(Reason::NeverSynced)
        );
    }

    #[test]
    fn first_sync_failed_goes_to_rest() {
        let m = meta("error", None, None);
        let d = decide(Some(&m), None, NOW, HOUR);
        assert!(
            matches!(
                d,
                Decision::Rest(Reason::LastSyncFailed {
                    age_seconds: None,
                    ..
                })
            ),
            "{d:?}"
        );
        assert!(
            d.reason().to_string().contains("none ever succeeded"),
            "{}",
            d.reason()
        );
    }

    #[test]
    fn fresh_window_inside_coverage_uses_cache() {
        let d = decide(Some(&fresh()), Some(NOW - 7 * 86_400), NOW, HOUR);
        assert_eq!(d, Decision::Cache(Reason::FreshWindowInsideCoverage));
        assert_eq!(d.reason().to_string(), "fresh and window inside coverage");
    }

    #[test]
    fn window_starting_exactly_at_coverage_uses_cache() {
        let m = fresh();
        let d = decide(Some(&m), m.coverage_start, NOW, HOUR);
        assert_eq!(d, Decision::Cache(Reason::FreshWindowInsideCoverage));
    }

    #[test]
    fn fresh_lookup_by_id_uses_cache() {
        assert_eq!(
            decide(Some(&fresh()), None, NOW, HOUR),
            Decision::Cache(Reason::Fresh)
        );
    }

    #[test]
    fn age_exactly_at_bound_is_still_fresh() {
        let m = meta("ok", Some(NOW - HOUR), Some(0));
        assert_eq!(decide(Some(&m), None, NOW, HOUR), Decision::Cache(Reason::Fresh));
    }

    #[test]
    fn too_old_goes_to_rest() {
        let m = meta("ok", Some(NOW - HOUR - 1), Some(0));
        let d = decide(Some(&m), Some(NOW - 86_400), NOW, HOUR);
        assert_eq!(
            d,
            Decision::Rest(Reason::TooOld {
                age_seconds: HOUR + 1,
                max_staleness_seconds: HOUR
            })
        );
        assert_eq!(
            d.reason().to_string(),
            "cache too old (60 min > max staleness 60 min)"
        );
        // Lookups by id too.
        assert!(!decide(Some(&m), None, NOW, HOUR).is_cache());
    }

    #[test]
    fn per_call_bound_changes_the_answer() {
        let m = meta("ok", Some(NOW - 600), Some(0));
        assert!(decide(Some(&m), None, NOW, HOUR).is_cache());
        assert!(!decide(Some(&m), None, NOW, 60).is_cache());
        assert!(!decide(Some(&m), None, NOW, 0).is_cache());
    }

    #[test]
    fn window_before_coverage_goes_to_rest() {
        let m = fresh();
        let start = m.coverage_start.unwrap() - 1;
        let d = decide(Some(&m), Some(start), NOW, HOUR);
        assert_eq!(
            d,
            Decision::Rest(Reason::WindowBeforeCoverage {
                window_start: start,
                coverage_start: m.coverage_start
            })
        );
        assert!(
            d.reason().to_string().starts_with("window starts"),
            "{}",
            d.reason()
        );
    }

    #[test]
    fn search_without_start_reaches_before_partial_coverage() {
        assert!(!decide(Some(&fresh()), Some(0), NOW, HOUR).is_cache());
        // A full sync covers everything from time 0.
        let m = meta("ok", Some(NOW - 60), Some(0));
        assert!(decide(Some(&m), Some(0), NOW, HOUR).is_cache());
    }

    #[test]
    fn no_coverage_recorded_goes_to_rest_for_windows_only() {
        let m = meta("ok", Some(NOW - 60), None);
        let d = decide(Some(&m), Some(NOW - 60), NOW, HOUR);
        assert!(matches!(
            d,
            Decision::Rest(Reason::WindowBeforeCoverage {
                coverage_start: None,
                ..
            })
        ));
        assert_eq!(d.reason().to_string(), "the cache has no coverage window");
        assert!(decide(Some(&m), None, NOW, HOUR).is_cache());
    }

    #[test]
    fn failed_sync_past_bound_goes_to_rest_with_its_error() {
        let m = meta("error", Some(NOW - 2 * HOUR), Some(0));
        let d = decide(Some(&m), Some(NOW - 60), NOW, HOUR);
        assert!(
            matches!(&d, Decision::Rest(Reason::LastSyncFailed { age_seconds: Some(a), error: Some(_) }) if *a == 2 * HOUR),
            "{d:?}"
        );
        assert_eq!(
            d.reason().to_string(),
            "last sync failed (Intercom server error (503)) and the last success is 2 h old"
        );
    }

    #[test]
    fn failed_sync_within_bound_still_uses_cache() {
        let m = meta("error", Some(NOW - 300), Some(0));
        assert_eq!(
            decide(Some(&m), Some(NOW - 60), NOW, HOUR),
            Decision::Cache(Reason::FreshWindowInsideCoverage)
        );
    }

    #[test]
    fn running_sync_with_fresh_success_uses_cache() {
        let m = meta("running", Some(NOW - 300), Some(0));
        assert!(decide(Some(&m), None, NOW, HOUR).is_cache());
    }

    #[test]
    fn clock_behind_the_sync_counts_as_age_zero() {
        let m = meta("ok", Some(NOW + 30), Some(0));
        assert!(decide(Some(&m), None, NOW, 0).is_cache());
    }

    #[test]
    fn fallback_reasons_read_as_one_line() {
        let r = Reason::RestFailedServedStale {
            rest_error: "Intercom kept answering 429".into(),
            first: Box::new(Reason::TooOld {
                age_seconds: 7200,
                max_staleness_seconds: 3600,
            }),
        };
        assert_eq!(
            r.to_string(),
            "cache too old (2 h > max staleness 60 min); REST failed (Intercom kept answering 429): serving the cached answer, stale"
        );
        assert_eq!(
            Reason::CacheUnreachable {
                error: "connection refused".into()
            }
            .to_string(),
            "cache unreachable (connection refused)"
        );
        assert_eq!(Reason::NotInCache.to_string(), "not in the cache");
    }
}
