//! The configured GitHub client every type receives ([`Github`]): one [`ApiClient`] (bearer
//! token, `Accept: application/vnd.github+json`, `X-GitHub-Api-Version`, retries, rate limits,
//! conditional GETs), the owner the provider manages, JSON helpers per method, `Link`
//! pagination, the resource ID format of the official provider (`repo:name`, with `:` inside
//! a non-final part escaped as `??`), and the translation of failures into errors users can act
//! on ("could not reach the GitHub API at …", "GitHub refused the token …").

use std::sync::atomic::{AtomicU8, Ordering};

use serde_json::Value as J;

use crate::http::{
    path_segment, ApiClient, ApiRequest, ApiResponse, CursorPage, CursorPager, HttpError, Redactor,
    TransportFailure,
};
use crate::provider::ProviderError;
use crate::rest::idempotent::{delete_idempotent, CreatePolicy};

/// GitHub's messages from an error body: `message`, then each of `errors` (strings, or
/// `{resource, field, code, message}` objects); a Prism problem document (`title`, `detail`,
/// `validation`) when the contract check refused the request.
pub fn error_messages(body: &J) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(m) = body.get("message").and_then(J::as_str) {
        out.push(m.to_string());
    }
    if let Some(J::Array(errors)) = body.get("errors") {
        for e in errors {
            match e {
                J::String(s) => out.push(s.clone()),
                J::Object(o) => {
                    if let Some(m) = o.get("message").and_then(J::as_str) {
                        out.push(m.to_string());
                    } else {
                        let part = |k: &str| o.get(k).and_then(J::as_str).unwrap_or_default();
                        let (resource, field, code) =
                            (part("resource"), part("field"), part("code"));
                        let what = [resource, field]
                            .iter()
                            .filter(|s| !s.is_empty())
                            .copied()
                            .collect::<Vec<_>>()
                            .join(".");
                        out.push(
                            format!("{what}: {code}")
                                .trim_start_matches(": ")
                                .to_string(),
                        );
                    }
                }
                _ => {}
            }
        }
    }
    if out.is_empty() {
        if let Some(title) = body.get("title").and_then(J::as_str) {
            out.push(match body.get("detail").and_then(J::as_str) {
                Some(d) if !d.is_empty() => format!("{title}: {d}"),
                _ => title.to_string(),
            });
            if let Some(J::Array(v)) = body.get("validation") {
                out.extend(
                    v.iter()
                        .filter_map(|i| i.get("message").and_then(J::as_str))
                        .map(str::to_string),
                );
            }
        }
    }
    if out.is_empty() {
        out = crate::http::default_error_messages(body);
    }
    out
}

/// The separator of the parts of a resource ID.
pub const ID_SEPARATOR: char = ':';
/// How a separator inside a part is written.
pub const ID_SEPARATOR_ESCAPED: &str = "??";

/// An ID of the official provider's form: the parts joined by `:`, a `:` inside a part written
/// `??` (names of repositories, secrets, variables and branches cannot contain `:`;
/// environment names can).
pub fn build_id(parts: &[&str]) -> String {
    parts
        .iter()
        .map(|p| p.replace(ID_SEPARATOR, ID_SEPARATOR_ESCAPED))
        .collect::<Vec<_>>()
        .join(":")
}

/// Splits an ID (or import ID) made by [`build_id`] into `form`'s parts (`form` as the docs
/// write it: `<repository>:<environment>:<secret_name>`). Every part must be non-empty.
pub fn parse_id(id: &str, form: &str) -> Result<Vec<String>, ProviderError> {
    let count = form.split(ID_SEPARATOR).count();
    let parts: Vec<String> = id
        .splitn(count, ID_SEPARATOR)
        .map(|p| p.replace(ID_SEPARATOR_ESCAPED, ":"))
        .collect();
    if parts.len() != count || parts.iter().any(|p| p.trim().is_empty()) {
        return Err(ProviderError::new("Invalid import ID").with_detail(format!(
            "expected an ID of the form {form}, got {id:?} (a `:` inside the environment name is written `??`)"
        )));
    }
    Ok(parts)
}

const OWNER_UNKNOWN: u8 = 0;
const OWNER_ORG: u8 = 1;
const OWNER_USER: u8 = 2;

/// The API context every GitHub type receives.
pub struct Github {
    client: ApiClient,
    owner: Option<String>,
    redactor: Redactor,
    pub(crate) create_policy: CreatePolicy,
    /// Page size of list calls (`max_per_page`).
    pub(crate) per_page: u32,
    /// Whether the owner is an organization, learnt from the first repository creation.
    owner_kind: AtomicU8,
}

impl std::fmt::Debug for Github {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Github")
            .field("client", &self.client)
            .field("owner", &self.owner)
            .finish_non_exhaustive()
    }
}

impl Github {
    pub fn new(
        client: ApiClient,
        owner: Option<String>,
        redactor: Redactor,
        create_policy: CreatePolicy,
        per_page: u32,
    ) -> Github {
        Github {
            client,
            owner,
            redactor,
            create_policy,
            per_page: per_page.clamp(1, 100),
            owner_kind: AtomicU8::new(OWNER_UNKNOWN),
        }
    }

    pub fn client(&self) -> &ApiClient {
        &self.client
    }

    /// The account the provider manages (`owner`, `GITHUB_OWNER`, …).
    pub fn owner(&self) -> Result<&str, ProviderError> {
        self.owner.as_deref().ok_or_else(|| {
            ProviderError::new("No GitHub owner configured").with_detail(
                "set `owner` in the provider \"github\" block or the GITHUB_OWNER environment variable \
                 (the organization or user whose repositories this configuration manages)",
            )
        })
    }

    /// `/repos/{owner}/{repo}` plus `rest` (segments already escaped).
    pub fn repo_path(&self, repo: &str, rest: &str) -> Result<String, ProviderError> {
        Ok(format!(
            "/repos/{}/{}{rest}",
            path_segment(self.owner()?),
            path_segment(repo)
        ))
    }

    /// The base URL without credentials, for messages.
    pub fn base_url(&self) -> String {
        let mut url = self.client.base_url().clone();
        let _ = url.set_password(None);
        let _ = url.set_username("");
        url.as_str().trim_end_matches('/').to_string()
    }

    pub async fn send(&self, req: ApiRequest) -> Result<ApiResponse, HttpError> {
        self.client.send(req).await
    }

    /// The JSON body of an answer (null for an empty one, as `204 No Content`).
    pub fn body(r: &ApiResponse) -> Result<J, HttpError> {
        if r.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(J::Null);
        }
        r.json()
    }

    pub async fn get(&self, path: &str) -> Result<J, HttpError> {
        Self::body(&self.send(ApiRequest::get(path)).await?)
    }

    /// GET; `None` on 404.
    pub async fn get_opt(&self, path: &str) -> Result<Option<J>, HttpError> {
        match self.get(path).await {
            Ok(j) => Ok(Some(j)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    pub async fn post(&self, path: &str, body: J) -> Result<J, HttpError> {
        Self::body(&self.send(ApiRequest::post(path, body)).await?)
    }

    pub async fn put(&self, path: &str, body: J) -> Result<J, HttpError> {
        Self::body(&self.send(ApiRequest::put(path, body)).await?)
    }

    /// PATCH with a body that sets whole values, so repeating it is harmless.
    pub async fn patch(&self, path: &str, body: J) -> Result<J, HttpError> {
        Self::body(
            &self
                .send(ApiRequest::patch(path, body).idempotent(true))
                .await?,
        )
    }

    /// DELETE; an object that is already gone (404) counts as deleted.
    pub async fn delete(&self, path: &str) -> Result<(), HttpError> {
        delete_idempotent(self.client.send(ApiRequest::delete(path))).await
    }

    /// Every item of a list, following `Link: rel="next"`. `field` names the array in an
    /// object answer (`secrets`, `variables`, `environments`); `None` for an array answer.
    pub async fn list(&self, path: &str, field: Option<&str>) -> Result<Vec<J>, HttpError> {
        self.list_per_page(path, field, self.per_page).await
    }

    /// [`Github::list`] with an explicit page size (some lists allow fewer than 100).
    pub async fn list_per_page(
        &self,
        path: &str,
        field: Option<&str>,
        per_page: u32,
    ) -> Result<Vec<J>, HttpError> {
        let req = ApiRequest::get(path).query("per_page", per_page.to_string());
        let pager = CursorPager::new(&self.client, req, |r: &ApiResponse| {
            let body = Self::body(r)?;
            let items = match (field, body) {
                (None, J::Array(items)) => items,
                (Some(f), J::Object(mut o)) => match o.remove(f) {
                    Some(J::Array(items)) => items,
                    _ => Vec::new(),
                },
                (_, J::Null) => Vec::new(),
                (_, other) => {
                    return Err(r.decode_error(format!(
                        "expected a list, got {}",
                        match other {
                            J::Object(_) => "an object",
                            _ => "a scalar",
                        }
                    )))
                }
            };
            Ok(CursorPage::from_link(items, r))
        });
        pager.all().await
    }

    /// Creates a repository for the owner: `POST /orgs/{owner}/repos`, or `POST /user/repos`
    /// when the owner is not an organization (then it must be the token's user). The answer
    /// is remembered so that later creations go straight to the right endpoint.
    pub async fn create_repository(&self, body: J) -> Result<J, HttpError> {
        let owner = self.owner.clone().unwrap_or_default();
        if self.owner_kind.load(Ordering::Relaxed) != OWNER_USER {
            let path = format!("/orgs/{}/repos", path_segment(&owner));
            match self.post(&path, body.clone()).await {
                Ok(j) => {
                    self.owner_kind.store(OWNER_ORG, Ordering::Relaxed);
                    return Ok(j);
                }
                Err(e) if e.is_not_found() => {
                    self.owner_kind.store(OWNER_USER, Ordering::Relaxed);
                }
                Err(e) => return Err(e),
            }
        }
        self.post("/user/repos", body).await
    }

    /// A failed operation as a [`ProviderError`] that says what to do about it. `what` names
    /// the operation (`creating github_repository`).
    pub fn error(&self, what: &str, e: &HttpError) -> ProviderError {
        let text = self.redactor.scrub(&e.to_string());
        match e {
            HttpError::Transport {
                failure: TransportFailure::Connect,
                attempts,
                ..
            } => ProviderError::new(format!(
                "could not reach the GitHub API at {}",
                self.base_url()
            ))
            .with_detail(format!(
                "{what} failed after {attempts} attempt(s): {text}. Check `base_url` (or GITHUB_BASE_URL) and the network."
            )),
            HttpError::Status { status: 401, .. } => ProviderError::new(format!(
                "{what}: the GitHub API refused the credentials"
            ))
            .with_detail(format!(
                "{text}. Check the token (`token` or GITHUB_TOKEN)."
            )),
            HttpError::Status { status: 403 | 429, messages, .. }
                if messages.iter().any(|m| m.to_ascii_lowercase().contains("rate limit")) =>
            {
                ProviderError::new(format!("{what}: the GitHub rate limit is spent")).with_detail(format!(
                    "{text}. infra waited as GitHub asked ({attempts} attempt(s)); try again later or lower the parallelism",
                    attempts = e.attempts()
                ))
            }
            HttpError::Status { status: 403, .. } => ProviderError::new(format!(
                "{what}: GitHub refused the request"
            ))
            .with_detail(format!(
                "{text}. The token may lack the permission this resource needs (for example `repo`, `admin:repo_hook`, or administration access to the repository)."
            )),
            HttpError::RateLimited { .. } => ProviderError::new(format!(
                "{what}: the GitHub rate limit is spent"
            ))
            .with_detail(text),
            _ => ProviderError::new(format!("{what} failed")).with_detail(text),
        }
    }
}

/// `creating github_repository`.
pub fn op(verb: &str, type_name: &str) -> String {
    format!("{verb} {type_name}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ids_escape_the_separator_in_all_but_the_last_part() {
        assert_eq!(
            build_id(&["repo", "prod:eu", "TOKEN"]),
            "repo:prod??eu:TOKEN"
        );
        let form = "<repository>:<environment>:<secret_name>";
        assert_eq!(
            parse_id("repo:prod??eu:TOKEN", form).unwrap(),
            ["repo", "prod:eu", "TOKEN"]
        );
        assert_eq!(
            parse_id("repo:main", "<repository>:<pattern>").unwrap(),
            ["repo", "main"]
        );
        assert_eq!(build_id(&["repo", "env:1"]), "repo:env??1");
        // The last part keeps any further separators.
        assert_eq!(
            parse_id("repo:release:v1", "<repository>:<pattern>").unwrap(),
            ["repo", "release:v1"]
        );
        for bad in ["repo", "repo:", ":secret", ""] {
            let e = parse_id(bad, "<repository>:<secret_name>").unwrap_err();
            assert!(e.to_string().contains("<repository>:<secret_name>"), "{e}");
        }
    }

    #[test]
    fn messages_of_github_errors_and_prism_problems() {
        let body = json!({"message": "Validation Failed", "errors": [{"resource": "Repository", "code": "custom", "field": "name", "message": "name already exists on this account"}, {"resource": "Hook", "code": "invalid", "field": "url"}, "Only organization repositories can have users and team restrictions"], "documentation_url": "x"});
        assert_eq!(
            error_messages(&body),
            [
                "Validation Failed",
                "name already exists on this account",
                "Hook.url: invalid",
                "Only organization repositories can have users and team restrictions"
            ]
        );
        let prism = json!({"title": "Invalid request", "detail": "", "validation": [{"message": "Request body must have required property 'key_id'"}]});
        assert_eq!(
            error_messages(&prism),
            [
                "Invalid request",
                "Request body must have required property 'key_id'"
            ]
        );
    }
}
