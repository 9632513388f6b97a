use serde_json::json;

use crate::{expect, peer_with_repo};

#[tokio::test]
async fn put_get_list_delete() {
    let (peer, repo) = peer_with_repo("envs").await;
    let org = repo.split('/').next().unwrap().to_string();
    let api = peer.api();
    let reviewer_login = format!("{}-rev", repo.split('/').nth(1).unwrap());
    let reviewer = peer.new_user(&reviewer_login).await;
    let team = peer
        .new_team(&org, &format!("{reviewer_login} approvers"), &[])
        .await;
    let path = format!("/repos/{repo}/environments/production");

    expect(&api.get(&path).await, 404);
    let r = api
        .put(
            &path,
            &json!({
                "wait_timer": 30,
                "prevent_self_review": true,
                "reviewers": [{"type": "User", "id": reviewer["id"]}, {"type": "Team", "id": team["id"]}],
                "deployment_branch_policy": {"protected_branches": true, "custom_branch_policies": false},
            }),
        )
        .await;
    expect(&r, 200);
    assert_eq!(r.body["name"], "production");
    let rules = r.body["protection_rules"].as_array().unwrap();
    let types: Vec<&str> = rules.iter().map(|r| r["type"].as_str().unwrap()).collect();
    assert_eq!(types, ["wait_timer", "required_reviewers", "branch_policy"]);
    assert_eq!(rules[0]["wait_timer"], 30);
    assert_eq!(rules[1]["prevent_self_review"], true);
    assert_eq!(
        rules[1]["reviewers"][0]["reviewer"]["login"],
        reviewer_login
    );
    assert_eq!(rules[1]["reviewers"][1]["reviewer"]["slug"], team["slug"]);
    assert_eq!(
        r.body["deployment_branch_policy"],
        json!({"protected_branches": true, "custom_branch_policies": false})
    );

    // Absent fields keep their values; null clears.
    let r = api
        .put(
            &path,
            &json!({"wait_timer": 0, "reviewers": null, "deployment_branch_policy": null}),
        )
        .await;
    expect(&r, 200);
    assert_eq!(r.body["protection_rules"], json!([]));
    assert_eq!(r.body["deployment_branch_policy"], json!(null));

    for bad in [
        json!({"wait_timer": 43201}),
        json!({"reviewers": [{"type": "User", "id": 999999999}]}),
        json!({"deployment_branch_policy": {"protected_branches": true, "custom_branch_policies": true}}),
    ] {
        expect(&api.put(&path, &bad).await, 422);
    }
    if peer.via_prism {
        // The PUT body refuses unknown fields (additionalProperties: false).
        let r = api.put(&path, &json!({"wait_timers": 3})).await;
        assert_eq!(r.status, 422, "{r}");
    }

    expect(
        &api.put(&format!("/repos/{repo}/environments/staging"), &json!(null))
            .await,
        200,
    );
    let list = api.get(&format!("/repos/{repo}/environments")).await;
    expect(&list, 200);
    assert_eq!(list.body["total_count"], 2);
    // Names are case-insensitive.
    expect(
        &api.get(&format!("/repos/{repo}/environments/PRODUCTION"))
            .await,
        200,
    );

    expect(&api.delete(&path).await, 204);
    expect(&api.get(&path).await, 404);
}
