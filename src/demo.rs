//! `fastintercom demo`: the newcomer's one command. Binds the MCP port first (a taken port is an error before
//! anything else happens), starts the simulated Intercom, syncs it into a throw-away state dir (or `--db`),
//! starts the real MCP server as a child process on the socket the demo bound (handed over the way systemd's
//! socket activation does, so the server can only ever be ours), prints what happened, the client
//! configuration to paste, and sample answers through the client library; then keeps serving and re-syncing
//! until Ctrl-C (or `--duration`, or `--once`).

use crate::client::{
    CacheSource, CallOptions, Client, ClientConfig, GroupBy, SearchRequest, StatsRequest, TicketSearchRequest,
};
use crate::config::Token;
use crate::intercom::ApiConfig;
use crate::model::TicketFilters;
use crate::simulator::{SimConfig, Simulator};
use crate::sync::{SyncOptions, sync_once};
use crate::timespec::fmt_age;
use anyhow::{Context, Result, bail};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::process::{Child, Command};

/// A state directory removed when the demo ends.
struct StateDir(PathBuf);

impl Drop for StateDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Bind the demo's MCP address, or say what to do when it is taken.
fn bind(listen: &str) -> Result<std::net::TcpListener> {
    std::net::TcpListener::bind(listen).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AddrInUse {
            anyhow::anyhow!(
                "cannot serve the demo on {listen}: another program is listening there (an earlier demo, or \
                 fastintercom-mcp.socket?); stop it, or pick a free port: fastintercom demo --listen 127.0.0.1:8766"
            )
        } else {
            anyhow::anyhow!("cannot listen on {listen}: {e}")
        }
    })
}

/// What `fastintercom demo` was asked to do.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    /// Conversations in the simulated workspace.
    pub conversations: usize,
    /// Run one cycle (simulate, sync, serve, sample answers) and exit.
    pub once: bool,
    /// Serve for this many seconds, then exit; `None`: until Ctrl-C.
    pub duration: Option<u64>,
    /// Address for the demo's MCP server.
    pub listen: String,
    /// Re-sync every this many seconds while serving.
    pub resync_every: u64,
    /// Sync into this new database file and keep it; `None`: a temporary directory removed on exit.
    pub db: Option<PathBuf>,
}

/// `fastintercom demo`: simulate, sync, serve, print sample answers, then serve until told to stop.
pub async fn run_cli(a: DemoOptions) -> Result<u8> {
    let listener = bind(&a.listen)?;
    let addr = listener
        .local_addr()
        .context("reading the demo's listening address")?;
    let (_state, db) = match &a.db {
        Some(db) => {
            if db.exists() {
                bail!(
                    "{} already exists; the demo only writes a new database (it would mix simulated data \
                     into it): remove it or pick another path",
                    db.display()
                );
            }
            (None, db.clone())
        }
        None => {
            let dir =
                StateDir(std::env::temp_dir().join(format!("fastintercom-demo-{}", std::process::id())));
            std::fs::create_dir_all(&dir.0).with_context(|| format!("creating {}", dir.0.display()))?;
            let db = dir.0.join("fastintercom.db");
            (Some(dir), db)
        }
    };

    println!("fastintercom demo: a simulated Intercom -> sync -> MCP server, nothing to configure\n");
    let t = Instant::now();
    let sim = Simulator::start(
        SimConfig {
            conversations: a.conversations,
            seed: 42,
            ..SimConfig::default()
        },
        "127.0.0.1:0",
    )
    .await
    .context("starting the simulated Intercom")?;
    println!(
        "1. simulated Intercom API on {} ({} conversations, generated in {} ms)",
        sim.base_url(),
        a.conversations,
        t.elapsed().as_millis()
    );

    let api = ApiConfig::new(sim.base_url(), Token::new(sim.token()));
    let mut opts = SyncOptions::new(&db, api.clone());
    opts.full = true;
    opts.progress = true;
    let report = sync_once(opts.clone())
        .await
        .context("syncing the simulated workspace")?;
    let secs = (report.duration_ms as f64 / 1000.0).max(0.001);
    println!(
        "2. synced into {}: {} conversations, {} parts, {} contacts in {:.1} s ({:.0} conversations/s, {} requests, {} rate-limited)",
        db.display(),
        report.conversations,
        report.parts,
        report.contacts,
        secs,
        report.conversations as f64 / secs,
        report.requests,
        report.rate_limited
    );

    let mut server = start_server(&db, listener, addr).await?;
    let url = format!("http://{addr}/mcp");
    println!("3. MCP server (read-only, Streamable HTTP) on {url}\n");
    print_client_config(&url, &db);
    print_cli_env(&url, &db, &sim);

    let client = Client::new(ClientConfig::new(
        CacheSource::McpHttp {
            url: url.clone(),
            token: None,
        },
        Some(api),
    ));
    sample_answers(&client).await?;
    sample_company_and_article(&client).await?;

    if a.once {
        stop(&mut server).await;
        sim.shutdown().await;
        return Ok(0);
    }
    let until = a.duration.map(|d| Instant::now() + Duration::from_secs(d));
    println!(
        "\nServing until Ctrl-C{}; the simulated workspace changes and is re-synced every {} s.",
        a.duration.map(|d| format!(" (or {d} s)")).unwrap_or_default(),
        a.resync_every
    );
    let mut tick = tokio::time::interval(Duration::from_secs(a.resync_every.max(1)));
    tick.tick().await;
    loop {
        let sleep = until
            .map(|u| u.saturating_duration_since(Instant::now()))
            .unwrap_or(Duration::MAX);
        tokio::select! {
            _ = tokio::signal::ctrl_c() => break,
            _ = tokio::time::sleep(sleep) => break,
            status = server.wait() => bail!(
                "the demo's MCP server stopped unexpectedly ({}); its reason is on stderr above",
                status.map(|s| s.to_string()).unwrap_or_else(|e| e.to_string())
            ),
            _ = tick.tick() => {
                let m = sim.mutate(0.01);
                let mut o = opts.clone();
                o.full = false;
                o.progress = false;
                match sync_once(o).await {
                    Ok(r) => println!(
                        "re-sync: workspace changed ({} new conversations, {} new replies, {} deleted); synced {} conversations in {} ms; data is 0 s old",
                        m.new_conversations, m.new_parts, m.deleted_conversations, r.conversations, r.duration_ms
                    ),
                    Err(e) => println!("re-sync failed: {e:#}"),
                }
                client.forget_sync_status().await;
            }
        }
    }
    println!("stopping");
    stop(&mut server).await;
    sim.shutdown().await;
    Ok(0)
}

/// Start `fastintercom serve` on `listener` (passed as fd 3 with `LISTEN_FDS=1`, as systemd does; no idle
/// exit) and wait until it answers its health check.
async fn start_server(db: &Path, listener: std::net::TcpListener, addr: SocketAddr) -> Result<Child> {
    use std::os::fd::AsRawFd;
    let exe = std::env::current_exe().context("finding the fastintercom binary")?;
    let fd = listener.as_raw_fd();
    let mut cmd = Command::new(exe);
    cmd.args(["serve", "--idle-exit", "0", "--db"])
        .arg(db)
        .env("LISTEN_FDS", "1")
        // Its log lines would mix into the demo's text; warnings and errors still show.
        .env(
            "RUST_LOG",
            std::env::var("RUST_LOG").unwrap_or_else(|_| "warn".into()),
        )
        .env_remove("LISTEN_PID")
        .env_remove("LISTEN_FDNAMES")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .kill_on_drop(true);
    // SAFETY: between fork and exec only async-signal-safe calls (dup2, fcntl) on an fd we own.
    unsafe {
        cmd.pre_exec(move || {
            let ok = if fd == 3 {
                libc::fcntl(3, libc::F_SETFD, 0) // keep it open across exec
            } else {
                libc::dup2(fd, 3) // the copy is not close-on-exec
            };
            if ok < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let mut child = cmd.spawn().context("starting `fastintercom serve`")?;
    // The child has its own copy of the socket now.
    drop(listener);
    crate::tls::init();
    let health = format!("http://{addr}/healthz");
    let http = reqwest::Client::new();
    for _ in 0..100 {
        if let Some(status) = child.try_wait()? {
            bail!("`fastintercom serve` exited at start ({status}); its reason is on stderr above");
        }
        if http
            .get(&health)
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return Ok(child);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    bail!("the MCP server did not answer on {health} within 10 s")
}

async fn stop(child: &mut Child) {
    if let Some(pid) = child.id() {
        // SIGTERM lets it drain; kill_on_drop is the backstop.
        let _ = std::process::Command::new("kill").arg(pid.to_string()).status();
    }
    let _ = tokio::time::timeout(Duration::from_secs(5), child.wait()).await;
}

fn print_client_config(url: &str, db: &Path) {
    let exe = std::env::current_exe()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| "fastintercom".into());
    println!("Connect an MCP client:");
    println!("  Claude Code:     claude mcp add --transport http fastintercom {url}");
    println!("  Any Streamable HTTP client: {url}");
    println!("  Claude Desktop (claude_desktop_config.json), stdio:");
    let cfg = serde_json::json!({"mcpServers": {"fastintercom": {
        "command": exe, "args": ["serve", "--stdio", "--db", db.display().to_string()]}}});
    for line in serde_json::to_string_pretty(&cfg).unwrap_or_default().lines() {
        println!("    {line}");
    }
    println!();
}

/// How to ask this demo from another terminal with the CLI (cache = this server, REST = the simulator).
fn print_cli_env(url: &str, db: &Path, sim: &Simulator) {
    let exe = std::env::current_exe()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| "fastintercom".into());
    println!("Ask it from another terminal while the demo runs (cache: this server; REST: the simulator):");
    println!(
        "  export FASTINTERCOM_MCP_URL={url} FASTINTERCOM_DB={} FASTINTERCOM_API_BASE={} INTERCOM_ACCESS_TOKEN={}",
        db.display(),
        sim.base_url(),
        sim.token()
    );
    println!("  {exe} search refund --since 7d");
    println!("  {exe} search --tickets billing --open");
    println!("  {exe} status\n");
}

async fn sample_answers(client: &Client) -> Result<()> {
    let opts = CallOptions::default();
    let req = SearchRequest {
        limit: Some(3),
        ..SearchRequest::text("refund").since_days(30)
    };
    let t = Instant::now();
    let found = client
        .search_conversations(&req, &opts)
        .await
        .context("sample search")?;
    println!(
        "Sample answer via the client library: search \"refund\" in the last 30 days -> source={} ({} ms, data {} old; {})",
        found.source,
        t.elapsed().as_millis(),
        found.age_seconds.map(fmt_age).unwrap_or_else(|| "?".into()),
        found.reason
    );
    for c in &found.data.conversations {
        println!(
            "  #{} [{}] {}",
            c.id,
            c.state,
            c.title.as_deref().unwrap_or(&c.snippet)
        );
    }
    let t = Instant::now();
    let stats = client
        .conversation_stats(
            &StatsRequest {
                since: Some(crate::timespec::now() - 7 * 86_400),
                ..StatsRequest::new(GroupBy::State)
            },
            &opts,
        )
        .await
        .context("sample stats")?;
    println!(
        "Sample answer: conversations updated this week by state -> source={} ({} ms): {}",
        stats.source,
        t.elapsed().as_millis(),
        stats
            .data
            .buckets
            .iter()
            .map(|b| format!("{}={}", b.key, b.count))
            .collect::<Vec<_>>()
            .join(", ")
    );
    sample_ticket(client, &opts).await
}

/// One open ticket about billing, whole, through the client library.
async fn sample_ticket(client: &Client, opts: &CallOptions) -> Result<()> {
    let t = Instant::now();
    let req = TicketSearchRequest {
        text: Some("billing".into()),
        filters: TicketFilters {
            open: Some(true),
            ..Default::default()
        },
        limit: Some(1),
        ..Default::default()
    };
    let found = client
        .search_tickets(&req, opts)
        .await
        .context("sample ticket search")?;
    let Some(first) = found.data.tickets.first() else {
        println!("Sample answer: no open ticket mentions billing");
        return Ok(());
    };
    let ticket = client
        .get_ticket(&first.id, opts)
        .await
        .context("sample ticket")?;
    let Some(d) = ticket.data else {
        return Ok(());
    };
    let s = &d.summary;
    let who = |p: &Option<crate::model::PersonRef>| {
        p.as_ref()
            .and_then(|p| p.name.clone())
            .unwrap_or_else(|| "-".into())
    };
    println!(
        "Sample answer: an open ticket about billing -> source={} ({} ms): ticket {} (#{}) [{} / {}] {}; team {}, \
         admin {}, {} parts, {} linked conversation(s)",
        ticket.source,
        t.elapsed().as_millis(),
        s.id,
        s.ticket_id.as_deref().unwrap_or("-"),
        s.ticket_type.as_deref().unwrap_or("-"),
        s.state.as_deref().unwrap_or("-"),
        s.title.as_deref().unwrap_or(&s.snippet),
        who(&s.team_assignee),
        who(&s.admin_assignee),
        d.parts.len(),
        d.linked.len()
    );
    Ok(())
}

/// One company (with its contacts and latest conversations) and one Help Center article, through the
/// client library like the samples above.
async fn sample_company_and_article(client: &Client) -> Result<()> {
    use crate::client::{ArticleSearch, CompanySearch};
    let opts = CallOptions::default();
    let t = Instant::now();
    let first = client
        .search_companies(
            &CompanySearch {
                limit: 20,
                ..Default::default()
            },
            &opts,
        )
        .await
        .context("sample company search")?;
    // The one with the most users of the 20 most recently updated.
    if let Some(c) = first.data.companies.iter().max_by_key(|c| c.user_count) {
        let key = c.name.clone().unwrap_or_else(|| c.id.clone());
        let d = client.get_company(&key, &opts).await.context("sample company")?;
        if let Some(d) = d.data {
            println!(
                "Sample answer: company {key:?} -> source={} ({} ms): plan {}, {} contacts, {} recent conversations, {} tickets",
                first.source,
                t.elapsed().as_millis(),
                d.company.plan.as_deref().unwrap_or("-"),
                d.contacts_total,
                d.recent_conversations.len(),
                d.recent_tickets.len()
            );
        }
    }
    let t = Instant::now();
    let hits = client
        .search_articles(
            &ArticleSearch {
                query: Some("two-factor".into()),
                limit: 1,
                ..Default::default()
            },
            &opts,
        )
        .await
        .context("sample article search")?;
    if let Some(a) = hits.data.articles.first() {
        println!(
            "Sample answer: Help Center article on \"two-factor\" -> source={} ({} ms): #{} {} [{}]",
            hits.source,
            t.elapsed().as_millis(),
            a.id,
            a.title.as_deref().unwrap_or("(no title)"),
            a.matched.as_deref().unwrap_or("")
        );
    }
    Ok(())
}
