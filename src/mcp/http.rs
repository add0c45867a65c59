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

/// Security settings of the HTTP transport.
#[derive(Debug, Clone)]
pub struct HttpOptions {
    /// Origins allowed besides http(s)://localhost, 127.0.0.1 and [::1] on any port.
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

/// True for http(s)://localhost, 127.0.0.1, [::1] with any port.
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

/// A JSON-RPC error answer for a body that is not a JSON-RPC message (HTTP 400).
fn jsonrpc_error(code: i64, message: String) -> Response {
    let body = serde_json::json!({"jsonrpc": "2.0", "id": null, "error": {"code": code, "message": message}});
    (StatusCode::BAD_REQUEST, axum::Json(body)).into_response()
}

/// Parse error (-32700) or invalid request (-32600) for a POST body that rmcp would only call an
/// unsupported media type.
fn check_jsonrpc(body: &[u8]) -> Result<(), Box<Response>> {
    let v: serde_json::Value = serde_json::from_slice(body).map_err(|e| {
        Box::new(jsonrpc_error(
            -32700,
            format!("parse error: the body is not JSON ({e})"),
        ))
    })?;
    let invalid = |why: &str| Box::new(jsonrpc_error(-32600, format!("invalid request: {why}")));
    let Some(obj) = v.as_object() else {
        return Err(invalid(if v.is_array() {
            "batches are not supported, send one JSON-RPC message per request"
        } else {
            "expected a JSON-RPC 2.0 object"
        }));
    };
    if obj.get("jsonrpc").and_then(|j| j.as_str()) != Some("2.0") {
        return Err(invalid("\"jsonrpc\": \"2.0\" is missing"));
    }
    let is_call = obj.get("method").is_some_and(|m| m.is_string());
    let is_reply = obj.contains_key("id") && (obj.contains_key("result") || obj.contains_key("error"));
    if !is_call && !is_reply {
        return Err(invalid("no \"method\""));
    }
    Ok(())
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

async fn guard(State(opts): State<Arc<HttpOptions>>, req: Request, next: Next) -> Response {
    if let Err(r) = guard_check(&opts, req.headers()) {
        return *r;
    }
    if req.method() != axum::http::Method::POST {
        return next.run(req).await;
    }
    // Read the body here (bounded, whatever the transfer encoding) so that malformed JSON-RPC gets a
    // JSON-RPC error rather than rmcp's 415.
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
        Ok(b) => b,
        Err(e) if is_length_limit(&e) => {
            return error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload too large: the limit is 1 MiB",
            );
        }
        Err(e) => {
            return error(
                StatusCode::BAD_REQUEST,
                &format!("bad request: could not read the body: {e}"),
            );
        }
    };
    if let Err(r) = check_jsonrpc(&bytes) {
        return *r;
    }
    next.run(Request::from_parts(parts, axum::body::Body::from(bytes)))
        .await
}

async fn healthz() -> &'static str {
    "ok\n"
}

/// The whole app: `/mcp` (guarded) and `/healthz`.
pub fn app(db: Arc<Db>, opts: HttpOptions, activity: Arc<Activity>) -> Router {
    let mut config = StreamableHttpServerConfig::default()
        .with_legacy_session_mode(false)
        .with_json_response(true)
        .with_sse_keep_alive(None)
        .with_max_request_body_bytes(MAX_BODY_BYTES);
    if !opts.loopback_host_check {
        config = config.disable_allowed_hosts();
    }
    let proto = IntercomTools::new(db);
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
    async fn malformed_bodies_get_jsonrpc_errors() {
        for (body, code) in [
            (&b"{not json"[..], -32700),
            (b"[1, 2]", -32600),
            (b"42", -32600),
            (br#"{"id": 1, "method": "ping"}"#, -32600),
            (br#"{"jsonrpc": "2.0", "id": 1}"#, -32600),
        ] {
            let r = *check_jsonrpc(body).unwrap_err();
            assert_eq!(r.status(), StatusCode::BAD_REQUEST);
            let bytes = axum::body::to_bytes(r.into_body(), 4096).await.unwrap();
            let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
            assert_eq!(v["error"]["code"], code, "{v}");
        }
        assert!(check_jsonrpc(br#"{"jsonrpc": "2.0", "id": 1, "method": "ping"}"#).is_ok());
        assert!(check_jsonrpc(br#"{"jsonrpc": "2.0", "method": "notifications/initialized"}"#).is_ok());
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
