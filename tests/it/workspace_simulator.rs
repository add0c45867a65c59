//! Integration tests: the simulator's tickets, articles and companies endpoints over real HTTP (the
//! fidelity points of the API notes §3.8-3.10 and §4 that the sync tests do not reach).

use fastintercom::simulator::{SimConfig, Simulator};
use serde_json::{Value, json};
use std::collections::HashSet;
use std::time::Duration;

async fn start(f: impl FnOnce(&mut SimConfig)) -> Simulator {
    let mut cfg = SimConfig {
        conversations: 300,
        seed: 11,
        scroll_expiry_ms: 800,
        ..SimConfig::default()
    };
    f(&mut cfg);
    Simulator::start(cfg, "127.0.0.1:0")
        .await
        .expect("simulator starts")
}

async fn call(sim: &Simulator, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let url = format!("{}{path}", sim.base_url());
    let mut req = match method {
        "POST" => client.post(url),
        _ => client.get(url),
    }
    .bearer_auth(sim.token())
    .header("Accept", "application/json");
    if let Some(b) = body {
        req = req.json(&b);
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn code(v: &Value) -> &str {
    v["errors"][0]["code"].as_str().unwrap_or("")
}

/// Walk a ticket search with `per_page`, returning every ticket and the reported total.
async fn search_all(sim: &Simulator, query: Value, per_page: u32) -> (Vec<Value>, i64) {
    let mut out = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let mut pagination = json!({"per_page": per_page});
        if let Some(a) = &after {
            pagination["starting_after"] = json!(a);
        }
        let body = json!({"query": query, "pagination": pagination,
                          "sort": {"field": "updated_at", "order": "ascending"}});
        let (s, v) = call(sim, "POST", "/tickets/search", Some(body)).await;
        assert_eq!(s, 200, "{v}");
        assert_eq!(v["type"], "ticket.list");
        let total = v["total_count"].as_i64().unwrap();
        out.extend(v["tickets"].as_array().unwrap().iter().cloned());
        match v["pages"]["next"]["starting_after"].as_str() {
            Some(a) => after = Some(a.to_string()),
            None => return (out, total),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ticket_search_dsl_retrieve_by_api_id_and_links() {
    let sim = start(|_| {}).await;
    let snap = sim.snapshot();
    assert_eq!(
        snap.tickets.len(),
        30,
        "tickets are 10% of conversations by default"
    );

    // Nested groups, the category terms and the state category; keyset pages without duplicates.
    let q = json!({"operator": "AND", "value": [
        {"field": "open", "operator": "=", "value": true},
        {"operator": "OR", "value": [
            {"field": "category", "operator": "=", "value": "request"},
            {"field": "category", "operator": "=", "value": "tracker"}]}]});
    let (found, total) = search_all(&sim, q, 4).await;
    let want: HashSet<String> = snap
        .tickets
        .iter()
        .filter(|t| t["open"] == true && ["Customer", "Tracker"].contains(&t["category"].as_str().unwrap()))
        .map(|t| t["id"].as_str().unwrap().to_string())
        .collect();
    let got: Vec<String> = found
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(got.len(), want.len(), "no duplicates across pages");
    assert_eq!(got.iter().cloned().collect::<HashSet<_>>(), want);
    assert_eq!(total, want.len() as i64);
    assert!(
        found
            .iter()
            .all(|t| t["ticket_parts"]["type"] == "ticket_part.list"),
        "items carry parts"
    );

    // Exact seconds: `<=` includes the ticket, `<` leaves it out.
    let t0 = &snap.tickets[5];
    let at = t0["created_at"].as_i64().unwrap();
    let le = json!({"field": "created_at", "operator": "<=", "value": at});
    let lt = json!({"field": "created_at", "operator": "<", "value": at});
    let has = |v: &[Value]| v.iter().any(|t| t["id"] == t0["id"]);
    assert!(has(&search_all(&sim, le, 150).await.0));
    assert!(!has(&search_all(&sim, lt, 150).await.0));
    let state = t0["ticket_state"]["category"].as_str().unwrap();
    let by_state = search_all(
        &sim,
        json!({"field": "state", "operator": "=", "value": state}),
        150,
    )
    .await
    .0;
    assert!(has(&by_state) && by_state.iter().all(|t| t["ticket_state"]["category"] == state));

    // Bad queries are 400s with Intercom's codes.
    let (s, v) = call(
        &sim,
        "POST",
        "/tickets/search",
        Some(json!({"query": {"field": "nope", "operator": "=", "value": 1}})),
    )
    .await;
    assert_eq!((s, code(&v)), (400, "parameter_invalid"));
    let (s, v) = call(
        &sim,
        "POST",
        "/tickets/search",
        Some(json!({"query": {"field": "created_at", "operator": ">", "value": "foobar"}})),
    )
    .await;
    assert_eq!((s, code(&v)), (400, "type_mismatch"));

    // Retrieve takes the API id; the inbox number is not one.
    let (s, v) = call(
        &sim,
        "GET",
        &format!("/tickets/{}", t0["id"].as_str().unwrap()),
        None,
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(v["ticket_parts"], t0["ticket_parts"]);
    let (s, v) = call(
        &sim,
        "GET",
        &format!("/tickets/{}", t0["ticket_id"].as_str().unwrap()),
        None,
    )
    .await;
    assert_eq!((s, code(&v)), (404, "ticket_not_found"));

    // Links point at conversations that exist.
    let convs: HashSet<String> = sim.conversation_ids().into_iter().collect();
    let links: Vec<&Value> = snap
        .tickets
        .iter()
        .flat_map(|t| t["linked_objects"]["data"].as_array().unwrap())
        .collect();
    assert!(!links.is_empty());
    assert!(
        links
            .iter()
            .all(|l| l["type"] == "conversation" && convs.contains(l["id"].as_str().unwrap()))
    );
    let (s, v) = call(&sim, "GET", "/ticket_states", None).await;
    assert_eq!(s, 200);
    let cats: HashSet<&str> = v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["category"].as_str().unwrap())
        .collect();
    assert_eq!(cats.len(), 4, "every state category: {cats:?}");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn articles_are_paged_newest_first_in_both_states() {
    let sim = start(|c| c.articles = Some(60)).await;
    let (s, p1) = call(&sim, "GET", "/articles?per_page=25", None).await;
    assert_eq!(s, 200);
    assert_eq!(
        (p1["total_count"].as_i64(), p1["pages"]["total_pages"].as_i64()),
        (Some(60), Some(3))
    );
    let mut all: Vec<Value> = p1["data"].as_array().unwrap().clone();
    for page in 2..=3 {
        let (_, v) = call(&sim, "GET", &format!("/articles?per_page=25&page={page}"), None).await;
        all.extend(v["data"].as_array().unwrap().iter().cloned());
    }
    assert_eq!(all.len(), 60);
    let times: Vec<i64> = all.iter().map(|a| a["updated_at"].as_i64().unwrap()).collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "newest first");
    let states: HashSet<&str> = all.iter().map(|a| a["state"].as_str().unwrap()).collect();
    assert_eq!(states, HashSet::from(["published", "draft"]));
    assert!(
        all.iter()
            .any(|a| a["translated_content"]["fr"]["title"].is_string()),
        "some are translated"
    );
    let (s, _) = call(&sim, "GET", "/articles?page=x", None).await;
    assert_eq!(s, 400);
    let id = all[0]["id"].as_str().unwrap().to_string();
    assert!(sim.delete_article(&id));
    let (s, _) = call(&sim, "GET", &format!("/articles/{id}"), None).await;
    assert_eq!(s, 404);
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_company_scroll_and_list_follow_intercoms_rules() {
    let sim = start(|c| c.companies = Some(120)).await;
    // One open scroll per workspace.
    let (s, first) = call(&sim, "GET", "/companies/scroll", None).await;
    assert_eq!(s, 200);
    assert_eq!(first["data"].as_array().unwrap().len(), 50);
    let param = first["scroll_param"].as_str().unwrap().to_string();
    let (s, v) = call(&sim, "GET", "/companies/scroll", None).await;
    assert_eq!(s, 400);
    assert!(
        v["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("scroll already exists")
    );
    // Walk it to the empty end; then a new one may open.
    let mut seen: HashSet<String> = first["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().into())
        .collect();
    loop {
        let (s, v) = call(
            &sim,
            "GET",
            &format!("/companies/scroll?scroll_param={param}"),
            None,
        )
        .await;
        assert_eq!(s, 200);
        let data = v["data"].as_array().unwrap();
        if data.is_empty() {
            break;
        }
        seen.extend(data.iter().map(|c| c["id"].as_str().unwrap().to_string()));
    }
    assert_eq!(
        seen.len(),
        120,
        "the scroll lists every company, with or without users"
    );
    // An unused scroll expires; its param is dead afterwards and a new scroll may start.
    let (_, v) = call(&sim, "GET", "/companies/scroll", None).await;
    let stale = v["scroll_param"].as_str().unwrap().to_string();
    tokio::time::sleep(Duration::from_millis(900)).await;
    let (s, _) = call(
        &sim,
        "GET",
        &format!("/companies/scroll?scroll_param={stale}"),
        None,
    )
    .await;
    assert_eq!(s, 400);
    let (s, _) = call(&sim, "GET", "/companies/scroll", None).await;
    assert_eq!(s, 200);
    // A network error mid-scroll: 500 asking for a restart, and the scroll is gone.
    let (_, v) = call(&sim, "GET", "/companies/scroll", None).await;
    assert_eq!(code(&v), "bad_request", "still open");
    tokio::time::sleep(Duration::from_millis(900)).await;
    let (_, v) = call(&sim, "GET", "/companies/scroll", None).await;
    let p = v["scroll_param"].as_str().unwrap().to_string();
    sim.fail_next_scroll();
    let (s, v) = call(&sim, "GET", &format!("/companies/scroll?scroll_param={p}"), None).await;
    assert_eq!(s, 500);
    assert!(
        v["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("restart the scroll")
    );
    let (s, _) = call(&sim, "GET", "/companies/scroll", None).await;
    assert_eq!(s, 200, "a new scroll may start at once");

    // The list leaves out companies without users and stops at 10,000.
    let with_users = sim
        .snapshot()
        .companies
        .iter()
        .filter(|c| c["user_count"].as_i64() > Some(0))
        .count();
    assert!(with_users < 120);
    let (s, v) = call(&sim, "POST", "/companies/list?per_page=60", None).await;
    assert_eq!(s, 200);
    assert_eq!(v["total_count"].as_i64(), Some(with_users as i64));
    let (s, v) = call(&sim, "POST", "/companies/list?per_page=50&page=201", None).await;
    assert_eq!(s, 400);
    assert!(
        v["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("page limit reached")
    );
    sim.shutdown().await;
}
