//! [`ApiClient`]: one HTTP client per API (Cloudflare, GitHub, …) and its one request loop.
//!
//! Each attempt of [`ApiClient::send`]: wait for the rate limiter → build the request from the
//! body serialized once, with the default headers and the User-Agent → sign it anew (the
//! [`SignRequest`] hook, for AWS SigV4) → send → classify ([`super::retry::classify`]) → return,
//! fail, or back off (server-requested wait, else jittered exponential backoff) and go again,
//! at most `max_attempts` times. Requests and responses are logged, redacted, to the config's
//! [`LogSink`] (or stderr when `INFRA_LOG=debug`). With an [`EtagCache`] configured, a GET
//! carries `If-None-Match` for a URL answered before and a 304 is served from the cache.
//!
//! Redirects are not followed, and an absolute URL (from a `Link` header) must share the
//! API's origin, so credentials never leave the configured host.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use reqwest::header::{HeaderMap, HeaderName, HeaderValue, CONTENT_TYPE, USER_AGENT};
use reqwest::{Method, Url};
use serde::de::DeserializeOwned;

use super::error::{default_error_messages, ErrorExtractor, HttpError};
use super::etag::EtagCache;
use super::ratelimit::{RateLimit, RateLimiter};
use super::redact::{debug_logging_requested, stderr_sink, LogSink, Redactor, Secret};
use super::retry::{classify, Backoff, Outcome, RetryAction, TransportFailure};

/// Bodies longer than this are truncated in logs and errors.
const LOGGED_BODY_CHARS: usize = 4096;
const ERROR_BODY_CHARS: usize = 300;

/// `infra/<version>`, the default User-Agent.
pub fn default_user_agent() -> String {
    format!("infra/{}", env!("CARGO_PKG_VERSION"))
}

/// `INFRA_HTTP_TIMEOUT` (seconds, fractions allowed), when set to a positive number.
fn timeout_from_env() -> Option<Duration> {
    let secs: f64 = std::env::var("INFRA_HTTP_TIMEOUT").ok()?.trim().parse().ok()?;
    (secs.is_finite() && secs > 0.0).then(|| Duration::from_secs_f64(secs))
}

/// The value of a configured default header.
#[derive(Clone, Debug)]
pub enum HeaderValueSpec {
    Plain(String),
    /// Sent as is, marked sensitive, and redacted from every log line and error.
    Secret(Secret),
}

/// Signs each attempt anew (e.g. AWS SigV4, whose signature covers the time). Headers it adds
/// are logged through the same redaction as the rest.
pub trait SignRequest: Send + Sync {
    fn sign(&self, request: &mut reqwest::Request) -> Result<(), String>;
}

/// Everything an [`ApiClient`] needs to know about one API. Start from [`ApiConfig::new`].
#[derive(Clone)]
pub struct ApiConfig {
    /// Short API name for logs and errors, e.g. `"cloudflare"`.
    pub name: &'static str,
    /// The URL every request path is appended to, e.g. `https://api.cloudflare.com/client/v4`.
    pub base_url: String,
    pub default_headers: Vec<(String, HeaderValueSpec)>,
    pub user_agent: String,
    /// For the whole attempt: connect, send and read the body.
    pub timeout: Duration,
    /// Attempts per request, the first included (at least 1).
    pub max_attempts: u32,
    /// The API's budget; the client's limiter is shared by all its clones.
    pub rate_limit: Option<RateLimit>,
    pub backoff: Backoff,
    /// A server-requested wait (`Retry-After`, rate-limit reset) longer than this fails the request
    /// with [`HttpError::RateLimited`] instead of sleeping.
    pub max_retry_after: Duration,
    pub redactor: Redactor,
    /// Where debug logs go; `None` means stderr when `INFRA_LOG=debug`, else nowhere.
    pub log: Option<LogSink>,
    /// Pulls the API's messages out of a JSON error body.
    pub error_messages: ErrorExtractor,
    pub signer: Option<Arc<dyn SignRequest>>,
    /// Conditional GETs (`If-None-Match`), answered from this cache on a 304.
    pub etag_cache: Option<Arc<EtagCache>>,
}

impl ApiConfig {
    /// Defaults: User-Agent `infra/<version>`, 30s timeout (`INFRA_HTTP_TIMEOUT` seconds
    /// overrides it), 5 attempts, no rate limit, backoff
    /// 200ms base / 20s cap, waits of up to 5 minutes honoured, default redaction and error
    /// envelopes.
    pub fn new(name: &'static str, base_url: impl Into<String>) -> Self {
        ApiConfig {
            name,
            base_url: base_url.into(),
            default_headers: Vec::new(),
            user_agent: default_user_agent(),
            timeout: timeout_from_env().unwrap_or(Duration::from_secs(30)),
            max_attempts: 5,
            rate_limit: None,
            backoff: Backoff::default(),
            max_retry_after: Duration::from_secs(300),
            redactor: Redactor::default(),
            log: None,
            error_messages: Arc::new(default_error_messages),
            signer: None,
            etag_cache: None,
        }
    }

    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.default_headers
            .push((name.into(), HeaderValueSpec::Plain(value.into())));
        self
    }

    /// A credential header such as `Authorization: Bearer …`.
    pub fn secret_header(mut self, name: impl Into<String>, value: impl Into<Secret>) -> Self {
        self.default_headers
            .push((name.into(), HeaderValueSpec::Secret(value.into())));
        self
    }
}

impl fmt::Debug for ApiConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiConfig")
            .field("name", &self.name)
            .field("base_url", &self.base_url)
            .field("default_headers", &self.default_headers)
            .field("user_agent", &self.user_agent)
            .field("timeout", &self.timeout)
            .field("max_attempts", &self.max_attempts)
            .field("rate_limit", &self.rate_limit)
            .field("backoff", &self.backoff)
            .field("max_retry_after", &self.max_retry_after)
            .field("log", &self.log.is_some())
            .field("signer", &self.signer.is_some())
            .field("etag_cache", &self.etag_cache.is_some())
            .finish_non_exhaustive()
    }
}

/// One API call. The path is appended to the base URL; it may also be an absolute URL on the
/// API's origin (a `Link: rel="next"` target).
#[derive(Clone, Debug)]
pub struct ApiRequest {
    pub method: Method,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub body: Option<serde_json::Value>,
    pub headers: Vec<(String, String)>,
    /// Whether repeating the request is harmless. Defaults to true for GET, HEAD, PUT, DELETE
    /// and OPTIONS, false for POST and PATCH.
    pub idempotent: bool,
}

impl ApiRequest {
    pub fn new(method: Method, path: impl Into<String>) -> Self {
        let idempotent = matches!(
            method,
            Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS
        );
        ApiRequest {
            method,
            path: path.into(),
            query: Vec::new(),
            body: None,
            headers: Vec::new(),
            idempotent,
        }
    }

    pub fn get(path: impl Into<String>) -> Self {
        Self::new(Method::GET, path)
    }

    pub fn delete(path: impl Into<String>) -> Self {
        Self::new(Method::DELETE, path)
    }

    pub fn post(path: impl Into<String>, body: serde_json::Value) -> Self {
        Self::new(Method::POST, path).json(body)
    }

    pub fn put(path: impl Into<String>, body: serde_json::Value) -> Self {
        Self::new(Method::PUT, path).json(body)
    }

    pub fn patch(path: impl Into<String>, body: serde_json::Value) -> Self {
        Self::new(Method::PATCH, path).json(body)
    }

    pub fn json(mut self, body: serde_json::Value) -> Self {
        self.body = Some(body);
        self
    }

    /// Append a query pair.
    pub fn query(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.push((name.into(), value.into()));
        self
    }

    /// Replace every pair named `name` by one pair.
    pub fn set_query(&mut self, name: &str, value: impl Into<String>) {
        self.query.retain(|(k, _)| k != name);
        self.query.push((name.to_owned(), value.into()));
    }

    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Override the method's default, e.g. for a POST that is a pure query.
    pub fn idempotent(mut self, idempotent: bool) -> Self {
        self.idempotent = idempotent;
        self
    }
}

/// A successful response, its body read in full.
#[derive(Clone, Debug)]
pub struct ApiResponse {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    /// Attempts it took, the successful one included.
    pub attempts: u32,
    /// The server answered 304 to a conditional GET and `status`/`body` are the cached answer.
    pub revalidated: bool,
    api: &'static str,
    target: String,
}

impl ApiResponse {
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, HttpError> {
        serde_json::from_slice(&self.body).map_err(|e| self.decode_error(e.to_string()))
    }

    pub fn json_value(&self) -> Result<serde_json::Value, HttpError> {
        self.json()
    }

    pub fn text(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.body)
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The `rel="next"` target of the `Link` header, if any.
    pub fn next_link(&self) -> Option<String> {
        super::paginate::next_link(&self.headers)
    }

    /// A [`HttpError::Decode`] naming this response's request, for callers that find the body
    /// unusable.
    pub fn decode_error(&self, message: impl Into<String>) -> HttpError {
        HttpError::Decode {
            api: self.api,
            target: self.target.clone(),
            message: message.into(),
        }
    }
}

/// The client for one API. Cheap to clone; clones share the connection pool and rate limiter,
/// so give every resource of the API in a run a clone of the same client.
#[derive(Clone)]
pub struct ApiClient {
    inner: Arc<Inner>,
}

struct Inner {
    config: ApiConfig,
    base: Url,
    headers: HeaderMap,
    http: reqwest::Client,
    limiter: Option<Arc<RateLimiter>>,
    log: Option<LogSink>,
}

impl fmt::Debug for ApiClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiClient")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

impl ApiClient {
    pub fn new(mut config: ApiConfig) -> Result<Self, HttpError> {
        let name = config.name;
        let invalid = |message: String| HttpError::InvalidRequest { api: name, message };
        let base = Url::parse(&config.base_url).map_err(|e| invalid(format!("base URL: {e}")))?;
        let mut headers = HeaderMap::new();
        for (header, value) in &config.default_headers {
            let header_name = HeaderName::from_bytes(header.as_bytes())
                .map_err(|e| invalid(format!("header {header}: {e}")))?;
            let header_value = match value {
                HeaderValueSpec::Plain(v) => HeaderValue::from_str(v),
                HeaderValueSpec::Secret(s) => HeaderValue::from_str(s.expose()).map(|mut v| {
                    v.set_sensitive(true);
                    v
                }),
            }
            // The error from `from_str` names no value, so it cannot leak one.
            .map_err(|e| invalid(format!("header {header}: {e}")))?;
            if let HeaderValueSpec::Secret(s) = value {
                config.redactor.add_known_secret(s);
                // "Bearer <token>": the token alone is secret too.
                if let Some((_, token)) = s.expose().split_once(' ') {
                    config.redactor.add_known_secret(&Secret::new(token.trim()));
                }
                if !config.redactor.is_secret_header(header) {
                    config.redactor.headers.push(header.to_ascii_lowercase());
                }
            }
            headers.append(header_name, header_value);
        }
        let user_agent = HeaderValue::from_str(&config.user_agent)
            .map_err(|e| invalid(format!("user agent: {e}")))?;
        headers.insert(USER_AGENT, user_agent);
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| invalid(format!("HTTP client: {e}")))?;
        let limiter = config.rate_limit.map(RateLimiter::new);
        let log = config
            .log
            .clone()
            .or_else(|| debug_logging_requested().then(stderr_sink));
        Ok(ApiClient {
            inner: Arc::new(Inner {
                config,
                base,
                headers,
                http,
                limiter,
                log,
            }),
        })
    }

    pub fn name(&self) -> &'static str {
        self.inner.config.name
    }

    pub fn base_url(&self) -> &Url {
        &self.inner.base
    }

    pub fn rate_limiter(&self) -> Option<&Arc<RateLimiter>> {
        self.inner.limiter.as_ref()
    }

    /// Send `req`, retrying as [`super::retry`] decides, at most `max_attempts` times.
    pub async fn send(&self, req: ApiRequest) -> Result<ApiResponse, HttpError> {
        let inner = &*self.inner;
        let config = &inner.config;
        let url = self.url_for(&req)?;
        let target = format!("{} {}", req.method, config.redactor.url(&url));
        let body = match &req.body {
            Some(json) => {
                Some(
                    serde_json::to_vec(json).map_err(|e| HttpError::InvalidRequest {
                        api: config.name,
                        message: format!("body of {target}: {e}"),
                    })?,
                )
            }
            None => None,
        };
        let max_attempts = config.max_attempts.max(1);
        // A conditional GET: the cached answer a 304 would stand for.
        let conditional = self.conditional(&req, &url);
        let mut req = req;
        if let Some(cached) = &conditional {
            req.headers.push(("If-None-Match".to_owned(), cached.etag.clone()));
        }
        let mut attempt = 0;
        loop {
            attempt += 1;
            if let Some(limiter) = &inner.limiter {
                limiter.acquire().await;
            }
            let request = self.build(&req, &url, body.clone())?;
            self.log(|| self.describe_request(&request, body.as_deref(), attempt, max_attempts));
            let started = Instant::now();
            let result = match inner.http.execute(request).await {
                Ok(response) => {
                    let status = response.status().as_u16();
                    let headers = response.headers().clone();
                    match response.bytes().await {
                        Ok(bytes) => Ok((status, headers, bytes.to_vec())),
                        Err(e) => Err(e),
                    }
                }
                Err(e) => Err(e),
            };
            let elapsed = started.elapsed();
            let now = SystemTime::now();
            match result {
                Ok((status, headers, body)) => {
                    let action = classify(
                        Outcome::Response {
                            status,
                            headers: &headers,
                        },
                        req.idempotent,
                        now,
                    );
                    self.log(|| {
                        self.describe_response(&target, status, &headers, &body, elapsed, attempt)
                    });
                    match action {
                        RetryAction::Success => {
                            return Ok(self.settle_conditional(
                                &url,
                                &req,
                                conditional,
                                ApiResponse {
                                    status,
                                    headers,
                                    body,
                                    attempts: attempt,
                                    revalidated: false,
                                    api: config.name,
                                    target,
                                },
                            ))
                        }
                        RetryAction::Fail => {
                            return Err(self.status_error(&target, status, &body, attempt))
                        }
                        RetryAction::Retry { after } => {
                            if attempt >= max_attempts {
                                return Err(self.status_error(&target, status, &body, attempt));
                            }
                            if let Some(wait) = after.filter(|w| *w > config.max_retry_after) {
                                return Err(HttpError::RateLimited {
                                    api: config.name,
                                    target,
                                    status,
                                    wait,
                                    attempts: attempt,
                                });
                            }
                            self.back_off(&target, after, attempt).await;
                        }
                    }
                }
                Err(e) => {
                    let failure = transport_failure(&e);
                    let message = config.redactor.scrub(&error_chain(&e));
                    self.log(|| {
                        format!(
                            "http {} ✗ {target}: {message} ({elapsed:?}, attempt {attempt})",
                            config.name
                        )
                    });
                    let action = classify(Outcome::Transport(failure), req.idempotent, now);
                    if action == RetryAction::Fail || attempt >= max_attempts {
                        return Err(HttpError::Transport {
                            api: config.name,
                            target,
                            failure,
                            message,
                            attempts: attempt,
                        });
                    }
                    self.back_off(&target, None, attempt).await;
                }
            }
        }
    }

    /// The cached answer for a GET that may be sent conditionally (no `If-None-Match` of its
    /// own, a cache configured and an entry for the URL).
    fn conditional(&self, req: &ApiRequest, url: &Url) -> Option<super::etag::Cached> {
        let cache = self.inner.config.etag_cache.as_ref()?;
        let own = req
            .headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("if-none-match"));
        if req.method != Method::GET || own {
            return None;
        }
        cache.get(url.as_str())
    }

    /// A 304 to our conditional GET becomes the cached answer; a fresh 2xx GET answer with an
    /// `ETag` is remembered.
    fn settle_conditional(
        &self,
        url: &Url,
        req: &ApiRequest,
        conditional: Option<super::etag::Cached>,
        mut response: ApiResponse,
    ) -> ApiResponse {
        let Some(cache) = &self.inner.config.etag_cache else {
            return response;
        };
        if req.method != Method::GET {
            return response;
        }
        if response.status == 304 {
            if let Some(cached) = conditional {
                cache.record_hit();
                self.log(|| {
                    format!(
                        "http {} ≡ {}: not modified, served from the ETag cache",
                        self.inner.config.name, response.target
                    )
                });
                response.status = cached.status;
                response.headers = cached.headers_updated_by(&response.headers);
                response.body = cached.body.as_ref().clone();
                response.revalidated = true;
            }
            return response;
        }
        if (200..300).contains(&response.status) {
            match response.header("etag").map(str::to_owned) {
                Some(tag) => cache.store(
                    url.as_str(),
                    &tag,
                    response.status,
                    &response.headers,
                    &response.body,
                ),
                None => cache.forget(url.as_str()),
            }
        }
        response
    }

    async fn back_off(&self, target: &str, after: Option<Duration>, attempt: u32) {
        let wait = after.unwrap_or_else(|| self.inner.config.backoff.delay(attempt));
        let reason = if after.is_some() {
            "as the server asked"
        } else {
            "backoff"
        };
        self.log(|| {
            format!(
                "http {} ↻ {target}: retrying in {wait:?} ({reason})",
                self.inner.config.name
            )
        });
        tokio::time::sleep(wait).await;
    }

    /// Write one event to the debug log, if logging is on.
    pub(crate) fn log_event(&self, line: impl FnOnce() -> String) {
        self.log(|| format!("http {} {}", self.inner.config.name, line()));
    }

    pub(crate) fn url_for(&self, req: &ApiRequest) -> Result<Url, HttpError> {
        let base = &self.inner.base;
        let api = self.inner.config.name;
        let mut url = if req.path.starts_with("http://") || req.path.starts_with("https://") {
            let url = Url::parse(&req.path).map_err(|e| HttpError::InvalidRequest {
                api,
                message: format!("URL: {e}"),
            })?;
            if url.origin() != base.origin() {
                return Err(HttpError::InvalidRequest {
                    api,
                    message: format!(
                        "{} is outside the API's origin {}",
                        self.inner.config.redactor.url(&url),
                        base.origin().ascii_serialization()
                    ),
                });
            }
            url
        } else {
            let joined = format!(
                "{}/{}",
                base.as_str().trim_end_matches('/'),
                req.path.trim_start_matches('/')
            );
            Url::parse(&joined).map_err(|e| HttpError::InvalidRequest {
                api,
                message: format!("path {}: {e}", req.path),
            })?
        };
        if !req.query.is_empty() {
            url.query_pairs_mut().extend_pairs(&req.query);
        }
        Ok(url)
    }

    fn build(
        &self,
        req: &ApiRequest,
        url: &Url,
        body: Option<Vec<u8>>,
    ) -> Result<reqwest::Request, HttpError> {
        let api = self.inner.config.name;
        let mut request = reqwest::Request::new(req.method.clone(), url.clone());
        let headers = request.headers_mut();
        headers.extend(self.inner.headers.clone());
        for (name, value) in &req.headers {
            let name =
                HeaderName::from_bytes(name.as_bytes()).map_err(|e| HttpError::InvalidRequest {
                    api,
                    message: format!("header {name}: {e}"),
                })?;
            let value = HeaderValue::from_str(value).map_err(|e| HttpError::InvalidRequest {
                api,
                message: format!("header {name}: {e}"),
            })?;
            headers.insert(name, value);
        }
        if let Some(body) = body {
            headers
                .entry(CONTENT_TYPE)
                .or_insert(HeaderValue::from_static("application/json"));
            *request.body_mut() = Some(body.into());
        }
        if let Some(signer) = &self.inner.config.signer {
            signer
                .sign(&mut request)
                .map_err(|e| HttpError::InvalidRequest {
                    api,
                    message: format!("signing: {}", self.inner.config.redactor.scrub(&e)),
                })?;
        }
        Ok(request)
    }

    fn status_error(&self, target: &str, status: u16, body: &[u8], attempts: u32) -> HttpError {
        let config = &self.inner.config;
        let messages: Vec<String> = serde_json::from_slice::<serde_json::Value>(body)
            .map(|json| (config.error_messages)(&config.redactor.json(&json)))
            .unwrap_or_default()
            .iter()
            .map(|m| config.redactor.scrub(m))
            .collect();
        let body_excerpt = if messages.is_empty() {
            config
                .redactor
                .body(body, ERROR_BODY_CHARS)
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        } else {
            String::new()
        };
        HttpError::Status {
            api: config.name,
            target: target.to_owned(),
            status,
            messages,
            body_excerpt,
            attempts,
        }
    }

    fn log(&self, line: impl FnOnce() -> String) {
        if let Some(sink) = &self.inner.log {
            sink(&line());
        }
    }

    fn describe_request(
        &self,
        request: &reqwest::Request,
        body: Option<&[u8]>,
        attempt: u32,
        max: u32,
    ) -> String {
        let r = &self.inner.config.redactor;
        let mut out = format!(
            "http {} → {} {} (attempt {attempt}/{max})",
            self.inner.config.name,
            request.method(),
            r.url(request.url())
        );
        for (name, value) in request.headers() {
            out.push_str("\n  ");
            out.push_str(&r.header_line(name.as_str(), &String::from_utf8_lossy(value.as_bytes())));
        }
        if let Some(body) = body {
            out.push_str("\n  body: ");
            out.push_str(&r.body(body, LOGGED_BODY_CHARS));
        }
        out
    }

    fn describe_response(
        &self,
        target: &str,
        status: u16,
        headers: &HeaderMap,
        body: &[u8],
        elapsed: Duration,
        attempt: u32,
    ) -> String {
        let r = &self.inner.config.redactor;
        let mut out = format!(
            "http {} ← {status} for {target} ({elapsed:?}, attempt {attempt})",
            self.inner.config.name
        );
        for (name, value) in headers {
            out.push_str("\n  ");
            out.push_str(&r.header_line(name.as_str(), &String::from_utf8_lossy(value.as_bytes())));
        }
        if !body.is_empty() {
            out.push_str("\n  body: ");
            out.push_str(&r.body(body, LOGGED_BODY_CHARS));
        }
        out
    }
}

fn transport_failure(e: &reqwest::Error) -> TransportFailure {
    if e.is_connect() {
        TransportFailure::Connect
    } else if e.is_timeout() {
        TransportFailure::Timeout
    } else {
        TransportFailure::Other
    }
}

/// The error and its causes, without the URL (which the caller reports redacted).
fn error_chain(e: &reqwest::Error) -> String {
    use std::error::Error;
    let mut parts = Vec::new();
    let mut source: Option<&dyn Error> = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !parts.contains(&text) {
            parts.push(text);
        }
        source = s.source();
    }
    if parts.is_empty() {
        parts.push(if e.is_timeout() {
            "operation timed out".to_owned()
        } else {
            "request failed".to_owned()
        });
    }
    parts.join(": ")
}
