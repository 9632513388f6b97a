//! Helpers shared by the built-in providers: reading typed arguments out of the schema-shaped
//! objects that cross the [`Provider`](crate::Provider) trait, filling provider-side defaults,
//! building whole state objects, and the plan shape of logical resources (those that exist only
//! in state) whose `keepers` map forces replacement.

use std::collections::BTreeMap;

use infra_lang::{Number, Type, Value};

use crate::provider::{plan_from_schema, PlannedState, ProviderError};
use crate::schema::Schema;

/// The largest length/count a built-in generator accepts, so that a typo such as
/// `length = 1e12` is an error instead of an allocation failure.
pub(crate) const MAX_GENERATED: i64 = 1 << 20;

/// A problem with one argument of a built-in resource.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub(crate) enum ArgError {
    #[error("attribute \"{attr}\" must be {expected}, got {got}")]
    WrongType { attr: String, expected: &'static str, got: String },
    #[error("attribute \"{attr}\" is not known; its value is needed to {purpose}")]
    Unknown { attr: String, purpose: &'static str },
    #[error("attribute \"{attr}\" is required")]
    Missing { attr: String },
    #[error("invalid value for \"{attr}\": {reason}")]
    Invalid { attr: String, reason: String },
}

impl ArgError {
    pub(crate) fn invalid(attr: &str, reason: impl Into<String>) -> ArgError {
        ArgError::Invalid { attr: attr.to_string(), reason: reason.into() }
    }
}

impl From<ArgError> for ProviderError {
    fn from(e: ArgError) -> ProviderError {
        let summary = match &e {
            ArgError::Unknown { .. } => "Value not yet known",
            ArgError::Missing { .. } => "Missing required argument",
            ArgError::WrongType { .. } | ArgError::Invalid { .. } => "Invalid argument",
        };
        ProviderError::new(summary).with_detail(e.to_string())
    }
}

/// The attribute `name` of an object (null of `Dynamic` when absent), without marks.
pub(crate) fn attr(obj: &Value, name: &str) -> Value {
    obj.unmarked().get_attr(name).map(|v| v.unmark_deep().0).unwrap_or_else(Value::null)
}

/// True when the attribute is wholly known (null counts as known).
pub(crate) fn known(obj: &Value, name: &str) -> bool {
    attr(obj, name).is_wholly_known()
}

fn describe(v: &Value) -> String {
    match v {
        Value::Null(_) => "null".into(),
        Value::Unknown(_) => "an unknown value".into(),
        other => format!("a {} ({})", other.ty(), other.to_json()),
    }
}

/// A whole-number argument; `None` when null. Unknown is an error naming `purpose`.
pub(crate) fn int_arg(obj: &Value, name: &str, purpose: &'static str) -> Result<Option<i64>, ArgError> {
    match attr(obj, name) {
        Value::Null(_) => Ok(None),
        Value::Unknown(_) => Err(ArgError::Unknown { attr: name.into(), purpose }),
        Value::Number(n) => match n.as_i64().filter(|_| n.is_integer()) {
            Some(i) => Ok(Some(i)),
            None => Err(ArgError::invalid(name, format!("{n} is not a whole number"))),
        },
        other => Err(ArgError::WrongType { attr: name.into(), expected: "a number", got: describe(&other) }),
    }
}

/// A required whole-number argument.
pub(crate) fn req_int_arg(obj: &Value, name: &str, purpose: &'static str) -> Result<i64, ArgError> {
    int_arg(obj, name, purpose)?.ok_or_else(|| ArgError::Missing { attr: name.into() })
}

/// A bool argument; `None` when null.
pub(crate) fn bool_arg(obj: &Value, name: &str, purpose: &'static str) -> Result<Option<bool>, ArgError> {
    match attr(obj, name) {
        Value::Null(_) => Ok(None),
        Value::Unknown(_) => Err(ArgError::Unknown { attr: name.into(), purpose }),
        Value::Bool(b) => Ok(Some(b)),
        other => Err(ArgError::WrongType { attr: name.into(), expected: "a bool", got: describe(&other) }),
    }
}

/// A string argument; `None` when null.
pub(crate) fn str_arg(obj: &Value, name: &str, purpose: &'static str) -> Result<Option<String>, ArgError> {
    match attr(obj, name) {
        Value::Null(_) => Ok(None),
        Value::Unknown(_) => Err(ArgError::Unknown { attr: name.into(), purpose }),
        Value::String(s) => Ok(Some(s)),
        other => Err(ArgError::WrongType { attr: name.into(), expected: "a string", got: describe(&other) }),
    }
}

/// A list of strings; `None` when null. Elements must be known strings.
pub(crate) fn string_list_arg(obj: &Value, name: &str, purpose: &'static str) -> Result<Option<Vec<Value>>, ArgError> {
    let v = attr(obj, name);
    if v.is_null() {
        return Ok(None);
    }
    if !v.is_wholly_known() {
        return Err(ArgError::Unknown { attr: name.into(), purpose });
    }
    match v.as_seq() {
        Some(items) => {
            for item in items {
                if !matches!(item, Value::String(_) | Value::Null(_)) {
                    return Err(ArgError::WrongType { attr: name.into(), expected: "a list of strings", got: describe(&v) });
                }
            }
            Ok(Some(items.to_vec()))
        }
        None => Err(ArgError::WrongType { attr: name.into(), expected: "a list of strings", got: describe(&v) }),
    }
}

/// Replaces null attributes with the given defaults (unknown ones stay unknown, as the real
/// providers' plan-time defaults only apply to unset arguments).
pub(crate) fn fill_defaults(proposed: &Value, defaults: &[(&str, Value)]) -> Value {
    let mut attrs = proposed.unmarked().as_entries().cloned().unwrap_or_default();
    for (name, default) in defaults {
        let unset = attrs.get(*name).map(Value::is_null).unwrap_or(true);
        if unset {
            attrs.insert((*name).to_string(), default.clone());
        }
    }
    Value::Object(attrs)
}

/// Sets attributes of an object value.
pub(crate) fn with_attrs(obj: &Value, set: impl IntoIterator<Item = (&'static str, Value)>) -> Value {
    let mut attrs = obj.unmarked().as_entries().cloned().unwrap_or_default();
    for (k, v) in set {
        attrs.insert(k.to_string(), v);
    }
    Value::Object(attrs)
}

/// A whole object of the schema's shape: the given attributes, every other one null.
pub(crate) fn object_of(schema: &Schema, set: impl IntoIterator<Item = (&'static str, Value)>) -> Value {
    let mut attrs: BTreeMap<String, Value> =
        schema.attributes.iter().map(|(k, a)| (k.clone(), Value::Null(a.ty.clone()))).collect();
    for (k, v) in set {
        attrs.insert(k.to_string(), v);
    }
    Value::Object(attrs)
}

/// The null that a deleted object becomes.
pub(crate) fn deleted(schema: &Schema) -> Value {
    Value::Null(schema.object_type())
}

pub(crate) fn num(i: i64) -> Value {
    Value::Number(Number::from(i))
}

/// The non-null entries of a `keepers` map (null and `{}` are the same).
fn keeper_entries(v: &Value) -> BTreeMap<String, Value> {
    v.as_entries()
        .map(|m| m.iter().filter(|(_, v)| !v.is_null()).map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default()
}

/// [`plan_from_schema`] for resources with a `keepers` map: like terraform-provider-random's
/// `RequiresReplaceIfValuesNotNull`, a change between null, `{}` and a map of only null values
/// updates in place instead of replacing.
pub(crate) fn plan_with_keepers(schema: &Schema, prior: &Value, proposed: &Value) -> PlannedState {
    let prior_keepers = attr(prior, "keepers");
    let new_keepers = attr(proposed, "keepers");
    let equivalent = !prior.is_null()
        && prior_keepers != new_keepers
        && prior_keepers.is_wholly_known()
        && new_keepers.is_wholly_known()
        && keeper_entries(&prior_keepers) == keeper_entries(&new_keepers);
    if !equivalent {
        return plan_from_schema(schema, prior, proposed);
    }
    // Plan as if keepers were unchanged, then put the configured value back: a non-computed
    // attribute must be planned exactly as configured.
    let masked = with_attrs(proposed, [("keepers", prior_keepers)]);
    let mut planned = plan_from_schema(schema, prior, &masked);
    planned.planned = with_attrs(&planned.planned, [("keepers", new_keepers)]);
    planned
}

/// Whether applying `planned` must generate new values: a create, or a replacement (the
/// computed `marker` attribute was planned unknown).
pub(crate) fn generating(prior: &Value, planned: &Value, marker: &str) -> bool {
    prior.is_null() || !attr(planned, marker).is_known()
}

/// The type `map(string)` of `keepers` and `triggers`.
pub(crate) fn string_map() -> Type {
    Type::map(Type::String)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::Attribute;

    fn schema() -> Schema {
        Schema::new(0)
            .attr("keepers", Attribute::optional(string_map()).force_new())
            .attr("result", Attribute::computed(Type::String))
    }

    #[test]
    fn int_arg_rejects_fractions_and_strings() {
        let o = Value::object([("a", Value::Number(Number::from_f64(1.5))), ("b", Value::string("x")), ("c", num(3))]);
        assert!(matches!(int_arg(&o, "a", "x"), Err(ArgError::Invalid { .. })));
        assert!(matches!(int_arg(&o, "b", "x"), Err(ArgError::WrongType { .. })));
        assert_eq!(int_arg(&o, "c", "x"), Ok(Some(3)));
        assert_eq!(int_arg(&o, "missing", "x"), Ok(None));
    }

    #[test]
    fn null_and_empty_keepers_update_in_place() {
        let prior = Value::object([("keepers", Value::Null(string_map())), ("result", Value::string("r"))]);
        let proposed = Value::object([("keepers", Value::Map(Type::String, BTreeMap::new())), ("result", Value::string("r"))]);
        let p = plan_with_keepers(&schema(), &prior, &proposed);
        assert!(p.requires_replace.is_empty());
        assert_eq!(p.planned, proposed);
    }

    #[test]
    fn changed_keepers_replace() {
        let m = |v: &str| Value::Map(Type::String, [("k".to_string(), Value::string(v))].into());
        let prior = Value::object([("keepers", m("a")), ("result", Value::string("r"))]);
        let proposed = Value::object([("keepers", m("b")), ("result", Value::string("r"))]);
        let p = plan_with_keepers(&schema(), &prior, &proposed);
        assert_eq!(p.requires_replace, vec![vec![infra_lang::PathStep::Attr("keepers".into())]]);
        assert_eq!(attr(&p.planned, "result"), Value::Unknown(Type::String));
    }
}
