//! Integration tests: a sync is never silently behind. The simulator reports conversations dated in the
//! future and out of order (older than anything synced); the sync must store them, or say what it lacks
//! (`sync_metadata.shortfall`, status `incomplete`, `shortfall=` on the journal line).

use crate::common;
use fastintercom::config::Token;
use fastintercom::intercom::ApiConfig;
use fastintercom::simulator::{SimConfig, Simulator};
use fastintercom::sync::{SyncOptions, SyncReport, sync_once};
use rusqlite::Connection;
use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Stdio};

fn stored_ids(db: &Path) -> BTreeSet<String> {
    let c = Connection::open(db).unwrap();
    let mut st = c.prepare("SELECT id FROM conversations").unwrap();
    st.query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

fn row(db: &Path, resource: &str) -> (String, Option<i64>, Option<i64>) {
    let c = Connection::open(db).unwrap();
    c.query_row(
        "SELECT status, shortfall, high_water_mark FROM sync_metadata WHERE resource = ?1",
        [resource],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )
    .unwrap()
}

/// The log line without terminal colours.
fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

async fn run(o: &SyncOptions) -> SyncReport {
    sync_once(o.clone()).await.expect("sync succeeds")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn future_dated_and_out_of_order_conversations_are_not_skipped() {
    let sim = Simulator::start(
        SimConfig {
            conversations: 120,
            seed: 5,
            parts_per_conversation: 3,
            ..Default::default()
        },
        "127.0.0.1:0",
    )
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("fi.db");
    let api = ApiConfig::new(sim.base_url(), Token::new(sim.token()));
    let mut full = SyncOptions::new(&db, api.clone());
    full.full = true;
    let plain = SyncOptions::new(&db, api);
    run(&full).await;
    let all = |sim: &Simulator| sim.conversation_ids().into_iter().collect::<BTreeSet<_>>();
    assert_eq!(stored_ids(&db), all(&sim));

    // Eight days in the future (clock skew): read by the next plain run, and the mark stays at our clock.
    let now = chrono::Utc::now().timestamp();
    let future = sim.add_conversation_dated(now + 8 * 86_400);
    let r = run(&plain).await;
    assert!(stored_ids(&db).contains(&future), "{r:?}");
    let hwm = r.hwm.unwrap();
    assert!(
        hwm <= chrono::Utc::now().timestamp(),
        "mark {hwm} not carried into the future"
    );
    assert_eq!((r.shortfall, r.status().as_str()), (0, "ok"));
    // Later ordinary changes are still seen.
    sim.mutate(0.05);
    run(&plain).await;
    assert_eq!(stored_ids(&db), all(&sim));

    // Out of order: a conversation dated three days back, far below the mark. The count check finds
    // it missing and the covered window is re-read.
    let old = sim.add_conversation_dated(now - 3 * 86_400);
    let r = run(&plain).await;
    assert!(stored_ids(&db).contains(&old), "{r:?}");
    assert_eq!(
        (r.healed, r.shortfall, r.status().as_str()),
        (1, 0, "ok"),
        "{r:?}"
    );
    assert_eq!(row(&db, "overall").1, Some(0));

    // A second one within the hour: no second re-read, but the run says what it lacks, in
    // sync_metadata and on the journal line (the real binary).
    let old2 = sim.add_conversation_dated(now - 2 * 86_400);
    let out = Command::new(common::bin())
        .args(["sync", "--once"])
        .env("FASTINTERCOM_API_BASE", sim.base_url())
        .env("INTERCOM_ACCESS_TOKEN", sim.token())
        .env("FASTINTERCOM_DB", &db)
        .env("FASTINTERCOM_CONFIG", "/nonexistent/fastintercom.toml")
        .env("RUST_LOG", "info")
        .env_remove("CREDENTIALS_DIRECTORY")
        .env_remove("NOTIFY_SOCKET")
        .env_remove("JOURNAL_STREAM")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let log = strip_ansi(&String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{log}");
    assert!(!stored_ids(&db).contains(&old2));
    assert!(log.contains("shortfall=1"), "{log}");
    assert!(log.contains("sync_status=\"incomplete\""), "{log}");
    for resource in ["overall", "conversations"] {
        let (status, shortfall, _) = row(&db, resource);
        assert_eq!(
            (status.as_str(), shortfall),
            ("incomplete", Some(1)),
            "{resource}"
        );
    }

    // `--full` reads everything and clears it.
    let r = run(&full).await;
    assert_eq!(stored_ids(&db), all(&sim));
    assert_eq!((r.shortfall, r.status().as_str()), (0, "ok"), "{r:?}");
    assert_eq!(row(&db, "overall").0, "ok");
    sim.shutdown().await;
}
