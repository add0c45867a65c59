//! The write half of the store, used only by the sync: conversations with their parts, links and FTS row,
//! deletions, the few reads the sync needs to plan its work, and what every resource shares (row counts,
//! refused deletions). Contacts and the directory are in [`super::write_contacts`], tickets, articles and
//! companies in their own `write_*` files.
//!
//! The store takes [`crate::record`]s (no Intercom wire types), so it does not depend on the API client;
//! `record::wire` makes them. Every public write runs in one transaction and uses cached prepared
//! statements, so a batch of 100 conversations with ~10 parts each costs one fsync.

use crate::record::{ConversationRecord, PartRecord};
use crate::text::html_to_text;
use anyhow::{Context, Result};
use rusqlite::types::ToSql;
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use std::collections::HashMap;

/// What a batch write did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriteStats {
    /// Conversations inserted or updated.
    pub conversations: u64,
    /// Incoming conversations ignored because the stored copy is newer.
    pub stale: u64,
    /// Parts inserted or updated.
    pub parts: u64,
    /// Conversations deleted.
    pub deleted: u64,
}

/// What the store knows about one conversation, for deciding whether to fetch it again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoredVersion {
    pub updated_at: i64,
    pub parts_updated_at: Option<i64>,
    pub parts_count: i64,
    pub parts_total: Option<i64>,
}

/// Write a batch of conversations (and delete `deletions`) in one transaction, then run `extra` inside the
/// same transaction (the sync uses it to move its checkpoint with the data it covers).
pub fn write_conversations(
    conn: &mut Connection,
    batch: &[ConversationRecord],
    deletions: &[String],
    extra: impl FnOnce(&Transaction<'_>) -> Result<()>,
) -> Result<WriteStats> {
    let tx = conn.transaction()?;
    let mut stats = WriteStats::default();
    for c in batch {
        upsert_conversation(&tx, c, &mut stats).with_context(|| format!("storing conversation {}", c.id))?;
    }
    for id in deletions {
        if delete_conversation_tx(&tx, id)? {
            stats.deleted += 1;
        }
    }
    extra(&tx)?;
    tx.commit()?;
    Ok(stats)
}

fn upsert_conversation(tx: &Transaction<'_>, c: &ConversationRecord, stats: &mut WriteStats) -> Result<()> {
    let mut up = tx.prepare_cached(
        "INSERT INTO conversations (id, title, created_at, updated_at, state, open, read, priority,
            admin_assignee_id, team_assignee_id, waiting_since, snoozed_until, source_type, source_subject,
            source_body, source_author_type, source_author_id, source_author_name, source_author_email,
            contact_id, rating, raw)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22)
         ON CONFLICT(id) DO UPDATE SET title = excluded.title, created_at = excluded.created_at,
            updated_at = excluded.updated_at, state = excluded.state, open = excluded.open, read = excluded.read,
            priority = excluded.priority, admin_assignee_id = excluded.admin_assignee_id,
            team_assignee_id = excluded.team_assignee_id, waiting_since = excluded.waiting_since,
            snoozed_until = excluded.snoozed_until, source_type = excluded.source_type,
            source_subject = excluded.source_subject, source_body = excluded.source_body,
            source_author_type = excluded.source_author_type, source_author_id = excluded.source_author_id,
            source_author_name = excluded.source_author_name, source_author_email = excluded.source_author_email,
            contact_id = excluded.contact_id, rating = excluded.rating, raw = excluded.raw
         WHERE excluded.updated_at >= conversations.updated_at
         RETURNING pk",
    )?;
    let pk: Option<i64> = up
        .query_row(
            params![
                c.id,
                c.title,
                c.created_at,
                c.updated_at,
                c.state,
                c.open,
                c.read,
                c.priority,
                c.admin_assignee_id,
                c.team_assignee_id,
                c.waiting_since,
                c.snoozed_until,
                c.source_type,
                c.source_subject,
                c.source_body,
                c.source_author_type,
                c.source_author_id,
                c.source_author_name,
                c.source_author_email,
                c.contact_ids.first(),
                c.rating,
                c.raw,
            ],
            |r| r.get(0),
        )
        .optional()?;
    let Some(pk) = pk else {
        // The stored copy is newer: keep it whole.
        stats.stale += 1;
        return Ok(());
    };
    stats.conversations += 1;

    tx.prepare_cached("DELETE FROM conversation_contacts WHERE conversation_id = ?1")?
        .execute([&c.id])?;
    let mut link = tx.prepare_cached(
        "INSERT OR IGNORE INTO conversation_contacts (conversation_id, contact_id) VALUES (?1, ?2)",
    )?;
    for contact in &c.contact_ids {
        link.execute([&c.id, contact])?;
    }
    tx.prepare_cached("DELETE FROM conversation_tags WHERE conversation_id = ?1")?
        .execute([&c.id])?;
    let mut tag_link = tx.prepare_cached(
        "INSERT OR IGNORE INTO conversation_tags (conversation_id, tag_id) VALUES (?1, ?2)",
    )?;
    let mut tag = tx.prepare_cached(
        "INSERT INTO tags (id, name) VALUES (?1, ?2) ON CONFLICT(id) DO UPDATE SET name = excluded.name",
    )?;
    for (id, name) in &c.tags {
        tag_link.execute([&c.id, id])?;
        tag.execute([id, name])?;
    }

    let mut complete = false;
    if c.with_parts {
        let mut part = tx.prepare_cached(
            "INSERT INTO conversation_parts (id, conversation_id, part_type, body, created_at, updated_at,
                author_type, author_id, author_name, author_email, assigned_to_id, state, redacted)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
             ON CONFLICT(id) DO UPDATE SET conversation_id = excluded.conversation_id,
                part_type = excluded.part_type, body = excluded.body, created_at = excluded.created_at,
                updated_at = excluded.updated_at, author_type = excluded.author_type,
                author_id = excluded.author_id, author_name = excluded.author_name,
                author_email = excluded.author_email, assigned_to_id = excluded.assigned_to_id,
                state = excluded.state, redacted = excluded.redacted",
        )?;
        for p in &c.parts {
            part.execute(&part_params(p, &c.id, None)[..])?;
            stats.parts += 1;
        }
        let returned = c.parts.len() as i64;
        let truncated = c.parts_truncated();
        let stored: i64 = tx
            .prepare_cached("SELECT count(*) FROM conversation_parts WHERE conversation_id = ?1")?
            .query_row([&c.id], |r| r.get(0))?;
        tx.prepare_cached(
            "UPDATE conversations SET parts_count = ?1, parts_total = ?2, parts_truncated = ?3,
                parts_updated_at = ?4
             WHERE pk = ?5",
        )?
        .execute(params![stored, c.parts_total, truncated, c.updated_at, pk])?;
        complete = stored == returned;
    }
    write_fts(tx, pk, c, complete)?;
    Ok(())
}

/// The parameters of a part row, in the column order both part tables are written in: `id`, the parent's
/// id, `part_type`, `body`, `created_at`, `updated_at`, `author_type`, `author_id`, `author_name`,
/// `author_email`, `assigned_to_id`, the state, `redacted`, then `extra` (a ticket part's previous state).
pub(crate) fn part_params<'a>(
    p: &'a PartRecord,
    parent: &'a dyn ToSql,
    extra: Option<&'a dyn ToSql>,
) -> Vec<&'a dyn ToSql> {
    let mut v: Vec<&dyn ToSql> = vec![
        &p.id,
        parent,
        &p.part_type,
        &p.body,
        &p.created_at,
        &p.updated_at,
        &p.author_type,
        &p.author_id,
        &p.author_name,
        &p.author_email,
        &p.assigned_to_id,
        &p.state,
        &p.redacted,
    ];
    v.extend(extra);
    v
}

/// Rebuild the FTS row from the stored parts (not only the incoming ones), so a truncated fetch never
/// shrinks what search can find.
/// `complete`: the incoming parts are exactly the stored ones, so `c` alone has the whole text.
fn write_fts(tx: &Transaction<'_>, pk: i64, c: &ConversationRecord, complete: bool) -> Result<()> {
    let mut title = c.title.clone().unwrap_or_default();
    if let Some(s) = c.source_subject.as_deref().filter(|s| !s.trim().is_empty()) {
        if !title.is_empty() {
            title.push('\n');
        }
        title.push_str(&html_to_text(s));
    }
    let body = match (&c.fts_body, complete) {
        (Some(b), true) => b.clone(),
        (None, true) => fts_body(c),
        _ => fts_body_from_store(tx, c)?,
    };
    tx.prepare_cached("DELETE FROM conversation_fts WHERE rowid = ?1")?
        .execute([pk])?;
    tx.prepare_cached("INSERT INTO conversation_fts (rowid, title, body) VALUES (?1, ?2, ?3)")?
        .execute(params![pk, title, body])?;
    Ok(())
}

/// The FTS body from the record alone: source body, then each part body, as plain text.
pub fn fts_body(c: &ConversationRecord) -> String {
    let mut body = c.source_body.as_deref().map(html_to_text).unwrap_or_default();
    for p in &c.parts {
        if let Some(html) = &p.body {
            push_line(&mut body, &html_to_text(html));
        }
    }
    body
}

pub(crate) fn push_line(body: &mut String, text: &str) {
    if !text.is_empty() {
        if !body.is_empty() {
            body.push('\n');
        }
        body.push_str(text);
    }
}

/// The FTS body from the source body and every stored part (kept parts beyond the cap included).
fn fts_body_from_store(tx: &Transaction<'_>, c: &ConversationRecord) -> Result<String> {
    let mut body = c.source_body.as_deref().map(html_to_text).unwrap_or_default();
    let mut parts = tx.prepare_cached(
        "SELECT body FROM conversation_parts WHERE conversation_id = ?1 AND body IS NOT NULL
         ORDER BY created_at, id",
    )?;
    let mut rows = parts.query([&c.id])?;
    while let Some(r) = rows.next()? {
        let html: String = r.get(0)?;
        push_line(&mut body, &html_to_text(&html));
    }
    Ok(body)
}

/// Delete conversations (row, parts, links, FTS row) in one transaction. Returns how many existed.
pub fn delete_conversations(conn: &mut Connection, ids: &[String]) -> Result<u64> {
    let tx = conn.transaction()?;
    let mut n = 0;
    for id in ids {
        if delete_conversation_tx(&tx, id)? {
            n += 1;
        }
    }
    tx.commit()?;
    Ok(n)
}

fn delete_conversation_tx(tx: &Transaction<'_>, id: &str) -> Result<bool> {
    let pk: Option<i64> = tx
        .prepare_cached("DELETE FROM conversations WHERE id = ?1 RETURNING pk")?
        .query_row([id], |r| r.get(0))
        .optional()?;
    tx.prepare_cached("DELETE FROM conversation_parts WHERE conversation_id = ?1")?
        .execute([id])?;
    tx.prepare_cached("DELETE FROM conversation_contacts WHERE conversation_id = ?1")?
        .execute([id])?;
    tx.prepare_cached("DELETE FROM conversation_tags WHERE conversation_id = ?1")?
        .execute([id])?;
    if let Some(pk) = pk {
        tx.prepare_cached("DELETE FROM conversation_fts WHERE rowid = ?1")?
            .execute([pk])?;
    }
    Ok(pk.is_some())
}

/// Record (or clear, with `None`) the deletions the sync refused to make for `resource`, with the time.
pub fn set_deletions_refused(conn: &Connection, resource: &str, reason: Option<&str>, at: i64) -> Result<()> {
    conn.execute(
        "INSERT INTO sync_metadata (resource, deletions_refused, deletions_refused_at)
         VALUES (?1, ?2, CASE WHEN ?2 IS NULL THEN NULL ELSE ?3 END)
         ON CONFLICT(resource) DO UPDATE SET deletions_refused = excluded.deletions_refused,
            deletions_refused_at = excluded.deletions_refused_at",
        params![resource, reason, at],
    )?;
    Ok(())
}

/// The stored versions of these conversations (missing ids are absent from the map).
pub fn stored_versions(conn: &Connection, ids: &[&str]) -> Result<HashMap<String, StoredVersion>> {
    let mut out = HashMap::with_capacity(ids.len());
    let mut stmt = conn.prepare_cached(
        "SELECT updated_at, parts_updated_at, parts_count, parts_total FROM conversations WHERE id = ?1",
    )?;
    for id in ids {
        let v = stmt
            .query_row([id], |r| {
                Ok(StoredVersion {
                    updated_at: r.get(0)?,
                    parts_updated_at: r.get(1)?,
                    parts_count: r.get(2)?,
                    parts_total: r.get(3)?,
                })
            })
            .optional()?;
        if let Some(v) = v {
            out.insert((*id).to_string(), v);
        }
    }
    Ok(out)
}

/// Every stored conversation id with its version (for reconciliation).
pub fn all_conversation_versions(conn: &Connection) -> Result<HashMap<String, StoredVersion>> {
    let mut stmt =
        conn.prepare("SELECT id, updated_at, parts_updated_at, parts_count, parts_total FROM conversations")?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            StoredVersion {
                updated_at: r.get(1)?,
                parts_updated_at: r.get(2)?,
                parts_count: r.get(3)?,
                parts_total: r.get(4)?,
            },
        ))
    })?;
    Ok(rows.collect::<rusqlite::Result<HashMap<_, _>>>()?)
}

/// Rows in a table the sync reports on.
pub fn count_rows(conn: &Connection, table: Table) -> Result<i64> {
    let sql = format!("SELECT count(*) FROM {}", table.name());
    Ok(conn.query_row(&sql, [], |r| r.get(0))?)
}

/// Tables the sync counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    Conversations,
    Parts,
    Contacts,
    Admins,
    Teams,
    Tags,
    Tickets,
    TicketTypes,
    TicketStates,
    Articles,
    Companies,
    Segments,
}

impl Table {
    fn name(self) -> &'static str {
        match self {
            Table::Conversations => "conversations",
            Table::Parts => "conversation_parts",
            Table::Contacts => "contacts",
            Table::Admins => "admins",
            Table::Teams => "teams",
            Table::Tags => "tags",
            Table::Tickets => "tickets",
            Table::TicketTypes => "ticket_types",
            Table::TicketStates => "ticket_states",
            Table::Articles => "articles",
            Table::Companies => "companies",
            Table::Segments => "segments",
        }
    }
}

/// The earliest `created_at` of any stored conversation (coverage start after a `--full` run).
pub fn earliest_conversation(conn: &Connection) -> Result<Option<i64>> {
    Ok(conn.query_row("SELECT min(created_at) FROM conversations", [], |r| r.get(0))?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{ConversationRecord, PartRecord};
    use crate::store::{metadata, open_rw};

    fn part(id: &str, t: i64, body: &str) -> PartRecord {
        PartRecord {
            id: id.into(),
            part_type: "comment".into(),
            body: Some(format!("<p>{body}</p>")),
            created_at: t,
            updated_at: Some(t),
            author_type: Some("admin".into()),
            author_id: Some("7".into()),
            ..Default::default()
        }
    }

    #[test]
    fn extreme_counts_and_times_from_intercom_are_stored() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = open_rw(&dir.path().join("t.db")).unwrap();
        for (i, (n, t)) in [(i64::MIN, i64::MIN), (i64::MAX, i64::MAX)]
            .into_iter()
            .enumerate()
        {
            let mut c = conv(&format!("x{i}"), t, vec![]);
            c.stats_parts = Some(n);
            c.parts_total = Some(n);
            write_conversations(&mut conn, &[c], &[], |_| Ok(())).unwrap();
        }
        assert_eq!(count_rows(&conn, Table::Conversations).unwrap(), 2);
    }

    fn conv(id: &str, updated_at: i64, parts: Vec<PartRecord>) -> ConversationRecord {
        ConversationRecord {
            id: id.into(),
            title: Some("Refund".into()),
            created_at: 100,
            updated_at,
            state: "open".into(),
            open: true,
            source_body: Some("<p>charged twice</p>".into()),
            contact_ids: vec!["c1".into()],
            tags: vec![("t1".into(), "billing".into())],
            with_parts: true,
            parts_total: Some(parts.len() as i64),
            parts,
            raw: "{}".into(),
            ..Default::default()
        }
    }

    fn fts_hits(conn: &Connection, q: &str) -> i64 {
        conn.query_row(
            "SELECT count(*) FROM conversation_fts WHERE conversation_fts MATCH ?1",
            [q],
            |r| r.get(0),
        )
        .unwrap()
    }

    #[test]
    fn upsert_keeps_newer_and_never_drops_truncated_parts() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = open_rw(&dir.path().join("t.db")).unwrap();
        let c = conv("1", 200, vec![part("p1", 150, "alpha"), part("p2", 160, "bravo")]);
        let s = write_conversations(&mut conn, &[c], &[], |_| Ok(())).unwrap();
        assert_eq!((s.conversations, s.parts), (1, 2));
        let pk: i64 = conn
            .query_row("SELECT pk FROM conversations WHERE id='1'", [], |r| r.get(0))
            .unwrap();

        // An older copy is ignored entirely.
        let mut old = conv("1", 199, vec![]);
        old.state = "closed".into();
        let s = write_conversations(&mut conn, &[old], &[], |_| Ok(())).unwrap();
        assert_eq!(s.stale, 1);

        // A truncated newer fetch lacks p1: it stays, the flag is set, search still finds it.
        let mut newer = conv(
            "1",
            300,
            vec![part("p2", 160, "bravo"), part("p3", 290, "charlie")],
        );
        newer.parts_total = Some(3);
        write_conversations(&mut conn, &[newer], &[], |_| Ok(())).unwrap();
        let (pk2, count, truncated, pua, state): (i64, i64, bool, i64, String) = conn
            .query_row(
                "SELECT pk, parts_count, parts_truncated, parts_updated_at, state FROM conversations WHERE id='1'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
            .unwrap();
        assert_eq!(
            (pk2, count, truncated, pua, state.as_str()),
            (pk, 3, true, 300, "open")
        );
        assert_eq!(fts_hits(&conn, "alpha"), 1);
        assert_eq!(fts_hits(&conn, "charlie"), 1);
        assert_eq!(fts_hits(&conn, "charged"), 1);
        let v = stored_versions(&conn, &["1", "2"]).unwrap();
        assert_eq!(v.len(), 1);
        assert_eq!(v["1"].updated_at, 300);

        // Deleting removes every trace.
        let n = delete_conversations(&mut conn, &["1".into(), "nope".into()]).unwrap();
        assert_eq!(n, 1);
        for t in [
            "conversations",
            "conversation_parts",
            "conversation_tags",
            "conversation_contacts",
            "conversation_fts",
        ] {
            let c: i64 = conn
                .query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get(0))
                .unwrap();
            assert_eq!(c, 0, "{t}");
        }
        let tags: i64 = conn
            .query_row("SELECT count(*) FROM tags", [], |r| r.get(0))
            .unwrap();
        assert_eq!(tags, 1, "tags seen on conversations are kept");
    }

    #[test]
    fn metadata_coverage_never_moves_later() {
        let dir = tempfile::tempdir().unwrap();
        let conn = open_rw(&dir.path().join("t.db")).unwrap();
        let up = |cs| metadata::MetaUpdate {
            coverage_start: Some(cs),
            status: Some(crate::model::SyncState::Ok),
            ..Default::default()
        };
        metadata::update(&conn, "conversations", &up(100)).unwrap();
        metadata::update(&conn, "conversations", &up(200)).unwrap();
        metadata::mark_error(&conn, "conversations", 300, "boom\nsecond line", 5).unwrap();
        let m = metadata::read(&conn, "conversations").unwrap().unwrap();
        assert_eq!(m.coverage_start, Some(100));
        assert_eq!(m.status, crate::model::SyncState::Error);
        assert_eq!(m.last_error.as_deref(), Some("boom second line"));
    }
}
