//! `providers::rest`: the glue every REST cloud provider (Cloudflare, GitHub, Vercel) shares,
//! so that a vendor module is its `configure` step plus, per type, a schema and a mapping.
//!
//! - [`schema`]: nested-attribute schemas ([`Block`], [`Attr`]) and their [`Tweak`]s.
//! - [`docschema`]: the schema read from the official documentation page.
//! - [`json`]: schema-typed JSON ⇄ [`Value`](infra_lang::Value) and request bodies.
//! - [`plan`]: framework-style planning (defaults, computed values, replacement, pairing).
//! - [`normalize`]: semantic equality, keeping our representation of equal values.
//! - [`idempotent`]: create at most once under ambiguous failures; idempotent deletes.
//! - [`sdkschema`]: hand-written schemas with SDK-style nested blocks (`template { … }`).
//! - [`resource`]: the [`RestResource`] / [`DataSource`] / [`Configure`] traits and the
//!   [`RestProvider`] dispatcher that implements [`Provider`](crate::Provider).

pub mod docschema;
pub mod idempotent;
pub mod json;
pub mod normalize;
pub mod plan;
pub mod resource;
pub mod schema;
pub mod sdkschema;

pub use idempotent::{create_once, delete_idempotent, is_ambiguous, CreateError, CreatePolicy};
pub use json::{json_from_value, request_json, strip_nulls, value_from_json};
pub use normalize::{reconcile, Normalizer};
pub use resource::{split_import_id, Configure, DataSource, RestProvider, RestResource, TypeSpec};
pub use schema::{Attr, Block, Kind, Nesting, Tweak};
