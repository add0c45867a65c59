//! `serve --stdio`: one MCP session over stdin/stdout (Claude Desktop, editors). Logs go to stderr.
//!
//! Each stdin line is checked first ([`super::jsonrpc`]): a line that is not a JSON-RPC message gets its
//! JSON-RPC error on stdout (-32700, -32600, -32602, `"id": null` when the id is unknown), a line longer
//! than the HTTP body limit gets -32600; the rest go to rmcp through an in-memory pipe, and one writer puts
//! rmcp's answers and these errors on stdout a whole line at a time.

use super::http::MAX_BODY_BYTES;
use super::jsonrpc::{INVALID_REQUEST, RpcError, check};
use super::pool::Db;
use super::tools::IntercomTools;
use anyhow::{Context, Result};
use rmcp::{ServerHandler, ServiceExt};
use std::sync::Arc;
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::mpsc;

/// Serve until the client closes stdin.
pub async fn serve(db: Arc<Db>) -> Result<()> {
    serve_on(db, tokio::io::stdin(), tokio::io::stdout()).await
}

/// Serve one session on `input`/`output` until `input` ends.
pub async fn serve_on(
    db: Arc<Db>,
    input: impl AsyncRead + Unpin + Send + 'static,
    output: impl AsyncWrite + Unpin + Send + 'static,
) -> Result<()> {
    serve_handler_on(IntercomTools::new(db), input, output).await
}

/// Serve one session of any tool set (`serve`'s, the proxy's) on `input`/`output` until `input` ends.
pub async fn serve_handler_on(
    handler: impl ServerHandler,
    input: impl AsyncRead + Unpin + Send + 'static,
    output: impl AsyncWrite + Unpin + Send + 'static,
) -> Result<()> {
    let (to_rmcp, rmcp_in) = tokio::io::duplex(64 * 1024);
    let (rmcp_out, from_rmcp) = tokio::io::duplex(64 * 1024);
    let (lines_tx, lines_rx) = mpsc::channel::<Vec<u8>>(64);
    let writer = tokio::spawn(write_lines(lines_rx, output));
    let answers = tokio::spawn(forward_lines(BufReader::new(from_rmcp), lines_tx.clone()));
    let reader = tokio::spawn(read_lines(BufReader::new(input), to_rmcp, lines_tx));
    let running = handler
        .serve((rmcp_in, rmcp_out))
        .await
        .context("starting the MCP session on stdio")?;
    running.waiting().await.context("MCP session on stdio")?;
    reader.abort();
    let _ = answers.await;
    let _ = writer.await;
    Ok(())
}

/// Read stdin a line at a time (at most [`MAX_BODY_BYTES`] kept per line), pass good messages to rmcp,
/// answer the others. Dropping `to_rmcp` at the end of input ends the session.
async fn read_lines(
    mut input: impl AsyncBufRead + Unpin,
    mut to_rmcp: impl AsyncWrite + Unpin,
    errors: mpsc::Sender<Vec<u8>>,
) {
    let mut line = Vec::new();
    loop {
        line.clear();
        let too_long = match read_line_bounded(&mut input, &mut line, MAX_BODY_BYTES).await {
            Ok(None) => return,
            Ok(Some(too_long)) => too_long,
            Err(e) => {
                tracing::warn!(error = %e, "reading stdin");
                return;
            }
        };
        if too_long {
            let e = RpcError {
                id: serde_json::Value::Null,
                code: INVALID_REQUEST,
                message: "invalid request: the message is larger than the 1 MiB limit".into(),
            };
            let _ = errors.send(e.to_json().to_string().into_bytes()).await;
            continue;
        }
        let text = line.trim_ascii();
        if text.is_empty() {
            continue;
        }
        match check(text) {
            Ok(()) => {
                let ok = to_rmcp.write_all(text).await.is_ok() && to_rmcp.write_all(b"\n").await.is_ok();
                if !ok {
                    return;
                }
            }
            Err(e) => {
                tracing::debug!(code = e.code, message = %e.message, "refused a stdin message");
                if errors.send(e.to_json().to_string().into_bytes()).await.is_err() {
                    return;
                }
            }
        }
    }
}

/// One line into `buf` (without the newline), keeping at most `max` bytes. None at end of input;
/// Some(true) when the line was longer than `max` (the rest was read and dropped).
async fn read_line_bounded(
    input: &mut (impl AsyncBufRead + Unpin),
    buf: &mut Vec<u8>,
    max: usize,
) -> std::io::Result<Option<bool>> {
    let mut too_long = false;
    let mut any = false;
    loop {
        let chunk = input.fill_buf().await?;
        if chunk.is_empty() {
            return Ok(any.then_some(too_long));
        }
        any = true;
        let (take, done) = match chunk.iter().position(|&b| b == b'\n') {
            Some(i) => (i, true),
            None => (chunk.len(), false),
        };
        if buf.len() + take > max {
            too_long = true;
        } else {
            buf.extend_from_slice(&chunk[..take]);
        }
        input.consume(if done { take + 1 } else { take });
        if done {
            return Ok(Some(too_long));
        }
    }
}

/// rmcp's answers, a line at a time, to the writer.
async fn forward_lines(mut from: impl AsyncBufRead + Unpin, to: mpsc::Sender<Vec<u8>>) {
    let mut line = Vec::new();
    loop {
        line.clear();
        match from.read_until(b'\n', &mut line).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {
                let text = line.trim_ascii_end().to_vec();
                if to.send(text).await.is_err() {
                    return;
                }
            }
        }
    }
}

/// Write each message as one line and flush.
async fn write_lines(mut lines: mpsc::Receiver<Vec<u8>>, mut out: impl AsyncWrite + Unpin) {
    while let Some(mut l) = lines.recv().await {
        l.push(b'\n');
        if out.write_all(&l).await.is_err() || out.flush().await.is_err() {
            return;
        }
    }
}
