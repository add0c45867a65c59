//! Never silently behind: after a run, compare what Intercom's search reports for the covered window
//! with what the store holds, close a gap by re-reading the window, and record what is left.
//!
//! The incremental search reads `updated_at > high-water mark - overlap`, so a conversation Intercom
//! dates before that (an import, a clock that went backwards) would never be read. One search with
//! `per_page=1` returns `total_count` for `coverage_start <= updated_at <= run start`; the store counts
//! the same window. Conversations updated after the run started only ever move out of the window, and
//! deletions not yet seen only add local rows, so neither makes a false shortfall. When Intercom reports
//! more, the whole covered window is searched again (stored copies are compared, only what is missing or
//! behind is fetched; the high-water mark does not move), at most once per [`HEAL_EVERY`], and counted
//! again. What is still missing is recorded in `sync_metadata.shortfall`, the run's status becomes
//! `incomplete` and the journal line says `shortfall=N`.
//!
//! Conversations dated in the future are read by every run (the search has no upper bound) and never move
//! the high-water mark past the run's start, so they cannot hide later updates either.

use super::conversations::{self, Window};
use super::{Ctx, RESOURCE_CONVERSATIONS};
use anyhow::{Context, Result};
use rusqlite::{Connection, OptionalExtension};
use serde_json::json;

/// The whole covered window is re-read to close a shortfall at most this often (seconds).
pub const HEAL_EVERY: i64 = 3600;

/// What the check found.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Checked {
    /// Conversations Intercom reports in the window.
    pub reported: i64,
    /// Conversations the store holds in the window.
    pub stored: i64,
    /// `reported - stored`, at least 0, after any re-read.
    pub shortfall: i64,
    /// Conversations fetched by the re-read.
    pub healed: u64,
}

/// How many conversations Intercom and the store hold with `from <= updated_at <= to`.
async fn counts(ctx: &Ctx, from: i64, to: i64) -> Result<(i64, i64)> {
    let query = json!({"operator": "AND", "value": [
        {"field": "updated_at", "operator": ">", "value": from - 1},
        {"field": "updated_at", "operator": "<=", "value": to},
    ]});
    let page = ctx
        .api
        .search_conversations(&query, None, 1, None)
        .await
        .context("counting conversations for the completeness check")?;
    let reported = page.total_count.unwrap_or(0);
    let stored = ctx
        .db
        .read(move |c| {
            Ok(c.query_row(
                "SELECT count(*) FROM conversations WHERE updated_at >= ?1 AND updated_at <= ?2",
                [from, to],
                |r| r.get::<_, i64>(0),
            )?)
        })
        .await?;
    Ok((reported, stored))
}

/// Check the conversations covered since `coverage_start` up to `run_start`; re-read the window when
/// Intercom reports more (unless one ran within [`HEAL_EVERY`]); record the result. `hwm` is the
/// high-water mark the run reached (the re-read keeps it).
pub async fn check_conversations(
    ctx: &Ctx,
    coverage_start: i64,
    run_start: i64,
    hwm: i64,
) -> Result<Checked> {
    let (reported, stored) = counts(ctx, coverage_start, run_start).await?;
    let mut out = Checked {
        reported,
        stored,
        shortfall: (reported - stored).max(0),
        healed: 0,
    };
    if out.shortfall > 0 {
        let last_heal = ctx.db.read(|c| last_heal(c, RESOURCE_CONVERSATIONS)).await?;
        if last_heal.is_none_or(|t| run_start - t >= HEAL_EVERY) {
            tracing::info!(
                reported,
                stored,
                "Intercom reports conversations the store lacks; re-reading the covered window"
            );
            let pass = conversations::search_pass(
                ctx,
                Window {
                    lower: coverage_start - 1,
                    cap: hwm,
                    floor: hwm,
                },
            )
            .await?;
            out.healed = pass.fetched;
            ctx.db
                .call(move |c| {
                    c.execute(
                        "UPDATE sync_metadata SET last_heal = ?2 WHERE resource = ?1",
                        rusqlite::params![RESOURCE_CONVERSATIONS, run_start],
                    )?;
                    Ok(())
                })
                .await?;
            let (reported, stored) = counts(ctx, coverage_start, run_start).await?;
            out.reported = reported;
            out.stored = stored;
            out.shortfall = (reported - stored).max(0);
        }
    }
    Ok(out)
}

fn last_heal(c: &Connection, resource: &str) -> Result<Option<i64>> {
    Ok(c.query_row(
        "SELECT last_heal FROM sync_metadata WHERE resource = ?1",
        [resource],
        |r| r.get::<_, Option<i64>>(0),
    )
    .optional()?
    .flatten())
}

/// Record a check's shortfall on `resource` (and its status `incomplete` when something is missing).
/// Call after the resource's success is recorded.
pub fn record(c: &Connection, resource: &str, shortfall: i64, at: i64) -> Result<()> {
    c.execute(
        "UPDATE sync_metadata SET shortfall = ?2, shortfall_checked_at = ?3,
             status = CASE WHEN ?2 > 0 AND status = 'ok' THEN 'incomplete' ELSE status END
         WHERE resource = ?1",
        rusqlite::params![resource, shortfall, at],
    )?;
    Ok(())
}

/// The recorded shortfall of `resource` (None: never checked).
pub fn shortfall(c: &Connection, resource: &str) -> Result<Option<i64>> {
    Ok(c.query_row(
        "SELECT shortfall FROM sync_metadata WHERE resource = ?1",
        [resource],
        |r| r.get::<_, Option<i64>>(0),
    )
    .optional()?
    .flatten())
}
