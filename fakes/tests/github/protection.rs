use serde_json::json;

use crate::{expect, peer_with_repo};

#[tokio::test]
async fn put_get_delete_with_the_two_shapes() {
    let (peer, repo) = peer_with_repo("protect").await;
    let org = repo.split('/').next().unwrap().to_string();
    let api = peer.api();
    let user = format!("{}-dev", repo.split('/').nth(1).unwrap());
    peer.new_org(&org, &[&user]).await;
    let team = peer.new_team(&org, &format!("{user} team"), &[]).await;
    let slug = team["slug"].as_str().unwrap().to_string();
    let path = format!("/repos/{repo}/branches/main/protection");

    let r = api.get(&path).await;
    expect(&r, 404);
    assert_eq!(r.body["message"], "Branch not protected");

    let body = json!({
        "required_status_checks": {"strict": true, "contexts": ["ci/test", "ci/lint"]},
        "enforce_admins": true,
        "required_pull_request_reviews": {
            "dismiss_stale_reviews": true,
            "required_approving_review_count": 2,
            "dismissal_restrictions": {"users": [user], "teams": [slug], "apps": ["infra-bot-app"]},
            "bypass_pull_request_allowances": {"users": [user], "apps": ["infra-bot-app"]},
        },
        "restrictions": {"users": [user], "teams": [slug], "apps": ["infra-bot-app"]},
        "required_linear_history": true,
        "allow_force_pushes": null,
        "required_conversation_resolution": true,
    });
    let put = api.put(&path, &body).await;
    expect(&put, 200);
    assert_eq!(put.body["enforce_admins"]["enabled"], true);
    assert!(put.body["enforce_admins"]["url"].is_string());
    assert_eq!(
        put.body["required_linear_history"],
        json!({"enabled": true})
    );
    assert_eq!(put.body["allow_force_pushes"], json!({"enabled": false}));
    assert_eq!(
        put.body["required_status_checks"]["checks"],
        json!([{"context": "ci/test", "app_id": null}, {"context": "ci/lint", "app_id": null}])
    );
    assert_eq!(put.body["restrictions"]["users"][0]["login"], user);
    assert_eq!(put.body["restrictions"]["teams"][0]["slug"], slug);
    assert_eq!(put.body["restrictions"]["apps"][0]["slug"], "infra-bot-app");

    let get = api.get(&path).await;
    expect(&get, 200);
    assert_eq!(get.body, put.body);
    let reviews = &get.body["required_pull_request_reviews"];
    assert_eq!(reviews["required_approving_review_count"], 2);
    assert_eq!(reviews["require_code_owner_reviews"], false);
    assert_eq!(reviews["dismissal_restrictions"]["users"][0]["login"], user);
    assert_eq!(
        reviews["dismissal_restrictions"]["apps"][0]["slug"],
        "infra-bot-app"
    );
    assert_eq!(
        reviews["bypass_pull_request_allowances"]["teams"],
        json!([])
    );

    // Replacing: what is not sent is gone.
    let put = api
        .put(
            &path,
            &json!({"required_status_checks": {"strict": false, "contexts": [], "checks": [{"context": "build", "app_id": 15368}]},
                    "enforce_admins": null, "required_pull_request_reviews": null, "restrictions": null}),
        )
        .await;
    expect(&put, 200);
    assert!(
        put.body.get("required_pull_request_reviews").is_none(),
        "{put}"
    );
    assert!(put.body.get("restrictions").is_none(), "{put}");
    assert_eq!(
        put.body["required_status_checks"]["contexts"],
        json!(["build"])
    );
    assert_eq!(
        put.body["required_status_checks"]["checks"][0]["app_id"],
        15368
    );

    // Validation: review count, unknown user.
    let bad = api
        .put(
            &path,
            &json!({"required_status_checks": null, "enforce_admins": false,
                    "required_pull_request_reviews": {"required_approving_review_count": 7}, "restrictions": null}),
        )
        .await;
    expect(&bad, 422);
    assert!(bad.body["errors"][0].is_string(), "{bad}");
    let bad = api
        .put(
            &path,
            &json!({"required_status_checks": null, "enforce_admins": false,
                    "required_pull_request_reviews": null, "restrictions": {"users": ["nobody-at-all-x"], "teams": []}}),
        )
        .await;
    expect(&bad, 422);

    expect(&api.delete(&path).await, 204);
    expect(&api.get(&path).await, 404);
    let r = api.delete(&path).await;
    assert_eq!(r.status, 404, "{r}");

    // A branch that does not exist.
    let r = api
        .put(
            &format!("/repos/{repo}/branches/nope/protection"),
            &json!({"required_status_checks": null, "enforce_admins": null, "required_pull_request_reviews": null, "restrictions": null}),
        )
        .await;
    expect(&r, 404);
    assert_eq!(r.body["message"], "Branch not found");
    // Branches with slashes (URL-encoded).
    peer.new_branch(&repo, "release/v1").await;
    let r = api
        .put(
            &format!("/repos/{repo}/branches/release%2Fv1/protection"),
            &json!({"required_status_checks": null, "enforce_admins": true, "required_pull_request_reviews": null, "restrictions": null}),
        )
        .await;
    expect(&r, 200);
}

#[tokio::test]
async fn user_repositories_cannot_restrict_pushers() {
    let peer = infra_fakes::harness::GithubPeer::start().await;
    let owner = infra_fakes::harness::unique_repo_name("solo");
    peer.new_repo_with(json!({"owner": owner, "name": "r", "owner_type": "User"}))
        .await;
    let r = peer
        .api()
        .put(
            &format!("/repos/{owner}/r/branches/main/protection"),
            &json!({"required_status_checks": null, "enforce_admins": false,
                    "required_pull_request_reviews": null, "restrictions": {"users": [], "teams": []}}),
        )
        .await;
    expect(&r, 422);
    assert_eq!(
        r.body["errors"][0],
        "Only organization repositories can have users and team restrictions"
    );
}
