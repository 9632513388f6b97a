//! Date and time functions: timestamp, plantimestamp, formatdate, timeadd, timecmp (RFC 3339
//! timestamps, UTC).

use chrono::{DateTime, Datelike, FixedOffset, Timelike, Utc};

use super::util::s;
use super::{bad, fail, p, FnError, MarkMode, Param, Spec, P};
use crate::value::Value;

pub(super) const NAMES: &[&str] = &["timestamp", "plantimestamp", "formatdate", "timeadd", "timecmp"];

fn sp(params: &[Param], f: super::Impl) -> Option<Spec> {
    Some(Spec { params: params.to_vec(), variadic: None, ret: P::Str, marks: MarkMode::Deep, f })
}

pub(super) fn spec(name: &str) -> Option<Spec> {
    match name {
        // `plantimestamp` is unknown during plan; that is the engine's business, so here both
        // return the current time.
        "timestamp" | "plantimestamp" => sp(&[], |_, _| Ok(Value::String(Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()))),
        // cty parses both timestamps as part of checking the arguments.
        "timecmp" => Some(Spec {
            params: vec![p("timestamp_a", P::Str), p("timestamp_b", P::Str)],
            variadic: None,
            ret: P::Num,
            marks: MarkMode::Deep,
            f: |a, _| {
                let x = parse_ts(s(&a[0])).map_err(|e| bad(0, e))?;
                let y = parse_ts(s(&a[1])).map_err(|e| bad(1, e))?;
                Ok(Value::Number(crate::number::Number::from(x.cmp(&y) as i64)))
            },
        }),
        "formatdate" => sp(&[p("format", P::Str), p("time", P::Str)], |a, _| {
            let t = parse_ts(s(&a[1])).map_err(|e| bad(1, e))?;
            formatdate(s(&a[0]), &t).map(Value::String).map_err(|e| bad(0, e))
        }),
        "timeadd" => sp(&[p("timestamp", P::Str), p("duration", P::Str)], |a, _| {
            // Unlike formatdate, cty's timeadd returns its parse errors unwrapped: they are not
            // argument errors.
            let t = parse_ts(s(&a[0])).map_err(fail)?;
            let d = parse_duration(s(&a[1])).ok_or_else(|| fail(format!("time: invalid duration {:?}", s(&a[1]))))?;
            let r = t.checked_add_signed(d).ok_or_else(|| fail("the resulting time is out of range"))?;

            Ok(Value::String(rfc3339(&r)))
        }),
        _ => None,
    }
}

fn rfc3339(t: &DateTime<FixedOffset>) -> String {
    let base = t.format("%Y-%m-%dT%H:%M:%S").to_string();
    if t.offset().local_minus_utc() == 0 {
        format!("{base}Z")
    } else {
        format!("{base}{}", t.format("%:z"))
    }
}

fn parse_ts(s: &str) -> Result<DateTime<FixedOffset>, String> {
    let t = DateTime::parse_from_rfc3339(s).map_err(|_| format!("not a valid RFC3339 timestamp: {s:?}"))?;
    if t.nanosecond() >= 1_000_000_000 {
        return Err(format!("not a valid RFC3339 timestamp: {s:?}: second out of range"));
    }
    Ok(t)
}

fn parse_duration(s: &str) -> Option<chrono::Duration> {
    let (neg, mut rest) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    if rest == "0" {
        return Some(chrono::Duration::zero());
    }
    if rest.is_empty() {
        return None;
    }
    let mut total: f64 = 0.0;
    while !rest.is_empty() {
        let nlen = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
        if nlen == 0 {
            return None;
        }
        let n: f64 = rest[..nlen].parse().ok()?;
        rest = &rest[nlen..];
        let ulen = rest.find(|c: char| c.is_ascii_digit() || c == '.').unwrap_or(rest.len());
        let unit = &rest[..ulen];
        rest = &rest[ulen..];
        let mult = match unit {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => return None,
        };
        total += n * mult;
    }
    if total > i64::MAX as f64 {
        return None;
    }
    let d = chrono::Duration::nanoseconds(total as i64);
    Some(if neg { -d } else { d })
}

fn formatdate(fmt: &str, t: &DateTime<FixedOffset>) -> Result<String, String> {
    let chars: Vec<char> = fmt.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' {
            let mut j = i + 1;
            let mut lit = String::new();
            loop {
                if j >= chars.len() {
                    return Err("unterminated literal '".into());
                }
                if chars[j] == '\'' {
                    if j + 1 < chars.len() && chars[j + 1] == '\'' {
                        lit.push('\'');
                        j += 2;
                        continue;
                    }
                    break;
                }
                lit.push(chars[j]);
                j += 1;
            }
            if j == i + 1 {
                out.push('\'');
            }
            out.push_str(&lit);
            i = j + 1;
            continue;
        }
        if !c.is_ascii_alphabetic() {
            out.push(c);
            i += 1;
            continue;
        }
        let mut j = i;
        while j < chars.len() && chars[j] == c {
            j += 1;
        }
        let tok: String = chars[i..j].iter().collect();
        i = j;
        let off = t.offset().local_minus_utc();
        let piece = match tok.as_str() {
            "YYYY" => format!("{:04}", t.year()),
            "YY" => format!("{:02}", t.year() % 100),
            "MMMM" => t.format("%B").to_string(),
            "MMM" => t.format("%b").to_string(),
            "MM" => format!("{:02}", t.month()),
            "M" => t.month().to_string(),
            "DD" => format!("{:02}", t.day()),
            "D" => t.day().to_string(),
            "EEEE" => t.format("%A").to_string(),
            "EEE" => t.format("%a").to_string(),
            "hh" => format!("{:02}", t.hour()),
            "h" => t.hour().to_string(),
            "HH" => format!("{:02}", (t.hour() + 11) % 12 + 1),
            "H" => ((t.hour() + 11) % 12 + 1).to_string(),
            "AA" => if t.hour() < 12 { "AM" } else { "PM" }.to_string(),
            "aa" => if t.hour() < 12 { "am" } else { "pm" }.to_string(),
            "mm" => format!("{:02}", t.minute()),
            "m" => t.minute().to_string(),
            "ss" => format!("{:02}", t.second()),
            "s" => t.second().to_string(),
            "ZZZZZ" => t.format("%:z").to_string(),
            "ZZZZ" => t.format("%z").to_string(),
            "ZZZ" => if off == 0 { "UTC".to_string() } else { t.format("%z").to_string() },
            "Z" => if off == 0 { "Z".to_string() } else { t.format("%:z").to_string() },
            other => return Err(format!("invalid date format verb {other:?}")),
        };
        out.push_str(&piece);
    }
    Ok(out)
}

/// Errors are typed to keep the table uniform.
#[allow(dead_code)]
fn _unused(_: FnError) {}
