use serde_json::json;

use crate::peer_with_zone;

#[tokio::test]
async fn healthcheck_crud() {
    let (peer, zone_id, _) = peer_with_zone("hc").await;
    let api = peer.api();
    let base = format!("/zones/{zone_id}/healthchecks");

    let created = api
        .post(&base, &json!({"name": "origin", "address": "origin.example.net", "type": "HTTPS", "check_regions": ["WEU", "ENAM"], "http_config": {"path": "/health", "expected_codes": ["200"]}}))
        .await;
    let created = created.result().clone();
    let id = created["id"].as_str().unwrap_or_default().to_string();
    assert_eq!(id.len(), 32);
    assert_eq!(created["status"], "unknown");
    assert_eq!(created["interval"], 60);
    assert_eq!(created["retries"], 2);
    assert_eq!(created["http_config"]["port"], 443);
    assert_eq!(created["http_config"]["method"], "GET");
    assert_eq!(created["tcp_config"], serde_json::Value::Null);

    assert_eq!(api.get(&format!("{base}/{id}")).await.result(), &created);
    let list = api.get(&format!("{base}?per_page=5")).await;
    assert_eq!(list.result().as_array().map(Vec::len), Some(1));
    assert_eq!(list.body["result_info"]["total_count"], 1);

    // The description makes PATCH bodies carry name and address too.
    let patched = api.patch(&format!("{base}/{id}"), &json!({"name": "origin", "address": "origin.example.net", "suspended": true, "http_config": {"path": "/ready"}})).await;
    let patched = patched.result().clone();
    assert_eq!(patched["status"], "suspended");
    assert_eq!(patched["http_config"]["path"], "/ready");
    assert_eq!(patched["http_config"]["port"], 443);
    assert_eq!(patched["check_regions"], json!(["WEU", "ENAM"]));

    let replaced = api.put(&format!("{base}/{id}"), &json!({"name": "db", "address": "192.0.2.5", "type": "TCP", "tcp_config": {"port": 5432}})).await;
    let replaced = replaced.result().clone();
    assert_eq!(replaced["type"], "TCP");
    assert_eq!(replaced["http_config"], serde_json::Value::Null);
    assert_eq!(replaced["tcp_config"]["port"], 5432);
    assert_eq!(replaced["check_regions"], serde_json::Value::Null);
    assert_eq!(replaced["created_on"], created["created_on"]);

    let bad = api
        .post(&base, &json!({"name": "x", "address": "y", "type": "UDP"}))
        .await;
    bad.expect_status(400);

    assert_eq!(
        api.delete(&format!("{base}/{id}")).await.result(),
        &json!({"id": id})
    );
    api.get(&format!("{base}/{id}")).await.expect_status(404);
}
