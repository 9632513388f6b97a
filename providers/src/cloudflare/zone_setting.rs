//! `cloudflare_zone_setting`: one setting of a zone (`/zones/{zone_id}/settings/{setting_id}`),
//! e.g. `ssl`, `min_tls_version`, `always_use_https`, `security_header`.
//!
//! As in v5: create and update PATCH `{"id": <setting_id>, "value": …}` (the `id` also makes
//! the request checkable against the API description's per-setting schemas), read is a GET,
//! and delete only forgets the setting (the API has no way to remove one). `zone_id` and
//! `setting_id` force replacement. Import ID `<zone_id>/<setting_id>`.
//!
//! `value` is dynamic: a string, number, list or object. Values are compared by meaning (a
//! number and its string, a tuple and a list), and an object value keeps our form when every
//! member we set has the same value in the API's answer (the API adds the members it
//! defaults).

use async_trait::async_trait;
use infra_lang::Value;
use serde_json::{json, Value as J};

use super::api::{segment, Cloudflare};
use super::{op, SCHEMA_VERSION};
use crate::provider::ProviderError;
use crate::rest::json::json_from_value;
use crate::rest::normalize::{equiv_dynamic, Normalizer};
use crate::rest::resource::{split_import_id, RestResource, TypeSpec};
use crate::rest::schema::Tweak;

pub const TYPE: &str = "cloudflare_zone_setting";
const DOC: &str = include_str!("docs/zone_setting.md");

pub fn spec() -> (TypeSpec, Vec<String>) {
    let overlay = vec![
        ("id", vec![Tweak::KeepPrior, Tweak::ForceNew]),
        ("zone_id", vec![Tweak::Required, Tweak::ForceNew]),
        ("setting_id", vec![Tweak::ForceNew]),
        ("enabled", vec![Tweak::Computed]),
        ("editable", vec![Tweak::KeepPrior]),
    ];
    let norm = Normalizer::new()
        .rule("value", equiv_dynamic)
        .rule("time_remaining", equiv_dynamic);
    TypeSpec::from_doc(TYPE, DOC, SCHEMA_VERSION, &overlay, norm)
}

pub struct ZoneSetting {
    spec: TypeSpec,
}

fn text(v: &Value, name: &str) -> Option<String> {
    v.get_attr(name)
        .and_then(|v| v.as_str().map(str::to_string))
}

impl ZoneSetting {
    pub fn new(spec: TypeSpec) -> ZoneSetting {
        ZoneSetting { spec }
    }

    fn path(zone_id: &str, setting_id: &str) -> String {
        format!(
            "/zones/{}/settings/{}",
            segment(zone_id),
            segment(setting_id)
        )
    }

    fn ids(v: &Value) -> Result<(String, String), ProviderError> {
        match (text(v, "zone_id"), text(v, "setting_id")) {
            (Some(z), Some(s)) => Ok((z, s)),
            _ => Err(ProviderError::new(format!(
                "{TYPE}: zone_id and setting_id are required"
            ))),
        }
    }

    /// The state for an API answer: `id` is the setting's name, `zone_id`/`setting_id` ours.
    fn state(&self, zone_id: &str, setting_id: &str, result: &J) -> Value {
        let mut v = self
            .spec
            .from_json(result)
            .as_entries()
            .cloned()
            .unwrap_or_default();
        v.insert("zone_id".into(), Value::string(zone_id));
        v.insert("setting_id".into(), Value::string(setting_id));
        v.insert("id".into(), Value::string(setting_id));
        Value::Object(v)
    }

    async fn write(
        &self,
        api: &Cloudflare,
        planned: &Value,
        verb: &str,
    ) -> Result<Value, ProviderError> {
        let (zone_id, setting_id) = Self::ids(planned)?;
        let value = planned.get_attr("value").unwrap_or_else(Value::null);
        let value = json_from_value(&value).map_err(|e| {
            ProviderError::new(format!("Invalid {TYPE} value")).with_detail(e.to_string())
        })?;
        let mut body = json!({"id": setting_id, "value": value});
        if let Some(Value::Bool(enabled)) = planned.get_attr("enabled") {
            body["enabled"] = J::Bool(enabled);
        }
        let result = api
            .patch(&Self::path(&zone_id, &setting_id), body)
            .await
            .map_err(|e| api.error(&op(verb, TYPE), &e))?;
        Ok(self
            .spec
            .reconcile(planned, &self.state(&zone_id, &setting_id, &result)))
    }
}

#[async_trait]
impl RestResource<Cloudflare> for ZoneSetting {
    fn spec(&self) -> &TypeSpec {
        &self.spec
    }

    async fn create(&self, api: &Cloudflare, planned: &Value) -> Result<Value, ProviderError> {
        self.write(api, planned, "creating").await
    }

    async fn read(
        &self,
        api: &Cloudflare,
        current: &Value,
    ) -> Result<Option<Value>, ProviderError> {
        let (zone_id, setting_id) = Self::ids(current)?;
        match api.get(&Self::path(&zone_id, &setting_id)).await {
            Ok(result) => Ok(Some(
                self.spec
                    .reconcile(current, &self.state(&zone_id, &setting_id, &result)),
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
        self.write(api, planned, "updating").await
    }

    /// The API cannot delete a setting: like v5, this only forgets it.
    async fn delete(&self, _api: &Cloudflare, _prior: &Value) -> Result<(), ProviderError> {
        Ok(())
    }

    async fn import(&self, api: &Cloudflare, id: &str) -> Result<Value, ProviderError> {
        let parts = split_import_id(id, 2, "<zone_id>/<setting_id>")?;
        let result = api
            .get(&Self::path(parts[0], parts[1]))
            .await
            .map_err(|e| api.error(&op("importing", TYPE), &e))?;
        Ok(self.state(parts[0], parts[1], &result))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use infra_lang::Type;

    #[test]
    fn plans_and_keeps_equivalent_values() {
        let (spec, errors) = spec();
        assert!(errors.is_empty(), "{errors:?}");
        let c = spec.object_with([
            ("zone_id", Value::string("z")),
            ("setting_id", Value::string("min_tls_version")),
            ("value", Value::string("1.2")),
        ]);
        let p = spec.plan(&Value::null(), &c).unwrap().planned;
        assert_eq!(p.get_attr("id"), Some(Value::Unknown(Type::String)));
        let r = ZoneSetting::new(spec);
        let answer = json!({"id": "min_tls_version", "value": "1.2", "editable": true, "modified_on": "2024-01-01T00:00:00Z"});
        let state = r
            .spec
            .reconcile(&p, &r.state("z", "min_tls_version", &answer));
        assert_eq!(state.get_attr("id"), Some(Value::string("min_tls_version")));
        assert_eq!(state.get_attr("value"), Some(Value::string("1.2")));
        assert_eq!(state.get_attr("editable"), Some(Value::Bool(true)));
        // An object value: the API's extra members are its defaults.
        let ours = r.spec.object_with([
            ("zone_id", Value::string("z")),
            ("setting_id", Value::string("security_header")),
            (
                "value",
                Value::object([(
                    "strict_transport_security",
                    Value::object([("enabled", Value::Bool(true))]),
                )]),
            ),
        ]);
        let answer = json!({"id": "security_header", "value": {"strict_transport_security": {"enabled": true, "max_age": 0, "nosniff": false}}});
        let state = r
            .spec
            .reconcile(&ours, &r.state("z", "security_header", &answer));
        assert_eq!(state.get_attr("value"), ours.get_attr("value"));
    }
}
