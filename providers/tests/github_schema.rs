//! Schema sanity of the GitHub provider against the official examples: every attribute and
//! block written in the official examples (`*.tf` of `../shared/provider-examples/github/<type>`
//! for the supported types, and the provider blocks of `_provider/`) is known to our schema, at
//! every level of nesting; the schemas build without problems; secrets are hashed in state;
//! import IDs are parsed as the docs write them.

use std::path::{Path, PathBuf};
use std::time::Duration;

use hcl_edit::structure::{BlockLabel, Body, Structure};
use infra_lang::Value;
use infra_providers::github::{GithubOptions, GithubProvider};
use infra_providers::rest::value_from_json;
use infra_providers::{Provider, Schema};
use serde_json::json;

const TYPES: [&str; 10] = [
    "github_repository",
    "github_branch_protection",
    "github_repository_ruleset",
    "github_actions_secret",
    "github_actions_environment_secret",
    "github_actions_variable",
    "github_actions_environment_variable",
    "github_repository_environment",
    "github_repository_webhook",
    "github_repository_deploy_key",
];

fn examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/provider-examples/github")
}

fn tf_files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "tf"))
        .collect();
    out.sort();
    out
}

fn label(l: &BlockLabel) -> String {
    match l {
        BlockLabel::Ident(i) => i.as_str().to_string(),
        BlockLabel::String(s) => s.as_str().to_string(),
    }
}

const META: [&str; 5] = ["count", "for_each", "provider", "depends_on", "lifecycle"];

/// Every argument and block of `body` is in `schema` (recursively); problems are pushed to
/// `out` as `file: path`.
fn check_body(
    body: &Body,
    schema: &Schema,
    path: &str,
    file: &str,
    top: bool,
    out: &mut Vec<String>,
) {
    for s in body.iter() {
        match s {
            Structure::Attribute(a) => {
                let name = a.key.as_str();
                if top && META.contains(&name) {
                    continue;
                }
                if !schema.attributes.contains_key(name) {
                    out.push(format!("{file}: {path}.{name} is not an attribute"));
                }
            }
            Structure::Block(b) => {
                let name = b.ident.as_str();
                if top && (META.contains(&name) || name == "dynamic") {
                    continue;
                }
                match schema.blocks.get(name) {
                    Some(bt) => check_body(
                        &b.body,
                        &bt.block,
                        &format!("{path}.{name}"),
                        file,
                        false,
                        out,
                    ),
                    None => out.push(format!("{file}: {path}.{name} is not a block")),
                }
            }
        }
    }
}

#[test]
fn schemas_build_and_cover_every_example_attribute() {
    let p = GithubProvider::new();
    assert!(p.schema_errors().is_empty(), "{:#?}", p.schema_errors());
    let schema = p.schema();
    for t in TYPES {
        assert!(schema.resources.contains_key(t), "{t} is missing");
    }
    let mut problems = Vec::new();
    let mut seen = 0;
    let mut dirs: Vec<PathBuf> = TYPES.iter().map(|t| examples_dir().join(t)).collect();
    dirs.push(examples_dir().join("_provider"));
    for dir in dirs {
        for file in tf_files(&dir) {
            let text = std::fs::read_to_string(&file).expect("read");
            let body: Body = text
                .parse()
                .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            let name = file
                .strip_prefix(examples_dir())
                .unwrap_or(&file)
                .display()
                .to_string();
            for s in body.iter() {
                let Structure::Block(b) = s else { continue };
                let labels: Vec<String> = b.labels.iter().map(label).collect();
                match (b.ident.as_str(), labels.first().map(String::as_str)) {
                    ("resource", Some(t)) if TYPES.contains(&t) => {
                        seen += 1;
                        check_body(&b.body, &schema.resources[t], t, &name, true, &mut problems);
                    }
                    ("provider", Some("github")) => {
                        seen += 1;
                        check_body(
                            &b.body,
                            &schema.provider,
                            "provider",
                            &name,
                            true,
                            &mut problems,
                        );
                    }
                    _ => {}
                }
            }
        }
    }
    assert!(seen >= 20, "only {seen} example blocks were checked");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn secrets_are_hashed_in_state_and_sensitive() {
    let p = GithubProvider::new();
    let r = &p.schema().resources;
    for t in ["github_actions_secret", "github_actions_environment_secret"] {
        for a in ["value", "plaintext_value"] {
            let attr = &r[t].attributes[a];
            assert!(attr.hashed_in_state && attr.sensitive, "{t}.{a}");
        }
        for a in ["value_encrypted", "encrypted_value"] {
            let attr = &r[t].attributes[a];
            assert!(attr.sensitive && !attr.hashed_in_state, "{t}.{a}");
        }
    }
    let hook = &r["github_repository_webhook"].blocks["configuration"].block;
    assert!(hook.attributes["secret"].sensitive);
    assert!(hook.attributes["url"].sensitive);
    assert!(p.schema().provider.attributes["token"].sensitive);
    for (t, a) in r
        .iter()
        .flat_map(|(t, s)| s.attributes.iter().map(move |(a, x)| (t, a, x)))
        .filter(|(_, _, x)| x.hashed_in_state)
        .map(|(t, a, _)| (t, a))
    {
        assert!(t.contains("secret"), "{t}.{a} is hashed in state");
    }
    // Deploy keys cannot change: every configurable attribute replaces.
    for (name, a) in &r["github_repository_deploy_key"].attributes {
        assert!(
            a.computed && !a.optional || a.force_new,
            "deploy key {name} does not force replacement"
        );
    }
}

/// A provider configured for an address where nothing listens: imports that parse their ID
/// fail on the network, those that do not fail on the ID.
async fn offline_provider() -> GithubProvider {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let p = GithubProvider::with_options(GithubOptions {
        max_attempts: Some(1),
        timeout: Some(Duration::from_secs(5)),
        env: Some(Vec::new()),
        ..GithubOptions::default()
    });
    let config = value_from_json(
        &json!({"token": "t0k3n-offline", "owner": "octo-org", "base_url": format!("http://127.0.0.1:{port}/")}),
        &p.schema().provider.object_type(),
    );
    p.configure(config).await.unwrap();
    p
}

#[tokio::test]
async fn import_ids_are_parsed_as_the_docs_write_them() {
    let p = offline_provider().await;
    let good = [
        ("github_repository", "myrepo"),
        ("github_branch_protection", "terraform:main"),
        ("github_repository_ruleset", "example:12345"),
        ("github_actions_secret", "repo-name:secret-name"),
        (
            "github_actions_environment_secret",
            "repo-name:environment-name:secret-name",
        ),
        (
            "github_actions_environment_secret",
            "repo-name:env??with??colons:secret-name",
        ),
        ("github_actions_variable", "repo-name:variable-name"),
        (
            "github_actions_environment_variable",
            "repo-name:environment-name:variable-name",
        ),
        ("github_repository_environment", "myrepo:myenv"),
        ("github_repository_webhook", "terraform/11235813"),
        ("github_repository_deploy_key", "test-repo:23824728"),
    ];
    for (t, id) in good {
        let e = p.import_resource(t, id).await.unwrap_err().to_string();
        assert!(
            e.contains("could not reach the GitHub API"),
            "{t} {id}: {e}"
        );
    }
    let bad = [
        ("github_repository", "owner/myrepo"),
        ("github_branch_protection", "terraform"),
        ("github_repository_ruleset", "example:abc"),
        ("github_repository_ruleset", "example"),
        ("github_actions_secret", "repo-name"),
        ("github_actions_secret", ":secret"),
        ("github_actions_environment_secret", "repo-name:secret-name"),
        ("github_actions_variable", "repo-name:"),
        ("github_actions_environment_variable", "repo:env"),
        ("github_repository_environment", "myrepo"),
        ("github_repository_webhook", "terraform:11235813"),
        ("github_repository_deploy_key", "test-repo"),
    ];
    for (t, id) in bad {
        let e = p.import_resource(t, id).await.unwrap_err();
        assert!(e.summary.contains("Invalid import ID"), "{t} {id}: {e}");
    }
    // The token never shows, not even in a network error.
    let e = p
        .import_resource("github_repository", "myrepo")
        .await
        .unwrap_err();
    assert!(!format!("{e} {e:?}").contains("t0k3n-offline"));
}

#[tokio::test]
async fn configuration_from_the_environment_and_its_errors() {
    // No owner: repository-scoped operations say how to set it.
    let p = GithubProvider::with_options(GithubOptions {
        env: Some(vec![("GITHUB_TOKEN".into(), "t".into())]),
        ..GithubOptions::default()
    });
    let e = p
        .import_resource("github_actions_variable", "r:V")
        .await
        .unwrap_err();
    assert!(e.to_string().contains("GITHUB_OWNER"), "{e}");
    // GitHub App authentication is refused with a way out.
    let p = GithubProvider::with_options(GithubOptions {
        env: Some(Vec::new()),
        ..GithubOptions::default()
    });
    let config = value_from_json(
        &json!({"owner": "o", "app_auth": [{"id": "1", "installation_id": "2", "pem_file": "PEM"}]}),
        &p.schema().provider.object_type(),
    );
    let e = p.configure(config).await.unwrap_err();
    assert!(e.to_string().contains("token"), "{e}");
    // An unknown provider argument value is explained.
    let config = value_from_json(&json!({"owner": "o"}), &p.schema().provider.object_type());
    let mut o = config.as_entries().cloned().unwrap();
    o.insert("token".into(), Value::Unknown(infra_lang::Type::String));
    let e = p.configure(Value::Object(o)).await.unwrap_err();
    assert!(e.to_string().contains("known only after apply"), "{e}");
}
