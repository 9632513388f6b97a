//! Issue comments (also the comments of pull requests, which share the issue numbers) and
//! `GET` of a pull request. Issues and pull requests themselves exist only through the admin
//! API (`POST /__fake/issues`, `POST /__fake/pulls`).
//!
//! Comments: listed oldest first with `Link` pagination (`per_page` 30, at most 100) and the
//! `since` filter (updated at or after); `body` must be non-empty (422 `missing_field`) and at
//! most 65536 characters (422); a comment on a number that is neither an issue nor a pull
//! request is 404; on a locked one, 403. `author_association` is `OWNER` for the owner of a
//! user repository, `MEMBER` for members of the owning organization, `COLLABORATOR` for
//! collaborators, else `NONE`.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::Extension;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::error::{GhError, GhResult};
use super::http::{
    body_object, created, host, list_response, no_content, ok, Caller, Fields, Page,
};
use super::model::{node_id, now, Comment, Issue, Repo, World, API, WEB};
use super::render::{login_json, repo_json};
use super::AppState;
use crate::cloudflare::envelope::Query;

/// GitHub's limit on a comment body.
pub const MAX_BODY_CHARS: usize = 65_536;

/// A stable fake commit sha.
pub fn fake_sha(seed: &str) -> String {
    hex::encode(Sha256::digest(seed.as_bytes()))[..40].to_string()
}

pub fn author_association(w: &World, repo: &Repo, login: &str) -> &'static str {
    if login.eq_ignore_ascii_case(&repo.owner) {
        "OWNER"
    } else if w.is_member(&repo.owner, login) {
        "MEMBER"
    } else if repo.collaborators.contains_key(&login.to_ascii_lowercase()) {
        "COLLABORATOR"
    } else {
        "NONE"
    }
}

pub fn comment_json(w: &World, repo: &Repo, c: &Comment) -> Value {
    let full = repo.full_name();
    let kind = match repo.issues.get(&c.issue_number) {
        Some(i) if i.pull.is_some() => "pull",
        _ => "issues",
    };
    let url = format!("{API}/repos/{full}/issues/comments/{}", c.id);
    json!({
        "id": c.id,
        "node_id": node_id("IC", c.id),
        "url": url,
        "html_url": format!("{WEB}/{full}/{kind}/{}#issuecomment-{}", c.issue_number, c.id),
        "body": c.body,
        "user": login_json(w, &c.user),
        "created_at": c.created_at,
        "updated_at": c.updated_at,
        "issue_url": format!("{API}/repos/{full}/issues/{}", c.issue_number),
        "author_association": author_association(w, repo, &c.user),
        "performed_via_github_app": null,
        "reactions": {
            "url": format!("{url}/reactions"),
            "total_count": 0, "+1": 0, "-1": 0, "laugh": 0, "confused": 0,
            "heart": 0, "hooray": 0, "eyes": 0, "rocket": 0,
        },
    })
}

fn check_body(body: &serde_json::Map<String, Value>) -> Result<String, GhError> {
    let text = body.opt_str("body")?.unwrap_or_default();
    if text.trim().is_empty() {
        return Err(GhError::validation(
            "IssueComment",
            "missing_field",
            Some("body"),
            None,
        ));
    }
    if text.chars().count() > MAX_BODY_CHARS {
        return Err(GhError::validation(
            "IssueComment",
            "custom",
            Some("body"),
            Some("Body is too long (maximum is 65536 characters)"),
        ));
    }
    Ok(text)
}

fn parse_number(raw: &str) -> Result<u64, GhError> {
    raw.parse().map_err(|_| GhError::not_found())
}

pub async fn list_comments(
    State(state): State<AppState>,
    Path((owner, repo, number)): Path<(String, String, String)>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    uri: Uri,
) -> GhResult {
    let number = parse_number(&number)?;
    let q = Query::parse(raw.as_deref());
    let since = match q.get("since") {
        Some(s) => Some(chrono::DateTime::parse_from_rfc3339(s).map_err(|_| {
            GhError::invalid(format!("since is not a valid ISO 8601 timestamp: {s}"))
        })?),
        None => None,
    };
    let all: Vec<Value> = {
        let w = state.world();
        let r = w.repo(&owner, &repo)?;
        if !r.issues.contains_key(&number) {
            return Err(GhError::not_found());
        }
        r.comments
            .values()
            .filter(|c| c.issue_number == number)
            .filter(|c| {
                since.is_none_or(|s| {
                    chrono::DateTime::parse_from_rfc3339(&c.updated_at).is_ok_and(|u| u >= s)
                })
            })
            .map(|c| comment_json(&w, r, c))
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

pub async fn create_comment(
    State(state): State<AppState>,
    Path((owner, repo, number)): Path<(String, String, String)>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    body: Bytes,
) -> GhResult {
    let number = parse_number(&number)?;
    let body = body_object(&body)?;
    let text = check_body(&body)?;
    let mut w = state.world();
    let id = w.alloc_id();
    let base = w.link_base(host(&headers).as_deref());
    let r = w.repo_mut(&owner, &repo)?;
    let issue = r.issues.get(&number).ok_or_else(GhError::not_found)?;
    if issue.locked {
        return Err(GhError::new(
            StatusCode::FORBIDDEN,
            "Unable to create comment because issue is locked.",
        ));
    }
    let now = now();
    let c = Comment {
        id,
        issue_number: number,
        body: text,
        user: caller.login,
        created_at: now.clone(),
        updated_at: now,
    };
    let location = format!("{base}/repos/{}/issues/comments/{id}", r.full_name());
    r.comments.insert(id, c);
    let r = w.repo(&owner, &repo)?;
    Ok(created(
        Some(location),
        comment_json(&w, r, &r.comments[&id]),
    ))
}

pub async fn get_comment(
    State(state): State<AppState>,
    Path((owner, repo, id)): Path<(String, String, String)>,
) -> GhResult {
    let id = parse_number(&id)?;
    let w = state.world();
    let r = w.repo(&owner, &repo)?;
    let c = r.comments.get(&id).ok_or_else(GhError::not_found)?;
    Ok(ok(comment_json(&w, r, c)))
}

pub async fn update_comment(
    State(state): State<AppState>,
    Path((owner, repo, id)): Path<(String, String, String)>,
    body: Bytes,
) -> GhResult {
    let id = parse_number(&id)?;
    let body = body_object(&body)?;
    let text = check_body(&body)?;
    let mut w = state.world();
    let r = w.repo_mut(&owner, &repo)?;
    let c = r.comments.get_mut(&id).ok_or_else(GhError::not_found)?;
    c.body = text;
    c.updated_at = now();
    let r = w.repo(&owner, &repo)?;
    Ok(ok(comment_json(&w, r, &r.comments[&id])))
}

pub async fn delete_comment(
    State(state): State<AppState>,
    Path((owner, repo, id)): Path<(String, String, String)>,
) -> GhResult {
    let id = parse_number(&id)?;
    let mut w = state.world();
    let r = w.repo_mut(&owner, &repo)?;
    r.comments
        .shift_remove(&id)
        .ok_or_else(GhError::not_found)?;
    Ok(no_content())
}

fn link(href: String) -> Value {
    json!({ "href": href })
}

pub fn pull_json(w: &World, repo: &Repo, i: &Issue) -> Value {
    let full = repo.full_name();
    let n = i.number;
    let pull = i.pull.clone().unwrap_or(super::model::PullInfo {
        head: String::new(),
        base: String::new(),
        draft: false,
        merged: false,
        head_sha: String::new(),
        base_sha: String::new(),
    });
    let owner = login_json(w, &repo.owner);
    let repo_value = repo_json(w, repo);
    let api = format!("{API}/repos/{full}");
    let comments = repo
        .comments
        .values()
        .filter(|c| c.issue_number == n)
        .count();
    let side = |reference: &str, sha: &str| {
        json!({
            "label": format!("{}:{reference}", repo.owner),
            "ref": reference,
            "sha": sha,
            "user": owner,
            "repo": repo_value,
        })
    };
    let links = json!({
        "self": link(format!("{api}/pulls/{n}")),
        "html": link(format!("{WEB}/{full}/pull/{n}")),
        "issue": link(format!("{api}/issues/{n}")),
        "comments": link(format!("{api}/issues/{n}/comments")),
        "review_comments": link(format!("{api}/pulls/{n}/comments")),
        "review_comment": link(format!("{api}/pulls/comments{{/number}}")),
        "commits": link(format!("{api}/pulls/{n}/commits")),
        "statuses": link(format!("{api}/statuses/{}", pull.head_sha)),
    });
    let mut v = json!({
        "url": format!("{api}/pulls/{n}"),
        "id": i.id,
        "node_id": node_id("PR", i.id),
        "html_url": format!("{WEB}/{full}/pull/{n}"),
        "diff_url": format!("{WEB}/{full}/pull/{n}.diff"),
        "patch_url": format!("{WEB}/{full}/pull/{n}.patch"),
        "issue_url": format!("{api}/issues/{n}"),
        "commits_url": format!("{api}/pulls/{n}/commits"),
        "review_comments_url": format!("{api}/pulls/{n}/comments"),
        "review_comment_url": format!("{api}/pulls/comments{{/number}}"),
        "comments_url": format!("{api}/issues/{n}/comments"),
        "statuses_url": format!("{api}/statuses/{}", pull.head_sha),
        "number": n,
        "state": i.state,
        "locked": i.locked,
        "title": i.title,
        "user": login_json(w, &i.user),
        "body": i.body,
        "labels": super::labels::issue_labels_json(repo, n),
        "milestone": null,
        "active_lock_reason": null,
        "created_at": i.created_at,
        "updated_at": i.updated_at,
        "closed_at": i.closed_at,
        "merged_at": if pull.merged { i.closed_at.clone() } else { None },
        "merge_commit_sha": if pull.merged { Some(fake_sha(&format!("merge {full} {n}"))) } else { None },
        "assignee": null,
        "assignees": [],
        "requested_reviewers": [],
        "requested_teams": [],
    });
    let rest = json!({
        "head": side(&pull.head, &pull.head_sha),
        "base": side(&pull.base, &pull.base_sha),
        "author_association": author_association(w, repo, &i.user),
        "auto_merge": null,
        "draft": pull.draft,
        "merged": pull.merged,
        "mergeable": if pull.merged || i.state == "closed" { None } else { Some(true) },
        "rebaseable": if pull.merged || i.state == "closed" { None } else { Some(true) },
        "mergeable_state": if pull.merged || i.state == "closed" { "unknown" } else { "clean" },
        "merged_by": if pull.merged { owner.clone() } else { Value::Null },
        "comments": comments,
        "review_comments": 0,
        "maintainer_can_modify": false,
        "commits": 1,
        "additions": 0,
        "deletions": 0,
        "changed_files": 0,
    });
    if let (Some(obj), Value::Object(rest)) = (v.as_object_mut(), rest) {
        obj.extend(rest);
    }
    v["_links"] = links;
    v
}

pub async fn get_pull(
    State(state): State<AppState>,
    Path((owner, repo, number)): Path<(String, String, String)>,
) -> GhResult {
    let number = parse_number(&number)?;
    let w = state.world();
    let r = w.repo(&owner, &repo)?;
    let i = r
        .issues
        .get(&number)
        .filter(|i| i.pull.is_some())
        .ok_or_else(GhError::not_found)?;
    Ok(ok(pull_json(&w, r, i)))
}
