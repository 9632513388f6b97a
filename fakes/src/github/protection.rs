//! Branch protection: `GET`/`PUT`/`DELETE /repos/{owner}/{repo}/branches/{branch}/protection`.
//!
//! The PUT body and the answers differ in shape, as on GitHub: booleans become
//! `{"enabled": bool}` objects (`enforce_admins` and `required_signatures` with their `url`),
//! user logins and team slugs become full user and team objects, app slugs become app objects,
//! and `contexts` and `checks` are kept in step (`checks` wins when both are sent; contexts alone
//! give checks with `app_id: null`). Only what the PUT sets is shown: a `null`
//! `required_status_checks`, `required_pull_request_reviews` or `restrictions` is absent.
//!
//! Errors: 404 `Branch not found` (the branch does not exist: see the admin API and
//! `auto_init`), 404 `Branch not protected` (GET/DELETE of an unprotected branch), 422
//! `Validation Failed` with string `errors` for a review count outside 0..=6, for user or team
//! restrictions on a repository not owned by an organization, and for unknown users or teams.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde_json::{json, Map, Value};

use super::error::{GhError, GhResult};
use super::http::{body_object, no_content, ok, Fields};
use super::model::{AccountKind, Principals, Protection, Repo, Reviews, StatusChecks, World, API};
use super::render::{app_json, login_json, team_json, user_json};
use super::AppState;

fn branch_not_found() -> GhError {
    GhError::new(StatusCode::NOT_FOUND, "Branch not found")
        .docs("https://docs.github.com/rest/branches/branch-protection#get-branch-protection")
}

fn not_protected() -> GhError {
    GhError::new(StatusCode::NOT_FOUND, "Branch not protected")
        .docs("https://docs.github.com/rest/branches/branch-protection#get-branch-protection")
}

fn principals(value: Option<&Value>, field: &str) -> Result<Option<Principals>, GhError> {
    let Some(Value::Object(obj)) = value else {
        return Ok(None);
    };
    let list = |key: &str| -> Result<Vec<String>, GhError> {
        Ok(obj
            .opt_str_list(key)
            .map_err(|_| {
                GhError::validation_simple([format!(
                    "Invalid request.\n\n{field}.{key} must be a list of strings."
                )])
            })?
            .unwrap_or_default())
    };
    Ok(Some(Principals {
        users: list("users")?,
        teams: list("teams")?,
        apps: list("apps")?,
    }))
}

fn parse(body: &Map<String, Value>) -> Result<Protection, GhError> {
    let simple = |m: &str| GhError::validation_simple([m.to_string()]);
    let required_status_checks = match body.get("required_status_checks") {
        Some(Value::Object(rsc)) => {
            let strict = rsc
                .opt_bool("strict")
                .map_err(|_| simple("Invalid request.\n\nstrict is not a boolean."))?;
            let contexts = rsc
                .opt_str_list("contexts")
                .map_err(|_| simple("Invalid request.\n\ncontexts is not an array of strings."))?;
            let mut checks = vec![];
            match rsc.get("checks") {
                Some(Value::Array(items)) => {
                    for item in items {
                        let context =
                            item.get("context").and_then(Value::as_str).ok_or_else(|| {
                                simple("Invalid request.\n\n\"context\" wasn't supplied.")
                            })?;
                        let app_id = item.get("app_id").and_then(Value::as_i64);
                        checks.push((context.to_string(), app_id));
                    }
                }
                _ => {
                    for c in contexts.unwrap_or_default() {
                        checks.push((c, None));
                    }
                }
            }
            Some(StatusChecks {
                strict: strict.unwrap_or(false),
                checks,
            })
        }
        _ => None,
    };
    let required_pull_request_reviews = match body.get("required_pull_request_reviews") {
        Some(Value::Object(r)) => {
            let flag = |k: &str| r.get(k).and_then(Value::as_bool).unwrap_or(false);
            let count = match r.get("required_approving_review_count") {
                None | Some(Value::Null) => 1,
                Some(v) => match v.as_i64() {
                    Some(n) if (0..=6).contains(&n) => n as u64,
                    Some(n) if n > 6 => {
                        return Err(simple(&format!(
                            "Invalid request.\n\n{n} is greater than the maximum of 6."
                        )))
                    }
                    _ => {
                        return Err(simple(&format!(
                        "Invalid request.\n\n{v} is not a valid required_approving_review_count."
                    )))
                    }
                },
            };
            Some(Reviews {
                dismiss_stale_reviews: flag("dismiss_stale_reviews"),
                require_code_owner_reviews: flag("require_code_owner_reviews"),
                required_approving_review_count: count,
                require_last_push_approval: flag("require_last_push_approval"),
                dismissal_restrictions: principals(
                    r.get("dismissal_restrictions"),
                    "dismissal_restrictions",
                )?,
                bypass_pull_request_allowances: principals(
                    r.get("bypass_pull_request_allowances"),
                    "bypass_pull_request_allowances",
                )?,
            })
        }
        _ => None,
    };
    let flag = |k: &str| body.get(k).and_then(Value::as_bool).unwrap_or(false);
    Ok(Protection {
        required_status_checks,
        enforce_admins: flag("enforce_admins"),
        required_pull_request_reviews,
        restrictions: principals(body.get("restrictions"), "restrictions")?,
        required_signatures: false,
        required_linear_history: flag("required_linear_history"),
        allow_force_pushes: flag("allow_force_pushes"),
        allow_deletions: flag("allow_deletions"),
        block_creations: flag("block_creations"),
        required_conversation_resolution: flag("required_conversation_resolution"),
        lock_branch: flag("lock_branch"),
        allow_fork_syncing: flag("allow_fork_syncing"),
    })
}

/// Checks that every user and team a protection names exists (and that only organization
/// repositories name any).
fn check_principals(w: &World, repo: &Repo, p: &Protection) -> Result<(), GhError> {
    let mut all: Vec<&Principals> = vec![];
    if let Some(r) = &p.restrictions {
        all.push(r);
    }
    if let Some(reviews) = &p.required_pull_request_reviews {
        all.extend(reviews.dismissal_restrictions.iter());
        all.extend(reviews.bypass_pull_request_allowances.iter());
    }
    if all.is_empty() {
        return Ok(());
    }
    let is_org = w
        .account(&repo.owner)
        .is_some_and(|a| a.kind == AccountKind::Organization);
    if !is_org {
        return Err(GhError::validation_simple([
            "Only organization repositories can have users and team restrictions".to_string(),
        ]));
    }
    let mut errors = vec![];
    for p in all {
        for u in &p.users {
            if w.account(u).is_none_or(|a| a.kind != AccountKind::User) {
                errors.push(format!("User does not exist: {u}"));
            }
        }
        for t in &p.teams {
            if w.team_by_slug(&repo.owner, t).is_none() {
                errors.push(format!("Team does not exist: {t}"));
            }
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(GhError::validation_simple(errors))
    }
}

fn principals_json(w: &World, repo: &Repo, p: &Principals) -> (Vec<Value>, Vec<Value>, Vec<Value>) {
    let users = p
        .users
        .iter()
        .map(|u| {
            w.account(u)
                .map(user_json)
                .unwrap_or_else(|| login_json(w, u))
        })
        .collect();
    let teams = p
        .teams
        .iter()
        .filter_map(|t| w.team_by_slug(&repo.owner, t))
        .map(|t| team_json(w, t, None))
        .collect();
    let apps = p.apps.iter().map(|a| app_json(w, a, &repo.owner)).collect();
    (users, teams, apps)
}

/// The protection as GitHub shows it (fits both the PUT answer and the GET answer).
pub fn protection_json(w: &World, repo: &Repo, branch: &str, p: &Protection) -> Value {
    let url = format!(
        "{API}/repos/{}/branches/{branch}/protection",
        repo.full_name()
    );
    let mut obj = Map::new();
    obj.insert("url".into(), json!(url));
    if let Some(rsc) = &p.required_status_checks {
        let checks: Vec<Value> = rsc
            .checks
            .iter()
            .map(|(c, a)| json!({"context": c, "app_id": a}))
            .collect();
        let contexts: Vec<&String> = rsc.checks.iter().map(|(c, _)| c).collect();
        obj.insert(
            "required_status_checks".into(),
            json!({
                "url": format!("{url}/required_status_checks"),
                "strict": rsc.strict,
                "contexts": contexts,
                "contexts_url": format!("{url}/required_status_checks/contexts"),
                "checks": checks,
            }),
        );
    }
    if let Some(r) = &p.required_pull_request_reviews {
        let mut reviews = json!({
            "url": format!("{url}/required_pull_request_reviews"),
            "dismiss_stale_reviews": r.dismiss_stale_reviews,
            "require_code_owner_reviews": r.require_code_owner_reviews,
            "required_approving_review_count": r.required_approving_review_count,
            "require_last_push_approval": r.require_last_push_approval,
        });
        if let Some(d) = &r.dismissal_restrictions {
            let (users, teams, apps) = principals_json(w, repo, d);
            reviews["dismissal_restrictions"] = json!({
                "url": format!("{url}/dismissal_restrictions"),
                "users_url": format!("{url}/dismissal_restrictions/users"),
                "teams_url": format!("{url}/dismissal_restrictions/teams"),
                "users": users,
                "teams": teams,
                "apps": apps,
            });
        }
        if let Some(b) = &r.bypass_pull_request_allowances {
            let (users, teams, apps) = principals_json(w, repo, b);
            reviews["bypass_pull_request_allowances"] =
                json!({"users": users, "teams": teams, "apps": apps});
        }
        obj.insert("required_pull_request_reviews".into(), reviews);
    }
    obj.insert(
        "required_signatures".into(),
        json!({"url": format!("{url}/required_signatures"), "enabled": p.required_signatures}),
    );
    obj.insert(
        "enforce_admins".into(),
        json!({"url": format!("{url}/enforce_admins"), "enabled": p.enforce_admins}),
    );
    for (key, enabled) in [
        ("required_linear_history", p.required_linear_history),
        ("allow_force_pushes", p.allow_force_pushes),
        ("allow_deletions", p.allow_deletions),
        ("block_creations", p.block_creations),
        (
            "required_conversation_resolution",
            p.required_conversation_resolution,
        ),
        ("lock_branch", p.lock_branch),
        ("allow_fork_syncing", p.allow_fork_syncing),
    ] {
        obj.insert(key.into(), json!({ "enabled": enabled }));
    }
    if let Some(r) = &p.restrictions {
        let (users, teams, apps) = principals_json(w, repo, r);
        obj.insert(
            "restrictions".into(),
            json!({
                "url": format!("{url}/restrictions"),
                "users_url": format!("{url}/restrictions/users"),
                "teams_url": format!("{url}/restrictions/teams"),
                "apps_url": format!("{url}/restrictions/apps"),
                "users": users,
                "teams": teams,
                "apps": apps,
            }),
        );
    }
    Value::Object(obj)
}

pub async fn get(
    State(state): State<AppState>,
    Path((owner, repo, branch)): Path<(String, String, String)>,
) -> GhResult {
    let w = state.world();
    let r = w.repo(&owner, &repo)?;
    if !r.branches.contains(&branch) {
        return Err(branch_not_found());
    }
    let p = r.protections.get(&branch).ok_or_else(not_protected)?;
    Ok(ok(protection_json(&w, r, &branch, p)))
}

pub async fn update(
    State(state): State<AppState>,
    Path((owner, repo, branch)): Path<(String, String, String)>,
    body: Bytes,
) -> GhResult {
    let body = body_object(&body)?;
    let mut w = state.world();
    let r = w.repo(&owner, &repo)?;
    if !r.branches.contains(&branch) {
        return Err(branch_not_found());
    }
    let mut protection = parse(&body)?;
    check_principals(&w, r, &protection)?;
    if let Some(old) = r.protections.get(&branch) {
        protection.required_signatures = old.required_signatures;
    }
    let r = w.repo_mut(&owner, &repo)?;
    r.protections.insert(branch.clone(), protection);
    let r = w.repo(&owner, &repo)?;
    Ok(ok(protection_json(&w, r, &branch, &r.protections[&branch])))
}

pub async fn delete(
    State(state): State<AppState>,
    Path((owner, repo, branch)): Path<(String, String, String)>,
) -> GhResult {
    let mut w = state.world();
    let r = w.repo_mut(&owner, &repo)?;
    if !r.branches.contains(&branch) {
        return Err(branch_not_found());
    }
    r.protections
        .shift_remove(&branch)
        .ok_or_else(not_protected)?;
    Ok(no_content())
}

/// `{url, enabled}` of a branch's signed-commit protection (`protected-branch-admin-enforced`).
fn signatures_json(repo: &Repo, branch: &str, enabled: bool) -> Value {
    json!({
        "url": format!("{API}/repos/{}/branches/{branch}/protection/required_signatures", repo.full_name()),
        "enabled": enabled,
    })
}

/// `GET`/`POST`/`DELETE .../protection/required_signatures`: read, turn on, turn off the
/// signed-commit requirement of a protected branch (404 `Branch not protected` otherwise).
pub async fn signatures(
    State(state): State<AppState>,
    method: axum::http::Method,
    Path((owner, repo, branch)): Path<(String, String, String)>,
) -> GhResult {
    let mut w = state.world();
    let r = w.repo_mut(&owner, &repo)?;
    if !r.branches.contains(&branch) {
        return Err(branch_not_found());
    }
    let p = r.protections.get_mut(&branch).ok_or_else(not_protected)?;
    if method == axum::http::Method::POST {
        p.required_signatures = true;
    } else if method == axum::http::Method::DELETE {
        p.required_signatures = false;
        return Ok(no_content());
    }
    let enabled = p.required_signatures;
    let r = w.repo(&owner, &repo)?;
    Ok(ok(signatures_json(r, &branch, enabled)))
}
