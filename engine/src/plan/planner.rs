//! The plan stage: applies `moved` blocks to the prior state, refreshes it through the
//! providers (detecting drift), evaluates the configuration in dependency order, asks each
//! provider to plan each instance, and decides every instance's action.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use infra_lang::references::{references, TraversalStep};
use infra_lang::{Marks, Path, PathStep, Type, Value};
use infra_providers::{Provider, Registry, Schema};
use infra_state::State;

use super::model::{Action, OutputChange, Plan, Reason, ReplaceOrder, ResourceChange};
use crate::addrs::{InstanceAddr, InstanceKey, Mode, ResourceAddr};
use crate::config::{Config, IgnoreChanges, Resource};
use crate::diag::{suggest, Diagnostic, Diagnostics};
use crate::eval::{Expansion, InstanceCtx, ResourceValues, Scope};
use crate::graph::{Graph, Node};
use crate::statevals::{full_marks, instance_state, instance_value, provider_source, register_sensitive_values, state_addr};

/// Options of `plan` (and of the plan `apply` makes when given no plan file).
#[derive(Clone, Debug)]
pub struct PlanOptions {
    pub destroy: bool,
    pub refresh: bool,
    pub targets: Vec<String>,
    pub parallelism: usize,
}

impl Default for PlanOptions {
    fn default() -> Self {
        PlanOptions { destroy: false, refresh: true, targets: vec![], parallelism: 10 }
    }
}

/// Provider instances resolved for a configuration: local name → (source, provider).
pub struct Providers {
    by_local: BTreeMap<String, (String, Arc<dyn Provider>)>,
}

impl Providers {
    /// Resolves every provider the configuration's resources use.
    pub fn resolve(config: &Config, registry: &Registry) -> Result<Providers, Diagnostics> {
        let mut diags = Diagnostics::default();
        let mut by_local = BTreeMap::new();
        let modules = config.all_modules();
        let requirements: Vec<(&String, &crate::config::ProviderRequirement)> = modules.iter().flat_map(|m| m.terraform.required_providers.iter()).collect();
        for (local, req) in requirements {
            if by_local.contains_key(local) {
                continue;
            }
            let source = Registry::normalize_source(&req.source);
            match registry.get(&source) {
                Some(p) => {
                    by_local.insert(local.clone(), (source, p));
                }
                None => diags.push(
                    Diagnostic::error(
                        "Provider not available",
                        format!(
                            "infra has no built-in provider \"{}\". Providers are built into infra (no plugins are downloaded); available: {}.",
                            req.source,
                            registry.sources().join(", ")
                        ),
                    )
                    .at(req.loc.clone()),
                ),
            }
        }
        for r in modules.iter().flat_map(|m| m.resources.values()) {
            let local = &r.provider.0;
            if by_local.contains_key(local) {
                continue;
            }
            match registry.default_source_for_local_name(local).and_then(|s| registry.get(&s).map(|p| (s, p))) {
                Some(sp) => {
                    by_local.insert(local.clone(), sp);
                }
                None => diags.push(
                    Diagnostic::error(
                        "Provider not available",
                        format!(
                            "The resource type \"{}\" belongs to provider \"{local}\", which infra does not provide. Built-in providers: {}.",
                            r.addr.r#type,
                            registry.sources().join(", ")
                        ),
                    )
                    .at(r.loc.clone()),
                ),
            }
        }
        if diags.has_errors() {
            Err(diags)
        } else {
            Ok(Providers { by_local })
        }
    }

    /// Evaluates each used provider's `provider "<name>" { ... }` block of the root module
    /// (an empty configuration when there is none, so that environment variables apply) and
    /// hands it to [`Provider::configure`]. Errors name the block; a provider's error is shown
    /// as its own summary and detail.
    pub async fn configure(&self, config: &Config, scope: &Scope<'_>) -> Result<(), Diagnostics> {
        let mut diags = Diagnostics::default();
        for (local, (_, provider)) in &self.by_local {
            let schema = &provider.schema().provider;
            let block = config.providers.iter().find(|p| &p.name == local && p.alias.is_none());
            let value = match block {
                Some(pc) => {
                    let context = format!("provider \"{local}\"");
                    // `version` is the pre-0.13 way of constraining the provider version: ignored.
                    let mut body = pc.body.clone();
                    body.attrs.shift_remove("version");
                    match eval_body(scope, &body, schema, &InstanceCtx::default(), &context, &pc.loc, (&["alias", "version"], &[])) {
                        Ok(v) => v,
                        Err(ds) => {
                            diags.extend(ds.0);
                            continue;
                        }
                    }
                }
                None => Value::Object(schema.attributes.iter().map(|(k, a)| (k.clone(), Value::Null(a.ty.clone()))).chain(schema.blocks.iter().map(|(k, b)| (k.clone(), Value::Null(b.value_type())))).collect()),
            };
            crate::statevals::register_sensitive_values(&value);
            let (plain, _) = value.unmark_deep();
            if let Err(e) = provider.configure(plain).await {
                let d = Diagnostic::error(format!("Failed to configure provider \"{local}\""), e.to_string());
                diags.push(match block {
                    Some(pc) => d.at(pc.loc.clone()),
                    None => d,
                });
            }
        }
        if diags.has_errors() {
            Err(diags)
        } else {
            Ok(())
        }
    }

    pub fn for_resource(&self, r: &Resource) -> Option<&(String, Arc<dyn Provider>)> {
        self.by_local.get(&r.provider.0)
    }

    /// Finds the provider for a stored instance's provider source.
    pub fn by_source(&self, source: &str, registry: &Registry) -> Option<Arc<dyn Provider>> {
        self.by_local.values().find(|(s, _)| s == source).map(|(_, p)| p.clone()).or_else(|| registry.get(source))
    }
}

/// The schema of a resource block's type.
pub fn schema_for<'p>(provider: &'p dyn Provider, addr: &ResourceAddr) -> Option<&'p Schema> {
    match addr.mode {
        Mode::Managed => provider.schema().resources.get(&addr.r#type),
        Mode::Data => provider.schema().data_sources.get(&addr.r#type),
    }
}

/// Evaluates a resource block's arguments for one instance into an object of the schema's type.
pub fn eval_resource_config(scope: &Scope, r: &Resource, inst: &InstanceCtx, schema: &Schema) -> Result<Value, Diagnostics> {
    const META: [&str; 4] = ["count", "for_each", "depends_on", "provider"];
    const META_BLOCKS: [&str; 3] = ["lifecycle", "provisioner", "connection"];
    eval_body(scope, &r.body, schema, inst, &r.context(), &r.loc, (&META, &META_BLOCKS))
}

/// Evaluates a block body (a resource's, or a nested block's) against a schema: arguments,
/// nested blocks and `dynamic` blocks. `meta` lists names that are valid elsewhere (for hints).
fn eval_body(
    scope: &Scope,
    body: &crate::config::BlockBody,
    schema: &Schema,
    inst: &InstanceCtx,
    context: &str,
    loc: &crate::diag::Loc,
    meta: (&[&str], &[&str]),
) -> Result<Value, Diagnostics> {
    let mut diags = Diagnostics::default();
    let mut attrs = BTreeMap::new();
    for (name, e) in &body.attrs {
        let Some(a) = schema.attributes.get(name) else {
            let hint = suggest(name, schema.attributes.keys().map(String::as_str).chain(meta.0.iter().copied())).map(|s| format!(" Did you mean \"{s}\"?")).unwrap_or_default();
            let block_hint = if schema.blocks.contains_key(name) { format!(" \"{name}\" is a block: write `{name} {{ ... }}`.") } else { String::new() };
            diags.push(
                Diagnostic::error("Unsupported argument", format!("An argument named \"{name}\" is not expected here.{hint}{block_hint}"))
                    .at(body.key_locs.get(name).cloned().unwrap_or_else(|| e.loc.clone()))
                    .in_context(context),
            );
            continue;
        };
        if a.computed && !a.optional && !a.required {
            diags.push(
                Diagnostic::error("Value for unconfigurable attribute", format!("Can't configure a value for \"{name}\": its value will be decided automatically based on the result of applying this configuration."))
                    .at(e.loc.clone())
                    .in_context(context),
            );
            continue;
        }
        match scope.eval(e, inst) {
            // Nested attributes (`settings = { ... }`) leave out what they don't set: null.
            Ok(v) => match infra_lang::constraint::Constraint::all_optional(a.ty.clone()).apply(v) {
                Ok(v) => {
                    attrs.insert(name.clone(), v);
                }
                Err(msg) => diags.push(
                    Diagnostic::error("Incorrect attribute value type", format!("Inappropriate value for attribute \"{name}\": {msg}."))
                        .at(e.loc.clone())
                        .in_context(context),
                ),
            },
            Err(ds) => diags.extend(ds.0.into_iter().map(|d| d.in_context(context))),
        }
    }
    // Nested blocks, grouped by type; `dynamic` blocks expand into several.
    let mut blocks: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    let mut unknown_blocks: Vec<String> = Vec::new();
    for b in &body.blocks {
        if b.kind == "dynamic" {
            match eval_dynamic(scope, b, schema, inst, context) {
                Ok(Some((kind, items))) => blocks.entry(kind).or_default().extend(items),
                Ok(None) => unknown_blocks.extend(b.labels.first().cloned()),
                Err(ds) => diags.extend(ds.0),
            }
            continue;
        }
        let Some(bt) = schema.blocks.get(&b.kind) else {
            let names = schema.blocks.keys().map(String::as_str).chain(meta.1.iter().copied()).chain(["dynamic"]);
            let hint = suggest(&b.kind, names).map(|s| format!(" Did you mean \"{s}\"?")).unwrap_or_default();
            let attr_hint = if schema.attributes.contains_key(&b.kind) { format!(" \"{}\" is an argument: write `{} = ...`.", b.kind, b.kind) } else { String::new() };
            diags.push(
                Diagnostic::error("Unsupported block type", format!("Blocks of type \"{}\" are not expected here.{hint}{attr_hint}", b.kind))
                    .at(b.loc.clone())
                    .in_context(context),
            );
            continue;
        };
        match eval_body(scope, &b.body, &bt.block, inst, context, &b.loc, (&[], &[])) {
            Ok(v) => blocks.entry(b.kind.clone()).or_default().push(v),
            Err(ds) => diags.extend(ds.0),
        }
    }
    for (name, bt) in &schema.blocks {
        let items = blocks.remove(name).unwrap_or_default();
        let value = if unknown_blocks.contains(name) {
            Value::Unknown(bt.value_type())
        } else {
            let n = items.len() as u64;
            if n < bt.min_items || (bt.max_items > 0 && n > bt.max_items) {
                let want = if bt.max_items > 0 { format!("between {} and {}", bt.min_items, bt.max_items) } else { format!("at least {}", bt.min_items) };
                diags.push(
                    Diagnostic::error(format!("Wrong number of \"{name}\" blocks"), format!("This resource needs {want} \"{name}\" blocks, but {n} were given."))
                        .at(loc.clone())
                        .in_context(context),
                );
            }
            let ty = bt.block.object_type();
            match bt.nesting {
                providers_nesting::Single => items.into_iter().next().unwrap_or(Value::Null(ty)),
                providers_nesting::List => Value::List(ty, items),
                providers_nesting::Set => infra_lang::collections::make_set(ty, items),
            }
        };
        attrs.insert(name.clone(), value);
    }
    for (name, a) in &schema.attributes {
        if a.required && attrs.get(name).map(Value::is_null).unwrap_or(true) && !body.attrs.contains_key(name) {
            diags.push(
                Diagnostic::error("Missing required argument", format!("The argument \"{name}\" is required, but no definition was found."))
                    .at(loc.clone())
                    .in_context(context),
            );
        }
        attrs.entry(name.clone()).or_insert_with(|| Value::Null(a.ty.clone()));
    }
    if diags.has_errors() {
        Err(diags)
    } else {
        Ok(Value::Object(attrs))
    }
}

use infra_providers::Nesting as providers_nesting;

/// Expands `dynamic "kind" { for_each = ...  iterator = it  content { ... } }` into the
/// values of its blocks; `None` when `for_each` is not known yet.
fn eval_dynamic(scope: &Scope, b: &crate::config::NestedBlock, schema: &Schema, inst: &InstanceCtx, context: &str) -> Result<Option<(String, Vec<Value>)>, Diagnostics> {
    let err = |summary: &str, detail: String| Diagnostics::from(Diagnostic::error(summary, detail).at(b.loc.clone()).in_context(context));
    let Some(kind) = b.labels.first().cloned() else {
        return Err(err("Invalid dynamic block", "A dynamic block needs one label: the type of the blocks it generates, like dynamic \"rule\" { ... }.".into()));
    };
    let Some(bt) = schema.blocks.get(&kind) else {
        let hint = suggest(&kind, schema.blocks.keys().map(String::as_str)).map(|s| format!(" Did you mean \"{s}\"?")).unwrap_or_default();
        return Err(err("Unsupported block type", format!("Blocks of type \"{kind}\" are not expected here, so a dynamic block cannot generate them.{hint}")));
    };
    let Some(for_each) = b.body.attrs.get("for_each") else {
        return Err(err("Missing required argument", "A dynamic block needs a for_each argument: the collection to generate blocks from.".into()));
    };
    let iterator = b.body.attrs.get("iterator").map(|e| crate::config::traversal_text(&e.expr)).unwrap_or_else(|| kind.clone());
    let Some(content) = b.body.blocks.iter().find(|c| c.kind == "content") else {
        return Err(err("Missing content block", "A dynamic block needs a content block describing each generated block.".into()));
    };
    let collection = scope.eval(for_each, inst)?;
    if !collection.is_wholly_known() {
        return Ok(None);
    }
    let marks = collection.marks();
    let pairs: Vec<(Value, Value)> = match collection.unmarked() {
        Value::Map(_, m) | Value::Object(m) => m.iter().map(|(k, v)| (Value::string(k.clone()), v.clone())).collect(),
        Value::List(_, vs) | Value::Tuple(vs) => vs.iter().enumerate().map(|(i, v)| (Value::from(i as i64), v.clone())).collect(),
        Value::Set(_, vs) => vs.iter().map(|v| (v.clone(), v.clone())).collect(),
        Value::Null(_) => vec![],
        other => return Err(err("Invalid dynamic for_each value", format!("Cannot use a {} value in for_each: a collection is required.", other.ty()))),
    };
    let mut items = Vec::new();
    for (k, v) in pairs {
        let mut ictx = inst.clone();
        ictx.extra.insert(iterator.clone(), Value::object([("key", k.mark(marks)), ("value", v.mark(marks))]));
        items.push(eval_body(scope, &content.body, &bt.block, &ictx, context, &content.loc, (&[], &[]))?);
    }
    Ok(Some((kind, items)))
}

/// Evaluates a resource's `count`/`for_each` in a module instance.
pub fn eval_expansion(scope: &Scope, r: &Resource, m: &crate::addrs::ModuleInstance) -> Result<Expansion, Diagnostics> {
    crate::eval::expand(scope, r.count.as_ref(), r.for_each.as_ref(), &r.context(), &InstanceCtx::module(m))
}

/// Sets every attribute (or nested path) named by `ignore_changes` back to its prior value.
fn apply_ignore_changes(config: Value, prior: &Value, ic: &IgnoreChanges, schema: &Schema) -> Value {
    let paths: Vec<Path> = match ic {
        IgnoreChanges::None => return config,
        IgnoreChanges::All => schema.attributes.iter().filter(|(_, a)| !a.computed || a.optional).map(|(n, _)| vec![PathStep::Attr(n.clone())]).collect(),
        IgnoreChanges::Attrs(paths) => paths.clone(),
    };
    let mut out = config;
    for p in &paths {
        if let Some(pv) = value_at(prior, p) {
            out = replace_at(out, p, pv);
        }
    }
    out
}

/// The value at `path`, if every step exists (a null along the way: none).
fn value_at(v: &Value, path: &[PathStep]) -> Option<Value> {
    let Some((step, rest)) = path.split_first() else { return Some(v.clone()) };
    let next = match (v.unmarked(), step) {
        (Value::Object(m) | Value::Map(_, m), PathStep::Attr(k) | PathStep::Key(k)) => m.get(k)?.clone(),
        (Value::List(_, vs) | Value::Tuple(vs), PathStep::Index(i)) => vs.get(usize::try_from(*i).ok()?)?.clone(),
        _ => return None,
    };
    value_at(&next, rest)
}

/// `v` with the value at `path` replaced by `new` (unchanged where the path does not exist).
fn replace_at(v: Value, path: &[PathStep], new: Value) -> Value {
    let Some((step, rest)) = path.split_first() else { return new };
    let (inner, marks) = v.unmark();
    let out = match (inner, step) {
        (Value::Object(mut m), PathStep::Attr(k) | PathStep::Key(k)) if m.contains_key(k) => {
            let cur = m.remove(k).unwrap_or_else(Value::null);
            m.insert(k.clone(), replace_at(cur, rest, new));
            Value::Object(m)
        }
        (Value::Map(t, mut m), PathStep::Attr(k) | PathStep::Key(k)) => {
            match m.remove(k) {
                Some(cur) => {
                    m.insert(k.clone(), replace_at(cur, rest, new));
                }
                None if rest.is_empty() => {
                    m.insert(k.clone(), new);
                }
                None => {}
            }
            Value::Map(t, m)
        }
        (Value::List(t, mut vs), PathStep::Index(i)) => {
            if let Some(slot) = usize::try_from(*i).ok().and_then(|i| vs.get_mut(i)) {
                *slot = replace_at(std::mem::replace(slot, Value::null()), rest, new);
            }
            Value::List(t, vs)
        }
        (Value::Tuple(mut vs), PathStep::Index(i)) => {
            if let Some(slot) = usize::try_from(*i).ok().and_then(|i| vs.get_mut(i)) {
                *slot = replace_at(std::mem::replace(slot, Value::null()), rest, new);
            }
            Value::Tuple(vs)
        }
        (other, _) => other,
    };
    out.mark(marks)
}

struct Planned {
    changes: BTreeMap<InstanceAddr, ResourceChange>,
}

/// Makes a plan.
pub async fn plan(
    config: &Config,
    graph: &Graph,
    state: State,
    registry: &Registry,
    vars: BTreeMap<String, Value>,
    opts: &PlanOptions,
) -> Result<Plan, Diagnostics> {
    let providers = Providers::resolve(config, registry)?;
    providers.configure(config, &Scope::new(config, vars.clone())).await?;
    // The caller fills this in: only it knows what is stored (no state file at all hashes as "none").
    let prior_state_hash = String::new();
    let mut prior = state;
    let prior_outputs = prior.outputs.clone();
    let mut diags = Diagnostics::default();

    // 1. moved blocks: rename stored instances.
    let mut moved_from: HashMap<InstanceAddr, InstanceAddr> = HashMap::new();
    for m in &config.moved {
        // Either two resource (instance) addresses, or two module (instance) addresses.
        let module_move = (m.from.parse::<crate::addrs::ModuleInstance>(), m.to.parse::<crate::addrs::ModuleInstance>());
        let resource_move = (m.from.parse::<InstanceAddr>(), m.to.parse::<InstanceAddr>());
        let rename: Box<dyn Fn(&InstanceAddr) -> Option<InstanceAddr>> = match (module_move, resource_move) {
            ((Ok(from), Ok(to)), _) if !from.is_root() && !to.is_root() => Box::new(move |a: &InstanceAddr| {
                // `module.a` matches every instance of the call; `module.a[0]` only that one.
                let n = from.0.len();
                if a.module.0.len() < n {
                    return None;
                }
                let matches = a.module.0[..n].iter().zip(&from.0).all(|((an, ak), (fname, fkey))| an == fname && (fkey == ak || *fkey == InstanceKey::None));
                if !matches {
                    return None;
                }
                let mut steps = to.0.clone();
                if let (Some(last), Some((_, akey))) = (steps.last_mut(), a.module.0.get(n - 1)) {
                    if last.1 == InstanceKey::None && from.0[n - 1].1 == InstanceKey::None {
                        last.1 = akey.clone();
                    }
                }
                steps.extend(a.module.0[n..].iter().cloned());
                let module = crate::addrs::ModuleInstance(steps);
                Some(InstanceAddr::new(&module, &a.resource, a.key.clone()))
            }),
            (_, (Ok(from), Ok(to))) => Box::new(move |a: &InstanceAddr| {
                if *a == from {
                    Some(to.clone())
                } else if from.key == InstanceKey::None && to.key == InstanceKey::None && a.module == from.module && a.resource == from.resource {
                    Some(InstanceAddr::new(&to.module, &to.resource, a.key.clone()))
                } else {
                    None
                }
            }),
            (_, (Err(e), _)) | (_, (_, Err(e))) => {
                diags.push(Diagnostic::error("Invalid address in moved block", e.to_string()).at(m.loc.clone()));
                continue;
            }
        };
        let keys: Vec<String> = prior.resources.keys().cloned().collect();
        for k in keys {
            let Some(inst) = prior.resources.get(&k) else { continue };
            let a = state_addr(inst);
            let Some(new_addr) = rename(&a) else { continue };
            if prior.resources.contains_key(&new_addr.to_string()) {
                continue;
            }
            if let Some(mut inst) = prior.resources.remove(&k) {
                let tmp = instance_state(&new_addr, "", &Value::null(), 0, &[], false, None);
                inst.module = tmp.module;
                inst.r#type = tmp.r#type;
                inst.name = tmp.name;
                inst.index_key = tmp.index_key;
                moved_from.insert(new_addr.clone(), a);
                prior.resources.insert(new_addr.to_string(), inst);
            }
        }
    }
    if diags.has_errors() {
        return Err(diags);
    }

    // 2. refresh.
    let mut drift = Vec::new();
    if opts.refresh {
        drift = refresh(&mut prior, &providers, registry, opts.parallelism).await?;
    }
    // Data sources are re-read every plan.
    prior.resources.retain(|_, i| i.mode != infra_state::Mode::Data);

    // import blocks: adopt existing objects not yet in the state.
    let mut importing: HashMap<InstanceAddr, String> = HashMap::new();
    if !opts.destroy {
        let scope = Scope::new(config, vars.clone());
        for imp in &config.imports {
            let to = match imp.to.parse::<InstanceAddr>() {
                Ok(a) => a,
                Err(e) => {
                    diags.push(Diagnostic::error("Invalid import address", e.to_string()).at(imp.loc.clone()));
                    continue;
                }
            };
            if prior.resources.contains_key(&to.to_string()) {
                continue;
            }
            let Some(r) = config.resource(&to.resource) else {
                diags.push(
                    Diagnostic::error("Configuration for import target does not exist", format!("The configuration for the given import target {to} does not exist. Add a resource block for it to import into."))
                        .at(imp.loc.clone()),
                );
                continue;
            };
            let id = match scope.eval(&imp.id, &InstanceCtx::default()) {
                Ok(v) => match v.unmarked() {
                    Value::String(s) if v.is_known() => s.clone(),
                    _ => {
                        diags.push(Diagnostic::error("Invalid import id argument", "The import ID must be a known string.").at(imp.id.loc.clone()));
                        continue;
                    }
                },
                Err(ds) => {
                    diags.extend(ds.0);
                    continue;
                }
            };
            let Some((source, provider)) = providers.for_resource(r) else { continue };
            let Some(schema) = schema_for(provider.as_ref(), &to.resource) else { continue };
            match provider.import_resource(&to.resource.r#type, &id).await {
                Ok(v) => {
                    let v = v.mark_paths(&full_marks(vec![], schema));
                    prior.resources.insert(to.to_string(), instance_state(&to, source, &v, schema.version, &[], r.lifecycle.create_before_destroy, Some(schema)));
                    importing.insert(to, id);
                }
                Err(e) => diags.push(Diagnostic::error(format!("Failed to import {to}"), e.to_string()).at(imp.loc.clone())),
            }
        }
    }

    // 3. evaluate and plan in dependency order.
    let mut scope = Scope::new(config, vars.clone());
    let deps = graph.resource_dependencies();
    let mut planned = Planned { changes: BTreeMap::new() };
    // Stored values are decoded on demand: keeping a decoded copy of every instance would
    // double the plan's peak memory on large states.
    let prior_value = |prior: &State, addr: &InstanceAddr| -> Option<(Value, bool)> {
        let i = prior.resources.get(&addr.to_string()).filter(|i| i.deposed.is_none() && i.mode == infra_state::Mode::Managed)?;
        let schema = providers.by_source(&provider_source(&i.provider), registry).and_then(|p| schema_for(p.as_ref(), &addr.resource).cloned());
        Some((instance_value(i, schema.as_ref()), i.tainted))
    };

    for node in graph.topo_order() {
        // Module calls and child module variables are evaluated on demand; doing it here too
        // reports their errors even when nothing refers to them.
        match &node {
            Node::ModuleCall(path, name) => {
                if let Ok(instances) = scope.module_instances(path) {
                    for mi in instances {
                        if let Err(ds) = scope.expansion(&mi, name) {
                            diags.extend(ds.0);
                        }
                    }
                }
                continue;
            }
            Node::Variable(path, name) if !path.is_empty() => {
                if let Ok(instances) = scope.module_instances(path) {
                    for mi in instances {
                        if let Err(ds) = scope.var_value(&mi, name) {
                            diags.extend(ds.0);
                        }
                    }
                }
                continue;
            }
            _ => {}
        }
        let Node::Resource(addr) = node else { continue };
        let Some(r) = config.resource(&addr) else { continue };
        let Some((source, provider)) = providers.for_resource(r) else { continue };
        let Some(schema) = schema_for(provider.as_ref(), &addr) else {
            let kind = if addr.mode == Mode::Data { "data source" } else { "resource type" };
            let names: Vec<&str> = match addr.mode {
                Mode::Managed => provider.schema().resources.keys().map(String::as_str).collect(),
                Mode::Data => provider.schema().data_sources.keys().map(String::as_str).collect(),
            };
            let hint = suggest(&addr.r#type, names).map(|s| format!(" Did you mean \"{s}\"?")).unwrap_or_default();
            diags.push(
                Diagnostic::error(format!("Invalid {kind}"), format!("The provider {source} does not support {kind} \"{}\".{hint}", addr.r#type))
                    .at(r.loc.clone()),
            );
            continue;
        };
        let module_instances = match scope.module_instances(&addr.module) {
            Ok(m) => m,
            Err(ds) => {
                diags.extend(ds.0);
                continue;
            }
        };
        for mi in module_instances {
            let expansion = match eval_expansion(&scope, r, &mi) {
                Ok(e) => e,
                Err(ds) => {
                    diags.extend(ds.0);
                    scope.set_resource(&mi, &addr, ResourceValues { expansion: Expansion::Unknown, instances: BTreeMap::new() });
                    continue;
                }
            };
            let resource_deps: Vec<ResourceAddr> = deps.get(&addr).map(|s| s.iter().cloned().collect()).unwrap_or_default();
            let mut values = ResourceValues { expansion: expansion.clone(), instances: BTreeMap::new() };
            for key in expansion.keys() {
                let iaddr = InstanceAddr::new(&mi, &addr, key.clone());
                let inst = InstanceCtx::for_key(&key, &expansion).within(&mi);
                let pre = crate::eval::check_conditions(&scope, &r.lifecycle.preconditions, &inst, "Resource precondition failed", false);
                if pre.has_errors() {
                    diags.extend(pre.0.into_iter().map(|d| d.in_context(r.context())));
                    continue;
                }
                let cfg = match eval_resource_config(&scope, r, &inst, schema) {
                    Ok(v) => v,
                    Err(ds) => {
                        diags.extend(ds.0);
                        values.instances.insert(key, Value::Unknown(schema.object_type()));
                        continue;
                    }
                };
                if addr.mode == Mode::Data {
                    let pending = resource_deps.iter().any(|d| planned.changes.values().any(|c| &c.addr.resource == d && c.action != Action::NoOp));
                    if cfg.is_wholly_known() && !pending && !opts.destroy {
                        crate::statevals::register_sensitive_values(&cfg);
                        let (plain, marks) = cfg.unmark_deep_with_paths();
                        match provider.read_data_source(&addr.r#type, &plain).await {
                            Ok(v) => {
                                let v = v.mark_paths(&full_marks(marks, schema));
                                prior.resources.insert(iaddr.to_string(), instance_state(&iaddr, source, &v, schema.version, &resource_deps, false, Some(schema)));
                                values.instances.insert(key, v);
                            }
                            // A check block's data source: its errors are warnings, and its
                            // assertions are not evaluated (the value stays unknown).
                            Err(e) if r.check.is_some() => {
                                let check = r.check.clone().unwrap_or_default();
                                diags.push(Diagnostic::warning(format!("Failed to read data source {iaddr}"), e.to_string()).at(r.loc.clone()).in_context(format!("check \"{check}\"")));
                                values.instances.insert(key, Value::Unknown(schema.object_type()));
                            }
                            Err(e) => diags.push(Diagnostic::error(format!("Failed to read data source {iaddr}"), e.to_string()).at(r.loc.clone())),
                        }
                    } else {
                        let (plain, marks) = cfg.unmark_deep_with_paths();
                        let after = infra_providers::plan_from_schema(schema, &Value::null(), &plain).planned.mark_paths(&marks);
                        values.instances.insert(key, after.clone());
                        if opts.destroy {
                            // As in Terraform, a destroy reads no data source: its configuration
                            // may refer to objects the destroy deletes first.
                            continue;
                        }
                        planned.changes.insert(
                            iaddr.clone(),
                            ResourceChange {
                                addr: iaddr,
                                prev_addr: None,
                                provider: source.clone(),
                                action: Action::Read,
                                reason: Some(if pending { Reason::DependencyPending } else { Reason::ConfigUnknown }),
                                before: Value::null(),
                                after,
                                depends_on: resource_deps.clone(),
                                schema_version: schema.version,
                                create_before_destroy: false,
                                importing: None,
                            },
                        );
                    }
                    continue;
                }
                let (prior_v, tainted) = prior_value(&prior, &iaddr).unwrap_or((Value::null(), false));
                if opts.destroy {
                    if !prior_v.is_null() && r.lifecycle.prevent_destroy {
                        diags.push(
                            Diagnostic::error(
                                "Instance cannot be destroyed",
                                format!("Resource {iaddr} has lifecycle.prevent_destroy set, but the plan calls for this resource to be destroyed. To avoid this error and continue with the plan, either disable lifecycle.prevent_destroy or reduce the scope of the plan using the -target flag."),
                            )
                            .at(r.loc.clone()),
                        );
                    }
                    if !prior_v.is_null() {
                        values.instances.insert(key, prior_v.clone());
                        planned.changes.insert(iaddr.clone(), delete_change(&iaddr, source, prior_v, Some(Reason::DestroyMode), &resource_deps, r.lifecycle.create_before_destroy));
                    }
                    continue;
                }
                let prior_v = crate::statevals::reveal_matching_secrets(prior_v, &cfg, schema);
                let cfg = if prior_v.is_null() { cfg } else { apply_ignore_changes(cfg, &prior_v, &r.lifecycle.ignore_changes, schema) };
                crate::statevals::register_sensitive_values(&cfg);
                let (cfg_plain, cfg_marks) = cfg.unmark_deep_with_paths();
                let (prior_plain, _) = prior_v.clone().unmark_deep();
                let ps = match provider.plan_resource(&addr.r#type, &prior_plain, &cfg_plain) {
                    Ok(ps) => ps,
                    Err(e) => {
                        diags.push(Diagnostic::error(format!("Provider failed to plan {iaddr}"), e.to_string()).at(r.loc.clone()));
                        continue;
                    }
                };
                let marks = full_marks(cfg_marks, schema);
                let mut reason = None;
                let mut action = if prior_plain.is_null() {
                    Action::Create
                } else if tainted {
                    reason = Some(Reason::Tainted);
                    Action::Replace(order(r))
                } else if !ps.requires_replace.is_empty() {
                    reason = Some(Reason::CannotUpdate(ps.requires_replace.clone()));
                    Action::Replace(order(r))
                } else if ps.planned == prior_plain {
                    Action::NoOp
                } else {
                    Action::Update
                };
                let mut after = ps.planned.clone();
                if matches!(action, Action::NoOp | Action::Update) && !prior_plain.is_null() {
                    if let Some(trigger) = triggered_replace(r, &planned.changes) {
                        reason = Some(Reason::ReplaceTriggeredBy(trigger));
                        action = Action::Replace(order(r));
                        after = fresh_plan(provider.as_ref(), &addr.r#type, &cfg_plain).unwrap_or(after);
                    }
                }
                // A replacement creates a new object: plan it as a create (no prior), as
                // Terraform does, so that apply's re-plan of the create agrees with it.
                if matches!(reason, Some(Reason::Tainted) | Some(Reason::CannotUpdate(_))) {
                    after = fresh_plan(provider.as_ref(), &addr.r#type, &cfg_plain).unwrap_or(after);
                }
                if r.lifecycle.prevent_destroy && matches!(action, Action::Replace(_)) {
                    diags.push(
                        Diagnostic::error(
                            "Instance cannot be destroyed",
                            format!("Resource {iaddr} has lifecycle.prevent_destroy set, but the plan calls for this resource to be destroyed (replaced). To avoid this error and continue with the plan, either disable lifecycle.prevent_destroy or reduce the scope of the plan using the -target flag."),
                        )
                        .at(r.loc.clone()),
                    );
                }
                let after = after.mark_paths(&marks);
                if !r.lifecycle.postconditions.is_empty() && !opts.destroy {
                    let post_ctx = InstanceCtx { self_value: Some(after.clone()), ..inst.clone() };
                    let post = crate::eval::check_conditions(&scope, &r.lifecycle.postconditions, &post_ctx, "Resource postcondition failed", false);
                    diags.extend(post.0.into_iter().map(|d| d.in_context(r.context())));
                }
                values.instances.insert(key, after.clone());
                planned.changes.insert(
                    iaddr.clone(),
                    ResourceChange {
                        addr: iaddr.clone(),
                        prev_addr: moved_from.get(&iaddr).cloned(),
                        provider: source.clone(),
                        action,
                        reason,
                        before: prior_v,
                        after,
                        depends_on: resource_deps.clone(),
                        schema_version: schema.version,
                        create_before_destroy: r.lifecycle.create_before_destroy,
                        importing: importing.get(&iaddr).cloned(),
                    },
                );
            }
            scope.set_resource(&mi, &addr, values);
        }
    }

    // 4. orphans: stored instances no longer in the configuration.
    let stored_addrs: Vec<InstanceAddr> = prior.resources.values().filter(|i| i.deposed.is_none() && i.mode == infra_state::Mode::Managed).map(state_addr).collect();
    for iaddr in &stored_addrs {
        if planned.changes.contains_key(iaddr) || iaddr.resource.mode == Mode::Data {
            continue;
        }
        let Some((prior_v, _)) = prior_value(&prior, iaddr) else { continue };
        let r = config.resource(&iaddr.resource);
        if let Some(res) = r {
            if let Some(rv) = scope.resource_values(&iaddr.module, &iaddr.resource) {
                if rv.expansion == Expansion::Unknown || rv.instances.contains_key(&iaddr.key) {
                    continue;
                }
            }
            if res.lifecycle.prevent_destroy {
                diags.push(
                    Diagnostic::error("Instance cannot be destroyed", format!("Resource {iaddr} has lifecycle.prevent_destroy set, but the plan calls for this resource to be destroyed."))
                        .at(res.loc.clone()),
                );
            }
        }
        let reason = match r {
            None => Reason::NoResourceConfig,
            Some(res) if res.count.is_some() => Reason::CountIndex,
            Some(res) if res.for_each.is_some() => Reason::EachKey,
            Some(_) => Reason::NoResourceConfig,
        };
        let stored = prior.resources.get(&iaddr.to_string());
        let source = stored.map(|s| provider_source(&s.provider)).unwrap_or_default();
        let deps: Vec<ResourceAddr> = stored
            .map(|s| s.dependencies.iter().filter_map(|d| d.parse::<InstanceAddr>().ok().map(|a| a.resource)).collect())
            .unwrap_or_default();
        let reason = if opts.destroy { Reason::DestroyMode } else { reason };
        let mut change = delete_change(iaddr, &source, prior_v, Some(reason), &deps, false);
        let removed = config.removed.iter().find(|rm| {
            let s = iaddr.to_string();
            s == rm.from || s.starts_with(&format!("{}[", rm.from)) || s.starts_with(&format!("{}.", rm.from)) || iaddr.resource.to_string() == rm.from
        });
        if let Some(rm) = removed {
            if r.is_some() {
                diags.push(
                    Diagnostic::error("Removed resource still exists", format!("This removed block refers to {}, which is still declared in the configuration. Remove the resource block, or the removed block.", rm.from))
                        .at(rm.loc.clone()),
                );
            } else if !rm.destroy && !opts.destroy {
                change.action = Action::Forget;
                change.reason = None;
            }
        }
        planned.changes.insert(iaddr.clone(), change);
    }

    // 5. outputs.
    let mut outputs = Vec::new();
    if !opts.destroy {
        for (name, o) in &config.outputs {
            let Some(e) = &o.value else { continue };
            let pre = crate::eval::check_conditions(&scope, &o.preconditions, &InstanceCtx::default(), "Module output value precondition failed", false);
            if pre.has_errors() {
                diags.extend(pre.0.into_iter().map(|d| d.in_context(format!("output \"{name}\""))));
                continue;
            }
            let v = match scope.eval(e, &InstanceCtx::default()) {
                Ok(v) => v,
                Err(ds) => {
                    diags.extend(ds.0.into_iter().map(|d| d.in_context(format!("output \"{name}\""))));
                    continue;
                }
            };
            if v.contains_sensitive() && !o.sensitive {
                diags.push(
                    Diagnostic::error(
                        "Output refers to sensitive values",
                        "To reduce the risk of accidentally exporting sensitive data that was intended to be only internal, infra requires that any root module output containing sensitive data be explicitly marked as sensitive, to confirm your intent.\n\nIf you do intend to export this data, annotate the output value as sensitive by adding the following argument:\n    sensitive = true",
                    )
                    .at(o.loc.clone())
                    .in_context(format!("output \"{name}\"")),
                );
                continue;
            }
            let v = if o.sensitive { v.sensitive() } else { v };
            let before = prior_output(&prior_outputs, name);
            let action = if before.is_null() {
                if v.is_null() { Action::NoOp } else { Action::Create }
            } else if v.is_wholly_known() && v.clone().unmark_deep().0.to_json() == before.clone().unmark_deep().0.to_json() {
                Action::NoOp
            } else {
                Action::Update
            };
            outputs.push(OutputChange { name: name.clone(), action, before, after: v, sensitive: o.sensitive });
        }
    }
    for name in prior_outputs.keys() {
        if opts.destroy || !config.outputs.contains_key(name) {
            outputs.push(OutputChange { name: name.clone(), action: Action::Delete, before: prior_output(&prior_outputs, name), after: Value::null(), sensitive: prior_outputs[name].sensitive });
        }
    }

    // check blocks: failures are warnings.
    if !opts.destroy {
        for c in &config.checks {
            let ds = crate::eval::check_conditions(&scope, &c.asserts, &InstanceCtx::default(), "Check block assertion failed", true);
            diags.extend(ds.0.into_iter().map(|d| d.in_context(format!("check \"{}\"", c.name))));
        }
    }

    if diags.has_errors() {
        return Err(diags);
    }

    // 6. -target.
    let mut changes: Vec<ResourceChange> = planned.changes.into_values().collect();
    if !opts.targets.is_empty() {
        let included = target_closure(&opts.targets, &deps, config, &mut diags);
        if diags.has_errors() {
            return Err(diags);
        }
        for c in &mut changes {
            let hit = included.iter().any(|t| t.matches(&c.addr));
            if !hit {
                c.action = Action::NoOp;
                c.after = c.before.clone();
            }
        }
        changes.retain(|c| !(c.action == Action::NoOp && c.before.is_null()));
    }

    Ok(Plan {
        destroy: opts.destroy,
        changes,
        drift,
        outputs,
        variables: vars,
        targets: opts.targets.clone(),
        prior_state: prior,
        prior_state_hash,
        config_hash: config.content_hash(),
        warnings: diags.iter().filter(|d| !d.is_error()).map(|d| d.render(false)).collect(),
    })
}

/// The plan for creating a new object from the configuration (the second half of a replace).
fn fresh_plan(provider: &dyn Provider, ty: &str, cfg: &Value) -> Option<Value> {
    provider.plan_resource(ty, &Value::null(), cfg).ok().map(|p| p.planned)
}

fn order(r: &Resource) -> ReplaceOrder {
    if r.lifecycle.create_before_destroy {
        ReplaceOrder::CreateBeforeDestroy
    } else {
        ReplaceOrder::DestroyBeforeCreate
    }
}

fn delete_change(addr: &InstanceAddr, source: &str, before: Value, reason: Option<Reason>, deps: &[ResourceAddr], cbd: bool) -> ResourceChange {
    ResourceChange {
        addr: addr.clone(),
        prev_addr: None,
        provider: source.to_string(),
        action: Action::Delete,
        reason,
        before,
        after: Value::null(),
        depends_on: deps.to_vec(),
        schema_version: 0,
        create_before_destroy: cbd,
        importing: None,
    }
}

/// `replace_triggered_by`: the first referenced resource instance with a planned change.
fn triggered_replace(r: &Resource, changes: &BTreeMap<InstanceAddr, ResourceChange>) -> Option<String> {
    for e in &r.lifecycle.replace_triggered_by {
        for t in references(&e.expr) {
            let Some(Node::Resource(target)) = crate::graph::reference_target_in(&r.addr.module, &t) else { continue };
            let key = match t.steps.get(1) {
                Some(TraversalStep::Index(v)) => match v.unmarked() {
                    Value::Number(n) => n.as_i64().map(InstanceKey::Int),
                    Value::String(s) => Some(InstanceKey::Str(s.clone())),
                    _ => None,
                },
                _ => None,
            };
            let hit = changes.values().any(|c| {
                c.addr.resource == target
                    && key.as_ref().map(|k| k == &c.addr.key).unwrap_or(true)
                    && matches!(c.action, Action::Update | Action::Replace(_) | Action::Create)
            });
            if hit {
                return Some(t.to_string());
            }
        }
    }
    None
}

fn prior_output(outputs: &BTreeMap<String, infra_state::OutputState>, name: &str) -> Value {
    let Some(o) = outputs.get(name) else { return Value::null() };
    let ty = Type::from_json(&o.r#type).unwrap_or(Type::Dynamic);
    let v = Value::from_json(&o.value, &ty).unwrap_or_else(|_| Value::null());
    if o.sensitive {
        v.sensitive()
    } else {
        v
    }
}

/// A `-target`: a module instance (keys `None` match every instance of a call), and within it
/// optionally one resource and instance key.
struct Target {
    module: crate::addrs::ModuleInstance,
    resource: Option<(ResourceAddr, Option<InstanceKey>)>,
}

impl Target {
    fn matches(&self, a: &InstanceAddr) -> bool {
        let n = self.module.0.len();
        if a.module.0.len() < n {
            return false;
        }
        let module_ok = a.module.0[..n].iter().zip(&self.module.0).all(|((an, ak), (tn, tk))| an == tn && (*tk == InstanceKey::None || tk == ak));
        match &self.resource {
            None => module_ok,
            Some((r, key)) => module_ok && a.module.0.len() == n && a.resource.local() == r.local() && key.as_ref().map(|k| *k == a.key).unwrap_or(true),
        }
    }
}

/// Targeted modules or resources (with an optional instance key) plus everything they depend on.
fn target_closure(targets: &[String], deps: &BTreeMap<ResourceAddr, BTreeSet<ResourceAddr>>, config: &Config, diags: &mut Diagnostics) -> Vec<Target> {
    let mut out = Vec::new();
    // (resource, the module instance it was reached from: dependencies in the same module
    // stay in that instance).
    let mut stack: Vec<(ResourceAddr, crate::addrs::ModuleInstance)> = Vec::new();
    let wildcard = |path: &[String]| crate::addrs::ModuleInstance(path.iter().map(|n| (n.clone(), InstanceKey::None)).collect());
    for t in targets {
        if let Ok(m) = t.parse::<crate::addrs::ModuleInstance>() {
            if !m.is_root() {
                // Everything in the module and its descendants, and what those depend on.
                for module in config.all_modules() {
                    if module.path.starts_with(&m.path()) {
                        // The targeted instance, then every instance of deeper calls.
                        let mut mi = m.clone();
                        mi.0.extend(module.path[m.0.len()..].iter().map(|n| (n.clone(), InstanceKey::None)));
                        stack.extend(module.resources.values().map(|r| (r.addr.clone(), mi.clone())));
                    }
                }
                out.push(Target { module: m, resource: None });
                continue;
            }
        }
        match t.parse::<InstanceAddr>() {
            Ok(a) => {
                let key = if a.key == InstanceKey::None && !t.ends_with(']') { None } else { Some(a.key.clone()) };
                stack.push((a.resource.clone(), a.module.clone()));
                out.push(Target { module: a.module, resource: Some((a.resource, key)) });
            }
            Err(e) => diags.push(Diagnostic::error("Invalid target address", format!("{e}. A target is a resource or module address such as null_resource.a, null_resource.a[0] or module.net."))),
        }
    }
    let mut seen = BTreeSet::new();
    while let Some((r, from)) = stack.pop() {
        if !seen.insert((r.clone(), from.clone())) {
            continue;
        }
        if let Some(ds) = deps.get(&r) {
            for d in ds {
                let module = if d.module == from.path() { from.clone() } else { wildcard(&d.module) };
                out.push(Target { module: module.clone(), resource: Some((d.clone(), None)) });
                stack.push((d.clone(), module));
            }
        }
    }
    out
}

/// Reads every stored managed instance through its provider; updates `state` in place and
/// returns the drift found.
async fn refresh(state: &mut State, providers: &Providers, registry: &Registry, parallelism: usize) -> Result<Vec<ResourceChange>, Diagnostics> {
    // One `read_many` per (provider, resource type): a provider that can list objects refreshes a
    // whole type in a few calls. Groups run concurrently, at most `parallelism` at a time.
    type Item = (String, InstanceAddr, Value, Value);
    let mut groups: BTreeMap<(String, String), (Arc<dyn Provider>, Arc<Schema>, Vec<Item>)> = BTreeMap::new();
    for (key, inst) in &state.resources {
        if inst.mode != infra_state::Mode::Managed || inst.deposed.is_some() {
            continue;
        }
        let source = provider_source(&inst.provider);
        let Some(p) = providers.by_source(&source, registry) else { continue };
        let addr = state_addr(inst);
        let Some(schema) = schema_for(p.as_ref(), &addr.resource).cloned() else { continue };
        let stored = instance_value(inst, Some(&schema));
        register_sensitive_values(&stored);
        let (plain, _) = stored.clone().unmark_deep();
        groups.entry((source, addr.resource.r#type.clone())).or_insert_with(|| (p.clone(), Arc::new(schema), Vec::new())).2.push((key.clone(), addr, stored, plain));
    }
    let sem = Arc::new(tokio::sync::Semaphore::new(parallelism.max(1)));
    let mut set = tokio::task::JoinSet::new();
    for ((source, ty), (p, schema, items)) in groups {
        let sem = sem.clone();
        set.spawn(async move {
            let _permit = sem.acquire_owned().await;
            let plains: Vec<Value> = items.iter().map(|i| i.3.clone()).collect();
            let mut results = p.read_many(&ty, &plains).await;
            results.resize_with(items.len(), || Err(infra_providers::ProviderError::new("the provider returned too few results from read_many")));
            items.into_iter().zip(results).map(|((key, addr, stored, plain), res)| (key, addr, source.clone(), schema.clone(), stored, plain, res)).collect::<Vec<_>>()
        });
    }
    let mut drift = Vec::new();
    let mut diags = Diagnostics::default();
    let mut read = Vec::new();
    while let Some(joined) = set.join_next().await {
        if let Ok(items) = joined {
            read.extend(items);
        }
    }
    for (key, addr, source, schema, stored, plain, res) in read {
        let res = res.map(|o| o.map(|new| crate::statevals::conceal_read_secrets(new, &plain, &schema)));
        match res {
            Err(e) => diags.push(Diagnostic::error(format!("Failed to refresh {addr}"), e.to_string())),
            Ok(None) => {
                state.resources.remove(&key);
                drift.push(delete_change(&addr, &source, stored, None, &[], false));
            }
            Ok(Some(new)) if new != plain => {
                let marks: Vec<(Path, Marks)> = stored.clone().unmark_deep_with_paths().1;
                let after = new.clone().mark_paths(&full_marks(marks, &schema));
                if let Some(inst) = state.resources.get_mut(&key) {
                    let deps: Vec<ResourceAddr> = inst.dependencies.iter().filter_map(|d| d.parse::<InstanceAddr>().ok().map(|a| a.resource)).collect();
                    let mut fresh = instance_state(&addr, &source, &after, schema.version, &deps, inst.create_before_destroy, Some(&schema));
                    fresh.private = inst.private.take();
                    *inst = fresh;
                }
                drift.push(ResourceChange {
                    addr: addr.clone(),
                    prev_addr: None,
                    provider: source,
                    action: Action::Update,
                    reason: None,
                    before: stored,
                    after,
                    depends_on: vec![],
                    schema_version: schema.version,
                    create_before_destroy: false,
                    importing: None,
                });
            }
            Ok(Some(_)) => {}
        }
    }
    if diags.has_errors() {
        return Err(diags);
    }
    drift.sort_by(|a, b| a.addr.cmp(&b.addr));
    Ok(drift)
}
