//! Arguments of the company and Help Center article tools: input schemas (enums, ranges) and the checks
//! that turn them into queries, shared by `serve` ([`super::tools_workspace`]) and the proxy. Unknown
//! fields are refused like every tool's ([`super::args::unknown_fields`]).

use super::args::{
    check_limit, enum_schema, limit_schema, max_bytes_schema, max_staleness_schema, nonempty, one_of,
    parse_attribute, parse_cursor,
};
use super::budget::check_budget;
use super::freshness::parse_max_staleness;
use crate::store::read::articles::ArticleQuery;
use crate::store::read::companies::CompanyQuery;
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::Deserialize;

/// Longest `name` `search_companies` takes (SQLite refuses LIKE patterns over 50,000 bytes).
pub const MAX_NAME_CHARS: usize = 1000;

pub const ARTICLE_STATES: &[&str] = &["published", "draft"];
fn article_state_schema(_: &mut SchemaGenerator) -> Schema {
    enum_schema(ARTICLE_STATES)
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SearchCompaniesArgs {
    /// Text contained in the company's name or its own company_id (case-insensitive).
    #[serde(default)]
    pub name: Option<String>,
    /// Only companies on this plan (its name, case-insensitive, e.g. `enterprise`).
    #[serde(default)]
    pub plan: Option<String>,
    /// Only companies in this segment (name, case-insensitive, or id).
    #[serde(default, deserialize_with = "super::ids::opt_id")]
    #[schemars(schema_with = "super::ids::opt_id_schema")]
    pub segment: Option<String>,
    /// Only companies with this tag (name, case-insensitive, or id). See `list_tags`.
    #[serde(default, deserialize_with = "super::ids::opt_id")]
    #[schemars(schema_with = "super::ids::opt_id_schema")]
    pub tag: Option<String>,
    /// Only companies whose custom attribute equals a value: `name=value` (value case-insensitive), e.g.
    /// `tier=gold`.
    #[serde(default)]
    pub custom_attribute: Option<String>,
    /// Results per page, default 20, at most 100 (larger values are reduced to 100, with a note).
    #[serde(default)]
    #[schemars(schema_with = "limit_schema")]
    pub limit: Option<u64>,
    /// `next_cursor` from the previous page, to get the next one (same other arguments).
    #[serde(default)]
    pub cursor: Option<String>,
    /// Answer budget in bytes of JSON text: default 32768 (about 8k tokens), from 4096 up to a hard cap of
    /// 131072. Lists stop at the budget with `next_cursor` and a note.
    #[serde(default)]
    #[schemars(schema_with = "max_bytes_schema")]
    pub max_bytes: Option<u64>,
    /// Staleness allowed for this answer before it is flagged `stale`, with a note: minutes (e.g. 30) or
    /// a duration like `30m`, `2h`, `1d`. Default: the server's FASTINTERCOM_MAX_STALENESS_MINUTES (60).
    #[serde(default, deserialize_with = "super::ids::opt_id")]
    #[schemars(schema_with = "max_staleness_schema")]
    pub max_staleness: Option<String>,
}

/// A checked list call: the query, the notes so far, the answer budget and the staleness asked for.
#[derive(Debug, Clone)]
pub struct ListAsk<Q> {
    pub query: Q,
    pub notes: Vec<String>,
    pub budget: usize,
    pub max_staleness: Option<i64>,
}

impl SearchCompaniesArgs {
    pub fn checked(self, now: i64) -> Result<ListAsk<CompanyQuery>, String> {
        let mut notes = Vec::new();
        let limit = check_limit(self.limit, &mut notes)?;
        let budget = check_budget(self.max_bytes, &mut notes)?;
        let name = nonempty(self.name);
        if let Some(n) = name
            .as_ref()
            .map(|n| n.chars().count())
            .filter(|n| *n > MAX_NAME_CHARS)
        {
            return Err(format!(
                "bad `name`: {n} characters; give at most {MAX_NAME_CHARS} (part of a company's name)"
            ));
        }
        Ok(ListAsk {
            query: CompanyQuery {
                name,
                plan: nonempty(self.plan),
                tag: nonempty(self.tag),
                segment: nonempty(self.segment),
                custom_attribute: parse_attribute(self.custom_attribute)?,
                limit,
                offset: parse_cursor(self.cursor)?,
            },
            notes,
            budget,
            max_staleness: parse_max_staleness(self.max_staleness, now)?,
        })
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetCompanyArgs {
    /// Intercom's company id, or the workspace's own company_id. Give this or `name`.
    #[serde(default, deserialize_with = "super::ids::opt_id")]
    #[schemars(schema_with = "super::ids::opt_id_schema")]
    pub company_id: Option<String>,
    /// The company's exact name (case-insensitive). Give this or `company_id`.
    #[serde(default)]
    pub name: Option<String>,
    /// Staleness allowed for this answer before it is flagged `stale`, with a note: minutes (e.g. 30) or
    /// a duration like `30m`, `2h`, `1d`. Default: the server's FASTINTERCOM_MAX_STALENESS_MINUTES (60).
    #[serde(default, deserialize_with = "super::ids::opt_id")]
    #[schemars(schema_with = "max_staleness_schema")]
    pub max_staleness: Option<String>,
}

impl GetCompanyArgs {
    /// The key to look up (the id when given, else the name) and the staleness asked for.
    pub fn checked(self, now: i64) -> Result<(String, Option<i64>), String> {
        let key = match (nonempty(self.company_id), nonempty(self.name)) {
            (Some(_), Some(_)) => return Err("give `company_id` or `name`, not both".into()),
            (id, name) => id.or(name).ok_or("give `company_id` or `name`")?,
        };
        Ok((key, parse_max_staleness(self.max_staleness, now)?))
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SearchArticlesArgs {
    /// Words to look for in Help Center article titles and text, in every locale (all words must match;
    /// punctuation and operators are plain text). Omit to list by `state`/`locale` only, newest first.
    #[serde(default)]
    pub query: Option<String>,
    /// Only `published` or only `draft` articles.
    #[serde(default)]
    #[schemars(schema_with = "article_state_schema")]
    pub state: Option<String>,
    /// Only content in this locale (e.g. `en`, `fr`).
    #[serde(default)]
    pub locale: Option<String>,
    /// Results per page, default 20, at most 100 (larger values are reduced to 100, with a note).
    #[serde(default)]
    #[schemars(schema_with = "limit_schema")]
    pub limit: Option<u64>,
    /// `next_cursor` from the previous page, to get the next one (same other arguments).
    #[serde(default)]
    pub cursor: Option<String>,
    /// Answer budget in bytes of JSON text: default 32768 (about 8k tokens), from 4096 up to a hard cap of
    /// 131072. Lists stop at the budget with `next_cursor` and a note.
    #[serde(default)]
    #[schemars(schema_with = "max_bytes_schema")]
    pub max_bytes: Option<u64>,
    /// Staleness allowed for this answer before it is flagged `stale`, with a note: minutes (e.g. 30) or
    /// a duration like `30m`, `2h`, `1d`. Default: the server's FASTINTERCOM_MAX_STALENESS_MINUTES (60).
    #[serde(default, deserialize_with = "super::ids::opt_id")]
    #[schemars(schema_with = "max_staleness_schema")]
    pub max_staleness: Option<String>,
}

impl SearchArticlesArgs {
    pub fn checked(self, now: i64) -> Result<ListAsk<ArticleQuery>, String> {
        let mut notes = Vec::new();
        let limit = check_limit(self.limit, &mut notes)?;
        let budget = check_budget(self.max_bytes, &mut notes)?;
        let text = nonempty(self.query);
        if let Some(t) = &text {
            let terms = crate::store::read::QueryTerms::parse(t);
            if terms.terms.is_empty() {
                notes.push("the query has no words to search for; filters only".into());
            }
            notes.extend(terms.note());
        }
        Ok(ListAsk {
            query: ArticleQuery {
                text,
                state: one_of("state", self.state, ARTICLE_STATES)?,
                locale: nonempty(self.locale).map(|l| l.to_ascii_lowercase()),
                limit,
                offset: parse_cursor(self.cursor)?,
            },
            notes,
            budget,
            max_staleness: parse_max_staleness(self.max_staleness, now)?,
        })
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetArticleArgs {
    /// The article id (as in search_articles results).
    #[serde(deserialize_with = "super::ids::id")]
    #[schemars(schema_with = "super::ids::id_schema")]
    pub article_id: String,
    /// Which locale's content (e.g. `fr`); default the article's default locale. `locales` in the answer
    /// lists them.
    #[serde(default)]
    pub locale: Option<String>,
    /// `next_cursor` from the previous page of this article (same `locale`), for the rest of its text.
    #[serde(default)]
    pub cursor: Option<String>,
    /// Answer budget in bytes of JSON text: default 32768 (about 8k tokens), from 4096 up to a hard cap of
    /// 131072. Longer text stops at the budget with `next_cursor`.
    #[serde(default)]
    #[schemars(schema_with = "max_bytes_schema")]
    pub max_bytes: Option<u64>,
    /// Staleness allowed for this answer before it is flagged `stale`, with a note: minutes (e.g. 30) or
    /// a duration like `30m`, `2h`, `1d`. Default: the server's FASTINTERCOM_MAX_STALENESS_MINUTES (60).
    #[serde(default, deserialize_with = "super::ids::opt_id")]
    #[schemars(schema_with = "max_staleness_schema")]
    pub max_staleness: Option<String>,
}

/// A checked `get_article` call.
#[derive(Debug, Clone)]
pub struct ArticleAsk {
    pub id: String,
    pub locale: Option<String>,
    /// Character offset into the text.
    pub offset: usize,
    pub notes: Vec<String>,
    pub budget: usize,
    pub max_staleness: Option<i64>,
}

impl GetArticleArgs {
    pub fn checked(self, now: i64) -> Result<ArticleAsk, String> {
        let mut notes = Vec::new();
        let id = self.article_id.trim().to_string();
        if id.is_empty() {
            return Err("`article_id` is empty".into());
        }
        Ok(ArticleAsk {
            id,
            locale: nonempty(self.locale).map(|l| l.to_ascii_lowercase()),
            offset: parse_cursor(self.cursor)?,
            budget: check_budget(self.max_bytes, &mut notes)?,
            notes,
            max_staleness: parse_max_staleness(self.max_staleness, now)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_enums_limits_and_attributes_are_refused() {
        let a: SearchArticlesArgs = serde_json::from_str(r#"{"state": "archived"}"#).unwrap();
        assert!(a.checked(0).unwrap_err().contains("bad `state`"));
        let a: SearchCompaniesArgs = serde_json::from_str(r#"{"limit": 0}"#).unwrap();
        assert!(a.checked(0).unwrap_err().contains("bad `limit`"));
        let a: SearchCompaniesArgs = serde_json::from_str(r#"{"custom_attribute": "tier"}"#).unwrap();
        assert!(a.checked(0).unwrap_err().contains("name=value"));
        let a: SearchCompaniesArgs = serde_json::from_str(r#"{"limit": 500, "plan": " pro "}"#).unwrap();
        let ask = a.checked(0).unwrap();
        assert_eq!((ask.query.limit, ask.query.plan.as_deref()), (100, Some("pro")));
        assert!(serde_json::from_str::<GetCompanyArgs>(r#"{"id": "1"}"#).is_err());
        let g: GetCompanyArgs = serde_json::from_str("{}").unwrap();
        assert!(g.checked(0).is_err());
        let g: GetCompanyArgs = serde_json::from_str(r#"{"company_id": "1", "name": "Acme"}"#).unwrap();
        assert!(g.checked(0).unwrap_err().contains("not both"));
    }
}
