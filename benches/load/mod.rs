//! The MCP load test, shared by `cargo bench --bench mcp_load` (long form) and the integration test
//! `mcp_load` (short form, run with the other tests): `fastintercom serve` as its own process, 50 ordinary
//! clients (status, get by id, short searches, tag lists, with a pause between calls) measured first alone
//! and then while hostile clients send 1,000- and 10,000-word queries and hang up after a second, and
//! half-open connections (headers sent, no body) pile up. Then SIGTERM, timed.
//!
//! The database is generated directly (no simulator: the shape that matters here is the text): the
//! fixture of tests/mcp/fixture.sql plus `conversations` conversations of ~200 words drawn from a
//! 500-word vocabulary, and 5 long ones of 20,000 words, which the hostile queries are pasted from.

#![allow(dead_code)]

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt;
use tokio::sync::Mutex;

/// What to run.
#[derive(Debug, Clone)]
pub struct Config {
    pub bin: PathBuf,
    pub conversations: usize,
    pub ordinary_clients: usize,
    /// Each phase (ordinary alone, then with the hostile clients) lasts this long.
    pub phase: Duration,
    /// Pause of an ordinary client between calls.
    pub think: Duration,
    /// Clients sending 1,000-word queries, and 10,000-word queries.
    pub hostile_1k: usize,
    pub hostile_10k: usize,
    /// Half-open connections kept open during the hostile phase.
    pub half_open: usize,
}

/// Latencies of the ordinary clients in one phase.
#[derive(Debug, Clone, Default)]
pub struct Phase {
    pub calls: usize,
    pub errors: usize,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    /// Calls per second answered to the hostile clients (that did not hang up first), and their errors.
    pub hostile_answered: u64,
}

#[derive(Debug, Clone)]
pub struct Report {
    pub calm: Phase,
    pub hostile: Phase,
    /// Half-open connections open at the end of the hostile phase (seen from the client side).
    pub half_open_held: usize,
    /// Server VmHWM (peak RSS) in MB.
    pub peak_rss_mb: f64,
    /// SIGTERM to exit.
    pub sigterm_exit: Duration,
}

fn vocabulary() -> Vec<String> {
    (0..500).map(|i| format!("w{i}x")).collect()
}

/// Build the database at `path`.
pub fn build_db(path: &Path, conversations: usize) {
    let conn = fastintercom::store::open_rw(path).expect("create the load-test database");
    conn.execute_batch(include_str!("../../tests/mcp/fixture.sql"))
        .unwrap();
    let vocab = vocabulary();
    let mut rng = fastrand::Rng::with_seed(7);
    let tx = conn.unchecked_transaction().unwrap();
    {
        let mut conv = tx
            .prepare(
                "INSERT INTO conversations (pk, id, title, created_at, updated_at, state, open, source_body, raw) \
                 VALUES (?1, ?2, ?3, ?4, ?4, ?5, ?6, ?7, '{}')",
            )
            .unwrap();
        let mut fts = tx
            .prepare("INSERT INTO conversation_fts (rowid, title, body) VALUES (?1, ?2, ?3)")
            .unwrap();
        for i in 0..conversations + 5 {
            let pk = 100 + i as i64;
            let words = if i < conversations { 200 } else { 20_000 };
            let body: Vec<&str> = (0..words)
                .map(|_| vocab[rng.usize(..vocab.len())].as_str())
                .collect();
            let body = body.join(" ");
            let title = format!("conversation {pk}");
            let state = ["open", "closed", "snoozed"][i % 3];
            let when = 1_767_225_600 + (i as i64) * 60;
            conv.execute(rusqlite::params![
                pk,
                pk.to_string(),
                title,
                when,
                state,
                (state == "open") as i64,
                format!("<p>{}</p>", &body[..body.len().min(400)])
            ])
            .unwrap();
            fts.execute(rusqlite::params![pk, title, body]).unwrap();
        }
    }
    tx.commit().unwrap();
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn peak_rss_mb(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

fn body(tool: &str, args: Value) -> String {
    json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": tool, "arguments": args}})
        .to_string()
}

async fn post(client: &reqwest::Client, url: &str, body: String, timeout: Duration) -> Result<Value, String> {
    let resp = client
        .post(url)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .timeout(timeout)
        .body(body)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = resp.status();
    let v: Value = resp.json().await.map_err(|e| e.to_string())?;
    if status != 200 || v.get("error").is_some() || v["result"]["isError"] == json!(true) {
        return Err(format!("{status}: {v}"));
    }
    Ok(v)
}

/// One ordinary client until `stop`; pushes latencies (ms) or errors.
async fn ordinary(
    client: reqwest::Client,
    url: String,
    conversations: usize,
    think: Duration,
    stop: Arc<AtomicBool>,
    out: Arc<Mutex<Vec<Result<f64, String>>>>,
) {
    let vocab = vocabulary();
    let mut rng = fastrand::Rng::new();
    while !stop.load(Ordering::Relaxed) {
        let b = match rng.usize(..4) {
            0 => body("get_sync_status", json!({})),
            1 => body(
                "get_conversation",
                json!({"conversation_id": 100 + rng.usize(..conversations)}),
            ),
            2 => body(
                "search_conversations",
                json!({"query": format!("{} {}", vocab[rng.usize(..500)], vocab[rng.usize(..500)]), "limit": 10}),
            ),
            _ => body("list_tags", json!({})),
        };
        let t = Instant::now();
        let r = post(&client, &url, b, Duration::from_secs(30)).await;
        let ms = t.elapsed().as_secs_f64() * 1000.0;
        out.lock().await.push(r.map(|_| ms));
        tokio::time::sleep(think).await;
    }
}

/// A client that pastes `words` words and hangs up after a second, again and again.
async fn hostile_client(
    client: reqwest::Client,
    url: String,
    words: usize,
    stop: Arc<AtomicBool>,
    answered: Arc<AtomicU64>,
) {
    let vocab = vocabulary();
    let mut rng = fastrand::Rng::new();
    let q: Vec<&str> = (0..words)
        .map(|_| vocab[rng.usize(..vocab.len())].as_str())
        .collect();
    let b = body("search_conversations", json!({"query": q.join(" ")}));
    while !stop.load(Ordering::Relaxed) {
        // The timeout drops the connection: the server sees the client hang up.
        if post(&client, &url, b.clone(), Duration::from_secs(1))
            .await
            .is_ok()
        {
            answered.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Keep `n` connections that sent headers and no body open (re-opening those the server closes).
async fn half_open(addr: String, n: usize, stop: Arc<AtomicBool>, held: Arc<AtomicU64>) {
    let head = format!(
        "POST /mcp HTTP/1.1\r\nhost: {addr}\r\ncontent-type: application/json\r\n\
         accept: application/json, text/event-stream\r\ncontent-length: 1000\r\n\r\n"
    );
    let mut socks: Vec<tokio::net::TcpStream> = Vec::new();
    while !stop.load(Ordering::Relaxed) {
        // Drop the ones the server closed (a read returns 0 or an answer).
        let mut alive = Vec::new();
        for s in socks.drain(..) {
            let mut buf = [0u8; 1];
            match s.try_read(&mut buf) {
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => alive.push(s),
                _ => {}
            }
        }
        socks = alive;
        while socks.len() < n {
            match tokio::net::TcpStream::connect(&addr).await {
                Ok(mut s) => {
                    if s.write_all(head.as_bytes()).await.is_ok() {
                        socks.push(s);
                    }
                }
                Err(_) => break,
            }
        }
        held.store(socks.len() as u64, Ordering::Relaxed);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn phase(cfg: &Config, url: &str, addr: &str, hostile_on: bool) -> (Phase, usize) {
    let stop = Arc::new(AtomicBool::new(false));
    let out = Arc::new(Mutex::new(Vec::new()));
    let answered = Arc::new(AtomicU64::new(0));
    let held = Arc::new(AtomicU64::new(0));
    let mut tasks = tokio::task::JoinSet::new();
    let client = reqwest::Client::new();
    if hostile_on {
        tasks.spawn(half_open(
            addr.to_string(),
            cfg.half_open,
            Arc::clone(&stop),
            Arc::clone(&held),
        ));
        for (n, words) in [(cfg.hostile_1k, 1_000), (cfg.hostile_10k, 10_000)] {
            for _ in 0..n {
                tasks.spawn(hostile_client(
                    client.clone(),
                    url.to_string(),
                    words,
                    Arc::clone(&stop),
                    Arc::clone(&answered),
                ));
            }
        }
        // Let the hostile load build up before measuring.
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    for _ in 0..cfg.ordinary_clients {
        tasks.spawn(ordinary(
            client.clone(),
            url.to_string(),
            cfg.conversations,
            cfg.think,
            Arc::clone(&stop),
            Arc::clone(&out),
        ));
    }
    tokio::time::sleep(cfg.phase).await;
    let held_now = held.load(Ordering::Relaxed) as usize;
    stop.store(true, Ordering::Relaxed);
    while tasks.join_next().await.is_some() {}
    let results = std::mem::take(&mut *out.lock().await);
    let mut ms: Vec<f64> = results.iter().filter_map(|r| r.as_ref().ok().copied()).collect();
    let errors: Vec<&String> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    if let Some(e) = errors.first() {
        eprintln!("{} ordinary calls failed, first: {e}", errors.len());
    }
    ms.sort_by(f64::total_cmp);
    (
        Phase {
            calls: results.len(),
            errors: errors.len(),
            p50_ms: percentile(&ms, 0.50),
            p99_ms: percentile(&ms, 0.99),
            max_ms: ms.last().copied().unwrap_or(f64::NAN),
            hostile_answered: answered.load(Ordering::Relaxed),
        },
        held_now,
    )
}

/// Run the whole test against a server on `db`.
pub async fn run(cfg: &Config, db: &Path, workdir: &Path) -> Report {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    let mut child = tokio::process::Command::new(&cfg.bin)
        .args(["serve", "--listen", &addr, "--db"])
        .arg(db)
        .env("FASTINTERCOM_CONFIG", workdir.join("none.toml"))
        .env("RUST_LOG", "warn")
        .env_remove("LISTEN_FDS")
        .kill_on_drop(true)
        .spawn()
        .expect("start fastintercom serve");
    let url = format!("http://{addr}/mcp");
    let client = reqwest::Client::new();
    for _ in 0..400 {
        if client.get(format!("http://{addr}/healthz")).send().await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let (calm, _) = phase(cfg, &url, &addr, false).await;
    let (hostile, half_open_held) = phase(cfg, &url, &addr, true).await;
    let pid = child.id().expect("server pid");
    let peak_rss_mb = peak_rss_mb(pid);
    // SIGTERM with half-open connections and a hostile query in flight.
    let stop = Arc::new(AtomicBool::new(false));
    let (held, answered) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let mut tasks = tokio::task::JoinSet::new();
    tasks.spawn(half_open(
        addr.clone(),
        cfg.half_open.min(50),
        Arc::clone(&stop),
        held,
    ));
    tasks.spawn(hostile_client(
        reqwest::Client::new(),
        url.clone(),
        10_000,
        Arc::clone(&stop),
        answered,
    ));
    tokio::time::sleep(Duration::from_millis(500)).await;
    let t = Instant::now();
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status();
    let _ = tokio::time::timeout(Duration::from_secs(30), child.wait()).await;
    let sigterm_exit = t.elapsed();
    stop.store(true, Ordering::Relaxed);
    tasks.abort_all();
    Report {
        calm,
        hostile,
        half_open_held,
        peak_rss_mb,
        sigterm_exit,
    }
}

/// The report as Markdown rows.
pub fn markdown(cfg: &Config, r: &Report) -> String {
    let row = |name: &str, p: &Phase| {
        format!(
            "| {name} | {} | {} | {:.1} | {:.1} | {:.1} |\n",
            p.calls, p.errors, p.p50_ms, p.p99_ms, p.max_ms
        )
    };
    format!(
        "| {} ordinary clients ({} s per phase) | calls | errors | p50 ms | p99 ms | max ms |\n|---|---|---|---|---|---|\n{}{}\n\
         hostile: {} clients x 1,000 words + {} x 10,000 words (hanging up after 1 s; {} answered within it), \
         {} half-open connections held at the end; server peak RSS (VmHWM) {:.1} MB; SIGTERM to exit {:.2} s\n",
        cfg.ordinary_clients,
        cfg.phase.as_secs(),
        row("alone", &r.calm),
        row("with hostile clients", &r.hostile),
        cfg.hostile_1k,
        cfg.hostile_10k,
        r.hostile.hostile_answered,
        r.half_open_held,
        r.peak_rss_mb,
        r.sigterm_exit.as_secs_f64()
    )
}
