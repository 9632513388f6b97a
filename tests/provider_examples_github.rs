//! The official GitHub provider's own examples, run unchanged through the CLI against the
//! stateful GitHub fake behind Prism.
//!
//! The files are in `tests/provider_examples/github/<type>/`, copied byte for byte from
//! `integrations/terraform-provider-github` (MIT, `LICENSE` beside them; see the README there)
//! with their `MANIFEST.tsv` rows. Each file is its own root module, run in a directory of its
//! own as an organization of its own (`GITHUB_OWNER`), with a token of its own whose user is a
//! member of it (`GITHUB_TOKEN`; `GITHUB_BASE_URL` is Prism):
//!
//! 1. What a file refers to but does not create is made first through the fake's admin API or
//!    the GitHub API ([`prepare_site`]): the repository `example-repo` with the environment
//!    `example-environment` of the secret and variable examples, `test-repo` of the deploy
//!    key, the template `github/terraform-template-module`, the fork source
//!    `some-org/original-repository`, the users and teams the branch protection names.
//!    Variables the file uses without declaring are declared in an extra `variables.tf` and
//!    given as `TF_VAR_`s (`encrypted_value` is a real sealed box made with the public key of
//!    the repository or environment).
//! 2. `infra validate`, `infra plan`, `infra apply -auto-approve`, `infra plan
//!    -detailed-exitcode` (must be 0: no perpetual diff), `infra destroy -auto-approve`.
//! 3. Import examples. The object is built in the fake first (through the API), with the names
//!    of the import ID; a secret or variable name cannot contain `-` on GitHub, so the ID's
//!    placeholder `secret-name` / `variable-name` names `EXAMPLE_SECRET_NAME` /
//!    `EXAMPLE_VARIABLE_NAME` ([`IMPORT_NAMES`]), every other part is used as written. Next to
//!    the file goes `generated.tf`, the resource block `terraform plan -generate-config-out`
//!    would write for the object ([`generated_config`]; for a secret it ignores changes to
//!    `value`, the workaround the docs give, as GitHub never returns a secret).
//!    - `import-by-string-id.tf` and files with an `import {}` block: the plan must show
//!      `1 to import`, apply imports, the next plan is empty, destroy.
//!    - `import.sh`: `infra import ADDRESS ID` with the command's ID, then an empty plan,
//!      destroy.
//! 4. Files that must fail are in [`EXPECTED_FAILURES`] (exit code 1, an `Error:` line with
//!    the given text, no panic; the steps before must pass); files that need what infra does
//!    not build in are in [`SKIPPED`], one reason each.
//!
//! One test per type (nextest runs them in parallel); each prints a summary and fails listing
//! every failing file and step with the CLI output.

mod common;

use std::path::{Path, PathBuf};

use common::examples::*;
use common::{Ctx, Run};
use infra_fakes::harness::{seal_for_github, unique_repo_name, ApiClient, GithubPeer};
use serde_json::{json, Value};

/// Files run at the same time within one test.
const WORKERS: usize = 3;

/// What the plaintext secret examples set, and what the sealed `encrypted_value` holds.
const SECRET_VALUE: &str = "example-value";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/provider_examples/github")
}

// ---------------------------------------------------------------------------------------------
// What is not run, and what must fail
// ---------------------------------------------------------------------------------------------

/// Files not run: (type directory, file name or `prefix*`, reason).
const SKIPPED: &[(&str, &str, &str)] = &[(
    "github_repository",
    "data-source-example_1.tf",
    "the `github_repository` data source is not built in",
)];


/// Files that must fail: (type, file or `prefix*`, the step that fails, text the error must
/// contain, why).
const EXPECTED_FAILURES: &[(&str, &str, Step, &str, &str)] = &[
    (
        "github_repository_environment",
        "example_1.tf",
        Step::Apply,
        "was \"A Repository Project\", but now \"A-Repository-Project\"",
        "GitHub turns the repository name \"A Repository Project\" into \"A-Repository-Project\"; the official provider (SDKv2, inconsistencies tolerated) then stores the new name and plans a rename back on every plan; infra reports the inconsistency instead",
    ),
    (
        "github_branch_protection",
        "example_1.tf",
        Step::Validate,
        "does not support resource type \"github_team\"",
        "`github_team` and `github_team_repository` are not built in yet; beyond them the example cannot pass over REST: `force_push_bypassers` has no REST equivalent (a plan-time error), and REST names actors and repositories by login, slug and name, not by the GraphQL node IDs the example uses",
    ),
];


fn skip_reason(ty: &str, file: &str) -> Option<&'static str> {
    SKIPPED
        .iter()
        .find(|(t, f, _)| *t == ty && matches(f, file))
        .map(|(_, _, r)| *r)
}

fn expected_failure(ty: &str, file: &str) -> Option<(Step, &'static str)> {
    EXPECTED_FAILURES
        .iter()
        .find(|(t, f, ..)| *t == ty && matches(f, file))
        .map(|(_, _, s, e, _)| (*s, *e))
}

// ---------------------------------------------------------------------------------------------
// The site: an organization, a token, and what the file refers to
// ---------------------------------------------------------------------------------------------

/// The shared peer and a runtime for its admin calls.
struct Peer {
    rt: tokio::runtime::Runtime,
    peer: GithubPeer,
}

/// Everything one file runs against.
struct Site {
    /// The organization (`GITHUB_OWNER`).
    org: String,
    /// The token (`GITHUB_TOKEN`); it acts as `user`, a member of `org`.
    token: String,
    /// `TF_VAR_`s.
    vars: Vec<(String, String)>,
}

impl Peer {
    fn start() -> Peer {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let peer = rt.block_on(GithubPeer::start());
        Peer { rt, peer }
    }

    /// A client of the API (through Prism) acting as `token`.
    fn api(&self, token: &str) -> ApiClient {
        self.peer.api().with_token(token)
    }

    /// An organization and a token of its own.
    fn site(&self, ty: &str) -> Site {
        let org = unique_repo_name(&format!(
            "pe-{}",
            ty.trim_start_matches("github_").replace('_', "-")
        ));
        let user = format!("{org}-user");
        let token = format!("token-{org}");
        self.rt.block_on(async {
            self.peer.new_user_with_token(&user, &token).await;
            self.peer.new_org(&org, &[&user]).await;
        });
        Site {
            org,
            token,
            vars: Vec::new(),
        }
    }

    /// An admin call that may find its object already there (names shared by every run
    /// against the same fake, as the template repository): 400 "exists" is fine.
    fn admin_tolerant(&self, path: &str, body: Value) -> Result<(), String> {
        let r = self
            .rt
            .block_on(self.peer.direct().post(&format!("/__fake{path}"), &body));
        if (200..300).contains(&r.status)
            || (r.status == 400 && (r.text.contains("exist") || r.text.contains("already")))
        {
            Ok(())
        } else {
            Err(format!("admin POST {path}: {r}"))
        }
    }

    /// A GitHub API call that must succeed (2xx).
    fn call(
        &self,
        site: &Site,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, String> {
        let api = self.api(&site.token);
        let r = self.rt.block_on(async {
            match (method, body) {
                ("GET", _) => api.get(path).await,
                ("PUT", b) => api.put(path, &b.unwrap_or(json!({}))).await,
                ("POST", b) => api.post(path, &b.unwrap_or(json!({}))).await,
                (m, _) => panic!("method {m}"),
            }
        });
        if (200..300).contains(&r.status) {
            Ok(r.body)
        } else {
            Err(format!("preparing: {r}"))
        }
    }

    /// A sealed box of [`SECRET_VALUE`] for the repository's (or environment's) public key.
    fn sealed(
        &self,
        site: &Site,
        repo: &str,
        environment: Option<&str>,
    ) -> Result<(String, String), String> {
        let path = match environment {
            None => format!("/repos/{}/{repo}/actions/secrets/public-key", site.org),
            Some(env) => format!(
                "/repos/{}/{repo}/environments/{env}/secrets/public-key",
                site.org
            ),
        };
        let key = self.call(site, "GET", &path, None)?;
        let sealed = seal_for_github(
            key["key"].as_str().unwrap_or_default(),
            SECRET_VALUE.as_bytes(),
        )?;
        Ok((
            key["key_id"].as_str().unwrap_or_default().to_string(),
            sealed,
        ))
    }

    fn new_repo(&self, site: &Site, name: &str) {
        self.rt.block_on(self.peer.new_repo(&site.org, name));
    }

    fn new_environment(&self, site: &Site, repo: &str, env: &str) -> Result<(), String> {
        self.call(
            site,
            "PUT",
            &format!("/repos/{}/{repo}/environments/{env}", site.org),
            Some(json!({})),
        )
        .map(|_| ())
    }
}

/// The names an import ID's placeholders stand for (GitHub refuses `-` in secret and variable
/// names); other parts name objects as written.
const IMPORT_NAMES: &[(&str, &str)] = &[
    ("secret-name", "EXAMPLE_SECRET_NAME"),
    ("variable-name", "EXAMPLE_VARIABLE_NAME"),
];

fn import_id(raw: &str) -> String {
    raw.split(':')
        .map(|p| {
            IMPORT_NAMES
                .iter()
                .find(|(k, _)| *k == p)
                .map(|(_, v)| *v)
                .unwrap_or(p)
        })
        .collect::<Vec<_>>()
        .join(":")
}

/// Makes what `file` of `ty` refers to without creating it.
fn prepare_site(peer: &Peer, ty: &str, file: &str, site: &mut Site) -> Result<(), String> {
    match ty {
        "github_actions_secret" | "github_actions_environment_secret" | "github_actions_variable" | "github_actions_environment_variable" => {
            if is_import(ty, file) {
                return Ok(());
            }
            peer.new_repo(site, "example-repo");
            let env = ty.contains("environment").then_some("example-environment");
            if let Some(env) = env {
                peer.new_environment(site, "example-repo", env)?;
            }
            if file == "resource_2.tf" {
                let (_, sealed) = peer.sealed(site, "example-repo", env)?;
                site.vars.push(("encrypted_value".into(), sealed));
            }
        }
        "github_repository_deploy_key" => peer.new_repo(site, "test-repo"),
        "github_repository" => match file {
            "example_1.tf" => peer.admin_tolerant(
                "/repos",
                json!({"owner": "github", "name": "terraform-template-module", "is_template": true, "branches": ["main", "develop"]}),
            )?,
            "example_2.tf" => peer.admin_tolerant("/repos", json!({"owner": "some-org", "name": "original-repository"}))?,
            _ => {}
        },
        "github_branch_protection" => {
            peer.admin_tolerant("/users", json!({"login": "example"}))?;
            peer.admin_tolerant("/users", json!({"login": "exampleuser"}))?;
            peer.admin_tolerant("/orgs", json!({"login": "exampleorganization"}))?;
            peer.admin_tolerant("/teams", json!({"org": "exampleorganization", "name": "exampleteam"}))?;
        }
        _ => {}
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Imports
// ---------------------------------------------------------------------------------------------

fn is_import(ty: &str, file: &str) -> bool {
    file == "import.sh"
        || std::fs::read_to_string(root().join(ty).join(file)).is_ok_and(|t| t.contains("import {"))
}

/// The resource block `-generate-config-out` would write for the object an import ID names.
fn generated_config(ty: &str, id: &str) -> Result<String, String> {
    let p: Vec<&str> = id.split(':').collect();
    let secret_note = "  # GitHub never returns a secret: the docs' workaround for imported secrets.\n  lifecycle {\n    ignore_changes = [value]\n  }\n";
    Ok(match (ty, p.as_slice()) {
        ("github_actions_secret", [repo, name]) => format!(
            "resource \"github_actions_secret\" \"example\" {{\n  repository  = \"{repo}\"\n  secret_name = \"{name}\"\n  value       = \"{SECRET_VALUE}\"\n\n{secret_note}}}\n"
        ),
        ("github_actions_environment_secret", [repo, env, name]) => format!(
            "resource \"github_actions_environment_secret\" \"example\" {{\n  repository  = \"{repo}\"\n  environment = \"{env}\"\n  secret_name = \"{name}\"\n  value       = \"{SECRET_VALUE}\"\n\n{secret_note}}}\n"
        ),
        ("github_actions_variable", [repo, name]) => format!(
            "resource \"github_actions_variable\" \"example\" {{\n  repository    = \"{repo}\"\n  variable_name = \"{name}\"\n  value         = \"{SECRET_VALUE}\"\n}}\n"
        ),
        ("github_actions_environment_variable", [repo, env, name]) => format!(
            "resource \"github_actions_environment_variable\" \"example\" {{\n  repository    = \"{repo}\"\n  environment   = \"{env}\"\n  variable_name = \"{name}\"\n  value         = \"{SECRET_VALUE}\"\n}}\n"
        ),
        ("github_repository_environment", [repo, env]) => format!(
            "resource \"github_repository_environment\" \"example\" {{\n  repository  = \"{repo}\"\n  environment = \"{env}\"\n}}\n"
        ),
        _ => return Err(format!("no generated configuration for {ty} with ID {id:?}")),
    })
}

/// Builds the object an import ID names, through the API.
fn build_imported(peer: &Peer, site: &Site, ty: &str, id: &str) -> Result<(), String> {
    let p: Vec<&str> = id.split(':').collect();
    let org = &site.org;
    match (ty, p.as_slice()) {
        ("github_actions_secret", [repo, name]) => {
            peer.new_repo(site, repo);
            let (key_id, sealed) = peer.sealed(site, repo, None)?;
            peer.call(
                site,
                "PUT",
                &format!("/repos/{org}/{repo}/actions/secrets/{name}"),
                Some(json!({"encrypted_value": sealed, "key_id": key_id})),
            )?;
        }
        ("github_actions_environment_secret", [repo, env, name]) => {
            peer.new_repo(site, repo);
            peer.new_environment(site, repo, env)?;
            let (key_id, sealed) = peer.sealed(site, repo, Some(env))?;
            peer.call(
                site,
                "PUT",
                &format!("/repos/{org}/{repo}/environments/{env}/secrets/{name}"),
                Some(json!({"encrypted_value": sealed, "key_id": key_id})),
            )?;
        }
        ("github_actions_variable", [repo, name]) => {
            peer.new_repo(site, repo);
            peer.call(
                site,
                "POST",
                &format!("/repos/{org}/{repo}/actions/variables"),
                Some(json!({"name": name, "value": SECRET_VALUE})),
            )?;
        }
        ("github_actions_environment_variable", [repo, env, name]) => {
            peer.new_repo(site, repo);
            peer.new_environment(site, repo, env)?;
            peer.call(
                site,
                "POST",
                &format!("/repos/{org}/{repo}/environments/{env}/variables"),
                Some(json!({"name": name, "value": SECRET_VALUE})),
            )?;
        }
        ("github_repository_environment", [repo, env]) => {
            peer.new_repo(site, repo);
            peer.new_environment(site, repo, env)?;
        }
        _ => return Err(format!("cannot build {ty} {id:?}")),
    }
    Ok(())
}

/// The import ID of an `import {}` block (`id = "..."`) or of an `import.sh` command (its last
/// word), and the target address.
fn import_target(text: &str, sh: bool) -> Option<(String, String)> {
    if sh {
        let words: Vec<&str> = text.split_whitespace().collect();
        let i = words.iter().position(|w| *w == "import")?;
        return Some((
            words.get(i + 1)?.to_string(),
            words.get(i + 2)?.trim_matches('\'').to_string(),
        ));
    }
    let field = |name: &str| {
        text.lines().find_map(|l| {
            let (k, v) = l.split_once('=')?;
            (k.trim() == name).then(|| v.trim().trim_matches('"').to_string())
        })
    };
    Some((field("to")?, field("id")?))
}

// ---------------------------------------------------------------------------------------------
// Running
// ---------------------------------------------------------------------------------------------

/// One working directory with the environment the files need.
struct Workdir<'a> {
    ctx: Ctx,
    site: &'a Site,
    api_url: &'a str,
}

impl Workdir<'_> {
    fn run(&self, args: &[&str]) -> Run {
        let mut c = self.ctx.cmd(args);
        c.env("GITHUB_TOKEN", &self.site.token)
            .env("GITHUB_OWNER", &self.site.org)
            .env("GITHUB_BASE_URL", format!("{}/", self.api_url))
            .env_remove("GITHUB_ORGANIZATION")
            .env_remove("GITHUB_APP_ID")
            .env_remove("GITHUB_APP_PEM_FILE");
        for (k, v) in &self.site.vars {
            c.env(format!("TF_VAR_{k}"), v);
        }
        Run::from(c.output().expect("run infra"))
    }
}







/// validate, plan, apply, an empty plan, destroy; or the expected failure. `plan_must_show`:
/// text the first plan must print.
fn run_config(
    w: &Workdir,
    expect_fail: Option<(Step, &str)>,
    plan_must_show: Option<&str>,
) -> Result<(), String> {
    let steps = [
        (Step::Validate, VALIDATE),
        (Step::Plan, PLAN),
        (Step::Apply, APPLY),
    ];
    for (step, args) in steps {
        let r = w.run(args);
        match expect_fail {
            Some((s, text)) if s == step => {
                if !is_clear_error(&r) {
                    let _ = w.run(DESTROY);
                    return Err(failure(
                        args,
                        "expected a clear error (exit 1, an `Error:` line, no panic)",
                        &r,
                    ));
                }
                if !r.stderr.contains(text) {
                    let _ = w.run(DESTROY);
                    return Err(failure(args, &format!("the error should say {text:?}"), &r));
                }
                if step == Step::Apply {
                    let d = w.run(DESTROY);
                    if d.code != 0 {
                        return Err(failure(
                            DESTROY,
                            "cleanup after the expected failure failed",
                            &d,
                        ));
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
                if let (Step::Plan, Some(want)) = (step, plan_must_show) {
                    if !r.stdout.contains(want) {
                        return Err(failure(args, &format!("the plan should show {want:?}"), &r));
                    }
                }
            }
        }
    }
    let r = w.run(CONVERGED);
    if r.code != 0 {
        let _ = w.run(DESTROY);
        return Err(failure(
            CONVERGED,
            "a plan right after apply must be empty (exit 0)",
            &r,
        ));
    }
    let r = w.run(DESTROY);
    if r.code != 0 {
        return Err(failure(DESTROY, "failed", &r));
    }
    Ok(())
}

/// `import.sh`: the object is built, `infra import` adopts it with the command's ID, the next
/// plan is empty, destroy.
fn run_import_command(w: &Workdir, addr: &str, id: &str) -> Result<(), String> {
    let args = ["import", "-no-color", "-input=false", addr, id];
    let r = w.run(&args);
    let result = if r.code != 0 || !r.stdout.contains("Import successful!") {
        Err(failure(
            &args,
            "the import ID format of import.sh must be accepted",
            &r,
        ))
    } else {
        let r = w.run(CONVERGED);
        if r.code != 0 {
            Err(failure(
                CONVERGED,
                "a plan right after import must be empty (exit 0)",
                &r,
            ))
        } else {
            Ok(())
        }
    };
    let d = w.run(DESTROY);
    result?;
    if d.code != 0 {
        return Err(failure(DESTROY, "failed", &d));
    }
    Ok(())
}

/// `variable "x" {}` for each variable the MANIFEST says the file uses without declaring.
fn undeclared_vars(ty: &str, file: &str) -> Option<String> {
    let manifest = std::fs::read_to_string(root().join("MANIFEST.tsv")).expect("MANIFEST.tsv");
    let notes = manifest.lines().skip(1).find_map(|l| {
        let c: Vec<&str> = l.split('\t').collect();
        (c.len() >= 6 && c[1] == ty && c[2] == file).then(|| c[5].to_string())
    })?;
    let decls: String = notes
        .split('|')
        .filter_map(|n| n.trim().strip_prefix("undeclared-vars:"))
        .flat_map(|v| v.split(',').map(|s| s.trim().to_string()))
        .filter(|v| !v.is_empty())
        .map(|v| format!("variable \"{v}\" {{}}\n"))
        .collect();
    (!decls.is_empty()).then_some(decls)
}

fn run_file(ty: &str, file: &str, peer: &Peer) -> Outcome {
    if let Some(reason) = skip_reason(ty, file) {
        return Outcome::Skipped(reason);
    }
    let mut site = peer.site(ty);
    if let Err(e) = prepare_site(peer, ty, file, &mut site) {
        return Outcome::Failed(e);
    }
    let text = match std::fs::read_to_string(root().join(ty).join(file)) {
        Ok(t) => t,
        Err(e) => return Outcome::Failed(e.to_string()),
    };
    let w = Workdir {
        ctx: Ctx::new(),
        site: &site,
        api_url: &peer.peer.api_url,
    };
    let result = if is_import(ty, file) {
        (|| {
            let sh = file == "import.sh";
            let (addr, raw_id) = import_target(&text, sh)
                .ok_or_else(|| format!("no import target and ID in {file}"))?;
            let id = import_id(&raw_id);
            build_imported(peer, &site, ty, &id)?;
            w.ctx.write("generated.tf", &generated_config(ty, &id)?);
            if sh {
                run_import_command(&w, &addr, &id)
            } else {
                w.ctx.write("main.tf", &text.replace(&raw_id, &id));
                run_config(&w, None, Some("1 to import"))
            }
        })()
    } else {
        w.ctx.write("main.tf", &text);
        if let Some(v) = undeclared_vars(ty, file) {
            w.ctx.write("variables.tf", &v);
        }
        run_config(&w, expected_failure(ty, file), None)
    };
    match result {
        Ok(()) if expected_failure(ty, file).is_some() => Outcome::ExpectedFailure,
        Ok(()) => Outcome::Passed,
        Err(e) => Outcome::Failed(format!("{e}\n  configuration:\n{}", indent(&text))),
    }
}


/// Runs every file of `ty`, prints the summary, and fails on any failure or when fewer than
/// `min_passed` files pass.
fn run_type(ty: &str, min_passed: usize) {
    let started = std::time::Instant::now();
    let peer = Peer::start();
    let files = files_of(&root().join(ty));
    assert!(!files.is_empty(), "no files for {ty}");
    let results = run_files(&files, WORKERS, |file| run_file(ty, file, &peer));
    let how = if peer.peer.via_prism { "through Prism" } else { "against the fake directly (no Prism)" };
    report(ty, &results, Vec::new(), min_passed, started.elapsed(), how);
}


#[test]
fn repository() {
    run_type("github_repository", 2);
}

#[test]
fn branch_protection() {
    run_type("github_branch_protection", 0);
}

#[test]
fn repository_ruleset() {
    run_type("github_repository_ruleset", 1);
}

#[test]
fn actions_secret() {
    run_type("github_actions_secret", 5);
}

#[test]
fn actions_environment_secret() {
    run_type("github_actions_environment_secret", 5);
}

#[test]
fn actions_variable() {
    run_type("github_actions_variable", 3);
}

#[test]
fn actions_environment_variable() {
    run_type("github_actions_environment_variable", 3);
}

#[test]
fn repository_environment() {
    run_type("github_repository_environment", 1);
}

#[test]
fn repository_webhook() {
    run_type("github_repository_webhook", 1);
}

#[test]
fn repository_deploy_key() {
    run_type("github_repository_deploy_key", 1);
}

#[test]
fn import_ids_and_targets() {
    assert_eq!(
        import_id("repo-name:environment-name:secret-name"),
        "repo-name:environment-name:EXAMPLE_SECRET_NAME"
    );
    assert_eq!(import_id("myrepo:myenv"), "myrepo:myenv");
    assert_eq!(
        import_target(
            "terraform import github_actions_variable.example repo-name:variable-name\n",
            true
        ),
        Some((
            "github_actions_variable.example".into(),
            "repo-name:variable-name".into()
        ))
    );
    assert_eq!(
        import_target(
            "import {\n  to = github_repository_environment.example\n  id = \"myrepo:myenv\"\n}\n",
            false
        ),
        Some((
            "github_repository_environment.example".into(),
            "myrepo:myenv".into()
        ))
    );
}
