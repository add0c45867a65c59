//! Why a search hit matched: FTS5's best passage of the conversation (`snippet()`, matched words in
//! «guillemets») and the part holding the highlighted words, with its author and time (else the title or
//! opening message).

use crate::model::{PersonRef, SearchMatch};
use anyhow::Result;
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, params_from_iter};

/// Where `fts` matched conversation `pk` best: FTS5's snippet of the best column, and the part (or the
/// opening message) holding the highlighted words.
pub fn best_match(conn: &Connection, fts: &str, pk: i64, id: &str) -> Result<Option<SearchMatch>> {
    let passage: Option<String> = conn
        .prepare_cached(
            "SELECT snippet(conversation_fts, -1, '«', '»', '…', 24) FROM conversation_fts \
             WHERE conversation_fts MATCH ?1 AND rowid = ?2",
        )?
        .query_row(rusqlite::params![fts, pk], |r| r.get(0))
        .optional()?;
    let Some(passage) = passage else {
        return Ok(None);
    };
    // The highlighted words, as they appear in the text.
    let words: Vec<String> = passage
        .split('«')
        .skip(1)
        .filter_map(|s| s.split_once('»').map(|(w, _)| w.to_string()))
        .collect();
    let mut m = SearchMatch {
        passage,
        part_id: None,
        author: None,
        created_at: None,
    };
    if !words.is_empty() {
        let mut conds = vec!["p.conversation_id = ?1".to_string()];
        let mut args = vec![Value::Text(id.to_string())];
        for w in words.iter().take(4) {
            args.push(Value::Text(super::like_pattern(w)));
            conds.push(format!("p.body LIKE ?{} ESCAPE '\\'", args.len()));
        }
        let sql = format!(
            "SELECT p.id, p.created_at, p.author_type, p.author_id, \
             coalesce(a.name, k.name, p.author_name), coalesce(a.email, k.email, p.author_email) \
             FROM conversation_parts p \
             LEFT JOIN admins a ON p.author_type IN ('admin', 'bot') AND a.id = p.author_id \
             LEFT JOIN contacts k ON p.author_type IN ('user', 'lead', 'contact') AND k.id = p.author_id \
             WHERE {} ORDER BY p.created_at DESC LIMIT 1",
            conds.join(" AND ")
        );
        let part = conn
            .prepare_cached(&sql)?
            .query_row(params_from_iter(args), |r| {
                let author_id: Option<String> = r.get(3)?;
                let kind: Option<String> = r.get(2)?;
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)?,
                    author_id.map(|id| PersonRef {
                        id,
                        kind: kind.unwrap_or_else(|| "unknown".into()),
                        name: r.get(4).ok().flatten(),
                        email: r.get(5).ok().flatten(),
                    }),
                ))
            })
            .optional()?;
        match part {
            Some((pid, at, author)) => {
                m.part_id = Some(pid);
                m.created_at = Some(at);
                m.author = author;
            }
            None => {
                // In the title or the opening message.
                let opening: Option<(i64, Option<PersonRef>)> = conn
                    .prepare_cached(
                        "SELECT created_at, source_author_type, source_author_id, source_author_name, \
                         source_author_email FROM conversations WHERE pk = ?1",
                    )?
                    .query_row([pk], |r| {
                        let kind: Option<String> = r.get(1)?;
                        let author = r.get::<_, Option<String>>(2)?.map(|id| PersonRef {
                            id,
                            kind: kind.unwrap_or_else(|| "unknown".into()),
                            name: r.get(3).ok().flatten(),
                            email: r.get(4).ok().flatten(),
                        });
                        Ok((r.get(0)?, author))
                    })
                    .optional()?;
                if let Some((at, author)) = opening {
                    m.created_at = Some(at);
                    m.author = author;
                }
            }
        }
    }
    Ok(Some(m))
}
