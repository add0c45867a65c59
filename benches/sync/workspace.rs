//! `FASTINTERCOM_BENCH_MODE=workspace`: the whole workspace beyond conversations (tickets with their parts,
//! Help Center articles, companies), per resource: items per second, requests per item, and the share of a
//! rate limit the whole run uses, without latency and under Intercom-like latency (150-300 ms).
//!
//! The sync runs its resources one after another (conversations and contacts, tickets, articles, segments,
//! companies) and records in `sync_metadata.duration_ms` the time from the run's start to each resource's
//! end, so a resource's own time is its `duration_ms` minus the one of the resource before it.

use super::{Sim, run_sync_with, start_sim_with};
use std::path::Path;

/// One resource's figures from the last run's `sync_metadata`.
struct Resource {
    name: &'static str,
    items: i64,
    requests: i64,
    seconds: f64,
}

/// (resource, the resource whose end this one starts from) in the order the sync runs them.
const ORDER: &[(&str, &str)] = &[
    ("tickets", "ticket_types"),
    ("articles", "tickets"),
    ("companies", "segments"),
];

fn resources(db: &Path) -> Vec<Resource> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let row = |r: &str| -> (i64, i64, i64) {
        conn.query_row(
            "SELECT row_count, requests, coalesce(duration_ms, 0) FROM sync_metadata WHERE resource = ?1",
            [r],
            |x| Ok((x.get(0)?, x.get(1)?, x.get(2)?)),
        )
        .unwrap_or_else(|e| panic!("sync_metadata row {r}: {e}"))
    };
    ORDER
        .iter()
        .map(|&(name, before)| {
            let (items, requests, end) = row(name);
            let (_, _, start) = row(before);
            Resource {
                name,
                items,
                requests,
                seconds: (end - start).max(1) as f64 / 1000.0,
            }
        })
        .collect()
}

struct Case {
    label: &'static str,
    conversations: usize,
    tickets: usize,
    articles: usize,
    companies: usize,
    rate_limit: u32,
    latency: Option<&'static str>,
}

fn start(c: &Case) -> Sim {
    let (t, a, k) = (
        c.tickets.to_string(),
        c.articles.to_string(),
        c.companies.to_string(),
    );
    let mut extra = vec!["--tickets", &t, "--articles", &a, "--companies", &k];
    if let Some(l) = c.latency {
        extra.extend(["--latency-ms", l]);
    }
    start_sim_with(c.conversations, c.rate_limit, &extra)
}

pub fn run(quick: bool) {
    let scale = if quick { 10 } else { 1 };
    let cases = [
        Case {
            label: "no latency, unlimited",
            conversations: 2_000 / scale,
            tickets: 20_000 / scale,
            articles: 2_000 / scale,
            companies: 10_000 / scale,
            rate_limit: 0,
            latency: None,
        },
        Case {
            label: "150-300 ms, 1,666 / 10 s",
            conversations: 2_000 / scale,
            tickets: 20_000 / scale,
            articles: 2_000 / scale,
            companies: 10_000 / scale,
            rate_limit: 1666,
            latency: Some("150-300"),
        },
    ];
    println!("bench sync (workspace): first `sync --once --full`, default settings, per resource");
    println!(
        "| case | resource | items | requests | requests per item | seconds | items/s |\n|---|---|---:|---:|---:|---:|---:|"
    );
    for c in &cases {
        let sim = start(c);
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("bench.db");
        let _ = run_sync_with(&sim, &db, None, c.rate_limit > 0);
        for r in resources(&db) {
            println!(
                "| {} | {} | {} | {} | {:.4} | {:.1} | {:.0} |",
                c.label,
                r.name,
                r.items,
                r.requests,
                r.requests as f64 / r.items.max(1) as f64,
                r.seconds,
                r.items as f64 / r.seconds
            );
        }
    }

    // Budget: a run dominated by tickets, articles and companies under a low limit.
    let limit = 300u32;
    let c = Case {
        label: "budget",
        conversations: 300,
        tickets: 30_000 / scale,
        articles: 3_000 / scale,
        companies: 20_000 / scale,
        rate_limit: limit,
        latency: None,
    };
    let sim = start(&c);
    let dir = tempfile::tempdir().unwrap();
    let r = run_sync_with(&sim, &dir.path().join("bench.db"), None, true);
    let windows = (r.seconds / 10.0).max(1.0);
    println!();
    println!(
        "bench sync (workspace): rate limit {limit} per 10 s; {} conversations, {} tickets, {} articles, {} companies",
        c.conversations, c.tickets, c.articles, c.companies
    );
    println!("| requests | seconds | budget of the run time (pro rata) | 429s |\n|---:|---:|---:|---:|");
    println!(
        "| {} | {:.1} | {:.0}% | {} |",
        r.requests,
        r.seconds,
        r.requests as f64 / (f64::from(limit) * windows) * 100.0,
        r.rate_limited
    );
}
