//! Why a search hit matched: FTS5's best passage of the conversation (`snippet()`, matched words in
//! «guillemets») and the part holding the highlighted words, with its author and time (else the title or
//! opening message).
//!
//! A long conversation (its searchable text over [`LONG_BODY`] characters, ~0.5 % of a workspace but
//! found by many searches) gets its passage from `highlight()` of the body instead, cut here to the
//! [`PASSAGE_WORDS`]-word window with the most matched words: the same matches (FTS5's tokenizer and
//! stemming mark them), at about a third of `snippet()`'s cost there (1-2.5 ms for 25-35k characters).

use crate::model::{PersonRef, SearchMatch};
use anyhow::Result;
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, params_from_iter};

/// Above this many characters of body text, a passage is cut from `highlight()` rather than `snippet()`.
pub const LONG_BODY: i64 = 4000;
/// Words in a passage (as `snippet()`'s token count).
pub const PASSAGE_WORDS: usize = 24;

/// Where `fts` matched conversation `pk` best: FTS5's snippet of the best column, and the part (or the
/// opening message) holding the highlighted words.
pub fn best_match(conn: &Connection, fts: &str, pk: i64, id: &str) -> Result<Option<SearchMatch>> {
    // CASE is lazy: each row computes the snippet, or the body highlighted and the title's snippet.
    let found: Option<(Option<String>, Option<String>, Option<String>)> = conn
        .prepare_cached(
            "SELECT CASE WHEN length(body) <= ?3 THEN snippet(conversation_fts, -1, '«', '»', '…', 24) END, \
             CASE WHEN length(body) > ?3 THEN highlight(conversation_fts, 1, char(2), char(3)) END, \
             CASE WHEN length(body) > ?3 THEN snippet(conversation_fts, 0, '«', '»', '…', 24) END \
             FROM conversation_fts WHERE conversation_fts MATCH ?1 AND rowid = ?2",
        )?
        .query_row(rusqlite::params![fts, pk, LONG_BODY], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()?;
    let passage = match found {
        None => return Ok(None),
        Some((Some(snippet), _, _)) => snippet,
        Some((None, highlighted, title)) => match highlighted.as_deref().and_then(best_window) {
            Some(window) => window,
            None => title.unwrap_or_default(),
        },
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

/// Marks `highlight()` puts around each match in a long body: control characters, which neither stored
/// text nor query words contain as such, so guillemets in the text are never taken for matches.
const OPEN: char = '\u{2}';
const CLOSE: char = '\u{3}';
/// Characters a passage keeps at most, for text whose "words" are long (no spaces: CJK, logs, URLs).
pub const PASSAGE_CHARS: usize = 320;

/// The [`PASSAGE_WORDS`]-word window of `highlighted` (a body with matches between `\u{2}` and `\u{3}`,
/// a match possibly spanning words: `follow up` for `follow-up`) with the most distinct matched words, then
/// the most matches, earliest first; at most [`PASSAGE_CHARS`] characters, matches in «guillemets», `…`
/// where text was cut. None when nothing is marked.
pub fn best_window(highlighted: &str) -> Option<String> {
    // Words as byte ranges, and for those in or touching a match, the match's text (lower-cased).
    let mut words: Vec<(usize, usize, Option<String>)> = Vec::new();
    let (mut start, mut inside, mut marked) = (None, false, String::new());
    let mut touched = false;
    for (i, ch) in highlighted
        .char_indices()
        .chain(std::iter::once((highlighted.len(), ' ')))
    {
        match ch {
            OPEN => {
                inside = true;
                touched = true;
            }
            CLOSE => inside = false,
            _ => {}
        }
        if ch.is_whitespace() {
            if let Some(s) = start.take() {
                let m = touched.then(|| std::mem::take(&mut marked).to_lowercase());
                words.push((s, i, m));
            }
            touched = inside;
            marked.clear();
        } else {
            start.get_or_insert(i);
            if inside && ch != OPEN {
                marked.push(ch);
            }
        }
    }
    if words.iter().all(|w| w.2.is_none()) {
        return None;
    }
    let n = PASSAGE_WORDS.min(words.len());
    let mut best: Option<((usize, usize), usize)> = None;
    for first in 0..=words.len() - n {
        let window = &words[first..first + n];
        let mut distinct: Vec<&str> = window.iter().filter_map(|w| w.2.as_deref()).collect();
        let total = distinct.len();
        distinct.sort_unstable();
        distinct.dedup();
        let score = (distinct.len(), total);
        if best.is_none_or(|(b, _)| score > b) {
            best = Some((score, first));
        }
    }
    let (_, first) = best?;
    // The same matches with up to 3 words before the first of them, as context.
    let is_marked = |i: &usize| words[*i].2.is_some();
    let first_match = (first..first + n).find(is_marked).unwrap_or(first);
    let last_match = (first..first + n).rev().find(is_marked).unwrap_or(first);
    let first = first_match
        .saturating_sub(3)
        .max((last_match + 1).saturating_sub(n))
        .min(words.len() - n);
    let last = first + n - 1;
    let (mut from, mut to) = (words[first].0, words[last].1);
    // Long "words": keep PASSAGE_CHARS characters from a little before the first match.
    if highlighted[from..to].chars().count() > PASSAGE_CHARS {
        let at = highlighted[from..to].find(OPEN).map_or(from, |o| from + o);
        let lead: usize = highlighted[from..at]
            .chars()
            .rev()
            .take(40)
            .map(char::len_utf8)
            .sum();
        from = at - lead;
        to = highlighted[from..]
            .char_indices()
            .nth(PASSAGE_CHARS)
            .map_or(highlighted.len(), |(o, _)| from + o);
    }
    let mut out = String::new();
    if from > 0 {
        out.push('…');
    }
    let cut = &highlighted[from..to];
    out.extend(cut.chars().map(|c| match c {
        OPEN => '«',
        CLOSE => '»',
        c => c,
    }));
    // A match cut at the end of the passage is still closed.
    if cut.rfind(OPEN) > cut.rfind(CLOSE) {
        out.push('»');
    }
    if to < highlighted.len() {
        out.push('…');
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `highlight()`'s marks, as `best_match` asks for them.
    fn hl(s: &str) -> String {
        s.replace('«', "\u{2}").replace('»', "\u{3}")
    }

    #[test]
    fn the_window_keeps_the_most_distinct_matches_and_marks_cuts() {
        let filler = |n: usize| vec!["word"; n].join(" ");
        let text = hl(&format!(
            "{} «refund» {} «refund» late «charged» twice\n{}",
            filler(40),
            filler(30),
            filler(40)
        ));
        let w = best_window(&text).unwrap();
        assert!(w.contains("«refund» late «charged»"), "{w}");
        assert!(w.starts_with('…') && w.ends_with('…'), "{w}");
        assert_eq!(
            w.trim_matches('…').split_whitespace().count(),
            PASSAGE_WORDS,
            "{w}"
        );
        // A short text is whole, without cut marks; nothing marked: no window.
        assert_eq!(best_window(&hl("a «b» c")).as_deref(), Some("a «b» c"));
        assert_eq!(best_window(&filler(50)), None);
        // Context before the first match when there is room.
        let w = best_window(&hl(&format!("{} one two three «hit» {}", filler(10), filler(60)))).unwrap();
        assert!(w.starts_with("…one two three «hit»"), "{w}");
    }

    /// A match over two words (`follow-up` found as "follow up") counts; guillemets already in the text
    /// are not matches; text without spaces is cut to PASSAGE_CHARS around its match, the mark closed.
    #[test]
    fn spans_quotes_and_long_words() {
        let filler = |n: usize| vec!["word"; n].join(" ");
        let w = best_window(&hl(&format!(
            "{} we will «follow up» soon {}",
            filler(40),
            filler(40)
        )))
        .unwrap();
        assert!(w.contains("we will «follow up» soon"), "{w}");
        assert_eq!(
            best_window(&format!("{} «quoted» {}", filler(5), filler(5))),
            None
        );
        let cjk = format!("{}\u{2}退款\u{3}{}", "字".repeat(3000), "文".repeat(3000));
        let w = best_window(&cjk).unwrap();
        assert!(w.contains("«退款»"), "{w}");
        assert!(w.chars().count() <= PASSAGE_CHARS + 3, "{}", w.chars().count());
        let cut_in_match = format!("{}\u{2}{}\u{3}", "字".repeat(30), "長".repeat(1000));
        let w = best_window(&cut_in_match).unwrap();
        assert!(w.trim_end_matches('…').ends_with('»'), "{w}");
    }

    /// A long conversation's passage comes from `highlight()`: FTS5's stemmed matches («charged» for
    /// "charge"), the part holding them with its author, and a window of [`PASSAGE_WORDS`] words; a short
    /// one's from `snippet()`; a match only in the title of a long one shows the title.
    #[test]
    fn long_and_short_bodies_both_show_the_matched_part() {
        let dir = tempfile::tempdir().unwrap();
        let conn = crate::store::open_rw(&dir.path().join("t.db")).unwrap();
        let filler = |n: usize| vec!["lorem ipsum"; n].join(" ");
        for (pk, parts) in [(1, 400), (2, 2)] {
            conn.execute(
                "INSERT INTO conversations (pk, id, title, created_at, updated_at, state, open, raw) \
                 VALUES (?1, ?2, 'Invoice question', 1, 1, 'open', 1, '{}')",
                rusqlite::params![pk, format!("c{pk}")],
            )
            .unwrap();
            let mut body = String::new();
            for i in 0..parts {
                let text = if i == parts / 2 {
                    "We were charged twice for the annual plan".to_string()
                } else {
                    filler(3)
                };
                conn.execute(
                    "INSERT INTO conversation_parts (id, conversation_id, part_type, body, created_at, \
                     author_type, author_id, author_name) VALUES (?1, ?2, 'comment', ?3, ?4, 'user', 'u1', 'Ada')",
                    rusqlite::params![format!("p{pk}-{i}"), format!("c{pk}"), text, 100 + i],
                )
                .unwrap();
                body.push_str(&text);
                body.push('\n');
            }
            assert_eq!(i64::try_from(body.chars().count()).unwrap() > LONG_BODY, pk == 1);
            conn.execute(
                "INSERT INTO conversation_fts (rowid, title, body) VALUES (?1, 'Invoice question', ?2)",
                rusqlite::params![pk, body],
            )
            .unwrap();
        }
        for pk in [1, 2] {
            let m = best_match(&conn, "\"charge\" \"annual\"", pk, &format!("c{pk}"))
                .unwrap()
                .unwrap();
            assert!(
                m.passage.contains("«charged» twice for the «annual» plan"),
                "{pk}: {}",
                m.passage
            );
            let half = if pk == 1 { 200 } else { 1 };
            assert_eq!(m.part_id, Some(format!("p{pk}-{half}")));
            assert_eq!(m.author.unwrap().name.as_deref(), Some("Ada"));
            assert!(
                m.passage.split_whitespace().count() <= PASSAGE_WORDS + 1,
                "{}",
                m.passage
            );
        }
        let m = best_match(&conn, "\"invoice\"", 1, "c1").unwrap().unwrap();
        assert_eq!((m.passage.as_str(), m.part_id), ("«Invoice» question", None));
        assert_eq!(best_match(&conn, "\"absent\"", 1, "c1").unwrap(), None);
    }
}
