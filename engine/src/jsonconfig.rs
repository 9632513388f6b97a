//! Builds the `configuration` section input of the JSON plan from a loaded [`Config`].

use infra_lang::eval::{eval, EvalContext};
use infra_lang::references::references;
use infra_providers::Registry;

use crate::config::{Config, Expr};
use crate::render::json::{ConfigExpr, ConfigModuleCall, ConfigOutput, ConfigProvider, ConfigResource, ConfigVariable, JsonConfigInput};

fn expr(e: &Expr) -> ConfigExpr {
    let refs: Vec<String> = references(&e.expr).iter().map(|t| t.to_string()).collect();
    if refs.is_empty() {
        if let Ok(v) = eval(&e.expr, &EvalContext::default()) {
            if !v.contains_sensitive() {
                return ConfigExpr::Constant(v.to_json());
            }
        }
    }
    ConfigExpr::References(refs)
}

/// What the JSON plan's `configuration` section shows of `config`.
pub fn json_config_input(config: &Config) -> JsonConfigInput {
    let registry = Registry::builtin();
    let mut providers: Vec<ConfigProvider> = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for r in config.all_modules().into_iter().flat_map(|m| m.resources.values()) {
        let key = match &r.provider.1 {
            Some(a) => format!("{}.{a}", r.provider.0),
            None => r.provider.0.clone(),
        };
        if seen.insert(key.clone()) {
            let full_name = config
                .terraform
                .required_providers
                .get(&r.provider.0)
                .map(|p| Registry::normalize_source(&p.source))
                .or_else(|| registry.default_source_for_local_name(&r.provider.0))
                .unwrap_or_default();
            let expressions = config
                .providers
                .iter()
                .find(|p| p.name == r.provider.0 && p.alias == r.provider.1)
                .map(|p| p.body.attrs.iter().map(|(k, e)| (k.clone(), expr(e))).collect())
                .unwrap_or_default();
            providers.push(ConfigProvider { key: key.clone(), name: r.provider.0.clone(), full_name, alias: r.provider.1.clone(), expressions });
        }
    }
    let mut input = module_input(config);
    input.providers = providers;
    input
}

/// One module's resources, outputs, variables and module calls.
fn module_input(config: &Config) -> JsonConfigInput {
    let resources = config
        .resources
        .values()
        .map(|r| ConfigResource {
            addr: r.addr.clone(),
            provider_config_key: match &r.provider.1 {
                Some(a) => format!("{}.{a}", r.provider.0),
                None => r.provider.0.clone(),
            },
            schema_version: 0,
            expressions: r.body.attrs.iter().map(|(k, e)| (k.clone(), expr(e))).collect(),
            count: r.count.as_ref().map(expr),
            for_each: r.for_each.as_ref().map(expr),
            depends_on: r.depends_on.iter().map(|e| crate::config::traversal_text(&e.expr)).collect(),
        })
        .collect();
    let outputs = config
        .outputs
        .values()
        .map(|o| ConfigOutput {
            name: o.name.clone(),
            sensitive: o.sensitive,
            description: o.description.clone(),
            expression: o.value.as_ref().map(expr).unwrap_or(ConfigExpr::Constant(serde_json::Value::Null)),
        })
        .collect();
    let variables = config
        .variables
        .values()
        .map(|v| ConfigVariable {
            name: v.name.clone(),
            description: v.description.clone(),
            default: if v.sensitive {
                v.default.as_ref().map(|_| serde_json::Value::Null)
            } else {
                v.default.as_ref().and_then(|d| eval(&d.expr, &EvalContext::default()).ok()).map(|x| x.to_json())
            },
            sensitive: v.sensitive,
        })
        .collect();
    let module_calls = config
        .module_calls
        .values()
        .filter_map(|c| {
            let child = config.children.get(&c.name)?;
            Some(ConfigModuleCall {
                name: c.name.clone(),
                source: c.source.clone(),
                expressions: c.inputs.iter().map(|(k, e)| (k.clone(), expr(e))).collect(),
                count: c.count.as_ref().map(expr),
                for_each: c.for_each.as_ref().map(expr),
                depends_on: c.depends_on.iter().map(|e| crate::config::traversal_text(&e.expr)).collect(),
                module: module_input(child),
            })
        })
        .collect();
    JsonConfigInput { providers: vec![], resources, outputs, variables, module_calls }
}
