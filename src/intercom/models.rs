//! Intercom's wire types (API 2.16), partial: only the fields fastintercom reads are typed; everything
//! else survives in `raw`. They tolerate unknown fields, missing fields and nulls, take ids as numbers or
//! strings (stored as `String`), and map unassigned ids (`0`) to `None`. Timestamps are Unix seconds.
//!
//! Build list items with the `from_raw` constructors (they fill `raw` and the fields derived from nested
//! lists), not with plain `serde_json::from_value`.

use super::lenient::{
    check_object, de_default, id_string, id_vec, ids_in, nested_items, opt_i64, opt_id_string, opt_ref_id,
    opt_string, opt_ts, parse_items,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// `GET /me`: the admin the token belongs to, and its workspace.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct Me {
    #[serde(deserialize_with = "id_string")]
    pub id: String,
    #[serde(deserialize_with = "opt_string")]
    pub name: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    pub email: Option<String>,
    pub app: Option<App>,
}

/// `me.app`: the workspace. `timezone` decides contact-search day boundaries.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct App {
    #[serde(deserialize_with = "opt_string")]
    pub id_code: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    pub name: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    pub region: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    pub timezone: Option<String>,
}

/// One item of `GET /admins`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct Admin {
    #[serde(deserialize_with = "id_string")]
    pub id: String,
    #[serde(deserialize_with = "opt_string")]
    pub name: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    pub email: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    pub job_title: Option<String>,
    #[serde(deserialize_with = "de_default")]
    pub away_mode_enabled: bool,
    #[serde(deserialize_with = "de_default")]
    pub has_inbox_seat: bool,
    #[serde(deserialize_with = "id_vec")]
    pub team_ids: Vec<String>,
    #[serde(skip)]
    pub raw: Value,
}

/// One item of `GET /teams`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct Team {
    #[serde(deserialize_with = "id_string")]
    pub id: String,
    #[serde(deserialize_with = "opt_string")]
    pub name: Option<String>,
    #[serde(deserialize_with = "id_vec")]
    pub admin_ids: Vec<String>,
    #[serde(skip)]
    pub raw: Value,
}

/// One item of `GET /tags`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct Tag {
    #[serde(deserialize_with = "id_string")]
    pub id: String,
    #[serde(deserialize_with = "de_default")]
    pub name: String,
}

/// A tag applied to a conversation (`conversation.tags.tags[]`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct TagRef {
    #[serde(deserialize_with = "id_string")]
    pub id: String,
    #[serde(deserialize_with = "de_default")]
    pub name: String,
}

/// `conversation.conversation_rating`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct Rating {
    #[serde(deserialize_with = "opt_i64")]
    pub rating: Option<i64>,
    #[serde(deserialize_with = "opt_string")]
    pub remark: Option<String>,
}

/// Who wrote a message or part (`type`: admin, user, lead, bot, team).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct Author {
    #[serde(deserialize_with = "opt_string")]
    pub r#type: Option<String>,
    #[serde(deserialize_with = "opt_id_string")]
    pub id: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    pub name: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    pub email: Option<String>,
}

/// `conversation.source`: the opening message (it is not a part).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct Source {
    #[serde(deserialize_with = "opt_string")]
    pub r#type: Option<String>,
    #[serde(deserialize_with = "opt_id_string")]
    pub id: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    pub delivered_as: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    pub subject: Option<String>,
    /// HTML.
    #[serde(deserialize_with = "opt_string")]
    pub body: Option<String>,
    pub author: Option<Author>,
    #[serde(deserialize_with = "opt_string")]
    pub url: Option<String>,
}

/// A contact on a conversation (`conversation.contacts.contacts[]`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct ContactRef {
    #[serde(deserialize_with = "id_string")]
    pub id: String,
    #[serde(deserialize_with = "opt_id_string")]
    pub external_id: Option<String>,
}

/// A conversation part (reply, note, assignment, close...). Only `GET /conversations/{id}` returns them.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct Part {
    #[serde(deserialize_with = "id_string")]
    pub id: String,
    #[serde(deserialize_with = "opt_string")]
    pub part_type: Option<String>,
    /// HTML, often null on event parts.
    #[serde(deserialize_with = "opt_string")]
    pub body: Option<String>,
    #[serde(deserialize_with = "opt_ts")]
    pub created_at: Option<i64>,
    #[serde(deserialize_with = "opt_ts")]
    pub updated_at: Option<i64>,
    pub author: Option<Author>,
    /// `assigned_to.id` (an object `{type,id}` on the wire).
    #[serde(deserialize_with = "opt_ref_id")]
    pub assigned_to: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    pub state: Option<String>,
    #[serde(deserialize_with = "de_default")]
    pub redacted: bool,
}

/// A conversation from list, search (no parts) or retrieve (with up to 500 newest parts).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct Conversation {
    #[serde(deserialize_with = "id_string")]
    pub id: String,
    #[serde(deserialize_with = "opt_string")]
    pub title: Option<String>,
    #[serde(deserialize_with = "opt_ts")]
    pub created_at: Option<i64>,
    #[serde(deserialize_with = "opt_ts")]
    pub updated_at: Option<i64>,
    #[serde(deserialize_with = "opt_ts")]
    pub waiting_since: Option<i64>,
    #[serde(deserialize_with = "opt_ts")]
    pub snoozed_until: Option<i64>,
    #[serde(deserialize_with = "de_default")]
    pub open: bool,
    /// `open`, `closed` or `snoozed`.
    #[serde(deserialize_with = "opt_string")]
    pub state: Option<String>,
    #[serde(deserialize_with = "de_default")]
    pub read: bool,
    /// 2.16: `none|low|medium|high|urgent` (older: `priority|not_priority`).
    #[serde(deserialize_with = "opt_string")]
    pub priority: Option<String>,
    /// `None` when unassigned (the wire says `0`).
    #[serde(deserialize_with = "opt_id_string")]
    pub admin_assignee_id: Option<String>,
    #[serde(deserialize_with = "opt_id_string")]
    pub team_assignee_id: Option<String>,
    #[serde(skip)]
    pub tags: Vec<TagRef>,
    pub conversation_rating: Option<Rating>,
    pub source: Option<Source>,
    #[serde(skip)]
    pub contacts: Vec<ContactRef>,
    /// May be null or missing; any field inside may be too.
    pub statistics: Option<Value>,
    /// Empty for list and search results.
    #[serde(skip)]
    pub parts: Vec<Part>,
    /// `conversation_parts.total_count` (retrieve only).
    #[serde(skip)]
    pub parts_total_count: Option<i64>,
    /// The whole object as received, minus `conversation_parts`.
    #[serde(skip)]
    pub raw: Value,
}

/// A contact (user or lead).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct Contact {
    #[serde(deserialize_with = "id_string")]
    pub id: String,
    #[serde(deserialize_with = "opt_id_string")]
    pub external_id: Option<String>,
    /// `user` or `lead`.
    #[serde(deserialize_with = "opt_string")]
    pub role: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    pub email: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    pub name: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    pub phone: Option<String>,
    /// A string in 2.16, a number before.
    #[serde(deserialize_with = "opt_id_string")]
    pub owner_id: Option<String>,
    #[serde(deserialize_with = "opt_ts")]
    pub created_at: Option<i64>,
    #[serde(deserialize_with = "opt_ts")]
    pub updated_at: Option<i64>,
    #[serde(deserialize_with = "opt_ts")]
    pub last_seen_at: Option<i64>,
    /// Tag ids from the addressable list (at most 10; see `tags_has_more`).
    #[serde(skip)]
    pub tags: Vec<String>,
    /// More tags than listed: fetch `GET /contacts/{id}/tags`.
    #[serde(skip)]
    pub tags_has_more: bool,
    /// Company ids from the addressable list (at most 10; see `companies_has_more`).
    #[serde(skip)]
    pub companies: Vec<String>,
    #[serde(skip)]
    pub companies_has_more: bool,
    #[serde(skip)]
    pub raw: Value,
}

/// One item of `GET /conversations/deleted`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct DeletedConversation {
    #[serde(deserialize_with = "id_string")]
    pub id: String,
    #[serde(deserialize_with = "opt_ts")]
    pub deleted_at: Option<i64>,
}

/// One page of a cursor-paginated list or search.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// `pages.next.starting_after`; `None` on the last page.
    pub next: Option<String>,
    pub total_count: Option<i64>,
}

/// One page of `GET /conversations/deleted` (page-number pagination).
#[derive(Debug, Clone, PartialEq)]
pub struct DeletedPage {
    pub items: Vec<DeletedConversation>,
    pub page: u32,
    pub total_pages: u32,
    pub has_next: bool,
}

impl Conversation {
    /// From the JSON object as received (list, search or retrieve).
    pub fn from_raw(mut raw: Value) -> Result<Self, serde_json::Error> {
        check_object(&raw)?;
        let mut c = Conversation::deserialize(&raw)?;
        c.tags = parse_items(nested_items(raw.get("tags"), "tags"))?;
        c.contacts = parse_items(nested_items(raw.get("contacts"), "contacts"))?;
        if let Some(parts) = raw.as_object_mut().and_then(|o| o.remove("conversation_parts")) {
            c.parts = parse_items(nested_items(Some(&parts), "conversation_parts"))?;
            c.parts_total_count = parts.get("total_count").and_then(as_i64);
        }
        c.raw = raw;
        Ok(c)
    }
}

impl Contact {
    /// From the JSON object as received (list, search or retrieve).
    pub fn from_raw(raw: Value) -> Result<Self, serde_json::Error> {
        check_object(&raw)?;
        let mut c = Contact::deserialize(&raw)?;
        let tags = raw.get("tags");
        c.tags = ids_in(tags, "data");
        c.tags_has_more = tags
            .and_then(|t| t.get("has_more"))
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let companies = raw.get("companies");
        c.companies = ids_in(companies, "data");
        c.companies_has_more = companies
            .and_then(|t| t.get("has_more"))
            .and_then(Value::as_bool)
            .unwrap_or(false);
        c.raw = raw;
        Ok(c)
    }
}

impl Admin {
    pub fn from_raw(raw: Value) -> Result<Self, serde_json::Error> {
        check_object(&raw)?;
        let mut a = Admin::deserialize(&raw)?;
        a.raw = raw;
        Ok(a)
    }
}

impl Team {
    pub fn from_raw(raw: Value) -> Result<Self, serde_json::Error> {
        check_object(&raw)?;
        let mut t = Team::deserialize(&raw)?;
        t.raw = raw;
        Ok(t)
    }
}

fn as_i64(v: &Value) -> Option<i64> {
    v.as_i64().or_else(|| v.as_f64().map(|f| f as i64))
}

#[cfg(test)]
mod tests;
