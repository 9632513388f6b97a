//! `github_repository_ruleset`: a ruleset of a repository (`/repos/{owner}/{repo}/rulesets`).
//!
//! The schema is the official provider's: one `rules { … }` block whose switches
//! (`creation = true`) and blocks (`pull_request { … }`) become the API's list of typed rules
//! (`{"type": "pull_request", "parameters": {…}}`); parameter names are the API's, but for
//! `required_status_checks.required_check` (API `required_status_checks`) and
//! `required_code_scanning.required_code_scanning_tool` (rule `code_scanning`, API
//! `code_scanning_tools`); `update_allows_fetch_and_merge` is the `update` rule's parameter.
//! `conditions { ref_name { include, exclude } }` and `bypass_actors` map one to one.
//!
//! The ID is GitHub's ruleset ID; the import ID `repository:ruleset_id`. A change of
//! `repository` replaces the ruleset; every other change is a PUT of the whole ruleset.
//! Creates are at-most-once: after an ambiguous failure the repository's rulesets are listed
//! and the one with the planned name adopted (names are unique within a repository).

use async_trait::async_trait;
use infra_lang::{Type, Value};
use serde_json::{json, Map, Value as J};

use super::api::{op, parse_id, Github};
use super::common::{create_failed, missing_on_import, need, text, GhType};
use crate::http::{path_segment, HttpError};
use crate::provider::{PlannedState, ProviderError};
use crate::rest::idempotent::create_once;
use crate::rest::normalize::Normalizer;
use crate::rest::resource::{RestResource, TypeSpec};
use crate::rest::schema::Tweak;
use crate::rest::sdkschema::{BlockLayout, SdkSchema};

pub const TYPE: &str = "github_repository_ruleset";
const ID_FORM: &str = "<repository>:<ruleset_id>";

/// Rules without parameters: `rules { creation = true }` is `{"type": "creation"}`.
const SWITCH_RULES: [&str; 5] = [
    "creation",
    "deletion",
    "required_linear_history",
    "required_signatures",
    "non_fast_forward",
];

/// Parameters whose names differ: (ours, the API's).
type Renames = &'static [(&'static str, &'static str)];

/// Rules with parameters: (block in `rules`, API rule type, renamed parameters).
const PARAMETER_RULES: [(&str, &str, Renames); 15] = [
    ("required_deployments", "required_deployments", &[]),
    ("pull_request", "pull_request", &[]),
    (
        "required_status_checks",
        "required_status_checks",
        &[("required_check", "required_status_checks")],
    ),
    ("merge_queue", "merge_queue", &[]),
    ("commit_message_pattern", "commit_message_pattern", &[]),
    (
        "commit_author_email_pattern",
        "commit_author_email_pattern",
        &[],
    ),
    ("committer_email_pattern", "committer_email_pattern", &[]),
    ("branch_name_pattern", "branch_name_pattern", &[]),
    ("tag_name_pattern", "tag_name_pattern", &[]),
    (
        "required_code_scanning",
        "code_scanning",
        &[("required_code_scanning_tool", "code_scanning_tools")],
    ),
    ("file_path_restriction", "file_path_restriction", &[]),
    ("max_file_size", "max_file_size", &[]),
    ("max_file_path_length", "max_file_path_length", &[]),
    (
        "file_extension_restriction",
        "file_extension_restriction",
        &[],
    ),
    ("copilot_code_review", "copilot_code_review", &[]),
];

fn pattern_block() -> SdkSchema {
    SdkSchema::new()
        .optional("name", Type::String, "How this rule will appear to users.")
        .optional(
            "negate",
            Type::Bool,
            "If true, the rule will fail if the pattern matches.",
        )
        .required(
            "operator",
            Type::String,
            "`starts_with`, `ends_with`, `contains` or `regex`.",
        )
        .required("pattern", Type::String, "The pattern to match with.")
}

/// The schema, from the docs page's Argument Reference and the Go source.
pub fn spec() -> (TypeSpec, BlockLayout, Vec<String>) {
    let n = Type::Number;
    let b = Type::Bool;
    let strs = || Type::list(Type::String);
    let mut rules = SdkSchema::new();
    for r in SWITCH_RULES.iter().chain(["update"].iter()) {
        rules = rules.optional(r, b.clone(), "A rule without parameters.");
    }
    rules = rules
        .optional(
            "update_allows_fetch_and_merge",
            b.clone(),
            "Branch can pull changes from its upstream repository (forks). Requires `update`.",
        )
        .block_list(
            "required_deployments",
            0,
            1,
            "Environments that must be deployed to before merging.",
            SdkSchema::new().required(
                "required_deployment_environments",
                strs(),
                "The environments that must be successfully deployed to.",
            ),
        )
        .block_list(
            "pull_request",
            0,
            1,
            "Require a pull request before merging.",
            SdkSchema::new()
                .optional_computed(
                    "allowed_merge_methods",
                    strs(),
                    "Allowed merge methods: `merge`, `squash`, `rebase`.",
                )
                .optional(
                    "dismiss_stale_reviews_on_push",
                    b.clone(),
                    "New, reviewable commits pushed dismiss previous approvals.",
                )
                .optional(
                    "require_code_owner_review",
                    b.clone(),
                    "Require an approving review from code owners.",
                )
                .optional(
                    "require_last_push_approval",
                    b.clone(),
                    "The most recent push must be approved by someone else.",
                )
                .optional(
                    "required_approving_review_count",
                    n.clone(),
                    "The number of approving reviews required.",
                )
                .optional(
                    "required_review_thread_resolution",
                    b.clone(),
                    "All conversations must be resolved before merging.",
                )
                .block_list(
                    "required_reviewers",
                    0,
                    0,
                    "Require specific reviewers to approve pull requests.",
                    SdkSchema::new()
                        .required(
                            "file_patterns",
                            strs(),
                            "File patterns (fnmatch syntax) this reviewer must approve.",
                        )
                        .required(
                            "minimum_approvals",
                            n.clone(),
                            "Minimum number of approvals required from this reviewer.",
                        )
                        .block_list(
                            "reviewer",
                            1,
                            1,
                            "The reviewer that must review matching files.",
                            SdkSchema::new()
                                .required("id", n.clone(), "The ID of the reviewer (Team ID).")
                                .required("type", Type::String, "The type of reviewer: `Team`."),
                        ),
                ),
        )
        .block_list(
            "required_status_checks",
            0,
            1,
            "Status checks that must pass before merging.",
            SdkSchema::new()
                .block_set(
                    "required_check",
                    1,
                    0,
                    "Status checks that are required.",
                    SdkSchema::new()
                        .required("context", Type::String, "The status check context name.")
                        .optional(
                            "integration_id",
                            n.clone(),
                            "The integration (GitHub App) ID the check must come from.",
                        ),
                )
                .optional(
                    "strict_required_status_checks_policy",
                    b.clone(),
                    "Pull requests must be tested with the latest code.",
                )
                .optional(
                    "do_not_enforce_on_create",
                    b.clone(),
                    "Allow creating refs a check would otherwise prohibit.",
                ),
        )
        .block_list(
            "merge_queue",
            0,
            1,
            "Merges must be performed via a merge queue.",
            SdkSchema::new()
                .optional(
                    "check_response_timeout_minutes",
                    n.clone(),
                    "Maximum time for a required status check to report.",
                )
                .optional(
                    "grouping_strategy",
                    Type::String,
                    "`ALLGREEN` or `HEADGREEN`.",
                )
                .optional(
                    "max_entries_to_build",
                    n.clone(),
                    "Queued pull requests requesting checks at the same time.",
                )
                .optional(
                    "max_entries_to_merge",
                    n.clone(),
                    "Pull requests merged together in a group.",
                )
                .optional(
                    "merge_method",
                    Type::String,
                    "`MERGE`, `SQUASH` or `REBASE`.",
                )
                .optional("min_entries_to_merge", n.clone(), "The minimum group size.")
                .optional(
                    "min_entries_to_merge_wait_minutes",
                    n.clone(),
                    "How long to wait for the minimum group size.",
                ),
        );
    for p in [
        "commit_message_pattern",
        "commit_author_email_pattern",
        "committer_email_pattern",
        "branch_name_pattern",
        "tag_name_pattern",
    ] {
        rules = rules.block_list(p, 0, 1, "A pattern rule.", pattern_block());
    }
    rules = rules
        .block_list(
            "required_code_scanning",
            0,
            1,
            "Tools that must provide code scanning results.",
            SdkSchema::new().block_set(
                "required_code_scanning_tool",
                1,
                0,
                "A code scanning tool.",
                SdkSchema::new()
                    .required(
                        "alerts_threshold",
                        Type::String,
                        "`none`, `errors`, `errors_and_warnings` or `all`.",
                    )
                    .required(
                        "security_alerts_threshold",
                        Type::String,
                        "`none`, `critical`, `high_or_higher`, `medium_or_higher` or `all`.",
                    )
                    .required("tool", Type::String, "The name of a code scanning tool."),
            ),
        )
        .block_list(
            "file_path_restriction",
            0,
            1,
            "Restricted file paths (push rulesets).",
            SdkSchema::new().required(
                "restricted_file_paths",
                strs(),
                "The restricted file paths.",
            ),
        )
        .block_list(
            "max_file_size",
            0,
            1,
            "Maximum file size (push rulesets).",
            SdkSchema::new().required(
                "max_file_size",
                n.clone(),
                "The maximum file size in MB (1-100).",
            ),
        )
        .block_list(
            "max_file_path_length",
            0,
            1,
            "Maximum file path length (push rulesets).",
            SdkSchema::new().required(
                "max_file_path_length",
                n.clone(),
                "The maximum number of characters in file paths.",
            ),
        )
        .block_list(
            "file_extension_restriction",
            0,
            1,
            "Restricted file extensions (push rulesets).",
            SdkSchema::new().required(
                "restricted_file_extensions",
                Type::set(Type::String),
                "The restricted file extensions.",
            ),
        )
        .block_list(
            "copilot_code_review",
            0,
            1,
            "Request Copilot code review automatically.",
            SdkSchema::new()
                .optional("review_on_push", b.clone(), "Review each new push.")
                .optional(
                    "review_draft_pull_requests",
                    b.clone(),
                    "Review draft pull requests.",
                ),
        );
    let s = SdkSchema::new()
        .required("name", Type::String, "The name of the ruleset.")
        .required("target", Type::String, "`branch`, `tag` or `push`.")
        .required("repository", Type::String, "Name of the repository to apply the ruleset to.")
        .required("enforcement", Type::String, "`disabled`, `active` or `evaluate`.")
        .computed("node_id", Type::String, "GraphQL global node id for use with v4 API.")
        .computed("ruleset_id", n.clone(), "GitHub ID for the ruleset.")
        .computed("etag", Type::String, "An ETag (not tracked by infra).")
        .computed("id", Type::String, "GitHub ID for the ruleset.")
        .block_list("bypass_actors", 0, 0, "The actors that can bypass the rules in this ruleset.", SdkSchema::new()
            .optional("actor_id", n.clone(), "The ID of the actor that can bypass a ruleset.")
            .required("actor_type", Type::String, "`RepositoryRole`, `Team`, `Integration`, `OrganizationAdmin`, `DeployKey`, `EnterpriseOwner` or `User`.")
            .required("bypass_mode", Type::String, "`always`, `pull_request` or `exempt`."))
        .block_list("conditions", 0, 1, "Parameters for a repository ruleset ref name condition.", SdkSchema::new()
            .block_list("ref_name", 1, 1, "Ref names the ruleset applies to.", SdkSchema::new()
                .required("include", strs(), "Ref names or patterns to include (`~DEFAULT_BRANCH`, `~ALL`).")
                .required("exclude", strs(), "Ref names or patterns to exclude.")))
        .block_list("rules", 1, 1, "Rules within the ruleset.", rules);
    let f = || Tweak::Default(json!(false));
    let d = |j: J| Tweak::Default(j);
    let overlay = vec![
        ("repository", vec![Tweak::ForceNew]),
        ("id", vec![Tweak::KeepPrior]),
        ("ruleset_id", vec![Tweak::KeepPrior]),
        ("node_id", vec![Tweak::KeepPrior]),
        ("rules.update_allows_fetch_and_merge", vec![f()]),
        (
            "rules.pull_request.dismiss_stale_reviews_on_push",
            vec![f()],
        ),
        ("rules.pull_request.require_code_owner_review", vec![f()]),
        ("rules.pull_request.require_last_push_approval", vec![f()]),
        (
            "rules.pull_request.required_approving_review_count",
            vec![d(json!(0))],
        ),
        (
            "rules.pull_request.required_review_thread_resolution",
            vec![f()],
        ),
        (
            "rules.required_status_checks.required_check.integration_id",
            vec![d(json!(0))],
        ),
        (
            "rules.required_status_checks.strict_required_status_checks_policy",
            vec![f()],
        ),
        (
            "rules.required_status_checks.do_not_enforce_on_create",
            vec![f()],
        ),
        (
            "rules.merge_queue.check_response_timeout_minutes",
            vec![d(json!(60))],
        ),
        (
            "rules.merge_queue.grouping_strategy",
            vec![d(json!("ALLGREEN"))],
        ),
        ("rules.merge_queue.max_entries_to_build", vec![d(json!(5))]),
        ("rules.merge_queue.max_entries_to_merge", vec![d(json!(5))]),
        ("rules.merge_queue.merge_method", vec![d(json!("MERGE"))]),
        ("rules.merge_queue.min_entries_to_merge", vec![d(json!(1))]),
        (
            "rules.merge_queue.min_entries_to_merge_wait_minutes",
            vec![d(json!(5))],
        ),
        ("rules.copilot_code_review.review_on_push", vec![f()]),
        (
            "rules.copilot_code_review.review_draft_pull_requests",
            vec![f()],
        ),
    ];
    s.into_spec(TYPE, 1, &overlay, Normalizer::new())
}

/// Renames the keys of an object by `pairs` (from → to).
fn renamed(j: &J, pairs: &[(&str, &str)], forward: bool) -> J {
    let J::Object(o) = j else {
        return j.clone();
    };
    let mut out = Map::new();
    for (k, v) in o {
        let k2 = pairs
            .iter()
            .find(|(a, b)| if forward { a == k } else { b == k })
            .map(|(a, b)| if forward { *b } else { *a })
            .unwrap_or(k.as_str());
        out.insert(k2.to_string(), v.clone());
    }
    J::Object(out)
}

/// The API's rule list from our `rules` object (`Max: 1` blocks already plain objects).
pub fn rules_to_api(rules: &J) -> J {
    let mut out = Vec::new();
    let on = |k: &str| rules.get(k).and_then(J::as_bool) == Some(true);
    for r in SWITCH_RULES {
        if on(r) {
            out.push(json!({"type": r}));
        }
    }
    if on("update") {
        let fetch = rules
            .get("update_allows_fetch_and_merge")
            .and_then(J::as_bool)
            .unwrap_or(false);
        out.push(json!({"type": "update", "parameters": {"update_allows_fetch_and_merge": fetch}}));
    }
    for (ours, api_type, pairs) in PARAMETER_RULES {
        let Some(params) = rules.get(ours).filter(|p| p.is_object()) else {
            continue;
        };
        let mut params = renamed(params, pairs, true);
        if ours == "required_status_checks" {
            // An integration ID of 0 means "any": GitHub leaves it out.
            if let Some(J::Array(checks)) = params.get_mut("required_status_checks") {
                for c in checks {
                    if c.get("integration_id").and_then(J::as_i64) == Some(0) {
                        if let Some(o) = c.as_object_mut() {
                            o.remove("integration_id");
                        }
                    }
                }
            }
        }
        out.push(json!({"type": api_type, "parameters": params}));
    }
    J::Array(out)
}

/// Our `rules` object from the API's rule list (`Max: 1` blocks as plain objects).
pub fn rules_from_api(list: &J) -> J {
    let mut rules = Map::new();
    rules.insert("update_allows_fetch_and_merge".into(), json!(false));
    for r in list.as_array().into_iter().flatten() {
        let Some(t) = r.get("type").and_then(J::as_str) else {
            continue;
        };
        let params = r.get("parameters").cloned().unwrap_or(json!({}));
        if SWITCH_RULES.contains(&t) {
            rules.insert(t.to_string(), json!(true));
        } else if t == "update" {
            rules.insert("update".into(), json!(true));
            rules.insert(
                "update_allows_fetch_and_merge".into(),
                params
                    .get("update_allows_fetch_and_merge")
                    .cloned()
                    .unwrap_or(json!(false)),
            );
        } else if let Some((ours, _, pairs)) = PARAMETER_RULES.iter().find(|(_, api, _)| *api == t)
        {
            let mut params = renamed(&params, pairs, false);
            if *ours == "required_status_checks" {
                if let Some(J::Array(checks)) = params.get_mut("required_check") {
                    for c in checks {
                        if let Some(o) = c.as_object_mut() {
                            o.entry("integration_id").or_insert(json!(0));
                        }
                    }
                }
            }
            rules.insert(ours.to_string(), params);
        }
    }
    J::Object(rules)
}

pub struct Ruleset {
    t: GhType,
}

impl Ruleset {
    pub fn new(spec: (TypeSpec, BlockLayout)) -> Ruleset {
        Ruleset {
            t: GhType::new(spec),
        }
    }

    fn keys(v: &Value) -> Result<(String, String), ProviderError> {
        let repo = need(v, "repository", TYPE)?;
        let id = text(v, "ruleset_id")
            .or_else(|| super::common::int(v, "ruleset_id").map(|i| i.to_string()))
            .or_else(|| text(v, "id"))
            .ok_or_else(|| ProviderError::new(format!("{TYPE}: the state has no ruleset_id")))?;
        Ok((repo, id))
    }

    fn path(api: &Github, repo: &str, id: &str) -> Result<String, ProviderError> {
        api.repo_path(repo, &format!("/rulesets/{}", path_segment(id)))
    }

    /// The create or update body.
    fn body(&self, planned: &Value) -> Result<J, ProviderError> {
        let all = self.t.request(planned)?;
        let mut body = Map::new();
        for k in ["name", "target", "enforcement"] {
            body.insert(k.into(), all.get(k).cloned().unwrap_or(J::Null));
        }
        let actors: Vec<J> = all
            .get("bypass_actors")
            .and_then(J::as_array)
            .into_iter()
            .flatten()
            .cloned()
            .collect();
        body.insert("bypass_actors".into(), J::Array(actors));
        if let Some(c) = all.get("conditions").filter(|c| c.is_object()) {
            body.insert("conditions".into(), c.clone());
        }
        body.insert(
            "rules".into(),
            rules_to_api(all.get("rules").unwrap_or(&json!({}))),
        );
        Ok(J::Object(body))
    }

    /// GitHub's ruleset in the schema's shape.
    fn state_json(repo: &str, r: &J) -> J {
        let id = r.get("id").map(|i| i.to_string()).unwrap_or_default();
        let actors: Vec<J> = r
            .get("bypass_actors")
            .and_then(J::as_array)
            .into_iter()
            .flatten()
            .map(|a| json!({"actor_id": a.get("actor_id"), "actor_type": a.get("actor_type"), "bypass_mode": a.get("bypass_mode")}))
            .collect();
        let conditions = r
            .get("conditions")
            .filter(|c| c.get("ref_name").is_some_and(|n| n.is_object()))
            .map(|c| json!({"ref_name": {"include": c.pointer("/ref_name/include").cloned().unwrap_or(json!([])), "exclude": c.pointer("/ref_name/exclude").cloned().unwrap_or(json!([]))}}))
            .unwrap_or(J::Null);
        json!({
            "id": id,
            "ruleset_id": r.get("id"),
            "node_id": r.get("node_id"),
            "repository": repo,
            "name": r.get("name"),
            "target": r.get("target"),
            "enforcement": r.get("enforcement"),
            "bypass_actors": actors,
            "conditions": conditions,
            "rules": rules_from_api(r.get("rules").unwrap_or(&json!([]))),
        })
    }

    async fn find_existing(
        &self,
        api: &Github,
        repo: &str,
        name: &str,
    ) -> Result<Vec<(String, J)>, HttpError> {
        let Ok(path) = api.repo_path(repo, "/rulesets") else {
            return Ok(vec![]);
        };
        let mut out = Vec::new();
        for summary in api.list(&path, None).await? {
            if summary.get("name").and_then(J::as_str) != Some(name) {
                continue;
            }
            let id = summary.get("id").map(|i| i.to_string()).unwrap_or_default();
            let full = api.get(&format!("{path}/{}", path_segment(&id))).await?;
            out.push((id, full));
        }
        Ok(out)
    }
}

/// GitHub's answer to a second ruleset of the same name.
fn name_taken(e: &HttpError) -> bool {
    super::common::already_exists(e)
        || matches!(e, HttpError::Status { status: 422, messages, .. } if messages.iter().any(|m| m.to_ascii_lowercase().contains("unique")))
}

#[async_trait]
impl RestResource<Github> for Ruleset {
    fn spec(&self) -> &TypeSpec {
        &self.t.spec
    }

    fn plan(&self, prior: &Value, proposed: &Value) -> Result<PlannedState, ProviderError> {
        if text(proposed, "target").as_deref() == Some("push") {
            let ref_name = proposed
                .get_attr("conditions")
                .and_then(|c| c.as_seq().and_then(|s| s.first().cloned()))
                .and_then(|c| c.get_attr("ref_name"))
                .and_then(|r| r.as_seq().map(<[Value]>::len));
            if ref_name.is_some_and(|n| n > 0) {
                return Err(ProviderError::new("Invalid conditions")
                    .with_detail("`conditions.ref_name` must not be set for `push` rulesets"));
            }
        }
        self.t.plan(prior, proposed)
    }

    async fn create(&self, api: &Github, planned: &Value) -> Result<Value, ProviderError> {
        let repo = need(planned, "repository", TYPE)?;
        let name = need(planned, "name", TYPE)?;
        let body = self.body(planned)?;
        let path = api.repo_path(&repo, "/rulesets")?;
        let created = create_once(
            &api.create_policy,
            || api.post(&path, body.clone()),
            || self.find_existing(api, &repo, &name),
            name_taken,
        )
        .await
        .map_err(|e| create_failed(api, TYPE, e))?;
        Ok(self.t.settle(planned, &Self::state_json(&repo, &created)))
    }

    async fn read(&self, api: &Github, current: &Value) -> Result<Option<Value>, ProviderError> {
        let (repo, id) = Self::keys(current)?;
        let found = api
            .get_opt(&Self::path(api, &repo, &id)?)
            .await
            .map_err(|e| api.error(&op("reading", TYPE), &e))?;
        Ok(found.map(|r| self.t.settle(current, &Self::state_json(&repo, &r))))
    }

    async fn update(
        &self,
        api: &Github,
        _prior: &Value,
        planned: &Value,
    ) -> Result<Value, ProviderError> {
        let (repo, id) = Self::keys(planned)?;
        let answer = api
            .put(&Self::path(api, &repo, &id)?, self.body(planned)?)
            .await
            .map_err(|e| api.error(&op("updating", TYPE), &e))?;
        Ok(self.t.settle(planned, &Self::state_json(&repo, &answer)))
    }

    async fn delete(&self, api: &Github, prior: &Value) -> Result<(), ProviderError> {
        let (repo, id) = Self::keys(prior)?;
        api.delete(&Self::path(api, &repo, &id)?)
            .await
            .map_err(|e| api.error(&op("deleting", TYPE), &e))
    }

    async fn import(&self, api: &Github, id: &str) -> Result<Value, ProviderError> {
        let parts = parse_id(id, ID_FORM)?;
        if parts[1].parse::<u64>().is_err() {
            return Err(ProviderError::new("Invalid import ID").with_detail(format!(
                "expected an ID of the form {ID_FORM} with a numeric ruleset ID, got {id:?}"
            )));
        }
        let found = api
            .get_opt(&Self::path(api, &parts[0], &parts[1])?)
            .await
            .map_err(|e| api.error(&op("importing", TYPE), &e))?
            .ok_or_else(|| missing_on_import(TYPE, id))?;
        Ok(self.t.value(&Self::state_json(&parts[0], &found)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_round_trip_through_the_api_shape() {
        let ours = json!({
            "creation": true, "deletion": false, "update": true, "update_allows_fetch_and_merge": false,
            "pull_request": {"required_approving_review_count": 1, "dismiss_stale_reviews_on_push": true},
            "required_status_checks": {"required_check": [{"context": "ci", "integration_id": 0}], "strict_required_status_checks_policy": false},
            "required_code_scanning": {"required_code_scanning_tool": [{"tool": "CodeQL", "alerts_threshold": "errors", "security_alerts_threshold": "high_or_higher"}]},
        });
        let api = rules_to_api(&ours);
        let types: Vec<&str> = api
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["type"].as_str().unwrap())
            .collect();
        assert_eq!(
            types,
            [
                "creation",
                "update",
                "pull_request",
                "required_status_checks",
                "code_scanning"
            ]
        );
        assert_eq!(
            api[3]["parameters"]["required_status_checks"],
            json!([{"context": "ci"}])
        );
        assert_eq!(
            api[4]["parameters"]["code_scanning_tools"][0]["tool"],
            "CodeQL"
        );
        let back = rules_from_api(&api);
        assert_eq!(
            back["required_status_checks"]["required_check"],
            json!([{"context": "ci", "integration_id": 0}])
        );
        assert_eq!(
            back["required_code_scanning"],
            ours["required_code_scanning"]
        );
        assert_eq!(back["update_allows_fetch_and_merge"], false);
        assert!(back.get("deletion").is_none());
    }
}
