//! What every GitHub type shares: its spec and block layout ([`GhType`]: planning with absent
//! computed blocks unset, API answers read into the schema's shape and reconciled with ours,
//! request bodies with `Max: 1` blocks as objects), attribute accessors, and the errors of a
//! failed create or a missing import.

use infra_lang::{Number, Value};
use serde_json::Value as J;

use super::api::Github;
use crate::provider::{PlannedState, ProviderError};
use crate::rest::idempotent::CreateError;
use crate::rest::resource::TypeSpec;
use crate::rest::sdkschema::BlockLayout;

/// A type's spec and the layout of its blocks.
#[derive(Debug)]
pub struct GhType {
    pub spec: TypeSpec,
    pub layout: BlockLayout,
}

impl GhType {
    pub fn new((spec, layout): (TypeSpec, BlockLayout)) -> GhType {
        GhType { spec, layout }
    }

    /// Framework planning, with computed blocks the configuration leaves out unset.
    pub fn plan(&self, prior: &Value, proposed: &Value) -> Result<PlannedState, ProviderError> {
        let proposed = self
            .layout
            .unset_empty_computed_blocks(&self.spec.block, proposed);
        self.spec.plan(prior, &proposed)
    }

    /// A value of the type from JSON in the schema's shape, except that `Max: 1` blocks may be
    /// plain objects (as the API has them).
    pub fn value(&self, j: &J) -> Value {
        self.spec
            .from_json(&self.layout.wrap_single_blocks(&self.spec.block, j))
    }

    /// The state for an API answer (already in the schema's shape, see [`GhType::value`]):
    /// ours where the answer means the same.
    pub fn settle(&self, ours: &Value, theirs: &J) -> Value {
        self.spec.reconcile(ours, &self.value(theirs))
    }

    /// The request body of a value: what is set, `Max: 1` blocks as objects.
    pub fn request(&self, v: &Value) -> Result<J, ProviderError> {
        let j = self.spec.request(v)?;
        Ok(self.layout.unwrap_single_blocks(&self.spec.block, &j))
    }
}

/// A string attribute, `None` when null or unknown.
pub fn text(v: &Value, name: &str) -> Option<String> {
    v.get_attr(name)
        .and_then(|v| v.unmarked().as_str().map(str::to_string))
}

/// A bool attribute, `None` when null or unknown.
pub fn flag(v: &Value, name: &str) -> Option<bool> {
    v.get_attr(name).and_then(|v| v.unmarked().as_bool())
}

/// A whole-number attribute, `None` when null or unknown.
pub fn int(v: &Value, name: &str) -> Option<i64> {
    v.get_attr(name)
        .and_then(|v| v.unmarked().as_number().and_then(Number::as_i64))
}

/// `v` with one attribute replaced.
pub fn set_attr(v: &Value, name: &str, to: Value) -> Value {
    let mut o = v.as_entries().cloned().unwrap_or_default();
    o.insert(name.to_string(), to);
    Value::Object(o)
}

/// A required string attribute of a planned or stored object.
pub fn need(v: &Value, name: &str, type_name: &str) -> Result<String, ProviderError> {
    text(v, name).filter(|s| !s.is_empty()).ok_or_else(|| {
        ProviderError::new(format!("{type_name}: `{name}` is not set"))
            .with_detail("the value is null or not known yet")
    })
}

/// The error of a failed [`create_once`](crate::rest::create_once).
pub fn create_failed(api: &Github, type_name: &str, e: CreateError) -> ProviderError {
    match e {
        CreateError::Http(h) => api.error(&format!("creating {type_name}"), &h),
        other => ProviderError::new(format!("creating {type_name} failed"))
            .with_detail(other.to_string()),
    }
}

/// Importing an object that does not exist.
pub fn missing_on_import(type_name: &str, id: &str) -> ProviderError {
    ProviderError::new("Cannot import non-existent remote object")
        .with_detail(format!("{type_name} {id} does not exist"))
}

/// The numeric ID of a repository (`repository_id` attributes); `None` when it does not exist.
/// `what` names the operation for errors.
pub async fn repository_id(
    api: &Github,
    repo: &str,
    what: &str,
) -> Result<Option<i64>, ProviderError> {
    let r = api
        .get_opt(&api.repo_path(repo, "")?)
        .await
        .map_err(|e| api.error(what, &e))?;
    Ok(r.and_then(|r| r.get("id").and_then(J::as_i64)))
}

/// Whether an HTTP error says the object already exists (409, or 422 "already exists").
pub fn already_exists(e: &crate::http::HttpError) -> bool {
    match e {
        crate::http::HttpError::Status {
            status, messages, ..
        } => {
            *status == 409
                || (*status == 422
                    && messages
                        .iter()
                        .any(|m| m.to_ascii_lowercase().contains("already exist")))
        }
        _ => false,
    }
}
