//! `fastintercom sync`: pull the workspace from Intercom into SQLite.
//!
//! One run ([`sync_once`]): take the lock, refresh admins/teams/tags, run the conversation search pass
//! (backfill on the first run, then incremental from the high-water mark), poll deletions, reconcile ids
//! every `reconcile_hours`, sync contacts, and record each resource's outcome in `sync_metadata`.
//!
//! | file               | owns                                                          |
//! |--------------------|---------------------------------------------------------------|
//! | `conversations.rs` | the search → fetch → write pipeline and its checkpoint        |
//! | `deletions.rs`     | the deleted-conversations feed and the reconciliation walk    |
//! | `guard.rs`         | deletions only when Intercom confirms, at most a share a run  |
//! | `stop.rs`          | SIGTERM/SIGINT stop a run at its next batch boundary          |
//! | `contacts.rs`      | contacts: cursor walk first, day-granular search after        |
//! | `directory.rs`     | admins, teams, tags (full refresh)                            |
//! | `map.rs`           | Intercom models → store records                               |
//! | `db.rs`            | the shared write connection on the blocking pool              |
//! | `lock.rs`          | one sync at a time (`<db>.lock`)                              |
//! | `progress.rs`      | `STATUS=` for systemd, a progress bar on a terminal           |

pub mod contacts;
pub mod conversations;
pub mod db;
pub mod deletions;
pub mod directory;
pub mod guard;
pub mod lock;
pub mod map;
pub mod progress;
pub mod stop;

use crate::cli::SyncArgs;
use crate::config::Settings;
use crate::intercom::{ApiConfig, ApiStats, IntercomClient};
use crate::store::metadata::{self, MetaUpdate, OVERALL};
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

/// Re-read this many seconds below the high-water mark: Intercom's `>` may be inclusive or not, and
/// clocks differ. Duplicates are harmless (the stored copy is compared before fetching).
pub const OVERLAP: i64 = 300;

/// The search window ends this far past our clock, for an Intercom clock slightly ahead of ours (less
/// than [`OVERLAP`], so the next run still re-reads anything updated while the pass ran).
pub const CLOCK_SKEW: i64 = 120;

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

/// One sync run, in-process. Takes the lock (fails with [`SyncBusy`] if another sync holds it).
pub async fn sync_once(opts: SyncOptions) -> Result<SyncReport> {
    let _lock = lock::acquire(&opts.db)?;
    let started = Instant::now();
    let t_start = now();
    let db = Db::open(&opts.db).await?;
    let concurrency = opts.api.concurrency.max(1);
    let api = IntercomClient::new(opts.api.clone()).context("building the Intercom client")?;
    api.set_proactive_throttle(opts.proactive_throttle);
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
            {
                metadata::mark_running(c, r, t_start)?;
            }
            Ok(())
        })
        .await?;
    let mut run = Run {
        ctx: &ctx,
        opts: &opts,
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
                            status: Some("ok"),
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
                    Ok(rows)
                })
                .await?;
            ctx.progress.finish(&format!(
                "synced: {} conversations, {} contacts, {} deleted",
                report.conversations, report.contacts, report.deleted
            ));
            tracing::info!(
                sync_status = "ok",
                conversations_synced = report.conversations,
                parts_synced = report.parts,
                contacts_synced = report.contacts,
                deleted = report.deleted,
                contacts_deleted = report.contacts_deleted,
                deletions_refused = report.deletions_refused.len() as u64,
                requests = report.requests,
                rate_limited = report.rate_limited,
                duration_ms = report.duration_ms,
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
        self.directory().await?;
        self.ctx.stop.check()?;
        self.conversations().await?;
        self.ctx.stop.check()?;
        self.contacts().await?;
        Ok(())
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
        u.status = Some("ok");
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
        let old_hwm = meta.as_ref().and_then(|m| m.high_water_mark);
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
                upper: t_end + CLOCK_SKEW,
                floor,
            },
        )
        .await?;
        self.report.conversations += pass.conversations;
        self.report.parts += pass.parts;
        self.report.deleted += pass.deleted;
        self.report.fetched += pass.fetched;
        let hwm = pass.max_seen.map_or(floor, |m| m.max(floor));
        self.report.hwm = Some(hwm);

        // Deletions feed: skipped on the very first run (nothing stored can be deleted yet).
        let last_poll = meta.as_ref().and_then(|m| m.last_deleted_poll);
        if let Some(since) = last_poll {
            self.report.deleted += deletions::poll_deleted(self.ctx, since).await?;
        }
        let last_reconcile = meta.as_ref().and_then(|m| m.last_reconcile);
        // An interrupted first run never recorded one: reconcile on the next.
        let due = last_reconcile.is_none_or(|t| {
            t_end.saturating_sub(t)
                >= i64::try_from(self.opts.reconcile_hours.saturating_mul(3600)).unwrap_or(i64::MAX)
        });
        // The first run just fetched its whole window: nothing to reconcile yet.
        let reconciled = if !first && (self.opts.full || due) {
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
        let u = MetaUpdate {
            high_water_mark: Some(hwm),
            coverage_start: coverage,
            coverage_end: Some(t_end),
            last_deleted_poll: Some(t_end),
            last_reconcile: (reconciled || first).then_some(t_end),
            ..Default::default()
        };
        self.finish(RESOURCE_CONVERSATIONS, u, Table::Conversations).await
    }

    async fn contacts(&mut self) -> Result<()> {
        self.begin(RESOURCE_CONTACTS);
        let meta = self.ctx.db.call(|c| metadata::read(c, RESOURCE_CONTACTS)).await?;
        let hwm = meta.and_then(|m| m.high_water_mark);
        let out = contacts::sync(self.ctx, hwm, self.opts.full).await?;
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
