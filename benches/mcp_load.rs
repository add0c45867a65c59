//! MCP server under hostile load (see benches/load/mod.rs): p50/p99 of 50 ordinary clients alone and
//! while hostile clients paste 1,000- and 10,000-word queries and hang up and half-open connections pile
//! up; the server's peak RSS; SIGTERM to exit.
//!
//! `cargo bench --bench mcp_load` (2,000 conversations, 20 s per phase); `FASTINTERCOM_BENCH_QUICK=1` for
//! 5 s phases. The short form runs in the test suite as `cargo test --test it mcp_load`. Results and the
//! command go to BENCHMARKS.md.

#[path = "load/mod.rs"]
mod load;

use std::time::Duration;

fn main() {
    let quick = std::env::var_os("FASTINTERCOM_BENCH_QUICK").is_some();
    let cfg = load::Config {
        bin: env!("CARGO_BIN_EXE_fastintercom").into(),
        conversations: 2_000,
        ordinary_clients: 50,
        phase: Duration::from_secs(if quick { 5 } else { 20 }),
        think: Duration::from_millis(100),
        hostile_1k: 4,
        hostile_10k: 4,
        half_open: 300,
    };
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("load.db");
    load::build_db(&db, cfg.conversations);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let report = rt.block_on(load::run(&cfg, &db, dir.path()));
    print!("{}", load::markdown(&cfg, &report));
}
