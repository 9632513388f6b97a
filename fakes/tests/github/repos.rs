use infra_fakes::harness::{unique_repo_name, GithubPeer, GITHUB_TEST_ORG};
use serde_json::json;

use crate::{expect, peer_with_repo};

#[tokio::test]
async fn create_get_patch_rename_delete() {
    let peer = GithubPeer::start().await;
    peer.new_org(GITHUB_TEST_ORG, &[]).await;
    let api = peer.api();
    let name = unique_repo_name("crud");
    let r = api
        .post(
            &format!("/orgs/{GITHUB_TEST_ORG}/repos"),
            &json!({"name": name, "description": "made by a test", "private": true, "auto_init": true}),
        )
        .await;
    expect(&r, 201);
    assert_eq!(r.body["full_name"], format!("{GITHUB_TEST_ORG}/{name}"));
    assert_eq!(r.body["private"], true);
    assert_eq!(r.body["visibility"], "private");
    assert_eq!(r.body["organization"]["login"], GITHUB_TEST_ORG);
    assert_eq!(r.body["owner"]["type"], "Organization");
    assert!(
        r.header("location")
            .is_some_and(|l| l.ends_with(&format!("/repos/{GITHUB_TEST_ORG}/{name}"))),
        "{r}"
    );
    // Every field the description requires is there (Prism checked; spot-check a few).
    for key in [
        "archive_url",
        "has_discussions",
        "language",
        "network_count",
        "pushed_at",
    ] {
        assert!(r.body.get(key).is_some(), "{key} missing: {r}");
    }

    let path = format!("/repos/{GITHUB_TEST_ORG}/{name}");
    let got = api.get(&path).await;
    expect(&got, 200);
    assert_eq!(got.body["description"], "made by a test");
    assert_eq!(got.body["id"], r.body["id"]);

    // A second repository of that name is refused.
    let dup = api
        .post(
            &format!("/orgs/{GITHUB_TEST_ORG}/repos"),
            &json!({"name": name}),
        )
        .await;
    expect(&dup, 422);
    assert_eq!(dup.body["message"], "Repository creation failed.");
    assert_eq!(dup.body["errors"][0]["field"], "name");

    let patched = api
        .patch(
            &path,
            &json!({"has_wiki": false, "allow_squash_merge": false, "squash_merge_commit_title": "PR_TITLE",
                    "squash_merge_commit_message": "PR_BODY", "delete_branch_on_merge": true,
                    "visibility": "public", "homepage": "https://example.com"}),
        )
        .await;
    expect(&patched, 200);
    assert_eq!(patched.body["has_wiki"], false);
    assert_eq!(patched.body["private"], false);
    assert_eq!(patched.body["squash_merge_commit_title"], "PR_TITLE");
    assert_eq!(patched.body["homepage"], "https://example.com");

    // GitHub's merge message combinations.
    let bad = api
        .patch(
            &path,
            &json!({"merge_commit_title": "MERGE_MESSAGE", "merge_commit_message": "PR_BODY"}),
        )
        .await;
    expect(&bad, 422);
    assert_eq!(bad.body["message"], "Validation Failed");

    // default_branch must exist.
    let bad = api.patch(&path, &json!({"default_branch": "nope"})).await;
    expect(&bad, 422);

    // Rename: the new name answers, the old one redirects to it.
    let new_name = format!("{name}-renamed");
    let renamed = api.patch(&path, &json!({"name": new_name})).await;
    expect(&renamed, 200);
    assert_eq!(renamed.body["name"], new_name);
    assert_eq!(renamed.body["id"], r.body["id"]);
    let new_path = format!("/repos/{GITHUB_TEST_ORG}/{new_name}");
    expect(&api.get(&new_path).await, 200);
    let direct = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(format!("{}{path}", peer.fake_url))
        .bearer_auth("t")
        .send()
        .await
        .unwrap();
    assert_eq!(direct.status(), 301);
    let followed = api.get(&path).await;
    expect(&followed, 200);
    assert_eq!(followed.body["name"], new_name);

    // Archived repositories are read-only until unarchived.
    expect(&api.patch(&new_path, &json!({"archived": true})).await, 200);
    expect(
        &api.patch(&new_path, &json!({"description": "x"})).await,
        403,
    );
    expect(
        &api.patch(&new_path, &json!({"archived": false})).await,
        200,
    );

    expect(&api.delete(&new_path).await, 204);
    expect(&api.get(&new_path).await, 404);
    let gone = api.get(&new_path).await;
    assert_eq!(gone.body["message"], "Not Found");
}

#[tokio::test]
async fn user_repositories_belong_to_the_token_user() {
    let peer = GithubPeer::start().await;
    let login = unique_repo_name("user");
    let token = format!("token-{login}");
    peer.new_user_with_token(&login, &token).await;
    let api = peer.api().with_token(token.as_str());
    let name = unique_repo_name("mine");
    let r = api
        .post(
            "/user/repos",
            &json!({"name": format!("{name} with spaces")}),
        )
        .await;
    expect(&r, 201);
    assert_eq!(r.body["name"], format!("{name}-with-spaces"));
    assert_eq!(r.body["owner"]["login"], login);
    assert_eq!(r.body["owner"]["type"], "User");
    assert!(r.body.get("organization").is_none());
    assert!(r.body["pushed_at"].is_string());
}

#[tokio::test]
async fn requests_need_a_token() {
    let (peer, repo) = peer_with_repo("auth").await;
    let r = peer
        .api()
        .without_token()
        .get(&format!("/repos/{repo}"))
        .await;
    assert_eq!(r.status, 401, "{r}");
    assert_eq!(r.body["message"], "Requires authentication");
    assert!(r.body["documentation_url"].is_string());
    // `token <t>` works as well as `Bearer <t>`.
    let r = peer
        .api()
        .without_token()
        .with_header("authorization", "token abc")
        .get(&format!("/repos/{repo}"))
        .await;
    expect(&r, 200);
}
