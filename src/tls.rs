//! TLS set-up shared by every HTTP client in the process (the Intercom REST client, the MCP-over-HTTP
//! cache source, the demo's health check). reqwest is built with `rustls-no-provider`, so a crypto
//! provider (ring; no aws-lc to build) must be installed before the first client is built, whichever
//! path builds it first.

/// Install ring as the process's rustls crypto provider. Idempotent and cheap; call it before building
/// any `reqwest::Client`.
pub fn init() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // Err means another provider was installed first, which is as good.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}
