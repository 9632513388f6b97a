//! `infra comment`: the plan posted to a pull request on the GitHub fake (through Prism with
//! GitHub's official description) — one comment per root, updated in place on the next run.

mod common;

use common::*;
use infra_fakes::harness::{unique_repo_name, GithubPeer, GITHUB_TEST_ORG};
use serde_json::Value;

const TOKEN: &str = "CANARY-gh-token-51c0";

struct Pr {
    rt: tokio::runtime::Runtime,
    peer: GithubPeer,
    repo: String,
    number: u64,
}

impl Pr {
    fn new() -> Pr {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let peer = rt.block_on(GithubPeer::start());
        let name = unique_repo_name("comment");
        rt.block_on(peer.new_repo(GITHUB_TEST_ORG, &name));
        let pull = rt.block_on(peer.new_pull(GITHUB_TEST_ORG, &name, "feature", "main", "Add DNS"));
        let number = pull["number"].as_u64().expect("pull number");
        Pr { rt, peer, repo: format!("{GITHUB_TEST_ORG}/{name}"), number }
    }

    /// `infra comment tfplan` in `ctx`, as GitHub Actions would run it.
    fn comment(&self, ctx: &Ctx, extra: &[&str]) -> Run {
        let event = ctx.path().join("event.json");
        std::fs::write(&event, serde_json::json!({"pull_request": {"number": self.number}}).to_string()).unwrap();
        let mut args = vec!["comment", "tfplan"];
        args.extend_from_slice(extra);
        let mut c = ctx.cmd(&args);
        c.env("GITHUB_REPOSITORY", &self.repo)
            .env("GITHUB_EVENT_PATH", &event)
            .env("GITHUB_TOKEN", TOKEN)
            .env("GITHUB_API_URL", &self.peer.api_url)
            .env("GITHUB_WORKSPACE", ctx.path().parent().unwrap())
            .env("INFRA_LOG", "debug");
        Run::from(c.output().unwrap())
    }

    fn comments(&self) -> Vec<Value> {
        let r = self.rt.block_on(self.peer.direct().get(&format!("/repos/{}/issues/{}/comments?per_page=100", self.repo, self.number)));
        assert_eq!(r.status, 200, "{r}");
        r.body.as_array().cloned().unwrap_or_default()
    }
}

fn planned(ctx: &Ctx, config: &str) {
    ctx.write("main.tf", config);
    let r = ctx.run(&["plan", "-out=tfplan", "-no-color"]);
    assert_eq!(r.code, 0, "{}", r.text());
}

#[test]
fn one_comment_per_root_updated_in_place() {
    let pr = Pr::new();
    let root = Ctx::new();
    planned(&root, "resource \"null_resource\" \"a\" {}\n");
    let first = pr.comment(&root, &[]);
    assert_eq!(first.code, 0, "{}", first.text());
    assert!(first.stdout.contains(&format!("Posted the plan to {}#{}", pr.repo, pr.number)), "{}", first.stdout);
    let comments = pr.comments();
    assert_eq!(comments.len(), 1, "{comments:#?}");
    let body = comments[0]["body"].as_str().unwrap();
    assert!(body.starts_with("<!-- infra-plan: dir=") && body.contains("1 to add"), "{body}");
    let id = comments[0]["id"].as_u64().unwrap();

    // The next push: a different plan, the same comment, updated.
    planned(&root, "resource \"null_resource\" \"a\" {}\nresource \"null_resource\" \"b\" {}\n");
    let second = pr.comment(&root, &[]);
    assert_eq!(second.code, 0, "{}", second.text());
    assert!(second.stdout.contains("Updated the plan comment"), "{}", second.stdout);
    let comments = pr.comments();
    assert_eq!(comments.len(), 1, "{comments:#?}");
    assert_eq!(comments[0]["id"].as_u64(), Some(id));
    assert!(comments[0]["body"].as_str().unwrap().contains("2 to add"), "{:#?}", comments[0]);

    // Another root of the same repository gets a comment of its own.
    let other = Ctx::new();
    planned(&other, "resource \"null_resource\" \"c\" {}\n");
    assert_eq!(pr.comment(&other, &[]).code, 0);
    assert_eq!(pr.comments().len(), 2);
    assert_eq!(pr.comment(&other, &[]).code, 0);
    assert_eq!(pr.comments().len(), 2, "the second root's comment is updated, not duplicated");

    // No changes with -delete-if-no-changes: the root's comment goes away.
    let state_ctx = &root;
    assert_eq!(state_ctx.run(&["apply", "-auto-approve"]).code, 0);
    planned(state_ctx, "resource \"null_resource\" \"a\" {}\nresource \"null_resource\" \"b\" {}\n");
    let gone = pr.comment(state_ctx, &["-delete-if-no-changes"]);
    assert!(gone.stdout.contains("deleted the earlier plan comment"), "{}", gone.text());
    assert_eq!(pr.comments().len(), 1);
    // The token never shows, even in debug logs.
    for r in [&first, &second, &gone] {
        assert!(!r.all().contains(TOKEN), "{}", r.all());
    }
}

#[test]
fn sensitive_values_never_reach_the_comment() {
    const SECRET: &str = "CANARY-comment-secret-77";
    let pr = Pr::new();
    let ctx = Ctx::new();
    planned(&ctx, &format!("variable \"s\" {{\n  default   = \"{SECRET}\"\n  sensitive = true\n}}\nresource \"terraform_data\" \"d\" {{\n  input = var.s\n}}\noutput \"o\" {{\n  value     = var.s\n  sensitive = true\n}}\n"));
    let r = pr.comment(&ctx, &[]);
    assert_eq!(r.code, 0, "{}", r.text());
    let body = pr.comments()[0]["body"].as_str().unwrap().to_string();
    assert!(body.contains("terraform_data.d") && !body.contains(SECRET), "{body}");
    assert!(!r.all().contains(SECRET));
}

#[test]
fn outside_a_pull_request_the_error_says_what_is_missing() {
    let ctx = Ctx::new();
    planned(&ctx, "resource \"null_resource\" \"a\" {}\n");
    let r = ctx.run(&["comment", "tfplan", "-repo=o/r"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("no pull request: pass -pr=N"), "{}", r.text());
}

/// `examples/github-repo` applies against the fake, converges, and the secret decrypts in the
/// fake to exactly the value given, while the state holds only its salted hash.
#[test]
fn github_repo_example_applies_and_secrets_stay_sealed() {
    const SECRET: &str = "CANARY-deploy-token-0d9e";
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let peer = rt.block_on(GithubPeer::start());
    // The organization the example's repository goes into (an isolated run may not have it yet).
    rt.block_on(peer.new_org(GITHUB_TEST_ORG, &[]));
    let name = unique_repo_name("example");
    let ctx = Ctx::new();
    ctx.write("main.tf", &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/github-repo/main.tf")).unwrap());
    let run = |args: &[&str]| {
        let mut c = ctx.cmd(args);
        c.env("GITHUB_BASE_URL", format!("{}/", peer.api_url))
            .env("GITHUB_TOKEN", TOKEN)
            .env("GITHUB_OWNER", GITHUB_TEST_ORG)
            .env("TF_VAR_repository", &name)
            .env("TF_VAR_deploy_token", SECRET);
        Run::from(c.output().unwrap())
    };
    let apply = run(&["apply", "-auto-approve", "-no-color"]);
    assert_eq!(apply.code, 0, "{}", apply.text());
    assert!(apply.stdout.contains("Apply complete! Resources: 7 added"), "{}", apply.stdout);
    let repo = format!("{GITHUB_TEST_ORG}/{name}");
    assert_eq!(rt.block_on(peer.secret_plaintext(&repo, "DEPLOY_TOKEN", None)), SECRET);
    assert_eq!(rt.block_on(peer.secret_plaintext(&repo, "PROD_DEPLOY_TOKEN", Some("production"))), SECRET);
    let plan = run(&["plan", "-detailed-exitcode", "-no-color", "-out=tfplan"]);
    assert_eq!(plan.code, 0, "{}", plan.text());
    // A saved plan holds neither the secret attributes (sealed: hashed_in_state) nor the
    // sensitive variable they come from (sealed: given again at apply).
    let saved = std::fs::read_to_string(ctx.path().join("tfplan")).unwrap();
    assert!(!saved.contains(SECRET) && saved.contains("\"sealed\""), "{saved}");
    let state = ctx.read("terraform.tfstate");
    assert!(!state.contains(SECRET) && state.contains("$infra-sha256$"), "{state}");
    assert!(!apply.all().contains(SECRET) && !apply.all().contains(TOKEN));
}

/// `-labels`: `infra:destroy` while a root's plan destroys, `infra:no-changes` only while every
/// root's plan is empty; one root's run never removes a label another root's plan needs, and
/// labels infra does not manage are left alone.
#[test]
fn labels_follow_the_plans_of_every_root() {
    let pr = Pr::new();
    let labels = || -> Vec<String> {
        let r = pr.rt.block_on(pr.peer.direct().get(&format!("/repos/{}/issues/{}/labels", pr.repo, pr.number)));
        assert_eq!(r.status, 200, "{r}");
        let mut names: Vec<String> = r.body.as_array().unwrap().iter().map(|l| l["name"].as_str().unwrap().to_string()).collect();
        names.sort();
        names
    };
    // A label of the team's own, which infra must keep.
    let added = pr.rt.block_on(pr.peer.direct().post(&format!("/repos/{}/issues/{}/labels", pr.repo, pr.number), &serde_json::json!({"labels": ["needs-review"]})));
    assert_eq!(added.status, 200, "{added}");

    // Root A: applied, then a plan that destroys.
    let a = Ctx::new();
    a.write("main.tf", "resource \"null_resource\" \"a\" {}\n");
    assert_eq!(a.run(&["apply", "-auto-approve"]).code, 0);
    planned(&a, "# nothing left\n");
    let r = pr.comment(&a, &["-labels"]);
    assert_eq!(r.code, 0, "{}", r.text());
    assert!(r.stdout.contains("Labelled") && r.stdout.contains("infra:destroy"), "{}", r.stdout);
    assert_eq!(labels(), ["infra:destroy", "needs-review"]);
    // The repository label was created with infra's colour and description.
    let label = pr.rt.block_on(pr.peer.direct().get(&format!("/repos/{}/labels/infra:destroy", pr.repo)));
    assert_eq!(label.status, 200, "{label}");
    assert_eq!(label.body["color"], "d73a4a");

    // Root B has no changes: infra:destroy stays (root A still destroys), no infra:no-changes.
    let b = Ctx::new();
    planned(&b, "# empty root\n");
    let r = pr.comment(&b, &["-labels"]);
    assert_eq!(r.code, 0, "{}", r.text());
    assert_eq!(labels(), ["infra:destroy", "needs-review"]);

    // Root A's next push keeps its resource: now every root is quiet.
    planned(&a, "resource \"null_resource\" \"a\" {}\n");
    let r = pr.comment(&a, &["-labels"]);
    assert_eq!(r.code, 0, "{}", r.text());
    assert!(r.stdout.contains("Removed from") && r.stdout.contains("infra:destroy"), "{}", r.stdout);
    assert_eq!(labels(), ["infra:no-changes", "needs-review"]);

    // Root B now adds something: no-changes goes, and running twice changes nothing more.
    planned(&b, "resource \"null_resource\" \"b\" {}\n");
    assert_eq!(pr.comment(&b, &["-labels"]).code, 0);
    assert_eq!(labels(), ["needs-review"]);
    let again = pr.comment(&b, &["-labels"]);
    assert_eq!(again.code, 0, "{}", again.text());
    assert!(!again.stdout.contains("Labelled") && !again.stdout.contains("Removed"), "{}", again.stdout);
    assert_eq!(pr.comments().len(), 2);
    assert!(!again.all().contains(TOKEN));
}
