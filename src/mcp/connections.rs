//! The HTTP/1.1 connection loop of `serve` (hyper, instead of `axum::serve`, which has no timeouts and
//! no connection cap): what a slow, silent or greedy client can hold is bounded.
//!
//! - A connection must send a request's headers within [`Limits::header_timeout`], and that same clock runs
//!   while a keep-alive connection sits idle between requests, so silent and idle sockets are closed.
//!   (Bodies have their own timeout in [`super::http`].)
//! - At most [`Limits::max_connections`] connections are served at once; one more is answered
//!   `503 Service Unavailable` with a JSON-RPC error and `Retry-After`, then closed.
//! - Shutdown: stop accepting, let requests in flight finish for up to [`Limits::grace`], then call the
//!   `on_grace_over` hook (the server interrupts the queries still running, so their calls answer a tool
//!   error at once), and close whatever is left after [`Limits::force`] more.

use anyhow::Result;
use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;

/// Bounds on connections (see the module comment).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_connections: usize,
    pub header_timeout: Duration,
    pub grace: Duration,
    pub force: Duration,
}

/// Default `--max-connections`.
pub const DEFAULT_MAX_CONNECTIONS: usize = 512;

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_connections: DEFAULT_MAX_CONNECTIONS,
            header_timeout: Duration::from_secs(15),
            grace: Duration::from_secs(3),
            force: Duration::from_secs(1),
        }
    }
}

/// Refusals being written at once; beyond this a connection over the cap is closed without an answer.
const MAX_REFUSALS: usize = 64;

/// Something that accepts connections of one stream type.
pub trait Accept: Send + 'static {
    type Io: AsyncRead + AsyncWrite + Unpin + Send + 'static;
    fn accept(&self) -> impl std::future::Future<Output = std::io::Result<Self::Io>> + Send;
}

impl Accept for tokio::net::TcpListener {
    type Io = tokio::net::TcpStream;
    async fn accept(&self) -> std::io::Result<Self::Io> {
        let (s, _) = tokio::net::TcpListener::accept(self).await?;
        let _ = s.set_nodelay(true);
        Ok(s)
    }
}

impl Accept for tokio::net::UnixListener {
    type Io = tokio::net::UnixStream;
    async fn accept(&self) -> std::io::Result<Self::Io> {
        Ok(tokio::net::UnixListener::accept(self).await?.0)
    }
}

/// Serve `app` on `listener` until `stop` turns true, then drain as the module comment says.
pub async fn serve<L: Accept>(
    listener: L,
    app: Router,
    limits: Limits,
    stop: watch::Receiver<bool>,
    on_grace_over: Arc<dyn Fn() + Send + Sync>,
) -> Result<()> {
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let refusals = Arc::new(Semaphore::new(MAX_REFUSALS));
    let mut conns = JoinSet::new();
    let mut stop_accepting = stop.clone();
    let stopping = async move {
        let _ = stop_accepting.wait_for(|s| *s).await;
    };
    tokio::pin!(stopping);
    loop {
        tokio::select! {
            _ = &mut stopping => break,
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
            accepted = listener.accept() => {
                let io = match accepted {
                    Ok(io) => io,
                    Err(e) => {
                        // Out of file descriptors, most likely: back off instead of spinning.
                        tracing::warn!(error = %e, "accepting a connection failed");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        continue;
                    }
                };
                match Arc::clone(&slots).try_acquire_owned() {
                    Ok(slot) => {
                        let (app, stop) = (app.clone(), stop.clone());
                        conns.spawn(async move {
                            let _slot = slot;
                            connection(io, app, limits, stop).await;
                        });
                    }
                    Err(_) => {
                        if let Ok(r) = Arc::clone(&refusals).try_acquire_owned() {
                            tokio::spawn(async move {
                                let _r = r;
                                refuse(io, limits.max_connections).await;
                            });
                        }
                    }
                }
            }
        }
    }
    drop(listener);
    if drain(&mut conns, limits.grace).await.is_err() {
        tracing::info!(
            connections = conns.len(),
            "requests still in flight after the shutdown grace period: interrupting them"
        );
        on_grace_over();
        if drain(&mut conns, limits.force).await.is_err() {
            tracing::warn!(connections = conns.len(), "closing connections still open");
            conns.abort_all();
        }
    }
    Ok(())
}

/// Wait up to `d` for every connection to end.
async fn drain(conns: &mut JoinSet<()>, d: Duration) -> Result<(), tokio::time::error::Elapsed> {
    tokio::time::timeout(d, async { while conns.join_next().await.is_some() {} }).await
}

async fn connection<I>(io: I, app: Router, limits: Limits, mut stop: watch::Receiver<bool>)
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let conn = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .keep_alive(true)
        .serve_connection(TokioIo::new(io), TowerToHyperService::new(app));
    tokio::pin!(conn);
    let stopping = async move {
        let _ = stop.wait_for(|s| *s).await;
    };
    tokio::select! {
        r = conn.as_mut() => {
            if let Err(e) = r {
                tracing::debug!(error = %e, "connection ended");
            }
        }
        _ = stopping => {
            // Finish the request in flight (if any), then close; idle connections close now.
            conn.as_mut().graceful_shutdown();
            let _ = conn.await;
        }
    }
}

/// The answer to a connection over the cap.
pub fn refusal_bytes(max: usize) -> Vec<u8> {
    let body = serde_json::json!({"jsonrpc": "2.0", "id": null, "error": {"code": -32000, "message":
        format!("server busy: all {max} connections are in use; retry in a moment")}})
    .to_string();
    format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\nretry-after: 1\r\n\
         connection: close\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

async fn refuse<I: AsyncWrite + Unpin>(mut io: I, max: usize) {
    let write = async {
        io.write_all(&refusal_bytes(max)).await?;
        io.shutdown().await
    };
    let _ = tokio::time::timeout(Duration::from_secs(2), write).await;
}
