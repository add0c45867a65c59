//! `fastintercom serve`: the read-only MCP server over the SQLite cache.
//!
//! - [`tools`]: the tools (schemas, descriptions, validation) over [`crate::store::read`];
//!   [`crate::answer`]: the envelopes (freshness on every answer, paging cursor); [`server`]: identity and
//!   instructions; [`resources`]: `intercom://conversation/{id}`.
//! - [`jsonrpc`]: the JSON-RPC checks both transports make before rmcp parses a message.
//! - [`tools_tickets`]: `search_tickets`, `get_ticket`, `ticket_stats` ([`args_tickets`] their arguments,
//!   [`budget_tickets`] a ticket's pages), stamped from the `tickets` sync row.
//! - [`args`]: tool arguments (input schemas with enums and ranges, strict checks); [`ids`]: id
//!   arguments given as JSON strings or numbers; [`strict`]: the unknown-tool and unknown-argument
//!   refusal `serve` and `proxy` both make; [`asks`]: the checked arguments both answer from.
//! - [`pool`]: pooled read-only connections, used on the blocking thread pool.
//! - [`http`]: Streamable HTTP (stateless, JSON responses) behind Origin/bearer/body-size checks.
//! - [`connections`]: the HTTP connection loop: header/idle timeouts, a connection cap, bounded drain.
//! - [`activation`]: systemd socket activation, sd-notify, idle exit, graceful drain.
//! - [`stdio`]: MCP over stdin/stdout; [`in_process`]: the same session in memory, for the client library's
//!   database-file cache (its one entry point into this module).
//!
//! Architecture invariant: this module never writes to the database and never calls Intercom; it keeps no
//! state across requests beyond pooled connections, so an instance can exit when idle at any time.

pub mod activation;
pub mod args;
pub mod args_tickets;
pub mod args_workspace;
pub mod asks;
pub mod budget;
pub mod budget_tickets;
pub mod connections;
pub mod connector;
pub mod freshness;
pub mod http;
pub mod ids;
pub mod in_process;
pub mod jsonrpc;
pub mod pool;
pub mod resources;
pub mod server;
pub mod stdio;
pub mod strict;
pub mod tools;
pub mod tools_tickets;
pub mod tools_workspace;

use crate::config::Settings;
use anyhow::Result;
use sd_notify::NotifyState;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

pub use pool::Db;
pub use tools::IntercomTools;

/// What `fastintercom serve` was asked to do; the token and staleness come from [`Settings`].
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Database path; `None`: from the settings.
    pub db: Option<PathBuf>,
    /// Speak MCP over stdin/stdout instead of HTTP.
    pub stdio: bool,
    /// Address for Streamable HTTP (ignored when socket-activated); `None`: [`activation::DEFAULT_LISTEN`].
    pub listen: Option<String>,
    /// When socket-activated, exit after this many seconds without requests (0 = never).
    pub idle_exit: u64,
    /// Extra allowed `Origin` values besides loopback origins.
    pub allowed_origins: Vec<String>,
    /// Bound on one tool call.
    pub call_timeout: Duration,
    /// HTTP connections served at once.
    pub max_connections: usize,
}

impl Default for ServeOptions {
    fn default() -> Self {
        Self {
            db: None,
            stdio: false,
            listen: None,
            idle_exit: 300,
            allowed_origins: Vec::new(),
            call_timeout: Duration::from_secs(5),
            max_connections: connections::DEFAULT_MAX_CONNECTIONS,
        }
    }
}

/// Entry point of `fastintercom serve`.
pub async fn run_cli(a: ServeOptions) -> Result<u8> {
    let settings = Settings::load()?;
    let db_path = settings.db_path(a.db.as_deref());
    let db = Db::with_call_timeout(&db_path, a.call_timeout);
    match settings.max_staleness_minutes(None) {
        Ok(m) => db.set_max_staleness_minutes(m),
        Err(e) => tracing::warn!("{e:#}; answers are flagged stale after the default 60 minutes"),
    }
    if let Err(e) = db.check() {
        // Keep serving: tools answer with this error until `sync` creates or migrates the database.
        tracing::warn!("{e:#}; tools will report this until it is fixed");
    }
    if a.stdio {
        stdio::serve(db).await?;
        return Ok(0);
    }
    let token = settings.mcp_token()?;
    let mut listeners = activation::from_systemd()?;
    let activated = !listeners.is_empty();
    let refuse = |addr: &dyn std::fmt::Display| {
        anyhow::anyhow!(
            "refusing to serve on non-loopback address {addr} without a bearer token: set \
             FASTINTERCOM_MCP_TOKEN or the systemd credential mcp-token, or listen on 127.0.0.1"
        )
    };
    if !activated {
        let addr = a.listen.as_deref().unwrap_or(activation::DEFAULT_LISTEN);
        // Refuse before binding when the address says it all; names are checked once bound.
        if token.is_none()
            && let Ok(sa) = addr.parse::<std::net::SocketAddr>()
            && !sa.ip().is_loopback()
        {
            return Err(refuse(&sa));
        }
        listeners.push(activation::bind(addr).await?);
    }
    if token.is_none()
        && let Some(addr) = listeners.iter().find_map(|l| l.public_addr())
    {
        return Err(refuse(&addr));
    }
    let allowed_origins: Vec<String> = a
        .allowed_origins
        .iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    let activity = Arc::new(http::Activity::default());
    let mut where_ = Vec::new();
    let mut served = Vec::new();
    for l in listeners {
        let opts = http::HttpOptions {
            allowed_origins: allowed_origins.clone(),
            // Host checks guard loopback TCP against DNS rebinding; a Unix socket cannot be reached by a
            // browser, and a public address requires the bearer token instead.
            loopback_host_check: !l.is_unix() && l.public_addr().is_none(),
            token: token.clone(),
        };
        where_.push(l.describe());
        served.push((l, http::app(Arc::clone(&db), opts, Arc::clone(&activity))));
    }
    let idle = (activated && a.idle_exit > 0).then(|| Duration::from_secs(a.idle_exit));
    let where_ = where_.join(", ");
    tracing::info!(listen = %where_, db = %db_path.display(), activated, "serving MCP");
    let status = format!("serving {} on {where_}", db_path.display());
    activation::notify(&[NotifyState::Ready, NotifyState::Status(&status)]);
    let opts = activation::ServeOptions {
        limits: connections::Limits {
            max_connections: a.max_connections.max(1),
            ..Default::default()
        },
        on_grace_over: {
            let db = Arc::clone(&db);
            Arc::new(move || db.stop())
        },
    };
    let stop = activation::stop_signal(Arc::clone(&activity), idle);
    let reason = activation::serve_with(served, stop, opts).await?;
    tracing::info!(?reason, requests = activity.served(), "MCP server stopped");
    Ok(0)
}
