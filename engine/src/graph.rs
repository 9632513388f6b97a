//! The dependency graph of a configuration: variables, locals, resources, data sources and
//! outputs as nodes, references as edges (from the referenced object to the one that uses it).
//! Owns reference resolution (undeclared names are reported here), cycle detection and DOT.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use infra_lang::references::{references, Traversal, TraversalStep};
use petgraph::graph::{DiGraph, NodeIndex};

use crate::addrs::{Mode, ResourceAddr};
use crate::config::{Config, Expr};
use crate::diag::{suggest, Diagnostic, Diagnostics, Loc};

/// A node of the configuration graph. Paths are static module paths (call names).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Node {
    Variable(Vec<String>, String),
    Local(Vec<String>, String),
    Resource(ResourceAddr),
    Output(Vec<String>, String),
    /// The call of module `name` inside the module at the path (its count/for_each/depends_on).
    ModuleCall(Vec<String>, String),
}

fn prefix(path: &[String]) -> String {
    path.iter().map(|m| format!("module.{m}.")).collect()
}

impl std::fmt::Display for Node {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Node::Variable(p, n) => write!(f, "{}var.{n}", prefix(p)),
            Node::Local(p, n) => write!(f, "{}local.{n}", prefix(p)),
            Node::Resource(a) => write!(f, "{a}"),
            Node::Output(p, n) => write!(f, "{}output.{n}", prefix(p)),
            Node::ModuleCall(p, n) => write!(f, "{}module.{n}", prefix(p)),
        }
    }
}

/// Why one node depends on another: the reference and where it is.
#[derive(Clone, Debug)]
pub struct Edge {
    pub loc: Loc,
}

/// The configuration's dependency graph.
#[derive(Debug)]
pub struct Graph {
    pub graph: DiGraph<Node, Edge>,
    pub index: HashMap<Node, NodeIndex>,
}

/// Where a reference in an expression of the root module points, if anywhere in the graph.
pub fn reference_target(t: &Traversal) -> Option<Node> {
    reference_target_in(&[], t)
}

/// Where a reference in an expression of the module at `path` points. `module.x.out` is the
/// child's output; `module.x` alone is the call (see [`Graph::build`] for whole-module refs).
pub fn reference_target_in(path: &[String], t: &Traversal) -> Option<Node> {
    let attr = |i: usize| match t.steps.get(i) {
        Some(TraversalStep::Attr(a)) => Some(a.clone()),
        _ => None,
    };
    let p = path.to_vec();
    match t.root.as_str() {
        "var" => attr(0).map(|n| Node::Variable(p, n)),
        "local" => attr(0).map(|n| Node::Local(p, n)),
        "data" => Some(Node::Resource(ResourceAddr { module: p, mode: Mode::Data, r#type: attr(0)?, name: attr(1)? })),
        "module" => {
            let call = attr(0)?;
            let out = attr(1).or_else(|| if matches!(t.steps.get(1), Some(TraversalStep::Index(_)) | Some(TraversalStep::Dynamic)) { attr(2) } else { None });
            let mut child = p.clone();
            child.push(call.clone());
            Some(match out {
                Some(o) => Node::Output(child, o),
                None => Node::ModuleCall(p, call),
            })
        }
        "count" | "each" | "path" | "self" | "terraform" => None,
        ty => Some(Node::Resource(ResourceAddr { module: p, mode: Mode::Managed, r#type: ty.to_string(), name: attr(0)? })),
    }
}

impl Graph {
    /// Builds the graph of the whole module tree, reporting undeclared references and cycles.
    pub fn build(config: &Config) -> (Graph, Diagnostics) {
        let mut g = Graph { graph: DiGraph::new(), index: HashMap::new() };
        let mut diags = Diagnostics::default();
        let modules = config.all_modules();
        for m in &modules {
            let p = &m.path;
            for name in m.variables.keys() {
                g.add(Node::Variable(p.clone(), name.clone()));
            }
            for name in m.locals.keys() {
                g.add(Node::Local(p.clone(), name.clone()));
            }
            for r in m.resources.values() {
                g.add(Node::Resource(r.addr.clone()));
            }
            for name in m.outputs.keys() {
                g.add(Node::Output(p.clone(), name.clone()));
            }
            for name in m.module_calls.keys() {
                g.add(Node::ModuleCall(p.clone(), name.clone()));
            }
        }
        for m in &modules {
            g.connect_module(m, &mut diags);
        }
        g.check_cycles(&mut diags);
        (g, diags)
    }

    fn connect_module(&mut self, m: &Config, diags: &mut Diagnostics) {
        let p = &m.path;
        for (name, v) in &m.variables {
            if let Some(d) = &v.default {
                for t in references(&d.expr) {
                    diags.push(
                        Diagnostic::error("Variables not allowed", "Variables may not be used here: a variable's default must be a literal value.")
                            .at(span_loc(d, &t))
                            .in_context(format!("variable \"{name}\"")),
                    );
                }
            }
        }
        for (name, l) in &m.locals {
            self.connect(m, &Node::Local(p.clone(), name.clone()), &l.expr, "locals", diags, false, false);
        }
        for r in m.resources.values() {
            let node = Node::Resource(r.addr.clone());
            let ctx = r.context();
            let mut exprs: Vec<&Expr> = r.body.attrs.values().collect();
            let mut nested = Vec::new();
            collect_nested(&r.body.blocks, &[], &mut nested);
            for (e, iterators) in nested {
                self.connect_skipping(m, &node, e, &ctx, diags, r.count.is_some(), r.for_each.is_some(), &iterators);
            }
            exprs.extend(r.count.iter());
            exprs.extend(r.for_each.iter());
            exprs.extend(r.depends_on.iter());
            exprs.extend(r.lifecycle.replace_triggered_by.iter());
            // Postconditions refer to `self`; their other references still order evaluation.
            for c in r.lifecycle.preconditions.iter().chain(r.lifecycle.postconditions.iter()) {
                exprs.push(&c.condition);
                exprs.push(&c.error_message);
            }
            for e in exprs {
                self.connect(m, &node, e, &ctx, diags, r.count.is_some(), r.for_each.is_some());
            }
        }
        for (name, o) in &m.outputs {
            let node = Node::Output(p.clone(), name.clone());
            let ctx = format!("output \"{name}\"");
            let conds = o.preconditions.iter().flat_map(|c| [&c.condition, &c.error_message]);
            for e in o.value.iter().chain(o.depends_on.iter()).chain(conds) {
                self.connect(m, &node, e, &ctx, diags, false, false);
            }
        }
        for (name, call) in &m.module_calls {
            let node = Node::ModuleCall(p.clone(), name.clone());
            let ctx = format!("module \"{name}\"");
            for e in call.count.iter().chain(call.for_each.iter()).chain(call.depends_on.iter()) {
                self.connect(m, &node, e, &ctx, diags, false, false);
            }
            let mut child_path = p.clone();
            child_path.push(name.clone());
            let Some(child) = m.children.get(name) else { continue };
            for (arg, e) in &call.inputs {
                let var = Node::Variable(child_path.clone(), arg.clone());
                if self.index.contains_key(&var) {
                    self.connect(m, &var, e, &ctx, diags, call.count.is_some(), call.for_each.is_some());
                }
            }
            // Everything in the child needs the call's expansion.
            let call_i = self.index[&node];
            let mut inner: Vec<Node> = child.variables.keys().map(|v| Node::Variable(child_path.clone(), v.clone())).collect();
            inner.extend(child.resources.values().map(|r| Node::Resource(r.addr.clone())));
            inner.extend(child.module_calls.keys().map(|c| Node::ModuleCall(child_path.clone(), c.clone())));
            for n in inner {
                if let Some(&i) = self.index.get(&n) {
                    self.graph.add_edge(call_i, i, Edge { loc: call.loc.clone() });
                }
            }
        }
    }

    fn add(&mut self, n: Node) -> NodeIndex {
        if let Some(i) = self.index.get(&n) {
            return *i;
        }
        let i = self.graph.add_node(n.clone());
        self.index.insert(n, i);
        i
    }

    #[allow(clippy::too_many_arguments)]
    #[allow(clippy::too_many_arguments)]
    fn connect(&mut self, m: &Config, to: &Node, e: &Expr, ctx: &str, diags: &mut Diagnostics, has_count: bool, has_each: bool) {
        self.connect_skipping(m, to, e, ctx, diags, has_count, has_each, &[])
    }

    /// Like `connect`, ignoring references rooted at `local_names` (dynamic block iterators).
    #[allow(clippy::too_many_arguments)]
    fn connect_skipping(&mut self, m: &Config, to: &Node, e: &Expr, ctx: &str, diags: &mut Diagnostics, has_count: bool, has_each: bool, local_names: &[String]) {
        for t in references(&e.expr) {
            if local_names.contains(&t.root) {
                continue;
            }
            let loc = span_loc(e, &t);
            match t.root.as_str() {
                "count" if !has_count => {
                    diags.push(
                        Diagnostic::error("Reference to \"count\" in non-counted context", "The \"count\" object can only be used in \"module\", \"resource\", and \"data\" blocks, and only when the \"count\" argument is set.")
                            .at(loc)
                            .in_context(ctx),
                    );
                    continue;
                }
                "each" if !has_each => {
                    diags.push(
                        Diagnostic::error("Reference to \"each\" in context without for_each", "The \"each\" object can be used only in \"module\" or \"resource\" blocks, and only when the \"for_each\" argument is set.")
                            .at(loc)
                            .in_context(ctx),
                    );
                    continue;
                }
                _ => {}
            }
            let Some(target) = reference_target_in(&m.path, &t) else {
                if matches!(t.root.as_str(), "var" | "local" | "data" | "module") {
                    diags.push(
                        Diagnostic::error("Invalid reference", format!("A reference to \"{}\" must be followed by an attribute name, like {}.name.", t.root, t.root))
                            .at(loc)
                            .in_context(ctx),
                    );
                } else if !matches!(t.root.as_str(), "count" | "each" | "path" | "self" | "terraform") {
                    diags.push(
                        Diagnostic::error("Invalid reference", format!("A reference to a resource type must be followed by at least one attribute access, specifying the resource name (\"{}\" alone is not valid).", t.root))
                            .at(loc)
                            .in_context(ctx),
                    );
                }
                continue;
            };
            // `module.x` as a whole depends on every output of the child.
            let targets: Vec<Node> = match &target {
                Node::ModuleCall(p, call) if t.root == "module" => {
                    let mut child = p.clone();
                    child.push(call.clone());
                    match m.children.get(call) {
                        Some(c) => c.outputs.keys().map(|o| Node::Output(child.clone(), o.clone())).chain([target.clone()]).collect(),
                        None => vec![target.clone()],
                    }
                }
                _ => vec![target.clone()],
            };
            // A data source scoped to a check block is visible only inside that check.
            if let Node::Resource(ra) = &target {
                if let Some(check) = m.resources.get(&ra.local()).and_then(|r| r.check.as_ref()) {
                    diags.push(
                        Diagnostic::error(
                            "Reference to scoped resource",
                            format!("The referenced data resource \"{}\" \"{}\" is declared inside check block \"{check}\" and can be referred to only from that check's assertions. Move the data block out of the check block to use it elsewhere.", ra.r#type, ra.name),
                        )
                        .at(loc.clone())
                        .in_context(ctx),
                    );
                    continue;
                }
            }
            // `null_resource.a.id` on a resource with count/for_each: say which key is missing.
            if let Node::Resource(ra) = &target {
                let after_name = if ra.mode == Mode::Data { t.steps.get(2) } else { t.steps.get(1) };
                if let (Some(r), Some(TraversalStep::Attr(_))) = (m.resources.get(&ra.local()), after_name) {
                    let how = if r.count.is_some() { Some(("count", "count.index")) } else if r.for_each.is_some() { Some(("for_each", "each.key")) } else { None };
                    if let Some((meta, key)) = how {
                        diags.push(
                            Diagnostic::error(
                                "Missing resource instance key",
                                format!("Because {} has \"{meta}\" set, its attributes must be accessed on specific instances. For example, to correlate with indices of a referring resource, use:\n    {}[{key}]\nor, for all instances, {}[*].", ra.local(), ra.local(), ra.local()),
                            )
                            .at(loc.clone())
                            .in_context(ctx),
                        );
                    }
                }
            }
            let mut undeclared = false;
            for tg in &targets {
                let Some(&from) = self.index.get(tg) else {
                    if !undeclared {
                        diags.push(undeclared_in(m, tg).at(loc.clone()).in_context(ctx));
                        undeclared = true;
                    }
                    continue;
                };
                let to_i = self.index[to];
                if from == to_i {
                    diags.push(
                        Diagnostic::error("Self-referential block", format!("Configuration for {target} may not refer to itself."))
                            .at(loc.clone())
                            .in_context(ctx),
                    );
                    continue;
                }
                self.graph.add_edge(from, to_i, Edge { loc: loc.clone() });
            }
        }
    }

    fn check_cycles(&self, diags: &mut Diagnostics) {
        for scc in petgraph::algo::tarjan_scc(&self.graph) {
            if scc.len() < 2 {
                continue;
            }
            let set: BTreeSet<NodeIndex> = scc.iter().copied().collect();
            let mut names: Vec<String> = scc.iter().map(|i| self.graph[*i].to_string()).collect();
            names.sort();
            let mut lines = Vec::new();
            for e in self.graph.edge_indices() {
                let Some((a, b)) = self.graph.edge_endpoints(e) else { continue };
                if set.contains(&a) && set.contains(&b) {
                    lines.push(format!("  {} refers to {} at {}", self.graph[b], self.graph[a], self.graph[e].loc.short()));
                }
            }
            lines.sort();
            let first = scc.iter().filter_map(|i| self.graph.edges_directed(*i, petgraph::Direction::Incoming).next().map(|e| e.weight().loc.clone())).next();
            diags.push(
                Diagnostic::error(
                    format!("Cycle: {}", names.join(", ")),
                    format!("These objects refer to each other, so none can be evaluated first:\n{}\nBreak the cycle by removing one of these references.", lines.join("\n")),
                )
                .at_opt(first),
            );
        }
    }

    /// Nodes in an order where every node comes after everything it depends on.
    pub fn topo_order(&self) -> Vec<Node> {
        match petgraph::algo::toposort(&self.graph, None) {
            Ok(order) => order.into_iter().map(|i| self.graph[i].clone()).collect(),
            Err(_) => self.graph.node_indices().map(|i| self.graph[i].clone()).collect(),
        }
    }

    /// For each resource, the resources it depends on directly or through variables and locals.
    pub fn resource_dependencies(&self) -> BTreeMap<ResourceAddr, BTreeSet<ResourceAddr>> {
        let mut out = BTreeMap::new();
        for (node, &i) in &self.index {
            let Node::Resource(addr) = node else { continue };
            let mut deps = BTreeSet::new();
            let mut stack: Vec<NodeIndex> = self.graph.neighbors_directed(i, petgraph::Direction::Incoming).collect();
            let mut seen = BTreeSet::new();
            while let Some(n) = stack.pop() {
                if !seen.insert(n) {
                    continue;
                }
                match &self.graph[n] {
                    Node::Resource(a) => {
                        deps.insert(a.clone());
                    }
                    _ => stack.extend(self.graph.neighbors_directed(n, petgraph::Direction::Incoming)),
                }
            }
            out.insert(addr.clone(), deps);
        }
        out
    }

    /// Graphviz DOT of the graph, nodes and edges sorted for stable output.
    pub fn to_dot(&self) -> String {
        let mut out = String::from("digraph {\n  compound = \"true\"\n  newrank = \"true\"\n  subgraph \"root\" {\n");
        let mut nodes: Vec<String> = self.graph.node_indices().map(|i| format!("    \"{}\" [label = \"{}\", shape = \"box\"]\n", self.graph[i], self.graph[i])).collect();
        nodes.sort();
        nodes.dedup();
        let mut edges: Vec<String> = self
            .graph
            .edge_indices()
            .filter_map(|e| self.graph.edge_endpoints(e))
            .map(|(a, b)| format!("    \"{}\" -> \"{}\"\n", self.graph[b], self.graph[a]))
            .collect();
        edges.sort();
        edges.dedup();
        for n in nodes.into_iter().chain(edges) {
            out.push_str(&n);
        }
        out.push_str("  }\n}\n");
        out
    }
}

/// Expressions of nested blocks, each with the iterator names in scope there: a `dynamic`
/// block's `content` sees its iterator (the `iterator` argument, or the block type's name).
fn collect_nested<'a>(blocks: &'a [crate::config::NestedBlock], scope: &[String], out: &mut Vec<(&'a Expr, Vec<String>)>) {
    for b in blocks {
        let mut inner = scope.to_vec();
        if b.kind == "dynamic" {
            let it = b.body.attrs.get("iterator").map(|e| crate::config::traversal_text(&e.expr)).or_else(|| b.labels.first().cloned());
            for (k, e) in &b.body.attrs {
                if k != "iterator" {
                    out.push((e, scope.to_vec()));
                }
            }
            inner.extend(it);
            for c in &b.body.blocks {
                collect_nested(std::slice::from_ref(c), &inner, out);
            }
            continue;
        }
        out.extend(b.body.attrs.values().map(|e| (e, scope.to_vec())));
        collect_nested(&b.body.blocks, &inner, out);
    }
}

fn span_loc(e: &Expr, t: &Traversal) -> Loc {
    Loc { file: e.loc.file.clone(), span: t.span.clone() }
}

fn undeclared_in(m: &Config, target: &Node) -> Diagnostic {
    let where_ = if m.path.is_empty() { "the root module".to_string() } else { format!("module.{}", m.path.join(".module.")) };
    match target {
        Node::Variable(_, n) => {
            let hint = suggest(n, m.variables.keys().map(String::as_str)).map(|s| format!(" Did you mean \"var.{s}\"?")).unwrap_or_default();
            Diagnostic::error("Reference to undeclared input variable", format!("An input variable with the name \"{n}\" has not been declared. This variable can be declared with a variable \"{n}\" {{}} block.{hint}"))
        }
        Node::Local(_, n) => {
            let hint = suggest(n, m.locals.keys().map(String::as_str)).map(|s| format!(" Did you mean \"local.{s}\"?")).unwrap_or_default();
            Diagnostic::error("Reference to undeclared local value", format!("A local value with the name \"{n}\" has not been declared.{hint}"))
        }
        Node::Resource(a) => {
            let keys: Vec<String> = m.resources.keys().cloned().collect();
            let hint = suggest(&a.local(), keys.iter().map(String::as_str)).map(|s| format!(" Did you mean \"{s}\"?")).unwrap_or_default();
            let what = if a.mode == Mode::Data { "data" } else { "resource" };
            Diagnostic::error(
                "Reference to undeclared resource",
                format!("A {what} \"{}\" \"{}\" has not been declared in {where_}.{hint}", a.r#type, a.name),
            )
        }
        Node::Output(p, n) => {
            let call = p.last().cloned().unwrap_or_default();
            let names: Vec<String> = m.children.get(&call).map(|c| c.outputs.keys().cloned().collect()).unwrap_or_default();
            let hint = suggest(n, names.iter().map(String::as_str)).map(|s| format!(" Did you mean \"{s}\"?")).unwrap_or_default();
            if m.module_calls.contains_key(&call) {
                Diagnostic::error("Unsupported attribute", format!("This object does not have an attribute named \"{n}\": module \"{call}\" has no output of that name.{hint}"))
            } else {
                let hint = suggest(&call, m.module_calls.keys().map(String::as_str)).map(|s| format!(" Did you mean \"module.{s}\"?")).unwrap_or_default();
                Diagnostic::error("Reference to undeclared module", format!("No module call named \"{call}\" is declared in {where_}.{hint}"))
            }
        }
        Node::ModuleCall(_, call) => {
            let hint = suggest(call, m.module_calls.keys().map(String::as_str)).map(|s| format!(" Did you mean \"module.{s}\"?")).unwrap_or_default();
            Diagnostic::error("Reference to undeclared module", format!("No module call named \"{call}\" is declared in {where_}.{hint}"))
        }
    }
}
