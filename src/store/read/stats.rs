//! `conversation_stats`: counts of conversations in a time window, grouped by state, team, admin, tag or day.

use super::DateField;
use crate::model::{Stats, StatsBucket};
use anyhow::{Result, bail};
use rusqlite::types::Value;
use rusqlite::{Connection, params_from_iter};

/// What to group by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    State,
    Team,
    Admin,
    Tag,
    Day,
}

impl GroupBy {
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "state" => Some(GroupBy::State),
            "team" => Some(GroupBy::Team),
            "admin" => Some(GroupBy::Admin),
            "tag" => Some(GroupBy::Tag),
            "day" => Some(GroupBy::Day),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            GroupBy::State => "state",
            GroupBy::Team => "team",
            GroupBy::Admin => "admin",
            GroupBy::Tag => "tag",
            GroupBy::Day => "day",
        }
    }
}

/// A validated stats request.
#[derive(Debug, Clone)]
pub struct StatsQuery {
    pub since: Option<i64>,
    pub until: Option<i64>,
    pub date_field: DateField,
    pub group_by: GroupBy,
    pub state: Option<String>,
}

/// Count conversations per group. Unassigned (and untagged) conversations form the `none` bucket.
pub fn stats(conn: &Connection, q: &StatsQuery) -> Result<Stats> {
    if let (Some(s), Some(u)) = (q.since, q.until)
        && s > u
    {
        bail!("since is after until");
    }
    let mut args: Vec<Value> = Vec::new();
    let mut conds: Vec<String> = Vec::new();
    let col = q.date_field.column();
    super::push_window_and_state(
        &mut args,
        &mut conds,
        q.date_field,
        q.since,
        q.until,
        q.state.as_deref(),
    );
    let where_ = if conds.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conds.join(" AND "))
    };
    // With a window, walk the covering index of the window's column (migration 0002); SQLite would
    // otherwise pick the index that matches GROUP BY and visit every row.
    let from = match (q.since.is_some() || q.until.is_some(), q.date_field) {
        (false, _) => "conversations c",
        (true, DateField::CreatedAt) => "conversations c INDEXED BY conversations_created_cover",
        (true, DateField::UpdatedAt) => "conversations c INDEXED BY conversations_updated_cover",
    };
    // Group first, then look names up for the few groups. Every conversation falls in exactly one
    // state/team/admin/day bucket ("none" for unassigned), so the total is their sum; a conversation has
    // any number of tags, so for tags the total is counted on its own and untagged ones are "none".
    let sql = match q.group_by {
        GroupBy::State => {
            format!("SELECT c.state, NULL, count(*) FROM {from} {where_} GROUP BY c.state ORDER BY 3 DESC, 1")
        }
        GroupBy::Team => format!(
            "SELECT coalesce(g.k, 'none'), t.name, g.n FROM \
               (SELECT c.team_assignee_id AS k, count(*) AS n FROM {from} {where_} GROUP BY 1) g \
             LEFT JOIN teams t ON t.id = g.k ORDER BY 3 DESC, 1"
        ),
        GroupBy::Admin => format!(
            "SELECT coalesce(g.k, 'none'), a.name, g.n FROM \
               (SELECT c.admin_assignee_id AS k, count(*) AS n FROM {from} {where_} GROUP BY 1) g \
             LEFT JOIN admins a ON a.id = g.k ORDER BY 3 DESC, 1"
        ),
        GroupBy::Tag => format!(
            "SELECT coalesce(g.k, 'none'), t.name, g.n FROM \
               (SELECT ct.tag_id AS k, count(*) AS n FROM {from} \
                LEFT JOIN conversation_tags ct ON ct.conversation_id = c.id {where_} GROUP BY 1) g \
             LEFT JOIN tags t ON t.id = g.k ORDER BY g.k IS NULL, 3 DESC, 1"
        ),
        GroupBy::Day => format!(
            "SELECT strftime('%Y-%m-%d', {col}, 'unixepoch'), NULL, count(*) FROM {from} \
             {where_} GROUP BY 1 ORDER BY 1"
        ),
    };
    let mut stmt = conn.prepare_cached(&sql)?;
    let buckets: Vec<StatsBucket> = stmt
        .query_map(params_from_iter(args.iter()), |r| {
            Ok(StatsBucket {
                key: r.get(0)?,
                label: r.get(1)?,
                count: r.get(2)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    let total: i64 = if q.group_by == GroupBy::Tag {
        conn.prepare_cached(&format!("SELECT count(*) FROM {from} {where_}"))?
            .query_row(params_from_iter(args.iter()), |r| r.get(0))?
    } else {
        buckets.iter().map(|b| b.count).sum()
    };
    Ok(Stats {
        group_by: q.group_by.name().into(),
        since: q.since,
        until: q.until,
        total,
        buckets,
    })
}
