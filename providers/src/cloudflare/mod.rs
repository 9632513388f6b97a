//! `registry.terraform.io/cloudflare/cloudflare`: infra's built-in Cloudflare provider, following
//! the official Terraform provider **v5** (same type names, attribute names and nested
//! attributes, import IDs), so configurations move over unchanged.
//!
//! - [`api`]: the configured client ([`api::Cloudflare`]): envelope, pagination, errors.
//! - Resources: [`dns_record`], [`zone_setting`], [`ruleset`], [`healthcheck`], [`page_rule`].
//! - Data sources: [`zone`] (`cloudflare_zone`, `cloudflare_zones`), [`dns_records`],
//!   [`ruleset`] (`cloudflare_ruleset`).
//!
//! Schemas are read from the official documentation pages embedded under `docs/` (see its
//! README) plus, per type, what the pages leave out. Credentials come from the `provider
//! "cloudflare"` block or the environment (`CLOUDFLARE_API_TOKEN`, or `CLOUDFLARE_API_KEY` with
//! `CLOUDFLARE_EMAIL`, or `CLOUDFLARE_API_USER_SERVICE_KEY`; `CLOUDFLARE_BASE_URL`); one HTTP
//! client per configured provider, shared by every resource, keeps the whole run under
//! Cloudflare's 1,200 requests per 5 minutes.

pub mod api;
pub mod dns_record;
pub mod dns_records;
pub mod healthcheck;
pub mod page_rule;
pub mod ruleset;
pub mod zone;
pub mod zone_setting;

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use infra_lang::Value;

use crate::http::{
    default_user_agent, ApiClient, ApiConfig, Backoff, LogSink, RateLimit, Redactor, Secret,
};
use crate::provider::ProviderError;
use crate::rest::docschema::parse_schema;
use crate::rest::idempotent::CreatePolicy;
use crate::rest::resource::{Configure, RestProvider, TypeSpec};
use crate::schema::Schema;

use self::api::Cloudflare;

/// The default API endpoint.
pub const DEFAULT_BASE_URL: &str = "https://api.cloudflare.com/client/v4";

/// The schema version of every resource type, as in v5 (so a v5 state file's `schema_version`
/// matches).
pub const SCHEMA_VERSION: u64 = 500;

/// Cloudflare's budget: 1,200 requests per 5 minutes per user.
pub const RATE_LIMIT: RateLimit = RateLimit {
    requests: 1200,
    per: Duration::from_secs(300),
};

const PROVIDER_DOC: &str = include_str!("docs/provider.md");

/// Knobs for embedding and tests; [`CloudflareOptions::default`] is what users get.
#[derive(Clone, Default)]
pub struct CloudflareOptions {
    /// Per-attempt HTTP timeout (default 30 s, or `INFRA_HTTP_TIMEOUT`).
    pub timeout: Option<Duration>,
    /// HTTP attempts per request (default 5).
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

impl fmt::Debug for CloudflareOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CloudflareOptions")
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

/// The Cloudflare provider.
pub struct CloudflareProvider {
    inner: RestProvider<Cloudflare>,
    schema_errors: Vec<String>,
}

impl CloudflareProvider {
    pub const SOURCE: &'static str = "registry.terraform.io/cloudflare/cloudflare";

    pub fn new() -> CloudflareProvider {
        CloudflareProvider::with_options(CloudflareOptions::default())
    }

    pub fn with_options(options: CloudflareOptions) -> CloudflareProvider {
        let mut errors = Vec::new();
        let provider_schema = match parse_schema(PROVIDER_DOC) {
            Ok(block) => block.engine_schema(0),
            Err(e) => {
                errors.push(format!("provider: {e}"));
                Schema::new(0)
            }
        };
        let mut take = |(spec, errs): (TypeSpec, Vec<String>)| {
            errors.extend(errs);
            spec
        };
        let inner = RestProvider::new(
            Self::SOURCE,
            Configurer {
                schema: provider_schema,
                options,
            },
        )
        .resource(dns_record::DnsRecord::new(take(dns_record::spec())))
        .resource(zone_setting::ZoneSetting::new(take(zone_setting::spec())))
        .resource(ruleset::Ruleset::new(take(ruleset::spec())))
        .resource(healthcheck::Healthcheck::new(take(healthcheck::spec())))
        .resource(page_rule::PageRule::new(take(page_rule::spec())))
        .data_source(zone::ZoneData::new(take(zone::zone_spec())))
        .data_source(zone::ZonesData::new(take(zone::zones_spec())))
        .data_source(dns_records::DnsRecordsData::new(take(dns_records::spec())))
        .data_source(ruleset::RulesetData::new(take(ruleset::data_spec())));
        CloudflareProvider {
            inner,
            schema_errors: errors,
        }
    }

    /// Problems found while building the schemas from the embedded documentation (always
    /// empty in a correct build; the schema tests assert it).
    pub fn schema_errors(&self) -> &[String] {
        &self.schema_errors
    }

    /// The nested-attribute specs of every type.
    pub fn specs(&self) -> Vec<&TypeSpec> {
        self.inner.specs()
    }
}

impl Default for CloudflareProvider {
    fn default() -> CloudflareProvider {
        CloudflareProvider::new()
    }
}

crate::forward_provider!(CloudflareProvider);

/// How requests authenticate.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Auth {
    Token(Secret),
    Key { key: Secret, email: String },
    UserServiceKey(Secret),
}

struct Configurer {
    schema: Schema,
    options: CloudflareOptions,
}

impl Configurer {
    fn env(&self, name: &str) -> Option<String> {
        let v = match &self.options.env {
            Some(vars) => vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()),
            None => std::env::var(name).ok(),
        };
        v.filter(|v| !v.trim().is_empty())
    }

    /// Reads the provider block: a string attribute, `None` when null.
    fn setting(config: &Value, name: &str) -> Result<Option<String>, ProviderError> {
        let v = config
            .get_attr(name)
            .map(|v| v.unmark_deep().0)
            .unwrap_or_else(Value::null);
        match v {
            Value::Null(_) => Ok(None),
            Value::Unknown(_) => Err(ProviderError::new("Provider configuration is not known yet").with_detail(format!(
                "the `{name}` argument of provider \"cloudflare\" depends on a value that is known only after apply; \
                 configure it from values known at plan time (variables, data sources) or apply in two steps"
            ))),
            Value::String(s) => Ok(Some(s)),
            other => Err(ProviderError::new("Invalid provider configuration").with_detail(format!("`{name}` must be a string, got {}", other.ty()))),
        }
    }

    fn auth(&self, config: &Value) -> Result<Auth, ProviderError> {
        let token = Self::setting(config, "api_token")?;
        let key = Self::setting(config, "api_key")?;
        let service_key = Self::setting(config, "api_user_service_key")?;
        let email = Self::setting(config, "email")?;
        let configured = [token.is_some(), key.is_some(), service_key.is_some()]
            .iter()
            .filter(|b| **b)
            .count();
        if configured > 1 {
            return Err(ProviderError::new("Invalid provider configuration")
                .with_detail("provider \"cloudflare\": set only one of `api_token`, `api_key` and `api_user_service_key`"));
        }
        if token.is_some() && email.is_some() {
            return Err(ProviderError::new("Invalid provider configuration")
                .with_detail("provider \"cloudflare\": `email` conflicts with `api_token` (the email goes with `api_key`)"));
        }
        let (token, key, service_key) = if configured == 1 {
            (token, key, service_key)
        } else {
            (
                self.env("CLOUDFLARE_API_TOKEN"),
                self.env("CLOUDFLARE_API_KEY"),
                self.env("CLOUDFLARE_API_USER_SERVICE_KEY"),
            )
        };
        if let Some(t) = token {
            return Ok(Auth::Token(Secret::new(t.trim())));
        }
        if let Some(k) = key {
            let email = email
                .or_else(|| self.env("CLOUDFLARE_EMAIL"))
                .ok_or_else(|| {
                    ProviderError::new("Invalid provider configuration").with_detail(
                        "provider \"cloudflare\": `api_key` needs `email` (or CLOUDFLARE_EMAIL)",
                    )
                })?;
            return Ok(Auth::Key {
                key: Secret::new(k.trim()),
                email,
            });
        }
        if let Some(k) = service_key {
            return Ok(Auth::UserServiceKey(Secret::new(k.trim())));
        }
        Err(ProviderError::new("No Cloudflare credentials").with_detail(
            "set `api_token` in the provider \"cloudflare\" block or the CLOUDFLARE_API_TOKEN environment variable \
             (or `api_key` with `email`, i.e. CLOUDFLARE_API_KEY with CLOUDFLARE_EMAIL)",
        ))
    }
}

#[async_trait]
impl Configure<Cloudflare> for Configurer {
    fn schema(&self) -> &Schema {
        &self.schema
    }

    async fn configure(&self, config: &Value) -> Result<Cloudflare, ProviderError> {
        let auth = self.auth(config)?;
        let base_url = Self::setting(config, "base_url")?
            .or_else(|| self.env("CLOUDFLARE_BASE_URL"))
            .unwrap_or_else(|| DEFAULT_BASE_URL.to_string());
        let suffix = Self::setting(config, "user_agent_operator_suffix")?
            .or_else(|| self.env("CLOUDFLARE_USER_AGENT_OPERATOR_SUFFIX"));
        let mut api = ApiConfig::new("cloudflare", base_url.trim_end_matches('/'));
        let mut redactor = Redactor::default();
        match &auth {
            Auth::Token(t) => {
                redactor.add_known_secret(t);
                api = api.secret_header("Authorization", format!("Bearer {}", t.expose()));
            }
            Auth::Key { key, email } => {
                redactor.add_known_secret(key);
                api = api
                    .secret_header("X-Auth-Key", key.clone())
                    .secret_header("X-Auth-Email", email.clone());
            }
            Auth::UserServiceKey(k) => {
                redactor.add_known_secret(k);
                api = api.secret_header("X-Auth-User-Service-Key", k.clone());
            }
        }
        api.user_agent = match suffix {
            Some(s) => format!("{} {s}", default_user_agent()),
            None => default_user_agent(),
        };
        api.rate_limit = Some(self.options.rate_limit.unwrap_or(RATE_LIMIT));
        api.error_messages = std::sync::Arc::new(api::error_messages);
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
                "provider \"cloudflare\": {}",
                redactor.scrub(&e.to_string())
            ))
        })?;
        Ok(Cloudflare::new(
            client,
            redactor,
            self.options.create_policy.clone().unwrap_or_default(),
        ))
    }
}

/// `what` for error messages: `creating cloudflare_dns_record`.
pub(crate) fn op(verb: &str, type_name: &str) -> String {
    format!("{verb} {type_name}")
}
