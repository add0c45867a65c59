//! Integration tests: tickets, ticket types and states, synced from the real simulator over HTTP and
//! checked against its ground truth (first run, faults, live changes, `kill -9` mid-run).

use crate::sync::{binary_sync, count, db_path, id, meta, opts, output, run, sim};
use fastintercom::simulator::{Faults, Snapshot};
use fastintercom::store::metadata::SyncState;
use rusqlite::Connection;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

/// (updated_at, state category, title, part ids, linked conversation ids, first contact) per ticket id.
type Row = (i64, String, String, Vec<String>, Vec<String>, String);

fn expected(snap: &Snapshot) -> BTreeMap<String, Row> {
    snap.tickets
        .iter()
        .map(|t| {
            let parts = t["ticket_parts"]["ticket_parts"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| id(&p["id"]))
                .collect();
            let links = t["linked_objects"]["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| id(&o["id"]))
                .collect();
            (
                id(&t["id"]),
                (
                    t["updated_at"].as_i64().unwrap(),
                    t["ticket_state"]["category"].as_str().unwrap().to_string(),
                    t["ticket_attributes"]["_default_title_"]
                        .as_str()
                        .unwrap()
                        .to_string(),
                    parts,
                    links,
                    id(&t["contacts"]["contacts"][0]["id"]),
                ),
            )
        })
        .collect()
}

fn stored(db: &Path) -> BTreeMap<String, Row> {
    let conn = Connection::open(db).unwrap();
    let mut stmt = conn
        .prepare(
            "SELECT id, updated_at, state_category, title, contact_id,
                (SELECT group_concat(id) FROM (SELECT id FROM ticket_parts p WHERE p.ticket_id = t.id ORDER BY created_at, id)),
                (SELECT group_concat(object_id) FROM ticket_links l WHERE l.ticket_id = t.id AND object_type = 'conversation')
             FROM tickets t",
        )
        .unwrap();
    let split = |s: Option<String>| -> Vec<String> {
        s.map(|s| s.split(',').map(str::to_string).collect())
            .unwrap_or_default()
    };
    stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            (
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                split(r.get(5)?),
                split(r.get(6)?),
                r.get(4)?,
            ),
        ))
    })
    .unwrap()
    .map(Result::unwrap)
    .collect()
}

/// The store holds exactly the simulator's tickets (same versions, parts, links), one FTS row each,
/// and every ticket type and state.
fn assert_tickets_match(db: &Path, snap: &Snapshot) {
    let want = expected(snap);
    assert!(!want.is_empty(), "the workspace has tickets");
    let got = stored(db);
    let missing: Vec<_> = want.keys().filter(|k| !got.contains_key(*k)).collect();
    let extra: Vec<_> = got.keys().filter(|k| !want.contains_key(*k)).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing {missing:?}, extra {extra:?}"
    );
    for (k, w) in &want {
        assert_eq!(&got[k], w, "ticket {k}");
    }
    let parts: usize = want.values().map(|r| r.3.len()).sum();
    assert_eq!(
        count(db, "ticket_parts"),
        parts as i64,
        "no duplicate or stray parts"
    );
    assert_eq!(
        count(db, "ticket_fts"),
        want.len() as i64,
        "one FTS row per ticket"
    );
    let conn = Connection::open(db).unwrap();
    let orphans: i64 = conn
        .query_row(
            "SELECT count(*) FROM ticket_fts WHERE rowid NOT IN (SELECT pk FROM tickets)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(orphans, 0);
    assert_eq!(count(db, "ticket_types"), snap.ticket_types.len() as i64);
    assert_eq!(count(db, "ticket_states"), snap.ticket_states.len() as i64);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tickets_types_and_states_sync_and_are_searchable() {
    let sim = sim(300, |_| {}).await;
    let dir = tempfile::tempdir().unwrap();
    let db = db_path(&dir);
    let r = run(opts(&db, &sim)).await;
    let snap = sim.snapshot();
    assert_eq!(r.tickets, snap.tickets.len() as u64, "{r:?}");
    assert_tickets_match(&db, &snap);
    for res in ["tickets", "ticket_types", "ticket_states"] {
        let m = meta(&db, res);
        assert_eq!(m.status, SyncState::Ok, "{res}");
        assert!(m.row_count > 0 && m.last_success.is_some(), "{res}: {m:?}");
    }
    let m = meta(&db, "tickets");
    let newest = snap
        .tickets
        .iter()
        .map(|t| t["updated_at"].as_i64().unwrap())
        .max();
    assert_eq!(m.high_water_mark, newest, "the mark is the newest ticket");
    assert!(m.requests >= 1);

    // Full text over the title and every part; the API id and the inbox number are both kept.
    let t = &snap.tickets[0];
    let word = t["ticket_attributes"]["_default_title_"]
        .as_str()
        .unwrap()
        .split(|c: char| !c.is_alphanumeric())
        .find(|w| w.len() > 4)
        .unwrap()
        .to_string();
    let conn = Connection::open(&db).unwrap();
    let found: Vec<String> = conn
        .prepare("SELECT t.id FROM ticket_fts f JOIN tickets t ON t.pk = f.rowid WHERE ticket_fts MATCH ?1")
        .unwrap()
        .query_map([&word], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(found.contains(&id(&t["id"])), "{word:?} finds ticket {}", t["id"]);
    let inbox: String = conn
        .query_row(
            "SELECT ticket_id FROM tickets WHERE id = ?1",
            [id(&t["id"])],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(inbox, id(&t["ticket_id"]));
    assert_ne!(inbox, id(&t["id"]));

    // Nothing changed: the next run rewrites no ticket.
    let mut plain = opts(&db, &sim);
    plain.full = false;
    let idle = run(plain).await;
    assert_eq!((idle.tickets, idle.tickets_deleted), (0, 0), "{idle:?}");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ticket_changes_are_picked_up_and_deletions_need_intercoms_word() {
    let sim = sim(300, |_| {}).await;
    let dir = tempfile::tempdir().unwrap();
    let db = db_path(&dir);
    run(opts(&db, &sim)).await;

    // New tickets, replies and state changes arrive on a plain run; a deleted ticket is kept until a
    // reconciliation confirms it with Intercom (absence from search proves nothing).
    let change = sim.mutate(0.05);
    assert!(
        change.new_tickets > 0 && change.changed_tickets > 0 && change.deleted_tickets > 0,
        "{change:?}"
    );
    let mut plain = opts(&db, &sim);
    plain.full = false;
    sim.reset_stats();
    let inc = run(plain.clone()).await;
    assert!(inc.tickets >= 1, "{inc:?}");
    assert_eq!(inc.tickets_deleted, 0, "{inc:?}");
    let searches = sim
        .stats()
        .by_route
        .get("POST /tickets/search")
        .copied()
        .unwrap_or(0);
    assert_eq!(
        searches, 1,
        "the changes fit one page: the run read only what changed"
    );
    let snap = sim.snapshot();
    let want = expected(&snap);
    let got = stored(&db);
    for (k, w) in &want {
        assert_eq!(got.get(k), Some(w), "ticket {k} is current");
    }
    assert_eq!(
        got.len(),
        want.len() + change.deleted_tickets,
        "deleted ones kept for now"
    );

    // A reconciliation run walks every ticket and deletes what Intercom answers 404 for.
    plain.reconcile_hours = 0;
    let rec = run(plain).await;
    assert_eq!(rec.tickets_deleted, change.deleted_tickets as u64, "{rec:?}");
    assert_tickets_match(&db, &sim.snapshot());
    assert!(meta(&db, "tickets").last_reconcile.is_some());
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_short_ticket_walk_deletes_nothing_beyond_the_guard() {
    let sim = sim(200, |_| {}).await;
    let dir = tempfile::tempdir().unwrap();
    let db = db_path(&dir);
    run(opts(&db, &sim)).await;
    // Intercom loses most tickets from search but still has them: nothing may be deleted.
    let ids: Vec<String> = sim.snapshot().tickets.iter().map(|t| id(&t["id"])).collect();
    for t in &ids[..ids.len() - 1] {
        sim.delete_ticket(t);
    }
    let mut o = opts(&db, &sim);
    o.full = false;
    o.reconcile_hours = 0;
    let r = run(o).await;
    assert_eq!(r.tickets_deleted, 0, "{r:?}");
    assert_eq!(count(&db, "tickets"), ids.len() as i64);
    assert!(
        r.deletions_refused.iter().any(|s| s.starts_with("tickets:")),
        "{:?}",
        r.deletions_refused
    );
    assert!(meta(&db, "tickets").deletions_refused.is_some());
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tickets_survive_faults() {
    let faults = Faults {
        p_5xx: 0.2,
        p_malformed: 0.15,
        ..Default::default()
    };
    let sim = sim(60, |c| {
        c.faults = faults;
        c.tickets = Some(200);
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let db = db_path(&dir);
    let mut o = opts(&db, &sim);
    o.api.max_retries = 12;
    let r = run(o).await;
    assert_eq!(r.tickets, 200, "{r:?}");
    assert!(sim.stats().faults > 0);
    sim.set_faults(Faults::default());
    assert_tickets_match(&db, &sim.snapshot());
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_mid_ticket_pass_then_resume_loses_nothing() {
    // Few conversations, many tickets, slow answers: the kill lands between two ticket pages.
    let sim = sim(10, |c| {
        c.tickets = Some(600);
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
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        tokio::time::sleep(Duration::from_millis(20)).await;
        let n = Connection::open(&db)
            .and_then(|c| c.query_row("SELECT count(*) FROM tickets", [], |r| r.get::<_, i64>(0)))
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
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let stored_n = count(&db, "tickets");
    assert!(stored_n < 600, "killed mid-way ({stored_n})");
    let hwm = meta(&db, "tickets")
        .high_water_mark
        .expect("a checkpoint was committed");

    sim.reset_stats();
    let out = output(binary_sync(&sim, &db, &sim.token(), &[])).await;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_tickets_match(&db, &sim.snapshot());
    let m = meta(&db, "tickets");
    assert!(m.high_water_mark >= Some(hwm));
    assert_eq!(m.status, SyncState::Ok);
    // Resumed from the checkpoint: the pages before it were not read again.
    let pages = sim
        .stats()
        .by_route
        .get("POST /tickets/search")
        .copied()
        .unwrap_or(0);
    assert!(pages < 5, "{pages} search pages on resume");
    sim.shutdown().await;
}
