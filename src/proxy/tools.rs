//! The proxy's tools: `serve`'s names, argument structs and checks ([`crate::mcp::args`]) and answer
//! shapes, each call decided by the client library ([`Client::answer_with`]):
//!
//! - the cache answers with `serve`'s own answer: its tools called in-process over the database file, or
//!   the call forwarded to a `serve` endpoint;
//! - REST answers through [`crate::client::rest`], stamped `source: rest`, with notes where Intercom's API
//!   answers differently (text search over opening messages only, no relevance order, no paging, counts by
//!   reading every conversation);
//! - tools without a REST twin (contact search, lists, sync status) answer from the cache and say so in
//!   their reason; so do searches REST cannot ask (a `cursor`, oldest-first or by-creation sorts), when
//!   REST was wanted.
//!
//! The raw arguments of the call travel beside the typed ones (a task-local set by `call_tool`), so the
//! cache is asked exactly what the client asked.

use super::envelope::{self, Got, Stamped, mark_cached, rest_freshness};
use crate::answer::{
    AdminList, Answer, ContactList, NotFound, SyncStatus, TagList, TeamList, ToolError, encode_cursor, now,
};
use crate::client::rest::{self, RestError};
use crate::client::{self, CallOptions, Client, Decision, Reason, SearchRequest, StatsRequest, decide};
use crate::mcp::args::{
    ConversationAsk, ConversationStatsArgs, FreshnessArgs, GetContactArgs, GetConversationArgs,
    SearchContactsArgs, SearchConversationsArgs, check_limit, nonempty,
};
use crate::mcp::asks::{SearchAsk, StatsAsk};
use crate::mcp::budget::page_conversation;
use crate::mcp::connector::{Document, FetchArgs, SearchArgs, SearchHits};
use crate::mcp::freshness::parse_max_staleness;
use crate::mcp::{Db, IntercomTools};
use crate::model::{ContactDetail, ConversationDetail, ConversationPage, SearchResult, Stats, SyncMeta};
use rmcp::handler::server::{router::tool::ToolRouter, wrapper::Parameters};
use rmcp::{Json, tool, tool_router};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

tokio::task_local! {
    /// The arguments of the tool call being answered, as the client sent them (set by
    /// [`super::server`]'s `call_tool`).
    pub(super) static ARGS: Map<String, Value>;
}

pub(super) type ToolResult<T> = Result<Json<T>, ToolError>;

/// The proxy's tool set: the client library (decision, REST, a `serve` endpoint as cache) and, when the
/// cache is the database file, `serve`'s tools over it.
#[derive(Clone)]
pub struct ProxyTools {
    pub(super) client: Client,
    pub(super) local: Option<IntercomTools>,
    pub(super) default_max_minutes: u64,
    pub(super) tool_router: ToolRouter<Self>,
}

impl ProxyTools {
    /// `local`: the database to answer from in-process (None: the client's cache is a `serve` endpoint).
    /// `default_max_minutes`: FASTINTERCOM_MAX_STALENESS_MINUTES, also given to `local`.
    pub fn new(client: Client, local: Option<Arc<Db>>, default_max_minutes: u64) -> Self {
        ProxyTools {
            client,
            local: local.map(IntercomTools::new),
            default_max_minutes,
            tool_router: Self::tool_router() + Self::tickets_router() + Self::workspace_router(),
        }
    }

    pub(super) fn max_seconds(&self, asked: Option<i64>) -> i64 {
        asked
            .unwrap_or_else(|| i64::try_from(self.default_max_minutes.saturating_mul(60)).unwrap_or(i64::MAX))
    }

    /// Why live answers are unavailable (no usable token), said on every cached answer.
    pub(super) fn live_unavailable(&self) -> Option<String> {
        self.client.rest_path().err().map(|e| e.to_string())
    }

    /// `serve`'s answer to this call: `local` runs its tool in-process, else the call goes to the `serve`
    /// endpoint (with this proxy's default staleness unless the call gives one, so both stamp alike).
    /// `Ok(Err(_))`: the object is not in the cache (as the tool said it, machine-readable).
    pub(super) async fn ask_cache<A, R, F, Fut>(
        &self,
        tool: &'static str,
        local: F,
    ) -> anyhow::Result<Result<R, NotFound>>
    where
        A: DeserializeOwned,
        R: DeserializeOwned,
        F: FnOnce(IntercomTools, A) -> Fut,
        Fut: Future<Output = Result<Json<R>, ToolError>>,
    {
        let mut raw = ARGS.try_with(Clone::clone).unwrap_or_default();
        match &self.local {
            Some(tools) => {
                let args: A = serde_json::from_value(Value::Object(raw))?;
                match local(tools.clone(), args).await {
                    Ok(Json(r)) => Ok(Ok(r)),
                    Err(ToolError::NotFound(nf)) => Ok(Err(nf)),
                    Err(ToolError::Failed(e)) => Err(anyhow::anyhow!(e)),
                }
            }
            None => {
                if raw.get("max_staleness").is_none_or(Value::is_null) {
                    raw.insert(
                        "max_staleness".into(),
                        Value::String(self.default_max_minutes.to_string()),
                    );
                }
                match self.client.cache_tool(tool, raw).await? {
                    Err(nf) => Ok(Err(nf)),
                    Ok(v) => Ok(Ok(serde_json::from_value(v)?)),
                }
            }
        }
    }

    /// The decision for a tool with a REST twin, and the answer it leads to, on `resource`'s
    /// `sync_metadata` row ([`client::Client::sync_row`]).
    pub(super) async fn decided<C, R>(
        &self,
        resource: &'static str,
        window_start: Option<i64>,
        max: Option<i64>,
        cache: impl Future<Output = anyhow::Result<Result<C, NotFound>>>,
        rest: impl Future<Output = Result<R, RestError>>,
    ) -> Result<client::Answer<Got<C, R>>, ToolError> {
        let opts = CallOptions {
            max_staleness: max.map(|s| Duration::from_secs(s.max(0) as u64)),
            allow_stale: Some(true),
        };
        let cache = async { Ok(cache.await?.ok().map(Got::Cache)) };
        let rest = async { rest.await.map(Got::Rest) };
        self.client
            .answer_with(resource, window_start, &opts, cache, rest)
            .await
            .map_err(|e| ToolError::Failed(e.to_string()))
    }

    /// The envelope for a decided answer: `serve`'s with the reason, or REST's data stamped `rest` with the
    /// notes `rest` gives (or a tool error, e.g. an id Intercom does not know either).
    pub(super) async fn finish<T, R>(
        &self,
        resource: &'static str,
        a: client::Answer<Got<Answer<T>, R>>,
        max: Option<i64>,
        rest: impl FnOnce(R) -> Result<(T, Vec<String>), ToolError>,
    ) -> ToolResult<Answer<T>> {
        match a.data {
            Got::Cache(mut c) => {
                mark_cached(&mut c, &a.reason, a.stale, self.live_unavailable().as_deref());
                Ok(Json(c))
            }
            Got::Rest(r) => {
                let (result, notes) = rest(r)?;
                let meta = self.client.sync_row(resource).await.ok().flatten();
                let as_of = a.data_as_of.unwrap_or_else(now);
                let freshness = rest_freshness(meta.as_ref(), as_of, self.max_seconds(max), &a.reason);
                Ok(Json(Answer {
                    result,
                    freshness,
                    notes,
                }))
            }
        }
    }

    /// A tool without a REST twin: the cache answers whatever the decision, and the reason says so.
    pub(super) async fn cache_only<A, R, F, Fut>(
        &self,
        tool: &'static str,
        max: Option<i64>,
        local: F,
    ) -> ToolResult<R>
    where
        A: DeserializeOwned,
        R: DeserializeOwned + Stamped,
        F: FnOnce(IntercomTools, A) -> Fut,
        Fut: Future<Output = Result<Json<R>, ToolError>>,
    {
        let decision = match self.client.sync_status().await {
            Err(error) => Decision::Rest(Reason::CacheUnreachable { error }),
            Ok(m) => decide(m.as_ref(), None, now(), self.max_seconds(max)),
        };
        match self.ask_cache(tool, local).await {
            Ok(Ok(mut r)) => {
                let (f, notes) = r.stamp();
                f.reason = Some(envelope::no_twin_reason(tool, &decision));
                if let Some(why) = self.live_unavailable() {
                    notes.push(format!(
                        "live answers from Intercom are unavailable ({why}): every answer comes from the cache"
                    ));
                }
                Ok(Json(r))
            }
            Ok(Err(nf)) => Err(ToolError::NotFound(nf)),
            Err(e) => Err(ToolError::Failed(format!(
                "{tool} has no live twin over Intercom's REST API, and the cache did not answer: {e:#}"
            ))),
        }
    }
}

#[tool_router(router = tool_router)]
impl ProxyTools {
    #[tool(
        description = "Search Intercom conversations by full text and/or filters (time window, state, assignee \
admin or team, tag, contact email): from the local cache when it is fresh and covers the window, else live \
from Intercom (`freshness.source` and `reason` say which; live text search matches opening messages only). \
Returns conversation summaries (id, title, state, assignees, contact, tags, snippet) and `next_cursor` for \
the next page. Use get_conversation for the full thread.",
        annotations(title = "Search conversations", read_only_hint = true, open_world_hint = true)
    )]
    pub async fn search_conversations(
        &self,
        Parameters(a): Parameters<SearchConversationsArgs>,
    ) -> Result<Json<Answer<SearchResult>>, ToolError> {
        let SearchAsk {
            text,
            limit,
            mut notes,
            sort,
            cursor_given,
            since,
            until,
            date_field,
            filters,
            max_staleness: max,
            ..
        } = a.checked(now())?;
        let relevance = match sort.as_deref() {
            None => text.is_some(),
            Some(s) => s == "relevance",
        };
        // What Intercom's search, as the client library asks it, cannot do.
        let mut unsupported = rest::query::unsupported(&filters, rest::query::SEARCH_FILTERS);
        if cursor_given {
            unsupported.push("`cursor` (a page of the cache's results)".into());
        }
        if let Some(s) = sort
            .as_deref()
            .filter(|s| *s != "relevance" && *s != "updated_desc")
        {
            unsupported.push(
                match s {
                    "updated_asc" => "`sort` updated_asc",
                    "created_desc" => "`sort` created_desc",
                    _ => "`sort` waiting_longest",
                }
                .into(),
            );
        }
        let req = SearchRequest {
            text: text.clone(),
            since,
            until,
            date_field: Some(date_field),
            filters,
            limit: Some(limit as u32),
        };
        let rest = async {
            if !unsupported.is_empty() {
                return Err(RestError::Unsupported(format!(
                    "Intercom's REST search cannot apply {} here",
                    unsupported.join(", ")
                )));
            }
            self.client.rest_path()?.search(&req).await
        };
        let cache = self.ask_cache("search_conversations", |t, a| async move {
            t.search_conversations(Parameters(a)).await
        });
        let answer = self
            .decided(SyncMeta::OVERALL, Some(since.unwrap_or(0)), max, cache, rest)
            .await?;
        self.finish(SyncMeta::OVERALL, answer, max, |mut r: SearchResult| {
            if text.is_some() {
                notes.push(envelope::REST_TEXT_SEARCH.into());
                if relevance {
                    notes.push(envelope::REST_NO_RELEVANCE.into());
                }
            }
            if r.next_cursor.take().is_some() {
                notes.push(envelope::REST_NO_PAGING.into());
            }
            Ok((r, notes))
        })
        .await
    }

    #[tool(
        description = "Get one conversation by id: its opening message and every reply, note and event in \
order, with authors' names and bodies as plain text (very long bodies are cut with a marker). From the cache \
when it is fresh and holds it, else live from Intercom.",
        annotations(title = "Get conversation", read_only_hint = true, open_world_hint = true)
    )]
    pub async fn get_conversation(
        &self,
        Parameters(a): Parameters<GetConversationArgs>,
    ) -> Result<Json<Answer<ConversationPage>>, ToolError> {
        let ConversationAsk {
            id,
            notes,
            budget,
            order,
            offset,
            part_id,
            max_staleness: max,
        } = a.checked(now())?;
        let cache = self.ask_cache("get_conversation", |t, a| async move {
            t.get_conversation(Parameters(a)).await
        });
        let rest = async { self.client.rest_path()?.conversation(&id).await };
        let answer = self.decided(SyncMeta::OVERALL, None, max, cache, rest).await?;
        self.finish(SyncMeta::OVERALL, answer, max, |r: Option<ConversationDetail>| {
            let Some(mut d) = r else {
                return Err(ToolError::not_found(
                    "conversation",
                    &id,
                    format!(
                        "conversation {id} is neither in the cache nor in Intercom (asked live): check the id"
                    ),
                ));
            };
            if let Some(pid) = &part_id {
                match d.parts.iter().find(|p| &p.id == pid) {
                    Some(p) => d.parts = vec![p.clone()],
                    None => {
                        return Err(ToolError::not_found(
                            "part",
                            pid,
                            format!("part {pid} of conversation {id} is not in Intercom's answer"),
                        ));
                    }
                }
            }
            Ok((page_conversation(d, order, offset, budget, encode_cursor), notes))
        })
        .await
    }

    #[tool(
        description = "Get one contact (customer/lead) by `contact_id` or `email`, with their tags and their 10 \
most recently updated conversations. From the cache when it is fresh and holds them, else live from Intercom.",
        annotations(title = "Get contact", read_only_hint = true, open_world_hint = true)
    )]
    pub async fn get_contact(
        &self,
        Parameters(a): Parameters<GetContactArgs>,
    ) -> Result<Json<Answer<ContactDetail>>, ToolError> {
        let key = match (nonempty(a.contact_id), nonempty(a.email)) {
            (Some(id), _) => id,
            (None, Some(email)) => email,
            (None, None) => return Err("give `contact_id` or `email`".into()),
        };
        let max = parse_max_staleness(a.max_staleness, now())?;
        let cache = self.ask_cache(
            "get_contact",
            |t, a| async move { t.get_contact(Parameters(a)).await },
        );
        let rest = async { self.client.rest_path()?.contact(&key).await };
        let answer = self.decided(SyncMeta::OVERALL, None, max, cache, rest).await?;
        self.finish(SyncMeta::OVERALL, answer, max, |r| {
            r.map(|d| (d, Vec::new())).ok_or_else(|| {
                ToolError::not_found(
                    "contact",
                    &key,
                    format!("contact {key} is neither in the cache nor in Intercom (asked live)"),
                )
            })
        })
        .await
    }

    #[tool(
        description = "Find contacts whose name or email contains the given text (case-insensitive), most \
recently updated first, each with their 3 most recent conversations. Always from the cache (no live twin).",
        annotations(title = "Search contacts", read_only_hint = true, open_world_hint = false)
    )]
    pub async fn search_contacts(
        &self,
        Parameters(a): Parameters<SearchContactsArgs>,
    ) -> Result<Json<Answer<ContactList>>, ToolError> {
        if a.query.trim().is_empty() {
            return Err("`query` is empty: give part of a name or email".into());
        }
        check_limit(a.limit, &mut Vec::new())?;
        let max = parse_max_staleness(a.max_staleness, now())?;
        self.cache_only("search_contacts", max, |t, a| async move {
            t.search_contacts(Parameters(a)).await
        })
        .await
    }

    #[tool(
        description = "List the workspace's teammates (admins): id, name, email, job title, away mode, teams. \
Use the ids for `admin_id` filters. From the cache.",
        annotations(title = "List admins", read_only_hint = true, open_world_hint = false)
    )]
    pub async fn list_admins(
        &self,
        Parameters(a): Parameters<FreshnessArgs>,
    ) -> Result<Json<Answer<AdminList>>, ToolError> {
        let max = parse_max_staleness(a.max_staleness, now())?;
        self.cache_only("list_admins", max, |t, a| async move {
            t.list_admins(Parameters(a)).await
        })
        .await
    }

    #[tool(
        description = "List the workspace's teams with their members. Use the ids for `team_id` filters. From \
the cache.",
        annotations(title = "List teams", read_only_hint = true, open_world_hint = false)
    )]
    pub async fn list_teams(
        &self,
        Parameters(a): Parameters<FreshnessArgs>,
    ) -> Result<Json<Answer<TeamList>>, ToolError> {
        let max = parse_max_staleness(a.max_staleness, now())?;
        self.cache_only("list_teams", max, |t, a| async move {
            t.list_teams(Parameters(a)).await
        })
        .await
    }

    #[tool(
        description = "List the workspace's tags with how many cached conversations carry each. From the cache.",
        annotations(title = "List tags", read_only_hint = true, open_world_hint = false)
    )]
    pub async fn list_tags(
        &self,
        Parameters(a): Parameters<FreshnessArgs>,
    ) -> Result<Json<Answer<TagList>>, ToolError> {
        let max = parse_max_staleness(a.max_staleness, now())?;
        self.cache_only("list_tags", max, |t, a| async move {
            t.list_tags(Parameters(a)).await
        })
        .await
    }

    #[tool(
        description = "Count conversations in a time window (on created_at unless `date_field` says updated_at), \
grouped by state, team, admin, tag or day, optionally only one state. Example: open conversations per team this \
week = {\"since\": \"7d\", \"group_by\": \"team\", \"state\": \"open\"}. `none` buckets are unassigned or \
untagged conversations. From the cache when it is fresh and covers the window, else counted live from \
Intercom (slow for wide windows).",
        annotations(
            title = "Conversation statistics",
            read_only_hint = true,
            open_world_hint = true
        )
    )]
    pub async fn conversation_stats(
        &self,
        Parameters(a): Parameters<ConversationStatsArgs>,
    ) -> Result<Json<Answer<Stats>>, ToolError> {
        let asked: StatsAsk = a.checked(now())?;
        let (since, max) = (asked.since, asked.max_staleness);
        let mut cannot = rest::query::unsupported(&asked.filters, rest::query::STATS_FILTERS);
        if asked.figures {
            cannot.push("`figures`".into());
        }
        let req = StatsRequest {
            since,
            until: asked.until,
            date_field: Some(asked.date_field),
            group_by: asked.group_by,
            filters: asked.filters,
        };
        let cache = self.ask_cache("conversation_stats", |t, a| async move {
            t.conversation_stats(Parameters(a)).await
        });
        let rest = async {
            if !cannot.is_empty() {
                return Err(RestError::Unsupported(format!(
                    "Intercom's REST API cannot count with {} here",
                    cannot.join(", ")
                )));
            }
            self.client.rest_path()?.stats(&req).await
        };
        let answer = self
            .decided(SyncMeta::OVERALL, Some(since.unwrap_or(0)), max, cache, rest)
            .await?;
        let pages = self.client.config().rest_stats_max_pages;
        self.finish(SyncMeta::OVERALL, answer, max, |r| {
            Ok((r, vec![envelope::rest_stats(pages)]))
        })
        .await
    }

    #[tool(
        description = "Search the Intercom conversations (connector shape): `results` of {id, title, url}, best \
matches first, at most 20. Use `fetch` with an id for the conversation's text; search_conversations has \
filters, passages, paging and live answers. From the cache.",
        annotations(title = "Search (connector)", read_only_hint = true, open_world_hint = false)
    )]
    pub async fn search(
        &self,
        Parameters(a): Parameters<SearchArgs>,
    ) -> Result<Json<Answer<SearchHits>>, ToolError> {
        if a.query.trim().is_empty() {
            return Err("`query` is empty: give words to look for".into());
        }
        self.cache_only(
            "search",
            None,
            |t, a| async move { t.search(Parameters(a)).await },
        )
        .await
    }

    #[tool(
        description = "Fetch one Intercom conversation by id (connector shape): {id, title, text, url, metadata}; \
`text` is the thread as plain text, oldest first, within about 32 KB. From the cache.",
        annotations(title = "Fetch (connector)", read_only_hint = true, open_world_hint = false)
    )]
    pub async fn fetch(
        &self,
        Parameters(a): Parameters<FetchArgs>,
    ) -> Result<Json<Answer<Document>>, ToolError> {
        if a.id.trim().is_empty() {
            return Err("`id` is empty".into());
        }
        self.cache_only("fetch", None, |t, a| async move { t.fetch(Parameters(a)).await })
            .await
    }

    #[tool(
        description = "How fresh the cache is: one row per synced resource (overall, conversations, contacts, \
admins, teams, tags) with status, last success, coverage window, row counts and the last error.",
        annotations(title = "Sync status", read_only_hint = true, open_world_hint = false)
    )]
    pub async fn get_sync_status(
        &self,
        Parameters(a): Parameters<FreshnessArgs>,
    ) -> Result<Json<SyncStatus>, ToolError> {
        let max = parse_max_staleness(a.max_staleness, now())?;
        self.cache_only("get_sync_status", max, |t, a| async move {
            t.get_sync_status(Parameters(a)).await
        })
        .await
    }
}
