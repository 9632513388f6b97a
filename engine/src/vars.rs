//! Input variables: collects raw values from every source Terraform reads, applies Terraform's
//! precedence, converts each to its declared type and marks sensitive ones.
//!
//! Precedence, lowest first: `default`, `TF_VAR_name` environment variables, `terraform.tfvars`,
//! `terraform.tfvars.json`, `*.auto.tfvars` / `*.auto.tfvars.json` in lexical order, then
//! `-var` and `-var-file` in the order given on the command line.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use infra_lang::convert::convert;
use infra_lang::eval::{eval, EvalContext};
use infra_lang::{Type, Value};

use crate::config::Config;
use crate::diag::{suggest, Diagnostic, Diagnostics, Loc, SourceFile};

/// A command-line variable argument, in the order given.
#[derive(Clone, Debug)]
pub enum VarArg {
    /// `-var 'name=value'`
    Var(String),
    /// `-var-file=path`
    File(PathBuf),
}

/// Where a raw value came from (for messages).
#[derive(Clone, Debug)]
enum Raw {
    /// A string to interpret per the variable's type (env and `-var`).
    Text(String, String),
    /// An already evaluated value from a file.
    Value(Value, Loc),
}

/// Resolves every declared variable's value.
pub fn resolve(config: &Config, args: &[VarArg], env: &[(String, String)]) -> (BTreeMap<String, Value>, Diagnostics) {
    let mut diags = Diagnostics::default();
    let raw = collect(config, args, env, &mut diags);
    convert_all(config, raw, diags)
}

/// Required root variables (no default) that no source sets: what an interactive run asks for.
pub fn unset_required(config: &Config, args: &[VarArg], env: &[(String, String)]) -> Vec<String> {
    let raw = collect(config, args, env, &mut Diagnostics::default());
    config.variables.iter().filter(|(n, v)| v.default.is_none() && !raw.contains_key(*n)).map(|(n, _)| n.clone()).collect()
}

/// Raw values from every source, later sources overriding earlier ones.
fn collect(config: &Config, args: &[VarArg], env: &[(String, String)], diags: &mut Diagnostics) -> BTreeMap<String, Raw> {
    let mut raw: BTreeMap<String, Raw> = BTreeMap::new();

    for (k, v) in env {
        if let Some(name) = k.strip_prefix("TF_VAR_") {
            if config.variables.contains_key(name) {
                raw.insert(name.to_string(), Raw::Text(v.clone(), format!("environment variable {k}")));
            }
        }
    }
    let mut files: Vec<PathBuf> = Vec::new();
    for f in ["terraform.tfvars", "terraform.tfvars.json"] {
        let p = config.dir.join(f);
        if p.is_file() {
            files.push(p);
        }
    }
    let mut autos: Vec<PathBuf> = std::fs::read_dir(&config.dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    let n = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                    n.ends_with(".auto.tfvars") || n.ends_with(".auto.tfvars.json")
                })
                .collect()
        })
        .unwrap_or_default();
    autos.sort();
    files.extend(autos);
    for f in &files {
        read_var_file(config, f, false, &mut raw, diags);
    }
    for a in args {
        match a {
            VarArg::File(p) => {
                let p = if p.is_absolute() { p.clone() } else { std::env::current_dir().unwrap_or_default().join(p) };
                if !p.is_file() {
                    diags.push(Diagnostic::error("Failed to read variables file", format!("Given variables file {} does not exist.", p.display())));
                    continue;
                }
                read_var_file(config, &p, true, &mut raw, diags);
            }
            VarArg::Var(s) => {
                let Some((name, value)) = s.split_once('=') else {
                    diags.push(Diagnostic::error(
                        "Invalid -var option",
                        format!("The given -var option {s:?} is not correctly specified. Variables must be set as -var 'name=value'."),
                    ));
                    continue;
                };
                let name = name.trim();
                if !config.variables.contains_key(name) {
                    let hint = suggest(name, config.variables.keys().map(String::as_str)).map(|s| format!(" Did you mean \"{s}\"?")).unwrap_or_default();
                    diags.push(Diagnostic::error(
                        "Value for undeclared variable",
                        format!("A variable named \"{name}\" was assigned on the command line, but the root module does not declare a variable of that name. To use this value, add a \"variable\" block to the configuration.{hint}"),
                    ));
                    continue;
                }
                raw.insert(name.to_string(), Raw::Text(value.to_string(), "-var option".into()));
            }
        }
    }

    raw
}

/// Converts raw values to each variable's type, applying defaults, sensitivity and validation.
fn convert_all(config: &Config, mut raw: BTreeMap<String, Raw>, mut diags: Diagnostics) -> (BTreeMap<String, Value>, Diagnostics) {
    let mut out = BTreeMap::new();
    for (name, decl) in &config.variables {
        let ty = decl.ty.clone().unwrap_or(Type::Dynamic);
        // Where the value came from, for messages: (summary, description, location).
        let origin: (&str, String, Option<Loc>);
        let value = match raw.remove(name) {
            Some(Raw::Text(text, source)) => match parse_text(&text, &ty) {
                Ok(v) => {
                    origin = ("Invalid value for input variable", format!(" (set by the {source})"), Some(decl.loc.clone()));
                    v
                }
                Err(e) => {
                    diags.push(Diagnostic::error(
                        "Invalid value for input variable",
                        format!("The value given for variable \"{name}\" in the {source} is not valid: {e}."),
                    ));
                    continue;
                }
            },
            Some(Raw::Value(v, loc)) => {
                origin = ("Invalid value for input variable", format!(" (set in {})", loc.file.name), Some(loc));
                v
            }
            None => match &decl.default {
                Some(d) => match eval(&d.expr, &EvalContext::default()) {
                    Ok(v) => {
                        origin = ("Invalid default value for variable", " (its default)".to_string(), Some(d.loc.clone()));
                        v
                    }
                    Err(ds) => {
                        diags.extend(ds.into_iter().map(|x| Diagnostic::from_lang(x, &d.loc.file, &d.loc.span)));
                        continue;
                    }
                },
                None => {
                    diags.push(
                        Diagnostic::error(
                            "No value for required variable",
                            format!("The root module input variable \"{name}\" is not set, and has no default value. Use a -var or -var-file command line argument, a terraform.tfvars file or the TF_VAR_{name} environment variable to provide a value."),
                        )
                        .at(decl.loc.clone()),
                    );
                    continue;
                }
            },
        };
        if value.is_null() && !decl.nullable {
            diags.push(Diagnostic::error("Required variable not set", format!("The variable \"{name}\" is not nullable, but null was given.")).at(decl.loc.clone()));
            continue;
        }
        let converted = match &decl.constraint {
            Some(c) => c.apply(value),
            None => convert(value, &ty),
        };
        let value = match converted {
            Ok(v) => v,
            Err(e) => {
                let (summary, from, loc) = origin;
                // Never show the source line of a sensitive value: point at the declaration.
                let loc = if decl.sensitive { Some(decl.loc.clone()) } else { loc };
                diags.push(
                    Diagnostic::error(summary, format!("The given value{from} is not suitable for var.{name} declared at {}: {e}.", decl.loc.short()))
                        .at_opt(loc),
                );
                continue;
            }
        };
        let value = if decl.sensitive { value.sensitive() } else { value };
        out.insert(name.clone(), value);
    }
    // Validation runs once every value is known: a condition may refer to other variables (as
    // in Terraform 1.9); a variable whose value was refused is unknown there.
    let mut all: BTreeMap<String, Value> = config.variables.iter().map(|(n, d)| (n.clone(), Value::Unknown(d.ty.clone().unwrap_or(Type::Dynamic)))).collect();
    all.extend(out.iter().map(|(k, v)| (k.clone(), v.clone())));
    let mut refused = Vec::new();
    for (name, value) in &out {
        if let Err(d) = validate(name, value, &config.variables[name], &all) {
            diags.push(d);
            refused.push(name.clone());
        }
    }
    for name in refused {
        out.remove(&name);
    }
    (out, diags)
}

/// `-var`/env values: strings for primitive types, HCL expressions otherwise.
fn parse_text(text: &str, ty: &Type) -> Result<Value, String> {
    // Like Terraform: literal strings unless the type constraint is a collection or structure.
    if ty.is_primitive() || *ty == Type::Dynamic {
        return Ok(Value::string(text));
    }
    let expr = hcl_edit::parser::parse_expr(text).map_err(|e| e.message().to_string())?;
    eval(&expr, &EvalContext::default()).map_err(|ds| ds.into_iter().map(|d| d.summary).collect::<Vec<_>>().join("; "))
}

fn read_var_file(config: &Config, path: &Path, explicit: bool, raw: &mut BTreeMap<String, Raw>, diags: &mut Diagnostics) {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            diags.push(Diagnostic::error("Failed to read variables file", format!("Could not read {}: {e}.", path.display())));
            return;
        }
    };
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let file = Arc::new(SourceFile { name: name.clone(), path: path.to_path_buf(), text });
    let mut entries: Vec<(String, Value, Loc)> = Vec::new();
    if name.ends_with(".json") {
        match serde_json::from_str::<serde_json::Value>(&file.text) {
            Ok(serde_json::Value::Object(o)) => {
                for (k, v) in o {
                    match Value::from_json(&v, &Type::Dynamic) {
                        Ok(val) => entries.push((k, val, Loc { file: file.clone(), span: 0..0 })),
                        Err(e) => diags.push(Diagnostic::error("Invalid variables file", e)),
                    }
                }
            }
            Ok(_) => diags.push(Diagnostic::error("Invalid variables file", format!("{name} must contain a JSON object."))),
            Err(e) => diags.push(Diagnostic::error("Invalid variables file", format!("{name}: {e}"))),
        }
    } else {
        let body = match hcl_edit::parser::parse_body(&file.text) {
            Ok(b) => b,
            Err(e) => {
                let off = e.location().offset();
                let (summary, detail) = crate::parse_errors::classify(e.message(), &file.text, off);
                diags.push(Diagnostic::error(summary, detail).at(Loc { file: file.clone(), span: off..off + 1 }));
                return;
            }
        };
        for s in body.iter() {
            use hcl_edit::Span;
            match s {
                hcl_edit::structure::Structure::Attribute(a) => {
                    let span = a.value.span().unwrap_or(0..0);
                    if let Some(fspan) = crate::config::function_call_span(&a.value) {
                        diags.push(
                            Diagnostic::error("Function calls not allowed", "Functions may not be called here: variable files may contain only literal values.")
                                .at(Loc { file: file.clone(), span: fspan }),
                        );
                        continue;
                    }
                    match eval(&a.value, &EvalContext::default()) {
                        Ok(v) => entries.push((a.key.as_str().to_string(), v, Loc { file: file.clone(), span })),
                        Err(ds) => diags.extend(ds.into_iter().map(|d| Diagnostic::from_lang(d, &file, &span))),
                    }
                }
                hcl_edit::structure::Structure::Block(b) => diags.push(
                    Diagnostic::error("Unexpected block", "Variable files may contain only attribute definitions (name = value).")
                        .at(Loc { file: file.clone(), span: b.ident.span().unwrap_or(0..0) }),
                ),
            }
        }
    }
    for (k, v, loc) in entries {
        if !config.variables.contains_key(&k) {
            let d = Diagnostic::warning(
                "Value for undeclared variable",
                format!("The root module does not declare a variable named \"{k}\" but a value was found in file \"{name}\". To use this value, add a \"variable\" block to the configuration."),
            )
            .at(loc.clone());
            let _ = explicit;
            diags.push(d);
            continue;
        }
        raw.insert(k, Raw::Value(v, loc));
    }
}

/// Runs a variable's `validation` blocks against its value.
/// `others`: the module's variables by name (unknown where not available); `value` wins for
/// `name`.
pub(crate) fn validate(name: &str, value: &Value, decl: &crate::config::Variable, others: &BTreeMap<String, Value>) -> Result<(), Diagnostic> {
    let mut vars = others.clone();
    vars.insert(name.to_string(), value.clone());
    let ctx = EvalContext { variables: [("var".to_string(), Value::Object(vars))].into(), ..EvalContext::default() };
    for v in &decl.validations {
        let result = eval(&v.condition.expr, &ctx).map_err(|ds| {
            let d = ds.into_iter().next().map(|d| Diagnostic::from_lang(d, &v.condition.loc.file, &v.condition.loc.span));
            d.unwrap_or_else(|| Diagnostic::error("Invalid variable validation result", ""))
        })?;
        if !result.is_known() {
            continue;
        }
        let ok = match convert(result.clone(), &Type::Bool) {
            Ok(b) if !b.is_null() => b.unmarked().as_bool().unwrap_or(false),
            _ => {
                return Err(Diagnostic::error(
                    "Invalid variable validation result",
                    "Invalid validation condition result value: a bool is required.",
                )
                .at(v.condition.loc.clone()))
            }
        };
        if !ok {
            let message = eval(&v.error_message.expr, &ctx)
                .ok()
                .and_then(|m| if m.contains_sensitive() { None } else { m.unmarked().as_str().map(str::to_string) })
                .unwrap_or_else(|| "(the error message is sensitive or invalid)".to_string());
            return Err(Diagnostic::error("Invalid value for variable", format!("{message}\n\nThis was checked by the validation rule at {}.", v.loc.short()))
                .at(decl.loc.clone()));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::load_file;

    #[test]
    fn unset_required_lists_only_variables_nobody_sets() {
        let mut config = Config::default();
        let file = Arc::new(SourceFile {
            name: "main.tf".into(),
            path: "main.tf".into(),
            text: "variable \"a\" {}\nvariable \"b\" {}\nvariable \"c\" {}\nvariable \"d\" {\n  default = 1\n}\n".into(),
        });
        load_file(&mut config, &file, &mut Diagnostics::default());
        config.dir = std::env::temp_dir().join("infra-vars-test-no-tfvars");
        let args = [VarArg::Var("a=1".into())];
        let env = [("TF_VAR_b".to_string(), "x".to_string())];
        assert_eq!(unset_required(&config, &args, &env), vec!["c".to_string()]);
    }
}
