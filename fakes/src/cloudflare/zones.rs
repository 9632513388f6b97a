//! Zones: the zone object, `GET /zones` (filters, ordering, paging) and `GET /zones/{zone_id}`.
//!
//! Zones are created only through the admin API (`POST /__fake/zones`), like zones that already
//! exist in a real account; the API side is read-only.

use axum::extract::{Path, RawQuery, State};
use axum::http::Uri;
use serde_json::{json, Value};

use super::envelope::{ok, ok_list, paginate, ApiError, ApiResult, Query};
use super::{lock, new_id, now, AppState};

/// The account every zone belongs to unless the admin call names another.
pub const DEFAULT_ACCOUNT_ID: &str = "9a7806061c88ada191ed06f989cc3dac";
pub const DEFAULT_ACCOUNT_NAME: &str = "Infra Fake Account";

/// A zone's plan; it decides quotas such as the number of page rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plan {
    Free,
    Pro,
    Business,
    Enterprise,
}

impl Plan {
    pub fn parse(s: &str) -> Option<Plan> {
        match s {
            "free" => Some(Plan::Free),
            "pro" => Some(Plan::Pro),
            "business" => Some(Plan::Business),
            "enterprise" => Some(Plan::Enterprise),
            _ => None,
        }
    }

    pub fn page_rule_quota(self) -> usize {
        match self {
            Plan::Free => 3,
            Plan::Pro => 20,
            Plan::Business => 50,
            Plan::Enterprise => 125,
        }
    }

    fn to_json(self) -> Value {
        let (id, name, legacy, price) = match self {
            Plan::Free => (
                "0feeeeeeeeeeeeeeeeeeeeeeeeeeeeee",
                "Free Website",
                "free",
                0,
            ),
            Plan::Pro => ("94f3b7b768b0458b56d2cac4fe5ec0f9", "Pro Website", "pro", 20),
            Plan::Business => (
                "6d7f2f5f5b1d4a0e9081fdc98d432fd1",
                "Business Website",
                "business",
                200,
            ),
            Plan::Enterprise => (
                "9f5e16a3b9ae4bb5a5e8e2fbd0b1fd1b",
                "Enterprise Website",
                "enterprise",
                5000,
            ),
        };
        json!({
            "id": id,
            "name": name,
            "price": price,
            "currency": "USD",
            "frequency": if price == 0 { "" } else { "monthly" },
            "is_subscribed": true,
            "can_subscribe": false,
            "legacy_id": legacy,
            "legacy_discount": false,
            "externally_managed": false,
        })
    }
}

/// A zone as the API describes it.
#[derive(Debug, Clone)]
pub struct Zone {
    pub id: String,
    pub name: String,
    pub status: String,
    pub account_id: String,
    pub account_name: String,
    pub plan: Plan,
    pub name_servers: Vec<String>,
    pub created_on: String,
    pub modified_on: String,
    pub activated_on: Option<String>,
}

/// The account already has a zone with that name.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0} already exists")]
pub struct ZoneExists(pub String);

/// Checks a zone name against the description's pattern and returns it in lowercase.
pub fn normalize_zone_name(name: &str) -> Option<String> {
    let name = name.trim().trim_end_matches('.').to_ascii_lowercase();
    let labels: Vec<&str> = name.split('.').collect();
    let (tld, rest) = labels.split_last()?;
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && l.starts_with(|c: char| c.is_ascii_alphanumeric())
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    let tld_ok =
        (2..=20).contains(&tld.len()) && tld.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    (name.len() <= 253 && !rest.is_empty() && rest.iter().all(|l| label_ok(l)) && tld_ok)
        .then_some(name)
}

impl Zone {
    /// A new zone; `status` is usually `active` (then `activated_on` is set).
    pub fn new(
        name: String,
        account_id: String,
        account_name: String,
        status: String,
        plan: Plan,
    ) -> Zone {
        let now = now();
        // Two name servers from Cloudflare's pool, picked from the zone name so they are stable.
        const POOL: [&str; 8] = ["ada", "bob", "cruz", "dana", "elias", "fay", "gabe", "hana"];
        let h = name.bytes().fold(7usize, |acc, b| {
            acc.wrapping_mul(31).wrapping_add(b as usize)
        });
        let first = POOL[h % POOL.len()];
        let second = POOL[(h / POOL.len() + 1 + h % POOL.len()) % POOL.len()];
        let second = if second == first {
            POOL[(h + 1) % POOL.len()]
        } else {
            second
        };
        Zone {
            id: new_id(),
            activated_on: (status == "active").then(|| now.clone()),
            name,
            status,
            account_id,
            account_name,
            plan,
            name_servers: vec![
                format!("{first}.ns.cloudflare.com"),
                format!("{second}.ns.cloudflare.com"),
            ],
            created_on: now.clone(),
            modified_on: now,
        }
    }

    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "name": self.name,
            "status": self.status,
            "paused": false,
            "type": "full",
            "development_mode": 0,
            "name_servers": self.name_servers,
            "original_name_servers": null,
            "original_registrar": null,
            "original_dnshost": null,
            "vanity_name_servers": [],
            "created_on": self.created_on,
            "modified_on": self.modified_on,
            "activated_on": self.activated_on,
            "meta": {
                "step": 2,
                "custom_certificate_quota": 0,
                "page_rule_quota": self.plan.page_rule_quota(),
                "phishing_detected": false,
                "foundation_dns": false,
            },
            "owner": {"id": self.account_id, "type": "organization", "name": self.account_name},
            "account": {"id": self.account_id, "name": self.account_name},
            "permissions": ["#zone:read", "#zone:edit", "#dns_records:read", "#dns_records:edit"],
            "plan": self.plan.to_json(),
        })
    }
}

/// Matches a `name`-style filter value, which may carry an operator prefix:
/// `contains:`, `starts_with:`, `ends_with:`, `equal:`, `not_equal:` (none means equal).
fn name_filter_matches(filter: &str, value: &str) -> bool {
    let value = value.to_ascii_lowercase();
    let (op, needle) = match filter.split_once(':') {
        Some((op @ ("contains" | "starts_with" | "ends_with" | "equal" | "not_equal"), rest)) => {
            (op, rest)
        }
        _ => ("equal", filter),
    };
    let needle = needle.to_ascii_lowercase();
    match op {
        "contains" => value.contains(&needle),
        "starts_with" => value.starts_with(&needle),
        "ends_with" => value.ends_with(&needle),
        "not_equal" => value != needle,
        _ => value == needle,
    }
}

type ZoneFilter = Box<dyn Fn(&Zone) -> bool>;

/// `GET /zones`.
pub async fn list(State(state): State<AppState>, RawQuery(raw): RawQuery) -> ApiResult {
    let q = Query::parse(raw.as_deref());
    let page = q.page(20, 5, 50)?;
    let all = q.match_all("match")?;
    let desc = q.descending(false)?;
    let mut filters: Vec<ZoneFilter> = vec![];
    if let Some(name) = q.get("name") {
        let name = name.to_string();
        filters.push(Box::new(move |z| name_filter_matches(&name, &z.name)));
    }
    if let Some(status) = q.get("status") {
        let status = status.to_string();
        filters.push(Box::new(move |z| z.status == status));
    }
    if let Some(id) = q.get("account.id") {
        let id = id.to_string();
        filters.push(Box::new(move |z| z.account_id == id));
    }
    if let Some(name) = q.get("account.name") {
        let name = name.to_string();
        filters.push(Box::new(move |z| {
            name_filter_matches(&name, &z.account_name)
        }));
    }
    let mut zones: Vec<Zone> = state
        .store
        .zones()
        .into_iter()
        .filter(|z| {
            filters.is_empty()
                || if all {
                    filters.iter().all(|f| f(z))
                } else {
                    filters.iter().any(|f| f(z))
                }
        })
        .collect();
    let key = |z: &Zone| -> String {
        match q.get("order") {
            Some("status") => z.status.clone(),
            Some("account.id") => z.account_id.clone(),
            Some("account.name") => z.account_name.clone(),
            _ => z.name.clone(),
        }
    };
    if q.get("order").is_some() || q.get("direction").is_some() {
        zones.sort_by_key(key);
        if desc {
            zones.reverse();
        }
    }
    let (zones, info) = paginate(zones, page);
    Ok(ok_list(zones.iter().map(Zone::to_json).collect(), info))
}

/// `GET /zones/{zone_id}`.
pub async fn get(
    State(state): State<AppState>,
    Path(zone_id): Path<String>,
    uri: Uri,
) -> ApiResult {
    let zone = state
        .store
        .zone(&zone_id)
        .ok_or_else(|| ApiError::not_routable(uri.path()))?;
    let json = lock(&zone).zone.to_json();
    Ok(ok(json))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zone_names() {
        assert_eq!(
            normalize_zone_name("Example.COM."),
            Some("example.com".into())
        );
        assert_eq!(normalize_zone_name("a-b.co.uk"), Some("a-b.co.uk".into()));
        assert_eq!(normalize_zone_name("example"), None);
        assert_eq!(normalize_zone_name("-x.com"), None);
        assert_eq!(normalize_zone_name("x..com"), None);
    }

    #[test]
    fn name_filters() {
        assert!(name_filter_matches("example.com", "example.com"));
        assert!(name_filter_matches("contains:ampl", "example.com"));
        assert!(name_filter_matches("ends_with:.com", "example.com"));
        assert!(!name_filter_matches("not_equal:example.com", "example.com"));
    }

    #[test]
    fn zone_json_has_required_fields() {
        let z = Zone::new(
            "example.com".into(),
            "a".into(),
            "b".into(),
            "active".into(),
            Plan::Free,
        );
        let j = z.to_json();
        for key in [
            "id",
            "name",
            "development_mode",
            "owner",
            "account",
            "meta",
            "name_servers",
            "original_name_servers",
            "original_registrar",
            "original_dnshost",
            "created_on",
            "modified_on",
            "activated_on",
        ] {
            assert!(j.get(key).is_some(), "{key}");
        }
        assert_ne!(z.name_servers[0], z.name_servers[1]);
    }
}
