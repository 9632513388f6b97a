//! Test harness for the engine tests: a fake provider backed by an in-memory store, and an
//! `Env` that drives config → graph → plan → apply → state through the library API.
//!
//! The fake provider (`registry.terraform.io/test/fake`) has one resource type, `fake_thing`:
//! * `name`: required string, forces replacement;
//! * `size`: optional number; `tags`: optional map(string); `policy`: optional string;
//! * `secret`: optional sensitive string;
//! * `id`: computed string (`fake-N`, assigned at create);
//! * `version`: computed number (1 at create, +1 on every in-place update).
//!
//! Its "remote" objects live in [`FakeState::objects`] (id → object), which tests mutate to
//! simulate drift. Every apply call is logged ([`Call`]) with start and end times; failures are
//! configured with [`FakeState::fail_names`] and [`FakeState::fail_after_creates`]; a
//! [`FakeState::delay`] makes every apply call sleep, and the fake tracks the maximum number of
//! calls in flight at once.

#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use infra_engine::apply::{apply, ApplyEvent, ApplyOptions, ApplyOutcome, Interrupt};
use infra_engine::config::{load_dir, Config};
use infra_engine::diag::Diagnostics;
use infra_engine::graph::Graph;
use infra_engine::plan::{plan, Action, Plan, PlanOptions, ResourceChange};
use infra_lang::{Number, Type, Value};
use infra_providers::{plan_from_schema, Attribute, Nesting, PlannedState, Provider, ProviderError, ProviderSchema, Registry, Schema};

/// `fake_ruleset`: nested blocks (a list of `rule` blocks and a single `origin` block).
fn ruleset_schema() -> Schema {
    Schema::new(0)
        .attr("name", Attribute::required(Type::String))
        .attr("id", Attribute::computed(Type::String))
        .block("rule", Nesting::List, Schema::new(0).attr("port", Attribute::required(Type::Number)).attr("proto", Attribute::optional(Type::String)))
        .block("origin", Nesting::Single, Schema::new(0).attr("host", Attribute::required(Type::String)))
}
use infra_state::{LocalBackend, ResourceInstanceState, State};

pub const FAKE_SOURCE: &str = "registry.terraform.io/test/fake";

/// The `terraform` block every test configuration starts with.
pub const PRELUDE: &str = r#"terraform {
  required_providers {
    fake = { source = "test/fake" }
  }
}
"#;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Create,
    Update,
    Delete,
}

/// One `apply_resource` call.
#[derive(Clone, Debug)]
pub struct Call {
    pub op: Op,
    /// The object's `name` (of the planned object, or of the prior one for a delete).
    pub name: String,
    pub ok: bool,
    pub start: Instant,
    pub end: Instant,
}

/// The fake's remote world and knobs.
#[derive(Default)]
pub struct FakeState {
    /// id → object (plain, every attribute present).
    pub objects: BTreeMap<String, Value>,
    pub next_id: u64,
    pub calls: Vec<Call>,
    /// Creates and updates of objects with these names fail.
    pub fail_names: BTreeSet<String>,
    /// After this many successful creates, every further create fails.
    pub fail_after_creates: Option<usize>,
    pub creates: usize,
    pub in_flight: usize,
    pub max_in_flight: usize,
    /// Every apply call sleeps this long.
    pub delay: Duration,
    /// Creates and updates store `name` upper-cased: a provider whose result differs from its plan.
    pub uppercase_names: bool,
}

impl FakeState {
    pub fn id_of(&self, name: &str) -> Option<String> {
        self.objects.iter().find(|(_, o)| o.get_attr("name").and_then(|n| n.as_str().map(str::to_string)).as_deref() == Some(name)).map(|(k, _)| k.clone())
    }

    /// The remote object named `name`.
    pub fn object(&self, name: &str) -> Option<Value> {
        self.id_of(name).map(|id| self.objects[&id].clone())
    }

    /// Changes one attribute of the remote object named `name` (drift).
    pub fn set_attr(&mut self, name: &str, attr: &str, v: Value) {
        let id = self.id_of(name).unwrap_or_else(|| panic!("no remote object named {name}"));
        let Some(Value::Object(m)) = self.objects.get_mut(&id) else { panic!("object {id} is not an object") };
        m.insert(attr.to_string(), v);
    }

    /// Deletes the remote object named `name` behind infra's back.
    pub fn remove(&mut self, name: &str) {
        let id = self.id_of(name).unwrap_or_else(|| panic!("no remote object named {name}"));
        self.objects.remove(&id);
    }

    /// Names of the remote objects, sorted.
    pub fn names(&self) -> Vec<String> {
        let mut v: Vec<String> = self.objects.values().filter_map(|o| o.get_attr("name").and_then(|n| n.as_str().map(str::to_string))).collect();
        v.sort();
        v
    }

    /// The successful calls as (op, name), in completion order.
    pub fn ops(&self) -> Vec<(Op, String)> {
        self.calls.iter().filter(|c| c.ok).map(|c| (c.op, c.name.clone())).collect()
    }
}

pub struct Fake {
    schema: ProviderSchema,
    pub state: Arc<Mutex<FakeState>>,
}

pub fn fake_schema() -> Schema {
    Schema::new(0)
        .attr("name", Attribute::required(Type::String).force_new())
        .attr("size", Attribute::optional(Type::Number))
        .attr("tags", Attribute::optional(Type::map(Type::String)))
        .attr("policy", Attribute::optional(Type::String))
        .attr("secret", Attribute::optional(Type::String).sensitive())
        .attr("token", Attribute::optional(Type::String).hashed_in_state())
        .attr("id", Attribute::computed(Type::String))
        .attr("version", Attribute::computed(Type::Number))
}

impl Fake {
    pub fn new() -> Fake {
        let mut schema = ProviderSchema::default();
        schema.resources.insert("fake_thing".into(), fake_schema());
        schema.resources.insert("fake_ruleset".into(), ruleset_schema());
        Fake { schema, state: Arc::new(Mutex::new(FakeState::default())) }
    }

    pub fn lock(&self) -> std::sync::MutexGuard<'_, FakeState> {
        self.state.lock().unwrap()
    }

    async fn do_apply(&self, prior: &Value, planned: &Value) -> Result<Value, ProviderError> {
        let op = if planned.is_null() {
            Op::Delete
        } else if prior.is_null() {
            Op::Create
        } else {
            Op::Update
        };
        let name_src = if op == Op::Delete { prior } else { planned };
        let name = name_src.get_attr("name").and_then(|n| n.as_str().map(str::to_string)).unwrap_or_default();
        let start = Instant::now();
        let delay = {
            let mut s = self.lock();
            s.in_flight += 1;
            s.max_in_flight = s.max_in_flight.max(s.in_flight);
            s.delay
        };
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        let mut s = self.lock();
        s.in_flight -= 1;
        let result = Self::mutate(&mut s, op, &name, prior, planned);
        s.calls.push(Call { op, name, ok: result.is_ok(), start, end: Instant::now() });
        result
    }

    fn mutate(s: &mut FakeState, op: Op, name: &str, prior: &Value, planned: &Value) -> Result<Value, ProviderError> {
        if op != Op::Delete && s.fail_names.contains(name) {
            return Err(ProviderError::new(format!("injected failure for {name}")));
        }
        if op == Op::Create {
            if let Some(n) = s.fail_after_creates {
                if s.creates >= n {
                    return Err(ProviderError::new(format!("injected failure after {n} creates")));
                }
            }
        }
        let configured_known = ["name", "size", "tags", "policy", "secret"].iter().all(|a| planned.get_attr(a).map(|v| v.is_wholly_known()).unwrap_or(true));
        if op != Op::Delete && !configured_known {
            return Err(ProviderError::new(format!("planned value for {name} is not wholly known: {planned:?}")));
        }
        let prior_id = prior.get_attr("id").and_then(|v| v.as_str().map(str::to_string));
        match op {
            Op::Delete => {
                let id = prior_id.ok_or_else(|| ProviderError::new("delete without id"))?;
                s.objects.remove(&id).ok_or_else(|| ProviderError::new(format!("object {id} does not exist")))?;
                Ok(Value::null())
            }
            Op::Create => {
                s.next_id += 1;
                s.creates += 1;
                let id = format!("fake-{}", s.next_id);
                let Value::Object(mut m) = planned.clone() else { return Err(ProviderError::new("planned is not an object")) };
                m.insert("id".into(), Value::string(id.clone()));
                m.insert("version".into(), Value::number(1i64));
                if s.uppercase_names {
                    m.insert("name".into(), Value::string(name.to_uppercase()));
                }
                let obj = Value::Object(m);
                s.objects.insert(id, obj.clone());
                Ok(obj)
            }
            Op::Update => {
                let id = prior_id.ok_or_else(|| ProviderError::new("update without id"))?;
                let old = s.objects.get(&id).cloned().ok_or_else(|| ProviderError::new(format!("object {id} does not exist")))?;
                let v = old.get_attr("version").and_then(|v| v.as_number().and_then(Number::as_i64)).unwrap_or(0);
                let Value::Object(mut m) = planned.clone() else { return Err(ProviderError::new("planned is not an object")) };
                m.insert("id".into(), Value::string(id.clone()));
                m.insert("version".into(), Value::number(v + 1));
                let obj = Value::Object(m);
                s.objects.insert(id, obj.clone());
                Ok(obj)
            }
        }
    }
}

type BoxFut<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

// The `Provider` trait is declared with `async_trait`; its async methods are implemented here
// in their desugared form (the engine crate does not depend on `async-trait`).
impl Provider for Fake {
    fn source(&self) -> &'static str {
        FAKE_SOURCE
    }

    fn schema(&self) -> &ProviderSchema {
        &self.schema
    }

    /// As the schema default, plus: an in-place update makes `version` unknown (apply bumps it).
    fn plan_resource(&self, type_name: &str, prior: &Value, proposed: &Value) -> Result<PlannedState, ProviderError> {
        let schema = self.resource_schema(type_name)?;
        let mut ps = plan_from_schema(schema, prior, proposed);
        if type_name == "fake_thing" && !prior.is_null() && ps.requires_replace.is_empty() && ps.planned != *prior {
            if let Value::Object(m) = &mut ps.planned {
                m.insert("version".into(), Value::Unknown(Type::Number));
            }
        }
        Ok(ps)
    }

    fn apply_resource<'a, 'b, 'c, 'd, 'at>(&'a self, type_name: &'b str, prior: &'c Value, planned: &'d Value) -> BoxFut<'at, Result<Value, ProviderError>>
    where
        'a: 'at,
        'b: 'at,
        'c: 'at,
        'd: 'at,
        Self: 'at,
    {
        Box::pin(async move {
            self.resource_schema(type_name)?;
            self.do_apply(prior, planned).await
        })
    }

    fn read_resource<'a, 'b, 'c, 'at>(&'a self, type_name: &'b str, current: &'c Value) -> BoxFut<'at, Result<Option<Value>, ProviderError>>
    where
        'a: 'at,
        'b: 'at,
        'c: 'at,
        Self: 'at,
    {
        Box::pin(async move {
            self.resource_schema(type_name)?;
            let id = current.get_attr("id").and_then(|v| v.as_str().map(str::to_string)).ok_or_else(|| ProviderError::new("read without id"))?;
            Ok(self.lock().objects.get(&id).cloned())
        })
    }
}

/// A working directory (config + state) with the fake registered next to the built-ins.
pub struct Env {
    pub dir: tempfile::TempDir,
    pub fake: Arc<Fake>,
    pub registry: Registry,
    pub backend: LocalBackend,
    pub events: Arc<Mutex<Vec<ApplyEvent>>>,
}

impl Env {
    pub fn new() -> Env {
        let dir = tempfile::tempdir().unwrap();
        let fake = Arc::new(Fake::new());
        let mut registry = Registry::builtin();
        registry.register(fake.clone());
        let backend = LocalBackend::new(dir.path().join("terraform.tfstate"));
        Env { dir, fake, registry, backend, events: Arc::new(Mutex::new(Vec::new())) }
    }

    /// Writes `main.tf`: the prelude followed by `body`.
    pub fn write(&self, body: &str) {
        std::fs::write(self.dir.path().join("main.tf"), format!("{PRELUDE}{body}")).unwrap();
    }

    /// Writes any file of the working directory.
    pub fn write_file(&self, name: &str, text: &str) {
        std::fs::write(self.dir.path().join(name), text).unwrap();
    }

    /// Loads the directory and builds the graph; panics (with the rendered diagnostics) on errors.
    pub fn load(&self) -> (Config, Graph) {
        let (config, mut diags) = load_dir(self.dir.path());
        let (graph, gd) = Graph::build(&config);
        diags.extend(gd.0);
        assert!(!diags.has_errors(), "configuration errors:\n{}", render(&diags));
        (config, graph)
    }

    pub fn state(&self) -> State {
        self.backend.read().unwrap()
    }

    pub async fn try_plan(&self, opts: &PlanOptions, vars: BTreeMap<String, Value>) -> Result<(Config, Plan), Diagnostics> {
        let (config, graph) = self.load();
        let state = self.state();
        let p = plan(&config, &graph, state, &self.registry, vars, opts).await?;
        Ok((config, p))
    }

    /// A plan with default options and no variables; panics on plan errors.
    pub async fn plan(&self) -> (Config, Plan) {
        self.plan_opts(&PlanOptions::default()).await
    }

    pub async fn plan_opts(&self, opts: &PlanOptions) -> (Config, Plan) {
        match self.try_plan(opts, BTreeMap::new()).await {
            Ok(r) => r,
            Err(d) => panic!("plan failed:\n{}", render(&d)),
        }
    }

    /// Applies `p` as the CLI does (journal on the refreshed prior state, finished afterwards).
    pub async fn apply_plan(&self, config: &Config, p: &Plan, parallelism: usize) -> (ApplyOutcome, State) {
        let journal = self.backend.begin_journal(&p.prior_state).unwrap();
        let events = self.events.clone();
        let sink: Arc<dyn Fn(ApplyEvent) + Send + Sync> = Arc::new(move |e| events.lock().unwrap().push(e));
        let opts = ApplyOptions { parallelism, progress_every: Duration::from_secs(3600) };
        let outcome = apply(p, config, &self.registry, &journal, &opts, sink, Arc::new(Interrupt::default())).await;
        let state = journal.finish().unwrap();
        (outcome, state)
    }

    /// Plans and applies; panics when apply reports errors.
    pub async fn converge(&self) -> (Plan, State) {
        let (config, p) = self.plan().await;
        let (outcome, state) = self.apply_plan(&config, &p, 10).await;
        assert!(!outcome.errors.has_errors(), "apply failed:\n{}", render(&outcome.errors));
        (p, state)
    }
}

pub fn render(d: &Diagnostics) -> String {
    d.iter().map(|d| d.render(false)).collect::<Vec<_>>().join("\n")
}

/// The change for `addr` (e.g. `fake_thing.a[0]`); panics when there is none.
pub fn change<'p>(p: &'p Plan, addr: &str) -> &'p ResourceChange {
    p.changes
        .iter()
        .find(|c| c.addr.to_string() == addr)
        .unwrap_or_else(|| panic!("no change for {addr}; changes: {:?}", actions(p)))
}

/// Every change's action by address.
pub fn actions(p: &Plan) -> BTreeMap<String, Action> {
    p.changes.iter().map(|c| (c.addr.to_string(), c.action.clone())).collect()
}

/// The addresses whose action is not a no-op, with their action.
pub fn pending(p: &Plan) -> BTreeMap<String, Action> {
    p.changes.iter().filter(|c| c.action != Action::NoOp).map(|c| (c.addr.to_string(), c.action.clone())).collect()
}

/// A stored instance by address; panics when absent.
pub fn stored<'s>(s: &'s State, addr: &str) -> &'s ResourceInstanceState {
    s.resources.get(addr).unwrap_or_else(|| panic!("state has no {addr}; it has {:?}", s.resources.keys().collect::<Vec<_>>()))
}

/// Sorted instance addresses of a state.
pub fn addrs(s: &State) -> Vec<String> {
    s.resources.keys().cloned().collect()
}

pub fn s(v: &str) -> Value {
    Value::string(v)
}

pub fn n(i: i64) -> Value {
    Value::number(i)
}

/// An attribute of a (possibly marked) object value, without its own marks.
pub fn attr(v: &Value, name: &str) -> Value {
    v.get_attr(name).unwrap_or_else(|| panic!("no attribute {name} in {v:?}")).unmark_deep().0
}
