//! `infra import ADDRESS ID`: adopts one existing remote object into the state, as
//! `terraform import` does. The resource block must exist in the configuration and the address
//! must not be managed yet; the provider is configured from its `provider` block, asked to import
//! the object by its ID, and the object it returns is stored. Nothing else is planned or changed.

use std::collections::BTreeMap;

use infra_lang::Value;
use infra_providers::Registry;
use infra_state::{ResourceInstanceState, State};

use crate::addrs::{InstanceAddr, InstanceKey, Mode};
use crate::config::Config;
use crate::diag::{Diagnostic, Diagnostics};
use crate::eval::Scope;
use crate::plan::planner::{eval_expansion, schema_for, Providers};
use crate::statevals::{full_marks, instance_state};

/// Imports the object `id` into `addr`; returns the instance to store (the caller saves it).
pub async fn import_one(config: &Config, state: &State, registry: &Registry, vars: BTreeMap<String, Value>, addr: &str, id: &str) -> Result<ResourceInstanceState, Diagnostics> {
    let to: InstanceAddr = addr.parse().map_err(|e| {
        Diagnostics::from(Diagnostic::error("Invalid address", format!("{e}. The import address is a resource instance address such as cloudflare_dns_record.www or module.dns.cloudflare_dns_record.mx[\"primary\"].")))
    })?;
    if to.resource.mode != Mode::Managed {
        return Err(Diagnostic::error("Invalid address", format!("{addr} is a data resource: only managed resources can be imported.")).into());
    }
    let Some(r) = config.resource(&to.resource) else {
        let text = if to.module.is_root() { format!("resource \"{}\" \"{}\" {{\n  # (resource arguments)\n}}", to.resource.r#type, to.resource.name) } else { String::new() };
        return Err(Diagnostic::error(
            "Resource not declared",
            format!("A managed resource {} has not been declared in the configuration. Before importing it, add a resource block for it, for example:\n\n{text}", to.resource),
        )
        .into());
    };
    if state.resources.contains_key(&to.to_string()) {
        return Err(Diagnostic::error(
            "Resource already managed by infra",
            format!("infra is already managing a remote object for {to}. To import to this address you must first remove the existing object from the state (`infra state rm {to}`)."),
        )
        .into());
    }
    let scope = Scope::new(config, vars);
    // The key must exist in the configuration: count/for_each decide which instances there are
    // (when they cannot be known yet, any key is accepted).
    if let Ok(expansion) = eval_expansion(&scope, r, &to.module) {
        let keys = expansion.keys();
        let repeated = r.count.is_some() || r.for_each.is_some();
        if !matches!(expansion, crate::eval::Expansion::Unknown) && !keys.contains(&to.key) {
            let hint = match (&to.key, repeated) {
                (InstanceKey::None, true) => format!("{} uses count or for_each: add the instance key, for example {to}[0] or {to}[\"name\"].", to.resource),
                (_, false) => format!("{} has neither count nor for_each: drop the instance key.", to.resource),
                _ => format!("The configuration has no instance {to}: count or for_each does not produce that key."),
            };
            return Err(Diagnostic::error("Configuration for import target does not exist", hint).at(r.loc.clone()).into());
        }
    }
    let providers = Providers::resolve(config, registry)?;
    providers.configure(config, &scope).await?;
    let Some((source, provider)) = providers.for_resource(r) else {
        return Err(Diagnostic::error("Provider not available", format!("No provider for {}.", to.resource)).into());
    };
    let Some(schema) = schema_for(provider.as_ref(), &to.resource) else {
        return Err(Diagnostic::error("Invalid resource type", format!("The provider {source} does not support resource type \"{}\".", to.resource.r#type)).at(r.loc.clone()).into());
    };
    let imported = provider.import_resource(&to.resource.r#type, id).await.map_err(|e| Diagnostics::from(Diagnostic::error(format!("Failed to import {to}"), e.to_string())))?;
    let value = imported.mark_paths(&full_marks(vec![], schema));
    Ok(instance_state(&to, source, &value, schema.version, &[], r.lifecycle.create_before_destroy, Some(schema)))
}
