//! Integration tests: the MCP server under hostile input, over real sockets and a real `serve --stdio`
//! process: every JSON-RPC error code over HTTP and stdio (with `"id": null` when the id is unknown), the
//! edges of tool arguments (NUL bytes, huge cursors and durations, numeric ids, very long queries), the
//! call deadline, and the connection bounds (idle and half-open sockets, the connection cap, SIGTERM).

use crate::common::bin;
use crate::mcp::{call, call_err, client, fixture, ids, post};
use base64::Engine;
use fastintercom::mcp::connections::Limits;
use fastintercom::mcp::http::{Activity, HttpOptions};
use fastintercom::mcp::{Db, activation, http};
use serde_json::{Value, json};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

/// Start the HTTP app in-process on 127.0.0.1:0 with this pool and these limits; returns the /mcp URL.
async fn start_with(db: Arc<Db>, limits: Limits) -> String {
    let listener = activation::bind("127.0.0.1:0").await.unwrap();
    let url = listener.describe();
    let opts = HttpOptions {
        allowed_origins: vec!["https://app.example.com".into()],
        token: None,
        loopback_host_check: true,
    };
    let app = http::app(db, opts, Arc::new(Activity::default()));
    let serve = activation::ServeOptions {
        limits,
        ..Default::default()
    };
    tokio::spawn(activation::serve_with(
        vec![(listener, app)],
        std::future::pending(),
        serve,
    ));
    url
}

/// The malformed messages of the JSON-RPC checks: (message, code, id in the answer).
fn malformed() -> Vec<(String, i64, Value)> {
    let call = |params: Value| json!({"jsonrpc": "2.0", "id": 4, "method": "tools/call", "params": params});
    vec![
        ("{not json".into(), -32700, Value::Null),
        ("[1, 2]".into(), -32600, Value::Null),
        (
            r#"{"jsonrpc": "2.0", "id": null, "method": "ping"}"#.into(),
            -32600,
            Value::Null,
        ),
        (
            r#"{"jsonrpc": "2.0", "id": {"a": 1}, "method": "ping"}"#.into(),
            -32600,
            Value::Null,
        ),
        (
            r#"{"jsonrpc": "2.0", "id": [1], "method": "ping"}"#.into(),
            -32600,
            Value::Null,
        ),
        (
            r#"{"jsonrpc": "2.0", "id": false, "method": "ping"}"#.into(),
            -32600,
            Value::Null,
        ),
        (
            r#"{"jsonrpc": "2.0", "id": 2.5, "method": "ping"}"#.into(),
            -32600,
            Value::Null,
        ),
        (
            r#"{"jsonrpc": "2.0", "id": 123456789012345678901234, "method": "ping"}"#.into(),
            -32600,
            Value::Null,
        ),
        (
            r#"{"jsonrpc": "2.0", "id": 3, "method": "tools/list", "params": "x"}"#.into(),
            -32600,
            json!(3),
        ),
        (
            r#"{"jsonrpc": "2.0", "id": 3, "method": "tools/list", "params": 1}"#.into(),
            -32600,
            json!(3),
        ),
        (
            r#"{"jsonrpc": "2.0", "id": 3, "method": "tools/list", "params": [1]}"#.into(),
            -32602,
            json!(3),
        ),
        (
            r#"{"jsonrpc": "2.0", "id": 4, "method": "tools/call"}"#.into(),
            -32602,
            json!(4),
        ),
        (call(json!({})).to_string(), -32602, json!(4)),
        (call(json!({"name": 12})).to_string(), -32602, json!(4)),
        (
            call(json!({"name": "list_tags", "arguments": [1]})).to_string(),
            -32602,
            json!(4),
        ),
        (
            call(json!({"name": "no_such_tool", "arguments": {}})).to_string(),
            -32602,
            json!(4),
        ),
        (
            r#"{"jsonrpc": "2.0", "id": "m", "method": "no/such/method"}"#.into(),
            -32601,
            json!("m"),
        ),
    ]
}

#[tokio::test]
async fn every_jsonrpc_error_code_over_http() {
    let dir = tempfile::tempdir().unwrap();
    let url = start_with(Db::new(&fixture(dir.path())), Limits::default()).await;
    for (body, code, id) in malformed() {
        let (status, text) = post(&url, body.clone(), &[]).await;
        let v: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{body}: {status} {e}: {text}"));
        assert_eq!(v["error"]["code"], code, "{body}: {v}");
        assert_eq!(v["jsonrpc"], "2.0", "{body}: {v}");
        assert_eq!(v.get("id"), Some(&id), "{body}: the id must be present: {v}");
        assert!(matches!(status, 200 | 400), "{body}: status {status}");
    }
    // The server still answers.
    assert_eq!(
        call(&url, "list_tags", json!({})).await["tags"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[tokio::test]
async fn every_jsonrpc_error_code_over_stdio() {
    let dir = tempfile::tempdir().unwrap();
    let db = fixture(dir.path());
    let mut child = tokio::process::Command::new(bin())
        .args(["serve", "--stdio", "--db"])
        .arg(&db)
        .env("FASTINTERCOM_CONFIG", dir.path().join("none.toml"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut next = async || -> Value {
        let line = tokio::time::timeout(Duration::from_secs(10), out.next_line())
            .await
            .expect("an answer within 10 s")
            .unwrap()
            .expect("a line");
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"))
    };
    let init = json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}});
    stdin.write_all(format!("{init}\n").as_bytes()).await.unwrap();
    assert_eq!(next().await["id"], 0);
    stdin
        .write_all(b"{\"jsonrpc\": \"2.0\", \"method\": \"notifications/initialized\"}\n")
        .await
        .unwrap();
    for (body, code, id) in malformed() {
        stdin.write_all(format!("{body}\n").as_bytes()).await.unwrap();
        let v = next().await;
        assert_eq!(v["error"]["code"], code, "{body}: {v}");
        assert_eq!(v.get("id"), Some(&id), "{body}: the id must be present: {v}");
    }
    // A line over the 1 MiB limit is refused without killing the session; blank lines are ignored.
    let huge = format!("{{\"x\": \"{}\"}}\n\n", "a".repeat(1_100_000));
    stdin.write_all(huge.as_bytes()).await.unwrap();
    let v = next().await;
    assert_eq!(
        (v["error"]["code"].clone(), v["id"].clone()),
        (json!(-32600), Value::Null),
        "{v}"
    );
    let ok = json!({"jsonrpc": "2.0", "id": 9, "method": "tools/call",
                    "params": {"name": "get_conversation", "arguments": {"conversation_id": 9001}}});
    stdin.write_all(format!("{ok}\n").as_bytes()).await.unwrap();
    let v = next().await;
    assert_eq!(v["result"]["structuredContent"]["id"], "9001", "{v}");
    drop(stdin);
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(status.success(), "{status}");
}

#[tokio::test]
async fn accept_any_and_cors_preflight() {
    let dir = tempfile::tempdir().unwrap();
    let url = start_with(Db::new(&fixture(dir.path())), Limits::default()).await;
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "ping"}).to_string();
    let resp = client()
        .post(&url)
        .header("content-type", "application/json")
        .header("accept", "*/*")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["id"], 1, "{v}");

    let pre = client()
        .request(reqwest::Method::OPTIONS, &url)
        .header("origin", "https://app.example.com")
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "content-type, mcp-protocol-version",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(pre.status(), 204);
    let h = pre.headers();
    assert_eq!(h["access-control-allow-origin"], "https://app.example.com");
    assert!(
        h["access-control-allow-methods"]
            .to_str()
            .unwrap()
            .contains("POST")
    );
    assert!(
        h["access-control-allow-headers"]
            .to_str()
            .unwrap()
            .contains("Mcp-Protocol-Version")
    );
    let evil = client()
        .request(reqwest::Method::OPTIONS, &url)
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(evil.status(), 403);
}

#[tokio::test]
async fn argument_edges_are_handled() {
    let dir = tempfile::tempdir().unwrap();
    let url = start_with(Db::new(&fixture(dir.path())), Limits::default()).await;
    // NUL and other control characters in query text are word breaks, never SQL errors.
    for q in ["refund\u{0}", "\u{0}", "re\u{1}fund \u{7f}twice\u{0}\u{0}"] {
        call(&url, "search_conversations", json!({"query": q})).await;
    }
    let r = call(
        &url,
        "search_conversations",
        json!({"query": "refund\u{0}charged"}),
    )
    .await;
    assert_eq!(ids(&r), ["9001"]);
    call(&url, "search_contacts", json!({"query": "car\u{0}ol"})).await;
    // Ids as JSON numbers.
    let c = call(&url, "get_conversation", json!({"conversation_id": 9001})).await;
    assert_eq!(c["id"], "9001");
    let r = call(
        &url,
        "search_conversations",
        json!({"admin_id": 101, "team_id": 201, "tag": 301}),
    )
    .await;
    assert_eq!(ids(&r), ["9001"]);
    let msg = call_err(&url, "get_conversation", json!({"conversation_id": 1.5})).await;
    assert!(msg.contains("string or an integer"), "{msg}");
    // A cursor whose offset would wrap is refused, not read as page one.
    let cursor = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode("o:18446744073709551615");
    let msg = call_err(&url, "search_conversations", json!({"cursor": cursor})).await;
    assert!(msg.contains("bad `cursor`"), "{msg}");
    // Durations that overflow are errors with a reason; upper-case units work.
    for tool in ["search_conversations", "conversation_stats"] {
        let msg = call_err(&url, tool, json!({"since": "99999999999999999d"})).await;
        assert!(msg.contains("too far back"), "{tool}: {msg}");
        let msg = call_err(&url, tool, json!({"since": "-5d"})).await;
        assert!(msg.contains("write \"5d\""), "{tool}: {msg}");
    }
    call(
        &url,
        "search_conversations",
        json!({"since": "7D", "until": "1H"}),
    )
    .await;
}

#[tokio::test]
async fn long_queries_are_deduplicated_capped_and_fast() {
    let dir = tempfile::tempdir().unwrap();
    let path = fixture(dir.path());
    // A long conversation holding 200 distinct words 50 times each (a pasted paragraph of it, or one of
    // its words repeated, used to cost the square of the query's length).
    let words: Vec<String> = (0..200).map(|i| format!("word{i}")).collect();
    let body = vec![words.join(" "); 50].join(" ");
    let conn = fastintercom::store::open_rw(&path).unwrap();
    conn.execute(
        "INSERT INTO conversations (pk, id, created_at, updated_at, state, open, raw) \
         VALUES (4, '9004', 1767225600, 1767225600, 'open', 1, '{}')",
        [],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO conversation_fts (rowid, title, body) VALUES (4, 'long', ?1)",
        [&body],
    )
    .unwrap();
    drop(conn);
    let url = start_with(Db::new(&path), Limits::default()).await;
    for (query, note) in [
        (vec!["word7"; 10_000].join(" "), "9999 repeated word(s) ignored"),
        (
            words
                .iter()
                .cycle()
                .take(1000)
                .cloned()
                .collect::<Vec<_>>()
                .join(" "),
            "only the first 16 distinct words",
        ),
        (
            words
                .iter()
                .cycle()
                .take(10_000)
                .cloned()
                .collect::<Vec<_>>()
                .join(" "),
            "only the first 16 distinct words",
        ),
    ] {
        let t = Instant::now();
        let r = call(&url, "search_conversations", json!({"query": query})).await;
        assert!(t.elapsed() < Duration::from_secs(3), "{:?}", t.elapsed());
        assert_eq!(ids(&r), ["9004"]);
        let notes = r["notes"].to_string();
        assert!(notes.contains(note), "{notes}");
    }
}

#[tokio::test]
async fn a_call_past_its_deadline_is_a_clear_tool_error() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::with_call_timeout(&fixture(dir.path()), Duration::from_nanos(1));
    let url = start_with(db, Limits::default()).await;
    for tool in ["search_conversations", "get_sync_status"] {
        let msg = call_err(&url, tool, json!({})).await;
        assert!(msg.contains("took longer than the server's"), "{tool}: {msg}");
    }
}

/// Read a whole HTTP answer (the server closes after it); empty when the server just closed.
async fn read_all(s: &mut tokio::net::TcpStream, within: Duration) -> String {
    let mut buf = Vec::new();
    tokio::time::timeout(within, s.read_to_end(&mut buf))
        .await
        .expect("the server answers or closes in time")
        .ok();
    String::from_utf8_lossy(&buf).into_owned()
}

#[tokio::test]
async fn silent_idle_and_half_open_connections_are_closed() {
    let dir = tempfile::tempdir().unwrap();
    let limits = Limits {
        header_timeout: Duration::from_millis(500),
        ..Default::default()
    };
    let url = start_with(Db::new(&fixture(dir.path())), limits).await;
    let addr = url
        .trim_start_matches("http://")
        .trim_end_matches("/mcp")
        .to_string();
    // Connected, nothing sent: closed after the header timeout.
    let mut silent = tokio::net::TcpStream::connect(&addr).await.unwrap();
    // Headers but no body: 408 once the body timeout passes (10 s).
    let mut half = tokio::net::TcpStream::connect(&addr).await.unwrap();
    half.write_all(
        format!(
            "POST /mcp HTTP/1.1\r\nhost: {addr}\r\ncontent-type: application/json\r\n\
             accept: application/json, text/event-stream\r\ncontent-length: 100\r\n\r\n"
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    // A keep-alive connection idle after one answer: closed after the same timeout.
    let mut idle = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let ping = r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#;
    idle.write_all(
        format!(
            "POST /mcp HTTP/1.1\r\nhost: {addr}\r\ncontent-type: application/json\r\n\
             accept: application/json, text/event-stream\r\ncontent-length: {}\r\n\r\n{ping}",
            ping.len()
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    let t = Instant::now();
    let got = read_all(&mut silent, Duration::from_secs(5)).await;
    assert!(t.elapsed() >= Duration::from_millis(400), "{:?}", t.elapsed());
    assert!(!got.contains("200 OK"), "{got}");
    let got = read_all(&mut idle, Duration::from_secs(5)).await;
    assert!(got.starts_with("HTTP/1.1 200"), "{got}");
    let got = read_all(&mut half, Duration::from_secs(15)).await;
    assert!(got.starts_with("HTTP/1.1 408"), "{got}");
}

#[tokio::test]
async fn connections_over_the_cap_are_refused_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let limits = Limits {
        max_connections: 4,
        ..Default::default()
    };
    let url = start_with(Db::new(&fixture(dir.path())), limits).await;
    let addr = url
        .trim_start_matches("http://")
        .trim_end_matches("/mcp")
        .to_string();
    let mut held = Vec::new();
    for _ in 0..4 {
        held.push(tokio::net::TcpStream::connect(&addr).await.unwrap());
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut over = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let got = read_all(&mut over, Duration::from_secs(5)).await;
    assert!(got.starts_with("HTTP/1.1 503"), "{got}");
    assert!(got.contains("retry-after: 1"), "{got}");
    let body: Value = serde_json::from_str(got.split("\r\n\r\n").nth(1).unwrap()).unwrap();
    assert_eq!(
        (body["id"].clone(), body["error"]["code"].clone()),
        (Value::Null, json!(-32000))
    );
    // Once the held connections go, the server serves again.
    drop(held);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (status, _) = post(
        &url,
        json!({"jsonrpc": "2.0", "id": 1, "method": "ping"}).to_string(),
        &[],
    )
    .await;
    assert_eq!(status, 200);
}

/// Start `fastintercom serve` on a free port; returns the child and the base URL once it answers.
pub(crate) async fn spawn_server(db: &Path, dir: &Path, extra: &[&str]) -> (tokio::process::Child, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = tokio::process::Command::new(bin())
        .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--db"])
        .arg(db)
        .args(extra)
        .env("FASTINTERCOM_CONFIG", dir.join("none.toml"))
        .env_remove("LISTEN_FDS")
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    for _ in 0..400 {
        if client().get(format!("{base}/healthz")).send().await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    (child, base)
}

#[tokio::test]
async fn sigterm_exits_within_the_stated_time_despite_stuck_clients() {
    let dir = tempfile::tempdir().unwrap();
    let db = fixture(dir.path());
    let (mut child, base) = spawn_server(&db, dir.path(), &[]).await;
    let addr = base.trim_start_matches("http://").to_string();
    // Sockets that never finish a request: silent, half-open (headers, no body), mid-headers.
    let mut stuck = Vec::new();
    for head in [
        "",
        "POST /mcp HTTP/1.1\r\ncontent-type: application/json\r\naccept: */*\r\ncontent-length: 50\r\n\r\n{",
        "POST /mcp HTTP/1.1\r\ncontent-",
    ] {
        let mut s = tokio::net::TcpStream::connect(&addr).await.unwrap();
        s.write_all(
            head.to_string()
                .replace("\r\ncontent-type", &format!("\r\nhost: {addr}\r\ncontent-type"))
                .as_bytes(),
        )
        .await
        .unwrap();
        stuck.push(s);
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let pid = child.id().unwrap().to_string();
    let t = Instant::now();
    assert!(
        std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .expect("exits within 10 s")
        .unwrap();
    assert!(status.success(), "{status}");
    // Stated bound: 3 s grace + 1 s to close, plus slack for a busy machine.
    assert!(t.elapsed() < Duration::from_secs(6), "took {:?}", t.elapsed());
    drop(stuck);
}
