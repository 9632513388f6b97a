//! `github_repository_environment`: a deployment environment of a repository (`PUT`, `GET`,
//! `DELETE /repos/{owner}/{repo}/environments/{name}`), with its wait timer, required
//! reviewers (`reviewers { users = [...], teams = [...] }`, numeric IDs, at most 6) and
//! deployment branch policy.
//!
//! As in the official provider: the ID and import ID are `repo:environment` (a `:` in the
//! environment written `??`); `can_admins_bypass` defaults to true and `prevent_self_review` to
//! false; an absent `reviewers` or `deployment_branch_policy` block clears them. GitHub reports
//! the wait timer and reviewers as `protection_rules`, read back into the blocks.
//!
//! `can_admins_bypass` is not in the API description this provider is checked against (GitHub
//! added it later), so it is sent only when false; when GitHub does not report it, ours is
//! kept. A change of `repository` replaces the environment. PUT creates or updates, so creates
//! need no duplicate check.

use async_trait::async_trait;
use infra_lang::{Type, Value};
use serde_json::{json, Map, Value as J};

use super::api::{build_id, op, parse_id, Github};
use super::common::{flag, int, missing_on_import, need, repository_id, GhType};
use crate::http::path_segment;
use crate::provider::{PlannedState, ProviderError};
use crate::rest::normalize::{equiv_empty_is_null, Normalizer};
use crate::rest::resource::{RestResource, TypeSpec};
use crate::rest::schema::Tweak;
use crate::rest::sdkschema::{BlockLayout, SdkSchema};

pub const TYPE: &str = "github_repository_environment";
const ID_FORM: &str = "<repository>:<environment>";

/// The schema, from the docs page's Argument Reference and the Go source.
pub fn spec() -> (TypeSpec, BlockLayout, Vec<String>) {
    let s = SdkSchema::new()
        .required("environment", Type::String, "The name of the environment.")
        .required("repository", Type::String, "The repository of the environment.")
        .computed("repository_id", Type::Number, "The ID of the repository.")
        .optional("wait_timer", Type::Number, "Amount of time to delay a job after the job is initially triggered.")
        .optional("can_admins_bypass", Type::Bool, "Can repository admins bypass the environment protections.")
        .optional("prevent_self_review", Type::Bool, "Whether or not a user who created the job is prevented from approving their own job.")
        .computed("id", Type::String, "`repository:environment`.")
        .block_list(
            "reviewers",
            0,
            1,
            "The environment reviewers configuration.",
            SdkSchema::new()
                .optional("teams", Type::set(Type::Number), "Up to 6 IDs for teams who may review jobs that reference the environment.")
                .optional("users", Type::set(Type::Number), "Up to 6 IDs for users who may review jobs that reference the environment."),
        )
        .block_list(
            "deployment_branch_policy",
            0,
            1,
            "The deployment branch policy configuration.",
            SdkSchema::new()
                .required("protected_branches", Type::Bool, "Whether only branches with branch protection rules can deploy to this environment.")
                .required("custom_branch_policies", Type::Bool, "Whether only branches that match the specified name patterns can deploy to this environment."),
        );
    let overlay = vec![
        ("environment", vec![Tweak::ForceNew]),
        ("repository", vec![Tweak::ForceNew]),
        ("id", vec![Tweak::KeepPrior]),
        ("repository_id", vec![Tweak::KeepPrior]),
        ("can_admins_bypass", vec![Tweak::Default(json!(true))]),
        ("prevent_self_review", vec![Tweak::Default(json!(false))]),
    ];
    let norm = Normalizer::new()
        .rule("reviewers.users", equiv_empty_is_null)
        .rule("reviewers.teams", equiv_empty_is_null);
    SdkSchema::into_spec(s, TYPE, 0, &overlay, norm)
}

pub struct Environment {
    t: GhType,
}

impl Environment {
    pub fn new(spec: (TypeSpec, BlockLayout)) -> Environment {
        Environment {
            t: GhType::new(spec),
        }
    }

    fn path(api: &Github, repo: &str, env: &str) -> Result<String, ProviderError> {
        api.repo_path(repo, &format!("/environments/{}", path_segment(env)))
    }

    fn keys(v: &Value) -> Result<(String, String), ProviderError> {
        Ok((need(v, "repository", TYPE)?, need(v, "environment", TYPE)?))
    }

    /// The PUT body.
    fn body(&self, planned: &Value) -> Result<J, ProviderError> {
        let all = self.t.request(planned)?;
        let mut body = Map::new();
        body.insert(
            "wait_timer".into(),
            all.get("wait_timer").cloned().unwrap_or(json!(0)),
        );
        body.insert(
            "prevent_self_review".into(),
            all.get("prevent_self_review")
                .cloned()
                .unwrap_or(json!(false)),
        );
        if flag(planned, "can_admins_bypass") == Some(false) {
            body.insert("can_admins_bypass".into(), json!(false));
        }
        let reviewers = match all.get("reviewers") {
            Some(J::Object(r)) => {
                let mut list = Vec::new();
                for (field, kind) in [("users", "User"), ("teams", "Team")] {
                    for id in r.get(field).and_then(J::as_array).into_iter().flatten() {
                        list.push(json!({"type": kind, "id": id}));
                    }
                }
                J::Array(list)
            }
            _ => J::Null,
        };
        body.insert("reviewers".into(), reviewers);
        body.insert(
            "deployment_branch_policy".into(),
            all.get("deployment_branch_policy")
                .cloned()
                .unwrap_or(J::Null),
        );
        Ok(J::Object(body))
    }

    /// GitHub's environment in the schema's shape.
    fn state_json(
        &self,
        repo: &str,
        env_name: &str,
        env: &J,
        repo_id: Option<i64>,
        ours: &Value,
    ) -> J {
        let mut wait_timer = J::Null;
        let mut prevent_self_review = ours
            .get_attr("prevent_self_review")
            .filter(|v| v.is_known() && !v.is_null())
            .map(|v| v.to_json())
            .unwrap_or(json!(false));
        let (mut users, mut teams) = (Vec::new(), Vec::new());
        for rule in env
            .get("protection_rules")
            .and_then(J::as_array)
            .into_iter()
            .flatten()
        {
            match rule.get("type").and_then(J::as_str) {
                Some("wait_timer") => {
                    wait_timer = rule.get("wait_timer").cloned().unwrap_or(J::Null)
                }
                Some("required_reviewers") => {
                    if let Some(p) = rule.get("prevent_self_review") {
                        prevent_self_review = p.clone();
                    }
                    for r in rule
                        .get("reviewers")
                        .and_then(J::as_array)
                        .into_iter()
                        .flatten()
                    {
                        let id = r.pointer("/reviewer/id").cloned().unwrap_or(J::Null);
                        match r.get("type").and_then(J::as_str) {
                            Some("Team") => teams.push(id),
                            _ => users.push(id),
                        }
                    }
                }
                _ => {}
            }
        }
        // No wait timer rule: none, or zero as configured.
        if wait_timer.is_null() && int(ours, "wait_timer") == Some(0) {
            wait_timer = json!(0);
        }
        let reviewers = if users.is_empty() && teams.is_empty() {
            J::Null
        } else {
            json!({"users": users, "teams": teams})
        };
        let can_admins_bypass = env.get("can_admins_bypass").cloned().unwrap_or_else(|| {
            ours.get_attr("can_admins_bypass")
                .filter(|v| v.is_known() && !v.is_null())
                .map(|v| v.to_json())
                .unwrap_or(json!(true))
        });
        json!({
            "id": build_id(&[repo, env_name]),
            "repository": repo,
            "environment": env_name,
            "repository_id": repo_id,
            "wait_timer": wait_timer,
            "can_admins_bypass": can_admins_bypass,
            "prevent_self_review": prevent_self_review,
            "reviewers": reviewers,
            "deployment_branch_policy": env.get("deployment_branch_policy").cloned().unwrap_or(J::Null),
        })
    }

    async fn write(
        &self,
        api: &Github,
        planned: &Value,
        what: &str,
    ) -> Result<Value, ProviderError> {
        let (repo, env) = Self::keys(planned)?;
        let answer = api
            .put(&Self::path(api, &repo, &env)?, self.body(planned)?)
            .await
            .map_err(|e| api.error(what, &e))?;
        let repo_id = match int(planned, "repository_id") {
            Some(id) => Some(id),
            None => repository_id(api, &repo, what).await?,
        };
        Ok(self.t.settle(
            planned,
            &self.state_json(&repo, &env, &answer, repo_id, planned),
        ))
    }
}

#[async_trait]
impl RestResource<Github> for Environment {
    fn spec(&self) -> &TypeSpec {
        &self.t.spec
    }

    fn plan(&self, prior: &Value, proposed: &Value) -> Result<PlannedState, ProviderError> {
        if let Some(reviewers) = proposed
            .get_attr("reviewers")
            .and_then(|r| r.as_seq().map(<[Value]>::to_vec))
        {
            for r in reviewers {
                for field in ["users", "teams"] {
                    let n = r
                        .get_attr(field)
                        .and_then(|v| v.as_seq().map(<[Value]>::len))
                        .unwrap_or(0);
                    if n > 6 {
                        return Err(ProviderError::new("Invalid reviewers").with_detail(format!(
                            "reviewers.{field} has {n} entries; GitHub allows at most 6"
                        )));
                    }
                }
            }
        }
        self.t.plan(prior, proposed)
    }

    async fn create(&self, api: &Github, planned: &Value) -> Result<Value, ProviderError> {
        self.write(api, planned, &op("creating", TYPE)).await
    }

    async fn read(&self, api: &Github, current: &Value) -> Result<Option<Value>, ProviderError> {
        let (repo, env) = Self::keys(current)?;
        let found = api
            .get_opt(&Self::path(api, &repo, &env)?)
            .await
            .map_err(|e| api.error(&op("reading", TYPE), &e))?;
        Ok(found.map(|e| {
            self.t.settle(
                current,
                &self.state_json(&repo, &env, &e, int(current, "repository_id"), current),
            )
        }))
    }

    async fn update(
        &self,
        api: &Github,
        _prior: &Value,
        planned: &Value,
    ) -> Result<Value, ProviderError> {
        self.write(api, planned, &op("updating", TYPE)).await
    }

    async fn delete(&self, api: &Github, prior: &Value) -> Result<(), ProviderError> {
        let (repo, env) = Self::keys(prior)?;
        api.delete(&Self::path(api, &repo, &env)?)
            .await
            .map_err(|e| api.error(&op("deleting", TYPE), &e))
    }

    async fn import(&self, api: &Github, id: &str) -> Result<Value, ProviderError> {
        let what = op("importing", TYPE);
        let parts = parse_id(id, ID_FORM)?;
        let (repo, env) = (&parts[0], &parts[1]);
        let found = api
            .get_opt(&Self::path(api, repo, env)?)
            .await
            .map_err(|e| api.error(&what, &e))?
            .ok_or_else(|| missing_on_import(TYPE, id))?;
        let repo_id = repository_id(api, repo, &what).await?;
        let null = self.t.spec.null_object();
        Ok(self
            .t
            .value(&self.state_json(repo, env, &found, repo_id, &null)))
    }
}
