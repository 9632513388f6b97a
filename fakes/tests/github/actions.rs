//! Actions secrets (sealed boxes, checked by decrypting them) and variables.

use base64::Engine as _;
use crypto_box::aead::OsRng;
use crypto_box::PublicKey;
use infra_fakes::harness::{ApiClient, GithubPeer};
use serde_json::{json, Value};

use crate::{expect, peer_with_repo};

/// Seals `plaintext` for the key at `base` + `/secrets/public-key`, as a GitHub client does.
async fn seal(api: &ApiClient, base: &str, plaintext: &str) -> (String, String) {
    let key = api.get(&format!("{base}/secrets/public-key")).await;
    expect(&key, 200);
    let b64 = base64::engine::general_purpose::STANDARD;
    let raw = b64.decode(key.body["key"].as_str().unwrap()).unwrap();
    let public = PublicKey::from_slice(&raw).unwrap();
    let sealed = public.seal(&mut OsRng, plaintext.as_bytes()).unwrap();
    (
        key.body["key_id"].as_str().unwrap().to_string(),
        b64.encode(sealed),
    )
}

async fn round_trip(peer: &GithubPeer, repo: &str, base: &str, env: Option<&str>) {
    let api = peer.api();
    let (key_id, value) = seal(&api, base, "s3cr3t value ✓").await;
    let path = format!("{base}/secrets/deploy_token");
    let put = api
        .put(&path, &json!({"encrypted_value": value, "key_id": key_id}))
        .await;
    expect(&put, 201);
    assert_eq!(put.body, json!({}));
    assert_eq!(
        peer.secret_plaintext(repo, "DEPLOY_TOKEN", env).await,
        "s3cr3t value ✓"
    );

    let got = api.get(&path).await;
    expect(&got, 200);
    assert_eq!(got.body["name"], "DEPLOY_TOKEN");
    let keys: Vec<&String> = got.body.as_object().unwrap().keys().collect();
    assert_eq!(keys.len(), 3, "metadata only: {got}");

    // Update: 204, new plaintext.
    let (key_id, value) = seal(&api, base, "rotated").await;
    let put = api
        .put(&path, &json!({"encrypted_value": value, "key_id": key_id}))
        .await;
    expect(&put, 204);
    assert_eq!(
        peer.secret_plaintext(repo, "deploy_token", env).await,
        "rotated"
    );

    // A stale key id, and a value that is not a sealed box for this key.
    let stale = peer.rotate_secret_key(repo, env).await;
    assert_ne!(stale["key_id"], json!(key_id));
    let r = api
        .put(&path, &json!({"encrypted_value": value, "key_id": key_id}))
        .await;
    expect(&r, 422);
    let (key_id, _) = seal(&api, base, "x").await;
    let garbage = base64::engine::general_purpose::STANDARD.encode([7u8; 64]);
    let r = api
        .put(
            &path,
            &json!({"encrypted_value": garbage, "key_id": key_id}),
        )
        .await;
    expect(&r, 422);
    assert_eq!(
        peer.secret_plaintext(repo, "DEPLOY_TOKEN", env).await,
        "rotated"
    );

    let list = api.get(&format!("{base}/secrets")).await;
    expect(&list, 200);
    assert_eq!(list.body["total_count"], 1);
    assert_eq!(list.body["secrets"][0]["name"], "DEPLOY_TOKEN");

    expect(&api.delete(&path).await, 204);
    expect(&api.get(&path).await, 404);
}

#[tokio::test]
async fn repository_secret_round_trip() {
    let (peer, repo) = peer_with_repo("secrets").await;
    round_trip(&peer, &repo, &format!("/repos/{repo}/actions"), None).await;
    // Invalid names.
    let api = peer.api();
    let (key_id, value) = seal(&api, &format!("/repos/{repo}/actions"), "v").await;
    let r = api
        .put(
            &format!("/repos/{repo}/actions/secrets/GITHUB_TOKEN"),
            &json!({"encrypted_value": value, "key_id": key_id}),
        )
        .await;
    expect(&r, 422);
}

#[tokio::test]
async fn environment_and_environment_secret() {
    let (peer, repo) = peer_with_repo("env-secrets").await;
    let api = peer.api();
    let env_path = format!("/repos/{repo}/environments/production");
    let r = api.get(&format!("{env_path}/secrets/public-key")).await;
    expect(&r, 404);
    expect(&api.put(&env_path, &json!({})).await, 200);
    round_trip(&peer, &repo, &env_path, Some("production")).await;
    // Environment keys differ from the repository's.
    let repo_key = api
        .get(&format!("/repos/{repo}/actions/secrets/public-key"))
        .await;
    let env_key = api.get(&format!("{env_path}/secrets/public-key")).await;
    assert_ne!(repo_key.body["key"], env_key.body["key"]);
}

async fn variables(peer: &GithubPeer, base: &str) {
    let api = peer.api();
    let list_path = format!("{base}/variables");
    for i in 0..12 {
        let r = api
            .post(
                &list_path,
                &json!({"name": format!("var_{i:02}"), "value": format!("value {i}")}),
            )
            .await;
        expect(&r, 201);
        assert_eq!(r.body, json!({}));
    }
    let dup = api
        .post(&list_path, &json!({"name": "VAR_00", "value": "x"}))
        .await;
    expect(&dup, 409);
    let bad = api
        .post(&list_path, &json!({"name": "1st", "value": "x"}))
        .await;
    expect(&bad, 422);

    // Default page size 10, Link to the next page.
    let page = api.get(&list_path).await;
    expect(&page, 200);
    assert_eq!(page.body["total_count"], 12);
    assert_eq!(page.body["variables"].as_array().map(Vec::len), Some(10));
    assert!(
        page.header("link")
            .is_some_and(|l| l.contains("rel=\"next\"")),
        "{page}"
    );
    let page2 = api.get(&format!("{list_path}?page=2")).await;
    expect(&page2, 200);
    assert_eq!(page2.body["variables"].as_array().map(Vec::len), Some(2));
    // per_page is capped at 30.
    let all = api.get(&format!("{list_path}?per_page=100")).await;
    assert_eq!(all.body["variables"].as_array().map(Vec::len), Some(12));

    let path = format!("{base}/variables/var_03");
    let got = api.get(&path).await;
    expect(&got, 200);
    assert_eq!(got.body["name"], "VAR_03");
    assert_eq!(got.body["value"], "value 3");
    expect(&api.patch(&path, &json!({"value": "changed"})).await, 204);
    assert_eq!(api.get(&path).await.body["value"], "changed");
    expect(&api.patch(&path, &json!({"name": "renamed"})).await, 204);
    expect(&api.get(&path).await, 404);
    let renamed = api.get(&format!("{base}/variables/RENAMED")).await;
    assert_eq!(renamed.body["value"], Value::from("changed"));
    expect(&api.delete(&format!("{base}/variables/renamed")).await, 204);
    expect(&api.delete(&format!("{base}/variables/renamed")).await, 404);
}

#[tokio::test]
async fn repository_and_environment_variables() {
    let (peer, repo) = peer_with_repo("vars").await;
    variables(&peer, &format!("/repos/{repo}/actions")).await;
    let env = format!("/repos/{repo}/environments/staging");
    expect(&peer.api().put(&env, &json!({"wait_timer": 5})).await, 200);
    variables(&peer, &env).await;
}
