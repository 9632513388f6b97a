//! The configured Cloudflare client: one [`ApiClient`] (shared rate limit, retries, redaction),
//! the v4 envelope (`success`, `errors`, `messages`, `result`, `result_info`), page-number
//! pagination, JSON helpers per method, and the translation of failures into errors users can
//! act on ("could not reach the Cloudflare API at …", "the API token was refused …").

use std::collections::HashMap;
use std::sync::Mutex;

use serde_json::Value as J;

use crate::http::{
    ApiClient, ApiRequest, ApiResponse, HttpError, NumberedPage, PageNumberPager, PageNumbers,
    Redactor, TransportFailure,
};
use crate::provider::ProviderError;
use crate::rest::idempotent::{delete_idempotent, CreatePolicy};

/// Pulls Cloudflare's messages out of an error body: `errors[]` (with `code`, and the
/// `error_chain` of validation errors), else a Prism problem document (`title`, `detail` and
/// its `validation` list), else the common envelopes.
pub fn error_messages(body: &J) -> Vec<String> {
    let mut out = Vec::new();
    fn push(out: &mut Vec<String>, e: &J) {
        let Some(msg) = e.get("message").and_then(J::as_str) else {
            return;
        };
        out.push(match e.get("code") {
            Some(J::Number(n)) => format!("{msg} (code {n})"),
            Some(J::String(c)) => format!("{msg} ({c})"),
            _ => msg.to_string(),
        });
        if let Some(J::Array(chain)) = e.get("error_chain") {
            for c in chain {
                push(out, c);
            }
        }
    }
    if let Some(J::Array(errors)) = body.get("errors") {
        for e in errors {
            push(&mut out, e);
        }
    }
    if out.is_empty() {
        if let Some(title) = body.get("title").and_then(J::as_str) {
            out.push(match body.get("detail").and_then(J::as_str) {
                Some(d) if !d.is_empty() => format!("{title}: {d}"),
                _ => title.to_string(),
            });
            if let Some(J::Array(v)) = body.get("validation") {
                for item in v {
                    if let Some(m) = item.get("message").and_then(J::as_str) {
                        out.push(m.to_string());
                    }
                }
            }
        }
    }
    if out.is_empty() {
        out = crate::http::default_error_messages(body);
    }
    out
}

/// One page of a list answer.
#[derive(Debug, Default)]
struct Page {
    items: Vec<J>,
    total_pages: Option<u32>,
}

/// The API context every Cloudflare type receives.
pub struct Cloudflare {
    client: ApiClient,
    /// Scrubs the credentials out of messages that do not pass through the client's own
    /// redaction (an error inside a 2xx envelope).
    redactor: Redactor,
    pub(crate) create_policy: CreatePolicy,
    zone_names: Mutex<HashMap<String, String>>,
}

impl std::fmt::Debug for Cloudflare {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cloudflare")
            .field("client", &self.client)
            .finish_non_exhaustive()
    }
}

/// The largest `per_page` of the DNS record list (the description's maximum).
pub const DNS_PER_PAGE: u32 = 5_000_000;

impl Cloudflare {
    pub fn new(client: ApiClient, redactor: Redactor, create_policy: CreatePolicy) -> Cloudflare {
        Cloudflare {
            client,
            redactor,
            create_policy,
            zone_names: Mutex::new(HashMap::new()),
        }
    }

    pub fn client(&self) -> &ApiClient {
        &self.client
    }

    /// The base URL without credentials, for messages.
    pub fn base_url(&self) -> String {
        let mut url = self.client.base_url().clone();
        let _ = url.set_password(None);
        let _ = url.set_username("");
        url.as_str().trim_end_matches('/').to_string()
    }

    /// Sends a request and returns the envelope's `result` (JSON null when absent).
    pub async fn call(&self, req: ApiRequest) -> Result<J, HttpError> {
        let target = format!("{} {}", req.method, req.path);
        let response = self.client.send(req).await?;
        Ok(envelope(&response, &target, &self.redactor)?.0)
    }

    pub async fn get(&self, path: &str) -> Result<J, HttpError> {
        self.call(ApiRequest::get(path)).await
    }

    /// GET with query parameters.
    pub async fn get_query(&self, path: &str, query: &[(String, String)]) -> Result<J, HttpError> {
        let mut req = ApiRequest::get(path);
        for (k, v) in query {
            req = req.query(k, v);
        }
        self.call(req).await
    }

    pub async fn post(&self, path: &str, body: J) -> Result<J, HttpError> {
        self.call(ApiRequest::post(path, body)).await
    }

    pub async fn put(&self, path: &str, body: J) -> Result<J, HttpError> {
        self.call(ApiRequest::put(path, body)).await
    }

    /// PATCH with a body that sets whole values, so repeating it is harmless.
    pub async fn patch(&self, path: &str, body: J) -> Result<J, HttpError> {
        self.call(ApiRequest::patch(path, body).idempotent(true))
            .await
    }

    /// DELETE; an object that is already gone (404) counts as deleted.
    pub async fn delete(&self, path: &str) -> Result<(), HttpError> {
        delete_idempotent(self.client.send(ApiRequest::delete(path))).await
    }

    /// Every item of a page-numbered list (`result_info.total_pages`), `per_page` at a time.
    pub async fn list(
        &self,
        path: &str,
        query: &[(String, String)],
        per_page: u32,
    ) -> Result<Vec<J>, HttpError> {
        self.list_limited(path, query, per_page, usize::MAX).await
    }

    /// Like [`Cloudflare::list`], stopping once `max_items` items are in.
    pub async fn list_limited(
        &self,
        path: &str,
        query: &[(String, String)],
        per_page: u32,
        max_items: usize,
    ) -> Result<Vec<J>, HttpError> {
        let mut req = ApiRequest::get(path);
        for (k, v) in query {
            req = req.query(k, v);
        }
        let style = PageNumbers {
            per_page,
            ..PageNumbers::default()
        };
        let target = format!("GET {path}");
        let mut pager = PageNumberPager::new(&self.client, req, style, |r: &ApiResponse| {
            let (result, info) = envelope(r, &target, &self.redactor)?;
            let page = page_of(result, info);
            Ok(NumberedPage {
                items: page.items,
                total_pages: page.total_pages,
            })
        });
        let mut out = Vec::new();
        while let Some(items) = pager.next_page().await? {
            out.extend(items);
            if out.len() >= max_items {
                out.truncate(max_items);
                break;
            }
        }
        Ok(out)
    }

    /// The name of a zone (cached for the run), or `None` when it cannot be read.
    pub async fn zone_name(&self, zone_id: &str) -> Option<String> {
        if let Some(name) = self.zone_names.lock().ok()?.get(zone_id) {
            return Some(name.clone());
        }
        let zone = self
            .get(&format!("/zones/{}", segment(zone_id)))
            .await
            .ok()?;
        let name = zone.get("name")?.as_str()?.to_string();
        self.zone_names
            .lock()
            .ok()?
            .insert(zone_id.to_string(), name.clone());
        Some(name)
    }

    /// A failed operation as a [`ProviderError`] that says what to do about it. `what` names
    /// the operation (`creating cloudflare_dns_record`).
    pub fn error(&self, what: &str, e: &HttpError) -> ProviderError {
        match e {
            HttpError::Transport { failure: TransportFailure::Connect, message, attempts, .. } => ProviderError::new(format!(
                "could not reach the Cloudflare API at {}: {}",
                self.base_url(),
                short_cause(message)
            ))
            .with_detail(format!("{what} failed after {attempts} attempt(s): {message}. Check `base_url` (or CLOUDFLARE_BASE_URL) and the network.")),
            HttpError::Status { status: 401 | 403, .. } => ProviderError::new(format!("{what}: the Cloudflare API refused the credentials"))
                .with_detail(format!("{e}. Check that the API token (api_token or CLOUDFLARE_API_TOKEN) is valid and has the permissions this resource needs.")),
            _ => ProviderError::new(format!("{what} failed")).with_detail(e.to_string()),
        }
    }
}

/// The innermost cause of a transport error chain, lowercased: `connection refused`.
fn short_cause(message: &str) -> String {
    let last = message.rsplit(": ").next().unwrap_or(message);
    let last = last.split(" (os error").next().unwrap_or(last);
    last.trim().to_ascii_lowercase()
}

/// A path segment with `/`, `?`, `#` and `%` escaped, so that an id from a configuration
/// cannot change the request's path.
pub fn segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '/' => out.push_str("%2F"),
            '?' => out.push_str("%3F"),
            '#' => out.push_str("%23"),
            '%' => out.push_str("%25"),
            ' ' => out.push_str("%20"),
            c => out.push(c),
        }
    }
    out
}

/// The envelope of a successful response: `(result, result_info)`. `success: false` is an
/// error carrying the API's messages, as a 4xx would be.
fn envelope(r: &ApiResponse, target: &str, redactor: &Redactor) -> Result<(J, J), HttpError> {
    if r.body.is_empty() {
        return Ok((J::Null, J::Null));
    }
    let body: J = r.json()?;
    if body.get("success").and_then(J::as_bool) == Some(false) {
        return Err(HttpError::Status {
            api: "cloudflare",
            target: redactor.scrub(target),
            status: r.status,
            messages: error_messages(&redactor.json(&body))
                .iter()
                .map(|m| redactor.scrub(m))
                .collect(),
            body_excerpt: String::new(),
            attempts: r.attempts,
        });
    }
    let result = body.get("result").cloned().unwrap_or(J::Null);
    let info = body.get("result_info").cloned().unwrap_or(J::Null);
    Ok((result, info))
}

fn page_of(result: J, info: J) -> Page {
    let items = match result {
        J::Array(items) => items,
        J::Null => Vec::new(),
        other => vec![other],
    };
    let total_pages = info
        .get("total_pages")
        .and_then(J::as_u64)
        .map(|n| n.min(u32::MAX as u64) as u32);
    Page { items, total_pages }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn messages_with_codes_chains_and_prism_problems() {
        let body = json!({"success": false, "errors": [{"code": 1004, "message": "DNS Validation Error", "error_chain": [{"code": 9021, "message": "Invalid TTL"}]}]});
        assert_eq!(
            error_messages(&body),
            [
                "DNS Validation Error (code 1004)",
                "Invalid TTL (code 9021)"
            ]
        );
        let prism = json!({"type": "https://stoplight.io/prism/errors#UNPROCESSABLE_ENTITY", "title": "Invalid request", "detail": "Your request is not valid and no HTTP validation response was found in the spec, so Prism is generating this error for you.", "validation": [{"location": ["body", "ttl"], "code": "type", "message": "Request body property ttl must be number"}]});
        let m = error_messages(&prism);
        assert!(m[0].starts_with("Invalid request"));
        assert_eq!(m[1], "Request body property ttl must be number");
    }

    #[test]
    fn segments_and_causes() {
        assert_eq!(segment("../zones/x?y"), "..%2Fzones%2Fx%3Fy");
        assert_eq!(
            segment("023e105f4ecef8ad9ca31a8372d0c353"),
            "023e105f4ecef8ad9ca31a8372d0c353"
        );
        assert_eq!(
            short_cause(
                "client error (Connect): tcp connect error: Connection refused (os error 111)"
            ),
            "connection refused"
        );
    }
}
