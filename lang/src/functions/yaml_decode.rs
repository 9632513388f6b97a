//! `yamldecode` as Terraform 1.0.3 does it (go-cty-yaml v1.0.2 over go-yaml's libyaml port):
//! YAML 1.1 resolution of plain scalars (`yes`/`on`/`y` booleans, `~` nulls, `0x`/`0o` ints,
//! timestamps as RFC 3339 strings), quoted scalars kept verbatim, `!!` tags, anchors, aliases
//! and `<<` merge keys, one document only.
//!
//! go-cty-yaml decodes twice: once for the result *type* and once for the value, then converts
//! the value to the type. The two passes differ in one place, which is visible in results: the
//! type pass calls an untagged block scalar (`|`, `>`) a string without resolving it, while the
//! value pass resolves it like a plain scalar, so `|-\n  yes` decodes to the string `"true"`.
//! A top-level null has the dynamic type, for which Terraform 1.0.3 returns an unknown value.

use std::collections::{BTreeMap, HashMap};

use super::yaml_events::{Error, Event, EventData, Mark, Parser, ScalarStyle};

use crate::convert::convert;
use crate::number::Number;
use crate::types::Type;
use crate::value::Value;

const STR: &str = "tag:yaml.org,2002:str";
const BOOL: &str = "tag:yaml.org,2002:bool";
const INT: &str = "tag:yaml.org,2002:int";
const FLOAT: &str = "tag:yaml.org,2002:float";
const NULL: &str = "tag:yaml.org,2002:null";
const TIMESTAMP: &str = "tag:yaml.org,2002:timestamp";
const BINARY: &str = "tag:yaml.org,2002:binary";
const MAP: &str = "tag:yaml.org,2002:map";
const SEQ: &str = "tag:yaml.org,2002:seq";

/// Decodes one YAML document. The error text is go-cty-yaml's, positions included.
pub(super) fn decode(src: &str) -> Result<Value, String> {
    // The type pass runs first, so its errors win.
    run(src, Pass::Type)?;
    let v = run(src, Pass::Value)?;
    Ok(match v {
        Value::Null(Type::Dynamic) => Value::Unknown(Type::Dynamic),
        v => v,
    })
}

#[derive(Clone, Copy, PartialEq)]
enum Pass {
    /// go-cty-yaml's `ImpliedType`: untagged non-plain scalars are strings, unresolved.
    Type,
    /// go-cty-yaml's `Unmarshal`, with the result converted to the type pass's type.
    Value,
}

/// A resolved scalar: a value, or the `<<` merge marker.
enum Scalar {
    Value(Value),
    Merge,
}

struct Decoder {
    parser: Parser,
    pass: Pass,
    /// Anchors being defined (an alias to one of these would be a cycle).
    pending: HashMap<String, usize>,
    anchors: HashMap<String, Value>,
    /// Nodes decoded so far, alias expansions counted in full, and how many of them came from
    /// expansions: go-yaml's `decodeCount` and `aliasCount`, for its "billion laughs" check.
    decoded: usize,
    aliased: usize,
    /// `decoded` when each anchored node being defined began, and the expanded size of each
    /// completed anchor.
    anchor_starts: Vec<usize>,
    anchor_sizes: HashMap<String, usize>,
}

/// go-yaml's `allowedAliasRatio`: the share of decoded nodes that may come from aliases.
fn allowed_alias_ratio(decoded: usize) -> f64 {
    const LOW: usize = 400_000;
    const HIGH: usize = 4_000_000;
    match decoded {
        d if d <= LOW => 0.99,
        d if d >= HIGH => 0.10,
        d => 0.99 - 0.89 * ((d - LOW) as f64 / (HIGH - LOW) as f64),
    }
}

fn run(src: &str, pass: Pass) -> Result<Value, String> {
    let bytes: &[u8] = if src.is_empty() { b"\n" } else { src.as_bytes() };
    let mut d = Decoder {
        parser: Parser::new(bytes),
        pass,
        pending: HashMap::new(),
        anchors: HashMap::new(),
        decoded: 0,
        aliased: 0,
        anchor_starts: Vec::new(),
        anchor_sizes: HashMap::new(),
    };
    let e = d.next()?;
    if !matches!(e.data, EventData::StreamStart) {
        return Err(at(&e, "missing stream start token"));
    }
    let e = d.next()?;
    if !matches!(e.data, EventData::DocumentStart) {
        return Err(at(&e, "missing start of document"));
    }
    let v = d.node()?;
    let e = d.next()?;
    match e.data {
        EventData::DocumentStart => return Err(at(&e, "only a single document is allowed")),
        EventData::DocumentEnd => {}
        _ => return Err(at(&e, "unexpected extra content after value")),
    }
    let e = d.next()?;
    if !matches!(e.data, EventData::StreamEnd) {
        return Err(at(&e, "unexpected extra content after value"));
    }
    Ok(v)
}

/// go-cty-yaml's position prefix for an error about an event. Its lines are libyaml's
/// zero-based ones, and an event on the first line gets no prefix at all.
fn at(e: &Event, msg: impl std::fmt::Display) -> String {
    pos(e.start_mark, msg)
}

fn pos(m: Mark, msg: impl std::fmt::Display) -> String {
    if m.line == 0 {
        msg.to_string()
    } else {
        format!("on line {}, column {}: {msg}", m.line, m.column + 1)
    }
}

fn parser_error(e: &Error) -> String {
    let problem = if e.problem.is_empty() { "invalid YAML syntax" } else { &e.problem };
    match (e.problem_mark, e.context_mark) {
        (m, _) if m.line != 0 => {
            // Scanner errors are reported one line further, at column 1 (as go-cty-yaml does).
            if e.scanner {
                format!("on line {}, column 1: {problem}", m.line + 1)
            } else {
                format!("on line {}, column {}: {problem}", m.line, m.column + 1)
            }
        }
        (_, Some(c)) if c.line != 0 => format!("on line {}, column {}: {problem}", c.line, c.column + 1),
        _ => problem.to_string(),
    }
}

impl Decoder {
    fn next(&mut self) -> Result<Event, String> {
        self.parser.parse().map_err(|e| parser_error(&e))
    }

    fn node(&mut self) -> Result<Value, String> {
        let e = self.next()?;
        self.node_from(e)
    }

    fn node_from(&mut self, e: Event) -> Result<Value, String> {
        self.decoded += 1;
        match &e.data {
            EventData::Scalar { anchor, tag, value, plain_implicit, style, .. } => {
                let tag = tag.as_deref().unwrap_or("");
                self.begin(anchor);
                let v = if self.pass == Pass::Type && tag.is_empty() && !plain_implicit {
                    Value::String(value.clone())
                } else {
                    let v = match resolve(tag, value, *style).map_err(|m| at(&e, m))? {
                        // In any context other than a mapping key, this is just a plain string.
                        Scalar::Merge => Value::String("<<".into()),
                        Scalar::Value(v) => v,
                    };
                    if tag.is_empty() && !plain_implicit {
                        // The type pass said "string"; the final conversion makes it one.
                        convert(v, &Type::String).map_err(|m| at(&e, m))?
                    } else {
                        v
                    }
                };
                self.complete(anchor, &v);
                Ok(v)
            }
            EventData::Alias { anchor } => {
                if self.pending.contains_key(anchor) {
                    return Err(at(&e, format!("cannot refer to anchor {anchor:?} from inside its own definition")));
                }
                // Each alias is a copy: without this check (go-yaml's), a few lines of nested
                // aliases expand exponentially ("billion laughs").
                let size = self.anchor_sizes.get(anchor).copied().unwrap_or(0);
                self.decoded = self.decoded.saturating_add(size);
                self.aliased = self.aliased.saturating_add(size);
                if self.aliased > 100 && self.decoded > 1000 && self.aliased as f64 / self.decoded as f64 > allowed_alias_ratio(self.decoded) {
                    return Err(at(&e, "document contains excessive aliasing"));
                }
                self.anchors.get(anchor).cloned().ok_or_else(|| at(&e, format!("reference to undefined anchor {anchor:?}")))
            }
            EventData::MappingStart { anchor, tag, .. } => {
                if let Some(t) = tag.as_deref().filter(|t| *t != MAP) {
                    return Err(at(&e, format!("can't interpret mapping as {t}")));
                }
                self.begin(anchor);
                let v = self.mapping()?;
                self.complete(anchor, &v);
                Ok(v)
            }
            EventData::SequenceStart { anchor, tag, .. } => {
                if let Some(t) = tag.as_deref().filter(|t| *t != SEQ) {
                    return Err(at(&e, format!("can't interpret sequence as {t}")));
                }
                self.begin(anchor);
                let mut vals = Vec::new();
                loop {
                    let e = self.next()?;
                    if matches!(e.data, EventData::SequenceEnd) {
                        break;
                    }
                    vals.push(self.node_from(e)?);
                }
                let v = Value::Tuple(vals);
                self.complete(anchor, &v);
                Ok(v)
            }
            EventData::DocumentStart => Err(at(&e, "only a single document is allowed")),
            EventData::StreamEnd => Err(at(&e, "expecting value but found end of stream")),
            _ => Err(at(&e, "unexpected parser event")),
        }
    }

    fn mapping(&mut self) -> Result<Value, String> {
        let mut vals = BTreeMap::new();
        loop {
            let e = self.next()?;
            let (tag, value, style) = match &e.data {
                EventData::MappingEnd => return Ok(Value::Object(vals)),
                EventData::Scalar { tag, value, style, .. } => (tag.as_deref().unwrap_or(""), value, *style),
                _ => return Err(at(&e, "only strings are allowed as mapping keys")),
            };
            // A key's resolution error carries no position in go-cty-yaml.
            let key = match resolve(tag, value, style)? {
                Scalar::Merge => {
                    let v = self.node()?;
                    match (self.pass, v) {
                        (Pass::Type, Value::Object(m)) | (Pass::Value, Value::Object(m) | Value::Map(_, m)) => vals.extend(m),
                        (_, v) => {
                            let ty = if v.is_null() { "dynamic".to_string() } else { crate::convert::type_friendly(&v.ty()) };
                            return Err(at(&e, format!("cannot merge {ty} into mapping")));
                        }
                    }
                    continue;
                }
                Scalar::Value(k) => match convert(k, &Type::String) {
                    Ok(Value::String(k)) => k,
                    Ok(Value::Null(_)) => return Err(at(&e, "mapping key cannot be null")),
                    _ => return Err(at(&e, "only strings are allowed as mapping keys")),
                },
            };
            let v = self.node()?;
            vals.insert(key, v);
        }
    }

    fn begin(&mut self, anchor: &Option<String>) {
        if let Some(a) = anchor {
            *self.pending.entry(a.clone()).or_default() += 1;
            self.anchor_starts.push(self.decoded);
        }
    }

    fn complete(&mut self, anchor: &Option<String>, v: &Value) {
        if let Some(a) = anchor {
            if let Some(n) = self.pending.get_mut(a) {
                *n -= 1;
                if *n == 0 {
                    self.pending.remove(a);
                }
            }
            self.anchors.insert(a.clone(), v.clone());
            // The anchored node itself was counted before `begin`.
            let start = self.anchor_starts.pop().unwrap_or(self.decoded);
            self.anchor_sizes.insert(a.clone(), self.decoded - start + 1);
        }
    }
}

/// go-cty-yaml's `resolveScalar`: the YAML 1.1 implicit types for plain scalars and the
/// explicit `!!` tags.
fn resolve(tag: &str, src: &str, style: ScalarStyle) -> Result<Scalar, String> {
    if !matches!(tag, "" | STR | BOOL | INT | FLOAT | NULL | TIMESTAMP | BINARY) {
        return Err(format!("unsupported tag {tag:?}"));
    }
    let mut tag = tag;
    // The first character hints at what a scalar might be: sign, digit, a word of the table
    // below, or a dot; anything else can only be a string.
    let hint = match src.bytes().next() {
        None => 'N',
        Some(b'+' | b'-') => 'S',
        Some(b'0'..=b'9') => 'D',
        Some(b'y' | b'Y' | b'n' | b'N' | b't' | b'T' | b'f' | b'F' | b'o' | b'O' | b'~') => 'M',
        Some(b'.') => '.',
        Some(_) => '\0',
    };
    if hint != '\0' && tag != STR && tag != BINARY {
        if matches!(style, ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted) {
            return Ok(Scalar::Value(Value::String(src.to_string())));
        }
        if let Some(v) = resolve_word(src) {
            return Ok(Scalar::Value(v));
        }
        if tag.is_empty() && matches!(src, ".nan" | ".NaN" | ".NAN") {
            return Err("floating point NaN is not supported".into());
        }
        match hint {
            '.' => {
                if let Some(n) = Number::parse_strict(src) {
                    return Ok(Scalar::Value(Value::Number(n)));
                }
            }
            'D' | 'S' => {
                if tag.is_empty() || tag == TIMESTAMP {
                    if let Some(t) = parse_timestamp(src) {
                        return Ok(Scalar::Value(Value::String(t)));
                    }
                }
                if is_int_literal(src) {
                    tag = INT;
                } else if is_float_literal(src) {
                    tag = FLOAT;
                }
            }
            _ => {}
        }
    }
    if tag.is_empty() && src == "<<" {
        return Ok(Scalar::Merge);
    }
    let cannot = || format!("cannot parse {src:?} as {tag}");
    let v = match tag {
        STR => Value::String(src.to_string()),
        BINARY => {
            use base64::Engine as _;
            base64::engine::general_purpose::STANDARD.decode(src).map_err(|_| format!("cannot parse {src:?} as {tag}: not valid base64"))?;
            Value::String(src.to_string())
        }
        BOOL => match resolve_word(src) {
            Some(v @ Value::Bool(_)) => v,
            _ => return Err(cannot()),
        },
        // An int tag does not require a whole number: cty does not tell ints from floats.
        INT | FLOAT => {
            let plain = src.replace('_', "");
            match Number::parse_strict(&plain) {
                Some(n) => Value::Number(n),
                None => Value::Number(go_parse_int(&plain).ok_or_else(cannot)?),
            }
        }
        TIMESTAMP => Value::String(parse_timestamp(src).ok_or_else(cannot)?),
        NULL => Value::null(),
        "" => Value::String(src.to_string()),
        _ => return Err(format!("unsupported tag {tag:?}")),
    };
    Ok(Scalar::Value(v))
}

/// The YAML 1.1 words: booleans, nulls and infinities, in the case variants the spec lists.
fn resolve_word(src: &str) -> Option<Value> {
    Some(match src {
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => Value::Bool(true),
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => Value::Bool(false),
        "" | "~" | "null" | "Null" | "NULL" => Value::null(),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => Value::Number(Number::from_f64(f64::INFINITY)),
        "-.inf" | "-.Inf" | "-.INF" => Value::Number(Number::from_f64(f64::NEG_INFINITY)),
        _ => return None,
    })
}

/// `[-+]?(0o[0-7_]+|[0-9_]+|0x[0-9a-fA-F_]+)?` (the empty body included, as go-cty-yaml's
/// pattern allows).
fn is_int_literal(s: &str) -> bool {
    let s = s.strip_prefix(['-', '+']).unwrap_or(s);
    if let Some(r) = s.strip_prefix("0o") {
        return !r.is_empty() && r.bytes().all(|c| matches!(c, b'0'..=b'7' | b'_'));
    }
    if let Some(r) = s.strip_prefix("0x") {
        if !r.is_empty() && r.bytes().all(|c| c.is_ascii_hexdigit() || c == b'_') {
            return true;
        }
    }
    s.bytes().all(|c| c.is_ascii_digit() || c == b'_')
}

/// `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`
fn is_float_literal(s: &str) -> bool {
    let s = s.strip_prefix(['-', '+']).unwrap_or(s);
    let digits = |s: &str| s.bytes().take_while(u8::is_ascii_digit).count();
    let (mantissa, exp) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let mantissa_ok = match mantissa.strip_prefix('.') {
        Some(f) => !f.is_empty() && digits(f) == f.len(),
        None => {
            let n = digits(mantissa);
            n > 0 && (n == mantissa.len() || (mantissa.as_bytes()[n] == b'.' && digits(&mantissa[n + 1..]) == mantissa.len() - n - 1))
        }
    };
    let exp_ok = exp.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && digits(e) == e.len()
    });
    mantissa_ok && exp_ok
}

/// Go's `strconv.ParseInt(s, 0, 64)`, then `ParseUint(s, 0, 64)`: an optional sign, a
/// `0x`/`0o`/`0b`/`0` prefix choosing the base, and the 64-bit ranges.
fn go_parse_int(s: &str) -> Option<Number> {
    let (neg, signed, body) = match s.as_bytes().first()? {
        b'-' => (true, true, &s[1..]),
        b'+' => (false, true, &s[1..]),
        _ => (false, false, s),
    };
    let lower = body.to_ascii_lowercase();
    let (radix, digits) = if let Some(d) = lower.strip_prefix("0x") {
        (16, d)
    } else if let Some(d) = lower.strip_prefix("0o") {
        (8, d)
    } else if let Some(d) = lower.strip_prefix("0b") {
        (2, d)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, &lower[1..])
    } else {
        (10, lower.as_str())
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let mag = u64::from_str_radix(digits, radix).ok()?;
    if signed {
        let v = if neg { 0i64.checked_sub_unsigned(mag)? } else { i64::try_from(mag).ok()? };
        return Some(Number::from(v));
    }
    Some(match i64::try_from(mag) {
        Ok(v) => Number::from(v),
        Err(_) => Number::parse_strict(&mag.to_string())?,
    })
}

/// go-cty-yaml's timestamps: Go's `time.Parse` with the layouts `2006-1-2T15:4:5.999999999Z07:00`
/// (also with a lower-case `t`), `2006-1-2 15:4:5.999999999` (UTC) and `2006-1-2`, written back
/// in RFC 3339 (whole seconds, the given offset).
fn parse_timestamp(s: &str) -> Option<String> {
    let b = s.as_bytes();
    if b.len() < 5 || !b[..4].iter().all(u8::is_ascii_digit) || b[4] != b'-' {
        return None;
    }
    let year: u32 = s[..4].parse().ok()?;
    let mut rest = &s[5..];
    let month = take_num(&mut rest)?;
    rest = rest.strip_prefix('-')?;
    let day = take_num(&mut rest)?;
    if !(1..=12).contains(&month) || day < 1 || day > days_in(month, year) {
        return None;
    }
    let date = format!("{year:04}-{month:02}-{day:02}");
    if rest.is_empty() {
        return Some(format!("{date}T00:00:00Z"));
    }
    let (zoned, mut rest) = match rest.as_bytes()[0] {
        b'T' | b't' => (true, &rest[1..]),
        b' ' => (false, &rest[1..]),
        _ => return None,
    };
    let hour = take_num(&mut rest)?;
    rest = rest.strip_prefix(':')?;
    let min = take_num(&mut rest)?;
    rest = rest.strip_prefix(':')?;
    let sec = take_num(&mut rest)?;
    if hour > 23 || min > 59 || sec > 59 {
        return None;
    }
    if let Some(f) = rest.strip_prefix('.') {
        let n = f.bytes().take(9).take_while(u8::is_ascii_digit).count();
        if n > 0 {
            rest = &f[n..];
        }
    }
    let offset = if !zoned {
        "Z".to_string()
    } else if rest == "Z" {
        rest = "";
        "Z".to_string()
    } else {
        let z = rest.as_bytes();
        if z.len() < 6 || !matches!(z[0], b'+' | b'-') || z[3] != b':' || ![1, 2, 4, 5].iter().all(|i| z[*i].is_ascii_digit()) {
            return None;
        }
        let off = &rest[..6];
        rest = &rest[6..];
        if &off[1..] == "00:00" {
            "Z".to_string()
        } else {
            off.to_string()
        }
    };
    if !rest.is_empty() {
        return None;
    }
    Some(format!("{date}T{hour:02}:{min:02}:{sec:02}{offset}"))
}

/// One or two digits, as Go's `getnum` reads a non-padded field.
fn take_num(s: &mut &str) -> Option<u32> {
    let n = s.bytes().take(2).take_while(u8::is_ascii_digit).count();
    if n == 0 {
        return None;
    }
    let v = s[..n].parse().ok()?;
    *s = &s[n..];
    Some(v)
}

fn days_in(month: u32, year: u32) -> u32 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(src: &str) -> Value {
        decode(src).unwrap_or_else(|e| panic!("{src:?}: {e}"))
    }
    fn s(x: &str) -> Value {
        Value::String(x.into())
    }
    fn n(x: i64) -> Value {
        Value::Number(Number::from(x))
    }

    #[test]
    fn plain_scalars_resolve_by_yaml_1_1_rules() {
        for (src, want) in [
            ("yes", Value::Bool(true)),
            ("Yes", Value::Bool(true)),
            ("yEs", s("yEs")),
            ("y", Value::Bool(true)),
            ("off", Value::Bool(false)),
            ("N", Value::Bool(false)),
            ("0x10", n(16)),
            ("-0x10", n(-16)),
            ("0o17", n(15)),
            ("0777", n(777)),
            ("1_000", n(1000)),
            ("0b101", s("0b101")),
            ("!!int 0b101", n(5)),
            ("12:30:00", s("12:30:00")),
            ("0x", s("0x")),
            ("1e3", n(1000)),
            ("0xFFFFFFFFFFFFFFFF", Value::Number(Number::parse("18446744073709551615").unwrap())),
        ] {
            assert_eq!(ok(src), want, "{src}");
        }
        assert_eq!(ok(".5"), Value::Number(Number::parse("0.5").unwrap()));
        assert_eq!(ok("-.inf"), Value::Number(Number::from_f64(f64::NEG_INFINITY)));
        assert_eq!(decode("+"), Err("cannot parse \"+\" as tag:yaml.org,2002:int".into()));
        assert_eq!(decode(".nan"), Err("floating point NaN is not supported".into()));
    }

    #[test]
    fn quoted_and_block_scalars() {
        assert_eq!(ok("'yes'"), s("yes"));
        assert_eq!(ok("\"0x10\""), s("0x10"));
        assert_eq!(ok("!!int '12'"), s("12"));
        // The type pass says string, the value pass resolves: the value is converted.
        assert_eq!(ok("|-\n  yes"), s("true"));
        assert_eq!(ok("a: |-\n  1.50\nb: '1.50'\nc: >-\n  ~"), Value::object([("a", s("1.5")), ("b", s("1.50")), ("c", Value::Null(Type::String))]));
        assert_eq!(ok("|\n  yes\n"), s("yes\n"));
    }

    #[test]
    fn timestamps() {
        assert_eq!(ok("2001-12-14"), s("2001-12-14T00:00:00Z"));
        assert_eq!(ok("2001-12-14t21:59:43.10-05:00"), s("2001-12-14T21:59:43-05:00"));
        assert_eq!(ok("2001-12-14 21:59:43.10"), s("2001-12-14T21:59:43Z"));
        assert_eq!(ok("2001-2-3T1:2:3+00:00"), s("2001-02-03T01:02:03Z"));
        assert_eq!(ok("2001-2-30"), s("2001-2-30"));
        assert_eq!(ok("2001-12-14T21:59:43"), s("2001-12-14T21:59:43"));
        assert_eq!(ok("!!timestamp 2001-12-14"), s("2001-12-14T00:00:00Z"));
        assert!(decode("!!timestamp abc").is_err());
    }

    #[test]
    fn tags_nulls_and_keys() {
        assert_eq!(ok("!!str 123"), s("123"));
        assert_eq!(ok("!!bool 1"), n(1));
        assert_eq!(ok("!!int yes"), Value::Bool(true));
        assert_eq!(ok("!!binary aGVsbG8="), s("aGVsbG8="));
        assert_eq!(decode("!!foo abc"), Err("unsupported tag \"tag:yaml.org,2002:foo\"".into()));
        assert_eq!(ok("a: ~\nb: null\nc:"), Value::object([("a", Value::null()), ("b", Value::null()), ("c", Value::null())]));
        // Terraform 1.0.3 gives a top-level null the dynamic type, so the result is unknown.
        assert_eq!(ok("~"), Value::Unknown(Type::Dynamic));
        assert_eq!(ok("1: a\ntrue: b\n1.5: c\nyes: d"), Value::object([("1", s("a")), ("true", s("d")), ("1.5", s("c"))]));
        assert_eq!(decode("~: 1"), Err("mapping key cannot be null".into()));
        assert_eq!(decode("? [a]\n: 1"), Err("only strings are allowed as mapping keys".into()));
    }

    #[test]
    fn anchors_aliases_and_merges() {
        let b1 = Value::object([("b", n(1))]);
        assert_eq!(ok("a: &x {b: 1}\nc: *x"), Value::object([("a", b1.clone()), ("c", b1.clone())]));
        assert_eq!(ok("a: &x {b: 1}\nc:\n  <<: *x\n  d: 2"), Value::object([("a", b1), ("c", Value::object([("b", n(1)), ("d", n(2))]))]));
        assert_eq!(ok("\"<<\": {a: 1}\nb: 2"), Value::object([("a", n(1)), ("b", n(2))]));
        assert_eq!(ok("[<<]"), Value::Tuple(vec![s("<<")]));
        assert_eq!(decode("c:\n  <<: [{a: 1}]"), Err("on line 1, column 3: cannot merge tuple into mapping".into()));
        assert_eq!(decode("<<: ~"), Err("cannot merge dynamic into mapping".into()));
        assert_eq!(decode("*x"), Err("reference to undefined anchor \"x\"".into()));
        assert_eq!(decode("a: &x [*x]"), Err("cannot refer to anchor \"x\" from inside its own definition".into()));
    }

    /// Found by running the `expr` fuzz target: nested aliases expanded exponentially (9^7
    /// copies here; one more level ran out of memory). go-yaml refuses such documents.
    #[test]
    fn excessive_aliasing_is_refused() {
        let mut doc = "a: &a [1]\n".to_string();
        for (prev, name) in ["a", "b", "c", "d", "e", "f", "g", "h"].windows(2).map(|w| (w[0], w[1])) {
            doc.push_str(&format!("{name}: &{name} [{}]\n", vec![format!("*{prev}"); 9].join(",")));
        }
        let e = decode(&doc).unwrap_err();
        assert!(e.ends_with("document contains excessive aliasing"), "{e}");
        // Ordinary reuse of anchors is fine.
        let small = "a: &a {x: 1}\n".to_string() + &(0..200).map(|i| format!("b{i}: *a\n")).collect::<String>();
        assert!(decode(&small).is_ok());
    }

    #[test]
    fn syntax_and_document_errors() {
        assert_eq!(decode(""), Err("on line 1, column 1: missing start of document".into()));
        assert_eq!(decode("a: ["), Err("on line 1, column 1: did not find expected node content".into()));
        assert_eq!(decode("a:\n\tb: 1"), Err("on line 2, column 1: found character that cannot start any token".into()));
        assert_eq!(decode("a: 1\n---\nb: 2"), Err("on line 1, column 1: unexpected extra content after value".into()));
        assert_eq!(decode("a: 1\nb"), Err("on line 3, column 1: could not find expected ':'".into()));
        assert_eq!(decode("a:\n  - 1\n - 2"), Err("on line 2, column 2: did not find expected key".into()));
        assert_eq!(decode("a: b: c"), Err("mapping values are not allowed in this context".into()));
    }
}
