//! Filesystem functions: file, fileexists, filebase64, templatefile (and templatestring, which
//! shares its rendering), file hashes and path helpers. Relative paths resolve against `EvalContext::base_dir`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use sha2::Digest as _;

use super::util::s;
use super::{bad, fail, p, pu, FnError, MarkMode, Param, Spec, P};
use crate::eval::EvalContext;
use crate::types::Type;
use crate::value::Value;

pub(super) const NAMES: &[&str] = &[
    "file", "fileexists", "filebase64", "templatefile", "filemd5", "filesha1", "filesha256", "filesha512",
    "filebase64sha256", "filebase64sha512", "basename", "dirname", "pathexpand", "abspath", "fileset",
    "templatestring",
];

/// Matches one path segment against one pattern segment, as Go's `filepath.Match` (with
/// doublestar's `{a,b}` alternatives): `*`, `?`, `[...]` classes negated by `^` only, `\\`
/// escapes. `Err` for a malformed pattern.
fn match_segment(pat: &[char], name: &[char]) -> Result<bool, ()> {
    let Some((&c, rest)) = pat.split_first() else { return Ok(name.is_empty()) };
    match c {
        '*' => {
            for i in 0..=name.len() {
                if match_segment(rest, &name[i..])? {
                    return Ok(true);
                }
            }
            // Validate the rest of the pattern even when nothing matched.
            match_segment(rest, &[]).map(|_| false)
        }
        '?' => Ok(!name.is_empty() && match_segment(rest, &name[1..])?),
        '[' => {
            let mut i = 0;
            let neg = rest.first() == Some(&'^');
            if neg {
                i += 1;
            }
            let mut matched = false;
            let mut first = true;
            loop {
                let Some(&lo) = rest.get(i) else { return Err(()) };
                if lo == ']' && !first {
                    i += 1;
                    break;
                }
                first = false;
                let lo = if lo == '\\' {
                    i += 1;
                    *rest.get(i).ok_or(())?
                } else {
                    lo
                };
                i += 1;
                let mut hi = lo;
                if rest.get(i) == Some(&'-') && rest.get(i + 1).is_some_and(|c| *c != ']') {
                    hi = rest[i + 1];
                    if hi == '\\' {
                        i += 1;
                        hi = *rest.get(i + 1).ok_or(())?;
                    }
                    i += 2;
                }
                if let Some(&n) = name.first() {
                    if lo <= n && n <= hi {
                        matched = true;
                    }
                }
            }
            if name.is_empty() || matched == neg {
                match_segment(&rest[i..], &[]).map(|_| false)
            } else {
                match_segment(&rest[i..], &name[1..])
            }
        }
        '{' => {
            let close = rest.iter().position(|c| *c == '}').ok_or(())?;
            let tail = &rest[close + 1..];
            for alt in rest[..close].split(|c| *c == ',') {
                let mut p: Vec<char> = alt.to_vec();
                p.extend_from_slice(tail);
                if match_segment(&p, name)? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        '\\' => {
            let (&e, rest) = rest.split_first().ok_or(())?;
            Ok(name.first() == Some(&e) && match_segment(rest, &name[1..])?)
        }
        c => Ok(name.first() == Some(&c) && match_segment(rest, &name[1..])?),
    }
}

/// Matches a `/`-separated path against a pattern whose `**` segments match any number of
/// path segments.
fn match_path(pat: &[Vec<char>], path: &[Vec<char>]) -> Result<bool, ()> {
    let Some((p, prest)) = pat.split_first() else { return Ok(path.is_empty()) };
    if p.as_slice() == ['*', '*'] {
        for i in 0..=path.len() {
            if match_path(prest, &path[i..])? {
                return Ok(true);
            }
        }
        return Ok(false);
    }
    let Some((seg, rest)) = path.split_first() else {
        return match_segment(p, &[]).map(|_| false);
    };
    Ok(match_segment(p, seg)? && match_path(prest, rest)?)
}

fn walk(dir: &Path, rel: &str, out: &mut Vec<String>) {
    let Ok(rd) = std::fs::read_dir(dir) else { return };
    for e in rd.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let r = if rel.is_empty() { name } else { format!("{rel}/{name}") };
        let path = e.path();
        if path.is_dir() {
            walk(&path, &r, out);
        } else if path.is_file() {
            out.push(r);
        }
    }
}

/// `fileset(path, pattern)`: the files (not directories) under `path` whose relative paths
/// match `pattern`.
fn fileset(a: Vec<Value>, ctx: &EvalContext) -> Result<Value, FnError> {
    let base = s(&a[0]);
    let pattern = s(&a[1]);
    let pat: Vec<Vec<char>> = pattern.split('/').map(|p| p.chars().collect()).collect();
    // Reject a malformed pattern even when no file would reach the bad part.
    for p in &pat {
        if match_segment(p, &[]).is_err() {
            return Err(fail(format!("failed to glob pattern ({pattern}): syntax error in pattern")));
        }
    }
    let mut files = Vec::new();
    walk(&resolve(ctx, base), "", &mut files);
    let mut out = Vec::new();
    for f in files {
        let segs: Vec<Vec<char>> = f.split('/').map(|p| p.chars().collect()).collect();
        if match_path(&pat, &segs).map_err(|_| fail(format!("failed to glob pattern ({pattern}): syntax error in pattern")))? {
            out.push(Value::String(f));
        }
    }
    Ok(crate::collections::make_set(crate::types::Type::String, out))
}

fn sp(params: &[Param], ret: P, f: super::Impl) -> Option<Spec> {
    Some(Spec { params: params.to_vec(), variadic: None, ret, marks: MarkMode::Deep, f })
}
fn own(params: &[Param], ret: P, f: super::Impl) -> Option<Spec> {
    Some(Spec { params: params.to_vec(), variadic: None, ret, marks: MarkMode::Own, f })
}

fn resolve(ctx: &EvalContext, path: &str) -> PathBuf {
    let p = Path::new(path);
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        ctx.base_dir.join(p)
    }
}

fn read(ctx: &EvalContext, path: &str) -> Result<Vec<u8>, FnError> {
    let full = resolve(ctx, path);
    if full.is_dir() {
        return Err(bad(0, format!("failed to read {path}: is a directory")));
    }
    std::fs::read(&full).map_err(|_| bad(0, format!("no file exists at {path:?}; this function works only with files that are distributed as part of the configuration source code, so if this file will be created by a resource in this configuration you must instead obtain this result from an attribute of that resource")))
}

fn read_str(ctx: &EvalContext, path: &str) -> Result<String, FnError> {
    String::from_utf8(read(ctx, path)?)
        .map_err(|_| fail(format!("contents of {path} are not valid UTF-8; use the filebase64 function to obtain the Base64 encoded contents or the other file functions (e.g. filemd5, filesha256) to obtain file hashing results instead")))
}

thread_local! {
    /// Set while a `templatefile` template is being evaluated: templates cannot call it again.
    static IN_TEMPLATE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

const PATH: &[Param] = &[p("path", P::Str)];
const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

pub(super) fn spec(name: &str) -> Option<Spec> {
    match name {
        "fileset" => sp(&[p("path", P::Str), p("pattern", P::Str)], P::SetStr, fileset),
        "file" => sp(PATH, P::Str, |a, ctx| read_str(ctx, s(&a[0])).map(Value::String)),
        "fileexists" => sp(PATH, P::Bool, |a, ctx| {
            let full = resolve(ctx, s(&a[0]));
            match std::fs::metadata(&full) {
                Ok(m) if m.is_file() => Ok(Value::Bool(true)),
                Ok(_) => Err(fail(format!("{} is not a regular file, but {}", s(&a[0]), "a directory"))),
                Err(_) => Ok(Value::Bool(false)),
            }
        }),
        "filebase64" => sp(PATH, P::Str, |a, ctx| Ok(Value::String(B64.encode(read(ctx, s(&a[0]))?)))),
        "filemd5" => sp(PATH, P::Str, |a, ctx| Ok(Value::String(hex::encode(md5::Md5::digest(read(ctx, s(&a[0]))?))))),
        "filesha1" => sp(PATH, P::Str, |a, ctx| Ok(Value::String(hex::encode(sha1::Sha1::digest(read(ctx, s(&a[0]))?))))),
        "filesha256" => sp(PATH, P::Str, |a, ctx| Ok(Value::String(hex::encode(sha2::Sha256::digest(read(ctx, s(&a[0]))?))))),
        "filesha512" => sp(PATH, P::Str, |a, ctx| Ok(Value::String(hex::encode(sha2::Sha512::digest(read(ctx, s(&a[0]))?))))),
        "filebase64sha256" => sp(PATH, P::Str, |a, ctx| Ok(Value::String(B64.encode(sha2::Sha256::digest(read(ctx, s(&a[0]))?))))),
        "filebase64sha512" => sp(PATH, P::Str, |a, ctx| Ok(Value::String(B64.encode(sha2::Sha512::digest(read(ctx, s(&a[0]))?))))),
        "basename" => sp(PATH, P::Str, |a, _| {
            let t = s(&a[0]);
            let trimmed = t.trim_end_matches('/');
            if trimmed.is_empty() {
                return Ok(Value::String(if t.is_empty() { ".".into() } else { "/".into() }));
            }
            Ok(Value::String(trimmed.rsplit('/').next().unwrap_or(trimmed).to_string()))
        }),
        "dirname" => sp(PATH, P::Str, |a, _| {
            let t = s(&a[0]);
            let d = match t.rfind('/') {
                Some(0) => "/".to_string(),
                Some(i) => t[..i].trim_end_matches('/').to_string(),
                None => ".".to_string(),
            };
            Ok(Value::String(if d.is_empty() { "/".into() } else { d }))
        }),
        "pathexpand" => sp(PATH, P::Str, |a, _| {
            let t = s(&a[0]);
            if let Some(rest) = t.strip_prefix('~') {
                if rest.is_empty() || rest.starts_with('/') {
                    if let Ok(home) = std::env::var("HOME") {
                        return Ok(Value::String(format!("{home}{rest}")));
                    }
                }
            }
            Ok(Value::String(t.to_string()))
        }),
        "abspath" => sp(PATH, P::Str, |a, ctx| {
            let full = resolve(ctx, s(&a[0]));
            Ok(Value::String(full.to_string_lossy().into_owned()))
        }),
        "templatefile" => sp(&[p("path", P::Str), p("vars", P::Any)], P::Any, |a, ctx| {
            let src = read_str(ctx, s(&a[0]))?;
            let vars = template_vars(&a[1])?;
            let tpl = hcl_edit::parser::parse_template(&src).map_err(|e| fail(format!("failed to parse template: {e}")))?;
            render(&tpl, s(&a[0]), &src, vars, ctx, "cannot recursively call templatefile from inside templatefile call")
        }),
        // Terraform 1.9's `templatestring`. The evaluator has already checked the *form* of the
        // template argument (a literal string or a plain reference: see `eval`); marks are
        // handled here: the template's own marks and every mark in the vars mark the result.
        "templatestring" => own(&[pu("template", P::Any), p("vars", P::Any)], P::Str, |a, ctx| {
            if !a[0].is_known() {
                return Ok(Value::Unknown(Type::String).mark(a[0].marks_deep()));
            }
            // Exactly a string: the stringification of a number or bool cannot be a useful template.
            if a[0].ty() != Type::String || a[0].is_null() {
                return Err(bad(0, "invalid template expression: a string is required"));
            }
            let (template, tmarks) = a[0].clone().unmark();
            let (vars, vmarks) = a[1].clone().unmark_deep();
            let marks = tmarks.union(vmarks);
            let src = s(&template);
            let tpl = hcl_edit::parser::parse_template(src).map_err(|e| bad(0, format!("invalid template: {e}")))?;
            let vars = template_vars(&vars)?;
            let v = render(&tpl, "<templatestring argument>", src, vars, ctx, "cannot recursively call templatestring from inside another template function")
                // A reference error quotes the template: blame the template when it is
                // sensitive, so that the call wrapper redacts it.
                .map_err(|e| match e {
                    FnError::Arg { detail, .. } if tmarks.sensitive => FnError::Arg { index: 0, detail },
                    e => e,
                })?;
            let v = crate::convert::convert(v, &Type::String).map_err(|e| fail(format!("invalid template result: {e}")))?;
            Ok(v.mark(marks))
        }),
        _ => None,
    }
}

/// The variables of a template function: a map or object whose keys are identifiers.
fn template_vars(v: &Value) -> Result<BTreeMap<String, Value>, FnError> {
    let vars: BTreeMap<String, Value> = match v.unmarked() {
        Value::Map(_, m) | Value::Object(m) => m.clone(),
        _ => return Err(bad(1, "invalid vars value: must be a map")),
    };
    for k in vars.keys() {
        let ok = k.chars().next().is_some_and(|c| c.is_alphabetic() || c == '_') && k.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '-');
        if !ok {
            return Err(bad(1, format!("invalid template variable name {k:?}: must start with a letter, followed by zero or more letters, digits, and underscores")));
        }
    }
    Ok(vars)
}

/// Renders a parsed template of `templatefile` or `templatestring` (`file` names its source in
/// errors). Templates cannot call template functions: `recursion` is the error for that.
fn render(tpl: &hcl_edit::template::Template, file: &str, src: &str, vars: BTreeMap<String, Value>, ctx: &EvalContext, recursion: &str) -> Result<Value, FnError> {
    // Terraform checks the template's references before rendering, as an argument error.
    for r in crate::references::template_references(tpl) {
        if !vars.contains_key(&r.root) {
            let at = source_range(file, src, r.span.start, r.span.start + r.root.len());
            return Err(bad(1, format!("vars map does not contain key {:?}, referenced at {at}", r.root)));
        }
    }
    if IN_TEMPLATE.with(|c| c.get()) {
        return Err(fail(recursion));
    }
    IN_TEMPLATE.with(|c| c.set(true));
    let r = crate::eval::eval_template(tpl, vars, ctx);
    IN_TEMPLATE.with(|c| c.set(false));
    r.map_err(|d| fail(format!("{}: {}", d.summary, d.detail)))
}

/// HCL's `file:line,col-endcol` rendering of a byte range within one line of `src`.
fn source_range(file: &str, src: &str, start: usize, end: usize) -> String {
    let pos = |off: usize| {
        let before = &src[..off.min(src.len())];
        let line = before.matches('\n').count() + 1;
        let col = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
        (line, col)
    };
    let (l1, c1) = pos(start);
    let (l2, c2) = pos(end);
    if l1 == l2 {
        format!("{file}:{l1},{c1}-{c2}")
    } else {
        format!("{file}:{l1},{c1}-{l2},{c2}")
    }
}
