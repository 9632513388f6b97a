//! A repository's `topics` (`PUT /repos/{owner}/{repo}/topics`) and `vulnerability_alerts`
//! (`GET`/`PUT`/`DELETE /repos/{owner}/{repo}/vulnerability-alerts`), against a scripted server
//! that answers as GitHub documents: the test checks the exact requests and the state. (The
//! GitHub fake implements both too; `providers/tests/github.rs` runs them through Prism.)

mod http_fake;

use std::time::Duration;

use http_fake::{FakeServer, Recorded, Reply};
use infra_lang::Value;
use infra_providers::github::{GithubOptions, GithubProvider};
use infra_providers::rest::value_from_json;
use infra_providers::Provider;
use serde_json::json;

fn repo_json(topics: &[&str]) -> serde_json::Value {
    json!({
        "id": 42, "node_id": "R_1", "name": "app", "full_name": "octo-org/app", "private": false, "visibility": "public",
        "description": null, "homepage": null, "html_url": "https://github.com/octo-org/app",
        "ssh_url": "git@github.com:octo-org/app.git", "svn_url": "https://github.com/octo-org/app",
        "git_url": "git://github.com/octo-org/app.git", "clone_url": "https://github.com/octo-org/app.git",
        "language": null, "fork": false, "has_issues": false, "has_projects": false, "has_wiki": false,
        "has_downloads": false, "has_discussions": false, "is_template": false, "allow_merge_commit": true,
        "allow_squash_merge": true, "allow_rebase_merge": true, "allow_auto_merge": false, "allow_forking": true,
        "allow_update_branch": false, "delete_branch_on_merge": false, "web_commit_signoff_required": false,
        "squash_merge_commit_title": "COMMIT_OR_PR_TITLE", "squash_merge_commit_message": "COMMIT_MESSAGES",
        "merge_commit_title": "MERGE_MESSAGE", "merge_commit_message": "PR_TITLE", "archived": false,
        "default_branch": "main", "topics": topics,
    })
}

fn handler(r: &Recorded, _: usize) -> Reply {
    let path = r.target.split('?').next().unwrap_or_default();
    match (r.method.as_str(), path) {
        ("PATCH" | "GET", "/repos/octo-org/app") => Reply::json(200, repo_json(&[])),
        ("PUT", "/repos/octo-org/app/topics") => {
            let body: serde_json::Value = serde_json::from_str(&r.body).unwrap_or_default();
            Reply::json(200, json!({"names": body["names"]}))
        }
        ("PUT" | "GET", "/repos/octo-org/app/vulnerability-alerts") => Reply {
            status: 204,
            headers: vec![],
            body: String::new(),
            delay: Duration::ZERO,
        },
        _ => Reply::json(404, json!({"message": "Not Found"})),
    }
}

#[tokio::test]
async fn topics_and_vulnerability_alerts_use_their_own_endpoints() {
    let server = FakeServer::start(handler).await;
    let p = GithubProvider::with_options(GithubOptions {
        env: Some(Vec::new()),
        ..GithubOptions::default()
    });
    let config = value_from_json(
        &json!({"token": "t", "owner": "octo-org", "base_url": server.url}),
        &p.schema().provider.object_type(),
    );
    p.configure(config).await.unwrap();
    let t = "github_repository";
    let ty = p.schema().resources[t].object_type();
    let cfg = |j: serde_json::Value| {
        let mut j = j;
        for b in ["security_and_analysis", "template", "pages"] {
            j[b] = json!([]);
        }
        value_from_json(&j, &ty)
    };
    let prior = p.import_resource(t, "app").await.unwrap();
    let c =
        cfg(json!({"name": "app", "topics": ["infra", "terraform"], "vulnerability_alerts": true}));
    let planned = p.plan_resource(t, &prior, &c).unwrap().planned;
    let state = p.apply_resource(t, &prior, &planned).await.unwrap();
    let requests = server.requests();
    let topics = requests
        .iter()
        .find(|r| r.method == "PUT" && r.target.ends_with("/topics"))
        .expect("topics were set");
    let body: serde_json::Value = serde_json::from_str(&topics.body).unwrap();
    assert_eq!(body, json!({"names": ["infra", "terraform"]}));
    assert!(requests.iter().any(|r| r.method == "PUT"
        && r.target.ends_with("/vulnerability-alerts")
        && r.body.is_empty()));
    assert_eq!(
        state
            .get_attr("topics")
            .unwrap()
            .as_seq()
            .map(<[Value]>::len),
        Some(2)
    );
    assert_eq!(
        state.get_attr("vulnerability_alerts"),
        Some(Value::Bool(true))
    );
    // A refresh asks whether alerts are on (204: on) because the configuration manages them.
    let before = server.count();
    let read = p.read_resource(t, &state).await.unwrap().unwrap();
    assert_eq!(
        read.get_attr("vulnerability_alerts"),
        Some(Value::Bool(true))
    );
    assert!(server.requests()[before..]
        .iter()
        .any(|r| r.method == "GET" && r.target.ends_with("/vulnerability-alerts")));
    // Unmanaged (null), they are never asked about.
    let fresh = p.import_resource(t, "app").await.unwrap();
    let before = server.count();
    p.read_resource(t, &fresh).await.unwrap();
    assert!(!server.requests()[before..]
        .iter()
        .any(|r| r.target.contains("vulnerability")));
}
