//! A client-side token bucket per API, shared (through `Arc`) by every resource of that API in a
//! run, so that infra stays under the vendor's budget instead of collecting 429s.
//!
//! Cloudflare, for example, allows 1,200 requests per 5 minutes per token:
//!
//! ```
//! use std::time::Duration;
//! use infra_providers::http::{RateLimit, RateLimiter};
//!
//! let cloudflare = RateLimit { requests: 1200, per: Duration::from_secs(300) };
//! let limiter = RateLimiter::new(cloudflare); // an Arc<RateLimiter>, cloned into each client
//! # let _ = limiter;
//! ```
//!
//! The bucket starts full (a burst of `requests`) and refills continuously at
//! `requests / per`. A caller that finds it empty reserves the next token and sleeps until it
//! is due, so waiting callers are served in arrival order.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

/// A budget of `requests` per `per`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimit {
    pub requests: u32,
    pub per: Duration,
}

/// The token bucket. Create one per API and share it.
#[derive(Debug)]
pub struct RateLimiter {
    limit: RateLimit,
    state: Mutex<Bucket>,
}

#[derive(Debug)]
struct Bucket {
    /// May go negative: each waiting caller has reserved one token.
    tokens: f64,
    refilled_at: Instant,
}

impl RateLimiter {
    pub fn new(limit: RateLimit) -> Arc<Self> {
        let limit = RateLimit {
            requests: limit.requests.max(1),
            per: limit.per,
        };
        Arc::new(RateLimiter {
            limit,
            state: Mutex::new(Bucket {
                tokens: f64::from(limit.requests),
                refilled_at: Instant::now(),
            }),
        })
    }

    pub fn limit(&self) -> RateLimit {
        self.limit
    }

    /// Take one token, waiting until one is available.
    pub async fn acquire(&self) {
        let wait = self.reserve();
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }

    /// Reserve a token now and return how long until it may be used.
    fn reserve(&self) -> Duration {
        let capacity = f64::from(self.limit.requests);
        if self.limit.per.is_zero() {
            return Duration::ZERO;
        }
        let rate = capacity / self.limit.per.as_secs_f64(); // tokens per second
        let mut bucket = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        let elapsed = now
            .saturating_duration_since(bucket.refilled_at)
            .as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * rate).min(capacity);
        bucket.refilled_at = now;
        bucket.tokens -= 1.0;
        if bucket.tokens >= 0.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(-bucket.tokens / rate)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn burst_then_steady_rate() {
        let limiter = RateLimiter::new(RateLimit {
            requests: 4,
            per: Duration::from_secs(2),
        });
        let start = Instant::now();
        for _ in 0..4 {
            limiter.acquire().await;
        }
        assert_eq!(
            start.elapsed(),
            Duration::ZERO,
            "the first `requests` are a burst"
        );
        for _ in 0..4 {
            limiter.acquire().await;
        }
        // 4 more tokens at 2 per second.
        let elapsed = start.elapsed();
        assert!(
            elapsed >= Duration::from_millis(1990) && elapsed < Duration::from_millis(2100),
            "{elapsed:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn shared_by_concurrent_callers() {
        let limiter = RateLimiter::new(RateLimit {
            requests: 2,
            per: Duration::from_secs(1),
        });
        let start = Instant::now();
        let tasks: Vec<_> = (0..6)
            .map(|_| {
                let l = limiter.clone();
                tokio::spawn(async move { l.acquire().await })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
        let elapsed = start.elapsed();
        assert!(elapsed >= Duration::from_millis(1990), "{elapsed:?}");
    }
}
