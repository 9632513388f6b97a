//! Zone settings: get all, edit several, get one, edit one.
//!
//! The table below lists every setting of the description's `zones_setting` oneOf (55), with its
//! default and the values it accepts; a value outside them is a 400 `1007 Invalid value for
//! zone setting <id>`, an unknown id a 404 `1006 Unrecognized zone setting name`. A setting
//! object is `{id, value, editable: true, modified_on}` (`modified_on` is null until the
//! setting is first changed); `development_mode` adds `time_remaining`, and `ssl_recommender`
//! has `enabled` instead of `value`, as described.
//!
//! Object values (`security_header`, `minify`, `mobile_redirect`, `nel`,
//! `automatic_platform_optimization`) are merged into the current value, so a client may send
//! only the fields it changes; the merged value is then checked.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::Uri;
use serde_json::{json, Map, Value};

use super::envelope::{json_object, json_value, ok, ApiError, ApiResult};
use super::{lock, now, AppState};

/// Error codes of the settings API.
pub mod codes {
    pub const UNKNOWN_SETTING: u32 = 1006;
    pub const INVALID_VALUE: u32 = 1007;
}

/// The values a setting accepts.
#[derive(Debug, Clone, Copy)]
enum Check {
    OnOff,
    Enum(&'static [&'static str]),
    Numbers(&'static [i64]),
    Range(f64, f64),
    UniqueStrings,
    SecurityHeader,
    Minify,
    MobileRedirect,
    Nel,
    Apo,
    /// `ssl_recommender`: `enabled` (boolean) instead of `value`.
    Recommender,
}

/// One row of the settings table: id, default value (JSON text), accepted values.
struct SettingDef {
    id: &'static str,
    default: &'static str,
    check: Check,
}

const fn def(id: &'static str, default: &'static str, check: Check) -> SettingDef {
    SettingDef { id, default, check }
}

const BROWSER_CACHE_TTLS: &[i64] = &[
    0, 30, 60, 120, 300, 1200, 1800, 3600, 7200, 10800, 14400, 18000, 28800, 43200, 57600, 72000,
    86400, 172800, 259200, 345600, 432000, 691200, 1382400, 2073600, 2678400, 5356800, 16070400,
    31536000,
];
const CHALLENGE_TTLS: &[i64] = &[
    300, 900, 1800, 2700, 3600, 7200, 10800, 14400, 28800, 57600, 86400, 604800, 2592000, 31536000,
];
const EDGE_CACHE_TTLS: &[i64] = &[
    30, 60, 300, 1200, 1800, 3600, 7200, 10800, 14400, 18000, 28800, 43200, 57600, 72000, 86400,
    172800, 259200, 345600, 432000, 518400, 604800,
];

/// Every setting of the description, in its order.
const SETTINGS: &[SettingDef] = &[
    def("0rtt", r#""off""#, Check::OnOff),
    def("advanced_ddos", r#""on""#, Check::OnOff),
    def("always_online", r#""off""#, Check::OnOff),
    def("always_use_https", r#""off""#, Check::OnOff),
    def("automatic_https_rewrites", r#""on""#, Check::OnOff),
    def("brotli", r#""on""#, Check::OnOff),
    def(
        "browser_cache_ttl",
        "14400",
        Check::Numbers(BROWSER_CACHE_TTLS),
    ),
    def("browser_check", r#""on""#, Check::OnOff),
    def(
        "cache_level",
        r#""aggressive""#,
        Check::Enum(&["aggressive", "basic", "simplified"]),
    ),
    def("challenge_ttl", "1800", Check::Numbers(CHALLENGE_TTLS)),
    def("ciphers", "[]", Check::UniqueStrings),
    def(
        "cname_flattening",
        r#""flatten_at_root""#,
        Check::Enum(&["flatten_at_root", "flatten_all"]),
    ),
    def("development_mode", r#""off""#, Check::OnOff),
    def("early_hints", r#""off""#, Check::OnOff),
    def("edge_cache_ttl", "7200", Check::Numbers(EDGE_CACHE_TTLS)),
    def("email_obfuscation", r#""on""#, Check::OnOff),
    def(
        "h2_prioritization",
        r#""off""#,
        Check::Enum(&["on", "off", "custom"]),
    ),
    def("hotlink_protection", r#""off""#, Check::OnOff),
    def("http2", r#""on""#, Check::OnOff),
    def("http3", r#""on""#, Check::OnOff),
    def(
        "image_resizing",
        r#""off""#,
        Check::Enum(&["on", "off", "open"]),
    ),
    def("ip_geolocation", r#""on""#, Check::OnOff),
    def("ipv6", r#""on""#, Check::OnOff),
    def("max_upload", "100", Check::Numbers(&[100, 200, 500])),
    def(
        "min_tls_version",
        r#""1.0""#,
        Check::Enum(&["1.0", "1.1", "1.2", "1.3"]),
    ),
    def(
        "minify",
        r#"{"css":"off","html":"off","js":"off"}"#,
        Check::Minify,
    ),
    def("mirage", r#""off""#, Check::OnOff),
    def(
        "mobile_redirect",
        r#"{"mobile_subdomain":null,"status":"off","strip_uri":false}"#,
        Check::MobileRedirect,
    ),
    def("nel", r#"{"enabled":false}"#, Check::Nel),
    def("opportunistic_encryption", r#""on""#, Check::OnOff),
    def("opportunistic_onion", r#""on""#, Check::OnOff),
    def("orange_to_orange", r#""off""#, Check::OnOff),
    def("origin_error_page_pass_thru", r#""off""#, Check::OnOff),
    def(
        "polish",
        r#""off""#,
        Check::Enum(&["off", "lossless", "lossy"]),
    ),
    def("prefetch_preload", r#""off""#, Check::OnOff),
    def("proxy_read_timeout", "100", Check::Range(1.0, 6000.0)),
    def(
        "pseudo_ipv4",
        r#""off""#,
        Check::Enum(&["off", "add_header", "overwrite_header"]),
    ),
    def("replace_insecure_js", r#""on""#, Check::OnOff),
    def("response_buffering", r#""off""#, Check::OnOff),
    def("rocket_loader", r#""off""#, Check::OnOff),
    def(
        "automatic_platform_optimization",
        r#"{"enabled":false,"cf":false,"wordpress":false,"wp_plugin":false,"hostnames":[],"cache_by_device_type":false}"#,
        Check::Apo,
    ),
    def(
        "security_header",
        r#"{"strict_transport_security":{"enabled":false,"max_age":0,"include_subdomains":false,"preload":false,"nosniff":false}}"#,
        Check::SecurityHeader,
    ),
    def(
        "security_level",
        r#""medium""#,
        Check::Enum(&[
            "off",
            "essentially_off",
            "low",
            "medium",
            "high",
            "under_attack",
        ]),
    ),
    def("server_side_exclude", r#""on""#, Check::OnOff),
    def("sha1_support", r#""off""#, Check::OnOff),
    def("sort_query_string_for_cache", r#""off""#, Check::OnOff),
    def(
        "ssl",
        r#""full""#,
        Check::Enum(&["off", "flexible", "full", "strict"]),
    ),
    def("ssl_recommender", "false", Check::Recommender),
    def("tls_1_2_only", r#""off""#, Check::OnOff),
    def("tls_1_3", r#""on""#, Check::Enum(&["on", "off", "zrt"])),
    def("tls_client_auth", r#""on""#, Check::OnOff),
    def("true_client_ip_header", r#""off""#, Check::OnOff),
    def("waf", r#""off""#, Check::OnOff),
    def("webp", r#""off""#, Check::OnOff),
    def("websockets", r#""on""#, Check::OnOff),
];

fn find(id: &str) -> Option<&'static SettingDef> {
    SETTINGS.iter().find(|d| d.id == id)
}

/// A changed setting.
#[derive(Debug, Clone, PartialEq)]
struct Changed {
    value: Value,
    modified_on: String,
}

/// The settings of one zone: only the changed ones are stored, the rest read as defaults.
#[derive(Debug, Clone, Default)]
pub struct ZoneSettings {
    changed: BTreeMap<&'static str, Changed>,
}

impl ZoneSettings {
    fn value(&self, d: &SettingDef) -> (Value, Option<String>) {
        match self.changed.get(d.id) {
            Some(c) => (c.value.clone(), Some(c.modified_on.clone())),
            None => (serde_json::from_str(d.default).unwrap_or(Value::Null), None),
        }
    }

    /// The current value of a setting (`None` for an unknown id).
    pub fn get(&self, id: &str) -> Option<Value> {
        find(id).map(|d| self.value(d).0)
    }

    fn to_json(&self, d: &SettingDef) -> Value {
        let (value, modified_on) = self.value(d);
        match d.check {
            Check::Recommender => json!({
                "id": d.id,
                "enabled": value.as_bool().unwrap_or(false),
                "editable": true,
                "modified_on": modified_on,
            }),
            _ => {
                let mut o = Map::new();
                o.insert("id".into(), json!(d.id));
                if d.id == "development_mode" {
                    let remaining = if value == "on" { 10800 } else { 0 };
                    o.insert("time_remaining".into(), json!(remaining));
                }
                o.insert("value".into(), value);
                o.insert("editable".into(), json!(true));
                o.insert("modified_on".into(), json!(modified_on));
                Value::Object(o)
            }
        }
    }
}

fn unknown(id: &str) -> ApiError {
    ApiError::not_found(
        codes::UNKNOWN_SETTING,
        format!("Unrecognized zone setting name: {id}"),
    )
}

fn invalid(id: &str, why: impl std::fmt::Display) -> ApiError {
    ApiError::bad_request(
        codes::INVALID_VALUE,
        format!("Invalid value for zone setting {id}: {why}"),
    )
}

/// Merges an object value into the current one (one level deep, and two for
/// `security_header.strict_transport_security`).
fn merge(current: &Value, new: &Map<String, Value>) -> Value {
    let mut out = current.as_object().cloned().unwrap_or_default();
    for (k, v) in new {
        match (out.get(k), v) {
            (Some(Value::Object(old)), Value::Object(inner)) => {
                let mut merged = old.clone();
                merged.extend(inner.clone());
                out.insert(k.clone(), Value::Object(merged));
            }
            _ => {
                out.insert(k.clone(), v.clone());
            }
        }
    }
    Value::Object(out)
}

fn expect_bools(id: &str, obj: &Map<String, Value>, keys: &[&str]) -> Result<(), ApiError> {
    for k in keys {
        if let Some(v) = obj.get(*k) {
            if !v.is_boolean() {
                return Err(invalid(id, format!("{k} must be a boolean")));
            }
        }
    }
    Ok(())
}

fn expect_on_off(id: &str, obj: &Map<String, Value>, keys: &[&str]) -> Result<(), ApiError> {
    for k in keys {
        if let Some(v) = obj.get(*k) {
            if v != "on" && v != "off" {
                return Err(invalid(id, format!("{k} must be \"on\" or \"off\"")));
            }
        }
    }
    Ok(())
}

/// Checks a new value against the setting's rule and returns the value to store.
fn check_value(d: &SettingDef, current: &Value, value: &Value) -> Result<Value, ApiError> {
    let id = d.id;
    let one_of = |allowed: &[&str]| -> Result<Value, ApiError> {
        match value.as_str() {
            Some(s) if allowed.contains(&s) => Ok(value.clone()),
            _ => Err(invalid(
                id,
                format!("expected one of {}", allowed.join(", ")),
            )),
        }
    };
    let object = || {
        value
            .as_object()
            .ok_or_else(|| invalid(id, "expected an object"))
    };
    match d.check {
        Check::OnOff => one_of(&["on", "off"]),
        Check::Enum(allowed) => one_of(allowed),
        Check::Numbers(allowed) => match value.as_f64() {
            Some(n) if n.fract() == 0.0 && allowed.contains(&(n as i64)) => Ok(json!(n as i64)),
            _ => Err(invalid(id, "not one of the allowed numbers")),
        },
        Check::Range(min, max) => match value.as_f64() {
            Some(n) if (min..=max).contains(&n) => Ok(value.clone()),
            _ => Err(invalid(
                id,
                format!("expected a number between {min} and {max}"),
            )),
        },
        Check::UniqueStrings => {
            let items = value
                .as_array()
                .ok_or_else(|| invalid(id, "expected an array of strings"))?;
            let mut seen = std::collections::HashSet::new();
            for item in items {
                let s = item
                    .as_str()
                    .ok_or_else(|| invalid(id, "expected an array of strings"))?;
                if !seen.insert(s) {
                    return Err(invalid(id, format!("duplicate item {s:?}")));
                }
            }
            Ok(value.clone())
        }
        Check::SecurityHeader => {
            let merged = merge(current, object()?);
            let hsts = merged
                .get("strict_transport_security")
                .and_then(Value::as_object)
                .ok_or_else(|| invalid(id, "strict_transport_security must be an object"))?;
            expect_bools(
                id,
                hsts,
                &["enabled", "include_subdomains", "preload", "nosniff"],
            )?;
            match hsts.get("max_age").and_then(Value::as_f64) {
                Some(age) if age >= 0.0 && age.fract() == 0.0 => {}
                _ => {
                    return Err(invalid(
                        id,
                        "strict_transport_security.max_age must be a non-negative integer",
                    ))
                }
            }
            Ok(merged)
        }
        Check::Minify => {
            let merged = merge(current, object()?);
            let o = merged.as_object().cloned().unwrap_or_default();
            expect_on_off(id, &o, &["css", "html", "js"])?;
            Ok(merged)
        }
        Check::MobileRedirect => {
            let merged = merge(current, object()?);
            let o = merged.as_object().cloned().unwrap_or_default();
            expect_on_off(id, &o, &["status"])?;
            expect_bools(id, &o, &["strip_uri"])?;
            match o.get("mobile_subdomain") {
                None | Some(Value::Null) => {}
                Some(Value::String(s)) if !s.is_empty() => {}
                _ => {
                    return Err(invalid(
                        id,
                        "mobile_subdomain must be a non-empty string or null",
                    ))
                }
            }
            Ok(merged)
        }
        Check::Nel => {
            let merged = merge(current, object()?);
            let o = merged.as_object().cloned().unwrap_or_default();
            expect_bools(id, &o, &["enabled"])?;
            Ok(merged)
        }
        Check::Apo => {
            let merged = merge(current, object()?);
            let o = merged.as_object().cloned().unwrap_or_default();
            expect_bools(
                id,
                &o,
                &[
                    "enabled",
                    "cf",
                    "wordpress",
                    "wp_plugin",
                    "cache_by_device_type",
                ],
            )?;
            let hostnames_ok = o
                .get("hostnames")
                .and_then(Value::as_array)
                .is_some_and(|h| h.iter().all(Value::is_string));
            if !hostnames_ok {
                return Err(invalid(id, "hostnames must be an array of strings"));
            }
            Ok(merged)
        }
        Check::Recommender => match value {
            Value::Bool(_) => Ok(value.clone()),
            _ => Err(invalid(id, "enabled must be a boolean")),
        },
    }
}

/// The new value carried by an edit item: `value`, or `enabled` for `ssl_recommender`.
fn edit_value<'a>(d: &SettingDef, item: &'a Map<String, Value>) -> Result<&'a Value, ApiError> {
    let key = if matches!(d.check, Check::Recommender) && item.contains_key("enabled") {
        "enabled"
    } else {
        "value"
    };
    item.get(key)
        .ok_or_else(|| invalid(d.id, format!("{key} is required")))
}

/// `GET /zones/{zone_id}/settings`.
pub async fn list(
    State(state): State<AppState>,
    Path(zone_id): Path<String>,
    uri: Uri,
) -> ApiResult {
    let zone = state.store.zone_or_404(&zone_id, &uri)?;
    let z = lock(&zone);
    let all: Vec<Value> = SETTINGS.iter().map(|d| z.settings.to_json(d)).collect();
    Ok(ok(Value::Array(all)))
}

/// `GET /zones/{zone_id}/settings/{setting_id}`.
pub async fn get(
    State(state): State<AppState>,
    Path((zone_id, setting_id)): Path<(String, String)>,
    uri: Uri,
) -> ApiResult {
    let zone = state.store.zone_or_404(&zone_id, &uri)?;
    let d = find(&setting_id).ok_or_else(|| unknown(&setting_id))?;
    let z = lock(&zone);
    Ok(ok(z.settings.to_json(d)))
}

/// `PATCH /zones/{zone_id}/settings/{setting_id}` with `{"value": ...}` (an `id`, if present,
/// must name the same setting).
pub async fn edit(
    State(state): State<AppState>,
    Path((zone_id, setting_id)): Path<(String, String)>,
    uri: Uri,
    body: Bytes,
) -> ApiResult {
    let zone = state.store.zone_or_404(&zone_id, &uri)?;
    let d = find(&setting_id).ok_or_else(|| unknown(&setting_id))?;
    let item = json_object(&body)?;
    if let Some(id) = item.get("id") {
        if id != setting_id.as_str() {
            return Err(invalid(
                d.id,
                format!("id {id} does not match the setting in the path"),
            ));
        }
    }
    let new = edit_value(d, &item)?;
    let mut z = lock(&zone);
    let (current, _) = z.settings.value(d);
    let value = check_value(d, &current, new)?;
    z.settings.changed.insert(
        d.id,
        Changed {
            value,
            modified_on: now(),
        },
    );
    Ok(ok(z.settings.to_json(d)))
}

/// `PATCH /zones/{zone_id}/settings` with `[{"id":..., "value":...}, ...]` (the described
/// form) or `{"items": [...]}` (what the API also accepts). All items are checked before any is
/// applied; the answer lists the edited settings.
pub async fn edit_many(
    State(state): State<AppState>,
    Path(zone_id): Path<String>,
    uri: Uri,
    body: Bytes,
) -> ApiResult {
    let zone = state.store.zone_or_404(&zone_id, &uri)?;
    let items = match json_value(&body)? {
        Value::Array(items) => items,
        Value::Object(mut obj) => match obj.remove("items") {
            Some(Value::Array(items)) => items,
            _ => {
                return Err(ApiError::malformed_json(
                    "expected an array of settings or {\"items\": [...]}",
                ))
            }
        },
        _ => return Err(ApiError::malformed_json("expected an array of settings")),
    };
    let mut z = lock(&zone);
    let mut staged = z.settings.clone();
    let mut edited = vec![];
    for item in &items {
        let item = item
            .as_object()
            .ok_or_else(|| ApiError::malformed_json("each setting must be an object"))?;
        let id = item.get("id").and_then(Value::as_str).unwrap_or_default();
        let d = find(id).ok_or_else(|| unknown(id))?;
        let new = edit_value(d, item)?;
        let (current, _) = staged.value(d);
        let value = check_value(d, &current, new)?;
        staged.changed.insert(
            d.id,
            Changed {
                value,
                modified_on: now(),
            },
        );
        if !edited.contains(&d.id) {
            edited.push(d.id);
        }
    }
    z.settings = staged;
    let result: Vec<Value> = edited
        .iter()
        .filter_map(|id| find(id))
        .map(|d| z.settings.to_json(d))
        .collect();
    Ok(ok(Value::Array(result)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_complete_and_defaults_are_valid() {
        assert_eq!(SETTINGS.len(), 55);
        for d in SETTINGS {
            let default: Value =
                serde_json::from_str(d.default).unwrap_or_else(|e| panic!("{}: {e}", d.id));
            check_value(d, &default, &default).unwrap_or_else(|e| panic!("{}: {e}", d.id));
        }
    }

    #[test]
    fn values_are_checked() {
        let d = find("min_tls_version").unwrap();
        assert!(check_value(d, &json!("1.0"), &json!("1.2")).is_ok());
        assert_eq!(
            check_value(d, &json!("1.0"), &json!("9.9"))
                .unwrap_err()
                .code(),
            codes::INVALID_VALUE
        );
        let d = find("browser_cache_ttl").unwrap();
        assert_eq!(
            check_value(d, &json!(0), &json!(14400.0)).unwrap(),
            json!(14400)
        );
        assert!(check_value(d, &json!(0), &json!(14401)).is_err());
        let d = find("security_header").unwrap();
        let current: Value = serde_json::from_str(d.default).unwrap();
        let v = check_value(
            d,
            &current,
            &json!({"strict_transport_security": {"enabled": true, "max_age": 31536000}}),
        )
        .unwrap();
        assert_eq!(v["strict_transport_security"]["enabled"], true);
        assert_eq!(v["strict_transport_security"]["nosniff"], false);
        assert!(check_value(
            d,
            &current,
            &json!({"strict_transport_security": {"enabled": "yes"}})
        )
        .is_err());
    }
}
