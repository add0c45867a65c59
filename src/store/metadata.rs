//! The `sync_metadata` table: per resource ('conversations', 'contacts', 'admins', 'teams', 'tags') and an
//! 'overall' row. The sync writes it; `status`, the MCP server (`get_sync_status`, `data_as_of` on every
//! answer) and the client library (cache-or-REST decision) read it.

use crate::model::Freshness;
use anyhow::Result;
use rusqlite::{Connection, OptionalExtension, Row};
use serde::{Deserialize, Serialize};

pub const OVERALL: &str = "overall";

/// One `sync_metadata` row. Times are Unix seconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SyncMeta {
    pub resource: String,
    /// never | running | ok | error
    pub status: String,
    pub last_attempt_start: Option<i64>,
    pub last_attempt_end: Option<i64>,
    pub last_success: Option<i64>,
    pub last_error: Option<String>,
    pub high_water_mark: Option<i64>,
    pub coverage_start: Option<i64>,
    pub coverage_end: Option<i64>,
    pub row_count: i64,
    pub requests: i64,
    pub rate_limited: i64,
    pub duration_ms: Option<i64>,
    pub last_reconcile: Option<i64>,
    pub last_deleted_poll: Option<i64>,
}

const COLUMNS: &str = "resource, status, last_attempt_start, last_attempt_end, last_success, last_error, \
    high_water_mark, coverage_start, coverage_end, row_count, requests, rate_limited, duration_ms, \
    last_reconcile, last_deleted_poll";

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
            data_as_of: None,
            staleness_seconds: None,
            sync_status: "never".into(),
            coverage_start: None,
            last_error: None,
        },
        Some(m) => Freshness {
            data_as_of: m.last_success,
            staleness_seconds: m.last_success.map(|t| (now - t).max(0)),
            sync_status: m.status.clone(),
            coverage_start: m.coverage_start,
            last_error: m.last_error.clone(),
        },
    }
}
