//! Integration tests: the MCP server (`fastintercom serve`) over real HTTP on loopback, against a small
//! fixture database (tests/mcp/fixture.sql): every tool's answer, and bad input of every kind getting a
//! clear error while the server keeps serving. Python SDK clients, socket activation and the conformance
//! suite are in tests/e2e/2*.sh.

use crate::common::bin;
use fastintercom::mcp::http::{Activity, HttpOptions};
use fastintercom::mcp::{Db, activation, http};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub(crate) fn fixture(dir: &Path) -> PathBuf {
    let p = dir.join("fixture.db");
    let conn = fastintercom::store::open_rw(&p).unwrap();
    conn.execute_batch(include_str!("../mcp/fixture.sql")).unwrap();
    p
}

/// Start the HTTP app in-process on 127.0.0.1:0; returns the /mcp URL.
pub(crate) async fn start(db: &Path, token: Option<&str>, origins: &[&str]) -> String {
    let listener = activation::bind("127.0.0.1:0").await.unwrap();
    let url = listener.describe();
    let opts = HttpOptions {
        allowed_origins: origins.iter().map(|s| s.to_string()).collect(),
        token: token.map(fastintercom::config::Token::new),
        loopback_host_check: true,
    };
    let app = http::app(Db::new(db), opts, Arc::new(Activity::default()));
    tokio::spawn(activation::serve(vec![(listener, app)], std::future::pending()));
    url
}

pub(crate) fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

/// POST a raw body to /mcp; returns the status and the body.
pub(crate) async fn post(
    url: &str,
    body: impl Into<reqwest::Body>,
    headers: &[(&str, &str)],
) -> (u16, String) {
    let mut req = client()
        .post(url)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .body(body);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let resp = req.send().await.unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

/// A JSON-RPC request; returns the whole response object.
pub(crate) async fn rpc(url: &str, method: &str, params: Value) -> Value {
    let body = json!({"jsonrpc": "2.0", "id": 7, "method": method, "params": params});
    let (status, text) = post(url, body.to_string(), &[]).await;
    assert_eq!(status, 200, "{text}");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

/// Call a tool that must succeed; returns its structured content.
pub(crate) async fn call(url: &str, tool: &str, args: Value) -> Value {
    let r = rpc(url, "tools/call", json!({"name": tool, "arguments": args})).await;
    let result = &r["result"];
    assert_eq!(result["isError"], json!(false), "{tool} {args}: {r}");
    result["structuredContent"].clone()
}

/// Call a tool that must fail as a tool error; returns its message.
pub(crate) async fn call_err(url: &str, tool: &str, args: Value) -> String {
    let r = rpc(url, "tools/call", json!({"name": tool, "arguments": args})).await;
    assert_eq!(r["result"]["isError"], json!(true), "{tool} {args}: {r}");
    r["result"]["content"][0]["text"].as_str().unwrap().to_string()
}

pub(crate) fn ids(v: &Value) -> Vec<String> {
    v["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn every_tool_answers_from_the_cache_with_freshness() {
    let dir = tempfile::tempdir().unwrap();
    let url = start(&fixture(dir.path()), None, &[]).await;

    let tools = rpc(&url, "tools/list", json!({})).await;
    let mut names: Vec<&str> = tools["result"]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "conversation_stats",
            "fetch",
            "get_article",
            "get_company",
            "get_contact",
            "get_conversation",
            "get_sync_status",
            "get_ticket",
            "list_admins",
            "list_tags",
            "list_teams",
            "search",
            "search_articles",
            "search_companies",
            "search_contacts",
            "search_conversations",
            "search_tickets",
            "ticket_stats"
        ]
    );

    let r = call(&url, "search_conversations", json!({"query": "refund"})).await;
    assert_eq!(ids(&r), ["9001"]);
    assert_eq!(r["freshness"]["data_as_of"], 1767400100);
    assert_eq!(r["freshness"]["sync_status"], "ok");
    let c = &r["conversations"][0];
    assert_eq!(c["title"], "Charged twice");
    assert_eq!(c["tags"], json!(["VIP", "refund"]));
    assert_eq!(c["admin_assignee"]["name"], "Ada Admin");
    assert_eq!(c["team_assignee"]["name"], "Billing");
    assert_eq!(c["contact"]["email"], "carol@example.com");
    assert_eq!(c["snippet"], "I was charged twice for my plan & want a refund.");
    // The passage that matched, with the part it is in, its author and time; and the match count.
    assert!(
        c["matched"]["passage"].as_str().unwrap().contains("«refund»"),
        "{c}"
    );
    assert_eq!(c["matched"]["part_id"], "p2", "{c}");
    assert_eq!(c["matched"]["author"]["name"], "Ada Admin", "{c}");
    assert_eq!(c["matched"]["created_at"], 1767227000, "{c}");
    assert_eq!(
        (r["total"].clone(), r["total_is_lower_bound"].clone()),
        (json!(1), json!(false))
    );
    let opening = call(&url, "search_conversations", json!({"query": "charged"})).await;
    let m = &opening["conversations"][0]["matched"];
    assert_eq!(m["part_id"], Value::Null, "in the opening message: {m}");
    let passage = m["passage"].as_str().unwrap().to_lowercase();
    assert!(passage.contains("«charged»"), "{m}");
    assert_eq!(m["author"]["id"], "c1", "{m}");
    let all = call(&url, "search_conversations", json!({"limit": 1})).await;
    assert_eq!(all["total"], 3, "{all}");
    assert_eq!(all["conversations"][0].get("matched"), None, "no query, no match");

    let all = call(&url, "search_conversations", json!({})).await;
    assert_eq!(ids(&all), ["9003", "9002", "9001"]);
    let cases = [
        (json!({"tag": "vip"}), vec!["9003", "9001"]),
        (json!({"tag": "301"}), vec!["9001"]),
        (json!({"state": "closed"}), vec!["9002"]),
        (json!({"admin_id": "none"}), vec!["9003"]),
        (json!({"team_id": "202"}), vec!["9002"]),
        (
            json!({"contact_email": "CAROL@example.com"}),
            vec!["9003", "9001"],
        ),
        (
            json!({"since": "2026-01-02", "date_field": "created_at"}),
            vec!["9003", "9002"],
        ),
        (json!({"until": "1767312001"}), vec!["9001"]),
        (json!({"sort": "updated_asc"}), vec!["9001", "9002", "9003"]),
        (json!({"query": "refund", "state": "closed"}), vec![]),
        (
            json!({"query": "invoices VAT", "sort": "created_desc"}),
            vec!["9003"],
        ),
    ];
    for (args, want) in cases {
        assert_eq!(
            ids(&call(&url, "search_conversations", args.clone()).await),
            want,
            "{args}"
        );
    }
    let page1 = call(&url, "search_conversations", json!({"limit": 2})).await;
    assert_eq!(ids(&page1), ["9003", "9002"]);
    let cursor = page1["next_cursor"].as_str().unwrap();
    let page2 = call(
        &url,
        "search_conversations",
        json!({"limit": 2, "cursor": cursor}),
    )
    .await;
    assert_eq!(ids(&page2), ["9001"]);
    assert_eq!(page2["next_cursor"], Value::Null);

    let conv = call(&url, "get_conversation", json!({"conversation_id": "9001"})).await;
    let parts = conv["parts"].as_array().unwrap();
    let part_ids: Vec<&str> = parts.iter().map(|p| p["id"].as_str().unwrap()).collect();
    assert_eq!(part_ids, ["p1", "p2", "p3"]);
    // Each author is listed once; parts refer to them by key.
    let author = |p: &Value| conv["authors"][p["author"].as_str().unwrap()].clone();
    assert_eq!(
        author(&parts[0])["name"],
        "Ada Admin",
        "admin names come from the admins table"
    );
    assert_eq!(conv["order"], "oldest_first");
    assert_eq!(conv["parts_total"], 3);
    assert_eq!(conv["next_cursor"], Value::Null);
    assert_eq!(parts[0]["assigned_to"], "101");
    assert_eq!(parts[0]["body"], Value::Null);
    assert_eq!(parts[1]["body"], "Sorry about that! I have issued a refund.");
    assert_eq!(author(&parts[2])["name"], "Carol Customer");
    assert_eq!(parts[2]["body"], "Thank you <3");
    assert_eq!(conv["body"], "I was charged twice for my plan & want a refund.");
    assert_eq!(
        conv["authors"][conv["author"].as_str().unwrap()]["email"],
        "carol@example.com"
    );
    let newest = call(
        &url,
        "get_conversation",
        json!({"conversation_id": "9001", "order": "newest_first"}),
    )
    .await;
    assert_eq!(newest["parts"][0]["id"], "p3");
    let one = call(
        &url,
        "get_conversation",
        json!({"conversation_id": "9001", "part_id": "p2"}),
    )
    .await;
    assert_eq!(
        one["parts"][0]["body"],
        "Sorry about that! I have issued a refund."
    );
    assert_eq!(one["parts"].as_array().unwrap().len(), 1);
    assert_eq!(conv["freshness"]["data_as_of"], 1767400100);

    let contact = call(&url, "get_contact", json!({"email": "Carol@Example.com"})).await;
    assert_eq!(contact["id"], "c1");
    assert_eq!(contact["tags"], json!(["VIP"]));
    assert_eq!(
        ids(&json!({"conversations": contact["recent_conversations"]})),
        ["9003", "9001"]
    );
    let by_id = call(&url, "get_contact", json!({"contact_id": "c2"})).await;
    assert_eq!(by_id["name"], "Dan Lead");

    let found = call(&url, "search_contacts", json!({"query": "example"})).await;
    let emails: Vec<&str> = found["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["email"].as_str().unwrap())
        .collect();
    assert_eq!(emails, ["carol@example.com", "dan@example.org"]);
    assert_eq!(found["more"], false);

    let admins = call(&url, "list_admins", json!({})).await;
    assert_eq!(admins["admins"][0]["name"], "Ada Admin");
    assert_eq!(admins["admins"][0]["team_ids"], json!(["201", "202"]));
    let teams = call(&url, "list_teams", json!({})).await;
    assert_eq!(teams["teams"][1]["name"], "Tech");
    assert_eq!(teams["teams"][1]["members"].as_array().unwrap().len(), 2);
    let tags = call(&url, "list_tags", json!({})).await;
    assert_eq!(
        tags["tags"],
        json!([
            {"id": "301", "name": "refund", "conversation_count": 1},
            {"id": "302", "name": "VIP", "conversation_count": 2}
        ])
    );

    let by_state = call(&url, "conversation_stats", json!({"group_by": "state"})).await;
    assert_eq!(by_state["total"], 3);
    assert_eq!(by_state["buckets"].as_array().unwrap().len(), 3);
    let by_team = call(&url, "conversation_stats", json!({"group_by": "team"})).await;
    let keys: Vec<(&str, i64)> = by_team["buckets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| (b["key"].as_str().unwrap(), b["count"].as_i64().unwrap()))
        .collect();
    assert_eq!(keys, [("201", 1), ("202", 1), ("none", 1)]);
    assert_eq!(by_team["buckets"][0]["label"], "Billing");
    let by_tag = call(&url, "conversation_stats", json!({"group_by": "tag"})).await;
    assert_eq!(
        by_tag["buckets"][0],
        json!({"key": "302", "label": "VIP", "count": 2})
    );
    assert_eq!(
        by_tag["buckets"][2],
        json!({"key": "none", "label": null, "count": 1})
    );
    let open_week = call(
        &url,
        "conversation_stats",
        json!({"group_by": "day", "state": "open", "since": "2026-01-01"}),
    )
    .await;
    assert_eq!(
        open_week["buckets"],
        json!([{"key": "2026-01-01", "label": null, "count": 1}])
    );

    let status = call(&url, "get_sync_status", json!({})).await;
    assert_eq!(status["rows"][0]["resource"], "overall");
    assert_eq!(status["rows"][1]["resource"], "conversations");
    assert_eq!(status["freshness"]["data_as_of"], 1767400100);
    assert!(status["now"].as_i64().unwrap() > 1767400100);
}

#[tokio::test]
async fn bad_input_gets_a_clear_error_and_the_server_keeps_serving() {
    let dir = tempfile::tempdir().unwrap();
    let url = start(&fixture(dir.path()), None, &["https://app.example.com"]).await;

    // Not JSON, or JSON but not JSON-RPC: HTTP 400 with a JSON-RPC error.
    for (body, code) in [
        ("{not json", -32700),
        ("[1, 2, 3]", -32600),
        (r#"{"id": 1}"#, -32600),
    ] {
        let (status, text) = post(&url, body, &[]).await;
        assert_eq!(status, 400, "{text}");
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["error"]["code"], code, "{v}");
    }
    // Chunked (no Content-Length) and too big: still bounded.
    let chunks = futures_util::stream::iter((0..3).map(|_| Ok::<_, std::io::Error>(vec![b' '; 512 * 1024])));
    let (status, _) = post(&url, reqwest::Body::wrap_stream(chunks), &[]).await;
    assert_eq!(status, 413);

    let r = rpc(
        &url,
        "tools/call",
        json!({"name": "drop_database", "arguments": {}}),
    )
    .await;
    assert!(
        r["error"]["message"].as_str().unwrap().contains("drop_database"),
        "{r}"
    );
    // Arguments of the wrong type or missing: rmcp answers with a tool error naming the problem.
    let msg = call_err(&url, "search_conversations", json!({"limit": "lots"})).await;
    assert!(msg.contains("invalid type") && msg.contains("lots"), "{msg}");
    let msg = call_err(&url, "get_conversation", json!({})).await;
    assert!(msg.contains("conversation_id"), "{msg}");
    let r = rpc(&url, "no/such/method", json!({})).await;
    assert_eq!(r["error"]["code"], -32601, "{r}");

    for q in [
        "\"foo AND (",
        "NEAR(",
        "NEAR(refund twice, 2)",
        "*",
        "title:refund",
        "refund OR",
        "-",
        "\"",
    ] {
        call(&url, "search_conversations", json!({"query": q})).await;
    }
    let r = call(
        &url,
        "search_conversations",
        json!({"query": "refund\" OR \"login"}),
    )
    .await;
    assert_eq!(ids(&r), Vec::<String>::new(), "quotes are text, not syntax");

    let big = call(
        &url,
        "search_conversations",
        json!({"limit": 1_000_000_000_000u64}),
    )
    .await;
    assert!(
        big["notes"][0]
            .as_str()
            .unwrap()
            .contains("reduced to the maximum of 100"),
        "{big}"
    );
    let msg = call_err(&url, "search_conversations", json!({"limit": -1})).await;
    assert!(msg.contains("invalid value"), "{msg}");

    let checks = [
        (
            "search_conversations",
            json!({"since": "last tuesday"}),
            "bad `since`",
        ),
        ("search_conversations", json!({"state": "pending"}), "bad `state`"),
        ("search_conversations", json!({"sort": "random"}), "bad `sort`"),
        (
            "search_conversations",
            json!({"cursor": "bm90IGEgY3Vyc29y"}),
            "bad `cursor`",
        ),
        (
            "search_conversations",
            json!({"date_field": "deleted_at"}),
            "bad `date_field`",
        ),
        (
            "get_conversation",
            json!({"conversation_id": "123456"}),
            "not in the cache",
        ),
        ("get_conversation", json!({"conversation_id": " "}), "empty"),
        ("get_contact", json!({}), "give `contact_id` or `email`"),
        (
            "get_contact",
            json!({"email": "nobody@example.com"}),
            "not in the cache",
        ),
        ("search_contacts", json!({"query": ""}), "`query` is empty"),
        (
            "conversation_stats",
            json!({"group_by": "weekday"}),
            "bad `group_by`",
        ),
        (
            "conversation_stats",
            json!({"since": "2026-02-01", "until": "2026-01-01"}),
            "inverted window",
        ),
        // Strict arguments: nothing misspelt or invented is silently ignored.
        (
            "search_conversations",
            json!({"status": "closed"}),
            "unknown argument `status` for search_conversations: its arguments are `admin_id`",
        ),
        (
            "search_conversations",
            json!({"text": "refund"}),
            "unknown argument `text`",
        ),
        (
            "list_tags",
            json!({"limit": 5}),
            "unknown argument `limit` for list_tags",
        ),
        (
            "get_conversation",
            json!({"conversation_id": "9002", "id": "9002"}),
            "its arguments are `conversation_id`",
        ),
        (
            "search_conversations",
            json!({"since": "7d", "until": "30d"}),
            "inverted window: `since`",
        ),
        (
            "search_conversations",
            json!({"since": "2026-01-01", "until": "2026-01-01"}),
            "empty window",
        ),
        ("search_conversations", json!({"limit": 0}), "bad `limit` 0"),
        ("search_contacts", json!({"query": "a", "limit": 0}), "1 to 100"),
        (
            "conversation_stats",
            json!({"state": "archived"}),
            "use one of open, closed, snoozed",
        ),
        (
            "conversation_stats",
            json!({"date_field": "closed_at"}),
            "use one of created_at, updated_at",
        ),
    ];
    for (tool, args, want) in checks {
        let msg = call_err(&url, tool, args.clone()).await;
        assert!(msg.contains(want), "{tool} {args}: {msg}");
        assert!(!msg.contains('\n'), "one line: {msg}");
    }

    // Transport checks: Origin (DNS rebinding), body size.
    let list = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}).to_string();
    let (status, text) = post(&url, list.clone(), &[("origin", "http://evil.example")]).await;
    assert_eq!(status, 403, "{text}");
    assert!(text.contains("Origin"), "{text}");
    for ok in [
        "http://localhost:5173",
        "http://127.0.0.1",
        "https://app.example.com",
    ] {
        let (status, text) = post(&url, list.clone(), &[("origin", ok)]).await;
        assert_eq!(status, 200, "{ok}: {text}");
    }
    let huge = format!(
        "{{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{{\"name\":\"search_conversations\",\
         \"arguments\":{{\"query\":\"{}\"}}}}}}",
        "a".repeat(2 * 1024 * 1024)
    );
    let (status, _) = post(&url, huge, &[]).await;
    assert_eq!(status, 413);

    // Still serving.
    assert_eq!(
        ids(&call(&url, "search_conversations", json!({"query": "login"})).await),
        ["9002"]
    );
    let health = client()
        .get(url.replace("/mcp", "/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
}

#[tokio::test]
async fn bearer_token_is_enforced_when_configured() {
    let dir = tempfile::tempdir().unwrap();
    let url = start(&fixture(dir.path()), Some("s3cret-token"), &[]).await;
    let list = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}).to_string();
    let (status, text) = post(&url, list.clone(), &[]).await;
    assert_eq!(status, 401, "{text}");
    assert!(!text.contains("s3cret"), "never echo the token");
    let (status, _) = post(&url, list.clone(), &[("authorization", "Bearer wrong")]).await;
    assert_eq!(status, 401);
    let (status, text) = post(&url, list.clone(), &[("authorization", "Bearer s3cret-token")]).await;
    assert_eq!(status, 200, "{text}");
    let health = client()
        .get(url.replace("/mcp", "/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200, "healthz needs no token");
}

#[tokio::test]
async fn missing_or_newer_database_is_a_tool_error_until_fixed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("later.db");
    let url = start(&path, None, &[]).await;
    let msg = call_err(&url, "search_conversations", json!({})).await;
    assert!(
        msg.contains("does not exist") && msg.contains("sync --once"),
        "{msg}"
    );
    let msg = call_err(&url, "get_sync_status", json!({})).await;
    assert!(msg.contains("does not exist"), "{msg}");

    // The sync creates it: the same server now answers.
    let conn = fastintercom::store::open_rw(&path).unwrap();
    conn.execute_batch(include_str!("../mcp/fixture.sql")).unwrap();
    assert_eq!(
        ids(&call(&url, "search_conversations", json!({"query": "refund"})).await),
        ["9001"]
    );

    let newer = dir.path().join("newer.db");
    let conn = fastintercom::store::open_rw(&newer).unwrap();
    conn.execute("INSERT INTO schema_migrations VALUES (999, 'future', 0)", [])
        .unwrap();
    drop(conn);
    let url = start(&newer, None, &[]).await;
    let msg = call_err(&url, "list_tags", json!({})).await;
    assert!(msg.contains("newer"), "{msg}");
}

#[test]
fn refuses_a_public_address_without_a_token() {
    let dir = tempfile::tempdir().unwrap();
    let db = fixture(dir.path());
    let out = std::process::Command::new(bin())
        .args(["serve", "--listen", "0.0.0.0:0", "--db"])
        .arg(&db)
        .env_remove("FASTINTERCOM_MCP_TOKEN")
        .env_remove("CREDENTIALS_DIRECTORY")
        .env_remove("LISTEN_FDS")
        .env("FASTINTERCOM_CONFIG", dir.path().join("none.toml"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("without a bearer token"), "{err}");
}

#[tokio::test]
async fn conversations_are_resources() {
    let dir = tempfile::tempdir().unwrap();
    let url = start(&fixture(dir.path()), None, &[]).await;
    let t = rpc(&url, "resources/templates/list", json!({})).await;
    assert_eq!(
        t["result"]["resourceTemplates"][0]["uriTemplate"], "intercom://conversation/{id}",
        "{t}"
    );
    let list = rpc(&url, "resources/list", json!({})).await;
    let uris: Vec<&str> = list["result"]["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["uri"].as_str().unwrap())
        .collect();
    assert_eq!(
        uris,
        [
            "intercom://conversation/9003",
            "intercom://conversation/9002",
            "intercom://conversation/9001"
        ]
    );
    let r = rpc(
        &url,
        "resources/read",
        json!({"uri": "intercom://conversation/9001"}),
    )
    .await;
    let content = &r["result"]["contents"][0];
    assert_eq!(content["mimeType"], "application/json");
    let conv: Value = serde_json::from_str(content["text"].as_str().unwrap()).unwrap();
    assert_eq!(conv["parts"].as_array().unwrap().len(), 3);
    assert_eq!(conv["freshness"]["data_as_of"], 1767400100);
    for uri in ["intercom://conversation/404", "https://example.com/x"] {
        let r = rpc(&url, "resources/read", json!({"uri": uri})).await;
        assert!(
            r["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("not in the cache") || m.contains("unknown resource")),
            "{r}"
        );
    }
}

#[tokio::test]
async fn sigterm_lets_an_in_flight_request_finish() {
    let dir = tempfile::tempdir().unwrap();
    let db = fixture(dir.path());
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = tokio::process::Command::new(bin())
        .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--db"])
        .arg(&db)
        .env("FASTINTERCOM_CONFIG", dir.path().join("none.toml"))
        .env_remove("LISTEN_FDS")
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    for _ in 0..200 {
        if client().get(format!("{base}/healthz")).send().await.is_ok() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    // A request whose body arrives in two halves, with SIGTERM in between.
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                      "params": {"name": "get_conversation", "arguments": {"conversation_id": "9001"}}})
    .to_string();
    let (first, rest) = body.split_at(body.len() / 2);
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(2);
    let stream = futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|c| (c, rx)) });
    let request = tokio::spawn(
        client()
            .post(format!("{base}/mcp"))
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .body(reqwest::Body::wrap_stream(stream))
            .send(),
    );
    tx.send(Ok(first.as_bytes().to_vec())).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let pid = child.id().unwrap().to_string();
    assert!(
        std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    tx.send(Ok(rest.as_bytes().to_vec())).await.unwrap();
    drop(tx);
    let resp = request.await.unwrap().expect("the in-flight request is answered");
    assert_eq!(resp.status(), 200);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["result"]["structuredContent"]["id"], "9001", "{v}");
    let status = tokio::time::timeout(std::time::Duration::from_secs(10), child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(status.success(), "exit after drain: {status}");
    assert!(
        client().get(format!("{base}/healthz")).send().await.is_err(),
        "no longer listening"
    );
}

#[tokio::test]
async fn long_conversations_are_paged_and_long_bodies_fetched_whole() {
    let dir = tempfile::tempdir().unwrap();
    let db = fixture(dir.path());
    {
        // 300 replies of 6,000 characters to conversation 9002: about 1.8 MB of text in all.
        let conn = fastintercom::store::open_rw(&db).unwrap();
        for i in 0..300 {
            conn.execute(
                "INSERT INTO conversation_parts (id, conversation_id, part_type, body, created_at, \
                 author_type, author_id) VALUES (?1, '9002', 'comment', ?2, ?3, ?4, ?5)",
                rusqlite::params![
                    format!("long{i:03}"),
                    format!("<p>{} end{i}</p>", "word ".repeat(1200)),
                    1767300000 + i,
                    if i % 2 == 0 { "admin" } else { "user" },
                    if i % 2 == 0 { "101" } else { "c1" },
                ],
            )
            .unwrap();
        }
    }
    let url = start(&db, None, &[]).await;
    let mut seen = Vec::new();
    let mut args = json!({"conversation_id": "9002"});
    loop {
        let r = rpc(
            &url,
            "tools/call",
            json!({"name": "get_conversation", "arguments": args}),
        )
        .await;
        let text = r["result"]["content"][0]["text"].as_str().unwrap();
        assert!(text.len() <= 32 * 1024, "page of {} bytes", text.len());
        let page = &r["result"]["structuredContent"];
        assert!(
            page["authors"].as_object().unwrap().len() <= 3,
            "{}",
            page["authors"]
        );
        for p in page["parts"].as_array().unwrap() {
            let id = p["id"].as_str().unwrap().to_string();
            if id.starts_with("long") {
                let body = p["body"].as_str().unwrap();
                assert!(body.ends_with("… [truncated]"), "{id}");
                assert_eq!(p["truncated"], true);
            }
            seen.push(id);
        }
        match page["next_cursor"].as_str() {
            Some(c) => args["cursor"] = json!(c),
            None => break,
        }
    }
    let longs = seen.iter().filter(|s| s.starts_with("long")).count();
    assert_eq!(longs, 300, "every part once");
    let mut dedup = seen.clone();
    dedup.sort();
    dedup.dedup();
    assert_eq!(dedup.len(), seen.len());

    let whole = call(
        &url,
        "get_conversation",
        json!({"conversation_id": "9002", "part_id": "long007"}),
    )
    .await;
    let body = whole["parts"][0]["body"].as_str().unwrap();
    assert!(body.ends_with("end7") && body.len() > 6000, "{}", body.len());
    assert_eq!(whole["parts"][0].get("truncated"), None);
    let msg = call_err(
        &url,
        "get_conversation",
        json!({"conversation_id": "9002", "part_id": "nope"}),
    )
    .await;
    assert!(msg.contains("part nope of conversation 9002"), "{msg}");
}
