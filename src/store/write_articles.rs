//! The write half of the store for Help Center articles: the article row, one `article_contents` row
//! per locale (the default locale first, then translations) and their FTS rows, in one transaction per
//! batch; deletions remove every trace.

use crate::record::{ArticleContentRecord, ArticleRecord};
use crate::text::html_to_text;
use anyhow::{Context, Result};
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use std::collections::HashMap;

/// Upsert articles (a stored copy with a newer `updated_at` wins) and delete `deletions`, in one
/// transaction. Returns (written, deleted).
pub fn write_articles(
    conn: &mut Connection,
    batch: &[ArticleRecord],
    deletions: &[String],
) -> Result<(u64, u64)> {
    let tx = conn.transaction()?;
    let mut written = 0;
    for a in batch {
        if upsert(&tx, a).with_context(|| format!("storing article {}", a.id))? {
            written += 1;
        }
    }
    let mut deleted = 0;
    for id in deletions {
        if delete_tx(&tx, id)? {
            deleted += 1;
        }
    }
    tx.commit()?;
    Ok((written, deleted))
}

fn upsert(tx: &Transaction<'_>, a: &ArticleRecord) -> Result<bool> {
    let parents = serde_json::to_string(&a.parent_ids)?;
    let changed = tx
        .prepare_cached(
            "INSERT INTO articles (id, title, description, body, state, author_id, default_locale, url,
                parent_ids, created_at, updated_at, raw)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
             ON CONFLICT(id) DO UPDATE SET title = excluded.title, description = excluded.description,
                body = excluded.body, state = excluded.state, author_id = excluded.author_id,
                default_locale = excluded.default_locale, url = excluded.url, parent_ids = excluded.parent_ids,
                created_at = excluded.created_at, updated_at = excluded.updated_at, raw = excluded.raw
             WHERE excluded.updated_at >= articles.updated_at
             RETURNING id",
        )?
        .query_row(
            params![
                a.id,
                a.title,
                a.description,
                a.body,
                a.state,
                a.author_id,
                a.default_locale,
                a.url,
                parents,
                a.created_at,
                a.updated_at,
                a.raw
            ],
            |r| r.get::<_, String>(0),
        )
        .optional()?
        .is_some();
    if !changed {
        return Ok(false);
    }
    clear_contents(tx, &a.id)?;
    let default = ArticleContentRecord {
        locale: a.default_locale.clone(),
        title: a.title.clone(),
        description: a.description.clone(),
        body: a.body.clone(),
        state: a.state.clone(),
        url: a.url.clone(),
        updated_at: Some(a.updated_at),
    };
    for c in std::iter::once(&default).chain(&a.translations) {
        let pk: i64 = tx
            .prepare_cached(
                "INSERT INTO article_contents (article_id, locale, title, description, body, state, url, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                 ON CONFLICT(article_id, locale) DO UPDATE SET title = excluded.title
                 RETURNING pk",
            )?
            .query_row(
                params![
                    a.id,
                    c.locale,
                    c.title,
                    c.description,
                    c.body,
                    c.state.as_ref().or(a.state.as_ref()),
                    c.url,
                    c.updated_at
                ],
                |r| r.get(0),
            )?;
        let mut body = c.description.clone().unwrap_or_default();
        if let Some(html) = &c.body {
            super::write::push_line(&mut body, &html_to_text(html));
        }
        tx.prepare_cached("INSERT INTO article_fts (rowid, title, body) VALUES (?1, ?2, ?3)")?
            .execute(params![pk, c.title.clone().unwrap_or_default(), body])?;
    }
    Ok(true)
}

fn clear_contents(tx: &Transaction<'_>, id: &str) -> Result<()> {
    let pks: Vec<i64> = tx
        .prepare_cached("DELETE FROM article_contents WHERE article_id = ?1 RETURNING pk")?
        .query_map([id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for pk in pks {
        tx.prepare_cached("DELETE FROM article_fts WHERE rowid = ?1")?
            .execute([pk])?;
    }
    Ok(())
}

fn delete_tx(tx: &Transaction<'_>, id: &str) -> Result<bool> {
    clear_contents(tx, id)?;
    Ok(tx
        .prepare_cached("DELETE FROM articles WHERE id = ?1")?
        .execute([id])?
        > 0)
}

/// Every stored article id with its `updated_at`.
pub fn all_article_versions(conn: &Connection) -> Result<HashMap<String, i64>> {
    let mut stmt = conn.prepare("SELECT id, updated_at FROM articles")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::open_rw;

    fn article(id: &str, updated_at: i64, fr: Option<&str>) -> ArticleRecord {
        ArticleRecord {
            id: id.into(),
            title: Some("Resetting two-factor".into()),
            body: Some("<p>Open Settings &amp; choose Security</p>".into()),
            state: Some("published".into()),
            default_locale: "en".into(),
            updated_at,
            translations: fr
                .map(|t| ArticleContentRecord {
                    locale: "fr".into(),
                    title: Some(t.into()),
                    body: Some("<p>étape</p>".into()),
                    ..Default::default()
                })
                .into_iter()
                .collect(),
            raw: "{}".into(),
            ..Default::default()
        }
    }

    fn hits(conn: &Connection, q: &str) -> Vec<(String, String)> {
        conn.prepare(
            "SELECT c.article_id, c.locale FROM article_fts f JOIN article_contents c ON c.pk = f.rowid
             WHERE article_fts MATCH ?1 ORDER BY 1, 2",
        )
        .unwrap()
        .query_map([q], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
    }

    #[test]
    fn locales_are_searchable_newer_wins_and_delete_clears_everything() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = open_rw(&dir.path().join("t.db")).unwrap();
        assert_eq!(
            write_articles(&mut conn, &[article("1", 10, Some("Réinitialiser"))], &[]).unwrap(),
            (1, 0)
        );
        assert_eq!(hits(&conn, "security"), vec![("1".into(), "en".into())]);
        assert_eq!(hits(&conn, "reinitialiser"), vec![("1".into(), "fr".into())]);
        assert_eq!(
            write_articles(&mut conn, &[article("1", 9, None)], &[]).unwrap(),
            (0, 0)
        );
        write_articles(&mut conn, &[article("1", 11, None)], &[]).unwrap();
        assert!(
            hits(&conn, "reinitialiser").is_empty(),
            "a dropped translation leaves search"
        );
        assert_eq!(write_articles(&mut conn, &[], &["1".into()]).unwrap(), (0, 1));
        for t in ["articles", "article_contents", "article_fts"] {
            let n: i64 = conn
                .query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get(0))
                .unwrap();
            assert_eq!(n, 0, "{t}");
        }
    }
}
