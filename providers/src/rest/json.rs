//! Schema-typed conversion between API JSON and [`Value`]s: [`value_from_json`] reads an API
//! answer into the type the schema declares (lenient, as APIs are: a number sent as a string is
//! still a number, a JSON object where the schema has a string is kept as its JSON text), and
//! [`json_from_value`] writes a wholly known value back (an unknown value is an error, never a
//! silent `null`).

use std::collections::BTreeMap;

use infra_lang::collections::make_set;
use infra_lang::{Number, Path, PathStep, Type, Value};

use crate::rest::schema::{Block, Nesting};

/// Reads `j` as a value of type `ty`. Absent (`null`) becomes a typed null; `Type::Dynamic`
/// infers (objects become objects, arrays tuples). Where JSON and type disagree beyond repair
/// (an array where a number is expected) the result is a typed null.
pub fn value_from_json(j: &serde_json::Value, ty: &Type) -> Value {
    use serde_json::Value as J;
    match (ty, j) {
        (t, J::Null) => Value::Null(t.clone()),
        (Type::Dynamic, J::Bool(b)) => Value::Bool(*b),
        (Type::Dynamic, J::Number(n)) => number(n).unwrap_or(Value::Null(Type::Number)),
        (Type::Dynamic, J::String(s)) => Value::String(s.clone()),
        (Type::Dynamic, J::Array(items)) => Value::Tuple(
            items
                .iter()
                .map(|v| value_from_json(v, &Type::Dynamic))
                .collect(),
        ),
        (Type::Dynamic, J::Object(o)) => Value::Object(
            o.iter()
                .map(|(k, v)| (k.clone(), value_from_json(v, &Type::Dynamic)))
                .collect(),
        ),
        (Type::Bool, J::Bool(b)) => Value::Bool(*b),
        (Type::Bool, J::String(s)) => match s.as_str() {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => Value::Null(Type::Bool),
        },
        (Type::Number, J::Number(n)) => number(n).unwrap_or(Value::Null(Type::Number)),
        (Type::Number, J::String(s)) => Number::parse(s)
            .map(Value::Number)
            .unwrap_or(Value::Null(Type::Number)),
        (Type::String, J::String(s)) => Value::String(s.clone()),
        (Type::String, J::Bool(b)) => Value::String(b.to_string()),
        (Type::String, J::Number(n)) => Value::String(n.to_string()),
        // A string attribute holding structured data (e.g. a record's `meta`): its JSON text.
        (Type::String, other) => Value::String(other.to_string()),
        (Type::List(t), J::Array(items)) => Value::List(
            (**t).clone(),
            items.iter().map(|v| value_from_json(v, t)).collect(),
        ),
        (Type::Set(t), J::Array(items)) => make_set(
            (**t).clone(),
            items.iter().map(|v| value_from_json(v, t)).collect(),
        ),
        (Type::Map(t), J::Object(o)) => Value::Map(
            (**t).clone(),
            o.iter()
                .map(|(k, v)| (k.clone(), value_from_json(v, t)))
                .collect(),
        ),
        (Type::Tuple(ts), J::Array(items)) if ts.len() == items.len() => Value::Tuple(
            ts.iter()
                .zip(items)
                .map(|(t, v)| value_from_json(v, t))
                .collect(),
        ),
        (Type::Object(attrs), J::Object(o)) => Value::Object(
            attrs
                .iter()
                .map(|(k, t)| (k.clone(), value_from_json(o.get(k).unwrap_or(&J::Null), t)))
                .collect(),
        ),
        (t, _) => Value::Null(t.clone()),
    }
}

fn number(n: &serde_json::Number) -> Option<Value> {
    Number::from_json(n).ok().map(Value::Number)
}

/// Why a value could not be written as JSON.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "{} is not known yet; it cannot be sent to the API",
    describe_path(path)
)]
pub struct UnknownValueError {
    pub path: Path,
}

/// Terraform-style rendering of a path: `rules[0].expression`.
pub fn describe_path(path: &[PathStep]) -> String {
    let mut out = String::new();
    for step in path {
        match step {
            PathStep::Attr(a) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(a);
            }
            PathStep::Index(i) => out.push_str(&format!("[{i}]")),
            PathStep::Key(k) => out.push_str(&format!("[{k:?}]")),
        }
    }
    if out.is_empty() {
        "the value".to_string()
    } else {
        out
    }
}

/// Writes a wholly known value as JSON, nulls included (see [`strip_nulls`]). Marks are looked
/// through. An unknown value anywhere is an error naming its path.
pub fn json_from_value(v: &Value) -> Result<serde_json::Value, UnknownValueError> {
    let mut path = Vec::new();
    to_json(v, &mut path)
}

fn to_json(v: &Value, path: &mut Path) -> Result<serde_json::Value, UnknownValueError> {
    use serde_json::Value as J;
    Ok(match v {
        Value::Unknown(_) => return Err(UnknownValueError { path: path.clone() }),
        Value::Marked(inner, _) => to_json(inner, path)?,
        Value::Null(_) => J::Null,
        Value::Bool(b) => J::Bool(*b),
        Value::Number(n) => n.to_json(),
        Value::String(s) => J::String(s.clone()),
        Value::List(_, items) | Value::Set(_, items) | Value::Tuple(items) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                path.push(PathStep::Index(i as i64));
                out.push(to_json(item, path)?);
                path.pop();
            }
            J::Array(out)
        }
        Value::Map(_, entries) => J::Object(entries_json(entries, path, PathStep::Key)?),
        Value::Object(entries) => J::Object(entries_json(entries, path, PathStep::Attr)?),
    })
}

fn entries_json(
    entries: &BTreeMap<String, Value>,
    path: &mut Path,
    step: fn(String) -> PathStep,
) -> Result<serde_json::Map<String, serde_json::Value>, UnknownValueError> {
    let mut out = serde_json::Map::new();
    for (k, v) in entries {
        path.push(step(k.clone()));
        out.insert(k.clone(), to_json(v, path)?);
        path.pop();
    }
    Ok(out)
}

/// Removes `null` members from every object (at any depth), as request bodies want: an
/// attribute the configuration leaves unset is not sent.
pub fn strip_nulls(j: serde_json::Value) -> serde_json::Value {
    use serde_json::Value as J;
    match j {
        J::Object(o) => J::Object(
            o.into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, strip_nulls(v)))
                .collect(),
        ),
        J::Array(items) => J::Array(items.into_iter().map(strip_nulls).collect()),
        other => other,
    }
}

/// The JSON body of a request from an object of `block`: every attribute that is set, without
/// nulls, without read-only attributes, and without computed attributes that are still unknown
/// (the API fills those in). An unknown configurable value is an error naming its path.
pub fn request_json(block: &Block, v: &Value) -> Result<serde_json::Value, UnknownValueError> {
    let mut path = Vec::new();
    object_json(block, v, &mut path)
}

fn object_json(
    block: &Block,
    v: &Value,
    path: &mut Path,
) -> Result<serde_json::Value, UnknownValueError> {
    let Some(entries) = v.unmarked().as_entries() else {
        return if v.is_known() {
            Ok(serde_json::Value::Null)
        } else {
            Err(UnknownValueError { path: path.clone() })
        };
    };
    let mut out = serde_json::Map::new();
    for (name, attr) in &block.attrs {
        let Some(value) = entries.get(name) else {
            continue;
        };
        if attr.read_only() || value.is_null() || (attr.computed && !value.is_known()) {
            continue;
        }
        path.push(PathStep::Attr(name.clone()));
        let j = match attr.nested() {
            None => strip_nulls(to_json(value, path)?),
            Some((nesting, nested)) => nested_json(nesting, nested, value, path)?,
        };
        path.pop();
        out.insert(name.clone(), j);
    }
    Ok(serde_json::Value::Object(out))
}

fn nested_json(
    nesting: Nesting,
    block: &Block,
    v: &Value,
    path: &mut Path,
) -> Result<serde_json::Value, UnknownValueError> {
    let v = v.unmarked();
    if !v.is_known() {
        return Err(UnknownValueError { path: path.clone() });
    }
    match nesting {
        Nesting::Single => object_json(block, v, path),
        Nesting::Map => {
            let mut out = serde_json::Map::new();
            for (k, e) in v.as_entries().into_iter().flatten() {
                path.push(PathStep::Key(k.clone()));
                out.insert(k.clone(), object_json(block, e, path)?);
                path.pop();
            }
            Ok(serde_json::Value::Object(out))
        }
        Nesting::List | Nesting::Set => {
            let mut out = Vec::new();
            for (i, e) in v.as_seq().unwrap_or_default().iter().enumerate() {
                path.push(PathStep::Index(i as i64));
                out.push(object_json(block, e, path)?);
                path.pop();
            }
            Ok(serde_json::Value::Array(out))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj_type(pairs: &[(&str, Type)]) -> Type {
        Type::Object(
            pairs
                .iter()
                .map(|(k, t)| (k.to_string(), t.clone()))
                .collect(),
        )
    }

    #[test]
    fn absent_and_null_become_typed_nulls() {
        let ty = obj_type(&[("a", Type::String), ("b", Type::list(Type::Number))]);
        let v = value_from_json(&json!({"b": null, "extra": 1}), &ty);
        assert_eq!(
            v,
            Value::object([
                ("a", Value::Null(Type::String)),
                ("b", Value::Null(Type::list(Type::Number)))
            ])
        );
        assert_eq!(value_from_json(&json!(null), &ty), Value::Null(ty.clone()));
    }

    #[test]
    fn primitives_convert_leniently() {
        assert_eq!(
            value_from_json(&json!("42"), &Type::Number),
            Value::number(42)
        );
        assert_eq!(
            value_from_json(&json!(3), &Type::String),
            Value::string("3")
        );
        assert_eq!(
            value_from_json(&json!("true"), &Type::Bool),
            Value::Bool(true)
        );
        assert_eq!(
            value_from_json(&json!([1]), &Type::Number),
            Value::Null(Type::Number)
        );
        // Structured data where the schema has a string: its JSON text (a record's `meta`).
        assert_eq!(
            value_from_json(&json!({"auto_added": false}), &Type::String),
            Value::string(r#"{"auto_added":false}"#)
        );
    }

    #[test]
    fn collections_sets_and_maps() {
        let set = value_from_json(&json!(["b", "a", "b"]), &Type::set(Type::String));
        assert_eq!(
            set,
            Value::Set(Type::String, vec![Value::string("a"), Value::string("b")])
        );
        let map = value_from_json(
            &json!({"Host": ["x"]}),
            &Type::map(Type::list(Type::String)),
        );
        assert_eq!(
            map,
            Value::Map(
                Type::list(Type::String),
                [(
                    "Host".to_string(),
                    Value::List(Type::String, vec![Value::string("x")])
                )]
                .into()
            )
        );
        let nested = obj_type(&[("rules", Type::list(obj_type(&[("id", Type::String)])))]);
        let v = value_from_json(&json!({"rules": [{"id": "r1"}, {}]}), &nested);
        let rules = v.get_attr("rules").unwrap();
        assert_eq!(rules.as_seq().unwrap().len(), 2);
        assert_eq!(
            rules.as_seq().unwrap()[1].get_attr("id"),
            Some(Value::Null(Type::String))
        );
    }

    #[test]
    fn dynamic_infers() {
        let v = value_from_json(&json!({"a": [1, "x"], "b": true}), &Type::Dynamic);
        assert_eq!(
            v,
            Value::object([
                (
                    "a",
                    Value::Tuple(vec![Value::number(1), Value::string("x")])
                ),
                ("b", Value::Bool(true))
            ])
        );
    }

    #[test]
    fn round_trip_and_unknown_is_an_error() {
        let v = Value::object([
            ("name", Value::string("www")),
            ("ttl", Value::number(300)),
            ("tags", Value::Set(Type::String, vec![Value::string("a")])),
            ("comment", Value::Null(Type::String)),
        ]);
        let j = json_from_value(&v).unwrap();
        assert_eq!(
            j,
            json!({"comment": null, "name": "www", "tags": ["a"], "ttl": 300})
        );
        assert_eq!(
            strip_nulls(j),
            json!({"name": "www", "tags": ["a"], "ttl": 300})
        );
        let bad = Value::object([(
            "rules",
            Value::List(
                Type::Dynamic,
                vec![Value::object([("id", Value::Unknown(Type::String))])],
            ),
        )]);
        let err = json_from_value(&bad).unwrap_err();
        assert_eq!(
            err.to_string(),
            "rules[0].id is not known yet; it cannot be sent to the API"
        );
        // Marks are looked through.
        assert_eq!(
            json_from_value(&Value::string("s").sensitive()).unwrap(),
            json!("s")
        );
    }

    #[test]
    fn request_bodies_leave_out_what_the_api_sets() {
        let block = crate::rest::docschema::parse_schema(
            "## Schema\n\n### Optional\n\n- `name` (String) n\n- `rules` (Attributes List) r\n\n### Read-Only\n\n- `id` (String) i\n\n### Nested Schema for `rules`\n\nOptional:\n\n- `expression` (String) e\n- `ref` (String) r\n\nRead-Only:\n\n- `id` (String) i\n",
        )
        .unwrap();
        let mut block = block;
        block
            .tweak("rules.ref", &[crate::rest::schema::Tweak::Computed])
            .unwrap();
        let rule = |r: Value| {
            Value::object([
                ("expression", Value::string("true")),
                ("ref", r),
                ("id", Value::Unknown(Type::String)),
            ])
        };
        let v = Value::object([
            ("name", Value::Null(Type::String)),
            ("id", Value::string("x")),
            (
                "rules",
                Value::List(
                    Type::Dynamic,
                    vec![
                        rule(Value::string("r1")),
                        rule(Value::Unknown(Type::String)),
                    ],
                ),
            ),
        ]);
        assert_eq!(
            request_json(&block, &v).unwrap(),
            json!({"rules": [{"expression": "true", "ref": "r1"}, {"expression": "true"}]})
        );
        let bad = Value::object([("name", Value::Unknown(Type::String))]);
        assert_eq!(
            request_json(&block, &bad).unwrap_err().path,
            vec![PathStep::Attr("name".into())]
        );
    }
}
