//! An in-memory, stateful fake of the Cloudflare v4 REST API.
//!
//! Routes sit at the root (`/zones/...`, not `/client/v4/zones/...`): exactly the operations of
//! `specs/cloudflare.prism.openapi.json` for zones, DNS records, zone settings, rulesets (with
//! phase entrypoints), health checks and page rules. Every response is shaped to pass Prism's
//! validation against that file. The admin API under `/__fake/` (see [`admin`]) creates zones,
//! injects faults and reports statistics; it is not part of the contract and is called
//! directly, never through Prism.
//!
//! State is one map of zones; each zone has its own lock, so tests that use different zones do
//! not contend.

pub mod admin;
pub mod dns;
pub mod envelope;
pub mod faults;
pub mod healthchecks;
pub mod pagerules;
pub mod rulesets;
pub mod settings;
pub mod zones;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

use axum::extract::Request;
use axum::http::{HeaderMap, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use indexmap::IndexMap;
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tokio::task::JoinHandle;
use tower::ServiceExt;

use self::envelope::{codes, ApiError};

/// Everything one zone owns.
#[derive(Debug)]
pub struct ZoneData {
    pub zone: zones::Zone,
    pub dns: IndexMap<String, dns::DnsRecord>,
    pub settings: settings::ZoneSettings,
    pub rulesets: IndexMap<String, rulesets::Ruleset>,
    pub healthchecks: IndexMap<String, healthchecks::Healthcheck>,
    pub pagerules: IndexMap<String, pagerules::PageRule>,
}

impl ZoneData {
    pub fn new(zone: zones::Zone) -> Self {
        ZoneData {
            zone,
            dns: IndexMap::new(),
            settings: settings::ZoneSettings::default(),
            rulesets: IndexMap::new(),
            healthchecks: IndexMap::new(),
            pagerules: IndexMap::new(),
        }
    }
}

/// All zones, by id, in creation order.
#[derive(Debug, Default)]
pub struct Store {
    zones: RwLock<IndexMap<String, Arc<Mutex<ZoneData>>>>,
}

impl Store {
    pub fn zone(&self, zone_id: &str) -> Option<Arc<Mutex<ZoneData>>> {
        read(&self.zones).get(zone_id).cloned()
    }

    /// The zone, or the 404 Cloudflare answers for an unknown zone id.
    pub fn zone_or_404(&self, zone_id: &str, uri: &Uri) -> Result<Arc<Mutex<ZoneData>>, ApiError> {
        self.zone(zone_id)
            .ok_or_else(|| ApiError::not_routable(uri.path()))
    }

    /// Adds a zone unless the account already has one with that name.
    pub fn insert_zone(&self, zone: zones::Zone) -> Result<zones::Zone, zones::ZoneExists> {
        let mut all = write(&self.zones);
        for other in all.values() {
            let other = lock(other);
            if other.zone.name == zone.name && other.zone.account_id == zone.account_id {
                return Err(zones::ZoneExists(zone.name.clone()));
            }
        }
        all.insert(
            zone.id.clone(),
            Arc::new(Mutex::new(ZoneData::new(zone.clone()))),
        );
        Ok(zone)
    }

    pub fn remove_zone(&self, zone_id: &str) -> bool {
        write(&self.zones).shift_remove(zone_id).is_some()
    }

    /// Copies of every zone object, in creation order.
    pub fn zones(&self) -> Vec<zones::Zone> {
        read(&self.zones)
            .values()
            .map(|z| lock(z).zone.clone())
            .collect()
    }
}

/// Shared state of the server.
#[derive(Debug, Clone, Default)]
pub struct AppState {
    pub store: Arc<Store>,
    pub faults: Arc<faults::FaultBook>,
}

/// Locks a mutex, ignoring poisoning (no handler panics, and the data stays consistent
/// because every mutation is a single assignment at the end of a handler).
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn read<T>(l: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    l.read().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn write<T>(l: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    l.write().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A new object id: 32 lowercase hex characters, like Cloudflare's.
pub fn new_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// The current time as the API writes it: RFC 3339, UTC, microseconds (`2014-01-01T05:20:00.123456Z`).
pub fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// True when the request carries credentials the API accepts: a non-empty
/// `Authorization: Bearer <token>` (any token), or both `X-Auth-Email` and `X-Auth-Key`.
pub fn is_authorized(headers: &HeaderMap) -> bool {
    let non_empty = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| !v.trim().is_empty())
    };
    let bearer = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, token) = v.trim().split_once(' ')?;
            scheme
                .eq_ignore_ascii_case("bearer")
                .then_some(token.trim())
        })
        .is_some_and(|token| !token.is_empty());
    bearer || (non_empty("x-auth-email") && non_empty("x-auth-key"))
}

async fn require_auth(req: Request, next: Next) -> Response {
    if is_authorized(req.headers()) {
        next.run(req).await
    } else {
        ApiError::unauthorized().into_response()
    }
}

async fn no_route(uri: Uri) -> ApiError {
    ApiError::not_routable(uri.path())
}

async fn method_not_allowed(uri: Uri) -> ApiError {
    ApiError::new(
        axum::http::StatusCode::METHOD_NOT_ALLOWED,
        codes::METHOD_NOT_ALLOWED,
        format!("Method not allowed for {}", uri.path()),
    )
}

/// The whole application: the Cloudflare API (authenticated, observed by the fault and
/// statistics layer) and the admin API under `/__fake`.
pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/zones", get(zones::list))
        .route("/zones/{zone_id}", get(zones::get))
        .route(
            "/zones/{zone_id}/dns_records",
            get(dns::list).post(dns::create),
        )
        .route(
            "/zones/{zone_id}/dns_records/{dns_record_id}",
            get(dns::get)
                .put(dns::overwrite)
                .patch(dns::patch)
                .delete(dns::delete),
        )
        .route(
            "/zones/{zone_id}/settings",
            get(settings::list).patch(settings::edit_many),
        )
        .route(
            "/zones/{zone_id}/settings/{setting_id}",
            get(settings::get).patch(settings::edit),
        )
        .route(
            "/zones/{zone_id}/rulesets",
            get(rulesets::list).post(rulesets::create),
        )
        .route(
            "/zones/{zone_id}/rulesets/{ruleset_id}",
            get(rulesets::get)
                .put(rulesets::update)
                .delete(rulesets::delete),
        )
        .route(
            "/zones/{zone_id}/rulesets/phases/{ruleset_phase}/entrypoint",
            get(rulesets::get_entrypoint).put(rulesets::update_entrypoint),
        )
        .route(
            "/zones/{zone_id}/healthchecks",
            get(healthchecks::list).post(healthchecks::create),
        )
        .route(
            "/zones/{zone_id}/healthchecks/{healthcheck_id}",
            get(healthchecks::get)
                .put(healthchecks::update)
                .patch(healthchecks::patch)
                .delete(healthchecks::delete),
        )
        .route(
            "/zones/{zone_id}/pagerules",
            get(pagerules::list).post(pagerules::create),
        )
        .route(
            "/zones/{zone_id}/pagerules/{pagerule_id}",
            get(pagerules::get)
                .put(pagerules::update)
                .patch(pagerules::patch)
                .delete(pagerules::delete),
        )
        .route_layer(middleware::from_fn(require_auth))
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            faults::observe,
        ));
    Router::new()
        .merge(api)
        .nest("/__fake", admin::router())
        .fallback(no_route)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state)
}

/// A running fake.
#[derive(Debug)]
pub struct Running {
    pub addr: SocketAddr,
    pub handle: JoinHandle<()>,
    pub state: AppState,
}

impl Running {
    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting connections (open connections finish on their own).
    pub fn shutdown(self) {
        self.handle.abort();
    }
}

/// Binds `addr` (port 0 picks a free port) and serves the fake on the current tokio runtime.
pub async fn start(addr: SocketAddr) -> std::io::Result<Running> {
    let state = AppState::default();
    let listener = TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let app = router(state.clone());
    let handle = tokio::spawn(serve(listener, app));
    Ok(Running {
        addr,
        handle,
        state,
    })
}

/// Lets a handler close its connection without answering (the `drop` fault).
#[derive(Debug, Clone)]
pub struct ConnectionKill(Arc<Notify>);

impl ConnectionKill {
    pub fn kill(&self) {
        self.0.notify_one();
    }
}

/// The accept loop. Each connection is served by hyper directly (instead of `axum::serve`) so
/// that a request can abort its own connection: the `drop` fault closes the socket with no
/// response at all, the way a crashed proxy does.
async fn serve(listener: TcpListener, app: Router) {
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(err) => {
                // Out of file descriptors and the like: wait and try again.
                eprintln!("infra-fake: accept failed: {err}");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        tokio::spawn(async move {
            let notify = Arc::new(Notify::new());
            let kill = ConnectionKill(notify.clone());
            let service = app.map_request(move |mut req: Request<hyper::body::Incoming>| {
                req.extensions_mut().insert(kill.clone());
                req
            });
            let conn = hyper::server::conn::http1::Builder::new()
                .keep_alive(true)
                .serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
            tokio::select! {
                _ = conn => {}
                _ = notify.notified() => {}
            }
        });
    }
}

/// Extracts the zone id from `/zones/{zone_id}/...`.
pub fn zone_id_of(path: &str) -> Option<&str> {
    let mut segments = path.split('/').filter(|s| !s.is_empty());
    while let Some(segment) = segments.next() {
        if segment == "zones" {
            return segments.next();
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn ids_and_times_look_real() {
        let id = new_id();
        assert_eq!(id.len(), 32);
        assert!(id
            .chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        let t = now();
        assert!(
            t.ends_with('Z') && t.len() == "2014-01-01T05:20:00.123456Z".len(),
            "{t}"
        );
    }

    #[test]
    fn zone_id_is_found_in_paths() {
        assert_eq!(zone_id_of("/zones/abc/dns_records/1"), Some("abc"));
        assert_eq!(zone_id_of("/zones/abc"), Some("abc"));
        assert_eq!(zone_id_of("/zones"), None);
    }

    #[test]
    fn auth_accepts_any_nonempty_token() {
        let mut h = HeaderMap::new();
        assert!(!is_authorized(&h));
        h.insert("authorization", HeaderValue::from_static("Bearer "));
        assert!(!is_authorized(&h));
        h.insert(
            "authorization",
            HeaderValue::from_static("Bearer canary-123"),
        );
        assert!(is_authorized(&h));
        let mut h = HeaderMap::new();
        h.insert("x-auth-email", HeaderValue::from_static("a@example.com"));
        h.insert("x-auth-key", HeaderValue::from_static("k"));
        assert!(is_authorized(&h));
    }
}
