//! The human plan, as Terraform 1.x prints it (with "infra" in the prose): legend, one block
//! per changed instance with an attribute-level diff, the `Plan:` summary and output changes.
//! Also the apply summary, the `Outputs:` block and HCL-ish value rendering for `show`/`output`.
//!
//! Layout: a value opened on a line at depth `d` has its entries at depth `d + 1`; an entry line
//! at depth `d` is `4d + 2` spaces, a one-character action symbol and a space; the closing
//! bracket of a value opened at depth `d` sits at `4d + 4` spaces.
//!
//! Invariant: the content of a sensitive value is never written, not even partially; only
//! equality is ever computed on it (to decide whether it changed).

use std::collections::BTreeMap;

use infra_lang::{Path, PathStep, Value};

use crate::plan::model::{Action, OutputChange, Plan, Reason, ReplaceOrder, ResourceChange};

/// How to render text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TextOptions {
    /// ANSI colours and bold.
    pub color: bool,
}

const SEPARATOR_WIDTH: usize = 77;
const SENSITIVE: &str = "(sensitive value)";
const UNKNOWN: &str = "(known after apply)";
/// Unchanged lines kept around each changed run in a multi-line string diff.
const STRING_CONTEXT: usize = 2;

// ---------------------------------------------------------------------------------------------
// Plan

/// The whole human plan for `infra plan` (drift, actions, summary, output changes).
pub fn render_plan(plan: &Plan, opts: &TextOptions) -> String {
    let st = Style { color: opts.color };
    let mut out = String::new();

    let drift: Vec<&ResourceChange> =
        plan.drift.iter().filter(|c| !matches!(c.action, Action::NoOp | Action::Read)).collect();
    if !drift.is_empty() {
        out.push('\n');
        out.push_str(&st.bold("Note: Objects have changed outside of infra"));
        out.push_str("\n\ninfra detected the following changes made outside of infra since the last \"infra apply\":\n\n");
        for c in &drift {
            out.push_str(&render_instance(c, &st, true));
            out.push('\n');
        }
        out.push_str(
            "Unless you have made equivalent changes to your configuration, or ignored the relevant attributes using ignore_changes, the following plan may include actions to undo or respond to these changes.\n\n",
        );
        out.push_str(&"─".repeat(SEPARATOR_WIDTH));
        out.push_str("\n\n");
    }

    let shown: Vec<&ResourceChange> = plan.changes.iter().filter(|c| is_shown(c)).collect();
    let outputs: Vec<&OutputChange> = {
        let mut o: Vec<&OutputChange> = plan.outputs.iter().filter(|o| o.action != Action::NoOp).collect();
        o.sort_by(|a, b| a.name.cmp(&b.name));
        o
    };

    if shown.is_empty() {
        if outputs.is_empty() {
            if plan.destroy {
                out.push_str(&st.bold("No changes."));
                out.push_str(&st.bold(" No objects need to be destroyed."));
                out.push_str("\n\nEither you have not created any objects yet or the existing objects were already deleted outside of infra.\n");
            } else {
                out.push_str(&st.bold("No changes."));
                out.push_str(&st.bold(" Your infrastructure matches the configuration."));
                out.push_str("\n\ninfra has compared your real infrastructure against your configuration and found no differences, so no changes are needed.\n");
            }
            return finish(out);
        }
        out.push_str(&render_output_changes(&outputs, &st));
        out.push_str("\nYou can apply this plan to save these new output values to the infra state, without changing any real infrastructure.\n");
        return finish(out);
    }

    out.push_str("infra used the selected providers to generate the following execution plan. Resource actions are indicated with the following symbols:\n");
    let legend: [(Action, &str, &str); 7] = [
        (Action::Create, "  +", "create"),
        (Action::Update, "  ~", "update in-place"),
        (Action::Delete, "  -", "destroy"),
        (Action::Replace(ReplaceOrder::DestroyBeforeCreate), "-/+", "destroy and then create replacement"),
        (Action::Replace(ReplaceOrder::CreateBeforeDestroy), "+/-", "create replacement and then destroy"),
        (Action::Read, " <=", "read (data resources)"),
        (Action::Forget, "  .", "forget (stop managing; the object is kept)"),
    ];
    for (action, sym, text) in legend {
        if shown.iter().any(|c| c.action == action) {
            out.push_str(&format!("{} {}\n", st.symbol(sym), text));
        }
    }
    out.push('\n');
    out.push_str(&st.bold("infra will perform the following actions:"));
    out.push_str("\n\n");
    for c in &shown {
        out.push_str(&render_instance(c, &st, false));
        out.push('\n');
    }
    let (add, change, destroy) = plan.counts();
    let (import, forget) = plan.import_forget_counts();
    out.push_str(&st.bold("Plan:"));
    let import = if import > 0 { format!(" {import} to import,") } else { String::new() };
    let forget = if forget > 0 { format!(", {forget} to forget") } else { String::new() };
    out.push_str(&format!("{import} {add} to add, {change} to change, {destroy} to destroy{forget}.\n"));
    if !outputs.is_empty() {
        out.push('\n');
        out.push_str(&render_output_changes(&outputs, &st));
    }
    finish(out)
}

/// One instance as [`render_plan`] lists it: the `# addr will be ...` comment lines and the
/// `resource "t" "n" { ... }` block, without the blank line that follows. For renderers that
/// lay out instances themselves (Markdown).
pub fn render_change(c: &ResourceChange, opts: &TextOptions) -> String {
    finish(render_instance(c, &Style { color: opts.color }, false))
}

/// One object changed outside infra (`# addr has changed`), as the drift note of
/// [`render_plan`] lists it.
pub fn render_drift(c: &ResourceChange, opts: &TextOptions) -> String {
    finish(render_instance(c, &Style { color: opts.color }, true))
}

/// The lines of the `Changes to Outputs:` block of [`render_plan`] for these outputs, in the
/// order given, without the heading.
pub fn render_output_change_lines(outputs: &[&OutputChange], opts: &TextOptions) -> String {
    let all = render_output_changes(outputs, &Style { color: opts.color });
    let lines = all.split_once('\n').map(|(_, rest)| rest).unwrap_or("");
    finish(lines.to_string())
}

/// True when the instance appears in the actions list.
pub(crate) fn is_shown(c: &ResourceChange) -> bool {
    c.action != Action::NoOp || c.importing.is_some() || c.prev_addr.as_ref().is_some_and(|p| *p != c.addr)
}

/// Removes trailing spaces from every line (empty heredoc lines would otherwise carry them).
fn finish(s: String) -> String {
    let mut out = String::with_capacity(s.len());
    for line in s.split_inclusive('\n') {
        let (body, nl) = match line.strip_suffix('\n') {
            Some(b) => (b, "\n"),
            None => (line, ""),
        };
        out.push_str(body.trim_end_matches(' '));
        out.push_str(nl);
    }
    out
}

fn render_output_changes(outputs: &[&OutputChange], st: &Style) -> String {
    let mut out = st.bold("Changes to Outputs:");
    out.push('\n');
    for o in outputs {
        let cx = Cx { st, replace_paths: &[] };
        let (b, a) = (present(&o.before), present(&o.after));
        let (sym, lines) = if o.sensitive {
            let sym = match (b, a) {
                (None, _) => '+',
                (_, None) => '-',
                _ => '~',
            };
            let text = if sym == '-' { format!("{SENSITIVE} -> null") } else { SENSITIVE.to_string() };
            (sym, vec![text])
        } else {
            match diff_pair(b, a, 0, &mut Vec::new(), &cx, false) {
                Some(r) => (r.sym, r.lines),
                None => ('~', vec!["null".to_string()]),
            }
        };
        out.push_str(&format!("  {} {} = {}\n", st.symbol(&sym.to_string()), o.name, lines[0]));
        for l in &lines[1..] {
            out.push_str(l);
            out.push('\n');
        }
    }
    out
}

/// One instance: the `#` comment lines and the `resource "t" "n" { ... }` block.
fn render_instance(c: &ResourceChange, st: &Style, drift: bool) -> String {
    let addr = c.addr.to_string();
    let moved = c.prev_addr.as_ref().filter(|p| **p != c.addr);
    let mut comments: Vec<String> = Vec::new();
    let head = |what: &str| format!("{} {what}", st.bold(&format!("  # {addr}")));
    let (sym3, header) = if drift {
        match c.action {
            Action::Delete => ("  -", head("has been deleted")),
            _ => ("  ~", head("has changed")),
        }
    } else {
        match &c.action {
            Action::NoOp => match (moved, &c.importing) {
                (Some(p), _) => ("   ", format!("{} has moved to {addr}", st.bold(&format!("  # {p}")))),
                (None, Some(_)) => ("   ", head("will be imported")),
                (None, None) => ("   ", head("has no changes")),
            },
            Action::Create => ("  +", head("will be created")),
            Action::Update => ("  ~", head("will be updated in-place")),
            Action::Delete => ("  -", head("will be destroyed")),
            Action::Read => (" <=", head("will be read during apply")),
            Action::Forget => ("  .", head("will no longer be managed by infra")),
            Action::Replace(order) => {
                let sym = match order {
                    ReplaceOrder::DestroyBeforeCreate => "-/+",
                    ReplaceOrder::CreateBeforeDestroy => "+/-",
                };
                let what = match &c.reason {
                    Some(Reason::Tainted) => "is tainted, so must be replaced",
                    Some(Reason::ReplaceTriggeredBy(_)) => "will be replaced due to changes in replace_triggered_by",
                    _ => "must be replaced",
                };
                (sym, head(what))
            }
        }
    };
    if !drift {
        match (&c.action, &c.reason) {
            (Action::Delete, Some(Reason::NoResourceConfig)) => {
                comments.push(format!("  # (because {} is not in configuration)", c.addr.resource))
            }
            (Action::Delete, Some(Reason::CountIndex)) => {
                comments.push(format!("  # (because index {} is out of range for count)", c.addr.key))
            }
            (Action::Delete, Some(Reason::EachKey)) => {
                comments.push(format!("  # (because key {} is not in for_each map)", c.addr.key))
            }
            (Action::Read, Some(Reason::ConfigUnknown)) => {
                comments.push("  # (config refers to values not yet known)".to_string())
            }
            (Action::Read, Some(Reason::DependencyPending)) => {
                comments.push("  # (depends on a resource or a module with changes pending)".to_string())
            }
            _ => {}
        }
        if let (Some(p), false) = (moved, c.action == Action::NoOp) {
            comments.push(format!("  # (moved from {p})"));
        }
        if let (Some(id), false) = (&c.importing, c.action == Action::NoOp) {
            comments.push(format!("  # (imported from {})", serde_json::Value::String(id.clone())));
        }
        if c.action == Action::Forget {
            comments.push(format!("  # (because of a removed block: the object stays, only infra forgets {addr})"));
        }
    }

    let replace_paths: &[Path] = match &c.reason {
        Some(Reason::CannotUpdate(paths)) => paths,
        _ => &[],
    };
    let cx = Cx { st, replace_paths };
    let empty = BTreeMap::new();
    let entries = |v: &Value| -> BTreeMap<String, Value> {
        match v.unmarked() {
            Value::Object(m) | Value::Map(_, m) => m.clone(),
            _ => empty.clone(),
        }
    };
    let (before, after) = match c.action {
        Action::Create | Action::Read => (empty.clone(), entries(&c.after)),
        Action::Delete | Action::Forget => (entries(&c.before), empty.clone()),
        _ => (entries(&c.before), entries(&c.after)),
    };
    let body = if c.before.marks().sensitive || c.after.marks().sensitive {
        vec![format!("{{"), format!("{}# ({SENSITIVE})", indent(8)), format!("{}}}", indent(4))]
    } else {
        diff_entries(&before, &after, true, 0, &mut Vec::new(), &cx, true)
    };
    let kind = match c.addr.resource.mode {
        crate::addrs::Mode::Managed => "resource",
        crate::addrs::Mode::Data => "data",
    };
    let mut out = header;
    out.push('\n');
    for l in comments {
        out.push_str(&l);
        out.push('\n');
    }
    out.push_str(&format!(
        "{} {kind} {} {} {}\n",
        st.symbol(sym3),
        quote(&c.addr.resource.r#type),
        quote(&c.addr.resource.name),
        body[0]
    ));
    for l in &body[1..] {
        out.push_str(l);
        out.push('\n');
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Apply summary, outputs, values

/// `Apply complete! Resources: 1 added, 0 changed, 0 destroyed.`
pub fn render_apply_summary(added: usize, changed: usize, destroyed: usize) -> String {
    format!("Apply complete! Resources: {added} added, {changed} changed, {destroyed} destroyed.\n")
}

/// The `Outputs:` block printed after apply: `name = value`, sensitive ones as `<sensitive>`.
pub fn render_outputs(outputs: &[(String, Value, bool)]) -> String {
    if outputs.is_empty() {
        return String::new();
    }
    let mut out = String::from("Outputs:\n\n");
    for (name, value, sensitive) in outputs {
        if *sensitive || value.contains_sensitive() && value.marks().sensitive {
            out.push_str(&format!("{name} = <sensitive>\n"));
        } else {
            out.push_str(&format!("{name} = {}\n", render_value(value, 0)));
        }
    }
    out
}

/// HCL-ish rendering of a value, as Terraform's console and `output` print it: `tolist([...])`,
/// `toset([...])`, `tomap({...})`, objects `{ "k" = v }`, heredocs for multi-line strings.
/// `indent` is the column of the line the value starts on; nested lines are indented from it.
pub fn render_value(v: &Value, indent_by: usize) -> String {
    if v.marks().sensitive {
        return SENSITIVE.to_string();
    }
    let pad = indent(indent_by + 2);
    let end = indent(indent_by);
    let seq = |open: &str, close: &str, vs: &[Value]| {
        if vs.is_empty() {
            return format!("{open}{close}");
        }
        let mut s = format!("{open}\n");
        for e in vs {
            s.push_str(&format!("{pad}{},\n", render_value(e, indent_by + 2)));
        }
        s.push_str(&format!("{end}{close}"));
        s
    };
    let map = |open: &str, close: &str, m: &BTreeMap<String, Value>| {
        if m.is_empty() {
            return format!("{open}{close}");
        }
        let mut s = format!("{open}\n");
        for (k, e) in m {
            s.push_str(&format!("{pad}{} = {}\n", quote(k), render_value(e, indent_by + 2)));
        }
        s.push_str(&format!("{end}{close}"));
        s
    };
    match v.unmarked() {
        Value::Null(_) => "null".to_string(),
        Value::Unknown(_) => UNKNOWN.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) if s.contains('\n') => {
            // Terraform's formatMultilineString: `<<-` when indented, a delimiter no line starts
            // with, every line (including a final empty one) indented.
            let lines: Vec<&str> = s.split('\n').collect();
            let mut delim = String::from("EOT");
            while lines.iter().any(|l| l.starts_with(&delim)) {
                delim.push('_');
            }
            let mut out = String::from(if indent_by > 0 { "<<-" } else { "<<" });
            out.push_str(&delim);
            for l in lines {
                out.push('\n');
                out.push_str(&end);
                out.push_str(l);
            }
            out.push('\n');
            out.push_str(&end);
            out.push_str(&delim);
            out
        }
        Value::String(s) => quote(s),
        Value::List(_, vs) => seq("tolist([", "])", vs),
        Value::Set(_, vs) => seq("toset([", "])", vs),
        Value::Tuple(vs) => seq("[", "]", vs),
        Value::Map(_, m) => map("tomap({", "})", m),
        Value::Object(m) => map("{", "}", m),
        Value::Marked(..) => SENSITIVE.to_string(),
    }
}

// ---------------------------------------------------------------------------------------------
// The differ

struct Style {
    color: bool,
}

impl Style {
    fn bold(&self, s: &str) -> String {
        if self.color {
            format!("\x1b[1m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }

    /// Colours each action character of a symbol (`+` green, `-` red, `~` yellow, `<=` cyan).
    fn symbol(&self, s: &str) -> String {
        if !self.color {
            return s.to_string();
        }
        let mut out = String::new();
        for ch in s.chars() {
            match ch {
                '+' => out.push_str("\x1b[32m+\x1b[0m"),
                '-' => out.push_str("\x1b[31m-\x1b[0m"),
                '~' => out.push_str("\x1b[33m~\x1b[0m"),
                '<' | '=' => out.push_str(&format!("\x1b[36m{ch}\x1b[0m")),
                c => out.push(c),
            }
        }
        out
    }
}

struct Cx<'a> {
    st: &'a Style,
    replace_paths: &'a [Path],
}

impl Cx<'_> {
    fn forces(&self, path: &[PathStep]) -> bool {
        self.replace_paths.iter().any(|p| {
            p.len() == path.len()
                && p.iter().zip(path).all(|(x, y)| match (x, y) {
                    (PathStep::Attr(a) | PathStep::Key(a), PathStep::Attr(b) | PathStep::Key(b)) => a == b,
                    (PathStep::Index(a), PathStep::Index(b)) => a == b,
                    _ => false,
                })
        })
    }
    fn prefix(&self, d: usize, sym: char) -> String {
        format!("{}{} ", indent(4 * d + 2), self.st.symbol(&sym.to_string()))
    }
}

/// A rendered value: its action symbol and lines (the first continues the `key = ` line).
struct Rendered {
    sym: char,
    lines: Vec<String>,
}

fn indent(n: usize) -> String {
    " ".repeat(n)
}

fn close(d: usize) -> String {
    indent(4 * d + 4)
}

fn hidden(d: usize, n: usize, noun: &str) -> String {
    let s = if n == 1 { "" } else { "s" };
    format!("{}# ({n} unchanged {noun}{s} hidden)", indent(4 * d + 8))
}

/// `None` for null (absent) values, which the diff treats alike.
fn present(v: &Value) -> Option<&Value> {
    if v.is_null() {
        None
    } else {
        Some(v)
    }
}

fn is_unknown(v: &Value) -> bool {
    matches!(v.unmarked(), Value::Unknown(_))
}

/// Attributes always shown in an updated resource, even when unchanged (as Terraform does).
fn important(key: &str) -> bool {
    matches!(key, "id" | "name" | "tags")
}

/// A JSON object or array held in a string, parsed into a value.
fn json_string(s: &str) -> Option<Value> {
    let t = s.trim_start();
    if !(t.starts_with('{') || t.starts_with('[')) {
        return None;
    }
    let j: serde_json::Value = serde_json::from_str(s).ok()?;
    Value::from_json(&j, &infra_lang::Type::Dynamic).ok()
}

/// Lines of a multi-line string (a trailing newline does not make an extra empty line).
fn string_lines(s: &str) -> Vec<&str> {
    let mut v: Vec<&str> = s.split('\n').collect();
    if v.len() > 1 && v.last() == Some(&"") {
        v.pop();
    }
    v
}

/// The diff of one place: `b` before, `a` after (`None` = null). `d` is the depth of the line
/// the value starts on. `in_seq`: elements of lists and sets take no `-> null`.
fn diff_pair(b: Option<&Value>, a: Option<&Value>, d: usize, path: &mut Path, cx: &Cx, in_seq: bool) -> Option<Rendered> {
    let (b, a) = match (b, a) {
        (None, None) => return None,
        (None, Some(a)) => return Some(Rendered { sym: '+', lines: render_full(a, '+', d, cx) }),
        (Some(b), None) => {
            let mut lines = render_full(b, '-', d, cx);
            if !in_seq {
                lines.last_mut().expect("rendered values have a line").push_str(" -> null");
            }
            return Some(Rendered { sym: '-', lines });
        }
        (Some(b), Some(a)) => (b, a),
    };
    if b == a {
        return Some(Rendered { sym: ' ', lines: render_full(a, ' ', d, cx) });
    }
    if b.marks().sensitive || a.marks().sensitive {
        return Some(Rendered { sym: '~', lines: vec![SENSITIVE.to_string()] });
    }
    if is_unknown(a) {
        let mut lines = if is_unknown(b) { vec![UNKNOWN.to_string()] } else { render_full(b, '-', d, cx) };
        lines.last_mut().expect("rendered values have a line").push_str(&format!(" -> {UNKNOWN}"));
        return Some(Rendered { sym: '~', lines });
    }
    let lines = match (b.unmarked(), a.unmarked()) {
        (Value::String(x), Value::String(y)) => {
            if let (Some(jx), Some(jy)) = (json_string(x), json_string(y)) {
                let inner = diff_pair(Some(&jx), Some(&jy), d + 1, &mut Vec::new(), &Cx { st: cx.st, replace_paths: &[] }, true);
                let inner = inner.unwrap_or(Rendered { sym: ' ', lines: vec!["null".into()] });
                let mut lines = vec!["jsonencode(".to_string()];
                lines.push(format!("{}{}", cx.prefix(d + 1, inner.sym), inner.lines[0]));
                lines.extend(inner.lines[1..].iter().cloned());
                lines.push(format!("{})", close(d)));
                lines
            } else if x.contains('\n') || y.contains('\n') {
                diff_heredoc(x, y, d, cx)
            } else {
                vec![format!("{} -> {}", quote(x), quote(y))]
            }
        }
        (Value::Map(_, x), Value::Map(_, y)) => diff_entries(x, y, false, d, path, cx, false),
        (Value::Object(x), Value::Object(y)) => diff_entries(x, y, true, d, path, cx, false),
        (Value::Set(_, x), Value::Set(_, y)) => diff_seq(x, y, true, d, path, cx),
        (Value::List(_, x) | Value::Tuple(x), Value::List(_, y) | Value::Tuple(y)) => diff_seq(x, y, false, d, path, cx),
        _ => {
            let mut lines = render_full(b, ' ', d, cx);
            let after = render_full(a, ' ', d, cx);
            lines.last_mut().expect("rendered values have a line").push_str(&format!(" -> {}", after[0]));
            lines.extend(after[1..].iter().cloned());
            lines
        }
    };
    Some(Rendered { sym: '~', lines })
}

/// A value shown whole, every entry with the same symbol (`+` created, `-` destroyed, ` ` kept).
fn render_full(v: &Value, sym: char, d: usize, cx: &Cx) -> Vec<String> {
    if v.marks().sensitive {
        return vec![SENSITIVE.to_string()];
    }
    match v.unmarked() {
        Value::Null(_) => vec!["null".to_string()],
        Value::Unknown(_) => vec![UNKNOWN.to_string()],
        Value::Bool(b) => vec![b.to_string()],
        Value::Number(n) => vec![n.to_string()],
        Value::String(s) => {
            if let Some(j) = json_string(s) {
                let inner = render_full(&j, sym, d + 1, cx);
                let mut lines = vec!["jsonencode(".to_string()];
                lines.push(format!("{}{}", cx.prefix(d + 1, ' '), inner[0]));
                lines.extend(inner[1..].iter().cloned());
                lines.push(format!("{})", close(d)));
                lines
            } else if s.contains('\n') {
                let mut lines = vec!["<<-EOT".to_string()];
                for l in string_lines(s) {
                    lines.push(format!("{}{l}", indent(4 * d + 8)));
                }
                lines.push(format!("{}EOT", close(d)));
                lines
            } else {
                vec![quote(s)]
            }
        }
        Value::List(_, vs) | Value::Set(_, vs) | Value::Tuple(vs) => {
            if vs.is_empty() {
                return vec!["[]".to_string()];
            }
            let mut lines = vec!["[".to_string()];
            for e in vs {
                let inner = render_full(e, sym, d + 1, cx);
                push_entry(&mut lines, cx.prefix(d + 1, sym), inner, ",");
            }
            lines.push(format!("{}]", close(d)));
            lines
        }
        Value::Map(_, m) | Value::Object(m) => {
            let is_obj = matches!(v.unmarked(), Value::Object(_));
            // Null attributes of objects are left out (as Terraform omits them on create).
            let shown: Vec<(&String, &Value)> = m.iter().filter(|(_, e)| !(is_obj && e.is_null())).collect();
            if shown.is_empty() {
                return vec!["{}".to_string()];
            }
            let width = shown.iter().map(|(k, _)| key_text(k, is_obj).chars().count()).max().unwrap_or(0);
            let mut lines = vec!["{".to_string()];
            for (k, e) in shown {
                let inner = render_full(e, sym, d + 1, cx);
                let prefix = format!("{}{} = ", cx.prefix(d + 1, sym), pad_key(&key_text(k, is_obj), width));
                push_entry(&mut lines, prefix, inner, "");
            }
            lines.push(format!("{}}}", close(d)));
            lines
        }
        Value::Marked(..) => vec![SENSITIVE.to_string()],
    }
}

fn push_entry(lines: &mut Vec<String>, prefix: String, inner: Vec<String>, suffix: &str) {
    let n = inner.len();
    for (i, l) in inner.into_iter().enumerate() {
        let mut l = if i == 0 { format!("{prefix}{l}") } else { l };
        if i + 1 == n {
            l.push_str(suffix);
        }
        lines.push(l);
    }
}

fn key_text(k: &str, is_obj: bool) -> String {
    if is_obj && is_identifier(k) {
        k.to_string()
    } else {
        quote(k)
    }
}

fn pad_key(k: &str, width: usize) -> String {
    let n = k.chars().count();
    format!("{k}{}", indent(width.saturating_sub(n)))
}

fn is_identifier(s: &str) -> bool {
    let mut cs = s.chars();
    matches!(cs.next(), Some(c) if c.is_alphabetic() || c == '_') && cs.all(|c| c.is_alphanumeric() || c == '_' || c == '-')
}

/// Maps and objects key by key; unchanged entries are counted in one `# (N unchanged ...)` line.
/// `top`: the attributes of a resource (where `id`, `name` and `tags` are always shown).
fn diff_entries(
    b: &BTreeMap<String, Value>,
    a: &BTreeMap<String, Value>,
    is_obj: bool,
    d: usize,
    path: &mut Path,
    cx: &Cx,
    top: bool,
) -> Vec<String> {
    let mut keys: Vec<&String> = b.keys().chain(a.keys()).collect();
    keys.sort();
    keys.dedup();
    let keys: Vec<&String> = keys
        .into_iter()
        .filter(|k| b.get(*k).and_then(present).is_some() || a.get(*k).and_then(present).is_some())
        .collect();
    let width = keys.iter().map(|k| key_text(k, is_obj).chars().count()).max().unwrap_or(0);
    let mut lines = vec!["{".to_string()];
    let mut unchanged = 0;
    for k in keys {
        path.push(if is_obj { PathStep::Attr(k.clone()) } else { PathStep::Key(k.clone()) });
        let r = diff_pair(b.get(k).and_then(present), a.get(k).and_then(present), d + 1, path, cx, false);
        let forces = cx.forces(path);
        path.pop();
        let Some(mut r) = r else { continue };
        if r.sym == ' ' && !(top && important(k)) {
            unchanged += 1;
            continue;
        }
        if forces {
            r.lines[0].push_str(" # forces replacement");
        }
        let prefix = format!("{}{} = ", cx.prefix(d + 1, r.sym), pad_key(&key_text(k, is_obj), width));
        push_entry(&mut lines, prefix, r.lines, "");
    }
    if unchanged > 0 {
        lines.push(hidden(d, unchanged, if is_obj { "attribute" } else { "element" }));
    }
    lines.push(format!("{}}}", close(d)));
    lines
}

/// Lists and tuples element by element (Myers diff over the elements), one unchanged element of
/// context around each change; sets as removed and added elements.
fn diff_seq(b: &[Value], a: &[Value], set: bool, d: usize, path: &mut Path, cx: &Cx) -> Vec<String> {
    // (symbol, lines); symbol ' ' = unchanged.
    let mut items: Vec<Rendered> = Vec::new();
    let mut push = |r: Option<Rendered>| {
        if let Some(r) = r {
            items.push(r)
        }
    };
    if set {
        for e in b.iter().filter(|e| !a.contains(e)) {
            push(diff_pair(Some(e), None, d + 1, path, cx, true));
        }
        for e in a {
            let sym = if b.contains(e) { ' ' } else { '+' };
            push(Some(Rendered { sym, lines: render_full(e, sym, d + 1, cx) }));
        }
    } else {
        // Equality keys only: never printed.
        let bk: Vec<String> = b.iter().map(|v| format!("{v:?}")).collect();
        let ak: Vec<String> = a.iter().map(|v| format!("{v:?}")).collect();
        for op in similar::capture_diff_slices(similar::Algorithm::Myers, &bk, &ak) {
            match op {
                similar::DiffOp::Equal { old_index, len, .. } => {
                    for e in &b[old_index..old_index + len] {
                        push(Some(Rendered { sym: ' ', lines: render_full(e, ' ', d + 1, cx) }));
                    }
                }
                similar::DiffOp::Delete { old_index, old_len, .. } => {
                    for e in &b[old_index..old_index + old_len] {
                        push(diff_pair(present(e), None, d + 1, path, cx, true));
                    }
                }
                similar::DiffOp::Insert { new_index, new_len, .. } => {
                    for e in &a[new_index..new_index + new_len] {
                        push(diff_pair(None, present(e), d + 1, path, cx, true));
                    }
                }
                similar::DiffOp::Replace { old_index, old_len, new_index, new_len } => {
                    let olds = &b[old_index..old_index + old_len];
                    let news = &a[new_index..new_index + new_len];
                    let structural = |v: &Value| v.unmarked().as_entries().is_some() && !v.marks().sensitive;
                    if old_len == new_len && olds.iter().chain(news).all(structural) {
                        for (i, (x, y)) in olds.iter().zip(news).enumerate() {
                            path.push(PathStep::Index((new_index + i) as i64));
                            push(diff_pair(present(x), present(y), d + 1, path, cx, true));
                            path.pop();
                        }
                    } else if olds.iter().any(|v| identity(v).is_some()) && news.iter().any(|v| identity(v).is_some()) {
                        // Objects with an identity (a rule's `id` or `ref`): an edited element is
                        // shown as edited even when elements were also inserted or removed.
                        let matched: Vec<Option<usize>> = news.iter().map(|n| identity(n).and_then(|id| olds.iter().position(|o| identity(o).as_ref() == Some(&id)))).collect();
                        for (j, e) in olds.iter().enumerate() {
                            if !matched.contains(&Some(j)) {
                                push(diff_pair(present(e), None, d + 1, path, cx, true));
                            }
                        }
                        for (i, (e, m)) in news.iter().zip(&matched).enumerate() {
                            match m {
                                Some(j) => {
                                    path.push(PathStep::Index((new_index + i) as i64));
                                    push(diff_pair(present(&olds[*j]), present(e), d + 1, path, cx, true));
                                    path.pop();
                                }
                                None => push(diff_pair(None, present(e), d + 1, path, cx, true)),
                            }
                        }
                    } else {
                        for e in olds {
                            push(diff_pair(present(e), None, d + 1, path, cx, true));
                        }
                        for e in news {
                            push(diff_pair(None, present(e), d + 1, path, cx, true));
                        }
                    }
                }
            }
        }
    }
    let changed: Vec<bool> = items.iter().map(|r| r.sym != ' ').collect();
    let mut lines = vec!["[".to_string()];
    let mut unchanged = 0;
    for (i, r) in items.into_iter().enumerate() {
        let near_change = !set && ((i > 0 && changed[i - 1]) || changed.get(i + 1).copied().unwrap_or(false));
        if r.sym == ' ' && !near_change {
            unchanged += 1;
            continue;
        }
        if unchanged > 0 {
            lines.push(hidden(d, unchanged, "element"));
            unchanged = 0;
        }
        push_entry(&mut lines, cx.prefix(d + 1, r.sym), r.lines, ",");
    }
    if unchanged > 0 {
        lines.push(hidden(d, unchanged, "element"));
    }
    lines.push(format!("{}]", close(d)));
    lines
}

/// The identity of a list element that is an object with a known, non-null, non-sensitive
/// `id` or `ref` attribute (ruleset rules): `None` otherwise, and for elements not yet created.
fn identity(v: &Value) -> Option<(&'static str, String)> {
    let m = v.unmarked().as_entries()?;
    ["id", "ref"].into_iter().find_map(|k| {
        let x = m.get(k)?;
        if x.marks().sensitive {
            return None;
        }
        x.unmarked().as_str().map(|s| (k, s.to_string()))
    })
}

/// A multi-line string diffed line by line; unchanged runs beyond the context are collapsed.
fn diff_heredoc(x: &str, y: &str, d: usize, cx: &Cx) -> Vec<String> {
    let old = string_lines(x);
    let new = string_lines(y);
    let diff = similar::TextDiff::configure().algorithm(similar::Algorithm::Myers).diff_slices(&old, &new);
    let mut lines = vec!["<<-EOT".to_string()];
    let groups = diff.grouped_ops(STRING_CONTEXT);
    let mut shown_until = 0; // old-line index up to which lines are accounted for
    for group in &groups {
        let first = group.first().map(|op| op.old_range().start).unwrap_or(0);
        if first > shown_until {
            lines.push(hidden(d, first - shown_until, "line"));
        }
        for op in group {
            for change in diff.iter_changes(op) {
                let sym = match change.tag() {
                    similar::ChangeTag::Equal => ' ',
                    similar::ChangeTag::Delete => '-',
                    similar::ChangeTag::Insert => '+',
                };
                lines.push(format!("{}{}", cx.prefix(d + 1, sym), change.value()));
            }
        }
        shown_until = group.last().map(|op| op.old_range().end).unwrap_or(shown_until);
    }
    if old.len() > shown_until {
        lines.push(hidden(d, old.len() - shown_until, "line"));
    }
    lines.push(format!("{}EOT", close(d)));
    lines
}

/// A string literal as Terraform prints it (Go's `%q`: `\"`, `\\`, `\n`, `\t`, other control
/// characters as `\x..`/`\u....`; printable Unicode kept).
pub(crate) fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
