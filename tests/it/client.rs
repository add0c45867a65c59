//! The client library against real parts: the simulator over HTTP (in-process), a real sync into a
//! SQLite file, and a real `fastintercom serve` process spoken to over Streamable HTTP (or stdio). Every
//! branch of the cache-or-REST decision is driven by changing the real inputs: the `sync_metadata` row
//! in the file, the asked window, the MCP server's life, the simulator's faults and rate limit.

use crate::common::bin;
use fastintercom::client::{
    ArticleSearch, CacheSource, CallOptions, Client, ClientConfig, ClientError, ConversationFilters,
    DateField, GroupBy, Reason, SearchRequest, Source, StatsRequest, TicketSearchRequest,
};
use fastintercom::config::Token;
use fastintercom::intercom::ApiConfig;
use fastintercom::simulator::{Faults, SimConfig, Simulator};
use fastintercom::sync::{SyncOptions, sync_once};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

const DAY: i64 = 86_400;

fn now() -> i64 {
    fastintercom::timespec::now()
}

/// A `fastintercom serve` child process, killed on drop.
struct Server {
    child: tokio::process::Child,
    url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}

async fn serve(db: &Path) -> Server {
    serve_with(db, None).await
}

/// `serve`, requiring this bearer token when given.
async fn serve_with(db: &Path, token: Option<&str>) -> Server {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    let mut cmd = tokio::process::Command::new(bin());
    cmd.args(["serve", "--listen", &addr, "--db"])
        .arg(db)
        .env("FASTINTERCOM_CONFIG", "/nonexistent/fastintercom.toml")
        .env_remove("LISTEN_FDS")
        .env_remove("CREDENTIALS_DIRECTORY")
        .env_remove("FASTINTERCOM_MCP_TOKEN");
    if let Some(t) = token {
        cmd.env("FASTINTERCOM_MCP_TOKEN", t);
    }
    let child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn serve");
    for _ in 0..200 {
        if tokio::net::TcpStream::connect(&addr).await.is_ok() {
            return Server {
                child,
                url: format!("http://{addr}/mcp"),
            };
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("fastintercom serve did not start listening on {addr}");
}

/// Simulator + synced database + MCP server.
struct Env {
    sim: Simulator,
    _dir: tempfile::TempDir,
    db: PathBuf,
    server: Server,
}

fn api(sim: &Simulator) -> ApiConfig {
    let mut a = ApiConfig::new(sim.base_url(), Token::new(sim.token()));
    a.max_retries = 0;
    a.timeout = Duration::from_secs(5);
    a
}

async fn env() -> Env {
    let sim = Simulator::start(
        SimConfig {
            conversations: 150,
            seed: 41,
            parts_per_conversation: 4,
            ..Default::default()
        },
        "127.0.0.1:0",
    )
    .await
    .expect("simulator");
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cache.db");
    let mut sync_api = api(&sim);
    sync_api.max_retries = 3;
    sync_once(SyncOptions::new(&db, sync_api)).await.expect("sync");
    let server = serve(&db).await;
    Env {
        sim,
        _dir: dir,
        db,
        server,
    }
}

impl Env {
    fn config(&self, cache: CacheSource) -> ClientConfig {
        let mut cfg = ClientConfig::new(cache, Some(api(&self.sim)));
        cfg.rest_timeout = Duration::from_secs(3);
        cfg
    }

    fn mcp(&self) -> CacheSource {
        CacheSource::McpHttp {
            url: self.server.url.clone(),
            token: None,
        }
    }

    /// A client over the MCP server with REST to the simulator.
    fn client(&self) -> Client {
        Client::new(self.config(self.mcp()))
    }

    /// A client with no cache: every answer is live REST.
    fn rest_only(&self) -> Client {
        Client::new(self.config(CacheSource::None))
    }

    /// Make the cache look `secs` older by moving its last success back, in the database file.
    fn age_cache(&self, secs: i64) {
        let conn = rusqlite::Connection::open(&self.db).unwrap();
        conn.busy_timeout(Duration::from_secs(5)).unwrap();
        conn.execute(
            "UPDATE sync_metadata SET last_success = last_success - ?1, \
             last_attempt_end = last_attempt_end - ?1, last_attempt_start = last_attempt_start - ?1",
            [secs],
        )
        .unwrap();
    }

    /// Make one resource's `sync_metadata` row `secs` older (the others keep theirs).
    fn age_row(&self, resource: &str, secs: i64) {
        let conn = rusqlite::Connection::open(&self.db).unwrap();
        conn.busy_timeout(Duration::from_secs(5)).unwrap();
        conn.execute(
            "UPDATE sync_metadata SET last_success = last_success - ?1, \
             last_attempt_end = last_attempt_end - ?1, last_attempt_start = last_attempt_start - ?1 \
             WHERE resource = ?2",
            rusqlite::params![secs, resource],
        )
        .unwrap();
    }

    fn coverage_start(&self) -> i64 {
        let conn = rusqlite::Connection::open(&self.db).unwrap();
        conn.query_row(
            "SELECT coverage_start FROM sync_metadata WHERE resource = 'overall'",
            [],
            |r| r.get(0),
        )
        .unwrap()
    }
}

fn window(days: i64) -> SearchRequest {
    SearchRequest {
        since: Some(now() - days * DAY),
        limit: Some(50),
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fresh_cache_answers_without_calling_intercom() {
    let e = env().await;
    let client = e.client();
    e.sim.reset_stats();
    let a = client
        .search_conversations(&window(30), &CallOptions::default())
        .await
        .unwrap();
    assert_eq!(a.source, Source::Cache);
    assert_eq!(a.reason, Reason::FreshWindowInsideCoverage);
    assert!(!a.stale);
    assert!(!a.data.conversations.is_empty());
    let age = a.age_seconds.unwrap();
    assert!((0..120).contains(&age), "age {age}");
    assert_eq!(
        e.sim.stats().requests,
        0,
        "a fresh cache answer must not call Intercom"
    );

    // A lookup by id of a cached conversation: cache, "fresh".
    let id = a.data.conversations[0].id.clone();
    let c = client
        .get_conversation(&id, &CallOptions::default())
        .await
        .unwrap();
    assert_eq!((c.source, &c.reason), (Source::Cache, &Reason::Fresh));
    assert_eq!(c.data.unwrap().summary.id, id);
    assert_eq!(e.sim.stats().requests, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stale_cache_goes_to_rest() {
    let e = env().await;
    e.age_cache(3 * 3600);
    let a = e
        .client()
        .search_conversations(&window(30), &CallOptions::default())
        .await
        .unwrap();
    assert_eq!(a.source, Source::Rest);
    assert!(
        matches!(a.reason, Reason::TooOld { age_seconds, max_staleness_seconds: 3600 } if age_seconds >= 3 * 3600),
        "{:?}",
        a.reason
    );
    assert!(!a.stale);
    assert_eq!(a.age_seconds, Some(0));
    assert!(!a.data.conversations.is_empty());

    // The last sync run failed too: the reason says so, with the sync's error.
    {
        let conn = rusqlite::Connection::open(&e.db).unwrap();
        conn.execute(
            "UPDATE sync_metadata SET status = 'error', last_error = 'Intercom server error (503: boom)' \
             WHERE resource = 'overall'",
            [],
        )
        .unwrap();
    }
    let a = e
        .client()
        .get_conversation(&a.data.conversations[0].id, &CallOptions::default())
        .await
        .unwrap();
    assert_eq!(a.source, Source::Rest);
    assert!(
        matches!(&a.reason, Reason::LastSyncFailed { error: Some(err), .. } if err.contains("boom")),
        "{:?}",
        a.reason
    );
    assert!(
        a.reason.to_string().starts_with(
            "last sync failed (Intercom server error (503: boom)) and the last success is 3 h old"
        ),
        "{}",
        a.reason
    );

    // A per-call bound of 4 h makes the same cache fresh enough.
    let opts = CallOptions {
        max_staleness: Some(Duration::from_secs(4 * 3600)),
        allow_stale: None,
    };
    let a = e.client().search_conversations(&window(30), &opts).await.unwrap();
    assert_eq!(a.source, Source::Cache);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn window_before_coverage_goes_to_rest() {
    let e = env().await;
    let coverage = e.coverage_start();
    let req = SearchRequest {
        since: Some(coverage - DAY),
        limit: Some(20),
        ..Default::default()
    };
    let a = e
        .client()
        .search_conversations(&req, &CallOptions::default())
        .await
        .unwrap();
    assert_eq!(a.source, Source::Rest);
    assert_eq!(
        a.reason,
        Reason::WindowBeforeCoverage {
            window_start: coverage - DAY,
            coverage_start: Some(coverage)
        }
    );
    // Starting at the coverage start exactly is inside.
    let req = SearchRequest {
        since: Some(coverage),
        ..req
    };
    let a = e
        .client()
        .search_conversations(&req, &CallOptions::default())
        .await
        .unwrap();
    assert_eq!(a.source, Source::Cache);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn id_missing_from_the_cache_falls_through_to_rest() {
    let e = env().await;
    // A conversation last updated before the coverage: Intercom has it, the cache does not.
    let old = e
        .rest_only()
        .search_conversations(
            &SearchRequest {
                until: Some(e.coverage_start() - DAY),
                limit: Some(1),
                ..Default::default()
            },
            &CallOptions::default(),
        )
        .await
        .unwrap();
    let id = old.data.conversations[0].id.clone();
    let a = e
        .client()
        .get_conversation(&id, &CallOptions::default())
        .await
        .unwrap();
    assert_eq!((a.source, &a.reason), (Source::Rest, &Reason::NotInCache));
    assert_eq!(a.data.unwrap().summary.id, id);

    // Unknown everywhere: an answer with no data, not an error.
    let a = e
        .client()
        .get_conversation("999999999", &CallOptions::default())
        .await
        .unwrap();
    assert_eq!(a.source, Source::Rest);
    assert!(a.data.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mcp_server_down_goes_to_rest() {
    let mut e = env().await;
    let client = e.client();
    let first = client
        .search_conversations(&window(7), &CallOptions::default())
        .await
        .unwrap();
    assert_eq!(first.source, Source::Cache);
    e.server.child.kill().await.unwrap();
    client.forget_sync_status().await;
    let a = client
        .search_conversations(&window(7), &CallOptions::default())
        .await
        .unwrap();
    assert_eq!(a.source, Source::Rest);
    assert!(
        matches!(&a.reason, Reason::CacheUnreachable { .. }),
        "{:?}",
        a.reason
    );
    assert_eq!(
        a.data.conversations.iter().map(|c| &c.id).collect::<Vec<_>>(),
        first.data.conversations.iter().map(|c| &c.id).collect::<Vec<_>>()
    );

    // The cache is down and Intercom too: one clear error naming both.
    e.sim.set_faults(Faults {
        p_5xx: 1.0,
        ..Default::default()
    });
    let err = client
        .search_conversations(&window(7), &CallOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(err, ClientError::Unavailable { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.starts_with("cache unreachable") && msg.contains("REST failed (Intercom server error"),
        "{msg}"
    );
    e.sim.set_faults(Faults::default());

    // Nothing listening at all (refused), from a fresh client.
    let mut cfg = e.config(CacheSource::McpHttp {
        url: "http://127.0.0.1:9/mcp".into(),
        token: None,
    });
    cfg.cache_timeout = Duration::from_secs(2);
    let a = Client::new(cfg)
        .get_conversation(&first.data.conversations[0].id, &CallOptions::default())
        .await
        .unwrap();
    assert_eq!(a.source, Source::Rest);
    assert!(
        a.reason.to_string().starts_with("cache unreachable"),
        "{}",
        a.reason
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rest_failing_serves_the_stale_cache_unless_forbidden() {
    let e = env().await;
    e.age_cache(3 * 3600);

    // Intercom down (every request a 5xx).
    e.sim.set_faults(Faults {
        p_5xx: 1.0,
        ..Default::default()
    });
    let a = e
        .client()
        .search_conversations(&window(30), &CallOptions::default())
        .await
        .unwrap();
    assert_eq!(a.source, Source::Cache);
    assert!(a.stale);
    assert!(a.age_seconds.unwrap() >= 3 * 3600);
    assert!(!a.data.conversations.is_empty());
    let Reason::RestFailedServedStale { rest_error, first } = &a.reason else {
        panic!("{:?}", a.reason)
    };
    assert!(rest_error.contains("server error"), "{rest_error}");
    assert!(matches!(**first, Reason::TooOld { .. }));

    let strict = CallOptions {
        max_staleness: None,
        allow_stale: Some(false),
    };
    let err = e
        .client()
        .search_conversations(&window(30), &strict)
        .await
        .unwrap_err();
    assert!(matches!(err, ClientError::StaleNotAllowed { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.contains("cache too old") && msg.contains("stale data is not allowed") && !msg.contains('\n'),
        "{msg}"
    );

    // Intercom rate limiting: one request per window, spent, and the rest wait past the client's bound.
    e.sim.set_faults(Faults::default());
    e.sim.set_rate_limit(1);
    let mut cfg = e.config(e.mcp());
    cfg.rest_timeout = Duration::from_secs(2);
    let client = Client::new(cfg);
    let a = client
        .get_conversation(&a.data.conversations[0].id, &CallOptions::default())
        .await
        .unwrap();
    assert_eq!(a.source, Source::Cache);
    assert!(a.stale);
    assert!(a.data.is_some());
    assert!(a.reason.to_string().contains("rate limited"), "{}", a.reason);
    let err = client
        .conversation_stats(&StatsRequest::new(GroupBy::State), &strict)
        .await
        .unwrap_err();
    assert!(matches!(err, ClientError::StaleNotAllowed { .. }), "{err:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_paths_give_the_same_answer() {
    let e = env().await;
    let (cache, rest) = (e.client(), e.rest_only());
    let opts = CallOptions::default();

    let req = window(45);
    let c = cache.search_conversations(&req, &opts).await.unwrap();
    let r = rest.search_conversations(&req, &opts).await.unwrap();
    assert_eq!((c.source, r.source), (Source::Cache, Source::Rest));
    assert!(c.data.conversations.len() > 5, "{}", c.data.conversations.len());
    for (x, y) in c.data.conversations.iter().zip(&r.data.conversations) {
        assert_eq!(x, y);
    }
    assert_eq!(c.data.conversations, r.data.conversations);

    // With a state filter and a word from an opening message (REST only searches opening messages).
    let first = &c.data.conversations[0];
    let word = first
        .snippet
        .split_whitespace()
        .map(|w| w.trim_matches(|ch: char| !ch.is_alphanumeric()).to_lowercase())
        .filter(|w| w.len() >= 4)
        .max_by_key(|w| w.len())
        .expect("a long word in the snippet");
    let req = SearchRequest {
        text: Some(word.clone()),
        filters: ConversationFilters::state(first.state.clone()),
        ..window(45)
    };
    let c = cache.search_conversations(&req, &opts).await.unwrap();
    let r = rest.search_conversations(&req, &opts).await.unwrap();
    assert!(c.data.conversations.iter().any(|x| x.id == first.id));
    assert!(
        r.data.conversations.iter().any(|x| x.id == first.id),
        "REST did not find {word:?}"
    );

    // One conversation with its parts.
    let id = &first.id;
    let c = cache.get_conversation(id, &opts).await.unwrap();
    let r = rest.get_conversation(id, &opts).await.unwrap();
    assert_eq!(c.source, Source::Cache);
    assert_eq!(c.data, r.data);

    // Stats by state over a window.
    let req = StatsRequest {
        since: Some(now() - 60 * DAY),
        ..StatsRequest::new(GroupBy::State)
    };
    let c = cache.conversation_stats(&req, &opts).await.unwrap();
    let r = rest.conversation_stats(&req, &opts).await.unwrap();
    assert_eq!((c.source, r.source), (Source::Cache, Source::Rest));
    assert!(c.data.total > 0);
    assert_eq!(c.data, r.data);
    for (group_by, field) in [
        (GroupBy::Team, DateField::CreatedAt),
        (GroupBy::Day, DateField::UpdatedAt),
    ] {
        let req = StatsRequest {
            group_by,
            date_field: Some(field),
            ..req.clone()
        };
        let c = cache.conversation_stats(&req, &opts).await.unwrap();
        let r = rest.conversation_stats(&req, &opts).await.unwrap();
        assert_eq!(c.source, Source::Cache);
        assert_eq!(c.data, r.data);
    }

    // A contact by email (its own fields; recent conversations may reach before the coverage).
    let email = first
        .contact
        .as_ref()
        .and_then(|p| p.email.clone())
        .expect("contact email");
    let c = cache.get_contact(&email, &opts).await.unwrap();
    let r = rest.get_contact(&email, &opts).await.unwrap();
    assert_eq!(c.source, Source::Cache);
    let (mut c, mut r) = (c.data.unwrap(), r.data.unwrap());
    assert!(c.recent_conversations.iter().any(|x| x.id == *id));
    assert!(r.recent_conversations.iter().any(|x| x.id == *id));
    c.recent_conversations.clear();
    r.recent_conversations.clear();
    assert_eq!(c, r);

    // The same contact by id.
    let by_id = cache.get_contact(&c.id, &opts).await.unwrap();
    let r_id = rest.get_contact(&c.id, &opts).await.unwrap();
    assert_eq!(by_id.source, Source::Cache);
    let (mut x, mut y) = (by_id.data.unwrap(), r_id.data.unwrap());
    x.recent_conversations.clear();
    y.recent_conversations.clear();
    assert_eq!((&x, &y), (&c, &c));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mcp_bearer_token_is_sent() {
    let e = env().await;
    let guarded = serve_with(&e.db, Some("mcp-secret-123")).await;
    let with = |token: Option<&str>| {
        Client::new(e.config(CacheSource::McpHttp {
            url: guarded.url.clone(),
            token: token.map(Token::new),
        }))
    };
    let a = with(Some("mcp-secret-123"))
        .search_conversations(&window(7), &CallOptions::default())
        .await
        .unwrap();
    assert_eq!(a.source, Source::Cache);
    let b = with(Some("wrong"))
        .search_conversations(&window(7), &CallOptions::default())
        .await
        .unwrap();
    assert_eq!(b.source, Source::Rest);
    assert!(
        matches!(b.reason, Reason::CacheUnreachable { .. }),
        "{:?}",
        b.reason
    );
    assert!(!b.reason.to_string().contains("wrong"), "{}", b.reason);
    assert_eq!(
        a.data.conversations.iter().map(|c| &c.id).collect::<Vec<_>>(),
        b.data.conversations.iter().map(|c| &c.id).collect::<Vec<_>>()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stdio_and_database_caches_answer_like_http() {
    let e = env().await;
    let opts = CallOptions::default();
    let http = e.client().search_conversations(&window(30), &opts).await.unwrap();
    let stdio = Client::new(e.config(CacheSource::McpStdio {
        program: bin(),
        args: vec![
            "serve".into(),
            "--stdio".into(),
            "--db".into(),
            e.db.display().to_string(),
        ],
    }));
    let s = stdio.search_conversations(&window(30), &opts).await.unwrap();
    let file = Client::new(e.config(CacheSource::Database(e.db.clone())));
    let f = file.search_conversations(&window(30), &opts).await.unwrap();
    for a in [&s, &f] {
        assert_eq!(a.source, Source::Cache);
        assert_eq!(a.data.conversations, http.data.conversations);
        assert_eq!(a.data_as_of, http.data_as_of);
    }
}

/// Run the CLI; (exit code, stdout, stderr).
async fn cli(args: &[&str], envs: &[(&str, &str)]) -> (i32, String, String) {
    let mut cmd = tokio::process::Command::new(bin());
    cmd.args(args)
        .env("FASTINTERCOM_CONFIG", "/nonexistent/fastintercom.toml")
        .env_remove("CREDENTIALS_DIRECTORY")
        .env_remove("INTERCOM_ACCESS_TOKEN")
        .env_remove("FASTINTERCOM_MCP_URL")
        .env_remove("FASTINTERCOM_DB")
        .env_remove("FASTINTERCOM_MAX_STALENESS_MINUTES");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let out = cmd.output().await.unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_says_which_source_answered() {
    let e = env().await;
    let (token, base) = (e.sim.token(), e.sim.base_url());
    let rest_env = [
        ("INTERCOM_ACCESS_TOKEN", token.as_str()),
        ("FASTINTERCOM_API_BASE", base.as_str()),
    ];

    // --json over MCP: the documented keys.
    let (code, out, err) = cli(
        &[
            "search",
            "",
            "--since",
            "7d",
            "--mcp-url",
            &e.server.url,
            "--json",
        ],
        &rest_env,
    )
    .await;
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["source"], "cache");
    assert_eq!(v["reason"], "fresh and window inside coverage");
    assert_eq!(v["stale"], false);
    assert!(v["data_as_of"].is_i64() && v["age_seconds"].is_i64());
    let id = v["data"]["conversations"][0]["id"].as_str().unwrap().to_string();

    // Human output from the database file: the first line names the source and the age.
    let db = e.db.display().to_string();
    let (code, out, err) = cli(&["conversation", &id, "--db", &db], &rest_env).await;
    assert_eq!(code, 0, "{err}");
    let first = out.lines().next().unwrap();
    assert!(
        first.starts_with("source: cache (data as of ") && first.ends_with(" old; fresh)"),
        "{first}"
    );
    assert!(out.contains(&format!("conversation {id}")), "{out}");

    // A stale cache (--max-staleness 0 after aging) goes to REST.
    e.age_cache(120);
    let (code, out, err) = cli(
        &["conversation", &id, "--db", &db, "--max-staleness", "1"],
        &rest_env,
    )
    .await;
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("source: rest (data as of "), "{out}");
    assert!(out.lines().next().unwrap().contains("cache too old"), "{out}");

    // No token: REST is "unavailable", the stale cache answers, marked so; --no-stale makes it an error.
    let (code, out, err) = cli(
        &[
            "contact",
            "nobody@example.invalid",
            "--db",
            &db,
            "--max-staleness",
            "1",
        ],
        &[],
    )
    .await;
    assert_eq!(code, 1, "{out}{err}");
    assert!(err.contains("REST unavailable"), "{err}");
    let (code, out, err) = cli(
        &["search", "", "--since", "7d", "--db", &db, "--max-staleness", "1"],
        &[],
    )
    .await;
    assert_eq!(code, 0, "{err}");
    let first = out.lines().next().unwrap();
    assert!(first.starts_with("source: cache, STALE"), "{first}");
    assert!(first.contains("REST unavailable"), "{first}");
    let (code, _out, err) = cli(
        &[
            "search",
            "",
            "--since",
            "7d",
            "--db",
            &db,
            "--max-staleness",
            "1",
            "--no-stale",
        ],
        &[],
    )
    .await;
    assert_eq!(code, 1);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("stale data is not allowed"), "{err}");
    assert!(!err.contains(&token));

    // A bad time is a one-line error.
    let (code, _, err) = cli(&["search", "x", "--since", "yesterday-ish", "--db", &db], &[]).await;
    assert_eq!(code, 1);
    assert!(err.contains("--since"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_status_from_mcp_is_reused_for_its_ttl() {
    let e = env().await;
    let mut cfg = e.config(e.mcp());
    cfg.status_ttl = Duration::from_secs(600);
    let client = Client::new(cfg);
    let opts = CallOptions::default();
    let first = client.search_conversations(&window(7), &opts).await.unwrap();
    assert_eq!(first.source, Source::Cache);
    // The file now says "3 h old", but the client decides from the status it read moments ago.
    e.age_cache(3 * 3600);
    let again = client.search_conversations(&window(7), &opts).await.unwrap();
    assert_eq!(
        (again.source, again.data_as_of),
        (Source::Cache, first.data_as_of)
    );
    // Once forgotten, the status is read again and the cache is too old.
    client.forget_sync_status().await;
    let now_stale = client.search_conversations(&window(7), &opts).await.unwrap();
    assert_eq!(now_stale.source, Source::Rest);
    assert!(
        matches!(now_stale.reason, Reason::TooOld { .. }),
        "{:?}",
        now_stale.reason
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rest_stats_stop_at_the_page_bound_with_a_clear_error() {
    let sim = Simulator::start(
        SimConfig {
            conversations: 400,
            seed: 5,
            parts_per_conversation: 1,
            ..Default::default()
        },
        "127.0.0.1:0",
    )
    .await
    .unwrap();
    let mut cfg = ClientConfig::new(CacheSource::None, Some(api(&sim)));
    cfg.rest_stats_max_pages = 2;
    let client = Client::new(cfg);
    let err = client
        .conversation_stats(&StatsRequest::new(GroupBy::State), &CallOptions::default())
        .await
        .unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("more than 300 conversations") && msg.contains("narrow the window"),
        "{msg}"
    );
    // A window within the bound is counted.
    let req = StatsRequest {
        since: Some(now() - 30 * DAY),
        ..StatsRequest::new(GroupBy::State)
    };
    let a = client
        .conversation_stats(&req, &CallOptions::default())
        .await
        .unwrap();
    assert_eq!(a.source, Source::Rest);
    assert_eq!(a.data.total, a.data.buckets.iter().map(|b| b.count).sum::<i64>());
}

/// Tickets, companies and articles are decided on their own `sync_metadata` row, not `overall`: a sync
/// whose tickets went stale while conversations stayed fresh sends ticket questions to Intercom (and the
/// answer says how old the tickets are), and conversation questions still to the cache.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_resource_is_decided_on_its_own_row() {
    let e = env().await;
    e.age_row("tickets", 3 * 3600);
    let client = e.client();
    let opts = CallOptions::default();
    let t = client
        .search_tickets(&TicketSearchRequest::default(), &opts)
        .await
        .unwrap();
    assert_eq!(t.source, Source::Rest, "{:?}", t.reason);
    assert!(
        matches!(t.reason, Reason::TooOld { age_seconds, .. } if age_seconds >= 3 * 3600),
        "{:?}",
        t.reason
    );
    let c = client.search_conversations(&window(30), &opts).await.unwrap();
    assert_eq!(
        (c.source, c.reason),
        (Source::Cache, Reason::FreshWindowInsideCoverage)
    );
    let a = client
        .search_articles(
            &ArticleSearch {
                limit: 10,
                ..Default::default()
            },
            &opts,
        )
        .await
        .unwrap();
    assert_eq!(a.source, Source::Cache, "{:?}", a.reason);

    // The other way round: conversations stale, tickets fresh.
    e.age_row("tickets", -3 * 3600);
    e.age_row("overall", 3 * 3600);
    client.forget_sync_status().await;
    let t = client
        .search_tickets(&TicketSearchRequest::default(), &opts)
        .await
        .unwrap();
    assert_eq!((t.source, t.reason), (Source::Cache, Reason::Fresh));
    let age = t.age_seconds.unwrap();
    assert!(
        (0..600).contains(&age),
        "the tickets row's age, not overall's: {age}"
    );
    let c = client.search_conversations(&window(30), &opts).await.unwrap();
    assert_eq!(c.source, Source::Rest, "{:?}", c.reason);
}
