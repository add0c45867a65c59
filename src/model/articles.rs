//! Help Center article answers: a search hit ([`ArticleSummary`]), a page of them ([`ArticleList`]),
//! and one article's text a page at a time ([`ArticlePage`]).

use super::PersonRef;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One article in one locale (a search hit or a list item; no body).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ArticleSummary {
    /// The article id (what `get_article` takes).
    pub id: String,
    pub title: Option<String>,
    pub description: Option<String>,
    /// published | draft
    pub state: Option<String>,
    /// The locale of this title and text (`en`, `fr`...); a translated article can be listed once per
    /// locale.
    pub locale: String,
    /// Its public Help Center page (None for drafts).
    pub url: Option<String>,
    pub updated_at: i64,
    /// With a query: the best-matching passage of the title or text, the matched words in `[...]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matched: Option<String>,
}

/// A page of articles.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ArticleList {
    pub articles: Vec<ArticleSummary>,
    /// Matches in all (all pages).
    pub total: Option<i64>,
    /// Pass back as `cursor` for the next articles; None on the last page.
    #[serde(default)]
    pub next_cursor: Option<String>,
}

/// One article in one locale, its text a page at a time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ArticlePage {
    pub id: String,
    pub title: Option<String>,
    pub description: Option<String>,
    /// published | draft
    pub state: Option<String>,
    /// The locale of this text.
    pub locale: String,
    /// The article's default locale.
    pub default_locale: String,
    /// Every locale the article has (the default first).
    pub locales: Vec<String>,
    pub url: Option<String>,
    /// The admin who wrote it.
    pub author: Option<PersonRef>,
    pub created_at: Option<i64>,
    pub updated_at: i64,
    /// Collection or section ids.
    pub parent_ids: Vec<String>,
    /// The text (HTML as plain text) from `text_offset`; when it does not all fit it ends with
    /// `… [truncated]` and `next_cursor` reads on.
    pub text: String,
    /// Characters of the whole text.
    pub text_chars: usize,
    /// Where `text` starts, in characters.
    pub text_offset: usize,
    /// True when the text goes on past this page.
    pub truncated: bool,
    /// Pass back as `cursor` (same article and locale) for the rest of the text.
    #[serde(default)]
    pub next_cursor: Option<String>,
}
