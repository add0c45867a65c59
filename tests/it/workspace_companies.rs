//! Integration tests: companies (the scroll and its rules), company ↔ contact links and segments, synced
//! from the real simulator over HTTP and checked against its ground truth.

use crate::sync::{binary_sync, count, db_path, id, meta, opts, output, run, sim};
use fastintercom::simulator::{Faults, SimConfig, Snapshot};
use fastintercom::store::metadata::SyncState;
use rusqlite::Connection;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

/// (updated_at, name, plan, user_count, segment ids) per company id.
type Row = (i64, String, String, i64, BTreeSet<String>);

fn expected(snap: &Snapshot) -> BTreeMap<String, Row> {
    snap.companies
        .iter()
        .map(|c| {
            let segs = c["segments"]["segments"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| id(&s["id"]))
                .collect();
            (
                id(&c["id"]),
                (
                    c["updated_at"].as_i64().unwrap(),
                    c["name"].as_str().unwrap().to_string(),
                    c["plan"]["name"].as_str().unwrap().to_string(),
                    c["user_count"].as_i64().unwrap(),
                    segs,
                ),
            )
        })
        .collect()
}

fn stored(db: &Path) -> BTreeMap<String, Row> {
    let conn = Connection::open(db).unwrap();
    let mut stmt = conn
        .prepare(
            "SELECT id, updated_at, name, plan, user_count,
                (SELECT group_concat(segment_id) FROM company_segments s WHERE s.company_id = c.id)
             FROM companies c",
        )
        .unwrap();
    stmt.query_map([], |r| {
        let segs: Option<String> = r.get(5)?;
        Ok((
            r.get::<_, String>(0)?,
            (
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                segs.map(|s| s.split(',').map(str::to_string).collect())
                    .unwrap_or_default(),
            ),
        ))
    })
    .unwrap()
    .map(Result::unwrap)
    .collect()
}

/// Contact → company links as the contacts list them.
fn expected_links(snap: &Snapshot) -> BTreeSet<(String, String)> {
    snap.contacts
        .iter()
        .flat_map(|c| {
            let contact = id(&c["id"]);
            c["companies"]["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(move |co| (contact.clone(), id(&co["id"])))
                .collect::<Vec<_>>()
        })
        .collect()
}

fn stored_links(db: &Path) -> BTreeSet<(String, String)> {
    let conn = Connection::open(db).unwrap();
    conn.prepare("SELECT contact_id, company_id FROM contact_companies")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

fn assert_companies_match(db: &Path, snap: &Snapshot) {
    let want = expected(snap);
    assert!(!want.is_empty());
    assert_eq!(stored(db), want);
    assert_eq!(stored_links(db), expected_links(snap));
    assert_eq!(count(db, "segments"), snap.segments.len() as i64);
}

fn cfg(c: &mut SimConfig) {
    c.scroll_expiry_ms = 1_500;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn companies_links_and_segments_sync_and_unchanged_rows_are_not_rewritten() {
    let sim = sim(300, cfg).await;
    let dir = tempfile::tempdir().unwrap();
    let db = db_path(&dir);
    let r = run(opts(&db, &sim)).await;
    let snap = sim.snapshot();
    assert_eq!(r.companies, snap.companies.len() as u64, "{r:?}");
    assert_companies_match(&db, &snap);
    let no_users = snap.companies.iter().filter(|c| c["user_count"] == 0).count();
    assert!(
        no_users > 0,
        "companies without users are in the workspace and the store"
    );
    for res in ["companies", "segments"] {
        let m = meta(&db, res);
        assert_eq!(m.status, SyncState::Ok, "{res}");
        assert!(m.row_count > 0, "{res}");
    }
    let mut plain = opts(&db, &sim);
    plain.full = false;
    sim.reset_stats();
    let idle = run(plain).await;
    assert_eq!((idle.companies, idle.companies_deleted), (0, 0), "{idle:?}");
    let scrolls = sim
        .stats()
        .by_route
        .get("GET /companies/scroll")
        .copied()
        .unwrap_or(0);
    assert_eq!(
        scrolls as usize,
        snap.companies.len().div_ceil(50) + 1,
        "one scroll, to its empty end"
    );
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn company_changes_links_and_deletions_arrive_on_the_next_run() {
    let sim = sim(300, cfg).await;
    let dir = tempfile::tempdir().unwrap();
    let db = db_path(&dir);
    run(opts(&db, &sim)).await;
    let change = sim.mutate(0.1);
    assert!(change.new_companies > 0 && change.changed_companies > 0 && change.deleted_companies > 0);
    let mut plain = opts(&db, &sim);
    plain.full = false;
    let r = run(plain).await;
    assert_eq!(r.companies_deleted, change.deleted_companies as u64, "{r:?}");
    assert_companies_match(&db, &sim.snapshot());
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_open_scroll_is_waited_out_and_a_broken_one_restarted() {
    let sim = sim(200, cfg).await;
    let dir = tempfile::tempdir().unwrap();
    let db = db_path(&dir);
    // Someone else holds the workspace's one scroll: the run waits for it to expire.
    assert!(sim.open_company_scroll());
    let r = run(opts(&db, &sim)).await;
    assert_companies_match(&db, &sim.snapshot());
    assert_eq!(r.company_scroll_restarts, 0);
    // Intercom's 500 "restart the scroll": the run starts the scroll again and completes.
    sim.mutate(0.05);
    sim.fail_next_scroll();
    let mut plain = opts(&db, &sim);
    plain.full = false;
    let r = run(plain).await;
    assert_eq!(r.company_scroll_restarts, 1, "{r:?}");
    assert_companies_match(&db, &sim.snapshot());
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn companies_vanishing_en_masse_are_kept() {
    let sim = sim(300, cfg).await;
    let dir = tempfile::tempdir().unwrap();
    let db = db_path(&dir);
    run(opts(&db, &sim)).await;
    let ids: Vec<String> = sim.snapshot().companies.iter().map(|c| id(&c["id"])).collect();
    for c in &ids[..ids.len() / 2] {
        sim.delete_company(c);
    }
    let mut plain = opts(&db, &sim);
    plain.full = false;
    let r = run(plain).await;
    assert_eq!(r.companies_deleted, 0, "{r:?}");
    assert_eq!(count(&db, "companies"), ids.len() as i64);
    assert!(meta(&db, "companies").deletions_refused.is_some());
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn companies_survive_faults() {
    let sim = sim(40, |c| {
        cfg(c);
        c.companies = Some(400);
        c.faults = Faults {
            p_5xx: 0.2,
            p_drop: 0.1,
            ..Default::default()
        };
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let db = db_path(&dir);
    let mut o = opts(&db, &sim);
    o.api.max_retries = 12;
    let r = run(o).await;
    assert_eq!(r.companies, 400, "{r:?}");
    sim.set_faults(Faults::default());
    assert_companies_match(&db, &sim.snapshot());
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_mid_scroll_then_resume_loses_nothing() {
    let sim = sim(10, |c| {
        cfg(c);
        c.companies = Some(1_500);
        c.tickets = Some(0);
        c.articles = Some(0);
        c.latency_ms = (300, 400);
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let db = db_path(&dir);
    let mut child = binary_sync(&sim, &db, &sim.token(), &["--full"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        tokio::time::sleep(Duration::from_millis(20)).await;
        let n = Connection::open(&db)
            .and_then(|c| c.query_row("SELECT count(*) FROM companies", [], |r| r.get::<_, i64>(0)))
            .unwrap_or(0);
        if n > 0 {
            break;
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "the sync ended before it could be killed"
        );
        assert!(Instant::now() < deadline, "the sync made no progress");
    }
    child.kill().unwrap(); // SIGKILL: its scroll stays open until it expires
    child.wait().unwrap();
    let first = count(&db, "companies");
    assert!(first < 1_500, "killed mid-way ({first})");
    let out = output(binary_sync(&sim, &db, &sim.token(), &[])).await;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_companies_match(&db, &sim.snapshot());
    assert_eq!(meta(&db, "companies").status, SyncState::Ok);
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn segments_are_refreshed_and_deleted_only_when_intercom_confirms() {
    let sim = sim(100, cfg).await;
    let dir = tempfile::tempdir().unwrap();
    let db = db_path(&dir);
    run(opts(&db, &sim)).await;
    let names = |db: &Path| -> BTreeMap<String, String> {
        let conn = Connection::open(db).unwrap();
        conn.prepare("SELECT id, name FROM segments")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    let want = |snap: &Snapshot| -> BTreeMap<String, String> {
        snap.segments
            .iter()
            .map(|s| (id(&s["id"]), s["name"].as_str().unwrap().to_string()))
            .collect()
    };
    assert_eq!(names(&db), want(&sim.snapshot()));
    sim.mutate(0.01);
    let gone = id(&sim.snapshot().segments[0]["id"]);
    assert!(sim.delete_segment(&gone));
    let mut plain = opts(&db, &sim);
    plain.full = false;
    run(plain).await;
    assert_eq!(
        names(&db),
        want(&sim.snapshot()),
        "renamed, added and deleted segments"
    );
    let links: i64 = Connection::open(&db)
        .unwrap()
        .query_row(
            "SELECT count(*) FROM company_segments WHERE segment_id = ?1",
            [&gone],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(links, 0);
    sim.shutdown().await;
}
