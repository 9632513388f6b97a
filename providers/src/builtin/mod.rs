//! infra's built-in providers, which run in-process: `hashicorp/null`, `hashicorp/random`,
//! `hashicorp/tls` and the `terraform.io/builtin/terraform` provider. All their resources are
//! logical: they exist only in state, so reading returns the state unchanged and deleting only
//! forgets it.

pub(crate) mod common;
pub mod null;
pub mod random;
pub mod terraform;
pub mod tls;

pub use null::NullProvider;
pub use random::RandomProvider;
pub use terraform::TerraformProvider;
pub use tls::TlsProvider;
