//! Contract tests of the GitHub fake. Everything that can go through Prism does (via the
//! harness), so a response of the fake that leaves GitHub's official description fails the
//! test with Prism's list of violations. Each test works in repositories of its own.

mod access;
mod actions;
mod comments;
mod contract;
mod deploy_keys;
mod environments;
mod hooks;
mod http;
mod protection;
mod repos;
mod rulesets;

use infra_fakes::harness::{unique_repo_name, ApiResponse, GithubPeer, GITHUB_TEST_ORG};

/// The shared peer and a fresh repository (with branch `main`) in the test organization:
/// `(peer, "org/name")`.
pub async fn peer_with_repo(prefix: &str) -> (GithubPeer, String) {
    let peer = GithubPeer::start().await;
    let name = unique_repo_name(prefix);
    let repo = peer.new_repo(GITHUB_TEST_ORG, &name).await;
    let full = repo["full_name"]
        .as_str()
        .unwrap_or_else(|| panic!("repository without full_name: {repo}"))
        .to_string();
    (peer, full)
}

/// Panics unless the response has `status` and no Prism violation.
#[track_caller]
pub fn expect(r: &ApiResponse, status: u16) {
    if r.status != status
        || r.violations()
            .is_some_and(|v| v.contains("\"severity\":\"Error\""))
    {
        panic!("expected {status} without contract violations, got {r}");
    }
}
