//! Classify an attempt, then decide: [`classify`] turns one attempt's outcome into a
//! [`RetryAction`], and [`Backoff`] says how long to wait before the next attempt.
//!
//! The rules (after smithy-rs' classifiers and octocrab's retry middleware):
//! - 2xx and 304 succeed; other statuses below 500 fail (redirects are not followed, so a
//!   credential never travels to another host), except as below; 429, 5xx, timeouts and connection errors are transient.
//! - A transient failure of a non-idempotent request (POST, PATCH) is retried only when the
//!   request certainly never reached the server (the connection could not be made) or the
//!   server refused it with 429: otherwise a retry could create a second object.
//! - `Retry-After` (seconds or an HTTP date) and exhausted rate-limit headers
//!   (`x-ratelimit-remaining: 0` with `x-ratelimit-reset` as epoch seconds or a delta) set the
//!   wait; a 403 is retried only when those headers say the rate limit is exhausted, or when
//!   it carries `Retry-After` (GitHub's secondary rate limits: "You have exceeded a secondary
//!   rate limit", refused before any processing, so a POST may be repeated too).
//! - Waits use exponential backoff with full jitter; the client bounds the number of attempts.

use std::time::{Duration, SystemTime};

use reqwest::header::HeaderMap;

/// What to do after one attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RetryAction {
    /// The attempt succeeded: hand the response to the caller.
    Success,
    /// Try again, after the server-requested wait if there is one (else after backoff).
    Retry { after: Option<Duration> },
    /// Give up: the failure is permanent or retrying is unsafe.
    Fail,
}

/// How an attempt that produced no HTTP response failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TransportFailure {
    /// The connection could not be established (refused, DNS, TLS handshake): the request was
    /// certainly not sent.
    Connect,
    /// No complete response within the timeout: the server may have acted on the request.
    Timeout,
    /// The connection broke mid-request or mid-response: the server may have acted on it.
    Other,
}

/// The outcome of one attempt, as far as retrying is concerned.
#[derive(Clone, Copy, Debug)]
pub enum Outcome<'a> {
    Response { status: u16, headers: &'a HeaderMap },
    Transport(TransportFailure),
}

/// Decide what to do after an attempt. `now` is passed in so that HTTP-date and epoch headers
/// are testable.
pub fn classify(outcome: Outcome<'_>, idempotent: bool, now: SystemTime) -> RetryAction {
    match outcome {
        Outcome::Transport(TransportFailure::Connect) => RetryAction::Retry { after: None },
        Outcome::Transport(_) if idempotent => RetryAction::Retry { after: None },
        Outcome::Transport(_) => RetryAction::Fail,
        Outcome::Response { status, .. } if (200..300).contains(&status) || status == 304 => {
            RetryAction::Success
        }
        Outcome::Response { status, headers } => {
            let server_wait = server_requested_wait(headers, now);
            match status {
                429 => RetryAction::Retry { after: server_wait },
                403 if rate_limit_exhausted(headers) || has_retry_after(headers) => {
                    RetryAction::Retry { after: server_wait }
                }
                500..=599 if idempotent => RetryAction::Retry { after: server_wait },
                _ => RetryAction::Fail,
            }
        }
    }
}

/// The wait a response asks for: `Retry-After`, else an exhausted rate limit's reset time.
pub fn server_requested_wait(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    if let Some(v) = header_str(headers, "retry-after") {
        if let Some(d) = parse_retry_after(v, now) {
            return Some(d);
        }
    }
    if rate_limit_exhausted(headers) {
        for name in ["x-ratelimit-reset", "ratelimit-reset", "x-rate-limit-reset"] {
            if let Some(d) = header_str(headers, name).and_then(|v| parse_reset(v, now)) {
                return Some(d);
            }
        }
    }
    None
}

/// `Retry-After: <seconds>` or `Retry-After: <HTTP-date>`.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    if let Ok(secs) = value.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// A rate-limit reset header: epoch seconds (GitHub) when large, else seconds from now. An
/// epoch is whole seconds while the window may end later within that second, so one second is
/// added: waking up early would spend the attempt on another refusal.
fn parse_reset(value: &str, now: SystemTime) -> Option<Duration> {
    let secs: u64 = value.trim().parse().ok()?;
    if secs > 1_000_000_000 {
        let at = SystemTime::UNIX_EPOCH + Duration::from_secs(secs + 1);
        Some(at.duration_since(now).unwrap_or(Duration::ZERO))
    } else {
        Some(Duration::from_secs(secs))
    }
}

fn rate_limit_exhausted(headers: &HeaderMap) -> bool {
    [
        "x-ratelimit-remaining",
        "ratelimit-remaining",
        "x-rate-limit-remaining",
    ]
    .iter()
    .any(|name| header_str(headers, name).is_some_and(|v| v.trim() == "0"))
}

/// A `Retry-After` header is present (whatever its form).
fn has_retry_after(headers: &HeaderMap) -> bool {
    headers.contains_key("retry-after")
}

fn header_str<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Exponential backoff with full jitter: before retry `n` (1-based), wait a uniformly random
/// duration in `[0, min(cap, base * 2^(n-1))]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backoff {
    pub base: Duration,
    pub cap: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            base: Duration::from_millis(200),
            cap: Duration::from_secs(20),
        }
    }
}

impl Backoff {
    /// The upper bound of the wait before retry `retry` (1-based).
    pub fn ceiling(&self, retry: u32) -> Duration {
        let factor = 1u32
            .checked_shl(retry.saturating_sub(1).min(31))
            .unwrap_or(u32::MAX);
        self.base.saturating_mul(factor).min(self.cap)
    }

    /// A jittered wait before retry `retry` (1-based).
    pub fn delay(&self, retry: u32) -> Duration {
        use rand::Rng;
        let ceiling = self.ceiling(retry);
        if ceiling.is_zero() {
            return ceiling;
        }
        let nanos = rand::rng().random_range(0..=ceiling.as_nanos().min(u64::MAX as u128) as u64);
        Duration::from_nanos(nanos)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderName, HeaderValue};

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(
                HeaderName::from_static(k),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        h
    }

    fn resp(status: u16, h: &HeaderMap, idempotent: bool) -> RetryAction {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        classify(Outcome::Response { status, headers: h }, idempotent, now)
    }

    #[test]
    fn status_classes() {
        let h = HeaderMap::new();
        assert_eq!(resp(200, &h, false), RetryAction::Success);
        assert_eq!(resp(304, &h, true), RetryAction::Success);
        assert_eq!(resp(301, &h, true), RetryAction::Fail);
        assert_eq!(resp(404, &h, true), RetryAction::Fail);
        assert_eq!(resp(400, &h, true), RetryAction::Fail);
        assert_eq!(
            resp(403, &h, true),
            RetryAction::Fail,
            "a bare 403 is not retried"
        );
        assert_eq!(resp(500, &h, true), RetryAction::Retry { after: None });
        assert_eq!(resp(503, &h, true), RetryAction::Retry { after: None });
        assert_eq!(
            resp(500, &h, false),
            RetryAction::Fail,
            "POST may have been applied"
        );
        assert_eq!(resp(429, &h, false), RetryAction::Retry { after: None });
    }

    #[test]
    fn transport_failures() {
        let now = SystemTime::now();
        let t = |f, idem| classify(Outcome::Transport(f), idem, now);
        assert_eq!(
            t(TransportFailure::Connect, false),
            RetryAction::Retry { after: None }
        );
        assert_eq!(
            t(TransportFailure::Timeout, true),
            RetryAction::Retry { after: None }
        );
        assert_eq!(t(TransportFailure::Timeout, false), RetryAction::Fail);
        assert_eq!(t(TransportFailure::Other, false), RetryAction::Fail);
        assert_eq!(
            t(TransportFailure::Other, true),
            RetryAction::Retry { after: None }
        );
    }

    #[test]
    fn retry_after_seconds_and_date() {
        let h = headers(&[("retry-after", "7")]);
        assert_eq!(
            resp(429, &h, true),
            RetryAction::Retry {
                after: Some(Duration::from_secs(7))
            }
        );
        // 1_700_000_000 is Tue, 14 Nov 2023 22:13:20 GMT.
        let h = headers(&[("retry-after", "Tue, 14 Nov 2023 22:13:50 GMT")]);
        assert_eq!(
            resp(503, &h, true),
            RetryAction::Retry {
                after: Some(Duration::from_secs(30))
            }
        );
        let h = headers(&[("retry-after", "Tue, 14 Nov 2023 22:00:00 GMT")]);
        assert_eq!(
            resp(503, &h, true),
            RetryAction::Retry {
                after: Some(Duration::ZERO)
            }
        );
        let h = headers(&[("retry-after", "soon")]);
        assert_eq!(resp(429, &h, true), RetryAction::Retry { after: None });
    }

    #[test]
    fn exhausted_rate_limit_headers() {
        let h = headers(&[
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-reset", "1700000042"),
        ]);
        assert_eq!(
            resp(403, &h, false),
            RetryAction::Retry {
                after: Some(Duration::from_secs(43))
            },
            "the reset second, rounded up"
        );
        let h = headers(&[("ratelimit-remaining", "0"), ("ratelimit-reset", "5")]);
        assert_eq!(
            resp(429, &h, true),
            RetryAction::Retry {
                after: Some(Duration::from_secs(5))
            }
        );
        let h = headers(&[
            ("x-ratelimit-remaining", "10"),
            ("x-ratelimit-reset", "1700000042"),
        ]);
        assert_eq!(resp(403, &h, true), RetryAction::Fail);
    }

    #[test]
    fn secondary_rate_limits_with_retry_after() {
        // GitHub: 403 "You have exceeded a secondary rate limit" with `retry-after`, while the
        // primary limit still has requests left.
        let h = headers(&[("retry-after", "3"), ("x-ratelimit-remaining", "4999")]);
        assert_eq!(
            resp(403, &h, false),
            RetryAction::Retry {
                after: Some(Duration::from_secs(3))
            },
            "refused before processing: a POST may be repeated"
        );
        assert_eq!(
            resp(403, &headers(&[("x-ratelimit-remaining", "4999")]), true),
            RetryAction::Fail,
            "a 403 without retry-after is a permission problem"
        );
    }

    #[test]
    fn backoff_grows_to_the_cap_with_jitter_below_it() {
        let b = Backoff::default();
        assert_eq!(b.ceiling(1), Duration::from_millis(200));
        assert_eq!(b.ceiling(2), Duration::from_millis(400));
        assert_eq!(b.ceiling(5), Duration::from_millis(3200));
        assert_eq!(b.ceiling(8), Duration::from_secs(20));
        assert_eq!(b.ceiling(200), Duration::from_secs(20));
        for retry in 1..10 {
            assert!(b.delay(retry) <= b.ceiling(retry));
        }
    }
}
