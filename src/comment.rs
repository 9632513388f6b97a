//! `infra comment PLANFILE`: posts the plan as a pull-request comment and, on the next run,
//! updates that same comment instead of adding another. The comment is found by a hidden marker
//! naming the working directory and workspace, so each root of a monorepo keeps its own comment.
//! In GitHub Actions it needs no flags: `GITHUB_REPOSITORY`, `GITHUB_EVENT_PATH` (the pull
//! request number), `GITHUB_TOKEN` and `GITHUB_API_URL` say where; the Markdown also goes to
//! `GITHUB_STEP_SUMMARY` when that is set.

use std::path::Path;

use infra_engine::render::{render_markdown, MarkdownOptions};
use infra_providers::http::{ApiClient, ApiConfig, ApiRequest, CursorPage, CursorPager, HttpError};
use serde_json::{json, Value};

/// Everything `comment` needs, resolved from flags and the environment.
pub struct Target {
    pub api_url: String,
    pub owner: String,
    pub repo: String,
    pub number: u64,
    pub token: String,
    /// The root's directory, relative to the checkout (`.` at its root).
    pub dir: String,
    pub workspace: String,
}

/// What `comment` did.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    Created(u64),
    Updated(u64),
    Deleted(u64),
    Nothing,
}

/// The hidden marker that identifies this root's comment.
pub fn marker(dir: &str, workspace: &str) -> String {
    // `--` cannot appear inside an HTML comment.
    let clean = |s: &str| s.replace("--", "-\u{2010}");
    format!("<!-- infra-plan: dir={} workspace={} -->", clean(dir), clean(workspace))
}

/// Resolves the target from flags, falling back to GitHub Actions' environment.
pub fn resolve_target(repo_flag: Option<&str>, pr_flag: Option<u64>, workspace_flag: Option<&str>) -> Result<Target, String> {
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let full = repo_flag.map(str::to_string).or_else(|| env("GITHUB_REPOSITORY")).ok_or("no repository: pass -repo=OWNER/NAME or set GITHUB_REPOSITORY")?;
    let (owner, repo) = full.split_once('/').filter(|(o, r)| !o.is_empty() && !r.is_empty() && !r.contains('/')).ok_or_else(|| format!("\"{full}\" is not OWNER/NAME"))?;
    let number = match pr_flag {
        Some(n) => n,
        None => {
            let path = env("GITHUB_EVENT_PATH").ok_or("no pull request: pass -pr=N, or run in a GitHub Actions pull_request workflow (GITHUB_EVENT_PATH)")?;
            let text = std::fs::read_to_string(&path).map_err(|e| format!("cannot read GITHUB_EVENT_PATH {path}: {e}"))?;
            let event: Value = serde_json::from_str(&text).map_err(|e| format!("GITHUB_EVENT_PATH {path} is not JSON: {e}"))?;
            event["pull_request"]["number"].as_u64().or_else(|| event["number"].as_u64()).or_else(|| event["issue"]["number"].as_u64()).ok_or_else(|| format!("the event in {path} is not about a pull request (no pull_request.number); pass -pr=N"))?
        }
    };
    let token = env("GITHUB_TOKEN").ok_or("no token: set GITHUB_TOKEN (a token that may write pull-request comments)")?;
    let api_url = env("GITHUB_API_URL").unwrap_or_else(|| "https://api.github.com".to_string());
    let dir = root_dir().ok_or("cannot read the working directory")?;
    let workspace = workspace_flag.map(str::to_string).or_else(|| env("TF_WORKSPACE")).unwrap_or_else(|| "default".to_string());
    Ok(Target { api_url, owner: owner.to_string(), repo: repo.to_string(), number, token, dir, workspace })
}

/// The root's directory as comments and Markdown headings name it: relative to the checkout in
/// GitHub Actions (`GITHUB_WORKSPACE`; `.` at its root), else the directory's last component.
pub fn root_dir() -> Option<String> {
    let cwd = std::env::current_dir().ok()?;
    let workspace = std::env::var_os("GITHUB_WORKSPACE").filter(|w| !w.is_empty());
    Some(match workspace.and_then(|ws| cwd.strip_prefix(ws).ok().map(Path::to_path_buf)) {
        Some(rel) if !rel.as_os_str().is_empty() => rel.display().to_string(),
        Some(_) => ".".to_string(),
        None => cwd.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| ".".into()),
    })
}

/// Posts or updates the comment for `plan`. With `delete_if_empty`, a plan without changes
/// deletes this root's old comment and posts nothing.
pub async fn post(plan: &infra_engine::plan::Plan, plan_file: &str, t: &Target, run_url: Option<String>, delete_if_empty: bool) -> Result<Outcome, HttpError> {
    let client = ApiClient::new(
        ApiConfig::new("github", t.api_url.trim_end_matches('/'))
            .secret_header("Authorization", format!("Bearer {}", t.token))
            .header("Accept", "application/vnd.github+json")
            .header("X-GitHub-Api-Version", "2022-11-28"),
    )?;
    let mark = marker(&t.dir, &t.workspace);
    let title = if t.dir == "." { None } else { Some(t.dir.clone()) };
    let opts = MarkdownOptions { title, run_url, plan_file: Some(plan_file.to_string()), max_chars: 65_536 - mark.len() - 64 };
    let body = format!("{mark}\n{}", render_markdown(plan, &opts));

    let list = ApiRequest::get(format!("/repos/{}/{}/issues/{}/comments", t.owner, t.repo, t.number)).query("per_page", "100");
    let comments = CursorPager::new(&client, list, |r| Ok(CursorPage::from_link(r.json::<Vec<Value>>()?, r))).all().await?;
    let ours = comments.iter().find(|c| c["body"].as_str().is_some_and(|b| b.starts_with(&mark))).and_then(|c| c["id"].as_u64());
    let comment_path = |id: u64| format!("/repos/{}/{}/issues/comments/{id}", t.owner, t.repo);
    if plan.is_empty() && delete_if_empty {
        return Ok(match ours {
            Some(id) => {
                client.send(ApiRequest::delete(comment_path(id))).await?;
                Outcome::Deleted(id)
            }
            None => Outcome::Nothing,
        });
    }
    match ours {
        Some(id) => {
            client.send(ApiRequest::patch(comment_path(id), json!({ "body": body }))).await?;
            Ok(Outcome::Updated(id))
        }
        None => {
            let created: Value = client.send(ApiRequest::post(format!("/repos/{}/{}/issues/{}/comments", t.owner, t.repo, t.number), json!({ "body": body }))).await?.json()?;
            Ok(Outcome::Created(created["id"].as_u64().unwrap_or_default()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_differ_per_root_and_workspace_and_stay_html_comments() {
        assert_ne!(marker("envs/prod", "default"), marker("envs/staging", "default"));
        assert_ne!(marker("envs/prod", "default"), marker("envs/prod", "blue"));
        let m = marker("a--b", "ws");
        assert!(m.starts_with("<!-- ") && m.ends_with(" -->") && !m[4..m.len() - 3].contains("--"), "{m}");
    }
}
