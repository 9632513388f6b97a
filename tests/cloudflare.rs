//! The Cloudflare provider end to end through the `infra` binary: the stateful fake behind
//! Prism (`--errors`, the official OpenAPI description), so a request or response that breaks
//! Cloudflare's contract fails the test. Each test works in a zone of its own.

mod common;

use std::process::Command;

use common::*;
use infra_fakes::harness::{unique_zone_name, CloudflarePeer, Faults};
use serde_json::{json, Value};

const TOKEN: &str = "CANARY-cf-token-7d1e0c";

struct Site {
    rt: tokio::runtime::Runtime,
    peer: CloudflarePeer,
    zone_name: String,
    zone_id: String,
    ctx: Ctx,
}

impl Site {
    /// A zone of its own and a working directory holding `config`.
    fn new(prefix: &str, config: &str) -> Site {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let peer = rt.block_on(CloudflarePeer::start());
        let zone_name = unique_zone_name(prefix);
        let zone = rt.block_on(peer.new_zone_with(json!({"name": zone_name, "plan": "enterprise"})));
        let zone_id = zone["id"].as_str().or_else(|| zone["result"]["id"].as_str()).expect("zone id").to_string();
        let ctx = Ctx::new();
        ctx.write("main.tf", config);
        Site { rt, peer, zone_name, zone_id, ctx }
    }

    fn example(prefix: &str) -> Site {
        let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/cloudflare-site/main.tf")).unwrap();
        Site::new(prefix, &text)
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = self.ctx.cmd(args);
        c.env("CLOUDFLARE_API_TOKEN", TOKEN).env("CLOUDFLARE_BASE_URL", &self.peer.api_url).env("TF_VAR_zone_name", &self.zone_name);
        c
    }

    fn run(&self, args: &[&str]) -> Run {
        Run::from(self.cmd(args).output().expect("run infra"))
    }

    fn ok(&self, args: &[&str]) -> Run {
        let r = self.run(args);
        assert_eq!(r.code, 0, "infra {args:?} failed:\n{}", r.text());
        r
    }

    /// Every DNS record of the zone, straight from the fake.
    fn records(&self) -> Vec<Value> {
        let r = self.rt.block_on(self.peer.direct().get(&format!("/zones/{}/dns_records?per_page=5000", self.zone_id)));
        r.result().as_array().cloned().unwrap_or_default()
    }

    fn record_id(&self, name: &str, ty: &str) -> String {
        let recs = self.records();
        let r = recs.iter().find(|r| r["name"] == name && r["type"] == ty).unwrap_or_else(|| panic!("no {ty} {name} in {recs:#?}"));
        r["id"].as_str().unwrap().to_string()
    }

    fn stats(&self) -> infra_fakes::harness::Stats {
        self.rt.block_on(self.peer.stats(&self.zone_id))
    }
}

/// The example site: apply, then a plan with nothing to do (exit 0 with -detailed-exitcode),
/// drift made "in the dashboard" shown and repaired, and refresh cost in requests.
#[test]
fn example_site_applies_converges_and_repairs_drift() {
    let site = Site::example("site");
    let apply = site.ok(&["apply", "-auto-approve", "-no-color"]);
    assert!(apply.stdout.contains("Apply complete! Resources: 20 added, 0 changed, 0 destroyed."), "{}", apply.stdout);
    let names: Vec<String> = site.records().iter().map(|r| format!("{} {}", r["type"].as_str().unwrap(), r["name"].as_str().unwrap())).collect();
    assert_eq!(names.len(), 8, "{names:?}");
    assert!(names.contains(&format!("CNAME www.{}", site.zone_name)), "{names:?}");

    site.rt.block_on(site.peer.reset_stats(&site.zone_id));
    let plan = site.run(&["plan", "-detailed-exitcode", "-no-color"]);
    assert_eq!(plan.code, 0, "a plan right after apply must have nothing to do:\n{}", plan.text());
    // One list call refreshes every DNS record of the zone.
    let stats = site.stats();
    let dns_gets: u64 = stats.by_route.iter().filter(|(k, _)| k.starts_with("GET /zones/{zone_id}/dns_records")).map(|(_, n)| n).sum();
    assert!(dns_gets <= 2, "refreshing 8 records took {dns_gets} DNS requests: {:?}", stats.by_route);

    // Drift: someone edits the www record and a setting in the dashboard.
    let www = site.record_id(&format!("www.{}", site.zone_name), "CNAME");
    let direct = site.peer.direct();
    site.rt.block_on(direct.patch(&format!("/zones/{}/dns_records/{www}", site.zone_id), &json!({"content": "elsewhere.example.net", "proxied": false}))).result();
    site.rt.block_on(direct.patch(&format!("/zones/{}/settings/min_tls_version", site.zone_id), &json!({"value": "1.0"}))).result();
    let plan = site.run(&["plan", "-detailed-exitcode", "-no-color"]);
    assert_eq!(plan.code, 2, "{}", plan.text());
    assert!(plan.stdout.contains("Objects have changed outside of infra"), "{}", plan.stdout);
    assert!(plan.stdout.contains("cloudflare_dns_record.www will be updated in-place"), "{}", plan.stdout);
    assert!(plan.stdout.contains(r#"~ content"#) && plan.stdout.contains("elsewhere.example.net"), "{}", plan.stdout);
    assert!(plan.stdout.contains("cloudflare_zone_setting.min_tls_version will be updated in-place"), "{}", plan.stdout);
    assert!(plan.stdout.contains("Plan: 0 to add, 2 to change, 0 to destroy."), "{}", plan.stdout);
    site.ok(&["apply", "-auto-approve", "-no-color"]);
    let recs = site.records();
    let w = recs.iter().find(|r| r["id"] == www.as_str()).unwrap();
    assert_eq!(w["content"], site.zone_name.as_str());
    assert_eq!(w["proxied"], true);
    let plan = site.run(&["plan", "-detailed-exitcode", "-no-color"]);
    assert_eq!(plan.code, 0, "{}", plan.text());

    // A record deleted remotely is planned for creation again.
    site.rt.block_on(direct.delete(&format!("/zones/{}/dns_records/{www}", site.zone_id))).result();
    let plan = site.run(&["plan", "-no-color"]);
    assert!(plan.stdout.contains("cloudflare_dns_record.www will be created") && plan.stdout.contains("Plan: 1 to add, 0 to change, 0 to destroy."), "{}", plan.stdout);

    // Destroy removes everything infra created (settings stay: they cannot be deleted).
    site.ok(&["destroy", "-auto-approve", "-no-color"]);
    assert!(site.records().is_empty(), "{:#?}", site.records());
}

/// Inserting a rule into an ordered ruleset plans exactly that insertion, and editing one rule
/// exactly that edit.
#[test]
fn ruleset_edits_plan_as_the_minimal_change() {
    let rules = |extra: bool, limit: u32| {
        let first = if extra { "    { ref = \"block_env\", description = \"No dotfiles\", expression = \"http.request.uri.path contains \\\"/.env\\\"\", action = \"block\" },\n" } else { "" };
        format!(
            r#"terraform {{
  required_providers {{
    cloudflare = {{ source = "cloudflare/cloudflare" }}
  }}
}}
variable "zone_name" {{}}
data "cloudflare_zone" "z" {{
  filter = {{ name = var.zone_name }}
}}
resource "cloudflare_ruleset" "waf" {{
  zone_id = data.cloudflare_zone.z.id
  name    = "waf"
  kind    = "zone"
  phase   = "http_request_firewall_custom"
  rules = [
{first}    {{ ref = "wp", description = "Not WordPress", expression = "http.request.uri.path contains \"/wp-admin\"", action = "block" }},
    {{ ref = "bots", description = "Bots", expression = "cf.bot_management.score lt {limit}", action = "managed_challenge" }},
    {{ ref = "xmlrpc", description = "xmlrpc", expression = "http.request.uri.path eq \"/xmlrpc.php\"", action = "block" }},
  ]
}}
"#
        )
    };
    let site = Site::new("rules", &rules(false, 10));
    site.ok(&["apply", "-auto-approve", "-no-color"]);
    site.ctx.write("main.tf", &rules(true, 10));
    let plan = site.run(&["plan", "-no-color"]);
    assert_eq!(plan.code, 0, "{}", plan.text());
    assert_eq!(plan.stdout.matches("+ {").count(), 1, "{}", plan.stdout);
    assert!(!plan.stdout.contains("- {") && !plan.stdout.contains("~ {"), "only the new rule changes:\n{}", plan.stdout);
    site.ok(&["apply", "-auto-approve", "-no-color"]);
    assert_eq!(site.run(&["plan", "-detailed-exitcode"]).code, 0);

    site.ctx.write("main.tf", &rules(true, 30));
    let plan = site.run(&["plan", "-no-color"]);
    assert_eq!(plan.stdout.matches("~ {").count(), 1, "{}", plan.stdout);
    assert!(plan.stdout.contains(r#"~ expression  = "cf.bot_management.score lt 10" -> "cf.bot_management.score lt 30""#), "{}", plan.stdout);
    assert!(!plan.stdout.contains("+ {") && !plan.stdout.contains("- {"), "{}", plan.stdout);
    site.ok(&["apply", "-auto-approve", "-no-color"]);
    assert_eq!(site.run(&["plan", "-detailed-exitcode"]).code, 0);
}

/// `infra import` and `import {}` blocks adopt records made elsewhere; a plan afterwards is empty.
#[test]
fn import_adopts_existing_records() {
    let config = |zone_id: &str, with_block: Option<&str>| {
        let block = with_block.map(|id| format!("import {{\n  to = cloudflare_dns_record.api\n  id = \"{zone_id}/{id}\"\n}}\n")).unwrap_or_default();
        format!(
            r#"terraform {{
  required_providers {{
    cloudflare = {{ source = "cloudflare/cloudflare" }}
  }}
}}
variable "zone_name" {{}}
{block}resource "cloudflare_dns_record" "mail" {{
  zone_id  = "{zone_id}"
  name     = var.zone_name
  type     = "MX"
  content  = "mx.example.net"
  priority = 10
  ttl      = 3600
}}
resource "cloudflare_dns_record" "api" {{
  zone_id = "{zone_id}"
  name    = "api.${{var.zone_name}}"
  type    = "A"
  content = "192.0.2.44"
  ttl     = 300
}}
"#
        )
    };
    let site = Site::new("import", "");
    let direct = site.peer.direct();
    let mx = site.rt.block_on(direct.post(&format!("/zones/{}/dns_records", site.zone_id), &json!({"type": "MX", "name": site.zone_name, "content": "mx.example.net", "priority": 10, "ttl": 3600}))).result()["id"].as_str().unwrap().to_string();
    let api = site.rt.block_on(direct.post(&format!("/zones/{}/dns_records", site.zone_id), &json!({"type": "A", "name": format!("api.{}", site.zone_name), "content": "192.0.2.44", "ttl": 300}))).result()["id"].as_str().unwrap().to_string();
    site.ctx.write("main.tf", &config(&site.zone_id, None));
    let out = site.ok(&["import", "-no-color", "cloudflare_dns_record.mail", &format!("{}/{mx}", site.zone_id)]);
    assert!(out.stdout.contains("Import successful!"), "{}", out.stdout);
    // The second through an import block.
    site.ctx.write("main.tf", &config(&site.zone_id, Some(&api)));
    let plan = site.run(&["plan", "-no-color"]);
    assert!(plan.stdout.contains("cloudflare_dns_record.api will be imported") && plan.stdout.contains("Plan: 1 to import, 0 to add, 0 to change, 0 to destroy."), "{}", plan.text());
    site.ok(&["apply", "-auto-approve", "-no-color"]);
    site.ctx.write("main.tf", &config(&site.zone_id, None));
    let plan = site.run(&["plan", "-detailed-exitcode", "-no-color"]);
    assert_eq!(plan.code, 0, "{}", plan.text());
    assert_eq!(site.records().len(), 2, "no duplicates: {:#?}", site.records());
}

/// The API token and a sensitive value never appear anywhere: output, debug logs, errors,
/// state display, JSON plan.
#[test]
fn canary_token_and_sensitive_value_never_leak() {
    const SECRET: &str = "CANARY-sensitive-verification-9b2f";
    let config = |ttl: u32| {
        format!(
            r#"terraform {{
  required_providers {{
    cloudflare = {{ source = "cloudflare/cloudflare" }}
  }}
}}
variable "zone_name" {{}}
variable "verification" {{
  type      = string
  sensitive = true
  default   = "{SECRET}"
}}
data "cloudflare_zone" "z" {{
  filter = {{ name = var.zone_name }}
}}
resource "cloudflare_dns_record" "verify" {{
  zone_id = data.cloudflare_zone.z.id
  name    = "_verify.${{var.zone_name}}"
  type    = "TXT"
  content = var.verification
  ttl     = {ttl}
}}
"#
        )
    };
    let site = Site::new("canary", &config(300));
    let mut outputs = Vec::new();
    let mut run = |args: &[&str], debug: bool| {
        let mut c = site.cmd(args);
        if debug {
            c.env("INFRA_LOG", "debug");
        }
        let r = Run::from(c.output().unwrap());
        outputs.push((args.join(" "), r.all()));
        r
    };
    assert_eq!(run(&["plan", "-no-color"], true).code, 0);
    assert_eq!(run(&["apply", "-auto-approve", "-no-color"], true).code, 0);
    run(&["plan", "-json"], true);
    assert_eq!(run(&["plan", "-out=tfplan", "-no-color"], false).code, 0);
    run(&["show", "-json", "tfplan"], false);
    run(&["show", "-markdown", "tfplan"], false);
    run(&["state", "show", "cloudflare_dns_record.verify"], false);
    // An API error (TTL out of range) while the secret is in the request body.
    site.ctx.write("main.tf", &config(5));
    let failed = run(&["apply", "-auto-approve", "-no-color"], true);
    assert_ne!(failed.code, 0);
    assert!(failed.stderr.contains("Error"), "{}", failed.text());
    // The debug log really logged requests (so the check below means something).
    let debug_log = &outputs[1].1;
    assert!(debug_log.contains("/dns_records"), "INFRA_LOG=debug printed no request lines:\n{debug_log}");
    for (what, text) in &outputs {
        assert!(!text.contains(TOKEN), "the API token leaked in `infra {what}`:\n{text}");
        assert!(!text.contains(SECRET), "the sensitive value leaked in `infra {what}`:\n{text}");
    }
    // The record really holds the secret (it was sent, just never shown).
    assert!(site.records().iter().any(|r| r["content"].as_str().unwrap_or_default().contains(SECRET)));
}

/// With the API unreachable the error names the URL and the state is left exactly as it was.
#[test]
fn unreachable_api_is_a_clear_error_and_state_is_intact() {
    let site = Site::example("down");
    site.ok(&["apply", "-auto-approve", "-no-color"]);
    let before = site.ctx.read("terraform.tfstate");
    let r = Run::from(site.cmd(&["plan", "-no-color"]).env("CLOUDFLARE_BASE_URL", "http://127.0.0.1:9").env("INFRA_HTTP_TIMEOUT", "2").output().unwrap());
    assert_eq!(r.code, 1, "{}", r.text());
    assert!(r.stderr.contains("127.0.0.1:9"), "the error should name the API address:\n{}", r.text());
    assert!(!r.stderr.contains("panicked"), "{}", r.text());
    let r = Run::from(site.cmd(&["apply", "-auto-approve", "-no-color"]).env("CLOUDFLARE_BASE_URL", "http://127.0.0.1:9").env("INFRA_HTTP_TIMEOUT", "2").output().unwrap());
    assert_eq!(r.code, 1, "{}", r.text());
    assert_eq!(site.ctx.read("terraform.tfstate"), before, "a failed run must not touch the state");
}

/// 300 records with 20% of requests failing (5xx before or after the change, 429, timeouts):
/// apply converges with no duplicate records and a no-op plan afterwards.
#[test]
fn faults_apply_of_300_records_converges_without_duplicates() {
    let config = |zone_id: &str| {
        format!(
            r#"terraform {{
  required_providers {{
    cloudflare = {{ source = "cloudflare/cloudflare" }}
  }}
}}
resource "cloudflare_dns_record" "r" {{
  count   = 300
  zone_id = "{zone_id}"
  name    = "host${{count.index}}"
  type    = "A"
  content = "198.51.100.${{count.index % 250 + 1}}"
  ttl     = 300
}}
"#
        )
    };
    let site = Site::new("faults", "");
    site.ctx.write("main.tf", &config(&site.zone_id));
    let faults = Faults { error_rate: 0.12, rate_limit_rate: 0.04, timeout_rate: 0.04, timeout_secs: 10, seed: Some(7), ..Faults::default() };
    site.rt.block_on(site.peer.set_faults(&site.zone_id, faults));
    let mut runs = Vec::new();
    for _ in 0..3 {
        let r = Run::from(site.cmd(&["apply", "-auto-approve", "-no-color", "-parallelism=20"]).env("INFRA_HTTP_TIMEOUT", "1.5").output().unwrap());
        let done = r.code == 0;
        runs.push(r);
        if done {
            break;
        }
    }
    let stats = site.stats();
    site.rt.block_on(site.peer.clear_faults(&site.zone_id));
    assert!(stats.faults_injected >= 60, "faults were not injected: {stats:?}");
    assert_eq!(runs.last().unwrap().code, 0, "apply did not converge in {} runs:\n{}", runs.len(), runs.iter().map(Run::text).collect::<Vec<_>>().join("\n"));
    let recs = site.records();
    let mut names: Vec<&str> = recs.iter().map(|r| r["name"].as_str().unwrap()).collect();
    names.sort();
    let n = names.len();
    names.dedup();
    assert_eq!((n, names.len()), (300, 300), "duplicate or missing records");
    let plan = site.run(&["plan", "-detailed-exitcode", "-no-color"]);
    assert_eq!(plan.code, 0, "{}", plan.text());
    assert_eq!(site.ok(&["state", "list"]).stdout.lines().count(), 300);
}

/// Replace (a record's type is not updatable), update in place (a health check, a page rule),
/// delete, and `ignore_changes` on one field of one rule.
#[test]
fn replace_update_delete_and_nested_ignore_changes() {
    let config = |record_type: &str, content: &str, interval: u32, page_rule: bool, bots: u32| {
        let page = if page_rule {
            format!(
                r#"resource "cloudflare_page_rule" "old_blog" {{
  zone_id  = local.zone_id
  target   = "${{var.zone_name}}/blog/*"
  priority = 1
  status   = "active"
  actions = {{
    forwarding_url = {{
      url         = "https://blog.example.net/$1"
      status_code = 301
    }}
  }}
}}
"#
            )
        } else {
            String::new()
        };
        format!(
            r#"terraform {{
  required_providers {{
    cloudflare = {{ source = "cloudflare/cloudflare" }}
  }}
}}
variable "zone_name" {{}}
data "cloudflare_zone" "z" {{
  filter = {{ name = var.zone_name }}
}}
locals {{
  zone_id = data.cloudflare_zone.z.id
}}
resource "cloudflare_dns_record" "origin" {{
  zone_id = local.zone_id
  name    = "origin.${{var.zone_name}}"
  type    = "{record_type}"
  content = "{content}"
  ttl     = 300
}}
resource "cloudflare_healthcheck" "up" {{
  zone_id  = local.zone_id
  name     = "origin-up"
  address  = "origin.${{var.zone_name}}"
  type     = "HTTPS"
  interval = {interval}
  http_config = {{
    path           = "/health"
    expected_codes = ["200"]
  }}
}}
resource "cloudflare_ruleset" "waf" {{
  zone_id = local.zone_id
  name    = "waf"
  kind    = "zone"
  phase   = "http_request_firewall_custom"
  rules = [
    {{ ref = "wp", expression = "http.request.uri.path contains \"/wp-admin\"", action = "block" }},
    {{ ref = "bots", expression = "cf.bot_management.score lt {bots}", action = "managed_challenge" }},
  ]
  lifecycle {{
    ignore_changes = [rules[1].expression]
  }}
}}
{page}"#
        )
    };
    let site = Site::new("lifecycle", &config("A", "192.0.2.7", 60, true, 10));
    site.ok(&["apply", "-auto-approve", "-no-color"]);
    let first_id = site.record_id(&format!("origin.{}", site.zone_name), "A");

    // Type change: replace. Interval change: update in place. Page rule removed: delete.
    // The ignored rule expression changes too: nothing planned for it.
    site.ctx.write("main.tf", &config("AAAA", "2001:db8::7", 120, false, 30));
    let plan = site.run(&["plan", "-no-color"]);
    assert!(plan.stdout.contains("cloudflare_dns_record.origin must be replaced"), "{}", plan.stdout);
    assert!(plan.stdout.contains("# forces replacement"), "{}", plan.stdout);
    assert!(plan.stdout.contains("cloudflare_healthcheck.up will be updated in-place") && plan.stdout.contains("~ interval"), "{}", plan.stdout);
    assert!(plan.stdout.contains("cloudflare_page_rule.old_blog will be destroyed"), "{}", plan.stdout);
    assert!(!plan.stdout.contains("cloudflare_ruleset.waf"), "ignore_changes = [rules[1].expression] must hide the edit:\n{}", plan.stdout);
    assert!(plan.stdout.contains("Plan: 1 to add, 1 to change, 2 to destroy."), "{}", plan.stdout);
    site.ok(&["apply", "-auto-approve", "-no-color"]);
    let recs = site.records();
    let origin: Vec<&Value> = recs.iter().filter(|r| r["name"] == format!("origin.{}", site.zone_name).as_str()).collect();
    assert_eq!(origin.len(), 1, "{origin:#?}");
    assert_eq!(origin[0]["type"], "AAAA");
    assert_ne!(origin[0]["id"], first_id.as_str());
    let pagerules = site.rt.block_on(site.peer.direct().get(&format!("/zones/{}/pagerules", site.zone_id)));
    assert_eq!(pagerules.result().as_array().map(Vec::len), Some(0), "{pagerules}");
    let checks = site.rt.block_on(site.peer.direct().get(&format!("/zones/{}/healthchecks", site.zone_id)));
    assert_eq!(checks.result()[0]["interval"], 120);
    let plan = site.run(&["plan", "-detailed-exitcode", "-no-color"]);
    assert_eq!(plan.code, 0, "{}", plan.text());
}
