//! `conversation_stats`: counts of conversations in a time window, grouped by state, team, admin, tag, day,
//! week or month; optionally with CSAT and response-time figures (median and p90 first response and time to
//! close, from Intercom's conversation statistics) per bucket.

use super::DateField;
use crate::model::{GroupBy, Stats, StatsBucket};
use anyhow::{Result, bail};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, params_from_iter};

impl GroupBy {
    /// The SQL expression of a period's key on column `col`.
    fn period_sql(self, col: &str) -> Option<String> {
        match self {
            GroupBy::Day => Some(format!("strftime('%Y-%m-%d', {col}, 'unixepoch')")),
            GroupBy::Week => Some(format!("date({col}, 'unixepoch', 'weekday 0', '-6 days')")),
            GroupBy::Month => Some(format!("strftime('%Y-%m', {col}, 'unixepoch')")),
            _ => None,
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
    /// Which conversations to count (the same filters as search).
    pub filters: crate::model::ConversationFilters,
    /// Add CSAT and response-time figures per bucket (reads each conversation's row, so slower).
    pub figures: bool,
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
    super::push_window(&mut args, &mut conds, q.date_field, q.since, q.until);
    let window_only = conds.len();
    q.filters.push(&mut args, &mut conds);
    let col = q.date_field.column();
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
        // Periods: count per whole day (an integer, cheap to group), then fold days into the period's key
        // (day, week or month) with the same function the REST path uses.
        GroupBy::Day | GroupBy::Week | GroupBy::Month => format!(
            "SELECT ({col} - (({col} % 86400) + 86400) % 86400) / 86400, NULL, count(*) FROM {from} {where_} \
             GROUP BY 1 ORDER BY 1"
        ),
    };
    if q.group_by == GroupBy::Tag && conds.len() == window_only && !q.figures {
        let total: i64 = conn
            .prepare_cached(&format!("SELECT count(*) FROM {from} {where_}"))?
            .query_row(params_from_iter(args.iter()), |r| r.get(0))?;
        return Ok(Stats {
            group_by: q.group_by.name().into(),
            since: q.since,
            until: q.until,
            total,
            buckets: tag_buckets(conn, q, total)?,
        });
    }
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut buckets: Vec<StatsBucket> = Vec::new();
    let mut rows = stmt.query(params_from_iter(args.iter()))?;
    while let Some(r) = rows.next()? {
        let key = if q.group_by.is_period() {
            let day: i64 = r.get(0)?;
            let Some(key) = q.group_by.period_key(day.saturating_mul(86_400)) else {
                bail!("a {} out of range: day {day}", q.group_by.name());
            };
            key
        } else {
            r.get(0)?
        };
        let count: i64 = r.get(2)?;
        // Days come in order, so the days of one week or month are next to each other.
        match buckets.last_mut() {
            Some(last) if q.group_by.is_period() && last.key == key => last.count += count,
            _ => buckets.push(StatsBucket {
                key,
                label: r.get(1)?,
                count,
                ..StatsBucket::default()
            }),
        }
    }
    drop(rows);
    if q.figures {
        add_figures(conn, q, &from_plain(q), &where_, &args, &mut buckets)?;
    }
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

/// Tag buckets of a window with no other filter, from `conversation_tag_times` (migration 0008): per tag a
/// range count on its (tag, time) index; untagged = the window's `total` minus the conversations with a tag
/// (the '' rows). Same buckets and order as the grouped query.
fn tag_buckets(conn: &Connection, q: &StatsQuery, total: i64) -> Result<Vec<StatsBucket>> {
    let col = match q.date_field {
        DateField::CreatedAt => "created_at",
        DateField::UpdatedAt => "updated_at",
    };
    // Every distinct tag id (one index seek each), '' first.
    let mut ids: Vec<String> = Vec::new();
    let mut next = conn.prepare_cached(
        "SELECT min(tag_id) FROM conversation_tag_times INDEXED BY conversation_tag_times_updated_at \
         WHERE tag_id > ?1",
    )?;
    let mut after: Option<String> = conn
        .prepare_cached("SELECT min(tag_id) FROM conversation_tag_times")?
        .query_row([], |r| r.get(0))?;
    while let Some(id) = after {
        after = next.query_row([&id], |r| r.get(0))?;
        ids.push(id);
    }
    let mut count = conn.prepare_cached(&format!(
        "SELECT count(*) FROM conversation_tag_times INDEXED BY conversation_tag_times_{col} \
         WHERE tag_id = ?1 AND {col} >= ?2 AND {col} < ?3"
    ))?;
    let mut label = conn.prepare_cached("SELECT name FROM tags WHERE id = ?1")?;
    let (since, until) = (q.since.unwrap_or(i64::MIN), q.until.unwrap_or(i64::MAX));
    let mut buckets = Vec::new();
    let mut tagged = 0;
    for id in ids {
        let n: i64 = count.query_row(rusqlite::params![id, since, until], |r| r.get(0))?;
        if id.is_empty() {
            tagged = n;
        } else if n > 0 {
            buckets.push(StatsBucket {
                label: label.query_row([&id], |r| r.get(0)).optional()?.flatten(),
                key: id,
                count: n,
                ..StatsBucket::default()
            });
        }
    }
    buckets.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.key.cmp(&b.key)));
    if total > tagged {
        buckets.push(StatsBucket {
            key: "none".into(),
            count: total - tagged,
            ..StatsBucket::default()
        });
    }
    Ok(buckets)
}

/// The table for the figures query: the row itself is needed (its JSON statistics), not a covering index.
fn from_plain(_q: &StatsQuery) -> String {
    "conversations c".to_string()
}

/// Median and 90th percentile of `v` (sorted in place); None when empty.
fn median_p90(v: &mut [i64]) -> (Option<i64>, Option<i64>) {
    if v.is_empty() {
        return (None, None);
    }
    v.sort_unstable();
    let at = |q: f64| v[((v.len() - 1) as f64 * q).round() as usize];
    (Some(at(0.5)), Some(at(0.9)))
}

/// Per bucket: CSAT (average rating and how many rated), first response and time to close (median, p90).
fn add_figures(
    conn: &Connection,
    q: &StatsQuery,
    from: &str,
    where_: &str,
    args: &[Value],
    buckets: &mut [StatsBucket],
) -> Result<()> {
    let col = q.date_field.column();
    let key = match q.group_by {
        GroupBy::State => "c.state".to_string(),
        GroupBy::Team => "coalesce(c.team_assignee_id, 'none')".to_string(),
        GroupBy::Admin => "coalesce(c.admin_assignee_id, 'none')".to_string(),
        GroupBy::Tag => "coalesce(ct.tag_id, 'none')".to_string(),
        g => g.period_sql(col).unwrap_or_default(),
    };
    let join = if q.group_by == GroupBy::Tag {
        "LEFT JOIN conversation_tags ct ON ct.conversation_id = c.id"
    } else {
        ""
    };
    let sql = format!(
        "SELECT {key}, c.rating, json_extract(c.raw, '$.statistics.time_to_admin_reply'), \
         json_extract(c.raw, '$.statistics.time_to_first_close') FROM {from} {join} {where_}"
    );
    #[derive(Default)]
    struct Acc {
        ratings: Vec<i64>,
        first: Vec<i64>,
        close: Vec<i64>,
    }
    let mut acc: std::collections::HashMap<String, Acc> = std::collections::HashMap::new();
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut rows = stmt.query(params_from_iter(args.iter()))?;
    while let Some(r) = rows.next()? {
        let a = acc.entry(r.get::<_, String>(0)?).or_default();
        if let Some(v) = r.get::<_, Option<i64>>(1)? {
            a.ratings.push(v);
        }
        if let Some(v) = r.get::<_, Option<i64>>(2)? {
            a.first.push(v);
        }
        if let Some(v) = r.get::<_, Option<i64>>(3)? {
            a.close.push(v);
        }
    }
    for b in buckets.iter_mut() {
        let Some(a) = acc.get_mut(&b.key) else {
            continue;
        };
        b.rated = Some(a.ratings.len() as i64);
        b.csat_average = (!a.ratings.is_empty())
            .then(|| a.ratings.iter().sum::<i64>() as f64 / a.ratings.len() as f64)
            .map(|x| (x * 100.0).round() / 100.0);
        (b.first_response_median_s, b.first_response_p90_s) = median_p90(&mut a.first);
        (b.time_to_close_median_s, b.time_to_close_p90_s) = median_p90(&mut a.close);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tag buckets from `conversation_tag_times` equal a plain join of `conversation_tags`, after
    /// inserts, a re-dated conversation, a conversation whose tags were rewritten and one deleted.
    #[test]
    fn tag_buckets_from_the_times_index_match_the_join() {
        let dir = tempfile::tempdir().unwrap();
        let conn = crate::store::open_rw(&dir.path().join("t.db")).unwrap();
        conn.execute_batch("INSERT INTO tags (id, name) VALUES ('t1', 'billing'), ('t2', 'bug')")
            .unwrap();
        for pk in 1..=60i64 {
            conn.execute(
                "INSERT INTO conversations (pk, id, created_at, updated_at, state, open, raw) \
                 VALUES (?1, ?2, ?3, ?4, 'open', 1, '{}')",
                rusqlite::params![pk, format!("c{pk}"), pk * 10, pk * 100],
            )
            .unwrap();
            for (tag, every) in [("t1", 2), ("t2", 3), ("t9", 7)] {
                if pk % every == 0 {
                    conn.execute(
                        "INSERT INTO conversation_tags (conversation_id, tag_id) VALUES (?1, ?2)",
                        [format!("c{pk}"), tag.to_string()],
                    )
                    .unwrap();
                }
            }
        }
        conn.execute_batch(
            "UPDATE conversations SET updated_at = 5950, created_at = 5 WHERE id = 'c6'; \
             DELETE FROM conversation_tags WHERE conversation_id = 'c12'; \
             INSERT INTO conversation_tags (conversation_id, tag_id) VALUES ('c12', 't9'); \
             DELETE FROM conversation_tags WHERE conversation_id = 'c18'; \
             DELETE FROM conversation_tags WHERE conversation_id = 'c20'; \
             DELETE FROM conversations WHERE id = 'c20';",
        )
        .unwrap();
        for (date_field, since, until) in [
            (DateField::UpdatedAt, Some(1000), Some(4000)),
            (DateField::UpdatedAt, Some(3000), None),
            (DateField::CreatedAt, None, Some(300)),
            (DateField::CreatedAt, None, None),
        ] {
            let q = StatsQuery {
                since,
                until,
                date_field,
                group_by: GroupBy::Tag,
                filters: Default::default(),
                figures: false,
            };
            let got = stats(&conn, &q).unwrap();
            let col = date_field.column();
            let sql = format!(
                "SELECT coalesce(ct.tag_id, 'none'), count(*) FROM conversations c \
                 LEFT JOIN conversation_tags ct ON ct.conversation_id = c.id \
                 WHERE {col} >= ?1 AND {col} < ?2 GROUP BY 1 ORDER BY ct.tag_id IS NULL, 2 DESC, 1"
            );
            let mut stmt = conn.prepare(&sql).unwrap();
            let want: Vec<(String, i64)> = stmt
                .query_map([since.unwrap_or(i64::MIN), until.unwrap_or(i64::MAX)], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
                .unwrap()
                .map(Result::unwrap)
                .collect();
            let have: Vec<(String, i64)> = got.buckets.iter().map(|b| (b.key.clone(), b.count)).collect();
            assert_eq!(have, want, "{date_field:?} {since:?}..{until:?}");
            let labels: Vec<Option<&str>> = got.buckets.iter().map(|b| b.label.as_deref()).collect();
            assert!(
                labels.contains(&Some("billing")) || since == Some(3000),
                "{labels:?}"
            );
        }
    }

    #[test]
    fn periods_and_percentiles() {
        // 2026-12-03 is a Thursday; its week starts Monday 2026-11-30.
        let t = chrono::NaiveDate::from_ymd_opt(2026, 12, 3)
            .unwrap()
            .and_hms_opt(12, 0, 0)
            .unwrap()
            .and_utc()
            .timestamp();
        assert_eq!(GroupBy::Week.period_key(t).unwrap(), "2026-11-30");
        assert_eq!(GroupBy::Month.period_key(t).unwrap(), "2026-12");
        assert_eq!(GroupBy::Day.period_key(t).unwrap(), "2026-12-03");
        let mut v: Vec<i64> = (1..=10).rev().collect();
        assert_eq!(median_p90(&mut v), (Some(6), Some(9)));
        assert_eq!(median_p90(&mut []), (None, None));
    }
}
