//! Integration tests: reconciliation never deletes what Intercom still has. The simulator's list faults
//! make the full walks come back empty, short, shifted or with a repeating cursor; the database must
//! keep every row Intercom still serves, delete only rows Intercom confirms gone, and say when it refused.

use crate::sync::{contact_ids, db_path, id, opts, run, sim};
use fastintercom::simulator::{Faults, ListFault, Simulator};
use fastintercom::sync::{SyncOptions, sync_once};
use rusqlite::Connection;
use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

fn ids(db: &Path, table: &str) -> BTreeSet<String> {
    let conn = Connection::open(db).unwrap();
    let mut s = conn.prepare(&format!("SELECT id FROM {table}")).unwrap();
    s.query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

fn refused(db: &Path, resource: &str) -> Option<String> {
    Connection::open(db)
        .unwrap()
        .query_row(
            "SELECT deletions_refused FROM sync_metadata WHERE resource = ?1",
            [resource],
            |r| r.get(0),
        )
        .unwrap()
}

/// A plain run with reconciliation due and the deletions feed not polled (so only the walk can find
/// deletions).
fn reconcile_opts(db: &Path, sim: &Simulator, list: ListFault) -> SyncOptions {
    sim.set_faults(Faults {
        list,
        ..Faults::default()
    });
    Connection::open(db)
        .unwrap()
        .execute("UPDATE sync_metadata SET last_deleted_poll = NULL", [])
        .unwrap();
    let mut o = opts(db, sim);
    o.full = false;
    o.reconcile_hours = 0;
    o
}

/// Everything the simulator still serves is stored.
fn assert_kept(db: &Path, sim: &Simulator, what: &str) {
    let snap = sim.snapshot();
    let convs = ids(db, "conversations");
    let missing: Vec<String> = snap
        .conversations
        .iter()
        .map(|c| id(&c["id"]))
        .filter(|i| !convs.contains(i))
        .collect();
    assert!(
        missing.is_empty(),
        "{what}: conversations Intercom has were deleted: {missing:?}"
    );
    let contacts = contact_ids(db);
    assert!(
        snap.contacts.iter().all(|c| contacts.contains(&id(&c["id"]))),
        "{what}: contacts Intercom has were deleted"
    );
    for (table, list) in [
        ("admins", &snap.admins),
        ("teams", &snap.teams),
        ("tags", &snap.tags),
    ] {
        let stored = ids(db, table);
        assert!(
            list.iter().all(|x| stored.contains(&id(&x["id"]))),
            "{what}: {table} Intercom has were deleted"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn odd_walks_never_delete_what_intercom_still_has() {
    // 600 conversations and 210 contacts: four and two pages of 150.
    let sim = sim(600, |_| {}).await;
    let dir = tempfile::tempdir().unwrap();
    let db = db_path(&dir);
    run(opts(&db, &sim)).await;
    assert_eq!(ids(&db, "conversations").len(), 600);
    // Two conversations really deleted; only the walk (not the feed) can find them here.
    let victims: Vec<String> = sim.conversation_ids().into_iter().take(2).collect();
    for v in &victims {
        sim.delete_conversation(v);
    }

    // An empty walk: everything would go; the guard refuses for every table and says so.
    let r = run(reconcile_opts(&db, &sim, ListFault::Empty)).await;
    assert!(r.reconciled);
    assert_kept(&db, &sim, "empty walk");
    assert_eq!(ids(&db, "conversations").len(), 600, "refused: nothing deleted");
    for res in ["conversations", "contacts", "admins", "teams", "tags"] {
        assert!(
            r.deletions_refused.iter().any(|m| m.starts_with(res)),
            "{res} refusal reported: {:?}",
            r.deletions_refused
        );
        let why = refused(&db, res).unwrap_or_else(|| panic!("{res} refusal recorded"));
        assert!(why.contains("reconcile_max_delete_percent"), "{why}");
    }

    // A short walk (the first page without `next`): three quarters missing, refused.
    let r = run(reconcile_opts(&db, &sim, ListFault::Short { pages: 1 })).await;
    assert_kept(&db, &sim, "short walk");
    assert_eq!(ids(&db, "conversations").len(), 600);
    assert!(r.deletions_refused.iter().any(|m| m.starts_with("conversations")));

    // A repeating cursor: the walk fails instead of looping, and deletes nothing.
    let o = reconcile_opts(&db, &sim, ListFault::RepeatCursor);
    let err = tokio::time::timeout(Duration::from_secs(120), sync_once(o))
        .await
        .expect("the walk does not loop forever")
        .expect_err("a repeating cursor fails the run");
    assert!(format!("{err:#}").contains("cursor"), "{err:#}");
    assert_kept(&db, &sim, "repeating cursor");
    assert_eq!(ids(&db, "conversations").len(), 600);

    // The same short walk with the share lifted: every missing row is checked with its own GET, so
    // only the two Intercom answers 404 for go.
    let mut o = reconcile_opts(&db, &sim, ListFault::Short { pages: 1 });
    o.max_delete_percent = 100;
    let r = run(o).await;
    assert_kept(&db, &sim, "short walk, checked one by one");
    assert_eq!(r.deleted, 2, "{r:?}");
    assert!(r.deletions_refused.is_empty(), "{r:?}");
    let stored = ids(&db, "conversations");
    assert!(victims.iter().all(|v| !stored.contains(v)));
    assert_eq!(stored.len(), 598);
    assert_eq!(
        refused(&db, "conversations"),
        None,
        "a passing check clears the refusal"
    );

    // A shifting order (rows moving past the cursor): a few missing, within the share, each checked and
    // kept.
    let before_contacts = contact_ids(&db);
    let r = run(reconcile_opts(&db, &sim, ListFault::Shift)).await;
    assert_kept(&db, &sim, "shifting walk");
    assert_eq!(r.deleted, 0, "{r:?}");
    assert_eq!(r.contacts_deleted, 0, "{r:?}");
    assert!(r.deletions_refused.is_empty(), "{r:?}");
    assert_eq!(ids(&db, "conversations").len(), 598);
    assert_eq!(contact_ids(&db), before_contacts);
    for res in ["conversations", "contacts", "admins", "teams", "tags"] {
        assert_eq!(refused(&db, res), None, "{res}");
    }
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zero_percent_never_deletes_by_absence() {
    let sim = sim(60, |_| {}).await;
    let dir = tempfile::tempdir().unwrap();
    let db = db_path(&dir);
    run(opts(&db, &sim)).await;
    let victim = sim.conversation_ids()[0].clone();
    sim.delete_conversation(&victim);
    let mut o = reconcile_opts(&db, &sim, ListFault::None);
    o.max_delete_percent = 0;
    let r = run(o).await;
    assert_eq!(r.deleted, 0, "{r:?}");
    assert!(ids(&db, "conversations").contains(&victim));
    assert!(refused(&db, "conversations").is_some());
    // With the default share the confirmed deletion goes through.
    let r = run(reconcile_opts(&db, &sim, ListFault::None)).await;
    assert_eq!(r.deleted, 1, "{r:?}");
    assert!(!ids(&db, "conversations").contains(&victim));
    sim.shutdown().await;
}
