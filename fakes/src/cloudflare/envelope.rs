//! The Cloudflare v4 response envelope, the error type every handler returns, and the small
//! parsers for request bodies, query strings and pagination that all handlers share.
//!
//! Success: `{"success":true,"errors":[],"messages":[],"result":...}`, plus `result_info` for
//! lists. Failure: `{"success":false,"errors":[{"code":N,"message":"..."}],"messages":[],
//! "result":null}` with the HTTP status of the real API (see the crate README for the codes).

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Map, Value};

/// Codes of the generic errors (the API-specific ones live next to their handlers).
pub mod codes {
    /// Missing or empty credentials.
    pub const AUTHENTICATION: u32 = 10000;
    /// "Could not route to ..., perhaps your object identifier is invalid?": unknown zone or object.
    pub const NOT_ROUTABLE: u32 = 7003;
    /// "No route for that URI" (follows 7003 for unknown paths).
    pub const NO_ROUTE: u32 = 7000;
    /// Method not allowed on a known path.
    pub const METHOD_NOT_ALLOWED: u32 = 10405;
    /// The request body is not JSON (or not the JSON value the operation needs).
    pub const MALFORMED_JSON: u32 = 6007;
    /// A query parameter has the wrong type.
    pub const INVALID_QUERY: u32 = 6003;
    /// Generic validation failure (also the wrapper of DNS validation errors).
    pub const VALIDATION: u32 = 1004;
}

/// One entry of `errors`.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorItem {
    pub code: u32,
    pub message: String,
    /// JSON pointer into the request body (`source.pointer`, used by the rulesets API).
    pub pointer: Option<String>,
    /// Nested causes (`error_chain`, used by DNS validation errors).
    pub chain: Vec<(u32, String)>,
}

impl ErrorItem {
    fn to_json(&self) -> Value {
        let mut obj = Map::new();
        obj.insert("code".into(), json!(self.code));
        obj.insert("message".into(), json!(self.message));
        if let Some(pointer) = &self.pointer {
            obj.insert("source".into(), json!({ "pointer": pointer }));
        }
        if !self.chain.is_empty() {
            let chain: Vec<Value> = self
                .chain
                .iter()
                .map(|(code, message)| json!({"code": code, "message": message}))
                .collect();
            obj.insert("error_chain".into(), Value::Array(chain));
        }
        Value::Object(obj)
    }
}

/// An API failure, rendered as the Cloudflare error envelope.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{status} {}", first_message(.errors))]
pub struct ApiError {
    pub status: StatusCode,
    pub errors: Vec<ErrorItem>,
    /// Extra response headers (e.g. `Retry-After`).
    pub headers: Vec<(&'static str, String)>,
}

fn first_message(errors: &[ErrorItem]) -> &str {
    errors.first().map(|e| e.message.as_str()).unwrap_or("")
}

impl ApiError {
    pub fn new(status: StatusCode, code: u32, message: impl Into<String>) -> Self {
        ApiError {
            status,
            errors: vec![ErrorItem {
                code,
                message: message.into(),
                pointer: None,
                chain: vec![],
            }],
            headers: vec![],
        }
    }

    pub fn bad_request(code: u32, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn not_found(code: u32, message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, code, message)
    }

    /// 404 `7003 Could not route to PATH, perhaps your object identifier is invalid?` plus
    /// `7000 No route for that URI`: what Cloudflare answers for an unknown zone or object id.
    pub fn not_routable(path: &str) -> Self {
        let mut err = Self::not_found(
            codes::NOT_ROUTABLE,
            format!("Could not route to {path}, perhaps your object identifier is invalid?"),
        );
        err.errors.push(ErrorItem {
            code: codes::NO_ROUTE,
            message: "No route for that URI".into(),
            pointer: None,
            chain: vec![],
        });
        err
    }

    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            codes::AUTHENTICATION,
            "Authentication error",
        )
    }

    pub fn malformed_json(detail: impl std::fmt::Display) -> Self {
        Self::bad_request(
            codes::MALFORMED_JSON,
            format!("Malformed JSON in request body: {detail}"),
        )
    }

    /// A validation error wrapped the way the DNS API does it:
    /// `1004 DNS Validation Error` with the specific error in `error_chain`.
    pub fn dns_validation(code: u32, message: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            errors: vec![ErrorItem {
                code: codes::VALIDATION,
                message: "DNS Validation Error".into(),
                pointer: None,
                chain: vec![(code, message.into())],
            }],
            headers: vec![],
        }
    }

    /// Sets `source.pointer` of the first error.
    pub fn at(mut self, pointer: impl Into<String>) -> Self {
        if let Some(first) = self.errors.first_mut() {
            first.pointer = Some(pointer.into());
        }
        self
    }

    pub fn with_header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    /// The `code` of the first error (the chained one for DNS validation errors).
    pub fn code(&self) -> u32 {
        self.errors
            .first()
            .map(|e| e.chain.first().map(|c| c.0).unwrap_or(e.code))
            .unwrap_or(0)
    }

    pub fn body(&self) -> Value {
        let errors: Vec<Value> = self.errors.iter().map(ErrorItem::to_json).collect();
        json!({"success": false, "errors": errors, "messages": [], "result": null})
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(self.body())).into_response();
        for (name, value) in &self.headers {
            if let Ok(value) = HeaderValue::from_str(value) {
                response.headers_mut().insert(*name, value);
            }
        }
        response
    }
}

/// What every handler returns.
pub type ApiResult = Result<Response, ApiError>;

/// `200 {"success":true,"errors":[],"messages":[],"result":RESULT}`.
pub fn ok(result: Value) -> Response {
    (
        StatusCode::OK,
        Json(json!({"success": true, "errors": [], "messages": [], "result": result})),
    )
        .into_response()
}

/// A page of a list plus its `result_info`.
pub fn ok_list(items: Vec<Value>, info: ResultInfo) -> Response {
    let body = json!({
        "success": true,
        "errors": [],
        "messages": [],
        "result": items,
        "result_info": info.to_json(),
    });
    (StatusCode::OK, Json(body)).into_response()
}

/// Page and page size requested by the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub page: usize,
    pub per_page: usize,
}

/// `result_info` of a list response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResultInfo {
    pub page: usize,
    pub per_page: usize,
    pub count: usize,
    pub total_count: usize,
    pub total_pages: usize,
}

impl ResultInfo {
    fn to_json(self) -> Value {
        json!({
            "page": self.page,
            "per_page": self.per_page,
            "count": self.count,
            "total_count": self.total_count,
            "total_pages": self.total_pages,
        })
    }
}

/// Cuts one page out of `all`.
pub fn paginate<T>(all: Vec<T>, req: PageRequest) -> (Vec<T>, ResultInfo) {
    let total_count = all.len();
    let total_pages = total_count.div_ceil(req.per_page.max(1));
    let start = (req.page.saturating_sub(1))
        .saturating_mul(req.per_page)
        .min(total_count);
    let items: Vec<T> = all.into_iter().skip(start).take(req.per_page).collect();
    let info = ResultInfo {
        page: req.page,
        per_page: req.per_page,
        count: items.len(),
        total_count,
        total_pages,
    };
    (items, info)
}

/// The decoded query string, in order, repeated keys kept.
#[derive(Debug, Clone, Default)]
pub struct Query(pub Vec<(String, String)>);

impl Query {
    pub fn parse(raw: Option<&str>) -> Query {
        match raw {
            Some(raw) => Query(
                form_urlencoded::parse(raw.as_bytes())
                    .into_owned()
                    .collect(),
            ),
            None => Query(vec![]),
        }
    }

    /// The last value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    pub fn get_all<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    pub fn bool(&self, key: &str) -> Result<Option<bool>, ApiError> {
        match self.get(key) {
            None => Ok(None),
            Some("true") => Ok(Some(true)),
            Some("false") => Ok(Some(false)),
            Some(other) => Err(ApiError::bad_request(
                codes::INVALID_QUERY,
                format!(
                    "Invalid value for query parameter {key}: {other:?} (expected true or false)"
                ),
            )),
        }
    }

    fn number(&self, key: &str) -> Result<Option<usize>, ApiError> {
        match self.get(key) {
            None => Ok(None),
            Some(raw) => {
                // Clients may send `2.0`; accept any integral number.
                let parsed = raw.parse::<usize>().ok().or_else(|| {
                    raw.parse::<f64>()
                        .ok()
                        .filter(|f| f.fract() == 0.0 && *f >= 0.0)
                        .map(|f| f as usize)
                });
                parsed.map(Some).ok_or_else(|| {
                    ApiError::bad_request(
                        codes::INVALID_QUERY,
                        format!(
                            "Invalid value for query parameter {key}: {raw:?} (expected a number)"
                        ),
                    )
                })
            }
        }
    }

    /// `page` (from 1) and `per_page` (clamped to `min..=max`, `default` when absent).
    pub fn page(&self, default: usize, min: usize, max: usize) -> Result<PageRequest, ApiError> {
        let page = self.number("page")?.unwrap_or(1).max(1);
        let per_page = self.number("per_page")?.unwrap_or(default).clamp(min, max);
        Ok(PageRequest { page, per_page })
    }

    /// `direction`: true for descending. Anything but `asc`/`desc` is a 400.
    pub fn descending(&self, default_desc: bool) -> Result<bool, ApiError> {
        match self.get("direction") {
            None => Ok(default_desc),
            Some("asc") => Ok(false),
            Some("desc") => Ok(true),
            Some(other) => Err(ApiError::bad_request(
                codes::INVALID_QUERY,
                format!(
                    "Invalid value for query parameter direction: {other:?} (expected asc or desc)"
                ),
            )),
        }
    }

    /// `match` (or another any/all parameter): true for `all`.
    pub fn match_all(&self, key: &str) -> Result<bool, ApiError> {
        match self.get(key) {
            None | Some("all") => Ok(true),
            Some("any") => Ok(false),
            Some(other) => Err(ApiError::bad_request(
                codes::INVALID_QUERY,
                format!("Invalid value for query parameter {key}: {other:?} (expected any or all)"),
            )),
        }
    }
}

/// Parses a request body that must be a JSON object.
pub fn json_object(body: &[u8]) -> Result<Map<String, Value>, ApiError> {
    match json_value(body)? {
        Value::Object(obj) => Ok(obj),
        other => Err(ApiError::malformed_json(format!(
            "expected an object, found {}",
            type_name(&other)
        ))),
    }
}

/// Parses any JSON request body.
pub fn json_value(body: &[u8]) -> Result<Value, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::malformed_json("the body is empty"));
    }
    serde_json::from_slice(body).map_err(ApiError::malformed_json)
}

/// The JSON type name of a value, for error messages.
pub fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A field of a request body with the wrong type.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{field} must be {expected}, found {found}")]
pub struct FieldError {
    pub field: String,
    pub expected: &'static str,
    pub found: &'static str,
}

/// Typed access to the fields of a request object; `null` counts as absent.
pub struct Fields<'a> {
    obj: &'a Map<String, Value>,
    prefix: &'a str,
}

impl<'a> Fields<'a> {
    pub fn new(obj: &'a Map<String, Value>) -> Self {
        Fields { obj, prefix: "" }
    }

    /// Field names in errors are prefixed (e.g. `http_config.`).
    pub fn with_prefix(obj: &'a Map<String, Value>, prefix: &'a str) -> Self {
        Fields { obj, prefix }
    }

    fn err(&self, key: &str, expected: &'static str, found: &Value) -> FieldError {
        FieldError {
            field: format!("{}{key}", self.prefix),
            expected,
            found: type_name(found),
        }
    }

    pub fn raw(&self, key: &str) -> Option<&'a Value> {
        self.obj.get(key).filter(|v| !v.is_null())
    }

    pub fn has(&self, key: &str) -> bool {
        self.raw(key).is_some()
    }

    pub fn str(&self, key: &str) -> Result<Option<&'a str>, FieldError> {
        match self.raw(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.as_str())),
            Some(other) => Err(self.err(key, "a string", other)),
        }
    }

    pub fn bool(&self, key: &str) -> Result<Option<bool>, FieldError> {
        match self.raw(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(other) => Err(self.err(key, "a boolean", other)),
        }
    }

    pub fn f64(&self, key: &str) -> Result<Option<f64>, FieldError> {
        match self.raw(key) {
            None => Ok(None),
            Some(Value::Number(n)) => n
                .as_f64()
                .map(Some)
                .ok_or_else(|| self.err(key, "a number", &Value::Null)),
            Some(other) => Err(self.err(key, "a number", other)),
        }
    }

    /// An integral number (`3.0` is accepted, `3.5` is not).
    pub fn i64(&self, key: &str) -> Result<Option<i64>, FieldError> {
        match self.raw(key) {
            None => Ok(None),
            Some(Value::Number(n)) => {
                if let Some(i) = n.as_i64() {
                    return Ok(Some(i));
                }
                match n.as_f64() {
                    Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(Some(f as i64)),
                    _ => Err(self.err(key, "an integer", &Value::Number(n.clone()))),
                }
            }
            Some(other) => Err(self.err(key, "an integer", other)),
        }
    }

    pub fn object(&self, key: &str) -> Result<Option<&'a Map<String, Value>>, FieldError> {
        match self.raw(key) {
            None => Ok(None),
            Some(Value::Object(o)) => Ok(Some(o)),
            Some(other) => Err(self.err(key, "an object", other)),
        }
    }

    pub fn array(&self, key: &str) -> Result<Option<&'a Vec<Value>>, FieldError> {
        match self.raw(key) {
            None => Ok(None),
            Some(Value::Array(a)) => Ok(Some(a)),
            Some(other) => Err(self.err(key, "an array", other)),
        }
    }

    /// An array of strings.
    pub fn strings(&self, key: &str) -> Result<Option<Vec<String>>, FieldError> {
        match self.array(key)? {
            None => Ok(None),
            Some(items) => items
                .iter()
                .map(|item| match item {
                    Value::String(s) => Ok(s.clone()),
                    other => Err(self.err(key, "an array of strings", other)),
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paginate_cuts_pages() {
        let (items, info) = paginate(
            (1..=5).collect::<Vec<_>>(),
            PageRequest {
                page: 3,
                per_page: 2,
            },
        );
        assert_eq!(items, vec![5]);
        assert_eq!(
            info,
            ResultInfo {
                page: 3,
                per_page: 2,
                count: 1,
                total_count: 5,
                total_pages: 3
            }
        );
        let (items, info) = paginate(
            (1..=5).collect::<Vec<_>>(),
            PageRequest {
                page: 9,
                per_page: 2,
            },
        );
        assert!(items.is_empty());
        assert_eq!(info.total_pages, 3);
    }

    #[test]
    fn query_keeps_repeats_and_decodes() {
        let q = Query::parse(Some("tag=a%3Ab&tag=c&name=www.example.com&per_page=2.0"));
        assert_eq!(q.get_all("tag").collect::<Vec<_>>(), vec!["a:b", "c"]);
        assert_eq!(
            q.page(100, 1, 1000).unwrap(),
            PageRequest {
                page: 1,
                per_page: 2
            }
        );
        assert!(Query::parse(Some("page=x")).page(100, 1, 10).is_err());
    }

    #[test]
    fn error_envelope_shape() {
        let body = ApiError::dns_validation(9021, "TTL").body();
        assert_eq!(body["success"], false);
        assert_eq!(body["errors"][0]["code"], 1004);
        assert_eq!(body["errors"][0]["error_chain"][0]["code"], 9021);
        assert_eq!(body["result"], Value::Null);
        let body = ApiError::bad_request(20021, "x").at("/rules/0").body();
        assert_eq!(body["errors"][0]["source"]["pointer"], "/rules/0");
    }

    #[test]
    fn malformed_bodies_are_errors() {
        assert_eq!(
            json_object(b"{bad").unwrap_err().code(),
            codes::MALFORMED_JSON
        );
        assert_eq!(
            json_object(b"[]").unwrap_err().code(),
            codes::MALFORMED_JSON
        );
        assert_eq!(json_object(b"").unwrap_err().code(), codes::MALFORMED_JSON);
    }
}
