//! `terraform.io/builtin/terraform`: the `terraform_data` resource of Terraform 1.4+, which
//! stores `input` as `output` at apply, replaces itself when `triggers_replace` changes and
//! re-computes `output` in place when `input` changes.

use async_trait::async_trait;
use infra_lang::{PathStep, Type, Value};

use crate::builtin::common::{attr, deleted, with_attrs};
use crate::provider::{PlannedState, Provider, ProviderError};
use crate::schema::{Attribute, ProviderSchema, Schema};

/// The built-in `terraform` provider.
pub struct TerraformProvider {
    schema: ProviderSchema,
}

impl TerraformProvider {
    pub const SOURCE: &'static str = "terraform.io/builtin/terraform";

    pub fn new() -> TerraformProvider {
        let mut schema = ProviderSchema::default();
        schema.resources.insert(
            "terraform_data".into(),
            Schema::new(0)
                .attr("id", Attribute::computed(Type::String).describe("A unique ID for this resource instance."))
                .attr(
                    "input",
                    Attribute::optional(Type::Dynamic).describe(
                        "A value which will be stored in the instance state, and reflected in the output attribute after apply.",
                    ),
                )
                .attr(
                    "output",
                    Attribute::computed(Type::Dynamic).marks_from("input").describe(
                        "The computed value derived from the input argument. During a plan where output is unknown, it will still be of the same type as input.",
                    ),
                )
                .attr(
                    "triggers_replace",
                    Attribute::optional(Type::Dynamic)
                        .force_new()
                        .describe("A value which is stored in the instance state, and will force replacement when the value changes."),
                ),
        );
        TerraformProvider { schema }
    }
}

impl Default for TerraformProvider {
    fn default() -> TerraformProvider {
        TerraformProvider::new()
    }
}

/// The planned `output` of a new object: null when `input` is null, else unknown of its type.
fn fresh_output(input: &Value) -> Value {
    if input.is_null() {
        input.clone()
    } else {
        Value::Unknown(input.ty())
    }
}

#[async_trait]
impl Provider for TerraformProvider {
    fn source(&self) -> &'static str {
        Self::SOURCE
    }

    fn schema(&self) -> &ProviderSchema {
        &self.schema
    }

    /// Terraform's `planDataStoreResourceChange`: create and replace plan a new `id`; a changed
    /// `input` alone is an in-place update whose `output` is unknown.
    fn plan_resource(&self, type_name: &str, prior: &Value, proposed: &Value) -> Result<PlannedState, ProviderError> {
        self.resource_schema(type_name)?;
        if proposed.is_null() {
            return Ok(PlannedState { planned: proposed.clone(), requires_replace: Vec::new() });
        }
        let input = attr(proposed, "input");
        let trigger = attr(proposed, "triggers_replace");
        let mut requires_replace = Vec::new();
        let planned = if prior.is_null() {
            with_attrs(proposed, [("id", Value::Unknown(Type::String)), ("output", fresh_output(&input))])
        } else if attr(prior, "triggers_replace") != trigger {
            requires_replace.push(vec![PathStep::Attr("triggers_replace".into())]);
            with_attrs(proposed, [("id", Value::Unknown(Type::String)), ("output", fresh_output(&input))])
        } else if attr(prior, "input") != input {
            with_attrs(proposed, [("id", attr(prior, "id")), ("output", Value::Unknown(input.ty()))])
        } else {
            with_attrs(proposed, [("id", attr(prior, "id")), ("output", attr(prior, "output"))])
        };
        Ok(PlannedState { planned, requires_replace })
    }

    async fn apply_resource(&self, type_name: &str, _prior: &Value, planned: &Value) -> Result<Value, ProviderError> {
        let schema = self.resource_schema(type_name)?;
        if planned.is_null() {
            return Ok(deleted(schema));
        }
        let mut state = planned.clone();
        if !attr(planned, "output").is_known() {
            state = with_attrs(&state, [("output", attr(planned, "input"))]);
        }
        if !attr(planned, "id").is_known() {
            state = with_attrs(&state, [("id", Value::string(uuid::Uuid::new_v4().to_string()))]);
        }
        Ok(state)
    }

    async fn read_resource(&self, type_name: &str, current: &Value) -> Result<Option<Value>, ProviderError> {
        self.resource_schema(type_name)?;
        Ok(Some(current.clone()))
    }

    async fn import_resource(&self, type_name: &str, _id: &str) -> Result<Value, ProviderError> {
        self.resource_schema(type_name)?;
        Err(ProviderError::new(format!("resource type {type_name} does not support import")))
    }
}
