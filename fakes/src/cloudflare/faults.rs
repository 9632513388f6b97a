//! Fault injection and request statistics, scoped by zone.
//!
//! Faults are configured per zone id (through `POST /__fake/faults`) and apply only to API
//! requests whose path names that zone (`/zones/{zone_id}/...`), so tests running in parallel
//! against one shared fake, each in its own zone, do not disturb each other. For each request,
//! in this order:
//!
//! 1. `budget`: at most N requests in a rolling window of `budget_window_secs` (default 300,
//!    like Cloudflare's 1200 requests per 5 minutes); beyond it, 429 with `Retry-After` (the
//!    seconds until the oldest request leaves the window). Refused requests do not count.
//! 2. `latency_ms`: a delay before anything else happens.
//! 3. One random draw (seeded with `seed` when given, for reproducible runs) picks at most one
//!    of: `rate_limit_rate` (429, `Retry-After: 1`), `error_rate` (500, 502 or 503 with an error
//!    envelope), `timeout_rate` (no answer for `timeout_secs`, default 120, then 504), `drop_rate`
//!    (the connection is closed with no response). Errors, timeouts and drops happen either
//!    before the request is processed (it has no effect) or after (the change IS applied but
//!    the client does not learn it), 50/50: the case that forces clients to be idempotent.
//!
//! `methods` restricts faults to some HTTP methods (e.g. only `POST`). Injected responses carry
//! `x-infra-fake-fault: <kind>` (e.g. `error_after`).
//!
//! Statistics: per zone, the number of requests, requests per route template
//! (`GET /zones/{zone_id}/dns_records`), injected faults, and the last 1000 requests.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use super::envelope::ApiError;
use super::{is_authorized, lock, zone_id_of, AppState, ConnectionKill};

/// Fault configuration of one zone (the body of `POST /__fake/faults`, minus `zone_id`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Faults {
    /// Share of requests answered 500/502/503.
    pub error_rate: f64,
    /// Share of requests answered 429 with `Retry-After: 1`.
    pub rate_limit_rate: f64,
    /// Share of requests left unanswered for `timeout_secs`.
    pub timeout_rate: f64,
    /// Share of requests whose connection is closed without a response.
    pub drop_rate: f64,
    /// Delay added to every request of the zone.
    pub latency_ms: u64,
    /// Requests allowed per `budget_window_secs`; more are answered 429.
    pub budget: Option<u64>,
    pub budget_window_secs: u64,
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
            rate_limit_rate: 0.0,
            timeout_rate: 0.0,
            drop_rate: 0.0,
            latency_ms: 0,
            budget: None,
            budget_window_secs: 300,
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
            ("rate_limit_rate", self.rate_limit_rate),
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
        if self.budget_window_secs == 0 {
            return Err(InvalidFaults("budget_window_secs must be positive".into()));
        }
        Ok(())
    }
}

/// What happens to one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// 429; `Retry-After` seconds.
    RateLimited {
        retry_after: u64,
        budget: bool,
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
            Fault::RateLimited { budget: true, .. } => "budget",
            Fault::RateLimited { budget: false, .. } => "rate_limit",
            Fault::Error { after: false, .. } => "error_before",
            Fault::Error { after: true, .. } => "error_after",
            Fault::Timeout { after: false, .. } => "timeout_before",
            Fault::Timeout { after: true, .. } => "timeout_after",
            Fault::Drop { after: false } => "drop_before",
            Fault::Drop { after: true } => "drop_after",
        }
    }
}

/// Statistics of one zone (or of all requests).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Stats {
    pub requests: u64,
    /// `"METHOD /route/{template}"` → count.
    pub by_route: BTreeMap<String, u64>,
    pub faults_injected: u64,
    /// Fault label (`error_before`, `budget`, ...) → count.
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
    /// The injected fault's label, if any.
    pub fault: Option<String>,
}

const LOG_LIMIT: usize = 1000;

#[derive(Debug)]
struct ZoneFaults {
    faults: Faults,
    rng: StdRng,
    window: VecDeque<Instant>,
}

#[derive(Debug, Default)]
struct ZoneStats {
    stats: Stats,
    log: VecDeque<RequestRecord>,
}

/// Fault configurations and statistics of every zone.
#[derive(Debug, Default)]
pub struct FaultBook {
    faults: Mutex<HashMap<String, ZoneFaults>>,
    /// Keyed by zone id; `""` holds the totals of all requests.
    stats: Mutex<HashMap<String, ZoneStats>>,
}

impl FaultBook {
    pub fn set(&self, zone_id: &str, faults: Faults) -> Result<(), InvalidFaults> {
        faults.validate()?;
        let rng = match faults.seed {
            Some(seed) => StdRng::seed_from_u64(seed),
            None => StdRng::from_os_rng(),
        };
        lock(&self.faults).insert(
            zone_id.to_string(),
            ZoneFaults {
                faults,
                rng,
                window: VecDeque::new(),
            },
        );
        Ok(())
    }

    pub fn get(&self, zone_id: &str) -> Option<Faults> {
        lock(&self.faults).get(zone_id).map(|z| z.faults.clone())
    }

    /// Removes the faults of one zone (all zones when `None`); true if there were any.
    pub fn clear(&self, zone_id: Option<&str>) -> bool {
        let mut all = lock(&self.faults);
        match zone_id {
            Some(id) => all.remove(id).is_some(),
            None => {
                let had = !all.is_empty();
                all.clear();
                had
            }
        }
    }

    /// Decides the fault (if any) of a request to `zone_id`; returns it with the latency to add.
    pub fn decide(&self, zone_id: &str, method: &Method) -> (Option<Fault>, Duration) {
        let mut all = lock(&self.faults);
        let Some(zone) = all.get_mut(zone_id) else {
            return (None, Duration::ZERO);
        };
        let f = &zone.faults;
        if let Some(methods) = &f.methods {
            if !methods
                .iter()
                .any(|m| m.eq_ignore_ascii_case(method.as_str()))
            {
                return (None, Duration::ZERO);
            }
        }
        let latency = Duration::from_millis(f.latency_ms);
        if let Some(budget) = f.budget {
            let now = Instant::now();
            let window = Duration::from_secs(f.budget_window_secs);
            while zone
                .window
                .front()
                .is_some_and(|t| now.duration_since(*t) >= window)
            {
                zone.window.pop_front();
            }
            if zone.window.len() as u64 >= budget {
                let oldest = zone.window.front().copied().unwrap_or(now);
                let wait = window.saturating_sub(now.duration_since(oldest));
                let retry_after = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
                return (
                    Some(Fault::RateLimited {
                        retry_after: retry_after.max(1),
                        budget: true,
                    }),
                    latency,
                );
            }
            zone.window.push_back(now);
        }
        let (error, rate_limit, timeout, drop) =
            (f.error_rate, f.rate_limit_rate, f.timeout_rate, f.drop_rate);
        let timeout_secs = f.timeout_secs;
        if error + rate_limit + timeout + drop <= 0.0 {
            return (None, latency);
        }
        let roll: f64 = zone.rng.random();
        let after = zone.rng.random_bool(0.5);
        let fault = if roll < rate_limit {
            Some(Fault::RateLimited {
                retry_after: 1,
                budget: false,
            })
        } else if roll < rate_limit + error {
            let status = [500, 502, 503][zone.rng.random_range(0..3)];
            Some(Fault::Error { status, after })
        } else if roll < rate_limit + error + timeout {
            Some(Fault::Timeout {
                after,
                secs: timeout_secs,
            })
        } else if roll < rate_limit + error + timeout + drop {
            Some(Fault::Drop { after })
        } else {
            None
        };
        (fault, latency)
    }

    fn record(&self, zone_id: Option<&str>, route: String, record: RequestRecord) {
        let mut all = lock(&self.stats);
        let keys: &[&str] = match zone_id {
            Some(id) => &["", id],
            None => &[""],
        };
        for key in keys {
            let entry = all.entry(key.to_string()).or_default();
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

    /// Statistics of a zone (all requests when `None`).
    pub fn stats(&self, zone_id: Option<&str>) -> Stats {
        lock(&self.stats)
            .get(zone_id.unwrap_or(""))
            .map(|z| z.stats.clone())
            .unwrap_or_default()
    }

    /// The last requests of a zone (all requests when `None`), oldest first.
    pub fn requests(&self, zone_id: Option<&str>) -> Vec<RequestRecord> {
        lock(&self.stats)
            .get(zone_id.unwrap_or(""))
            .map(|z| z.log.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// Forgets the statistics of a zone (everything when `None`).
    pub fn reset_stats(&self, zone_id: Option<&str>) {
        let mut all = lock(&self.stats);
        match zone_id {
            Some(id) => {
                all.remove(id);
            }
            None => all.clear(),
        }
    }
}

fn fault_response(fault: Fault) -> Response {
    let err = match fault {
        Fault::RateLimited { retry_after, .. } => ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            10429,
            "Rate limited. Please wait and consider throttling your request speed",
        )
        .with_header("retry-after", retry_after.to_string()),
        Fault::Error { status: 500, .. } => ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            10002,
            "An unknown error has occurred",
        ),
        Fault::Error { status: 502, .. } => {
            ApiError::new(StatusCode::BAD_GATEWAY, 10001, "Bad gateway")
        }
        Fault::Error { .. } => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            10001,
            "Service temporarily unavailable",
        ),
        Fault::Timeout { .. } | Fault::Drop { .. } => {
            ApiError::new(StatusCode::GATEWAY_TIMEOUT, 10001, "Gateway timeout")
        }
    };
    let mut response = err.into_response();
    response.headers_mut().insert(
        "x-infra-fake-fault",
        HeaderValue::from_static(fault.label()),
    );
    response
}

/// Middleware on every API route: records the request and injects the zone's faults.
pub async fn observe(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let template = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_else(|| path.clone());
    let zone_id = zone_id_of(&path).map(str::to_string);
    let (fault, latency) = match &zone_id {
        Some(id) => state.faults.decide(id, &method),
        None => (None, Duration::ZERO),
    };
    let record = RequestRecord {
        method: method.to_string(),
        path: path.clone(),
        query: req.uri().query().map(str::to_string),
        authorized: is_authorized(req.headers()),
        fault: fault.map(|f| f.label().to_string()),
    };
    state
        .faults
        .record(zone_id.as_deref(), format!("{method} {template}"), record);
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let kill = req.extensions().get::<ConnectionKill>().cloned();
    match fault {
        None => next.run(req).await,
        Some(f @ Fault::RateLimited { .. }) => fault_response(f),
        Some(f @ Fault::Error { after, .. }) => {
            if after {
                let _ = next.run(req).await;
            }
            fault_response(f)
        }
        Some(f @ Fault::Timeout { after, secs }) => {
            if after {
                let _ = next.run(req).await;
            }
            tokio::time::sleep(Duration::from_secs(secs)).await;
            fault_response(f)
        }
        Some(f @ Fault::Drop { after }) => {
            if after {
                let _ = next.run(req).await;
            }
            match kill {
                Some(kill) => {
                    kill.kill();
                    // The connection task drops this future together with the socket.
                    std::future::pending::<Response>().await
                }
                // Not served by our accept loop (e.g. a test calling the router directly).
                None => fault_response(f),
            }
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
            error_rate: 0.6,
            drop_rate: 0.6,
            ..Faults::default()
        }
        .validate()
        .is_err());
    }

    #[test]
    fn seeded_draws_are_reproducible() {
        let draws = |seed| {
            let book = FaultBook::default();
            book.set(
                "z",
                Faults {
                    error_rate: 0.5,
                    seed: Some(seed),
                    ..Faults::default()
                },
            )
            .unwrap();
            (0..50)
                .map(|_| book.decide("z", &Method::GET).0)
                .collect::<Vec<_>>()
        };
        assert_eq!(draws(7), draws(7));
        let faults = draws(7).iter().filter(|f| f.is_some()).count();
        assert!((10..=40).contains(&faults), "{faults}");
    }

    #[test]
    fn budget_refuses_beyond_the_window() {
        let book = FaultBook::default();
        book.set(
            "z",
            Faults {
                budget: Some(2),
                budget_window_secs: 60,
                ..Faults::default()
            },
        )
        .unwrap();
        assert_eq!(book.decide("z", &Method::GET).0, None);
        assert_eq!(book.decide("z", &Method::GET).0, None);
        match book.decide("z", &Method::GET).0 {
            Some(Fault::RateLimited {
                retry_after,
                budget: true,
            }) => assert!((59..=60).contains(&retry_after)),
            other => panic!("{other:?}"),
        }
        assert_eq!(book.decide("other", &Method::GET).0, None);
    }

    #[test]
    fn methods_restrict_faults() {
        let book = FaultBook::default();
        let faults = Faults {
            error_rate: 1.0,
            methods: Some(vec!["POST".into()]),
            ..Faults::default()
        };
        book.set("z", faults).unwrap();
        assert_eq!(book.decide("z", &Method::GET).0, None);
        assert!(matches!(
            book.decide("z", &Method::POST).0,
            Some(Fault::Error { .. })
        ));
    }
}
