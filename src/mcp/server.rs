//! The rmcp server handler: server identity, instructions for the model, and the tool router.

use super::pool::{LANE, Lane};
use super::tools::IntercomTools;
use rmcp::handler::server::tool::ToolCallContext;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, Implementation, ListResourceTemplatesResult,
    ListResourcesResult, PaginatedRequestParams, ReadResourceRequestParams, ReadResourceResponse,
    ServerCapabilities, ServerConfig,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler, tool_handler};

/// What the model is told about this server when it connects.
pub const INSTRUCTIONS: &str = "Read-only access to a local cache of an Intercom workspace (customer support \
conversations, tickets, contacts, teammates, teams, tags). The cache is synced from Intercom periodically: every \
answer has a `freshness` object (`source: cache`, `data_as_of` in Unix seconds and `data_as_of_utc`, `age`, and \
`stale` when older than allowed; pass `max_staleness` to change that) and `notes` when the answer should not be \
taken as current or complete (stale data, a failed or interrupted sync, a window before the cache's coverage): \
pass those on when they matter, and call get_sync_status for details. Tools: search_conversations \
(full text + filters, paged with next_cursor), get_conversation (full thread by id), get_contact / \
search_contacts, list_admins, list_teams, list_tags (ids for filters), conversation_stats (counts per state, \
team, admin, tag, day, week or month in a time window, with CSAT and response times on request), get_sync_status; \
search and fetch (connector shapes); search_tickets, get_ticket, ticket_stats (tickets: full text + state, \
category, type, assignee, contact, company filters; counts per state, category, type, team, admin or period). Resources: intercom://conversation/{id} is one conversation as JSON. Times are Unix seconds (UTC); time arguments \
accept YYYY-MM-DD, Unix seconds or relative forms like 7d.";

#[tool_handler(router = self.tool_router)]
impl ServerHandler for IntercomTools {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(
            ServerCapabilities::builder()
                .enable_tools()
                .enable_resources()
                .build(),
        )
        .with_server_info(
            Implementation::new("fastintercom", env!("CARGO_PKG_VERSION")).with_title("fastintercom"),
        )
        .with_instructions(INSTRUCTIONS)
    }

    /// Like the generated one, but an unknown tool's error names it and lists the real ones, and an
    /// unknown argument is a tool error naming the valid ones.
    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        if let Some(refused) = super::strict::refuse(&self.tool_router, &request) {
            return refused;
        }
        let lane = match request.name.as_ref() {
            "search_conversations"
            | "search_contacts"
            | "conversation_stats"
            | "search"
            | "search_tickets"
            | "ticket_stats"
            | "search_companies"
            | "search_articles" => Lane::Heavy,
            _ => Lane::Quick,
        };
        // A call whose client went away (HTTP disconnect, `notifications/cancelled`) is dropped here,
        // which interrupts its query (see `pool`).
        let ct = context.ct.clone();
        let call = LANE.scope(
            lane,
            self.tool_router
                .call(ToolCallContext::new(self, request, context)),
        );
        tokio::select! {
            out = call => out,
            _ = ct.cancelled() => Err(ErrorData::internal_error("the call was cancelled", None)),
        }
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, ErrorData> {
        super::resources::list(&self.db).await
    }

    async fn list_resource_templates(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, ErrorData> {
        Ok(super::resources::templates())
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, ErrorData> {
        Ok(super::resources::read(&self.db, &request.uri).await?.into())
    }
}
