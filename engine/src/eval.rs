//! Evaluation scope: turns the values known so far (input variables, locals, resource
//! instances, `count`/`each`, `path`) into the context an expression is evaluated in. Locals are
//! evaluated on demand and memoized; the plan and apply stages fill in resource values.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;

use infra_lang::eval::{eval, EvalContext};
use infra_lang::references::{references, TraversalStep};
use infra_lang::{Type, Value};

use crate::addrs::{InstanceKey, Mode, ResourceAddr};
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

/// The instance-specific part of a context: `count.index` or `each.key`/`each.value`.
#[derive(Clone, Debug, Default)]
pub struct InstanceCtx {
    pub key: Option<InstanceKey>,
    pub each_value: Option<Value>,
}

impl InstanceCtx {
    pub fn for_key(key: &InstanceKey, expansion: &Expansion) -> InstanceCtx {
        match (key, expansion) {
            (InstanceKey::Int(_), _) => InstanceCtx { key: Some(key.clone()), each_value: None },
            (InstanceKey::Str(k), Expansion::ForEach(m)) => InstanceCtx { key: Some(key.clone()), each_value: m.get(k).cloned() },
            _ => InstanceCtx::default(),
        }
    }
}

/// Everything expressions can refer to.
pub struct Scope<'c> {
    pub config: &'c Config,
    pub vars: BTreeMap<String, Value>,
    pub resources: HashMap<ResourceAddr, ResourceValues>,
    locals: RefCell<HashMap<String, Value>>,
    /// Set while evaluating for plan: functions such as `timestamp()` yield unknown.
    pub planning: bool,
}

impl<'c> Scope<'c> {
    pub fn new(config: &'c Config, vars: BTreeMap<String, Value>) -> Scope<'c> {
        Scope { config, vars, resources: HashMap::new(), locals: RefCell::new(HashMap::new()), planning: true }
    }

    /// Forgets memoized locals (after resource values changed).
    pub fn invalidate_locals(&self) {
        self.locals.borrow_mut().clear();
    }

    pub fn set_resource(&mut self, addr: ResourceAddr, values: ResourceValues) {
        self.resources.insert(addr, values);
    }

    pub fn set_instance(&mut self, addr: &ResourceAddr, key: InstanceKey, v: Value) {
        if let Some(r) = self.resources.get_mut(addr) {
            r.instances.insert(key, v);
        }
    }

    /// Evaluates an expression of the configuration.
    pub fn eval(&self, e: &Expr, inst: &InstanceCtx) -> Result<Value, Diagnostics> {
        let ctx = self.context_for(e, inst)?;
        eval(&e.expr, &ctx).map_err(|ds| Diagnostics(ds.into_iter().map(|d| Diagnostic::from_lang(d, &e.loc.file, &e.loc.span)).collect()))
    }

    fn local(&self, name: &str) -> Result<Value, Diagnostics> {
        if let Some(v) = self.locals.borrow().get(name) {
            return Ok(v.clone());
        }
        let Some(l) = self.config.locals.get(name) else {
            return Ok(Value::unknown());
        };
        let v = self.eval(&l.expr, &InstanceCtx::default())?;
        self.locals.borrow_mut().insert(name.to_string(), v.clone());
        Ok(v)
    }

    fn context_for(&self, e: &Expr, inst: &InstanceCtx) -> Result<EvalContext, Diagnostics> {
        let mut vars: BTreeMap<String, Value> = BTreeMap::new();
        let mut locals = BTreeMap::new();
        let mut managed: BTreeMap<String, BTreeMap<String, Value>> = BTreeMap::new();
        let mut data: BTreeMap<String, BTreeMap<String, Value>> = BTreeMap::new();
        let refs = references(&e.expr);
        // Which instances each resource reference needs (None: the whole resource).
        let mut needed: HashMap<ResourceAddr, Option<BTreeSet<InstanceKey>>> = HashMap::new();
        for t in &refs {
            let Some(crate::graph::Node::Resource(addr)) = crate::graph::reference_target(t) else { continue };
            let Some(rv) = self.resources.get(&addr) else { continue };
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
            match (self.resources.get(addr), needed.get(addr)) {
                (Some(rv), Some(Some(keys))) => rv.partial_value(keys),
                (Some(rv), _) => rv.value(),
                (None, _) => Value::unknown(),
            }
        };
        for t in refs {
            let attr = |i: usize| match t.steps.get(i) {
                Some(TraversalStep::Attr(a)) => Some(a.clone()),
                _ => None,
            };
            match t.root.as_str() {
                "var" => {
                    if !vars.contains_key("var") {
                        vars.insert("var".into(), Value::Object(self.vars.clone()));
                    }
                }
                "local" => {
                    if let Some(n) = attr(0) {
                        if !locals.contains_key(&n) {
                            let v = self.local(&n)?;
                            locals.insert(n, v);
                        }
                    }
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
                    vars.insert(
                        "path".into(),
                        Value::object([
                            ("module", Value::string(".")),
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
                        let addr = ResourceAddr { mode: Mode::Data, r#type: ty.clone(), name: name.clone() };
                        let v = resource_value(&addr);
                        data.entry(ty).or_default().insert(name, v);
                    }
                }
                "self" | "module" => {}
                ty => {
                    if let Some(name) = attr(0) {
                        let addr = ResourceAddr { mode: Mode::Managed, r#type: ty.to_string(), name: name.clone() };
                        let v = resource_value(&addr);
                        managed.entry(ty.to_string()).or_default().insert(name, v);
                    }
                }
            }
        }
        if !locals.is_empty() {
            vars.insert("local".into(), Value::Object(locals));
        }
        if !data.is_empty() {
            vars.insert("data".into(), Value::Object(data.into_iter().map(|(k, m)| (k, Value::Object(m))).collect()));
        }
        for (ty, m) in managed {
            vars.insert(ty, Value::Object(m));
        }
        Ok(EvalContext { variables: vars, base_dir: self.config.dir.clone(), ..EvalContext::default() })
    }
}

/// `count`/`for_each` of a resource, or `None` when they cannot be evaluated (apply time).
pub fn eval_expansion_opt(scope: &Scope, r: &crate::config::Resource) -> Option<Expansion> {
    crate::plan::planner::eval_expansion(scope, r).ok()
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
