//! The envelope of every proxy answer: the same [`Answer`] (and [`SyncStatus`]) `serve` gives, with the
//! decision's `reason` in `freshness`. A cached answer is `serve`'s own (its freshness stamp and notes),
//! marked `stale` when it was served because REST failed; a REST answer is stamped `source: rest`, as of
//! the moment it was asked, with notes where Intercom's API cannot answer the question the way the cache
//! does.

use crate::answer::{Answer, SyncStatus};
use crate::client::Reason;
use crate::model::SyncMeta;
use crate::model::{Freshness, SyncState, iso_utc};

/// What a tool call got: `serve`'s answer from the cache, or the REST path's data.
pub enum Got<C, R> {
    Cache(C),
    Rest(R),
}

/// An answer with a freshness stamp and notes.
pub trait Stamped {
    fn stamp(&mut self) -> (&mut Freshness, &mut Vec<String>);
}

impl<T> Stamped for Answer<T> {
    fn stamp(&mut self) -> (&mut Freshness, &mut Vec<String>) {
        (&mut self.freshness, &mut self.notes)
    }
}

impl Stamped for SyncStatus {
    fn stamp(&mut self) -> (&mut Freshness, &mut Vec<String>) {
        (&mut self.freshness, &mut self.notes)
    }
}

/// Put the decision on a cached answer: its reason, and `stale` with a first note when it stands in for
/// a REST answer that failed. `live_unavailable` (no usable token) is said on every cached answer.
pub fn mark_cached<S: Stamped>(a: &mut S, reason: &Reason, stale: bool, live_unavailable: Option<&str>) {
    let (f, notes) = a.stamp();
    f.reason = Some(reason.to_string());
    if stale {
        f.stale = true;
        if let Reason::RestFailedServedStale { rest_error, .. } = reason {
            notes.insert(
                0,
                format!(
                    "a live answer from Intercom was needed but its REST API could not give one ({rest_error}): \
                     this is the cache's answer, which is older than allowed or does not cover the whole question"
                ),
            );
        }
    }
    if let Some(why) = live_unavailable {
        notes.push(format!(
            "live answers from Intercom are unavailable ({why}): every answer comes from the cache"
        ));
    }
}

/// The stamp of an answer Intercom's REST API gave at `as_of`; the cache's sync status, coverage and last
/// error are kept so the assistant still sees why the cache did not answer.
pub fn rest_freshness(meta: Option<&SyncMeta>, as_of: i64, max_staleness: i64, reason: &Reason) -> Freshness {
    Freshness {
        source: "rest".into(),
        data_as_of: Some(as_of),
        data_as_of_utc: iso_utc(as_of),
        staleness_seconds: Some(0),
        age: Some(crate::timespec::fmt_age(0)),
        stale: false,
        max_staleness_seconds: Some(max_staleness),
        sync_status: meta.map(|m| m.status).unwrap_or(SyncState::Never),
        coverage_start: meta.and_then(|m| m.coverage_start),
        last_error: meta.and_then(|m| m.last_error.clone()),
        reason: Some(reason.to_string()),
    }
}

/// The reason on the answer of a tool that has no REST twin: the decision's, and that the cache answered
/// anyway.
pub fn no_twin_reason(tool: &str, decision: &crate::client::Decision) -> String {
    match decision {
        crate::client::Decision::Cache(r) => r.to_string(),
        crate::client::Decision::Rest(r) => {
            format!("{r}; {tool} has no live twin over Intercom's REST API here: answered from the cache")
        }
    }
}

/// Over REST, text search matches the opening message only.
pub const REST_TEXT_SEARCH: &str = "answered live by Intercom's REST API, whose text search matches words in \
the opening message of each conversation only (the cache searches every reply too): conversations where the \
words appear only in later replies are missing";
/// Over REST, results come newest first, never by relevance.
pub const REST_NO_RELEVANCE: &str =
    "sorted by most recently updated: Intercom's REST search cannot rank by relevance";
/// Over REST, there is no cursor to continue with.
pub const REST_NO_PAGING: &str = "more conversations match, but paging is not available over REST: narrow \
the window or the words, or raise `limit` (at most 100)";

/// Over REST, counting reads every conversation in the window.
pub fn rest_stats(max_pages: usize) -> String {
    format!(
        "counted live by Intercom's REST API, which has no counting endpoint: every conversation in the window \
         was read, 150 per page (at most {max_pages} pages, so wider windows are refused there)"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::TagInfo;

    fn answer() -> Answer<crate::answer::TagList> {
        Answer {
            result: crate::answer::TagList {
                tags: Vec::<TagInfo>::new(),
            },
            freshness: crate::store::metadata::freshness_of(None, 100),
            notes: Vec::new(),
        }
    }

    #[test]
    fn a_cached_answer_standing_in_for_rest_says_so() {
        let mut a = answer();
        a.freshness.stale = false;
        let reason = Reason::RestFailedServedStale {
            rest_error: "no answer within 2 s".into(),
            first: Box::new(Reason::TooOld {
                age_seconds: 7200,
                max_staleness_seconds: 3600,
            }),
        };
        mark_cached(&mut a, &reason, true, Some("no Intercom token"));
        assert!(a.freshness.stale);
        assert!(
            a.freshness
                .reason
                .as_deref()
                .unwrap()
                .starts_with("cache too old")
        );
        assert!(a.notes[0].contains("no answer within 2 s"), "{:?}", a.notes);
        assert!(a.notes[1].contains("no Intercom token"), "{:?}", a.notes);
        let v = serde_json::to_value(&a).unwrap();
        assert_eq!(v["freshness"]["source"], "cache");
    }

    #[test]
    fn rest_answers_are_stamped_as_of_the_call() {
        let f = rest_freshness(None, 1_800_000_000, 3600, &Reason::NeverSynced);
        assert_eq!(
            (f.source.as_str(), f.staleness_seconds, f.stale),
            ("rest", Some(0), false)
        );
        assert_eq!(f.data_as_of_utc.as_deref(), Some("2027-01-15T08:00:00Z"));
        assert_eq!(f.reason.as_deref(), Some("the cache was never synced"));
    }
}
