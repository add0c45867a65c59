//! Integration tests: the whole-workspace MCP tools (`search_tickets`, `get_ticket`, `ticket_stats`,
//! `search_companies`, `get_company`, `search_articles`, `get_article`) held to issue #9's contract, tried
//! as a hostile client would, over real HTTP on a database synced from the real simulator (then grown
//! where the simulator's objects are short: a 300-part ticket with 6,000-character bodies, a 60,000-word
//! article, a company with every contact). Every answer: a JSON-RPC result (never an internal error),
//! within the hard cap, its `structuredContent` valid against the tool's declared `outputSchema`; every
//! refusal one line; filters checked against the SQLite rows; freshness from the resource's own row.

use crate::mcp::{rpc, start};
use crate::sync::{db_path, opts, run, sim};
use fastintercom::answer::HARD_CAP;
use rusqlite::Connection;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::Duration;

mod filters;
mod freshness;
mod schema;
use schema::check;

const TOOLS: &[&str] = &[
    "search_tickets",
    "get_ticket",
    "ticket_stats",
    "search_companies",
    "get_company",
    "search_articles",
    "get_article",
];

/// `args` as text short enough for a failure message.
fn short(args: &Value) -> String {
    let s = args.to_string();
    match s.char_indices().nth(200) {
        Some((i, _)) => format!("{}… ({} bytes)", &s[..i], s.len()),
        None => s,
    }
}

/// The MCP server over a synced simulator workspace, with its declared output schemas.
struct Server {
    url: String,
    schemas: BTreeMap<String, Value>,
}

/// What a call came back as: the structured answer, or a tool error's text blocks.
type Outcome = Result<Value, Vec<String>>;

impl Server {
    async fn new(db: &Path) -> Server {
        let url = start(db, None, &[]).await;
        let list = rpc(&url, "tools/list", json!({})).await;
        let mut schemas = BTreeMap::new();
        for t in list["result"]["tools"].as_array().unwrap() {
            let name = t["name"].as_str().unwrap().to_string();
            if TOOLS.contains(&name.as_str()) {
                let s = t.get("outputSchema").cloned();
                assert!(
                    s.as_ref().is_some_and(Value::is_object),
                    "{name} declares no outputSchema"
                );
                let input = &t["inputSchema"];
                assert_eq!(input["additionalProperties"], json!(false), "{name}: {input}");
                schemas.insert(name, s.unwrap());
            }
        }
        assert_eq!(schemas.len(), TOOLS.len(), "{:?}", schemas.keys());
        Server { url, schemas }
    }

    /// Any call: a JSON-RPC result within 10 s (never an error object), no bigger than the hard cap; a
    /// success validates against the tool's outputSchema, a refusal is one non-empty line.
    async fn outcome(&self, tool: &str, args: Value) -> Outcome {
        let a = short(&args);
        let params = json!({"name": tool, "arguments": args});
        let r = tokio::time::timeout(Duration::from_secs(10), rpc(&self.url, "tools/call", params))
            .await
            .unwrap_or_else(|_| panic!("{tool} {a}: no answer in 10 s"));
        assert!(r.get("error").is_none(), "{tool} {a}: JSON-RPC error {r}");
        let res = &r["result"];
        let texts: Vec<String> = res["content"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|c| c["text"].as_str().map(String::from))
            .collect();
        let size: usize = texts.iter().map(String::len).sum();
        assert!(size <= HARD_CAP, "{tool} {a}: {size} bytes of text");
        if res["isError"] == json!(true) {
            let line = &texts[0];
            assert!(
                !line.trim().is_empty() && !line.contains('\n'),
                "{tool} {a}: {line:?}"
            );
            return Err(texts);
        }
        let sc = &res["structuredContent"];
        let len = sc.to_string().len();
        assert!(len <= HARD_CAP, "{tool} {a}: structuredContent of {len} bytes");
        let schema = &self.schemas[tool];
        let mut errs = Vec::new();
        check(schema, schema, sc, "", &mut errs);
        assert!(errs.is_empty(), "{tool} {a}: {errs:#?}");
        assert_eq!(sc["freshness"]["source"], "cache", "{tool} {a}");
        Ok(sc.clone())
    }

    async fn ok(&self, tool: &str, args: Value) -> Value {
        let a = short(&args);
        match self.outcome(tool, args).await {
            Ok(v) => v,
            Err(e) => panic!("{tool} {a}: refused: {e:?}"),
        }
    }

    async fn refused(&self, tool: &str, args: Value) -> Vec<String> {
        let a = short(&args);
        match self.outcome(tool, args).await {
            Ok(v) => panic!("{tool} {a}: answered {v}"),
            Err(e) => e,
        }
    }
}

fn one(conn: &Connection, sql: &str) -> String {
    conn.query_row(sql, [], |r| r.get::<_, String>(0)).unwrap()
}

fn count(conn: &Connection, sql: &str, arg: &str) -> i64 {
    conn.query_row(sql, [arg], |r| r.get(0)).unwrap()
}

/// Grow the synced workspace where the simulator's objects are short: the longest ticket (300 parts of
/// 6,000 characters by 40 authors), the longest article (about 400 KB of text) and the largest company
/// (every contact). Returns (ticket id, article id, company id).
fn grow(db: &Path) -> (String, String, String) {
    let conn = fastintercom::store::open_rw(db).unwrap();
    let ticket = one(&conn, "SELECT id FROM tickets ORDER BY id LIMIT 1");
    for i in 0..300 {
        conn.execute(
            "INSERT INTO ticket_parts (id, ticket_id, part_type, body, created_at, author_type, author_id, \
             author_name, author_email) VALUES (?1, ?2, 'comment', ?3, ?4, 'user', ?5, ?6, ?7)",
            rusqlite::params![
                format!("long{i:03}"),
                ticket,
                format!("<p>{} \"q\" end{i}</p>", "word ".repeat(1200)),
                1_900_000_000 + i,
                format!("c{}", i % 40),
                format!("Author {} {}", i % 40, "N".repeat(200)),
                format!("a{}@example.com", i % 40),
            ],
        )
        .unwrap();
    }
    conn.execute(
        "UPDATE tickets SET parts_count = parts_count + 300, description = ?2 WHERE id = ?1",
        rusqlite::params![ticket, "long description ".repeat(4000)],
    )
    .unwrap();
    let article = one(&conn, "SELECT id FROM articles ORDER BY id LIMIT 1");
    let body: String = (0..6000)
        .map(|i| format!("<p>para{i} \"é\" \u{1} text</p>"))
        .collect();
    conn.execute(
        "UPDATE articles SET body = ?2 WHERE id = ?1",
        rusqlite::params![article, body],
    )
    .unwrap();
    let company = one(&conn, "SELECT id FROM companies ORDER BY id LIMIT 1");
    conn.execute(
        "INSERT OR IGNORE INTO contact_companies (contact_id, company_id) SELECT id, ?1 FROM contacts",
        [&company],
    )
    .unwrap();
    (ticket, article, company)
}

/// The synced, grown workspace and its server.
async fn workspace(dir: &tempfile::TempDir) -> (fastintercom::simulator::Simulator, std::path::PathBuf) {
    let sim = sim(300, |c| c.articles = Some(30)).await;
    let db = db_path(dir);
    run(opts(&db, &sim)).await;
    (sim, db)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_answer_is_declared_and_within_the_hard_cap_and_long_things_read_whole() {
    let dir = tempfile::tempdir().unwrap();
    let (sim, db) = workspace(&dir).await;
    let (ticket, article, company) = grow(&db);
    let s = Server::new(&db).await;
    let big = json!(HARD_CAP);

    // Typical and largest calls of every list tool.
    for (tool, args) in [
        ("search_tickets", json!({})),
        ("search_tickets", json!({"limit": 100, "max_bytes": big})),
        (
            "search_tickets",
            json!({"query": "billing", "limit": 100, "max_bytes": big}),
        ),
        (
            "search_tickets",
            json!({"open": true, "sort": "created_desc", "since": "3650d"}),
        ),
        ("ticket_stats", json!({})),
        (
            "ticket_stats",
            json!({"group_by": "day", "date_field": "updated_at"}),
        ),
        ("ticket_stats", json!({"group_by": "team", "open": true})),
        ("search_companies", json!({})),
        ("search_companies", json!({"limit": 100, "max_bytes": big})),
        ("search_articles", json!({})),
        (
            "search_articles",
            json!({"query": "para1", "limit": 100, "max_bytes": big}),
        ),
        ("search_articles", json!({"limit": 100, "max_bytes": big})),
        ("get_company", json!({"company_id": company})),
    ] {
        s.ok(tool, args).await;
    }

    // The longest ticket, whole by following cursors, both orders, at the default and the largest budget.
    let parts_total = {
        let conn = Connection::open(&db).unwrap();
        count(
            &conn,
            "SELECT count(*) FROM ticket_parts WHERE ticket_id = ?1",
            &ticket,
        )
    };
    for (order, budget) in [
        ("oldest_first", None),
        ("newest_first", Some(HARD_CAP)),
        ("oldest_first", Some(4096)),
    ] {
        let mut args = json!({"id": ticket, "order": order});
        if let Some(b) = budget {
            args["max_bytes"] = json!(b);
        }
        let mut seen = Vec::new();
        let mut pages = 0;
        loop {
            let p = s.ok("get_ticket", args.clone()).await;
            assert_eq!(p["parts_total"], json!(parts_total));
            for part in p["parts"].as_array().unwrap() {
                seen.push(part["id"].as_str().unwrap().to_string());
                if let Some(a) = part["author"].as_str() {
                    assert!(p["authors"].get(a).is_some(), "author {a} not listed");
                }
            }
            pages += 1;
            assert!(pages < 400, "{order}: cursors do not end");
            match p["next_cursor"].as_str() {
                Some(c) => args["cursor"] = json!(c),
                None => break,
            }
        }
        let uniq: BTreeSet<&String> = seen.iter().collect();
        assert_eq!(
            (seen.len(), uniq.len()),
            (parts_total as usize, parts_total as usize),
            "{order}"
        );
        assert!(pages > 1, "{order}: 1.8 MB in one page");
    }
    let whole = s
        .ok("get_ticket", json!({"id": ticket, "part_id": "long007"}))
        .await;
    let body = whole["parts"][0]["body"].as_str().unwrap();
    assert!(body.ends_with("end7") && body.len() > 6000, "{}", body.len());

    // The longest article, whole by following cursors: the pieces add up to its text.
    for budget in [None, Some(4096), Some(HARD_CAP)] {
        let mut args = json!({"article_id": article});
        if let Some(b) = budget {
            args["max_bytes"] = json!(b);
        }
        let mut text = String::new();
        let mut pages = 0;
        let chars = loop {
            let p = s.ok("get_article", args.clone()).await;
            let piece = p["text"].as_str().unwrap();
            text.push_str(piece.strip_suffix("… [truncated]").unwrap_or(piece));
            pages += 1;
            assert!(pages < 2000, "cursors do not end");
            match p["next_cursor"].as_str() {
                Some(c) => args["cursor"] = json!(c),
                None => break p["text_chars"].as_u64().unwrap() as usize,
            }
        };
        for i in [0, 1, 2999, 5999] {
            assert_eq!(
                text.matches(&format!("para{i} ")).count(),
                1,
                "para{i} once ({budget:?})"
            );
        }
        assert_eq!(text.chars().count(), chars, "{budget:?}");
    }
    sim.shutdown().await;
}

/// The structured not-found block of a refusal, if any: (kind, id).
fn not_found(texts: &[String]) -> Option<(String, String)> {
    texts.iter().find_map(|t| {
        let v: Value = serde_json::from_str(t).ok()?;
        let nf = v.get("not_found")?;
        Some((nf["kind"].as_str()?.to_string(), nf["id"].as_str()?.to_string()))
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_arguments_are_refused_in_one_line_or_answered_correctly() {
    let dir = tempfile::tempdir().unwrap();
    let (sim, db) = workspace(&dir).await;
    let s = Server::new(&db).await;
    let conn = Connection::open(&db).unwrap();
    let ticket = one(&conn, "SELECT id FROM tickets ORDER BY id LIMIT 1");
    let article = one(&conn, "SELECT id FROM articles ORDER BY id LIMIT 1");
    let company = one(&conn, "SELECT id FROM companies ORDER BY id LIMIT 1");
    let far = fastintercom::answer::encode_cursor(fastintercom::answer::MAX_CURSOR_OFFSET);
    let beyond = fastintercom::answer::encode_cursor(fastintercom::answer::MAX_CURSOR_OFFSET + 1);

    // Refused, with a reason naming what was wrong.
    let t = |id: &str| json!({"id": id});
    let a = |id: &str| json!({"article_id": id});
    let with = |mut base: Value, k: &str, v: Value| {
        base[k] = v;
        base
    };
    let mut refusals: Vec<(&str, Value, &str)> = Vec::new();
    for (tool, base) in [
        ("search_tickets", json!({})),
        ("get_ticket", t(&ticket)),
        ("ticket_stats", json!({})),
        ("search_companies", json!({})),
        ("get_company", json!({"company_id": company})),
        ("search_articles", json!({})),
        ("get_article", a(&article)),
    ] {
        refusals.push((
            tool,
            with(base.clone(), "status", json!("closed")),
            "unknown argument `status`",
        ));
        refusals.push((
            tool,
            with(base.clone(), "max_staleness", json!("soon")),
            "bad `max_staleness`",
        ));
        refusals.push((
            tool,
            with(base.clone(), "max_staleness", json!("-5")),
            "bad `max_staleness`",
        ));
        if tool != "ticket_stats" && tool != "get_company" {
            refusals.push((tool, with(base.clone(), "max_bytes", json!(0)), "bad `max_bytes`"));
        }
        if tool.starts_with("search") || tool.starts_with("get_t") || tool == "get_article" {
            refusals.push((tool, with(base.clone(), "cursor", json!("zz")), "bad `cursor`"));
            refusals.push((tool, with(base.clone(), "cursor", json!(beyond)), "bad `cursor`"));
            refusals.push((
                tool,
                with(base.clone(), "cursor", json!("o".repeat(100_000))),
                "bad `cursor`",
            ));
        }
        if tool.starts_with("search") {
            refusals.push((tool, with(base.clone(), "limit", json!(0)), "bad `limit`"));
        }
    }
    for (k, v) in [
        ("state", "open"),
        ("category", "bug"),
        ("sort", "random"),
        ("date_field", "closed_at"),
        ("since", "yesterday-ish"),
    ] {
        refusals.push(("search_tickets", json!({k: v}), "bad `"));
        if k != "sort" {
            refusals.push(("ticket_stats", json!({k: v}), "bad `"));
        }
    }
    for tool in ["search_tickets", "ticket_stats"] {
        refusals.push((tool, json!({"since": "7d", "until": "30d"}), "inverted window"));
        refusals.push((
            tool,
            json!({"since": "2026-01-01", "until": "2026-01-01"}),
            "window",
        ));
    }
    refusals.extend([
        ("ticket_stats", json!({"group_by": "hour"}), "bad `group_by`"),
        (
            "get_ticket",
            with(t(&ticket), "order", json!("sideways")),
            "bad `order`",
        ),
        ("get_ticket", json!({"id": "  "}), "`id` is empty"),
        ("get_article", json!({"article_id": ""}), "`article_id` is empty"),
        (
            "get_article",
            with(a(&article), "cursor", json!(far)),
            "bad `cursor`",
        ),
        ("search_articles", json!({"state": "archived"}), "bad `state`"),
        (
            "search_companies",
            json!({"custom_attribute": "=gold"}),
            "name=value",
        ),
        ("get_company", json!({}), "give `company_id` or `name`"),
    ]);
    for (tool, args, want) in refusals {
        let e = s.refused(tool, args.clone()).await;
        assert!(e[0].contains(want), "{tool} {}: {e:?}", short(&args));
    }

    // Ids that do not exist: a structured not-found, like get_conversation's.
    for (tool, args, kind, id) in [
        ("get_ticket", t("999999999"), "ticket", "999999999"),
        ("get_ticket", json!({"id": 999999999}), "ticket", "999999999"),
        (
            "get_ticket",
            with(t(&ticket), "part_id", json!("nope")),
            "part",
            "nope",
        ),
        ("get_company", json!({"company_id": "nope"}), "company", "nope"),
        (
            "get_company",
            json!({"name": "No Such Company"}),
            "company",
            "No Such Company",
        ),
        ("get_article", a("999999999"), "article", "999999999"),
        (
            "get_article",
            json!({"article_id": 999999999}),
            "article",
            "999999999",
        ),
    ] {
        let e = s.refused(tool, args.clone()).await;
        assert_eq!(
            not_found(&e),
            Some((kind.into(), id.into())),
            "{tool} {}: {e:?}",
            short(&args)
        );
    }

    // Numeric ids are the same ids as strings.
    let n: u64 = ticket.parse().unwrap();
    let by_num = s.ok("get_ticket", json!({"id": n})).await;
    assert_eq!(by_num["id"], json!(ticket));
    let n: u64 = article.parse().unwrap();
    assert_eq!(
        s.ok("get_article", json!({"article_id": n})).await["id"],
        json!(article)
    );

    // Limits too large are reduced (with a note); a cursor far past the end is an empty last page.
    for tool in ["search_tickets", "search_companies", "search_articles"] {
        let r = s.ok(tool, json!({"limit": 1_000_000_000_000u64})).await;
        assert!(r["notes"].to_string().contains("100"), "{tool}: {r}");
        let r = s.ok(tool, json!({"cursor": far})).await;
        assert!(r["next_cursor"].is_null(), "{tool}: {r}");
    }
    let r = s
        .ok("search_tickets", json!({"max_bytes": 1_000_000_000u64}))
        .await;
    assert!(r["notes"].to_string().contains("hard cap"), "{r}");

    // Odd text is searched for as text (or answered with a note), never an error or a hang.
    let words = (0..10_000).map(|i| format!("w{i}")).collect::<Vec<_>>().join(" ");
    let long_word = "x".repeat(60_000);
    let queries = [
        words.as_str(),
        long_word.as_str(),
        "\"",
        "\"unbalanced",
        "*",
        "refund*",
        "NEAR(",
        "NEAR(a b, 2)",
        "a OR b AND NOT c",
        "title:refund",
        "-refund",
        "^refund",
        "{a b}:c",
        "\u{0}\u{1}\u{7}\u{1b}[31m",
        "'; DROP TABLE tickets; --",
        "😀 ünïcödé",
    ];
    for q in queries {
        for tool in ["search_tickets", "search_articles"] {
            let r = s.ok(tool, json!({"query": q})).await;
            assert!(r["total"].is_number(), "{tool} {q:?}: {r}");
        }
        if q.chars().count() <= 1000 {
            let r = s.ok("search_companies", json!({"name": q})).await;
            assert!(r["total"].is_number(), "{q:?}: {r}");
        } else {
            let e = s.refused("search_companies", json!({"name": q})).await;
            assert!(e[0].starts_with("bad `name`"), "{e:?}");
        }
    }
    // LIKE wildcards in a company name are literal: `%` and `_` match only names holding them.
    let literal = |c: char| {
        count(
            &conn,
            "SELECT count(*) FROM companies WHERE instr(name, ?1) > 0 OR instr(company_id, ?1) > 0",
            &c.to_string(),
        )
    };
    for c in ['%', '_'] {
        let r = s.ok("search_companies", json!({"name": c.to_string()})).await;
        assert_eq!(r["total"], json!(literal(c)), "name {c:?} matched {}", r["total"]);
    }
    sim.shutdown().await;
}

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

    // A cursor past the last part of a ticket: an empty last page that says where the parts end (as
    // get_conversation answers; get_article refuses instead).
    let far = fastintercom::answer::encode_cursor(100_000);
    let r = s.ok("get_ticket", json!({"id": ticket, "cursor": far})).await;
    assert_eq!(r["parts"], json!([]), "{r}");
    assert_eq!(r["parts_offset"], r["parts_total"], "{r}");
    assert!(r["next_cursor"].is_null(), "{r}");
    sim.shutdown().await;
}
