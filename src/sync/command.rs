//! `fastintercom sync`: settings into [`SyncOptions`], one run or the `--interval` loop (stopped by
//! SIGTERM/SIGINT), and the exit codes.

use super::{EXIT_BUSY, EXIT_STOPPED, Stop, Stopped, SyncBusy, SyncOptions, now, sync_once};
use crate::config::Settings;
use crate::intercom::ApiConfig;
use anyhow::{Context, Result};
use std::path::PathBuf;
use std::time::Duration;

/// What `fastintercom sync` was asked to do; the rest comes from [`Settings`].
#[derive(Debug, Clone, Default)]
pub struct SyncCommandOptions {
    /// Keep running, syncing every this many minutes; `None`: one run.
    pub interval: Option<u64>,
    /// Fetch every conversation, not only the backfill window (first run only).
    pub full: bool,
    /// Backfill from this time (`30d`, `YYYY-MM-DD`, ...) instead of the configured days (first run only).
    pub since: Option<String>,
    /// Only wait out 429s; do not pace requests from the rate-limit headers.
    pub no_proactive_throttle: bool,
    /// Database path; `None`: from the settings.
    pub db: Option<PathBuf>,
}

/// `fastintercom sync [--once | --interval MIN] [--full] [--since DATE] [--db PATH]`.
pub async fn run_cli(a: SyncCommandOptions) -> Result<u8> {
    let settings = Settings::load()?;
    let db = settings.db_path(a.db.as_deref());
    let since = a
        .since
        .as_deref()
        .map(|s| crate::timespec::parse_time(s, now()))
        .transpose()
        .context("reading --since")?;
    if let Some(s) = since.filter(|s| *s > now()) {
        anyhow::bail!(
            "--since {} is in the future: the backfill would fetch nothing; use a past time such as 30d or YYYY-MM-DD",
            crate::timespec::fmt_time(s)
        );
    }
    let opts = SyncOptions {
        db,
        api: ApiConfig::from_settings(&settings)?,
        full: a.full,
        since,
        backfill_days: settings.backfill_days()?,
        reconcile_hours: settings.reconcile_hours()?,
        max_delete_percent: settings.reconcile_max_delete_percent()?,
        progress: true,
        proactive_throttle: !a.no_proactive_throttle,
        stop: Stop::default(),
        rate_reserve_percent: settings.rate_reserve_percent()?,
    };
    let Some(minutes) = a.interval else {
        return once(opts).await;
    };
    // Installed before the first run: a signal during a run stops it at the next batch boundary, one
    // during the sleep ends the loop; none is lost in between.
    let stop = Stop::on_signals().context("installing the SIGTERM/SIGINT handlers")?;
    let _ = sd_notify::notify(&[sd_notify::NotifyState::Ready]);
    let mut opts = SyncOptions { stop, ..opts };
    loop {
        match sync_once(opts.clone()).await {
            Ok(_) => {}
            Err(e) if e.downcast_ref::<Stopped>().is_some() => {
                tracing::info!("sync stopped on request at a batch boundary; the checkpoint is intact");
                return Ok(EXIT_STOPPED);
            }
            Err(e) if e.downcast_ref::<SyncBusy>().is_some() => tracing::warn!("{e}"),
            // Under journald sync_once already logged it with its structured fields; elsewhere say it
            // here, since the loop goes on and nobody else will.
            Err(e) if !crate::telemetry::is_journald() => {
                tracing::error!(
                    sync_status = "error",
                    "sync failed: {e:#}; next try in {minutes} min"
                )
            }
            Err(_) => {}
        }
        // --full and --since apply to the first run only.
        opts.full = false;
        opts.since = None;
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(minutes.max(1).saturating_mul(60))) => {}
            _ = opts.stop.wait() => return Ok(0),
        }
    }
}

async fn once(opts: SyncOptions) -> Result<u8> {
    match sync_once(opts).await {
        Ok(_) => Ok(0),
        Err(e) if e.downcast_ref::<SyncBusy>().is_some() => {
            eprintln!("fastintercom: {e}");
            Ok(EXIT_BUSY)
        }
        Err(e) if e.downcast_ref::<Stopped>().is_some() => {
            eprintln!("fastintercom: {e}");
            Ok(EXIT_STOPPED)
        }
        Err(e) => Err(e),
    }
}
