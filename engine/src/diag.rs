//! Diagnostics: one model for every user-facing error and warning (summary, detail, source
//! location), and the Terraform-style text renderer that shows the offending source line.

use std::fmt::Write as _;
use std::ops::Range;
use std::path::PathBuf;
use std::sync::Arc;

pub use infra_lang::diagnostic::Severity;

/// A source file that was loaded, kept so diagnostics can show lines.
#[derive(Debug)]
pub struct SourceFile {
    /// Path as shown to the user (relative to the working directory when possible).
    pub name: String,
    pub path: PathBuf,
    pub text: String,
}

impl SourceFile {
    /// 1-based line and column of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let before = &self.text[..floor_char_boundary(&self.text, offset)];
        let line = before.matches('\n').count() + 1;
        let col = before.rsplit('\n').next().map(|l| l.chars().count()).unwrap_or(0) + 1;
        (line, col)
    }

    pub fn line_text(&self, line: usize) -> &str {
        self.text.lines().nth(line.saturating_sub(1)).unwrap_or("")
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// A location in a loaded source file.
#[derive(Clone, Debug)]
pub struct Loc {
    pub file: Arc<SourceFile>,
    pub span: Range<usize>,
}

impl Loc {
    pub fn line(&self) -> usize {
        self.file.line_col(self.span.start).0
    }
    /// `main.tf:3:7`
    pub fn short(&self) -> String {
        let (l, c) = self.file.line_col(self.span.start);
        format!("{}:{l}:{c}", self.file.name)
    }
}

/// An error or warning about the user's configuration, variables, state or environment.
#[derive(Clone, Debug)]
pub struct Diagnostic {
    pub severity: Severity,
    pub summary: String,
    pub detail: String,
    pub loc: Option<Loc>,
    /// The block the location is in, e.g. `resource "null_resource" "a"`.
    pub context: Option<String>,
}

impl Diagnostic {
    pub fn error(summary: impl Into<String>, detail: impl Into<String>) -> Diagnostic {
        Diagnostic { severity: Severity::Error, summary: summary.into(), detail: detail.into(), loc: None, context: None }
    }
    pub fn warning(summary: impl Into<String>, detail: impl Into<String>) -> Diagnostic {
        Diagnostic { severity: Severity::Warning, ..Diagnostic::error(summary, detail) }
    }
    pub fn at(mut self, loc: Loc) -> Diagnostic {
        self.loc = Some(loc);
        self
    }
    pub fn at_opt(mut self, loc: Option<Loc>) -> Diagnostic {
        if self.loc.is_none() {
            self.loc = loc;
        }
        self
    }
    /// Names the block the location is in, unless a nearer block was already named (an error
    /// in a local value keeps `locals` even when a resource's evaluation reached it).
    pub fn in_context(mut self, ctx: impl Into<String>) -> Diagnostic {
        if self.context.is_none() {
            self.context = Some(ctx.into());
        }
        self
    }
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// Converts a diagnostic from expression evaluation, whose span is relative to `file`.
    pub fn from_lang(d: infra_lang::Diagnostic, file: &Arc<SourceFile>, fallback: &Range<usize>) -> Diagnostic {
        let span = d.span.clone().unwrap_or_else(|| fallback.clone());
        Diagnostic {
            severity: d.severity,
            summary: d.summary,
            detail: d.detail,
            loc: Some(Loc { file: file.clone(), span }),
            context: None,
        }
    }

    /// Terraform-style rendering:
    /// ```text
    /// Error: Reference to undeclared input variable
    ///
    ///   on main.tf line 3, in output "x":
    ///    3:   value = var.nope
    ///
    /// An input variable with the name "nope" has not been declared.
    /// ```
    pub fn render(&self, color: bool) -> String {
        let mut out = String::new();
        let (label, code) = match self.severity {
            Severity::Error => ("Error", "31"),
            Severity::Warning => ("Warning", "33"),
        };
        if color {
            let _ = writeln!(out, "\x1b[{code};1m{label}: \x1b[0m\x1b[1m{}\x1b[0m", self.summary);
        } else {
            let _ = writeln!(out, "{label}: {}", self.summary);
        }
        if let Some(loc) = &self.loc {
            let (line, col) = loc.file.line_col(loc.span.start);
            let _ = writeln!(out);
            match &self.context {
                Some(ctx) => {
                    let _ = writeln!(out, "  on {} line {line}, in {ctx}:", loc.file.name);
                }
                None => {
                    let _ = writeln!(out, "  on {} line {line}:", loc.file.name);
                }
            }
            let text = loc.file.line_text(line);
            let _ = writeln!(out, "{line:>4}: {text}");
            let (end_line, end_col) = loc.file.line_col(loc.span.end.max(loc.span.start));
            let width = if end_line == line { end_col.saturating_sub(col).max(1) } else { text.chars().count().saturating_sub(col - 1).max(1) };
            let pad = " ".repeat(4 + 2 + col - 1);
            let _ = writeln!(out, "{pad}{}", "^".repeat(width));
        }
        if !self.detail.is_empty() {
            let _ = writeln!(out);
            let _ = writeln!(out, "{}", self.detail);
        }
        out
    }
}

/// A list of diagnostics, as every stage returns them.
#[derive(Clone, Debug, Default)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    pub fn push(&mut self, d: Diagnostic) {
        self.0.push(d);
    }
    pub fn extend(&mut self, ds: impl IntoIterator<Item = Diagnostic>) {
        self.0.extend(ds);
    }
    pub fn has_errors(&self) -> bool {
        self.0.iter().any(Diagnostic::is_error)
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter()
    }
}

impl From<Diagnostic> for Diagnostics {
    fn from(d: Diagnostic) -> Diagnostics {
        Diagnostics(vec![d])
    }
}

/// Levenshtein-based suggestion: the nearest candidate within a small edit distance.
pub fn suggest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        let d = edit_distance(name, c);
        let limit = (name.chars().count().max(c.chars().count()) / 3).max(1);
        if d <= limit && best.map(|(bd, _)| d < bd).unwrap_or(true) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

/// Optimal-string-alignment distance: insertions, deletions, substitutions and swaps of two
/// adjacent characters (`cuont` is one edit from `count`).
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for j in 0..=b.len() {
        d[0][j] = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            d[i][j] = (d[i - 1][j] + 1).min(d[i][j - 1] + 1).min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
            }
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::suggest;

    #[test]
    fn suggests_near_names_only() {
        assert_eq!(suggest("cuont", ["count", "for_each"]), Some("count"));
        assert_eq!(suggest("trigers", ["triggers", "id"]), Some("triggers"));
        assert_eq!(suggest("zzz", ["count", "for_each"]), None);
    }
}
