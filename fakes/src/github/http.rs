//! What every API response shares: JSON bodies, pagination with `Link` headers, and the
//! middleware (authentication, faults and rate limit headers, `ETag` / `If-None-Match`,
//! redirects of renamed repositories).

use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use super::error::{GhError, DOCS};
use super::faults::{Fault, RequestRecord};
use super::AppState;
use super::ConnectionKill;
use crate::cloudflare::envelope::Query;

/// A JSON response with GitHub's content type.
pub fn json_response(status: StatusCode, body: &Value) -> Response {
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    let mut response = (status, bytes).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    response
}

pub fn ok(body: Value) -> Response {
    json_response(StatusCode::OK, &body)
}

/// 201 with a `Location` header.
pub fn created(location: Option<String>, body: Value) -> Response {
    let mut response = json_response(StatusCode::CREATED, &body);
    if let Some(location) = location.and_then(|l| HeaderValue::from_str(&l).ok()) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    response
}

pub fn no_content() -> Response {
    StatusCode::NO_CONTENT.into_response()
}

/// The request body as a JSON object (an empty body is `{}`); 400 "Problems parsing JSON"
/// otherwise. `null` counts as `{}` (some bodies are nullable).
pub fn body_object(body: &Bytes) -> Result<Map<String, Value>, GhError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(obj)) => Ok(obj),
        Ok(Value::Null) => Ok(Map::new()),
        _ => Err(GhError::bad_json()),
    }
}

/// Typed access to body fields, answering GitHub's 422 "Invalid request" on a wrong type.
pub trait Fields {
    fn opt_str(&self, key: &str) -> Result<Option<String>, GhError>;
    fn opt_bool(&self, key: &str) -> Result<Option<bool>, GhError>;
    fn opt_u64(&self, key: &str) -> Result<Option<u64>, GhError>;
    fn opt_str_list(&self, key: &str) -> Result<Option<Vec<String>>, GhError>;
}

fn type_error(key: &str, value: &Value, kind: &str) -> GhError {
    GhError::invalid(format!("For 'properties/{key}', {value} is not a {kind}."))
}

impl Fields for Map<String, Value> {
    fn opt_str(&self, key: &str) -> Result<Option<String>, GhError> {
        match self.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(type_error(key, other, "string")),
        }
    }

    fn opt_bool(&self, key: &str) -> Result<Option<bool>, GhError> {
        match self.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(other) => Err(type_error(key, other, "boolean")),
        }
    }

    fn opt_u64(&self, key: &str) -> Result<Option<u64>, GhError> {
        match self.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v
                .as_u64()
                .map(Some)
                .ok_or_else(|| type_error(key, v, "integer")),
        }
    }

    fn opt_str_list(&self, key: &str) -> Result<Option<Vec<String>>, GhError> {
        match self.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| {
                    v.as_str()
                        .map(str::to_string)
                        .ok_or_else(|| type_error(key, v, "string"))
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
            Some(other) => Err(type_error(key, other, "array")),
        }
    }
}

/// `page` and `per_page` of a list request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub page: usize,
    pub per_page: usize,
}

impl Page {
    /// From the query: `per_page` defaults to `default` and is capped at `max` (GitHub caps
    /// silently); a page below 1 is page 1. Unparsable numbers are the defaults, as on GitHub.
    pub fn from_query(q: &Query, default: usize, max: usize) -> Page {
        let num = |key: &str| q.get(key).and_then(|v| v.trim().parse::<i64>().ok());
        let per_page = match num("per_page") {
            Some(n) if n >= 1 => (n as usize).min(max),
            Some(_) => default.min(max),
            None => default,
        };
        let page = num("page")
            .filter(|n| *n >= 1)
            .map(|n| n as usize)
            .unwrap_or(1);
        Page { page, per_page }
    }

    pub fn cut<T>(&self, all: Vec<T>) -> Vec<T> {
        let start = (self.page - 1).saturating_mul(self.per_page);
        all.into_iter().skip(start).take(self.per_page).collect()
    }

    pub fn last_page(&self, total: usize) -> usize {
        total.div_ceil(self.per_page).max(1)
    }
}

/// GitHub's `Link` header for page `page` of `total` items: `next` and `last` unless on the last
/// page, `first` and `prev` unless on the first. `None` when everything fits on one page.
pub fn link_header(base: &str, uri: &Uri, page: Page, total: usize) -> Option<String> {
    let last = page.last_page(total);
    if last <= 1 && page.page <= 1 {
        return None;
    }
    let q = Query::parse(uri.query());
    let url = |n: usize| {
        let mut pairs: Vec<(String, String)> =
            q.0.iter()
                .filter(|(k, _)| k != "page" && k != "per_page")
                .cloned()
                .collect();
        pairs.push(("per_page".into(), page.per_page.to_string()));
        pairs.push(("page".into(), n.to_string()));
        let query: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        format!("<{base}{}?{query}>", uri.path())
    };
    let mut parts = vec![];
    if page.page > 1 {
        parts.push(format!("{}; rel=\"prev\"", url((page.page - 1).min(last))));
    }
    if page.page < last {
        parts.push(format!("{}; rel=\"next\"", url(page.page + 1)));
        parts.push(format!("{}; rel=\"last\"", url(last)));
    }
    if page.page > 1 {
        parts.push(format!("{}; rel=\"first\"", url(1)));
    }
    Some(parts.join(", "))
}

/// A page of a list: `wrap` builds the body from the page's items and the total count.
pub fn list_response(
    state: &AppState,
    headers: &HeaderMap,
    uri: &Uri,
    page: Page,
    all: Vec<Value>,
    wrap: impl FnOnce(Vec<Value>, usize) -> Value,
) -> Response {
    let total = all.len();
    let items = page.cut(all);
    let mut response = ok(wrap(items, total));
    let base = state.world().link_base(host(headers).as_deref());
    if let Some(link) = link_header(&base, uri, page, total) {
        if let Ok(v) = HeaderValue::from_str(&link) {
            response.headers_mut().insert(header::LINK, v);
        }
    }
    response
}

/// A JSON array answer, one page of `all` (`per_page` 30 by default, at most 100), with `Link`.
pub fn array_page(state: &AppState, headers: &HeaderMap, uri: &Uri, raw_query: Option<&str>, all: Vec<Value>) -> Response {
    let page = Page::from_query(&Query::parse(raw_query), 30, 100);
    list_response(state, headers, uri, page, all, |items, _| json!(items))
}

pub fn host(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// The token of `Authorization: Bearer <token>` or `Authorization: token <token>`.
pub fn token_of(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    ((scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("token"))
        && !token.is_empty())
    .then(|| token.to_string())
}

/// Who is calling: the login the token acts as.
#[derive(Debug, Clone)]
pub struct Caller {
    pub login: String,
    pub token: String,
}

/// Refuses requests without a token (401 "Requires authentication") and tells handlers who
/// calls.
pub async fn require_auth(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    match token_of(req.headers()) {
        Some(token) => {
            let login = state.world().caller_login(&token);
            req.extensions_mut().insert(Caller { login, token });
            next.run(req).await
        }
        None => GhError::unauthorized().into_response(),
    }
}

fn strip_weak(tag: &str) -> &str {
    tag.trim().trim_start_matches("W/")
}

/// `ETag` on successful GETs; `If-None-Match` with a matching tag gets `304 Not Modified`.
pub async fn etag(req: Request, next: Next) -> Response {
    if req.method() != Method::GET {
        return next.run(req).await;
    }
    let if_none_match = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let response = next.run(req).await;
    if response.status() != StatusCode::OK {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 64 << 20).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let tag = format!("W/\"{}\"", hex::encode(Sha256::digest(&bytes)));
    if let Ok(v) = HeaderValue::from_str(&tag) {
        parts.headers.insert(header::ETAG, v);
    }
    let matches = if_none_match.is_some_and(|inm| {
        inm.split(',')
            .any(|t| t.trim() == "*" || strip_weak(t) == strip_weak(&tag))
    });
    if matches {
        parts.status = StatusCode::NOT_MODIFIED;
        parts.headers.remove(header::CONTENT_TYPE);
        parts.headers.remove(header::CONTENT_LENGTH);
        return Response::from_parts(parts, Body::empty());
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// The repository a path names: `/repos/{owner}/{repo}/...` or
/// `/orgs/{org}/teams/{team_slug}/repos/{owner}/{repo}`.
pub fn repo_of_path(path: &str) -> Option<String> {
    let s: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    match s.as_slice() {
        ["repos", owner, repo, ..] => Some(format!("{owner}/{repo}")),
        ["orgs", _, "teams", _, "repos", owner, repo] => Some(format!("{owner}/{repo}")),
        _ => None,
    }
}

/// The repository a request concerns, reading the `name` of a creation body.
async fn scope_of(
    state: &AppState,
    req: Request,
    token: Option<&str>,
) -> (Request, Option<String>) {
    let path = req.uri().path().to_string();
    if let Some(repo) = repo_of_path(&path) {
        return (req, Some(repo));
    }
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let owner = match (req.method(), segments.as_slice()) {
        (&Method::POST, ["orgs", org, "repos"]) => org.to_string(),
        (&Method::POST, ["user", "repos"]) => match token {
            Some(t) => state.world().caller_login(t),
            None => return (req, None),
        },
        _ => return (req, None),
    };
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, 16 << 20)
        .await
        .unwrap_or_default();
    let name = serde_json::from_slice::<Value>(&bytes)
        .ok()
        .and_then(|v| v.get("name").and_then(Value::as_str).map(str::to_string))
        .and_then(|n| super::model::normalize_repo_name(&n));
    let req = Request::from_parts(parts, Body::from(bytes));
    (req, name.map(|n| format!("{owner}/{n}")))
}

fn fault_response(fault: Fault) -> Response {
    let err = match fault {
        Fault::RateLimited { status, limit, reset } => GhError::new(
            StatusCode::from_u16(status).unwrap_or(StatusCode::FORBIDDEN),
            "API rate limit exceeded for user ID 1000001. If you reach out to GitHub Support for help, please include the request ID 0000:0000:0000000:0000000:00000000.",
        )
        .docs("https://docs.github.com/rest/overview/rate-limits-for-the-rest-api")
        .with_header("x-ratelimit-limit", limit.to_string())
        .with_header("x-ratelimit-remaining", "0")
        .with_header("x-ratelimit-reset", reset.to_string())
        .with_header("x-ratelimit-used", limit.to_string())
        .with_header("x-ratelimit-resource", "core"),
        Fault::SecondaryRateLimit { retry_after } => GhError::new(
            StatusCode::FORBIDDEN,
            "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID 0000:0000:0000000:0000000:00000000.",
        )
        .docs("https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits")
        .with_header("retry-after", retry_after.to_string()),
        Fault::Error { status: 500, .. } => {
            GhError::new(StatusCode::INTERNAL_SERVER_ERROR, "Server Error")
        }
        Fault::Error { status: 502, .. } => GhError::new(StatusCode::BAD_GATEWAY, "Bad Gateway"),
        Fault::Error { .. } => {
            GhError::new(StatusCode::SERVICE_UNAVAILABLE, "Service Unavailable")
        }
        Fault::Timeout { .. } | Fault::Drop { .. } => {
            GhError::new(StatusCode::GATEWAY_TIMEOUT, "We couldn't respond to your request in time. Sorry about that. Please try resubmitting your request and contact us if the problem persists.")
        }
    };
    let mut response = err.into_response();
    response.headers_mut().insert(
        "x-infra-fake-fault",
        HeaderValue::from_static(fault.label()),
    );
    response
}

fn set(headers: &mut HeaderMap, name: &'static str, value: String) {
    if let Ok(v) = HeaderValue::from_str(&value) {
        headers.insert(name, v);
    }
}

/// Middleware on every API route: injects the repository's faults, adds the rate limit and
/// GitHub's other headers, and records the request.
pub async fn observe(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let query = req.uri().query().map(str::to_string);
    let template = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_else(|| path.clone());
    let route = format!("{method} {template}");
    let token = token_of(req.headers());
    let (req, scope) = scope_of(&state, req, token.as_deref()).await;
    let (fault, latency) = state.faults.decide(scope.as_deref(), &method);
    let record = |status: Option<u16>| RequestRecord {
        method: method.to_string(),
        path: path.clone(),
        query: query.clone(),
        authorized: token.is_some(),
        status,
        fault: fault.map(|f| f.label().to_string()),
    };
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let kill = req.extensions().get::<ConnectionKill>().cloned();
    let mut response = match fault {
        None => next.run(req).await,
        Some(f @ (Fault::RateLimited { .. } | Fault::SecondaryRateLimit { .. })) => {
            fault_response(f)
        }
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
                    state.faults.record(scope.as_deref(), route, record(None));
                    kill.kill();
                    return std::future::pending::<Response>().await;
                }
                None => fault_response(f),
            }
        }
    };
    let status = response.status();
    let headers = response.headers_mut();
    if !matches!(fault, Some(Fault::RateLimited { .. })) {
        let rl = state.faults.rate_limit(
            scope.as_deref(),
            token.as_deref(),
            status != StatusCode::NOT_MODIFIED,
        );
        set(headers, "x-ratelimit-limit", rl.limit.to_string());
        set(headers, "x-ratelimit-remaining", rl.remaining.to_string());
        set(headers, "x-ratelimit-reset", rl.reset.to_string());
        set(headers, "x-ratelimit-used", rl.used.to_string());
        set(headers, "x-ratelimit-resource", "core".into());
    }
    set(
        headers,
        "x-github-api-version-selected",
        "2022-11-28".into(),
    );
    set(
        headers,
        "x-github-media-type",
        "github.v3; format=json".into(),
    );
    set(
        headers,
        "x-github-request-id",
        uuid::Uuid::new_v4().simple().to_string()[..20].to_ascii_uppercase(),
    );
    state
        .faults
        .record(scope.as_deref(), route, record(Some(status.as_u16())));
    response
}

/// Requests to a renamed repository's former name: 301 (GET) or 307 (other methods) to the
/// same path under the new name, as GitHub does.
pub async fn redirect_renamed(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let target = match segments.as_slice() {
        ["repos", owner, repo, rest @ ..] => {
            let w = state.world();
            let key = format!("{owner}/{repo}").to_ascii_lowercase();
            if w.names.contains_key(&key) {
                None
            } else {
                w.renamed.get(&key).and_then(|id| w.repos.get(id)).map(|r| {
                    let base = w.link_base(host(req.headers()).as_deref());
                    let mut url = format!("{base}/repos/{}", r.full_name());
                    for s in rest {
                        url.push('/');
                        url.push_str(s);
                    }
                    if let Some(q) = req.uri().query() {
                        url.push('?');
                        url.push_str(q);
                    }
                    url
                })
            }
        }
        _ => None,
    };
    match target {
        None => next.run(req).await,
        Some(url) => {
            let (status, message) = if req.method() == Method::GET || req.method() == Method::HEAD {
                (StatusCode::MOVED_PERMANENTLY, "Moved Permanently")
            } else {
                (StatusCode::TEMPORARY_REDIRECT, "Temporary Redirect")
            };
            GhError::new(status, message)
                .docs(DOCS)
                .with_field("url", json!(url))
                .with_header("location", url)
                .into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_headers_name_the_neighbouring_pages() {
        let uri: Uri = "/repos/o/r/hooks?per_page=2&page=2&x=1".parse().unwrap();
        let page = Page::from_query(&Query::parse(uri.query()), 30, 100);
        assert_eq!(
            page,
            Page {
                page: 2,
                per_page: 2
            }
        );
        let link = link_header("http://h", &uri, page, 5).unwrap();
        assert!(
            link.contains("<http://h/repos/o/r/hooks?x=1&per_page=2&page=3>; rel=\"next\""),
            "{link}"
        );
        assert!(link.contains("page=3>; rel=\"last\""), "{link}");
        assert!(link.contains("page=1>; rel=\"prev\""), "{link}");
        assert!(link.contains("page=1>; rel=\"first\""), "{link}");
        let first = Page {
            page: 1,
            per_page: 30,
        };
        assert_eq!(link_header("http://h", &uri, first, 5), None);
        let capped = Page::from_query(&Query::parse(Some("per_page=500")), 30, 100);
        assert_eq!(capped.per_page, 100);
    }

    #[test]
    fn tokens_come_in_two_schemes() {
        let mut h = HeaderMap::new();
        assert_eq!(token_of(&h), None);
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("token abc"));
        assert_eq!(token_of(&h).as_deref(), Some("abc"));
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer xyz"),
        );
        assert_eq!(token_of(&h).as_deref(), Some("xyz"));
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer "));
        assert_eq!(token_of(&h), None);
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Basic Zm9vOmJhcg=="),
        );
        assert_eq!(token_of(&h), None);
    }

    #[test]
    fn repository_scopes() {
        assert_eq!(repo_of_path("/repos/o/r/hooks/1").as_deref(), Some("o/r"));
        assert_eq!(
            repo_of_path("/orgs/o/teams/t/repos/o2/r2").as_deref(),
            Some("o2/r2")
        );
        assert_eq!(repo_of_path("/user/repos"), None);
    }
}
