//! The contract check itself: Prism refuses requests that break GitHub's description before
//! they reach the fake, and flags answers of an upstream that breaks it.

use infra_fakes::harness::{
    find_prism, github_spec_path, ApiClient, PrismProcess, PRISM_START_TIMEOUT,
};
use serde_json::json;

use crate::peer_with_repo;

#[tokio::test]
async fn prism_refuses_a_comment_without_body() {
    let (peer, repo) = peer_with_repo("contract").await;
    if !peer.via_prism {
        eprintln!("skipped: no Prism");
        return;
    }
    let (owner, name) = repo.split_once('/').unwrap();
    let pull = peer.new_pull(owner, name, "f", "main", "t").await;
    let number = pull["number"].as_u64().unwrap();
    let r = peer
        .api()
        .post(
            &format!("/repos/{repo}/issues/{number}/comments"),
            &json!({"text": "plan"}),
        )
        .await;
    assert_eq!(r.status, 422, "{r}");
    assert!(r.text.contains("must have required property 'body'"), "{r}");
    // It never reached the fake.
    assert!(peer
        .requests(&repo)
        .await
        .iter()
        .all(|q| q.method != "POST" || !q.path.ends_with("/comments")));
    // A secret that is not base64 is refused too.
    let r = peer
        .api()
        .put(
            &format!("/repos/{repo}/actions/secrets/X"),
            &json!({"encrypted_value": "not base64!", "key_id": "1"}),
        )
        .await;
    assert_eq!(r.status, 422, "{r}");
}

#[tokio::test]
async fn prism_flags_an_incomplete_repository() {
    let Some(prism) = find_prism() else {
        eprintln!("skipped: Prism not found");
        return;
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let upstream = format!("http://{}", listener.local_addr().expect("address"));
    let app =
        axum::Router::new().fallback(|| async { axum::Json(json!({"id": 1, "name": "infra"})) });
    tokio::spawn(async move { axum::serve(listener, app).await });
    let process = tokio::task::spawn_blocking(move || {
        PrismProcess::start(&prism, &github_spec_path(), &upstream, PRISM_START_TIMEOUT)
    })
    .await
    .expect("join")
    .expect("Prism starts");
    let r = ApiClient::new(&process.url)
        .get("/repos/octo-org/infra")
        .await;
    assert_eq!(r.status, 500, "{r}");
    assert!(
        r.violations()
            .is_some_and(|v| v.contains("required property")),
        "{r}"
    );
}
