//! Integration tests: sync. Each test starts the real simulator on loopback, syncs into a temp database
//! (in-process through `sync_once`, or the real binary where exit codes and signals matter), and checks
//! the database against the simulator's ground truth.

use crate::common;
use fastintercom::config::Token;
use fastintercom::intercom::ApiConfig;
use fastintercom::simulator::{Faults, SimConfig, Simulator, Snapshot};
use fastintercom::sync::{SyncOptions, SyncReport, sync_once};
use rusqlite::Connection;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub(crate) async fn sim(conversations: usize, f: impl FnOnce(&mut SimConfig)) -> Simulator {
    let mut cfg = SimConfig {
        conversations,
        seed: 7,
        // A lost answer to the request opening a companies scroll leaves it open until it expires
        // (Intercom: a minute); a short expiry keeps fault tests from waiting that out.
        scroll_expiry_ms: 2_000,
        ..Default::default()
    };
    f(&mut cfg);
    Simulator::start(cfg, "127.0.0.1:0")
        .await
        .expect("simulator starts")
}

pub(crate) fn api(sim: &Simulator) -> ApiConfig {
    let mut a = ApiConfig::new(sim.base_url(), Token::new(sim.token()));
    a.concurrency = 4;
    a
}

/// Options for a run covering the whole simulated workspace.
pub(crate) fn opts(db: &Path, sim: &Simulator) -> SyncOptions {
    let mut o = SyncOptions::new(db, api(sim));
    o.full = true;
    o
}

pub(crate) fn db_path(dir: &tempfile::TempDir) -> PathBuf {
    dir.path().join("fi.db")
}

pub(crate) fn id(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        other => panic!("not an id: {other}"),
    }
}

/// `0`/null → None, else the id as text.
fn opt_id(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::Number(n) if n.as_i64() == Some(0) => None,
        v => Some(id(v)),
    }
}

fn ids_of(list: &Value, key: &str) -> BTreeSet<String> {
    list.get(key)
        .and_then(Value::as_array)
        .map(|a| a.iter().map(|x| id(&x["id"])).collect())
        .unwrap_or_default()
}

fn query_set(conn: &Connection, sql: &str, arg: &str) -> BTreeSet<String> {
    let mut s = conn.prepare(sql).unwrap();
    s.query_map([arg], |r| r.get::<_, String>(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// The database holds exactly what the simulator serves: every conversation (fields, links, the newest
/// 500 parts with bodies and authors, truncation flag), contact, admin, team and tag.
pub(crate) fn assert_matches(db: &Path, snap: &Snapshot) {
    let conn = Connection::open(db).unwrap();
    let stored: BTreeSet<String> = {
        let mut s = conn.prepare("SELECT id FROM conversations").unwrap();
        s.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    let remote: BTreeSet<String> = snap.conversations.iter().map(|c| id(&c["id"])).collect();
    assert_eq!(stored.len(), remote.len(), "conversation count");
    assert_eq!(stored, remote, "conversation ids");
    for c in &snap.conversations {
        let cid = id(&c["id"]);
        let (updated_at, state, admin, team, truncated, parts_total): (
            i64,
            String,
            Option<String>,
            Option<String>,
            bool,
            Option<i64>,
        ) = conn
            .query_row(
                "SELECT updated_at, state, admin_assignee_id, team_assignee_id, parts_truncated, parts_total
                 FROM conversations WHERE id = ?1",
                [&cid],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)),
            )
            .unwrap();
        assert_eq!(
            updated_at,
            c["updated_at"].as_i64().unwrap(),
            "updated_at of {cid}"
        );
        assert_eq!(state, c["state"].as_str().unwrap(), "state of {cid}");
        assert_eq!(admin, opt_id(&c["admin_assignee_id"]), "admin of {cid}");
        assert_eq!(team, opt_id(&c["team_assignee_id"]), "team of {cid}");
        assert_eq!(
            query_set(
                &conn,
                "SELECT tag_id FROM conversation_tags WHERE conversation_id = ?1",
                &cid
            ),
            ids_of(&c["tags"], "tags"),
            "tags of {cid}"
        );
        assert_eq!(
            query_set(
                &conn,
                "SELECT contact_id FROM conversation_contacts WHERE conversation_id = ?1",
                &cid
            ),
            ids_of(&c["contacts"], "contacts"),
            "contacts of {cid}"
        );
        let parts = c["conversation_parts"]["conversation_parts"].as_array().unwrap();
        let total = parts.len();
        let mut s = conn
            .prepare(
                "SELECT id, body, author_id, part_type FROM conversation_parts WHERE conversation_id = ?1",
            )
            .unwrap();
        let local: BTreeMap<String, (Option<String>, Option<String>, String)> = s
            .query_map([&cid], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?, r.get(3)?))))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let remote_parts: BTreeMap<String, &Value> = parts.iter().map(|p| (id(&p["id"]), p)).collect();
        for pid in local.keys() {
            assert!(
                remote_parts.contains_key(pid),
                "stored part {pid} of {cid} does not exist remotely"
            );
        }
        // Intercom serves only the newest 500; those must all be stored, exactly.
        for p in parts.iter().skip(total.saturating_sub(500)) {
            let pid = id(&p["id"]);
            let (body, author, kind) = local
                .get(&pid)
                .unwrap_or_else(|| panic!("part {pid} of {cid} missing"));
            assert_eq!(body.as_deref(), p["body"].as_str(), "body of part {pid}");
            assert_eq!(
                author.clone(),
                p["author"].get("id").and_then(opt_id),
                "author of part {pid}"
            );
            assert_eq!(kind, p["part_type"].as_str().unwrap(), "type of part {pid}");
        }
        assert_eq!(truncated, total > 500, "parts_truncated of {cid} ({total} parts)");
        assert_eq!(parts_total, Some(total as i64), "parts_total of {cid}");
    }
    let contacts: BTreeMap<String, (Option<String>, Option<i64>)> = {
        let mut s = conn
            .prepare("SELECT id, email, updated_at FROM contacts")
            .unwrap();
        s.query_map([], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?))))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    assert_eq!(contacts.len(), snap.contacts.len(), "contact count");
    for c in &snap.contacts {
        let (email, updated_at) = contacts.get(&id(&c["id"])).expect("contact stored");
        assert_eq!(email.as_deref(), c["email"].as_str());
        assert_eq!(*updated_at, c["updated_at"].as_i64());
    }
    for (table, list) in [
        ("admins", &snap.admins),
        ("teams", &snap.teams),
        ("tags", &snap.tags),
    ] {
        let mut s = conn.prepare(&format!("SELECT id FROM {table}")).unwrap();
        let local: BTreeSet<String> = s
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let remote: BTreeSet<String> = list.iter().map(|x| id(&x["id"])).collect();
        assert_eq!(local, remote, "{table}");
    }
}

pub(crate) fn meta(db: &Path, resource: &str) -> fastintercom::model::SyncMeta {
    let conn = Connection::open(db).unwrap();
    fastintercom::store::metadata::read(&conn, resource)
        .unwrap()
        .expect("metadata row")
}

pub(crate) fn count(db: &Path, table: &str) -> i64 {
    let conn = Connection::open(db).unwrap();
    conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
        .unwrap()
}

pub(crate) async fn run(o: SyncOptions) -> SyncReport {
    tokio::time::timeout(Duration::from_secs(120), sync_once(o))
        .await
        .expect("sync finishes in time")
        .expect("sync succeeds")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_then_incremental_matches_the_workspace() {
    let sim = sim(300, |_| {}).await;
    let dir = tempfile::tempdir().unwrap();
    let db = db_path(&dir);
    let first = run(opts(&db, &sim)).await;
    assert_eq!(first.conversations, 300);
    assert!(first.parts > 1000, "{first:?}");
    assert_matches(&db, &sim.snapshot());
    let m = meta(&db, "overall");
    assert_eq!(m.status, fastintercom::store::metadata::SyncState::Ok);
    assert_eq!(m.row_count, 300);
    assert!(m.last_success.is_some() && m.coverage_end.is_some());
    assert_eq!(m.coverage_start, Some(0));

    // Nothing changed: a plain run fetches no conversation.
    sim.reset_stats();
    let mut plain = opts(&db, &sim);
    plain.full = false;
    let idle = run(plain.clone()).await;
    assert_eq!(idle.fetched, 0, "{idle:?}");
    let stats = sim.stats();
    assert_eq!(
        stats
            .by_route
            .get("GET /conversations/{id}")
            .copied()
            .unwrap_or(0),
        0,
        "{stats:?}"
    );

    // About 1% changes: the run costs requests in proportion to the change, not to the workspace.
    let change = sim.mutate(0.01);
    let changed = (change.new_conversations
        + change.new_parts
        + change.changed_conversations
        + change.deleted_conversations) as u64;
    assert!(changed > 0, "{change:?}");
    sim.reset_stats();
    let inc = run(plain.clone()).await;
    let stats = sim.stats();
    let gets = stats
        .by_route
        .get("GET /conversations/{id}")
        .copied()
        .unwrap_or(0);
    assert!(gets <= changed + 2, "{gets} conversation fetches for {change:?}");
    // Tickets, articles, companies and segments are synced by the same run; their requests are
    // bounded separately (each a few fixed lists, plus one check per deletion).
    let workspace_routes = ["ticket", "/articles", "/companies", "/segments"];
    let workspace: u64 = stats
        .by_route
        .iter()
        .filter(|(r, _)| workspace_routes.iter().any(|w| r.contains(w)))
        .map(|(_, n)| n)
        .sum();
    let workspace_changed =
        (change.deleted_tickets + change.deleted_articles + change.deleted_companies) as u64;
    assert!(
        workspace <= 10 + workspace_changed,
        "{workspace} requests for tickets, articles, companies, segments: {stats:?}"
    );
    assert!(
        stats.requests - workspace <= 2 * changed + 12,
        "{} requests for {change:?}: {stats:?}",
        stats.requests
    );
    assert!(inc.conversations >= 1, "{inc:?}");
    assert_matches(&db, &sim.snapshot());
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_plain_run_backfills_the_configured_window() {
    let sim = sim(300, |_| {}).await;
    let dir = tempfile::tempdir().unwrap();
    let db = db_path(&dir);
    let mut o = SyncOptions::new(&db, api(&sim));
    o.backfill_days = 60;
    let started = chrono::Utc::now().timestamp();
    run(o).await;
    let cutoff = started - 60 * 86_400;
    let expected: BTreeSet<String> = sim
        .snapshot()
        .conversations
        .iter()
        .filter(|c| c["updated_at"].as_i64().unwrap() > cutoff)
        .map(|c| id(&c["id"]))
        .collect();
    assert!(
        !expected.is_empty() && expected.len() < 300,
        "the window holds part of the workspace"
    );
    let conn = Connection::open(&db).unwrap();
    let stored: BTreeSet<String> = {
        let mut s = conn.prepare("SELECT id FROM conversations").unwrap();
        s.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    assert_eq!(stored, expected);
    let m = meta(&db, "conversations");
    let cov = m.coverage_start.unwrap();
    assert!(
        (cov - cutoff).abs() <= 5,
        "coverage starts at the backfill start: {cov} vs {cutoff}"
    );
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconciliation_finds_silent_parts_and_truncated_parts_are_kept() {
    let sim = sim(300, |_| {}).await;
    let dir = tempfile::tempdir().unwrap();
    let db = db_path(&dir);
    run(opts(&db, &sim)).await;
    let snap = sim.snapshot();
    // A conversation over the 500-part cap, with statistics (the reconciliation's part-count signal).
    let big = snap
        .conversations
        .iter()
        .find(|c| {
            c["conversation_parts"]["conversation_parts"]
                .as_array()
                .unwrap()
                .len()
                > 500
                && c["statistics"].is_object()
        })
        .expect("the workspace has a big conversation with statistics");
    let big_id = id(&big["id"]);
    let before = count(&db, "conversation_parts");
    {
        let conn = Connection::open(&db).unwrap();
        let (n, truncated): (i64, bool) = conn
            .query_row(
                "SELECT parts_count, parts_truncated FROM conversations WHERE id = ?1",
                [&big_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!((n, truncated), (500, true));
    }
    sim.add_part_without_bump(&big_id);
    // A plain run cannot see it (updated_at did not move); reconciliation (due every run here) does.
    let mut o = opts(&db, &sim);
    o.full = false;
    o.reconcile_hours = 0;
    let r = run(o).await;
    assert!(r.reconciled);
    let conn = Connection::open(&db).unwrap();
    let n: i64 = conn
        .query_row(
            "SELECT parts_count FROM conversations WHERE id = ?1",
            [&big_id],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        n, 501,
        "the new part is stored and the oldest one, now beyond the cap, is kept"
    );
    assert_eq!(count(&db, "conversation_parts"), before + 1);
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deletions_are_applied() {
    let sim = sim(120, |_| {}).await;
    let dir = tempfile::tempdir().unwrap();
    let db = db_path(&dir);
    run(opts(&db, &sim)).await;
    let snap = sim.snapshot();
    let victims: Vec<String> = snap.conversations.iter().take(3).map(|c| id(&c["id"])).collect();
    for v in &victims {
        sim.delete_conversation(v);
    }
    let mut o = opts(&db, &sim);
    o.full = false;
    let r = run(o).await;
    assert_eq!(r.deleted, 3, "{r:?}");
    let conn = Connection::open(&db).unwrap();
    for v in &victims {
        let n: i64 = conn
            .query_row(
                "SELECT count(*) FROM conversation_parts WHERE conversation_id = ?1",
                [v],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(n, 0);
    }
    assert_matches(&db, &sim.snapshot());
    sim.shutdown().await;
}

async fn sync_through_faults(faults: Faults, timeout: Option<Duration>) {
    let sim = sim(60, |c| c.faults = faults).await;
    let dir = tempfile::tempdir().unwrap();
    let db = db_path(&dir);
    let mut o = opts(&db, &sim);
    if let Some(t) = timeout {
        o.api.timeout = t;
    }
    o.api.max_retries = 12;
    let r = run(o).await;
    assert_eq!(r.conversations, 60);
    assert!(sim.stats().faults > 0, "faults were injected");
    sim.set_faults(Faults::default());
    assert_matches(&db, &sim.snapshot());
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn survives_5xx_bursts() {
    sync_through_faults(
        Faults {
            p_5xx: 0.25,
            ..Default::default()
        },
        None,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn survives_malformed_bodies() {
    sync_through_faults(
        Faults {
            p_malformed: 0.2,
            ..Default::default()
        },
        None,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn survives_timeouts_and_dropped_connections() {
    let faults = Faults {
        p_slow: 0.1,
        slow_ms: 5_000,
        p_drop: 0.1,
        ..Default::default()
    };
    sync_through_faults(faults, Some(Duration::from_millis(400))).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn completes_through_a_429_storm() {
    let limit = 16;
    let sim = sim(8, |c| c.rate_limit = limit).await;
    let dir = tempfile::tempdir().unwrap();
    let db = db_path(&dir);
    // Someone else with the same token has used up this window: the sync starts into 429s.
    for _ in 0..limit + 3 {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut s = tokio::net::TcpStream::connect(sim.addr()).await.unwrap();
        let req = format!(
            "GET /me HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\nAccept: application/json\r\nConnection: close\r\n\r\n",
            sim.addr(),
            sim.token()
        );
        s.write_all(req.as_bytes()).await.unwrap();
        let mut answer = Vec::new();
        s.read_to_end(&mut answer).await.unwrap();
    }
    assert!(sim.stats().rate_limited > 0, "the window is exhausted");
    let r = run(opts(&db, &sim)).await;
    assert_eq!(r.conversations, 8);
    assert!(r.rate_limited >= 1, "{r:?}");
    sim.set_rate_limit(0);
    assert_matches(&db, &sim.snapshot());
    sim.shutdown().await;
}

/// Run a command to completion on the blocking pool, so the simulator keeps both runtime workers.
pub(crate) async fn output(mut cmd: Command) -> std::process::Output {
    tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap()
}

pub(crate) fn binary_sync(sim: &Simulator, db: &Path, token: &str, args: &[&str]) -> Command {
    let mut cmd = Command::new(common::bin());
    cmd.args(["sync", "--once"])
        .args(args)
        .env("FASTINTERCOM_API_BASE", sim.base_url())
        .env("INTERCOM_ACCESS_TOKEN", token)
        .env("FASTINTERCOM_DB", db)
        .env("FASTINTERCOM_CONFIG", "/nonexistent/fastintercom.toml")
        .env("FASTINTERCOM_CONCURRENCY", "4")
        .env_remove("CREDENTIALS_DIRECTORY")
        .env_remove("NOTIFY_SOCKET")
        .env_remove("JOURNAL_STREAM")
        .stdin(Stdio::null());
    cmd
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_token_fails_clearly_and_keeps_the_data() {
    let sim = sim(40, |_| {}).await;
    let dir = tempfile::tempdir().unwrap();
    let db = db_path(&dir);
    run(opts(&db, &sim)).await;
    let good = meta(&db, "overall");
    let out = output(binary_sync(&sim, &db, "wrong-token-123", &[])).await;
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "one line: {stderr}");
    assert!(lines[0].contains("rejected the access token"), "{stderr}");
    assert!(
        !stderr.contains("wrong-token-123"),
        "the token never reaches stderr"
    );
    let m = meta(&db, "overall");
    assert_eq!(m.status, fastintercom::store::metadata::SyncState::Error);
    assert!(m.last_error.unwrap().contains("access token"));
    assert_eq!(m.last_success, good.last_success);
    assert_eq!(m.coverage_start, good.coverage_start);
    assert_eq!(count(&db, "conversations"), 40);
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_mid_sync_then_resume_loses_nothing() {
    let sim = sim(300, |c| c.latency_ms = (5, 15)).await;
    let dir = tempfile::tempdir().unwrap();
    let db = db_path(&dir);
    let mut child = binary_sync(&sim, &db, &sim.token(), &["--full"])
        .env("FASTINTERCOM_CONCURRENCY", "2")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let n = if db.exists() {
            Connection::open(&db)
                .and_then(|c| c.query_row("SELECT count(*) FROM conversations", [], |r| r.get::<_, i64>(0)))
                .unwrap_or(0)
        } else {
            0
        };
        if n >= 60 {
            break;
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "the sync finished before it could be killed"
        );
        assert!(Instant::now() < deadline, "the sync made no progress");
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let stored = count(&db, "conversations");
    assert!(stored < 300, "killed mid-way ({stored})");
    let hwm = meta(&db, "conversations")
        .high_water_mark
        .expect("a checkpoint was committed");
    assert!(hwm > 0, "the checkpoint moved past the start");

    // Resume with a plain run (not --full): it continues from the checkpoint.
    sim.reset_stats();
    let out = output(binary_sync(&sim, &db, &sim.token(), &[])).await;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let refetched = sim
        .stats()
        .by_route
        .get("GET /conversations/{id}")
        .copied()
        .unwrap_or(0) as i64;
    assert!(
        refetched <= 300 - stored + 10,
        "resumed from the checkpoint: {refetched} fetches after {stored} stored"
    );
    assert_matches(&db, &sim.snapshot());
    let conn = Connection::open(&db).unwrap();
    // FTS rows are keyed by the conversation's pk: none left over from a killed batch, none missing.
    let orphans: i64 = conn
        .query_row(
            "SELECT count(*) FROM conversation_fts WHERE rowid NOT IN (SELECT pk FROM conversations)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(orphans, 0, "FTS rows without a conversation");
    let unindexed: i64 = conn
        .query_row(
            "SELECT count(*) FROM conversations WHERE pk NOT IN (SELECT rowid FROM conversation_fts)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(unindexed, 0, "conversations missing from FTS");
    assert_eq!(
        count(&db, "conversation_fts"),
        300,
        "one FTS row per conversation"
    );
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_sync_exits_75_and_the_first_is_unharmed() {
    let sim = sim(150, |c| c.latency_ms = (10, 20)).await;
    let dir = tempfile::tempdir().unwrap();
    let db = db_path(&dir);
    let first = binary_sync(&sim, &db, &sim.token(), &["--full"])
        .env("FASTINTERCOM_CONCURRENCY", "2")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let lock = dir.path().join("fi.db.lock");
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::fs::read_to_string(&lock)
        .map(|s| s.trim().is_empty())
        .unwrap_or(true)
    {
        assert!(Instant::now() < deadline, "the first sync never took the lock");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let second = binary_sync(&sim, &db, &sim.token(), &["--full"])
        .output()
        .unwrap();
    assert_eq!(second.status.code(), Some(75), "{second:?}");
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(
        stderr.contains("another sync is running") && stderr.contains(&format!("pid {}", first.id())),
        "{stderr}"
    );
    let out = tokio::task::spawn_blocking(move || first.wait_with_output().unwrap())
        .await
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_matches(&db, &sim.snapshot());
    sim.shutdown().await;
}

fn status(db: &Path, args: &[&str]) -> std::process::Output {
    Command::new(common::bin())
        .arg("status")
        .args(args)
        .env("FASTINTERCOM_DB", db)
        .env("FASTINTERCOM_CONFIG", "/nonexistent/fastintercom.toml")
        .env_remove("FASTINTERCOM_MAX_STALENESS_MINUTES")
        .output()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_reports_freshness_and_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_path(&dir);
    let missing = status(&db, &[]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("does not exist"));

    let sim = sim(30, |_| {}).await;
    run(opts(&db, &sim)).await;
    let out = status(&db, &[]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.starts_with("synced ") && text.contains("30 conversations"),
        "{text}"
    );
    assert!(text.contains("contacts"), "{text}");

    let out = status(&db, &["--json"]);
    assert_eq!(out.status.code(), Some(0));
    let rows: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows[0]["resource"], "overall");
    assert_eq!(rows[0]["status"], "ok");
    assert!(
        rows.iter()
            .any(|r| r["resource"] == "conversations" && r["row_count"] == 30)
    );

    // Make the last success old: stale → exit 1.
    {
        let conn = Connection::open(&db).unwrap();
        conn.execute("UPDATE sync_metadata SET last_success = last_success - 7200", [])
            .unwrap();
    }
    let out = status(&db, &["--max-staleness", "60"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("STALE"));
    let out = status(&db, &["--max-staleness", "180"]);
    assert_eq!(out.status.code(), Some(0));
    sim.shutdown().await;
}

pub(crate) fn contact_ids(db: &Path) -> BTreeSet<String> {
    let conn = Connection::open(db).unwrap();
    let mut s = conn.prepare("SELECT id FROM contacts").unwrap();
    s.query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// Merge the first two contacts into the next two; returns the merged (vanished) ids.
fn merge_two(sim: &Simulator) -> Vec<String> {
    let snap = sim.snapshot();
    let ids: Vec<String> = snap.contacts.iter().take(4).map(|c| id(&c["id"])).collect();
    assert!(sim.merge_contact(&ids[0], &ids[2]));
    assert!(sim.merge_contact(&ids[1], &ids[3]));
    vec![ids[0].clone(), ids[1].clone()]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconciliation_deletes_merged_contacts_and_keeps_the_rest() {
    let sim = sim(60, |_| {}).await;
    let dir = tempfile::tempdir().unwrap();
    let db = db_path(&dir);
    let first = run(opts(&db, &sim)).await;
    assert_eq!(first.contacts_deleted, 0);
    let before = contact_ids(&db);
    let gone = merge_two(&sim);
    assert!(gone.iter().all(|g| before.contains(g)), "the victims were stored");
    {
        let conn = Connection::open(&db).unwrap();
        let tags: i64 = conn
            .query_row(
                "SELECT count(*) FROM contact_tags WHERE contact_id IN (?1, ?2)",
                [&gone[0], &gone[1]],
                |r| r.get(0),
            )
            .unwrap();
        assert!(tags > 0, "the second generated contact always carries tags");
    }

    // A plain run with reconciliation not due does not look for them.
    let mut plain = opts(&db, &sim);
    plain.full = false;
    let r = run(plain.clone()).await;
    assert!(!r.reconciled && r.contacts_deleted == 0, "{r:?}");
    assert_eq!(contact_ids(&db), before);

    // Reconciliation due: the merged contacts go, every other contact stays.
    plain.reconcile_hours = 0;
    let r = run(plain).await;
    assert!(r.reconciled, "{r:?}");
    assert_eq!(r.contacts_deleted, 2, "{r:?}");
    let expected: BTreeSet<String> = before.iter().filter(|c| !gone.contains(c)).cloned().collect();
    assert_eq!(contact_ids(&db), expected);
    let conn = Connection::open(&db).unwrap();
    let left: i64 = conn
        .query_row(
            "SELECT count(*) FROM contact_tags WHERE contact_id IN (?1, ?2)",
            [&gone[0], &gone[1]],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(left, 0, "tag links of deleted contacts are gone");
    assert_matches(&db, &sim.snapshot());

    // --full reconciles too; nothing more to delete.
    let r = run(opts(&db, &sim)).await;
    assert!(r.reconciled && r.contacts_deleted == 0, "{r:?}");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_contact_walk_failing_mid_way_deletes_nothing() {
    // 700 contacts: five pages of 150, so the walk can fail after its first page.
    let sim = sim(30, |c| c.contacts = Some(700)).await;
    let dir = tempfile::tempdir().unwrap();
    let db = db_path(&dir);
    run(opts(&db, &sim)).await;
    let before = contact_ids(&db);
    assert_eq!(before.len(), 700);
    let gone = merge_two(&sim);

    // Every request after the walk's first page answers 5xx (faults are drawn when a request arrives,
    // and each request takes 50 ms, so the switch lands between the first page and the second).
    sim.set_latency_ms(50, 50);
    sim.reset_stats();
    let mut o = opts(&db, &sim);
    o.full = false;
    o.reconcile_hours = 0;
    o.api.max_retries = 1;
    let task = tokio::spawn(tokio::time::timeout(Duration::from_secs(120), sync_once(o)));
    let deadline = Instant::now() + Duration::from_secs(60);
    while sim.stats().by_route.get("GET /contacts").copied().unwrap_or(0) == 0 {
        assert!(!task.is_finished(), "the sync ended before walking contacts");
        assert!(Instant::now() < deadline, "the contact walk never started");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    sim.set_faults(Faults {
        p_5xx: 1.0,
        ..Default::default()
    });
    let err = task
        .await
        .unwrap()
        .expect("sync finishes in time")
        .expect_err("the walk fails");
    assert!(
        format!("{err:#}").contains("listing contacts for reconciliation"),
        "{err:#}"
    );
    assert_eq!(contact_ids(&db), before, "nothing deleted after a partial walk");

    // Once Intercom answers again, the next reconciliation deletes exactly the merged two.
    sim.set_faults(Faults::default());
    sim.set_latency_ms(0, 0);
    let mut o = opts(&db, &sim);
    o.full = false;
    o.reconcile_hours = 0;
    let r = run(o).await;
    assert_eq!(r.contacts_deleted, 2, "{r:?}");
    let expected: BTreeSet<String> = before.iter().filter(|c| !gone.contains(c)).cloned().collect();
    assert_eq!(contact_ids(&db), expected);
    sim.shutdown().await;
}
