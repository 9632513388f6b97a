//! Page rules: list (ordered, filtered by status), create, get, update (PUT), edit (PATCH),
//! delete.
//!
//! A page rule is `{id, targets, actions, priority, status, created_on, modified_on}`;
//! `priority` defaults to 1 and `status` to `disabled` (the description's defaults). Targets are
//! `[{target: "url", constraint: {operator, value}}]` (operator defaults to `matches`); actions
//! are `[{id, value}]` with the ids the Terraform provider documents. `forwarding_url` needs
//! `{url, status_code: 301|302}` and cannot be combined with other actions (`"forwarding_url"
//! may not be used with "any setting"`, the API's words); `cache_ttl_by_status` must not be
//! empty (the API answers 400); `always_use_https` and the `disable_*` actions take no value.
//! The zone's plan limits the number of rules (free: 3) and two rules cannot have the same
//! target. Validation failures are a 400 `1004 Page Rule validation failed: <detail>`, an
//! unknown id a 404 `7003`.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::Uri;
use serde_json::{json, Map, Value};

use super::envelope::{
    codes, json_object, ok, ok_list, paginate, ApiError, ApiResult, PageRequest, Query,
};
use super::{lock, new_id, now, AppState, ZoneData};

/// Page rule actions (the provider's `actions` attributes).
const ACTIONS: [&str; 34] = [
    "always_use_https",
    "automatic_https_rewrites",
    "browser_cache_ttl",
    "browser_check",
    "bypass_cache_on_cookie",
    "cache_by_device_type",
    "cache_deception_armor",
    "cache_key_fields",
    "cache_level",
    "cache_on_cookie",
    "cache_ttl_by_status",
    "disable_apps",
    "disable_performance",
    "disable_security",
    "disable_zaraz",
    "edge_cache_ttl",
    "email_obfuscation",
    "explicit_cache_control",
    "forwarding_url",
    "host_header_override",
    "ip_geolocation",
    "mirage",
    "opportunistic_encryption",
    "origin_error_page_pass_thru",
    "polish",
    "resolve_override",
    "respect_strong_etag",
    "response_buffering",
    "rocket_loader",
    "security_level",
    "sort_query_string_for_cache",
    "ssl",
    "true_client_ip_header",
    "waf",
];

/// Actions that take no value.
const NO_VALUE: [&str; 5] = [
    "always_use_https",
    "disable_apps",
    "disable_performance",
    "disable_security",
    "disable_zaraz",
];

/// A stored page rule.
#[derive(Debug, Clone, PartialEq)]
pub struct PageRule {
    pub id: String,
    pub targets: Vec<Value>,
    pub actions: Vec<Value>,
    pub priority: i64,
    pub status: String,
    pub created_on: String,
    pub modified_on: String,
}

impl PageRule {
    fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "targets": self.targets,
            "actions": self.actions,
            "priority": self.priority,
            "status": self.status,
            "created_on": self.created_on,
            "modified_on": self.modified_on,
        })
    }

    fn target_urls(&self) -> Vec<&str> {
        self.targets
            .iter()
            .filter_map(|t| t["constraint"]["value"].as_str())
            .collect()
    }
}

fn invalid(detail: impl std::fmt::Display) -> ApiError {
    ApiError::bad_request(
        codes::VALIDATION,
        format!("Page Rule validation failed: {detail}"),
    )
}

fn check_targets(value: Option<&Value>) -> Result<Vec<Value>, ApiError> {
    let targets = value
        .and_then(Value::as_array)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| invalid("targets is required"))?;
    targets
        .iter()
        .map(|t| {
            let t = t
                .as_object()
                .ok_or_else(|| invalid("each target must be an object"))?;
            if t.get("target").and_then(Value::as_str) != Some("url") {
                return Err(invalid("target must be \"url\""));
            }
            let c = t
                .get("constraint")
                .and_then(Value::as_object)
                .ok_or_else(|| invalid("constraint is required"))?;
            let operator = c
                .get("operator")
                .and_then(Value::as_str)
                .unwrap_or("matches");
            if !matches!(
                operator,
                "matches" | "contains" | "equals" | "not_equal" | "not_contain"
            ) {
                return Err(invalid(format!("unknown constraint operator {operator:?}")));
            }
            let url = c
                .get("value")
                .and_then(Value::as_str)
                .filter(|v| !v.trim().is_empty());
            let url = url.ok_or_else(|| invalid("constraint.value is required"))?;
            Ok(json!({"target": "url", "constraint": {"operator": operator, "value": url}}))
        })
        .collect()
}

fn check_actions(value: Option<&Value>) -> Result<Vec<Value>, ApiError> {
    let actions = value
        .and_then(Value::as_array)
        .filter(|a| !a.is_empty())
        .ok_or_else(|| invalid("actions is required"))?;
    let mut out = vec![];
    for a in actions {
        let a = a
            .as_object()
            .ok_or_else(|| invalid("each action must be an object"))?;
        let id = a.get("id").and_then(Value::as_str).unwrap_or_default();
        if !ACTIONS.contains(&id) {
            return Err(invalid(format!("unknown action {id:?}")));
        }
        if out.iter().any(|o: &Value| o["id"] == id) {
            return Err(invalid(format!("duplicate action {id:?}")));
        }
        let value = a.get("value").filter(|v| !v.is_null());
        match (id, value) {
            (id, Some(_)) if NO_VALUE.contains(&id) => {
                return Err(invalid(format!("{id} does not take a value")))
            }
            (id, None) if NO_VALUE.contains(&id) => out.push(json!({"id": id})),
            ("forwarding_url", Some(v)) => {
                let url = v
                    .get("url")
                    .and_then(Value::as_str)
                    .filter(|u| !u.is_empty());
                let code = v.get("status_code").and_then(Value::as_u64);
                if url.is_none() || !matches!(code, Some(301 | 302)) {
                    return Err(invalid(
                        "forwarding_url needs url and status_code 301 or 302",
                    ));
                }
                out.push(json!({"id": id, "value": {"url": url, "status_code": code}}));
            }
            ("cache_ttl_by_status", Some(v)) if v.as_object().is_none_or(Map::is_empty) => {
                return Err(invalid(
                    "cache_ttl_by_status needs at least one status code (range) and its TTL",
                ))
            }
            (id, Some(v)) => out.push(json!({"id": id, "value": v})),
            (id, None) => return Err(invalid(format!("{id} needs a value"))),
        }
    }
    if out.len() > 1 && out.iter().any(|a| a["id"] == "forwarding_url") {
        return Err(invalid(
            "\"forwarding_url\" may not be used with \"any setting\"",
        ));
    }
    Ok(out)
}

/// Validates a full body and builds the rule, keeping id and creation time of `previous`.
fn build(
    zone: &ZoneData,
    body: &Map<String, Value>,
    previous: Option<&PageRule>,
) -> Result<PageRule, ApiError> {
    let targets = check_targets(body.get("targets"))?;
    let actions = check_actions(body.get("actions"))?;
    let priority = match body.get("priority") {
        None | Some(Value::Null) => previous.map(|p| p.priority).unwrap_or(1),
        Some(v) => v
            .as_i64()
            .filter(|p| *p >= 1)
            .ok_or_else(|| invalid("priority must be a positive integer"))?,
    };
    let status = match body.get("status") {
        None | Some(Value::Null) => previous
            .map(|p| p.status.clone())
            .unwrap_or_else(|| "disabled".into()),
        Some(v) => match v.as_str() {
            Some(s @ ("active" | "disabled")) => s.to_string(),
            _ => return Err(invalid("status must be active or disabled")),
        },
    };
    let now = now();
    let rule = PageRule {
        id: previous.map(|p| p.id.clone()).unwrap_or_else(new_id),
        targets,
        actions,
        priority,
        status,
        created_on: previous
            .map(|p| p.created_on.clone())
            .unwrap_or_else(|| now.clone()),
        modified_on: now,
    };
    let urls = rule.target_urls();
    let clash = zone
        .pagerules
        .values()
        .filter(|other| other.id != rule.id)
        .any(|other| other.target_urls().iter().any(|u| urls.contains(u)));
    if clash {
        return Err(invalid(
            "Your zone already has an existing page rule with that URL.",
        ));
    }
    Ok(rule)
}

fn not_found(uri: &Uri) -> ApiError {
    ApiError::not_routable(uri.path())
}

/// `GET /zones/{zone_id}/pagerules` (`order` priority|status, `direction`, `status`, `match`).
pub async fn list(
    State(state): State<AppState>,
    Path(zone_id): Path<String>,
    uri: Uri,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    let zone = state.store.zone_or_404(&zone_id, &uri)?;
    let q = Query::parse(raw.as_deref());
    let desc = q.descending(true)?;
    q.match_all("match")?;
    let status = q.get("status");
    let z = lock(&zone);
    let mut rules: Vec<&PageRule> = z
        .pagerules
        .values()
        .filter(|r| status.is_none_or(|s| r.status == s))
        .collect();
    match q.get("order") {
        Some("status") => rules.sort_by(|a, b| a.status.cmp(&b.status)),
        _ => rules.sort_by_key(|r| r.priority),
    }
    if desc {
        rules.reverse();
    }
    let per_page = rules.len().max(1);
    let (rules, info) = paginate(rules, PageRequest { page: 1, per_page });
    Ok(ok_list(
        rules.into_iter().map(PageRule::to_json).collect(),
        info,
    ))
}

/// `POST /zones/{zone_id}/pagerules`.
pub async fn create(
    State(state): State<AppState>,
    Path(zone_id): Path<String>,
    uri: Uri,
    body: Bytes,
) -> ApiResult {
    let zone = state.store.zone_or_404(&zone_id, &uri)?;
    let body = json_object(&body)?;
    let mut z = lock(&zone);
    let quota = z.zone.plan.page_rule_quota();
    if z.pagerules.len() >= quota {
        return Err(invalid(format!(
            "exceeded the quota of {quota} page rules for this zone's plan"
        )));
    }
    let rule = build(&z, &body, None)?;
    let json = rule.to_json();
    z.pagerules.insert(rule.id.clone(), rule);
    Ok(ok(json))
}

/// `GET /zones/{zone_id}/pagerules/{pagerule_id}`.
pub async fn get(
    State(state): State<AppState>,
    Path((zone_id, id)): Path<(String, String)>,
    uri: Uri,
) -> ApiResult {
    let zone = state.store.zone_or_404(&zone_id, &uri)?;
    let z = lock(&zone);
    Ok(ok(z
        .pagerules
        .get(&id)
        .ok_or_else(|| not_found(&uri))?
        .to_json()))
}

/// `PUT /zones/{zone_id}/pagerules/{pagerule_id}`: replaces targets, actions, priority, status.
pub async fn update(
    State(state): State<AppState>,
    Path((zone_id, id)): Path<(String, String)>,
    uri: Uri,
    body: Bytes,
) -> ApiResult {
    let zone = state.store.zone_or_404(&zone_id, &uri)?;
    let body = json_object(&body)?;
    let mut z = lock(&zone);
    let previous = z
        .pagerules
        .get(&id)
        .cloned()
        .ok_or_else(|| not_found(&uri))?;
    let rule = build(&z, &body, Some(&previous))?;
    let json = rule.to_json();
    z.pagerules.insert(id, rule);
    Ok(ok(json))
}

/// `PATCH /zones/{zone_id}/pagerules/{pagerule_id}`: changes the given fields.
pub async fn patch(
    State(state): State<AppState>,
    Path((zone_id, id)): Path<(String, String)>,
    uri: Uri,
    body: Bytes,
) -> ApiResult {
    let zone = state.store.zone_or_404(&zone_id, &uri)?;
    let changes = json_object(&body)?;
    let mut z = lock(&zone);
    let previous = z
        .pagerules
        .get(&id)
        .cloned()
        .ok_or_else(|| not_found(&uri))?;
    let mut merged = match previous.to_json() {
        Value::Object(o) => o,
        _ => Map::new(),
    };
    merged.extend(changes);
    let rule = build(&z, &merged, Some(&previous))?;
    let json = rule.to_json();
    z.pagerules.insert(id, rule);
    Ok(ok(json))
}

/// `DELETE /zones/{zone_id}/pagerules/{pagerule_id}`: answers `{"id": ...}`.
pub async fn delete(
    State(state): State<AppState>,
    Path((zone_id, id)): Path<(String, String)>,
    uri: Uri,
) -> ApiResult {
    let zone = state.store.zone_or_404(&zone_id, &uri)?;
    let mut z = lock(&zone);
    z.pagerules
        .shift_remove(&id)
        .ok_or_else(|| not_found(&uri))?;
    Ok(ok(json!({ "id": id })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_are_checked() {
        let err = check_actions(Some(&json!([{"id": "forwarding_url", "value": {"url": "https://e.net", "status_code": 301}}, {"id": "disable_security"}]))).unwrap_err();
        assert!(
            err.to_string()
                .contains(r#""forwarding_url" may not be used with "any setting""#),
            "{err}"
        );
        let err =
            check_actions(Some(&json!([{"id": "cache_ttl_by_status", "value": {}}]))).unwrap_err();
        assert!(err.to_string().contains("cache_ttl_by_status"), "{err}");
        assert!(check_actions(Some(
            &json!([{"id": "cache_ttl_by_status", "value": {"404": 30}}])
        ))
        .is_ok());
        let ok = check_actions(Some(&json!([{"id": "always_use_https"}]))).unwrap();
        assert_eq!(ok, vec![json!({"id": "always_use_https"})]);
        let ok = check_actions(Some(&json!([{"id": "forwarding_url", "value": {"url": "https://example.com/foo", "status_code": 301}}]))).unwrap();
        assert_eq!(ok[0]["value"]["status_code"], 301);
        for bad in [
            json!([]),
            json!([{"id": "nope", "value": 1}]),
            json!([{"id": "cache_level"}]),
            json!([{"id": "always_use_https", "value": "on"}]),
            json!([{"id": "forwarding_url", "value": {"url": "x", "status_code": 307}}]),
            json!([{"id": "forwarding_url", "value": {"url": "x", "status_code": 301}}, {"id": "ssl", "value": "full"}]),
        ] {
            assert!(check_actions(Some(&bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn targets_are_normalised() {
        let t = check_targets(Some(
            &json!([{"target": "url", "constraint": {"value": "example.com/*"}}]),
        ))
        .unwrap();
        assert_eq!(t[0]["constraint"]["operator"], "matches");
        assert!(check_targets(Some(
            &json!([{"target": "host", "constraint": {"value": "x"}}])
        ))
        .is_err());
    }
}
