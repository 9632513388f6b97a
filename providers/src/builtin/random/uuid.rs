//! `random_uuid`: a random (version 4) UUID; import by the UUID.

use infra_lang::{Type, Value};

use crate::builtin::common::{generating, object_of, plan_with_keepers, string_map, with_attrs};
use crate::provider::{PlannedState, ProviderError};
use crate::schema::{Attribute, Schema};

pub fn schema() -> Schema {
    Schema::new(0)
        .attr("id", Attribute::computed(Type::String).describe("The generated uuid presented in string format."))
        .attr(
            "keepers",
            Attribute::optional(string_map())
                .force_new()
                .describe("Arbitrary map of values that, when changed, will trigger recreation of resource."),
        )
        .attr("result", Attribute::computed(Type::String).describe("The generated uuid presented in string format."))
}

pub(crate) fn plan(schema: &Schema, prior: &Value, proposed: &Value) -> Result<PlannedState, ProviderError> {
    Ok(plan_with_keepers(schema, prior, proposed))
}

pub(crate) fn apply(prior: &Value, planned: &Value) -> Result<Value, ProviderError> {
    if !generating(prior, planned, "result") {
        return Ok(planned.clone());
    }
    let u = uuid::Uuid::new_v4().to_string();
    Ok(with_attrs(planned, [("result", Value::string(u.clone())), ("id", Value::string(u))]))
}

pub(crate) fn import(schema: &Schema, id: &str) -> Result<Value, ProviderError> {
    uuid::Uuid::parse_str(id).map_err(|e| {
        ProviderError::new("Invalid import ID").with_detail(format!("{id:?} is not a UUID: {e}"))
    })?;
    Ok(object_of(schema, [("result", Value::string(id)), ("id", Value::string(id))]))
}
