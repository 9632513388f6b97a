//! The built-in function table and the one call wrapper that every function goes through:
//! arity checks, null checks, argument conversion to the declared parameter types, unknown
//! short-circuiting (unless a parameter allows unknowns) and mark propagation (unmark the
//! arguments, call, re-mark the result), except for functions that handle marks themselves.

mod charset;
mod collections;
mod encoding;
mod fs;
mod goflate;
mod net;
mod numeric;
mod strings;
mod time;
mod yaml_decode;
mod yaml_events;

use crate::convert::convert;
use crate::eval::EvalContext;
use crate::types::Type;
use crate::value::{Marks, Value};

/// Why a function call failed.
#[derive(Clone, Debug, PartialEq)]
pub enum FnError {
    /// Wrong number of arguments.
    Arity { summary: &'static str, detail: String },
    /// A specific argument is invalid; the detail names the parameter.
    Arg { index: usize, detail: String },
    /// The call failed for another reason.
    Call(String),
}

/// Error raised by implementations: argument `index` is invalid with this message.
pub(crate) fn bad(index: usize, msg: impl Into<String>) -> FnError {
    FnError::Arg { index, detail: msg.into() }
}

pub(crate) fn fail(msg: impl Into<String>) -> FnError {
    FnError::Call(msg.into())
}

/// Parameter type shorthands.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum P {
    Any,
    Str,
    Num,
    Bool,
    ListAny,
    ListStr,
    ListNum,
    ListBool,
    SetAny,
    MapAny,
    SetStr,
}

impl P {
    fn ty(self) -> Type {
        match self {
            P::Any => Type::Dynamic,
            P::Str => Type::String,
            P::Num => Type::Number,
            P::Bool => Type::Bool,
            P::ListAny => Type::list(Type::Dynamic),
            P::ListStr => Type::list(Type::String),
            P::ListNum => Type::list(Type::Number),
            P::ListBool => Type::list(Type::Bool),
            P::SetAny => Type::set(Type::Dynamic),
            P::MapAny => Type::map(Type::Dynamic),
            P::SetStr => Type::set(Type::String),

        }
    }
}

/// One declared parameter.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Param {
    pub name: &'static str,
    pub ty: P,
    pub allow_null: bool,
    pub allow_unknown: bool,
}

pub(crate) const fn p(name: &'static str, ty: P) -> Param {
    Param { name, ty, allow_null: false, allow_unknown: false }
}
pub(crate) const fn pn(name: &'static str, ty: P) -> Param {
    Param { name, ty, allow_null: true, allow_unknown: false }
}
pub(crate) const fn pu(name: &'static str, ty: P) -> Param {
    Param { name, ty, allow_null: true, allow_unknown: true }
}

/// How a function treats marks on its arguments.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum MarkMode {
    /// Unmark all arguments deeply, mark the result with the union.
    Deep,
    /// Unmark only each argument's own (top-level) marks and mark the result with their union;
    /// the function sees marked elements and passes them through, so `concat([sensitive("a")],
    /// ["b"])` keeps `"b"` unmarked, as cty's `AllowMarked` functions do. Only for functions
    /// whose result never depends on the *content* of a marked element (an unknown result is
    /// marked with every mark found, deep or not).
    Shallow,
    /// The function sees marked arguments and marks its result itself.
    Own,
}

pub(crate) type Impl = fn(Vec<Value>, &EvalContext) -> Result<Value, FnError>;

/// A function's declaration.
pub(crate) struct Spec {
    pub params: Vec<Param>,
    pub variadic: Option<Param>,
    pub ret: P,
    pub marks: MarkMode,
    pub f: Impl,
}

fn lookup(name: &str) -> Option<Spec> {
    strings::spec(name)
        .or_else(|| collections::spec(name))
        .or_else(|| numeric::spec(name))
        .or_else(|| encoding::spec(name))
        .or_else(|| fs::spec(name))
        .or_else(|| net::spec(name))
        .or_else(|| time::spec(name))
}

/// Names of all built-in functions (including `try` and `can`, which the evaluator handles).
pub fn function_names() -> Vec<&'static str> {
    let mut v: Vec<&'static str> = [
        strings::NAMES,
        collections::NAMES,
        numeric::NAMES,
        encoding::NAMES,
        fs::NAMES,
        net::NAMES,
        time::NAMES,
        &["try", "can"],
    ]
    .concat();
    v.sort_unstable();
    v
}

/// The closest of `candidates` to `name` (fewer than 3 edits), for "did you mean" hints.
pub(crate) fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates.into_iter().map(|n| (levenshtein(n, name), n)).filter(|(d, _)| *d < 3 && *d < name.len().max(2)).min().map(|(_, n)| n)
}

/// The closest known function name, for "did you mean" hints.
pub(crate) fn suggest(name: &str) -> Option<&'static str> {
    function_names()
        .into_iter()
        .map(|n| (levenshtein(n, name), n))
        .filter(|(d, _)| *d < 3)
        .min()
        .map(|(_, n)| n)
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// Calls a built-in function by name. The error text names the function and the argument.
pub fn call_function(name: &str, args: Vec<Value>, ctx: &EvalContext) -> Result<Value, String> {
    call(name, args, ctx).map_err(|e| match e {
        FnError::Arity { summary, detail } => format!("{summary}: {detail}"),
        FnError::Arg { detail, .. } => detail,
        FnError::Call(d) => format!("Call to function {name:?} failed: {d}."),
    })
}

/// Calls a built-in function, with structured errors.
pub(crate) fn call(name: &str, args: Vec<Value>, ctx: &EvalContext) -> Result<Value, FnError> {
    // An error about a sensitive argument must not quote it: keep only what does not depend on
    // the value (which function, which parameter).
    let sensitive: Vec<bool> = args.iter().map(Value::contains_sensitive).collect();
    call_inner(name, args, ctx).map_err(|e| match e {
        FnError::Arg { index, .. } if sensitive.get(index).copied().unwrap_or(false) => FnError::Arg {
            index,
            detail: format!("Invalid value for argument {} of {name:?}: the given value is sensitive, so the details of the problem are not shown. (sensitive value)", index + 1),
        },
        FnError::Call(_) if sensitive.iter().any(|s| *s) => {
            FnError::Call("an argument is sensitive, so the details of the problem are not shown (sensitive value)".into())
        }
        e => e,
    })
}

fn call_inner(name: &str, args: Vec<Value>, ctx: &EvalContext) -> Result<Value, FnError> {
    let Some(spec) = lookup(name) else {
        return Err(fail(format!("there is no function named {name:?}")));
    };
    let n = spec.params.len();
    if args.len() < n {
        let missing = spec.params[args.len()].name;
        return Err(FnError::Arity {
            summary: "Not enough function arguments",
            detail: format!("Function {name:?} expects {}{} argument(s). Missing value for {missing:?}.", if spec.variadic.is_some() { "at least " } else { "" }, n),
        });
    }
    if args.len() > n && spec.variadic.is_none() {
        return Err(FnError::Arity {
            summary: "Too many function arguments",
            detail: format!("Function {name:?} expects only {n} argument(s)."),
        });
    }
    let mut marks = Marks::NONE;
    // Every mark anywhere in the arguments: what an unknown result of a `Shallow` or `Own`
    // call carries.
    let mut deep_marks = Marks::NONE;
    let mut out = Vec::with_capacity(args.len());
    let mut unknown = false;
    for (i, a) in args.into_iter().enumerate() {
        let param = spec.params.get(i).copied().or(spec.variadic).unwrap_or(p("args", P::Any));
        let a = match spec.marks {
            MarkMode::Deep => {
                let (v, m) = a.unmark_deep();
                marks = marks.union(m);
                v
            }
            MarkMode::Shallow => {
                deep_marks = deep_marks.union(a.marks_deep());
                let (v, m) = a.unmark();
                marks = marks.union(m);
                v
            }
            MarkMode::Own => {
                deep_marks = deep_marks.union(a.marks_deep());
                a
            }
        };
        if a.is_null() && !param.allow_null {
            return Err(FnError::Arg {
                index: i,
                detail: format!("Invalid value for {:?} parameter: argument must not be null.", param.name),
            });
        }
        if !param.allow_unknown && !a.is_wholly_known() {
            unknown = true;
        }
        let c = convert(a, &param.ty.ty())
            .map_err(|m| FnError::Arg { index: i, detail: format!("Invalid value for {:?} parameter: {m}.", param.name) })?;
        out.push(c);
    }
    if unknown {
        return Ok(Value::Unknown(spec.ret.ty()).mark(marks.union(deep_marks)));
    }
    let res = (spec.f)(out, ctx).map_err(|e| match e {
        FnError::Arg { index, detail } => {
            let pname = spec.params.get(index).or(spec.variadic.as_ref()).map(|p| p.name).unwrap_or("args");
            FnError::Arg { index, detail: format!("Invalid value for {pname:?} parameter: {detail}.") }
        }
        other => other,
    })?;
    Ok(crate::convert::nfc_deep(res).mark(marks))
}

/// Helpers shared by implementations.
pub(crate) mod util {
    use crate::number::Number;
    use crate::value::Value;

    pub fn s(v: &Value) -> &str {
        v.unmarked().as_str().unwrap_or_default()
    }
    pub fn num(v: &Value) -> Number {
        v.unmarked().as_number().cloned().unwrap_or_else(|| Number::from(0))
    }
    pub fn b(v: &Value) -> bool {
        v.unmarked().as_bool().unwrap_or(false)
    }
    pub fn seq(v: &Value) -> Vec<Value> {
        v.unmarked().as_seq().map(<[Value]>::to_vec).unwrap_or_default()
    }
    pub fn str_list(v: Vec<String>) -> Value {
        Value::List(crate::types::Type::String, v.into_iter().map(Value::String).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(name: &str, args: Vec<Value>) -> Result<Value, String> {
        call_function(name, args, &EvalContext::new())
    }

    #[test]
    fn wrapper_marks_and_unknowns() {
        let r = c("upper", vec![Value::from("a").sensitive()]);
        assert_eq!(r, Ok(Value::from("A").sensitive()));
        let r = c("length", vec![Value::Unknown(Type::list(Type::String))]);
        assert_eq!(r, Ok(Value::Unknown(Type::Number)));
        assert!(c("upper", vec![]).is_err());
        assert!(c("upper", vec![Value::null()]).unwrap_err().contains("\"str\""));
    }

    #[test]
    fn suggestions() {
        assert_eq!(suggest("lenght"), Some("length"));
        assert!(function_names().contains(&"format"));
    }
}
