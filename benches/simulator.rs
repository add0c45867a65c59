//! The Intercom simulator's own costs: workspace generation, and how fast it answers the requests a
//! full sync makes (search pages of 150 by updated_at, then one conversation fetch per id), over
//! loopback with a plain reqwest client. The sync benchmark pulls 100k conversations at >= 2,000/s
//! through the simulator, so these numbers must leave ample room.
//!
//! `cargo bench --bench simulator` (`-- --quick` for 10k conversations).

use std::time::{Duration, Instant};

use fastintercom::simulator::{SimConfig, Simulator};
use futures_util::StreamExt;
use serde_json::{Value, json};

fn row(name: &str, n: usize, unit: &str, elapsed: Duration) {
    let rate = n as f64 / elapsed.as_secs_f64();
    println!(
        "| {name:<46} | {n:>8} {unit:<5} | {:>7.2} s | {rate:>10.0} {unit}/s |",
        elapsed.as_secs_f64()
    );
}

#[tokio::main]
async fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let n = if quick { 10_000 } else { 100_000 };
    let t = Instant::now();
    let sim = Simulator::start(
        SimConfig {
            conversations: n,
            seed: 1,
            ..SimConfig::default()
        },
        "127.0.0.1:0",
    )
    .await
    .expect("simulator");
    println!("bench simulator: {n} conversations x ~10 parts, loopback, 2-core machine");
    println!(
        "| {:<46} | {:>14} | {:>9} | {:>15} |",
        "what", "count", "time", "rate"
    );
    row("generate workspace + start", n, "conv", t.elapsed());

    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::new();
    let base = sim.base_url();

    let t = Instant::now();
    let mut ids = Vec::with_capacity(n);
    let mut body = json!({"query": {"operator": "AND", "value": [
        {"field": "updated_at", "operator": ">", "value": 0},
        {"field": "updated_at", "operator": "<=", "value": i64::MAX / 2}]},
        "sort": {"field": "updated_at", "order": "ascending"}, "pagination": {"per_page": 150}});
    let mut pages = 0;
    loop {
        let v: Value = http
            .post(format!("{base}/conversations/search"))
            .bearer_auth("sim-token")
            .json(&body)
            .send()
            .await
            .expect("search")
            .json()
            .await
            .expect("json");
        pages += 1;
        ids.extend(
            v["conversations"]
                .as_array()
                .expect("items")
                .iter()
                .map(|c| c["id"].as_str().unwrap().to_string()),
        );
        match v["pages"]["next"]["starting_after"].as_str() {
            Some(c) => body["pagination"]["starting_after"] = json!(c),
            None => break,
        }
    }
    assert_eq!(ids.len(), n);
    row(
        &format!("search walk, 150/page ({pages} pages)"),
        n,
        "conv",
        t.elapsed(),
    );

    for conc in [1usize, 8] {
        let take = if quick { 2_000 } else { 20_000 };
        let t = Instant::now();
        let done = futures_util::stream::iter(ids.iter().take(take))
            .map(|id| {
                let http = http.clone();
                let url = format!("{base}/conversations/{id}");
                async move {
                    let r = http.get(url).bearer_auth("sim-token").send().await.expect("get");
                    assert!(r.status().is_success());
                    r.bytes().await.expect("body").len()
                }
            })
            .buffer_unordered(conc)
            .collect::<Vec<usize>>()
            .await;
        row(
            &format!("GET /conversations/{{id}} (concurrency {conc})"),
            done.len(),
            "req",
            t.elapsed(),
        );
    }

    let t = Instant::now();
    let snap = sim.snapshot();
    row(
        "snapshot (all parts rendered)",
        snap.conversations.len(),
        "conv",
        t.elapsed(),
    );
    let t = Instant::now();
    let rep = sim.mutate(0.01);
    row(
        "mutate(0.01)",
        rep.new_parts + rep.new_conversations + rep.changed_conversations,
        "chg",
        t.elapsed(),
    );
    sim.shutdown().await;
}
