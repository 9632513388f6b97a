use base64::Engine as _;
use serde_json::json;

use crate::{expect, peer_with_repo};

/// A syntactically valid, unique ed25519 public key.
pub fn ed25519_key(comment: &str) -> String {
    let mut blob = vec![0, 0, 0, 11];
    blob.extend_from_slice(b"ssh-ed25519");
    blob.extend_from_slice(&[0, 0, 0, 32]);
    blob.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
    blob.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
    format!(
        "ssh-ed25519 {} {comment}",
        base64::engine::general_purpose::STANDARD.encode(blob)
    )
}

#[tokio::test]
async fn create_get_list_delete_and_duplicates() {
    let (peer, repo) = peer_with_repo("keys").await;
    let api = peer.api();
    let key = ed25519_key("deploy@infra");
    let created = api
        .post(
            &format!("/repos/{repo}/keys"),
            &json!({"title": "deploy", "key": key, "read_only": true}),
        )
        .await;
    expect(&created, 201);
    let id = created.body["id"].as_u64().unwrap();
    assert_eq!(created.body["read_only"], true);
    assert_eq!(created.body["verified"], true);
    assert_eq!(created.body["added_by"], "infra-bot");
    assert_eq!(
        created.body["key"].as_str(),
        key.rsplit_once(' ').map(|(k, _)| k),
        "the comment is dropped"
    );

    let dup = api
        .post(
            &format!("/repos/{repo}/keys"),
            &json!({"title": "again", "key": key}),
        )
        .await;
    expect(&dup, 422);
    assert_eq!(dup.body["errors"][0]["message"], "key is already in use");
    let bad = api
        .post(
            &format!("/repos/{repo}/keys"),
            &json!({"title": "bad", "key": "ssh-ed25519 not-base64!"}),
        )
        .await;
    expect(&bad, 422);

    let path = format!("/repos/{repo}/keys/{id}");
    let got = api.get(&path).await;
    expect(&got, 200);
    assert_eq!(got.body["title"], "deploy");
    let list = api.get(&format!("/repos/{repo}/keys")).await;
    expect(&list, 200);
    assert_eq!(list.body.as_array().map(Vec::len), Some(1));
    expect(&api.delete(&path).await, 204);
    expect(&api.get(&path).await, 404);
    // Once deleted, the key may be used again.
    let again = api
        .post(&format!("/repos/{repo}/keys"), &json!({"key": key}))
        .await;
    expect(&again, 201);
    assert_eq!(again.body["title"], "deploy@infra");
}
