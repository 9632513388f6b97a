//! Contract tests of the Cloudflare fake. Everything that can go through Prism does (via the
//! harness), so a response of the fake that leaves the official description fails the test
//! with Prism's list of violations. Each test works in a zone of its own.

mod admin;
mod contract;
mod dns;
mod faults;
mod healthchecks;
mod pagerules;
mod rulesets;
mod settings;
mod zones;

use infra_fakes::harness::{unique_zone_name, CloudflarePeer};

/// The shared peer and a fresh zone in it.
pub async fn peer_with_zone(prefix: &str) -> (CloudflarePeer, String, String) {
    let peer = CloudflarePeer::start().await;
    let name = unique_zone_name(prefix);
    let zone_id = peer.new_zone(&name).await;
    (peer, zone_id, name)
}
