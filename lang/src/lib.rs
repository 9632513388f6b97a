//! infra-lang: the values, types and functions of the Terraform language, shared by the engine
//! (which evaluates configurations) and the providers (which receive and return values).
//!
//! * [`value`]: `Value` with *unknown* and *sensitive* marks, paths, JSON conversion.
//! * [`types`]: `Type` and cty's JSON type encoding.
//! * [`number`]: the opaque `Number`.
//! * [`collections`]: set order.
//! * [`convert`]: conversions, unification and type constraints.
//! * [`eval`]: expression evaluation.
//! * [`references`]: variable traversals in expressions, for the dependency graph.
//! * [`functions`]: the built-in function table.
//! * [`diagnostic`]: user-facing errors with spans.

pub mod collections;
pub mod constraint;
pub mod convert;
pub mod diagnostic;
pub mod eval;
pub mod functions;
pub mod number;
pub mod references;
mod template;
pub mod types;
pub mod value;

pub use diagnostic::{Diagnostic, Severity};
pub use eval::{eval, EvalContext};
pub use functions::{call_function, function_names};
pub use number::Number;
pub use references::{references, Traversal, TraversalStep};
pub use types::Type;
pub use value::{Marks, Path, PathStep, Value};
