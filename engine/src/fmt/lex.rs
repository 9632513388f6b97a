//! A token scanner that mirrors HCL's native `hclsyntax` scanner closely
//! enough for formatting: the same token kinds, the same token boundaries
//! where they matter for spacing, and a count of the spaces before each token.
//!
//! It is lenient: the source has already been accepted by hcl-edit's parser,
//! so anything unexpected becomes an `Invalid` token instead of an error.

/// The token kinds of `hclsyntax` that the formatter distinguishes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    OBrace,
    CBrace,
    OBrack,
    CBrack,
    OParen,
    CParen,
    OQuote,
    CQuote,
    OHeredoc,
    CHeredoc,
    Star,
    Slash,
    Plus,
    Minus,
    Percent,
    Equal,
    EqualOp,
    NotEqual,
    LessThan,
    LessThanEq,
    GreaterThan,
    GreaterThanEq,
    And,
    Or,
    Bang,
    Dot,
    Comma,
    Ellipsis,
    FatArrow,
    Question,
    Colon,
    /// `::` in a namespaced function name (`provider::p::f`).
    DoubleColon,
    TemplateInterp,
    TemplateControl,
    TemplateSeqEnd,
    QuotedLit,
    StringLit,
    NumberLit,
    Ident,
    Comment,
    Newline,
    Eof,
    /// Any other single character (`;`, `~`, `^`, `&`, `|`, quotes, …).
    Other,
    /// Placeholder for "no token" at the edges of a cell.
    Nil,
}

/// One token: its kind, its exact text and the spaces written before it.
#[derive(Clone, Debug)]
pub(crate) struct Token {
    pub kind: Kind,
    pub text: String,
    pub spaces_before: usize,
    /// Byte range in the original source (empty for synthesised tokens).
    pub start: usize,
    pub end: usize,
}

impl Token {
    pub(crate) fn synth(kind: Kind, text: &str) -> Token {
        Token { kind, text: text.to_string(), spaces_before: 0, start: usize::MAX, end: usize::MAX }
    }
}

enum Mode {
    /// Expression mode (top level, or inside `${`/`%{`).
    Main,
    Quoted,
    Heredoc {
        marker: String,
        start_of_line: bool,
    },
}

struct Scanner<'a> {
    src: &'a str,
    bytes: &'a [u8],
    pos: usize,
    last_end: usize,
    tokens: Vec<Token>,
    modes: Vec<Mode>,
    braces: usize,
    ret_braces: Vec<usize>,
}

/// Scans `src` into tokens, ending with an `Eof` token.
pub(crate) fn lex(src: &str) -> Vec<Token> {
    let mut s = Scanner {
        src,
        bytes: src.as_bytes(),
        pos: 0,
        last_end: 0,
        tokens: Vec::new(),
        modes: vec![Mode::Main],
        braces: 0,
        ret_braces: Vec::new(),
    };
    while s.pos < s.bytes.len() {
        match s.modes.last() {
            Some(Mode::Quoted) => s.scan_quoted(),
            Some(Mode::Heredoc { .. }) => s.scan_heredoc(),
            _ => s.scan_main(),
        }
    }
    let len = s.bytes.len();
    s.emit(Kind::Eof, len, len);
    s.tokens
}

fn is_ident_start(c: char) -> bool {
    c == '_' || c.is_alphabetic()
}

fn is_ident_continue(c: char) -> bool {
    c == '_' || c == '-' || c.is_alphanumeric() || is_combining(c)
}

fn is_combining(c: char) -> bool {
    matches!(c as u32, 0x0300..=0x036F | 0x200C | 0x200D)
}

impl Scanner<'_> {
    fn emit(&mut self, kind: Kind, start: usize, end: usize) {
        let spaces_before = start.saturating_sub(self.last_end);
        self.tokens.push(Token { kind, text: self.src[start..end].to_string(), spaces_before, start, end });
        self.last_end = end;
        self.pos = end;
    }

    fn peek(&self, off: usize) -> u8 {
        *self.bytes.get(self.pos + off).unwrap_or(&0)
    }

    fn char_at(&self, at: usize) -> Option<char> {
        self.src.get(at..).and_then(|r| r.chars().next())
    }

    fn rest(&self) -> &str {
        &self.src[self.pos..]
    }

    fn scan_main(&mut self) {
        let p = self.pos;
        let b = self.peek(0);
        match b {
            b' ' | b'\t' => self.pos += 1,
            b'\n' => self.emit(Kind::Newline, p, p + 1),
            b'\r' if self.peek(1) == b'\n' => self.emit(Kind::Newline, p, p + 2),
            b'0'..=b'9' => {
                let mut e = p + 1;
                loop {
                    let c = *self.bytes.get(e).unwrap_or(&0);
                    if c.is_ascii_digit() || c == b'.' {
                        e += 1;
                    } else if c == b'e' || c == b'E' {
                        let n = *self.bytes.get(e + 1).unwrap_or(&0);
                        if n.is_ascii_digit() {
                            e += 2;
                        } else if (n == b'+' || n == b'-') && self.bytes.get(e + 2).is_some_and(u8::is_ascii_digit) {
                            e += 3;
                        } else {
                            break;
                        }
                    } else {
                        break;
                    }
                }
                while self.bytes[e - 1] == b'.' {
                    e -= 1;
                }
                self.emit(Kind::NumberLit, p, e);
            }
            b'#' => self.line_comment(p),
            b'/' if self.peek(1) == b'/' => self.line_comment(p),
            b'/' if self.peek(1) == b'*' => {
                let e = match self.src[p + 2..].find("*/") {
                    Some(i) => p + 2 + i + 2,
                    None => self.bytes.len(),
                };
                self.emit(Kind::Comment, p, e);
            }
            b'"' => {
                self.emit(Kind::OQuote, p, p + 1);
                self.modes.push(Mode::Quoted);
            }
            b'<' if self.peek(1) == b'<' && self.try_heredoc() => {}
            b'{' => {
                self.braces += 1;
                self.emit(Kind::OBrace, p, p + 1);
            }
            b'}' => self.close_brace(p, p + 1, false),
            b'~' if self.peek(1) == b'}' => self.close_brace(p, p + 2, true),
            _ => {
                let two = self.rest().get(..2).unwrap_or("");
                let three = self.rest().get(..3).unwrap_or("");
                let (kind, len) = if three == "..." {
                    (Kind::Ellipsis, 3)
                } else {
                    match two {
                        "==" => (Kind::EqualOp, 2),
                        "!=" => (Kind::NotEqual, 2),
                        ">=" => (Kind::GreaterThanEq, 2),
                        "<=" => (Kind::LessThanEq, 2),
                        "&&" => (Kind::And, 2),
                        "||" => (Kind::Or, 2),
                        "=>" => (Kind::FatArrow, 2),
                        "::" => (Kind::DoubleColon, 2),
                        _ => {
                            let k = match b {
                                b'[' => Kind::OBrack,
                                b']' => Kind::CBrack,
                                b'(' => Kind::OParen,
                                b')' => Kind::CParen,
                                b'.' => Kind::Dot,
                                b',' => Kind::Comma,
                                b'*' => Kind::Star,
                                b'/' => Kind::Slash,
                                b'%' => Kind::Percent,
                                b'+' => Kind::Plus,
                                b'-' => Kind::Minus,
                                b'=' => Kind::Equal,
                                b'<' => Kind::LessThan,
                                b'>' => Kind::GreaterThan,
                                b'!' => Kind::Bang,
                                b'?' => Kind::Question,
                                b':' => Kind::Colon,
                                _ => Kind::Other,
                            };
                            if k == Kind::Other {
                                let c = self.char_at(p).unwrap_or('\0');
                                if is_ident_start(c) {
                                    let mut e = p + c.len_utf8();
                                    while let Some(c) = self.char_at(e) {
                                        if is_ident_continue(c) {
                                            e += c.len_utf8();
                                        } else {
                                            break;
                                        }
                                    }
                                    self.emit(Kind::Ident, p, e);
                                    return;
                                }
                                (Kind::Other, c.len_utf8().max(1))
                            } else {
                                (k, 1)
                            }
                        }
                    }
                };
                self.emit(kind, p, p + len);
            }
        }
    }

    fn line_comment(&mut self, p: usize) {
        let e = match self.src[p..].find('\n') {
            Some(i) => p + i + 1,
            None => self.bytes.len(),
        };
        self.emit(Kind::Comment, p, e);
    }

    fn close_brace(&mut self, start: usize, end: usize, tilde: bool) {
        if self.ret_braces.last() == Some(&self.braces) {
            self.emit(Kind::TemplateSeqEnd, start, end);
            self.braces = self.braces.saturating_sub(1);
            self.ret_braces.pop();
            self.modes.pop();
        } else {
            let kind = if tilde { Kind::TemplateSeqEnd } else { Kind::CBrace };
            self.emit(kind, start, end);
            self.braces = self.braces.saturating_sub(1);
        }
    }

    /// `<<` or `<<-`, an identifier, then a newline.
    fn try_heredoc(&mut self) -> bool {
        let p = self.pos;
        let mut i = p + 2;
        if self.bytes.get(i) == Some(&b'-') {
            i += 1;
        }
        let ms = i;
        match self.char_at(i) {
            Some(c) if is_ident_start(c) => i += c.len_utf8(),
            _ => return false,
        }
        while let Some(c) = self.char_at(i) {
            if is_ident_continue(c) {
                i += c.len_utf8();
            } else {
                break;
            }
        }
        let marker = self.src[ms..i].to_string();
        let e = if self.bytes.get(i) == Some(&b'\n') {
            i + 1
        } else if self.bytes.get(i) == Some(&b'\r') && self.bytes.get(i + 1) == Some(&b'\n') {
            i + 2
        } else {
            return false;
        };
        self.emit(Kind::OHeredoc, p, e);
        self.modes.push(Mode::Heredoc { marker, start_of_line: true });
        true
    }

    fn begin_template(&mut self, kind: Kind, start: usize) {
        let mut end = start + 2;
        if self.bytes.get(end) == Some(&b'~') {
            end += 1;
        }
        self.emit(kind, start, end);
        self.braces += 1;
        self.ret_braces.push(self.braces);
        if let Some(Mode::Heredoc { start_of_line, .. }) = self.modes.last_mut() {
            *start_of_line = false;
        }
        self.modes.push(Mode::Main);
    }

    /// `$${`/`%%{` escapes and lone `$`/`%`: returns the literal end, or
    /// `None` when this is the start of an interpolation/directive.
    fn template_marker(&mut self, p: usize) -> Option<usize> {
        let b = self.bytes[p];
        let next = *self.bytes.get(p + 1).unwrap_or(&0);
        if next == b'{' {
            let kind = if b == b'$' { Kind::TemplateInterp } else { Kind::TemplateControl };
            self.begin_template(kind, p);
            return None;
        }
        if next == b && self.bytes.get(p + 2) == Some(&b'{') {
            let mut e = p + 3;
            if self.bytes.get(e) == Some(&b'~') {
                e += 1;
            }
            return Some(e);
        }
        Some(p + 1)
    }

    fn scan_quoted(&mut self) {
        let p = self.pos;
        match self.bytes[p] {
            b'"' => {
                self.emit(Kind::CQuote, p, p + 1);
                self.modes.pop();
            }
            b'$' | b'%' => {
                if let Some(e) = self.template_marker(p) {
                    self.emit(Kind::QuotedLit, p, e);
                }
            }
            b'\r' | b'\n' => {
                let mut e = p;
                while matches!(self.bytes.get(e), Some(b'\r' | b'\n')) {
                    e += 1;
                }
                self.emit(Kind::Other, p, e);
            }
            _ => {
                let mut e = p;
                while e < self.bytes.len() {
                    match self.bytes[e] {
                        b'"' | b'$' | b'%' | b'\r' | b'\n' => break,
                        b'\\' => {
                            e += 1;
                            if let Some(c) = self.char_at(e) {
                                if c != '\r' && c != '\n' {
                                    e += c.len_utf8();
                                }
                            }
                        }
                        _ => e += self.char_at(e).map_or(1, char::len_utf8),
                    }
                }
                self.emit(Kind::QuotedLit, p, e);
            }
        }
    }

    fn scan_heredoc(&mut self) {
        let p = self.pos;
        let (marker, sol) = match self.modes.last() {
            Some(Mode::Heredoc { marker, start_of_line }) => (marker.clone(), *start_of_line),
            _ => return,
        };
        if sol {
            let line_end = self.src[p..].find('\n').map(|i| p + i);
            if let Some(nl) = line_end {
                let content_end = if nl > p && self.bytes[nl - 1] == b'\r' { nl - 1 } else { nl };
                let line = &self.src[p..content_end];
                if !line.contains(['$', '%']) && line.trim() == marker {
                    self.emit(Kind::CHeredoc, p, content_end);
                    self.emit(Kind::Newline, content_end, nl + 1);
                    self.modes.pop();
                    return;
                }
            }
        }
        match self.bytes[p] {
            b'$' | b'%' => {
                if let Some(e) = self.template_marker(p) {
                    self.emit(Kind::StringLit, p, e);
                    self.set_sol(false);
                }
            }
            _ => {
                let mut e = p;
                while e < self.bytes.len() && !matches!(self.bytes[e], b'$' | b'%' | b'\n') {
                    e += 1;
                }
                if self.bytes.get(e) == Some(&b'\n') {
                    self.emit(Kind::StringLit, p, e + 1);
                    self.set_sol(true);
                } else {
                    self.emit(Kind::StringLit, p, e);
                    self.set_sol(false);
                }
            }
        }
    }

    fn set_sol(&mut self, v: bool) {
        if let Some(Mode::Heredoc { start_of_line, .. }) = self.modes.last_mut() {
            *start_of_line = v;
        }
    }
}
