//! The answer shapes shared by the MCP tools and the client library.
//!
//! The MCP server produces these from SQLite; the client library's REST path produces the very same types
//! from Intercom's REST API, so a caller can tell the two apart only by [`crate::client::Source`].
//! Times are Unix seconds (UTC). Ids are strings.

pub mod articles;
pub mod companies;

pub use articles::{ArticleList, ArticlePage, ArticleSummary};
pub use companies::{CompanyContact, CompanyDetail, CompanyList, CompanySummary, CompanyTicket};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub mod filters;
pub use filters::ConversationFilters;
pub mod tickets;
pub use tickets::{
    LinkedObject, TicketDetail, TicketFilters, TicketGroupBy, TicketPage, TicketPart, TicketPartView,
    TicketSearchResult, TicketSummary,
};

/// Where a resource's sync stands. Stored as text in `sync_metadata.status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum SyncState {
    /// No sync has touched it yet.
    Never,
    /// A sync holds the lock and is working on it.
    Running,
    /// The last run succeeded.
    Ok,
    /// The last run finished, but Intercom reports objects the store still lacks (`shortfall`); the next
    /// runs re-read the window to close the gap.
    Incomplete,
    /// The last run failed (`last_error` says why); the data and the last success are kept.
    Error,
    /// Never stored: what a reader reports for `running` when no sync holds the lock any more (the run was
    /// killed or crashed; the next run resumes from its checkpoint).
    Interrupted,
}

impl SyncState {
    pub fn as_str(self) -> &'static str {
        match self {
            SyncState::Never => "never",
            SyncState::Running => "running",
            SyncState::Ok => "ok",
            SyncState::Incomplete => "incomplete",
            SyncState::Error => "error",
            SyncState::Interrupted => "interrupted",
        }
    }

    pub fn parse(s: &str) -> Option<SyncState> {
        Some(match s {
            "never" => SyncState::Never,
            "running" => SyncState::Running,
            "ok" => SyncState::Ok,
            "incomplete" => SyncState::Incomplete,
            "error" => SyncState::Error,
            "interrupted" => SyncState::Interrupted,
            _ => return None,
        })
    }
}

impl std::fmt::Display for SyncState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How fresh the data behind an answer is, from the `sync_metadata` table (and, for the MCP server, the
/// sync's lock file, so a killed sync reads as `interrupted`, not `running`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Freshness {
    /// Where the answer came from: `cache` (the local SQLite copy; the MCP server never calls Intercom).
    #[serde(default = "cache_source")]
    pub source: String,
    /// End of the last successful sync (Unix seconds); None if the cache was never synced.
    pub data_as_of: Option<i64>,
    /// `data_as_of` as ISO-8601 UTC (`2026-12-01T06:30:00Z`).
    #[serde(default)]
    pub data_as_of_utc: Option<String>,
    /// Seconds between `data_as_of` and the moment the answer was produced.
    pub staleness_seconds: Option<i64>,
    /// `staleness_seconds` as people say it ("12 min", "3 h").
    #[serde(default)]
    pub age: Option<String>,
    /// True when the data is older than `max_staleness_seconds` (or was never synced).
    #[serde(default)]
    pub stale: bool,
    /// The staleness allowed for this answer (`max_staleness` argument, else
    /// FASTINTERCOM_MAX_STALENESS_MINUTES, default 60 minutes).
    #[serde(default)]
    pub max_staleness_seconds: Option<i64>,
    /// Status of the last sync run.
    pub sync_status: SyncState,
    /// Objects updated at or after this time are in the cache (Unix seconds).
    pub coverage_start: Option<i64>,
    /// The last sync error, if the last run failed.
    pub last_error: Option<String>,
    /// Why this source answered (`fastintercom proxy`'s cache-or-REST decision); absent from `serve`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

fn cache_source() -> String {
    "cache".into()
}

/// Unix seconds as ISO-8601 UTC (`2026-12-01T06:30:00Z`); None outside chrono's range.
pub fn iso_utc(ts: i64) -> Option<String> {
    chrono::DateTime::from_timestamp(ts, 0).map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
}

/// A reference to a person (admin, team, contact) with the name resolved when known.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PersonRef {
    pub id: String,
    /// admin | team | user | lead | bot | contact
    #[serde(rename = "type")]
    pub kind: String,
    pub name: Option<String>,
    pub email: Option<String>,
}

/// One conversation in a list or search result (no parts).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ConversationSummary {
    pub id: String,
    /// Title, else the opening message's subject, else None.
    pub title: Option<String>,
    /// open | closed | snoozed
    pub state: String,
    pub priority: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub admin_assignee: Option<PersonRef>,
    pub team_assignee: Option<PersonRef>,
    /// The first contact on the conversation.
    pub contact: Option<PersonRef>,
    /// Tag names, sorted.
    pub tags: Vec<String>,
    /// The opening message as plain text, cut to about 200 characters.
    pub snippet: String,
    /// Since when the conversation has waited for a teammate's reply (Unix seconds); None when it is not
    /// waiting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiting_since: Option<i64>,
    /// The customer's rating (CSAT, 1-5), if they gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rating: Option<i64>,
    /// For a full-text search: where it matched best (passage, part, author, time).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matched: Option<SearchMatch>,
}

/// Where a full-text search matched in a conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SearchMatch {
    /// The best-matching passage as plain text, the matched words in «guillemets».
    pub passage: String,
    /// The part the passage is in; None when it is in the title or the opening message.
    pub part_id: Option<String>,
    /// Who wrote that part (or the opening message).
    pub author: Option<PersonRef>,
    /// When that part (or the opening message) was written (Unix seconds).
    pub created_at: Option<i64>,
}

/// One part (reply, note, assignment, close...) of a conversation, as readable text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ConversationPart {
    pub id: String,
    pub part_type: String,
    pub created_at: i64,
    pub author: Option<PersonRef>,
    /// The body with HTML turned into plain text; None for events without a body.
    pub body: Option<String>,
    pub assigned_to: Option<String>,
}

/// A conversation with its opening message and every stored part, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ConversationDetail {
    #[serde(flatten)]
    pub summary: ConversationSummary,
    /// The opening message as plain text.
    pub body: String,
    pub author: Option<PersonRef>,
    pub parts: Vec<ConversationPart>,
    /// True when Intercom's 500-part cap hid older parts from us.
    pub parts_truncated: bool,
}

/// A contact with their most recent conversations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ContactDetail {
    pub id: String,
    pub external_id: Option<String>,
    /// user | lead
    pub role: Option<String>,
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub created_at: Option<i64>,
    pub updated_at: Option<i64>,
    pub last_seen_at: Option<i64>,
    pub tags: Vec<String>,
    /// Most recently updated first.
    pub recent_conversations: Vec<ConversationSummary>,
}

/// Result of a conversation search.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SearchResult {
    pub conversations: Vec<ConversationSummary>,
    /// Pass back as `cursor` to get the next page; None on the last page.
    pub next_cursor: Option<String>,
    /// How many conversations match the query and filters in all, counted up to 1000 (see
    /// `total_is_lower_bound`). None when not counted.
    #[serde(default)]
    pub total: Option<i64>,
    /// True when more conversations match than `total` says ("more than 1000").
    #[serde(default)]
    pub total_is_lower_bound: bool,
}

/// One bucket of a `conversation_stats` answer.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct StatsBucket {
    /// The group key: a state, an admin/team/tag id, a day or week start (YYYY-MM-DD) or a month (YYYY-MM).
    /// "none" for unassigned.
    pub key: String,
    /// A readable name for the key (admin, team or tag name) when there is one.
    pub label: Option<String>,
    pub count: i64,
    /// With `figures`: conversations the customer rated, and their average rating (CSAT, 1-5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rated: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub csat_average: Option<f64>,
    /// With `figures`: seconds from the opening message to the first teammate reply, median and p90.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_response_median_s: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_response_p90_s: Option<i64>,
    /// With `figures`: seconds from the opening message to the first close, median and p90.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_to_close_median_s: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_to_close_p90_s: Option<i64>,
}

/// Counts of conversations in a time window, grouped.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Stats {
    /// state | team | admin | tag | day
    pub group_by: String,
    pub since: Option<i64>,
    pub until: Option<i64>,
    pub total: i64,
    pub buckets: Vec<StatsBucket>,
}

/// One part in a [`ConversationPage`]: the author is a key into the page's `authors`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PartView {
    pub id: String,
    pub part_type: String,
    pub created_at: i64,
    /// Key into `authors` (`type:id`), None for parts without an author.
    pub author: Option<String>,
    /// The body as plain text; None for events without a body.
    pub body: Option<String>,
    /// True when the body was shortened (it ends with a `[truncated…]` marker): ask `get_conversation`
    /// with this part's id as `part_id` for the whole text.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub truncated: bool,
    pub assigned_to: Option<String>,
}

/// A page of one conversation as `get_conversation` answers it: the summary, the opening message (first
/// page only), the parts of this page, and each of their authors once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ConversationPage {
    #[serde(flatten)]
    pub summary: ConversationSummary,
    /// The opening message as plain text; on the first page only (None on later pages).
    pub body: Option<String>,
    /// Key into `authors` of the opening message's author.
    pub author: Option<String>,
    /// Everyone who wrote the opening message or a part on this page, keyed `type:id`.
    pub authors: std::collections::BTreeMap<String, PersonRef>,
    /// `oldest_first` or `newest_first`.
    pub order: String,
    /// Stored parts in the whole conversation.
    pub parts_total: usize,
    /// Position of this page's first part in `order` (0-based).
    pub parts_offset: usize,
    pub parts: Vec<PartView>,
    /// Pass back as `cursor` (with the same `order`) for the next parts; None when this page ends the
    /// conversation.
    pub next_cursor: Option<String>,
    /// True when Intercom's 500-part cap hid older parts from us.
    pub parts_truncated: bool,
}

impl PersonRef {
    /// The key a [`ConversationPage`] lists this person under.
    pub fn key(&self) -> String {
        format!("{}:{}", self.kind, self.id)
    }
}

impl ConversationPage {
    /// The parts of this page with their authors filled in, as [`ConversationDetail`] has them.
    pub fn parts_with_authors(&self) -> Vec<ConversationPart> {
        self.parts
            .iter()
            .map(|p| ConversationPart {
                id: p.id.clone(),
                part_type: p.part_type.clone(),
                created_at: p.created_at,
                author: p.author.as_ref().and_then(|k| self.authors.get(k).cloned()),
                body: p.body.clone(),
                assigned_to: p.assigned_to.clone(),
            })
            .collect()
    }
}

/// One `sync_metadata` row. Times are Unix seconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SyncMeta {
    pub resource: String,
    pub status: SyncState,
    pub last_attempt_start: Option<i64>,
    pub last_attempt_end: Option<i64>,
    pub last_success: Option<i64>,
    pub last_error: Option<String>,
    pub high_water_mark: Option<i64>,
    pub coverage_start: Option<i64>,
    pub coverage_end: Option<i64>,
    pub row_count: i64,
    pub requests: i64,
    pub rate_limited: i64,
    pub duration_ms: Option<i64>,
    pub last_reconcile: Option<i64>,
    pub last_deleted_poll: Option<i64>,
    /// Objects Intercom reports for the covered window that the store lacks after the last check (None:
    /// never checked). Above 0 the status is `incomplete`.
    #[serde(default)]
    pub shortfall: Option<i64>,
    /// Why the last run refused to delete rows Intercom stopped listing (too many at once), if it did.
    #[serde(default)]
    pub deletions_refused: Option<String>,
}

impl SyncMeta {
    /// The resource name of the row that sums up the whole sync.
    pub const OVERALL: &'static str = "overall";
}

/// A teammate (Intercom admin).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AdminInfo {
    pub id: String,
    pub name: Option<String>,
    pub email: Option<String>,
    pub job_title: Option<String>,
    /// True when the admin set themselves away.
    pub away_mode: bool,
    pub has_inbox_seat: bool,
    /// Ids of the teams the admin belongs to.
    pub team_ids: Vec<String>,
}

/// A team (inbox) and its members.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TeamInfo {
    pub id: String,
    pub name: Option<String>,
    pub members: Vec<PersonRef>,
}

/// A tag and how many cached conversations carry it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TagInfo {
    pub id: String,
    pub name: String,
    pub conversation_count: i64,
}

/// Which timestamp a time window applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateField {
    CreatedAt,
    UpdatedAt,
}

impl DateField {
    /// Parse `created_at` / `updated_at` (also `created` / `updated`).
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "created_at" | "created" => Some(DateField::CreatedAt),
            "updated_at" | "updated" => Some(DateField::UpdatedAt),
            _ => None,
        }
    }
}

/// What to group by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    State,
    Team,
    Admin,
    Tag,
    Day,
    /// Weeks starting on Monday, keyed by that Monday (YYYY-MM-DD).
    Week,
    /// Calendar months (YYYY-MM).
    Month,
}

impl GroupBy {
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "state" => Some(GroupBy::State),
            "team" => Some(GroupBy::Team),
            "admin" => Some(GroupBy::Admin),
            "tag" => Some(GroupBy::Tag),
            "day" => Some(GroupBy::Day),
            "week" => Some(GroupBy::Week),
            "month" => Some(GroupBy::Month),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            GroupBy::State => "state",
            GroupBy::Team => "team",
            GroupBy::Admin => "admin",
            GroupBy::Tag => "tag",
            GroupBy::Day => "day",
            GroupBy::Week => "week",
            GroupBy::Month => "month",
        }
    }

    /// Buckets are periods of time (ordered by time, not by count).
    pub fn is_period(self) -> bool {
        matches!(self, GroupBy::Day | GroupBy::Week | GroupBy::Month)
    }

    /// The bucket key of time `t` for a period grouping (None for the others).
    pub fn period_key(self, t: i64) -> Option<String> {
        use chrono::Datelike;
        let d = chrono::DateTime::from_timestamp(t, 0)?.date_naive();
        match self {
            GroupBy::Day => Some(d.format("%Y-%m-%d").to_string()),
            GroupBy::Week => {
                let monday = d - chrono::Days::new(u64::from(d.weekday().num_days_from_monday()));
                Some(monday.format("%Y-%m-%d").to_string())
            }
            GroupBy::Month => Some(d.format("%Y-%m").to_string()),
            _ => None,
        }
    }
}
