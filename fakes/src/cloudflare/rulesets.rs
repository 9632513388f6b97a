//! Zone rulesets: list, create, get, update (PUT replaces the rules), delete, and the phase
//! entrypoints (GET answers 404 until one exists; PUT creates it when absent).
//!
//! Behaviour copied from the API:
//! - a zone has at most one `kind: "zone"` ruleset per phase (the entrypoint); a second is a 400
//!   `20217 'zone' is not a valid value for kind because exceeded maximum number of zone
//!   rulesets for phase <phase>` pointing at `/kind`;
//! - every update bumps the ruleset `version` (a string number) and `last_updated`;
//! - a rule keeps its `id` across updates when the update carries that `id`, or a `ref` equal to
//!   an existing rule's `ref`; otherwise it gets a new id. `ref` defaults to the id, `enabled`
//!   to true, `description` to "". A rule's `version`/`last_updated` change only when the rule
//!   itself changes;
//! - unknown fields are refused (the API's JSON decoder is strict: an entrypoint PUT with `kind`
//!   is "unknown field");
//! - each rule needs `expression` and `action`; the action must be allowed in the phase, and
//!   the actions that need `action_parameters` must have them (`20113 action parameters are
//!   required for the <action> action`); `logging` only goes with `skip` (20018), and a skip
//!   rule without it is answered with `logging: {enabled: true}` (the API's default); rate
//!   limiting rules (phase `http_ratelimit`) need a `ratelimit` object with `characteristics`
//!   including `cf.colo.id`, a `period` and `requests_per_period` (or `score_per_period`).
//!
//! Errors carry `source.pointer` like the API's. Codes other than 20217, 20113 and 20018 are
//! approximations (20021 for any other invalid field, 10003 for a missing ruleset).

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::IntoResponse;
use serde_json::{json, Map, Value};

use super::envelope::{json_object, ok, type_name, ApiError, ApiResult};
use super::{lock, new_id, now, AppState};

/// Error codes of the rulesets API.
pub mod codes {
    /// Any invalid field of a ruleset or rule (with `source.pointer`).
    pub const INVALID: u32 = 20021;
    /// `logging` on a rule whose action is not `skip`.
    pub const LOGGING_NOT_ALLOWED: u32 = 20018;
    /// An action that needs `action_parameters` has none.
    pub const PARAMETERS_REQUIRED: u32 = 20113;
    /// A second `kind: zone` ruleset for a phase.
    pub const TOO_MANY_ZONE_RULESETS: u32 = 20217;
    /// No such ruleset (or no entrypoint in the phase).
    pub const NOT_FOUND: u32 = 10003;
}

/// Every phase of the description's `rulesets_RulesetPhase`.
pub const PHASES: [&str; 23] = [
    "ddos_l4",
    "ddos_l7",
    "http_config_settings",
    "http_custom_errors",
    "http_log_custom_fields",
    "http_ratelimit",
    "http_request_cache_settings",
    "http_request_dynamic_redirect",
    "http_request_firewall_custom",
    "http_request_firewall_managed",
    "http_request_late_transform",
    "http_request_origin",
    "http_request_redirect",
    "http_request_sanitize",
    "http_request_sbfm",
    "http_request_select_configuration",
    "http_request_transform",
    "http_response_compression",
    "http_response_firewall_managed",
    "http_response_headers_transform",
    "magic_transit",
    "magic_transit_ids_managed",
    "magic_transit_managed",
];

/// Every action of the description's rule `oneOf`.
const ACTIONS: [&str; 18] = [
    "block",
    "challenge",
    "compress_response",
    "ddos_dynamic",
    "execute",
    "force_connection_close",
    "js_challenge",
    "log",
    "log_custom_field",
    "managed_challenge",
    "redirect",
    "rewrite",
    "route",
    "score",
    "serve_error",
    "set_cache_settings",
    "set_config",
    "skip",
];

/// The actions a phase accepts (`None`: any action).
fn allowed_actions(phase: &str) -> Option<&'static [&'static str]> {
    const FIREWALL: &[&str] = &[
        "block",
        "challenge",
        "js_challenge",
        "managed_challenge",
        "log",
        "skip",
    ];
    match phase {
        "http_request_cache_settings" => Some(&["set_cache_settings"]),
        "http_response_headers_transform"
        | "http_request_late_transform"
        | "http_request_transform" => Some(&["rewrite"]),
        "http_request_firewall_custom" => Some(FIREWALL),
        "http_ratelimit" => Some(&[
            "block",
            "challenge",
            "js_challenge",
            "managed_challenge",
            "log",
        ]),
        "http_request_dynamic_redirect" | "http_request_redirect" => Some(&["redirect"]),
        "http_request_origin" => Some(&["route"]),
        "http_config_settings" => Some(&["set_config"]),
        "http_custom_errors" => Some(&["serve_error"]),
        "http_response_compression" => Some(&["compress_response"]),
        "http_log_custom_fields" => Some(&["log_custom_field"]),
        "http_request_firewall_managed" | "http_response_firewall_managed" => {
            Some(&["execute", "skip", "log"])
        }
        "ddos_l4" | "ddos_l7" => Some(&["execute"]),
        _ => None,
    }
}

/// A stored ruleset; rules are kept as the JSON objects the API returns.
#[derive(Debug, Clone)]
pub struct Ruleset {
    pub id: String,
    pub name: String,
    pub description: String,
    pub kind: String,
    pub phase: String,
    pub version: u64,
    pub last_updated: String,
    pub rules: Vec<Value>,
}

impl Ruleset {
    /// The list form (no rules).
    fn summary_json(&self) -> Value {
        json!({
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "kind": self.kind,
            "phase": self.phase,
            "version": self.version.to_string(),
            "last_updated": self.last_updated,
        })
    }

    fn to_json(&self) -> Value {
        let mut v = self.summary_json();
        if let Some(o) = v.as_object_mut() {
            o.insert("rules".into(), Value::Array(self.rules.clone()));
        }
        v
    }
}

fn invalid(pointer: impl Into<String>, message: impl Into<String>) -> ApiError {
    ApiError::bad_request(codes::INVALID, message).at(pointer)
}

fn not_found(what: String) -> ApiError {
    ApiError::not_found(codes::NOT_FOUND, what)
}

fn is_rule_id(s: &str) -> bool {
    s.len() == 32
        && s.chars()
            .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
}

/// Refuses keys outside `allowed` ("unknown field").
fn no_unknown_fields(
    obj: &Map<String, Value>,
    allowed: &[&str],
    pointer: &str,
) -> Result<(), ApiError> {
    match obj.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(k) => Err(invalid(
            format!("{pointer}/{k}"),
            format!("invalid JSON: unknown field \"{k}\""),
        )),
        None => Ok(()),
    }
}

fn string_field<'a>(
    obj: &'a Map<String, Value>,
    key: &str,
    pointer: &str,
) -> Result<Option<&'a str>, ApiError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(invalid(
            format!("{pointer}/{key}"),
            format!("'{key}' must be a string, found {}", type_name(other)),
        )),
    }
}

/// Checks the parts of `action_parameters` the real API insists on.
fn check_action_parameters(
    phase: &str,
    action: &str,
    params: Option<&Map<String, Value>>,
    at: &str,
) -> Result<(), ApiError> {
    let needs_params = matches!(
        action,
        "set_cache_settings"
            | "rewrite"
            | "redirect"
            | "route"
            | "set_config"
            | "serve_error"
            | "compress_response"
            | "log_custom_field"
            | "execute"
            | "skip"
            | "score"
    );
    let pointer = format!("{at}/action_parameters");
    let Some(params) = params else {
        if needs_params {
            return Err(ApiError::bad_request(
                codes::PARAMETERS_REQUIRED,
                format!("action parameters are required for the {action} action"),
            )
            .at(pointer));
        }
        return Ok(());
    };
    match action {
        "challenge" | "js_challenge" | "managed_challenge" | "log" if !params.is_empty() => {
            Err(invalid(
                pointer,
                format!("action parameters are not allowed for the {action} action"),
            ))
        }
        "set_cache_settings" => {
            if let Some(edge) = params.get("edge_ttl").and_then(Value::as_object) {
                let mode = edge.get("mode").and_then(Value::as_str);
                if mode == Some("override_origin")
                    && !edge.get("default").is_some_and(Value::is_number)
                {
                    return Err(invalid(
                        format!("{pointer}/edge_ttl/default"),
                        "edge_ttl.default is required when edge_ttl.mode is override_origin",
                    ));
                }
            }
            Ok(())
        }
        "rewrite" => {
            let headers = params.get("headers").and_then(Value::as_object);
            if phase == "http_response_headers_transform" {
                if params.contains_key("uri") {
                    return Err(invalid(
                        format!("{pointer}/uri"),
                        "a URI rewrite is not allowed in the response headers phase",
                    ));
                }
                if headers.is_none_or(|h| h.is_empty()) {
                    return Err(invalid(
                        format!("{pointer}/headers"),
                        "headers must not be empty",
                    ));
                }
            } else if headers.is_none() && !params.contains_key("uri") {
                return Err(invalid(pointer, "a rewrite needs headers or uri"));
            }
            for (name, op) in headers.into_iter().flatten() {
                let op_pointer = format!("{pointer}/headers/{name}");
                let operation = op.get("operation").and_then(Value::as_str);
                let has_value = op
                    .get("value")
                    .is_some_and(|v| v.as_str().is_some_and(|s| !s.is_empty()))
                    || op
                        .get("expression")
                        .is_some_and(|v| v.as_str().is_some_and(|s| !s.is_empty()));
                match operation {
                    Some("remove") => {}
                    Some("set") | Some("add") if has_value => {}
                    Some("set") | Some("add") => {
                        return Err(invalid(
                            op_pointer,
                            "a header set/add needs a value or an expression",
                        ))
                    }
                    _ => {
                        return Err(invalid(
                            format!("{op_pointer}/operation"),
                            "operation must be set, add or remove",
                        ))
                    }
                }
            }
            Ok(())
        }
        "redirect" => {
            if phase == "http_request_dynamic_redirect" {
                let from = params
                    .get("from_value")
                    .and_then(Value::as_object)
                    .ok_or_else(|| {
                        invalid(
                            format!("{pointer}/from_value"),
                            "from_value is required for a dynamic redirect",
                        )
                    })?;
                let target = from.get("target_url").and_then(Value::as_object);
                let target_ok = target.is_some_and(|t| {
                    t.get("value")
                        .and_then(Value::as_str)
                        .is_some_and(|s| !s.is_empty())
                        || t.get("expression")
                            .and_then(Value::as_str)
                            .is_some_and(|s| !s.is_empty())
                });
                if !target_ok {
                    return Err(invalid(
                        format!("{pointer}/from_value/target_url"),
                        "target_url needs a value or an expression",
                    ));
                }
                if let Some(code) = from.get("status_code") {
                    if !matches!(code.as_u64(), Some(301 | 302 | 303 | 307 | 308)) {
                        return Err(invalid(
                            format!("{pointer}/from_value/status_code"),
                            "status_code must be 301, 302, 303, 307 or 308",
                        ));
                    }
                }
            }
            Ok(())
        }
        "skip" => {
            const KEYS: [&str; 5] = ["ruleset", "phases", "products", "rules", "rulesets"];
            if !KEYS.iter().any(|k| params.contains_key(*k)) {
                return Err(invalid(pointer, "a skip rule must name what to skip (ruleset, phases, products, rules or rulesets)"));
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Checks the `ratelimit` object of a rate limiting rule.
fn check_ratelimit(rl: &Value, at: &str) -> Result<(), ApiError> {
    let pointer = format!("{at}/ratelimit");
    let rl = rl
        .as_object()
        .ok_or_else(|| invalid(&pointer, "ratelimit must be an object"))?;
    let characteristics: Vec<&str> = rl
        .get("characteristics")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if !characteristics.contains(&"cf.colo.id") {
        return Err(invalid(
            format!("{pointer}/characteristics"),
            "characteristics must include 'cf.colo.id'",
        ));
    }
    match rl.get("period").and_then(Value::as_u64) {
        Some(10 | 60 | 120 | 300 | 600 | 3600) => {}
        _ => {
            return Err(invalid(
                format!("{pointer}/period"),
                "period must be one of 10, 60, 120, 300, 600, 3600",
            ))
        }
    }
    let counted = |k: &str| rl.get(k).and_then(Value::as_u64).is_some_and(|n| n >= 1);
    if !counted("requests_per_period") && !counted("score_per_period") {
        return Err(invalid(
            format!("{pointer}/requests_per_period"),
            "requests_per_period must be a positive integer",
        ));
    }
    if let Some(t) = rl.get("mitigation_timeout") {
        if t.as_u64().is_none_or(|t| t > 86400) {
            return Err(invalid(
                format!("{pointer}/mitigation_timeout"),
                "mitigation_timeout must be between 0 and 86400",
            ));
        }
    }
    Ok(())
}

/// Rule keys a request may carry (`version`, `last_updated`, `categories` are read-only and
/// ignored).
const RULE_KEYS: [&str; 13] = [
    "id",
    "ref",
    "expression",
    "action",
    "action_parameters",
    "description",
    "enabled",
    "logging",
    "ratelimit",
    "exposed_credential_check",
    "version",
    "last_updated",
    "categories",
];

/// The parts of a rule that make it "changed" (everything but its version and timestamp).
fn rule_content(rule: &Value) -> Value {
    let mut r = rule.clone();
    if let Some(o) = r.as_object_mut() {
        o.remove("version");
        o.remove("last_updated");
    }
    r
}

/// Validates the incoming rules and builds the stored ones, keeping ids (and, for unchanged
/// rules, versions) of `existing` rules.
fn build_rules(
    phase: &str,
    incoming: &[Value],
    existing: &[Value],
    version: u64,
    now: &str,
) -> Result<Vec<Value>, ApiError> {
    let mut out: Vec<Value> = Vec::with_capacity(incoming.len());
    for (i, rule) in incoming.iter().enumerate() {
        let at = format!("/rules/{i}");
        let r = rule
            .as_object()
            .ok_or_else(|| invalid(&at, "a rule must be an object"))?;
        no_unknown_fields(r, &RULE_KEYS, &at)?;

        let expression = string_field(r, "expression", &at)?.unwrap_or_default();
        if expression.trim().is_empty() {
            return Err(invalid(
                format!("{at}/expression"),
                "'expression' is required",
            ));
        }
        let action = string_field(r, "action", &at)?
            .ok_or_else(|| invalid(format!("{at}/action"), "'action' is required"))?;
        if !ACTIONS.contains(&action) {
            return Err(invalid(
                format!("{at}/action"),
                format!("unknown variant for action: {action}"),
            ));
        }
        if let Some(allowed) = allowed_actions(phase) {
            if !allowed.contains(&action) {
                return Err(invalid(
                    format!("{at}/action"),
                    format!("'{action}' is not a valid value for action because it is not allowed in phase {phase}"),
                ));
            }
        }
        let params = match r.get("action_parameters") {
            None | Some(Value::Null) => None,
            Some(Value::Object(p)) => Some(p),
            Some(_) => {
                return Err(invalid(
                    format!("{at}/action_parameters"),
                    "action_parameters must be an object",
                ))
            }
        };
        check_action_parameters(phase, action, params, &at)?;
        if r.get("logging").is_some_and(|l| !l.is_null()) && action != "skip" {
            return Err(ApiError::bad_request(
                codes::LOGGING_NOT_ALLOWED,
                format!("logging is only allowed on rules with the skip action, not {action}"),
            )
            .at(format!("{at}/logging")));
        }
        match (phase, r.get("ratelimit").filter(|v| !v.is_null())) {
            ("http_ratelimit", Some(rl)) => check_ratelimit(rl, &at)?,
            ("http_ratelimit", None) => {
                return Err(invalid(
                    format!("{at}/ratelimit"),
                    "'ratelimit' is required in phase http_ratelimit",
                ))
            }
            (_, Some(_)) => {
                return Err(invalid(
                    format!("{at}/ratelimit"),
                    format!("'ratelimit' is not allowed in phase {phase}"),
                ))
            }
            (_, None) => {}
        }
        let enabled = match r.get("enabled") {
            None | Some(Value::Null) => true,
            Some(Value::Bool(b)) => *b,
            Some(_) => {
                return Err(invalid(
                    format!("{at}/enabled"),
                    "'enabled' must be a boolean",
                ))
            }
        };
        let description = string_field(r, "description", &at)?.unwrap_or_default();
        let given_ref = string_field(r, "ref", &at)?.filter(|s| !s.is_empty());

        // Which existing rule (if any) this one continues.
        let previous = match string_field(r, "id", &at)? {
            Some(id) => {
                if !is_rule_id(id) {
                    return Err(invalid(
                        format!("{at}/id"),
                        "'id' must be 32 lowercase hexadecimal characters",
                    ));
                }
                let found = existing
                    .iter()
                    .find(|e| e.get("id").and_then(Value::as_str) == Some(id));
                Some(found.ok_or_else(|| {
                    invalid(
                        format!("{at}/id"),
                        format!("could not find rule with ID '{id}' in the ruleset"),
                    )
                })?)
            }
            None => given_ref.and_then(|rf| {
                existing
                    .iter()
                    .find(|e| e.get("ref").and_then(Value::as_str) == Some(rf))
            }),
        };
        let id = previous
            .and_then(|p| p.get("id").and_then(Value::as_str))
            .map(str::to_string)
            .unwrap_or_else(new_id);
        let rule_ref = given_ref.map(str::to_string).unwrap_or_else(|| id.clone());
        if out.iter().any(|o| o["id"] == id.as_str()) {
            return Err(invalid(
                format!("{at}/id"),
                format!("duplicate rule ID '{id}'"),
            ));
        }
        if out.iter().any(|o| o["ref"] == rule_ref.as_str()) {
            return Err(invalid(
                format!("{at}/ref"),
                format!("duplicate rule ref '{rule_ref}'"),
            ));
        }

        let mut stored = Map::new();
        stored.insert("id".into(), json!(id));
        stored.insert("version".into(), json!(version.to_string()));
        stored.insert("action".into(), json!(action));
        if let Some(p) = params {
            stored.insert("action_parameters".into(), Value::Object(p.clone()));
        }
        stored.insert("expression".into(), json!(expression));
        stored.insert("description".into(), json!(description));
        stored.insert("last_updated".into(), json!(now));
        stored.insert("ref".into(), json!(rule_ref));
        stored.insert("enabled".into(), json!(enabled));
        for key in ["logging", "ratelimit", "exposed_credential_check"] {
            if let Some(v) = r.get(key).filter(|v| !v.is_null()) {
                stored.insert(key.into(), v.clone());
            }
        }
        if action == "skip" && !stored.contains_key("logging") {
            // The API logs skip rules unless told otherwise, and says so.
            stored.insert("logging".into(), json!({"enabled": true}));
        }
        let mut stored = Value::Object(stored);
        if let Some(p) = previous {
            if rule_content(p) == rule_content(&stored) {
                stored = p.clone();
            }
        }
        out.push(stored);
    }
    Ok(out)
}

fn rules_of(body: &Map<String, Value>) -> Result<&[Value], ApiError> {
    match body.get("rules") {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(rules)) => Ok(rules),
        Some(_) => Err(invalid("/rules", "'rules' must be an array")),
    }
}

fn check_phase(phase: &str, pointer: &str) -> Result<(), ApiError> {
    if PHASES.contains(&phase) {
        Ok(())
    } else {
        Err(invalid(
            pointer,
            format!("unknown variant for phase: {phase}"),
        ))
    }
}

/// `GET /zones/{zone_id}/rulesets`.
pub async fn list(
    State(state): State<AppState>,
    Path(zone_id): Path<String>,
    uri: Uri,
) -> ApiResult {
    let zone = state.store.zone_or_404(&zone_id, &uri)?;
    let z = lock(&zone);
    let all: Vec<Value> = z.rulesets.values().map(Ruleset::summary_json).collect();
    Ok(ok(Value::Array(all)))
}

/// `POST /zones/{zone_id}/rulesets`.
pub async fn create(
    State(state): State<AppState>,
    Path(zone_id): Path<String>,
    uri: Uri,
    body: Bytes,
) -> ApiResult {
    let zone = state.store.zone_or_404(&zone_id, &uri)?;
    let body = json_object(&body)?;
    no_unknown_fields(
        &body,
        &[
            "name",
            "description",
            "kind",
            "phase",
            "rules",
            "id",
            "version",
            "last_updated",
        ],
        "",
    )?;
    let name = string_field(&body, "name", "")?
        .filter(|s| !s.is_empty())
        .ok_or_else(|| invalid("/name", "'name' is required"))?;
    let description = string_field(&body, "description", "")?.unwrap_or_default();
    let kind =
        string_field(&body, "kind", "")?.ok_or_else(|| invalid("/kind", "'kind' is required"))?;
    if !matches!(kind, "zone" | "custom") {
        return Err(invalid(
            "/kind",
            format!("'{kind}' is not a valid value for kind"),
        ));
    }
    let phase = string_field(&body, "phase", "")?
        .ok_or_else(|| invalid("/phase", "'phase' is required"))?;
    check_phase(phase, "/phase")?;
    let now = now();
    let rules = build_rules(phase, rules_of(&body)?, &[], 1, &now)?;
    let mut z = lock(&zone);
    if kind == "zone"
        && z.rulesets
            .values()
            .any(|r| r.kind == "zone" && r.phase == phase)
    {
        return Err(ApiError::bad_request(
            codes::TOO_MANY_ZONE_RULESETS,
            format!("'zone' is not a valid value for kind because exceeded maximum number of zone rulesets for phase {phase}"),
        )
        .at("/kind"));
    }
    let ruleset = Ruleset {
        id: new_id(),
        name: name.to_string(),
        description: description.to_string(),
        kind: kind.to_string(),
        phase: phase.to_string(),
        version: 1,
        last_updated: now,
        rules,
    };
    let json = ruleset.to_json();
    z.rulesets.insert(ruleset.id.clone(), ruleset);
    Ok(ok(json))
}

/// `GET /zones/{zone_id}/rulesets/{ruleset_id}`.
pub async fn get(
    State(state): State<AppState>,
    Path((zone_id, id)): Path<(String, String)>,
    uri: Uri,
) -> ApiResult {
    let zone = state.store.zone_or_404(&zone_id, &uri)?;
    let z = lock(&zone);
    let ruleset = z
        .rulesets
        .get(&id)
        .ok_or_else(|| not_found(format!("could not find ruleset {id}")))?;
    Ok(ok(ruleset.to_json()))
}

/// Applies an update body to a ruleset (shared by PUT by id and PUT entrypoint).
fn apply_update(ruleset: &mut Ruleset, body: &Map<String, Value>) -> Result<(), ApiError> {
    let version = ruleset.version + 1;
    let now = now();
    let rules = build_rules(
        &ruleset.phase,
        rules_of(body)?,
        &ruleset.rules,
        version,
        &now,
    )?;
    if let Some(name) = string_field(body, "name", "")?.filter(|s| !s.is_empty()) {
        ruleset.name = name.to_string();
    }
    if let Some(description) = string_field(body, "description", "")? {
        ruleset.description = description.to_string();
    }
    ruleset.rules = rules;
    ruleset.version = version;
    ruleset.last_updated = now;
    Ok(())
}

/// `PUT /zones/{zone_id}/rulesets/{ruleset_id}`: replaces the rules (and name/description when
/// given); `kind` and `phase`, if sent, must not change.
pub async fn update(
    State(state): State<AppState>,
    Path((zone_id, id)): Path<(String, String)>,
    uri: Uri,
    body: Bytes,
) -> ApiResult {
    let zone = state.store.zone_or_404(&zone_id, &uri)?;
    let body = json_object(&body)?;
    no_unknown_fields(
        &body,
        &[
            "name",
            "description",
            "kind",
            "phase",
            "rules",
            "id",
            "version",
            "last_updated",
        ],
        "",
    )?;
    let mut z = lock(&zone);
    let ruleset = z
        .rulesets
        .get_mut(&id)
        .ok_or_else(|| not_found(format!("could not find ruleset {id}")))?;
    if let Some(kind) = string_field(&body, "kind", "")? {
        if kind != ruleset.kind {
            return Err(invalid(
                "/kind",
                format!(
                    "the kind of a ruleset cannot change (it is {})",
                    ruleset.kind
                ),
            ));
        }
    }
    if let Some(phase) = string_field(&body, "phase", "")? {
        if phase != ruleset.phase {
            return Err(invalid(
                "/phase",
                format!(
                    "the phase of a ruleset cannot change (it is {})",
                    ruleset.phase
                ),
            ));
        }
    }
    let mut updated = ruleset.clone();
    apply_update(&mut updated, &body)?;
    let json = updated.to_json();
    *ruleset = updated;
    Ok(ok(json))
}

/// `DELETE /zones/{zone_id}/rulesets/{ruleset_id}`: 204, no body.
pub async fn delete(
    State(state): State<AppState>,
    Path((zone_id, id)): Path<(String, String)>,
    uri: Uri,
) -> ApiResult {
    let zone = state.store.zone_or_404(&zone_id, &uri)?;
    let mut z = lock(&zone);
    z.rulesets
        .shift_remove(&id)
        .ok_or_else(|| not_found(format!("could not find ruleset {id}")))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `GET /zones/{zone_id}/rulesets/phases/{ruleset_phase}/entrypoint`.
pub async fn get_entrypoint(
    State(state): State<AppState>,
    Path((zone_id, phase)): Path<(String, String)>,
    uri: Uri,
) -> ApiResult {
    let zone = state.store.zone_or_404(&zone_id, &uri)?;
    check_phase(&phase, "/phase")?;
    let z = lock(&zone);
    let ruleset = z
        .rulesets
        .values()
        .find(|r| r.kind == "zone" && r.phase == phase)
        .ok_or_else(|| {
            not_found(format!(
                "could not find entrypoint ruleset in the '{phase}' phase"
            ))
        })?;
    Ok(ok(ruleset.to_json()))
}

/// `PUT /zones/{zone_id}/rulesets/phases/{ruleset_phase}/entrypoint`: updates the entrypoint,
/// creating it (named "default" unless a name is given) when the phase has none.
pub async fn update_entrypoint(
    State(state): State<AppState>,
    Path((zone_id, phase)): Path<(String, String)>,
    uri: Uri,
    body: Bytes,
) -> ApiResult {
    let zone = state.store.zone_or_404(&zone_id, &uri)?;
    check_phase(&phase, "/phase")?;
    let body = json_object(&body)?;
    no_unknown_fields(
        &body,
        &[
            "name",
            "description",
            "rules",
            "id",
            "version",
            "last_updated",
        ],
        "",
    )?;
    let mut z = lock(&zone);
    let existing = z
        .rulesets
        .values()
        .find(|r| r.kind == "zone" && r.phase == phase)
        .cloned();
    let updated = match existing {
        Some(mut ruleset) => {
            apply_update(&mut ruleset, &body)?;
            ruleset
        }
        None => {
            let now = now();
            let rules = build_rules(&phase, rules_of(&body)?, &[], 1, &now)?;
            Ruleset {
                id: new_id(),
                name: string_field(&body, "name", "")?
                    .filter(|s| !s.is_empty())
                    .unwrap_or("default")
                    .to_string(),
                description: string_field(&body, "description", "")?
                    .unwrap_or_default()
                    .to_string(),
                kind: "zone".into(),
                phase: phase.clone(),
                version: 1,
                last_updated: now,
                rules,
            }
        }
    };
    let json = updated.to_json();
    z.rulesets.insert(updated.id.clone(), updated);
    Ok(ok(json))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache_rule() -> Value {
        json!({
            "expression": "(http.host eq \"example.com\")",
            "action": "set_cache_settings",
            "action_parameters": {"cache": true, "edge_ttl": {"mode": "override_origin", "default": 31536000}},
            "ref": "cache_all",
        })
    }

    #[test]
    fn rules_get_ids_refs_and_versions() {
        // A skip rule is logged unless it says otherwise, and the answer shows it.
        let skip = json!({"expression": "true", "action": "skip", "action_parameters": {"ruleset": "current"}});
        let rules = build_rules("http_request_firewall_custom", &[skip], &[], 1, "t").unwrap();
        assert_eq!(rules[0]["logging"], json!({"enabled": true}));
        let quiet = json!({"expression": "true", "action": "skip", "action_parameters": {"ruleset": "current"}, "logging": {"enabled": false}});
        let rules = build_rules("http_request_firewall_custom", &[quiet], &[], 1, "t").unwrap();
        assert_eq!(rules[0]["logging"], json!({"enabled": false}));
        let rules =
            build_rules("http_request_cache_settings", &[cache_rule()], &[], 1, "t1").unwrap();
        let id = rules[0]["id"].as_str().unwrap().to_string();
        assert!(is_rule_id(&id));
        assert_eq!(rules[0]["ref"], "cache_all");
        assert_eq!(rules[0]["enabled"], true);
        assert_eq!(rules[0]["version"], "1");
        // Same ref, same content: id and version kept.
        let again = build_rules(
            "http_request_cache_settings",
            &[cache_rule()],
            &rules,
            2,
            "t2",
        )
        .unwrap();
        assert_eq!(again[0], rules[0]);
        // Same ref, changed: id kept, version bumped.
        let mut changed = cache_rule();
        changed["enabled"] = json!(false);
        let again =
            build_rules("http_request_cache_settings", &[changed], &rules, 2, "t2").unwrap();
        assert_eq!(again[0]["id"], id.as_str());
        assert_eq!(again[0]["version"], "2");
    }

    #[test]
    fn rules_are_validated() {
        let err = build_rules(
            "http_request_cache_settings",
            &[json!({"expression": "true", "action": "block"})],
            &[],
            1,
            "t",
        )
        .unwrap_err();
        assert_eq!(err.errors[0].pointer.as_deref(), Some("/rules/0/action"));
        let err = build_rules(
            "http_request_cache_settings",
            &[json!({"expression": "true", "action": "set_cache_settings"})],
            &[],
            1,
            "t",
        )
        .unwrap_err();
        assert_eq!(err.code(), codes::PARAMETERS_REQUIRED);
        let err = build_rules(
            "http_ratelimit",
            &[json!({"expression": "true", "action": "block"})],
            &[],
            1,
            "t",
        )
        .unwrap_err();
        assert_eq!(err.errors[0].pointer.as_deref(), Some("/rules/0/ratelimit"));
        let err = build_rules(
            "http_request_firewall_custom",
            &[json!({"expression": "true", "action": "block", "logging": {"enabled": true}})],
            &[],
            1,
            "t",
        )
        .unwrap_err();
        assert_eq!(err.code(), codes::LOGGING_NOT_ALLOWED);
        let err = build_rules(
            "http_request_firewall_custom",
            &[json!({"expression": "true", "action": "block", "bogus": 1})],
            &[],
            1,
            "t",
        )
        .unwrap_err();
        assert_eq!(err.errors[0].pointer.as_deref(), Some("/rules/0/bogus"));
    }
}
