//! [`ApiConfig`]: where Intercom is, the token, and how hard the client may push (timeouts, retries,
//! parallelism). Built from [`crate::config::Settings`] or directly in tests.

use crate::config::{DEFAULT_INTERCOM_VERSION, Settings, Token};
use std::time::Duration;

/// Settings for [`super::IntercomClient`]. `Debug` never shows the token ([`Token`] redacts itself).
#[derive(Debug, Clone)]
pub struct ApiConfig {
    /// `https://api.intercom.io`, a regional host, or the simulator's `http://127.0.0.1:PORT`. No trailing slash.
    pub base_url: String,
    pub token: Token,
    /// Sent as `Intercom-Version` (default "2.16").
    pub version: String,
    /// Whole-request timeout (connect + send + read the body). Default 30 s.
    pub timeout: Duration,
    /// Retries for 5xx, timeouts, connection errors and malformed 200s. Default 6. 429s have their own,
    /// larger bound because waiting out a rate-limit window is expected, not a failure.
    pub max_retries: u32,
    /// The most requests in flight (and the keep-alive pool size). Default 64. Below it, the number in
    /// flight adapts to the measured latency and the advertised rate limit (see `concurrency.rs`).
    pub concurrency: usize,
}

impl ApiConfig {
    /// Defaults for everything but where and who.
    pub fn new(base_url: impl Into<String>, token: Token) -> ApiConfig {
        ApiConfig {
            base_url: base_url.into().trim_end_matches('/').to_string(),
            token,
            version: DEFAULT_INTERCOM_VERSION.to_string(),
            timeout: Duration::from_secs(30),
            max_retries: 6,
            concurrency: super::concurrency::DEFAULT_CEILING,
        }
    }

    /// Base URL, token, version and concurrency from the resolved settings (file, env, credentials).
    pub fn from_settings(s: &Settings) -> anyhow::Result<ApiConfig> {
        let mut cfg = ApiConfig::new(s.api_base()?, s.intercom_token()?);
        cfg.version = s.intercom_version();
        cfg.concurrency = s.concurrency()?;
        Ok(cfg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_token() {
        let cfg = ApiConfig::new("http://127.0.0.1:1/", Token::new("sekrit-token-value"));
        let dbg = format!("{cfg:?}");
        assert!(!dbg.contains("sekrit"), "{dbg}");
        assert_eq!(cfg.base_url, "http://127.0.0.1:1");
        assert_eq!(cfg.version, "2.16");
    }
}
