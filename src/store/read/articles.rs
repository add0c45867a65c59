//! Help Center article reads: a full-text search over every locale's title and text (FTS5, with
//! `snippet()` of the best-matching passage), filtered by state and locale, and one article with its
//! translations as an [`ArticleRecord`] for [`crate::project::articles::page`].

use super::QueryTerms;
use crate::model::ArticleSummary;
use crate::project::articles as project;
use crate::record::{ArticleContentRecord, ArticleRecord};
use anyhow::Result;
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension};

/// What `search_articles` asks.
#[derive(Debug, Clone, Default)]
pub struct ArticleQuery {
    /// Words, all of which must appear in the title or text; None lists by `updated_at`, newest first.
    pub text: Option<String>,
    /// `published` or `draft`.
    pub state: Option<String>,
    /// Only this locale's content (`en`, `fr`...).
    pub locale: Option<String>,
    pub limit: usize,
    pub offset: usize,
}

/// Articles matching `q` (one hit per matching locale): best matches first with a query (title words
/// weigh more), else most recently updated first; and how many match in all.
pub fn search(conn: &Connection, q: &ArticleQuery) -> Result<(Vec<ArticleSummary>, i64)> {
    let fts = q.text.as_deref().and_then(|t| QueryTerms::parse(t).fts());
    let mut conds: Vec<String> = Vec::new();
    let mut args: Vec<Value> = Vec::new();
    if let Some(f) = &fts {
        args.push(Value::Text(f.clone()));
        conds.push(format!("article_fts MATCH ?{}", args.len()));
    }
    if let Some(s) = &q.state {
        args.push(Value::Text(s.clone()));
        conds.push(format!("coalesce(c.state, a.state) = ?{}", args.len()));
    }
    if let Some(l) = &q.locale {
        args.push(Value::Text(l.clone()));
        conds.push(format!("c.locale = ?{} COLLATE NOCASE", args.len()));
    }
    let filter = if conds.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", conds.join(" AND "))
    };
    let (from, matched, order) = if fts.is_some() {
        (
            "article_fts f JOIN article_contents c ON c.pk = f.rowid JOIN articles a ON a.id = c.article_id",
            "snippet(article_fts, -1, '[', ']', '…', 24)",
            "bm25(article_fts, 5.0, 1.0), c.pk",
        )
    } else {
        (
            "article_contents c JOIN articles a ON a.id = c.article_id",
            "NULL",
            "coalesce(c.updated_at, a.updated_at) DESC, c.pk DESC",
        )
    };
    let total: i64 = conn.query_row(
        &format!("SELECT count(*) FROM {from}{filter}"),
        rusqlite::params_from_iter(args.iter()),
        |r| r.get(0),
    )?;
    let l = args.len();
    args.push(Value::Integer(q.limit as i64));
    args.push(Value::Integer(i64::try_from(q.offset).unwrap_or(i64::MAX)));
    let sql = format!(
        "SELECT a.id, a.state, a.updated_at, c.locale, c.title, c.description, c.state, c.url, c.updated_at, \
         {matched} FROM {from}{filter} ORDER BY {order} LIMIT ?{} OFFSET ?{}",
        l + 1,
        l + 2
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(rusqlite::params_from_iter(args.iter()), |r| {
        let id: String = r.get(0)?;
        let state: Option<String> = r.get(1)?;
        let updated_at: i64 = r.get(2)?;
        let c = ArticleContentRecord {
            locale: r.get(3)?,
            title: r.get(4)?,
            description: r.get(5)?,
            body: None,
            state: r.get(6)?,
            url: r.get(7)?,
            updated_at: r.get(8)?,
        };
        // The passage on one line (the indexed text keeps the description and paragraphs apart).
        let matched: Option<String> = r.get(9)?;
        let matched = matched.map(|m| m.split_whitespace().collect::<Vec<_>>().join(" "));
        Ok(project::summary(&id, state.as_deref(), updated_at, c, matched))
    })?;
    Ok((rows.collect::<rusqlite::Result<_>>()?, total))
}

/// One article with every translation the store holds; None when it is not in the cache.
pub fn get(conn: &Connection, id: &str) -> Result<Option<ArticleRecord>> {
    let found = conn
        .prepare_cached(
            "SELECT id, title, description, body, state, author_id, default_locale, url, parent_ids, \
             created_at, updated_at FROM articles WHERE id = ?1",
        )?
        .query_row([id.trim()], |r| {
            let parents: String = r.get(8)?;
            Ok(ArticleRecord {
                id: r.get(0)?,
                title: r.get(1)?,
                description: r.get(2)?,
                body: r.get(3)?,
                state: r.get(4)?,
                author_id: r.get(5)?,
                default_locale: r.get(6)?,
                url: r.get(7)?,
                parent_ids: serde_json::from_str(&parents).unwrap_or_default(),
                created_at: r.get(9)?,
                updated_at: r.get(10)?,
                ..Default::default()
            })
        })
        .optional()?;
    let Some(mut a) = found else { return Ok(None) };
    a.translations = conn
        .prepare_cached(
            "SELECT locale, title, description, body, state, url, updated_at FROM article_contents \
             WHERE article_id = ?1 AND locale <> ?2 ORDER BY pk",
        )?
        .query_map([&a.id, &a.default_locale], |r| {
            Ok(ArticleContentRecord {
                locale: r.get(0)?,
                title: r.get(1)?,
                description: r.get(2)?,
                body: r.get(3)?,
                state: r.get(4)?,
                url: r.get(5)?,
                updated_at: r.get(6)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(Some(a))
}

/// Admin names from the cache's directory, for an article's author.
pub struct AdminNames<'a>(pub &'a Connection);

impl crate::project::Names for AdminNames<'_> {
    fn admin(&mut self, id: &str) -> Option<crate::project::Known> {
        self.0
            .prepare_cached("SELECT name, email FROM admins WHERE id = ?1")
            .and_then(|mut s| {
                s.query_row([id], |r| {
                    Ok(crate::project::Known {
                        name: r.get(0)?,
                        email: r.get(1)?,
                        role: None,
                    })
                })
                .optional()
            })
            .ok()
            .flatten()
    }
    fn team(&mut self, _: &str) -> Option<String> {
        None
    }
    fn contact(&mut self, _: &str) -> Option<crate::project::Known> {
        None
    }
    fn tag(&mut self, _: &str) -> Option<String> {
        None
    }
}
