//! Standalone health checks: list (paged), create, get, update (PUT), edit (PATCH), delete.
//!
//! Defaults are filled as the API does: `type` HTTP; `http_config` `{method: GET, path: "/",
//! port: 80 (443 for HTTPS), expected_codes: ["200"], expected_body: "", follow_redirects:
//! false, allow_insecure: false, header: null}` for HTTP(S) and null for TCP; `tcp_config`
//! `{method: connection_established, port: 80}` for TCP and null otherwise; `interval` 60,
//! `retries` 2, `timeout` 5, `consecutive_fails`/`consecutive_successes` 1, `suspended` false,
//! `check_regions` null, `description` "". `status` is `unknown` (`suspended` while suspended).
//! Invalid values are a 400 `1004`, an unknown id a 404 `7003`.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::Uri;
use serde_json::{json, Map, Value};

use super::envelope::{
    codes, json_object, ok, ok_list, paginate, ApiError, ApiResult, FieldError, Fields, Query,
};
use super::{lock, new_id, now, AppState};

/// The regions of the description's `check_regions` enum.
const REGIONS: [&str; 14] = [
    "WNAM",
    "ENAM",
    "WEU",
    "EEU",
    "NSAM",
    "SSAM",
    "OC",
    "ME",
    "NAF",
    "SAF",
    "IN",
    "SEAS",
    "NEAS",
    "ALL_REGIONS",
];

/// A stored health check: the object the API returns.
#[derive(Debug, Clone, PartialEq)]
pub struct Healthcheck {
    pub json: Map<String, Value>,
}

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::bad_request(codes::VALIDATION, message)
}

fn field_err(e: FieldError) -> ApiError {
    invalid(e.to_string())
}

fn int_in(f: &Fields, key: &str, default: i64, min: i64, max: i64) -> Result<i64, ApiError> {
    let v = f.i64(key).map_err(field_err)?.unwrap_or(default);
    if v < min || v > max {
        return Err(invalid(format!("{key} must be between {min} and {max}")));
    }
    Ok(v)
}

/// Validates a full request body and returns the stored object (without id and timestamps).
fn normalize(body: &Map<String, Value>) -> Result<Map<String, Value>, ApiError> {
    let f = Fields::new(body);
    let name = f.str("name").map_err(field_err)?.unwrap_or_default().trim();
    if name.is_empty() {
        return Err(invalid("name is required"));
    }
    let address = f
        .str("address")
        .map_err(field_err)?
        .unwrap_or_default()
        .trim();
    if address.is_empty() {
        return Err(invalid("address is required"));
    }
    let check_type = f.str("type").map_err(field_err)?.unwrap_or("HTTP");
    if !matches!(check_type, "HTTP" | "HTTPS" | "TCP") {
        return Err(invalid(format!(
            "type must be HTTP, HTTPS or TCP, not {check_type:?}"
        )));
    }
    let check_regions = match f.strings("check_regions").map_err(field_err)? {
        None => Value::Null,
        Some(regions) => {
            if let Some(bad) = regions.iter().find(|r| !REGIONS.contains(&r.as_str())) {
                return Err(invalid(format!("check_regions: unknown region {bad:?}")));
            }
            json!(regions)
        }
    };
    let interval = int_in(&f, "interval", 60, 5, 3600)?;
    // No upper bound of its own: the provider's acceptance tests apply 15 (with interval 120).
    let timeout = int_in(&f, "timeout", 5, 1, 3600)?;
    if timeout >= interval {
        return Err(invalid("timeout must be shorter than interval"));
    }
    let retries = int_in(&f, "retries", 2, 0, 5)?;
    let consecutive_fails = int_in(&f, "consecutive_fails", 1, 1, 1000)?;
    let consecutive_successes = int_in(&f, "consecutive_successes", 1, 1, 1000)?;
    let suspended = f.bool("suspended").map_err(field_err)?.unwrap_or(false);
    let description = f.str("description").map_err(field_err)?.unwrap_or_default();

    let (http_config, tcp_config) = if check_type == "TCP" {
        let given = f
            .object("tcp_config")
            .map_err(field_err)?
            .cloned()
            .unwrap_or_default();
        let t = Fields::with_prefix(&given, "tcp_config.");
        let method = t
            .str("method")
            .map_err(field_err)?
            .unwrap_or("connection_established");
        if method != "connection_established" {
            return Err(invalid("tcp_config.method must be connection_established"));
        }
        let port = int_in(&t, "port", 80, 1, 65535)?;
        (Value::Null, json!({"method": method, "port": port}))
    } else {
        let given = f
            .object("http_config")
            .map_err(field_err)?
            .cloned()
            .unwrap_or_default();
        let h = Fields::with_prefix(&given, "http_config.");
        let method = h.str("method").map_err(field_err)?.unwrap_or("GET");
        if !matches!(method, "GET" | "HEAD") {
            return Err(invalid("http_config.method must be GET or HEAD"));
        }
        let path = h.str("path").map_err(field_err)?.unwrap_or("/");
        if !path.starts_with('/') {
            return Err(invalid("http_config.path must start with /"));
        }
        let default_port = if check_type == "HTTPS" { 443 } else { 80 };
        let port = int_in(&h, "port", default_port, 1, 65535)?;
        let expected_codes = h
            .strings("expected_codes")
            .map_err(field_err)?
            .unwrap_or_else(|| vec!["200".into()]);
        for code in &expected_codes {
            let ok = code.len() == 3
                && code
                    .chars()
                    .enumerate()
                    .all(|(i, c)| c.is_ascii_digit() || (i > 0 && c == 'x'));
            if !ok {
                return Err(invalid(format!(
                    "http_config.expected_codes: invalid code {code:?}"
                )));
            }
        }
        let header = match h.raw("header") {
            None => Value::Null,
            Some(Value::Object(headers)) => {
                if headers
                    .values()
                    .any(|v| !v.as_array().is_some_and(|a| a.iter().all(Value::is_string)))
                {
                    return Err(invalid(
                        "http_config.header values must be arrays of strings",
                    ));
                }
                Value::Object(headers.clone())
            }
            Some(_) => return Err(invalid("http_config.header must be an object")),
        };
        let config = json!({
            "method": method,
            "path": path,
            "port": port,
            "expected_codes": expected_codes,
            "expected_body": h.str("expected_body").map_err(field_err)?.unwrap_or_default(),
            "follow_redirects": h.bool("follow_redirects").map_err(field_err)?.unwrap_or(false),
            "allow_insecure": h.bool("allow_insecure").map_err(field_err)?.unwrap_or(false),
            "header": header,
        });
        (config, Value::Null)
    };

    let out = json!({
        "name": name,
        "description": description,
        "address": address,
        "type": check_type,
        "check_regions": check_regions,
        "interval": interval,
        "retries": retries,
        "timeout": timeout,
        "consecutive_fails": consecutive_fails,
        "consecutive_successes": consecutive_successes,
        "suspended": suspended,
        "http_config": http_config,
        "tcp_config": tcp_config,
        "status": if suspended { "suspended" } else { "unknown" },
        "failure_reason": "",
    });
    Ok(out.as_object().cloned().unwrap_or_default())
}

/// Builds the stored object, keeping the id and creation time of `previous`.
fn build(fields: Map<String, Value>, previous: Option<&Healthcheck>) -> Healthcheck {
    let now = now();
    let id = previous
        .and_then(|p| p.json.get("id").cloned())
        .unwrap_or_else(|| json!(new_id()));
    let created_on = previous
        .and_then(|p| p.json.get("created_on").cloned())
        .unwrap_or_else(|| json!(now));
    let mut json = Map::new();
    json.insert("id".into(), id);
    json.extend(fields);
    json.insert("created_on".into(), created_on);
    json.insert("modified_on".into(), json!(now));
    Healthcheck { json }
}

fn find<'a>(
    list: &'a indexmap::IndexMap<String, Healthcheck>,
    id: &str,
    uri: &Uri,
) -> Result<&'a Healthcheck, ApiError> {
    list.get(id)
        .ok_or_else(|| ApiError::not_routable(uri.path()))
}

/// `GET /zones/{zone_id}/healthchecks`.
pub async fn list(
    State(state): State<AppState>,
    Path(zone_id): Path<String>,
    uri: Uri,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    let zone = state.store.zone_or_404(&zone_id, &uri)?;
    let page = Query::parse(raw.as_deref()).page(25, 5, 1000)?;
    let z = lock(&zone);
    let all: Vec<&Healthcheck> = z.healthchecks.values().collect();
    let (items, info) = paginate(all, page);
    Ok(ok_list(
        items
            .into_iter()
            .map(|h| Value::Object(h.json.clone()))
            .collect(),
        info,
    ))
}

/// `POST /zones/{zone_id}/healthchecks`.
pub async fn create(
    State(state): State<AppState>,
    Path(zone_id): Path<String>,
    uri: Uri,
    body: Bytes,
) -> ApiResult {
    let zone = state.store.zone_or_404(&zone_id, &uri)?;
    let fields = normalize(&json_object(&body)?)?;
    let check = build(fields, None);
    let json = Value::Object(check.json.clone());
    let id = json["id"].as_str().unwrap_or_default().to_string();
    lock(&zone).healthchecks.insert(id, check);
    Ok(ok(json))
}

/// `GET /zones/{zone_id}/healthchecks/{healthcheck_id}`.
pub async fn get(
    State(state): State<AppState>,
    Path((zone_id, id)): Path<(String, String)>,
    uri: Uri,
) -> ApiResult {
    let zone = state.store.zone_or_404(&zone_id, &uri)?;
    let z = lock(&zone);
    Ok(ok(Value::Object(
        find(&z.healthchecks, &id, &uri)?.json.clone(),
    )))
}

/// `PUT /zones/{zone_id}/healthchecks/{healthcheck_id}`: replaces the configuration.
pub async fn update(
    State(state): State<AppState>,
    Path((zone_id, id)): Path<(String, String)>,
    uri: Uri,
    body: Bytes,
) -> ApiResult {
    let zone = state.store.zone_or_404(&zone_id, &uri)?;
    let body = json_object(&body)?;
    let mut z = lock(&zone);
    let previous = find(&z.healthchecks, &id, &uri)?.clone();
    let check = build(normalize(&body)?, Some(&previous));
    let json = Value::Object(check.json.clone());
    z.healthchecks.insert(id, check);
    Ok(ok(json))
}

/// `PATCH /zones/{zone_id}/healthchecks/{healthcheck_id}`: changes the given fields
/// (`http_config` and `tcp_config` are merged one level deep).
pub async fn patch(
    State(state): State<AppState>,
    Path((zone_id, id)): Path<(String, String)>,
    uri: Uri,
    body: Bytes,
) -> ApiResult {
    let zone = state.store.zone_or_404(&zone_id, &uri)?;
    let changes = json_object(&body)?;
    let mut z = lock(&zone);
    let previous = find(&z.healthchecks, &id, &uri)?.clone();
    let mut merged = previous.json.clone();
    for (key, value) in changes {
        match (merged.get_mut(&key), value) {
            (Some(Value::Object(old)), Value::Object(new))
                if key == "http_config" || key == "tcp_config" =>
            {
                old.extend(new);
            }
            (_, value) => {
                merged.insert(key, value);
            }
        }
    }
    // A type change makes the other type's config meaningless.
    match merged.get("type").and_then(Value::as_str) {
        Some("TCP") => {
            merged.remove("http_config");
        }
        _ => {
            merged.remove("tcp_config");
        }
    }
    let check = build(normalize(&merged)?, Some(&previous));
    let json = Value::Object(check.json.clone());
    z.healthchecks.insert(id, check);
    Ok(ok(json))
}

/// `DELETE /zones/{zone_id}/healthchecks/{healthcheck_id}`: answers `{"id": ...}`.
pub async fn delete(
    State(state): State<AppState>,
    Path((zone_id, id)): Path<(String, String)>,
    uri: Uri,
) -> ApiResult {
    let zone = state.store.zone_or_404(&zone_id, &uri)?;
    let mut z = lock(&zone);
    z.healthchecks
        .shift_remove(&id)
        .ok_or_else(|| ApiError::not_routable(uri.path()))?;
    Ok(ok(json!({ "id": id })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_filled() {
        // The provider's acceptance tests use a timeout of 15 with an interval of 120.
        let body = json!({"name": "t", "address": "a.example.com", "type": "TCP", "timeout": 15, "interval": 120});
        assert_eq!(normalize(body.as_object().unwrap()).unwrap()["timeout"], 15);
        let body = json!({"name": "origin", "address": "origin.example.com"});
        let n = normalize(body.as_object().unwrap()).unwrap();
        assert_eq!(n["type"], "HTTP");
        assert_eq!(n["http_config"]["port"], 80);
        assert_eq!(n["http_config"]["expected_codes"], json!(["200"]));
        assert_eq!(n["tcp_config"], Value::Null);
        assert_eq!(n["status"], "unknown");
        let body = json!({"name": "db", "address": "10.0.0.1", "type": "TCP", "tcp_config": {"port": 5432}});
        let n = normalize(body.as_object().unwrap()).unwrap();
        assert_eq!(n["http_config"], Value::Null);
        assert_eq!(
            n["tcp_config"],
            json!({"method": "connection_established", "port": 5432})
        );
    }

    #[test]
    fn invalid_values_are_refused() {
        for body in [
            json!({"name": "", "address": "a"}),
            json!({"name": "a", "address": "a", "type": "UDP"}),
            json!({"name": "a", "address": "a", "interval": 1}),
            json!({"name": "a", "address": "a", "check_regions": ["MARS"]}),
            json!({"name": "a", "address": "a", "http_config": {"expected_codes": ["2000"]}}),
        ] {
            assert!(normalize(body.as_object().unwrap()).is_err(), "{body}");
        }
    }
}
