//! Integration tests: Help Center articles synced from the real simulator over HTTP and checked against
//! its ground truth (first run, live changes and deletions, the deletion guard, faults, `kill -9`).

use crate::sync::{binary_sync, count, db_path, id, meta, opts, output, run, sim};
use fastintercom::simulator::{Faults, Snapshot};
use fastintercom::store::metadata::SyncState;
use rusqlite::Connection;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

/// (updated_at, state, title, translated locales) per article id.
type Row = (i64, String, String, Vec<String>);

fn expected(snap: &Snapshot) -> BTreeMap<String, Row> {
    snap.articles
        .iter()
        .map(|a| {
            let mut locales: Vec<String> = a["translated_content"]
                .as_object()
                .unwrap()
                .keys()
                .filter(|k| *k != "type")
                .cloned()
                .collect();
            locales.sort();
            (
                id(&a["id"]),
                (
                    a["updated_at"].as_i64().unwrap(),
                    a["state"].as_str().unwrap().to_string(),
                    a["title"].as_str().unwrap().to_string(),
                    locales,
                ),
            )
        })
        .collect()
}

fn stored(db: &Path) -> BTreeMap<String, Row> {
    let conn = Connection::open(db).unwrap();
    let mut stmt = conn
        .prepare(
            "SELECT id, updated_at, state, title,
                (SELECT group_concat(locale) FROM (SELECT locale FROM article_contents c
                  WHERE c.article_id = a.id AND locale != a.default_locale ORDER BY locale))
             FROM articles a",
        )
        .unwrap();
    stmt.query_map([], |r| {
        let locales: Option<String> = r.get(4)?;
        Ok((
            r.get::<_, String>(0)?,
            (
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                locales
                    .map(|l| l.split(',').map(str::to_string).collect())
                    .unwrap_or_default(),
            ),
        ))
    })
    .unwrap()
    .map(Result::unwrap)
    .collect()
}

fn assert_articles_match(db: &Path, snap: &Snapshot) {
    let want = expected(snap);
    assert!(!want.is_empty());
    assert_eq!(stored(db), want);
    let contents: usize = want.values().map(|r| 1 + r.3.len()).sum();
    assert_eq!(
        count(db, "article_contents"),
        contents as i64,
        "one row per article and locale"
    );
    assert_eq!(
        count(db, "article_fts"),
        contents as i64,
        "one FTS row per content row"
    );
}

fn fts(db: &Path, q: &str) -> Vec<(String, String)> {
    let conn = Connection::open(db).unwrap();
    conn.prepare(
        "SELECT c.article_id, c.locale FROM article_fts f JOIN article_contents c ON c.pk = f.rowid
         WHERE article_fts MATCH ?1",
    )
    .unwrap()
    .query_map([q], |r| Ok((r.get(0)?, r.get(1)?)))
    .unwrap()
    .map(Result::unwrap)
    .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn articles_sync_with_translations_and_full_text() {
    let sim = sim(300, |_| {}).await;
    let dir = tempfile::tempdir().unwrap();
    let db = db_path(&dir);
    let r = run(opts(&db, &sim)).await;
    let snap = sim.snapshot();
    assert_eq!(r.articles, snap.articles.len() as u64, "{r:?}");
    assert_articles_match(&db, &snap);
    let states: Vec<&str> = snap
        .articles
        .iter()
        .map(|a| a["state"].as_str().unwrap())
        .collect();
    assert!(
        states.contains(&"draft") && states.contains(&"published"),
        "both states are covered"
    );
    let m = meta(&db, "articles");
    assert_eq!(m.status, SyncState::Ok);
    assert_eq!(m.row_count, snap.articles.len() as i64);
    assert_eq!(
        m.high_water_mark,
        snap.articles[0]["updated_at"].as_i64(),
        "newest first"
    );

    // Full text in each locale: English text from the body, French from the translation.
    assert!(!fts(&db, "\"two-factor\" OR invoice OR refund OR export OR slack").is_empty());
    let fr = fts(&db, "étape");
    assert!(!fr.is_empty() && fr.iter().all(|(_, l)| l == "fr"), "{fr:?}");

    // Nothing changed: one page is read and nothing is written.
    let mut plain = opts(&db, &sim);
    plain.full = false;
    sim.reset_stats();
    let idle = run(plain).await;
    assert_eq!(idle.articles, 0, "{idle:?}");
    assert_eq!(sim.stats().by_route.get("GET /articles").copied(), Some(1));
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn article_changes_and_deletions_are_picked_up_on_a_plain_run() {
    let sim = sim(300, |c| c.articles = Some(400)).await;
    let dir = tempfile::tempdir().unwrap();
    let db = db_path(&dir);
    run(opts(&db, &sim)).await;
    let change = sim.mutate(0.02);
    assert!(change.new_articles > 0 && change.changed_articles > 0 && change.deleted_articles > 0);
    let mut plain = opts(&db, &sim);
    plain.full = false;
    let r = run(plain).await;
    assert!(r.articles >= 1, "{r:?}");
    assert_eq!(r.articles_deleted, change.deleted_articles as u64, "{r:?}");
    assert_articles_match(&db, &sim.snapshot());
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn articles_vanishing_en_masse_are_kept() {
    let sim = sim(100, |c| c.articles = Some(40)).await;
    let dir = tempfile::tempdir().unwrap();
    let db = db_path(&dir);
    run(opts(&db, &sim)).await;
    let ids: Vec<String> = sim.snapshot().articles.iter().map(|a| id(&a["id"])).collect();
    for a in &ids[..30] {
        sim.delete_article(a);
    }
    let mut plain = opts(&db, &sim);
    plain.full = false;
    let r = run(plain).await;
    assert_eq!(r.articles_deleted, 0, "{r:?}");
    assert_eq!(count(&db, "articles"), 40);
    assert!(meta(&db, "articles").deletions_refused.is_some());
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn articles_survive_faults() {
    let sim = sim(40, |c| {
        c.articles = Some(500);
        c.faults = Faults {
            p_5xx: 0.2,
            p_malformed: 0.15,
            ..Default::default()
        };
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let db = db_path(&dir);
    let mut o = opts(&db, &sim);
    o.api.max_retries = 12;
    let r = run(o).await;
    assert_eq!(r.articles, 500, "{r:?}");
    sim.set_faults(Faults::default());
    assert_articles_match(&db, &sim.snapshot());
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_mid_article_walk_then_resume_loses_nothing() {
    let sim = sim(10, |c| {
        c.articles = Some(900);
        c.tickets = Some(0);
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
            .and_then(|c| c.query_row("SELECT count(*) FROM articles", [], |r| r.get::<_, i64>(0)))
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
    let first = count(&db, "articles");
    assert!(first < 900, "killed mid-way ({first})");
    let out = output(binary_sync(&sim, &db, &sim.token(), &[])).await;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_articles_match(&db, &sim.snapshot());
    assert_eq!(meta(&db, "articles").status, SyncState::Ok);
    sim.shutdown().await;
}
