//! The state model: `State`, its outputs and resource instances, and the infra state file
//! format (version [`STATE_FORMAT_VERSION`]) they serialize to.
//!
//! The model does not know the engine: attribute values are `serde_json::Value` and addresses
//! are strings in Terraform syntax. A serializable type is a compatibility boundary: fields are
//! only ever added with `#[serde(default)]`; anything else bumps [`STATE_FORMAT_VERSION`].

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::StateError;

/// The version of the infra state format this build writes and reads.
pub const STATE_FORMAT_VERSION: u32 = 1;

/// The version of infra, written into every state.
pub const INFRA_VERSION: &str = env!("CARGO_PKG_VERSION");

/// A whole state snapshot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct State {
    pub format_version: u32,
    /// UUID v4, fixed for the life of a state.
    pub lineage: String,
    /// Incremented on every persisted change set.
    pub serial: u64,
    /// Version of infra that wrote it (`terraform-X.Y.Z` when imported from Terraform).
    pub infra_version: String,
    #[serde(default)]
    pub outputs: BTreeMap<String, OutputState>,
    /// Key: instance address (see [`ResourceInstanceState::key`]).
    #[serde(default)]
    pub resources: BTreeMap<String, ResourceInstanceState>,
}

/// A root module output value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutputState {
    pub value: serde_json::Value,
    /// cty JSON type encoding, e.g. `"string"` or `["list","string"]`.
    #[serde(rename = "type")]
    pub r#type: serde_json::Value,
    #[serde(default)]
    pub sensitive: bool,
}

/// Managed resource or data source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    #[default]
    Managed,
    Data,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Managed => "managed",
            Mode::Data => "data",
        }
    }
}

/// The `count` (int) or `for_each` (string) key of an instance.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum IndexKey {
    Int(i64),
    Str(String),
}

impl fmt::Display for IndexKey {
    /// `[0]` or `["k"]`, as in an address.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IndexKey::Int(i) => write!(f, "[{i}]"),
            IndexKey::Str(s) => write!(f, "[{}]", quote(s)),
        }
    }
}

impl PartialOrd for IndexKey {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for IndexKey {
    /// Ints (numerically) before strings (lexically).
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        use std::cmp::Ordering;
        match (self, other) {
            (IndexKey::Int(a), IndexKey::Int(b)) => a.cmp(b),
            (IndexKey::Str(a), IndexKey::Str(b)) => a.cmp(b),
            (IndexKey::Int(_), IndexKey::Str(_)) => Ordering::Less,
            (IndexKey::Str(_), IndexKey::Int(_)) => Ordering::Greater,
        }
    }
}

/// One step of a path to a (sensitive) attribute value.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PathStep {
    /// `.name`
    Attr(String),
    /// `[0]`
    Index(i64),
    /// `["k"]`
    Key(String),
}

/// One resource instance object (current, or deposed when `deposed` is set).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ResourceInstanceState {
    pub mode: Mode,
    /// e.g. `module.m` (None for the root module).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub module: Option<String>,
    #[serde(rename = "type")]
    pub r#type: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index_key: Option<IndexKey>,
    /// e.g. `provider["registry.terraform.io/hashicorp/null"]`.
    pub provider: String,
    #[serde(default)]
    pub schema_version: u64,
    #[serde(default)]
    pub attributes: serde_json::Value,
    /// Paths to sensitive leaves of `attributes`.
    #[serde(default)]
    pub sensitive_attributes: Vec<Vec<PathStep>>,
    /// The provider's private data, base64 (Terraform's `private`); opaque to infra.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private: Option<String>,
    /// Resource addresses (no instance key) this depends on.
    #[serde(default)]
    pub dependencies: Vec<String>,
    #[serde(default)]
    pub create_before_destroy: bool,
    #[serde(default)]
    pub tainted: bool,
    /// Deposed key when an old object is kept during create_before_destroy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deposed: Option<String>,
}

impl ResourceInstanceState {
    /// The resource address without instance key, e.g. `module.m.data.null_data_source.d`.
    pub fn resource_address(&self) -> String {
        let mut out = String::new();
        if let Some(m) = &self.module {
            if !m.is_empty() {
                out.push_str(m);
                out.push('.');
            }
        }
        if self.mode == Mode::Data {
            out.push_str("data.");
        }
        out.push_str(&self.r#type);
        out.push('.');
        out.push_str(&self.name);
        out
    }

    /// The instance address, e.g. `null_resource.b[0]` or `random_id.x["k"]`.
    pub fn address(&self) -> String {
        let mut out = self.resource_address();
        if let Some(k) = &self.index_key {
            out.push_str(&k.to_string());
        }
        out
    }

    /// The key of this object in [`State::resources`]: the instance address, followed by
    /// ` (deposed object KEY)` for a deposed object.
    pub fn key(&self) -> String {
        let mut out = self.address();
        if let Some(d) = &self.deposed {
            out.push_str(" (deposed object ");
            out.push_str(d);
            out.push(')');
        }
        out
    }
}

/// Quote a string as in an HCL/Terraform address (`"k"` with `\"` and `\\` escaped).
fn quote(s: &str) -> String {
    // serde_json's string encoding escapes exactly `"`, `\` and control characters.
    serde_json::to_string(s).unwrap_or_else(|_| format!("\"{s}\""))
}

/// Just enough of a file to tell which format it is.
#[derive(Deserialize)]
struct Probe {
    /// Terraform's format version.
    version: Option<serde_json::Value>,
    /// infra's format version.
    format_version: Option<serde_json::Value>,
}

impl Default for State {
    fn default() -> Self {
        State::new()
    }
}

impl State {
    /// An empty state with a fresh lineage and serial 0.
    pub fn new() -> State {
        State {
            format_version: STATE_FORMAT_VERSION,
            lineage: uuid::Uuid::new_v4().to_string(),
            serial: 0,
            infra_version: INFRA_VERSION.to_string(),
            outputs: BTreeMap::new(),
            resources: BTreeMap::new(),
        }
    }

    /// The infra state file: pretty JSON with a trailing newline.
    pub fn to_json_pretty(&self) -> Vec<u8> {
        // Serializing maps with string keys and JSON values cannot fail; fall back to compact
        // canonical bytes rather than panic if it ever does.
        match serde_json::to_vec_pretty(self) {
            Ok(mut v) => {
                v.push(b'\n');
                v
            }
            Err(_) => self.canonical_bytes(),
        }
    }

    /// Parse an infra state file, or a Terraform v4 state file (converted).
    pub fn from_slice(bytes: &[u8]) -> Result<State, StateError> {
        State::from_slice_at(bytes, Path::new("<state>"))
    }

    /// Like [`State::from_slice`], naming `path` in errors.
    pub fn from_slice_at(bytes: &[u8], path: &Path) -> Result<State, StateError> {
        let probe: Probe =
            serde_json::from_slice(bytes).map_err(|e| StateError::parse(path, &e))?;
        match (&probe.format_version, &probe.version) {
            (Some(fv), _) => {
                match fv.as_u64() {
                    Some(v) if v == u64::from(STATE_FORMAT_VERSION) => {}
                    Some(v) if v > u64::from(STATE_FORMAT_VERSION) => {
                        return Err(StateError::UnsupportedVersion {
                            path: path.to_path_buf(),
                            found: format!("infra format {v}"),
                            supported: STATE_FORMAT_VERSION,
                            hint: "The state was written by a newer infra. Upgrade infra to use it.".into(),
                        })
                    }
                    _ => {
                        return Err(StateError::UnsupportedVersion {
                            path: path.to_path_buf(),
                            found: format!("infra format {fv}"),
                            supported: STATE_FORMAT_VERSION,
                            hint: "This format version was never written by infra; the file is damaged. Restore it from the .backup file.".into(),
                        })
                    }
                }
                serde_json::from_slice(bytes).map_err(|e| StateError::parse(path, &e))
            }
            (None, Some(v)) => {
                if v.as_u64() == Some(4) {
                    let doc: serde_json::Value =
                        serde_json::from_slice(bytes).map_err(|e| StateError::parse(path, &e))?;
                    crate::tfstate::from_terraform_v4(&doc)
                } else {
                    Err(StateError::UnsupportedVersion {
                        path: path.to_path_buf(),
                        found: format!("Terraform format {v}"),
                        supported: STATE_FORMAT_VERSION,
                        hint: "Upgrade the state with Terraform 0.12 or later (run `terraform apply -refresh-only` with it), which writes format 4.".into(),
                    })
                }
            }
            (None, None) => Err(StateError::Parse {
                path: path.to_path_buf(),
                line: 1,
                column: 1,
                message: "neither `format_version` (infra) nor `version` (Terraform) is set".into(),
            }),
        }
    }

    /// Canonical serialization: compact JSON, object keys sorted at every level.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        let value = serde_json::to_value(self).unwrap_or(serde_json::Value::Null);
        let mut out = Vec::new();
        write_canonical(&value, &mut out);
        out
    }

    /// sha256 hex of [`State::canonical_bytes`]; independent of map iteration order.
    pub fn content_hash(&self) -> String {
        hex::encode(Sha256::digest(self.canonical_bytes()))
    }
}

/// Write `v` as compact JSON with object keys sorted (byte order of their UTF-8).
pub(crate) fn write_canonical(v: &serde_json::Value, out: &mut Vec<u8>) {
    use serde_json::Value;
    match v {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            out.push(b'{');
            for (i, (k, val)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                out.extend_from_slice(quote(k).as_bytes());
                out.push(b':');
                write_canonical(val, out);
            }
            out.push(b'}');
        }
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_canonical(item, out);
            }
            out.push(b']');
        }
        scalar => out.extend_from_slice(scalar.to_string().as_bytes()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inst(module: Option<&str>, mode: Mode, key: Option<IndexKey>) -> ResourceInstanceState {
        ResourceInstanceState {
            mode,
            module: module.map(str::to_string),
            r#type: "null_resource".into(),
            name: "a".into(),
            index_key: key,
            provider: "provider[\"registry.terraform.io/hashicorp/null\"]".into(),
            ..Default::default()
        }
    }

    #[test]
    fn addresses() {
        let cases = [
            (inst(None, Mode::Managed, None), "null_resource.a"),
            (inst(None, Mode::Managed, Some(IndexKey::Int(0))), "null_resource.a[0]"),
            (
                inst(None, Mode::Managed, Some(IndexKey::Str("k\"q".into()))),
                "null_resource.a[\"k\\\"q\"]",
            ),
            (inst(None, Mode::Data, None), "data.null_resource.a"),
            (inst(Some("module.m"), Mode::Managed, None), "module.m.null_resource.a"),
            (inst(Some("module.m[\"x\"]"), Mode::Data, Some(IndexKey::Int(2))), "module.m[\"x\"].data.null_resource.a[2]"),
        ];
        for (i, want) in cases {
            assert_eq!(i.address(), want);
        }
        let mut d = inst(None, Mode::Managed, Some(IndexKey::Int(1)));
        d.deposed = Some("00000001".into());
        assert_eq!(d.key(), "null_resource.a[1] (deposed object 00000001)");
    }

    #[test]
    fn canonical_sorts_nested_keys() {
        let a: serde_json::Value = serde_json::from_str(r#"{"b":{"y":1,"x":[{"q":1,"p":2}]},"a":"s"}"#).unwrap();
        let mut out = Vec::new();
        write_canonical(&a, &mut out);
        assert_eq!(String::from_utf8(out).unwrap(), r#"{"a":"s","b":{"x":[{"p":2,"q":1}],"y":1}}"#);
    }

    #[test]
    fn content_hash_ignores_attribute_key_order() {
        let mut s1 = State::new();
        let mut s2 = s1.clone();
        let mut r = inst(None, Mode::Managed, None);
        r.attributes = serde_json::from_str(r#"{"id":"1","triggers":{"b":"2","a":"1"}}"#).unwrap();
        s1.resources.insert(r.key(), r.clone());
        r.attributes = serde_json::from_str(r#"{"triggers":{"a":"1","b":"2"},"id":"1"}"#).unwrap();
        s2.resources.insert(r.key(), r);
        assert_eq!(s1.content_hash(), s2.content_hash());
        assert_eq!(s1.content_hash().len(), 64);
        s2.serial += 1;
        assert_ne!(s1.content_hash(), s2.content_hash());
    }

    #[test]
    fn rejects_newer_and_unknown_formats() {
        let newer = br#"{"format_version": 2, "lineage": "x", "serial": 1, "infra_version": "9"}"#;
        let err = State::from_slice(newer).unwrap_err();
        assert!(matches!(err, StateError::UnsupportedVersion { .. }), "{err}");
        assert!(err.to_string().contains("newer infra"), "{err}");

        let tf3 = br#"{"version": 3, "serial": 1}"#;
        let err = State::from_slice(tf3).unwrap_err();
        assert!(err.to_string().contains("Terraform format 3"), "{err}");

        let neither = br#"{"serial": 1}"#;
        assert!(matches!(State::from_slice(neither), Err(StateError::Parse { .. })));

        let broken = b"{\n  \"format_version\": 1,\n  oops";
        match State::from_slice(broken) {
            Err(StateError::Parse { line, .. }) => assert_eq!(line, 3),
            other => panic!("expected parse error, got {other:?}"),
        }
    }

    #[test]
    fn json_round_trip() {
        let mut s = State::new();
        let mut r = inst(Some("module.m"), Mode::Managed, Some(IndexKey::Str("k".into())));
        r.attributes = serde_json::json!({"id": "123", "n": 1.5e300, "f": 0.1});
        r.sensitive_attributes = vec![vec![PathStep::Attr("x".into()), PathStep::Index(0), PathStep::Key("k".into())]];
        r.tainted = true;
        s.resources.insert(r.key(), r);
        s.outputs.insert(
            "o".into(),
            OutputState { value: serde_json::json!(["a"]), r#type: serde_json::json!(["list", "string"]), sensitive: true },
        );
        let back = State::from_slice(&s.to_json_pretty()).unwrap();
        assert_eq!(back, s);
        assert_eq!(back.content_hash(), s.content_hash());
    }
}
