//! `github_repository_deploy_key`: an SSH deploy key of a repository
//! (`/repos/{owner}/{repo}/keys`). GitHub cannot change a deploy key: every attribute forces
//! replacement (delete + create), as in the official provider.
//!
//! The ID and import ID are `repository:key_id`. GitHub keeps only the key type and material
//! (`ssh-ed25519 AAAA…`), dropping the comment: a configured key with a comment is the same
//! key. Creates are at-most-once: after an ambiguous failure the repository's keys are listed
//! and the one with the same key material is adopted.

use async_trait::async_trait;
use infra_lang::{Type, Value};
use serde_json::{json, Value as J};

use super::api::{build_id, op, parse_id, Github};
use super::common::{create_failed, missing_on_import, need, GhType};
use crate::http::{path_segment, HttpError};
use crate::provider::{PlannedState, ProviderError};
use crate::rest::idempotent::create_once;
use crate::rest::normalize::Normalizer;
use crate::rest::resource::{RestResource, TypeSpec};
use crate::rest::schema::Tweak;
use crate::rest::sdkschema::{BlockLayout, SdkSchema};

pub const TYPE: &str = "github_repository_deploy_key";
const ID_FORM: &str = "<repository>:<key_id>";

/// The key type and material of an OpenSSH public key line, without the comment.
pub fn key_material(key: &str) -> String {
    key.split_whitespace().take(2).collect::<Vec<_>>().join(" ")
}

fn same_key(a: &Value, b: &Value) -> bool {
    match (a.unmarked().as_str(), b.unmarked().as_str()) {
        (Some(x), Some(y)) => key_material(x) == key_material(y),
        _ => false,
    }
}

/// The schema, from the docs page's Argument Reference and the Go source.
pub fn spec() -> (TypeSpec, BlockLayout, Vec<String>) {
    let s = SdkSchema::new()
        .required("key", Type::String, "A SSH key.")
        .optional(
            "read_only",
            Type::Bool,
            "A boolean qualifying the key to be either read only or read/write.",
        )
        .required("repository", Type::String, "Name of the GitHub repository.")
        .required("title", Type::String, "A title.")
        .computed("etag", Type::String, "An ETag (not tracked by infra).")
        .computed("id", Type::String, "`repository:key_id`.");
    let overlay = vec![
        ("key", vec![Tweak::ForceNew]),
        (
            "read_only",
            vec![Tweak::ForceNew, Tweak::Default(json!(true))],
        ),
        ("repository", vec![Tweak::ForceNew]),
        ("title", vec![Tweak::ForceNew]),
        ("id", vec![Tweak::KeepPrior]),
    ];
    s.into_spec(TYPE, 0, &overlay, Normalizer::new().rule("key", same_key))
}

pub struct DeployKey {
    t: GhType,
}

impl DeployKey {
    pub fn new(spec: (TypeSpec, BlockLayout)) -> DeployKey {
        DeployKey {
            t: GhType::new(spec),
        }
    }

    fn ids(v: &Value) -> Result<(String, String), ProviderError> {
        let repo = need(v, "repository", TYPE)?;
        let id = need(v, "id", TYPE)?;
        let key_id = parse_id(&id, ID_FORM)?.pop().unwrap_or_default();
        Ok((repo, key_id))
    }

    fn key_path(api: &Github, repo: &str, key_id: &str) -> Result<String, ProviderError> {
        api.repo_path(repo, &format!("/keys/{}", path_segment(key_id)))
    }

    fn state_json(repo: &str, key: &J) -> J {
        let key_id = key.get("id").map(|i| i.to_string()).unwrap_or_default();
        json!({
            "id": build_id(&[repo, &key_id]),
            "repository": repo,
            "key": key.get("key"),
            "title": key.get("title"),
            "read_only": key.get("read_only"),
        })
    }

    async fn find_existing(
        &self,
        api: &Github,
        repo: &str,
        key: &str,
    ) -> Result<Vec<(String, J)>, HttpError> {
        let Ok(path) = api.repo_path(repo, "/keys") else {
            return Ok(vec![]);
        };
        let wanted = key_material(key);
        Ok(api
            .list(&path, None)
            .await?
            .into_iter()
            .filter(|k| {
                k.get("key")
                    .and_then(J::as_str)
                    .is_some_and(|k| key_material(k) == wanted)
            })
            .map(|k| (k.get("id").map(|i| i.to_string()).unwrap_or_default(), k))
            .collect())
    }
}

/// GitHub's answer to a key that is already used (by this or another repository).
fn key_in_use(e: &HttpError) -> bool {
    super::common::already_exists(e)
        || matches!(e, HttpError::Status { status: 422, messages, .. } if messages.iter().any(|m| m.contains("already in use")))
}

#[async_trait]
impl RestResource<Github> for DeployKey {
    fn spec(&self) -> &TypeSpec {
        &self.t.spec
    }

    fn plan(&self, prior: &Value, proposed: &Value) -> Result<PlannedState, ProviderError> {
        self.t.plan(prior, proposed)
    }

    async fn create(&self, api: &Github, planned: &Value) -> Result<Value, ProviderError> {
        let repo = need(planned, "repository", TYPE)?;
        let key = need(planned, "key", TYPE)?;
        let all = self.t.request(planned)?;
        let body =
            json!({"title": all.get("title"), "key": key, "read_only": all.get("read_only")});
        let path = api.repo_path(&repo, "/keys")?;
        let created = create_once(
            &api.create_policy,
            || api.post(&path, body.clone()),
            || self.find_existing(api, &repo, &key),
            key_in_use,
        )
        .await
        .map_err(|e| create_failed(api, TYPE, e))?;
        Ok(self.t.settle(planned, &Self::state_json(&repo, &created)))
    }

    async fn read(&self, api: &Github, current: &Value) -> Result<Option<Value>, ProviderError> {
        let (repo, key_id) = Self::ids(current)?;
        let key = api
            .get_opt(&Self::key_path(api, &repo, &key_id)?)
            .await
            .map_err(|e| api.error(&op("reading", TYPE), &e))?;
        Ok(key.map(|k| self.t.settle(current, &Self::state_json(&repo, &k))))
    }

    async fn update(
        &self,
        _api: &Github,
        _prior: &Value,
        _planned: &Value,
    ) -> Result<Value, ProviderError> {
        Err(
            ProviderError::new(format!("{TYPE} cannot be updated in place"))
                .with_detail("every change of a deploy key replaces it; this is a bug in the plan"),
        )
    }

    async fn delete(&self, api: &Github, prior: &Value) -> Result<(), ProviderError> {
        let (repo, key_id) = Self::ids(prior)?;
        api.delete(&Self::key_path(api, &repo, &key_id)?)
            .await
            .map_err(|e| api.error(&op("deleting", TYPE), &e))
    }

    async fn import(&self, api: &Github, id: &str) -> Result<Value, ProviderError> {
        let parts = parse_id(id, ID_FORM)?;
        let key = api
            .get_opt(&Self::key_path(api, &parts[0], &parts[1])?)
            .await
            .map_err(|e| api.error(&op("importing", TYPE), &e))?
            .ok_or_else(|| missing_on_import(TYPE, id))?;
        Ok(self.t.value(&Self::state_json(&parts[0], &key)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_compare_without_their_comment() {
        assert_eq!(
            key_material("ssh-ed25519 AAAAC3 user@host"),
            "ssh-ed25519 AAAAC3"
        );
        assert!(same_key(
            &Value::string("ssh-ed25519 AAAA a@b\n"),
            &Value::string("ssh-ed25519 AAAA")
        ));
        assert!(!same_key(
            &Value::string("ssh-ed25519 AAAA"),
            &Value::string("ssh-ed25519 BBBB")
        ));
    }
}
