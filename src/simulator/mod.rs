//! Simulated Intercom API: a real HTTP server on loopback that serves a generated,
//! deterministic workspace the way Intercom's REST API 2.16 does, for tests, the demo and benchmarks.
//!
//! It is a second, independent reading of the API notes and OpenAPI file: it does not import
//! `crate::intercom`'s types. Modules:
//! - [`config`]: settings and the value types of the public API.
//! - `workspace`: the rows' sort indexes and the changes that keep them in step; `rows`: the compact
//!   rows; `generate`: deterministic generation; `textgen`: support text.
//! - `render`: JSON shapes; `fields`: searchable field values; `search`: the query DSL (`search::parse`
//!   reads it); `plain`: the simulator's own HTML-to-text reading (independent of the sync's, so tests
//!   can catch its mistakes).
//! - `cursor`: opaque keyset cursors and page scans; `ratelimit`: 10-second windows.
//! - `faults`: 5xx / slow / drop / malformed injection and misbehaving list walks; `routes`: the axum
//!   handler and path dispatch; `lists`: list and search endpoints (pagination, scans, counts, the
//!   deleted feed); `workspace_routes`: tickets, articles, companies, segments; `mutate`: changes.
//!
//! Choices where Intercom's behaviour is unverified: the workspace timezone is UTC (contact search
//! days are UTC days); `>`/`<` strict, `>=`/`<=` inclusive; `conversation_parts.total_count` is the full
//! count when truncated to the newest 500; `GET /conversations` and `GET /contacts` list in id
//! (= creation) order; search defaults to `updated_at` descending; string matches are case-insensitive.
//!
//! API notes §12 checklist, covered: /me, /admins, /admins/{id}, /teams, /tags, /segments (empty),
//! conversations list/search/retrieve/deleted, contacts list/search/retrieve, /contacts/{id}/tags and
//! /companies (empty); envelope types and list keys; Bearer auth (401), Accept (406), Intercom-Version
//! (400 `intercom_version_invalid`, and /conversations/deleted only on 2.16/Unstable); keyset cursors,
//! per_page defaults (20/50) and clamp (150), `pages.next` omitted on the last page, `total_count`,
//! 400 `client_error` on junk cursors; the DSL (AND/OR, depth 2, 15 per group, operators with type
//! checks, `sort`, `invalid_sort_order`, contact day truncation, second precision for conversations);
//! parts chronological, newest 500, `display_as=plaintext`, 404 for deleted ids; mutations that bump
//! `updated_at` plus the no-bump knob; rate limit windows/headers/429 without Retry-After; faults
//! (500/502/503, empty or truncated 200, slow, dropped connections); deleted feed with `deleted_at`.
//! Merged contacts (`Simulator::merge_contact`): 410 `contact_merged` + `Link`, chains of up to 3 hops.
//! New contacts reach search late (`Simulator::set_contact_search_delay`, default 0).
//! Quirks (§10): numeric-string conversation ids, 24-hex contact ids, integer assignee ids with 0 =
//! unassigned, `last_closed_by_id` sometimes a number, `statistics` null on ~10% and missing on ~5%
//! of conversations (fields that do not apply are left out, as the spec types them non-null),
//! ~0.5% of conversations with 520-700 parts, `count_conversation_parts` = parts + 1, tags with
//! `applied_at`/`applied_by`, empty 200 bodies, 429 without Retry-After.
//! Tickets (`tickets`): types, states with categories, `ticket_parts`, search with the DSL (exact-second
//! dates, `category` terms request/task/tracker), retrieve by API id (the inbox `ticket_id` answers 404),
//! links to conversations, live changes.
//! Help Center articles (`articles`): published and draft, a French translation on about a third,
//! `GET /articles` newest first with page numbers, `GET /articles/{id}`, live changes.
//! Companies (`companies`): contact links (and companies with no users), `GET /companies/scroll` (one
//! open scroll, expiry, 500 "restart the scroll" via `Simulator::fail_next_scroll`), `POST
//! /companies/list` (no companies without users, 10,000 cap), `GET /companies/{id}`; segments
//! (`segments`): contact and company segments, `GET /segments/{id}`; live changes of both.
//! Not covered: segment membership of contacts.
//!
//! Checked against the 2.16 OpenAPI schemas by `tests/e2e/15-simulator-openapi.sh` (jsonschema).

mod articles;
mod companies;
pub mod config;
mod cursor;
mod faults;
mod fields;
mod generate;
mod lists;
mod mutate;
mod plain;
mod ratelimit;
mod render;
mod routes;
mod rows;
mod search;
mod segments;
mod textgen;
mod tickets;
mod workspace;
mod workspace_lookups;
mod workspace_routes;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use anyhow::Context as _;
use axum::Router;

pub use config::{Faults, ListFault, MutationReport, SimConfig, SimStats, Snapshot};

use faults::{ConnKill, KillableListener};
use render::Parts;
use routes::{Control, Shared};
use workspace::Workspace;

/// A running simulator. Dropping it without [`Simulator::shutdown`] leaves the server task running
/// until the runtime ends.
pub struct Simulator {
    shared: Arc<Shared>,
    addr: SocketAddr,
    stop: tokio::sync::watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Simulator {
    /// Generate the workspace and start serving on `listen` (e.g. "127.0.0.1:0").
    pub async fn start(cfg: SimConfig, listen: &str) -> anyhow::Result<Simulator> {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .with_context(|| format!("simulator: cannot listen on {listen}"))?;
        let addr = listener.local_addr()?;
        let now = cfg.now.unwrap_or_else(|| chrono::Utc::now().timestamp());
        let cfg2 = cfg.clone();
        let ws = tokio::task::spawn_blocking(move || Workspace::generate(&cfg2, now)).await?;
        let shared = Arc::new(Shared {
            ws: RwLock::new(ws),
            ctl: Mutex::new(Control {
                token: cfg.token.clone(),
                faults: cfg.faults.clone(),
                rate_limit: cfg.rate_limit,
                latency_ms: cfg.latency_ms,
                rng: fastrand::Rng::with_seed(cfg.seed ^ 0xFA17),
            }),
            stats: Mutex::new(SimStats::default()),
            limiter: Mutex::new(Default::default()),
            counts: Mutex::new(HashMap::new()),
            base_url: format!("http://{addr}"),
        });
        let app = Router::new().fallback(routes::handle).with_state(shared.clone());
        let (stop, mut stop_rx) = tokio::sync::watch::channel(false);
        let server = axum::serve(
            KillableListener(listener),
            app.into_make_service_with_connect_info::<ConnKill>(),
        )
        .with_graceful_shutdown(async move {
            let _ = stop_rx.wait_for(|s| *s).await;
        });
        let task = tokio::spawn(async move {
            if let Err(e) = server.await {
                tracing::warn!("simulator server error: {e}");
            }
        });
        Ok(Simulator {
            shared,
            addr,
            stop,
            task,
        })
    }

    /// "http://127.0.0.1:PORT" (no trailing slash).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn token(&self) -> String {
        self.shared.ctl.lock().expect("ctl").token.clone()
    }

    pub fn stats(&self) -> SimStats {
        self.shared.stats.lock().expect("stats").clone()
    }

    pub fn reset_stats(&self) {
        *self.shared.stats.lock().expect("stats") = SimStats::default();
    }

    pub fn set_faults(&self, f: Faults) {
        self.shared.ctl.lock().expect("ctl").faults = f;
    }

    /// Requests per token per 10-second window; 0 = unlimited.
    pub fn set_rate_limit(&self, per_10s: u32) {
        self.shared.ctl.lock().expect("ctl").rate_limit = per_10s;
    }

    pub fn set_latency_ms(&self, min: u64, max: u64) {
        self.shared.ctl.lock().expect("ctl").latency_ms = (min, max.max(min));
    }

    pub fn set_token(&self, token: &str) {
        self.shared.ctl.lock().expect("ctl").token = token.to_string();
    }

    /// Change about `fraction` of the workspace now (see [`MutationReport`]).
    pub fn mutate(&self, fraction: f64) -> MutationReport {
        mutate::mutate(&mut self.shared.ws.write().expect("workspace"), fraction)
    }

    /// Add a comment part to a conversation without moving its `updated_at` (reconciliation knob).
    pub fn add_part_without_bump(&self, conversation_id: &str) {
        let Ok(id) = conversation_id.parse::<u64>() else {
            return;
        };
        let mut ws = self.shared.ws.write().expect("workspace");
        let t = ws.tick();
        mutate::add_part(
            &mut ws,
            id,
            rows::PartKind::Comment,
            rows::Author::Contact,
            t,
            false,
        );
    }

    /// Odd timestamps (clock skew between systems, imports): add a new open conversation created and
    /// updated at `at`, which may lie in the future or before anything a sync has seen. Returns its id.
    pub fn add_conversation_dated(&self, at: i64) -> String {
        let mut ws = self.shared.ws.write().expect("workspace");
        let mut rng = fastrand::Rng::with_seed(ws.rng.u64(..));
        let mut c = ws.gen_conversation(&mut rng, at, 0, at);
        c.state = rows::ConvState::Open;
        c.updated_at = at;
        c.waiting_since = Some(at);
        c.snoozed_until = None;
        c.rating = None;
        let id = c.id;
        ws.insert_conv(c);
        id.to_string()
    }

    /// Odd timestamps on an existing conversation: add a reply at `at` and move its `updated_at` to
    /// `at`, even backwards (out of order) or into the future.
    pub fn touch_conversation_dated(&self, conversation_id: &str, at: i64) {
        let Ok(id) = conversation_id.parse::<u64>() else {
            return;
        };
        let mut ws = self.shared.ws.write().expect("workspace");
        mutate::add_part(
            &mut ws,
            id,
            rows::PartKind::Comment,
            rows::Author::Contact,
            at,
            true,
        );
    }

    /// Delete a conversation (404 afterwards, listed in `GET /conversations/deleted`).
    pub fn delete_conversation(&self, id: &str) {
        let Ok(id) = id.parse::<u64>() else { return };
        let mut ws = self.shared.ws.write().expect("workspace");
        let t = ws.tick();
        ws.delete_conv(id, t);
    }

    /// Merge contact `from_id` into `into_id` (both contact ids): `from` drops out of lists and search
    /// and `GET /contacts/{from}` answers 410 `contact_merged` with `Link: </contacts/{into}>;
    /// rel="canonical"`; its conversations move to `into`. Returns false for unknown or merged ids.
    pub fn merge_contact(&self, from_id: &str, into_id: &str) -> bool {
        let mut ws = self.shared.ws.write().expect("workspace");
        match (
            ws.contact_by_id.get(from_id).copied(),
            ws.contact_by_id.get(into_id).copied(),
        ) {
            (Some(f), Some(i)) => ws.merge_contact(f, i),
            _ => false,
        }
    }

    /// Create a contact now (it appears in `GET /contacts` at once, in search after the delay set by
    /// [`Simulator::set_contact_search_delay`]); returns its id.
    pub fn add_contact(&self) -> String {
        let mut ws = self.shared.ws.write().expect("workspace");
        let i = ws.add_contact();
        ws.contacts[i].id.clone()
    }

    /// Seconds before newly created contacts show up in `/contacts/search` (Intercom: "a few
    /// minutes"); default 0. Applies to contacts created afterwards.
    pub fn set_contact_search_delay(&self, secs: u64) {
        self.shared.ws.write().expect("workspace").contact_search_delay = secs as i64;
    }

    /// Ground truth: every object as the API renders it; conversations with all parts, in id order.
    /// Costs O(all parts) (about 20 s for 100k conversations); for ids use [`Simulator::conversation_ids`].
    pub fn snapshot(&self) -> Snapshot {
        let ws = self.shared.ws.read().expect("workspace");
        let ws = &*ws;
        Snapshot {
            conversations: ws
                .convs
                .values()
                .map(|c| render::conversation_json(ws, c, Parts::Newest(usize::MAX), false))
                .collect(),
            contacts: ws
                .contacts
                .iter()
                .filter(|c| c.merged_into.is_none())
                .map(|c| render::contact_json(ws, c))
                .collect(),
            admins: (0..ws.admins.len()).map(|i| render::admin_json(ws, i)).collect(),
            teams: (0..ws.teams.len()).map(|i| render::team_json(ws, i)).collect(),
            tags: (0..ws.tags.len()).map(|i| render::tag_json(ws, i)).collect(),
            tickets: ws
                .tickets
                .rows
                .values()
                .map(|t| tickets::ticket_json(ws, t))
                .collect(),
            ticket_types: (0..ws.tickets.types.len())
                .map(|i| tickets::type_json(&ws.tickets, i))
                .collect(),
            ticket_states: tickets::states_json(&ws.tickets)["data"]
                .as_array()
                .cloned()
                .unwrap_or_default(),
            articles: ws
                .articles
                .by_updated
                .iter()
                .rev()
                .filter_map(|(_, id)| ws.articles.rows.get(id))
                .map(|a| articles::article_json(ws, a))
                .collect(),
            companies: ws
                .companies
                .rows
                .values()
                .map(|c| companies::company_json(ws, c))
                .collect(),
            segments: ws.segments.iter().map(segments::segment_json).collect(),
        }
    }

    /// Delete a segment (404 afterwards, gone from `GET /segments` and from companies' lists).
    pub fn delete_segment(&self, id: &str) -> bool {
        let mut ws = self.shared.ws.write().expect("workspace");
        ws.generation += 1;
        let before = ws.segments.len();
        ws.segments.retain(|s| s.id != id);
        ws.segments.len() < before
    }

    /// Delete a company (404 afterwards, gone from scroll and list).
    pub fn delete_company(&self, id: &str) -> bool {
        let mut ws = self.shared.ws.write().expect("workspace");
        ws.generation += 1;
        let key = ws.companies.by_id.get(id).copied();
        key.is_some_and(|k| ws.companies.remove(k).is_some())
    }

    /// Make the next companies scroll page (one asked for with a `scroll_param`) answer 500 "... restart the scroll operation" and drop the
    /// open scroll (its `scroll_param` is dead afterwards).
    pub fn fail_next_scroll(&self) {
        let ws = self.shared.ws.read().expect("workspace");
        ws.companies
            .fail_next_scroll
            .store(true, std::sync::atomic::Ordering::SeqCst);
    }

    /// Open a companies scroll now (as another client of the workspace would) and leave it open; returns
    /// whether it opened.
    pub fn open_company_scroll(&self) -> bool {
        let ws = self.shared.ws.read().expect("workspace");
        companies::scroll(&ws, None).is_ok()
    }

    /// Delete a Help Center article (404 afterwards, gone from `GET /articles`).
    pub fn delete_article(&self, id: &str) -> bool {
        let Ok(id) = id.parse::<u64>() else {
            return false;
        };
        let mut ws = self.shared.ws.write().expect("workspace");
        ws.generation += 1;
        ws.articles.remove(id).is_some()
    }

    /// Delete a ticket by its API id (404 afterwards; it leaves search without a trace).
    pub fn delete_ticket(&self, id: &str) -> bool {
        let Ok(id) = id.parse::<u64>() else {
            return false;
        };
        let mut ws = self.shared.ws.write().expect("workspace");
        ws.generation += 1;
        ws.tickets.remove(id).is_some()
    }

    /// Ids of the conversations currently present (cheaper than a snapshot).
    pub fn conversation_ids(&self) -> Vec<String> {
        self.shared
            .ws
            .read()
            .expect("workspace")
            .convs
            .keys()
            .map(|k| k.to_string())
            .collect()
    }

    /// Stop serving; in-flight requests get up to a second to finish.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        let mut task = self.task;
        if tokio::time::timeout(Duration::from_secs(1), &mut task)
            .await
            .is_err()
        {
            task.abort();
        }
    }
}

fn parse_latency(s: &str) -> anyhow::Result<(u64, u64)> {
    let bad = || anyhow::anyhow!("--latency-ms: expected \"N\" or \"MIN-MAX\" in milliseconds, got {s:?}");
    match s.split_once('-') {
        Some((a, b)) => {
            let (a, b) = (
                a.trim().parse().map_err(|_| bad())?,
                b.trim().parse().map_err(|_| bad())?,
            );
            if a > b {
                return Err(bad());
            }
            Ok((a, b))
        }
        None => {
            let n = s.trim().parse().map_err(|_| bad())?;
            Ok((n, n))
        }
    }
}

fn check_share(name: &str, p: f64) -> anyhow::Result<f64> {
    if !(0.0..=1.0).contains(&p) {
        anyhow::bail!("--{name}: expected a share between 0.0 and 1.0, got {p}");
    }
    Ok(p)
}

/// What `fastintercom simulate` was asked to serve.
#[derive(Debug, Clone)]
pub struct SimulateOptions {
    /// Address to listen on.
    pub listen: String,
    /// Conversations in the generated workspace.
    pub conversations: usize,
    /// Seed for the generated workspace (same seed, same workspace).
    pub seed: u64,
    /// Average conversation parts per conversation.
    pub parts: usize,
    /// The access token the simulator accepts (not empty).
    pub token: String,
    /// Requests allowed per 10-second window; 0 = unlimited.
    pub rate_limit: u32,
    /// Added latency per request in milliseconds, as `"MIN-MAX"` or `"N"`.
    pub latency_ms: Option<String>,
    /// Share (0.0-1.0) of requests answered with a 500/502/503.
    pub fault_5xx: f64,
    /// Share of requests that hang for a long time.
    pub fault_slow: f64,
    /// Share of requests whose connection is dropped without an answer.
    pub fault_drop: f64,
    /// Share of requests answered with truncated/malformed JSON or an empty 200 body.
    pub fault_malformed: f64,
    /// Every this many seconds, change about 1% of the workspace.
    pub mutate_every: Option<u64>,
    /// Tickets; `None`: conversations / 10.
    pub tickets: Option<usize>,
    /// Companies; `None`: conversations / 10 + 5.
    pub companies: Option<usize>,
    /// Help Center articles; `None`: conversations / 20 + 5.
    pub articles: Option<usize>,
}

/// `fastintercom simulate`: serve until SIGINT/SIGTERM.
pub async fn run_cli(a: SimulateOptions) -> anyhow::Result<u8> {
    let latency_ms = a
        .latency_ms
        .as_deref()
        .map(parse_latency)
        .transpose()?
        .unwrap_or((0, 0));
    let faults = Faults {
        p_5xx: check_share("fault-5xx", a.fault_5xx)?,
        p_slow: check_share("fault-slow", a.fault_slow)?,
        p_drop: check_share("fault-drop", a.fault_drop)?,
        p_malformed: check_share("fault-malformed", a.fault_malformed)?,
        ..Faults::default()
    };
    if a.token.is_empty() {
        anyhow::bail!("--token must not be empty");
    }
    let cfg = SimConfig {
        conversations: a.conversations,
        seed: a.seed,
        parts_per_conversation: a.parts,
        token: a.token.clone(),
        rate_limit: a.rate_limit,
        latency_ms,
        faults,
        tickets: a.tickets,
        companies: a.companies,
        articles: a.articles,
        ..SimConfig::default()
    };
    let sim = Simulator::start(cfg, &a.listen).await?;
    println!(
        "simulator listening on {} (token: {}, {} conversations)",
        sim.base_url(),
        a.token,
        a.conversations
    );
    use std::io::Write as _;
    let _ = std::io::stdout().flush();
    let mutator = a.mutate_every.filter(|s| *s > 0).map(|secs| {
        let shared = sim.shared.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(secs));
            tick.tick().await;
            loop {
                tick.tick().await;
                let r = mutate::mutate(&mut shared.ws.write().expect("workspace"), 0.01);
                tracing::info!(?r, "simulator: mutated workspace");
            }
        })
    });
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
    if let Some(m) = mutator {
        m.abort();
    }
    sim.shutdown().await;
    Ok(0)
}
