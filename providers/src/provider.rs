//! The `Provider` trait: the contract between the engine and every provider (built-in or cloud),
//! modelled on Terraform's plugin protocol (plan, apply, read, read data source, import).
//!
//! Values crossing this boundary are objects conforming to the schema's object type, with every
//! attribute present (null when unset) and **no marks**: the engine strips sensitive marks before
//! calling and re-applies them (plus the schema's `sensitive` attributes) afterwards. The one
//! exception: a data source may mark parts of its result sensitive (`terraform_remote_state`
//! returns another state's sensitive outputs marked); the engine keeps those marks.

use async_trait::async_trait;
use infra_lang::{Path, PathStep, Value};

use crate::schema::{ProviderSchema, Schema};

/// An error reported by a provider operation. Its text never shows a value registered as
/// sensitive ([`crate::http::register_sensitive`]): providers see plain values, so a message that
/// quotes one is scrubbed when displayed.
#[derive(Debug, Clone)]
pub struct ProviderError {
    pub summary: String,
    pub detail: Option<String>,
}

impl std::fmt::Display for ProviderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let text = match &self.detail {
            Some(d) => format!("{}: {d}", self.summary),
            None => self.summary.clone(),
        };
        f.write_str(&crate::http::scrub_registered(&text))
    }
}

impl std::error::Error for ProviderError {}

impl ProviderError {
    pub fn new(summary: impl Into<String>) -> ProviderError {
        ProviderError { summary: summary.into(), detail: None }
    }
    pub fn with_detail(mut self, d: impl Into<String>) -> ProviderError {
        self.detail = Some(d.into());
        self
    }
}

/// What a provider plans for one resource instance.
#[derive(Clone, Debug, PartialEq)]
pub struct PlannedState {
    /// The state expected after apply; unknown where only apply can tell.
    pub planned: Value,
    /// Attributes whose change forces replacing the object (empty: update in place or no-op).
    pub requires_replace: Vec<Path>,
}

/// A provider: a set of resource types and data sources with their operations.
#[async_trait]
pub trait Provider: Send + Sync {
    /// Full source address, e.g. `registry.terraform.io/hashicorp/null`.
    fn source(&self) -> &'static str;

    fn schema(&self) -> &ProviderSchema;

    /// Receives the evaluated `provider` block (an object of the provider schema's type).
    async fn configure(&self, _config: Value) -> Result<(), ProviderError> {
        Ok(())
    }

    /// Plans a create (`prior` null) or an update. `proposed` is the configuration with computed
    /// attributes that the configuration leaves null taken from `prior`. The default is
    /// [`plan_from_schema`].
    fn plan_resource(&self, type_name: &str, prior: &Value, proposed: &Value) -> Result<PlannedState, ProviderError> {
        let schema = self.resource_schema(type_name)?;
        Ok(plan_from_schema(schema, prior, proposed))
    }

    /// Applies a planned change: create (`prior` null), update, or delete (`planned` null).
    /// Returns the new state (null after a delete).
    async fn apply_resource(&self, type_name: &str, prior: &Value, planned: &Value) -> Result<Value, ProviderError>;

    /// Reads the current remote object; `None` when it no longer exists.
    async fn read_resource(&self, type_name: &str, current: &Value) -> Result<Option<Value>, ProviderError>;

    /// Reads many instances of one resource type at once (refresh during plan). The answer has
    /// one entry per input, in order: `None` when that object no longer exists. Providers whose
    /// API can list objects override this so that refreshing N objects costs a few list calls
    /// instead of N reads; the default reads each one, up to 8 at a time.
    async fn read_many(&self, type_name: &str, currents: &[Value]) -> Vec<Result<Option<Value>, ProviderError>> {
        let mut out = Vec::with_capacity(currents.len());
        for chunk in currents.chunks(8) {
            let reads: Vec<_> = chunk.iter().map(|c| self.read_resource(type_name, c)).collect();
            out.extend(futures_util::future::join_all(reads).await);
        }
        out
    }

    /// Reads a data source from its configuration.
    async fn read_data_source(&self, type_name: &str, _config: &Value) -> Result<Value, ProviderError> {
        Err(ProviderError::new(format!("data source {type_name} is not supported by {}", self.source())))
    }

    /// Adopts an existing object by its import ID.
    async fn import_resource(&self, type_name: &str, _id: &str) -> Result<Value, ProviderError> {
        Err(ProviderError::new(format!("resource type {type_name} does not support import")))
    }

    /// Schema of a resource type, or an error naming the type.
    fn resource_schema(&self, type_name: &str) -> Result<&Schema, ProviderError> {
        self.schema()
            .resources
            .get(type_name)
            .ok_or_else(|| ProviderError::new(format!("provider {} has no resource type {type_name}", self.source())))
    }
}

/// Schema-driven planning that most resource types need:
/// * create: computed attributes the configuration leaves null become unknown;
/// * update: a changed `force_new` attribute requires replacement, and then computed attributes
///   left null by the configuration become unknown again (the new object gets new ones);
///   otherwise computed attributes keep their prior values.
pub fn plan_from_schema(schema: &Schema, prior: &Value, proposed: &Value) -> PlannedState {
    let mut requires_replace = Vec::new();
    if !prior.is_null() {
        for (name, attr) in &schema.attributes {
            if attr.force_new && prior.get_attr(name) != proposed.get_attr(name) {
                requires_replace.push(vec![PathStep::Attr(name.clone())]);
            }
        }
    }
    let creating = prior.is_null() || !requires_replace.is_empty();
    let mut attrs = proposed.as_entries().cloned().unwrap_or_default();
    for (name, attr) in &schema.attributes {
        if !attr.computed {
            continue;
        }
        let configured = attrs.get(name).map(|v| !v.is_null()).unwrap_or(false);
        if configured && attr.optional {
            continue;
        }
        let v = if creating { Value::Unknown(attr.ty.clone()) } else { prior.get_attr(name).unwrap_or(Value::Null(attr.ty.clone())) };
        attrs.insert(name.clone(), v);
    }
    PlannedState { planned: Value::Object(attrs), requires_replace }
}
