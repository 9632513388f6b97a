//! `cloudflare_healthcheck`: a standalone health check of an origin
//! (`/zones/{zone_id}/healthchecks`), HTTP(S) with `http_config` or TCP with `tcp_config`.
//!
//! As in v5: the defaults (`type` HTTP, `interval` 60, `retries` 2, `timeout` 5,
//! `consecutive_fails`/`consecutive_successes` 1, `suspended` false, `description` "", and
//! inside `http_config`/`tcp_config` method, path, port…) are planned, create is POST (at most
//! once: after an ambiguous failure the check is looked up by name and address), update PUT,
//! import ID `<zone_id>/<healthcheck_id>`. `http_config.expected_codes` left unset is what the
//! API defaults it to (`["200"]`), not a difference.

use async_trait::async_trait;
use infra_lang::Value;
use serde_json::{json, Value as J};

use super::api::{segment, Cloudflare};
use super::{op, SCHEMA_VERSION};
use crate::http::HttpError;
use crate::provider::ProviderError;
use crate::rest::idempotent::{create_once, CreateError};
use crate::rest::normalize::{equiv_empty_is_null, Normalizer};
use crate::rest::resource::{split_import_id, RestResource, TypeSpec};
use crate::rest::schema::Tweak;

pub const TYPE: &str = "cloudflare_healthcheck";
const DOC: &str = include_str!("docs/healthcheck.md");

pub fn spec() -> (TypeSpec, Vec<String>) {
    let d = |j: J| Tweak::Default(j);
    let overlay = vec![
        ("id", vec![Tweak::KeepPrior]),
        ("zone_id", vec![Tweak::Required, Tweak::ForceNew]),
        ("description", vec![d(json!(""))]),
        ("consecutive_fails", vec![d(json!(1))]),
        ("consecutive_successes", vec![d(json!(1))]),
        ("interval", vec![d(json!(60))]),
        ("retries", vec![d(json!(2))]),
        ("suspended", vec![d(json!(false))]),
        ("timeout", vec![d(json!(5))]),
        ("type", vec![d(json!("HTTP"))]),
        ("http_config", vec![Tweak::Computed]),
        ("http_config.allow_insecure", vec![d(json!(false))]),
        ("http_config.expected_body", vec![d(json!(""))]),
        (
            "http_config.expected_codes",
            vec![Tweak::ApiDefault(json!(["200"]))],
        ),
        ("http_config.follow_redirects", vec![d(json!(false))]),
        ("http_config.method", vec![d(json!("GET"))]),
        ("http_config.path", vec![d(json!("/"))]),
        ("http_config.port", vec![d(json!(80))]),
        ("tcp_config", vec![Tweak::Computed]),
        (
            "tcp_config.method",
            vec![d(json!("connection_established"))],
        ),
        ("tcp_config.port", vec![d(json!(80))]),
        ("created_on", vec![Tweak::KeepPrior]),
    ];
    let norm = Normalizer::new()
        .rule("http_config.header", equiv_empty_is_null)
        .rule("check_regions", equiv_empty_is_null);
    TypeSpec::from_doc(TYPE, DOC, SCHEMA_VERSION, &overlay, norm)
}

fn text(v: &Value, name: &str) -> Option<String> {
    v.get_attr(name)
        .and_then(|v| v.as_str().map(str::to_string))
}

pub struct Healthcheck {
    spec: TypeSpec,
}

impl Healthcheck {
    pub fn new(spec: TypeSpec) -> Healthcheck {
        Healthcheck { spec }
    }

    fn path(zone_id: &str) -> String {
        format!("/zones/{}/healthchecks", segment(zone_id))
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
        let mut body = self.spec.request(planned)?;
        if let Some(o) = body.as_object_mut() {
            o.remove("zone_id");
        }
        Ok(body)
    }

    fn settle(&self, ours: &Value, zone_id: &str, answer: &J) -> Value {
        let mut theirs = self
            .spec
            .from_json(answer)
            .as_entries()
            .cloned()
            .unwrap_or_default();
        theirs.insert("zone_id".into(), Value::string(zone_id));
        self.spec.reconcile(ours, &Value::Object(theirs))
    }

    async fn find_existing(
        &self,
        api: &Cloudflare,
        zone_id: &str,
        body: &J,
    ) -> Result<Vec<(String, J)>, HttpError> {
        let all = api.list(&Self::path(zone_id), &[], 1000).await?;
        Ok(all
            .into_iter()
            .filter(|h| {
                ["name", "address"]
                    .iter()
                    .all(|k| h.get(*k) == body.get(*k))
            })
            .map(|h| {
                (
                    h.get("id")
                        .and_then(J::as_str)
                        .unwrap_or_default()
                        .to_string(),
                    h,
                )
            })
            .collect())
    }
}

#[async_trait]
impl RestResource<Cloudflare> for Healthcheck {
    fn spec(&self) -> &TypeSpec {
        &self.spec
    }

    async fn create(&self, api: &Cloudflare, planned: &Value) -> Result<Value, ProviderError> {
        let zone_id = text(planned, "zone_id")
            .ok_or_else(|| ProviderError::new(format!("{TYPE}: zone_id is required")))?;
        let body = self.body(planned)?;
        let path = Self::path(&zone_id);
        let answer = create_once(
            &api.create_policy,
            || api.post(&path, body.clone()),
            || self.find_existing(api, &zone_id, &body),
            |_| false,
        )
        .await
        .map_err(|e| match e {
            CreateError::Http(h) => api.error(&op("creating", TYPE), &h),
            other => {
                ProviderError::new(format!("creating {TYPE} failed")).with_detail(other.to_string())
            }
        })?;
        Ok(self.settle(planned, &zone_id, &answer))
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
            Ok(answer) => Ok(Some(self.settle(current, &zone_id, &answer))),
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
        Ok(self.settle(planned, &zone_id, &answer))
    }

    async fn delete(&self, api: &Cloudflare, prior: &Value) -> Result<(), ProviderError> {
        let (zone_id, id) = Self::ids(prior)?;
        api.delete(&format!("{}/{}", Self::path(&zone_id), segment(&id)))
            .await
            .map_err(|e| api.error(&op("deleting", TYPE), &e))
    }

    async fn import(&self, api: &Cloudflare, id: &str) -> Result<Value, ProviderError> {
        let parts = split_import_id(id, 2, "<zone_id>/<healthcheck_id>")?;
        let answer = api
            .get(&format!("{}/{}", Self::path(parts[0]), segment(parts[1])))
            .await
            .map_err(|e| api.error(&op("importing", TYPE), &e))?;
        Ok(self.settle(&Value::null(), parts[0], &answer))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use infra_lang::Type;

    #[test]
    fn defaults_are_planned_and_api_defaults_are_not_differences() {
        let (s, errors) = spec();
        assert!(errors.is_empty(), "{errors:?}");
        let http = s
            .block
            .attr("http_config")
            .unwrap()
            .nested()
            .unwrap()
            .1
            .null_object();
        let http = {
            let mut o = http.as_entries().cloned().unwrap();
            o.insert("path".into(), Value::string("/health"));
            Value::Object(o)
        };
        let c = s.object_with([
            ("zone_id", Value::string("z")),
            ("name", Value::string("origin")),
            ("address", Value::string("www.example.com")),
            ("http_config", http),
        ]);
        let p = s.plan(&Value::null(), &c).unwrap().planned;
        assert_eq!(p.get_attr("interval"), Some(Value::number(60)));
        assert_eq!(p.get_attr("type"), Some(Value::string("HTTP")));
        let h = p.get_attr("http_config").unwrap();
        assert_eq!(h.get_attr("port"), Some(Value::number(80)));
        assert_eq!(h.get_attr("path"), Some(Value::string("/health")));
        assert_eq!(
            h.get_attr("expected_codes"),
            Some(Value::Null(Type::list(Type::String)))
        );
        assert!(!p.get_attr("tcp_config").unwrap().is_known());
        let r = Healthcheck::new(s);
        let answer = json!({
            "id": "h1", "name": "origin", "address": "www.example.com", "type": "HTTP", "interval": 60, "retries": 2, "timeout": 5,
            "consecutive_fails": 1, "consecutive_successes": 1, "suspended": false, "description": "", "check_regions": null,
            "http_config": {"method": "GET", "path": "/health", "port": 80, "expected_codes": ["200"], "expected_body": "", "follow_redirects": false, "allow_insecure": false, "header": null},
            "tcp_config": null, "status": "unknown", "failure_reason": "", "created_on": "t", "modified_on": "t"
        });
        let state = r.settle(&p, "z", &answer);
        let h = state.get_attr("http_config").unwrap();
        assert_eq!(
            h.get_attr("expected_codes"),
            Some(Value::Null(Type::list(Type::String)))
        );
        assert_eq!(state.get_attr("id"), Some(Value::string("h1")));
        assert_eq!(
            r.body(&p).unwrap()["http_config"],
            json!({"allow_insecure": false, "expected_body": "", "follow_redirects": false, "method": "GET", "path": "/health", "port": 80})
        );
    }
}
