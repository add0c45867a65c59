//! Freshness: each whole-workspace tool stamps its answer from its own resource's `sync_metadata` row
//! (not the overall row, not another resource's), and says so when that row was never synced, failed,
//! is older than allowed, or when the asked window starts before its coverage.

use super::{Server, workspace};
use fastintercom::answer::now;
use rusqlite::Connection;
use serde_json::{Value, json};

/// Each tool with arguments that answer, and the resource whose row stamps it.
fn calls(ticket: &str, company: &str, article: &str) -> Vec<(&'static str, Value, &'static str)> {
    vec![
        ("search_tickets", json!({}), "tickets"),
        ("get_ticket", json!({"id": ticket}), "tickets"),
        ("ticket_stats", json!({"since": "1d"}), "tickets"),
        ("search_companies", json!({}), "companies"),
        ("get_company", json!({"company_id": company}), "companies"),
        ("search_articles", json!({}), "articles"),
        ("get_article", json!({"article_id": article}), "articles"),
    ]
}

fn notes(r: &Value) -> String {
    r["notes"].to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_answer_is_stamped_by_its_own_resource_row() {
    let dir = tempfile::tempdir().unwrap();
    let (sim, db) = workspace(&dir).await;
    let s = Server::new(&db).await;
    let conn = Connection::open(&db).unwrap();
    let one = |sql: &str| conn.query_row(sql, [], |r| r.get::<_, String>(0)).unwrap();
    let (ticket, company, article) = (
        one("SELECT id FROM tickets LIMIT 1"),
        one("SELECT id FROM companies LIMIT 1"),
        one("SELECT id FROM articles LIMIT 1"),
    );
    let set = |resource: &str, sql: &str| {
        let n = conn
            .execute(
                &format!("UPDATE sync_metadata SET {sql} WHERE resource = ?1"),
                [resource],
            )
            .unwrap();
        assert_eq!(n, 1, "no sync_metadata row for {resource}");
    };

    // Just synced: current, no notes; then each row gets its own distinct time.
    for (tool, args, _) in calls(&ticket, &company, &article) {
        let r = s.ok(tool, args.clone()).await;
        assert_eq!(r["freshness"]["sync_status"], "ok", "{tool}: {r}");
        assert_eq!(r["freshness"]["stale"], false, "{tool}");
        assert!(r["freshness"]["data_as_of_utc"].is_string(), "{tool}");
    }
    let t = now();
    let at = |r: &str| match r {
        "tickets" => t - 60,
        "companies" => t - 120,
        _ => t - 180,
    };
    for r in ["tickets", "companies", "articles"] {
        set(r, &format!("last_success = {}", at(r)));
    }
    set("overall", &format!("last_success = {}", t - 240));
    for (tool, args, resource) in calls(&ticket, &company, &article) {
        let r = s.ok(tool, args).await;
        assert_eq!(r["freshness"]["data_as_of"], json!(at(resource)), "{tool}: {r}");
    }

    // Tickets failed, companies are three days old, articles never synced: each tool says its own.
    set(
        "tickets",
        "status = 'error', last_error = 'HTTP 500 from Intercom (tickets)'",
    );
    set("companies", &format!("last_success = {}", t - 3 * 86_400));
    conn.execute("DELETE FROM sync_metadata WHERE resource = 'articles'", [])
        .unwrap();
    for (tool, args, resource) in calls(&ticket, &company, &article) {
        let r = s.ok(tool, args.clone()).await;
        let n = notes(&r);
        let failed = n.contains("the last sync failed (HTTP 500 from Intercom (tickets))");
        let old = n.contains("the data is 3 days old");
        let never = n.contains("never synced articles");
        assert_eq!(
            (failed, old, never),
            (
                resource == "tickets",
                resource == "companies",
                resource == "articles"
            ),
            "{tool}: {n}"
        );
        assert_eq!(
            r["freshness"]["stale"],
            json!(resource != "tickets"),
            "{tool}: {r}"
        );
        if resource == "companies" {
            let mut a = args;
            a["max_staleness"] = json!("4d");
            let r = s.ok(tool, a).await;
            assert_eq!(r["freshness"]["stale"], false, "{tool}: {r}");
            assert!(!notes(&r).contains("days old"), "{tool}: {r}");
        }
    }

    // A ticket window that starts before the tickets' coverage is said; one inside it is not.
    set(
        "tickets",
        &format!(
            "status = 'ok', last_error = NULL, coverage_start = {}",
            t - 10 * 86_400
        ),
    );
    for tool in ["search_tickets", "ticket_stats"] {
        let r = s.ok(tool, json!({"since": "30d"})).await;
        assert!(notes(&r).contains("the asked window starts"), "{tool}: {r}");
        let r = s.ok(tool, json!({"since": "5d"})).await;
        assert!(!notes(&r).contains("window starts"), "{tool}: {r}");
    }
    let r = s.ok("ticket_stats", json!({})).await;
    assert!(notes(&r).contains("all time is asked"), "{r}");
    sim.shutdown().await;
}
