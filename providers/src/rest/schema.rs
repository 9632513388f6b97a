//! The nested-attribute schema of a REST resource type: a [`Block`] of [`Attr`]s, where an
//! attribute is either a plain value (`String`, `List of String`, …) or nested attributes
//! (`settings = { … }`, `rules = [ { … } ]`) with their own flags. The engine's [`Schema`] only
//! sees the top level (nested attributes are object-typed attributes to it); planning,
//! validation and normalisation walk the whole tree.
//!
//! Besides the flags of the official docs (required, optional, read-only, sensitive), an
//! attribute carries what only the provider's source says: whether an optional attribute is
//! also computed, its plan-time `default`, whether it keeps its prior value when unknown
//! (`keep_prior`, Terraform's `UseStateForUnknown`), the `api_default` the API fills in when it
//! is left unset, and whether a change forces replacement. [`Block::tweak`] applies those.

use std::collections::BTreeMap;

use infra_lang::{Type, Value};

use crate::rest::json::value_from_json;
use crate::schema::{Attribute, Schema};

/// How nested attributes repeat.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Nesting {
    /// `Attributes`: one object.
    Single,
    /// `Attributes List`: an ordered list of objects.
    List,
    /// `Attributes Set`: a set of objects.
    Set,
    /// `Attributes Map`: a map of objects.
    Map,
}

/// What an attribute holds.
#[derive(Clone, Debug, PartialEq)]
pub enum Kind {
    /// A plain value of this type (primitive, collection of primitives, or `Dynamic`).
    Value(Type),
    /// Nested attributes.
    Nested(Nesting, Block),
}

/// One attribute.
#[derive(Clone, Debug, PartialEq)]
pub struct Attr {
    pub kind: Kind,
    pub description: &'static str,
    pub required: bool,
    pub optional: bool,
    /// Set by the provider or the API (also settable when `optional`).
    pub computed: bool,
    pub sensitive: bool,
    /// Kept as a salted hash in state and plan files (see `Attribute::hashed_in_state`).
    pub hashed_in_state: bool,
    pub deprecated: bool,
    /// A change replaces the object (top-level attributes only).
    pub force_new: bool,
    /// The planned value when the configuration leaves this (optional, computed) attribute null.
    pub default: Option<Value>,
    /// On update, an unknown planned value is replaced by the prior value (the attribute does
    /// not change once set: ids, creation times).
    pub keep_prior: bool,
    /// What the API answers for this attribute when it is not sent; normalisation treats it as
    /// equal to null.
    pub api_default: Option<Value>,
}

impl Attr {
    pub fn new(kind: Kind) -> Attr {
        Attr {
            kind,
            description: "",
            required: false,
            optional: false,
            computed: false,
            sensitive: false,
            hashed_in_state: false,
            deprecated: false,
            force_new: false,
            default: None,
            keep_prior: false,
            api_default: None,
        }
    }

    /// The attribute's value type.
    pub fn ty(&self) -> Type {
        match &self.kind {
            Kind::Value(t) => t.clone(),
            Kind::Nested(nesting, block) => {
                let o = block.object_type();
                match nesting {
                    Nesting::Single => o,
                    Nesting::List => Type::list(o),
                    Nesting::Set => Type::set(o),
                    Nesting::Map => Type::map(o),
                }
            }
        }
    }

    /// The nested attributes, if any.
    pub fn nested(&self) -> Option<(Nesting, &Block)> {
        match &self.kind {
            Kind::Nested(n, b) => Some((*n, b)),
            Kind::Value(_) => None,
        }
    }

    /// Only the provider or the API sets it.
    pub fn read_only(&self) -> bool {
        self.computed && !self.optional && !self.required
    }
}

/// A set of attributes: a resource type, a data source, or one level of nested attributes.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Block {
    pub attrs: BTreeMap<String, Attr>,
}

/// A change to the flags of one attribute (see [`Block::tweak`]).
#[derive(Clone, Debug, PartialEq)]
pub enum Tweak {
    /// Optional and computed: the provider or the API fills it in when unset.
    Computed,
    /// Read-only (computed, neither required nor optional).
    ReadOnly,
    Required,
    Optional,
    ForceNew,
    Sensitive,
    /// A top-level secret stored only as a salted hash (implies `Sensitive`).
    HashedInState,
    KeepPrior,
    /// The plan-time default, as JSON of the attribute's type (implies `Computed`).
    Default(serde_json::Value),
    /// What the API answers when the attribute is not sent.
    ApiDefault(serde_json::Value),
}

impl Block {
    /// The object type of this block's values.
    pub fn object_type(&self) -> Type {
        Type::Object(
            self.attrs
                .iter()
                .map(|(k, a)| (k.clone(), a.ty()))
                .collect(),
        )
    }

    /// An object of this block with every attribute null.
    pub fn null_object(&self) -> Value {
        Value::Object(
            self.attrs
                .iter()
                .map(|(k, a)| (k.clone(), Value::Null(a.ty())))
                .collect(),
        )
    }

    /// The attribute at a dotted path through nested attributes (`rules.action_parameters`).
    pub fn attr(&self, path: &str) -> Option<&Attr> {
        let mut block = self;
        let mut parts = path.split('.').peekable();
        while let Some(name) = parts.next() {
            let attr = block.attrs.get(name)?;
            if parts.peek().is_none() {
                return Some(attr);
            }
            block = attr.nested()?.1;
        }
        None
    }

    fn attr_mut(&mut self, path: &str) -> Option<&mut Attr> {
        let (first, rest) = match path.split_once('.') {
            Some((f, r)) => (f, Some(r)),
            None => (path, None),
        };
        let attr = self.attrs.get_mut(first)?;
        match rest {
            None => Some(attr),
            Some(rest) => match &mut attr.kind {
                Kind::Nested(_, block) => block.attr_mut(rest),
                Kind::Value(_) => None,
            },
        }
    }

    /// Applies flag changes to the attribute at `path`; an error names a path that does not
    /// exist or a default that does not fit the attribute's type.
    pub fn tweak(&mut self, path: &str, tweaks: &[Tweak]) -> Result<(), String> {
        let attr = self
            .attr_mut(path)
            .ok_or_else(|| format!("no attribute {path}"))?;
        for t in tweaks {
            match t {
                Tweak::Computed => {
                    attr.computed = true;
                    if !attr.required {
                        attr.optional = true;
                    }
                }
                Tweak::ReadOnly => {
                    attr.computed = true;
                    attr.optional = false;
                    attr.required = false;
                }
                Tweak::Required => {
                    attr.required = true;
                    attr.optional = false;
                    attr.computed = false;
                }
                Tweak::Optional => {
                    attr.required = false;
                    attr.optional = true;
                }
                Tweak::ForceNew => attr.force_new = true,
                Tweak::Sensitive => attr.sensitive = true,
                Tweak::HashedInState => {
                    attr.sensitive = true;
                    attr.hashed_in_state = true;
                }
                Tweak::KeepPrior => attr.keep_prior = true,
                Tweak::Default(j) => {
                    let v = typed(j, &attr.ty()).map_err(|e| format!("default of {path}: {e}"))?;
                    attr.default = Some(v);
                    attr.computed = true;
                    attr.optional = true;
                    attr.required = false;
                }
                Tweak::ApiDefault(j) => {
                    let v =
                        typed(j, &attr.ty()).map_err(|e| format!("API default of {path}: {e}"))?;
                    attr.api_default = Some(v);
                }
            }
        }
        Ok(())
    }

    /// Applies a list of tweaks, collecting every error.
    pub fn tweak_all(&mut self, overlay: &[(&str, Vec<Tweak>)]) -> Vec<String> {
        overlay
            .iter()
            .filter_map(|(path, tweaks)| self.tweak(path, tweaks).err())
            .collect()
    }

    /// The engine's view: the top-level attributes, nested ones as object-typed attributes.
    pub fn engine_schema(&self, version: u64) -> Schema {
        let mut schema = Schema::new(version);
        for (name, a) in &self.attrs {
            schema.attributes.insert(
                name.clone(),
                Attribute {
                    ty: a.ty(),
                    description: a.description,
                    required: a.required,
                    optional: a.optional,
                    computed: a.computed,
                    sensitive: a.sensitive,
                    force_new: a.force_new,
                    marks_from: None,
                    hashed_in_state: a.hashed_in_state,
                },
            );
        }
        schema
    }

    /// Every dotted attribute path, depth first (for tests and diagnostics).
    pub fn paths(&self) -> Vec<String> {
        let mut out = Vec::new();
        self.collect_paths("", &mut out);
        out
    }

    fn collect_paths(&self, prefix: &str, out: &mut Vec<String>) {
        for (name, a) in &self.attrs {
            let path = if prefix.is_empty() {
                name.clone()
            } else {
                format!("{prefix}.{name}")
            };
            out.push(path.clone());
            if let Some((_, b)) = a.nested() {
                b.collect_paths(&path, out);
            }
        }
    }
}

/// A JSON literal as a value of `ty`, refusing one that does not fit (so that a typo in a
/// default is caught by the schema tests rather than becoming a null).
fn typed(j: &serde_json::Value, ty: &Type) -> Result<Value, String> {
    let v = value_from_json(j, ty);
    if v.is_null() && !j.is_null() {
        return Err(format!("{j} is not a {ty}"));
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn block() -> Block {
        let mut inner = Block::default();
        let mut e = Attr::new(Kind::Value(Type::Bool));
        e.optional = true;
        inner.attrs.insert("enabled".into(), e);
        let mut rules = Attr::new(Kind::Nested(Nesting::List, inner));
        rules.optional = true;
        let mut b = Block::default();
        b.attrs.insert("rules".into(), rules);
        let mut name = Attr::new(Kind::Value(Type::String));
        name.required = true;
        b.attrs.insert("name".into(), name);
        b
    }

    #[test]
    fn paths_types_and_tweaks() {
        let mut b = block();
        assert_eq!(b.paths(), ["name", "rules", "rules.enabled"]);
        assert_eq!(
            b.attr("rules").unwrap().ty(),
            Type::list(Type::Object([("enabled".to_string(), Type::Bool)].into()))
        );
        let errors = b.tweak_all(&[
            ("rules.enabled", vec![Tweak::Default(json!(true))]),
            ("name", vec![Tweak::ForceNew]),
            ("rules.missing", vec![Tweak::Computed]),
            ("rules", vec![Tweak::Default(json!("not a list"))]),
        ]);
        assert_eq!(errors.len(), 2, "{errors:?}");
        let enabled = b.attr("rules.enabled").unwrap();
        assert!(enabled.computed && enabled.optional);
        assert_eq!(enabled.default, Some(Value::Bool(true)));
        let schema = b.engine_schema(1);
        assert!(schema.attributes["name"].force_new && schema.attributes["name"].required);
        assert!(schema.blocks.is_empty());
    }
}
