//! Character encodings for `textencodebase64` and `textdecodebase64`, named as Terraform's IANA
//! index (`golang.org/x/text/encoding/ianaindex`) names them: case-insensitive IANA names and
//! aliases, not the WHATWG labels `encoding_rs` uses (where `latin1` means windows-1252 and
//! `utf-16` means little-endian).

use encoding_rs::Encoding;

/// A supported encoding.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Charset {
    Utf8,
    /// `UTF-16`: big-endian with a byte order mark when encoding; the mark picks the byte order
    /// when decoding (big-endian without one).
    Utf16Bom,
    Utf16Be,
    Utf16Le,
    Latin1,
    Ascii,
    /// Anything `encoding_rs` implements with the same meaning as x/text.
    Other(&'static Encoding),
}

/// IANA names and aliases (lowercase) and the canonical name Terraform reports in errors.
const NAMES: &[(&[&str], &str)] = &[
    (&["utf-8", "csutf8"], "UTF-8"),
    (&["utf-16", "csutf16"], "UTF-16"),
    (&["utf-16be", "csutf16be"], "UTF-16BE"),
    (&["utf-16le", "csutf16le"], "UTF-16LE"),
    (&["iso-8859-1", "iso_8859-1:1987", "iso-ir-100", "iso_8859-1", "latin1", "l1", "ibm819", "cp819", "csisolatin1"], "ISO-8859-1"),
    (&["us-ascii", "iso-ir-6", "ansi_x3.4-1968", "ansi_x3.4-1986", "iso_646.irv:1991", "iso646-us", "us", "ibm367", "cp367", "csascii"], "US-ASCII"),
    (&["shift_jis", "ms_kanji", "csshiftjis"], "Shift_JIS"),
    (&["euc-jp", "cseucpkdfmtjapanese", "extended_unix_code_packed_format_for_japanese"], "EUC-JP"),
    (&["iso-2022-jp", "csiso2022jp"], "ISO-2022-JP"),
    (&["euc-kr", "cseuckr"], "EUC-KR"),
    (&["gbk", "cp936", "ms936", "windows-936", "csgbk"], "GBK"),
    (&["gb18030", "csgb18030"], "GB18030"),
    (&["big5", "csbig5"], "Big5"),
    (&["koi8-r", "cskoi8r"], "KOI8-R"),
    (&["koi8-u", "cskoi8u"], "KOI8-U"),
    (&["ibm866", "cp866", "866", "csibm866"], "IBM866"),
    (&["macintosh", "mac", "csmacintosh"], "macintosh"),
    (&["iso-8859-2", "iso_8859-2:1987", "iso-ir-101", "iso_8859-2", "latin2", "l2", "csisolatin2"], "ISO-8859-2"),
    (&["iso-8859-3", "iso_8859-3:1988", "iso-ir-109", "iso_8859-3", "latin3", "l3", "csisolatin3"], "ISO-8859-3"),
    (&["iso-8859-4", "iso_8859-4:1988", "iso-ir-110", "iso_8859-4", "latin4", "l4", "csisolatin4"], "ISO-8859-4"),
    (&["iso-8859-5", "iso_8859-5:1988", "iso-ir-144", "iso_8859-5", "cyrillic", "csisolatincyrillic"], "ISO-8859-5"),
    (&["iso-8859-6", "iso_8859-6:1987", "iso-ir-127", "iso_8859-6", "ecma-114", "asmo-708", "arabic", "csisolatinarabic"], "ISO-8859-6"),
    (&["iso-8859-7", "iso_8859-7:1987", "iso-ir-126", "iso_8859-7", "elot_928", "ecma-118", "greek", "greek8", "csisolatingreek"], "ISO-8859-7"),
    (&["iso-8859-8", "iso_8859-8:1988", "iso-ir-138", "iso_8859-8", "hebrew", "csisolatinhebrew"], "ISO-8859-8"),
    (&["iso-8859-10", "iso-ir-157", "l6", "iso_8859-10:1992", "csisolatin6", "latin6"], "ISO-8859-10"),
    (&["iso-8859-13", "csiso885913"], "ISO-8859-13"),
    (&["iso-8859-14", "iso-ir-199", "iso_8859-14:1998", "iso_8859-14", "latin8", "iso-celtic", "l8", "csiso885914"], "ISO-8859-14"),
    (&["iso-8859-15", "iso_8859-15", "latin-9", "csiso885915"], "ISO-8859-15"),
    (&["iso-8859-16", "iso-ir-226", "iso_8859-16:2001", "iso_8859-16", "latin10", "l10", "csiso885916"], "ISO-8859-16"),
    (&["windows-874", "cswindows874"], "windows-874"),
    (&["windows-1250", "cswindows1250"], "windows-1250"),
    (&["windows-1251", "cswindows1251"], "windows-1251"),
    (&["windows-1252", "cswindows1252"], "windows-1252"),
    (&["windows-1253", "cswindows1253"], "windows-1253"),
    (&["windows-1254", "cswindows1254"], "windows-1254"),
    (&["windows-1255", "cswindows1255"], "windows-1255"),
    (&["windows-1256", "cswindows1256"], "windows-1256"),
    (&["windows-1257", "cswindows1257"], "windows-1257"),
    (&["windows-1258", "cswindows1258"], "windows-1258"),
];

/// Looks an encoding up by IANA name or alias; returns it with its canonical name.
pub(crate) fn lookup(name: &str) -> Option<(Charset, &'static str)> {
    let lower = name.to_ascii_lowercase();
    let (_, canon) = NAMES.iter().find(|(names, _)| names.contains(&lower.as_str()))?;
    let cs = match *canon {
        "UTF-8" => Charset::Utf8,
        "UTF-16" => Charset::Utf16Bom,
        "UTF-16BE" => Charset::Utf16Be,
        "UTF-16LE" => Charset::Utf16Le,
        "ISO-8859-1" => Charset::Latin1,
        "US-ASCII" => Charset::Ascii,
        other => Charset::Other(Encoding::for_label(other.as_bytes())?),
    };
    Some((cs, canon))
}

/// Encodes text; `None` when a character cannot be represented.
pub(crate) fn encode(cs: Charset, text: &str) -> Option<Vec<u8>> {
    let utf16 = |be: bool| -> Vec<u8> {
        text.encode_utf16().flat_map(|u| if be { u.to_be_bytes() } else { u.to_le_bytes() }).collect()
    };
    match cs {
        Charset::Utf8 => Some(text.as_bytes().to_vec()),
        Charset::Utf16Bom => Some([vec![0xFE, 0xFF], utf16(true)].concat()),
        Charset::Utf16Be => Some(utf16(true)),
        Charset::Utf16Le => Some(utf16(false)),
        Charset::Latin1 => text.chars().map(|c| u8::try_from(u32::from(c)).ok()).collect(),
        Charset::Ascii => text.chars().map(|c| if c.is_ascii() { Some(c as u8) } else { None }).collect(),
        Charset::Other(enc) => {
            let (bytes, _, had_errors) = enc.encode(text);
            (!had_errors).then(|| bytes.into_owned())
        }
    }
}

/// Decodes bytes; `None` when they are not valid in the encoding (or decode to U+FFFD, which
/// Terraform also rejects).
pub(crate) fn decode(cs: Charset, bytes: &[u8]) -> Option<String> {
    let utf16 = |b: &[u8], be: bool| -> Option<String> {
        if b.len() % 2 != 0 {
            return None;
        }
        let units = b.chunks(2).map(|c| if be { u16::from_be_bytes([c[0], c[1]]) } else { u16::from_le_bytes([c[0], c[1]]) });
        char::decode_utf16(units).collect::<Result<String, _>>().ok()
    };
    let s = match cs {
        Charset::Utf8 => String::from_utf8(bytes.to_vec()).ok()?,
        Charset::Utf16Bom => match bytes {
            [0xFF, 0xFE, rest @ ..] => utf16(rest, false)?,
            [0xFE, 0xFF, rest @ ..] => utf16(rest, true)?,
            _ => utf16(bytes, true)?,
        },
        Charset::Utf16Be => utf16(bytes, true)?,
        Charset::Utf16Le => utf16(bytes, false)?,
        Charset::Latin1 => bytes.iter().map(|b| char::from(*b)).collect(),
        Charset::Ascii => bytes.iter().map(|b| if b.is_ascii() { Some(char::from(*b)) } else { None }).collect::<Option<String>>()?,
        Charset::Other(enc) => enc.decode_without_bom_handling_and_without_replacement(bytes)?.into_owned(),
    };
    (!s.contains('\u{FFFD}')).then_some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_round_trips() {
        assert_eq!(lookup("utf-16").map(|x| x.1), Some("UTF-16"));
        assert_eq!(lookup("LATIN1").map(|x| x.0), Some(Charset::Latin1));
        assert!(lookup("UTF-32").is_none());
        let (sj, _) = lookup("SHIFT_JIS").unwrap();
        assert_eq!(encode(sj, "日本"), Some(vec![0x93, 0xFA, 0x96, 0x7B]));
        assert_eq!(decode(sj, &[0x93, 0xFA, 0x96, 0x7B]).as_deref(), Some("日本"));
        assert_eq!(encode(Charset::Utf16Bom, "A"), Some(vec![0xFE, 0xFF, 0, 0x41]));
        assert_eq!(decode(Charset::Utf16Bom, &[0xFF, 0xFE, 0x41, 0]).as_deref(), Some("A"));
        assert_eq!(encode(Charset::Latin1, "€"), None);
        let (w, _) = lookup("windows-1252").unwrap();
        assert_eq!(encode(w, "€"), Some(vec![0x80]));
    }
}
