//! Collection and type-conversion functions: length, concat, merge, lookup, element, keys,
//! values, flatten, sets, sorting, slicing, the `to*` conversions and the sensitivity functions.
//! Functions that Terraform lets see marked arguments keep element-level marks.

use std::collections::BTreeMap;

use super::util::{b, num, s, seq};
use super::{bad, fail, p, pn, pu, FnError, MarkMode, Param, Spec, P};
use crate::collections::make_set;
use crate::convert::{convert, unify};
use crate::eval::{set_of, values_equal, EvalContext};
use crate::number::Number;
use crate::types::Type;
use crate::value::{Marks, Value};

pub(super) const NAMES: &[&str] = &[
    "length", "concat", "merge", "lookup", "element", "keys", "values", "flatten", "distinct", "compact", "coalesce",
    "coalescelist", "contains", "index", "reverse", "sort", "slice", "range", "zipmap", "setunion", "setintersection",
    "setsubtract", "setproduct", "sum", "one", "alltrue", "anytrue", "chunklist", "matchkeys", "transpose", "tolist",
    "toset", "tomap", "tostring", "tonumber", "tobool", "sensitive", "nonsensitive", "issensitive",
    "list", "map",
];

fn sp(params: &[Param], ret: P, f: super::Impl) -> Option<Spec> {
    Some(Spec { params: params.to_vec(), variadic: None, ret, marks: MarkMode::Deep, f })
}
fn own(params: &[Param], ret: P, f: super::Impl) -> Option<Spec> {
    Some(Spec { params: params.to_vec(), variadic: None, ret, marks: MarkMode::Own, f })
}
fn var(params: &[Param], v: Param, ret: P, f: super::Impl) -> Option<Spec> {
    Some(Spec { params: params.to_vec(), variadic: Some(v), ret, marks: MarkMode::Deep, f })
}
/// A function that passes elements through: element marks stay on the elements.
fn pass(params: &[Param], ret: P, f: super::Impl) -> Option<Spec> {
    Some(Spec { params: params.to_vec(), variadic: None, ret, marks: MarkMode::Shallow, f })
}
fn var_pass(params: &[Param], v: Param, ret: P, f: super::Impl) -> Option<Spec> {
    Some(Spec { params: params.to_vec(), variadic: Some(v), ret, marks: MarkMode::Shallow, f })
}

/// A set cannot hold marked elements (cty's rule): their marks move to the whole set.
fn hoist_set_marks(v: Value) -> Value {
    let (inner, own) = v.unmark();
    match inner {
        Value::Set(..) if !inner.marks_deep().is_empty() => {
            let (plain, m) = inner.unmark_deep();
            plain.mark(own.union(m))
        }
        other => other.mark(own),
    }
}

fn list_of(vs: Vec<Value>) -> Result<Value, FnError> {
    let tys: Vec<Type> = vs.iter().map(Value::ty).collect();
    let t = unify(&tys).ok_or_else(|| fail("all elements must have the same type"))?;
    let conv = vs.into_iter().map(|v| convert(v, &t)).collect::<Result<Vec<_>, _>>().map_err(fail)?;
    Ok(Value::List(t, conv))
}

fn to_conv(v: Value, t: Type) -> Result<Value, FnError> {
    convert(v, &t).map_err(|e| bad(0, e))
}

pub(super) fn spec(name: &str) -> Option<Spec> {
    match name {
        "length" => pass(&[pu("value", P::Any)], P::Num, |a, _| {
            let v = a[0].unmarked();
            let n = match v {
                Value::Null(_) => return Err(bad(0, "argument must not be null")),
                Value::Unknown(_) => return Ok(Value::Unknown(Type::Number)),
                Value::String(x) => {
                    use unicode_segmentation::UnicodeSegmentation;
                    x.graphemes(true).count()
                }
                Value::List(_, vs) | Value::Set(_, vs) | Value::Tuple(vs) => vs.len(),
                Value::Map(_, m) | Value::Object(m) => m.len(),
                _ => return Err(fail("argument must be a string, a collection type, or a structural type")),
            };
            Ok(Value::Number(Number::from(n as i64)))
        }),
        "concat" => var_pass(&[], p("seqs", P::Any), P::Any, |a, _| {
            if a.is_empty() {
                return Err(fail("at least one argument is required"));
            }
            let mut all = Vec::new();
            let mut all_list = true;
            for (i, v) in a.iter().enumerate() {
                match v.unmarked() {
                    Value::List(..) => all.extend(seq(v)),
                    Value::Tuple(vs) => {
                        all_list = false;
                        all.extend(vs.iter().cloned())
                    }
                    _ => return Err(bad(i, "all arguments must be lists or tuples; got ".to_string() + &crate::convert::type_friendly(&v.ty()))),
                }
            }
            if all_list {
                let tys: Vec<Type> = a.iter().filter_map(|v| v.ty().element().cloned()).collect();
                let t = unify(&tys).ok_or_else(|| fail("all arguments must have the same element type"))?;
                let conv = all.into_iter().map(|v| convert(v, &t)).collect::<Result<Vec<_>, _>>().map_err(fail)?;
                return Ok(Value::List(t, conv));
            }
            Ok(Value::Tuple(all))
        }),
        "merge" => var_pass(&[], pn("maps", P::Any), P::Any, |a, _| {
            let mut out = BTreeMap::new();
            let mut all_maps = true;
            for v in a.iter() {
                match v.unmarked() {
                    Value::Null(_) => {}
                    Value::Map(_, m) => out.extend(m.clone()),
                    Value::Object(m) => {
                        all_maps = false;
                        out.extend(m.clone())
                    }
                    _ => return Err(fail(format!("arguments must be maps or objects, got {:?}", crate::convert::type_friendly(&v.ty())))),
                }
            }
            if all_maps {
                let tys: Vec<Type> = out.values().map(Value::ty).collect();
                if let Some(t) = unify(&tys) {
                    if let Ok(Value::Map(t, m)) = convert(Value::Object(out.clone()), &Type::map(t)) {
                        return Ok(Value::Map(t, m));
                    }
                }
            }
            Ok(Value::Object(out))
        }),
        // The map's and the key's own marks mark the result; the default's only when it is used.
        "lookup" => Some(Spec {
            params: vec![p("inputMap", P::Any), p("key", P::Str)],
            variadic: Some(pu("default", P::Any)),
            ret: P::Any,
            marks: MarkMode::Own,
            f: |a, c| {
                let marks = a[0].marks().union(a[1].marks_deep());
                let mut a = a;
                a[0] = a[0].clone().unmark().0;
                lookup(a, c).map(|v| v.mark(marks))
            },
        }),
        "element" => pass(&[p("list", P::Any), p("index", P::Num)], P::Any, |a, _| {
            let vs = match a[0].unmarked() {
                Value::List(_, vs) | Value::Tuple(vs) => vs.clone(),
                _ => return Err(fail("cannot read elements from ".to_string() + &crate::convert::type_friendly(&a[0].ty()))),
            };
            if vs.is_empty() {
                return Err(fail("cannot use element function with an empty list"));
            }
            let i = num(&a[1]).as_i64().ok_or_else(|| fail("invalid index: value must be a whole number"))?;
            if i < 0 {
                return Err(fail("cannot use element function with a negative index"));
            }
            Ok(vs[(i as usize) % vs.len()].clone())
        }),
        "keys" => pass(&[p("inputMap", P::Any)], P::Any, |a, _| match a[0].unmarked() {
            Value::Map(_, m) => Ok(Value::List(Type::String, m.keys().map(|k| Value::String(k.clone())).collect())),
            Value::Object(m) => Ok(Value::Tuple(m.keys().map(|k| Value::String(k.clone())).collect())),
            _ => Err(bad(0, "must have map or object type")),
        }),
        "values" => pass(&[p("mapping", P::Any)], P::Any, |a, _| match a[0].unmarked() {
            Value::Map(t, m) => Ok(Value::List(t.clone(), m.values().cloned().collect())),
            Value::Object(m) => Ok(Value::Tuple(m.values().cloned().collect())),
            _ => Err(fail("values() requires a map as the first argument")),

        }),
        "flatten" => pass(&[p("list", P::Any)], P::Any, |a, _| {
            // A marked nested sequence marks the whole result (as cty does): its elements'
            // positions would otherwise tell its length.
            fn go(v: &Value, out: &mut Vec<Value>, marks: &mut Marks) {
                match v.unmarked() {
                    Value::List(_, vs) | Value::Set(_, vs) | Value::Tuple(vs) => {
                        *marks = marks.union(v.marks());
                        for x in vs {
                            go(x, out, marks);
                        }
                    }
                    _ => out.push(v.clone()),
                }
            }
            if !matches!(a[0].unmarked(), Value::List(..) | Value::Set(..) | Value::Tuple(..)) {
                return Err(fail("can only flatten lists, sets and tuples"));
            }
            let mut out = Vec::new();
            let mut marks = Marks::NONE;
            go(&a[0], &mut out, &mut marks);
            Ok(Value::Tuple(out).mark(marks))
        }),
        "distinct" => sp(&[p("list", P::ListAny)], P::ListAny, |a, _| {
            let (t, vs) = match a[0].unmarked() {
                Value::List(t, vs) => (t.clone(), vs.clone()),
                _ => return Err(bad(0, "list required")),
            };
            let mut out: Vec<Value> = Vec::new();
            for v in vs {
                if !out.iter().any(|o| values_equal(o, &v) == Some(true)) {
                    out.push(v);
                }
            }
            Ok(Value::List(t, out))
        }),
        "compact" => sp(&[p("list", P::ListStr)], P::ListStr, |a, _| {
            Ok(Value::List(
                Type::String,
                seq(&a[0]).into_iter().filter(|v| !v.is_null() && !s(v).is_empty()).collect(),
            ))
        }),
        "coalesce" => var(&[], pn("vals", P::Any), P::Any, |a, _| {
            let tys: Vec<Type> = a.iter().map(Value::ty).collect();
            let t = unify(&tys).ok_or_else(|| fail("all arguments must have the same type"))?;
            for v in a {
                if v.is_null() {
                    continue;
                }
                let v = convert(v, &t).map_err(fail)?;
                if v.unmarked().as_str() == Some("") {
                    continue;
                }
                return Ok(v);
            }
            Err(fail("no non-null, non-empty-string arguments"))
        }),
        "coalescelist" => var(&[], pn("vals", P::Any), P::Any, |a, _| {
            for v in a {
                match v.unmarked() {
                    Value::Null(_) => {}
                    Value::List(_, vs) | Value::Tuple(vs) | Value::Set(_, vs) => {
                        if !vs.is_empty() {
                            return Ok(v);
                        }
                    }
                    _ => return Err(fail("coalescelist arguments must be lists or tuples")),
                }
            }
            Err(fail("no non-null arguments"))
        }),
        "contains" => sp(&[p("list", P::Any), p("value", P::Any)], P::Bool, |a, _| {
            let vs = match a[0].unmarked() {
                Value::List(_, vs) | Value::Set(_, vs) | Value::Tuple(vs) => vs.clone(),
                _ => return Err(fail("argument must be list, tuple, or set")),
            };
            for v in &vs {
                if values_equal(v, &a[1]) == Some(true) {
                    return Ok(Value::Bool(true));
                }
            }
            Ok(Value::Bool(false))
        }),
        "index" => sp(&[p("list", P::Any), p("value", P::Any)], P::Num, |a, _| {
            let vs = match a[0].unmarked() {
                Value::List(_, vs) | Value::Tuple(vs) => vs.clone(),
                _ => return Err(fail("argument must be a list or tuple")),
            };
            if vs.is_empty() {
                return Err(fail("cannot search an empty list"));
            }
            if let Some(et) = a[0].ty().element() {
                if *et != Type::Dynamic && a[1].ty() != Type::Dynamic && *et != a[1].ty() {
                    return Err(fail("value must be of the same type as the list elements"));
                }
            }
            for (i, v) in vs.iter().enumerate() {
                if values_equal(v, &a[1]) == Some(true) {
                    return Ok(Value::Number(Number::from(i as i64)));
                }
            }
            Err(fail("item not found"))
        }),
        "reverse" => pass(&[p("list", P::Any)], P::Any, |a, _| match a[0].unmarked() {
            Value::List(t, vs) => Ok(Value::List(t.clone(), vs.iter().rev().cloned().collect())),
            Value::Tuple(vs) => Ok(Value::Tuple(vs.iter().rev().cloned().collect())),
            Value::Set(t, vs) => Ok(Value::List(t.clone(), vs.iter().rev().cloned().collect())),
            _ => Err(bad(0, "can only reverse list or tuple values")),
        }),
        "sort" => sp(&[p("list", P::ListStr)], P::ListStr, |a, _| {
            let vs = seq(&a[0]);
            if let Some(i) = vs.iter().position(Value::is_null) {
                return Err(fail(format!("given list element {i} is null; a null string cannot be sorted")));
            }
            let mut ss: Vec<String> = vs.iter().map(|v| s(v).to_string()).collect();
            ss.sort();
            Ok(super::util::str_list(ss))
        }),
        "slice" => pass(&[p("list", P::Any), p("start_index", P::Num), p("end_index", P::Num)], P::Any, |a, _| {
            let vs = match a[0].unmarked() {
                Value::List(..) | Value::Tuple(..) => seq(&a[0]),
                _ => return Err(bad(0, "must be a list or tuple value")),
            };
            let st = num(&a[1]).as_i64().ok_or_else(|| bad(1, "must be a whole number"))?;
            let en = num(&a[2]).as_i64().ok_or_else(|| bad(2, "must be a whole number"))?;
            if st < 0 {
                return Err(bad(1, "must not be less than zero"));
            }
            if en > vs.len() as i64 {
                return Err(bad(2, "must not be greater than the length of the list"));
            }
            if st > en {
                return Err(bad(1, "must be less than or equal to the end_index"));
            }
            let part = vs[st as usize..en as usize].to_vec();
            Ok(match a[0].unmarked() {
                Value::List(t, _) => Value::List(t.clone(), part),
                _ => Value::Tuple(part),
            })
        }),
        "range" => var(&[], p("params", P::Num), P::ListNum, |a, _| {
            let dflt = |s: &Number, e: &Number| if e.total_cmp(s).is_lt() { Number::from(-1) } else { Number::from(1) };
            let (start, end, step) = match a.len() {
                1 => (Number::from(0), num(&a[0]), dflt(&Number::from(0), &num(&a[0]))),
                2 => (num(&a[0]), num(&a[1]), dflt(&num(&a[0]), &num(&a[1]))),
                3 => (num(&a[0]), num(&a[1]), num(&a[2])),
                _ => return Err(fail("must have one, two, or three arguments")),
            };
            if step.is_zero() {
                return Err(fail("step must not be zero"));
            }
            let up = start.total_cmp(&end).is_lt();
            if up && step.is_negative() {
                return Err(fail("step must be positive when start is less than end"));
            }
            if !up && start.total_cmp(&end).is_gt() && !step.is_negative() {
                return Err(fail("step must be negative when start is greater than end"));
            }
            let mut out = Vec::new();
            let mut cur = start;
            while if step.is_negative() { cur.total_cmp(&end).is_gt() } else { cur.total_cmp(&end).is_lt() } {
                if out.len() >= 1024 {
                    return Err(fail("more than 1024 values were generated; either decrease the difference between start and end or use a smaller step"));
                }
                out.push(Value::Number(cur.clone()));
                cur = cur.add(&step);
            }
            Ok(Value::List(Type::Number, out))
        }),
        "zipmap" => pass(&[p("keys", P::ListStr), p("values", P::Any)], P::Any, |a, _| {
            let ks = seq(&a[0]);
            let vs = match a[1].unmarked() {
                Value::List(..) | Value::Tuple(..) => seq(&a[1]),
                _ => return Err(fail("values argument must be a list or tuple value")),
            };
            if ks.len() != vs.len() {
                return Err(fail(format!("number of keys ({}) does not match number of values ({})", ks.len(), vs.len())));
            }
            // A marked key marks the whole result: keys are not values that can carry marks.
            let key_marks = a[0].marks_deep();
            let m: BTreeMap<String, Value> = ks.iter().map(|k| s(k).to_string()).zip(vs).collect();
            Ok(match a[1].unmarked() {
                Value::List(t, _) => Value::Map(t.clone(), m),
                _ => Value::Object(m),
            }
            .mark(key_marks))
        }),
        "setunion" => var(&[p("first_set", P::SetAny)], p("other_sets", P::SetAny), P::SetAny, |a, _| {
            set_of(a.iter().flat_map(seq).collect()).map_err(fail)
        }),
        "setintersection" => var(&[p("first_set", P::SetAny)], p("other_sets", P::SetAny), P::SetAny, |a, _| {
            let first = seq(&a[0]);
            let keep: Vec<Value> = first
                .into_iter()
                .filter(|v| a[1..].iter().all(|o| seq(o).iter().any(|x| eq_conv(x, v))))
                .collect();
            set_with_type(&a, keep)
        }),
        "setsubtract" => sp(&[p("a", P::SetAny), p("b", P::SetAny)], P::SetAny, |a, _| {
            let keep: Vec<Value> = seq(&a[0]).into_iter().filter(|v| !seq(&a[1]).iter().any(|x| eq_conv(x, v))).collect();
            set_with_type(&a[..1], keep)
        }),
        "setproduct" => var_pass(&[], p("sets", P::Any), P::Any, |a, c| setproduct(a, c).map(hoist_set_marks)),
        "sum" => sp(&[p("list", P::Any)], P::Num, |a, _| {
            let vs = match a[0].unmarked() {
                Value::List(..) | Value::Set(..) | Value::Tuple(..) => seq(&a[0]),
                _ => return Err(bad(0, "argument must be list, set, or tuple. Received ".to_string() + &crate::convert::type_friendly(&a[0].ty()))),
            };
            if vs.is_empty() {
                return Err(bad(0, "cannot sum an empty list"));
            }
            let mut acc = Number::from(0);
            for v in vs {
                if v.is_null() {
                    return Err(bad(0, "argument must be list, set, or tuple of number values"));
                }
                match convert(v, &Type::Number) {
                    Ok(Value::Number(n)) => acc = acc.add(&n),
                    _ => return Err(bad(0, "argument must be list, set, or tuple of number values")),
                }
            }
            Ok(Value::Number(acc))
        }),
        "one" => sp(&[p("list", P::Any)], P::Any, |a, _| {
            let (vs, et) = match a[0].unmarked() {
                Value::List(t, vs) | Value::Set(t, vs) => (vs.clone(), t.clone()),
                Value::Tuple(vs) => (vs.clone(), Type::Dynamic),
                _ => return Err(bad(0, "must be a list, set, or tuple value with either zero or one elements")),
            };
            match vs.len() {
                0 => Ok(Value::Null(et)),
                1 => Ok(vs[0].clone()),
                _ => Err(bad(0, "must be a list, set, or tuple value with either zero or one elements")),
            }
        }),
        "alltrue" => sp(&[p("list", P::ListBool)], P::Bool, |a, _| {
            let vs = seq(&a[0]);
            Ok(Value::Bool(vs.iter().all(|v| !v.is_null() && b(v))))
        }),
        "anytrue" => sp(&[p("list", P::ListBool)], P::Bool, |a, _| {
            let vs = seq(&a[0]);
            Ok(Value::Bool(vs.iter().any(|v| !v.is_null() && b(v))))
        }),
        "chunklist" => pass(&[p("list", P::ListAny), p("size", P::Num)], P::ListAny, |a, _| {
            let size = num(&a[1]).as_i64().ok_or_else(|| fail("invalid size: value must be a whole number"))?;
            if size < 0 {
                return Err(fail("the size argument must be positive"));
            }
            let (t, vs) = match a[0].unmarked() {
                Value::List(t, vs) => (t.clone(), vs.clone()),
                _ => return Err(bad(0, "list required")),
            };
            if size == 0 {
                return Ok(Value::List(Type::list(t.clone()), vec![Value::List(t, vs)]));
            }
            Ok(Value::List(
                Type::list(t.clone()),
                vs.chunks(size as usize).map(|c| Value::List(t.clone(), c.to_vec())).collect(),
            ))
        }),
        "matchkeys" => sp(&[p("values", P::ListAny), p("keys", P::ListAny), p("searchset", P::ListAny)], P::ListAny, |a, _| {
            let vs = seq(&a[0]);
            let ks = seq(&a[1]);
            if vs.len() != ks.len() {
                return Err(fail("length of keys and values should be equal"));
            }
            let search = seq(&a[2]);
            let out: Vec<Value> = vs
                .into_iter()
                .zip(ks)
                .filter(|(_, k)| search.iter().any(|x| eq_conv(x, k)))
                .map(|(v, _)| v)
                .collect();
            let t = a[0].ty().element().cloned().unwrap_or(Type::Dynamic);
            Ok(Value::List(t, out))
        }),
        "transpose" => sp(&[p("values", P::Any)], P::Any, |a, _| {
            let m = convert(a[0].clone(), &Type::map(Type::list(Type::String))).map_err(|e| bad(0, e))?;
            let mut out: BTreeMap<String, Vec<Value>> = BTreeMap::new();
            if let Some(entries) = m.unmarked().as_entries() {
                for (k, l) in entries {
                    for v in seq(l) {
                        if v.is_null() {
                            return Err(fail("input must not contain null values"));

                        }
                        out.entry(s(&v).to_string()).or_default().push(Value::String(k.clone()));
                    }
                }
            }
            Ok(Value::Map(
                Type::list(Type::String),
                out.into_iter().map(|(k, v)| (k, Value::List(Type::String, v))).collect(),
            ))
        }),
        "tolist" => own(&[pu("v", P::Any)], P::ListAny, |a, _| to_conv(a[0].clone(), Type::list(Type::Dynamic))),
        "toset" => own(&[pu("v", P::Any)], P::SetAny, |a, _| to_conv(a[0].clone(), Type::set(Type::Dynamic)).map(hoist_set_marks)),
        "tomap" => own(&[pu("v", P::Any)], P::MapAny, |a, _| to_conv(a[0].clone(), Type::map(Type::Dynamic))),
        "tostring" => own(&[pu("v", P::Any)], P::Str, |a, _| {
            if !a[0].is_known() {
                return Ok(Value::Unknown(Type::String).mark(a[0].marks()));
            }
            to_conv(a[0].clone(), Type::String).map_err(|_| bad(0, format!("cannot convert {} to string", crate::convert::type_friendly(&a[0].ty()))))
        }),
        "tonumber" => own(&[pu("v", P::Any)], P::Num, |a, _| {
            if !a[0].is_known() {
                return Ok(Value::Unknown(Type::Number).mark(a[0].marks()));
            }
            match a[0].unmarked() {
                Value::String(x) => to_conv(a[0].clone(), Type::Number)
                    .map_err(|_| bad(0, format!("cannot convert {x:?} to number; given string must be a decimal representation of a number"))),
                _ => to_conv(a[0].clone(), Type::Number),
            }
        }),
        "tobool" => own(&[pu("v", P::Any)], P::Bool, |a, _| {
            if !a[0].is_known() {
                return Ok(Value::Unknown(Type::Bool).mark(a[0].marks()));
            }
            match a[0].unmarked() {
                Value::String(x) => to_conv(a[0].clone(), Type::Bool)
                    .map_err(|_| bad(0, format!("cannot convert {x:?} to bool; only the strings \"true\" or \"false\" are allowed"))),
                _ => to_conv(a[0].clone(), Type::Bool),
            }
        }),
        // Removed in Terraform 0.12; kept so that a call explains what to write instead.
        "list" => var(&[], pu("vals", P::Any), P::Any, |_, _| {
            Err(fail("the \"list\" function was deprecated in Terraform v0.12 and is no longer available; use tolist([ ... ]) syntax to write a literal list"))
        }),
        "map" => var(&[], pu("vals", P::Any), P::Any, |_, _| {
            Err(fail("the \"map\" function was deprecated in Terraform v0.12 and is no longer available; use tomap({ ... }) syntax to write a literal map"))
        }),
        "sensitive" => own(&[pu("value", P::Any)], P::Any, |a, _| Ok(a[0].clone().sensitive())),
        "nonsensitive" => own(&[pu("value", P::Any)], P::Any, |a, _| {
            let (v, m) = a[0].clone().unmark();
            if !m.sensitive && a[0].is_known() {
                return Err(bad(0, "the given value is not sensitive, so this call is redundant"));
            }
            Ok(v.mark(Marks { sensitive: false }))
        }),
        "issensitive" => own(&[pu("value", P::Any)], P::Bool, |a, _| Ok(Value::Bool(a[0].marks().sensitive))),
        _ => None,
    }
}

fn lookup(a: Vec<Value>, _: &EvalContext) -> Result<Value, FnError> {
    let key = s(&a[1]).to_string();
    match a[0].unmarked() {
        Value::Map(_, m) | Value::Object(m) => {
            if let Some(v) = m.get(&key) {
                if let (Value::Map(t, _), true) = (a[0].unmarked(), a.len() > 2) {
                    return convert(v.clone(), t).map_err(fail);
                }
                return Ok(v.clone());
            }
            match a.get(2) {
                Some(d) => {
                    if let Value::Map(t, _) = a[0].unmarked() {
                        return convert(d.clone(), t).map_err(|e| bad(2, e));
                    }
                    Ok(d.clone())
                }
                // An object's attributes are part of its type, so cty reports a missing one
                // while checking the argument; a map's keys are only found at call time.
                None if matches!(a[0].unmarked(), Value::Object(_)) => Err(bad(0, format!("the given object has no attribute {key:?}"))),
                None => Err(fail(format!("lookup failed to find '{key}'"))),
            }
        }
        _ => Err(bad(0, "lookup() requires a map as the first argument")),
    }
}

fn eq_conv(a: &Value, b: &Value) -> bool {
    let t = a.ty();
    let bb = convert(b.clone(), &t).unwrap_or(b.clone());
    values_equal(a, &bb) == Some(true)
}

fn set_with_type(sets: &[Value], elems: Vec<Value>) -> Result<Value, FnError> {
    let tys: Vec<Type> = sets.iter().filter_map(|v| v.ty().element().cloned()).collect();
    let t = unify(&tys).ok_or_else(|| fail("given sets must all have compatible element types"))?;
    let conv = elems.into_iter().map(|v| convert(v, &t)).collect::<Result<Vec<_>, _>>().map_err(fail)?;
    Ok(make_set(t, conv))
}

fn setproduct(a: Vec<Value>, _: &EvalContext) -> Result<Value, FnError> {
    if a.len() < 2 {
        return Err(fail("at least two arguments are required"));
    }
    let mut all_sets = true;
    let mut lists = Vec::new();
    for (i, v) in a.iter().enumerate() {
        match v.unmarked() {
            Value::Set(..) => lists.push(seq(v)),
            Value::List(..) | Value::Tuple(..) => {
                all_sets = false;
                lists.push(seq(v))
            }
            _ => return Err(bad(i, "a set or a list is required")),
        }
    }
    let mut acc: Vec<Vec<Value>> = vec![vec![]];
    for l in &lists {
        let mut next = Vec::new();
        for prefix in &acc {
            for x in l {
                let mut p = prefix.clone();
                p.push(x.clone());
                next.push(p);
            }
        }
        acc = next;
    }
    let rows: Vec<Value> = acc.into_iter().map(Value::Tuple).collect();
    let rows = if rows.is_empty() { vec![] } else { rows };
    let out = list_of(rows)?;
    if all_sets {
        if let Value::List(t, vs) = out {
            return Ok(make_set(t, vs));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use crate::eval::EvalContext;
    use crate::functions::call_function;
    use crate::types::Type;
    use crate::value::Value;

    fn call(name: &str, args: Vec<Value>) -> Value {
        call_function(name, args, &EvalContext::new()).unwrap_or_else(|e| panic!("{name}: {e}"))
    }
    fn st(x: &str) -> Value {
        Value::from(x)
    }
    fn secret(x: &str) -> Value {
        st(x).sensitive()
    }
    fn tuple(vs: &[Value]) -> Value {
        Value::Tuple(vs.to_vec())
    }
    fn list(vs: &[Value]) -> Value {
        Value::List(Type::String, vs.to_vec())
    }
    fn obj(kvs: &[(&str, Value)]) -> Value {
        Value::object(kvs.iter().cloned())
    }
    fn n(i: i64) -> Value {
        Value::from(i)
    }

    /// `[sensitive("a"), "b"]`, `{a = sensitive("x"), b = "y"}`.
    fn mixed() -> (Value, Value) {
        (tuple(&[secret("a"), st("b")]), obj(&[("a", secret("x")), ("b", st("y"))]))
    }

    #[test]
    fn pass_through_functions_keep_element_marks() {
        let (sl, so) = mixed();
        // Checked against Terraform 1.0.3's console.
        let cases: Vec<(&str, Vec<Value>, Value)> = vec![
            ("concat", vec![tuple(&[secret("a")]), tuple(&[st("b")])], tuple(&[secret("a"), st("b")])),
            ("concat", vec![list(&[secret("a")]), list(&[st("b")])], list(&[secret("a"), st("b")])),
            ("length", vec![sl.clone()], n(2)),
            ("lookup", vec![so.clone(), st("b")], st("y")),
            ("lookup", vec![so.clone(), st("a")], secret("x")),
            ("lookup", vec![so.clone(), st("b"), secret("d")], st("y")),
            ("lookup", vec![so.clone(), st("zz"), secret("d")], secret("d")),
            ("element", vec![sl.clone(), n(1)], st("b")),
            ("element", vec![sl.clone(), n(0)], secret("a")),
            ("keys", vec![so.clone()], tuple(&[st("a"), st("b")])),
            ("values", vec![so.clone()], tuple(&[secret("x"), st("y")])),
            ("merge", vec![so.clone(), obj(&[("c", st("z"))])], obj(&[("a", secret("x")), ("b", st("y")), ("c", st("z"))])),
            ("merge", vec![obj(&[("a", secret("x"))]), obj(&[("a", st("y"))])], obj(&[("a", st("y"))])),
            ("flatten", vec![tuple(&[sl.clone(), tuple(&[st("c")])])], tuple(&[secret("a"), st("b"), st("c")])),
            ("slice", vec![sl.clone(), n(1), n(2)], tuple(&[st("b")])),
            ("reverse", vec![sl.clone()], tuple(&[st("b"), secret("a")])),
            ("zipmap", vec![list(&[st("x"), st("y")]), sl.clone()], obj(&[("x", secret("a")), ("y", st("b"))])),
            ("tolist", vec![sl.clone()], list(&[secret("a"), st("b")])),
            ("tomap", vec![so.clone()], Value::Map(Type::String, [("a".to_string(), secret("x")), ("b".to_string(), st("y"))].into())),
            (
                "chunklist",
                vec![list(&[secret("a"), st("b")]), n(1)],
                Value::List(Type::list(Type::String), vec![list(&[secret("a")]), list(&[st("b")])]),
            ),
        ];
        for (name, args, want) in cases {
            assert_eq!(call(name, args.clone()), want, "{name}({args:?})");
        }
    }

    #[test]
    fn whole_argument_marks_still_mark_the_whole_result() {
        let (sl, so) = mixed();
        let whole = |v: Value| v.sensitive();
        let cases: Vec<(&str, Vec<Value>)> = vec![
            ("concat", vec![whole(tuple(&[st("a")])), tuple(&[st("b")])]),
            ("length", vec![secret("abc")]),
            ("lookup", vec![so.clone(), secret("b")]),
            ("lookup", vec![whole(obj(&[("a", st("x"))])), st("a")]),
            ("element", vec![sl.clone(), n(1).sensitive()]),
            ("keys", vec![whole(obj(&[("a", n(1))]))]),
            ("values", vec![whole(so.clone())]),
            ("merge", vec![whole(so.clone()), obj(&[("c", st("z"))])]),
            ("flatten", vec![tuple(&[whole(tuple(&[st("a")])), tuple(&[st("b")])])]),
            ("reverse", vec![whole(tuple(&[st("a"), st("b")]))]),
            ("chunklist", vec![list(&[st("a")]), n(1).sensitive()]),
            ("zipmap", vec![list(&[secret("x"), st("y")]), tuple(&[st("1"), st("2")])]),
            // Functions that read element content (or build sets) mark the whole result.
            ("toset", vec![sl.clone()]),
            ("distinct", vec![list(&[secret("a"), st("b")])]),
            ("compact", vec![list(&[secret("a"), st("b")])]),
            ("contains", vec![sl.clone(), st("b")]),
            ("index", vec![sl.clone(), st("b")]),
            ("sort", vec![list(&[secret("a"), st("b")])]),
            ("coalescelist", vec![sl.clone(), tuple(&[st("c")])]),
        ];
        for (name, args) in cases {
            let r = call(name, args.clone());
            assert!(r.marks().sensitive, "{name}({args:?}) = {r:?} should be sensitive as a whole");
        }
    }

    #[test]
    fn unknown_results_carry_element_marks() {
        let r = call("concat", vec![tuple(&[secret("a")]), tuple(&[Value::unknown()])]);
        assert!(!r.is_known() && r.marks().sensitive);
    }

    #[test]
    fn sensitive_errors_stay_redacted() {
        let e = call_function("element", vec![tuple(&[]), n(0)], &EvalContext::new()).unwrap_err();
        assert!(e.contains("empty list"), "{e}");
        let e = call_function("lookup", vec![obj(&[("a", secret("x"))]), st("zz")], &EvalContext::new()).unwrap_err();
        assert!(e.contains("(sensitive value)") && !e.contains("zz"), "{e}");
    }
}
