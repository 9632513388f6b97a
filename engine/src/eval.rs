//! Evaluation scope: turns the values known so far (input variables, locals, resource
//! instances, `count`/`each`, `path`) into the context an expression is evaluated in. Locals are
//! evaluated on demand and memoized; the plan and apply stages fill in resource values.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;

use infra_lang::eval::{eval, EvalContext};
use infra_lang::references::{references, TraversalStep};
use infra_lang::{Type, Value};

use crate::addrs::{InstanceAddr, InstanceKey, ModuleInstance, Mode, ResourceAddr};
use crate::config::{Config, Expr};
use crate::diag::{Diagnostic, Diagnostics};

/// How a resource block expands into instances.
#[derive(Clone, Debug, PartialEq)]
pub enum Expansion {
    /// No `count`/`for_each`: one instance with `InstanceKey::None`.
    Single,
    /// `count = n`.
    Count(i64),
    /// `for_each` over these keys (each with its `each.value`).
    ForEach(BTreeMap<String, Value>),
    /// `count`/`for_each` not known until apply.
    Unknown,
}

impl Expansion {
    pub fn keys(&self) -> Vec<InstanceKey> {
        match self {
            Expansion::Single => vec![InstanceKey::None],
            Expansion::Count(n) => (0..*n).map(InstanceKey::Int).collect(),
            Expansion::ForEach(m) => m.keys().map(|k| InstanceKey::Str(k.clone())).collect(),
            Expansion::Unknown => vec![],
        }
    }
}

/// Values of one resource block's instances.
#[derive(Clone, Debug)]
pub struct ResourceValues {
    pub expansion: Expansion,
    pub instances: BTreeMap<InstanceKey, Value>,
}

impl ResourceValues {
    /// Like [`ResourceValues::value`] but with only the given instances filled in; the others
    /// are cheap placeholders. Used when every reference in an expression names its instance,
    /// so that evaluating one of 10,000 instances does not copy the other 9,999.
    fn partial_value(&self, keys: &BTreeSet<InstanceKey>) -> Value {
        match &self.expansion {
            Expansion::Count(n) => Value::Tuple(
                (0..*n)
                    .map(|i| {
                        let k = InstanceKey::Int(i);
                        if keys.contains(&k) {
                            self.instances.get(&k).cloned().unwrap_or_else(Value::unknown)
                        } else {
                            Value::Unknown(Type::Dynamic)
                        }
                    })
                    .collect(),
            ),
            Expansion::ForEach(_) => Value::Object(
                keys.iter()
                    .filter_map(|k| match k {
                        InstanceKey::Str(s) => self.instances.get(k).map(|v| (s.clone(), v.clone())),
                        _ => None,
                    })
                    .collect(),
            ),
            _ => self.value(),
        }
    }

    /// The value a reference to the whole resource evaluates to.
    fn value(&self) -> Value {
        match &self.expansion {
            Expansion::Single => self.instances.get(&InstanceKey::None).cloned().unwrap_or_else(Value::unknown),
            Expansion::Count(_) => Value::Tuple(self.instances.values().cloned().collect()),
            Expansion::ForEach(_) => Value::Object(
                self.instances
                    .iter()
                    .filter_map(|(k, v)| match k {
                        InstanceKey::Str(s) => Some((s.clone(), v.clone())),
                        _ => None,
                    })
                    .collect(),
            ),
            Expansion::Unknown => Value::Unknown(Type::Dynamic),
        }
    }
}

/// The instance-specific part of a context: which module instance the expression is in, and
/// `count.index` or `each.key`/`each.value`.
#[derive(Clone, Debug, Default)]
pub struct InstanceCtx {
    pub module: ModuleInstance,
    pub key: Option<InstanceKey>,
    pub each_value: Option<Value>,
    /// `self` in postconditions: the object being planned or applied.
    pub self_value: Option<Value>,
    /// Extra root names, such as a `dynamic` block's iterator.
    pub extra: BTreeMap<String, Value>,
}

impl InstanceCtx {
    pub fn for_key(key: &InstanceKey, expansion: &Expansion) -> InstanceCtx {
        match (key, expansion) {
            (InstanceKey::Int(_), _) => InstanceCtx { key: Some(key.clone()), ..InstanceCtx::default() },
            (InstanceKey::Str(k), Expansion::ForEach(m)) => InstanceCtx { key: Some(key.clone()), each_value: m.get(k).cloned(), ..InstanceCtx::default() },
            _ => InstanceCtx::default(),
        }
    }
    /// The same instance context inside module instance `m`.
    pub fn within(mut self, m: &ModuleInstance) -> InstanceCtx {
        self.module = m.clone();
        self
    }
    pub fn module(m: &ModuleInstance) -> InstanceCtx {
        InstanceCtx { module: m.clone(), ..InstanceCtx::default() }
    }
}

/// Values computed on demand and remembered until something they may depend on changes.
#[derive(Default)]
struct Memo {
    locals: HashMap<(ModuleInstance, String), Value>,
    child_vars: HashMap<(ModuleInstance, String), Value>,
    outputs: HashMap<(ModuleInstance, String), Value>,
    expansions: HashMap<(ModuleInstance, String), Expansion>,
}

/// Everything expressions can refer to, in every module instance.
pub struct Scope<'c> {
    pub config: &'c Config,
    /// The root module's input variables.
    pub vars: BTreeMap<String, Value>,
    /// Resource values by module instance and local address (`null_resource.a`).
    pub resources: HashMap<(ModuleInstance, String), ResourceValues>,
    memo: RefCell<Memo>,
    /// `validate`: every input, resource and instance key is unknown; only what does not
    /// depend on them is checked.
    pub validating: bool,
}

impl<'c> Scope<'c> {
    pub fn new(config: &'c Config, vars: BTreeMap<String, Value>) -> Scope<'c> {
        Scope { config, vars, resources: HashMap::new(), memo: RefCell::new(Memo::default()), validating: false }
    }

    /// A scope for `validate`: unknown inputs of their declared types.
    pub fn for_validation(config: &'c Config) -> Scope<'c> {
        let vars = config
            .variables
            .iter()
            .map(|(n, v)| (n.clone(), Value::Unknown(v.ty.clone().unwrap_or(Type::Dynamic))))
            .collect();
        let mut s = Scope::new(config, vars);
        s.validating = true;
        s
    }

    /// Forgets every value computed on demand (after resource values changed).
    pub fn invalidate_locals(&self) {
        *self.memo.borrow_mut() = Memo::default();
    }

    pub fn set_resource(&mut self, module: &ModuleInstance, addr: &ResourceAddr, values: ResourceValues) {
        self.resources.insert((module.clone(), addr.local()), values);
    }

    pub fn resource_values(&self, module: &ModuleInstance, addr: &ResourceAddr) -> Option<&ResourceValues> {
        self.resources.get(&(module.clone(), addr.local()))
    }

    pub fn set_instance(&mut self, addr: &InstanceAddr, v: Value) {
        if let Some(r) = self.resources.get_mut(&(addr.module.clone(), addr.resource.local())) {
            r.instances.insert(addr.key.clone(), v);
        }
    }

    fn module_config(&self, m: &ModuleInstance) -> Option<&'c Config> {
        self.config.module(&m.path())
    }

    /// Every instance of the module at a static path (the root has exactly one).
    pub fn module_instances(&self, path: &[String]) -> Result<Vec<ModuleInstance>, Diagnostics> {
        let Some((last, parent)) = path.split_last() else { return Ok(vec![ModuleInstance::root()]) };
        let mut out = Vec::new();
        for pm in self.module_instances(parent)? {
            for key in self.expansion(&pm, last)?.keys() {
                out.push(pm.child(last, key));
            }
        }
        Ok(out)
    }

    /// How the call `name` in module instance `m` expands.
    pub fn expansion(&self, m: &ModuleInstance, name: &str) -> Result<Expansion, Diagnostics> {
        if let Some(e) = self.memo.borrow().expansions.get(&(m.clone(), name.to_string())) {
            return Ok(e.clone());
        }
        let Some(call) = self.module_config(m).and_then(|c| c.module_calls.get(name)) else {
            return Ok(Expansion::Unknown);
        };
        let e = expand(self, call.count.as_ref(), call.for_each.as_ref(), &format!("module \"{name}\""), &InstanceCtx::module(m))?;
        self.memo.borrow_mut().expansions.insert((m.clone(), name.to_string()), e.clone());
        Ok(e)
    }

    /// The value of input variable `name` in a module instance (evaluated from the module
    /// call's argument in the parent instance, or its default).
    pub fn var_value(&self, m: &ModuleInstance, name: &str) -> Result<Value, Diagnostics> {
        if self.validating && !m.is_root() {
            let ty = self.module_config(m).and_then(|c| c.variables.get(name)).and_then(|v| v.ty.clone()).unwrap_or(Type::Dynamic);
            return Ok(Value::Unknown(ty));
        }
        let Some((parent, (call_name, key))) = m.split_last() else {
            return Ok(self.vars.get(name).cloned().unwrap_or_else(Value::unknown));
        };
        if let Some(v) = self.memo.borrow().child_vars.get(&(m.clone(), name.to_string())) {
            return Ok(v.clone());
        }
        let (Some(call), Some(decl)) = (
            self.module_config(&parent).and_then(|c| c.module_calls.get(call_name)),
            self.module_config(m).and_then(|c| c.variables.get(name)),
        ) else {
            return Ok(Value::unknown());
        };
        let ty = decl.ty.clone().unwrap_or(Type::Dynamic);
        let v = match call.inputs.get(name) {
            Some(e) => {
                let expansion = self.expansion(&parent, call_name)?;
                let ictx = InstanceCtx::for_key(key, &expansion).within(&parent);
                let v = self.eval(e, &ictx)?;
                let converted = match &decl.constraint {
                    Some(c) => c.apply(v),
                    None => infra_lang::convert::convert(v, &ty),
                };
                converted.map_err(|msg| {
                    Diagnostics::from(
                        Diagnostic::error("Invalid value for module argument", format!("The given value is not suitable for child module variable \"{name}\" defined at {}: {msg}.", decl.loc.short()))
                            .at(e.loc.clone()),
                    )
                })?
            }
            None => match &decl.default {
                Some(d) => infra_lang::convert::convert(eval(&d.expr, &EvalContext::default()).unwrap_or_else(|_| Value::null()), &ty).unwrap_or_else(|_| Value::null()),
                None => Value::Null(ty),
            },
        };
        let v = if decl.sensitive { v.sensitive() } else { v };
        // Other variables of the child module are unknown here, so a condition that refers to
        // them is not decided (as Terraform defers conditions on unknown values).
        let siblings: std::collections::BTreeMap<String, Value> = self
            .module_config(m)
            .map(|c| c.variables.iter().map(|(n, d)| (n.clone(), Value::Unknown(d.ty.clone().unwrap_or(Type::Dynamic)))).collect())
            .unwrap_or_default();
        crate::vars::validate(name, &v, decl, &siblings)?;
        self.memo.borrow_mut().child_vars.insert((m.clone(), name.to_string()), v.clone());
        Ok(v)
    }

    /// The value of output `name` of a module instance.
    fn output_value(&self, m: &ModuleInstance, name: &str) -> Result<Option<Value>, Diagnostics> {
        if let Some(v) = self.memo.borrow().outputs.get(&(m.clone(), name.to_string())) {
            return Ok(Some(v.clone()));
        }
        let Some(o) = self.module_config(m).and_then(|c| c.outputs.get(name)) else { return Ok(None) };
        let Some(e) = &o.value else { return Ok(None) };
        let v = self.eval(e, &InstanceCtx::module(m))?;
        let v = if o.sensitive { v.sensitive() } else { v };
        self.memo.borrow_mut().outputs.insert((m.clone(), name.to_string()), v.clone());
        Ok(Some(v))
    }

    /// The object of a module instance's outputs (only `only`, when given).
    fn outputs_of(&self, m: &ModuleInstance, only: Option<&BTreeSet<String>>) -> Result<Value, Diagnostics> {
        let Some(cfg) = self.module_config(m) else { return Ok(Value::unknown()) };
        let mut attrs = BTreeMap::new();
        for name in cfg.outputs.keys() {
            if only.map(|o| !o.contains(name)).unwrap_or(false) {
                continue;
            }
            if let Some(v) = self.output_value(m, name)? {
                attrs.insert(name.clone(), v);
            }
        }
        Ok(Value::Object(attrs))
    }

    /// What `module.NAME` evaluates to in module instance `m` (with only the outputs `only`).
    fn module_value(&self, m: &ModuleInstance, name: &str, only: Option<&BTreeSet<String>>) -> Result<Value, Diagnostics> {
        Ok(match self.expansion(m, name)? {
            Expansion::Single => self.outputs_of(&m.child(name, InstanceKey::None), only)?,
            Expansion::Count(n) => Value::Tuple((0..n).map(|i| self.outputs_of(&m.child(name, InstanceKey::Int(i)), only)).collect::<Result<_, _>>()?),
            Expansion::ForEach(keys) => Value::Object(
                keys.keys().map(|k| Ok((k.clone(), self.outputs_of(&m.child(name, InstanceKey::Str(k.clone())), only)?))).collect::<Result<_, Diagnostics>>()?,
            ),
            Expansion::Unknown => Value::unknown(),
        })
    }

    /// Evaluates an expression of the configuration.
    pub fn eval(&self, e: &Expr, inst: &InstanceCtx) -> Result<Value, Diagnostics> {
        let ctx = self.context_for(e, inst)?;
        eval(&e.expr, &ctx).map_err(|ds| Diagnostics(ds.into_iter().map(|d| Diagnostic::from_lang(d, &e.loc.file, &e.loc.span)).collect()))
    }

    fn local(&self, m: &ModuleInstance, name: &str) -> Result<Value, Diagnostics> {
        if let Some(v) = self.memo.borrow().locals.get(&(m.clone(), name.to_string())) {
            return Ok(v.clone());
        }
        let Some(l) = self.module_config(m).and_then(|c| c.locals.get(name)) else {
            return Ok(Value::unknown());
        };
        let v = self.eval(&l.expr, &InstanceCtx::module(m)).map_err(|ds| Diagnostics(ds.0.into_iter().map(|d| d.in_context("locals")).collect()))?;
        self.memo.borrow_mut().locals.insert((m.clone(), name.to_string()), v.clone());
        Ok(v)
    }

    fn context_for(&self, e: &Expr, inst: &InstanceCtx) -> Result<EvalContext, Diagnostics> {
        let mut vars: BTreeMap<String, Value> = BTreeMap::new();
        let mut locals = BTreeMap::new();
        let mut managed: BTreeMap<String, BTreeMap<String, Value>> = BTreeMap::new();
        let mut data: BTreeMap<String, BTreeMap<String, Value>> = BTreeMap::new();
        let mut modules: BTreeMap<String, Value> = BTreeMap::new();
        let mut var_values: BTreeMap<String, Value> = BTreeMap::new();
        let refs = references(&e.expr);
        // Module outputs each reference needs (None: the whole module object).
        let mut module_needs: BTreeMap<String, Option<BTreeSet<String>>> = BTreeMap::new();
        for t in refs.iter().filter(|t| t.root == "module") {
            let Some(TraversalStep::Attr(call)) = t.steps.first() else { continue };
            let out = match (t.steps.get(1), t.steps.get(2)) {
                (Some(TraversalStep::Attr(o)), _) => Some(o.clone()),
                (Some(TraversalStep::Index(_) | TraversalStep::Dynamic), Some(TraversalStep::Attr(o))) => Some(o.clone()),
                _ => None,
            };
            let entry = module_needs.entry(call.clone()).or_insert_with(|| Some(BTreeSet::new()));
            match (entry.as_mut(), out) {
                (Some(set), Some(o)) => {
                    set.insert(o);
                }
                _ => *entry = None,
            }
        }
        for (call, only) in &module_needs {
            modules.insert(call.clone(), self.module_value(&inst.module, call, only.as_ref())?);
        }
        // Which instances each resource reference needs (None: the whole resource).
        let mi = &inst.module;
        let mut needed: HashMap<ResourceAddr, Option<BTreeSet<InstanceKey>>> = HashMap::new();
        for t in &refs {
            let Some(crate::graph::Node::Resource(addr)) = crate::graph::reference_target(t) else { continue };
            let Some(rv) = self.resource_values(mi, &addr) else { continue };
            if !matches!(rv.expansion, Expansion::Count(_) | Expansion::ForEach(_)) {
                continue;
            }
            let step = if addr.mode == Mode::Data { t.steps.get(2) } else { t.steps.get(1) };
            let key = match step {
                Some(TraversalStep::Index(v)) => key_of(v),
                Some(TraversalStep::Dynamic) => find_index_expr(&e.expr, &t.span, addr.mode == Mode::Data)
                    .and_then(|ix| self.eval(&Expr { expr: ix, loc: e.loc.clone() }, inst).ok())
                    .and_then(|v| key_of(&v)),
                _ => None,
            };
            let entry = needed.entry(addr).or_insert_with(|| Some(BTreeSet::new()));
            match (entry.as_mut(), key) {
                (Some(set), Some(k)) => {
                    set.insert(k);
                }
                _ => *entry = None,
            }
        }
        let resource_value = |addr: &ResourceAddr| -> Value {
            match (self.resource_values(mi, addr), needed.get(addr)) {
                (Some(rv), Some(Some(keys))) => rv.partial_value(keys),
                (Some(rv), _) => rv.value(),
                (None, _) => Value::unknown(),
            }
        };
        for t in refs {
            if let Some(v) = inst.extra.get(&t.root) {
                vars.insert(t.root.clone(), v.clone());
                continue;
            }
            let attr = |i: usize| match t.steps.get(i) {
                Some(TraversalStep::Attr(a)) => Some(a.clone()),
                _ => None,
            };
            match t.root.as_str() {
                "var" => {
                    if let Some(n) = attr(0) {
                        if !var_values.contains_key(&n) {
                            let v = self.var_value(mi, &n)?;
                            var_values.insert(n, v);
                        }
                    }
                }
                "local" => {
                    if let Some(n) = attr(0) {
                        if !locals.contains_key(&n) {
                            let v = self.local(mi, &n)?;
                            locals.insert(n, v);
                        }
                    }
                }
                "module" => {}
                "count" if self.validating => {
                    vars.insert("count".into(), Value::object([("index", Value::Unknown(Type::Number))]));
                }
                "each" if self.validating => {
                    vars.insert("each".into(), Value::object([("key", Value::Unknown(Type::String)), ("value", Value::unknown())]));
                }
                "count" => {
                    if let Some(InstanceKey::Int(i)) = &inst.key {
                        vars.insert("count".into(), Value::object([("index", Value::from(*i))]));
                    }
                }
                "each" => {
                    if let Some(InstanceKey::Str(k)) = &inst.key {
                        vars.insert(
                            "each".into(),
                            Value::object([("key", Value::string(k.clone())), ("value", inst.each_value.clone().unwrap_or_else(Value::null))]),
                        );
                    }
                }
                "path" => {
                    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
                    let module_dir = self
                        .module_config(mi)
                        .and_then(|c| c.dir.strip_prefix(&self.config.dir).ok().map(|p| p.to_string_lossy().into_owned()))
                        .filter(|p| !p.is_empty())
                        .unwrap_or_else(|| ".".to_string());
                    vars.insert(
                        "path".into(),
                        Value::object([
                            ("module", Value::string(module_dir)),
                            ("root", Value::string(".")),
                            ("cwd", Value::string(cwd.to_string_lossy().into_owned())),
                        ]),
                    );
                }
                "terraform" => {
                    vars.insert("terraform".into(), Value::object([("workspace", Value::string("default"))]));
                }
                "data" => {
                    if let (Some(ty), Some(name)) = (attr(0), attr(1)) {
                        let addr = ResourceAddr { module: mi.path(), mode: Mode::Data, r#type: ty.clone(), name: name.clone() };
                        let v = resource_value(&addr);
                        data.entry(ty).or_default().insert(name, v);
                    }
                }
                "self" => {
                    if let Some(v) = &inst.self_value {
                        vars.insert("self".into(), v.clone());
                    }
                }
                ty => {
                    if let Some(name) = attr(0) {
                        let addr = ResourceAddr { module: mi.path(), mode: Mode::Managed, r#type: ty.to_string(), name: name.clone() };
                        let v = resource_value(&addr);
                        managed.entry(ty.to_string()).or_default().insert(name, v);
                    }
                }
            }
        }
        if !locals.is_empty() {
            vars.insert("local".into(), Value::Object(locals));
        }
        if !var_values.is_empty() {
            vars.insert("var".into(), Value::Object(var_values));
        }
        if !modules.is_empty() {
            vars.insert("module".into(), Value::Object(modules));
        }
        if !data.is_empty() {
            vars.insert("data".into(), Value::Object(data.into_iter().map(|(k, m)| (k, Value::Object(m))).collect()));
        }
        for (ty, m) in managed {
            vars.insert(ty, Value::Object(m));
        }
        let base_dir = self.module_config(mi).map(|c| c.dir.clone()).unwrap_or_else(|| self.config.dir.clone());
        Ok(EvalContext { variables: vars, base_dir, ..EvalContext::default() })
    }
}


/// An instance key from an index value.
fn key_of(v: &Value) -> Option<InstanceKey> {
    match v.unmarked() {
        Value::Number(n) => n.as_i64().map(InstanceKey::Int),
        Value::String(s) => Some(InstanceKey::Str(s.clone())),
        _ => None,
    }
}

/// The index expression of the resource traversal at `span` (`null_resource.a[<here>]`).
fn find_index_expr(expr: &hcl_edit::expr::Expression, span: &std::ops::Range<usize>, data: bool) -> Option<hcl_edit::expr::Expression> {
    use hcl_edit::expr::TraversalOperator;
    use hcl_edit::visit::Visit;
    use hcl_edit::Span;
    struct Finder<'a> {
        span: &'a std::ops::Range<usize>,
        pos: usize,
        found: Option<hcl_edit::expr::Expression>,
    }
    impl Visit for Finder<'_> {
        fn visit_traversal(&mut self, t: &hcl_edit::expr::Traversal) {
            if self.found.is_none() && t.span().as_ref() == Some(self.span) {
                if let Some(TraversalOperator::Index(ix)) = t.operators.get(self.pos).map(|o| o.value()) {
                    self.found = Some(ix.clone());
                }
            }
            hcl_edit::visit::visit_traversal(self, t);
        }
    }
    let mut f = Finder { span, pos: if data { 2 } else { 1 }, found: None };
    f.visit_expr(expr);
    f.found
}

/// Evaluates `count`/`for_each` of a resource or module call (`context` names the block).
pub fn expand(scope: &Scope, count: Option<&Expr>, for_each: Option<&Expr>, context: &str, inst: &InstanceCtx) -> Result<Expansion, Diagnostics> {
    if scope.validating && (count.is_some() || for_each.is_some()) {
        // Check the expression itself; its value is not known without inputs.
        for e in count.iter().chain(for_each.iter()) {
            scope.eval(e, inst)?;
        }
        return Ok(Expansion::Unknown);
    }
    if let Some(e) = count {
        let v = scope.eval(e, inst)?;
        let bad = |detail: &str| Diagnostics::from(Diagnostic::error("Invalid count argument", detail.to_string()).at(e.loc.clone()).in_context(context));
        if v.marks().sensitive {
            return Err(bad("Sensitive values, or values derived from sensitive values, cannot be used as count arguments: the number of instances would reveal them."));
        }
        if !v.is_known() {
            return Err(bad("The \"count\" value depends on resource attributes that cannot be determined until apply, so infra cannot predict how many instances will be created. To work around this, use the -target argument to first apply only the resources that the count depends on."));
        }
        let v = infra_lang::convert::convert(v, &Type::Number).map_err(|m| bad(&format!("The given \"count\" argument value is unsuitable: {m}.")))?;
        if v.is_null() {
            return Err(bad("The given \"count\" argument value is null. An integer is required."));
        }
        let n = v.as_number().and_then(|n| n.as_i64()).ok_or_else(|| bad("The given \"count\" argument value is unsuitable: a whole number is required."))?;
        if n < 0 {
            return Err(bad("The given \"count\" argument value is unsuitable: must be greater than or equal to zero."));
        }
        return Ok(Expansion::Count(n));
    }
    if let Some(e) = for_each {
        let v = scope.eval(e, inst)?;
        let bad = |detail: String| Diagnostics::from(Diagnostic::error("Invalid for_each argument", detail).at(e.loc.clone()).in_context(context));
        if v.contains_sensitive() && v.marks().sensitive {
            return Err(bad("Sensitive values, or values derived from sensitive values, cannot be used as for_each arguments. If used, the sensitive value could be exposed as a resource instance key.".into()));
        }
        // A map's keys must be known (its values may not be); a set's elements must be known.
        let keys_known = match v.unmarked() {
            Value::Map(..) | Value::Object(..) => true,
            Value::Set(..) => v.is_wholly_known(),
            other => other.is_known(),
        };
        if !v.is_known() || !keys_known {
            return Err(bad("The \"for_each\" value depends on resource attributes that cannot be determined until apply, so infra cannot predict how many instances will be created. To work around this, use the -target argument to first apply only the resources that the for_each value depends on.".into()));
        }
        if v.is_null() {
            return Err(bad("The given \"for_each\" argument value is unsuitable: the given \"for_each\" argument value is null. A map, or set of strings is allowed.".into()));
        }
        let mut m = BTreeMap::new();
        match v.unmarked() {
            Value::Map(_, entries) | Value::Object(entries) => {
                for (k, val) in entries {
                    m.insert(k.clone(), val.clone());
                }
            }
            Value::Set(_, items) => {
                for it in items {
                    match it.unmarked() {
                        Value::String(s) => {
                            m.insert(s.clone(), it.clone());
                        }
                        Value::Null(_) => return Err(bad("The given \"for_each\" argument value is unsuitable: \"for_each\" sets must not contain null values.".into())),
                        other => return Err(bad(format!("The given \"for_each\" argument value is unsuitable: \"for_each\" supports maps and sets of strings, but you have provided a set containing type {}.", other.ty()))),
                    }
                }
            }
            other => {
                return Err(bad(format!(
                    "The given \"for_each\" argument value is unsuitable: the \"for_each\" argument must be a map, or set of strings, and you have provided a value of type {}.",
                    other.ty()
                )))
            }
        }
        return Ok(Expansion::ForEach(m));
    }
    Ok(Expansion::Single)
}


/// Checks conditions (`precondition`, `postcondition`, `assert`): the error (or warning)
/// `summary` with the evaluated error message for each that is known and false.
pub fn check_conditions(scope: &Scope, conds: &[crate::config::Condition], inst: &InstanceCtx, summary: &str, warning: bool) -> Diagnostics {
    let mut out = Diagnostics::default();
    for c in conds {
        let result = match scope.eval(&c.condition, inst) {
            Ok(v) => v,
            Err(ds) => {
                out.extend(ds.0);
                continue;
            }
        };
        if !result.is_known() {
            continue;
        }
        let ok = match infra_lang::convert::convert(result, &Type::Bool) {
            Ok(b) if !b.is_null() => b.unmarked().as_bool().unwrap_or(false),
            _ => {
                out.push(Diagnostic::error("Invalid condition result", "The condition expression must produce a bool (true or false).").at(c.condition.loc.clone()));
                continue;
            }
        };
        if !ok {
            let message = scope
                .eval(&c.error_message, inst)
                .ok()
                .and_then(|m| if m.contains_sensitive() { None } else { m.unmarked().as_str().map(str::to_string) })
                .unwrap_or_else(|| "(the error message is sensitive and is not shown)".to_string());
            let d = if warning { Diagnostic::warning(summary, message) } else { Diagnostic::error(summary, message) };
            out.push(d.at(c.condition.loc.clone()));
        }
    }
    out
}
