//! The HTTP front: one axum fallback handler that counts the request, injects latency and faults,
//! checks Accept / auth / Intercom-Version / rate limit, dispatches by path, and writes Intercom's
//! envelopes and error.list bodies. Lists and searches are answered by [`super::lists`]; the rest of
//! the workspace by [`super::workspace_routes`].

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, Request, StatusCode, header};
use axum::response::Response;
use fastrand::Rng;
use serde_json::{Value, json};

use super::config::{Faults, SimStats};
use super::faults::{self, ConnKill, Fault, faulty_page, list_fault};
use super::lists::{deleted_feed, plain_list, search_endpoint};
use super::ratelimit::{Decision, RateLimiter};
use super::render::{self, Parts};
use super::search::{self, Kind};
use super::workspace::Workspace;

/// Knobs the test harness can turn while the server runs.
pub struct Control {
    pub token: String,
    pub faults: Faults,
    pub rate_limit: u32,
    pub latency_ms: (u64, u64),
    pub rng: Rng,
}

/// Everything the handler shares; no lock is held across an await.
pub struct Shared {
    pub ws: RwLock<Workspace>,
    pub ctl: Mutex<Control>,
    pub stats: Mutex<SimStats>,
    pub limiter: Mutex<RateLimiter>,
    /// Cached total_count per (endpoint, query, sort), valid for one workspace generation.
    pub counts: Mutex<HashMap<String, (u64, usize)>>,
    pub base_url: String,
}

/// An API error: status, code and message, rendered as an error.list.
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// A `Link` header (410 `contact_merged` points at the canonical contact).
    pub link: Option<String>,
}

pub(super) fn err(status: u16, code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError {
        status: StatusCode::from_u16(status).expect("valid status"),
        code,
        message: message.into(),
        link: None,
    }
}

pub(super) fn not_found() -> ApiError {
    err(404, "not_found", "Resource Not Found")
}

impl From<search::QueryError> for ApiError {
    fn from(e: search::QueryError) -> Self {
        err(400, e.code, e.message)
    }
}

fn request_id() -> String {
    let a = fastrand::u64(..);
    let b = fastrand::u64(..);
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        0x8000 | (b >> 48 & 0x3fff),
        b & 0xffff_ffff_ffff
    )
}

fn error_body(code: &str, message: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({"type": "error.list", "request_id": request_id(),
        "errors": [{"code": code, "message": message}]}))
    .expect("serialize")
}

fn json_response(status: StatusCode, body: Vec<u8>) -> Response {
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    r
}

fn error_response(e: &ApiError) -> Response {
    let mut r = json_response(e.status, error_body(e.code, &e.message));
    if let Some(l) = e.link.as_deref().and_then(|l| HeaderValue::from_str(l).ok()) {
        r.headers_mut().insert(header::LINK, l);
    }
    r
}

fn add_rate_headers(r: &mut Response, d: &Decision) {
    let h = r.headers_mut();
    h.insert("x-ratelimit-limit", HeaderValue::from(d.limit));
    h.insert("x-ratelimit-remaining", HeaderValue::from(d.remaining));
    h.insert("x-ratelimit-reset", HeaderValue::from(d.reset));
}

/// The stats key of a request: method plus the path with ids replaced by `{id}`.
pub fn route_key(method: &Method, path: &str) -> String {
    let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
    let norm: Vec<&str> = segs
        .iter()
        .enumerate()
        .map(|(i, s)| {
            if i == 1 && !matches!(*s, "search" | "deleted" | "scroll" | "list") {
                "{id}"
            } else {
                s
            }
        })
        .collect();
    format!("{} /{}", method, norm.join("/"))
}

fn version_ok(v: &str) -> bool {
    if v == "Unstable" {
        return true;
    }
    let Some((maj, min)) = v.split_once('.') else {
        return false;
    };
    match (maj.parse::<u32>(), min.parse::<u32>()) {
        (Ok(1), Ok(m)) => m <= 4,
        (Ok(2), Ok(m)) => m <= 16,
        _ => false,
    }
}

fn accept_ok(h: &HeaderMap) -> bool {
    let Some(a) = h.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    a.trim().is_empty() || a.contains("json") || a.contains("*/*") || a.contains("application/*")
}

/// The one handler behind every route.
pub async fn handle(
    State(sh): State<Arc<Shared>>,
    ConnectInfo(kill): ConnectInfo<ConnKill>,
    req: Request<Body>,
) -> Response {
    let (parts, body) = req.into_parts();
    let key = route_key(&parts.method, parts.uri.path());
    {
        let mut st = sh.stats.lock().expect("stats");
        st.requests += 1;
        *st.by_route.entry(key).or_insert(0) += 1;
    }
    let (fault, latency, token, limit, slow_ms) = {
        let mut guard = sh.ctl.lock().expect("ctl");
        let c = &mut *guard;
        let f = faults::choose(&c.faults, &mut c.rng);
        let (lo, hi) = c.latency_ms;
        let lat = if hi > lo { c.rng.u64(lo..=hi) } else { lo };
        (f, lat, c.token.clone(), c.rate_limit, c.faults.slow_ms)
    };
    if fault != Fault::None {
        sh.stats.lock().expect("stats").faults += 1;
    }
    if latency > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(latency)).await;
    }
    match fault {
        Fault::Drop => {
            kill.kill();
            return json_response(StatusCode::OK, Vec::new());
        }
        Fault::Status(s) => {
            let code = if s == 503 {
                "service_unavailable"
            } else {
                "server_error"
            };
            let st = StatusCode::from_u16(s).expect("status");
            return json_response(st, error_body(code, "Simulated server error, please retry"));
        }
        Fault::Slow => tokio::time::sleep(std::time::Duration::from_millis(slow_ms)).await,
        _ => {}
    }
    if !accept_ok(&parts.headers) {
        return error_response(&err(
            406,
            "not_acceptable",
            "The Accept header must allow application/json",
        ));
    }
    let auth = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let presented = auth.strip_prefix("Bearer ").map(str::trim);
    if presented != Some(token.as_str()) || token.is_empty() {
        return error_response(&err(401, "unauthorized", "Access Token Invalid"));
    }
    let now_s = chrono::Utc::now().timestamp();
    let decision = sh.limiter.lock().expect("limiter").check(&token, limit, now_s);
    let mut resp = if !decision.allowed {
        sh.stats.lock().expect("stats").rate_limited += 1;
        error_response(&err(
            429,
            "rate_limit_exceeded",
            format!("Exceeded rate limit of {} in 10_seconds", decision.limit),
        ))
    } else {
        let version = parts
            .headers
            .get("intercom-version")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let result = match &version {
            Some(v) if !version_ok(v) => Err(err(
                400,
                "intercom_version_invalid",
                format!("The requested version '{v}' is not valid"),
            )),
            _ => {
                let bytes = axum::body::to_bytes(body, 16 << 20).await.unwrap_or_default();
                dispatch(&sh, &parts.method, &parts.uri, version.as_deref(), &bytes)
            }
        };
        match result {
            Ok(v) => json_response(StatusCode::OK, v),
            Err(e) => error_response(&e),
        }
    };
    add_rate_headers(&mut resp, &decision);
    if let Fault::Malformed { empty } = fault {
        let full = axum::body::to_bytes(std::mem::take(resp.body_mut()), usize::MAX)
            .await
            .unwrap_or_default();
        let cut = if empty {
            Bytes::new()
        } else {
            full.slice(..full.len() / 2)
        };
        *resp.status_mut() = StatusCode::OK;
        *resp.body_mut() = Body::from(cut);
    }
    resp
}

fn query_map(uri: &axum::http::Uri) -> HashMap<String, String> {
    Query::<HashMap<String, String>>::try_from_uri(uri)
        .map(|q| q.0)
        .unwrap_or_default()
}

pub(super) fn to_vec(v: &Value) -> Result<Vec<u8>, ApiError> {
    serde_json::to_vec(v).map_err(|e| err(500, "server_error", e.to_string()))
}

fn dispatch(
    sh: &Shared,
    method: &Method,
    uri: &axum::http::Uri,
    version: Option<&str>,
    body: &[u8],
) -> Result<Vec<u8>, ApiError> {
    let path = uri.path().trim_end_matches('/');
    let segs: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let q = query_map(uri);
    let ws = sh.ws.read().expect("workspace");
    let ws = &*ws;
    let get = method == Method::GET;
    let post = method == Method::POST;
    let v = match (segs.as_slice(), get, post) {
        (["me"], true, _) => render::me_json(ws),
        (["admins"], true, _) => {
            let admins: Vec<Value> = (0..ws.admins.len()).map(|i| render::admin_json(ws, i)).collect();
            list_fault(
                sh,
                json!({"type": "admin.list", "admins": admins}),
                "admins",
                None,
            )
        }
        (["admins", id], true, _) => {
            let i = ws.admins.iter().position(|a| a.id.to_string() == *id);
            let i = i.ok_or_else(|| err(404, "admin_not_found", "Admin not found"))?;
            render::admin_json(ws, i)
        }
        (["teams"], true, _) => {
            let teams: Vec<Value> = (0..ws.teams.len()).map(|i| render::team_json(ws, i)).collect();
            list_fault(sh, json!({"type": "team.list", "teams": teams}), "teams", None)
        }
        (["teams", id], true, _) => {
            let i = ws.teams.iter().position(|t| t.id.to_string() == *id);
            render::team_json(ws, i.ok_or_else(|| err(404, "team_not_found", "Team not found"))?)
        }
        (["tags"], true, _) => {
            let tags: Vec<Value> = (0..ws.tags.len()).map(|i| render::tag_json(ws, i)).collect();
            list_fault(sh, json!({"type": "list", "data": tags}), "data", None)
        }
        (["tags", id], true, _) => {
            let i = ws.tags.iter().position(|t| t.id.to_string() == *id);
            render::tag_json(ws, i.ok_or_else(|| err(404, "tag_not_found", "Tag not found"))?)
        }
        (["conversations"], true, _) => {
            let v = plain_list(sh, ws, Kind::Conversation, &q, 20)?;
            return faulty_page(sh, v, "conversations", &q);
        }
        (["conversations", "search"], _, true) => {
            return search_endpoint(sh, ws, Kind::Conversation, body, 20, false);
        }
        (["conversations", "deleted"], true, _) => {
            if let Some(v) = version
                && v != "Unstable"
                && !v.starts_with("2.16")
            {
                return Err(err(
                    400,
                    "intercom_version_invalid",
                    "Requested resource is not available in current API version.",
                ));
            }
            deleted_feed(sh, ws, &q)
        }
        (["conversations", id], true, _) => {
            let id: u64 = id.parse().map_err(|_| not_found())?;
            let c = ws.convs.get(&id).ok_or_else(not_found)?;
            let plain = q.get("display_as").is_some_and(|d| d == "plaintext");
            return serde_json::to_vec(&render::conversation_out(ws, c, Parts::Newest(500), plain))
                .map_err(|e| err(500, "server_error", e.to_string()));
        }
        (["contacts"], true, _) => {
            let v = plain_list(sh, ws, Kind::Contact, &q, 50)?;
            return faulty_page(sh, v, "data", &q);
        }
        (["contacts", "search"], _, true) => {
            // New contacts reach search late (quirk §10.12): only indexed rows are searched.
            return search_endpoint(sh, ws, Kind::Contact, body, 50, true);
        }
        (["contacts", id], true, _) => {
            let i = *ws.contact_by_id.get(*id).ok_or_else(not_found)?;
            if ws.contacts[i].merged_into.is_some() {
                let canonical = &ws.contacts[ws.canonical_contact(i)].id;
                return Err(ApiError {
                    status: StatusCode::GONE,
                    code: "contact_merged",
                    message: format!("Contact has been merged into {canonical}"),
                    link: Some(format!("</contacts/{canonical}>; rel=\"canonical\"")),
                });
            }
            render::contact_json(ws, &ws.contacts[i])
        }
        (["contacts", id, "tags"], true, _) => {
            let i = ws.contact_by_id.get(*id).ok_or_else(not_found)?;
            render::contact_tags_json(ws, &ws.contacts[*i])
        }
        (["contacts", id, "companies"], true, _) => {
            ws.contact_by_id.get(*id).ok_or_else(not_found)?;
            json!({"type": "list", "data": [], "pages": {"type": "pages", "page": 1, "per_page": 50, "total_pages": 0}, "total_count": 0})
        }
        _ => return super::workspace_routes::dispatch(sh, ws, method, &segs, &q, body),
    };
    to_vec(&v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_versions() {
        assert_eq!(
            route_key(&Method::GET, "/conversations/123"),
            "GET /conversations/{id}"
        );
        assert_eq!(
            route_key(&Method::POST, "/conversations/search"),
            "POST /conversations/search"
        );
        assert_eq!(
            route_key(&Method::GET, "/contacts/abc/tags"),
            "GET /contacts/{id}/tags"
        );
        assert_eq!(route_key(&Method::GET, "/me"), "GET /me");
        assert!(version_ok("2.16") && version_ok("1.0") && version_ok("Unstable"));
        assert!(!version_ok("2.17") && !version_ok("3.0") && !version_ok("x"));
    }
}
