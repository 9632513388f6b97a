//! The saved plan file (`infra plan -out FILE`, `infra apply FILE`): the whole [`Plan`] plus the
//! configuration files it was made from, as versioned JSON (format [`PLANFILE_FORMAT_VERSION`]).
//!
//! The file is a compatibility boundary with its own wire types (the model types are not
//! serialized directly). Values use a self-describing tagged encoding so they round-trip
//! exactly (list vs tuple vs set, map vs object, typed nulls, typed unknowns, marks at any
//! depth):
//!
//! | value              | encoding                                          |
//! |--------------------|---------------------------------------------------|
//! | bool, string       | the JSON bool / string                            |
//! | number             | the JSON number                                   |
//! | null of type T     | `{"null": T}` (T in cty's JSON type encoding)     |
//! | unknown of type T  | `{"unknown": T}`                                  |
//! | list / set / map   | `{"list": [T, [..]]}`, `{"set": ..}`, `{"map": [T, {..}]}` |
//! | tuple / object     | `{"tuple": [..]}`, `{"object": {..}}`             |
//! | marked value       | `{"marked": {"sensitive": true, "value": ..}}`   |
//!
//! Sensitive input variables are not stored: a variable with a sensitive value is written as
//! `{"sealed": {"type": T, "sha256": "$infra-sha256$<salt>$<digest>"}}` and `apply` must be
//! given it again (checked against the hash). Sensitive output values are written unknown (apply
//! computes outputs again), and `hashed_in_state` attributes are sealed by [`seal_secrets`].
//! Other sensitive values (those of the refreshed state, which the state file holds too) are
//! stored in clear inside `marked` nodes (the file is created with mode 0600). The top-level `"encryption": null` field reserves the place for encrypted secret
//! payloads: a later format will move every `marked` sensitive payload there. Secrets appear
//! nowhere else in the file.
//!
//! Writes are atomic (temporary file in the same directory, fsync, rename).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use infra_lang::{Marks, Number, Type, Value};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value as J};

use crate::addrs::{InstanceAddr, ResourceAddr};
use crate::plan::model::{Action, OutputChange, Plan, Reason, ResourceChange};

/// The version of the plan file format this build writes and reads.
pub const PLANFILE_FORMAT_VERSION: u32 = 1;

/// The `kind` marker that identifies an infra plan file.
const KIND: &str = "infra-plan";

/// A saved plan: what apply needs to carry out exactly the planned actions.
#[derive(Clone, Debug, PartialEq)]
pub struct PlanFile {
    pub plan: Plan,
    /// The configuration files the plan was made from: (file name, text).
    pub config_files: Vec<(String, String)>,
    /// Version of infra that wrote the plan.
    pub infra_version: String,
    /// Sensitive input variables, which the file does not hold: name → salted SHA-256 of the
    /// value's JSON text (see [`variable_matches`]). Filled in by [`read_planfile`]; in the
    /// returned plan these variables are unknown, and `apply` must be given them again.
    pub sealed_variables: BTreeMap<String, String>,
}

/// The text a sealed variable's hash is computed over: the JSON of its unmarked value.
fn variable_text(v: &Value) -> String {
    v.clone().unmark_deep().0.to_json().to_string()
}

/// Whether `value` is the value a sealed variable had at plan time.
pub fn variable_matches(sealed_hash: &str, value: &Value) -> bool {
    crate::statevals::secret_matches(sealed_hash, &variable_text(value))
}

/// Why a plan file could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum PlanFileError {
    #[error("cannot access plan file {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path} is not an infra plan file: {reason}")]
    NotAPlanFile { path: PathBuf, reason: String },
    #[error("plan file {path} has format version {found}, but this infra reads only version {supported}: it was written by a newer infra; upgrade infra (or make a new plan) to apply it")]
    NewerVersion { path: PathBuf, found: u64, supported: u32 },
    #[error("plan file {path} is corrupt: {reason}; make a new plan with `infra plan -out`")]
    Corrupt { path: PathBuf, reason: String },
    #[error("plan file {path} holds encrypted secrets, which this infra cannot decrypt")]
    Encrypted { path: PathBuf },
}

// ---------------------------------------------------------------------------------------------
// Wire types

#[derive(Serialize, Deserialize)]
struct WireFile {
    kind: String,
    format_version: u32,
    infra_version: String,
    /// Reserved for encrypted secret payloads; always null in this format version.
    encryption: Option<J>,
    config_files: Vec<WireConfigFile>,
    plan: WirePlan,
}

#[derive(Serialize, Deserialize)]
struct WireConfigFile {
    name: String,
    text: String,
}

#[derive(Serialize, Deserialize)]
struct WirePlan {
    destroy: bool,
    changes: Vec<WireChange>,
    drift: Vec<WireChange>,
    outputs: Vec<WireOutput>,
    variables: BTreeMap<String, J>,
    targets: Vec<String>,
    prior_state: infra_state::State,
    prior_state_hash: String,
    config_hash: String,
    warnings: Vec<String>,
}

#[derive(Serialize, Deserialize)]
struct WireChange {
    addr: String,
    prev_addr: Option<String>,
    provider: String,
    action: Action,
    reason: Option<Reason>,
    before: J,
    after: J,
    depends_on: Vec<String>,
    schema_version: u64,
    create_before_destroy: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    importing: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct WireOutput {
    name: String,
    action: Action,
    before: J,
    after: J,
    sensitive: bool,
}

// ---------------------------------------------------------------------------------------------
// Writing

/// Writes the plan file: JSON, mode 0600, atomically.
/// Removes the plain value of every `hashed_in_state` attribute from a plan about to be saved:
/// `before` keeps the salted hash (as the state does), `after` becomes unknown, to be evaluated
/// again from the configuration at apply (whose hash the plan file pins). `schema_of` finds a
/// change's schema by (provider source, resource type).
pub fn seal_secrets(plan: &mut crate::plan::model::Plan, schema_of: &dyn Fn(&str, &str) -> Option<infra_providers::Schema>) {
    let drift = plan.drift.iter_mut().map(|c| (c, true));
    for (c, is_drift) in plan.changes.iter_mut().map(|c| (c, false)).chain(drift) {
        let Some(schema) = schema_of(&c.provider, &c.addr.resource.r#type) else { continue };
        let hashed: Vec<&String> = schema.attributes.iter().filter(|(_, a)| a.hashed_in_state).map(|(n, _)| n).collect();
        if hashed.is_empty() {
            continue;
        }
        // Drift is only shown: both sides keep a hash. A change's `after` is evaluated again.
        for (v, seal) in [(&mut c.before, false), (&mut c.after, !is_drift)] {
            let Value::Object(m) = v else { continue };
            for name in &hashed {
                let Some(x) = m.get_mut(*name) else { continue };
                let marks = x.marks();
                let Some(plain) = x.unmarked().as_str().map(str::to_string) else { continue };
                if plain.starts_with(crate::statevals::SECRET_HASH_PREFIX) {
                    continue;
                }
                *x = if seal { Value::Unknown(infra_lang::Type::String) } else { Value::string(crate::statevals::hash_secret(&plain)) }.mark(marks);
            }
        }
    }
}

pub fn write_planfile(path: &Path, pf: &PlanFile) -> Result<(), PlanFileError> {
    let io = |source| PlanFileError::Io { path: path.to_path_buf(), source };
    let wire = WireFile {
        kind: KIND.to_string(),
        format_version: PLANFILE_FORMAT_VERSION,
        infra_version: pf.infra_version.clone(),
        encryption: None,
        config_files: pf.config_files.iter().map(|(n, t)| WireConfigFile { name: n.clone(), text: t.clone() }).collect(),
        plan: plan_to_wire(&pf.plan),
    };
    let mut bytes = serde_json::to_vec_pretty(&wire)
        .map_err(|e| PlanFileError::Corrupt { path: path.to_path_buf(), reason: format!("cannot encode: {e}") })?;
    bytes.push(b'\n');

    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let file_name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "plan".into());
    let tmp = dir.join(format!(".{file_name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut f = opts.open(&tmp)?;
        // The mode applies only to newly created files; make sure of it.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        }
        f.write_all(&bytes)?;
        f.sync_all()?;
        drop(f);
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(io)
}

fn plan_to_wire(p: &Plan) -> WirePlan {
    WirePlan {
        destroy: p.destroy,
        changes: p.changes.iter().map(change_to_wire).collect(),
        drift: p.drift.iter().map(change_to_wire).collect(),
        outputs: p
            .outputs
            .iter()
            .map(|o| WireOutput {
                name: o.name.clone(),
                action: o.action.clone(),
                before: encode_value(&o.before),
                // A sensitive output's new value is computed again at apply; the file keeps none.
                after: if o.sensitive || o.after.contains_sensitive() { encode_value(&Value::Unknown(o.after.ty()).sensitive()) } else { encode_value(&o.after) },
                sensitive: o.sensitive,
            })
            .collect(),
        // Sensitive variables are sealed: only a salted hash and the type are kept.
        variables: p
            .variables
            .iter()
            .map(|(k, v)| {
                let encoded = if v.contains_sensitive() {
                    json!({ "sealed": { "type": v.ty().to_json(), "sha256": crate::statevals::hash_secret(&variable_text(v)) } })
                } else {
                    encode_value(v)
                };
                (k.clone(), encoded)
            })
            .collect(),
        targets: p.targets.clone(),
        prior_state: p.prior_state.clone(),
        prior_state_hash: p.prior_state_hash.clone(),
        config_hash: p.config_hash.clone(),
        warnings: p.warnings.clone(),
    }
}

fn change_to_wire(c: &ResourceChange) -> WireChange {
    WireChange {
        addr: c.addr.to_string(),
        prev_addr: c.prev_addr.as_ref().map(ToString::to_string),
        provider: c.provider.clone(),
        action: c.action.clone(),
        reason: c.reason.clone(),
        before: encode_value(&c.before),
        after: encode_value(&c.after),
        depends_on: c.depends_on.iter().map(ToString::to_string).collect(),
        schema_version: c.schema_version,
        create_before_destroy: c.create_before_destroy,
        importing: c.importing.clone(),
    }
}

/// The tagged value encoding (see the module docs).
fn encode_value(v: &Value) -> J {
    match v {
        Value::Null(t) => json!({ "null": t.to_json() }),
        Value::Unknown(t) => json!({ "unknown": t.to_json() }),
        Value::Bool(b) => J::Bool(*b),
        Value::Number(n) => n.to_json(),
        Value::String(s) => J::String(s.clone()),
        Value::List(t, vs) => json!({ "list": [t.to_json(), vs.iter().map(encode_value).collect::<Vec<_>>()] }),
        Value::Set(t, vs) => json!({ "set": [t.to_json(), vs.iter().map(encode_value).collect::<Vec<_>>()] }),
        Value::Map(t, m) => {
            let entries: Map<String, J> = m.iter().map(|(k, v)| (k.clone(), encode_value(v))).collect();
            json!({ "map": [t.to_json(), entries] })
        }
        Value::Tuple(vs) => json!({ "tuple": vs.iter().map(encode_value).collect::<Vec<_>>() }),
        Value::Object(m) => {
            let entries: Map<String, J> = m.iter().map(|(k, v)| (k.clone(), encode_value(v))).collect();
            json!({ "object": entries })
        }
        Value::Marked(inner, marks) => json!({ "marked": { "sensitive": marks.sensitive, "value": encode_value(inner) } }),
    }
}

// ---------------------------------------------------------------------------------------------
// Reading

/// Reads a plan file, refusing other files, newer formats and damaged content with clear errors.
pub fn read_planfile(path: &Path) -> Result<PlanFile, PlanFileError> {
    let bytes = std::fs::read(path).map_err(|source| PlanFileError::Io { path: path.to_path_buf(), source })?;
    let not_plan = |reason: &str| PlanFileError::NotAPlanFile { path: path.to_path_buf(), reason: reason.to_string() };
    let corrupt = |reason: String| PlanFileError::Corrupt { path: path.to_path_buf(), reason };
    if bytes.starts_with(b"PK") {
        return Err(not_plan("it is a zip archive (a Terraform plan file?); infra reads only plans made by `infra plan -out`"));
    }
    let doc: J = serde_json::from_slice(&bytes).map_err(|e| {
        if bytes.first().is_some_and(|b| *b == b'{') {
            corrupt(format!("invalid JSON: {e}"))
        } else {
            not_plan("it is not JSON")
        }
    })?;
    if doc.get("kind").and_then(J::as_str) != Some(KIND) {
        return Err(not_plan("it has no `\"kind\": \"infra-plan\"` marker"));
    }
    match doc.get("format_version").and_then(J::as_u64) {
        Some(v) if v == u64::from(PLANFILE_FORMAT_VERSION) => {}
        Some(v) if v > u64::from(PLANFILE_FORMAT_VERSION) => {
            return Err(PlanFileError::NewerVersion { path: path.to_path_buf(), found: v, supported: PLANFILE_FORMAT_VERSION })
        }
        other => return Err(corrupt(format!("format_version {other:?} was never written by infra"))),
    }
    if !doc.get("encryption").is_none_or(J::is_null) {
        return Err(PlanFileError::Encrypted { path: path.to_path_buf() });
    }
    let wire: WireFile = serde_json::from_value(doc).map_err(|e| corrupt(e.to_string()))?;
    let mut sealed_variables = BTreeMap::new();
    let mut wire = wire;
    for (name, v) in wire.plan.variables.iter_mut() {
        if let Some(sealed) = v.get("sealed").filter(|_| v.as_object().is_some_and(|o| o.len() == 1)) {
            let hash = sealed.get("sha256").and_then(J::as_str).ok_or_else(|| corrupt(format!("variable {name}: sealed without sha256")))?;
            let ty = sealed.get("type").cloned().ok_or_else(|| corrupt(format!("variable {name}: sealed without type")))?;
            sealed_variables.insert(name.clone(), hash.to_string());
            *v = json!({ "marked": { "sensitive": true, "value": { "unknown": ty } } });
        }
    }
    let plan = plan_from_wire(wire.plan).map_err(corrupt)?;
    Ok(PlanFile {
        plan,
        config_files: wire.config_files.into_iter().map(|f| (f.name, f.text)).collect(),
        infra_version: wire.infra_version,
        sealed_variables,
    })
}

fn plan_from_wire(w: WirePlan) -> Result<Plan, String> {
    Ok(Plan {
        destroy: w.destroy,
        changes: w.changes.into_iter().map(change_from_wire).collect::<Result<_, _>>()?,
        drift: w.drift.into_iter().map(change_from_wire).collect::<Result<_, _>>()?,
        outputs: w
            .outputs
            .into_iter()
            .map(|o| {
                Ok(OutputChange {
                    before: decode_value(&o.before).map_err(|e| format!("output {}: {e}", o.name))?,
                    after: decode_value(&o.after).map_err(|e| format!("output {}: {e}", o.name))?,
                    name: o.name,
                    action: o.action,
                    sensitive: o.sensitive,
                })
            })
            .collect::<Result<_, String>>()?,
        variables: w
            .variables
            .iter()
            .map(|(k, v)| Ok((k.clone(), decode_value(v).map_err(|e| format!("variable {k}: {e}"))?)))
            .collect::<Result<_, String>>()?,
        targets: w.targets,
        prior_state: w.prior_state,
        prior_state_hash: w.prior_state_hash,
        config_hash: w.config_hash,
        warnings: w.warnings,
    })
}

fn parse_addr(s: &str) -> Result<InstanceAddr, String> {
    s.parse::<InstanceAddr>().map_err(|e| e.to_string())
}

fn change_from_wire(w: WireChange) -> Result<ResourceChange, String> {
    let addr = parse_addr(&w.addr)?;
    let ctx = |e: String| format!("{}: {e}", w.addr);
    Ok(ResourceChange {
        prev_addr: w.prev_addr.as_deref().map(parse_addr).transpose().map_err(ctx)?,
        provider: w.provider,
        action: w.action,
        reason: w.reason,
        before: decode_value(&w.before).map_err(ctx)?,
        after: decode_value(&w.after).map_err(ctx)?,
        depends_on: w
            .depends_on
            .iter()
            .map(|d| parse_addr(d).map(|a| a.resource))
            .collect::<Result<Vec<ResourceAddr>, String>>()
            .map_err(ctx)?,
        schema_version: w.schema_version,
        create_before_destroy: w.create_before_destroy,
        importing: w.importing,
        addr,
    })
}

fn decode_type(j: &J) -> Result<Type, String> {
    Type::from_json(j).ok_or_else(|| format!("invalid type {j}"))
}

fn decode_value(j: &J) -> Result<Value, String> {
    let seq = |a: &J| -> Result<Vec<Value>, String> {
        a.as_array().ok_or_else(|| format!("expected an array, found {a}"))?.iter().map(decode_value).collect()
    };
    let entries = |o: &J| -> Result<BTreeMap<String, Value>, String> {
        o.as_object()
            .ok_or_else(|| format!("expected an object, found {o}"))?
            .iter()
            .map(|(k, v)| Ok((k.clone(), decode_value(v)?)))
            .collect()
    };
    let pair = |p: &J| -> Result<(Type, J), String> {
        match p.as_array().map(Vec::as_slice) {
            Some([t, body]) => Ok((decode_type(t)?, body.clone())),
            _ => Err(format!("expected [type, elements], found {p}")),
        }
    };
    match j {
        J::Bool(b) => Ok(Value::Bool(*b)),
        J::Number(n) => Ok(Value::Number(Number::from_json(n)?)),
        J::String(s) => Ok(Value::String(s.clone())),
        J::Object(o) if o.len() == 1 => {
            let (tag, body) = o.iter().next().expect("one entry");
            match tag.as_str() {
                "null" => Ok(Value::Null(decode_type(body)?)),
                "unknown" => Ok(Value::Unknown(decode_type(body)?)),
                "list" => pair(body).and_then(|(t, b)| Ok(Value::List(t, seq(&b)?))),
                "set" => pair(body).and_then(|(t, b)| Ok(Value::Set(t, seq(&b)?))),
                "map" => pair(body).and_then(|(t, b)| Ok(Value::Map(t, entries(&b)?))),
                "tuple" => Ok(Value::Tuple(seq(body)?)),
                "object" => Ok(Value::Object(entries(body)?)),
                "marked" => {
                    let sensitive = body.get("sensitive").and_then(J::as_bool).ok_or("marked value without `sensitive`")?;
                    let inner = decode_value(body.get("value").ok_or("marked value without `value`")?)?;
                    if inner.is_marked() {
                        return Err("a marked value directly inside another".into());
                    }
                    Ok(Value::Marked(Box::new(inner), Marks { sensitive }))
                }
                other => Err(format!("unknown value tag {other:?}")),
            }
        }
        other => Err(format!("invalid encoded value {other}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::model::ReplaceOrder;
    use infra_lang::PathStep;

    fn sample_plan() -> Plan {
        let s = |x: &str| Value::string(x);
        let before = Value::object([
            ("id", s("1")),
            ("f", Value::number(0.1)),
            ("big", Value::number(1.5e300)),
            ("neg", Value::number(-7)),
            ("list", Value::List(Type::String, vec![s("a"), Value::Unknown(Type::String)])),
            ("tuple", Value::Tuple(vec![s("a"), Value::number(1), Value::Null(Type::Bool)])),
            ("set", Value::Set(Type::Number, vec![Value::number(1), Value::number(2)])),
            ("map", Value::Map(Type::String, [("k".to_string(), s("v").sensitive())].into_iter().collect())),
            ("empty_map", Value::Map(Type::list(Type::String), BTreeMap::new())),
            ("typed_null", Value::Null(Type::Object([("a".to_string(), Type::Number)].into_iter().collect()))),
            ("unknown_list", Value::Unknown(Type::list(Type::Map(Box::new(Type::String))))),
            ("dyn", Value::List(Type::Dynamic, vec![Value::Map(Type::String, BTreeMap::new())])),
            ("secret", Value::Tuple(vec![s("CANARY-s3cr3t")]).sensitive()),
            ("object_like_tag", Value::object([("null", s("not a tag")), ("x", Value::bool(false))])),
        ]);
        let mut after = before.clone();
        if let Value::Object(m) = &mut after {
            m.insert("id".into(), Value::Unknown(Type::String));
        }
        let change = ResourceChange {
            addr: "random_id.k[\"blue\"]".parse().unwrap(),
            prev_addr: Some("random_id.old[3]".parse().unwrap()),
            provider: "registry.terraform.io/hashicorp/random".into(),
            action: Action::Replace(ReplaceOrder::CreateBeforeDestroy),
            reason: Some(Reason::CannotUpdate(vec![vec![PathStep::Attr("map".into()), PathStep::Key("k".into())]])),
            before,
            after,
            depends_on: vec![ResourceAddr::managed("null_resource", "a"), "data.x.y".parse::<InstanceAddr>().unwrap().resource],
            schema_version: 2,
            create_before_destroy: true,
            importing: Some("k-123".into()),
        };
        let mut drift = change.clone();
        drift.action = Action::Delete;
        drift.reason = None;
        let mut prior_state = infra_state::State::new();
        prior_state.serial = 7;
        prior_state.outputs.insert(
            "o".into(),
            infra_state::OutputState { value: json!(["a"]), r#type: json!(["list", "string"]), sensitive: true },
        );
        let mut variables = BTreeMap::new();
        variables.insert("secret".into(), s("CANARY-s3cr3t").sensitive());
        variables.insert("n".into(), Value::Null(Type::Number));
        Plan {
            destroy: false,
            changes: vec![change],
            drift: vec![drift],
            outputs: vec![OutputChange {
                name: "o".into(),
                action: Action::Update,
                before: Value::Null(Type::String),
                after: Value::Unknown(Type::set(Type::Bool)).sensitive(),
                sensitive: true,
            }],
            variables,
            targets: vec!["null_resource.a".into()],
            prior_state_hash: prior_state.content_hash(),
            prior_state,
            config_hash: "abc123".into(),
            warnings: vec!["careful".into()],
        }
    }

    fn sample() -> PlanFile {
        PlanFile {
            plan: sample_plan(),
            config_files: vec![("main.tf".into(), "resource \"null_resource\" \"a\" {}\n".into())],
            infra_version: "0.1.0".into(),
            sealed_variables: BTreeMap::new(),
        }
    }

    /// The sample without its sensitive variable (sealed variables round-trip as unknowns).
    fn sample_unsealed() -> PlanFile {
        let mut pf = sample();
        pf.plan.variables.remove("secret");
        pf
    }

    #[test]
    fn sensitive_variables_are_sealed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.plan");
        write_planfile(&path, &sample()).unwrap();
        let doc: J = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let vars = doc["plan"]["variables"].to_string();
        assert!(!vars.contains("CANARY-s3cr3t") && vars.contains("$infra-sha256$"), "{vars}");
        let back = read_planfile(&path).unwrap();
        let hash = &back.sealed_variables["secret"];
        assert!(variable_matches(hash, &Value::string("CANARY-s3cr3t").sensitive()));
        assert!(!variable_matches(hash, &Value::string("CANARY-other")));
        assert_eq!(back.plan.variables["secret"], Value::Unknown(Type::String).sensitive());
        assert_eq!(back.plan.variables["n"], Value::Null(Type::Number));
        assert!(!back.sealed_variables.contains_key("n"));
    }

    #[test]
    fn round_trips_exactly() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.plan");
        let pf = sample_unsealed();
        write_planfile(&path, &pf).unwrap();
        let back = read_planfile(&path).unwrap();
        assert_eq!(back, pf);
        // Writing again over an existing file works and gives the same bytes.
        let first = std::fs::read(&path).unwrap();
        write_planfile(&path, &back).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), first);
        let doc: J = serde_json::from_slice(&first).unwrap();
        assert_eq!(doc["encryption"], J::Null);
        assert_eq!(doc["format_version"], 1);
        // No temporary files are left behind.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn file_mode_is_0600() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.plan");
        std::fs::write(&path, "old").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        write_planfile(&path, &sample()).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }

    fn read_text(text: &str) -> PlanFileError {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.plan");
        std::fs::write(&path, text).unwrap();
        read_planfile(&path).unwrap_err()
    }

    #[test]
    fn refuses_bad_files_clearly() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.plan");
        write_planfile(&path, &sample()).unwrap();
        let good: J = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();

        let mut newer = good.clone();
        newer["format_version"] = json!(2);
        let e = read_text(&newer.to_string());
        assert!(matches!(e, PlanFileError::NewerVersion { found: 2, .. }), "{e}");
        assert!(e.to_string().contains("newer infra"), "{e}");

        let mut zero = good.clone();
        zero["format_version"] = json!(0);
        assert!(matches!(read_text(&zero.to_string()), PlanFileError::Corrupt { .. }));

        let e = read_text("PK\u{3}\u{4}zipdata");
        assert!(matches!(e, PlanFileError::NotAPlanFile { .. }), "{e}");
        assert!(matches!(read_text("hello"), PlanFileError::NotAPlanFile { .. }));
        assert!(matches!(read_text(r#"{"format_version": 1}"#), PlanFileError::NotAPlanFile { .. }));
        assert!(matches!(read_text(r#"{"kind": "infra-plan", "format_ver"#), PlanFileError::Corrupt { .. }));

        let mut bad_value = good.clone();
        bad_value["plan"]["changes"][0]["before"] = json!({"bogus": 1});
        let e = read_text(&bad_value.to_string());
        assert!(matches!(e, PlanFileError::Corrupt { .. }) && e.to_string().contains("bogus"), "{e}");

        let mut encrypted = good;
        encrypted["encryption"] = json!({"scheme": "future"});
        assert!(matches!(read_text(&encrypted.to_string()), PlanFileError::Encrypted { .. }));

        let missing = read_planfile(&dir.path().join("nope")).unwrap_err();
        assert!(matches!(missing, PlanFileError::Io { .. }));
    }
}
