//! MCP server benchmark: tool-call latency over HTTP (p50/p99) for search_conversations, get_conversation,
//! conversation_stats and the ticket tools (search_tickets, get_ticket, ticket_stats); throughput with 16 concurrent clients; cold start under socket activation
//! (connection to first response); server memory.
//!
//! `cargo bench --bench mcp` (100k conversations, ~1M parts, 20k tickets); `FASTINTERCOM_BENCH_QUICK=1` for
//! a smoke run on 2k; `FASTINTERCOM_BENCH_CONVERSATIONS=N` and `FASTINTERCOM_BENCH_TICKETS=M` for other sizes. The database is built once with `fastintercom simulate` + `fastintercom sync --once --full`
//! and cached under target/bench-data/ keyed by size. The server runs as its own child process
//! (`fastintercom serve`), so its RSS is its own. Results and the command go to BENCHMARKS.md.

use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

const TOKEN: &str = "bench-token";
const CLIENTS: usize = 16;

fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_fastintercom"))
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn wait_port(addr: &str, secs: u64) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while TcpStream::connect(addr).is_err() {
        assert!(Instant::now() < deadline, "{addr} did not start listening");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A child process killed on drop.
struct Proc(Child);
impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The cached benchmark database for `n` conversations and `tickets` tickets, built on first use.
fn database(n: usize, tickets: usize) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-data");
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join(format!("mcp-{n}-t{tickets}.db"));
    if db.exists() {
        // Bring a cached file to this binary's schema (new migrations add indexes).
        drop(fastintercom::store::open_rw(&db).expect("migrate the cached benchmark database"));
        return db;
    }
    let addr = format!("127.0.0.1:{}", free_port());
    eprintln!(
        "building {} (simulate {n} conversations + sync) ...",
        db.display()
    );
    let t = Instant::now();
    let _sim = Proc(
        Command::new(bin())
            .args([
                "simulate", "--listen", &addr, "--token", TOKEN, "--seed", "1", "--parts", "10",
            ])
            .args(["--conversations", &n.to_string()])
            .args(["--tickets", &tickets.to_string()])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the simulator"),
    );
    wait_port(&addr, 600);
    let tmp = dir.join(format!("mcp-{n}-t{tickets}.db.partial"));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", tmp.display()));
    }
    let status = Command::new(bin())
        .args(["sync", "--once", "--full", "--db"])
        .arg(&tmp)
        .env("FASTINTERCOM_CONFIG", "/nonexistent")
        .env("FASTINTERCOM_API_BASE", format!("http://{addr}"))
        .env("INTERCOM_ACCESS_TOKEN", TOKEN)
        .env("FASTINTERCOM_CONCURRENCY", "16")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .status()
        .expect("run the sync");
    assert!(status.success(), "sync failed");
    // Fold the WAL in so the file is self-contained, then publish it.
    let conn = rusqlite::Connection::open(&tmp).unwrap();
    conn.pragma_update(None, "journal_mode", "DELETE").unwrap();
    drop(conn);
    std::fs::rename(&tmp, &db).unwrap();
    let _ = std::fs::remove_file(format!("{}.lock", tmp.display())); // the sync's lock file
    drop(fastintercom::store::open_rw(&db).expect("open the benchmark database"));
    eprintln!("built in {:.0} s", t.elapsed().as_secs_f64());
    db
}

/// What the calls vary over: real ids, emails and words from the database.
struct Work {
    ids: Vec<String>,
    emails: Vec<String>,
    words: Vec<String>,
    conversations: i64,
    parts: i64,
    tickets: Vec<String>,
    ticket_words: Vec<String>,
    ticket_emails: Vec<String>,
    teams: Vec<String>,
    ticket_count: i64,
}

fn work(db: &Path) -> Work {
    let conn = rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    let col = |sql: &str| -> Vec<String> {
        let mut s = conn.prepare(sql).unwrap();
        s.query_map([], |r| r.get::<_, String>(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    let ids = col("SELECT id FROM conversations ORDER BY random() LIMIT 2000");
    let emails = col("SELECT email FROM contacts WHERE email IS NOT NULL ORDER BY random() LIMIT 500");
    let mut words: Vec<String> = col("SELECT source_body FROM conversations ORDER BY random() LIMIT 300")
        .iter()
        .flat_map(|b| {
            fastintercom::text::html_to_text(b)
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| w.len() >= 5)
                .map(str::to_lowercase)
                .collect::<Vec<_>>()
        })
        .collect();
    words.sort();
    words.dedup();
    let count = |sql: &str| conn.query_row(sql, [], |r| r.get::<_, i64>(0)).unwrap();
    let mut ticket_words: Vec<String> = col(
        "SELECT coalesce(title, '') || ' ' || coalesce(description, '') FROM tickets ORDER BY random() LIMIT 300",
    )
    .iter()
    .flat_map(|b| {
        b.split(|c: char| !c.is_alphanumeric())
            .filter(|w| w.len() >= 5)
            .map(str::to_lowercase)
            .collect::<Vec<_>>()
    })
    .collect();
    ticket_words.sort();
    ticket_words.dedup();
    Work {
        tickets: col("SELECT id FROM tickets ORDER BY random() LIMIT 2000"),
        ticket_words,
        ticket_emails: col(
            "SELECT k.email FROM tickets t JOIN contacts k ON k.id = t.contact_id \
             WHERE k.email IS NOT NULL ORDER BY random() LIMIT 500",
        ),
        teams: col("SELECT id FROM teams"),
        ticket_count: count("SELECT count(*) FROM tickets"),
        ids,
        emails,
        words,
        conversations: count("SELECT count(*) FROM conversations"),
        parts: count("SELECT count(*) FROM conversation_parts"),
    }
}

/// Arguments for one call of `tool`, drawn from the work set.
fn args(tool: &str, w: &Work, rng: &mut fastrand::Rng) -> Value {
    let pick = |v: &Vec<String>, rng: &mut fastrand::Rng| v[rng.usize(..v.len())].clone();
    match tool {
        "search_conversations" => match rng.u8(..4) {
            0 => json!({"query": pick(&w.words, rng)}),
            1 => {
                json!({"query": format!("{} {}", pick(&w.words, rng), pick(&w.words, rng)), "state": "open"})
            }
            2 => {
                let state = ["open", "closed", "snoozed"][rng.usize(..3)];
                json!({"state": state, "since": "30d"})
            }
            _ => json!({"contact_email": pick(&w.emails, rng)}),
        },
        "get_conversation" => json!({"conversation_id": pick(&w.ids, rng)}),
        "search_tickets" => match rng.u8(..4) {
            0 => json!({"query": pick(&w.ticket_words, rng)}),
            1 => json!({"query": pick(&w.ticket_words, rng), "open": true}),
            2 => {
                let state = ["submitted", "in_progress", "waiting_on_customer", "resolved"][rng.usize(..4)];
                json!({"state": state, "team_id": pick(&w.teams, rng)})
            }
            _ => json!({"contact": pick(&w.ticket_emails, rng)}),
        },
        "get_ticket" => json!({"id": pick(&w.tickets, rng)}),
        "ticket_stats" => {
            let group_by = ["state", "category", "type", "team", "admin", "week"][rng.usize(..6)];
            let since = ["30d", "90d", "365d"][rng.usize(..3)];
            json!({"group_by": group_by, "since": since})
        }
        "conversation_stats" => {
            let group_by = ["state", "team", "admin", "tag", "day"][rng.usize(..5)];
            let since = ["7d", "30d", "90d"][rng.usize(..3)];
            json!({"group_by": group_by, "since": since})
        }
        _ => json!({}),
    }
}

struct Client {
    http: reqwest::Client,
    url: String,
}

impl Client {
    fn new(url: String) -> Self {
        let _ = rustls::crypto::ring::default_provider().install_default();
        Client {
            http: reqwest::Client::new(),
            url,
        }
    }
    async fn call(&self, tool: &str, args: Value) -> Value {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                          "params": {"name": tool, "arguments": args}});
        let resp = self
            .http
            .post(&self.url)
            .header("accept", "application/json, text/event-stream")
            .header("mcp-protocol-version", "2025-06-18")
            .json(&body)
            .send()
            .await
            .expect("request");
        assert_eq!(resp.status(), 200);
        let v: Value = resp.json().await.expect("json");
        assert_eq!(v["result"]["isError"], json!(false), "{tool}: {v}");
        v
    }
}

fn pct(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

fn status_kb(pid: u32, key: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap()
        .lines()
        .find(|l| l.starts_with(key))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// Cold start under socket activation: systemd-socket-activate listens; we connect and time the first
/// tools/call answer (exec, runtime, open database, query).
fn cold_starts(db: &Path, runs: usize) -> Option<Vec<Duration>> {
    if Command::new("systemd-socket-activate")
        .arg("--version")
        .output()
        .is_err()
    {
        return None;
    }
    let rt = tokio::runtime::Runtime::new().unwrap();
    let mut out = Vec::new();
    for _ in 0..runs {
        let addr = format!("127.0.0.1:{}", free_port());
        let mut child = Command::new("systemd-socket-activate")
            .args([
                "-l",
                &addr,
                "-E",
                "FASTINTERCOM_CONFIG=/nonexistent",
                "-E",
                "RUST_LOG=warn",
            ])
            .arg(bin())
            .args(["serve", "--idle-exit", "1", "--db"])
            .arg(db)
            .stderr(Stdio::piped())
            .spawn()
            .ok()?;
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        // "Listening on 127.0.0.1:PORT as 3." means the socket is ready and nothing was started yet.
        lines.find(|l| l.as_ref().is_ok_and(|l| l.contains("Listening on")));
        let client = Client::new(format!("http://{addr}/mcp"));
        let t = Instant::now();
        rt.block_on(client.call("get_sync_status", json!({})));
        out.push(t.elapsed());
        let _ = child.wait();
    }
    Some(out)
}

fn main() {
    let quick = std::env::var_os("FASTINTERCOM_BENCH_QUICK").is_some();
    let size = |var: &str, default: usize| {
        std::env::var(var)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let n = size(
        "FASTINTERCOM_BENCH_CONVERSATIONS",
        if quick { 2_000 } else { 100_000 },
    );
    let tickets = size("FASTINTERCOM_BENCH_TICKETS", n / 5);
    let (calls, seconds) = if quick { (100, 2) } else { (1_000, 10) };
    let db = database(n, tickets);
    let w = work(&db);
    let addr = format!("127.0.0.1:{}", free_port());
    let server = Proc(
        Command::new(bin())
            .args(["serve", "--listen", &addr, "--db"])
            .arg(&db)
            .env("FASTINTERCOM_CONFIG", "/nonexistent")
            .env("RUST_LOG", "warn")
            .spawn()
            .expect("start serve"),
    );
    wait_port(&addr, 30);
    let pid = server.0.id();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let client = Arc::new(Client::new(format!("http://{addr}/mcp")));

    println!(
        "\nfastintercom MCP server: {} conversations, {} parts, {} tickets, database {:.0} MB",
        w.conversations,
        w.parts,
        w.ticket_count,
        std::fs::metadata(&db).unwrap().len() as f64 / 1e6
    );
    println!("\n| tool (HTTP, sequential, keep-alive) | calls | p50 ms | p99 ms | max ms |");
    println!("|---|---|---|---|---|");
    let mut rng = fastrand::Rng::with_seed(42);
    let mut slowest = Vec::new();
    for tool in [
        "search_conversations",
        "get_conversation",
        "conversation_stats",
        "search_tickets",
        "get_ticket",
        "ticket_stats",
    ] {
        let mut lat = Vec::with_capacity(calls);
        let mut timed = Vec::with_capacity(calls);
        for i in 0..calls + 20 {
            let a = args(tool, &w, &mut rng);
            let t = Instant::now();
            rt.block_on(client.call(tool, a.clone()));
            if i >= 20 {
                lat.push(t.elapsed()); // the first 20 warm the page cache and the pool
                timed.push((t.elapsed(), a));
            }
        }
        lat.sort();
        timed.sort_by_key(|t| std::cmp::Reverse(t.0));
        slowest.extend(timed.into_iter().take(3).map(|(d, a)| (tool, d, a)));
        println!(
            "| {tool} | {calls} | {:.2} | {:.2} | {:.2} |",
            pct(&lat, 0.5),
            pct(&lat, 0.99),
            lat.last().unwrap().as_secs_f64() * 1000.0
        );
    }
    println!("\nslowest calls:");
    for (tool, d, a) in slowest {
        println!("- {tool} {a}: {:.1} ms", d.as_secs_f64() * 1000.0);
    }

    // Throughput: CLIENTS concurrent clients, each its own connection, mixed tools.
    let w = Arc::new(w);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let results: Vec<(usize, Vec<Duration>)> = rt.block_on(async {
        let tasks: Vec<_> = (0..CLIENTS)
            .map(|c| {
                let w = Arc::clone(&w);
                let url = client.url.clone();
                tokio::spawn(async move {
                    let client = Client::new(url);
                    let mut rng = fastrand::Rng::with_seed(c as u64);
                    let mut lat = Vec::new();
                    let tools = ["search_conversations", "get_conversation", "conversation_stats"];
                    while Instant::now() < deadline {
                        let tool = tools[rng.usize(..3)];
                        let a = args(tool, &w, &mut rng);
                        let t = Instant::now();
                        client.call(tool, a).await;
                        lat.push(t.elapsed());
                    }
                    (lat.len(), lat)
                })
            })
            .collect();
        let mut out = Vec::new();
        for t in tasks {
            out.push(t.await.unwrap());
        }
        out
    });
    let elapsed = started.elapsed().as_secs_f64();
    let total: usize = results.iter().map(|r| r.0).sum();
    let mut all: Vec<Duration> = results.into_iter().flat_map(|r| r.1).collect();
    all.sort();
    println!(
        "\n| {CLIENTS} concurrent clients, mixed tools, {seconds} s | calls/s | p50 ms | p99 ms |\n|---|---|---|---|"
    );
    println!(
        "| throughput | {:.0} | {:.2} | {:.2} |",
        total as f64 / elapsed,
        pct(&all, 0.5),
        pct(&all, 0.99)
    );
    let (rss, hwm) = (status_kb(pid, "VmRSS:"), status_kb(pid, "VmHWM:"));
    drop(server);

    println!("\n| measure | value | target |\n|---|---|---|");
    println!(
        "| server RSS after the load (VmRSS) | {:.1} MB | < 50 MB |",
        rss as f64 / 1024.0
    );
    println!(
        "| server peak RSS (VmHWM) | {:.1} MB | < 50 MB |",
        hwm as f64 / 1024.0
    );
    match cold_starts(&db, if quick { 3 } else { 7 }) {
        Some(mut c) => {
            c.sort();
            println!(
                "| cold start, socket-activated: connect → first tools/call answer (median of {}, max) | {:.1} ms, {:.1} ms | < 100 ms |",
                c.len(),
                c[c.len() / 2].as_secs_f64() * 1000.0,
                c.last().unwrap().as_secs_f64() * 1000.0
            );
        }
        None => println!("| cold start | not measured: systemd-socket-activate missing | < 100 ms |"),
    }
}
