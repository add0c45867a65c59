//! `fastintercom sync`: pull the workspace from Intercom into SQLite.
//!
//! One run ([`sync_once`]): take the lock, refresh admins/teams/tags, run the conversation search pass
//! (backfill on the first run, then incremental from the high-water mark), poll deletions, reconcile ids
//! every `reconcile_hours`, sync contacts, then the rest of the workspace (ticket types and states,
//! tickets, Help Center articles, segments, companies), and record each resource's outcome in
//! `sync_metadata`.
//!
//! | file               | owns                                                          |
//! |--------------------|---------------------------------------------------------------|
//! | `conversations.rs` | the search → fetch → write pipeline and its checkpoint        |
//! | `deletions.rs`     | the deleted-conversations feed and the reconciliation walk    |
//! | `guard.rs`         | deletions only when Intercom confirms, at most a share a run  |
//! | `stop.rs`          | SIGTERM/SIGINT stop a run at its next batch boundary          |
//! | `contacts.rs`      | contacts: cursor walk first, day-granular search after        |
//! | `completeness.rs`  | stored vs Intercom's `total_count`; re-read and record a gap  |
//! | `directory.rs`     | admins, teams, tags (full refresh)                            |
//! | `articles.rs`      | Help Center articles: newest-first pages, verified deletions  |
//! | `companies.rs`     | companies (a diffed full scroll each run) and segments        |
//! | `tickets.rs`       | ticket types/states (full refresh), tickets by `updated_at`   |
//! | `map.rs`           | Intercom models → store records                               |
//! | `db.rs`            | the shared write connection on the blocking pool              |
//! | `lock.rs`          | one sync at a time (`<db>.lock`)                              |
//! | `progress.rs`      | `STATUS=` for systemd, a progress bar on a terminal           |
//! | `run.rs`           | one run: lock, integrity check, the outcome in `sync_metadata` |
//! | `passes.rs`        | the passes of a run, in order, each recording its resource    |
//! | `command.rs`       | `fastintercom sync`: settings, `--interval` loop, exit codes  |

pub mod articles;
mod command;
pub mod companies;
pub mod completeness;
pub mod contacts;
pub mod conversations;
pub mod db;
pub mod deletions;
pub mod directory;
pub mod guard;
pub mod lock;
mod passes;
use crate::record::wire as map;
pub mod progress;
mod run;
pub mod stop;
pub mod tickets;

use crate::intercom::{ApiConfig, IntercomClient};
use crate::store::metadata::SyncState;
use db::Db;
use progress::Progress;
use std::path::PathBuf;
use std::sync::Arc;

pub use command::{SyncCommandOptions, run_cli};
pub use lock::{EXIT_BUSY, SyncBusy};
pub use run::sync_once;
pub use stop::{EXIT_STOPPED, Stop, Stopped};

pub const RESOURCE_CONVERSATIONS: &str = "conversations";
pub const RESOURCE_CONTACTS: &str = "contacts";
pub const DIRECTORY_RESOURCES: [&str; 3] = ["admins", "teams", "tags"];
pub const RESOURCE_TICKETS: &str = "tickets";
pub const RESOURCE_TICKET_TYPES: &str = "ticket_types";
pub const RESOURCE_TICKET_STATES: &str = "ticket_states";
pub const RESOURCE_ARTICLES: &str = "articles";
pub const RESOURCE_COMPANIES: &str = "companies";
pub const RESOURCE_SEGMENTS: &str = "segments";
/// The rest of the workspace, synced after conversations and contacts, each with its own row.
pub const WORKSPACE_RESOURCES: [&str; 6] = [
    RESOURCE_TICKET_TYPES,
    RESOURCE_TICKET_STATES,
    RESOURCE_TICKETS,
    RESOURCE_ARTICLES,
    RESOURCE_COMPANIES,
    RESOURCE_SEGMENTS,
];

/// Re-read this many seconds below the high-water mark: Intercom's `>` may be inclusive or not, and
/// clocks differ. Duplicates are harmless (the stored copy is compared before fetching).
pub const OVERLAP: i64 = 300;

/// What one run should do.
#[derive(Debug, Clone)]
pub struct SyncOptions {
    pub db: PathBuf,
    pub api: ApiConfig,
    /// Fetch everything (and reconcile), not only the backfill window.
    pub full: bool,
    /// Backfill from this time (Unix seconds) instead of `backfill_days` ago.
    pub since: Option<i64>,
    pub backfill_days: u32,
    pub reconcile_hours: u64,
    /// Draw a progress bar when stderr is a terminal.
    pub progress: bool,
    /// Pace requests from the rate-limit headers (default). Off: send at full concurrency and wait
    /// out 429s instead (benchmarks of the engine itself).
    pub proactive_throttle: bool,
    /// The most of a table (percent) a run may delete because Intercom stopped listing the rows.
    pub max_delete_percent: u8,
    /// Raised to stop the run at its next batch boundary (the run then fails with [`Stopped`]).
    pub stop: Stop,
    /// Percent of each rate-limit window left for other users of the token (the client library).
    pub rate_reserve_percent: u32,
}

impl SyncOptions {
    /// Defaults for in-process callers (tests, demo, benches): 90 days, reconcile daily, no bar.
    pub fn new(db: impl Into<PathBuf>, api: ApiConfig) -> SyncOptions {
        SyncOptions {
            db: db.into(),
            api,
            full: false,
            since: None,
            backfill_days: 90,
            reconcile_hours: 24,
            progress: false,
            proactive_throttle: true,
            stop: Stop::default(),
            max_delete_percent: crate::config::DEFAULT_MAX_DELETE_PERCENT,
            rate_reserve_percent: crate::config::DEFAULT_RATE_RESERVE_PERCENT,
        }
    }
}

/// What one run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncReport {
    /// Conversations written (fetched with parts and stored).
    pub conversations: u64,
    pub parts: u64,
    pub contacts: u64,
    /// Conversations deleted locally (deletions feed, 404s, reconciliation).
    pub deleted: u64,
    /// Contacts deleted locally because Intercom no longer lists them (deleted or merged; found by
    /// reconciliation).
    pub contacts_deleted: u64,
    /// `GET /conversations/{id}` results handled.
    pub fetched: u64,
    pub requests: u64,
    pub rate_limited: u64,
    pub duration_ms: u64,
    /// The conversations high-water mark after the run.
    pub hwm: Option<i64>,
    /// Whether the full id walk ran.
    pub reconciled: bool,
    /// Rows in the database after the run.
    pub total_conversations: i64,
    /// Deletions refused by the guard ("resource: reason"), also in `sync_metadata.deletions_refused`.
    pub deletions_refused: Vec<String>,
    /// The most requests the adaptive bound allowed in flight during the run.
    pub concurrency_peak: u64,
    /// Conversations Intercom reports in the covered window that the store still lacks after the run.
    pub shortfall: u64,
    /// Tickets written (with their parts), and deleted because Intercom confirmed them gone.
    pub tickets: u64,
    pub ticket_parts: u64,
    pub tickets_deleted: u64,
    /// Help Center articles written, and deleted because Intercom confirmed them gone.
    pub articles: u64,
    pub articles_deleted: u64,
    /// Companies written (new or changed since the stored copy), and deleted because Intercom
    /// confirmed them gone; companies scrolls started again after a failure mid-way.
    pub companies: u64,
    pub companies_deleted: u64,
    pub company_scroll_restarts: u64,
    /// Segments listed.
    pub segments: u64,
    /// Conversations fetched by a re-read of the covered window that closed (part of) a shortfall.
    pub healed: u64,
}

impl SyncReport {
    /// `ok`, or `incomplete` when Intercom reports conversations the store still lacks.
    pub fn status(&self) -> SyncState {
        if self.shortfall > 0 {
            SyncState::Incomplete
        } else {
            SyncState::Ok
        }
    }
}

/// What every part of a run shares.
pub struct Ctx {
    pub api: IntercomClient,
    pub db: Db,
    pub progress: Arc<Progress>,
    pub concurrency: usize,
    pub stop: Stop,
    /// `reconcile_max_delete_percent` (see [`guard`]).
    pub max_delete_percent: u8,
    /// Deletions refused this run (see [`guard`]), for the report.
    pub refused: std::sync::Mutex<Vec<String>>,
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}
