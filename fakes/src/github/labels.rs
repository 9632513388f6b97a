//! Repository labels and the labels of issues and pull requests (which share the issue
//! numbers): `GET`/`POST /repos/{owner}/{repo}/labels`, `GET .../labels/{name}`, and `GET`/`POST
//! .../issues/{number}/labels`, `DELETE .../issues/{number}/labels/{name}`.
//!
//! As on GitHub: label names match case-insensitively; adding a label that the repository does
//! not have creates it (colour `ededed`); adding one the issue already has changes nothing; the
//! add body is `{"labels": [...]}` or a bare array, each item a name or `{"name": ...}`, and an
//! empty list is 422; removing a label the issue does not have is 404 "Label does not exist";
//! creating a label that exists is 422 `already_exists`; a colour must be six hex digits (a
//! leading `#` is dropped) and a description at most 100 characters.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use serde_json::{json, Value};

use super::error::{GhError, GhResult};
use super::http::{array_page, created, host, ok, Fields};
use super::model::{node_id, Label, Repo, API};
use super::AppState;

/// The colour GitHub gives a label created by adding it to an issue.
const DEFAULT_COLOR: &str = "ededed";

pub fn label_json(repo: &Repo, l: &Label) -> Value {
    let name: String = form_urlencoded::byte_serialize(l.name.as_bytes()).collect();
    json!({
        "id": l.id,
        "node_id": node_id("LA", l.id),
        "url": format!("{API}/repos/{}/labels/{}", repo.full_name(), name.replace('+', "%20")),
        "name": l.name,
        "description": l.description,
        "color": l.color,
        "default": false,
    })
}

/// The labels of issue `number`, as label objects.
pub fn issue_labels_json(repo: &Repo, number: u64) -> Vec<Value> {
    repo.issues
        .get(&number)
        .map(|i| {
            i.labels
                .iter()
                .filter_map(|key| repo.labels.get(key))
                .map(|l| label_json(repo, l))
                .collect()
        })
        .unwrap_or_default()
}

fn parse_number(raw: &str) -> Result<u64, GhError> {
    raw.parse().map_err(|_| GhError::not_found())
}

fn check_color(color: Option<String>) -> Result<String, GhError> {
    let Some(color) = color else {
        return Ok(DEFAULT_COLOR.to_string());
    };
    let c = color.trim_start_matches('#');
    if c.len() == 6 && c.chars().all(|ch| ch.is_ascii_hexdigit()) {
        Ok(c.to_ascii_lowercase())
    } else {
        Err(GhError::validation("Label", "invalid", Some("color"), None))
    }
}

pub async fn get_label(
    State(state): State<AppState>,
    Path((owner, repo, name)): Path<(String, String, String)>,
) -> GhResult {
    let w = state.world();
    let r = w.repo(&owner, &repo)?;
    let l = r
        .labels
        .get(&name.to_lowercase())
        .ok_or_else(GhError::not_found)?;
    Ok(ok(label_json(r, l)))
}

pub async fn create_label(
    State(state): State<AppState>,
    Path((owner, repo)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> GhResult {
    let body = super::http::body_object(&body)?;
    let name = body
        .opt_str("name")?
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| GhError::validation("Label", "missing_field", Some("name"), None))?;
    let color = check_color(body.opt_str("color")?)?;
    let description = body.opt_str("description")?;
    if description.as_ref().is_some_and(|d| d.chars().count() > 100) {
        return Err(GhError::validation(
            "Label",
            "custom",
            Some("description"),
            Some("description is too long (maximum is 100 characters)"),
        ));
    }
    let mut w = state.world();
    let id = w.alloc_id();
    let base = w.link_base(host(&headers).as_deref());
    let r = w.repo_mut(&owner, &repo)?;
    let key = name.to_lowercase();
    if r.labels.contains_key(&key) {
        return Err(GhError::validation("Label", "already_exists", Some("name"), None));
    }
    let label = Label { id, name, color, description };
    let value = label_json(r, &label);
    let location = value["url"]
        .as_str()
        .map(|u| u.replacen(API, &base, 1));
    r.labels.insert(key, label);
    Ok(created(location, value))
}

pub async fn list_issue_labels(
    State(state): State<AppState>,
    Path((owner, repo, number)): Path<(String, String, String)>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    uri: Uri,
) -> GhResult {
    let number = parse_number(&number)?;
    let all = {
        let w = state.world();
        let r = w.repo(&owner, &repo)?;
        if !r.issues.contains_key(&number) {
            return Err(GhError::not_found());
        }
        issue_labels_json(r, number)
    };
    Ok(array_page(&state, &headers, &uri, raw.as_deref(), all))
}

/// The names in an add-labels body: `{"labels": [...]}` or `[...]`, items strings or
/// `{"name": ...}`.
fn names_of(body: &Bytes) -> Result<Vec<String>, GhError> {
    let value: Value = if body.iter().all(u8::is_ascii_whitespace) {
        Value::Null
    } else {
        serde_json::from_slice(body).map_err(|_| GhError::bad_json())?
    };
    let items = match &value {
        Value::Array(items) => items.clone(),
        Value::Object(obj) => match obj.get("labels") {
            Some(Value::Array(items)) => items.clone(),
            _ => Vec::new(),
        },
        _ => Vec::new(),
    };
    if items.is_empty() {
        return Err(GhError::validation(
            "Label",
            "missing_field",
            Some("labels"),
            Some("No labels given"),
        ));
    }
    items
        .iter()
        .map(|item| match item {
            Value::String(s) => Ok(s.clone()),
            Value::Object(o) => o
                .get("name")
                .and_then(Value::as_str)
                .map(str::to_string)
                .ok_or_else(|| GhError::invalid("a label object needs a name")),
            other => Err(GhError::invalid(format!("{other} is not a label name"))),
        })
        .filter(|n| n.as_ref().map_or(true, |n| !n.trim().is_empty()))
        .collect()
}

pub async fn add_issue_labels(
    State(state): State<AppState>,
    Path((owner, repo, number)): Path<(String, String, String)>,
    body: Bytes,
) -> GhResult {
    let number = parse_number(&number)?;
    let names = names_of(&body)?;
    let mut w = state.world();
    let ids: Vec<u64> = names.iter().map(|_| w.alloc_id()).collect();
    let r = w.repo_mut(&owner, &repo)?;
    if !r.issues.contains_key(&number) {
        return Err(GhError::not_found());
    }
    for (name, id) in names.into_iter().zip(ids) {
        let key = name.to_lowercase();
        r.labels.entry(key.clone()).or_insert_with(|| Label {
            id,
            name,
            color: DEFAULT_COLOR.to_string(),
            description: None,
        });
        if let Some(issue) = r.issues.get_mut(&number) {
            if !issue.labels.contains(&key) {
                issue.labels.push(key);
            }
        }
    }
    Ok(ok(json!(issue_labels_json(r, number))))
}

pub async fn remove_issue_label(
    State(state): State<AppState>,
    Path((owner, repo, number, name)): Path<(String, String, String, String)>,
) -> GhResult {
    let number = parse_number(&number)?;
    let mut w = state.world();
    let r = w.repo_mut(&owner, &repo)?;
    let issue = r.issues.get_mut(&number).ok_or_else(GhError::not_found)?;
    let key = name.to_lowercase();
    let before = issue.labels.len();
    issue.labels.retain(|k| *k != key);
    if issue.labels.len() == before {
        return Err(GhError::new(StatusCode::NOT_FOUND, "Label does not exist"));
    }
    Ok(ok(json!(issue_labels_json(r, number))))
}
