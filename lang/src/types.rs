//! Types of the Terraform language (cty's type system): primitive, collection and structural
//! types, plus `Dynamic` (`any`). Owns the JSON type encoding used by `output -json` and plans.

use std::collections::BTreeMap;
use std::fmt;

/// A type of the Terraform language.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Type {
    /// `any`: not yet known; also the type of an untyped `null`.
    Dynamic,
    Bool,
    Number,
    String,
    List(Box<Type>),
    Set(Box<Type>),
    Map(Box<Type>),
    Tuple(Vec<Type>),
    Object(BTreeMap<String, Type>),
}

impl Type {
    pub fn list(t: Type) -> Type {
        Type::List(Box::new(t))
    }
    pub fn set(t: Type) -> Type {
        Type::Set(Box::new(t))
    }
    pub fn map(t: Type) -> Type {
        Type::Map(Box::new(t))
    }

    /// True for list, set and map types.
    pub fn is_collection(&self) -> bool {
        matches!(self, Type::List(_) | Type::Set(_) | Type::Map(_))
    }

    pub fn is_primitive(&self) -> bool {
        matches!(self, Type::Bool | Type::Number | Type::String)
    }

    /// Element type of a list, set or map.
    pub fn element(&self) -> Option<&Type> {
        match self {
            Type::List(t) | Type::Set(t) | Type::Map(t) => Some(t),
            _ => None,
        }
    }

    /// True when the type contains no `Dynamic` anywhere.
    pub fn is_fully_known(&self) -> bool {
        match self {
            Type::Dynamic => false,
            Type::Bool | Type::Number | Type::String => true,
            Type::List(t) | Type::Set(t) | Type::Map(t) => t.is_fully_known(),
            Type::Tuple(ts) => ts.iter().all(Type::is_fully_known),
            Type::Object(m) => m.values().all(Type::is_fully_known),
        }
    }

    /// cty's JSON encoding of a type, as `terraform output -json` prints it:
    /// `"string"`, `["list","string"]`, `["object",{"a":"number"}]`, `"dynamic"`.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::{json, Value as J};
        match self {
            Type::Dynamic => J::String("dynamic".into()),
            Type::Bool => J::String("bool".into()),
            Type::Number => J::String("number".into()),
            Type::String => J::String("string".into()),
            Type::List(t) => json!(["list", t.to_json()]),
            Type::Set(t) => json!(["set", t.to_json()]),
            Type::Map(t) => json!(["map", t.to_json()]),
            Type::Tuple(ts) => json!(["tuple", ts.iter().map(Type::to_json).collect::<Vec<_>>()]),
            Type::Object(m) => {
                let o: serde_json::Map<String, J> =
                    m.iter().map(|(k, v)| (k.clone(), v.to_json())).collect();
                json!(["object", o])
            }
        }
    }

    /// Inverse of [`Type::to_json`].
    pub fn from_json(j: &serde_json::Value) -> Option<Type> {
        use serde_json::Value as J;
        match j {
            J::String(s) => match s.as_str() {
                "dynamic" => Some(Type::Dynamic),
                "bool" => Some(Type::Bool),
                "number" => Some(Type::Number),
                "string" => Some(Type::String),
                _ => None,
            },
            J::Array(a) if a.len() == 2 => {
                let kind = a[0].as_str()?;
                match kind {
                    "list" => Some(Type::list(Type::from_json(&a[1])?)),
                    "set" => Some(Type::set(Type::from_json(&a[1])?)),
                    "map" => Some(Type::map(Type::from_json(&a[1])?)),
                    "tuple" => Some(Type::Tuple(
                        a[1].as_array()?.iter().map(Type::from_json).collect::<Option<_>>()?,
                    )),
                    "object" => Some(Type::Object(
                        a[1].as_object()?
                            .iter()
                            .map(|(k, v)| Some((k.clone(), Type::from_json(v)?)))
                            .collect::<Option<_>>()?,
                    )),
                    _ => None,
                }
            }
            _ => None,
        }
    }
}

/// Terraform's type-constraint syntax: `string`, `list(string)`, `object({a=number})`.
impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::Dynamic => write!(f, "any"),
            Type::Bool => write!(f, "bool"),
            Type::Number => write!(f, "number"),
            Type::String => write!(f, "string"),
            Type::List(t) => write!(f, "list({t})"),
            Type::Set(t) => write!(f, "set({t})"),
            Type::Map(t) => write!(f, "map({t})"),
            Type::Tuple(ts) => {
                write!(f, "tuple([")?;
                for (i, t) in ts.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    write!(f, "{t}")?;
                }
                write!(f, "])")
            }
            Type::Object(m) => {
                write!(f, "object({{")?;
                for (i, (k, t)) in m.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    write!(f, "{k}={t}")?;
                }
                write!(f, "}})")
            }
        }
    }
}
