//! `serve`'s tools in this process: an in-memory MCP session over the database file, served exactly as
//! `serve --stdio` serves one (the same tools, checks and answers).
//!
//! This is the one entry point the client library uses on the server side: its database-file cache
//! ([`crate::client::CacheSource::Database`]) speaks MCP to this session as to a `serve` endpoint, so the
//! client depends neither on `store` nor on the tools' internals.

use super::pool::Db;
use std::path::Path;

/// Start a session over `db_path` on a task and return the client's end of it. The session ends when
/// the returned stream is dropped.
pub fn connect(db_path: &Path) -> tokio::io::DuplexStream {
    let (client, server) = tokio::io::duplex(64 * 1024);
    let db = Db::new(db_path);
    tokio::spawn(async move {
        let (input, output) = tokio::io::split(server);
        if let Err(e) = super::stdio::serve_on(db, input, output).await {
            tracing::debug!(error = format!("{e:#}"), "in-process MCP session ended");
        }
    });
    client
}
