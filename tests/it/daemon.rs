//! Integration tests: `sync --interval` as a daemon (the real binary). Every failed run is logged whatever
//! the log target; SIGTERM during a run stops it at a batch boundary with the checkpoint intact and the
//! documented exit status; SIGTERM while it sleeps exits 0.

use crate::common;
use crate::sync::{assert_matches, binary_sync, count, db_path, meta, output, sim};
use fastintercom::simulator::Simulator;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

fn interval_sync(sim: &Simulator, db: &Path, token: &str, stderr: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(common::bin());
    cmd.args(["sync", "--interval", "1"])
        .args(args)
        .env("FASTINTERCOM_API_BASE", sim.base_url())
        .env("INTERCOM_ACCESS_TOKEN", token)
        .env("FASTINTERCOM_DB", db)
        .env("FASTINTERCOM_CONFIG", "/nonexistent/fastintercom.toml")
        .env("FASTINTERCOM_CONCURRENCY", "2")
        .env_remove("CREDENTIALS_DIRECTORY")
        .env_remove("NOTIFY_SOCKET")
        .env_remove("JOURNAL_STREAM")
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(stderr).unwrap());
    cmd
}

fn sigterm(child: &Child) {
    let ok = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill -TERM {}", child.id());
}

/// Wait (without blocking the runtime) for the child to exit; kill it and fail after `limit`.
async fn exit_within(child: &mut Child, limit: Duration) -> ExitStatus {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(s) = child.try_wait().unwrap() {
            return s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the sync did not stop within {limit:?}");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_mid_run_stops_at_a_batch_boundary_with_the_checkpoint_intact() {
    let sim = sim(500, |c| c.latency_ms = (10, 25)).await;
    let dir = tempfile::tempdir().unwrap();
    let db = db_path(&dir);
    let log = dir.path().join("stderr.log");
    let mut child = interval_sync(&sim, &db, &sim.token(), &log, &["--full"])
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let n = if db.exists() {
            rusqlite::Connection::open(&db)
                .and_then(|c| c.query_row("SELECT count(*) FROM conversations", [], |r| r.get::<_, i64>(0)))
                .unwrap_or(0)
        } else {
            0
        };
        if n >= 60 {
            break;
        }
        assert!(child.try_wait().unwrap().is_none(), "the sync exited early");
        assert!(Instant::now() < deadline, "the sync made no progress");
    }
    let signalled = Instant::now();
    sigterm(&child);
    let status = exit_within(&mut child, Duration::from_secs(30)).await;
    let stderr = std::fs::read_to_string(&log).unwrap();
    assert_eq!(
        status.code(),
        Some(i32::from(fastintercom::sync::EXIT_STOPPED)),
        "{stderr}"
    );
    assert!(
        signalled.elapsed() < Duration::from_secs(10),
        "stopped at the next batch, not at the end of the run"
    );
    assert!(stderr.contains("stopped"), "{stderr}");
    let stored = count(&db, "conversations");
    assert!(stored < 500, "stopped mid-run ({stored} stored)");

    // The checkpoint is intact: every conversation updated at or before it is stored.
    let hwm = meta(&db, "conversations")
        .high_water_mark
        .expect("a checkpoint was committed");
    let conn = rusqlite::Connection::open(&db).unwrap();
    let mut behind = 0;
    for c in sim.snapshot().conversations {
        if c["updated_at"].as_i64().unwrap() <= hwm {
            let id = c["id"].as_str().unwrap().to_string();
            let n: i64 = conn
                .query_row("SELECT count(*) FROM conversations WHERE id = ?1", [&id], |r| {
                    r.get(0)
                })
                .unwrap();
            behind += usize::from(n == 0);
        }
    }
    assert_eq!(
        behind, 0,
        "conversations at or below the checkpoint {hwm} are missing"
    );

    // A plain run resumes from the checkpoint and completes the copy.
    let out = output(binary_sync(&sim, &db, &sim.token(), &[])).await;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_matches(&db, &sim.snapshot());
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_failed_run_is_logged_and_sigterm_while_sleeping_exits_0() {
    let sim = sim(10, |_| {}).await;
    let dir = tempfile::tempdir().unwrap();
    let db = db_path(&dir);
    let log = dir.path().join("stderr.log");
    // Not under journald (no JOURNAL_STREAM): the failure must still reach the log.
    let mut child = interval_sync(&sim, &db, "wrong-token-456", &log, &[])
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let stderr = loop {
        let s = std::fs::read_to_string(&log).unwrap_or_default();
        if s.contains("sync failed") {
            break s;
        }
        assert!(child.try_wait().unwrap().is_none(), "the daemon exited: {s}");
        assert!(Instant::now() < deadline, "the failed run was never logged: {s}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(stderr.contains("rejected the access token"), "{stderr}");
    assert!(
        !stderr.contains("wrong-token-456"),
        "the token never reaches the log"
    );
    sigterm(&child);
    let status = exit_within(&mut child, Duration::from_secs(10)).await;
    assert_eq!(status.code(), Some(0), "a stop while sleeping is clean");
    sim.shutdown().await;
}
