//! [`ApiError`]: every way an Intercom call can fail, as one line a person understands.
//!
//! Callers branch on the variant (401 stops the sync, 404 means deleted, 5xx is retried). Messages never
//! contain the access token: the HTTP layer scrubs server text before it reaches an error.

/// An Intercom REST call that failed (after the retries the error allows, see [`ApiError::is_retryable`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// 401: the token is missing, invalid, revoked or expired. Not retried.
    #[error("Intercom rejected the access token (401 {0})")]
    Unauthorized(String),
    /// 403: the token lacks a scope, or the plan lacks the feature. Not retried.
    #[error("Intercom refused the request (403 {0})")]
    Forbidden(String),
    /// 404: the resource does not exist (for a conversation: deleted).
    #[error("Intercom has no such resource (404 not found)")]
    NotFound,
    /// 410 `contact_merged`: the contact was merged into `canonical_id` (from the `Link` header).
    #[error("the contact was merged into {}", canonical_id.as_deref().unwrap_or("another contact"))]
    Merged { canonical_id: Option<String> },
    /// 400: Intercom rejected the request (bad query, bad cursor, bad version...). Not retried.
    #[error("Intercom rejected the request (400 {code}: {message})")]
    BadRequest { code: String, message: String },
    /// Any other 4xx except 429 (405, 406, 409, 422...). Not retried.
    #[error("Intercom rejected the request ({status} {code}: {message})")]
    Client {
        status: u16,
        code: String,
        message: String,
    },
    /// 429 still coming after the rate-limit retries were used up.
    #[error("Intercom kept answering 429 rate limit exceeded; gave up after waiting through many windows")]
    RateLimited,
    /// 5xx (or 408) after the retries were used up.
    #[error("Intercom server error ({status}: {message})")]
    Server { status: u16, message: String },
    /// A 2xx whose body is empty, truncated or not the expected shape.
    #[error("Intercom sent a malformed response: {0}")]
    Malformed(String),
    /// Connection refused, DNS failure, TLS failure, timeout: the request got no HTTP answer.
    #[error("{0}")]
    Transport(String),
    /// The client could not be built (bad base URL, token not sendable as a header...).
    #[error("invalid Intercom client configuration: {0}")]
    Config(String),
}

impl ApiError {
    /// Whether trying again later can succeed (rate limits, 5xx, malformed bodies, transport errors).
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            ApiError::RateLimited | ApiError::Server { .. } | ApiError::Malformed(_) | ApiError::Transport(_)
        )
    }

    /// A short stable name for logs and metrics.
    pub fn kind(&self) -> &'static str {
        match self {
            ApiError::Unauthorized(_) => "unauthorized",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::NotFound => "not_found",
            ApiError::Merged { .. } => "merged",
            ApiError::BadRequest { .. } => "bad_request",
            ApiError::Client { .. } => "client_error",
            ApiError::RateLimited => "rate_limited",
            ApiError::Server { .. } => "server_error",
            ApiError::Malformed(_) => "malformed",
            ApiError::Transport(_) => "transport",
            ApiError::Config(_) => "config",
        }
    }
}

/// `code: message` from an Intercom `error.list` body, or a fallback from the status line.
pub(crate) fn error_detail(status: u16, body: &[u8]) -> (String, String) {
    let reason = reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("error")
        .to_ascii_lowercase();
    let parsed: Option<serde_json::Value> = serde_json::from_slice(body).ok();
    let first = parsed
        .as_ref()
        .and_then(|v| v.get("errors"))
        .and_then(|e| e.as_array())
        .and_then(|a| a.first());
    let code = first
        .and_then(|e| e.get("code"))
        .and_then(|c| c.as_str())
        .map(str::to_string)
        .unwrap_or_else(|| reason.replace(' ', "_"));
    let message = first
        .and_then(|e| e.get("message"))
        .and_then(|m| m.as_str())
        .map(str::to_string)
        .unwrap_or_else(|| {
            let text = String::from_utf8_lossy(body);
            let text = text.trim();
            if text.is_empty() || parsed.is_some() {
                reason.clone()
            } else {
                one_line(text, 200)
            }
        });
    (code, message)
}

/// First line of `s`, at most `max` characters.
pub(crate) fn one_line(s: &str, max: usize) -> String {
    let line = s.lines().next().unwrap_or("").trim();
    if line.chars().count() <= max {
        line.to_string()
    } else {
        let cut: String = line.chars().take(max).collect();
        format!("{cut}...")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detail_from_error_list() {
        let body =
            br#"{"type":"error.list","errors":[{"code":"unauthorized","message":"Access Token Invalid"}]}"#;
        let (code, msg) = error_detail(401, body);
        let e = ApiError::Unauthorized(format!("{code}: {msg}"));
        assert_eq!(
            e.to_string(),
            "Intercom rejected the access token (401 unauthorized: Access Token Invalid)"
        );
        assert!(!e.is_retryable());
    }

    #[test]
    fn detail_without_body() {
        assert_eq!(
            error_detail(503, b""),
            ("service_unavailable".into(), "service unavailable".into())
        );
        assert_eq!(error_detail(502, b"<html>\nbad gateway").1, "<html>");
    }

    #[test]
    fn retryable_kinds() {
        assert!(ApiError::RateLimited.is_retryable());
        assert!(
            ApiError::Server {
                status: 500,
                message: "x".into()
            }
            .is_retryable()
        );
        assert!(!ApiError::NotFound.is_retryable());
        assert_eq!(ApiError::Transport("x".into()).kind(), "transport");
    }
}
