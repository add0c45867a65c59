//! Honest freshness on every MCP answer, over real HTTP against the fixture database with its
//! `sync_metadata` rewritten: the stamp (`source`, ISO-8601 `data_as_of_utc`, `age`, `stale`) and the notes
//! for stale data, a failed last sync, a killed sync (`running` without the lock), an incomplete sync,
//! refused deletions, and a time window that starts before the cache's coverage.

use crate::mcp::{call, fixture};
use fastintercom::mcp::http::{Activity, HttpOptions};
use fastintercom::mcp::{Db, activation, http};
use serde_json::{Value, json};
use std::path::Path;
use std::sync::Arc;

async fn start(db: &Path, max_staleness_minutes: u64) -> String {
    let listener = activation::bind("127.0.0.1:0").await.unwrap();
    let url = listener.describe();
    let opts = HttpOptions {
        allowed_origins: Vec::new(),
        token: None,
        loopback_host_check: true,
    };
    let pool = Db::new(db);
    pool.set_max_staleness_minutes(max_staleness_minutes);
    let app = http::app(pool, opts, Arc::new(Activity::default()));
    tokio::spawn(activation::serve(vec![(listener, app)], std::future::pending()));
    url
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn set(db: &Path, sql: &str) {
    let conn = fastintercom::store::open_rw(db).unwrap();
    conn.execute_batch(sql).unwrap();
}

fn notes(v: &Value) -> String {
    v["notes"]
        .as_array()
        .map(|n| {
            n.iter()
                .map(|s| s.as_str().unwrap())
                .collect::<Vec<_>>()
                .join("\n")
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn every_answer_says_how_fresh_and_complete_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let db = fixture(dir.path());
    let now = now();
    // Synced a minute ago, covering the last 30 days.
    set(
        &db,
        &format!(
            "UPDATE sync_metadata SET status = 'ok', last_success = {}, coverage_start = {}, last_error = NULL",
            now - 60,
            now - 30 * 86_400
        ),
    );
    let url = start(&db, 60).await;

    let r = call(&url, "list_tags", json!({})).await;
    let f = &r["freshness"];
    assert_eq!(f["source"], "cache", "{f}");
    assert_eq!(f["stale"], false, "{f}");
    assert_eq!(f["max_staleness_seconds"], 3600, "{f}");
    let iso = f["data_as_of_utc"].as_str().unwrap();
    assert_eq!(
        chrono::DateTime::parse_from_rfc3339(iso).unwrap().timestamp(),
        f["data_as_of"].as_i64().unwrap()
    );
    assert!(iso.ends_with('Z'), "{iso}");
    assert!(f["age"].as_str().unwrap().ends_with(" s"), "{f}");
    assert_eq!(notes(&r), "", "current and complete: no notes");

    // A window that starts before the coverage is said, for search and for stats (all time too).
    let r = call(&url, "conversation_stats", json!({"since": "180d"})).await;
    let n = notes(&r);
    assert!(n.contains("the asked window starts"), "{n}");
    assert!(n.contains("covers only conversations updated since"), "{n}");
    let r = call(&url, "conversation_stats", json!({})).await;
    assert!(notes(&r).contains("all time is asked"), "{r}");
    let r = call(&url, "search_conversations", json!({"since": "90d"})).await;
    assert!(notes(&r).contains("the asked window starts"), "{r}");
    let r = call(&url, "search_conversations", json!({"since": "7d"})).await;
    assert_eq!(notes(&r), "", "inside the coverage: {r}");

    // The last sync failed three days ago: stale, and the failure is said on every tool.
    set(
        &db,
        &format!(
            "UPDATE sync_metadata SET status = 'error', last_success = {}, \
             last_error = 'Intercom answered 401: the access token was revoked'",
            now - 3 * 86_400
        ),
    );
    for (tool, args) in [
        ("search_conversations", json!({})),
        ("get_conversation", json!({"conversation_id": "9001"})),
        ("get_contact", json!({"email": "carol@example.com"})),
        ("search_contacts", json!({"query": "carol"})),
        ("list_admins", json!({})),
        ("list_teams", json!({})),
        ("list_tags", json!({})),
        ("conversation_stats", json!({"since": "7d"})),
        ("get_sync_status", json!({})),
    ] {
        let r = call(&url, tool, args).await;
        assert_eq!(r["freshness"]["stale"], true, "{tool}: {r}");
        let n = notes(&r);
        assert!(
            n.contains("the last sync failed (Intercom answered 401: the access token was revoked)"),
            "{tool}: {n}"
        );
        assert!(n.contains("the data is 3 days old"), "{tool}: {n}");
        assert!(n.contains("older than the 60 min allowed"), "{tool}: {n}");
    }
    // A caller that accepts older data: not stale, no staleness note (the failure is still said).
    let r = call(&url, "list_tags", json!({"max_staleness": "7d"})).await;
    assert_eq!(r["freshness"]["stale"], false, "{r}");
    assert!(!notes(&r).contains("older than"), "{r}");
    assert!(notes(&r).contains("the last sync failed"), "{r}");
    let r = call(&url, "list_tags", json!({"max_staleness": 5000})).await;
    assert_eq!(r["freshness"]["max_staleness_seconds"], 300_000, "{r}");
    let msg = crate::mcp::call_err(&url, "list_tags", json!({"max_staleness": "soon"})).await;
    assert!(msg.contains("bad `max_staleness`"), "{msg}");

    // A sync killed mid-run leaves `running`; no sync holds the lock, so it reads as interrupted.
    set(
        &db,
        &format!(
            "UPDATE sync_metadata SET status = 'running', last_error = NULL, last_success = {}",
            now - 60
        ),
    );
    let r = call(&url, "list_tags", json!({})).await;
    assert_eq!(r["freshness"]["sync_status"], "interrupted", "{r}");
    assert!(notes(&r).contains("interrupted (killed or crashed)"), "{r}");
    let s = call(&url, "get_sync_status", json!({})).await;
    assert!(
        s["rows"]
            .as_array()
            .unwrap()
            .iter()
            .all(|row| row["status"] == "interrupted"),
        "{s}"
    );

    // Incomplete (objects missing) and refused deletions.
    set(
        &db,
        "UPDATE sync_metadata SET status = 'incomplete', shortfall = 12, \
         deletions_refused = '400 of 500 conversations at once' WHERE resource = 'conversations'",
    );
    let n = notes(&call(&url, "search_conversations", json!({})).await);
    assert!(
        n.contains("found 12 conversations in Intercom that the cache lacks"),
        "{n}"
    );
    assert!(
        n.contains("did not delete conversations that Intercom stopped listing (400 of 500"),
        "{n}"
    );

    // Never synced.
    set(&db, "DELETE FROM sync_metadata");
    let r = call(&url, "list_admins", json!({})).await;
    assert_eq!(r["freshness"]["stale"], true, "{r}");
    assert!(notes(&r).contains("never been synced"), "{r}");
}
