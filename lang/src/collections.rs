//! Collection helpers: Terraform's set ordering and deduplication.

use std::cmp::Ordering;

use crate::types::Type;
use crate::value::Value;

/// Builds a set: sorts elements in Terraform's set order and removes duplicates.
pub fn make_set(elem: Type, mut vs: Vec<Value>) -> Value {
    vs.sort_by(set_order);
    vs.dedup();
    Value::Set(elem, vs)
}

/// Terraform's set order: known before unknown, strings lexically, numbers numerically,
/// false before true, other values by their JSON rendering.
pub fn set_order(a: &Value, b: &Value) -> Ordering {
    match (a.unmarked(), b.unmarked()) {
        (Value::Unknown(_), Value::Unknown(_)) => Ordering::Equal,
        (Value::Unknown(_), _) => Ordering::Greater,
        (_, Value::Unknown(_)) => Ordering::Less,
        (Value::String(x), Value::String(y)) => x.cmp(y),
        (Value::Number(x), Value::Number(y)) => x.total_cmp(y),
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        (x, y) => x.to_json().to_string().cmp(&y.to_json().to_string()),
    }
}
