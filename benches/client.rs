//! The same questions answered by each path of the client library, with the simulator given
//! Intercom-like latency (150-300 ms per request): the cache over MCP (a real `fastintercom serve`
//! process, Streamable HTTP), the cache read from the database file, and live REST. "Warm" clients are
//! reused across calls (MCP: one session, `get_sync_status` reused for 5 s; REST: admin/team/tag lists and
//! contacts remembered for 60 s); a "new client" pays everything per call (MCP: the initialize handshake
//! and the status read; REST: the directory and contact lookups), as one CLI invocation does.
//!
//! `cargo bench --bench client` prints a table: p50 and p90 per path and the ratio REST p50 / cache p50.
//! `BENCH_CONVERSATIONS` (default 2000) sizes the workspace.

use fastintercom::client::{
    CacheSource, CallOptions, Client, ClientConfig, GroupBy, SearchRequest, Source, StatsRequest,
};
use fastintercom::config::Token;
use fastintercom::intercom::ApiConfig;
use fastintercom::simulator::{SimConfig, Simulator};
use fastintercom::sync::{SyncOptions, sync_once};
use std::path::Path;
use std::time::{Duration, Instant};

const DAY: i64 = 86_400;

#[derive(Clone, Copy, PartialEq)]
enum Question {
    Search,
    Conversation,
    Stats,
}

impl Question {
    fn name(self) -> &'static str {
        match self {
            Question::Search => "search 7d window, 20 results",
            Question::Conversation => "get_conversation (with parts)",
            Question::Stats => "stats by state, 30d window",
        }
    }
}

async fn ask(client: &Client, q: Question, id: &str) -> Source {
    let opts = CallOptions::default();
    let now = fastintercom::timespec::now();
    match q {
        Question::Search => {
            let req = SearchRequest {
                since: Some(now - 7 * DAY),
                limit: Some(20),
                ..Default::default()
            };
            client
                .search_conversations(&req, &opts)
                .await
                .expect("search")
                .source
        }
        Question::Conversation => {
            let a = client.get_conversation(id, &opts).await.expect("conversation");
            assert!(a.data.is_some());
            a.source
        }
        Question::Stats => {
            let req = StatsRequest {
                since: Some(now - 30 * DAY),
                ..StatsRequest::new(GroupBy::State)
            };
            client
                .conversation_stats(&req, &opts)
                .await
                .expect("stats")
                .source
        }
    }
}

fn pct(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn ms(d: Duration) -> String {
    let m = d.as_secs_f64() * 1000.0;
    if m < 10.0 {
        format!("{m:.2}")
    } else {
        format!("{m:.0}")
    }
}

/// Run `n` times (after one warm-up unless `cold`), check the source, return sorted durations.
async fn measure(
    make: impl Fn() -> Client,
    cold: bool,
    q: Question,
    id: &str,
    n: usize,
    want: Source,
) -> Vec<Duration> {
    let warm = make();
    if !cold {
        assert_eq!(ask(&warm, q, id).await, want);
    }
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let client = if cold { make() } else { warm.clone() };
        let t = Instant::now();
        let src = ask(&client, q, id).await;
        out.push(t.elapsed());
        assert_eq!(src, want);
    }
    out.sort();
    out
}

struct ServeChild(std::process::Child);

impl Drop for ServeChild {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(db: &Path) -> (ServeChild, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    let child = ServeChild(
        std::process::Command::new(env!("CARGO_BIN_EXE_fastintercom"))
            .args(["serve", "--listen", &addr, "--db"])
            .arg(db)
            .env("FASTINTERCOM_CONFIG", "/nonexistent/fastintercom.toml")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("spawn serve"),
    );
    for _ in 0..200 {
        if std::net::TcpStream::connect(&addr).is_ok() {
            return (child, format!("http://{addr}/mcp"));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("serve did not start");
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let conversations: usize = std::env::var("BENCH_CONVERSATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    let sim = Simulator::start(
        SimConfig {
            conversations,
            seed: 7,
            ..Default::default()
        },
        "127.0.0.1:0",
    )
    .await
    .expect("simulator");
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("bench.db");
    let api = ApiConfig::new(sim.base_url(), Token::new(sim.token()));
    let t = Instant::now();
    sync_once(SyncOptions::new(&db, api.clone())).await.expect("sync");
    eprintln!(
        "synced {conversations} conversations in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let (_server, url) = serve(&db);
    sim.set_latency_ms(150, 300);

    let config = |cache: CacheSource| {
        let mut c = ClientConfig::new(cache, Some(api.clone()));
        c.rest_timeout = Duration::from_secs(120);
        c
    };
    let mcp = || {
        Client::new(config(CacheSource::McpHttp {
            url: url.clone(),
            token: None,
        }))
    };
    let file = || Client::new(config(CacheSource::Database(db.clone())));
    let rest = || Client::new(config(CacheSource::None));

    let now = fastintercom::timespec::now();
    let recent = mcp()
        .search_conversations(
            &SearchRequest {
                since: Some(now - 7 * DAY),
                limit: Some(1),
                ..Default::default()
            },
            &CallOptions::default(),
        )
        .await
        .expect("pick a conversation");
    let id = recent.data.conversations[0].id.clone();

    println!("client library: the same question by each path; simulator latency 150-300 ms per request");
    println!(
        "workspace: {conversations} conversations; MCP = `fastintercom serve` over Streamable HTTP on loopback"
    );
    println!();
    println!(
        "| {:<31} | {:<26} | {:>3} | {:>9} | {:>9} | {:>14} |",
        "question", "path", "n", "p50 ms", "p90 ms", "REST p50 / this"
    );
    println!(
        "|{:-<33}|{:-<28}|{:->5}|{:->11}|{:->11}|{:->16}|",
        "", "", "", "", "", ""
    );
    for q in [Question::Search, Question::Conversation, Question::Stats] {
        let rest_warm = measure(rest, false, q, &id, 8, Source::Rest).await;
        let rest_cold = measure(rest, true, q, &id, 4, Source::Rest).await;
        let via_mcp = measure(mcp, false, q, &id, 100, Source::Cache).await;
        let via_mcp_cold = measure(mcp, true, q, &id, 30, Source::Cache).await;
        let via_file = measure(file, false, q, &id, 100, Source::Cache).await;
        let base = pct(&rest_warm, 0.5).as_secs_f64();
        for (path, d) in [
            ("cache via MCP (HTTP)", &via_mcp),
            ("cache via MCP, new client", &via_mcp_cold),
            ("cache via database file", &via_file),
            ("REST, warm client", &rest_warm),
            ("REST, new client", &rest_cold),
        ] {
            let ratio = base / pct(d, 0.5).as_secs_f64();
            println!(
                "| {:<31} | {:<26} | {:>3} | {:>9} | {:>9} | {:>13.1}x |",
                q.name(),
                path,
                d.len(),
                ms(pct(d, 0.5)),
                ms(pct(d, 0.9)),
                ratio
            );
        }
    }
    let s = sim.stats();
    eprintln!("simulator served {} requests", s.requests);
}
