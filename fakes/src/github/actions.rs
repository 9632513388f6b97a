//! Actions secrets and variables, of a repository and of its environments.
//!
//! Secrets are real libsodium sealed boxes: every repository and every environment has an
//! X25519 key pair; `public-key` gives `{key_id, key}` (base64 of the public key). A PUT must
//! name the current `key_id` and carry a base64 `encrypted_value` that the private key opens
//! (`crypto_box` sealed box), else 422; the plaintext is stored so that tests can read what the
//! client sent (`GET /__fake/secrets`). PUT answers 201 `{}` when it creates, 204 when it
//! updates. Reads show only `name`, `created_at`, `updated_at`.
//!
//! Names (secrets and variables): letters, digits and `_`, not starting with a digit or with
//! `GITHUB_`; case-insensitive, stored and shown in upper case (as GitHub does). Values: at most
//! 48 KB. A second variable of the same name is 409 `Already exists - Variable already exists`.
//! Lists: `{total_count, secrets|variables}` with `Link` pagination (secrets: `per_page` 30, at
//! most 100; variables: 10, at most 30).

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use base64::Engine as _;
use serde_json::{json, Value};

use super::error::{GhError, GhResult};
use super::http::{body_object, created, list_response, no_content, ok, Fields, Page};
use super::model::{now, Secret, Variable};
use super::AppState;
use crate::cloudflare::envelope::Query;

/// GitHub's limit on a secret or variable value.
pub const MAX_VALUE_BYTES: usize = 48 * 1024;

/// The stored form of a secret or variable name, or the 422 for an invalid one.
pub fn check_name(name: &str, what: &str) -> Result<String, GhError> {
    let upper = name.to_ascii_uppercase();
    let valid = !upper.is_empty()
        && upper.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !upper.starts_with(|c: char| c.is_ascii_digit())
        && !upper.starts_with("GITHUB_");
    if valid {
        Ok(upper)
    } else {
        Err(GhError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("Failed to add {what}. {} names can only contain alphanumeric characters ([a-z], [A-Z], [0-9]) or underscores (_). Spaces are not allowed. Must start with a letter ([a-z], [A-Z]) or underscores (_). Must not start with GITHUB_.", capitalize(what)),
        ))
    }
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

fn secret_json(s: &Secret) -> Value {
    json!({"name": s.name, "created_at": s.created_at, "updated_at": s.updated_at})
}

fn variable_json(v: &Variable) -> Value {
    json!({"name": v.name, "value": v.value, "created_at": v.created_at, "updated_at": v.updated_at})
}

fn public_key(state: &AppState, owner: &str, repo: &str, env: Option<&str>) -> GhResult {
    let w = state.world();
    let scope = w.repo(owner, repo)?.actions(env)?;
    Ok(ok(
        json!({"key_id": scope.key.key_id, "key": scope.key.public_b64}),
    ))
}

#[allow(clippy::too_many_arguments)]
fn list_secrets(
    state: &AppState,
    owner: &str,
    repo: &str,
    env: Option<&str>,
    raw: Option<&str>,
    headers: &HeaderMap,
    uri: &Uri,
) -> GhResult {
    let all: Vec<Value> = {
        let w = state.world();
        let scope = w.repo(owner, repo)?.actions(env)?;
        scope.secrets.values().map(secret_json).collect()
    };
    let page = Page::from_query(&Query::parse(raw), 30, 100);
    Ok(list_response(
        state,
        headers,
        uri,
        page,
        all,
        |items, total| json!({"total_count": total, "secrets": items}),
    ))
}

fn get_secret(
    state: &AppState,
    owner: &str,
    repo: &str,
    env: Option<&str>,
    name: &str,
) -> GhResult {
    let w = state.world();
    let scope = w.repo(owner, repo)?.actions(env)?;
    let s = scope
        .secrets
        .get(&name.to_ascii_uppercase())
        .ok_or_else(GhError::not_found)?;
    Ok(ok(secret_json(s)))
}

/// Opens a sealed box sent to `key`.
pub fn open_sealed(
    key: &super::model::KeyPair,
    key_id: &str,
    encrypted_value: &str,
) -> Result<Vec<u8>, GhError> {
    if key_id != key.key_id {
        return Err(GhError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Bad request - key_id is not valid. Fetch the current public key and encrypt with it.",
        ));
    }
    let sealed = base64::engine::general_purpose::STANDARD
        .decode(encrypted_value.trim())
        .map_err(|_| {
            GhError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Bad request - encrypted_value is not valid base64.",
            )
        })?;
    key.secret.unseal(&sealed).map_err(|_| {
        GhError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Bad request - encrypted_value could not be decrypted with the public key of key_id.",
        )
    })
}

fn put_secret(
    state: &AppState,
    owner: &str,
    repo: &str,
    env: Option<&str>,
    name: &str,
    body: &Bytes,
) -> GhResult {
    let body = body_object(body)?;
    let name = check_name(name, "secret")?;
    let encrypted = body.opt_str("encrypted_value")?.ok_or_else(|| {
        GhError::validation("Secret", "missing_field", Some("encrypted_value"), None)
    })?;
    let key_id = body
        .opt_str("key_id")?
        .ok_or_else(|| GhError::validation("Secret", "missing_field", Some("key_id"), None))?;
    let mut w = state.world();
    let scope = w.repo_mut(owner, repo)?.actions_mut(env)?;
    let plaintext = open_sealed(&scope.key, &key_id, &encrypted)?;
    if plaintext.len() > MAX_VALUE_BYTES {
        return Err(GhError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Secret value is too large (maximum is 48 KB).",
        ));
    }
    let now = now();
    match scope.secrets.get_mut(&name) {
        Some(existing) => {
            existing.plaintext = plaintext;
            existing.updated_at = now;
            Ok(no_content())
        }
        None => {
            scope.secrets.insert(
                name.clone(),
                Secret {
                    name,
                    plaintext,
                    created_at: now.clone(),
                    updated_at: now,
                },
            );
            Ok(created(None, json!({})))
        }
    }
}

fn delete_secret(
    state: &AppState,
    owner: &str,
    repo: &str,
    env: Option<&str>,
    name: &str,
) -> GhResult {
    let mut w = state.world();
    let scope = w.repo_mut(owner, repo)?.actions_mut(env)?;
    scope
        .secrets
        .shift_remove(&name.to_ascii_uppercase())
        .ok_or_else(GhError::not_found)?;
    Ok(no_content())
}

fn list_variables(
    state: &AppState,
    owner: &str,
    repo: &str,
    env: Option<&str>,
    raw: Option<&str>,
    headers: &HeaderMap,
    uri: &Uri,
) -> GhResult {
    let all: Vec<Value> = {
        let w = state.world();
        let scope = w.repo(owner, repo)?.actions(env)?;
        scope.variables.values().map(variable_json).collect()
    };
    let page = Page::from_query(&Query::parse(raw), 10, 30);
    Ok(list_response(
        state,
        headers,
        uri,
        page,
        all,
        |items, total| json!({"total_count": total, "variables": items}),
    ))
}

fn variable_value(value: String) -> Result<String, GhError> {
    if value.len() > MAX_VALUE_BYTES {
        return Err(GhError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Variable value is too large (maximum is 48 KB).",
        ));
    }
    Ok(value)
}

fn already_exists() -> GhError {
    GhError::conflict("Already exists - Variable already exists")
        .docs("https://docs.github.com/rest/actions/variables#create-a-repository-variable")
}

fn create_variable(
    state: &AppState,
    owner: &str,
    repo: &str,
    env: Option<&str>,
    body: &Bytes,
) -> GhResult {
    let body = body_object(body)?;
    let name = body
        .opt_str("name")?
        .ok_or_else(|| GhError::validation("Variable", "missing_field", Some("name"), None))?;
    let value = body
        .opt_str("value")?
        .ok_or_else(|| GhError::validation("Variable", "missing_field", Some("value"), None))?;
    let name = check_name(&name, "variable")?;
    let value = variable_value(value)?;
    let mut w = state.world();
    let scope = w.repo_mut(owner, repo)?.actions_mut(env)?;
    if scope.variables.contains_key(&name) {
        return Err(already_exists());
    }
    let now = now();
    scope.variables.insert(
        name.clone(),
        Variable {
            name,
            value,
            created_at: now.clone(),
            updated_at: now,
        },
    );
    Ok(created(None, json!({})))
}

fn get_variable(
    state: &AppState,
    owner: &str,
    repo: &str,
    env: Option<&str>,
    name: &str,
) -> GhResult {
    let w = state.world();
    let scope = w.repo(owner, repo)?.actions(env)?;
    let v = scope
        .variables
        .get(&name.to_ascii_uppercase())
        .ok_or_else(GhError::not_found)?;
    Ok(ok(variable_json(v)))
}

fn update_variable(
    state: &AppState,
    owner: &str,
    repo: &str,
    env: Option<&str>,
    name: &str,
    body: &Bytes,
) -> GhResult {
    let body = body_object(body)?;
    let new_name = match body.opt_str("name")? {
        Some(n) => Some(check_name(&n, "variable")?),
        None => None,
    };
    let value = match body.opt_str("value")? {
        Some(v) => Some(variable_value(v)?),
        None => None,
    };
    let mut w = state.world();
    let scope = w.repo_mut(owner, repo)?.actions_mut(env)?;
    let key = name.to_ascii_uppercase();
    let mut v = scope
        .variables
        .get(&key)
        .cloned()
        .ok_or_else(GhError::not_found)?;
    if let Some(new_name) = &new_name {
        if *new_name != key && scope.variables.contains_key(new_name) {
            return Err(already_exists());
        }
        v.name = new_name.clone();
    }
    if let Some(value) = value {
        v.value = value;
    }
    v.updated_at = now();
    match new_name.filter(|n| *n != key) {
        Some(n) => {
            scope.variables.shift_remove(&key);
            scope.variables.insert(n, v);
        }
        None => {
            scope.variables.insert(key, v);
        }
    }
    Ok(no_content())
}

fn delete_variable(
    state: &AppState,
    owner: &str,
    repo: &str,
    env: Option<&str>,
    name: &str,
) -> GhResult {
    let mut w = state.world();
    let scope = w.repo_mut(owner, repo)?.actions_mut(env)?;
    scope
        .variables
        .shift_remove(&name.to_ascii_uppercase())
        .ok_or_else(GhError::not_found)?;
    Ok(no_content())
}

type P2 = Path<(String, String)>;
type P3 = Path<(String, String, String)>;
type P4 = Path<(String, String, String, String)>;

pub async fn repo_public_key(State(s): State<AppState>, Path((o, r)): P2) -> GhResult {
    public_key(&s, &o, &r, None)
}

pub async fn env_public_key(State(s): State<AppState>, Path((o, r, e)): P3) -> GhResult {
    public_key(&s, &o, &r, Some(&e))
}

pub async fn repo_list_secrets(
    State(s): State<AppState>,
    Path((o, r)): P2,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
    uri: Uri,
) -> GhResult {
    list_secrets(&s, &o, &r, None, q.as_deref(), &headers, &uri)
}

pub async fn env_list_secrets(
    State(s): State<AppState>,
    Path((o, r, e)): P3,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
    uri: Uri,
) -> GhResult {
    list_secrets(&s, &o, &r, Some(&e), q.as_deref(), &headers, &uri)
}

pub async fn repo_get_secret(State(s): State<AppState>, Path((o, r, n)): P3) -> GhResult {
    get_secret(&s, &o, &r, None, &n)
}

pub async fn env_get_secret(State(s): State<AppState>, Path((o, r, e, n)): P4) -> GhResult {
    get_secret(&s, &o, &r, Some(&e), &n)
}

pub async fn repo_put_secret(
    State(s): State<AppState>,
    Path((o, r, n)): P3,
    body: Bytes,
) -> GhResult {
    put_secret(&s, &o, &r, None, &n, &body)
}

pub async fn env_put_secret(
    State(s): State<AppState>,
    Path((o, r, e, n)): P4,
    body: Bytes,
) -> GhResult {
    put_secret(&s, &o, &r, Some(&e), &n, &body)
}

pub async fn repo_delete_secret(State(s): State<AppState>, Path((o, r, n)): P3) -> GhResult {
    delete_secret(&s, &o, &r, None, &n)
}

pub async fn env_delete_secret(State(s): State<AppState>, Path((o, r, e, n)): P4) -> GhResult {
    delete_secret(&s, &o, &r, Some(&e), &n)
}

pub async fn repo_list_variables(
    State(s): State<AppState>,
    Path((o, r)): P2,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
    uri: Uri,
) -> GhResult {
    list_variables(&s, &o, &r, None, q.as_deref(), &headers, &uri)
}

pub async fn env_list_variables(
    State(s): State<AppState>,
    Path((o, r, e)): P3,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
    uri: Uri,
) -> GhResult {
    list_variables(&s, &o, &r, Some(&e), q.as_deref(), &headers, &uri)
}

pub async fn repo_create_variable(
    State(s): State<AppState>,
    Path((o, r)): P2,
    body: Bytes,
) -> GhResult {
    create_variable(&s, &o, &r, None, &body)
}

pub async fn env_create_variable(
    State(s): State<AppState>,
    Path((o, r, e)): P3,
    body: Bytes,
) -> GhResult {
    create_variable(&s, &o, &r, Some(&e), &body)
}

pub async fn repo_get_variable(State(s): State<AppState>, Path((o, r, n)): P3) -> GhResult {
    get_variable(&s, &o, &r, None, &n)
}

pub async fn env_get_variable(State(s): State<AppState>, Path((o, r, e, n)): P4) -> GhResult {
    get_variable(&s, &o, &r, Some(&e), &n)
}

pub async fn repo_update_variable(
    State(s): State<AppState>,
    Path((o, r, n)): P3,
    body: Bytes,
) -> GhResult {
    update_variable(&s, &o, &r, None, &n, &body)
}

pub async fn env_update_variable(
    State(s): State<AppState>,
    Path((o, r, e, n)): P4,
    body: Bytes,
) -> GhResult {
    update_variable(&s, &o, &r, Some(&e), &n, &body)
}

pub async fn repo_delete_variable(State(s): State<AppState>, Path((o, r, n)): P3) -> GhResult {
    delete_variable(&s, &o, &r, None, &n)
}

pub async fn env_delete_variable(State(s): State<AppState>, Path((o, r, e, n)): P4) -> GhResult {
    delete_variable(&s, &o, &r, Some(&e), &n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_githubs_rules() {
        assert_eq!(check_name("my_secret", "secret").unwrap(), "MY_SECRET");
        assert!(check_name("1ABC", "secret").is_err());
        assert!(check_name("GITHUB_TOKEN", "secret").is_err());
        assert!(check_name("a b", "variable").is_err());
        assert!(check_name("", "variable").is_err());
    }
}
