//! Helpers shared by the state crate's integration tests.
#![allow(dead_code)]

use infra_state::{IndexKey, Mode, ResourceInstanceState};

pub fn null_instance(name: &str, index: Option<i64>, id: &str) -> ResourceInstanceState {
    ResourceInstanceState {
        mode: Mode::Managed,
        module: None,
        r#type: "null_resource".into(),
        name: name.into(),
        index_key: index.map(IndexKey::Int),
        provider: "provider[\"registry.terraform.io/hashicorp/null\"]".into(),
        schema_version: 0,
        attributes: serde_json::json!({"id": id, "triggers": null}),
        ..Default::default()
    }
}
