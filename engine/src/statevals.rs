//! Conversion between stored state (JSON attributes + sensitive paths) and marked values.

use infra_lang::{Marks, Path, PathStep, Type, Value};
use infra_providers::Schema;
use infra_state::{IndexKey, Mode as SMode, PathStep as SStep, ResourceInstanceState};

use crate::addrs::{InstanceAddr, InstanceKey, ModuleInstance, Mode, ResourceAddr};

fn to_state_step(s: &PathStep) -> SStep {
    match s {
        PathStep::Attr(a) => SStep::Attr(a.clone()),
        PathStep::Index(i) => SStep::Index(*i),
        PathStep::Key(k) => SStep::Key(k.clone()),
    }
}

fn from_state_step(s: &SStep) -> PathStep {
    match s {
        SStep::Attr(a) => PathStep::Attr(a.clone()),
        SStep::Index(i) => PathStep::Index(*i),
        SStep::Key(k) => PathStep::Key(k.clone()),
    }
}

/// Paths of the schema's sensitive attributes.
pub fn schema_sensitive_paths(schema: &Schema) -> Vec<(Path, Marks)> {
    schema
        .attributes
        .iter()
        .filter(|(_, a)| a.sensitive)
        .map(|(n, _)| (vec![PathStep::Attr(n.clone())], Marks::SENSITIVE))
        .collect()
}

/// Marks that attributes with `marks_from` inherit from their source attribute.
pub fn derived_marks(marks: &[(Path, Marks)], schema: &Schema) -> Vec<(Path, Marks)> {
    let mut out = Vec::new();
    for (name, a) in &schema.attributes {
        let Some(src) = a.marks_from else { continue };
        for (p, m) in marks {
            if p.first() == Some(&PathStep::Attr(src.to_string())) {
                let mut np = vec![PathStep::Attr(name.clone())];
                np.extend(p[1..].iter().cloned());
                out.push((np, *m));
            }
        }
    }
    out
}

/// All marks a resource value carries: those given, the schema's sensitive attributes and the
/// marks derived attributes inherit.
pub fn full_marks(mut marks: Vec<(Path, Marks)>, schema: &Schema) -> Vec<(Path, Marks)> {
    marks.extend(schema_sensitive_paths(schema));
    let derived = derived_marks(&marks, schema);
    marks.extend(derived);
    marks
}

/// Decodes stored attributes. Attributes of dynamic type are stored as `{"value", "type"}`
/// (as Terraform does) so that list/tuple and map/object survive the round trip.
fn decode_attributes(j: &serde_json::Value, schema: Option<&Schema>) -> Value {
    let Some(schema) = schema else {
        return Value::from_json(j, &Type::Dynamic).unwrap_or_else(|_| Value::null());
    };
    let obj = j.as_object();
    let mut attrs = std::collections::BTreeMap::new();
    for (name, a) in &schema.attributes {
        let raw = obj.and_then(|o| o.get(name)).cloned().unwrap_or(serde_json::Value::Null);
        let v = if a.ty == Type::Dynamic {
            match raw.as_object().filter(|o| o.len() == 2 && o.contains_key("value") && o.contains_key("type")) {
                Some(o) => {
                    let ty = Type::from_json(&o["type"]).unwrap_or(Type::Dynamic);
                    Value::from_json(&o["value"], &ty)
                }
                None => Value::from_json(&raw, &Type::Dynamic),
            }
        } else {
            Value::from_json(&raw, &a.ty).or_else(|_| Value::from_json(&raw, &Type::Dynamic))
        };
        attrs.insert(name.clone(), v.unwrap_or_else(|_| Value::Null(a.ty.clone())));
    }
    for (name, bt) in &schema.blocks {
        let raw = obj.and_then(|o| o.get(name)).cloned().unwrap_or(serde_json::Value::Null);
        let ty = bt.value_type();
        attrs.insert(name.clone(), Value::from_json(&raw, &ty).unwrap_or(Value::Null(ty)));
    }
    Value::Object(attrs)
}

fn encode_attributes(plain: &Value, schema: Option<&Schema>) -> serde_json::Value {
    let mut j = plain.to_json();
    if let (Some(schema), Some(o)) = (schema, j.as_object_mut()) {
        for (name, a) in &schema.attributes {
            if a.ty != Type::Dynamic {
                continue;
            }
            if let Some(v) = plain.get_attr(name) {
                if !v.is_null() {
                    o.insert(name.clone(), serde_json::json!({"value": v.to_json(), "type": v.ty().to_json()}));
                }
            }
        }
    }
    j
}

/// The marked value of a stored instance.
pub fn instance_value(inst: &ResourceInstanceState, schema: Option<&Schema>) -> Value {
    let v = decode_attributes(&inst.attributes, schema);
    let mut marks: Vec<(Path, Marks)> =
        inst.sensitive_attributes.iter().map(|p| (p.iter().map(from_state_step).collect(), Marks::SENSITIVE)).collect();
    if let Some(s) = schema {
        marks = full_marks(marks, s);
    }
    v.mark_paths(&marks)
}

/// A stored instance for a wholly known (applied) value.
pub fn instance_state(
    addr: &InstanceAddr,
    provider: &str,
    value: &Value,
    schema_version: u64,
    dependencies: &[ResourceAddr],
    create_before_destroy: bool,
    schema: Option<&Schema>,
) -> ResourceInstanceState {
    let (plain, marks) = value.clone().unmark_deep_with_paths();
    let mut sensitive: Vec<Vec<SStep>> =
        marks.into_iter().filter(|(_, m)| m.sensitive).map(|(p, _)| p.iter().map(to_state_step).collect()).collect();
    sensitive.sort();
    sensitive.dedup();
    ResourceInstanceState {
        mode: match addr.resource.mode {
            Mode::Managed => SMode::Managed,
            Mode::Data => SMode::Data,
        },
        module: if addr.module.is_root() { None } else { Some(addr.module.to_string()) },
        r#type: addr.resource.r#type.clone(),
        name: addr.resource.name.clone(),
        index_key: match &addr.key {
            InstanceKey::None => None,
            InstanceKey::Int(i) => Some(IndexKey::Int(*i)),
            InstanceKey::Str(s) => Some(IndexKey::Str(s.clone())),
        },
        provider: format!("provider[\"{provider}\"]"),
        schema_version,
        attributes: hash_secrets(encode_attributes(&plain, schema), schema),
        sensitive_attributes: sensitive,
        private: None,
        dependencies: dependencies.iter().map(|d| d.to_string()).collect(),
        create_before_destroy,
        tainted: false,
        deposed: None,
    }
}

/// The instance address of a stored instance (an unparseable module path is taken as root).
pub fn state_addr(inst: &ResourceInstanceState) -> InstanceAddr {
    let module: ModuleInstance = inst.module.as_deref().and_then(|m| m.parse().ok()).unwrap_or_default();
    let resource = ResourceAddr {
        module: module.path(),
        mode: match inst.mode {
            SMode::Managed => Mode::Managed,
            SMode::Data => Mode::Data,
        },
        r#type: inst.r#type.clone(),
        name: inst.name.clone(),
    };
    let key = match &inst.index_key {
        None => InstanceKey::None,
        Some(IndexKey::Int(i)) => InstanceKey::Int(*i),
        Some(IndexKey::Str(s)) => InstanceKey::Str(s.clone()),
    };
    InstanceAddr { module, resource, key }
}

/// `provider["registry.terraform.io/hashicorp/null"]` → `registry.terraform.io/hashicorp/null`.
pub fn provider_source(stored: &str) -> String {
    stored
        .trim_start_matches("provider[\"")
        .trim_end_matches("\"]")
        .split("\"].")
        .next()
        .unwrap_or(stored)
        .to_string()
}

/// Registers every string (and number) leaf of `v` that is marked sensitive, or lies under a
/// sensitive mark, with the HTTP layer's redactor, so that a provider's logs and errors never
/// show it although the provider receives the plain value.
pub fn register_sensitive_values(v: &Value) {
    fn walk(v: &Value, inherited: bool) {
        let sensitive = inherited || v.marks().sensitive;
        match v.unmarked() {
            Value::String(s) if sensitive => infra_providers::http::register_sensitive(s),
            Value::Number(n) if sensitive => infra_providers::http::register_sensitive(&n.to_string()),
            Value::List(_, vs) | Value::Set(_, vs) | Value::Tuple(vs) => vs.iter().for_each(|x| walk(x, sensitive)),
            Value::Map(_, m) | Value::Object(m) => m.values().for_each(|x| walk(x, sensitive)),
            _ => {}
        }
    }
    if v.contains_sensitive() {
        walk(v, false);
    }
}

/// What a `hashed_in_state` secret is stored as: `$infra-sha256$<salt>$<sha256(salt ‖ secret)>`.
pub const SECRET_HASH_PREFIX: &str = "$infra-sha256$";

/// A salted hash of a secret (a fresh random salt each time).
pub fn hash_secret(secret: &str) -> String {
    use sha2::Digest;
    let salt: [u8; 16] = rand::random();
    let salt = hex::encode(salt);
    let digest = sha2::Sha256::new().chain_update(salt.as_bytes()).chain_update(secret.as_bytes()).finalize();
    format!("{SECRET_HASH_PREFIX}{salt}${}", hex::encode(digest))
}

/// Whether `stored` is the hash of `secret` made by [`hash_secret`].
pub fn secret_matches(stored: &str, secret: &str) -> bool {
    use sha2::Digest;
    let Some((salt, digest)) = stored.strip_prefix(SECRET_HASH_PREFIX).and_then(|r| r.split_once('$')) else { return false };
    let ours = sha2::Sha256::new().chain_update(salt.as_bytes()).chain_update(secret.as_bytes()).finalize();
    hex::encode(ours) == digest
}

/// Replaces the plain value of every `hashed_in_state` attribute by its salted hash.
fn hash_secrets(mut attributes: serde_json::Value, schema: Option<&Schema>) -> serde_json::Value {
    let Some(schema) = schema else { return attributes };
    if let Some(o) = attributes.as_object_mut() {
        for (name, _) in schema.attributes.iter().filter(|(_, a)| a.hashed_in_state) {
            if let Some(serde_json::Value::String(v)) = o.get_mut(name) {
                if !v.starts_with(SECRET_HASH_PREFIX) {
                    *v = hash_secret(v);
                }
            }
        }
    }
    attributes
}

/// The prior value a provider plans against: where a `hashed_in_state` attribute is stored as
/// the hash of the configured value, the configured (plain) value, so an unchanged secret plans
/// as unchanged. Marks on the prior's attributes are kept.
pub fn reveal_matching_secrets(prior: Value, config: &Value, schema: &Schema) -> Value {
    if !schema.attributes.values().any(|a| a.hashed_in_state) {
        return prior;
    }
    let Value::Object(mut m) = prior else { return prior };
    for (name, _) in schema.attributes.iter().filter(|(_, a)| a.hashed_in_state) {
        let Some(stored) = m.get(name) else { continue };
        let marks = stored.marks();
        let stored = stored.unmarked().as_str().map(str::to_string);
        let configured = config.get_attr(name).and_then(|v| v.unmarked().as_str().map(str::to_string));
        if let (Some(stored), Some(configured)) = (stored, configured) {
            if secret_matches(&stored, &configured) {
                m.insert(name.clone(), Value::string(configured).mark(marks));
            }
        }
    }
    Value::Object(m)
}

/// What refresh stores for a `hashed_in_state` attribute a provider read back: the stored hash
/// when the read value is the secret it hashes (or the provider returned the stored value), else
/// a new hash of the read value. Plain values, no marks.
pub fn conceal_read_secrets(read: Value, stored: &Value, schema: &Schema) -> Value {
    if !schema.attributes.values().any(|a| a.hashed_in_state) {
        return read;
    }
    let Value::Object(mut m) = read else { return read };
    for (name, _) in schema.attributes.iter().filter(|(_, a)| a.hashed_in_state) {
        let Some(Value::String(got)) = m.get(name).cloned() else { continue };
        if got.starts_with(SECRET_HASH_PREFIX) {
            continue;
        }
        let old = stored.get_attr(name).and_then(|v| v.unmarked().as_str().map(str::to_string));
        let keep = old.filter(|o| secret_matches(o, &got));
        m.insert(name.clone(), Value::string(keep.unwrap_or_else(|| hash_secret(&got))));
    }
    Value::Object(m)
}

#[cfg(test)]
mod secret_tests {
    use super::*;

    #[test]
    fn secret_hashes_are_salted_and_verify() {
        let a = hash_secret("CANARY-token");
        let b = hash_secret("CANARY-token");
        assert_ne!(a, b, "salted");
        assert!(!a.contains("CANARY"));
        assert!(secret_matches(&a, "CANARY-token") && secret_matches(&b, "CANARY-token"));
        assert!(!secret_matches(&a, "CANARY-tokem"));
        assert!(!secret_matches("CANARY-token", "CANARY-token"), "a plain value is not a hash");
    }
}
