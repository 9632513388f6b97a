//! Data sources: `github_actions_public_key` and `github_actions_environment_public_key` (the
//! public key Actions secrets of a repository or an environment are sealed with:
//! `GET /repos/{owner}/{repo}[/environments/{env}]/actions/secrets/public-key`), and
//! `github_user` (`GET /users/{username}`; `username = ""` is the authenticated user,
//! `GET /user`, as upstream).
//!
//! Schemas from the official pages' Argument and Attributes References (hand-written
//! upstream). `github_user`'s `gpg_keys` and `ssh_keys` are empty lists: upstream lists them
//! from `/users/{username}/gpg_keys` and `/users/{username}/keys`, endpoints infra does not
//! call. Its `id` is the numeric user ID as a string, as upstream.

use async_trait::async_trait;
use infra_lang::{Number, Type, Value};
use serde_json::Value as J;

use super::api::{op, Github};
use super::common::{need, text};
use crate::http::path_segment;
use crate::provider::ProviderError;
use crate::rest::normalize::Normalizer;
use crate::rest::resource::{DataSource, TypeSpec};
use crate::rest::sdkschema::{BlockLayout, SdkSchema};

pub const PUBLIC_KEY: &str = "github_actions_public_key";
pub const ENVIRONMENT_PUBLIC_KEY: &str = "github_actions_environment_public_key";
pub const USER: &str = "github_user";

/// `github_actions_public_key` (no environment) or `github_actions_environment_public_key`.
pub fn public_key_spec(environment: bool) -> (TypeSpec, BlockLayout, Vec<String>) {
    let mut s = SdkSchema::new().required(
        "repository",
        Type::String,
        "Name of the repository to get public key from.",
    );
    if environment {
        s = s.required(
            "environment",
            Type::String,
            "Name of the environment to get public key from.",
        );
    }
    let s = s
        .computed(
            "key_id",
            Type::String,
            "ID of the key that has been retrieved.",
        )
        .computed("key", Type::String, "Actual key retrieved.")
        .computed("id", Type::String, "The key's ID.");
    s.into_spec(
        if environment {
            ENVIRONMENT_PUBLIC_KEY
        } else {
            PUBLIC_KEY
        },
        0,
        &[],
        Normalizer::new(),
    )
}

pub fn user_spec() -> (TypeSpec, BlockLayout, Vec<String>) {
    let mut s = SdkSchema::new().required(
        "username",
        Type::String,
        "The username. Use an empty string `\"\"` to retrieve information about the currently authenticated user.",
    );
    for (name, desc) in [
        ("id", "the ID of the user."),
        ("node_id", "the Node ID of the user."),
        ("login", "the user's login."),
        ("avatar_url", "the user's avatar URL."),
        ("gravatar_id", "the user's gravatar ID."),
        ("name", "the user's full name."),
        ("company", "the user's company name."),
        ("blog", "the user's blog location."),
        ("location", "the user's location."),
        ("email", "the user's email."),
        ("bio", "the user's bio."),
        ("created_at", "the creation date."),
        ("updated_at", "the update date."),
        (
            "suspended_at",
            "the suspended date if the user is suspended.",
        ),
    ] {
        s = s.computed(name, Type::String, desc);
    }
    for (name, desc) in [
        ("public_repos", "the number of public repositories."),
        ("public_gists", "the number of public gists."),
        ("followers", "the number of followers."),
        ("following", "the number of following users."),
    ] {
        s = s.computed(name, Type::Number, desc);
    }
    s.computed(
        "site_admin",
        Type::Bool,
        "whether the user is a GitHub admin.",
    )
    .computed(
        "gpg_keys",
        Type::list(Type::String),
        "list of user's GPG keys (empty: infra does not read them).",
    )
    .computed(
        "ssh_keys",
        Type::list(Type::String),
        "list of user's SSH keys (empty: infra does not read them).",
    )
    .into_spec(USER, 0, &[], Normalizer::new())
}

pub struct PublicKey {
    spec: TypeSpec,
    environment: bool,
}

impl PublicKey {
    pub fn new(environment: bool, (spec, _): (TypeSpec, BlockLayout)) -> PublicKey {
        PublicKey { spec, environment }
    }
}

#[async_trait]
impl DataSource<Github> for PublicKey {
    fn spec(&self) -> &TypeSpec {
        &self.spec
    }

    async fn read(&self, api: &Github, config: &Value) -> Result<Value, ProviderError> {
        let name = self.spec.name;
        let what = op("reading", name);
        let repo = need(config, "repository", name)?;
        let rest = if self.environment {
            let env = need(config, "environment", name)?;
            format!("/environments/{}/secrets/public-key", path_segment(&env))
        } else {
            "/actions/secrets/public-key".to_string()
        };
        let key = api
            .get(&api.repo_path(&repo, &rest)?)
            .await
            .map_err(|e| api.error(&what, &e))?;
        let s = |k: &str| {
            key.get(k)
                .and_then(J::as_str)
                .map(Value::string)
                .unwrap_or(Value::Null(Type::String))
        };
        let mut set = vec![
            ("repository", Value::string(repo)),
            ("key_id", s("key_id")),
            ("key", s("key")),
            ("id", s("key_id")),
        ];
        if self.environment {
            set.push((
                "environment",
                config
                    .get_attr("environment")
                    .unwrap_or(Value::Null(Type::String)),
            ));
        }
        Ok(self.spec.object_with(set))
    }
}

pub struct User {
    spec: TypeSpec,
}

impl User {
    pub fn new((spec, _): (TypeSpec, BlockLayout)) -> User {
        User { spec }
    }
}

/// A `github_user` value from a GitHub user object.
pub fn user_value(spec: &TypeSpec, username: &str, u: &J) -> Value {
    let s = |k: &str| match u.get(k) {
        Some(J::String(x)) => Value::string(x.clone()),
        _ => Value::Null(Type::String),
    };
    let n = |k: &str| Value::Number(Number::from(u.get(k).and_then(J::as_i64).unwrap_or(0)));
    let mut set: Vec<(&str, Value)> = vec![
        ("username", Value::string(username)),
        (
            "id",
            u.get("id")
                .and_then(J::as_i64)
                .map(|i| Value::string(i.to_string()))
                .unwrap_or(Value::Null(Type::String)),
        ),
        (
            "site_admin",
            Value::Bool(u.get("site_admin").and_then(J::as_bool).unwrap_or(false)),
        ),
        ("gpg_keys", Value::List(Type::String, vec![])),
        ("ssh_keys", Value::List(Type::String, vec![])),
    ];
    for k in [
        "node_id",
        "login",
        "avatar_url",
        "gravatar_id",
        "name",
        "company",
        "blog",
        "location",
        "email",
        "bio",
        "created_at",
        "updated_at",
        "suspended_at",
    ] {
        set.push((k, s(k)));
    }
    for k in ["public_repos", "public_gists", "followers", "following"] {
        set.push((k, n(k)));
    }
    spec.object_with(set)
}

#[async_trait]
impl DataSource<Github> for User {
    fn spec(&self) -> &TypeSpec {
        &self.spec
    }

    async fn read(&self, api: &Github, config: &Value) -> Result<Value, ProviderError> {
        let what = op("reading", USER);
        let username = text(config, "username").unwrap_or_default();
        let path = if username.trim().is_empty() {
            "/user".to_string()
        } else {
            format!("/users/{}", path_segment(username.trim()))
        };
        let u = api.get(&path).await.map_err(|e| api.error(&what, &e))?;
        Ok(user_value(&self.spec, &username, &u))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn schemas_build_and_users_read_into_them() {
        for (_, _, errors) in [public_key_spec(false), public_key_spec(true), user_spec()] {
            assert!(errors.is_empty(), "{errors:?}");
        }
        let (spec, _, _) = user_spec();
        let v = user_value(
            &spec,
            "",
            &json!({"id": 42, "login": "octo", "node_id": "U_1", "site_admin": false, "name": null, "public_repos": 3}),
        );
        assert_eq!(v.get_attr("id"), Some(Value::string("42")));
        assert_eq!(v.get_attr("login"), Some(Value::string("octo")));
        assert_eq!(v.get_attr("username"), Some(Value::string("")));
        assert_eq!(
            v.get_attr("public_repos"),
            Some(Value::Number(Number::from(3)))
        );
        assert_eq!(
            v.get_attr("ssh_keys"),
            Some(Value::List(Type::String, vec![]))
        );
    }
}
