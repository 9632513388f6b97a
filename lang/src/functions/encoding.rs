//! Encoding and hashing functions: JSON, YAML, CSV, base64, URL encoding, text encodings,
//! md5/sha* digests and UUIDs.

use std::collections::BTreeMap;

use base64::Engine as _;
use sha2::Digest as _;

use super::util::{s, str_list};
use super::{bad, fail, p, pu, MarkMode, Param, Spec, P};
use crate::types::Type;
use crate::value::Value;

pub(super) const NAMES: &[&str] = &[
    "jsonencode", "jsondecode", "yamlencode", "yamldecode", "csvdecode", "base64encode", "base64decode", "urlencode",
    "textencodebase64", "textdecodebase64", "md5", "sha1", "sha256", "sha512", "base64sha256", "base64sha512", "uuid",
    "uuidv5", "base64gzip", "rsadecrypt",
];

fn sp(params: &[Param], ret: P, f: super::Impl) -> Option<Spec> {
    Some(Spec { params: params.to_vec(), variadic: None, ret, marks: MarkMode::Deep, f })
}

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

pub(super) fn spec(name: &str) -> Option<Spec> {
    const STR: &[Param] = &[p("str", P::Str)];
    match name {
        "jsonencode" => sp(&[pu("val", P::Any)], P::Str, |a, _| {
            if !a[0].is_wholly_known() {
                return Ok(Value::Unknown(Type::String));
            }
            json_encode(&a[0]).map(Value::String).map_err(fail)
        }),
        "jsondecode" => sp(&[p("str", P::Str)], P::Any, |a, _| json_decode(s(&a[0])).map_err(fail)),
        "yamlencode" => sp(&[pu("value", P::Any)], P::Str, |a, _| {
            if !a[0].is_wholly_known() {
                return Ok(Value::Unknown(Type::String));
            }
            yaml_encode(&a[0]).map(Value::String).map_err(fail)
        }),
        "yamldecode" => sp(&[p("src", P::Str)], P::Any, |a, _| super::yaml_decode::decode(s(&a[0])).map_err(fail)),
        "csvdecode" => sp(&[p("str", P::Str)], P::Any, |a, _| csv_decode(s(&a[0])).map_err(fail)),
        "base64encode" => sp(STR, P::Str, |a, _| Ok(Value::String(B64.encode(s(&a[0]))))),
        "base64decode" => sp(STR, P::Str, |a, _| {
            let clean: String = s(&a[0]).chars().filter(|c| *c != '\n' && *c != '\r').collect();
            let bytes = B64.decode(clean).map_err(|_| fail("failed to decode base64 data"))?;
            String::from_utf8(bytes).map(Value::String).map_err(|_| fail("the result of decoding the provided string is not valid UTF-8"))
        }),
        "urlencode" => sp(STR, P::Str, |a, _| {
            let mut out = String::new();
            for b in s(&a[0]).bytes() {
                match b {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
                    b' ' => out.push('+'),
                    _ => out.push_str(&format!("%{b:02X}")),
                }
            }
            Ok(Value::String(out))
        }),
        "textencodebase64" => sp(&[p("string", P::Str), p("encoding", P::Str)], P::Str, |a, _| {
            let (cs, name) = super::charset::lookup(s(&a[1])).ok_or_else(|| unsupported_encoding(s(&a[1])))?;
            let bytes = super::charset::encode(cs, s(&a[0]))
                .ok_or_else(|| bad(0, format!("the given string contains characters that cannot be represented in {name}")))?;
            Ok(Value::String(B64.encode(bytes)))
        }),
        "textdecodebase64" => sp(&[p("source", P::Str), p("encoding", P::Str)], P::Str, |a, _| {
            let (cs, name) = super::charset::lookup(s(&a[1])).ok_or_else(|| unsupported_encoding(s(&a[1])))?;
            let bytes = go_b64_decode(s(&a[0])).map_err(|off| bad(0, format!("the given value is has an invalid base64 symbol at offset {off}")))?;
            super::charset::decode(cs, &bytes)
                .map(Value::String)
                .ok_or_else(|| bad(0, format!("the given string contains symbols that are not defined for {name}")))
        }),
        "base64gzip" => sp(STR, P::Str, |a, _| Ok(Value::String(B64.encode(super::goflate::gzip_write_flush_close(s(&a[0]).as_bytes()))))),
        "rsadecrypt" => sp(&[p("ciphertext", P::Str), p("privatekey", P::Str)], P::Str, |a, _| {
            let ct = go_b64_decode(s(&a[0]))
                .map_err(|_| bad(0, format!("failed to decode input {:?}: cipher text must be base64-encoded", s(&a[0]))))?;
            let key = parse_rsa_private_key(s(&a[1])).map_err(|e| bad(1, e))?;
            let out = key.decrypt(rsa::Pkcs1v15Encrypt, &ct).map_err(|_| fail("failed to decrypt: crypto/rsa: decryption error"))?;
            Ok(Value::String(String::from_utf8_lossy(&out).into_owned()))
        }),
        "md5" => sp(STR, P::Str, |a, _| Ok(Value::String(hex::encode(md5::Md5::digest(s(&a[0]).as_bytes()))))),
        "sha1" => sp(STR, P::Str, |a, _| Ok(Value::String(hex::encode(sha1::Sha1::digest(s(&a[0]).as_bytes()))))),
        "sha256" => sp(STR, P::Str, |a, _| Ok(Value::String(hex::encode(sha2::Sha256::digest(s(&a[0]).as_bytes()))))),
        "sha512" => sp(STR, P::Str, |a, _| Ok(Value::String(hex::encode(sha2::Sha512::digest(s(&a[0]).as_bytes()))))),
        "base64sha256" => sp(STR, P::Str, |a, _| Ok(Value::String(B64.encode(sha2::Sha256::digest(s(&a[0]).as_bytes()))))),
        "base64sha512" => sp(STR, P::Str, |a, _| Ok(Value::String(B64.encode(sha2::Sha512::digest(s(&a[0]).as_bytes()))))),
        "uuid" => sp(&[], P::Str, |_, _| Ok(Value::String(uuid::Uuid::new_v4().to_string()))),
        "uuidv5" => sp(&[p("namespace", P::Str), p("name", P::Str)], P::Str, |a, _| {
            let ns = match s(&a[0]) {
                "dns" => uuid::Uuid::NAMESPACE_DNS,
                "url" => uuid::Uuid::NAMESPACE_URL,
                "oid" => uuid::Uuid::NAMESPACE_OID,
                "x500" => uuid::Uuid::NAMESPACE_X500,
                other => uuid::Uuid::parse_str(other).map_err(|e| fail(format!("uuidv5() doesn't support namespace {other} ({e})")))?,
            };
            let name = s(&a[1]);
            let digest = sha1::Sha1::digest([ns.as_bytes().as_slice(), name.as_bytes()].concat());
            let mut b = [0u8; 16];
            b.copy_from_slice(&digest[..16]);
            b[6] = (b[6] & 0x0f) | 0x50;
            b[8] = (b[8] & 0x3f) | 0x80;
            Ok(Value::String(uuid::Uuid::from_bytes(b).to_string()))
        }),
        _ => None,
    }
}

/// Go-compatible JSON encoding: sorted object keys, `<`, `>`, `&` escaped, Terraform numbers.
pub(crate) fn json_encode(v: &Value) -> Result<String, String> {
    let mut out = String::new();
    enc(v, &mut out)?;
    Ok(out)
}

fn enc_str(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

fn enc(v: &Value, out: &mut String) -> Result<(), String> {
    match v.unmarked() {
        Value::Null(_) => out.push_str("null"),
        Value::Unknown(_) => return Err("value is not known".into()),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => {
            if !n.is_finite() {
                return Err("cannot encode an infinite number as JSON".into());
            }
            out.push_str(&n.to_string())
        }
        Value::String(x) => enc_str(x, out),
        Value::List(_, vs) | Value::Set(_, vs) | Value::Tuple(vs) => {
            out.push('[');
            for (i, x) in vs.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                enc(x, out)?;
            }
            out.push(']');
        }
        Value::Map(_, m) | Value::Object(m) => {
            out.push('{');
            for (i, (k, x)) in m.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                enc_str(k, out);
                out.push(':');
                enc(x, out)?;
            }
            out.push('}');
        }
        Value::Marked(..) => {}
    }
    Ok(())
}

fn json_decode(src: &str) -> Result<Value, String> {
    let j: serde_json::Value = serde_json::from_str(src).map_err(|e| format!("{e}"))?;
    Value::from_json(&j, &Type::Dynamic)
}

/// `yamlencode` as go-cty-yaml writes it (go-yaml's emitter): block style, strings double
/// quoted unless multi-line (then literal style when the emitter allows it), long quoted
/// strings folded at spaces past column 80, and `...` after a plain scalar document.
fn yaml_encode(v: &Value) -> Result<String, String> {
    let mut out = String::new();
    let v = v.unmarked();
    match v {
        Value::List(_, vs) | Value::Set(_, vs) | Value::Tuple(vs) if !vs.is_empty() => yaml_seq(vs, 0, false, &mut out)?,
        Value::Map(_, m) | Value::Object(m) if !m.is_empty() => yaml_map(m, 0, false, &mut out)?,
        Value::String(x) => {
            yaml_str(x, 0, 2, &mut out);
            out.push('\n');
        }
        other => {
            yaml_scalar(other, &mut out)?;
            if !matches!(other, Value::List(..) | Value::Set(..) | Value::Tuple(..) | Value::Map(..) | Value::Object(..)) {
                out.push_str("\n...");
            }
            out.push('\n');
        }
    }
    Ok(out)
}

/// Writes a non-string scalar or an empty collection.
fn yaml_scalar(v: &Value, out: &mut String) -> Result<(), String> {
    match v.unmarked() {
        Value::Null(_) => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => {
            if !n.is_finite() {
                return Err("cannot encode an infinite number as YAML".into());
            }
            out.push_str(&n.to_string())
        }
        Value::List(..) | Value::Set(..) | Value::Tuple(..) => out.push_str("[]"),
        Value::Map(..) | Value::Object(..) => out.push_str("{}"),
        Value::Unknown(_) => return Err("value is not known".into()),
        Value::String(_) | Value::Marked(..) => {}
    }
    Ok(())
}

fn col(out: &str) -> usize {
    out.rsplit('\n').next().map(|l| l.chars().count()).unwrap_or(0)
}

/// A node after `- ` or `key: ` (or at the top) whose block items sit at `indent`.
fn yaml_node(v: &Value, indent: usize, out: &mut String) -> Result<(), String> {
    match v.unmarked() {
        Value::String(x) => {
            yaml_str(x, col(out), indent + 2, out);
            Ok(())
        }
        other => yaml_scalar(other, out),
    }
}

fn yaml_seq(vs: &[Value], indent: usize, inline_first: bool, out: &mut String) -> Result<(), String> {
    for (i, x) in vs.iter().enumerate() {
        if !(i == 0 && inline_first) {
            out.push_str(&" ".repeat(indent));
        }
        out.push_str("- ");
        match x.unmarked() {
            Value::List(_, xs) | Value::Set(_, xs) | Value::Tuple(xs) if !xs.is_empty() => yaml_seq(xs, indent + 2, true, out)?,
            Value::Map(_, m) | Value::Object(m) if !m.is_empty() => yaml_map(m, indent + 2, true, out)?,
            other => {
                yaml_node(other, indent, out)?;
                out.push('\n');
            }
        }
    }
    Ok(())
}

fn yaml_map(m: &BTreeMap<String, Value>, indent: usize, inline_first: bool, out: &mut String) -> Result<(), String> {
    for (i, (k, x)) in m.iter().enumerate() {
        if !(i == 0 && inline_first) {
            out.push_str(&" ".repeat(indent));
        }
        yaml_quoted(k, indent + 2, false, out);
        out.push(':');
        match x.unmarked() {
            Value::List(_, xs) | Value::Set(_, xs) | Value::Tuple(xs) if !xs.is_empty() => {
                out.push('\n');
                yaml_seq(xs, indent, false, out)?
            }
            Value::Map(_, m2) | Value::Object(m2) if !m2.is_empty() => {
                out.push('\n');
                yaml_map(m2, indent + 2, false, out)?
            }
            other => {
                out.push(' ');
                yaml_node(other, indent, out)?;
                out.push('\n');
            }
        }
    }
    Ok(())
}

/// go-yaml's `is_printable`, by character.
fn yaml_printable(c: char) -> bool {
    matches!(c, '\n' | '\x20'..='\x7e' | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}') && c != '\u{feff}'
}

/// A string scalar: literal style when it has a newline and the emitter allows a block scalar.
fn yaml_str(s: &str, _col: usize, indent: usize, out: &mut String) {
    let special = s.chars().any(|c| !yaml_printable(c));
    let trailing_space = s.ends_with(' ');
    let space_break = s.contains(" \n");
    if s.contains('\n') && !special && !trailing_space && !space_break {
        if s.starts_with(' ') || s.starts_with('\n') {
            out.push('|');
            out.push('2');
        } else {
            out.push('|');
        }
        let body = s.trim_end_matches('\n');
        let trailing = s.len() - body.len();
        out.push_str(match trailing {
            0 => "-",
            1 => "",
            _ => "+",
        });
        let pad = " ".repeat(indent);
        for line in s.split_inclusive('\n') {
            let content = line.trim_end_matches('\n');
            out.push('\n');
            if !content.is_empty() {
                out.push_str(&pad);
                out.push_str(content);
            }
        }
        return;
    }
    yaml_quoted(s, indent, true, out);
}

/// go-yaml's double-quoted scalar writer, folding at spaces past column 80 when allowed.
fn yaml_quoted(s: &str, indent: usize, allow_breaks: bool, out: &mut String) {
    let mut column = col(out);
    out.push('"');
    column += 1;
    let chars: Vec<char> = s.chars().collect();
    let mut spaces = false;
    for (i, &c) in chars.iter().enumerate() {
        if !yaml_printable(c) || c == '\u{feff}' || c == '\n' || c == '"' || c == '\\' {
            let esc = match c {
                '\0' => "\\0".to_string(),
                '\x07' => "\\a".into(),
                '\x08' => "\\b".into(),
                '\t' => "\\t".into(),
                '\n' => "\\n".into(),
                '\x0b' => "\\v".into(),
                '\x0c' => "\\f".into(),
                '\r' => "\\r".into(),
                '\x1b' => "\\e".into(),
                '"' => "\\\"".into(),
                '\\' => "\\\\".into(),
                '\u{85}' => "\\N".into(),
                '\u{a0}' => "\\_".into(),
                '\u{2028}' => "\\L".into(),
                '\u{2029}' => "\\P".into(),
                c if (c as u32) <= 0xff => format!("\\x{:02X}", c as u32),
                c if (c as u32) <= 0xffff => format!("\\u{:04X}", c as u32),
                c => format!("\\U{:08X}", c as u32),
            };
            column += esc.len();
            out.push_str(&esc);
            spaces = false;
        } else if c == ' ' {
            if allow_breaks && !spaces && column > 80 && i > 0 && i + 1 < chars.len() {
                out.push('\n');
                out.push_str(&" ".repeat(indent));
                column = indent;
                if chars[i + 1] == ' ' {
                    out.push('\\');
                    column += 1;
                }
            } else {
                out.push(' ');
                column += 1;
            }
            spaces = true;
        } else {
            out.push(c);
            column += 1;
            spaces = false;
        }
    }
    out.push('"');
}

fn csv_decode(src: &str) -> Result<Value, String> {
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut chars = src.chars().peekable();
    let mut in_q = false;
    let mut any = false;
    while let Some(c) = chars.next() {
        any = true;
        if in_q {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    field.push('"');
                    chars.next();
                } else {
                    in_q = false;
                }
            } else {
                field.push(c);
            }
            continue;
        }
        match c {
            '"' => in_q = true,
            ',' => row.push(std::mem::take(&mut field)),
            '\r' => {}
            '\n' => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
                any = false;
            }
            c => field.push(c),
        }
    }
    if in_q {
        return Err("extraneous or missing \" in quoted-field".into());
    }
    if any {
        row.push(field);
        rows.push(row);
    }
    let mut it = rows.into_iter();
    let Some(header) = it.next() else {
        return Err("missing header line".into());
    };
    for (i, h) in header.iter().enumerate() {
        if header[..i].contains(h) {
            return Err(format!("duplicate column name {h:?}"));
        }
    }
    let mut out = Vec::new();
    for (i, r) in it.enumerate() {
        if r.len() != header.len() {
            return Err(format!("record on line {}: wrong number of fields", i + 2));
        }
        out.push(Value::Object(header.iter().cloned().zip(r.into_iter().map(Value::String)).collect()));
    }
    let ty = Type::Object(header.iter().map(|h| (h.clone(), Type::String)).collect());
    let _ = str_list;
    Ok(Value::List(ty, out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_go_style() {
        let v = Value::object([("b", Value::from("<&>")), ("a", Value::from(1))]);
        assert_eq!(json_encode(&v), Ok("{\"a\":1,\"b\":\"\\u003c\\u0026\\u003e\"}".to_string()));
    }

    #[test]
    fn csv() {
        let v = csv_decode("a,b\n1,\"x,y\"\n");
        assert_eq!(
            v.ok().and_then(|v| v.as_seq().map(|s| s.len())),
            Some(1)
        );
    }

    #[allow(dead_code)]
    fn _f(_: super::super::FnError) {}
}

#[cfg(test)]
mod yaml_tests {
    use super::*;

    #[test]
    fn yamlencode_like_go_yaml() {
        let long = "The quick brown fox jumps over the lazy dog and keeps running far away from the hunter in the woods";
        let s = |x: &str| Value::from(x);
        let cases: Vec<(Value, &str)> = vec![
            (s(long), "\"The quick brown fox jumps over the lazy dog and keeps running far away from the hunter\n  in the woods\"\n"),
            (Value::object([("k", s(long))]), "\"k\": \"The quick brown fox jumps over the lazy dog and keeps running far away from\n  the hunter in the woods\"\n"),
            (Value::Tuple(vec![Value::Tuple(vec![s(long)])]), "- - \"The quick brown fox jumps over the lazy dog and keeps running far away from the\n    hunter in the woods\"\n"),
            (s(""), "\"\"\n"),
            (s("a\n\n"), "|+\n  a\n\n"),
            (s(" a\nb"), "|2-\n   a\n  b\n"),
            (Value::from(1), "1\n...\n"),
            (s("tab\there"), "\"tab\\there\"\n"),
            (s("\u{85}x"), "\"\\Nx\"\n"),
            (s("line\n  indented"), "|-\n  line\n    indented\n"),
            (Value::object([("m", Value::object([("n", s("a\nb"))]))]), "\"m\":\n  \"n\": |-\n    a\n    b\n"),
            (Value::object([("k", s("a\nb\n")), ("l", Value::Tuple(vec![s("x\ny")]))]), "\"k\": |\n  a\n  b\n\"l\":\n- |-\n  x\n  y\n"),
        ];
        for (v, want) in cases {
            assert_eq!(yaml_encode(&v).unwrap(), want);
        }
    }
}

fn unsupported_encoding(name: &str) -> super::FnError {
    bad(1, format!("{name:?} is not a supported IANA encoding name or alias in this Terraform version"))
}

/// Go's `base64.StdEncoding.DecodeString`: padding required, CR and LF ignored; the error is the
/// offset of the first bad symbol.
fn go_b64_decode(src: &str) -> Result<Vec<u8>, usize> {
    let clean: String = src.chars().filter(|c| *c != '\n' && *c != '\r').collect();
    B64.decode(&clean).map_err(|e| match e {
        base64::DecodeError::InvalidByte(off, _) | base64::DecodeError::InvalidLastSymbol(off, _) => off,
        _ => clean.len() / 4 * 4,
    })
}

/// Go's `ssh.ParseRawPrivateKey` for RSA keys: PEM `RSA PRIVATE KEY` (PKCS #1) or `PRIVATE KEY`
/// (PKCS #8). The error is Terraform's message.
fn parse_rsa_private_key(pem: &str) -> Result<rsa::RsaPrivateKey, String> {
    use rsa::pkcs1::DecodeRsaPrivateKey as _;
    use rsa::pkcs8::DecodePrivateKey as _;
    let trimmed = pem.trim_start();
    if !trimmed.starts_with("-----BEGIN ") {
        return Err("invalid private key: ssh: no key found".into());
    }
    if trimmed.starts_with("-----BEGIN RSA PRIVATE KEY-----") {
        rsa::RsaPrivateKey::from_pkcs1_pem(trimmed).map_err(|e| format!("invalid ASN1 data in the given private key: {e}"))
    } else if trimmed.starts_with("-----BEGIN PRIVATE KEY-----") {
        rsa::RsaPrivateKey::from_pkcs8_pem(trimmed).map_err(|e| format!("invalid private key: {e}"))
    } else {
        let kind = trimmed["-----BEGIN ".len()..].split("-----").next().unwrap_or("");
        Err(format!("invalid private key: ssh: unsupported key type {kind:?}"))
    }
}

