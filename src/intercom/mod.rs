//! The Intercom REST API client (API 2.16): authentication, the region's base URL, cursor and page
//! pagination, proactive rate-limit pacing, bounded retries, and lenient serde models.
//!
//! [`IntercomClient`] is cheap to clone (an `Arc` inside) and is shared by every task of a sync run, so
//! that the rate-limit budget, the in-flight bound and the keep-alive pool are shared too.
//!
//! | file            | owns                                                              |
//! |-----------------|-------------------------------------------------------------------|
//! | `config.rs`     | [`ApiConfig`] (base URL, token, version, timeout, retries, concurrency) |
//! | `error.rs`      | [`ApiError`] and its one-line messages                            |
//! | `http.rs`       | one request: headers, retries, backoff, status mapping, [`ApiStats`] |
//! | `ratelimit.rs`  | pacing from `X-RateLimit-*` so the budget is used without 429s    |
//! | `concurrency.rs`| how many requests are in flight: budget × measured latency, capped |
//! | `endpoints.rs`  | one method per endpoint, envelope parsing                         |
//! | `paginate.rs`   | pages as streams, bounded-concurrency conversation fetches        |
//! | `models.rs`     | wire types; `lenient.rs` holds their serde helpers                |
//! | `articles.rs`   | Help Center articles: models, the page-number walk                |
//! | `companies.rs`  | companies (the scroll) and segments: models and endpoints         |
//! | `tickets.rs`    | tickets, ticket types and states: models and endpoints            |
//!
//! *Architecture invariant:* the token appears only in the `Authorization` header (marked sensitive):
//! never in a URL, a log line, an error or a `Debug` output.

mod articles;
mod companies;
mod concurrency;
mod config;
mod endpoints;
mod error;
mod http;
mod lenient;
mod lookups;
mod models;
mod paginate;
mod ratelimit;
mod tickets;

pub use articles::{Article, ArticleContent};
pub use companies::{Company, Segment};
pub use concurrency::{DEFAULT_CEILING as DEFAULT_CONCURRENCY, FLOOR as MIN_CONCURRENCY};
pub use config::ApiConfig;
pub use endpoints::Directory;
pub use error::ApiError;
pub use http::{ApiStats, MAX_RATE_LIMIT_RETRIES};
pub use lookups::CompanyLookup;
pub use models::{
    Admin, App, Author, Contact, ContactRef, Conversation, DeletedConversation, DeletedPage, Me, Page, Part,
    Rating, Source, Tag, TagRef, Team,
};
pub use paginate::MAX_PAGES;
pub use tickets::{Ticket, TicketPart, TicketState, TicketType};

use std::sync::Arc;

/// A connection to one Intercom workspace. Clone it freely: clones share the rate-limit budget, the
/// in-flight bound (`concurrency`) and the connection pool.
#[derive(Clone, Debug)]
pub struct IntercomClient {
    core: Arc<http::Core>,
}

impl IntercomClient {
    /// Build the client (no request is sent). Fails only on a bad base URL or an unusable token.
    pub fn new(cfg: ApiConfig) -> Result<Self, ApiError> {
        Ok(IntercomClient {
            core: Arc::new(http::Core::new(cfg)?),
        })
    }

    /// Request counters since the client was built.
    pub fn stats(&self) -> ApiStats {
        self.core.stats()
    }

    /// The in-flight ceiling: how many requests this client sends at once at most.
    pub fn concurrency(&self) -> usize {
        self.core.concurrency()
    }

    /// The adaptive in-flight target now, and the highest it reached.
    pub fn concurrency_target(&self) -> (usize, usize) {
        self.core.gate.target()
    }

    /// Leave `percent` of each rate-limit window to other users of the token (the client library's
    /// live calls); the sync sets this, live callers leave it at 0.
    pub fn set_rate_reserve_percent(&self, percent: u32) {
        self.core.gate.set_reserve_percent(percent);
        self.core.limiter.set_reserve_percent(percent);
    }

    /// The Unix second the rate-limit window refills, when the last answers said its budget is spent
    /// (by anyone using the token: the sync, live calls); None otherwise.
    pub fn rate_limited_until(&self) -> Option<i64> {
        self.core.limiter.spent_until()
    }

    /// The base URL requests go to, e.g. `https://api.intercom.io`.
    pub fn base_url(&self) -> &str {
        self.core.base_url()
    }

    /// Proactive pacing from the rate-limit headers is on by default. Turning it off sends requests as
    /// fast as the in-flight bound allows and waits out 429s instead (for tests and benchmarks).
    pub fn set_proactive_throttle(&self, on: bool) {
        self.core.limiter.set_enabled(on);
    }
}
