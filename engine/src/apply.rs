//! The apply stage: replays a plan's operations against the providers, walking the dependency
//! order with bounded parallelism, persisting state through the journal after every completed
//! operation, and reporting progress as events (it never prints).
//!
//! Invariants: an operation starts only after every operation it depends on succeeded; a failed
//! operation's dependents are skipped while independent branches finish; values that were
//! unknown at plan time are evaluated from the applied results and must agree with the plan.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use infra_lang::{Type, Value};
use infra_providers::{Provider, Registry};
use infra_state::{Journal, OutputState};

use crate::addrs::Mode;
use crate::config::Config;
use crate::diag::{Diagnostic, Diagnostics};
use crate::eval::{InstanceCtx, ResourceValues, Scope};
use crate::plan::model::{Action, Plan, ReplaceOrder, ResourceChange};
use crate::plan::planner::{eval_expansion, eval_resource_config, schema_for, Providers};
use crate::statevals::{full_marks, instance_state};
use infra_lang::{Marks, Path};

/// The kind of work one operation does, for progress messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpKind {
    Create,
    Update,
    Delete,
    Read,
    Forget,
}

impl OpKind {
    /// (`Creating`, `Creation`) etc.
    pub fn words(self) -> (&'static str, &'static str, &'static str) {
        match self {
            OpKind::Create => ("Creating", "Creation", "creating"),
            OpKind::Update => ("Modifying", "Modifications", "modifying"),
            OpKind::Delete => ("Destroying", "Destruction", "destroying"),
            OpKind::Read => ("Reading", "Read", "reading"),
            OpKind::Forget => ("Forgetting", "Forgetting", "forgetting"),
        }
    }
}

/// What the apply walk reports.
#[derive(Clone, Debug)]
pub enum ApplyEvent {
    Started { addr: String, kind: OpKind },
    StillRunning { addr: String, kind: OpKind, elapsed: Duration },
    Completed { addr: String, kind: OpKind, elapsed: Duration, id: Option<String> },
    Failed { addr: String, kind: OpKind, message: String },
    Skipped { addr: String, because: String },
    /// Ctrl-C: `abort` is false after the first (finish in-flight work), true after the second.
    Interrupted { abort: bool },
}

/// Counts interrupts (Ctrl-C presses) and wakes the walk.
#[derive(Default)]
pub struct Interrupt {
    count: AtomicUsize,
    notify: tokio::sync::Notify,
}

impl Interrupt {
    pub fn trigger(&self) {
        self.count.fetch_add(1, Ordering::SeqCst);
        self.notify.notify_one();
    }
    pub fn count(&self) -> usize {
        self.count.load(Ordering::SeqCst)
    }
}

#[derive(Clone, Debug)]
pub struct ApplyOptions {
    pub parallelism: usize,
    /// How often a long operation reports that it is still running.
    pub progress_every: Duration,
}

impl Default for ApplyOptions {
    fn default() -> Self {
        ApplyOptions { parallelism: 10, progress_every: Duration::from_secs(10) }
    }
}

/// What happened.
#[derive(Debug, Default)]
pub struct ApplyOutcome {
    pub added: usize,
    pub changed: usize,
    pub destroyed: usize,
    pub errors: Diagnostics,
    /// Addresses not attempted because a dependency failed or the run was interrupted.
    pub skipped: Vec<String>,
    pub interrupted: bool,
    /// Root outputs after apply: (name, value, sensitive).
    pub outputs: Vec<(String, Value, bool)>,
}

type Events = Arc<dyn Fn(ApplyEvent) + Send + Sync>;

struct Op {
    change: ResourceChange,
    deps: Vec<usize>,
}

/// Applies `plan`. `config` must be the configuration the plan was made from.
#[allow(clippy::too_many_arguments)]
pub async fn apply(
    plan: &Plan,
    config: &Config,
    registry: &Registry,
    journal: &Journal,
    opts: &ApplyOptions,
    events: Events,
    interrupt: Arc<Interrupt>,
) -> ApplyOutcome {
    let mut outcome = ApplyOutcome::default();
    let providers = match Providers::resolve(config, registry) {
        Ok(p) => p,
        Err(d) => {
            outcome.errors = d;
            return outcome;
        }
    };
    if let Err(d) = providers.configure(config, &Scope::new(config, plan.variables.clone())).await {
        outcome.errors = d;
        return outcome;
    }
    // The scope starts from the planned values; completed operations replace them.
    let mut scope = Scope::new(config, plan.variables.clone());
    let mut by_resource: BTreeMap<(crate::addrs::ModuleInstance, crate::addrs::ResourceAddr), ResourceValues> = BTreeMap::new();
    let mut add = |addr: &crate::addrs::InstanceAddr, v: Value| {
        let rv = by_resource
            .entry((addr.module.clone(), addr.resource.clone()))
            .or_insert_with(|| ResourceValues { expansion: crate::eval::Expansion::Single, instances: BTreeMap::new() });
        rv.instances.insert(addr.key.clone(), v);
    };
    for c in &plan.changes {
        match c.action {
            Action::Delete => {}
            Action::NoOp => add(&c.addr, c.before.clone()),
            _ => add(&c.addr, c.after.clone()),
        }
    }
    // Data sources read during plan are in the refreshed prior state.
    for inst in plan.prior_state.resources.values() {
        if inst.mode == infra_state::Mode::Data {
            let addr = crate::statevals::state_addr(inst);
            let schema = providers.by_source(&crate::statevals::provider_source(&inst.provider), registry).and_then(|p| schema_for(p.as_ref(), &addr.resource).cloned());
            add(&addr, crate::statevals::instance_value(inst, schema.as_ref()));
        }
    }
    for ((mi, addr), mut rv) in by_resource {
        if let Some(r) = config.resource(&addr) {
            rv.expansion = eval_expansion(&scope, r, &mi).unwrap_or(rv.expansion);
        }
        scope.set_resource(&mi, &addr, rv);
    }
    // Resources with no instances (count = 0, empty for_each) still have a value: [] or {}.
    for m in config.all_modules() {
        let Ok(instances) = scope.module_instances(&m.path) else { continue };
        for mi in instances {
            for r in m.resources.values() {
                if scope.resource_values(&mi, &r.addr).is_none() {
                    if let Ok(expansion) = eval_expansion(&scope, r, &mi) {
                        if expansion.keys().is_empty() {
                            scope.set_resource(&mi, &r.addr, ResourceValues { expansion, instances: BTreeMap::new() });
                        }
                    }
                }
            }
        }
    }

    // Operations and their dependencies.
    let ops: Vec<Op> = build_ops(plan);
    let n = ops.len();
    let mut remaining: Vec<usize> = ops.iter().map(|o| o.deps.len()).collect();
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, o) in ops.iter().enumerate() {
        for &d in &o.deps {
            dependents[d].push(i);
        }
    }
    let mut ready: Vec<usize> = (0..n).filter(|&i| remaining[i] == 0).collect();
    ready.reverse();
    let mut failed: HashSet<usize> = HashSet::new();
    let mut done: HashSet<usize> = HashSet::new();
    let mut set: tokio::task::JoinSet<(usize, Result<Value, String>, Duration, Vec<String>)> = tokio::task::JoinSet::new();
    let mut running = 0usize;
    let mut schemas: HashMap<usize, Option<infra_providers::Schema>> = HashMap::new();
    let parallelism = opts.parallelism.max(1);

    let mut interrupts_seen = 0;
    loop {
        let interrupts = interrupt.count();
        if interrupts > interrupts_seen {
            interrupts_seen = interrupts;
            let abort = interrupts >= 2;
            events(ApplyEvent::Interrupted { abort });
            outcome.interrupted = true;
            if abort {
                set.abort_all();
            }
        }
        let stop_new = interrupts >= 1;
        while !stop_new && running < parallelism {
            let Some(i) = ready.pop() else { break };
            let change = &ops[i].change;
            match prepare(change, config, &scope, &providers, registry) {
                Ok(prep) => {
                    let kind = primary_kind(&change.action);
                    events(ApplyEvent::Started { addr: change.addr.to_string(), kind });
                    let ev = events.clone();
                    let c = change.clone();
                    let every = opts.progress_every;
                    schemas.insert(i, prep.schema.clone());
                    set.spawn(async move {
                        let start = Instant::now();
                        let checked = matches!(c.action, Action::Create | Action::Update | Action::Replace(_));
                        let planned = checked.then(|| prep.planned.clone());
                        let res = run_op(prep.provider, &c, prep.planned, prep.marks, ev, every).await;
                        let inconsistent = match (&res, planned) {
                            (Ok(new), Some(planned)) => inconsistencies(&planned, new),
                            _ => Vec::new(),
                        };
                        (i, res, start.elapsed(), inconsistent)
                    });
                    running += 1;
                }
                Err(d) => {
                    events(ApplyEvent::Failed { addr: change.addr.to_string(), kind: primary_kind(&change.action), message: d.summary.clone() });
                    outcome.errors.push(d);
                    failed.insert(i);
                    skip_dependents(i, &ops, &dependents, &mut failed, &mut outcome, &events);
                }
            }
        }
        if running == 0 {
            break;
        }
        let joined = tokio::select! {
            j = set.join_next() => j,
            // Handled at the top of the loop.
            _ = interrupt.notify.notified() => continue,
        };
        let Some(joined) = joined else { break };
        running -= 1;
        let (i, res, elapsed, inconsistent) = match joined {
            Ok(r) => r,
            Err(_) => continue, // aborted
        };
        let change = &ops[i].change;
        let addr = change.addr.to_string();
        let kind = primary_kind(&change.action);
        match res {
            Ok(new_value) => {
                let id = new_value.get_attr("id").and_then(|v| if v.marks().sensitive { None } else { v.unmarked().as_str().map(str::to_string) });
                // Persist before anything else learns of the result.
                let persisted = if new_value.is_null() {
                    journal.remove_resource(&addr)
                } else {
                    journal.put_resource(
                        &addr,
                        &instance_state(&change.addr, &change.provider, &new_value, change.schema_version, &change.depends_on, change.create_before_destroy, schemas.get(&i).and_then(Option::as_ref)),
                    )
                };
                if let Err(e) = persisted {
                    outcome.errors.push(Diagnostic::error("Failed to persist state", format!("{e}")));
                    interrupt.trigger();
                }
                if !inconsistent.is_empty() {
                    // Saved as the provider returned it (it exists), but reported, and what
                    // depends on it is not applied: a later plan would otherwise show a diff.
                    let message = format!(
                        "When applying changes to {addr}, provider \"{}\" produced an unexpected new value:\n{}\n\nThis is a bug in the provider: the object read back differs from what was planned. The state holds what the provider returned; run plan to see the difference.",
                        change.provider,
                        inconsistent.iter().map(|l| format!("  - {l}")).collect::<Vec<_>>().join("\n")
                    );
                    events(ApplyEvent::Failed { addr: addr.clone(), kind, message: "provider produced inconsistent result after apply".into() });
                    outcome.errors.push(Diagnostic::error("Provider produced inconsistent result after apply", message));
                    if !new_value.is_null() {
                        scope.set_instance(&change.addr, new_value);
                        scope.invalidate_locals();
                    }
                    failed.insert(i);
                    skip_dependents(i, &ops, &dependents, &mut failed, &mut outcome, &events);
                    continue;
                }
                events(ApplyEvent::Completed { addr, kind, elapsed, id });
                match change.action {
                    Action::Create => outcome.added += 1,
                    Action::Update => outcome.changed += 1,
                    Action::Delete => outcome.destroyed += 1,
                    Action::Replace(_) => {
                        outcome.added += 1;
                        outcome.destroyed += 1
                    }
                    _ => {}
                }
                if !new_value.is_null() {
                    scope.set_instance(&change.addr, new_value);
                    scope.invalidate_locals();
                }
                done.insert(i);
                for &d in &dependents[i] {
                    remaining[d] -= 1;
                    if remaining[d] == 0 && !failed.contains(&d) {
                        ready.push(d);
                    }
                }
            }
            Err(message) if change.action == Action::Read && config.resource(&change.addr.resource).is_some_and(|r| r.check.is_some()) => {
                // A check block's data source: its errors are warnings (nothing depends on it).
                events(ApplyEvent::Failed { addr: addr.clone(), kind, message: message.clone() });
                outcome.errors.push(Diagnostic::warning(format!("Error {} {addr}", kind.words().2), message));
                done.insert(i);
            }
            Err(message) => {
                events(ApplyEvent::Failed { addr: addr.clone(), kind, message: message.clone() });
                outcome.errors.push(Diagnostic::error(format!("Error {} {addr}", kind.words().2), message));
                failed.insert(i);
                skip_dependents(i, &ops, &dependents, &mut failed, &mut outcome, &events);
            }
        }
    }
    for (i, op) in ops.iter().enumerate() {
        if !done.contains(&i) && !failed.contains(&i) {
            let a = op.change.addr.to_string();
            // Not announced one by one: after an interrupt this can be most of the plan.
            if !outcome.skipped.contains(&a) {
                outcome.skipped.push(a);
            }
        }
    }

    // Check blocks, on the applied values: failures are warnings, as at plan time.
    if !plan.destroy && !outcome.interrupted {
        for c in &config.checks {
            let ds = crate::eval::check_conditions(&scope, &c.asserts, &InstanceCtx::default(), "Check block assertion failed", true);
            outcome.errors.extend(ds.0.into_iter().map(|d| d.in_context(format!("check \"{}\"", c.name))));
        }
    }

    // Outputs, from whatever was applied.
    let mut outputs = BTreeMap::new();
    if !plan.destroy {
        for (name, o) in &config.outputs {
            let Some(e) = &o.value else { continue };
            let Ok(v) = scope.eval(e, &InstanceCtx::default()) else { continue };
            if !v.is_wholly_known() || v.is_null() {
                continue;
            }
            let sensitive = o.sensitive || v.contains_sensitive();
            let (plain, _) = v.clone().unmark_deep();
            outputs.insert(name.clone(), OutputState { value: plain.to_json(), r#type: plain.ty().to_json(), sensitive });
            outcome.outputs.push((name.clone(), if sensitive { v.sensitive() } else { v }, sensitive));
        }
    }
    outcome.outputs.sort_by(|a, b| a.0.cmp(&b.0));
    if let Err(e) = journal.set_outputs(&outputs) {
        outcome.errors.push(Diagnostic::error("Failed to persist state", format!("{e}")));
    }
    outcome
}

fn primary_kind(a: &Action) -> OpKind {
    match a {
        Action::Create | Action::Replace(_) => OpKind::Create,
        Action::Update => OpKind::Update,
        Action::Delete => OpKind::Delete,
        Action::Read | Action::NoOp => OpKind::Read,
        Action::Forget => OpKind::Forget,
    }
}

fn skip_dependents(i: usize, ops: &[Op], dependents: &[Vec<usize>], failed: &mut HashSet<usize>, outcome: &mut ApplyOutcome, events: &Events) {
    let mut stack = dependents[i].clone();
    while let Some(d) = stack.pop() {
        if failed.insert(d) {
            let a = ops[d].change.addr.to_string();
            events(ApplyEvent::Skipped { addr: a.clone(), because: format!("{} failed", ops[i].change.addr) });
            outcome.skipped.push(a);
            stack.extend(dependents[d].iter().copied());
        }
    }
}

fn build_ops(plan: &Plan) -> Vec<Op> {
    let changes: Vec<&ResourceChange> = plan.changes.iter().filter(|c| c.action != Action::NoOp).collect();
    let mut by_res: HashMap<&crate::addrs::ResourceAddr, Vec<usize>> = HashMap::new();
    // Resource (address string) → changes that depend, or depended per the stored state, on it.
    let mut dependents: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, c) in changes.iter().enumerate() {
        by_res.entry(&c.addr.resource).or_default().push(i);
        for d in &c.depends_on {
            dependents.entry(d.to_string()).or_default().push(i);
        }
        if let Some(stored) = plan.prior_state.resources.get(&c.addr.to_string()) {
            for d in &stored.dependencies {
                dependents.entry(d.clone()).or_default().push(i);
            }
        }
    }
    let mut ops = Vec::with_capacity(changes.len());
    for (i, c) in changes.iter().enumerate() {
        let mut deps = Vec::new();
        if c.action == Action::Delete {
            // Delete after everything that depends (or depended, per the stored state) on this
            // resource was deleted or updated away from it.
            if let Some(js) = dependents.get(&c.addr.resource.to_string()) {
                deps.extend(js.iter().copied().filter(|&j| j != i));
            }
        } else {
            for d in &c.depends_on {
                if let Some(js) = by_res.get(d) {
                    deps.extend(js.iter().copied().filter(|&j| changes[j].action != Action::Delete && j != i));
                }
            }
        }
        deps.sort_unstable();
        deps.dedup();
        ops.push(Op { change: (*c).clone(), deps });
    }
    ops
}

/// Resolves the provider and finalizes the planned value (evaluating what was unknown).
fn prepare(
    change: &ResourceChange,
    config: &Config,
    scope: &Scope,
    providers: &Providers,
    registry: &Registry,
) -> Result<Prepared, Diagnostic> {
    let provider = providers
        .by_source(&change.provider, registry)
        .ok_or_else(|| Diagnostic::error("Provider not available", format!("No provider {} for {}.", change.provider, change.addr)))?;
    let schema = schema_for(provider.as_ref(), &change.addr.resource).cloned();
    let given_marks = |v: &Value| -> Vec<(Path, Marks)> {
        let m = v.clone().unmark_deep_with_paths().1;
        match &schema {
            Some(s) => full_marks(m, s),
            None => m,
        }
    };
    if change.action == Action::Delete || change.after.is_wholly_known() {
        let marks = given_marks(&change.after);
        return Ok(Prepared { provider, planned: change.after.clone(), marks, schema });
    }
    let Some(r) = config.resource(&change.addr.resource) else {
        let marks = given_marks(&change.after);
        return Ok(Prepared { provider, planned: change.after.clone(), marks, schema });
    };
    let Some(schema) = schema else {
        return Err(Diagnostic::error("Invalid resource type", format!("{} has no schema", change.addr)));
    };
    let schema = &schema;
    let expansion = eval_expansion(scope, r, &change.addr.module).unwrap_or(crate::eval::Expansion::Single);
    let inst = InstanceCtx::for_key(&change.addr.key, &expansion).within(&change.addr.module);
    let cfg = eval_resource_config(scope, r, &inst, schema).map_err(|ds| ds.0.into_iter().next().unwrap_or_else(|| Diagnostic::error("Invalid configuration", "")))?;
    let (cfg_plain, marks) = cfg.unmark_deep_with_paths();
    let marks = full_marks(marks, schema);
    if change.addr.resource.mode == Mode::Data {
        return Ok(Prepared { provider, planned: cfg_plain.mark_paths(&marks), marks, schema: Some(schema.clone()) });
    }
    let prior = match change.action {
        Action::Update => change.before.clone().unmark_deep().0,
        _ => Value::null(),
    };
    let ps = provider
        .plan_resource(&change.addr.resource.r#type, &prior, &cfg_plain)
        .map_err(|e| Diagnostic::error(format!("Provider failed to plan {}", change.addr), e.to_string()))?;
    let planned_before = change.after.clone().unmark_deep().0;
    if !compatible(&planned_before, &ps.planned) {
        return Err(Diagnostic::error(
            "Provider produced inconsistent final plan",
            format!("When expanding the plan for {} to include new values learned so far during apply, the result differs from what was planned. This is a bug in infra or its provider; please report it.", change.addr),
        ));
    }
    Ok(Prepared { provider, planned: ps.planned.mark_paths(&marks), marks, schema: Some(schema.clone()) })
}

/// An operation ready to run: its provider, final planned value and the marks of the result.
struct Prepared {
    provider: Arc<dyn Provider>,
    planned: Value,
    marks: Vec<(Path, Marks)>,
    schema: Option<infra_providers::Schema>,
}

/// True when every known part of `planned` equals `actual`.
fn compatible(planned: &Value, actual: &Value) -> bool {
    match (planned, actual) {
        (Value::Unknown(_), _) => true,
        (Value::Object(a), Value::Object(b)) | (Value::Map(_, a), Value::Map(_, b)) => {
            a.len() == b.len() && a.iter().all(|(k, v)| b.get(k).map(|w| compatible(v, w)).unwrap_or(false))
        }
        (Value::List(_, a), Value::List(_, b)) | (Value::Tuple(a), Value::Tuple(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| compatible(x, y))
        }
        (Value::Set(..), Value::Set(..)) => true,
        (a, b) => a == b || (a.to_json() == b.to_json() && a.ty() == b.ty()) || matches!(a.ty(), Type::Dynamic),
    }
}

/// Where the object a provider returned after apply differs from a known planned value: one
/// line per attribute path, `.name: was "a", but now "b"`. Sensitive values (marked in either)
/// are not shown.
fn inconsistencies(planned: &Value, actual: &Value) -> Vec<String> {
    let mut out = Vec::new();
    diff_known(planned, actual, &mut String::new(), &mut out);
    out
}

fn diff_known(planned: &Value, actual: &Value, path: &mut String, out: &mut Vec<String>) {
    if !planned.is_known() || out.len() >= 20 {
        return;
    }
    let show = |v: &Value| -> String {
        if v.contains_sensitive() {
            "(sensitive value)".to_string()
        } else if v.is_null() {
            "null".to_string()
        } else {
            let s = v.clone().unmark_deep().0.to_json().to_string();
            if s.chars().count() > 120 {
                format!("{}…", s.chars().take(120).collect::<String>())
            } else {
                s
            }
        }
    };
    let here = |path: &str| if path.is_empty() { "(the object)".to_string() } else { path.to_string() };
    let (p, a) = (planned.unmarked(), actual.unmarked());
    match (p, a) {
        (Value::Object(pm), Value::Object(am)) | (Value::Map(_, pm), Value::Map(_, am)) if pm.len() == am.len() || matches!(p, Value::Object(_)) => {
            for (k, pv) in pm {
                let n = path.len();
                if matches!(p, Value::Object(_)) {
                    path.push('.');
                    path.push_str(k);
                } else {
                    path.push_str(&format!("[{}]", serde_json::Value::String(k.clone())));
                }
                match am.get(k) {
                    Some(av) => diff_known(pv, av, path, out),
                    None => out.push(format!("{}: was {}, but now absent", here(path), show(pv))),
                }
                path.truncate(n);
            }
            if matches!(p, Value::Map(..)) {
                for k in am.keys().filter(|k| !pm.contains_key(*k)) {
                    out.push(format!("{}[{}]: was absent, but now present", here(path), serde_json::Value::String(k.clone())));
                }
            }
        }
        (Value::List(_, pv) | Value::Tuple(pv), Value::List(_, av) | Value::Tuple(av)) if pv.len() == av.len() => {
            for (i, (x, y)) in pv.iter().zip(av).enumerate() {
                let n = path.len();
                path.push_str(&format!("[{i}]"));
                diff_known(x, y, path, out);
                path.truncate(n);
            }
        }
        (Value::Set(..), Value::Set(..)) if p.is_wholly_known() => {
            if p != a {
                out.push(format!("{}: planned set elements differ from the result", here(path)));
            }
        }
        (Value::Set(..), Value::Set(..)) => {}
        _ => {
            let equal = p == a || (p.to_json() == a.to_json() && (p.ty() == a.ty() || matches!(p.ty(), Type::Dynamic)));
            if !equal {
                out.push(format!("{}: was {}, but now {}", here(path), show(planned), show(actual)));
            }
        }
    }
}

/// Runs one operation against the provider, reporting progress while it runs.
async fn run_op(provider: Arc<dyn Provider>, c: &ResourceChange, planned: Value, marks: Vec<(Path, Marks)>, events: Events, every: Duration) -> Result<Value, String> {
    let ty = c.addr.resource.r#type.clone();
    let addr = c.addr.to_string();
    let kind = primary_kind(&c.action);
    crate::statevals::register_sensitive_values(&planned);
    crate::statevals::register_sensitive_values(&c.before);
    let (planned_plain, _) = planned.unmark_deep_with_paths();
    let (before_plain, _) = c.before.clone().unmark_deep();
    let work = async {
        match &c.action {
            Action::Read => provider.read_data_source(&ty, &planned_plain).await.map_err(|e| e.to_string()),
            Action::Create | Action::Update => provider.apply_resource(&ty, &before_plain, &planned_plain).await.map_err(|e| e.to_string()),
            Action::Delete => provider.apply_resource(&ty, &before_plain, &Value::null()).await.map(|_| Value::null()).map_err(|e| e.to_string()),
            Action::Replace(ReplaceOrder::DestroyBeforeCreate) | Action::Replace(ReplaceOrder::CreateBeforeDestroy) => {
                // The old object is deleted first or last; either way the address ends holding the new one.
                if matches!(c.action, Action::Replace(ReplaceOrder::DestroyBeforeCreate)) {
                    provider.apply_resource(&ty, &before_plain, &Value::null()).await.map_err(|e| format!("destroying the old object: {e}"))?;
                    provider.apply_resource(&ty, &Value::null(), &planned_plain).await.map_err(|e| e.to_string())
                } else {
                    let new = provider.apply_resource(&ty, &Value::null(), &planned_plain).await.map_err(|e| e.to_string())?;
                    provider.apply_resource(&ty, &before_plain, &Value::null()).await.map_err(|e| format!("destroying the old (deposed) object: {e}"))?;
                    Ok(new)
                }
            }
            Action::NoOp => Ok(before_plain.clone()),
            // Only the state forgets the object; the provider is not called.
            Action::Forget => Ok(Value::null()),
        }
    };
    tokio::pin!(work);
    let start = Instant::now();
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    let result = loop {
        tokio::select! {
            r = &mut work => break r,
            _ = tick.tick() => events(ApplyEvent::StillRunning { addr: addr.clone(), kind, elapsed: start.elapsed() }),
        }
    };
    result.map(|v| if v.is_null() { v } else { v.mark_paths(&marks) })
}
