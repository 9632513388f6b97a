//! `registry.terraform.io/integrations/github`: infra's built-in GitHub provider, following the
//! official Terraform provider (v6: same type names, attributes, blocks and import IDs), over
//! GitHub's REST API only, so configurations move over unchanged.
//!
//! - [`api`]: the configured client ([`api::Github`]): paths, pagination, IDs, errors.
//! - [`seal`]: sealed boxes for Actions secrets.
//! - Resources: [`repository`], [`branch_protection`], [`ruleset`], [`actions_secret`]
//!   (`github_actions_secret`, `github_actions_environment_secret`), [`actions_variable`]
//!   (`github_actions_variable`, `github_actions_environment_variable`), [`environment`],
//!   [`webhook`], [`deploy_key`].
//! - Data sources ([`data_sources`]): `github_actions_public_key`,
//!   `github_actions_environment_public_key`, `github_user`.
//!
//! Schemas: the generated pages (secrets, variables) are read from the official documentation
//! embedded under `docs/`; the hand-written pages ("Argument Reference") are hand-written here
//! with [`SdkSchema`](crate::rest::sdkschema::SdkSchema), blocks included. Configuration: the
//! `provider "github"` block or the environment (`GITHUB_TOKEN`, `GITHUB_OWNER` /
//! `GITHUB_ORGANIZATION`, `GITHUB_BASE_URL`). One HTTP client per configured provider, shared
//! by every resource: bearer token, GitHub's media type and API version, retries on secondary
//! rate limits (`retry-after`) and exhausted primary limits (`x-ratelimit-reset`), a client-side
//! budget of 900 requests a minute, and conditional GETs (`If-None-Match`) so refreshing
//! unchanged objects costs no rate limit.

pub mod actions_scope;
pub mod actions_secret;
pub mod actions_variable;
pub mod api;
pub mod branch_protection;
pub mod data_sources;
pub mod deploy_key;
pub mod environment;
pub mod repository;
pub mod ruleset;
pub mod seal;
pub mod webhook;

mod common;

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use infra_lang::{Type, Value};

use crate::http::{ApiClient, ApiConfig, Backoff, EtagCache, LogSink, RateLimit, Redactor, Secret};
use crate::provider::ProviderError;
use crate::rest::idempotent::CreatePolicy;
use crate::rest::resource::{Configure, RestProvider, TypeSpec};
use crate::rest::schema::Tweak;
use crate::rest::sdkschema::{BlockLayout, SdkSchema};
use crate::schema::Schema;

use self::api::Github;

/// The default API endpoint.
pub const DEFAULT_BASE_URL: &str = "https://api.github.com/";

/// The REST API version every request asks for.
pub const API_VERSION: &str = "2022-11-28";

/// A client-side budget under GitHub's secondary limit of 900 REST points a minute (GitHub's
/// own headers drive the waits beyond that: `retry-after`, `x-ratelimit-reset`).
pub const RATE_LIMIT: RateLimit = RateLimit {
    requests: 900,
    per: Duration::from_secs(60),
};

/// Knobs for embedding and tests; [`GithubOptions::default`] is what users get.
#[derive(Clone, Default)]
pub struct GithubOptions {
    /// Per-attempt HTTP timeout (default 30 s, or `INFRA_HTTP_TIMEOUT`).
    pub timeout: Option<Duration>,
    /// HTTP attempts per request (default: `max_retries` + 1, else 5).
    pub max_attempts: Option<u32>,
    pub backoff: Option<Backoff>,
    /// Where HTTP debug logs go (default: stderr when `INFRA_LOG=debug`).
    pub log: Option<LogSink>,
    /// Overrides [`RATE_LIMIT`].
    pub rate_limit: Option<RateLimit>,
    /// How creates recover from ambiguous failures.
    pub create_policy: Option<CreatePolicy>,
    /// Read instead of the process environment (tests); `None` reads the real environment.
    pub env: Option<Vec<(String, String)>>,
}

impl fmt::Debug for GithubOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GithubOptions")
            .field("timeout", &self.timeout)
            .field("max_attempts", &self.max_attempts)
            .field("backoff", &self.backoff)
            .field("log", &self.log.is_some())
            .field("rate_limit", &self.rate_limit)
            .field("create_policy", &self.create_policy)
            .field(
                "env",
                &self
                    .env
                    .as_ref()
                    .map(|e| e.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>()),
            )
            .finish()
    }
}

/// The provider block's schema, from the official page (its `app_auth` is a block).
pub fn provider_schema() -> (Schema, BlockLayout) {
    let s = SdkSchema::new()
        .optional("base_url", Type::String, "The base URL for the GitHub API; this defaults to the GitHub API URL. This can also be set by the `GITHUB_BASE_URL` environment variable.")
        .optional("cache_path", Type::String, "The path to the cache directory for persisting GitHub API requests between runs (accepted, not used: infra keeps conditional-request ETags in memory).")
        .optional("insecure", Type::Bool, "Allow insecure server connections when using SSL (accepted, not used).")
        .optional("legacy_client", Type::Bool, "Use the legacy GitHub client implementation (accepted, not used).")
        .optional("max_per_page", Type::Number, "The maximum number of results per page for paginated API requests; this defaults to `100`. This can also be set by the `GITHUB_MAX_PER_PAGE` environment variable.")
        .optional("max_retries", Type::Number, "The maximum number of retries for failed requests; this defaults to `3`.")
        .optional("organization", Type::String, "GitHub organization to manage. This can also be set by the `GITHUB_ORGANIZATION` environment variable.")
        .optional("owner", Type::String, "GitHub organization or user account to manage. This can also be set by the `GITHUB_OWNER` environment variable.")
        .optional("parallel_requests", Type::Bool, "Allow the provider to make parallel API calls (accepted; infra's client is rate-limit aware).")
        .optional("read_delay_ms", Type::Number, "The delay in milliseconds between read operations (accepted, not used).")
        .optional("retry_delay_ms", Type::Number, "The delay in milliseconds between retry attempts; this defaults to `1000`.")
        .optional("retryable_errors", Type::list(Type::Number), "List of HTTP status codes that should be retried (accepted, not used: infra retries 5xx, 429 and rate-limit 403s).")
        .optional("token", Type::String, "GitHub OAuth or Personal Access Token (PAT) to use for authentication. This can also be set by the `GITHUB_TOKEN` environment variable.")
        .optional("write_delay_ms", Type::Number, "The delay in milliseconds between write operations (accepted, not used).")
        .block_list(
            "app_auth",
            0,
            1,
            "Authenticate using a GitHub App (not supported by infra yet).",
            SdkSchema::new()
                .required("id", Type::String, "The GitHub App's identifier.")
                .required("installation_id", Type::String, "The GitHub App's installation identifier.")
                .required("pem_file", Type::String, "The GitHub App's PEM file content."),
        );
    let mut s = s;
    for path in ["token", "app_auth.pem_file"] {
        // Both paths exist just above; a failure would show in the schema tests.
        let _ = s.block.tweak(path, &[Tweak::Sensitive]);
    }
    (s.layout.engine_schema(&s.block, 0), s.layout)
}

/// The GitHub provider.
pub struct GithubProvider {
    inner: RestProvider<Github>,
    schema_errors: Vec<String>,
}

impl GithubProvider {
    pub const SOURCE: &'static str = "registry.terraform.io/integrations/github";

    pub fn new() -> GithubProvider {
        GithubProvider::with_options(GithubOptions::default())
    }

    pub fn with_options(options: GithubOptions) -> GithubProvider {
        let mut errors = Vec::new();
        let (schema, _) = provider_schema();
        let mut take = |(spec, layout, errs): (TypeSpec, BlockLayout, Vec<String>)| {
            errors.extend(errs);
            (spec, layout)
        };
        let inner = RestProvider::new(Self::SOURCE, Configurer { schema, options })
            .resource(repository::Repository::new(take(repository::spec())))
            .resource(branch_protection::BranchProtection::new(take(
                branch_protection::spec(),
            )))
            .resource(ruleset::Ruleset::new(take(ruleset::spec())))
            .resource(actions_secret::ActionsSecret::new(
                actions_secret::Scope::Repository,
                take(actions_secret::spec(actions_secret::Scope::Repository)),
            ))
            .resource(actions_secret::ActionsSecret::new(
                actions_secret::Scope::Environment,
                take(actions_secret::spec(actions_secret::Scope::Environment)),
            ))
            .resource(actions_variable::ActionsVariable::new(
                actions_variable::Scope::Repository,
                take(actions_variable::spec(actions_variable::Scope::Repository)),
            ))
            .resource(actions_variable::ActionsVariable::new(
                actions_variable::Scope::Environment,
                take(actions_variable::spec(actions_variable::Scope::Environment)),
            ))
            .resource(environment::Environment::new(take(environment::spec())))
            .resource(webhook::Webhook::new(take(webhook::spec())))
            .resource(deploy_key::DeployKey::new(take(deploy_key::spec())))
            .data_source(data_sources::PublicKey::new(
                false,
                take(data_sources::public_key_spec(false)),
            ))
            .data_source(data_sources::PublicKey::new(
                true,
                take(data_sources::public_key_spec(true)),
            ))
            .data_source(data_sources::User::new(take(data_sources::user_spec())));
        GithubProvider {
            inner,
            schema_errors: errors,
        }
    }

    /// Problems found while building the schemas (always empty in a correct build; the
    /// schema tests assert it).
    pub fn schema_errors(&self) -> &[String] {
        &self.schema_errors
    }

    /// The nested-attribute specs of every type.
    pub fn specs(&self) -> Vec<&TypeSpec> {
        self.inner.specs()
    }
}

impl Default for GithubProvider {
    fn default() -> GithubProvider {
        GithubProvider::new()
    }
}

crate::forward_provider!(GithubProvider);

struct Configurer {
    schema: Schema,
    options: GithubOptions,
}

impl Configurer {
    fn env(&self, name: &str) -> Option<String> {
        let v = match &self.options.env {
            Some(vars) => vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()),
            None => std::env::var(name).ok(),
        };
        v.filter(|v| !v.trim().is_empty())
    }

    fn known(config: &Value, name: &str) -> Result<Value, ProviderError> {
        let v = config
            .get_attr(name)
            .map(|v| v.unmark_deep().0)
            .unwrap_or_else(Value::null);
        if !v.is_wholly_known() {
            return Err(ProviderError::new("Provider configuration is not known yet").with_detail(format!(
                "the `{name}` argument of provider \"github\" depends on a value that is known only after apply; \
                 configure it from values known at plan time (variables, data sources) or apply in two steps"
            )));
        }
        Ok(v)
    }

    /// A string argument of the provider block, `None` when null.
    fn string(config: &Value, name: &str) -> Result<Option<String>, ProviderError> {
        match Self::known(config, name)? {
            Value::Null(_) => Ok(None),
            Value::String(s) => Ok(Some(s)),
            other => Err(ProviderError::new("Invalid provider configuration")
                .with_detail(format!("`{name}` must be a string, got {}", other.ty()))),
        }
    }

    fn number(config: &Value, name: &str) -> Result<Option<i64>, ProviderError> {
        match Self::known(config, name)? {
            Value::Null(_) => Ok(None),
            Value::Number(n) => n.as_i64().map(Some).ok_or_else(|| {
                ProviderError::new("Invalid provider configuration")
                    .with_detail(format!("`{name}` must be a whole number"))
            }),
            other => Err(ProviderError::new("Invalid provider configuration")
                .with_detail(format!("`{name}` must be a number, got {}", other.ty()))),
        }
    }
}

#[async_trait]
impl Configure<Github> for Configurer {
    fn schema(&self) -> &Schema {
        &self.schema
    }

    async fn configure(&self, config: &Value) -> Result<Github, ProviderError> {
        let app_auth = Self::known(config, "app_auth")?;
        if app_auth.as_seq().is_some_and(|s| !s.is_empty())
            || (self.env("GITHUB_APP_ID").is_some() && self.env("GITHUB_APP_PEM_FILE").is_some())
        {
            return Err(ProviderError::new("GitHub App authentication is not supported yet").with_detail(
                "infra's GitHub provider authenticates with a token: set `token` in the provider \"github\" block or GITHUB_TOKEN \
                 (an installation access token of the App works too)",
            ));
        }
        let token = Self::string(config, "token")?.or_else(|| self.env("GITHUB_TOKEN"));
        // As the official provider documents it: `organization`, GITHUB_ORGANIZATION,
        // GITHUB_OWNER, then `owner`.
        let owner = Self::string(config, "organization")?
            .or_else(|| self.env("GITHUB_ORGANIZATION"))
            .or_else(|| self.env("GITHUB_OWNER"))
            .or(Self::string(config, "owner")?)
            .map(|o| o.trim().to_string())
            .filter(|o| !o.is_empty());
        let base_url = Self::string(config, "base_url")?
            .or_else(|| self.env("GITHUB_BASE_URL"))
            .unwrap_or_else(|| DEFAULT_BASE_URL.to_string());
        let per_page = Self::number(config, "max_per_page")?
            .or_else(|| {
                self.env("GITHUB_MAX_PER_PAGE")
                    .and_then(|v| v.trim().parse().ok())
            })
            .unwrap_or(100)
            .clamp(1, 100) as u32;
        let mut api = ApiConfig::new("github", base_url.trim().trim_end_matches('/'))
            .header("Accept", "application/vnd.github+json")
            .header("X-GitHub-Api-Version", API_VERSION);
        let mut redactor = Redactor::default();
        if let Some(t) = &token {
            let secret = Secret::new(t.trim());
            redactor.add_known_secret(&secret);
            api = api.secret_header("Authorization", format!("Bearer {}", secret.expose()));
        }
        api.rate_limit = Some(self.options.rate_limit.unwrap_or(RATE_LIMIT));
        api.error_messages = std::sync::Arc::new(api::error_messages);
        api.etag_cache = Some(EtagCache::new(crate::http::etag::DEFAULT_MAX_ENTRIES));
        if let Some(retries) = Self::number(config, "max_retries")? {
            api.max_attempts = (retries.clamp(0, 20) as u32) + 1;
        }
        if let Some(ms) = Self::number(config, "retry_delay_ms")? {
            api.backoff.base = Duration::from_millis(ms.clamp(0, 60_000) as u64);
        }
        if let Some(t) = self.options.timeout {
            api.timeout = t;
        }
        if let Some(n) = self.options.max_attempts {
            api.max_attempts = n.max(1);
        }
        if let Some(b) = self.options.backoff {
            api.backoff = b;
        }
        api.log = self.options.log.clone();
        let client = ApiClient::new(api).map_err(|e| {
            ProviderError::new("Invalid provider configuration").with_detail(format!(
                "provider \"github\": {}",
                redactor.scrub(&e.to_string())
            ))
        })?;
        Ok(Github::new(
            client,
            owner,
            redactor,
            self.options.create_policy.clone().unwrap_or_default(),
            per_page,
        ))
    }
}
