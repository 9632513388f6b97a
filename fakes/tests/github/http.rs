//! Headers (rate limits, ETags) and injected faults.

use std::time::{Duration, Instant};

use infra_fakes::harness::GithubFaults;
use serde_json::json;

use crate::{expect, peer_with_repo};

#[tokio::test]
async fn etags_answer_304_without_spending_the_rate_limit() {
    let (peer, repo) = peer_with_repo("etag").await;
    let api = peer.api();
    let path = format!("/repos/{repo}");
    let first = api.get(&path).await;
    expect(&first, 200);
    let etag = first.header("etag").expect("an ETag").to_string();
    for name in [
        "x-ratelimit-limit",
        "x-ratelimit-remaining",
        "x-ratelimit-reset",
        "x-ratelimit-used",
    ] {
        assert!(
            first.header(name).is_some_and(|v| v.parse::<u64>().is_ok()),
            "{name}: {first}"
        );
    }
    assert_eq!(first.header("x-ratelimit-resource"), Some("core"));

    let used = |r: &infra_fakes::harness::ApiResponse| {
        r.header("x-ratelimit-used")
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap()
    };
    // Through a repository budget, so that parallel tests do not move the counter.
    peer.set_faults(
        &repo,
        GithubFaults {
            rate_limit: Some(100),
            ..GithubFaults::default()
        },
    )
    .await;
    let a = api.get(&path).await;
    let cached = api
        .clone()
        .with_header("if-none-match", &etag)
        .get(&path)
        .await;
    assert_eq!(cached.status, 304, "{cached}");
    assert!(cached.text.is_empty());
    assert_eq!(cached.header("etag"), Some(etag.as_str()));
    assert_eq!(used(&cached), used(&a), "a 304 does not count");
    let b = api.get(&path).await;
    assert_eq!(used(&b), used(&a) + 1);

    // A change gives a new tag.
    expect(
        &api.patch(&path, &json!({"description": "changed"})).await,
        200,
    );
    let changed = api
        .clone()
        .with_header("if-none-match", &etag)
        .get(&path)
        .await;
    expect(&changed, 200);
    assert_ne!(changed.header("etag"), Some(etag.as_str()));
    peer.clear_faults(&repo).await;
}

#[tokio::test]
async fn primary_rate_limit_exhaustion() {
    let (peer, repo) = peer_with_repo("primary").await;
    let api = peer.api();
    let path = format!("/repos/{repo}/hooks");
    peer.set_faults(
        &repo,
        GithubFaults {
            rate_limit: Some(3),
            ..GithubFaults::default()
        },
    )
    .await;
    for i in 0..3 {
        let r = api.get(&path).await;
        expect(&r, 200);
        assert_eq!(
            r.header("x-ratelimit-remaining"),
            Some((2 - i).to_string().as_str())
        );
        assert_eq!(r.header("x-ratelimit-limit"), Some("3"));
    }
    let r = api.get(&path).await;
    assert_eq!(r.status, 403, "{r}");
    assert_eq!(r.header("x-ratelimit-remaining"), Some("0"));
    let reset: u64 = r.header("x-ratelimit-reset").unwrap().parse().unwrap();
    assert!(reset > 1_700_000_000);
    assert!(r.body["message"]
        .as_str()
        .unwrap()
        .starts_with("API rate limit exceeded"));
    assert!(r.header("retry-after").is_none());

    peer.set_faults(
        &repo,
        GithubFaults {
            rate_limit: Some(0),
            rate_limit_status: 429,
            ..GithubFaults::default()
        },
    )
    .await;
    let r = api.get(&path).await;
    assert_eq!(r.status, 429, "{r}");
    assert_eq!(r.header("x-ratelimit-remaining"), Some("0"));
    assert_eq!(peer.stats(&repo).await.by_fault.get("rate_limit"), Some(&2));
}

#[tokio::test]
async fn secondary_rate_limits_errors_and_latency() {
    let (peer, repo) = peer_with_repo("faults").await;
    let api = peer.api();
    let path = format!("/repos/{repo}/actions/variables");

    peer.set_faults(
        &repo,
        GithubFaults {
            secondary_rate_limit_rate: 1.0,
            retry_after_secs: 7,
            ..GithubFaults::default()
        },
    )
    .await;
    let r = api.get(&path).await;
    assert_eq!(r.status, 403, "{r}");
    assert_eq!(r.header("retry-after"), Some("7"));
    assert!(r.body["message"]
        .as_str()
        .unwrap()
        .contains("secondary rate limit"));

    // Errors, half of them after the change was made.
    peer.set_faults(
        &repo,
        GithubFaults {
            error_rate: 1.0,
            seed: Some(9),
            methods: Some(vec!["POST".into()]),
            ..GithubFaults::default()
        },
    )
    .await;
    for i in 0..12 {
        let r = api
            .post(&path, &json!({"name": format!("V{i}"), "value": "x"}))
            .await;
        assert!(matches!(r.status, 500 | 502 | 503), "{r}");
        assert!(r
            .header("x-infra-fake-fault")
            .is_some_and(|f| f.starts_with("error_")));
    }
    let applied = peer
        .requests(&repo)
        .await
        .iter()
        .filter(|r| r.fault.as_deref() == Some("error_after"))
        .count();
    assert!(applied > 0 && applied < 12, "{applied}");
    let list = api.get(&format!("{path}?per_page=30")).await;
    expect(&list, 200);
    assert_eq!(list.body["total_count"], applied);

    peer.set_faults(
        &repo,
        GithubFaults {
            latency_ms: 300,
            ..GithubFaults::default()
        },
    )
    .await;
    let started = Instant::now();
    expect(&api.get(&path).await, 200);
    assert!(started.elapsed() >= Duration::from_millis(300));

    peer.clear_faults(&repo).await;
    let stats = peer.stats(&repo).await;
    assert!(stats.requests >= 15, "{stats:?}");
    assert_eq!(
        stats
            .by_route
            .get("POST /repos/{owner}/{repo}/actions/variables"),
        Some(&12)
    );
    assert_eq!(stats.faults_injected, 13);
    peer.reset_stats(&repo).await;
    assert_eq!(peer.stats(&repo).await.requests, 0);
}

#[tokio::test]
async fn faults_apply_to_creating_their_repository() {
    let peer = infra_fakes::harness::GithubPeer::start().await;
    let org = infra_fakes::harness::GITHUB_TEST_ORG;
    peer.new_org(org, &[]).await;
    let name = infra_fakes::harness::unique_repo_name("born");
    let full = format!("{org}/{name}");
    peer.set_faults(
        &full,
        GithubFaults {
            error_rate: 1.0,
            ..GithubFaults::default()
        },
    )
    .await;
    let r = peer
        .api()
        .post(&format!("/orgs/{org}/repos"), &json!({"name": name}))
        .await;
    assert!(r.status >= 500, "{r}");
    assert_eq!(peer.stats(&full).await.faults_injected, 1);
    peer.clear_faults(&full).await;
}
