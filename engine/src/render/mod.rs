//! Plan rendering: the human text plan (Terraform 1.x style, [`text`]), the machine JSON
//! plan (`terraform show -json` schema with sensitive leaves redacted, [`json`]) and the plan as
//! GitHub-flavoured Markdown for pull-request comments ([`markdown`], built on [`text`]).
//!
//! The renderers only read a [`crate::plan::model::Plan`]; none prints. Sensitive values
//! never reach the output of any: text and Markdown show `(sensitive value)`, JSON writes `null`.

pub mod json;
pub mod markdown;
pub mod text;

pub use json::{plan_json, plan_json_at, JsonConfigInput};
pub use markdown::{render_markdown, MarkdownOptions};
pub use text::{render_apply_summary, render_outputs, render_plan, render_value, TextOptions};

#[cfg(test)]
mod markdown_tests;
#[cfg(test)]
mod tests;
