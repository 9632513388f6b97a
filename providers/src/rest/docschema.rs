//! Reads the `## Schema` section of a provider's official documentation page (the Markdown
//! that `tfplugindocs` generates) into a [`Block`], so that attribute names, types, nesting and
//! required/optional/read-only flags come from the same text users read:
//!
//! ```text
//! ### Required
//! - `name` (String) DNS record name …
//! ### Optional
//! - `settings` (Attributes) Settings … (see [below for nested schema](#nestedatt--settings))
//! <a id="nestedatt--settings"></a>
//! ### Nested Schema for `settings`
//! Optional:
//! - `ipv4_only` (Boolean) …
//! ```
//!
//! Types: `String`, `Number`, `Boolean`, `Dynamic`, `List of …`, `Set of …`, `Map of …`,
//! `Attributes` (single), `Attributes List`, `Attributes Set`, `Attributes Map`; flags after a
//! comma: `Sensitive`, `Deprecated`. Descriptions borrow from the page (`&'static str`).
//! What the docs do not say (an optional attribute that is also computed, defaults) is added
//! afterwards with [`Block::tweak`].

use std::collections::BTreeMap;

use infra_lang::Type;

use crate::rest::schema::{Attr, Block, Kind, Nesting};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Required,
    Optional,
    ReadOnly,
}

struct Line {
    mode: Mode,
    name: &'static str,
    ty: &'static str,
    description: &'static str,
}

enum TypeSpec {
    Value(Type),
    Nested(Nesting),
}

fn parse_type(s: &str) -> Option<TypeSpec> {
    Some(match s {
        "String" => TypeSpec::Value(Type::String),
        "Number" => TypeSpec::Value(Type::Number),
        "Boolean" => TypeSpec::Value(Type::Bool),
        "Dynamic" => TypeSpec::Value(Type::Dynamic),
        "Attributes" => TypeSpec::Nested(Nesting::Single),
        "Attributes List" => TypeSpec::Nested(Nesting::List),
        "Attributes Set" => TypeSpec::Nested(Nesting::Set),
        "Attributes Map" => TypeSpec::Nested(Nesting::Map),
        _ => {
            let (ctor, rest): (fn(Type) -> Type, &str) = if let Some(r) = s.strip_prefix("List of ")
            {
                (Type::list, r)
            } else if let Some(r) = s.strip_prefix("Set of ") {
                (Type::set, r)
            } else if let Some(r) = s.strip_prefix("Map of ") {
                (Type::map, r)
            } else {
                return None;
            };
            match parse_type(rest)? {
                TypeSpec::Value(t) => TypeSpec::Value(ctor(t)),
                TypeSpec::Nested(_) => return None,
            }
        }
    })
}

/// Parses the `## Schema` section of `doc`. Errors name the line that could not be read.
pub fn parse_schema(doc: &'static str) -> Result<Block, String> {
    let mut sections: BTreeMap<String, Vec<Line>> = BTreeMap::new();
    let mut in_schema = false;
    let mut section = String::new();
    let mut mode: Option<Mode> = None;
    let mut last: Option<(String, usize)> = None;
    for raw in doc.lines() {
        let line = raw.trim_end();
        if let Some(h) = line.strip_prefix("## ") {
            in_schema = h.trim() == "Schema";
            continue;
        }
        if !in_schema {
            continue;
        }
        let heading = line.trim_start_matches('#').trim();
        if line.starts_with("### Nested Schema for `") {
            section = heading
                .trim_start_matches("Nested Schema for `")
                .trim_end_matches('`')
                .to_string();
            mode = None;
            last = None;
            continue;
        }
        match heading.trim_end_matches(':') {
            "Required" => {
                mode = Some(Mode::Required);
                last = None;
                continue;
            }
            "Optional" => {
                mode = Some(Mode::Optional);
                last = None;
                continue;
            }
            "Read-Only" => {
                mode = Some(Mode::ReadOnly);
                last = None;
                continue;
            }
            _ => {}
        }
        if let Some(rest) = line.strip_prefix("- `") {
            let m = mode.ok_or_else(|| {
                format!("attribute outside a Required/Optional/Read-Only list: {line}")
            })?;
            let (name, rest) = rest
                .split_once('`')
                .ok_or_else(|| format!("unreadable attribute line: {line}"))?;
            let rest = rest
                .trim_start()
                .strip_prefix('(')
                .ok_or_else(|| format!("attribute without a type: {line}"))?;
            let (ty, desc) = rest
                .split_once(')')
                .ok_or_else(|| format!("attribute without a type: {line}"))?;
            let list = sections.entry(section.clone()).or_default();
            list.push(Line {
                mode: m,
                name,
                ty,
                description: desc.trim(),
            });
            last = Some((section.clone(), list.len() - 1));
            continue;
        }
        if line.is_empty() || line.starts_with('<') || line.starts_with('#') {
            last = None;
            continue;
        }
        // A continuation line of the last description: extend the borrowed slice.
        if let Some((s, i)) = &last {
            if let Some(entry) = sections.get_mut(s).and_then(|l| l.get_mut(*i)) {
                entry.description = extend(doc, entry.description, line);
            }
        }
    }
    if !sections.contains_key("") {
        return Err("the page has no `## Schema` section with attributes".into());
    }
    build(&sections, "")
}

/// The slice of `doc` from the start of `first` to the end of `next` (both slices of `doc`).
fn extend(doc: &'static str, first: &'static str, next: &str) -> &'static str {
    let base = doc.as_ptr() as usize;
    let start = first.as_ptr() as usize - base;
    let end = next.as_ptr() as usize - base + next.len();
    if first.is_empty() {
        return doc[next.as_ptr() as usize - base..end].trim();
    }
    &doc[start..end]
}

fn build(sections: &BTreeMap<String, Vec<Line>>, path: &str) -> Result<Block, String> {
    let mut block = Block::default();
    for line in sections.get(path).map(Vec::as_slice).unwrap_or_default() {
        let mut parts = line.ty.split(',').map(str::trim);
        let ty = parts.next().unwrap_or_default();
        let child = if path.is_empty() {
            line.name.to_string()
        } else {
            format!("{path}.{}", line.name)
        };
        let kind = match parse_type(ty) {
            Some(TypeSpec::Value(t)) => Kind::Value(t),
            Some(TypeSpec::Nested(n)) => {
                if !sections.contains_key(&child) {
                    return Err(format!("no `Nested Schema for {child}` section"));
                }
                Kind::Nested(n, build(sections, &child)?)
            }
            None => return Err(format!("unknown type `{ty}` of {child}")),
        };
        let mut attr = Attr::new(kind);
        attr.description = line.description;
        match line.mode {
            Mode::Required => attr.required = true,
            Mode::Optional => attr.optional = true,
            Mode::ReadOnly => attr.computed = true,
        }
        for flag in parts {
            match flag {
                "Sensitive" => attr.sensitive = true,
                "Deprecated" => attr.deprecated = true,
                other => return Err(format!("unknown flag `{other}` of {child}")),
            }
        }
        block.attrs.insert(line.name.to_string(), attr);
    }
    Ok(block)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "# x (Resource)\n\n## Example Usage\n\n- `ignored` (String) not schema\n\n## Schema\n\n### Required\n\n- `name` (String) The name\nspanning two lines.\n- `rules` (Attributes List) Rules. (see [below for nested schema](#nestedatt--rules))\n\n### Optional\n\n- `token` (String, Sensitive) A secret.\n- `header` (Map of List of String) Headers.\n\n### Read-Only\n\n- `id` (String) Identifier.\n\n<a id=\"nestedatt--rules\"></a>\n### Nested Schema for `rules`\n\nRequired:\n\n- `expression` (String) Expression.\n\nOptional:\n\n- `logging` (Attributes) Logging. (see [below](#nestedatt--rules--logging))\n\n<a id=\"nestedatt--rules--logging\"></a>\n### Nested Schema for `rules.logging`\n\nRead-Only:\n\n- `enabled` (Boolean)\n\n## Import\n\n- `x` (String) not schema\n";

    #[test]
    fn reads_flags_types_nesting_and_descriptions() {
        let b = parse_schema(DOC).unwrap();
        assert_eq!(
            b.paths(),
            [
                "header",
                "id",
                "name",
                "rules",
                "rules.expression",
                "rules.logging",
                "rules.logging.enabled",
                "token"
            ]
        );
        let name = b.attr("name").unwrap();
        assert!(name.required && !name.optional && !name.computed);
        assert_eq!(name.description, "The name\nspanning two lines.");
        assert!(b.attr("token").unwrap().sensitive);
        assert!(b.attr("id").unwrap().read_only());
        assert_eq!(
            b.attr("header").unwrap().ty(),
            Type::map(Type::list(Type::String))
        );
        assert!(matches!(
            b.attr("rules").unwrap().kind,
            Kind::Nested(Nesting::List, _)
        ));
        assert!(b.attr("rules.logging.enabled").unwrap().read_only());
        assert!(b.attr("rules.expression").unwrap().required);
    }

    #[test]
    fn missing_sections_and_unknown_types_are_errors() {
        let e = parse_schema("## Schema\n\n### Optional\n\n- `a` (Attributes) x\n").unwrap_err();
        assert!(e.contains("Nested Schema for a"), "{e}");
        let e = parse_schema("## Schema\n\n### Optional\n\n- `a` (Float) x\n").unwrap_err();
        assert!(e.contains("unknown type `Float`"), "{e}");
        assert!(parse_schema("# nothing").is_err());
    }
}
