//! The write half of the store for companies (with their tag and segment links) and segments. Each
//! public write is one transaction; a stored company with a newer `updated_at` wins.

use crate::record::{CompanyRecord, SegmentRecord};
use anyhow::{Context, Result};
use rusqlite::{Connection, Transaction, params};
use std::collections::{HashMap, HashSet};

/// Upsert companies and delete `deletions` (with their links) in one transaction. Returns
/// (written, deleted).
pub fn write_companies(
    conn: &mut Connection,
    batch: &[CompanyRecord],
    deletions: &[String],
) -> Result<(u64, u64)> {
    let tx = conn.transaction()?;
    let mut written = 0;
    for c in batch {
        if upsert(&tx, c).with_context(|| format!("storing company {}", c.id))? {
            written += 1;
        }
    }
    let mut deleted = 0;
    for id in deletions {
        deleted += tx
            .prepare_cached("DELETE FROM companies WHERE id = ?1")?
            .execute([id])? as u64;
        for sql in [
            "DELETE FROM company_tags WHERE company_id = ?1",
            "DELETE FROM company_segments WHERE company_id = ?1",
            "DELETE FROM contact_companies WHERE company_id = ?1",
        ] {
            tx.prepare_cached(sql)?.execute([id])?;
        }
    }
    tx.commit()?;
    Ok((written, deleted))
}

fn upsert(tx: &Transaction<'_>, c: &CompanyRecord) -> Result<bool> {
    let n = tx
        .prepare_cached(
            "INSERT INTO companies (id, company_id, name, plan, size, website, industry, monthly_spend,
                session_count, user_count, created_at, updated_at, remote_created_at, last_request_at,
                custom_attributes, raw)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)
             ON CONFLICT(id) DO UPDATE SET company_id = excluded.company_id, name = excluded.name,
                plan = excluded.plan, size = excluded.size, website = excluded.website,
                industry = excluded.industry, monthly_spend = excluded.monthly_spend,
                session_count = excluded.session_count, user_count = excluded.user_count,
                created_at = excluded.created_at, updated_at = excluded.updated_at,
                remote_created_at = excluded.remote_created_at, last_request_at = excluded.last_request_at,
                custom_attributes = excluded.custom_attributes, raw = excluded.raw
             WHERE excluded.updated_at >= companies.updated_at",
        )?
        .execute(params![
            c.id,
            c.company_id,
            c.name,
            c.plan,
            c.size,
            c.website,
            c.industry,
            c.monthly_spend,
            c.session_count,
            c.user_count,
            c.created_at,
            c.updated_at,
            c.remote_created_at,
            c.last_request_at,
            c.custom_attributes,
            c.raw,
        ])?;
    if n == 0 {
        return Ok(false);
    }
    tx.prepare_cached("DELETE FROM company_tags WHERE company_id = ?1")?
        .execute([&c.id])?;
    let mut tag =
        tx.prepare_cached("INSERT OR IGNORE INTO company_tags (company_id, tag_id) VALUES (?1, ?2)")?;
    for t in &c.tag_ids {
        tag.execute([&c.id, t])?;
    }
    tx.prepare_cached("DELETE FROM company_segments WHERE company_id = ?1")?
        .execute([&c.id])?;
    let mut seg =
        tx.prepare_cached("INSERT OR IGNORE INTO company_segments (company_id, segment_id) VALUES (?1, ?2)")?;
    for s in &c.segment_ids {
        seg.execute([&c.id, s])?;
    }
    Ok(true)
}

/// Every stored company id with its `updated_at`.
pub fn all_company_versions(conn: &Connection) -> Result<HashMap<String, i64>> {
    let mut stmt = conn.prepare("SELECT id, updated_at FROM companies")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn segment_ids(conn: &Connection) -> Result<HashSet<String>> {
    let mut stmt = conn.prepare("SELECT id FROM segments")?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Upsert the listed segments and delete the ones Intercom confirmed gone, in one transaction.
pub fn replace_segments(conn: &mut Connection, segments: &[SegmentRecord], gone: &[String]) -> Result<()> {
    let tx = conn.transaction()?;
    {
        let mut up = tx.prepare_cached(
            "INSERT INTO segments (id, name, person_type, created_at, updated_at, count, raw)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT(id) DO UPDATE SET name = excluded.name, person_type = excluded.person_type,
                created_at = excluded.created_at, updated_at = excluded.updated_at,
                count = coalesce(excluded.count, segments.count), raw = excluded.raw",
        )?;
        for s in segments {
            up.execute(params![
                s.id,
                s.name,
                s.person_type,
                s.created_at,
                s.updated_at,
                s.count,
                s.raw
            ])?;
        }
        for id in gone {
            tx.prepare_cached("DELETE FROM segments WHERE id = ?1")?
                .execute([id])?;
            tx.prepare_cached("DELETE FROM company_segments WHERE segment_id = ?1")?
                .execute([id])?;
        }
    }
    tx.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::open_rw;

    #[test]
    fn unchanged_companies_are_not_rewritten_and_deletion_clears_links() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = open_rw(&dir.path().join("t.db")).unwrap();
        let co = |t| CompanyRecord {
            id: "c1".into(),
            name: Some("Acme Inc".into()),
            updated_at: t,
            custom_attributes: "{}".into(),
            tag_ids: vec!["102".into()],
            segment_ids: vec!["s1".into()],
            raw: "{}".into(),
            ..Default::default()
        };
        assert_eq!(write_companies(&mut conn, &[co(10)], &[]).unwrap(), (1, 0));
        assert_eq!(write_companies(&mut conn, &[co(9)], &[]).unwrap(), (0, 0));
        conn.execute("INSERT INTO contact_companies VALUES ('k1', 'c1')", [])
            .unwrap();
        assert_eq!(write_companies(&mut conn, &[], &["c1".into()]).unwrap(), (0, 1));
        for t in [
            "companies",
            "company_tags",
            "company_segments",
            "contact_companies",
        ] {
            let n: i64 = conn
                .query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get(0))
                .unwrap();
            assert_eq!(n, 0, "{t}");
        }
    }
}
