//! infra-state: the state model, its on-disk formats and the backends that store it.
//!
//! - [`model`]: the state, [`State`], and the records it holds (engine-independent, JSON attribute values).
//! - [`tfstate`]: the conversion to and from Terraform's `terraform.tfstate` format version 4.
//! - [`local`]: the local file backend (atomic writes, backups, crash recovery).
//! - [`lock`]: state locking (OS lock + Terraform-style lock info file).
//! - [`journal`]: the append-only per-operation journal used during apply.
//! - [`error`]: the crate's error type, [`StateError`].
//!
//! The on-disk format is documented in `state/FORMAT.md`.

// Errors carry the holder's `LockInfo` and both sides of a journal mismatch by value; they
// are the cold path, so their size does not matter.
#![allow(clippy::result_large_err)]

mod atomic;
mod clock;
pub mod error;
pub mod journal;
pub mod local;
pub mod lock;
pub mod model;
pub mod tfstate;

pub use error::StateError;
pub use journal::Journal;
pub use local::LocalBackend;
pub use lock::{LockInfo, StateLock};
pub use model::{
    IndexKey, Mode, OutputState, PathStep, ResourceInstanceState, State, STATE_FORMAT_VERSION,
};
pub use tfstate::{from_terraform_v4, to_terraform_v4, to_terraform_v4_pretty};
