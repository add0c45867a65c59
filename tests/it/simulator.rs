//! Integration tests: the Intercom simulator over real HTTP (reqwest against a loopback server).

use std::collections::HashSet;
use std::time::Duration;

use fastintercom::simulator::{Faults, SimConfig, Simulator};
use serde_json::{Value, json};

const NOW: i64 = 1_764_000_000;

fn cfg(n: usize, seed: u64) -> SimConfig {
    SimConfig {
        conversations: n,
        seed,
        now: Some(NOW),
        ..SimConfig::default()
    }
}

async fn start(n: usize, seed: u64) -> Simulator {
    Simulator::start(cfg(n, seed), "127.0.0.1:0")
        .await
        .expect("simulator starts")
}

fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client")
}

struct Resp {
    status: u16,
    headers: reqwest::header::HeaderMap,
    text: String,
}

impl Resp {
    fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }
    fn error_code(&self) -> String {
        let v = self.json();
        assert_eq!(v["type"], "error.list", "{}", self.text);
        assert!(v["request_id"].is_string());
        v["errors"][0]["code"].as_str().expect("code").to_string()
    }
}

async fn call(sim: &Simulator, method: &str, path: &str, body: Option<Value>) -> Resp {
    call_as(sim, method, path, body, Some("sim-token")).await
}

async fn call_as(
    sim: &Simulator,
    method: &str,
    path: &str,
    body: Option<Value>,
    token: Option<&str>,
) -> Resp {
    let url = format!("{}{}", sim.base_url(), path);
    let mut rb = client()
        .request(method.parse().expect("method"), url)
        .header("Accept", "application/json");
    if let Some(t) = token {
        rb = rb.bearer_auth(t);
    }
    if let Some(b) = body {
        rb = rb.json(&b);
    }
    let r = rb.send().await.expect("request");
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    Resp {
        status,
        headers,
        text: r.text().await.expect("body"),
    }
}

async fn get(sim: &Simulator, path: &str) -> Value {
    let r = call(sim, "GET", path, None).await;
    assert_eq!(r.status, 200, "{path}: {}", r.text);
    r.json()
}

async fn search(sim: &Simulator, path: &str, body: Value) -> Resp {
    call(sim, "POST", path, Some(body)).await
}

/// Walk a search to the end, returning every item.
async fn search_all(sim: &Simulator, path: &str, key: &str, mut body: Value, per_page: u64) -> Vec<Value> {
    let mut out = Vec::new();
    body["pagination"] = json!({"per_page": per_page});
    loop {
        let r = search(sim, path, body.clone()).await;
        assert_eq!(r.status, 200, "{}", r.text);
        let v = r.json();
        out.extend(v[key].as_array().expect("items").iter().cloned());
        match v["pages"]["next"]["starting_after"].as_str() {
            Some(c) => body["pagination"]["starting_after"] = json!(c),
            None => {
                assert!(v["pages"].get("next").is_none(), "next omitted on the last page");
                assert_eq!(v["total_count"].as_u64().unwrap() as usize, out.len());
                return out;
            }
        }
    }
}

fn ids(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|v| v["id"].as_str().expect("id").to_string())
        .collect()
}

#[tokio::test]
async fn shapes_and_envelopes() {
    let sim = start(120, 3).await;
    let me = get(&sim, "/me").await;
    assert_eq!(me["type"], "admin");
    assert_eq!(me["app"]["region"], "US");
    assert_eq!(me["app"]["timezone"], "UTC");
    let admins = get(&sim, "/admins").await;
    assert_eq!(admins["type"], "admin.list");
    let a0 = &admins["admins"][0];
    assert!(a0["id"].is_string() && a0["team_ids"][0].is_u64());
    assert_eq!(
        get(&sim, &format!("/admins/{}", a0["id"].as_str().unwrap())).await["id"],
        a0["id"]
    );
    let teams = get(&sim, "/teams").await;
    assert_eq!(teams["type"], "team.list");
    assert!(teams["teams"][0]["admin_ids"][0].is_u64());
    let tags = get(&sim, "/tags").await;
    assert_eq!(tags["type"], "list");
    assert_eq!(tags["data"].as_array().unwrap().len(), 15);

    let list = get(&sim, "/conversations").await;
    assert_eq!(list["type"], "conversation.list");
    assert_eq!(list["total_count"], 120);
    assert_eq!(
        list["pages"]["per_page"], 20,
        "default per_page for conversations"
    );
    let c = &list["conversations"][0];
    assert!(c.get("conversation_parts").is_none(), "list items carry no parts");
    assert!(c["id"].as_str().unwrap().chars().all(|ch| ch.is_ascii_digit()));
    assert!(c["admin_assignee_id"].is_u64() && c["team_assignee_id"].is_u64());

    let snap = sim.snapshot();
    assert!(
        snap.conversations
            .iter()
            .any(|c| c["statistics"].is_null() && c.get("statistics").is_some())
    );
    assert!(snap.conversations.iter().any(|c| c.get("statistics").is_none()));
    assert!(snap.conversations.iter().any(|c| c["admin_assignee_id"] == 0));
    for c in &snap.conversations {
        let n = c["conversation_parts"]["conversation_parts"]
            .as_array()
            .unwrap()
            .len();
        assert_eq!(
            c["conversation_parts"]["total_count"].as_u64().unwrap() as usize,
            n
        );
        if let Some(k) = c
            .get("statistics")
            .and_then(|s| s["count_conversation_parts"].as_u64())
        {
            assert_eq!(k as usize, n + 1, "count_conversation_parts counts the source");
        }
        assert!(c["updated_at"].as_i64() >= c["created_at"].as_i64());
        assert!(c["created_at"].as_i64().unwrap() >= NOW - 366 * 86_400);
    }

    let id = snap.conversations[5]["id"].as_str().unwrap();
    let one = get(&sim, &format!("/conversations/{id}")).await;
    assert_eq!(one["type"], "conversation");
    assert_eq!(one["conversation_parts"]["type"], "conversation_part.list");
    let times: Vec<i64> = one["conversation_parts"]["conversation_parts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["created_at"].as_i64().unwrap())
        .collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "parts are chronological");
    assert_eq!(one, snap.conversations[5]);

    let contacts = get(&sim, "/contacts").await;
    assert_eq!(contacts["type"], "list");
    assert_eq!(contacts["pages"]["per_page"], 50);
    let ct = &contacts["data"][0];
    let cid = ct["id"].as_str().unwrap();
    assert_eq!(cid.len(), 24);
    assert!(cid.chars().all(|ch| ch.is_ascii_hexdigit()));
    let full = get(&sim, &format!("/contacts/{cid}")).await;
    assert_eq!(full["type"], "contact");
    assert_eq!(full["tags"]["type"], "list");
    let ctags = get(&sim, &format!("/contacts/{cid}/tags")).await;
    assert_eq!(ctags["type"], "list");
    // Nested tags are capped at 10 with has_more; the nested endpoint has them all.
    let big = snap
        .contacts
        .iter()
        .find(|c| c["tags"]["has_more"] == true)
        .expect("a contact with >10 tags");
    assert_eq!(big["tags"]["data"].as_array().unwrap().len(), 10);
    let all = get(&sim, &format!("/contacts/{}/tags", big["id"].as_str().unwrap())).await;
    assert_eq!(
        all["data"].as_array().unwrap().len() as u64,
        big["tags"]["total_count"].as_u64().unwrap()
    );
    assert!(all["data"][0]["applied_at"].is_i64());
    sim.shutdown().await;
}

#[tokio::test]
async fn pagination_walks_every_id_exactly_once() {
    let sim = start(150, 4).await;
    let snap = sim.snapshot();
    let truth: HashSet<String> = ids(&snap.conversations).into_iter().collect();

    let mut seen = Vec::new();
    let mut path = "/conversations?per_page=7".to_string();
    loop {
        let v = get(&sim, &path).await;
        seen.extend(ids(v["conversations"].as_array().unwrap()));
        match v["pages"]["next"]["starting_after"].as_str() {
            Some(c) => path = format!("/conversations?per_page=7&starting_after={}", urlencode(c)),
            None => break,
        }
    }
    assert_eq!(seen.len(), truth.len(), "no duplicates");
    assert_eq!(seen.iter().cloned().collect::<HashSet<_>>(), truth);

    let body = json!({"query": {"field": "updated_at", "operator": ">", "value": 0},
                      "sort": {"field": "updated_at", "order": "ascending"}});
    let items = search_all(&sim, "/conversations/search", "conversations", body, 13).await;
    assert_eq!(items.len(), truth.len());
    let ups: Vec<i64> = items.iter().map(|c| c["updated_at"].as_i64().unwrap()).collect();
    assert!(ups.windows(2).all(|w| w[0] <= w[1]), "ascending updated_at");
    assert_eq!(ids(&items).into_iter().collect::<HashSet<_>>(), truth);

    let body = json!({"query": {"field": "created_at", "operator": ">", "value": 0},
                      "sort": {"field": "updated_at", "order": "ascending"}});
    let contacts = search_all(&sim, "/contacts/search", "data", body, 9).await;
    assert_eq!(contacts.len(), snap.contacts.len());
    assert_eq!(
        ids(&contacts).into_iter().collect::<HashSet<_>>(),
        ids(&snap.contacts).into_iter().collect()
    );

    // per_page above 150 is clamped.
    let r = search(
        &sim,
        "/conversations/search",
        json!({"pagination": {"per_page": 1000}}),
    )
    .await;
    assert_eq!(r.json()["pages"]["per_page"], 150);
    sim.shutdown().await;
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn count_where(items: &[Value], f: impl Fn(&Value) -> bool) -> usize {
    items.iter().filter(|v| f(v)).count()
}

#[tokio::test]
async fn search_dsl_matches_ground_truth() {
    let sim = start(300, 5).await;
    let snap = sim.snapshot();
    let convs = &snap.conversations;
    let mut ups: Vec<i64> = convs.iter().map(|c| c["updated_at"].as_i64().unwrap()).collect();
    ups.sort();
    let (lo, hi) = (ups[50], ups[200]);

    let total = |r: Resp| r.json()["total_count"].as_u64().unwrap() as usize;
    let range = json!({"query": {"operator": "AND", "value": [
        {"field": "updated_at", "operator": ">", "value": lo},
        {"field": "updated_at", "operator": "<=", "value": hi.to_string()}]}});
    let want = count_where(convs, |c| {
        let u = c["updated_at"].as_i64().unwrap();
        u > lo && u <= hi
    });
    assert_eq!(total(search(&sim, "/conversations/search", range).await), want);

    let or = json!({"query": {"operator": "OR", "value": [
        {"field": "state", "operator": "=", "value": "snoozed"},
        {"operator": "AND", "value": [
            {"field": "open", "operator": "=", "value": true},
            {"field": "read", "operator": "=", "value": false}]}]}});
    let want = count_where(convs, |c| {
        c["state"] == "snoozed" || (c["open"] == true && c["read"] == false)
    });
    assert_eq!(total(search(&sim, "/conversations/search", or).await), want);

    let inq = json!({"query": {"field": "state", "operator": "IN", "value": ["open", "closed"]}});
    let want = count_where(convs, |c| c["state"] == "open" || c["state"] == "closed");
    assert_eq!(total(search(&sim, "/conversations/search", inq).await), want);

    let email = convs[0]["source"]["author"]["email"].as_str().unwrap();
    let domain = email.split('@').nth(1).unwrap();
    let like = json!({"query": {"field": "source.author.email", "operator": "~", "value": domain}});
    let want = count_where(convs, |c| {
        c["source"]["author"]["email"].as_str().unwrap().contains(domain)
    });
    assert!(want > 0);
    assert_eq!(total(search(&sim, "/conversations/search", like).await), want);

    let word = json!({"query": {"field": "source.body", "operator": "=", "value": "refund"}});
    let want = count_where(convs, |c| {
        let b = c["source"]["body"].as_str().unwrap().to_lowercase();
        b.split(|ch: char| !ch.is_alphanumeric()).any(|w| w == "refund")
    });
    assert!(want > 0, "support text mentions refunds");
    assert_eq!(total(search(&sim, "/conversations/search", word).await), want);

    let tag = snap.tags[0]["id"].as_str().unwrap();
    let tq = json!({"query": {"field": "tag_ids", "operator": "IN", "value": [tag]}});
    let want = count_where(convs, |c| {
        c["tags"]["tags"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["id"] == tag)
    });
    assert_eq!(total(search(&sim, "/conversations/search", tq).await), want);

    let admin = snap.admins[0]["id"].as_str().unwrap().parse::<u64>().unwrap();
    let aq = json!({"query": {"field": "admin_assignee_id", "operator": "=", "value": admin}});
    assert_eq!(
        total(search(&sim, "/conversations/search", aq).await),
        count_where(convs, |c| c["admin_assignee_id"] == admin)
    );

    // Contacts: day-granular dates; `>` starts at the next UTC day.
    let cs = &snap.contacts;
    let t = cs[3]["updated_at"].as_i64().unwrap();
    let next_day = (t / 86_400 + 1) * 86_400;
    let cq = json!({"query": {"field": "updated_at", "operator": ">", "value": t}});
    assert_eq!(
        total(search(&sim, "/contacts/search", cq).await),
        count_where(cs, |c| c["updated_at"].as_i64().unwrap() >= next_day)
    );
    let eq = json!({"query": {"field": "email", "operator": "=", "value": cs[7]["email"]}});
    let r = search(&sim, "/contacts/search", eq).await.json();
    assert_eq!(r["data"][0]["id"], cs[7]["id"]);

    // Errors.
    let code = |r: Resp| (r.status, r.error_code());
    let deep = json!({"query": {"operator": "AND", "value": [{"operator": "OR", "value": [
        {"operator": "AND", "value": [{"field": "id", "operator": "=", "value": "1"}]}]}]}});
    assert_eq!(
        code(search(&sim, "/conversations/search", deep).await),
        (400, "parameter_invalid".into())
    );
    let many: Vec<Value> = (0..16)
        .map(|i| json!({"field": "id", "operator": "=", "value": i.to_string()}))
        .collect();
    let r = search(
        &sim,
        "/conversations/search",
        json!({"query": {"operator": "OR", "value": many}}),
    )
    .await;
    assert_eq!(r.status, 400);
    let mm = json!({"query": {"field": "created_at", "operator": ">", "value": "foobar"}});
    assert_eq!(
        code(search(&sim, "/conversations/search", mm).await),
        (400, "type_mismatch".into())
    );
    let bad_sort = json!({"query": {"field": "updated_at", "operator": ">", "value": 0},
                          "sort": {"field": "updated_at", "order": "desc"}});
    let r = search(&sim, "/contacts/search", bad_sort).await;
    assert_eq!(r.status, 400);
    assert!(r.text.contains("Invalid sort order 'desc'"), "{}", r.text);
    assert_eq!(r.error_code(), "invalid_sort_order");
    let ge = json!({"query": {"field": "updated_at", "operator": ">=", "value": 0}});
    assert_eq!(search(&sim, "/contacts/search", ge).await.status, 400);
    let junk = json!({"pagination": {"starting_after": "not-a-cursor"}});
    let r = search(&sim, "/conversations/search", junk).await;
    assert_eq!((r.status, r.error_code()), (400, "client_error".into()));
    assert!(r.text.contains("Invalid starting_after param"));
    let raw = client()
        .post(format!("{}/conversations/search", sim.base_url()))
        .bearer_auth("sim-token")
        .header("Content-Type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status().as_u16(), 400);
    assert!(raw.text().await.unwrap().contains("parameter_invalid"));
    sim.shutdown().await;
}

#[tokio::test]
async fn auth_accept_version_and_not_found() {
    let sim = start(10, 6).await;
    let r = call_as(&sim, "GET", "/me", None, None).await;
    assert_eq!((r.status, r.error_code()), (401, "unauthorized".into()));
    assert!(r.text.contains("Access Token Invalid"));
    assert!(
        r.headers.get("x-ratelimit-limit").is_none(),
        "no rate headers without credentials"
    );
    let r = call_as(&sim, "GET", "/me", None, Some("wrong")).await;
    assert_eq!(r.status, 401);
    sim.set_token("rotated");
    assert_eq!(call(&sim, "GET", "/me", None).await.status, 401);
    assert_eq!(
        call_as(&sim, "GET", "/me", None, Some("rotated")).await.status,
        200
    );
    sim.set_token("sim-token");

    let h = |k: &str, v: &str| {
        let (k, v) = (k.to_string(), v.to_string());
        let url = format!("{}/me", sim.base_url());
        async move {
            client()
                .get(url)
                .bearer_auth("sim-token")
                .header(k, v)
                .send()
                .await
                .unwrap()
        }
    };
    assert_eq!(h("Accept", "text/html").await.status().as_u16(), 406);
    assert_eq!(h("Intercom-Version", "2.16").await.status().as_u16(), 200);
    assert_eq!(h("Intercom-Version", "Unstable").await.status().as_u16(), 200);
    let r = h("Intercom-Version", "9.9").await;
    assert_eq!(r.status().as_u16(), 400);
    assert!(r.text().await.unwrap().contains("intercom_version_invalid"));

    for path in [
        "/conversations/1",
        "/conversations/abc",
        "/contacts/ffffffffffffffffffffffff",
        "/nope",
    ] {
        let r = call(&sim, "GET", path, None).await;
        assert_eq!((r.status, r.error_code()), (404, "not_found".into()), "{path}");
        assert!(r.text.contains("Resource Not Found"));
    }
    let st = sim.stats();
    assert!(st.requests >= 10);
    assert_eq!(st.by_route.get("GET /conversations/{id}"), Some(&2));
    sim.shutdown().await;
}

#[tokio::test]
async fn rate_limit_429_with_headers_and_no_retry_after() {
    let sim = start(10, 7).await;
    let r = call(&sim, "GET", "/me", None).await;
    assert_eq!(
        r.headers["x-ratelimit-limit"], "10000",
        "unlimited still advertises a limit"
    );
    sim.set_rate_limit(3);
    let mut limited = None;
    for _ in 0..7 {
        let r = call(&sim, "GET", "/tags", None).await;
        assert!(r.headers.contains_key("x-ratelimit-remaining"));
        if r.status == 429 {
            limited = Some(r);
            break;
        }
    }
    let r = limited.expect("a 429 within 7 requests at 3 per window");
    assert_eq!(r.error_code(), "rate_limit_exceeded");
    assert!(r.text.contains("Exceeded rate limit of 3 in 10_seconds"));
    assert_eq!(r.headers["x-ratelimit-limit"], "3");
    assert_eq!(r.headers["x-ratelimit-remaining"], "0");
    let reset: i64 = r.headers["x-ratelimit-reset"].to_str().unwrap().parse().unwrap();
    assert_eq!(reset % 10, 0, "windows are aligned to 10 s");
    assert!(reset > chrono::Utc::now().timestamp() - 1);
    assert!(r.headers.get("retry-after").is_none());
    assert!(sim.stats().rate_limited >= 1);
    sim.shutdown().await;
}

#[tokio::test]
async fn conversation_parts_capped_at_newest_500() {
    let sim = start(100, 8).await;
    let snap = sim.snapshot();
    let big = snap
        .conversations
        .iter()
        .find(|c| c["conversation_parts"]["total_count"].as_u64().unwrap() > 500)
        .expect("at least one conversation with more than 500 parts");
    let all = big["conversation_parts"]["conversation_parts"]
        .as_array()
        .unwrap();
    assert!((520..=700).contains(&all.len()));
    let v = get(&sim, &format!("/conversations/{}", big["id"].as_str().unwrap())).await;
    let got = v["conversation_parts"]["conversation_parts"].as_array().unwrap();
    assert_eq!(got.len(), 500);
    assert_eq!(
        v["conversation_parts"]["total_count"].as_u64().unwrap() as usize,
        all.len()
    );
    assert_eq!(
        got[0]["id"],
        all[all.len() - 500]["id"],
        "the newest 500, oldest of them first"
    );
    assert_eq!(got[499]["id"], all[all.len() - 1]["id"]);
    let plain = get(
        &sim,
        &format!(
            "/conversations/{}?display_as=plaintext",
            big["id"].as_str().unwrap()
        ),
    )
    .await;
    assert!(!plain["source"]["body"].as_str().unwrap().contains('<'));
    assert!(
        plain["conversation_parts"]["conversation_parts"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|p| p["body"].as_str())
            .all(|b| !b.contains("<p>"))
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn same_seed_same_workspace() {
    let (a, b, c) = (start(80, 9).await, start(80, 9).await, start(80, 10).await);
    let (sa, sb, sc) = (a.snapshot(), b.snapshot(), c.snapshot());
    assert_eq!(sa.conversations, sb.conversations);
    assert_eq!(sa.contacts, sb.contacts);
    assert_eq!(sa.admins, sb.admins);
    assert_ne!(sa.conversations, sc.conversations);
    for s in [a, b, c] {
        s.shutdown().await;
    }
}

#[tokio::test]
async fn mutations_bump_updated_at_and_feed_deletions() {
    let sim = start(200, 11).await;
    let before = sim.snapshot();
    let old_max = before
        .conversations
        .iter()
        .map(|c| c["updated_at"].as_i64().unwrap())
        .max()
        .unwrap();
    let rep = sim.mutate(0.05);
    assert!(rep.new_conversations > 0 && rep.new_parts > 0 && rep.changed_conversations > 0);
    assert!(rep.changed_contacts > 0 && rep.new_contacts > 0 && rep.deleted_conversations > 0);

    let body = json!({"query": {"field": "updated_at", "operator": ">", "value": old_max},
                      "sort": {"field": "updated_at", "order": "ascending"}});
    let newer = search_all(&sim, "/conversations/search", "conversations", body, 50).await;
    assert!(
        newer.len() > rep.new_conversations,
        "{} newer, {rep:?}",
        newer.len()
    );
    let after = sim.snapshot();
    let changed = count_where(&after.conversations, |c| {
        c["updated_at"].as_i64().unwrap() > old_max
    });
    assert_eq!(newer.len(), changed);
    assert_eq!(
        after.conversations.len(),
        200 + rep.new_conversations - rep.deleted_conversations
    );

    // A part without a bump: the part appears, updated_at stays.
    let c0 = &after.conversations[0];
    let id = c0["id"].as_str().unwrap();
    sim.add_part_without_bump(id);
    let v = get(&sim, &format!("/conversations/{id}")).await;
    assert_eq!(v["updated_at"], c0["updated_at"]);
    assert_eq!(
        v["conversation_parts"]["total_count"].as_u64().unwrap(),
        c0["conversation_parts"]["total_count"].as_u64().unwrap() + 1
    );

    // Deletions: 404 and the deleted feed, newest first, page-number pagination with URL `next`.
    for c in &after.conversations[1..6] {
        sim.delete_conversation(c["id"].as_str().unwrap());
    }
    let gone = after.conversations[1]["id"].as_str().unwrap();
    assert_eq!(
        call(&sim, "GET", &format!("/conversations/{gone}"), None)
            .await
            .status,
        404
    );
    let mut feed = Vec::new();
    let mut path = "/conversations/deleted?per_page=2".to_string();
    loop {
        let v = get(&sim, &path).await;
        assert_eq!(v["type"], "conversations.list");
        feed.extend(v["conversations"].as_array().unwrap().iter().cloned());
        match v["pages"]["next"].as_str() {
            Some(url) => {
                path = url
                    .strip_prefix(&sim.base_url())
                    .expect("absolute URL")
                    .to_string()
            }
            None => {
                assert!(v["pages"]["next"].is_null());
                break;
            }
        }
    }
    assert_eq!(feed.len(), rep.deleted_conversations + 5);
    let at: Vec<i64> = feed.iter().map(|d| d["deleted_at"].as_i64().unwrap()).collect();
    assert!(at.windows(2).all(|w| w[0] >= w[1]), "newest first");
    assert_eq!(feed[0]["id"], after.conversations[5]["id"]);
    assert_eq!(
        get(&sim, "/conversations/deleted?per_page=500").await["pages"]["per_page"],
        60
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn faults_are_seen_by_a_real_client() {
    let sim = start(10, 12).await;
    let all = |f: Faults| sim.set_faults(f);

    all(Faults {
        p_5xx: 1.0,
        ..Faults::default()
    });
    for _ in 0..3 {
        let r = call(&sim, "GET", "/me", None).await;
        assert!([500, 502, 503].contains(&r.status), "{}", r.status);
        assert_eq!(r.json()["type"], "error.list");
    }

    all(Faults {
        p_malformed: 1.0,
        ..Faults::default()
    });
    let (mut empty, mut truncated) = (0, 0);
    for _ in 0..12 {
        let r = call(&sim, "GET", "/admins", None).await;
        assert_eq!(r.status, 200);
        assert!(serde_json::from_str::<Value>(&r.text).is_err());
        if r.text.is_empty() {
            empty += 1
        } else {
            truncated += 1
        }
    }
    assert!(
        empty > 0 && truncated > 0,
        "both kinds: {empty} empty, {truncated} truncated"
    );

    all(Faults {
        p_drop: 1.0,
        ..Faults::default()
    });
    let e = client()
        .get(format!("{}/me", sim.base_url()))
        .bearer_auth("sim-token")
        .send()
        .await;
    let e = e.expect_err("a dropped connection is an error");
    assert!(!e.is_timeout() && e.status().is_none(), "{e:?}");

    all(Faults {
        p_slow: 1.0,
        slow_ms: 3_000,
        ..Faults::default()
    });
    let quick = reqwest::Client::builder()
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let e = quick
        .get(format!("{}/me", sim.base_url()))
        .bearer_auth("sim-token")
        .send()
        .await;
    assert!(e.expect_err("slow answer times out").is_timeout());

    all(Faults::default());
    assert_eq!(call(&sim, "GET", "/me", None).await.status, 200);
    assert!(sim.stats().faults >= 3 + 12 + 2);
    sim.shutdown().await;
}

#[tokio::test]
async fn cli_prints_address_and_stops_on_sigterm() {
    use tokio::io::AsyncBufReadExt;
    let mut child = tokio::process::Command::new(crate::common::bin())
        .args([
            "simulate",
            "--listen",
            "127.0.0.1:0",
            "--conversations",
            "20",
            "--seed",
            "2",
        ])
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn");
    let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let line = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert!(
        line.starts_with("simulator listening on http://127.0.0.1:"),
        "{line}"
    );
    assert!(line.ends_with("(token: sim-token, 20 conversations)"), "{line}");
    let base = line.split_whitespace().nth(3).unwrap();
    let r = client()
        .get(format!("{base}/conversations"))
        .bearer_auth("sim-token")
        .send()
        .await
        .unwrap();
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["total_count"], 20);
    let pid = child.id().unwrap().to_string();
    assert!(
        std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(status.success(), "{status:?}");

    let out = std::process::Command::new(crate::common::bin())
        .args(["simulate", "--latency-ms", "9-1"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--latency-ms"));
}

#[tokio::test]
async fn merged_contact_answers_410_with_canonical_link() {
    let sim = start(60, 13).await;
    let snap = sim.snapshot();
    let (a, b, c) = (
        snap.contacts[0]["id"].as_str().unwrap(),
        snap.contacts[1]["id"].as_str().unwrap(),
        snap.contacts[2]["id"].as_str().unwrap(),
    );
    assert!(sim.merge_contact(a, b));
    assert!(sim.merge_contact(b, c), "a chain: a -> b -> c");
    assert!(!sim.merge_contact(a, c), "already merged");
    let r = call(&sim, "GET", &format!("/contacts/{a}"), None).await;
    assert_eq!((r.status, r.error_code()), (410, "contact_merged".into()));
    assert_eq!(
        r.headers["link"],
        format!("</contacts/{c}>; rel=\"canonical\"").as_str()
    );
    let list = get(&sim, "/contacts?per_page=150").await;
    let listed = ids(list["data"].as_array().unwrap());
    assert!(
        !listed.iter().any(|x| x == a || x == b),
        "merged contacts are omitted"
    );
    assert_eq!(
        list["total_count"].as_u64().unwrap() as usize,
        snap.contacts.len() - 2
    );
    let q = json!({"query": {"field": "id", "operator": "IN", "value": [a, b, c]}});
    assert_eq!(
        ids(search(&sim, "/contacts/search", q).await.json()["data"]
            .as_array()
            .unwrap()),
        vec![c]
    );
    // Their conversations now belong to the canonical contact.
    let after = sim.snapshot();
    assert!(
        after
            .conversations
            .iter()
            .all(|v| v["contacts"]["contacts"][0]["id"] != a)
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn cli_mutate_every_changes_the_workspace() {
    use tokio::io::AsyncBufReadExt;
    let mut child = tokio::process::Command::new(crate::common::bin())
        .args([
            "simulate",
            "--listen",
            "127.0.0.1:0",
            "--conversations",
            "40",
            "--mutate-every",
            "1",
        ])
        .args([
            "--token",
            "cli-token",
            "--rate-limit",
            "50",
            "--latency-ms",
            "0-2",
        ])
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn");
    let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let line = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let base = line.split_whitespace().nth(3).unwrap().to_string();
    let deleted = || {
        let url = format!("{base}/conversations/deleted");
        async move {
            let r = client().get(url).bearer_auth("cli-token").send().await.unwrap();
            assert_eq!(r.headers()["x-ratelimit-limit"], "50");
            r.json::<Value>().await.unwrap()["total_count"].as_u64().unwrap()
        }
    };
    assert_eq!(deleted().await, 0);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while deleted().await == 0 {
        assert!(tokio::time::Instant::now() < deadline, "no mutation within 10 s");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    child.kill().await.unwrap();
}

#[tokio::test]
async fn new_contacts_reach_search_after_the_delay() {
    let sim = start(30, 14).await;
    let n = sim.snapshot().contacts.len();
    sim.set_contact_search_delay(3600);
    let late = sim.add_contact();
    sim.set_contact_search_delay(0);
    let now = sim.add_contact();
    assert_eq!(get(&sim, &format!("/contacts/{late}")).await["id"], late.as_str());
    let list = get(&sim, "/contacts?per_page=150").await;
    assert_eq!(
        list["total_count"].as_u64().unwrap() as usize,
        n + 2,
        "the list has both at once"
    );
    let all = json!({"query": {"field": "created_at", "operator": ">", "value": 0}});
    let found = search(&sim, "/contacts/search", all).await.json();
    assert_eq!(found["total_count"].as_u64().unwrap() as usize, n + 1);
    let found = ids(found["data"].as_array().unwrap());
    assert!(found.contains(&now) && !found.contains(&late));
    sim.shutdown().await;
}

#[tokio::test]
async fn keyset_cursors_stay_stable_while_rows_change() {
    let sim = start(200, 15).await;
    let before: HashSet<String> = sim.conversation_ids().into_iter().collect();
    let mut body = json!({"query": {"field": "updated_at", "operator": ">", "value": 0},
                          "sort": {"field": "updated_at", "order": "ascending"}, "pagination": {"per_page": 10}});
    let mut seen = HashSet::new();
    loop {
        let v = search(&sim, "/conversations/search", body.clone()).await.json();
        seen.extend(ids(v["conversations"].as_array().unwrap()));
        sim.mutate(0.02);
        match v["pages"]["next"]["starting_after"].as_str() {
            Some(c) => body["pagination"]["starting_after"] = json!(c),
            None => break,
        }
    }
    let now: HashSet<String> = sim.conversation_ids().into_iter().collect();
    let missed: Vec<&String> = before
        .intersection(&now)
        .filter(|id| !seen.contains(*id))
        .collect();
    assert!(
        missed.is_empty(),
        "ascending keyset walk missed surviving rows: {missed:?}"
    );
    sim.shutdown().await;
}

/// The sync's HTML-to-text (`fastintercom::text`) agrees with the simulator's own, independent reading
/// (`display_as=plaintext`) on every body of a workspace, entities such as `&rsquo;` and `&#8217;`
/// included. Bodies with links are skipped: plaintext spells out their URL, the sync keeps the label.
#[tokio::test]
async fn sync_text_matches_the_simulators_independent_plaintext() {
    let sim = start(150, 3).await;
    let snap = sim.snapshot();
    let mut compared = 0;
    let mut with_entities = 0;
    for c in snap.conversations.iter().take(60) {
        let id = c["id"].as_str().unwrap();
        let plain = get(&sim, &format!("/conversations/{id}?display_as=plaintext")).await;
        let mut pairs = vec![(c["source"]["body"].clone(), plain["source"]["body"].clone())];
        let plain_parts: std::collections::HashMap<String, Value> =
            plain["conversation_parts"]["conversation_parts"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| (p["id"].as_str().unwrap().to_string(), p["body"].clone()))
                .collect();
        for p in c["conversation_parts"]["conversation_parts"].as_array().unwrap() {
            if let Some(b) = plain_parts.get(p["id"].as_str().unwrap()) {
                pairs.push((p["body"].clone(), b.clone()));
            }
        }
        for (html, expected) in pairs {
            let (Some(html), Some(expected)) = (html.as_str(), expected.as_str()) else {
                continue;
            };
            if html.contains("<a href") {
                continue;
            }
            with_entities += usize::from(html.contains("&rsquo;") || html.contains("&#8217;"));
            assert_eq!(fastintercom::text::html_to_text(html), expected, "{html}");
            compared += 1;
        }
    }
    assert!(compared > 200, "{compared} bodies compared");
    assert!(with_entities > 0, "the workspace exercises typographic entities");
    sim.shutdown().await;
}
