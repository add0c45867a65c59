//! `serve --stdio`: one MCP session over stdin/stdout (Claude Desktop, editors). Logs go to stderr.

use super::pool::Db;
use super::tools::IntercomTools;
use anyhow::{Context, Result};
use rmcp::ServiceExt;
use std::sync::Arc;

/// Serve until the client closes stdin.
pub async fn serve(db: Arc<Db>) -> Result<()> {
    let running = IntercomTools::new(db)
        .serve(rmcp::transport::stdio())
        .await
        .context("starting the MCP session on stdio")?;
    running.waiting().await.context("MCP session on stdio")?;
    Ok(())
}
