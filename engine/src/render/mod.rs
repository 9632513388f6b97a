//! Plan rendering: the human text plan (Terraform 1.x style, [`text`]) and the machine JSON
//! plan (`terraform show -json` schema with sensitive leaves redacted, [`json`]).
//!
//! Both renderers only read a [`crate::plan::model::Plan`]; neither prints. Sensitive values
//! never reach the output of either: text shows `(sensitive value)`, JSON writes `null`.

pub mod json;
pub mod text;

pub use json::{plan_json, plan_json_at, JsonConfigInput};
pub use text::{render_apply_summary, render_outputs, render_plan, render_value, TextOptions};

#[cfg(test)]
mod tests;
