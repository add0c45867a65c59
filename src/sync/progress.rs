//! Progress while a sync runs: `STATUS=` lines for systemd (no-op without `NOTIFY_SOCKET`), and an
//! indicatif bar when stderr is a terminal and the caller asked for one.

use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Shared by the sync tasks; cheap to call often (systemd updates are throttled to one a second).
pub struct Progress {
    bar: Option<ProgressBar>,
    state: Mutex<State>,
}

struct State {
    phase: String,
    done: u64,
    last_notify: Option<Instant>,
}

impl Progress {
    /// `show_bar`: draw a bar when stderr is a terminal.
    pub fn new(show_bar: bool) -> Progress {
        let bar = (show_bar && std::io::stderr().is_terminal()).then(|| {
            let b = ProgressBar::new_spinner();
            b.set_style(
                ProgressStyle::with_template("{spinner} {msg} {pos} [{elapsed_precise}, {per_sec}]")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            b.enable_steady_tick(Duration::from_millis(200));
            b
        });
        Progress {
            bar,
            state: Mutex::new(State {
                phase: String::new(),
                done: 0,
                last_notify: None,
            }),
        }
    }

    /// Start a phase ("conversations", "contacts"...): resets the counter.
    pub fn phase(&self, name: &str) {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        s.phase = name.to_string();
        s.done = 0;
        if let Some(b) = &self.bar {
            // Reset first: the steady tick may draw between the two calls, and "contacts 3000" (the
            // previous phase's count under the new name) would be a lie.
            b.set_position(0);
            b.reset_elapsed();
            b.set_message(name.to_string());
        }
        s.last_notify = None;
        Self::notify(&mut s);
    }

    /// `n` more items of the current phase are stored.
    pub fn inc(&self, n: u64) {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        s.done += n;
        if let Some(b) = &self.bar {
            b.inc(n);
        }
        Self::notify(&mut s);
    }

    /// A final line for systemd.
    pub fn finish(&self, line: &str) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
        let _ = sd_notify::notify(&[sd_notify::NotifyState::Status(line)]);
    }

    fn notify(s: &mut State) {
        if s.last_notify
            .is_some_and(|t| t.elapsed() < Duration::from_secs(1))
        {
            return;
        }
        s.last_notify = Some(Instant::now());
        let line = format!("syncing {}: {} stored", s.phase, s.done);
        let _ = sd_notify::notify(&[sd_notify::NotifyState::Status(&line)]);
    }
}
