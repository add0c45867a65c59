//! The `sync_metadata` table: per resource ('conversations', 'contacts', 'admins', 'teams', 'tags', 'tickets',
//! 'ticket_types', 'ticket_states', 'articles', 'companies', 'segments') and an 'overall' row. The sync writes it; `status`, the MCP server (`get_sync_status`, `data_as_of` on every
//! answer) and the client library (cache-or-REST decision) read it.

use crate::model::Freshness;
// The row and its status are answer types (`get_sync_status`); the store reads and writes them.
pub use crate::model::{SyncMeta, SyncState};
use anyhow::Result;
use rusqlite::{Connection, OptionalExtension, Row};

pub const OVERALL: &str = SyncMeta::OVERALL;

impl rusqlite::types::FromSql for SyncState {
    fn column_result(v: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
        let s = v.as_str()?;
        SyncState::parse(s).ok_or_else(|| {
            rusqlite::types::FromSqlError::Other(format!("unknown sync status {s:?} in sync_metadata").into())
        })
    }
}

impl rusqlite::types::ToSql for SyncState {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        Ok(self.as_str().into())
    }
}

const COLUMNS: &str = "resource, status, last_attempt_start, last_attempt_end, last_success, last_error, \
    high_water_mark, coverage_start, coverage_end, row_count, requests, rate_limited, duration_ms, \
    last_reconcile, last_deleted_poll, shortfall, deletions_refused";

fn from_row(r: &Row<'_>) -> rusqlite::Result<SyncMeta> {
    Ok(SyncMeta {
        resource: r.get(0)?,
        status: r.get(1)?,
        last_attempt_start: r.get(2)?,
        last_attempt_end: r.get(3)?,
        last_success: r.get(4)?,
        last_error: r.get(5)?,
        high_water_mark: r.get(6)?,
        coverage_start: r.get(7)?,
        coverage_end: r.get(8)?,
        row_count: r.get(9)?,
        requests: r.get(10)?,
        rate_limited: r.get(11)?,
        duration_ms: r.get(12)?,
        last_reconcile: r.get(13)?,
        last_deleted_poll: r.get(14)?,
        shortfall: r.get(15)?,
        deletions_refused: r.get(16)?,
    })
}

/// One resource's row, None if no sync ever touched it.
pub fn read(conn: &Connection, resource: &str) -> Result<Option<SyncMeta>> {
    let sql = format!("SELECT {COLUMNS} FROM sync_metadata WHERE resource = ?1");
    Ok(conn.query_row(&sql, [resource], from_row).optional()?)
}

/// Every row, 'overall' first, then by resource name.
pub fn read_all(conn: &Connection) -> Result<Vec<SyncMeta>> {
    let sql = format!("SELECT {COLUMNS} FROM sync_metadata ORDER BY resource != '{OVERALL}', resource");
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt
        .query_map([], from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// The freshness stamp attached to every answer, from the 'overall' row.
pub fn freshness(conn: &Connection, now: i64) -> Result<Freshness> {
    Ok(freshness_of(read(conn, OVERALL)?.as_ref(), now))
}

pub fn freshness_of(meta: Option<&SyncMeta>, now: i64) -> Freshness {
    match meta {
        None => Freshness {
            source: "cache".into(),
            data_as_of: None,
            data_as_of_utc: None,
            staleness_seconds: None,
            age: None,
            stale: true,
            max_staleness_seconds: None,
            sync_status: SyncState::Never,
            coverage_start: None,
            last_error: None,
            reason: None,
        },
        Some(m) => Freshness {
            source: "cache".into(),
            data_as_of: m.last_success,
            data_as_of_utc: m.last_success.and_then(crate::model::iso_utc),
            staleness_seconds: m.last_success.map(|t| (now - t).max(0)),
            age: m
                .last_success
                .map(|t| crate::timespec::fmt_age(now.saturating_sub(t))),
            stale: m.last_success.is_none(),
            max_staleness_seconds: None,
            sync_status: m.status,
            coverage_start: m.coverage_start,
            last_error: m.last_error.clone(),
            reason: None,
        },
    }
}

// ---- Write side (used only by `sync`). ----

/// A partial update of one `sync_metadata` row: `None` leaves a column as it is. `coverage_start` only
/// ever moves earlier. `last_error` is written as given when `set_last_error` is true (None clears it).
#[derive(Debug, Clone, Default)]
pub struct MetaUpdate {
    pub status: Option<SyncState>,
    pub last_attempt_start: Option<i64>,
    pub last_attempt_end: Option<i64>,
    pub last_success: Option<i64>,
    pub set_last_error: bool,
    pub last_error: Option<String>,
    pub high_water_mark: Option<i64>,
    pub coverage_start: Option<i64>,
    pub coverage_end: Option<i64>,
    pub row_count: Option<i64>,
    pub requests: Option<i64>,
    pub rate_limited: Option<i64>,
    pub duration_ms: Option<i64>,
    pub last_reconcile: Option<i64>,
    pub last_deleted_poll: Option<i64>,
}

/// Apply `u` to `resource`'s row, creating the row if needed. Takes a plain connection or a transaction
/// (so a checkpoint commits with the data it covers).
pub fn update(conn: &Connection, resource: &str, u: &MetaUpdate) -> Result<()> {
    conn.prepare_cached("INSERT OR IGNORE INTO sync_metadata (resource) VALUES (?1)")?
        .execute([resource])?;
    conn.prepare_cached(
        "UPDATE sync_metadata SET
            status = coalesce(?2, status),
            last_attempt_start = coalesce(?3, last_attempt_start),
            last_attempt_end = coalesce(?4, last_attempt_end),
            last_success = coalesce(?5, last_success),
            last_error = CASE WHEN ?6 THEN ?7 ELSE last_error END,
            high_water_mark = coalesce(?8, high_water_mark),
            coverage_start = CASE WHEN ?9 IS NULL THEN coverage_start
                                  WHEN coverage_start IS NULL THEN ?9
                                  ELSE min(coverage_start, ?9) END,
            coverage_end = coalesce(?10, coverage_end),
            row_count = coalesce(?11, row_count),
            requests = coalesce(?12, requests),
            rate_limited = coalesce(?13, rate_limited),
            duration_ms = coalesce(?14, duration_ms),
            last_reconcile = coalesce(?15, last_reconcile),
            last_deleted_poll = coalesce(?16, last_deleted_poll)
         WHERE resource = ?1",
    )?
    .execute(rusqlite::params![
        resource,
        u.status,
        u.last_attempt_start,
        u.last_attempt_end,
        u.last_success,
        u.set_last_error,
        u.last_error,
        u.high_water_mark,
        u.coverage_start,
        u.coverage_end,
        u.row_count,
        u.requests,
        u.rate_limited,
        u.duration_ms,
        u.last_reconcile,
        u.last_deleted_poll,
    ])?;
    Ok(())
}

/// Mark a run of `resource` as started at `now`.
pub fn mark_running(conn: &Connection, resource: &str, now: i64) -> Result<()> {
    update(
        conn,
        resource,
        &MetaUpdate {
            status: Some(SyncState::Running),
            last_attempt_start: Some(now),
            ..Default::default()
        },
    )
}

/// Mark a run of `resource` as failed: keeps the data, the last success and the coverage.
pub fn mark_error(conn: &Connection, resource: &str, now: i64, error: &str, duration_ms: i64) -> Result<()> {
    let one_line = error.split_whitespace().collect::<Vec<_>>().join(" ");
    update(
        conn,
        resource,
        &MetaUpdate {
            status: Some(SyncState::Error),
            last_attempt_end: Some(now),
            set_last_error: true,
            last_error: Some(one_line),
            duration_ms: Some(duration_ms),
            ..Default::default()
        },
    )
}

/// Set the high-water mark exactly (it may move back when a run widens the window, e.g. `--full`).
pub fn set_high_water_mark(conn: &Connection, resource: &str, hwm: Option<i64>) -> Result<()> {
    conn.prepare_cached("INSERT OR IGNORE INTO sync_metadata (resource) VALUES (?1)")?
        .execute([resource])?;
    conn.prepare_cached("UPDATE sync_metadata SET high_water_mark = ?2 WHERE resource = ?1")?
        .execute(rusqlite::params![resource, hwm])?;
    Ok(())
}
