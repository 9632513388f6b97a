//! `github_repository`: a repository of the owner (`POST /orgs/{owner}/repos`, or
//! `/user/repos` when the owner is the token's user; `GET`/`PATCH`/`DELETE
//! /repos/{owner}/{name}`).
//!
//! As in the official provider: `name` is the ID and the import ID, and renaming is an update
//! (PATCH `name`); the merge settings have the provider's defaults (merge, squash and rebase
//! allowed, squash title `COMMIT_OR_PR_TITLE` with `COMMIT_MESSAGES`, merge title
//! `MERGE_MESSAGE` with `PR_TITLE`), and `has_*` switches left unset are sent as `false`;
//! `auto_init`, `gitignore_template` and `license_template` act at creation only;
//! `archive_on_destroy` archives instead of deleting; `security_and_analysis` is a computed
//! block (GitHub fills in the features not configured).
//!
//! A create is a POST of the creation settings, then a PATCH of the rest (`allow_forking`,
//! `security_and_analysis`, …, as the official provider does), then `topics` and
//! `vulnerability_alerts` when configured. After an ambiguous failure of the POST the
//! repository is looked up by name and adopted; an existing repository of that name is an
//! error (import it).
//!
//! Creation modes, as upstream: with a `template` block the repository is generated from the
//! template (`POST /repos/{template_owner}/{template_repo}/generate` with the owner, name,
//! description, privacy and `include_all_branches`); with `fork = "true"` it is a fork of
//! `source_owner`/`source_repo` (`POST /repos/{source_owner}/{source_repo}/forks`, into the
//! owner when it is an organization, under the configured name). Both are followed by the same
//! PATCH of the other settings. `topics` (`PUT /repos/{owner}/{name}/topics`) and
//! `vulnerability_alerts` (`PUT`/`DELETE`/`GET .../vulnerability-alerts`) are only called
//! when configured.
//!
//! Left out (a clear error when configured): `pages` (use the Pages API by hand; the official
//! provider deprecates the block in favour of `github_repository_pages`).

use async_trait::async_trait;
use infra_lang::{Type, Value};
use serde_json::{json, Map, Value as J};

use super::api::{op, Github};
use super::common::{create_failed, flag, missing_on_import, need, set_attr, text, GhType};
use crate::http::{path_segment, ApiRequest};
use crate::provider::{PlannedState, ProviderError};
use crate::rest::idempotent::create_once;
use crate::rest::normalize::{equiv_empty_is_null, Normalizer};
use crate::rest::resource::{RestResource, TypeSpec};
use crate::rest::schema::Tweak;
use crate::rest::sdkschema::{BlockLayout, SdkSchema};

pub const TYPE: &str = "github_repository";

/// Switches sent with the same name in both directions.
const SAME_NAME: &[&str] = &[
    "name",
    "description",
    "private",
    "visibility",
    "has_issues",
    "has_discussions",
    "has_projects",
    "has_wiki",
    "has_downloads",
    "is_template",
    "allow_merge_commit",
    "allow_squash_merge",
    "allow_rebase_merge",
    "allow_auto_merge",
    "allow_forking",
    "allow_update_branch",
    "squash_merge_commit_title",
    "squash_merge_commit_message",
    "merge_commit_title",
    "merge_commit_message",
    "delete_branch_on_merge",
    "web_commit_signoff_required",
    "archived",
    "default_branch",
];

/// What the creation POST takes (the rest follows in a PATCH).
const CREATE_FIELDS: &[&str] = &[
    "name",
    "description",
    "homepage",
    "private",
    "visibility",
    "has_issues",
    "has_projects",
    "has_wiki",
    "has_downloads",
    "is_template",
    "auto_init",
    "gitignore_template",
    "license_template",
    "allow_merge_commit",
    "allow_squash_merge",
    "allow_rebase_merge",
    "allow_auto_merge",
    "squash_merge_commit_title",
    "squash_merge_commit_message",
    "merge_commit_title",
    "merge_commit_message",
    "delete_branch_on_merge",
];

const SECURITY_FEATURES: [&str; 6] = [
    "advanced_security",
    "code_security",
    "secret_scanning",
    "secret_scanning_push_protection",
    "secret_scanning_ai_detection",
    "secret_scanning_non_provider_patterns",
];

fn status_block() -> SdkSchema {
    SdkSchema::new().required("status", Type::String, "Set to `enabled` or `disabled`.")
}

/// The schema, from the docs page's Argument Reference and the Go source.
pub fn spec() -> (TypeSpec, BlockLayout, Vec<String>) {
    let mut security = SdkSchema::new();
    for feature in SECURITY_FEATURES {
        security = security.block_list(
            feature,
            0,
            1,
            "A security and analysis feature.",
            status_block(),
        );
    }
    let s = SdkSchema::new()
        .required("name", Type::String, "The name of the repository.")
        .optional("description", Type::String, "A description of the repository.")
        .optional("homepage_url", Type::String, "URL of a page describing the project.")
        .optional_computed("fork", Type::String, "Set to `true` to create a fork of an existing repository.")
        .optional_computed("source_owner", Type::String, "The owner of the repository being forked.")
        .optional_computed("source_repo", Type::String, "The name of the repository to fork.")
        .optional_computed("private", Type::Bool, "Set to `true` to create a private repository (deprecated: use `visibility`).")
        .optional_computed("visibility", Type::String, "Can be `public` or `private` (or `internal`).")
        .optional("has_issues", Type::Bool, "Enable the GitHub Issues features on the repository.")
        .optional("has_discussions", Type::Bool, "Enable GitHub Discussions on the repository.")
        .optional("has_projects", Type::Bool, "Enable the GitHub Projects features on the repository.")
        .optional("has_wiki", Type::Bool, "Enable the GitHub Wiki features on the repository.")
        .optional("has_downloads", Type::Bool, "Enable the (deprecated) downloads features on the repository.")
        .optional("is_template", Type::Bool, "Make this a template repository.")
        .optional("allow_merge_commit", Type::Bool, "Set to `false` to disable merge commits on the repository.")
        .optional("allow_squash_merge", Type::Bool, "Set to `false` to disable squash merges on the repository.")
        .optional("allow_rebase_merge", Type::Bool, "Set to `false` to disable rebase merges on the repository.")
        .optional("allow_auto_merge", Type::Bool, "Set to `true` to allow auto-merging pull requests on the repository.")
        .optional_computed("allow_forking", Type::Bool, "Configure private forking for organization owned private and internal repositories.")
        .optional("allow_update_branch", Type::Bool, "Set to `true` to always suggest updating pull request branches.")
        .optional("squash_merge_commit_title", Type::String, "`PR_TITLE` or `COMMIT_OR_PR_TITLE`.")
        .optional("squash_merge_commit_message", Type::String, "`PR_BODY`, `COMMIT_MESSAGES`, or `BLANK`.")
        .optional("merge_commit_title", Type::String, "`PR_TITLE` or `MERGE_MESSAGE`.")
        .optional("merge_commit_message", Type::String, "`PR_BODY`, `PR_TITLE`, or `BLANK`.")
        .optional("delete_branch_on_merge", Type::Bool, "Automatically delete head branch after a pull request is merged.")
        .optional_computed("web_commit_signoff_required", Type::Bool, "Require contributors to sign off on web-based commits.")
        .optional("auto_init", Type::Bool, "Set to `true` to produce an initial commit in the repository.")
        .optional("gitignore_template", Type::String, "The name of a gitignore template, e.g. \"Haskell\".")
        .optional("license_template", Type::String, "The name of a license template, e.g. \"mit\".")
        .optional_computed("default_branch", Type::String, "The name of the default branch of the repository (deprecated: use `github_branch_default`).")
        .optional("archived", Type::Bool, "Specifies if the repository should be archived.")
        .optional("archive_on_destroy", Type::Bool, "Set to `true` to archive the repository instead of deleting on destroy.")
        .optional_computed("topics", Type::set(Type::String), "The list of topics of the repository.")
        .optional_computed("vulnerability_alerts", Type::Bool, "Configure Dependabot security alerts (deprecated).")
        .optional("ignore_vulnerability_alerts_during_read", Type::Bool, "Ignored (deprecated).")
        .optional_computed("etag", Type::String, "An ETag (not tracked by infra).")
        .computed("full_name", Type::String, "A string of the form \"orgname/reponame\".")
        .computed("html_url", Type::String, "URL to the repository on the web.")
        .computed("ssh_clone_url", Type::String, "URL to clone the repository via SSH.")
        .computed("svn_url", Type::String, "URL to check out the repository via Subversion.")
        .computed("git_clone_url", Type::String, "URL to clone the repository via the git protocol.")
        .computed("http_clone_url", Type::String, "URL to clone the repository via HTTPS.")
        .computed("node_id", Type::String, "GraphQL global node id for use with v4 API.")
        .computed("repo_id", Type::Number, "GitHub ID for the repository.")
        .computed("primary_language", Type::String, "The primary language used in the repository.")
        .computed("id", Type::String, "The name of the repository.")
        .block_list("security_and_analysis", 0, 1, "The repository's security and analysis configuration.", security)
        .block_list(
            "template",
            0,
            1,
            "Use a template repository to create this resource.",
            SdkSchema::new()
                .required("owner", Type::String, "The owner of the template repository.")
                .required("repository", Type::String, "The name of the template repository.")
                .optional("include_all_branches", Type::Bool, "Include all the branches of the template."),
        )
        .block_list(
            "pages",
            0,
            1,
            "The repository's GitHub Pages configuration (deprecated; not supported by infra).",
            SdkSchema::new()
                .block_list(
                    "source",
                    0,
                    1,
                    "The source branch and directory for the rendered Pages site.",
                    SdkSchema::new()
                        .required("branch", Type::String, "The repository branch used to publish the site's source files.")
                        .optional("path", Type::String, "The repository directory from which the site publishes."),
                )
                .optional("build_type", Type::String, "`legacy` or `workflow`.")
                .optional("cname", Type::String, "The custom domain for the repository.")
                .computed("custom_404", Type::Bool, "Whether the rendered site has a custom 404 page.")
                .computed("html_url", Type::String, "The absolute URL of the rendered site.")
                .computed("status", Type::String, "The site's build status.")
                .computed("url", Type::String, "The API URL of the Pages site."),
        );
    let f = || Tweak::Default(json!(false));
    let mut overlay = vec![
        ("id", vec![Tweak::KeepPrior]),
        ("repo_id", vec![Tweak::KeepPrior]),
        ("node_id", vec![Tweak::KeepPrior]),
        // Change only when configured (or, for the names and URLs, on a rename: see `plan`).
        ("full_name", vec![Tweak::KeepPrior]),
        ("html_url", vec![Tweak::KeepPrior]),
        ("ssh_clone_url", vec![Tweak::KeepPrior]),
        ("svn_url", vec![Tweak::KeepPrior]),
        ("git_clone_url", vec![Tweak::KeepPrior]),
        ("http_clone_url", vec![Tweak::KeepPrior]),
        ("fork", vec![Tweak::KeepPrior]),
        ("source_owner", vec![Tweak::KeepPrior]),
        ("source_repo", vec![Tweak::KeepPrior]),
        ("private", vec![Tweak::KeepPrior]),
        ("visibility", vec![Tweak::KeepPrior]),
        ("allow_forking", vec![Tweak::KeepPrior]),
        ("web_commit_signoff_required", vec![Tweak::KeepPrior]),
        ("default_branch", vec![Tweak::KeepPrior]),
        ("topics", vec![Tweak::KeepPrior]),
        ("vulnerability_alerts", vec![Tweak::KeepPrior]),
        ("etag", vec![Tweak::KeepPrior]),
        ("allow_merge_commit", vec![Tweak::Default(json!(true))]),
        ("allow_squash_merge", vec![Tweak::Default(json!(true))]),
        ("allow_rebase_merge", vec![Tweak::Default(json!(true))]),
        (
            "squash_merge_commit_title",
            vec![Tweak::Default(json!("COMMIT_OR_PR_TITLE"))],
        ),
        (
            "squash_merge_commit_message",
            vec![Tweak::Default(json!("COMMIT_MESSAGES"))],
        ),
        (
            "merge_commit_title",
            vec![Tweak::Default(json!("MERGE_MESSAGE"))],
        ),
        (
            "merge_commit_message",
            vec![Tweak::Default(json!("PR_TITLE"))],
        ),
        ("security_and_analysis", vec![Tweak::Computed]),
        ("template.include_all_branches", vec![f()]),
        ("pages.source.path", vec![Tweak::Default(json!("/"))]),
        ("pages.build_type", vec![Tweak::Default(json!("legacy"))]),
    ];
    for b in [
        "allow_auto_merge",
        "delete_branch_on_merge",
        "archived",
        "has_issues",
        "has_discussions",
        "has_projects",
        "has_wiki",
        "has_downloads",
        "is_template",
        "allow_update_branch",
        "ignore_vulnerability_alerts_during_read",
    ] {
        overlay.push((b, vec![f()]));
    }
    let security_paths: Vec<String> = SECURITY_FEATURES
        .iter()
        .map(|f| format!("security_and_analysis.{f}"))
        .collect();
    for p in &security_paths {
        overlay.push((p.as_str(), vec![Tweak::Computed]));
    }
    let norm = Normalizer::new()
        .rule("description", equiv_empty_is_null)
        .rule("homepage_url", equiv_empty_is_null);
    s.into_spec(TYPE, 1, &overlay, norm)
}

pub struct Repository {
    t: GhType,
}

/// The request that creates a repository.
enum Creation {
    /// `POST /orgs/{owner}/repos` or `/user/repos`.
    Plain,
    /// A template generation or a fork: path and body.
    Post(String, J),
}

fn is_set(v: &Value, name: &str) -> bool {
    v.get_attr(name)
        .is_some_and(|x| !x.is_null() && x.as_seq().is_none_or(|s| !s.is_empty()))
}

impl Repository {
    pub fn new(spec: (TypeSpec, BlockLayout)) -> Repository {
        Repository {
            t: GhType::new(spec),
        }
    }

    /// The API's repository in the schema's shape (computed blocks as the API has them;
    /// create-time and local attributes from `ours`).
    fn state_json(&self, repo: &J, ours: &Value) -> J {
        let mut o = Map::new();
        for k in SAME_NAME {
            o.insert((*k).to_string(), repo.get(*k).cloned().unwrap_or(J::Null));
        }
        let get = |k: &str| repo.get(k).cloned().unwrap_or(J::Null);
        o.insert("id".into(), get("name"));
        o.insert("homepage_url".into(), get("homepage"));
        o.insert("full_name".into(), get("full_name"));
        o.insert("html_url".into(), get("html_url"));
        o.insert("ssh_clone_url".into(), get("ssh_url"));
        o.insert("svn_url".into(), get("svn_url"));
        o.insert("git_clone_url".into(), get("git_url"));
        o.insert("http_clone_url".into(), get("clone_url"));
        o.insert("node_id".into(), get("node_id"));
        o.insert("repo_id".into(), get("id"));
        o.insert("primary_language".into(), get("language"));
        o.insert(
            "topics".into(),
            repo.get("topics").cloned().unwrap_or(json!([])),
        );
        o.insert(
            "fork".into(),
            json!(repo
                .get("fork")
                .and_then(J::as_bool)
                .unwrap_or(false)
                .to_string()),
        );
        let source = repo.get("source").or_else(|| repo.get("parent"));
        o.insert(
            "source_owner".into(),
            source
                .and_then(|s| s.pointer("/owner/login"))
                .cloned()
                .unwrap_or(J::Null),
        );
        o.insert(
            "source_repo".into(),
            source
                .and_then(|s| s.get("name"))
                .cloned()
                .unwrap_or(J::Null),
        );
        // security_and_analysis: the features GitHub reports, each `{status}`.
        let mut sa = Map::new();
        if let Some(J::Object(features)) = repo.get("security_and_analysis") {
            for f in SECURITY_FEATURES {
                if let Some(status) = features.get(f).and_then(|x| x.get("status")) {
                    sa.insert(f.to_string(), json!({ "status": status }));
                }
            }
        }
        o.insert(
            "security_and_analysis".into(),
            if sa.is_empty() {
                J::Null
            } else {
                J::Object(sa)
            },
        );
        o.insert(
            "ignore_vulnerability_alerts_during_read".into(),
            json!(flag(ours, "ignore_vulnerability_alerts_during_read").unwrap_or(false)),
        );
        // What GitHub does not report: ours.
        for k in [
            "auto_init",
            "gitignore_template",
            "license_template",
            "archive_on_destroy",
            "vulnerability_alerts",
            "template",
            "pages",
            "etag",
        ] {
            let v = ours
                .get_attr(k)
                .filter(|v| v.is_known())
                .map(|v| v.to_json())
                .unwrap_or(J::Null);
            o.insert(k.to_string(), v);
        }
        J::Object(o)
    }

    /// The PATCH body: every setting the configuration gives (creation-only ones aside).
    /// Computed settings the configuration leaves to GitHub (`default_branch`, `visibility`,
    /// `security_and_analysis`, …) are sent only when they change from `prior`.
    fn update_body(&self, planned: &Value, prior: Option<&Value>) -> Result<J, ProviderError> {
        let mut planned = planned.clone();
        if let Some(prior) = prior {
            for (name, attr) in &self.t.spec.block.attrs {
                if attr.computed && planned.get_attr(name) == prior.get_attr(name) {
                    planned = set_attr(&planned, name, Value::Null(attr.ty()));
                }
            }
        }
        let all = self.t.request(&planned)?;
        let mut body = Map::new();
        for k in SAME_NAME {
            if let Some(v) = all.get(*k) {
                body.insert((*k).to_string(), v.clone());
            }
        }
        if let Some(v) = all.get("homepage_url") {
            body.insert("homepage".into(), v.clone());
        }
        // `private` and `visibility` are one setting: send visibility when set.
        if body.contains_key("visibility") {
            body.remove("private");
        }
        if let Some(J::Object(sa)) = all.get("security_and_analysis") {
            let features: Map<String, J> = sa
                .iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            if !features.is_empty() {
                body.insert("security_and_analysis".into(), J::Object(features));
            }
        }
        Ok(J::Object(body))
    }

    fn create_body(&self, planned: &Value) -> Result<J, ProviderError> {
        let all = self.t.request(planned)?;
        let mut body = Map::new();
        for k in CREATE_FIELDS {
            let from = if *k == "homepage" { "homepage_url" } else { k };
            if let Some(v) = all.get(from) {
                body.insert((*k).to_string(), v.clone());
            }
        }
        if body.contains_key("visibility") {
            body.remove("private");
        }
        Ok(J::Object(body))
    }

    /// Topics and vulnerability alerts, which have endpoints of their own; only when the
    /// configuration sets them and GitHub's answer differs.
    async fn extras(
        &self,
        api: &Github,
        name: &str,
        planned: &Value,
        repo: &mut J,
        what: &str,
    ) -> Result<(), ProviderError> {
        if let Some(topics) = planned
            .get_attr("topics")
            .filter(|t| t.is_wholly_known() && !t.is_null())
        {
            let wanted: Vec<String> = topics
                .as_seq()
                .unwrap_or_default()
                .iter()
                .filter_map(|t| t.as_str().map(str::to_string))
                .collect();
            let mut have: Vec<String> = repo
                .get("topics")
                .and_then(J::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|t| t.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            let mut sorted = wanted.clone();
            sorted.sort();
            have.sort();
            if sorted != have {
                let answer = api
                    .put(&api.repo_path(name, "/topics")?, json!({ "names": wanted }))
                    .await
                    .map_err(|e| api.error(what, &e))?;
                repo["topics"] = answer.get("names").cloned().unwrap_or(json!(wanted));
            }
        }
        if let Some(enabled) = flag(planned, "vulnerability_alerts") {
            let path = api.repo_path(name, "/vulnerability-alerts")?;
            // The operation takes no body (Prism refuses one).
            let req = if enabled {
                ApiRequest::new(crate::http::Method::PUT, path)
            } else {
                ApiRequest::delete(path)
            };
            api.send(req).await.map_err(|e| api.error(what, &e))?;
        }
        Ok(())
    }

    async fn read_vulnerability_alerts(
        &self,
        api: &Github,
        name: &str,
        what: &str,
    ) -> Result<bool, ProviderError> {
        match api
            .send(ApiRequest::get(
                api.repo_path(name, "/vulnerability-alerts")?,
            ))
            .await
        {
            Ok(_) => Ok(true),
            Err(e) if e.is_not_found() => Ok(false),
            Err(e) => Err(api.error(what, &e)),
        }
    }

    /// How the repository comes to be: a plain creation, generation from the `template`, or a
    /// fork (`fork = "true"`).
    async fn creation(
        &self,
        api: &Github,
        planned: &Value,
        body: &J,
    ) -> Result<Creation, ProviderError> {
        let name = need(planned, "name", TYPE)?;
        let private = body
            .get("visibility")
            .and_then(J::as_str)
            .map(|v| v != "public")
            .or_else(|| body.get("private").and_then(J::as_bool));
        if let Some(t) = planned
            .get_attr("template")
            .and_then(|t| t.as_seq().and_then(|s| s.first().cloned()))
        {
            let owner = need(&t, "owner", TYPE)?;
            let repo = need(&t, "repository", TYPE)?;
            let mut req = json!({"owner": api.owner()?, "name": name, "include_all_branches": flag(&t, "include_all_branches").unwrap_or(false)});
            if let Some(d) = body.get("description").filter(|d| !d.is_null()) {
                req["description"] = d.clone();
            }
            if let Some(p) = private {
                req["private"] = json!(p);
            }
            let path = format!(
                "/repos/{}/{}/generate",
                path_segment(&owner),
                path_segment(&repo)
            );
            return Ok(Creation::Post(path, req));
        }
        if text(planned, "fork").as_deref() == Some("true") {
            let owner = need(planned, "source_owner", TYPE)?;
            let repo = need(planned, "source_repo", TYPE)?;
            let mut req = json!({"name": name});
            // Into the owner when it is an organization (else the token's user's account).
            let me = api.owner()?.to_string();
            let account = api
                .get_opt(&format!("/users/{}", path_segment(&me)))
                .await
                .map_err(|e| api.error(&op("creating", TYPE), &e))?;
            if account
                .and_then(|a| a.get("type").and_then(J::as_str).map(str::to_string))
                .as_deref()
                == Some("Organization")
            {
                req["organization"] = json!(me);
            }
            let path = format!(
                "/repos/{}/{}/forks",
                path_segment(&owner),
                path_segment(&repo)
            );
            return Ok(Creation::Post(path, req));
        }
        Ok(Creation::Plain)
    }

    fn check(&self, config: &Value) -> Result<(), ProviderError> {
        let unsupported = |what: &str, why: &str| {
            Err(
                ProviderError::new(format!("{TYPE}: {what} is not supported yet"))
                    .with_detail(why.to_string()),
            )
        };
        if text(config, "fork").as_deref() == Some("true")
            && (config.get_attr("source_owner").is_none_or(|v| v.is_null())
                || config.get_attr("source_repo").is_none_or(|v| v.is_null()))
        {
            return Err(ProviderError::new("Missing required argument").with_detail(
                "`fork = true` needs `source_owner` and `source_repo`: the repository to fork",
            ));
        }
        if is_set(config, "pages") {
            return unsupported("the `pages` block", "infra does not implement GitHub's Pages API (the official provider deprecates `pages` in favour of `github_repository_pages`)");
        }
        Ok(())
    }

    async fn fetch(
        &self,
        api: &Github,
        name: &str,
        what: &str,
    ) -> Result<Option<J>, ProviderError> {
        api.get_opt(&api.repo_path(name, "")?)
            .await
            .map_err(|e| api.error(what, &e))
    }
}

#[async_trait]
impl RestResource<Github> for Repository {
    fn spec(&self) -> &TypeSpec {
        &self.t.spec
    }

    fn plan(&self, prior: &Value, proposed: &Value) -> Result<PlannedState, ProviderError> {
        self.check(proposed)?;
        let mut planned = self.t.plan(prior, proposed)?;
        // The ID follows the name (a rename is an update).
        if let Some(name) = proposed
            .get_attr("name")
            .filter(|n| n.is_known() && !n.is_null())
        {
            planned.planned = set_attr(&planned.planned, "id", name);
        }
        if !prior.is_null() && planned.requires_replace.is_empty() {
            let changed = |a: &str| {
                let c = proposed.get_attr(a).unwrap_or_else(Value::null);
                !c.is_null() && Some(c) != prior.get_attr(a)
            };
            let mut unknown: Vec<&str> = Vec::new();
            if changed("name") {
                unknown.extend([
                    "full_name",
                    "html_url",
                    "ssh_clone_url",
                    "svn_url",
                    "git_clone_url",
                    "http_clone_url",
                ]);
            }
            // `private` and `visibility` are one setting.
            if changed("visibility") && proposed.get_attr("private").is_none_or(|p| p.is_null()) {
                unknown.push("private");
            }
            if changed("private") && proposed.get_attr("visibility").is_none_or(|v| v.is_null()) {
                unknown.push("visibility");
            }
            for a in unknown {
                let ty = self
                    .t
                    .spec
                    .block
                    .attrs
                    .get(a)
                    .map(|x| x.ty())
                    .unwrap_or(Type::String);
                planned.planned = set_attr(&planned.planned, a, Value::Unknown(ty));
            }
        }
        Ok(planned)
    }

    async fn create(&self, api: &Github, planned: &Value) -> Result<Value, ProviderError> {
        let what = op("creating", TYPE);
        let name = need(planned, "name", TYPE)?;
        let body = self.create_body(planned)?;
        let path = api.repo_path(&name, "")?;
        let mode = self.creation(api, planned, &body).await?;
        let created = create_once(
            &api.create_policy,
            || async {
                match &mode {
                    Creation::Plain => api.create_repository(body.clone()).await,
                    Creation::Post(path, body) => api.post(path, body.clone()).await,
                }
            },
            || async {
                Ok(match api.get_opt(&path).await? {
                    Some(r) => vec![(name.clone(), r)],
                    None => vec![],
                })
            },
            super::common::already_exists,
        )
        .await
        .map_err(|e| create_failed(api, TYPE, e))?;
        // The repository may have been normalised (`my repo` → `my-repo`): use GitHub's name.
        let actual = created
            .get("name")
            .and_then(J::as_str)
            .unwrap_or(&name)
            .to_string();
        let mut repo = api
            .patch(
                &api.repo_path(&actual, "")?,
                self.update_body(planned, None)?,
            )
            .await
            .map_err(|e| api.error(&what, &e))?;
        self.extras(api, &actual, planned, &mut repo, &what).await?;
        Ok(self.t.settle(planned, &self.state_json(&repo, planned)))
    }

    async fn read(&self, api: &Github, current: &Value) -> Result<Option<Value>, ProviderError> {
        let what = op("reading", TYPE);
        let name = need(current, "name", TYPE)?;
        let Some(repo) = self.fetch(api, &name, &what).await? else {
            return Ok(None);
        };
        let mut ours = current.clone();
        if flag(current, "vulnerability_alerts").is_some() {
            let enabled = self.read_vulnerability_alerts(api, &name, &what).await?;
            ours = set_attr(&ours, "vulnerability_alerts", Value::Bool(enabled));
        }
        let state = self.t.settle(current, &self.state_json(&repo, &ours));
        Ok(Some(state))
    }

    async fn update(
        &self,
        api: &Github,
        prior: &Value,
        planned: &Value,
    ) -> Result<Value, ProviderError> {
        let what = op("updating", TYPE);
        let old = need(prior, "name", TYPE)?;
        let new = need(planned, "name", TYPE)?;
        let mut repo = api
            .patch(
                &api.repo_path(&old, "")?,
                self.update_body(planned, Some(prior))?,
            )
            .await
            .map_err(|e| api.error(&what, &e))?;
        self.extras(api, &new, planned, &mut repo, &what).await?;
        Ok(self.t.settle(planned, &self.state_json(&repo, planned)))
    }

    async fn delete(&self, api: &Github, prior: &Value) -> Result<(), ProviderError> {
        let name = need(prior, "name", TYPE)?;
        let path = api.repo_path(&name, "")?;
        if flag(prior, "archive_on_destroy") == Some(true) {
            if flag(prior, "archived") == Some(true) {
                return Ok(());
            }
            return match api.patch(&path, json!({"archived": true})).await {
                Ok(_) => Ok(()),
                Err(e) if e.is_not_found() => Ok(()),
                Err(e) => Err(api.error(&op("archiving", TYPE), &e)),
            };
        }
        api.delete(&path)
            .await
            .map_err(|e| api.error(&op("deleting", TYPE), &e))
    }

    async fn import(&self, api: &Github, id: &str) -> Result<Value, ProviderError> {
        let what = op("importing", TYPE);
        let name = id.trim();
        if name.is_empty() || name.contains('/') {
            return Err(ProviderError::new("Invalid import ID").with_detail(format!(
                "expected the repository's name (without the owner), got {id:?}"
            )));
        }
        let repo = self
            .fetch(api, name, &what)
            .await?
            .ok_or_else(|| missing_on_import(TYPE, id))?;
        let null = self.t.spec.null_object();
        Ok(self.t.value(&self.state_json(&repo, &null)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_rename_and_split_creation_from_update() {
        let (spec, layout, errors) = spec();
        assert!(errors.is_empty(), "{errors:?}");
        let r = Repository::new((spec, layout));
        let config = r.t.value(&json!({
            "name": "infra", "description": "d", "homepage_url": "https://x.test", "visibility": "private",
            "auto_init": true, "allow_forking": false,
            "security_and_analysis": [{"secret_scanning": [{"status": "enabled"}]}]
        }));
        let planned = r.plan(&Value::null(), &config).unwrap().planned;
        let create = r.create_body(&planned).unwrap();
        assert_eq!(create["homepage"], "https://x.test");
        assert_eq!(create["auto_init"], true);
        assert_eq!(
            create["has_issues"], false,
            "unset switches are sent as false"
        );
        assert!(
            create.get("allow_forking").is_none(),
            "set by the PATCH after creation"
        );
        let update = r.update_body(&planned, None).unwrap();
        assert_eq!(update["allow_forking"], false);
        assert_eq!(
            update["security_and_analysis"],
            json!({"secret_scanning": {"status": "enabled"}})
        );
        assert!(update.get("auto_init").is_none());
        assert!(update.get("private").is_none());
        assert_eq!(planned.get_attr("id"), Some(Value::string("infra")));
    }

    #[test]
    fn templates_and_forks_plan_and_pages_are_plan_errors() {
        let (spec, layout, _) = spec();
        let r = Repository::new((spec, layout));
        let config =
            r.t.value(&json!({"name": "x", "template": [{"owner": "github", "repository": "t"}]}));
        assert!(r.plan(&Value::null(), &config).is_ok());
        let config = r
            .t
            .value(&json!({"name": "x", "fork": "true", "source_owner": "o", "source_repo": "r"}));
        assert!(r.plan(&Value::null(), &config).is_ok());
        let config = r.t.value(&json!({"name": "x", "fork": "true"}));
        let e = r.plan(&Value::null(), &config).unwrap_err();
        assert!(e.to_string().contains("source_owner"), "{e}");
        let config =
            r.t.value(&json!({"name": "x", "pages": [{"build_type": "workflow"}]}));
        let e = r.plan(&Value::null(), &config).unwrap_err();
        assert!(e.to_string().contains("pages"), "{e}");
    }
}
