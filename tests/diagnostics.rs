//! Diagnostics for broken configurations: every folder `tests/diagnostics/<case>/` holds a
//! configuration with one mistake (`main.tf`, plus any other `.tf`/`.tfvars` it needs). Each case
//! runs `infra validate -no-color` and, if that passes, `infra plan -no-color -input=false`; the
//! exit codes, stdout and stderr of both are snapshotted as `tests/snapshots/diag_<case>.snap`.
//!
//! Every case must fail with exit code 1, print `Error:`, never panic (no "panicked", no exit 101),
//! never print a sensitive canary (any value containing `canary`), and name a file and line
//! ("on FILE line N") unless the case says otherwise.
//!
//! An optional `case.txt` in the folder tunes a case, one directive per line (`#` starts a
//! comment):
//!
//! - `args: ARG ...`: extra arguments for `plan` (`validate` takes no `-var`).
//! - `expect: TEXT`: TEXT must appear in the output of the failing command, e.g. the
//!   `Did you mean "..."?` suggestion of a misspelling.
//! - `no-location`: the error is not about a place in a file (e.g. a `-var` on the command line).

mod common;

use std::path::{Path, PathBuf};

use common::{Ctx, Run};

/// What `case.txt` says about a case.
#[derive(Default)]
struct CaseSpec {
    plan_args: Vec<String>,
    expect: Vec<String>,
    no_location: bool,
}

fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join("diagnostics")
}

fn read_spec(dir: &Path) -> CaseSpec {
    let mut spec = CaseSpec::default();
    let Ok(text) = std::fs::read_to_string(dir.join("case.txt")) else { return spec };
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
        if let Some(a) = line.strip_prefix("args:") {
            spec.plan_args.extend(a.split_whitespace().map(str::to_string));
        } else if let Some(e) = line.strip_prefix("expect:") {
            spec.expect.push(e.trim().to_string());
        } else if line == "no-location" {
            spec.no_location = true;
        } else {
            panic!("{}/case.txt: unknown directive {line:?}", dir.display());
        }
    }
    spec
}

/// A fresh context holding the case's configuration files (everything but `case.txt`).
fn case_ctx(dir: &Path) -> Ctx {
    let ctx = Ctx::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_file() && p.file_name().unwrap() != "case.txt" {
            std::fs::copy(&p, ctx.path().join(p.file_name().unwrap())).unwrap();
        }
    }
    ctx
}

/// `validate`, then `plan` if validate passed. Returns the commands run with their outcomes.
fn run_case(ctx: &Ctx, spec: &CaseSpec) -> Vec<(String, Run)> {
    let validate = ["validate", "-no-color"];
    let mut runs = vec![(validate.join(" "), ctx.run(&validate))];
    if runs[0].1.code == 0 {
        let mut plan: Vec<&str> = vec!["plan", "-no-color", "-input=false"];
        plan.extend(spec.plan_args.iter().map(String::as_str));
        runs.push((plan.join(" "), ctx.run(&plan)));
    }
    runs
}

/// Snapshot all runs of a case as one text, through the context's filters (the same settings as
/// `common::snapshot_run`, which takes a single run).
fn snapshot_runs(name: &str, ctx: &Ctx, runs: &[(String, Run)]) {
    let text: String = runs.iter().map(|(cmd, run)| format!("$ infra {cmd}\n{}\n", run.text())).collect::<Vec<_>>().join("\n");
    let filters = ctx.filters();
    let filters: Vec<(&str, &str)> = filters.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    insta::with_settings!({ filters => filters, prepend_module_to_snapshot => false, omit_expression => true, snapshot_path => concat!(env!("CARGO_MANIFEST_DIR"), "/tests/snapshots") }, {
        insta::assert_snapshot!(name.to_string(), text);
    });
}

/// True when `s` has "on FILE line N" (FILE a .tf, .tf.json or .tfvars file).
fn names_file_and_line(s: &str) -> bool {
    s.lines().any(|l| {
        let Some(rest) = l.trim_start().strip_prefix("on ") else { return false };
        let mut words = rest.split_whitespace();
        let (Some(file), Some("line"), Some(n)) = (words.next(), words.next(), words.next()) else { return false };
        let n = n.trim_end_matches([',', ':']);
        (file.ends_with(".tf") || file.ends_with(".tf.json") || file.ends_with(".tfvars")) && n.parse::<u32>().is_ok()
    })
}

/// Checks one case; panics with a readable message on the first broken rule.
fn check_case(name: &str, dir: &Path) {
    let spec = read_spec(dir);
    let ctx = case_ctx(dir);
    let runs = run_case(&ctx, &spec);
    snapshot_runs(&format!("diag_{name}"), &ctx, &runs);

    let (cmd, last) = runs.last().unwrap();
    let all: String = runs.iter().map(|(_, r)| r.all()).collect();
    assert_ne!(last.code, 101, "{name}: infra {cmd} panicked:\n{}", last.text());
    assert!(!all.contains("panicked"), "{name}: output mentions a panic:\n{all}");
    assert_eq!(last.code, 1, "{name}: infra {cmd} should fail with exit code 1:\n{}", last.text());
    assert!(last.stderr.contains("Error:"), "{name}: infra {cmd} printed no \"Error:\" on stderr:\n{}", last.text());
    assert!(!all.to_lowercase().contains("canary"), "{name}: a sensitive canary value leaked:\n{all}");
    if !spec.no_location {
        assert!(names_file_and_line(&last.stderr), "{name}: the error names no file and line:\n{}", last.text());
    }
    for e in &spec.expect {
        assert!(last.all().contains(e.as_str()), "{name}: expected {e:?} in the output of infra {cmd}:\n{}", last.text());
    }
}

#[test]
fn location_matcher() {
    assert!(names_file_and_line("  on main.tf line 3, in resource \"a\" \"b\":"));
    assert!(names_file_and_line("  on terraform.tfvars line 1:"));
    assert!(!names_file_and_line("Error: Value for undeclared variable"));
    assert!(!names_file_and_line("  on the command line"));
}

/// Every folder under `tests/diagnostics/` is one case with its own snapshot. All cases run even
/// when some fail, so one `cargo test` writes every `.snap.new`; the failures are listed at the end.
#[test]
fn diagnostics() {
    let mut dirs: Vec<PathBuf> =
        std::fs::read_dir(cases_dir()).unwrap().map(|e| e.unwrap().path()).filter(|p| p.is_dir()).collect();
    dirs.sort();
    assert!(dirs.len() >= 45, "expected at least 45 cases, found {}", dirs.len());

    let mut failures = vec![];
    for dir in &dirs {
        let name = dir.file_name().unwrap().to_str().unwrap().to_string();
        assert!(dir.join("main.tf").is_file(), "{name}: no main.tf");
        if let Err(e) = std::panic::catch_unwind(|| check_case(&name, dir)) {
            let msg = e.downcast_ref::<String>().cloned().or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()));
            failures.push(msg.unwrap_or_else(|| format!("{name}: panicked")));
        }
    }
    assert!(failures.is_empty(), "{} of {} cases failed:\n\n{}", failures.len(), dirs.len(), failures.join("\n\n"));
}
