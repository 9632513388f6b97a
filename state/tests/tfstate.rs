//! Golden round trips between infra's format and Terraform's v4 `terraform.tfstate`.

use infra_state::{from_terraform_v4, to_terraform_v4, to_terraform_v4_pretty, IndexKey, Mode, PathStep, State};

const FIXTURE: &str = include_str!("fixtures/terraform-1.0.3.tfstate");

fn fixture_state() -> State {
    State::from_slice(FIXTURE.as_bytes()).expect("fixture parses")
}

#[test]
fn v4_fixture_converts_to_the_expected_model() {
    let s = fixture_state();
    assert_eq!(s.lineage, "3f1b0a52-6d1e-4c53-8b6d-54d8e3a5f0f2");
    assert_eq!(s.serial, 5);
    assert_eq!(s.infra_version, "terraform-1.0.3");
    let keys: Vec<&str> = s.resources.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "module.m.data.null_data_source.d[\"k\"]",
            "module.m.null_resource.a",
            "module.m.null_resource.a (deposed object 00000001)",
            "null_resource.b[0]",
            "null_resource.b[1]",
            "random_password.p",
        ]
    );
    let b1 = &s.resources["null_resource.b[1]"];
    assert_eq!(b1.index_key, Some(IndexKey::Int(1)));
    assert_eq!(b1.dependencies, ["random_password.p"]);
    assert_eq!(b1.attributes["id"], "8674665223082153551");

    let p = &s.resources["random_password.p"];
    assert_eq!(p.sensitive_attributes, vec![vec![PathStep::Attr("keepers".into()), PathStep::Key("secret".into())]]);
    assert_eq!(p.private.as_deref(), Some("bnVsbA=="));
    assert_eq!(p.attributes["result"], "Kq<z8&Lm!p2>Vt4#");

    let a = &s.resources["module.m.null_resource.a"];
    assert!(a.tainted && a.create_before_destroy && a.deposed.is_none());
    assert_eq!(a.module.as_deref(), Some("module.m"));
    assert_eq!(a.sensitive_attributes, vec![vec![PathStep::Attr("triggers".into()), PathStep::Index(0)]]);
    let deposed = &s.resources["module.m.null_resource.a (deposed object 00000001)"];
    assert_eq!(deposed.deposed.as_deref(), Some("00000001"));
    assert!(!deposed.tainted);

    let d = &s.resources["module.m.data.null_data_source.d[\"k\"]"];
    assert_eq!(d.mode, Mode::Data);
    assert_eq!(d.index_key, Some(IndexKey::Str("k".into())));

    assert!(s.outputs["password"].sensitive);
    assert!(!s.outputs["ids"].sensitive);
    assert_eq!(s.outputs["ids"].r#type, serde_json::json!(["tuple", ["string", "string"]]));
}

#[test]
fn v4_to_ours_to_v4_is_byte_identical() {
    let back = to_terraform_v4_pretty(&fixture_state());
    let back = String::from_utf8(back).unwrap();
    if back != FIXTURE {
        // Show the first differing line to make failures readable.
        for (i, (a, b)) in back.lines().zip(FIXTURE.lines()).enumerate() {
            assert_eq!(a, b, "line {} differs", i + 1);
        }
        assert_eq!(back.len(), FIXTURE.len(), "lengths differ");
    }
}

#[test]
fn ours_to_v4_to_ours_is_lossless() {
    let mut s = fixture_state();
    s.infra_version = "0.1.0".into(); // a state infra wrote itself
    let v4 = to_terraform_v4(&s);
    assert_eq!(v4["terraform_version"], "1.0.3");
    assert_eq!(v4["infra_version"], "0.1.0");
    assert_eq!(from_terraform_v4(&v4).unwrap(), s);

    // and through our own file format
    let ours = State::from_slice(&s.to_json_pretty()).unwrap();
    assert_eq!(ours, s);
    assert_eq!(ours.content_hash(), s.content_hash());
}

#[test]
fn content_hash_is_stable() {
    let a = fixture_state();
    let b = fixture_state();
    assert_eq!(a.content_hash(), b.content_hash());
    // Independent of JSON key order in attributes: re-serialize through our format, whose
    // attribute objects keep the fixture's order, and through a reversed-key copy.
    let mut c = a.clone();
    for r in c.resources.values_mut() {
        if let serde_json::Value::Object(m) = &r.attributes {
            let rev: serde_json::Map<String, serde_json::Value> = m.iter().rev().map(|(k, v)| (k.clone(), v.clone())).collect();
            r.attributes = serde_json::Value::Object(rev);
        }
    }
    assert_ne!(serde_json::to_string(&a).unwrap(), serde_json::to_string(&c).unwrap());
    assert_eq!(a.content_hash(), c.content_hash());
    // A change of one attribute changes it.
    if let Some(r) = c.resources.get_mut("null_resource.b[0]") {
        r.attributes["id"] = serde_json::json!("other");
    }
    assert_ne!(a.content_hash(), c.content_hash());
}
