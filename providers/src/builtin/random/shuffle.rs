//! `random_shuffle`: a random permutation of `input`, truncated or extended (by further
//! permutations) to `result_count`, deterministic for a `seed`.

use infra_lang::{Type, Value};

use super::rng::{for_seed, shuffle};
use crate::builtin::common::{
    generating, int_arg, known, plan_with_keepers, str_arg, string_list_arg, string_map, with_attrs, ArgError,
    MAX_GENERATED,
};
use crate::provider::{PlannedState, ProviderError};
use crate::schema::{Attribute, Schema};

pub fn schema() -> Schema {
    Schema::new(0)
        .attr("id", Attribute::computed(Type::String).describe("A static value used internally by Terraform, this should not be referenced in configurations."))
        .attr(
            "keepers",
            Attribute::optional(string_map())
                .force_new()
                .describe("Arbitrary map of values that, when changed, will trigger recreation of resource."),
        )
        .attr("input", Attribute::required(Type::list(Type::String)).force_new().describe("The list of strings to shuffle."))
        .attr(
            "result_count",
            Attribute::optional(Type::Number)
                .force_new()
                .describe("The number of results to return. Defaults to the number of items in the `input` list. If fewer items are requested, some elements will be excluded from the result. If more items are requested, items will be repeated in the result but not more frequently than the number of items in the input list."),
        )
        .attr("seed", Attribute::optional(Type::String).force_new().describe("Arbitrary string with which to seed the random number generator, in order to produce less-volatile permutations of the list."))
        .attr("result", Attribute::computed(Type::list(Type::String)).describe("Random permutation of the list of strings given in `input`."))
}

fn result_count(obj: &Value) -> Result<Option<usize>, ArgError> {
    match int_arg(obj, "result_count", "shuffle the input")? {
        None | Some(0) => Ok(None),
        Some(n) if n < 0 => Err(ArgError::invalid("result_count", format!("must be at least 0, got {n}"))),
        Some(n) if n > MAX_GENERATED => {
            Err(ArgError::invalid("result_count", format!("must be at most {MAX_GENERATED}, got {n}")))
        }
        Some(n) => Ok(Some(n as usize)),
    }
}

pub(crate) fn plan(schema: &Schema, prior: &Value, proposed: &Value) -> Result<PlannedState, ProviderError> {
    if known(proposed, "result_count") {
        result_count(proposed)?;
    }
    Ok(plan_with_keepers(schema, prior, proposed))
}

pub(crate) fn apply(prior: &Value, planned: &Value) -> Result<Value, ProviderError> {
    if !generating(prior, planned, "result") {
        return Ok(planned.clone());
    }
    let input = string_list_arg(planned, "input", "shuffle the input")?.unwrap_or_default();
    let count = result_count(planned)?.unwrap_or(input.len());
    let seed = str_arg(planned, "seed", "shuffle the input")?;
    let mut rng = for_seed(seed.as_deref());
    let mut result = Vec::with_capacity(count);
    if !input.is_empty() {
        while result.len() < count {
            let mut perm: Vec<usize> = (0..input.len()).collect();
            shuffle(rng.as_mut(), &mut perm);
            let take = (count - result.len()).min(perm.len());
            result.extend(perm[..take].iter().map(|&i| input[i].clone()));
        }
    }
    Ok(with_attrs(planned, [("result", Value::List(Type::String, result)), ("id", Value::string("-"))]))
}
