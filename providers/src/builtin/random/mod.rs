//! `registry.terraform.io/hashicorp/random`: the logical random resources of
//! terraform-provider-random v3 (`random_string`, `random_password`, `random_id`,
//! `random_integer`, `random_shuffle`, `random_uuid`). Every argument forces replacement; values
//! are generated at apply and then kept in state.

mod id;
mod integer;
mod rng;
mod shuffle;
mod string;
mod uuid;

use async_trait::async_trait;
use infra_lang::Value;

use crate::builtin::common::deleted;
use crate::provider::{PlannedState, Provider, ProviderError};
use crate::schema::ProviderSchema;

pub use string::DEFAULT_SPECIAL;

/// The random provider.
pub struct RandomProvider {
    schema: ProviderSchema,
}

impl RandomProvider {
    pub const SOURCE: &'static str = "registry.terraform.io/hashicorp/random";

    pub fn new() -> RandomProvider {
        let mut schema = ProviderSchema::default();
        schema.resources.insert("random_string".into(), string::schema(false));
        schema.resources.insert("random_password".into(), string::schema(true));
        schema.resources.insert("random_id".into(), id::schema());
        schema.resources.insert("random_integer".into(), integer::schema());
        schema.resources.insert("random_shuffle".into(), shuffle::schema());
        schema.resources.insert("random_uuid".into(), uuid::schema());
        RandomProvider { schema }
    }
}

impl Default for RandomProvider {
    fn default() -> RandomProvider {
        RandomProvider::new()
    }
}

#[async_trait]
impl Provider for RandomProvider {
    fn source(&self) -> &'static str {
        Self::SOURCE
    }

    fn schema(&self) -> &ProviderSchema {
        &self.schema
    }

    fn plan_resource(&self, type_name: &str, prior: &Value, proposed: &Value) -> Result<PlannedState, ProviderError> {
        let schema = self.resource_schema(type_name)?;
        if proposed.is_null() {
            return Ok(PlannedState { planned: proposed.clone(), requires_replace: Vec::new() });
        }
        match type_name {
            "random_string" | "random_password" => string::plan(schema, prior, proposed),
            "random_id" => id::plan(schema, prior, proposed),
            "random_integer" => integer::plan(schema, prior, proposed),
            "random_shuffle" => shuffle::plan(schema, prior, proposed),
            _ => uuid::plan(schema, prior, proposed),
        }
    }

    async fn apply_resource(&self, type_name: &str, prior: &Value, planned: &Value) -> Result<Value, ProviderError> {
        let schema = self.resource_schema(type_name)?;
        if planned.is_null() {
            return Ok(deleted(schema));
        }
        match type_name {
            "random_string" => string::apply(false, prior, planned),
            "random_password" => string::apply(true, prior, planned),
            "random_id" => id::apply(prior, planned),
            "random_integer" => integer::apply(prior, planned),
            "random_shuffle" => shuffle::apply(prior, planned),
            _ => uuid::apply(prior, planned),
        }
    }

    async fn read_resource(&self, type_name: &str, current: &Value) -> Result<Option<Value>, ProviderError> {
        self.resource_schema(type_name)?;
        Ok(Some(current.clone()))
    }

    async fn import_resource(&self, type_name: &str, import_id: &str) -> Result<Value, ProviderError> {
        let schema = self.resource_schema(type_name)?;
        match type_name {
            "random_string" => string::import(schema, false, import_id),
            "random_password" => string::import(schema, true, import_id),
            "random_id" => id::import(schema, import_id),
            "random_integer" => integer::import(schema, import_id),
            "random_uuid" => uuid::import(schema, import_id),
            _ => Err(ProviderError::new(format!("resource type {type_name} does not support import"))),
        }
    }
}
