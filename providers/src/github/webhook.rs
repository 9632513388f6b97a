//! `github_repository_webhook`: a webhook of a repository (`/repos/{owner}/{repo}/hooks`).
//!
//! As in the official provider: `configuration { url, content_type, secret, insecure_ssl }`
//! (one block), `events` a set, `active` defaulting to true; the ID is GitHub's hook ID and the
//! import ID `repository/hook_id`. `configuration.url` and `configuration.secret` are
//! sensitive. GitHub never shows the secret (it answers `********`): the state keeps the
//! configured secret, and an imported hook with a secret holds `********`.
//!
//! Creates are at-most-once: after an ambiguous failure the hooks of the repository are
//! listed and the one with the same URL and events is adopted. Refresh lists a repository's
//! hooks when more than two are refreshed together.

use std::collections::BTreeMap;

use async_trait::async_trait;
use infra_lang::{Type, Value};
use serde_json::{json, Value as J};

use super::api::{op, Github};
use super::common::{already_exists, create_failed, missing_on_import, need, GhType};
use crate::http::path_segment;
use crate::provider::{PlannedState, ProviderError};
use crate::rest::idempotent::create_once;
use crate::rest::normalize::Normalizer;
use crate::rest::resource::{split_import_id, RestResource, TypeSpec};
use crate::rest::schema::Tweak;
use crate::rest::sdkschema::{BlockLayout, SdkSchema};

pub const TYPE: &str = "github_repository_webhook";

/// What GitHub shows instead of a webhook's secret.
pub const MASKED_SECRET: &str = "********";

/// The schema, from the docs page's Argument Reference and the Go source.
pub fn spec() -> (TypeSpec, BlockLayout, Vec<String>) {
    let s = SdkSchema::new()
        .required("repository", Type::String, "The repository of the webhook.")
        .required(
            "events",
            Type::set(Type::String),
            "A list of events which should trigger the webhook.",
        )
        .optional(
            "active",
            Type::Bool,
            "Indicate if the webhook should receive events.",
        )
        .computed("url", Type::String, "URL of the webhook.")
        .optional_computed("etag", Type::String, "An ETag (not tracked by infra).")
        .computed("id", Type::String, "GitHub's ID of the webhook.")
        .block_list(
            "configuration",
            1,
            1,
            "Configuration block for the webhook.",
            SdkSchema::new()
                .required("url", Type::String, "The URL of the webhook.")
                .required(
                    "content_type",
                    Type::String,
                    "The content type for the payload: `form` or `json`.",
                )
                .optional("secret", Type::String, "The shared secret for the webhook.")
                .optional("insecure_ssl", Type::Bool, "Insecure SSL boolean toggle."),
        );
    let overlay = vec![
        ("repository", vec![Tweak::ForceNew]),
        ("active", vec![Tweak::Default(json!(true))]),
        ("id", vec![Tweak::KeepPrior]),
        ("url", vec![Tweak::KeepPrior, Tweak::Sensitive]),
        ("configuration.url", vec![Tweak::Sensitive]),
        ("configuration.secret", vec![Tweak::Sensitive]),
        (
            "configuration.insecure_ssl",
            vec![Tweak::Default(json!(false))],
        ),
    ];
    s.into_spec(TYPE, 0, &overlay, Normalizer::new())
}

pub struct Webhook {
    t: GhType,
}

fn insecure(v: Option<&J>) -> bool {
    match v {
        Some(J::String(s)) => s == "1",
        Some(J::Number(n)) => n.as_i64() == Some(1),
        Some(J::Bool(b)) => *b,
        _ => false,
    }
}

impl Webhook {
    pub fn new(spec: (TypeSpec, BlockLayout)) -> Webhook {
        Webhook {
            t: GhType::new(spec),
        }
    }

    fn hook_path(api: &Github, repo: &str, id: &str) -> Result<String, ProviderError> {
        api.repo_path(repo, &format!("/hooks/{}", path_segment(id)))
    }

    fn keys(v: &Value) -> Result<(String, String), ProviderError> {
        Ok((need(v, "repository", TYPE)?, need(v, "id", TYPE)?))
    }

    /// The create or update body.
    fn body(&self, planned: &Value) -> Result<J, ProviderError> {
        let all = self.t.request(planned)?;
        let c = all.get("configuration").cloned().unwrap_or(json!({}));
        let mut config = json!({
            "url": c.get("url"),
            "content_type": c.get("content_type"),
            "insecure_ssl": if c.get("insecure_ssl").and_then(J::as_bool) == Some(true) { "1" } else { "0" },
        });
        if let Some(secret) = c.get("secret").filter(|s| !s.is_null()) {
            config["secret"] = secret.clone();
        }
        Ok(json!({
            "config": config,
            "events": all.get("events").cloned().unwrap_or(json!([])),
            "active": all.get("active").cloned().unwrap_or(json!(true)),
        }))
    }

    /// GitHub's hook in the schema's shape; the secret is ours when GitHub masks it.
    fn state_json(&self, repo: &str, hook: &J, ours: &Value) -> J {
        let config = hook.get("config").cloned().unwrap_or(json!({}));
        let our_secret = ours
            .get_attr("configuration")
            .and_then(|c| c.as_seq().and_then(|s| s.first().cloned()))
            .and_then(|c| c.get_attr("secret"))
            .and_then(|s| s.as_str().map(str::to_string));
        let secret = match config.get("secret").and_then(J::as_str) {
            Some(MASKED_SECRET) => Some(our_secret.unwrap_or_else(|| MASKED_SECRET.to_string())),
            Some(s) if !s.is_empty() => Some(s.to_string()),
            _ => None,
        };
        let id = match hook.get("id") {
            Some(J::Number(n)) => J::String(n.to_string()),
            other => other.cloned().unwrap_or(J::Null),
        };
        json!({
            "id": id,
            "repository": repo,
            "url": hook.get("url"),
            "active": hook.get("active"),
            "events": hook.get("events"),
            "configuration": {
                "url": config.get("url"),
                "content_type": config.get("content_type"),
                "secret": secret,
                "insecure_ssl": insecure(config.get("insecure_ssl")),
            },
        })
    }

    /// Hooks of `repo` with the URL and events of `body`, as `(id, hook)`.
    async fn find_existing(
        &self,
        api: &Github,
        repo: &str,
        body: &J,
    ) -> Result<Vec<(String, J)>, crate::http::HttpError> {
        let path = match api.repo_path(repo, "/hooks") {
            Ok(p) => p,
            Err(_) => return Ok(vec![]),
        };
        let sorted = |v: Option<&J>| {
            let mut e: Vec<String> = v
                .and_then(J::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|x| x.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            e.sort();
            e
        };
        let hooks = api.list(&path, None).await?;
        Ok(hooks
            .into_iter()
            .filter(|h| {
                h.pointer("/config/url") == body.pointer("/config/url")
                    && sorted(h.get("events")) == sorted(body.get("events"))
            })
            .map(|h| (h.get("id").map(|i| i.to_string()).unwrap_or_default(), h))
            .collect())
    }
}

#[async_trait]
impl RestResource<Github> for Webhook {
    fn spec(&self) -> &TypeSpec {
        &self.t.spec
    }

    fn plan(&self, prior: &Value, proposed: &Value) -> Result<PlannedState, ProviderError> {
        self.t.plan(prior, proposed)
    }

    async fn create(&self, api: &Github, planned: &Value) -> Result<Value, ProviderError> {
        let repo = need(planned, "repository", TYPE)?;
        let mut body = self.body(planned)?;
        body["name"] = json!("web");
        let path = api.repo_path(&repo, "/hooks")?;
        let hook = create_once(
            &api.create_policy,
            || api.post(&path, body.clone()),
            || self.find_existing(api, &repo, &body),
            already_exists,
        )
        .await
        .map_err(|e| create_failed(api, TYPE, e))?;
        Ok(self
            .t
            .settle(planned, &self.state_json(&repo, &hook, planned)))
    }

    async fn read(&self, api: &Github, current: &Value) -> Result<Option<Value>, ProviderError> {
        let (repo, id) = Self::keys(current)?;
        let hook = api
            .get_opt(&Self::hook_path(api, &repo, &id)?)
            .await
            .map_err(|e| api.error(&op("reading", TYPE), &e))?;
        Ok(hook.map(|h| self.t.settle(current, &self.state_json(&repo, &h, current))))
    }

    async fn read_many(
        &self,
        api: &Github,
        currents: &[Value],
    ) -> Vec<Result<Option<Value>, ProviderError>> {
        let mut out: Vec<Option<Result<Option<Value>, ProviderError>>> =
            currents.iter().map(|_| None).collect();
        let mut by_repo: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (i, c) in currents.iter().enumerate() {
            match Self::keys(c) {
                Ok((repo, _)) => by_repo.entry(repo).or_default().push(i),
                Err(e) => out[i] = Some(Err(e)),
            }
        }
        for (repo, indexes) in by_repo {
            if indexes.len() <= 2 {
                for i in indexes {
                    out[i] = Some(self.read(api, &currents[i]).await);
                }
                continue;
            }
            let listed = match api.repo_path(&repo, "/hooks") {
                Ok(path) => api
                    .list(&path, None)
                    .await
                    .map_err(|e| api.error(&op("reading", TYPE), &e)),
                Err(e) => Err(e),
            };
            match listed {
                Ok(hooks) => {
                    let by_id: BTreeMap<String, &J> = hooks
                        .iter()
                        .filter_map(|h| Some((h.get("id")?.to_string(), h)))
                        .collect();
                    for i in indexes {
                        let c = &currents[i];
                        let id = super::common::text(c, "id").unwrap_or_default();
                        out[i] = Some(Ok(by_id
                            .get(&id)
                            .map(|h| self.t.settle(c, &self.state_json(&repo, h, c)))));
                    }
                }
                Err(e) => {
                    for i in indexes {
                        out[i] = Some(Err(e.clone()));
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
        api: &Github,
        _prior: &Value,
        planned: &Value,
    ) -> Result<Value, ProviderError> {
        let (repo, id) = Self::keys(planned)?;
        let hook = api
            .patch(&Self::hook_path(api, &repo, &id)?, self.body(planned)?)
            .await
            .map_err(|e| api.error(&op("updating", TYPE), &e))?;
        Ok(self
            .t
            .settle(planned, &self.state_json(&repo, &hook, planned)))
    }

    async fn delete(&self, api: &Github, prior: &Value) -> Result<(), ProviderError> {
        let (repo, id) = Self::keys(prior)?;
        api.delete(&Self::hook_path(api, &repo, &id)?)
            .await
            .map_err(|e| api.error(&op("deleting", TYPE), &e))
    }

    async fn import(&self, api: &Github, id: &str) -> Result<Value, ProviderError> {
        let parts = split_import_id(id, 2, "<repository>/<hook_id>")?;
        let hook = api
            .get_opt(&Self::hook_path(api, parts[0], parts[1])?)
            .await
            .map_err(|e| api.error(&op("importing", TYPE), &e))?
            .ok_or_else(|| missing_on_import(TYPE, id))?;
        let null = self.t.spec.null_object();
        Ok(self.t.value(&self.state_json(parts[0], &hook, &null)))
    }
}
