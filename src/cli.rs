//! Command-line interface. The command names, flags and environment variables here are the public
//! contract that users, docs and scripts rely on: keep them, add freely. Man pages and completions are generated from this.
//!
//! This is the one library module that knows clap: each command's library entry point takes a plain options
//! struct defined in its own module (`sync::SyncCommandOptions`, `mcp::ServeOptions`, ...), and the
//! `From<&XArgs>` conversion sits right after the clap struct it reads.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "fastintercom",
    version,
    about = "Fast, fresh, read-only access to an Intercom workspace for AI assistants",
    long_about = "fastintercom keeps a local SQLite copy of an Intercom workspace fresh (`sync`), serves it \
to AI assistants over MCP (`serve`), and answers questions from the cache when it is fresh enough, \
else from Intercom's REST API (`search`, `conversation`, `contact`, `ticket`).\n\n\
Settings come from flags, then environment variables, then /etc/fastintercom/fastintercom.toml.",
    after_long_help = "Environment:\n  \
INTERCOM_ACCESS_TOKEN               Intercom token (under systemd: the credential intercom-token instead)\n  \
FASTINTERCOM_DB                     database path\n  \
FASTINTERCOM_REGION                 us | eu | au (default us)\n  \
FASTINTERCOM_API_BASE               API base URL (overrides the region)\n  \
FASTINTERCOM_INTERCOM_VERSION       Intercom-Version header (default 2.16)\n  \
FASTINTERCOM_BACKFILL_DAYS          first sync window in days (default 90)\n  \
FASTINTERCOM_CONCURRENCY            most requests in flight; the sync adapts below it (default 64)\n  \
FASTINTERCOM_RATE_RESERVE_PERCENT   share of each rate-limit window left for live calls (default 5)\n  \
FASTINTERCOM_RECONCILE_HOURS        full id walk for deletions every N hours (default 24)\n  \
FASTINTERCOM_RECONCILE_MAX_DELETE_PERCENT  most of a table one run may delete as gone (default 10)\n  \
FASTINTERCOM_MAX_STALENESS_MINUTES  cache older than this -> REST; status exits 1 (default 60)\n  \
FASTINTERCOM_MCP_URL                MCP endpoint for search/conversation/contact (default: read the database)\n  \
FASTINTERCOM_MCP_TOKEN              bearer token MCP clients must send (credential mcp-token under systemd)\n  \
FASTINTERCOM_MCP_ALLOWED_ORIGINS    extra allowed Origin values for the HTTP transport\n  \
FASTINTERCOM_MCP_CALL_TIMEOUT_SECONDS  stop an MCP tool call after this long (default 5)\n  \
FASTINTERCOM_MCP_MAX_CONNECTIONS    HTTP connections served at once (default 512)\n  \
FASTINTERCOM_REST_TIMEOUT_SECONDS   proxy: bound on one live REST answer, rate-limit waits included (default 5)\n  \
FASTINTERCOM_CONFIG                 config file (default /etc/fastintercom/fastintercom.toml)\n  \
RUST_LOG                            log filter (default info)\n\n\
Exit status: 0 success; 1 failure (one line on stderr) or stale (status); 75 another sync is running; \
143 sync stopped by SIGTERM/SIGINT mid-run (at a batch boundary, checkpoint intact; while `sync --interval` \
sleeps a signal exits 0)."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Pull the workspace from Intercom into the local SQLite database.
    Sync(SyncArgs),
    /// Show how fresh the local database is (exit 1 when older than --max-staleness).
    Status(StatusArgs),
    /// Serve the database to MCP clients (Streamable HTTP or stdio), read-only.
    Serve(ServeArgs),
    /// An MCP server for one user (stdio, or Streamable HTTP on loopback) with serve's tools, answering
    /// from the cache when it is fresh enough, else live from Intercom's REST API with the user's token.
    Proxy(ProxyArgs),
    /// Run a simulated Intercom API on loopback (for tests, demos and benchmarks).
    Simulate(SimulateArgs),
    /// Search conversations, or tickets with --tickets (cache when fresh, else Intercom's REST API).
    Search(SearchArgs),
    /// Show one conversation with its parts (cache when fresh, else REST).
    Conversation(ConversationArgs),
    /// Show one contact by email or id, with recent conversations (cache when fresh, else REST).
    Contact(ContactArgs),
    /// Show one ticket by its API id (the cache also takes the inbox number), with its parts (cache when
    /// fresh, else REST).
    Ticket(TicketArgs),
    /// Show one company by name or id, with its contacts, recent conversations and tickets (cache when
    /// fresh, else REST).
    Company(CompanyArgs),
    /// Search Help Center articles (cache when fresh, else REST); --show prints the best hit's text.
    Article(ArticleArgs),
    /// One command to see it work: simulator -> sync -> MCP server, nothing to configure.
    Demo(DemoArgs),
    /// Write man pages and shell completions into a directory (the Debian build installs them; read one
    /// without installing with `man -l DIR/man/fastintercom.1`).
    GenDocs(GenDocsArgs),
}

#[derive(Debug, Clone, Args)]
pub struct DbArg {
    /// SQLite database path [env: FASTINTERCOM_DB; default: $STATE_DIRECTORY/fastintercom.db under systemd,
    /// else /var/lib/fastintercom/fastintercom.db]
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,
}

#[derive(Debug, Clone, Args)]
pub struct SyncArgs {
    /// Run one sync and exit (what the systemd timer does).
    #[arg(long, conflicts_with = "interval")]
    pub once: bool,
    /// Keep running, syncing every MIN minutes.
    #[arg(long, value_name = "MIN")]
    pub interval: Option<u64>,
    /// Fetch every conversation, not only the last FASTINTERCOM_BACKFILL_DAYS days.
    #[arg(long)]
    pub full: bool,
    /// Backfill from this time instead of FASTINTERCOM_BACKFILL_DAYS ago: 30d, 12w, YYYY-MM-DD, RFC 3339 or
    /// Unix seconds (not in the future).
    #[arg(long, value_name = "DATE", allow_hyphen_values = true)]
    pub since: Option<String>,
    /// Do not pace requests from the X-RateLimit-* headers; only wait out 429s (benchmarks).
    #[arg(long, hide = true)]
    pub no_proactive_throttle: bool,
    #[command(flatten)]
    pub db: DbArg,
}

impl From<&SyncArgs> for crate::sync::SyncCommandOptions {
    fn from(a: &SyncArgs) -> Self {
        Self {
            interval: a.interval,
            full: a.full,
            since: a.since.clone(),
            no_proactive_throttle: a.no_proactive_throttle,
            db: a.db.db.clone(),
        }
    }
}

#[derive(Debug, Clone, Args)]
pub struct StatusArgs {
    /// Print the sync_metadata rows as JSON.
    #[arg(long)]
    pub json: bool,
    /// Exit 1 when the last successful sync is older than this many minutes
    /// [env: FASTINTERCOM_MAX_STALENESS_MINUTES; default 60].
    #[arg(long, value_name = "MIN")]
    pub max_staleness: Option<u64>,
    #[command(flatten)]
    pub db: DbArg,
}

impl From<&StatusArgs> for crate::status::StatusOptions {
    fn from(a: &StatusArgs) -> Self {
        Self {
            json: a.json,
            max_staleness: a.max_staleness,
            db: a.db.db.clone(),
        }
    }
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub db: DbArg,
    /// Speak MCP over stdin/stdout (for Claude Desktop, editors).
    #[arg(long, conflicts_with = "listen")]
    pub stdio: bool,
    /// Listen for Streamable HTTP on this address (ignored when socket-activated) [default: 127.0.0.1:8765].
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<String>,
    /// When socket-activated, exit after this many seconds without requests (0 = never).
    #[arg(long, value_name = "SECONDS", default_value_t = 300)]
    pub idle_exit: u64,
    /// Extra allowed Origin header values (besides loopback origins), comma separated.
    #[arg(
        long,
        value_name = "ORIGINS",
        env = "FASTINTERCOM_MCP_ALLOWED_ORIGINS",
        hide_env_values = true,
        value_delimiter = ','
    )]
    pub allowed_origins: Vec<String>,
    /// Stop a tool call after this many seconds (a query still running is interrupted) and answer a tool
    /// error saying so.
    #[arg(
        long,
        value_name = "SECONDS",
        env = "FASTINTERCOM_MCP_CALL_TIMEOUT_SECONDS",
        hide_env_values = true,
        default_value = "5",
        value_parser = parse_seconds
    )]
    pub call_timeout: std::time::Duration,
    /// Serve at most this many HTTP connections at once; more are answered 503 and closed. Keep it below
    /// the open-file limit (the systemd units set LimitNOFILE=4096).
    #[arg(
        long,
        value_name = "N",
        env = "FASTINTERCOM_MCP_MAX_CONNECTIONS",
        hide_env_values = true,
        default_value_t = crate::mcp::connections::DEFAULT_MAX_CONNECTIONS
    )]
    pub max_connections: usize,
}

impl From<&ServeArgs> for crate::mcp::ServeOptions {
    fn from(a: &ServeArgs) -> Self {
        Self {
            db: a.db.db.clone(),
            stdio: a.stdio,
            listen: a.listen.clone(),
            idle_exit: a.idle_exit,
            allowed_origins: a.allowed_origins.clone(),
            call_timeout: a.call_timeout,
            max_connections: a.max_connections,
        }
    }
}

#[derive(Debug, Clone, Args)]
pub struct ProxyArgs {
    #[command(flatten)]
    pub db: DbArg,
    /// Use this `fastintercom serve` endpoint (Streamable HTTP) as the cache instead of the database file
    /// [env: FASTINTERCOM_MCP_URL].
    #[arg(long, value_name = "URL")]
    pub mcp_url: Option<String>,
    /// Speak MCP over stdin/stdout (what it does without --listen).
    #[arg(long, conflicts_with = "listen")]
    pub stdio: bool,
    /// Listen for Streamable HTTP on this loopback address (e.g. 127.0.0.1:8766) instead of stdio.
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<String>,
    /// Cache older than this many minutes -> REST, unless a call passes `max_staleness`
    /// [env: FASTINTERCOM_MAX_STALENESS_MINUTES; default 60].
    #[arg(long, value_name = "MIN")]
    pub max_staleness: Option<u64>,
    /// Bound on one live REST answer (retries and rate-limit waits included); past it, or when the rate
    /// budget is spent until later, the cached answer is given, marked stale.
    #[arg(
        long,
        value_name = "SECONDS",
        env = "FASTINTERCOM_REST_TIMEOUT_SECONDS",
        hide_env_values = true,
        default_value = "5",
        value_parser = parse_seconds
    )]
    pub rest_timeout: std::time::Duration,
}

impl From<&ProxyArgs> for crate::proxy::ProxyOptions {
    fn from(a: &ProxyArgs) -> Self {
        // `--stdio` is what the proxy does without `--listen`; clap keeps the two apart.
        Self {
            db: a.db.db.clone(),
            mcp_url: a.mcp_url.clone(),
            listen: a.listen.clone(),
            max_staleness: a.max_staleness,
            rest_timeout: a.rest_timeout,
        }
    }
}

/// A positive number of seconds (fractions allowed), at most a day.
fn parse_seconds(s: &str) -> Result<std::time::Duration, String> {
    match s.trim().parse::<f64>() {
        Ok(n) if n > 0.0 && n <= 86_400.0 => Ok(std::time::Duration::from_secs_f64(n)),
        _ => Err(format!(
            "{s:?} is not a number of seconds between 0 and 86400 (e.g. 5 or 0.5)"
        )),
    }
}

#[derive(Debug, Clone, Args)]
pub struct SimulateArgs {
    /// Address to listen on.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8780")]
    pub listen: String,
    /// Number of conversations in the generated workspace.
    #[arg(long, value_name = "N", default_value_t = 1000)]
    pub conversations: usize,
    /// Seed for the generated workspace (same seed, same workspace).
    #[arg(long, value_name = "S", default_value_t = 1)]
    pub seed: u64,
    /// Average conversation parts per conversation.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub parts: usize,
    /// The access token the simulator accepts.
    #[arg(long, value_name = "TOKEN", default_value = "sim-token")]
    pub token: String,
    /// Requests allowed per 10-second window (Intercom's rate limit); 0 = unlimited.
    #[arg(long, value_name = "L", default_value_t = 0)]
    pub rate_limit: u32,
    /// Added latency per request in milliseconds, as "MIN-MAX" or "N".
    #[arg(long, value_name = "MS")]
    pub latency_ms: Option<String>,
    /// Share (0.0-1.0) of requests answered with a 500/502/503.
    #[arg(long, value_name = "P", default_value_t = 0.0)]
    pub fault_5xx: f64,
    /// Share of requests that hang for a long time (client timeouts).
    #[arg(long, value_name = "P", default_value_t = 0.0)]
    pub fault_slow: f64,
    /// Share of requests whose connection is dropped without an answer.
    #[arg(long, value_name = "P", default_value_t = 0.0)]
    pub fault_drop: f64,
    /// Share of requests answered with truncated/malformed JSON or an empty 200 body.
    #[arg(long, value_name = "P", default_value_t = 0.0)]
    pub fault_malformed: f64,
    /// Every N seconds, change about 1% of the workspace (new conversations, replies, edits, deletions).
    #[arg(long, value_name = "SECONDS")]
    pub mutate_every: Option<u64>,
    /// Number of tickets [default: conversations / 10].
    #[arg(long, value_name = "N")]
    pub tickets: Option<usize>,
    /// Number of companies [default: conversations / 10 + 5].
    #[arg(long, value_name = "N")]
    pub companies: Option<usize>,
    /// Number of Help Center articles [default: conversations / 20 + 5].
    #[arg(long, value_name = "N")]
    pub articles: Option<usize>,
}

#[cfg(feature = "simulator")]
impl From<&SimulateArgs> for crate::simulator::SimulateOptions {
    fn from(a: &SimulateArgs) -> Self {
        Self {
            listen: a.listen.clone(),
            conversations: a.conversations,
            seed: a.seed,
            parts: a.parts,
            token: a.token.clone(),
            rate_limit: a.rate_limit,
            latency_ms: a.latency_ms.clone(),
            fault_5xx: a.fault_5xx,
            fault_slow: a.fault_slow,
            fault_drop: a.fault_drop,
            fault_malformed: a.fault_malformed,
            mutate_every: a.mutate_every,
            tickets: a.tickets,
            companies: a.companies,
            articles: a.articles,
        }
    }
}

#[derive(Debug, Clone, Args)]
pub struct ClientArgs {
    /// Max staleness in minutes before falling back to REST [env: FASTINTERCOM_MAX_STALENESS_MINUTES; default 60].
    #[arg(long, value_name = "MIN")]
    pub max_staleness: Option<u64>,
    /// MCP endpoint URL (Streamable HTTP) [env: FASTINTERCOM_MCP_URL]; without it the local database is read.
    #[arg(long, value_name = "URL")]
    pub mcp_url: Option<String>,
    /// Never answer with stale data: fail instead.
    #[arg(long)]
    pub no_stale: bool,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub db: DbArg,
}

impl From<&ClientArgs> for crate::client::cli::ClientOptions {
    fn from(a: &ClientArgs) -> Self {
        Self {
            max_staleness: a.max_staleness,
            mcp_url: a.mcp_url.clone(),
            no_stale: a.no_stale,
            json: a.json,
            db: a.db.db.clone(),
        }
    }
}

#[derive(Debug, Clone, Args)]
pub struct SearchArgs {
    /// Full-text query.
    pub query: String,
    /// Start of the window: YYYY-MM-DD, Unix seconds, or relative like 7d, 24h.
    #[arg(long, value_name = "WHEN", allow_hyphen_values = true)]
    pub since: Option<String>,
    /// End of the window (same forms as --since).
    #[arg(long, value_name = "WHEN", allow_hyphen_values = true)]
    pub until: Option<String>,
    /// Maximum results.
    #[arg(long, default_value_t = 20)]
    pub limit: u32,
    /// Search tickets (titles, descriptions and parts) instead of conversations; "" as the query lists
    /// by the filters below only.
    #[arg(long)]
    pub tickets: bool,
    #[command(flatten)]
    pub ticket_filters: TicketFilterArgs,
    #[command(flatten)]
    pub client: ClientArgs,
}

/// `search --tickets` filters (each needs `--tickets`).
#[derive(Debug, Clone, Args)]
pub struct TicketFilterArgs {
    /// With --tickets: only tickets in this state category.
    #[arg(long, requires = "tickets", value_name = "STATE",
          value_parser = ["submitted", "in_progress", "waiting_on_customer", "resolved"])]
    pub state: Option<String>,
    /// With --tickets: only tickets of this category.
    #[arg(long, requires = "tickets", value_name = "CATEGORY",
          value_parser = ["Customer", "Back-office", "Tracker"])]
    pub category: Option<String>,
    /// With --tickets: only tickets of this type (id or name).
    #[arg(long = "type", requires = "tickets", value_name = "TYPE")]
    pub ticket_type: Option<String>,
    /// With --tickets: only tickets assigned to this admin id (`none`: unassigned).
    #[arg(long, requires = "tickets", value_name = "ID")]
    pub admin: Option<String>,
    /// With --tickets: only tickets assigned to this team id (`none`: unassigned).
    #[arg(long, requires = "tickets", value_name = "ID")]
    pub team: Option<String>,
    /// With --tickets: only tickets with this contact (id or email).
    #[arg(long, requires = "tickets", value_name = "ID|EMAIL")]
    pub contact: Option<String>,
    /// With --tickets: only tickets with a contact of this company (id or name; cache only).
    #[arg(long, requires = "tickets", value_name = "ID|NAME")]
    pub company: Option<String>,
    /// With --tickets: only open tickets.
    #[arg(long, requires = "tickets", conflicts_with = "resolved")]
    pub open: bool,
    /// With --tickets: only resolved (closed) tickets.
    #[arg(long, requires = "tickets")]
    pub resolved: bool,
}

impl From<&TicketFilterArgs> for crate::model::TicketFilters {
    fn from(a: &TicketFilterArgs) -> Self {
        Self {
            state: a.state.clone(),
            category: a.category.clone(),
            ticket_type: a.ticket_type.clone(),
            admin_id: a.admin.clone(),
            team_id: a.team.clone(),
            contact: a.contact.clone(),
            company: a.company.clone(),
            open: match (a.open, a.resolved) {
                (true, _) => Some(true),
                (_, true) => Some(false),
                _ => None,
            },
        }
    }
}

impl From<&SearchArgs> for crate::client::cli::SearchOptions {
    fn from(a: &SearchArgs) -> Self {
        Self {
            query: a.query.clone(),
            since: a.since.clone(),
            until: a.until.clone(),
            limit: a.limit,
            tickets: a.tickets.then(|| (&a.ticket_filters).into()),
            client: (&a.client).into(),
        }
    }
}

#[derive(Debug, Clone, Args)]
pub struct ConversationArgs {
    /// Conversation id.
    pub id: String,
    #[command(flatten)]
    pub client: ClientArgs,
}

impl From<&ConversationArgs> for crate::client::cli::ConversationOptions {
    fn from(a: &ConversationArgs) -> Self {
        Self {
            id: a.id.clone(),
            client: (&a.client).into(),
        }
    }
}

#[derive(Debug, Clone, Args)]
pub struct ContactArgs {
    /// Contact email (or id).
    pub email: String,
    #[command(flatten)]
    pub client: ClientArgs,
}

impl From<&ContactArgs> for crate::client::cli::ContactOptions {
    fn from(a: &ContactArgs) -> Self {
        Self {
            email: a.email.clone(),
            client: (&a.client).into(),
        }
    }
}

#[derive(Debug, Clone, Args)]
pub struct TicketArgs {
    /// The ticket's API id (as `search --tickets` lists it); the cache also takes the inbox number.
    pub id: String,
    #[command(flatten)]
    pub client: ClientArgs,
}

impl From<&TicketArgs> for crate::client::cli::TicketOptions {
    fn from(a: &TicketArgs) -> Self {
        Self {
            id: a.id.clone(),
            client: (&a.client).into(),
        }
    }
}

#[derive(Debug, Clone, Args)]
pub struct CompanyArgs {
    /// Company name (exact, case-insensitive in the cache), Intercom's id, or the workspace's company_id.
    #[arg(value_name = "NAME-OR-ID")]
    pub key: String,
    #[command(flatten)]
    pub client: ClientArgs,
}

impl From<&CompanyArgs> for crate::client::cli_workspace::CompanyOptions {
    fn from(a: &CompanyArgs) -> Self {
        Self {
            key: a.key.clone(),
            client: (&a.client).into(),
        }
    }
}

#[derive(Debug, Clone, Args)]
pub struct ArticleArgs {
    /// Words to look for in article titles and text (every word must match).
    pub query: String,
    /// Only published or only draft articles.
    #[arg(long, value_parser = ["published", "draft"])]
    pub state: Option<String>,
    /// Only content in this locale (e.g. en, fr).
    #[arg(long, value_name = "LOCALE")]
    pub locale: Option<String>,
    /// Maximum results.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub limit: u32,
    /// Also print the best hit's text.
    #[arg(long)]
    pub show: bool,
    #[command(flatten)]
    pub client: ClientArgs,
}

impl From<&ArticleArgs> for crate::client::cli_workspace::ArticleOptions {
    fn from(a: &ArticleArgs) -> Self {
        Self {
            query: a.query.clone(),
            state: a.state.clone(),
            locale: a.locale.clone(),
            limit: a.limit,
            show: a.show,
            client: (&a.client).into(),
        }
    }
}

#[derive(Debug, Clone, Args)]
pub struct DemoArgs {
    /// Conversations in the simulated workspace.
    #[arg(long, default_value_t = 3000)]
    pub conversations: usize,
    /// Run one cycle (simulate, sync, serve, sample answers) and exit instead of serving until Ctrl-C.
    #[arg(long)]
    pub once: bool,
    /// Serve for this many seconds, then exit.
    #[arg(long, value_name = "SECONDS")]
    pub duration: Option<u64>,
    /// Address for the demo's MCP server.
    #[arg(long, default_value = "127.0.0.1:8765")]
    pub listen: String,
    /// Re-sync every this many seconds while serving.
    #[arg(long, default_value_t = 30)]
    pub resync_every: u64,
    /// Sync into this new database file and keep it after the demo (default: a temporary directory,
    /// removed on exit). Refused if the file exists.
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,
}

#[cfg(feature = "simulator")]
impl From<&DemoArgs> for crate::demo::DemoOptions {
    fn from(a: &DemoArgs) -> Self {
        Self {
            conversations: a.conversations,
            once: a.once,
            duration: a.duration,
            listen: a.listen.clone(),
            resync_every: a.resync_every,
            db: a.db.clone(),
        }
    }
}

#[derive(Debug, Clone, Args)]
pub struct GenDocsArgs {
    /// Output directory (man/ and completions/ are created in it).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

#[cfg(test)]
mod tests {
    use super::Cli;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn help_never_shows_an_environment_variable_with_an_empty_value() {
        for sub in Cli::command().get_subcommands_mut() {
            let help = sub.render_long_help().to_string();
            assert!(!help.contains("=]"), "{}: {help}", sub.get_name());
        }
    }

    #[test]
    fn every_subcommand_and_flag_has_help() {
        let cmd = Cli::command();
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            assert!(
                sub.get_about().is_some(),
                "{} lacks a description",
                sub.get_name()
            );
            for arg in sub.get_arguments().filter(|a| !a.is_hide_set()) {
                let name = arg.get_id().as_str();
                if name == "help" {
                    continue;
                }
                assert!(arg.get_help().is_some(), "{} {name} lacks help", sub.get_name());
            }
        }
        // Every environment variable config.rs reads is documented in --help.
        let help = cmd
            .get_after_long_help()
            .map(|h| h.to_string())
            .unwrap_or_default();
        let config = include_str!("config.rs");
        for var in config
            .split('"')
            .filter(|s| s.starts_with("FASTINTERCOM_") || *s == "INTERCOM_ACCESS_TOKEN")
        {
            assert!(
                help.contains(var),
                "{var} is read by config.rs but missing from --help"
            );
        }
    }
}
