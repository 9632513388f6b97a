//! Configuration loading: every `*.tf` file of a directory parsed with hcl-edit into typed
//! blocks whose expressions stay unevaluated (with their source locations). Loading never
//! fails: it returns the configuration it could build plus diagnostics.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use hcl_edit::expr::Expression;
use hcl_edit::structure::{Block, Body, Structure};
use hcl_edit::Span;
use indexmap::IndexMap;
use infra_lang::Type;

use crate::addrs::{Mode, ResourceAddr};
use crate::diag::{Diagnostic, Diagnostics, Loc, SourceFile};

/// An unevaluated expression and where it came from.
#[derive(Clone, Debug)]
pub struct Expr {
    pub expr: Expression,
    pub loc: Loc,
}

#[derive(Clone, Debug)]
pub struct ProviderRequirement {
    pub source: String,
    pub version: Option<String>,
    pub loc: Loc,
}

#[derive(Clone, Debug, Default)]
pub struct TerraformBlock {
    pub required_providers: BTreeMap<String, ProviderRequirement>,
    pub required_version: Option<String>,
    pub backend: Option<(String, Loc)>,
}

/// A `validation` block of a variable.
#[derive(Clone, Debug)]
pub struct Validation {
    pub condition: Expr,
    pub error_message: Expr,
    pub loc: Loc,
}

#[derive(Clone, Debug)]
pub struct Variable {
    pub name: String,
    pub default: Option<Expr>,
    pub validations: Vec<Validation>,
    pub ty: Option<Type>,
    /// The type with its `optional()` attributes and defaults.
    pub constraint: Option<infra_lang::constraint::Constraint>,
    pub description: Option<String>,
    pub sensitive: bool,
    pub nullable: bool,
    pub loc: Loc,
}

#[derive(Clone, Debug)]
pub struct Local {
    pub name: String,
    pub expr: Expr,
}

#[derive(Clone, Debug)]
pub struct Output {
    pub name: String,
    pub value: Option<Expr>,
    pub preconditions: Vec<Condition>,
    pub sensitive: bool,
    pub description: Option<String>,
    pub depends_on: Vec<Expr>,
    pub loc: Loc,
}

/// A `precondition`, `postcondition` or check `assert` block.
#[derive(Clone, Debug)]
pub struct Condition {
    pub condition: Expr,
    pub error_message: Expr,
    pub loc: Loc,
}

/// A `check "name" { assert { ... } }` block: failures are warnings.
#[derive(Clone, Debug)]
pub struct Check {
    pub name: String,
    pub asserts: Vec<Condition>,
    pub loc: Loc,
}

/// A `removed { from = ADDR  lifecycle { destroy = false } }` block.
#[derive(Clone, Debug)]
pub struct Removed {
    pub from: String,
    /// false: forget the objects instead of destroying them.
    pub destroy: bool,
    pub loc: Loc,
}

/// An `import { to = ADDR  id = "..." }` block.
#[derive(Clone, Debug)]
pub struct Import {
    pub to: String,
    pub id: Expr,
    pub loc: Loc,
}

#[derive(Clone, Debug, Default)]
pub struct Lifecycle {
    pub create_before_destroy: bool,
    pub prevent_destroy: bool,
    /// `ignore_changes = all` is `IgnoreChanges::All`.
    pub ignore_changes: IgnoreChanges,
    pub replace_triggered_by: Vec<Expr>,
    pub preconditions: Vec<Condition>,
    pub postconditions: Vec<Condition>,
}

#[derive(Clone, Debug, Default)]
pub enum IgnoreChanges {
    #[default]
    None,
    All,
    /// Each entry a path into the object: `tags`, `rules[0].action`, `tags["env"]`.
    Attrs(Vec<infra_lang::Path>),
}

/// The arguments of a resource, data or provider block (meta-arguments removed).
#[derive(Clone, Debug, Default)]
pub struct BlockBody {
    pub attrs: IndexMap<String, Expr>,
    /// Where each argument's name is (for errors about the argument itself).
    pub key_locs: IndexMap<String, Loc>,
    pub blocks: Vec<NestedBlock>,
}

#[derive(Clone, Debug)]
pub struct NestedBlock {
    pub kind: String,
    pub labels: Vec<String>,
    pub body: BlockBody,
    pub loc: Loc,
}

#[derive(Clone, Debug)]
pub struct Resource {
    pub addr: ResourceAddr,
    /// Provider local name (and alias) from `provider = x.alias`, or derived from the type.
    pub provider: (String, Option<String>),
    pub count: Option<Expr>,
    pub for_each: Option<Expr>,
    pub depends_on: Vec<Expr>,
    pub lifecycle: Lifecycle,
    pub body: BlockBody,
    pub loc: Loc,
    /// For a data block nested in a `check` block: the check's name. Such a data source can be
    /// referred to only from its check, and its read errors are warnings.
    pub check: Option<String>,
}

impl Resource {
    /// `resource "null_resource" "a"` for diagnostics.
    pub fn context(&self) -> String {
        match self.addr.mode {
            Mode::Managed => format!("resource \"{}\" \"{}\"", self.addr.r#type, self.addr.name),
            Mode::Data => format!("data \"{}\" \"{}\"", self.addr.r#type, self.addr.name),
        }
    }
}

#[derive(Clone, Debug)]
pub struct ProviderConfig {
    pub name: String,
    pub alias: Option<String>,
    pub body: BlockBody,
    pub loc: Loc,
}

#[derive(Clone, Debug)]
pub struct Moved {
    pub from: String,
    pub to: String,
    pub loc: Loc,
}

/// A `module` block: a call of a child module.
#[derive(Clone, Debug)]
pub struct ModuleCall {
    pub name: String,
    pub source: String,
    pub count: Option<Expr>,
    pub for_each: Option<Expr>,
    pub depends_on: Vec<Expr>,
    /// Values for the child's input variables.
    pub inputs: IndexMap<String, Expr>,
    pub loc: Loc,
}

/// A loaded module (the root module or a child): its directory's files, and its children.
#[derive(Clone, Debug, Default)]
pub struct Config {
    pub dir: PathBuf,
    /// Names of the module calls from the root (empty for the root module).
    pub path: Vec<String>,
    pub module_calls: IndexMap<String, ModuleCall>,
    /// Child modules by call name.
    pub children: BTreeMap<String, Config>,
    pub files: Vec<Arc<SourceFile>>,
    pub terraform: TerraformBlock,
    pub variables: IndexMap<String, Variable>,
    pub locals: IndexMap<String, Local>,
    pub outputs: IndexMap<String, Output>,
    /// Keyed by the resource address string (`null_resource.a`, `data.x.y`).
    pub resources: IndexMap<String, Resource>,
    pub providers: Vec<ProviderConfig>,
    pub moved: Vec<Moved>,
    pub checks: Vec<Check>,
    pub removed: Vec<Removed>,
    pub imports: Vec<Import>,
}

impl Config {
    /// The resource block at a (module-qualified) address.
    pub fn resource(&self, addr: &ResourceAddr) -> Option<&Resource> {
        self.module(&addr.module)?.resources.get(&addr.local())
    }

    /// The module at a static path (the root for an empty path).
    pub fn module(&self, path: &[String]) -> Option<&Config> {
        match path.split_first() {
            None => Some(self),
            Some((first, rest)) => self.children.get(first)?.module(rest),
        }
    }

    /// This module and every descendant, depth first.
    pub fn all_modules(&self) -> Vec<&Config> {
        let mut out = vec![self];
        for c in self.children.values() {
            out.extend(c.all_modules());
        }
        out
    }

    /// sha256 over every file's name and contents, in name order: identifies the configuration
    /// a saved plan was made from.
    pub fn content_hash(&self) -> String {
        use sha2::{Digest, Sha256};
        let mut files: Vec<_> = self.all_modules().into_iter().flat_map(|m| m.files.iter()).collect();
        files.sort_by(|a, b| a.name.cmp(&b.name));
        let mut h = Sha256::new();
        for f in files {
            h.update(f.name.as_bytes());
            h.update([0]);
            h.update(f.text.as_bytes());
            h.update([0]);
        }
        hex::encode(h.finalize())
    }
}

/// Loads every `*.tf` file in `dir` (sorted by name). `display_prefix` is prepended to file
/// names in diagnostics.
pub fn load_dir(dir: &Path) -> (Config, Diagnostics) {
    let mut diags = Diagnostics::default();
    let config = load_module(dir, vec![], String::new(), &mut diags);
    (config, diags)
}

/// Loads the module in `dir` at `path`, then its children (local sources only).
fn load_module(dir: &Path, path: Vec<String>, prefix: String, diags: &mut Diagnostics) -> Config {
    let (mut config, ds) = load_files(dir, &prefix);
    diags.extend(ds.0);
    config.path = path.clone();
    for r in config.resources.values_mut() {
        r.addr.module = path.clone();
    }
    if path.len() > 20 {
        diags.push(Diagnostic::error("Module nesting too deep", "Modules are nested more than 20 levels deep; a module probably calls itself."));
        return config;
    }
    let calls: Vec<ModuleCall> = config.module_calls.values().cloned().collect();
    for call in calls {
        let src = &call.source;
        if !(src.starts_with("./") || src.starts_with("../")) {
            diags.push(
                Diagnostic::error(
                    "Module not found",
                    format!("The module source \"{src}\" is not a local path. infra loads modules from local directories only; local paths must begin with ./ or ../ (for example \"./{src}\")."),
                )
                .at(call.loc.clone()),
            );
            continue;
        }
        let child_dir = dir.join(src);
        if !child_dir.is_dir() {
            diags.push(
                Diagnostic::error("Unreadable module directory", format!("The directory {} does not exist or cannot be read.", child_dir.display()))
                    .at(call.loc.clone()),
            );
            continue;
        }
        let mut child_path = path.clone();
        child_path.push(call.name.clone());
        let child_prefix = format!("{prefix}{}/", src.trim_start_matches("./").trim_end_matches('/'));
        let child = load_module(&child_dir, child_path, child_prefix, diags);
        for (name, e) in &call.inputs {
            if !child.variables.contains_key(name) {
                let hint = crate::diag::suggest(name, child.variables.keys().map(String::as_str)).map(|s| format!(" Did you mean \"{s}\"?")).unwrap_or_default();
                diags.push(
                    Diagnostic::error("Unsupported argument", format!("An argument named \"{name}\" is not expected here: module \"{}\" has no variable of that name.{hint}", call.name))
                        .at(e.loc.clone()),
                );
            }
        }
        for (name, v) in &child.variables {
            if v.default.is_none() && !call.inputs.contains_key(name) {
                diags.push(
                    Diagnostic::error("Missing required argument", format!("The argument \"{name}\" is required by module \"{}\", but no definition was found.", call.name))
                        .at(call.loc.clone()),
                );
            }
        }
        config.children.insert(call.name.clone(), child);
    }
    config
}

fn load_files(dir: &Path, prefix: &str) -> (Config, Diagnostics) {
    let mut diags = Diagnostics::default();
    let mut config = Config { dir: dir.to_path_buf(), ..Config::default() };
    let mut paths: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(rd) => rd
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                let n = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                (n.ends_with(".tf") || n.ends_with(".tf.json")) && !n.starts_with('.') && p.is_file()
            })
            .collect(),
        Err(e) => {
            diags.push(Diagnostic::error(
                "Failed to read configuration directory",
                format!("Could not read {}: {e}.", dir.display()),
            ));
            return (config, diags);
        }
    };
    paths.sort();
    // Override files are merged after every primary file, in lexical order.
    let (overrides, primaries): (Vec<PathBuf>, Vec<PathBuf>) = paths.into_iter().partition(|p| is_override(p));
    for (path, is_ov) in primaries.into_iter().map(|p| (p, false)).chain(overrides.into_iter().map(|p| (p, true))) {
        let name = format!("{prefix}{}", path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default());
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => {
                diags.push(Diagnostic::error("Failed to read file", format!("Could not read {}: {e}.", path.display())));
                continue;
            }
        };
        let text = if name.ends_with(".tf.json") {
            match crate::config_json::to_native(&text) {
                Ok(native) => native,
                Err(e) => {
                    let file = Arc::new(SourceFile { name, path: path.clone(), text });
                    diags.push(Diagnostic::error(e.summary, e.detail).at(Loc { file: file.clone(), span: e.offset..e.offset + 1 }));
                    config.files.push(file);
                    continue;
                }
            }
        } else {
            text
        };
        let file = Arc::new(SourceFile { name, path: path.clone(), text });
        if is_ov {
            merge_override(&mut config, &file, &mut diags);
        } else {
            load_file(&mut config, &file, &mut diags);
        }
        config.files.push(file);
    }
    (config, diags)
}

/// `override.tf`, `*_override.tf` and their `.tf.json` forms.
fn is_override(p: &Path) -> bool {
    let n = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let stem = n.trim_end_matches(".json").trim_end_matches(".tf");
    stem == "override" || stem.ends_with("_override")
}

/// Merges an override file into the configuration as Terraform does: each block must match an
/// existing one, and the arguments (and nested block types) it sets replace the original ones.
fn merge_override(config: &mut Config, file: &Arc<SourceFile>, diags: &mut Diagnostics) {
    let mut ov = Config::default();
    let mut ov_diags = Diagnostics::default();
    load_file(&mut ov, file, &mut ov_diags);
    // Duplicate-name errors are expected: the override repeats names on purpose.
    diags.extend(ov_diags.0.into_iter().filter(|d| !d.summary.starts_with("Duplicate")));
    let Ok(body) = hcl_edit::parser::parse_body(&file.text) else { return };
    let keys = |b: &Block| -> Vec<String> { b.body.iter().map(|s| match s { Structure::Attribute(a) => a.key.as_str().to_string(), Structure::Block(b) => b.ident.as_str().to_string() }).collect() };
    let missing = |what: &str, name: &str, b: &Block| {
        Diagnostic::error(format!("Missing base {what} to override"), format!("There is no {what} named \"{name}\". An override file can only override an existing {what}."))
            .at(Loc { file: file.clone(), span: b.ident.span().unwrap_or(0..0) })
    };
    for s in body.iter() {
        let Structure::Block(b) = s else { continue };
        let labels: Vec<&str> = b.labels.iter().map(|l| l.as_str()).collect();
        let set = keys(b);
        match (b.ident.as_str(), labels.as_slice()) {
            ("variable", [name]) => {
                let (Some(base), Some(o)) = (config.variables.get_mut(*name), ov.variables.get(*name)) else {
                    diags.push(missing("variable declaration", name, b));
                    continue;
                };
                for k in &set {
                    match k.as_str() {
                        "default" => base.default = o.default.clone(),
                        "type" => {
                            base.ty = o.ty.clone();
                            base.constraint = o.constraint.clone();
                        }
                        "description" => base.description = o.description.clone(),
                        "sensitive" => base.sensitive = o.sensitive,
                        "nullable" => base.nullable = o.nullable,
                        "validation" => base.validations = o.validations.clone(),
                        _ => {}
                    }
                }
            }
            ("output", [name]) => {
                let (Some(base), Some(o)) = (config.outputs.get_mut(*name), ov.outputs.get(*name)) else {
                    diags.push(missing("output", name, b));
                    continue;
                };
                for k in &set {
                    match k.as_str() {
                        "value" => base.value = o.value.clone(),
                        "sensitive" => base.sensitive = o.sensitive,
                        "description" => base.description = o.description.clone(),
                        "depends_on" => base.depends_on = o.depends_on.clone(),
                        _ => {}
                    }
                }
            }
            ("locals", []) => {
                for k in &set {
                    match (config.locals.get_mut(k), ov.locals.get(k)) {
                        (Some(base), Some(o)) => *base = o.clone(),
                        _ => diags.push(missing("local value definition", k, b)),
                    }
                }
            }
            ("resource" | "data", [ty, name]) => {
                let key = if b.ident.as_str() == "data" { format!("data.{ty}.{name}") } else { format!("{ty}.{name}") };
                let (Some(base), Some(o)) = (config.resources.get_mut(&key), ov.resources.get(&key)) else {
                    diags.push(missing("resource", &key, b));
                    continue;
                };
                for k in &set {
                    match k.as_str() {
                        "count" => base.count = o.count.clone(),
                        "for_each" => base.for_each = o.for_each.clone(),
                        "depends_on" => base.depends_on = o.depends_on.clone(),
                        "provider" => base.provider = o.provider.clone(),
                        "lifecycle" => base.lifecycle = o.lifecycle.clone(),
                        k => {
                            if let Some(e) = o.body.attrs.get(k) {
                                base.body.attrs.insert(k.to_string(), e.clone());
                            } else {
                                base.body.blocks.retain(|nb| nb.kind != k);
                                base.body.blocks.extend(o.body.blocks.iter().filter(|nb| nb.kind == k).cloned());
                            }
                        }
                    }
                }
            }
            ("terraform", []) => {
                config.terraform.required_providers.extend(ov.terraform.required_providers.clone());
                if ov.terraform.backend.is_some() {
                    config.terraform.backend = ov.terraform.backend.clone();
                }
                if ov.terraform.required_version.is_some() {
                    config.terraform.required_version = ov.terraform.required_version.clone();
                }
            }
            ("provider", [name]) => {
                let alias = ov.providers.iter().find(|p| p.name == *name).and_then(|p| p.alias.clone());
                match (config.providers.iter_mut().find(|p| p.name == *name && p.alias == alias), ov.providers.iter().find(|p| p.name == *name)) {
                    (Some(base), Some(o)) => {
                        for (k, e) in &o.body.attrs {
                            base.body.attrs.insert(k.clone(), e.clone());
                        }
                    }
                    _ => diags.push(missing("provider configuration", name, b)),
                }
            }
            _ => {}
        }
    }
}

/// Parses one source text into `config` (used by `load_dir` and by tests).
pub fn load_file(config: &mut Config, file: &Arc<SourceFile>, diags: &mut Diagnostics) {
    let body = match hcl_edit::parser::parse_body(&file.text) {
        Ok(b) => b,
        Err(e) => {
            let off = e.location().offset();
            let (summary, detail, span) = match crate::parse_errors::relocate(&file.text, off) {
                Some(better) => better,
                None => {
                    let (summary, mut detail) = crate::parse_errors::classify(e.message(), &file.text, off);
                    // Underline the whole argument name, and say where it was first set.
                    let name: String = file.text[off.min(file.text.len())..].chars().take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '-').collect();
                    let mut span = off..off + name.len().max(1);
                    if summary == "Attribute redefined" && !name.is_empty() {
                        let first = file.text[..off].lines().enumerate().filter(|(_, l)| {
                            let t = l.trim_start();
                            t.strip_prefix(name.as_str()).map(|rest| rest.trim_start().starts_with('=')).unwrap_or(false)
                        }).last();
                        if let Some((i, _)) = first {
                            detail = format!("The argument \"{name}\" was already set on line {}. Each argument may be set only once; remove one of them.", i + 1);
                        }
                    } else {
                        span = off..off + 1;
                    }
                    (summary, detail, span)
                }
            };
            diags.push(Diagnostic::error(summary, detail).at(Loc { file: file.clone(), span }));
            return;
        }
    };
    if let Some(e) = crate::fmt::legacy_index_error(&file.text) {
        let off = file.text.lines().take(e.line.saturating_sub(1)).map(|l| l.len() + 1).sum::<usize>() + e.column.saturating_sub(1);
        diags.push(
            Diagnostic::error("Invalid legacy index syntax", "Chaining two legacy indexes (like .1.0) is not permitted; write the indexes in brackets, like [1][0].")
                .at(Loc { file: file.clone(), span: off..off + 1 }),
        );
        return;
    }
    let l = Loader { file: file.clone() };
    for s in body.iter() {
        match s {
            Structure::Attribute(a) => diags.push(
                Diagnostic::error(
                    "Unsupported argument",
                    format!("An argument named \"{}\" is not expected here. Top-level arguments are not allowed; put it inside a block such as `locals {{}}`.", a.key.as_str()),
                )
                .at(l.loc(a.key.span())),
            ),
            Structure::Block(b) => l.block(config, b, diags),
        }
    }
}

struct Loader {
    file: Arc<SourceFile>,
}

impl Loader {
    fn loc(&self, span: Option<std::ops::Range<usize>>) -> Loc {
        Loc { file: self.file.clone(), span: span.unwrap_or(0..0) }
    }

    fn expr(&self, e: &Expression) -> Expr {
        Expr { expr: e.clone(), loc: self.loc(e.span()) }
    }

    /// Checks a block name: an identifier, and not one Terraform reserves.
    fn check_name(&self, b: &Block, what: &str, name: &str, diags: &mut Diagnostics) -> bool {
        let span = b.labels.last().and_then(|l| l.span());
        let valid = {
            let mut cs = name.chars();
            matches!(cs.next(), Some(c) if c.is_alphabetic() || c == '_') && cs.all(|c| c.is_alphanumeric() || c == '_' || c == '-')
        };
        if !valid {
            diags.push(
                Diagnostic::error(
                    format!("Invalid {what} name"),
                    "A name must start with a letter or underscore and may contain only letters, digits, underscores, and dashes.",
                )
                .at(self.loc(span)),
            );
            return false;
        }
        const RESERVED_VARS: [&str; 8] = ["source", "version", "providers", "count", "for_each", "lifecycle", "depends_on", "locals"];
        if what == "variable" && RESERVED_VARS.contains(&name) {
            diags.push(
                Diagnostic::error(
                    "Invalid variable name",
                    format!("The variable name \"{name}\" is reserved due to its special meaning inside module blocks."),
                )
                .at(self.loc(span)),
            );
            return false;
        }
        true
    }

    fn labels(&self, b: &Block, n: usize, what: &str, diags: &mut Diagnostics) -> Option<Vec<String>> {
        if b.labels.len() != n {
            let names = match n {
                0 => "no labels".to_string(),
                1 => "one label (its name)".to_string(),
                _ => format!("{n} labels"),
            };
            diags.push(
                Diagnostic::error(
                    format!("Invalid {what} block"),
                    format!("A {what} block takes {names}, like: {}", example(what)),
                )
                .at(self.loc(b.ident.span())),
            );
            return None;
        }
        Some(b.labels.iter().map(|l| l.as_str().to_string()).collect())
    }

    fn block(&self, config: &mut Config, b: &Block, diags: &mut Diagnostics) {
        let kind = b.ident.as_str();
        match kind {
            "terraform" => self.terraform(config, b, diags),
            "variable" => {
                let Some(labels) = self.labels(b, 1, "variable", diags) else { return };
                if !self.check_name(b, "variable", &labels[0], diags) {
                    return;
                }
                self.variable(config, &labels[0], b, diags);
            }
            "locals" => {
                if !b.labels.is_empty() {
                    diags.push(
                        Diagnostic::error("Extraneous label for locals", "No labels are expected for locals blocks: write `locals { name = value }`.")
                            .at(self.loc(b.labels[0].span())),
                    );
                    return;
                }
                for s in b.body.iter() {
                    match s {
                        Structure::Attribute(a) => {
                            let name = a.key.as_str().to_string();
                            if config.locals.contains_key(&name) {
                                diags.push(
                                    Diagnostic::error("Duplicate local value definition", format!("A local value named \"{name}\" was already defined at {}. Local value names must be unique within a module.", config.locals[&name].expr.loc.short()))
                                        .at(self.loc(a.key.span())),
                                );
                                continue;
                            }
                            config.locals.insert(name.clone(), Local { name, expr: self.expr(&a.value) });
                        }
                        Structure::Block(inner) => diags.push(
                            Diagnostic::error("Unsupported block type", format!("Blocks of type \"{}\" are not expected in locals; define values as `name = expression`.", inner.ident.as_str()))
                                .at(self.loc(inner.ident.span())),
                        ),
                    }
                }
            }
            "output" => {
                let Some(labels) = self.labels(b, 1, "output", diags) else { return };
                if !self.check_name(b, "output", &labels[0], diags) {
                    return;
                }
                self.output(config, &labels[0], b, diags);
            }
            "resource" | "data" => {
                let Some(labels) = self.labels(b, 2, kind, diags) else { return };
                if !self.check_name(b, kind, &labels[1], diags) {
                    return;
                }
                let mode = if kind == "data" { Mode::Data } else { Mode::Managed };
                self.resource(config, mode, &labels[0], &labels[1], b, diags);
            }
            "provider" => {
                let Some(labels) = self.labels(b, 1, "provider", diags) else { return };
                let mut body = self.body(&b.body, diags);
                let alias = body.attrs.shift_remove("alias").and_then(|e| literal_string(&e.expr));
                body.attrs.shift_remove("version");
                config.providers.push(ProviderConfig { name: labels[0].clone(), alias, body, loc: self.loc(b.ident.span()) });
            }
            "check" => {
                let Some(labels) = self.labels(b, 1, "check", diags) else { return };
                let mut asserts = Vec::new();
                let mut scoped: Option<Loc> = None;
                for s in b.body.iter() {
                    match s {
                        Structure::Block(inner) if inner.ident.as_str() == "assert" => asserts.extend(self.condition(inner, "assert", diags)),
                        // A scoped data source: at most one, without count or for_each.
                        Structure::Block(inner) if inner.ident.as_str() == "data" => {
                            let here = self.loc(inner.ident.span());
                            if let Some(first) = &scoped {
                                diags.push(
                                    Diagnostic::error("Multiple data resource blocks", format!("A check block may contain at most one nested data block; the first one is at {}. Move the others out of the check block, or into checks of their own.", first.short()))
                                        .at(here),
                                );
                                continue;
                            }
                            scoped = Some(here.clone());
                            let Some(dl) = self.labels(inner, 2, "data", diags) else { continue };
                            let key = ResourceAddr { module: vec![], mode: Mode::Data, r#type: dl[0].clone(), name: dl[1].clone() }.local();
                            let existed = config.resources.contains_key(&key);
                            self.resource(config, Mode::Data, &dl[0], &dl[1], inner, diags);
                            if existed {
                                continue;
                            }
                            if let Some(r) = config.resources.get_mut(&key) {
                                r.check = Some(labels[0].clone());
                                for (arg, set) in [("count", r.count.is_some()), ("for_each", r.for_each.is_some())] {
                                    if set {
                                        diags.push(
                                            Diagnostic::error("Invalid scoped data block", format!("A data block nested in a check block cannot use \"{arg}\": scoped data sources support only depends_on and provider."))
                                                .at(here.clone()),
                                        );
                                    }
                                }
                            }
                        }
                        Structure::Block(inner) => diags.push(
                            Diagnostic::error("Unsupported block type", format!("Blocks of type \"{}\" are not expected in a check block: it takes one optional data block and assert blocks.", inner.ident.as_str()))
                                .at(self.loc(inner.ident.span())),
                        ),
                        Structure::Attribute(a) => diags.push(
                            Diagnostic::error("Unsupported argument", format!("An argument named \"{}\" is not expected in a check block.", a.key.as_str()))
                                .at(self.loc(a.key.span())),
                        ),
                    }
                }
                config.checks.push(Check { name: labels[0].clone(), asserts, loc: self.loc(b.ident.span()) });
            }
            "removed" => {
                let from = b.body.get_attribute("from").map(|a| traversal_text(&a.value));
                let destroy = b
                    .body
                    .get_blocks("lifecycle")
                    .next()
                    .and_then(|l| l.body.get_attribute("destroy"))
                    .and_then(|a| literal_bool(&a.value))
                    .unwrap_or(true);
                match from {
                    Some(from) => config.removed.push(Removed { from, destroy, loc: self.loc(b.ident.span()) }),
                    None => diags.push(
                        Diagnostic::error("Missing required argument", "A removed block needs `from`: the address of the resource that was removed from the configuration.")
                            .at(self.loc(b.ident.span())),
                    ),
                }
            }
            "import" => {
                let to = b.body.get_attribute("to").map(|a| traversal_text(&a.value));
                let id = b.body.get_attribute("id").map(|a| self.expr(&a.value));
                match (to, id) {
                    (Some(to), Some(id)) => config.imports.push(Import { to, id, loc: self.loc(b.ident.span()) }),
                    _ => diags.push(
                        Diagnostic::error("Missing required argument", "An import block needs both `to` (a resource address) and `id` (the import ID of the existing object).")
                            .at(self.loc(b.ident.span())),
                    ),
                }
            }
            "moved" => {
                let from = b.body.get_attribute("from").map(|a| traversal_text(&a.value));
                let to = b.body.get_attribute("to").map(|a| traversal_text(&a.value));
                match (from, to) {
                    (Some(from), Some(to)) => config.moved.push(Moved { from, to, loc: self.loc(b.ident.span()) }),
                    _ => diags.push(
                        Diagnostic::error("Invalid moved block", "A moved block needs both `from` and `to`, each a resource address such as null_resource.a.")
                            .at(self.loc(b.ident.span())),
                    ),
                }
            }
            "module" => {
                let Some(labels) = self.labels(b, 1, "module", diags) else { return };
                if !self.check_name(b, "module", &labels[0], diags) {
                    return;
                }
                self.module_call(config, &labels[0], b, diags);
            }
            other => {
                let known = ["terraform", "variable", "locals", "output", "resource", "data", "provider", "moved", "module", "check", "import", "removed"];
                let hint = crate::diag::suggest(other, known).map(|s| format!(" Did you mean \"{s}\"?")).unwrap_or_default();
                diags.push(
                    Diagnostic::error("Unsupported block type", format!("Blocks of type \"{other}\" are not expected here.{hint}"))
                        .at(self.loc(b.ident.span())),
                );
            }
        }
    }

    fn module_call(&self, config: &mut Config, name: &str, b: &Block, diags: &mut Diagnostics) {
        let loc = self.loc(b.ident.span().map(|s| s.start..b.labels.last().and_then(|l| l.span()).map(|l| l.end).unwrap_or(s.end)));
        if config.module_calls.contains_key(name) {
            diags.push(
                Diagnostic::error("Duplicate module call", format!("A module call named \"{name}\" was already defined at {}. Module calls must have unique names within a module.", config.module_calls[name].loc.short()))
                    .at(loc),
            );
            return;
        }
        let mut call = ModuleCall { name: name.to_string(), source: String::new(), count: None, for_each: None, depends_on: vec![], inputs: IndexMap::new(), loc: loc.clone() };
        let mut has_source = false;
        for s in b.body.iter() {
            match s {
                Structure::Attribute(a) => match a.key.as_str() {
                    "source" => match literal_string(&a.value) {
                        Some(src) => {
                            call.source = src;
                            has_source = true;
                        }
                        None => {
                            diags.push(
                                Diagnostic::error("Variables not allowed", "The module source must be a literal string: variables and expressions may not be used here.")
                                    .at(self.loc(a.value.span())),
                            );
                            return;
                        }
                    },
                    "version" | "providers" => {}
                    "count" => call.count = Some(self.expr(&a.value)),
                    "for_each" => call.for_each = Some(self.expr(&a.value)),
                    "depends_on" => call.depends_on = self.expr_list(&a.value),
                    key => {
                        call.inputs.insert(key.to_string(), self.expr(&a.value));
                    }
                },
                Structure::Block(inner) => diags.push(
                    Diagnostic::error("Unsupported block type", format!("Blocks of type \"{}\" are not expected in a module block.", inner.ident.as_str()))
                        .at(self.loc(inner.ident.span())),
                ),
            }
        }
        if !has_source {
            diags.push(Diagnostic::error("Missing required argument", "The argument \"source\" is required, but no definition was found.").at(loc));
            return;
        }
        if call.count.is_some() && call.for_each.is_some() {
            diags.push(
                Diagnostic::error("Invalid combination of \"count\" and \"for_each\"", "The \"count\" and \"for_each\" meta-arguments are mutually-exclusive, only one should be used.")
                    .at(loc),
            );
        }
        config.module_calls.insert(name.to_string(), call);
    }

    fn terraform(&self, config: &mut Config, b: &Block, diags: &mut Diagnostics) {
        for s in b.body.iter() {
            match s {
                Structure::Attribute(a) if a.key.as_str() == "required_version" => {
                    config.terraform.required_version = literal_string(&a.value);
                }
                Structure::Attribute(a) if a.key.as_str() == "experiments" => {}
                Structure::Attribute(a) => diags.push(
                    Diagnostic::error("Unsupported argument", format!("An argument named \"{}\" is not expected in a terraform block.", a.key.as_str()))
                        .at(self.loc(a.key.span())),
                ),
                Structure::Block(inner) => match inner.ident.as_str() {
                    "required_providers" => {
                        for s in inner.body.iter() {
                            let Structure::Attribute(a) = s else { continue };
                            let name = a.key.as_str().to_string();
                            let loc = self.loc(a.value.span());
                            let (source, version) = match &a.value {
                                Expression::Object(o) => {
                                    let mut source = None;
                                    let mut version = None;
                                    for (k, v) in o.iter() {
                                        let key = object_key_str(k);
                                        match key.as_deref() {
                                            Some("source") => source = literal_string(v.expr()),
                                            Some("version") => version = literal_string(v.expr()),
                                            _ => {}
                                        }
                                    }
                                    (source, version)
                                }
                                e => (None, literal_string(e)),
                            };
                            let source = source.unwrap_or_else(|| format!("hashicorp/{name}"));
                            config.terraform.required_providers.insert(name, ProviderRequirement { source, version, loc });
                        }
                    }
                    "backend" => {
                        let kind = inner.labels.first().map(|l| l.as_str().to_string()).unwrap_or_default();
                        config.terraform.backend = Some((kind, self.loc(inner.ident.span())));
                    }
                    "cloud" => config.terraform.backend = Some(("cloud".into(), self.loc(inner.ident.span()))),
                    other => diags.push(
                        Diagnostic::error("Unsupported block type", format!("Blocks of type \"{other}\" are not expected in a terraform block."))
                            .at(self.loc(inner.ident.span())),
                    ),
                },
            }
        }
    }

    fn variable(&self, config: &mut Config, name: &str, b: &Block, diags: &mut Diagnostics) {
        let loc = self.loc(b.ident.span());
        if config.variables.contains_key(name) {
            diags.push(
                Diagnostic::error("Duplicate variable declaration", format!("A variable named \"{name}\" was already declared at {}. Variable names must be unique within a module.", config.variables[name].loc.short()))
                    .at(loc),
            );
            return;
        }
        let mut v = Variable { name: name.to_string(), default: None, validations: vec![], ty: None, constraint: None, description: None, sensitive: false, nullable: true, loc };
        for s in b.body.iter() {
            match s {
                Structure::Attribute(a) => match a.key.as_str() {
                    "default" => {
                        if let Some(span) = function_call_span(&a.value) {
                            diags.push(
                                Diagnostic::error("Function calls not allowed", "Functions may not be called here: a variable's default must be a literal value.")
                                    .at(self.loc(Some(span))),
                            );
                        }
                        v.default = Some(self.expr(&a.value));
                    }
                    "type" => match infra_lang::constraint::parse_constraint(&a.value) {
                        Ok(c) => {
                            v.ty = Some(c.ty.clone());
                            v.constraint = Some(c);
                        }
                        Err(d) => diags.push(Diagnostic::from_lang(d, &self.file, &a.value.span().unwrap_or(0..0))),
                    },
                    "description" => v.description = literal_string(&a.value),
                    "sensitive" => v.sensitive = literal_bool(&a.value).unwrap_or(false),
                    "nullable" => v.nullable = literal_bool(&a.value).unwrap_or(true),
                    other => diags.push(
                        Diagnostic::error("Unsupported argument", format!("An argument named \"{other}\" is not expected in a variable block.{}", hint_or_list(other, &["default", "type", "description", "sensitive", "nullable"])))
                            .at(self.loc(a.key.span())),
                    ),
                },
                Structure::Block(inner) if inner.ident.as_str() == "validation" => {
                    if let Some(val) = self.validation(name, inner, diags) {
                        v.validations.push(val);
                    }
                }
                Structure::Block(inner) => diags.push(
                    Diagnostic::error("Unsupported block type", format!("Blocks of type \"{}\" are not expected in a variable block.", inner.ident.as_str()))
                        .at(self.loc(inner.ident.span())),
                ),
            }
        }
        config.variables.insert(name.to_string(), v);
    }

    fn validation(&self, var: &str, b: &Block, diags: &mut Diagnostics) -> Option<Validation> {
        let loc = self.loc(b.ident.span());
        let mut condition = None;
        let mut message = None;
        for s in b.body.iter() {
            match s {
                Structure::Attribute(a) if a.key.as_str() == "condition" => condition = Some(self.expr(&a.value)),
                Structure::Attribute(a) if a.key.as_str() == "error_message" => message = Some(self.expr(&a.value)),
                Structure::Attribute(a) => diags.push(
                    Diagnostic::error("Unsupported argument", format!("An argument named \"{}\" is not expected in a validation block. Expected: condition, error_message.", a.key.as_str()))
                        .at(self.loc(a.key.span())),
                ),
                Structure::Block(inner) => diags.push(
                    Diagnostic::error("Unsupported block type", format!("Blocks of type \"{}\" are not expected in a validation block.", inner.ident.as_str()))
                        .at(self.loc(inner.ident.span())),
                ),
            }
        }
        let (Some(condition), Some(error_message)) = (condition, message) else {
            let missing = if b.body.get_attribute("condition").is_none() { "condition" } else { "error_message" };
            diags.push(Diagnostic::error("Missing required argument", format!("The argument \"{missing}\" is required, but no definition was found.")).at(loc));
            return None;
        };
        // As in Terraform 1.9, a condition may also refer to the module's other input variables;
        // infra does not support locals, resources or data sources there yet.
        let refs = infra_lang::references::references(&condition.expr);
        let mut own = false;
        for t in &refs {
            let first = match t.steps.first() {
                Some(infra_lang::references::TraversalStep::Attr(n)) => Some(n.as_str()),
                _ => None,
            };
            if t.root == "var" && first.is_some() {
                own |= first == Some(var);
            } else {
                diags.push(
                    Diagnostic::error(
                        "Invalid reference in variable validation",
                        format!("The condition for variable \"{var}\" can refer only to input variables (var.{var} and the module's other variables); infra does not support locals, resources or data sources in validation conditions."),
                    )
                    .at(Loc { file: self.file.clone(), span: t.span.clone() }),
                );
                return None;
            }
        }
        if !own {
            diags.push(
                Diagnostic::error(
                    "Invalid variable validation condition",
                    format!("The condition for variable \"{var}\" must refer to var.{var} in order to test incoming values."),
                )
                .at(condition.loc.clone()),
            );
            return None;
        }
        if let Some(text) = literal_string(&error_message.expr) {
            let t = text.trim();
            let starts_upper = t.chars().next().map(|c| c.is_uppercase()).unwrap_or(false);
            if t.is_empty() || !starts_upper || !(t.ends_with('.') || t.ends_with('?')) {
                diags.push(
                    Diagnostic::error(
                        "Invalid validation error message",
                        "The validation error message must be at least one full sentence starting with an uppercase letter and ending with a period or question mark.",
                    )
                    .at(error_message.loc.clone()),
                );
                return None;
            }
        }
        Some(Validation { condition, error_message, loc })
    }

    fn output(&self, config: &mut Config, name: &str, b: &Block, diags: &mut Diagnostics) {
        let loc = self.loc(b.ident.span());
        if config.outputs.contains_key(name) {
            diags.push(
                Diagnostic::error("Duplicate output definition", format!("An output named \"{name}\" was already defined at {}. Output names must be unique within a module.", config.outputs[name].loc.short()))
                    .at(loc),
            );
            return;
        }
        let mut o = Output { name: name.to_string(), value: None, preconditions: vec![], sensitive: false, description: None, depends_on: vec![], loc: loc.clone() };
        for s in b.body.iter() {
            match s {
                Structure::Attribute(a) => match a.key.as_str() {
                    "value" => o.value = Some(self.expr(&a.value)),
                    "sensitive" => o.sensitive = literal_bool(&a.value).unwrap_or(false),
                    "description" => o.description = literal_string(&a.value),
                    "depends_on" => o.depends_on = self.expr_list(&a.value),
                    other => diags.push(
                        Diagnostic::error("Unsupported argument", format!("An argument named \"{other}\" is not expected in an output block. Expected one of: value, sensitive, description, depends_on."))
                            .at(self.loc(a.key.span())),
                    ),
                },
                Structure::Block(inner) if inner.ident.as_str() == "precondition" => {
                    if let Some(c) = self.condition(inner, "precondition", diags) {
                        o.preconditions.push(c);
                    }
                }
                Structure::Block(inner) => diags.push(
                    Diagnostic::error("Unsupported block type", format!("Blocks of type \"{}\" are not expected in an output block.", inner.ident.as_str()))
                        .at(self.loc(inner.ident.span())),
                ),
            }
        }
        if o.value.is_none() {
            diags.push(Diagnostic::error("Missing required argument", "The argument \"value\" is required, but no definition was found.").at(loc));
        }
        config.outputs.insert(name.to_string(), o);
    }

    fn expr_list(&self, e: &Expression) -> Vec<Expr> {
        match e {
            Expression::Array(a) => a.iter().map(|e| self.expr(e)).collect(),
            e => vec![self.expr(e)],
        }
    }

    fn resource(&self, config: &mut Config, mode: Mode, t: &str, n: &str, b: &Block, diags: &mut Diagnostics) {
        let addr = ResourceAddr { module: vec![], mode, r#type: t.to_string(), name: n.to_string() };
        let loc = self.loc(b.ident.span().map(|s| s.start..b.labels.last().and_then(|l| l.span()).map(|l| l.end).unwrap_or(s.end)));
        let key = addr.local();
        if config.resources.contains_key(&key) {
            let what = if mode == Mode::Data { "data" } else { "resource" };
            diags.push(
                Diagnostic::error(
                    format!("Duplicate {what} \"{t}\" configuration"),
                    format!("A {what} named \"{n}\" of type \"{t}\" was already declared at {}. Names must be unique per type within a module.", config.resources[&key].loc.short()),
                )
                .at(loc),
            );
            return;
        }
        let default_provider = t.split('_').next().unwrap_or(t).to_string();
        let mut r = Resource {
            addr,
            provider: (default_provider, None),
            count: None,
            for_each: None,
            depends_on: vec![],
            lifecycle: Lifecycle::default(),
            body: BlockBody::default(),
            loc,
            check: None,
        };
        let mut body = BlockBody::default();
        for s in b.body.iter() {
            match s {
                Structure::Attribute(a) => match a.key.as_str() {
                    "count" => r.count = Some(self.expr(&a.value)),
                    "for_each" => r.for_each = Some(self.expr(&a.value)),
                    "depends_on" => r.depends_on = self.expr_list(&a.value),
                    "provider" => {
                        let text = traversal_text(&a.value);
                        let mut parts = text.splitn(2, '.');
                        let name = parts.next().unwrap_or_default().to_string();
                        r.provider = (name, parts.next().map(str::to_string));
                    }
                    key => {
                        if body.attrs.contains_key(key) {
                            diags.push(
                                Diagnostic::error("Attribute redefined", format!("The argument \"{key}\" was already set. Each argument may be set only once."))
                                    .at(self.loc(a.key.span())),
                            );
                        }
                        body.key_locs.insert(key.to_string(), self.loc(a.key.span()));
                        body.attrs.insert(key.to_string(), self.expr(&a.value));
                    }
                },
                Structure::Block(inner) if inner.ident.as_str() == "lifecycle" => r.lifecycle = self.lifecycle(inner, diags),
                Structure::Block(inner) if matches!(inner.ident.as_str(), "provisioner" | "connection") => {}
                Structure::Block(inner) => body.blocks.push(NestedBlock {
                    kind: inner.ident.as_str().to_string(),
                    labels: inner.labels.iter().map(|l| l.as_str().to_string()).collect(),
                    body: self.body(&inner.body, diags),
                    loc: self.loc(inner.ident.span()),
                }),
            }
        }
        if r.count.is_some() && r.for_each.is_some() {
            diags.push(
                Diagnostic::error("Invalid combination of \"count\" and \"for_each\"", "The \"count\" and \"for_each\" meta-arguments are mutually-exclusive, only one should be used to be explicit about the number of resources to be created.")
                    .at(r.loc.clone()),
            );
        }
        r.body = body;
        config.resources.insert(key, r);
    }

    /// A condition block (`precondition`, `postcondition`, `assert`).
    fn condition(&self, b: &Block, what: &str, diags: &mut Diagnostics) -> Option<Condition> {
        let loc = self.loc(b.ident.span());
        let get = |k: &str| b.body.get_attribute(k).map(|a| self.expr(&a.value));
        match (get("condition"), get("error_message")) {
            (Some(condition), Some(error_message)) => Some(Condition { condition, error_message, loc }),
            (c, _) => {
                let missing = if c.is_none() { "condition" } else { "error_message" };
                diags.push(Diagnostic::error("Missing required argument", format!("The argument \"{missing}\" is required in a {what} block, but no definition was found.")).at(loc));
                None
            }
        }
    }

    fn lifecycle(&self, b: &Block, diags: &mut Diagnostics) -> Lifecycle {
        let mut l = Lifecycle::default();
        for s in b.body.iter() {
            if let Structure::Block(inner) = s {
                match inner.ident.as_str() {
                    "precondition" => l.preconditions.extend(self.condition(inner, "precondition", diags)),
                    "postcondition" => l.postconditions.extend(self.condition(inner, "postcondition", diags)),
                    other => diags.push(
                        Diagnostic::error("Unsupported block type", format!("Blocks of type \"{other}\" are not expected in a lifecycle block. Expected: precondition, postcondition."))
                            .at(self.loc(inner.ident.span())),
                    ),
                }
                continue;
            }
            let Structure::Attribute(a) = s else { continue };
            match a.key.as_str() {
                "create_before_destroy" => l.create_before_destroy = literal_bool(&a.value).unwrap_or(false),
                "prevent_destroy" => l.prevent_destroy = literal_bool(&a.value).unwrap_or(false),
                "ignore_changes" => {
                    l.ignore_changes = match &a.value {
                        Expression::Variable(v) if v.as_str() == "all" => IgnoreChanges::All,
                        Expression::Array(items) => IgnoreChanges::Attrs(
                            items
                                .iter()
                                .filter_map(|e| {
                                    let text = traversal_text(e);
                                    let path = parse_attr_path(&text);
                                    if path.is_none() {
                                        diags.push(
                                            Diagnostic::error("Invalid ignore_changes", format!("\"{text}\" is not an attribute path. Write an attribute name, optionally followed by .attribute, [index] or [\"key\"] steps, like rules[0].action."))
                                                .at(self.loc(e.span())),
                                        );
                                    }
                                    path
                                })
                                .collect(),
                        ),
                        e => {
                            diags.push(
                                Diagnostic::error("Invalid ignore_changes", "ignore_changes must be a list of attribute names, like [tags, triggers], or the keyword all.")
                                    .at(self.loc(e.span())),
                            );
                            IgnoreChanges::None
                        }
                    }
                }
                "replace_triggered_by" => l.replace_triggered_by = self.expr_list(&a.value),
                other => diags.push(
                    Diagnostic::error("Unsupported argument", format!("An argument named \"{other}\" is not expected in a lifecycle block.{}", hint_or_list(other, &["create_before_destroy", "prevent_destroy", "ignore_changes", "replace_triggered_by"])))
                        .at(self.loc(a.key.span())),
                ),
            }
        }
        l
    }

    fn body(&self, b: &Body, diags: &mut Diagnostics) -> BlockBody {
        let mut body = BlockBody::default();
        for s in b.iter() {
            match s {
                Structure::Attribute(a) => {
                    body.attrs.insert(a.key.as_str().to_string(), self.expr(&a.value));
                }
                Structure::Block(inner) => body.blocks.push(NestedBlock {
                    kind: inner.ident.as_str().to_string(),
                    labels: inner.labels.iter().map(|l| l.as_str().to_string()).collect(),
                    body: self.body(&inner.body, diags),
                    loc: self.loc(inner.ident.span()),
                }),
            }
        }
        body
    }
}

fn example(what: &str) -> &'static str {
    match what {
        "variable" => "variable \"name\" { ... }",
        "output" => "output \"name\" { value = ... }",
        "resource" => "resource \"null_resource\" \"name\" { ... }",
        "data" => "data \"null_data_source\" \"name\" { ... }",
        "provider" => "provider \"random\" { ... }",
        _ => "",
    }
}

/// The text of a literal string expression (no interpolation).
pub fn literal_string(e: &Expression) -> Option<String> {
    match e {
        Expression::String(s) => Some(s.value().to_string()),
        Expression::StringTemplate(t) => {
            let mut out = String::new();
            for el in t.iter() {
                match el {
                    hcl_edit::template::Element::Literal(l) => out.push_str(l.value()),
                    _ => return None,
                }
            }
            Some(out)
        }
        _ => None,
    }
}

fn literal_bool(e: &Expression) -> Option<bool> {
    match e {
        Expression::Bool(b) => Some(*b.value()),
        _ => None,
    }
}

fn object_key_str(k: &hcl_edit::expr::ObjectKey) -> Option<String> {
    match k {
        hcl_edit::expr::ObjectKey::Ident(i) => Some(i.as_str().to_string()),
        hcl_edit::expr::ObjectKey::Expression(e) => literal_string(e).or_else(|| Some(traversal_text(e))),
    }
}

/// The source text of a static traversal such as `null_resource.a` or `aws.east` (used for
/// `provider`, `moved`, `ignore_changes`), without spaces.
pub fn traversal_text(e: &Expression) -> String {
    use hcl_edit::expr::TraversalOperator;
    match e {
        Expression::Variable(v) => v.as_str().to_string(),
        Expression::Traversal(t) => {
            let mut s = traversal_text(&t.expr);
            for op in t.operators.iter() {
                match op.value() {
                    TraversalOperator::GetAttr(a) => {
                        s.push('.');
                        s.push_str(a.as_str());
                    }
                    TraversalOperator::Index(i) => match i {
                        Expression::Number(n) => s.push_str(&format!("[{}]", n.value())),
                        Expression::String(st) => s.push_str(&format!("[{}]", serde_json::Value::String(st.value().to_string()))),
                        other => s.push_str(&format!("[{}]", traversal_text(other))),
                    },
                    TraversalOperator::LegacyIndex(n) => s.push_str(&format!("[{}]", n.value())),
                    _ => s.push_str("[*]"),
                }
            }
            s
        }
        Expression::String(s) => s.value().to_string(),
        other => literal_string(other).unwrap_or_default(),
    }
}

/// The span of the first function call in an expression, if any (constant contexts such as
/// variable defaults and `.tfvars` files allow none).
pub fn function_call_span(e: &Expression) -> Option<std::ops::Range<usize>> {
    use hcl_edit::visit::Visit;
    struct Finder(Option<std::ops::Range<usize>>);
    impl Visit for Finder {
        fn visit_func_call(&mut self, f: &hcl_edit::expr::FuncCall) {
            if self.0.is_none() {
                self.0 = f.span().or(Some(0..0));
            }
        }
    }
    let mut f = Finder(None);
    f.visit_expr(e);
    f.0
}

/// " Did you mean "x"?" for a near name, else the list of expected names.
fn hint_or_list(name: &str, expected: &[&str]) -> String {
    match crate::diag::suggest(name, expected.iter().copied()) {
        Some(s) => format!(" Did you mean \"{s}\"?"),
        None => format!(" Expected one of: {}.", expected.join(", ")),
    }
}

/// Parses an attribute path written as a traversal: `name`, `a.b`, `rules[0].action`,
/// `tags["env"]`. `None` when it is not one.
pub fn parse_attr_path(text: &str) -> Option<infra_lang::Path> {
    use infra_lang::PathStep;
    let mut steps = Vec::new();
    let mut rest = text.trim();
    let ident = |s: &str| -> usize { s.char_indices().find(|(_, c)| !(c.is_alphanumeric() || *c == '_' || *c == '-')).map(|(i, _)| i).unwrap_or(s.len()) };
    let n = ident(rest);
    if n == 0 {
        return None;
    }
    steps.push(PathStep::Attr(rest[..n].to_string()));
    rest = &rest[n..];
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('.') {
            let n = ident(r);
            if n == 0 {
                return None;
            }
            steps.push(PathStep::Attr(r[..n].to_string()));
            rest = &r[n..];
        } else if let Some(r) = rest.strip_prefix('[') {
            let close = r.find(']')?;
            let inner = r[..close].trim();
            if let Some(q) = inner.strip_prefix('"').and_then(|q| q.strip_suffix('"')) {
                steps.push(PathStep::Key(q.to_string()));
            } else {
                steps.push(PathStep::Index(inner.parse().ok()?));
            }
            rest = &r[close + 1..];
        } else {
            return None;
        }
    }
    Some(steps)
}
