//! Who can use a repository: collaborators (list, add or invite, remove, permission of a user)
//! and teams (list a repository's teams; check, add/update, remove a team's access).
//!
//! Permissions are GitHub's five roles: `pull`, `triage`, `push`, `maintain`, `admin` (custom
//! roles are not modelled: 422). Adding a collaborator (default `push`):
//! - already a collaborator: permission updated, 204;
//! - a member of the organization owning the repository: added at once, 204;
//! - anyone else: invited, 201 with the invitation; invitees are not collaborators until
//!   `POST /__fake/invitations/accept` (as on GitHub, where they must accept). A second PUT
//!   updates the invitation (201 again).
//!
//! The repository owner cannot be a collaborator (422); unknown users are 404. Removing a
//! collaborator also cancels their invitation (204 either way).
//!
//! Listing collaborators: `affiliation=direct` gives the explicit collaborators, `outside`
//! those of them who are not members of the owning organization, `all` (default) also the
//! owner of a user repository and the members of teams with access (each with their highest
//! permission). `permission=` filters by minimum role.
//!
//! The permission endpoint answers `admin`/`write`/`read`/`none` (`maintain` shows as `write`,
//! `triage` as `read`) with the precise `role_name`; a user without access has `read` on a
//! public repository and `none` on a private one.
//!
//! Team access: the repository must belong to the team's organization (422 otherwise). A PUT
//! without `permission` grants the team's default permission (`pull` unless set when the team
//! was created). The check answers 204, or 200 with the repository (plus `permissions` and
//! `role_name`) when the request accepts `application/vnd.github.v3.repository+json`, and 404
//! without access.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, Uri};
use axum::Extension;
use serde_json::{json, Value};

use super::error::{GhError, GhResult};
use super::http::{array_page, body_object, created, list_response, no_content, ok, Caller, Fields, Page};
use super::model::{node_id, now, AccountKind, Collaborator, Invitation, Repo, World, API, WEB};
use super::render::{
    login_json, permission_flags, permission_level, repo_json, role_name, team_json,
};
use super::AppState;
use crate::cloudflare::envelope::Query;

pub const PERMISSIONS: &[&str] = &["pull", "triage", "push", "maintain", "admin"];

fn check_permission(p: &str, resource: &str) -> Result<(), GhError> {
    if PERMISSIONS.contains(&p) {
        Ok(())
    } else {
        Err(GhError::validation(
            resource,
            "invalid",
            Some("permission"),
            Some(&format!(
                "permission must be one of: {} (custom roles are not supported)",
                PERMISSIONS.join(", ")
            )),
        ))
    }
}

/// Every user with access and their highest permission, as `(login, permission, direct)`.
fn access_list(w: &World, repo: &Repo) -> Vec<(String, String, bool)> {
    let mut out: Vec<(String, String, bool)> = vec![];
    let mut grant = |login: &str, perm: &str, direct: bool| match out
        .iter_mut()
        .find(|(l, _, _)| l.eq_ignore_ascii_case(login))
    {
        Some(entry) => {
            if permission_level(perm) > permission_level(&entry.1) {
                entry.1 = perm.to_string();
            }
            entry.2 |= direct;
        }
        None => out.push((login.to_string(), perm.to_string(), direct)),
    };
    if let Some(owner) = w.account(&repo.owner) {
        if owner.kind == AccountKind::User {
            grant(&owner.login, "admin", false);
        }
    }
    for c in repo.collaborators.values() {
        grant(&c.login, &c.permission, true);
    }
    for team in w.teams.values() {
        if let Some(perm) = team.repos.get(&repo.id) {
            for member in &team.members {
                let login = w
                    .account(member)
                    .map(|a| a.login.clone())
                    .unwrap_or_else(|| member.clone());
                grant(&login, perm, false);
            }
        }
    }
    out
}

fn collaborator_json(w: &World, login: &str, permission: &str) -> Value {
    let mut v = login_json(w, login);
    v["permissions"] = permission_flags(permission);
    v["role_name"] = json!(role_name(permission));
    v
}

pub async fn list_collaborators(
    State(state): State<AppState>,
    Path((owner, repo)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    uri: Uri,
) -> GhResult {
    let q = Query::parse(raw.as_deref());
    let affiliation = q.get("affiliation").unwrap_or("all").to_string();
    let min = q.get("permission").map(permission_level);
    let all: Vec<Value> = {
        let w = state.world();
        let r = w.repo(&owner, &repo)?;
        let org = w
            .account(&r.owner)
            .filter(|a| a.kind == AccountKind::Organization)
            .map(|a| a.login.clone());
        access_list(&w, r)
            .into_iter()
            .filter(|(login, _, direct)| match affiliation.as_str() {
                "direct" => *direct,
                "outside" => *direct && org.as_ref().is_none_or(|o| !w.is_member(o, login)),
                _ => true,
            })
            .filter(|(_, perm, _)| min.is_none_or(|m| permission_level(perm) >= m))
            .map(|(login, perm, _)| collaborator_json(&w, &login, &perm))
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

fn invitation_permission(p: &str) -> &'static str {
    match p {
        "pull" => "read",
        "push" => "write",
        "triage" => "triage",
        "maintain" => "maintain",
        _ => "admin",
    }
}

pub fn invitation_json(w: &World, repo: &Repo, inv: &Invitation) -> Value {
    json!({
        "id": inv.id,
        "node_id": node_id("RI", inv.id),
        "repository": repo_json(w, repo),
        "invitee": login_json(w, &inv.login),
        "inviter": login_json(w, &inv.inviter),
        "permissions": invitation_permission(&inv.permission),
        "created_at": inv.created_at,
        "expired": false,
        "url": format!("{API}/user/repository_invitations/{}", inv.id),
        "html_url": format!("{WEB}/{}/invitations", repo.full_name()),
    })
}

pub async fn add_collaborator(
    State(state): State<AppState>,
    Path((owner, repo, username)): Path<(String, String, String)>,
    Extension(caller): Extension<Caller>,
    body: Bytes,
) -> GhResult {
    let body = body_object(&body)?;
    let permission = body.opt_str("permission")?.unwrap_or_else(|| "push".into());
    check_permission(&permission, "Collaborator")?;
    let mut w = state.world();
    let r = w.repo(&owner, &repo)?;
    let user = match w.account(&username) {
        Some(a) if a.kind == AccountKind::User => a.login.clone(),
        _ => return Err(GhError::not_found()),
    };
    if user.eq_ignore_ascii_case(&r.owner) {
        return Err(GhError::validation(
            "Repository",
            "custom",
            Some("collaborator"),
            Some("Repository owner cannot be a collaborator"),
        ));
    }
    let key = user.to_ascii_lowercase();
    let member = w.is_member(&r.owner, &user);
    let already = r.collaborators.contains_key(&key);
    if already || member {
        let r = w.repo_mut(&owner, &repo)?;
        r.invitations.shift_remove(&key);
        r.collaborators.insert(
            key,
            Collaborator {
                login: user,
                permission,
            },
        );
        return Ok(no_content());
    }
    let existing = r
        .invitations
        .get(&key)
        .map(|i| (i.id, i.created_at.clone()));
    let (id, created_at) = match existing {
        Some(e) => e,
        None => (w.alloc_id(), now()),
    };
    let r = w.repo_mut(&owner, &repo)?;
    r.invitations.insert(
        key.clone(),
        Invitation {
            id,
            login: user,
            inviter: caller.login,
            permission,
            created_at,
        },
    );
    let r = w.repo(&owner, &repo)?;
    Ok(created(None, invitation_json(&w, r, &r.invitations[&key])))
}

pub async fn remove_collaborator(
    State(state): State<AppState>,
    Path((owner, repo, username)): Path<(String, String, String)>,
) -> GhResult {
    let mut w = state.world();
    if w.account(&username).is_none() {
        return Err(GhError::not_found());
    }
    let r = w.repo_mut(&owner, &repo)?;
    let key = username.to_ascii_lowercase();
    r.collaborators.shift_remove(&key);
    r.invitations.shift_remove(&key);
    Ok(no_content())
}

pub async fn collaborator_permission(
    State(state): State<AppState>,
    Path((owner, repo, username)): Path<(String, String, String)>,
) -> GhResult {
    let w = state.world();
    let r = w.repo(&owner, &repo)?;
    let user = w.account(&username).ok_or_else(GhError::not_found)?;
    let granted = access_list(&w, r)
        .into_iter()
        .find(|(l, _, _)| l.eq_ignore_ascii_case(&user.login))
        .map(|(_, p, _)| p);
    let (permission, role) = match granted.as_deref() {
        Some(p) => {
            let legacy = match permission_level(p) {
                5 => "admin",
                3 | 4 => "write",
                _ => "read",
            };
            (legacy.to_string(), role_name(p))
        }
        None if !r.setting_bool("private") => ("read".into(), "read".into()),
        None => ("none".into(), "none".into()),
    };
    let effective = granted.unwrap_or_else(|| {
        if permission == "read" {
            "pull".into()
        } else {
            "none".into()
        }
    });
    let mut u = collaborator_json(&w, &user.login, &effective);
    u["role_name"] = json!(role);
    Ok(ok(
        json!({"permission": permission, "role_name": role, "user": u}),
    ))
}

pub async fn list_teams(
    State(state): State<AppState>,
    Path((owner, repo)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    uri: Uri,
) -> GhResult {
    let all: Vec<Value> = {
        let w = state.world();
        let r = w.repo(&owner, &repo)?;
        w.teams
            .values()
            .filter_map(|t| t.repos.get(&r.id).map(|p| team_json(&w, t, Some(p))))
            .collect()
    };
    Ok(array_page(&state, &headers, &uri, raw.as_deref(), all))
}

pub async fn check_team_repo(
    State(state): State<AppState>,
    Path((org, slug, owner, repo)): Path<(String, String, String, String)>,
    headers: HeaderMap,
) -> GhResult {
    let w = state.world();
    let team = w.team_by_slug(&org, &slug).ok_or_else(GhError::not_found)?;
    let r = w.repo(&owner, &repo)?;
    let perm = team.repos.get(&r.id).ok_or_else(GhError::not_found)?;
    let wants_repo = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("application/vnd.github.v3.repository+json"));
    if !wants_repo {
        return Ok(no_content());
    }
    let mut v = repo_json(&w, r);
    v["permissions"] = permission_flags(perm);
    v["role_name"] = json!(role_name(perm));
    Ok(ok(v))
}

pub async fn put_team_repo(
    State(state): State<AppState>,
    Path((org, slug, owner, repo)): Path<(String, String, String, String)>,
    body: Bytes,
) -> GhResult {
    let body = body_object(&body)?;
    let mut w = state.world();
    let team_id = w
        .team_id_by_slug(&org, &slug)
        .ok_or_else(GhError::not_found)?;
    let r = w.repo(&owner, &repo)?;
    if !r.owner.eq_ignore_ascii_case(&org) {
        return Err(GhError::validation(
            "TeamRepository",
            "custom",
            Some("repo"),
            Some("The repository must be owned by the team's organization"),
        ));
    }
    let repo_id = r.id;
    let permission = match body.opt_str("permission")? {
        Some(p) => p,
        None => w.teams[&team_id].permission.clone(),
    };
    check_permission(&permission, "TeamRepository")?;
    if let Some(t) = w.teams.get_mut(&team_id) {
        t.repos.insert(repo_id, permission);
    }
    Ok(no_content())
}

pub async fn delete_team_repo(
    State(state): State<AppState>,
    Path((org, slug, owner, repo)): Path<(String, String, String, String)>,
) -> GhResult {
    let mut w = state.world();
    let team_id = w
        .team_id_by_slug(&org, &slug)
        .ok_or_else(GhError::not_found)?;
    let repo_id = w.repo(&owner, &repo)?.id;
    if let Some(t) = w.teams.get_mut(&team_id) {
        t.repos.shift_remove(&repo_id);
    }
    Ok(no_content())
}
