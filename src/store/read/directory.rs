//! The workspace directory: admins, teams (with members) and tags (with conversation counts).

use crate::model::{AdminInfo, PersonRef, TagInfo, TeamInfo};
use anyhow::Result;
use rusqlite::Connection;

/// Every admin, by name.
pub fn admins(conn: &Connection) -> Result<Vec<AdminInfo>> {
    let mut stmt = conn.prepare_cached(
        "SELECT a.id, a.name, a.email, a.job_title, a.away_mode, a.has_inbox_seat, \
         (SELECT group_concat(team_id, ',') FROM team_admins ta WHERE ta.admin_id = a.id) \
         FROM admins a ORDER BY a.name COLLATE NOCASE, a.id",
    )?;
    let rows = stmt.query_map([], |r| {
        let teams: Option<String> = r.get(6)?;
        let mut team_ids: Vec<String> = teams
            .map(|t| t.split(',').map(str::to_string).collect())
            .unwrap_or_default();
        team_ids.sort();
        Ok(AdminInfo {
            id: r.get(0)?,
            name: r.get(1)?,
            email: r.get(2)?,
            job_title: r.get(3)?,
            away_mode: r.get::<_, i64>(4)? != 0,
            has_inbox_seat: r.get::<_, i64>(5)? != 0,
            team_ids,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Every team with its members, by name.
pub fn teams(conn: &Connection) -> Result<Vec<TeamInfo>> {
    let mut stmt = conn.prepare_cached("SELECT id, name FROM teams ORDER BY name COLLATE NOCASE, id")?;
    let mut teams: Vec<TeamInfo> = stmt
        .query_map([], |r| {
            Ok(TeamInfo {
                id: r.get(0)?,
                name: r.get(1)?,
                members: Vec::new(),
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut members = conn.prepare_cached(
        "SELECT ta.admin_id, a.name, a.email FROM team_admins ta LEFT JOIN admins a ON a.id = ta.admin_id \
         WHERE ta.team_id = ?1 ORDER BY a.name COLLATE NOCASE, ta.admin_id",
    )?;
    for t in &mut teams {
        t.members = members
            .query_map([&t.id], |r| {
                Ok(PersonRef {
                    id: r.get(0)?,
                    kind: "admin".into(),
                    name: r.get(1)?,
                    email: r.get(2)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
    }
    Ok(teams)
}

/// Every tag with its conversation count, by name.
pub fn tags(conn: &Connection) -> Result<Vec<TagInfo>> {
    let mut stmt = conn.prepare_cached(
        "SELECT t.id, t.name, (SELECT count(*) FROM conversation_tags ct WHERE ct.tag_id = t.id) \
         FROM tags t ORDER BY t.name COLLATE NOCASE, t.id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(TagInfo {
            id: r.get(0)?,
            name: r.get(1)?,
            conversation_count: r.get(2)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
