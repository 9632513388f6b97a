//! `infra comment PLANFILE`: posts the plan as a pull-request comment and, on the next run,
//! updates that same comment instead of adding another. The comment is found by a hidden marker
//! naming the working directory and workspace, so each root of a monorepo keeps its own comment.
//! In GitHub Actions it needs no flags: `GITHUB_REPOSITORY`, `GITHUB_EVENT_PATH` (the pull
//! request number), `GITHUB_TOKEN` and `GITHUB_API_URL` say where; the Markdown also goes to
//! `GITHUB_STEP_SUMMARY` when that is set.

use std::path::Path;

use infra_engine::render::{render_markdown, MarkdownOptions};
use infra_providers::http::{path_segment, ApiClient, ApiConfig, ApiRequest, CursorPage, CursorPager, HttpError};
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

/// The labels `infra comment -labels` manages on the pull request.
pub const LABEL_DESTROY: &str = "infra:destroy";
pub const LABEL_NO_CHANGES: &str = "infra:no-changes";

/// (name, colour, description) of each managed label, used when the repository lacks it.
const LABEL_DEFS: [(&str, &str, &str); 2] = [
    (LABEL_DESTROY, "d73a4a", "An infra plan on this pull request destroys or replaces resources"),
    (LABEL_NO_CHANGES, "0e8a16", "The infra plans on this pull request change nothing"),
];

/// The labels a plan claims for its pull request: `infra:destroy` when it destroys or replaces
/// anything, `infra:no-changes` when it changes nothing. Each root's comment records its claims
/// on a hidden second line, so that one root's run never removes a label another root needs.
pub fn claims(plan: &infra_engine::plan::Plan) -> Vec<&'static str> {
    let mut out = Vec::new();
    if plan.counts().2 > 0 {
        out.push(LABEL_DESTROY);
    }
    if plan.is_empty() {
        out.push(LABEL_NO_CHANGES);
    }
    out
}

const CLAIMS_PREFIX: &str = "<!-- infra-plan-labels:";

fn claims_line(claims: &[&str]) -> String {
    format!("{CLAIMS_PREFIX} {} -->", claims.join(" "))
}

/// The claims recorded in another root's comment; `None` when the body is not an infra plan
/// comment, an empty list for one without a claims line (an older infra).
fn claims_in(body: &str) -> Option<Vec<String>> {
    if !body.starts_with("<!-- infra-plan: ") {
        return None;
    }
    let line = body.lines().nth(1).filter(|l| l.starts_with(CLAIMS_PREFIX));
    Some(line.map(|l| l[CLAIMS_PREFIX.len()..].trim_end_matches("-->").split_whitespace().map(str::to_string).collect()).unwrap_or_default())
}

/// The managed labels the pull request should carry: `infra:destroy` if this root or any other
/// root's comment claims it; `infra:no-changes` only if this root and every other root's
/// comment claim it.
pub fn wanted_labels(mine: &[&str], others: &[Vec<String>]) -> Vec<&'static str> {
    let claimed_by_other = |l: &str| others.iter().any(|o| o.iter().any(|c| c == l));
    let claimed_by_all_others = |l: &str| others.iter().all(|o| o.iter().any(|c| c == l));
    let mut out = Vec::new();
    if mine.contains(&LABEL_DESTROY) || claimed_by_other(LABEL_DESTROY) {
        out.push(LABEL_DESTROY);
    }
    if mine.contains(&LABEL_NO_CHANGES) && claimed_by_all_others(LABEL_NO_CHANGES) {
        out.push(LABEL_NO_CHANGES);
    }
    out
}

/// How `post` behaves.
#[derive(Default)]
pub struct PostOptions {
    /// Linked from a truncated comment.
    pub run_url: Option<String>,
    /// A plan without changes deletes this root's old comment and posts nothing.
    pub delete_if_empty: bool,
    /// Add and remove `infra:destroy` / `infra:no-changes` on the pull request.
    pub labels: bool,
}

/// What `post` did: the comment, and the labels added and removed (with `labels`).
#[derive(Debug, PartialEq, Eq)]
pub struct Report {
    pub comment: Outcome,
    pub added: Vec<String>,
    pub removed: Vec<String>,
}

/// Posts or updates the comment for `plan` (and, with `labels`, sets the pull request's labels).
pub async fn post(plan: &infra_engine::plan::Plan, plan_file: &str, t: &Target, o: &PostOptions) -> Result<Report, HttpError> {
    let client = ApiClient::new(
        ApiConfig::new("github", t.api_url.trim_end_matches('/'))
            .secret_header("Authorization", format!("Bearer {}", t.token))
            .header("Accept", "application/vnd.github+json")
            .header("X-GitHub-Api-Version", "2022-11-28"),
    )?;
    let mark = marker(&t.dir, &t.workspace);
    let mine = claims(plan);
    let head = format!("{mark}\n{}", claims_line(&mine));
    let title = if t.dir == "." { None } else { Some(t.dir.clone()) };
    let opts = MarkdownOptions { title, run_url: o.run_url.clone(), plan_file: Some(plan_file.to_string()), max_chars: 65_536 - head.len() - 64 };
    let body = format!("{head}\n{}", render_markdown(plan, &opts));
    let repo_path = format!("/repos/{}/{}", t.owner, t.repo);

    let list = ApiRequest::get(format!("{repo_path}/issues/{}/comments", t.number)).query("per_page", "100");
    let comments = CursorPager::new(&client, list, |r| Ok(CursorPage::from_link(r.json::<Vec<Value>>()?, r))).all().await?;
    let is_ours = |c: &Value| c["body"].as_str().is_some_and(|b| b.strip_prefix(mark.as_str()).is_some_and(|rest| rest.is_empty() || rest.starts_with('\n')));
    let ours = comments.iter().find(|c| is_ours(c)).and_then(|c| c["id"].as_u64());
    let others: Vec<Vec<String>> = comments.iter().filter(|c| !is_ours(c)).filter_map(|c| claims_in(c["body"].as_str().unwrap_or(""))).collect();
    let comment_path = |id: u64| format!("{repo_path}/issues/comments/{id}");
    let comment = if plan.is_empty() && o.delete_if_empty {
        match ours {
            Some(id) => {
                client.send(ApiRequest::delete(comment_path(id))).await?;
                Outcome::Deleted(id)
            }
            None => Outcome::Nothing,
        }
    } else {
        match ours {
            Some(id) => {
                client.send(ApiRequest::patch(comment_path(id), json!({ "body": body }))).await?;
                Outcome::Updated(id)
            }
            None => {
                let created: Value = client.send(ApiRequest::post(format!("{repo_path}/issues/{}/comments", t.number), json!({ "body": body }))).await?.json()?;
                Outcome::Created(created["id"].as_u64().unwrap_or_default())
            }
        }
    };
    let mut report = Report { comment, added: vec![], removed: vec![] };
    if o.labels {
        let wanted = wanted_labels(&mine, &others);
        let issue_labels = format!("{repo_path}/issues/{}/labels", t.number);
        let list = ApiRequest::get(issue_labels.clone()).query("per_page", "100");
        let current: Vec<String> = CursorPager::new(&client, list, |r| Ok(CursorPage::from_link(r.json::<Vec<Value>>()?, r)))
            .all()
            .await?
            .iter()
            .filter_map(|l| l["name"].as_str().map(str::to_string))
            .collect();
        let has = |name: &str| current.iter().any(|c| c.eq_ignore_ascii_case(name));
        let to_add: Vec<&str> = wanted.iter().copied().filter(|l| !has(l)).collect();
        for (name, color, description) in LABEL_DEFS.iter().filter(|(n, _, _)| to_add.contains(n)) {
            // Create the repository label with its colour first; adding an unknown label to an
            // issue would create a grey one.
            match client.send(ApiRequest::get(format!("{repo_path}/labels/{}", path_segment(name)))).await {
                Ok(_) => {}
                Err(e) if e.status() == Some(404) => match client.send(ApiRequest::post(format!("{repo_path}/labels"), json!({ "name": name, "color": color, "description": description }))).await {
                    Ok(_) => {}
                    // Created meanwhile by another root's run.
                    Err(e) if e.status() == Some(422) => {}
                    Err(e) => return Err(e),
                },
                Err(e) => return Err(e),
            }
        }
        if !to_add.is_empty() {
            client.send(ApiRequest::post(issue_labels.clone(), json!({ "labels": to_add }))).await?;
            report.added = to_add.iter().map(|s| s.to_string()).collect();
        }
        for (name, _, _) in LABEL_DEFS {
            if has(name) && !wanted.contains(&name) {
                match client.send(ApiRequest::delete(format!("{issue_labels}/{}", path_segment(name)))).await {
                    Ok(_) => report.removed.push(name.to_string()),
                    // Removed meanwhile.
                    Err(e) if e.status() == Some(404) => {}
                    Err(e) => return Err(e),
                }
            }
        }
    }
    Ok(report)
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

    #[test]
    fn labels_follow_every_root_claims() {
        let other = |c: &[&str]| c.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        // Alone: the plan's own claims.
        assert_eq!(wanted_labels(&[LABEL_DESTROY], &[]), vec![LABEL_DESTROY]);
        assert_eq!(wanted_labels(&[LABEL_NO_CHANGES], &[]), vec![LABEL_NO_CHANGES]);
        assert!(wanted_labels(&[], &[]).is_empty());
        // Another root destroys: this root's quiet plan keeps infra:destroy and is no reason for
        // infra:no-changes.
        assert_eq!(wanted_labels(&[LABEL_NO_CHANGES], &[other(&[LABEL_DESTROY])]), vec![LABEL_DESTROY]);
        // Every root quiet: no-changes.
        assert_eq!(wanted_labels(&[LABEL_NO_CHANGES], &[other(&[LABEL_NO_CHANGES])]), vec![LABEL_NO_CHANGES]);
        // An older comment without claims blocks no-changes.
        assert!(wanted_labels(&[LABEL_NO_CHANGES], &[other(&[])]).is_empty());
    }

    #[test]
    fn claims_are_read_back_from_the_hidden_line() {
        let body = format!("{}\n{}\n# plan", marker("envs/prod", "default"), claims_line(&[LABEL_DESTROY, LABEL_NO_CHANGES]));
        assert_eq!(claims_in(&body), Some(vec![LABEL_DESTROY.to_string(), LABEL_NO_CHANGES.to_string()]));
        assert_eq!(claims_in(&format!("{}\n# plan", marker(".", "default"))), Some(vec![]));
        assert_eq!(claims_in("LGTM"), None);
    }
}
