//! The Cloudflare test peer for the provider tests: `infra_fakes::harness::CloudflarePeer` (the
//! stateful fake behind Prism, which checks every request and answer against the official
//! OpenAPI description), plus the few helpers these tests need: zones with their names, records
//! seeded directly on the fake, faults and request counts per zone.

#![allow(dead_code)]

use infra_fakes::harness::{unique_zone_name, CloudflarePeer, Faults};
use serde_json::{json, Value as J};

pub struct Zone {
    pub id: String,
    pub name: String,
}

pub struct Peer {
    pub api_url: String,
    inner: CloudflarePeer,
}

impl Peer {
    pub async fn start() -> Peer {
        let inner = CloudflarePeer::start().await;
        Peer {
            api_url: inner.api_url.clone(),
            inner,
        }
    }

    /// A new (enterprise plan) zone named `<label>-<random>.infra-test.com`.
    pub async fn new_zone(&self, label: &str) -> Zone {
        let name = unique_zone_name(label);
        let z = self
            .inner
            .new_zone_with(json!({"name": name, "plan": "enterprise"}))
            .await;
        Zone {
            id: z["id"].as_str().expect("zone id").to_string(),
            name,
        }
    }

    /// Creates `n` A records in the zone on the fake directly; returns them as the API does.
    pub async fn seed_records(&self, zone_id: &str, n: usize) -> Vec<J> {
        let direct = self.inner.direct();
        let path = format!("/zones/{zone_id}/dns_records");
        let mut out = Vec::with_capacity(n);
        for chunk in (0..n).collect::<Vec<_>>().chunks(50) {
            let bodies: Vec<J> = chunk
                .iter()
                .map(|i| json!({"type": "A", "name": format!("host{i}"), "content": format!("198.51.{}.{}", i / 250, i % 250 + 1), "ttl": 1}))
                .collect();
            let calls = bodies.iter().map(|b| direct.post(&path, b));
            for r in futures_util::future::join_all(calls).await {
                out.push(r.result().clone());
            }
        }
        out
    }

    pub async fn delete_record(&self, zone_id: &str, id: &str) {
        self.inner
            .direct()
            .delete(&format!("/zones/{zone_id}/dns_records/{id}"))
            .await;
    }

    /// Every record of the zone, read on the fake directly.
    pub async fn list_records(&self, zone_id: &str) -> Vec<J> {
        let r = self
            .inner
            .direct()
            .get(&format!("/zones/{zone_id}/dns_records?per_page=5000000"))
            .await;
        r.result().as_array().cloned().unwrap_or_default()
    }

    pub async fn set_faults(&self, zone_id: &str, faults: J) {
        let faults: Faults = serde_json::from_value(faults).expect("faults");
        self.inner.set_faults(zone_id, faults).await;
    }

    pub async fn clear_faults(&self, zone_id: &str) {
        self.inner.clear_faults(zone_id).await;
    }

    pub async fn reset_stats(&self, zone_id: &str) {
        self.inner.reset_stats(zone_id).await;
    }

    /// The zone's statistics as JSON.
    pub async fn stats(&self, zone_id: &str) -> J {
        serde_json::to_value(self.inner.stats(zone_id).await).expect("stats")
    }

    /// API requests the zone received since the last reset.
    pub async fn requests(&self, zone_id: &str) -> u64 {
        self.inner.stats(zone_id).await.requests
    }

    pub fn via_prism(&self) -> bool {
        self.inner.via_prism
    }
}
