//! Intercom's rate limit (API notes §7): per-token fixed 10-second windows aligned to wall-clock
//! multiples of 10 s. Every authenticated response carries the `X-RateLimit-*` headers.

use std::collections::HashMap;

/// Limit advertised when rate limiting is off.
pub const UNLIMITED: u32 = 10_000;

#[derive(Default)]
pub struct RateLimiter {
    window_start: i64,
    used: HashMap<String, u32>,
}

/// The outcome for one request: whether it may proceed, and the header values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Decision {
    pub allowed: bool,
    pub limit: u32,
    pub remaining: u32,
    /// Unix seconds of the window end.
    pub reset: i64,
}

impl RateLimiter {
    /// Count one request for `token` at time `now_s` under `limit` per window (0 = unlimited).
    pub fn check(&mut self, token: &str, limit: u32, now_s: i64) -> Decision {
        let start = now_s.div_euclid(10) * 10;
        if start != self.window_start {
            self.window_start = start;
            self.used.clear();
        }
        let reset = start + 10;
        let used = self.used.entry(token.to_string()).or_insert(0);
        let lim = if limit == 0 { UNLIMITED } else { limit };
        if limit != 0 && *used >= limit {
            return Decision {
                allowed: false,
                limit: lim,
                remaining: 0,
                reset,
            };
        }
        *used += 1;
        Decision {
            allowed: true,
            limit: lim,
            remaining: lim.saturating_sub(*used),
            reset,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_windows() {
        let mut r = RateLimiter::default();
        assert_eq!(
            r.check("t", 2, 1001),
            Decision {
                allowed: true,
                limit: 2,
                remaining: 1,
                reset: 1010
            }
        );
        assert!(r.check("t", 2, 1005).allowed);
        assert!(!r.check("t", 2, 1009).allowed);
        assert!(r.check("other", 2, 1009).allowed);
        assert!(r.check("t", 2, 1010).allowed);
        assert_eq!(r.check("t", 0, 1010).limit, UNLIMITED);
    }
}
