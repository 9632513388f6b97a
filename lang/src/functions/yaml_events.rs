//! A safe event parser over `unsafe-libyaml`, the Rust translation of libyaml that go-yaml's
//! parser was ported from (so errors, positions and scalar styles match go-cty-yaml's). This is
//! the only `unsafe` code of the crate: it owns one `yaml_parser_t` and copies every event out
//! before freeing it.

use std::ffi::CStr;
use std::mem::MaybeUninit;

use unsafe_libyaml as yaml_sys_unsafe;

/// A position in the input: zero-based line and column.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(super) struct Mark {
    pub line: u64,
    pub column: u64,
}

impl From<yaml_sys_unsafe::yaml_mark_t> for Mark {
    fn from(m: yaml_sys_unsafe::yaml_mark_t) -> Mark {
        Mark { line: m.line, column: m.column }
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum ScalarStyle {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
    Folded,
}

#[derive(Debug)]
pub(super) enum EventData {
    StreamStart,
    StreamEnd,
    DocumentStart,
    DocumentEnd,
    Alias { anchor: String },
    Scalar { anchor: Option<String>, tag: Option<String>, value: String, plain_implicit: bool, style: ScalarStyle },
    SequenceStart { anchor: Option<String>, tag: Option<String> },
    SequenceEnd,
    MappingStart { anchor: Option<String>, tag: Option<String> },
    MappingEnd,
}

#[derive(Debug)]
pub(super) struct Event {
    pub data: EventData,
    pub start_mark: Mark,
}

/// libyaml's error state after a failed parse.
#[derive(Clone, Debug)]
pub(super) struct Error {
    pub scanner: bool,
    pub problem: String,
    pub problem_mark: Mark,
    /// Set only when libyaml names a context.
    pub context_mark: Option<Mark>,
}

pub(super) struct Parser {
    sys: Box<MaybeUninit<yaml_sys_unsafe::yaml_parser_t>>,
    /// libyaml reads from this buffer; it lives (and stays put) as long as the parser.
    _input: Box<[u8]>,
    failed: Option<Error>,
    done: bool,
}

impl Parser {
    pub fn new(input: &[u8]) -> Parser {
        let input: Box<[u8]> = input.into();
        let mut sys = Box::new(MaybeUninit::<yaml_sys_unsafe::yaml_parser_t>::uninit());
        // SAFETY: `yaml_parser_initialize` fully initialises the boxed parser (it only fails
        // when out of memory, which aborts in Rust anyway); the input outlives the parser
        // because both are owned by `Parser` and the parser is deleted first in `drop`.
        unsafe {
            let p = sys.as_mut_ptr();
            if yaml_sys_unsafe::yaml_parser_initialize(p).fail {
                std::process::abort();
            }
            yaml_sys_unsafe::yaml_parser_set_encoding(p, yaml_sys_unsafe::YAML_UTF8_ENCODING);
            yaml_sys_unsafe::yaml_parser_set_input_string(p, input.as_ptr(), input.len() as u64);
        }
        Parser { sys, _input: input, failed: None, done: false }
    }

    /// The next event; after an error, the same error again.
    pub fn parse(&mut self) -> Result<Event, Error> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        if self.done {
            return Ok(Event { data: EventData::StreamEnd, start_mark: Mark::default() });
        }
        let mut ev = MaybeUninit::<yaml_sys_unsafe::yaml_event_t>::uninit();
        // SAFETY: the parser was initialised in `new`; on success `yaml_parser_parse` fills the
        // event, which is copied into owned data and then deleted exactly once.
        unsafe {
            let p = self.sys.as_mut_ptr();
            if yaml_sys_unsafe::yaml_parser_parse(p, ev.as_mut_ptr()).fail {
                let e = error(&*p);
                self.failed = Some(e.clone());
                return Err(e);
            }
            let ev = ev.as_mut_ptr();
            let out = convert(&*ev);
            yaml_sys_unsafe::yaml_event_delete(ev);
            if matches!(out.data, EventData::StreamEnd) {
                self.done = true;
            }
            Ok(out)
        }
    }
}

impl Drop for Parser {
    fn drop(&mut self) {
        // SAFETY: initialised in `new`, deleted once.
        unsafe { yaml_sys_unsafe::yaml_parser_delete(self.sys.as_mut_ptr()) }
    }
}

/// SAFETY: `p` is a parser whose last call failed.
unsafe fn error(p: &yaml_sys_unsafe::yaml_parser_t) -> Error {
    let problem = unsafe { text(p.problem.cast()) }.unwrap_or_default();
    let context = unsafe { text(p.context.cast()) };
    Error {
        scanner: p.error == yaml_sys_unsafe::YAML_SCANNER_ERROR,
        problem,
        problem_mark: p.problem_mark.into(),
        context_mark: context.map(|_| p.context_mark.into()),
    }
}

/// SAFETY: `s` is null or a NUL-terminated string.
unsafe fn text(s: *const u8) -> Option<String> {
    if s.is_null() {
        return None;
    }
    Some(unsafe { CStr::from_ptr(s.cast()) }.to_string_lossy().into_owned())
}

/// SAFETY: `ev` is an event that `yaml_parser_parse` filled.
unsafe fn convert(ev: &yaml_sys_unsafe::yaml_event_t) -> Event {
    let data = unsafe {
        match ev.type_ {
            yaml_sys_unsafe::YAML_STREAM_START_EVENT => EventData::StreamStart,
            yaml_sys_unsafe::YAML_DOCUMENT_START_EVENT => EventData::DocumentStart,
            yaml_sys_unsafe::YAML_DOCUMENT_END_EVENT => EventData::DocumentEnd,
            yaml_sys_unsafe::YAML_ALIAS_EVENT => EventData::Alias { anchor: text(ev.data.alias.anchor).unwrap_or_default() },
            yaml_sys_unsafe::YAML_SCALAR_EVENT => {
                let s = ev.data.scalar;
                let bytes = if s.value.is_null() { &[][..] } else { std::slice::from_raw_parts(s.value, s.length as usize) };
                EventData::Scalar {
                    anchor: text(s.anchor),
                    tag: text(s.tag),
                    value: String::from_utf8_lossy(bytes).into_owned(),
                    plain_implicit: s.plain_implicit,
                    style: match s.style {
                        yaml_sys_unsafe::YAML_SINGLE_QUOTED_SCALAR_STYLE => ScalarStyle::SingleQuoted,
                        yaml_sys_unsafe::YAML_DOUBLE_QUOTED_SCALAR_STYLE => ScalarStyle::DoubleQuoted,
                        yaml_sys_unsafe::YAML_LITERAL_SCALAR_STYLE => ScalarStyle::Literal,
                        yaml_sys_unsafe::YAML_FOLDED_SCALAR_STYLE => ScalarStyle::Folded,
                        _ => ScalarStyle::Plain,
                    },
                }
            }
            yaml_sys_unsafe::YAML_SEQUENCE_START_EVENT => {
                EventData::SequenceStart { anchor: text(ev.data.sequence_start.anchor), tag: text(ev.data.sequence_start.tag) }
            }
            yaml_sys_unsafe::YAML_SEQUENCE_END_EVENT => EventData::SequenceEnd,
            yaml_sys_unsafe::YAML_MAPPING_START_EVENT => {
                EventData::MappingStart { anchor: text(ev.data.mapping_start.anchor), tag: text(ev.data.mapping_start.tag) }
            }
            yaml_sys_unsafe::YAML_MAPPING_END_EVENT => EventData::MappingEnd,
            _ => EventData::StreamEnd,
        }
    };
    Event { data, start_mark: ev.start_mark.into() }
}
