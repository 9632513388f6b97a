//! infra-engine: the stages between files and state.
//!
//! * [`config`]: `.tf` files → [`config::Config`] (unevaluated expressions with locations).
//! * [`diag`]: diagnostics and their rendering.
//! * [`addrs`]: resource and instance addresses.
//! * [`plan`]: the plan model ([`plan::model`]).
//! * [`render`]: plans to text and to Terraform-compatible JSON.
//! * [`planfile`]: the saved plan format.

pub mod addrs;
pub mod config;
pub mod diag;
pub mod plan;
pub mod planfile;
pub mod render;
pub mod apply;
pub mod eval;
pub mod graph;
pub mod statevals;
pub mod vars;
pub mod jsonconfig;
pub mod config_json;
pub mod fmt;
pub mod validate;
pub mod console;
pub mod parse_errors;
pub mod import;
