//! Reads for the MCP tools. Synchronous, over one read-only connection; the async server
//! runs them in `spawn_blocking`. Every function here turns rows into the answer shapes in
//! [`crate::model`] (or the small directory types below), so the SQL for each tool lives in one place:
//!
//! - [`conversations`] holds `search_conversations`, `get_conversation`, summaries by primary key.
//! - [`contacts`] holds `get_contact`, `search_contacts`.
//! - [`directory`] holds `list_admins`, `list_teams`, `list_tags`.
//! - [`stats`] holds `conversation_stats`.

pub mod contacts;
pub mod conversations;
pub mod directory;
pub mod stats;

/// Longest part or message body returned, in characters; longer ones end with [`TRUNCATION_MARKER`].
pub const MAX_BODY_CHARS: usize = 4000;
/// Appended to a body cut at [`MAX_BODY_CHARS`].
pub const TRUNCATION_MARKER: &str = "… [truncated]";

/// Which timestamp a time window applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateField {
    CreatedAt,
    UpdatedAt,
}

impl DateField {
    /// Parse `created_at` / `updated_at` (also `created` / `updated`).
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "created_at" | "created" => Some(DateField::CreatedAt),
            "updated_at" | "updated" => Some(DateField::UpdatedAt),
            _ => None,
        }
    }

    pub(crate) fn column(self) -> &'static str {
        match self {
            DateField::CreatedAt => "c.created_at",
            DateField::UpdatedAt => "c.updated_at",
        }
    }
}

/// The filters search and stats share: `since <= date_field < until` and one state. Appends numbered
/// placeholders (`?N`) to `conds` and their values to `args`.
pub(crate) fn push_window_and_state(
    args: &mut Vec<rusqlite::types::Value>,
    conds: &mut Vec<String>,
    date_field: DateField,
    since: Option<i64>,
    until: Option<i64>,
    state: Option<&str>,
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
    if let Some(s) = state {
        args.push(Value::Text(s.trim().to_ascii_lowercase()));
        conds.push(format!("c.state = ?{}", args.len()));
    }
}

/// HTML to text, cut to [`MAX_BODY_CHARS`] with a marker.
pub fn body_text(html: &str) -> String {
    let text = crate::text::html_to_text(html);
    if text.chars().count() <= MAX_BODY_CHARS {
        return text;
    }
    let mut cut: String = text.chars().take(MAX_BODY_CHARS).collect();
    cut.push_str(TRUNCATION_MARKER);
    cut
}

/// Quote every token of a user query for FTS5, so no input is read as FTS syntax (`AND`, `NEAR(`, `"`,
/// `*`, column filters). Tokens without a letter or digit are dropped. None when nothing searchable is left.
pub fn fts_query(user: &str) -> Option<String> {
    let tokens: Vec<String> = user
        .split_whitespace()
        .filter(|t| t.chars().any(char::is_alphanumeric))
        .map(|t| format!("\"{}\"", t.replace('"', "\"\"")))
        .collect();
    if tokens.is_empty() {
        None
    } else {
        Some(tokens.join(" "))
    }
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
    fn body_text_truncates_with_marker() {
        let long = "a".repeat(MAX_BODY_CHARS + 10);
        let t = body_text(&long);
        assert!(t.ends_with(TRUNCATION_MARKER));
        assert_eq!(
            t.chars().count(),
            MAX_BODY_CHARS + TRUNCATION_MARKER.chars().count()
        );
        assert_eq!(body_text("<p>hi</p>"), "hi");
    }

    #[test]
    fn like_pattern_escapes_wildcards() {
        assert_eq!(like_pattern("a%b_c"), "%a\\%b\\_c%");
    }
}
