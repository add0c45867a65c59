//! The arguments of `search_conversations` and `conversation_stats` checked once, for both servers that
//! answer them (`serve` from the cache, `proxy` from the cache or REST): the first bad argument is the
//! error, in words for the assistant; what is left is the question, typed.

use super::args::{
    ConversationStatsArgs, SearchConversationsArgs, check_limit, nonempty, parse_cursor, parse_date_field,
    parse_group_by, parse_sort, parse_window,
};
use super::freshness::parse_max_staleness;
use crate::model::{ConversationFilters, DateField, GroupBy};

/// A checked `search_conversations` call (its answer budget is the cache's business: see
/// [`super::budget::check_budget`]).
#[derive(Debug)]
pub struct SearchAsk {
    /// The words to find, if any (trimmed, not empty).
    pub text: Option<String>,
    /// Page size, in 1..=[`super::args::MAX_LIMIT`].
    pub limit: usize,
    /// Notes the checks made (a limit reduced to the maximum).
    pub notes: Vec<String>,
    /// The sort's checked name, if one was given.
    pub sort: Option<String>,
    /// The offset the cursor carries (0 without one); `cursor_given` says whether there was one.
    pub offset: usize,
    pub cursor_given: bool,
    pub since: Option<i64>,
    pub until: Option<i64>,
    /// Default `updated_at`.
    pub date_field: DateField,
    pub filters: ConversationFilters,
    /// Seconds the caller allows, if it said.
    pub max_staleness: Option<i64>,
}

impl SearchConversationsArgs {
    /// Check every argument but `max_bytes`.
    pub fn checked(self, now: i64) -> Result<SearchAsk, String> {
        let mut notes = Vec::new();
        let limit = check_limit(self.limit, &mut notes)?;
        let sort = parse_sort(self.sort)?;
        let cursor = nonempty(self.cursor);
        let cursor_given = cursor.is_some();
        let offset = parse_cursor(cursor)?;
        let (since, until) = parse_window(self.since, self.until, now)?;
        Ok(SearchAsk {
            text: nonempty(self.query),
            limit,
            notes,
            sort,
            offset,
            cursor_given,
            since,
            until,
            date_field: parse_date_field(self.date_field, DateField::UpdatedAt)?,
            filters: self.filters.check()?,
            max_staleness: parse_max_staleness(self.max_staleness, now)?,
        })
    }
}

/// A checked `conversation_stats` call.
#[derive(Debug)]
pub struct StatsAsk {
    pub since: Option<i64>,
    pub until: Option<i64>,
    /// Default `created_at`.
    pub date_field: DateField,
    /// Default `state`.
    pub group_by: GroupBy,
    pub filters: ConversationFilters,
    /// CSAT and response times per bucket asked for.
    pub figures: bool,
    /// Seconds the caller allows, if it said.
    pub max_staleness: Option<i64>,
}

impl ConversationStatsArgs {
    /// Check every argument.
    pub fn checked(self, now: i64) -> Result<StatsAsk, String> {
        let group_by = match parse_group_by(self.group_by)? {
            None => GroupBy::State,
            Some(g) => GroupBy::parse(&g).ok_or("unreachable: group_by names are checked")?,
        };
        let (since, until) = parse_window(self.since, self.until, now)?;
        Ok(StatsAsk {
            since,
            until,
            date_field: parse_date_field(self.date_field, DateField::CreatedAt)?,
            group_by,
            filters: self.filters.check()?,
            figures: self.figures.unwrap_or(false),
            max_staleness: parse_max_staleness(self.max_staleness, now)?,
        })
    }
}
