//! End-to-end tests of the `infra` binary: each test runs the CLI in a fresh temp directory and
//! checks what a user reads (exit code, stdout, stderr) and what lands on disk.

mod common;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::Ctx;
use serde_json::Value;

// ---------------------------------------------------------------------------------------------
// helpers

/// Addresses the JSON plan (`plan -json`) would change (any action but no-op / read).
fn changed_addresses(plan_json: &str) -> BTreeSet<String> {
    let v: Value = serde_json::from_str(plan_json).unwrap_or_else(|e| panic!("plan -json is not JSON: {e}\n{plan_json}"));
    v["resource_changes"]
        .as_array()
        .expect("resource_changes array")
        .iter()
        .filter(|rc| {
            let actions: Vec<&str> = rc["change"]["actions"].as_array().unwrap().iter().map(|a| a.as_str().unwrap()).collect();
            actions != ["no-op"] && actions != ["read"]
        })
        .map(|rc| rc["address"].as_str().unwrap().to_string())
        .collect()
}

/// Addresses named in the text plan's `# ADDR will be ... / must be ...` headers.
fn text_plan_addresses(plan: &str) -> BTreeSet<String> {
    plan.lines()
        .filter_map(|l| l.trim_start().strip_prefix("# "))
        .filter(|l| l.contains(" will be ") || l.contains(" must be ") || l.contains(" has moved to "))
        .map(|l| l.split(' ').next().unwrap().to_string())
        .collect()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

// ---------------------------------------------------------------------------------------------
// 1. apply, then no changes; one variable changes exactly the instances that use it

#[test]
fn apply_then_plan_is_clean_and_var_change_hits_exact_instances() {
    let ctx = Ctx::with_fixture("vars");
    let out = ctx.ok(&["apply", "-auto-approve", "-input=false"]);
    assert!(out.contains("Apply complete! Resources: 5 added, 0 changed, 0 destroyed."), "{out}");

    let r = ctx.run(&["plan", "-detailed-exitcode"]);
    assert_eq!(r.code, 0, "{}", r.text());
    assert!(r.stdout.contains("No changes."), "{}", r.text());
    assert!(r.stderr.is_empty(), "{}", r.text());

    let r = ctx.run(&["plan", "-detailed-exitcode", "-var", "env=prod"]);
    assert_eq!(r.code, 2, "{}", r.text());
    assert_eq!(text_plan_addresses(&r.stdout), set(&["null_resource.x", "terraform_data.z"]), "{}", r.stdout);
    assert!(r.stdout.contains("# null_resource.x must be replaced"), "{}", r.stdout);
    assert!(r.stdout.contains("# terraform_data.z will be updated in-place"), "{}", r.stdout);
    assert!(r.stdout.contains("Plan: 1 to add, 1 to change, 1 to destroy."), "{}", r.stdout);

    let r = ctx.run(&["plan", "-json", "-var=env=prod"]);
    assert_eq!(r.code, 0, "{}", r.text());
    assert_eq!(changed_addresses(&r.stdout), set(&["null_resource.x", "terraform_data.z"]));

    // -var-file gives the same answer.
    ctx.write("prod.tfvars", "env = \"prod\"\n");
    let r = ctx.run(&["plan", "-json", "-var-file=prod.tfvars"]);
    assert_eq!(changed_addresses(&r.stdout), set(&["null_resource.x", "terraform_data.z"]), "{}", r.text());
}

// ---------------------------------------------------------------------------------------------
// 2. text plan snapshots: apply fixtures/plan/CASE/v1 (if any), switch to v2, snapshot the plan

fn plan_case_snap(case: &str, extra: &[&str]) -> common::Run {
    let ctx = Ctx::new();
    if common::fixtures().join("plan").join(case).join("v1").exists() {
        ctx.copy_fixture(&format!("plan/{case}/v1"));
        ctx.ok(&["apply", "-auto-approve"]);
    }
    ctx.copy_fixture(&format!("plan/{case}/v2"));
    let mut args = vec!["plan", "-detailed-exitcode"];
    args.extend_from_slice(extra);
    infra_snapshot!(&format!("plan_{case}"), ctx, &args)
}

#[test]
fn plan_create() {
    let r = plan_case_snap("create", &[]);
    assert_eq!(r.code, 2);
    assert_eq!(text_plan_addresses(&r.stdout), set(&["null_resource.a", "random_string.c", "terraform_data.b"]));
}

#[test]
fn plan_update_in_place() {
    let r = plan_case_snap("update", &[]);
    assert_eq!(r.code, 2);
    assert!(r.stdout.contains("# terraform_data.cfg will be updated in-place"), "{}", r.stdout);
    assert!(r.stdout.contains("Plan: 0 to add, 1 to change, 0 to destroy."), "{}", r.stdout);
}

#[test]
fn plan_replace() {
    let r = plan_case_snap("replace", &[]);
    assert_eq!(r.code, 2);
    assert!(r.stdout.contains("# null_resource.web must be replaced"), "{}", r.stdout);
    assert!(r.stdout.contains("# forces replacement"), "{}", r.stdout);
}

#[test]
fn plan_delete() {
    let r = plan_case_snap("delete", &[]);
    assert_eq!(r.code, 2);
    assert!(r.stdout.contains("# null_resource.gone will be destroyed"), "{}", r.stdout);
    assert!(r.stdout.contains("(because null_resource.gone is not in configuration)"), "{}", r.stdout);
    assert_eq!(text_plan_addresses(&r.stdout), set(&["null_resource.gone"]));
}

#[test]
fn plan_count_shrink() {
    let r = plan_case_snap("count_shrink", &[]);
    assert_eq!(r.code, 2);
    assert_eq!(text_plan_addresses(&r.stdout), set(&["null_resource.n[1]", "null_resource.n[2]"]));
    assert!(r.stdout.contains("(because index [2] is out of range for count)"), "{}", r.stdout);
}

#[test]
fn plan_sensitive() {
    let r = plan_case_snap("sensitive", &[]);
    assert_eq!(r.code, 2);
    assert!(r.stdout.contains("(sensitive value)"), "{}", r.stdout);
    for secret in ["first-secret", "second-secret"] {
        assert!(!r.all().contains(secret), "{secret} leaked:\n{}", r.text());
    }
}

#[test]
fn plan_unknown() {
    let r = plan_case_snap("unknown", &[]);
    assert_eq!(r.code, 2);
    assert_eq!(text_plan_addresses(&r.stdout), set(&["null_resource.a", "null_resource.b"]));
    assert!(r.stdout.contains("(known after apply)"), "{}", r.stdout);
}

#[test]
fn plan_moved() {
    let r = plan_case_snap("moved", &[]);
    assert!(r.stdout.contains("# null_resource.old has moved to null_resource.new"), "{}", r.text());
    assert!(!r.stdout.contains("will be destroyed"), "{}", r.stdout);
    assert!(!r.stdout.contains("will be created"), "{}", r.stdout);
}

#[test]
fn plan_create_before_destroy() {
    let r = plan_case_snap("cbd", &[]);
    assert_eq!(r.code, 2);
    assert!(r.stdout.contains("+/- create replacement and then destroy"), "{}", r.stdout);
    assert!(r.stdout.contains("# null_resource.c must be replaced"), "{}", r.stdout);
}

#[test]
fn plan_replace_triggered_by() {
    let r = plan_case_snap("replace_triggered_by", &[]);
    assert_eq!(r.code, 2);
    assert_eq!(text_plan_addresses(&r.stdout), set(&["null_resource.a", "terraform_data.b"]));
    assert!(r.stdout.contains("# terraform_data.b will be replaced due to changes in replace_triggered_by"), "{}", r.stdout);
}

#[test]
fn plan_destroy() {
    let r = plan_case_snap("destroy", &["-destroy"]);
    assert_eq!(r.code, 2);
    assert_eq!(text_plan_addresses(&r.stdout), set(&["null_resource.gone", "null_resource.keep"]));
    assert!(r.stdout.contains("Plan: 0 to add, 0 to change, 2 to destroy."), "{}", r.stdout);
}

// ---------------------------------------------------------------------------------------------
// 3. saved plans

#[test]
fn saved_plan_applies_and_shows() {
    let ctx = Ctx::with_fixture("two");
    let out = ctx.ok(&["plan", "-out=p"]);
    assert!(out.contains("Saved the plan to: p"), "{out}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(ctx.path().join("p")).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "plan file mode {mode:o}");
    }
    let r = infra_snapshot!("show_saved_plan", ctx, &["show", "p"]);
    assert_eq!(r.code, 0);

    let r = ctx.run(&["show", "-json", "p"]);
    assert_eq!(r.code, 0, "{}", r.text());
    let v: Value = serde_json::from_str(&r.stdout).expect("show -json is JSON");
    assert!(v["format_version"].is_string(), "{v}");
    let rcs = v["resource_changes"].as_array().expect("resource_changes");
    assert_eq!(rcs.len(), 2);
    for rc in rcs {
        let c = &rc["change"];
        for k in ["actions", "before", "after", "after_unknown", "before_sensitive", "after_sensitive"] {
            assert!(c.get(k).is_some(), "change.{k} missing in {rc}");
        }
        assert_eq!(c["actions"], serde_json::json!(["create"]));
    }
    for k in ["output_changes", "prior_state", "configuration"] {
        assert!(v.get(k).is_some(), "{k} missing: {v}");
    }
    assert!(v["configuration"]["root_module"]["resources"].as_array().is_some_and(|r| r.len() == 2), "{}", v["configuration"]);

    let out = ctx.ok(&["apply", "p"]);
    assert!(out.contains("Apply complete! Resources: 2 added, 0 changed, 0 destroyed."), "{out}");
    assert_eq!(ctx.state_list(), vec!["null_resource.a", "null_resource.b"]);
    let r = ctx.run(&["plan", "-detailed-exitcode"]);
    assert_eq!(r.code, 0, "{}", r.text());
}

#[test]
fn saved_plan_is_stale_after_state_change() {
    let ctx = Ctx::with_fixture("two");
    ctx.ok(&["plan", "-out=p"]);
    ctx.ok(&["apply", "-auto-approve", "-target=null_resource.a"]);
    let before = ctx.read("terraform.tfstate");
    let r = infra_snapshot!("saved_plan_stale_state", ctx, &["apply", "p"]);
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("Saved plan is stale"), "{}", r.text());
    assert_eq!(ctx.read("terraform.tfstate"), before, "a refused plan must not touch state");
}

#[test]
fn saved_plan_is_refused_after_config_change() {
    let ctx = Ctx::with_fixture("two");
    ctx.ok(&["plan", "-out=p"]);
    ctx.copy_fixture("two_changed");
    let r = infra_snapshot!("saved_plan_stale_config", ctx, &["apply", "p"]);
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("Saved plan does not match the configuration"), "{}", r.text());
    assert!(!ctx.path().join("terraform.tfstate").exists() || ctx.state_list().is_empty());
}

// ---------------------------------------------------------------------------------------------
// 4. concurrency: the state lock

fn many_resources(n: usize) -> String {
    format!("resource \"null_resource\" \"many\" {{\n  count    = {n}\n  triggers = {{ i = count.index }}\n}}\n")
}

/// Starts `apply` on a big config and waits until it holds the lock.
fn start_lock_holder(ctx: &Ctx) -> std::process::Child {
    let mut child = ctx.cmd(&["apply", "-auto-approve", "-parallelism=2"]).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    let info = ctx.path().join(".terraform.tfstate.lock.info");
    let t = Instant::now();
    while !info.exists() {
        if let Some(st) = child.try_wait().unwrap() {
            panic!("lock holder exited before we saw the lock: {st}");
        }
        assert!(t.elapsed() < Duration::from_secs(30), "no lock info file after 30s");
        std::thread::sleep(Duration::from_millis(5));
    }
    child
}

#[test]
fn second_apply_fails_fast_on_lock() {
    let ctx = Ctx::new();
    ctx.write("main.tf", &many_resources(600));
    let mut holder = start_lock_holder(&ctx);
    let t = Instant::now();
    let r = ctx.run(&["apply", "-auto-approve"]);
    let took = t.elapsed();
    let holder_still_running = holder.try_wait().unwrap().is_none();
    assert_ne!(r.code, 0, "{}", r.text());
    assert!(r.stderr.contains("Error acquiring the state lock"), "{}", r.text());
    for k in ["ID:", "Operation: OperationTypeApply", "Who:"] {
        assert!(r.stderr.contains(k), "missing {k}: {}", r.text());
    }
    assert!(took < Duration::from_secs(5), "second apply took {took:?}");
    assert!(holder_still_running, "the holder finished before the second apply returned; the test proved nothing");
    common::snapshot_run("lock_error", &ctx, &r);
    let st = holder.wait().unwrap();
    assert!(st.success(), "lock holder failed: {st}");
    assert_eq!(ctx.state_list().len(), 600);
    assert!(!ctx.path().join(".terraform.tfstate.lock.info").exists(), "lock info left behind");
    assert!(!ctx.path().join("terraform.tfstate.journal").exists(), "journal left behind");
    let r = ctx.run(&["plan", "-detailed-exitcode"]);
    assert_eq!(r.code, 0, "{}", r.text());
}

#[test]
fn second_apply_waits_with_lock_timeout() {
    let ctx = Ctx::new();
    ctx.write("main.tf", &many_resources(300));
    let mut holder = start_lock_holder(&ctx);
    let r = ctx.run(&["apply", "-auto-approve", "-lock-timeout=30s"]);
    assert_eq!(r.code, 0, "{}", r.text());
    assert!(holder.wait().unwrap().success());
    // The waiter planned against the holder's finished state.
    assert!(r.stdout.contains("No changes."), "{}", r.text());
    assert_eq!(ctx.state_list().len(), 300);
}

#[test]
fn simultaneous_applies_one_wins() {
    let ctx = Ctx::new();
    ctx.write("main.tf", &many_resources(50));
    let a = ctx.cmd(&["apply", "-auto-approve"]).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let b = ctx.cmd(&["apply", "-auto-approve"]).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let ra = common::Run::from(a.wait_with_output().unwrap());
    let rb = common::Run::from(b.wait_with_output().unwrap());
    // Either one lost the lock, or the second started after the first was done (no changes).
    let ok = [&ra, &rb].iter().filter(|r| r.code == 0).count();
    assert!(ok >= 1, "{}\n{}", ra.text(), rb.text());
    for r in [&ra, &rb] {
        if r.code != 0 {
            assert!(r.stderr.contains("Error acquiring the state lock"), "{}", r.text());
        }
    }
    assert_eq!(ctx.state_list().len(), 50);
    assert_eq!(ctx.run(&["plan", "-detailed-exitcode"]).code, 0);
}

// ---------------------------------------------------------------------------------------------
// 5. canary: a sensitive value never reaches the terminal

const CANARY: &str = "CANARY-7d1e5f";

/// Runs `infra ARGS` with the canary in TF_VAR_token; records a leak instead of stopping, so
/// one run reports every command that leaks.
fn run_canary(ctx: &Ctx, args: &[&str], leaks: &mut Vec<String>) -> common::Run {
    let out = ctx.cmd(args).env("TF_VAR_token", CANARY).output().unwrap();
    let r = common::Run::from(out);
    if r.all().contains("7d1e5f") {
        leaks.push(format!("infra {}:\n{}", args.join(" "), r.text()));
    }
    r
}

#[test]
fn canary_never_printed() {
    let mut leaks = Vec::new();
    let ctx = Ctx::with_fixture("canary");
    let ok = |args: &[&str], leaks: &mut Vec<String>| {
        let r = run_canary(&ctx, args, leaks);
        assert_eq!(r.code, 0, "infra {args:?}: {}", r.text());
        r
    };
    ok(&["validate"], &mut leaks);
    ok(&["validate", "-json"], &mut leaks);
    let p = ok(&["plan"], &mut leaks);
    assert!(p.stdout.contains("(sensitive value)"), "{}", p.stdout);
    let j = ok(&["plan", "-json"], &mut leaks);
    serde_json::from_str::<Value>(&j.stdout).expect("plan -json parses");
    ok(&["plan", "-out=p"], &mut leaks);
    ok(&["show", "p"], &mut leaks);
    ok(&["show", "-json", "p"], &mut leaks);
    ok(&["apply", "-auto-approve"], &mut leaks);
    let o = ok(&["output"], &mut leaks);
    assert!(o.stdout.contains("<sensitive>"), "{}", o.stdout);
    ok(&["output", "token"], &mut leaks);
    ok(&["output", "local"], &mut leaks);
    ok(&["show"], &mut leaks);
    let l = ok(&["state", "list"], &mut leaks);
    for addr in ["null_resource.n", "random_string.r", "terraform_data.d"] {
        assert!(l.stdout.contains(addr), "{}", l.stdout);
        ok(&["state", "show", addr], &mut leaks);
    }
    ok(&["graph"], &mut leaks);
    ok(&["plan", "-detailed-exitcode"], &mut leaks);
    // NOT checked, on purpose and like Terraform: `output -json` prints sensitive values (for
    // scripts); `show -json` (state) and `state pull` print the state, and terraform.tfstate
    // (and the saved plan file) hold the values.

    // Commands that fail because of the variable must not quote it.
    let bad = Ctx::with_fixture("canary_fail");
    for args in [&["validate"][..], &["plan"], &["apply", "-auto-approve"]] {
        let r = run_canary(&bad, args, &mut leaks);
        if args != ["validate"] {
            assert_eq!(r.code, 1, "{}", r.text());
            assert!(r.stderr.contains("Error"), "{}", r.text());
        }
    }
    let r = run_canary(&ctx, &["plan", "-var", "nosuch=1"], &mut leaks);
    assert_eq!(r.code, 1, "{}", r.text());
    ok(&["apply", "-auto-approve", "-destroy"], &mut leaks);
    assert!(leaks.is_empty(), "the canary leaked in {} command(s):\n\n{}", leaks.len(), leaks.join("\n\n"));
}

#[test]
fn output_of_sensitive_value_needs_sensitive_flag() {
    let mut leaks = Vec::new();
    let ctx = Ctx::with_fixture("canary_output");
    let r = run_canary(&ctx, &["plan"], &mut leaks);
    assert_eq!(r.code, 1, "{}", r.text());
    assert!(r.stderr.contains("Output refers to sensitive values"), "{}", r.text());
    let r = run_canary(&ctx, &["apply", "-auto-approve"], &mut leaks);
    assert_eq!(r.code, 1, "{}", r.text());
    assert!(r.stderr.contains("Output refers to sensitive values"), "{}", r.text());
    assert!(leaks.is_empty(), "{}", leaks.join("\n\n"));
    assert!(!ctx.path().join("terraform.tfstate").exists() || !ctx.read("terraform.tfstate").contains("7d1e5f"), "a refused output was stored");
    common::snapshot_run("output_sensitive_error", &ctx, &r);
}

// ---------------------------------------------------------------------------------------------
// 6. kill test: SIGKILL during apply never loses a completed resource

/// xorshift64*: deterministic, no crates.
struct Rng(u64);
impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const KILL_CHAINS: usize = 5;
const KILL_CHAIN_LEN: usize = 100;
const KILL_RUNS: u64 = 50;

fn chains_config(chains: usize, len: usize) -> String {
    let mut s = String::new();
    for c in 0..chains {
        let name = (b'a' + c as u8) as char;
        if c == 0 {
            s += &format!("resource \"null_resource\" \"{name}\" {{\n  count    = {len}\n  triggers = {{ i = count.index }}\n}}\n\n");
        } else {
            let prev = (b'a' + c as u8 - 1) as char;
            s += &format!("resource \"null_resource\" \"{name}\" {{\n  count    = {len}\n  triggers = {{ p = null_resource.{prev}[count.index].id }}\n}}\n\n");
        }
    }
    s
}

#[test]
fn sigkill_during_apply_keeps_every_completed_resource() {
    let total = KILL_CHAINS * KILL_CHAIN_LEN;
    let config = chains_config(KILL_CHAINS, KILL_CHAIN_LEN);
    let base_seed: u64 = std::env::var("INFRA_KILL_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0x5eed);
    let started = Instant::now();
    let (mut journals, mut partial) = (0, 0);
    for run in 0..KILL_RUNS {
        let seed = base_seed.wrapping_add(run);
        let mut rng = Rng::new(seed);
        let ctx = Ctx::new();
        ctx.write("main.tf", &config);
        let ctx_info = format!("run {run}, seed {seed} (rerun with INFRA_KILL_SEED={base_seed})");
        // Half the runs kill after k completions, half after a sleep.
        let by_count = rng.below(2) == 0;
        let k = rng.below(total as u64) as usize;
        let sleep = Duration::from_millis(rng.below(300));
        let mut child = ctx.cmd(&["apply", "-auto-approve", "-parallelism=10"]).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel::<String>();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some((addr, _)) = line.split_once(": Creation complete") {
                    if tx.send(addr.to_string()).is_err() {
                        break;
                    }
                }
            }
        });
        // Every line read from the pipe was printed before the kill.
        let mut completed: Vec<String> = Vec::new();
        if by_count {
            while completed.len() < k {
                match rx.recv() {
                    Ok(a) => completed.push(a),
                    Err(_) => break,
                }
            }
        } else {
            std::thread::sleep(sleep);
        }
        child.kill().ok();
        child.wait().unwrap();
        reader.join().unwrap();
        completed.extend(rx.try_iter());
        let how = if by_count { format!("after {k} completions") } else { format!("after {sleep:?}") };
        let ctx_info = format!("{ctx_info}, killed {how}");
        if ctx.path().join("terraform.tfstate.journal").exists() {
            journals += 1;
        }
        let listed = check_after_kill(&ctx, &completed, &ctx_info);
        if listed > 0 && listed < total {
            partial += 1;
        }
        if run % 10 == 9 || run == KILL_RUNS - 1 {
            converge(&ctx, total, &ctx_info);
        }
    }
    eprintln!("kill test: {KILL_RUNS} runs of {total} resources in {:?}; {partial} runs left a partial state, {journals} left a journal", started.elapsed());
    // The test proves something only if kills land in the middle of applies.
    assert!(partial >= KILL_RUNS / 5, "only {partial} of {KILL_RUNS} kills left a partial state");
}

/// Asserts the state lists every completed address; returns how many it lists.
fn check_after_kill(ctx: &Ctx, completed: &[String], info: &str) -> usize {
    let r = ctx.run(&["state", "list"]);
    assert_eq!(r.code, 0, "{info}: state list after kill failed:\n{}", r.text());
    let listed: BTreeSet<&str> = r.stdout.lines().collect();
    for a in completed {
        assert!(listed.contains(a.as_str()), "{info}: {a} printed 'Creation complete' but is not in the state ({} listed, {} completed)", listed.len(), completed.len());
    }
    listed.len()
}

fn converge(ctx: &Ctx, total: usize, info: &str) {
    let r = ctx.run(&["apply", "-auto-approve"]);
    assert_eq!(r.code, 0, "{info}: apply after kill failed:\n{}", r.text());
    assert_eq!(ctx.state_list().len(), total, "{info}");
    let r = ctx.run(&["plan", "-detailed-exitcode"]);
    assert_eq!(r.code, 0, "{info}: not converged:\n{}", r.text());
}

// ---------------------------------------------------------------------------------------------
// 7. state commands

#[test]
fn state_list_and_show_hide_sensitive() {
    let ctx = Ctx::with_fixture("state");
    ctx.ok(&["apply", "-auto-approve"]);
    assert_eq!(ctx.state_list(), vec!["null_resource.a", "terraform_data.s"]);
    let r = infra_snapshot!("state_show_missing", ctx, &["state", "show", "null_resource.nope"]);
    assert_eq!(r.code, 1);
    let r = infra_snapshot!("state_show_null_resource", ctx, &["state", "show", "null_resource.a"]);
    assert_eq!(r.code, 0);
    let r = ctx.run(&["state", "show", "terraform_data.s"]);
    assert_eq!(r.code, 0, "{}", r.text());
    assert!(r.stdout.contains("admin"), "{}", r.text());
    // The dynamic `input` is shown as its value, not as the state file's {type, value} wrapper.
    assert!(!r.stdout.contains("\"type\" = ["), "state show renders the JSON wrapper:\n{}", r.text());
    assert!(!r.all().contains("hunter2-state"), "state show prints a sensitive value:\n{}", r.text());
    assert!(r.stdout.contains("(sensitive value)"), "{}", r.text());
    // A prefix filter.
    assert_eq!(ctx.ok(&["state", "list", "null_resource.a"]), "null_resource.a\n");
}

#[test]
fn state_mv_then_renamed_config_has_no_changes() {
    let ctx = Ctx::with_fixture("state");
    ctx.ok(&["apply", "-auto-approve"]);
    let out = ctx.ok(&["state", "mv", "null_resource.a", "null_resource.renamed"]);
    assert!(out.contains("Move \"null_resource.a\" to \"null_resource.renamed\""), "{out}");
    assert_eq!(ctx.state_list(), vec!["null_resource.renamed", "terraform_data.s"]);
    ctx.copy_fixture("state_renamed");
    let r = ctx.run(&["plan", "-detailed-exitcode"]);
    assert_eq!(r.code, 0, "{}", r.text());
    assert!(r.stdout.contains("No changes."), "{}", r.text());
}

#[test]
fn state_rm_then_plan_creates_again() {
    let ctx = Ctx::with_fixture("state");
    ctx.ok(&["apply", "-auto-approve"]);
    let out = ctx.ok(&["state", "rm", "null_resource.a"]);
    assert!(out.contains("Removed null_resource.a"), "{out}");
    assert_eq!(ctx.state_list(), vec!["terraform_data.s"]);
    let r = ctx.run(&["plan", "-json"]);
    assert_eq!(changed_addresses(&r.stdout), set(&["null_resource.a"]), "{}", r.text());
    let r = ctx.run(&["plan", "-detailed-exitcode"]);
    assert_eq!(r.code, 2);
    assert!(r.stdout.contains("# null_resource.a will be created"), "{}", r.stdout);
}

#[test]
fn state_pull_push_round_trip() {
    let ctx = Ctx::with_fixture("state");
    ctx.ok(&["apply", "-auto-approve"]);
    let pulled = ctx.ok(&["state", "pull"]);
    let v: Value = serde_json::from_str(&pulled).expect("state pull is JSON");
    assert_eq!(v["version"], 4, "{v}");
    assert!(v["lineage"].is_string() && v["serial"].is_u64() && v["terraform_version"].is_string(), "{v}");
    assert_eq!(v["resources"].as_array().map(Vec::len), Some(2));
    ctx.write("pulled.json", &pulled);
    // Back into the same state: same lineage, same serial, accepted.
    ctx.ok(&["state", "push", "pulled.json"]);
    assert_eq!(ctx.state_list(), vec!["null_resource.a", "terraform_data.s"]);
    assert_eq!(ctx.run(&["plan", "-detailed-exitcode"]).code, 0);
    // Into an empty directory.
    let other = Ctx::with_fixture("state");
    std::fs::copy(ctx.path().join("pulled.json"), other.path().join("pulled.json")).unwrap();
    other.ok(&["state", "push", "pulled.json"]);
    assert_eq!(other.state_list(), ctx.state_list());
    let r = other.run(&["plan", "-detailed-exitcode"]);
    assert_eq!(r.code, 0, "{}", r.text());
    // An older serial is refused.
    ctx.ok(&["state", "rm", "null_resource.a"]);
    let r = ctx.run(&["state", "push", "pulled.json"]);
    assert_eq!(r.code, 1, "{}", r.text());
    assert!(r.stderr.contains("lower serial"), "{}", r.text());
}

// ---------------------------------------------------------------------------------------------
// 8. validate

#[test]
fn validate_undeclared_variable() {
    let ctx = Ctx::with_fixture("validate_undeclared");
    let r = infra_snapshot!("validate_undeclared", ctx, &["validate"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("Reference to undeclared input variable"), "{}", r.text());
    assert!(r.stderr.contains("main.tf line 3"), "{}", r.text());

    let r = ctx.run(&["validate", "-json"]);
    assert_eq!(r.code, 1, "{}", r.text());
    let v: Value = serde_json::from_str(&r.stdout).expect("validate -json is JSON");
    assert_eq!(v["valid"], false);
    assert_eq!(v["error_count"], 1);
    let d = &v["diagnostics"][0];
    assert_eq!(d["severity"], "error");
    assert_eq!(d["summary"], "Reference to undeclared input variable");
    assert_eq!(d["range"]["filename"], "main.tf");
    assert_eq!(d["range"]["start"]["line"], 3);
}

#[test]
fn validate_ok() {
    let ctx = Ctx::with_fixture("two");
    let r = infra_snapshot!("validate_ok", ctx, &["validate"]);
    assert_eq!(r.code, 0);
    let v: Value = serde_json::from_str(&ctx.ok(&["validate", "-json"])).unwrap();
    assert_eq!(v["valid"], true);
    assert_eq!(v["error_count"], 0);
}

// ---------------------------------------------------------------------------------------------
// 9. -target

#[test]
fn target_limits_plan() {
    let ctx = Ctx::with_fixture("two");
    let r = ctx.run(&["plan", "-target=null_resource.a", "-detailed-exitcode"]);
    assert_eq!(r.code, 2, "{}", r.text());
    assert_eq!(text_plan_addresses(&r.stdout), set(&["null_resource.a"]));
    let r = ctx.run(&["plan", "-json", "-target", "null_resource.a"]);
    assert_eq!(changed_addresses(&r.stdout), set(&["null_resource.a"]));
    ctx.ok(&["apply", "-auto-approve", "-target=null_resource.a"]);
    assert_eq!(ctx.state_list(), vec!["null_resource.a"]);
}

// ---------------------------------------------------------------------------------------------
// 10. checkov reads our JSON plan

#[test]
fn checkov_parses_plan_json() {
    let Ok(checkov) = std::env::var("INFRA_CHECKOV") else {
        eprintln!("\n!!!!!!!! SKIPPED: INFRA_CHECKOV not set (path to a checkov binary) !!!!!!!!\n");
        return;
    };
    let ctx = Ctx::with_fixture("vars");
    let plan = ctx.ok(&["plan", "-json"]);
    ctx.write("plan.json", &plan);
    // Checkov has no policies for the built-in types, and an empty report is a bare summary with
    // resource_count 0; a custom policy for null_resource makes it report on every resource.
    let checks = common::fixtures().join("checkov_checks");
    let out = std::process::Command::new(&checkov)
        .args(["-f", "plan.json", "--framework", "terraform_plan", "--skip-download", "-o", "json", "--external-checks-dir"])
        .arg(&checks)
        .current_dir(ctx.path())
        .env("BC_SKIP_MAPPING", "TRUE")
        .env("CKV_SKIP_PACKAGE_UPDATE_CHECK", "TRUE")
        .output()
        .expect("run checkov");
    let r = common::Run::from(out);
    // checkov exits 1 when a check fails; both 0 and 1 mean it read the file.
    assert!(r.code == 0 || r.code == 1, "{}", r.text());
    let v: Value = serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("checkov JSON: {e}\n{}", r.text()));
    let report = match &v {
        Value::Array(a) => a.iter().find(|x| x["check_type"] == "terraform_plan").cloned().unwrap_or(Value::Null),
        o => o.clone(),
    };
    let summary = &report["summary"];
    assert_eq!(summary["parsing_errors"], 0, "{v}");
    assert_eq!(summary["resource_count"], 5, "checkov saw the wrong number of resources: {summary}");
    let mut passed: Vec<&str> = report["results"]["passed_checks"]
        .as_array()
        .unwrap_or_else(|| panic!("no passed_checks: {v}"))
        .iter()
        .filter(|c| c["check_id"] == "CKV2_INFRA_1")
        .map(|c| c["resource"].as_str().unwrap())
        .collect();
    passed.sort();
    assert_eq!(passed, ["null_resource.w[0]", "null_resource.w[1]", "null_resource.x", "null_resource.y"], "{v}");
}

/// Ctrl-C once: nothing new starts, what is in flight finishes, state is saved (no journal
/// left), the exit code is 1, and the next apply converges.
#[test]
fn interrupt_during_apply_stops_cleanly_and_saves_state() {
    let total = 3000;
    let ctx = Ctx::new();
    ctx.write("main.tf", &format!("resource \"null_resource\" \"n\" {{\n  count = {total}\n}}\n"));
    let mut child = ctx.cmd(&["apply", "-auto-approve", "-parallelism=1"]).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if let Some((addr, _)) = line.split_once(": Creation complete") {
                let _ = tx.send(addr.to_string());
            }
        }
    });
    let mut completed = Vec::new();
    while completed.len() < 20 {
        completed.push(rx.recv().expect("apply ended before 20 resources completed"));
    }
    let status = std::process::Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    reader.join().unwrap();
    completed.extend(rx.try_iter());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "interrupted apply must exit 1; stderr:\n{stderr}");
    assert!(stderr.contains("Interrupt received"), "stderr:\n{stderr}");
    assert!(!ctx.path().join("terraform.tfstate.journal").exists(), "state must be compacted on a graceful stop");
    let listed = ctx.state_list();
    for a in &completed {
        assert!(listed.contains(a), "{a} completed before the interrupt but is not in the state");
    }
    assert!(listed.len() < total, "the interrupt must stop new work ({} of {total} applied)", listed.len());
    let again = ctx.run(&["apply", "-auto-approve"]);
    assert_eq!(again.code, 0, "{}", again.all());
    assert_eq!(ctx.state_list().len(), total);
}

/// `infra console` evaluates each stdin line against config and state, hides secrets, and
/// exits 1 when a line fails.
#[test]
fn console_evaluates_lines_against_state() {
    let ctx = Ctx::new();
    ctx.write(
        "main.tf",
        "variable \"token\" {\n  default   = \"CANARY-console\"\n  sensitive = true\n}\nlocals {\n  names = [\"a\", \"b\"]\n}\nresource \"null_resource\" \"n\" {\n  for_each = toset(local.names)\n  triggers = { name = each.key }\n}\n",
    );
    assert_eq!(ctx.run(&["apply", "-auto-approve"]).code, 0);
    let mut child = ctx.cmd(&["console"]).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(b"upper(local.names[1])\nnull_resource.n[\"a\"].triggers.name\nvar.token\nlength(null_resource.n)\n").unwrap();
    }
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(stdout, "\"B\"\n\"a\"\n(sensitive value)\n2\n");
    let bad = ctx.cmd(&["console"]).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let out = {
        let mut bad = bad;
        use std::io::Write;
        bad.stdin.take().unwrap().write_all(b"lenght(local.names)\n").unwrap();
        bad.wait_with_output().unwrap()
    };
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Did you mean \"length\"?"));
}

/// Preconditions and postconditions fail the plan with their message; a failed `check`
/// assertion is a warning and the plan still succeeds.
#[test]
fn conditions_and_checks() {
    let ctx = Ctx::new();
    ctx.write(
        "main.tf",
        r#"variable "n" {
  type    = number
  default = 3
}
resource "random_integer" "r" {
  min = 1
  max = var.n
  lifecycle {
    precondition {
      condition     = var.n > 1
      error_message = "The n must exceed 1."
    }
    postcondition {
      condition     = self.max < 15
      error_message = "The max must stay under 15."
    }
  }
}
output "o" {
  value = random_integer.r.max
  precondition {
    condition     = var.n < 10
    error_message = "The n is too large for the output."
  }
}
check "small" {
  assert {
    condition     = var.n < 3
    error_message = "The n should be small."
  }
}
"#,
    );
    let ok = ctx.run(&["plan", "-no-color"]);
    assert_eq!(ok.code, 0, "{}", ok.all());
    assert!(ok.stdout.contains("Warning: Check block assertion failed") && ok.stdout.contains("The n should be small."), "{}", ok.all());
    let pre = ctx.run(&["plan", "-no-color", "-var", "n=1"]);
    assert_eq!(pre.code, 1);
    assert!(pre.stderr.contains("Resource precondition failed") && pre.stderr.contains("The n must exceed 1."), "{}", pre.all());
    let out = ctx.run(&["plan", "-no-color", "-var", "n=12"]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("Module output value precondition failed"), "{}", out.all());
    let post = ctx.run(&["plan", "-no-color", "-var", "n=16"]);
    assert_eq!(post.code, 1);
    assert!(post.stderr.contains("Resource postcondition failed") && post.stderr.contains("The max must stay under 15."), "{}", post.all());
    let quiet = ctx.run(&["plan", "-no-color", "-var", "n=2"]);
    assert_eq!(quiet.code, 0);
    assert!(!quiet.all().contains("Warning"), "{}", quiet.all());
}

/// A data source nested in a check block: read at plan time, its read errors are warnings (and
/// its assertions are then not evaluated), its assertions warn at plan and apply, and it cannot
/// be referred to from outside its check.
#[test]
fn check_blocks_with_scoped_data_sources() {
    let other = Ctx::new();
    let ctx = Ctx::new();
    let peer_state = other.path().join("terraform.tfstate");
    ctx.write(
        "main.tf",
        &format!(
            r#"resource "null_resource" "a" {{}}
check "peer_ready" {{
  data "terraform_remote_state" "peer" {{
    backend = "local"
    config = {{
      path = "{}"
    }}
  }}
  assert {{
    condition     = data.terraform_remote_state.peer.outputs.ready
    error_message = "The peer root is not ready."
  }}
}}
"#,
            peer_state.display()
        ),
    );
    // The peer has no state yet: a warning, not an error, and no assertion result.
    let missing = ctx.run(&["plan", "-no-color"]);
    assert_eq!(missing.code, 0, "{}", missing.all());
    assert!(missing.all().contains("Warning: Failed to read data source data.terraform_remote_state.peer"), "{}", missing.all());
    assert!(!missing.all().contains("The peer root is not ready."), "{}", missing.all());
    let applied = ctx.run(&["apply", "-auto-approve", "-no-color"]);
    assert_eq!(applied.code, 0, "{}", applied.all());

    // The peer exists but is not ready: the assertion warns at plan and at apply.
    other.write("main.tf", "output \"ready\" {\n  value = false\n}\n");
    assert_eq!(other.run(&["apply", "-auto-approve"]).code, 0);
    let not_ready = ctx.run(&["plan", "-no-color", "-detailed-exitcode"]);
    assert_eq!(not_ready.code, 0, "{}", not_ready.all());
    assert!(not_ready.all().contains("Warning: Check block assertion failed") && not_ready.all().contains("The peer root is not ready."), "{}", not_ready.all());
    ctx.write("extra.tf", "resource \"null_resource\" \"b\" {}\n");
    let apply_warns = ctx.run(&["apply", "-auto-approve", "-no-color"]);
    assert_eq!(apply_warns.code, 0, "{}", apply_warns.all());
    assert!(apply_warns.all().contains("The peer root is not ready."), "{}", apply_warns.all());

    // Ready: quiet.
    other.write("main.tf", "output \"ready\" {\n  value = true\n}\n");
    assert_eq!(other.run(&["apply", "-auto-approve"]).code, 0);
    let ready = ctx.run(&["plan", "-no-color", "-detailed-exitcode"]);
    assert_eq!(ready.code, 0, "{}", ready.all());
    assert!(!ready.all().contains("Warning"), "{}", ready.all());

    // Referred to from outside the check: an error naming the check.
    ctx.write("extra.tf", "output \"leak\" {\n  value = data.terraform_remote_state.peer.outputs\n}\n");
    let outside = ctx.run(&["plan", "-no-color"]);
    assert_eq!(outside.code, 1, "{}", outside.all());
    assert!(outside.stderr.contains("Reference to scoped resource") && outside.stderr.contains("check block \"peer_ready\""), "{}", outside.all());

    // At most one data block per check, and no count.
    ctx.write(
        "extra.tf",
        "check \"two\" {\n  data \"terraform_remote_state\" \"x\" {\n    backend = \"local\"\n    count   = 2\n  }\n  data \"terraform_remote_state\" \"y\" {\n    backend = \"local\"\n  }\n  assert {\n    condition     = true\n    error_message = \"unused\"\n  }\n}\n",
    );
    let two = ctx.run(&["validate", "-no-color"]);
    assert_eq!(two.code, 1, "{}", two.all());
    assert!(two.stderr.contains("Multiple data resource blocks") && two.stderr.contains("cannot use \"count\""), "{}", two.all());
}

/// `import` blocks adopt an existing object through the provider; `removed` blocks with
/// `destroy = false` make infra forget an object without destroying it.
#[test]
fn import_and_removed_blocks() {
    let ctx = Ctx::new();
    ctx.write(
        "main.tf",
        "import {\n  to = random_string.s\n  id = \"imported-value\"\n}\nresource \"random_string\" \"s\" {\n  length = 14\n}\nresource \"null_resource\" \"gone\" {}\n",
    );
    let plan = ctx.run(&["plan", "-no-color"]);
    assert_eq!(plan.code, 0, "{}", plan.all());
    assert!(plan.stdout.contains("random_string.s will be imported") && plan.stdout.contains("1 to import"), "{}", plan.stdout);
    let json = ctx.run(&["plan", "-json"]);
    let doc: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let rc = doc["resource_changes"].as_array().unwrap().iter().find(|c| c["address"] == "random_string.s").unwrap().clone();
    assert_eq!(rc["change"]["importing"]["id"], "imported-value");
    assert_eq!(ctx.run(&["apply", "-auto-approve"]).code, 0);
    // The imported object was adopted as is (same length, no special characters): no replacement.
    let shown = ctx.ok(&["state", "show", "random_string.s"]);
    assert!(shown.contains("\"imported-value\""), "{shown}");
    ctx.write(
        "main.tf",
        "resource \"random_string\" \"s\" {\n  length = 14\n}\nremoved {\n  from = null_resource.gone\n  lifecycle {\n    destroy = false\n  }\n}\n",
    );
    let plan = ctx.run(&["plan", "-no-color"]);
    assert!(plan.stdout.contains("null_resource.gone will no longer be managed by infra") && plan.stdout.contains("1 to forget"), "{}", plan.stdout);
    assert_eq!(ctx.run(&["apply", "-auto-approve"]).code, 0);
    assert_eq!(ctx.state_list(), vec!["random_string.s".to_string()]);
}

/// The modules example: module instances per for_each key, module-qualified addresses in plan
/// and state, and a variable change that touches exactly the expected module instances.
#[test]
fn modules_example_plans_per_module_instance() {
    let ctx = Ctx::new();
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/modules");
    std::fs::create_dir_all(ctx.path().join("modules/service")).unwrap();
    std::fs::copy(src.join("main.tf"), ctx.path().join("main.tf")).unwrap();
    std::fs::copy(src.join("modules/service/main.tf"), ctx.path().join("modules/service/main.tf")).unwrap();
    let apply = ctx.run(&["apply", "-auto-approve", "-no-color"]);
    assert_eq!(apply.code, 0, "{}", apply.all());
    assert!(apply.stdout.contains("\"prod\" = \"https://api-prod-"), "{}", apply.stdout);
    let listed = ctx.state_list();
    assert_eq!(listed.len(), 6, "{listed:?}");
    assert!(listed.contains(&"module.service[\"prod\"].null_resource.replica[2]".to_string()), "{listed:?}");
    assert_eq!(ctx.run(&["plan", "-detailed-exitcode"]).code, 0);
    let json = ctx.run(&["plan", "-json", "-var", "environments={staging={replicas=2}}"]);
    assert_eq!(json.code, 0, "{}", json.all());
    let doc: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let call = &doc["configuration"]["root_module"]["module_calls"]["service"];
    assert_eq!(call["source"], "./modules/service");
    assert_eq!(call["module"]["resources"][0]["address"], "random_id.suffix");
    let mut changed: Vec<(String, String)> = doc["resource_changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["change"]["actions"] != serde_json::json!(["no-op"]))
        .map(|c| (c["address"].as_str().unwrap().to_string(), c["change"]["actions"][0].as_str().unwrap().to_string()))
        .collect();
    changed.sort();
    let want: Vec<(String, String)> = [
        ("module.service[\"prod\"].null_resource.replica[0]", "delete"),
        ("module.service[\"prod\"].null_resource.replica[1]", "delete"),
        ("module.service[\"prod\"].null_resource.replica[2]", "delete"),
        ("module.service[\"prod\"].random_id.suffix", "delete"),
        ("module.service[\"staging\"].null_resource.replica[1]", "create"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(changed, want);
}

/// `state mv` with module instance addresses moves only that module instance's objects.
#[test]
fn state_mv_respects_module_instances() {
    let ctx = Ctx::new();
    std::fs::create_dir_all(ctx.path().join("m")).unwrap();
    ctx.write("m/main.tf", "resource \"null_resource\" \"x\" {}\n");
    ctx.write("main.tf", "module \"a\" {\n  source   = \"./m\"\n  for_each = toset([\"one\", \"two\"])\n}\n");
    assert_eq!(ctx.run(&["apply", "-auto-approve"]).code, 0);
    let mv = ctx.run(&["state", "mv", "module.a[\"one\"].null_resource.x", "module.a[\"one\"].null_resource.y"]);
    assert_eq!(mv.code, 0, "{}", mv.all());
    assert_eq!(ctx.state_list(), vec!["module.a[\"one\"].null_resource.y".to_string(), "module.a[\"two\"].null_resource.x".to_string()]);
}

/// `-target` accepts module and module-instance addresses and keeps dependencies inside the
/// targeted module instance.
#[test]
fn target_module_instances() {
    let ctx = Ctx::new();
    std::fs::create_dir_all(ctx.path().join("m")).unwrap();
    ctx.write("m/main.tf", "resource \"random_id\" \"s\" {\n  byte_length = 2\n}\nresource \"null_resource\" \"x\" {\n  count    = 2\n  triggers = { s = random_id.s.hex }\n}\n");
    ctx.write("main.tf", "module \"a\" {\n  source   = \"./m\"\n  for_each = toset([\"one\", \"two\"])\n}\n");
    let planned = |target: &str| -> Vec<String> {
        let r = ctx.run(&["plan", "-json", &format!("-target={target}")]);
        assert_eq!(r.code, 0, "{}", r.all());
        let doc: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        let mut v: Vec<String> = doc["resource_changes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["change"]["actions"] != serde_json::json!(["no-op"]))
            .map(|c| c["address"].as_str().unwrap().to_string())
            .collect();
        v.sort();
        v
    };
    assert_eq!(planned("module.a[\"one\"].null_resource.x[1]"), vec!["module.a[\"one\"].null_resource.x[1]", "module.a[\"one\"].random_id.s"]);
    assert_eq!(planned("module.a[\"two\"]").len(), 3);
    assert_eq!(planned("module.a").len(), 6);
}

/// `terraform_remote_state` with the local backend reads another root's outputs, keeping
/// sensitive ones marked.
#[test]
fn remote_state_reads_local_outputs() {
    let ctx = Ctx::new();
    std::fs::create_dir_all(ctx.path().join("net")).unwrap();
    std::fs::create_dir_all(ctx.path().join("app")).unwrap();
    ctx.write("net/main.tf", "output \"zone\" { value = \"example.test\" }\noutput \"key\" {\n  value     = \"CANARY-remote\"\n  sensitive = true\n}\n");
    ctx.write(
        "app/main.tf",
        "data \"terraform_remote_state\" \"net\" {\n  backend = \"local\"\n  config  = { path = \"../net/terraform.tfstate\" }\n}\noutput \"zone\" { value = data.terraform_remote_state.net.outputs.zone }\noutput \"key\" {\n  value     = data.terraform_remote_state.net.outputs.key\n  sensitive = true\n}\n",
    );
    assert_eq!(ctx.run(&["-chdir=net", "apply", "-auto-approve"]).code, 0);
    let app = ctx.run(&["-chdir=app", "apply", "-auto-approve", "-no-color"]);
    assert_eq!(app.code, 0, "{}", app.all());
    assert!(app.stdout.contains("zone = \"example.test\""), "{}", app.stdout);
    assert!(!app.all().contains("CANARY-remote"), "a sensitive remote output leaked:\n{}", app.all());
    // An output that exposes the sensitive value without `sensitive = true` is refused.
    ctx.write("app/main.tf", "data \"terraform_remote_state\" \"net\" {\n  backend = \"local\"\n  config  = { path = \"../net/terraform.tfstate\" }\n}\noutput \"key\" { value = data.terraform_remote_state.net.outputs.key }\n");
    let bad = ctx.run(&["-chdir=app", "plan", "-no-color"]);
    assert_eq!(bad.code, 1, "{}", bad.all());
    assert!(bad.stderr.contains("Output refers to sensitive values"), "{}", bad.all());
}

/// `infra import ADDRESS ID` adopts one object into the state and nothing else; it refuses an
/// undeclared resource, an address already managed, and a missing instance key.
#[test]
fn import_command_adopts_one_object() {
    let ctx = Ctx::new();
    ctx.write("main.tf", "resource \"random_string\" \"s\" {\n  length = 14\n}\nresource \"random_string\" \"many\" {\n  count  = 2\n  length = 5\n}\nresource \"null_resource\" \"other\" {}\n");
    let out = ctx.ok(&["import", "-no-color", "random_string.s", "imported-value"]);
    assert!(out.contains("random_string.s: Importing from ID \"imported-value\"...") && out.contains("Import successful!"), "{out}");
    assert_eq!(ctx.state_list(), vec!["random_string.s".to_string()]);
    let shown = ctx.ok(&["state", "show", "random_string.s"]);
    assert!(shown.contains("\"imported-value\""), "{shown}");
    // Adopted as is: a plan keeps it (and only creates what was not imported).
    let plan = ctx.run(&["plan", "-no-color"]);
    assert!(!plan.stdout.contains("random_string.s will be") && !plan.stdout.contains("random_string.s must be"), "{}", plan.stdout);

    let again = ctx.run(&["import", "-no-color", "random_string.s", "other"]);
    assert_eq!(again.code, 1);
    assert!(again.stderr.contains("Resource already managed by infra"), "{}", again.all());
    let undeclared = ctx.run(&["import", "-no-color", "random_string.nope", "x"]);
    assert_eq!(undeclared.code, 1);
    assert!(undeclared.stderr.contains("Resource not declared") && undeclared.stderr.contains("resource \"random_string\" \"nope\""), "{}", undeclared.all());
    let no_key = ctx.run(&["import", "-no-color", "random_string.many", "x"]);
    assert_eq!(no_key.code, 1);
    assert!(no_key.stderr.contains("add the instance key"), "{}", no_key.all());
    ctx.ok(&["import", "-no-color", "random_string.many[1]", "abcde"]);
    assert_eq!(ctx.state_list(), vec!["random_string.many[1]".to_string(), "random_string.s".to_string()]);
}

/// Saved plans do not hold sensitive variables: `apply PLANFILE` takes them again and checks
/// them against the hash in the file.
#[test]
fn saved_plans_seal_sensitive_variables() {
    const SECRET: &str = "CANARY-sealed-var-5e1f";
    let ctx = Ctx::new();
    ctx.write(
        "main.tf",
        "variable \"token\" {\n  type      = string\n  sensitive = true\n}\nvariable \"name\" {\n  default = \"plain-name\"\n}\nresource \"terraform_data\" \"t\" {\n  input = sha256(var.token)\n}\noutput \"token\" {\n  value     = var.token\n  sensitive = true\n}\n",
    );
    let run = |args: &[&str], token: Option<&str>| {
        let mut c = ctx.cmd(args);
        if let Some(t) = token {
            c.env("TF_VAR_token", t);
        }
        common::Run::from(c.output().unwrap())
    };
    let plan = run(&["plan", "-out=tfplan", "-no-color"], Some(SECRET));
    assert_eq!(plan.code, 0, "{}", plan.all());
    let saved = ctx.read("tfplan");
    assert!(!saved.contains(SECRET), "the plan file holds the sensitive variable: {saved}");
    assert!(saved.contains("plain-name"), "non-sensitive variables stay: {saved}");
    // Not given again: a clear error, nothing applied.
    let missing = run(&["apply", "tfplan", "-no-color"], None);
    assert_eq!(missing.code, 1, "{}", missing.all());
    assert!(missing.stderr.contains("Sensitive variable not set") && missing.stderr.contains("TF_VAR_token"), "{}", missing.all());
    assert!(!ctx.path().join("terraform.tfstate").exists() || !ctx.read("terraform.tfstate").contains("terraform_data"));
    // Another value: refused, without echoing either value.
    let changed = run(&["apply", "tfplan", "-no-color"], Some("CANARY-other-value"));
    assert_eq!(changed.code, 1, "{}", changed.all());
    assert!(changed.stderr.contains("Sensitive variable changed since the plan"), "{}", changed.all());
    assert!(!changed.all().contains(SECRET) && !changed.all().contains("CANARY-other-value"), "{}", changed.all());
    // The same value: applied as planned.
    let ok = run(&["apply", "tfplan", "-no-color"], Some(SECRET));
    assert_eq!(ok.code, 0, "{}", ok.all());
    let out = run(&["output", "-raw", "token"], None);
    assert_eq!(out.stdout, SECRET);
    assert!(ctx.read("terraform.tfstate").contains("terraform_data"));
}

/// As in Terraform 1.9, a validation condition may refer to other input variables.
#[test]
fn validation_conditions_may_refer_to_other_variables() {
    let ctx = Ctx::new();
    ctx.write(
        "main.tf",
        "variable \"min\" {\n  default = 1\n}\nvariable \"n\" {\n  default = 5\n  validation {\n    condition     = var.n > var.min\n    error_message = \"The n must exceed min.\"\n  }\n}\noutput \"n\" {\n  value = var.n\n}\n",
    );
    let ok = ctx.run(&["plan", "-no-color"]);
    assert_eq!(ok.code, 0, "{}", ok.all());
    let bad = ctx.run(&["plan", "-no-color", "-var", "min=9"]);
    assert_eq!(bad.code, 1, "{}", bad.all());
    assert!(bad.stderr.contains("The n must exceed min."), "{}", bad.all());
    ctx.write("extra.tf", "locals {\n  x = 1\n}\nvariable \"m\" {\n  default = 2\n  validation {\n    condition     = var.m > local.x\n    error_message = \"Too small.\"\n  }\n}\n");
    let local = ctx.run(&["validate", "-no-color"]);
    assert_eq!(local.code, 1, "{}", local.all());
    assert!(local.stderr.contains("can refer only to input variables"), "{}", local.all());
}
