//! Schemas: what a provider declares about each resource type and data source. The engine uses
//! a schema to validate configuration, to fill in computed attributes, to decide which changes
//! force replacement, and to mark sensitive attributes.

use std::collections::BTreeMap;

use infra_lang::Type;

/// One attribute of a resource type, data source or provider configuration.
#[derive(Clone, Debug, PartialEq)]
pub struct Attribute {
    pub ty: Type,
    pub description: &'static str,
    pub required: bool,
    pub optional: bool,
    /// Set by the provider (possibly also settable when `optional`).
    pub computed: bool,
    /// Values are marked sensitive wherever they flow.
    pub sensitive: bool,
    /// A change to this attribute forces replacement of the object.
    pub force_new: bool,
    /// This computed attribute is derived from another attribute's value (e.g. terraform_data's
    /// `output` from `input`): the engine copies that attribute's sensitive marks onto it.
    pub marks_from: Option<&'static str>,
    /// A secret that must never be stored in clear (e.g. a GitHub Actions secret's
    /// `plaintext_value`): the engine keeps a salted hash of it in state and plan files, and
    /// compares the configuration against that hash. Providers see the plain value only in the
    /// `planned` value of a create or update; on read they return the prior value unchanged.
    pub hashed_in_state: bool,
}

impl Attribute {
    fn new(ty: Type) -> Attribute {
        Attribute { ty, description: "", required: false, optional: false, computed: false, sensitive: false, force_new: false, marks_from: None, hashed_in_state: false }
    }
    pub fn required(ty: Type) -> Attribute {
        Attribute { required: true, ..Attribute::new(ty) }
    }
    pub fn optional(ty: Type) -> Attribute {
        Attribute { optional: true, ..Attribute::new(ty) }
    }
    pub fn computed(ty: Type) -> Attribute {
        Attribute { computed: true, ..Attribute::new(ty) }
    }
    pub fn optional_computed(ty: Type) -> Attribute {
        Attribute { optional: true, computed: true, ..Attribute::new(ty) }
    }
    pub fn sensitive(mut self) -> Attribute {
        self.sensitive = true;
        self
    }
    pub fn force_new(mut self) -> Attribute {
        self.force_new = true;
        self
    }
    /// Stored as a salted hash, never in clear (implies sensitive).
    pub fn hashed_in_state(mut self) -> Attribute {
        self.hashed_in_state = true;
        self.sensitive = true;
        self
    }
    pub fn marks_from(mut self, source: &'static str) -> Attribute {
        self.marks_from = Some(source);
        self
    }
    pub fn describe(mut self, d: &'static str) -> Attribute {
        self.description = d;
        self
    }
}

/// How a nested block type repeats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Nesting {
    /// At most one block; the value is an object (null when absent).
    Single,
    /// Ordered blocks; the value is a list of objects.
    List,
    /// Unordered blocks; the value is a set of objects.
    Set,
}

/// A nested block type (`rule { ... }` inside a resource).
#[derive(Clone, Debug, PartialEq)]
pub struct BlockType {
    pub nesting: Nesting,
    pub block: Schema,
    pub min_items: u64,
    /// 0: no limit.
    pub max_items: u64,
}

impl BlockType {
    /// The type of the block type's value in the resource object.
    pub fn value_type(&self) -> Type {
        let o = self.block.object_type();
        match self.nesting {
            Nesting::Single => o,
            Nesting::List => Type::list(o),
            Nesting::Set => Type::set(o),
        }
    }
}

/// The schema of one resource type or data source.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Schema {
    pub version: u64,
    pub attributes: BTreeMap<String, Attribute>,
    pub blocks: BTreeMap<String, BlockType>,
}

impl Schema {
    pub fn new(version: u64) -> Schema {
        Schema { version, attributes: BTreeMap::new(), blocks: BTreeMap::new() }
    }
    pub fn attr(mut self, name: &str, a: Attribute) -> Schema {
        self.attributes.insert(name.to_string(), a);
        self
    }
    pub fn block(mut self, name: &str, nesting: Nesting, block: Schema) -> Schema {
        self.blocks.insert(name.to_string(), BlockType { nesting, block, min_items: 0, max_items: 0 });
        self
    }
    /// The object type of this schema's values (attributes and nested blocks).
    pub fn object_type(&self) -> Type {
        let mut m: BTreeMap<String, Type> = self.attributes.iter().map(|(k, a)| (k.clone(), a.ty.clone())).collect();
        m.extend(self.blocks.iter().map(|(k, b)| (k.clone(), b.value_type())));
        Type::Object(m)
    }
}

/// Everything a provider declares.
#[derive(Clone, Debug, Default)]
pub struct ProviderSchema {
    pub provider: Schema,
    pub resources: BTreeMap<String, Schema>,
    pub data_sources: BTreeMap<String, Schema>,
}
