//! Type conversion and unification following cty's rules: the automatic conversions Terraform
//! applies to variables, function arguments and operands (`convert`), the common type used for
//! collection results and conditionals (`unify`), and the type-constraint syntax
//! (`parse_type_constraint`). Marks are preserved at every level.

use std::collections::BTreeMap;

use hcl_edit::expr::{Expression, ObjectKey};
use hcl_edit::Span;

use crate::collections::make_set;
use crate::diagnostic::Diagnostic;
use crate::number::Number;
use crate::types::Type;
use crate::value::Value;

/// Normalizes a string to Unicode NFC, as cty does for every string value.
pub fn nfc(s: &str) -> String {
    use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};
    if is_nfc_quick(s.chars()) == IsNormalized::Yes {
        s.to_string()
    } else {
        s.nfc().collect()
    }
}

/// Normalizes every string (and object key) inside a value to NFC.
pub fn nfc_deep(v: Value) -> Value {
    match v {
        Value::String(s) => Value::String(nfc(&s)),
        Value::Marked(inner, m) => nfc_deep(*inner).mark(m),
        Value::List(t, vs) => Value::List(t, vs.into_iter().map(nfc_deep).collect()),
        Value::Set(t, vs) => make_set(t, vs.into_iter().map(nfc_deep).collect()),
        Value::Tuple(vs) => Value::Tuple(vs.into_iter().map(nfc_deep).collect()),
        Value::Map(t, m) => Value::Map(t, m.into_iter().map(|(k, v)| (nfc(&k), nfc_deep(v))).collect()),
        Value::Object(m) => Value::Object(m.into_iter().map(|(k, v)| (nfc(&k), nfc_deep(v))).collect()),
        other => other,
    }
}

/// Converts `v` to type `to`, as Terraform does automatically. Nulls and unknowns keep their
/// marks and take the target type. Errors read like Terraform's ("a number is required").
pub fn convert(v: Value, to: &Type) -> Result<Value, String> {
    if *to == Type::Dynamic {
        return Ok(v);
    }
    let (inner, marks) = v.unmark();
    let out = match inner {
        Value::Null(_) => Value::Null(to.clone()),
        Value::Unknown(t) => {
            if !type_convertible(&t, to) {
                return Err(format!("{} required", type_friendly(to)));
            }
            Value::Unknown(to.clone())
        }
        other => convert_known(other, to)?,
    };
    Ok(out.mark(marks))
}

/// True when a value of type `from` may convert to `to` (ignoring value-dependent failures).
pub fn type_convertible(from: &Type, to: &Type) -> bool {
    match (from, to) {
        (_, Type::Dynamic) | (Type::Dynamic, _) => true,
        (a, b) if a == b => true,
        (a, b) if a.is_primitive() && b.is_primitive() => !matches!((a, b), (Type::Bool, Type::Number) | (Type::Number, Type::Bool)),
        (Type::List(a) | Type::Set(a), Type::List(b) | Type::Set(b)) => type_convertible(a, b),
        (Type::Tuple(ts), Type::List(b) | Type::Set(b)) => ts.iter().all(|t| type_convertible(t, b)),
        (Type::Map(a), Type::Map(b)) => type_convertible(a, b),
        (Type::Object(ts), Type::Map(b)) => ts.values().all(|t| type_convertible(t, b)),
        (Type::Object(a), Type::Object(b)) => b.iter().all(|(k, t)| a.get(k).is_some_and(|at| type_convertible(at, t))),
        (Type::Map(_), Type::Object(_)) => true,
        (Type::Tuple(a), Type::Tuple(b)) => a.len() == b.len() && a.iter().zip(b).all(|(x, y)| type_convertible(x, y)),
        (Type::List(_) | Type::Set(_), Type::Tuple(_)) => true,
        _ => false,
    }
}

/// A short human name for a type, as in cty's "string required".
pub fn type_friendly(t: &Type) -> String {
    match t {
        Type::Dynamic => "any value".into(),
        Type::Bool => "bool".into(),
        Type::Number => "number".into(),
        Type::String => "string".into(),
        Type::List(e) => format!("list of {}", type_friendly(e)),
        Type::Set(e) => format!("set of {}", type_friendly(e)),
        Type::Map(e) => format!("map of {}", type_friendly(e)),
        Type::Tuple(_) => "tuple".into(),
        Type::Object(_) => "object".into(),
    }
}

fn convert_known(v: Value, to: &Type) -> Result<Value, String> {
    match to {
        Type::Dynamic => Ok(v),
        Type::String => match v {
            Value::String(_) => Ok(v),
            Value::Number(n) => Ok(Value::String(n.to_string())),
            Value::Bool(b) => Ok(Value::String(b.to_string())),
            _ => Err("string required".into()),
        },
        Type::Number => match v {
            Value::Number(_) => Ok(v),
            Value::String(s) => Number::parse_strict(&s)
                .map(Value::Number)
                .ok_or_else(|| "a number is required".to_string()),
            _ => Err("number required".into()),
        },
        Type::Bool => match v {
            Value::Bool(_) => Ok(v),
            Value::String(s) => match s.as_str() {
                "true" | "1" => Ok(Value::Bool(true)),
                "false" | "0" => Ok(Value::Bool(false)),
                _ => Err("a bool is required".into()),
            },
            _ => Err("bool required".into()),
        },
        Type::List(et) | Type::Set(et) => {
            let elems = match v {
                Value::List(_, vs) | Value::Set(_, vs) | Value::Tuple(vs) => vs,
                _ => return Err(format!("{} required", type_friendly(to))),
            };
            let et = if **et == Type::Dynamic {
                let tys: Vec<Type> = elems.iter().map(Value::ty).collect();
                unify(&tys).ok_or_else(|| "all list elements must have the same type".to_string())?
            } else {
                (**et).clone()
            };
            let mut out = Vec::with_capacity(elems.len());
            for (i, e) in elems.into_iter().enumerate() {
                out.push(convert(e, &et).map_err(|m| format!("element {i}: {m}"))?);
            }
            if matches!(to, Type::Set(_)) {
                Ok(make_set(et, out))
            } else {
                Ok(Value::List(et, out))
            }
        }
        Type::Map(et) => {
            let entries = match v {
                Value::Map(_, m) | Value::Object(m) => m,
                _ => return Err(format!("{} required", type_friendly(to))),
            };
            let et = if **et == Type::Dynamic {
                let tys: Vec<Type> = entries.values().map(Value::ty).collect();
                unify(&tys).ok_or_else(|| "all map elements must have the same type".to_string())?
            } else {
                (**et).clone()
            };
            let mut out = BTreeMap::new();
            for (k, e) in entries {
                let c = convert(e, &et).map_err(|m| format!("element {k:?}: {m}"))?;
                out.insert(k, c);
            }
            Ok(Value::Map(et, out))
        }
        Type::Object(attrs) => {
            let mut entries = match v {
                Value::Map(_, m) | Value::Object(m) => m,
                _ => return Err("object required".into()),
            };
            let mut out = BTreeMap::new();
            for (k, t) in attrs {
                match entries.remove(k) {
                    Some(e) => {
                        out.insert(k.clone(), convert(e, t).map_err(|m| format!("attribute {k:?}: {m}"))?);
                    }
                    None => return Err(format!("attribute {k:?} is required")),
                }
            }
            Ok(Value::Object(out))
        }
        Type::Tuple(ts) => {
            let elems = match v {
                Value::List(_, vs) | Value::Set(_, vs) | Value::Tuple(vs) => vs,
                _ => return Err("tuple required".into()),
            };
            if elems.len() != ts.len() {
                return Err(format!("tuple required with exactly {} elements", ts.len()));
            }
            let mut out = Vec::with_capacity(elems.len());
            for (i, (e, t)) in elems.into_iter().zip(ts).enumerate() {
                out.push(convert(e, t).map_err(|m| format!("element {i}: {m}"))?);
            }
            Ok(Value::Tuple(out))
        }
    }
}

/// The common type that all `types` convert to, as used for list and map results and for
/// conditionals. `Dynamic` entries (untyped nulls) do not constrain the result.
pub fn unify(types: &[Type]) -> Option<Type> {
    let tys: Vec<&Type> = types.iter().filter(|t| **t != Type::Dynamic).collect();
    let Some(first) = tys.first() else {
        return Some(Type::Dynamic);
    };
    if tys.iter().all(|t| t == first) {
        return Some((*first).clone());
    }
    if tys.iter().all(|t| t.is_primitive()) {
        return Some(Type::String);
    }
    if tys.iter().all(|t| matches!(t, Type::Object(_))) {
        let keysets: Vec<Vec<&String>> =
            tys.iter().map(|t| if let Type::Object(m) = t { m.keys().collect() } else { vec![] }).collect();
        if keysets.iter().all(|k| *k == keysets[0]) {
            let mut out = BTreeMap::new();
            let mut ok = true;
            for k in &keysets[0] {
                let ats: Vec<Type> = tys
                    .iter()
                    .filter_map(|t| if let Type::Object(m) = t { m.get(*k).cloned() } else { None })
                    .collect();
                match unify(&ats) {
                    Some(u) => {
                        out.insert((*k).clone(), u);
                    }
                    None => ok = false,
                }
            }
            if ok {
                return Some(Type::Object(out));
            }
        }
    }
    if tys.iter().all(|t| matches!(t, Type::Tuple(_))) {
        let lens: Vec<usize> = tys.iter().map(|t| if let Type::Tuple(v) = t { v.len() } else { 0 }).collect();
        if lens.iter().all(|l| *l == lens[0]) {
            let mut out = Vec::new();
            for i in 0..lens[0] {
                let ets: Vec<Type> =
                    tys.iter().filter_map(|t| if let Type::Tuple(v) = t { v.get(i).cloned() } else { None }).collect();
                out.push(unify(&ets)?);
            }
            return Some(Type::Tuple(out));
        }
    }
    // Structural and collection kinds mixing: fall back to a collection of the element types.
    let all_mapish = tys.iter().all(|t| matches!(t, Type::Object(_) | Type::Map(_)));
    if all_mapish {
        let mut ets = Vec::new();
        for t in &tys {
            match t {
                Type::Object(m) => ets.extend(m.values().cloned()),
                Type::Map(e) => ets.push((**e).clone()),
                _ => {}
            }
        }
        return Some(Type::map(unify(&ets)?));
    }
    let all_listish = tys.iter().all(|t| matches!(t, Type::Tuple(_) | Type::List(_)));
    let all_setish = tys.iter().all(|t| matches!(t, Type::Tuple(_) | Type::Set(_)));
    if all_listish || all_setish {
        let mut ets = Vec::new();
        for t in &tys {
            match t {
                Type::Tuple(v) => ets.extend(v.iter().cloned()),
                Type::List(e) | Type::Set(e) => ets.push((**e).clone()),
                _ => {}
            }
        }
        let e = unify(&ets)?;
        return Some(if all_listish { Type::list(e) } else { Type::set(e) });
    }
    None
}

/// Parses a type constraint expression such as `list(object({a=string}))`.
pub fn parse_type_constraint(expr: &Expression) -> Result<Type, Diagnostic> {
    let span = expr.span();
    let bad = |detail: &str| Diagnostic::error("Invalid type specification", detail.to_string(), span.clone());
    match expr {
        Expression::Variable(id) => match id.as_str() {
            "string" => Ok(Type::String),
            "number" => Ok(Type::Number),
            "bool" => Ok(Type::Bool),
            "any" => Ok(Type::Dynamic),
            "list" => Ok(Type::list(Type::Dynamic)),
            "map" => Ok(Type::map(Type::Dynamic)),
            "set" => Ok(Type::set(Type::Dynamic)),
            other => Err(bad(&format!("The keyword {other:?} is not a valid type specification."))),
        },
        Expression::Parenthesis(p) => parse_type_constraint(p.inner()),
        Expression::FuncCall(call) => {
            let name = call.name.name.as_str();
            let args: Vec<&Expression> = call.args.iter().collect();
            let one = |what: &str| -> Result<&Expression, Diagnostic> {
                if args.len() == 1 {
                    Ok(args[0])
                } else {
                    Err(bad(&format!("The {what} type constructor requires one argument specifying the element type.")))
                }
            };
            match name {
                "list" => Ok(Type::list(parse_type_constraint(one("list")?)?)),
                "set" => Ok(Type::set(parse_type_constraint(one("set")?)?)),
                "map" => Ok(Type::map(parse_type_constraint(one("map")?)?)),
                "optional" => {
                    if args.is_empty() || args.len() > 2 {
                        return Err(bad("The optional modifier requires a type and an optional default."));
                    }
                    parse_type_constraint(args[0])
                }
                "object" => {
                    let arg = one("object")?;
                    let Expression::Object(obj) = arg else {
                        return Err(bad("The object type constructor requires one argument specifying the attribute types as a map."));
                    };
                    let mut attrs = BTreeMap::new();
                    for (k, v) in obj.iter() {
                        let key = match k {
                            ObjectKey::Ident(id) => id.as_str().to_string(),
                            ObjectKey::Expression(Expression::String(s)) => s.as_str().to_string(),
                            ObjectKey::Expression(Expression::Variable(id)) => id.as_str().to_string(),
                            _ => return Err(bad("Object constructor map keys must be attribute names.")),
                        };
                        attrs.insert(key, parse_type_constraint(v.expr())?);
                    }
                    Ok(Type::Object(attrs))
                }
                "tuple" => {
                    let arg = one("tuple")?;
                    let Expression::Array(arr) = arg else {
                        return Err(bad("The tuple type constructor requires one argument specifying the element types as a list."));
                    };
                    Ok(Type::Tuple(arr.iter().map(parse_type_constraint).collect::<Result<_, _>>()?))
                }
                other => Err(bad(&format!("Keyword {other:?} is not a valid type constructor."))),
            }
        }
        Expression::String(_) | Expression::StringTemplate(_) => {
            Err(bad("A type specification is either a primitive type keyword (bool, number, string) or a complex type constructor call, like list(string)."))
        }
        _ => Err(bad("A type specification is either a primitive type keyword (bool, number, string) or a complex type constructor call, like list(string).")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn primitive_conversions() {
        assert_eq!(convert(Value::from(1), &Type::String), Ok(Value::from("1")));
        assert_eq!(convert(Value::from("1.5"), &Type::Number), Ok(Value::number(1.5)));
        assert_eq!(convert(Value::from("true"), &Type::Bool), Ok(Value::Bool(true)));
        assert!(convert(Value::from("abc"), &Type::Number).is_err());
        assert!(convert(Value::Bool(true), &Type::Number).is_err());
    }

    #[test]
    fn tuple_to_list_unifies() {
        let v = Value::Tuple(vec![Value::from(1), Value::from("a")]);
        assert_eq!(
            convert(v, &Type::list(Type::Dynamic)),
            Ok(Value::List(Type::String, vec![Value::from("1"), Value::from("a")]))
        );
    }

    #[test]
    fn marks_survive() {
        let v = Value::from(1).sensitive();
        let c = convert(v, &Type::String).unwrap_or(Value::null());
        assert!(c.marks().sensitive);
    }

    #[test]
    fn object_missing_attribute() {
        let v = Value::object([("a", Value::from(1))]);
        let t = Type::Object([("b".to_string(), Type::Number)].into_iter().collect());
        assert_eq!(convert(v, &t), Err("attribute \"b\" is required".to_string()));
    }

    #[test]
    fn unify_mixed() {
        assert_eq!(unify(&[Type::Number, Type::String]), Some(Type::String));
        assert_eq!(unify(&[Type::Number, Type::list(Type::String)]), None);
    }
}
