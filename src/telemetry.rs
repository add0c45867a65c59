//! Logging: journald when started by systemd (`JOURNAL_STREAM` set), plain stderr otherwise.
//! Filter with `RUST_LOG` (default `info`; the interactive commands default to quieter levels so log lines do
//! not mix into their answers). Colour only when stderr is a terminal. Structured fields (counts, durations, requests, 429s)
//! become journal fields, e.g. `SYNC_STATUS=ok`, so `journalctl -o json` can be queried without prose.

use tracing_subscriber::{EnvFilter, layer::SubscriberExt, util::SubscriberInitExt};

static JOURNALD: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Whether logs go to journald (so structured fields are kept), as opposed to plain stderr.
pub fn is_journald() -> bool {
    JOURNALD.load(std::sync::atomic::Ordering::Relaxed)
}

/// Start logging with the default filter `info`.
pub fn init() {
    init_with_default("info");
}

/// Start logging; `default` is the level when `RUST_LOG` is not set (rmcp's own chatter stays at warn).
pub fn init_with_default(default: &str) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(format!("{default},rmcp=warn")));
    let registry = tracing_subscriber::registry().with(filter);
    if std::env::var_os("JOURNAL_STREAM").is_some()
        && let Ok(journald) = tracing_journald::layer()
    {
        let _ = registry
            .with(
                journald
                    .with_syslog_identifier("fastintercom".into())
                    // Fields as named (`SYNC_STATUS`), not tracing-journald's default `F_SYNC_STATUS`.
                    .with_field_prefix(None),
            )
            .try_init();
        JOURNALD.store(true, std::sync::atomic::Ordering::Relaxed);
        return;
    }
    let _ = registry
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
                .with_target(false),
        )
        .try_init();
}
