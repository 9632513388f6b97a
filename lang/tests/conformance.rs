//! Runs the expression-only subset of the Terraform conformance corpus (copied into
//! `tests/conformance/`): each case's `variable` defaults, `locals` and `output` blocks are
//! evaluated and compared with what Terraform 1.0.3 printed (`expected.json`) or rejected (`fail`).

use std::collections::BTreeMap;
use std::path::Path;

use hcl_edit::structure::{Body, Structure};
use infra_lang::convert::{convert, parse_type_constraint};
use infra_lang::{eval, EvalContext, Type, Value};

/// What a case produced: outputs as `(value json, type json, sensitive)` or an error.
type Outputs = BTreeMap<String, (serde_json::Value, serde_json::Value, bool)>;

fn attr<'a>(body: &'a Body, name: &str) -> Option<&'a hcl_edit::expr::Expression> {
    body.iter().find_map(|s| match s {
        Structure::Attribute(a) if a.key.as_str() == name => Some(&a.value),
        _ => None,
    })
}

fn run_case(dir: &Path) -> Result<Outputs, String> {
    let src = std::fs::read_to_string(dir.join("main.tf")).map_err(|e| e.to_string())?;
    let body = hcl_edit::parser::parse_body(&src).map_err(|e| format!("parse: {e}"))?;
    let mut ctx = EvalContext { variables: BTreeMap::new(), base_dir: dir.to_path_buf() };
    ctx.variables.insert(
        "path".into(),
        Value::object([("module", Value::from(".")), ("root", Value::from(".")), ("cwd", Value::from("."))]),
    );
    ctx.variables.insert("terraform".into(), Value::object([("workspace", Value::from("default"))]));

    let mut vars = BTreeMap::new();
    let mut locals_src = Vec::new();
    let mut outputs_src = Vec::new();
    let mut validations = Vec::new();
    for s in body.iter() {
        let Structure::Block(b) = s else { return Err("top-level attribute".into()) };
        let label = b.labels.first().map(|l| l.as_str().to_string());
        match b.ident.as_str() {
            "variable" => {
                let name = label.ok_or("variable without label")?;
                let ty = match attr(&b.body, "type") {
                    Some(t) => parse_type_constraint(t).map_err(|d| d.summary)?,
                    None => Type::Dynamic,
                };
                let default = attr(&b.body, "default").ok_or("No value for required variable")?;
                let v = eval(default, &EvalContext::new()).map_err(|d| d[0].summary.clone())?;
                let mut v = convert(v, &ty).map_err(|e| format!("Invalid default value for variable: {e}"))?;
                if let Some(sens) = attr(&b.body, "sensitive") {
                    if eval(sens, &EvalContext::new()).ok().and_then(|v| v.as_bool()) == Some(true) {
                        v = v.sensitive();
                    }
                }
                for vb in b.body.iter() {
                    if let Structure::Block(vb) = vb {
                        if vb.ident.as_str() == "validation" {
                            if let Some(c) = attr(&vb.body, "condition") {
                                validations.push(c.clone());
                            }
                        }
                    }
                }
                vars.insert(name, v);
            }
            "locals" => {
                for ls in b.body.iter() {
                    match ls {
                        Structure::Attribute(a) => locals_src.push((a.key.as_str().to_string(), a.value.clone())),
                        Structure::Block(_) => return Err("Unsupported block type".into()),
                    }
                }
            }
            "output" => {
                let name = label.ok_or("output without label")?;
                let value = attr(&b.body, "value").ok_or("Missing required argument")?.clone();
                let sens = attr(&b.body, "sensitive")
                    .map(|s| eval(s, &EvalContext::new()).ok().and_then(|v| v.as_bool()) == Some(true))
                    .unwrap_or(false);
                outputs_src.push((name, value, sens));
            }
            other => return Err(format!("unsupported block {other}")),
        }
    }
    ctx.variables.insert("var".into(), Value::Object(vars));
    for c in &validations {
        let ok = eval(c, &ctx).map_err(|d| d[0].summary.clone())?;
        if ok.unmarked().as_bool() != Some(true) {
            return Err("Invalid value for variable".into());
        }
    }
    // Locals in dependency order, by repeated passes.
    let mut locals: BTreeMap<String, Value> = BTreeMap::new();
    let mut pending = locals_src;
    while !pending.is_empty() {
        ctx.variables.insert("local".into(), Value::Object(locals.clone()));
        let before = pending.len();
        let mut again = Vec::new();
        let mut err = None;
        for (k, e) in pending.drain(..) {
            match eval(&e, &ctx) {
                Ok(v) => {
                    locals.insert(k, v);
                }
                Err(d) => {
                    err = Some(d[0].summary.clone());
                    again.push((k, e));
                }
            }
        }
        if again.len() == before {
            return Err(err.unwrap_or_default());
        }
        pending = again;
    }
    ctx.variables.insert("local".into(), Value::Object(locals));
    let mut out = Outputs::new();
    for (name, e, sens) in outputs_src {
        let v = eval(&e, &ctx).map_err(|d| format!("{}: {}", d[0].summary, d[0].detail))?;
        if v.contains_sensitive() && !sens {
            return Err("Output refers to sensitive values".into());
        }
        if !v.is_wholly_known() {
            return Err("unknown output".into());
        }
        if v.is_null() {
            continue;
        }
        out.insert(name, (v.to_json(), v.ty().to_json(), sens));
    }
    Ok(out)
}

fn check(dir: &Path) -> Result<(), String> {
    let got = run_case(dir);
    if let Ok(want) = std::fs::read_to_string(dir.join("fail")) {
        return match got {
            Err(_) => Ok(()),
            Ok(o) => Err(format!("expected failure {:?}, got {:?}", want.trim(), o)),
        };
    }
    let want: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).map_err(|e| e.to_string())?)
        .map_err(|e| e.to_string())?;
    let got = got?;
    let want = want.as_object().ok_or("expected.json not an object")?;
    for (k, w) in want {
        let Some((v, t, s)) = got.get(k) else { return Err(format!("missing output {k}")) };
        if &w["value"] != v {
            return Err(format!("{k}: value {v} != {}", w["value"]));
        }
        if &w["type"] != t {
            return Err(format!("{k}: type {t} != {}", w["type"]));
        }
        if w["sensitive"].as_bool() != Some(*s) {
            return Err(format!("{k}: sensitive {s}"));
        }
    }
    for k in got.keys() {
        if !want.contains_key(k) {
            return Err(format!("unexpected output {k}"));
        }
    }
    Ok(())
}

/// Minimum number of passing cases; raise it as coverage grows.
const MIN_PASS: usize = 548;

#[test]
fn conformance_subset() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance");
    let mut dirs: Vec<_> = std::fs::read_dir(&root).map(|r| r.filter_map(|e| e.ok()).map(|e| e.path()).collect()).unwrap_or_default();
    dirs.sort();
    let filter = std::env::var("CASE").unwrap_or_default();
    let mut pass = 0;
    let mut failures = Vec::new();
    for d in &dirs {
        let name = d.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if !name.contains(&filter) {
            continue;
        }
        match std::panic::catch_unwind(|| check(d)) {
            Ok(Ok(())) => pass += 1,
            Ok(Err(e)) => failures.push(format!("{name}: {e}")),
            Err(_) => failures.push(format!("{name}: PANIC")),
        }
    }
    for f in &failures {
        println!("FAIL {f}");
    }
    println!("conformance: {pass} passed, {} failed", failures.len());
    assert!(pass >= MIN_PASS, "only {pass} conformance cases passed");
    assert!(!failures.iter().any(|f| f.ends_with("PANIC")), "a case panicked");
}
