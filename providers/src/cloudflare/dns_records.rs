//! The `cloudflare_dns_records` data source: the DNS records of a zone matching filters
//! (`name`/`content`/`comment`/`tag` objects with `exact`, `contains`, `startswith`,
//! `endswith`, …; `type`, `proxied`, `match`, `tag_match`, `search`, `order`, `direction`),
//! into `result`, at most `max_items` (default 1000).

use async_trait::async_trait;
use infra_lang::{Type, Value};
use serde_json::Value as J;

use super::api::{segment, Cloudflare, DNS_PER_PAGE};
use super::op;
use crate::provider::ProviderError;
use crate::rest::json::value_from_json;
use crate::rest::normalize::Normalizer;
use crate::rest::resource::{DataSource, TypeSpec};
use crate::rest::schema::Tweak;

pub const TYPE: &str = "cloudflare_dns_records";
const DOC: &str = include_str!("docs/data-dns_records.md");

pub fn spec() -> (TypeSpec, Vec<String>) {
    TypeSpec::from_doc(
        TYPE,
        DOC,
        0,
        &[("zone_id", vec![Tweak::Required])],
        Normalizer::new(),
    )
}

fn scalar(v: &Value) -> Option<String> {
    match v.unmarked() {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The list query for the data source's configuration.
pub fn query(config: &Value) -> Vec<(String, String)> {
    let mut q = Vec::new();
    for k in [
        "type",
        "proxied",
        "match",
        "tag_match",
        "search",
        "order",
        "direction",
        "include_shadow_metadata",
        "shadowed_by_name",
        "shadowing_name",
    ] {
        if let Some(v) = config.get_attr(k).as_ref().and_then(scalar) {
            q.push((k.to_string(), v));
        }
    }
    for group in ["name", "content", "comment", "tag"] {
        let Some(filter) = config.get_attr(group) else {
            continue;
        };
        for (op, v) in filter.as_entries().into_iter().flatten() {
            if let Some(v) = scalar(v) {
                q.push((format!("{group}.{op}"), v));
            }
        }
    }
    q
}

pub struct DnsRecordsData {
    spec: TypeSpec,
}

impl DnsRecordsData {
    pub fn new(spec: TypeSpec) -> DnsRecordsData {
        DnsRecordsData { spec }
    }
}

#[async_trait]
impl DataSource<Cloudflare> for DnsRecordsData {
    fn spec(&self) -> &TypeSpec {
        &self.spec
    }

    async fn read(&self, api: &Cloudflare, config: &Value) -> Result<Value, ProviderError> {
        let zone_id = config
            .get_attr("zone_id")
            .and_then(|z| z.as_str().map(str::to_string))
            .ok_or_else(|| {
                ProviderError::new("Missing required argument")
                    .with_detail(format!("data source {TYPE}: `zone_id` is required"))
            })?;
        let max = config
            .get_attr("max_items")
            .and_then(|m| m.as_number().and_then(|n| n.as_i64()))
            .map(|n| n.max(0) as usize)
            .unwrap_or(1000);
        let per_page = DNS_PER_PAGE.min(max.max(1) as u32);
        let records = api
            .list_limited(
                &format!("/zones/{}/dns_records", segment(&zone_id)),
                &query(config),
                per_page,
                max,
            )
            .await
            .map_err(|e| api.error(&op("reading", TYPE), &e))?;
        let result_ty = self
            .spec
            .block
            .attr("result")
            .map(|a| a.ty())
            .unwrap_or(Type::Dynamic);
        let mut v = config.as_entries().cloned().unwrap_or_default();
        v.insert(
            "result".into(),
            value_from_json(&J::Array(records), &result_ty),
        );
        Ok(Value::Object(v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_become_query_parameters() {
        let (s, errors) = spec();
        assert!(errors.is_empty(), "{errors:?}");
        let name = s.block.attr("name").unwrap().nested().unwrap().1;
        let mut n = name.null_object().as_entries().cloned().unwrap();
        n.insert("endswith".into(), Value::string(".example.com"));
        let c = s.object_with([
            ("zone_id", Value::string("z")),
            ("type", Value::string("A")),
            ("proxied", Value::Bool(false)),
            ("name", Value::Object(n)),
        ]);
        assert_eq!(
            query(&c),
            vec![
                ("type".to_string(), "A".to_string()),
                ("proxied".into(), "false".into()),
                ("name.endswith".into(), ".example.com".into())
            ]
        );
    }
}
