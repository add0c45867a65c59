//! Fault injection: which fault a request gets, a listener whose connections can be reset from a
//! handler (the "drop" fault: the client sees the connection die with no HTTP response at all), and the
//! misbehaving list walks ([`ListFault`]) applied to list answers.

use std::collections::HashMap;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

use axum::extract::connect_info::Connected;
use axum::serve::{IncomingStream, Listener};
use fastrand::Rng;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

use serde_json::{Value, json};

use super::config::{Faults, ListFault};
use super::routes::{ApiError, Shared, err, to_vec};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    None,
    Status(u16),
    Slow,
    Drop,
    /// 200 with a truncated JSON body (`false`) or an empty body (`true`).
    Malformed {
        empty: bool,
    },
}

/// Pick this request's fault from the shares in `f`.
pub fn choose(f: &Faults, rng: &mut Rng) -> Fault {
    let total = f.p_5xx + f.p_slow + f.p_drop + f.p_malformed;
    if total <= 0.0 {
        return Fault::None;
    }
    let mut r = rng.f64();
    if r < f.p_drop {
        return Fault::Drop;
    }
    r -= f.p_drop;
    if r < f.p_5xx {
        return Fault::Status([500, 502, 503][rng.usize(..3)]);
    }
    r -= f.p_5xx;
    if r < f.p_slow {
        return Fault::Slow;
    }
    r -= f.p_slow;
    if r < f.p_malformed {
        return Fault::Malformed { empty: rng.bool() };
    }
    Fault::None
}

/// Accepts TCP connections wrapped in [`KillableIo`].
pub struct KillableListener(pub TcpListener);

impl Listener for KillableListener {
    type Io = KillableIo;
    type Addr = std::net::SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            match self.0.accept().await {
                Ok((s, a)) => {
                    let _ = s.set_nodelay(true);
                    return (
                        KillableIo {
                            inner: s,
                            kill: Arc::new(AtomicBool::new(false)),
                        },
                        a,
                    );
                }
                Err(_) => tokio::time::sleep(std::time::Duration::from_millis(5)).await,
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.0.local_addr()
    }
}

/// A TCP stream that fails every write (and resets) once its kill switch is set.
pub struct KillableIo {
    inner: TcpStream,
    kill: Arc<AtomicBool>,
}

/// Per-connection handle given to handlers via `ConnectInfo`.
#[derive(Clone)]
pub struct ConnKill(pub Arc<AtomicBool>);

impl ConnKill {
    /// Make the connection die instead of answering.
    pub fn kill(&self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

impl Connected<IncomingStream<'_, KillableListener>> for ConnKill {
    fn connect_info(stream: IncomingStream<'_, KillableListener>) -> Self {
        ConnKill(stream.io().kill.clone())
    }
}

impl KillableIo {
    fn killed(&self) -> bool {
        if self.kill.load(Ordering::SeqCst) {
            let _ = self.inner.set_zero_linger();
            true
        } else {
            false
        }
    }
}

fn reset() -> io::Error {
    io::Error::new(io::ErrorKind::ConnectionReset, "simulated connection drop")
}

impl AsyncRead for KillableIo {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.killed() {
            return Poll::Ready(Err(reset()));
        }
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for KillableIo {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        if self.killed() {
            return Poll::Ready(Err(reset()));
        }
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }
    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        if self.killed() {
            return Poll::Ready(Err(reset()));
        }
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }
    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.killed() {
            return Poll::Ready(Err(reset()));
        }
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// A page of a full list with the configured [`ListFault`] applied (`key` holds the items).
pub(super) fn faulty_page(
    sh: &Shared,
    body: Vec<u8>,
    key: &str,
    q: &HashMap<String, String>,
) -> Result<Vec<u8>, ApiError> {
    if sh.ctl.lock().expect("ctl").faults.list == ListFault::None {
        return Ok(body);
    }
    let v: Value = serde_json::from_slice(&body).map_err(|e| err(500, "server_error", e.to_string()))?;
    to_vec(&list_fault(
        sh,
        v,
        key,
        q.get("starting_after").map(String::as_str),
    ))
}

/// Apply the configured [`ListFault`] to a list answer (`after`: the cursor it was requested with).
pub(super) fn list_fault(sh: &Shared, mut v: Value, key: &str, after: Option<&str>) -> Value {
    let fault = sh.ctl.lock().expect("ctl").faults.list;
    let page = v["pages"]["page"].as_u64().unwrap_or(1);
    let paged = v.get("pages").is_some();
    let drop_next = |v: &mut Value| {
        if let Some(p) = v.get_mut("pages").and_then(Value::as_object_mut) {
            p.remove("next");
        }
    };
    match fault {
        ListFault::None => {}
        ListFault::Short { pages } => {
            if page >= pages {
                drop_next(&mut v);
            }
        }
        ListFault::Empty => {
            v[key] = json!([]);
            drop_next(&mut v);
        }
        ListFault::RepeatCursor => {
            if page >= 2
                && let Some(a) = after
                && v["pages"]["next"].is_object()
            {
                v["pages"]["next"]["starting_after"] = json!(a);
            }
        }
        ListFault::Shift => {
            if (page >= 2 || !paged)
                && let Some(items) = v[key].as_array_mut()
                && !items.is_empty()
            {
                items.remove(0);
            }
        }
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_are_respected() {
        let f = Faults {
            p_5xx: 0.5,
            p_drop: 0.25,
            ..Faults::default()
        };
        let mut rng = Rng::with_seed(1);
        let picks: Vec<Fault> = (0..4000).map(|_| choose(&f, &mut rng)).collect();
        let drops = picks.iter().filter(|x| **x == Fault::Drop).count();
        let s5 = picks.iter().filter(|x| matches!(x, Fault::Status(_))).count();
        assert!((800..1200).contains(&drops), "{drops}");
        assert!((1800..2200).contains(&s5), "{s5}");
        assert_eq!(choose(&Faults::default(), &mut rng), Fault::None);
    }
}
