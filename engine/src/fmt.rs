//! `infra fmt`: rewrites configuration files in Terraform's canonical style,
//! byte for byte what `terraform fmt` (1.0.x, hclwrite 2.10) writes.
//!
//! The pipeline follows Terraform's own:
//! 1. hcl-edit parses the file; a syntax error stops here (`FmtError`).
//! 2. The parsed body tells us where attribute values and block labels are
//!    (hcl-edit spans). Terraform's `fmt` rewrites a few of them: a value that
//!    is a single interpolation (`"${x}"`) is unwrapped to `x`, legacy
//!    `variable` types (`"string"`, `list`) become type expressions, and block
//!    labels are always quoted.
//! 3. The source is scanned into hclsyntax-like tokens (`lex`) and only the
//!    whitespace between tokens is recomputed, line by line, exactly as
//!    hclwrite's `format` does: indentation from bracket nesting, spacing
//!    rules between token pairs, and vertical alignment of `=` and trailing
//!    comments across consecutive lines.
//!
//! Comments, blank lines and heredoc/string contents are never altered.
//! Architecture invariant: formatting changes whitespace only, apart from the
//! three rewrites in step 2, so `format_source` is idempotent.

mod lex;

use std::ops::Range;
use std::path::{Path, PathBuf};

use hcl_edit::structure::{BlockLabel, Body, Structure};
use hcl_edit::Span;
use lex::{Kind, Token};

/// A syntax error in the input: nothing is formatted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{line}:{column}: {message}")]
pub struct FmtError {
    /// One-based line of the error.
    pub line: usize,
    /// One-based column of the error.
    pub column: usize,
    /// What the parser expected or found.
    pub message: String,
}

/// Formats one file's text in Terraform's canonical style.
///
/// # Errors
/// Returns [`FmtError`] when `text` is not valid HCL native syntax.
pub fn format_source(text: &str) -> Result<String, FmtError> {
    // Like hclsyntax, ignore a UTF-8 byte order mark; it is not written back.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let body = hcl_edit::parser::parse_body(text).map_err(|e| FmtError {
        line: e.location().line(),
        column: e.location().column(),
        message: e.message().to_string(),
    })?;
    let tokens = lex::lex(text);
    check_legacy_index(text, &tokens)?;
    let mut edits = Vec::new();
    collect_edits(&body, 0, false, &mut edits);
    let tokens = apply_edits(tokens, edits);
    Ok(render(tokens))
}

/// Terraform's parser rejects chained legacy indexes (`a.1.0`), which hcl-edit accepts; the
/// configuration loader uses this to do the same.
pub fn legacy_index_error(text: &str) -> Option<FmtError> {
    check_legacy_index(text, &lex::lex(text)).err()
}

/// hclsyntax rejects chained legacy indexes (`a.1.0`), which hcl-edit accepts.
fn check_legacy_index(text: &str, tokens: &[Token]) -> Result<(), FmtError> {
    for pair in tokens.windows(2) {
        if pair[0].kind == Kind::Dot && pair[1].kind == Kind::NumberLit && pair[1].text.contains('.') {
            let before = &text[..pair[1].start];
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            return Err(FmtError {
                line,
                column,
                message: "invalid legacy index syntax: chaining two indexes (like .1.0) is not permitted; use [1][0]"
                    .to_string(),
            });
        }
    }
    Ok(())
}

/// Formats an already-scanned token sequence and writes it out.
fn render(mut tokens: Vec<Token>) -> String {
    let mut lines = lines_for_format(&tokens);
    format_indent(&mut tokens, &mut lines);
    format_spaces(&mut tokens, &lines);
    format_cells(&mut tokens, &lines);
    let mut out = String::with_capacity(tokens.iter().map(|t| t.text.len() + t.spaces_before).sum());
    for t in &tokens {
        out.extend(std::iter::repeat_n(' ', t.spaces_before));
        out.push_str(&t.text);
    }
    out
}

// ---------------------------------------------------------------------------
// Terraform's rewrites (internal/command/fmt.go: formatBody)
// ---------------------------------------------------------------------------

enum Edit {
    /// An attribute value: unwrap a lone `"${...}"`.
    Value(Range<usize>),
    /// `type` in a top-level `variable` block: normalise legacy types.
    VariableType(Range<usize>),
    /// All labels of a block: re-emit as quoted strings.
    Labels(Vec<(Range<usize>, Option<String>)>),
}

fn collect_edits(body: &Body, depth: usize, in_variable: bool, edits: &mut Vec<Edit>) {
    for structure in body.iter() {
        match structure {
            Structure::Attribute(attr) => {
                let Some(span) = attr.value.span() else { continue };
                if depth == 1 && in_variable && attr.key.as_str() == "type" {
                    edits.push(Edit::VariableType(span));
                } else {
                    edits.push(Edit::Value(span));
                }
            }
            Structure::Block(block) => {
                let labels: Vec<_> = block
                    .labels
                    .iter()
                    .filter_map(|l| {
                        let value = match l {
                            BlockLabel::Ident(i) => i.as_str().to_string(),
                            BlockLabel::String(s) => s.as_str().to_string(),
                        };
                        l.span().map(|s| (s, Some(value)))
                    })
                    .collect();
                if !labels.is_empty() {
                    edits.push(Edit::Labels(labels));
                }
                collect_edits(&block.body, depth + 1, depth == 0 && block.ident.as_str() == "variable", edits);
            }
        }
    }
}

/// Indices of the tokens lying within `span`.
fn token_range(tokens: &[Token], span: &Range<usize>) -> Range<usize> {
    let start = tokens.partition_point(|t| t.start < span.start);
    let mut end = start;
    while end < tokens.len() && tokens[end].kind != Kind::Eof && tokens[end].end <= span.end {
        end += 1;
    }
    start..end
}

fn apply_edits(tokens: Vec<Token>, edits: Vec<Edit>) -> Vec<Token> {
    let mut replacements: Vec<(Range<usize>, Vec<Token>)> = Vec::new();
    for edit in edits {
        match edit {
            Edit::Value(span) => {
                let r = token_range(&tokens, &span);
                if let Some(new) = unwrap_interpolation(&tokens[r.clone()]) {
                    replacements.push((r, new));
                }
            }
            Edit::VariableType(span) => {
                let r = token_range(&tokens, &span);
                if let Some(new) = legacy_type(&tokens[r.clone()]) {
                    replacements.push((r, new));
                }
            }
            Edit::Labels(labels) => {
                let (Some(first), Some(last)) = (labels.first(), labels.last()) else { continue };
                let whole = token_range(&tokens, &(first.0.start..last.0.end));
                let mut new = Vec::new();
                for (span, value) in &labels {
                    let r = token_range(&tokens, span);
                    let kinds: Vec<Kind> = tokens[r.clone()].iter().map(|t| t.kind).collect();
                    let value = match kinds.as_slice() {
                        [Kind::Ident] => Some(tokens[r.start].text.clone()),
                        [Kind::OQuote, Kind::QuotedLit, Kind::CQuote] => value.clone(),
                        [Kind::OQuote, Kind::CQuote] => Some(String::new()),
                        // hclwrite drops labels it cannot read back as one literal.
                        _ => None,
                    };
                    if let Some(v) = value {
                        new.push(Token::synth(Kind::OQuote, "\""));
                        new.push(Token::synth(Kind::QuotedLit, &escape_quoted(&v)));
                        new.push(Token::synth(Kind::CQuote, "\""));
                    }
                }
                let same = new.len() == whole.len()
                    && new.iter().zip(&tokens[whole.clone()]).all(|(a, b)| a.kind == b.kind && a.text == b.text);
                if !same {
                    replacements.push((whole, new));
                }
            }
        }
    }
    if replacements.is_empty() {
        return tokens;
    }
    replacements.sort_by_key(|(r, _)| r.start);
    let mut out = Vec::with_capacity(tokens.len());
    let mut iter = tokens.into_iter().enumerate().peekable();
    let mut reps = replacements.into_iter().peekable();
    while let Some((i, tok)) = iter.next() {
        match reps.peek() {
            Some((r, _)) if r.start == i => {
                let (r, new) = reps.next().expect("peeked");
                out.extend(new);
                if r.end > r.start + 1 {
                    while iter.peek().is_some_and(|(j, _)| *j < r.end) {
                        iter.next();
                    }
                } else if r.is_empty() {
                    out.push(tok);
                }
            }
            _ => out.push(tok),
        }
    }
    out
}

/// hclwrite's `escapeQuotedStringLit`.
fn escape_quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '$' | '%' => {
                out.push(c);
                if chars.peek() == Some(&'{') {
                    out.push(c);
                }
            }
            c if c.is_control() => {
                let n = c as u32;
                if n < 0x10000 {
                    out.push_str(&format!("\\u{n:04x}"));
                } else {
                    out.push_str(&format!("\\U{n:08x}"));
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// Terraform's `formatValueExpr`: `"${expr}"` becomes `expr`.
fn unwrap_interpolation(tokens: &[Token]) -> Option<Vec<Token>> {
    let n = tokens.len();
    if n < 5
        || tokens[0].kind != Kind::OQuote
        || tokens[1].kind != Kind::TemplateInterp
        || tokens[n - 2].kind != Kind::TemplateSeqEnd
        || tokens[n - 1].kind != Kind::CQuote
    {
        return None;
    }
    let inside = &tokens[2..n - 2];
    let mut quotes = 0i32;
    for t in inside {
        match t.kind {
            Kind::OQuote => quotes += 1,
            Kind::CQuote => quotes -= 1,
            _ if quotes > 0 => {}
            Kind::TemplateInterp | Kind::TemplateSeqEnd | Kind::QuotedLit => return None,
            _ => {}
        }
    }
    let start = inside.iter().position(|t| t.kind != Kind::Newline).unwrap_or(inside.len());
    let end = inside.iter().rposition(|t| t.kind != Kind::Newline).map_or(start, |i| i + 1);
    let trimmed = &inside[start..end.max(start)];
    let mut multi = false;
    let mut lead_paren = false;
    let mut trail_paren = false;
    for (i, t) in trimmed.iter().enumerate() {
        if i == 0 && t.kind == Kind::OParen {
            lead_paren = true;
        } else if t.kind == Kind::Newline {
            multi = true;
        } else if i == trimmed.len() - 1 && t.kind == Kind::CParen {
            trail_paren = true;
        }
    }
    let mut out = Vec::with_capacity(trimmed.len() + 2);
    let wrap = multi && !(lead_paren && trail_paren);
    if wrap {
        out.push(Token::synth(Kind::OParen, "("));
    }
    out.extend(trimmed.iter().cloned());
    if wrap {
        out.push(Token::synth(Kind::CParen, ")"));
    }
    Some(out)
}

/// Terraform's `formatTypeExpr` for `variable` blocks.
fn legacy_type(tokens: &[Token]) -> Option<Vec<Token>> {
    let call = |name: &str, arg: &str| {
        vec![
            Token::synth(Kind::Ident, name),
            Token::synth(Kind::OParen, "("),
            Token::synth(Kind::Ident, arg),
            Token::synth(Kind::CParen, ")"),
        ]
    };
    match tokens {
        [kw] if kw.kind == Kind::Ident && matches!(kw.text.as_str(), "list" | "map" | "set") => {
            Some(call(&kw.text, "any"))
        }
        [o, s, c] if o.kind == Kind::OQuote && s.kind == Kind::QuotedLit && c.kind == Kind::CQuote => {
            match s.text.as_str() {
                "string" => Some(vec![Token::synth(Kind::Ident, "string")]),
                "list" | "map" => Some(call(&s.text, "string")),
                _ => None,
            }
        }
        _ => None,
    }
}

// ---------------------------------------------------------------------------
// hclwrite's format (hclwrite/format.go at hcl v2.10.1)
// ---------------------------------------------------------------------------

/// A line split into cells: everything before `=`, the `=` and its value,
/// and a trailing comment. Ranges index the token vector.
#[derive(Default)]
struct Line {
    lead: Range<usize>,
    assign: Option<Range<usize>>,
    comment: Option<Range<usize>>,
}

fn is_newline(t: &Token) -> bool {
    t.kind == Kind::Newline || (t.kind == Kind::Comment && t.text.ends_with('\n'))
}

fn bracket_change(t: &Token) -> i32 {
    match t.kind {
        Kind::OBrace | Kind::OBrack | Kind::OParen | Kind::TemplateControl | Kind::TemplateInterp => 1,
        Kind::CBrace | Kind::CBrack | Kind::CParen | Kind::TemplateSeqEnd => -1,
        _ => 0,
    }
}

fn lines_for_format(tokens: &[Token]) -> Vec<Line> {
    let mut lines = Vec::new();
    let mut start = 0;
    for (i, t) in tokens.iter().enumerate() {
        if t.kind == Kind::Eof {
            lines.push(Line { lead: start..i, ..Line::default() });
            start = usize::MAX;
            break;
        }
        if is_newline(t) {
            lines.push(Line { lead: start..i + 1, ..Line::default() });
            start = i + 1;
        }
    }
    if start != usize::MAX && start < tokens.len() {
        lines.push(Line { lead: start..tokens.len(), ..Line::default() });
    }
    for line in &mut lines {
        if line.lead.is_empty() {
            continue;
        }
        if line.lead.len() > 1 && tokens[line.lead.end - 1].kind == Kind::Comment {
            line.comment = Some(line.lead.end - 1..line.lead.end);
            line.lead.end -= 1;
        }
        for i in line.lead.clone() {
            if i > line.lead.start && tokens[i].kind == Kind::Equal {
                let net: i32 = tokens[i..line.lead.end].iter().map(bracket_change).sum();
                if net == 0 {
                    line.assign = Some(i..line.lead.end);
                    line.lead.end = i;
                }
                break;
            }
        }
    }
    lines
}

fn format_indent(tokens: &mut [Token], lines: &mut [Line]) {
    let mut indents: Vec<i32> = Vec::new();
    for line in lines.iter() {
        if line.lead.is_empty() {
            continue;
        }
        let first = line.lead.start;
        if tokens[first].kind == Kind::Newline {
            tokens[first].spaces_before = 0;
            continue;
        }
        let mut net = 0;
        for t in &tokens[line.lead.clone()] {
            net += bracket_change(t);
            if t.kind == Kind::OHeredoc {
                break;
            }
        }
        if let Some(a) = &line.assign {
            net += tokens[a.clone()].iter().map(bracket_change).sum::<i32>();
        }
        if net > 0 {
            tokens[first].spaces_before = 2 * indents.len();
            indents.push(net);
        } else {
            if net < 0 {
                let mut closed = -net;
                while closed > 0 {
                    let Some(top) = indents.last_mut() else { break };
                    if closed > *top {
                        closed -= *top;
                        indents.pop();
                    } else if closed < *top {
                        *top -= closed;
                        closed = 0;
                    } else {
                        indents.pop();
                        closed = 0;
                    }
                }
            }
            tokens[first].spaces_before = 2 * indents.len();
        }
    }
}

fn format_spaces(tokens: &mut [Token], lines: &[Line]) {
    for line in lines {
        space_cell(tokens, line.lead.clone());
        if let Some(a) = &line.assign {
            tokens[a.start].spaces_before = 1;
            space_cell(tokens, a.clone());
        }
    }
}

fn space_cell(tokens: &mut [Token], cell: Range<usize>) {
    for i in cell.clone() {
        if i + 1 >= cell.end {
            break;
        }
        let before = if i > cell.start { Some(&tokens[i - 1]) } else { None };
        let space = space_after(&tokens[i], before, &tokens[i + 1]);
        tokens[i + 1].spaces_before = usize::from(space);
    }
}

/// hclwrite's `spaceAfterToken`; `before` is `None` at the start of a cell.
fn space_after(subject: &Token, before: Option<&Token>, after: &Token) -> bool {
    use self::lex::Kind::*;
    let s = subject.kind;
    let a = after.kind;
    let b = before.map_or(Nil, |t| t.kind);
    if a == Newline || a == Nil {
        return false;
    }
    if s == Ident && a == OParen {
        return false;
    }
    if s == Dot || a == Dot {
        return false;
    }
    // hclwrite: no spaces around the `::` of a namespaced function name.
    if s == DoubleColon || a == DoubleColon {
        return false;
    }
    if a == Comma || a == Ellipsis {
        return false;
    }
    if s == Comma {
        return true;
    }
    if matches!(s, QuotedLit | StringLit | OQuote | OHeredoc) || matches!(a, QuotedLit | StringLit | CQuote | CHeredoc)
    {
        return false;
    }
    if s == Ident && subject.text == "in" && b == Ident {
        return true;
    }
    if a == OBrack && (s == Ident || s == NumberLit || bracket_change(subject) < 0) {
        return false;
    }
    if s == Bang {
        return false;
    }
    if s == Minus {
        return !matches!(
            b,
            Nil | OParen
                | OBrace
                | OBrack
                | Equal
                | Colon
                | Comma
                | Question
                | Plus
                | Star
                | Slash
                | Percent
                | Minus
                | EqualOp
                | NotEqual
                | GreaterThan
                | GreaterThanEq
                | LessThan
                | LessThanEq
                | And
                | Or
                | Bang
        );
    }
    if s == OBrace || a == CBrace {
        return !(s == OBrace && a == CBrace);
    }
    if matches!(s, TemplateInterp | TemplateControl) && a == OBrace {
        return true;
    }
    if s == CBrace && a == TemplateSeqEnd {
        return true;
    }
    if s == TemplateSeqEnd && matches!(a, TemplateInterp | TemplateControl) {
        return false;
    }
    if bracket_change(subject) > 0 {
        return false;
    }
    if bracket_change(after) < 0 {
        return false;
    }
    true
}

/// hclwrite's `Tokens.Columns`: spaces plus grapheme clusters (approximated
/// as characters, with `\r\n` counted once).
fn columns(tokens: &[Token], cell: &Range<usize>) -> usize {
    tokens[cell.clone()].iter().map(|t| t.spaces_before + t.text.chars().count() - t.text.matches("\r\n").count()).sum()
}

fn format_cells(tokens: &mut [Token], lines: &[Line]) {
    // Align the `=` of consecutive lines that have an assign cell.
    let mut chain: Vec<usize> = Vec::new();
    let mut max = 0;
    let close_assign = |tokens: &mut [Token], chain: &mut Vec<usize>, max: &mut usize| {
        for &li in chain.iter() {
            let cols = columns(tokens, &lines[li].lead);
            let a = lines[li].assign.as_ref().expect("assign chain").start;
            tokens[a].spaces_before = *max - cols + 1;
        }
        chain.clear();
        *max = 0;
    };
    for (i, line) in lines.iter().enumerate() {
        if line.assign.is_none() {
            if !chain.is_empty() {
                close_assign(tokens, &mut chain, &mut max);
            }
        } else {
            chain.push(i);
            max = max.max(columns(tokens, &line.lead));
        }
    }
    close_assign(tokens, &mut chain, &mut max);

    // Then the trailing comments of consecutive lines.
    let width = |tokens: &[Token], line: &Line| {
        columns(tokens, &line.lead) + line.assign.as_ref().map_or(0, |a| columns(tokens, a))
    };
    let close_comment = |tokens: &mut [Token], chain: &mut Vec<usize>, max: &mut usize| {
        for &li in chain.iter() {
            let cols = width(tokens, &lines[li]);
            let c = lines[li].comment.as_ref().expect("comment chain").start;
            tokens[c].spaces_before = *max - cols + 1;
        }
        chain.clear();
        *max = 0;
    };
    for (i, line) in lines.iter().enumerate() {
        if line.comment.is_none() {
            if !chain.is_empty() {
                close_comment(tokens, &mut chain, &mut max);
            }
        } else {
            chain.push(i);
            max = max.max(width(tokens, line));
        }
    }
    close_comment(tokens, &mut chain, &mut max);
}

// ---------------------------------------------------------------------------
// Driver
// ---------------------------------------------------------------------------

/// What `infra fmt` should do with each file (Terraform's flags).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FmtOptions {
    /// Don't write; list unformatted files (the caller exits 3 if any).
    pub check: bool,
    /// Print a unified diff of each change.
    pub diff: bool,
    /// Descend into subdirectories.
    pub recursive: bool,
    /// Rewrite files in place.
    pub write: bool,
    /// Print the names of files whose formatting changed.
    pub list: bool,
}

impl Default for FmtOptions {
    /// Terraform's defaults: `-list=true -write=true`.
    fn default() -> Self {
        FmtOptions { check: false, diff: false, recursive: false, write: true, list: true }
    }
}

/// The result of a run: what changed, what to print, what went wrong.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FmtOutcome {
    /// Files whose formatting differs from canonical (written unless `check`
    /// or `write == false`).
    pub changed_files: Vec<PathBuf>,
    /// Text for standard output: listed names, diffs, or formatted content.
    pub stdout: String,
    /// One message per problem (missing path, syntax error, I/O failure).
    pub errors: Vec<String>,
}

/// Formats `.tf` and `.tfvars` files and directories, like `terraform fmt`.
/// Standard input (`-`) is the caller's business: use [`format_source`].
pub fn run(paths: &[PathBuf], opts: &FmtOptions) -> FmtOutcome {
    let mut opts = opts.clone();
    if opts.check {
        opts.write = false;
    }
    let mut out = FmtOutcome::default();
    let default = [PathBuf::from(".")];
    let paths = if paths.is_empty() { &default[..] } else { paths };
    for path in paths {
        match std::fs::metadata(path) {
            Err(_) => out.errors.push(format!("No file or directory at {}", path.display())),
            Ok(m) if m.is_dir() => process_dir(path, &opts, &mut out),
            Ok(_) if has_config_ext(path) => process_file(path, &opts, &mut out),
            Ok(_) => out
                .errors
                .push(format!("Only .tf and .tfvars files can be processed with infra fmt: {}", path.display())),
        }
    }
    out
}

fn has_config_ext(path: &Path) -> bool {
    matches!(path.extension().and_then(|e| e.to_str()), Some("tf" | "tfvars"))
}

/// Terraform's `configs.IsIgnoredFile`: dotfiles and editor backups.
fn is_ignored(name: &str) -> bool {
    name.starts_with('.') || name.ends_with('~') || (name.starts_with('#') && name.ends_with('#'))
}

fn process_dir(dir: &Path, opts: &FmtOptions, out: &mut FmtOutcome) {
    let entries = match std::fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(_) => {
            out.errors.push(format!("Cannot read directory {}", dir.display()));
            return;
        }
    };
    let mut entries: Vec<(String, PathBuf, bool)> = entries
        .filter_map(Result::ok)
        .map(|e| {
            let is_dir = e.file_type().is_ok_and(|t| t.is_dir());
            // `./main.tf` is shown as `main.tf`, as Terraform does.
            let path = if dir == Path::new(".") { PathBuf::from(e.file_name()) } else { e.path() };
            (e.file_name().to_string_lossy().into_owned(), path, is_dir)
        })
        .collect();
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, path, is_dir) in entries {
        if is_ignored(&name) {
            continue;
        }
        if is_dir {
            if opts.recursive {
                process_dir(&path, opts, out);
            }
        } else if has_config_ext(&path) {
            process_file(&path, opts, out);
        }
    }
}

fn process_file(path: &Path, opts: &FmtOptions, out: &mut FmtOutcome) {
    let src = match std::fs::read_to_string(path) {
        Ok(s) => s,
        Err(_) => {
            out.errors.push(format!("Failed to read file {}", path.display()));
            return;
        }
    };
    let result = match format_source(&src) {
        Ok(r) => r,
        Err(e) => {
            out.errors.push(format!("{}:{e}", path.display()));
            return;
        }
    };
    if result != src {
        out.changed_files.push(path.to_path_buf());
        if opts.list {
            out.stdout.push_str(&format!("{}\n", path.display()));
        }
        if opts.write {
            if let Err(e) = std::fs::write(path, &result) {
                out.errors.push(format!("Failed to write {}: {e}", path.display()));
                return;
            }
        }
        if opts.diff {
            out.stdout.push_str(&unified_diff(&src, &result, path));
        }
    }
    if !opts.list && !opts.write && !opts.diff && !opts.check {
        // Terraform prints through a UI writer that ends output with one newline.
        out.stdout.push_str(result.strip_suffix('\n').unwrap_or(&result));
        out.stdout.push('\n');
    }
}

/// A unified diff in the shape of `diff -u --label=old/P --label=new/P`.
pub fn unified_diff(old: &str, new: &str, path: &Path) -> String {
    let name = path.display();
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("old/{name}"), &format!("new/{name}"))
        .to_string()
}
