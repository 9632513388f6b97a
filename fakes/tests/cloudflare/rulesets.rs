use serde_json::{json, Value};

use crate::peer_with_zone;

fn cache_rule(reference: &str) -> Value {
    // `status_code_ttl` only because the description requires it (a known false positive).
    json!({
        "ref": reference,
        "description": "cache everything for a year",
        "expression": "(http.request.uri.path matches \"^/static/\")",
        "action": "set_cache_settings",
        "action_parameters": {
            "cache": true,
            "edge_ttl": {"mode": "override_origin", "default": 31536000, "status_code_ttl": [{"status_code_range": {"from": 200, "to": 299}, "value": 31536000}]},
            "browser_ttl": {"mode": "respect_origin"}
        }
    })
}

fn rule_ids(ruleset: &Value) -> Vec<String> {
    ruleset["rules"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["id"].as_str().map(str::to_string))
        .collect()
}

#[tokio::test]
async fn a_ruleset_in_each_phase_infra_uses() {
    let (peer, zone_id, _) = peer_with_zone("rulesets").await;
    let api = peer.api();
    let base = format!("/zones/{zone_id}/rulesets");

    let cache = api.post(&base, &json!({"name": "cache", "kind": "zone", "phase": "http_request_cache_settings", "rules": [cache_rule("static")]})).await;
    let cache = cache.result().clone();
    assert_eq!(cache["version"], "1");
    assert_eq!(cache["rules"][0]["ref"], "static");
    assert_eq!(cache["rules"][0]["enabled"], true);

    let headers = api
        .put(
            &format!("{base}/phases/http_response_headers_transform/entrypoint"),
            &json!({"rules": [{"expression": "true", "action": "rewrite", "action_parameters": {"headers": {"X-Frame-Options": {"operation": "set", "value": "DENY"}, "Server": {"operation": "remove"}}}}]}),
        )
        .await;
    assert_eq!(headers.result()["name"], "default");
    assert_eq!(headers.result()["kind"], "zone");

    let firewall = api
        .post(&base, &json!({"name": "waf", "kind": "zone", "phase": "http_request_firewall_custom", "rules": [
            {"expression": "(ip.src eq 192.0.2.1)", "action": "block"},
            {"expression": "(http.request.uri.path eq \"/admin\")", "action": "managed_challenge"},
            {"expression": "(cf.client.bot)", "action": "skip", "action_parameters": {"ruleset": "current"}, "logging": {"enabled": false}}
        ]}))
        .await;
    assert_eq!(
        firewall.result()["rules"].as_array().map(Vec::len),
        Some(3),
        "{firewall}"
    );

    let ratelimit = api
        .post(&base, &json!({"name": "rl", "kind": "zone", "phase": "http_ratelimit", "rules": [{
            "expression": "(http.request.uri.path eq \"/login\")", "action": "block",
            "ratelimit": {"characteristics": ["cf.colo.id", "ip.src"], "period": 60, "requests_per_period": 100, "mitigation_timeout": 600}
        }]}))
        .await;
    assert_eq!(
        ratelimit.result()["rules"][0]["ratelimit"]["period"],
        60,
        "{ratelimit}"
    );

    // Dynamic redirects go to the fake directly: the description's `target_url` is a oneOf of
    // {value} and {expression} with nothing to tell them apart, so Prism refuses every redirect
    // (a known false positive of the description).
    let redirect = peer
        .direct()
        .post(&base, &json!({"name": "redirects", "kind": "zone", "phase": "http_request_dynamic_redirect", "rules": [{
            "expression": "(http.host eq \"old.example.com\")", "action": "redirect",
            "action_parameters": {"from_value": {"status_code": 301, "target_url": {"value": "https://example.com"}, "preserve_query_string": true}}
        }]}))
        .await;
    assert_eq!(redirect.result()["phase"], "http_request_dynamic_redirect");
    let bad = peer
        .direct()
        .post(&base, &json!({"name": "r2", "kind": "custom", "phase": "http_request_dynamic_redirect", "rules": [{"expression": "true", "action": "redirect", "action_parameters": {"from_value": {}}}]}))
        .await;
    bad.expect_status(400);

    let list = api.get(&base).await;
    let phases: Vec<&str> = list
        .result()
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["phase"].as_str())
        .collect();
    for phase in [
        "http_request_cache_settings",
        "http_response_headers_transform",
        "http_request_firewall_custom",
        "http_ratelimit",
        "http_request_dynamic_redirect",
    ] {
        assert!(phases.contains(&phase), "{phase} missing from {phases:?}");
    }
    assert!(
        list.result()[0].get("rules").is_none(),
        "lists leave the rules out"
    );
}

#[tokio::test]
async fn updates_keep_rule_ids_and_bump_versions() {
    let (peer, zone_id, _) = peer_with_zone("rsupdate").await;
    let api = peer.api();
    let base = format!("/zones/{zone_id}/rulesets");
    let block = |ip: &str| json!({"expression": format!("(ip.src eq {ip})"), "action": "block", "ref": format!("block-{ip}")});

    let created = api.post(&base, &json!({"name": "waf", "kind": "zone", "phase": "http_request_firewall_custom", "rules": [block("192.0.2.1"), block("192.0.2.2")]})).await;
    let created = created.result().clone();
    let id = created["id"].as_str().unwrap_or_default().to_string();
    let ids = rule_ids(&created);

    // By ref: the first rule unchanged, the second changed, a third new.
    let mut changed = block("192.0.2.2");
    changed["enabled"] = json!(false);
    let updated = api
        .put(
            &format!("{base}/{id}"),
            &json!({"rules": [block("192.0.2.1"), changed, block("192.0.2.3")]}),
        )
        .await;
    let updated = updated.result().clone();
    assert_eq!(updated["version"], "2");
    let new_ids = rule_ids(&updated);
    assert_eq!(&new_ids[..2], &ids[..]);
    assert!(!ids.contains(&new_ids[2]));
    assert_eq!(
        updated["rules"][0]["version"], "1",
        "an unchanged rule keeps its version"
    );
    assert_eq!(
        updated["rules"][0]["last_updated"],
        created["rules"][0]["last_updated"]
    );
    assert_eq!(updated["rules"][1]["version"], "2");
    assert_eq!(updated["rules"][1]["enabled"], false);

    // By id (no ref): the id is kept.
    let by_id = json!({"id": new_ids[2], "expression": "(ip.src eq 192.0.2.4)", "action": "log"});
    let updated = api
        .put(&format!("{base}/{id}"), &json!({"rules": [by_id]}))
        .await;
    assert_eq!(rule_ids(updated.result()), vec![new_ids[2].clone()]);
    assert_eq!(updated.result()["version"], "3");
    // An id the ruleset does not have is refused.
    let r = api.put(&format!("{base}/{id}"), &json!({"rules": [{"id": "0123456789abcdef0123456789abcdef", "expression": "true", "action": "log"}]})).await;
    r.expect_status(400);
    assert_eq!(r.body["errors"][0]["source"]["pointer"], "/rules/0/id");

    // The phase cannot change, and a second zone ruleset for the phase is refused.
    let r = api
        .put(
            &format!("{base}/{id}"),
            &json!({"phase": "http_ratelimit", "rules": []}),
        )
        .await;
    r.expect_status(400);
    let r = api.post(&base, &json!({"name": "again", "kind": "zone", "phase": "http_request_firewall_custom", "rules": []})).await;
    r.expect_status(400);
    assert_eq!(r.error_code(), Some(20217), "{r}");
    assert_eq!(r.body["errors"][0]["source"]["pointer"], "/kind");

    // An action the phase does not allow.
    let r = api.put(&format!("{base}/{id}"), &json!({"rules": [{"expression": "true", "action": "set_cache_settings", "action_parameters": {"cache": false}}]})).await;
    r.expect_status(400);
    assert_eq!(r.body["errors"][0]["source"]["pointer"], "/rules/0/action");

    // Delete: 204, then 404.
    let r = api.delete(&format!("{base}/{id}")).await;
    r.expect_status(204);
    api.get(&format!("{base}/{id}")).await.expect_status(404);
}

#[tokio::test]
async fn phase_entrypoints() {
    let (peer, zone_id, _) = peer_with_zone("entry").await;
    let api = peer.api();
    let entry = format!("/zones/{zone_id}/rulesets/phases/http_request_cache_settings/entrypoint");

    let r = api.get(&entry).await;
    r.expect_status(404);

    let created = api
        .put(
            &entry,
            &json!({"description": "cache rules", "rules": [cache_rule("a")]}),
        )
        .await;
    let created = created.result().clone();
    assert_eq!(created["version"], "1");
    assert_eq!(created["description"], "cache rules");
    assert_eq!(api.get(&entry).await.result(), &created);

    let updated = api
        .put(
            &entry,
            &json!({"rules": [cache_rule("a"), cache_rule("b")]}),
        )
        .await;
    let updated = updated.result().clone();
    assert_eq!(updated["id"], created["id"]);
    assert_eq!(updated["version"], "2");
    assert_eq!(updated["rules"][0]["id"], created["rules"][0]["id"]);

    // The entrypoint body has no `kind` (the API's decoder refuses unknown fields).
    let r = peer
        .direct()
        .put(&entry, &json!({"kind": "zone", "rules": []}))
        .await;
    r.expect_status(400);
    // Getting it by id works too.
    let by_id = api
        .get(&format!(
            "/zones/{zone_id}/rulesets/{}",
            created["id"].as_str().unwrap_or_default()
        ))
        .await;
    assert_eq!(by_id.result()["version"], "2");
}
