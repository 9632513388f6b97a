//! `Value`: a Terraform-language value that may be *unknown* (known only after apply) and may
//! carry *marks* (sensitive). Owns construction, inspection, marks, paths and JSON conversion.
//!
//! Marks wrap a value (`Value::Marked`), as in cty: code that matches on a marked value without
//! unmarking it sees neither its type nor its content, so a forgotten `unmark` is a type error,
//! never a leak. A `Marked` never directly wraps another `Marked` (use [`Value::mark`]).

use std::collections::BTreeMap;

use crate::number::Number;
use crate::types::Type;

/// The marks a value can carry.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Marks {
    pub sensitive: bool,
}

impl Marks {
    pub const NONE: Marks = Marks { sensitive: false };
    pub const SENSITIVE: Marks = Marks { sensitive: true };
    pub fn is_empty(self) -> bool {
        !self.sensitive
    }
    pub fn union(self, other: Marks) -> Marks {
        Marks { sensitive: self.sensitive || other.sensitive }
    }
}

/// One step of a path into a value.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub enum PathStep {
    /// Object attribute.
    Attr(String),
    /// List or tuple index (also used for set elements in their sorted order).
    Index(i64),
    /// Map key.
    Key(String),
}

pub type Path = Vec<PathStep>;

/// A Terraform-language value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// A null of the given type (`Type::Dynamic` when untyped).
    Null(Type),
    /// A value of the given type that is known only after apply.
    Unknown(Type),
    Bool(bool),
    Number(Number),
    String(String),
    /// Element type, elements (all of that type).
    List(Type, Vec<Value>),
    /// Element type, elements: sorted in Terraform's set order and without duplicates.
    Set(Type, Vec<Value>),
    /// Element type, entries.
    Map(Type, BTreeMap<String, Value>),
    Tuple(Vec<Value>),
    Object(BTreeMap<String, Value>),
    /// A value with marks. Never wraps another `Marked`.
    Marked(Box<Value>, Marks),
}

impl Value {
    pub fn null() -> Value {
        Value::Null(Type::Dynamic)
    }
    pub fn unknown() -> Value {
        Value::Unknown(Type::Dynamic)
    }
    pub fn string(s: impl Into<String>) -> Value {
        Value::String(s.into())
    }
    pub fn number(n: impl Into<Number>) -> Value {
        Value::Number(n.into())
    }
    pub fn bool(b: bool) -> Value {
        Value::Bool(b)
    }
    /// An object from attribute pairs.
    pub fn object<K: Into<String>>(attrs: impl IntoIterator<Item = (K, Value)>) -> Value {
        Value::Object(attrs.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    /// The value's type. For marked values, the type of the wrapped value.
    pub fn ty(&self) -> Type {
        match self {
            Value::Null(t) | Value::Unknown(t) => t.clone(),
            Value::Bool(_) => Type::Bool,
            Value::Number(_) => Type::Number,
            Value::String(_) => Type::String,
            Value::List(t, _) => Type::list(t.clone()),
            Value::Set(t, _) => Type::set(t.clone()),
            Value::Map(t, _) => Type::map(t.clone()),
            Value::Tuple(vs) => Type::Tuple(vs.iter().map(Value::ty).collect()),
            Value::Object(m) => Type::Object(m.iter().map(|(k, v)| (k.clone(), v.ty())).collect()),
            Value::Marked(v, _) => v.ty(),
        }
    }

    /// True unless this value itself (after unmarking) is unknown. Nested values may still be unknown.
    pub fn is_known(&self) -> bool {
        match self {
            Value::Unknown(_) => false,
            Value::Marked(v, _) => v.is_known(),
            _ => true,
        }
    }

    /// True when neither this value nor anything inside it is unknown.
    pub fn is_wholly_known(&self) -> bool {
        match self {
            Value::Unknown(_) => false,
            Value::Marked(v, _) => v.is_wholly_known(),
            Value::List(_, vs) | Value::Set(_, vs) | Value::Tuple(vs) => vs.iter().all(Value::is_wholly_known),
            Value::Map(_, m) | Value::Object(m) => m.values().all(Value::is_wholly_known),
            _ => true,
        }
    }

    pub fn is_null(&self) -> bool {
        match self {
            Value::Null(_) => true,
            Value::Marked(v, _) => v.is_null(),
            _ => false,
        }
    }

    /// Adds marks (merging with existing ones). Empty marks leave the value as is.
    pub fn mark(self, marks: Marks) -> Value {
        if marks.is_empty() {
            return self;
        }
        match self {
            Value::Marked(v, m) => Value::Marked(v, m.union(marks)),
            v => Value::Marked(Box::new(v), marks),
        }
    }

    pub fn sensitive(self) -> Value {
        self.mark(Marks::SENSITIVE)
    }

    /// The marks on this value itself (not nested ones).
    pub fn marks(&self) -> Marks {
        match self {
            Value::Marked(_, m) => *m,
            _ => Marks::NONE,
        }
    }

    pub fn is_marked(&self) -> bool {
        matches!(self, Value::Marked(..))
    }

    /// True when this value or anything inside it is sensitive.
    pub fn contains_sensitive(&self) -> bool {
        match self {
            Value::Marked(v, m) => m.sensitive || v.contains_sensitive(),
            Value::List(_, vs) | Value::Set(_, vs) | Value::Tuple(vs) => vs.iter().any(Value::contains_sensitive),
            Value::Map(_, m) | Value::Object(m) => m.values().any(Value::contains_sensitive),
            _ => false,
        }
    }

    /// The union of the marks on this value and on everything inside it.
    pub fn marks_deep(&self) -> Marks {
        match self {
            Value::Marked(v, m) => m.union(v.marks_deep()),
            Value::List(_, vs) | Value::Set(_, vs) | Value::Tuple(vs) => vs.iter().fold(Marks::NONE, |acc, v| acc.union(v.marks_deep())),
            Value::Map(_, m) | Value::Object(m) => m.values().fold(Marks::NONE, |acc, v| acc.union(v.marks_deep())),
            _ => Marks::NONE,
        }
    }

    /// Removes the marks on this value itself.
    pub fn unmark(self) -> (Value, Marks) {
        match self {
            Value::Marked(v, m) => (*v, m),
            v => (v, Marks::NONE),
        }
    }

    /// Borrowing view without this value's own marks.
    pub fn unmarked(&self) -> &Value {
        match self {
            Value::Marked(v, _) => v,
            v => v,
        }
    }

    /// Removes all marks, returning the union of every mark found anywhere inside.
    pub fn unmark_deep(self) -> (Value, Marks) {
        let mut acc = Marks::NONE;
        let v = self.unmark_deep_into(&mut acc);
        (v, acc)
    }

    fn unmark_deep_into(self, acc: &mut Marks) -> Value {
        match self {
            Value::Marked(v, m) => {
                *acc = acc.union(m);
                v.unmark_deep_into(acc)
            }
            Value::List(t, vs) => Value::List(t, vs.into_iter().map(|v| v.unmark_deep_into(acc)).collect()),
            Value::Set(t, vs) => Value::Set(t, vs.into_iter().map(|v| v.unmark_deep_into(acc)).collect()),
            Value::Tuple(vs) => Value::Tuple(vs.into_iter().map(|v| v.unmark_deep_into(acc)).collect()),
            Value::Map(t, m) => Value::Map(t, m.into_iter().map(|(k, v)| (k, v.unmark_deep_into(acc))).collect()),
            Value::Object(m) => Value::Object(m.into_iter().map(|(k, v)| (k, v.unmark_deep_into(acc))).collect()),
            v => v,
        }
    }

    /// Removes all marks, returning the path and marks of every marked place.
    pub fn unmark_deep_with_paths(self) -> (Value, Vec<(Path, Marks)>) {
        let mut out = Vec::new();
        let mut path = Vec::new();
        let v = self.unmark_paths_into(&mut path, &mut out);
        (v, out)
    }

    fn unmark_paths_into(self, path: &mut Path, out: &mut Vec<(Path, Marks)>) -> Value {
        match self {
            Value::Marked(v, m) => {
                out.push((path.clone(), m));
                v.unmark_paths_into(path, out)
            }
            Value::List(t, vs) => Value::List(t, Self::unmark_seq(vs, path, out)),
            Value::Set(t, vs) => Value::Set(t, Self::unmark_seq(vs, path, out)),
            Value::Tuple(vs) => Value::Tuple(Self::unmark_seq(vs, path, out)),
            Value::Map(t, m) => Value::Map(
                t,
                m.into_iter()
                    .map(|(k, v)| {
                        path.push(PathStep::Key(k.clone()));
                        let v = v.unmark_paths_into(path, out);
                        path.pop();
                        (k, v)
                    })
                    .collect(),
            ),
            Value::Object(m) => Value::Object(
                m.into_iter()
                    .map(|(k, v)| {
                        path.push(PathStep::Attr(k.clone()));
                        let v = v.unmark_paths_into(path, out);
                        path.pop();
                        (k, v)
                    })
                    .collect(),
            ),
            v => v,
        }
    }

    fn unmark_seq(vs: Vec<Value>, path: &mut Path, out: &mut Vec<(Path, Marks)>) -> Vec<Value> {
        vs.into_iter()
            .enumerate()
            .map(|(i, v)| {
                path.push(PathStep::Index(i as i64));
                let v = v.unmark_paths_into(path, out);
                path.pop();
                v
            })
            .collect()
    }

    /// Re-applies marks at paths (inverse of [`Value::unmark_deep_with_paths`]). Paths that do not
    /// exist in the value are ignored; a path that ends at a set element marks the whole set.
    pub fn mark_paths(self, marks: &[(Path, Marks)]) -> Value {
        let mut v = self;
        for (p, m) in marks {
            v = v.mark_at(p, *m);
        }
        v
    }

    fn mark_at(self, path: &[PathStep], marks: Marks) -> Value {
        let Some((first, rest)) = path.split_first() else {
            return self.mark(marks);
        };
        let (inner, own) = self.unmark();
        let inner = match (inner, first) {
            (Value::Object(mut m), PathStep::Attr(a) | PathStep::Key(a)) => {
                if let Some(v) = m.remove(a) {
                    m.insert(a.clone(), v.mark_at(rest, marks));
                }
                Value::Object(m)
            }
            (Value::Map(t, mut m), PathStep::Key(k) | PathStep::Attr(k)) => {
                if let Some(v) = m.remove(k) {
                    m.insert(k.clone(), v.mark_at(rest, marks));
                }
                Value::Map(t, m)
            }
            (Value::List(t, mut vs), PathStep::Index(i)) => {
                Self::mark_index(&mut vs, *i, rest, marks);
                Value::List(t, vs)
            }
            (Value::Tuple(mut vs), PathStep::Index(i)) => {
                Self::mark_index(&mut vs, *i, rest, marks);
                Value::Tuple(vs)
            }
            (Value::Set(t, vs), _) => Value::Set(t, vs).mark(marks),
            (other, _) => other,
        };
        inner.mark(own)
    }

    fn mark_index(vs: &mut [Value], i: i64, rest: &[PathStep], marks: Marks) {
        if let Some(slot) = usize::try_from(i).ok().and_then(|i| vs.get_mut(i)) {
            let v = std::mem::replace(slot, Value::null());
            *slot = v.mark_at(rest, marks);
        }
    }

    /// Paths of every sensitive place in the value.
    pub fn sensitive_paths(&self) -> Vec<Path> {
        self.clone()
            .unmark_deep_with_paths()
            .1
            .into_iter()
            .filter(|(_, m)| m.sensitive)
            .map(|(p, _)| p)
            .collect()
    }

    /// Attribute of an object (or entry of a map), looking through marks (which the result keeps).
    pub fn get_attr(&self, name: &str) -> Option<Value> {
        match self {
            Value::Object(m) | Value::Map(_, m) => m.get(name).cloned(),
            Value::Marked(v, marks) => v.get_attr(name).map(|x| x.mark(*marks)),
            _ => None,
        }
    }

    /// String content, if this (unmarked) value is a known string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_number(&self) -> Option<&Number> {
        match self {
            Value::Number(n) => Some(n),
            _ => None,
        }
    }

    /// Elements of a list, set or tuple.
    pub fn as_seq(&self) -> Option<&[Value]> {
        match self {
            Value::List(_, vs) | Value::Set(_, vs) | Value::Tuple(vs) => Some(vs),
            _ => None,
        }
    }

    /// Entries of a map or object.
    pub fn as_entries(&self) -> Option<&BTreeMap<String, Value>> {
        match self {
            Value::Map(_, m) | Value::Object(m) => Some(m),
            _ => None,
        }
    }

    /// Converts a wholly known value to JSON. Marks are ignored (callers redact first);
    /// unknown values become `null` (callers that care check [`Value::is_wholly_known`]).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match self {
            Value::Null(_) | Value::Unknown(_) => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Number(n) => n.to_json(),
            Value::String(s) => J::String(s.clone()),
            Value::List(_, vs) | Value::Set(_, vs) | Value::Tuple(vs) => J::Array(vs.iter().map(Value::to_json).collect()),
            Value::Map(_, m) | Value::Object(m) => J::Object(m.iter().map(|(k, v)| (k.clone(), v.to_json())).collect()),
            Value::Marked(v, _) => v.to_json(),
        }
    }

    /// A JSON mirror of the value's shape where every unknown leaf is `true` and everything
    /// known is omitted/false, as in the `after_unknown` field of `terraform show -json`.
    pub fn unknown_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match self.unmarked() {
            Value::Unknown(_) => J::Bool(true),
            Value::List(_, vs) | Value::Set(_, vs) | Value::Tuple(vs) => {
                J::Array(vs.iter().map(|v| match v.unknown_json() { J::Bool(true) => J::Bool(true), J::Object(o) if !o.is_empty() => J::Object(o), J::Array(a) => J::Array(a), _ => J::Bool(false) }).collect())
            }
            Value::Map(_, m) | Value::Object(m) => J::Object(
                m.iter()
                    .filter_map(|(k, v)| match v.unknown_json() {
                        J::Bool(false) => None,
                        J::Object(o) if o.is_empty() => None,
                        j => Some((k.clone(), j)),
                    })
                    .collect(),
            ),
            _ => J::Bool(false),
        }
    }

    /// Like [`Value::unknown_json`] for sensitivity (`before_sensitive`/`after_sensitive`).
    pub fn sensitive_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        if self.marks().sensitive {
            return J::Bool(true);
        }
        match self.unmarked() {
            Value::List(_, vs) | Value::Set(_, vs) | Value::Tuple(vs) => {
                J::Array(vs.iter().map(|v| match v.sensitive_json() { J::Object(o) if o.is_empty() => J::Bool(false), j => j }).collect())
            }
            Value::Map(_, m) | Value::Object(m) => J::Object(
                m.iter()
                    .filter_map(|(k, v)| match v.sensitive_json() {
                        J::Bool(false) => None,
                        J::Object(o) if o.is_empty() => None,
                        j => Some((k.clone(), j)),
                    })
                    .collect(),
            ),
            _ => J::Bool(false),
        }
    }

    /// Converts JSON to a value of the given type (`Type::Dynamic` infers: objects and tuples).
    pub fn from_json(j: &serde_json::Value, ty: &Type) -> Result<Value, String> {
        use serde_json::Value as J;
        match (ty, j) {
            (t, J::Null) => Ok(Value::Null(t.clone())),
            (Type::Dynamic, J::Bool(b)) => Ok(Value::Bool(*b)),
            (Type::Dynamic, J::Number(n)) => Ok(Value::Number(Number::from_json(n)?)),
            (Type::Dynamic, J::String(s)) => Ok(Value::String(s.clone())),
            (Type::Dynamic, J::Array(a)) => {
                Ok(Value::Tuple(a.iter().map(|v| Value::from_json(v, &Type::Dynamic)).collect::<Result<_, _>>()?))
            }
            (Type::Dynamic, J::Object(o)) => Ok(Value::Object(
                o.iter().map(|(k, v)| Ok((k.clone(), Value::from_json(v, &Type::Dynamic)?))).collect::<Result<_, String>>()?,
            )),
            (Type::Bool, J::Bool(b)) => Ok(Value::Bool(*b)),
            (Type::Number, J::Number(n)) => Ok(Value::Number(Number::from_json(n)?)),
            (Type::String, J::String(s)) => Ok(Value::String(s.clone())),
            (Type::String, J::Bool(b)) => Ok(Value::String(b.to_string())),
            (Type::String, J::Number(n)) => Ok(Value::String(n.to_string())),
            (Type::List(t), J::Array(a)) => Ok(Value::List(
                (**t).clone(),
                a.iter().map(|v| Value::from_json(v, t)).collect::<Result<_, _>>()?,
            )),
            (Type::Set(t), J::Array(a)) => Ok(crate::collections::make_set(
                (**t).clone(),
                a.iter().map(|v| Value::from_json(v, t)).collect::<Result<_, _>>()?,
            )),
            (Type::Map(t), J::Object(o)) => Ok(Value::Map(
                (**t).clone(),
                o.iter().map(|(k, v)| Ok((k.clone(), Value::from_json(v, t)?))).collect::<Result<_, String>>()?,
            )),
            (Type::Tuple(ts), J::Array(a)) if ts.len() == a.len() => Ok(Value::Tuple(
                ts.iter().zip(a).map(|(t, v)| Value::from_json(v, t)).collect::<Result<_, _>>()?,
            )),
            (Type::Object(ts), J::Object(o)) => Ok(Value::Object(
                ts.iter()
                    .map(|(k, t)| Ok((k.clone(), Value::from_json(o.get(k).unwrap_or(&J::Null), t)?)))
                    .collect::<Result<_, String>>()?,
            )),
            (t, j) => Err(format!("cannot convert JSON {j} to {t}")),
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::String(s.to_string())
    }
}
impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::String(s)
    }
}
impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}
impl From<i64> for Value {
    fn from(n: i64) -> Value {
        Value::Number(Number::from(n))
    }
}
