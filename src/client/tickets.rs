//! Tickets through the client library: [`TicketSearchRequest`], [`TicketStatsRequest`] and the
//! [`Client`] methods that answer them (and one ticket by id) from the cache or REST, with the same
//! decision as conversations. Tickets are synced whole (no coverage window), so only the cache's age and
//! whether it holds the ticket decide; a window never sends a ticket question to REST by itself.

use super::{Answer, CacheAnswer, CallOptions, Client, ClientError, check_window};
use crate::model::{DateField, Stats, TicketDetail, TicketFilters, TicketGroupBy, TicketSearchResult};

/// A ticket search: optional words, a window, filters, a page size.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TicketSearchRequest {
    /// Words to find (all of them). REST matches them in titles and descriptions only; the cache in parts
    /// too.
    pub text: Option<String>,
    /// Window start (Unix seconds, inclusive) on `date_field`. None: all time.
    pub since: Option<i64>,
    /// Window end (Unix seconds, exclusive).
    pub until: Option<i64>,
    /// Which timestamp the window applies to (default `updated_at`, as the MCP `search_tickets` tool).
    pub date_field: Option<DateField>,
    /// Which tickets (the MCP tool's filters). REST asks Intercom for all but `company`, which it refuses.
    pub filters: TicketFilters,
    /// Page size (1-100, default 20).
    pub limit: Option<u32>,
}

impl TicketSearchRequest {
    pub(crate) fn page_size(&self) -> u32 {
        self.limit.unwrap_or(20).clamp(1, 100)
    }

    pub(crate) fn field(&self) -> DateField {
        self.date_field.unwrap_or(DateField::UpdatedAt)
    }

    pub(crate) fn words(&self) -> Vec<String> {
        self.text
            .as_deref()
            .unwrap_or("")
            .split_whitespace()
            .filter(|t| t.chars().any(char::is_alphanumeric))
            .map(str::to_string)
            .collect()
    }
}

/// A `ticket_stats` request: counts in a window, grouped, with the search's filters.
#[derive(Debug, Clone, PartialEq)]
pub struct TicketStatsRequest {
    pub since: Option<i64>,
    pub until: Option<i64>,
    /// Which timestamp the window applies to; default `created_at`, as the MCP `ticket_stats` tool.
    pub date_field: Option<DateField>,
    pub group_by: TicketGroupBy,
    pub filters: TicketFilters,
}

impl TicketStatsRequest {
    pub fn new(group_by: TicketGroupBy) -> Self {
        TicketStatsRequest {
            since: None,
            until: None,
            date_field: None,
            group_by,
            filters: TicketFilters::default(),
        }
    }

    pub(crate) fn field(&self) -> DateField {
        self.date_field.unwrap_or(DateField::CreatedAt)
    }
}

impl Client {
    /// Search tickets (sorted by `updated_at`, newest first), one page of [`TicketSearchRequest::limit`].
    /// As for conversations, `next_cursor` only says whether more matched.
    pub async fn search_tickets(
        &self,
        req: &TicketSearchRequest,
        opts: &CallOptions,
    ) -> Result<Answer<TicketSearchResult>, ClientError> {
        check_window(req.since, req.until)?;
        let cache = async {
            let c = self.cache()?;
            Ok(CacheAnswer::Hit(c.search_tickets(req).await?))
        };
        let rest = async { self.rest()?.search_tickets(req).await };
        self.answer("tickets", None, opts, cache, rest).await
    }

    /// One ticket by its API id, with its parts; `data` is None when neither source knows it. The cache
    /// also finds a ticket by its inbox number (`ticket_id`); Intercom's `GET /tickets/{id}` does not.
    pub async fn get_ticket(
        &self,
        id: &str,
        opts: &CallOptions,
    ) -> Result<Answer<Option<TicketDetail>>, ClientError> {
        let id = id.trim();
        if id.is_empty() {
            return Err(ClientError::Invalid("empty ticket id".into()));
        }
        let cache = async {
            let c = self.cache()?;
            Ok(match c.ticket(id).await? {
                Some(d) => CacheAnswer::Hit(Some(d)),
                None => CacheAnswer::Miss,
            })
        };
        let rest = async { self.rest()?.ticket(id).await };
        self.answer("tickets", None, opts, cache, rest).await
    }

    /// Counts of tickets, grouped. Over REST the tickets are read page by page (at most
    /// [`super::ClientConfig::rest_stats_max_pages`]) and grouped here.
    pub async fn ticket_stats(
        &self,
        req: &TicketStatsRequest,
        opts: &CallOptions,
    ) -> Result<Answer<Stats>, ClientError> {
        check_window(req.since, req.until)?;
        let cache = async {
            let c = self.cache()?;
            Ok(CacheAnswer::Hit(c.ticket_stats(req).await?))
        };
        let rest = async { self.rest()?.ticket_stats(req).await };
        self.answer("tickets", None, opts, cache, rest).await
    }
}
