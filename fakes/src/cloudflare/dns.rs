//! DNS records: create, get, list (filters, ordering, paging), overwrite (PUT), edit (PATCH),
//! delete.
//!
//! Normalisations the real API does and the fake copies:
//! - names are stored lowercase and fully qualified: `www` and `@` become `www.example.com` and
//!   `example.com`, a trailing dot is dropped, and a name outside the zone gets the zone appended
//!   (`www.other.org` becomes `www.other.org.example.com`);
//! - CNAME, MX, NS and PTR targets lose a trailing dot (but the null MX `.` of RFC 7505 stays
//!   `.`); AAAA addresses are written in their canonical compressed form; TXT content is kept
//!   exactly as given;
//! - `ttl` 1 means automatic and is the default; a proxied record always has ttl 1;
//! - `proxied` defaults to false and only A, AAAA and CNAME records can be proxied
//!   (`proxiable`);
//! - the structured types (CAA, CERT, DNSKEY, DS, HTTPS, LOC, NAPTR, SMIMEA, SRV, SSHFP, SVCB,
//!   TLSA, URI) take a `data` object and get their `content` computed from it
//!   (CAA `0 issue "letsencrypt.org"`, SRV `weight port target` with `priority` beside it);
//! - `comment` is absent until set (the description types it as a string, so the fake leaves it
//!   out rather than writing `null`), `tags` defaults to `[]`, `settings` to `{}`;
//!   `comment_modified_on` / `tags_modified_on` appear once those are set.
//!
//! Validation errors are wrapped like the API does: 400
//! `{"code":1004,"message":"DNS Validation Error","error_chain":[{"code":9021,...}]}`.
//! Conflicts are direct 400 errors: 81053 (a CNAME where an A, AAAA or CNAME exists), 81054
//! (an A or AAAA where a CNAME exists), 81058 (an identical record exists). A missing record
//! is 404 81044.

use std::cmp::Ordering;
use std::net::{Ipv4Addr, Ipv6Addr};

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::Uri;
use serde_json::{json, Map, Number, Value};

use super::envelope::{
    json_object, ok, ok_list, paginate, ApiError, ApiResult, FieldError, Fields, Query,
};
use super::{lock, new_id, now, AppState, ZoneData};

/// Error codes of the DNS API.
pub mod codes {
    /// The record name is not a valid DNS name.
    pub const INVALID_NAME: u32 = 9000;
    /// `proxied: true` on a type that cannot be proxied.
    pub const NOT_PROXIABLE: u32 = 9004;
    /// A record content is not an IPv4 address.
    pub const INVALID_IPV4: u32 = 9005;
    /// AAAA record content is not an IPv6 address.
    pub const INVALID_IPV6: u32 = 9006;
    /// Content of another type is invalid (bad host name, empty TXT, ...).
    pub const INVALID_CONTENT: u32 = 9007;
    /// Unknown or missing record type.
    pub const INVALID_TYPE: u32 = 9008;
    /// TTL outside 1 or 60..=86400.
    pub const INVALID_TTL: u32 = 9021;
    /// A CNAME whose target is its own name.
    pub const CNAME_SELF: u32 = 9039;
    /// MX or URI without a valid `priority`.
    pub const INVALID_PRIORITY: u32 = 9100;
    /// A field of `data` is missing or invalid, or another field has the wrong type.
    pub const INVALID_FIELD: u32 = 9101;
    /// A CNAME where an A, AAAA or CNAME record with that name exists.
    pub const HOST_EXISTS: u32 = 81053;
    /// An A or AAAA record where a CNAME record with that name exists.
    pub const CNAME_EXISTS: u32 = 81054;
    /// A record with the same type, name and content (and priority) exists.
    pub const IDENTICAL_EXISTS: u32 = 81058;
    /// No record with that id in the zone.
    pub const NOT_FOUND: u32 = 81044;
}

/// Every record type the fake accepts (the description's `type` enum).
pub const TYPES: [&str; 20] = [
    "A", "AAAA", "CAA", "CERT", "CNAME", "DNSKEY", "DS", "HTTPS", "LOC", "MX", "NAPTR", "NS",
    "PTR", "SMIMEA", "SRV", "SSHFP", "SVCB", "TLSA", "TXT", "URI",
];

/// Types that can be proxied.
pub const PROXIABLE: [&str; 3] = ["A", "AAAA", "CNAME"];

/// A stored record.
#[derive(Debug, Clone, PartialEq)]
pub struct DnsRecord {
    pub id: String,
    pub rtype: String,
    pub name: String,
    pub content: String,
    /// The `data` object of structured types.
    pub data: Option<Map<String, Value>>,
    /// MX and URI priority (given at the top level), SRV priority (from `data`).
    pub priority: Option<i64>,
    pub ttl: i64,
    pub proxied: bool,
    pub comment: Option<String>,
    pub tags: Vec<String>,
    pub settings: Map<String, Value>,
    pub created_on: String,
    pub modified_on: String,
    pub comment_modified_on: Option<String>,
    pub tags_modified_on: Option<String>,
}

impl DnsRecord {
    pub fn proxiable(&self) -> bool {
        PROXIABLE.contains(&self.rtype.as_str())
    }

    pub fn to_json(&self) -> Value {
        let mut o = Map::new();
        o.insert("id".into(), json!(self.id));
        o.insert("name".into(), json!(self.name));
        o.insert("type".into(), json!(self.rtype));
        o.insert("content".into(), json!(self.content));
        if let Some(priority) = self.priority {
            o.insert("priority".into(), json!(priority));
        }
        if let Some(data) = &self.data {
            o.insert("data".into(), Value::Object(data.clone()));
        }
        o.insert("proxiable".into(), json!(self.proxiable()));
        o.insert("proxied".into(), json!(self.proxied));
        o.insert("ttl".into(), json!(self.ttl));
        o.insert("settings".into(), Value::Object(self.settings.clone()));
        o.insert("meta".into(), json!({"auto_added": false, "managed_by_apps": false, "managed_by_argo_tunnel": false, "source": "primary"}));
        if let Some(comment) = &self.comment {
            o.insert("comment".into(), json!(comment));
        }
        o.insert("tags".into(), json!(self.tags));
        o.insert("created_on".into(), json!(self.created_on));
        o.insert("modified_on".into(), json!(self.modified_on));
        if let Some(t) = &self.comment_modified_on {
            o.insert("comment_modified_on".into(), json!(t));
        }
        if let Some(t) = &self.tags_modified_on {
            o.insert("tags_modified_on".into(), json!(t));
        }
        Value::Object(o)
    }

    /// The record as a request body (what PATCH is merged into).
    fn to_input_object(&self) -> Map<String, Value> {
        let mut o = Map::new();
        o.insert("type".into(), json!(self.rtype));
        o.insert("name".into(), json!(self.name));
        match &self.data {
            Some(data) => {
                o.insert("data".into(), Value::Object(data.clone()));
            }
            None => {
                o.insert("content".into(), json!(self.content));
            }
        }
        if let Some(priority) = self.priority {
            if self.rtype != "SRV" {
                o.insert("priority".into(), json!(priority));
            }
        }
        o.insert("ttl".into(), json!(self.ttl));
        o.insert("proxied".into(), json!(self.proxied));
        if let Some(comment) = &self.comment {
            o.insert("comment".into(), json!(comment));
        }
        o.insert("tags".into(), json!(self.tags));
        o.insert("settings".into(), Value::Object(self.settings.clone()));
        o
    }
}

/// A validated, normalised request body.
#[derive(Debug, Clone, PartialEq)]
struct RecordInput {
    rtype: String,
    name: String,
    content: String,
    data: Option<Map<String, Value>>,
    priority: Option<i64>,
    ttl: i64,
    proxied: bool,
    comment: Option<String>,
    tags: Vec<String>,
    settings: Map<String, Value>,
}

fn field_err(e: FieldError) -> ApiError {
    ApiError::dns_validation(codes::INVALID_FIELD, e.to_string())
}

fn is_hostname(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 253
        && s.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && (label == "*"
                    || label
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        })
}

/// `www`, `@`, `www.example.com.` and `www.example.com` all become `www.example.com`.
fn normalize_name(raw: &str, zone: &str) -> Result<String, ApiError> {
    let n = raw.trim().trim_end_matches('.').to_ascii_lowercase();
    let fqdn = if n.is_empty() || n == "@" || n == zone {
        zone.to_string()
    } else if n.ends_with(&format!(".{zone}")) {
        n
    } else {
        format!("{n}.{zone}")
    };
    if fqdn.len() > 255 || !is_hostname(&fqdn) {
        return Err(ApiError::dns_validation(
            codes::INVALID_NAME,
            "DNS name is invalid.",
        ));
    }
    Ok(fqdn)
}

/// How one field of `data` is checked.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Int(i64, i64),
    Float(f64, f64),
    Str,
    Host,
    OneOf(&'static [&'static str]),
}

/// One field of `data`; `default` makes it optional.
struct DataField {
    name: &'static str,
    kind: Kind,
    default: Option<f64>,
}

const fn req(name: &'static str, kind: Kind) -> DataField {
    DataField {
        name,
        kind,
        default: None,
    }
}

const fn opt(name: &'static str, kind: Kind, default: f64) -> DataField {
    DataField {
        name,
        kind,
        default: Some(default),
    }
}

const U8: Kind = Kind::Int(0, 255);
const U16: Kind = Kind::Int(0, 65535);

/// The `data` fields of each structured type, as in the description.
fn data_fields(rtype: &str) -> Option<&'static [DataField]> {
    const CAA: &[DataField] = &[
        req("flags", U8),
        req("tag", Kind::OneOf(&["issue", "issuewild", "iodef"])),
        req("value", Kind::Str),
    ];
    const CERT: &[DataField] = &[
        req("type", U16),
        req("key_tag", U16),
        req("algorithm", U8),
        req("certificate", Kind::Str),
    ];
    const DNSKEY: &[DataField] = &[
        req("flags", U16),
        req("protocol", U8),
        req("algorithm", U8),
        req("public_key", Kind::Str),
    ];
    const DS: &[DataField] = &[
        req("key_tag", U16),
        req("algorithm", U8),
        req("digest_type", U8),
        req("digest", Kind::Str),
    ];
    const SVCB: &[DataField] = &[
        req("priority", U16),
        req("target", Kind::Str),
        req("value", Kind::Str),
    ];
    const LOC: &[DataField] = &[
        req("lat_degrees", Kind::Int(0, 90)),
        opt("lat_minutes", Kind::Int(0, 59), 0.0),
        opt("lat_seconds", Kind::Float(0.0, 59.999), 0.0),
        req("lat_direction", Kind::OneOf(&["N", "S"])),
        req("long_degrees", Kind::Int(0, 180)),
        opt("long_minutes", Kind::Int(0, 59), 0.0),
        opt("long_seconds", Kind::Float(0.0, 59.999), 0.0),
        req("long_direction", Kind::OneOf(&["E", "W"])),
        req("altitude", Kind::Float(-100_000.0, 42_849_672.95)),
        opt("size", Kind::Float(0.0, 90_000_000.0), 0.0),
        opt("precision_horz", Kind::Float(0.0, 90_000_000.0), 0.0),
        opt("precision_vert", Kind::Float(0.0, 90_000_000.0), 0.0),
    ];
    const NAPTR: &[DataField] = &[
        req("order", U16),
        req("preference", U16),
        req("flags", Kind::Str),
        req("service", Kind::Str),
        req("regex", Kind::Str),
        req("replacement", Kind::Str),
    ];
    const TLSA: &[DataField] = &[
        req("usage", U8),
        req("selector", U8),
        req("matching_type", U8),
        req("certificate", Kind::Str),
    ];
    const SRV: &[DataField] = &[
        req("priority", U16),
        req("weight", U16),
        req("port", U16),
        req("target", Kind::Host),
    ];
    const SSHFP: &[DataField] = &[
        req("algorithm", U8),
        req("type", U8),
        req("fingerprint", Kind::Str),
    ];
    const URI: &[DataField] = &[req("weight", U16), req("target", Kind::Str)];
    match rtype {
        "CAA" => Some(CAA),
        "CERT" => Some(CERT),
        "DNSKEY" => Some(DNSKEY),
        "DS" => Some(DS),
        "HTTPS" | "SVCB" => Some(SVCB),
        "LOC" => Some(LOC),
        "NAPTR" => Some(NAPTR),
        "SMIMEA" | "TLSA" => Some(TLSA),
        "SRV" => Some(SRV),
        "SSHFP" => Some(SSHFP),
        "URI" => Some(URI),
        _ => None,
    }
}

/// Checks `data` against the type's fields; returns it with defaults filled and unknown keys dropped.
fn validate_data(
    rtype: &str,
    fields: &[DataField],
    data: &Map<String, Value>,
) -> Result<Map<String, Value>, ApiError> {
    let bad = |name: &str, why: String| {
        ApiError::dns_validation(
            codes::INVALID_FIELD,
            format!("data.{name} {why} ({rtype} record)"),
        )
    };
    let f = Fields::with_prefix(data, "data.");
    let mut out = Map::new();
    for field in fields {
        let name = field.name;
        if !f.has(name) {
            match field.default {
                Some(d) => {
                    out.insert(name.into(), number(d));
                    continue;
                }
                None => return Err(bad(name, "is required".into())),
            }
        }
        let value = match field.kind {
            Kind::Int(min, max) => {
                let v = f.i64(name).map_err(field_err)?.unwrap_or_default();
                if v < min || v > max {
                    return Err(bad(name, format!("must be between {min} and {max}")));
                }
                json!(v)
            }
            Kind::Float(min, max) => {
                let v = f.f64(name).map_err(field_err)?.unwrap_or_default();
                if v < min || v > max {
                    return Err(bad(name, format!("must be between {min} and {max}")));
                }
                number(v)
            }
            Kind::Str => json!(f.str(name).map_err(field_err)?.unwrap_or_default()),
            Kind::Host => {
                let v = f
                    .str(name)
                    .map_err(field_err)?
                    .unwrap_or_default()
                    .trim_end_matches('.');
                if !is_hostname(v) {
                    return Err(bad(name, "must be a valid host name".into()));
                }
                json!(v)
            }
            Kind::OneOf(allowed) => {
                let v = f.str(name).map_err(field_err)?.unwrap_or_default();
                if !allowed.contains(&v) {
                    return Err(bad(name, format!("must be one of {}", allowed.join(", "))));
                }
                json!(v)
            }
        };
        out.insert(name.into(), value);
    }
    Ok(out)
}

/// An integral float as a JSON integer, anything else as a JSON float.
fn number(v: f64) -> Value {
    if v.fract() == 0.0 && v.abs() < 9.0e15 {
        json!(v as i64)
    } else {
        Number::from_f64(v)
            .map(Value::Number)
            .unwrap_or(Value::Null)
    }
}

/// The `content` the API computes from `data`.
fn content_from_data(rtype: &str, d: &Map<String, Value>) -> String {
    let s = |k: &str| {
        d.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let n = |k: &str| match d.get(k) {
        Some(Value::Number(n)) => n.to_string(),
        _ => "0".to_string(),
    };
    let f = |k: &str, places: usize| {
        let v = d.get(k).and_then(Value::as_f64).unwrap_or_default();
        format!("{v:.places$}")
    };
    match rtype {
        "CAA" => format!("{} {} \"{}\"", n("flags"), s("tag"), s("value")),
        "CERT" => format!(
            "{} {} {} {}",
            n("type"),
            n("key_tag"),
            n("algorithm"),
            s("certificate")
        ),
        "DNSKEY" => format!(
            "{} {} {} {}",
            n("flags"),
            n("protocol"),
            n("algorithm"),
            s("public_key")
        ),
        "DS" => format!(
            "{} {} {} {}",
            n("key_tag"),
            n("algorithm"),
            n("digest_type"),
            s("digest")
        ),
        "HTTPS" | "SVCB" => format!("{} {} {}", n("priority"), s("target"), s("value"))
            .trim_end()
            .to_string(),
        "LOC" => format!(
            "{} {} {} {} {} {} {} {} {}m {}m {}m {}m",
            n("lat_degrees"),
            n("lat_minutes"),
            f("lat_seconds", 3),
            s("lat_direction"),
            n("long_degrees"),
            n("long_minutes"),
            f("long_seconds", 3),
            s("long_direction"),
            f("altitude", 2),
            f("size", 2),
            f("precision_horz", 2),
            f("precision_vert", 2),
        ),
        "NAPTR" => format!(
            "{} {} \"{}\" \"{}\" \"{}\" {}",
            n("order"),
            n("preference"),
            s("flags"),
            s("service"),
            s("regex"),
            s("replacement")
        ),
        "SMIMEA" | "TLSA" => format!(
            "{} {} {} {}",
            n("usage"),
            n("selector"),
            n("matching_type"),
            s("certificate")
        ),
        "SRV" => format!("{} {} {}", n("weight"), n("port"), s("target")),
        "SSHFP" => format!("{} {} {}", n("algorithm"), n("type"), s("fingerprint")),
        "URI" => format!("{} \"{}\"", n("weight"), s("target")),
        _ => String::new(),
    }
}

/// Validates and normalises a create/overwrite body (or a PATCH merged into the stored record).
fn validate(obj: &Map<String, Value>, zone_name: &str) -> Result<RecordInput, ApiError> {
    let f = Fields::new(obj);
    let rtype = f
        .str("type")
        .map_err(field_err)?
        .unwrap_or_default()
        .to_string();
    if !TYPES.contains(&rtype.as_str()) {
        let msg = if rtype.is_empty() {
            "DNS record type is required.".to_string()
        } else {
            format!("Invalid DNS record type {rtype:?}.")
        };
        return Err(ApiError::dns_validation(codes::INVALID_TYPE, msg));
    }
    let raw_name = f
        .str("name")
        .map_err(field_err)?
        .ok_or_else(|| ApiError::dns_validation(codes::INVALID_NAME, "DNS name is required."))?;
    let name = normalize_name(raw_name, zone_name)?;

    let ttl_error = || {
        ApiError::dns_validation(
            codes::INVALID_TTL,
            "TTL must be between 60 and 86400 seconds, or 1 for Automatic.",
        )
    };
    let ttl = f.i64("ttl").map_err(|_| ttl_error())?.unwrap_or(1);
    if ttl != 1 && !(60..=86400).contains(&ttl) {
        return Err(ttl_error());
    }

    let proxied = f.bool("proxied").map_err(field_err)?.unwrap_or(false);
    if proxied && !PROXIABLE.contains(&rtype.as_str()) {
        return Err(ApiError::dns_validation(
            codes::NOT_PROXIABLE,
            "This record type cannot be proxied.",
        ));
    }

    let invalid_content = |what: &str| {
        ApiError::dns_validation(
            codes::INVALID_CONTENT,
            format!("Content for {rtype} record is invalid. {what}"),
        )
    };
    let (content, data) = match data_fields(&rtype) {
        Some(fields) => {
            let data = f.object("data").map_err(field_err)?.ok_or_else(|| {
                ApiError::dns_validation(
                    codes::INVALID_FIELD,
                    format!("data is required for {rtype} records."),
                )
            })?;
            let data = validate_data(&rtype, fields, data)?;
            (content_from_data(&rtype, &data), Some(data))
        }
        None => {
            let raw = f.str("content").map_err(field_err)?.unwrap_or_default();
            let content = match rtype.as_str() {
                "A" => raw
                    .trim()
                    .parse::<Ipv4Addr>()
                    .map(|ip| ip.to_string())
                    .map_err(|_| {
                        ApiError::dns_validation(
                            codes::INVALID_IPV4,
                            "Content for A record must be a valid IPv4 address.",
                        )
                    })?,
                "AAAA" => raw
                    .trim()
                    .parse::<Ipv6Addr>()
                    .map(|ip| ip.to_string())
                    .map_err(|_| {
                        ApiError::dns_validation(
                            codes::INVALID_IPV6,
                            "Content for AAAA record must be a valid IPv6 address.",
                        )
                    })?,
                "TXT" => {
                    if raw.is_empty() {
                        return Err(invalid_content("Content must not be empty."));
                    }
                    raw.to_string()
                }
                // A null MX (RFC 7505): the domain accepts no mail. The API keeps the `.`.
                "MX" if raw.trim() == "." => ".".to_string(),
                _ => {
                    // CNAME, MX, NS, PTR: a host name.
                    let host = raw.trim().trim_end_matches('.');
                    if !is_hostname(host) {
                        return Err(invalid_content("It must be a valid host name."));
                    }
                    host.to_string()
                }
            };
            (content, None)
        }
    };
    if rtype == "CNAME" && content.eq_ignore_ascii_case(&name) {
        return Err(ApiError::dns_validation(
            codes::CNAME_SELF,
            "CNAME content cannot reference itself.",
        ));
    }

    let priority = match rtype.as_str() {
        "MX" | "URI" => {
            let p = f
                .i64("priority")
                .map_err(|_| {
                    ApiError::dns_validation(
                        codes::INVALID_PRIORITY,
                        "priority must be an integer.",
                    )
                })?
                .ok_or_else(|| {
                    ApiError::dns_validation(
                        codes::INVALID_PRIORITY,
                        format!("priority is required for {rtype} records."),
                    )
                })?;
            if !(0..=65535).contains(&p) {
                return Err(ApiError::dns_validation(
                    codes::INVALID_PRIORITY,
                    "priority must be between 0 and 65535.",
                ));
            }
            Some(p)
        }
        "SRV" => data
            .as_ref()
            .and_then(|d| d.get("priority"))
            .and_then(Value::as_i64),
        _ => None,
    };

    let comment = f
        .str("comment")
        .map_err(field_err)?
        .filter(|c| !c.is_empty())
        .map(str::to_string);
    let tags = f.strings("tags").map_err(field_err)?.unwrap_or_default();
    if let Some(bad) = tags.iter().find(|t| t.trim().is_empty()) {
        return Err(ApiError::dns_validation(
            codes::INVALID_FIELD,
            format!("Invalid tag {bad:?}."),
        ));
    }
    let settings = f
        .object("settings")
        .map_err(field_err)?
        .cloned()
        .unwrap_or_default();

    Ok(RecordInput {
        // A proxied record's TTL is always automatic.
        ttl: if proxied { 1 } else { ttl },
        rtype,
        name,
        content,
        data,
        priority,
        proxied,
        comment,
        tags,
        settings,
    })
}

/// The conflicts the API refuses, checked against every other record of the zone.
fn check_conflicts(
    zone: &ZoneData,
    input: &RecordInput,
    exclude: Option<&str>,
) -> Result<(), ApiError> {
    let same_name = zone
        .dns
        .values()
        .filter(|r| Some(r.id.as_str()) != exclude && r.name == input.name);
    for r in same_name {
        let address_or_alias = matches!(r.rtype.as_str(), "A" | "AAAA" | "CNAME");
        if input.rtype == "CNAME" && address_or_alias {
            return Err(ApiError::bad_request(
                codes::HOST_EXISTS,
                "An A, AAAA, or CNAME record with that host already exists. For more details, refer to <https://developers.cloudflare.com/dns/manage-dns-records/troubleshooting/records-with-same-name/>.",
            ));
        }
        if matches!(input.rtype.as_str(), "A" | "AAAA") && r.rtype == "CNAME" {
            return Err(ApiError::bad_request(
                codes::CNAME_EXISTS,
                "A CNAME record with that host already exists. For more details, refer to <https://developers.cloudflare.com/dns/manage-dns-records/troubleshooting/records-with-same-name/>.",
            ));
        }
        if r.rtype == input.rtype && r.content == input.content && r.priority == input.priority {
            return Err(ApiError::bad_request(
                codes::IDENTICAL_EXISTS,
                "An identical record already exists.",
            ));
        }
    }
    Ok(())
}

/// Builds the stored record from a validated input, keeping what an update keeps.
fn build(id: String, input: RecordInput, previous: Option<&DnsRecord>) -> DnsRecord {
    let now = now();
    let created_on = previous
        .map(|p| p.created_on.clone())
        .unwrap_or_else(|| now.clone());
    let comment_modified_on = match previous {
        Some(p) if p.comment == input.comment => p.comment_modified_on.clone(),
        Some(_) => Some(now.clone()),
        None => input.comment.as_ref().map(|_| now.clone()),
    };
    let tags_modified_on = match previous {
        Some(p) if p.tags == input.tags => p.tags_modified_on.clone(),
        Some(_) => Some(now.clone()),
        None => (!input.tags.is_empty()).then(|| now.clone()),
    };
    DnsRecord {
        id,
        rtype: input.rtype,
        name: input.name,
        content: input.content,
        data: input.data,
        priority: input.priority,
        ttl: input.ttl,
        proxied: input.proxied,
        comment: input.comment,
        tags: input.tags,
        settings: input.settings,
        created_on,
        modified_on: now,
        comment_modified_on,
        tags_modified_on,
    }
}

fn record_not_found() -> ApiError {
    ApiError::not_found(codes::NOT_FOUND, "Record does not exist.")
}

/// `POST /zones/{zone_id}/dns_records`.
pub async fn create(
    State(state): State<AppState>,
    Path(zone_id): Path<String>,
    uri: Uri,
    body: Bytes,
) -> ApiResult {
    let zone = state.store.zone_or_404(&zone_id, &uri)?;
    let obj = json_object(&body)?;
    let mut z = lock(&zone);
    let input = validate(&obj, &z.zone.name)?;
    check_conflicts(&z, &input, None)?;
    let record = build(new_id(), input, None);
    let json = record.to_json();
    z.dns.insert(record.id.clone(), record);
    Ok(ok(json))
}

/// `GET /zones/{zone_id}/dns_records/{dns_record_id}`.
pub async fn get(
    State(state): State<AppState>,
    Path((zone_id, id)): Path<(String, String)>,
    uri: Uri,
) -> ApiResult {
    let zone = state.store.zone_or_404(&zone_id, &uri)?;
    let z = lock(&zone);
    let record = z.dns.get(&id).ok_or_else(record_not_found)?;
    Ok(ok(record.to_json()))
}

/// `PUT /zones/{zone_id}/dns_records/{dns_record_id}`: replaces the whole record.
pub async fn overwrite(
    State(state): State<AppState>,
    Path((zone_id, id)): Path<(String, String)>,
    uri: Uri,
    body: Bytes,
) -> ApiResult {
    let zone = state.store.zone_or_404(&zone_id, &uri)?;
    let obj = json_object(&body)?;
    let mut z = lock(&zone);
    let previous = z.dns.get(&id).cloned().ok_or_else(record_not_found)?;
    let input = validate(&obj, &z.zone.name)?;
    check_conflicts(&z, &input, Some(&id))?;
    let record = build(id.clone(), input, Some(&previous));
    let json = record.to_json();
    z.dns.insert(id, record);
    Ok(ok(json))
}

/// `PATCH /zones/{zone_id}/dns_records/{dns_record_id}`: changes the given fields only.
pub async fn patch(
    State(state): State<AppState>,
    Path((zone_id, id)): Path<(String, String)>,
    uri: Uri,
    body: Bytes,
) -> ApiResult {
    let zone = state.store.zone_or_404(&zone_id, &uri)?;
    let changes = json_object(&body)?;
    let mut z = lock(&zone);
    let previous = z.dns.get(&id).cloned().ok_or_else(record_not_found)?;
    let mut merged = previous.to_input_object();
    let type_changed = changes
        .get("type")
        .is_some_and(|t| t.as_str() != Some(previous.rtype.as_str()));
    if type_changed {
        // The old type's content or data means nothing for the new type.
        merged.remove("content");
        merged.remove("data");
        merged.remove("priority");
    }
    for (key, value) in changes {
        if key == "comment" && value.is_null() {
            merged.remove("comment");
        } else {
            merged.insert(key, value);
        }
    }
    let input = validate(&merged, &z.zone.name)?;
    check_conflicts(&z, &input, Some(&id))?;
    let record = build(id.clone(), input, Some(&previous));
    let json = record.to_json();
    z.dns.insert(id, record);
    Ok(ok(json))
}

/// `DELETE /zones/{zone_id}/dns_records/{dns_record_id}`: answers `{"id": ...}`.
pub async fn delete(
    State(state): State<AppState>,
    Path((zone_id, id)): Path<(String, String)>,
    uri: Uri,
) -> ApiResult {
    let zone = state.store.zone_or_404(&zone_id, &uri)?;
    let mut z = lock(&zone);
    z.dns.shift_remove(&id).ok_or_else(record_not_found)?;
    Ok(ok(json!({ "id": id })))
}

type Filter<'a> = Box<dyn Fn(&DnsRecord) -> bool + 'a>;

/// `name:value` tags: the part before the first colon is the tag name.
fn tag_name(tag: &str) -> &str {
    tag.split_once(':').map(|(n, _)| n).unwrap_or(tag)
}

fn tag_value(tag: &str) -> &str {
    tag.split_once(':').map(|(_, v)| v).unwrap_or("")
}

/// String filters with the `.exact`, `.contains`, `.startswith`, `.endswith` suffixes.
fn string_filters<'a>(
    q: &'a Query,
    field: &'static str,
    get: fn(&DnsRecord) -> Option<&str>,
    filters: &mut Vec<Filter<'a>>,
) {
    for (suffix, test) in [
        (
            "exact",
            (|v: &str, n: &str| v == n) as fn(&str, &str) -> bool,
        ),
        ("contains", |v, n| v.contains(n)),
        ("startswith", |v, n| v.starts_with(n)),
        ("endswith", |v, n| v.ends_with(n)),
    ] {
        let key = format!("{field}.{suffix}");
        if let Some(needle) = q.get(&key) {
            let needle = if field == "name" {
                needle.to_ascii_lowercase()
            } else {
                needle.to_string()
            };
            filters.push(Box::new(move |r| get(r).is_some_and(|v| test(v, &needle))));
        }
    }
}

/// `GET /zones/{zone_id}/dns_records`.
pub async fn list(
    State(state): State<AppState>,
    Path(zone_id): Path<String>,
    uri: Uri,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    let zone = state.store.zone_or_404(&zone_id, &uri)?;
    let q = Query::parse(raw.as_deref());
    let page = q.page(100, 1, 5_000_000)?;
    let match_all = q.match_all("match")?;
    let tag_match_all = q.match_all("tag_match")?;
    let desc = q.descending(false)?;
    let proxied = q.bool("proxied")?;

    let mut filters: Vec<Filter> = vec![];
    if let Some(name) = q.get("name") {
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        filters.push(Box::new(move |r| r.name == name));
    }
    string_filters(&q, "name", |r| Some(&r.name), &mut filters);
    if let Some(t) = q.get("type") {
        filters.push(Box::new(move |r| r.rtype == t));
    }
    if let Some(content) = q.get("content") {
        filters.push(Box::new(move |r| r.content == content));
    }
    string_filters(&q, "content", |r| Some(&r.content), &mut filters);
    if let Some(p) = proxied {
        filters.push(Box::new(move |r| r.proxied == p));
    }
    if let Some(c) = q.get("comment") {
        filters.push(Box::new(move |r| r.comment.as_deref() == Some(c)));
    }
    if q.get("comment.present").is_some() {
        filters.push(Box::new(|r| r.comment.is_some()));
    }
    if q.get("comment.absent").is_some() {
        filters.push(Box::new(|r| r.comment.is_none()));
    }
    string_filters(&q, "comment", |r| r.comment.as_deref(), &mut filters);

    let mut tag_filters: Vec<Filter> = vec![];
    for t in q.get_all("tag") {
        if t.contains(':') {
            tag_filters.push(Box::new(move |r| r.tags.iter().any(|x| x == t)));
        } else {
            tag_filters.push(Box::new(move |r| r.tags.iter().any(|x| tag_name(x) == t)));
        }
    }
    for n in q.get_all("tag.present") {
        tag_filters.push(Box::new(move |r| r.tags.iter().any(|x| tag_name(x) == n)));
    }
    for n in q.get_all("tag.absent") {
        tag_filters.push(Box::new(move |r| !r.tags.iter().any(|x| tag_name(x) == n)));
    }
    for (suffix, test) in [
        (
            "exact",
            (|v: &str, n: &str| v == n) as fn(&str, &str) -> bool,
        ),
        ("contains", |v, n| v.contains(n)),
        ("startswith", |v, n| v.starts_with(n)),
        ("endswith", |v, n| v.ends_with(n)),
    ] {
        let key = format!("tag.{suffix}");
        for spec in q.get_all(&key).map(str::to_string).collect::<Vec<_>>() {
            let name = tag_name(&spec).to_string();
            let needle = tag_value(&spec).to_string();
            tag_filters.push(Box::new(move |r| {
                r.tags
                    .iter()
                    .any(|x| tag_name(x) == name && test(tag_value(x), &needle))
            }));
        }
    }
    if !tag_filters.is_empty() {
        filters.push(Box::new(move |r| {
            if tag_match_all {
                tag_filters.iter().all(|f| f(r))
            } else {
                tag_filters.iter().any(|f| f(r))
            }
        }));
    }
    let search = q.get("search").map(str::to_ascii_lowercase);

    let z = lock(&zone);
    let mut matching: Vec<&DnsRecord> = z
        .dns
        .values()
        .filter(|r| {
            filters.is_empty()
                || if match_all {
                    filters.iter().all(|f| f(r))
                } else {
                    filters.iter().any(|f| f(r))
                }
        })
        .filter(|r| match &search {
            None => true,
            Some(s) => {
                r.name.contains(s.as_str())
                    || r.content.to_ascii_lowercase().contains(s.as_str())
                    || r.comment
                        .as_deref()
                        .is_some_and(|c| c.to_ascii_lowercase().contains(s.as_str()))
                    || r.tags
                        .iter()
                        .any(|t| t.to_ascii_lowercase().contains(s.as_str()))
            }
        })
        .collect();
    let order = q.get("order").unwrap_or("type");
    let compare = |a: &&DnsRecord, b: &&DnsRecord| -> Ordering {
        match order {
            "name" => a.name.cmp(&b.name),
            "content" => a.content.cmp(&b.content),
            "ttl" => a.ttl.cmp(&b.ttl),
            "proxied" => a.proxied.cmp(&b.proxied),
            _ => a.rtype.cmp(&b.rtype),
        }
    };
    matching.sort_by(|a, b| if desc { compare(b, a) } else { compare(a, b) });
    let (records, info) = paginate(matching, page);
    Ok(ok_list(
        records.into_iter().map(DnsRecord::to_json).collect(),
        info,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn names_are_fully_qualified() {
        assert_eq!(
            normalize_name("www", "example.com").unwrap(),
            "www.example.com"
        );
        assert_eq!(normalize_name("@", "example.com").unwrap(), "example.com");
        assert_eq!(
            normalize_name("WWW.Example.com.", "example.com").unwrap(),
            "www.example.com"
        );
        assert_eq!(
            normalize_name("www.other.org", "example.com").unwrap(),
            "www.other.org.example.com"
        );
        assert_eq!(
            normalize_name("*.dev", "example.com").unwrap(),
            "*.dev.example.com"
        );
        assert!(normalize_name("bad name", "example.com").is_err());
    }

    #[test]
    fn ttl_and_proxied_rules() {
        let err = validate(
            &obj(json!({"type":"A","name":"a","content":"192.0.2.1","ttl":30})),
            "example.com",
        )
        .unwrap_err();
        assert_eq!(err.code(), codes::INVALID_TTL);
        let err = validate(
            &obj(json!({"type":"TXT","name":"a","content":"x","proxied":true})),
            "example.com",
        )
        .unwrap_err();
        assert_eq!(err.code(), codes::NOT_PROXIABLE);
        let ok = validate(
            &obj(json!({"type":"A","name":"a","content":"192.0.2.1","ttl":3600,"proxied":true})),
            "example.com",
        )
        .unwrap();
        assert_eq!(ok.ttl, 1);
    }

    #[test]
    fn content_is_normalised_or_computed() {
        // A null MX (RFC 7505) keeps its `.`; other MX targets lose the trailing dot.
        let v = validate(
            &obj(json!({"type":"MX","name":"@","content":".","priority":0})),
            "example.com",
        )
        .unwrap();
        assert_eq!(v.content, ".");
        let v = validate(
            &obj(json!({"type":"MX","name":"@","content":"mx.example.net.","priority":10})),
            "example.com",
        )
        .unwrap();
        assert_eq!(v.content, "mx.example.net");
        let v = validate(
            &obj(json!({"type":"AAAA","name":"a","content":"2001:DB8:0:0:0:0:0:1"})),
            "example.com",
        )
        .unwrap();
        assert_eq!(v.content, "2001:db8::1");
        let v = validate(
            &obj(json!({"type":"CNAME","name":"a","content":"target.example.net."})),
            "example.com",
        )
        .unwrap();
        assert_eq!(v.content, "target.example.net");
        let v = validate(&obj(json!({"type":"CAA","name":"@","data":{"flags":0,"tag":"issue","value":"letsencrypt.org"}})), "example.com").unwrap();
        assert_eq!(v.content, "0 issue \"letsencrypt.org\"");
        let v = validate(
            &obj(json!({"type":"SRV","name":"_sip._tcp","data":{"priority":10,"weight":5,"port":5060,"target":"sip.example.com."}})),
            "example.com",
        )
        .unwrap();
        assert_eq!(
            (v.content.as_str(), v.priority),
            ("5 5060 sip.example.com", Some(10))
        );
        let err = validate(
            &obj(json!({"type":"SRV","name":"_sip._tcp","data":{"weight":5}})),
            "example.com",
        )
        .unwrap_err();
        assert_eq!(err.code(), codes::INVALID_FIELD);
        let err = validate(
            &obj(json!({"type":"MX","name":"@","content":"mx.example.com"})),
            "example.com",
        )
        .unwrap_err();
        assert_eq!(err.code(), codes::INVALID_PRIORITY);
        let v = validate(
            &obj(json!({"type":"LOC","name":"@","data":{"lat_degrees":37,"lat_direction":"N","long_degrees":122,"long_direction":"W","altitude":0}})),
            "example.com",
        )
        .unwrap();
        assert_eq!(
            v.content,
            "37 0 0.000 N 122 0 0.000 W 0.00m 0.00m 0.00m 0.00m"
        );
    }
}
