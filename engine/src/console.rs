//! `infra console`: evaluates expressions against the configuration and the current state, one
//! result per input line, printed as Terraform prints them (sensitive values hidden).

use std::collections::BTreeMap;
use std::sync::Arc;

use infra_lang::Value;
use infra_providers::Registry;
use infra_state::State;

use crate::addrs::ModuleInstance;
use crate::config::{Config, Expr};
use crate::diag::{Diagnostic, Diagnostics, Loc, SourceFile};
use crate::eval::{Expansion, InstanceCtx, ResourceValues, Scope};
use crate::plan::planner::{eval_expansion, schema_for, Providers};
use crate::statevals::{instance_value, provider_source, state_addr};

/// An evaluation session over one configuration and state.
pub struct Console<'c> {
    scope: Scope<'c>,
}

impl<'c> Console<'c> {
    /// Fills the scope with the variables and with every resource instance in `state`.
    pub fn new(config: &'c Config, vars: BTreeMap<String, Value>, state: &State, registry: &Registry) -> Console<'c> {
        let mut scope = Scope::new(config, vars);
            let providers = Providers::resolve(config, registry).ok();
        let mut by_resource: BTreeMap<(ModuleInstance, crate::addrs::ResourceAddr), ResourceValues> = BTreeMap::new();
        for inst in state.resources.values().filter(|i| i.deposed.is_none()) {
            let addr = state_addr(inst);
            let source = provider_source(&inst.provider);
            let provider = providers.as_ref().and_then(|p| p.by_source(&source, registry)).or_else(|| registry.get(&source));
            let schema = provider.as_ref().and_then(|p| schema_for(p.as_ref(), &addr.resource).cloned());
            let v = instance_value(inst, schema.as_ref());
            by_resource
                .entry((addr.module.clone(), addr.resource.clone()))
                .or_insert_with(|| ResourceValues { expansion: Expansion::Single, instances: BTreeMap::new() })
                .instances
                .insert(addr.key.clone(), v);
        }
        for ((mi, addr), mut rv) in by_resource {
            if let Some(r) = config.resource(&addr) {
                if let Ok(e) = eval_expansion(&scope, r, &mi) {
                    rv.expansion = e;
                }
            }
            scope.set_resource(&mi, &addr, rv);
        }
        Console { scope }
    }

    /// Evaluates one line; the result as Terraform's console prints it.
    pub fn eval_line(&self, line: &str) -> Result<String, Diagnostics> {
        let file = Arc::new(SourceFile { name: "<console-input>".into(), path: "<console-input>".into(), text: line.to_string() });
        let expr = hcl_edit::parser::parse_expr(line).map_err(|e| {
            let off = e.location().offset();
            Diagnostics::from(Diagnostic::error("Invalid expression", format!("{}.", e.message())).at(Loc { file: file.clone(), span: off..off + 1 }))
        })?;
        let e = Expr { expr, loc: Loc { file, span: 0..line.len() } };
        let v = self.scope.eval(&e, &InstanceCtx::default())?;
        Ok(render(&v))
    }
}

fn render(v: &Value) -> String {
    if v.marks().sensitive {
        return "(sensitive value)".into();
    }
    if !v.is_known() {
        return "(known after apply)".into();
    }
    crate::render::text::render_value(v, 0)
}
