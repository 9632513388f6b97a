//! Numeric functions: abs, ceil, floor, log, pow, signum, min, max, parseint.

use super::util::{num, s};
use super::{bad, fail, p, FnError, MarkMode, Param, Spec, P};
use crate::number::Number;
use crate::value::Value;

pub(super) const NAMES: &[&str] = &["abs", "ceil", "floor", "log", "pow", "signum", "min", "max", "parseint"];

fn sp(params: &[Param], f: super::Impl) -> Option<Spec> {
    Some(Spec { params: params.to_vec(), variadic: None, ret: P::Num, marks: MarkMode::Deep, f })
}

fn n(x: Number) -> Result<Value, FnError> {
    Ok(Value::Number(x))
}

fn float(x: f64) -> Result<Value, FnError> {
    if x.is_finite() {
        Ok(Value::Number(Number::from_f64(x)))
    } else {
        Err(fail("the result is not a finite number"))
    }
}

pub(super) fn spec(name: &str) -> Option<Spec> {
    const NUM: &[Param] = &[p("num", P::Num)];
    match name {
        "abs" => sp(NUM, |a, _| n(num(&a[0]).abs())),
        "ceil" => sp(NUM, |a, _| n(num(&a[0]).ceil())),
        "floor" => sp(NUM, |a, _| n(num(&a[0]).floor())),
        "signum" => sp(NUM, |a, _| {
            let x = num(&a[0]);
            if !x.is_integer() {
                return Err(fail("signum requires a whole number"));
            }
            n(Number::from(if x.is_zero() { 0 } else if x.is_negative() { -1 } else { 1 }))
        }),
        "log" => sp(&[p("num", P::Num), p("base", P::Num)], |a, _| float(num(&a[0]).as_f64().ln() / num(&a[1]).as_f64().ln())),
        "pow" => sp(&[p("num", P::Num), p("power", P::Num)], |a, _| {
            let (b, e) = (num(&a[0]), num(&a[1]));
            if let (Some(bi), Some(ei)) = (b.as_i64(), e.as_i64()) {
                if (0..64).contains(&ei) {
                    if let Some(r) = bi.checked_pow(ei as u32).filter(|r| r.unsigned_abs() <= 1 << 53) {
                        return n(Number::from(r));
                    }
                }
            }
            float(b.as_f64().powf(e.as_f64()))
        }),
        "min" | "max" => Some(Spec {
            params: vec![],
            variadic: Some(p("numbers", P::Num)),
            ret: P::Num,
            marks: MarkMode::Deep,
            f: if name == "min" { |a, _| minmax(a, true) } else { |a, _| minmax(a, false) },
        }),
        "parseint" => Some(Spec {
            params: vec![p("number", P::Any), p("base", P::Num)],
            variadic: None,
            ret: P::Num,
            marks: MarkMode::Deep,
            f: |a, _| {
                let Value::String(txt) = a[0].unmarked() else {
                    return Err(bad(0, format!("first argument must be a string, not {}", crate::convert::type_friendly(&a[0].ty()))));
                };
                let base = num(&a[1]).as_i64().unwrap_or(0);
                if !(2..=62).contains(&base) {
                    return Err(bad(1, "base must be a whole number between 2 and 62 inclusive"));
                }
                let (neg, digits) = match txt.strip_prefix('-') {
                    Some(d) => (true, d),
                    None => (false, txt.strip_prefix('+').unwrap_or(txt)),
                };
                if digits.is_empty() {
                    return Err(bad(0, format!("cannot parse {txt:?} as a base {base} integer")));
                }
                let mut acc = num_bigint::BigUint::from(0u8);
                for c in digits.chars() {
                    let d = match c {
                        '0'..='9' => c as i128 - '0' as i128,
                        'a'..='z' => c as i128 - 'a' as i128 + 10,
                        'A'..='Z' if base <= 36 => c as i128 - 'A' as i128 + 10,
                        'A'..='Z' => c as i128 - 'A' as i128 + 36,
                        _ => return Err(bad(0, format!("cannot parse {txt:?} as a base {base} integer"))),
                    };
                    if d >= base as i128 {
                        return Err(bad(0, format!("cannot parse {txt:?} as a base {base} integer")));
                    }
                    acc = acc * (base as u32) + (d as u32);
                }
                let dec = format!("{}{acc}", if neg { "-" } else { "" });
                Number::parse(&dec).map(Value::Number).ok_or_else(|| bad(0, format!("cannot parse {txt:?} as a base {base} integer")))

            },
        }),
        _ => None,
    }
}

fn minmax(a: Vec<Value>, min: bool) -> Result<Value, FnError> {
    let mut it = a.iter().map(num);
    let Some(mut best) = it.next() else {
        return Err(fail("must pass at least one number"));
    };
    for x in it {
        let better = if min { x.total_cmp(&best).is_lt() } else { x.total_cmp(&best).is_gt() };
        if better {
            best = x;
        }
    }
    let _ = s;
    n(best)
}
