//! The machine-readable plan: `infra show -json PLANFILE`, following the schema of
//! `terraform show -json` (Terraform 1.x, `format_version` "1.2").
//!
//! **Deliberate difference from Terraform**: every sensitive leaf is written as `null` in
//! `before`, `after`, `values` and `prior_state`, and sensitive variables' and outputs' values
//! are `null`, while the `before_sensitive` / `after_sensitive` / `sensitive_values` flags stay
//! exact. Terraform writes those secrets in clear; infra never does. Unknown leaves are `null`
//! in `after` / `values` and `true` in `after_unknown`.
//!
//! The `configuration` section comes from a [`JsonConfigInput`] the caller fills from the
//! configuration, so this module does not depend on the config loader.

use std::collections::BTreeMap;

use infra_lang::{PathStep, Value};
use serde_json::{json, Map, Value as J};

use crate::addrs::{InstanceKey, Mode, ResourceAddr};
use crate::plan::model::{Action, Plan, Reason, ResourceChange};

/// The `format_version` this renderer writes.
pub const JSON_PLAN_FORMAT_VERSION: &str = "1.2";

/// An expression as the `configuration` section shows it.
#[derive(Clone, Debug, PartialEq)]
pub enum ConfigExpr {
    /// `{"constant_value": ...}`.
    Constant(J),
    /// `{"references": [...]}`, e.g. `["var.name", "null_resource.a.id", "null_resource.a"]`.
    References(Vec<String>),
}

/// A `provider` configuration (or an implied one).
#[derive(Clone, Debug, PartialEq)]
pub struct ConfigProvider {
    /// The `provider_config_key`, e.g. `null` or `aws.west`.
    pub key: String,
    /// Local name, e.g. `null`.
    pub name: String,
    /// Full source, e.g. `registry.terraform.io/hashicorp/null`.
    pub full_name: String,
    pub alias: Option<String>,
    pub expressions: BTreeMap<String, ConfigExpr>,
}

/// A `resource` or `data` block.
#[derive(Clone, Debug, PartialEq)]
pub struct ConfigResource {
    pub addr: ResourceAddr,
    pub provider_config_key: String,
    pub schema_version: u64,
    /// Attribute name → expression.
    pub expressions: BTreeMap<String, ConfigExpr>,
    pub count: Option<ConfigExpr>,
    pub for_each: Option<ConfigExpr>,
    /// Resource addresses from `depends_on`.
    pub depends_on: Vec<String>,
}

/// An `output` block.
#[derive(Clone, Debug, PartialEq)]
pub struct ConfigOutput {
    pub name: String,
    pub sensitive: bool,
    pub description: Option<String>,
    pub expression: ConfigExpr,
}

/// A `variable` block.
#[derive(Clone, Debug, PartialEq)]
pub struct ConfigVariable {
    pub name: String,
    pub description: Option<String>,
    /// The default as JSON (written as `null` when the variable is sensitive).
    pub default: Option<J>,
    pub sensitive: bool,
}

/// A `module` block, with the called module's own configuration.
#[derive(Clone, Debug, PartialEq)]
pub struct ConfigModuleCall {
    pub name: String,
    pub source: String,
    /// Input variable name → expression.
    pub expressions: BTreeMap<String, ConfigExpr>,
    pub count: Option<ConfigExpr>,
    pub for_each: Option<ConfigExpr>,
    pub depends_on: Vec<String>,
    pub module: JsonConfigInput,
}

/// What the `configuration` section needs from the configuration (one module; `providers`
/// is only used at the root).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct JsonConfigInput {
    pub providers: Vec<ConfigProvider>,
    pub resources: Vec<ConfigResource>,
    pub outputs: Vec<ConfigOutput>,
    pub variables: Vec<ConfigVariable>,
    pub module_calls: Vec<ConfigModuleCall>,
}

/// The JSON plan document, timestamped now.
pub fn plan_json(plan: &Plan, config: &JsonConfigInput) -> J {
    plan_json_at(plan, config, &rfc3339_now())
}

/// The JSON plan document with a given `timestamp` (RFC 3339).
pub fn plan_json_at(plan: &Plan, config: &JsonConfigInput, timestamp: &str) -> J {
    let version = env!("CARGO_PKG_VERSION");
    let variables: Map<String, J> =
        plan.variables.iter().map(|(k, v)| (k.clone(), json!({ "value": redact(v) }))).collect();

    let sensitive_outputs: BTreeMap<&str, bool> = config.outputs.iter().map(|o| (o.name.as_str(), o.sensitive)).collect();
    let mut planned_outputs = Map::new();
    let mut output_changes = Map::new();
    for o in &plan.outputs {
        let sensitive = o.sensitive || sensitive_outputs.get(o.name.as_str()).copied().unwrap_or(false);
        let redact_output = |v: &Value| if sensitive { J::Null } else { redact(v) };
        let flag = |v: &Value| if sensitive { J::Bool(true) } else { v.sensitive_json() };
        if o.action != Action::Delete {
            let mut po = Map::new();
            po.insert("sensitive".into(), J::Bool(sensitive));
            if o.after.is_wholly_known() {
                po.insert("value".into(), redact_output(&o.after));
            }
            planned_outputs.insert(o.name.clone(), J::Object(po));
        }
        output_changes.insert(
            o.name.clone(),
            json!({
                "actions": o.action.json_actions(),
                "before": redact_output(&o.before),
                "after": redact_output(&o.after),
                "after_unknown": o.after.unknown_json(),
                "before_sensitive": flag(&o.before),
                "after_sensitive": flag(&o.after),
            }),
        );
    }

    let planned_resources: Vec<J> = plan
        .changes
        .iter()
        .filter(|c| !matches!(c.action, Action::Delete))
        .map(|c| {
            let mut r = resource_head(c);
            r.insert("schema_version".into(), json!(c.schema_version));
            r.insert("values".into(), redact(&c.after));
            r.insert("sensitive_values".into(), sensitive_values(&c.after));
            J::Object(r)
        })
        .collect();

    let mut relevant = Vec::new();
    for d in &plan.drift {
        if let (Some(b), Some(a)) = (d.before.unmarked().as_entries(), d.after.unmarked().as_entries()) {
            let mut keys: Vec<&String> = b.keys().chain(a.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys.into_iter().filter(|k| b.get(*k) != a.get(*k)) {
                relevant.push(json!({ "resource": d.addr.to_string(), "attribute": [k] }));
            }
        } else if d.action != Action::NoOp {
            relevant.push(json!({ "resource": d.addr.to_string(), "attribute": [] }));
        }
    }

    json!({
        "format_version": JSON_PLAN_FORMAT_VERSION,
        "terraform_version": version,
        "variables": variables,
        "planned_values": {
            "outputs": planned_outputs,
            "root_module": { "resources": planned_resources },
        },
        "resource_drift": plan.drift.iter().filter(|c| c.action != Action::NoOp).map(resource_change).collect::<Vec<_>>(),
        "resource_changes": plan.changes.iter().map(resource_change).collect::<Vec<_>>(),
        "output_changes": output_changes,
        "prior_state": prior_state(&plan.prior_state, version),
        "configuration": configuration(config),
        "relevant_attributes": relevant,
        "timestamp": timestamp,
        "errored": false,
    })
}

/// A value as JSON with sensitive and unknown places written as `null`.
pub fn redact(v: &Value) -> J {
    if v.marks().sensitive {
        return J::Null;
    }
    match v.unmarked() {
        Value::List(_, vs) | Value::Set(_, vs) | Value::Tuple(vs) => J::Array(vs.iter().map(redact).collect()),
        Value::Map(_, m) | Value::Object(m) => J::Object(m.iter().map(|(k, e)| (k.clone(), redact(e))).collect()),
        Value::Marked(..) => J::Null,
        other => other.to_json(),
    }
}

/// `sensitive_values`: like `after_sensitive` but always an object/array for containers.
fn sensitive_values(v: &Value) -> J {
    match v.sensitive_json() {
        J::Bool(false) if v.unmarked().as_entries().is_some() => J::Object(Map::new()),
        J::Bool(false) if v.unmarked().as_seq().is_some() => J::Array(vec![]),
        j => j,
    }
}

fn mode_str(m: Mode) -> &'static str {
    match m {
        Mode::Managed => "managed",
        Mode::Data => "data",
    }
}

fn index_json(k: &InstanceKey) -> Option<J> {
    match k {
        InstanceKey::None => None,
        InstanceKey::Int(i) => Some(json!(i)),
        InstanceKey::Str(s) => Some(json!(s)),
    }
}

fn resource_head(c: &ResourceChange) -> Map<String, J> {
    let mut r = Map::new();
    r.insert("address".into(), json!(c.addr.to_string()));
    r.insert("mode".into(), json!(mode_str(c.addr.resource.mode)));
    r.insert("type".into(), json!(c.addr.resource.r#type));
    r.insert("name".into(), json!(c.addr.resource.name));
    if let Some(i) = index_json(&c.addr.key) {
        r.insert("index".into(), i);
    }
    r.insert("provider_name".into(), json!(c.provider));
    r
}

fn path_json(p: &[PathStep]) -> J {
    J::Array(
        p.iter()
            .map(|s| match s {
                PathStep::Attr(a) | PathStep::Key(a) => json!(a),
                PathStep::Index(i) => json!(i),
            })
            .collect(),
    )
}

fn resource_change(c: &ResourceChange) -> J {
    let mut r = resource_head(c);
    // `resource_head` puts provider_name last; Terraform puts previous_address after address.
    if let Some(p) = c.prev_addr.as_ref().filter(|p| **p != c.addr) {
        let mut with_prev = Map::new();
        for (k, v) in r {
            let is_addr = k == "address";
            with_prev.insert(k, v);
            if is_addr {
                with_prev.insert("previous_address".into(), json!(p.to_string()));
            }
        }
        r = with_prev;
    }
    let mut change = Map::new();
    change.insert("actions".into(), json!(c.action.json_actions()));
    change.insert("before".into(), redact(&c.before));
    change.insert("after".into(), redact(&c.after));
    change.insert("after_unknown".into(), c.after.unknown_json());
    change.insert("before_sensitive".into(), c.before.sensitive_json());
    change.insert("after_sensitive".into(), c.after.sensitive_json());
    if let Some(Reason::CannotUpdate(paths)) = &c.reason {
        change.insert("replace_paths".into(), J::Array(paths.iter().map(|p| path_json(p)).collect()));
    }
    if let Some(id) = &c.importing {
        change.insert("importing".into(), json!({ "id": id }));
    }
    r.insert("change".into(), J::Object(change));
    let reason = match &c.reason {
        Some(Reason::CannotUpdate(_)) => Some("replace_because_cannot_update"),
        Some(Reason::ReplaceTriggeredBy(_)) => Some("replace_by_triggers"),
        Some(Reason::Tainted) => Some("replace_because_tainted"),
        Some(Reason::NoResourceConfig) => Some("delete_because_no_resource_config"),
        Some(Reason::CountIndex) => Some("delete_because_count_index"),
        Some(Reason::EachKey) => Some("delete_because_each_key"),
        Some(Reason::ConfigUnknown) => Some("read_because_config_unavailable"),
        Some(Reason::DependencyPending) => Some("read_because_dependency_pending"),
        Some(Reason::DestroyMode) | None => None,
    };
    if let Some(reason) = reason {
        r.insert("action_reason".into(), json!(reason));
    }
    J::Object(r)
}

/// `provider["registry.terraform.io/hashicorp/null"]` → `registry.terraform.io/hashicorp/null`.
fn provider_name(state_provider: &str) -> String {
    state_provider
        .strip_prefix("provider[\"")
        .and_then(|s| s.split("\"]").next())
        .map(str::to_string)
        .unwrap_or_else(|| state_provider.to_string())
}

/// Sets the places named by (state) paths to `null` and builds the matching sensitivity mirror.
fn redact_state_attrs(attrs: &J, paths: &[Vec<infra_state::PathStep>]) -> (J, J) {
    let mut values = attrs.clone();
    let mut flags = match attrs {
        J::Array(_) => J::Array(vec![]),
        _ => J::Object(Map::new()),
    };
    for p in paths {
        let mut v = &mut values;
        let mut f = &mut flags;
        let n = p.len();
        for (i, step) in p.iter().enumerate() {
            let last = i + 1 == n;
            let (vnext, fnext): (Option<&mut J>, &mut J) = match step {
                infra_state::PathStep::Attr(k) | infra_state::PathStep::Key(k) => {
                    if !f.is_object() {
                        *f = J::Object(Map::new());
                    }
                    let fo = f.as_object_mut().expect("just made an object");
                    let fe = fo.entry(k.clone()).or_insert(J::Bool(false));
                    (v.get_mut(k.as_str()), fe)
                }
                infra_state::PathStep::Index(ix) => {
                    let ix = usize::try_from(*ix).unwrap_or(usize::MAX);
                    if !f.is_array() {
                        *f = J::Array(vec![]);
                    }
                    let fa = f.as_array_mut().expect("just made an array");
                    while fa.len() <= ix.min(4096) {
                        fa.push(J::Bool(false));
                    }
                    let fe = &mut fa[ix.min(4096)];
                    (v.get_mut(ix), fe)
                }
            };
            if last {
                *fnext = J::Bool(true);
                if let Some(vn) = vnext {
                    *vn = J::Null;
                }
                break;
            }
            match vnext {
                Some(vn) => {
                    v = vn;
                    f = fnext;
                }
                None => {
                    // The value has no such place: redact the nearest ancestor to be safe.
                    *fnext = J::Bool(true);
                    break;
                }
            }
        }
        if p.is_empty() {
            values = J::Null;
            flags = J::Bool(true);
        }
    }
    (values, flags)
}

fn prior_state(state: &infra_state::State, version: &str) -> J {
    let outputs: Map<String, J> = state
        .outputs
        .iter()
        .map(|(k, o)| {
            let value = if o.sensitive { J::Null } else { o.value.clone() };
            (k.clone(), json!({ "sensitive": o.sensitive, "value": value, "type": o.r#type }))
        })
        .collect();
    let resources: Vec<J> = state
        .resources
        .values()
        .filter(|r| r.deposed.is_none() && r.module.as_deref().unwrap_or("").is_empty())
        .map(|r| {
            let (values, sensitive) = redact_state_attrs(&r.attributes, &r.sensitive_attributes);
            let mut o = Map::new();
            o.insert("address".into(), json!(r.address()));
            o.insert("mode".into(), json!(r.mode.as_str()));
            o.insert("type".into(), json!(r.r#type));
            o.insert("name".into(), json!(r.name));
            match &r.index_key {
                Some(infra_state::IndexKey::Int(i)) => {
                    o.insert("index".into(), json!(i));
                }
                Some(infra_state::IndexKey::Str(s)) => {
                    o.insert("index".into(), json!(s));
                }
                None => {}
            }
            o.insert("provider_name".into(), json!(provider_name(&r.provider)));
            o.insert("schema_version".into(), json!(r.schema_version));
            o.insert("values".into(), values);
            o.insert("sensitive_values".into(), sensitive);
            if !r.dependencies.is_empty() {
                o.insert("depends_on".into(), json!(r.dependencies));
            }
            if r.tainted {
                o.insert("tainted".into(), J::Bool(true));
            }
            J::Object(o)
        })
        .collect();
    json!({
        "format_version": "1.0",
        "terraform_version": version,
        "values": {
            "outputs": outputs,
            "root_module": { "resources": resources },
        },
    })
}

fn expr_json(e: &ConfigExpr) -> J {
    match e {
        ConfigExpr::Constant(v) => json!({ "constant_value": v }),
        ConfigExpr::References(r) => json!({ "references": r }),
    }
}

fn exprs_json(m: &BTreeMap<String, ConfigExpr>) -> J {
    J::Object(m.iter().map(|(k, e)| (k.clone(), expr_json(e))).collect())
}

fn configuration(config: &JsonConfigInput) -> J {
    let providers: Map<String, J> = config
        .providers
        .iter()
        .map(|p| {
            let mut o = Map::new();
            o.insert("name".into(), json!(p.name));
            o.insert("full_name".into(), json!(p.full_name));
            if let Some(a) = &p.alias {
                o.insert("alias".into(), json!(a));
            }
            if !p.expressions.is_empty() {
                o.insert("expressions".into(), exprs_json(&p.expressions));
            }
            (p.key.clone(), J::Object(o))
        })
        .collect();
    json!({
        "provider_config": providers,
        "root_module": module_json(config),
    })
}

/// One module of the `configuration` section (resources are addressed within the module).
fn module_json(config: &JsonConfigInput) -> J {
    let resources: Vec<J> = config
        .resources
        .iter()
        .map(|r| {
            let mut o = Map::new();
            o.insert("address".into(), json!(r.addr.local()));
            o.insert("mode".into(), json!(mode_str(r.addr.mode)));
            o.insert("type".into(), json!(r.addr.r#type));
            o.insert("name".into(), json!(r.addr.name));
            o.insert("provider_config_key".into(), json!(r.provider_config_key));
            o.insert("expressions".into(), exprs_json(&r.expressions));
            o.insert("schema_version".into(), json!(r.schema_version));
            if let Some(c) = &r.count {
                o.insert("count_expression".into(), expr_json(c));
            }
            if let Some(f) = &r.for_each {
                o.insert("for_each_expression".into(), expr_json(f));
            }
            if !r.depends_on.is_empty() {
                o.insert("depends_on".into(), json!(r.depends_on));
            }
            J::Object(o)
        })
        .collect();
    let outputs: Map<String, J> = config
        .outputs
        .iter()
        .map(|o| {
            let mut j = Map::new();
            if o.sensitive {
                j.insert("sensitive".into(), J::Bool(true));
            }
            j.insert("expression".into(), expr_json(&o.expression));
            if let Some(d) = &o.description {
                j.insert("description".into(), json!(d));
            }
            (o.name.clone(), J::Object(j))
        })
        .collect();
    let variables: Map<String, J> = config
        .variables
        .iter()
        .map(|v| {
            let mut j = Map::new();
            if let Some(d) = &v.default {
                j.insert("default".into(), if v.sensitive { J::Null } else { d.clone() });
            }
            if let Some(d) = &v.description {
                j.insert("description".into(), json!(d));
            }
            if v.sensitive {
                j.insert("sensitive".into(), J::Bool(true));
            }
            (v.name.clone(), J::Object(j))
        })
        .collect();
    let mut m = json!({ "resources": resources, "outputs": outputs, "variables": variables });
    if !config.module_calls.is_empty() {
        let calls: Map<String, J> = config
            .module_calls
            .iter()
            .map(|c| {
                let mut o = Map::new();
                o.insert("source".into(), json!(c.source));
                o.insert("expressions".into(), exprs_json(&c.expressions));
                if let Some(x) = &c.count {
                    o.insert("count_expression".into(), expr_json(x));
                }
                if let Some(x) = &c.for_each {
                    o.insert("for_each_expression".into(), expr_json(x));
                }
                if !c.depends_on.is_empty() {
                    o.insert("depends_on".into(), json!(c.depends_on));
                }
                o.insert("module".into(), module_json(&c.module));
                (c.name.clone(), J::Object(o))
            })
            .collect();
        m["module_calls"] = J::Object(calls);
    }
    m
}



/// The current UTC time as `YYYY-MM-DDTHH:MM:SSZ`.
fn rfc3339_now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}
