//! Company reads: a filtered, paged list (name, plan, tag, segment, custom attribute) and one company
//! with its contacts and their recent conversations and tickets. Rows become [`CompanyRecord`]s (tag and
//! segment names already resolved by the SQL) and answers through [`crate::project::companies`].

use super::conversations::summaries;
use super::like_pattern;
use crate::model::{CompanyDetail, CompanySummary};
use crate::project::companies::{self as project, COMPANY_CONTACTS, COMPANY_RECENT};
use crate::record::{CompanyRecord, ContactRecord, TicketRecord};
use anyhow::Result;
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Row, params};

const COMPANY_SQL: &str = "SELECT c.id, c.company_id, c.name, c.plan, c.size, c.website, c.industry, \
    c.monthly_spend, c.session_count, c.user_count, c.created_at, c.updated_at, c.remote_created_at, \
    c.last_request_at, c.custom_attributes FROM companies c";

/// What `search_companies` asks.
#[derive(Debug, Clone, Default)]
pub struct CompanyQuery {
    /// Contained in the name or the workspace's company_id (case-insensitive).
    pub name: Option<String>,
    /// The plan's name (case-insensitive).
    pub plan: Option<String>,
    /// A tag name (case-insensitive) or id.
    pub tag: Option<String>,
    /// A segment name (case-insensitive) or id.
    pub segment: Option<String>,
    /// (key, value): the custom attribute equals the value (case-insensitive).
    pub custom_attribute: Option<(String, String)>,
    pub limit: usize,
    pub offset: usize,
}

fn company_row(r: &Row<'_>) -> rusqlite::Result<CompanyRecord> {
    Ok(CompanyRecord {
        id: r.get(0)?,
        company_id: r.get(1)?,
        name: r.get(2)?,
        plan: r.get(3)?,
        size: r.get(4)?,
        website: r.get(5)?,
        industry: r.get(6)?,
        monthly_spend: r.get(7)?,
        session_count: r.get(8)?,
        user_count: r.get(9)?,
        created_at: r.get(10)?,
        updated_at: r.get(11)?,
        remote_created_at: r.get(12)?,
        last_request_at: r.get(13)?,
        custom_attributes: r.get(14)?,
        ..Default::default()
    })
}

/// The company's tag and segment names (else ids), then the projection.
fn complete(conn: &Connection, mut c: CompanyRecord) -> Result<CompanySummary> {
    let names = |sql: &str| -> Result<Vec<String>> {
        let mut stmt = conn.prepare_cached(sql)?;
        let rows = stmt.query_map([&c.id], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    };
    c.tag_ids = names(
        "SELECT coalesce(t.name, ct.tag_id) FROM company_tags ct LEFT JOIN tags t ON t.id = ct.tag_id \
         WHERE ct.company_id = ?1",
    )?;
    c.segment_ids = names(
        "SELECT coalesce(s.name, cs.segment_id) FROM company_segments cs \
         LEFT JOIN segments s ON s.id = cs.segment_id WHERE cs.company_id = ?1",
    )?;
    Ok(project::summary(c, |_| None, |_| None))
}

/// The JSON path of a custom attribute's key; None for a key SQLite's path syntax cannot quote.
fn attribute_path(key: &str) -> Option<String> {
    (!key.contains(['"', '\\'])).then(|| format!("$.\"{key}\""))
}

/// Companies matching `q`, most recently updated first: the page and the number matching in all.
pub fn search(conn: &Connection, q: &CompanyQuery) -> Result<(Vec<CompanySummary>, i64)> {
    let mut conds: Vec<String> = Vec::new();
    let mut args: Vec<Value> = Vec::new();
    let arg = |v: String, args: &mut Vec<Value>| {
        args.push(Value::Text(v));
        args.len()
    };
    if let Some(name) = &q.name {
        let n = arg(like_pattern(name.trim()), &mut args);
        conds.push(format!(
            "(c.name LIKE ?{n} ESCAPE '\\' OR c.company_id LIKE ?{n} ESCAPE '\\')"
        ));
    }
    if let Some(plan) = &q.plan {
        let n = arg(plan.clone(), &mut args);
        conds.push(format!("c.plan = ?{n} COLLATE NOCASE"));
    }
    if let Some(tag) = &q.tag {
        let n = arg(tag.clone(), &mut args);
        conds.push(format!(
            "c.id IN (SELECT ct.company_id FROM company_tags ct LEFT JOIN tags t ON t.id = ct.tag_id \
             WHERE ct.tag_id = ?{n} OR t.name = ?{n} COLLATE NOCASE)"
        ));
    }
    if let Some(seg) = &q.segment {
        let n = arg(seg.clone(), &mut args);
        conds.push(format!(
            "c.id IN (SELECT cs.company_id FROM company_segments cs LEFT JOIN segments s \
             ON s.id = cs.segment_id WHERE cs.segment_id = ?{n} OR s.name = ?{n} COLLATE NOCASE)"
        ));
    }
    if let Some((key, value)) = &q.custom_attribute {
        match attribute_path(key) {
            Some(path) => {
                let p = arg(path, &mut args);
                let v = arg(value.clone(), &mut args);
                conds.push(format!(
                    "lower(CAST(json_extract(c.custom_attributes, ?{p}) AS TEXT)) = lower(?{v})"
                ));
            }
            None => conds.push("0".into()),
        }
    }
    let filter = if conds.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", conds.join(" AND "))
    };
    let total: i64 = conn.query_row(
        &format!("SELECT count(*) FROM companies c{filter}"),
        rusqlite::params_from_iter(args.iter()),
        |r| r.get(0),
    )?;
    let l = args.len();
    args.push(Value::Integer(q.limit as i64));
    args.push(Value::Integer(i64::try_from(q.offset).unwrap_or(i64::MAX)));
    let mut stmt = conn.prepare_cached(&format!(
        "{COMPANY_SQL}{filter} ORDER BY c.updated_at DESC, c.id LIMIT ?{} OFFSET ?{}",
        l + 1,
        l + 2
    ))?;
    let rows: Vec<CompanyRecord> = stmt
        .query_map(rusqlite::params_from_iter(args.iter()), company_row)?
        .collect::<rusqlite::Result<_>>()?;
    let companies = rows
        .into_iter()
        .map(|c| complete(conn, c))
        .collect::<Result<_>>()?;
    Ok((companies, total))
}

/// A company by Intercom's id, else the workspace's company_id, else its exact name (case-insensitive;
/// the most recently updated when several share it).
pub fn find(conn: &Connection, key: &str) -> Result<Option<CompanyRecord>> {
    let key = key.trim();
    for cond in ["c.id = ?1", "c.company_id = ?1", "c.name = ?1 COLLATE NOCASE"] {
        let found = conn
            .prepare_cached(&format!(
                "{COMPANY_SQL} WHERE {cond} ORDER BY c.updated_at DESC, c.id LIMIT 1"
            ))?
            .query_row([key], company_row)
            .optional()?;
        if found.is_some() {
            return Ok(found);
        }
    }
    Ok(None)
}

/// One company (see [`find`]) with its contacts and their most recent conversations and tickets.
pub fn get(conn: &Connection, key: &str) -> Result<Option<CompanyDetail>> {
    let Some(c) = find(conn, key)? else {
        return Ok(None);
    };
    let id = c.id.clone();
    let summary = complete(conn, c)?;
    let contacts_total: i64 = conn
        .prepare_cached("SELECT count(*) FROM contact_companies WHERE company_id = ?1")?
        .query_row([&id], |r| r.get(0))?;
    let contacts: Vec<ContactRecord> = conn
        .prepare_cached(
            "SELECT cc.contact_id, k.name, k.email, k.role FROM contact_companies cc \
             LEFT JOIN contacts k ON k.id = cc.contact_id WHERE cc.company_id = ?1 \
             ORDER BY k.name, cc.contact_id LIMIT ?2",
        )?
        .query_map(params![&id, COMPANY_CONTACTS as i64], |r| {
            Ok(ContactRecord {
                id: r.get(0)?,
                name: r.get(1)?,
                email: r.get(2)?,
                role: r.get(3)?,
                ..Default::default()
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    let pks: Vec<i64> = conn
        .prepare_cached(
            "SELECT pk FROM conversations WHERE pk IN ( \
                SELECT c.pk FROM contact_companies cc JOIN conversations c ON c.contact_id = cc.contact_id \
                 WHERE cc.company_id = ?1 \
                UNION SELECT c.pk FROM contact_companies cc \
                 JOIN conversation_contacts x ON x.contact_id = cc.contact_id \
                 JOIN conversations c ON c.id = x.conversation_id WHERE cc.company_id = ?1) \
             ORDER BY updated_at DESC, pk DESC LIMIT ?2",
        )?
        .query_map(params![&id, COMPANY_RECENT as i64], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let conversations = summaries(conn, &pks)?;
    let tickets: Vec<TicketRecord> = conn
        .prepare_cached(
            "SELECT t.id, t.ticket_id, t.title, t.ticket_type_name, t.state_category, t.open, t.updated_at \
             FROM tickets t WHERE t.id IN (SELECT tc.ticket_id FROM contact_companies cc \
                JOIN ticket_contacts tc ON tc.contact_id = cc.contact_id WHERE cc.company_id = ?1) \
             ORDER BY t.updated_at DESC, t.id DESC LIMIT ?2",
        )?
        .query_map(params![&id, COMPANY_RECENT as i64], |r| {
            Ok(TicketRecord {
                id: r.get(0)?,
                ticket_id: r.get(1)?,
                title: r.get(2)?,
                ticket_type_name: r.get(3)?,
                state_category: r.get(4)?,
                open: r.get::<_, i64>(5)? != 0,
                updated_at: r.get(6)?,
                ..Default::default()
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(Some(project::detail(
        summary,
        contacts,
        contacts_total,
        conversations,
        tickets,
    )))
}
