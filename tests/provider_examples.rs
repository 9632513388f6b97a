//! The official Cloudflare provider's own examples and acceptance-test configurations, run
//! unchanged through the CLI against the stateful fake behind Prism.
//!
//! The files are in `tests/provider_examples/cloudflare/<type>/`, copied byte for byte from
//! `cloudflare/terraform-provider-cloudflare` v5.22.0 (Apache-2.0, `LICENSE` beside them) with
//! their `MANIFEST.tsv` rows. Each file is its own root module, run in a directory and a fake
//! zone of its own (plan "enterprise", an account of its own):
//!
//! 1. Go format placeholders (`%[1]s`, `%[3]d`) are filled from the MANIFEST's argument list
//!    (`rnd`, `zoneID`, `domain`, …; a few files get the values their upstream test passes,
//!    see [`args_override`]); the example zone IDs (`023e105f…`) become the test zone's ID;
//!    variables the file uses without declaring are declared in an extra `variables.tf`, and
//!    `zone_id`, `account_id` and `domain` are given as `TF_VAR_`s.
//! 2. `infra validate`, `infra plan`, `infra apply -auto-approve`, `infra plan
//!    -detailed-exitcode` (must be 0: no perpetual diff), `infra destroy -auto-approve`.
//! 3. Negative cases ([`EXPECTED_FAILURES`]) must fail at their step with exit code 1, an
//!    `Error:` line naming the problem, and no panic; the steps before must pass.
//! 4. Files that need what infra does not build in are listed in [`SKIPPED`], one reason each.
//!    Files whose requests only Prism refuses (the trimmed 2024-08 API description is older or
//!    stricter than the API) are in [`PRISM_FALSE_POSITIVES`] and run against the fake directly.
//! 5. `import.sh` gives the import ID format: a configuration of the type is applied, its
//!    object forgotten (`state rm`), imported with an ID built from the template, and a plan
//!    afterwards must be empty.
//!
//! The ruleset acceptance configurations are steps of multi-step tests; besides running each
//! step alone, [`ruleset_steps_plan_the_expected_actions`] applies them in order on one state
//! and checks each step's plan against `testdata-steps.tsv` (Create, Update, Replace, empty).
//!
//! One test per type (nextest runs them in parallel); each prints a summary and fails listing
//! every failing file and step with the CLI output.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use common::examples::*;
use common::{Ctx, Run};
use infra_fakes::harness::{unique_zone_name, CloudflarePeer};
use serde_json::{json, Value};

const TOKEN: &str = "provider-examples-token";

/// Files run at the same time within one test.
const WORKERS: usize = 4;

/// The zone IDs hard-coded in the official examples; they become the test zone's ID.
const EXAMPLE_ZONE_IDS: [&str; 2] = ["023e105f4ecef8ad9ca31a8372d0c353", "9f1839b6152d298aca64c4e906b6d074"];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/provider_examples/cloudflare")
}

// ---------------------------------------------------------------------------------------------
// What is not run, and what must fail
// ---------------------------------------------------------------------------------------------

/// Files not run: (type directory, file name or `prefix*`, reason).
const SKIPPED: &[(&str, &str, &str)] = &[
    ("cloudflare_dns_record", "data-source.tf", "singular data source `cloudflare_dns_record` is not built in"),
    ("cloudflare_dns_record", "testdata-record_datasource_config*", "singular data source `cloudflare_dns_record` with the v4 `hostname` argument; no upstream test uses these files"),
    ("cloudflare_zone_setting", "data-source.tf", "singular data source `cloudflare_zone_setting` is not built in"),
    ("cloudflare_healthcheck", "data-source.tf", "singular data source `cloudflare_healthcheck` is not built in"),
    ("cloudflare_page_rule", "data-source.tf", "singular data source `cloudflare_page_rule` is not built in"),
    ("cloudflare_ruleset", "testdata-TestAccCloudflareRuleset_Kind-*", "account-level ruleset (`account_id`): /accounts/{id}/rulesets is not in the trimmed API description nor the fake"),
    ("cloudflare_ruleset", "testdata-TestAccCloudflareRuleset_RedirectRules-1.tf", "needs `cloudflare_list` and an account-level ruleset"),
    ("cloudflare_ruleset", "testdata-TestAccCloudflareRuleset_RewriteRules-3.tf", "account-level ruleset (`account_id`): /accounts/{id}/rulesets is not in the trimmed API description nor the fake"),
    ("cloudflare_ruleset", "testdata-TestAccCloudflareRuleset_RulesExposedCredentialCheck-*", "account-level ruleset (`account_id`): /accounts/{id}/rulesets is not in the trimmed API description nor the fake"),
    ("cloudflare_ruleset", "testdata-TestAccCloudflareRulesets-1.tf", "account-level rulesets and the `cloudflare_rulesets` data source"),
    ("cloudflare_ruleset", "testdata-TestAccCloudflareRuleset_SetCacheControlRules-*", NEWER_PHASE),
    ("cloudflare_ruleset", "testdata-TestAccCloudflareRuleset_SetCacheTagsRules-*", NEWER_PHASE),
    ("cloudflare_ruleset", "testdata-TestAccCloudflareRuleset_SetCacheSettingsRules-9.tf", NEWER_PHASE),
    ("cloudflare_ruleset", "testdata-TestAccCloudflareRuleset_SetCacheSettingsRules-10.tf", NEWER_PHASE),
    ("cloudflare_zone", "resource.tf", "the `cloudflare_zone` resource is not built in (only the data source)"),
    ("cloudflare_zone", "import.sh", "the `cloudflare_zone` resource is not built in (only the data source)"),
    ("cloudflare_zone", "testdata-zoneconfig*", "the `cloudflare_zone` resource is not built in (only the data source)"),
    ("cloudflare_zones", "testdata-zonesconfigmatch*", "v4 `filter {}` block syntax and the `cloudflare_zone` resource (`cloudflare_zone.foo_net`); no upstream test uses these files"),
    ("cloudflare_zones", "testdata-zonesmatchfuzzylookup.tf", "v4 `filter {}` block syntax and the `cloudflare_zone` resource (`cloudflare_zone.foo_net`); no upstream test uses these files"),
];

/// Files whose requests the API accepts but Prism refuses, because the API description (the
/// 2024-08 revision, trimmed) is stricter or older than the API: run against the fake directly
/// (no contract check), with every other step as usual. (type, file or `prefix*`, why.)
const PRISM_FALSE_POSITIVES: &[(&str, &str, &str)] = &[
    ("cloudflare_dns_record", "testdata-record_null_mx.tf", "the description gives MX `content` the format `hostname`, which refuses the null MX `.` (RFC 7505; upstream TestAccCloudflareRecord_MXNull)"),
    ("cloudflare_page_rule", "testdata-pageruleconfigcachekeyfieldsexcludemultiplevaluesquerystring.tf", BARE_TARGET),
    ("cloudflare_page_rule", "testdata-pageruleconfigcachekeyfieldsignoreallquerystring.tf", BARE_TARGET),
    ("cloudflare_page_rule", "testdata-pageruleconfigcachekeyfieldsincludemultiplevaluesquerystring.tf", BARE_TARGET),
    ("cloudflare_page_rule", "testdata-pageruleconfigcachekeyfieldsinvalidignoreallquerystring.tf", BARE_TARGET),
    ("cloudflare_page_rule", "testdata-pageruleconfigcachekeyfieldswithunorderedentries.tf", BARE_TARGET),
    ("cloudflare_page_rule", "testdata-pageruleemtpycookie.tf", BARE_TARGET),
    ("cloudflare_ruleset", "testdata-TestAccCloudflareRuleset_RedirectRules-*", "dynamic redirect `from_value.target_url`: a oneOf of {value} and {expression} that every value matches twice (known false positive)"),
    ("cloudflare_ruleset", "testdata-TestAccCloudflareRuleset_RewriteRules-2.tf", "header `operation = \"add\"`, which the 2024-08 description does not know (only set and remove)"),
    ("cloudflare_ruleset", "testdata-TestAccCloudflareRuleset_RewriteRules-5.tf", "`uri.query.value = \"\"` (remove the query string): the description's minLength 1"),
    ("cloudflare_ruleset", "testdata-TestAccCloudflareRuleset_SetCacheSettingsRules-2.tf", "cache rule `edge_ttl` without `status_code_ttl` (known false positive); also `cache_reserve` without `min_file_size` and an empty `serve_stale`, required by the 2024-08 description"),
    ("cloudflare_ruleset", "testdata-TestAccCloudflareRuleset_SetCacheSettingsRules-3.tf", "`cache_reserve.minimum_file_size` (the 2024-08 description requires the older `min_file_size`) and open-ended `status_code_range`s (it requires both `from` and `to`)"),
];

/// Rulesets of a phase newer than the API description and the fake.
const NEWER_PHASE: &str = "phase `http_response_cache_settings` (with `set_cache_control` / `set_cache_tags`) is newer than the 2024-08 API description and the fake: Prism refuses the phase";

/// Six page rule files use `%[3]s` (the random resource name) both as the resource's name and
/// as its `target`, as their upstream test fills them.
const BARE_TARGET: &str = "the target is the bare resource name (`target = \"%[3]s\"`, also the label), as in the upstream test that applies it; the description's target pattern wants a host with a dot";


/// Files that must fail: (type, file or `prefix*`, the step that fails, text the error must
/// contain, why). Every file the MANIFEST flags `expect-error`, `intended-invalid` or
/// `v4-schema` must be here, in [`SKIPPED`] or in [`FLAGGED_BUT_VALID`].
const EXPECTED_FAILURES: &[(&str, &str, Step, &str, &str)] = &[
    (
        "cloudflare_dns_record",
        "resource.tf",
        Step::Plan,
        "ttl must be set to 1 when `proxied` is true",
        "the example sets proxied = true with ttl = 3600, which v5 refuses (the rule of testdata-record_config_ttl_validation.tf)",
    ),
    (
        "cloudflare_dns_record",
        "testdata-record_config_ttl_validation.tf",
        Step::Plan,
        "ttl must be set to 1 when `proxied` is true",
        "upstream ExpectError",
    ),
    (
        "cloudflare_zone_setting",
        "resource.tf",
        Step::Validate,
        "The argument \"value\" is required",
        "the ssl_recommender block sets only `enabled`, but `value` is Required in the v5.22.0 schema",
    ),
    (
        "cloudflare_zone_setting",
        "testdata-ssl_recommender.tf",
        Step::Apply,
        "enabled must be a boolean",
        "ssl_recommender takes `enabled`, not a `value`; its upstream test is skipped (\"pending fixing schema to be nested\")",
    ),
    (
        "cloudflare_healthcheck",
        "resource.tf",
        Step::Apply,
        "interval must be between",
        "generated placeholder values: interval, timeout, retries and consecutive_* are 0, which the API refuses (every upstream test uses interval 60-120)",
    ),
    (
        "cloudflare_ruleset",
        "resource.tf",
        Step::Apply,
        "'root' is not a valid value for kind",
        "the example pairs `zone_id` with `kind = \"root\"`, the kind of account entry points; the zone rulesets API refuses it",
    ),
    (
        "cloudflare_healthcheck",
        "testdata-acccheckhealthcheckconfigmissingrequired.tf",
        Step::Validate,
        "The argument \"name\" is required",
        "upstream ExpectError (name and address missing)",
    ),
    (
        "cloudflare_page_rule",
        "testdata-pageruleconfigforwardingandothers.tf",
        Step::Apply,
        "\"forwarding_url\" may not be used with \"any setting\"",
        "upstream ExpectError from the API",
    ),
    (
        "cloudflare_page_rule",
        "testdata-pageruleconfigcachettlbystatusemptyblock.tf",
        Step::Apply,
        "cache_ttl_by_status",
        "upstream ExpectError: 400 Bad Request from the API",
    ),
    (
        "cloudflare_ruleset",
        "data-source.tf",
        Step::Plan,
        "Failed to read data source data.cloudflare_ruleset.example_ruleset",
        "reads ruleset 2f2feab2… of the docs' account, which the test zone does not have (a 404)",
    ),
    ("cloudflare_ruleset", "testdata-migrations-*", Step::Validate, "Unsupported block type", "v4 schema (blocks), input of a v4-to-v5 migration test"),
];

/// Files the MANIFEST flags as negative cases that are valid v5 configurations, run as positive
/// cases: (type, file, why).
const FLAGGED_BUT_VALID: &[(&str, &str, &str)] = &[
    (
        "cloudflare_ruleset",
        "testdata-migrations-basic_v4.tf",
        "a ruleset without rules has no v4-only syntax: the same text is a valid v5 configuration",
    ),
    (
        "cloudflare_page_rule",
        "testdata-pageruleconfigcachekeyfieldsinvalidignoreallquerystring.tf",
        "identical (but for a trailing space) to testdata-pageruleconfigcachekeyfieldsignoreallquerystring.tf, which upstream applies successfully; the test expecting an error is commented out upstream",
    ),
    (
        "cloudflare_page_rule",
        "testdata-pageruleconfigcachekeyfieldsinvalidincludeallquerystringvalues.tf",
        "identical to testdata-pageruleconfigcachekeyfieldsincludeallquerystringvalues.tf, which upstream applies successfully; the test expecting an error is commented out upstream",
    ),
];


fn skip_reason(ty: &str, file: &str) -> Option<&'static str> {
    SKIPPED.iter().find(|(t, f, _)| *t == ty && matches(f, file)).map(|(_, _, r)| *r)
}

fn expected_failure(ty: &str, file: &str) -> Option<(Step, &'static str)> {
    if FLAGGED_BUT_VALID.iter().any(|(t, f, _)| *t == ty && *f == file) {
        return None;
    }
    EXPECTED_FAILURES.iter().find(|(t, f, ..)| *t == ty && matches(f, file)).map(|(_, _, s, e, _)| (*s, *e))
}

fn prism_false_positive(ty: &str, file: &str) -> Option<&'static str> {
    PRISM_FALSE_POSITIVES.iter().find(|(t, f, _)| *t == ty && matches(f, file)).map(|(_, _, r)| *r)
}

// ---------------------------------------------------------------------------------------------
// The MANIFEST and placeholder arguments
// ---------------------------------------------------------------------------------------------

/// `MANIFEST.tsv` notes by (type, file).
fn manifest() -> BTreeMap<(String, String), String> {
    let text = std::fs::read_to_string(root().join("MANIFEST.tsv")).expect("MANIFEST.tsv");
    text.lines()
        .skip(1)
        .filter_map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            (c.len() >= 6).then(|| ((c[1].to_string(), c[2].to_string()), c[5].to_string()))
        })
        .collect()
}

/// The Go argument names of `placeholder args (a, b, c)` in a MANIFEST note.
fn placeholder_args(notes: &str) -> Option<Vec<String>> {
    let start = notes.find("placeholder args (")? + "placeholder args (".len();
    let end = start + notes[start..].find(')')?;
    Some(notes[start..end].split(',').map(|s| s.trim().to_string()).collect())
}

/// The values the upstream test passes where the argument's name alone does not say (from
/// the `resource_test.go` call sites). `{rnd}`, `{zone_id}`, `{domain}`, `{account_id}` and
/// `{target}` are filled in.
fn args_override(ty: &str, file: &str) -> Option<&'static [&'static str]> {
    Some(match (ty, file) {
        ("cloudflare_dns_record", "testdata-record_config_basic.tf") => &["{zone_id}", "tf-acctest-basic", "{rnd}", "{domain}"],
        ("cloudflare_dns_record", "testdata-record_config_caa.tf") => &["{rnd}", "{zone_id}", "tf-acctest-caa.{domain}", "600"],
        ("cloudflare_dns_record", "testdata-record_config_loc.tf") => &["{zone_id}", "tf-acctest-loc.{domain}", "{rnd}"],
        ("cloudflare_dns_record", "testdata-record_config_proxied.tf") => &["{zone_id}", "{domain}", "tf-acctest-proxied", "{rnd}"],
        ("cloudflare_dns_record", "testdata-record_config_new_value.tf") => &["{zone_id}", "tf-acctest-update", "{rnd}", "{domain}"],
        ("cloudflare_dns_record", "testdata-record_config_change_type.tf") => &["{zone_id}", "tf-acctest-type-force-new", "{domain}", "{rnd}"],
        ("cloudflare_dns_record", "testdata-record_config_change_hostname.tf") => &["{zone_id}", "tf-acctest-hostname", "{rnd}"],
        ("cloudflare_dns_record", "testdata-record_config_ttl_validation.tf") => &["{zone_id}", "tf-acctest-ttl-validation", "{domain}", "{rnd}"],
        ("cloudflare_dns_record", "testdata-record_config_explicit_proxied.tf") => &["{zone_id}", "{rnd}", "{domain}", "false", "300"],
        ("cloudflare_dns_record", "testdata-record_dnskey.tf") => &["{zone_id}", "{domain}"],
        ("cloudflare_dns_record", "testdata-dns_record_without_comment.tf") => &["{zone_id}", "tf-acctest-basic", "{rnd}", "{domain}"],
        ("cloudflare_dns_record", "testdata-dns_record_comment_modified.tf") => &["{zone_id}", "tf-acctest-basic", "{rnd}", "{domain}"],
        ("cloudflare_dns_record", "testdata-dns_record_comprehensive_drift.tf") => &["{rnd}", "{zone_id}", "{domain}", "192.168.0.1"],
        ("cloudflare_zone_setting", "testdata-editable_inconsistency.tf") => &["{rnd}", "{zone_id}", "http2", "on"],
        ("cloudflare_page_rule", "testdata-buildpageruleconfig.tf") => &["{rnd}", "{zone_id}", "{target}", "disable_apps = true"],
        // The test calls the helper (zoneID, target, rnd, …) with (rnd, zoneID, target, …).
        ("cloudflare_page_rule", "testdata-pageruleconfig-string.tf") => &["{rnd}", "{zone_id}", "{target}", "browser_check", "on"],
        ("cloudflare_page_rule", "testdata-pageruleconfigforwardingonly.tf") => &["{zone_id}", "{target}", "{rnd}", "{rnd}.{domain}"],
        ("cloudflare_page_rule", "testdata-pageruleconfigforwardingandothers.tf") => &["{zone_id}", "{target}", "{rnd}", "{rnd}.{domain}"],
        ("cloudflare_zone", "testdata-datasource_zone_filter_status.tf") => &["{rnd}", "{domain}", "active"],
        ("cloudflare_zones", "testdata-datasource_zones_filter_pattern.tf") => &["{rnd}", "{account_id}", "contains:."],
        ("cloudflare_zones", "testdata-datasource_zones_filter_status.tf") => &["{rnd}", "{account_id}", "active"],
        ("cloudflare_zones", "testdata-datasource_zones_match_any.tf") => &["{rnd}", "active", "pending"],
        ("cloudflare_zones", "testdata-datasource_zones_max_items.tf") => &["{rnd}", "{account_id}", "1"],
        ("cloudflare_zones", "testdata-datasource_zones_order.tf") => &["{rnd}", "{account_id}", "name", "asc"],
        _ => return None,
    })
}

/// Everything a file's placeholders and variables can refer to.
struct Site {
    zone_id: String,
    zone_name: String,
    account_id: String,
    rnd: String,
}

impl Site {
    fn expand(&self, template: &str) -> String {
        template
            .replace("{target}", &format!("{}.{}", self.rnd, self.zone_name))
            .replace("{rnd}", &self.rnd)
            .replace("{zone_id}", &self.zone_id)
            .replace("{domain}", &self.zone_name)
            .replace("{account_id}", &self.account_id)
    }

    /// The value of a Go argument by its name in the upstream test.
    fn arg(&self, name: &str) -> Option<String> {
        Some(match name {
            "zoneID" => self.zone_id.clone(),
            "domain" | "zoneName" => self.zone_name.clone(),
            "accountID" => self.account_id.clone(),
            "rnd" | "resourceName" | "resourceID" | "ID" | "name" => self.rnd.clone(),
            "target" => format!("{}.{}", self.rnd, self.zone_name),
            _ => return None,
        })
    }
}

/// Go's `fmt.Sprintf` for the verbs the files use: `%[n]s`, `%[n]d`, `%[n]t`, `%s`, `%%`.
fn sprintf(text: &str, args: &[String]) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut next = 0usize;
    let mut rest = text;
    while let Some(i) = rest.find('%') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(a) = after.strip_prefix('%') {
            out.push('%');
            rest = a;
            continue;
        }
        let (index, verb_at) = match after.strip_prefix('[') {
            Some(a) => {
                let j = a.find(']').ok_or("unterminated %[")?;
                let n: usize = a[..j].parse().map_err(|_| format!("bad argument index %[{}]", &a[..j]))?;
                (n.checked_sub(1).ok_or("argument index 0")?, j + 2)
            }
            None => (next, 0),
        };
        let verb = after[verb_at..].chars().next().ok_or("% at the end")?;
        if !matches!(verb, 's' | 'd' | 't' | 'v') {
            return Err(format!("unsupported verb %{verb}"));
        }
        let value = args.get(index).ok_or_else(|| format!("no argument {} (have {})", index + 1, args.len()))?;
        out.push_str(value);
        next = index + 1;
        rest = &after[verb_at + verb.len_utf8()..];
    }
    out.push_str(rest);
    Ok(out)
}

/// The configuration of `file` ready to run in `site`, plus the declarations of the variables
/// it uses without declaring.
fn prepare(ty: &str, file: &str, notes: &str, site: &Site) -> Result<(String, Option<String>), String> {
    let text = std::fs::read_to_string(root().join(ty).join(file)).map_err(|e| e.to_string())?;
    // Go format strings are the files the MANIFEST says are (a `%` elsewhere is HCL's).
    let templated = notes.contains("fmt-placeholders") || args_override(ty, file).is_some();
    let mut text = if templated {
        let args: Vec<String> = match args_override(ty, file) {
            Some(list) => list.iter().map(|a| site.expand(a)).collect(),
            None => {
                let names = placeholder_args(notes)
                    .ok_or("the file has Go placeholders but neither the MANIFEST nor args_override gives the arguments")?;
                names
                    .iter()
                    .map(|n| site.arg(n).ok_or_else(|| format!("no value for Go argument `{n}`: add the file to args_override")))
                    .collect::<Result<_, _>>()?
            }
        };
        sprintf(&text, &args)?
    } else {
        text
    };
    for id in EXAMPLE_ZONE_IDS {
        text = text.replace(id, &site.zone_id);
    }
    let undeclared = notes
        .split('|')
        .filter_map(|n| n.trim().strip_prefix("undeclared-vars:"))
        .flat_map(|v| v.split(',').map(|s| s.trim().to_string()))
        .filter(|v| !v.is_empty())
        .map(|v| format!("variable \"{v}\" {{}}\n"))
        .collect::<String>();
    Ok((text, (!undeclared.is_empty()).then_some(undeclared)))
}

// ---------------------------------------------------------------------------------------------
// Running
// ---------------------------------------------------------------------------------------------

/// The shared peer and a runtime for its admin calls.
struct Peer {
    rt: tokio::runtime::Runtime,
    peer: CloudflarePeer,
}

impl Peer {
    fn start() -> Peer {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let peer = rt.block_on(CloudflarePeer::start());
        Peer { rt, peer }
    }

    /// A zone of its own, in an account of its own (so account filters see only it).
    fn site(&self, prefix: &str) -> Site {
        let zone_name = unique_zone_name(prefix);
        let account_id = uuid_hex();
        let zone = self.rt.block_on(self.peer.new_zone_with(json!({"name": zone_name, "plan": "enterprise", "account_id": account_id, "account_name": format!("account {account_id}")})));
        let zone_id = zone["id"].as_str().or_else(|| zone["result"]["id"].as_str()).expect("zone id").to_string();
        let rnd: String = uuid_hex().bytes().take(10).map(|b| (b'a' + (b % 26)) as char).collect();
        Site { zone_id, zone_name, account_id, rnd }
    }
}

fn uuid_hex() -> String {
    let mut bytes = [0u8; 16];
    let f = std::fs::File::open("/dev/urandom").and_then(|mut f| std::io::Read::read_exact(&mut f, &mut bytes));
    if f.is_err() {
        let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
        bytes = t.to_le_bytes();
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// One working directory with the environment the files need.
struct Workdir<'a> {
    ctx: Ctx,
    site: &'a Site,
    api_url: &'a str,
}

impl Workdir<'_> {
    fn run(&self, args: &[&str]) -> Run {
        let out = self
            .ctx
            .cmd(args)
            .env("CLOUDFLARE_API_TOKEN", TOKEN)
            .env("CLOUDFLARE_BASE_URL", self.api_url)
            .env("TF_VAR_zone_id", &self.site.zone_id)
            .env("TF_VAR_account_id", &self.site.account_id)
            .env("TF_VAR_domain", &self.site.zone_name)
            .output()
            .expect("run infra");
        Run::from(out)
    }
}







/// validate, plan, apply, an empty plan, destroy; or the expected failure.
fn run_config(w: &Workdir, expect_fail: Option<(Step, &str)>) -> Result<(), String> {
    let steps = [(Step::Validate, VALIDATE), (Step::Plan, PLAN), (Step::Apply, APPLY)];
    for (step, args) in steps {
        let r = w.run(args);
        match expect_fail {
            Some((s, text)) if s == step => {
                if !is_clear_error(&r) {
                    let _ = w.run(DESTROY);
                    return Err(failure(args, "expected a clear error (exit 1, an `Error:` line, no panic)", &r));
                }
                if !r.stderr.contains(text) {
                    let _ = w.run(DESTROY);
                    return Err(failure(args, &format!("the error should say {text:?}"), &r));
                }
                if step == Step::Apply {
                    let d = w.run(DESTROY);
                    if d.code != 0 {
                        return Err(failure(DESTROY, "cleanup after the expected failure failed", &d));
                    }
                }
                return Ok(());
            }
            _ => {
                if r.code != 0 {
                    if step == Step::Apply {
                        let _ = w.run(DESTROY);
                    }
                    return Err(failure(args, "failed", &r));
                }
            }
        }
    }
    let r = w.run(CONVERGED);
    if r.code != 0 {
        let _ = w.run(DESTROY);
        return Err(failure(CONVERGED, "a plan right after apply must be empty (exit 0)", &r));
    }
    let r = w.run(DESTROY);
    if r.code != 0 {
        return Err(failure(DESTROY, "failed", &r));
    }
    Ok(())
}

/// The configuration an `import.sh` is checked against, per type.
fn import_base(ty: &str) -> Option<&'static str> {
    Some(match ty {
        "cloudflare_dns_record" => "testdata-record_config_basic.tf",
        "cloudflare_zone_setting" => "testdata-min_tls_version.tf",
        "cloudflare_healthcheck" => "testdata-http.tf",
        "cloudflare_page_rule" => "testdata-pageruleconfigbasic.tf",
        "cloudflare_ruleset" => "testdata-TestAccCloudflareRuleset_BlockRules-1.tf",
        _ => return None,
    })
}

/// `import.sh`: `$ terraform import ADDR 'TEMPLATE'`. Applies the type's base configuration,
/// forgets its object, imports it with the ID built from the template, and expects an empty
/// plan.
fn run_import(ty: &str, manifest: &BTreeMap<(String, String), String>, w: &Workdir) -> Result<(), String> {
    let script = std::fs::read_to_string(root().join(ty).join("import.sh")).map_err(|e| e.to_string())?;
    let template = script
        .split('\'')
        .nth(1)
        .ok_or_else(|| format!("no quoted import ID in import.sh: {script}"))?;
    let base = import_base(ty).ok_or("no base configuration for this type's import.sh")?;
    let notes = manifest.get(&(ty.to_string(), base.to_string())).cloned().unwrap_or_default();
    let (text, vars) = prepare(ty, base, &notes, w.site)?;
    w.ctx.write("main.tf", &text);
    if let Some(v) = vars {
        w.ctx.write("variables.tf", &v);
    }
    let r = w.run(APPLY);
    if r.code != 0 {
        let _ = w.run(DESTROY);
        return Err(failure(APPLY, &format!("applying {base}"), &r));
    }
    let result = (|| {
        let state: Value = serde_json::from_str(&w.ctx.read("terraform.tfstate")).map_err(|e| e.to_string())?;
        // Infra's state format: `resources` maps instance addresses to instances.
        let (addr, inst) = state["resources"]
            .as_object()
            .into_iter()
            .flatten()
            .find(|(_, r)| r["type"] == ty && r["mode"] == "managed")
            .ok_or_else(|| format!("no {ty} in the state of {base}"))?;
        let addr = addr.clone();
        let attrs = &inst["attributes"];
        let get = |k: &str| attrs[k].as_str().unwrap_or_default().to_string();
        let id = template
            .replace("<{accounts|zones}/{account_id|zone_id}>", &format!("zones/{}", get("zone_id")))
            .replace("<zone_id>", &get("zone_id"))
            .replace("<setting_id>", &get("setting_id"))
            .replace("<dns_record_id>", &get("id"))
            .replace("<healthcheck_id>", &get("id"))
            .replace("<pagerule_id>", &get("id"))
            .replace("<ruleset_id>", &get("id"));
        if id.contains('<') {
            return Err(format!("import.sh template {template:?} has a part this test does not know: {id}"));
        }
        let args = ["state", "rm", addr.as_str()];
        let r = w.run(&args);
        if r.code != 0 {
            return Err(failure(&args, "failed", &r));
        }
        let args = ["import", "-no-color", "-input=false", addr.as_str(), id.as_str()];
        let r = w.run(&args);
        if r.code != 0 || !r.stdout.contains("Import successful!") {
            return Err(failure(&args, &format!("the import ID format of import.sh ({template}) must be accepted"), &r));
        }
        let r = w.run(CONVERGED);
        if r.code != 0 {
            return Err(failure(CONVERGED, "a plan right after import must be empty (exit 0)", &r));
        }
        Ok(())
    })();
    let d = w.run(DESTROY);
    result?;
    if d.code != 0 {
        return Err(failure(DESTROY, "failed", &d));
    }
    Ok(())
}

fn run_file(ty: &str, file: &str, manifest: &BTreeMap<(String, String), String>, peer: &Peer) -> Outcome {
    if let Some(reason) = skip_reason(ty, file) {
        return Outcome::Skipped(reason);
    }
    let site = peer.site(&format!("pe-{}", ty.trim_start_matches("cloudflare_").replace('_', "-")));
    let direct = prism_false_positive(ty, file);
    let api_url = if direct.is_some() { &peer.peer.fake_url } else { &peer.peer.api_url };
    let w = Workdir { ctx: Ctx::new(), site: &site, api_url };
    if file == "import.sh" {
        return match run_import(ty, manifest, &w) {
            Ok(()) => Outcome::Passed,
            Err(e) => Outcome::Failed(e),
        };
    }
    let notes = manifest.get(&(ty.to_string(), file.to_string())).cloned().unwrap_or_default();
    let (text, vars) = match prepare(ty, file, &notes, &site) {
        Ok(p) => p,
        Err(e) => return Outcome::Failed(format!("preparing the file: {e}")),
    };
    w.ctx.write("main.tf", &text);
    if let Some(v) = vars {
        w.ctx.write("variables.tf", &v);
    }
    let expect = expected_failure(ty, file);
    match run_config(&w, expect) {
        Ok(()) if expect.is_some() => Outcome::ExpectedFailure,
        Ok(()) => match direct {
            Some(why) => Outcome::PassedWithoutPrism(why),
            None => Outcome::Passed,
        },
        Err(e) => Outcome::Failed(format!("{e}\n  configuration:\n{}", indent(&text))),
    }
}


/// The MANIFEST's negative cases each have a decision here.
fn check_flags_are_decided(ty: &str, manifest: &BTreeMap<(String, String), String>) -> Vec<String> {
    let mut problems = Vec::new();
    for ((t, f), notes) in manifest {
        if t != ty {
            continue;
        }
        let flagged = notes.contains("expect-error") || notes.contains("intended-invalid") || notes.contains("v4-schema");
        let decided = skip_reason(t, f).is_some()
            || expected_failure(t, f).is_some()
            || FLAGGED_BUT_VALID.iter().any(|(tt, ff, _)| tt == t && ff == f);
        if flagged && !decided {
            problems.push(format!("{t}/{f} is flagged in the MANIFEST ({notes}) but is neither an expected failure nor skipped"));
        }
    }
    problems
}

/// Runs every file of `ty`, prints the summary, and fails on any failure or when fewer than
/// `min_passed` files pass.
fn run_type(ty: &str, min_passed: usize) {
    let started = std::time::Instant::now();
    let manifest = manifest();
    let peer = Peer::start();
    let files = files_of(&root().join(ty));
    assert!(!files.is_empty(), "no files for {ty}");
    let results = run_files(&files, WORKERS, |file| run_file(ty, file, &manifest, &peer));
    for (t, f, why) in FLAGGED_BUT_VALID.iter().filter(|(t, ..)| *t == ty) {
        println!("  note: {t}/{f} is flagged invalid upstream but runs as a positive case: {why}");
    }
    report(ty, &results, check_flags_are_decided(ty, &manifest), min_passed, started.elapsed(), "through Prism unless marked pass*");
}


#[test]
fn dns_record() {
    run_type("cloudflare_dns_record", 30);
}

#[test]
fn zone_setting() {
    run_type("cloudflare_zone_setting", 15);
}

#[test]
fn ruleset() {
    run_type("cloudflare_ruleset", 95);
}

#[test]
fn healthcheck() {
    run_type("cloudflare_healthcheck", 8);
}

#[test]
fn page_rule() {
    run_type("cloudflare_page_rule", 21);
}

#[test]
fn zone_data_source() {
    run_type("cloudflare_zone", 5);
}

#[test]
fn zones_data_source() {
    run_type("cloudflare_zones", 8);
}

#[test]
fn dns_records_data_source() {
    run_type("cloudflare_dns_records", 1);
}

// ---------------------------------------------------------------------------------------------
// Ruleset steps
// ---------------------------------------------------------------------------------------------

/// Whether the JSON plan's `actions` of one resource are what the upstream step expects
/// (`Create`, `Update`, `Replace`, `DestroyBeforeCreate`).
fn action_matches(expected: &str, actions: &[String]) -> bool {
    let a: Vec<&str> = actions.iter().map(String::as_str).collect();
    match expected {
        "Create" => a == ["create"],
        "Update" => a == ["update"],
        "Replace" => a == ["delete", "create"] || a == ["create", "delete"],
        "DestroyBeforeCreate" => a == ["delete", "create"],
        _ => false,
    }
}

/// The managed resources' actions in a saved plan: address → actions.
fn plan_actions(w: &Workdir) -> Result<BTreeMap<String, Vec<String>>, String> {
    let args = ["show", "-json", "tfplan"];
    let r = w.run(&args);
    if r.code != 0 {
        return Err(failure(&args, "failed", &r));
    }
    let plan: Value = serde_json::from_str(&r.stdout).map_err(|e| format!("show -json: {e}"))?;
    Ok(plan["resource_changes"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| {
            let actions = c["change"]["actions"].as_array().into_iter().flatten().filter_map(|a| a.as_str().map(str::to_string)).collect();
            (c["address"].as_str().unwrap_or_default().to_string(), actions)
        })
        .collect())
}

/// One upstream multi-step test: every step applied on the state of the one before, its plan
/// checked against `testdata-steps.tsv`, each apply followed by an empty plan.
fn run_steps(steps: &[(String, String)], manifest: &BTreeMap<(String, String), String>, peer: &Peer) -> Result<(), String> {
    const TY: &str = "cloudflare_ruleset";
    let site = peer.site("pe-ruleset-steps");
    let direct = steps.iter().any(|(f, _)| prism_false_positive(TY, f).is_some());
    let api_url = if direct { &peer.peer.fake_url } else { &peer.peer.api_url };
    let w = Workdir { ctx: Ctx::new(), site: &site, api_url };
    let result = (|| {
        for (file, expected) in steps {
            let notes = manifest.get(&(TY.to_string(), file.clone())).cloned().unwrap_or_default();
            let (text, vars) = prepare(TY, file, &notes, &site)?;
            w.ctx.write("main.tf", &text);
            if let Some(v) = vars {
                w.ctx.write("variables.tf", &v);
            }
            let at = |e: String| format!("step {file}: {e}");
            let plan = ["plan", "-no-color", "-input=false", "-out=tfplan"];
            let r = w.run(&plan);
            if r.code != 0 {
                return Err(at(failure(&plan, "failed", &r)));
            }
            let actions = plan_actions(&w).map_err(at)?;
            if expected == "(not checked)" {
                // The first step after a skipped one.
            } else if expected == "(empty plan)" {
                let changes: Vec<String> = actions.iter().filter(|(_, a)| a.as_slice() != ["no-op"]).map(|(k, a)| format!("{k}={a:?}")).collect();
                if !changes.is_empty() {
                    return Err(at(format!("upstream expects an empty plan, infra plans {changes:?}\n{}", indent(&r.stdout))));
                }
            } else {
                for want in expected.split_whitespace() {
                    let (addr, action) = want.split_once('=').ok_or_else(|| format!("bad expectation {want:?}"))?;
                    let got = actions.get(addr).cloned().unwrap_or_default();
                    if !action_matches(action, &got) {
                        return Err(at(format!("upstream expects {addr} {action}, infra plans {got:?}\n{}", indent(&r.stdout))));
                    }
                }
            }
            let apply = ["apply", "-no-color", "-input=false", "tfplan"];
            let r = w.run(&apply);
            if r.code != 0 {
                return Err(at(failure(&apply, "failed", &r)));
            }
            let r = w.run(CONVERGED);
            if r.code != 0 {
                return Err(at(failure(CONVERGED, "a plan right after apply must be empty (exit 0)", &r)));
            }
        }
        Ok(())
    })();
    let d = w.run(DESTROY);
    result?;
    if d.code != 0 {
        return Err(failure(DESTROY, "failed", &d));
    }
    Ok(())
}

/// The numbered ruleset acceptance configurations are the steps of upstream tests: applied in
/// order on one state, each step plans what `testdata-steps.tsv` says (Create, Update, Replace,
/// or an empty plan).
#[test]
fn ruleset_steps_plan_the_expected_actions() {
    const TY: &str = "cloudflare_ruleset";
    let manifest = manifest();
    let tsv = std::fs::read_to_string(root().join(TY).join("testdata-steps.tsv")).expect("testdata-steps.tsv");
    // test name → [(step number, file, expected plan)]
    let mut tests: BTreeMap<String, Vec<(u32, String, String)>> = BTreeMap::new();
    for line in tsv.lines().skip(1) {
        let c: Vec<&str> = line.split('\t').collect();
        let [file, step, expected] = c[..] else { panic!("bad testdata-steps.tsv line {line:?}") };
        let (test, n) = step.rsplit_once('/').expect("test/N.tf");
        let n: u32 = n.trim_end_matches(".tf").parse().expect("step number");
        tests.entry(test.to_string()).or_default().push((n, file.to_string(), expected.to_string()));
    }
    // Runs of consecutive steps that can run; a run that starts after a skipped step does not
    // check its first plan (upstream planned it against the skipped step's state).
    let mut runnable = Vec::new();
    let mut skipped = Vec::new();
    for (test, mut steps) in tests {
        steps.sort();
        let mut run: Vec<(String, String)> = Vec::new();
        let mut flush = |run: &mut Vec<(String, String)>, test: &str| {
            if run.len() >= 2 {
                runnable.push((format!("{test} from {}", run[0].0), std::mem::take(run)));
            }
            run.clear();
        };
        for (n, file, expected) in steps {
            let blocked = skip_reason(TY, &file).or_else(|| expected_failure(TY, &file).map(|_| "an expected failure"));
            match blocked {
                Some(reason) => {
                    skipped.push(format!("{test} step {n} ({file}): {reason}"));
                    flush(&mut run, &test);
                }
                None => {
                    let check = if run.is_empty() && n != 1 { "(not checked)".to_string() } else { expected };
                    run.push((file, check));
                }
            }
        }
        flush(&mut run, &test);
    }
    let peer = Peer::start();
    let next = AtomicUsize::new(0);
    let failures: Mutex<Vec<String>> = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..WORKERS.min(runnable.len()) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some((test, steps)) = runnable.get(i) else { break };
                if let Err(e) = run_steps(steps, &manifest, &peer) {
                    failures.lock().unwrap().push(format!("{test}:\n{e}"));
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    println!("ruleset steps: {} tests run ({} steps), {} failed, {} skipped", runnable.len(), runnable.iter().map(|(_, s)| s.len()).sum::<usize>(), failures.len(), skipped.len());
    for s in &skipped {
        println!("  skipped  {s}");
    }
    assert!(failures.is_empty(), "{} of {} multi-step tests failed:\n\n{}", failures.len(), runnable.len(), failures.join("\n\n"));
    assert!(runnable.len() >= 33, "only {} multi-step runs, at least 33 did before", runnable.len());
}

#[test]
fn go_format_placeholders() {
    let args: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
    assert_eq!(sprintf("%[2]s-%[1]s %s %[3]d %% x", &args).unwrap(), "b-a b c % x");
    assert_eq!(sprintf("%s.%s", &args).unwrap(), "a.b");
    assert!(sprintf("%[4]s", &args).is_err());
    assert_eq!(placeholder_args("fmt-placeholders %[1]..%[3] | placeholder args (rnd, zoneID, domain)"), Some(vec!["rnd".into(), "zoneID".into(), "domain".into()]));
}
