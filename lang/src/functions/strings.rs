//! String functions: case, trimming, splitting and joining, substrings (by grapheme cluster),
//! regular expressions, and the `format`/`formatlist` printf family.

use unicode_segmentation::UnicodeSegmentation;

use super::util::{num, s, seq, str_list};
use super::{bad, fail, p, pu, FnError, MarkMode, Param, Spec, P};
use crate::convert::convert;
use crate::eval::EvalContext;
use crate::number::Number;
use crate::types::Type;
use crate::value::Value;

pub(super) const NAMES: &[&str] = &[
    "lower", "upper", "title", "trimspace", "trim", "trimprefix", "trimsuffix", "replace", "split", "join", "chomp",
    "indent", "substr", "strrev", "startswith", "endswith", "strcontains", "regex", "regexall", "format", "formatlist",
];

fn sp(params: &[Param], ret: P, f: super::Impl) -> Option<Spec> {
    Some(Spec { params: params.to_vec(), variadic: None, ret, marks: MarkMode::Deep, f })
}

pub(super) fn spec(name: &str) -> Option<Spec> {
    const STR: &[Param] = &[p("str", P::Str)];
    match name {
        "lower" => sp(STR, P::Str, |a, _| Ok(Value::String(s(&a[0]).to_lowercase()))),
        "upper" => sp(STR, P::Str, |a, _| Ok(Value::String(s(&a[0]).to_uppercase()))),
        "title" => sp(STR, P::Str, |a, _| Ok(Value::String(title(s(&a[0]))))),
        "trimspace" => sp(STR, P::Str, |a, _| Ok(Value::String(s(&a[0]).trim().to_string()))),
        "strrev" => sp(STR, P::Str, |a, _| Ok(Value::String(s(&a[0]).graphemes(true).rev().collect()))),
        "chomp" => sp(STR, P::Str, |a, _| {
            let mut t = s(&a[0]);
            while let Some(x) = t.strip_suffix("\r\n").or_else(|| t.strip_suffix('\n')).or_else(|| t.strip_suffix('\r')) {
                t = x;
            }
            Ok(Value::String(t.to_string()))
        }),
        "trim" => sp(&[p("str", P::Str), p("cutset", P::Str)], P::Str, |a, _| {
            let cut: Vec<char> = s(&a[1]).chars().collect();
            Ok(Value::String(s(&a[0]).trim_matches(|c| cut.contains(&c)).to_string()))
        }),
        "trimprefix" => sp(&[p("str", P::Str), p("prefix", P::Str)], P::Str, |a, _| {
            let t = s(&a[0]);
            Ok(Value::String(t.strip_prefix(s(&a[1])).unwrap_or(t).to_string()))
        }),
        "trimsuffix" => sp(&[p("str", P::Str), p("suffix", P::Str)], P::Str, |a, _| {
            let t = s(&a[0]);
            Ok(Value::String(t.strip_suffix(s(&a[1])).unwrap_or(t).to_string()))
        }),
        "startswith" => sp(&[p("str", P::Str), p("prefix", P::Str)], P::Bool, |a, _| Ok(Value::Bool(s(&a[0]).starts_with(s(&a[1]))))),
        "endswith" => sp(&[p("str", P::Str), p("suffix", P::Str)], P::Bool, |a, _| Ok(Value::Bool(s(&a[0]).ends_with(s(&a[1]))))),
        "strcontains" => sp(&[p("str", P::Str), p("substr", P::Str)], P::Bool, |a, _| Ok(Value::Bool(s(&a[0]).contains(s(&a[1]))))),
        "replace" => sp(&[p("str", P::Str), p("substr", P::Str), p("replace", P::Str)], P::Str, replace),
        "split" => sp(&[p("separator", P::Str), p("str", P::Str)], P::ListStr, |a, _| {
            let sep = s(&a[0]);
            let t = s(&a[1]);
            let parts: Vec<String> = if sep.is_empty() {
                t.chars().map(|c| c.to_string()).collect()
            } else {
                t.split(sep).map(str::to_string).collect()
            };
            Ok(str_list(parts))
        }),
        "join" => Some(Spec {
            params: vec![p("separator", P::Str)],
            variadic: Some(p("lists", P::ListStr)),
            ret: P::Str,
            marks: MarkMode::Deep,
            f: |a, _| {
                if a.len() < 2 {
                    return Err(fail("at least one list is required"));
                }
                let mut parts = Vec::new();
                for (i, l) in a[1..].iter().enumerate() {
                    for (ei, e) in seq(l).into_iter().enumerate() {
                        if e.is_null() {
                            return Err(bad(i + 1, if a.len() > 2 {
                                format!("element {ei} of list {} is null; cannot concatenate null values", i + 1)
                            } else {
                                format!("element {ei} is null; cannot concatenate null values")
                            }));
                        }
                        parts.push(s(&e).to_string());
                    }
                }
                Ok(Value::String(parts.join(s(&a[0]))))
            },
        }),
        "indent" => sp(&[p("spaces", P::Num), p("str", P::Str)], P::Str, |a, _| {
            let n = num(&a[0]).as_i64().filter(|n| *n >= 0).ok_or_else(|| fail("spaces must be a non-negative whole number"))? as usize;
            let pad = " ".repeat(n);
            let t = s(&a[1]);
            let mut out = String::new();
            for (i, line) in t.split('\n').enumerate() {
                if i > 0 {
                    out.push('\n');
                    if !line.is_empty() {
                        out.push_str(&pad);
                    }
                }
                out.push_str(line);
            }
            Ok(Value::String(out))
        }),
        "substr" => sp(&[p("str", P::Str), p("offset", P::Num), p("length", P::Num)], P::Str, substr),
        "regex" => sp(&[p("pattern", P::Str), p("string", P::Str)], P::Any, |a, _| {
            let re = compile(s(&a[0]))?;
            let t = s(&a[1]);
            match re.captures(t) {
                Some(c) => Ok(captures_value(&re, &c)),
                None => Err(fail("pattern did not match any part of the given string")),
            }
        }),
        "regexall" => sp(&[p("pattern", P::Str), p("string", P::Str)], P::Any, |a, _| {
            let re = compile(s(&a[0]))?;
            let t = s(&a[1]);
            let vs: Vec<Value> = re.captures_iter(t).map(|c| captures_value(&re, &c)).collect();
            let ty = captures_type(&re);
            Ok(Value::List(ty, vs))
        }),
        "format" => Some(Spec {
            params: vec![p("format", P::Str)],
            variadic: Some(pu("args", P::Any)),
            ret: P::Str,
            marks: MarkMode::Deep,
            f: |a, _| {
                if a[1..].iter().any(|v| !v.is_wholly_known()) {
                    return Ok(Value::Unknown(Type::String));
                }
                format(s(&a[0]), &a[1..]).map(Value::String).map_err(fail)
            },
        }),
        "formatlist" => Some(Spec {
            params: vec![p("format", P::Str)],
            variadic: Some(pu("args", P::Any)),
            ret: P::ListStr,
            marks: MarkMode::Deep,
            f: formatlist,
        }),
        _ => None,
    }
}

fn title(t: &str) -> String {
    let mut out = String::new();
    let mut prev_letter = false;
    for c in t.chars() {
        if !prev_letter {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        prev_letter = if c.is_ascii() { c.is_ascii_alphanumeric() || c == '_' } else { !c.is_whitespace() };
    }
    out
}

/// Rewrites Perl classes to RE2's ASCII meaning (`\\w`, `\\d`, `\\s`, `\\b` and negations):
/// the regex crate makes them Unicode-aware, Go's RE2 does not.
pub(crate) fn re2_syntax(pat: &str) -> String {
    let mut out = String::with_capacity(pat.len() + 16);
    let mut chars = pat.chars().peekable();
    let mut in_class = false;
    let mut class_start = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let Some(n) = chars.next() else {
                    out.push(c);
                    break;
                };
                let rep = match (n, in_class) {
                    ('w', false) => "(?-u:\\w)",
                    ('W', false) => "(?-u:\\W)",
                    ('d', false) => "(?-u:\\d)",
                    ('D', false) => "(?-u:\\D)",
                    ('s', false) => "[\\t\\n\\x0C\\r ]",
                    ('S', false) => "[^\\t\\n\\x0C\\r ]",
                    ('b', false) => "(?-u:\\b)",
                    ('B', false) => "(?-u:\\B)",
                    ('w', true) => "[:word:]",
                    ('W', true) => "[:^word:]",
                    ('d', true) => "[:digit:]",
                    ('D', true) => "[:^digit:]",
                    ('s', true) => "\\t\\n\\x0C\\r ",
                    _ => "",
                };
                if rep.is_empty() {
                    out.push(c);
                    out.push(n);
                } else {
                    out.push_str(rep);
                }
                class_start = false;
                continue;
            }
            '[' if !in_class => {
                in_class = true;
                class_start = true;
                out.push(c);
                if chars.peek() == Some(&'^') {
                    out.push('^');
                    chars.next();
                }
                continue;
            }
            '[' if in_class && chars.peek() == Some(&':') => {
                // A POSIX class such as [:alpha:]: copy through its closing bracket.
                out.push(c);
                for d in chars.by_ref() {
                    out.push(d);
                    if d == ']' {
                        break;
                    }
                }
            }
            ']' if in_class && !class_start => {
                in_class = false;
                out.push(c);
            }
            _ => out.push(c),
        }
        class_start = false;
    }
    out
}

fn compile(pat: &str) -> Result<regex::Regex, FnError> {
    let re = regex::Regex::new(&re2_syntax(pat)).map_err(|e| bad(0, format!("invalid regular expression pattern: {e}")))?;
    let names: Vec<Option<&str>> = re.capture_names().skip(1).collect();
    if names.iter().any(Option::is_some) && names.iter().any(Option::is_none) {
        return Err(bad(0, "invalid regular expression pattern: named and unnamed capture groups cannot be mixed"));
    }
    Ok(re)
}

fn captures_type(re: &regex::Regex) -> Type {
    let names: Vec<Option<&str>> = re.capture_names().skip(1).collect();
    if names.is_empty() {
        Type::String
    } else if names.iter().all(Option::is_some) {
        Type::Object(names.iter().flatten().map(|n| (n.to_string(), Type::String)).collect())
    } else {
        Type::Tuple(names.iter().map(|_| Type::String).collect())
    }
}

fn captures_value(re: &regex::Regex, c: &regex::Captures) -> Value {
    let names: Vec<Option<&str>> = re.capture_names().collect();
    let named = names.iter().skip(1).any(Option::is_some);
    let unnamed = names.iter().skip(1).any(Option::is_none);
    let get = |i: usize| c.get(i).map(|m| m.as_str().to_string()).unwrap_or_default();
    if names.len() == 1 {
        return Value::String(get(0));
    }
    if named && !unnamed {
        Value::Object(
            names
                .iter()
                .enumerate()
                .filter_map(|(i, n)| n.map(|n| (n.to_string(), Value::String(get(i)))))
                .collect(),
        )
    } else {
        Value::Tuple((1..names.len()).map(|i| Value::String(get(i))).collect())
    }
}

fn replace(a: Vec<Value>, _: &EvalContext) -> Result<Value, FnError> {
    let t = s(&a[0]);
    let sub = s(&a[1]);
    let rep = s(&a[2]);
    if sub.len() > 1 && sub.starts_with('/') && sub.ends_with('/') {
        let re = regex::Regex::new(&re2_syntax(&sub[1..sub.len() - 1]))
            .map_err(|e| fail(format!("error parsing regexp: {e}")))?;
        // Go's `$1` syntax; `${1}` also accepted by the regex crate.
        return Ok(Value::String(re.replace_all(t, rep).into_owned()));
    }
    if sub.is_empty() {
        // Go's strings.Replace with an empty old string inserts at every rune boundary.
        let mut out = String::from(rep);
        for c in t.chars() {
            out.push(c);
            out.push_str(rep);
        }
        return Ok(Value::String(out));
    }
    Ok(Value::String(t.replace(sub, rep)))
}

fn substr(a: Vec<Value>, _: &EvalContext) -> Result<Value, FnError> {
    let g: Vec<&str> = s(&a[0]).graphemes(true).collect();
    let len = g.len() as i64;
    let mut off = num(&a[1]).as_i64().ok_or_else(|| fail("value must be a whole number"))?;
    let mut length = num(&a[2]).as_i64().ok_or_else(|| fail("value must be a whole number"))?;

    if off < 0 {
        off += len;
        if off < 0 {
            off = 0;
        }
    }
    if off > len {
        return Ok(Value::String(String::new()));
    }
    if length < 0 || off + length > len {
        length = len - off;
    }
    Ok(Value::String(g[off as usize..(off + length) as usize].concat()))
}

fn formatlist(a: Vec<Value>, _: &EvalContext) -> Result<Value, FnError> {
    let fmt = s(&a[0]).to_string();
    let args = &a[1..];
    let mut n: Option<usize> = None;
    for (i, v) in args.iter().enumerate() {
        match v.unmarked() {
            Value::List(..) | Value::Set(..) | Value::Tuple(..) => {
                let l = seq(v).len();
                if let Some(prev) = n {
                    if prev != l {
                        return Err(bad(i + 1, format!("argument {} has length {l}, which is inconsistent with {prev}", i + 1)));
                    }
                }
                n = Some(l);
            }
            Value::Unknown(t) if t.is_collection() || matches!(t, Type::Tuple(_) | Type::Dynamic) => {
                return Ok(Value::Unknown(Type::list(Type::String)))
            }
            _ => {}
        }
    }
    let n = n.unwrap_or(1);
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let row: Vec<Value> = args
            .iter()
            .map(|v| match v.unmarked() {
                Value::List(..) | Value::Set(..) | Value::Tuple(..) => seq(v).get(i).cloned().unwrap_or(Value::null()),
                _ => v.clone(),
            })
            .collect();
        if row.iter().any(|v| !v.is_wholly_known()) {
            out.push(Value::Unknown(Type::String));
            continue;
        }
        out.push(Value::String(format(&fmt, &row).map_err(|e| fail(format!("error on format iteration {i}: {e}")))?));
    }
    Ok(Value::List(Type::String, out))
}

/// Terraform's `format`: a printf dialect over language values.
pub(crate) fn format(fmt: &str, args: &[Value]) -> Result<String, String> {
    let chars: Vec<char> = fmt.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    let mut argi = 0usize;
    while i < chars.len() {
        let c = chars[i];
        if c != '%' {
            out.push(c);
            i += 1;
            continue;
        }
        i += 1;
        if i >= chars.len() {
            return Err("invalid format string starting at offset ".to_string() + &(i - 1).to_string() + ": unterminated format verb");
        }
        if chars[i] == '%' {
            out.push('%');
            i += 1;
            continue;
        }
        let (mut minus, mut plus, mut zero, mut space, mut sharp) = (false, false, false, false, false);
        while i < chars.len() {
            match chars[i] {
                '-' => minus = true,
                '+' => plus = true,
                '0' => zero = true,
                ' ' => space = true,
                '#' => sharp = true,
                _ => break,
            }
            i += 1;
        }
        if i < chars.len() && chars[i] == '[' {
            let start = i + 1;
            while i < chars.len() && chars[i] != ']' {
                i += 1;
            }
            let idx: usize = chars[start..i.min(chars.len())]
                .iter()
                .collect::<String>()
                .parse()
                .map_err(|_| "invalid explicit argument index".to_string())?;
            if idx == 0 {
                return Err("invalid explicit argument index 0".into());
            }
            argi = idx - 1;
            i += 1;
        }
        let mut width: Option<usize> = None;
        let ws = i;
        while i < chars.len() && chars[i].is_ascii_digit() {
            i += 1;
        }
        // Go's fmt, which cty's format uses, refuses widths and precisions above 10^6; without
        // the limit `%999999999999d` would try to allocate a terabyte of padding.
        let too_large = |what: &str| format!("format {what} at offset {ws} is larger than {MAX_WIDTH}");
        if i > ws {
            let w = chars[ws..i].iter().collect::<String>().parse().unwrap_or(usize::MAX);
            if w > MAX_WIDTH {
                return Err(too_large("width"));
            }
            width = Some(w);
        }
        let mut prec: Option<usize> = None;
        if i < chars.len() && chars[i] == '.' {
            i += 1;
            let ps = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            let p = if i > ps { chars[ps..i].iter().collect::<String>().parse().unwrap_or(usize::MAX) } else { 0 };
            if p > MAX_WIDTH {
                return Err(too_large("precision"));
            }
            prec = Some(p);
        }
        if i >= chars.len() {
            return Err("unterminated format verb".into());
        }
        let verb = chars[i];
        i += 1;
        let Some(arg) = args.get(argi) else {
            return Err(format!("not enough arguments for %{verb} at offset {}", i - 1));
        };
        argi += 1;
        let arg = arg.unmarked().clone();
        let body = match verb {
            'v' => {
                if sharp {
                    crate::functions::encoding::json_encode(&arg)?
                } else {
                    match &arg {
                        Value::Null(_) => "null".to_string(),
                        Value::String(x) => x.clone(),
                        Value::Number(n) if !n.is_finite() => n.to_string(),
                        Value::Number(n) => format!("{}{}", if n.sign_bit() { "-" } else { "" }, n.format_go('g', None)),
                        Value::Bool(b) => b.to_string(),
                        other => crate::functions::encoding::json_encode(other)?,
                    }
                }
            }
            't' => match convert(arg.clone(), &Type::Bool) {
                Ok(Value::Bool(b)) => {
                    out.push_str(&b.to_string());
                    continue;
                }
                _ => return Err(format!("unsupported value for \"%t\" at {}: bool required", argi - 1)),
            },
            's' | 'q' => {
                if arg.is_null() {
                    return Err(format!("unsupported value for \"%{verb}\" at {}: null value cannot be formatted", argi - 1));
                }
                let st = match convert(arg.clone(), &Type::String) {
                    Ok(Value::String(x)) => x,
                    _ => return Err(format!("unsupported value for \"%{verb}\" at {}: string required", argi - 1)),
                };
                let st = match prec {
                    Some(pr) if pr > 0 => st.chars().take(pr).collect(),
                    _ => st,
                };
                if verb == 'q' {
                    serde_json::to_string(&st).unwrap_or_default()
                } else {
                    st
                }
            }
            'd' | 'b' | 'o' | 'x' | 'X' | 'e' | 'E' | 'f' | 'g' | 'G' => {
                if arg.is_null() {
                    return Err(format!("unsupported value for \"%{verb}\" at {}: null value cannot be formatted", argi - 1));
                }
                if verb == 'x' || verb == 'X' {
                    if let Value::String(x) = &arg {
                        if Number::parse_strict(x).is_none() {
                            let h: String = x.bytes().map(|b| format!("{b:02x}")).collect();
                            let h = if verb == 'X' { h.to_uppercase() } else { h };
                            out.push_str(&pad(h, width, minus, false));
                            continue;
                        }
                    }
                }
                let n = match convert(arg.clone(), &Type::Number) {
                    Ok(Value::Number(n)) => n,
                    _ => return Err(format!("unsupported value for \"%{verb}\" at {}: number required", argi - 1)),
                };
                let int_verb = matches!(verb, 'd' | 'b' | 'o' | 'x' | 'X');
                let neg = if int_verb { n.is_negative() } else { n.sign_bit() };
                let mag = match verb {
                    'd' | 'b' | 'o' | 'x' | 'X' => {
                        let Some((_, u)) = n.to_big_int() else {
                            return Err(format!("unsupported value for \"%{verb}\" at {}: an integer is required", argi - 1));
                        };
                        let digits = match verb {
                            'd' => u.to_str_radix(10),
                            'b' => u.to_str_radix(2),
                            'o' => u.to_str_radix(8),
                            'x' => u.to_str_radix(16),
                            _ => u.to_str_radix(16).to_uppercase(),
                        };
                        match prec {
                            Some(p) if digits.len() < p => format!("{}{digits}", "0".repeat(p - digits.len())),
                            _ => digits,
                        }
                    }
                    'e' | 'E' | 'f' => n.format_go(verb, Some(prec.unwrap_or(6))),
                    _ => n.format_go(verb, prec),
                };
                let sign = if neg {
                    "-"
                } else if plus || !n.is_finite() {
                    "+"
                } else if space {
                    " "
                } else {
                    ""
                };
                if zero && !minus {
                    let w = width.unwrap_or(0);
                    let len = sign.chars().count() + mag.chars().count();
                    let zeros = "0".repeat(w.saturating_sub(len));
                    out.push_str(&format!("{sign}{zeros}{mag}"));
                    continue;
                }
                format!("{sign}{mag}")
            }
            other => return Err(format!("unsupported format verb %{other}")),
        };
        out.push_str(&pad(body, width, minus, zero && verb != 's'));
    }
    if argi < args.len() && !fmt.contains("%[") {
        return Err(format!("too many arguments; only {argi} used by format string"));
    }
    Ok(out)
}

/// The largest width or precision a format verb may have (Go's fmt limit).
const MAX_WIDTH: usize = 1_000_000;

fn pad(body: String, width: Option<usize>, left: bool, zero: bool) -> String {
    let w = width.unwrap_or(0);
    let len = body.chars().count();
    if len >= w {
        return body;
    }
    let fill = if zero { "0" } else { " " }.repeat(w - len);
    if left {
        format!("{body}{fill}")
    } else {
        format!("{fill}{body}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_verbs() {
        assert_eq!(format("%5d|", &[Value::from(42)]), Ok("   42|".into()));
        assert_eq!(format("%-5d|", &[Value::from(42)]), Ok("42   |".into()));
        assert_eq!(format("%05d", &[Value::from(42)]), Ok("00042".into()));
        assert_eq!(format("%.2f", &[Value::number(1.23456)]), Ok("1.23".into()));
        assert_eq!(format("%q", &[Value::number(1.5)]), Ok("\"1.5\"".into()));
        assert_eq!(format("%e", &[Value::number(1234.5678)]), Ok("1.234568e+03".into()));
        assert!(format("%d", &[Value::number(1.5)]).is_err());
        assert!(format("50%", &[]).is_err());
    }

    /// Found by running the `expr` fuzz target: a huge width or precision was allocated unbounded.
    #[test]
    fn format_width_and_precision_are_bounded() {
        assert_eq!(format("%1000000d|", &[Value::from(1)]).map(|s| s.len()), Ok(1_000_001));
        assert_eq!(format("%-999999999999d", &[Value::from(1)]), Err("format width at offset 2 is larger than 1000000".into()));
        assert_eq!(format("%99999999999999999999999s", &[Value::from("a")]), Err("format width at offset 1 is larger than 1000000".into()));
        assert_eq!(format("%.99999999999f", &[Value::from(1)]), Err("format precision at offset 1 is larger than 1000000".into()));
        assert_eq!(format("%.f", &[Value::number(1.5)]), Ok("2".into()));
    }

    #[test]
    fn substr_graphemes() {
        let r = substr(vec![Value::from("hello"), Value::from(1), Value::from(3)], &EvalContext::new());
        assert_eq!(r, Ok(Value::from("ell")));
    }
}
