//! Integration tests: the bare paths a newcomer or an operator meets. Commands run the way a person runs
//! them (no token, no config, a port already taken, a killed sync, a full disk, a damaged database), as
//! real processes against the real simulator, and each test says what must happen.

use crate::common;
use fastintercom::config::Token;
use fastintercom::intercom::ApiConfig;
use fastintercom::simulator::{SimConfig, Simulator};
use fastintercom::sync::{SyncOptions, sync_once};
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

async fn sim(conversations: usize, f: impl FnOnce(&mut SimConfig)) -> Simulator {
    let mut cfg = SimConfig {
        conversations,
        seed: 12,
        ..Default::default()
    };
    f(&mut cfg);
    Simulator::start(cfg, "127.0.0.1:0")
        .await
        .expect("simulator starts")
}

async fn synced(sim: &Simulator, db: &Path) {
    let mut o = SyncOptions::new(db, ApiConfig::new(sim.base_url(), Token::new(sim.token())));
    o.full = true;
    tokio::time::timeout(Duration::from_secs(120), sync_once(o))
        .await
        .expect("sync in time")
        .expect("sync succeeds");
}

/// `fastintercom ARGS` with a clean environment: no token, no config file, no credentials, nothing set.
fn bare(args: &[&str]) -> Command {
    let mut cmd = Command::new(common::bin());
    cmd.args(args)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("FASTINTERCOM_CONFIG", "/nonexistent/fastintercom.toml")
        .stdin(Stdio::null());
    cmd
}

fn text(o: &Output) -> (i32, String, String) {
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A `fastintercom serve` child, killed on drop.
struct Serve(std::process::Child);

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn serve(db: &Path) -> (Serve, String) {
    let addr = format!("127.0.0.1:{}", free_port());
    let server = Serve(
        bare(&["serve", "--listen", &addr, "--db"])
            .arg(db)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    for _ in 0..200 {
        if tokio::net::TcpStream::connect(&addr).await.is_ok() {
            return (server, format!("http://{addr}/mcp"));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("serve did not listen on {addr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_over_mcp_http_without_a_token_answers_from_the_cache_without_panicking() {
    let sim = sim(60, |_| {}).await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("fi.db");
    synced(&sim, &db).await;
    let (_server, url) = serve(&db).await;
    let snap = sim.snapshot();
    let conv_id = snap.conversations[0]["id"].as_str().unwrap().to_string();
    let email = snap
        .contacts
        .iter()
        .find_map(|c| c["email"].as_str())
        .unwrap()
        .to_string();
    for args in [
        vec!["search", "refund", "--since", "7d", "--mcp-url", url.as_str()],
        vec!["conversation", conv_id.as_str(), "--mcp-url", url.as_str()],
        vec!["contact", email.as_str(), "--mcp-url", url.as_str()],
    ] {
        let (code, out, err) = text(&bare(&args).output().unwrap());
        assert_eq!(
            code, 0,
            "{args:?} exits 0 with no token\nstdout: {out}\nstderr: {err}"
        );
        assert!(!err.contains("panicked"), "{err}");
        assert!(
            out.contains("source: cache"),
            "{args:?} answers from the cache: {out}"
        );
        assert!(
            !out.contains('\x1b') && !err.contains('\x1b'),
            "no colour codes off a terminal"
        );
    }
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_on_a_taken_port_fails_at_once_and_says_what_to_do() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let t = Instant::now();
    let (code, out, err) = text(
        &bare(&["demo", "--once", "--conversations", "50", "--listen", &addr])
            .output()
            .unwrap(),
    );
    assert_ne!(code, 0, "a demo that cannot serve must not exit 0\n{out}");
    assert!(
        err.contains("another program is listening") && err.contains("--listen"),
        "{err}"
    );
    assert!(!out.contains("MCP server"), "no claim to serve: {out}");
    assert!(
        !out.contains("Sample answer"),
        "no answers from someone else's server: {out}"
    );
    assert!(
        t.elapsed() < Duration::from_secs(10),
        "fails before doing the work"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_once_serves_its_own_data_and_keeps_db_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    let addr = format!("127.0.0.1:{}", free_port());
    let (code, out, err) = text(
        &bare(&[
            "demo",
            "--once",
            "--conversations",
            "80",
            "--listen",
            &addr,
            "--db",
        ])
        .arg(&db)
        .output()
        .unwrap(),
    );
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains(&format!("http://{addr}/mcp")), "{out}");
    assert!(out.contains("source=cache"), "{out}");
    assert!(
        out.contains("export FASTINTERCOM_MCP_URL="),
        "tells how to ask it from a shell: {out}"
    );
    assert!(
        !err.contains(" INFO "),
        "no log lines mixed into the demo's text: {err}"
    );
    assert!(db.exists(), "--db keeps the database");
    // The demo never writes into an existing file.
    let (code, _, err) = text(
        &bare(&["demo", "--once", "--listen", &addr, "--db"])
            .arg(&db)
            .output()
            .unwrap(),
    );
    assert_ne!(code, 0);
    assert!(err.contains("already exists"), "{err}");
    // And it left nothing listening.
    assert!(
        std::net::TcpListener::bind(&addr).is_ok(),
        "the port is free again"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_against_an_unreachable_api_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("fi.db");
    let port = free_port(); // nothing listens there
    let (code, _, err) = text(
        &bare(&["sync", "--once", "--db"])
            .arg(&db)
            .env("INTERCOM_ACCESS_TOKEN", "t")
            .env("FASTINTERCOM_API_BASE", format!("http://127.0.0.1:{port}"))
            .output()
            .unwrap(),
    );
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("cannot reach Intercom"), "{err}");
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(left.is_empty(), "no database, WAL or lock file: {left:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_without_a_token_says_where_a_shell_user_puts_it() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = text(
        &bare(&["sync", "--once", "--db"])
            .arg(dir.path().join("fi.db"))
            .output()
            .unwrap(),
    );
    assert_eq!(code, 1);
    assert!(err.contains("INTERCOM_ACCESS_TOKEN"), "{err}");
    assert!(err.contains("token_file"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

fn status(db: &Path) -> (i32, String, String) {
    text(&bare(&["status", "--db"]).arg(db).output().unwrap())
}

fn status_json(db: &Path) -> Value {
    let out = bare(&["status", "--json", "--db"]).arg(db).output().unwrap();
    serde_json::from_slice(&out.stdout).expect("status --json")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_after_kill_9_says_interrupted_not_running() {
    let sim = sim(200, |c| c.latency_ms = (20, 30)).await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("fi.db");
    let mut child = bare(&["sync", "--once", "--full", "--db"])
        .arg(&db)
        .env("INTERCOM_ACCESS_TOKEN", sim.token())
        .env("FASTINTERCOM_API_BASE", sim.base_url())
        .env("FASTINTERCOM_CONCURRENCY", "2")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // While it runs, status says so.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(
            child.try_wait().unwrap().is_none(),
            "the sync finished before it could be killed"
        );
        if db.exists() && status(&db).1.contains("a sync is running now") {
            break;
        }
        assert!(Instant::now() < deadline, "status never saw the running sync");
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let (code, out, _) = status(&db);
    assert_eq!(code, 1, "never succeeded: {out}");
    assert!(out.contains("stopped without finishing"), "{out}");
    assert!(!out.contains("running now") && !out.contains("to now"), "{out}");
    assert_eq!(status_json(&db)[0]["status"], "interrupted");
    sim.shutdown().await;
}

/// Copy of the database with a few pages in its middle overwritten.
fn damage(db: &Path) {
    {
        let c = rusqlite::Connection::open(db).unwrap();
        c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .unwrap();
    }
    let mut bytes = std::fs::read(db).unwrap();
    let pages = bytes.len() / 4096;
    assert!(pages > 8, "a database of {pages} pages");
    for p in [pages / 3, pages / 2, pages * 2 / 3] {
        for b in &mut bytes[p * 4096..p * 4096 + 4096] {
            *b = 0xA5;
        }
    }
    std::fs::write(db, bytes).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_damaged_database_fails_the_sync_and_status() {
    let sim = sim(120, |_| {}).await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("fi.db");
    synced(&sim, &db).await;
    assert_eq!(status(&db).0, 0, "fresh before the damage");
    damage(&db);
    let (code, _, err) = text(
        &bare(&["sync", "--once", "--db"])
            .arg(&db)
            .env("INTERCOM_ACCESS_TOKEN", sim.token())
            .env("FASTINTERCOM_API_BASE", sim.base_url())
            .output()
            .unwrap(),
    );
    assert_eq!(code, 1, "a sync over a damaged database fails: {err}");
    assert!(
        err.contains("damaged") && err.contains("--full"),
        "says what to do: {err}"
    );
    let (code, out, err) = status(&db);
    assert_eq!(code, 1, "status fails too\n{out}\n{err}");
    assert!(
        out.contains("DATABASE PROBLEM") || err.contains("malformed"),
        "{out}\n{err}"
    );
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_that_cannot_write_is_reported_by_status() {
    use std::os::unix::process::CommandExt;
    let sim = sim(100, |_| {}).await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("fi.db");
    synced(&sim, &db).await;
    assert_eq!(status(&db).0, 0);
    sim.mutate(0.5);
    // As on a full disk: no file may grow past 8 KiB (the lock file's record block is 1 KiB), and writes
    // beyond that fail (SIGXFSZ ignored, so the write returns an error instead of killing the process).
    let mut cmd = bare(&["sync", "--once", "--full", "--db"]);
    cmd.arg(&db)
        .env("INTERCOM_ACCESS_TOKEN", sim.token())
        .env("FASTINTERCOM_API_BASE", sim.base_url());
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            let lim = libc::rlimit {
                rlim_cur: 8192,
                rlim_max: 8192,
            };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &lim) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    // The WAL restarts at its beginning after a checkpoint; make sure it has to grow.
    {
        let c = rusqlite::Connection::open(&db).unwrap();
        c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .unwrap();
    }
    let (code, _, err) = text(&cmd.output().unwrap());
    assert_eq!(code, 1, "the sync fails: {err}");
    let (code, out, _) = status(&db);
    assert_eq!(code, 1, "status does not call this healthy: {out}");
    assert!(out.contains("DATABASE PROBLEM"), "{out}");
    assert!(out.contains("last error"), "{out}");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_on_a_directory_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = status(dir.path());
    assert_eq!(code, 1);
    assert!(err.contains("is a directory"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_simulators_clock_never_runs_ahead_of_real_time() {
    let sim = sim(300, |_| {}).await;
    for _ in 0..10 {
        sim.mutate(0.05);
    }
    let now = chrono::Utc::now().timestamp();
    let newest = sim
        .snapshot()
        .conversations
        .iter()
        .filter_map(|c| c["updated_at"].as_i64())
        .max()
        .unwrap();
    assert!(newest <= now + 1, "newest updated_at {newest} is after now {now}");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_run_asks_for_each_directory_list_once() {
    let sim = sim(30, |_| {}).await;
    let dir = tempfile::tempdir().unwrap();
    synced(&sim, &dir.path().join("fi.db")).await;
    let by_route = sim.stats().by_route;
    for route in ["GET /admins", "GET /teams", "GET /tags"] {
        assert_eq!(by_route.get(route).copied(), Some(1), "{route}: {by_route:?}");
    }
    sim.shutdown().await;
}
