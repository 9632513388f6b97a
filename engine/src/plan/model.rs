//! The plan model: what will happen to each resource instance and output, and why. A `Plan` is
//! a plain value: the plan stage produces it, renderers show it, the plan file stores it and
//! the apply stage replays it.

use std::collections::BTreeMap;

use infra_lang::{Path, Value};

use crate::addrs::{InstanceAddr, ResourceAddr};

/// When a replacement creates the new object relative to destroying the old one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ReplaceOrder {
    DestroyBeforeCreate,
    CreateBeforeDestroy,
}

/// Why an action was chosen, when it is not obvious from the values.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Reason {
    /// Replace: these attribute paths cannot be updated in place.
    CannotUpdate(Vec<Path>),
    /// Replace: `replace_triggered_by` named a reference that changes.
    ReplaceTriggeredBy(String),
    /// Replace: the object is tainted (a create failed partway).
    Tainted,
    /// Delete: the resource block is gone from the configuration.
    NoResourceConfig,
    /// Delete: `count` no longer includes this index.
    CountIndex,
    /// Delete: `for_each` no longer includes this key.
    EachKey,
    /// Delete: `infra destroy` / `-destroy`.
    DestroyMode,
    /// Read: the configuration depends on values known only after apply.
    ConfigUnknown,
    /// Read: a dependency has changes pending.
    DependencyPending,
}

/// What apply will do to one resource instance. Each variant says what `before`/`after` mean:
/// * `NoOp`: before == after (the refreshed state).
/// * `Create`: before is null, after is the planned object (unknown where only apply can tell).
/// * `Update`: both objects; only non-ignored attributes differ.
/// * `Replace`: before is the current object, after the planned new one.
/// * `Delete`: before is the current object, after is null.
/// * `Read`: a data source read deferred to apply; after is the planned (partly unknown) result.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Action {
    NoOp,
    Create,
    Update,
    Replace(ReplaceOrder),
    Delete,
    Read,
    /// `removed { lifecycle { destroy = false } }`: forget the object, keep it in the world.
    /// before is the current object, after is null.
    Forget,
}

impl Action {
    /// Terraform's JSON action list (`["delete","create"]` for a replace, ...).
    pub fn json_actions(&self) -> Vec<&'static str> {
        match self {
            Action::NoOp => vec!["no-op"],
            Action::Create => vec!["create"],
            Action::Update => vec!["update"],
            Action::Replace(ReplaceOrder::DestroyBeforeCreate) => vec!["delete", "create"],
            Action::Replace(ReplaceOrder::CreateBeforeDestroy) => vec!["create", "delete"],
            Action::Delete => vec!["delete"],
            Action::Read => vec!["read"],
            Action::Forget => vec!["forget"],
        }
    }
}

/// A change to one resource instance.
#[derive(Clone, Debug, PartialEq)]
pub struct ResourceChange {
    pub addr: InstanceAddr,
    /// Set when a `moved` block renamed the instance.
    pub prev_addr: Option<InstanceAddr>,
    /// Full provider source, e.g. `registry.terraform.io/hashicorp/null`.
    pub provider: String,
    pub action: Action,
    pub reason: Option<Reason>,
    /// Marked values (sensitive leaves carry marks; planned unknowns are `Value::Unknown`).
    pub before: Value,
    pub after: Value,
    /// Resources this instance depends on (for apply ordering and the state's `dependencies`).
    pub depends_on: Vec<ResourceAddr>,
    pub schema_version: u64,
    pub create_before_destroy: bool,
    /// Set when an `import` block adopts this object: the import ID. `before` is the
    /// imported object.
    pub importing: Option<String>,
}

/// A change to a root module output.
#[derive(Clone, Debug, PartialEq)]
pub struct OutputChange {
    pub name: String,
    pub action: Action,
    pub before: Value,
    pub after: Value,
    pub sensitive: bool,
}

/// What `plan` decided.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    /// True for `destroy` / `plan -destroy`.
    pub destroy: bool,
    /// Resource changes in address order (including no-ops, which renderers skip).
    pub changes: Vec<ResourceChange>,
    /// Changes made outside infra since the last apply, found by refresh: `before` is the last
    /// stored object, `after` the refreshed one (`Delete` when the object is gone).
    pub drift: Vec<ResourceChange>,
    pub outputs: Vec<OutputChange>,
    /// Input variable values the plan was made with (marked), needed to finish evaluation of
    /// values that become known during apply.
    pub variables: BTreeMap<String, Value>,
    /// `-target` addresses the plan was restricted to.
    pub targets: Vec<String>,
    /// The refreshed prior state (what apply starts from).
    pub prior_state: infra_state::State,
    /// sha256 of the state the plan was made from and of the configuration.
    pub prior_state_hash: String,
    pub config_hash: String,
    /// Non-fatal diagnostics collected while planning, rendered with the plan.
    pub warnings: Vec<String>,
}

impl Plan {
    /// True when apply would change no resources and no outputs.
    pub fn is_empty(&self) -> bool {
        self.changes.iter().all(|c| c.action == Action::NoOp && c.importing.is_none()) && self.outputs.iter().all(|o| o.action == Action::NoOp)
    }

    /// (to add, to change, to destroy) as in `Plan: X to add, Y to change, Z to destroy.`
    pub fn counts(&self) -> (usize, usize, usize) {
        let (mut add, mut change, mut destroy) = (0, 0, 0);
        for c in &self.changes {
            match c.action {
                Action::Create => add += 1,
                Action::Update => change += 1,
                Action::Replace(_) => {
                    add += 1;
                    destroy += 1
                }
                Action::Delete => destroy += 1,
                Action::NoOp | Action::Read | Action::Forget => {}
            }
        }
        (add, change, destroy)
    }

    /// (to import, to forget).
    pub fn import_forget_counts(&self) -> (usize, usize) {
        (self.changes.iter().filter(|c| c.importing.is_some()).count(), self.changes.iter().filter(|c| c.action == Action::Forget).count())
    }
}
