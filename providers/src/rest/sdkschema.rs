//! Hand-written schemas in the style of terraform-plugin-sdk v2 providers, whose documentation
//! pages have an "Argument Reference" instead of a generated `## Schema` section (the GitHub
//! provider's older pages), and whose nested settings are **blocks**:
//!
//! ```text
//! template {                       # Block List, Max: 1
//!   owner      = "github"
//!   repository = "template"
//! }
//! ```
//!
//! A block is a nested attribute of the [`Block`] tree (so planning, normalisation and JSON
//! conversion work unchanged) that the engine sees as a block type ([`crate::BlockType`]): its
//! value is a list (or set) of objects, empty when the configuration has none, and expressions
//! index it as Terraform does (`security_and_analysis[0].secret_scanning[0].status`).
//! [`SdkSchema`] builds both views; [`BlockLayout`] remembers which paths are blocks and
//! converts between the one-element lists of `Max: 1` blocks and the plain objects APIs use.
//!
//! ```
//! use infra_lang::Type;
//! use infra_providers::rest::sdkschema::SdkSchema;
//! let s = SdkSchema::new()
//!     .required("name", Type::String, "The name.")
//!     .block_list("template", 0, 1, "Create from a template.", SdkSchema::new()
//!         .required("owner", Type::String, "Template owner."));
//! let (spec, layout, errors) = s.into_spec("x_repo", 0, &[], Default::default());
//! assert!(errors.is_empty());
//! assert!(spec.schema.blocks.contains_key("template"));
//! assert!(layout.is_block("template"));
//! ```

use std::collections::BTreeMap;

use infra_lang::{Type, Value};

use crate::rest::normalize::Normalizer;
use crate::rest::resource::TypeSpec;
use crate::rest::schema::{Attr, Block, Kind, Nesting, Tweak};
use crate::schema::{Attribute, BlockType, Nesting as EngineNesting, Schema};

/// How one block repeats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlockShape {
    /// A `Block Set` (unordered) rather than a `Block List`.
    pub set: bool,
    pub min_items: u64,
    /// 0: no limit.
    pub max_items: u64,
}

/// Which dotted attribute paths of a [`Block`] tree are blocks.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BlockLayout {
    shapes: BTreeMap<String, BlockShape>,
}

fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_string()
    } else {
        format!("{prefix}.{name}")
    }
}

impl BlockLayout {
    pub fn shape(&self, path: &str) -> Option<BlockShape> {
        self.shapes.get(path).copied()
    }

    pub fn is_block(&self, path: &str) -> bool {
        self.shapes.contains_key(path)
    }

    /// The engine's view of `block`: plain attributes, and block types for the block paths.
    pub fn engine_schema(&self, block: &Block, version: u64) -> Schema {
        let mut schema = self.engine_level(block, "");
        schema.version = version;
        schema
    }

    fn engine_level(&self, block: &Block, prefix: &str) -> Schema {
        let mut schema = Schema::new(0);
        for (name, a) in &block.attrs {
            let path = join(prefix, name);
            match (self.shape(&path), a.nested()) {
                (Some(shape), Some((_, inner))) => {
                    let nesting = if shape.set {
                        EngineNesting::Set
                    } else {
                        EngineNesting::List
                    };
                    schema.blocks.insert(
                        name.clone(),
                        BlockType {
                            nesting,
                            block: self.engine_level(inner, &path),
                            min_items: shape.min_items,
                            max_items: shape.max_items,
                        },
                    );
                }
                _ => {
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
            }
        }
        schema
    }

    /// A configuration in which computed blocks the configuration leaves out (an empty list,
    /// as the engine passes absent blocks) are null, at every level: in the SDK an absent
    /// Optional+Computed block means "whatever the API has", not "none".
    pub fn unset_empty_computed_blocks(&self, block: &Block, v: &Value) -> Value {
        self.unset_level(block, "", v)
    }

    fn unset_level(&self, block: &Block, prefix: &str, v: &Value) -> Value {
        let Some(entries) = v.as_entries() else {
            return v.clone();
        };
        let mut out = entries.clone();
        for (name, a) in &block.attrs {
            let path = join(prefix, name);
            let Some((_, inner)) = a.nested().filter(|_| self.is_block(&path)) else {
                continue;
            };
            let Some(value) = entries.get(name) else {
                continue;
            };
            let new = match value.as_seq() {
                Some([]) if a.computed => Value::Null(a.ty()),
                Some(items) if value.is_known() => {
                    let items: Vec<Value> = items
                        .iter()
                        .map(|e| self.unset_level(inner, &path, e))
                        .collect();
                    match value {
                        Value::Set(t, _) => infra_lang::collections::make_set(t.clone(), items),
                        Value::List(t, _) => Value::List(t.clone(), items),
                        _ => Value::List(inner.object_type(), items),
                    }
                }
                _ => value.clone(),
            };
            out.insert(name.clone(), new);
        }
        Value::Object(out)
    }

    /// API-shaped JSON (`{"template": {"owner": …}}`) to the schema's shape, every `Max: 1`
    /// block wrapped in a one-element list (`{"template": [{"owner": …}]}`), at every level;
    /// an absent or null `Max: 1` block becomes `[]`, as the SDK stores it.
    pub fn wrap_single_blocks(&self, block: &Block, j: &serde_json::Value) -> serde_json::Value {
        self.wrap_level(block, "", j)
    }

    fn wrap_level(&self, block: &Block, prefix: &str, j: &serde_json::Value) -> serde_json::Value {
        use serde_json::Value as J;
        let J::Object(o) = j else {
            return j.clone();
        };
        let mut out = o.clone();
        for (name, a) in &block.attrs {
            let path = join(prefix, name);
            let (Some(shape), Some((_, inner))) = (self.shape(&path), a.nested()) else {
                continue;
            };
            let v = o.get(name).cloned().unwrap_or(J::Null);
            let wrapped = match v {
                J::Null if shape.max_items == 1 => J::Array(vec![]),
                J::Object(_) => J::Array(vec![self.wrap_level(inner, &path, &v)]),
                J::Array(items) => J::Array(
                    items
                        .iter()
                        .map(|e| self.wrap_level(inner, &path, e))
                        .collect(),
                ),
                other => other,
            };
            out.insert(name.clone(), wrapped);
        }
        J::Object(out)
    }

    /// The reverse of [`BlockLayout::wrap_single_blocks`]: every `Max: 1` block's list
    /// becomes its one object (null when empty), at every level. Other blocks stay lists.
    pub fn unwrap_single_blocks(&self, block: &Block, j: &serde_json::Value) -> serde_json::Value {
        self.unwrap_level(block, "", j)
    }

    fn unwrap_level(
        &self,
        block: &Block,
        prefix: &str,
        j: &serde_json::Value,
    ) -> serde_json::Value {
        use serde_json::Value as J;
        let J::Object(o) = j else {
            return j.clone();
        };
        let mut out = o.clone();
        for (name, a) in &block.attrs {
            let path = join(prefix, name);
            let (Some(shape), Some((_, inner))) = (self.shape(&path), a.nested()) else {
                continue;
            };
            let Some(v) = o.get(name) else {
                continue;
            };
            let unwrapped = match v {
                J::Array(items) if shape.max_items == 1 => items
                    .first()
                    .map(|e| self.unwrap_level(inner, &path, e))
                    .unwrap_or(J::Null),
                J::Array(items) => J::Array(
                    items
                        .iter()
                        .map(|e| self.unwrap_level(inner, &path, e))
                        .collect(),
                ),
                other => other.clone(),
            };
            out.insert(name.clone(), unwrapped);
        }
        J::Object(out)
    }
}

/// A hand-written schema: a [`Block`] of attributes and the [`BlockLayout`] of its blocks.
#[derive(Clone, Debug, Default)]
pub struct SdkSchema {
    pub block: Block,
    pub layout: BlockLayout,
}

impl SdkSchema {
    pub fn new() -> SdkSchema {
        SdkSchema::default()
    }

    fn attr(
        mut self,
        name: &str,
        ty: Type,
        description: &'static str,
        f: fn(&mut Attr),
    ) -> SdkSchema {
        let mut a = Attr::new(Kind::Value(ty));
        a.description = description;
        f(&mut a);
        self.block.attrs.insert(name.to_string(), a);
        self
    }

    pub fn required(self, name: &str, ty: Type, description: &'static str) -> SdkSchema {
        self.attr(name, ty, description, |a| a.required = true)
    }

    pub fn optional(self, name: &str, ty: Type, description: &'static str) -> SdkSchema {
        self.attr(name, ty, description, |a| a.optional = true)
    }

    /// Optional, and filled in by the provider or the API when unset.
    pub fn optional_computed(self, name: &str, ty: Type, description: &'static str) -> SdkSchema {
        self.attr(name, ty, description, |a| {
            a.optional = true;
            a.computed = true;
        })
    }

    /// Read-only.
    pub fn computed(self, name: &str, ty: Type, description: &'static str) -> SdkSchema {
        self.attr(name, ty, description, |a| a.computed = true)
    }

    fn nested_block(
        mut self,
        name: &str,
        shape: BlockShape,
        description: &'static str,
        inner: SdkSchema,
    ) -> SdkSchema {
        let nesting = if shape.set {
            Nesting::Set
        } else {
            Nesting::List
        };
        let mut a = Attr::new(Kind::Nested(nesting, inner.block));
        a.description = description;
        a.required = shape.min_items > 0;
        a.optional = !a.required;
        self.block.attrs.insert(name.to_string(), a);
        self.layout.shapes.insert(name.to_string(), shape);
        for (path, s) in inner.layout.shapes {
            self.layout.shapes.insert(format!("{name}.{path}"), s);
        }
        self
    }

    /// A `Block List` of at least `min` and at most `max` (0: any number) blocks.
    pub fn block_list(
        self,
        name: &str,
        min: u64,
        max: u64,
        description: &'static str,
        inner: SdkSchema,
    ) -> SdkSchema {
        let shape = BlockShape {
            set: false,
            min_items: min,
            max_items: max,
        };
        self.nested_block(name, shape, description, inner)
    }

    /// A `Block Set` of at least `min` and at most `max` (0: any number) blocks.
    pub fn block_set(
        self,
        name: &str,
        min: u64,
        max: u64,
        description: &'static str,
        inner: SdkSchema,
    ) -> SdkSchema {
        let shape = BlockShape {
            set: true,
            min_items: min,
            max_items: max,
        };
        self.nested_block(name, shape, description, inner)
    }

    /// The type spec (with the engine schema showing the blocks) and the layout, after the
    /// overlay's tweaks; problems are returned (the schema tests assert there are none).
    pub fn into_spec(
        mut self,
        name: &'static str,
        version: u64,
        overlay: &[(&str, Vec<Tweak>)],
        normalizer: Normalizer,
    ) -> (TypeSpec, BlockLayout, Vec<String>) {
        let mut errors: Vec<String> = self
            .block
            .tweak_all(overlay)
            .into_iter()
            .map(|e| format!("{name}: {e}"))
            .collect();
        for path in normalizer.paths() {
            if self.block.attr(path).is_none() {
                errors.push(format!(
                    "{name}: normaliser rule for missing attribute {path}"
                ));
            }
        }
        let mut spec = TypeSpec::new(name, self.block, version, normalizer);
        spec.schema = self.layout.engine_schema(&spec.block, version);
        (spec, self.layout, errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema() -> (TypeSpec, BlockLayout) {
        let s = SdkSchema::new()
            .required("name", Type::String, "n")
            .block_list(
                "security",
                0,
                1,
                "s",
                SdkSchema::new().block_list(
                    "scanning",
                    0,
                    1,
                    "x",
                    SdkSchema::new().required("status", Type::String, "st"),
                ),
            )
            .block_set(
                "reviewers",
                0,
                0,
                "r",
                SdkSchema::new().optional("users", Type::set(Type::Number), "u"),
            );
        let (spec, layout, errors) = s.into_spec(
            "t",
            1,
            &[("security", vec![Tweak::Computed])],
            Normalizer::new(),
        );
        assert!(errors.is_empty(), "{errors:?}");
        (spec, layout)
    }

    #[test]
    fn engine_sees_nested_blocks() {
        let (spec, layout) = schema();
        let sec = &spec.schema.blocks["security"];
        assert_eq!(sec.nesting, EngineNesting::List);
        assert_eq!(sec.max_items, 1);
        assert!(sec.block.blocks["scanning"].block.attributes["status"].required);
        assert_eq!(spec.schema.blocks["reviewers"].nesting, EngineNesting::Set);
        assert!(spec.schema.attributes["name"].required);
        assert!(!spec.schema.attributes.contains_key("security"));
        // The engine's object type and the block tree's agree.
        assert_eq!(spec.schema.object_type(), spec.block.object_type());
        assert!(layout.is_block("security.scanning"));
    }

    #[test]
    fn single_blocks_wrap_and_unwrap() {
        let (spec, layout) = schema();
        let api = json!({"name": "a", "security": {"scanning": {"status": "enabled"}}, "reviewers": [{"users": [1]}]});
        let tf = layout.wrap_single_blocks(&spec.block, &api);
        assert_eq!(
            tf,
            json!({"name": "a", "security": [{"scanning": [{"status": "enabled"}]}], "reviewers": [{"users": [1]}]})
        );
        assert_eq!(layout.unwrap_single_blocks(&spec.block, &tf), api);
        let none = layout.wrap_single_blocks(&spec.block, &json!({"name": "a"}));
        assert_eq!(none["security"], json!([]));
    }

    #[test]
    fn absent_computed_blocks_are_unset() {
        let (spec, layout) = schema();
        let v = spec.from_json(&json!({"name": "a", "security": [], "reviewers": []}));
        let u = layout.unset_empty_computed_blocks(&spec.block, &v);
        assert!(u.get_attr("security").unwrap().is_null());
        assert_eq!(
            u.get_attr("reviewers").unwrap().as_seq().map(|s| s.len()),
            Some(0),
            "a non-computed block stays an empty list"
        );
    }
}
