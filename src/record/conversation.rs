//! A conversation and its parts, normalized.

use super::parts_truncated;

/// One conversation as the store keeps it. `parts` is what the last `GET /conversations/{id}` returned.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConversationRecord {
    pub id: String,
    pub title: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub state: String,
    pub open: bool,
    pub read: bool,
    pub priority: Option<String>,
    /// None when unassigned (Intercom sends 0).
    pub admin_assignee_id: Option<String>,
    pub team_assignee_id: Option<String>,
    pub waiting_since: Option<i64>,
    pub snoozed_until: Option<i64>,
    pub source_type: Option<String>,
    pub source_subject: Option<String>,
    pub source_body: Option<String>,
    pub source_author_type: Option<String>,
    pub source_author_id: Option<String>,
    pub source_author_name: Option<String>,
    pub source_author_email: Option<String>,
    pub contact_ids: Vec<String>,
    /// (tag id, tag name)
    pub tags: Vec<(String, String)>,
    pub rating: Option<i64>,
    /// False for a list/search item: parts, parts_* columns are left alone.
    pub with_parts: bool,
    pub parts: Vec<PartRecord>,
    /// `conversation_parts.total_count` as sent.
    pub parts_total: Option<i64>,
    /// `statistics.count_conversation_parts` (counts the opening message too).
    pub stats_parts: Option<i64>,
    /// The conversation JSON without `conversation_parts`.
    pub raw: String,
    /// Optional: the FTS body (plain text of the source body, then each incoming part's body, one per
    /// line) computed by the caller off the writer thread. Used only when the incoming parts are all the
    /// parts stored; otherwise the body is rebuilt from the stored parts.
    pub fts_body: Option<String>,
}

/// One conversation part.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PartRecord {
    pub id: String,
    pub part_type: String,
    pub body: Option<String>,
    pub created_at: i64,
    pub updated_at: Option<i64>,
    pub author_type: Option<String>,
    pub author_id: Option<String>,
    pub author_name: Option<String>,
    pub author_email: Option<String>,
    pub assigned_to_id: Option<String>,
    pub state: Option<String>,
    pub redacted: bool,
}

impl ConversationRecord {
    /// Whether Intercom's 500-part cap hid older parts from this fetch (see [`parts_truncated`]).
    pub fn parts_truncated(&self) -> bool {
        parts_truncated(self.parts.len(), self.parts_total, self.stats_parts)
    }
}
