//! The test harness: a Cloudflare peer (the fake behind Stoplight Prism) for tests of any crate.
//!
//! ```no_run
//! # async fn demo() {
//! use infra_fakes::harness::{unique_zone_name, CloudflarePeer};
//! let peer = CloudflarePeer::start().await;
//! let zone_id = peer.new_zone(&unique_zone_name("dns")).await;
//! // Point the client under test at `peer.api_url` (Prism); inject drift at `peer.fake_url`.
//! let created = peer.api().post(&format!("/zones/{zone_id}/dns_records"),
//!     &serde_json::json!({"type": "A", "name": "www", "content": "192.0.2.1"})).await;
//! assert_eq!(created.status, 200, "{created}");
//! # }
//! ```
//!
//! Where the peer comes from:
//! 1. `INFRA_CF_API_URL` and `INFRA_CF_FAKE_URL` set (test.sh starts one fake and one Prism
//!    for the whole run with `fakes/start-peers.sh`, since Prism takes seconds to start): those.
//! 2. Otherwise one fake per test process, on a thread of its own, with Prism in front of it
//!    when Prism is found (`INFRA_PRISM`, else `~/.cache/infra-prism/node_modules/.bin/prism`),
//!    started on a free port with `proxy <this crate>/specs/cloudflare.prism.openapi.json <fake>
//!    --errors` (ready when it logs "Prism is listening", at most 90 s). Prism stops when the
//!    test process exits.
//! 3. No Prism: with `INFRA_REQUIRE_PRISM=1` that is a panic; otherwise a loud warning and the
//!    fake is used directly (no contract check).
//!
//! The fake is shared by tests running in parallel, so a test keeps to its own zone (use
//! [`unique_zone_name`]): faults, statistics and request logs are all per zone.
//! [`CloudflarePeer::start_isolated`] gives a test a fake (and Prism) of its own instead,
//! stopped when the peer is dropped.
//!
//! Helpers panic with a clear message when the peer misbehaves: they are meant for tests.

use std::fmt;
use std::fs::File;
use std::io::Read;
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

pub use crate::cloudflare::faults::{Faults, RequestRecord, Stats};

/// The Prism proxy in front of the shared fake (what clients use as their base URL).
pub const ENV_API_URL: &str = "INFRA_CF_API_URL";
/// The shared fake itself (admin API, drift injection).
pub const ENV_FAKE_URL: &str = "INFRA_CF_FAKE_URL";
/// Path of the `prism` executable.
pub const ENV_PRISM: &str = "INFRA_PRISM";
/// `1`: fail instead of testing without Prism.
pub const ENV_REQUIRE_PRISM: &str = "INFRA_REQUIRE_PRISM";

/// The token the harness's API client sends.
pub const TEST_TOKEN: &str = "infra-test-token";

/// How long Prism may take to start.
pub const PRISM_START_TIMEOUT: Duration = Duration::from_secs(90);

/// The OpenAPI description Prism validates the Cloudflare traffic against.
pub fn cloudflare_spec_path() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/specs/cloudflare.prism.openapi.json"
    ))
}

/// The `prism` executable: `INFRA_PRISM`, else `~/.cache/infra-prism/node_modules/.bin/prism`.
pub fn find_prism() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(ENV_PRISM).filter(|p| !p.is_empty()) {
        let path = PathBuf::from(path);
        return path.exists().then_some(path);
    }
    let home = std::env::var_os("HOME")?;
    let path = Path::new(&home).join(".cache/infra-prism/node_modules/.bin/prism");
    path.exists().then_some(path)
}

/// A zone name no other test uses: `<prefix>-<12 hex>.infra-test.com`.
pub fn unique_zone_name(prefix: &str) -> String {
    let suffix = uuid::Uuid::new_v4().simple().to_string();
    let prefix: String = prefix
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let prefix = prefix.trim_matches('-');
    let prefix = if prefix.is_empty() { "zone" } else { prefix };
    format!("{prefix}-{}.infra-test.com", &suffix[..12])
}

fn free_port() -> Result<u16, String> {
    TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("no free port: {e}"))
}

/// The fake, served by a runtime on a thread of its own (so it outlives any one test's runtime).
struct FakeThread {
    url: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl FakeThread {
    fn spawn() -> Result<FakeThread, String> {
        let (url_tx, url_rx) = std::sync::mpsc::channel::<Result<String, String>>();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        std::thread::Builder::new()
            .name("infra-fake-cloudflare".into())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ =
                            url_tx.send(Err(format!("cannot start a runtime for the fake: {e}")));
                        return;
                    }
                };
                runtime.block_on(async move {
                    match crate::cloudflare::start(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await
                    {
                        Ok(running) => {
                            let _ = url_tx.send(Ok(running.url()));
                            let _ = stop_rx.await;
                            running.shutdown();
                        }
                        Err(e) => {
                            let _ =
                                url_tx.send(Err(format!("cannot start the Cloudflare fake: {e}")));
                        }
                    }
                });
            })
            .map_err(|e| format!("cannot spawn the fake's thread: {e}"))?;
        let url = url_rx
            .recv()
            .map_err(|_| "the fake's thread ended before listening".to_string())??;
        Ok(FakeThread {
            url,
            stop: Some(stop_tx),
        })
    }
}

impl Drop for FakeThread {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// A `prism proxy --errors` process.
///
/// Prism runs under `sh`, which waits for its own stdin to close and then stops Prism: stdin is
/// a pipe from this process, so Prism stops when this handle is dropped *or* when the test
/// process exits without running destructors (statics, panics, `exit`).
pub struct PrismProcess {
    child: Child,
    stdin: Option<ChildStdin>,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// Prism's output.
    pub log_path: PathBuf,
}

impl fmt::Debug for PrismProcess {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrismProcess")
            .field("url", &self.url)
            .field("log_path", &self.log_path)
            .finish()
    }
}

/// `sh -c` script: runs Prism (`$2...`) in the background, waits for stdin to close, stops
/// Prism and removes its log (`$1`).
const PRISM_SUPERVISOR: &str = r#"log="$1"; shift
"$@" </dev/null &
pid=$!
read -r _
kill "$pid" 2>/dev/null
wait "$pid"
rm -f "$log""#;

impl PrismProcess {
    /// Starts `prism proxy SPEC UPSTREAM --errors` on a free port and waits until it listens.
    pub fn start(
        prism: &Path,
        spec: &Path,
        upstream: &str,
        timeout: Duration,
    ) -> Result<PrismProcess, String> {
        let mut last_error = String::new();
        for _ in 0..3 {
            match Self::start_on(prism, spec, upstream, free_port()?, timeout) {
                Ok(p) => return Ok(p),
                // Another process took the port between our check and Prism's bind: try another.
                Err(e) if e.contains("EADDRINUSE") => last_error = e,
                Err(e) => return Err(e),
            }
        }
        Err(last_error)
    }

    fn start_on(
        prism: &Path,
        spec: &Path,
        upstream: &str,
        port: u16,
        timeout: Duration,
    ) -> Result<PrismProcess, String> {
        let log_path =
            std::env::temp_dir().join(format!("infra-prism-{}-{port}.log", std::process::id()));
        let log = File::create(&log_path)
            .map_err(|e| format!("cannot create {}: {e}", log_path.display()))?;
        let log_err = log.try_clone().map_err(|e| e.to_string())?;
        let started = Instant::now();
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(PRISM_SUPERVISOR)
            .arg("sh")
            .arg(&log_path)
            .arg(prism)
            .arg("proxy")
            .arg(spec)
            .arg(upstream)
            .args(["--errors", "-h", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::piped())
            .stdout(log)
            .stderr(log_err)
            .spawn()
            .map_err(|e| format!("cannot run {}: {e}", prism.display()))?;
        let stdin = child.stdin.take();
        let mut process = PrismProcess {
            child,
            stdin,
            url: format!("http://127.0.0.1:{port}"),
            log_path,
        };
        loop {
            let log = process.log();
            if log.contains("Prism is listening") {
                if std::env::var_os("INFRA_LOG").is_some() {
                    eprintln!(
                        "prism: listening on {} after {:.1?}",
                        process.url,
                        started.elapsed()
                    );
                }
                return Ok(process);
            }
            if let Ok(Some(status)) = process.child.try_wait() {
                return Err(format!(
                    "Prism exited ({status}) before listening; its output:\n{log}"
                ));
            }
            if started.elapsed() > timeout {
                return Err(format!(
                    "Prism did not print \"Prism is listening\" within {timeout:?}; its output ({}):\n{log}",
                    process.log_path.display()
                ));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Prism's output so far.
    pub fn log(&self) -> String {
        let mut text = String::new();
        if let Ok(mut f) = File::open(&self.log_path) {
            let _ = f.read_to_string(&mut text);
        }
        text
    }
}

impl Drop for PrismProcess {
    fn drop(&mut self) {
        // Closing stdin makes the supervising shell stop Prism.
        drop(self.stdin.take());
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                let _ = std::fs::remove_file(&self.log_path);
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Processes a peer owns (Prism is declared first so it stops before the fake).
struct Processes {
    _prism: Option<PrismProcess>,
    _fake: Option<FakeThread>,
}

/// Where a peer's two URLs come from, and what keeps them alive.
struct Endpoints {
    api_url: String,
    fake_url: String,
    via_prism: bool,
    processes: Processes,
}

fn prism_required() -> bool {
    std::env::var(ENV_REQUIRE_PRISM).is_ok_and(|v| v == "1")
}

fn env_endpoints() -> Option<Result<Endpoints, String>> {
    let api = std::env::var(ENV_API_URL).ok().filter(|s| !s.is_empty());
    let fake = std::env::var(ENV_FAKE_URL).ok().filter(|s| !s.is_empty());
    let (api_url, fake_url) = match (api, fake) {
        (Some(api), Some(fake)) => (
            api.trim_end_matches('/').to_string(),
            fake.trim_end_matches('/').to_string(),
        ),
        (None, None) => return None,
        _ => {
            return Some(Err(format!(
                "set both {ENV_API_URL} and {ENV_FAKE_URL}, or neither"
            )))
        }
    };
    let via_prism = api_url != fake_url;
    if !via_prism && prism_required() {
        return Some(Err(format!(
            "{ENV_REQUIRE_PRISM}=1 but {ENV_API_URL} is the fake itself, not a Prism proxy"
        )));
    }
    Some(Ok(Endpoints {
        api_url,
        fake_url,
        via_prism,
        processes: Processes {
            _prism: None,
            _fake: None,
        },
    }))
}

fn launch() -> Result<Endpoints, String> {
    let fake = FakeThread::spawn()?;
    let fake_url = fake.url.clone();
    match find_prism() {
        Some(prism) => {
            let prism = PrismProcess::start(
                &prism,
                &cloudflare_spec_path(),
                &fake_url,
                PRISM_START_TIMEOUT,
            )?;
            Ok(Endpoints {
                api_url: prism.url.clone(),
                fake_url,
                via_prism: true,
                processes: Processes {
                    _prism: Some(prism),
                    _fake: Some(fake),
                },
            })
        }
        None => {
            if prism_required() {
                return Err(format!(
                    "{ENV_REQUIRE_PRISM}=1 but Prism was not found: set {ENV_PRISM} to the prism executable, or install it with \
                     `npm install --prefix ~/.cache/infra-prism @stoplight/prism-cli@5.14.2`"
                ));
            }
            eprintln!(
                "\n*** WARNING: Prism not found ({ENV_PRISM} unset and ~/.cache/infra-prism missing): the Cloudflare tests \
                 talk to the fake directly and the OpenAPI contract is NOT checked. ***\n"
            );
            Ok(Endpoints {
                api_url: fake_url.clone(),
                fake_url,
                via_prism: false,
                processes: Processes {
                    _prism: None,
                    _fake: Some(fake),
                },
            })
        }
    }
}

static SHARED: OnceLock<Result<Endpoints, String>> = OnceLock::new();

/// A Cloudflare API peer: the fake, behind Prism when available.
pub struct CloudflarePeer {
    /// The base URL the client under test uses (Prism, checking the contract).
    pub api_url: String,
    /// The fake itself: admin API (`/__fake/...`) and drift injection (the normal API, unchecked).
    pub fake_url: String,
    /// Whether `api_url` is a Prism proxy.
    pub via_prism: bool,
    http: reqwest::Client,
    _own: Option<Processes>,
}

impl fmt::Debug for CloudflarePeer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CloudflarePeer")
            .field("api_url", &self.api_url)
            .field("fake_url", &self.fake_url)
            .field("via_prism", &self.via_prism)
            .finish()
    }
}

fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap_or_default()
}

impl CloudflarePeer {
    /// The peer shared by every test of this process (or the one named by the environment).
    pub async fn start() -> CloudflarePeer {
        let shared = tokio::task::spawn_blocking(|| {
            SHARED.get_or_init(|| env_endpoints().unwrap_or_else(launch))
        })
        .await;
        match shared {
            Ok(Ok(e)) => CloudflarePeer {
                api_url: e.api_url.clone(),
                fake_url: e.fake_url.clone(),
                via_prism: e.via_prism,
                http: http_client(),
                _own: None,
            },
            Ok(Err(message)) => panic!("cannot start the Cloudflare peer: {message}"),
            Err(e) => panic!("cannot start the Cloudflare peer: {e}"),
        }
    }

    /// A fake (and Prism) of this peer's own, stopped when the peer is dropped. Ignores the
    /// environment's shared peer.
    pub async fn start_isolated() -> CloudflarePeer {
        match tokio::task::spawn_blocking(launch).await {
            Ok(Ok(e)) => CloudflarePeer {
                api_url: e.api_url,
                fake_url: e.fake_url,
                via_prism: e.via_prism,
                http: http_client(),
                _own: Some(e.processes),
            },
            Ok(Err(message)) => panic!("cannot start the Cloudflare peer: {message}"),
            Err(e) => panic!("cannot start the Cloudflare peer: {e}"),
        }
    }

    /// A client of the API through Prism, authenticated with [`TEST_TOKEN`].
    pub fn api(&self) -> ApiClient {
        ApiClient::new(&self.api_url).with_token(TEST_TOKEN)
    }

    /// A client of the fake directly (no contract check): for drift injection.
    pub fn direct(&self) -> ApiClient {
        ApiClient::new(&self.fake_url).with_token(TEST_TOKEN)
    }

    async fn admin(
        &self,
        method: reqwest::Method,
        path_and_query: &str,
        body: Option<Value>,
    ) -> Value {
        let url = format!("{}/__fake{path_and_query}", self.fake_url);
        let mut request = self.http.request(method.clone(), &url);
        if let Some(body) = &body {
            request = request.json(body);
        }
        let response = request
            .send()
            .await
            .unwrap_or_else(|e| panic!("{method} {url}: {e}"));
        let status = response.status();
        let text = response
            .text()
            .await
            .unwrap_or_else(|e| panic!("{method} {url}: {e}"));
        if !status.is_success() {
            panic!("{method} {url} answered {status}: {text}");
        }
        serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{method} {url}: invalid JSON ({e}): {text}"))
    }

    /// Creates an active zone and returns its id.
    pub async fn new_zone(&self, name: &str) -> String {
        let zone = self.new_zone_with(json!({ "name": name })).await;
        zone["id"]
            .as_str()
            .unwrap_or_else(|| panic!("zone without id: {zone}"))
            .to_string()
    }

    /// Creates a zone from a full admin body (`name`, `account_id`, `account_name`, `status`,
    /// `plan`) and returns the zone object.
    pub async fn new_zone_with(&self, body: Value) -> Value {
        self.admin(reqwest::Method::POST, "/zones", Some(body))
            .await
    }

    /// Replaces the zone's faults.
    pub async fn set_faults(&self, zone_id: &str, faults: Faults) {
        let mut body = serde_json::to_value(&faults).unwrap_or_else(|e| panic!("faults: {e}"));
        body["zone_id"] = json!(zone_id);
        self.admin(reqwest::Method::POST, "/faults", Some(body))
            .await;
    }

    /// Removes the zone's faults.
    pub async fn clear_faults(&self, zone_id: &str) {
        self.admin(
            reqwest::Method::DELETE,
            &format!("/faults?zone_id={zone_id}"),
            None,
        )
        .await;
    }

    /// The zone's request statistics.
    pub async fn stats(&self, zone_id: &str) -> Stats {
        let v = self
            .admin(
                reqwest::Method::GET,
                &format!("/stats?zone_id={zone_id}"),
                None,
            )
            .await;
        serde_json::from_value(v).unwrap_or_else(|e| panic!("stats: {e}"))
    }

    /// Forgets the zone's statistics and request log.
    pub async fn reset_stats(&self, zone_id: &str) {
        self.admin(
            reqwest::Method::POST,
            &format!("/stats/reset?zone_id={zone_id}"),
            None,
        )
        .await;
    }

    /// The zone's last requests (at most 1000), oldest first.
    pub async fn requests(&self, zone_id: &str) -> Vec<RequestRecord> {
        let v = self
            .admin(
                reqwest::Method::GET,
                &format!("/requests?zone_id={zone_id}"),
                None,
            )
            .await;
        serde_json::from_value(v).unwrap_or_else(|e| panic!("requests: {e}"))
    }
}

/// A small JSON client of the API.
#[derive(Debug, Clone)]
pub struct ApiClient {
    base_url: String,
    token: Option<String>,
    http: reqwest::Client,
}

impl ApiClient {
    pub fn new(base_url: &str) -> ApiClient {
        ApiClient {
            base_url: base_url.trim_end_matches('/').to_string(),
            token: None,
            http: http_client(),
        }
    }

    pub fn with_token(mut self, token: impl Into<String>) -> ApiClient {
        self.token = Some(token.into());
        self
    }

    pub fn without_token(mut self) -> ApiClient {
        self.token = None;
        self
    }

    /// Replaces the request timeout (60 s by default).
    pub fn with_timeout(mut self, timeout: Duration) -> ApiClient {
        self.http = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .unwrap_or_default();
        self
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Sends a request; transport errors (a dropped connection, a timeout) are returned.
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<ApiResponse, reqwest::Error> {
        let url = format!("{}{path}", self.base_url);
        let mut request = self.http.request(method.clone(), &url);
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await?;
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Ok(ApiResponse {
            method: method.to_string(),
            url,
            status,
            headers,
            body,
            text,
        })
    }

    async fn send_or_panic(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> ApiResponse {
        self.send(method.clone(), path, body)
            .await
            .unwrap_or_else(|e| panic!("{method} {}{path}: {e}", self.base_url))
    }

    pub async fn get(&self, path: &str) -> ApiResponse {
        self.send_or_panic(reqwest::Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> ApiResponse {
        self.send_or_panic(reqwest::Method::POST, path, Some(body))
            .await
    }

    pub async fn put(&self, path: &str, body: &Value) -> ApiResponse {
        self.send_or_panic(reqwest::Method::PUT, path, Some(body))
            .await
    }

    pub async fn patch(&self, path: &str, body: &Value) -> ApiResponse {
        self.send_or_panic(reqwest::Method::PATCH, path, Some(body))
            .await
    }

    pub async fn delete(&self, path: &str) -> ApiResponse {
        self.send_or_panic(reqwest::Method::DELETE, path, None)
            .await
    }
}

/// A response, with everything a failing assertion should show.
#[derive(Debug, Clone)]
pub struct ApiResponse {
    pub method: String,
    pub url: String,
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    /// The JSON body (`Null` when the body is not JSON).
    pub body: Value,
    pub text: String,
}

impl ApiResponse {
    /// Prism's list of contract violations (`sl-violations`), if any.
    pub fn violations(&self) -> Option<&str> {
        self.headers
            .get("sl-violations")
            .and_then(|v| v.to_str().ok())
    }

    /// `result` of a successful (2xx, `success: true`) response; panics otherwise.
    pub fn result(&self) -> &Value {
        if !(200..300).contains(&self.status) || self.body["success"] != true {
            panic!("expected success, got {self}");
        }
        &self.body["result"]
    }

    /// Panics unless the status is `status`.
    pub fn expect_status(&self, status: u16) -> &ApiResponse {
        if self.status != status {
            panic!("expected status {status}, got {self}");
        }
        self
    }

    /// The code of the first error (for DNS validation errors, the code in `error_chain`).
    pub fn error_code(&self) -> Option<u64> {
        let first = self.body["errors"].get(0)?;
        first["error_chain"][0]["code"]
            .as_u64()
            .or_else(|| first["code"].as_u64())
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

impl fmt::Display for ApiResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} -> {}", self.method, self.url, self.status)?;
        if let Some(v) = self.violations() {
            write!(f, "\n  Prism violations: {v}")?;
        }
        let text: String = self.text.chars().take(4000).collect();
        write!(f, "\n  body: {text}")
    }
}
