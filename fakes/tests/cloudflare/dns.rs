use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::peer_with_zone;

fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["id"].as_str().map(str::to_string))
        .collect()
}

#[tokio::test]
async fn records_of_each_common_type_round_trip() {
    let (peer, zone_id, zone) = peer_with_zone("dns").await;
    let api = peer.api();
    let path = format!("/zones/{zone_id}/dns_records");

    let a = api.post(&path, &json!({"type": "A", "name": "www", "content": "192.0.2.10", "ttl": 3600, "comment": "web"})).await;
    let a = a.result().clone();
    assert_eq!(a["name"], format!("www.{zone}"));
    assert_eq!(a["proxiable"], true);
    assert_eq!(a["proxied"], false);
    assert_eq!(a["ttl"], 3600);
    assert_eq!(a["comment"], "web");
    assert_eq!(a["tags"], json!([]));
    assert_eq!(a["id"].as_str().map(str::len), Some(32));
    assert!(a["comment_modified_on"].is_string());

    let aaaa = api.post(&path, &json!({"type": "AAAA", "name": "www", "content": "2001:DB8:0:0::1", "proxied": true, "ttl": 300})).await;
    let aaaa = aaaa.result().clone();
    assert_eq!(aaaa["content"], "2001:db8::1");
    assert_eq!(aaaa["ttl"], 1, "a proxied record's TTL is automatic");

    let cname = api
        .post(
            &path,
            &json!({"type": "CNAME", "name": format!("blog.{zone}."), "content": "example.net."}),
        )
        .await;
    let cname = cname.result().clone();
    assert_eq!(cname["name"], format!("blog.{zone}"));
    assert_eq!(cname["content"], "example.net");

    let mx = api
        .post(
            &path,
            &json!({"type": "MX", "name": "@", "content": "mx1.example.net", "priority": 10}),
        )
        .await;
    assert_eq!(mx.result()["name"], zone.as_str());
    assert_eq!(mx.result()["priority"], 10);

    let txt = api.post(&path, &json!({"type": "TXT", "name": "@", "content": "\"v=spf1 -all\"", "tags": ["owner:dns"]})).await;
    assert_eq!(txt.result()["content"], "\"v=spf1 -all\"");
    assert_eq!(txt.result()["tags"], json!(["owner:dns"]));

    let caa = api.post(&path, &json!({"type": "CAA", "name": "@", "data": {"flags": 0, "tag": "issue", "value": "letsencrypt.org"}})).await;
    assert_eq!(caa.result()["content"], "0 issue \"letsencrypt.org\"");
    assert_eq!(caa.result()["data"]["tag"], "issue");

    let srv = api
        .post(&path, &json!({"type": "SRV", "name": "_sip._tcp", "data": {"priority": 10, "weight": 5, "port": 5060, "target": "sip.example.net"}}))
        .await;
    assert_eq!(srv.result()["content"], "5 5060 sip.example.net");
    assert_eq!(srv.result()["priority"], 10);

    // Get.
    let got = api
        .get(&format!("{path}/{}", a["id"].as_str().unwrap_or_default()))
        .await;
    assert_eq!(got.result(), &a);

    // PATCH changes only what it names.
    let a_path = format!("{path}/{}", a["id"].as_str().unwrap_or_default());
    let patched = api
        .patch(
            &a_path,
            &json!({"content": "192.0.2.11", "tags": ["env:prod"]}),
        )
        .await;
    let patched = patched.result().clone();
    assert_eq!(patched["content"], "192.0.2.11");
    assert_eq!(patched["ttl"], 3600);
    assert_eq!(patched["comment"], "web");
    assert_eq!(patched["tags"], json!(["env:prod"]));
    assert_eq!(patched["created_on"], a["created_on"]);
    assert!(patched["tags_modified_on"].is_string());

    // PUT replaces everything: the comment goes, the TTL falls back to automatic.
    let put = api
        .put(
            &a_path,
            &json!({"type": "A", "name": "www", "content": "192.0.2.12"}),
        )
        .await;
    let put = put.result().clone();
    assert_eq!(put["content"], "192.0.2.12");
    assert_eq!(put["ttl"], 1);
    assert!(put.get("comment").is_none(), "{put}");
    assert_eq!(put["id"], a["id"]);

    // Delete, then 404.
    let deleted = api.delete(&a_path).await;
    assert_eq!(deleted.result(), &json!({"id": a["id"]}));
    let gone = api.get(&a_path).await;
    gone.expect_status(404);
    assert_eq!(gone.error_code(), Some(81044), "{gone}");
    api.delete(&a_path).await.expect_status(404);
}

#[tokio::test]
async fn list_pages_filters_and_orders() {
    let (peer, zone_id, zone) = peer_with_zone("dnslist").await;
    let api = peer.api();
    let path = format!("/zones/{zone_id}/dns_records");
    for i in 0..5 {
        let body = json!({"type": "A", "name": format!("host{i}"), "content": format!("192.0.2.{}", 10 + i), "comment": if i % 2 == 0 { "even" } else { "odd" }});
        api.post(&path, &body).await.result();
    }
    api.post(&path, &json!({"type": "TXT", "name": "host0", "content": "hello", "tags": ["team:dns", "env:prod"]})).await.result();

    // Five A records, two per page.
    let mut seen = vec![];
    for page in 1..=3 {
        let r = api
            .get(&format!("{path}?type=A&per_page=2&page={page}&order=name"))
            .await;
        let info = &r.body["result_info"];
        assert_eq!(info["total_count"], 5, "{r}");
        assert_eq!(info["total_pages"], 3);
        assert_eq!(info["count"], if page < 3 { 2 } else { 1 });
        seen.extend(ids(r.result()));
    }
    assert_eq!(seen.len(), 5);
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 5, "pages must not overlap");

    // Ordering.
    let r = api
        .get(&format!("{path}?type=A&order=name&direction=desc"))
        .await;
    let names: Vec<&str> = r
        .result()
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|x| x["name"].as_str())
        .collect();
    assert_eq!(
        names.first().copied(),
        Some(format!("host4.{zone}").as_str())
    );

    // Filters.
    let r = api.get(&format!("{path}?name=host0.{zone}")).await;
    assert_eq!(r.result().as_array().map(Vec::len), Some(2));
    let r = api.get(&format!("{path}?name=host0.{zone}&type=TXT")).await;
    assert_eq!(r.result().as_array().map(Vec::len), Some(1));
    let r = api.get(&format!("{path}?content=192.0.2.12")).await;
    assert_eq!(r.result()[0]["name"], format!("host2.{zone}"));
    let r = api.get(&format!("{path}?comment=odd")).await;
    assert_eq!(r.result().as_array().map(Vec::len), Some(2));
    let r = api.get(&format!("{path}?tag=team:dns")).await;
    assert_eq!(r.result().as_array().map(Vec::len), Some(1));
    let r = api.get(&format!("{path}?tag.present=env&type=TXT")).await;
    assert_eq!(r.result().as_array().map(Vec::len), Some(1));
    let r = api.get(&format!("{path}?comment.absent=1")).await;
    assert_eq!(r.result().as_array().map(Vec::len), Some(1));
    let r = api
        .get(&format!("{path}?type=TXT&comment=even&match=any"))
        .await;
    assert_eq!(r.result().as_array().map(Vec::len), Some(4));
    let r = api.get(&format!("{path}?search=HELLO")).await;
    assert_eq!(r.result().as_array().map(Vec::len), Some(1));
    let r = api.get(&format!("{path}?proxied=true")).await;
    assert_eq!(r.result().as_array().map(Vec::len), Some(0));
}

#[tokio::test]
async fn conflicts_and_invalid_records_are_refused() {
    let (peer, zone_id, zone) = peer_with_zone("dnsbad").await;
    let api = peer.api();
    let path = format!("/zones/{zone_id}/dns_records");
    api.post(
        &path,
        &json!({"type": "A", "name": "www", "content": "192.0.2.1"}),
    )
    .await
    .result();
    api.post(
        &path,
        &json!({"type": "CNAME", "name": "alias", "content": "example.net"}),
    )
    .await
    .result();

    let r = api
        .post(
            &path,
            &json!({"type": "CNAME", "name": "www", "content": "example.net"}),
        )
        .await;
    r.expect_status(400);
    assert_eq!(r.error_code(), Some(81053), "{r}");
    let r = api
        .post(
            &path,
            &json!({"type": "A", "name": "alias", "content": "192.0.2.2"}),
        )
        .await;
    r.expect_status(400);
    assert_eq!(r.error_code(), Some(81054), "{r}");
    let r = api
        .post(
            &path,
            &json!({"type": "A", "name": "www", "content": "192.0.2.1"}),
        )
        .await;
    r.expect_status(400);
    assert_eq!(r.error_code(), Some(81058), "{r}");
    // A TXT record beside a CNAME is allowed (Cloudflare only keeps A/AAAA/CNAME apart).
    api.post(
        &path,
        &json!({"type": "TXT", "name": "alias", "content": "ok"}),
    )
    .await
    .result();

    let r = api
        .post(
            &path,
            &json!({"type": "A", "name": "ttl", "content": "192.0.2.3", "ttl": 45}),
        )
        .await;
    r.expect_status(400);
    assert_eq!(r.error_code(), Some(9021), "{r}");
    assert_eq!(r.body["errors"][0]["code"], 1004);
    let r = api
        .post(
            &path,
            &json!({"type": "TXT", "name": "p", "content": "x", "proxied": true}),
        )
        .await;
    r.expect_status(400);
    assert_eq!(r.error_code(), Some(9004), "{r}");

    // Checks Prism does not make (it validates formats but not everything).
    let direct = peer.direct();
    let r = direct
        .post(
            &path,
            &json!({"type": "A", "name": "bad", "content": "300.1.1.1"}),
        )
        .await;
    assert_eq!(r.error_code(), Some(9005), "{r}");
    let r = direct
        .post(
            &path,
            &json!({"type": "MX", "name": "@", "content": "mx.example.net"}),
        )
        .await;
    assert_eq!(r.error_code(), Some(9100), "{r}");
    let r = direct.post(&path, &json!({"type": "SRV", "name": "_x._tcp", "data": {"weight": 1, "port": 1, "target": "t.example.net"}})).await;
    assert_eq!(r.error_code(), Some(9101), "{r}");

    // A body that is not JSON.
    let r = direct
        .send(reqwest::Method::POST, &path, None)
        .await
        .expect("response");
    r.expect_status(400);
    assert_eq!(r.error_code(), Some(6007), "{r}");

    // An update that would create a conflict is refused too.
    let www = api.get(&format!("{path}?name=www.{zone}&type=A")).await;
    let id = www.result()[0]["id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let r = api
        .patch(&format!("{path}/{id}"), &json!({"name": "alias"}))
        .await;
    r.expect_status(400);
    assert_eq!(r.error_code(), Some(81054), "{r}");
}

#[tokio::test]
async fn structured_types_compute_their_content() {
    let (peer, zone_id, _) = peer_with_zone("dnsdata").await;
    let api = peer.api();
    let path = format!("/zones/{zone_id}/dns_records");
    let cases = [
        (
            json!({"type": "HTTPS", "name": "@", "data": {"priority": 1, "target": ".", "value": "alpn=\"h3,h2\""}}),
            "1 . alpn=\"h3,h2\"",
        ),
        (
            json!({"type": "DS", "name": "sub", "data": {"key_tag": 2371, "algorithm": 13, "digest_type": 2, "digest": "ABCDEF"}}),
            "2371 13 2 ABCDEF",
        ),
        (
            json!({"type": "SSHFP", "name": "host", "data": {"algorithm": 4, "type": 2, "fingerprint": "123456"}}),
            "4 2 123456",
        ),
        (
            json!({"type": "TLSA", "name": "_443._tcp", "data": {"usage": 3, "selector": 1, "matching_type": 1, "certificate": "abcd"}}),
            "3 1 1 abcd",
        ),
        (
            json!({"type": "URI", "name": "_ftp._tcp", "priority": 10, "data": {"weight": 1, "target": "ftp://example.net/"}}),
            "1 \"ftp://example.net/\"",
        ),
    ];
    for (body, content) in cases {
        let r = api.post(&path, &body).await;
        assert_eq!(r.result()["content"], content, "{r}");
    }
}

#[tokio::test]
async fn ten_thousand_records_list_quickly() {
    let (peer, zone_id, zone) = peer_with_zone("dnsbig").await;
    let direct = peer.direct();
    let path = format!("/zones/{zone_id}/dns_records");
    // Create them directly on the fake (Prism would only slow this part down), 16 at a time.
    let mut pending = tokio::task::JoinSet::new();
    for i in 0..10_000u32 {
        let direct = direct.clone();
        let path = path.clone();
        pending.spawn(async move {
            let body = json!({"type": "A", "name": format!("h{i}"), "content": format!("10.{}.{}.{}", i >> 16, (i >> 8) & 255, i & 255)});
            direct.post(&path, &body).await.status
        });
        if pending.len() >= 16 {
            assert_eq!(pending.join_next().await.and_then(Result::ok), Some(200));
        }
    }
    while let Some(status) = pending.join_next().await {
        assert_eq!(status.ok(), Some(200));
    }
    let started = Instant::now();
    let r = direct
        .get(&format!("{path}?per_page=5000000&order=name"))
        .await;
    let elapsed = started.elapsed();
    assert_eq!(r.result().as_array().map(Vec::len), Some(10_000));
    assert!(
        elapsed < Duration::from_secs(3),
        "listing 10k records took {elapsed:?}"
    );
    let started = Instant::now();
    let r = direct.get(&format!("{path}?name=h9999.{zone}")).await;
    assert_eq!(r.result().as_array().map(Vec::len), Some(1), "{r}");
    assert!(started.elapsed() < Duration::from_secs(1));
}
