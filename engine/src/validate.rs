//! `validate`: checks what can be checked without input values, state or providers' remote
//! objects: resource types, arguments against each schema, expression validity (functions,
//! arity, operators on literals), locals, outputs and module call arguments. Every input,
//! resource attribute and instance key is unknown.

use infra_providers::Registry;

use crate::config::Config;
use crate::diag::{suggest, Diagnostic, Diagnostics};
use crate::eval::{InstanceCtx, Scope};
use crate::plan::planner::{eval_resource_config, schema_for, Providers};

/// Validates the whole module tree.
pub fn validate(config: &Config, registry: &Registry) -> Diagnostics {
    let mut diags = Diagnostics::default();
    let providers = match Providers::resolve(config, registry) {
        Ok(p) => p,
        Err(d) => return d,
    };
    let scope = Scope::for_validation(config);
    for m in config.all_modules() {
        // One representative instance per module: keys and inputs are unknown anyway.
        let mi = crate::addrs::ModuleInstance(m.path.iter().map(|n| (n.clone(), crate::addrs::InstanceKey::None)).collect());
        let ictx = InstanceCtx::module(&mi);
        for r in m.resources.values() {
            let Some((source, provider)) = providers.for_resource(r) else { continue };
            let Some(schema) = schema_for(provider.as_ref(), &r.addr) else {
                let (kind, names): (&str, Vec<&str>) = match r.addr.mode {
                    crate::addrs::Mode::Managed => ("resource type", provider.schema().resources.keys().map(String::as_str).collect()),
                    crate::addrs::Mode::Data => ("data source", provider.schema().data_sources.keys().map(String::as_str).collect()),
                };
                let hint = suggest(&r.addr.r#type, names).map(|s| format!(" Did you mean \"{s}\"?")).unwrap_or_default();
                diags.push(
                    Diagnostic::error(format!("Invalid {kind}"), format!("The provider {source} does not support {kind} \"{}\".{hint}", r.addr.r#type))
                        .at(r.loc.clone()),
                );
                continue;
            };
            for e in r.count.iter().chain(r.for_each.iter()) {
                if let Err(ds) = scope.eval(e, &ictx) {
                    diags.extend(ds.0);
                }
            }
            if let Err(ds) = eval_resource_config(&scope, r, &ictx, schema) {
                diags.extend(ds.0);
            }
        }
        for (name, l) in &m.locals {
            if let Err(ds) = scope.eval(&l.expr, &ictx) {
                diags.extend(ds.0.into_iter().map(|d| d.in_context(format!("local.{name}"))));
            }
        }
        for (name, o) in &m.outputs {
            if let Some(e) = &o.value {
                if let Err(ds) = scope.eval(e, &ictx) {
                    diags.extend(ds.0.into_iter().map(|d| d.in_context(format!("output \"{name}\""))));
                }
            }
        }
        for call in m.module_calls.values() {
            for e in call.inputs.values() {
                if let Err(ds) = scope.eval(e, &ictx) {
                    diags.extend(ds.0.into_iter().map(|d| d.in_context(format!("module \"{}\"", call.name))));
                }
            }
        }
    }
    // An error in a local is reported once, not again at each use.
    let mut seen = std::collections::HashSet::new();
    diags.0.retain(|d| seen.insert((d.summary.clone(), d.detail.clone(), d.loc.as_ref().map(|l| (l.file.name.clone(), l.span.clone())))));
    diags
}
