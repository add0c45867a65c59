//! MCP resources: `intercom://conversation/{id}` (a resource template) reads one cached conversation as
//! JSON; `resources/list` offers the most recently updated conversations.

use super::budget::{HARD_CAP, Order, page_conversation};
use super::pool::Db;
use crate::answer::{Answer, encode_cursor, now};
use crate::model::ConversationFilters;
use crate::model::DateField;
use crate::store::metadata;
use crate::store::read::{self, conversations::SearchQuery, conversations::Sort};
use rmcp::ErrorData;
use rmcp::model::{
    ListResourceTemplatesResult, ListResourcesResult, ReadResourceResult, Resource, ResourceContents,
    ResourceTemplate,
};
use std::sync::Arc;

pub const PREFIX: &str = "intercom://conversation/";
const LISTED: usize = 50;

pub fn templates() -> ListResourceTemplatesResult {
    ListResourceTemplatesResult::with_all_items(vec![
        ResourceTemplate::new(format!("{PREFIX}{{id}}"), "conversation")
            .with_title("Intercom conversation")
            .with_description(
                "One cached conversation with all its parts, as JSON (same as get_conversation)",
            )
            .with_mime_type("application/json"),
    ])
}

fn internal(e: anyhow::Error) -> ErrorData {
    ErrorData::internal_error(format!("{e:#}"), None)
}

/// The most recently updated conversations.
pub async fn list(db: &Arc<Db>) -> Result<ListResourcesResult, ErrorData> {
    let q = SearchQuery {
        text: None,
        since: None,
        until: None,
        date_field: DateField::UpdatedAt,
        filters: ConversationFilters::default(),
        sort: Sort::UpdatedDesc,
        limit: LISTED,
        offset: 0,
    };
    let page = db
        .run(move |conn| read::conversations::search(conn, &q))
        .await
        .map_err(internal)?;
    let items = page
        .conversations
        .into_iter()
        .map(|c| {
            let name = c
                .title
                .clone()
                .unwrap_or_else(|| format!("conversation {}", c.id));
            Resource::new(format!("{PREFIX}{}", c.id), name)
                .with_description(format!("{} · {}", c.state, c.snippet))
                .with_mime_type("application/json")
        })
        .collect();
    Ok(ListResourcesResult::with_all_items(items))
}

/// Read `intercom://conversation/{id}`.
pub async fn read(db: &Arc<Db>, uri: &str) -> Result<ReadResourceResult, ErrorData> {
    let Some(id) = uri.strip_prefix(PREFIX).map(str::trim).filter(|s| !s.is_empty()) else {
        return Err(ErrorData::resource_not_found(
            format!("unknown resource {uri:?}: resources are {PREFIX}{{id}}"),
            None,
        ));
    };
    let id = id.to_string();
    let t = now();
    let id2 = id.clone();
    let answer = db
        .run(move |conn| {
            let found = read::conversations::get(conn, &id2)?;
            let freshness = metadata::freshness(conn, t)?;
            // Bounded like every answer: the first page of parts within the hard cap.
            Ok(found.map(|d| {
                let result = page_conversation(d, Order::OldestFirst, 0, HARD_CAP, encode_cursor);
                let notes = result
                    .next_cursor
                    .as_ref()
                    .map(|c| {
                        vec![format!(
                            "only the first {} of {} parts fit: call get_conversation with cursor {c:?} for \
                             the rest",
                            result.parts.len(),
                            result.parts_total
                        )]
                    })
                    .unwrap_or_default();
                Answer {
                    result,
                    freshness,
                    notes,
                }
            }))
        })
        .await
        .map_err(internal)?
        .ok_or_else(|| {
            ErrorData::resource_not_found(format!("conversation {id} is not in the cache"), None)
        })?;
    let text = serde_json::to_string(&answer).map_err(|e| internal(e.into()))?;
    Ok(ReadResourceResult::new(vec![
        ResourceContents::text(text, uri).with_mime_type("application/json"),
    ]))
}
