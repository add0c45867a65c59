//! Tool arguments: their input schemas (schemars, with enums and ranges an assistant can read), and the
//! checks that turn them into queries. Unknown fields are refused (see [`unknown_fields`]); bad values,
//! inverted or empty windows and out-of-range limits are refused with a one-line reason.

use crate::model::ConversationFilters;
use crate::model::DateField;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::Deserialize;

/// Default and maximum page sizes.
pub const DEFAULT_LIMIT: u64 = 20;
pub const MAX_LIMIT: u64 = 100;

pub const STATES: &[&str] = &["open", "closed", "snoozed"];
pub const SORTS: &[&str] = &[
    "relevance",
    "updated_desc",
    "updated_asc",
    "created_desc",
    "waiting_longest",
];
pub const GROUP_BYS: &[&str] = &["state", "team", "admin", "tag", "day", "week", "month"];
pub const DATE_FIELDS: &[&str] = &["created_at", "updated_at"];

pub(crate) fn enum_schema(values: &[&str]) -> Schema {
    json_schema!({"type": "string", "enum": values})
}
fn state_schema(_: &mut SchemaGenerator) -> Schema {
    enum_schema(STATES)
}
fn sort_schema(_: &mut SchemaGenerator) -> Schema {
    enum_schema(SORTS)
}
fn group_by_schema(_: &mut SchemaGenerator) -> Schema {
    enum_schema(GROUP_BYS)
}
pub(crate) fn date_field_schema(_: &mut SchemaGenerator) -> Schema {
    enum_schema(DATE_FIELDS)
}
pub(crate) fn max_staleness_schema(_: &mut SchemaGenerator) -> Schema {
    json_schema!({"type": ["string", "integer"], "examples": ["30m", "2h", 90]})
}
pub(crate) fn order_schema(_: &mut SchemaGenerator) -> Schema {
    enum_schema(super::budget::Order::NAMES)
}
pub(crate) fn max_bytes_schema(_: &mut SchemaGenerator) -> Schema {
    use super::budget::{DEFAULT_BUDGET, HARD_CAP, MIN_BUDGET};
    json_schema!({"type": "integer", "minimum": MIN_BUDGET, "maximum": HARD_CAP, "default": DEFAULT_BUDGET})
}
pub const SLA_STATUSES: &[&str] = &["hit", "missed", "cleared", "active"];
fn sla_schema(_: &mut SchemaGenerator) -> Schema {
    enum_schema(SLA_STATUSES)
}
fn rating_schema(_: &mut SchemaGenerator) -> Schema {
    json_schema!({"type": "integer", "minimum": 1, "maximum": 5})
}
pub(crate) fn limit_schema(_: &mut SchemaGenerator) -> Schema {
    json_schema!({"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT})
}

/// The filters `search_conversations` and `conversation_stats` share, as the tools take them: the input
/// schema of [`ConversationFilters`] (same names), unchecked; [`FilterArgs::check`] gives the filters.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct FilterArgs {
    /// Only conversations in this state.
    #[serde(default)]
    #[schemars(schema_with = "state_schema")]
    pub state: Option<String>,
    /// Only conversations assigned to this admin id (`none` = no admin assigned). See `list_admins`.
    #[serde(default, deserialize_with = "super::ids::opt_id")]
    #[schemars(schema_with = "super::ids::opt_id_schema")]
    pub admin_id: Option<String>,
    /// Only conversations assigned to this team id (`none` = no team). See `list_teams`.
    #[serde(default, deserialize_with = "super::ids::opt_id")]
    #[schemars(schema_with = "super::ids::opt_id_schema")]
    pub team_id: Option<String>,
    /// Only conversations with this tag (tag name, case-insensitive, or tag id). See `list_tags`.
    #[serde(default, deserialize_with = "super::ids::opt_id")]
    #[schemars(schema_with = "super::ids::opt_id_schema")]
    pub tag: Option<String>,
    /// Only conversations with the contact having this email address.
    #[serde(default)]
    pub contact_email: Option<String>,
    /// Only conversations with this priority (as Intercom stores it, case-insensitive: e.g. `priority`,
    /// `not_priority`, or `urgent`, `high`, `medium`, `low`, `none`).
    #[serde(default)]
    pub priority: Option<String>,
    /// true: only conversations waiting for a teammate's reply (unanswered); false: only those not waiting.
    #[serde(default)]
    pub waiting: Option<bool>,
    /// Only conversations the customer rated at least this (CSAT, 1-5).
    #[serde(default)]
    #[schemars(schema_with = "rating_schema")]
    pub min_rating: Option<i64>,
    /// Only conversations the customer rated at most this (CSAT, 1-5).
    #[serde(default)]
    #[schemars(schema_with = "rating_schema")]
    pub max_rating: Option<i64>,
    /// Only conversations started on this channel (Intercom's `source.type`, e.g. `conversation`, `email`,
    /// `push`, `facebook`, `twitter`).
    #[serde(default)]
    pub channel: Option<String>,
    /// Only conversations whose custom attribute equals a value: `name=value` (value case-insensitive),
    /// e.g. `Plan=enterprise`. Reads each candidate's stored JSON: combine with a window or filter.
    #[serde(default)]
    pub custom_attribute: Option<String>,
    /// Only conversations whose applied SLA has this status.
    #[serde(default)]
    #[schemars(schema_with = "sla_schema")]
    pub sla_status: Option<String>,
    /// true: only conversations Fin (Intercom's AI agent) took part in; false: only the others.
    #[serde(default)]
    pub ai_participated: Option<bool>,
}

impl FilterArgs {
    /// The checked filters.
    pub fn check(self) -> Result<ConversationFilters, String> {
        Ok(ConversationFilters {
            state: parse_state(self.state)?,
            admin_id: nonempty(self.admin_id),
            team_id: nonempty(self.team_id),
            tag: nonempty(self.tag),
            contact_email: nonempty(self.contact_email),
            priority: nonempty(self.priority),
            waiting: self.waiting,
            min_rating: check_rating("min_rating", self.min_rating)?,
            max_rating: check_rating("max_rating", self.max_rating)?,
            channel: nonempty(self.channel),
            custom_attribute: parse_attribute(self.custom_attribute)?,
            sla_status: parse_sla(self.sla_status)?,
            ai_participated: self.ai_participated,
        })
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(extend("additionalProperties" = false))]
pub struct SearchConversationsArgs {
    /// Full-text words to look for in titles, messages and replies (all words must match; punctuation
    /// and search operators are treated as plain text; repeated words are ignored and at most the first 16
    /// distinct words are used, with a note). Omit or leave empty to list by filters only.
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
    pub filters: FilterArgs,
    /// `relevance` (default with a query), `updated_desc` (default without), `updated_asc`, `created_desc`,
    /// `waiting_longest` (waiting for a reply longest first).
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

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetConversationArgs {
    /// The conversation id (as in search results).
    #[serde(deserialize_with = "super::ids::id")]
    #[schemars(schema_with = "super::ids::id_schema")]
    pub conversation_id: String,
    /// `oldest_first` (default: the thread as it happened) or `newest_first` (the latest replies first).
    #[serde(default)]
    #[schemars(schema_with = "order_schema")]
    pub order: Option<String>,
    /// `next_cursor` from the previous page of this conversation (same `order`), for the next parts.
    #[serde(default)]
    pub cursor: Option<String>,
    /// One part's id: answer only that part, its body whole (up to 30,000 characters) instead of cut at
    /// 4,000 characters.
    #[serde(default, deserialize_with = "super::ids::opt_id")]
    #[schemars(schema_with = "super::ids::opt_id_schema")]
    pub part_id: Option<String>,
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

/// `get_conversation`'s arguments, checked once for both servers that answer it (`serve`, `proxy`).
#[derive(Debug)]
pub struct ConversationAsk {
    pub id: String,
    /// Notes the checks made (e.g. a budget raised to its minimum).
    pub notes: Vec<String>,
    pub budget: usize,
    pub order: super::budget::Order,
    pub offset: usize,
    pub part_id: Option<String>,
    pub max_staleness: Option<i64>,
}

impl GetConversationArgs {
    /// Check every argument; the first bad one is the error, in words for the assistant.
    pub fn checked(&self, now: i64) -> Result<ConversationAsk, String> {
        let id = self.conversation_id.trim().to_string();
        if id.is_empty() {
            return Err("`conversation_id` is empty".into());
        }
        let mut notes = Vec::new();
        let budget = super::budget::check_budget(self.max_bytes, &mut notes)?;
        Ok(ConversationAsk {
            id,
            budget,
            order: parse_order(self.order.clone())?,
            offset: parse_cursor(self.cursor.clone())?,
            part_id: nonempty(self.part_id.clone()),
            max_staleness: super::freshness::parse_max_staleness(self.max_staleness.clone(), now)?,
            notes,
        })
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetContactArgs {
    /// The contact id. Give this or `email`.
    #[serde(default, deserialize_with = "super::ids::opt_id")]
    #[schemars(schema_with = "super::ids::opt_id_schema")]
    pub contact_id: Option<String>,
    /// The contact's email address (case-insensitive). Give this or `contact_id`.
    #[serde(default)]
    pub email: Option<String>,
    /// Staleness allowed for this answer before it is flagged `stale`, with a note: minutes (e.g. 30) or
    /// a duration like `30m`, `2h`, `1d`. Default: the server's FASTINTERCOM_MAX_STALENESS_MINUTES (60).
    #[serde(default, deserialize_with = "super::ids::opt_id")]
    #[schemars(schema_with = "max_staleness_schema")]
    pub max_staleness: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SearchContactsArgs {
    /// Text contained in the contact's name or email address (case-insensitive).
    pub query: String,
    /// Results, default 20, at most 100.
    #[serde(default)]
    #[schemars(schema_with = "limit_schema")]
    pub limit: Option<u64>,
    /// Also list each contact's 3 most recently updated conversations (default false: contacts only).
    #[serde(default)]
    pub include_conversations: Option<bool>,
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

#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(extend("additionalProperties" = false))]
pub struct ConversationStatsArgs {
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
    /// Group counts by `state` (default), `team`, `admin`, `tag`, or by `day`, `week` (starting Monday) or
    /// `month` (at most 400 buckets, with a note when there are more).
    #[serde(default)]
    #[schemars(schema_with = "group_by_schema")]
    pub group_by: Option<String>,
    #[serde(flatten)]
    pub filters: FilterArgs,
    /// Also give per bucket: CSAT (`rated`, `csat_average`) and response times in seconds (median and p90
    /// first response, median and p90 time to close). Slower on large windows.
    #[serde(default)]
    pub figures: Option<bool>,
    /// Staleness allowed for this answer before it is flagged `stale`, with a note: minutes (e.g. 30) or
    /// a duration like `30m`, `2h`, `1d`. Default: the server's FASTINTERCOM_MAX_STALENESS_MINUTES (60).
    #[serde(default, deserialize_with = "super::ids::opt_id")]
    #[schemars(schema_with = "max_staleness_schema")]
    pub max_staleness: Option<String>,
}

/// The arguments of a tool that only reads (lists, sync status): just the freshness it needs.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FreshnessArgs {
    /// Staleness allowed for this answer before it is flagged `stale`, with a note: minutes (e.g. 30) or
    /// a duration like `30m`, `2h`, `1d`. Default: the server's FASTINTERCOM_MAX_STALENESS_MINUTES (60).
    #[serde(default, deserialize_with = "super::ids::opt_id")]
    #[schemars(schema_with = "max_staleness_schema")]
    pub max_staleness: Option<String>,
}

/// A one-line reason when `args` has a field the tool's input schema does not declare, naming the valid
/// ones. Checked before the arguments are read, so a misspelt filter is never silently ignored.
pub fn unknown_fields(
    tool: &str,
    schema: &serde_json::Map<String, serde_json::Value>,
    args: Option<&serde_json::Map<String, serde_json::Value>>,
) -> Option<String> {
    let props = schema.get("properties").and_then(|p| p.as_object());
    let known = |k: &str| props.is_some_and(|p| p.contains_key(k));
    let unknown: Vec<&str> = args?.keys().map(String::as_str).filter(|k| !known(k)).collect();
    if unknown.is_empty() {
        return None;
    }
    let mut valid: Vec<&str> = props
        .map(|p| p.keys().map(String::as_str).collect())
        .unwrap_or_default();
    valid.sort_unstable();
    let list = |v: &[&str]| v.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ");
    let valid = if valid.is_empty() {
        "it takes no arguments".to_string()
    } else {
        format!("its arguments are {}", list(&valid))
    };
    Some(format!(
        "unknown argument{} {} for {tool}: {valid}",
        if unknown.len() == 1 { "" } else { "s" },
        list(&unknown)
    ))
}

pub fn nonempty(s: Option<String>) -> Option<String> {
    s.map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
}

fn parse_when(name: &str, v: Option<String>, now: i64) -> Result<Option<i64>, String> {
    nonempty(v)
        .map(|s| crate::timespec::parse_time(&s, now).map_err(|e| format!("bad `{name}`: {e}")))
        .transpose()
}

/// `since` and `until` read and checked: an inverted or empty window is refused.
pub fn parse_window(
    since: Option<String>,
    until: Option<String>,
    now: i64,
) -> Result<(Option<i64>, Option<i64>), String> {
    let since = parse_when("since", since, now)?;
    let until = parse_when("until", until, now)?;
    if let (Some(s), Some(u)) = (since, until)
        && s >= u
    {
        let (fs, fu) = (crate::timespec::fmt_time(s), crate::timespec::fmt_time(u));
        let what = if s == u { "empty" } else { "inverted" };
        return Err(format!(
            "{what} window: `since` ({fs}) must be before `until` ({fu}); relative times count back from \
             now, so the larger one (e.g. 30d) is the earlier `since`"
        ));
    }
    Ok((since, until))
}

pub(super) fn one_of(name: &str, v: Option<String>, allowed: &[&str]) -> Result<Option<String>, String> {
    match nonempty(v).map(|s| s.to_ascii_lowercase()) {
        Some(s) if !allowed.contains(&s.as_str()) => {
            Err(format!("bad `{name}` {s:?}: use one of {}", allowed.join(", ")))
        }
        other => Ok(other),
    }
}

pub fn parse_state(v: Option<String>) -> Result<Option<String>, String> {
    one_of("state", v, STATES)
}

pub fn parse_sort(v: Option<String>) -> Result<Option<String>, String> {
    one_of("sort", v, SORTS)
}

pub fn parse_group_by(v: Option<String>) -> Result<Option<String>, String> {
    one_of("group_by", v, GROUP_BYS)
}

pub fn parse_order(v: Option<String>) -> Result<super::budget::Order, String> {
    use super::budget::Order;
    Ok(one_of("order", v, Order::NAMES)?
        .and_then(|o| Order::parse(&o))
        .unwrap_or(Order::OldestFirst))
}

/// A `cursor` argument: the offset it carries, 0 when absent.
pub fn parse_cursor(v: Option<String>) -> Result<usize, String> {
    match nonempty(v) {
        None => Ok(0),
        Some(c) => crate::answer::decode_cursor(&c).ok_or_else(|| {
            "bad `cursor`: it is not one this server made (or its offset is out of range): pass back \
             `next_cursor` exactly as given, or omit it for the first page"
                .to_string()
        }),
    }
}

pub fn parse_date_field(v: Option<String>, default: DateField) -> Result<DateField, String> {
    match nonempty(v) {
        None => Ok(default),
        Some(s) => DateField::parse(&s)
            .ok_or_else(|| format!("bad `date_field` {s:?}: use one of {}", DATE_FIELDS.join(", "))),
    }
}

pub fn parse_sla(v: Option<String>) -> Result<Option<String>, String> {
    one_of("sla_status", v, SLA_STATUSES)
}

/// A `custom_attribute` argument: `name=value`.
pub fn parse_attribute(v: Option<String>) -> Result<Option<(String, String)>, String> {
    let Some(s) = nonempty(v) else {
        return Ok(None);
    };
    match s.split_once('=') {
        Some((k, val)) if !k.trim().is_empty() => Ok(Some((k.trim().to_string(), val.trim().to_string()))),
        _ => Err(format!(
            "bad `custom_attribute` {s:?}: write name=value, e.g. Plan=enterprise"
        )),
    }
}

/// A rating bound in 1..=5.
pub fn check_rating(name: &str, v: Option<i64>) -> Result<Option<i64>, String> {
    match v {
        Some(r) if !(1..=5).contains(&r) => Err(format!("bad `{name}` {r}: ratings are 1 to 5")),
        other => Ok(other),
    }
}

/// A page size in 1..=MAX_LIMIT: 0 is refused, larger values are reduced (with a note).
pub fn check_limit(limit: Option<u64>, notes: &mut Vec<String>) -> Result<usize, String> {
    match limit {
        None => Ok(DEFAULT_LIMIT as usize),
        Some(0) => Err(format!(
            "bad `limit` 0: give 1 to {MAX_LIMIT} (default {DEFAULT_LIMIT})"
        )),
        Some(n) if n > MAX_LIMIT => {
            notes.push(format!("limit {n} was reduced to the maximum of {MAX_LIMIT}"));
            Ok(MAX_LIMIT as usize)
        }
        Some(n) => Ok(n as usize),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn unknown_fields_name_the_valid_ones() {
        let schema = json!({"type": "object", "properties": {"query": {}, "state": {}}});
        let schema = schema.as_object().unwrap();
        let args = json!({"status": "closed", "query": "x"});
        let msg = unknown_fields("search_conversations", schema, args.as_object()).unwrap();
        assert_eq!(
            msg,
            "unknown argument `status` for search_conversations: its arguments are `query`, `state`"
        );
        assert_eq!(unknown_fields("t", schema, json!({"query": 1}).as_object()), None);
        assert_eq!(unknown_fields("t", schema, None), None);
        let none = json!({"type": "object"});
        let msg = unknown_fields(
            "list_tags",
            none.as_object().unwrap(),
            json!({"a": 1, "b": 2}).as_object(),
        );
        assert_eq!(
            msg.unwrap(),
            "unknown arguments `a`, `b` for list_tags: it takes no arguments"
        );
    }

    #[test]
    fn windows_must_not_be_inverted_or_empty() {
        let now = 1_800_000_000;
        let w = |s: &str, u: &str| parse_window(Some(s.into()), Some(u.into()), now);
        assert!(w("7d", "30d").unwrap_err().starts_with("inverted window"));
        assert!(
            w("2026-01-01", "2026-01-01")
                .unwrap_err()
                .starts_with("empty window")
        );
        assert_eq!(
            w("30d", "7d").unwrap(),
            (Some(now - 30 * 86_400), Some(now - 7 * 86_400))
        );
        assert_eq!(parse_window(None, Some("7d".into()), now).unwrap().0, None);
    }

    #[test]
    fn limits_and_enums_are_checked() {
        let mut notes = Vec::new();
        assert!(check_limit(Some(0), &mut notes).unwrap_err().contains("1 to 100"));
        assert_eq!(check_limit(Some(500), &mut notes), Ok(100));
        assert_eq!(notes.len(), 1);
        assert_eq!(parse_state(Some(" Open ".into())), Ok(Some("open".into())));
        assert!(
            parse_sort(Some("random".into()))
                .unwrap_err()
                .contains("relevance")
        );
        assert!(
            parse_group_by(Some("weekday".into()))
                .unwrap_err()
                .contains("state, team")
        );
    }
}
