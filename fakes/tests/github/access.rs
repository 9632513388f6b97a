use serde_json::json;

use crate::{expect, peer_with_repo};

#[tokio::test]
async fn collaborators_invitations_and_permissions() {
    let (peer, repo) = peer_with_repo("collab").await;
    let org = repo.split('/').next().unwrap().to_string();
    let base = repo.split('/').nth(1).unwrap().to_string();
    let member = format!("{base}-member");
    let outsider = format!("{base}-outsider");
    peer.new_org(&org, &[&member]).await;
    peer.new_user(&outsider).await;
    let api = peer.api();

    // A member is added at once (204); an outsider is invited (201).
    let r = api
        .put(
            &format!("/repos/{repo}/collaborators/{member}"),
            &json!({"permission": "maintain"}),
        )
        .await;
    expect(&r, 204);
    let r = api
        .put(
            &format!("/repos/{repo}/collaborators/{outsider}"),
            &json!({"permission": "pull"}),
        )
        .await;
    expect(&r, 201);
    assert_eq!(r.body["invitee"]["login"], outsider);
    assert_eq!(r.body["permissions"], "read");
    assert_eq!(r.body["repository"]["full_name"], repo);

    let list = api
        .get(&format!("/repos/{repo}/collaborators?affiliation=direct"))
        .await;
    expect(&list, 200);
    let logins: Vec<&str> = list
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["login"].as_str().unwrap())
        .collect();
    assert_eq!(logins, [member.as_str()]);
    assert_eq!(list.body[0]["role_name"], "maintain");
    assert_eq!(list.body[0]["permissions"]["maintain"], true);
    assert_eq!(list.body[0]["permissions"]["admin"], false);

    peer.accept_invitation(&repo, &outsider).await;
    let outside = api
        .get(&format!("/repos/{repo}/collaborators?affiliation=outside"))
        .await;
    expect(&outside, 200);
    assert_eq!(outside.body.as_array().map(Vec::len), Some(1));
    assert_eq!(outside.body[0]["login"], outsider);
    assert_eq!(outside.body[0]["role_name"], "read");

    let perm = api
        .get(&format!("/repos/{repo}/collaborators/{member}/permission"))
        .await;
    expect(&perm, 200);
    assert_eq!(perm.body["permission"], "write");
    assert_eq!(perm.body["role_name"], "maintain");
    assert_eq!(perm.body["user"]["login"], member);

    // Updating an existing collaborator: 204.
    let r = api
        .put(
            &format!("/repos/{repo}/collaborators/{outsider}"),
            &json!({"permission": "admin"}),
        )
        .await;
    expect(&r, 204);
    let perm = api
        .get(&format!(
            "/repos/{repo}/collaborators/{outsider}/permission"
        ))
        .await;
    assert_eq!(perm.body["permission"], "admin");

    expect(
        &api.delete(&format!("/repos/{repo}/collaborators/{outsider}"))
            .await,
        204,
    );
    let perm = api
        .get(&format!(
            "/repos/{repo}/collaborators/{outsider}/permission"
        ))
        .await;
    expect(&perm, 200);
    assert_eq!(perm.body["permission"], "read", "public repository: {perm}");

    let r = api
        .put(
            &format!("/repos/{repo}/collaborators/no-such-user-{base}"),
            &json!({}),
        )
        .await;
    assert_eq!(r.status, 404, "{r}");
    let r = api
        .put(
            &format!("/repos/{repo}/collaborators/{member}"),
            &json!({"permission": "superuser"}),
        )
        .await;
    expect(&r, 422);
}

#[tokio::test]
async fn team_repository_permissions() {
    let (peer, repo) = peer_with_repo("teams").await;
    let org = repo.split('/').next().unwrap().to_string();
    let base = repo.split('/').nth(1).unwrap().to_string();
    let dev = format!("{base}-dev");
    let team = peer.new_team(&org, &format!("{base} Devs"), &[&dev]).await;
    let slug = team["slug"].as_str().unwrap().to_string();
    let api = peer.api();
    let path = format!("/orgs/{org}/teams/{slug}/repos/{repo}");

    let r = api.get(&path).await;
    assert_eq!(r.status, 404, "{r}");
    expect(&api.put(&path, &json!({"permission": "push"})).await, 204);
    expect(&api.get(&path).await, 204);
    let full = api
        .clone()
        .with_header("accept", "application/vnd.github.v3.repository+json")
        .get(&path)
        .await;
    expect(&full, 200);
    assert_eq!(full.body["full_name"], repo);
    assert_eq!(full.body["role_name"], "write");
    assert_eq!(full.body["permissions"]["push"], true);
    assert_eq!(full.body["permissions"]["maintain"], false);

    let teams = api.get(&format!("/repos/{repo}/teams")).await;
    expect(&teams, 200);
    assert_eq!(teams.body[0]["slug"], slug);
    assert_eq!(teams.body[0]["permission"], "push");

    // Team members are collaborators (affiliation=all), not direct ones.
    let all = api.get(&format!("/repos/{repo}/collaborators")).await;
    expect(&all, 200);
    assert!(all
        .body
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["login"] == dev.as_str()));
    let direct = api
        .get(&format!("/repos/{repo}/collaborators?affiliation=direct"))
        .await;
    assert_eq!(direct.body, json!([]));

    expect(&api.put(&path, &json!({"permission": "admin"})).await, 204);
    let perm = api
        .get(&format!("/repos/{repo}/collaborators/{dev}/permission"))
        .await;
    assert_eq!(perm.body["permission"], "admin");

    expect(&api.delete(&path).await, 204);
    assert_eq!(api.get(&path).await.status, 404);
    assert_eq!(
        api.get(&format!("/repos/{repo}/teams")).await.body,
        json!([])
    );
}
