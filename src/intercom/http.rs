//! Sending one Intercom request: headers, the adaptive in-flight bound ([`super::concurrency`]), rate-limit pacing, bounded retries with
//! backoff, status → [`ApiError`] mapping, and request statistics.
//!
//! Retry policy: 5xx, 408, timeouts, connection errors and 2xx bodies that are empty or not JSON are
//! retried with exponential backoff and full jitter (250 ms doubling, capped at 8 s), at most
//! `max_retries` times. A 429 waits until `X-RateLimit-Reset` (10 s without it) and is retried up to
//! [`MAX_RATE_LIMIT_RETRIES`] times, separately. Other 4xx are returned at once.

use super::concurrency::Gate;
use super::config::ApiConfig;
use super::error::{ApiError, error_detail, one_line};
use super::ratelimit::{RateHeaders, RateLimiter};
use reqwest::Method;
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderMap, HeaderValue};
use serde_json::Value;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// How many 429s one request waits out before giving up (each wait lasts until the window refills).
pub const MAX_RATE_LIMIT_RETRIES: u32 = 30;
const BACKOFF_BASE_MS: u64 = 250;
const BACKOFF_CAP_MS: u64 = 8_000;
/// A timed-out request is not tried again once the server has answered nothing at all for this long (or
/// two timeouts, if longer): it is down, and `max_retries` whole timeouts would keep the caller waiting
/// for minutes. A merely slow or flaky server answers other requests in between and is retried as usual.
const GIVE_UP_SILENT: Duration = Duration::from_secs(60);

/// Counters since the client was built (see [`super::IntercomClient::stats`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ApiStats {
    /// HTTP requests sent (including retries).
    pub requests: u64,
    /// 429 answers received.
    pub rate_limited: u64,
    /// Requests sent again after a failure (5xx, 429, transport, malformed).
    pub retries: u64,
    /// Times a request waited proactively for the rate-limit window to refill.
    pub throttle_waits: u64,
    pub throttle_wait_ms: u64,
}

#[derive(Debug, Default)]
struct Counters {
    requests: AtomicU64,
    rate_limited: AtomicU64,
    retries: AtomicU64,
    throttle_waits: AtomicU64,
    throttle_wait_ms: AtomicU64,
}

fn bump(c: &AtomicU64, n: u64) {
    c.fetch_add(n, Ordering::Relaxed);
}

/// One request to make (possibly several times).
pub struct Call<'a> {
    pub method: Method,
    /// Starts with `/`, already percent-encoded.
    pub path: String,
    pub query: Vec<(&'static str, String)>,
    pub body: Option<&'a Value>,
}

enum Failure {
    Retry(ApiError),
    /// No answer within the timeout (retried until the server has been silent for [`GIVE_UP_SILENT`]).
    Timeout(ApiError),
    RateLimited(Option<RateHeaders>),
    Fatal(ApiError),
}

/// Jittered exponential backoff before retry number `failures` (1-based).
fn backoff_ms(failures: u32) -> u64 {
    let ceiling = (BACKOFF_BASE_MS << (failures.saturating_sub(1)).min(16)).min(BACKOFF_CAP_MS);
    fastrand::u64(0..=ceiling)
}

/// The shared sending machinery behind one [`super::IntercomClient`].
pub struct Core {
    http: reqwest::Client,
    base_url: String,
    token: crate::config::Token,
    timeout: Duration,
    max_retries: u32,
    concurrency: usize,
    /// The adaptive in-flight bound (at most `concurrency`).
    pub gate: Gate,
    pub limiter: RateLimiter,
    counters: Counters,
    created: Instant,
    /// When the server last answered anything (ms after `created`).
    last_answer_ms: AtomicU64,
}

impl std::fmt::Debug for Core {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Core")
            .field("base_url", &self.base_url)
            .field("concurrency", &self.concurrency)
            .field("max_retries", &self.max_retries)
            .finish_non_exhaustive()
    }
}

impl Core {
    pub fn new(cfg: ApiConfig) -> Result<Core, ApiError> {
        let base_url = cfg.base_url.trim_end_matches('/').to_string();
        let parsed = reqwest::Url::parse(&base_url)
            .map_err(|e| ApiError::Config(format!("API base URL {base_url:?} is not a URL: {e}")))?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
            return Err(ApiError::Config(format!(
                "API base URL {base_url:?} must be an http:// or https:// URL with a host"
            )));
        }
        if cfg.token.expose().trim().is_empty() {
            return Err(ApiError::Config("the Intercom access token is empty".into()));
        }
        let concurrency = cfg.concurrency.max(1);

        let mut headers = HeaderMap::new();
        let mut auth = HeaderValue::from_str(&format!("Bearer {}", cfg.token.expose())).map_err(|_| {
            ApiError::Config(
                "the access token contains characters that cannot be sent in an HTTP header".into(),
            )
        })?;
        auth.set_sensitive(true);
        headers.insert(AUTHORIZATION, auth);
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        headers.insert(
            "intercom-version",
            HeaderValue::from_str(&cfg.version)
                .map_err(|_| ApiError::Config(format!("Intercom version {:?} is not valid", cfg.version)))?,
        );

        // reqwest is built with `rustls-no-provider`: ring must be installed before building. The
        // certificate verifier is rustls-platform-verifier (the system's roots).
        crate::tls::init();
        let http = reqwest::Client::builder()
            .default_headers(headers)
            .user_agent(concat!("fastintercom/", env!("CARGO_PKG_VERSION")))
            .timeout(cfg.timeout)
            .connect_timeout(cfg.timeout.min(Duration::from_secs(10)))
            .pool_max_idle_per_host(concurrency)
            .pool_idle_timeout(Duration::from_secs(50))
            .http1_only()
            .tcp_nodelay(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| ApiError::Config(format!("cannot build the HTTP client: {}", root_cause(&e))))?;

        Ok(Core {
            http,
            base_url,
            token: cfg.token,
            timeout: cfg.timeout,
            max_retries: cfg.max_retries,
            concurrency,
            gate: Gate::new(concurrency),
            limiter: RateLimiter::new(),
            counters: Counters::default(),
            created: Instant::now(),
            last_answer_ms: AtomicU64::new(0),
        })
    }

    /// How long the server has answered nothing (since this client was built, if never).
    fn silent_for(&self) -> Duration {
        let last = Duration::from_millis(self.last_answer_ms.load(Ordering::Relaxed));
        self.created.elapsed().saturating_sub(last)
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    pub fn concurrency(&self) -> usize {
        self.concurrency
    }

    pub fn stats(&self) -> ApiStats {
        let c = &self.counters;
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        ApiStats {
            requests: get(&c.requests),
            rate_limited: get(&c.rate_limited),
            retries: get(&c.retries),
            throttle_waits: get(&c.throttle_waits),
            throttle_wait_ms: get(&c.throttle_wait_ms),
        }
    }

    /// Send `call` until it succeeds or fails for good; a 2xx answer's JSON body.
    pub async fn json(&self, call: &Call<'_>) -> Result<Value, ApiError> {
        let mut failures = 0u32;
        let mut limited = 0u32;
        loop {
            let (error, wait_ms) = match self.attempt(call).await {
                Ok(v) => return Ok(v),
                Err(Failure::Fatal(e)) => return Err(e),
                Err(Failure::RateLimited(h)) => {
                    limited += 1;
                    if limited > MAX_RATE_LIMIT_RETRIES {
                        return Err(ApiError::RateLimited);
                    }
                    (ApiError::RateLimited, self.limiter.backoff_after_429(h))
                }
                Err(Failure::Timeout(e)) => {
                    let silent = self.silent_for();
                    if silent >= GIVE_UP_SILENT.max(self.timeout * 2) {
                        return Err(ApiError::Transport(format!(
                            "Intercom at {} has not answered anything for {} s (timeouts): giving up",
                            self.base_url,
                            silent.as_secs()
                        )));
                    }
                    if failures >= self.max_retries {
                        return Err(e);
                    }
                    failures += 1;
                    (e, backoff_ms(failures))
                }
                Err(Failure::Retry(e)) => {
                    if failures >= self.max_retries {
                        return Err(e);
                    }
                    failures += 1;
                    (e, backoff_ms(failures))
                }
            };
            bump(&self.counters.retries, 1);
            tracing::warn!(
                method = %call.method,
                path = %call.path,
                error = %error,
                failures,
                rate_limited = limited,
                wait_ms,
                "retrying Intercom request"
            );
            tokio::time::sleep(Duration::from_millis(wait_ms)).await;
        }
    }

    async fn attempt(&self, call: &Call<'_>) -> Result<Value, Failure> {
        let _permit = self.gate.acquire().await;
        let (slot, waited) = self.limiter.acquire().await;
        if waited.waits > 0 {
            bump(&self.counters.throttle_waits, waited.waits);
            bump(&self.counters.throttle_wait_ms, waited.wait_ms);
        }
        let mut req = self
            .http
            .request(call.method.clone(), format!("{}{}", self.base_url, call.path));
        if !call.query.is_empty() {
            req = req.query(&call.query);
        }
        if let Some(body) = call.body {
            req = req.json(body);
        }
        let start = Instant::now();
        bump(&self.counters.requests, 1);
        let resp = match req.send().await {
            Ok(r) => r,
            Err(e) => {
                drop(slot);
                let err = self.transport_error(&e);
                tracing::debug!(method = %call.method, path = %call.path, error = %err, "intercom request failed");
                return Err(if e.is_timeout() {
                    Failure::Timeout(err)
                } else {
                    Failure::Retry(err)
                });
            }
        };
        self.last_answer_ms
            .fetch_max(self.created.elapsed().as_millis() as u64, Ordering::Relaxed);
        let status = resp.status().as_u16();
        let rate = RateHeaders::from_headers(resp.headers());
        slot.observe(rate, status);
        self.gate
            .observe(start.elapsed(), rate, super::ratelimit::unix_ms());
        let link = resp
            .headers()
            .get(reqwest::header::LINK)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let body = match resp.bytes().await {
            Ok(b) => b,
            Err(e) => {
                let err = self.transport_error(&e);
                return Err(Failure::Retry(err));
            }
        };
        let ms = start.elapsed().as_millis() as u64;
        tracing::debug!(method = %call.method, path = %call.path, status, ms, bytes = body.len(), "intercom request");

        match status {
            200..=299 => {
                if body.iter().all(u8::is_ascii_whitespace) {
                    return Err(Failure::Retry(ApiError::Malformed(format!(
                        "{} {} answered {status} with an empty body",
                        call.method, call.path
                    ))));
                }
                serde_json::from_slice(&body).map_err(|e| {
                    Failure::Retry(ApiError::Malformed(format!(
                        "{} {} answered {status} with a body that is not JSON ({e})",
                        call.method, call.path
                    )))
                })
            }
            429 => {
                bump(&self.counters.rate_limited, 1);
                Err(Failure::RateLimited(rate))
            }
            _ => {
                let (code, message) = error_detail(status, &body);
                let (code, message) = (self.scrub(code), self.scrub(message));
                Err(match status {
                    401 => Failure::Fatal(ApiError::Unauthorized(format!("{code}: {message}"))),
                    403 => Failure::Fatal(ApiError::Forbidden(format!("{code}: {message}"))),
                    404 => Failure::Fatal(ApiError::NotFound),
                    410 if code == "contact_merged" => Failure::Fatal(ApiError::Merged {
                        canonical_id: link.as_deref().and_then(canonical_from_link),
                    }),
                    400 => Failure::Fatal(ApiError::BadRequest { code, message }),
                    408 | 500..=599 => Failure::Retry(ApiError::Server { status, message }),
                    _ => Failure::Fatal(ApiError::Client {
                        status,
                        code,
                        message,
                    }),
                })
            }
        }
    }

    /// "cannot reach Intercom at URL: connection refused", or a timeout, without the token.
    fn transport_error(&self, e: &reqwest::Error) -> ApiError {
        let msg = if e.is_timeout() {
            format!(
                "Intercom at {} did not answer within {} s (timeout)",
                self.base_url,
                self.timeout.as_secs_f64()
            )
        } else {
            format!("cannot reach Intercom at {}: {}", self.base_url, root_cause(e))
        };
        ApiError::Transport(self.scrub(msg))
    }

    /// Remove the token from text that came from outside (error bodies), just in case a server echoes it.
    fn scrub(&self, s: String) -> String {
        let t = self.token.expose();
        if t.len() >= 4 && s.contains(t) {
            s.replace(t, "***")
        } else {
            s
        }
    }
}

/// The innermost cause, e.g. "connection refused" rather than "error sending request for url (...)".
fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    let text = cur.to_string();
    let text = match text.find(" (os error") {
        Some(i) => text[..i].to_string(),
        None => text,
    };
    let mut chars = text.chars();
    let text = match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => "unknown error".to_string(),
    };
    one_line(&text, 200)
}

/// `</contacts/ID>; rel="canonical"` → `ID`.
fn canonical_from_link(link: &str) -> Option<String> {
    let start = link.find('<')? + 1;
    let end = start + link[start..].find('>')?;
    let target = &link[start..end];
    target
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// Percent-encode one path segment (ids are normally plain, but never trust that).
pub fn segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_header() {
        assert_eq!(
            canonical_from_link(r#"</contacts/abc123>; rel="canonical""#).as_deref(),
            Some("abc123")
        );
        assert_eq!(canonical_from_link("garbage"), None);
    }

    #[test]
    fn builds_for_https_with_ring_and_rejects_bad_config() {
        use crate::config::Token;
        let ok = Core::new(ApiConfig::new("https://api.eu.intercom.io/", Token::new("tok")));
        assert_eq!(ok.unwrap().base_url(), "https://api.eu.intercom.io");
        let bad = Core::new(ApiConfig::new("api.intercom.io", Token::new("tok"))).unwrap_err();
        assert!(matches!(bad, ApiError::Config(_)), "{bad}");
        let secret = "abc\ndef-secret";
        let bad = Core::new(ApiConfig::new("https://api.intercom.io", Token::new(secret))).unwrap_err();
        assert!(!bad.to_string().contains("def-secret"), "{bad}");
    }

    #[test]
    fn transport_errors_name_the_cause_not_the_request() {
        let io = std::io::Error::new(
            std::io::ErrorKind::ConnectionRefused,
            "Connection refused (os error 111)",
        );
        assert_eq!(root_cause(&io), "connection refused");
    }

    #[test]
    fn path_segments_are_encoded() {
        assert_eq!(segment("215469031447"), "215469031447");
        assert_eq!(segment("a/b c"), "a%2Fb%20c");
    }
}
