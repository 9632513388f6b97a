//! Terraform's JSON configuration syntax (`*.tf.json`): translated into the equivalent native
//! syntax text, which the ordinary loader then reads. JSON strings are templates (`${...}`),
//! except where Terraform reads them as bare expressions (`type`, `depends_on`, `provider`,
//! `ignore_changes`, `replace_triggered_by`, `moved` addresses).

use serde_json::{Map, Value as J};

/// Why a JSON configuration could not be read: summary, detail and byte offset.
#[derive(Debug, Clone, PartialEq)]
pub struct JsonConfigError {
    pub summary: String,
    pub detail: String,
    pub offset: usize,
}

fn err(summary: &str, detail: impl Into<String>) -> JsonConfigError {
    JsonConfigError { summary: summary.into(), detail: detail.into(), offset: 0 }
}

/// Translates a `.tf.json` document into native syntax.
pub fn to_native(text: &str) -> Result<String, JsonConfigError> {
    let doc: J = serde_json::from_str(text).map_err(|e| {
        let offset = text.lines().take(e.line().saturating_sub(1)).map(|l| l.len() + 1).sum::<usize>() + e.column().saturating_sub(1);
        let summary = match e.classify() {
            serde_json::error::Category::Eof => "Unclosed object",
            _ => "Invalid JSON",
        };
        JsonConfigError { summary: summary.into(), detail: format!("{e}."), offset }
    })?;
    let J::Object(top) = doc else {
        return Err(err("Invalid JSON configuration", "The root of a .tf.json file must be a JSON object."));
    };
    let mut out = String::new();
    for (kind, v) in &top {
        match kind.as_str() {
            "//" => {}
            "variable" | "output" | "module" | "provider" => {
                for (name, body) in entries(v, kind)? {
                    for b in bodies(body) {
                        out.push_str(&format!("{kind} {} {{\n{}}}\n", quote(&name), body_text(b, kind)?));
                    }
                }
            }
            "resource" | "data" => {
                for (ty, named) in entries(v, kind)? {
                    for (name, body) in entries(named, kind)? {
                        for b in bodies(body) {
                            out.push_str(&format!("{kind} {} {} {{\n{}}}\n", quote(&ty), quote(&name), body_text(b, "resource")?));
                        }
                    }
                }
            }
            "locals" => {
                for b in bodies(v) {
                    let J::Object(m) = b else { return Err(err("Invalid locals block", "locals must be a JSON object.")) };
                    out.push_str("locals {\n");
                    for (k, e) in m {
                        if k != "//" {
                            out.push_str(&format!("  {k} = {}\n", expr(e)));
                        }
                    }
                    out.push_str("}\n");
                }
            }
            "terraform" => {
                for b in bodies(v) {
                    out.push_str(&format!("terraform {{\n{}}}\n", body_text(b, "terraform")?));
                }
            }
            "moved" => {
                for b in bodies(v) {
                    out.push_str(&format!("moved {{\n{}}}\n", body_text(b, "moved")?));
                }
            }
            other => {
                return Err(err(
                    "Extraneous JSON object property",
                    format!("No argument or block type is named \"{other}\". Top-level properties are block types such as resource, variable, output, locals."),
                ))
            }
        }
    }
    Ok(out)
}

fn entries<'a>(v: &'a J, kind: &str) -> Result<Vec<(String, &'a J)>, JsonConfigError> {
    match v {
        J::Object(m) => Ok(m.iter().filter(|(k, _)| k.as_str() != "//").map(|(k, v)| (k.clone(), v)).collect()),
        J::Array(items) => {
            let mut out = Vec::new();
            for i in items {
                out.extend(entries(i, kind)?);
            }
            Ok(out)
        }
        _ => Err(err("Invalid JSON configuration", format!("A {kind} property must be a JSON object of labelled blocks."))),
    }
}

/// A block body may be given as an object or an array of objects (repeated blocks).
fn bodies(v: &J) -> Vec<&J> {
    match v {
        J::Array(items) => items.iter().collect(),
        other => vec![other],
    }
}

/// Nested block types of each context (everything else is an argument).
fn nested_blocks(ctx: &str) -> &'static [&'static str] {
    match ctx {
        "resource" => &["lifecycle", "provisioner", "connection"],
        "variable" => &["validation"],
        "output" => &["precondition"],
        "terraform" => &["required_providers", "backend", "cloud"],
        _ => &[],
    }
}

/// Arguments whose JSON string is a bare expression rather than a template.
fn raw_expression(ctx: &str, key: &str) -> bool {
    matches!((ctx, key), ("variable", "type") | (_, "depends_on") | ("resource", "provider") | ("lifecycle", "ignore_changes") | ("lifecycle", "replace_triggered_by") | ("moved", "from") | ("moved", "to"))
}

fn body_text(v: &J, ctx: &str) -> Result<String, JsonConfigError> {
    let J::Object(m) = v else {
        return Err(err("Invalid JSON configuration", format!("A {ctx} block body must be a JSON object.")));
    };
    Ok(body_of(m, ctx, 1))
}

fn body_of(m: &Map<String, J>, ctx: &str, depth: usize) -> String {
    let pad = "  ".repeat(depth);
    let mut out = String::new();
    for (k, v) in m {
        if k == "//" {
            continue;
        }
        if nested_blocks(ctx).contains(&k.as_str()) {
            // `backend: {"local": {...}}` has a label; other nested blocks have none.
            if matches!(k.as_str(), "backend" | "provisioner") {
                if let J::Object(labelled) = v {
                    for (label, b) in labelled {
                        for b in bodies(b) {
                            if let J::Object(bm) = b {
                                out.push_str(&format!("{pad}{k} {} {{\n{}{pad}}}\n", quote(label), body_of(bm, k, depth + 1)));
                            }
                        }
                    }
                }
                continue;
            }
            for b in bodies(v) {
                if let J::Object(bm) = b {
                    out.push_str(&format!("{pad}{k} {{\n{}{pad}}}\n", body_of(bm, k, depth + 1)));
                }
            }
            continue;
        }
        let value = if raw_expression(ctx, k) { raw(v) } else { expr(v) };
        out.push_str(&format!("{pad}{k} = {value}\n"));
    }
    out
}

/// A bare-expression string (`"list(string)"`, `"null_resource.a"`), or lists of them.
fn raw(v: &J) -> String {
    match v {
        J::String(s) => s.trim_start_matches("${").trim_end_matches('}').to_string(),
        J::Array(items) => format!("[{}]", items.iter().map(raw).collect::<Vec<_>>().join(", ")),
        other => expr(other),
    }
}

/// A JSON value as a native expression: strings are templates.
fn expr(v: &J) -> String {
    match v {
        J::Null => "null".into(),
        J::Bool(b) => b.to_string(),
        J::Number(n) => n.to_string(),
        J::String(s) => template(s),
        J::Array(items) => format!("[{}]", items.iter().map(expr).collect::<Vec<_>>().join(", ")),
        J::Object(m) => {
            let parts: Vec<String> = m.iter().filter(|(k, _)| k.as_str() != "//").map(|(k, v)| format!("{} = {}", quote(k), expr(v))).collect();
            format!("{{ {} }}", parts.join(", "))
        }
    }
}

/// A JSON string as a native template literal: the same `${`/`%{` syntax, other characters
/// escaped.
fn template(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A literal (non-template) quoted string: `$` and `%` before `{` are escaped.
fn quote(s: &str) -> String {
    template(&s.replace("${", "$${").replace("%{", "%%{"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn translates_blocks_and_templates() {
        let native = to_native(r#"{"variable": {"v": {"type": "list(string)", "default": ["a"]}}, "output": {"o": {"value": "${var.v[0]}-x"}}, "resource": {"null_resource": {"a": {"triggers": {"k": "v"}, "lifecycle": {"ignore_changes": ["triggers"]}}}}}"#).unwrap();
        assert!(native.contains("type = list(string)"), "{native}");
        assert!(native.contains("value = \"${var.v[0]}-x\""), "{native}");
        assert!(native.contains("lifecycle {"), "{native}");
        assert!(native.contains("ignore_changes = [triggers]"), "{native}");
        assert!(hcl_edit::parser::parse_body(&native).is_ok(), "{native}");
    }

    #[test]
    fn rejects_unknown_top_level_properties_and_bad_json() {
        assert_eq!(to_native(r#"{"widget": {}}"#).unwrap_err().summary, "Extraneous JSON object property");
        assert_eq!(to_native(r#"{"output": {"a": {"value": 1}}"#).unwrap_err().summary, "Unclosed object");
    }
}
