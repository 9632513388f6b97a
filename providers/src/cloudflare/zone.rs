//! The `cloudflare_zone` and `cloudflare_zones` data sources (`/zones`).
//!
//! `cloudflare_zone` reads one zone by `zone_id`, or by `filter` (name, status, account, match;
//! exactly one zone must match). `cloudflare_zones` lists the zones matching its filters into
//! `result`, at most `max_items` (default 1000).

use async_trait::async_trait;
use infra_lang::{Type, Value};
use serde_json::Value as J;

use super::api::{segment, Cloudflare};
use super::op;
use crate::provider::ProviderError;
use crate::rest::json::value_from_json;
use crate::rest::normalize::Normalizer;
use crate::rest::resource::{DataSource, TypeSpec};

pub const ZONE: &str = "cloudflare_zone";
pub const ZONES: &str = "cloudflare_zones";
const ZONE_DOC: &str = include_str!("docs/data-zone.md");
const ZONES_DOC: &str = include_str!("docs/data-zones.md");

/// Zones per page (the description's maximum).
const ZONES_PER_PAGE: u32 = 50;

pub fn zone_spec() -> (TypeSpec, Vec<String>) {
    TypeSpec::from_doc(ZONE, ZONE_DOC, 0, &[], Normalizer::new())
}

pub fn zones_spec() -> (TypeSpec, Vec<String>) {
    TypeSpec::from_doc(ZONES, ZONES_DOC, 0, &[], Normalizer::new())
}

fn text(v: &Value, name: &str) -> Option<String> {
    v.get_attr(name)
        .filter(|v| v.is_known())
        .and_then(|v| v.as_str().map(str::to_string))
}

/// The `/zones` query for a filter object (`name`, `status`, `match`, `order`, `direction`,
/// `account.id`, `account.name`, `type`).
fn zone_query(filter: &Value) -> Vec<(String, String)> {
    let mut q = Vec::new();
    for k in ["name", "status", "match", "order", "direction"] {
        if let Some(v) = text(filter, k) {
            q.push((k.to_string(), v));
        }
    }
    if let Some(account) = filter.get_attr("account") {
        for k in ["id", "name"] {
            if let Some(v) = text(&account, k) {
                q.push((format!("account.{k}"), v));
            }
        }
    }
    if let Some(types) = filter.get_attr("type").as_ref().and_then(Value::as_seq) {
        let types: Vec<&str> = types.iter().filter_map(Value::as_str).collect();
        if !types.is_empty() {
            q.push(("type".into(), types.join(",")));
        }
    }
    q
}

/// Copies the configured (input) attributes of `config` over `result`.
fn with_inputs(spec: &TypeSpec, result: Value, config: &Value) -> Value {
    let mut o = result.as_entries().cloned().unwrap_or_default();
    for (name, attr) in &spec.block.attrs {
        if !attr.read_only() {
            o.insert(
                name.clone(),
                config
                    .get_attr(name)
                    .unwrap_or_else(|| Value::Null(attr.ty())),
            );
        }
    }
    Value::Object(o)
}

pub struct ZoneData {
    spec: TypeSpec,
}

impl ZoneData {
    pub fn new(spec: TypeSpec) -> ZoneData {
        ZoneData { spec }
    }
}

#[async_trait]
impl DataSource<Cloudflare> for ZoneData {
    fn spec(&self) -> &TypeSpec {
        &self.spec
    }

    async fn read(&self, api: &Cloudflare, config: &Value) -> Result<Value, ProviderError> {
        let what = op("reading", ZONE);
        let zone = if let Some(id) = text(config, "zone_id") {
            api.get(&format!("/zones/{}", segment(&id)))
                .await
                .map_err(|e| api.error(&what, &e))?
        } else {
            let filter = config
                .get_attr("filter")
                .filter(|f| !f.is_null())
                .ok_or_else(|| {
                    ProviderError::new("Missing required argument")
                        .with_detail(format!("data source {ZONE}: set `zone_id` or `filter`"))
                })?;
            let zones = api
                .list_limited("/zones", &zone_query(&filter), ZONES_PER_PAGE, 51)
                .await
                .map_err(|e| api.error(&what, &e))?;
            match zones.len() {
                1 => zones.into_iter().next().unwrap_or(J::Null),
                0 => {
                    return Err(ProviderError::new(format!(
                        "{what}: no zone matches the filter"
                    )))
                }
                n => {
                    let names: Vec<&str> = zones
                        .iter()
                        .filter_map(|z| z.get("name").and_then(J::as_str))
                        .take(10)
                        .collect();
                    return Err(ProviderError::new(format!(
                        "{what}: {n} zones match the filter, expected one"
                    ))
                    .with_detail(format!(
                        "matching zones include {}; narrow the filter",
                        names.join(", ")
                    )));
                }
            }
        };
        let mut v = with_inputs(&self.spec, self.spec.from_json(&zone), config)
            .as_entries()
            .cloned()
            .unwrap_or_default();
        if v.get("zone_id").is_none_or(Value::is_null) {
            v.insert(
                "zone_id".into(),
                zone.get("id")
                    .and_then(J::as_str)
                    .map(Value::string)
                    .unwrap_or(Value::Null(Type::String)),
            );
        }
        Ok(Value::Object(v))
    }
}

pub struct ZonesData {
    spec: TypeSpec,
}

impl ZonesData {
    pub fn new(spec: TypeSpec) -> ZonesData {
        ZonesData { spec }
    }
}

#[async_trait]
impl DataSource<Cloudflare> for ZonesData {
    fn spec(&self) -> &TypeSpec {
        &self.spec
    }

    async fn read(&self, api: &Cloudflare, config: &Value) -> Result<Value, ProviderError> {
        let max = config
            .get_attr("max_items")
            .and_then(|m| m.as_number().and_then(|n| n.as_i64()))
            .map(|n| n.max(0) as usize)
            .unwrap_or(1000);
        let zones = api
            .list_limited("/zones", &zone_query(config), ZONES_PER_PAGE, max)
            .await
            .map_err(|e| api.error(&op("reading", ZONES), &e))?;
        let result_ty = self
            .spec
            .block
            .attr("result")
            .map(|a| a.ty())
            .unwrap_or(Type::Dynamic);
        let result = value_from_json(&J::Array(zones), &result_ty);
        let mut v = with_inputs(&self.spec, self.spec.null_object(), config)
            .as_entries()
            .cloned()
            .unwrap_or_default();
        v.insert("result".into(), result);
        Ok(Value::Object(v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemas_and_queries() {
        let (z, errors) = zone_spec();
        assert!(errors.is_empty(), "{errors:?}");
        assert!(z.block.attr("filter.account.id").is_some());
        assert!(z.block.attr("name").unwrap().read_only());
        let (zs, errors) = zones_spec();
        assert!(errors.is_empty(), "{errors:?}");
        let filter = zs.object_with([
            ("name", Value::string("example.com")),
            (
                "account",
                Value::object([
                    ("id", Value::string("a1")),
                    ("name", Value::Null(Type::String)),
                ]),
            ),
            (
                "type",
                Value::List(
                    Type::String,
                    vec![Value::string("full"), Value::string("partial")],
                ),
            ),
        ]);
        assert_eq!(
            zone_query(&filter),
            vec![
                ("name".to_string(), "example.com".to_string()),
                ("account.id".into(), "a1".into()),
                ("type".into(), "full,partial".into())
            ]
        );
    }
}
