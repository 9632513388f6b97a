//! HCL's template literal rules, applied before evaluation: literal text is split into tokens
//! at newlines (in heredocs and template files, not in quoted strings), a strip marker `~` trims
//! only the adjacent token, and a `<<-` heredoc then loses the smallest indentation of its
//! lines, counted over the tokens that start a line after stripping, where blank lines count
//! for nothing and a line that starts with an interpolation or directive counts as zero
//! (hclsyntax's `flushHeredocTemplateParts`).
//!
//! hcl-edit has already removed an indentation (`HeredocTemplate::indent`) by its own rule,
//! so for a `<<-` heredoc the original literals are rebuilt first, using their spans.

use std::collections::HashMap;

use hcl_edit::template::{Directive, Element, HeredocTemplate};
use hcl_edit::Span;

/// Processed literal text, keyed by the address of the literal element.
pub(crate) type Literals = HashMap<usize, String>;

enum Item<'a> {
    /// A literal element and its tokens.
    Lit(&'a Element, Vec<String>),
    /// An interpolation or directive marker: strips before it, strips after it.
    Ctrl(bool, bool),
}

fn flatten<'a>(elems: impl Iterator<Item = &'a Element>, out: &mut Vec<Item<'a>>, original: &dyn Fn(&Element, &str) -> String) {
    for el in elems {
        match el {
            Element::Literal(l) => out.push(Item::Lit(el, tokens(&original(el, l.value())))),
            Element::Interpolation(i) => out.push(Item::Ctrl(i.strip.strip_start(), i.strip.strip_end())),
            Element::Directive(d) => match d.as_ref() {
                Directive::If(i) => {
                    out.push(Item::Ctrl(i.if_expr.strip.strip_start(), i.if_expr.strip.strip_end()));
                    flatten(i.if_expr.template.iter(), out, original);
                    if let Some(e) = &i.else_expr {
                        out.push(Item::Ctrl(e.strip.strip_start(), e.strip.strip_end()));
                        flatten(e.template.iter(), out, original);
                    }
                    out.push(Item::Ctrl(i.endif_expr.strip.strip_start(), i.endif_expr.strip.strip_end()));
                }
                Directive::For(f) => {
                    out.push(Item::Ctrl(f.for_expr.strip.strip_start(), f.for_expr.strip.strip_end()));
                    flatten(f.for_expr.template.iter(), out, original);
                    out.push(Item::Ctrl(f.endfor_expr.strip.strip_start(), f.endfor_expr.strip.strip_end()));
                }
            },
        }
    }
}

fn tokens(s: &str) -> Vec<String> {
    s.split_inclusive('\n').map(str::to_string).collect()
}

/// Applies strip markers to the adjacent tokens only.
fn strip(items: &mut [Item<'_>]) {
    for i in 0..items.len() {
        let after_prev = i > 0 && matches!(items[i - 1], Item::Ctrl(_, true));
        let before_next = matches!(items.get(i + 1), Some(Item::Ctrl(true, _)));
        if let Item::Lit(_, toks) = &mut items[i] {
            if after_prev {
                if let Some(t) = toks.first_mut() {
                    *t = t.trim_start().to_string();
                }
            }
            if before_next {
                if let Some(t) = toks.last_mut() {
                    *t = t.trim_end().to_string();
                }
            }
        }
    }
}

/// hclsyntax's `flushHeredocTemplateParts`.
fn flush(items: &mut [Item<'_>]) {
    let mut min = usize::MAX;
    let mut newline = true;
    for it in items.iter() {
        match it {
            Item::Lit(_, toks) => {
                for t in toks {
                    if newline {
                        newline = false;
                        let trimmed = t.trim_start();
                        let spaces = if trimmed.is_empty() && t.ends_with('\n') { usize::MAX } else { t[..t.len() - trimmed.len()].chars().count() };
                        min = min.min(spaces);
                    }
                    if t.ends_with('\n') {
                        newline = true;
                    }
                }
            }
            Item::Ctrl(..) => {
                if newline {
                    newline = false;
                    min = 0;
                }
            }
        }
    }
    if min == usize::MAX || min == 0 {
        return;
    }
    let mut newline = true;
    for it in items.iter_mut() {
        match it {
            Item::Lit(_, toks) => {
                for t in toks.iter_mut() {
                    if newline {
                        newline = false;
                        let trimmed_len = t.trim_start().len();
                        let blank = trimmed_len == 0 && t.ends_with('\n');
                        if !blank {
                            let cut: usize = t.chars().take(min).map(char::len_utf8).sum();
                            *t = t[cut..].to_string();
                            if t.ends_with('\n') {
                                newline = true;
                            }
                            continue;
                        }
                    }
                    if t.ends_with('\n') {
                        newline = true;
                    }
                }
            }
            Item::Ctrl(..) => newline = false,
        }
    }
}

fn collect(items: Vec<Item<'_>>) -> Literals {
    items
        .into_iter()
        .filter_map(|it| match it {
            Item::Lit(el, toks) => Some((el as *const Element as usize, toks.concat())),
            Item::Ctrl(..) => None,
        })
        .collect()
}

/// Literals of a template file or of a `<<` heredoc.
pub(crate) fn plain<'a>(elems: impl Iterator<Item = &'a Element>) -> Literals {
    let mut items = Vec::new();
    flatten(elems, &mut items, &|_, s| s.to_string());
    strip(&mut items);
    collect(items)
}

/// Literals of a heredoc, flushed when it is a `<<-` heredoc.
pub(crate) fn heredoc(h: &HeredocTemplate) -> Literals {
    let indent = h.indent().unwrap_or(0);
    let dash = h.indent().is_some()
        || match (h.span(), h.template.span()) {
            (Some(hs), Some(ts)) => ts.start.saturating_sub(hs.start) == h.delimiter.as_str().len() + 4,
            _ => false,
        };
    let mut items = Vec::new();
    let mut skip_first = false;
    let mut firsts: HashMap<usize, (bool, bool)> = HashMap::new();
    let count = h.template.iter().count();
    for (i, el) in h.template.iter().enumerate() {
        // hcl-edit's dedent leaves the first line of a literal alone when it continues a line.
        firsts.insert(el as *const Element as usize, (skip_first, i + 1 == count));
        skip_first = match el {
            Element::Literal(l) => !l.value().ends_with('\n'),
            _ => true,
        };
    }
    let rebuild = |el: &Element, s: &str| -> String {
        let Element::Literal(l) = el else { return s.to_string() };
        if indent == 0 {
            return s.to_string();
        }
        // Only top-level literals were dedented.
        let Some(&(skip, last)) = firsts.get(&(el as *const Element as usize)) else { return s.to_string() };
        reindent(s, indent, skip, last, l.span().map(|r| r.len()))
    };
    flatten(h.template.iter(), &mut items, &rebuild);
    strip(&mut items);
    if dash {
        flush(&mut items);
    }
    collect(items)
}

/// Undoes hcl-edit's dedent of one literal: `indent` spaces go back on each non-empty line; the
/// lines it left empty get them back while the source span says characters are missing (a
/// trailing partial line first, then empty lines from the last).
fn reindent(s: &str, indent: usize, skip_first: bool, last: bool, orig_len: Option<usize>) -> String {
    let lines: Vec<&str> = s.split_inclusive('\n').collect();
    let pad = " ".repeat(indent);
    let definite = lines.iter().enumerate().filter(|(i, l)| !(*i == 0 && skip_first) && !l.trim_end_matches('\n').is_empty()).count();
    let missing = orig_len.map(|n| n.saturating_sub(s.len())).unwrap_or(indent * definite);
    let mut spare = missing.saturating_sub(indent * definite) / indent;
    let mut out = String::with_capacity(s.len() + missing);
    // A literal that ended in a partial whitespace line lost it entirely when that line was
    // exactly the indentation: it shows as a final "\n" with characters missing.
    // The last literal of a heredoc ends with its last line's newline.
    let trailing_partial = spare > 0 && !last && (s.is_empty() || s.ends_with('\n')) && !(lines.len() == 1 && skip_first);
    if trailing_partial {
        spare -= 1;
    }
    let mut padded = vec![false; lines.len()];
    for (i, l) in lines.iter().enumerate().rev() {
        if spare > 0 && !(i == 0 && skip_first) && l.trim_end_matches('\n').is_empty() {
            padded[i] = true;
            spare -= 1;
        }
    }
    for (i, l) in lines.iter().enumerate() {
        let content = l.trim_end_matches('\n');
        if i == 0 && skip_first {
            out.push_str(l);
        } else if !content.is_empty() {
            out.push_str(&pad);
            out.push_str(l);
        } else if padded[i] {
            out.push_str(&pad);
            out.push_str(l);
        } else {
            out.push_str(l);
        }
    }
    if trailing_partial {
        out.push_str(&pad);
    }
    out
}
