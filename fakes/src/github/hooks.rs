//! Repository webhooks: list, create, get, update, delete.
//!
//! `config.secret` is never shown: GitHub answers `"secret": "********"` when one is set (the
//! real value is readable through `GET /__fake/hooks/secret`). `config.url` is required
//! (422 `Config must contain URL for webhooks`), one hook per URL and repository (422 `Hook
//! already exists on this repository`), `name` is `web`, `content_type` `json` or `form`
//! (default `form`), `insecure_ssl` `"0"` or `"1"` (numbers accepted, shown as strings),
//! events must be GitHub webhook events or `*` (default `["push"]`).
//!
//! PATCH: `config` replaces the whole configuration (a `config` without `secret` removes the
//! secret; without `url`, the URL is kept); `events` replaces the events, `add_events` /
//! `remove_events` edit them; `active` toggles.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, Uri};
use serde_json::{json, Map, Value};

use super::error::{GhError, GhResult};
use super::http::{array_page, body_object, created, host, no_content, ok, Fields};
use super::model::{now, Hook, Repo, API};
use super::AppState;

/// The events a repository webhook accepts.
pub const EVENTS: &[&str] = &[
    "*",
    "branch_protection_configuration",
    "branch_protection_rule",
    "check_run",
    "check_suite",
    "code_scanning_alert",
    "commit_comment",
    "create",
    "custom_property_values",
    "delete",
    "dependabot_alert",
    "deploy_key",
    "deployment",
    "deployment_protection_rule",
    "deployment_review",
    "deployment_status",
    "discussion",
    "discussion_comment",
    "fork",
    "gollum",
    "issue_comment",
    "issues",
    "label",
    "member",
    "merge_group",
    "meta",
    "milestone",
    "package",
    "page_build",
    "ping",
    "project",
    "project_card",
    "project_column",
    "public",
    "pull_request",
    "pull_request_review",
    "pull_request_review_comment",
    "pull_request_review_thread",
    "push",
    "registry_package",
    "release",
    "repository",
    "repository_advisory",
    "repository_dispatch",
    "repository_import",
    "repository_ruleset",
    "repository_vulnerability_alert",
    "secret_scanning_alert",
    "secret_scanning_alert_location",
    "security_advisory",
    "security_and_analysis",
    "star",
    "status",
    "team_add",
    "watch",
    "workflow_dispatch",
    "workflow_job",
    "workflow_run",
];

fn hook_error(message: &str) -> GhError {
    GhError::validation("Hook", "custom", None, Some(message))
        .docs("https://docs.github.com/rest/repos/webhooks#create-a-repository-webhook")
}

pub fn hook_json(repo: &Repo, h: &Hook) -> Value {
    let base = format!("{API}/repos/{}/hooks/{}", repo.full_name(), h.id);
    let mut config = h.config.clone();
    if config.contains_key("secret") {
        config.insert("secret".into(), json!("********"));
    }
    json!({
        "type": "Repository",
        "id": h.id,
        "name": "web",
        "active": h.active,
        "events": h.events,
        "config": config,
        "updated_at": h.updated_at,
        "created_at": h.created_at,
        "url": base,
        "test_url": format!("{base}/tests"),
        "ping_url": format!("{base}/pings"),
        "deliveries_url": format!("{base}/deliveries"),
        "last_response": {"code": null, "status": "unused", "message": null},
    })
}

/// The stored configuration of a `config` object (the secret kept in clear).
fn parse_config(raw: &Value, keep_url: Option<&str>) -> Result<Map<String, Value>, GhError> {
    let Some(obj) = raw.as_object() else {
        return Err(GhError::invalid(
            "For 'properties/config', it is not an object.",
        ));
    };
    let url = obj.opt_str("url")?.or_else(|| keep_url.map(str::to_string));
    let url = url
        .filter(|u| !u.trim().is_empty())
        .ok_or_else(|| hook_error("Config must contain URL for webhooks"))?;
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return Err(hook_error("Config url must be an absolute http(s) URL"));
    }
    let content_type = obj
        .opt_str("content_type")?
        .unwrap_or_else(|| "form".into());
    if !matches!(content_type.as_str(), "json" | "form") {
        return Err(hook_error("Config content_type must be json or form"));
    }
    let insecure_ssl = match obj.get("insecure_ssl") {
        None | Some(Value::Null) => "0".to_string(),
        Some(Value::String(s)) if s == "0" || s == "1" => s.clone(),
        Some(Value::Number(n)) if n.as_f64() == Some(0.0) => "0".into(),
        Some(Value::Number(n)) if n.as_f64() == Some(1.0) => "1".into(),
        Some(_) => return Err(hook_error("Config insecure_ssl must be 0 or 1")),
    };
    let mut config = Map::new();
    config.insert("content_type".into(), json!(content_type));
    config.insert("insecure_ssl".into(), json!(insecure_ssl));
    if let Some(secret) = obj.opt_str("secret")?.filter(|s| !s.is_empty()) {
        config.insert("secret".into(), json!(secret));
    }
    config.insert("url".into(), json!(url));
    Ok(config)
}

fn check_events(events: &[String]) -> Result<(), GhError> {
    for e in events {
        if !EVENTS.contains(&e.as_str()) {
            return Err(hook_error(&format!("\"{e}\" is not a valid event name")));
        }
    }
    Ok(())
}

fn dedup(events: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = vec![];
    for e in events {
        if !out.contains(&e) {
            out.push(e);
        }
    }
    out
}

fn check_unique(repo: &Repo, id: u64, config: &Map<String, Value>) -> Result<(), GhError> {
    let url = config.get("url");
    if repo
        .hooks
        .values()
        .any(|h| h.id != id && h.config.get("url") == url)
    {
        return Err(hook_error("Hook already exists on this repository"));
    }
    Ok(())
}

fn hook_id(raw: &str) -> Result<u64, GhError> {
    raw.parse().map_err(|_| GhError::not_found())
}

pub async fn list(
    State(state): State<AppState>,
    Path((owner, repo)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    uri: Uri,
) -> GhResult {
    let all: Vec<Value> = {
        let w = state.world();
        let r = w.repo(&owner, &repo)?;
        r.hooks.values().map(|h| hook_json(r, h)).collect()
    };
    Ok(array_page(&state, &headers, &uri, raw.as_deref(), all))
}

pub async fn create(
    State(state): State<AppState>,
    Path((owner, repo)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> GhResult {
    let body = body_object(&body)?;
    if let Some(name) = body.opt_str("name")? {
        if name != "web" {
            return Err(hook_error("Name must be \"web\""));
        }
    }
    let config = parse_config(body.get("config").unwrap_or(&json!({})), None)?;
    let events = dedup(
        body.opt_str_list("events")?
            .unwrap_or_else(|| vec!["push".into()]),
    );
    check_events(&events)?;
    let active = body.opt_bool("active")?.unwrap_or(true);
    let mut w = state.world();
    let id = w.alloc_id();
    let base = w.link_base(host(&headers).as_deref());
    let r = w.repo_mut(&owner, &repo)?;
    check_unique(r, id, &config)?;
    let now = now();
    let hook = Hook {
        id,
        active,
        events,
        config,
        created_at: now.clone(),
        updated_at: now,
    };
    let json = hook_json(r, &hook);
    let location = format!("{base}/repos/{}/hooks/{id}", r.full_name());
    r.hooks.insert(id, hook);
    Ok(created(Some(location), json))
}

pub async fn get(
    State(state): State<AppState>,
    Path((owner, repo, raw_id)): Path<(String, String, String)>,
) -> GhResult {
    let id = hook_id(&raw_id)?;
    let w = state.world();
    let r = w.repo(&owner, &repo)?;
    let h = r.hooks.get(&id).ok_or_else(GhError::not_found)?;
    Ok(ok(hook_json(r, h)))
}

pub async fn update(
    State(state): State<AppState>,
    Path((owner, repo, raw_id)): Path<(String, String, String)>,
    body: Bytes,
) -> GhResult {
    let id = hook_id(&raw_id)?;
    let body = body_object(&body)?;
    let mut w = state.world();
    let r = w.repo_mut(&owner, &repo)?;
    let mut h = r.hooks.get(&id).cloned().ok_or_else(GhError::not_found)?;
    if let Some(config) = body.get("config").filter(|c| !c.is_null()) {
        let url = h
            .config
            .get("url")
            .and_then(Value::as_str)
            .map(str::to_string);
        h.config = parse_config(config, url.as_deref())?;
    }
    if let Some(events) = body.opt_str_list("events")? {
        h.events = events;
    }
    if let Some(add) = body.opt_str_list("add_events")? {
        h.events.extend(add);
    }
    if let Some(remove) = body.opt_str_list("remove_events")? {
        h.events.retain(|e| !remove.contains(e));
    }
    h.events = dedup(std::mem::take(&mut h.events));
    check_events(&h.events)?;
    if let Some(active) = body.opt_bool("active")? {
        h.active = active;
    }
    check_unique(r, id, &h.config)?;
    h.updated_at = now();
    let json = hook_json(r, &h);
    r.hooks.insert(id, h);
    Ok(ok(json))
}

pub async fn delete(
    State(state): State<AppState>,
    Path((owner, repo, raw_id)): Path<(String, String, String)>,
) -> GhResult {
    let id = hook_id(&raw_id)?;
    let mut w = state.world();
    let r = w.repo_mut(&owner, &repo)?;
    r.hooks.shift_remove(&id).ok_or_else(GhError::not_found)?;
    Ok(no_content())
}
