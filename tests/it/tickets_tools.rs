//! Tickets end to end: generated workspaces (several simulator seeds) synced from the simulator over HTTP,
//! then every ticket question asked of the cache (`serve`'s tools in-process over the database file) and
//! of REST (the client library against the same simulator), the answers compared field by field; and the
//! tools' contract: strict arguments, freshness from the `tickets` row, paging within the budget.
//!
//! Fields documented to differ (everything else must be equal): the envelope (which path answered); a
//! search's `next_cursor` (only whether it is present), `total` (REST does not count) and `matched` (REST
//! has no passages); text searches are not compared (REST matches titles and descriptions, the cache every
//! part too).

use crate::projection::{api, data, same};
use fastintercom::client::{
    CacheSource, CallOptions, Client, ClientConfig, TicketSearchRequest, TicketStatsRequest,
};
use fastintercom::model::{TicketFilters, TicketGroupBy};
use fastintercom::simulator::{SimConfig, Simulator};
use fastintercom::sync::{SyncOptions, sync_once};
use serde_json::{Map, Value, json};
use std::time::Duration;

fn comparable(mut v: Value) -> Value {
    let o = v.as_object_mut().unwrap();
    let more = o.remove("next_cursor").is_some_and(|c| !c.is_null());
    o.remove("total");
    o.remove("total_is_lower_bound");
    o.insert("more".into(), Value::Bool(more));
    for t in o["tickets"].as_array_mut().unwrap() {
        t.as_object_mut().unwrap().remove("matched");
    }
    v
}

fn args(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => unreachable!(),
    }
}

async fn one_workspace(seed: u64) {
    let sim = Simulator::start(
        SimConfig {
            conversations: 150,
            tickets: Some(60),
            seed,
            parts_per_conversation: 4,
            ..Default::default()
        },
        "127.0.0.1:0",
    )
    .await
    .expect("simulator");
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cache.db");
    sync_once(SyncOptions::new(&db, api(&sim))).await.expect("sync");
    let config = |cache| {
        let mut c = ClientConfig::new(cache, Some(api(&sim)));
        c.rest_timeout = Duration::from_secs(10);
        c.cache_timeout = Duration::from_secs(10);
        c
    };
    let cache = Client::new(config(CacheSource::Database(db.clone())));
    let rest = Client::new(config(CacheSource::None));
    let opts = CallOptions::default();

    // Every ticket, then by each filter the REST twin can ask.
    let all = TicketSearchRequest {
        limit: Some(100),
        ..Default::default()
    };
    let c = cache.search_tickets(&all, &opts).await.unwrap();
    let r = rest.search_tickets(&all, &opts).await.unwrap();
    let (cv, rv) = data(&c, &r);
    same(
        &format!("seed {seed}: all tickets"),
        &comparable(cv),
        &comparable(rv),
    );
    let tickets = c.data.tickets;
    assert_eq!(tickets.len(), 60, "seed {seed}");
    let first = &tickets[0];
    let mut searches = Vec::new();
    for state in ["submitted", "in_progress", "waiting_on_customer", "resolved"] {
        searches.push(TicketSearchRequest {
            filters: TicketFilters {
                state: Some(state.into()),
                ..Default::default()
            },
            ..all.clone()
        });
    }
    for category in ["Customer", "Back-office", "Tracker"] {
        searches.push(TicketSearchRequest {
            filters: TicketFilters {
                category: Some(category.into()),
                ..Default::default()
            },
            ..all.clone()
        });
    }
    let team = first.team_assignee.as_ref().map(|t| t.id.clone());
    for filters in [
        TicketFilters {
            open: Some(true),
            ticket_type: first.ticket_type.clone(),
            ..Default::default()
        },
        TicketFilters {
            team_id: team.or(Some("none".into())),
            admin_id: Some("none".into()),
            ..Default::default()
        },
        TicketFilters {
            contact: first.contact.as_ref().and_then(|c| c.email.clone()),
            ..Default::default()
        },
    ] {
        searches.push(TicketSearchRequest {
            filters,
            since: Some(first.updated_at - 86_400 * 30),
            ..all.clone()
        });
    }
    let mut found = 0;
    for req in &searches {
        let c = cache.search_tickets(req, &opts).await.unwrap();
        found += c.data.tickets.len();
        let r = rest.search_tickets(req, &opts).await.unwrap();
        let (cv, rv) = data(&c, &r);
        same(
            &format!("seed {seed}: search {req:?}"),
            &comparable(cv),
            &comparable(rv),
        );
    }
    // Every ticket is in one state and one category.
    assert!(found >= 120, "seed {seed}: {found}");

    // Every ticket whole: summary, description, contacts, links, parts with their authors.
    for t in &tickets {
        let c = cache.get_ticket(&t.id, &opts).await.unwrap();
        let r = rest.get_ticket(&t.id, &opts).await.unwrap();
        let (cv, rv) = data(&c, &r);
        same(&format!("seed {seed}: ticket {}", t.id), &cv, &rv);
        assert!(c.data.is_some());
    }
    // The cache also finds a ticket by its inbox number; Intercom's GET does not.
    let number = first.ticket_id.clone().unwrap();
    let by_number = cache.get_ticket(&number, &opts).await.unwrap();
    assert_eq!(by_number.data.unwrap().summary.id, first.id);
    assert_eq!(rest.get_ticket("999999999", &opts).await.unwrap().data, None);

    // Counts by every grouping, with and without a filter.
    for name in TicketGroupBy::NAMES {
        let group_by = TicketGroupBy::parse(name).unwrap();
        let mut req = TicketStatsRequest::new(group_by);
        let c = cache.ticket_stats(&req, &opts).await.unwrap();
        let r = rest.ticket_stats(&req, &opts).await.unwrap();
        let (cv, rv) = data(&c, &r);
        same(&format!("seed {seed}: stats by {name}"), &cv, &rv);
        assert_eq!(c.data.total, 60);
        req.filters.open = Some(true);
        let c = cache.ticket_stats(&req, &opts).await.unwrap();
        let r = rest.ticket_stats(&req, &opts).await.unwrap();
        let (cv, rv) = data(&c, &r);
        same(&format!("seed {seed}: open stats by {name}"), &cv, &rv);
    }
    let title = first.title.clone().unwrap();
    let word = title.split_whitespace().max_by_key(|w| w.len()).unwrap();
    tools_contract(&cache, &db, first.id.as_str(), word).await;
}

/// The tools themselves: freshness from the `tickets` row, passages, strict arguments.
async fn tools_contract(cache: &Client, db: &std::path::Path, id: &str, word: &str) {
    let tickets_as_of: i64 = rusqlite::Connection::open(db)
        .unwrap()
        .query_row(
            "SELECT last_success FROM sync_metadata WHERE resource = 'tickets'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let s = cache
        .cache_tool("search_tickets", args(json!({"query": word, "limit": 100})))
        .await
        .unwrap()
        .unwrap();
    assert!(
        s["tickets"].as_array().unwrap().iter().any(|t| t["id"] == id),
        "{word}: {s}"
    );
    assert_eq!(s["freshness"]["data_as_of"], tickets_as_of, "{}", s["freshness"]);
    assert_eq!(s["freshness"]["source"], "cache");
    for t in s["tickets"].as_array().unwrap() {
        let passage = t["matched"]["passage"].as_str().unwrap();
        assert!(passage.contains('«'), "{passage}");
    }
    let page = cache
        .cache_tool("get_ticket", args(json!({"id": id, "max_bytes": 4096})))
        .await
        .unwrap()
        .unwrap();
    assert!(serde_json::to_string(&page).unwrap().len() <= 4096, "{page}");
    assert_eq!(page["id"], id);
    for (tool, a, needle) in [
        (
            "search_tickets",
            json!({"status": "open"}),
            "unknown argument `status`",
        ),
        ("search_tickets", json!({"state": "open"}), "bad `state` \"open\""),
        (
            "search_tickets",
            json!({"since": "7d", "until": "30d"}),
            "inverted window",
        ),
        ("ticket_stats", json!({"group_by": "weekday"}), "bad `group_by`"),
        ("get_ticket", json!({"id": id, "order": "random"}), "bad `order`"),
    ] {
        let e = cache.cache_tool(tool, args(a.clone())).await.unwrap_err();
        assert!(e.to_string().contains(needle), "{tool} {a}: {e:#}");
    }
    let nf = cache
        .cache_tool("get_ticket", args(json!({"id": "nope"})))
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!((nf.kind.as_str(), nf.id.as_str()), ("ticket", "nope"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ticket_answers_from_cache_and_rest_are_identical_field_by_field() {
    for seed in [3, 41, 977] {
        one_workspace(seed).await;
    }
}
