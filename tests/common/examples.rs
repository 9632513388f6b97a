//! What the runners of vendors' official examples (`tests/provider_examples*.rs`) share: the
//! steps each file goes through, the outcome of a file, running a type's files on a few threads,
//! and the summary that fails the test listing every problem.
#![allow(dead_code)]

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use super::Run;

/// The CLI steps of one example, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Step {
    Validate,
    Plan,
    Apply,
}

pub const VALIDATE: &[&str] = &["validate", "-no-color"];
pub const PLAN: &[&str] = &["plan", "-no-color", "-input=false"];
pub const APPLY: &[&str] = &["apply", "-auto-approve", "-no-color", "-input=false"];
pub const CONVERGED: &[&str] = &["plan", "-detailed-exitcode", "-no-color", "-input=false"];
pub const DESTROY: &[&str] = &["destroy", "-auto-approve", "-no-color", "-input=false"];

/// What happened to one file.
pub enum Outcome {
    Passed,
    /// Passed against the fake directly (a Prism false positive).
    PassedWithoutPrism(&'static str),
    ExpectedFailure,
    Skipped(&'static str),
    Failed(String),
}

/// `pattern` is a file name, or a prefix ending in `*`.
pub fn matches(pattern: &str, file: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => file.starts_with(prefix),
        None => pattern == file,
    }
}

pub fn step_name(args: &[&str]) -> String {
    format!("infra {}", args.join(" "))
}

pub fn failure(step: &[&str], why: &str, run: &Run) -> String {
    format!("{}: {why}\n{}", step_name(step), indent(&run.text()))
}

pub fn indent(s: &str) -> String {
    s.lines().map(|l| format!("    {l}")).collect::<Vec<_>>().join("\n")
}

/// A CLI failure that is a clear error: exit 1, an `Error:` line, no panic.
pub fn is_clear_error(run: &Run) -> bool {
    run.code == 1 && run.stderr.contains("Error:") && !run.all().contains("panicked")
}

/// The example files of one type directory: `*.tf` and `import.sh`, sorted.
pub fn files_of(dir: &Path) -> Vec<String> {
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|f| f.ends_with(".tf") || f == "import.sh")
        .collect();
    files.sort();
    files
}

/// Runs `run_file` over `files` on `workers` threads; the outcomes in file order.
pub fn run_files(files: &[String], workers: usize, run_file: impl Fn(&str) -> Outcome + Sync) -> Vec<(String, Outcome)> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<(String, Outcome)>> = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..workers.min(files.len()) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(file) = files.get(i) else { break };
                let outcome = run_file(file);
                results.lock().unwrap().push((file.clone(), outcome));
            });
        }
    });
    let mut results = results.into_inner().unwrap();
    results.sort_by(|a, b| a.0.cmp(&b.0));
    results
}

/// Prints the summary of one type (`how`: where the traffic went) and fails listing every
/// problem: `problems` found by the caller, each failed file, and fewer than `min_passed` passes.
pub fn report(ty: &str, results: &[(String, Outcome)], mut problems: Vec<String>, min_passed: usize, took: std::time::Duration, how: &str) {
    let count = |f: fn(&Outcome) -> bool| results.iter().filter(|(_, o)| f(o)).count();
    let passed = count(|o| matches!(o, Outcome::Passed));
    let direct = count(|o| matches!(o, Outcome::PassedWithoutPrism(_)));
    let expected = count(|o| matches!(o, Outcome::ExpectedFailure));
    let skipped = count(|o| matches!(o, Outcome::Skipped(_)));
    let failed = count(|o| matches!(o, Outcome::Failed(_)));
    println!(
        "{ty}: {passed} passed, {direct} passed without Prism, {expected} expected failures, {skipped} skipped, {failed} failed ({} files, {took:.1?}, {how})",
        results.len()
    );
    for (file, o) in results {
        match o {
            Outcome::Passed => println!("  pass     {file}"),
            Outcome::PassedWithoutPrism(why) => println!("  pass*    {file} (against the fake directly; Prism false positive: {why})"),
            Outcome::ExpectedFailure => println!("  xfail    {file}"),
            Outcome::Skipped(r) => println!("  skipped  {file}: {r}"),
            Outcome::Failed(_) => println!("  FAILED   {file}"),
        }
    }
    for (file, o) in results {
        if let Outcome::Failed(e) = o {
            problems.push(format!("{ty}/{file}:\n{e}"));
        }
    }
    if passed + direct < min_passed {
        problems.push(format!("{ty}: only {} files passed, at least {min_passed} did before", passed + direct));
    }
    assert!(problems.is_empty(), "{} problem(s):\n\n{}", problems.len(), problems.join("\n\n"));
}
