//! Edges an assistant would trip on: get_company's size and contradictory keys, an article locale that
//! does not exist, a ticket cursor past the end, bodies that JSON escapes six-fold (get_ticket and
//! get_conversation read whole), and (ignored, a known defect) a long ticket description.

use super::{Server, grow, not_found, one, short, workspace};
use crate::mcp::{rpc, start};
use fastintercom::answer::HARD_CAP;
use rusqlite::Connection;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edges_an_assistant_would_trip_on() {
    let dir = tempfile::tempdir().unwrap();
    let (sim, db) = workspace(&dir).await;
    let (ticket, article, company) = grow(&db);
    let s = Server::new(&db).await;
    let conn = Connection::open(&db).unwrap();
    let other = one(
        &conn,
        &format!("SELECT name FROM companies WHERE id != '{company}' LIMIT 1"),
    );

    // get_company has no max_bytes: it promises about 32 KB, even for the company with every contact.
    let r = s.ok("get_company", json!({"company_id": company})).await;
    let len = r.to_string().len();
    assert!(len <= 32 * 1024, "get_company: {len} bytes");

    // Two keys naming different companies: refused, not one of them silently ignored.
    let e = s
        .refused("get_company", json!({"company_id": company, "name": other}))
        .await;
    assert!(e[0].contains("company_id") && e[0].contains("name"), "{e:?}");

    // An article that exists but not in the asked locale is not reported as a missing article.
    let e = s
        .refused("get_article", json!({"article_id": article, "locale": "de"}))
        .await;
    assert!(e[0].contains("locale"), "{e:?}");
    assert_ne!(not_found(&e), Some(("article".into(), article.clone())), "{e:?}");

    // Bodies of characters that JSON escapes six-fold (control characters): a part read whole and the
    // first page still fit the hard cap, and the default page fits the default budget.
    {
        let w = fastintercom::store::open_rw(&db).unwrap();
        let nasty = "\u{1}".repeat(40_000);
        w.execute(
            "INSERT INTO ticket_parts (id, ticket_id, part_type, body, created_at, author_type, author_id) \
             VALUES ('nasty', ?1, 'comment', ?2, 1, 'admin', 'a1')",
            rusqlite::params![ticket, format!("<p>{nasty}</p>")],
        )
        .unwrap();
        w.execute(
            "UPDATE tickets SET description = ?2 WHERE id = ?1",
            rusqlite::params![ticket, nasty],
        )
        .unwrap();
    }
    let r = s
        .ok("get_ticket", json!({"id": ticket, "part_id": "nasty"}))
        .await;
    assert!(
        r["parts"][0]["body"].as_str().unwrap().len() >= 4000,
        "{}",
        short(&r)
    );
    let r = s.ok("get_ticket", json!({"id": ticket})).await;
    let len = r.to_string().len();
    let one_part = r["parts"].as_array().unwrap().len() == 1;
    assert!(
        len <= 32 * 1024 + 2048 || one_part,
        "get_ticket first page: {len} bytes"
    );
    assert!(r["description"].as_str().unwrap().ends_with("… [truncated]"));
    let r = s
        .ok("search_tickets", json!({"query": "word", "limit": 100}))
        .await;
    let len = r.to_string().len();
    assert!(len <= 32 * 1024 + 2048, "search_tickets: {len} bytes");

    // A cursor past the last part of a ticket: an empty last page that says where the parts end (as
    // get_conversation answers; get_article refuses instead).
    let far = fastintercom::answer::encode_cursor(100_000);
    let r = s.ok("get_ticket", json!({"id": ticket, "cursor": far})).await;
    assert_eq!(r["parts"], json!([]), "{r}");
    assert_eq!(r["parts_offset"], r["parts_total"], "{r}");
    assert!(r["next_cursor"].is_null(), "{r}");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_ticket_description_can_be_read_whole() {
    let dir = tempfile::tempdir().unwrap();
    let (sim, db) = workspace(&dir).await;
    let (ticket, _, _) = grow(&db);
    let s = Server::new(&db).await;
    // grow() gave the ticket a 68,000-character description ("long description " × 4000): the first
    // page cuts it with the marker, `part_id: "description"` answers it whole within the budget asked.
    let first = s.ok("get_ticket", json!({"id": ticket})).await;
    let cut = first["description"].as_str().unwrap();
    assert!(
        cut.ends_with("… [truncated]") && cut.chars().count() < 4100,
        "{}",
        cut.len()
    );
    let whole = s
        .ok(
            "get_ticket",
            json!({"id": ticket, "part_id": "description", "max_bytes": HARD_CAP}),
        )
        .await;
    let text = whole["description"].as_str().unwrap();
    assert_eq!(
        text.matches("long description").count(),
        4000,
        "{} characters",
        text.len()
    );
    assert!(!text.ends_with("… [truncated]"));
    assert_eq!(whole["parts"], json!([]), "description only");
    // Within a smaller budget it is cut to fit, with the marker, never past the budget.
    let small = s
        .ok(
            "get_ticket",
            json!({"id": ticket, "part_id": "description", "max_bytes": 16384}),
        )
        .await;
    let d = small["description"].as_str().unwrap();
    assert!(d.ends_with("… [truncated]") && d.len() > 4000, "{}", d.len());
    assert!(serde_json::to_string(&small).unwrap().len() <= 16384);
    sim.shutdown().await;
}

/// get_conversation (issue #9's tool) had the same hole as get_ticket: a part read whole was cut in
/// characters only, and 30,000 control characters escaped to about 180 KB.
#[tokio::test]
async fn get_conversation_reading_a_part_whole_stays_within_the_hard_cap() {
    let dir = tempfile::tempdir().unwrap();
    let db = crate::mcp::fixture(dir.path());
    let conn = fastintercom::store::open_rw(&db).unwrap();
    conn.execute(
        "INSERT INTO conversation_parts (id, conversation_id, part_type, body, created_at, author_type, \
         author_id) VALUES ('nasty', '9002', 'comment', ?1, 1767300000, 'admin', '101')",
        [format!("<p>{}</p>", "\u{1}".repeat(40_000))],
    )
    .unwrap();
    let url = start(&db, None, &[]).await;
    let args = json!({"conversation_id": "9002", "part_id": "nasty"});
    let r = rpc(
        &url,
        "tools/call",
        json!({"name": "get_conversation", "arguments": args}),
    )
    .await;
    let len = r["result"]["content"][0]["text"].as_str().unwrap().len();
    assert!(len <= HARD_CAP, "get_conversation part_id: {len} bytes");
}
