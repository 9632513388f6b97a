//! The dependency graph of a configuration: variables, locals, resources, data sources and
//! outputs as nodes, references as edges (from the referenced object to the one that uses it).
//! Owns reference resolution (undeclared names are reported here), cycle detection and DOT.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use infra_lang::references::{references, Traversal, TraversalStep};
use petgraph::graph::{DiGraph, NodeIndex};

use crate::addrs::{Mode, ResourceAddr};
use crate::config::{Config, Expr};
use crate::diag::{suggest, Diagnostic, Diagnostics, Loc};

/// A node of the configuration graph.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Node {
    Variable(String),
    Local(String),
    Resource(ResourceAddr),
    Output(String),
}

impl std::fmt::Display for Node {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Node::Variable(n) => write!(f, "var.{n}"),
            Node::Local(n) => write!(f, "local.{n}"),
            Node::Resource(a) => write!(f, "{a}"),
            Node::Output(n) => write!(f, "output.{n}"),
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

/// Where a reference in an expression points, if anywhere in the graph.
pub fn reference_target(t: &Traversal) -> Option<Node> {
    let attr = |i: usize| match t.steps.get(i) {
        Some(TraversalStep::Attr(a)) => Some(a.clone()),
        _ => None,
    };
    match t.root.as_str() {
        "var" => attr(0).map(Node::Variable),
        "local" => attr(0).map(Node::Local),
        "data" => Some(Node::Resource(ResourceAddr { mode: Mode::Data, r#type: attr(0)?, name: attr(1)? })),
        "count" | "each" | "path" | "self" | "terraform" | "module" => None,
        ty => Some(Node::Resource(ResourceAddr { mode: Mode::Managed, r#type: ty.to_string(), name: attr(0)? })),
    }
}

impl Graph {
    /// Builds the graph, reporting undeclared references and cycles.
    pub fn build(config: &Config) -> (Graph, Diagnostics) {
        let mut g = Graph { graph: DiGraph::new(), index: HashMap::new() };
        let mut diags = Diagnostics::default();
        for name in config.variables.keys() {
            g.add(Node::Variable(name.clone()));
        }
        for name in config.locals.keys() {
            g.add(Node::Local(name.clone()));
        }
        for r in config.resources.values() {
            g.add(Node::Resource(r.addr.clone()));
        }
        for name in config.outputs.keys() {
            g.add(Node::Output(name.clone()));
        }

        for (name, v) in &config.variables {
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
        for (name, l) in &config.locals {
            g.connect(config, &Node::Local(name.clone()), &l.expr, &format!("locals"), &mut diags);
        }
        for r in config.resources.values() {
            let node = Node::Resource(r.addr.clone());
            let ctx = r.context();
            let mut exprs: Vec<&Expr> = r.body.attrs.values().collect();
            collect_nested(&r.body.blocks, &mut exprs);
            exprs.extend(r.count.iter());
            exprs.extend(r.for_each.iter());
            exprs.extend(r.depends_on.iter());
            exprs.extend(r.lifecycle.replace_triggered_by.iter());
            for e in exprs {
                g.connect_checked(config, &node, e, &ctx, &mut diags, r.count.is_some(), r.for_each.is_some());
            }
        }
        for (name, o) in &config.outputs {
            let node = Node::Output(name.clone());
            let ctx = format!("output \"{name}\"");
            for e in o.value.iter().chain(o.depends_on.iter()) {
                g.connect(config, &node, e, &ctx, &mut diags);
            }
        }
        g.check_cycles(&mut diags);
        (g, diags)
    }

    fn add(&mut self, n: Node) -> NodeIndex {
        if let Some(i) = self.index.get(&n) {
            return *i;
        }
        let i = self.graph.add_node(n.clone());
        self.index.insert(n, i);
        i
    }

    fn connect(&mut self, config: &Config, to: &Node, e: &Expr, ctx: &str, diags: &mut Diagnostics) {
        self.connect_checked(config, to, e, ctx, diags, false, false)
    }

    #[allow(clippy::too_many_arguments)]
    fn connect_checked(&mut self, config: &Config, to: &Node, e: &Expr, ctx: &str, diags: &mut Diagnostics, has_count: bool, has_each: bool) {
        for t in references(&e.expr) {
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
            let Some(target) = reference_target(&t) else {
                if matches!(t.root.as_str(), "var" | "local" | "data") {
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
            let Some(&from) = self.index.get(&target) else {
                diags.push(undeclared(config, &target).at(loc).in_context(ctx));
                continue;
            };
            let to_i = self.index[to];
            if from == to_i {
                diags.push(
                    Diagnostic::error("Self-referential block", format!("Configuration for {target} may not refer to itself."))
                        .at(loc)
                        .in_context(ctx),
                );
                continue;
            }
            self.graph.add_edge(from, to_i, Edge { loc });
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

fn collect_nested<'a>(blocks: &'a [crate::config::NestedBlock], out: &mut Vec<&'a Expr>) {
    for b in blocks {
        out.extend(b.body.attrs.values());
        collect_nested(&b.body.blocks, out);
    }
}

fn span_loc(e: &Expr, t: &Traversal) -> Loc {
    Loc { file: e.loc.file.clone(), span: t.span.clone() }
}

fn undeclared(config: &Config, target: &Node) -> Diagnostic {
    match target {
        Node::Variable(n) => {
            let hint = suggest(n, config.variables.keys().map(String::as_str)).map(|s| format!(" Did you mean \"var.{s}\"?")).unwrap_or_default();
            Diagnostic::error("Reference to undeclared input variable", format!("An input variable with the name \"{n}\" has not been declared. This variable can be declared with a variable \"{n}\" {{}} block.{hint}"))
        }
        Node::Local(n) => {
            let hint = suggest(n, config.locals.keys().map(String::as_str)).map(|s| format!(" Did you mean \"local.{s}\"?")).unwrap_or_default();
            Diagnostic::error("Reference to undeclared local value", format!("A local value with the name \"{n}\" has not been declared.{hint}"))
        }
        Node::Resource(a) => {
            let keys: Vec<String> = config.resources.keys().cloned().collect();
            let hint = suggest(&a.to_string(), keys.iter().map(String::as_str)).map(|s| format!(" Did you mean \"{s}\"?")).unwrap_or_default();
            let what = if a.mode == Mode::Data { "data" } else { "resource" };
            Diagnostic::error(
                "Reference to undeclared resource",
                format!("A {what} \"{}\" \"{}\" has not been declared in the root module.{hint}", a.r#type, a.name),
            )
        }
        Node::Output(n) => Diagnostic::error("Invalid reference", format!("Outputs cannot be referenced (output \"{n}\")."))
    }
}
