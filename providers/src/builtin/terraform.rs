//! `terraform.io/builtin/terraform`: the `terraform_data` resource of Terraform 1.4+, which
//! stores `input` as `output` at apply, replaces itself when `triggers_replace` changes and
//! re-computes `output` in place when `input` changes.

use async_trait::async_trait;
use infra_lang::{PathStep, Type, Value};

use crate::builtin::common::{attr, deleted, with_attrs};
use crate::provider::{PlannedState, Provider, ProviderError};
use crate::schema::{Attribute, ProviderSchema, Schema};

/// The built-in `terraform` provider.
pub struct TerraformProvider {
    schema: ProviderSchema,
}

impl TerraformProvider {
    pub const SOURCE: &'static str = "terraform.io/builtin/terraform";

    pub fn new() -> TerraformProvider {
        let mut schema = ProviderSchema::default();
        schema.resources.insert(
            "terraform_data".into(),
            Schema::new(0)
                .attr("id", Attribute::computed(Type::String).describe("A unique ID for this resource instance."))
                .attr(
                    "input",
                    Attribute::optional(Type::Dynamic).describe(
                        "A value which will be stored in the instance state, and reflected in the output attribute after apply.",
                    ),
                )
                .attr(
                    "output",
                    Attribute::computed(Type::Dynamic).marks_from("input").describe(
                        "The computed value derived from the input argument. During a plan where output is unknown, it will still be of the same type as input.",
                    ),
                )
                .attr(
                    "triggers_replace",
                    Attribute::optional(Type::Dynamic)
                        .force_new()
                        .describe("A value which is stored in the instance state, and will force replacement when the value changes."),
                ),
        );
        schema.data_sources.insert(
            "terraform_remote_state".into(),
            Schema::new(0)
                .attr("backend", Attribute::required(Type::String).describe("The backend holding the state; infra reads the \"local\" backend."))
                .attr("config", Attribute::optional(Type::Dynamic).describe("Backend settings: for \"local\", `path` (default terraform.tfstate)."))
                .attr("defaults", Attribute::optional(Type::Dynamic).describe("Values used for outputs the state does not have."))
                .attr("workspace", Attribute::optional(Type::String).describe("Accepted for compatibility; only the default workspace exists."))
                .attr("outputs", Attribute::computed(Type::Dynamic).describe("The root module outputs of the state.")),
        );
        TerraformProvider { schema }
    }
}

/// Reads the root outputs of a local state file (infra's format or Terraform v4: both keep
/// `outputs: {name: {value, type, sensitive}}`). Sensitive outputs come back marked.
fn remote_state_outputs(config: &Value) -> Result<Value, ProviderError> {
    let backend = attr(config, "backend");
    let backend = backend.as_str().unwrap_or_default();
    if backend != "local" {
        return Err(ProviderError::new(format!(
            "terraform_remote_state: the \"{backend}\" backend is not available in infra yet; the \"local\" backend is (config = {{ path = \"../other/terraform.tfstate\" }})"
        )));
    }
    let settings = attr(config, "config");
    let path = settings.get_attr("path").and_then(|p| p.as_str().map(str::to_string)).unwrap_or_else(|| "terraform.tfstate".to_string());
    let text = std::fs::read_to_string(&path).map_err(|e| ProviderError::new(format!("terraform_remote_state: cannot read {path}")).with_detail(e.to_string()))?;
    let doc: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| ProviderError::new(format!("terraform_remote_state: {path} is not a state file")).with_detail(e.to_string()))?;
    let mut outputs = std::collections::BTreeMap::new();
    if let Some(defaults) = attr(config, "defaults").as_entries() {
        outputs.extend(defaults.clone());
    }
    if let Some(o) = doc.get("outputs").and_then(|o| o.as_object()) {
        for (name, out) in o {
            let ty = out.get("type").and_then(Type::from_json).unwrap_or(Type::Dynamic);
            let value = Value::from_json(out.get("value").unwrap_or(&serde_json::Value::Null), &ty)
                .map_err(|e| ProviderError::new(format!("terraform_remote_state: output {name} in {path}")).with_detail(e))?;
            let sensitive = out.get("sensitive").and_then(|s| s.as_bool()).unwrap_or(false);
            outputs.insert(name.clone(), if sensitive { value.sensitive() } else { value });
        }
    }
    Ok(with_attrs(config, [("outputs", Value::Object(outputs))]))
}

impl Default for TerraformProvider {
    fn default() -> TerraformProvider {
        TerraformProvider::new()
    }
}

/// The planned `output` of a new object: null when `input` is null, else unknown of its type.
fn fresh_output(input: &Value) -> Value {
    if input.is_null() {
        input.clone()
    } else {
        Value::Unknown(input.ty())
    }
}

#[async_trait]
impl Provider for TerraformProvider {
    fn source(&self) -> &'static str {
        Self::SOURCE
    }

    fn schema(&self) -> &ProviderSchema {
        &self.schema
    }

    /// Terraform's `planDataStoreResourceChange`: create and replace plan a new `id`; a changed
    /// `input` alone is an in-place update whose `output` is unknown.
    fn plan_resource(&self, type_name: &str, prior: &Value, proposed: &Value) -> Result<PlannedState, ProviderError> {
        self.resource_schema(type_name)?;
        if proposed.is_null() {
            return Ok(PlannedState { planned: proposed.clone(), requires_replace: Vec::new() });
        }
        let input = attr(proposed, "input");
        let trigger = attr(proposed, "triggers_replace");
        let mut requires_replace = Vec::new();
        let planned = if prior.is_null() {
            with_attrs(proposed, [("id", Value::Unknown(Type::String)), ("output", fresh_output(&input))])
        } else if attr(prior, "triggers_replace") != trigger {
            requires_replace.push(vec![PathStep::Attr("triggers_replace".into())]);
            with_attrs(proposed, [("id", Value::Unknown(Type::String)), ("output", fresh_output(&input))])
        } else if attr(prior, "input") != input {
            with_attrs(proposed, [("id", attr(prior, "id")), ("output", Value::Unknown(input.ty()))])
        } else {
            with_attrs(proposed, [("id", attr(prior, "id")), ("output", attr(prior, "output"))])
        };
        Ok(PlannedState { planned, requires_replace })
    }

    async fn apply_resource(&self, type_name: &str, _prior: &Value, planned: &Value) -> Result<Value, ProviderError> {
        let schema = self.resource_schema(type_name)?;
        if planned.is_null() {
            return Ok(deleted(schema));
        }
        let mut state = planned.clone();
        if !attr(planned, "output").is_known() {
            state = with_attrs(&state, [("output", attr(planned, "input"))]);
        }
        if !attr(planned, "id").is_known() {
            state = with_attrs(&state, [("id", Value::string(uuid::Uuid::new_v4().to_string()))]);
        }
        Ok(state)
    }

    async fn read_resource(&self, type_name: &str, current: &Value) -> Result<Option<Value>, ProviderError> {
        self.resource_schema(type_name)?;
        Ok(Some(current.clone()))
    }

    async fn read_data_source(&self, type_name: &str, config: &Value) -> Result<Value, ProviderError> {
        match type_name {
            "terraform_remote_state" => remote_state_outputs(config),
            other => Err(ProviderError::new(format!("data source {other} is not supported by {}", Self::SOURCE))),
        }
    }

    async fn import_resource(&self, type_name: &str, _id: &str) -> Result<Value, ProviderError> {
        self.resource_schema(type_name)?;
        Err(ProviderError::new(format!("resource type {type_name} does not support import")))
    }
}
