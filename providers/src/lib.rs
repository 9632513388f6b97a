//! infra-providers: the [`Provider`] trait every provider implements, the [`schema`] types that
//! drive validation, diffing and replacement, infra's [`builtin`] providers (`hashicorp/null`,
//! `hashicorp/random`, `terraform.io/builtin/terraform`) and the [`Registry`] that finds a
//! provider by its source address.

pub mod builtin;
pub mod cloudflare;
pub mod github;
pub mod http;
pub mod provider;
pub mod registry;
pub mod rest;
pub mod schema;

pub use provider::{plan_from_schema, PlannedState, Provider, ProviderError};
pub use registry::Registry;
pub use schema::{Attribute, BlockType, Nesting, ProviderSchema, Schema};
