//! Repositories: create (in an organization or for the caller), get, update (including
//! rename, visibility, merge settings, archiving, `security_and_analysis`), delete.
//!
//! Rules, as on GitHub:
//! - Names keep ASCII letters, digits, `.`, `-`, `_`; other characters become `-`. A name the
//!   owner already has is 422 `Repository creation failed.` / `name already exists on this
//!   account`. Names are case-insensitive.
//! - A rename leaves the former name redirecting: `301` for GET, `307` otherwise, to the same
//!   path under the new name (GitHub's `Location` is `/repositories/{id}`; the fake's names
//!   the new path so that the redirect goes through Prism too).
//! - `auto_init`, `gitignore_template` or `license_template` create the default branch `main`
//!   (branch protection needs an existing branch); a repository created without them is empty.
//! - `default_branch` must name an existing branch (422 otherwise).
//! - `private` and `visibility` are one setting; contradicting values are 422.
//! - Merge commit settings must be one of GitHub's combinations: squash title
//!   `COMMIT_OR_PR_TITLE` only with message `COMMIT_MESSAGES`; merge title `MERGE_MESSAGE` only
//!   with message `PR_TITLE`; title `PR_TITLE` with any message but (for merges) `PR_TITLE`.
//! - An archived repository refuses every change but unarchiving (403 `Repository was
//!   archived so is read-only.`).
//! - `topics` are not changed by this endpoint but by `PUT .../topics` (lower case, at most
//!   20, letters, digits and `-`). Dependabot alerts: `GET`/`PUT`/`DELETE
//!   .../vulnerability-alerts` (off on a new repository).
//! - `POST /repos/{template_owner}/{template_repo}/generate` creates from a template (the
//!   template must be `is_template`: the admin API sets it); `POST .../forks` forks (`fork`,
//!   `parent`, `source` in the answer), answering 202.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Extension;
use serde_json::{json, Map, Value};

use super::error::{GhError, GhResult};
use super::http::{body_object, created, host, json_response, no_content, ok, Caller, Fields};
use super::model::{normalize_repo_name, AccountKind, Repo, World};
use super::render::repo_json;
use super::AppState;

const BOOL_SETTINGS: &[&str] = &[
    "private",
    "has_issues",
    "has_projects",
    "has_wiki",
    "has_downloads",
    "has_discussions",
    "has_pull_requests",
    "is_template",
    "archived",
    "allow_squash_merge",
    "allow_merge_commit",
    "allow_rebase_merge",
    "allow_auto_merge",
    "delete_branch_on_merge",
    "allow_update_branch",
    "use_squash_pr_title_as_default",
    "allow_forking",
    "web_commit_signoff_required",
];

const ENUM_SETTINGS: &[(&str, &[&str])] = &[
    ("visibility", &["public", "private"]),
    (
        "squash_merge_commit_title",
        &["PR_TITLE", "COMMIT_OR_PR_TITLE"],
    ),
    (
        "squash_merge_commit_message",
        &["PR_BODY", "COMMIT_MESSAGES", "BLANK"],
    ),
    ("merge_commit_title", &["PR_TITLE", "MERGE_MESSAGE"]),
    ("merge_commit_message", &["PR_BODY", "PR_TITLE", "BLANK"]),
    (
        "pull_request_creation_policy",
        &["all", "collaborators_only"],
    ),
];

const SECURITY_FEATURES: &[&str] = &[
    "advanced_security",
    "code_security",
    "dependabot_security_updates",
    "secret_scanning",
    "secret_scanning_push_protection",
    "secret_scanning_non_provider_patterns",
    "secret_scanning_ai_detection",
    "secret_scanning_delegated_alert_dismissal",
    "secret_scanning_delegated_bypass",
];

/// Copies the settings of a create or update body into the repository.
fn apply_settings(repo: &mut Repo, body: &Map<String, Value>) -> Result<(), GhError> {
    for key in BOOL_SETTINGS {
        if let Some(b) = body.opt_bool(key)? {
            repo.settings.insert((*key).into(), json!(b));
        }
    }
    for (key, allowed) in ENUM_SETTINGS {
        if let Some(v) = body.opt_str(key)? {
            if !allowed.contains(&v.as_str()) {
                return Err(GhError::validation(
                    "Repository",
                    "invalid",
                    Some(key),
                    Some(&format!("{key} must be one of: {}", allowed.join(", "))),
                ));
            }
            repo.settings.insert((*key).into(), json!(v));
        }
    }
    for key in ["description", "homepage"] {
        if body.contains_key(key) {
            let v = body.opt_str(key)?;
            let v = v.filter(|s| !s.is_empty());
            repo.settings.insert(key.into(), json!(v));
        }
    }
    if let Some(props) = body.get("custom_properties") {
        if !props.is_object() {
            return Err(GhError::invalid(
                "For 'properties/custom_properties', it is not an object.",
            ));
        }
        repo.settings
            .insert("custom_properties".into(), props.clone());
    }
    // `private` and `visibility` are one setting.
    match (body.opt_bool("private")?, body.opt_str("visibility")?) {
        (Some(p), Some(v)) if p != (v == "private") => {
            return Err(GhError::validation(
                "Repository",
                "invalid",
                Some("visibility"),
                Some("visibility and private disagree"),
            ))
        }
        (_, Some(v)) => {
            repo.settings
                .insert("private".into(), json!(v == "private"));
        }
        (Some(p), None) => {
            repo.settings.insert(
                "visibility".into(),
                json!(if p { "private" } else { "public" }),
            );
        }
        (None, None) => {}
    }
    let pair = |a: &str, b: &str| {
        (
            repo.setting_str(a).unwrap_or_default().to_string(),
            repo.setting_str(b).unwrap_or_default().to_string(),
        )
    };
    let (title, message) = pair("squash_merge_commit_title", "squash_merge_commit_message");
    if title == "COMMIT_OR_PR_TITLE" && message != "COMMIT_MESSAGES" {
        return Err(GhError::validation(
            "Repository",
            "custom",
            Some("squash_merge_commit_message"),
            Some("squash_merge_commit_message must be COMMIT_MESSAGES when squash_merge_commit_title is COMMIT_OR_PR_TITLE"),
        ));
    }
    let (title, message) = pair("merge_commit_title", "merge_commit_message");
    if (title == "MERGE_MESSAGE" && message != "PR_TITLE")
        || (title == "PR_TITLE" && message == "PR_TITLE")
    {
        return Err(GhError::validation(
            "Repository",
            "custom",
            Some("merge_commit_message"),
            Some("merge_commit_message must be PR_TITLE when merge_commit_title is MERGE_MESSAGE, and PR_BODY or BLANK when it is PR_TITLE"),
        ));
    }
    Ok(())
}

fn apply_security(repo: &mut Repo, value: &Value) -> Result<(), GhError> {
    let Some(obj) = value.as_object() else {
        return Ok(());
    };
    let mut current = repo
        .settings
        .get("security_and_analysis")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    for (feature, setting) in obj {
        if feature == "secret_scanning_delegated_bypass_options" {
            current.insert(feature.clone(), setting.clone());
            continue;
        }
        if !SECURITY_FEATURES.contains(&feature.as_str()) {
            continue;
        }
        let status = setting.get("status").and_then(Value::as_str);
        match status {
            Some(s @ ("enabled" | "disabled")) => {
                current.insert(feature.clone(), json!({ "status": s }));
            }
            _ => {
                return Err(GhError::validation(
                    "Repository",
                    "invalid",
                    Some(&format!("security_and_analysis.{feature}.status")),
                    Some("status must be enabled or disabled"),
                ))
            }
        }
    }
    repo.settings
        .insert("security_and_analysis".into(), Value::Object(current));
    Ok(())
}

const LICENSES: &[(&str, &str, &str)] = &[
    ("mit", "MIT License", "MIT"),
    ("apache-2.0", "Apache License 2.0", "Apache-2.0"),
    ("mpl-2.0", "Mozilla Public License 2.0", "MPL-2.0"),
    ("gpl-3.0", "GNU General Public License v3.0", "GPL-3.0"),
    (
        "bsd-3-clause",
        "BSD 3-Clause \"New\" or \"Revised\" License",
        "BSD-3-Clause",
    ),
    ("unlicense", "The Unlicense", "Unlicense"),
];

fn license_json(key: &str) -> Value {
    let key = key.to_ascii_lowercase();
    let (name, spdx) = LICENSES
        .iter()
        .find(|(k, _, _)| *k == key)
        .map(|(_, n, s)| (n.to_string(), s.to_string()))
        .unwrap_or_else(|| (key.to_uppercase(), "NOASSERTION".to_string()));
    json!({
        "key": key,
        "name": name,
        "spdx_id": spdx,
        "url": format!("{}/licenses/{key}", super::model::API),
        "node_id": format!("MDc6TGljZW5zZ{}", key.len()),
    })
}

/// Creates a repository for `owner` from a create body; the repository's JSON.
pub fn create_repo(
    w: &mut World,
    owner: &str,
    body: &Map<String, Value>,
    org: bool,
) -> Result<(String, Value), GhError> {
    let raw = body.opt_str("name")?.unwrap_or_default();
    if raw.trim().is_empty() {
        let mut e = GhError::validation("Repository", "missing_field", Some("name"), None);
        e.message = "Repository creation failed.".into();
        return Err(e);
    }
    let name = normalize_repo_name(&raw).ok_or_else(|| {
        let mut e = GhError::validation(
            "Repository",
            "custom",
            Some("name"),
            Some("name is invalid"),
        );
        e.message = "Repository creation failed.".into();
        e
    })?;
    let owner_login = w
        .account(owner)
        .map(|a| a.login.clone())
        .ok_or_else(GhError::not_found)?;
    if w.repo_id(&owner_login, &name).is_some() {
        let mut e = GhError::validation(
            "Repository",
            "custom",
            Some("name"),
            Some("name already exists on this account"),
        );
        e.message = "Repository creation failed.".into();
        return Err(e);
    }
    let mut repo = w.new_repo(&owner_login, &name);
    apply_settings(&mut repo, body)?;
    let license = body.opt_str("license_template")?;
    let init = body.opt_bool("auto_init")?.unwrap_or(false)
        || body.opt_str("gitignore_template")?.is_some()
        || license.is_some();
    if init {
        repo.branches.insert(repo.default_branch());
    }
    if let Some(license) = license {
        repo.settings
            .insert("license".into(), license_json(&license));
    }
    let team = match body.opt_u64("team_id")? {
        Some(team_id) if org => {
            let owner_key = owner_login.to_ascii_lowercase();
            match w.teams.get(&team_id) {
                Some(t) if t.org == owner_key => Some(team_id),
                _ => {
                    return Err(GhError::validation(
                        "Repository",
                        "invalid",
                        Some("team_id"),
                        None,
                    ))
                }
            }
        }
        _ => None,
    };
    let id = repo.id;
    let full = repo.full_name();
    w.insert_repo(repo);
    if let Some(team_id) = team {
        if let Some(t) = w.teams.get_mut(&team_id) {
            t.repos.insert(id, "pull".into());
        }
    }
    let repo = &w.repos[&id];
    Ok((full, repo_json(w, repo)))
}

pub async fn create_in_org(
    State(state): State<AppState>,
    Path(org): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> GhResult {
    let body = body_object(&body)?;
    let mut w = state.world();
    match w.account(&org) {
        Some(a) if a.kind == AccountKind::Organization => {}
        _ => return Err(GhError::not_found()),
    }
    let (full, json) = create_repo(&mut w, &org, &body, true)?;
    let base = w.link_base(host(&headers).as_deref());
    Ok(created(Some(format!("{base}/repos/{full}")), json))
}

pub async fn create_for_user(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    body: Bytes,
) -> GhResult {
    let body = body_object(&body)?;
    let mut w = state.world();
    let (full, json) = create_repo(&mut w, &caller.login, &body, false)?;
    let base = w.link_base(host(&headers).as_deref());
    Ok(created(Some(format!("{base}/repos/{full}")), json))
}

pub async fn get(
    State(state): State<AppState>,
    Path((owner, repo)): Path<(String, String)>,
) -> GhResult {
    let w = state.world();
    let r = w.repo(&owner, &repo)?;
    Ok(ok(repo_json(&w, r)))
}

pub async fn update(
    State(state): State<AppState>,
    Path((owner, repo)): Path<(String, String)>,
    body: Bytes,
) -> GhResult {
    let body = body_object(&body)?;
    let mut w = state.world();
    let id = w.repo_id(&owner, &repo).ok_or_else(GhError::not_found)?;
    let mut r = w.repos[&id].clone();
    if r.setting_bool("archived") && body.opt_bool("archived")? != Some(false) {
        return Err(GhError::new(
            StatusCode::FORBIDDEN,
            "Repository was archived so is read-only.",
        ));
    }
    apply_settings(&mut r, &body)?;
    if let Some(sa) = body.get("security_and_analysis") {
        apply_security(&mut r, sa)?;
    }
    if let Some(branch) = body.opt_str("default_branch")? {
        if branch != r.default_branch() && !r.branches.contains(&branch) {
            return Err(GhError::validation(
                "Repository",
                "invalid",
                Some("default_branch"),
                Some(&format!("The branch {branch} was not found. Please push that ref first or create it via the Git Data API.")),
            ));
        }
        r.settings.insert("default_branch".into(), json!(branch));
    }
    let old_key = r.key();
    if let Some(raw) = body.opt_str("name")? {
        let name = normalize_repo_name(&raw).ok_or_else(|| {
            GhError::validation(
                "Repository",
                "custom",
                Some("name"),
                Some("name is invalid"),
            )
        })?;
        if name != r.name {
            if let Some(other) = w.repo_id(&r.owner, &name) {
                if other != id {
                    return Err(GhError::validation(
                        "Repository",
                        "custom",
                        Some("name"),
                        Some("name already exists on this account"),
                    ));
                }
            }
            r.name = name;
        }
    }
    r.updated_at = super::model::now();
    let new_key = r.key();
    if new_key != old_key {
        w.names.remove(&old_key);
        w.names.insert(new_key.clone(), id);
        w.renamed.remove(&new_key);
        w.renamed.insert(old_key, id);
    }
    w.repos.insert(id, r);
    let r = &w.repos[&id];
    Ok(ok(repo_json(&w, r)))
}

pub async fn delete(
    State(state): State<AppState>,
    Path((owner, repo)): Path<(String, String)>,
) -> GhResult {
    let mut w = state.world();
    let id = w.repo_id(&owner, &repo).ok_or_else(GhError::not_found)?;
    w.remove_repo(id);
    Ok(no_content())
}

/// Whether a topic is one GitHub accepts: lowercase letters, digits and `-`, starting with a
/// letter or digit, at most 50 characters.
fn valid_topic(t: &str) -> bool {
    !t.is_empty()
        && t.len() <= 50
        && t.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !t.starts_with('-')
}

/// `GET /repos/{owner}/{repo}/topics`: `{"names": [...]}`.
pub async fn get_topics(
    State(state): State<AppState>,
    Path((owner, repo)): Path<(String, String)>,
) -> GhResult {
    let w = state.world();
    let r = w.repo(&owner, &repo)?;
    Ok(ok(
        json!({"names": r.settings.get("topics").cloned().unwrap_or(json!([]))}),
    ))
}

/// `PUT /repos/{owner}/{repo}/topics` `{"names"}`: replaces the topics (saved in lower case,
/// without duplicates; at most 20, each valid, else 422 with string errors).
pub async fn put_topics(
    State(state): State<AppState>,
    Path((owner, repo)): Path<(String, String)>,
    body: Bytes,
) -> GhResult {
    let body = body_object(&body)?;
    let names = body
        .opt_str_list("names")?
        .ok_or_else(|| GhError::invalid("\"names\" wasn't supplied."))?;
    let mut topics: Vec<String> = Vec::new();
    for n in names {
        let t = n.trim().to_ascii_lowercase();
        if !valid_topic(&t) {
            return Err(GhError::validation_simple([format!(
                "{t:?} is not a valid topic. Topics must start with a lowercase letter or number, consist of 50 characters or less, and can include hyphens."
            )]));
        }
        if !topics.contains(&t) {
            topics.push(t);
        }
    }
    if topics.len() > 20 {
        return Err(GhError::validation_simple([
            "A repository cannot have more than 20 topics.".to_string(),
        ]));
    }
    let mut w = state.world();
    let r = w.repo_mut(&owner, &repo)?;
    if r.setting_bool("archived") {
        return Err(GhError::new(
            StatusCode::FORBIDDEN,
            "Repository was archived so is read-only.",
        ));
    }
    r.settings.insert("topics".into(), json!(topics));
    r.updated_at = super::model::now();
    Ok(ok(json!({ "names": topics })))
}

/// `GET`/`PUT`/`DELETE /repos/{owner}/{repo}/vulnerability-alerts`: whether Dependabot alerts
/// are on (204 on, 404 off), turn them on, turn them off (204).
pub async fn vulnerability_alerts(
    State(state): State<AppState>,
    method: axum::http::Method,
    Path((owner, repo)): Path<(String, String)>,
) -> GhResult {
    let mut w = state.world();
    let r = w.repo_mut(&owner, &repo)?;
    if method == axum::http::Method::GET {
        return if r.vulnerability_alerts {
            Ok(no_content())
        } else {
            Err(GhError::not_found())
        };
    }
    r.vulnerability_alerts = method == axum::http::Method::PUT;
    Ok(no_content())
}

/// `POST /repos/{template_owner}/{template_repo}/generate`: a new repository from a template
/// (`is_template`, else 422), for `owner` (default: the caller) with `name`, `description`,
/// `private`; it gets the template's default branch, and all its branches with
/// `include_all_branches`. 201 with the new repository.
pub async fn generate(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((template_owner, template_repo)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> GhResult {
    let body = body_object(&body)?;
    let mut w = state.world();
    let template = w.repo(&template_owner, &template_repo)?.clone();
    if !template.setting_bool("is_template") {
        return Err(GhError::validation(
            "Repository",
            "custom",
            Some("template_repo"),
            Some(&format!(
                "{} is not a template repository",
                template.full_name()
            )),
        ));
    }
    let owner = body.opt_str("owner")?.unwrap_or(caller.login.clone());
    let org = w
        .account(&owner)
        .map(|a| a.kind == AccountKind::Organization)
        .ok_or_else(|| {
            GhError::validation(
                "Repository",
                "invalid",
                Some("owner"),
                Some("owner does not exist"),
            )
        })?;
    let mut create = Map::new();
    for k in ["name", "description", "private"] {
        if let Some(v) = body.get(k) {
            create.insert(k.into(), v.clone());
        }
    }
    let (full, _) = create_repo(&mut w, &owner, &create, org)?;
    let (o, n) = full.split_once('/').unwrap_or_default();
    let (o, n) = (o.to_string(), n.to_string());
    let r = w.repo_mut(&o, &n)?;
    let default = template.default_branch();
    r.settings.insert("default_branch".into(), json!(default));
    r.branches.insert(default);
    if body.opt_bool("include_all_branches")?.unwrap_or(false) {
        r.branches.extend(template.branches.iter().cloned());
    }
    let r = w.repo(&o, &n)?;
    let json = repo_json(&w, r);
    let base = w.link_base(host(&headers).as_deref());
    Ok(created(Some(format!("{base}/repos/{full}")), json))
}

/// `POST /repos/{owner}/{repo}/forks` `{organization?, name?, default_branch_only?}`: a fork
/// for the organization or the caller (`fork: true`, `parent` and `source` set, the source's
/// branches, or only its default branch). 202 with the fork; forking again into the same
/// account answers the existing fork.
pub async fn fork(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((owner, repo)): Path<(String, String)>,
    body: Bytes,
) -> GhResult {
    let body = body_object(&body)?;
    let mut w = state.world();
    let source = w.repo(&owner, &repo)?.clone();
    let (target, org) = match body.opt_str("organization")? {
        Some(o) => match w.account(&o) {
            Some(a) if a.kind == AccountKind::Organization => (a.login.clone(), true),
            _ => {
                return Err(GhError::validation(
                    "Fork",
                    "invalid",
                    Some("organization"),
                    Some("organization does not exist"),
                ))
            }
        },
        None => (caller.login.clone(), false),
    };
    let name = body.opt_str("name")?.unwrap_or_else(|| source.name.clone());
    let respond =
        |w: &World, id: u64| json_response(StatusCode::ACCEPTED, &repo_json(w, &w.repos[&id]));
    if let Some(id) = w.repo_id(&target, &name) {
        if w.repos[&id]
            .settings
            .get("source")
            .and_then(|s| s.get("id"))
            == Some(&json!(source.id))
        {
            return Ok(respond(&w, id));
        }
    }
    let mut create = Map::new();
    create.insert("name".into(), json!(name));
    for k in ["description", "homepage", "private", "visibility"] {
        if let Some(v) = source.settings.get(k).filter(|v| !v.is_null()) {
            create.insert(k.into(), v.clone());
        }
    }
    let (full, _) = create_repo(&mut w, &target, &create, org)?;
    let origin = match source.settings.get("source") {
        Some(s) if !s.is_null() => s.clone(),
        _ => repo_json(&w, &source),
    };
    let parent = repo_json(&w, &source);
    let (o, n) = full.split_once('/').unwrap_or_default();
    let (o, n) = (o.to_string(), n.to_string());
    let r = w.repo_mut(&o, &n)?;
    r.settings.insert("fork".into(), json!(true));
    r.settings.insert("parent".into(), parent);
    r.settings.insert("source".into(), origin);
    let default = source.default_branch();
    r.settings.insert("default_branch".into(), json!(default));
    r.branches.insert(default);
    if !body.opt_bool("default_branch_only")?.unwrap_or(false) {
        r.branches.extend(source.branches.iter().cloned());
    }
    let id = r.id;
    Ok(respond(&w, id))
}
