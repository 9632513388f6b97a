//! Helpers for the CLI integration tests: a temp working directory per test, a runner for the
//! `infra` binary, and the filters that make its output stable for insta snapshots.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use tempfile::TempDir;

pub mod examples;

/// The `infra` binary built by cargo for this test run.
pub const INFRA: &str = env!("CARGO_BIN_EXE_infra");

/// A fresh working directory for one test.
pub struct Ctx {
    pub dir: TempDir,
}

/// Root of the fixtures shipped with these tests.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join("fixtures")
}

impl Ctx {
    pub fn new() -> Ctx {
        Ctx { dir: tempfile::Builder::new().prefix("infra-cli-").tempdir().expect("tempdir") }
    }

    /// A context whose directory holds a copy of `tests/fixtures/<name>/*.tf`.
    pub fn with_fixture(name: &str) -> Ctx {
        let ctx = Ctx::new();
        ctx.copy_fixture(name);
        ctx
    }

    /// Replace every `.tf` file with the files of `tests/fixtures/<name>/`.
    pub fn copy_fixture(&self, name: &str) {
        for e in std::fs::read_dir(self.path()).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "tf" || x == "tfvars") {
                std::fs::remove_file(p).unwrap();
            }
        }
        let src = fixtures().join(name);
        let mut n = 0;
        for e in std::fs::read_dir(&src).unwrap_or_else(|e| panic!("fixture {}: {e}", src.display())) {
            let p = e.unwrap().path();
            if p.is_file() {
                std::fs::copy(&p, self.path().join(p.file_name().unwrap())).unwrap();
                n += 1;
            }
        }
        assert!(n > 0, "fixture {name} is empty");
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn write(&self, name: &str, text: &str) {
        std::fs::write(self.path().join(name), text).unwrap();
    }

    pub fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.path().join(name)).unwrap()
    }

    /// A command for `infra ARGS` in this directory, with colour off and no TF_VAR_ from the
    /// environment of the test runner.
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(INFRA);
        c.args(args).current_dir(self.path()).env("NO_COLOR", "1").stdin(Stdio::null());
        for (k, _) in std::env::vars() {
            if k.starts_with("TF_VAR_") || k.starts_with("INFRA_") {
                c.env_remove(k);
            }
        }
        c
    }

    pub fn run(&self, args: &[&str]) -> Run {
        let out = self.cmd(args).output().expect("run infra");
        Run::from(out)
    }

    /// Runs and asserts exit code 0; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let r = self.run(args);
        assert_eq!(r.code, 0, "infra {args:?} failed:\n{}", r.text());
        r.stdout
    }

    /// `state list` as a sorted vector.
    pub fn state_list(&self) -> Vec<String> {
        let mut v: Vec<String> = self.ok(&["state", "list"]).lines().map(str::to_string).collect();
        v.sort();
        v
    }

    /// The filters for this context (its temp path first, then the generic ones).
    pub fn filters(&self) -> Vec<(String, String)> {
        let mut f = vec![];
        for p in [self.path().to_path_buf(), self.path().canonicalize().unwrap()] {
            f.push((regex_escape(&p.display().to_string()), "[TEMP]".to_string()));
        }
        f.extend(generic_filters());
        f
    }
}

/// The outcome of one run.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(o: Output) -> Run {
        Run {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

impl Run {
    /// What a user sees: exit code, stdout and stderr.
    pub fn text(&self) -> String {
        format!("exit_code: {}\n----- stdout -----\n{}\n----- stderr -----\n{}", self.code, self.stdout, self.stderr)
    }
    pub fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

fn regex_escape(s: &str) -> String {
    let mut o = String::new();
    for c in s.chars() {
        if "\\.+*?()|[]{}^$#&-~".contains(c) {
            o.push('\\');
        }
        o.push(c);
    }
    o
}

/// Filters for values that change from run to run.
pub fn generic_filters() -> Vec<(String, String)> {
    [
        // Lock info.
        (r"Who:( +)\S+", "Who:$1[WHO]"),
        (r"Version:( +)\S+", "Version:$1[VERSION]"),
        (r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?", "[TIMESTAMP]"),
        (r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}", "[UUID]"),
        (r"\[id=[^\]]*\]", "[id=[ID]]"),
        (r"after \d+s", "after [TIME]"),
        (r"\[\d+s elapsed\]", "[[TIME] elapsed]"),
        (r"\b\d{9,20}\b", "[NUM]"),
        (r"\b[0-9a-f]{8,128}\b", "[HEX]"),
    ]
    .into_iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect()
}

/// Run `infra ARGS` in `$ctx` and snapshot exit code + stdout + stderr through the filters:
/// `infra_snapshot!("name", ctx, &["plan"])`. Returns the [`Run`].
#[macro_export]
macro_rules! infra_snapshot {
    ($name:expr, $ctx:expr, $args:expr) => {{
        let ctx: &$crate::common::Ctx = &$ctx;
        let run = ctx.run($args);
        $crate::common::snapshot_run($name, ctx, &run);
        run
    }};
}

/// Snapshot a finished run through `ctx`'s filters.
pub fn snapshot_run(name: &str, ctx: &Ctx, run: &Run) {
    let filters = ctx.filters();
    let filters: Vec<(&str, &str)> = filters.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    insta::with_settings!({ filters => filters, prepend_module_to_snapshot => false, omit_expression => true, snapshot_path => concat!(env!("CARGO_MANIFEST_DIR"), "/tests/snapshots") }, {
        insta::assert_snapshot!(name.to_string(), run.text());
    });
}
