//! One method per Intercom endpoint fastintercom reads, and the parsing of their envelopes
//! (`conversations` for conversation list/search, `data` for contacts and tags, `admins`, `teams`).

use super::http::{Call, segment};
use super::{
    Admin, ApiError, Contact, Conversation, DeletedConversation, DeletedPage, IntercomClient, Me, Page, Tag,
    Team,
};
use reqwest::Method;
use serde::Deserialize;
use serde_json::{Value, json};

/// Intercom's largest page for cursor lists and searches.
pub const MAX_PER_PAGE: u32 = 150;
/// `GET /conversations/deleted` allows at most 60 per page.
pub const MAX_DELETED_PER_PAGE: u32 = 60;

pub(super) fn get(path: String, query: Vec<(&'static str, String)>) -> Call<'static> {
    Call {
        method: Method::GET,
        path,
        query,
        body: None,
    }
}

pub(super) fn malformed(what: &str, e: impl std::fmt::Display) -> ApiError {
    ApiError::Malformed(format!("{what}: {e}"))
}

/// The array under `key`, taken out of the envelope.
pub(super) fn take_list(v: &mut Value, key: &str, what: &str) -> Result<Vec<Value>, ApiError> {
    match v.get_mut(key).map(Value::take) {
        Some(Value::Array(a)) => Ok(a),
        Some(Value::Null) => Ok(Vec::new()),
        _ => Err(ApiError::Malformed(format!(
            "{what}: the response has no `{key}` list"
        ))),
    }
}

/// A cursor page: items under `key`, `pages.next.starting_after`, `total_count`.
pub(super) fn cursor_page<T>(
    mut v: Value,
    key: &str,
    what: &str,
    parse: fn(Value) -> Result<T, serde_json::Error>,
) -> Result<Page<T>, ApiError> {
    let items = take_list(&mut v, key, what)?
        .into_iter()
        .map(parse)
        .collect::<Result<Vec<T>, _>>()
        .map_err(|e| malformed(what, e))?;
    let next = v
        .pointer("/pages/next/starting_after")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    let total_count = v.get("total_count").and_then(Value::as_i64);
    Ok(Page {
        items,
        next,
        total_count,
    })
}

pub(super) fn search_body(
    query: &Value,
    sort: Option<&Value>,
    per_page: u32,
    starting_after: Option<&str>,
) -> Value {
    let mut pagination = json!({ "per_page": per_page.clamp(1, MAX_PER_PAGE) });
    if let Some(c) = starting_after {
        pagination["starting_after"] = json!(c);
    }
    let mut body = json!({ "query": query, "pagination": pagination });
    if let Some(s) = sort {
        body["sort"] = s.clone();
    }
    body
}

fn cursor_query(per_page: u32, starting_after: Option<&str>) -> Vec<(&'static str, String)> {
    let mut q = vec![("per_page", per_page.clamp(1, MAX_PER_PAGE).to_string())];
    if let Some(c) = starting_after {
        q.push(("starting_after", c.to_string()));
    }
    q
}

/// `Ok(None)` for 404.
pub(super) fn found<T>(r: Result<T, ApiError>) -> Result<Option<T>, ApiError> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(ApiError::NotFound) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The directory collections whose entries can be looked up one by one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Directory {
    Admins,
    Teams,
    Tags,
}

impl Directory {
    /// The collection's path segment (also its `sync_metadata` resource name).
    pub fn name(self) -> &'static str {
        match self {
            Directory::Admins => "admins",
            Directory::Teams => "teams",
            Directory::Tags => "tags",
        }
    }
}

impl IntercomClient {
    /// `GET /admins/{id}`, `/teams/{id}` or `/tags/{id}`: whether Intercom still has it (`false` on 404).
    pub async fn directory_entry_exists(&self, kind: Directory, id: &str) -> Result<bool, ApiError> {
        let path = format!("/{}/{}", kind.name(), segment(id));
        Ok(found(self.core.json(&get(path, vec![])).await)?.is_some())
    }

    /// `GET /me`: who the token belongs to, and the workspace (region, timezone).
    pub async fn me(&self) -> Result<Me, ApiError> {
        let v = self.core.json(&get("/me".into(), vec![])).await?;
        Me::deserialize(&v).map_err(|e| malformed("GET /me", e))
    }

    /// `GET /admins` (one response, no pagination).
    pub async fn admins(&self) -> Result<Vec<Admin>, ApiError> {
        let mut v = self.core.json(&get("/admins".into(), vec![])).await?;
        let items = take_list(&mut v, "admins", "GET /admins")?;
        items
            .into_iter()
            .map(Admin::from_raw)
            .collect::<Result<_, _>>()
            .map_err(|e| malformed("GET /admins", e))
    }

    /// `GET /teams` (one response, no pagination).
    pub async fn teams(&self) -> Result<Vec<Team>, ApiError> {
        let mut v = self.core.json(&get("/teams".into(), vec![])).await?;
        let items = take_list(&mut v, "teams", "GET /teams")?;
        items
            .into_iter()
            .map(Team::from_raw)
            .collect::<Result<_, _>>()
            .map_err(|e| malformed("GET /teams", e))
    }

    /// `GET /tags` (one response, no pagination).
    pub async fn tags(&self) -> Result<Vec<Tag>, ApiError> {
        let mut v = self.core.json(&get("/tags".into(), vec![])).await?;
        let items = take_list(&mut v, "data", "GET /tags")?;
        items
            .iter()
            .map(Tag::deserialize)
            .collect::<Result<_, _>>()
            .map_err(|e| malformed("GET /tags", e))
    }

    /// `POST /conversations/search` with the given query (DSL JSON) and sort; the cursor goes in the body.
    /// Items have no parts.
    pub async fn search_conversations(
        &self,
        query: &serde_json::Value,
        sort: Option<&serde_json::Value>,
        per_page: u32,
        starting_after: Option<&str>,
    ) -> Result<Page<Conversation>, ApiError> {
        let body = search_body(query, sort, per_page, starting_after);
        let call = Call {
            method: Method::POST,
            path: "/conversations/search".into(),
            query: vec![],
            body: Some(&body),
        };
        let v = self.core.json(&call).await?;
        cursor_page(
            v,
            "conversations",
            "POST /conversations/search",
            Conversation::from_raw,
        )
    }

    /// `GET /conversations` (cursor list, no parts, no filter).
    pub async fn list_conversations(
        &self,
        per_page: u32,
        starting_after: Option<&str>,
    ) -> Result<Page<Conversation>, ApiError> {
        let v = self
            .core
            .json(&get(
                "/conversations".into(),
                cursor_query(per_page, starting_after),
            ))
            .await?;
        cursor_page(v, "conversations", "GET /conversations", Conversation::from_raw)
    }

    /// `GET /conversations/{id}` with its parts (the newest 500 at most); `Ok(None)` on 404 (deleted).
    pub async fn get_conversation(&self, id: &str) -> Result<Option<Conversation>, ApiError> {
        let path = format!("/conversations/{}", segment(id));
        let Some(v) = found(self.core.json(&get(path, vec![])).await)? else {
            return Ok(None);
        };
        Conversation::from_raw(v)
            .map(Some)
            .map_err(|e| malformed("GET /conversations/{id}", e))
    }

    /// `GET /conversations/deleted?order=desc` (page-number pagination, newest deletions first).
    pub async fn deleted_conversations(&self, page: u32, per_page: u32) -> Result<DeletedPage, ApiError> {
        let query = vec![
            ("page", page.max(1).to_string()),
            ("per_page", per_page.clamp(1, MAX_DELETED_PER_PAGE).to_string()),
            ("order", "desc".to_string()),
        ];
        let what = "GET /conversations/deleted";
        let mut v = self
            .core
            .json(&get("/conversations/deleted".into(), query))
            .await?;
        let items = take_list(&mut v, "conversations", what)?
            .iter()
            .map(DeletedConversation::deserialize)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| malformed(what, e))?;
        // Out-of-range page numbers count as absent rather than wrapping into small ones.
        let num = |p: &str| {
            v.pointer(p)
                .and_then(Value::as_u64)
                .and_then(|n| u32::try_from(n).ok())
        };
        let page = num("/pages/page").unwrap_or(page.max(1));
        let total_pages = num("/pages/total_pages").unwrap_or(page);
        let next = v.pointer("/pages/next").is_some_and(|n| !n.is_null() && n != "");
        Ok(DeletedPage {
            items,
            page,
            total_pages,
            has_next: next || page < total_pages,
        })
    }

    /// `GET /contacts` (cursor list; merged contacts are omitted by Intercom).
    pub async fn list_contacts(
        &self,
        per_page: u32,
        starting_after: Option<&str>,
    ) -> Result<Page<Contact>, ApiError> {
        let v = self
            .core
            .json(&get("/contacts".into(), cursor_query(per_page, starting_after)))
            .await?;
        cursor_page(v, "data", "GET /contacts", Contact::from_raw)
    }

    /// `POST /contacts/search`. Dates in contact queries are day-granular in the workspace timezone, and
    /// `sort.order` must be `ascending` or `descending`.
    pub async fn search_contacts(
        &self,
        query: &serde_json::Value,
        sort: Option<&serde_json::Value>,
        per_page: u32,
        starting_after: Option<&str>,
    ) -> Result<Page<Contact>, ApiError> {
        let body = search_body(query, sort, per_page, starting_after);
        let call = Call {
            method: Method::POST,
            path: "/contacts/search".into(),
            query: vec![],
            body: Some(&body),
        };
        let v = self.core.json(&call).await?;
        cursor_page(v, "data", "POST /contacts/search", Contact::from_raw)
    }

    /// `GET /contacts/{id}`; `Ok(None)` on 404. A merged contact is [`ApiError::Merged`].
    pub async fn get_contact(&self, id: &str) -> Result<Option<Contact>, ApiError> {
        let path = format!("/contacts/{}", segment(id));
        let Some(v) = found(self.core.json(&get(path, vec![])).await)? else {
            return Ok(None);
        };
        Contact::from_raw(v)
            .map(Some)
            .map_err(|e| malformed("GET /contacts/{id}", e))
    }

    /// `GET /contacts/{id}/tags`: all of a contact's tags, for when the contact's own list says
    /// `has_more` (it shows 10 at most). `Ok(None)` on 404.
    pub async fn contact_tags(&self, id: &str) -> Result<Option<Vec<Tag>>, ApiError> {
        let path = format!("/contacts/{}/tags", segment(id));
        let what = "GET /contacts/{id}/tags";
        let Some(mut v) = found(self.core.json(&get(path, vec![])).await)? else {
            return Ok(None);
        };
        let items = take_list(&mut v, "data", what)?;
        items
            .iter()
            .map(Tag::deserialize)
            .collect::<Result<_, _>>()
            .map(Some)
            .map_err(|e| malformed(what, e))
    }
}
