//! Proactive rate-limit pacing from `X-RateLimit-Limit/Remaining/Reset`, so a busy sync uses the
//! budget without drawing 429s.
//!
//! Intercom counts requests per token in fixed 10-second windows and reports, on every authenticated
//! response, the window's limit, what remains, and the Unix second at which it refills. The limiter
//! keeps a local count for the current window: every request reserves one slot before it is sent (so
//! requests in flight are accounted for), responses correct the count downwards (other clients of the
//! same token use the budget too), and when the count reaches zero callers sleep until the reset, plus
//! a little jitter so waiters do not stampede. Until the first response is seen, one request goes
//! alone to learn the headers. Responses without the headers (a server with no limits) switch pacing off.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::sync::Notify;

/// The three rate-limit headers of one response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateHeaders {
    pub limit: i64,
    pub remaining: i64,
    /// Unix seconds when the window refills.
    pub reset: i64,
}

/// The headers come from the network: a limit outside `1..=MAX_BUDGET` (0 would pace to a standstill), a
/// remaining outside `0..=MAX_BUDGET`, or a reset before
/// 1970 or more than `MAX_RESET_AHEAD_S` past our clock, is clamped on the way in, so the pacing
/// arithmetic (`reset * 1000`, sums and differences) cannot overflow and no wait exceeds a few minutes.
const MAX_BUDGET: i64 = 1_000_000;
const MAX_RESET_AHEAD_S: i64 = 300;

impl RateHeaders {
    pub fn from_headers(h: &reqwest::header::HeaderMap) -> Option<RateHeaders> {
        let num = |name: &str| h.get(name)?.to_str().ok()?.trim().parse::<i64>().ok();
        let latest_reset = unix_ms() / 1000 + MAX_RESET_AHEAD_S;
        Some(RateHeaders {
            limit: num("x-ratelimit-limit")?.clamp(1, MAX_BUDGET),
            remaining: num("x-ratelimit-remaining")?.clamp(0, MAX_BUDGET),
            reset: num("x-ratelimit-reset")?.clamp(0, latest_reset),
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Budget {
    /// Nothing seen yet: send one probe request at a time.
    Unknown,
    /// A successful response carried no rate-limit headers: no pacing.
    Unlimited,
    Limited {
        limit: i64,
        /// Slots not yet reserved in the current window (our estimate).
        remaining: i64,
        /// Unix seconds when the current window refills (confirmed by the server, or guessed as the
        /// previous reset plus one window length after a local rollover).
        reset: i64,
    },
}

#[derive(Debug)]
struct State {
    budget: Budget,
    /// The newest reset the server has reported.
    confirmed_reset: i64,
    in_flight: i64,
    window_secs: i64,
    /// Extra wait after a reset, learned from 429s that arrive after the reset we expected (clock skew).
    skew_ms: i64,
    /// Percent of each window's limit left unreserved for other users of the token.
    reserve_percent: i64,
}

/// Shared by all requests of one [`super::IntercomClient`].
#[derive(Debug)]
pub struct RateLimiter {
    state: Mutex<State>,
    changed: Notify,
    enabled: AtomicBool,
}

/// What [`RateLimiter::acquire`] had to wait for the window to refill, if anything.
#[derive(Debug, Default, Clone, Copy)]
pub struct Waited {
    pub waits: u64,
    pub wait_ms: u64,
}

/// A reserved slot. Report the response with [`Slot::observe`]; dropping it unreported (transport
/// error, cancelled future) just frees the in-flight count.
#[must_use]
pub struct Slot<'a> {
    limiter: &'a RateLimiter,
    done: bool,
}

pub(crate) fn unix_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// 25..100 ms: enough to land after the server's reset, spread so waiters do not all fire at once.
fn jitter_ms() -> i64 {
    25 + fastrand::i64(0..75)
}

const MAX_SKEW_MS: i64 = 3000;

impl Default for RateLimiter {
    fn default() -> Self {
        Self::new()
    }
}

impl RateLimiter {
    pub fn new() -> Self {
        RateLimiter {
            state: Mutex::new(State {
                budget: Budget::Unknown,
                confirmed_reset: 0,
                in_flight: 0,
                window_secs: 10,
                skew_ms: 0,
                reserve_percent: 0,
            }),
            changed: Notify::new(),
            enabled: AtomicBool::new(true),
        }
    }

    /// Turn proactive pacing on or off (off: requests go out at once and 429s are waited out instead).
    pub fn set_enabled(&self, on: bool) {
        self.enabled.store(on, Ordering::Relaxed);
        self.changed.notify_waiters();
    }

    /// Leave `percent` (0..=90) of each window's limit unused, for other users of the same token.
    pub fn set_reserve_percent(&self, percent: u32) {
        self.lock().reserve_percent = i64::from(percent.min(90));
        self.changed.notify_waiters();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Milliseconds to wait after a 429 whose headers were `h` (10 s without headers).
    pub fn backoff_after_429(&self, h: Option<RateHeaders>) -> u64 {
        match h {
            None => 10_000 + fastrand::u64(0..250),
            Some(h) => {
                let skew = self.lock().skew_ms;
                (h.reset * 1000 + skew + jitter_ms() - unix_ms()).clamp(50, 60_000) as u64
            }
        }
    }

    /// Reserve a slot in the current window, waiting for the next one when this one is used up.
    pub async fn acquire(&self) -> (Slot<'_>, Waited) {
        let mut waited = Waited::default();
        loop {
            let notified = self.changed.notified();
            let sleep_ms = {
                let mut s = self.lock();
                let enabled = self.enabled.load(Ordering::Relaxed);
                let now = unix_ms();
                let window_secs = s.window_secs;
                let in_flight = s.in_flight;
                let skew = s.skew_ms;
                let reserve_percent = s.reserve_percent;
                let outcome = match &mut s.budget {
                    _ if !enabled => None,
                    Budget::Unlimited => None,
                    Budget::Unknown if in_flight == 0 => None,
                    Budget::Unknown => Some(None),
                    Budget::Limited {
                        limit,
                        remaining,
                        reset,
                    } => {
                        let reset_ms = *reset * 1000 + skew;
                        if now >= reset_ms {
                            // The window has refilled; requests still in flight may land in it.
                            let behind = (now - reset_ms) / 1000 / window_secs.max(1);
                            *reset += window_secs * (behind + 1);
                            *remaining = (*limit - in_flight).max(0);
                        }
                        // Slots kept for others: a ceiling division, so any reserve keeps at least one.
                        let reserve = (*limit * reserve_percent + 99) / 100;
                        if *remaining > reserve {
                            *remaining -= 1;
                            None
                        } else {
                            Some(Some((*reset * 1000 + skew + jitter_ms() - now).max(1)))
                        }
                    }
                };
                match outcome {
                    None => {
                        s.in_flight += 1;
                        return (
                            Slot {
                                limiter: self,
                                done: false,
                            },
                            waited,
                        );
                    }
                    Some(ms) => ms,
                }
            };
            match sleep_ms {
                // Waiting for the probe's answer.
                None => {
                    let _ = tokio::time::timeout(Duration::from_millis(500), notified).await;
                }
                Some(ms) => {
                    tracing::debug!(wait_ms = ms, "rate-limit window used up; waiting for the reset");
                    let start = std::time::Instant::now();
                    tokio::time::sleep(Duration::from_millis(ms as u64)).await;
                    waited.waits += 1;
                    waited.wait_ms += start.elapsed().as_millis() as u64;
                }
            }
        }
    }

    /// When the responses seen so far say this window's budget is used up (a 429, or
    /// `X-RateLimit-Remaining: 0`): the Unix second it refills. None while budget remains or is unknown.
    pub fn spent_until(&self) -> Option<i64> {
        let s = self.lock();
        match s.budget {
            Budget::Limited { remaining, reset, .. }
                if remaining <= 0 && unix_ms() < reset * 1000 + s.skew_ms =>
            {
                Some(reset)
            }
            _ => None,
        }
    }

    fn observe(&self, h: Option<RateHeaders>, status: u16) {
        let mut s = self.lock();
        s.in_flight -= 1;
        match h {
            None => {
                if s.budget == Budget::Unknown && (200..300).contains(&status) {
                    s.budget = Budget::Unlimited;
                }
            }
            Some(h) => {
                let others = s.in_flight;
                let confirmed = s.confirmed_reset;
                let too_many = status == 429;
                match &mut s.budget {
                    Budget::Limited {
                        limit,
                        remaining,
                        reset,
                    } if h.reset == *reset => {
                        *limit = h.limit;
                        *remaining = (*remaining).min(h.remaining);
                        if too_many {
                            *remaining = 0;
                        }
                    }
                    Budget::Limited { .. } if h.reset <= confirmed => {} // a late answer from an old window
                    budget => {
                        // First answer, or a window we did not predict: trust the server, and assume
                        // the other requests in flight are not counted yet.
                        let remaining = if too_many {
                            0
                        } else {
                            (h.remaining - others).max(0)
                        };
                        *budget = Budget::Limited {
                            limit: h.limit,
                            remaining,
                            reset: h.reset,
                        };
                        if confirmed > 0 && h.reset > confirmed && h.reset - confirmed <= 60 {
                            s.window_secs = s.window_secs.min(h.reset - confirmed).max(1);
                        }
                    }
                }
                s.confirmed_reset = s.confirmed_reset.max(h.reset);
                if too_many && unix_ms() >= h.reset * 1000 + s.skew_ms {
                    // The server still counts a window we believed over: its clock is behind ours.
                    s.skew_ms = (s.skew_ms + 250).min(MAX_SKEW_MS);
                }
            }
        }
        drop(s);
        self.changed.notify_waiters();
    }
}

impl Slot<'_> {
    /// Record the response's status and rate-limit headers.
    pub fn observe(mut self, h: Option<RateHeaders>, status: u16) {
        self.done = true;
        self.limiter.observe(h, status);
    }
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        if !self.done {
            self.limiter.lock().in_flight -= 1;
            self.limiter.changed.notify_waiters();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(limit: i64, remaining: i64, reset: i64) -> Option<RateHeaders> {
        Some(RateHeaders {
            limit,
            remaining,
            reset,
        })
    }

    #[tokio::test]
    async fn reserves_until_the_window_is_used_up() {
        let rl = RateLimiter::new();
        let reset = unix_ms() / 1000 + 60;
        let (slot, _) = rl.acquire().await;
        slot.observe(h(5, 4, reset), 200);
        for _ in 0..4 {
            let (slot, w) = rl.acquire().await;
            assert_eq!(w.waits, 0);
            std::mem::forget(slot); // stays in flight
        }
        let blocked = tokio::time::timeout(Duration::from_millis(200), rl.acquire()).await;
        assert!(blocked.is_err(), "a fifth request must wait for the reset");
    }

    #[tokio::test]
    async fn waits_for_the_reset_then_refills() {
        let rl = RateLimiter::new();
        let reset = unix_ms() / 1000 + 1;
        let (slot, _) = rl.acquire().await;
        slot.observe(h(2, 0, reset), 200);
        let (slot, w) = rl.acquire().await;
        assert_eq!(w.waits, 1);
        assert!(unix_ms() >= reset * 1000);
        slot.observe(h(2, 1, reset + 10), 200);
        let (_slot, w) = rl.acquire().await;
        assert_eq!(w.waits, 0);
    }

    #[tokio::test]
    async fn a_spent_budget_is_known_until_its_reset() {
        let rl = RateLimiter::new();
        rl.set_enabled(false); // as for live calls: the headers alone say it
        assert_eq!(rl.spent_until(), None);
        let reset = unix_ms() / 1000 + 30;
        let (slot, _) = rl.acquire().await;
        slot.observe(h(10, 3, reset), 200);
        assert_eq!(rl.spent_until(), None);
        let (slot, _) = rl.acquire().await;
        slot.observe(h(10, 0, reset), 429);
        assert_eq!(rl.spent_until(), Some(reset));
        // A window that has already refilled is not spent.
        let rl = RateLimiter::new();
        let (slot, _) = rl.acquire().await;
        slot.observe(h(10, 0, unix_ms() / 1000 - 1), 200);
        assert_eq!(rl.spent_until(), None);
    }

    #[tokio::test]
    async fn no_headers_means_no_pacing() {
        let rl = RateLimiter::new();
        let (slot, _) = rl.acquire().await;
        slot.observe(None, 200);
        let mut slots = Vec::new();
        for _ in 0..100 {
            let (s, w) = rl.acquire().await;
            assert_eq!(w.waits, 0);
            slots.push(s);
        }
    }

    #[tokio::test]
    async fn the_reserve_is_left_unused() {
        let rl = RateLimiter::new();
        rl.set_reserve_percent(10);
        let reset = unix_ms() / 1000 + 60;
        let (slot, _) = rl.acquire().await;
        slot.observe(h(20, 19, reset), 200);
        // 19 left, 2 of them (10 % of 20) kept for others: 17 more.
        for _ in 0..17 {
            let (slot, w) = rl.acquire().await;
            assert_eq!(w.waits, 0);
            std::mem::forget(slot);
        }
        let blocked = tokio::time::timeout(Duration::from_millis(200), rl.acquire()).await;
        assert!(blocked.is_err(), "the reserve must not be used");
    }

    #[tokio::test]
    async fn server_count_lowers_the_estimate() {
        let rl = RateLimiter::new();
        let reset = unix_ms() / 1000 + 60;
        let (slot, _) = rl.acquire().await;
        slot.observe(h(100, 99, reset), 200);
        // Another client used most of the budget.
        let (slot, _) = rl.acquire().await;
        slot.observe(h(100, 1, reset), 200);
        let (_a, _) = rl.acquire().await;
        assert!(
            tokio::time::timeout(Duration::from_millis(100), rl.acquire())
                .await
                .is_err()
        );
    }

    #[tokio::test]
    async fn extreme_header_values_are_clamped() {
        use reqwest::header::{HeaderMap, HeaderValue};
        let headers = |limit: i64, remaining: i64, reset: i64| {
            let mut m = HeaderMap::new();
            m.insert("x-ratelimit-limit", HeaderValue::from(limit));
            m.insert("x-ratelimit-remaining", HeaderValue::from(remaining));
            m.insert("x-ratelimit-reset", HeaderValue::from(reset));
            RateHeaders::from_headers(&m).unwrap()
        };
        let now_s = unix_ms() / 1000;
        for (l, r, t) in [
            (i64::MAX, i64::MAX, i64::MAX),
            (i64::MIN, i64::MIN, i64::MIN),
            (i64::MAX, i64::MIN, 0),
        ] {
            let h = headers(l, r, t);
            assert!((1..=MAX_BUDGET).contains(&h.limit) && (0..=MAX_BUDGET).contains(&h.remaining));
            assert!((0..=now_s + MAX_RESET_AHEAD_S + 1).contains(&h.reset), "{h:?}");
            let rl = RateLimiter::new();
            assert!(rl.backoff_after_429(Some(h)) <= 60_000);
            let (slot, _) = rl.acquire().await;
            slot.observe(Some(h), 200);
            let (slot, _) = tokio::time::timeout(Duration::from_secs(15), rl.acquire())
                .await
                .expect("no wait beyond one window");
            slot.observe(Some(h), 429);
        }
        // A reset far in the future waits at most a few minutes, not until then.
        let h = headers(10, 0, now_s + 1_000_000_000);
        assert!(h.reset <= now_s + MAX_RESET_AHEAD_S + 1);
    }
}
