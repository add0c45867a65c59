//! `ticket_stats`: counts of tickets in a time window, grouped by state, category, type, team, admin,
//! day, week or month, with the same filters as the ticket search.

use super::tickets::{TicketFilters, push_ticket_window, ticket_date_column};
use crate::model::{DateField, Stats, StatsBucket, TicketGroupBy};
use anyhow::Result;
use rusqlite::types::Value;
use rusqlite::{Connection, params_from_iter};

/// A validated ticket stats request.
#[derive(Debug, Clone)]
pub struct TicketStatsQuery {
    pub since: Option<i64>,
    pub until: Option<i64>,
    pub date_field: DateField,
    pub group_by: TicketGroupBy,
    pub filters: TicketFilters,
}

/// Count tickets per group. Unassigned tickets (and tickets without a type or state) form the `none`
/// bucket; every ticket is in exactly one bucket, so the total is their sum.
pub fn stats(conn: &Connection, q: &TicketStatsQuery) -> Result<Stats> {
    let mut args: Vec<Value> = Vec::new();
    let mut conds: Vec<String> = Vec::new();
    push_ticket_window(&mut args, &mut conds, q.date_field, q.since, q.until);
    q.filters.push(&mut args, &mut conds);
    let where_ = if conds.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conds.join(" AND "))
    };
    let col = ticket_date_column(q.date_field);
    let by_count = |key: &str, label: &str, join: &str| {
        format!(
            "SELECT coalesce(g.k, 'none'), {label}, g.n FROM \
               (SELECT {key} AS k, count(*) AS n FROM tickets t {where_} GROUP BY 1) g {join} \
             ORDER BY 3 DESC, 1"
        )
    };
    let sql = match q.group_by {
        TicketGroupBy::State => by_count("t.state_category", "NULL", ""),
        TicketGroupBy::Category => by_count("t.category", "NULL", ""),
        TicketGroupBy::Type => format!(
            "SELECT coalesce(g.k, 'none'), g.label, g.n FROM \
               (SELECT t.ticket_type_id AS k, max(t.ticket_type_name) AS label, count(*) AS n \
                FROM tickets t {where_} GROUP BY 1) g ORDER BY 3 DESC, 1"
        ),
        TicketGroupBy::Team => by_count(
            "t.team_assignee_id",
            "tm.name",
            "LEFT JOIN teams tm ON tm.id = g.k",
        ),
        TicketGroupBy::Admin => by_count(
            "t.admin_assignee_id",
            "a.name",
            "LEFT JOIN admins a ON a.id = g.k",
        ),
        TicketGroupBy::Day => period("strftime('%Y-%m-%d', {c}, 'unixepoch')", col, &where_),
        TicketGroupBy::Week => period("date({c}, 'unixepoch', 'weekday 0', '-6 days')", col, &where_),
        TicketGroupBy::Month => period("strftime('%Y-%m', {c}, 'unixepoch')", col, &where_),
    };
    let buckets: Vec<StatsBucket> = conn
        .prepare_cached(&sql)?
        .query_map(params_from_iter(args), |r| {
            Ok(StatsBucket {
                key: r.get(0)?,
                label: r.get(1)?,
                count: r.get(2)?,
                ..Default::default()
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(Stats {
        group_by: q.group_by.name().into(),
        since: q.since,
        until: q.until,
        total: buckets.iter().map(|b| b.count).sum(),
        buckets,
    })
}

/// Buckets of a period, in time order.
fn period(key: &str, col: &str, where_: &str) -> String {
    let key = key.replace("{c}", col);
    format!("SELECT {key}, NULL, count(*) FROM tickets t {where_} GROUP BY 1 ORDER BY 1")
}
