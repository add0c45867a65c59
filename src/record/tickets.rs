//! Tickets with their parts, ticket types and ticket states, normalized.

use super::{PartRecord, parts_truncated};

/// One ticket as the store keeps it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TicketRecord {
    pub id: String,
    pub ticket_id: Option<String>,
    pub title: Option<String>,
    pub description: Option<String>,
    pub category: Option<String>,
    pub ticket_type_id: Option<String>,
    pub ticket_type_name: Option<String>,
    pub ticket_state_id: Option<String>,
    pub state_category: Option<String>,
    pub state_label: Option<String>,
    pub open: bool,
    pub admin_assignee_id: Option<String>,
    pub team_assignee_id: Option<String>,
    pub contact_ids: Vec<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub snoozed_until: Option<i64>,
    pub is_shared: bool,
    pub previous_ticket_state_id: Option<String>,
    /// (object type, object id) from `linked_objects`.
    pub links: Vec<(String, String)>,
    /// False when the answer carried no `ticket_parts`: stored parts are left alone.
    pub with_parts: bool,
    pub parts: Vec<TicketPartRecord>,
    pub parts_total: Option<i64>,
    /// The ticket JSON without `ticket_parts`.
    pub raw: String,
}

/// One ticket part: a conversation part's fields (`part.state` is the ticket state the part set) and the
/// state it left.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TicketPartRecord {
    pub part: PartRecord,
    pub previous_ticket_state: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct TicketTypeRecord {
    pub id: String,
    pub name: Option<String>,
    pub category: Option<String>,
    pub description: Option<String>,
    pub archived: bool,
    pub created_at: Option<i64>,
    pub updated_at: Option<i64>,
    pub raw: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct TicketStateRecord {
    pub id: String,
    pub category: Option<String>,
    pub internal_label: Option<String>,
    pub external_label: Option<String>,
    pub archived: bool,
    pub raw: String,
}

impl TicketRecord {
    /// Whether Intercom's 500-part cap hid older parts from this fetch (see [`parts_truncated`]).
    pub fn parts_truncated(&self) -> bool {
        parts_truncated(self.parts.len(), self.parts_total, None)
    }
}
