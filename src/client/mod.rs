//! The client library: answer a question from the cache (the MCP server, or the SQLite file when it is on
//! this host) when the cache is fresh enough and covers the question, else from Intercom's REST API. Every
//! answer says where it came from ([`Source`]), how old its data is, and why ([`Reason`]).
//!
//! | file          | owns                                                                      |
//! |---------------|---------------------------------------------------------------------------|
//! | `mod.rs`      | [`Client`], [`Answer`], the per-request flow                              |
//! | `decision.rs` | [`decide`]: the pure cache-or-REST decision from one `sync_metadata` row   |
//! | `cache.rs`    | the cache path: `serve`'s tools over Streamable HTTP, stdio, or in-process |
//! | `rest/`       | the REST path: Intercom's answers → records → [`crate::project`] (`query`: search DSL, `stats`: grouping) |
//! | `request.rs`  | [`ClientConfig`], [`CacheSource`], [`CallOptions`], [`SearchRequest`], [`StatsRequest`] |
//! | `tickets.rs`  | [`TicketSearchRequest`], [`TicketStatsRequest`]; `search_tickets`, `get_ticket`, `ticket_stats` |
//! | `cli.rs`      | `fastintercom search`, `conversation`, `contact`                           |
//!
//! The flow of one request:
//! 1. Read the `sync_metadata` row the request is about (MCP `get_sync_status`, cached for a few seconds; or
//!    the file): `overall` for conversations and contacts, the resource's own row for tickets, companies
//!    and articles.
//! 2. [`decide`]: cache when the last successful sync is within the staleness bound and the asked window
//!    starts inside the cache's coverage; REST otherwise.
//! 3. A cache that does not answer, or does not hold the asked id, falls through to REST.
//! 4. When REST fails too (rate limited, down, no token), the cached answer is returned marked `stale`,
//!    unless the caller forbids stale data ([`CallOptions::allow_stale`]).
//!
//! Both paths return the same types, so callers tell them apart only by [`Answer::source`]. One
//! difference in meaning is unavoidable: Intercom's REST search matches text in the **opening message
//! only** (`source.body`, every word), while the cache searches the title, the opening message and every
//! part. Searches sort by `updated_at` descending on both paths so that their pages line up.
//!
//! ```no_run
//! use fastintercom::client::{CallOptions, Client, ClientConfig, SearchRequest};
//! use std::time::Duration;
//!
//! # async fn example() -> anyhow::Result<()> {
//! let settings = fastintercom::config::Settings::load()?;
//! let client = Client::new(ClientConfig::from_settings(&settings, None, None, None)?);
//! let answer = client
//!     .search_conversations(&SearchRequest::text("refund").since_days(7), &CallOptions::default())
//!     .await?;
//! println!("{} ({}): {} conversations", answer.source, answer.reason, answer.data.conversations.len());
//!
//! // This call accepts data at most 5 minutes old and would rather fail than be stale.
//! let strict = CallOptions { max_staleness: Some(Duration::from_secs(300)), allow_stale: Some(false) };
//! let conv = client.get_conversation("123", &strict).await?;
//! if let Some(c) = conv.data {
//!     println!("{} parts, from {}", c.parts.len(), conv.source);
//! }
//! # Ok(())
//! # }
//! ```

pub mod cache;
pub mod cli;
pub mod cli_workspace;
pub mod decision;
pub mod request;
pub mod rest;
pub mod tickets;
pub mod workspace;

pub use crate::model::ConversationFilters;
pub use crate::model::DateField;
pub use crate::model::GroupBy;
pub use decision::{Decision, Reason, decide};
pub use request::{CacheSource, CallOptions, ClientConfig, SearchRequest, StatsRequest};
pub use rest::workspace::{ArticleSearch, CompanySearch};
pub use tickets::{TicketSearchRequest, TicketStatsRequest};

use crate::model::SyncMeta;
use crate::model::{ContactDetail, ConversationDetail, SearchResult, Stats};
use serde::Serialize;
use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

/// Where an answer came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// The synced copy (MCP server or database file).
    Cache,
    /// Intercom's REST API, live.
    Rest,
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Source::Cache => "cache",
            Source::Rest => "rest",
        })
    }
}

/// An answer with its provenance. Serialises as `{"source","data_as_of","age_seconds","reason","stale","data"}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Answer<T> {
    pub source: Source,
    /// When the data was true: the end of the last successful sync for the cache, the request time for REST
    /// (Unix seconds). None when the cache never synced.
    pub data_as_of: Option<i64>,
    /// Seconds between `data_as_of` and the answer.
    pub age_seconds: Option<i64>,
    /// Why this source answered.
    #[serde(serialize_with = "as_display")]
    pub reason: Reason,
    /// True when the data is older than the staleness bound or does not cover the whole question (a cached
    /// answer served because REST failed).
    pub stale: bool,
    pub data: T,
}

fn as_display<S: serde::Serializer>(r: &Reason, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(r)
}

impl<T> Answer<T> {
    /// The same provenance around other data.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Answer<U> {
        Answer {
            source: self.source,
            data_as_of: self.data_as_of,
            age_seconds: self.age_seconds,
            reason: self.reason,
            stale: self.stale,
            data: f(self.data),
        }
    }
}

/// A request nobody could answer, as one line.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ClientError {
    /// The request itself is wrong (e.g. a window that ends before it starts).
    #[error("invalid request: {0}")]
    Invalid(String),
    /// REST failed and the caller forbade the stale cached answer.
    #[error(
        "{reason}; REST failed ({rest_error}); a stale cached answer exists but stale data is not allowed"
    )]
    StaleNotAllowed { reason: Reason, rest_error: String },
    /// Neither REST nor the cache could answer.
    #[error("{reason}; REST failed ({rest_error}){}", cache_part(reason, cache_error))]
    Unavailable {
        reason: Reason,
        rest_error: String,
        cache_error: String,
    },
}

/// The cache-or-REST client. Cheap to clone; clones share connections and caches.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

/// A `get_sync_status` answer: every `sync_metadata` row, or why the cache did not answer.
type StatusResult = Result<Vec<SyncMeta>, String>;

struct Inner {
    cfg: ClientConfig,
    cache: Option<cache::Cache>,
    rest: Result<rest::Rest, String>,
    status: tokio::sync::Mutex<Option<(Instant, StatusResult)>>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client").field("cfg", &self.inner.cfg).finish()
    }
}

/// What the cache said for one request.
enum CacheAnswer<T> {
    Hit(T),
    /// Not in the cache (lookups by id only).
    Miss,
}

impl Client {
    /// Build the client. Nothing is contacted until the first request.
    pub fn new(cfg: ClientConfig) -> Self {
        // The MCP-over-HTTP cache source builds an HTTP client even when REST is not configured.
        crate::tls::init();
        let cache = cache::Cache::new(&cfg.cache, cfg.cache_timeout);
        let rest = match &cfg.api {
            Some(api) => rest::Rest::new(api.clone(), &cfg).map_err(|e| format!("REST unavailable: {e}")),
            None => Err(cfg
                .api_unavailable
                .clone()
                .unwrap_or_else(|| "REST unavailable".into())),
        };
        Client {
            inner: Arc::new(Inner {
                cfg,
                cache,
                rest,
                status: tokio::sync::Mutex::new(None),
            }),
        }
    }

    pub fn config(&self) -> &ClientConfig {
        &self.inner.cfg
    }

    /// The cache's `overall` `sync_metadata` row (None: never synced). Over MCP it is reused for
    /// [`ClientConfig::status_ttl`].
    pub async fn sync_status(&self) -> Result<Option<SyncMeta>, String> {
        self.sync_row(SyncMeta::OVERALL).await
    }

    /// The `sync_metadata` row requests about `resource` are decided on ([`cache::row`]: `overall` for
    /// conversations and contacts, the resource's own row for tickets, companies and articles).
    pub async fn sync_row(&self, resource: &str) -> Result<Option<SyncMeta>, String> {
        let Some(cache) = &self.inner.cache else {
            return Err("no cache configured".into());
        };
        if !cache.is_remote() {
            let rows = cache.sync_rows().await.map_err(|e| format!("{e:#}"))?;
            return Ok(cache::row(&rows, resource));
        }
        let mut slot = self.inner.status.lock().await;
        let rows = match slot.as_ref() {
            Some((at, v)) if at.elapsed() < self.inner.cfg.status_ttl => v.clone(),
            _ => {
                let v = cache.sync_rows().await.map_err(|e| format!("{e:#}"));
                *slot = Some((Instant::now(), v.clone()));
                v
            }
        };
        rows.map(|rows| cache::row(&rows, resource))
    }

    /// Forget the cached `get_sync_status` answer (the next request asks again).
    pub async fn forget_sync_status(&self) {
        *self.inner.status.lock().await = None;
    }

    /// Search conversations in a window (sorted by `updated_at`, newest first), one page of
    /// [`SearchRequest::limit`]. `next_cursor` only says whether more matched: it belongs to the source
    /// that answered (an offset for the cache, Intercom's cursor for REST), so narrow the window or raise
    /// the limit rather than paging.
    pub async fn search_conversations(
        &self,
        req: &SearchRequest,
        opts: &CallOptions,
    ) -> Result<Answer<SearchResult>, ClientError> {
        check_window(req.since, req.until)?;
        let window = Some(req.since.unwrap_or(0));
        let cache = async {
            let c = self.cache()?;
            Ok(CacheAnswer::Hit(c.search(req).await?))
        };
        let rest = async { self.rest()?.search(req).await };
        self.answer(SyncMeta::OVERALL, window, opts, cache, rest).await
    }

    /// One conversation with its parts; `data` is None when neither source knows the id.
    pub async fn get_conversation(
        &self,
        id: &str,
        opts: &CallOptions,
    ) -> Result<Answer<Option<ConversationDetail>>, ClientError> {
        let id = id.trim();
        if id.is_empty() {
            return Err(ClientError::Invalid("empty conversation id".into()));
        }
        let cache = async {
            let c = self.cache()?;
            Ok(match c.conversation(id).await? {
                Some(d) => CacheAnswer::Hit(Some(d)),
                None => CacheAnswer::Miss,
            })
        };
        let rest = async { self.rest()?.conversation(id).await };
        self.answer(SyncMeta::OVERALL, None, opts, cache, rest).await
    }

    /// One contact by email (contains `@`) or id, with recent conversations; None when unknown.
    pub async fn get_contact(
        &self,
        id_or_email: &str,
        opts: &CallOptions,
    ) -> Result<Answer<Option<ContactDetail>>, ClientError> {
        let key = id_or_email.trim();
        if key.is_empty() {
            return Err(ClientError::Invalid("empty contact email or id".into()));
        }
        let cache = async {
            let c = self.cache()?;
            Ok(match c.contact(key).await? {
                Some(d) => CacheAnswer::Hit(Some(d)),
                None => CacheAnswer::Miss,
            })
        };
        let rest = async { self.rest()?.contact(key).await };
        self.answer(SyncMeta::OVERALL, None, opts, cache, rest).await
    }

    /// Counts of conversations in a window, grouped. Over REST the window is walked page by page (at most
    /// [`ClientConfig::rest_stats_max_pages`]) and grouped here.
    pub async fn conversation_stats(
        &self,
        req: &StatsRequest,
        opts: &CallOptions,
    ) -> Result<Answer<Stats>, ClientError> {
        check_window(req.since, req.until)?;
        let window = Some(req.since.unwrap_or(0));
        let cache = async {
            let c = self.cache()?;
            Ok(CacheAnswer::Hit(c.stats(req).await?))
        };
        let rest = async { self.rest()?.stats(req).await };
        self.answer(SyncMeta::OVERALL, window, opts, cache, rest).await
    }

    /// The per-request flow around caller-supplied paths, for callers that ask more than the methods above
    /// (the MCP proxy forwards whole tool calls): `cache` answers `Ok(None)` when the cache does not hold
    /// the object, `rest` is asked only when the decision (or a cache miss) says so. `window_start` as for
    /// [`decide`]: None for a lookup by id, `Some(0)` for a search over all time. `resource` names the
    /// `sync_metadata` row the decision reads, as for [`Client::sync_row`].
    pub async fn answer_with<T>(
        &self,
        resource: &str,
        window_start: Option<i64>,
        opts: &CallOptions,
        cache: impl Future<Output = anyhow::Result<Option<T>>>,
        rest: impl Future<Output = Result<T, rest::RestError>>,
    ) -> Result<Answer<T>, ClientError> {
        let cache = async {
            Ok(match cache.await? {
                Some(t) => CacheAnswer::Hit(t),
                None => CacheAnswer::Miss,
            })
        };
        self.answer(resource, window_start, opts, cache, rest).await
    }

    /// The REST path, or why it is unavailable (no token, a client that could not be built).
    pub fn rest_path(&self) -> Result<&rest::Rest, rest::RestError> {
        self.rest()
    }

    /// Call a tool of the cache (`serve`'s tools, wherever they run) and return its structured answer
    /// (`Ok(Err(_))`: the tool said the object is not in the cache).
    pub async fn cache_tool(
        &self,
        name: &'static str,
        args: serde_json::Map<String, serde_json::Value>,
    ) -> anyhow::Result<Result<serde_json::Value, crate::answer::NotFound>> {
        self.cache()?.mcp().tool(name, args).await
    }

    fn cache(&self) -> anyhow::Result<&cache::Cache> {
        self.inner
            .cache
            .as_ref()
            .ok_or_else(|| anyhow::anyhow!("no cache configured"))
    }

    fn rest(&self) -> Result<&rest::Rest, rest::RestError> {
        self.inner
            .rest
            .as_ref()
            .map_err(|e| rest::RestError::Unavailable(e.clone()))
    }

    /// The per-request flow (see the module docs). `cache` and `rest` are lazy: each runs at most once.
    async fn answer<T>(
        &self,
        resource: &str,
        window_start: Option<i64>,
        opts: &CallOptions,
        cache: impl Future<Output = anyhow::Result<CacheAnswer<T>>>,
        rest: impl Future<Output = Result<T, rest::RestError>>,
    ) -> Result<Answer<T>, ClientError> {
        let max = opts
            .max_staleness
            .unwrap_or(self.inner.cfg.max_staleness)
            .as_secs() as i64;
        let allow_stale = opts.allow_stale.unwrap_or(self.inner.cfg.allow_stale);
        let meta = self.sync_row(resource).await;
        let now = crate::timespec::now();
        let decision = match &meta {
            Err(e) => Decision::Rest(Reason::CacheUnreachable { error: e.clone() }),
            Ok(m) => decide(m.as_ref(), window_start, now, max),
        };
        let meta = meta.ok().flatten();
        let cache_stamp = |stale: bool, reason: Reason, data: T| {
            let as_of = meta.as_ref().and_then(|m| m.last_success);
            Answer {
                source: Source::Cache,
                data_as_of: as_of,
                age_seconds: as_of.map(|t| (now - t).max(0)),
                reason,
                stale,
                data,
            }
        };
        let mut cache = Some(cache);
        let reason = match decision {
            Decision::Cache(reason) => match cache.take().expect("unused").await {
                Ok(CacheAnswer::Hit(data)) => return Ok(cache_stamp(false, reason, data)),
                Ok(CacheAnswer::Miss) => Reason::NotInCache,
                Err(e) => {
                    self.forget_sync_status().await;
                    Reason::CacheUnreachable {
                        error: format!("{e:#}"),
                    }
                }
            },
            Decision::Rest(reason) => reason,
        };
        let rest_error = match rest.await {
            Ok(data) => {
                let now = crate::timespec::now();
                return Ok(Answer {
                    source: Source::Rest,
                    data_as_of: Some(now),
                    age_seconds: Some(0),
                    reason,
                    stale: false,
                    data,
                });
            }
            Err(e) => e.to_string(),
        };
        let cache_error = match (&reason, cache.take()) {
            (Reason::CacheUnreachable { error }, _) => error.clone(),
            (Reason::NotInCache, _) | (_, None) => "not in the cache".into(),
            (_, Some(_)) if meta.as_ref().and_then(|m| m.last_success).is_none() => {
                "the cache was never synced".into()
            }
            (_, Some(_)) if !allow_stale => {
                return Err(ClientError::StaleNotAllowed { reason, rest_error });
            }
            (_, Some(fut)) => match fut.await {
                Ok(CacheAnswer::Hit(data)) => {
                    let reason = Reason::RestFailedServedStale {
                        rest_error,
                        first: Box::new(reason),
                    };
                    return Ok(cache_stamp(true, reason, data));
                }
                Ok(CacheAnswer::Miss) => "not in the cache".into(),
                Err(e) => format!("{e:#}"),
            },
        };
        Err(ClientError::Unavailable {
            reason,
            rest_error,
            cache_error,
        })
    }
}

/// The end of an [`ClientError::Unavailable`] message, unless the reason already says the cache failed.
fn cache_part(reason: &Reason, cache_error: &str) -> String {
    if reason.to_string().contains(cache_error) {
        String::new()
    } else {
        format!("; the cache cannot answer either ({cache_error})")
    }
}

fn check_window(since: Option<i64>, until: Option<i64>) -> Result<(), ClientError> {
    if let (Some(s), Some(u)) = (since, until)
        && s >= u
    {
        return Err(ClientError::Invalid(format!(
            "the window is empty: since ({}) is not before until ({})",
            crate::timespec::fmt_time(s),
            crate::timespec::fmt_time(u)
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_read_as_one_line_without_repeating_themselves() {
        let e = ClientError::Unavailable {
            reason: Reason::CacheUnreachable {
                error: "connection refused".into(),
            },
            rest_error: "Intercom server error (503: down)".into(),
            cache_error: "connection refused".into(),
        };
        assert_eq!(
            e.to_string(),
            "cache unreachable (connection refused); REST failed (Intercom server error (503: down))"
        );
        let e = ClientError::Unavailable {
            reason: Reason::NotInCache,
            rest_error: "no token".into(),
            cache_error: "not in the cache".into(),
        };
        assert_eq!(e.to_string(), "not in the cache; REST failed (no token)");
        let e = ClientError::Unavailable {
            reason: Reason::NeverSynced,
            rest_error: "no token".into(),
            cache_error: "the cache was never synced".into(),
        };
        assert_eq!(
            e.to_string(),
            "the cache was never synced; REST failed (no token)"
        );
        let e = ClientError::Unavailable {
            reason: Reason::TooOld {
                age_seconds: 7200,
                max_staleness_seconds: 3600,
            },
            rest_error: "no token".into(),
            cache_error: "not in the cache".into(),
        };
        assert_eq!(
            e.to_string(),
            "cache too old (2 h > max staleness 60 min); REST failed (no token); the cache cannot answer \
             either (not in the cache)"
        );
        assert!(check_window(Some(10), Some(10)).is_err());
        assert!(check_window(Some(10), Some(11)).is_ok());
        assert!(check_window(None, Some(11)).is_ok());
    }
}
