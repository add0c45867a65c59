//! Filters filter: every `search_tickets` filter (and `ticket_stats` with the same filters) selects
//! exactly the tickets the SQLite rows say, by each form of key it documents (id, name, email, the
//! workspace's own company_id, `none`), and a filter naming nothing selects nothing.

use super::{Server, one, workspace};
use fastintercom::answer::HARD_CAP;
use rusqlite::Connection;
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// Every `id` in a list answer.
fn listed(r: &Value, key: &str) -> BTreeSet<String> {
    r[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_string())
        .collect()
}

/// The ids the SQL `cond` (on `tickets t`, with `?1` = `arg`) selects.
fn ticket_ids(conn: &Connection, cond: &str, arg: &str) -> BTreeSet<String> {
    let sql = format!("SELECT t.id FROM tickets t WHERE {cond}");
    let mut st = conn.prepare(&sql).unwrap();
    let rows: rusqlite::Result<BTreeSet<String>> = if sql.contains("?1") {
        st.query_map([arg], |r| r.get(0)).unwrap().collect()
    } else {
        st.query_map([], |r| r.get(0)).unwrap().collect()
    };
    rows.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ticket_filters_select_exactly_the_rows_they_name() {
    let dir = tempfile::tempdir().unwrap();
    let (sim, db) = workspace(&dir).await;
    let s = Server::new(&db).await;
    let conn = Connection::open(&db).unwrap();
    let first = |sql: &str| one(&conn, sql);
    let typ = first("SELECT ticket_type_id FROM tickets WHERE ticket_type_id IS NOT NULL LIMIT 1");
    let typ_name = first(&format!(
        "SELECT ticket_type_name FROM tickets WHERE ticket_type_id = '{typ}'"
    ));
    let admin = first("SELECT admin_assignee_id FROM tickets WHERE admin_assignee_id IS NOT NULL LIMIT 1");
    let team = first("SELECT team_assignee_id FROM tickets WHERE team_assignee_id IS NOT NULL LIMIT 1");
    let contact = first("SELECT contact_id FROM ticket_contacts LIMIT 1");
    let email = first(&format!("SELECT email FROM contacts WHERE id = '{contact}'"));
    let company = first(
        "SELECT cc.company_id FROM ticket_contacts tc JOIN contact_companies cc USING (contact_id) LIMIT 1",
    );
    let co_name = first(&format!("SELECT name FROM companies WHERE id = '{company}'"));
    let co_own = first(&format!(
        "SELECT company_id FROM companies WHERE id = '{company}'"
    ));
    let of_company = "t.id IN (SELECT tc.ticket_id FROM ticket_contacts tc JOIN contact_companies cc \
                      USING (contact_id) WHERE cc.company_id = ?1)";
    let mut cases: Vec<(Value, String, String)> = Vec::new();
    for st in ["submitted", "in_progress", "waiting_on_customer", "resolved"] {
        cases.push((json!({"state": st}), "t.state_category = ?1".into(), st.into()));
    }
    for cat in ["Customer", "Back-office", "Tracker"] {
        let asked = json!({"category": cat.to_uppercase()});
        cases.push((asked, "t.category = ?1".into(), cat.into()));
    }
    cases.extend([
        (
            json!({"ticket_type": typ}),
            "t.ticket_type_id = ?1".into(),
            typ.clone(),
        ),
        (
            json!({"ticket_type": typ_name.to_uppercase()}),
            "t.ticket_type_id = ?1".into(),
            typ.clone(),
        ),
        (
            json!({"admin_id": admin}),
            "t.admin_assignee_id = ?1".into(),
            admin.clone(),
        ),
        (
            json!({"admin_id": "none"}),
            "t.admin_assignee_id IS NULL".into(),
            String::new(),
        ),
        (
            json!({"team_id": team}),
            "t.team_assignee_id = ?1".into(),
            team.clone(),
        ),
        (
            json!({"team_id": "none"}),
            "t.team_assignee_id IS NULL".into(),
            String::new(),
        ),
        (json!({"open": true}), "t.open = 1".into(), String::new()),
        (json!({"open": false}), "t.open = 0".into(), String::new()),
        (
            json!({"contact": contact}),
            "t.id IN (SELECT ticket_id FROM ticket_contacts WHERE contact_id = ?1)".into(),
            contact.clone(),
        ),
        (
            json!({"contact": email.to_uppercase()}),
            "t.id IN (SELECT ticket_id FROM ticket_contacts WHERE contact_id = ?1)".into(),
            contact.clone(),
        ),
        (json!({"company": company}), of_company.into(), company.clone()),
        (
            json!({"company": co_name.to_uppercase()}),
            of_company.into(),
            company.clone(),
        ),
        (json!({"company": co_own}), of_company.into(), company.clone()),
        (
            json!({"team_id": team, "open": true}),
            "t.team_assignee_id = ?1 AND t.open = 1".into(),
            team.clone(),
        ),
    ]);
    let mid: i64 = conn
        .query_row(
            "SELECT created_at FROM tickets ORDER BY created_at LIMIT 1 OFFSET 10",
            [],
            |r| r.get(0),
        )
        .unwrap();
    cases.push((
        json!({"since": mid.to_string(), "date_field": "created_at"}),
        "t.created_at >= ?1".into(),
        mid.to_string(),
    ));
    cases.push((
        json!({"until": mid.to_string(), "date_field": "created_at"}),
        "t.created_at < ?1".into(),
        mid.to_string(),
    ));
    let mut nonempty = 0;
    for (args, cond, arg) in cases {
        let want = ticket_ids(&conn, &cond, &arg);
        let mut a = args.clone();
        a["limit"] = json!(100);
        a["max_bytes"] = json!(HARD_CAP);
        let r = s.ok("search_tickets", a).await;
        assert_eq!(r["total"], json!(want.len()), "{args}");
        assert_eq!(listed(&r, "tickets"), want, "{args}");
        nonempty += usize::from(!want.is_empty());
        // ticket_stats counts the same tickets with the same filters.
        let mut a = args.clone();
        a["date_field"] = a.get("date_field").cloned().unwrap_or(json!("updated_at"));
        let st = s.ok("ticket_stats", a).await;
        assert_eq!(st["total"], json!(want.len()), "ticket_stats {args}: {st}");
        let sum: i64 = st["buckets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["count"].as_i64().unwrap())
            .sum();
        assert_eq!(sum, want.len() as i64, "ticket_stats {args}: {st}");
    }
    assert!(
        nonempty >= 20,
        "the workspace is too small to test the filters ({nonempty})"
    );
    // A filter naming nothing selects nothing (never everything).
    for f in ["ticket_type", "admin_id", "team_id", "contact", "company"] {
        let r = s.ok("search_tickets", json!({f: "no-such-thing"})).await;
        assert_eq!(r["total"], json!(0), "{f}: {r}");
    }
    sim.shutdown().await;
}
