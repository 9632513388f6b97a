//! `github_branch_protection`: the official provider's branch protection schema, implemented
//! over the REST branch protection endpoints (`GET`/`PUT`/`DELETE
//! /repos/{owner}/{repo}/branches/{branch}/protection`).
//!
//! The official provider manages a *branch protection rule* through GraphQL; REST protects one
//! *branch*. The mapping:
//!
//! - `repository_id`: the official provider takes the repository's name or its GraphQL node ID
//!   (`R_kgDO…`). REST addresses repositories by owner and name only, and none of the REST
//!   endpoints infra uses turns a node ID into a name, so `repository_id` must be the
//!   repository's **name** (`github_repository.x.name`); a node ID reads as a repository that
//!   does not exist, and the error says so.
//! - `pattern`: the REST endpoint takes a branch name, not a pattern; a pattern with
//!   wildcards (`*`, `?`, `[`) is refused at plan time (use `github_repository_ruleset`, whose
//!   `conditions.ref_name.include` takes patterns). `pattern` and `repository_id` name the
//!   protected branch, so changing either replaces the protection.
//! - `id`: the official ID is the rule's GraphQL node ID, which REST does not have. Here the ID
//!   is `repository:pattern`, the same string the official provider's import takes.
//! - Actors (`push_allowances`, `dismissal_restrictions`, `pull_request_bypassers`): REST
//!   takes user logins and team slugs, so actors are written as the official provider's names,
//!   `/login` for a user and `org/team-slug` for a team (node IDs are refused at plan time).
//!   GitHub answers with user and team objects, read back into the same forms.
//! - `restrict_dismissals`: REST restricts dismissals when `dismissal_restrictions` is sent
//!   (even empty: only administrators may dismiss).
//! - `require_signed_commits`: the PUT leaves it as it was; it is turned on and off with `POST`
//!   / `DELETE .../protection/required_signatures` after the PUT when the answer differs.
//! - Left out: `force_push_bypassers` (REST has only the `allow_force_pushes` switch): a
//!   plan-time error.

use async_trait::async_trait;
use infra_lang::{Type, Value};
use serde_json::{json, Map, Value as J};

use super::api::{build_id, op, parse_id, Github};
use super::common::{flag, missing_on_import, need, text, GhType};
use crate::http::path_segment;
use crate::provider::{PlannedState, ProviderError};
use crate::rest::normalize::Normalizer;
use crate::rest::resource::{RestResource, TypeSpec};
use crate::rest::schema::Tweak;
use crate::rest::sdkschema::{BlockLayout, SdkSchema};

pub const TYPE: &str = "github_branch_protection";
const ID_FORM: &str = "<repository>:<pattern>";

const SWITCHES: [(&str, &str); 7] = [
    ("enforce_admins", "enforce_admins"),
    ("require_signed_commits", "required_signatures"),
    ("required_linear_history", "required_linear_history"),
    (
        "require_conversation_resolution",
        "required_conversation_resolution",
    ),
    ("allows_deletions", "allow_deletions"),
    ("allows_force_pushes", "allow_force_pushes"),
    ("lock_branch", "lock_branch"),
];

/// The schema, from the docs page's Argument Reference and the Go source.
pub fn spec() -> (TypeSpec, BlockLayout, Vec<String>) {
    let mut s = SdkSchema::new()
        .required("repository_id", Type::String, "The name of the repository (GraphQL node IDs are not supported by infra).")
        .required("pattern", Type::String, "The branch to protect (a branch name: wildcards need GraphQL).")
        .optional("force_push_bypassers", Type::set(Type::String), "Actors allowed to bypass force push restrictions (not supported by infra: REST has no such list).")
        .computed("id", Type::String, "`repository:pattern`.");
    for (name, _) in SWITCHES {
        s = s.optional(name, Type::Bool, "A protection switch.");
    }
    let s = s
        .block_list(
            "required_status_checks",
            0,
            1,
            "Enforce restrictions for required status checks.",
            SdkSchema::new()
                .optional("strict", Type::Bool, "Require branches to be up to date before merging.")
                .optional("contexts", Type::set(Type::String), "The list of status checks to require in order to merge into this branch."),
        )
        .block_list(
            "required_pull_request_reviews",
            0,
            1,
            "Enforce restrictions for pull request reviews.",
            SdkSchema::new()
                .optional("dismiss_stale_reviews", Type::Bool, "Dismiss approved reviews automatically when a new commit is pushed.")
                .optional("restrict_dismissals", Type::Bool, "Restrict pull request review dismissals.")
                .optional("dismissal_restrictions", Type::set(Type::String), "The list of actor names with dismissal access.")
                .optional("pull_request_bypassers", Type::set(Type::String), "The list of actor names allowed to bypass pull request requirements.")
                .optional("require_code_owner_reviews", Type::Bool, "Require an approved review in pull requests including files with a designated code owner.")
                .optional("required_approving_review_count", Type::Number, "Require x number of approvals (0-6).")
                .optional("require_last_push_approval", Type::Bool, "Require that the most recent push be approved by someone other than the last pusher."),
        )
        .block_list(
            "restrict_pushes",
            0,
            1,
            "Restrict pushes to matching branches.",
            SdkSchema::new()
                .optional("blocks_creations", Type::Bool, "Setting this to `false` allows people, teams, or apps to create new branches matching this rule.")
                .optional("push_allowances", Type::set(Type::String), "A list of actor names that may push to the branch."),
        );
    let mut overlay = vec![
        ("repository_id", vec![Tweak::ForceNew]),
        ("pattern", vec![Tweak::ForceNew]),
        ("id", vec![Tweak::KeepPrior]),
        (
            "required_status_checks.strict",
            vec![Tweak::Default(json!(false))],
        ),
        (
            "required_pull_request_reviews.required_approving_review_count",
            vec![Tweak::Default(json!(1))],
        ),
        (
            "required_pull_request_reviews.require_last_push_approval",
            vec![Tweak::Default(json!(false))],
        ),
        (
            "restrict_pushes.blocks_creations",
            vec![Tweak::Default(json!(true))],
        ),
    ];
    for (name, _) in SWITCHES {
        overlay.push((name, vec![Tweak::Default(json!(false))]));
    }
    s.into_spec(TYPE, 2, &overlay, Normalizer::new())
}

/// An actor name split into REST's users and teams: `/login` is a user, `org/slug` a team.
fn split_actors(
    actors: Option<&J>,
    field: &str,
) -> Result<(Vec<String>, Vec<String>), ProviderError> {
    let (mut users, mut teams) = (Vec::new(), Vec::new());
    for a in actors.and_then(J::as_array).into_iter().flatten() {
        let a = a.as_str().unwrap_or_default();
        match a.split_once('/') {
            Some(("", login)) if !login.is_empty() => users.push(login.to_string()),
            Some((_, slug)) if !slug.is_empty() && !slug.contains('/') => teams.push(slug.to_string()),
            _ => {
                return Err(ProviderError::new(format!("Invalid actor in {field}")).with_detail(format!(
                    "{a:?}: infra's branch protection uses GitHub's REST API, which names actors: write \"/login\" for a user or \"org/team-slug\" for a team (GraphQL node IDs are not supported)"
                )))
            }
        }
    }
    Ok((users, teams))
}

fn actors_json(actors: Option<&J>, field: &str) -> Result<J, ProviderError> {
    let (users, teams) = split_actors(actors, field)?;
    Ok(json!({"users": users, "teams": teams}))
}

/// REST's user and team objects as actor names, spelt as in `ours` where they match.
fn actor_names(owner: &str, rest: Option<&J>, ours: Option<Vec<String>>) -> Vec<String> {
    let mut names = Vec::new();
    for u in rest
        .and_then(|r| r.get("users"))
        .and_then(J::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(login) = u.get("login").and_then(J::as_str) {
            names.push(format!("/{login}"));
        }
    }
    for t in rest
        .and_then(|r| r.get("teams"))
        .and_then(J::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(slug) = t.get("slug").and_then(J::as_str) {
            names.push(format!("{owner}/{slug}"));
        }
    }
    let ours = ours.unwrap_or_default();
    names
        .into_iter()
        .map(|n| {
            ours.iter()
                .find(|o| {
                    let (o_org, o_name) = o.split_once('/').unwrap_or(("", o));
                    let (n_org, n_name) = n.split_once('/').unwrap_or(("", &n));
                    o_name.eq_ignore_ascii_case(n_name) && (o_org.is_empty() == n_org.is_empty())
                })
                .cloned()
                .unwrap_or(n)
        })
        .collect()
}

fn strings(v: Option<Value>) -> Option<Vec<String>> {
    v.and_then(|v| {
        v.as_seq().map(|s| {
            s.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
    })
}

/// The first element of a `Max: 1` block of `v`.
fn block(v: &Value, name: &str) -> Option<Value> {
    v.get_attr(name)
        .and_then(|b| b.as_seq().and_then(|s| s.first().cloned()))
}

pub struct BranchProtection {
    t: GhType,
}

impl BranchProtection {
    pub fn new(spec: (TypeSpec, BlockLayout)) -> BranchProtection {
        BranchProtection {
            t: GhType::new(spec),
        }
    }

    fn keys(v: &Value) -> Result<(String, String), ProviderError> {
        Ok((need(v, "repository_id", TYPE)?, need(v, "pattern", TYPE)?))
    }

    fn path(api: &Github, repo: &str, branch: &str) -> Result<String, ProviderError> {
        api.repo_path(
            repo,
            &format!("/branches/{}/protection", path_segment(branch)),
        )
    }

    /// The PUT body.
    fn body(&self, planned: &Value) -> Result<J, ProviderError> {
        let all = self.t.request(planned)?;
        let get = |k: &str| all.get(k).cloned().unwrap_or(J::Null);
        let mut body = Map::new();
        for (ours, rest) in SWITCHES {
            if ours == "require_signed_commits" {
                continue;
            }
            body.insert(
                rest.to_string(),
                json!(get(ours).as_bool().unwrap_or(false)),
            );
        }
        body.insert(
            "required_status_checks".into(),
            match get("required_status_checks") {
                J::Object(c) => json!({
                    "strict": c.get("strict").and_then(J::as_bool).unwrap_or(false),
                    "contexts": c.get("contexts").cloned().unwrap_or(json!([])),
                }),
                _ => J::Null,
            },
        );
        body.insert(
            "required_pull_request_reviews".into(),
            match get("required_pull_request_reviews") {
                J::Object(r) => {
                    let mut reviews = Map::new();
                    for k in [
                        "dismiss_stale_reviews",
                        "require_code_owner_reviews",
                        "require_last_push_approval",
                    ] {
                        reviews.insert(
                            k.into(),
                            json!(r.get(k).and_then(J::as_bool).unwrap_or(false)),
                        );
                    }
                    reviews.insert(
                        "required_approving_review_count".into(),
                        r.get("required_approving_review_count")
                            .cloned()
                            .unwrap_or(json!(1)),
                    );
                    let listed = r
                        .get("dismissal_restrictions")
                        .and_then(J::as_array)
                        .is_some_and(|a| !a.is_empty());
                    if listed || r.get("restrict_dismissals").and_then(J::as_bool) == Some(true) {
                        reviews.insert(
                            "dismissal_restrictions".into(),
                            actors_json(r.get("dismissal_restrictions"), "dismissal_restrictions")?,
                        );
                    }
                    if r.get("pull_request_bypassers")
                        .and_then(J::as_array)
                        .is_some_and(|a| !a.is_empty())
                    {
                        reviews.insert(
                            "bypass_pull_request_allowances".into(),
                            actors_json(r.get("pull_request_bypassers"), "pull_request_bypassers")?,
                        );
                    }
                    J::Object(reviews)
                }
                _ => J::Null,
            },
        );
        match get("restrict_pushes") {
            J::Object(p) => {
                body.insert(
                    "restrictions".into(),
                    actors_json(p.get("push_allowances"), "push_allowances")?,
                );
                body.insert(
                    "block_creations".into(),
                    json!(p
                        .get("blocks_creations")
                        .and_then(J::as_bool)
                        .unwrap_or(true)),
                );
            }
            _ => {
                body.insert("restrictions".into(), J::Null);
            }
        }
        Ok(J::Object(body))
    }

    /// GitHub's protection in the schema's shape, actors spelt as in `ours`.
    fn state_json(&self, owner: &str, repo: &str, branch: &str, p: &J, ours: &Value) -> J {
        let enabled = |k: &str| {
            p.get(k)
                .and_then(|x| x.get("enabled"))
                .and_then(J::as_bool)
                .unwrap_or(false)
        };
        let mut o = Map::new();
        o.insert("id".into(), json!(build_id(&[repo, branch])));
        o.insert("repository_id".into(), json!(repo));
        o.insert("pattern".into(), json!(branch));
        for (name, rest) in SWITCHES {
            o.insert(name.into(), json!(enabled(rest)));
        }
        o.insert(
            "force_push_bypassers".into(),
            ours.get_attr("force_push_bypassers")
                .filter(|v| v.is_known())
                .map(|v| v.to_json())
                .unwrap_or(J::Null),
        );
        o.insert(
            "required_status_checks".into(),
            match p.get("required_status_checks") {
                Some(c) if c.is_object() => json!([{
                    "strict": c.get("strict").and_then(J::as_bool).unwrap_or(false),
                    "contexts": c.get("contexts").cloned().unwrap_or(json!([])),
                }]),
                _ => json!([]),
            },
        );
        let our_reviews = block(ours, "required_pull_request_reviews");
        let our_actors =
            |field: &str| strings(our_reviews.as_ref().and_then(|r| r.get_attr(field)));
        o.insert(
            "required_pull_request_reviews".into(),
            match p.get("required_pull_request_reviews") {
                Some(r) if r.is_object() => {
                    let dismissal = r.get("dismissal_restrictions").filter(|d| d.is_object());
                    let dismissers = actor_names(owner, dismissal, our_actors("dismissal_restrictions"));
                    let our_restrict = our_reviews.as_ref().and_then(|r| flag(r, "restrict_dismissals"));
                    // A listed actor restricts dismissals whether or not `restrict_dismissals`
                    // says so: keep ours unset then.
                    let restrict = match our_restrict {
                        // Importing: no configuration to follow; what GitHub says.
                        None if our_reviews.is_none() => json!(dismissal.is_some()),
                        Some(o) if !dismissers.is_empty() => json!(o),
                        Some(_) => json!(dismissal.is_some()),
                        None if dismissal.is_some() && dismissers.is_empty() => json!(true),
                        None => J::Null,
                    };
                    json!([{
                        "dismiss_stale_reviews": r.get("dismiss_stale_reviews"),
                        "require_code_owner_reviews": r.get("require_code_owner_reviews"),
                        "required_approving_review_count": r.get("required_approving_review_count"),
                        "require_last_push_approval": r.get("require_last_push_approval").and_then(J::as_bool).unwrap_or(false),
                        "restrict_dismissals": restrict,
                        "dismissal_restrictions": dismissers,
                        "pull_request_bypassers": actor_names(owner, r.get("bypass_pull_request_allowances"), our_actors("pull_request_bypassers")),
                    }])
                }
                _ => json!([]),
            },
        );
        let our_pushers =
            strings(block(ours, "restrict_pushes").and_then(|b| b.get_attr("push_allowances")));
        o.insert(
            "restrict_pushes".into(),
            match p.get("restrictions") {
                Some(r) if r.is_object() => json!([{
                    "blocks_creations": enabled("block_creations"),
                    "push_allowances": actor_names(owner, Some(r), our_pushers),
                }]),
                _ => json!([]),
            },
        );
        J::Object(o)
    }

    fn check(&self, config: &Value) -> Result<(), ProviderError> {
        if let Some(pattern) = text(config, "pattern") {
            if pattern.contains(['*', '?', '[']) {
                return Err(ProviderError::new("Branch patterns are not supported").with_detail(format!(
                    "pattern {pattern:?} has wildcards; infra protects branches through GitHub's REST API, which takes a branch name. Use github_repository_ruleset (conditions.ref_name.include) for patterns."
                )));
            }
        }
        if config
            .get_attr("force_push_bypassers")
            .and_then(|v| v.as_seq().map(<[Value]>::len))
            .is_some_and(|n| n > 0)
        {
            return Err(ProviderError::new("force_push_bypassers is not supported").with_detail(
                "GitHub's REST branch protection has no list of actors allowed to force push; leave it empty and use `allows_force_pushes`, or a ruleset's bypass actors",
            ));
        }
        for (b, field) in [
            ("restrict_pushes", "push_allowances"),
            ("required_pull_request_reviews", "dismissal_restrictions"),
            ("required_pull_request_reviews", "pull_request_bypassers"),
        ] {
            if let Some(list) = block(config, b)
                .and_then(|v| v.get_attr(field))
                .filter(|l| l.is_wholly_known())
            {
                split_actors(Some(&list.to_json()), field)?;
            }
        }
        Ok(())
    }

    async fn write(
        &self,
        api: &Github,
        planned: &Value,
        what: &str,
    ) -> Result<Value, ProviderError> {
        let (repo, branch) = Self::keys(planned)?;
        let mut answer = api
            .put(&Self::path(api, &repo, &branch)?, self.body(planned)?)
            .await
            .map_err(|e| {
                if e.is_not_found() {
                    ProviderError::new(format!("{what} failed")).with_detail(format!(
                        "{e}. The repository {repo:?} or its branch {branch:?} does not exist (`repository_id` must be the repository's name, not a GraphQL node ID)"
                    ))
                } else {
                    api.error(what, &e)
                }
            })?;
        // Signed commits have an endpoint of their own (the PUT keeps them as they were).
        if let Some(wanted) = flag(planned, "require_signed_commits") {
            let have = answer
                .pointer("/required_signatures/enabled")
                .and_then(J::as_bool)
                .unwrap_or(false);
            if wanted != have {
                let path = format!("{}/required_signatures", Self::path(api, &repo, &branch)?);
                if wanted {
                    // The operation takes no body (Prism refuses one).
                    api.send(crate::http::ApiRequest::new(
                        crate::http::Method::POST,
                        path,
                    ))
                    .await
                    .map_err(|e| api.error(what, &e))?;
                } else {
                    api.delete(&path).await.map_err(|e| api.error(what, &e))?;
                }
                answer["required_signatures"] = json!({ "enabled": wanted });
            }
        }
        Ok(self.t.settle(
            planned,
            &self.state_json(api.owner()?, &repo, &branch, &answer, planned),
        ))
    }
}

#[async_trait]
impl RestResource<Github> for BranchProtection {
    fn spec(&self) -> &TypeSpec {
        &self.t.spec
    }

    fn plan(&self, prior: &Value, proposed: &Value) -> Result<PlannedState, ProviderError> {
        self.check(proposed)?;
        let mut planned = self.t.plan(prior, proposed)?;
        if let (Some(r), Some(p)) = (text(proposed, "repository_id"), text(proposed, "pattern")) {
            planned.planned =
                super::common::set_attr(&planned.planned, "id", Value::string(build_id(&[&r, &p])));
        }
        Ok(planned)
    }

    async fn create(&self, api: &Github, planned: &Value) -> Result<Value, ProviderError> {
        self.write(api, planned, &op("creating", TYPE)).await
    }

    async fn read(&self, api: &Github, current: &Value) -> Result<Option<Value>, ProviderError> {
        let (repo, branch) = Self::keys(current)?;
        let found = api
            .get_opt(&Self::path(api, &repo, &branch)?)
            .await
            .map_err(|e| api.error(&op("reading", TYPE), &e))?;
        match found {
            Some(p) => Ok(Some(self.t.settle(
                current,
                &self.state_json(api.owner()?, &repo, &branch, &p, current),
            ))),
            None => Ok(None),
        }
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
        let (repo, branch) = Self::keys(prior)?;
        api.delete(&Self::path(api, &repo, &branch)?)
            .await
            .map_err(|e| api.error(&op("deleting", TYPE), &e))
    }

    async fn import(&self, api: &Github, id: &str) -> Result<Value, ProviderError> {
        let parts = parse_id(id, ID_FORM)?;
        let (repo, branch) = (&parts[0], &parts[1]);
        let found = api
            .get_opt(&Self::path(api, repo, branch)?)
            .await
            .map_err(|e| api.error(&op("importing", TYPE), &e))?
            .ok_or_else(|| missing_on_import(TYPE, id))?;
        let null = self.t.spec.null_object();
        Ok(self
            .t
            .value(&self.state_json(api.owner()?, repo, branch, &found, &null)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actors_are_users_and_teams_by_name() {
        let (users, teams) = split_actors(
            Some(&json!(["/octocat", "my-org/core", "/Hubot"])),
            "push_allowances",
        )
        .unwrap();
        assert_eq!(users, ["octocat", "Hubot"]);
        assert_eq!(teams, ["core"]);
        let e = split_actors(Some(&json!(["MDQ6VXNlcjE="])), "push_allowances").unwrap_err();
        assert!(e.to_string().contains("/login"), "{e}");
        let rest = json!({"users": [{"login": "octocat"}], "teams": [{"slug": "core"}]});
        assert_eq!(
            actor_names(
                "My-Org",
                Some(&rest),
                Some(vec!["my-org/Core".into(), "/OctoCat".into()])
            ),
            ["/OctoCat", "my-org/Core"]
        );
    }

    #[test]
    fn patterns_and_bypassers_are_checked_at_plan_and_signatures_planned() {
        let (spec, layout, errors) = spec();
        assert!(errors.is_empty(), "{errors:?}");
        let b = BranchProtection::new((spec, layout));
        let cfg = |j: J| b.t.value(&j);
        assert!(b
            .plan(
                &Value::null(),
                &cfg(json!({"repository_id": "r", "pattern": "release/*"}))
            )
            .is_err());
        assert!(b
            .plan(
                &Value::null(),
                &cfg(
                    json!({"repository_id": "r", "pattern": "main", "force_push_bypassers": ["/a"]})
                )
            )
            .is_err());
        assert!(b
            .plan(
                &Value::null(),
                &cfg(
                    json!({"repository_id": "r", "pattern": "main", "require_signed_commits": true})
                )
            )
            .is_ok());
        let ok = b
            .plan(
                &Value::null(),
                &cfg(json!({"repository_id": "r", "pattern": "main"})),
            )
            .unwrap();
        assert_eq!(ok.planned.get_attr("id"), Some(Value::string("r:main")));
    }
}
