//! The cache path: the same questions asked of the MCP server (Streamable HTTP or stdio, with rmcp's
//! client) or of the SQLite file on this host (read-only, through [`crate::store::read`], the very
//! functions the MCP tools call). Both give [`crate::model`] types.
//!
//! Errors here mean "the cache did not answer" (unreachable, timed out, refused); a lookup by id that the
//! cache does not hold is `Ok(None)`, not an error.

use super::{CacheSource, SearchRequest, StatsRequest};
use crate::model::DateField;
use crate::model::SyncMeta;
use crate::model::{ContactDetail, ConversationDetail, ConversationPage, SearchResult, Stats};
use crate::store::metadata::{self, OVERALL};
use crate::store::read;
use crate::store::read::filters::Filters;
use anyhow::{Context, Result, anyhow, bail};
use rmcp::model::{CallToolRequestParams, CallToolResult};
use rmcp::service::RunningService;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::transport::{StreamableHttpClientTransport, TokioChildProcess};
use rmcp::{RoleClient, ServiceExt};
use rusqlite::Connection;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Recent conversations listed with a contact (the MCP `get_contact` tool lists 10 too).
pub const CONTACT_RECENT: usize = 10;

/// A cache to ask.
pub enum Cache {
    Local(Local),
    Mcp(Mcp),
}

impl Cache {
    pub fn new(src: &CacheSource, timeout: Duration) -> Option<Cache> {
        match src {
            CacheSource::None => None,
            CacheSource::Database(p) => Some(Cache::Local(Local {
                path: p.clone(),
                conn: Arc::new(Mutex::new(None)),
            })),
            src => Some(Cache::Mcp(Mcp {
                src: src.clone(),
                timeout,
                session: tokio::sync::Mutex::new(None),
            })),
        }
    }

    /// Whether asking costs a round trip (then the client reuses `get_sync_status` for a few seconds).
    pub fn is_remote(&self) -> bool {
        matches!(self, Cache::Mcp(_))
    }

    /// The `overall` `sync_metadata` row, with `coverage_start` taken from the `conversations` row when
    /// the overall row has none.
    pub async fn sync_meta(&self) -> Result<Option<SyncMeta>> {
        let rows = match self {
            Cache::Local(l) => l.run(metadata::read_all).await?,
            Cache::Mcp(m) => {
                #[derive(serde::Deserialize)]
                struct Status {
                    rows: Vec<SyncMeta>,
                }
                m.call::<Status>("get_sync_status", Map::new()).await?.rows
            }
        };
        Ok(overall(rows))
    }

    pub async fn search(&self, req: &SearchRequest) -> Result<SearchResult> {
        match self {
            Cache::Local(l) => {
                let q = read::conversations::SearchQuery {
                    text: req.text.clone().filter(|t| !t.trim().is_empty()),
                    since: req.since,
                    until: req.until,
                    date_field: req.field(),
                    filters: Filters {
                        state: req.state.clone(),
                        admin_id: req.admin_id.clone(),
                        team_id: req.team_id.clone(),
                        tag: req.tag.clone(),
                        contact_email: req.contact_email.clone(),
                        ..Filters::default()
                    },
                    sort: read::conversations::Sort::UpdatedDesc,
                    limit: req.page_size() as usize,
                    offset: 0,
                };
                let page = l.run(move |c| read::conversations::search(c, &q)).await?;
                Ok(SearchResult {
                    conversations: page.conversations,
                    // The same opaque cursor the MCP server hands out (an offset).
                    next_cursor: page
                        .has_more
                        .then(|| crate::answer::encode_cursor(req.page_size() as usize)),
                    total: page.total,
                    total_is_lower_bound: page.total_is_lower_bound,
                })
            }
            Cache::Mcp(m) => {
                let mut args = Map::new();
                if let Some(t) = req.text.as_deref().filter(|t| !t.trim().is_empty()) {
                    args.insert("query".into(), json!(t));
                }
                window_args(&mut args, req.since, req.until, req.field());
                if let Some(s) = &req.state {
                    args.insert("state".into(), json!(s));
                }
                for (name, v) in [
                    ("admin_id", &req.admin_id),
                    ("team_id", &req.team_id),
                    ("tag", &req.tag),
                ] {
                    if let Some(v) = v {
                        args.insert(name.into(), json!(v));
                    }
                }
                args.insert("sort".into(), json!("updated_desc"));
                args.insert("limit".into(), json!(req.page_size()));
                m.call("search_conversations", args).await
            }
        }
    }

    /// None when the conversation is not in the cache.
    pub async fn conversation(&self, id: &str) -> Result<Option<ConversationDetail>> {
        match self {
            Cache::Local(l) => {
                let id = id.to_string();
                l.run(move |c| read::conversations::get(c, &id)).await
            }
            Cache::Mcp(m) => {
                // The tool answers a page at a time (within its answer budget): follow the cursors.
                let mut args = Map::new();
                args.insert("conversation_id".into(), json!(id));
                args.insert("max_bytes".into(), json!(crate::mcp::budget::HARD_CAP));
                let Some(first) = m
                    .call_opt::<ConversationPage>("get_conversation", args.clone())
                    .await?
                else {
                    return Ok(None);
                };
                let mut parts = first.parts_with_authors();
                let mut next = first.next_cursor.clone();
                while let Some(c) = next {
                    args.insert("cursor".into(), json!(c));
                    let page: ConversationPage = m.call("get_conversation", args.clone()).await?;
                    parts.extend(page.parts_with_authors());
                    next = page.next_cursor;
                }
                let author = first.author.as_ref().and_then(|k| first.authors.get(k).cloned());
                Ok(Some(ConversationDetail {
                    summary: first.summary,
                    body: first.body.unwrap_or_default(),
                    author,
                    parts,
                    parts_truncated: first.parts_truncated,
                }))
            }
        }
    }

    /// By email when `key` contains `@`, else by id. None when the contact is not in the cache.
    pub async fn contact(&self, key: &str) -> Result<Option<ContactDetail>> {
        let (id, email) = split_contact_key(key);
        match self {
            Cache::Local(l) => {
                l.run(move |c| read::contacts::get(c, id.as_deref(), email.as_deref(), CONTACT_RECENT))
                    .await
            }
            Cache::Mcp(m) => {
                let mut args = Map::new();
                if let Some(id) = id {
                    args.insert("contact_id".into(), json!(id));
                }
                if let Some(e) = email {
                    args.insert("email".into(), json!(e));
                }
                m.call_opt("get_contact", args).await
            }
        }
    }

    pub async fn stats(&self, req: &StatsRequest) -> Result<Stats> {
        match self {
            Cache::Local(l) => {
                let q = read::stats::StatsQuery {
                    since: req.since,
                    until: req.until,
                    date_field: req.field(),
                    group_by: req.group_by,
                    figures: false,
                    filters: Filters {
                        state: req.state.clone(),
                        ..Filters::default()
                    },
                };
                l.run(move |c| read::stats::stats(c, &q)).await
            }
            Cache::Mcp(m) => {
                let mut args = Map::new();
                window_args(&mut args, req.since, req.until, req.field());
                args.insert("group_by".into(), json!(req.group_by.name()));
                if let Some(s) = &req.state {
                    args.insert("state".into(), json!(s));
                }
                m.call("conversation_stats", args).await
            }
        }
    }
}

/// `(id, email)`: an email when the key contains `@`.
pub fn split_contact_key(key: &str) -> (Option<String>, Option<String>) {
    let key = key.trim().to_string();
    if key.contains('@') {
        (None, Some(key))
    } else {
        (Some(key), None)
    }
}

fn window_args(args: &mut Map<String, Value>, since: Option<i64>, until: Option<i64>, field: DateField) {
    if let Some(s) = since {
        args.insert("since".into(), json!(s.to_string()));
    }
    if let Some(u) = until {
        args.insert("until".into(), json!(u.to_string()));
    }
    let f = match field {
        DateField::CreatedAt => "created_at",
        DateField::UpdatedAt => "updated_at",
    };
    args.insert("date_field".into(), json!(f));
}

/// The `overall` row, its coverage filled from `conversations` when missing.
pub fn overall(rows: Vec<SyncMeta>) -> Option<SyncMeta> {
    let conv_coverage = rows
        .iter()
        .find(|r| r.resource == "conversations")
        .and_then(|r| r.coverage_start);
    let mut o = rows.into_iter().find(|r| r.resource == OVERALL)?;
    if o.coverage_start.is_none() {
        o.coverage_start = conv_coverage;
    }
    Some(o)
}

/// The database file on this host, one read-only connection reused across calls.
pub struct Local {
    path: PathBuf,
    conn: Arc<Mutex<Option<Connection>>>,
}

impl Local {
    async fn run<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T> + Send + 'static,
    {
        let slot = Arc::clone(&self.conn);
        let path = self.path.clone();
        tokio::task::spawn_blocking(move || {
            let mut guard = slot.lock().unwrap_or_else(|p| p.into_inner());
            if guard.is_none() {
                *guard = Some(crate::store::open_ro(&path)?);
            }
            let r = f(guard.as_ref().expect("just opened"));
            if r.is_err() {
                // Reopen next time (the file may have been replaced or migrated).
                *guard = None;
            }
            r
        })
        .await
        .context("database read task failed")?
    }
}

type Session = RunningService<RoleClient, ()>;

/// An MCP server, one session reused across calls and rebuilt after a transport failure.
pub struct Mcp {
    src: CacheSource,
    timeout: Duration,
    session: tokio::sync::Mutex<Option<Session>>,
}

/// A tool answer that says the object is not in the cache (the MCP server reports it as a tool error).
const NOT_IN_CACHE: &str = "is not in the cache";

impl Mcp {
    async fn connect(&self) -> Result<Session> {
        let service = match &self.src {
            CacheSource::McpHttp { url, token } => {
                let mut cfg = StreamableHttpClientTransportConfig::with_uri(url.as_str());
                if let Some(t) = token {
                    cfg = cfg.auth_header(t.expose());
                }
                let transport = StreamableHttpClientTransport::from_config(cfg);
                ().serve(transport)
                    .await
                    .map_err(|e| anyhow!("MCP server at {url} did not answer: {e}"))?
            }
            CacheSource::McpStdio { program, args } => {
                let mut cmd = tokio::process::Command::new(program);
                cmd.args(args);
                // The server logs to stderr; a library must not write into its caller's terminal.
                let (transport, _) = TokioChildProcess::builder(cmd)
                    .stderr(std::process::Stdio::null())
                    .spawn()
                    .with_context(|| format!("starting MCP server {}", program.display()))?;
                ().serve(transport)
                    .await
                    .map_err(|e| anyhow!("MCP server {} did not answer: {e}", program.display()))?
            }
            _ => bail!("not an MCP cache"),
        };
        Ok(service)
    }

    /// Call a tool and return its structured content (`Err` for a transport failure, a timeout, or a
    /// tool error; `Ok(None)` for a tool error saying the object is not in the cache).
    async fn raw(&self, name: &'static str, args: Map<String, Value>) -> Result<Option<Value>> {
        let work = async {
            let mut guard = self.session.lock().await;
            if guard.is_none() {
                *guard = Some(self.connect().await?);
            }
            let peer = guard.as_ref().expect("connected").peer().clone();
            drop(guard);
            let params = CallToolRequestParams::new(name).with_arguments(args);
            match peer.call_tool(params).await {
                Ok(r) => Ok(r),
                Err(e) => {
                    *self.session.lock().await = None;
                    Err(anyhow!("MCP {name} failed: {e}"))
                }
            }
        };
        let result: CallToolResult = match tokio::time::timeout(self.timeout, work).await {
            Ok(r) => r?,
            Err(_) => {
                *self.session.lock().await = None;
                bail!(
                    "MCP server did not answer {name} within {} ms",
                    self.timeout.as_millis()
                )
            }
        };
        let text = || {
            result
                .content
                .iter()
                .filter_map(|c| c.as_text().map(|t| t.text.clone()))
                .collect::<Vec<_>>()
                .join(" ")
        };
        if result.is_error == Some(true) {
            let msg = text();
            if msg.contains(NOT_IN_CACHE) {
                return Ok(None);
            }
            bail!("MCP {name}: {msg}");
        }
        match result.structured_content.clone() {
            Some(v) => Ok(Some(v)),
            None => serde_json::from_str(&text())
                .map(Some)
                .with_context(|| format!("MCP {name} answered without structured content")),
        }
    }

    /// Call a tool and return its structured content; `Ok(None)` when the tool says the object is not in
    /// the cache.
    pub async fn tool(&self, name: &'static str, args: Map<String, Value>) -> Result<Option<Value>> {
        self.raw(name, args).await
    }

    async fn call<T: DeserializeOwned>(&self, name: &'static str, args: Map<String, Value>) -> Result<T> {
        self.call_opt(name, args)
            .await?
            .ok_or_else(|| anyhow!("MCP {name}: not in the cache"))
    }

    async fn call_opt<T: DeserializeOwned>(
        &self,
        name: &'static str,
        args: Map<String, Value>,
    ) -> Result<Option<T>> {
        match self.raw(name, args).await? {
            None => Ok(None),
            Some(v) => serde_json::from_value(v)
                .map(Some)
                .with_context(|| format!("MCP {name} answered an unexpected shape")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(resource: &str, coverage: Option<i64>) -> SyncMeta {
        SyncMeta {
            resource: resource.into(),
            status: crate::model::SyncState::Ok,
            last_attempt_start: None,
            last_attempt_end: None,
            last_success: Some(1),
            last_error: None,
            high_water_mark: None,
            coverage_start: coverage,
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

    #[test]
    fn overall_row_borrows_conversation_coverage() {
        let o = overall(vec![row("overall", None), row("conversations", Some(5))]).unwrap();
        assert_eq!(o.coverage_start, Some(5));
        let o = overall(vec![row("overall", Some(3)), row("conversations", Some(5))]).unwrap();
        assert_eq!(o.coverage_start, Some(3));
        assert!(overall(vec![row("conversations", Some(5))]).is_none());
    }

    #[test]
    fn contact_key_is_email_or_id() {
        assert_eq!(split_contact_key(" a@b.c "), (None, Some("a@b.c".into())));
        assert_eq!(split_contact_key("123"), (Some("123".into()), None));
    }
}
