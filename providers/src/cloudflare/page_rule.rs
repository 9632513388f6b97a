//! `cloudflare_page_rule`: a page rule of a zone (`/zones/{zone_id}/pagerules`).
//!
//! As in v5 the configuration has one `target` (a URL pattern) and an `actions` object with
//! one attribute per action; the API has `targets = [{target = "url", constraint = {operator =
//! "matches", value}}]` and `actions = [{id, value}]`, and this module translates both ways the
//! way v5 does (the switch actions `always_use_https` and `disable_*` are sent without a value;
//! `cache_ttl_by_status` values that are numbers are sent as numbers; `cache_key_fields` is sent
//! whole, its unset lists empty). `priority` defaults to 1 and `status` to `disabled`; create is
//! POST (at most once: the target identifies the rule), update PUT; import ID
//! `<zone_id>/<pagerule_id>`. A target's trailing `/` is not a difference.

use async_trait::async_trait;
use infra_lang::{Type, Value};
use serde_json::{json, Map, Value as J};

use super::api::{segment, Cloudflare};
use super::{op, SCHEMA_VERSION};
use crate::http::HttpError;
use crate::provider::ProviderError;
use crate::rest::idempotent::{create_once, CreateError};
use crate::rest::json::value_from_json;
use crate::rest::normalize::Normalizer;
use crate::rest::resource::{split_import_id, RestResource, TypeSpec};
use crate::rest::schema::Tweak;

pub const TYPE: &str = "cloudflare_page_rule";
const DOC: &str = include_str!("docs/page_rule.md");

/// Actions that are switches: on when present, sent without a value.
const SWITCHES: [&str; 5] = [
    "always_use_https",
    "disable_apps",
    "disable_performance",
    "disable_security",
    "disable_zaraz",
];

pub fn spec() -> (TypeSpec, Vec<String>) {
    let empty = || Tweak::Default(json!([]));
    let off = || Tweak::Default(json!(false));
    let overlay = vec![
        ("id", vec![Tweak::KeepPrior]),
        ("zone_id", vec![Tweak::Required, Tweak::ForceNew]),
        ("priority", vec![Tweak::Default(json!(1))]),
        ("status", vec![Tweak::Default(json!("disabled"))]),
        ("created_on", vec![Tweak::KeepPrior]),
        (
            "actions.cache_key_fields.cookie.check_presence",
            vec![empty()],
        ),
        ("actions.cache_key_fields.cookie.include", vec![empty()]),
        (
            "actions.cache_key_fields.header.check_presence",
            vec![empty()],
        ),
        ("actions.cache_key_fields.header.include", vec![empty()]),
        ("actions.cache_key_fields.header.exclude", vec![empty()]),
        ("actions.cache_key_fields.host", vec![Tweak::Computed]),
        ("actions.cache_key_fields.host.resolved", vec![off()]),
        (
            "actions.cache_key_fields.query_string.include",
            vec![empty()],
        ),
        (
            "actions.cache_key_fields.query_string.exclude",
            vec![empty()],
        ),
        ("actions.cache_key_fields.user", vec![Tweak::Computed]),
        ("actions.cache_key_fields.user.device_type", vec![off()]),
        ("actions.cache_key_fields.user.geo", vec![off()]),
        ("actions.cache_key_fields.user.lang", vec![off()]),
    ];
    let norm = Normalizer::new().rule("target", |a, b| match (a.as_str(), b.as_str()) {
        (Some(x), Some(y)) => x.trim_end_matches('/') == y.trim_end_matches('/'),
        _ => false,
    });
    TypeSpec::from_doc(TYPE, DOC, SCHEMA_VERSION, &overlay, norm)
}

fn text(v: &Value, name: &str) -> Option<String> {
    v.get_attr(name)
        .and_then(|v| v.as_str().map(str::to_string))
}

/// The `actions` object as the API's list of `{id, value}`.
pub fn encode_actions(actions: &J) -> J {
    let mut out = Vec::new();
    let sorted: std::collections::BTreeMap<&String, &J> =
        actions.as_object().into_iter().flatten().collect();
    for (id, v) in sorted {
        if v.is_null() {
            continue;
        }
        if SWITCHES.contains(&id.as_str()) {
            if v.as_bool() == Some(true) {
                out.push(json!({"id": id}));
            }
            continue;
        }
        let value = match id.as_str() {
            "cache_key_fields" => {
                let part = |name: &str, keys: &[&str], default: J| {
                    let given = v
                        .get(name)
                        .and_then(J::as_object)
                        .cloned()
                        .unwrap_or_default();
                    let mut o = Map::new();
                    for k in keys {
                        o.insert(
                            (*k).to_string(),
                            given.get(*k).cloned().unwrap_or_else(|| default.clone()),
                        );
                    }
                    J::Object(o)
                };
                json!({
                    "cookie": part("cookie", &["include", "check_presence"], json!([])),
                    "header": part("header", &["include", "exclude", "check_presence"], json!([])),
                    "host": part("host", &["resolved"], json!(false)),
                    "query_string": part("query_string", &["include", "exclude"], json!([])),
                    "user": part("user", &["geo", "device_type", "lang"], json!(false)),
                })
            }
            "cache_ttl_by_status" => J::Object(
                v.as_object()
                    .into_iter()
                    .flatten()
                    .map(|(k, s)| {
                        let n = s.as_str().and_then(|s| s.parse::<i64>().ok());
                        (k.clone(), n.map(J::from).unwrap_or_else(|| s.clone()))
                    })
                    .collect(),
            ),
            _ => v.clone(),
        };
        out.push(json!({"id": id, "value": value}));
    }
    J::Array(out)
}

/// The API's list of `{id, value}` as the `actions` object (as JSON of its schema).
pub fn decode_actions(list: &J) -> J {
    let mut out = Map::new();
    for a in list.as_array().into_iter().flatten() {
        let Some(id) = a.get("id").and_then(J::as_str) else {
            continue;
        };
        let value = a.get("value").cloned().unwrap_or(J::Null);
        let v = if SWITCHES.contains(&id) {
            J::Bool(true)
        } else if id == "cache_ttl_by_status" {
            J::Object(
                value
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(k, s)| {
                        (
                            k.clone(),
                            J::String(
                                s.as_str()
                                    .map(str::to_string)
                                    .unwrap_or_else(|| s.to_string()),
                            ),
                        )
                    })
                    .collect(),
            )
        } else {
            value
        };
        out.insert(id.to_string(), v);
    }
    J::Object(out)
}

pub struct PageRule {
    spec: TypeSpec,
}

impl PageRule {
    pub fn new(spec: TypeSpec) -> PageRule {
        PageRule { spec }
    }

    fn path(zone_id: &str) -> String {
        format!("/zones/{}/pagerules", segment(zone_id))
    }

    fn ids(v: &Value) -> Result<(String, String), ProviderError> {
        match (text(v, "zone_id"), text(v, "id")) {
            (Some(z), Some(i)) => Ok((z, i)),
            _ => Err(ProviderError::new(format!(
                "{TYPE}: the state has no zone_id or id"
            ))),
        }
    }

    fn body(&self, planned: &Value) -> Result<J, ProviderError> {
        let plain = self.spec.request(planned)?;
        let target = plain.get("target").cloned().unwrap_or(J::Null);
        let mut body = json!({
            "targets": [{"target": "url", "constraint": {"operator": "matches", "value": target}}],
            "actions": encode_actions(plain.get("actions").unwrap_or(&J::Null)),
        });
        for k in ["priority", "status"] {
            if let Some(v) = plain.get(k) {
                body[k] = v.clone();
            }
        }
        Ok(body)
    }

    /// The state for an API page rule: `target` from the first target, `actions` decoded.
    fn state(&self, zone_id: &str, answer: &J) -> Value {
        let mut o = self
            .spec
            .from_json(answer)
            .as_entries()
            .cloned()
            .unwrap_or_default();
        let target = answer
            .pointer("/targets/0/constraint/value")
            .and_then(J::as_str)
            .map(|t| t.trim_end_matches('/').to_string());
        o.insert(
            "target".into(),
            target
                .map(Value::string)
                .unwrap_or(Value::Null(Type::String)),
        );
        let actions_ty = self
            .spec
            .block
            .attr("actions")
            .map(|a| a.ty())
            .unwrap_or(Type::Dynamic);
        o.insert(
            "actions".into(),
            value_from_json(
                &decode_actions(answer.get("actions").unwrap_or(&J::Null)),
                &actions_ty,
            ),
        );
        o.insert("zone_id".into(), Value::string(zone_id));
        Value::Object(o)
    }

    async fn find_existing(
        &self,
        api: &Cloudflare,
        zone_id: &str,
        target: &str,
    ) -> Result<Vec<(String, J)>, HttpError> {
        let all = api.get(&Self::path(zone_id)).await?;
        Ok(all
            .as_array()
            .into_iter()
            .flatten()
            .filter(|r| {
                r.pointer("/targets/0/constraint/value")
                    .and_then(J::as_str)
                    .map(|t| t.trim_end_matches('/'))
                    == Some(target.trim_end_matches('/'))
            })
            .map(|r| {
                (
                    r.get("id")
                        .and_then(J::as_str)
                        .unwrap_or_default()
                        .to_string(),
                    r.clone(),
                )
            })
            .collect())
    }
}

#[async_trait]
impl RestResource<Cloudflare> for PageRule {
    fn spec(&self) -> &TypeSpec {
        &self.spec
    }

    async fn create(&self, api: &Cloudflare, planned: &Value) -> Result<Value, ProviderError> {
        let zone_id = text(planned, "zone_id")
            .ok_or_else(|| ProviderError::new(format!("{TYPE}: zone_id is required")))?;
        let target = text(planned, "target").unwrap_or_default();
        let body = self.body(planned)?;
        let path = Self::path(&zone_id);
        let answer = create_once(
            &api.create_policy,
            || api.post(&path, body.clone()),
            || self.find_existing(api, &zone_id, &target),
            |_| false,
        )
        .await
        .map_err(|e| match e {
            CreateError::Http(h) => api.error(&op("creating", TYPE), &h),
            other => {
                ProviderError::new(format!("creating {TYPE} failed")).with_detail(other.to_string())
            }
        })?;
        Ok(self.spec.reconcile(planned, &self.state(&zone_id, &answer)))
    }

    async fn read(
        &self,
        api: &Cloudflare,
        current: &Value,
    ) -> Result<Option<Value>, ProviderError> {
        let (zone_id, id) = Self::ids(current)?;
        match api
            .get(&format!("{}/{}", Self::path(&zone_id), segment(&id)))
            .await
        {
            Ok(answer) => Ok(Some(
                self.spec.reconcile(current, &self.state(&zone_id, &answer)),
            )),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(api.error(&op("reading", TYPE), &e)),
        }
    }

    async fn update(
        &self,
        api: &Cloudflare,
        _prior: &Value,
        planned: &Value,
    ) -> Result<Value, ProviderError> {
        let (zone_id, id) = Self::ids(planned)?;
        let answer = api
            .put(
                &format!("{}/{}", Self::path(&zone_id), segment(&id)),
                self.body(planned)?,
            )
            .await
            .map_err(|e| api.error(&op("updating", TYPE), &e))?;
        Ok(self.spec.reconcile(planned, &self.state(&zone_id, &answer)))
    }

    async fn delete(&self, api: &Cloudflare, prior: &Value) -> Result<(), ProviderError> {
        let (zone_id, id) = Self::ids(prior)?;
        api.delete(&format!("{}/{}", Self::path(&zone_id), segment(&id)))
            .await
            .map_err(|e| api.error(&op("deleting", TYPE), &e))
    }

    async fn import(&self, api: &Cloudflare, id: &str) -> Result<Value, ProviderError> {
        let parts = split_import_id(id, 2, "<zone_id>/<pagerule_id>")?;
        let answer = api
            .get(&format!("{}/{}", Self::path(parts[0]), segment(parts[1])))
            .await
            .map_err(|e| api.error(&op("importing", TYPE), &e))?;
        Ok(self.state(parts[0], &answer))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_round_trip_like_v5() {
        let actions = json!({"always_use_https": true, "disable_apps": false, "ssl": "flexible", "browser_cache_ttl": 3600, "cache_ttl_by_status": {"200": "3600", "404": "no-cache"}, "forwarding_url": null});
        let encoded = encode_actions(&actions);
        assert_eq!(
            encoded,
            json!([
                {"id": "always_use_https"},
                {"id": "browser_cache_ttl", "value": 3600},
                {"id": "cache_ttl_by_status", "value": {"200": 3600, "404": "no-cache"}},
                {"id": "ssl", "value": "flexible"}
            ])
        );
        let decoded = decode_actions(&encoded);
        assert_eq!(
            decoded,
            json!({"always_use_https": true, "browser_cache_ttl": 3600, "cache_ttl_by_status": {"200": "3600", "404": "no-cache"}, "ssl": "flexible"})
        );
    }

    #[test]
    fn bodies_and_states() {
        let (s, errors) = spec();
        assert!(errors.is_empty(), "{errors:?}");
        let actions_block = s.block.attr("actions").unwrap().nested().unwrap().1;
        let mut actions = actions_block.null_object().as_entries().cloned().unwrap();
        let fwd = actions_block
            .attr("forwarding_url")
            .unwrap()
            .nested()
            .unwrap()
            .1;
        let mut f = fwd.null_object().as_entries().cloned().unwrap();
        f.insert("url".into(), Value::string("https://example.com/foo"));
        f.insert("status_code".into(), Value::number(301));
        actions.insert("forwarding_url".into(), Value::Object(f));
        let c = s.object_with([
            ("zone_id", Value::string("z")),
            ("target", Value::string("example.com/*")),
            ("actions", Value::Object(actions)),
        ]);
        let planned = s.plan(&Value::null(), &c).unwrap().planned;
        assert_eq!(planned.get_attr("status"), Some(Value::string("disabled")));
        let r = PageRule::new(s);
        let body = r.body(&planned).unwrap();
        assert_eq!(
            body,
            json!({
                "targets": [{"target": "url", "constraint": {"operator": "matches", "value": "example.com/*"}}],
                "actions": [{"id": "forwarding_url", "value": {"status_code": 301, "url": "https://example.com/foo"}}],
                "priority": 1, "status": "disabled"
            })
        );
        let answer = json!({"id": "p1", "targets": [{"target": "url", "constraint": {"operator": "matches", "value": "example.com/*"}}], "actions": [{"id": "forwarding_url", "value": {"url": "https://example.com/foo", "status_code": 301}}], "priority": 1, "status": "disabled", "created_on": "t", "modified_on": "t"});
        let state = r.spec.reconcile(&planned, &r.state("z", &answer));
        assert_eq!(state.get_attr("actions"), planned.get_attr("actions"));
        assert_eq!(state.get_attr("id"), Some(Value::string("p1")));
    }
}
