//! Contact reads: one contact by id or email, a name/email substring search; each with the contact's
//! most recently updated conversations.

use super::conversations::summaries;
use super::like_pattern;
use crate::model::ContactDetail;
use crate::project::{self, NoNames};
use crate::record::ContactRecord;
use anyhow::Result;
use rusqlite::{Connection, OptionalExtension, Row};

const CONTACT_SQL: &str = "SELECT id, external_id, role, name, email, phone, created_at, updated_at, \
    last_seen_at FROM contacts";

fn contact_row(r: &Row<'_>) -> rusqlite::Result<ContactRecord> {
    Ok(ContactRecord {
        id: r.get(0)?,
        external_id: r.get(1)?,
        role: r.get(2)?,
        name: r.get(3)?,
        email: r.get(4)?,
        phone: r.get(5)?,
        created_at: r.get(6)?,
        updated_at: r.get(7)?,
        last_seen_at: r.get(8)?,
        ..Default::default()
    })
}

/// The answer for a contact row: its tags (names, else ids) and up to `recent` conversations (most
/// recently updated first), projected.
fn complete(conn: &Connection, mut c: ContactRecord, recent: usize) -> Result<ContactDetail> {
    let mut stmt = conn.prepare_cached(
        "SELECT coalesce(t.name, ct.tag_id) FROM contact_tags ct LEFT JOIN tags t ON t.id = ct.tag_id \
         WHERE ct.contact_id = ?1 ORDER BY 1",
    )?;
    // Names already: the projection keeps them as they are.
    c.tag_ids = stmt
        .query_map([&c.id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut recent_conversations = Vec::new();
    if recent > 0 {
        let mut stmt = conn.prepare_cached(
            "SELECT pk FROM conversations WHERE pk IN ( \
                SELECT pk FROM conversations WHERE contact_id = ?1 \
                UNION SELECT c.pk FROM conversation_contacts cc JOIN conversations c ON c.id = cc.conversation_id \
                      WHERE cc.contact_id = ?1) \
             ORDER BY updated_at DESC, pk DESC LIMIT ?2",
        )?;
        let pks: Vec<i64> = stmt
            .query_map(rusqlite::params![&c.id, recent as i64], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        recent_conversations = summaries(conn, &pks)?;
    }
    Ok(project::contacts::contact(c, recent_conversations, &mut NoNames))
}

/// A contact by id, else by email (case-insensitive; the most recently updated when several share it).
pub fn get(
    conn: &Connection,
    id: Option<&str>,
    email: Option<&str>,
    recent: usize,
) -> Result<Option<ContactDetail>> {
    let mut found = None;
    if let Some(id) = id.map(str::trim).filter(|s| !s.is_empty()) {
        found = conn
            .prepare_cached(&format!("{CONTACT_SQL} WHERE id = ?1"))?
            .query_row([id], contact_row)
            .optional()?;
    }
    if found.is_none()
        && let Some(email) = email.map(str::trim).filter(|s| !s.is_empty())
    {
        found = conn
            .prepare_cached(&format!(
                "{CONTACT_SQL} WHERE email = ?1 COLLATE NOCASE ORDER BY updated_at DESC LIMIT 1"
            ))?
            .query_row([email], contact_row)
            .optional()?;
    }
    let Some(c) = found else { return Ok(None) };
    Ok(Some(complete(conn, c, recent)?))
}

/// Contacts whose name or email contains `query` (case-insensitive), most recently updated first.
/// Returns the page (`limit` after `offset`) and whether more matched.
pub fn search(
    conn: &Connection,
    query: &str,
    limit: usize,
    offset: usize,
    recent: usize,
) -> Result<(Vec<ContactDetail>, bool)> {
    let pattern = like_pattern(query.trim());
    let mut stmt = conn.prepare_cached(&format!(
        "{CONTACT_SQL} WHERE email LIKE ?1 ESCAPE '\\' OR name LIKE ?1 ESCAPE '\\' \
         ORDER BY updated_at DESC, id LIMIT ?2 OFFSET ?3"
    ))?;
    let offset = i64::try_from(offset).unwrap_or(i64::MAX);
    let mut rows: Vec<ContactRecord> = stmt
        .query_map(rusqlite::params![pattern, limit as i64 + 1, offset], contact_row)?
        .collect::<rusqlite::Result<_>>()?;
    let more = rows.len() > limit;
    rows.truncate(limit);
    let contacts = rows
        .into_iter()
        .map(|c| complete(conn, c, recent))
        .collect::<Result<_>>()?;
    Ok((contacts, more))
}
