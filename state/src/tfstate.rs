//! Conversion between [`State`] and Terraform's `terraform.tfstate` format version 4.
//!
//! Our format is a superset of v4: ours → v4 → ours is lossless, and v4 → ours → v4 gives the
//! same document (fields v4 ignores, like Terraform 1.3's `check_results`, are dropped).
//! `infra_version` travels as `terraform_version` when it names a Terraform version
//! (`terraform-1.0.3`) and otherwise as an extra top-level `infra_version` key, which
//! Terraform ignores. [`to_terraform_v4_pretty`] writes bytes like Terraform's Go encoder.

use std::collections::BTreeMap;
use std::io;

use serde_json::{json, Map, Value};

use crate::error::StateError;
use crate::model::{IndexKey, Mode, OutputState, PathStep, ResourceInstanceState, State, STATE_FORMAT_VERSION};

/// The Terraform version we claim in v4 files of states infra wrote itself.
pub const TERRAFORM_COMPAT_VERSION: &str = "1.0.3";

/// Prefix of `infra_version` for states imported from Terraform.
const TF_PREFIX: &str = "terraform-";

/// Convert to a Terraform v4 document (keys in Terraform's order).
pub fn to_terraform_v4(state: &State) -> Value {
    let mut top = Map::new();
    top.insert("version".into(), json!(4));
    let (tf_version, infra_version) = match state.infra_version.strip_prefix(TF_PREFIX) {
        Some(v) => (v.to_string(), None),
        None => (TERRAFORM_COMPAT_VERSION.to_string(), Some(state.infra_version.clone())),
    };
    top.insert("terraform_version".into(), json!(tf_version));
    top.insert("serial".into(), json!(state.serial));
    top.insert("lineage".into(), json!(state.lineage));

    let mut outputs = Map::new();
    for (name, o) in &state.outputs {
        let mut m = Map::new();
        m.insert("value".into(), o.value.clone());
        m.insert("type".into(), o.r#type.clone());
        if o.sensitive {
            m.insert("sensitive".into(), json!(true));
        }
        outputs.insert(name.clone(), Value::Object(m));
    }
    top.insert("outputs".into(), Value::Object(outputs));

    // Group by (module, mode, type, name), Terraform's resource order.
    let mut groups: BTreeMap<(String, &'static str, &str, &str), Vec<&ResourceInstanceState>> =
        BTreeMap::new();
    for inst in state.resources.values() {
        let module = inst.module.clone().unwrap_or_default();
        groups
            .entry((module, inst.mode.as_str(), inst.r#type.as_str(), inst.name.as_str()))
            .or_default()
            .push(inst);
    }
    let mut resources = Vec::with_capacity(groups.len());
    for ((module, mode, ty, name), mut insts) in groups {
        insts.sort_by(|a, b| {
            (a.index_key.as_ref(), a.deposed.as_ref()).cmp(&(b.index_key.as_ref(), b.deposed.as_ref()))
        });
        let mut r = Map::new();
        if !module.is_empty() {
            r.insert("module".into(), json!(module));
        }
        r.insert("mode".into(), json!(mode));
        r.insert("type".into(), json!(ty));
        r.insert("name".into(), json!(name));
        let provider = insts.first().map(|i| i.provider.clone()).unwrap_or_default();
        r.insert("provider".into(), json!(provider));
        r.insert("instances".into(), Value::Array(insts.into_iter().map(instance_to_v4).collect()));
        resources.push(Value::Object(r));
    }
    top.insert("resources".into(), Value::Array(resources));
    if let Some(v) = infra_version {
        top.insert("infra_version".into(), json!(v));
    }
    Value::Object(top)
}

fn instance_to_v4(inst: &ResourceInstanceState) -> Value {
    let mut m = Map::new();
    match &inst.index_key {
        Some(IndexKey::Int(i)) => {
            m.insert("index_key".into(), json!(i));
        }
        Some(IndexKey::Str(s)) => {
            m.insert("index_key".into(), json!(s));
        }
        None => {}
    }
    if inst.tainted {
        m.insert("status".into(), json!("tainted"));
    }
    if let Some(d) = &inst.deposed {
        m.insert("deposed".into(), json!(d));
    }
    m.insert("schema_version".into(), json!(inst.schema_version));
    if !inst.attributes.is_null() {
        m.insert("attributes".into(), inst.attributes.clone());
    }
    let paths: Vec<Value> = inst.sensitive_attributes.iter().map(|p| path_to_v4(p)).collect();
    m.insert("sensitive_attributes".into(), Value::Array(paths));
    if let Some(p) = &inst.private {
        m.insert("private".into(), json!(p));
    }
    if !inst.dependencies.is_empty() {
        m.insert("dependencies".into(), json!(inst.dependencies));
    }
    if inst.create_before_destroy {
        m.insert("create_before_destroy".into(), json!(true));
    }
    Value::Object(m)
}

fn path_to_v4(path: &[PathStep]) -> Value {
    Value::Array(
        path.iter()
            .map(|step| match step {
                PathStep::Attr(a) => json!({"type": "get_attr", "value": a}),
                PathStep::Index(i) => json!({"type": "index", "value": {"value": i, "type": "number"}}),
                PathStep::Key(k) => json!({"type": "index", "value": {"value": k, "type": "string"}}),
            })
            .collect(),
    )
}

fn invalid(message: impl Into<String>) -> StateError {
    StateError::InvalidTerraformState { message: message.into() }
}

fn get_str<'a>(obj: &'a Map<String, Value>, key: &str, ctx: &str) -> Result<&'a str, StateError> {
    obj.get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| invalid(format!("{ctx}: `{key}` must be a string")))
}

fn opt_str(obj: &Map<String, Value>, key: &str, ctx: &str) -> Result<Option<String>, StateError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(invalid(format!("{ctx}: `{key}` must be a string"))),
    }
}

/// Convert a Terraform v4 document into a [`State`].
pub fn from_terraform_v4(doc: &Value) -> Result<State, StateError> {
    let top = doc.as_object().ok_or_else(|| invalid("the document is not a JSON object"))?;
    if top.get("version").and_then(Value::as_u64) != Some(4) {
        return Err(invalid("`version` must be 4"));
    }
    let tf_version = get_str(top, "terraform_version", "state")?;
    let lineage = get_str(top, "lineage", "state")?.to_string();
    let serial = top
        .get("serial")
        .and_then(Value::as_u64)
        .ok_or_else(|| invalid("state: `serial` must be a non-negative integer"))?;
    let infra_version = match top.get("infra_version").and_then(Value::as_str) {
        Some(v) => v.to_string(),
        None => format!("{TF_PREFIX}{tf_version}"),
    };

    let mut outputs = BTreeMap::new();
    match top.get("outputs") {
        None | Some(Value::Null) => {}
        Some(Value::Object(os)) => {
            for (name, o) in os {
                let ctx = format!("output {name:?}");
                let o = o.as_object().ok_or_else(|| invalid(format!("{ctx}: must be an object")))?;
                outputs.insert(
                    name.clone(),
                    OutputState {
                        value: o.get("value").cloned().unwrap_or(Value::Null),
                        r#type: o.get("type").cloned().unwrap_or(Value::Null),
                        sensitive: o.get("sensitive").and_then(Value::as_bool).unwrap_or(false),
                    },
                );
            }
        }
        Some(_) => return Err(invalid("`outputs` must be an object")),
    }

    let mut resources = BTreeMap::new();
    let list = match top.get("resources") {
        None | Some(Value::Null) => &[][..],
        Some(Value::Array(a)) => a.as_slice(),
        Some(_) => return Err(invalid("`resources` must be an array")),
    };
    for (ri, r) in list.iter().enumerate() {
        let r = r.as_object().ok_or_else(|| invalid(format!("resources[{ri}] must be an object")))?;
        let ctx = format!("resources[{ri}]");
        let module = opt_str(r, "module", &ctx)?;
        let mode = match get_str(r, "mode", &ctx)? {
            "managed" => Mode::Managed,
            "data" => Mode::Data,
            other => return Err(invalid(format!("{ctx}: unknown mode {other:?} (want \"managed\" or \"data\")"))),
        };
        let ty = get_str(r, "type", &ctx)?.to_string();
        let name = get_str(r, "name", &ctx)?.to_string();
        let provider = get_str(r, "provider", &ctx)?.to_string();
        let instances = match r.get("instances") {
            None | Some(Value::Null) => &[][..],
            Some(Value::Array(a)) => a.as_slice(),
            Some(_) => return Err(invalid(format!("{ctx}: `instances` must be an array"))),
        };
        for (ii, inst) in instances.iter().enumerate() {
            let ctx = format!("{ctx}.instances[{ii}]");
            let inst = inst.as_object().ok_or_else(|| invalid(format!("{ctx} must be an object")))?;
            let index_key = match inst.get("index_key") {
                None | Some(Value::Null) => None,
                Some(Value::String(s)) => Some(IndexKey::Str(s.clone())),
                Some(Value::Number(n)) => Some(IndexKey::Int(
                    n.as_i64().ok_or_else(|| invalid(format!("{ctx}: `index_key` {n} is not an integer")))?,
                )),
                Some(_) => return Err(invalid(format!("{ctx}: `index_key` must be a number or a string"))),
            };
            let tainted = match opt_str(inst, "status", &ctx)?.as_deref() {
                None => false,
                Some("tainted") => true,
                Some(other) => return Err(invalid(format!("{ctx}: unknown status {other:?} (want \"tainted\")"))),
            };
            if inst.get("attributes_flat").is_some_and(|v| !v.is_null()) && inst.get("attributes").is_none() {
                return Err(invalid(format!(
                    "{ctx}: holds legacy `attributes_flat` (Terraform 0.11); upgrade the state with `terraform apply -refresh-only` first"
                )));
            }
            let sensitive_attributes = match inst.get("sensitive_attributes") {
                None | Some(Value::Null) => Vec::new(),
                Some(Value::Array(paths)) => paths
                    .iter()
                    .map(|p| path_from_v4(p, &ctx))
                    .collect::<Result<Vec<_>, _>>()?,
                Some(_) => return Err(invalid(format!("{ctx}: `sensitive_attributes` must be an array"))),
            };
            let dependencies = match inst.get("dependencies") {
                None | Some(Value::Null) => Vec::new(),
                Some(Value::Array(ds)) => ds
                    .iter()
                    .map(|d| d.as_str().map(str::to_string).ok_or_else(|| invalid(format!("{ctx}: `dependencies` must hold strings"))))
                    .collect::<Result<Vec<_>, _>>()?,
                Some(_) => return Err(invalid(format!("{ctx}: `dependencies` must be an array"))),
            };
            let state = ResourceInstanceState {
                mode,
                module: module.clone(),
                r#type: ty.clone(),
                name: name.clone(),
                index_key,
                provider: provider.clone(),
                schema_version: inst.get("schema_version").and_then(Value::as_u64).unwrap_or(0),
                attributes: inst.get("attributes").cloned().unwrap_or(Value::Null),
                sensitive_attributes,
                private: opt_str(inst, "private", &ctx)?,
                dependencies,
                create_before_destroy: inst.get("create_before_destroy").and_then(Value::as_bool).unwrap_or(false),
                tainted,
                deposed: opt_str(inst, "deposed", &ctx)?,
            };
            let key = state.key();
            if resources.insert(key.clone(), state).is_some() {
                return Err(invalid(format!("{ctx}: duplicate instance {key}")));
            }
        }
    }

    Ok(State {
        format_version: STATE_FORMAT_VERSION,
        lineage,
        serial,
        infra_version,
        outputs,
        resources,
    })
}

fn path_from_v4(path: &Value, ctx: &str) -> Result<Vec<PathStep>, StateError> {
    let bad = || invalid(format!("{ctx}: malformed `sensitive_attributes` path {path}"));
    let steps = path.as_array().ok_or_else(bad)?;
    steps
        .iter()
        .map(|step| {
            let kind = step.get("type").and_then(Value::as_str).ok_or_else(bad)?;
            let value = step.get("value").ok_or_else(bad)?;
            match kind {
                "get_attr" => Ok(PathStep::Attr(value.as_str().ok_or_else(bad)?.to_string())),
                "index" => match value.get("value") {
                    Some(Value::String(s)) => Ok(PathStep::Key(s.clone())),
                    Some(Value::Number(n)) => Ok(PathStep::Index(n.as_i64().ok_or_else(bad)?)),
                    _ => Err(bad()),
                },
                _ => Err(bad()),
            }
        })
        .collect()
}

/// A v4 document serialized as Terraform 1.0.x writes it: two-space indent, `<`, `>`, `&`,
/// U+2028 and U+2029 escaped as `\u003c`..., `\b`/`\f` as `\u0008`/`\u000c`, trailing newline.
pub fn to_terraform_v4_pretty(state: &State) -> Vec<u8> {
    let doc = to_terraform_v4(state);
    let mut out = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(&mut out, GoFormatter::default());
    if serde::Serialize::serialize(&doc, &mut ser).is_err() {
        // Writing a Value to a Vec cannot fail; keep the plain encoding if it somehow does.
        out = serde_json::to_vec_pretty(&doc).unwrap_or_default();
    }
    out.push(b'\n');
    out
}

/// serde_json's pretty printer with Go `encoding/json` string escaping.
#[derive(Default)]
struct GoFormatter {
    pretty: serde_json::ser::PrettyFormatter<'static>,
}

impl serde_json::ser::Formatter for GoFormatter {
    fn write_string_fragment<W: ?Sized + io::Write>(&mut self, w: &mut W, fragment: &str) -> io::Result<()> {
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            let esc = match c {
                '<' => "\\u003c",
                '>' => "\\u003e",
                '&' => "\\u0026",
                '\u{2028}' => "\\u2028",
                '\u{2029}' => "\\u2029",
                _ => continue,
            };
            w.write_all(&fragment.as_bytes()[start..i])?;
            w.write_all(esc.as_bytes())?;
            start = i + c.len_utf8();
        }
        w.write_all(&fragment.as_bytes()[start..])
    }

    fn write_char_escape<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        escape: serde_json::ser::CharEscape,
    ) -> io::Result<()> {
        use serde_json::ser::CharEscape;
        let s: String = match escape {
            CharEscape::Quote => "\\\"".into(),
            CharEscape::ReverseSolidus => "\\\\".into(),
            CharEscape::Solidus => "\\/".into(),
            CharEscape::LineFeed => "\\n".into(),
            CharEscape::CarriageReturn => "\\r".into(),
            CharEscape::Tab => "\\t".into(),
            CharEscape::Backspace => "\\u0008".into(),
            CharEscape::FormFeed => "\\u000c".into(),
            CharEscape::AsciiControl(b) => format!("\\u{b:04x}"),
        };
        w.write_all(s.as_bytes())
    }

    fn begin_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.pretty.begin_array(w)
    }
    fn end_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.pretty.end_array(w)
    }
    fn begin_array_value<W: ?Sized + io::Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.pretty.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.pretty.end_array_value(w)
    }
    fn begin_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.pretty.begin_object(w)
    }
    fn end_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.pretty.end_object(w)
    }
    fn begin_object_key<W: ?Sized + io::Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.pretty.begin_object_key(w, first)
    }
    fn begin_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.pretty.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.pretty.end_object_value(w)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_escaping() {
        let mut s = State::new();
        s.outputs.insert(
            "o".into(),
            OutputState { value: json!("a<b>&c\u{8}\u{c}\u{2028}\"\\"), r#type: json!("string"), sensitive: false },
        );
        let text = String::from_utf8(to_terraform_v4_pretty(&s)).unwrap();
        assert!(
            text.contains(r#""value": "a\u003cb\u003e\u0026c\u0008\u000c\u2028\"\\""#),
            "{text}"
        );
        // and it still parses back to the same value
        let back = State::from_slice(text.as_bytes()).unwrap();
        assert_eq!(back.outputs, s.outputs);
    }

    #[test]
    fn rejects_bad_documents() {
        for (doc, needle) in [
            (json!([]), "not a JSON object"),
            (json!({"version": 4, "terraform_version": "1.0.3", "lineage": "x"}), "serial"),
            (
                json!({"version": 4, "terraform_version": "1.0.3", "lineage": "x", "serial": 1,
                       "resources": [{"mode": "weird", "type": "t", "name": "n", "provider": "p", "instances": []}]}),
                "unknown mode",
            ),
            (
                json!({"version": 4, "terraform_version": "1.0.3", "lineage": "x", "serial": 1,
                       "resources": [{"mode": "managed", "type": "t", "name": "n", "provider": "p",
                                      "instances": [{"index_key": 0}, {"index_key": 0}]}]}),
                "duplicate instance t.n[0]",
            ),
        ] {
            let err = from_terraform_v4(&doc).unwrap_err();
            assert!(err.to_string().contains(needle), "{err} should mention {needle}");
        }
    }
}
