//! Reads for the MCP tools. Synchronous, over one read-only connection; the async server
//! runs them in `spawn_blocking`. Every function here reads rows into [`crate::record`]s (the columns an
//! answer needs) and shapes them with [`crate::project`], the projection the REST path shares, so the SQL
//! for each tool lives here and the rules of an answer there:
//!
//! - [`conversations`] holds `search_conversations`, `get_conversation`, summaries by primary key.
//! - [`contacts`] holds `get_contact`, `search_contacts`.
//! - [`filters`] holds the conversation filters search and stats share.
//! - [`passage`] finds where a full-text hit matched (passage, part, author, time).
//! - [`directory`] holds `list_admins`, `list_teams`, `list_tags`.
//! - [`stats`] holds `conversation_stats`.
//! - [`tickets`] holds `search_tickets`, `get_ticket` (and the ticket filters); [`ticket_stats`] holds
//!   `ticket_stats`.
//! - [`companies`] holds `search_companies`, `get_company`.
//! - [`articles`] holds `search_articles`, `get_article`.

pub mod articles;
pub mod companies;
pub mod contacts;
pub mod conversations;
pub mod directory;
pub mod filters;
pub mod passage;
pub mod stats;
pub mod ticket_stats;
pub mod tickets;

use crate::model::DateField;

impl DateField {
    pub(crate) fn column(self) -> &'static str {
        match self {
            DateField::CreatedAt => "c.created_at",
            DateField::UpdatedAt => "c.updated_at",
        }
    }
}

/// The time window search and stats share: `since <= date_field < until` (the other filters are in
/// [`filters`]). Appends numbered placeholders (`?N`) to `conds` and their values to `args`.
pub(crate) fn push_window(
    args: &mut Vec<rusqlite::types::Value>,
    conds: &mut Vec<String>,
    date_field: DateField,
    since: Option<i64>,
    until: Option<i64>,
) {
    use rusqlite::types::Value;
    let col = date_field.column();
    if let Some(s) = since {
        args.push(Value::Integer(s));
        conds.push(format!("{col} >= ?{}", args.len()));
    }
    if let Some(u) = until {
        args.push(Value::Integer(u));
        conds.push(format!("{col} < ?{}", args.len()));
    }
}

/// Most distinct words a full-text query keeps; the rest are dropped (with a note in the answer). Each
/// kept word is one FTS5 phrase, and the cost of matching grows with the number of phrases times their
/// occurrences, so this bounds the work a single query can ask for.
pub const MAX_QUERY_TERMS: usize = 16;
/// Longest word kept, in characters (a longer "word" is pasted data, not something to search for).
pub const MAX_TERM_CHARS: usize = 64;

/// The searchable words of a user query and what was dropped to bound its cost.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueryTerms {
    /// Distinct words (case-insensitive), in order of first appearance, at most [`MAX_QUERY_TERMS`].
    pub terms: Vec<String>,
    /// Repeats of a word already kept.
    pub repeats: usize,
    /// Distinct words beyond [`MAX_QUERY_TERMS`].
    pub over_cap: usize,
    /// Words longer than [`MAX_TERM_CHARS`].
    pub too_long: usize,
}

impl QueryTerms {
    /// Split a user query into words: control characters (NUL included) count as spaces, words without a
    /// letter or digit are dropped, then repeats, over-long words and words beyond the cap.
    pub fn parse(user: &str) -> Self {
        let mut out = QueryTerms::default();
        let mut seen = std::collections::HashSet::new();
        let cleaned: String = user
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        for t in cleaned.split_whitespace() {
            if !t.chars().any(char::is_alphanumeric) {
                continue;
            }
            if t.chars().count() > MAX_TERM_CHARS {
                out.too_long += 1;
            } else if !seen.insert(t.to_lowercase()) {
                out.repeats += 1;
            } else if out.terms.len() >= MAX_QUERY_TERMS {
                out.over_cap += 1;
            } else {
                out.terms.push(t.to_string());
            }
        }
        out
    }

    /// The FTS5 expression: every word quoted, so no input is read as FTS syntax (`AND`, `NEAR(`, `"`, `*`,
    /// column filters). None when nothing searchable is left.
    pub fn fts(&self) -> Option<String> {
        if self.terms.is_empty() {
            return None;
        }
        let quoted: Vec<String> = self
            .terms
            .iter()
            .map(|t| format!("\"{}\"", t.replace('"', "\"\"")))
            .collect();
        Some(quoted.join(" "))
    }

    /// A sentence for the answer's notes when words were dropped.
    pub fn note(&self) -> Option<String> {
        let mut parts = Vec::new();
        if self.repeats > 0 {
            parts.push(format!("{} repeated word(s) ignored", self.repeats));
        }
        if self.too_long > 0 {
            parts.push(format!(
                "{} word(s) longer than {MAX_TERM_CHARS} characters ignored",
                self.too_long
            ));
        }
        if self.over_cap > 0 {
            parts.push(format!(
                "only the first {MAX_QUERY_TERMS} distinct words were searched for ({} more ignored)",
                self.over_cap
            ));
        }
        (!parts.is_empty()).then(|| format!("query shortened: {}", parts.join("; ")))
    }
}

/// The FTS5 expression for a user query (see [`QueryTerms`]). None when nothing searchable is left.
pub fn fts_query(user: &str) -> Option<String> {
    QueryTerms::parse(user).fts()
}

/// `%term%` for LIKE with `\` as the escape character.
pub(crate) fn like_pattern(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('%');
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fts_query_quotes_every_token() {
        assert_eq!(fts_query("refund twice").unwrap(), "\"refund\" \"twice\"");
        assert_eq!(fts_query("\"foo AND (").unwrap(), "\"\"\"foo\" \"AND\"");
        assert_eq!(fts_query("NEAR(a b)").unwrap(), "\"NEAR(a\" \"b)\"");
        assert_eq!(fts_query("  ( ) * "), None);
        assert_eq!(fts_query(""), None);
    }

    #[test]
    fn query_terms_are_deduplicated_capped_and_cleaned() {
        let q = QueryTerms::parse("Refund refund REFUND twice");
        assert_eq!(q.terms, ["Refund", "twice"]);
        assert_eq!(q.repeats, 2);
        assert!(q.note().unwrap().contains("2 repeated"), "{:?}", q.note());
        let many: Vec<String> = (0..1000).map(|i| format!("w{i}")).collect();
        let q = QueryTerms::parse(&many.join(" "));
        assert_eq!(q.terms.len(), MAX_QUERY_TERMS);
        assert_eq!(q.over_cap, 1000 - MAX_QUERY_TERMS);
        assert!(q.note().unwrap().contains("first 16 distinct words"));
        let q = QueryTerms::parse(&format!("ok {}", "x".repeat(MAX_TERM_CHARS + 1)));
        assert_eq!((q.terms.len(), q.too_long), (1, 1));
        // NUL and other control characters separate words and never reach FTS5.
        let q = QueryTerms::parse("ref\u{0}und\u{7}x\tnew\nline");
        assert_eq!(q.terms, ["ref", "und", "x", "new", "line"]);
        assert_eq!(QueryTerms::parse("plain words").note(), None);
    }

    #[test]
    fn like_pattern_escapes_wildcards() {
        assert_eq!(like_pattern("a%b_c"), "%a\\%b\\_c%");
    }
}
