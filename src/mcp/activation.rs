//! Where the HTTP server listens and when it stops: a socket passed by systemd (`LISTEN_FDS`, TCP or
//! Unix, via listenfd) or `--listen ADDR`; `READY=1`/`STATUS=`/`STOPPING=1` via sd-notify; exit after
//! `--idle-exit` seconds without requests when socket-activated; SIGTERM/SIGINT drain in-flight requests.
//!
//! Shutdown is bounded: stop accepting, let requests in flight finish for up to 3 s, then interrupt their
//! queries (they answer a tool error) and close what is left 1 s later, so the process exits within about
//! 4 s of SIGTERM (see [`super::connections`]). Under socket activation systemd keeps the listening socket
//! open, so connections that arrive meanwhile wait in its backlog for the next instance.

use super::http::Activity;
use anyhow::{Context, Result, bail};
use axum::Router;
use sd_notify::NotifyState;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// Default `--listen` address.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8765";

/// A listening socket, ours or systemd's.
pub enum Listener {
    Tcp(tokio::net::TcpListener),
    Unix(tokio::net::UnixListener),
}

impl Listener {
    /// For logs and STATUS=.
    pub fn describe(&self) -> String {
        match self {
            Listener::Tcp(l) => l
                .local_addr()
                .map(|a| format!("http://{a}/mcp"))
                .unwrap_or_else(|_| "tcp".into()),
            Listener::Unix(l) => l
                .local_addr()
                .ok()
                .and_then(|a| a.as_pathname().map(|p| format!("unix:{}", p.display())))
                .unwrap_or_else(|| "unix socket".into()),
        }
    }

    /// The TCP address when it is not loopback (such listeners need a bearer token).
    pub fn public_addr(&self) -> Option<SocketAddr> {
        match self {
            Listener::Tcp(l) => l.local_addr().ok().filter(|a| !a.ip().is_loopback()),
            Listener::Unix(_) => None,
        }
    }

    pub fn is_unix(&self) -> bool {
        matches!(self, Listener::Unix(_))
    }
}

/// Every socket systemd passed us (`LISTEN_FDS`: TCP and/or Unix stream sockets), in order; empty when
/// not socket-activated.
pub fn from_systemd() -> Result<Vec<Listener>> {
    let mut fds = listenfd::ListenFd::from_env();
    let mut out = Vec::new();
    for i in 0..fds.len() {
        if let Ok(Some(l)) = fds.take_tcp_listener(i) {
            l.set_nonblocking(true)?;
            out.push(Listener::Tcp(tokio::net::TcpListener::from_std(l)?));
            continue;
        }
        match fds.take_unix_listener(i) {
            Ok(Some(l)) => {
                l.set_nonblocking(true)?;
                out.push(Listener::Unix(tokio::net::UnixListener::from_std(l)?));
            }
            Ok(None) => {}
            Err(e) => bail!(
                "socket {} passed by systemd (LISTEN_FDS) is neither a TCP nor a Unix stream socket: {e}",
                i + 3
            ),
        }
    }
    Ok(out)
}

/// Bind `--listen`: `HOST:PORT`, or `unix:/path` / an absolute path for a Unix socket.
pub async fn bind(addr: &str) -> Result<Listener> {
    let path = addr
        .strip_prefix("unix:")
        .or_else(|| addr.starts_with('/').then_some(addr));
    if let Some(path) = path {
        remove_stale_socket(std::path::Path::new(path))?;
        let l = tokio::net::UnixListener::bind(path).with_context(|| format!("listening on unix:{path}"))?;
        return Ok(Listener::Unix(l));
    }
    let l = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("listening on {addr} (use --listen HOST:PORT)"))?;
    Ok(Listener::Tcp(l))
}

/// Before binding a Unix socket at `path`: remove a socket left there by an earlier server, and refuse
/// anything else (a regular file, a directory, a symlink), so a typo in `--listen` never deletes data.
fn remove_stale_socket(path: &std::path::Path) -> Result<()> {
    use std::os::unix::fs::FileTypeExt;
    match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e).with_context(|| format!("checking --listen path {}", path.display())),
        Ok(m) if m.file_type().is_socket() => std::fs::remove_file(path)
            .with_context(|| format!("removing the old socket {} before listening", path.display())),
        Ok(m) => {
            let what = if m.is_dir() {
                "a directory"
            } else if m.file_type().is_symlink() {
                "a symbolic link"
            } else if m.is_file() {
                "a regular file"
            } else {
                "not a socket"
            };
            bail!(
                "--listen {}: that path is {what}, not a Unix socket; left it untouched. \
                 Pick a path that does not exist yet (or an old socket), e.g. /run/fastintercom/mcp.sock",
                path.display()
            )
        }
    }
}

/// Send sd-notify states; a missing or broken NOTIFY_SOCKET is logged, never fatal.
pub fn notify(states: &[NotifyState]) {
    if let Err(e) = sd_notify::notify(states) {
        tracing::debug!(error = %e, "sd-notify failed");
    }
}

/// Why the server stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    Signal,
    Idle,
}

/// Resolves on SIGTERM/SIGINT, or after `idle` without requests when given.
pub async fn stop_signal(activity: Arc<Activity>, idle: Option<Duration>) -> StopReason {
    let idle_wait = async move {
        let Some(idle) = idle else {
            return std::future::pending().await;
        };
        loop {
            let idle_for = activity.idle_for();
            if idle_for >= idle {
                return;
            }
            tokio::time::sleep((idle - idle_for).max(Duration::from_millis(50))).await;
        }
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    tokio::select! {
        _ = term => StopReason::Signal,
        _ = tokio::signal::ctrl_c() => StopReason::Signal,
        _ = idle_wait => StopReason::Idle,
    }
}

/// How [`serve_with`] treats connections and shutdown.
#[derive(Clone)]
pub struct ServeOptions {
    pub limits: super::connections::Limits,
    /// Called when requests are still in flight after the shutdown grace period (the server interrupts
    /// their queries).
    pub on_grace_over: Arc<dyn Fn() + Send + Sync>,
}

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions {
            limits: Default::default(),
            on_grace_over: Arc::new(|| {}),
        }
    }
}

/// [`serve_with`] with the default limits.
pub async fn serve(
    listeners: Vec<(Listener, Router)>,
    stop: impl std::future::Future<Output = StopReason> + Send + 'static,
) -> Result<StopReason> {
    serve_with(listeners, stop, ServeOptions::default()).await
}

/// Serve each listener with its app until `stop` resolves, then drain in-flight requests on all of them
/// (bounded: see [`super::connections`]).
pub async fn serve_with(
    listeners: Vec<(Listener, Router)>,
    stop: impl std::future::Future<Output = StopReason> + Send + 'static,
    opts: ServeOptions,
) -> Result<StopReason> {
    let (reason_tx, reason_rx) = tokio::sync::oneshot::channel();
    let (tx, rx) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        let reason = stop.await;
        notify(&[
            NotifyState::Stopping,
            NotifyState::Status("draining in-flight requests"),
        ]);
        let _ = reason_tx.send(reason);
        let _ = tx.send(true);
    });
    let mut servers = tokio::task::JoinSet::new();
    for (listener, app) in listeners {
        let (rx, hook, limits) = (rx.clone(), Arc::clone(&opts.on_grace_over), opts.limits);
        servers.spawn(async move {
            use super::connections::serve;
            match listener {
                Listener::Tcp(l) => serve(l, app, limits, rx, hook).await,
                Listener::Unix(l) => serve(l, app, limits, rx, hook).await,
            }
        });
    }
    while let Some(done) = servers.join_next().await {
        done.context("server task failed")??;
    }
    Ok(reason_rx.await.unwrap_or(StopReason::Signal))
}
