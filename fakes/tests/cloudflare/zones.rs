use serde_json::Value;

use crate::peer_with_zone;

#[tokio::test]
async fn zone_get_and_list() {
    let (peer, zone_id, name) = peer_with_zone("zones").await;
    let api = peer.api();

    let zone = api.get(&format!("/zones/{zone_id}")).await;
    let zone = zone.result();
    assert_eq!(zone["id"], zone_id.as_str());
    assert_eq!(zone["name"], name.as_str());
    assert_eq!(zone["status"], "active");
    assert_eq!(zone["name_servers"].as_array().map(Vec::len), Some(2));

    let list = api.get(&format!("/zones?name={name}")).await;
    let zones = list.result().as_array().cloned().unwrap_or_default();
    assert_eq!(zones.len(), 1, "{list}");
    assert_eq!(zones[0]["id"], zone_id.as_str());
    assert_eq!(list.body["result_info"]["total_count"], 1);

    // Operator prefixes, account filter and paging.
    let prefix = name.split('.').next().unwrap_or_default();
    let list = api
        .get(&format!(
            "/zones?name=contains:{prefix}&account.id={}&per_page=5",
            zone["account"]["id"].as_str().unwrap_or_default()
        ))
        .await;
    assert_eq!(list.result().as_array().map(Vec::len), Some(1), "{list}");
    assert_eq!(list.body["result_info"]["per_page"], 5);

    let list = api.get(&format!("/zones?name={name}&status=pending")).await;
    assert_eq!(list.result(), &Value::Array(vec![]));
    let list = api
        .get(&format!("/zones?name={name}&status=pending&match=any"))
        .await;
    assert_eq!(list.result().as_array().map(Vec::len), Some(1), "{list}");
}

#[tokio::test]
async fn unknown_zone_is_404() {
    let (peer, _, _) = peer_with_zone("zones404").await;
    let missing = "0123456789abcdef0123456789abcdef";
    let r = peer.api().get(&format!("/zones/{missing}")).await;
    r.expect_status(404);
    assert_eq!(r.error_code(), Some(7003), "{r}");
    let r = peer
        .api()
        .get(&format!("/zones/{missing}/dns_records"))
        .await;
    r.expect_status(404);
}

#[tokio::test]
async fn requests_need_a_token() {
    let (peer, zone_id, _) = peer_with_zone("auth").await;
    // Prism refuses a request without credentials itself.
    let r = peer
        .api()
        .without_token()
        .get(&format!("/zones/{zone_id}"))
        .await;
    r.expect_status(401);
    // The fake refuses an empty token (which Prism lets through).
    let r = peer
        .direct()
        .with_token("")
        .get(&format!("/zones/{zone_id}"))
        .await;
    r.expect_status(401);
    assert_eq!(r.error_code(), Some(10000), "{r}");
    // Any non-empty token is accepted (tests may use canary tokens).
    let r = peer
        .api()
        .with_token("canary-7f3a")
        .get(&format!("/zones/{zone_id}"))
        .await;
    r.expect_status(200);
}
