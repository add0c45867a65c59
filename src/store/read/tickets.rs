//! Ticket reads: search (FTS5 over title, description and parts + filters + sort + paging), one ticket
//! with its parts (by API id, else by the inbox number), one part whole, and where a hit matched.

use super::fts_query;
use crate::model::{DateField, PersonRef, SearchMatch, TicketDetail, TicketPart, TicketSummary};
use crate::project::{self, Known, MAX_BODY_CHARS, Names};
use crate::record::{PartRecord, TicketPartRecord, TicketRecord};
use anyhow::Result;
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Row, params_from_iter};

pub use crate::model::TicketFilters;

fn is_none_word(s: &str) -> bool {
    matches!(
        s.trim().to_ascii_lowercase().as_str(),
        "none" | "unassigned" | "0"
    )
}

impl TicketFilters {
    /// Append the conditions (on `tickets t`) to `conds` and their values to `args` (the cache's reading
    /// of the filters).
    pub fn push(&self, args: &mut Vec<Value>, conds: &mut Vec<String>) {
        let bind = |args: &mut Vec<Value>, v: &str| {
            args.push(Value::Text(v.trim().to_string()));
            args.len()
        };
        if let Some(s) = &self.state {
            let n = bind(args, &s.to_ascii_lowercase());
            conds.push(format!("t.state_category = ?{n}"));
        }
        if let Some(c) = &self.category {
            let n = bind(args, c);
            conds.push(format!("t.category = ?{n} COLLATE NOCASE"));
        }
        if let Some(ty) = &self.ticket_type {
            let n = bind(args, ty);
            conds.push(format!(
                "(t.ticket_type_id = ?{n} OR t.ticket_type_name = ?{n} COLLATE NOCASE)"
            ));
        }
        for (val, column) in [
            (&self.admin_id, "t.admin_assignee_id"),
            (&self.team_id, "t.team_assignee_id"),
        ] {
            if let Some(v) = val {
                if is_none_word(v) {
                    conds.push(format!("{column} IS NULL"));
                } else {
                    let n = bind(args, v);
                    conds.push(format!("{column} = ?{n}"));
                }
            }
        }
        if let Some(c) = &self.contact {
            let n = bind(args, c);
            if c.contains('@') {
                conds.push(format!(
                    "t.id IN (SELECT tc.ticket_id FROM ticket_contacts tc WHERE tc.contact_id IN \
                     (SELECT id FROM contacts WHERE email = ?{n} COLLATE NOCASE))"
                ));
            } else {
                conds.push(format!(
                    "t.id IN (SELECT ticket_id FROM ticket_contacts WHERE contact_id = ?{n})"
                ));
            }
        }
        if let Some(c) = &self.company {
            let n = bind(args, c);
            conds.push(format!(
                "t.id IN (SELECT tc.ticket_id FROM ticket_contacts tc JOIN contact_companies cc \
                 ON cc.contact_id = tc.contact_id WHERE cc.company_id = ?{n} OR cc.company_id IN \
                 (SELECT id FROM companies WHERE name = ?{n} COLLATE NOCASE OR company_id = ?{n}))"
            ));
        }
        if let Some(o) = self.open {
            conds.push(format!("t.open = {}", i64::from(o)));
        }
    }
}

/// `since <= date_field < until` on `tickets t`.
pub(crate) fn push_ticket_window(
    args: &mut Vec<Value>,
    conds: &mut Vec<String>,
    date_field: DateField,
    since: Option<i64>,
    until: Option<i64>,
) {
    let col = ticket_date_column(date_field);
    if let Some(s) = since {
        args.push(Value::Integer(s));
        conds.push(format!("{col} >= ?{}", args.len()));
    }
    if let Some(u) = until {
        args.push(Value::Integer(u));
        conds.push(format!("{col} < ?{}", args.len()));
    }
}

pub(crate) fn ticket_date_column(f: DateField) -> &'static str {
    match f {
        DateField::CreatedAt => "t.created_at",
        DateField::UpdatedAt => "t.updated_at",
    }
}

/// Result order for a ticket search.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TicketSort {
    /// Best full-text match first; without a text query (or with too many matches), most recently updated.
    Relevance,
    UpdatedDesc,
    UpdatedAsc,
    CreatedDesc,
}

impl TicketSort {
    pub const NAMES: &[&str] = &["relevance", "updated_desc", "updated_asc", "created_desc"];

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s.trim().to_ascii_lowercase().as_str() {
            "relevance" => Self::Relevance,
            "updated_desc" => Self::UpdatedDesc,
            "updated_asc" => Self::UpdatedAsc,
            "created_desc" => Self::CreatedDesc,
            _ => return None,
        })
    }
}

/// A validated ticket search.
#[derive(Debug, Clone)]
pub struct TicketQuery {
    pub text: Option<String>,
    pub since: Option<i64>,
    pub until: Option<i64>,
    pub date_field: DateField,
    pub filters: TicketFilters,
    pub sort: TicketSort,
    pub limit: usize,
    pub offset: usize,
}

/// One page of ticket search results.
#[derive(Debug, Clone)]
pub struct TicketSearchPage {
    pub tickets: Vec<TicketSummary>,
    pub has_more: bool,
    /// Set when relevance was asked for but the text matched more than
    /// [`super::conversations::BROAD_MATCHES`] tickets (then most recently updated first).
    pub broad_matches: Option<i64>,
    pub total: Option<i64>,
    pub total_is_lower_bound: bool,
}

use super::conversations::{BROAD_MATCHES, MAX_COUNT};

/// Run a ticket search: filters, order, one page.
pub fn search(conn: &Connection, q: &TicketQuery) -> Result<TicketSearchPage> {
    let mut args: Vec<Value> = Vec::new();
    let mut conds: Vec<String> = Vec::new();
    let fts = q.text.as_deref().and_then(fts_query);
    let matches: Option<i64> = match &fts {
        None => None,
        Some(m) => Some(
            conn.prepare_cached("SELECT count(*) FROM ticket_fts WHERE ticket_fts MATCH ?1")?
                .query_row([m], |r| r.get(0))?,
        ),
    };
    if matches == Some(0) {
        return Ok(TicketSearchPage {
            tickets: Vec::new(),
            has_more: false,
            broad_matches: None,
            total: Some(0),
            total_is_lower_bound: false,
        });
    }
    let broad = matches.is_some_and(|n| n > BROAD_MATCHES);
    let ranked = fts.is_some() && !broad && q.sort == TicketSort::Relevance;
    let from = match &fts {
        None => "tickets t",
        Some(m) if ranked => {
            args.push(Value::Text(m.clone()));
            conds.push(format!("ticket_fts MATCH ?{}", args.len()));
            "ticket_fts JOIN tickets t ON t.pk = ticket_fts.rowid"
        }
        Some(m) => {
            args.push(Value::Text(m.clone()));
            conds.push(format!(
                "t.pk IN (SELECT rowid FROM ticket_fts WHERE ticket_fts MATCH ?{})",
                args.len()
            ));
            "tickets t"
        }
    };
    push_ticket_window(&mut args, &mut conds, q.date_field, q.since, q.until);
    q.filters.push(&mut args, &mut conds);
    let order = match q.sort {
        TicketSort::Relevance if ranked => "ticket_fts.rank, ticket_fts.rowid DESC",
        TicketSort::Relevance | TicketSort::UpdatedDesc => "t.updated_at DESC, t.pk DESC",
        TicketSort::UpdatedAsc => "t.updated_at ASC, t.pk ASC",
        TicketSort::CreatedDesc => "t.created_at DESC, t.pk DESC",
    };
    let where_ = if conds.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conds.join(" AND "))
    };
    let count_sql = format!(
        "SELECT count(*) FROM (SELECT 1 FROM {from} {where_} LIMIT {})",
        MAX_COUNT + 1
    );
    let counted: i64 = conn
        .prepare_cached(&count_sql)?
        .query_row(params_from_iter(args.iter()), |r| r.get(0))?;
    let sql_int = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
    args.push(Value::Integer(sql_int(q.limit).saturating_add(1)));
    args.push(Value::Integer(sql_int(q.offset)));
    let sql = format!(
        "SELECT t.pk FROM {from} {where_} ORDER BY {order} LIMIT ?{} OFFSET ?{}",
        args.len() - 1,
        args.len()
    );
    let mut pks: Vec<i64> = conn
        .prepare_cached(&sql)?
        .query_map(params_from_iter(args), |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let has_more = pks.len() > q.limit;
    pks.truncate(q.limit);
    let mut tickets = summaries(conn, &pks)?;
    if let Some(m) = &fts {
        for (t, pk) in tickets.iter_mut().zip(&pks) {
            t.matched = best_match(conn, m, *pk, &t.id, t.created_at)?;
        }
    }
    Ok(TicketSearchPage {
        tickets,
        has_more,
        broad_matches: matches.filter(|_| broad && q.sort == TicketSort::Relevance),
        total: Some(counted.min(MAX_COUNT)),
        total_is_lower_bound: counted > MAX_COUNT,
    })
}

const SUMMARY_SQL: &str = "SELECT t.id, t.ticket_id, t.title, t.description, t.category, t.ticket_type_id, \
    t.ticket_type_name, t.state_category, t.state_label, t.open, t.created_at, t.updated_at, \
    t.admin_assignee_id, a.name, a.email, t.team_assignee_id, tm.name, \
    t.contact_id, k.name, k.email, k.role, t.parts_truncated \
    FROM tickets t \
    LEFT JOIN admins a ON a.id = t.admin_assignee_id \
    LEFT JOIN teams tm ON tm.id = t.team_assignee_id \
    LEFT JOIN contacts k ON k.id = t.contact_id";

/// The names one ticket row joined; each is handed over once.
#[derive(Default)]
struct Joined {
    admin: Option<Known>,
    team: Option<String>,
    contact: Option<Known>,
}

impl Names for Joined {
    fn admin(&mut self, _: &str) -> Option<Known> {
        self.admin.take()
    }
    fn team(&mut self, _: &str) -> Option<String> {
        self.team.take()
    }
    fn contact(&mut self, _: &str) -> Option<Known> {
        self.contact.take()
    }
    fn tag(&mut self, _: &str) -> Option<String> {
        None
    }
}

fn ticket_row(r: &Row<'_>) -> rusqlite::Result<(TicketRecord, Joined, bool)> {
    let record = TicketRecord {
        id: r.get(0)?,
        ticket_id: r.get(1)?,
        title: r.get(2)?,
        description: r.get(3)?,
        category: r.get(4)?,
        ticket_type_id: r.get(5)?,
        ticket_type_name: r.get(6)?,
        state_category: r.get(7)?,
        state_label: r.get(8)?,
        open: r.get(9)?,
        created_at: r.get(10)?,
        updated_at: r.get(11)?,
        admin_assignee_id: r.get(12)?,
        team_assignee_id: r.get(15)?,
        contact_ids: r.get::<_, Option<String>>(17)?.into_iter().collect(),
        ..Default::default()
    };
    let joined = Joined {
        admin: record.admin_assignee_id.as_ref().map(|_| Known {
            name: r.get(13).ok().flatten(),
            email: r.get(14).ok().flatten(),
            role: None,
        }),
        team: r.get(16)?,
        contact: record.contact_ids.first().map(|_| Known {
            name: r.get(18).ok().flatten(),
            email: r.get(19).ok().flatten(),
            role: r.get(20).ok().flatten(),
        }),
    };
    Ok((record, joined, r.get(21)?))
}

/// Summaries for these primary keys, in the given order (missing keys are skipped).
pub fn summaries(conn: &Connection, pks: &[i64]) -> Result<Vec<TicketSummary>> {
    let mut stmt = conn.prepare_cached(&format!("{SUMMARY_SQL} WHERE t.pk = ?1"))?;
    let mut out = Vec::with_capacity(pks.len());
    for pk in pks {
        if let Some((mut t, mut names, _)) = stmt.query_row([pk], ticket_row).optional()? {
            out.push(project::tickets::summary(&mut t, &mut names));
        }
    }
    Ok(out)
}

/// Names from the tables (admins, teams, contacts).
struct Tables<'c>(&'c Connection);

impl Tables<'_> {
    fn person(&self, table: &str, id: &str, with_role: bool) -> Option<Known> {
        let sql = if with_role {
            format!("SELECT name, email, role FROM {table} WHERE id = ?1")
        } else {
            format!("SELECT name, email, NULL FROM {table} WHERE id = ?1")
        };
        self.0
            .prepare_cached(&sql)
            .and_then(|mut s| {
                s.query_row([id], |r| {
                    Ok(Known {
                        name: r.get(0)?,
                        email: r.get(1)?,
                        role: r.get(2)?,
                    })
                })
                .optional()
            })
            .ok()
            .flatten()
    }
}

impl Names for Tables<'_> {
    fn admin(&mut self, id: &str) -> Option<Known> {
        self.person("admins", id, false)
    }
    fn team(&mut self, id: &str) -> Option<String> {
        self.0
            .prepare_cached("SELECT name FROM teams WHERE id = ?1")
            .and_then(|mut s| s.query_row([id], |r| r.get(0)).optional())
            .ok()
            .flatten()
            .flatten()
    }
    fn contact(&mut self, id: &str) -> Option<Known> {
        self.person("contacts", id, true)
    }
    fn tag(&mut self, _: &str) -> Option<String> {
        None
    }
}

/// One ticket with every stored part, oldest first, by its API id, else by its inbox number (`ticket_id`);
/// the flag says it was found by the inbox number. None when neither is in the cache.
pub fn get(conn: &Connection, id: &str) -> Result<Option<(TicketDetail, bool)>> {
    let id = id.trim().trim_start_matches('#');
    let mut by_id = conn.prepare_cached(&format!("{SUMMARY_SQL} WHERE t.id = ?1"))?;
    let mut found = by_id.query_row([id], ticket_row).optional()?.map(|r| (r, false));
    if found.is_none() {
        let mut by_number = conn.prepare_cached(&format!(
            "{SUMMARY_SQL} WHERE t.ticket_id = ?1 ORDER BY t.updated_at DESC LIMIT 1"
        ))?;
        found = by_number
            .query_row([id], ticket_row)
            .optional()?
            .map(|r| (r, true));
    }
    let Some(((mut t, _, truncated), by_number)) = found else {
        return Ok(None);
    };
    let first = t.contact_ids.first().cloned();
    let mut others: Vec<String> = conn
        .prepare_cached("SELECT contact_id FROM ticket_contacts WHERE ticket_id = ?1 ORDER BY contact_id")?
        .query_map([&t.id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    others.retain(|c| Some(c) != first.as_ref());
    t.contact_ids.extend(others);
    t.links = conn
        .prepare_cached("SELECT object_type, object_id FROM ticket_links WHERE ticket_id = ?1")?
        .query_map([&t.id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let parts = parts(conn, &t.id, None, MAX_BODY_CHARS)?;
    let d = project::tickets::detail(t, parts, truncated, &mut Tables(conn));
    Ok(Some((d, by_number)))
}

/// A ticket's description as whole text (not cut at [`MAX_BODY_CHARS`]): what `get_ticket` answers for
/// `part_id: "description"`. None when no ticket has this API id; Some("") when it has no description.
pub fn description(conn: &Connection, ticket_id: &str) -> Result<Option<String>> {
    let html: Option<Option<String>> = conn
        .prepare_cached("SELECT description FROM tickets WHERE id = ?1")?
        .query_row([ticket_id], |r| r.get(0))
        .optional()?;
    Ok(html.map(|h| crate::text::html_to_text(h.as_deref().unwrap_or(""))))
}

/// One part of a ticket (by API id) with its body cut at `max_chars`; None when there is no such part.
pub fn part(
    conn: &Connection,
    ticket_id: &str,
    part_id: &str,
    max_chars: usize,
) -> Result<Option<TicketPart>> {
    Ok(parts(conn, ticket_id, Some(part_id.trim()), max_chars)?
        .into_iter()
        .next())
}

fn parts(
    conn: &Connection,
    ticket_id: &str,
    part_id: Option<&str>,
    max_chars: usize,
) -> Result<Vec<TicketPart>> {
    let mut stmt = conn.prepare_cached(
        "SELECT p.id, p.part_type, p.body, p.created_at, p.author_type, p.author_id, p.author_name, \
         p.author_email, p.assigned_to_id, p.ticket_state, a.name, a.email, k.name, k.email \
         FROM ticket_parts p \
         LEFT JOIN admins a ON p.author_type IN ('admin', 'bot') AND a.id = p.author_id \
         LEFT JOIN contacts k ON p.author_type IN ('user', 'lead', 'contact') AND k.id = p.author_id \
         WHERE p.ticket_id = ?1 AND (?2 IS NULL OR p.id = ?2) \
         ORDER BY p.created_at, length(p.id), p.id",
    )?;
    let rows = stmt.query_map(rusqlite::params![ticket_id, part_id], |r| {
        let record = TicketPartRecord {
            part: PartRecord {
                id: r.get(0)?,
                part_type: r.get(1)?,
                body: r.get(2)?,
                created_at: r.get(3)?,
                author_type: r.get(4)?,
                author_id: r.get(5)?,
                author_name: r.get(6)?,
                author_email: r.get(7)?,
                assigned_to_id: r.get(8)?,
                state: r.get(9)?,
                ..Default::default()
            },
            previous_ticket_state: None,
        };
        let known = |name: Option<String>, email: Option<String>| {
            (name.is_some() || email.is_some()).then_some(Known {
                name,
                email,
                role: None,
            })
        };
        let mut names = Joined {
            admin: known(r.get(10)?, r.get(11)?),
            team: None,
            contact: known(r.get(12)?, r.get(13)?),
        };
        Ok(project::tickets::part(record, max_chars, &mut names))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Where `fts` matched ticket `pk` best: FTS5's snippet, and the part holding the highlighted words (else
/// the title or description: no part, the ticket's creation time).
fn best_match(
    conn: &Connection,
    fts: &str,
    pk: i64,
    id: &str,
    created_at: i64,
) -> Result<Option<SearchMatch>> {
    let passage: Option<String> = conn
        .prepare_cached(
            "SELECT snippet(ticket_fts, -1, '«', '»', '…', 24) FROM ticket_fts \
             WHERE ticket_fts MATCH ?1 AND rowid = ?2",
        )?
        .query_row(rusqlite::params![fts, pk], |r| r.get(0))
        .optional()?;
    let Some(passage) = passage else {
        return Ok(None);
    };
    let words: Vec<String> = passage
        .split('«')
        .skip(1)
        .filter_map(|s| s.split_once('»').map(|(w, _)| w.to_string()))
        .collect();
    let mut m = SearchMatch {
        passage,
        part_id: None,
        author: None,
        created_at: Some(created_at),
    };
    if words.is_empty() {
        return Ok(Some(m));
    }
    let mut conds = vec!["p.ticket_id = ?1".to_string()];
    let mut args = vec![Value::Text(id.to_string())];
    for w in words.iter().take(4) {
        args.push(Value::Text(super::like_pattern(w)));
        conds.push(format!("p.body LIKE ?{} ESCAPE '\\'", args.len()));
    }
    let sql = format!(
        "SELECT p.id, p.created_at, p.author_type, p.author_id, \
         coalesce(a.name, k.name, p.author_name), coalesce(a.email, k.email, p.author_email) \
         FROM ticket_parts p \
         LEFT JOIN admins a ON p.author_type IN ('admin', 'bot') AND a.id = p.author_id \
         LEFT JOIN contacts k ON p.author_type IN ('user', 'lead', 'contact') AND k.id = p.author_id \
         WHERE {} ORDER BY p.created_at DESC LIMIT 1",
        conds.join(" AND ")
    );
    let part = conn
        .prepare_cached(&sql)?
        .query_row(params_from_iter(args), |r| {
            let kind: Option<String> = r.get(2)?;
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, Option<String>>(3)?.map(|id| PersonRef {
                    id,
                    kind: kind.unwrap_or_else(|| "unknown".into()),
                    name: r.get(4).ok().flatten(),
                    email: r.get(5).ok().flatten(),
                }),
            ))
        })
        .optional()?;
    if let Some((pid, at, author)) = part {
        m.part_id = Some(pid);
        m.created_at = Some(at);
        m.author = author;
    }
    Ok(Some(m))
}
