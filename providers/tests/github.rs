//! End-to-end tests of the GitHub provider through the [`Provider`] trait, against the stateful
//! GitHub fake (`infra-fakes`) behind Prism, which checks every request and every answer
//! against GitHub's official OpenAPI description.
//!
//! For each resource type: create → read → no-op plan → update → read → read_many → import →
//! delete. Then: a secret set through the provider decrypts in the fake to the exact plaintext
//! (also one given sealed, and after a remote overwrite is detected and repaired); refreshing
//! variables lists them; a second refresh costs no rate limit (ETags); secondary and primary
//! rate limits are waited out; creates under injected faults make no duplicates; the token and
//! a secret value never appear in an error or in the debug log.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use infra_fakes::harness::{
    seal_for_github, unique_repo_name, GithubFaults, GithubPeer, GITHUB_TEST_ORG,
};
use infra_lang::Value;
use infra_providers::github::{GithubOptions, GithubProvider};
use infra_providers::http::{Backoff, LogSink};
use infra_providers::rest::{value_from_json, CreatePolicy};
use infra_providers::{Nesting, PlannedState, Provider, ProviderError, Schema};
use serde_json::{json, Value as J};

const CANARY: &str = "gh-canary-token-8f3a1c2e9d";
const OWNER: &str = GITHUB_TEST_ORG;

fn fast_options(log: Option<LogSink>) -> GithubOptions {
    let quick = Backoff {
        base: Duration::from_millis(5),
        cap: Duration::from_millis(100),
    };
    GithubOptions {
        timeout: Some(Duration::from_secs(20)),
        backoff: Some(quick),
        create_policy: Some(CreatePolicy {
            attempts: 10,
            find_attempts: 5,
            backoff: quick,
            adopt_on_conflict: false,
        }),
        log,
        env: Some(Vec::new()),
        ..GithubOptions::default()
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

/// The shared peer, with the test organization (and the fake's default user in it).
async fn peer() -> GithubPeer {
    let peer = GithubPeer::start().await;
    if std::env::var("INFRA_REQUIRE_PRISM").as_deref() == Ok("1") {
        assert!(peer.via_prism, "the contract must be checked");
    }
    peer.new_org(OWNER, &["infra-bot"]).await;
    peer
}

/// A configured provider talking to `base_url` as the test organization.
async fn provider_for(base_url: &str, options: GithubOptions) -> GithubProvider {
    let p = GithubProvider::with_options(options);
    let config = value_from_json(
        &json!({"token": CANARY, "owner": OWNER, "base_url": base_url}),
        &p.schema().provider.object_type(),
    );
    p.configure(config).await.expect("configure");
    p
}

/// `j` as the engine passes a configuration: blocks left out are empty lists, at every level.
fn engine_json(schema: &Schema, j: &J) -> J {
    let mut o = j.as_object().cloned().unwrap_or_default();
    for (name, bt) in &schema.blocks {
        let v = match o.remove(name) {
            Some(J::Array(items)) => {
                J::Array(items.iter().map(|e| engine_json(&bt.block, e)).collect())
            }
            Some(J::Object(x)) => J::Array(vec![engine_json(&bt.block, &J::Object(x))]),
            _ if bt.nesting == Nesting::Single => J::Null,
            _ => J::Array(vec![]),
        };
        o.insert(name.clone(), v);
    }
    J::Object(o)
}

/// A configuration object of `type_name`, every attribute not given null and every block not
/// given empty (as the engine passes it).
fn cfg(p: &GithubProvider, type_name: &str, j: J) -> Value {
    let schema = &p.schema().resources[type_name];
    value_from_json(&engine_json(schema, &j), &schema.object_type())
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
            (Value::Set(..), Value::Set(..)) if !p.is_wholly_known() => {}
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

fn plan(p: &GithubProvider, t: &str, prior: &Value, config: &Value) -> PlannedState {
    p.plan_resource(t, prior, config)
        .unwrap_or_else(|e| panic!("plan {t}: {e}"))
}

fn attr(v: &Value, name: &str) -> Value {
    v.get_attr(name).unwrap_or_else(Value::null)
}

fn text(v: &Value, name: &str) -> String {
    attr(v, name).as_str().unwrap_or_default().to_string()
}

/// What an import leaves out and a plan after it sets again (secret values).
#[derive(Clone, Copy, PartialEq, Eq)]
enum AfterImport {
    NoChange,
    /// An update of only these attributes.
    Updates(&'static [&'static str]),
}

/// The top-level attributes whose planned value differs from the prior one.
fn changed_attributes(prior: &Value, planned: &Value) -> Vec<String> {
    let (Some(a), Some(b)) = (prior.as_entries(), planned.as_entries()) else {
        return vec!["(the object)".into()];
    };
    b.iter()
        .filter(|(k, v)| a.get(*k) != Some(*v))
        .map(|(k, _)| k.clone())
        .collect()
}

/// Create → read → no-op plan → update → read → no-op plan → read_many → import (then a plan)
/// → delete → gone. Returns the state after the update (deleted by then).
async fn lifecycle(
    p: &GithubProvider,
    t: &str,
    create: J,
    update: J,
    import_id: impl Fn(&Value) -> String,
    expect_after_import: AfterImport,
) -> Value {
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
    let read2 = p
        .read_resource(t, &state2)
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(read2, state2, "{t}: refresh after update shows drift");
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
    assert_eq!(
        attr(&imported, "id"),
        attr(&state2, "id"),
        "{t}: imported id"
    );
    let replan = plan(p, t, &imported, &c2);
    assert!(
        replan.requires_replace.is_empty(),
        "{t}: plan after import replaces: {:?}",
        replan.requires_replace
    );
    let changed = changed_attributes(&imported, &replan.planned);
    match expect_after_import {
        AfterImport::NoChange => {
            let detail: Vec<String> = changed
                .iter()
                .map(|c| {
                    format!(
                        "{c}: imported {} planned {}",
                        attr(&imported, c).to_json(),
                        attr(&replan.planned, c).to_json()
                    )
                })
                .collect();
            assert!(
                changed.is_empty(),
                "{t}: plan after import changes\n{}",
                detail.join("\n")
            );
            let refreshed = p
                .read_resource(t, &imported)
                .await
                .expect("read imported")
                .expect("exists");
            assert_eq!(refreshed, imported, "{t}: the imported state drifts");
        }
        AfterImport::Updates(allowed) => {
            assert!(!changed.is_empty(), "{t}: expected an update after import");
            for c in &changed {
                // Computed attributes the configuration leaves out are unknown again when the
                // object changes (framework planning).
                let recomputed = !attr(&replan.planned, c).is_known();
                assert!(
                    allowed.contains(&c.as_str()) || recomputed,
                    "{t}: plan after import changes {c}: imported {} planned {}",
                    attr(&imported, c).to_json(),
                    attr(&replan.planned, c).to_json()
                );
            }
        }
    }

    let gone = p
        .apply_resource(t, &state2, &Value::null())
        .await
        .unwrap_or_else(|e| panic!("delete {t}: {e}"));
    assert!(gone.is_null());
    let after = p
        .read_resource(t, &state2)
        .await
        .expect("read after delete");
    assert!(after.is_none(), "{t}: still there after delete");
    state2
}

/// A repository of the test organization with a `main` branch, made on the fake directly.
async fn new_repo(peer: &GithubPeer, prefix: &str) -> String {
    let name = unique_repo_name(prefix);
    peer.new_repo(OWNER, &name).await;
    name
}

/// A syntactically valid, unique ed25519 public key.
fn ed25519_key(comment: &str) -> String {
    let mut blob = vec![0, 0, 0, 11];
    blob.extend_from_slice(b"ssh-ed25519");
    blob.extend_from_slice(&[0, 0, 0, 32]);
    blob.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
    blob.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
    format!(
        "ssh-ed25519 {} {comment}",
        base64::engine::general_purpose::STANDARD.encode(blob)
    )
}

#[tokio::test]
async fn repository_lifecycle() {
    let peer = peer().await;
    let p = provider_for(&peer.api_url, fast_options(None)).await;
    let name = unique_repo_name("repo-life");
    let t = "github_repository";
    let state = lifecycle(
        &p,
        t,
        json!({"name": name, "description": "made by infra", "visibility": "private", "auto_init": true,
               "has_issues": true, "delete_branch_on_merge": true, "allow_squash_merge": false,
               "security_and_analysis": {"secret_scanning": {"status": "enabled"}}}),
        json!({"name": name, "description": "changed", "homepage_url": "https://example.com", "visibility": "private",
               "auto_init": true, "has_issues": true, "has_wiki": true, "allow_rebase_merge": false,
               "merge_commit_title": "PR_TITLE", "merge_commit_message": "PR_BODY",
               "security_and_analysis": {"secret_scanning": {"status": "enabled"}}}),
        |s| text(s, "name"),
        AfterImport::Updates(&["auto_init"]),
    )
    .await;
    assert_eq!(text(&state, "full_name"), format!("{OWNER}/{name}"));
    assert_eq!(text(&state, "default_branch"), "main");
    assert!(attr(&state, "repo_id").as_number().is_some());

    // A rename is an update; archive_on_destroy archives instead of deleting.
    let c = cfg(
        &p,
        t,
        json!({"name": format!("{name}-a"), "visibility": "private", "archive_on_destroy": true}),
    );
    let s1 = p
        .apply_resource(t, &Value::null(), &plan(&p, t, &Value::null(), &c).planned)
        .await
        .unwrap();
    let renamed = format!("{name}-b");
    let c2 = cfg(
        &p,
        t,
        json!({"name": renamed, "visibility": "public", "archive_on_destroy": true}),
    );
    let planned = plan(&p, t, &s1, &c2);
    assert!(planned.requires_replace.is_empty(), "a rename is an update");
    assert!(
        !attr(&planned.planned, "full_name").is_known()
            && !attr(&planned.planned, "private").is_known()
    );
    assert_eq!(attr(&planned.planned, "repo_id"), attr(&s1, "repo_id"));
    let s2 = p.apply_resource(t, &s1, &planned.planned).await.unwrap();
    assert_consistent(&planned.planned, &s2, "rename");
    assert_eq!(text(&s2, "id"), renamed);
    assert_eq!(attr(&s2, "private"), Value::Bool(false));
    assert_eq!(text(&s2, "full_name"), format!("{OWNER}/{renamed}"));
    assert_eq!(attr(&s2, "repo_id"), attr(&s1, "repo_id"));
    p.apply_resource(t, &s2, &Value::null()).await.unwrap();
    let archived = p
        .read_resource(t, &s2)
        .await
        .unwrap()
        .expect("archived, not deleted");
    assert_eq!(attr(&archived, "archived"), Value::Bool(true));

    // What infra cannot create is refused at plan time, not half-applied.
    let c = cfg(
        &p,
        t,
        json!({"name": "x", "pages": {"build_type": "workflow"}}),
    );
    assert!(p.plan_resource(t, &Value::null(), &c).is_err());
}

/// A repository from a template (`template {}`: POST .../generate) and a fork (`fork = true`:
/// POST .../forks) are created, read back as configured, and converge.
#[tokio::test]
async fn repository_from_a_template_and_a_fork() {
    let peer = peer().await;
    let template = unique_repo_name("tpl");
    peer.new_repo_with(
        json!({"owner": OWNER, "name": template, "is_template": true, "branches": ["develop"]}),
    )
    .await;
    let source_owner = unique_repo_name("src-org");
    peer.new_repo(&source_owner, "original").await;
    let p = provider_for(&peer.api_url, fast_options(None)).await;
    let t = "github_repository";
    let name = unique_repo_name("from-tpl");
    let c = cfg(
        &p,
        t,
        json!({"name": name, "description": "generated", "visibility": "public",
               "topics": ["infra", "terraform"], "vulnerability_alerts": true,
               "template": {"owner": OWNER, "repository": template, "include_all_branches": true}}),
    );
    let planned = plan(&p, t, &Value::null(), &c);
    let s = p
        .apply_resource(t, &Value::null(), &planned.planned)
        .await
        .expect("generate");
    assert_consistent(&planned.planned, &s, "generate");
    assert_eq!(text(&s, "description"), "generated");
    // Topics and Dependabot alerts through their own endpoints (through Prism).
    let topics = peer
        .api()
        .get(&format!("/repos/{OWNER}/{name}/topics"))
        .await;
    assert_eq!(topics.body["names"], json!(["infra", "terraform"]));
    peer.api()
        .get(&format!("/repos/{OWNER}/{name}/vulnerability-alerts"))
        .await
        .expect_status(204);
    let read = p.read_resource(t, &s).await.unwrap().expect("exists");
    assert!(changed_attributes(&read, &plan(&p, t, &read, &c).planned).is_empty());
    // Generating from a repository that is not a template is GitHub's error.
    let c = cfg(
        &p,
        t,
        json!({"name": unique_repo_name("x"), "template": {"owner": source_owner, "repository": "original"}}),
    );
    let e = p
        .apply_resource(t, &Value::null(), &plan(&p, t, &Value::null(), &c).planned)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("not a template repository"), "{e}");

    let fork = unique_repo_name("fork");
    let c = cfg(
        &p,
        t,
        json!({"name": fork, "description": "a fork", "fork": "true", "source_owner": source_owner, "source_repo": "original"}),
    );
    let planned = plan(&p, t, &Value::null(), &c);
    let s = p
        .apply_resource(t, &Value::null(), &planned.planned)
        .await
        .expect("fork");
    assert_consistent(&planned.planned, &s, "fork");
    assert_eq!(text(&s, "fork"), "true");
    assert_eq!(text(&s, "source_repo"), "original");
    assert_eq!(text(&s, "full_name"), format!("{OWNER}/{fork}"));
    let read = p.read_resource(t, &s).await.unwrap().expect("exists");
    assert!(changed_attributes(&read, &plan(&p, t, &read, &c).planned).is_empty());
    // `fork` without its source is a plan error.
    let c = cfg(&p, t, json!({"name": "x", "fork": "true"}));
    assert!(p.plan_resource(t, &Value::null(), &c).is_err());
}

/// The data sources: the public keys secrets are sealed with, and users (`""`: the caller).
#[tokio::test]
async fn public_key_and_user_data_sources() {
    let peer = peer().await;
    let repo = new_repo(&peer, "keys").await;
    peer.api()
        .put(
            &format!("/repos/{OWNER}/{repo}/environments/prod"),
            &json!({}),
        )
        .await
        .expect_status(200);
    let p = provider_for(&peer.api_url, fast_options(None)).await;
    let data = |t: &str, j: J| {
        let schema = &p.schema().data_sources[t];
        value_from_json(&j, &schema.object_type())
    };
    let expected = peer
        .api()
        .get(&format!("/repos/{OWNER}/{repo}/actions/secrets/public-key"))
        .await;
    let v = p
        .read_data_source(
            "github_actions_public_key",
            &data("github_actions_public_key", json!({"repository": repo})),
        )
        .await
        .expect("public key");
    assert_eq!(
        text(&v, "key_id"),
        expected.body["key_id"].as_str().unwrap()
    );
    assert_eq!(text(&v, "key"), expected.body["key"].as_str().unwrap());
    let expected = peer
        .api()
        .get(&format!(
            "/repos/{OWNER}/{repo}/environments/prod/secrets/public-key"
        ))
        .await;
    let t = "github_actions_environment_public_key";
    let v = p
        .read_data_source(
            t,
            &data(t, json!({"repository": repo, "environment": "prod"})),
        )
        .await
        .expect("environment key");
    assert_eq!(
        text(&v, "key_id"),
        expected.body["key_id"].as_str().unwrap()
    );
    assert_eq!(text(&v, "environment"), "prod");

    let login = unique_repo_name("octo");
    let user = peer.new_user(&login).await;
    let v = p
        .read_data_source(
            "github_user",
            &data("github_user", json!({"username": login})),
        )
        .await
        .expect("user");
    assert_eq!(text(&v, "login"), login);
    assert_eq!(text(&v, "id"), user["id"].to_string());
    assert_eq!(text(&v, "node_id"), user["node_id"].as_str().unwrap());
    // The token's user: the fake's default user for an unregistered token.
    let v = p
        .read_data_source("github_user", &data("github_user", json!({"username": ""})))
        .await
        .expect("me");
    assert_eq!(text(&v, "login"), "infra-bot");
    let e = p
        .read_data_source(
            "github_user",
            &data(
                "github_user",
                json!({"username": unique_repo_name("nobody")}),
            ),
        )
        .await
        .unwrap_err();
    assert!(e.to_string().contains("reading github_user"), "{e}");
}

#[tokio::test]
async fn branch_protection_lifecycle() {
    let peer = peer().await;
    peer.new_user("infra-bot").await;
    let team = peer
        .new_team(OWNER, &unique_repo_name("core"), &["infra-bot"])
        .await;
    let slug = team["slug"].as_str().unwrap().to_string();
    let repo = new_repo(&peer, "protect").await;
    let p = provider_for(&peer.api_url, fast_options(None)).await;
    let state = lifecycle(
        &p,
        "github_branch_protection",
        json!({"repository_id": repo, "pattern": "main", "enforce_admins": true,
               "required_status_checks": {"strict": true, "contexts": ["ci/test"]},
               "required_pull_request_reviews": {"required_approving_review_count": 2, "dismiss_stale_reviews": true}}),
        json!({"repository_id": repo, "pattern": "main", "allows_deletions": true, "required_linear_history": true,
               "required_pull_request_reviews": {"required_approving_review_count": 1, "restrict_dismissals": true,
                                                 "dismissal_restrictions": ["/infra-bot"], "pull_request_bypassers": [format!("{OWNER}/{slug}")]},
               "restrict_pushes": {"blocks_creations": false, "push_allowances": ["/infra-bot", format!("{OWNER}/{slug}")]}}),
        |s| format!("{}:{}", text(s, "repository_id"), text(s, "pattern")),
        AfterImport::NoChange,
    )
    .await;
    assert_eq!(text(&state, "id"), format!("{repo}:main"));
    // Signed commits are turned on and off through their own endpoint.
    let t = "github_branch_protection";
    let path = format!("/repos/{OWNER}/{repo}/branches/main/protection/required_signatures");
    for on in [true, false] {
        let c = cfg(
            &p,
            t,
            json!({"repository_id": repo, "pattern": "main", "require_signed_commits": on}),
        );
        let planned = plan(&p, t, &Value::null(), &c);
        let s = p
            .apply_resource(t, &Value::null(), &planned.planned)
            .await
            .expect("signed commits");
        assert_consistent(&planned.planned, &s, "signed commits");
        assert_eq!(peer.api().get(&path).await.body["enabled"], on);
        let read = p.read_resource(t, &s).await.unwrap().expect("exists");
        assert_eq!(attr(&read, "require_signed_commits"), Value::Bool(on));
    }
    // A node ID instead of a name is explained.
    let t = "github_branch_protection";
    let c = cfg(
        &p,
        t,
        json!({"repository_id": "R_kgDOexample", "pattern": "main"}),
    );
    let e = p
        .apply_resource(t, &Value::null(), &plan(&p, t, &Value::null(), &c).planned)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("name, not a GraphQL node ID"), "{e}");
}

#[tokio::test]
async fn ruleset_lifecycle() {
    let peer = peer().await;
    let repo = new_repo(&peer, "rules").await;
    let p = provider_for(&peer.api_url, fast_options(None)).await;
    let rules = json!({"creation": true, "deletion": true, "required_linear_history": true,
                       "pull_request": {"required_approving_review_count": 1},
                       "required_status_checks": {"required_check": [{"context": "ci"}, {"context": "lint", "integration_id": 1}]}});
    let mut rules2 = rules.clone();
    rules2["non_fast_forward"] = json!(true);
    rules2["update"] = json!(true);
    rules2["pull_request"] =
        json!({"required_approving_review_count": 2, "require_code_owner_review": true});
    lifecycle(
        &p,
        "github_repository_ruleset",
        json!({"name": "main rules", "repository": repo, "target": "branch", "enforcement": "active",
               "conditions": {"ref_name": {"include": ["~DEFAULT_BRANCH"], "exclude": []}},
               "bypass_actors": [{"actor_id": 5, "actor_type": "RepositoryRole", "bypass_mode": "always"}],
               "rules": rules}),
        json!({"name": "main rules", "repository": repo, "target": "branch", "enforcement": "disabled",
               "conditions": {"ref_name": {"include": ["~DEFAULT_BRANCH", "release/*"], "exclude": ["release/old"]}},
               "rules": rules2}),
        |s| format!("{}:{}", text(s, "repository"), text(s, "id")),
        AfterImport::NoChange,
    )
    .await;
    // A push ruleset (no ref_name condition).
    lifecycle(
        &p,
        "github_repository_ruleset",
        json!({"name": "push rules", "repository": repo, "target": "push", "enforcement": "active",
               "rules": {"file_path_restriction": {"restricted_file_paths": [".github/workflows/*"]}, "max_file_size": {"max_file_size": 10}}}),
        json!({"name": "push rules", "repository": repo, "target": "push", "enforcement": "active",
               "rules": {"file_extension_restriction": {"restricted_file_extensions": ["*.exe"]}, "max_file_size": {"max_file_size": 20}}}),
        |s| format!("{}:{}", text(s, "repository"), text(s, "id")),
        AfterImport::NoChange,
    )
    .await;
}

#[tokio::test]
async fn actions_secret_lifecycle_and_plaintext() {
    let peer = peer().await;
    let repo = new_repo(&peer, "secrets").await;
    let full = format!("{OWNER}/{repo}");
    let p = provider_for(&peer.api_url, fast_options(None)).await;
    let t = "github_actions_secret";
    let secret = "s3cr3t value ✓ with \"quotes\" and a\nnewline";
    let c1 = cfg(
        &p,
        t,
        json!({"repository": repo, "secret_name": "DEPLOY_TOKEN", "value": secret}),
    );
    let planned = plan(&p, t, &Value::null(), &c1);
    let state = p
        .apply_resource(t, &Value::null(), &planned.planned)
        .await
        .unwrap();
    assert_consistent(&planned.planned, &state, "create secret");
    assert_eq!(
        peer.secret_plaintext(&full, "DEPLOY_TOKEN", None).await,
        secret
    );
    assert_eq!(text(&state, "id"), format!("{repo}:DEPLOY_TOKEN"));
    assert_eq!(
        attr(&state, "updated_at"),
        attr(&state, "remote_updated_at")
    );
    // Refresh keeps our value (GitHub never returns it); the plan is empty.
    let read = p.read_resource(t, &state).await.unwrap().unwrap();
    assert_eq!(read, state);
    assert_eq!(plan(&p, t, &read, &c1).planned, read);

    lifecycle(
        &p,
        t,
        json!({"repository": repo, "secret_name": "life", "value": "one"}),
        json!({"repository": repo, "secret_name": "life", "value": "two"}),
        |s| text(s, "id"),
        AfterImport::Updates(&["value", "key_id", "updated_at", "remote_updated_at"]),
    )
    .await;

    // Somebody else writes the secret: the refresh sees a newer `updated_at`, the plan writes
    // ours again, and GitHub holds our plaintext afterwards.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let key = peer
        .api()
        .get(&format!("/repos/{full}/actions/secrets/public-key"))
        .await;
    let sealed = seal_for_github(key.body["key"].as_str().unwrap(), b"tampered").unwrap();
    peer.direct()
        .put(
            &format!("/repos/{full}/actions/secrets/DEPLOY_TOKEN"),
            &json!({"encrypted_value": sealed, "key_id": key.body["key_id"]}),
        )
        .await;
    assert_eq!(
        peer.secret_plaintext(&full, "DEPLOY_TOKEN", None).await,
        "tampered"
    );
    let refreshed = p.read_resource(t, &state).await.unwrap().unwrap();
    assert_ne!(
        attr(&refreshed, "remote_updated_at"),
        attr(&refreshed, "updated_at"),
        "drift not seen"
    );
    let repair = plan(&p, t, &refreshed, &c1);
    assert!(
        !attr(&repair.planned, "updated_at").is_known(),
        "drift plans an update"
    );
    let repaired = p
        .apply_resource(t, &refreshed, &repair.planned)
        .await
        .unwrap();
    assert_consistent(&repair.planned, &repaired, "repair");
    assert_eq!(
        peer.secret_plaintext(&full, "DEPLOY_TOKEN", None).await,
        secret
    );
    assert_eq!(
        plan(&p, t, &repaired, &c1).planned,
        repaired,
        "repaired: no more changes"
    );

    // A value sealed elsewhere, with its key ID.
    let key = peer
        .api()
        .get(&format!("/repos/{full}/actions/secrets/public-key"))
        .await;
    let sealed = seal_for_github(key.body["key"].as_str().unwrap(), b"sealed elsewhere").unwrap();
    let c = cfg(
        &p,
        t,
        json!({"repository": repo, "secret_name": "SEALED", "value_encrypted": sealed, "key_id": key.body["key_id"]}),
    );
    let s = p
        .apply_resource(t, &Value::null(), &plan(&p, t, &Value::null(), &c).planned)
        .await
        .unwrap();
    assert_eq!(
        peer.secret_plaintext(&full, "SEALED", None).await,
        "sealed elsewhere"
    );
    assert_eq!(text(&s, "key_id"), key.body["key_id"].as_str().unwrap());

    // A stored hash is never written as if it were the secret.
    let c = cfg(
        &p,
        t,
        json!({"repository": repo, "secret_name": "HASHED", "value": "$infra-sha256$00$11"}),
    );
    let e = p
        .apply_resource(t, &Value::null(), &plan(&p, t, &Value::null(), &c).planned)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("stored hash"), "{e}");

    // Exactly one value attribute.
    let both = cfg(
        &p,
        t,
        json!({"repository": repo, "secret_name": "X", "value": "a", "plaintext_value": "b"}),
    );
    assert!(p.plan_resource(t, &Value::null(), &both).is_err());
    let none = cfg(&p, t, json!({"repository": repo, "secret_name": "X"}));
    assert!(p.plan_resource(t, &Value::null(), &none).is_err());

    // Refreshing many secrets of a repository lists them.
    let mut states = Vec::new();
    for i in 0..5 {
        let c = cfg(
            &p,
            t,
            json!({"repository": repo, "secret_name": format!("MANY_{i}"), "plaintext_value": format!("v{i}")}),
        );
        states.push(
            p.apply_resource(t, &Value::null(), &plan(&p, t, &Value::null(), &c).planned)
                .await
                .unwrap(),
        );
    }
    peer.reset_stats(&full).await;
    let many = p.read_many(t, &states).await;
    for (r, s) in many.into_iter().zip(&states) {
        assert_eq!(&r.unwrap().unwrap(), s);
    }
    let requests = peer.requests(&full).await;
    assert!(
        requests.len() <= 2,
        "refreshing 5 secrets took {} requests: {requests:?}",
        requests.len()
    );
}

#[tokio::test]
async fn environment_secret_and_variables() {
    let peer = peer().await;
    let repo = new_repo(&peer, "env-secrets").await;
    let full = format!("{OWNER}/{repo}");
    let p = provider_for(&peer.api_url, fast_options(None)).await;
    // The environment, through the provider.
    let env = "prod:eu";
    let ce = cfg(
        &p,
        "github_repository_environment",
        json!({"repository": repo, "environment": env}),
    );
    let env_state = p
        .apply_resource(
            "github_repository_environment",
            &Value::null(),
            &plan(&p, "github_repository_environment", &Value::null(), &ce).planned,
        )
        .await
        .unwrap();
    assert_eq!(text(&env_state, "id"), format!("{repo}:prod??eu"));

    let t = "github_actions_environment_secret";
    lifecycle(
        &p,
        t,
        json!({"repository": repo, "environment": env, "secret_name": "API_KEY", "value": "first"}),
        json!({"repository": repo, "environment": env, "secret_name": "API_KEY", "value": "second ✓"}),
        |s| text(s, "id"),
        AfterImport::Updates(&["value", "key_id", "updated_at", "remote_updated_at"]),
    )
    .await;
    let c = cfg(
        &p,
        t,
        json!({"repository": repo, "environment": env, "secret_name": "KEPT", "plaintext_value": "kept value"}),
    );
    p.apply_resource(t, &Value::null(), &plan(&p, t, &Value::null(), &c).planned)
        .await
        .unwrap();
    assert_eq!(
        peer.secret_plaintext(&full, "KEPT", Some(env)).await,
        "kept value"
    );

    lifecycle(
        &p,
        "github_actions_variable",
        json!({"repository": repo, "variable_name": "REGION", "value": "eu-west-1"}),
        json!({"repository": repo, "variable_name": "REGION", "value": "eu-central-1"}),
        |s| text(s, "id"),
        AfterImport::NoChange,
    )
    .await;
    lifecycle(
        &p,
        "github_actions_environment_variable",
        json!({"repository": repo, "environment": env, "variable_name": "STAGE", "value": "blue"}),
        json!({"repository": repo, "environment": env, "variable_name": "STAGE", "value": "green"}),
        |s| text(s, "id"),
        AfterImport::NoChange,
    )
    .await;

    // Refreshing many variables of a repository lists them (30 a page).
    let t = "github_actions_variable";
    let mut states = Vec::new();
    for i in 0..35 {
        let c = cfg(
            &p,
            t,
            json!({"repository": repo, "variable_name": format!("V_{i}"), "value": format!("{i}")}),
        );
        states.push(
            p.apply_resource(t, &Value::null(), &plan(&p, t, &Value::null(), &c).planned)
                .await
                .unwrap(),
        );
    }
    // One changed remotely, one deleted remotely.
    peer.direct()
        .patch(
            &format!("/repos/{full}/actions/variables/V_3"),
            &json!({"value": "drifted"}),
        )
        .await;
    peer.direct()
        .delete(&format!("/repos/{full}/actions/variables/V_4"))
        .await;
    peer.reset_stats(&full).await;
    let many = p.read_many(t, &states).await;
    let requests = peer.requests(&full).await;
    assert!(
        requests.len() <= 3,
        "refreshing 35 variables took {} requests",
        requests.len()
    );
    for (i, (r, s)) in many.into_iter().zip(&states).enumerate() {
        let r = r.unwrap();
        match i {
            3 => assert_eq!(text(&r.unwrap(), "value"), "drifted"),
            4 => assert!(r.is_none()),
            _ => assert_eq!(&r.unwrap(), s),
        }
    }
}

#[tokio::test]
async fn environment_lifecycle() {
    let peer = peer().await;
    let user = peer.new_user("gh-prov-reviewer").await;
    let team = peer
        .new_team(OWNER, &unique_repo_name("reviewers"), &["gh-prov-reviewer"])
        .await;
    let repo = new_repo(&peer, "envs").await;
    let p = provider_for(&peer.api_url, fast_options(None)).await;
    lifecycle(
        &p,
        "github_repository_environment",
        json!({"repository": repo, "environment": "staging", "wait_timer": 5, "prevent_self_review": true,
               "reviewers": {"users": [user["id"]], "teams": [team["id"]]},
               "deployment_branch_policy": {"protected_branches": true, "custom_branch_policies": false}}),
        json!({"repository": repo, "environment": "staging", "wait_timer": 10}),
        |s| format!("{}:{}", text(s, "repository"), text(s, "environment")),
        AfterImport::NoChange,
    )
    .await;
}

#[tokio::test]
async fn webhook_lifecycle_keeps_the_secret() {
    let peer = peer().await;
    let repo = new_repo(&peer, "hooks").await;
    let full = format!("{OWNER}/{repo}");
    let p = provider_for(&peer.api_url, fast_options(None)).await;
    let state = lifecycle(
        &p,
        "github_repository_webhook",
        json!({"repository": repo, "events": ["push"],
               "configuration": {"url": "https://hooks.example.com/a", "content_type": "json", "secret": "hook-s3cr3t"}}),
        json!({"repository": repo, "events": ["push", "pull_request"], "active": false,
               "configuration": {"url": "https://hooks.example.com/b", "content_type": "form", "secret": "hook-s3cr3t-2", "insecure_ssl": true}}),
        |s| format!("{}/{}", text(s, "repository"), text(s, "id")),
        AfterImport::Updates(&["configuration"]),
    )
    .await;
    let config = attr(&state, "configuration").as_seq().unwrap()[0].clone();
    assert_eq!(text(&config, "secret"), "hook-s3cr3t-2");
    // The secret reached GitHub.
    let t = "github_repository_webhook";
    let c = cfg(
        &p,
        t,
        json!({"repository": repo, "events": ["issues"], "configuration": {"url": "https://hooks.example.com/c", "content_type": "json", "secret": "third"}}),
    );
    let s = p
        .apply_resource(t, &Value::null(), &plan(&p, t, &Value::null(), &c).planned)
        .await
        .unwrap();
    let id: u64 = text(&s, "id").parse().unwrap();
    assert_eq!(peer.hook_secret(&full, id).await.as_deref(), Some("third"));
}

#[tokio::test]
async fn deploy_key_replaces_on_every_change() {
    let peer = peer().await;
    let repo = new_repo(&peer, "keys").await;
    let p = provider_for(&peer.api_url, fast_options(None)).await;
    let t = "github_repository_deploy_key";
    let key = ed25519_key("deploy@infra");
    let c1 = cfg(
        &p,
        t,
        json!({"repository": repo, "title": "ci", "key": key}),
    );
    let planned = plan(&p, t, &Value::null(), &c1);
    let state = p
        .apply_resource(t, &Value::null(), &planned.planned)
        .await
        .unwrap();
    assert_consistent(&planned.planned, &state, "create key");
    assert_eq!(
        attr(&state, "read_only"),
        Value::Bool(true),
        "read_only defaults to true"
    );
    assert_eq!(
        text(&state, "key"),
        key,
        "the configured key (with its comment) is kept"
    );
    assert_eq!(p.read_resource(t, &state).await.unwrap().unwrap(), state);
    assert_eq!(plan(&p, t, &state, &c1).planned, state);
    let imported = p.import_resource(t, &text(&state, "id")).await.unwrap();
    assert_eq!(
        plan(&p, t, &imported, &c1).planned,
        imported,
        "import then plan is empty"
    );
    // Any change replaces.
    let c2 = cfg(
        &p,
        t,
        json!({"repository": repo, "title": "ci-2", "key": key}),
    );
    let planned2 = plan(&p, t, &state, &c2);
    assert_eq!(
        planned2.requires_replace,
        vec![vec![infra_lang::PathStep::Attr("title".into())]]
    );
    p.apply_resource(t, &state, &Value::null()).await.unwrap();
    let new = p
        .apply_resource(t, &Value::null(), &plan(&p, t, &Value::null(), &c2).planned)
        .await
        .unwrap();
    assert_ne!(text(&new, "id"), text(&state, "id"));
    assert!(p.read_resource(t, &state).await.unwrap().is_none());
    p.apply_resource(t, &new, &Value::null()).await.unwrap();
}

#[tokio::test]
async fn refreshing_unchanged_objects_costs_no_rate_limit() {
    let peer = peer().await;
    let repo = new_repo(&peer, "etag").await;
    let full = format!("{OWNER}/{repo}");
    let p = provider_for(&peer.api_url, fast_options(None)).await;
    let t = "github_actions_variable";
    let c = cfg(
        &p,
        t,
        json!({"repository": repo, "variable_name": "E", "value": "1"}),
    );
    let state = p
        .apply_resource(t, &Value::null(), &plan(&p, t, &Value::null(), &c).planned)
        .await
        .unwrap();
    p.read_resource(t, &state).await.unwrap();
    peer.reset_stats(&full).await;
    assert_eq!(p.read_resource(t, &state).await.unwrap().unwrap(), state);
    let requests = peer.requests(&full).await;
    assert_eq!(requests.len(), 1, "{requests:?}");
    assert_eq!(
        requests[0].status,
        Some(304),
        "the refresh was not conditional: {requests:?}"
    );
    // A change comes back in full.
    peer.direct()
        .patch(
            &format!("/repos/{full}/actions/variables/E"),
            &json!({"value": "2"}),
        )
        .await;
    assert_eq!(
        text(&p.read_resource(t, &state).await.unwrap().unwrap(), "value"),
        "2"
    );
}

#[tokio::test]
async fn rate_limits_are_waited_out() {
    let peer = peer().await;
    let repo = new_repo(&peer, "limits").await;
    let full = format!("{OWNER}/{repo}");
    let p = provider_for(&peer.api_url, fast_options(None)).await;
    let t = "github_actions_variable";
    // Secondary rate limits (403 with retry-after) on a third of the requests.
    peer.set_faults(
        &full,
        GithubFaults {
            secondary_rate_limit_rate: 0.3,
            retry_after_secs: 1,
            seed: Some(3),
            ..GithubFaults::default()
        },
    )
    .await;
    for i in 0..4 {
        let c = cfg(
            &p,
            t,
            json!({"repository": repo, "variable_name": format!("S_{i}"), "value": "x"}),
        );
        p.apply_resource(t, &Value::null(), &plan(&p, t, &Value::null(), &c).planned)
            .await
            .unwrap_or_else(|e| panic!("under secondary rate limits: {e}"));
    }
    let stats = peer.stats(&full).await;
    assert!(
        stats
            .by_fault
            .get("secondary_rate_limit")
            .copied()
            .unwrap_or(0)
            > 0,
        "{stats:?}"
    );
    // The primary limit spent for two seconds: waited until `x-ratelimit-reset`.
    peer.set_faults(
        &full,
        GithubFaults {
            rate_limit: Some(3),
            rate_limit_window_secs: 2,
            ..GithubFaults::default()
        },
    )
    .await;
    for i in 0..3 {
        let c = cfg(
            &p,
            t,
            json!({"repository": repo, "variable_name": format!("P_{i}"), "value": "x"}),
        );
        p.apply_resource(t, &Value::null(), &plan(&p, t, &Value::null(), &c).planned)
            .await
            .unwrap_or_else(|e| panic!("under the primary rate limit: {e}"));
    }
    assert!(
        peer.stats(&full)
            .await
            .by_fault
            .get("rate_limit")
            .copied()
            .unwrap_or(0)
            > 0
    );
    peer.clear_faults(&full).await;
}

#[tokio::test]
async fn creates_under_faults_make_no_duplicates() {
    let peer = peer().await;
    let repo = new_repo(&peer, "faults").await;
    let full = format!("{OWNER}/{repo}");
    let mut options = fast_options(None);
    options.timeout = Some(Duration::from_secs(2));
    let p = Arc::new(provider_for(&peer.api_url, options).await);
    peer.set_faults(
        &full,
        GithubFaults {
            error_rate: 0.2,
            drop_rate: 0.1,
            timeout_rate: 0.05,
            timeout_secs: 3,
            seed: Some(17),
            ..GithubFaults::default()
        },
    )
    .await;
    let t = "github_repository_webhook";
    let mut tasks = tokio::task::JoinSet::new();
    let count = 24;
    for i in 0..count {
        let p = p.clone();
        let repo = repo.clone();
        tasks.spawn(async move {
            let c = cfg(&p, t, json!({"repository": repo, "events": ["push"], "configuration": {"url": format!("https://hooks.example.com/{i}"), "content_type": "json"}}));
            let planned = plan(&p, t, &Value::null(), &c);
            (i, planned.planned.clone(), p.apply_resource(t, &Value::null(), &planned.planned).await)
        });
    }
    let mut ids = std::collections::BTreeSet::new();
    let mut failures = Vec::new();
    while let Some(done) = tasks.join_next().await {
        let (i, planned, state) = done.unwrap();
        match state {
            Ok(s) => {
                assert_consistent(&planned, &s, &format!("hook {i}"));
                ids.insert(text(&s, "id"));
            }
            Err(e) => failures.push(format!("hook {i}: {e}")),
        }
    }
    peer.clear_faults(&full).await;
    assert!(
        peer.stats(&full).await.faults_injected > 0,
        "no fault was injected"
    );
    assert!(failures.is_empty(), "creates failed: {failures:#?}");
    let hooks = peer
        .direct()
        .get(&format!("/repos/{full}/hooks?per_page=100"))
        .await;
    let remote: std::collections::BTreeSet<String> = hooks
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].to_string())
        .collect();
    assert_eq!(
        remote.len(),
        count,
        "duplicates or losses: {} hooks for {count} creates",
        remote.len()
    );
    assert_eq!(remote, ids);
}

#[tokio::test]
async fn the_token_and_secrets_never_appear_in_errors_or_logs() {
    let peer = peer().await;
    let repo = new_repo(&peer, "canary").await;
    let (sink, lines) = capture();
    let p = provider_for(&peer.api_url, fast_options(Some(sink))).await;
    let secret_canary = "gh-canary-secret-value-41b7";
    // The engine registers every sensitive value it passes (see ARCHITECTURE.md).
    infra_providers::http::register_sensitive(secret_canary);
    let mut errors: Vec<ProviderError> = Vec::new();
    // A secret in a repository that does not exist; a refused webhook; a missing import; a
    // bad import ID; a protection of a missing branch.
    let t = "github_actions_secret";
    let c = cfg(
        &p,
        t,
        json!({"repository": "no-such-repo-x", "secret_name": "S", "value": secret_canary}),
    );
    errors.push(
        p.apply_resource(t, &Value::null(), &plan(&p, t, &Value::null(), &c).planned)
            .await
            .unwrap_err(),
    );
    let t = "github_repository_webhook";
    let c = cfg(
        &p,
        t,
        json!({"repository": repo, "events": ["push"], "configuration": {"url": "not a url", "content_type": "json", "secret": secret_canary}}),
    );
    errors.push(
        p.apply_resource(t, &Value::null(), &plan(&p, t, &Value::null(), &c).planned)
            .await
            .unwrap_err(),
    );
    errors.push(
        p.import_resource("github_actions_variable", &format!("{repo}:NOPE"))
            .await
            .unwrap_err(),
    );
    errors.push(
        p.import_resource("github_actions_variable", "no-colon")
            .await
            .unwrap_err(),
    );
    let t = "github_branch_protection";
    let c = cfg(
        &p,
        t,
        json!({"repository_id": repo, "pattern": "no-such-branch"}),
    );
    errors.push(
        p.apply_resource(t, &Value::null(), &plan(&p, t, &Value::null(), &c).planned)
            .await
            .unwrap_err(),
    );
    // Successful traffic too, with the secret in it.
    let t = "github_actions_secret";
    let c = cfg(
        &p,
        t,
        json!({"repository": repo, "secret_name": "CANARY", "value": secret_canary}),
    );
    p.apply_resource(t, &Value::null(), &plan(&p, t, &Value::null(), &c).planned)
        .await
        .unwrap();
    assert_eq!(
        peer.secret_plaintext(&format!("{OWNER}/{repo}"), "CANARY", None)
            .await,
        secret_canary
    );
    for e in &errors {
        let text = format!("{e} {e:?}");
        assert!(
            !text.contains(CANARY),
            "the token leaked into an error: {text}"
        );
        assert!(
            !text.contains(secret_canary),
            "a secret leaked into an error: {text}"
        );
    }
    assert!(
        errors[0].to_string().contains("Not Found") || errors[0].to_string().contains("404"),
        "{}",
        errors[0]
    );
    let log = lines.lock().unwrap().join("\n");
    assert!(log.contains("PUT"), "nothing was logged");
    assert!(!log.contains(CANARY), "the token leaked into the debug log");
    assert!(
        !log.contains(secret_canary),
        "a secret leaked into the debug log"
    );
    assert!(log.contains("authorization: (redacted)"), "{log}");
}

/// An imported secret has no value in state; with `ignore_changes = [value]` (the docs'
/// workaround) the engine proposes that null: the plan is then empty, not an error.
#[tokio::test]
async fn imported_secret_with_ignored_value_plans_no_change() {
    let peer = peer().await;
    let repo = new_repo(&peer, "imp-secret").await;
    let key = peer
        .api()
        .get(&format!("/repos/{OWNER}/{repo}/actions/secrets/public-key"))
        .await;
    let sealed = seal_for_github(key.body["key"].as_str().unwrap(), b"v").unwrap();
    peer.api()
        .put(
            &format!("/repos/{OWNER}/{repo}/actions/secrets/IMPORTED"),
            &json!({"encrypted_value": sealed, "key_id": key.body["key_id"]}),
        )
        .await;
    let p = provider_for(&peer.api_url, fast_options(None)).await;
    let t = "github_actions_secret";
    let imported = p
        .import_resource(t, &format!("{repo}:IMPORTED"))
        .await
        .expect("import");
    let proposed = cfg(
        &p,
        t,
        json!({"repository": repo, "secret_name": "IMPORTED"}),
    );
    let planned = plan(&p, t, &imported, &proposed);
    assert!(
        changed_attributes(&imported, &planned.planned).is_empty(),
        "{:?}",
        changed_attributes(&imported, &planned.planned)
    );
    // A new secret still needs a value.
    assert!(p.plan_resource(t, &Value::null(), &proposed).is_err());
}
