//! GitHub's error bodies and the error type every handler returns.
//!
//! GitHub answers errors as `{"message": "...", "documentation_url": "...", "status": "404"}`,
//! plus `errors` for validation failures: a list of objects
//! (`[{"resource": "Repository", "code": "custom", "field": "name", "message": "..."}]`) on most
//! endpoints, a list of strings on branch protection (`validation-error-simple`).

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};

/// Where GitHub's error bodies point by default.
pub const DOCS: &str = "https://docs.github.com/rest";

/// One entry of a 422 `errors` list.
#[derive(Debug, Clone, PartialEq)]
pub enum ErrorEntry {
    /// `{resource, code, field?, message?}`.
    Object {
        resource: String,
        code: String,
        field: Option<String>,
        message: Option<String>,
    },
    /// A bare string (branch protection).
    Text(String),
}

impl ErrorEntry {
    fn to_json(&self) -> Value {
        match self {
            ErrorEntry::Text(s) => json!(s),
            ErrorEntry::Object {
                resource,
                code,
                field,
                message,
            } => {
                let mut obj = Map::new();
                obj.insert("resource".into(), json!(resource));
                obj.insert("code".into(), json!(code));
                if let Some(field) = field {
                    obj.insert("field".into(), json!(field));
                }
                if let Some(message) = message {
                    obj.insert("message".into(), json!(message));
                }
                Value::Object(obj)
            }
        }
    }
}

/// An API failure in GitHub's shape (boxed: handlers return it in every `Result`).
#[derive(Debug, Clone, thiserror::Error)]
#[error("{} {}", .0.status, .0.message)]
pub struct GhError(Box<GhErrorData>);

/// What a [`GhError`] holds.
#[derive(Debug, Clone)]
pub struct GhErrorData {
    pub status: StatusCode,
    pub message: String,
    pub documentation_url: String,
    pub errors: Vec<ErrorEntry>,
    /// Extra response headers (`retry-after`, `location`, rate limit headers).
    pub headers: Vec<(&'static str, String)>,
    /// Extra top-level body fields (`url` of a redirect).
    pub extra: Vec<(&'static str, Value)>,
}

impl GhError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        GhError(Box::new(GhErrorData {
            status,
            message: message.into(),
            documentation_url: DOCS.to_string(),
            errors: vec![],
            headers: vec![],
            extra: vec![],
        }))
    }

    pub fn docs(mut self, url: impl Into<String>) -> Self {
        self.documentation_url = url.into();
        self
    }

    pub fn with_header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    pub fn with_field(mut self, name: &'static str, value: Value) -> Self {
        self.extra.push((name, value));
        self
    }

    /// 404 `Not Found`.
    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "Not Found")
    }

    /// 401 `Requires authentication`.
    pub fn unauthorized() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "Requires authentication")
    }

    /// 400 `Problems parsing JSON`.
    pub fn bad_json() -> Self {
        Self::new(StatusCode::BAD_REQUEST, "Problems parsing JSON")
    }

    /// 422 `Invalid request.\n\n<detail>` (what GitHub answers when the body breaks its schema).
    pub fn invalid(detail: impl AsRef<str>) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("Invalid request.\n\n{}", detail.as_ref()),
        )
    }

    /// 422 `Validation Failed` with one `{resource, code, field, message}` entry.
    pub fn validation(
        resource: &str,
        code: &str,
        field: Option<&str>,
        message: Option<&str>,
    ) -> Self {
        let mut e = Self::new(StatusCode::UNPROCESSABLE_ENTITY, "Validation Failed");
        e.errors.push(ErrorEntry::Object {
            resource: resource.into(),
            code: code.into(),
            field: field.map(str::to_string),
            message: message.map(str::to_string),
        });
        e
    }

    /// 422 `Validation Failed` with string entries (branch protection's shape).
    pub fn validation_simple(messages: impl IntoIterator<Item = String>) -> Self {
        let mut e = Self::new(StatusCode::UNPROCESSABLE_ENTITY, "Validation Failed");
        e.errors = messages.into_iter().map(ErrorEntry::Text).collect();
        e
    }

    /// 409 with a message.
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, message)
    }

    pub fn body(&self) -> Value {
        let mut obj = Map::new();
        obj.insert("message".into(), json!(self.message));
        if !self.errors.is_empty() {
            obj.insert(
                "errors".into(),
                Value::Array(self.errors.iter().map(ErrorEntry::to_json).collect()),
            );
        }
        obj.insert("documentation_url".into(), json!(self.documentation_url));
        for (k, v) in &self.extra {
            obj.insert((*k).into(), v.clone());
        }
        obj.insert("status".into(), json!(self.status.as_u16().to_string()));
        Value::Object(obj)
    }
}

impl IntoResponse for GhError {
    fn into_response(self) -> Response {
        let mut response = super::http::json_response(self.status, &self.body());
        for (name, value) in &self.headers {
            if let Ok(value) = HeaderValue::from_str(value) {
                response.headers_mut().insert(*name, value);
            }
        }
        response
    }
}

impl std::ops::Deref for GhError {
    type Target = GhErrorData;

    fn deref(&self) -> &GhErrorData {
        &self.0
    }
}

impl std::ops::DerefMut for GhError {
    fn deref_mut(&mut self) -> &mut GhErrorData {
        &mut self.0
    }
}

/// What every handler returns.
pub type GhResult = Result<Response, GhError>;
