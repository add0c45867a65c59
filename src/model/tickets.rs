//! Ticket answers: summaries in a search, a ticket with its parts (whole for the client library, a page
//! at a time for `get_ticket`), shared by the MCP tools, the cache path and the REST path.

use super::{PersonRef, SearchMatch};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// Which tickets a search or a count covers (all when empty): what `search_tickets` and `ticket_stats`
/// (MCP), the cache's SQL (`store::read::tickets`), the client library's requests and its REST query
/// (`client::rest::tickets`) all mean. The field names are the MCP tools' argument names.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TicketFilters {
    /// State category: `submitted`, `in_progress`, `waiting_on_customer` or `resolved`.
    pub state: Option<String>,
    /// `Customer`, `Back-office` or `Tracker` (case-insensitive).
    pub category: Option<String>,
    /// Ticket type id or name (case-insensitive).
    pub ticket_type: Option<String>,
    /// Admin assignee id; `none` matches unassigned.
    pub admin_id: Option<String>,
    /// Team assignee id; `none` matches unassigned.
    pub team_id: Option<String>,
    /// A contact on the ticket: id, or email when it contains `@`.
    pub contact: Option<String>,
    /// A company of a contact on the ticket: Intercom's id, the workspace's own `company_id`, or the name
    /// (case-insensitive), as `get_company` takes it.
    pub company: Option<String>,
    /// Some(true): only open (not resolved) tickets; Some(false): only resolved ones.
    pub open: Option<bool>,
}

impl TicketFilters {
    fn texts(&self) -> [(&'static str, &Option<String>); 7] {
        [
            ("state", &self.state),
            ("category", &self.category),
            ("ticket_type", &self.ticket_type),
            ("admin_id", &self.admin_id),
            ("team_id", &self.team_id),
            ("contact", &self.contact),
            ("company", &self.company),
        ]
    }

    /// The argument names of the filters that are set, in declaration order.
    pub fn given(&self) -> Vec<&'static str> {
        let mut out: Vec<&'static str> = self
            .texts()
            .into_iter()
            .filter_map(|(name, v)| v.is_some().then_some(name))
            .collect();
        if self.open.is_some() {
            out.push("open");
        }
        out
    }

    /// Add these filters to MCP tool arguments.
    pub fn to_tool_args(&self, args: &mut Map<String, Value>) {
        for (name, v) in self.texts() {
            if let Some(v) = v {
                args.insert(name.into(), json!(v));
            }
        }
        if let Some(o) = self.open {
            args.insert("open".into(), json!(o));
        }
    }
}

/// One ticket in a search result (no parts).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TicketSummary {
    /// The API id (what `get_ticket` and Intercom's `GET /tickets/{id}` take).
    pub id: String,
    /// The number the Intercom inbox shows (`#1234`).
    pub ticket_id: Option<String>,
    pub title: Option<String>,
    /// Customer | Back-office | Tracker
    pub category: Option<String>,
    /// The ticket type's id and name.
    pub ticket_type_id: Option<String>,
    pub ticket_type: Option<String>,
    /// The state's category: submitted | in_progress | waiting_on_customer | resolved.
    pub state: Option<String>,
    /// The state's label as teammates see it (e.g. "With Dev Team").
    pub state_label: Option<String>,
    /// False once resolved.
    pub open: bool,
    pub created_at: i64,
    pub updated_at: i64,
    pub admin_assignee: Option<PersonRef>,
    pub team_assignee: Option<PersonRef>,
    /// The first contact on the ticket.
    pub contact: Option<PersonRef>,
    /// The description as plain text, cut to about 200 characters.
    pub snippet: String,
    /// For a full-text search: where it matched best (passage, part, author, time).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matched: Option<SearchMatch>,
}

/// Result of a ticket search.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TicketSearchResult {
    pub tickets: Vec<TicketSummary>,
    /// Pass back as `cursor` to get the next page; None on the last page.
    pub next_cursor: Option<String>,
    /// How many tickets match in all, counted up to 1000 (see `total_is_lower_bound`). None when not
    /// counted.
    #[serde(default)]
    pub total: Option<i64>,
    /// True when more tickets match than `total` says ("more than 1000").
    #[serde(default)]
    pub total_is_lower_bound: bool,
}

/// An object a ticket is linked to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LinkedObject {
    /// conversation | ticket
    #[serde(rename = "type")]
    pub kind: String,
    pub id: String,
}

/// One part (comment, note, state change...) of a ticket, as readable text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TicketPart {
    pub id: String,
    pub part_type: String,
    pub created_at: i64,
    pub author: Option<PersonRef>,
    /// The body with HTML turned into plain text; None for events without a body.
    pub body: Option<String>,
    pub assigned_to: Option<String>,
    /// The state category the ticket was in after this part.
    pub ticket_state: Option<String>,
}

/// A ticket with its description and every stored part, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TicketDetail {
    #[serde(flatten)]
    pub summary: TicketSummary,
    /// The description as plain text.
    pub description: Option<String>,
    /// Every contact on the ticket.
    pub contacts: Vec<PersonRef>,
    /// Conversations and tickets this ticket is linked to.
    pub linked: Vec<LinkedObject>,
    pub parts: Vec<TicketPart>,
    /// True when Intercom's 500-part cap hid older parts from us.
    pub parts_truncated: bool,
}

/// One part in a [`TicketPage`]: the author is a key into the page's `authors`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TicketPartView {
    pub id: String,
    pub part_type: String,
    pub created_at: i64,
    /// Key into `authors` (`type:id`), None for parts without an author.
    pub author: Option<String>,
    /// The body as plain text; None for events without a body.
    pub body: Option<String>,
    /// True when the body was shortened (it ends with a `[truncated…]` marker): ask `get_ticket` with this
    /// part's id as `part_id` for the whole text.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub truncated: bool,
    pub assigned_to: Option<String>,
    /// The state category the ticket was in after this part.
    pub ticket_state: Option<String>,
}

/// A page of one ticket as `get_ticket` answers it: the summary, the description, contacts and links
/// (first page only), the parts of this page, and each of their authors once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TicketPage {
    #[serde(flatten)]
    pub summary: TicketSummary,
    /// The description as plain text; on the first page only.
    pub description: Option<String>,
    /// Every contact on the ticket (first page only; empty on later pages).
    pub contacts: Vec<PersonRef>,
    /// Linked conversations and tickets (first page only; empty on later pages).
    pub linked: Vec<LinkedObject>,
    /// Everyone who wrote a part on this page, keyed `type:id`.
    pub authors: BTreeMap<String, PersonRef>,
    /// `oldest_first` or `newest_first`.
    pub order: String,
    /// Stored parts in the whole ticket.
    pub parts_total: usize,
    /// Position of this page's first part in `order` (0-based).
    pub parts_offset: usize,
    pub parts: Vec<TicketPartView>,
    /// Pass back as `cursor` (with the same `order`) for the next parts; None when this page ends the
    /// ticket.
    pub next_cursor: Option<String>,
    /// True when Intercom's 500-part cap hid older parts from us.
    pub parts_truncated: bool,
}

impl TicketPage {
    /// The parts of this page with their authors filled in, as [`TicketDetail`] has them.
    pub fn parts_with_authors(&self) -> Vec<TicketPart> {
        self.parts
            .iter()
            .map(|p| TicketPart {
                id: p.id.clone(),
                part_type: p.part_type.clone(),
                created_at: p.created_at,
                author: p.author.as_ref().and_then(|k| self.authors.get(k).cloned()),
                body: p.body.clone(),
                assigned_to: p.assigned_to.clone(),
                ticket_state: p.ticket_state.clone(),
            })
            .collect()
    }
}

/// What `ticket_stats` groups by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TicketGroupBy {
    /// The state category.
    State,
    /// Customer | Back-office | Tracker.
    Category,
    /// The ticket type.
    Type,
    Team,
    Admin,
    Day,
    Week,
    Month,
}

impl TicketGroupBy {
    pub const NAMES: &[&str] = &[
        "state", "category", "type", "team", "admin", "day", "week", "month",
    ];

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s.trim().to_ascii_lowercase().as_str() {
            "state" => Self::State,
            "category" => Self::Category,
            "type" => Self::Type,
            "team" => Self::Team,
            "admin" => Self::Admin,
            "day" => Self::Day,
            "week" => Self::Week,
            "month" => Self::Month,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::State => "state",
            Self::Category => "category",
            Self::Type => "type",
            Self::Team => "team",
            Self::Admin => "admin",
            Self::Day => "day",
            Self::Week => "week",
            Self::Month => "month",
        }
    }

    /// The period grouping with the same buckets, for the periods.
    pub fn period(self) -> Option<super::GroupBy> {
        match self {
            Self::Day => Some(super::GroupBy::Day),
            Self::Week => Some(super::GroupBy::Week),
            Self::Month => Some(super::GroupBy::Month),
            _ => None,
        }
    }
}
