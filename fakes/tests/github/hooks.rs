use serde_json::json;

use crate::{expect, peer_with_repo};

#[tokio::test]
async fn webhook_crud_masks_the_secret() {
    let (peer, repo) = peer_with_repo("hooks").await;
    let api = peer.api();
    let created = api
        .post(
            &format!("/repos/{repo}/hooks"),
            &json!({"name": "web", "active": true, "events": ["push", "pull_request"],
                    "config": {"url": "https://ci.example.com/hook", "content_type": "json", "secret": "hunter2", "insecure_ssl": "0"}}),
        )
        .await;
    expect(&created, 201);
    let id = created.body["id"].as_u64().unwrap();
    assert_eq!(created.body["config"]["secret"], "********");
    assert_eq!(created.body["config"]["url"], "https://ci.example.com/hook");
    assert_eq!(created.body["type"], "Repository");
    assert!(created
        .header("location")
        .is_some_and(|l| l.ends_with(&format!("/hooks/{id}"))));
    assert_eq!(
        peer.hook_secret(&repo, id).await.as_deref(),
        Some("hunter2")
    );
    assert!(!created.text.contains("hunter2"));

    let path = format!("/repos/{repo}/hooks/{id}");
    let got = api.get(&path).await;
    expect(&got, 200);
    assert_eq!(got.body["config"]["secret"], "********");
    assert_eq!(got.body["events"], json!(["push", "pull_request"]));

    let dup = api
        .post(
            &format!("/repos/{repo}/hooks"),
            &json!({"config": {"url": "https://ci.example.com/hook"}}),
        )
        .await;
    expect(&dup, 422);
    let no_url = api
        .post(
            &format!("/repos/{repo}/hooks"),
            &json!({"config": {"content_type": "json"}}),
        )
        .await;
    expect(&no_url, 422);
    assert_eq!(
        no_url.body["errors"][0]["message"],
        "Config must contain URL for webhooks"
    );

    let patched = api
        .patch(
            &path,
            &json!({"add_events": ["release"], "remove_events": ["push"], "active": false}),
        )
        .await;
    expect(&patched, 200);
    assert_eq!(patched.body["events"], json!(["pull_request", "release"]));
    assert_eq!(patched.body["active"], false);
    assert_eq!(
        peer.hook_secret(&repo, id).await.as_deref(),
        Some("hunter2")
    );
    // A new config replaces the old one (no secret: none left).
    let patched = api
        .patch(
            &path,
            &json!({"config": {"url": "https://ci.example.com/v2", "content_type": "form"}}),
        )
        .await;
    expect(&patched, 200);
    assert!(patched.body["config"].get("secret").is_none(), "{patched}");
    assert_eq!(peer.hook_secret(&repo, id).await, None);

    let list = api.get(&format!("/repos/{repo}/hooks")).await;
    expect(&list, 200);
    assert_eq!(list.body.as_array().map(Vec::len), Some(1));

    expect(&api.delete(&path).await, 204);
    expect(&api.get(&path).await, 404);
}
