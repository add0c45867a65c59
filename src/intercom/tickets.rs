//! Tickets on the wire (API 2.16): `POST /tickets/search` (cursor in the body, items with their
//! `ticket_parts`), `GET /tickets/{id}` (the API `id`, not the inbox `ticket_id`), `GET /ticket_types`,
//! `GET /ticket_types/{id}` and `GET /ticket_states`, with lenient models like the rest.

use super::endpoints::{cursor_page, found, get, malformed, search_body, take_list};
use super::http::{Call, segment};
use super::lenient::{
    check_object, de_default, id_string, nested_items, opt_id_string, opt_ref_id, opt_string, opt_ts,
    parse_items,
};
use super::models::{Author, ContactRef};
use super::paginate::cursor_pages;
use super::{ApiError, IntercomClient, Page};
use futures_util::Stream;
use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// `ticket.ticket_state` (and the items of `GET /ticket_states`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct TicketState {
    #[serde(deserialize_with = "id_string")]
    pub id: String,
    /// `submitted`, `in_progress`, `waiting_on_customer` or `resolved`.
    #[serde(deserialize_with = "opt_string")]
    pub category: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    pub internal_label: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    pub external_label: Option<String>,
    #[serde(deserialize_with = "de_default")]
    pub archived: bool,
    #[serde(skip)]
    pub raw: Value,
}

/// One item of `GET /ticket_types` (and `ticket.ticket_type`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct TicketType {
    #[serde(deserialize_with = "id_string")]
    pub id: String,
    #[serde(deserialize_with = "opt_string")]
    pub name: Option<String>,
    /// `Customer`, `Back-office` or `Tracker`.
    #[serde(deserialize_with = "opt_string")]
    pub category: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    pub description: Option<String>,
    #[serde(deserialize_with = "de_default")]
    pub archived: bool,
    #[serde(deserialize_with = "opt_ts")]
    pub created_at: Option<i64>,
    #[serde(deserialize_with = "opt_ts")]
    pub updated_at: Option<i64>,
    #[serde(skip)]
    pub raw: Value,
}

/// A ticket part (reply, note, state change...).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct TicketPart {
    #[serde(deserialize_with = "id_string")]
    pub id: String,
    #[serde(deserialize_with = "opt_string")]
    pub part_type: Option<String>,
    /// HTML, null on events.
    #[serde(deserialize_with = "opt_string")]
    pub body: Option<String>,
    #[serde(deserialize_with = "opt_ts")]
    pub created_at: Option<i64>,
    #[serde(deserialize_with = "opt_ts")]
    pub updated_at: Option<i64>,
    pub author: Option<Author>,
    #[serde(deserialize_with = "opt_ref_id")]
    pub assigned_to: Option<String>,
    /// The state category after this part.
    #[serde(deserialize_with = "opt_string")]
    pub ticket_state: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    pub previous_ticket_state: Option<String>,
    #[serde(deserialize_with = "de_default")]
    pub redacted: bool,
}

/// A ticket from search or retrieve.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct Ticket {
    #[serde(deserialize_with = "id_string")]
    pub id: String,
    /// The inbox-visible number (never used to query the API).
    #[serde(deserialize_with = "opt_id_string")]
    pub ticket_id: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    pub category: Option<String>,
    #[serde(deserialize_with = "opt_ts")]
    pub created_at: Option<i64>,
    #[serde(deserialize_with = "opt_ts")]
    pub updated_at: Option<i64>,
    #[serde(deserialize_with = "opt_ts")]
    pub snoozed_until: Option<i64>,
    #[serde(deserialize_with = "de_default")]
    pub open: bool,
    /// `None` when unassigned (the wire says `0`).
    #[serde(deserialize_with = "opt_id_string")]
    pub admin_assignee_id: Option<String>,
    #[serde(deserialize_with = "opt_id_string")]
    pub team_assignee_id: Option<String>,
    #[serde(deserialize_with = "de_default")]
    pub is_shared: bool,
    #[serde(deserialize_with = "opt_id_string")]
    pub previous_ticket_state_id: Option<String>,
    pub ticket_state: Option<TicketState>,
    pub ticket_type: Option<TicketType>,
    /// `ticket_attributes._default_title_` (or a top-level `title`).
    #[serde(skip)]
    pub title: Option<String>,
    #[serde(skip)]
    pub description: Option<String>,
    #[serde(skip)]
    pub contacts: Vec<ContactRef>,
    /// `linked_objects.data`: (type, id), e.g. ("conversation", "215469031447").
    #[serde(skip)]
    pub linked: Vec<(String, String)>,
    /// `None` when the object carried no `ticket_parts` at all.
    #[serde(skip)]
    pub parts: Option<Vec<TicketPart>>,
    #[serde(skip)]
    pub parts_total_count: Option<i64>,
    /// The whole object as received, minus `ticket_parts`.
    #[serde(skip)]
    pub raw: Value,
}

fn text_at(v: &Value, keys: &[&str]) -> Option<String> {
    keys.iter()
        .find_map(|k| v.pointer(k).and_then(Value::as_str))
        .map(str::to_string)
        .filter(|s| !s.is_empty())
}

impl Ticket {
    pub fn from_raw(mut raw: Value) -> Result<Self, serde_json::Error> {
        check_object(&raw)?;
        let mut t = Ticket::deserialize(&raw)?;
        t.title = text_at(&raw, &["/ticket_attributes/_default_title_", "/title"]);
        t.description = text_at(
            &raw,
            &["/ticket_attributes/_default_description_", "/description"],
        );
        t.contacts = parse_items(nested_items(raw.get("contacts"), "contacts"))?;
        t.linked = nested_items(raw.get("linked_objects"), "data")
            .iter()
            .filter_map(|o| {
                let ty = o.get("type").and_then(Value::as_str)?;
                let id = match o.get("id")? {
                    Value::String(s) => s.clone(),
                    Value::Number(n) => n.to_string(),
                    _ => return None,
                };
                Some((ty.to_string(), id))
            })
            .collect();
        if let Some(parts) = raw.as_object_mut().and_then(|o| o.remove("ticket_parts")) {
            t.parts = Some(parse_items(nested_items(Some(&parts), "ticket_parts"))?);
            t.parts_total_count = parts.get("total_count").and_then(Value::as_i64);
        }
        t.raw = raw;
        Ok(t)
    }
}

impl TicketType {
    pub fn from_raw(raw: Value) -> Result<Self, serde_json::Error> {
        check_object(&raw)?;
        let mut t = TicketType::deserialize(&raw)?;
        t.raw = raw;
        Ok(t)
    }
}

impl TicketState {
    pub fn from_raw(raw: Value) -> Result<Self, serde_json::Error> {
        check_object(&raw)?;
        let mut t = TicketState::deserialize(&raw)?;
        // The type list each state carries is large and repeated; the store keeps the state itself.
        let mut raw = raw;
        if let Some(o) = raw.as_object_mut() {
            o.remove("ticket_types");
        }
        t.raw = raw;
        Ok(t)
    }
}

impl IntercomClient {
    /// `POST /tickets/search` (cursor in the body). Items carry their `ticket_parts`.
    pub async fn search_tickets(
        &self,
        query: &Value,
        sort: Option<&Value>,
        per_page: u32,
        starting_after: Option<&str>,
    ) -> Result<Page<Ticket>, ApiError> {
        let body = search_body(query, sort, per_page, starting_after);
        let call = Call {
            method: Method::POST,
            path: "/tickets/search".into(),
            query: vec![],
            body: Some(&body),
        };
        let v = self.core.json(&call).await?;
        cursor_page(v, "tickets", "POST /tickets/search", Ticket::from_raw)
    }

    /// Every page of `POST /tickets/search` for `query` and `sort`.
    pub fn ticket_search_pages(
        &self,
        query: Value,
        sort: Option<Value>,
        per_page: u32,
    ) -> impl Stream<Item = Result<Page<Ticket>, ApiError>> + Send + 'static {
        let client = self.clone();
        cursor_pages(move |cursor: Option<String>| {
            let (client, query, sort) = (client.clone(), query.clone(), sort.clone());
            async move {
                client
                    .search_tickets(&query, sort.as_ref(), per_page, cursor.as_deref())
                    .await
            }
        })
    }

    /// `GET /tickets/{id}` by the API `id`; `Ok(None)` on 404 (deleted or unknown).
    pub async fn get_ticket(&self, id: &str) -> Result<Option<Ticket>, ApiError> {
        let path = format!("/tickets/{}", segment(id));
        let Some(v) = found(self.core.json(&get(path, vec![])).await)? else {
            return Ok(None);
        };
        Ticket::from_raw(v)
            .map(Some)
            .map_err(|e| malformed("GET /tickets/{id}", e))
    }

    /// `GET /ticket_types` (one response).
    pub async fn ticket_types(&self) -> Result<Vec<TicketType>, ApiError> {
        let what = "GET /ticket_types";
        let mut v = self.core.json(&get("/ticket_types".into(), vec![])).await?;
        take_list(&mut v, "data", what)?
            .into_iter()
            .map(TicketType::from_raw)
            .collect::<Result<_, _>>()
            .map_err(|e| malformed(what, e))
    }

    /// `GET /ticket_types/{id}`: whether Intercom still has it (`false` on 404).
    pub async fn ticket_type_exists(&self, id: &str) -> Result<bool, ApiError> {
        let path = format!("/ticket_types/{}", segment(id));
        Ok(found(self.core.json(&get(path, vec![])).await)?.is_some())
    }

    /// `GET /ticket_states` (one response).
    pub async fn ticket_states(&self) -> Result<Vec<TicketState>, ApiError> {
        let what = "GET /ticket_states";
        let mut v = self.core.json(&get("/ticket_states".into(), vec![])).await?;
        take_list(&mut v, "data", what)?
            .into_iter()
            .map(TicketState::from_raw)
            .collect::<Result<_, _>>()
            .map_err(|e| malformed(what, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_ticket_with_parts_links_and_unassigned_zeroes() {
        let t = Ticket::from_raw(json!({
            "type": "ticket", "id": 600000001, "ticket_id": "1001", "category": "Customer",
            "ticket_attributes": {"_default_title_": "Refund", "_default_description_": "Charged twice"},
            "ticket_state": {"type": "ticket_state", "id": "7490", "category": "submitted"},
            "ticket_type": {"type": "ticket_type", "id": 1295, "name": "Bug"},
            "contacts": {"type": "contact.list", "contacts": [{"type": "contact", "id": "abc"}]},
            "admin_assignee_id": 0, "team_assignee_id": "5017691", "created_at": 10, "updated_at": "20",
            "linked_objects": {"type": "list", "data": [{"type": "conversation", "id": 215}]},
            "ticket_parts": {"type": "ticket_part.list", "total_count": 1, "ticket_parts": [
                {"type": "ticket_part", "id": 9, "part_type": "comment", "body": "<p>hi</p>",
                 "author": {"type": "user", "id": "abc"}, "ticket_state": "submitted"}]}
        }))
        .unwrap();
        assert_eq!(t.id, "600000001");
        assert_eq!(t.admin_assignee_id, None);
        assert_eq!(t.team_assignee_id.as_deref(), Some("5017691"));
        assert_eq!(t.updated_at, Some(20));
        assert_eq!(t.title.as_deref(), Some("Refund"));
        assert_eq!(t.linked, vec![("conversation".to_string(), "215".to_string())]);
        assert_eq!(t.parts.as_ref().map(Vec::len), Some(1));
        assert!(t.raw.get("ticket_parts").is_none());
        assert!(Ticket::from_raw(json!({"type": "ticket"})).is_err());
        let bare = Ticket::from_raw(json!({"id": "1"})).unwrap();
        assert_eq!(bare.parts, None, "no ticket_parts key: parts unknown, not empty");
    }
}
