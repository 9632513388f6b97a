//! The provider registry: maps full provider source addresses (`hostname/namespace/type`) to
//! provider instances, normalizes the short forms written in `required_providers`, and knows
//! the implied source of a provider local name.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::builtin::{NullProvider, RandomProvider, TerraformProvider, TlsProvider};
use crate::cloudflare::CloudflareProvider;
use crate::github::GithubProvider;
use crate::provider::Provider;

/// The registry host implied by a two-part source such as `hashicorp/null`.
pub const DEFAULT_REGISTRY_HOST: &str = "registry.terraform.io";
/// The namespace implied for a local name without a `required_providers` entry.
pub const DEFAULT_NAMESPACE: &str = "hashicorp";

/// Providers that moved out of the `hashicorp` namespace, as the Terraform Registry still
/// serves them under their old address: a configuration that uses `cloudflare_*` resources
/// without a `required_providers` entry (as the provider's own examples do) implies
/// `hashicorp/cloudflare`, which the registry resolves to `cloudflare/cloudflare`; likewise
/// `github_*` without one implies `hashicorp/github`, which moved to `integrations/github`.
const MOVED: [(&str, &str); 2] = [
    ("registry.terraform.io/hashicorp/cloudflare", CloudflareProvider::SOURCE),
    ("registry.terraform.io/hashicorp/github", GithubProvider::SOURCE),
];

/// Providers available to a run, by full source address.
#[derive(Clone, Default)]
pub struct Registry {
    providers: BTreeMap<&'static str, Arc<dyn Provider>>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry").field("sources", &self.sources()).finish()
    }
}

impl Registry {
    /// A registry with no providers (add some with [`Registry::register`]).
    pub fn empty() -> Registry {
        Registry::default()
    }

    /// All built-in providers: `hashicorp/null`, `hashicorp/random`, `hashicorp/tls`,
    /// `terraform.io/builtin/terraform`, `cloudflare/cloudflare` and `integrations/github`.
    ///
    /// Built once per process (the Cloudflare schemas are parsed from the embedded docs) and
    /// shared: every call returns the same provider instances.
    pub fn builtin() -> Registry {
        static BUILTIN: std::sync::LazyLock<Registry> = std::sync::LazyLock::new(Registry::build_builtin);
        BUILTIN.clone()
    }

    fn build_builtin() -> Registry {
        let mut r = Registry::empty();
        r.register(Arc::new(NullProvider::new()));
        r.register(Arc::new(RandomProvider::new()));
        r.register(Arc::new(TlsProvider::new()));
        r.register(Arc::new(TerraformProvider::new()));
        r.register(Arc::new(CloudflareProvider::new()));
        r.register(Arc::new(GithubProvider::new()));
        r
    }

    /// Adds a provider under its [`Provider::source`], replacing any provider with that source.
    pub fn register(&mut self, provider: Arc<dyn Provider>) {
        self.providers.insert(provider.source(), provider);
    }

    /// The provider for a source address in any accepted form (`hashicorp/null`,
    /// `registry.terraform.io/hashicorp/null`, any letter case), also under the old address of
    /// a provider that moved out of the `hashicorp` namespace (`hashicorp/cloudflare`).
    pub fn get(&self, source: &str) -> Option<Arc<dyn Provider>> {
        let full = Registry::normalize_source(source);
        let full = MOVED.iter().find(|(old, _)| *old == full).map_or(full.as_str(), |(_, new)| *new);
        self.providers.get(full).cloned()
    }

    /// The full form of a source address: lowercased, with the default registry host added to a
    /// `namespace/type` pair. A single name (`null`) is not a source address and is returned
    /// lowercased but otherwise unchanged, so that [`Registry::get`] finds nothing for it.
    pub fn normalize_source(source: &str) -> String {
        let s = source.trim().to_ascii_lowercase();
        let parts: Vec<&str> = s.split('/').collect();
        if parts.iter().any(|p| p.is_empty()) {
            return s;
        }
        match parts.len() {
            2 => format!("{DEFAULT_REGISTRY_HOST}/{s}"),
            _ => s,
        }
    }

    /// The source Terraform implies for a provider local name used without a
    /// `required_providers` entry: `terraform` is the built-in provider, any other valid name
    /// `registry.terraform.io/hashicorp/<name>` (whether or not this registry has it, as in
    /// Terraform; [`Registry::get`] then tells). `None` when `local` is not a valid name.
    pub fn default_source_for_local_name(&self, local: &str) -> Option<String> {
        let valid = !local.is_empty()
            && local.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            && local.chars().next().is_some_and(|c| c.is_ascii_alphabetic());
        if !valid {
            return None;
        }
        let local = local.to_ascii_lowercase();
        if local == "terraform" {
            return Some(TerraformProvider::SOURCE.to_string());
        }
        Some(format!("{DEFAULT_REGISTRY_HOST}/{DEFAULT_NAMESPACE}/{local}"))
    }

    /// The full source addresses of every registered provider, sorted.
    pub fn sources(&self) -> Vec<&'static str> {
        self.providers.keys().copied().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_short_full_and_invalid_sources() {
        assert_eq!(Registry::normalize_source("hashicorp/null"), "registry.terraform.io/hashicorp/null");
        assert_eq!(Registry::normalize_source("HashiCorp/Random"), "registry.terraform.io/hashicorp/random");
        assert_eq!(Registry::normalize_source("registry.terraform.io/hashicorp/null"), "registry.terraform.io/hashicorp/null");
        assert_eq!(Registry::normalize_source("terraform.io/builtin/terraform"), "terraform.io/builtin/terraform");
        assert_eq!(Registry::normalize_source("null"), "null");
        assert_eq!(Registry::normalize_source("/null"), "/null");
    }

    #[test]
    fn local_names() {
        let r = Registry::builtin();
        assert_eq!(r.default_source_for_local_name("terraform").as_deref(), Some("terraform.io/builtin/terraform"));
        assert_eq!(r.default_source_for_local_name("aws").as_deref(), Some("registry.terraform.io/hashicorp/aws"));
        assert_eq!(r.default_source_for_local_name("bad/name"), None);
        // The implied `hashicorp/cloudflare` is the provider that moved to `cloudflare/cloudflare`.
        let implied = r.default_source_for_local_name("cloudflare").unwrap();
        assert_eq!(implied, "registry.terraform.io/hashicorp/cloudflare");
        assert_eq!(r.get(&implied).map(|p| p.source()), Some(CloudflareProvider::SOURCE));
        // So is `hashicorp/github`, which moved to `integrations/github`.
        let implied = r.default_source_for_local_name("github").unwrap();
        assert_eq!(r.get(&implied).map(|p| p.source()), Some(GithubProvider::SOURCE));
        assert_eq!(r.default_source_for_local_name(""), None);
    }
}
