//! How many requests one client keeps in flight: as many as the rate budget needs under the measured
//! latency, never more than the ceiling.
//!
//! Little's law: to send `r` requests a second when each takes `t` seconds, about `r × t` must be in
//! flight. The budget `r` comes from the advertised `X-RateLimit-Limit` (per window, minus the reserve
//! kept for the client library's live calls) and, when the current window still has more left than the
//! steady rate would use before `X-RateLimit-Reset`, from `Remaining / time to reset` (a run that starts
//! mid-window uses that window too). `t` is a moving average of the measured request latency. The
//! target gets some headroom, stays within `[floor, ceiling]`, and is the ceiling itself while no
//! rate-limit headers have been seen (a server without limits). The rate limiter
//! ([`super::ratelimit`]) still decides when each request may go: this gate only keeps enough of them
//! ready, and bounds memory.

use super::ratelimit::RateHeaders;
use std::sync::Mutex;
use tokio::sync::Notify;

/// Never fewer than this in flight (unless the ceiling is lower): the old fixed default.
pub const FLOOR: usize = 8;
/// The default ceiling (`FASTINTERCOM_CONCURRENCY` unset): enough for Intercom's default 10,000/min at
/// ~300 ms a request with headroom, small enough that buffered responses stay a few MB.
pub const DEFAULT_CEILING: usize = 64;
/// Target = budget per second × latency × HEADROOM + SPARE.
const HEADROOM: f64 = 1.3;
const SPARE: f64 = 2.0;
/// Weight of a new latency sample in the moving average.
const ALPHA: f64 = 0.1;

#[derive(Debug)]
struct State {
    in_flight: usize,
    target: usize,
    /// Moving average of request latency, in seconds.
    latency_s: Option<f64>,
    /// Usable requests per second from the last headers (`None`: no headers seen yet).
    rate: Option<f64>,
    peak_target: usize,
}

/// Shared by every request of one client.
#[derive(Debug)]
pub struct Gate {
    state: Mutex<State>,
    changed: Notify,
    ceiling: usize,
    floor: usize,
    /// Share of each window (0..=90 %) this client leaves to others.
    reserve_percent: std::sync::atomic::AtomicU32,
}

/// A place in flight; dropping it frees the place.
#[must_use]
pub struct Permit<'a> {
    gate: &'a Gate,
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        let mut s = self.gate.lock();
        s.in_flight -= 1;
        drop(s);
        self.gate.changed.notify_one();
    }
}

impl Gate {
    /// `ceiling`: the most requests ever in flight (at least 1).
    pub fn new(ceiling: usize) -> Gate {
        let ceiling = ceiling.max(1);
        Gate {
            state: Mutex::new(State {
                in_flight: 0,
                target: ceiling,
                latency_s: None,
                rate: None,
                peak_target: 0,
            }),
            changed: Notify::new(),
            ceiling,
            floor: FLOOR.min(ceiling),
            reserve_percent: std::sync::atomic::AtomicU32::new(0),
        }
    }

    /// Leave `percent` of each window's limit unused (clamped to 0..=90).
    pub fn set_reserve_percent(&self, percent: u32) {
        self.reserve_percent
            .store(percent.min(90), std::sync::atomic::Ordering::Relaxed);
    }

    pub fn reserve_percent(&self) -> u32 {
        self.reserve_percent.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The current target, and the highest it has been.
    pub fn target(&self) -> (usize, usize) {
        let s = self.lock();
        (s.target, s.peak_target)
    }

    /// Wait for a place in flight.
    pub async fn acquire(&self) -> Permit<'_> {
        loop {
            let notified = self.changed.notified();
            {
                let mut s = self.lock();
                if s.in_flight < s.target {
                    s.in_flight += 1;
                    let more = s.in_flight < s.target;
                    drop(s);
                    if more {
                        // Pass the wake-up on: another waiter may fit too.
                        self.changed.notify_one();
                    }
                    return Permit { gate: self };
                }
            }
            notified.await;
        }
    }

    /// Record one answered request: how long it took and the rate-limit headers it carried.
    pub fn observe(&self, latency: std::time::Duration, h: Option<RateHeaders>, now_ms: i64) {
        let reserve = f64::from(self.reserve_percent()) / 100.0;
        let mut s = self.lock();
        let sample = latency.as_secs_f64();
        s.latency_s = Some(match s.latency_s {
            None => sample,
            Some(avg) => avg + ALPHA * (sample - avg),
        });
        if let Some(h) = h {
            let usable_limit = h.limit as f64 * (1.0 - reserve);
            let steady = usable_limit / 10.0;
            // What is left of this window beyond the reserve, spread over the time to its reset.
            let to_reset = ((h.reset * 1000 - now_ms) as f64 / 1000.0).max(1.0);
            let left = (h.remaining as f64 - h.limit as f64 * reserve).max(0.0);
            s.rate = Some(steady.max(left / to_reset).max(0.0));
        }
        let old = s.target;
        s.target = match (s.rate, s.latency_s) {
            (Some(rate), Some(lat)) => {
                let want = (rate * lat * HEADROOM + SPARE).ceil();
                (want.min(self.ceiling as f64) as usize).clamp(self.floor, self.ceiling)
            }
            _ => self.ceiling,
        };
        s.peak_target = s.peak_target.max(s.target);
        let grew = s.target > old;
        drop(s);
        if grew {
            self.changed.notify_one();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn h(limit: i64, remaining: i64, reset: i64) -> Option<RateHeaders> {
        Some(RateHeaders {
            limit,
            remaining,
            reset,
        })
    }

    #[test]
    fn target_follows_budget_times_latency() {
        let g = Gate::new(64);
        let now = 1_000_000_000;
        // 1,666 per 10 s at 225 ms: about 37 needed, 51 with headroom.
        g.observe(Duration::from_millis(225), h(1666, 1000, now / 1000 + 10), now);
        let (t, _) = g.target();
        assert!((45..=52).contains(&t), "{t}");
        // Without latency the floor holds.
        let g = Gate::new(64);
        g.observe(Duration::from_millis(1), h(1666, 1000, now / 1000 + 10), now);
        assert_eq!(g.target().0, FLOOR);
        // A low limit needs few.
        let g = Gate::new(64);
        g.observe(Duration::from_millis(300), h(100, 50, now / 1000 + 10), now);
        assert_eq!(g.target().0, FLOOR);
    }

    #[test]
    fn the_ceiling_and_the_reserve_bound_it() {
        let now = 1_000_000_000;
        let g = Gate::new(16);
        g.observe(Duration::from_millis(300), h(1666, 1000, now / 1000 + 10), now);
        assert_eq!(g.target().0, 16);
        let g = Gate::new(64);
        g.set_reserve_percent(50);
        g.observe(Duration::from_millis(225), h(1666, 800, now / 1000 + 10), now);
        let (t, _) = g.target();
        assert!((25..=30).contains(&t), "{t}");
    }

    #[test]
    fn a_full_window_about_to_reset_asks_for_more() {
        let now = 1_000_000_000;
        let g = Gate::new(200);
        // 1,000 left with one second to go: 1,000/s, not 166/s.
        g.observe(Duration::from_millis(100), h(1666, 1000, now / 1000 + 1), now);
        assert!(g.target().0 > 100, "{:?}", g.target());
    }

    #[tokio::test]
    async fn waits_when_the_target_is_reached() {
        let g = Gate::new(2);
        let a = g.acquire().await;
        let _b = g.acquire().await;
        assert!(
            tokio::time::timeout(Duration::from_millis(50), g.acquire())
                .await
                .is_err()
        );
        drop(a);
        let _c = tokio::time::timeout(Duration::from_millis(500), g.acquire())
            .await
            .expect("a freed place is handed on");
    }
}
