//! MCP latency for the company and Help Center article tools over HTTP (p50/p99): `search_companies` and
//! `get_company` at 10k companies, `search_articles` and `get_article` at 2k articles.
//!
//! `cargo bench --bench mcp_workspace`. The database is built once with `fastintercom simulate
//! --conversations 2000 --companies 10000 --articles 2000` + `fastintercom sync --once --full` and cached
//! under target/bench-data/. The server runs as its own child process (`fastintercom serve`).

use serde_json::{Value, json};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const TOKEN: &str = "bench-token";
const COMPANIES: usize = 10_000;
const ARTICLES: usize = 2_000;

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

fn database() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-data");
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join(format!("workspace-{COMPANIES}-{ARTICLES}.db"));
    if db.exists() {
        drop(fastintercom::store::open_rw(&db).expect("migrate the cached benchmark database"));
        return db;
    }
    let addr = format!("127.0.0.1:{}", free_port());
    let _sim = Proc(
        Command::new(bin())
            .args(["simulate", "--listen", &addr, "--token", TOKEN, "--seed", "1"])
            .args(["--conversations", "2000", "--companies", &COMPANIES.to_string()])
            .args(["--articles", &ARTICLES.to_string()])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the simulator"),
    );
    wait_port(&addr, 120);
    let tmp = dir.join("workspace.db.partial");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", tmp.display()));
    }
    let status = Command::new(bin())
        .args(["sync", "--once", "--full", "--db"])
        .arg(&tmp)
        .env("FASTINTERCOM_CONFIG", "/nonexistent")
        .env("FASTINTERCOM_API_BASE", format!("http://{addr}"))
        .env("INTERCOM_ACCESS_TOKEN", TOKEN)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .status()
        .expect("run the sync");
    assert!(status.success(), "sync failed");
    let conn = rusqlite::Connection::open(&tmp).unwrap();
    conn.pragma_update(None, "journal_mode", "DELETE").unwrap();
    drop(conn);
    std::fs::rename(&tmp, &db).unwrap();
    let _ = std::fs::remove_file(format!("{}.lock", tmp.display()));
    db
}

struct Work {
    companies: Vec<(String, String)>,
    articles: Vec<String>,
    words: Vec<String>,
    tags: Vec<String>,
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
    let mut s = conn
        .prepare("SELECT id, name FROM companies ORDER BY random() LIMIT 2000")
        .unwrap();
    let companies = s
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let mut words: Vec<String> = col("SELECT title FROM article_contents")
        .iter()
        .flat_map(|t| {
            t.split(|c: char| !c.is_alphanumeric())
                .filter(|w| w.len() >= 5)
                .map(str::to_lowercase)
                .collect::<Vec<_>>()
        })
        .collect();
    words.sort();
    words.dedup();
    Work {
        companies,
        articles: col("SELECT id FROM articles ORDER BY random() LIMIT 2000"),
        words,
        tags: col("SELECT name FROM tags"),
    }
}

fn args(tool: &str, w: &Work, rng: &mut fastrand::Rng) -> Value {
    let pick = |v: &Vec<String>, rng: &mut fastrand::Rng| v[rng.usize(..v.len())].clone();
    match tool {
        "search_companies" => match rng.u8(..5) {
            0 => {
                let (_, name) = &w.companies[rng.usize(..w.companies.len())];
                json!({"name": name.split(' ').next().unwrap()})
            }
            1 => {
                let plan = ["free", "starter", "pro", "enterprise"][rng.usize(..4)];
                json!({ "plan": plan })
            }
            2 => json!({"tag": pick(&w.tags, rng)}),
            3 => json!({"custom_attribute": "tier=gold", "limit": 50}),
            _ => json!({"limit": 100}),
        },
        "get_company" => json!({"company_id": w.companies[rng.usize(..w.companies.len())].0}),
        "search_articles" => match rng.u8(..3) {
            0 => json!({"query": pick(&w.words, rng)}),
            1 => json!({"query": pick(&w.words, rng), "state": "published", "locale": "en"}),
            _ => json!({"query": format!("{} {}", pick(&w.words, rng), pick(&w.words, rng)), "limit": 100}),
        },
        _ => json!({"article_id": pick(&w.articles, rng)}),
    }
}

fn pct(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

fn main() {
    let db = database();
    let w = work(&db);
    let addr = format!("127.0.0.1:{}", free_port());
    let _server = Proc(
        Command::new(bin())
            .args(["serve", "--listen", &addr, "--db"])
            .arg(&db)
            .env("FASTINTERCOM_CONFIG", "/nonexistent")
            .env("FASTINTERCOM_MAX_STALENESS_MINUTES", "100000")
            .env("RUST_LOG", "warn")
            .spawn()
            .expect("start serve"),
    );
    wait_port(&addr, 30);
    let _ = rustls::crypto::ring::default_provider().install_default();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let http = reqwest::Client::new();
    let url = format!("http://{addr}/mcp");
    let call = |tool: &str, a: Value| {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                          "params": {"name": tool, "arguments": a}});
        rt.block_on(async {
            let v: Value = http
                .post(&url)
                .header("accept", "application/json, text/event-stream")
                .header("mcp-protocol-version", "2025-06-18")
                .json(&body)
                .send()
                .await
                .expect("request")
                .json()
                .await
                .expect("json");
            assert_eq!(v["result"]["isError"], json!(false), "{tool}: {v}");
            v["result"]["content"][0]["text"].as_str().map_or(0, str::len)
        })
    };
    println!("\nfastintercom MCP server: {COMPANIES} companies, {ARTICLES} articles (2,000 conversations)");
    println!(
        "\n| tool (HTTP, sequential, keep-alive) | calls | p50 ms | p99 ms | max ms | mean answer bytes |"
    );
    println!("|---|---|---|---|---|---|");
    let calls = 1000;
    let mut rng = fastrand::Rng::with_seed(42);
    for tool in [
        "search_companies",
        "get_company",
        "search_articles",
        "get_article",
    ] {
        let mut lat = Vec::with_capacity(calls);
        let mut bytes = 0;
        for i in 0..calls + 20 {
            let a = args(tool, &w, &mut rng);
            let t = Instant::now();
            let n = call(tool, a);
            if i >= 20 {
                lat.push(t.elapsed());
                bytes += n;
            }
        }
        lat.sort();
        println!(
            "| {tool} | {calls} | {:.2} | {:.2} | {:.2} | {} |",
            pct(&lat, 0.5),
            pct(&lat, 0.99),
            lat.last().unwrap().as_secs_f64() * 1000.0,
            bytes / calls
        );
    }
}
