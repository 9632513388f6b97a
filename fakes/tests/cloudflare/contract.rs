//! The contract check itself: Prism in front of an upstream that breaks the description must
//! turn its answers into 500s with the violations listed.

use infra_fakes::harness::{
    cloudflare_spec_path, find_prism, ApiClient, PrismProcess, PRISM_START_TIMEOUT,
};
use serde_json::json;

#[tokio::test]
async fn prism_flags_a_response_that_breaks_the_contract() {
    let Some(prism) = find_prism() else {
        eprintln!("skipped: Prism not found");
        return;
    };
    // An upstream answering every request with a zone that lacks its required fields.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let upstream = format!("http://{}", listener.local_addr().expect("address"));
    let app = axum::Router::new().fallback(|| async {
        axum::Json(json!({"success": true, "errors": [], "messages": [], "result": {"id": "0123456789abcdef0123456789abcdef"}}))
    });
    tokio::spawn(async move { axum::serve(listener, app).await });

    let process = tokio::task::spawn_blocking(move || {
        PrismProcess::start(
            &prism,
            &cloudflare_spec_path(),
            &upstream,
            PRISM_START_TIMEOUT,
        )
    })
    .await
    .expect("join")
    .expect("Prism starts");
    let r = ApiClient::new(&process.url)
        .with_token("t")
        .get("/zones/0123456789abcdef0123456789abcdef")
        .await;
    r.expect_status(500);
    assert!(
        r.violations()
            .is_some_and(|v| v.contains("required property 'name'")),
        "{r}"
    );
    // A request that breaks it is refused before reaching the upstream.
    let r = ApiClient::new(&process.url)
        .with_token("t")
        .post(
            "/zones/0123456789abcdef0123456789abcdef/dns_records",
            &json!({"type": "A", "name": "www", "content": "192.0.2.1", "ttl": "one hour"}),
        )
        .await;
    r.expect_status(422);
}
