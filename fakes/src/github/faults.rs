//! Fault injection, rate limits and request statistics, scoped by repository (`owner/repo`).
//!
//! Faults are configured per repository (`POST /__fake/faults {"repo": "owner/name", ...}`,
//! compared case-insensitively) and apply to requests whose path names that repository:
//! `/repos/{owner}/{repo}/...`, `/orgs/{org}/teams/{team_slug}/repos/{owner}/{repo}`, and the
//! creation of that repository (`POST /orgs/{org}/repos` and `POST /user/repos` with its `name`).
//! Tests sharing one fake, each in repositories of its own, do not disturb each other. For
//! each request, in this order:
//!
//! 1. `rate_limit`: the primary rate limit of the repository: N requests per fixed window of
//!    `rate_limit_window_secs` (default 3600, GitHub's hour). Once spent, requests are answered
//!    `rate_limit_status` (403 by default, as GitHub does; 429 also happens) with
//!    `x-ratelimit-remaining: 0` and `x-ratelimit-reset` (epoch seconds of the window's end),
//!    and no `retry-after`, until the window ends. A `304 Not Modified` does not count (as on
//!    GitHub), and neither do refused requests.
//! 2. `latency_ms`: a delay before anything else happens.
//! 3. One random draw (seeded with `seed` for reproducible runs) picks at most one of:
//!    `secondary_rate_limit_rate` (403 "You have exceeded a secondary rate limit" with
//!    `retry-after: retry_after_secs`, default 1), `error_rate` (500, 502 or 503),
//!    `timeout_rate` (no answer for `timeout_secs`, default 120, then 504), `drop_rate` (the
//!    connection is closed with no response). Errors, timeouts and drops happen either before
//!    the request is processed or after it (the change IS applied, the client does not learn
//!    it), 50/50.
//!
//! `methods` restricts faults (not the rate limit) to some HTTP methods. Injected responses
//! carry `x-infra-fake-fault: <label>`.
//!
//! Rate limit headers (`x-ratelimit-limit`, `-remaining`, `-reset`, `-used`, `-resource:
//! core`) are on every API response: from the repository's `rate_limit` when one is set, else
//! from a per-token window of 5000 requests an hour (60 for requests without a token).
//!
//! Statistics: per repository, the number of requests, requests per route template
//! (`GET /repos/{owner}/{repo}/hooks`), injected faults, and the last 1000 requests.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::http::Method;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use super::lock;

/// Fault configuration of one repository (the body of `POST /__fake/faults`, minus `repo`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Faults {
    /// Share of requests answered 500/502/503.
    pub error_rate: f64,
    /// Share of requests answered 403 with `retry-after` (GitHub's secondary rate limit).
    pub secondary_rate_limit_rate: f64,
    /// `retry-after` of the secondary rate limit.
    pub retry_after_secs: u64,
    /// Share of requests left unanswered for `timeout_secs`.
    pub timeout_rate: f64,
    /// Share of requests whose connection is closed without a response.
    pub drop_rate: f64,
    /// Delay added to every request of the repository.
    pub latency_ms: u64,
    /// Primary rate limit: requests allowed per `rate_limit_window_secs`.
    pub rate_limit: Option<u64>,
    pub rate_limit_window_secs: u64,
    /// Status of a request beyond the primary rate limit: 403 or 429.
    pub rate_limit_status: u16,
    /// Seed of the random draws (random when absent).
    pub seed: Option<u64>,
    /// How long a `timeout` fault keeps the client waiting.
    pub timeout_secs: u64,
    /// Only requests with these methods get faults (all when absent).
    pub methods: Option<Vec<String>>,
}

impl Default for Faults {
    fn default() -> Self {
        Faults {
            error_rate: 0.0,
            secondary_rate_limit_rate: 0.0,
            retry_after_secs: 1,
            timeout_rate: 0.0,
            drop_rate: 0.0,
            latency_ms: 0,
            rate_limit: None,
            rate_limit_window_secs: 3600,
            rate_limit_status: 403,
            seed: None,
            timeout_secs: 120,
            methods: None,
        }
    }
}

/// An invalid fault configuration.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidFaults(String);

impl Faults {
    pub fn validate(&self) -> Result<(), InvalidFaults> {
        let rates = [
            ("error_rate", self.error_rate),
            ("secondary_rate_limit_rate", self.secondary_rate_limit_rate),
            ("timeout_rate", self.timeout_rate),
            ("drop_rate", self.drop_rate),
        ];
        for (name, rate) in rates {
            if !(0.0..=1.0).contains(&rate) {
                return Err(InvalidFaults(format!("{name} must be between 0 and 1")));
            }
        }
        if rates.iter().map(|(_, r)| r).sum::<f64>() > 1.0 + 1e-9 {
            return Err(InvalidFaults("the rates must add up to at most 1".into()));
        }
        if self.rate_limit_window_secs == 0 {
            return Err(InvalidFaults(
                "rate_limit_window_secs must be positive".into(),
            ));
        }
        if !matches!(self.rate_limit_status, 403 | 429) {
            return Err(InvalidFaults("rate_limit_status must be 403 or 429".into()));
        }
        Ok(())
    }
}

/// What happens to one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The primary rate limit is spent.
    RateLimited {
        status: u16,
        limit: u64,
        reset: u64,
    },
    /// 403 with `retry-after`.
    SecondaryRateLimit {
        retry_after: u64,
    },
    /// 500/502/503; `after`: the request is processed first.
    Error {
        status: u16,
        after: bool,
    },
    Timeout {
        after: bool,
        secs: u64,
    },
    Drop {
        after: bool,
    },
}

impl Fault {
    /// The label used in statistics and in the `x-infra-fake-fault` header.
    pub fn label(self) -> &'static str {
        match self {
            Fault::RateLimited { .. } => "rate_limit",
            Fault::SecondaryRateLimit { .. } => "secondary_rate_limit",
            Fault::Error { after: false, .. } => "error_before",
            Fault::Error { after: true, .. } => "error_after",
            Fault::Timeout { after: false, .. } => "timeout_before",
            Fault::Timeout { after: true, .. } => "timeout_after",
            Fault::Drop { after: false } => "drop_before",
            Fault::Drop { after: true } => "drop_after",
        }
    }
}

/// Statistics of one repository (or of all requests).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Stats {
    pub requests: u64,
    /// `"METHOD /route/{template}"` → count.
    pub by_route: BTreeMap<String, u64>,
    pub faults_injected: u64,
    /// Fault label (`error_before`, `rate_limit`, ...) → count.
    pub by_fault: BTreeMap<String, u64>,
}

/// One logged request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequestRecord {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    /// Whether it carried credentials the API accepts.
    pub authorized: bool,
    /// The status answered (absent when the connection was dropped).
    pub status: Option<u16>,
    /// The injected fault's label, if any.
    pub fault: Option<String>,
}

/// The rate limit headers of one response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateHeaders {
    pub limit: u64,
    pub remaining: u64,
    pub reset: u64,
    pub used: u64,
}

const LOG_LIMIT: usize = 1000;
/// GitHub's primary limit for a token, per hour.
pub const TOKEN_LIMIT: u64 = 5000;
/// ... and for requests without one.
pub const ANONYMOUS_LIMIT: u64 = 60;

fn epoch_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

/// A fixed rate limit window (GitHub's: the count resets at `reset`).
#[derive(Debug, Clone)]
struct Window {
    limit: u64,
    length: Duration,
    ends: Instant,
    reset_epoch: u64,
    used: u64,
}

impl Window {
    fn new(limit: u64, length: Duration) -> Window {
        Window {
            limit,
            length,
            ends: Instant::now() + length,
            reset_epoch: epoch_secs() + length.as_secs(),
            used: 0,
        }
    }

    fn roll(&mut self) {
        if Instant::now() >= self.ends {
            *self = Window::new(self.limit, self.length);
        }
    }

    fn headers(&self) -> RateHeaders {
        RateHeaders {
            limit: self.limit,
            remaining: self.limit.saturating_sub(self.used),
            reset: self.reset_epoch,
            used: self.used,
        }
    }
}

#[derive(Debug)]
struct RepoFaults {
    faults: Faults,
    rng: StdRng,
    window: Option<Window>,
}

#[derive(Debug, Default)]
struct RepoStats {
    stats: Stats,
    log: VecDeque<RequestRecord>,
}

/// Fault configurations, rate limit windows and statistics.
#[derive(Debug, Default)]
pub struct FaultBook {
    faults: Mutex<HashMap<String, RepoFaults>>,
    /// Per token (`""`: requests without one).
    tokens: Mutex<HashMap<String, Window>>,
    /// Keyed by lowercase `owner/repo`; `""` holds the totals of all requests.
    stats: Mutex<HashMap<String, RepoStats>>,
}

/// Scopes are compared case-insensitively, like GitHub's names.
pub fn scope_key(repo: &str) -> String {
    repo.trim().to_ascii_lowercase()
}

impl FaultBook {
    pub fn set(&self, repo: &str, faults: Faults) -> Result<(), InvalidFaults> {
        faults.validate()?;
        let rng = match faults.seed {
            Some(seed) => StdRng::seed_from_u64(seed),
            None => StdRng::from_os_rng(),
        };
        let window = faults
            .rate_limit
            .map(|limit| Window::new(limit, Duration::from_secs(faults.rate_limit_window_secs)));
        lock(&self.faults).insert(
            scope_key(repo),
            RepoFaults {
                faults,
                rng,
                window,
            },
        );
        Ok(())
    }

    pub fn get(&self, repo: &str) -> Option<Faults> {
        lock(&self.faults)
            .get(&scope_key(repo))
            .map(|z| z.faults.clone())
    }

    /// Removes the faults of one repository (all when `None`); true if there were any.
    pub fn clear(&self, repo: Option<&str>) -> bool {
        let mut all = lock(&self.faults);
        match repo {
            Some(r) => all.remove(&scope_key(r)).is_some(),
            None => {
                let had = !all.is_empty();
                all.clear();
                had
            }
        }
    }

    /// Forgets every token's rate limit window.
    pub fn reset_token_windows(&self) {
        lock(&self.tokens).clear();
    }

    /// Decides the fault (if any) of a request; returns it with the latency to add.
    pub fn decide(&self, repo: Option<&str>, method: &Method) -> (Option<Fault>, Duration) {
        let Some(repo) = repo else {
            return (None, Duration::ZERO);
        };
        let mut all = lock(&self.faults);
        let Some(entry) = all.get_mut(&scope_key(repo)) else {
            return (None, Duration::ZERO);
        };
        let f = &entry.faults;
        let latency = Duration::from_millis(f.latency_ms);
        if let Some(window) = &mut entry.window {
            window.roll();
            if window.used >= window.limit {
                return (
                    Some(Fault::RateLimited {
                        status: f.rate_limit_status,
                        limit: window.limit,
                        reset: window.reset_epoch,
                    }),
                    latency,
                );
            }
        }
        if let Some(methods) = &f.methods {
            if !methods
                .iter()
                .any(|m| m.eq_ignore_ascii_case(method.as_str()))
            {
                return (None, latency);
            }
        }
        let (error, secondary, timeout, drop) = (
            f.error_rate,
            f.secondary_rate_limit_rate,
            f.timeout_rate,
            f.drop_rate,
        );
        let (retry_after, timeout_secs) = (f.retry_after_secs, f.timeout_secs);
        if error + secondary + timeout + drop <= 0.0 {
            return (None, latency);
        }
        let roll: f64 = entry.rng.random();
        let after = entry.rng.random_bool(0.5);
        let fault = if roll < secondary {
            Some(Fault::SecondaryRateLimit { retry_after })
        } else if roll < secondary + error {
            let status = [500, 502, 503][entry.rng.random_range(0..3)];
            Some(Fault::Error { status, after })
        } else if roll < secondary + error + timeout {
            Some(Fault::Timeout {
                after,
                secs: timeout_secs,
            })
        } else if roll < secondary + error + timeout + drop {
            Some(Fault::Drop { after })
        } else {
            None
        };
        (fault, latency)
    }

    /// Counts a request against its rate limit (the repository's when it has one, else the
    /// token's) unless `count` is false (a 304), and returns the headers to send.
    pub fn rate_limit(&self, repo: Option<&str>, token: Option<&str>, count: bool) -> RateHeaders {
        if let Some(repo) = repo {
            let mut all = lock(&self.faults);
            if let Some(window) = all
                .get_mut(&scope_key(repo))
                .and_then(|e| e.window.as_mut())
            {
                window.roll();
                if count {
                    window.used += 1;
                }
                return window.headers();
            }
        }
        let mut tokens = lock(&self.tokens);
        let key = token.unwrap_or("").to_string();
        let limit = if token.is_some() {
            TOKEN_LIMIT
        } else {
            ANONYMOUS_LIMIT
        };
        let window = tokens
            .entry(key)
            .or_insert_with(|| Window::new(limit, Duration::from_secs(3600)));
        window.roll();
        if count {
            window.used += 1;
        }
        window.headers()
    }

    pub fn record(&self, repo: Option<&str>, route: String, record: RequestRecord) {
        let mut all = lock(&self.stats);
        let scoped = repo.map(scope_key);
        let keys: Vec<String> = match scoped {
            Some(id) => vec![String::new(), id],
            None => vec![String::new()],
        };
        for key in keys {
            let entry = all.entry(key).or_default();
            entry.stats.requests += 1;
            *entry.stats.by_route.entry(route.clone()).or_default() += 1;
            if let Some(label) = &record.fault {
                entry.stats.faults_injected += 1;
                *entry.stats.by_fault.entry(label.clone()).or_default() += 1;
            }
            if entry.log.len() >= LOG_LIMIT {
                entry.log.pop_front();
            }
            entry.log.push_back(record.clone());
        }
    }

    /// Statistics of a repository (all requests when `None`).
    pub fn stats(&self, repo: Option<&str>) -> Stats {
        lock(&self.stats)
            .get(&repo.map(scope_key).unwrap_or_default())
            .map(|z| z.stats.clone())
            .unwrap_or_default()
    }

    /// The last requests of a repository (all requests when `None`), oldest first.
    pub fn requests(&self, repo: Option<&str>) -> Vec<RequestRecord> {
        lock(&self.stats)
            .get(&repo.map(scope_key).unwrap_or_default())
            .map(|z| z.log.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// Forgets the statistics of a repository (everything when `None`).
    pub fn reset_stats(&self, repo: Option<&str>) {
        let mut all = lock(&self.stats);
        match repo {
            Some(r) => {
                all.remove(&scope_key(r));
            }
            None => all.clear(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation() {
        assert!(Faults::default().validate().is_ok());
        assert!(Faults {
            error_rate: 1.5,
            ..Faults::default()
        }
        .validate()
        .is_err());
        assert!(Faults {
            rate_limit_status: 500,
            ..Faults::default()
        }
        .validate()
        .is_err());
    }

    #[test]
    fn primary_rate_limit_counts_only_what_it_is_told() {
        let book = FaultBook::default();
        book.set(
            "O/R",
            Faults {
                rate_limit: Some(2),
                ..Faults::default()
            },
        )
        .unwrap();
        assert_eq!(book.decide(Some("o/r"), &Method::GET).0, None);
        assert_eq!(book.rate_limit(Some("o/r"), Some("t"), true).remaining, 1);
        // A 304 does not count.
        assert_eq!(book.rate_limit(Some("o/r"), Some("t"), false).remaining, 1);
        assert_eq!(book.decide(Some("o/r"), &Method::GET).0, None);
        assert_eq!(book.rate_limit(Some("o/r"), Some("t"), true).remaining, 0);
        assert!(matches!(
            book.decide(Some("o/r"), &Method::GET).0,
            Some(Fault::RateLimited {
                status: 403,
                limit: 2,
                ..
            })
        ));
        assert_eq!(book.decide(Some("other/r"), &Method::GET).0, None);
        // Other repositories use the token's window.
        assert_eq!(
            book.rate_limit(Some("other/r"), Some("t"), true).limit,
            TOKEN_LIMIT
        );
    }

    #[test]
    fn seeded_draws_are_reproducible() {
        let draws = |seed| {
            let book = FaultBook::default();
            book.set(
                "o/r",
                Faults {
                    error_rate: 0.5,
                    seed: Some(seed),
                    ..Faults::default()
                },
            )
            .unwrap();
            (0..50)
                .map(|_| book.decide(Some("o/r"), &Method::GET).0)
                .collect::<Vec<_>>()
        };
        assert_eq!(draws(7), draws(7));
    }
}
