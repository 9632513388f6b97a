//! Snapshot tests of the text renderer and key-path/canary tests of the JSON renderer.
//! Plans are built by hand; snapshots live in `render/snapshots/`.

use std::collections::BTreeMap;

use infra_lang::{PathStep, Type, Value};

use super::json::{plan_json, plan_json_at, ConfigExpr, ConfigOutput, ConfigProvider, ConfigResource, ConfigVariable, JsonConfigInput};
use super::text::{render_apply_summary, render_outputs, render_plan, render_value, TextOptions};
use crate::addrs::{InstanceAddr, ResourceAddr};
use crate::plan::model::{Action, OutputChange, Plan, Reason, ReplaceOrder, ResourceChange};

const CANARY: &str = "CANARY-s3cr3t";
pub(super) const NULL_PROVIDER: &str = "registry.terraform.io/hashicorp/null";

/// Snapshot named without the module path, so the scratch and engine builds share files.
/// (Also used by `markdown_tests`.)
macro_rules! snap {
    ($name:expr, $value:expr) => {
        insta::with_settings!({ prepend_module_to_snapshot => false, omit_expression => true }, {
            insta::assert_snapshot!($name, $value);
        })
    };
}

pub(super) fn plan(changes: Vec<ResourceChange>) -> Plan {
    Plan {
        destroy: false,
        changes,
        drift: vec![],
        outputs: vec![],
        variables: BTreeMap::new(),
        targets: vec![],
        prior_state: infra_state::State::new(),
        prior_state_hash: String::new(),
        config_hash: String::new(),
        warnings: vec![],
    }
}

pub(super) fn addr(s: &str) -> InstanceAddr {
    s.parse().expect(s)
}

pub(super) fn change(a: &str, action: Action, before: Value, after: Value) -> ResourceChange {
    ResourceChange {
        addr: addr(a),
        prev_addr: None,
        provider: NULL_PROVIDER.to_string(),
        action,
        reason: None,
        before,
        after,
        depends_on: vec![],
        schema_version: 0,
        create_before_destroy: false,
        importing: None,
    }
}

pub(super) fn s(x: &str) -> Value {
    Value::string(x)
}

pub(super) fn n(x: i64) -> Value {
    Value::number(x)
}

pub(super) fn smap(entries: &[(&str, Value)]) -> Value {
    Value::Map(Type::String, entries.iter().map(|(k, v)| (k.to_string(), v.clone())).collect())
}

pub(super) fn obj(entries: &[(&str, Value)]) -> Value {
    Value::object(entries.iter().map(|(k, v)| (k.to_string(), v.clone())))
}

fn text(p: &Plan) -> String {
    render_plan(p, &TextOptions { color: false })
}

#[test]
fn create_with_nested_map_and_unknowns() {
    let after = obj(&[
        ("id", Value::Unknown(Type::String)),
        ("triggers", smap(&[("k", s("v")), ("other_key", s("w"))])),
        ("nothing", Value::Null(Type::String)),
        ("list", Value::List(Type::String, vec![s("a"), Value::Unknown(Type::String)])),
        ("count", n(3)),
        ("ratio", Value::number(1.5)),
        ("enabled", Value::bool(true)),
        ("quoted", s("say \"hi\"\tnow\\")),
    ]);
    let p = plan(vec![change("null_resource.a", Action::Create, Value::Null(Type::Dynamic), after)]);
    snap!("create", text(&p));
}

#[test]
fn update_in_place() {
    let before = obj(&[
        ("id", s("123")),
        ("a", s("one")),
        ("b", s("two")),
        ("c", n(3)),
        ("gone", s("bye")),
        ("triggers", smap(&[("keep", s("1")), ("keep2", s("2")), ("removed", s("x")), ("changed", s("old"))])),
        ("tags", smap(&[("env", s("prod"))])),
        ("list", Value::List(Type::String, (1..=8).map(|i| s(&format!("e{i}"))).collect())),
    ]);
    let after = obj(&[
        ("id", s("123")),
        ("a", s("one")),
        ("b", s("TWO")),
        ("c", n(3)),
        ("gone", Value::Null(Type::String)),
        ("triggers", smap(&[("keep", s("1")), ("keep2", s("2")), ("added", s("y")), ("changed", s("new"))])),
        ("tags", smap(&[("env", s("prod"))])),
        ("list", Value::List(Type::String, (1..=8).map(|i| s(&if i == 5 { "E5".to_string() } else { format!("e{i}") })).collect())),
    ]);
    let p = plan(vec![change("null_resource.u", Action::Update, before, after)]);
    snap!("update_in_place", text(&p));
}

fn replace_change(order: ReplaceOrder) -> ResourceChange {
    let before = obj(&[
        ("id", s("5593266827564682068")),
        ("length", n(16)),
        ("special", Value::bool(true)),
        ("triggers", smap(&[("k", s("hello")), ("s", s("same"))])),
    ]);
    let after = obj(&[
        ("id", Value::Unknown(Type::String)),
        ("length", n(20)),
        ("special", Value::bool(true)),
        ("triggers", smap(&[("k", s("hello2")), ("s", s("same"))])),
    ]);
    let mut c = change("random_password.p", Action::Replace(order), before, after);
    c.reason = Some(Reason::CannotUpdate(vec![
        vec![PathStep::Attr("length".into())],
        vec![PathStep::Attr("triggers".into())],
    ]));
    c
}

#[test]
fn replace_forces_replacement() {
    let p = plan(vec![replace_change(ReplaceOrder::DestroyBeforeCreate)]);
    snap!("replace", text(&p));
}

#[test]
fn replace_create_before_destroy() {
    let mut c = replace_change(ReplaceOrder::CreateBeforeDestroy);
    c.create_before_destroy = true;
    let mut tainted = change(
        "null_resource.t",
        Action::Replace(ReplaceOrder::DestroyBeforeCreate),
        obj(&[("id", s("1"))]),
        obj(&[("id", Value::Unknown(Type::String))]),
    );
    tainted.reason = Some(Reason::Tainted);
    let mut triggered = change(
        "null_resource.r",
        Action::Replace(ReplaceOrder::DestroyBeforeCreate),
        obj(&[("id", s("2"))]),
        obj(&[("id", Value::Unknown(Type::String))]),
    );
    triggered.reason = Some(Reason::ReplaceTriggeredBy("null_resource.a.id".into()));
    let p = plan(vec![c, triggered, tainted]);
    snap!("replace_cbd", text(&p));
}

#[test]
fn delete_with_reasons() {
    let before = |id: &str| obj(&[("id", s(id)), ("triggers", smap(&[("dep", s("5593266827564682068"))]))]);
    let mut gone = change("null_resource.gone", Action::Delete, before("1"), Value::Null(Type::Dynamic));
    gone.reason = Some(Reason::NoResourceConfig);
    let mut counted = change("null_resource.b[2]", Action::Delete, before("2"), Value::Null(Type::Dynamic));
    counted.reason = Some(Reason::CountIndex);
    let mut keyed = change("null_resource.e[\"x\"]", Action::Delete, before("3"), Value::Null(Type::Dynamic));
    keyed.reason = Some(Reason::EachKey);
    let plain = change("null_resource.p", Action::Delete, before("4"), Value::Null(Type::Dynamic));
    let p = plan(vec![counted, keyed, gone, plain]);
    snap!("delete", text(&p));
}

#[test]
fn destroy_mode() {
    let mut c = change("null_resource.a", Action::Delete, obj(&[("id", s("1"))]), Value::Null(Type::Dynamic));
    c.reason = Some(Reason::DestroyMode);
    let mut p = plan(vec![c]);
    p.destroy = true;
    p.outputs = vec![OutputChange { name: "x".into(), action: Action::Delete, before: s("hello"), after: Value::null(), sensitive: false }];
    snap!("destroy_mode", text(&p));
    let mut empty = plan(vec![]);
    empty.destroy = true;
    snap!("destroy_mode_empty", text(&empty));
}

#[test]
fn drift_changed_and_deleted() {
    let mut p = plan(vec![change(
        "null_resource.a",
        Action::Update,
        obj(&[("id", s("1")), ("triggers", smap(&[("k", s("outside"))]))]),
        obj(&[("id", s("1")), ("triggers", smap(&[("k", s("v"))]))]),
    )]);
    p.drift = vec![
        change(
            "null_resource.a",
            Action::Update,
            obj(&[("id", s("1")), ("triggers", smap(&[("k", s("v"))]))]),
            obj(&[("id", s("1")), ("triggers", smap(&[("k", s("outside"))]))]),
        ),
        change("null_resource.d", Action::Delete, obj(&[("id", s("2"))]), Value::Null(Type::Dynamic)),
    ];
    snap!("drift", text(&p));
}

fn sensitive_plan() -> Plan {
    let before = obj(&[
        ("id", s("1")),
        ("result", s(&format!("{CANARY}-old")).sensitive()),
        ("triggers", smap(&[("k", s("v")), ("s", s(&format!("{CANARY}-m1")).sensitive())])),
        ("whole", smap(&[("a", s(CANARY))]).sensitive()),
        ("multi", s(&format!("line1\n{CANARY}\nline3\n")).sensitive()),
    ]);
    let after = obj(&[
        ("id", s("1")),
        ("result", s(&format!("{CANARY}-new")).sensitive()),
        ("triggers", smap(&[("k", s("v2")), ("s", s(&format!("{CANARY}-m2")).sensitive())])),
        ("whole", smap(&[("a", s(CANARY)), ("b", s(CANARY))]).sensitive()),
        ("multi", s(&format!("line1\n{CANARY}!\nline3\n")).sensitive()),
    ]);
    let created = obj(&[
        ("id", Value::Unknown(Type::String)),
        ("list", Value::List(Type::String, vec![s("ok"), s(CANARY).sensitive()])),
        ("json", s(&format!("{{\"password\": \"{CANARY}\"}}")).sensitive()),
        ("triggers", smap(&[("s", s(CANARY).sensitive())])),
    ]);
    let mut p = plan(vec![
        change("random_password.p", Action::Update, before, after),
        change("null_resource.c", Action::Create, Value::null(), created),
        change("null_resource.d", Action::Delete, obj(&[("id", s("9")), ("secret", s(CANARY).sensitive())]), Value::null()),
    ]);
    p.outputs = vec![
        OutputChange { name: "x".into(), action: Action::Create, before: Value::null(), after: s("hello"), sensitive: false },
        OutputChange {
            name: "y".into(),
            action: Action::Update,
            before: s(CANARY).sensitive(),
            after: s(&format!("{CANARY}2")).sensitive(),
            sensitive: true,
        },
        OutputChange { name: "z".into(), action: Action::Create, before: Value::null(), after: s(CANARY), sensitive: true },
    ];
    p.variables.insert("secret".into(), s(CANARY).sensitive());
    p
}

#[test]
fn sensitive_values_never_shown() {
    let p = sensitive_plan();
    let t = text(&p);
    assert!(!t.contains("CANARY"), "canary leaked:\n{t}");
    assert!(!t.contains("s3cr3t"), "canary leaked:\n{t}");
    assert!(!render_plan(&p, &TextOptions { color: true }).contains("s3cr3t"));
    snap!("sensitive", t);
}

#[test]
fn unknowns() {
    let before = obj(&[
        ("id", s("1")),
        ("triggers", smap(&[("a", s("x")), ("b", s("y"))])),
        ("value", s("old")),
    ]);
    let after = obj(&[
        ("id", s("1")),
        ("triggers", Value::Unknown(Type::map(Type::String))),
        ("value", Value::Unknown(Type::String)),
    ]);
    let mut read = change(
        "data.null_data_source.d",
        Action::Read,
        Value::null(),
        obj(&[("inputs", smap(&[("a", Value::Unknown(Type::String))])), ("outputs", Value::Unknown(Type::map(Type::String)))]),
    );
    read.reason = Some(Reason::ConfigUnknown);
    let mut read2 = read.clone();
    read2.addr = addr("data.null_data_source.e");
    read2.reason = Some(Reason::DependencyPending);
    let p = plan(vec![read, read2, change("null_resource.u", Action::Update, before, after)]);
    snap!("unknowns", text(&p));
}

#[test]
fn moved() {
    let v = obj(&[("id", s("1")), ("triggers", smap(&[("k", s("v"))]))]);
    let mut only = change("null_resource.new", Action::NoOp, v.clone(), v.clone());
    only.prev_addr = Some(addr("null_resource.old"));
    let mut and_update = change(
        "null_resource.b2",
        Action::Update,
        v.clone(),
        obj(&[("id", s("1")), ("triggers", smap(&[("k", s("w"))]))]),
    );
    and_update.prev_addr = Some(addr("null_resource.b"));
    let p = plan(vec![and_update, only]);
    snap!("moved", text(&p));
}

#[test]
fn long_string_one_line_changed() {
    let old: Vec<String> = (1..=200).map(|i| format!("line number {i}")).collect();
    let mut new = old.clone();
    new[99] = "line number 100 CHANGED".to_string();
    let before = obj(&[("id", s("1")), ("content", s(&(old.join("\n") + "\n")))]);
    let after = obj(&[("id", s("1")), ("content", s(&(new.join("\n") + "\n")))]);
    let p = plan(vec![change("local_file.f", Action::Update, before, after)]);
    let t = text(&p);
    assert!(t.lines().count() < 40, "expected a short diff, got {} lines:\n{t}", t.lines().count());
    assert!(t.contains("- line number 100\n") && t.contains("+ line number 100 CHANGED\n"), "{t}");
    snap!("long_string", t);
}

#[test]
fn multiline_string_create() {
    let after = obj(&[("content", s("line1\nline2\n\nline4\n")), ("id", Value::Unknown(Type::String))]);
    let p = plan(vec![change("local_file.f", Action::Create, Value::null(), after)]);
    snap!("multiline_create", text(&p));
}

#[test]
fn json_string_change() {
    let before = obj(&[
        ("id", s("1")),
        ("policy", s(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#)),
    ]);
    let after = obj(&[
        ("id", s("1")),
        ("policy", s(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:GetObject","Resource":"*"}]}"#)),
    ]);
    let created = obj(&[("policy", s(r#"{"a": [1, 2], "b": {"c": true}}"#))]);
    let p = plan(vec![
        change("aws_iam_policy.p", Action::Update, before, after),
        change("aws_iam_policy.q", Action::Create, Value::null(), created),
    ]);
    snap!("json_string", text(&p));
}

#[test]
fn outputs_only_and_apply_summary() {
    let mut p = plan(vec![]);
    p.outputs = vec![
        OutputChange { name: "x".into(), action: Action::Create, before: Value::null(), after: s("hello"), sensitive: false },
        OutputChange { name: "m".into(), action: Action::Update, before: smap(&[("a", s("1"))]), after: smap(&[("a", s("2"))]), sensitive: false },
        OutputChange { name: "u".into(), action: Action::Create, before: Value::null(), after: Value::unknown(), sensitive: false },
        OutputChange { name: "gone".into(), action: Action::Delete, before: n(1), after: Value::null(), sensitive: false },
    ];
    let mut t = text(&p);
    t.push_str("-----\n");
    t.push_str(&render_apply_summary(1, 0, 0));
    t.push('\n');
    t.push_str(&render_outputs(&[
        ("l".into(), Value::List(Type::String, vec![s("a"), s("b")]), false),
        ("m".into(), smap(&[("k", s("v"))]), false),
        ("o".into(), obj(&[("a", n(1)), ("b", Value::Tuple(vec![]))]), false),
        ("s".into(), s(CANARY), true),
        ("t".into(), s(CANARY).sensitive(), false),
        ("x".into(), s("hello"), false),
    ]));
    assert!(!t.contains("CANARY"), "{t}");
    snap!("outputs", t);
}

#[test]
fn no_changes() {
    let v = obj(&[("id", s("1"))]);
    let p = plan(vec![change("null_resource.a", Action::NoOp, v.clone(), v)]);
    snap!("no_changes", text(&p));
}

#[test]
fn colour_only_when_asked() {
    let p = plan(vec![change("null_resource.a", Action::Create, Value::null(), obj(&[("id", Value::unknown())]))]);
    assert!(!text(&p).contains('\x1b'));
    let c = render_plan(&p, &TextOptions { color: true });
    assert!(c.contains("\x1b[32m+\x1b[0m") && c.contains("\x1b[1m"), "{c}");
}

#[test]
fn values() {
    let v = obj(&[
        ("list", Value::List(Type::String, vec![s("a")])),
        ("set", Value::Set(Type::Number, vec![n(1), n(2)])),
        ("map", smap(&[("k", s("v"))])),
        ("tuple", Value::Tuple(vec![Value::bool(true), Value::null()])),
        ("secret", s(CANARY).sensitive()),
        ("unknown", Value::unknown()),
        ("text", s("a\nb\n")),
        ("empty", Value::List(Type::String, vec![])),
    ]);
    let t = render_value(&v, 0);
    assert!(!t.contains("CANARY"));
    snap!("render_value", t);
}

// ---------------------------------------------------------------------------------------------
// JSON

/// The infra equivalent of the plan in `engine/tests/render_fixtures/terraform-1.0.3-plan.json`
/// (a fresh apply of `null_resource.a` with a sensitive trigger, `null_resource.b[0..1]`, a
/// sensitive variable and two outputs), with `CANARY` as the secret.
fn fixture_plan() -> (Plan, JsonConfigInput) {
    let unknown_id = || Value::Unknown(Type::String);
    let mut a = change(
        "null_resource.a",
        Action::Create,
        Value::Null(Type::Dynamic),
        obj(&[("id", unknown_id()), ("triggers", smap(&[("k", s("hello")), ("s", s(CANARY).sensitive())]))]),
    );
    a.schema_version = 0;
    let b = |i: i64| {
        change(
            &format!("null_resource.b[{i}]"),
            Action::Create,
            Value::Null(Type::Dynamic),
            obj(&[("id", unknown_id()), ("triggers", Value::Unknown(Type::map(Type::String)))]),
        )
    };
    let mut p = plan(vec![a, b(0), b(1)]);
    p.variables.insert("name".into(), s("hello"));
    p.variables.insert("secret".into(), s(CANARY).sensitive());
    p.outputs = vec![
        OutputChange { name: "s".into(), action: Action::Create, before: Value::null(), after: s(CANARY).sensitive(), sensitive: true },
        OutputChange { name: "x".into(), action: Action::Create, before: Value::null(), after: s("hello"), sensitive: false },
    ];
    p.prior_state.outputs.insert(
        "s".into(),
        infra_state::OutputState { value: serde_json::json!(CANARY), r#type: serde_json::json!("string"), sensitive: true },
    );
    p.prior_state.outputs.insert(
        "x".into(),
        infra_state::OutputState { value: serde_json::json!("hello"), r#type: serde_json::json!("string"), sensitive: false },
    );
    let refs = |r: &[&str]| ConfigExpr::References(r.iter().map(|s| s.to_string()).collect());
    let cfg = JsonConfigInput {
        providers: vec![ConfigProvider {
            key: "null".into(),
            name: "null".into(),
            full_name: NULL_PROVIDER.into(),
            alias: None,
            expressions: BTreeMap::new(),
        }],
        resources: vec![
            ConfigResource {
                addr: ResourceAddr::managed("null_resource", "a"),
                provider_config_key: "null".into(),
                schema_version: 0,
                expressions: [("triggers".to_string(), refs(&["var.name", "var.secret"]))].into_iter().collect(),
                count: None,
                for_each: None,
                depends_on: vec![],
            },
            ConfigResource {
                addr: ResourceAddr::managed("null_resource", "b"),
                provider_config_key: "null".into(),
                schema_version: 0,
                expressions: [("triggers".to_string(), refs(&["null_resource.a.id", "null_resource.a"]))].into_iter().collect(),
                count: Some(ConfigExpr::Constant(serde_json::json!(2))),
                for_each: None,
                depends_on: vec![],
            },
        ],
        outputs: vec![
            ConfigOutput { name: "s".into(), sensitive: true, description: None, expression: refs(&["var.secret"]) },
            ConfigOutput { name: "x".into(), sensitive: false, description: None, expression: refs(&["var.name"]) },
        ],
        variables: vec![
            ConfigVariable { name: "name".into(), description: Some("a name".into()), default: Some(serde_json::json!("hello")), sensitive: false },
            ConfigVariable { name: "secret".into(), description: None, default: Some(serde_json::json!(CANARY)), sensitive: true },
        ],
        module_calls: vec![],
    };
    (p, cfg)
}

/// Object keys under these keys are user names (variables, outputs, attributes), not schema.
const NAME_MAPS: &[&str] = &["variables", "outputs", "provider_config", "expressions"];
/// Under these keys is user data (attribute values and their mirrors): not descended into.
const DATA_KEYS: &[&str] =
    &["values", "sensitive_values", "before", "after", "after_unknown", "before_sensitive", "after_sensitive", "value", "default", "constant_value", "replace_paths", "references"];

fn key_paths(j: &serde_json::Value, prefix: &str, parent: &str, out: &mut std::collections::BTreeSet<String>) {
    match j {
        serde_json::Value::Object(m) => {
            for (k, v) in m {
                let name = if NAME_MAPS.contains(&parent) { "*" } else { k.as_str() };
                let p = format!("{prefix}.{name}");
                out.insert(p.clone());
                if !DATA_KEYS.contains(&name) {
                    key_paths(v, &p, name, out);
                }
            }
        }
        serde_json::Value::Array(a) => {
            for v in a {
                key_paths(v, &format!("{prefix}[]"), parent, out);
            }
        }
        _ => {}
    }
}

#[test]
fn json_has_every_terraform_key_path() {
    let tf: serde_json::Value = serde_json::from_str(include_str!("../../tests/render_fixtures/terraform-1.0.3-plan.json")).unwrap();
    let (p, cfg) = fixture_plan();
    let ours = plan_json(&p, &cfg);
    let (mut want, mut have) = (Default::default(), Default::default());
    key_paths(&tf, "", "", &mut want);
    key_paths(&ours, "", "", &mut have);
    assert!(want.len() > 40, "too few key paths read from the fixture: {want:?}");
    let missing: Vec<&String> = want.difference(&have).collect();
    assert!(missing.is_empty(), "key paths in Terraform's plan JSON missing from ours: {missing:#?}");
    for k in ["resource_drift", "relevant_attributes", "timestamp", "errored"] {
        assert!(ours.get(k).is_some(), "{k}");
    }
    assert_eq!(ours["format_version"], "1.2");
}

#[test]
fn json_never_contains_secrets() {
    let (mut p, cfg) = fixture_plan();
    p.changes.extend(sensitive_plan().changes);
    let mut st = infra_state::ResourceInstanceState {
        r#type: "null_resource".into(),
        name: "old".into(),
        provider: format!("provider[\"{NULL_PROVIDER}\"]"),
        attributes: serde_json::json!({"id": "1", "triggers": {"k": "v", "s": CANARY}, "list": ["a", CANARY]}),
        sensitive_attributes: vec![
            vec![infra_state::PathStep::Attr("triggers".into()), infra_state::PathStep::Key("s".into())],
            vec![infra_state::PathStep::Attr("list".into()), infra_state::PathStep::Index(1)],
        ],
        ..Default::default()
    };
    st.dependencies = vec!["null_resource.a".into()];
    p.prior_state.resources.insert(st.key(), st);
    p.drift = vec![change(
        "null_resource.old",
        Action::Update,
        obj(&[("id", s("1")), ("secret", s(CANARY).sensitive())]),
        obj(&[("id", s("1")), ("secret", s("x").sensitive())]),
    )];
    let j = plan_json_at(&p, &cfg, "2024-01-01T00:00:00Z");
    let text = serde_json::to_string(&j).unwrap();
    assert!(!text.contains("s3cr3t"), "canary leaked: {text}");
    // Sensitivity flags stay exact.
    let a = &j["resource_changes"][0];
    assert_eq!(a["change"]["after_sensitive"], serde_json::json!({"triggers": {"s": true}}));
    assert_eq!(a["change"]["after"], serde_json::json!({"id": null, "triggers": {"k": "hello", "s": null}}));
    assert_eq!(a["change"]["after_unknown"], serde_json::json!({"id": true}));
    assert_eq!(j["variables"]["secret"]["value"], serde_json::Value::Null);
    assert_eq!(j["output_changes"]["s"]["after_sensitive"], true);
    let prior = &j["prior_state"]["values"]["root_module"]["resources"][0];
    assert_eq!(prior["sensitive_values"], serde_json::json!({"triggers": {"s": true}, "list": [false, true]}));
    assert_eq!(prior["values"]["list"], serde_json::json!(["a", null]));
    assert_eq!(prior["provider_name"], NULL_PROVIDER);
}

#[test]
fn json_reasons_and_moves() {
    let mut del = change("null_resource.b[2]", Action::Delete, obj(&[("id", s("2"))]), Value::null());
    del.reason = Some(Reason::CountIndex);
    let mut mv = change("null_resource.new", Action::NoOp, obj(&[("id", s("1"))]), obj(&[("id", s("1"))]));
    mv.prev_addr = Some(addr("null_resource.old"));
    let p = plan(vec![replace_change(ReplaceOrder::CreateBeforeDestroy), del, mv]);
    let j = plan_json_at(&p, &JsonConfigInput::default(), "2024-01-01T00:00:00Z");
    let rc = &j["resource_changes"];
    assert_eq!(rc[0]["action_reason"], "replace_because_cannot_update");
    assert_eq!(rc[0]["change"]["actions"], serde_json::json!(["create", "delete"]));
    assert_eq!(rc[0]["change"]["replace_paths"], serde_json::json!([["length"], ["triggers"]]));
    assert_eq!(rc[1]["action_reason"], "delete_because_count_index");
    assert_eq!(rc[1]["index"], 2);
    assert_eq!(rc[2]["previous_address"], "null_resource.old");
    assert_eq!(rc[2]["change"]["actions"], serde_json::json!(["no-op"]));
}

/// Ordered rules with identities (ruleset rules): one inserted rule and one edited rule are
/// shown as exactly that, not as a rewrite of every later rule.
#[test]
fn ordered_rules_insert_and_edit_are_minimal() {
    let rule = |id: Option<&str>, expr: &str, action: &str| {
        obj(&[
            ("id", id.map(s).unwrap_or(Value::Unknown(Type::String))),
            ("expression", s(expr)),
            ("action", s(action)),
        ])
    };
    let list = |rules: Vec<Value>| {
        let ty = rules[0].ty();
        Value::List(ty, rules)
    };
    let before = obj(&[
        ("name", s("waf")),
        ("rules", list(vec![rule(Some("r1"), "ip.src eq 192.0.2.1", "block"), rule(Some("r2"), "http.host eq \"a\"", "log"), rule(Some("r3"), "cf.bot_score lt 10", "managed_challenge"), rule(Some("r4"), "true", "skip")])),
    ]);
    let after = obj(&[
        ("name", s("waf")),
        (
            "rules",
            list(vec![
                rule(Some("r1"), "ip.src eq 192.0.2.1", "block"),
                rule(None, "http.request.uri.path eq \"/admin\"", "block"),
                rule(Some("r2"), "http.host eq \"a\"", "log"),
                rule(Some("r3"), "cf.bot_score lt 30", "managed_challenge"),
                rule(Some("r4"), "true", "skip"),
            ]),
        ),
    ]);
    let t = text(&plan(vec![change("null_resource.waf", Action::Update, before, after)]));
    // One added element, one edited expression; r1, r2 and r4 untouched.
    assert_eq!(t.matches("\n          + {").count(), 1, "{t}");
    assert!(t.contains(r#"~ expression = "cf.bot_score lt 10" -> "cf.bot_score lt 30""#), "{t}");
    assert!(!t.contains("- {"), "{t}");
    snap!("ordered_rules_insert_and_edit_are_minimal", t);
}
