use serde_json::json;

use crate::{expect, peer_with_repo};

#[tokio::test]
async fn comments_on_a_pull_request_with_pagination() {
    let (peer, repo) = peer_with_repo("comments").await;
    let (owner, name) = repo.split_once('/').unwrap();
    let pull = peer
        .new_pull(owner, name, "feature/x", "main", "Add x")
        .await;
    let number = pull["number"].as_u64().unwrap();
    let api = peer.api();

    let got = api.get(&format!("/repos/{repo}/pulls/{number}")).await;
    expect(&got, 200);
    assert_eq!(got.body["title"], "Add x");
    assert_eq!(got.body["head"]["ref"], "feature/x");
    assert_eq!(got.body["base"]["repo"]["full_name"], repo);
    assert_eq!(got.body["state"], "open");
    expect(
        &api.get(&format!("/repos/{repo}/pulls/{}", number + 100))
            .await,
        404,
    );

    let list_path = format!("/repos/{repo}/issues/{number}/comments");
    let mut ids = vec![];
    for i in 0..5 {
        let r = api
            .post(&list_path, &json!({"body": format!("plan #{i}")}))
            .await;
        expect(&r, 201);
        assert_eq!(r.body["user"]["login"], "infra-bot");
        assert!(r.body["html_url"]
            .as_str()
            .unwrap()
            .contains(&format!("/pull/{number}#issuecomment-")));
        assert!(r.header("location").is_some());
        ids.push(r.body["id"].as_u64().unwrap());
    }

    // Pages of two, following the Link header.
    let mut seen = vec![];
    let mut next = Some(format!("{list_path}?per_page=2"));
    let mut pages = 0;
    while let Some(path) = next.take() {
        let r = api.get(&path).await;
        expect(&r, 200);
        pages += 1;
        seen.extend(
            r.body
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["id"].as_u64().unwrap()),
        );
        next = r.header("link").and_then(|l| {
            l.split(',')
                .find(|p| p.contains("rel=\"next\""))
                .and_then(|p| p.split(['<', '>']).nth(1))
                .map(|url| url.strip_prefix(api.base_url()).unwrap_or(url).to_string())
        });
        assert!(pages < 10);
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, ids);
    let last = api.get(&format!("{list_path}?per_page=2&page=3")).await;
    assert!(last
        .header("link")
        .is_some_and(|l| l.contains("rel=\"prev\"") && !l.contains("rel=\"next\"")));

    let path = format!("/repos/{repo}/issues/comments/{}", ids[1]);
    let got = api.get(&path).await;
    expect(&got, 200);
    assert_eq!(got.body["body"], "plan #1");
    let patched = api
        .patch(&path, &json!({"body": "plan #1 (updated)"}))
        .await;
    expect(&patched, 200);
    assert_eq!(patched.body["body"], "plan #1 (updated)");
    expect(&api.delete(&path).await, 204);
    expect(&api.get(&path).await, 404);
    let list = api.get(&list_path).await;
    assert_eq!(list.body.as_array().map(Vec::len), Some(4));

    // Empty bodies, unknown issues, issues (not only pull requests).
    expect(&api.post(&list_path, &json!({"body": "  "})).await, 422);
    expect(
        &api.post(
            &format!("/repos/{repo}/issues/9999/comments"),
            &json!({"body": "x"}),
        )
        .await,
        404,
    );
    let issue = peer.new_issue(&repo, "bug").await;
    let r = api
        .post(
            &format!("/repos/{repo}/issues/{issue}/comments"),
            &json!({"body": "on an issue"}),
        )
        .await;
    expect(&r, 201);
    assert!(r.body["html_url"].as_str().unwrap().contains("/issues/"));
}
