//! The Intercom REST client against the real simulator over loopback HTTP: pagination, errors, rate
//! limits (reactive and proactive) and every injected fault kind.

use fastintercom::config::Token;
use fastintercom::intercom::{ApiConfig, ApiError, IntercomClient};
use fastintercom::simulator::{Faults, SimConfig, Simulator};
use futures_util::StreamExt;
use serde_json::json;
use std::collections::BTreeSet;
use std::time::Duration;

async fn sim(conversations: usize, tweak: impl FnOnce(&mut SimConfig)) -> Simulator {
    let mut cfg = SimConfig {
        conversations,
        seed: 7,
        ..SimConfig::default()
    };
    tweak(&mut cfg);
    Simulator::start(cfg, "127.0.0.1:0")
        .await
        .expect("simulator starts")
}

fn config(sim: &Simulator) -> ApiConfig {
    let mut cfg = ApiConfig::new(sim.base_url(), Token::new(sim.token()));
    cfg.timeout = Duration::from_secs(10);
    cfg
}

fn client(cfg: ApiConfig) -> IntercomClient {
    IntercomClient::new(cfg).expect("client builds")
}

fn ids(values: &[serde_json::Value]) -> BTreeSet<String> {
    values
        .iter()
        .map(|v| v["id"].as_str().expect("string id").to_string())
        .collect()
}

/// All conversation ids through `GET /conversations`.
async fn walk_conversations(c: &IntercomClient, per_page: u32) -> Result<Vec<String>, ApiError> {
    let mut out = Vec::new();
    let mut pages = std::pin::pin!(c.conversation_pages(per_page));
    while let Some(page) = pages.next().await {
        out.extend(page?.items.into_iter().map(|c| c.id));
    }
    Ok(out)
}

#[tokio::test]
async fn walks_every_conversation_and_contact() {
    let sim = sim(130, |_| {}).await;
    let truth = sim.snapshot();
    let c = client(config(&sim));

    let convs = walk_conversations(&c, 50).await.unwrap();
    assert_eq!(
        convs.len(),
        truth.conversations.len(),
        "no duplicates, nothing missed"
    );
    assert_eq!(
        convs.into_iter().collect::<BTreeSet<_>>(),
        ids(&truth.conversations)
    );

    let mut contacts = Vec::new();
    let mut pages = std::pin::pin!(c.contact_pages(40));
    while let Some(page) = pages.next().await {
        let page = page.unwrap();
        assert!(page.total_count.is_some());
        contacts.extend(page.items.into_iter().map(|c| c.id));
    }
    assert_eq!(contacts.len(), truth.contacts.len());
    assert_eq!(
        contacts.into_iter().collect::<BTreeSet<_>>(),
        ids(&truth.contacts)
    );

    let me = c.me().await.unwrap();
    assert!(!me.id.is_empty());
    assert!(me.app.and_then(|a| a.timezone).is_some());
    assert_eq!(c.admins().await.unwrap().len(), truth.admins.len());
    assert_eq!(c.teams().await.unwrap().len(), truth.teams.len());
    assert_eq!(c.tags().await.unwrap().len(), truth.tags.len());
    assert_eq!(c.stats().retries, 0);
    sim.shutdown().await;
}

#[tokio::test]
async fn search_and_retrieve_match_the_ground_truth() {
    let sim = sim(60, |_| {}).await;
    let truth = sim.snapshot();
    let c = client(config(&sim));

    // Everything updated after the median, oldest first, in small pages: the cursor must go in the body.
    let mut times: Vec<i64> = truth
        .conversations
        .iter()
        .map(|v| v["updated_at"].as_i64().unwrap())
        .collect();
    times.sort();
    let mid = times[times.len() / 2];
    let expected: BTreeSet<String> = truth
        .conversations
        .iter()
        .filter(|v| v["updated_at"].as_i64().unwrap() > mid)
        .map(|v| v["id"].as_str().unwrap().to_string())
        .collect();
    let query = json!({"field": "updated_at", "operator": ">", "value": mid});
    let sort = json!({"field": "updated_at", "order": "ascending"});
    let mut found = Vec::new();
    let mut last = i64::MIN;
    let mut pages = std::pin::pin!(c.conversation_search_pages(query, Some(sort), 7));
    while let Some(page) = pages.next().await {
        for conv in page.unwrap().items {
            let t = conv.updated_at.unwrap();
            assert!(t >= last, "ascending order");
            last = t;
            assert!(conv.parts.is_empty(), "search results carry no parts");
            found.push(conv.id);
        }
    }
    assert_eq!(found.len(), expected.len());
    assert_eq!(found.into_iter().collect::<BTreeSet<_>>(), expected);

    // Retrieve: parts come with the conversation, ids and counts match the simulator's truth.
    let want = &truth.conversations[3];
    let id = want["id"].as_str().unwrap();
    let conv = c.get_conversation(id).await.unwrap().expect("exists");
    assert_eq!(conv.id, id);
    let all_parts = want["conversation_parts"]["conversation_parts"]
        .as_array()
        .unwrap();
    assert_eq!(conv.parts_total_count, Some(all_parts.len() as i64));
    assert_eq!(conv.parts.len(), all_parts.len().min(500));
    assert!(conv.raw.get("conversation_parts").is_none());
    assert_eq!(conv.raw["id"], want["id"]);

    // Contacts: search by email, retrieve by id.
    let contact = &truth.contacts[0];
    let email = contact["email"].as_str().unwrap();
    let page = c
        .search_contacts(
            &json!({"field": "email", "operator": "=", "value": email}),
            None,
            10,
            None,
        )
        .await
        .unwrap();
    assert!(page.items.iter().any(|x| x.id == contact["id"].as_str().unwrap()));
    let got = c
        .get_contact(contact["id"].as_str().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got.email.as_deref(), Some(email));
    sim.shutdown().await;
}

#[tokio::test]
async fn many_conversations_in_parallel() {
    let sim = sim(40, |_| {}).await;
    let truth = sim.snapshot();
    let c = client(config(&sim));
    let want: Vec<String> = ids(&truth.conversations).into_iter().collect();
    let got: Vec<_> = c.get_conversations(want.clone()).collect().await;
    assert_eq!(got.len(), want.len());
    for (id, r) in got {
        assert_eq!(r.unwrap().expect("exists").id, id);
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn deleted_conversations_are_none_and_in_the_feed() {
    let sim = sim(20, |_| {}).await;
    let truth = sim.snapshot();
    let c = client(config(&sim));
    let id = truth.conversations[5]["id"].as_str().unwrap().to_string();
    sim.delete_conversation(&id);
    assert_eq!(c.get_conversation(&id).await.unwrap(), None);
    assert_eq!(c.get_conversation("999999999999").await.unwrap(), None);
    assert_eq!(c.get_contact("0000000000000000deadbeef").await.unwrap(), None);
    let page = c.deleted_conversations(1, 60).await.unwrap();
    assert!(
        page.items.iter().any(|d| d.id == id && d.deleted_at.is_some()),
        "{page:?}"
    );
    assert_eq!(c.stats().retries, 0, "404 is not retried");
    sim.shutdown().await;
}

#[tokio::test]
async fn bad_token_is_a_clear_unauthorized_error_without_the_token() {
    let sim = sim(5, |_| {}).await;
    let secret = "wrong-token-6f1c2d9e";
    let mut cfg = config(&sim);
    cfg.token = Token::new(secret);
    let c = client(cfg);
    let err = c.me().await.unwrap_err();
    assert!(matches!(err, ApiError::Unauthorized(_)), "{err:?}");
    let text = err.to_string();
    assert!(
        text.starts_with("Intercom rejected the access token (401"),
        "{text}"
    );
    assert!(
        !text.contains(secret) && !format!("{err:?}").contains(secret),
        "{text}"
    );
    assert!(!format!("{c:?}").contains(secret));
    assert_eq!(c.stats().retries, 0, "401 is not retried");
    sim.shutdown().await;
}

#[tokio::test]
async fn bad_requests_are_not_retried() {
    let sim = sim(5, |_| {}).await;
    let c = client(config(&sim));
    let sort = json!({"field": "updated_at", "order": "desc"});
    let query = json!({"field": "role", "operator": "=", "value": "user"});
    match c
        .search_contacts(&query, Some(&sort), 10, None)
        .await
        .unwrap_err()
    {
        ApiError::BadRequest { code, .. } => assert_eq!(code, "invalid_sort_order"),
        other => panic!("expected a 400, got {other:?}"),
    }
    let err = c.list_conversations(10, Some("junk-cursor")).await.unwrap_err();
    assert!(matches!(err, ApiError::BadRequest { .. }), "{err:?}");
    assert_eq!(c.stats().retries, 0);
    sim.shutdown().await;
}

#[tokio::test]
async fn unreachable_server_is_a_transport_error() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut cfg = ApiConfig::new(format!("http://127.0.0.1:{port}"), Token::new("tok-unreachable"));
    cfg.max_retries = 2;
    let c = client(cfg);
    let err = c.me().await.unwrap_err();
    assert!(matches!(err, ApiError::Transport(_)), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains(&format!("cannot reach Intercom at http://127.0.0.1:{port}")),
        "{text}"
    );
    assert!(text.contains("refused"), "{text}");
    assert_eq!(c.stats().requests, 3, "first try plus max_retries");
}

/// Fetch every conversation with parts through `client`, asserting all succeed.
async fn fetch_all(c: &IntercomClient, want: &[String]) {
    let got: Vec<_> = c.get_conversations(want.to_vec()).collect().await;
    assert_eq!(got.len(), want.len());
    for (id, r) in got {
        let conv = r.unwrap_or_else(|e| panic!("{id}: {e}")).expect("exists");
        assert_eq!(conv.id, id);
    }
}

#[tokio::test]
async fn server_errors_are_retried() {
    let sim = sim(30, |_| {}).await;
    let want: Vec<String> = ids(&sim.snapshot().conversations).into_iter().collect();
    sim.set_faults(Faults {
        p_5xx: 0.3,
        ..Faults::default()
    });
    let mut cfg = config(&sim);
    cfg.max_retries = 10;
    let c = client(cfg);
    fetch_all(&c, &want).await;
    assert_eq!(walk_conversations(&c, 10).await.unwrap().len(), want.len());
    assert!(c.stats().retries > 0);
    assert!(sim.stats().faults > 0);
    sim.shutdown().await;
}

#[tokio::test]
async fn malformed_bodies_are_retried() {
    let sim = sim(30, |_| {}).await;
    let want: Vec<String> = ids(&sim.snapshot().conversations).into_iter().collect();
    sim.set_faults(Faults {
        p_malformed: 0.2,
        ..Faults::default()
    });
    let mut cfg = config(&sim);
    cfg.max_retries = 10;
    let c = client(cfg);
    fetch_all(&c, &want).await;
    assert_eq!(walk_conversations(&c, 10).await.unwrap().len(), want.len());
    assert!(c.stats().retries > 0);
    sim.shutdown().await;
}

#[tokio::test]
async fn dropped_connections_are_retried() {
    let sim = sim(30, |_| {}).await;
    let want: Vec<String> = ids(&sim.snapshot().conversations).into_iter().collect();
    sim.set_faults(Faults {
        p_drop: 0.2,
        ..Faults::default()
    });
    let mut cfg = config(&sim);
    cfg.max_retries = 10;
    let c = client(cfg);
    fetch_all(&c, &want).await;
    assert!(c.stats().retries > 0);
    sim.shutdown().await;
}

#[tokio::test]
async fn slow_answers_time_out_and_are_retried() {
    let sim = sim(12, |_| {}).await;
    let want: Vec<String> = ids(&sim.snapshot().conversations).into_iter().collect();
    sim.set_faults(Faults {
        p_slow: 0.3,
        slow_ms: 5_000,
        ..Faults::default()
    });
    let mut cfg = config(&sim);
    cfg.timeout = Duration::from_millis(400);
    cfg.max_retries = 10;
    let c = client(cfg);
    fetch_all(&c, &want).await;
    assert!(c.stats().retries > 0);
    sim.shutdown().await;
}

#[tokio::test]
async fn persistent_failure_gives_up_after_the_bound() {
    let sim = sim(3, |_| {}).await;
    sim.set_faults(Faults {
        p_5xx: 1.0,
        ..Faults::default()
    });
    let mut cfg = config(&sim);
    cfg.max_retries = 2;
    let c = client(cfg);
    let err = c.admins().await.unwrap_err();
    assert!(matches!(err, ApiError::Server { .. }), "{err:?}");
    assert!(err.is_retryable());
    assert_eq!(c.stats().requests, 3);
    sim.shutdown().await;
}

#[tokio::test]
async fn rate_limit_storm_is_waited_out() {
    // Pacing off: 8 requests at a time run into the limit, and every 429 is waited out.
    let sim = sim(30, |cfg| cfg.rate_limit = 12).await;
    let want: Vec<String> = ids(&sim.snapshot().conversations).into_iter().take(20).collect();
    let c = client(config(&sim));
    c.set_proactive_throttle(false);
    fetch_all(&c, &want).await;
    let stats = c.stats();
    assert!(stats.rate_limited > 0, "{stats:?}");
    assert_eq!(stats.rate_limited, sim.stats().rate_limited);
    sim.shutdown().await;
}

#[tokio::test]
async fn proactive_throttling_avoids_429s() {
    let sim = sim(30, |cfg| cfg.rate_limit = 12).await;
    let want: Vec<String> = ids(&sim.snapshot().conversations).into_iter().take(20).collect();
    let c = client(config(&sim));
    fetch_all(&c, &want).await;
    let stats = c.stats();
    assert_eq!(stats.rate_limited, 0, "{stats:?}");
    assert_eq!(sim.stats().rate_limited, 0);
    assert!(
        stats.throttle_waits > 0,
        "20 requests at 12 per window must wait once: {stats:?}"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn two_clients_sharing_a_token_both_finish() {
    // The sync daemon and the client library's REST fallback draw on one budget: each paces on its own
    // count, the server's headers and its 429s correct it, and both finish.
    let sim = sim(30, |cfg| cfg.rate_limit = 8).await;
    let all: Vec<String> = ids(&sim.snapshot().conversations).into_iter().collect();
    let (a, b) = (client(config(&sim)), client(config(&sim)));
    tokio::join!(fetch_all(&a, &all[..6]), fetch_all(&b, &all[6..12]));
    let limited = a.stats().rate_limited + b.stats().rate_limited;
    assert_eq!(limited, sim.stats().rate_limited);
    sim.shutdown().await;
}

#[tokio::test]
async fn contact_tags_beyond_the_inline_ten() {
    let sim = sim(60, |_| {}).await;
    let truth = sim.snapshot();
    let c = client(config(&sim));
    let mut checked = 0;
    for want in truth.contacts.iter().take(10) {
        let id = want["id"].as_str().unwrap();
        let contact = c.get_contact(id).await.unwrap().unwrap();
        let all = c.contact_tags(id).await.unwrap().expect("contact exists");
        assert!(contact.tags.len() <= 10);
        assert!(contact.tags.iter().all(|t| all.iter().any(|x| &x.id == t)));
        assert_eq!(contact.tags_has_more, all.len() > contact.tags.len());
        checked += 1;
    }
    assert_eq!(checked, 10);
    assert_eq!(c.contact_tags("0000000000000000deadbeef").await.unwrap(), None);
    sim.shutdown().await;
}
