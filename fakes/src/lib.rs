//! Stateful fakes of the vendor APIs infra manages, used as test peers.
//!
//! - [`cloudflare`]: an in-memory fake of the Cloudflare v4 REST API (zones, DNS records, zone
//!   settings, rulesets, health checks, page rules) with an admin API under `/__fake/` for
//!   creating zones, injecting faults and reading request statistics.
//! - [`github`]: an in-memory fake of the GitHub REST API (repositories, branch protection,
//!   rulesets, Actions secrets as real sealed boxes and variables, environments, webhooks,
//!   deploy keys, collaborators and teams, issue comments, pull requests) with an admin API under
//!   `/__fake/`, GitHub's rate limit headers, `ETag`s and `Link` pagination.
//! - [`harness`]: starts the fake (or uses the shared one named by `INFRA_CF_API_URL` /
//!   `INFRA_CF_FAKE_URL`) behind Stoplight Prism, so that every test request and every fake
//!   response is checked against Cloudflare's official OpenAPI description.

pub mod cloudflare;
pub mod github;
pub mod harness;
