//! The cache path: the same questions asked of `serve`'s MCP tools, over Streamable HTTP, stdio, or (for
//! the database file on this host) an in-process session ([`crate::mcp::in_process`], the client's one
//! entry point into the server side). All three answer alike; the answers are [`crate::model`] types.
//!
//! Errors here mean "the cache did not answer" (unreachable, timed out, refused); a lookup by id that the
//! cache does not hold is `Ok(None)`, not an error.

mod tickets;

use super::{CacheSource, SearchRequest, StatsRequest};
use crate::answer::{HARD_CAP, NotFound};
use crate::model::{
    ContactDetail, ConversationDetail, ConversationPage, DateField, SearchResult, Stats, SyncMeta,
};
use anyhow::{Context, Result, anyhow, bail};
use rmcp::model::{CallToolRequestParams, CallToolResult};
use rmcp::service::RunningService;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::transport::{StreamableHttpClientTransport, TokioChildProcess};
use rmcp::{RoleClient, ServiceExt};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};
use std::time::Duration;

/// Recent conversations listed with a contact (the MCP `get_contact` tool lists 10 too).
pub const CONTACT_RECENT: usize = 10;

/// A cache to ask: `serve`'s tools, reached one of three ways.
pub struct Cache {
    mcp: Mcp,
}

impl Cache {
    pub fn new(src: &CacheSource, timeout: Duration) -> Option<Cache> {
        match src {
            CacheSource::None => None,
            src => Some(Cache {
                mcp: Mcp {
                    src: src.clone(),
                    timeout,
                    session: tokio::sync::Mutex::new(None),
                },
            }),
        }
    }

    /// Whether asking costs a round trip to another process (then the client reuses `get_sync_status`
    /// for a few seconds).
    pub fn is_remote(&self) -> bool {
        !matches!(self.mcp.src, CacheSource::Database(_))
    }

    /// The MCP session the cache is asked through.
    pub fn mcp(&self) -> &Mcp {
        &self.mcp
    }

    /// Every `sync_metadata` row (`get_sync_status`): [`row`] picks the one a request is decided on.
    pub async fn sync_rows(&self) -> Result<Vec<SyncMeta>> {
        #[derive(serde::Deserialize)]
        struct Status {
            rows: Vec<SyncMeta>,
        }
        Ok(self.mcp.call::<Status>("get_sync_status", Map::new()).await?.rows)
    }

    pub async fn search(&self, req: &SearchRequest) -> Result<SearchResult> {
        let m = &self.mcp;
        let mut args = Map::new();
        if let Some(t) = req.text.as_deref().filter(|t| !t.trim().is_empty()) {
            args.insert("query".into(), json!(t));
        }
        window_args(&mut args, req.since, req.until, req.field());
        req.filters.to_tool_args(&mut args);
        args.insert("sort".into(), json!("updated_desc"));
        args.insert("limit".into(), json!(req.page_size()));
        // A whole page: the answer budget is for assistants, not for this library.
        args.insert("max_bytes".into(), json!(HARD_CAP));
        m.call("search_conversations", args).await
    }

    /// None when the conversation is not in the cache.
    pub async fn conversation(&self, id: &str) -> Result<Option<ConversationDetail>> {
        let m = &self.mcp;
        // The tool answers a page at a time (within its answer budget): follow the cursors.
        let mut args = Map::new();
        args.insert("conversation_id".into(), json!(id));
        args.insert("max_bytes".into(), json!(HARD_CAP));
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

    /// By email when `key` contains `@`, else by id. None when the contact is not in the cache.
    pub async fn contact(&self, key: &str) -> Result<Option<ContactDetail>> {
        let (id, email) = split_contact_key(key);
        let m = &self.mcp;
        let mut args = Map::new();
        if let Some(id) = id {
            args.insert("contact_id".into(), json!(id));
        }
        if let Some(e) = email {
            args.insert("email".into(), json!(e));
        }
        m.call_opt("get_contact", args).await
    }

    pub async fn stats(&self, req: &StatsRequest) -> Result<Stats> {
        let m = &self.mcp;
        let mut args = Map::new();
        window_args(&mut args, req.since, req.until, req.field());
        args.insert("group_by".into(), json!(req.group_by.name()));
        req.filters.to_tool_args(&mut args);
        m.call("conversation_stats", args).await
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

/// The row a request about `resource` is decided on: `overall` for conversations and contacts (see
/// [`overall`]), the resource's own row for the others (`tickets`, `companies`, `articles`), so a sync
/// whose tickets failed while conversations went through never passes stale tickets for fresh. None: that
/// resource was never synced.
pub fn row(rows: &[SyncMeta], resource: &str) -> Option<SyncMeta> {
    if resource == SyncMeta::OVERALL {
        overall(rows.to_vec())
    } else {
        rows.iter().find(|r| r.resource == resource).cloned()
    }
}

/// The `overall` row, its coverage filled from `conversations` when missing.
pub fn overall(rows: Vec<SyncMeta>) -> Option<SyncMeta> {
    let conv_coverage = rows
        .iter()
        .find(|r| r.resource == "conversations")
        .and_then(|r| r.coverage_start);
    let mut o = rows.into_iter().find(|r| r.resource == SyncMeta::OVERALL)?;
    if o.coverage_start.is_none() {
        o.coverage_start = conv_coverage;
    }
    Some(o)
}

type Session = RunningService<RoleClient, ()>;

/// `serve`'s tools over MCP, one session reused across calls and rebuilt after a transport failure.
pub struct Mcp {
    src: CacheSource,
    timeout: Duration,
    session: tokio::sync::Mutex<Option<Session>>,
}

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
            CacheSource::Database(path) => {
                let transport = crate::mcp::in_process::connect(path);
                ().serve(transport)
                    .await
                    .map_err(|e| anyhow!("the database {} did not answer: {e}", path.display()))?
            }
            CacheSource::None => bail!("no cache configured"),
        };
        Ok(service)
    }

    /// Call a tool and return its structured content (`Err` for a transport failure, a timeout, or a
    /// tool error; `Ok(Err(_))` for a tool error saying the object is not in the cache, which it says in
    /// a machine-readable block, [`NotFound`]).
    async fn raw(&self, name: &'static str, args: Map<String, Value>) -> Result<Result<Value, NotFound>> {
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
            let texts = result
                .content
                .iter()
                .filter_map(|c| c.as_text().map(|t| t.text.as_str()));
            if let Some(nf) = NotFound::from_texts(texts) {
                return Ok(Err(nf));
            }
            bail!("MCP {name}: {}", text());
        }
        match result.structured_content.clone() {
            Some(v) => Ok(Ok(v)),
            None => serde_json::from_str(&text())
                .map(Ok)
                .with_context(|| format!("MCP {name} answered without structured content")),
        }
    }

    /// Call a tool and return its structured content; `Ok(Err(_))` when the tool says the object is not
    /// in the cache.
    pub async fn tool(
        &self,
        name: &'static str,
        args: Map<String, Value>,
    ) -> Result<Result<Value, NotFound>> {
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
            Err(_) => Ok(None),
            Ok(v) => serde_json::from_value(v)
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
