use serde_json::json;

use crate::{expect, peer_with_repo};

#[tokio::test]
async fn crud_with_integer_ids() {
    let (peer, repo) = peer_with_repo("rules").await;
    let api = peer.api();
    let rules = json!([
        {"type": "deletion"},
        {"type": "non_fast_forward"},
        {"type": "pull_request", "parameters": {
            "dismiss_stale_reviews_on_push": true, "require_code_owner_review": false,
            "require_last_push_approval": false, "required_approving_review_count": 1,
            "required_review_thread_resolution": true}},
        {"type": "required_status_checks", "parameters": {
            "strict_required_status_checks_policy": true,
            "required_status_checks": [{"context": "ci/test"}]}},
    ]);
    let created = api
        .post(
            &format!("/repos/{repo}/rulesets"),
            &json!({
                "name": "main protection",
                "enforcement": "active",
                "conditions": {"ref_name": {"include": ["~DEFAULT_BRANCH"], "exclude": []}},
                "bypass_actors": [{"actor_id": 5, "actor_type": "RepositoryRole", "bypass_mode": "always"}],
                "rules": rules,
            }),
        )
        .await;
    expect(&created, 201);
    let id = created.body["id"].as_u64().expect("integer id");
    assert_eq!(created.body["target"], "branch");
    assert_eq!(created.body["source_type"], "Repository");
    assert_eq!(created.body["source"], repo);
    assert_eq!(created.body["rules"], rules);

    let dup = api
        .post(
            &format!("/repos/{repo}/rulesets"),
            &json!({"name": "main protection", "enforcement": "disabled"}),
        )
        .await;
    expect(&dup, 422);

    let path = format!("/repos/{repo}/rulesets/{id}");
    let got = api.get(&path).await;
    expect(&got, 200);
    assert_eq!(got.body["bypass_actors"][0]["actor_type"], "RepositoryRole");

    let tag = api
        .post(
            &format!("/repos/{repo}/rulesets"),
            &json!({"name": "tags", "target": "tag", "enforcement": "evaluate"}),
        )
        .await;
    expect(&tag, 201);
    assert_eq!(
        tag.body["conditions"],
        json!({"ref_name": {"exclude": [], "include": []}})
    );

    let list = api.get(&format!("/repos/{repo}/rulesets")).await;
    expect(&list, 200);
    assert_eq!(list.body.as_array().map(Vec::len), Some(2));
    assert!(
        list.body[0].get("rules").is_none(),
        "lists show summaries: {list}"
    );
    let only_tags = api
        .get(&format!("/repos/{repo}/rulesets?targets=tag"))
        .await;
    expect(&only_tags, 200);
    assert_eq!(only_tags.body.as_array().map(Vec::len), Some(1));

    let updated = api
        .put(
            &path,
            &json!({"enforcement": "disabled", "rules": [{"type": "creation"}]}),
        )
        .await;
    expect(&updated, 200);
    assert_eq!(updated.body["enforcement"], "disabled");
    assert_eq!(updated.body["name"], "main protection");
    assert_eq!(updated.body["rules"], json!([{"type": "creation"}]));

    expect(&api.delete(&path).await, 204);
    expect(&api.get(&path).await, 404);
    expect(&api.delete(&path).await, 404);
}

#[tokio::test]
async fn prism_refuses_an_unknown_rule_type() {
    let (peer, repo) = peer_with_repo("rules-bad").await;
    if !peer.via_prism {
        return;
    }
    let r = peer
        .api()
        .post(
            &format!("/repos/{repo}/rulesets"),
            &json!({"name": "x", "enforcement": "active", "rules": [{"type": "no_such_rule"}]}),
        )
        .await;
    assert_eq!(r.status, 422, "{r}");
}
