//! The admin API under `/__fake/` (not part of GitHub's API; call it on the fake's own port,
//! never through Prism). Answers are plain JSON; errors are 400/404 `{"error": "..."}`.
//! Repositories are named `owner/name` in bodies and queries (`repo`).
//!
//! | Method | Path | Body / query | Answer |
//! |---|---|---|---|
//! | GET | `/__fake/health` | | `{"ok": true}` |
//! | POST | `/__fake/config` | `{"api_base"}`: base URL of `Link`/`Location` headers (the Prism proxy) | `{"api_base"}` |
//! | POST | `/__fake/users` | `{"login", "token"?, "name"?, "email"?}` (a token acts as this user) | the `simple-user` |
//! | POST | `/__fake/orgs` | `{"login", "members"?: [login]}` (missing users are created) | the `simple-user` of the organization |
//! | POST | `/__fake/teams` | `{"org", "name", "slug"?, "description"?, "privacy"? = "closed", "permission"? = "pull", "members"?: [login], "parent"?: slug}` | the `team` |
//! | POST | `/__fake/repos` | `{"owner", "name", "owner_type"? = "Organization" (when the owner is new), "private"?, "auto_init"? = true, "default_branch"? = "main", "branches"?: [name], "description"?, "is_template"?}` | the `full-repository` |
//! | DELETE | `/__fake/repos/{owner}/{name}` | | `{"deleted": true}` |
//! | POST | `/__fake/branches` | `{"repo", "branch"}` | `{"branches": [...]}` |
//! | POST | `/__fake/issues` | `{"owner", "repo", "number"?, "title", "body"?, "user"?, "state"? = "open", "locked"?}` | `{"number", "id"}` |
//! | POST | `/__fake/pulls` | `{"owner", "repo", "number"?, "head", "base", "title", "body"?, "user"?, "state"?, "draft"?, "merged"?, "locked"?}` (missing branches are created) | the `pull-request` |
//! | GET | `/__fake/secrets?repo=&name=[&environment=]` | | `{"name", "plaintext", "plaintext_base64", "created_at", "updated_at"}` |
//! | POST | `/__fake/secrets/rotate-key` | `{"repo", "environment"?}` (the old `key_id` becomes stale) | `{"key_id", "key"}` |
//! | GET | `/__fake/hooks/secret?repo=&id=` | | `{"secret": "..." or null}` |
//! | POST | `/__fake/invitations/accept` | `{"repo", "username"}` | `{"permission"}` |
//! | POST | `/__fake/faults` | `{"repo", ...`[`Faults`]`}` | `{"repo", "faults"}` |
//! | GET | `/__fake/faults?repo=` | | `{"repo", "faults" or null}` |
//! | DELETE | `/__fake/faults?repo=` | (no `repo`: every repository) | `{"cleared": bool}` |
//! | GET | `/__fake/stats?repo=` | (no `repo`: all requests) | [`Stats`] |
//! | POST | `/__fake/stats/reset?repo=` | (no `repo`: everything) | `{"reset": true}` |
//! | GET | `/__fake/requests?repo=` | (no `repo`: all requests) | `[`[`RequestRecord`]`]`, oldest first, at most 1000 |
//! | POST | `/__fake/reset` | | `{"reset": true}`: every account, repository, fault, statistic and rate limit window is forgotten (`api_base` is kept) |

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use base64::Engine as _;
use serde_json::{json, Map, Value};

use super::faults::Faults;
#[cfg(doc)]
use super::faults::{RequestRecord, Stats};
use super::issues::{fake_sha, pull_json};
use super::model::{
    normalize_repo_name, now, slugify, AccountKind, Collaborator, Issue, KeyPair, PullInfo, Team,
    World, DEFAULT_USER,
};
use super::render::{repo_json, team_json, user_json};
use super::AppState;
use crate::cloudflare::envelope::Query;

/// An admin API failure: `{"error": "..."}` with a 400 or 404.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{1}")]
struct AdminError(StatusCode, String);

fn bad(message: impl Into<String>) -> AdminError {
    AdminError(StatusCode::BAD_REQUEST, message.into())
}

fn missing(message: impl Into<String>) -> AdminError {
    AdminError(StatusCode::NOT_FOUND, message.into())
}

impl IntoResponse for AdminError {
    fn into_response(self) -> Response {
        (self.0, Json(json!({ "error": self.1 }))).into_response()
    }
}

type AdminResult = Result<Response, AdminError>;

fn body_object(body: &Bytes) -> Result<Map<String, Value>, AdminError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(obj)) => Ok(obj),
        Ok(_) => Err(bad("the body must be a JSON object")),
        Err(e) => Err(bad(format!("invalid JSON: {e}"))),
    }
}

fn opt_str(obj: &Map<String, Value>, key: &str) -> Result<Option<String>, AdminError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(bad(format!("{key} must be a string"))),
    }
}

fn req_str(obj: &Map<String, Value>, key: &str) -> Result<String, AdminError> {
    opt_str(obj, key)?
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| bad(format!("{key} is required")))
}

fn opt_bool(obj: &Map<String, Value>, key: &str) -> Result<Option<bool>, AdminError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(bad(format!("{key} must be a boolean"))),
    }
}

fn opt_list(obj: &Map<String, Value>, key: &str) -> Result<Vec<String>, AdminError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(vec![]),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| bad(format!("{key} must be a list of strings")))
            })
            .collect(),
        Some(_) => Err(bad(format!("{key} must be a list of strings"))),
    }
}

/// `owner/name` → `(owner, name)`.
fn split_repo(repo: &str) -> Result<(String, String), AdminError> {
    repo.split_once('/')
        .filter(|(o, n)| !o.is_empty() && !n.is_empty() && !n.contains('/'))
        .map(|(o, n)| (o.to_string(), n.to_string()))
        .ok_or_else(|| bad(format!("repo must be owner/name, not {repo:?}")))
}

/// The repository named by `owner` + `repo` fields, or by `repo` as `owner/name`.
fn repo_names(obj: &Map<String, Value>) -> Result<(String, String), AdminError> {
    let repo = req_str(obj, "repo")?;
    match opt_str(obj, "owner")? {
        Some(owner) => Ok((owner, repo)),
        None => split_repo(&repo),
    }
}

/// The admin routes (nested under `/__fake`).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/health", get(|| async { Json(json!({"ok": true})) }))
        .route("/config", post(config))
        .route("/users", post(create_user))
        .route("/orgs", post(create_org))
        .route("/teams", post(create_team))
        .route("/repos", post(create_repo))
        .route("/repos/{owner}/{name}", delete(delete_repo))
        .route("/branches", post(create_branch))
        .route("/issues", post(create_issue))
        .route("/pulls", post(create_pull))
        .route("/secrets", get(read_secret))
        .route("/secrets/rotate-key", post(rotate_key))
        .route("/hooks/secret", get(hook_secret))
        .route("/invitations/accept", post(accept_invitation))
        .route(
            "/faults",
            post(set_faults).get(get_faults).delete(clear_faults),
        )
        .route("/stats", get(stats))
        .route("/stats/reset", post(reset_stats))
        .route("/requests", get(requests))
        .route("/reset", post(reset))
}

async fn config(State(state): State<AppState>, body: Bytes) -> AdminResult {
    let obj = body_object(&body)?;
    let base = opt_str(&obj, "api_base")?;
    let mut w = state.world();
    w.api_base = base.map(|b| b.trim_end_matches('/').to_string());
    Ok(Json(json!({"api_base": w.api_base})).into_response())
}

fn ensure_user(w: &mut World, login: &str) -> Result<(), AdminError> {
    let a = w.ensure_account(login, AccountKind::User);
    if a.kind != AccountKind::User {
        return Err(bad(format!("{login} is an organization, not a user")));
    }
    Ok(())
}

async fn create_user(State(state): State<AppState>, body: Bytes) -> AdminResult {
    let obj = body_object(&body)?;
    let login = req_str(&obj, "login")?;
    let mut w = state.world();
    ensure_user(&mut w, &login)?;
    let key = login.to_ascii_lowercase();
    if let Some(name) = opt_str(&obj, "name")? {
        w.accounts[&key].name = Some(name);
    }
    if let Some(email) = opt_str(&obj, "email")? {
        w.accounts[&key].email = Some(email);
    }
    if let Some(token) = opt_str(&obj, "token")? {
        w.tokens.insert(token, key.clone());
    }
    Ok(Json(user_json(&w.accounts[&key])).into_response())
}

async fn create_org(State(state): State<AppState>, body: Bytes) -> AdminResult {
    let obj = body_object(&body)?;
    let login = req_str(&obj, "login")?;
    let members = opt_list(&obj, "members")?;
    let mut w = state.world();
    if w.ensure_account(&login, AccountKind::Organization).kind != AccountKind::Organization {
        return Err(bad(format!("{login} is a user, not an organization")));
    }
    for m in &members {
        ensure_user(&mut w, m)?;
    }
    let key = login.to_ascii_lowercase();
    let org = &mut w.accounts[&key];
    org.members
        .extend(members.iter().map(|m| m.to_ascii_lowercase()));
    Ok(Json(user_json(&w.accounts[&key])).into_response())
}

async fn create_team(State(state): State<AppState>, body: Bytes) -> AdminResult {
    let obj = body_object(&body)?;
    let org = req_str(&obj, "org")?;
    let name = req_str(&obj, "name")?;
    let slug = opt_str(&obj, "slug")?.unwrap_or_else(|| slugify(&name));
    let permission = opt_str(&obj, "permission")?.unwrap_or_else(|| "pull".into());
    if !super::access::PERMISSIONS.contains(&permission.as_str()) {
        return Err(bad(format!("invalid permission {permission:?}")));
    }
    let members = opt_list(&obj, "members")?;
    let mut w = state.world();
    match w.account(&org) {
        Some(a) if a.kind == AccountKind::Organization => {}
        Some(_) => return Err(bad(format!("{org} is not an organization"))),
        None => {
            w.ensure_account(&org, AccountKind::Organization);
        }
    }
    if w.team_by_slug(&org, &slug).is_some() {
        return Err(bad(format!("{org} already has a team {slug}")));
    }
    let parent = match opt_str(&obj, "parent")? {
        Some(p) => Some(
            w.team_id_by_slug(&org, &p)
                .ok_or_else(|| missing(format!("no team {p} in {org}")))?,
        ),
        None => None,
    };
    for m in &members {
        ensure_user(&mut w, m)?;
    }
    let org_key = org.to_ascii_lowercase();
    if let Some(o) = w.accounts.get_mut(&org_key) {
        o.members
            .extend(members.iter().map(|m| m.to_ascii_lowercase()));
    }
    let id = w.alloc_id();
    let team = Team {
        id,
        org: org_key,
        name,
        slug,
        description: opt_str(&obj, "description")?,
        privacy: opt_str(&obj, "privacy")?.unwrap_or_else(|| "closed".into()),
        notification_setting: "notifications_enabled".into(),
        permission,
        parent,
        members: members.iter().map(|m| m.to_ascii_lowercase()).collect(),
        repos: Default::default(),
        created_at: now(),
        updated_at: now(),
    };
    w.teams.insert(id, team);
    Ok(Json(team_json(&w, &w.teams[&id], None)).into_response())
}

async fn create_repo(State(state): State<AppState>, body: Bytes) -> AdminResult {
    let obj = body_object(&body)?;
    let owner = req_str(&obj, "owner")?;
    let raw = req_str(&obj, "name")?;
    let name = normalize_repo_name(&raw).ok_or_else(|| bad(format!("invalid name {raw:?}")))?;
    let kind = match opt_str(&obj, "owner_type")?.as_deref() {
        None | Some("Organization") => AccountKind::Organization,
        Some("User") => AccountKind::User,
        Some(other) => return Err(bad(format!("invalid owner_type {other:?}"))),
    };
    let mut w = state.world();
    let owner = w.ensure_account(&owner, kind).login.clone();
    if w.repo_id(&owner, &name).is_some() {
        return Err(bad(format!("{owner}/{name} exists")));
    }
    let mut repo = w.new_repo(&owner, &name);
    if let Some(private) = opt_bool(&obj, "private")? {
        repo.settings.insert("private".into(), json!(private));
        repo.settings.insert(
            "visibility".into(),
            json!(if private { "private" } else { "public" }),
        );
    }
    if let Some(d) = opt_str(&obj, "description")? {
        repo.settings.insert("description".into(), json!(d));
    }
    if let Some(t) = opt_bool(&obj, "is_template")? {
        repo.settings.insert("is_template".into(), json!(t));
    }
    if let Some(b) = opt_str(&obj, "default_branch")? {
        repo.settings.insert("default_branch".into(), json!(b));
    }
    if opt_bool(&obj, "auto_init")?.unwrap_or(true) {
        repo.branches.insert(repo.default_branch());
    }
    for b in opt_list(&obj, "branches")? {
        repo.branches.insert(b);
    }
    let id = repo.id;
    w.insert_repo(repo);
    Ok(Json(repo_json(&w, &w.repos[&id])).into_response())
}

async fn delete_repo(
    State(state): State<AppState>,
    Path((owner, name)): Path<(String, String)>,
) -> AdminResult {
    let mut w = state.world();
    let id = w
        .repo_id(&owner, &name)
        .ok_or_else(|| missing(format!("no repository {owner}/{name}")))?;
    w.remove_repo(id);
    Ok(Json(json!({"deleted": true})).into_response())
}

async fn create_branch(State(state): State<AppState>, body: Bytes) -> AdminResult {
    let obj = body_object(&body)?;
    let (owner, name) = repo_names(&obj)?;
    let branch = req_str(&obj, "branch")?;
    let mut w = state.world();
    let r = w
        .repo_mut(&owner, &name)
        .map_err(|_| missing(format!("no repository {owner}/{name}")))?;
    r.branches.insert(branch);
    Ok(Json(json!({"branches": r.branches})).into_response())
}

/// Creates an issue or pull request; its number.
fn new_issue(
    w: &mut World,
    obj: &Map<String, Value>,
    pull: Option<PullInfo>,
) -> Result<(String, String, u64), AdminError> {
    let (owner, name) = repo_names(obj)?;
    let title = req_str(obj, "title")?;
    let user = opt_str(obj, "user")?.unwrap_or_else(|| DEFAULT_USER.to_string());
    ensure_user(w, &user)?;
    let user = w.account(&user).map(|a| a.login.clone()).unwrap_or(user);
    let state_ = opt_str(obj, "state")?.unwrap_or_else(|| "open".into());
    let merged = pull.as_ref().is_some_and(|p| p.merged);
    if !matches!(state_.as_str(), "open" | "closed") {
        return Err(bad("state must be open or closed"));
    }
    let state_ = if merged { "closed".to_string() } else { state_ };
    let id = w.alloc_id();
    let number = match obj.get("number") {
        None | Some(Value::Null) => None,
        Some(v) => Some(
            v.as_u64()
                .filter(|n| *n > 0)
                .ok_or_else(|| bad("number must be a positive integer"))?,
        ),
    };
    let locked = opt_bool(obj, "locked")?.unwrap_or(false);
    let body = opt_str(obj, "body")?;
    let r = w
        .repo_mut(&owner, &name)
        .map_err(|_| missing(format!("no repository {owner}/{name}")))?;
    let number = match number {
        Some(n) if r.issues.contains_key(&n) => {
            return Err(bad(format!("{owner}/{name} already has #{n}")))
        }
        Some(n) => {
            r.next_number = r.next_number.max(n);
            n
        }
        None => r.take_number(),
    };
    if let Some(p) = &pull {
        r.branches.insert(p.head.clone());
        r.branches.insert(p.base.clone());
    }
    let now = now();
    r.issues.insert(
        number,
        Issue {
            id,
            number,
            title,
            body,
            user,
            closed_at: (state_ == "closed").then(|| now.clone()),
            state: state_,
            locked,
            created_at: now.clone(),
            updated_at: now,
            pull,
            labels: Vec::new(),
        },
    );
    Ok((owner, name, number))
}

async fn create_issue(State(state): State<AppState>, body: Bytes) -> AdminResult {
    let obj = body_object(&body)?;
    let mut w = state.world();
    let (owner, name, number) = new_issue(&mut w, &obj, None)?;
    let id = w
        .repo(&owner, &name)
        .map(|r| r.issues[&number].id)
        .unwrap_or_default();
    Ok(Json(json!({"number": number, "id": id})).into_response())
}

async fn create_pull(State(state): State<AppState>, body: Bytes) -> AdminResult {
    let obj = body_object(&body)?;
    let head = req_str(&obj, "head")?;
    let base = req_str(&obj, "base")?;
    let (owner, name) = repo_names(&obj)?;
    let pull = PullInfo {
        head_sha: fake_sha(&format!("{owner}/{name} {head} {}", uuid::Uuid::new_v4())),
        base_sha: fake_sha(&format!("{owner}/{name} {base}")),
        head,
        base,
        draft: opt_bool(&obj, "draft")?.unwrap_or(false),
        merged: opt_bool(&obj, "merged")?.unwrap_or(false),
    };
    let mut w = state.world();
    let (owner, name, number) = new_issue(&mut w, &obj, Some(pull))?;
    let r = w
        .repo(&owner, &name)
        .map_err(|_| missing("repository vanished"))?;
    Ok(Json(pull_json(&w, r, &r.issues[&number])).into_response())
}

async fn read_secret(State(state): State<AppState>, RawQuery(raw): RawQuery) -> AdminResult {
    let q = Query::parse(raw.as_deref());
    let (owner, name) = split_repo(q.get("repo").ok_or_else(|| bad("repo is required"))?)?;
    let secret = q.get("name").ok_or_else(|| bad("name is required"))?;
    let env = q.get("environment");
    let w = state.world();
    let r = w
        .repo(&owner, &name)
        .map_err(|_| missing(format!("no repository {owner}/{name}")))?;
    let scope = r
        .actions(env)
        .map_err(|_| missing(format!("no environment {env:?}")))?;
    let s = scope
        .secrets
        .get(&secret.to_ascii_uppercase())
        .ok_or_else(|| missing(format!("no secret {secret}")))?;
    Ok(Json(json!({
        "name": s.name,
        "plaintext": String::from_utf8_lossy(&s.plaintext),
        "plaintext_base64": base64::engine::general_purpose::STANDARD.encode(&s.plaintext),
        "created_at": s.created_at,
        "updated_at": s.updated_at,
    }))
    .into_response())
}

async fn rotate_key(State(state): State<AppState>, body: Bytes) -> AdminResult {
    let obj = body_object(&body)?;
    let (owner, name) = repo_names(&obj)?;
    let env = opt_str(&obj, "environment")?;
    let mut w = state.world();
    let r = w
        .repo_mut(&owner, &name)
        .map_err(|_| missing(format!("no repository {owner}/{name}")))?;
    let scope = r
        .actions_mut(env.as_deref())
        .map_err(|_| missing(format!("no environment {env:?}")))?;
    scope.key = KeyPair::generate();
    Ok(Json(json!({"key_id": scope.key.key_id, "key": scope.key.public_b64})).into_response())
}

async fn hook_secret(State(state): State<AppState>, RawQuery(raw): RawQuery) -> AdminResult {
    let q = Query::parse(raw.as_deref());
    let (owner, name) = split_repo(q.get("repo").ok_or_else(|| bad("repo is required"))?)?;
    let id: u64 = q
        .get("id")
        .and_then(|i| i.parse().ok())
        .ok_or_else(|| bad("id is required"))?;
    let w = state.world();
    let r = w
        .repo(&owner, &name)
        .map_err(|_| missing(format!("no repository {owner}/{name}")))?;
    let h = r
        .hooks
        .get(&id)
        .ok_or_else(|| missing(format!("no hook {id}")))?;
    Ok(Json(json!({"secret": h.config.get("secret")})).into_response())
}

async fn accept_invitation(State(state): State<AppState>, body: Bytes) -> AdminResult {
    let obj = body_object(&body)?;
    let (owner, name) = repo_names(&obj)?;
    let username = req_str(&obj, "username")?;
    let mut w = state.world();
    let r = w
        .repo_mut(&owner, &name)
        .map_err(|_| missing(format!("no repository {owner}/{name}")))?;
    let key = username.to_ascii_lowercase();
    let inv = r
        .invitations
        .shift_remove(&key)
        .ok_or_else(|| missing(format!("no invitation for {username}")))?;
    let permission = inv.permission.clone();
    r.collaborators.insert(
        key,
        Collaborator {
            login: inv.login,
            permission: inv.permission,
        },
    );
    Ok(Json(json!({"permission": permission})).into_response())
}

async fn set_faults(State(state): State<AppState>, body: Bytes) -> AdminResult {
    let mut obj = body_object(&body)?;
    let repo = match obj.remove("repo") {
        Some(Value::String(r)) if !r.is_empty() => r,
        _ => return Err(bad("repo is required")),
    };
    split_repo(&repo)?;
    let faults: Faults = serde_json::from_value(Value::Object(obj))
        .map_err(|e| bad(format!("invalid faults: {e}")))?;
    state
        .faults
        .set(&repo, faults.clone())
        .map_err(|e| bad(e.to_string()))?;
    Ok(Json(json!({"repo": repo, "faults": faults})).into_response())
}

async fn get_faults(State(state): State<AppState>, RawQuery(raw): RawQuery) -> AdminResult {
    let q = Query::parse(raw.as_deref());
    let repo = q.get("repo").ok_or_else(|| bad("repo is required"))?;
    Ok(Json(json!({"repo": repo, "faults": state.faults.get(repo)})).into_response())
}

async fn clear_faults(State(state): State<AppState>, RawQuery(raw): RawQuery) -> Response {
    let q = Query::parse(raw.as_deref());
    Json(json!({"cleared": state.faults.clear(q.get("repo"))})).into_response()
}

async fn stats(State(state): State<AppState>, RawQuery(raw): RawQuery) -> Response {
    let q = Query::parse(raw.as_deref());
    Json(state.faults.stats(q.get("repo"))).into_response()
}

async fn reset_stats(State(state): State<AppState>, RawQuery(raw): RawQuery) -> Response {
    let q = Query::parse(raw.as_deref());
    state.faults.reset_stats(q.get("repo"));
    Json(json!({"reset": true})).into_response()
}

async fn requests(State(state): State<AppState>, RawQuery(raw): RawQuery) -> Response {
    let q = Query::parse(raw.as_deref());
    Json(state.faults.requests(q.get("repo"))).into_response()
}

async fn reset(State(state): State<AppState>) -> Response {
    {
        let mut w = state.world();
        let base = w.api_base.take();
        *w = World::new();
        w.api_base = base;
    }
    state.faults.clear(None);
    state.faults.reset_stats(None);
    state.faults.reset_token_windows();
    Json(json!({"reset": true})).into_response()
}
