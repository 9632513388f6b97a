//! `random_id`: random bytes rendered as base64 (URL and standard), hex and decimal, each
//! with the optional `prefix`; import by the base64url form (optionally `prefix,b64url`).

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use infra_lang::{Type, Value};

use super::rng::Secure;
use crate::builtin::common::{
    generating, known, num, object_of, plan_with_keepers, req_int_arg, str_arg, string_map, with_attrs, ArgError,
    MAX_GENERATED,
};
use crate::provider::{PlannedState, ProviderError};
use crate::schema::{Attribute, Schema};

pub fn schema() -> Schema {
    let computed = |d: &'static str| Attribute::computed(Type::String).describe(d);
    Schema::new(0)
        .attr("id", computed("The generated id presented in base64 without additional transformations or prefix."))
        .attr(
            "keepers",
            Attribute::optional(string_map())
                .force_new()
                .describe("Arbitrary map of values that, when changed, will trigger recreation of resource."),
        )
        .attr(
            "byte_length",
            Attribute::required(Type::Number).force_new().describe("The number of random bytes to produce. The minimum value is 1."),
        )
        .attr(
            "prefix",
            Attribute::optional(Type::String)
                .force_new()
                .describe("Arbitrary string to prefix the output value with. This string is supplied as-is, meaning it is not guaranteed to be URL-safe or base64 encoded."),
        )
        .attr("b64_url", computed("The generated id presented in base64, using the URL-friendly character set: case-sensitive letters, digits and the characters `_` and `-`."))
        .attr("b64_std", computed("The generated id presented in base64 without additional transformations."))
        .attr("hex", computed("The generated id presented in padded hexadecimal digits. This result will always be twice as long as the requested byte length."))
        .attr("dec", computed("The generated id presented in non-padded decimal digits."))
}

fn byte_length(obj: &Value) -> Result<usize, ArgError> {
    let n = req_int_arg(obj, "byte_length", "generate the id")?;
    if n < 1 {
        return Err(ArgError::invalid("byte_length", format!("must be at least 1, got {n}")));
    }
    if n > MAX_GENERATED {
        return Err(ArgError::invalid("byte_length", format!("must be at most {MAX_GENERATED}, got {n}")));
    }
    Ok(n as usize)
}

pub(crate) fn plan(schema: &Schema, prior: &Value, proposed: &Value) -> Result<PlannedState, ProviderError> {
    if known(proposed, "byte_length") {
        byte_length(proposed)?;
    }
    Ok(plan_with_keepers(schema, prior, proposed))
}

/// The computed attributes for `bytes`, as the real provider sets them: every form but `id`
/// carries the prefix.
fn renderings(prefix: &str, bytes: &[u8]) -> [(&'static str, Value); 5] {
    let b64_url = URL_SAFE_NO_PAD.encode(bytes);
    [
        ("b64_url", Value::string(format!("{prefix}{b64_url}"))),
        ("id", Value::string(b64_url)),
        ("b64_std", Value::string(format!("{prefix}{}", STANDARD.encode(bytes)))),
        ("hex", Value::string(format!("{prefix}{}", hex_string(bytes)))),
        ("dec", Value::string(format!("{prefix}{}", big_decimal(bytes)))),
    ]
}

pub(crate) fn apply(prior: &Value, planned: &Value) -> Result<Value, ProviderError> {
    if !generating(prior, planned, "id") {
        return Ok(planned.clone());
    }
    let n = byte_length(planned)?;
    let prefix = str_arg(planned, "prefix", "render the id")?.unwrap_or_default();
    let mut bytes = vec![0u8; n];
    Secure::new().fill(&mut bytes);
    Ok(with_attrs(planned, renderings(&prefix, &bytes)))
}

/// Imports `b64url` or `prefix,b64url` (the prefix is everything before the last comma).
pub(crate) fn import(schema: &Schema, id: &str) -> Result<Value, ProviderError> {
    let (prefix, encoded) = match id.rfind(',') {
        Some(i) => (&id[..i], &id[i + 1..]),
        None => ("", id),
    };
    let bytes = URL_SAFE_NO_PAD.decode(encoded).map_err(|e| {
        ProviderError::new("Invalid import ID")
            .with_detail(format!("expected the id in unpadded base64url, optionally preceded by \"prefix,\": {e}"))
    })?;
    if bytes.is_empty() {
        return Err(ProviderError::new("Invalid import ID").with_detail("the id decodes to zero bytes"));
    }
    let mut set: Vec<(&'static str, Value)> = renderings(prefix, &bytes).into();
    set.push(("byte_length", num(bytes.len() as i64)));
    if !prefix.is_empty() {
        set.push(("prefix", Value::string(prefix)));
    }
    Ok(object_of(schema, set))
}

fn hex_string(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The bytes as a big-endian unsigned integer in decimal (Go's `big.Int.SetBytes(..).String()`).
pub(crate) fn big_decimal(bytes: &[u8]) -> String {
    const BASE: u64 = 1_000_000_000;
    // Little-endian limbs in base 10^9.
    let mut limbs: Vec<u64> = Vec::new();
    for &b in bytes {
        let mut carry = u64::from(b);
        for limb in limbs.iter_mut() {
            let v = *limb * 256 + carry;
            *limb = v % BASE;
            carry = v / BASE;
        }
        while carry > 0 {
            limbs.push(carry % BASE);
            carry /= BASE;
        }
    }
    let mut out = match limbs.last() {
        Some(top) => top.to_string(),
        None => return "0".to_string(),
    };
    for limb in limbs.iter().rev().skip(1) {
        out.push_str(&format!("{limb:09}"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn big_decimal_matches_native_integers() {
        assert_eq!(big_decimal(&[]), "0");
        assert_eq!(big_decimal(&[0, 0]), "0");
        assert_eq!(big_decimal(&[1, 0]), "256");
        let bytes = [0xde, 0xad, 0xbe, 0xef, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0xfe, 0xdc, 0xba, 0x98];
        assert_eq!(big_decimal(&bytes), u128::from_be_bytes(bytes).to_string());
        assert_eq!(big_decimal(&[0xff; 16]), u128::MAX.to_string());
        assert_eq!(big_decimal(&[0, 0, 0, 0, 0, 0, 0x3b, 0x9a, 0xca, 0x00]), "1000000000");
    }
}
