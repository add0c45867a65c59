//! The proxy's ticket tools: `serve`'s `search_tickets`, `get_ticket` and `ticket_stats`, with the same
//! names, arguments and answers, answered from the cache.

use super::tools::ProxyTools;
use crate::answer::{Answer, ToolError, now};
use crate::mcp::args_tickets::{GetTicketArgs, SearchTicketsArgs, TicketStatsArgs};
use crate::model::{Stats, TicketPage, TicketSearchResult};
use rmcp::handler::server::wrapper::Parameters;
use rmcp::{Json, tool, tool_router};

#[tool_router(router = tickets_router, vis = "pub(super)")]
impl ProxyTools {
    #[tool(
        description = "Search Intercom tickets by full text (title, description, parts) and/or filters: state, \
category, ticket type, assignee admin or team, contact, company, open, time window. Returns ticket summaries \
with `matched` passages, `total` and `next_cursor`. From the cache.",
        annotations(title = "Search tickets", read_only_hint = true, open_world_hint = false)
    )]
    pub async fn search_tickets(
        &self,
        Parameters(a): Parameters<SearchTicketsArgs>,
    ) -> Result<Json<Answer<TicketSearchResult>>, ToolError> {
        let ask = a.checked(now())?;
        self.cache_only("search_tickets", ask.max_staleness, |t, a| async move {
            t.search_tickets(Parameters(a)).await
        })
        .await
    }

    #[tool(
        description = "Get one ticket by its API `id` (the inbox number `ticket_id` is accepted by the cache), \
a page of parts at a time, with description, contacts and linked conversations. From the cache.",
        annotations(title = "Get ticket", read_only_hint = true, open_world_hint = false)
    )]
    pub async fn get_ticket(
        &self,
        Parameters(a): Parameters<GetTicketArgs>,
    ) -> Result<Json<Answer<TicketPage>>, ToolError> {
        let ask = a.checked(now())?;
        self.cache_only("get_ticket", ask.max_staleness, |t, a| async move {
            t.get_ticket(Parameters(a)).await
        })
        .await
    }

    #[tool(
        description = "Count tickets in a time window, grouped by state, category, type, team, admin, day, week \
or month, with search_tickets' filters. From the cache.",
        annotations(title = "Ticket statistics", read_only_hint = true, open_world_hint = false)
    )]
    pub async fn ticket_stats(
        &self,
        Parameters(a): Parameters<TicketStatsArgs>,
    ) -> Result<Json<Answer<Stats>>, ToolError> {
        let (_, max) = a.checked(now())?;
        self.cache_only("ticket_stats", max, |t, a| async move {
            t.ticket_stats(Parameters(a)).await
        })
        .await
    }
}
