//! The Streamable HTTP app: rmcp's stateless `StreamableHttpService` mounted at `/mcp` behind our checks
//! (Origin allow-list against DNS rebinding → 403, optional bearer token → 401, body limit → 413), plus
//! `GET /healthz` (no auth). A middleware counts requests in flight for the idle-exit timer.

use super::pool::Db;
use super::tools::IntercomTools;
use crate::config::Token;
use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use rmcp::transport::streamable_http_server::session::never::NeverSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Largest request body accepted on `/mcp`.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
/// Time allowed for a request body to arrive once its headers have (408 after it).
pub const BODY_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// Security settings of the HTTP transport.
#[derive(Debug, Clone)]
pub struct HttpOptions {
    /// Origins allowed besides http(s)://localhost, 127.0.0.1 and `[::1]` on any port.
    pub allowed_origins: Vec<String>,
    /// When set, `/mcp` requires `Authorization: Bearer <token>`.
    pub token: Option<Token>,
    /// Check the Host header against loopback names (rmcp's DNS-rebinding guard); off for Unix sockets
    /// and for non-loopback listeners (which require the token instead).
    pub loopback_host_check: bool,
}

/// Requests in flight and the time of the last one, for idle exit.
#[derive(Debug)]
pub struct Activity {
    start: Instant,
    in_flight: AtomicUsize,
    last_ms: AtomicU64,
    served: AtomicU64,
}

impl Default for Activity {
    fn default() -> Self {
        Activity {
            start: Instant::now(),
            in_flight: AtomicUsize::new(0),
            last_ms: AtomicU64::new(0),
            served: AtomicU64::new(0),
        }
    }
}

impl Activity {
    fn touch(&self) {
        self.last_ms
            .store(self.start.elapsed().as_millis() as u64, Ordering::SeqCst);
    }
    /// How long nothing has been in flight; zero while a request is being served.
    pub fn idle_for(&self) -> Duration {
        if self.in_flight.load(Ordering::SeqCst) > 0 {
            return Duration::ZERO;
        }
        let last = Duration::from_millis(self.last_ms.load(Ordering::SeqCst));
        self.start.elapsed().saturating_sub(last)
    }
    /// Requests served so far.
    pub fn served(&self) -> u64 {
        self.served.load(Ordering::Relaxed)
    }
}

struct InFlight<'a>(&'a Activity);
impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.touch();
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

async fn track(State(activity): State<Arc<Activity>>, req: Request, next: Next) -> Response {
    activity.in_flight.fetch_add(1, Ordering::SeqCst);
    activity.touch();
    let _guard = InFlight(&activity);
    let resp = next.run(req).await;
    activity.served.fetch_add(1, Ordering::Relaxed);
    resp
}

/// True for http(s)://localhost, 127.0.0.1, `[::1]` with any port.
pub fn is_loopback_origin(origin: &str) -> bool {
    let Some(rest) = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"))
    else {
        return false;
    };
    let host = if rest.starts_with('[') {
        rest.split_inclusive(']').next().unwrap_or("")
    } else {
        rest.split(':').next().unwrap_or("")
    };
    let after = &rest[host.len()..];
    let port_ok = after.is_empty() || after.strip_prefix(':').is_some_and(|p| p.parse::<u16>().is_ok());
    port_ok
        && matches!(
            host.to_ascii_lowercase().as_str(),
            "localhost" | "127.0.0.1" | "[::1]"
        )
}

fn error(status: StatusCode, msg: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("{msg}\n"),
    )
        .into_response()
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn guard_check(opts: &HttpOptions, headers: &HeaderMap) -> Result<(), Box<Response>> {
    if let Some(origin) = headers.get(header::ORIGIN) {
        let o = origin.to_str().unwrap_or("").trim_end_matches('/');
        let allowed =
            is_loopback_origin(o) || opts.allowed_origins.iter().any(|a| a.trim_end_matches('/') == o);
        if !allowed {
            return Err(Box::new(error(
                StatusCode::FORBIDDEN,
                "forbidden: this Origin is not allowed (add it with --allowed-origins)",
            )));
        }
    }
    if let Some(token) = &opts.token {
        let given = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
            .map(str::trim);
        let ok = given.is_some_and(|g| constant_time_eq(g.as_bytes(), token.expose().as_bytes()));
        if !ok {
            let mut r = error(
                StatusCode::UNAUTHORIZED,
                "unauthorized: send Authorization: Bearer <token>",
            );
            r.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer"),
            );
            return Err(Box::new(r));
        }
    }
    let too_big = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .is_some_and(|n| n > MAX_BODY_BYTES as u64);
    if too_big {
        return Err(Box::new(error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload too large: the limit is 1 MiB",
        )));
    }
    Ok(())
}

/// The JSON-RPC error for a body rmcp should not see: HTTP 400, except invalid params of a well-formed
/// request (an ordinary JSON-RPC error answer, 200).
fn jsonrpc_error(e: &super::jsonrpc::RpcError) -> Response {
    let status = if e.code == super::jsonrpc::INVALID_PARAMS {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    (status, axum::Json(e.to_json())).into_response()
}

/// Whether reading the body failed because it passed the limit (a typed check, not the message's words).
fn is_length_limit(e: &axum::Error) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(c) = cause {
        if c.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        cause = c.source();
    }
    false
}

/// `Accept: */*` (or `application/*`) accepts what rmcp insists be named: JSON and event streams.
fn widen_accept(headers: &mut HeaderMap) {
    let any = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.split(';').next().unwrap_or("").trim())
        .any(|t| t == "*/*" || t.eq_ignore_ascii_case("application/*"));
    if any {
        headers.insert(
            header::ACCEPT,
            header::HeaderValue::from_static("application/json, text/event-stream"),
        );
    }
}

/// CORS for allowed origins (the Origin check has already refused the others): preflights get 204 with
/// what an MCP client in a browser sends; every answer names the origin.
fn cors_headers(
    origin: &header::HeaderValue,
    preflight: bool,
) -> Vec<(header::HeaderName, header::HeaderValue)> {
    let v = header::HeaderValue::from_static;
    let mut out = vec![
        (header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone()),
        (header::VARY, v("Origin")),
        (
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            v("Mcp-Session-Id, Mcp-Protocol-Version"),
        ),
    ];
    if preflight {
        out.push((
            header::ACCESS_CONTROL_ALLOW_METHODS,
            v("GET, POST, DELETE, OPTIONS"),
        ));
        out.push((
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            v("Content-Type, Accept, Authorization, Mcp-Session-Id, Mcp-Protocol-Version, Last-Event-ID"),
        ));
        out.push((header::ACCESS_CONTROL_MAX_AGE, v("600")));
    }
    out
}

async fn guard(State(opts): State<Arc<HttpOptions>>, mut req: Request, next: Next) -> Response {
    let origin = req.headers().get(header::ORIGIN).cloned();
    if req.method() == axum::http::Method::OPTIONS {
        // A CORS preflight carries no credentials: only the Origin is checked.
        let check = HttpOptions {
            token: None,
            ..(*opts).clone()
        };
        if let Err(r) = guard_check(&check, req.headers()) {
            return *r;
        }
        let mut r = StatusCode::NO_CONTENT.into_response();
        r.headers_mut().insert(
            header::ALLOW,
            header::HeaderValue::from_static("GET, POST, DELETE, OPTIONS"),
        );
        if let Some(o) = &origin {
            r.headers_mut().extend(cors_headers(o, true));
        }
        return r;
    }
    if let Err(r) = guard_check(&opts, req.headers()) {
        return *r;
    }
    widen_accept(req.headers_mut());
    let mut resp = with_checked_body(req, next).await;
    if let Some(o) = &origin
        && resp.status() != StatusCode::FORBIDDEN
    {
        resp.headers_mut().extend(cors_headers(o, false));
    }
    resp
}

/// Bodies up to this size are read freely (the connection cap bounds them); larger ones, and bodies of
/// unknown length, take their size from [`LARGE_BODY_BUDGET`] until their request is answered.
const SMALL_BODY_BYTES: usize = 64 * 1024;
/// Bytes of large request bodies held at once (16 bodies of the 1 MiB maximum).
pub const LARGE_BODY_BUDGET: usize = 16 * MAX_BODY_BYTES;
static LARGE_BODIES: tokio::sync::Semaphore =
    tokio::sync::Semaphore::const_new(LARGE_BODY_BUDGET / SMALL_BODY_BYTES);

async fn body_budget(
    headers: &HeaderMap,
) -> Result<Option<tokio::sync::SemaphorePermit<'static>>, Box<Response>> {
    let len = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    let need = match len {
        Some(n) if n <= SMALL_BODY_BYTES => return Ok(None),
        Some(n) => n.min(MAX_BODY_BYTES).div_ceil(SMALL_BODY_BYTES),
        None => MAX_BODY_BYTES / SMALL_BODY_BYTES,
    };
    match tokio::time::timeout(BODY_READ_TIMEOUT, LARGE_BODIES.acquire_many(need as u32)).await {
        Ok(Ok(p)) => Ok(Some(p)),
        _ => Err(Box::new(error(
            StatusCode::SERVICE_UNAVAILABLE,
            "server busy: too many large requests at once; retry in a moment",
        ))),
    }
}

async fn with_checked_body(req: Request, next: Next) -> Response {
    if req.method() != axum::http::Method::POST {
        return next.run(req).await;
    }
    // Large bodies are held (and parsed) within a shared budget, so many at once cannot run memory up.
    let _budget = match body_budget(req.headers()).await {
        Ok(b) => b,
        Err(r) => return *r,
    };
    // Read the body here (bounded in size and time, whatever the transfer encoding) so that malformed
    // JSON-RPC gets a JSON-RPC error rather than rmcp's 415.
    let (parts, body) = req.into_parts();
    let read = tokio::time::timeout(BODY_READ_TIMEOUT, axum::body::to_bytes(body, MAX_BODY_BYTES));
    let bytes = match read.await {
        Ok(Ok(b)) => b,
        Ok(Err(e)) if is_length_limit(&e) => {
            return error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload too large: the limit is 1 MiB",
            );
        }
        Ok(Err(e)) => {
            return error(
                StatusCode::BAD_REQUEST,
                &format!("bad request: could not read the body: {e}"),
            );
        }
        Err(_) => {
            return error(
                StatusCode::REQUEST_TIMEOUT,
                &format!(
                    "request timeout: the body did not arrive within {} s",
                    BODY_READ_TIMEOUT.as_secs()
                ),
            );
        }
    };
    if let Err(e) = super::jsonrpc::check(&bytes) {
        return jsonrpc_error(&e);
    }
    next.run(Request::from_parts(parts, axum::body::Body::from(bytes)))
        .await
}

async fn healthz() -> &'static str {
    "ok\n"
}

/// The whole app: `/mcp` (guarded) and `/healthz`.
pub fn app(db: Arc<Db>, opts: HttpOptions, activity: Arc<Activity>) -> Router {
    app_for(IntercomTools::new(db), opts, activity)
}

/// The same app around any tool set (`serve`'s, the proxy's).
pub fn app_for<H>(proto: H, opts: HttpOptions, activity: Arc<Activity>) -> Router
where
    H: rmcp::ServerHandler + Clone + Send + Sync + 'static,
{
    let mut config = StreamableHttpServerConfig::default()
        .with_legacy_session_mode(false)
        .with_json_response(true)
        .with_sse_keep_alive(None)
        .with_max_request_body_bytes(MAX_BODY_BYTES);
    if !opts.loopback_host_check {
        config = config.disable_allowed_hosts();
    }
    let mcp = StreamableHttpService::new(
        move || Ok(proto.clone()),
        Arc::new(NeverSessionManager::default()),
        config,
    );
    let opts = Arc::new(opts);
    let guarded = Router::new()
        .route_service("/mcp", mcp)
        .layer(middleware::from_fn_with_state(opts, guard));
    Router::new()
        .route("/healthz", axum::routing::get(healthz))
        .merge(guarded)
        .layer(middleware::from_fn_with_state(activity, track))
        .fallback(|| async { error(StatusCode::NOT_FOUND, "not found: the MCP endpoint is /mcp") })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn large_bodies_share_a_budget() {
        let mut h = HeaderMap::new();
        h.insert(header::CONTENT_LENGTH, "1000".parse().unwrap());
        assert!(body_budget(&h).await.unwrap().is_none(), "small bodies are free");
        h.insert(
            header::CONTENT_LENGTH,
            MAX_BODY_BYTES.to_string().parse().unwrap(),
        );
        let permits = LARGE_BODY_BUDGET / MAX_BODY_BYTES;
        let mut held = Vec::new();
        for _ in 0..permits {
            held.push(body_budget(&h).await.unwrap().unwrap());
        }
        assert_eq!(LARGE_BODIES.available_permits(), 0);
        drop(held);
        // Unknown length (chunked) counts as the maximum.
        let p = body_budget(&HeaderMap::new()).await.unwrap().unwrap();
        assert_eq!(p.num_permits(), MAX_BODY_BYTES / SMALL_BODY_BYTES);
    }

    #[test]
    fn accept_any_means_json_and_event_streams() {
        for (given, widened) in [
            ("*/*", true),
            ("application/*;q=0.9", true),
            ("text/html, */*;q=0.1", true),
            ("application/json", false),
        ] {
            let mut h = HeaderMap::new();
            h.insert(header::ACCEPT, given.parse().unwrap());
            widen_accept(&mut h);
            assert_eq!(
                h[header::ACCEPT] == "application/json, text/event-stream",
                widened,
                "{given}"
            );
        }
    }

    #[test]
    fn loopback_origins() {
        for o in [
            "http://localhost",
            "http://localhost:3000",
            "https://127.0.0.1:8765",
            "http://[::1]:9",
        ] {
            assert!(is_loopback_origin(o), "{o}");
        }
        for o in [
            "http://evil.com",
            "http://localhost.evil.com",
            "http://127.0.0.1.nip.io",
            "null",
            "file://",
        ] {
            assert!(!is_loopback_origin(o), "{o}");
        }
    }
}
