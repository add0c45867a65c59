//! The write half of the store for tickets: tickets with their parts, contacts, links and FTS row,
//! ticket types and states, and deletions. Each public write is one transaction; `extra` runs inside it
//! so the sync's checkpoint commits with the rows it covers.
//!
//! Like conversations, parts are upserted and never dropped because a later answer lacks them
//! (Intercom caps `ticket_parts` at 500); a stored copy with a newer `updated_at` wins.

use super::write::{part_params, push_line};
use crate::record::{TicketRecord, TicketStateRecord, TicketTypeRecord};
use crate::text::html_to_text;
use anyhow::{Context, Result};
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use std::collections::{HashMap, HashSet};

/// What a ticket batch did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TicketStats {
    pub tickets: u64,
    pub stale: u64,
    pub parts: u64,
    pub deleted: u64,
}

/// Write a batch of tickets and delete `deletions`, in one transaction, then run `extra` in it.
pub fn write_tickets(
    conn: &mut Connection,
    batch: &[TicketRecord],
    deletions: &[String],
    extra: impl FnOnce(&Transaction<'_>) -> Result<()>,
) -> Result<TicketStats> {
    let tx = conn.transaction()?;
    let mut stats = TicketStats::default();
    for t in batch {
        upsert_ticket(&tx, t, &mut stats).with_context(|| format!("storing ticket {}", t.id))?;
    }
    for id in deletions {
        if delete_ticket_tx(&tx, id)? {
            stats.deleted += 1;
        }
    }
    extra(&tx)?;
    tx.commit()?;
    Ok(stats)
}

fn upsert_ticket(tx: &Transaction<'_>, t: &TicketRecord, stats: &mut TicketStats) -> Result<()> {
    let pk: Option<i64> = tx
        .prepare_cached(
            "INSERT INTO tickets (id, ticket_id, title, description, category, ticket_type_id, ticket_type_name,
                ticket_state_id, state_category, state_label, open, admin_assignee_id, team_assignee_id,
                contact_id, created_at, updated_at, snoozed_until, is_shared, previous_ticket_state_id, raw)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)
             ON CONFLICT(id) DO UPDATE SET ticket_id = excluded.ticket_id, title = excluded.title,
                description = excluded.description, category = excluded.category,
                ticket_type_id = excluded.ticket_type_id, ticket_type_name = excluded.ticket_type_name,
                ticket_state_id = excluded.ticket_state_id, state_category = excluded.state_category,
                state_label = excluded.state_label, open = excluded.open,
                admin_assignee_id = excluded.admin_assignee_id, team_assignee_id = excluded.team_assignee_id,
                contact_id = excluded.contact_id, created_at = excluded.created_at,
                updated_at = excluded.updated_at, snoozed_until = excluded.snoozed_until,
                is_shared = excluded.is_shared, previous_ticket_state_id = excluded.previous_ticket_state_id,
                raw = excluded.raw
             WHERE excluded.updated_at >= tickets.updated_at
             RETURNING pk",
        )?
        .query_row(
            params![
                t.id,
                t.ticket_id,
                t.title,
                t.description,
                t.category,
                t.ticket_type_id,
                t.ticket_type_name,
                t.ticket_state_id,
                t.state_category,
                t.state_label,
                t.open,
                t.admin_assignee_id,
                t.team_assignee_id,
                t.contact_ids.first(),
                t.created_at,
                t.updated_at,
                t.snoozed_until,
                t.is_shared,
                t.previous_ticket_state_id,
                t.raw,
            ],
            |r| r.get(0),
        )
        .optional()?;
    let Some(pk) = pk else {
        stats.stale += 1;
        return Ok(());
    };
    stats.tickets += 1;
    tx.prepare_cached("DELETE FROM ticket_contacts WHERE ticket_id = ?1")?
        .execute([&t.id])?;
    let mut link =
        tx.prepare_cached("INSERT OR IGNORE INTO ticket_contacts (ticket_id, contact_id) VALUES (?1, ?2)")?;
    for c in &t.contact_ids {
        link.execute([&t.id, c])?;
    }
    tx.prepare_cached("DELETE FROM ticket_links WHERE ticket_id = ?1")?
        .execute([&t.id])?;
    let mut obj = tx.prepare_cached(
        "INSERT OR IGNORE INTO ticket_links (ticket_id, object_type, object_id) VALUES (?1, ?2, ?3)",
    )?;
    for (ty, id) in &t.links {
        obj.execute([&t.id, ty, id])?;
    }
    if t.with_parts {
        let mut part = tx.prepare_cached(
            "INSERT INTO ticket_parts (id, ticket_id, part_type, body, created_at, updated_at, author_type,
                author_id, author_name, author_email, assigned_to_id, ticket_state, redacted, previous_ticket_state)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
             ON CONFLICT(id) DO UPDATE SET ticket_id = excluded.ticket_id, part_type = excluded.part_type,
                body = excluded.body, created_at = excluded.created_at, updated_at = excluded.updated_at,
                author_type = excluded.author_type, author_id = excluded.author_id,
                author_name = excluded.author_name, author_email = excluded.author_email,
                assigned_to_id = excluded.assigned_to_id, ticket_state = excluded.ticket_state,
                previous_ticket_state = excluded.previous_ticket_state, redacted = excluded.redacted",
        )?;
        for p in &t.parts {
            part.execute(&part_params(&p.part, &t.id, Some(&p.previous_ticket_state))[..])?;
            stats.parts += 1;
        }
        let truncated = t.parts_truncated();
        tx.prepare_cached(
            "UPDATE tickets SET parts_count = (SELECT count(*) FROM ticket_parts WHERE ticket_id = ?1),
                parts_total = ?2, parts_truncated = ?3 WHERE pk = ?4",
        )?
        .execute(params![t.id, t.parts_total, truncated, pk])?;
    }
    // The FTS body comes from every stored part, so a truncated answer never shrinks what search finds.
    let mut body = t.description.clone().unwrap_or_default();
    let mut parts = tx.prepare_cached(
        "SELECT body FROM ticket_parts WHERE ticket_id = ?1 AND body IS NOT NULL ORDER BY created_at, id",
    )?;
    let mut rows = parts.query([&t.id])?;
    while let Some(r) = rows.next()? {
        let html: String = r.get(0)?;
        push_line(&mut body, &html_to_text(&html));
    }
    tx.prepare_cached("DELETE FROM ticket_fts WHERE rowid = ?1")?
        .execute([pk])?;
    tx.prepare_cached("INSERT INTO ticket_fts (rowid, title, body) VALUES (?1, ?2, ?3)")?
        .execute(params![pk, t.title.clone().unwrap_or_default(), body])?;
    Ok(())
}

fn delete_ticket_tx(tx: &Transaction<'_>, id: &str) -> Result<bool> {
    let pk: Option<i64> = tx
        .prepare_cached("DELETE FROM tickets WHERE id = ?1 RETURNING pk")?
        .query_row([id], |r| r.get(0))
        .optional()?;
    for sql in [
        "DELETE FROM ticket_parts WHERE ticket_id = ?1",
        "DELETE FROM ticket_contacts WHERE ticket_id = ?1",
        "DELETE FROM ticket_links WHERE ticket_id = ?1",
    ] {
        tx.prepare_cached(sql)?.execute([id])?;
    }
    if let Some(pk) = pk {
        tx.prepare_cached("DELETE FROM ticket_fts WHERE rowid = ?1")?
            .execute([pk])?;
    }
    Ok(pk.is_some())
}

/// Every stored ticket id with its `updated_at`.
pub fn all_ticket_versions(conn: &Connection) -> Result<HashMap<String, i64>> {
    let mut stmt = conn.prepare("SELECT id, updated_at FROM tickets")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Stored ticket type and state ids.
pub fn ticket_type_and_state_ids(conn: &Connection) -> Result<(HashSet<String>, HashSet<String>)> {
    let ids = |sql: &str| -> Result<HashSet<String>> {
        let mut stmt = conn.prepare(sql)?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    };
    Ok((
        ids("SELECT id FROM ticket_types")?,
        ids("SELECT id FROM ticket_states")?,
    ))
}

/// Upsert the listed ticket types and states and delete `gone_types`, in one transaction. States
/// Intercom stops listing are kept (it offers no way to confirm one is gone, and tickets refer to them).
pub fn replace_ticket_types_states(
    conn: &mut Connection,
    types: &[TicketTypeRecord],
    states: &[TicketStateRecord],
    gone_types: &[String],
) -> Result<()> {
    let tx = conn.transaction()?;
    {
        let mut ty = tx.prepare_cached(
            "INSERT INTO ticket_types (id, name, category, description, archived, created_at, updated_at, raw)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             ON CONFLICT(id) DO UPDATE SET name = excluded.name, category = excluded.category,
                description = excluded.description, archived = excluded.archived,
                created_at = excluded.created_at, updated_at = excluded.updated_at, raw = excluded.raw",
        )?;
        for t in types {
            ty.execute(params![
                t.id,
                t.name,
                t.category,
                t.description,
                t.archived,
                t.created_at,
                t.updated_at,
                t.raw
            ])?;
        }
        let mut st = tx.prepare_cached(
            "INSERT INTO ticket_states (id, category, internal_label, external_label, archived, raw)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT(id) DO UPDATE SET category = excluded.category,
                internal_label = excluded.internal_label, external_label = excluded.external_label,
                archived = excluded.archived, raw = excluded.raw",
        )?;
        for s in states {
            st.execute(params![
                s.id,
                s.category,
                s.internal_label,
                s.external_label,
                s.archived,
                s.raw
            ])?;
        }
        let mut del = tx.prepare_cached("DELETE FROM ticket_types WHERE id = ?1")?;
        for id in gone_types {
            del.execute([id])?;
        }
    }
    tx.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{PartRecord, TicketPartRecord};
    use crate::store::open_rw;

    fn ticket(id: &str, updated_at: i64, parts: &[(&str, &str)]) -> TicketRecord {
        TicketRecord {
            id: id.into(),
            title: Some("Refund request".into()),
            description: Some("charged twice".into()),
            created_at: 1,
            updated_at,
            open: true,
            contact_ids: vec!["c1".into()],
            links: vec![("conversation".into(), "215".into())],
            with_parts: true,
            parts_total: Some(parts.len() as i64),
            parts: parts
                .iter()
                .map(|(id, body)| TicketPartRecord {
                    part: PartRecord {
                        id: (*id).into(),
                        part_type: "comment".into(),
                        body: Some(format!("<p>{body}</p>")),
                        created_at: updated_at,
                        ..Default::default()
                    },
                    previous_ticket_state: None,
                })
                .collect(),
            raw: "{}".into(),
            ..Default::default()
        }
    }

    fn hits(conn: &Connection, q: &str) -> i64 {
        conn.query_row(
            "SELECT count(*) FROM ticket_fts WHERE ticket_fts MATCH ?1",
            [q],
            |r| r.get(0),
        )
        .unwrap()
    }

    #[test]
    fn newer_wins_parts_are_kept_and_delete_removes_every_trace() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = open_rw(&dir.path().join("t.db")).unwrap();
        let s = write_tickets(&mut conn, &[ticket("1", 10, &[("p1", "alpha")])], &[], |_| Ok(())).unwrap();
        assert_eq!((s.tickets, s.parts), (1, 1));
        let s = write_tickets(&mut conn, &[ticket("1", 9, &[])], &[], |_| Ok(())).unwrap();
        assert_eq!(s.stale, 1);
        let mut newer = ticket("1", 20, &[("p2", "bravo")]);
        newer.parts_total = Some(2);
        write_tickets(&mut conn, &[newer], &[], |_| Ok(())).unwrap();
        let (count, truncated): (i64, bool) = conn
            .query_row(
                "SELECT parts_count, parts_truncated FROM tickets WHERE id = '1'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!((count, truncated), (2, true));
        assert_eq!(
            hits(&conn, "alpha"),
            1,
            "a part the newer answer lacked is still searchable"
        );
        assert_eq!(hits(&conn, "refund"), 1);
        let s = write_tickets(&mut conn, &[], &["1".into(), "nope".into()], |_| Ok(())).unwrap();
        assert_eq!(s.deleted, 1);
        for t in [
            "tickets",
            "ticket_parts",
            "ticket_contacts",
            "ticket_links",
            "ticket_fts",
        ] {
            let n: i64 = conn
                .query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get(0))
                .unwrap();
            assert_eq!(n, 0, "{t}");
        }
    }
}
