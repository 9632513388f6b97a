//! Schema sanity of the Cloudflare provider against the official examples: every attribute
//! written in the official `resource.tf`, `data-source.tf` and acceptance `testdata-*.tf` files
//! (v5 syntax; the v4 migration inputs are skipped) of a supported type is known to our schema,
//! at every level of nesting. The files are in `../shared/provider-examples/cloudflare`, beside
//! the repository (as in CI).

use std::path::{Path, PathBuf};

use hcl_edit::expr::{Expression, ObjectKey};
use hcl_edit::structure::{BlockLabel, Body, Structure};
use infra_providers::cloudflare::CloudflareProvider;
use infra_providers::rest::{Block, Nesting, TypeSpec};
use infra_providers::Provider;

fn examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/provider-examples/cloudflare")
}

fn tf_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
    {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            tf_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "tf") {
            out.push(path);
        }
    }
}

fn label(l: &BlockLabel) -> String {
    match l {
        BlockLabel::Ident(i) => i.as_str().to_string(),
        BlockLabel::String(s) => s.as_str().to_string(),
    }
}

fn key_name(k: &ObjectKey) -> Option<String> {
    match k {
        ObjectKey::Ident(i) => Some(i.as_str().to_string()),
        ObjectKey::Expression(Expression::String(s)) => Some(s.as_str().to_string()),
        ObjectKey::Expression(_) => None,
    }
}

/// The acceptance files are Go format strings: `%[1]s`, `%s`, `%[3]d`, `%[4]t` become a name,
/// a number and a bool so that the file parses.
fn fill_placeholders(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find('%') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let (arg_len, verb) = match after.strip_prefix('[') {
            Some(a) => match a.find(']') {
                Some(j) => (j + 2, a[j + 1..].chars().next()),
                None => (0, None),
            },
            None => (0, after.chars().next()),
        };
        match verb {
            Some('s') => out.push_str("placeholder"),
            Some('d') => out.push('1'),
            Some('t') => out.push_str("true"),
            _ => {
                out.push('%');
                rest = after;
                continue;
            }
        }
        rest = &after[arg_len + 1..];
    }
    out.push_str(rest);
    out
}

const META: [&str; 6] = [
    "count",
    "for_each",
    "provider",
    "depends_on",
    "lifecycle",
    "provisioner",
];

/// Unknown attribute paths in an object expression written for `block`.
fn check_object(block: &Block, path: &str, expr: &Expression, out: &mut Vec<String>) {
    let Expression::Object(obj) = expr else {
        return;
    };
    for (k, v) in obj.iter() {
        let Some(name) = key_name(k) else { continue };
        check_attr(block, &format!("{path}.{name}"), &name, v.expr(), out);
    }
}

fn check_attr(block: &Block, path: &str, name: &str, value: &Expression, out: &mut Vec<String>) {
    let Some(attr) = block.attrs.get(name) else {
        out.push(path.to_string());
        return;
    };
    let Some((nesting, nested)) = attr.nested() else {
        return;
    };
    match (nesting, value) {
        (Nesting::Single, e) => check_object(nested, path, e, out),
        (Nesting::List | Nesting::Set, Expression::Array(items)) => {
            for (i, e) in items.iter().enumerate() {
                check_object(nested, &format!("{path}[{i}]"), e, out);
            }
        }
        (Nesting::Map, Expression::Object(obj)) => {
            for (k, v) in obj.iter() {
                let key = key_name(k).unwrap_or_default();
                check_object(nested, &format!("{path}[{key:?}]"), v.expr(), out);
            }
        }
        _ => {}
    }
}

fn check_body(spec: &TypeSpec, body: &Body, path: &str, out: &mut Vec<String>) {
    for s in body.iter() {
        match s {
            Structure::Attribute(a) => {
                let name = a.key.as_str();
                if META.contains(&name) {
                    continue;
                }
                check_attr(&spec.block, &format!("{path}.{name}"), name, &a.value, out);
            }
            Structure::Block(b) if META.contains(&b.ident.as_str()) => {}
            Structure::Block(b) => out.push(format!(
                "{path}: block `{}` (v5 uses nested attributes)",
                b.ident.as_str()
            )),
        }
    }
}

#[test]
fn every_attribute_in_the_official_examples_is_known() {
    let provider = CloudflareProvider::new();
    assert!(
        provider.schema_errors().is_empty(),
        "{:?}",
        provider.schema_errors()
    );
    let specs = provider.specs();
    let dir = examples_dir();
    assert!(
        dir.is_dir(),
        "the official examples are expected at {}",
        dir.display()
    );
    let mut files = Vec::new();
    tf_files(&dir, &mut files);
    files.sort();
    let mut unknown = Vec::new();
    let mut checked = std::collections::BTreeMap::<String, usize>::new();
    let mut fragments = Vec::new();
    for file in &files {
        let name = file.file_name().unwrap().to_string_lossy().to_string();
        if name.contains("_v4") || name.contains("migrations") {
            continue;
        }
        let text = fill_placeholders(&std::fs::read_to_string(file).expect("read"));
        // A few files are fragments (`actions = { %[4]s }`) completed by the Go tests.
        let Ok(body) = hcl_edit::parser::parse_body(&text) else {
            fragments.push(name);
            continue;
        };
        for s in body.iter() {
            let Structure::Block(b) = s else { continue };
            let kind = b.ident.as_str();
            if kind != "resource" && kind != "data" {
                continue;
            }
            let Some(type_name) = b.labels.first().map(label) else {
                continue;
            };
            let is_data = kind == "data";
            let known = if is_data {
                provider.schema().data_sources.contains_key(&type_name)
            } else {
                provider.schema().resources.contains_key(&type_name)
            };
            if !known {
                continue;
            }
            // A data source and a resource may share a name; pick by the spec's schema.
            let schema = if is_data {
                &provider.schema().data_sources[&type_name]
            } else {
                &provider.schema().resources[&type_name]
            };
            let spec = specs
                .iter()
                .find(|s| s.name == type_name && &s.schema == schema)
                .expect("spec of a registered type");
            *checked.entry(format!("{kind} {type_name}")).or_default() += 1;
            check_body(
                spec,
                &b.body,
                &format!("{}: {type_name}", name),
                &mut unknown,
            );
        }
    }
    // Upstream test files that v5 itself refuses ("An argument named ... is not expected
    // here": the attributes are not in v5's schema either), and a fragment's placeholder.
    const NOT_V5: [&str; 5] = [
        "testdata-record_config_srv.tf: cloudflare_dns_record.data.proto",
        "testdata-record_config_srv.tf: cloudflare_dns_record.data.name",
        "testdata-pageruleconfigfullyspecified.tf: cloudflare_page_rule.actions.server_side_exclude",
        "testdata-pageruleemtpycookie.tf: cloudflare_page_rule.actions.cache_key_fields.query_string.ignore",
        "testdata-pageruleconfig-string.tf: cloudflare_page_rule.actions.placeholder",
    ];
    let unexpected: Vec<&String> = unknown
        .iter()
        .filter(|u| !NOT_V5.contains(&u.as_str()))
        .collect();
    assert!(
        unexpected.is_empty(),
        "attributes unknown to the schema:\n{unexpected:#?}"
    );
    assert_eq!(unknown.len(), NOT_V5.len(), "{unknown:#?}");
    // Fragments completed by the Go tests (`%[1]s` standing for whole blocks); the three
    // zones files are also v4 syntax (`filter { … }` blocks).
    assert_eq!(
        fragments,
        [
            "testdata-buildpageruleconfig.tf",
            "testdata-zonesconfigmatchname.tf",
            "testdata-zonesconfigmatchregex.tf",
            "testdata-zonesmatchfuzzylookup.tf"
        ],
        "files that do not parse"
    );
    // Every supported type was seen in the examples.
    for t in [
        "cloudflare_dns_record",
        "cloudflare_zone_setting",
        "cloudflare_ruleset",
        "cloudflare_healthcheck",
        "cloudflare_page_rule",
    ] {
        assert!(
            checked.contains_key(&format!("resource {t}")),
            "no example of {t}: {checked:?}"
        );
    }
    for t in [
        "cloudflare_zone",
        "cloudflare_zones",
        "cloudflare_dns_records",
    ] {
        assert!(
            checked.contains_key(&format!("data {t}")),
            "no example of data {t}: {checked:?}"
        );
    }
    assert!(checked.values().sum::<usize>() > 150, "{checked:?}");
}

#[test]
fn schemas_follow_v5() {
    let provider = CloudflareProvider::new();
    let schema = provider.schema();
    let dns = &schema.resources["cloudflare_dns_record"];
    assert!(dns.attributes["zone_id"].force_new && dns.attributes["type"].force_new);
    assert!(dns.attributes["name"].required && dns.attributes["ttl"].required);
    assert!(dns.attributes["proxied"].optional && dns.attributes["proxied"].computed);
    assert!(
        !dns.attributes["comment"].computed,
        "comment is optional only"
    );
    let ruleset = &schema.resources["cloudflare_ruleset"];
    for a in ["kind", "name", "phase", "zone_id", "account_id"] {
        assert!(ruleset.attributes[a].force_new, "{a}");
    }
    assert!(ruleset.attributes["rules"]
        .ty
        .to_string()
        .starts_with("list(object({action=string, action_parameters=object({"));
    let provider_block = &schema.provider;
    for a in ["api_token", "api_key", "api_user_service_key"] {
        assert!(
            provider_block.attributes[a].sensitive && provider_block.attributes[a].optional,
            "{a}"
        );
    }
    for a in ["email", "base_url", "user_agent_operator_suffix"] {
        assert!(!provider_block.attributes[a].sensitive, "{a}");
    }
    assert_eq!(
        provider.source(),
        "registry.terraform.io/cloudflare/cloudflare"
    );
    assert!(infra_providers::Registry::builtin()
        .get("cloudflare/cloudflare")
        .is_some());
}

#[test]
fn building_the_provider_is_cheap() {
    let start = std::time::Instant::now();
    for _ in 0..20 {
        let _ = CloudflareProvider::new();
    }
    let each = start.elapsed() / 20;
    assert!(each < std::time::Duration::from_millis(200), "{each:?}");
}

#[test]
fn resource_schema_versions_match_v5() {
    let provider = CloudflareProvider::new();
    for (name, schema) in &provider.schema().resources {
        assert_eq!(schema.version, 500, "{name}");
    }
}
