//! What Actions secrets and Actions variables share: the scope they live in (a repository or
//! one of its environments), the key that names one (repository, environment, name), its API
//! paths, its resource ID and its import ID.

use infra_lang::Value;

use super::api::{build_id, parse_id, Github};
use super::common::need;
use crate::http::path_segment;
use crate::provider::ProviderError;

/// Secrets or variables.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Secret,
    Variable,
}

impl Kind {
    /// The API collection (`/actions/secrets`, `/environments/{env}/variables`, ...).
    fn collection(self) -> &'static str {
        match self {
            Kind::Secret => "secrets",
            Kind::Variable => "variables",
        }
    }

    /// The attribute that holds the name.
    pub fn name_attr(self) -> &'static str {
        match self {
            Kind::Secret => "secret_name",
            Kind::Variable => "variable_name",
        }
    }
}

/// Where the secret or variable lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    Repository,
    Environment,
}

impl Scope {
    pub fn type_name(self, kind: Kind) -> &'static str {
        match (kind, self) {
            (Kind::Secret, Scope::Repository) => "github_actions_secret",
            (Kind::Secret, Scope::Environment) => "github_actions_environment_secret",
            (Kind::Variable, Scope::Repository) => "github_actions_variable",
            (Kind::Variable, Scope::Environment) => "github_actions_environment_variable",
        }
    }

    /// The official docs page the schema is read from.
    pub fn doc(self, kind: Kind) -> &'static str {
        match (kind, self) {
            (Kind::Secret, Scope::Repository) => include_str!("docs/actions_secret.md"),
            (Kind::Secret, Scope::Environment) => include_str!("docs/actions_environment_secret.md"),
            (Kind::Variable, Scope::Repository) => include_str!("docs/actions_variable.md"),
            (Kind::Variable, Scope::Environment) => include_str!("docs/actions_environment_variable.md"),
        }
    }

    /// The import ID form.
    pub fn id_form(self, kind: Kind) -> &'static str {
        match (kind, self) {
            (Kind::Secret, Scope::Repository) => "<repository>:<secret_name>",
            (Kind::Secret, Scope::Environment) => "<repository>:<environment>:<secret_name>",
            (Kind::Variable, Scope::Repository) => "<repository>:<variable_name>",
            (Kind::Variable, Scope::Environment) => "<repository>:<environment>:<variable_name>",
        }
    }
}

/// Where one secret or variable is: repository, environment (for the environment scope) and
/// name.
pub struct Key {
    pub repo: String,
    pub env: Option<String>,
    pub name: String,
}

impl Key {
    /// The key named by a configuration or state object.
    pub fn of(v: &Value, scope: Scope, kind: Kind) -> Result<Key, ProviderError> {
        let what = scope.type_name(kind);
        let env = match scope {
            Scope::Repository => None,
            Scope::Environment => Some(need(v, "environment", what)?),
        };
        Ok(Key { repo: need(v, "repository", what)?, env, name: need(v, kind.name_attr(), what)? })
    }

    /// The key named by an import ID (`repo:name` or `repo:environment:name`).
    pub fn parse(id: &str, scope: Scope, kind: Kind) -> Result<Key, ProviderError> {
        let mut parts = parse_id(id, scope.id_form(kind))?.into_iter();
        let mut next = || parts.next().unwrap_or_default();
        let repo = next();
        let env = (scope == Scope::Environment).then(&mut next);
        Ok(Key { repo, env, name: next() })
    }

    /// The collection path of the key's scope.
    pub fn list_path(&self, api: &Github, kind: Kind) -> Result<String, ProviderError> {
        match &self.env {
            None => api.repo_path(&self.repo, &format!("/actions/{}", kind.collection())),
            Some(env) => api.repo_path(&self.repo, &format!("/environments/{}/{}", path_segment(env), kind.collection())),
        }
    }

    pub fn item_path(&self, api: &Github, kind: Kind) -> Result<String, ProviderError> {
        Ok(format!("{}/{}", self.list_path(api, kind)?, path_segment(&self.name)))
    }

    /// The resource ID, as the official provider builds it.
    pub fn id(&self) -> String {
        match &self.env {
            None => build_id(&[&self.repo, &self.name]),
            Some(env) => build_id(&[&self.repo, env, &self.name]),
        }
    }
}
