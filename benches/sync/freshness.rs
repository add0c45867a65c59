//! Freshness mode of the sync bench: a simulator that keeps changing (`--mutate-every`), the sync on the
//! timer's cadence (each minute plus up to 15 s of random delay, as `OnCalendar=minutely` with
//! `RandomizedDelaySec=15s`), and a client asking every 5 s (`fastintercom search --json`), for
//! `FASTINTERCOM_BENCH_MINUTES` (default 10; quick: 2). Reports the data age the answers carry (p50, p95,
//! max), the requests the cadence cost against the rate budget, and the log lines each run wrote.

use super::{Sim, TOKEN, bin, start_sim_with, unix_now};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const LIMIT: u32 = 1666;
const CONVERSATIONS: usize = 1000;
const MUTATE_EVERY: &str = "30";

struct RunStat {
    requests: i64,
    seconds: f64,
    lines: usize,
}

fn sync(sim: &Sim, db: &Path, extra: &[&str]) -> RunStat {
    let started = Instant::now();
    let out = Command::new(bin())
        .args(["sync", "--once"])
        .args(extra)
        .env("FASTINTERCOM_API_BASE", format!("http://{}", sim.addr))
        .env("INTERCOM_ACCESS_TOKEN", TOKEN)
        .env("FASTINTERCOM_DB", db)
        .env("FASTINTERCOM_CONFIG", "/nonexistent/fastintercom.toml")
        .env("RUST_LOG", "info")
        .env("NO_COLOR", "1")
        .env_remove("FASTINTERCOM_CONCURRENCY")
        .env_remove("JOURNAL_STREAM")
        .env_remove("NOTIFY_SOCKET")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .output()
        .expect("run the sync");
    assert!(
        out.status.success(),
        "sync failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let conn = rusqlite::Connection::open(db).unwrap();
    let requests = conn
        .query_row(
            "SELECT requests FROM sync_metadata WHERE resource = 'overall'",
            [],
            |r| r.get::<_, i64>(0),
        )
        .unwrap();
    RunStat {
        requests,
        seconds: started.elapsed().as_secs_f64(),
        lines: String::from_utf8_lossy(&out.stderr).lines().count(),
    }
}

/// The age (seconds) a cache answer reports, or None when the client did not answer from the cache.
fn sample_age(sim: &Sim, db: &Path) -> Option<i64> {
    let out = Command::new(bin())
        .args(["search", "the", "--json", "--limit", "1", "--since", "3650d"])
        .env("FASTINTERCOM_API_BASE", format!("http://{}", sim.addr))
        .env("INTERCOM_ACCESS_TOKEN", TOKEN)
        .env("FASTINTERCOM_DB", db)
        .env("FASTINTERCOM_CONFIG", "/nonexistent/fastintercom.toml")
        .env_remove("FASTINTERCOM_MCP_URL")
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).ok()?;
    if v.get("source")?.as_str()? != "cache" {
        return None;
    }
    v.get("age_seconds")?.as_i64()
}

fn percentile(sorted: &[i64], p: f64) -> i64 {
    if sorted.is_empty() {
        return 0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

pub fn run(quick: bool) {
    let minutes: u64 = std::env::var("FASTINTERCOM_BENCH_MINUTES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if quick { 2 } else { 10 });
    let sim = start_sim_with(
        CONVERSATIONS,
        LIMIT,
        &["--latency-ms", "150-300", "--mutate-every", MUTATE_EVERY],
    );
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("bench.db");
    let first = sync(&sim, &db, &["--full"]);
    let sim = Arc::new(sim);
    let t0 = unix_now();
    let end = t0 + minutes as f64 * 60.0;
    let runs = Arc::new(Mutex::new(Vec::<RunStat>::new()));
    let cadence = {
        let (sim, db, runs) = (sim.clone(), db.clone(), runs.clone());
        std::thread::spawn(move || {
            loop {
                let now = unix_now();
                let next = (now / 60.0).floor() * 60.0 + 60.0 + fastrand::f64() * 15.0;
                if next >= end {
                    break;
                }
                std::thread::sleep(Duration::from_secs_f64(next - now));
                let r = sync(&sim, &db, &[]);
                runs.lock().unwrap().push(r);
            }
        })
    };
    let mut ages = Vec::new();
    let mut rest = 0;
    while unix_now() < end {
        match sample_age(&sim, &db) {
            Some(a) => ages.push(a),
            None => rest += 1,
        }
        std::thread::sleep(Duration::from_secs(5));
    }
    cadence.join().unwrap();
    let elapsed = unix_now() - t0;
    ages.sort_unstable();
    let runs = runs.lock().unwrap();
    let requests: i64 = runs.iter().map(|r| r.requests).sum();
    let budget = f64::from(LIMIT) / 10.0 * elapsed;
    let max_lines = runs.iter().map(|r| r.lines).max().unwrap_or(0);
    let mean_secs = runs.iter().map(|r| r.seconds).sum::<f64>() / runs.len().max(1) as f64;
    let per_run = requests as f64 / runs.len().max(1) as f64;
    println!(
        "bench sync freshness: {CONVERSATIONS} conversations, simulator --latency-ms 150-300 --rate-limit {LIMIT} \
         --mutate-every {MUTATE_EVERY} (1% of the workspace each time), sync each minute + 0-15 s, {minutes} min \
         (first full sync: {} requests, {:.1} s)",
        first.requests, first.seconds
    );
    println!(
        "| samples | cache answers | data age p50 (s) | p95 (s) | max (s) | runs | requests/run | run time (s) | budget used | log lines/run (max) |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    );
    println!(
        "| {} | {} | {} | {} | {} | {} | {:.1} | {:.2} | {:.2}% | {} |",
        ages.len() + rest,
        ages.len(),
        percentile(&ages, 0.5),
        percentile(&ages, 0.95),
        ages.last().copied().unwrap_or(0),
        runs.len(),
        per_run,
        mean_secs,
        requests as f64 / budget * 100.0,
        max_lines
    );
}
