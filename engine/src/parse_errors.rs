//! Terraform's summaries for syntax errors. hcl-edit reports what token it expected where;
//! Terraform (HCL's hand-written parser) reports what construct is broken. [`classify`] maps one
//! to the other from hcl-edit's message and the source text around the error offset, and writes
//! a detail that says what is wrong and how to fix it. The mapping was derived by running
//! Terraform 1.0.3 and hcl-edit 0.10 on the same inputs. Depends only on `std`.

/// Terraform's summary and a detail for an hcl-edit parse error `message` at byte `offset`
/// of `text`.
pub fn classify(message: &str, text: &str, offset: usize) -> (&'static str, String) {
    let offset = floor_boundary(text, offset);
    let rest = &text[offset..];
    let line_rest = rest.split('\n').next().unwrap_or("");
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line_before = &text[line_start..offset];
    let at_eof = rest.trim().is_empty();
    let next_char = rest.chars().next();
    let opener = innermost_opener(&text[..offset]);
    let found = describe(rest);

    let (summary, detail): (&'static str, String) = if message.contains("redefined attribute") {
        ("Attribute redefined", "This argument was already set earlier in the same block. Each argument may be set only once; remove or rename one of them.".into())
    } else if message.contains("escape sequence") || message.contains("unicode") {
        ("Invalid escape sequence", "The only escape sequences allowed in a quoted string are \\n, \\r, \\t, \\\", \\\\, \\uNNNN and \\UNNNNNNNN. To write a literal \"${\" or \"%{\", double the first character: \"$${\" or \"%%{\".".into())
    } else if message.contains("heredoc end delimiter") {
        ("Unterminated template string", "This heredoc template has no closing marker. End it with a line holding only its delimiter word.".into())
    } else if message == "expected newline" {
        ("Invalid expression", "A heredoc's opening marker (such as <<EOT) must be followed directly by a newline.".into())
    } else if message.contains("expected newline or eof") || message.contains("expected digit") {
        if closes_heredoc_badly(text, line_before) {
            ("Unterminated template string", "A heredoc's closing marker must be alone on its line. Put anything after it on the next line.".into())
        } else if next_char.is_some_and(is_invalid_char) {
            invalid_char(rest)
        } else if is_argument_line(line_before) {
            ("Missing newline after argument", format!("An argument definition must end with a newline, but found {found}. Put each argument on its own line."))
        } else {
            ("Missing newline after block definition", format!("A block definition must end with a newline, but found {found}. Put the next definition on its own line."))
        }
    } else if message.contains("invalid traversal operator") {
        ("Invalid attribute name", "An attribute name is required after a dot. A number literal needs digits after its decimal point (write 1.0, not 1.).".into())
    } else if message.contains("invalid object item") {
        ("Missing attribute separator", "Expected a newline or comma to mark the beginning of the next attribute in this object.".into())
    } else if message.contains("invalid object value assignment") {
        ("Missing key/value separator", "Expected an equals sign (\"=\") to mark the beginning of the attribute value.".into())
    } else if message.starts_with("expected `=>`") || message.starts_with("expected `in`") {
        ("Invalid 'for' expression", for_detail())
    } else if message.starts_with("expected `:`") {
        match opener {
            Some(o) if o.is_for => ("Invalid 'for' expression", for_detail()),
            _ => ("Missing false expression in conditional", "A conditional expression needs a colon and a result for when the condition is false: cond ? a : b.".into()),
        }
    } else if message.starts_with("expected `]`") {
        match opener {
            Some(o) if o.is_for => ("Invalid 'for' expression", for_detail()),
            _ if at_eof => ("Invalid expression", "The configuration ends inside a bracketed expression. Close it with \"]\".".into()),
            Some(o) if o.is_index => ("Missing close bracket on index", "The index operator must end with a closing bracket (\"]\").".into()),
            _ => ("Missing item separator", "Expected a comma to mark the beginning of the next item in this list.".into()),
        }
    } else if message.contains("expected `)` or expression") {
        if line_before.trim_end().ends_with("...") {
            ("Missing closing parenthesis", "An expanded argument (written with \"...\") must be the last argument of a function call. Move it to the end.".into())
        } else if rest.starts_with("...") {
            ("Invalid expression", "Expected the start of an expression before \"...\".".into())
        } else {
            ("Missing argument separator", "A comma is required to separate each function argument from the next.".into())
        }
    } else if message.starts_with("expected `)`") {
        ("Unbalanced parentheses", "Expected a closing parenthesis to terminate the expression.".into())
    } else if let Some(kw) = message.strip_prefix("expected `end").and_then(|m| m.strip_suffix('`')) {
        let word = directive_word(rest);
        match word.as_str() {
            "endif" | "endfor" | "else" => (unexpected_directive(&word), format!("This template has an unclosed \"end{kw}\" block; {word:?} cannot close it.")),
            _ => ("Extra characters in directive", "Template directives like %{endif} must contain only their keyword.".into()),
        }
    } else if message.starts_with("expected `}`") {
        match opener {
            Some(o) if o.is_for => ("Invalid 'for' expression", for_detail()),
            Some(o) if o.is_interpolation => {
                ("Extra characters after interpolation expression", "Expected a closing brace to end the interpolation expression, but found extra characters. To write a literal \"${\", use \"$${\".".into())
            }
            Some(o) if o.is_directive => {
                let word = directive_word(text[..offset].rsplit("%{").next().unwrap_or(""));
                let summary = match word.as_str() {
                    "endif" => "Extra characters in endif marker",
                    "endfor" => "Extra characters in endfor marker",
                    "else" => "Extra characters in else marker",
                    _ => "Extra characters in directive",
                };
                (summary, format!("The %{{{word}}} marker must contain only its keyword; remove the extra characters."))
            }
            _ => ("Missing attribute separator", "Expected a newline or comma to mark the beginning of the next attribute in this object.".into()),
        }
    } else if message.contains("invalid expression") {
        if next_char.is_some_and(is_invalid_char) {
            invalid_char(rest)
        } else {
            ("Invalid expression", format!("Expected the start of an expression, but found {found}."))
        }
    } else if let Some(s) = template_problem(line_rest) {
        s
    } else if at_eof {
        ("Argument or block definition required", "The configuration ends before this block is closed. Add the missing \"}\".".into())
    } else if message.contains("invalid block body") && line_before.contains('{') && !line_before.trim_start().starts_with('}') {
        ("Invalid single-argument block definition", "A single-line block definition can contain only a single argument. Put each argument on its own line.".into())
    } else {
        ("Argument or block definition required", format!("An argument or block definition is required here, but found {found}. To set an argument, use the equals sign \"=\" to introduce the argument value."))
    };
    (summary, detail)
}

fn for_detail() -> String {
    "A 'for' expression is written [for x in list : result] or {for k, v in map : key => value}, with an optional \"if\" condition at the end.".into()
}

fn unexpected_directive(word: &str) -> &'static str {
    match word {
        "endif" => "Unexpected endif directive",
        "endfor" => "Unexpected endfor directive",
        _ => "Unexpected else directive",
    }
}

fn invalid_char(rest: &str) -> (&'static str, String) {
    let c = rest.chars().next().unwrap_or(' ');
    let hint = match c {
        ';' => " Terraform does not use semicolons: end the argument with a newline instead.",
        '\'' => " Strings are written in double quotes (\"), not single quotes.",
        _ => "",
    };
    ("Invalid character", format!("The character {c:?} is not valid here.{hint}"))
}

/// Characters that start no HCL token.
fn is_invalid_char(c: char) -> bool {
    matches!(c, '@' | '\'' | ';' | '$' | '`' | '^' | '~' | '\\')
}

fn describe(rest: &str) -> String {
    let t = rest.trim_start_matches([' ', '\t']);
    match t.chars().next() {
        None => "the end of the file".into(),
        Some('\n' | '\r') => "a newline".into(),
        Some(_) => {
            let tok: String = t.chars().take_while(|c| !c.is_whitespace()).take(20).collect();
            format!("{tok:?}")
        }
    }
}

fn floor_boundary(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// `name =` (or `name:`) at the start of the line: the error is inside an argument.
fn is_argument_line(line_before: &str) -> bool {
    let t = line_before.trim_start();
    let ident: String = t.chars().take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '-').collect();
    !ident.is_empty() && t[ident.len()..].trim_start().starts_with('=') && !t[ident.len()..].trim_start().starts_with("==")
}

/// The line so far is a heredoc delimiter word opened earlier with `<<WORD` or `<<-WORD`.
fn closes_heredoc_badly(text: &str, line_before: &str) -> bool {
    let word = line_before.trim();
    !word.is_empty()
        && word.chars().all(|c| c.is_alphanumeric() || c == '_')
        && (text.contains(&format!("<<{word}\n")) || text.contains(&format!("<<-{word}\n")))
}

fn directive_word(rest: &str) -> String {
    rest.trim_start_matches(['~', ' ']).chars().take_while(|c| c.is_alphanumeric()).collect()
}

/// The innermost bracket still open at the end of `before`.
#[derive(Clone, Copy, Debug)]
struct Opener {
    is_for: bool,
    is_index: bool,
    is_interpolation: bool,
    is_directive: bool,
}

fn innermost_opener(before: &str) -> Option<Opener> {
    let b = before.as_bytes();
    let mut stack: Vec<Opener> = Vec::new();
    let mut in_string = false;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if in_string {
            match c {
                b'\\' => i += 1,
                b'"' => in_string = false,
                b'$' | b'%' if b.get(i + 1) == Some(&b'{') => {
                    stack.push(Opener { is_for: false, is_index: false, is_interpolation: c == b'$', is_directive: c == b'%' });
                    in_string = false;
                    i += 1;
                }
                _ => {}
            }
        } else {
            match c {
                b'"' => in_string = true,
                b'#' => {
                    while i < b.len() && b[i] != b'\n' {
                        i += 1;
                    }
                }
                b'[' | b'{' | b'(' => {
                    let after = before[i + 1..].trim_start();
                    let is_for = c != b'(' && after.starts_with("for") && after[3..].starts_with(char::is_whitespace);
                    let prev = before[..i].trim_end().chars().last();
                    let is_index = c == b'[' && prev.is_some_and(|p| p.is_alphanumeric() || p == '_' || p == ']' || p == ')');
                    stack.push(Opener { is_for, is_index, is_interpolation: false, is_directive: false });
                }
                b']' | b')' => {
                    stack.pop();
                }
                b'}' => {
                    if let Some(o) = stack.pop() {
                        if o.is_interpolation || o.is_directive {
                            in_string = true;
                        }
                    }
                }
                _ => {}
            }
        }
        i += 1;
    }
    stack.last().copied()
}

/// A problem with a quoted string on this line: unterminated, or with unbalanced directives.
fn template_problem(line: &str) -> Option<(&'static str, String)> {
    let b = line.as_bytes();
    let mut depth_stack: Vec<usize> = Vec::new();
    let mut in_string = false;
    let mut open_directives: Vec<String> = Vec::new();
    let mut i = 0;
    let mut brace_depth = 0usize;
    while i < b.len() {
        let c = b[i];
        if in_string {
            match c {
                b'\\' => i += 1,
                b'"' => in_string = false,
                b'$' | b'%' if b.get(i + 1) == Some(&b'{') && b.get(i + 2) != Some(&c) => {
                    if c == b'%' {
                        let word = directive_word(&line[i + 2..]);
                        match word.as_str() {
                            "if" | "for" => open_directives.push(word),
                            "endif" | "endfor" => {
                                let want = &word[3..];
                                if open_directives.last().map(String::as_str) != Some(want) {
                                    return Some((unexpected_directive(&word), format!("There is no open \"{want}\" directive for this %{{{word}}} to close.")));
                                }
                                open_directives.pop();
                            }
                            "else" => {
                                if open_directives.last().map(String::as_str) != Some("if") {
                                    return Some(("Unexpected else directive", "An %{else} directive must be inside an %{if} directive.".into()));
                                }
                            }
                            _ => {
                                return Some((
                                    "Invalid template control keyword",
                                    format!("{word:?} is not a valid template control keyword. Use if, else, endif, for or endfor; to write a literal \"%{{\", use \"%%{{\"."),
                                ))
                            }
                        }
                    }
                    depth_stack.push(brace_depth);
                    in_string = false;
                    i += 1;
                }
                _ => {}
            }
        } else {
            match c {
                b'"' => in_string = true,
                b'{' => brace_depth += 1,
                b'}' => {
                    if depth_stack.last() == Some(&brace_depth) {
                        depth_stack.pop();
                        in_string = true;
                    } else {
                        brace_depth = brace_depth.saturating_sub(1);
                    }
                }
                _ => {}
            }
        }
        i += 1;
    }
    if in_string || !depth_stack.is_empty() {
        return Some((
            "Invalid multi-line string",
            "Quoted strings may not be split over multiple lines. To produce a multi-line string, either use the \\n escape to represent a newline character or use the \"heredoc\" multi-line template syntax.".into(),
        ));
    }
    if let Some(d) = open_directives.last() {
        return Some(("Unexpected end of template", format!("The control directive %{{{d}}} has no closing %{{end{d}}} in this template.")));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::classify;

    /// (hcl-edit message, source, offset) → Terraform 1.0.3's summary, as observed.
    fn check(message: &str, src: &str, at: &str, want: &str) {
        let offset = src.find(at).unwrap_or(src.len());
        let (summary, detail) = classify(message, src, offset);
        assert_eq!(summary, want, "{src:?}");
        assert!(!detail.is_empty());
    }

    const BODY: &str = "invalid block body; expected `}`, newline or identifier";
    const EXPR: &str = "invalid expression; expected `\"`, `[`, `{`, `-`, `!`, `(`, `_`, `<`, letter or digit";

    #[test]
    fn block_bodies() {
        check(BODY, "output \"a\" {\n  value = 1\n", "\u{0}", "Argument or block definition required");
        check(BODY, "output \"a\" {\n  1bad = \"x\"\n}\n", "1bad", "Argument or block definition required");
        check(BODY, "output \"a\" {\n  = 1\n}\n", "= 1", "Argument or block definition required");
        check("unexpected token", "output \"a\" {\n  value = 1\n}\n}\n", "}\n\u{0}", "Argument or block definition required");
        check(BODY, "output \"x\" { value = 1_000 }\n", "_000", "Invalid single-argument block definition");
        check(BODY, "output \"a\" { value = 1 value2 = 2 }\n", "value2", "Invalid single-argument block definition");
        check(BODY, "output \"a\" {\n  value = \"abc\n}\n", "value", "Invalid multi-line string");
        check(BODY, "output \"a\" {\n  value = \"${\"\n}\n", "value", "Invalid multi-line string");
        check("unexpected token", "a = \"unterminated\n", "a =", "Invalid multi-line string");
        check(BODY, "output \"s\" { value = \"%{for x in [1]}${x}\" }\n", "value", "Unexpected end of template");
        check(BODY, "output \"a\" {\n  value = \"%{endif}\"\n}\n", "value", "Unexpected endif directive");
        check(BODY, "output \"a\" {\n  value = \"%{else}\"\n}\n", "value", "Unexpected else directive");
        check(BODY, "output \"a\" {\n  value = \"%{ bogus }\"\n}\n", "value", "Invalid template control keyword");
        check("invalid attribute; expected unique attribute key; found redefined attribute", "a = 1\na = 2\n", "a = 2", "Attribute redefined");
    }

    #[test]
    fn expressions() {
        check("expected `:`", "x = [for x in [1] x]\n", "x]", "Invalid 'for' expression");
        check("expected `]`", "x = [for x in l : x => x]\n", "=>", "Invalid 'for' expression");
        check("expected `=>`", "x = {for x in [1] : x}\n", "}", "Invalid 'for' expression");
        check("expected `}`", "x = {for k, v in {} : k => v x}\n", "x}", "Invalid 'for' expression");
        check("expected `:`", "x = true ? 1\n", "\n", "Missing false expression in conditional");
        check("expected `]`", "x = [1 2]\n", "2]", "Missing item separator");
        check("expected `]`", "o {\n  x = y[1\n}\n", "}", "Missing close bracket on index");
        check("expected `)`", "x = (1 2)\n", "2)", "Unbalanced parentheses");
        check("expected `)` or expression", "x = max(1 2)\n", "2)", "Missing argument separator");
        check("expected `)` or expression", "x = max(var.l..., 3)\n", ", 3", "Missing closing parenthesis");
        check("expected `)` or expression", "x = f(...)\n", "...", "Invalid expression");
        check("expected `}`", "x = \"a ${1 + 1\"\n", "\"\n", "Extra characters after interpolation expression");
        check("expected `}`", "x = \"${1 2}\"\n", "2}", "Extra characters after interpolation expression");
        check("expected `}`", "x = \"%{if true}a%{endif x}\"\n", "x}", "Extra characters in endif marker");
        check("expected `endfor`", "x = \"%{for x in [1]}${x}%{endif}\"\n", "endif", "Unexpected endif directive");
        check("invalid object item; expected `}`, `,` or newline", "x = {a = 1 b = 2}\n", "b =", "Missing attribute separator");
        check("invalid object value assignment; expected `=` or `:`", "x = {a = 1, b}\n", "}", "Missing key/value separator");
        check(EXPR, "x = .5\n", ".5", "Invalid expression");
        check(EXPR, "x = @\n", "@", "Invalid character");
        check(EXPR, "x = 'a'\n", "'a'", "Invalid character");
        check(EXPR, "x = 1 +\n", "\n", "Invalid expression");
        check("invalid traversal operator; expected `*`, identifier or unsigned integer", "x = 1.\n", "\n", "Invalid attribute name");
        check("invalid escape sequence; expected `n`", "x = \"a\\qb\"\n", "q", "Invalid escape sequence");
        check("invalid unicode 4-digit hex code; unexpected token", "x = \"\\u12\"\n", "12", "Invalid escape sequence");
    }

    #[test]
    fn newlines_and_heredocs() {
        check("expected newline or eof", "o {\n  value = 1 2\n}\n", "2\n", "Missing newline after argument");
        check("expected digit", "o {\n  value = 1e\n}\n", "\n}", "Missing newline after argument");
        check("expected newline or eof", "output \"a\" { value = 1 }}\n", "}\n", "Missing newline after block definition");
        check("expected newline or eof", "output \"a\" { value = 1 } x\n", "x\n", "Missing newline after block definition");
        check("expected newline or eof", "o {\n  value = 1 ;\n}\n", ";", "Invalid character");
        check("expected heredoc end delimiter", "x = <<EOT\nabc\n", "abc", "Unterminated template string");
        check("expected newline or eof", "x = <<EOT\nabc\nEOT junk\n", "junk", "Unterminated template string");
        check("expected newline", "x = <<EOT abc\nEOT\n", " abc", "Invalid expression");
    }
}

/// A better place (and message) for two errors whose reported position is far from the
/// mistake: a quoted string left open on an earlier line, and a block never closed. Returns
/// (summary, detail, byte range) or `None` to keep the parser's report.
pub fn relocate(text: &str, offset: usize) -> Option<(&'static str, String, std::ops::Range<usize>)> {
    let before = &text[..offset.min(text.len())];
    // A line (before the error) whose quotes do not balance: a string split over lines.
    let mut line_start = 0;
    let mut depth_stack: Vec<usize> = Vec::new();
    let mut in_heredoc: Option<String> = None;
    for line in before.split_inclusive('\n') {
        // Only whole lines: the error's own line is judged by the parser.
        if !line.ends_with('\n') {
            break;
        }
        let trimmed = line.trim();
        if let Some(end) = &in_heredoc {
            if trimmed == end {
                in_heredoc = None;
            }
            line_start += line.len();
            continue;
        }
        if let Some(pos) = line.find("<<") {
            let marker = line[pos + 2..].trim_start_matches('-').trim();
            if !marker.is_empty() && marker.chars().all(|c| c.is_alphanumeric() || c == '_') {
                in_heredoc = Some(marker.to_string());
            }
        }
        let mut quotes = 0;
        let mut escaped = false;
        let mut comment = false;
        for (i, c) in line.char_indices() {
            if comment {
                break;
            }
            match c {
                '\\' if quotes % 2 == 1 => {
                    escaped = !escaped;
                    continue;
                }
                '"' if !escaped => quotes += 1,
                '#' if quotes % 2 == 0 => comment = true,
                '/' if quotes % 2 == 0 && line[i..].starts_with("//") => comment = true,
                '{' if quotes % 2 == 0 => depth_stack.push(line_start + i),
                '}' if quotes % 2 == 0 => {
                    depth_stack.pop();
                }
                _ => {}
            }
            escaped = false;
        }
        if quotes % 2 == 1 && in_heredoc.is_none() {
            let start = line_start + line.find('"').unwrap_or(0);
            let end = line_start + line.trim_end().len();
            return Some((
                "Invalid multi-line string",
                "Quoted strings may not be split over multiple lines. Close the string on this line; to write a multi-line string, use the \\n escape or the heredoc syntax (<<EOT).".to_string(),
                start..end.max(start + 1),
            ));
        }
        line_start += line.len();
    }
    // At the end of the file with blocks still open: point at the outermost unclosed one.
    let balanced = text.matches('{').count() == text.matches('}').count();
    if offset + 2 >= text.trim_end().len() && !balanced {
        if let Some(&open) = depth_stack.first() {
            let line_begin = text[..open].rfind('\n').map(|i| i + 1).unwrap_or(0);
            let header = text[line_begin..open].trim();
            return Some((
                "Unclosed configuration block",
                format!("There is no closing brace for this block ({header}) before the end of the file. Add the missing \"}}\" where the block should end."),
                line_begin..open + 1,
            ));
        }
    }
    None
}

#[cfg(test)]
mod relocate_tests {
    use super::relocate;

    #[test]
    fn finds_split_strings_and_unclosed_blocks() {
        let text = "variable \"r\" {\n  default = \"us-east-1\n}\n\noutput \"r\" {\n  value = 1\n}\n";
        let (summary, _, span) = relocate(text, text.find("output").unwrap() + 8).unwrap();
        assert_eq!(summary, "Invalid multi-line string");
        assert_eq!(&text[span], "\"us-east-1");
        let text = "resource \"a\" \"b\" {\n  x = {\n    y = 1\n  }\n\noutput \"o\" {\n  value = 1\n}\n";
        let (summary, detail, span) = relocate(text, text.len() - 1).unwrap();
        assert_eq!(summary, "Unclosed configuration block");
        assert!(detail.contains("resource \"a\" \"b\""), "{detail}");
        assert_eq!(&text[span], "resource \"a\" \"b\" {");
        assert!(relocate("a = 1\n", 3).is_none());
    }
}
