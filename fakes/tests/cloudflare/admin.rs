use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use infra_fakes::harness::{unique_zone_name, CloudflarePeer};
use serde_json::json;

#[tokio::test]
async fn admin_zones_and_request_log() {
    let peer = CloudflarePeer::start().await;
    let name = unique_zone_name("admin");
    let zone = peer.new_zone_with(json!({"name": name, "plan": "enterprise", "account_id": "0123456789abcdef0123456789abcdef"})).await;
    assert_eq!(zone["meta"]["page_rule_quota"], 125);
    assert_eq!(zone["account"]["id"], "0123456789abcdef0123456789abcdef");
    let zone_id = zone["id"].as_str().unwrap_or_default().to_string();

    // The same name in the same account is refused.
    let http = reqwest::Client::new();
    let r = http
        .post(format!("{}/__fake/zones", peer.fake_url))
        .json(&json!({"name": name, "account_id": "0123456789abcdef0123456789abcdef"}))
        .send()
        .await
        .expect("response");
    assert_eq!(r.status(), 400);
    let r = http
        .post(format!("{}/__fake/zones", peer.fake_url))
        .json(&json!({"name": "not a zone"}))
        .send()
        .await
        .expect("response");
    assert_eq!(r.status(), 400);

    peer.api()
        .get(&format!("/zones/{zone_id}/dns_records?type=A"))
        .await
        .expect_status(200);
    peer.direct()
        .with_token("")
        .get(&format!("/zones/{zone_id}"))
        .await
        .expect_status(401);
    let log = peer.requests(&zone_id).await;
    assert_eq!(log.len(), 2);
    assert_eq!(log[0].method, "GET");
    assert_eq!(log[0].path, format!("/zones/{zone_id}/dns_records"));
    assert_eq!(log[0].query.as_deref(), Some("type=A"));
    assert!(log[0].authorized);
    assert!(!log[1].authorized);

    let r = http
        .delete(format!("{}/__fake/zones/{zone_id}", peer.fake_url))
        .send()
        .await
        .expect("response");
    assert_eq!(r.status(), 200);
    peer.api()
        .get(&format!("/zones/{zone_id}"))
        .await
        .expect_status(404);
}

#[tokio::test]
async fn isolated_peer_has_its_own_fake() {
    let peer = CloudflarePeer::start_isolated().await;
    let zone_id = peer.new_zone("isolated.example.com").await;
    peer.api()
        .get(&format!("/zones/{zone_id}"))
        .await
        .expect_status(200);
    let shared = CloudflarePeer::start().await;
    assert_ne!(shared.fake_url, peer.fake_url);
    shared
        .api()
        .get(&format!("/zones/{zone_id}"))
        .await
        .expect_status(404);
}

#[test]
fn binary_prints_its_address_and_serves() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_infra-fake"))
        .args(["cloudflare", "--port", "0"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("infra-fake starts");
    let mut line = String::new();
    let stdout = child.stdout.take().expect("stdout");
    BufReader::new(stdout).read_line(&mut line).expect("a line");
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .map(str::to_string);
    let health = url.as_ref().map(|url| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(async {
            reqwest::get(format!("{url}/__fake/health"))
                .await
                .map(|r| r.status().as_u16())
        })
    });
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        url.as_deref()
            .is_some_and(|u| u.starts_with("http://127.0.0.1:")),
        "{line:?}"
    );
    assert_eq!(health.and_then(Result::ok), Some(200));
}
