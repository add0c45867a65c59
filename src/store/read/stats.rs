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
    if let Some(s) = q.since {
        args.push(Value::Integer(s));
        conds.push(format!("{col} >= ?{}", args.len()));
    }
    if let Some(u) = q.until {
        args.push(Value::Integer(u));
        conds.push(format!("{col} < ?{}", args.len()));
    }
    if let Some(s) = &q.state {
        args.push(Value::Text(s.trim().to_ascii_lowercase()));
        conds.push(format!("c.state = ?{}", args.len()));
    }
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
    let total: i64 = conn
        .prepare_cached(&format!("SELECT count(*) FROM {from} {where_}"))?
        .query_row(params_from_iter(args.iter()), |r| r.get(0))?;
    let sql = match q.group_by {
        GroupBy::State => {
            format!("SELECT c.state, NULL, count(*) FROM {from} {where_} GROUP BY c.state ORDER BY 3 DESC, 1")
        }
        GroupBy::Team => format!(
            "SELECT coalesce(c.team_assignee_id, 'none'), t.name, count(*) FROM {from} \
             LEFT JOIN teams t ON t.id = c.team_assignee_id {where_} GROUP BY c.team_assignee_id \
             ORDER BY 3 DESC, 1"
        ),
        GroupBy::Admin => format!(
            "SELECT coalesce(c.admin_assignee_id, 'none'), a.name, count(*) FROM {from} \
             LEFT JOIN admins a ON a.id = c.admin_assignee_id {where_} GROUP BY c.admin_assignee_id \
             ORDER BY 3 DESC, 1"
        ),
        GroupBy::Tag => format!(
            "SELECT ct.tag_id, t.name, count(*) FROM {from} \
             JOIN conversation_tags ct ON ct.conversation_id = c.id LEFT JOIN tags t ON t.id = ct.tag_id \
             {where_} GROUP BY ct.tag_id ORDER BY 3 DESC, 1"
        ),
        GroupBy::Day => format!(
            "SELECT strftime('%Y-%m-%d', {col}, 'unixepoch'), NULL, count(*) FROM {from} \
             {where_} GROUP BY 1 ORDER BY 1"
        ),
    };
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut buckets: Vec<StatsBucket> = stmt
        .query_map(params_from_iter(args.iter()), |r| {
            Ok(StatsBucket {
                key: r.get(0)?,
                label: r.get(1)?,
                count: r.get(2)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    if q.group_by == GroupBy::Tag {
        let tagged: i64 = conn
            .prepare_cached(&format!(
                "SELECT count(*) FROM {from} {} EXISTS \
                 (SELECT 1 FROM conversation_tags ct WHERE ct.conversation_id = c.id)",
                if where_.is_empty() {
                    "WHERE".to_string()
                } else {
                    format!("{where_} AND")
                }
            ))?
            .query_row(params_from_iter(args.iter()), |r| r.get(0))?;
        if total > tagged {
            buckets.push(StatsBucket {
                key: "none".into(),
                label: None,
                count: total - tagged,
            });
        }
    }
    Ok(Stats {
        group_by: q.group_by.name().into(),
        since: q.since,
        until: q.until,
        total,
        buckets,
    })
}
