//! `search` and `fetch`: the two tools ChatGPT-style connectors (deep research, company knowledge) expect,
//! as thin views over the same store. `search` answers `results: [{id, title, url}]`; `fetch` answers one
//! conversation as `{id, title, text, url, metadata}`, its text the thread as plain lines within the answer
//! budget. The url is the conversation's resource URI (`intercom://conversation/{id}`).

use super::budget::{DEFAULT_BUDGET, Order, RESERVE, page_conversation};
use super::freshness::Ask;
use super::tools::IntercomTools;
use crate::answer::{Answer, ToolError, encode_cursor};
use crate::model::ConversationFilters;
use crate::model::DateField;
use crate::store::read::{self, conversations::SearchQuery, conversations::Sort};
use rmcp::handler::server::wrapper::Parameters;
use rmcp::{Json, tool, tool_router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

const URI: &str = "intercom://conversation/";
/// Results a `search` answers.
const SEARCH_RESULTS: usize = 20;

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SearchArgs {
    /// Words to look for in conversations (titles, messages, replies).
    pub query: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FetchArgs {
    /// A conversation id from `search` results.
    #[serde(deserialize_with = "super::ids::id")]
    #[schemars(schema_with = "super::ids::id_schema")]
    pub id: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct SearchHit {
    pub id: String,
    pub title: String,
    pub url: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct SearchHits {
    pub results: Vec<SearchHit>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Document {
    pub id: String,
    pub title: String,
    /// The thread as plain text, one message per paragraph (`[time] author: text`), oldest first.
    pub text: String,
    pub url: String,
    /// state, created_at, updated_at, tags, contact, assignees, parts_total.
    pub metadata: BTreeMap<String, serde_json::Value>,
}

fn title_of(s: &crate::model::ConversationSummary) -> String {
    s.title
        .clone()
        .unwrap_or_else(|| crate::text::snippet(&s.snippet, 80))
}

#[tool_router(router = connector_router, vis = "pub(super)")]
impl IntercomTools {
    #[tool(
        description = "Search the cached Intercom conversations (connector shape): `results` of {id, title, \
url}, best matches first, at most 20. Use `fetch` with an id for the conversation's text; search_conversations \
has filters, passages and paging.",
        annotations(title = "Search (connector)", read_only_hint = true, open_world_hint = false)
    )]
    pub async fn search(
        &self,
        Parameters(a): Parameters<SearchArgs>,
    ) -> Result<Json<Answer<SearchHits>>, ToolError> {
        let text = a.query.trim().to_string();
        if text.is_empty() {
            return Err("`query` is empty: give words to look for".into());
        }
        let q = SearchQuery {
            text: Some(text),
            since: None,
            until: None,
            date_field: DateField::UpdatedAt,
            filters: ConversationFilters::default(),
            sort: Sort::Relevance,
            limit: SEARCH_RESULTS,
            offset: 0,
        };
        self.answer(Vec::new(), Ask::default(), move |conn, _| {
            let page = read::conversations::search(conn, &q)?;
            Ok(SearchHits {
                results: page
                    .conversations
                    .iter()
                    .map(|c| SearchHit {
                        id: c.id.clone(),
                        title: title_of(c),
                        url: format!("{URI}{}", c.id),
                    })
                    .collect(),
            })
        })
        .await
    }

    #[tool(
        description = "Fetch one cached Intercom conversation by id (connector shape): {id, title, text, url, \
metadata}; `text` is the thread as plain text, oldest first, within about 32 KB (a longer thread ends with a \
note: read the rest with get_conversation and its cursor).",
        annotations(title = "Fetch (connector)", read_only_hint = true, open_world_hint = false)
    )]
    pub async fn fetch(
        &self,
        Parameters(a): Parameters<FetchArgs>,
    ) -> Result<Json<Answer<Document>>, ToolError> {
        let id = a.id.trim().to_string();
        if id.is_empty() {
            return Err("`id` is empty".into());
        }
        let id2 = id.clone();
        let r = self
            .answer(Vec::new(), Ask::default(), move |conn, notes| {
                let Some(d) = read::conversations::get(conn, &id2)? else {
                    return Ok(None);
                };
                let page =
                    page_conversation(d, Order::OldestFirst, 0, DEFAULT_BUDGET - RESERVE, encode_cursor);
                let name = |k: &Option<String>| {
                    k.as_ref()
                        .and_then(|k| page.authors.get(k))
                        .map(|p| p.name.clone().or(p.email.clone()).unwrap_or(p.id.clone()))
                        .unwrap_or_else(|| "unknown".into())
                };
                let when = |t: i64| crate::timespec::fmt_time(t);
                let mut text = format!(
                    "[{}] {}: {}",
                    when(page.summary.created_at),
                    name(&page.author),
                    page.body.clone().unwrap_or_default()
                );
                for p in &page.parts {
                    if let Some(b) = &p.body {
                        text.push_str(&format!("\n\n[{}] {}: {b}", when(p.created_at), name(&p.author)));
                    }
                }
                if let Some(c) = &page.next_cursor {
                    let note = format!(
                        "only the first {} of {} parts fit: read the rest with get_conversation \
                         {{\"conversation_id\": \"{}\", \"cursor\": \"{c}\"}}",
                        page.parts.len(),
                        page.parts_total,
                        page.summary.id
                    );
                    text.push_str(&format!("\n\n[{note}]"));
                    notes.push(note);
                }
                let s = &page.summary;
                let mut metadata = BTreeMap::new();
                metadata.insert("state".into(), s.state.clone().into());
                metadata.insert("created_at".into(), s.created_at.into());
                metadata.insert("updated_at".into(), s.updated_at.into());
                metadata.insert("tags".into(), s.tags.clone().into());
                metadata.insert("parts_total".into(), page.parts_total.into());
                for (k, p) in [
                    ("contact", &s.contact),
                    ("admin_assignee", &s.admin_assignee),
                    ("team_assignee", &s.team_assignee),
                ] {
                    if let Some(p) = p {
                        let v = p.name.clone().or(p.email.clone()).unwrap_or(p.id.clone());
                        metadata.insert(k.into(), v.into());
                    }
                }
                Ok(Some(Document {
                    id: s.id.clone(),
                    title: title_of(s),
                    text,
                    url: format!("{URI}{}", s.id),
                    metadata,
                }))
            })
            .await;
        super::tools::found(r, "conversation", &id, || {
            format!("conversation {id} is not in the cache")
        })
    }
}
