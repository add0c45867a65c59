//! Intercom REST client against the simulator on loopback: raw throughput (list pages, conversation
//! fetches at the configured concurrency) and rate-limit budget use with proactive pacing.
//!
//! `cargo bench --bench intercom` (add `-- --quick` to skip the rate-limit run, which takes ~40 s).

use fastintercom::config::Token;
use fastintercom::intercom::{ApiConfig, IntercomClient};
use fastintercom::simulator::{SimConfig, Simulator};
use futures_util::StreamExt;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

fn client(sim: &Simulator, concurrency: usize) -> IntercomClient {
    let mut cfg = ApiConfig::new(sim.base_url(), Token::new(sim.token()));
    cfg.concurrency = concurrency;
    IntercomClient::new(cfg).expect("client")
}

fn row(name: &str, n: u64, unit: &str, elapsed: Duration, extra: &str) {
    let rate = n as f64 / elapsed.as_secs_f64();
    println!(
        "| {name:<44} | {n:>7} {unit:<6} | {:>8.2} s | {rate:>9.1} {unit}/s | {extra}",
        elapsed.as_secs_f64()
    );
}

async fn ids(c: &IntercomClient) -> Vec<String> {
    let mut out = Vec::new();
    let mut pages = std::pin::pin!(c.conversation_pages(150));
    while let Some(p) = pages.next().await {
        out.extend(p.expect("page").items.into_iter().map(|c| c.id));
    }
    out
}

async fn throughput(conversations: usize) {
    let sim = Simulator::start(
        SimConfig {
            conversations,
            ..SimConfig::default()
        },
        "127.0.0.1:0",
    )
    .await
    .expect("simulator");
    for concurrency in [1, 8] {
        let c = client(&sim, concurrency);
        let t = Instant::now();
        let all = ids(&c).await;
        row(
            &format!("list conversations, 150/page (c={concurrency})"),
            all.len() as u64,
            "conv",
            t.elapsed(),
            "",
        );
        let take: Vec<String> = all
            .iter()
            .take(if concurrency == 1 { 300 } else { 1500 })
            .cloned()
            .collect();
        let t = Instant::now();
        let mut parts = 0u64;
        let mut s = std::pin::pin!(c.get_conversations(take.clone()));
        while let Some((_, r)) = s.next().await {
            parts += r.expect("fetch").expect("exists").parts.len() as u64;
        }
        row(
            &format!("GET /conversations/{{id}} with parts (c={concurrency})"),
            take.len() as u64,
            "conv",
            t.elapsed(),
            &format!("{parts} parts, {} requests", c.stats().requests),
        );
    }
    sim.shutdown().await;
}

/// Fetch as fast as pacing allows for three whole windows; report the share of the budget used.
async fn budget(limit: u32) {
    let sim = Simulator::start(
        SimConfig {
            conversations: 400,
            rate_limit: limit,
            ..SimConfig::default()
        },
        "127.0.0.1:0",
    )
    .await
    .expect("simulator");
    let all: Vec<String> = sim
        .snapshot()
        .conversations
        .iter()
        .map(|v| v["id"].as_str().unwrap().to_string())
        .collect();
    // Start just after a window boundary (the simulator's windows are aligned to multiples of 10 s).
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    let next = (now.as_secs() / 10 + 1) * 10;
    tokio::time::sleep(Duration::from_secs(next) - now + Duration::from_millis(5)).await;
    sim.reset_stats();
    let c = client(&sim, 8);
    let windows = 3u64;
    let t = Instant::now();
    let work = async {
        let ids = all.iter().cycle().take(100_000).cloned().collect::<Vec<_>>();
        let mut s = std::pin::pin!(c.get_conversations(ids));
        while let Some((_, r)) = s.next().await {
            r.expect("fetch");
        }
    };
    let _ = tokio::time::timeout(
        Duration::from_secs(windows * 10) - Duration::from_millis(50),
        work,
    )
    .await;
    let served = sim.stats().requests;
    let stats = c.stats();
    let share = 100.0 * served as f64 / (windows * limit as u64) as f64;
    row(
        &format!("paced fetches, limit {limit}/10 s, 3 windows"),
        served,
        "req",
        t.elapsed(),
        &format!(
            "{share:.1}% of budget, {} x 429, {} waits ({} ms)",
            stats.rate_limited, stats.throttle_waits, stats.throttle_wait_ms
        ),
    );
    sim.shutdown().await;
}

#[tokio::main]
async fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    println!("| case | count | time | rate | notes |");
    println!("|---|---|---|---|---|");
    throughput(2000).await;
    if !quick {
        budget(100).await;
        budget(500).await;
    }
}
