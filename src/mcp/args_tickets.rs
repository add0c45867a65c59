//! The ticket tools' arguments (`search_tickets`, `get_ticket`, `ticket_stats`): input schemas with enums,
//! and the checks that turn them into queries, shared by `serve` and `proxy`.

use super::args::{
    check_limit, date_field_schema, enum_schema, limit_schema, max_bytes_schema, max_staleness_schema,
    nonempty, order_schema, parse_cursor, parse_date_field, parse_order, parse_window,
};
use super::budget::{Order, check_budget};
use super::freshness::parse_max_staleness;
use crate::model::{DateField, TicketGroupBy};
use crate::store::read::ticket_stats::TicketStatsQuery;
use crate::store::read::tickets::{TicketFilters, TicketQuery, TicketSort};
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::Deserialize;

/// Ticket state categories.
pub const TICKET_STATES: &[&str] = &["submitted", "in_progress", "waiting_on_customer", "resolved"];
/// Ticket categories (as Intercom names them, case-insensitive).
pub const TICKET_CATEGORIES: &[&str] = &["Customer", "Back-office", "Tracker"];

fn state_schema(_: &mut SchemaGenerator) -> Schema {
    enum_schema(TICKET_STATES)
}
fn category_schema(_: &mut SchemaGenerator) -> Schema {
    enum_schema(TICKET_CATEGORIES)
}
fn sort_schema(_: &mut SchemaGenerator) -> Schema {
    enum_schema(TicketSort::NAMES)
}
fn group_by_schema(_: &mut SchemaGenerator) -> Schema {
    enum_schema(TicketGroupBy::NAMES)
}

/// The filters `search_tickets` and `ticket_stats` share.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct TicketFilterArgs {
    /// Only tickets whose state is in this category.
    #[serde(default)]
    #[schemars(schema_with = "state_schema")]
    pub state: Option<String>,
    /// Only tickets of this category: `Customer` (customer requests), `Back-office` (internal tasks) or
    /// `Tracker` (tracked issues).
    #[serde(default)]
    #[schemars(schema_with = "category_schema")]
    pub category: Option<String>,
    /// Only tickets of this type: its id or name (case-insensitive), e.g. `Bug report`.
    #[serde(default, deserialize_with = "super::ids::opt_id")]
    #[schemars(schema_with = "super::ids::opt_id_schema")]
    pub ticket_type: Option<String>,
    /// Only tickets assigned to this admin id (`none` = no admin assigned). See `list_admins`.
    #[serde(default, deserialize_with = "super::ids::opt_id")]
    #[schemars(schema_with = "super::ids::opt_id_schema")]
    pub admin_id: Option<String>,
    /// Only tickets assigned to this team id (`none` = no team), e.g. engineering's. See `list_teams`.
    #[serde(default, deserialize_with = "super::ids::opt_id")]
    #[schemars(schema_with = "super::ids::opt_id_schema")]
    pub team_id: Option<String>,
    /// Only tickets with this contact: a contact id, or an email address.
    #[serde(default, deserialize_with = "super::ids::opt_id")]
    #[schemars(schema_with = "super::ids::opt_id_schema")]
    pub contact: Option<String>,
    /// Only tickets with a contact of this company: Intercom's company id, the workspace's own
    /// `company_id`, or the company's name (case-insensitive).
    #[serde(default, deserialize_with = "super::ids::opt_id")]
    #[schemars(schema_with = "super::ids::opt_id_schema")]
    pub company: Option<String>,
    /// true: only open tickets (not resolved); false: only closed ones.
    #[serde(default)]
    pub open: Option<bool>,
}

fn one_of(name: &str, v: Option<String>, allowed: &[&str]) -> Result<Option<String>, String> {
    let Some(s) = nonempty(v) else {
        return Ok(None);
    };
    match allowed.iter().find(|a| a.eq_ignore_ascii_case(&s)) {
        Some(a) => Ok(Some((*a).to_string())),
        None => Err(format!("bad `{name}` {s:?}: use one of {}", allowed.join(", "))),
    }
}

impl TicketFilterArgs {
    /// The checked filters.
    pub fn check(self) -> Result<TicketFilters, String> {
        Ok(TicketFilters {
            state: one_of("state", self.state, TICKET_STATES)?,
            category: one_of("category", self.category, TICKET_CATEGORIES)?,
            ticket_type: nonempty(self.ticket_type),
            admin_id: nonempty(self.admin_id),
            team_id: nonempty(self.team_id),
            contact: nonempty(self.contact),
            company: nonempty(self.company),
            open: self.open,
        })
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(extend("additionalProperties" = false))]
pub struct SearchTicketsArgs {
    /// Full-text words to look for in ticket titles, descriptions and parts (all words must match; at
    /// most the first 16 distinct words are used, with a note). Omit to list by filters only.
    #[serde(default)]
    pub query: Option<String>,
    /// Start of the time window: YYYY-MM-DD, Unix seconds, RFC 3339, or relative like `7d`, `24h`, `2w`.
    #[serde(default)]
    pub since: Option<String>,
    /// End of the time window (exclusive), same forms as `since`; must be after `since`.
    #[serde(default)]
    pub until: Option<String>,
    /// Which timestamp the window applies to: `updated_at` (default, last activity) or `created_at`.
    #[serde(default)]
    #[schemars(schema_with = "date_field_schema")]
    pub date_field: Option<String>,
    #[serde(flatten)]
    pub filters: TicketFilterArgs,
    /// `relevance` (default with a query), `updated_desc` (default without), `updated_asc`, `created_desc`.
    #[serde(default)]
    #[schemars(schema_with = "sort_schema")]
    pub sort: Option<String>,
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

/// `search_tickets`' arguments, checked.
#[derive(Debug)]
pub struct TicketSearchAsk {
    pub query: TicketQuery,
    /// Whether the caller asked for a sort (else relevance with words, most recent without).
    pub sort_given: bool,
    pub notes: Vec<String>,
    pub budget: usize,
    pub max_staleness: Option<i64>,
}

impl SearchTicketsArgs {
    pub fn checked(self, now: i64) -> Result<TicketSearchAsk, String> {
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
        let sort_given = nonempty(self.sort.clone()).is_some();
        let sort = match one_of("sort", self.sort, TicketSort::NAMES)? {
            None if text.is_some() => TicketSort::Relevance,
            None => TicketSort::UpdatedDesc,
            Some(s) => TicketSort::parse(&s).ok_or("unreachable: sort names are checked")?,
        };
        let (since, until) = parse_window(self.since, self.until, now)?;
        Ok(TicketSearchAsk {
            query: TicketQuery {
                text,
                since,
                until,
                date_field: parse_date_field(self.date_field, DateField::UpdatedAt)?,
                filters: self.filters.check()?,
                sort,
                limit,
                offset: parse_cursor(self.cursor)?,
            },
            sort_given,
            notes,
            budget,
            max_staleness: parse_max_staleness(self.max_staleness, now)?,
        })
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetTicketArgs {
    /// The ticket's API id (`id` in search results, e.g. `600000123`). The cache also finds a ticket by the
    /// number the inbox shows (`ticket_id`, e.g. `1042` or `#1042`) when no ticket has that API id.
    #[serde(deserialize_with = "super::ids::id")]
    #[schemars(schema_with = "super::ids::id_schema")]
    pub id: String,
    /// `oldest_first` (default: the ticket as it happened) or `newest_first` (the latest parts first).
    #[serde(default)]
    #[schemars(schema_with = "order_schema")]
    pub order: Option<String>,
    /// `next_cursor` from the previous page of this ticket (same `order`), for the next parts.
    #[serde(default)]
    pub cursor: Option<String>,
    /// One part's id: answer only that part, its body whole (up to 30,000 characters) instead of cut at
    /// 4,000 characters; or `description` for the ticket's whole description (no parts).
    #[serde(default, deserialize_with = "super::ids::opt_id")]
    #[schemars(schema_with = "super::ids::opt_id_schema")]
    pub part_id: Option<String>,
    /// Answer budget in bytes of JSON text: default 32768 (about 8k tokens), from 4096 up to a hard cap of
    /// 131072. Parts stop at the budget with `next_cursor`.
    #[serde(default)]
    #[schemars(schema_with = "max_bytes_schema")]
    pub max_bytes: Option<u64>,
    /// Staleness allowed for this answer before it is flagged `stale`, with a note: minutes (e.g. 30) or
    /// a duration like `30m`, `2h`, `1d`. Default: the server's FASTINTERCOM_MAX_STALENESS_MINUTES (60).
    #[serde(default, deserialize_with = "super::ids::opt_id")]
    #[schemars(schema_with = "max_staleness_schema")]
    pub max_staleness: Option<String>,
}

/// `get_ticket`'s arguments, checked.
#[derive(Debug)]
pub struct TicketAsk {
    pub id: String,
    pub notes: Vec<String>,
    pub budget: usize,
    pub order: Order,
    pub offset: usize,
    pub part_id: Option<String>,
    pub max_staleness: Option<i64>,
}

impl GetTicketArgs {
    pub fn checked(&self, now: i64) -> Result<TicketAsk, String> {
        let id = self.id.trim().to_string();
        if id.is_empty() {
            return Err("`id` is empty".into());
        }
        let mut notes = Vec::new();
        let budget = check_budget(self.max_bytes, &mut notes)?;
        Ok(TicketAsk {
            id,
            budget,
            order: parse_order(self.order.clone())?,
            offset: parse_cursor(self.cursor.clone())?,
            part_id: nonempty(self.part_id.clone()),
            max_staleness: parse_max_staleness(self.max_staleness.clone(), now)?,
            notes,
        })
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(extend("additionalProperties" = false))]
pub struct TicketStatsArgs {
    /// Start of the window: YYYY-MM-DD, Unix seconds, RFC 3339, or relative like `7d`. Omit for all time.
    #[serde(default)]
    pub since: Option<String>,
    /// End of the window (exclusive), same forms; must be after `since`. Omit for up to now.
    #[serde(default)]
    pub until: Option<String>,
    /// Which timestamp the window applies to: `created_at` (default) or `updated_at`.
    #[serde(default)]
    #[schemars(schema_with = "date_field_schema")]
    pub date_field: Option<String>,
    /// Group counts by `state` (default: the state category), `category`, `type` (ticket type), `team`,
    /// `admin`, or by `day`, `week` (starting Monday) or `month` (at most 400 buckets, with a note).
    #[serde(default)]
    #[schemars(schema_with = "group_by_schema")]
    pub group_by: Option<String>,
    #[serde(flatten)]
    pub filters: TicketFilterArgs,
    /// Staleness allowed for this answer before it is flagged `stale`, with a note: minutes (e.g. 30) or
    /// a duration like `30m`, `2h`, `1d`. Default: the server's FASTINTERCOM_MAX_STALENESS_MINUTES (60).
    #[serde(default, deserialize_with = "super::ids::opt_id")]
    #[schemars(schema_with = "max_staleness_schema")]
    pub max_staleness: Option<String>,
}

impl TicketStatsArgs {
    /// The checked query and the call's `max_staleness` in seconds.
    pub fn checked(self, now: i64) -> Result<(TicketStatsQuery, Option<i64>), String> {
        let group_by = match one_of("group_by", self.group_by, TicketGroupBy::NAMES)? {
            None => TicketGroupBy::State,
            Some(g) => TicketGroupBy::parse(&g).ok_or("unreachable: group_by names are checked")?,
        };
        let (since, until) = parse_window(self.since, self.until, now)?;
        Ok((
            TicketStatsQuery {
                since,
                until,
                date_field: parse_date_field(self.date_field, DateField::CreatedAt)?,
                group_by,
                filters: self.filters.check()?,
            },
            parse_max_staleness(self.max_staleness, now)?,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn enums_and_windows_are_checked() {
        let now = 1_800_000_000;
        let a: SearchTicketsArgs =
            serde_json::from_value(json!({"state": "In_Progress", "category": "back-office"})).unwrap();
        let q = a.checked(now).unwrap().query;
        assert_eq!(q.filters.state.as_deref(), Some("in_progress"));
        assert_eq!(q.filters.category.as_deref(), Some("Back-office"));
        assert_eq!(q.sort, TicketSort::UpdatedDesc);
        let bad: SearchTicketsArgs = serde_json::from_value(json!({"state": "open"})).unwrap();
        assert!(bad.checked(now).unwrap_err().contains("submitted, in_progress"));
        let inverted: SearchTicketsArgs =
            serde_json::from_value(json!({"since": "7d", "until": "30d"})).unwrap();
        assert!(inverted.checked(now).unwrap_err().starts_with("inverted window"));
        let s: TicketStatsArgs = serde_json::from_value(json!({"group_by": "weekday"})).unwrap();
        assert!(s.checked(now).unwrap_err().contains("state, category, type"));
        assert!(serde_json::from_value::<GetTicketArgs>(json!({"id": 1, "x": 2})).is_err());
    }
}
