//! One projection, two paths: generated workspaces (several simulator seeds) synced into SQLite, then
//! every question with a REST twin (search, conversation, contact, stats) asked of the cache (the database
//! file through `serve`'s tools in-process) and of REST (the client library against the same simulator),
//! and the two answers compared whole, as JSON, field by field.
//!
//! Fields documented to differ, and why (everything else must be equal):
//! - the [`Answer`] envelope (`source`, `data_as_of`, `age_seconds`, `reason`, `stale`): it says which path
//!   answered; only `data` is compared;
//! - a search's `next_cursor`: it belongs to the source that answered (an offset for the cache, Intercom's
//!   cursor for REST); only whether it is present is compared;
//! - a search's `total` and `total_is_lower_bound`: the cache counts its matches, REST does not count
//!   (`None`);
//! - a contact's `recent_conversations`: the cache holds only conversations updated inside its coverage,
//!   REST lists older ones too; REST's list restricted to the coverage must be the start of the cache's.

use fastintercom::answer::NotFound;
use fastintercom::client::{
    Answer, CacheSource, CallOptions, Client, ClientConfig, ConversationFilters, DateField, GroupBy,
    SearchRequest, Source, StatsRequest,
};
use fastintercom::config::Token;
use fastintercom::intercom::ApiConfig;
use fastintercom::model::ConversationSummary;
use fastintercom::simulator::{SimConfig, Simulator};
use fastintercom::sync::{SyncOptions, sync_once};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::time::Duration;

pub(crate) fn api(sim: &Simulator) -> ApiConfig {
    let mut a = ApiConfig::new(sim.base_url(), Token::new(sim.token()));
    a.max_retries = 3;
    a.timeout = Duration::from_secs(5);
    a
}

/// Where two JSON values differ: one line per differing leaf, with its path.
pub(crate) fn diff(path: &str, a: &Value, b: &Value, out: &mut Vec<String>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            for k in keys {
                let null = Value::Null;
                diff(
                    &format!("{path}.{k}"),
                    x.get(k).unwrap_or(&null),
                    y.get(k).unwrap_or(&null),
                    out,
                );
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (p, q)) in x.iter().zip(y).enumerate() {
                diff(&format!("{path}[{i}]"), p, q, out);
            }
        }
        _ if a != b => out.push(format!("{path}: cache {a} != rest {b}")),
        _ => {}
    }
}

/// The answers' data as JSON, with their sources checked.
pub(crate) fn data<T: serde::Serialize>(c: &Answer<T>, r: &Answer<T>) -> (Value, Value) {
    assert_eq!(
        (c.source, r.source),
        (Source::Cache, Source::Rest),
        "{} / {}",
        c.reason,
        r.reason
    );
    (
        serde_json::to_value(&c.data).unwrap(),
        serde_json::to_value(&r.data).unwrap(),
    )
}

pub(crate) fn same(what: &str, cache: &Value, rest: &Value) {
    let mut out = Vec::new();
    diff("", cache, rest, &mut out);
    assert!(
        out.is_empty(),
        "{what}: the cache and REST answers differ in {} place(s):\n{}",
        out.len(),
        out.iter().take(20).cloned().collect::<Vec<_>>().join("\n")
    );
}

/// Contact answers with their recent conversations made comparable: REST's restricted to those updated
/// since `since` (the cache's coverage), the cache's cut to as many (it may list more of the covered ones:
/// REST's first ten include older ones).
fn comparable_contact(mut cache: Value, mut rest: Value, since: i64) -> (Value, Value) {
    let r = rest["recent_conversations"].as_array_mut().unwrap();
    r.retain(|c| c["updated_at"].as_i64().unwrap() >= since);
    let n = r.len();
    let c = cache["recent_conversations"].as_array_mut().unwrap();
    assert!(
        c.len() >= n,
        "the cache lists fewer recent conversations: {} < {n}",
        c.len()
    );
    c.truncate(n);
    (cache, rest)
}

/// A search's data minus the fields documented to differ.
fn comparable_search(mut v: Value) -> Value {
    let o = v.as_object_mut().unwrap();
    let more = o.remove("next_cursor").is_some_and(|c| !c.is_null());
    o.remove("total");
    o.remove("total_is_lower_bound");
    o.insert("more".into(), Value::Bool(more));
    v
}

async fn one_workspace(seed: u64) {
    let sim = Simulator::start(
        SimConfig {
            conversations: 150,
            seed,
            parts_per_conversation: 6,
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
    not_found_is_structured(&cache).await;
    // The cache answers windows inside its coverage: ask for all of it.
    let since: i64 = rusqlite::Connection::open(&db)
        .unwrap()
        .query_row(
            "SELECT coverage_start FROM sync_metadata WHERE resource = 'overall'",
            [],
            |r| r.get(0),
        )
        .unwrap();

    // Searches: every conversation, then each filter the REST path can express (each state, an admin, a
    // team, no team, a tag by name, a contact's email), its values taken from the first answer.
    let all = SearchRequest {
        since: Some(since),
        limit: Some(100),
        ..Default::default()
    };
    let first = cache.search_conversations(&all, &opts).await.unwrap().data;
    let pick = |f: fn(&ConversationSummary) -> Option<String>| {
        first
            .conversations
            .iter()
            .find_map(f)
            .expect("a value to filter on")
    };
    let mut filters: Vec<ConversationFilters> = ["open", "closed", "snoozed"]
        .into_iter()
        .map(ConversationFilters::state)
        .collect();
    filters.extend([
        ConversationFilters {
            admin_id: Some(pick(|c| c.admin_assignee.as_ref().map(|p| p.id.clone()))),
            ..Default::default()
        },
        ConversationFilters {
            team_id: Some(pick(|c| c.team_assignee.as_ref().map(|p| p.id.clone()))),
            state: Some("open".into()),
            ..Default::default()
        },
        ConversationFilters {
            team_id: Some("none".into()),
            ..Default::default()
        },
        ConversationFilters {
            tag: Some(pick(|c| c.tags.first().map(|t| t.to_uppercase()))),
            ..Default::default()
        },
        ConversationFilters {
            contact_email: Some(pick(|c| c.contact.as_ref().and_then(|p| p.email.clone()))),
            ..Default::default()
        },
    ]);
    let mut searches = vec![all.clone()];
    searches.extend(filters.iter().map(|f| SearchRequest {
        filters: f.clone(),
        ..all.clone()
    }));
    let mut ids = Vec::new();
    for req in &searches {
        let c = cache.search_conversations(req, &opts).await.unwrap();
        let r = rest.search_conversations(req, &opts).await.unwrap();
        let (cv, rv) = data(&c, &r);
        same(
            &format!("seed {seed}: search {:?}", req.filters),
            &comparable_search(cv),
            &comparable_search(rv),
        );
        if ids.is_empty() {
            assert!(
                c.data.conversations.len() >= 20,
                "seed {seed}: {}",
                c.data.conversations.len()
            );
            ids = c.data.conversations.iter().map(|s| s.id.clone()).collect();
        } else if req.filters.state.is_none() {
            // Each filter found something, and less than everything: it was applied on both paths.
            let n = c.data.conversations.len();
            assert!(
                n > 0 && n < ids.len(),
                "seed {seed}: {:?} matched {n}",
                req.filters
            );
        }
    }

    // Every conversation, whole: summary, opening message, authors, parts, truncation.
    let mut emails = BTreeSet::new();
    for id in &ids {
        let c = cache.get_conversation(id, &opts).await.unwrap();
        let r = rest.get_conversation(id, &opts).await.unwrap();
        let (cv, rv) = data(&c, &r);
        same(&format!("seed {seed}: conversation {id}"), &cv, &rv);
        if let Some(e) = c.data.and_then(|d| d.summary.contact).and_then(|p| p.email) {
            emails.insert(e);
        }
    }

    // Contacts, by email and by id, with their recent conversations.
    assert!(!emails.is_empty(), "seed {seed}: no contact emails");
    for email in emails.iter().take(8) {
        let c = cache.get_contact(email, &opts).await.unwrap();
        let r = rest.get_contact(email, &opts).await.unwrap();
        let (cv, rv) = data(&c, &r);
        let (cv, rv) = comparable_contact(cv, rv, since);
        same(&format!("seed {seed}: contact {email}"), &cv, &rv);
        let id = c.data.expect("contact in the cache").id;
        let c = cache.get_contact(&id, &opts).await.unwrap();
        let r = rest.get_contact(&id, &opts).await.unwrap();
        let (cv, rv) = data(&c, &r);
        let (cv, rv) = comparable_contact(cv, rv, since);
        same(&format!("seed {seed}: contact {id}"), &cv, &rv);
    }

    rest_refuses_what_it_cannot_express(&cache, &rest, since).await;

    // Statistics: every grouping on both date fields, unfiltered, one state, a team with a state, no team.
    for group_by in [
        GroupBy::State,
        GroupBy::Team,
        GroupBy::Admin,
        GroupBy::Tag,
        GroupBy::Day,
        GroupBy::Week,
        GroupBy::Month,
    ] {
        for date_field in [DateField::CreatedAt, DateField::UpdatedAt] {
            for f in [
                ConversationFilters::default(),
                ConversationFilters::state("open"),
                filters[4].clone(),
                filters[5].clone(),
            ] {
                let filtered = !f.is_empty();
                let label = format!("{:?}", f.given());
                let req = StatsRequest {
                    since: Some(since),
                    date_field: Some(date_field),
                    filters: f,
                    ..StatsRequest::new(group_by)
                };
                let c = cache.conversation_stats(&req, &opts).await.unwrap();
                let r = rest.conversation_stats(&req, &opts).await.unwrap();
                assert!(filtered || c.data.total >= 20, "seed {seed}: {}", c.data.total);
                let (cv, rv) = data(&c, &r);
                same(
                    &format!("seed {seed}: stats {group_by:?} {date_field:?} {label}"),
                    &cv,
                    &rv,
                );
            }
        }
    }
}

/// A filter Intercom's search cannot express is refused by the REST path, naming it, while the cache
/// applies it: never dropped (which would answer more than was asked).
async fn rest_refuses_what_it_cannot_express(cache: &Client, rest: &Client, since: i64) {
    let opts = CallOptions::default();
    let cases = [
        (
            ConversationFilters {
                waiting: Some(true),
                ..Default::default()
            },
            "`waiting`",
        ),
        (
            ConversationFilters {
                state: Some("open".into()),
                priority: Some("priority".into()),
                ..Default::default()
            },
            "`priority`",
        ),
        (
            ConversationFilters {
                custom_attribute: Some(("Plan".into(), "pro".into())),
                min_rating: Some(4),
                ..Default::default()
            },
            "`min_rating`, `custom_attribute`",
        ),
    ];
    for (f, names) in cases {
        let req = SearchRequest {
            since: Some(since),
            filters: f.clone(),
            ..Default::default()
        };
        let e = rest
            .search_conversations(&req, &opts)
            .await
            .unwrap_err()
            .to_string();
        assert!(
            e.contains(&format!("Intercom's REST search cannot apply {names} here")),
            "{e}"
        );
        let c = cache.search_conversations(&req, &opts).await.unwrap();
        assert_eq!(c.source, Source::Cache);
        if f.waiting == Some(true) {
            assert!(!c.data.conversations.is_empty());
            assert!(c.data.conversations.iter().all(|s| s.waiting_since.is_some()));
        }
        let req = StatsRequest {
            since: Some(since),
            filters: f,
            ..StatsRequest::new(GroupBy::State)
        };
        let e = rest
            .conversation_stats(&req, &opts)
            .await
            .unwrap_err()
            .to_string();
        assert!(e.contains(&format!("cannot count with {names} here")), "{e}");
    }
    // A tag: the REST search looks its id up, the REST count cannot.
    let req = StatsRequest {
        since: Some(since),
        filters: ConversationFilters {
            tag: Some("anything".into()),
            ..Default::default()
        },
        ..StatsRequest::new(GroupBy::State)
    };
    let e = rest
        .conversation_stats(&req, &opts)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("Intercom's REST API cannot count with `tag` here"),
        "{e}"
    );
}

/// A lookup the cache cannot answer says so in a machine-readable block the client reads (#16): the
/// sentence is for people, the `not_found` block for programs; other tool errors have no such block.
async fn not_found_is_structured(cache: &Client) {
    for (tool, args, kind, id) in [
        (
            "get_conversation",
            json!({"conversation_id": "123456"}),
            "conversation",
            "123456",
        ),
        (
            "get_conversation",
            json!({"conversation_id": "123456", "part_id": "77"}),
            "part",
            "77",
        ),
        (
            "get_contact",
            json!({"email": "nobody@example.com"}),
            "contact",
            "nobody@example.com",
        ),
        ("fetch", json!({"id": "123456"}), "conversation", "123456"),
    ] {
        let Value::Object(args) = args else { unreachable!() };
        let nf = cache.cache_tool(tool, args).await.unwrap().unwrap_err();
        assert_eq!((nf.kind.as_str(), nf.id.as_str()), (kind, id), "{tool}");
        assert!(nf.message.contains("not in the cache"), "{tool}: {}", nf.message);
        assert_eq!(
            NotFound::from_texts([nf.message.as_str(), nf.to_json().to_string().as_str()]),
            Some(nf)
        );
    }
    let Value::Object(args) = json!({}) else {
        unreachable!()
    };
    let e = cache.cache_tool("get_contact", args).await.unwrap_err();
    assert!(e.to_string().contains("give `contact_id` or `email`"), "{e:#}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cache_and_rest_answers_are_identical_field_by_field() {
    for seed in [3, 41, 977] {
        one_workspace(seed).await;
    }
}
