//! `random_integer`: a random whole number in `min..=max`, deterministic for a `seed`; import by
//! `result,min,max[,seed]`.

use infra_lang::{Type, Value};

use super::rng::{for_seed, in_range};
use crate::builtin::common::{
    generating, known, num, object_of, plan_with_keepers, req_int_arg, str_arg, string_map, with_attrs, ArgError,
};
use crate::provider::{PlannedState, ProviderError};
use crate::schema::{Attribute, Schema};

pub fn schema() -> Schema {
    Schema::new(0)
        .attr("id", Attribute::computed(Type::String).describe("The string representation of the integer result."))
        .attr(
            "keepers",
            Attribute::optional(string_map())
                .force_new()
                .describe("Arbitrary map of values that, when changed, will trigger recreation of resource."),
        )
        .attr("min", Attribute::required(Type::Number).force_new().describe("The minimum inclusive value of the range."))
        .attr("max", Attribute::required(Type::Number).force_new().describe("The maximum inclusive value of the range."))
        .attr("seed", Attribute::optional(Type::String).force_new().describe("A custom seed to always produce the same value."))
        .attr("result", Attribute::computed(Type::Number).describe("The random integer result."))
}

fn bounds(obj: &Value) -> Result<(i64, i64), ArgError> {
    let min = req_int_arg(obj, "min", "generate the integer")?;
    let max = req_int_arg(obj, "max", "generate the integer")?;
    if min > max {
        return Err(ArgError::invalid(
            "min",
            format!("the minimum (min = {min}) must be smaller than or equal to the maximum (max = {max})"),
        ));
    }
    Ok((min, max))
}

pub(crate) fn plan(schema: &Schema, prior: &Value, proposed: &Value) -> Result<PlannedState, ProviderError> {
    if known(proposed, "min") && known(proposed, "max") {
        bounds(proposed)?;
    }
    Ok(plan_with_keepers(schema, prior, proposed))
}

pub(crate) fn apply(prior: &Value, planned: &Value) -> Result<Value, ProviderError> {
    if !generating(prior, planned, "result") {
        return Ok(planned.clone());
    }
    let (min, max) = bounds(planned)?;
    let seed = str_arg(planned, "seed", "generate the integer")?;
    let result = in_range(for_seed(seed.as_deref()).as_mut(), min, max);
    Ok(with_attrs(planned, [("result", num(result)), ("id", Value::string(result.to_string()))]))
}

/// Imports `result,min,max` or `result,min,max,seed`.
pub(crate) fn import(schema: &Schema, id: &str) -> Result<Value, ProviderError> {
    let bad = |d: String| ProviderError::new("Invalid import ID").with_detail(d);
    let parts: Vec<&str> = id.splitn(4, ',').collect();
    if parts.len() < 3 {
        return Err(bad(format!("expected \"result,min,max\" or \"result,min,max,seed\", got {id:?}")));
    }
    let int = |name: &str, s: &str| s.trim().parse::<i64>().map_err(|e| bad(format!("{name} {s:?} is not an integer: {e}")));
    let (result, min, max) = (int("result", parts[0])?, int("min", parts[1])?, int("max", parts[2])?);
    if min > max || result < min || result > max {
        return Err(bad(format!("result {result} must lie within min {min} and max {max}")));
    }
    let mut set: Vec<(&'static str, Value)> =
        vec![("result", num(result)), ("id", Value::string(result.to_string())), ("min", num(min)), ("max", num(max))];
    if let Some(seed) = parts.get(3) {
        set.push(("seed", Value::string(*seed)));
    }
    Ok(object_of(schema, set))
}
