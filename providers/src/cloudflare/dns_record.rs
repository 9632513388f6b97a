//! `cloudflare_dns_record`: one DNS record of a zone (`/zones/{zone_id}/dns_records`), every
//! type the API knows (A, AAAA, CNAME, MX, NS, TXT, PTR, OPENPGPKEY with `content`; CAA, CERT,
//! DNSKEY, DS, HTTPS, LOC, NAPTR, SMIMEA, SRV, SSHFP, SVCB, TLSA, URI with the `data` object).
//!
//! As in v5: `zone_id` and `type` force replacement; `proxied` defaults to false (then `ttl`
//! must be 1 when proxied); create is POST, update PUT (overwrite), import ID
//! `<zone_id>/<dns_record_id>`. Differences: `tags` defaults to `[]` (so removing tags from
//! the configuration removes them), and names, contents and the rest are normalised as below.
//!
//! Normalisation (our form is kept when the API's means the same): the name as configured
//! (`www`, `@`, `www.example.com`, any letter case, a trailing dot) against the API's FQDN,
//! using the zone's name; CNAME/MX/NS/PTR targets ignoring case and a trailing dot; AAAA/A
//! addresses in any notation; TXT content quoted or not; `meta` as JSON; an empty `tags` or
//! `settings` and an absent one; the top-level `priority` the API copies from `data`.
//!
//! Creates are at-most-once ([`create_once`]): after an ambiguous failure the record is looked
//! up by name, type and content (or data). Refresh lists each zone's records with the largest
//! page the API allows, so N records of one zone cost one or a few requests.

use std::collections::BTreeMap;

use async_trait::async_trait;
use infra_lang::{Type, Value};
use serde_json::{json, Value as J};

use super::api::{segment, Cloudflare, DNS_PER_PAGE};
use super::{op, SCHEMA_VERSION};
use crate::http::HttpError;
use crate::provider::{PlannedState, ProviderError};
use crate::rest::idempotent::create_once;
use crate::rest::normalize::{
    equiv_dns_name, equiv_dynamic, equiv_empty_is_null, equiv_hostname, equiv_ip_address,
    equiv_json_text, equiv_number, equiv_quoted, Normalizer,
};
use crate::rest::resource::{split_import_id, RestResource, TypeSpec};
use crate::rest::schema::Tweak;

pub const TYPE: &str = "cloudflare_dns_record";
const DOC: &str = include_str!("docs/dns_record.md");

/// Record types whose content is computed from `data`.
pub const DATA_TYPES: [&str; 13] = [
    "CAA", "CERT", "DNSKEY", "DS", "HTTPS", "LOC", "NAPTR", "SMIMEA", "SRV", "SSHFP", "SVCB",
    "TLSA", "URI",
];

/// The schema, from the docs page plus the v5 source's flags.
pub fn spec() -> (TypeSpec, Vec<String>) {
    let zero = || Tweak::ApiDefault(json!(0));
    let overlay = vec![
        ("id", vec![Tweak::KeepPrior]),
        ("zone_id", vec![Tweak::Required, Tweak::ForceNew]),
        ("type", vec![Tweak::ForceNew]),
        ("content", vec![Tweak::Computed]),
        ("proxied", vec![Tweak::Default(json!(false))]),
        ("tags", vec![Tweak::Default(json!([]))]),
        ("settings", vec![Tweak::Computed, Tweak::KeepPrior]),
        ("settings.ipv4_only", vec![Tweak::Computed]),
        ("settings.ipv6_only", vec![Tweak::Computed]),
        ("settings.flatten_cname", vec![Tweak::Computed]),
        ("created_on", vec![Tweak::KeepPrior]),
        ("proxiable", vec![Tweak::KeepPrior]),
        // v5 keeps `meta` from the state on update.
        ("meta", vec![Tweak::KeepPrior]),
        // LOC fields the API fills with 0 when left out.
        ("data.lat_minutes", vec![zero()]),
        ("data.lat_seconds", vec![zero()]),
        ("data.long_minutes", vec![zero()]),
        ("data.long_seconds", vec![zero()]),
        ("data.size", vec![zero()]),
        ("data.precision_horz", vec![zero()]),
        ("data.precision_vert", vec![zero()]),
    ];
    let norm = Normalizer::new()
        .rule("meta", equiv_json_text)
        .rule("ttl", equiv_number)
        .rule("priority", equiv_number)
        .rule("tags", equiv_empty_is_null)
        .rule("settings", equiv_empty_is_null)
        .rule("data.flags", equiv_dynamic);
    TypeSpec::from_doc(TYPE, DOC, SCHEMA_VERSION, &overlay, norm)
}

/// Content equality by record type.
pub fn content_equivalent(record_type: &str, ours: &Value, theirs: &Value) -> bool {
    if ours == theirs {
        return true;
    }
    match record_type.to_ascii_uppercase().as_str() {
        "CNAME" | "MX" | "NS" | "PTR" => equiv_hostname(ours, theirs),
        "A" | "AAAA" => equiv_ip_address(ours, theirs),
        "TXT" => equiv_quoted(ours, theirs),
        _ => false,
    }
}

fn text(v: &Value, name: &str) -> Option<String> {
    v.get_attr(name)
        .and_then(|v| v.as_str().map(str::to_string))
}

fn set_attr(v: &Value, name: &str, to: Value) -> Value {
    let mut o = v.as_entries().cloned().unwrap_or_default();
    o.insert(name.to_string(), to);
    Value::Object(o)
}

/// The FQDN the API gives a configured name in `zone`.
pub fn fqdn(name: &str, zone: &str) -> String {
    let n = name.trim().trim_end_matches('.').to_ascii_lowercase();
    let zone = zone.trim_end_matches('.').to_ascii_lowercase();
    if n.is_empty() || n == "@" || n == zone {
        zone
    } else if n.ends_with(&format!(".{zone}")) {
        n
    } else {
        format!("{n}.{zone}")
    }
}

pub struct DnsRecord {
    spec: TypeSpec,
}

impl DnsRecord {
    pub fn new(spec: TypeSpec) -> DnsRecord {
        DnsRecord { spec }
    }

    fn path(zone_id: &str) -> String {
        format!("/zones/{}/dns_records", segment(zone_id))
    }

    fn record_path(zone_id: &str, id: &str) -> String {
        format!("/zones/{}/dns_records/{}", segment(zone_id), segment(id))
    }

    fn ids(v: &Value) -> Result<(String, String), ProviderError> {
        match (text(v, "zone_id"), text(v, "id")) {
            (Some(z), Some(i)) => Ok((z, i)),
            _ => Err(ProviderError::new(format!(
                "{TYPE}: the state has no zone_id or id"
            ))),
        }
    }

    /// The request body: what the configuration sets, without the path's `zone_id`, with
    /// `content` left to the API for `data` records. `data.flags` (dynamic: the provider's
    /// examples write `flags = "0"`) is sent as the number the API describes when it is a
    /// number in a string.
    fn body(&self, planned: &Value) -> Result<J, ProviderError> {
        let mut body = self.spec.request(planned)?;
        if let Some(o) = body.as_object_mut() {
            o.remove("zone_id");
            if o.get("data").is_some_and(|d| !d.is_null()) {
                o.remove("content");
            }
            if let Some(flags) = o.get_mut("data").and_then(|d| d.get_mut("flags")) {
                let number = flags
                    .as_str()
                    .and_then(|s| s.trim().parse::<serde_json::Number>().ok());
                if let Some(n) = number {
                    *flags = J::Number(n);
                }
            }
        }
        Ok(body)
    }

    /// The state for an API record: reconciled with `ours` (the planned or prior value), the
    /// name and content compared knowing the zone and the record type.
    async fn settle(&self, api: &Cloudflare, ours: &Value, record: &J) -> Value {
        let zone_id = ours
            .get_attr("zone_id")
            .unwrap_or(Value::Null(Type::String));
        let mut theirs = set_attr(&self.spec.from_json(record), "zone_id", zone_id.clone());
        if ours.is_null() {
            return theirs;
        }
        if let (Some(o), Some(t)) = (text(ours, "name"), text(&theirs, "name")) {
            if o != t {
                let zone = match zone_id.as_str() {
                    Some(z) => api.zone_name(z).await,
                    None => None,
                };
                if equiv_dns_name(&o, &t, zone.as_deref()) {
                    theirs = set_attr(&theirs, "name", Value::string(o));
                }
            }
        }
        let rtype = text(&theirs, "type").unwrap_or_default();
        if let (Some(o), Some(t)) = (ours.get_attr("content"), theirs.get_attr("content")) {
            if o.is_known() && !o.is_null() && content_equivalent(&rtype, &o, &t) {
                theirs = set_attr(&theirs, "content", o);
            }
        }
        // The API repeats `data.priority` at the top level for SRV, HTTPS, SVCB and URI.
        let ours_data = ours.get_attr("data").is_some_and(|d| !d.is_null());
        if ours_data && ours.get_attr("priority").is_some_and(|p| p.is_null()) {
            theirs = set_attr(&theirs, "priority", Value::Null(Type::Number));
        }
        self.spec.reconcile(ours, &theirs)
    }

    /// Records of the zone that match what `body` creates: same name, type and content (or
    /// `data`), as `(id, record)`.
    async fn find_existing(
        &self,
        api: &Cloudflare,
        zone_id: &str,
        body: &J,
    ) -> Result<Vec<(String, J)>, HttpError> {
        let name = body.get("name").and_then(J::as_str).unwrap_or_default();
        let rtype = body.get("type").and_then(J::as_str).unwrap_or_default();
        let zone = api.zone_name(zone_id).await;
        let mut query = vec![("type".to_string(), rtype.to_string())];
        if let Some(z) = &zone {
            query.push(("name".to_string(), fqdn(name, z)));
        }
        let records = api.list(&Self::path(zone_id), &query, DNS_PER_PAGE).await?;
        Ok(records
            .into_iter()
            .filter(|r| {
                let same_name = r
                    .get("name")
                    .and_then(J::as_str)
                    .is_some_and(|t| equiv_dns_name(name, t, zone.as_deref()));
                let same_type = r
                    .get("type")
                    .and_then(J::as_str)
                    .is_some_and(|t| t.eq_ignore_ascii_case(rtype));
                let same_content = match (body.get("data"), body.get("content")) {
                    (Some(d), _) => r.get("data").is_some_and(|rd| data_matches(d, rd)),
                    (None, Some(c)) => {
                        let theirs = r
                            .get("content")
                            .and_then(J::as_str)
                            .map(Value::string)
                            .unwrap_or_else(Value::null);
                        let ours = c.as_str().map(Value::string).unwrap_or_else(Value::null);
                        content_equivalent(rtype, &ours, &theirs)
                    }
                    (None, None) => true,
                };
                let same_priority = match body.get("priority") {
                    Some(p) => r
                        .get("priority")
                        .is_some_and(|rp| rp.as_f64() == p.as_f64()),
                    None => true,
                };
                same_name && same_type && same_content && same_priority
            })
            .map(|r| {
                (
                    r.get("id")
                        .and_then(J::as_str)
                        .unwrap_or_default()
                        .to_string(),
                    r,
                )
            })
            .collect())
    }

    async fn read_one(
        &self,
        api: &Cloudflare,
        zone_id: &str,
        id: &str,
    ) -> Result<Option<J>, HttpError> {
        match api.get(&Self::record_path(zone_id, id)).await {
            Ok(r) => Ok(Some(r)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// Every member of our `data` equals the API's (numbers by value).
fn data_matches(ours: &J, theirs: &J) -> bool {
    let (Some(o), Some(t)) = (ours.as_object(), theirs.as_object()) else {
        return false;
    };
    o.iter().all(|(k, v)| match (v, t.get(k)) {
        (J::Number(a), Some(J::Number(b))) => a.as_f64() == b.as_f64(),
        (J::String(a), Some(J::Number(b))) | (J::Number(b), Some(J::String(a))) => {
            a.parse::<f64>().ok() == b.as_f64()
        }
        (a, Some(b)) => a == b,
        (_, None) => false,
    })
}

fn is_identical_record_conflict(e: &HttpError) -> bool {
    match e {
        HttpError::Status { messages, .. } => messages
            .iter()
            .any(|m| m.contains("(code 81057)") || m.contains("(code 81058)")),
        _ => false,
    }
}

#[async_trait]
impl RestResource<Cloudflare> for DnsRecord {
    fn spec(&self) -> &TypeSpec {
        &self.spec
    }

    fn plan(&self, prior: &Value, proposed: &Value) -> Result<PlannedState, ProviderError> {
        let mut proposed = proposed.clone();
        let proxied = proposed.get_attr("proxied").and_then(|p| p.as_bool()) == Some(true);
        let ttl = proposed
            .get_attr("ttl")
            .and_then(|t| t.as_number().and_then(|n| n.as_i64()));
        if proxied && ttl.is_some_and(|t| t != 1) {
            return Err(ProviderError::new("ttl must be set to 1 when `proxied` is true")
                .with_detail("When a DNS record is marked as `proxied` the TTL must be 1 as Cloudflare will control the TTL internally."));
        }
        let has = |name: &str| proposed.get_attr(name).is_some_and(|v| !v.is_null());
        if has("content") && has("data") {
            return Err(ProviderError::new("Invalid argument combination")
                .with_detail("`content` conflicts with `data`: set `content` for simple records and `data` for structured ones"));
        }
        if !prior.is_null() {
            // The prior form of a name or content that means the same (e.g. an imported FQDN
            // for a configured `www`) is kept, so there is no diff.
            if let (Some(c), Some(p)) = (text(&proposed, "name"), text(prior, "name")) {
                if c != p && equiv_dns_name(&c, &p, None) {
                    proposed = set_attr(&proposed, "name", Value::string(p));
                }
            }
            // The API repeats `data.priority` at the top level; an imported state has it.
            let data_priority = prior
                .get_attr("data")
                .and_then(|d| d.get_attr("priority"))
                .filter(|p| !p.is_null());
            let unset = proposed.get_attr("priority").is_some_and(|p| p.is_null());
            let has_data = proposed.get_attr("data").is_some_and(|d| !d.is_null());
            if unset
                && has_data
                && data_priority.is_some()
                && prior.get_attr("priority") == data_priority
            {
                proposed = set_attr(
                    &proposed,
                    "priority",
                    data_priority.unwrap_or_else(Value::null),
                );
            }
            let rtype = text(&proposed, "type").unwrap_or_default();
            if let (Some(c), Some(p)) = (proposed.get_attr("content"), prior.get_attr("content")) {
                if c.is_known() && !c.is_null() && c != p && content_equivalent(&rtype, &c, &p) {
                    proposed = set_attr(&proposed, "content", p);
                }
            }
        }
        let mut planned = self.spec.plan(prior, &proposed)?;
        if !prior.is_null() && planned.requires_replace.is_empty() {
            // The API moves `comment_modified_on` / `tags_modified_on` only when the comment /
            // the tags change.
            for (field, stamp) in [
                ("comment", "comment_modified_on"),
                ("tags", "tags_modified_on"),
            ] {
                let (now, before) = (planned.planned.get_attr(field), prior.get_attr(field));
                let unchanged = now.as_ref().is_some_and(Value::is_wholly_known) && now == before;
                if unchanged
                    && planned
                        .planned
                        .get_attr(stamp)
                        .is_some_and(|v| !v.is_known())
                {
                    let kept = prior.get_attr(stamp).unwrap_or(Value::Null(Type::String));
                    planned.planned = set_attr(&planned.planned, stamp, kept);
                }
            }
        }
        Ok(planned)
    }

    async fn create(&self, api: &Cloudflare, planned: &Value) -> Result<Value, ProviderError> {
        let zone_id = text(planned, "zone_id")
            .ok_or_else(|| ProviderError::new(format!("{TYPE}: zone_id is required")))?;
        let body = self.body(planned)?;
        let path = Self::path(&zone_id);
        let record = create_once(
            &api.create_policy,
            || api.post(&path, body.clone()),
            || self.find_existing(api, &zone_id, &body),
            is_identical_record_conflict,
        )
        .await
        .map_err(|e| match e {
            crate::rest::CreateError::Http(h) => api.error(&op("creating", TYPE), &h),
            other => {
                ProviderError::new(format!("creating {TYPE} failed")).with_detail(other.to_string())
            }
        })?;
        Ok(self.settle(api, planned, &record).await)
    }

    async fn read(
        &self,
        api: &Cloudflare,
        current: &Value,
    ) -> Result<Option<Value>, ProviderError> {
        let (zone_id, id) = Self::ids(current)?;
        match self
            .read_one(api, &zone_id, &id)
            .await
            .map_err(|e| api.error(&op("reading", TYPE), &e))?
        {
            Some(r) => Ok(Some(self.settle(api, current, &r).await)),
            None => Ok(None),
        }
    }

    async fn read_many(
        &self,
        api: &Cloudflare,
        currents: &[Value],
    ) -> Vec<Result<Option<Value>, ProviderError>> {
        let mut out: Vec<Option<Result<Option<Value>, ProviderError>>> =
            currents.iter().map(|_| None).collect();
        let mut by_zone: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (i, c) in currents.iter().enumerate() {
            match Self::ids(c) {
                Ok((zone, _)) => by_zone.entry(zone).or_default().push(i),
                Err(e) => out[i] = Some(Err(e)),
            }
        }
        for (zone_id, indexes) in by_zone {
            if indexes.len() <= 2 {
                for i in indexes {
                    out[i] = Some(self.read(api, &currents[i]).await);
                }
                continue;
            }
            match api.list(&Self::path(&zone_id), &[], DNS_PER_PAGE).await {
                Ok(records) => {
                    let by_id: BTreeMap<&str, &J> = records
                        .iter()
                        .filter_map(|r| Some((r.get("id")?.as_str()?, r)))
                        .collect();
                    for i in indexes {
                        let id = text(&currents[i], "id").unwrap_or_default();
                        out[i] = Some(Ok(match by_id.get(id.as_str()) {
                            Some(r) => Some(self.settle(api, &currents[i], r).await),
                            None => None,
                        }));
                    }
                }
                Err(e) => {
                    let err = api.error(&op("reading", TYPE), &e);
                    for i in indexes {
                        out[i] = Some(Err(err.clone()));
                    }
                }
            }
        }
        out.into_iter()
            .map(|r| r.unwrap_or_else(|| Err(ProviderError::new("not read"))))
            .collect()
    }

    async fn update(
        &self,
        api: &Cloudflare,
        _prior: &Value,
        planned: &Value,
    ) -> Result<Value, ProviderError> {
        let (zone_id, id) = Self::ids(planned)?;
        let body = self.body(planned)?;
        let record = api
            .put(&Self::record_path(&zone_id, &id), body)
            .await
            .map_err(|e| api.error(&op("updating", TYPE), &e))?;
        Ok(self.settle(api, planned, &record).await)
    }

    async fn delete(&self, api: &Cloudflare, prior: &Value) -> Result<(), ProviderError> {
        let (zone_id, id) = Self::ids(prior)?;
        api.delete(&Self::record_path(&zone_id, &id))
            .await
            .map_err(|e| api.error(&op("deleting", TYPE), &e))
    }

    async fn import(&self, api: &Cloudflare, id: &str) -> Result<Value, ProviderError> {
        let parts = split_import_id(id, 2, "<zone_id>/<dns_record_id>")?;
        let record = self
            .read_one(api, parts[0], parts[1])
            .await
            .map_err(|e| api.error(&op("importing", TYPE), &e))?
            .ok_or_else(|| {
                ProviderError::new("Cannot import non-existent remote object")
                    .with_detail(format!("{TYPE} {id} does not exist"))
            })?;
        Ok(set_attr(
            &self.spec.from_json(&record),
            "zone_id",
            Value::string(parts[0]),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(x: &str) -> Value {
        Value::string(x)
    }

    #[test]
    fn content_rules_follow_the_record_type() {
        assert!(content_equivalent(
            "CNAME",
            &s("Target.Example.com."),
            &s("target.example.com")
        ));
        assert!(content_equivalent(
            "MX",
            &s("mail.example.com."),
            &s("mail.example.com")
        ));
        assert!(content_equivalent(
            "AAAA",
            &s("2001:DB8:0::1"),
            &s("2001:db8::1")
        ));
        assert!(content_equivalent(
            "TXT",
            &s("v=spf1 -all"),
            &s("\"v=spf1 -all\"")
        ));
        assert!(
            !content_equivalent("TXT", &s("ABC"), &s("abc")),
            "TXT is case-sensitive"
        );
        assert!(!content_equivalent("A", &s("192.0.2.1"), &s("192.0.2.2")));
    }

    #[test]
    fn fqdns() {
        assert_eq!(fqdn("www", "example.com"), "www.example.com");
        assert_eq!(fqdn("@", "example.com"), "example.com");
        assert_eq!(fqdn("WWW.Example.com.", "example.com"), "www.example.com");
        assert_eq!(
            fqdn("www.other.org", "example.com"),
            "www.other.org.example.com"
        );
    }

    fn config(spec: &TypeSpec, pairs: Vec<(&str, Value)>) -> Value {
        spec.object_with(pairs)
    }

    #[test]
    fn plans_defaults_replacements_and_keeps_equivalent_names() {
        let (spec, errors) = spec();
        assert!(errors.is_empty(), "{errors:?}");
        let r = DnsRecord::new(spec);
        let c = config(
            &r.spec,
            vec![
                ("zone_id", s("z")),
                ("name", s("www")),
                ("type", s("A")),
                ("content", s("192.0.2.1")),
                ("ttl", Value::number(300)),
            ],
        );
        let p = r.plan(&Value::null(), &c).unwrap();
        assert_eq!(p.planned.get_attr("proxied"), Some(Value::Bool(false)));
        assert_eq!(
            p.planned.get_attr("tags"),
            Some(Value::Set(Type::String, vec![]))
        );
        assert_eq!(p.planned.get_attr("id"), Some(Value::Unknown(Type::String)));
        assert_eq!(p.planned.get_attr("content"), Some(s("192.0.2.1")));
        // State after an import holds the FQDN; the configured short name plans no change.
        let mut prior = p.planned.as_entries().cloned().unwrap();
        for (k, v) in [
            ("id", s("r1")),
            ("name", s("www.example.com")),
            ("created_on", s("t")),
            ("modified_on", s("t")),
            ("proxiable", Value::Bool(true)),
            ("meta", s("{}")),
        ] {
            prior.insert(k.into(), v);
        }
        prior.insert(
            "settings".into(),
            r.spec
                .block
                .attr("settings")
                .unwrap()
                .nested()
                .unwrap()
                .1
                .null_object(),
        );
        prior.insert("comment_modified_on".into(), Value::Null(Type::String));
        prior.insert("tags_modified_on".into(), Value::Null(Type::String));
        let prior = Value::Object(prior);
        assert_eq!(r.plan(&prior, &c).unwrap().planned, prior);
        // A type change replaces.
        let c2 = set_attr(&c, "type", s("AAAA"));
        assert_eq!(
            r.plan(&prior, &c2).unwrap().requires_replace,
            vec![vec![infra_lang::PathStep::Attr("type".into())]]
        );
        // proxied needs ttl 1.
        let c3 = set_attr(&c, "proxied", Value::Bool(true));
        assert!(r
            .plan(&Value::null(), &c3)
            .unwrap_err()
            .summary
            .contains("ttl must be set to 1"));
    }

    #[test]
    fn request_bodies() {
        let (spec, _) = spec();
        let r = DnsRecord::new(spec);
        let data = r
            .spec
            .block
            .attr("data")
            .unwrap()
            .nested()
            .unwrap()
            .1
            .null_object();
        let data = set_attr(
            &set_attr(
                &set_attr(&data, "flags", Value::number(0)),
                "tag",
                s("issue"),
            ),
            "value",
            s("letsencrypt.org"),
        );
        let c = config(
            &r.spec,
            vec![
                ("zone_id", s("z")),
                ("name", s("@")),
                ("type", s("CAA")),
                ("data", data),
                ("ttl", Value::number(1)),
            ],
        );
        let planned = r.plan(&Value::null(), &c).unwrap().planned;
        let body = r.body(&planned).unwrap();
        assert_eq!(
            body,
            json!({"name": "@", "type": "CAA", "data": {"flags": 0, "tag": "issue", "value": "letsencrypt.org"}, "ttl": 1, "proxied": false, "tags": []})
        );
    }

    #[test]
    fn numeric_string_flags_are_sent_as_numbers() {
        let (spec, _) = spec();
        let r = DnsRecord::new(spec);
        let data = r
            .spec
            .block
            .attr("data")
            .unwrap()
            .nested()
            .unwrap()
            .1
            .null_object();
        let data = set_attr(&set_attr(&data, "flags", s("0")), "tag", s("issue"));
        let c = config(
            &r.spec,
            vec![
                ("zone_id", s("z")),
                ("name", s("@")),
                ("type", s("CAA")),
                ("data", data),
                ("ttl", Value::number(1)),
            ],
        );
        let planned = r.plan(&Value::null(), &c).unwrap().planned;
        assert_eq!(r.body(&planned).unwrap()["data"]["flags"], json!(0));
    }

    #[test]
    fn data_matching_compares_numbers_by_value() {
        assert!(data_matches(
            &json!({"flags": 0, "tag": "issue"}),
            &json!({"flags": 0.0, "tag": "issue", "value": "x"})
        ));
        assert!(!data_matches(&json!({"flags": 1}), &json!({"flags": 0})));
    }
}
