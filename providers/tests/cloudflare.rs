//! End-to-end tests of the Cloudflare provider through the [`Provider`] trait, against the
//! stateful Cloudflare fake (`infra-fakes`) behind Prism, which checks every request and every
//! answer against Cloudflare's official OpenAPI description.
//!
//! For each resource type: create → read → no-op plan → update → read_many → import → delete.
//! Then: refreshing 1,000 records of a zone costs at most 5 requests; creates under injected
//! faults (the fake applies the change and then fails) make no duplicates; an unreachable API
//! and missing credentials give clear errors; the API token never appears in an error or in
//! the debug log.

mod cloudflare_peer;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use cloudflare_peer::Peer;
use infra_lang::Value;
use infra_providers::cloudflare::{CloudflareOptions, CloudflareProvider};
use infra_providers::http::{Backoff, LogSink};
use infra_providers::rest::{value_from_json, CreatePolicy};
use infra_providers::{PlannedState, Provider, ProviderError};
use serde_json::{json, Value as J};

const CANARY: &str = "cf-canary-token-5c1d9e0b7a";

fn fast_options(log: Option<LogSink>) -> CloudflareOptions {
    CloudflareOptions {
        timeout: Some(Duration::from_secs(20)),
        backoff: Some(Backoff {
            base: Duration::from_millis(5),
            cap: Duration::from_millis(100),
        }),
        create_policy: Some(CreatePolicy {
            attempts: 10,
            find_attempts: 5,
            backoff: Backoff {
                base: Duration::from_millis(5),
                cap: Duration::from_millis(100),
            },
            adopt_on_conflict: false,
        }),
        log,
        env: Some(Vec::new()),
        ..CloudflareOptions::default()
    }
}

fn capture() -> (LogSink, Arc<Mutex<Vec<String>>>) {
    let lines = Arc::new(Mutex::new(Vec::new()));
    let sink = lines.clone();
    (
        Arc::new(move |l: &str| sink.lock().unwrap().push(l.to_string())),
        lines,
    )
}

/// A configured provider talking to `base_url`.
async fn provider_for(base_url: &str, options: CloudflareOptions) -> CloudflareProvider {
    let p = CloudflareProvider::with_options(options);
    let config = value_from_json(
        &json!({"api_token": CANARY, "base_url": base_url}),
        &p.schema().provider.object_type(),
    );
    p.configure(config).await.expect("configure");
    p
}

/// A configuration object of `type_name`, every attribute not given null (as the engine passes
/// it).
fn cfg(p: &CloudflareProvider, type_name: &str, j: J) -> Value {
    value_from_json(&j, &p.schema().resources[type_name].object_type())
}

fn data_cfg(p: &CloudflareProvider, type_name: &str, j: J) -> Value {
    value_from_json(&j, &p.schema().data_sources[type_name].object_type())
}

/// The engine's post-apply check: every known planned value is in the result.
fn assert_consistent(planned: &Value, actual: &Value, what: &str) {
    fn walk(p: &Value, a: &Value, path: &str, out: &mut Vec<String>) {
        match (p, a) {
            (Value::Unknown(_), _) => {}
            (Value::Object(x), Value::Object(y)) | (Value::Map(_, x), Value::Map(_, y)) => {
                if x.len() != y.len() {
                    out.push(format!("{path}: {p:?} vs {a:?}"));
                    return;
                }
                for (k, v) in x {
                    match y.get(k) {
                        Some(w) => walk(v, w, &format!("{path}.{k}"), out),
                        None => out.push(format!("{path}.{k} missing")),
                    }
                }
            }
            (Value::List(_, x), Value::List(_, y)) if x.len() == y.len() => {
                for (i, (v, w)) in x.iter().zip(y).enumerate() {
                    walk(v, w, &format!("{path}[{i}]"), out);
                }
            }
            (x, y) if x == y => {}
            (x, y) => out.push(format!(
                "{path}: planned {} got {}",
                x.to_json(),
                y.to_json()
            )),
        }
    }
    let mut out = Vec::new();
    walk(planned, actual, "", &mut out);
    assert!(
        out.is_empty(),
        "{what}: result differs from plan:\n{}",
        out.join("\n")
    );
}

fn plan(p: &CloudflareProvider, t: &str, prior: &Value, config: &Value) -> PlannedState {
    p.plan_resource(t, prior, config)
        .unwrap_or_else(|e| panic!("plan {t}: {e}"))
}

fn attr(v: &Value, name: &str) -> Value {
    v.get_attr(name).unwrap_or_else(Value::null)
}

fn text(v: &Value, name: &str) -> String {
    attr(v, name).as_str().unwrap_or_default().to_string()
}

/// Create → read → no-op plan → update → no-op plan → read_many → import (plans no change)
/// → delete → gone. Returns nothing; panics on the first broken step.
async fn lifecycle(
    p: &CloudflareProvider,
    t: &str,
    create: J,
    update: J,
    import_id: impl Fn(&Value) -> String,
    deletes_remotely: bool,
) {
    let c1 = cfg(p, t, create);
    let planned = plan(p, t, &Value::null(), &c1);
    assert!(planned.requires_replace.is_empty());
    let state = p
        .apply_resource(t, &Value::null(), &planned.planned)
        .await
        .unwrap_or_else(|e| panic!("create {t}: {e}"));
    assert_consistent(&planned.planned, &state, &format!("create {t}"));
    assert!(state.is_wholly_known(), "{t}: unknowns left in {state:?}");

    let read = p
        .read_resource(t, &state)
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(read, state, "{t}: refresh right after create shows drift");
    assert_eq!(
        plan(p, t, &state, &c1).planned,
        state,
        "{t}: a second plan is not empty"
    );

    let c2 = cfg(p, t, update);
    let planned2 = plan(p, t, &state, &c2);
    assert!(
        planned2.requires_replace.is_empty(),
        "{t}: update plans a replacement: {:?}",
        planned2.requires_replace
    );
    assert_ne!(planned2.planned, state, "{t}: the update plans nothing");
    let state2 = p
        .apply_resource(t, &state, &planned2.planned)
        .await
        .unwrap_or_else(|e| panic!("update {t}: {e}"));
    assert_consistent(&planned2.planned, &state2, &format!("update {t}"));
    assert_eq!(
        plan(p, t, &state2, &c2).planned,
        state2,
        "{t}: plan after update is not empty"
    );

    let many = p
        .read_many(t, &[state2.clone(), state2.clone(), state2.clone()])
        .await;
    for r in many {
        assert_eq!(
            r.expect("read_many").expect("exists"),
            state2,
            "{t}: read_many shows drift"
        );
    }

    let imported = p
        .import_resource(t, &import_id(&state2))
        .await
        .unwrap_or_else(|e| panic!("import {t}: {e}"));
    let after_import = plan(p, t, &imported, &c2);
    assert!(
        after_import.requires_replace.is_empty(),
        "{t}: plan after import replaces: {:?}",
        after_import.requires_replace
    );
    assert_eq!(
        after_import.planned, imported,
        "{t}: plan after import is not empty"
    );
    let refreshed = p
        .read_resource(t, &imported)
        .await
        .expect("read imported")
        .expect("exists");
    assert_eq!(refreshed, imported, "{t}: the imported state drifts");
    assert_eq!(attr(&imported, "id"), attr(&state2, "id"));

    let gone = p
        .apply_resource(t, &state2, &Value::null())
        .await
        .unwrap_or_else(|e| panic!("delete {t}: {e}"));
    assert!(gone.is_null());
    let after = p
        .read_resource(t, &state2)
        .await
        .expect("read after delete");
    assert_eq!(after.is_none(), deletes_remotely, "{t}: read after delete");
}

#[tokio::test]
async fn dns_record_lifecycle_and_normalisation() {
    let peer = Peer::start().await;
    let zone = peer.new_zone("dns-life.example.com").await;
    let p = provider_for(&peer.api_url, fast_options(None)).await;
    let t = "cloudflare_dns_record";
    let z = zone.id.clone();
    lifecycle(
        &p,
        t,
        json!({"zone_id": z, "name": "www", "type": "A", "content": "192.0.2.1", "ttl": 3600, "comment": "web", "tags": ["owner:web"]}),
        json!({"zone_id": z, "name": "www", "type": "A", "content": "192.0.2.2", "ttl": 1, "proxied": true}),
        |s| format!("{}/{}", text(s, "zone_id"), text(s, "id")),
        true,
    )
    .await;

    // An update that keeps the comment and the tags plans their timestamps unchanged (and
    // the API agrees); meta stays too.
    let c1 = cfg(
        &p,
        t,
        json!({"zone_id": z, "name": "keep", "type": "A", "content": "192.0.2.1", "ttl": 1, "comment": "c", "tags": ["a:b"]}),
    );
    let s1 = p
        .apply_resource(t, &Value::null(), &plan(&p, t, &Value::null(), &c1).planned)
        .await
        .unwrap();
    let c2 = cfg(
        &p,
        t,
        json!({"zone_id": z, "name": "keep", "type": "A", "content": "192.0.2.2", "ttl": 1, "comment": "c", "tags": ["a:b"]}),
    );
    let planned = plan(&p, t, &s1, &c2).planned;
    for kept in [
        "comment_modified_on",
        "tags_modified_on",
        "meta",
        "created_on",
        "id",
    ] {
        assert_eq!(attr(&planned, kept), attr(&s1, kept), "{kept}");
    }
    assert!(!attr(&planned, "modified_on").is_known());
    let s2 = p.apply_resource(t, &s1, &planned).await.unwrap();
    assert_consistent(&planned, &s2, "update keeping comment and tags");

    // Forms the API rewrites keep the configured form: FQDN with a trailing dot in capitals,
    // CNAME targets, IPv6 addresses, TXT content.
    let cases = [
        json!({"zone_id": z, "name": format!("Mail.{}.", zone.name.to_uppercase()), "type": "CNAME", "content": "Target.Example.net.", "ttl": 300}),
        json!({"zone_id": z, "name": "@", "type": "AAAA", "content": "2001:DB8:0:0:0:0:0:1", "ttl": 1}),
        json!({"zone_id": z, "name": "txt", "type": "TXT", "content": "v=spf1 -all", "ttl": 1}),
        json!({"zone_id": z, "name": "@", "type": "MX", "content": "mx.example.net.", "priority": 10, "ttl": 1}),
        json!({"zone_id": z, "name": "@", "type": "CAA", "data": {"flags": 0, "tag": "issue", "value": "letsencrypt.org"}, "ttl": 1}),
        json!({"zone_id": z, "name": "_sip._tcp", "type": "SRV", "data": {"priority": 10, "weight": 5, "port": 5060, "target": "sip.example.com"}, "ttl": 1}),
        json!({"zone_id": z, "name": "loc", "type": "LOC", "data": {"lat_degrees": 37, "lat_direction": "N", "long_degrees": 122, "long_direction": "W", "altitude": 0}, "ttl": 1}),
    ];
    for case in cases {
        let c = cfg(&p, t, case.clone());
        let planned = plan(&p, t, &Value::null(), &c);
        let state = p
            .apply_resource(t, &Value::null(), &planned.planned)
            .await
            .unwrap_or_else(|e| panic!("create {case}: {e}"));
        assert_consistent(&planned.planned, &state, &case.to_string());
        let read = p.read_resource(t, &state).await.unwrap().unwrap();
        assert_eq!(read, state, "{case}: drift after create");
        assert_eq!(
            plan(&p, t, &read, &c).planned,
            read,
            "{case}: perpetual diff"
        );
        // After an import (the API's forms in state) the configuration still plans nothing.
        let imported = p
            .import_resource(t, &format!("{z}/{}", text(&state, "id")))
            .await
            .unwrap();
        let after = plan(&p, t, &imported, &c);
        assert!(
            after.requires_replace.is_empty(),
            "{case}: import then plan replaces"
        );
        assert_eq!(
            after.planned, imported,
            "{case}: import then plan is not empty"
        );
    }
}

#[tokio::test]
async fn zone_setting_lifecycle() {
    let peer = Peer::start().await;
    let zone = peer.new_zone("settings.example.com").await;
    let p = provider_for(&peer.api_url, fast_options(None)).await;
    let z = zone.id.clone();
    lifecycle(
        &p,
        "cloudflare_zone_setting",
        json!({"zone_id": z, "setting_id": "min_tls_version", "value": "1.2"}),
        json!({"zone_id": z, "setting_id": "min_tls_version", "value": "1.3"}),
        |s| format!("{}/{}", text(s, "zone_id"), text(s, "setting_id")),
        false,
    )
    .await;
    lifecycle(
        &p,
        "cloudflare_zone_setting",
        json!({"zone_id": z, "setting_id": "browser_cache_ttl", "value": 7200}),
        json!({"zone_id": z, "setting_id": "browser_cache_ttl", "value": 14400}),
        |s| format!("{}/{}", text(s, "zone_id"), text(s, "setting_id")),
        false,
    )
    .await;
}

fn rule(expr: &str, r#ref: Option<&str>) -> J {
    let mut r =
        json!({"action": "block", "expression": expr, "description": format!("block {expr}")});
    if let Some(x) = r#ref {
        r["ref"] = json!(x);
    }
    r
}

#[tokio::test]
async fn ruleset_lifecycle_and_rule_identity() {
    let peer = Peer::start().await;
    let zone = peer.new_zone("rulesets.example.com").await;
    let p = provider_for(&peer.api_url, fast_options(None)).await;
    let t = "cloudflare_ruleset";
    let z = zone.id.clone();
    let base = |rules: Vec<J>| json!({"zone_id": z, "name": "My ruleset", "kind": "zone", "phase": "http_request_firewall_custom", "rules": rules});
    lifecycle(
        &p,
        t,
        base(vec![
            rule("ip.src eq 192.0.2.1", None),
            rule("ip.src eq 192.0.2.2", Some("two")),
        ]),
        base(vec![
            rule("ip.src eq 192.0.2.3", None),
            rule("ip.src eq 192.0.2.1", None),
            rule("ip.src eq 192.0.2.2", Some("two")),
        ]),
        |s| format!("zones/{}/{}", text(s, "zone_id"), text(s, "id")),
        true,
    )
    .await;

    // Insert a rule: only it is new; the others keep ids, refs and every attribute.
    let c1 = cfg(
        &p,
        t,
        base(vec![
            rule("ip.src eq 192.0.2.1", None),
            rule("ip.src eq 192.0.2.2", None),
        ]),
    );
    let s1 = p
        .apply_resource(t, &Value::null(), &plan(&p, t, &Value::null(), &c1).planned)
        .await
        .unwrap();
    let rules1 = attr(&s1, "rules").as_seq().unwrap().to_vec();
    let c2 = cfg(
        &p,
        t,
        base(vec![
            rule("ip.src eq 192.0.2.9", None),
            rule("ip.src eq 192.0.2.1", None),
            rule("ip.src eq 192.0.2.2", None),
        ]),
    );
    let planned = plan(&p, t, &s1, &c2);
    let prules = attr(&planned.planned, "rules").as_seq().unwrap().to_vec();
    assert_eq!(prules[1], rules1[0]);
    assert_eq!(prules[2], rules1[1]);
    assert!(!attr(&prules[0], "id").is_known());
    let s2 = p.apply_resource(t, &s1, &planned.planned).await.unwrap();
    assert_consistent(&planned.planned, &s2, "insert");
    // Edit the middle rule: it keeps its id.
    let c3 = cfg(
        &p,
        t,
        base(vec![
            rule("ip.src eq 192.0.2.9", None),
            rule("ip.src eq 192.0.2.100", None),
            rule("ip.src eq 192.0.2.2", None),
        ]),
    );
    let planned = plan(&p, t, &s2, &c3);
    let s3 = p.apply_resource(t, &s2, &planned.planned).await.unwrap();
    assert_consistent(&planned.planned, &s3, "edit");
    let (r2, r3) = (
        attr(&s2, "rules").as_seq().unwrap().to_vec(),
        attr(&s3, "rules").as_seq().unwrap().to_vec(),
    );
    assert_eq!(attr(&r3[1], "id"), attr(&r2[1], "id"));
    assert_eq!(
        attr(&r3[1], "expression"),
        Value::string("ip.src eq 192.0.2.100")
    );
    // Reorder: same rules, new order, nothing else changes.
    let c4 = cfg(
        &p,
        t,
        base(vec![
            rule("ip.src eq 192.0.2.2", None),
            rule("ip.src eq 192.0.2.9", None),
            rule("ip.src eq 192.0.2.100", None),
        ]),
    );
    let planned = plan(&p, t, &s3, &c4);
    let s4 = p.apply_resource(t, &s3, &planned.planned).await.unwrap();
    assert_consistent(&planned.planned, &s4, "reorder");
    let r4 = attr(&s4, "rules").as_seq().unwrap().to_vec();
    assert_eq!(attr(&r4[0], "id"), attr(&r3[2], "id"));
    assert_eq!(plan(&p, t, &s4, &c4).planned, s4);
    p.apply_resource(t, &s4, &Value::null()).await.unwrap();
}

#[tokio::test]
async fn healthcheck_lifecycle() {
    let peer = Peer::start().await;
    let zone = peer.new_zone("health.example.com").await;
    let p = provider_for(&peer.api_url, fast_options(None)).await;
    let z = zone.id.clone();
    lifecycle(
        &p,
        "cloudflare_healthcheck",
        json!({"zone_id": z, "name": "origin", "address": "www.example.com", "type": "HTTPS", "http_config": {"path": "/health", "expected_codes": ["200", "302"]}}),
        json!({"zone_id": z, "name": "origin", "address": "www.example.com", "type": "HTTPS", "interval": 120, "http_config": {"path": "/healthz"}}),
        |s| format!("{}/{}", text(s, "zone_id"), text(s, "id")),
        true,
    )
    .await;
    lifecycle(
        &p,
        "cloudflare_healthcheck",
        json!({"zone_id": z, "name": "tcp", "address": "192.0.2.10", "type": "TCP", "tcp_config": {"port": 22}}),
        json!({"zone_id": z, "name": "tcp", "address": "192.0.2.10", "type": "TCP", "tcp_config": {"port": 2222}, "suspended": true}),
        |s| format!("{}/{}", text(s, "zone_id"), text(s, "id")),
        true,
    )
    .await;
}

#[tokio::test]
async fn page_rule_lifecycle() {
    let peer = Peer::start().await;
    let zone = peer.new_zone("pagerules.example.com").await;
    let p = provider_for(&peer.api_url, fast_options(None)).await;
    let z = zone.id.clone();
    lifecycle(
        &p,
        "cloudflare_page_rule",
        json!({"zone_id": z, "target": "pagerules.example.com/old/*", "actions": {"forwarding_url": {"url": "https://pagerules.example.com/new", "status_code": 301}}}),
        json!({"zone_id": z, "target": "pagerules.example.com/old/*", "status": "active", "actions": {"always_use_https": true, "cache_level": "bypass", "browser_cache_ttl": 3600}}),
        |s| format!("{}/{}", text(s, "zone_id"), text(s, "id")),
        true,
    )
    .await;
}

#[tokio::test]
async fn data_sources() {
    let peer = Peer::start().await;
    let zone = peer.new_zone("data-sources.example.com").await;
    let p = provider_for(&peer.api_url, fast_options(None)).await;
    let by_id = p
        .read_data_source(
            "cloudflare_zone",
            &data_cfg(&p, "cloudflare_zone", json!({"zone_id": zone.id})),
        )
        .await
        .unwrap();
    assert_eq!(text(&by_id, "name"), zone.name);
    assert_eq!(text(&by_id, "id"), zone.id);
    let by_name = p
        .read_data_source(
            "cloudflare_zone",
            &data_cfg(
                &p,
                "cloudflare_zone",
                json!({"filter": {"name": zone.name}}),
            ),
        )
        .await
        .unwrap();
    assert_eq!(text(&by_name, "id"), zone.id);
    assert_eq!(text(&by_name, "zone_id"), zone.id);
    let none = p
        .read_data_source(
            "cloudflare_zone",
            &data_cfg(
                &p,
                "cloudflare_zone",
                json!({"filter": {"name": "absent.example.org"}}),
            ),
        )
        .await;
    assert!(none.unwrap_err().to_string().contains("no zone matches"));

    let zones = p
        .read_data_source(
            "cloudflare_zones",
            &data_cfg(&p, "cloudflare_zones", json!({"name": zone.name})),
        )
        .await
        .unwrap();
    let result = attr(&zones, "result");
    assert_eq!(result.as_seq().unwrap().len(), 1);
    assert_eq!(text(&result.as_seq().unwrap()[0], "id"), zone.id);

    let t = "cloudflare_dns_record";
    for (name, content) in [("a", "192.0.2.1"), ("b", "192.0.2.2"), ("c", "192.0.2.3")] {
        let c = cfg(
            &p,
            t,
            json!({"zone_id": zone.id, "name": name, "type": "A", "content": content, "ttl": 1}),
        );
        p.apply_resource(t, &Value::null(), &plan(&p, t, &Value::null(), &c).planned)
            .await
            .unwrap();
    }
    let records = p
        .read_data_source(
            "cloudflare_dns_records",
            &data_cfg(
                &p,
                "cloudflare_dns_records",
                json!({"zone_id": zone.id, "type": "A", "name": {"startswith": "b."}}),
            ),
        )
        .await
        .unwrap();
    let result = attr(&records, "result");
    assert_eq!(result.as_seq().unwrap().len(), 1, "{result:?}");
    assert_eq!(text(&result.as_seq().unwrap()[0], "content"), "192.0.2.2");
    let all = p
        .read_data_source(
            "cloudflare_dns_records",
            &data_cfg(
                &p,
                "cloudflare_dns_records",
                json!({"zone_id": zone.id, "max_items": 2}),
            ),
        )
        .await
        .unwrap();
    assert_eq!(attr(&all, "result").as_seq().unwrap().len(), 2);
}

#[tokio::test]
async fn refreshing_a_thousand_records_takes_at_most_five_requests() {
    let peer = Peer::start().await;
    let zone = peer.new_zone("bulk.example.com").await;
    // Seed the zone directly on the fake (not through the provider: this test is about reads).
    let seeded = peer.seed_records(&zone.id, 1000).await;
    assert_eq!(seeded.len(), 1000);
    let p = provider_for(&peer.api_url, fast_options(None)).await;
    let t = "cloudflare_dns_record";
    let currents: Vec<Value> = seeded
        .iter()
        .enumerate()
        .map(|(i, r)| {
            // As a create leaves it: the configured short name (the API answers the FQDN).
            let mut r = r.clone();
            r["zone_id"] = json!(zone.id);
            r["name"] = json!(format!("host{i}"));
            cfg(&p, t, r)
        })
        .collect();
    // One of them is deleted remotely.
    peer.delete_record(&zone.id, &text(&currents[17], "id"))
        .await;
    peer.reset_stats(&zone.id).await;
    let results = p.read_many(t, &currents).await;
    let requests = peer.requests(&zone.id).await;
    assert!(
        requests <= 5,
        "refreshing 1,000 records took {requests} requests"
    );
    assert_eq!(results.len(), 1000);
    for (i, r) in results.into_iter().enumerate() {
        let r = r.unwrap_or_else(|e| panic!("record {i}: {e}"));
        if i == 17 {
            assert!(r.is_none(), "a deleted record reads as gone");
        } else {
            assert_eq!(r.unwrap(), currents[i], "record {i} drifted");
        }
    }
}

async fn create_many_under_faults(faults: J, count: usize, zone_name: &str, timeout: Duration) {
    let peer = Peer::start().await;
    let zone = peer.new_zone(zone_name).await;
    let mut options = fast_options(None);
    options.timeout = Some(timeout);
    let p = Arc::new(provider_for(&peer.api_url, options).await);
    peer.set_faults(&zone.id, faults).await;
    let t = "cloudflare_dns_record";
    let mut tasks = tokio::task::JoinSet::new();
    let sem = Arc::new(tokio::sync::Semaphore::new(16));
    for i in 0..count {
        let p = p.clone();
        let sem = sem.clone();
        let z = zone.id.clone();
        tasks.spawn(async move {
            let _permit = sem.acquire_owned().await.unwrap();
            let c = cfg(&p, t, json!({"zone_id": z, "name": format!("r{i}"), "type": "TXT", "content": format!("record {i}"), "ttl": 1}));
            let planned = plan(&p, t, &Value::null(), &c);
            let state = p.apply_resource(t, &Value::null(), &planned.planned).await;
            (i, planned.planned, state)
        });
    }
    let mut ids = std::collections::BTreeSet::new();
    let mut failures = Vec::new();
    while let Some(done) = tasks.join_next().await {
        let (i, planned, state) = done.unwrap();
        match state {
            Ok(s) => {
                assert_consistent(&planned, &s, &format!("record {i}"));
                ids.insert(text(&s, "id"));
            }
            Err(e) => failures.push(format!("record {i}: {e}")),
        }
    }
    peer.clear_faults(&zone.id).await;
    let stats = peer.stats(&zone.id).await;
    assert!(
        stats["faults_injected"].as_u64().unwrap() > 0,
        "no fault was injected: {stats}"
    );
    assert!(failures.is_empty(), "creates failed: {failures:#?}");
    let records = peer.list_records(&zone.id).await;
    assert_eq!(
        records.len(),
        count,
        "duplicates or losses: {} records for {count} creates",
        records.len()
    );
    let remote: std::collections::BTreeSet<String> = records
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(remote, ids, "states and remote records differ");
}

#[tokio::test]
async fn creates_under_server_errors_make_no_duplicates() {
    create_many_under_faults(
        json!({"error_rate": 0.2, "seed": 7}),
        300,
        "faults.example.com",
        Duration::from_secs(20),
    )
    .await;
}

#[tokio::test]
async fn creates_under_drops_and_timeouts_make_no_duplicates() {
    create_many_under_faults(
        json!({"error_rate": 0.1, "drop_rate": 0.1, "timeout_rate": 0.05, "timeout_secs": 3, "seed": 11}),
        60,
        "faults2.example.com",
        Duration::from_secs(1),
    )
    .await;
}

#[tokio::test]
async fn unreachable_api_and_missing_credentials_are_clear_errors() {
    // A port nothing listens on.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let url = format!("http://127.0.0.1:{port}/client/v4");
    let mut options = fast_options(None);
    options.max_attempts = Some(2);
    let p = provider_for(&url, options).await;
    let c = cfg(
        &p,
        "cloudflare_dns_record",
        json!({"zone_id": "z1", "name": "www", "type": "A", "content": "192.0.2.1", "ttl": 1}),
    );
    let planned = plan(&p, "cloudflare_dns_record", &Value::null(), &c);
    let err = p
        .apply_resource("cloudflare_dns_record", &Value::null(), &planned.planned)
        .await
        .unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.starts_with(&format!(
            "could not reach the Cloudflare API at {url}: connection refused"
        )),
        "{msg}"
    );
    assert!(!msg.contains(CANARY));

    let p = CloudflareProvider::with_options(fast_options(None));
    let err = p
        .read_resource("cloudflare_dns_record", &c)
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("CLOUDFLARE_API_TOKEN") && err.to_string().contains("api_token"),
        "{err}"
    );
    let config = value_from_json(
        &json!({"api_token": CANARY, "api_key": "k"}),
        &p.schema().provider.object_type(),
    );
    let err = p.configure(config).await.unwrap_err();
    assert!(err.to_string().contains("only one of"), "{err}");
    assert!(!err.to_string().contains(CANARY));
    // Credentials from the environment.
    let mut options = fast_options(None);
    options.env = Some(vec![
        ("CLOUDFLARE_API_TOKEN".into(), CANARY.into()),
        ("CLOUDFLARE_BASE_URL".into(), url.clone()),
    ]);
    let p = CloudflareProvider::with_options(options);
    let err = p
        .read_resource("cloudflare_dns_record", &set(&c, "id", Value::string("r1")))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("could not reach"), "{err}");
}

fn set(v: &Value, k: &str, to: Value) -> Value {
    let mut o = v.as_entries().cloned().unwrap();
    o.insert(k.to_string(), to);
    Value::Object(o)
}

#[tokio::test]
async fn the_token_never_appears_in_errors_or_logs() {
    let peer = Peer::start().await;
    let zone = peer.new_zone("canary.example.com").await;
    let (sink, lines) = capture();
    if std::env::var("INFRA_REQUIRE_PRISM").as_deref() == Ok("1") {
        assert!(peer.via_prism(), "the contract must be checked");
    }
    let p = provider_for(&peer.api_url, fast_options(Some(sink))).await;
    let t = "cloudflare_dns_record";
    let mut errors: Vec<ProviderError> = Vec::new();
    // An invalid record (the API refuses it), a missing zone, a missing record, a bad import ID.
    let bad = cfg(
        &p,
        t,
        json!({"zone_id": zone.id, "name": "www", "type": "A", "content": "not-an-ip", "ttl": 1}),
    );
    errors.push(
        p.apply_resource(
            t,
            &Value::null(),
            &plan(&p, t, &Value::null(), &bad).planned,
        )
        .await
        .unwrap_err(),
    );
    let c = cfg(
        &p,
        t,
        json!({"zone_id": "0123456789abcdef0123456789abcdef", "name": "www", "type": "A", "content": "192.0.2.1", "ttl": 1}),
    );
    errors.push(
        p.apply_resource(t, &Value::null(), &plan(&p, t, &Value::null(), &c).planned)
            .await
            .unwrap_err(),
    );
    errors.push(
        p.import_resource(t, &format!("{}/0123456789abcdef0123456789abcdef", zone.id))
            .await
            .unwrap_err(),
    );
    errors.push(p.import_resource(t, "no-slash").await.unwrap_err());
    // A good record too, so that successful traffic is logged.
    let ok = cfg(
        &p,
        t,
        json!({"zone_id": zone.id, "name": "ok", "type": "A", "content": "192.0.2.1", "ttl": 1}),
    );
    p.apply_resource(t, &Value::null(), &plan(&p, t, &Value::null(), &ok).planned)
        .await
        .unwrap();
    for e in &errors {
        let text = format!("{e} {e:?}");
        assert!(
            !text.contains(CANARY),
            "the token leaked into an error: {text}"
        );
    }
    assert!(
        errors[0].to_string().contains("9005")
            || errors[0].to_string().to_lowercase().contains("invalid"),
        "{}",
        errors[0]
    );
    let log = lines.lock().unwrap().join("\n");
    assert!(log.contains("POST"), "nothing was logged");
    assert!(!log.contains(CANARY), "the token leaked into the debug log");
    assert!(log.contains("authorization: (redacted)"), "{log}");
}
