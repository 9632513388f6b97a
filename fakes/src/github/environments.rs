//! Deployment environments: list, get, create-or-update (PUT), delete.
//!
//! PUT creates the environment or changes the fields it sends (absent fields keep their
//! values; `null` `reviewers` or `deployment_branch_policy` clear them). Names are
//! case-insensitive. Validation (422, `basic-error` shape): `wait_timer` 0..=43200 minutes, at
//! most 6 `reviewers` each naming an existing user or team by id (`type` `User` / `Team`), and
//! a `deployment_branch_policy` with exactly one of `protected_branches` and
//! `custom_branch_policies` true.
//!
//! `protection_rules` is derived: a `wait_timer` rule when the timer is above 0, a
//! `required_reviewers` rule (with `prevent_self_review` and full user/team objects) when there
//! are reviewers, a `branch_policy` rule when there is a branch policy. Deleting an environment
//! deletes its secrets and variables.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use serde_json::{json, Map, Value};

use super::error::{GhError, GhResult};
use super::http::{body_object, list_response, no_content, ok, Page};
use super::model::{node_id, now, ActionsScope, Environment, Repo, World, API, WEB};
use super::render::{team_json, user_json};
use super::AppState;
use crate::cloudflare::envelope::Query;

/// GitHub's maximum wait timer, in minutes (30 days).
pub const MAX_WAIT_TIMER: u64 = 43_200;

fn invalid(message: impl Into<String>) -> GhError {
    GhError::new(StatusCode::UNPROCESSABLE_ENTITY, message).docs(
        "https://docs.github.com/rest/deployments/environments#create-or-update-an-environment",
    )
}

pub fn environment_json(w: &World, repo: &Repo, e: &Environment) -> Value {
    let full = repo.full_name();
    let mut rules = vec![];
    if e.wait_timer > 0 {
        rules.push(json!({
            "id": e.rule_ids[0],
            "node_id": node_id("GA", e.rule_ids[0]),
            "type": "wait_timer",
            "wait_timer": e.wait_timer,
        }));
    }
    if !e.reviewers.is_empty() {
        let reviewers: Vec<Value> = e
            .reviewers
            .iter()
            .filter_map(|(kind, id)| {
                let reviewer = if kind == "Team" {
                    w.teams.get(id).map(|t| team_json(w, t, None))
                } else {
                    w.account_by_id(*id).map(user_json)
                }?;
                Some(json!({"type": kind, "reviewer": reviewer}))
            })
            .collect();
        rules.push(json!({
            "id": e.rule_ids[1],
            "node_id": node_id("GA", e.rule_ids[1]),
            "type": "required_reviewers",
            "prevent_self_review": e.prevent_self_review,
            "reviewers": reviewers,
        }));
    }
    if e.deployment_branch_policy.is_some() {
        rules.push(json!({
            "id": e.rule_ids[2],
            "node_id": node_id("GA", e.rule_ids[2]),
            "type": "branch_policy",
        }));
    }
    let policy = e
        .deployment_branch_policy
        .map(|(p, c)| json!({"protected_branches": p, "custom_branch_policies": c}));
    let encoded: String = form_urlencoded::byte_serialize(e.name.as_bytes()).collect();
    json!({
        "id": e.id,
        "node_id": node_id("EN", e.id),
        "name": e.name,
        "url": format!("{API}/repos/{full}/environments/{encoded}"),
        "html_url": format!("{WEB}/{full}/deployments/activity_log?environments_filter={encoded}"),
        "created_at": e.created_at,
        "updated_at": e.updated_at,
        "protection_rules": rules,
        "deployment_branch_policy": policy,
    })
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
        r.environments
            .values()
            .map(|e| environment_json(&w, r, e))
            .collect()
    };
    let page = Page::from_query(&Query::parse(raw.as_deref()), 30, 100);
    Ok(list_response(
        &state,
        &headers,
        &uri,
        page,
        all,
        |items, total| json!({"total_count": total, "environments": items}),
    ))
}

pub async fn get(
    State(state): State<AppState>,
    Path((owner, repo, name)): Path<(String, String, String)>,
) -> GhResult {
    let w = state.world();
    let r = w.repo(&owner, &repo)?;
    let e = r.environment(&name)?;
    Ok(ok(environment_json(&w, r, e)))
}

fn apply(w: &World, e: &mut Environment, body: &Map<String, Value>) -> Result<(), GhError> {
    match body.get("wait_timer") {
        None | Some(Value::Null) => {}
        Some(v) => match v.as_u64() {
            Some(n) if n <= MAX_WAIT_TIMER => e.wait_timer = n,
            _ => {
                return Err(invalid(format!(
                "Invalid request.\n\nwait_timer must be an integer between 0 and {MAX_WAIT_TIMER}."
            )))
            }
        },
    }
    match body.get("prevent_self_review") {
        None | Some(Value::Null) => {}
        Some(Value::Bool(b)) => e.prevent_self_review = *b,
        Some(_) => {
            return Err(invalid(
                "Invalid request.\n\nprevent_self_review must be a boolean.",
            ))
        }
    }
    match body.get("reviewers") {
        None => {}
        Some(Value::Null) => e.reviewers.clear(),
        Some(Value::Array(items)) => {
            if items.len() > 6 {
                return Err(invalid(
                    "Invalid request.\n\nAt most 6 reviewers are allowed.",
                ));
            }
            let mut reviewers = vec![];
            for item in items {
                let kind = item.get("type").and_then(Value::as_str).unwrap_or("User");
                let id = item
                    .get("id")
                    .and_then(Value::as_u64)
                    .ok_or_else(|| invalid("Invalid request.\n\nA reviewer needs an id."))?;
                let exists = match kind {
                    "User" => w.account_by_id(id).is_some(),
                    "Team" => w.teams.contains_key(&id),
                    _ => false,
                };
                if !exists {
                    return Err(invalid(format!(
                        "Invalid reviewer: no {kind} with id {id}."
                    )));
                }
                if !reviewers.contains(&(kind.to_string(), id)) {
                    reviewers.push((kind.to_string(), id));
                }
            }
            e.reviewers = reviewers;
        }
        Some(_) => return Err(invalid("Invalid request.\n\nreviewers must be an array.")),
    }
    match body.get("deployment_branch_policy") {
        None => {}
        Some(Value::Null) => e.deployment_branch_policy = None,
        Some(Value::Object(p)) => {
            let flag = |k: &str| p.get(k).and_then(Value::as_bool);
            let (Some(protected), Some(custom)) =
                (flag("protected_branches"), flag("custom_branch_policies"))
            else {
                return Err(invalid("Invalid request.\n\ndeployment_branch_policy needs protected_branches and custom_branch_policies."));
            };
            if protected == custom {
                return Err(invalid(
                    "Invalid request.\n\nExactly one of protected_branches and custom_branch_policies must be true.",
                ));
            }
            e.deployment_branch_policy = Some((protected, custom));
        }
        Some(_) => {
            return Err(invalid(
                "Invalid request.\n\ndeployment_branch_policy must be an object or null.",
            ))
        }
    }
    Ok(())
}

pub async fn put(
    State(state): State<AppState>,
    Path((owner, repo, name)): Path<(String, String, String)>,
    body: Bytes,
) -> GhResult {
    let body = body_object(&body)?;
    if name.trim().is_empty() || name.len() > 255 {
        return Err(invalid(
            "Invalid request.\n\nThe environment name is invalid.",
        ));
    }
    let mut w = state.world();
    let existing = w.repo(&owner, &repo)?.environment(&name).ok().cloned();
    let mut e = match existing {
        Some(e) => e,
        None => {
            let now = now();
            Environment {
                id: w.alloc_id(),
                name: name.clone(),
                created_at: now.clone(),
                updated_at: now,
                wait_timer: 0,
                prevent_self_review: false,
                reviewers: vec![],
                deployment_branch_policy: None,
                rule_ids: [w.alloc_id(), w.alloc_id(), w.alloc_id()],
                actions: ActionsScope::new(),
            }
        }
    };
    apply(&w, &mut e, &body)?;
    e.updated_at = now();
    let r = w.repo_mut(&owner, &repo)?;
    r.environments.insert(name.to_ascii_lowercase(), e);
    let r = w.repo(&owner, &repo)?;
    Ok(ok(environment_json(&w, r, r.environment(&name)?)))
}

pub async fn delete(
    State(state): State<AppState>,
    Path((owner, repo, name)): Path<(String, String, String)>,
) -> GhResult {
    let mut w = state.world();
    let r = w.repo_mut(&owner, &repo)?;
    r.environments
        .shift_remove(&name.to_ascii_lowercase())
        .ok_or_else(GhError::not_found)?;
    Ok(no_content())
}
