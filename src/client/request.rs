//! What a [`super::Client`] is built from and asked: where the cache is and the defaults
//! ([`ClientConfig`], [`CacheSource`]), per-call overrides ([`CallOptions`]), and the questions with a
//! REST twin ([`SearchRequest`], [`StatsRequest`]). Plain structs: the CLI converts its flags to these.

use crate::config::{Settings, Token};
use crate::intercom::ApiConfig;
use crate::model::{ConversationFilters, DateField, GroupBy};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Per-call overrides of the client's defaults.
#[derive(Debug, Clone, Default)]
pub struct CallOptions {
    /// How old the cache may be for this call (default: [`ClientConfig::max_staleness`]).
    pub max_staleness: Option<Duration>,
    /// Whether a stale cached answer beats an error when REST fails (default: [`ClientConfig::allow_stale`]).
    pub allow_stale: Option<bool>,
}

/// Where the cache is.
#[derive(Debug, Clone)]
pub enum CacheSource {
    /// An MCP server over Streamable HTTP, e.g. `http://127.0.0.1:8765/mcp`, with an optional bearer token.
    McpHttp { url: String, token: Option<Token> },
    /// An MCP server spoken to over stdio: the client starts `program args...` (e.g. `fastintercom serve --stdio`).
    McpStdio { program: PathBuf, args: Vec<String> },
    /// The SQLite database file on this host, read directly (read-only).
    Database(PathBuf),
    /// No cache: every answer comes from REST.
    None,
}

/// Everything a [`super::Client`] needs. Build it with [`ClientConfig::new`] or [`ClientConfig::from_settings`].
#[derive(Debug, Clone)]
pub struct ClientConfig {
    pub cache: CacheSource,
    /// Intercom's REST API; None makes the REST path unavailable (a reason, not a crash).
    pub api: Option<ApiConfig>,
    /// Why `api` is None, shown in reasons and errors.
    pub api_unavailable: Option<String>,
    /// Default staleness bound (`FASTINTERCOM_MAX_STALENESS_MINUTES`, default 60 min).
    pub max_staleness: Duration,
    /// Default for [`CallOptions::allow_stale`] (true).
    pub allow_stale: bool,
    /// Bound on connecting to and calling the MCP server (default 5 s); past it the cache is unreachable.
    pub cache_timeout: Duration,
    /// Bound on one REST answer, retries and rate-limit waits included (default 20 s).
    pub rest_timeout: Duration,
    /// How long a `get_sync_status` answer from the MCP server is reused (default 5 s).
    pub status_ttl: Duration,
    /// How long admin, team and tag lists fetched over REST are reused (default 60 s).
    pub directory_ttl: Duration,
    /// After Intercom failed to answer at all (timeout, connection failure, 5xx after retries), REST is not
    /// asked again for this long (default 30 s): a long-lived client answers from the cache at once instead
    /// of waiting out `rest_timeout` on every call.
    pub rest_down_cooldown: Duration,
    /// Most pages a REST `conversation_stats` walks (150 conversations each) before it gives up (default 20).
    pub rest_stats_max_pages: usize,
}

impl ClientConfig {
    /// Defaults around a cache and an optional REST API.
    ///
    /// ```
    /// use fastintercom::client::{CacheSource, Client, ClientConfig};
    /// use fastintercom::config::Token;
    /// use fastintercom::intercom::ApiConfig;
    /// use std::time::Duration;
    ///
    /// let api = ApiConfig::new("https://api.intercom.io", Token::new("token"));
    /// let stdio = CacheSource::McpStdio {
    ///     program: "fastintercom".into(),
    ///     args: vec!["serve".into(), "--stdio".into()],
    /// };
    /// let mut cfg = ClientConfig::new(stdio, Some(api));
    /// cfg.max_staleness = Duration::from_secs(15 * 60);
    /// let client = Client::new(cfg); // connects on the first request
    /// # drop(client);
    /// ```
    pub fn new(cache: CacheSource, api: Option<ApiConfig>) -> Self {
        let api_unavailable = api
            .is_none()
            .then(|| "REST unavailable: no Intercom token configured".to_string());
        ClientConfig {
            cache,
            api,
            api_unavailable,
            max_staleness: Duration::from_secs(60 * 60),
            allow_stale: true,
            cache_timeout: Duration::from_secs(5),
            rest_timeout: Duration::from_secs(20),
            status_ttl: Duration::from_secs(5),
            directory_ttl: Duration::from_secs(60),
            rest_stats_max_pages: 20,
            rest_down_cooldown: Duration::from_secs(30),
        }
    }

    /// From the settings (flags first): the MCP URL (`--mcp-url` / `FASTINTERCOM_MCP_URL`), else the
    /// database file (`--db` / `FASTINTERCOM_DB` / default path); the token and API base; the staleness
    /// bound (`--max-staleness` / `FASTINTERCOM_MAX_STALENESS_MINUTES`). A missing token is not an error:
    /// the REST path is then unavailable.
    pub fn from_settings(
        s: &Settings,
        mcp_url: Option<&str>,
        db: Option<&Path>,
        max_staleness_minutes: Option<u64>,
    ) -> anyhow::Result<Self> {
        let cache = match s.mcp_url(mcp_url) {
            Some(url) => CacheSource::McpHttp {
                url,
                token: s.mcp_token()?,
            },
            None => CacheSource::Database(s.db_path(db)),
        };
        let (api, unavailable) = match s.intercom_token() {
            Ok(token) => {
                let mut cfg = ApiConfig::new(s.api_base()?, token);
                cfg.version = s.intercom_version();
                cfg.concurrency = s.concurrency()?;
                (Some(cfg), None)
            }
            Err(e) => (None, Some(format!("REST unavailable: {e:#}"))),
        };
        let mut cfg = ClientConfig::new(cache, api);
        if unavailable.is_some() {
            cfg.api_unavailable = unavailable;
        }
        cfg.max_staleness = Duration::from_secs(s.max_staleness_minutes(max_staleness_minutes)? * 60);
        Ok(cfg)
    }
}

/// A conversation search: optional text, a window, filters, a page size.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SearchRequest {
    /// Words to find (all of them). REST matches them in the opening message only; the cache everywhere.
    pub text: Option<String>,
    /// Window start (Unix seconds, inclusive) on `date_field`. None: all time.
    pub since: Option<i64>,
    /// Window end (Unix seconds, exclusive).
    pub until: Option<i64>,
    /// Which timestamp the window applies to (default `updated_at`, as the MCP `search_conversations` tool).
    pub date_field: Option<DateField>,
    /// Which conversations (the MCP tool's filters). REST can ask Intercom for `state`, `admin_id`,
    /// `team_id`, `tag` and `contact_email`; it refuses the others, naming them.
    pub filters: ConversationFilters,
    /// Page size (1-100, default 20; the MCP server returns at most 100).
    pub limit: Option<u32>,
}

impl SearchRequest {
    /// Conversations containing these words.
    pub fn text(t: impl Into<String>) -> Self {
        SearchRequest {
            text: Some(t.into()),
            ..Default::default()
        }
    }

    /// Limit the window to the last `days` days.
    pub fn since_days(mut self, days: i64) -> Self {
        self.since = Some(crate::timespec::now() - days * 86_400);
        self
    }

    pub(crate) fn page_size(&self) -> u32 {
        self.limit.unwrap_or(20).clamp(1, 100)
    }

    pub(crate) fn field(&self) -> DateField {
        self.date_field.unwrap_or(DateField::UpdatedAt)
    }

    pub(crate) fn words(&self) -> Vec<String> {
        self.text
            .as_deref()
            .unwrap_or("")
            .split_whitespace()
            .filter(|t| t.chars().any(char::is_alphanumeric))
            .map(str::to_string)
            .collect()
    }
}

/// A `conversation_stats` request: counts in a window, grouped.
#[derive(Debug, Clone, PartialEq)]
pub struct StatsRequest {
    pub since: Option<i64>,
    pub until: Option<i64>,
    /// Which timestamp the window applies to; default `created_at`, as the MCP `conversation_stats` tool.
    /// Either is safe for the decision: a conversation created after the coverage start was updated after it.
    pub date_field: Option<DateField>,
    pub group_by: GroupBy,
    /// Which conversations to count (the MCP tool's filters). REST counts with `state`, `admin_id` and
    /// `team_id`; it refuses the others, naming them.
    pub filters: ConversationFilters,
}

impl StatsRequest {
    pub fn new(group_by: GroupBy) -> Self {
        StatsRequest {
            since: None,
            until: None,
            date_field: None,
            group_by,
            filters: ConversationFilters::default(),
        }
    }

    pub(crate) fn field(&self) -> DateField {
        self.date_field.unwrap_or(DateField::CreatedAt)
    }
}
