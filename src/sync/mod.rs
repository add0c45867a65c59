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

pub mod articles;
pub mod companies;
pub mod completeness;
pub mod contacts;
pub mod conversations;
pub mod db;
pub mod deletions;
pub mod directory;
pub mod guard;
pub mod lock;
use crate::record::wire as map;
pub mod progress;
pub mod stop;
pub mod tickets;

use crate::cli::SyncArgs;
use crate::config::Settings;
use crate::intercom::{ApiConfig, ApiStats, IntercomClient};
use crate::store::metadata::{self, MetaUpdate, OVERALL, SyncState};
use crate::store::write::{self, Table};
use anyhow::{Context, Result};
use conversations::Window;
use db::Db;
use progress::Progress;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub use lock::{EXIT_BUSY, SyncBusy};
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

/// The database is checked with `PRAGMA quick_check` on every run while it is at most this big; a bigger
/// one once a day (a check reads every page: about a second per GB).
const CHECK_EVERY_RUN_BYTES: u64 = 512 * 1024 * 1024;
const CHECK_EVERY_SECONDS: i64 = 86_400;

/// One sync run, in-process. Takes the lock (fails with [`SyncBusy`] if another sync holds it) and records
/// the attempt's outcome in the lock file as well as in `sync_metadata`.
pub async fn sync_once(opts: SyncOptions) -> Result<SyncReport> {
    let started = Instant::now();
    let t_start = now();
    let api = IntercomClient::new(opts.api.clone()).context("building the Intercom client")?;
    api.set_proactive_throttle(opts.proactive_throttle);
    if !opts.db.exists() {
        // A first run: make sure Intercom answers before creating anything on disk, so a wrong URL or
        // token leaves no empty database behind.
        api.me()
            .await
            .context("checking the Intercom connection before the first sync")?;
    }
    let db_path = opts.db.clone();
    let mut lock = tokio::task::spawn_blocking(move || lock::acquire(&db_path, t_start))
        .await
        .context("taking the sync lock")??;
    let result = sync_locked(&opts, api, &mut lock, started, t_start).await;
    match result {
        Ok(r) => {
            lock.finish(now(), lock::Outcome::Ok, None);
            Ok(r)
        }
        Err(e) if crate::store::is_database_error(&e) => {
            let e = e.context(format!(
                "the local database {} failed (disk full, damaged, or not writable?)",
                opts.db.display()
            ));
            lock.finish(now(), lock::Outcome::DatabaseError, Some(&format!("{e:#}")));
            Err(e)
        }
        Err(e) => {
            lock.finish(now(), lock::Outcome::Error, Some(&format!("{e:#}")));
            Err(e)
        }
    }
}

/// `PRAGMA quick_check` when due; a damaged database fails the run with what to do.
async fn check_integrity(db: &Db, path: &std::path::Path, lock: &mut lock::SyncLock, now: i64) -> Result<()> {
    let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let due =
        size <= CHECK_EVERY_RUN_BYTES || lock.last_checked().is_none_or(|t| now - t >= CHECK_EVERY_SECONDS);
    if !due {
        return Ok(());
    }
    let shown = path.display().to_string();
    db.call(move |c| crate::store::quick_check(c).with_context(|| format!("database {shown}")))
        .await?;
    lock.checked(now);
    Ok(())
}

async fn sync_locked(
    opts: &SyncOptions,
    api: IntercomClient,
    lock: &mut lock::SyncLock,
    started: Instant,
    t_start: i64,
) -> Result<SyncReport> {
    let db = Db::open(&opts.db).await?;
    check_integrity(&db, &opts.db, lock, t_start).await?;
    let concurrency = opts.api.concurrency.max(1);
    api.set_rate_reserve_percent(opts.rate_reserve_percent);
    let ctx = Ctx {
        api,
        db,
        progress: Arc::new(Progress::new(opts.progress)),
        concurrency,
        stop: opts.stop.clone(),
        max_delete_percent: opts.max_delete_percent,
        refused: Default::default(),
    };
    ctx.db
        .call(move |c| {
            for r in [OVERALL, RESOURCE_CONVERSATIONS, RESOURCE_CONTACTS]
                .into_iter()
                .chain(DIRECTORY_RESOURCES)
                .chain(WORKSPACE_RESOURCES)
            {
                metadata::mark_running(c, r, t_start)?;
            }
            Ok(())
        })
        .await?;
    let mut run = Run {
        ctx: &ctx,
        opts,
        t_start,
        started,
        report: SyncReport::default(),
        current: OVERALL,
        mark: ApiStats::default(),
    };
    match run.all().await {
        Ok(()) => {
            let mut report = run.report;
            let stats = ctx.api.stats();
            report.requests = stats.requests;
            report.rate_limited = stats.rate_limited;
            report.duration_ms = started.elapsed().as_millis() as u64;
            report.deletions_refused =
                std::mem::take(&mut *ctx.refused.lock().unwrap_or_else(|e| e.into_inner()));
            report.concurrency_peak = ctx.api.concurrency_target().1 as u64;
            let r = report.clone();
            let end = now();
            report.total_conversations = ctx
                .db
                .call(move |c| {
                    let meta = metadata::read(c, RESOURCE_CONVERSATIONS)?;
                    let rows = write::count_rows(c, Table::Conversations)?;
                    metadata::update(
                        c,
                        OVERALL,
                        &MetaUpdate {
                            status: Some(r.status()),
                            last_attempt_end: Some(end),
                            last_success: Some(end),
                            set_last_error: true,
                            high_water_mark: r.hwm,
                            coverage_start: meta.as_ref().and_then(|m| m.coverage_start),
                            coverage_end: Some(t_start),
                            row_count: Some(rows),
                            requests: Some(r.requests as i64),
                            rate_limited: Some(r.rate_limited as i64),
                            duration_ms: Some(r.duration_ms as i64),
                            ..Default::default()
                        },
                    )?;
                    completeness::record(c, OVERALL, r.shortfall as i64, end)?;
                    Ok(rows)
                })
                .await?;
            ctx.progress.finish(&format!(
                "synced: {} conversations, {} contacts, {} deleted",
                report.conversations, report.contacts, report.deleted
            ));
            tracing::info!(
                sync_status = report.status().as_str(),
                shortfall = report.shortfall,
                healed = report.healed,
                conversations_synced = report.conversations,
                parts_synced = report.parts,
                contacts_synced = report.contacts,
                deleted = report.deleted,
                contacts_deleted = report.contacts_deleted,
                tickets_synced = report.tickets,
                ticket_parts_synced = report.ticket_parts,
                tickets_deleted = report.tickets_deleted,
                articles_synced = report.articles,
                articles_deleted = report.articles_deleted,
                companies_synced = report.companies,
                companies_deleted = report.companies_deleted,
                company_scroll_restarts = report.company_scroll_restarts,
                segments_synced = report.segments,
                deletions_refused = report.deletions_refused.len() as u64,
                requests = report.requests,
                rate_limited = report.rate_limited,
                duration_ms = report.duration_ms,
                concurrency_peak = report.concurrency_peak,
                hwm = report.hwm,
                conversations_total = report.total_conversations,
                "sync finished"
            );
            Ok(report)
        }
        Err(e) => {
            let msg = format!("{e:#}");
            let current = run.current;
            let ms = started.elapsed().as_millis() as i64;
            let stats = ctx.api.stats();
            let end = now();
            let m = msg.clone();
            let _ = ctx
                .db
                .call(move |c| {
                    metadata::mark_error(c, current, end, &m, ms)?;
                    metadata::mark_error(c, OVERALL, end, &m, ms)?;
                    metadata::update(
                        c,
                        OVERALL,
                        &MetaUpdate {
                            requests: Some(stats.requests as i64),
                            rate_limited: Some(stats.rate_limited as i64),
                            ..Default::default()
                        },
                    )?;
                    // Resources this run never reached keep their previous status.
                    c.execute(
                        "UPDATE sync_metadata SET status = CASE WHEN last_success IS NULL THEN 'never' ELSE 'ok' END
                         WHERE status = 'running'",
                        [],
                    )?;
                    Ok(())
                })
                .await;
            ctx.progress.finish(&format!("sync failed: {msg}"));
            // The same structured fields as a success, so `journalctl -o json` shows failed runs as data too.
            // On a terminal the caller prints the one-line reason instead (no second line on stderr).
            if crate::telemetry::is_journald() {
                tracing::error!(
                sync_status = "error",
                resource = current,
                error = %msg,
                requests = stats.requests,
                rate_limited = stats.rate_limited,
                duration_ms = ms,
                "sync failed"
                );
            }
            Err(e)
        }
    }
}

struct Run<'a> {
    ctx: &'a Ctx,
    opts: &'a SyncOptions,
    t_start: i64,
    started: Instant,
    report: SyncReport,
    /// The resource being synced (marked `error` if the run fails).
    current: &'static str,
    mark: ApiStats,
}

impl Run<'_> {
    async fn all(&mut self) -> Result<()> {
        self.conversations_and_contacts().await?;
        self.ctx.stop.check()?;
        self.tickets().await?;
        self.ctx.stop.check()?;
        self.articles().await?;
        self.ctx.stop.check()?;
        self.segments().await?;
        self.ctx.stop.check()?;
        self.companies().await
    }

    async fn conversations_and_contacts(&mut self) -> Result<()> {
        self.directory().await?;
        self.ctx.stop.check()?;
        let meta = self
            .ctx
            .db
            .call(|c| metadata::read(c, RESOURCE_CONVERSATIONS))
            .await?;
        if self.reconcile_due(meta.as_ref()) {
            // The contact id walk must see the store before this run's contacts pass writes to it.
            self.conversations().await?;
            self.ctx.stop.check()?;
            return self.contacts().await;
        }
        // The contacts walk follows one cursor (one request in flight at a time): run it beside the
        // conversation pass, so it takes no wall time of its own.
        let (ctx, full) = (self.ctx, self.opts.full);
        let contacts = async move {
            let meta = ctx.db.call(|c| metadata::read(c, RESOURCE_CONTACTS)).await?;
            let hwm = meta.and_then(|m| m.high_water_mark);
            contacts::sync(ctx, hwm, full).await
        };
        let (conv, cont) = tokio::join!(self.conversations(), contacts);
        conv?;
        self.current = RESOURCE_CONTACTS;
        let out = cont?;
        self.finish_contacts(out).await
    }

    /// Whether this run walks every id (deletions, missed parts): on `--full` or every
    /// `reconcile_hours`, never on the first run (it just fetched its whole window).
    fn reconcile_due(&self, meta: Option<&metadata::SyncMeta>) -> bool {
        let first = meta.and_then(|m| m.high_water_mark).is_none();
        let last_reconcile = meta.and_then(|m| m.last_reconcile);
        // An interrupted first run never recorded one: reconcile on the next.
        let due = last_reconcile.is_none_or(|t| {
            self.t_start.saturating_sub(t)
                >= i64::try_from(self.opts.reconcile_hours.saturating_mul(3600)).unwrap_or(i64::MAX)
        });
        !first && (self.opts.full || due)
    }

    /// Start a resource: remember the request counters to report this resource's share.
    fn begin(&mut self, resource: &'static str) {
        tracing::debug!(
            phase = resource,
            elapsed_ms = self.started.elapsed().as_millis() as u64,
            "sync phase"
        );
        self.current = resource;
        self.mark = self.ctx.api.stats();
        self.ctx.progress.phase(resource);
    }

    /// Record a resource's success.
    async fn finish(&mut self, resource: &'static str, mut u: MetaUpdate, count: Table) -> Result<()> {
        let stats = self.ctx.api.stats();
        let end = now();
        u.status = Some(SyncState::Ok);
        u.last_attempt_end = Some(end);
        u.last_success = Some(end);
        u.set_last_error = true;
        u.last_error = None;
        u.requests = Some((stats.requests - self.mark.requests) as i64);
        u.rate_limited = Some((stats.rate_limited - self.mark.rate_limited) as i64);
        u.duration_ms = Some(self.started.elapsed().as_millis() as i64);
        self.ctx
            .db
            .call(move |c| {
                u.row_count = Some(write::count_rows(c, count)?);
                metadata::update(c, resource, &u)
            })
            .await
    }

    async fn directory(&mut self) -> Result<()> {
        self.begin("admins");
        directory::refresh(self.ctx).await?;
        for (r, t) in DIRECTORY_RESOURCES
            .into_iter()
            .zip([Table::Admins, Table::Teams, Table::Tags])
        {
            let u = MetaUpdate {
                coverage_start: Some(0),
                coverage_end: Some(self.t_start),
                ..Default::default()
            };
            self.finish(r, u, t).await?;
            // The refresh's requests are reported once, on 'admins'.
            self.mark = self.ctx.api.stats();
        }
        Ok(())
    }

    async fn conversations(&mut self) -> Result<()> {
        self.begin(RESOURCE_CONVERSATIONS);
        let t_end = self.t_start;
        let meta = self
            .ctx
            .db
            .call(|c| metadata::read(c, RESOURCE_CONVERSATIONS))
            .await?;
        // A mark past our clock (left by a future-dated conversation before marks were capped) would
        // hide every update until then.
        let old_hwm = meta
            .as_ref()
            .and_then(|m| m.high_water_mark)
            .map(|h| h.min(t_end));
        let first = old_hwm.is_none();
        let wanted = if self.opts.full {
            Some(0)
        } else if let Some(s) = self.opts.since {
            Some(s)
        } else if first {
            Some(t_end.saturating_sub(i64::from(self.opts.backfill_days) * 86_400))
        } else {
            None
        };
        // Extending the window moves the checkpoint back to where the extension starts, so an
        // interrupted extension resumes from there; a plain run keeps its mark.
        let (lower, floor) = match (wanted, old_hwm) {
            (Some(w), Some(h)) if w < h => (w.max(0), w.max(0)),
            (_, Some(h)) => (h.saturating_sub(OVERLAP).max(0), h),
            (Some(w), None) => (w.max(0), w.max(0)),
            (None, None) => unreachable!("first run always has a window"),
        };
        let coverage = wanted.map(|w| w.max(0));
        self.ctx
            .db
            .call(move |c| {
                if floor < old_hwm.unwrap_or(i64::MAX) {
                    metadata::set_high_water_mark(c, RESOURCE_CONVERSATIONS, Some(floor))?;
                }
                if first {
                    // The backfill start; it only becomes "covered" with coverage_end on success.
                    metadata::update(
                        c,
                        RESOURCE_CONVERSATIONS,
                        &MetaUpdate {
                            coverage_start: coverage,
                            ..Default::default()
                        },
                    )?;
                }
                Ok(())
            })
            .await?;
        let pass = conversations::search_pass(
            self.ctx,
            Window {
                lower,
                cap: t_end,
                floor,
            },
        )
        .await?;
        self.report.conversations += pass.conversations;
        self.report.parts += pass.parts;
        self.report.deleted += pass.deleted;
        self.report.fetched += pass.fetched;
        let hwm = pass.max_seen.map_or(floor, |m| m.min(t_end).max(floor));
        self.report.hwm = Some(hwm);

        // Deletions feed: skipped on the very first run (nothing stored can be deleted yet).
        let last_poll = meta.as_ref().and_then(|m| m.last_deleted_poll);
        if let Some(since) = last_poll {
            self.report.deleted += deletions::poll_deleted(self.ctx, since).await?;
        }
        let reconciled = if self.reconcile_due(meta.as_ref()) {
            tracing::debug!(
                elapsed_ms = self.started.elapsed().as_millis() as u64,
                "reconciling"
            );
            let cov = meta
                .as_ref()
                .and_then(|m| m.coverage_start)
                .unwrap_or(0)
                .min(coverage.unwrap_or(i64::MAX));
            let r = deletions::reconcile(self.ctx, cov).await?;
            self.report.deleted += r.deleted;
            self.report.conversations += r.conversations;
            self.report.parts += r.parts;
            self.report.fetched += r.refetched;
            self.report.contacts_deleted += r.contacts_deleted;
            self.report.reconciled = true;
            true
        } else {
            false
        };
        // The covered window: what earlier runs covered, widened by this run's backfill, if any.
        let covered = [meta.as_ref().and_then(|m| m.coverage_start), coverage]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(0);
        let checked = completeness::check_conversations(self.ctx, covered, t_end, hwm).await?;
        self.report.shortfall = checked.shortfall as u64;
        self.report.healed = checked.healed;
        self.report.fetched += checked.healed;
        if checked.shortfall > 0 {
            tracing::warn!(
                reported = checked.reported,
                stored = checked.stored,
                shortfall = checked.shortfall,
                "the store lacks conversations Intercom reports; the next re-read or `sync --full` fetches them"
            );
        }
        let u = MetaUpdate {
            high_water_mark: Some(hwm),
            coverage_start: coverage,
            coverage_end: Some(t_end),
            last_deleted_poll: Some(t_end),
            last_reconcile: (reconciled || first).then_some(t_end),
            ..Default::default()
        };
        self.finish(RESOURCE_CONVERSATIONS, u, Table::Conversations)
            .await?;
        let shortfall = checked.shortfall;
        self.ctx
            .db
            .call(move |c| completeness::record(c, RESOURCE_CONVERSATIONS, shortfall, t_end))
            .await
    }

    async fn tickets(&mut self) -> Result<()> {
        self.begin(RESOURCE_TICKET_TYPES);
        tickets::refresh_types_states(self.ctx).await?;
        let full = MetaUpdate {
            coverage_start: Some(0),
            coverage_end: Some(self.t_start),
            ..Default::default()
        };
        self.finish(RESOURCE_TICKET_TYPES, full.clone(), Table::TicketTypes)
            .await?;
        // One refresh: its requests are reported once, on 'ticket_types'.
        self.mark = self.ctx.api.stats();
        self.finish(RESOURCE_TICKET_STATES, full, Table::TicketStates)
            .await?;
        self.ctx.stop.check()?;
        self.begin(RESOURCE_TICKETS);
        let meta = self.ctx.db.call(|c| metadata::read(c, RESOURCE_TICKETS)).await?;
        let reconcile = self.reconcile_due(meta.as_ref());
        let hwm = meta.as_ref().and_then(|m| m.high_water_mark);
        let out = tickets::sync(self.ctx, hwm, reconcile, self.t_start).await?;
        self.report.tickets = out.written;
        self.report.ticket_parts = out.parts;
        self.report.tickets_deleted = out.deleted;
        let u = MetaUpdate {
            high_water_mark: out.hwm,
            coverage_start: Some(0),
            coverage_end: Some(self.t_start),
            last_reconcile: (out.reconciled || hwm.is_none()).then_some(self.t_start),
            ..Default::default()
        };
        self.finish(RESOURCE_TICKETS, u, Table::Tickets).await
    }

    async fn articles(&mut self) -> Result<()> {
        self.begin(RESOURCE_ARTICLES);
        let meta = self.ctx.db.call(|c| metadata::read(c, RESOURCE_ARTICLES)).await?;
        let reconcile = self.reconcile_due(meta.as_ref());
        let hwm = meta.as_ref().and_then(|m| m.high_water_mark);
        let out = articles::sync(self.ctx, hwm, reconcile, self.t_start).await?;
        self.report.articles = out.written;
        self.report.articles_deleted = out.deleted;
        let u = MetaUpdate {
            high_water_mark: out.hwm,
            coverage_start: Some(0),
            coverage_end: Some(self.t_start),
            last_reconcile: out.walked_all.then_some(self.t_start),
            ..Default::default()
        };
        self.finish(RESOURCE_ARTICLES, u, Table::Articles).await
    }

    async fn segments(&mut self) -> Result<()> {
        self.begin(RESOURCE_SEGMENTS);
        self.report.segments = companies::refresh_segments(self.ctx).await? as u64;
        let u = MetaUpdate {
            coverage_start: Some(0),
            coverage_end: Some(self.t_start),
            ..Default::default()
        };
        self.finish(RESOURCE_SEGMENTS, u, Table::Segments).await
    }

    async fn companies(&mut self) -> Result<()> {
        self.begin(RESOURCE_COMPANIES);
        let out = companies::sync(self.ctx, self.t_start).await?;
        self.report.companies = out.written;
        self.report.companies_deleted = out.deleted;
        self.report.company_scroll_restarts = u64::from(out.restarts);
        let u = MetaUpdate {
            high_water_mark: out.hwm,
            coverage_start: Some(0),
            coverage_end: Some(self.t_start),
            // Every run walks every company.
            last_reconcile: Some(self.t_start),
            ..Default::default()
        };
        self.finish(RESOURCE_COMPANIES, u, Table::Companies).await
    }

    async fn contacts(&mut self) -> Result<()> {
        self.begin(RESOURCE_CONTACTS);
        let meta = self.ctx.db.call(|c| metadata::read(c, RESOURCE_CONTACTS)).await?;
        let hwm = meta.and_then(|m| m.high_water_mark);
        let out = contacts::sync(self.ctx, hwm, self.opts.full).await?;
        self.finish_contacts(out).await
    }

    async fn finish_contacts(&mut self, out: contacts::ContactsOutcome) -> Result<()> {
        self.report.contacts = out.written;
        let u = MetaUpdate {
            high_water_mark: out.hwm,
            coverage_start: Some(0),
            coverage_end: Some(self.t_start),
            ..Default::default()
        };
        self.finish(RESOURCE_CONTACTS, u, Table::Contacts).await
    }
}

/// `fastintercom sync [--once | --interval MIN] [--full] [--since DATE] [--db PATH]`.
pub async fn run_cli(a: SyncArgs) -> Result<u8> {
    let settings = Settings::load()?;
    let db = settings.db_path(a.db.db.as_deref());
    let since = a
        .since
        .as_deref()
        .map(|s| crate::timespec::parse_time(s, now()))
        .transpose()
        .context("reading --since")?;
    if let Some(s) = since.filter(|s| *s > now()) {
        anyhow::bail!(
            "--since {} is in the future: the backfill would fetch nothing; use a past time such as 30d or YYYY-MM-DD",
            crate::timespec::fmt_time(s)
        );
    }
    let opts = SyncOptions {
        db,
        api: ApiConfig::from_settings(&settings)?,
        full: a.full,
        since,
        backfill_days: settings.backfill_days()?,
        reconcile_hours: settings.reconcile_hours()?,
        max_delete_percent: settings.reconcile_max_delete_percent()?,
        progress: true,
        proactive_throttle: !a.no_proactive_throttle,
        stop: Stop::default(),
        rate_reserve_percent: settings.rate_reserve_percent()?,
    };
    let Some(minutes) = a.interval else {
        return once(opts).await;
    };
    // Installed before the first run: a signal during a run stops it at the next batch boundary, one
    // during the sleep ends the loop; none is lost in between.
    let stop = Stop::on_signals().context("installing the SIGTERM/SIGINT handlers")?;
    let _ = sd_notify::notify(&[sd_notify::NotifyState::Ready]);
    let mut opts = SyncOptions { stop, ..opts };
    loop {
        match sync_once(opts.clone()).await {
            Ok(_) => {}
            Err(e) if e.downcast_ref::<Stopped>().is_some() => {
                tracing::info!("sync stopped on request at a batch boundary; the checkpoint is intact");
                return Ok(EXIT_STOPPED);
            }
            Err(e) if e.downcast_ref::<SyncBusy>().is_some() => tracing::warn!("{e}"),
            // Under journald sync_once already logged it with its structured fields; elsewhere say it
            // here, since the loop goes on and nobody else will.
            Err(e) if !crate::telemetry::is_journald() => {
                tracing::error!(
                    sync_status = "error",
                    "sync failed: {e:#}; next try in {minutes} min"
                )
            }
            Err(_) => {}
        }
        // --full and --since apply to the first run only.
        opts.full = false;
        opts.since = None;
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(minutes.max(1).saturating_mul(60))) => {}
            _ = opts.stop.wait() => return Ok(0),
        }
    }
}

async fn once(opts: SyncOptions) -> Result<u8> {
    match sync_once(opts).await {
        Ok(_) => Ok(0),
        Err(e) if e.downcast_ref::<SyncBusy>().is_some() => {
            eprintln!("fastintercom: {e}");
            Ok(EXIT_BUSY)
        }
        Err(e) if e.downcast_ref::<Stopped>().is_some() => {
            eprintln!("fastintercom: {e}");
            Ok(EXIT_STOPPED)
        }
        Err(e) => Err(e),
    }
}
