//! One projection, two paths, for companies and Help Center articles: generated workspaces (several
//! simulator seeds) synced into SQLite, then `get_company`, `search_companies`, `search_articles` and
//! `get_article` asked of the cache (the database file through `serve`'s tools in-process) and of REST
//! (the client library against the same simulator), and the answers compared as JSON, field by field.
//!
//! Fields documented to differ, and why (everything else must be equal):
//! - the envelope (`source`, `data_as_of`, ...): only `data` is compared;
//! - a company's `recent_conversations`: the cache holds only conversations updated inside its coverage;
//!   REST's list restricted to the coverage must be the start of the cache's;
//! - searches: the cache finds part of a name and ranks articles by relevance with a `matched` passage
//!   and a `total`; REST finds exact names and lists articles newest first without either. The companies
//!   and articles both list are compared whole, and REST's must all be in the cache's.

use fastintercom::client::{
    Answer, ArticleSearch, CacheSource, CallOptions, Client, ClientConfig, CompanySearch, Source,
};
use fastintercom::config::Token;
use fastintercom::intercom::ApiConfig;
use fastintercom::simulator::{SimConfig, Simulator};
use fastintercom::sync::{SyncOptions, sync_once};
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::Duration;

fn api(sim: &Simulator) -> ApiConfig {
    let mut a = ApiConfig::new(sim.base_url(), Token::new(sim.token()));
    a.max_retries = 3;
    a.timeout = Duration::from_secs(5);
    a
}

fn data<T: serde::Serialize>(c: &Answer<T>, r: &Answer<T>) -> (Value, Value) {
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

fn same(what: &str, cache: &Value, rest: &Value) {
    let (c, r) = (cache.to_string(), rest.to_string());
    assert!(
        cache == rest,
        "{what}: the cache and REST answers differ:\ncache {c}\nrest  {r}"
    );
}

/// A list's items by id, with the fields documented to differ removed.
fn by_id(list: &Value, key: &str) -> BTreeMap<String, Value> {
    list[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            let mut v = v.clone();
            v.as_object_mut().unwrap().remove("matched");
            (format!("{}/{}", v["id"].as_str().unwrap(), v["locale"]), v)
        })
        .collect()
}

async fn one_workspace(seed: u64) {
    let sim = Simulator::start(
        SimConfig {
            conversations: 150,
            seed,
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
    let since: i64 = rusqlite::Connection::open(&db)
        .unwrap()
        .query_row(
            "SELECT coverage_start FROM sync_metadata WHERE resource = 'overall'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let snap = sim.snapshot();
    assert!(snap.companies.len() >= 10 && snap.articles.len() >= 10);

    // Every company by id, by its company_id and by name: the same detail both ways.
    let (mut recent, mut contacts, mut tickets, mut hits) = (0, 0, 0, 0);
    for (i, co) in snap.companies.iter().enumerate() {
        let id = co["id"].as_str().unwrap();
        let key = match i % 3 {
            0 => id,
            1 => co["company_id"].as_str().unwrap(),
            _ => co["name"].as_str().unwrap(),
        };
        let c = cache.get_company(key, &opts).await.unwrap();
        let r = rest.get_company(key, &opts).await.unwrap();
        let (mut cv, mut rv) = data(&c, &r);
        assert_eq!(cv["company"]["id"], co["id"], "seed {seed}: {key}");
        let rc = rv["recent_conversations"].as_array_mut().unwrap();
        rc.retain(|c| c["updated_at"].as_i64().unwrap() >= since);
        let n = rc.len();
        let cc = cv["recent_conversations"].as_array_mut().unwrap();
        assert!(cc.len() >= n, "seed {seed}: {key}: {} < {n}", cc.len());
        cc.truncate(n);
        recent += n;
        contacts += rv["contacts"].as_array().unwrap().len();
        tickets += rv["recent_tickets"].as_array().unwrap().len();
        same(&format!("seed {seed}: get_company {key}"), &cv, &rv);
    }
    let missing = rest.get_company("no such company", &opts).await.unwrap();
    assert!(missing.data.is_none());

    // Company searches REST can ask: an exact name, a tag, a segment.
    let co = &snap.companies[0];
    let tag = snap
        .companies
        .iter()
        .find_map(|c| c["tags"]["tags"].as_array().unwrap().first().cloned())
        .unwrap();
    let seg = snap
        .companies
        .iter()
        .find_map(|c| c["segments"]["segments"].as_array().unwrap().first().cloned())
        .unwrap();
    for req in [
        CompanySearch {
            name: co["name"].as_str().map(str::to_string),
            limit: 50,
            ..Default::default()
        },
        CompanySearch {
            tag: tag["name"].as_str().map(str::to_string),
            limit: 50,
            ..Default::default()
        },
        CompanySearch {
            segment: seg["id"].as_str().map(str::to_string),
            limit: 50,
            ..Default::default()
        },
    ] {
        let c = cache.search_companies(&req, &opts).await.unwrap();
        let r = rest.search_companies(&req, &opts).await.unwrap();
        let (cv, rv) = data(&c, &r);
        let (cm, rm) = (by_id(&cv, "companies"), by_id(&rv, "companies"));
        assert!(!rm.is_empty(), "seed {seed}: {req:?}");
        for (k, v) in &rm {
            same(&format!("seed {seed}: {req:?} {k}"), &cm[k], v);
        }
        if req.name.is_none() {
            assert_eq!(cm.len(), rm.len(), "seed {seed}: {req:?}");
        }
    }
    let refused = rest
        .search_companies(
            &CompanySearch {
                plan: Some("pro".into()),
                limit: 5,
                ..Default::default()
            },
            &opts,
        )
        .await
        .unwrap_err();
    assert!(refused.to_string().contains("`plan`"), "{refused}");

    // Article searches: the same hits (one locale each), compared field by field.
    for (query, locale) in [
        ("refund", "en"),
        ("invoice", "en"),
        ("facture", "fr"),
        ("slack", "en"),
    ] {
        for state in [None, Some("published"), Some("draft")] {
            let req = ArticleSearch {
                query: Some(query.into()),
                state: state.map(str::to_string),
                locale: Some(locale.into()),
                limit: 100,
            };
            let c = cache.search_articles(&req, &opts).await.unwrap();
            let r = rest.search_articles(&req, &opts).await.unwrap();
            let (cv, rv) = data(&c, &r);
            let (cm, rm) = (by_id(&cv, "articles"), by_id(&rv, "articles"));
            let label = format!("seed {seed}: search_articles {query} {locale} {state:?}");
            assert_eq!(
                cm.keys().collect::<Vec<_>>(),
                rm.keys().collect::<Vec<_>>(),
                "{label}"
            );
            for (k, v) in &rm {
                same(&format!("{label} {k}"), &cm[k], v);
                hits += 1;
            }
        }
    }

    assert!(
        recent > 0 && contacts > 0 && tickets > 0 && hits > 0,
        "seed {seed}: compared {recent} conversations, {contacts} contacts, {tickets} tickets, {hits} hits"
    );

    // Every article, in each of its locales.
    for a in &snap.articles {
        let id = a["id"].as_str().unwrap();
        for locale in [None, Some("fr")] {
            let c = cache.get_article(id, locale, &opts).await.unwrap();
            let r = rest.get_article(id, locale, &opts).await.unwrap();
            if locale.is_some() && !a["translated_content"]["fr"].is_object() {
                // Neither has it: the cache's miss went to REST, which has no such locale either.
                assert!(c.data.is_none() && r.data.is_none(), "seed {seed}: {id}");
                continue;
            }
            let (cv, rv) = data(&c, &r);
            same(&format!("seed {seed}: get_article {id} {locale:?}"), &cv, &rv);
        }
    }
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn company_and_article_answers_are_identical_field_by_field() {
    for seed in [3, 41, 977] {
        one_workspace(seed).await;
    }
}
