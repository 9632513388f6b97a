//! [`HttpError`]: why an API call failed, with the status, the API's own error messages, the
//! number of attempts made, and never a credential: every text in it has passed the
//! [`Redactor`](super::Redactor).
//!
//! Messages are pulled out of the JSON error body by an [`ErrorExtractor`]; the default one
//! understands the common envelopes (`errors: [{message}]`, `message`, `error: {message}`,
//! `error: "..."`, `Message`), and a vendor may supply its own.

use std::sync::Arc;
use std::time::Duration;

use super::retry::TransportFailure;

/// Pulls human-readable messages out of a JSON error body.
pub type ErrorExtractor = Arc<dyn Fn(&serde_json::Value) -> Vec<String> + Send + Sync>;

/// Messages from the usual error envelopes; empty when none matches.
pub fn default_error_messages(body: &serde_json::Value) -> Vec<String> {
    use serde_json::Value;
    let mut out = Vec::new();
    let message_of = |v: &Value| -> Option<String> {
        match v {
            Value::String(s) => Some(s.clone()),
            Value::Object(o) => {
                let msg = o
                    .get("message")
                    .or_else(|| o.get("Message"))
                    .and_then(Value::as_str)?;
                Some(match o.get("code") {
                    Some(Value::Number(n)) => format!("{msg} (code {n})"),
                    Some(Value::String(c)) => format!("{msg} ({c})"),
                    _ => msg.to_owned(),
                })
            }
            _ => None,
        }
    };
    if let Some(Value::Array(errors)) = body.get("errors") {
        out.extend(errors.iter().filter_map(message_of));
    }
    if out.is_empty() {
        if let Some(e) = body.get("error").and_then(message_of) {
            out.push(e);
        }
    }
    if out.is_empty() {
        if let Some(m) = body
            .get("message")
            .or_else(|| body.get("Message"))
            .and_then(Value::as_str)
        {
            out.push(m.to_owned());
        }
    }
    out
}

/// Why a request failed. `api` is the config's name (e.g. `cloudflare`); `target` is the method
/// and redacted URL.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    /// The server answered with a status that is not success, and retrying did not help or was
    /// unsafe.
    #[error(
        "{api}: {target} failed with HTTP {status} after {attempts} attempt(s){}",
        detail(messages, body_excerpt)
    )]
    Status {
        api: &'static str,
        target: String,
        status: u16,
        /// The API's own error messages, if the body had any.
        messages: Vec<String>,
        /// A redacted excerpt of the body when no message could be extracted.
        body_excerpt: String,
        attempts: u32,
    },
    /// The server asked us to wait longer than `ApiConfig::max_retry_after` allows.
    #[error("{api}: {target} is rate limited for {wait:?} (HTTP {status}), longer than the allowed wait; after {attempts} attempt(s)")]
    RateLimited {
        api: &'static str,
        target: String,
        status: u16,
        wait: Duration,
        attempts: u32,
    },
    /// No HTTP response: connection failure, timeout or a broken connection.
    #[error("{api}: {target}: {} after {attempts} attempt(s): {message}", transport_text(*failure))]
    Transport {
        api: &'static str,
        target: String,
        failure: TransportFailure,
        message: String,
        attempts: u32,
    },
    /// The request could not be built (bad path, header or URL outside the API's origin).
    #[error("{api}: invalid request: {message}")]
    InvalidRequest { api: &'static str, message: String },
    /// A successful response whose body is not what the caller expected.
    #[error("{api}: {target}: unexpected response body: {message}")]
    Decode {
        api: &'static str,
        target: String,
        message: String,
    },
}

fn transport_text(f: TransportFailure) -> &'static str {
    match f {
        TransportFailure::Connect => "could not connect",
        TransportFailure::Timeout => "timed out",
        TransportFailure::Other => "connection failed",
    }
}

fn detail(messages: &[String], body_excerpt: &str) -> String {
    if !messages.is_empty() {
        format!(": {}", messages.join("; "))
    } else if !body_excerpt.is_empty() {
        format!(": {body_excerpt}")
    } else {
        String::new()
    }
}

impl HttpError {
    /// The HTTP status, when the server answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            HttpError::Status { status, .. } | HttpError::RateLimited { status, .. } => {
                Some(*status)
            }
            _ => None,
        }
    }

    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }

    /// Attempts made before giving up (0 when the request could not be built).
    pub fn attempts(&self) -> u32 {
        match self {
            HttpError::Status { attempts, .. }
            | HttpError::RateLimited { attempts, .. }
            | HttpError::Transport { attempts, .. } => *attempts,
            HttpError::InvalidRequest { .. } | HttpError::Decode { .. } => 0,
        }
    }

    /// Whether the failure was transient (429, 5xx, timeout, connection), i.e. a later run may
    /// succeed even though this one gave up.
    pub fn is_retryable(&self) -> bool {
        match self {
            HttpError::Status { status, .. } => *status == 429 || *status >= 500,
            HttpError::RateLimited { .. } | HttpError::Transport { .. } => true,
            HttpError::InvalidRequest { .. } | HttpError::Decode { .. } => false,
        }
    }

    pub fn is_timeout(&self) -> bool {
        matches!(
            self,
            HttpError::Transport {
                failure: TransportFailure::Timeout,
                ..
            }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn envelopes() {
        let m = default_error_messages;
        assert_eq!(
            m(
                &json!({"success": false, "errors": [{"code": 81057, "message": "Record already exists."}]})
            ),
            ["Record already exists. (code 81057)"]
        );
        assert_eq!(
            m(&json!({"message": "Not Found", "documentation_url": "x"})),
            ["Not Found"]
        );
        assert_eq!(
            m(&json!({"error": {"code": "forbidden", "message": "No access"}})),
            ["No access (forbidden)"]
        );
        assert_eq!(m(&json!({"error": "bad"})), ["bad"]);
        assert_eq!(m(&json!({"result": []})), Vec::<String>::new());
    }

    #[test]
    fn display_says_status_messages_and_attempts() {
        let e = HttpError::Status {
            api: "example",
            target: "GET http://127.0.0.1/x".into(),
            status: 500,
            messages: vec!["boom".into()],
            body_excerpt: String::new(),
            attempts: 3,
        };
        assert_eq!(
            e.to_string(),
            "example: GET http://127.0.0.1/x failed with HTTP 500 after 3 attempt(s): boom"
        );
        assert!(e.is_retryable());
        assert_eq!(e.attempts(), 3);
    }
}
