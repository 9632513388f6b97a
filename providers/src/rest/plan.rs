//! Schema-driven planning for nested-attribute resources, with the semantics of Terraform's
//! plugin framework:
//!
//! 1. required nested attributes are checked (`rules[0].expression is required`);
//! 2. optional attributes with a `default` take it when the configuration leaves them null;
//! 3. configured values that mean the same as the prior ones keep the prior representation
//!    (the type's [`Normalizer`](crate::rest::normalize::Normalizer) rules);
//! 4. a changed `force_new` attribute requires replacement;
//! 5. on create (or replace), computed attributes left null become unknown; on update, they
//!    first take their prior values, and only if the object then differs from the prior
//!    object do they become unknown again (except `keep_prior` ones). This is done level by
//!    level, so an unchanged nested object (a rule that was not edited) stays byte-identical
//!    to its prior value.
//!
//! Elements of nested lists are paired with prior elements by position, unless the type
//! supplies its own pairing (a ruleset pairs rules by `ref`, then by content); sets pair equal
//! elements, maps pair by key.

use std::collections::BTreeMap;

use infra_lang::collections::make_set;
use infra_lang::{PathStep, Value};

use crate::provider::{PlannedState, ProviderError};
use crate::rest::json::describe_path;
use crate::rest::normalize::keep_equivalent;
use crate::rest::resource::TypeSpec;
use crate::rest::schema::{Attr, Block, Nesting};

/// Pairs the configured elements of a nested list with prior elements: for each configured
/// element, the index of its prior element, if any. Each prior index is used at most once.
pub type PairFn = fn(block: &Block, config: &[Value], prior: &[Value]) -> Vec<Option<usize>>;

/// Plans a create (`prior` null), an update or a replacement of one object of `spec`.
pub fn plan(spec: &TypeSpec, prior: &Value, config: &Value) -> Result<PlannedState, ProviderError> {
    if config.is_null() {
        return Ok(PlannedState {
            planned: config.clone(),
            requires_replace: Vec::new(),
        });
    }
    let mut missing = Vec::new();
    check_required(&spec.block, config, &mut Vec::new(), &mut missing);
    if !missing.is_empty() {
        return Err(ProviderError::new("Missing required argument").with_detail(missing.join("; ")));
    }
    let config = with_defaults(&spec.block, config);
    let config = keep_equivalent(&spec.block, &spec.normalizer, prior, &config);
    let mut requires_replace = Vec::new();
    if !prior.is_null() {
        for (name, attr) in &spec.block.attrs {
            if !attr.force_new {
                continue;
            }
            let c = config
                .get_attr(name)
                .unwrap_or_else(|| Value::Null(attr.ty()));
            let p = prior
                .get_attr(name)
                .unwrap_or_else(|| Value::Null(attr.ty()));
            let computed_unset = c.is_null() && attr.computed;
            if !computed_unset && (!c.is_known() || c != p) {
                requires_replace.push(vec![PathStep::Attr(name.clone())]);
            }
        }
    }
    let prior = (!prior.is_null() && requires_replace.is_empty()).then_some(prior);
    let planned = plan_object(spec, &spec.block, "", &config, prior);
    Ok(PlannedState {
        planned,
        requires_replace,
    })
}

fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_string()
    } else {
        format!("{prefix}.{name}")
    }
}

/// Every required attribute inside a known nested object is set (top-level ones too, which
/// the engine also checks). Unknown values pass: they are checked at apply.
fn check_required(block: &Block, obj: &Value, path: &mut Vec<PathStep>, out: &mut Vec<String>) {
    let Some(entries) = obj.as_entries() else {
        return;
    };
    for (name, attr) in &block.attrs {
        path.push(PathStep::Attr(name.clone()));
        let v = entries
            .get(name)
            .cloned()
            .unwrap_or_else(|| Value::Null(attr.ty()));
        if attr.required && v.is_null() {
            out.push(format!("{} is required", describe_path(path)));
        } else if let Some((nesting, nested)) = attr.nested() {
            for_each_element(nesting, &v, path, |elem, path| {
                check_required(nested, elem, path, out)
            });
        }
        path.pop();
    }
}

fn for_each_element(
    nesting: Nesting,
    v: &Value,
    path: &mut Vec<PathStep>,
    mut f: impl FnMut(&Value, &mut Vec<PathStep>),
) {
    match (nesting, v) {
        (_, Value::Unknown(_) | Value::Null(_)) => {}
        (Nesting::Single, obj) => f(obj, path),
        (Nesting::Map, Value::Map(_, m) | Value::Object(m)) => {
            for (k, e) in m {
                path.push(PathStep::Key(k.clone()));
                f(e, path);
                path.pop();
            }
        }
        (_, seq) => {
            for (i, e) in seq.as_seq().unwrap_or_default().iter().enumerate() {
                path.push(PathStep::Index(i as i64));
                f(e, path);
                path.pop();
            }
        }
    }
}

/// The configuration with every null optional attribute that has a default set to it, at
/// every level of nesting.
pub fn with_defaults(block: &Block, obj: &Value) -> Value {
    let Some(entries) = obj.as_entries() else {
        return obj.clone();
    };
    let mut out = entries.clone();
    for (name, attr) in &block.attrs {
        let v = entries
            .get(name)
            .cloned()
            .unwrap_or_else(|| Value::Null(attr.ty()));
        let v = match (&attr.default, attr.nested()) {
            (Some(d), _) if v.is_null() => d.clone(),
            (_, Some((nesting, nested))) => map_elements(nesting, &v, |e| with_defaults(nested, e)),
            _ => v,
        };
        out.insert(name.clone(), v);
    }
    Value::Object(out)
}

fn map_elements(nesting: Nesting, v: &Value, f: impl Fn(&Value) -> Value) -> Value {
    match (nesting, v) {
        (_, Value::Unknown(_) | Value::Null(_)) => v.clone(),
        (Nesting::Single, obj) => f(obj),
        (_, Value::List(t, vs)) => Value::List(t.clone(), vs.iter().map(&f).collect()),
        (_, Value::Set(t, vs)) => make_set(t.clone(), vs.iter().map(&f).collect()),
        (_, Value::Tuple(vs)) => Value::Tuple(vs.iter().map(&f).collect()),
        (_, Value::Map(t, m)) => Value::Map(
            t.clone(),
            m.iter().map(|(k, e)| (k.clone(), f(e))).collect(),
        ),
        _ => v.clone(),
    }
}

fn plan_object(
    spec: &TypeSpec,
    block: &Block,
    path: &str,
    config: &Value,
    prior: Option<&Value>,
) -> Value {
    let Some(entries) = config.as_entries() else {
        return config.clone();
    };
    let prior = prior.filter(|p| p.as_entries().is_some());
    let mut out = BTreeMap::new();
    let mut unset_computed: Vec<(&String, &Attr)> = Vec::new();
    for (name, attr) in &block.attrs {
        let c = entries
            .get(name)
            .cloned()
            .unwrap_or_else(|| Value::Null(attr.ty()));
        let p = prior.and_then(|p| p.get_attr(name));
        let v = if c.is_null() && attr.computed {
            unset_computed.push((name, attr));
            match &p {
                Some(pv) => pv.clone(),
                None => Value::Unknown(attr.ty()),
            }
        } else if let Some((nesting, nested)) =
            attr.nested().filter(|_| c.is_known() && !c.is_null())
        {
            let p = p.filter(|pv| pv.is_known() && !pv.is_null());
            plan_nested(spec, nesting, nested, &join(path, name), &c, p.as_ref())
        } else {
            c
        };
        out.insert(name.clone(), v);
    }
    let Some(prior) = prior else {
        return Value::Object(out);
    };
    if Value::Object(out.clone()) == *prior {
        return prior.clone();
    }
    // The object changes: what the API computes may change with it.
    for (name, attr) in unset_computed {
        let keep = attr.keep_prior
            && prior
                .get_attr(name)
                .is_some_and(|p| !p.is_null() && p.is_known());
        if !keep {
            out.insert(name.clone(), Value::Unknown(attr.ty()));
        }
    }
    Value::Object(out)
}

fn plan_nested(
    spec: &TypeSpec,
    nesting: Nesting,
    block: &Block,
    path: &str,
    config: &Value,
    prior: Option<&Value>,
) -> Value {
    match nesting {
        Nesting::Single => plan_object(spec, block, path, config, prior),
        Nesting::List | Nesting::Set => {
            let elems = config.as_seq().unwrap_or_default();
            let prior_elems = prior.and_then(Value::as_seq).unwrap_or_default();
            let pairing = match (nesting, spec.pairings.get(path)) {
                (Nesting::List, Some(pair)) => pair(block, elems, prior_elems),
                (Nesting::List, None) => (0..elems.len())
                    .map(|i| (i < prior_elems.len()).then_some(i))
                    .collect(),
                _ => pair_equal(block, elems, prior_elems),
            };
            let planned: Vec<Value> = elems
                .iter()
                .enumerate()
                .map(|(i, e)| {
                    let p = pairing
                        .get(i)
                        .copied()
                        .flatten()
                        .and_then(|j| prior_elems.get(j));
                    plan_object(spec, block, path, e, p)
                })
                .collect();
            match (nesting, config) {
                (Nesting::Set, Value::Set(t, _)) => make_set(t.clone(), planned),
                (_, Value::List(t, _) | Value::Set(t, _)) => Value::List(t.clone(), planned),
                _ => Value::List(block.object_type(), planned),
            }
        }
        Nesting::Map => {
            let (Some(m), t) = (config.as_entries(), config.ty()) else {
                return config.clone();
            };
            let elem_ty = t.element().cloned().unwrap_or_else(|| block.object_type());
            Value::Map(
                elem_ty,
                m.iter()
                    .map(|(k, e)| {
                        let p = prior.and_then(|p| p.get_attr(k));
                        (k.clone(), plan_object(spec, block, path, e, p.as_ref()))
                    })
                    .collect(),
            )
        }
    }
}

/// Pairs elements whose configurable (non-read-only) attributes are equal, ignoring computed
/// attributes the configuration leaves null.
pub fn pair_equal(block: &Block, config: &[Value], prior: &[Value]) -> Vec<Option<usize>> {
    let mut used = vec![false; prior.len()];
    config
        .iter()
        .map(|c| {
            let found = prior
                .iter()
                .enumerate()
                .position(|(j, p)| !used[j] && same_configuration(block, c, p));
            if let Some(j) = found {
                used[j] = true;
            }
            found
        })
        .collect()
}

/// Whether a configured element describes the prior element: every attribute the
/// configuration sets (and every non-computed one) is equal.
pub fn same_configuration(block: &Block, config: &Value, prior: &Value) -> bool {
    block.attrs.iter().all(|(name, attr)| {
        if attr.read_only() {
            return true;
        }
        let c = config
            .get_attr(name)
            .unwrap_or_else(|| Value::Null(attr.ty()));
        if c.is_null() && attr.computed {
            return true;
        }
        let p = prior
            .get_attr(name)
            .unwrap_or_else(|| Value::Null(attr.ty()));
        c == p
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rest::normalize::Normalizer;
    use crate::rest::schema::Tweak;
    use infra_lang::Type;
    use serde_json::json;

    fn spec() -> TypeSpec {
        let doc = "## Schema\n\n### Required\n\n- `name` (String) n\n- `zone_id` (String) z\n\n### Optional\n\n- `proxied` (Boolean) p\n- `settings` (Attributes) s\n- `rules` (Attributes List) r\n\n### Read-Only\n\n- `id` (String) i\n- `modified_on` (String) m\n\n### Nested Schema for `settings`\n\nOptional:\n\n- `ipv4_only` (Boolean) x\n\n### Nested Schema for `rules`\n\nRequired:\n\n- `expression` (String) e\n\nOptional:\n\n- `enabled` (Boolean) e\n\nRead-Only:\n\n- `id` (String) i\n";
        TypeSpec::from_doc(
            "t",
            doc,
            0,
            &[
                ("zone_id", vec![Tweak::ForceNew]),
                ("id", vec![Tweak::KeepPrior]),
                ("proxied", vec![Tweak::Default(json!(false))]),
                ("settings", vec![Tweak::Computed]),
                ("rules.enabled", vec![Tweak::Default(json!(true))]),
                ("rules.id", vec![Tweak::KeepPrior]),
            ],
            Normalizer::new(),
        )
        .0
    }

    fn config(s: &TypeSpec, pairs: Vec<(&str, Value)>) -> Value {
        let mut o = s.block.null_object().as_entries().cloned().unwrap();
        for (k, v) in pairs {
            o.insert(k.into(), v);
        }
        Value::Object(o)
    }

    fn rule_ty(s: &TypeSpec) -> Type {
        s.block
            .attr("rules")
            .unwrap()
            .nested()
            .unwrap()
            .1
            .object_type()
    }

    fn rule(e: &str) -> Value {
        Value::object([
            ("expression", Value::string(e)),
            ("enabled", Value::Null(Type::Bool)),
            ("id", Value::Null(Type::String)),
        ])
    }

    #[test]
    fn create_defaults_and_unknowns() {
        let s = spec();
        let c = config(
            &s,
            vec![
                ("name", Value::string("www")),
                ("zone_id", Value::string("z")),
            ],
        );
        let p = plan(&s, &Value::null(), &c).unwrap();
        assert!(p.requires_replace.is_empty());
        assert_eq!(p.planned.get_attr("proxied"), Some(Value::Bool(false)));
        assert_eq!(p.planned.get_attr("id"), Some(Value::Unknown(Type::String)));
        assert!(!p.planned.get_attr("settings").unwrap().is_known());
        assert_eq!(
            p.planned.get_attr("rules"),
            Some(Value::Null(s.block.attr("rules").unwrap().ty()))
        );
    }

    #[test]
    fn update_keeps_prior_computed_and_marks_changed_ones_unknown() {
        let s = spec();
        let c = config(
            &s,
            vec![
                ("name", Value::string("www")),
                ("zone_id", Value::string("z")),
            ],
        );
        let mut prior = plan(&s, &Value::null(), &c)
            .unwrap()
            .planned
            .as_entries()
            .cloned()
            .unwrap();
        prior.insert("id".into(), Value::string("r1"));
        prior.insert("modified_on".into(), Value::string("t1"));
        prior.insert(
            "settings".into(),
            Value::object([("ipv4_only", Value::Bool(false))]),
        );
        let prior = Value::Object(prior);
        // No change: the prior object exactly.
        assert_eq!(plan(&s, &prior, &c).unwrap().planned, prior);
        // A change: modified_on unknown, id kept, settings (computed, unset) unknown.
        let c2 = config(
            &s,
            vec![
                ("name", Value::string("mail")),
                ("zone_id", Value::string("z")),
            ],
        );
        let p = plan(&s, &prior, &c2).unwrap();
        assert_eq!(p.planned.get_attr("id"), Some(Value::string("r1")));
        assert_eq!(
            p.planned.get_attr("modified_on"),
            Some(Value::Unknown(Type::String))
        );
        assert!(p.requires_replace.is_empty());
        // A force_new change: replacement, everything computed unknown.
        let c3 = config(
            &s,
            vec![
                ("name", Value::string("www")),
                ("zone_id", Value::string("other")),
            ],
        );
        let p = plan(&s, &prior, &c3).unwrap();
        assert_eq!(
            p.requires_replace,
            vec![vec![PathStep::Attr("zone_id".into())]]
        );
        assert_eq!(p.planned.get_attr("id"), Some(Value::Unknown(Type::String)));
    }

    #[test]
    fn nested_required_and_unchanged_elements_stay_identical() {
        let s = spec();
        let bad = config(
            &s,
            vec![
                ("name", Value::string("x")),
                ("zone_id", Value::string("z")),
                (
                    "rules",
                    Value::List(
                        rule_ty(&s),
                        vec![
                            rule("a"),
                            Value::object([
                                ("expression", Value::Null(Type::String)),
                                ("enabled", Value::Null(Type::Bool)),
                                ("id", Value::Null(Type::String)),
                            ]),
                        ],
                    ),
                ),
            ],
        );
        let err = plan(&s, &Value::null(), &bad).unwrap_err();
        assert_eq!(
            err.detail.as_deref(),
            Some("rules[1].expression is required")
        );

        let c = config(
            &s,
            vec![
                ("name", Value::string("x")),
                ("zone_id", Value::string("z")),
                (
                    "rules",
                    Value::List(rule_ty(&s), vec![rule("a"), rule("b")]),
                ),
            ],
        );
        let created = plan(&s, &Value::null(), &c).unwrap().planned;
        let rules = created.get_attr("rules").unwrap();
        assert_eq!(
            rules.as_seq().unwrap()[0].get_attr("enabled"),
            Some(Value::Bool(true))
        );
        assert_eq!(
            rules.as_seq().unwrap()[0].get_attr("id"),
            Some(Value::Unknown(Type::String))
        );
        // Pretend the API assigned ids.
        let applied = Value::List(
            rule_ty(&s),
            ["a", "b"]
                .iter()
                .enumerate()
                .map(|(i, e)| {
                    Value::object([
                        ("expression", Value::string(*e)),
                        ("enabled", Value::Bool(true)),
                        ("id", Value::string(format!("id{i}"))),
                    ])
                })
                .collect(),
        );
        let mut prior = created.as_entries().cloned().unwrap();
        prior.insert("rules".into(), applied.clone());
        prior.insert("id".into(), Value::string("rs"));
        prior.insert("modified_on".into(), Value::string("t"));
        prior.insert(
            "settings".into(),
            Value::Null(s.block.attr("settings").unwrap().ty()),
        );
        let prior = Value::Object(prior);
        // Edit the second rule: the first stays identical, the second keeps its id (keep_prior).
        let c2 = config(
            &s,
            vec![
                ("name", Value::string("x")),
                ("zone_id", Value::string("z")),
                (
                    "rules",
                    Value::List(rule_ty(&s), vec![rule("a"), rule("b2")]),
                ),
            ],
        );
        let p = plan(&s, &prior, &c2).unwrap().planned;
        let rules = p.get_attr("rules").unwrap();
        assert_eq!(rules.as_seq().unwrap()[0], applied.as_seq().unwrap()[0]);
        assert_eq!(
            rules.as_seq().unwrap()[1].get_attr("id"),
            Some(Value::string("id1"))
        );
        assert_eq!(
            rules.as_seq().unwrap()[1].get_attr("expression"),
            Some(Value::string("b2"))
        );
        assert_eq!(
            p.get_attr("modified_on"),
            Some(Value::Unknown(Type::String))
        );
    }
}
