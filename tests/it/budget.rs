//! Integration tests: a sync under Intercom-like latency with default settings (adaptive concurrency, the
//! default reserve), against the real simulator over HTTP: it raises its in-flight bound to what the budget
//! needs and never draws a 429. The share of the budget it uses is a benchmark figure (BENCHMARKS.md).

use fastintercom::config::{DEFAULT_RATE_RESERVE_PERCENT, Token};
use fastintercom::intercom::ApiConfig;
use fastintercom::simulator::{SimConfig, Simulator};
use fastintercom::sync::{SyncOptions, sync_once};
use std::time::Instant;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn default_settings_fill_the_usable_budget_under_latency() {
    // 1,000 per 10 s at 150-300 ms: about 23 requests must be in flight (the old fixed 8 used ~35%).
    let limit = 1000u32;
    let cfg = SimConfig {
        conversations: 1800,
        seed: 11,
        parts_per_conversation: 4,
        rate_limit: limit,
        latency_ms: (150, 300),
        ..Default::default()
    };
    let sim = Simulator::start(cfg, "127.0.0.1:0").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let api = ApiConfig::new(sim.base_url(), Token::new(sim.token()));
    let mut opts = SyncOptions::new(dir.path().join("fi.db"), api);
    opts.full = true;
    let started = Instant::now();
    let report = sync_once(opts).await.expect("sync succeeds");
    let wall = started.elapsed().as_secs_f64();
    let stats = sim.stats();
    sim.shutdown().await;

    assert_eq!(report.conversations, 1800, "{report:?}");
    assert_eq!(stats.rate_limited, 0, "no 429s: {stats:?}");
    let usable = f64::from(limit) * (1.0 - f64::from(DEFAULT_RATE_RESERVE_PERCENT) / 100.0);
    // The floor: the time the requests need at the usable rate.
    let floor = stats.requests as f64 / usable * 10.0;
    let share = floor / wall;
    eprintln!(
        "requests {} in {wall:.1} s, floor {floor:.1} s, {:.0}% of the usable budget, peak in flight {}",
        stats.requests,
        share * 100.0,
        report.concurrency_peak
    );
    // The share itself depends on how busy the machine is, so the >= 90 % target is measured by the
    // benchmark (`FASTINTERCOM_BENCH_MODE=latency cargo bench --bench sync`, BENCHMARKS.md), not here.
    // What must hold on any machine: the in-flight bound grew past the old fixed 8 (about 23 are needed
    // at this limit and latency), and the pacing kept every request under the limit.
    assert!(
        report.concurrency_peak > 8,
        "adaptive concurrency never went past 8 in flight: {report:?}"
    );
}
