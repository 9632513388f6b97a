use serde_json::json;

use crate::peer_with_zone;

#[tokio::test]
async fn settings_read_and_edit() {
    let (peer, zone_id, _) = peer_with_zone("settings").await;
    let api = peer.api();
    let base = format!("/zones/{zone_id}/settings");

    let all = api.get(&base).await;
    let all = all.result().as_array().cloned().unwrap_or_default();
    assert_eq!(all.len(), 55);
    assert!(all
        .iter()
        .all(|s| s["editable"] == true && s["id"].is_string()));

    let ssl = api.get(&format!("{base}/ssl")).await;
    assert_eq!(ssl.result()["modified_on"], serde_json::Value::Null);
    let ssl = api
        .patch(&format!("{base}/ssl"), &json!({"value": "strict"}))
        .await;
    assert_eq!(ssl.result()["value"], "strict");
    assert!(ssl.result()["modified_on"].is_string());
    assert_eq!(
        api.get(&format!("{base}/ssl")).await.result()["value"],
        "strict"
    );

    let tls = api
        .patch(
            &format!("{base}/min_tls_version"),
            &json!({"id": "min_tls_version", "value": "1.2"}),
        )
        .await;
    assert_eq!(tls.result()["value"], "1.2");
    // Prism checks the value when the body names the setting; the fake checks it anyway.
    api.patch(
        &format!("{base}/min_tls_version"),
        &json!({"id": "min_tls_version", "value": "9.9"}),
    )
    .await
    .expect_status(422);
    let r = api
        .patch(&format!("{base}/min_tls_version"), &json!({"value": "9.9"}))
        .await;
    r.expect_status(400);
    assert_eq!(r.error_code(), Some(1007), "{r}");

    let hsts = json!({"strict_transport_security": {"enabled": true, "max_age": 31536000, "include_subdomains": true, "preload": false, "nosniff": true}});
    let r = api
        .patch(&format!("{base}/security_header"), &json!({"value": hsts}))
        .await;
    assert_eq!(r.result()["value"], hsts);
    // A partial value is merged into the current one.
    let r = api
        .patch(
            &format!("{base}/security_header"),
            &json!({"value": {"strict_transport_security": {"preload": true}}}),
        )
        .await;
    assert_eq!(
        r.result()["value"]["strict_transport_security"]["max_age"],
        31536000
    );
    assert_eq!(
        r.result()["value"]["strict_transport_security"]["preload"],
        true
    );

    let r = api
        .patch(
            &format!("{base}/browser_cache_ttl"),
            &json!({"value": 7200}),
        )
        .await;
    assert_eq!(r.result()["value"], 7200);
    let r = api
        .patch(
            &format!("{base}/browser_cache_ttl"),
            &json!({"value": 7201}),
        )
        .await;
    r.expect_status(400);

    // Several at once; nothing is applied when one is invalid.
    let r = api
        .patch(
            &base,
            &json!([{"id": "always_use_https", "value": "on"}, {"id": "tls_1_3", "value": "zrt"}]),
        )
        .await;
    assert_eq!(r.result().as_array().map(Vec::len), Some(2));
    let r = api.patch(&base, &json!([{"id": "always_use_https", "value": "off"}, {"id": "tls_1_3", "value": "nope"}])).await;
    assert!(r.status == 400 || r.status == 422, "{r}");
    assert_eq!(
        api.get(&format!("{base}/always_use_https")).await.result()["value"],
        "on"
    );

    let r = api.get(&format!("{base}/no_such_setting")).await;
    r.expect_status(404);
    assert_eq!(r.error_code(), Some(1006), "{r}");

    // The special shapes.
    let dev = api.get(&format!("{base}/development_mode")).await;
    assert_eq!(dev.result()["time_remaining"], 0);
    let rec = api.get(&format!("{base}/ssl_recommender")).await;
    assert_eq!(rec.result()["enabled"], false);
}
