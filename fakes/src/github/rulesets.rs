//! Repository rulesets: list, create, get, update (PUT, partial: the fields sent replace the
//! stored ones), delete. Ids are integers.
//!
//! Rules, conditions and bypass actors are stored as sent (Prism checks them against the
//! description's `oneOf` of rule types) and returned unchanged. Names are unique per repository
//! (422 `Validation Failed`, `already_exists` on `name`). Without `conditions`, a branch or tag
//! ruleset shows `{"ref_name": {"exclude": [], "include": []}}`, a push ruleset `null`. The list
//! shows summaries (no rules, conditions or bypass actors), as GitHub's does, filtered by
//! `targets` (comma-separated); `includes_parents` is accepted (there are no organization
//! rulesets).

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, Uri};
use serde_json::{json, Map, Value};

use super::error::{GhError, GhResult};
use super::http::{body_object, created, list_response, no_content, ok, Fields, Page};
use super::model::{node_id, now, Repo, Ruleset, API, WEB};
use super::AppState;
use crate::cloudflare::envelope::Query;

const TARGETS: &[&str] = &["branch", "tag", "push"];
const ENFORCEMENTS: &[&str] = &["disabled", "active", "evaluate"];

fn not_found() -> GhError {
    GhError::not_found().docs("https://docs.github.com/rest/repos/rules#get-a-repository-ruleset")
}

fn summary(repo: &Repo, r: &Ruleset) -> Map<String, Value> {
    let full = repo.full_name();
    let v = json!({
        "id": r.id,
        "name": r.name,
        "target": r.target,
        "source_type": "Repository",
        "source": full,
        "enforcement": r.enforcement,
        "node_id": node_id("RRS", r.id),
        "_links": {
            "self": {"href": format!("{API}/repos/{full}/rulesets/{}", r.id)},
            "html": {"href": format!("{WEB}/{full}/rules/{}", r.id)},
        },
        "created_at": r.created_at,
        "updated_at": r.updated_at,
    });
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

fn ruleset_json(repo: &Repo, r: &Ruleset) -> Value {
    let mut m = summary(repo, r);
    m.insert("bypass_actors".into(), r.bypass_actors.clone());
    m.insert("current_user_can_bypass".into(), json!("never"));
    m.insert("conditions".into(), r.conditions.clone());
    m.insert("rules".into(), r.rules.clone());
    Value::Object(m)
}

fn default_conditions(target: &str) -> Value {
    if target == "push" {
        Value::Null
    } else {
        json!({"ref_name": {"exclude": [], "include": []}})
    }
}

/// Applies the fields of a create or update body.
fn apply(r: &mut Ruleset, body: &Map<String, Value>) -> Result<(), GhError> {
    if let Some(name) = body.opt_str("name")? {
        if name.trim().is_empty() {
            return Err(GhError::validation(
                "Ruleset",
                "missing_field",
                Some("name"),
                None,
            ));
        }
        r.name = name;
    }
    if let Some(target) = body.opt_str("target")? {
        if !TARGETS.contains(&target.as_str()) {
            return Err(GhError::validation(
                "Ruleset",
                "invalid",
                Some("target"),
                None,
            ));
        }
        r.target = target;
    }
    if let Some(e) = body.opt_str("enforcement")? {
        if !ENFORCEMENTS.contains(&e.as_str()) {
            return Err(GhError::validation(
                "Ruleset",
                "invalid",
                Some("enforcement"),
                None,
            ));
        }
        r.enforcement = e;
    }
    for (key, slot) in [
        ("bypass_actors", &mut r.bypass_actors),
        ("rules", &mut r.rules),
    ] {
        match body.get(key) {
            None => {}
            Some(Value::Null) => *slot = json!([]),
            Some(v @ Value::Array(_)) => *slot = v.clone(),
            Some(_) => {
                return Err(GhError::invalid(format!(
                    "For 'properties/{key}', it is not an array."
                )))
            }
        }
    }
    match body.get("conditions") {
        None => {}
        Some(Value::Null) => r.conditions = default_conditions(&r.target),
        Some(v @ Value::Object(_)) => r.conditions = v.clone(),
        Some(_) => {
            return Err(GhError::invalid(
                "For 'properties/conditions', it is not an object.",
            ))
        }
    }
    if r.conditions.is_null() && r.target != "push" {
        r.conditions = default_conditions(&r.target);
    }
    Ok(())
}

fn check_unique(repo: &Repo, r: &Ruleset) -> Result<(), GhError> {
    if repo
        .rulesets
        .values()
        .any(|o| o.id != r.id && o.name.eq_ignore_ascii_case(&r.name))
    {
        return Err(GhError::validation(
            "Ruleset",
            "already_exists",
            Some("name"),
            Some("Name must be unique"),
        ));
    }
    Ok(())
}

fn ruleset_id(raw: &str) -> Result<u64, GhError> {
    raw.parse().map_err(|_| not_found())
}

pub async fn list(
    State(state): State<AppState>,
    Path((owner, repo)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    uri: Uri,
) -> GhResult {
    let q = Query::parse(raw.as_deref());
    let targets: Option<Vec<String>> = q.get("targets").map(|t| {
        t.split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect()
    });
    let all: Vec<Value> = {
        let w = state.world();
        let r = w.repo(&owner, &repo)?;
        r.rulesets
            .values()
            .filter(|rs| targets.as_ref().is_none_or(|t| t.contains(&rs.target)))
            .map(|rs| Value::Object(summary(r, rs)))
            .collect()
    };
    let page = Page::from_query(&q, 30, 100);
    Ok(list_response(
        &state,
        &headers,
        &uri,
        page,
        all,
        |items, _| json!(items),
    ))
}

pub async fn create(
    State(state): State<AppState>,
    Path((owner, repo)): Path<(String, String)>,
    body: Bytes,
) -> GhResult {
    let body = body_object(&body)?;
    if body.opt_str("name")?.is_none() {
        return Err(GhError::validation(
            "Ruleset",
            "missing_field",
            Some("name"),
            None,
        ));
    }
    if body.opt_str("enforcement")?.is_none() {
        return Err(GhError::validation(
            "Ruleset",
            "missing_field",
            Some("enforcement"),
            None,
        ));
    }
    let mut w = state.world();
    w.repo(&owner, &repo)?;
    let id = w.alloc_id();
    let now = now();
    let mut rs = Ruleset {
        id,
        name: String::new(),
        target: "branch".into(),
        enforcement: "disabled".into(),
        bypass_actors: json!([]),
        conditions: Value::Null,
        rules: json!([]),
        created_at: now.clone(),
        updated_at: now,
    };
    apply(&mut rs, &body)?;
    let r = w.repo_mut(&owner, &repo)?;
    check_unique(r, &rs)?;
    let json = ruleset_json(r, &rs);
    r.rulesets.insert(id, rs);
    Ok(created(None, json))
}

pub async fn get(
    State(state): State<AppState>,
    Path((owner, repo, ruleset_id_raw)): Path<(String, String, String)>,
) -> GhResult {
    let id = ruleset_id(&ruleset_id_raw)?;
    let w = state.world();
    let r = w.repo(&owner, &repo)?;
    let rs = r.rulesets.get(&id).ok_or_else(not_found)?;
    Ok(ok(ruleset_json(r, rs)))
}

pub async fn update(
    State(state): State<AppState>,
    Path((owner, repo, ruleset_id_raw)): Path<(String, String, String)>,
    body: Bytes,
) -> GhResult {
    let id = ruleset_id(&ruleset_id_raw)?;
    let body = body_object(&body)?;
    let mut w = state.world();
    let r = w.repo_mut(&owner, &repo)?;
    let mut rs = r.rulesets.get(&id).cloned().ok_or_else(not_found)?;
    apply(&mut rs, &body)?;
    check_unique(r, &rs)?;
    rs.updated_at = now();
    let json = ruleset_json(r, &rs);
    r.rulesets.insert(id, rs);
    Ok(ok(json))
}

pub async fn delete(
    State(state): State<AppState>,
    Path((owner, repo, ruleset_id_raw)): Path<(String, String, String)>,
) -> GhResult {
    let id = ruleset_id(&ruleset_id_raw)?;
    let mut w = state.world();
    let r = w.repo_mut(&owner, &repo)?;
    r.rulesets.shift_remove(&id).ok_or_else(not_found)?;
    Ok(no_content())
}
