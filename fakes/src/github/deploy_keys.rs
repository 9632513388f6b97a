//! Deploy keys: list, create, get, delete (no update: GitHub replaces a key by delete +
//! create).
//!
//! `key` must be an OpenSSH public key (`ssh-ed25519 AAAA... [comment]`, also `ssh-rsa`,
//! `ecdsa-sha2-nistp256/384/521`, `sk-...`); it is stored and shown without the comment.
//! A key already used as a deploy key anywhere is 422 `key is already in use` (GitHub's rule:
//! one key, one repository). `title` defaults to the comment (or empty); `read_only` to false.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, Uri};
use base64::Engine as _;
use serde_json::{json, Value};

use super::error::{GhError, GhResult};
use super::http::{array_page, 
    body_object, created, host, no_content, ok, Caller, Fields,
};
use super::model::{now, DeployKey, Repo, API};
use super::AppState;
use axum::Extension;

const KEY_TYPES: &[&str] = &[
    "ssh-rsa",
    "ssh-ed25519",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
];

fn key_error(message: &str) -> GhError {
    GhError::validation("PublicKey", "custom", Some("key"), Some(message))
        .docs("https://docs.github.com/rest/deploy-keys/deploy-keys#create-a-deploy-key")
}

/// `(type base64, comment)` of an OpenSSH public key.
pub fn parse_key(raw: &str) -> Result<(String, Option<String>), GhError> {
    let invalid =
        || key_error("key is invalid. You must supply a key in OpenSSH public key format");
    let mut parts = raw.split_whitespace();
    let kind = parts.next().ok_or_else(invalid)?;
    let data = parts.next().ok_or_else(invalid)?;
    if !KEY_TYPES.contains(&kind) {
        return Err(invalid());
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(data)
        .map_err(|_| invalid())?;
    // The blob starts with the key type as an SSH string.
    let declared = decoded
        .get(..4)
        .map(|n| u32::from_be_bytes([n[0], n[1], n[2], n[3]]) as usize)
        .and_then(|n| decoded.get(4..4 + n))
        .ok_or_else(invalid)?;
    if declared != kind.as_bytes() {
        return Err(invalid());
    }
    let comment: Vec<&str> = parts.collect();
    let comment = (!comment.is_empty()).then(|| comment.join(" "));
    Ok((format!("{kind} {data}"), comment))
}

pub fn key_json(repo: &Repo, k: &DeployKey) -> Value {
    json!({
        "id": k.id,
        "key": k.key,
        "url": format!("{API}/repos/{}/keys/{}", repo.full_name(), k.id),
        "title": k.title,
        "verified": true,
        "created_at": k.created_at,
        "read_only": k.read_only,
        "added_by": k.added_by,
        "last_used": null,
        "enabled": true,
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
        r.deploy_keys.values().map(|k| key_json(r, k)).collect()
    };
    Ok(array_page(&state, &headers, &uri, raw.as_deref(), all))
}

pub async fn create(
    State(state): State<AppState>,
    Path((owner, repo)): Path<(String, String)>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    body: Bytes,
) -> GhResult {
    let body = body_object(&body)?;
    let raw = body
        .opt_str("key")?
        .ok_or_else(|| GhError::validation("PublicKey", "missing_field", Some("key"), None))?;
    let (key, comment) = parse_key(&raw)?;
    let title = body.opt_str("title")?.or(comment).unwrap_or_default();
    let read_only = body.opt_bool("read_only")?.unwrap_or(false);
    let mut w = state.world();
    w.repo(&owner, &repo)?;
    if w.repos
        .values()
        .any(|r| r.deploy_keys.values().any(|k| k.key == key))
    {
        return Err(key_error("key is already in use"));
    }
    let id = w.alloc_id();
    let base = w.link_base(host(&headers).as_deref());
    let r = w.repo_mut(&owner, &repo)?;
    let k = DeployKey {
        id,
        key,
        title,
        read_only,
        created_at: now(),
        added_by: caller.login,
    };
    let json = key_json(r, &k);
    let location = format!("{base}/repos/{}/keys/{id}", r.full_name());
    r.deploy_keys.insert(id, k);
    Ok(created(Some(location), json))
}

pub async fn get(
    State(state): State<AppState>,
    Path((owner, repo, raw_id)): Path<(String, String, String)>,
) -> GhResult {
    let id: u64 = raw_id.parse().map_err(|_| GhError::not_found())?;
    let w = state.world();
    let r = w.repo(&owner, &repo)?;
    let k = r.deploy_keys.get(&id).ok_or_else(GhError::not_found)?;
    Ok(ok(key_json(r, k)))
}

pub async fn delete(
    State(state): State<AppState>,
    Path((owner, repo, raw_id)): Path<(String, String, String)>,
) -> GhResult {
    let id: u64 = raw_id.parse().map_err(|_| GhError::not_found())?;
    let mut w = state.world();
    let r = w.repo_mut(&owner, &repo)?;
    r.deploy_keys
        .shift_remove(&id)
        .ok_or_else(GhError::not_found)?;
    Ok(no_content())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_must_be_openssh() {
        let blob = {
            let mut b = vec![0, 0, 0, 11];
            b.extend_from_slice(b"ssh-ed25519");
            b.extend_from_slice(&[0, 0, 0, 32]);
            b.extend_from_slice(&[7u8; 32]);
            base64::engine::general_purpose::STANDARD.encode(b)
        };
        let (key, comment) = parse_key(&format!("ssh-ed25519 {blob} ci@infra")).unwrap();
        assert_eq!(key, format!("ssh-ed25519 {blob}"));
        assert_eq!(comment.as_deref(), Some("ci@infra"));
        assert!(parse_key(&format!("ssh-rsa {blob}")).is_err());
        assert!(parse_key("not a key").is_err());
    }
}
