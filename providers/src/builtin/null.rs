//! `registry.terraform.io/hashicorp/null` (as terraform-provider-null v3): the `null_resource`
//! resource, which does nothing but hold a random id and replace itself when `triggers` change,
//! and the deprecated `null_data_source` data source.

use async_trait::async_trait;
use infra_lang::{Type, Value};
use rand::Rng;

use crate::builtin::common::{attr, deleted, string_map, with_attrs};
use crate::provider::{Provider, ProviderError};
use crate::schema::{Attribute, ProviderSchema, Schema};

/// The null provider.
pub struct NullProvider {
    schema: ProviderSchema,
}

impl NullProvider {
    pub const SOURCE: &'static str = "registry.terraform.io/hashicorp/null";

    pub fn new() -> NullProvider {
        let mut schema = ProviderSchema::default();
        schema.resources.insert(
            "null_resource".into(),
            Schema::new(0)
                .attr("id", Attribute::computed(Type::String).describe("This is set to a random value at create time."))
                .attr(
                    "triggers",
                    Attribute::optional(string_map())
                        .force_new()
                        .describe("A map of arbitrary strings that, when changed, will force the null resource to be replaced, re-running any associated provisioners."),
                ),
        );
        schema.data_sources.insert(
            "null_data_source".into(),
            Schema::new(0)
                .attr(
                    "has_computed_default",
                    Attribute::optional_computed(Type::String)
                        .describe("If set, its literal value will be stored and returned. If not, its value defaults to `\"default\"`."),
                )
                .attr("id", Attribute::computed(Type::String).describe("This attribute is only present for some legacy compatibility issues and should not be used. It will be removed in a future version."))
                .attr("inputs", Attribute::optional(string_map()).describe("A map of arbitrary strings that is copied into the `outputs` attribute, and accessible directly for interpolation."))
                .attr("outputs", Attribute::computed(string_map()).describe("After the data source is \"read\", a copy of the `inputs` map."))
                .attr("random", Attribute::computed(Type::String).describe("A random value. This is primarily for testing and has little practical use; prefer the hashicorp/random provider for more practical random number use-cases.")),
        );
        NullProvider { schema }
    }
}

impl Default for NullProvider {
    fn default() -> NullProvider {
        NullProvider::new()
    }
}

/// A non-negative random int64 in decimal, like Go's `rand.Int()` that the real provider uses.
fn random_int_string() -> String {
    rand::rng().random_range(0..=i64::MAX).to_string()
}

#[async_trait]
impl Provider for NullProvider {
    fn source(&self) -> &'static str {
        Self::SOURCE
    }

    fn schema(&self) -> &ProviderSchema {
        &self.schema
    }

    async fn apply_resource(&self, type_name: &str, prior: &Value, planned: &Value) -> Result<Value, ProviderError> {
        let schema = self.resource_schema(type_name)?;
        if planned.is_null() {
            return Ok(deleted(schema));
        }
        if prior.is_null() || !attr(planned, "id").is_known() {
            return Ok(with_attrs(planned, [("id", Value::string(random_int_string()))]));
        }
        Ok(planned.clone())
    }

    async fn read_resource(&self, type_name: &str, current: &Value) -> Result<Option<Value>, ProviderError> {
        self.resource_schema(type_name)?;
        Ok(Some(current.clone()))
    }

    async fn read_data_source(&self, type_name: &str, config: &Value) -> Result<Value, ProviderError> {
        if !self.schema.data_sources.contains_key(type_name) {
            return Err(ProviderError::new(format!("provider {} has no data source {type_name}", Self::SOURCE)));
        }
        let inputs = match attr(config, "inputs") {
            Value::Null(_) => Value::Null(string_map()),
            v => v,
        };
        let default = match attr(config, "has_computed_default") {
            v @ Value::String(_) => v,
            _ => Value::string("default"),
        };
        Ok(with_attrs(
            config,
            [
                ("inputs", inputs.clone()),
                ("outputs", inputs),
                ("random", Value::string(random_int_string())),
                ("has_computed_default", default),
                ("id", Value::string("static")),
            ],
        ))
    }
}
