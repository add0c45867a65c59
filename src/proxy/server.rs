//! The proxy as an MCP server: what the model is told when it connects, and the tool-call entry point
//! (unknown tools and arguments refused as `serve` refuses them, the raw arguments kept for the cache,
//! the call's lane, cancellation). The tools themselves are in [`super::tools`].

use super::tools::{ARGS, ProxyTools};
use crate::mcp::pool::{LANE, Lane};
use rmcp::handler::server::tool::ToolCallContext;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, Implementation, ServerCapabilities, ServerConfig,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler, tool_handler};

/// What the model is told about this server when it connects.
pub const INSTRUCTIONS: &str = "Read-only access to an Intercom workspace (customer support conversations, \
tickets, contacts, teammates, teams, tags), answered from a local cache when it is fresh enough and covers the \
question, else live from Intercom's REST API. Every answer has a `freshness` object: `source` (`cache` or \
`rest`), `data_as_of` (Unix seconds) and `data_as_of_utc`, `age`, `stale`, and `reason` (why that source \
answered). Pass `max_staleness` (minutes, or `5m`, `2h`) when the question needs newer data than the default \
allows. `notes` say when an answer should not be taken as current or complete, and where a live answer \
differs from the cache's (Intercom's search matches words in opening messages only; live counts read every \
conversation in the window): pass those on when they matter. Tools: search_conversations (full text + \
filters, paged with next_cursor), get_conversation (full thread by id), get_contact / search_contacts, \
list_admins, list_teams, list_tags (ids for filters), conversation_stats (counts per state, team, admin, tag \
or day in a time window), get_sync_status; search_tickets, get_ticket, ticket_stats (tickets: full text + \
state, category, type, assignee, contact, company filters; counts). Times are Unix seconds (UTC); time arguments accept YYYY-MM-DD, \
Unix seconds or relative forms like 7d.";

#[tool_handler(router = self.tool_router)]
impl ServerHandler for ProxyTools {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(
                Implementation::new("fastintercom-proxy", env!("CARGO_PKG_VERSION"))
                    .with_title("fastintercom (cache or live)"),
            )
            .with_instructions(INSTRUCTIONS)
    }

    /// As `serve`'s: an unknown tool names the real ones, an unknown argument is a tool error naming the
    /// valid ones; the raw arguments are kept for the cache.
    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        if let Some(refused) = crate::mcp::strict::refuse(&self.tool_router, &request) {
            return refused;
        }
        let lane = match request.name.as_ref() {
            "search_conversations"
            | "search_contacts"
            | "conversation_stats"
            | "search_tickets"
            | "ticket_stats"
            | "search_companies"
            | "search_articles" => Lane::Heavy,
            _ => Lane::Quick,
        };
        let raw = request.arguments.clone().unwrap_or_default();
        let ct = context.ct.clone();
        let call = ARGS.scope(
            raw,
            LANE.scope(
                lane,
                self.tool_router
                    .call(ToolCallContext::new(self, request, context)),
            ),
        );
        tokio::select! {
            out = call => out,
            _ = ct.cancelled() => Err(ErrorData::internal_error("the call was cancelled", None)),
        }
    }
}
