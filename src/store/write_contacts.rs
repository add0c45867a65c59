//! The write half of the store for contacts (with their tag and company links) and the workspace
//! directory (admins, teams and their members, tags). Each public write is one transaction.

use crate::record::{AdminRecord, ContactRecord, TagRecord, TeamRecord};
use anyhow::Result;
use rusqlite::{Connection, Transaction, params};
use std::collections::HashSet;

/// Upsert contacts and their tag links in one transaction; a stored copy with a newer `updated_at` wins.
/// Returns how many were written.
pub fn write_contacts(
    conn: &mut Connection,
    batch: &[ContactRecord],
    extra: impl FnOnce(&Transaction<'_>) -> Result<()>,
) -> Result<u64> {
    let tx = conn.transaction()?;
    let mut n = 0;
    {
        let mut up = tx.prepare_cached(
            "INSERT INTO contacts (id, external_id, role, email, name, phone, owner_id, created_at, updated_at,
                last_seen_at, raw)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
             ON CONFLICT(id) DO UPDATE SET external_id = excluded.external_id, role = excluded.role,
                email = excluded.email, name = excluded.name, phone = excluded.phone,
                owner_id = excluded.owner_id, created_at = excluded.created_at, updated_at = excluded.updated_at,
                last_seen_at = excluded.last_seen_at, raw = excluded.raw
             WHERE coalesce(excluded.updated_at, 0) >= coalesce(contacts.updated_at, 0)",
        )?;
        let mut clear = tx.prepare_cached("DELETE FROM contact_tags WHERE contact_id = ?1")?;
        let mut clear_companies = tx.prepare_cached("DELETE FROM contact_companies WHERE contact_id = ?1")?;
        let mut company = tx.prepare_cached(
            "INSERT OR IGNORE INTO contact_companies (contact_id, company_id) VALUES (?1, ?2)",
        )?;
        let mut tag =
            tx.prepare_cached("INSERT OR IGNORE INTO contact_tags (contact_id, tag_id) VALUES (?1, ?2)")?;
        for c in batch {
            let changed = up.execute(params![
                c.id,
                c.external_id,
                c.role,
                c.email,
                c.name,
                c.phone,
                c.owner_id,
                c.created_at,
                c.updated_at,
                c.last_seen_at,
                c.raw,
            ])?;
            if changed == 0 {
                continue;
            }
            n += 1;
            if c.tags_complete {
                clear.execute([&c.id])?;
            }
            for t in &c.tag_ids {
                tag.execute([&c.id, t])?;
            }
            if c.companies_complete {
                clear_companies.execute([&c.id])?;
            }
            for co in &c.company_ids {
                company.execute([&c.id, co])?;
            }
        }
    }
    extra(&tx)?;
    tx.commit()?;
    Ok(n)
}

/// Every stored contact id (for reconciliation).
pub fn all_contact_ids(conn: &Connection) -> Result<Vec<String>> {
    let mut stmt = conn.prepare("SELECT id FROM contacts")?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Delete contacts (row and tag links) in one transaction. Returns how many existed.
///
/// `conversation_contacts` links are kept: they record who took part in a conversation, which stays true
/// after the contact is deleted or merged, and the conversation's next fetch rewrites them anyway.
pub fn delete_contacts(conn: &mut Connection, ids: &[String]) -> Result<u64> {
    let tx = conn.transaction()?;
    let mut n = 0;
    {
        let mut row = tx.prepare_cached("DELETE FROM contacts WHERE id = ?1")?;
        let mut tags = tx.prepare_cached("DELETE FROM contact_tags WHERE contact_id = ?1")?;
        let mut companies = tx.prepare_cached("DELETE FROM contact_companies WHERE contact_id = ?1")?;
        for id in ids {
            n += row.execute([id])? as u64;
            tags.execute([id])?;
            companies.execute([id])?;
        }
    }
    tx.commit()?;
    Ok(n)
}

/// Ids of admins, teams and tags to delete in [`replace_directory`]: only those Intercom confirmed gone.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DirectoryDeletes {
    pub admins: Vec<String>,
    pub teams: Vec<String>,
    pub tags: Vec<String>,
}

/// The stored ids of admins, teams and tags.
pub fn directory_ids(conn: &Connection) -> Result<[HashSet<String>; 3]> {
    let ids = |table: &str| -> Result<HashSet<String>> {
        let mut st = conn.prepare(&format!("SELECT id FROM {table}"))?;
        let rows = st.query_map([], |r| r.get::<_, String>(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    };
    Ok([ids("admins")?, ids("teams")?, ids("tags")?])
}

/// Upsert the admins, teams and tags Intercom listed and delete the ones in `delete` (one transaction).
/// A stored row Intercom did not list but did not confirm gone either is kept. Team membership of the
/// listed teams and admins is rebuilt from the union of `teams[].admin_ids` and `admins[].team_ids`.
pub fn replace_directory(
    conn: &mut Connection,
    admins: &[AdminRecord],
    teams: &[TeamRecord],
    tags: &[TagRecord],
    delete: &DirectoryDeletes,
) -> Result<()> {
    let tx = conn.transaction()?;
    {
        let mut admin = tx.prepare_cached(
            "INSERT INTO admins (id, name, email, job_title, away_mode, has_inbox_seat, raw)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT(id) DO UPDATE SET name = excluded.name, email = excluded.email,
                job_title = excluded.job_title, away_mode = excluded.away_mode,
                has_inbox_seat = excluded.has_inbox_seat, raw = excluded.raw",
        )?;
        let mut unlink_admin = tx.prepare_cached("DELETE FROM team_admins WHERE admin_id = ?1")?;
        for a in admins {
            admin.execute(params![
                a.id,
                a.name,
                a.email,
                a.job_title,
                a.away_mode,
                a.has_inbox_seat,
                a.raw
            ])?;
            unlink_admin.execute([&a.id])?;
        }
        let mut team = tx.prepare_cached(
            "INSERT INTO teams (id, name, raw) VALUES (?1, ?2, ?3)
             ON CONFLICT(id) DO UPDATE SET name = excluded.name, raw = excluded.raw",
        )?;
        let mut unlink_team = tx.prepare_cached("DELETE FROM team_admins WHERE team_id = ?1")?;
        for t in teams {
            team.execute(params![t.id, t.name, t.raw])?;
            unlink_team.execute([&t.id])?;
        }
        let mut tag = tx.prepare_cached(
            "INSERT INTO tags (id, name) VALUES (?1, ?2) ON CONFLICT(id) DO UPDATE SET name = excluded.name",
        )?;
        for t in tags {
            tag.execute([&t.id, &t.name])?;
        }
        let mut member =
            tx.prepare_cached("INSERT OR IGNORE INTO team_admins (team_id, admin_id) VALUES (?1, ?2)")?;
        for t in teams {
            for a in &t.admin_ids {
                member.execute([&t.id, a])?;
            }
        }
        for a in admins {
            for t in &a.team_ids {
                member.execute([t, &a.id])?;
            }
        }
        let mut del_admin = tx.prepare_cached("DELETE FROM admins WHERE id = ?1")?;
        for id in &delete.admins {
            del_admin.execute([id])?;
            unlink_admin.execute([id])?;
        }
        let mut del_team = tx.prepare_cached("DELETE FROM teams WHERE id = ?1")?;
        for id in &delete.teams {
            del_team.execute([id])?;
            unlink_team.execute([id])?;
        }
        let mut del_tag = tx.prepare_cached("DELETE FROM tags WHERE id = ?1")?;
        for id in &delete.tags {
            del_tag.execute([id])?;
        }
    }
    tx.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::open_rw;
    use crate::store::write::{Table, count_rows, write_conversations};

    #[test]
    fn directory_refresh_deletes_only_what_is_confirmed_gone() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = open_rw(&dir.path().join("t.db")).unwrap();
        let admin = |id: &str, teams: &[&str]| AdminRecord {
            id: id.into(),
            name: Some(format!("A{id}")),
            team_ids: teams.iter().map(|s| s.to_string()).collect(),
            raw: "{}".into(),
            ..Default::default()
        };
        let team = |id: &str| TeamRecord {
            id: id.into(),
            name: None,
            admin_ids: vec![],
            raw: "{}".into(),
        };
        let tag = |id: &str| TagRecord {
            id: id.into(),
            name: format!("tag{id}"),
        };
        replace_directory(
            &mut conn,
            &[admin("1", &["10"]), admin("2", &[])],
            &[team("10")],
            &[tag("5"), tag("6")],
            &DirectoryDeletes::default(),
        )
        .unwrap();
        // Unlisted but not confirmed gone: kept.
        replace_directory(&mut conn, &[], &[], &[], &DirectoryDeletes::default()).unwrap();
        assert_eq!(count_rows(&conn, Table::Admins).unwrap(), 2);
        assert_eq!(count_rows(&conn, Table::Teams).unwrap(), 1);
        assert_eq!(count_rows(&conn, Table::Tags).unwrap(), 2);
        let confirmed = DirectoryDeletes {
            admins: vec!["1".into()],
            teams: vec![],
            tags: vec!["5".into()],
        };
        replace_directory(
            &mut conn,
            &[admin("2", &["10"])],
            &[team("10")],
            &[tag("6")],
            &confirmed,
        )
        .unwrap();
        assert_eq!(count_rows(&conn, Table::Admins).unwrap(), 1);
        assert_eq!(count_rows(&conn, Table::Tags).unwrap(), 1);
        let members: Vec<String> = conn
            .prepare("SELECT admin_id FROM team_admins")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(members, vec!["2".to_string()]);
    }

    #[test]
    fn contacts_upsert_and_partial_tag_lists() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = open_rw(&dir.path().join("t.db")).unwrap();
        let mut c = ContactRecord {
            id: "c1".into(),
            email: Some("a@b.c".into()),
            updated_at: Some(10),
            tag_ids: vec!["1".into(), "2".into()],
            tags_complete: true,
            raw: "{}".into(),
            ..Default::default()
        };
        assert_eq!(write_contacts(&mut conn, &[c.clone()], |_| Ok(())).unwrap(), 1);
        c.updated_at = Some(11);
        c.tag_ids = vec!["3".into()];
        c.tags_complete = false;
        write_contacts(&mut conn, &[c.clone()], |_| Ok(())).unwrap();
        let n: i64 = conn
            .query_row("SELECT count(*) FROM contact_tags", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 3);
        c.updated_at = Some(5);
        assert_eq!(
            write_contacts(&mut conn, &[c], |_| Ok(())).unwrap(),
            0,
            "older copy ignored"
        );
    }

    #[test]
    fn deleting_contacts_removes_rows_and_tags_but_keeps_conversation_links() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = open_rw(&dir.path().join("t.db")).unwrap();
        let contact = |id: &str| ContactRecord {
            id: id.into(),
            updated_at: Some(10),
            tag_ids: vec!["1".into()],
            tags_complete: true,
            raw: "{}".into(),
            ..Default::default()
        };
        write_contacts(&mut conn, &[contact("c1"), contact("c2")], |_| Ok(())).unwrap();
        let conv = crate::record::ConversationRecord {
            id: "9".into(),
            updated_at: 200,
            state: "open".into(),
            contact_ids: vec!["c1".into()],
            raw: "{}".into(),
            ..Default::default()
        };
        write_conversations(&mut conn, &[conv], &[], |_| Ok(())).unwrap();
        let n = delete_contacts(&mut conn, &["c1".into(), "nope".into()]).unwrap();
        assert_eq!(n, 1);
        assert_eq!(all_contact_ids(&conn).unwrap(), vec!["c2".to_string()]);
        let (tags, links): (i64, i64) = conn
            .query_row(
                "SELECT (SELECT count(*) FROM contact_tags WHERE contact_id = 'c1'),
                        (SELECT count(*) FROM conversation_contacts WHERE contact_id = 'c1')",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!((tags, links), (0, 1));
    }
}
