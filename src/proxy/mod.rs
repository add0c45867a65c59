//! `fastintercom proxy`: an MCP server on the user's side with `serve`'s tools, arguments and answer
//! shapes, whose every call goes through the client library's cache-or-REST decision
//! ([`crate::client::Client`]): the cache (the database file, or a `fastintercom serve` endpoint) when it is
//! fresh enough and covers the question, else Intercom's REST API with the user's own token, else the cached
//! answer marked stale. Each answer's `freshness` says `source` (`cache` or `rest`), `data_as_of`, `age`,
//! `stale` and `reason`.
//!
//! It is its own command, not a flag on `serve`, because `serve`'s invariant is that it never calls
//! Intercom (it runs sandboxed beside the sync, holds no token, and is shared by every user); this one runs
//! for one user, holds that user's token, and spends the app's rate budget.
//!
//! - [`tools`]: the tools (same names and argument structs as [`crate::mcp::args`]) and the handler.
//! - [`tools_tickets`]: the ticket tools (`search_tickets`, `get_ticket`, `ticket_stats`).
//! - [`envelope`]: the answer envelope for each path: serve's answer with the reason, or a REST answer
//!   stamped `source: rest`; the notes on what REST cannot answer the same way.
//! - [`token`]: the user's Intercom token, or why live answers are unavailable.

pub mod envelope;
pub mod server;
pub mod token;
pub mod tools;
pub mod tools_tickets;
pub mod tools_workspace;

use crate::client::{CacheSource, Client, ClientConfig};
use crate::config::Settings;
use crate::mcp::{Db, activation, connections, http, stdio};
use anyhow::{Result, bail};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

pub use tools::ProxyTools;

/// Retries of one REST request (5xx, transport) inside the time bound: a few, since the bound is short.
const REST_RETRIES: u32 = 2;

/// What `fastintercom proxy` was asked to do; the token comes from [`Settings`].
#[derive(Debug, Clone)]
pub struct ProxyOptions {
    /// Database path; `None`: from the settings.
    pub db: Option<PathBuf>,
    /// A `fastintercom serve` endpoint to use as the cache instead of the database file.
    pub mcp_url: Option<String>,
    /// Loopback address for Streamable HTTP; `None`: stdio.
    pub listen: Option<String>,
    /// Cache older than this many minutes -> REST; `None`: from the settings.
    pub max_staleness: Option<u64>,
    /// Bound on one live REST answer, rate-limit waits included.
    pub rest_timeout: Duration,
}

impl Default for ProxyOptions {
    fn default() -> Self {
        Self {
            db: None,
            mcp_url: None,
            listen: None,
            max_staleness: None,
            rest_timeout: Duration::from_secs(5),
        }
    }
}

/// Entry point of `fastintercom proxy`.
pub async fn run_cli(a: ProxyOptions) -> Result<u8> {
    let settings = Settings::load()?;
    let mut cfg =
        ClientConfig::from_settings(&settings, a.mcp_url.as_deref(), a.db.as_deref(), a.max_staleness)?;
    if let Some(why) = token::unsafe_token_file(&settings) {
        cfg.api = None;
        cfg.api_unavailable = Some(format!("REST unavailable: {why}"));
    }
    cfg.rest_timeout = a.rest_timeout;
    if let Some(api) = cfg.api.as_mut() {
        api.timeout = a.rest_timeout;
        api.max_retries = REST_RETRIES;
    }
    let minutes = cfg.max_staleness.as_secs() / 60;
    let local = match &cfg.cache {
        CacheSource::Database(p) => {
            let db = Db::new(p);
            db.set_max_staleness_minutes(minutes);
            if let Err(e) = db.check() {
                tracing::warn!("{e:#}; tools will report this until it is fixed");
            }
            Some(db)
        }
        _ => None,
    };
    match (&cfg.api, &cfg.api_unavailable) {
        (Some(api), _) => {
            tracing::info!(api = %api.base_url, "live answers from Intercom's REST API enabled")
        }
        (None, why) => tracing::warn!(
            "{}; answering from the cache only",
            why.as_deref().unwrap_or("REST unavailable")
        ),
    }
    let cache_desc = match &cfg.cache {
        CacheSource::Database(p) => p.display().to_string(),
        CacheSource::McpHttp { url, .. } => url.clone(),
        _ => "none".into(),
    };
    let tools = ProxyTools::new(Client::new(cfg), local.clone(), minutes);
    let Some(addr) = a.listen.as_deref() else {
        tracing::info!(cache = %cache_desc, "proxy serving MCP on stdio");
        stdio::serve_handler_on(tools, tokio::io::stdin(), tokio::io::stdout()).await?;
        return Ok(0);
    };
    // The proxy holds the user's own Intercom token: it answers on loopback only.
    if let Ok(sa) = addr.parse::<std::net::SocketAddr>()
        && !sa.ip().is_loopback()
    {
        bail!(
            "refusing to serve the proxy on {sa}: it answers with your Intercom token, so it listens on loopback only (e.g. 127.0.0.1:8766)"
        );
    }
    let listener = activation::bind(addr).await?;
    if let Some(sa) = listener.public_addr() {
        bail!("refusing to serve the proxy on {sa}: it listens on loopback only (e.g. 127.0.0.1:8766)");
    }
    let activity = Arc::new(http::Activity::default());
    let opts = http::HttpOptions {
        allowed_origins: Vec::new(),
        token: None,
        loopback_host_check: !listener.is_unix(),
    };
    let where_ = listener.describe();
    let app = http::app_for(tools, opts, Arc::clone(&activity));
    tracing::info!(listen = %where_, cache = %cache_desc, "proxy serving MCP");
    let serve_opts = activation::ServeOptions {
        limits: connections::Limits::default(),
        on_grace_over: Arc::new(move || {
            if let Some(db) = &local {
                db.stop();
            }
        }),
    };
    let stop = activation::stop_signal(Arc::clone(&activity), None);
    let reason = activation::serve_with(vec![(listener, app)], stop, serve_opts).await?;
    tracing::info!(?reason, requests = activity.served(), "proxy stopped");
    Ok(0)
}
