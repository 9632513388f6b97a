use serde_json::json;

use crate::peer_with_zone;

#[tokio::test]
async fn pagerule_crud() {
    let (peer, zone_id, zone) = peer_with_zone("pr").await;
    let api = peer.api();
    let base = format!("/zones/{zone_id}/pagerules");
    let target = |path: &str| json!([{"target": "url", "constraint": {"operator": "matches", "value": format!("{zone}/{path}")}}]);

    let created = api
        .post(&base, &json!({"targets": target("*"), "actions": [{"id": "forwarding_url", "value": {"url": "https://example.net/foo", "status_code": 301}}], "priority": 1, "status": "active"}))
        .await;
    let created = created.result().clone();
    let id = created["id"].as_str().unwrap_or_default().to_string();
    assert_eq!(created["status"], "active");
    assert_eq!(created["priority"], 1);

    let defaults = api.post(&base, &json!({"targets": target("static/*"), "actions": [{"id": "cache_level", "value": "cache_everything"}]})).await;
    assert_eq!(defaults.result()["status"], "disabled");
    assert_eq!(defaults.result()["priority"], 1);

    assert_eq!(api.get(&format!("{base}/{id}")).await.result(), &created);
    let list = api.get(&format!("{base}?status=active")).await;
    assert_eq!(list.result().as_array().map(Vec::len), Some(1));
    let list = api.get(&base).await;
    assert_eq!(list.result().as_array().map(Vec::len), Some(2));

    let patched = api
        .patch(
            &format!("{base}/{id}"),
            &json!({"status": "disabled", "priority": 2}),
        )
        .await;
    assert_eq!(patched.result()["status"], "disabled");
    assert_eq!(patched.result()["actions"], created["actions"]);

    let replaced = api
        .put(
            &format!("{base}/{id}"),
            &json!({"targets": target("*"), "actions": [{"id": "always_use_https"}]}),
        )
        .await;
    assert_eq!(
        replaced.result()["actions"],
        json!([{"id": "always_use_https"}])
    );

    // Same target twice, forwarding combined with another action, and the free plan's quota of 3.
    let dup = api
        .post(
            &base,
            &json!({"targets": target("*"), "actions": [{"id": "ssl", "value": "full"}]}),
        )
        .await;
    dup.expect_status(400);
    let mixed = api
        .post(&base, &json!({"targets": target("x/*"), "actions": [{"id": "forwarding_url", "value": {"url": "https://e.net", "status_code": 302}}, {"id": "ssl", "value": "full"}]}))
        .await;
    mixed.expect_status(400);
    api.post(
        &base,
        &json!({"targets": target("third/*"), "actions": [{"id": "ssl", "value": "full"}]}),
    )
    .await
    .result();
    let over = api
        .post(
            &base,
            &json!({"targets": target("fourth/*"), "actions": [{"id": "ssl", "value": "full"}]}),
        )
        .await;
    over.expect_status(400);
    assert_eq!(over.error_code(), Some(1004));

    assert_eq!(
        api.delete(&format!("{base}/{id}")).await.result(),
        &json!({"id": id})
    );
    api.get(&format!("{base}/{id}")).await.expect_status(404);
}
