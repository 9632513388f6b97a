//! Teams of an organization: list, create, get, update, delete
//! (`/orgs/{org}/teams[/{team_slug}]`).
//!
//! Rules, as on GitHub:
//! - The slug is made from the name (`"Example Name"` → `example-name`); a second team of the
//!   same slug is 422 `Name must be unique for this org`. Renaming changes the slug.
//! - `privacy` is `secret` (default for a team without parent) or `closed`; a nested team must
//!   be `closed` (default for a child team). `notification_setting` defaults to
//!   `notifications_enabled`; `permission` (`pull` default, or `push`) is the permission
//!   repositories are added with.
//! - `parent_team_id` (or `parent_team_slug`) must name a team of the organization (422
//!   otherwise); PATCH with `parent_team_id: null` removes the parent.
//! - The creator becomes the team's first member (GitHub makes them maintainer), as do
//!   `maintainers`; `repo_names` (`org/repo`) are added with `pull`.
//! - Deleting a team deletes its child teams.
//! - Answers are `team-full` (with the organization) for one team, `team` in the list.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, Uri};
use axum::Extension;
use serde_json::{json, Map, Value};

use super::error::{GhError, GhResult};
use super::http::{array_page, 
    body_object, created, host, no_content, ok, Caller, Fields,
};
use super::model::{now, slugify, AccountKind, Team, World, API};
use super::render::team_json;
use super::users::ACCOUNT_CREATED_AT;
use super::AppState;

/// The `team-organization` of an organization login.
fn organization_json(w: &World, org: &str) -> Value {
    let a = w.account(org);
    let login = a
        .map(|a| a.login.clone())
        .unwrap_or_else(|| org.to_string());
    let id = a.map(|a| a.id).unwrap_or_default();
    let base = format!("{API}/orgs/{login}");
    json!({
        "login": login,
        "id": id,
        "node_id": super::model::node_id("O", id),
        "url": base,
        "repos_url": format!("{base}/repos"),
        "events_url": format!("{base}/events"),
        "hooks_url": format!("{base}/hooks"),
        "issues_url": format!("{base}/issues"),
        "members_url": format!("{base}/members{{/member}}"),
        "public_members_url": format!("{base}/public_members{{/member}}"),
        "avatar_url": format!("https://avatars.githubusercontent.com/u/{id}?v=4"),
        "description": null,
        "html_url": format!("{}/{login}", super::model::WEB),
        "has_organization_projects": true,
        "has_repository_projects": true,
        "public_repos": w.repos.values().filter(|r| r.owner.eq_ignore_ascii_case(&login) && !r.setting_bool("private")).count(),
        "public_gists": 0,
        "followers": 0,
        "following": 0,
        "type": "Organization",
        "created_at": ACCOUNT_CREATED_AT,
        "updated_at": ACCOUNT_CREATED_AT,
        "archived_at": null,
    })
}

/// A `team-full`.
pub fn team_full_json(w: &World, t: &Team) -> Value {
    let mut v = team_json(w, t, None);
    if let Some(o) = v.as_object_mut() {
        o.remove("permissions");
    }
    v["members_count"] = json!(t.members.len());
    v["repos_count"] = json!(t.repos.len());
    v["created_at"] = json!(t.created_at);
    v["updated_at"] = json!(t.updated_at);
    v["organization"] = organization_json(w, &t.org);
    v
}

fn require_org(w: &World, org: &str) -> Result<String, GhError> {
    match w.account(org) {
        Some(a) if a.kind == AccountKind::Organization => Ok(a.login.to_ascii_lowercase()),
        _ => Err(GhError::not_found()),
    }
}

fn check_enum(
    body: &Map<String, Value>,
    key: &str,
    allowed: &[&str],
) -> Result<Option<String>, GhError> {
    match body.opt_str(key)? {
        Some(v) if !allowed.contains(&v.as_str()) => Err(GhError::validation(
            "Team",
            "invalid",
            Some(key),
            Some(&format!("{key} must be one of: {}", allowed.join(", "))),
        )),
        v => Ok(v),
    }
}

/// The parent a body names (`parent_team_id`, else `parent_team_slug`): `Some(None)` when it
/// removes the parent, `None` when it says nothing.
fn parent_of(
    w: &World,
    org_key: &str,
    body: &Map<String, Value>,
) -> Result<Option<Option<u64>>, GhError> {
    let bad = || {
        GhError::validation(
            "Team",
            "invalid",
            Some("parent_team_id"),
            Some("Parent team must be a team of this organization"),
        )
    };
    match body.get("parent_team_id") {
        Some(Value::Null) => return Ok(Some(None)),
        Some(_) => {
            let id = body.opt_u64("parent_team_id")?.ok_or_else(bad)?;
            return match w.teams.get(&id) {
                Some(t) if t.org == org_key => Ok(Some(Some(id))),
                _ => Err(bad()),
            };
        }
        None => {}
    }
    match body.opt_str("parent_team_slug")? {
        Some(slug) => w
            .team_id_by_slug(org_key, &slug)
            .map(|id| Some(Some(id)))
            .ok_or_else(bad),
        None => Ok(None),
    }
}

pub async fn list(
    State(state): State<AppState>,
    Path(org): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    uri: Uri,
) -> GhResult {
    let all: Vec<Value> = {
        let w = state.world();
        let org_key = require_org(&w, &org)?;
        w.teams
            .values()
            .filter(|t| t.org == org_key)
            .map(|t| team_json(&w, t, None))
            .collect()
    };
    Ok(array_page(&state, &headers, &uri, raw.as_deref(), all))
}

pub async fn create(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(org): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> GhResult {
    let body = body_object(&body)?;
    let mut w = state.world();
    let org_key = require_org(&w, &org)?;
    let name = body
        .opt_str("name")?
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| GhError::validation("Team", "missing_field", Some("name"), None))?;
    let slug = slugify(&name);
    if slug.is_empty() || w.team_by_slug(&org_key, &slug).is_some() {
        return Err(GhError::validation(
            "Team",
            "custom",
            Some("name"),
            Some("Name must be unique for this org"),
        ));
    }
    let parent = parent_of(&w, &org_key, &body)?.flatten();
    let privacy = check_enum(&body, "privacy", &["secret", "closed"])?.unwrap_or_else(|| {
        if parent.is_some() {
            "closed".into()
        } else {
            "secret".into()
        }
    });
    if parent.is_some() && privacy == "secret" {
        return Err(GhError::validation(
            "Team",
            "invalid",
            Some("privacy"),
            Some("A nested team cannot be secret"),
        ));
    }
    let notification_setting = check_enum(
        &body,
        "notification_setting",
        &["notifications_enabled", "notifications_disabled"],
    )?
    .unwrap_or_else(|| "notifications_enabled".into());
    let permission =
        check_enum(&body, "permission", &["pull", "push"])?.unwrap_or_else(|| "pull".into());
    let mut members: std::collections::BTreeSet<String> =
        [caller.login.to_ascii_lowercase()].into();
    for m in body.opt_str_list("maintainers")?.unwrap_or_default() {
        if w.account(&m).is_none() {
            return Err(GhError::validation(
                "Team",
                "invalid",
                Some("maintainers"),
                Some(&format!("{m} is not a user")),
            ));
        }
        members.insert(m.to_ascii_lowercase());
    }
    let mut repos = indexmap::IndexMap::new();
    for full in body.opt_str_list("repo_names")?.unwrap_or_default() {
        let (owner, name) = full
            .split_once('/')
            .unwrap_or((org.as_str(), full.as_str()));
        let id = w.repo_id(owner, name).ok_or_else(|| {
            GhError::validation(
                "Team",
                "invalid",
                Some("repo_names"),
                Some(&format!("{full} is not a repository of {org}")),
            )
        })?;
        repos.insert(id, "pull".to_string());
    }
    let id = w.alloc_id();
    let at = now();
    w.teams.insert(
        id,
        Team {
            id,
            org: org_key,
            name,
            slug: slug.clone(),
            description: body.opt_str("description")?,
            privacy,
            notification_setting,
            permission,
            parent,
            members,
            repos,
            created_at: at.clone(),
            updated_at: at,
        },
    );
    let base = w.link_base(host(&headers).as_deref());
    Ok(created(
        Some(format!("{base}/orgs/{org}/teams/{slug}")),
        team_full_json(&w, &w.teams[&id]),
    ))
}

pub async fn get(
    State(state): State<AppState>,
    Path((org, slug)): Path<(String, String)>,
) -> GhResult {
    let w = state.world();
    let t = w.team_by_slug(&org, &slug).ok_or_else(GhError::not_found)?;
    Ok(ok(team_full_json(&w, t)))
}

pub async fn update(
    State(state): State<AppState>,
    Path((org, slug)): Path<(String, String)>,
    body: Bytes,
) -> GhResult {
    let body = body_object(&body)?;
    let mut w = state.world();
    let org_key = require_org(&w, &org)?;
    let id = w
        .team_id_by_slug(&org_key, &slug)
        .ok_or_else(GhError::not_found)?;
    let mut t = w.teams[&id].clone();
    if let Some(name) = body.opt_str("name")? {
        let new_slug = slugify(&name);
        if new_slug.is_empty()
            || w.team_by_slug(&org_key, &new_slug)
                .is_some_and(|o| o.id != id)
        {
            return Err(GhError::validation(
                "Team",
                "custom",
                Some("name"),
                Some("Name must be unique for this org"),
            ));
        }
        t.name = name;
        t.slug = new_slug;
    }
    if body.contains_key("description") {
        t.description = body.opt_str("description")?;
    }
    if let Some(parent) = parent_of(&w, &org_key, &body)? {
        if parent == Some(id) {
            return Err(GhError::validation(
                "Team",
                "invalid",
                Some("parent_team_id"),
                Some("A team cannot be its own parent"),
            ));
        }
        t.parent = parent;
    }
    if let Some(p) = check_enum(&body, "privacy", &["secret", "closed"])? {
        t.privacy = p;
    }
    if t.parent.is_some() && t.privacy == "secret" {
        return Err(GhError::validation(
            "Team",
            "invalid",
            Some("privacy"),
            Some("A nested team cannot be secret"),
        ));
    }
    if let Some(n) = check_enum(
        &body,
        "notification_setting",
        &["notifications_enabled", "notifications_disabled"],
    )? {
        t.notification_setting = n;
    }
    if let Some(p) = check_enum(&body, "permission", &["pull", "push"])? {
        t.permission = p;
    }
    t.updated_at = now();
    w.teams.insert(id, t);
    Ok(ok(team_full_json(&w, &w.teams[&id])))
}

pub async fn delete(
    State(state): State<AppState>,
    Path((org, slug)): Path<(String, String)>,
) -> GhResult {
    let mut w = state.world();
    let id = w
        .team_id_by_slug(&org, &slug)
        .ok_or_else(GhError::not_found)?;
    let mut gone = vec![id];
    while let Some(next) = w
        .teams
        .values()
        .find(|t| t.parent.is_some_and(|p| gone.contains(&p)) && !gone.contains(&t.id))
        .map(|t| t.id)
    {
        gone.push(next);
    }
    for g in gone {
        w.teams.shift_remove(&g);
    }
    Ok(no_content())
}
