//! Stopping a run on request: SIGTERM/SIGINT set a flag the run checks at its batch boundaries (after a
//! write transaction commits, between pages and phases). Each commit carries its own checkpoint, so a run
//! stopped there loses nothing and the next one resumes from the checkpoint.

use std::sync::Arc;
use tokio::sync::watch;

/// Exit status of `sync` stopped by SIGTERM/SIGINT while a run was in progress (stopped cleanly at a batch
/// boundary; the checkpoint is intact). A signal while `sync --interval` sleeps exits 0.
pub const EXIT_STOPPED: u8 = 143;

/// The run stopped because a stop was requested (downcast it from the run's error).
#[derive(Debug, Clone, Copy, thiserror::Error)]
#[error("stopped on request (SIGTERM/SIGINT) at a batch boundary; the next run resumes from the checkpoint")]
pub struct Stopped;

/// A shared stop flag. `Default` is never requested unless [`Stop::request`] is called.
#[derive(Debug, Clone)]
pub struct Stop(Arc<watch::Sender<bool>>);

impl Default for Stop {
    fn default() -> Self {
        Stop(Arc::new(watch::Sender::new(false)))
    }
}

impl Stop {
    /// A flag raised by the first SIGTERM or SIGINT from now on (handlers installed before returning,
    /// so no signal is lost between runs or during one). Must run inside a tokio runtime.
    pub fn on_signals() -> std::io::Result<Stop> {
        use tokio::signal::unix::{SignalKind, signal};
        let stop = Stop::default();
        let mut term = signal(SignalKind::terminate())?;
        let mut int = signal(SignalKind::interrupt())?;
        let s = stop.clone();
        tokio::spawn(async move {
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
            tracing::info!("stop requested; finishing the current batch (signal again to stop at once)");
            s.request();
            // A second signal: stop now. Safe too: every commit carries its own checkpoint.
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
            tracing::warn!("second stop request; exiting without waiting for the batch");
            std::process::exit(i32::from(EXIT_STOPPED));
        });
        Ok(stop)
    }

    pub fn request(&self) {
        self.0.send_replace(true);
    }

    pub fn requested(&self) -> bool {
        *self.0.borrow()
    }

    /// `Err(Stopped)` once a stop was requested: call at a batch boundary.
    pub fn check(&self) -> Result<(), Stopped> {
        if self.requested() { Err(Stopped) } else { Ok(()) }
    }

    /// Resolves once a stop is requested.
    pub async fn wait(&self) {
        let mut rx = self.0.subscribe();
        let _ = rx.wait_for(|v| *v).await;
    }
}
