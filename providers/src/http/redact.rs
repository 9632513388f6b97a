//! Secrets and redaction for the HTTP layer: the [`Secret`] newtype that never prints its value,
//! the [`Redactor`] that scrubs headers, query pairs, JSON fields and known secret values from
//! anything logged or put into an error, and the [`LogSink`] that debug logging
//! (`INFRA_LOG=debug`) writes to.
//!
//! Logging is a hook, not a global: an [`ApiClient`](super::ApiClient) writes each line to the
//! sink of its config, so tests inject a capturing sink and assert that a canary never appears.

use std::fmt;
use std::sync::Arc;

/// What a redacted value prints as.
pub const REDACTED: &str = "(redacted)";

/// A credential or other sensitive string. `Debug` and `Display` print `(redacted)`; the value is
/// only reachable through [`Secret::expose`], which marks every place that sends it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The raw value, for putting on the wire. Never log the result.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret(value.to_owned())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

/// Where debug log output goes: one call per event (a request, a response, a retry), without a
/// trailing newline; an event may span several lines.
pub type LogSink = Arc<dyn Fn(&str) + Send + Sync>;

/// The sink used when `INFRA_LOG` asks for debug output: one `eprintln!` per line.
pub fn stderr_sink() -> LogSink {
    Arc::new(|line: &str| eprintln!("{line}"))
}

/// Whether `INFRA_LOG` (e.g. `debug`, `trace` or `warn,http=debug`) asks for HTTP debug logging.
pub fn debug_logging_requested() -> bool {
    std::env::var("INFRA_LOG").is_ok_and(|v| {
        let v = v.to_ascii_lowercase();
        v.contains("debug") || v.contains("trace")
    })
}

/// Header names whose values are always redacted (compared case-insensitively).
pub const DEFAULT_SECRET_HEADERS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "x-auth-key",
    "x-auth-email",
    "x-auth-user-service-key",
    "x-api-key",
    "x-amz-security-token",
    "cookie",
    "set-cookie",
];

/// Substrings that mark a JSON field or query parameter as sensitive (compared
/// case-insensitively). `value` matches only a field named exactly `value`, see [`Redactor`].
pub const DEFAULT_SECRET_FIELDS: &[&str] = &[
    "token",
    "secret",
    "password",
    "key",
    "credential",
    "signature",
];

/// Field names redacted only on an exact (case-insensitive) match, because as substrings they
/// would hide too much (`value` would match `values_count`).
pub const DEFAULT_EXACT_SECRET_FIELDS: &[&str] = &["value"];

/// Scrubs secrets out of text before it is logged or stored in an error.
#[derive(Clone, Debug)]
pub struct Redactor {
    /// Header names (lowercase) whose values are replaced by `(redacted)`.
    pub headers: Vec<String>,
    /// Substrings (lowercase) of JSON field / query parameter names to redact.
    pub field_substrings: Vec<String>,
    /// Exact JSON field / query parameter names (lowercase) to redact.
    pub exact_fields: Vec<String>,
    /// Literal values (e.g. the API token) that are replaced wherever they occur in logged text.
    known_secrets: Vec<Secret>,
}

impl Default for Redactor {
    fn default() -> Self {
        Redactor {
            headers: DEFAULT_SECRET_HEADERS
                .iter()
                .map(|s| s.to_string())
                .collect(),
            field_substrings: DEFAULT_SECRET_FIELDS
                .iter()
                .map(|s| s.to_string())
                .collect(),
            exact_fields: DEFAULT_EXACT_SECRET_FIELDS
                .iter()
                .map(|s| s.to_string())
                .collect(),
            known_secrets: Vec::new(),
        }
    }
}

impl Redactor {
    /// Remember a literal secret so that it is scrubbed from any text, wherever it appears.
    pub fn add_known_secret(&mut self, secret: &Secret) {
        if !secret.expose().is_empty() && !self.known_secrets.contains(secret) {
            self.known_secrets.push(secret.clone());
        }
    }

    pub fn is_secret_header(&self, name: &str) -> bool {
        let name = name.to_ascii_lowercase();
        self.headers.contains(&name)
    }

    pub fn is_secret_field(&self, name: &str) -> bool {
        let name = name.to_ascii_lowercase();
        self.exact_fields.contains(&name)
            || self
                .field_substrings
                .iter()
                .any(|f| name.contains(f.as_str()))
    }

    /// `name: value` for a log line, with the value redacted when the header is sensitive.
    pub fn header_line(&self, name: &str, value: &str) -> String {
        if self.is_secret_header(name) {
            format!("{name}: {REDACTED}")
        } else {
            format!("{name}: {}", self.scrub(value))
        }
    }

    /// A copy of `value` with every sensitive field (at any depth) replaced by `(redacted)`.
    pub fn json(&self, value: &serde_json::Value) -> serde_json::Value {
        use serde_json::Value;
        match value {
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| {
                        let v = if self.is_secret_field(k) && !v.is_null() {
                            Value::String(REDACTED.to_owned())
                        } else {
                            self.json(v)
                        };
                        (k.clone(), v)
                    })
                    .collect(),
            ),
            Value::Array(items) => Value::Array(items.iter().map(|v| self.json(v)).collect()),
            Value::String(s) => Value::String(self.scrub(s)),
            other => other.clone(),
        }
    }

    /// A body for a log line or an error: JSON is parsed and field-redacted; anything else is
    /// scrubbed of known secrets. Truncated to `max_chars`.
    pub fn body(&self, body: &[u8], max_chars: usize) -> String {
        if body.is_empty() {
            return String::new();
        }
        let text = match serde_json::from_slice::<serde_json::Value>(body) {
            Ok(json) => self.json(&json).to_string(),
            Err(_) => self.scrub(&String::from_utf8_lossy(body)),
        };
        truncate(&text, max_chars)
    }

    /// A URL for a log line or an error, with sensitive query parameters redacted.
    pub fn url(&self, url: &reqwest::Url) -> String {
        let mut shown = url.clone();
        let _ = shown.set_password(None);
        if shown.query().is_some() {
            let pairs: Vec<(String, String)> = url
                .query_pairs()
                .map(|(k, v)| {
                    let v = if self.is_secret_field(&k) {
                        REDACTED.to_owned()
                    } else {
                        v.into_owned()
                    };
                    (k.into_owned(), v)
                })
                .collect();
            shown.query_pairs_mut().clear().extend_pairs(pairs);
        }
        self.scrub(&shown.as_str().replace("%28redacted%29", REDACTED))
    }

    /// Replace every known secret value occurring in `text`: this redactor's own, and every
    /// value registered process-wide with [`register_sensitive`].
    pub fn scrub(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for secret in &self.known_secrets {
            if out.contains(secret.expose()) {
                out = out.replace(secret.expose(), REDACTED);
            }
        }
        scrub_registered(&out)
    }
}

/// Values the engine knows to be sensitive (marked in the configuration, variables or state).
/// Providers receive plain values, so the engine registers each sensitive string here before
/// calling them, and every [`Redactor`] scrubs them from logs and errors. Process-wide on
/// purpose: one run, one set of secrets.
static SENSITIVE: std::sync::RwLock<Vec<String>> = std::sync::RwLock::new(Vec::new());

/// `text` with every registered sensitive value replaced by `(redacted)`.
pub fn scrub_registered(text: &str) -> String {
    let mut out = text.to_owned();
    if let Ok(values) = SENSITIVE.read() {
        for v in values.iter() {
            if out.contains(v.as_str()) {
                out = out.replace(v.as_str(), REDACTED);
            }
        }
    }
    out
}

/// Registers a sensitive string (and its JSON-escaped form) for redaction everywhere. Strings
/// shorter than 4 characters are ignored: redacting them would garble every log line without
/// protecting anything.
pub fn register_sensitive(value: &str) {
    if value.chars().count() < 4 {
        return;
    }
    let json = serde_json::to_string(value).unwrap_or_default();
    let escaped = json.strip_prefix('"').and_then(|j| j.strip_suffix('"')).unwrap_or(value).to_string();
    let Ok(mut values) = SENSITIVE.write() else { return };
    for v in [value.to_string(), escaped] {
        if !values.contains(&v) {
            values.push(v);
        }
    }
    // Longest first, so that a secret containing another is replaced whole.
    values.sort_by_key(|v| std::cmp::Reverse(v.len()));
}

fn truncate(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        Some((idx, _)) => format!("{}… ({} bytes)", &text[..idx], text.len()),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registered_sensitive_values_are_scrubbed_everywhere() {
        register_sensitive("CANARY-registered \"quoted\"");
        register_sensitive("abc"); // too short to register
        let r = Redactor::default();
        let body = serde_json::json!({"comment": "CANARY-registered \"quoted\""}).to_string();
        assert_eq!(r.scrub(&body), r#"{"comment":"(redacted)"}"#);
        assert_eq!(scrub_registered("x CANARY-registered \"quoted\" y abc"), "x (redacted) y abc");
        let e = crate::ProviderError::new("bad value").with_detail("CANARY-registered \"quoted\" is invalid");
        assert_eq!(e.to_string(), "bad value: (redacted) is invalid");
    }

    #[test]
    fn secret_never_prints() {
        let s = Secret::new("CANARY");
        assert_eq!(
            format!("{s} {s:?} {:?}", Some(&s)),
            "(redacted) (redacted) Some((redacted))"
        );
        assert_eq!(s.expose(), "CANARY");
    }

    #[test]
    fn json_fields_are_redacted_at_any_depth() {
        let r = Redactor::default();
        let v = serde_json::json!({
            "name": "www", "api_token": "T", "nested": [{"password": "P", "Value": "V", "values_count": 3}],
            "client_secret": null, "ttl": 300
        });
        assert_eq!(
            r.json(&v),
            serde_json::json!({
                "name": "www", "api_token": "(redacted)",
                "nested": [{"password": "(redacted)", "Value": "(redacted)", "values_count": 3}],
                "client_secret": null, "ttl": 300
            })
        );
    }

    #[test]
    fn headers_query_and_known_values() {
        let mut r = Redactor::default();
        r.add_known_secret(&Secret::new("s3cr3t"));
        assert_eq!(
            r.header_line("Authorization", "Bearer x"),
            "Authorization: (redacted)"
        );
        assert_eq!(r.header_line("X-Auth-Key", "x"), "X-Auth-Key: (redacted)");
        assert_eq!(
            r.header_line("accept", "application/json"),
            "accept: application/json"
        );
        assert_eq!(r.scrub("echo s3cr3t back"), "echo (redacted) back");
        let url = reqwest::Url::parse("https://u:pw@api.test/x?page=2&access_token=abc").unwrap();
        assert_eq!(
            r.url(&url),
            "https://u@api.test/x?page=2&access_token=(redacted)"
        );
        assert_eq!(
            r.body(b"<html>s3cr3t</html>", 100),
            "<html>(redacted)</html>"
        );
        assert_eq!(r.body(b"abcdef", 3), "abc\u{2026} (6 bytes)");
    }
}
