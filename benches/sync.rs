//! Sync benchmark: ingest rate and memory, and use of a rate-limit budget.
//!
//! `cargo bench --bench sync` (set `FASTINTERCOM_BENCH_QUICK=1` for a smoke run). The simulator and the
//! sync each run as their own child process (`fastintercom simulate`, `fastintercom sync --once --full`),
//! so the sync's peak RSS (VmHWM, polled from /proc/<pid>/status) is the sync's alone.
//! Results and the command go to BENCHMARKS.md.
//!
//! Modes (`FASTINTERCOM_BENCH_MODE`): unset = engine speed without latency and the rate-limited case;
//! `latency` = first syncs under Intercom-like latency (150-300 ms) at Intercom's default limit and a low
//! one, with default settings (adaptive concurrency), against the floor the limit allows;
//! `freshness` = the sync on its timer cadence against a changing workspace for 10+ minutes, sampling
//! the data age client answers report (`sync/freshness.rs`); `workspace` = tickets, articles and companies
//! per resource (items/s, requests per item) and the budget a workspace-heavy run uses (`sync/workspace.rs`).

#[path = "sync/freshness.rs"]
mod freshness;
#[path = "sync/workspace.rs"]
mod workspace;

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const TOKEN: &str = "bench-token";

/// The binary under test: cargo's build for this profile, or `FASTINTERCOM_BENCH_BIN` (e.g. a release
/// binary driven by a debug build of this harness, which only starts processes and polls them).
fn bin() -> PathBuf {
    std::env::var_os("FASTINTERCOM_BENCH_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_fastintercom")))
}

fn unix_now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A `fastintercom simulate` child, killed on drop.
struct Sim {
    child: Child,
    addr: String,
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_sim(conversations: usize, rate_limit: u32) -> Sim {
    start_sim_with(conversations, rate_limit, &[])
}

/// A simulator with extra `fastintercom simulate` flags (latency, mutations).
fn start_sim_with(conversations: usize, rate_limit: u32, extra: &[&str]) -> Sim {
    let addr = format!("127.0.0.1:{}", free_port());
    let child = Command::new(bin())
        .args([
            "simulate", "--listen", &addr, "--token", TOKEN, "--seed", "1", "--parts", "10",
        ])
        .args([
            "--conversations",
            &conversations.to_string(),
            "--rate-limit",
            &rate_limit.to_string(),
        ])
        .args(extra)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the simulator");
    let deadline = Instant::now() + Duration::from_secs(300);
    while TcpStream::connect(&addr).is_err() {
        assert!(Instant::now() < deadline, "simulator did not start listening");
        std::thread::sleep(Duration::from_millis(50));
    }
    Sim { child, addr }
}

/// Peak resident set (VmHWM) of a live process, in kB.
fn vm_hwm_kb(pid: u32) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    s.lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

struct Run {
    seconds: f64,
    peak_rss_mb: f64,
    conversations: i64,
    parts: i64,
    requests: i64,
    rate_limited: i64,
}

fn run_sync(sim: &Sim, db: &Path, concurrency: usize, pace: bool) -> Run {
    run_sync_with(sim, db, Some(concurrency), pace)
}

/// `concurrency: None` leaves `FASTINTERCOM_CONCURRENCY` unset (the default, adaptive).
fn run_sync_with(sim: &Sim, db: &Path, concurrency: Option<usize>, pace: bool) -> Run {
    let started = Instant::now();
    let mut cmd = Command::new(bin());
    match concurrency {
        Some(n) => cmd.env("FASTINTERCOM_CONCURRENCY", n.to_string()),
        None => cmd.env_remove("FASTINTERCOM_CONCURRENCY"),
    };
    let mut child = cmd
        .args(["sync", "--once", "--full"])
        .args(if pace {
            &[][..]
        } else {
            &["--no-proactive-throttle"][..]
        })
        .env("FASTINTERCOM_API_BASE", format!("http://{}", sim.addr))
        .env("INTERCOM_ACCESS_TOKEN", TOKEN)
        .env("FASTINTERCOM_DB", db)
        .env("FASTINTERCOM_CONFIG", "/nonexistent/fastintercom.toml")
        .env_remove("FASTINTERCOM_RATE_RESERVE_PERCENT")
        .env(
            "RUST_LOG",
            std::env::var("RUST_LOG").unwrap_or_else(|_| "warn".into()),
        )
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start the sync");
    let pid = child.id();
    let mut peak_kb = 0;
    let status = loop {
        if let Some(kb) = vm_hwm_kb(pid) {
            peak_kb = peak_kb.max(kb);
        }
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let seconds = started.elapsed().as_secs_f64();
    assert!(status.success(), "sync failed: {status}");
    let conn = rusqlite::Connection::open(db).unwrap();
    let one = |sql: &str| conn.query_row(sql, [], |r| r.get::<_, i64>(0)).unwrap();
    Run {
        seconds,
        peak_rss_mb: peak_kb as f64 / 1024.0,
        conversations: one("SELECT count(*) FROM conversations"),
        parts: one("SELECT count(*) FROM conversation_parts"),
        requests: one("SELECT requests FROM sync_metadata WHERE resource = 'overall'"),
        rate_limited: one("SELECT rate_limited FROM sync_metadata WHERE resource = 'overall'"),
    }
}

/// First syncs under 150-300 ms latency with default settings: wall time against the floor
/// (requests ÷ limit per 10 s × 10 s) and against the usable budget (the limit minus the default reserve).
fn latency_rows(quick: bool) {
    let cases: &[(usize, u32)] = if quick {
        &[(2_000, 1666), (1_000, 500)]
    } else {
        &[(10_000, 1666), (10_000, 500), (100_000, 1666)]
    };
    let reserve = f64::from(fastintercom::config::DEFAULT_RATE_RESERVE_PERCENT) / 100.0;
    println!(
        "bench sync: first `sync --once --full`, simulator --latency-ms 150-300, default settings (adaptive concurrency, {}% reserve)",
        fastintercom::config::DEFAULT_RATE_RESERVE_PERCENT
    );
    println!(
        "| conversations | limit / 10 s | requests | wall (s) | floor (s) | wall / floor | usable budget used | 429s | peak RSS (MB) |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    );
    for &(n, limit) in cases {
        let sim = start_sim_with(n, limit, &["--latency-ms", "150-300"]);
        let dir = tempfile::tempdir().unwrap();
        let r = run_sync_with(&sim, &dir.path().join("bench.db"), None, true);
        assert_eq!(r.conversations as usize, n, "every conversation stored");
        let floor = r.requests as f64 / f64::from(limit) * 10.0;
        let usable_floor = floor / (1.0 - reserve);
        println!(
            "| {} | {} | {} | {:.1} | {:.1} | {:.2}x | {:.0}% | {} | {:.1} |",
            n,
            limit,
            r.requests,
            r.seconds,
            floor,
            r.seconds / floor,
            usable_floor / r.seconds * 100.0,
            r.rate_limited,
            r.peak_rss_mb
        );
    }
}

fn main() {
    // `cargo bench` passes `--bench`; nothing else to parse.
    let quick = std::env::var("FASTINTERCOM_BENCH_QUICK").is_ok_and(|v| !v.is_empty() && v != "0");
    match std::env::var("FASTINTERCOM_BENCH_MODE").as_deref() {
        Ok("latency") => return latency_rows(quick),
        Ok("freshness") => return freshness::run(quick),
        Ok("workspace") => return workspace::run(quick),
        Ok("") | Err(_) => {}
        Ok(other) => panic!("FASTINTERCOM_BENCH_MODE={other:?}: expected latency, freshness or workspace"),
    }
    let sizes: &[usize] = if quick {
        &[2_000, 10_000]
    } else {
        &[10_000, 100_000]
    };
    let concurrency = 8;
    println!("bench sync: unthrottled simulator, full sync, concurrency {concurrency} (2-core machine)");
    println!(
        "| conversations | parts | seconds | conv/s | parts/s | peak RSS (MB) | requests | 429s |\n|---:|---:|---:|---:|---:|---:|---:|---:|"
    );
    // FASTINTERCOM_BENCH_RATE_ONLY=1 runs only the rate-limit case.
    let rate_only = std::env::var("FASTINTERCOM_BENCH_RATE_ONLY").is_ok_and(|v| !v.is_empty() && v != "0");
    for &n in sizes.iter().filter(|_| !rate_only) {
        let sim = start_sim(n, 0);
        let dir = tempfile::tempdir().unwrap();
        // The simulator advertises 10,000 requests per 10 s even when unlimited; the engine's own speed
        // is measured without pacing to that figure.
        let r = run_sync(&sim, &dir.path().join("bench.db"), concurrency, false);
        assert_eq!(r.conversations as usize, n, "every conversation stored");
        println!(
            "| {} | {} | {:.1} | {:.0} | {:.0} | {:.1} | {} | {} |",
            r.conversations,
            r.parts,
            r.seconds,
            r.conversations as f64 / r.seconds,
            r.parts as f64 / r.seconds,
            r.peak_rss_mb,
            r.requests,
            r.rate_limited
        );
    }

    // Rate-limited: how much of the budget the sync uses, and whether it ever hits a 429.
    let limit = 300u32;
    let n = if quick { 300 } else { 1_200 };
    let sim = start_sim(n, limit);
    let dir = tempfile::tempdir().unwrap();
    let t0 = unix_now();
    let r = run_sync(&sim, &dir.path().join("bench.db"), concurrency, true);
    let t1 = unix_now();
    // Intercom's (and the simulator's) windows are fixed 10-second wall-clock slots.
    let touched = (t1 / 10.0).floor() - (t0 / 10.0).floor() + 1.0;
    // The budget of the time the sync ran: `limit` per 10 s, pro rata.
    let windows = (r.seconds / 10.0).max(1.0);
    let used = r.requests as f64 / (f64::from(limit) * windows);
    println!();
    println!("bench sync: rate limit {limit} per 10 s, {n} conversations");
    println!(
        "| requests | seconds | budget of the run time (pro rata) | windows touched | budget of the windows touched | 429s |\n|---:|---:|---:|---:|---:|---:|"
    );
    println!(
        "| {} | {:.1} | {:.0}% | {} | {:.0}% | {} |",
        r.requests,
        r.seconds,
        used * 100.0,
        touched,
        r.requests as f64 / (f64::from(limit) * touched) * 100.0,
        r.rate_limited
    );
}
