//! Conversation reads: search (FTS5 + filters + sort + paging), one conversation with its parts, and
//! summaries by primary key (shared with contacts).

use super::{DateField, fts_query};
use crate::model::ConversationFilters;
use crate::model::{ConversationDetail, ConversationPart, ConversationSummary};
use crate::project::{self, Known, MAX_BODY_CHARS, Names};
use crate::record::{ConversationRecord, PartRecord};
use anyhow::Result;
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Row, params_from_iter};

/// Result order for a conversation search.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    /// Best full-text match first (FTS5 bm25); without a text query, most recently updated first.
    Relevance,
    UpdatedDesc,
    UpdatedAsc,
    CreatedDesc,
    /// Waiting longest for a teammate's reply first (conversations not waiting last).
    WaitingLongest,
}

impl Sort {
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "relevance" => Some(Sort::Relevance),
            "updated_desc" => Some(Sort::UpdatedDesc),
            "updated_asc" => Some(Sort::UpdatedAsc),
            "created_desc" => Some(Sort::CreatedDesc),
            "waiting_longest" => Some(Sort::WaitingLongest),
            _ => None,
        }
    }
}

/// A validated conversation search.
#[derive(Debug, Clone)]
pub struct SearchQuery {
    /// The user's text, quoted token by token before it reaches FTS5.
    pub text: Option<String>,
    pub since: Option<i64>,
    pub until: Option<i64>,
    pub date_field: DateField,
    /// Which conversations: state, assignees, tag, contact, priority, rating, SLA, attributes...
    pub filters: ConversationFilters,
    pub sort: Sort,
    pub limit: usize,
    pub offset: usize,
}

/// One page of search results.
#[derive(Debug, Clone)]
pub struct SearchPage {
    pub conversations: Vec<ConversationSummary>,
    pub has_more: bool,
    /// Set (to [`BROAD_MATCHES`], or [`BROAD_FILTERED_MATCHES`] with a window or filters: "more than this
    /// many") when relevance order was asked for but the text matched more than that many conversations,
    /// so the results are most recently updated first.
    pub broad_matches: Option<i64>,
    /// Conversations matching the text and filters, counted up to [`MAX_COUNT`]; for a broad text with
    /// filters, only as far as the page walked (a lower bound). None when not known.
    pub total: Option<i64>,
    /// More than `total` match.
    pub total_is_lower_bound: bool,
}

/// A search counts its matches up to this many (a larger count costs time and helps nobody).
pub const MAX_COUNT: i64 = 1000;

/// Above this many full-text matches, ranking by relevance (bm25 over every match, and with filters a
/// lookup of each match's filter columns: about 1-1.5 µs a match, 3-5 ms at this many) gives way to
/// recency, and the index of the sort column drives the query instead of the text. Chosen so a ranked
/// search stays well inside the 10 ms p99 of issue #9 with its snippets and answer (at 5,000, two-word
/// searches with a filter reached 10-12 ms). The text's matches are counted only up to this many plus one.
pub const BROAD_MATCHES: i64 = 3000;

/// The same with a window or filters, where each match also costs a lookup of its filter columns
/// (~1 µs) before the kept ones are scored: ranking 2,000-3,000 matches then took 5-8 ms, the slowest
/// searches of the benchmark. At most [`BROAD_MATCHES`].
pub const BROAD_FILTERED_MATCHES: i64 = 2000;

/// A broad text's matches are read into a set, newest first, up to this many; a larger share of the
/// workspace is checked by lookups for the older rows the set does not hold.
const MATERIALIZE_MATCHES: i64 = 20_000;

/// A broad text walks the sort column's index (with the filters) and checks each row against the set of
/// matches; it gives up after this many rows (a rare combination of text and filters), or after
/// [`WALK_ROWS`] FTS5 lookups by rowid (~20-70 µs each) for rows older than the set, and lets SQLite build
/// the whole match set instead.
const WALK_SET_ROWS: usize = 2000;
const WALK_ROWS: usize = 400;

/// Run a search: filters, order, one page (`limit` rows after `offset`).
pub fn search(conn: &Connection, q: &SearchQuery) -> Result<SearchPage> {
    // One snapshot for every statement below (a sync may commit between them): a read transaction, unless
    // the caller has one open. Dropping it ends it.
    let _snapshot = if conn.is_autocommit() {
        Some(conn.unchecked_transaction()?)
    } else {
        None
    };
    let fts = q.text.as_deref().and_then(fts_query);
    // The text's matches, counted only up to BROAD_MATCHES + 1: the rest of a common word's doclist is
    // never read.
    let matches: Option<i64> = match &fts {
        None => None,
        Some(m) => Some(
            conn.prepare_cached(
                "SELECT count(*) FROM (SELECT 1 FROM conversation_fts WHERE conversation_fts MATCH ?1 LIMIT ?2)",
            )?
            .query_row(rusqlite::params![m, BROAD_MATCHES + 1], |r| r.get(0))?,
        ),
    };
    if matches == Some(0) {
        return Ok(SearchPage {
            conversations: Vec::new(),
            has_more: false,
            broad_matches: None,
            total: Some(0),
            total_is_lower_bound: false,
        });
    }
    // The window and filters, numbered after the text's placeholder (?1) when there is a text.
    let mut args: Vec<Value> = Vec::new();
    if let Some(m) = &fts {
        args.push(Value::Text(m.clone()));
    }
    let mut conds: Vec<String> = Vec::new();
    super::push_window(&mut args, &mut conds, q.date_field, q.since, q.until);
    q.filters.push(&mut args, &mut conds);
    let filtered = !conds.is_empty();
    let broad_at = if filtered {
        BROAD_FILTERED_MATCHES
    } else {
        BROAD_MATCHES
    };
    let broad = matches.is_some_and(|n| n > broad_at);
    let sort = match q.sort {
        Sort::Relevance if fts.is_none() || broad => Sort::UpdatedDesc,
        s => s,
    };
    let order = match (sort, fts.is_some() && !broad) {
        (Sort::Relevance, true) => "conversation_fts.rank, conversation_fts.rowid DESC",
        (Sort::Relevance, false) | (Sort::UpdatedDesc, _) => "c.updated_at DESC, c.pk DESC",
        (Sort::UpdatedAsc, _) => "c.updated_at ASC, c.pk ASC",
        (Sort::CreatedDesc, _) => "c.created_at DESC, c.pk DESC",
        (Sort::WaitingLongest, _) => "c.waiting_since IS NULL, c.waiting_since ASC, c.pk ASC",
    };
    let (pks, has_more, total) = match (&fts, broad) {
        (Some(_), true) => broad_page(conn, q, sort, order, &args, &conds)?,
        (Some(_), false) if !filtered && sort == Sort::Relevance => {
            // Ranked inside FTS5: no conversation row is read until the page's summaries.
            let page = page_sql(
                conn,
                "SELECT rowid FROM conversation_fts WHERE conversation_fts MATCH ?1 \
                 ORDER BY fi_bm25(conversation_fts, 'conversations', ?1), rowid DESC",
                args,
                q,
            )?;
            let n = matches.unwrap_or(0);
            (page.0, page.1, Counted::UpTo(n))
        }
        (Some(_), false) if sort == Sort::Relevance => ranked_filtered(conn, q, &args, &conds)?,
        _ => {
            let from = match &fts {
                None => "conversations c",
                Some(_) => {
                    conds.insert(0, "conversation_fts MATCH ?1".into());
                    // At most BROAD_MATCHES matches: drive from the text (never from a filter's index
                    // with an FTS5 lookup per row), and read the filter and sort columns from their
                    // narrow index rather than each match's table row.
                    "conversation_fts CROSS JOIN conversations c INDEXED BY conversations_filter_columns \
                     ON c.pk = conversation_fts.rowid"
                }
            };
            let where_ = where_clause(&conds);
            let counted = if fts.is_some() && !filtered {
                matches.unwrap_or(0)
            } else {
                // The count, bounded: the same rows, at most MAX_COUNT + 1 of them.
                let count_sql = format!(
                    "SELECT count(*) FROM (SELECT 1 FROM {from} {where_} LIMIT {})",
                    MAX_COUNT + 1
                );
                conn.prepare_cached(&count_sql)?
                    .query_row(params_from_iter(args.iter()), |r| r.get(0))?
            };
            let sql = format!("SELECT c.pk FROM {from} {where_} ORDER BY {order}");
            let page = page_sql(conn, &sql, args, q)?;
            (page.0, page.1, Counted::UpTo(counted))
        }
    };
    let mut conversations = summaries(conn, &pks)?;
    if let Some(m) = &fts {
        for (c, pk) in conversations.iter_mut().zip(&pks) {
            c.matched = super::passage::best_match(conn, m, *pk, &c.id)?;
        }
    }
    let (total, total_is_lower_bound) = match total {
        Counted::UpTo(n) => (Some(n.min(MAX_COUNT)), n > MAX_COUNT),
        Counted::AtLeast(n) => (Some(n.min(MAX_COUNT)), true),
        Counted::Unknown => (None, false),
    };
    Ok(SearchPage {
        conversations,
        has_more,
        broad_matches: (broad && q.sort == Sort::Relevance).then_some(broad_at),
        total,
        total_is_lower_bound,
    })
}

/// What a search knows of its total.
enum Counted {
    /// Exactly this many (a count past [`MAX_COUNT`] means "more than [`MAX_COUNT`]").
    UpTo(i64),
    /// More than this many.
    AtLeast(i64),
    Unknown,
}

fn where_clause(conds: &[String]) -> String {
    if conds.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conds.join(" AND "))
    }
}

/// Saturating: a huge offset must mean "past the end", never wrap to a negative OFFSET (page one).
fn sql_int(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// One page of `sql` (ordered, without LIMIT): the primary keys and whether more follow.
fn page_sql(conn: &Connection, sql: &str, mut args: Vec<Value>, q: &SearchQuery) -> Result<(Vec<i64>, bool)> {
    args.push(Value::Integer(sql_int(q.limit).saturating_add(1)));
    args.push(Value::Integer(sql_int(q.offset)));
    let sql = format!("{sql} LIMIT ?{} OFFSET ?{}", args.len() - 1, args.len());
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut pks: Vec<i64> = stmt
        .query_map(params_from_iter(args), |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let has_more = pks.len() > q.limit;
    pks.truncate(q.limit);
    Ok((pks, has_more))
}

/// Relevance order with filters, for a text with at most [`BROAD_FILTERED_MATCHES`] matches, in one pass: FTS5
/// walks the matches in rowid order, each is checked against the filters in the narrow index of filter
/// columns (no table row read), and only those kept are scored ([`crate::store::rank`]); they are sorted here. Their
/// number is the count. About 6 ms for a two-word text matching 4,800 conversations with `state: open`,
/// where scoring every match first, then counting and checking the filters in separate queries, took 10.
fn ranked_filtered(
    conn: &Connection,
    q: &SearchQuery,
    args: &[Value],
    filter_conds: &[String],
) -> Result<(Vec<i64>, bool, Counted)> {
    let mut conds = vec!["conversation_fts MATCH ?1".to_string()];
    conds.extend_from_slice(filter_conds);
    let sql = format!(
        "SELECT c.pk, fi_bm25(conversation_fts, 'conversations', ?1) FROM conversation_fts \
         CROSS JOIN conversations c INDEXED BY conversations_filter_columns ON c.pk = conversation_fts.rowid {}",
        where_clause(&conds)
    );
    let mut ranked: Vec<(i64, f64)> = conn
        .prepare_cached(&sql)?
        .query_map(params_from_iter(args.iter()), |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    // bm25 is lower for a better match; ties go to the newer conversation, as `ORDER BY rank, rowid DESC`.
    ranked.sort_unstable_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)));
    let counted = Counted::UpTo(sql_int(ranked.len()));
    let has_more = ranked.len() > q.offset.saturating_add(q.limit);
    let pks: Vec<i64> = ranked
        .into_iter()
        .skip(q.offset)
        .take(q.limit)
        .map(|(pk, _)| pk)
        .collect();
    Ok((pks, has_more, counted))
}

/// A page of a text that matches more than [`BROAD_MATCHES`] conversations, most recent (or as sorted)
/// first. The text's newest matches (up to [`MATERIALIZE_MATCHES`]) are read into a set, then the rows the
/// filters and order give (from their indexes, as a search without text) are checked against it until the
/// page is full: one pass over the matches, no FTS5 lookup per row (20-70 µs each with common words).
/// A rare combination of text and filters (more than [`WALK_SET_ROWS`] rows walked), a deep page or an
/// order no index gives: SQLite builds the match set and walks the index against it. The total is counted
/// only as far as the page went.
fn broad_page(
    conn: &Connection,
    q: &SearchQuery,
    sort: Sort,
    order: &str,
    args: &[Value],
    conds: &[String],
) -> Result<(Vec<i64>, bool, Counted)> {
    let index = match sort {
        Sort::CreatedDesc => Some("conversations_created"),
        Sort::UpdatedDesc | Sort::UpdatedAsc | Sort::Relevance => Some("conversations_updated"),
        Sort::WaitingLongest => None,
    };
    let needed = q.offset.saturating_add(q.limit).saturating_add(1);
    let where_ = where_clause(conds);
    let filtered = !conds.is_empty();
    let counted = |found: usize, has_more: bool| {
        if !filtered {
            // Every conversation is a candidate: the text alone matches more than MAX_COUNT.
            Counted::UpTo(BROAD_MATCHES + 1)
        } else if has_more {
            Counted::AtLeast(sql_int(q.offset.saturating_add(q.limit)))
        } else if found > 0 || q.offset == 0 {
            Counted::UpTo(sql_int(q.offset.saturating_add(found)))
        } else {
            Counted::Unknown
        }
    };
    if index.is_some() && needed <= WALK_SET_ROWS {
        let Some(Value::Text(m)) = args.first() else {
            anyhow::bail!("a text search needs its text first");
        };
        let matched: Vec<i64> = conn
            .prepare_cached(
                "SELECT rowid FROM conversation_fts WHERE conversation_fts MATCH ?1 ORDER BY rowid DESC LIMIT ?2",
            )?
            .query_map(rusqlite::params![m, MATERIALIZE_MATCHES + 1], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        // Rows below `floor` may match too (the set stopped there): those are looked up one by one.
        let floor = if sql_int(matched.len()) > MATERIALIZE_MATCHES {
            matched.last().copied().unwrap_or(i64::MIN)
        } else {
            i64::MIN
        };
        let set: std::collections::HashSet<i64> = matched.into_iter().collect();
        let mut lookup = conn.prepare_cached(
            "SELECT 1 FROM conversation_fts WHERE conversation_fts MATCH ?1 AND rowid = ?2",
        )?;
        // As a search without text (LIMIT: the planner takes an index that gives the order, never a sort of
        // every row). The filters' placeholders start at ?2 (?1, the text, is bound when a later one is).
        let sql = format!("SELECT c.pk FROM conversations c {where_} ORDER BY {order} LIMIT {WALK_SET_ROWS}");
        let mut stmt = conn.prepare_cached(&sql)?;
        let bound = stmt.parameter_count().min(args.len());
        let mut rows = stmt.query(params_from_iter(args[..bound].iter()))?;
        let (mut walked, mut lookups, mut hits) = (0usize, 0usize, Vec::with_capacity(needed));
        let mut ended = false;
        while hits.len() < needed && walked < WALK_SET_ROWS && lookups < WALK_ROWS {
            let Some(r) = rows.next()? else {
                ended = true;
                break;
            };
            walked += 1;
            let pk: i64 = r.get(0)?;
            let hit = if pk >= floor {
                set.contains(&pk)
            } else {
                lookups += 1;
                lookup.exists(rusqlite::params![m, pk])?
            };
            if hit {
                hits.push(pk);
            }
        }
        if ended || hits.len() >= needed {
            let has_more = hits.len() >= needed;
            let mut pks: Vec<i64> = hits.into_iter().skip(q.offset).collect();
            pks.truncate(q.limit);
            let found = pks.len();
            return Ok((pks, has_more, counted(found, has_more)));
        }
    }
    // Let SQLite build the match set (a bloom filter over every match) and walk the index against it.
    let from = match index {
        Some(i) => format!("conversations c INDEXED BY {i}"),
        None => "conversations c".into(),
    };
    let mut conds = conds.to_vec();
    conds.push("c.pk IN (SELECT rowid FROM conversation_fts WHERE conversation_fts MATCH ?1)".into());
    let sql = format!(
        "SELECT c.pk FROM {from} {} ORDER BY {order}",
        where_clause(&conds)
    );
    let (pks, has_more) = page_sql(conn, &sql, args.to_vec(), q)?;
    let found = pks.len();
    Ok((pks, has_more, counted(found, has_more)))
}

const SUMMARY_SQL: &str = "SELECT c.id, c.title, c.state, c.priority, c.created_at, c.updated_at, \
    c.admin_assignee_id, a.name, a.email, c.team_assignee_id, t.name, \
    c.contact_id, k.name, k.email, k.role, c.source_subject, c.source_body, \
    c.source_author_type, c.source_author_id, c.source_author_name, c.source_author_email, \
    (SELECT group_concat(coalesce(g.name, x.tag_id), char(31)) FROM conversation_tags x \
        LEFT JOIN tags g ON g.id = x.tag_id WHERE x.conversation_id = c.id), \
    c.parts_truncated, c.waiting_since, c.rating \
    FROM conversations c \
    LEFT JOIN admins a ON a.id = c.admin_assignee_id \
    LEFT JOIN teams t ON t.id = c.team_assignee_id \
    LEFT JOIN contacts k ON k.id = c.contact_id";

/// The names a conversation row joined: its assignees' and first contact's. Lookups hand them over once.
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
        // The row carries tag names already (the record's).
        None
    }
}

/// A conversation row as the record the projection takes (the columns it reads), with the names the row
/// joined and the stored `parts_truncated` flag.
fn conv_row(r: &Row<'_>) -> rusqlite::Result<(ConversationRecord, Joined, bool)> {
    // The row's tags are names already (the tag's name, else its id): the record carries them as names
    // with no id, which the projection keeps as they are.
    let tags: Vec<(String, String)> = r
        .get::<_, Option<String>>(21)?
        .map(|s| {
            s.split('\u{1f}')
                .map(|n| (String::new(), n.to_string()))
                .collect()
        })
        .unwrap_or_default();
    let record = ConversationRecord {
        id: r.get(0)?,
        title: r.get(1)?,
        state: r.get(2)?,
        priority: r.get(3)?,
        created_at: r.get(4)?,
        updated_at: r.get(5)?,
        admin_assignee_id: r.get(6)?,
        team_assignee_id: r.get(9)?,
        contact_ids: r.get::<_, Option<String>>(11)?.into_iter().collect(),
        source_subject: r.get(15)?,
        source_body: r.get(16)?,
        source_author_type: r.get(17)?,
        source_author_id: r.get(18)?,
        source_author_name: r.get(19)?,
        source_author_email: r.get(20)?,
        tags,
        waiting_since: r.get(23)?,
        rating: r.get(24)?,
        ..Default::default()
    };
    // Only for the ids the row has, so the summary takes every joined name and later lookups (the
    // opening message's author) go to the tables.
    let joined = Joined {
        admin: match record.admin_assignee_id {
            Some(_) => Some(Known {
                name: r.get(7)?,
                email: r.get(8)?,
                role: None,
            }),
            None => None,
        },
        team: r.get(10)?,
        contact: match record.contact_ids.first() {
            Some(_) => Some(Known {
                name: r.get(12)?,
                email: r.get(13)?,
                role: r.get(14)?,
            }),
            None => None,
        },
    };
    Ok((record, joined, r.get::<_, i64>(22)? != 0))
}

/// Summaries for these primary keys, in the given order (missing keys are skipped).
pub fn summaries(conn: &Connection, pks: &[i64]) -> Result<Vec<ConversationSummary>> {
    let mut stmt = conn.prepare_cached(&format!("{SUMMARY_SQL} WHERE c.pk = ?1"))?;
    let mut out = Vec::with_capacity(pks.len());
    for pk in pks {
        if let Some((mut c, mut names, _)) = stmt.query_row([pk], conv_row).optional()? {
            out.push(project::conversations::summary(&mut c, &mut names));
        }
    }
    Ok(out)
}

/// One conversation with every stored part, oldest first; None when the id is not in the cache.
pub fn get(conn: &Connection, id: &str) -> Result<Option<ConversationDetail>> {
    let mut stmt = conn.prepare_cached(&format!("{SUMMARY_SQL} WHERE c.id = ?1"))?;
    let Some((c, joined, truncated)) = stmt.query_row([id.trim()], conv_row).optional()? else {
        return Ok(None);
    };
    let parts = parts(conn, &c.id, None, MAX_BODY_CHARS)?;
    // The summary takes the joined names; the opening message's author is looked up in the tables.
    let mut names = Tables { conn, joined };
    Ok(Some(project::conversations::detail(
        c, parts, truncated, &mut names,
    )))
}

/// Names from the row first (the summary takes them all), then from the admins and contacts tables.
struct Tables<'c> {
    conn: &'c Connection,
    joined: Joined,
}

impl Tables<'_> {
    fn person(&self, table: &str, id: &str) -> Option<Known> {
        let sql = format!("SELECT name, email FROM {table} WHERE id = ?1");
        let found = self
            .conn
            .prepare_cached(&sql)
            .and_then(|mut s| s.query_row([id], |r| Ok((r.get(0)?, r.get(1)?))).optional());
        match found {
            Ok(Some((name, email))) => Some(Known {
                name,
                email,
                role: None,
            }),
            // A failed lookup leaves the name the message carried.
            _ => None,
        }
    }
}

impl Names for Tables<'_> {
    fn admin(&mut self, id: &str) -> Option<Known> {
        self.joined.admin.take().or_else(|| self.person("admins", id))
    }
    fn team(&mut self, id: &str) -> Option<String> {
        self.joined.team(id)
    }
    fn contact(&mut self, id: &str) -> Option<Known> {
        self.joined.contact.take().or_else(|| self.person("contacts", id))
    }
    fn tag(&mut self, _: &str) -> Option<String> {
        None
    }
}

/// One part of a conversation with its body cut at `max_chars` (not [`MAX_BODY_CHARS`]); None when the
/// conversation has no such part.
pub fn part(
    conn: &Connection,
    conversation_id: &str,
    part_id: &str,
    max_chars: usize,
) -> Result<Option<ConversationPart>> {
    Ok(
        parts(conn, conversation_id.trim(), Some(part_id.trim()), max_chars)?
            .into_iter()
            .next(),
    )
}

fn parts(
    conn: &Connection,
    conversation_id: &str,
    part_id: Option<&str>,
    max_chars: usize,
) -> Result<Vec<ConversationPart>> {
    let mut stmt = conn.prepare_cached(
        "SELECT p.id, p.part_type, p.body, p.created_at, p.author_type, p.author_id, p.author_name, \
         p.author_email, p.assigned_to_id, a.name, a.email, k.name, k.email \
         FROM conversation_parts p \
         LEFT JOIN admins a ON p.author_type IN ('admin', 'bot') AND a.id = p.author_id \
         LEFT JOIN contacts k ON p.author_type IN ('user', 'lead', 'contact') AND k.id = p.author_id \
         WHERE p.conversation_id = ?1 AND (?2 IS NULL OR p.id = ?2) \
         ORDER BY p.created_at, length(p.id), p.id",
    )?;
    let rows = stmt.query_map(rusqlite::params![conversation_id, part_id], |r| {
        let record = PartRecord {
            id: r.get(0)?,
            part_type: r.get(1)?,
            body: r.get(2)?,
            created_at: r.get(3)?,
            author_type: r.get(4)?,
            author_id: r.get(5)?,
            author_name: r.get(6)?,
            author_email: r.get(7)?,
            assigned_to_id: r.get(8)?,
            ..Default::default()
        };
        // The join matched the admin or the contact (by the author's type), not both.
        let known = |name: Option<String>, email: Option<String>| {
            (name.is_some() || email.is_some()).then_some(Known {
                name,
                email,
                role: None,
            })
        };
        let mut names = Joined {
            admin: known(r.get(9)?, r.get(10)?),
            team: None,
            contact: known(r.get(11)?, r.get(12)?),
        };
        Ok(project::conversations::part(record, max_chars, &mut names))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(text: &str, sort: Sort) -> SearchQuery {
        SearchQuery {
            text: Some(text.into()),
            since: None,
            until: None,
            date_field: DateField::UpdatedAt,
            filters: ConversationFilters::default(),
            sort,
            limit: 5,
            offset: 0,
        }
    }

    #[test]
    fn broad_text_queries_fall_back_to_recency_and_say_so() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = crate::store::open_rw(&dir.path().join("t.db")).unwrap();
        let tx = conn.transaction().unwrap();
        let n = BROAD_MATCHES + 10;
        for pk in 1..=n {
            let state = if pk % 2 == 0 { "open" } else { "closed" };
            tx.execute(
                "INSERT INTO conversations (pk, id, created_at, updated_at, state, open, raw) \
                 VALUES (?1, ?2, ?3, ?4, ?5, 0, '{}')",
                rusqlite::params![pk, format!("c{pk}"), pk, (pk * 7919) % 100_000, state],
            )
            .unwrap();
            let body = if pk == 42 { "common rare" } else { "common words" };
            tx.execute(
                "INSERT INTO conversation_fts (rowid, title, body) VALUES (?1, '', ?2)",
                rusqlite::params![pk, body],
            )
            .unwrap();
        }
        tx.commit().unwrap();

        let page = search(&conn, &query("common", Sort::Relevance)).unwrap();
        assert_eq!(page.broad_matches, Some(BROAD_MATCHES));
        assert_eq!((page.total, page.total_is_lower_bound), (Some(MAX_COUNT), true));
        assert!(page.has_more);
        let updated: Vec<i64> = page.conversations.iter().map(|c| c.updated_at).collect();
        let mut sorted = updated.clone();
        sorted.sort_by(|a, b| b.cmp(a));
        assert_eq!(updated, sorted, "most recently updated first");

        let mut open = query("common", Sort::UpdatedAsc);
        open.filters.state = Some("open".into());
        let page = search(&conn, &open).unwrap();
        assert_eq!(
            page.broad_matches, None,
            "only reported when relevance was asked for"
        );
        assert!(page.conversations.iter().all(|c| c.state == "open"));
        assert!(
            page.conversations
                .windows(2)
                .all(|w| w[0].updated_at <= w[1].updated_at)
        );

        let page = search(&conn, &query("common", Sort::CreatedDesc)).unwrap();
        assert_eq!(page.conversations[0].created_at, n);

        let page = search(&conn, &query("rare", Sort::Relevance)).unwrap();
        assert_eq!((page.broad_matches, page.conversations.len()), (None, 1));
        assert_eq!(page.conversations[0].id, "c42");
        // Ranked, then filtered: c42 is open.
        for (state, found) in [("open", 1), ("closed", 0)] {
            let mut rare = query("rare", Sort::Relevance);
            rare.filters.state = Some(state.into());
            let page = search(&conn, &rare).unwrap();
            assert_eq!(
                (page.conversations.len(), page.total),
                (found, Some(found as i64)),
                "{state}"
            );
        }
        assert!(
            search(&conn, &query("absent", Sort::Relevance))
                .unwrap()
                .conversations
                .is_empty()
        );
    }

    /// A ranked, filtered search gives the order, pages and count of the plain SQL that ranks the filtered
    /// matches (`ORDER BY rank, rowid DESC` over the join), whether the filter columns come from their
    /// index (state, admin) or from the stored JSON (SLA status).
    #[test]
    fn ranked_filtered_search_matches_the_reference_order_and_count() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = crate::store::open_rw(&dir.path().join("t.db")).unwrap();
        let tx = conn.transaction().unwrap();
        let n = BROAD_FILTERED_MATCHES - 100;
        for pk in 1..=n {
            let state = ["open", "closed", "snoozed"][usize::try_from(pk % 3).unwrap()];
            let admin = (pk % 5 == 0).then(|| "a1".to_string());
            let sla = if pk % 4 == 0 { "missed" } else { "hit" };
            tx.execute(
                "INSERT INTO conversations (pk, id, created_at, updated_at, state, open, admin_assignee_id, raw) \
                 VALUES (?1, ?2, ?3, ?3, ?4, 0, ?5, ?6)",
                rusqlite::params![
                    pk,
                    format!("c{pk}"),
                    pk,
                    state,
                    admin,
                    format!(r#"{{"sla_applied":{{"sla_status":"{sla}"}}}}"#)
                ],
            )
            .unwrap();
            // Term frequency and length vary, so bm25 spreads (and ties happen).
            let body = format!(
                "{} {}",
                "refund ".repeat(usize::try_from(pk % 7).unwrap() + 1),
                "filler ".repeat(usize::try_from(pk % 11).unwrap())
            );
            tx.execute(
                "INSERT INTO conversation_fts (rowid, title, body) VALUES (?1, '', ?2)",
                rusqlite::params![pk, body],
            )
            .unwrap();
        }
        tx.commit().unwrap();
        type Case = (&'static str, fn(&mut ConversationFilters), &'static str);
        let cases: [Case; 4] = [
            ("state", |f| f.state = Some("open".into()), "c.state = 'open'"),
            (
                "state and admin",
                |f| {
                    f.state = Some("closed".into());
                    f.admin_id = Some("a1".into());
                },
                "c.state = 'closed' AND c.admin_assignee_id = 'a1'",
            ),
            (
                "SLA from the JSON",
                |f| f.sla_status = Some("missed".into()),
                "json_extract(c.raw, '$.sla_applied.sla_status') = 'missed'",
            ),
            (
                "more than MAX_COUNT kept",
                |f| f.sla_status = Some("hit".into()),
                "json_extract(c.raw, '$.sla_applied.sla_status') = 'hit'",
            ),
        ];
        for (name, set, cond) in cases {
            let reference: Vec<String> = conn
                .prepare(&format!(
                    "SELECT c.id FROM conversation_fts CROSS JOIN conversations c NOT INDEXED \
                     ON c.pk = conversation_fts.rowid WHERE conversation_fts MATCH 'refund' AND {cond} \
                     ORDER BY conversation_fts.rank, conversation_fts.rowid DESC"
                ))
                .unwrap()
                .query_map([], |r| r.get(0))
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap();
            assert!(reference.len() > 100, "{name}: the case has matches");
            for offset in [0, 5, reference.len() - 3, reference.len() + 1] {
                let mut q = query("refund", Sort::Relevance);
                set(&mut q.filters);
                q.offset = offset;
                let page = search(&conn, &q).unwrap();
                let ids: Vec<&str> = page.conversations.iter().map(|c| c.id.as_str()).collect();
                let want: Vec<&str> = reference
                    .iter()
                    .skip(offset)
                    .take(5)
                    .map(String::as_str)
                    .collect();
                assert_eq!(ids, want, "{name} at offset {offset}");
                assert_eq!(page.has_more, reference.len() > offset + 5, "{name} at {offset}");
                let count = i64::try_from(reference.len()).unwrap();
                assert_eq!(
                    (page.total, page.total_is_lower_bound),
                    (Some(count.min(MAX_COUNT)), count > MAX_COUNT),
                    "{name}: the count"
                );
                assert_eq!(page.broad_matches, None);
            }
        }
    }

    /// A broad text's page equals the plain SQL's (the filtered matches in the asked order), whether the
    /// set of matches holds them all or stops at MATERIALIZE_MATCHES (older rows looked up one by one),
    /// with filters with and without placeholders, and deep pages (SQLite builds the match set).
    #[test]
    fn broad_pages_match_the_reference_order() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = crate::store::open_rw(&dir.path().join("t.db")).unwrap();
        let tx = conn.transaction().unwrap();
        let n = MATERIALIZE_MATCHES + 300;
        for pk in 1..=n {
            let state = if pk % 2 == 0 { "open" } else { "closed" };
            let waiting = (pk % 7 == 0).then_some(pk);
            tx.execute(
                "INSERT INTO conversations (pk, id, created_at, updated_at, state, open, waiting_since, raw) \
                 VALUES (?1, ?2, ?3, ?4, ?5, 0, ?6, '{}')",
                rusqlite::params![
                    pk,
                    format!("c{pk}"),
                    n - pk,
                    (pk * 7919) % 100_003,
                    state,
                    waiting
                ],
            )
            .unwrap();
            // "common" everywhere; "half" in every other one (a complete set), "rare" in a few.
            let body = match pk {
                _ if pk % 97 == 0 => "common half rare",
                _ if pk % 2 == 0 => "common half",
                _ => "common",
            };
            tx.execute(
                "INSERT INTO conversation_fts (rowid, title, body) VALUES (?1, '', ?2)",
                rusqlite::params![pk, body],
            )
            .unwrap();
        }
        tx.commit().unwrap();
        type Case = (&'static str, fn(&mut ConversationFilters), &'static str);
        let cases: [Case; 3] = [
            ("no filter", |_| {}, "1"),
            ("state", |f| f.state = Some("open".into()), "c.state = 'open'"),
            (
                "waiting",
                |f| f.waiting = Some(true),
                "c.waiting_since IS NOT NULL",
            ),
        ];
        for text in ["common", "half"] {
            for (name, set, cond) in cases {
                for (sort, order) in [
                    (Sort::Relevance, "c.updated_at DESC, c.pk DESC"),
                    (Sort::CreatedDesc, "c.created_at DESC, c.pk DESC"),
                    (
                        Sort::WaitingLongest,
                        "c.waiting_since IS NULL, c.waiting_since ASC, c.pk ASC",
                    ),
                ] {
                    for offset in [0, 7, 3000] {
                        let reference: Vec<String> = conn
                            .prepare(&format!(
                                "SELECT c.id FROM conversations c WHERE {cond} AND c.pk IN \
                                 (SELECT rowid FROM conversation_fts WHERE conversation_fts MATCH '{text}') \
                                 ORDER BY {order} LIMIT 6 OFFSET {offset}"
                            ))
                            .unwrap()
                            .query_map([], |r| r.get(0))
                            .unwrap()
                            .collect::<rusqlite::Result<_>>()
                            .unwrap();
                        let mut q = query(text, sort);
                        set(&mut q.filters);
                        q.offset = offset;
                        let page = search(&conn, &q).unwrap();
                        let ids: Vec<&str> = page.conversations.iter().map(|c| c.id.as_str()).collect();
                        let want: Vec<&str> = reference.iter().take(5).map(String::as_str).collect();
                        let at = format!("{text} / {name} / {sort:?} at {offset}");
                        assert_eq!(ids, want, "{at}");
                        assert_eq!(page.has_more, reference.len() > 5, "{at}");
                    }
                }
            }
        }
    }

    /// With a window or filters, relevance gives way to recency above BROAD_FILTERED_MATCHES; without,
    /// above BROAD_MATCHES. The answer names the bound that applied.
    #[test]
    fn filters_lower_the_broad_bound() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = crate::store::open_rw(&dir.path().join("t.db")).unwrap();
        let tx = conn.transaction().unwrap();
        let n = (BROAD_FILTERED_MATCHES + BROAD_MATCHES) / 2;
        for pk in 1..=n {
            tx.execute(
                "INSERT INTO conversations (pk, id, created_at, updated_at, state, open, raw) \
                 VALUES (?1, ?2, ?1, ?1, 'open', 1, '{}')",
                rusqlite::params![pk, format!("c{pk}")],
            )
            .unwrap();
            tx.execute(
                "INSERT INTO conversation_fts (rowid, title, body) VALUES (?1, '', 'refund')",
                [pk],
            )
            .unwrap();
        }
        tx.commit().unwrap();
        let page = search(&conn, &query("refund", Sort::Relevance)).unwrap();
        assert_eq!(page.broad_matches, None, "ranked without filters");
        let mut open = query("refund", Sort::Relevance);
        open.filters.state = Some("open".into());
        let page = search(&conn, &open).unwrap();
        assert_eq!(page.broad_matches, Some(BROAD_FILTERED_MATCHES));
        assert_eq!(page.conversations[0].id, format!("c{n}"), "most recent first");
    }
}
