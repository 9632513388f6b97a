//! `github_actions_variable` and `github_actions_environment_variable`: a GitHub Actions
//! configuration variable of a repository (`/repos/{owner}/{repo}/actions/variables`) or of
//! one of its environments (`/repos/{owner}/{repo}/environments/{env}/variables`).
//!
//! As in the official provider: `variable_name` (and `environment`) force replacement, the value
//! is updated in place (PATCH), `id` is `repo:name` (`repo:env:name`, a `:` in the environment
//! written `??`), which is also the import ID. Difference: a change of `repository` replaces
//! the variable (the official provider tells a rename from another repository by its ID, which
//! planning here cannot ask the API for).
//!
//! Creates are at-most-once: after an ambiguous failure the variable is looked up by name and
//! adopted when it holds the planned value. Refresh lists a repository's (environment's)
//! variables, 30 a page, when more than two of them are refreshed together.

use std::collections::BTreeMap;

use async_trait::async_trait;
use infra_lang::Value;
use serde_json::{json, Value as J};

use super::api::{op, Github};
use super::common::{
    already_exists, create_failed, missing_on_import, repository_id, text, GhType,
};
use crate::provider::{PlannedState, ProviderError};
use crate::rest::idempotent::create_once;
use crate::rest::normalize::Normalizer;
use crate::rest::resource::{RestResource, TypeSpec};
use crate::rest::schema::Tweak;
use crate::rest::sdkschema::BlockLayout;

pub use super::actions_scope::Scope;

const KIND: Kind = Kind::Variable;
use super::actions_scope::{Key, Kind};

/// The variables list allows at most 30 a page.
const VARIABLES_PER_PAGE: u32 = 30;

/// The schema: the docs page plus what the Go source says.
pub fn spec(scope: Scope) -> (TypeSpec, BlockLayout, Vec<String>) {
    let mut overlay = vec![
        ("repository", vec![Tweak::ForceNew]),
        ("variable_name", vec![Tweak::ForceNew]),
        ("id", vec![Tweak::KeepPrior]),
        ("repository_id", vec![Tweak::KeepPrior]),
        ("created_at", vec![Tweak::KeepPrior]),
    ];
    if scope == Scope::Environment {
        overlay.push(("environment", vec![Tweak::ForceNew]));
    }
    let (spec, errors) = TypeSpec::from_doc(
        scope.type_name(KIND),
        scope.doc(KIND),
        0,
        &overlay,
        Normalizer::new(),
    );
    (spec, BlockLayout::default(), errors)
}

pub struct ActionsVariable {
    scope: Scope,
    t: GhType,
}


impl ActionsVariable {
    pub fn new(scope: Scope, spec: (TypeSpec, BlockLayout)) -> ActionsVariable {
        ActionsVariable {
            scope,
            t: GhType::new(spec),
        }
    }

    fn name(&self) -> &'static str {
        self.scope.type_name(KIND)
    }

    fn key(&self, v: &Value) -> Result<Key, ProviderError> {
        Key::of(v, self.scope, KIND)
    }

    /// The collection path of the key's scope.
    fn list_path(&self, api: &Github, k: &Key) -> Result<String, ProviderError> {
        k.list_path(api, KIND)
    }

    fn item_path(&self, api: &Github, k: &Key) -> Result<String, ProviderError> {
        k.item_path(api, KIND)
    }

    fn id(&self, k: &Key) -> String {
        k.id()
    }

    /// The API's variable in the schema's shape.
    fn state_json(&self, k: &Key, variable: &J, repository_id: Option<i64>) -> J {
        let mut j = json!({
            "id": self.id(k),
            "repository": k.repo,
            "variable_name": k.name,
            "value": variable.get("value"),
            "created_at": variable.get("created_at"),
            "updated_at": variable.get("updated_at"),
            "repository_id": repository_id,
        });
        if let Some(env) = &k.env {
            j["environment"] = json!(env);
        }
        j
    }

    async fn fetch(&self, api: &Github, k: &Key, what: &str) -> Result<Option<J>, ProviderError> {
        api.get_opt(&self.item_path(api, k)?)
            .await
            .map_err(|e| api.error(what, &e))
    }

    /// Reads after a write; the variable must be there.
    async fn settle_after_write(
        &self,
        api: &Github,
        k: &Key,
        planned: &Value,
        what: &str,
    ) -> Result<Value, ProviderError> {
        let variable = self.fetch(api, k, what).await?.ok_or_else(|| {
            ProviderError::new(format!("{what} failed")).with_detail(format!(
                "{} {} is not there right after it was written",
                self.name(),
                self.id(k)
            ))
        })?;
        let repo_id = super::common::int(planned, "repository_id");
        let repo_id = match repo_id {
            Some(id) => Some(id),
            None => repository_id(api, &k.repo, what).await?,
        };
        Ok(self
            .t
            .settle(planned, &self.state_json(k, &variable, repo_id)))
    }
}

#[async_trait]
impl RestResource<Github> for ActionsVariable {
    fn spec(&self) -> &TypeSpec {
        &self.t.spec
    }

    fn plan(&self, prior: &Value, proposed: &Value) -> Result<PlannedState, ProviderError> {
        self.t.plan(prior, proposed)
    }

    async fn create(&self, api: &Github, planned: &Value) -> Result<Value, ProviderError> {
        let what = op("creating", self.name());
        let k = self.key(planned)?;
        let value = text(planned, "value").unwrap_or_default();
        let path = self.list_path(api, &k)?;
        let item = self.item_path(api, &k)?;
        let body = json!({"name": k.name, "value": value});
        create_once(
            &api.create_policy,
            || api.post(&path, body.clone()),
            || async {
                Ok(match api.get_opt(&item).await? {
                    Some(v) if v.get("value").and_then(J::as_str) == Some(value.as_str()) => {
                        vec![(k.name.clone(), v)]
                    }
                    _ => vec![],
                })
            },
            already_exists,
        )
        .await
        .map_err(|e| create_failed(api, self.name(), e))?;
        self.settle_after_write(api, &k, planned, &what).await
    }

    async fn read(&self, api: &Github, current: &Value) -> Result<Option<Value>, ProviderError> {
        let k = self.key(current)?;
        let Some(variable) = self.fetch(api, &k, &op("reading", self.name())).await? else {
            return Ok(None);
        };
        let repo_id = super::common::int(current, "repository_id");
        Ok(Some(
            self.t
                .settle(current, &self.state_json(&k, &variable, repo_id)),
        ))
    }

    async fn read_many(
        &self,
        api: &Github,
        currents: &[Value],
    ) -> Vec<Result<Option<Value>, ProviderError>> {
        let mut out: Vec<Option<Result<Option<Value>, ProviderError>>> =
            currents.iter().map(|_| None).collect();
        let mut groups: BTreeMap<(String, Option<String>), Vec<usize>> = BTreeMap::new();
        for (i, c) in currents.iter().enumerate() {
            match self.key(c) {
                Ok(k) => groups.entry((k.repo, k.env)).or_default().push(i),
                Err(e) => out[i] = Some(Err(e)),
            }
        }
        let what = op("reading", self.name());
        for ((repo, env), indexes) in groups {
            if indexes.len() <= 2 {
                for i in indexes {
                    out[i] = Some(self.read(api, &currents[i]).await);
                }
                continue;
            }
            let scope_key = Key {
                repo,
                env,
                name: String::new(),
            };
            let listed = match self.list_path(api, &scope_key) {
                Ok(path) => api
                    .list_per_page(&path, Some("variables"), VARIABLES_PER_PAGE)
                    .await
                    .map_err(|e| api.error(&what, &e)),
                Err(e) => Err(e),
            };
            match listed {
                Ok(variables) => {
                    let by_name: BTreeMap<String, &J> = variables
                        .iter()
                        .filter_map(|v| Some((v.get("name")?.as_str()?.to_ascii_uppercase(), v)))
                        .collect();
                    for i in indexes {
                        let c = &currents[i];
                        out[i] = Some(self.key(c).map(|k| {
                            by_name.get(&k.name.to_ascii_uppercase()).map(|v| {
                                let repo_id = super::common::int(c, "repository_id");
                                self.t.settle(c, &self.state_json(&k, v, repo_id))
                            })
                        }));
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
        let what = op("updating", self.name());
        let k = self.key(planned)?;
        let body = json!({"name": k.name, "value": text(planned, "value").unwrap_or_default()});
        api.patch(&self.item_path(api, &k)?, body)
            .await
            .map_err(|e| api.error(&what, &e))?;
        self.settle_after_write(api, &k, planned, &what).await
    }

    async fn delete(&self, api: &Github, prior: &Value) -> Result<(), ProviderError> {
        let k = self.key(prior)?;
        api.delete(&self.item_path(api, &k)?)
            .await
            .map_err(|e| api.error(&op("deleting", self.name()), &e))
    }

    async fn import(&self, api: &Github, id: &str) -> Result<Value, ProviderError> {
        let what = op("importing", self.name());
        let k = Key::parse(id, self.scope, KIND)?;
        let variable = self
            .fetch(api, &k, &what)
            .await?
            .ok_or_else(|| missing_on_import(self.name(), id))?;
        let repo_id = repository_id(api, &k.repo, &what).await?;
        Ok(self.t.value(&self.state_json(&k, &variable, repo_id)))
    }
}
