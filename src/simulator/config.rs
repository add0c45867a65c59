//! Simulator settings and the small value types of its public API (faults, stats, reports, snapshots).

use std::collections::BTreeMap;

/// Fault injection shares (0.0..=1.0), chosen per request with a seeded RNG. `Default` = no faults.
#[derive(Debug, Clone, PartialEq)]
pub struct Faults {
    /// Share of requests answered with 500, 502 or 503 (error.list body).
    pub p_5xx: f64,
    /// Share of requests that sleep `slow_ms` before answering.
    pub p_slow: f64,
    /// How long a slow request sleeps (default 40 000 ms).
    pub slow_ms: u64,
    /// Share of requests whose connection is reset without any response.
    pub p_drop: f64,
    /// Share of requests answered 200 with a truncated JSON body or an empty body.
    pub p_malformed: f64,
    /// How the full lists misbehave during a walk (every request, not drawn by share).
    pub list: ListFault,
}

/// A misbehaving list, for the reconciliation walks: `GET /conversations` and `GET /contacts` (all
/// variants) and `GET /admins`, `/teams`, `/tags` (`Empty` and `Shift`). `total_count` stays honest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ListFault {
    #[default]
    None,
    /// The walk ends early: page `pages` (1-based) comes without `next`.
    Short { pages: u64 },
    /// Every page is empty and has no `next`.
    Empty,
    /// From page 2 on, `next` hands back the cursor the page was requested with.
    RepeatCursor,
    /// Rows move past the cursor mid-walk: the first row of every page after the first (the first row of
    /// a directory list) is left out.
    Shift,
}

impl Default for Faults {
    fn default() -> Self {
        Faults {
            p_5xx: 0.0,
            p_slow: 0.0,
            slow_ms: 40_000,
            p_drop: 0.0,
            p_malformed: 0.0,
            list: ListFault::None,
        }
    }
}

/// What the simulated workspace looks like and how the server behaves.
#[derive(Debug, Clone)]
pub struct SimConfig {
    pub conversations: usize,
    pub seed: u64,
    /// Average conversation parts per conversation (default 10).
    pub parts_per_conversation: usize,
    /// Number of contacts (default `conversations / 3 + 10`).
    pub contacts: Option<usize>,
    pub admins: usize,
    pub teams: usize,
    pub tags: usize,
    /// Number of tickets (default `conversations / 10`).
    pub tickets: Option<usize>,
    /// Number of Help Center articles (default `conversations / 20 + 5`).
    pub articles: Option<usize>,
    /// Number of companies (default `conversations / 10 + 5`).
    pub companies: Option<usize>,
    /// How long an unused companies scroll stays open (Intercom: one minute).
    pub scroll_expiry_ms: u64,
    /// The bearer token the server accepts (default "sim-token").
    pub token: String,
    /// Requests per token per 10-second window; 0 = unlimited.
    pub rate_limit: u32,
    /// Added latency per request, uniformly in `min..=max` milliseconds.
    pub latency_ms: (u64, u64),
    pub faults: Faults,
    /// The workspace's "now" (Unix seconds) used for generation; default the real clock.
    pub now: Option<i64>,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            conversations: 1000,
            seed: 1,
            parts_per_conversation: 10,
            contacts: None,
            admins: 12,
            teams: 4,
            tags: 15,
            tickets: None,
            articles: None,
            companies: None,
            scroll_expiry_ms: 60_000,
            token: "sim-token".to_string(),
            rate_limit: 0,
            latency_ms: (0, 0),
            faults: Faults::default(),
            now: None,
        }
    }
}

/// Request counters since start (or the last `reset_stats`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SimStats {
    /// Every HTTP request received.
    pub requests: u64,
    /// Requests per route, keyed like "GET /conversations/{id}".
    pub by_route: BTreeMap<String, u64>,
    /// 429 answers sent.
    pub rate_limited: u64,
    /// Faults injected (5xx, slow, drop, malformed).
    pub faults: u64,
}

/// What one `Simulator::mutate` call changed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MutationReport {
    pub new_conversations: usize,
    pub new_parts: usize,
    pub changed_conversations: usize,
    pub changed_contacts: usize,
    pub new_contacts: usize,
    pub deleted_conversations: usize,
    pub new_tickets: usize,
    pub changed_tickets: usize,
    pub deleted_tickets: usize,
    pub new_articles: usize,
    pub changed_articles: usize,
    pub deleted_articles: usize,
    pub new_companies: usize,
    pub changed_companies: usize,
    pub deleted_companies: usize,
    pub changed_segments: usize,
}

/// Ground truth for tests: every object exactly as the API would render it, conversations with ALL parts.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    pub conversations: Vec<serde_json::Value>,
    pub contacts: Vec<serde_json::Value>,
    pub admins: Vec<serde_json::Value>,
    pub teams: Vec<serde_json::Value>,
    pub tags: Vec<serde_json::Value>,
    /// Tickets with all their parts, in id order.
    pub tickets: Vec<serde_json::Value>,
    pub ticket_types: Vec<serde_json::Value>,
    /// `GET /ticket_states` items.
    pub ticket_states: Vec<serde_json::Value>,
    /// Help Center articles, newest `updated_at` first.
    pub articles: Vec<serde_json::Value>,
    /// Companies in scroll order.
    pub companies: Vec<serde_json::Value>,
    pub segments: Vec<serde_json::Value>,
}
