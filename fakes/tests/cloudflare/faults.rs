use std::time::{Duration, Instant};

use infra_fakes::harness::Faults;
use serde_json::json;

use crate::peer_with_zone;

#[tokio::test]
async fn errors_are_5xx_and_some_still_apply_the_change() {
    let (peer, zone_id, _) = peer_with_zone("faults").await;
    let api = peer.api();
    let path = format!("/zones/{zone_id}/dns_records");
    peer.set_faults(
        &zone_id,
        Faults {
            error_rate: 1.0,
            seed: Some(42),
            ..Faults::default()
        },
    )
    .await;

    for i in 0..20 {
        let r = api
            .post(
                &path,
                &json!({"type": "A", "name": format!("h{i}"), "content": "192.0.2.1"}),
            )
            .await;
        assert!(matches!(r.status, 500 | 502 | 503), "{r}");
        assert_eq!(r.body["success"], false, "{r}");
        assert!(
            r.header("x-infra-fake-fault")
                .is_some_and(|f| f.starts_with("error_")),
            "{r}"
        );
    }
    let requests = peer.requests(&zone_id).await;
    let applied = requests
        .iter()
        .filter(|r| r.fault.as_deref() == Some("error_after"))
        .count();
    assert!(
        applied > 0 && applied < 20,
        "expected a mix of before/after, got {applied} after"
    );

    peer.clear_faults(&zone_id).await;
    let list = api.get(&path).await;
    assert_eq!(
        list.result().as_array().map(Vec::len),
        Some(applied),
        "changes answered with an error after processing are kept"
    );

    let stats = peer.stats(&zone_id).await;
    assert_eq!(stats.requests, 21);
    assert_eq!(stats.faults_injected, 20);
    assert_eq!(
        stats.by_route.get("POST /zones/{zone_id}/dns_records"),
        Some(&20)
    );
    assert_eq!(
        stats.by_route.get("GET /zones/{zone_id}/dns_records"),
        Some(&1)
    );
    assert_eq!(stats.by_fault.get("error_after"), Some(&(applied as u64)));

    peer.reset_stats(&zone_id).await;
    assert_eq!(peer.stats(&zone_id).await.requests, 0);
}

#[tokio::test]
async fn rate_limits_and_budgets_answer_429_with_retry_after() {
    let (peer, zone_id, _) = peer_with_zone("budget").await;
    let api = peer.api();
    let path = format!("/zones/{zone_id}/dns_records");

    peer.set_faults(
        &zone_id,
        Faults {
            rate_limit_rate: 1.0,
            ..Faults::default()
        },
    )
    .await;
    let r = api.get(&path).await;
    r.expect_status(429);
    assert_eq!(r.header("retry-after"), Some("1"), "{r}");

    peer.set_faults(
        &zone_id,
        Faults {
            budget: Some(3),
            budget_window_secs: 30,
            ..Faults::default()
        },
    )
    .await;
    for _ in 0..3 {
        api.get(&path).await.expect_status(200);
    }
    let r = api.get(&path).await;
    r.expect_status(429);
    let retry: u64 = r
        .header("retry-after")
        .and_then(|v| v.parse().ok())
        .unwrap_or_default();
    assert!((1..=30).contains(&retry), "{r}");
    assert_eq!(peer.stats(&zone_id).await.by_fault.get("budget"), Some(&1));

    // Faults stay in their zone.
    let (_, other, _) = peer_with_zone("budget-other").await;
    api.get(&format!("/zones/{other}/dns_records"))
        .await
        .expect_status(200);
    api.get(&format!("/zones/{other}")).await.expect_status(200);
}

#[tokio::test]
async fn drops_and_timeouts() {
    let (peer, zone_id, _) = peer_with_zone("drop").await;
    let path = format!("/zones/{zone_id}/dns_records");

    peer.set_faults(
        &zone_id,
        Faults {
            drop_rate: 1.0,
            ..Faults::default()
        },
    )
    .await;
    // Directly: the connection closes with no response at all.
    let direct = peer.direct().send(reqwest::Method::GET, &path, None).await;
    assert!(direct.is_err(), "{direct:?}");
    // Through Prism the client sees Prism's 500 ("socket hang up") instead.
    if peer.via_prism {
        peer.api().get(&path).await.expect_status(500);
    }

    peer.set_faults(
        &zone_id,
        Faults {
            timeout_rate: 1.0,
            timeout_secs: 5,
            ..Faults::default()
        },
    )
    .await;
    let started = Instant::now();
    let client = peer.direct().with_timeout(Duration::from_millis(300));
    let r = client.send(reqwest::Method::GET, &path, None).await;
    assert!(r.as_ref().is_err_and(reqwest::Error::is_timeout), "{r:?}");
    assert!(started.elapsed() < Duration::from_secs(3));

    peer.set_faults(
        &zone_id,
        Faults {
            latency_ms: 300,
            ..Faults::default()
        },
    )
    .await;
    let started = Instant::now();
    peer.direct().get(&path).await.expect_status(200);
    assert!(started.elapsed() >= Duration::from_millis(300));

    peer.set_faults(
        &zone_id,
        Faults {
            error_rate: 1.0,
            methods: Some(vec!["POST".into()]),
            ..Faults::default()
        },
    )
    .await;
    peer.api().get(&path).await.expect_status(200);
    let r = peer
        .api()
        .post(&path, &json!({"type": "TXT", "name": "t", "content": "x"}))
        .await;
    assert!(r.status >= 500, "{r}");
}
