//! Integration tests: the company and Help Center article tools (`search_companies`, `get_company`,
//! `search_articles`, `get_article`) over real HTTP, on a database synced from the real simulator, their
//! answers checked against the simulator's own objects; hostile arguments refused.

use crate::mcp::{call, call_err, start};
use crate::sync::{db_path, id, opts, run, sim};
use fastintercom::simulator::Snapshot;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

fn by_id(list: &[Value]) -> BTreeMap<String, &Value> {
    list.iter().map(|v| (id(&v["id"]), v)).collect()
}

fn names(list: &Value, key: &str) -> Vec<String> {
    let mut v: Vec<String> = list[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_string())
        .collect();
    v.sort();
    v
}

/// A company answer against the simulator's company object.
fn assert_company(got: &Value, want: &Value) {
    assert_eq!(got["id"], want["id"]);
    assert_eq!(got["name"], want["name"]);
    assert_eq!(got["company_id"], want["company_id"]);
    assert_eq!(got["plan"], want["plan"]["name"]);
    assert_eq!(got["industry"], want["industry"]);
    assert_eq!(got["size"], want["size"]);
    assert_eq!(got["user_count"], want["user_count"]);
    assert_eq!(got["updated_at"], want["updated_at"]);
    assert_eq!(got["custom_attributes"], want["custom_attributes"]);
    assert_eq!(got["monthly_spend"].as_f64(), want["monthly_spend"].as_f64());
    let tags: Vec<String> = serde_json::from_value(got["tags"].clone()).unwrap();
    assert_eq!(tags, names(&want["tags"], "tags"), "{got}");
    let segs: Vec<String> = serde_json::from_value(got["segments"].clone()).unwrap();
    assert_eq!(segs, names(&want["segments"], "segments"), "{got}");
}

fn contacts_of(snap: &Snapshot, company: &str) -> BTreeSet<String> {
    snap.contacts
        .iter()
        .filter(|c| {
            c["companies"]["data"]
                .as_array()
                .unwrap()
                .iter()
                .any(|co| id(&co["id"]) == company)
        })
        .map(|c| id(&c["id"]))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn company_and_article_tools_answer_what_the_workspace_holds() {
    let sim = sim(200, |_| {}).await;
    let dir = tempfile::tempdir().unwrap();
    let db = db_path(&dir);
    run(opts(&db, &sim)).await;
    let snap = sim.snapshot();
    let url = start(&db, None, &[]).await;
    let companies = by_id(&snap.companies);

    // Every company, page by page, each as the simulator has it.
    let mut seen = BTreeSet::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut args = json!({"limit": 100});
        if let Some(c) = &cursor {
            args["cursor"] = json!(c);
        }
        let r = call(&url, "search_companies", args).await;
        assert_eq!(r["total"], json!(snap.companies.len()));
        assert_eq!(r["freshness"]["source"], "cache");
        assert_eq!(r["freshness"]["sync_status"], "ok");
        for c in r["companies"].as_array().unwrap() {
            assert_company(c, companies[&id(&c["id"])]);
            assert!(seen.insert(id(&c["id"])), "listed twice");
        }
        match r["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.into()),
            None => break,
        }
    }
    assert_eq!(seen.len(), companies.len());

    // Filters count what the workspace holds.
    let count = |f: &dyn Fn(&Value) -> bool| snap.companies.iter().filter(|c| f(c)).count();
    let r = call(
        &url,
        "search_companies",
        json!({"plan": "ENTERPRISE", "limit": 1}),
    )
    .await;
    assert_eq!(r["total"], json!(count(&|c| c["plan"]["name"] == "enterprise")));
    let r = call(&url, "search_companies", json!({"custom_attribute": "tier=Gold"})).await;
    assert_eq!(
        r["total"],
        json!(count(&|c| c["custom_attributes"]["tier"] == "gold"))
    );
    let tagged = snap
        .companies
        .iter()
        .find_map(|c| c["tags"]["tags"].as_array().unwrap().first().cloned())
        .expect("a tagged company");
    let has_tag = |c: &Value, t: &Value| {
        c["tags"]["tags"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["id"] == t["id"])
    };
    for key in [tagged["name"].clone(), tagged["id"].clone()] {
        let r = call(&url, "search_companies", json!({"tag": key})).await;
        assert_eq!(r["total"], json!(count(&|c| has_tag(c, &tagged))));
    }
    let seg = snap
        .companies
        .iter()
        .find_map(|c| c["segments"]["segments"].as_array().unwrap().first().cloned())
        .expect("a company in a segment");
    let r = call(&url, "search_companies", json!({"segment": seg["name"]})).await;
    let in_seg = |c: &Value| {
        c["segments"]["segments"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["id"] == seg["id"])
    };
    assert_eq!(r["total"], json!(count(&in_seg)));

    // One company by id, by its own company_id and by name; its contacts are the simulator's links.
    let with_users = snap
        .companies
        .iter()
        .find(|c| c["user_count"].as_i64().unwrap() > 1)
        .unwrap();
    let cid = id(&with_users["id"]);
    for args in [
        json!({"company_id": cid}),
        json!({"company_id": with_users["company_id"]}),
        json!({"name": with_users["name"].as_str().unwrap().to_uppercase()}),
    ] {
        let d = call(&url, "get_company", args.clone()).await;
        assert_company(&d["company"], with_users);
        let want = contacts_of(&snap, &cid);
        assert_eq!(d["contacts_total"], json!(want.len()), "{args}");
        let got: BTreeSet<String> = d["contacts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| id(&c["id"]))
            .collect();
        assert!(got.is_subset(&want) && !got.is_empty(), "{got:?} {want:?}");
        let recent = d["recent_conversations"].as_array().unwrap();
        assert!(recent.len() <= 10);
        let times: Vec<i64> = recent.iter().map(|c| c["updated_at"].as_i64().unwrap()).collect();
        assert!(times.windows(2).all(|w| w[0] >= w[1]), "{times:?}");
    }
    let e = call_err(&url, "get_company", json!({"company_id": "nope"})).await;
    assert!(e.contains("company nope is not in the cache"), "{e}");

    // Articles: listing by state and locale counts what the workspace holds; text search finds the
    // passage; get_article reads the whole text in each locale.
    let drafts = snap.articles.iter().filter(|a| a["state"] == "draft").count();
    let r = call(
        &url,
        "search_articles",
        json!({"state": "draft", "locale": "en", "limit": 1}),
    )
    .await;
    assert_eq!(r["total"], json!(drafts));
    let fr = snap
        .articles
        .iter()
        .filter(|a| a["translated_content"]["fr"].is_object())
        .count();
    let r = call(&url, "search_articles", json!({"locale": "fr"})).await;
    assert_eq!(r["total"], json!(fr));
    let r = call(&url, "search_articles", json!({"query": "refund", "limit": 100})).await;
    let hits = r["articles"].as_array().unwrap();
    assert!(!hits.is_empty());
    for h in hits {
        let m = h["matched"].as_str().unwrap().to_lowercase();
        assert!(m.contains("[refund"), "{h}");
    }
    let a = snap
        .articles
        .iter()
        .find(|a| a["translated_content"]["fr"].is_object())
        .unwrap();
    let got = call(&url, "get_article", json!({"article_id": a["id"]})).await;
    assert_eq!(got["title"], a["title"]);
    assert_eq!(got["state"], a["state"]);
    assert_eq!(got["updated_at"], a["updated_at"]);
    assert_eq!(got["locales"], json!(["en", "fr"]));
    assert_eq!(got["truncated"], json!(false));
    let text = got["text"].as_str().unwrap();
    assert!(text.contains("Still stuck?"), "{text}");
    assert_eq!(got["author"]["id"], a["author_id"].to_string().trim_matches('"'));
    let got = call(
        &url,
        "get_article",
        json!({"article_id": a["id"], "locale": "fr"}),
    )
    .await;
    assert_eq!(got["title"], a["translated_content"]["fr"]["title"]);
    let e = call_err(
        &url,
        "get_article",
        json!({"article_id": a["id"], "locale": "de"}),
    )
    .await;
    assert!(e.contains("no such locale"), "{e}");

    // Hostile arguments.
    for (tool, args, want) in [
        (
            "search_companies",
            json!({"nmae": "acme"}),
            "unknown argument `nmae`",
        ),
        ("search_companies", json!({"limit": 0}), "bad `limit`"),
        (
            "search_companies",
            json!({"custom_attribute": "tier"}),
            "name=value",
        ),
        ("search_articles", json!({"state": "archived"}), "bad `state`"),
        (
            "search_articles",
            json!({"query": "x", "max_bytes": 10}),
            "bad `max_bytes`",
        ),
        (
            "get_article",
            json!({"article_id": "1", "cursor": "zz"}),
            "bad `cursor`",
        ),
        ("get_company", json!({}), "give `company_id` or `name`"),
    ] {
        let e = call_err(&url, tool, args.clone()).await;
        assert!(e.contains(want), "{tool} {args}: {e}");
    }
    sim.shutdown().await;
}
