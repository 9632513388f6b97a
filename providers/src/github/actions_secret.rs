//! `github_actions_secret` and `github_actions_environment_secret`: a GitHub Actions secret of a
//! repository (`/repos/{owner}/{repo}/actions/secrets/{name}`) or of one of its environments
//! (`/repos/{owner}/{repo}/environments/{env}/secrets/{name}`).
//!
//! The value is set as `value` (or the deprecated `plaintext_value`), sealed here with the
//! repository's (environment's) public key ([`super::seal`]) and sent as `encrypted_value` with
//! the key's `key_id`; or it comes sealed already as `value_encrypted` with `key_id` (or the
//! deprecated `encrypted_value`, whose key is fetched). Exactly one of the four is set.
//!
//! `value` and `plaintext_value` are **hashed in state** (`Tweak::HashedInState`): the engine
//! stores only a salted hash of them in state and plan files and, when the configured value
//! matches that hash, puts the configured value into the prior before planning, so an unchanged
//! secret plans no change. This type sees the plain value only in the planned value of a create
//! or update; a read returns the prior's secret attributes unchanged (GitHub never returns a
//! secret).
//!
//! Drift, as in the official provider: GitHub tells when a secret was last written
//! (`updated_at`). After each write the state records it twice, `updated_at` (our write) and
//! `remote_updated_at`; a refresh updates only `remote_updated_at`. When they differ, somebody
//! else wrote the secret, and the plan makes `updated_at` unknown: an update that writes the
//! configured value again (`lifecycle { ignore_changes = [updated_at] }` accepts the remote
//! value instead).
//!
//! IDs and import IDs: `repo:name`, `repo:env:name` (a `:` in the environment written `??`).
//! Importing leaves the values null (GitHub cannot tell them). A change of `repository`
//! replaces the secret. Writes are PUTs, idempotent, so creates need no duplicate check.

use std::collections::BTreeMap;

use async_trait::async_trait;
use infra_lang::{Type, Value};
use serde_json::{json, Value as J};

use super::api::{op, Github};
use super::common::{int, missing_on_import, repository_id, set_attr, text, GhType};
use super::seal::seal;
use crate::provider::{PlannedState, ProviderError};
use crate::rest::normalize::Normalizer;
use crate::rest::resource::{RestResource, TypeSpec};
use crate::rest::schema::Tweak;
use crate::rest::sdkschema::BlockLayout;

pub use super::actions_scope::Scope;

const KIND: Kind = Kind::Secret;
use super::actions_scope::{Key, Kind};

/// How the engine writes the salted hash of a `hashed_in_state` value in state and plan files
/// (`$infra-sha256$<salt>$<digest>`, see the engine's `statevals`).
pub const STORED_HASH_PREFIX: &str = "$infra-sha256$";

/// The attributes that carry the value, plaintext first.
pub const VALUE_ATTRIBUTES: [&str; 4] = [
    "value",
    "plaintext_value",
    "value_encrypted",
    "encrypted_value",
];

/// The schema: the docs page plus what the Go source says.
pub fn spec(scope: Scope) -> (TypeSpec, BlockLayout, Vec<String>) {
    let mut overlay = vec![
        ("repository", vec![Tweak::ForceNew]),
        ("secret_name", vec![Tweak::ForceNew]),
        ("value", vec![Tweak::HashedInState]),
        ("plaintext_value", vec![Tweak::HashedInState]),
        ("key_id", vec![Tweak::Computed]),
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

pub struct ActionsSecret {
    scope: Scope,
    t: GhType,
}


fn is_set(v: &Value, name: &str) -> bool {
    v.get_attr(name).is_some_and(|x| !x.is_null())
}

impl ActionsSecret {
    pub fn new(scope: Scope, spec: (TypeSpec, BlockLayout)) -> ActionsSecret {
        ActionsSecret {
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

    /// The scope's collection path followed by `rest`.
    fn scope_path(&self, api: &Github, k: &Key, rest: &str) -> Result<String, ProviderError> {
        Ok(format!("{}{rest}", k.list_path(api, KIND)?))
    }

    fn item_path(&self, api: &Github, k: &Key) -> Result<String, ProviderError> {
        k.item_path(api, KIND)
    }

    fn id(&self, k: &Key) -> String {
        k.id()
    }

    /// Exactly one way of giving the value, and `key_id` only with an encrypted one.
    fn check(&self, config: &Value) -> Result<(), ProviderError> {
        let all_known = VALUE_ATTRIBUTES
            .iter()
            .chain(["key_id"].iter())
            .all(|a| config.get_attr(a).is_none_or(|v| v.is_known()));
        if !all_known {
            return Ok(());
        }
        let set: Vec<&str> = VALUE_ATTRIBUTES
            .iter()
            .copied()
            .filter(|a| is_set(config, a))
            .collect();
        if set.len() != 1 {
            return Err(ProviderError::new("Invalid combination of arguments").with_detail(format!(
                "exactly one of `value`, `value_encrypted`, `encrypted_value` and `plaintext_value` must be set, {}",
                if set.is_empty() { "none is".to_string() } else { format!("got {}", set.join(", ")) }
            )));
        }
        if is_set(config, "key_id") && (set[0] == "value" || set[0] == "plaintext_value") {
            return Err(
                ProviderError::new("Conflicting configuration arguments").with_detail(format!(
                    "`key_id` conflicts with `{}`: the key is fetched to seal a plaintext value",
                    set[0]
                )),
            );
        }
        if set[0] == "value_encrypted" && !is_set(config, "key_id") {
            return Err(ProviderError::new("Missing required argument").with_detail(
                "`value_encrypted` needs `key_id`, the ID of the public key it was sealed with",
            ));
        }
        Ok(())
    }

    /// Seals (if needed) and writes the planned value; the state after the write.
    async fn write(
        &self,
        api: &Github,
        planned: &Value,
        what: &str,
    ) -> Result<Value, ProviderError> {
        let k = self.key(planned)?;
        let encrypted =
            text(planned, "value_encrypted").or_else(|| text(planned, "encrypted_value"));
        let mut key_id = text(planned, "key_id").filter(|s| !s.is_empty());
        let mut public_key = None;
        if encrypted.is_none() || key_id.is_none() {
            let pk = api
                .get(&self.scope_path(api, &k, "/public-key")?)
                .await
                .map_err(|e| api.error(what, &e))?;
            key_id = pk.get("key_id").and_then(J::as_str).map(str::to_string);
            public_key = pk.get("key").and_then(J::as_str).map(str::to_string);
        }
        let key_id = key_id.ok_or_else(|| {
            ProviderError::new(format!("{what} failed")).with_detail("GitHub sent no public key ID")
        })?;
        let encrypted = match encrypted {
            Some(e) => e,
            None => {
                let plaintext = text(planned, "value")
                    .or_else(|| text(planned, "plaintext_value"))
                    .ok_or_else(|| {
                        ProviderError::new(format!("{what} failed"))
                            .with_detail("no value is set (`value`, `value_encrypted`, …)")
                    })?;
                if plaintext.starts_with(STORED_HASH_PREFIX) {
                    // The engine keeps only a salted hash of the value; it must give the
                    // configured value to a create or update, never the stored hash.
                    return Err(ProviderError::new(format!("{what} failed")).with_detail(
                        "the value to write is the stored hash of the secret, not the secret: \
                         re-plan so that the configured value is used (this is a bug in infra)",
                    ));
                }
                let pk = public_key.unwrap_or_default();
                seal(&pk, plaintext.as_bytes()).map_err(|e| {
                    ProviderError::new(format!("{what} failed"))
                        .with_detail(format!("cannot encrypt the secret: {e}"))
                })?
            }
        };
        api.put(
            &self.item_path(api, &k)?,
            json!({"encrypted_value": encrypted, "key_id": key_id}),
        )
        .await
        .map_err(|e| api.error(what, &e))?;
        let secret = api
            .get_opt(&self.item_path(api, &k)?)
            .await
            .map_err(|e| api.error(what, &e))?
            .ok_or_else(|| {
                ProviderError::new(format!("{what} failed")).with_detail(format!(
                    "{} {} is not there right after it was written",
                    self.name(),
                    self.id(&k)
                ))
            })?;
        let repo_id = match int(planned, "repository_id") {
            Some(id) => Some(id),
            None => repository_id(api, &k.repo, what).await?,
        };
        let stamp = |name: &str| {
            secret
                .get(name)
                .and_then(J::as_str)
                .map(Value::string)
                .unwrap_or(Value::Null(Type::String))
        };
        let mut state = planned.clone();
        for (name, v) in [
            ("id", Value::string(self.id(&k))),
            ("key_id", Value::string(key_id)),
            (
                "repository_id",
                repo_id
                    .map(Value::from)
                    .unwrap_or(Value::Null(Type::Number)),
            ),
            ("created_at", stamp("created_at")),
            ("updated_at", stamp("updated_at")),
            ("remote_updated_at", stamp("updated_at")),
        ] {
            state = set_attr(&state, name, v);
        }
        Ok(state)
    }

    /// The state after a refresh: ours, with what GitHub tells (timestamps).
    fn refreshed(&self, current: &Value, secret: &J) -> Value {
        let stamp = |name: &str| secret.get(name).and_then(J::as_str).map(Value::string);
        let mut state = set_attr(
            current,
            "remote_updated_at",
            stamp("updated_at").unwrap_or(Value::Null(Type::String)),
        );
        for name in ["created_at", "updated_at"] {
            if text(current, name).is_none() {
                if let Some(v) = stamp(name) {
                    state = set_attr(&state, name, v);
                }
            }
        }
        state
    }
}

#[async_trait]
impl RestResource<Github> for ActionsSecret {
    fn spec(&self) -> &TypeSpec {
        &self.t.spec
    }

    fn plan(&self, prior: &Value, proposed: &Value) -> Result<PlannedState, ProviderError> {
        // An imported secret has no value in state (GitHub never returns one); with the docs'
        // workaround, `lifecycle { ignore_changes = [value] }`, the proposed value is that
        // null too. Nothing is written then, so there is nothing to check.
        let imported_and_ignored = !prior.is_null()
            && VALUE_ATTRIBUTES
                .iter()
                .all(|a| !is_set(prior, a) && !is_set(proposed, a));
        if !imported_and_ignored {
            self.check(proposed)?;
        }
        let mut planned = self.t.plan(prior, proposed)?;
        if !prior.is_null() && planned.requires_replace.is_empty() {
            let (ours, remote) = (text(prior, "updated_at"), text(prior, "remote_updated_at"));
            if remote.is_some() && ours != remote {
                // Written by somebody else since our last write: write ours again.
                for name in ["updated_at", "remote_updated_at"] {
                    planned.planned =
                        set_attr(&planned.planned, name, Value::Unknown(Type::String));
                }
            }
        }
        Ok(planned)
    }

    async fn create(&self, api: &Github, planned: &Value) -> Result<Value, ProviderError> {
        self.write(api, planned, &op("creating", self.name())).await
    }

    async fn read(&self, api: &Github, current: &Value) -> Result<Option<Value>, ProviderError> {
        let k = self.key(current)?;
        let secret = api
            .get_opt(&self.item_path(api, &k)?)
            .await
            .map_err(|e| api.error(&op("reading", self.name()), &e))?;
        Ok(secret.map(|s| self.refreshed(current, &s)))
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
            let listed = match self.scope_path(api, &scope_key, "") {
                Ok(path) => api
                    .list(&path, Some("secrets"))
                    .await
                    .map_err(|e| api.error(&what, &e)),
                Err(e) => Err(e),
            };
            match listed {
                Ok(secrets) => {
                    // Secret names are case-insensitive (GitHub shows them in capitals).
                    let by_name: BTreeMap<String, &J> = secrets
                        .iter()
                        .filter_map(|s| Some((s.get("name")?.as_str()?.to_ascii_uppercase(), s)))
                        .collect();
                    for i in indexes {
                        let c = &currents[i];
                        out[i] = Some(self.key(c).map(|k| {
                            by_name
                                .get(&k.name.to_ascii_uppercase())
                                .map(|s| self.refreshed(c, s))
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
        self.write(api, planned, &op("updating", self.name())).await
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
        let secret = api
            .get_opt(&self.item_path(api, &k)?)
            .await
            .map_err(|e| api.error(&what, &e))?
            .ok_or_else(|| missing_on_import(self.name(), id))?;
        let repo_id = repository_id(api, &k.repo, &what).await?;
        let mut j = json!({
            "id": self.id(&k),
            "repository": k.repo,
            "secret_name": k.name,
            "repository_id": repo_id,
            "created_at": secret.get("created_at"),
            "updated_at": secret.get("updated_at"),
            "remote_updated_at": secret.get("updated_at"),
        });
        if let Some(env) = &k.env {
            j["environment"] = json!(env);
        }
        Ok(self.t.value(&j))
    }
}
