//! The strict-argument check both MCP servers (`serve`, `proxy`) make before a tool runs: an unknown tool
//! is a JSON-RPC error naming the real ones; an unknown argument is a tool error naming the valid ones
//! ([`super::args::unknown_fields`]), since a misspelt or invented argument would otherwise be ignored and
//! the answer silently wrong.

use rmcp::ErrorData;
use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::model::{CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock};

/// `Some(answer)` when the call must be refused before its tool runs; `None` when it may go on.
pub fn refuse<S>(
    router: &ToolRouter<S>,
    request: &CallToolRequestParams,
) -> Option<Result<CallToolResponse, ErrorData>>
where
    S: Send + Sync + 'static,
{
    let Some(tool) = router.get(&request.name) else {
        let mut names: Vec<String> = router
            .list_all()
            .into_iter()
            .map(|t| t.name.to_string())
            .collect();
        names.sort();
        return Some(Err(ErrorData::invalid_params(
            format!(
                "unknown tool {:?}: the tools are {}",
                request.name,
                names.join(", ")
            ),
            None,
        )));
    };
    let reason = super::args::unknown_fields(&request.name, &tool.input_schema, request.arguments.as_ref())?;
    Some(Ok(CallToolResponse::Complete(CallToolResult::error(vec![
        ContentBlock::text(reason),
    ]))))
}
