//! One sync run, in-process: take the lock, check the database, run the passes ([`super::passes`]), and
//! record the outcome in `sync_metadata` and the lock file.

use super::db::Db;
use super::passes::Run;
use super::progress::Progress;
use super::{
    Ctx, DIRECTORY_RESOURCES, RESOURCE_CONTACTS, RESOURCE_CONVERSATIONS, SyncOptions, SyncReport,
    WORKSPACE_RESOURCES, completeness, lock, now,
};
use crate::intercom::{ApiStats, IntercomClient};
use crate::store::metadata::{self, MetaUpdate, OVERALL};
use crate::store::write::{self, Table};
use anyhow::{Context, Result};
use std::sync::Arc;
use std::time::Instant;

/// The database is checked with `PRAGMA quick_check` on every run while it is at most this big; a bigger
/// one once a day (a check reads every page: about a second per GB).
const CHECK_EVERY_RUN_BYTES: u64 = 512 * 1024 * 1024;
const CHECK_EVERY_SECONDS: i64 = 86_400;

/// One sync run, in-process. Takes the lock (fails with [`super::SyncBusy`] if another sync holds it) and records
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
