//! Planning: refresh, evaluate and diff, producing a [`model::Plan`].

pub mod model;
pub mod planner;

pub use model::{Action, OutputChange, Plan, Reason, ReplaceOrder, ResourceChange};
pub use planner::{plan, PlanOptions, Providers};
