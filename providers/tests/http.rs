//! Behaviour tests of `providers::http` against a local fake server (`http_fake`, 127.0.0.1 on
//! an ephemeral port): retries and their bounds, `Retry-After`, non-idempotent safety, timeouts,
//! the rate limiter, both pagination styles, User-Agent, and that no credential or sensitive
//! field reaches the debug log or an error.

mod http_fake;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use http_fake::{FakeServer, Reply};
use infra_providers::http::{
    ApiClient, ApiConfig, ApiRequest, Backoff, CursorPage, CursorPager, HttpError, LogSink, Next,
    NumberedPage, PageNumberPager, PageNumbers, RateLimit, TransportFailure,
};
use serde_json::{json, Value};

/// Fast backoff and a short timeout, so failing paths finish quickly.
fn config(server: &FakeServer) -> ApiConfig {
    let mut c = ApiConfig::new("example", format!("{}/client/v4", server.url));
    c.backoff = Backoff {
        base: Duration::from_millis(1),
        cap: Duration::from_millis(20),
    };
    c.max_attempts = 3;
    c.timeout = Duration::from_secs(5);
    c
}

fn client(config: ApiConfig) -> ApiClient {
    ApiClient::new(config).expect("client")
}

fn capture() -> (LogSink, Arc<Mutex<Vec<String>>>) {
    let lines = Arc::new(Mutex::new(Vec::new()));
    let sink_lines = lines.clone();
    (
        Arc::new(move |line: &str| sink_lines.lock().unwrap().push(line.to_owned())),
        lines,
    )
}

fn ok() -> Reply {
    Reply::json(200, json!({"success": true, "result": {"id": "abc"}}))
}

#[tokio::test]
async fn retries_500_then_succeeds_and_joins_the_base_path() {
    let server = FakeServer::start(|_, i| {
        if i < 2 {
            Reply::text(500, "<html><body>Internal error</body></html>")
        } else {
            ok()
        }
    })
    .await;
    let response = client(config(&server))
        .send(ApiRequest::get("/zones/z1").query("name", "a b"))
        .await
        .unwrap();
    assert_eq!(response.status, 200);
    assert_eq!(response.attempts, 3);
    assert_eq!(response.json_value().unwrap()["result"]["id"], "abc");
    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    assert!(
        requests
            .iter()
            .all(|r| r.method == "GET" && r.target == "/client/v4/zones/z1?name=a+b"),
        "{requests:?}"
    );
}

#[tokio::test]
async fn attempts_are_bounded_and_the_error_says_how_many() {
    let server = FakeServer::start(|_, _| {
        Reply::json(
            500,
            json!({"success": false, "errors": [{"code": 10000, "message": "Internal failure"}]}),
        )
    })
    .await;
    let err = client(config(&server))
        .send(ApiRequest::get("/zones"))
        .await
        .unwrap_err();
    assert_eq!(server.count(), 3);
    assert_eq!(err.attempts(), 3);
    assert_eq!(err.status(), Some(500));
    assert!(err.is_retryable());
    let text = err.to_string();
    assert!(text.contains("after 3 attempt(s)"), "{text}");
    assert!(text.contains("Internal failure (code 10000)"), "{text}");
    assert!(text.starts_with("example: GET http://127.0.0.1:"), "{text}");
}

#[tokio::test]
async fn html_500_is_retried_but_bounded_with_an_excerpt() {
    let server =
        FakeServer::start(|_, _| Reply::text(502, "<html>\n  <h1>Bad gateway</h1>\n</html>")).await;
    let err = client(config(&server))
        .send(ApiRequest::delete("/zones/z1"))
        .await
        .unwrap_err();
    assert_eq!(server.count(), 3);
    assert!(
        err.to_string()
            .ends_with("HTTP 502 after 3 attempt(s): <html> <h1>Bad gateway</h1> </html>"),
        "{err}"
    );
}

#[tokio::test]
async fn a_client_error_is_not_retried() {
    let server = FakeServer::start(|_, _| Reply::json(404, json!({"message": "Not Found"}))).await;
    let err = client(config(&server))
        .send(ApiRequest::get("/zones/missing"))
        .await
        .unwrap_err();
    assert_eq!(server.count(), 1);
    assert!(err.is_not_found());
    assert!(!err.is_retryable());
    assert!(
        err.to_string()
            .ends_with("HTTP 404 after 1 attempt(s): Not Found"),
        "{err}"
    );
}

#[tokio::test]
async fn honours_retry_after_on_429() {
    let server = FakeServer::start(|_, i| {
        if i == 0 {
            Reply::text(429, "slow down").header("Retry-After", "1")
        } else {
            ok()
        }
    })
    .await;
    let started = Instant::now();
    let response = client(config(&server))
        .send(ApiRequest::get("/zones"))
        .await
        .unwrap();
    let elapsed = started.elapsed();
    assert_eq!(response.attempts, 2);
    assert!(elapsed >= Duration::from_millis(900), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");
}

#[tokio::test]
async fn a_wait_longer_than_allowed_fails_at_once() {
    let server = FakeServer::start(|_, _| Reply::text(429, "").header("Retry-After", "3600")).await;
    let started = Instant::now();
    let err = client(config(&server))
        .send(ApiRequest::get("/zones"))
        .await
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(
        matches!(
            err,
            HttpError::RateLimited {
                status: 429,
                attempts: 1,
                ..
            }
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn exhausted_rate_limit_403_waits_for_the_reset() {
    let server = FakeServer::start(|_, i| {
        if i == 0 {
            Reply::json(403, json!({"message": "API rate limit exceeded"}))
                .header("x-ratelimit-remaining", "0")
                .header("x-ratelimit-reset", "0")
        } else {
            ok()
        }
    })
    .await;
    let response = client(config(&server))
        .send(ApiRequest::post("/repos", json!({})))
        .await
        .unwrap();
    assert_eq!(response.attempts, 2);
}

#[tokio::test]
async fn post_is_not_retried_on_500() {
    let server = FakeServer::start(|_, _| {
        Reply::json(500, json!({"errors": [{"message": "maybe created"}]}))
    })
    .await;
    let err = client(config(&server))
        .send(ApiRequest::post(
            "/zones/z1/dns_records",
            json!({"name": "www"}),
        ))
        .await
        .unwrap_err();
    assert_eq!(server.count(), 1);
    assert_eq!(err.attempts(), 1);
    assert_eq!(err.status(), Some(500));
}

#[tokio::test]
async fn post_is_retried_on_429() {
    let server = FakeServer::start(|_, i| {
        if i == 0 {
            Reply::text(429, "").header("Retry-After", "0")
        } else {
            Reply::json(201, json!({"result": {"id": "new"}}))
        }
    })
    .await;
    let response = client(config(&server))
        .send(ApiRequest::post(
            "/zones/z1/dns_records",
            json!({"name": "www"}),
        ))
        .await
        .unwrap();
    assert_eq!(response.status, 201);
    assert_eq!(response.attempts, 2);
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert!(
        requests.iter().all(|r| r.body == r#"{"name":"www"}"#),
        "{requests:?}"
    );
    assert_eq!(requests[0].header("content-type"), Some("application/json"));
}

#[tokio::test]
async fn post_is_retried_when_the_connection_is_refused() {
    // Bind, note the port, close: nothing listens there any more.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let mut c = ApiConfig::new("example", url);
    c.backoff = Backoff {
        base: Duration::from_millis(1),
        cap: Duration::from_millis(5),
    };
    c.max_attempts = 3;
    let err = client(c)
        .send(ApiRequest::post("/zones", json!({})))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            HttpError::Transport {
                failure: TransportFailure::Connect,
                attempts: 3,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .contains("could not connect after 3 attempt(s)"),
        "{err}"
    );
}

#[tokio::test]
async fn timeouts_are_retryable_errors() {
    // Slow first answer, then fast: a GET recovers.
    let server = FakeServer::start(|_, i| {
        if i == 0 {
            ok().after(Duration::from_secs(2))
        } else {
            ok()
        }
    })
    .await;
    let mut c = config(&server);
    c.timeout = Duration::from_millis(200);
    let response = client(c.clone())
        .send(ApiRequest::get("/zones"))
        .await
        .unwrap();
    assert_eq!(response.attempts, 2);

    // Always slow: bounded, and the error is a retryable timeout.
    let slow = FakeServer::start(|_, _| ok().after(Duration::from_secs(2))).await;
    let mut c = config(&slow);
    c.timeout = Duration::from_millis(200);
    c.max_attempts = 2;
    let client = client(c);
    let err = client.send(ApiRequest::get("/zones")).await.unwrap_err();
    assert!(err.is_timeout() && err.is_retryable(), "{err:?}");
    assert_eq!(err.attempts(), 2);
    assert!(
        err.to_string().contains("timed out after 2 attempt(s)"),
        "{err}"
    );

    // A timed-out POST may have been applied: not retried.
    let err = client
        .send(ApiRequest::post("/zones", json!({})))
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert_eq!(err.attempts(), 1);
    assert_eq!(slow.count(), 3);
}

#[tokio::test]
async fn the_rate_limiter_spaces_requests() {
    let server = FakeServer::start(|_, _| ok()).await;
    let mut c = config(&server);
    c.rate_limit = Some(RateLimit {
        requests: 5,
        per: Duration::from_millis(500),
    });
    let client = client(c);
    let started = Instant::now();
    // Concurrent callers share the one bucket through clones of the client.
    let tasks: Vec<_> = (0..15)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move {
                client
                    .send(ApiRequest::get("/zones"))
                    .await
                    .map(|r| r.status)
            })
        })
        .collect();
    for t in tasks {
        assert_eq!(t.await.unwrap().unwrap(), 200);
    }
    let elapsed = started.elapsed();
    // A burst of 5, then 10 more at 10 per second.
    assert!(elapsed >= Duration::from_millis(950), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(4), "{elapsed:?}");
    assert_eq!(server.count(), 15);
}

#[tokio::test]
async fn user_agent_and_headers_are_sent_as_configured() {
    let server = FakeServer::start(|_, _| ok()).await;
    let mut c = config(&server)
        .header("Accept", "application/json")
        .secret_header("X-Auth-Key", "k-123");
    c.user_agent = "infra/9.9.9 (+https://example.invalid/infra)".into();
    client(c)
        .send(ApiRequest::get("/user").header("X-Extra", "1"))
        .await
        .unwrap();
    let r = &server.requests()[0];
    assert_eq!(
        r.header("user-agent"),
        Some("infra/9.9.9 (+https://example.invalid/infra)")
    );
    assert_eq!(r.header("accept"), Some("application/json"));
    assert_eq!(r.header("x-auth-key"), Some("k-123"));
    assert_eq!(r.header("x-extra"), Some("1"));

    let default = FakeServer::start(|_, _| ok()).await;
    client(config(&default))
        .send(ApiRequest::get("/user"))
        .await
        .unwrap();
    let ua = default.requests()[0]
        .header("user-agent")
        .unwrap()
        .to_owned();
    assert_eq!(ua, format!("infra/{}", env!("CARGO_PKG_VERSION")));
}

#[tokio::test]
async fn nothing_secret_reaches_the_log_or_errors() {
    let server = FakeServer::start(|r, i| match i {
        // Echo the secrets back, as a careless API might.
        0 => Reply::text(503, &format!("upstream said: {}", r.header("authorization").unwrap_or(""))),
        1 => Reply::json(
            200,
            json!({"result": {"id": "1", "token": "CANARY", "value": "CANARY-VALUE", "name": "www"}}),
        )
        .header("set-cookie", "session=CANARY-COOKIE"),
        _ => Reply::json(400, json!({"errors": [{"message": "bad token CANARY-TOKEN-123"}], "api_key": "CANARY"})),
    })
    .await;
    let (sink, lines) = capture();
    let mut c = config(&server).secret_header("Authorization", "Bearer CANARY-TOKEN-123");
    c.log = Some(sink);
    let client = client(c);
    let body = json!({"name": "www", "token": "CANARY", "nested": {"client_secret": "CANARY", "password": "CANARY"}});
    let response = client
        .send(ApiRequest::put("/zones/z1/dns_records/1", body.clone()))
        .await
        .unwrap();
    assert_eq!(response.attempts, 2);
    let err = client
        .send(ApiRequest::put("/zones/z1/dns_records/1", body).query("access_token", "CANARY"))
        .await
        .unwrap_err();

    // The server got the real values.
    let requests = server.requests();
    assert_eq!(
        requests[0].header("authorization"),
        Some("Bearer CANARY-TOKEN-123")
    );
    assert!(requests[0].body.contains(r#""token":"CANARY""#));

    let log = lines.lock().unwrap().join("\n");
    assert!(log.contains("→ PUT http://127.0.0.1:"), "{log}");
    assert!(log.contains("← 503"), "{log}");
    assert!(log.contains("authorization: (redacted)"), "{log}");
    assert!(log.contains(r#""token":"(redacted)""#), "{log}");
    assert!(log.contains(r#""name":"www""#), "{log}");
    assert!(!log.contains("CANARY"), "a canary reached the log:\n{log}");
    let text = format!("{err} {err:?}");
    assert!(text.contains("bad token (redacted)"), "{text}");
    assert!(
        !text.contains("CANARY"),
        "a canary reached the error: {text}"
    );
    assert!(!format!("{client:?}").contains("CANARY"));
}

/// Pages `1..=3` of three items each in a `result_info` envelope.
fn numbered_page(target: &str) -> Reply {
    let page: u32 = target
        .split(['?', '&'])
        .find_map(|p| p.strip_prefix("page="))
        .and_then(|p| p.parse().ok())
        .unwrap_or(1);
    let items: Vec<u32> = ((page - 1) * 3 + 1..=page * 3).collect();
    Reply::json(
        200,
        json!({"result": items, "result_info": {"page": page, "per_page": 3, "total_pages": 3, "total_count": 9}}),
    )
}

#[tokio::test]
async fn page_number_pagination_reads_every_page() {
    let server = FakeServer::start(|r, _| numbered_page(&r.target)).await;
    let client = client(config(&server));
    let style = PageNumbers {
        per_page: 3,
        ..PageNumbers::default()
    };
    let items = PageNumberPager::new(
        &client,
        ApiRequest::get("/zones").query("name", "x"),
        style,
        |resp| {
            let body = resp.json_value()?;
            let items: Vec<u64> = serde_json::from_value(body["result"].clone())
                .map_err(|e| resp.decode_error(e.to_string()))?;
            let total_pages = body["result_info"]["total_pages"]
                .as_u64()
                .map(|n| n as u32);
            Ok(NumberedPage { items, total_pages })
        },
    )
    .all()
    .await
    .unwrap();
    assert_eq!(items, (1..=9).collect::<Vec<u64>>());
    let targets: Vec<String> = server.requests().into_iter().map(|r| r.target).collect();
    assert_eq!(
        targets,
        [
            "/client/v4/zones?name=x&page=1&per_page=3",
            "/client/v4/zones?name=x&page=2&per_page=3",
            "/client/v4/zones?name=x&page=3&per_page=3"
        ]
    );
}

fn items(resp: &infra_providers::http::ApiResponse) -> Result<Vec<Value>, HttpError> {
    Ok(resp.json_value()?.as_array().cloned().unwrap_or_default())
}

#[tokio::test]
async fn link_header_pagination_reads_every_page() {
    let base = Arc::new(Mutex::new(String::new()));
    let server_base = base.clone();
    let server = FakeServer::start(move |r, _| {
        let base = server_base.lock().unwrap().clone();
        let page = if r.target.contains("?page=3") { 3 } else if r.target.contains("?page=2") { 2 } else { 1 };
        let mut reply = Reply::json(200, json!([page * 10, page * 10 + 1]));
        if page < 3 {
            let next = format!(r#"<{base}/client/v4/repos/o/r/issues?page={}>; rel="next", <{base}/x?page=3>; rel="last""#, page + 1);
            reply = reply.header("Link", &next);
        }
        reply
    })
    .await;
    *base.lock().unwrap() = server.url.clone();
    let client = client(config(&server));
    let all = CursorPager::new(
        &client,
        ApiRequest::get("/repos/o/r/issues").query("per_page", "2"),
        |resp| Ok(CursorPage::from_link(items(resp)?, resp)),
    )
    .all()
    .await
    .unwrap();
    assert_eq!(
        all,
        [
            json!(10),
            json!(11),
            json!(20),
            json!(21),
            json!(30),
            json!(31)
        ]
    );
    let targets: Vec<String> = server.requests().into_iter().map(|r| r.target).collect();
    assert_eq!(
        targets,
        [
            "/client/v4/repos/o/r/issues?per_page=2",
            "/client/v4/repos/o/r/issues?page=2",
            "/client/v4/repos/o/r/issues?page=3"
        ]
    );
}

#[tokio::test]
async fn cursor_pagination_stops_on_a_repeated_cursor() {
    // Cursors: (none) → a → b → a again: the third page's cursor repeats, so we stop there.
    let server = FakeServer::start(|r, _| {
        let (items, next) = if r.target.ends_with("cursor=a") {
            (json!([2]), "b")
        } else if r.target.ends_with("cursor=b") {
            (json!([3]), "a")
        } else {
            (json!([1]), "a")
        };
        Reply::json(
            200,
            json!({"result": items, "result_info": {"cursor": next}}),
        )
    })
    .await;
    let client = client(config(&server));
    let mut pager = CursorPager::new(&client, ApiRequest::get("/zones/z1/dns_records"), |resp| {
        let body = resp.json_value()?;
        let items = body["result"].as_array().cloned().unwrap_or_default();
        let next = body["result_info"]["cursor"].as_str().map(|c| Next::Query {
            name: "cursor".into(),
            value: c.into(),
        });
        Ok(CursorPage { items, next })
    });
    let mut pages = Vec::new();
    while let Some(page) = pager.next_page().await.unwrap() {
        pages.push(page);
    }
    assert_eq!(pages, [vec![json!(1)], vec![json!(2)], vec![json!(3)]]);
    assert_eq!(server.count(), 3);
}

#[tokio::test]
async fn link_pagination_stops_when_a_page_links_back() {
    let base = Arc::new(Mutex::new(String::new()));
    let server_base = base.clone();
    let server = FakeServer::start(move |r, _| {
        let base = server_base.lock().unwrap().clone();
        // Page 2 links back to page 1 (the first request's own URL).
        let next = if r.target.contains("?page=2") {
            "/client/v4/items?per_page=1"
        } else {
            "/client/v4/items?page=2"
        };
        Reply::json(200, json!([r.target]))
            .header("Link", &format!(r#"<{base}{next}>; rel="next""#))
    })
    .await;
    *base.lock().unwrap() = server.url.clone();
    let client = client(config(&server));
    let all = CursorPager::new(
        &client,
        ApiRequest::get("/items").query("per_page", "1"),
        |resp| Ok(CursorPage::from_link(items(resp)?, resp)),
    )
    .all()
    .await
    .unwrap();
    assert_eq!(all.len(), 2, "{all:?}");
    assert_eq!(server.count(), 2);
}

#[tokio::test]
async fn a_next_link_to_another_origin_is_refused() {
    let server = FakeServer::start(|_, _| {
        Reply::json(200, json!([1]))
            .header("Link", r#"<http://127.0.0.2:9/steal?page=2>; rel="next""#)
    })
    .await;
    let client = client(config(&server));
    let err = CursorPager::new(&client, ApiRequest::get("/items"), |resp| {
        Ok(CursorPage::from_link(items(resp)?, resp))
    })
    .all()
    .await
    .unwrap_err();
    assert!(matches!(err, HttpError::InvalidRequest { .. }), "{err:?}");
    assert!(
        err.to_string().contains("outside the API's origin"),
        "{err}"
    );
    assert_eq!(server.count(), 1);
}
