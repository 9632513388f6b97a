//! `infra fmt` tests. Every pair in `fmt_fixtures/` is `{name}.in.tf` and the
//! exact bytes Terraform 1.0.3's `terraform fmt` wrote for it (`{name}.out.tf`,
//! produced in `-write` mode, so no newline is added at the end of a file).
//! The inputs are corpus files, deliberately mis-formatted variants of them,
//! and hand-written edge cases (`edge-*`).

use std::fs;
use std::path::{Path, PathBuf};

use infra_engine::fmt::{format_source, run, FmtError, FmtOptions};

fn fixtures() -> Vec<(String, String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fmt_fixtures");
    let mut out = Vec::new();
    for entry in fs::read_dir(&dir).expect("fixture dir") {
        let path = entry.expect("entry").path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if let Some(stem) = name.strip_suffix(".in.tf") {
            let input = fs::read_to_string(&path).expect("input");
            let expected = fs::read_to_string(dir.join(format!("{stem}.out.tf"))).expect("expected output");
            out.push((stem.to_string(), input, expected));
        }
    }
    out.sort();
    out
}

#[test]
fn fixtures_match_terraform_fmt() {
    let fixtures = fixtures();
    assert!(fixtures.len() >= 50, "expected the full fixture set, found {}", fixtures.len());
    let mut failures = Vec::new();
    for (name, input, expected) in &fixtures {
        match format_source(input) {
            Ok(got) if &got == expected => {}
            Ok(got) => failures.push(format!(
                "{name}:\n{}",
                similar::TextDiff::from_lines(expected.as_str(), got.as_str())
                    .unified_diff()
                    .header("terraform", "infra")
            )),
            Err(e) => failures.push(format!("{name}: unexpected error {e}")),
        }
    }
    assert!(failures.is_empty(), "{} of {} fixtures differ:\n{}", failures.len(), fixtures.len(), failures.join("\n"));
}

#[test]
fn formatting_is_idempotent() {
    for (name, input, _) in fixtures() {
        let once = format_source(&input).expect("formats");
        let twice = format_source(&once).expect("formats again");
        assert_eq!(once, twice, "{name}: second pass changed the output");
    }
}

#[test]
fn formatted_files_are_unchanged() {
    for (name, _, expected) in fixtures() {
        assert_eq!(format_source(&expected).expect("formats"), expected, "{name}");
    }
}

#[test]
fn rules_in_brief() {
    let cases: &[(&str, &str)] = &[
        // `=` aligned in a run of single-line attributes; one space around `=`.
        ("a=1\nbbb   =   2\n", "a   = 1\nbbb = 2\n"),
        // Blank lines, own-line comments and nested blocks break the run.
        ("a = 1\n\nbbb = 2\n", "a = 1\n\nbbb = 2\n"),
        ("a = 1\n# c\nbbb = 2\n", "a = 1\n# c\nbbb = 2\n"),
        ("b {\na=1\nx {}\nccc=2\n}\n", "b {\n  a = 1\n  x {}\n  ccc = 2\n}\n"),
        // A multi-line value ends the run too (its line has open brackets).
        ("a = [\n1,\n]\nbb = 2\nc = 3\n", "a = [\n  1,\n]\nbb = 2\nc  = 3\n"),
        // Multiple blank lines are kept; trailing whitespace is removed.
        ("a = 1   \n\n\n\nb = 2\n", "a = 1\n\n\n\nb = 2\n"),
        // Empty blocks stay `{}`; `{` stays on the header line.
        ("x   {\n}\ny{ }\n", "x {\n}\ny {}\n"),
        // Trailing comments are aligned across consecutive lines.
        ("a = 1 # x\nbbb = 2 # y\n", "a   = 1 # x\nbbb = 2 # y\n"),
        // Terraform 1.0's fmt does unwrap interpolation-only strings.
        ("a = \"${var.x}\"\nb = \"${var.x}-y\"\n", "a = var.x\nb = \"${var.x}-y\"\n"),
        // Legacy variable types and unquoted labels are normalised.
        ("variable x {\ntype = \"string\"\n}\n", "variable \"x\" {\n  type = string\n}\n"),
        ("variable \"x\" { type = list }\n", "variable \"x\" { type = list(any) }\n"),
        // Spacing inside brackets, around operators and after commas.
        ("a = f( 1 ,2 )[ 0 ]\nb = - 1 + 2*3\n", "a = f(1, 2)[0]\nb = -1 + 2 * 3\n"),
        // Heredoc content is untouched.
        ("a = <<EOT\n   x  =  1\n  EOT\n", "a = <<EOT\n   x  =  1\n  EOT\n"),
        // No final newline is added (Terraform's -write output).
        ("a=1", "a = 1"),
    ];
    for (input, expected) in cases {
        assert_eq!(&format_source(input).expect("formats"), expected, "input: {input:?}");
    }
}

/// Terraform unwraps one level per run, so a nested interpolation-only string
/// takes two runs to settle; we reproduce that rather than diverge.
#[test]
fn nested_interpolation_unwraps_one_level_per_run() {
    let once = format_source("c = \"${\"${x}\"}\"\n").expect("formats");
    assert_eq!(once, "c = \"${x}\"\n");
    assert_eq!(format_source(&once).expect("formats"), "c = x\n");
}

#[test]
fn syntax_errors_have_positions() {
    let cases: &[(&str, usize, usize)] = &[
        ("a = \n", 1, 5),
        ("resource \"a\" \"b\" {\n  x = [1, 2\n}\n", 3, 1),
        ("a = 1;\n", 1, 6),
        ("locals {\n  a = local.n.1.0\n}\n", 2, 15),
        ("x {\n", 1, 5),
    ];
    for (input, line, column) in cases {
        let err: FmtError = format_source(input).expect_err(input);
        assert_eq!((err.line, err.column), (*line, *column), "{input:?}: {err}");
        assert!(!err.message.is_empty());
        assert!(err.to_string().starts_with(&format!("{line}:{column}: ")), "{err}");
    }
}

fn workdir() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().to_path_buf();
    fs::write(root.join("main.tf"), "a=1\n").unwrap();
    fs::write(root.join("ok.tf"), "a = 1\n").unwrap();
    fs::write(root.join("vars.tfvars"), "x =  2\n").unwrap();
    fs::write(root.join("notes.txt"), "a=1\n").unwrap();
    fs::write(root.join(".hidden.tf"), "a=1\n").unwrap();
    fs::create_dir(root.join("sub")).unwrap();
    fs::write(root.join("sub/child.tf"), "b=2\n").unwrap();
    (tmp, root)
}

#[test]
fn check_lists_without_writing() {
    let (_tmp, root) = workdir();
    let opts = FmtOptions { check: true, diff: false, recursive: false, write: true, list: true };
    let out = run(std::slice::from_ref(&root), &opts);
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    assert_eq!(out.changed_files, vec![root.join("main.tf"), root.join("vars.tfvars")]);
    assert_eq!(out.stdout, format!("{}\n{}\n", root.join("main.tf").display(), root.join("vars.tfvars").display()));
    assert_eq!(fs::read_to_string(root.join("main.tf")).unwrap(), "a=1\n");
}

#[test]
fn write_and_recursive() {
    let (_tmp, root) = workdir();
    let opts = FmtOptions { check: false, diff: false, recursive: true, write: true, list: true };
    let out = run(std::slice::from_ref(&root), &opts);
    assert_eq!(out.changed_files.len(), 3, "{:?}", out.changed_files);
    assert_eq!(fs::read_to_string(root.join("main.tf")).unwrap(), "a = 1\n");
    assert_eq!(fs::read_to_string(root.join("sub/child.tf")).unwrap(), "b = 2\n");
    assert_eq!(fs::read_to_string(root.join(".hidden.tf")).unwrap(), "a=1\n");
    assert_eq!(fs::read_to_string(root.join("notes.txt")).unwrap(), "a=1\n");
    let again = run(&[root], &opts);
    assert!(again.changed_files.is_empty());
}

#[test]
fn diff_is_unified() {
    let (_tmp, root) = workdir();
    let file = root.join("main.tf");
    let opts = FmtOptions { check: false, diff: true, recursive: false, write: false, list: false };
    let out = run(std::slice::from_ref(&file), &opts);
    let name = file.display();
    assert_eq!(out.stdout, format!("--- old/{name}\n+++ new/{name}\n@@ -1 +1 @@\n-a=1\n+a = 1\n"));
    assert_eq!(fs::read_to_string(&file).unwrap(), "a=1\n");
}

#[test]
fn no_flags_prints_formatted_content() {
    let (_tmp, root) = workdir();
    let opts = FmtOptions { check: false, diff: false, recursive: false, write: false, list: false };
    let out = run(&[root.join("main.tf")], &opts);
    assert_eq!(out.stdout, "a = 1\n");
}

#[test]
fn bad_paths_and_syntax_errors_are_reported() {
    let (_tmp, root) = workdir();
    fs::write(root.join("broken.tf"), "a = \n").unwrap();
    let opts = FmtOptions::default();
    let out = run(&[root.join("missing"), root.join("notes.txt"), root.join("broken.tf")], &opts);
    assert_eq!(out.errors.len(), 3, "{:?}", out.errors);
    assert!(out.errors[0].starts_with("No file or directory at "));
    assert!(out.errors[1].contains("Only .tf and .tfvars files"));
    assert!(out.errors[2].contains("broken.tf:1:5:"), "{}", out.errors[2]);
    assert_eq!(fs::read_to_string(root.join("broken.tf")).unwrap(), "a = \n");
}

/// Found by the `fmt` fuzz target: `::` in a namespaced function name was spaced as two
/// colons (`provider : : x : : f(1)`), which no longer parses.
#[test]
fn namespaced_function_calls_keep_their_double_colons() {
    let src = "output \"o\" {\n  value = provider::x::f({a = null, b = \"x\"})\n}\n";
    let once = format_source(src).expect("formats");
    assert_eq!(once, "output \"o\" {\n  value = provider::x::f({ a = null, b = \"x\" })\n}\n");
    assert_eq!(format_source(&once).as_deref(), Ok(once.as_str()));
}
