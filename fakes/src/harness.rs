//! The test harness: Cloudflare and GitHub peers (the fakes behind Stoplight Prism) for tests of
//! any crate.
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
//!
//! [`GithubPeer`] is the same for the GitHub fake (`specs/github.openapi.json`, variables
//! `INFRA_GH_API_URL` and `INFRA_GH_FAKE_URL`); its tests keep to repositories of their own
//! ([`unique_repo_name`]). When the harness starts Prism itself, the fake's `Link` and `Location`
//! headers point at Prism.

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
pub use crate::github::faults::{
    Faults as GithubFaults, RequestRecord as GithubRequestRecord, Stats as GithubStats,
};

/// The Prism proxy in front of the shared fake (what clients use as their base URL).
pub const ENV_API_URL: &str = "INFRA_CF_API_URL";
/// The shared fake itself (admin API, drift injection).
pub const ENV_FAKE_URL: &str = "INFRA_CF_FAKE_URL";
/// The Prism proxy in front of the shared GitHub fake.
pub const ENV_GH_API_URL: &str = "INFRA_GH_API_URL";
/// The shared GitHub fake itself.
pub const ENV_GH_FAKE_URL: &str = "INFRA_GH_FAKE_URL";
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

/// The OpenAPI description Prism validates the GitHub traffic against.
pub fn github_spec_path() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/specs/github.openapi.json"
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
    /// The GitHub fake's state (to point its `Link` headers at Prism).
    github: Option<crate::github::AppState>,
}

/// Which fake a peer runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Vendor {
    Cloudflare,
    Github,
}

impl Vendor {
    fn name(self) -> &'static str {
        match self {
            Vendor::Cloudflare => "Cloudflare",
            Vendor::Github => "GitHub",
        }
    }

    fn spec(self) -> PathBuf {
        match self {
            Vendor::Cloudflare => cloudflare_spec_path(),
            Vendor::Github => github_spec_path(),
        }
    }

    /// The variables naming an already running Prism and fake.
    fn env_vars(self) -> (&'static str, &'static str) {
        match self {
            Vendor::Cloudflare => (ENV_API_URL, ENV_FAKE_URL),
            Vendor::Github => (ENV_GH_API_URL, ENV_GH_FAKE_URL),
        }
    }
}

impl FakeThread {
    fn spawn(vendor: Vendor) -> Result<FakeThread, String> {
        type Started = Result<(String, Option<crate::github::AppState>), String>;
        let (url_tx, url_rx) = std::sync::mpsc::channel::<Started>();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let thread_name = format!("infra-fake-{}", vendor.name().to_ascii_lowercase());
        std::thread::Builder::new()
            .name(thread_name)
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
                    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
                    let failed =
                        |e: std::io::Error| format!("cannot start the {} fake: {e}", vendor.name());
                    match vendor {
                        Vendor::Cloudflare => match crate::cloudflare::start(addr).await {
                            Ok(running) => {
                                let _ = url_tx.send(Ok((running.url(), None)));
                                let _ = stop_rx.await;
                                running.shutdown();
                            }
                            Err(e) => {
                                let _ = url_tx.send(Err(failed(e)));
                            }
                        },
                        Vendor::Github => match crate::github::start(addr).await {
                            Ok(running) => {
                                let _ =
                                    url_tx.send(Ok((running.url(), Some(running.state.clone()))));
                                let _ = stop_rx.await;
                                running.shutdown();
                            }
                            Err(e) => {
                                let _ = url_tx.send(Err(failed(e)));
                            }
                        },
                    }
                });
            })
            .map_err(|e| format!("cannot spawn the fake's thread: {e}"))?;
        let (url, github) = url_rx
            .recv()
            .map_err(|_| "the fake's thread ended before listening".to_string())??;
        Ok(FakeThread {
            url,
            stop: Some(stop_tx),
            github,
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

fn env_endpoints(vendor: Vendor) -> Option<Result<Endpoints, String>> {
    let (api_var, fake_var) = vendor.env_vars();
    let api = std::env::var(api_var).ok().filter(|s| !s.is_empty());
    let fake = std::env::var(fake_var).ok().filter(|s| !s.is_empty());
    let (api_url, fake_url) = match (api, fake) {
        (Some(api), Some(fake)) => (
            api.trim_end_matches('/').to_string(),
            fake.trim_end_matches('/').to_string(),
        ),
        (None, None) => return None,
        _ => {
            return Some(Err(format!(
                "set both {api_var} and {fake_var}, or neither"
            )))
        }
    };
    let via_prism = api_url != fake_url;
    if !via_prism && prism_required() {
        return Some(Err(format!(
            "{ENV_REQUIRE_PRISM}=1 but {api_var} is the fake itself, not a Prism proxy"
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

fn launch(vendor: Vendor) -> Result<Endpoints, String> {
    let fake = FakeThread::spawn(vendor)?;
    let fake_url = fake.url.clone();
    match find_prism() {
        Some(prism) => {
            let prism =
                PrismProcess::start(&prism, &vendor.spec(), &fake_url, PRISM_START_TIMEOUT)?;
            if let Some(github) = &fake.github {
                // Pagination links and `Location`s point at Prism, like GitHub's at itself.
                github.world().api_base = Some(prism.url.clone());
            }
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
                "\n*** WARNING: Prism not found ({ENV_PRISM} unset and ~/.cache/infra-prism missing): the {} tests \
                 talk to the fake directly and the OpenAPI contract is NOT checked. ***\n",
                vendor.name()
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
            SHARED.get_or_init(|| {
                env_endpoints(Vendor::Cloudflare).unwrap_or_else(|| launch(Vendor::Cloudflare))
            })
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
        match tokio::task::spawn_blocking(|| launch(Vendor::Cloudflare)).await {
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

static SHARED_GITHUB: OnceLock<Result<Endpoints, String>> = OnceLock::new();

/// The organization the GitHub helpers use when a test names none.
pub const GITHUB_TEST_ORG: &str = "infra-test-org";

/// A repository name no other test uses: `<prefix>-<12 hex>`.
pub fn unique_repo_name(prefix: &str) -> String {
    let zone = unique_zone_name(prefix);
    zone.trim_end_matches(".infra-test.com").to_string()
}

/// Seals `plaintext` for a GitHub public key (`key` of `.../secrets/public-key`, base64) the
/// way GitHub's clients do (libsodium sealed box), and returns the base64 `encrypted_value`.
pub fn seal_for_github(public_key_b64: &str, plaintext: &[u8]) -> Result<String, String> {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    let raw = b64
        .decode(public_key_b64)
        .map_err(|e| format!("the public key is not base64: {e}"))?;
    let key = crypto_box::PublicKey::from_slice(&raw)
        .map_err(|e| format!("the public key is not 32 bytes: {e}"))?;
    let sealed = key
        .seal(&mut crypto_box::aead::OsRng, plaintext)
        .map_err(|e| format!("cannot seal: {e}"))?;
    Ok(b64.encode(sealed))
}

async fn admin_call(
    http: &reqwest::Client,
    fake_url: &str,
    method: reqwest::Method,
    path_and_query: &str,
    body: Option<Value>,
) -> Value {
    let url = format!("{fake_url}/__fake{path_and_query}");
    let mut request = http.request(method.clone(), &url);
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

fn query_value(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// A GitHub API peer: the GitHub fake, behind Prism (`specs/github.openapi.json`) when
/// available. Same rules as [`CloudflarePeer`] (`INFRA_GH_API_URL` + `INFRA_GH_FAKE_URL`,
/// `INFRA_PRISM`, `INFRA_REQUIRE_PRISM`); a test keeps to repositories of its own (use
/// [`unique_repo_name`]): faults, statistics and request logs are per repository.
pub struct GithubPeer {
    /// The base URL the client under test uses (Prism, checking the contract).
    pub api_url: String,
    /// The fake itself: admin API (`/__fake/...`) and drift injection (the normal API, unchecked).
    pub fake_url: String,
    /// Whether `api_url` is a Prism proxy.
    pub via_prism: bool,
    http: reqwest::Client,
    _own: Option<Processes>,
}

impl fmt::Debug for GithubPeer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GithubPeer")
            .field("api_url", &self.api_url)
            .field("fake_url", &self.fake_url)
            .field("via_prism", &self.via_prism)
            .finish()
    }
}

impl GithubPeer {
    /// The peer shared by every test of this process (or the one named by the environment).
    pub async fn start() -> GithubPeer {
        let shared = tokio::task::spawn_blocking(|| {
            SHARED_GITHUB.get_or_init(|| {
                env_endpoints(Vendor::Github).unwrap_or_else(|| launch(Vendor::Github))
            })
        })
        .await;
        match shared {
            Ok(Ok(e)) => GithubPeer {
                api_url: e.api_url.clone(),
                fake_url: e.fake_url.clone(),
                via_prism: e.via_prism,
                http: http_client(),
                _own: None,
            },
            Ok(Err(message)) => panic!("cannot start the GitHub peer: {message}"),
            Err(e) => panic!("cannot start the GitHub peer: {e}"),
        }
    }

    /// A fake (and Prism) of this peer's own, stopped when the peer is dropped. Ignores the
    /// environment's shared peer.
    pub async fn start_isolated() -> GithubPeer {
        match tokio::task::spawn_blocking(|| launch(Vendor::Github)).await {
            Ok(Ok(e)) => GithubPeer {
                api_url: e.api_url,
                fake_url: e.fake_url,
                via_prism: e.via_prism,
                http: http_client(),
                _own: Some(e.processes),
            },
            Ok(Err(message)) => panic!("cannot start the GitHub peer: {message}"),
            Err(e) => panic!("cannot start the GitHub peer: {e}"),
        }
    }

    /// A client of the API through Prism, authenticated with [`TEST_TOKEN`] (which acts as the
    /// fake's default user, `infra-bot`), sending `Accept: application/vnd.github+json`.
    pub fn api(&self) -> ApiClient {
        ApiClient::new(&self.api_url)
            .with_token(TEST_TOKEN)
            .with_header("accept", "application/vnd.github+json")
    }

    /// A client of the fake directly (no contract check): for drift injection.
    pub fn direct(&self) -> ApiClient {
        ApiClient::new(&self.fake_url)
            .with_token(TEST_TOKEN)
            .with_header("accept", "application/vnd.github+json")
    }

    /// Calls the admin API; panics unless it answers 2xx with JSON.
    pub async fn admin(
        &self,
        method: reqwest::Method,
        path_and_query: &str,
        body: Option<Value>,
    ) -> Value {
        admin_call(&self.http, &self.fake_url, method, path_and_query, body).await
    }

    /// Creates a user (or finds it); the `simple-user`.
    pub async fn new_user(&self, login: &str) -> Value {
        self.admin(
            reqwest::Method::POST,
            "/users",
            Some(json!({ "login": login })),
        )
        .await
    }

    /// Creates a user whose requests use `token`; the `simple-user`.
    pub async fn new_user_with_token(&self, login: &str, token: &str) -> Value {
        self.admin(
            reqwest::Method::POST,
            "/users",
            Some(json!({ "login": login, "token": token })),
        )
        .await
    }

    /// Creates an organization (or adds members to it); its `simple-user`.
    pub async fn new_org(&self, login: &str, members: &[&str]) -> Value {
        self.admin(
            reqwest::Method::POST,
            "/orgs",
            Some(json!({ "login": login, "members": members })),
        )
        .await
    }

    /// Creates a team in an organization (members become organization members); the `team`.
    pub async fn new_team(&self, org: &str, name: &str, members: &[&str]) -> Value {
        self.admin(
            reqwest::Method::POST,
            "/teams",
            Some(json!({ "org": org, "name": name, "members": members })),
        )
        .await
    }

    /// Creates `owner/name` with its default branch `main` (the owner, if new, is an
    /// organization); the `full-repository`.
    pub async fn new_repo(&self, owner: &str, name: &str) -> Value {
        self.new_repo_with(json!({ "owner": owner, "name": name }))
            .await
    }

    /// Creates a repository from a full admin body (`owner`, `name`, `owner_type`, `private`,
    /// `auto_init`, `default_branch`, `branches`, `description`); the `full-repository`.
    pub async fn new_repo_with(&self, body: Value) -> Value {
        self.admin(reqwest::Method::POST, "/repos", Some(body))
            .await
    }

    /// Adds a branch to `owner/name`.
    pub async fn new_branch(&self, repo: &str, branch: &str) {
        self.admin(
            reqwest::Method::POST,
            "/branches",
            Some(json!({ "repo": repo, "branch": branch })),
        )
        .await;
    }

    /// Opens an issue in `owner/name`; its number.
    pub async fn new_issue(&self, repo: &str, title: &str) -> u64 {
        let v = self
            .admin(
                reqwest::Method::POST,
                "/issues",
                Some(json!({ "repo": repo, "title": title })),
            )
            .await;
        v["number"]
            .as_u64()
            .unwrap_or_else(|| panic!("issue without number: {v}"))
    }

    /// Opens a pull request `head` → `base` in `owner/repo` (branches are created); the
    /// `pull-request`.
    pub async fn new_pull(
        &self,
        owner: &str,
        repo: &str,
        head: &str,
        base: &str,
        title: &str,
    ) -> Value {
        self.new_pull_with(json!({
            "owner": owner, "repo": repo, "head": head, "base": base, "title": title,
        }))
        .await
    }

    /// Opens a pull request from a full admin body (`owner`, `repo`, `number`, `head`, `base`,
    /// `title`, `body`, `user`, `state`, `draft`, `merged`, `locked`); the `pull-request`.
    pub async fn new_pull_with(&self, body: Value) -> Value {
        self.admin(reqwest::Method::POST, "/pulls", Some(body))
            .await
    }

    /// What the client sealed into a secret of `owner/name` (of an environment when given).
    pub async fn secret_plaintext(
        &self,
        repo: &str,
        name: &str,
        environment: Option<&str>,
    ) -> String {
        let mut path = format!(
            "/secrets?repo={}&name={}",
            query_value(repo),
            query_value(name)
        );
        if let Some(env) = environment {
            path.push_str(&format!("&environment={}", query_value(env)));
        }
        let v = self.admin(reqwest::Method::GET, &path, None).await;
        v["plaintext"]
            .as_str()
            .unwrap_or_else(|| panic!("secret without plaintext: {v}"))
            .to_string()
    }

    /// Gives the repository's (or environment's) secrets a new key pair: the old `key_id`
    /// becomes stale. The new `{key_id, key}`.
    pub async fn rotate_secret_key(&self, repo: &str, environment: Option<&str>) -> Value {
        self.admin(
            reqwest::Method::POST,
            "/secrets/rotate-key",
            Some(json!({ "repo": repo, "environment": environment })),
        )
        .await
    }

    /// The real secret of a webhook (the API shows `********`).
    pub async fn hook_secret(&self, repo: &str, hook_id: u64) -> Option<String> {
        let v = self
            .admin(
                reqwest::Method::GET,
                &format!("/hooks/secret?repo={}&id={hook_id}", query_value(repo)),
                None,
            )
            .await;
        v["secret"].as_str().map(str::to_string)
    }

    /// Accepts a pending collaborator invitation.
    pub async fn accept_invitation(&self, repo: &str, username: &str) {
        self.admin(
            reqwest::Method::POST,
            "/invitations/accept",
            Some(json!({ "repo": repo, "username": username })),
        )
        .await;
    }

    /// Replaces the faults of `owner/name`.
    pub async fn set_faults(&self, repo: &str, faults: GithubFaults) {
        let mut body = serde_json::to_value(&faults).unwrap_or_else(|e| panic!("faults: {e}"));
        body["repo"] = json!(repo);
        self.admin(reqwest::Method::POST, "/faults", Some(body))
            .await;
    }

    /// Removes the faults of `owner/name`.
    pub async fn clear_faults(&self, repo: &str) {
        self.admin(
            reqwest::Method::DELETE,
            &format!("/faults?repo={}", query_value(repo)),
            None,
        )
        .await;
    }

    /// The request statistics of `owner/name`.
    pub async fn stats(&self, repo: &str) -> GithubStats {
        let v = self
            .admin(
                reqwest::Method::GET,
                &format!("/stats?repo={}", query_value(repo)),
                None,
            )
            .await;
        serde_json::from_value(v).unwrap_or_else(|e| panic!("stats: {e}"))
    }

    /// Forgets the statistics and request log of `owner/name`.
    pub async fn reset_stats(&self, repo: &str) {
        self.admin(
            reqwest::Method::POST,
            &format!("/stats/reset?repo={}", query_value(repo)),
            None,
        )
        .await;
    }

    /// The last requests (at most 1000) concerning `owner/name`, oldest first.
    pub async fn requests(&self, repo: &str) -> Vec<GithubRequestRecord> {
        let v = self
            .admin(
                reqwest::Method::GET,
                &format!("/requests?repo={}", query_value(repo)),
                None,
            )
            .await;
        serde_json::from_value(v).unwrap_or_else(|e| panic!("requests: {e}"))
    }

    /// Forgets everything (accounts, repositories, faults, statistics). Only for a peer of
    /// one's own ([`GithubPeer::start_isolated`]): the shared one serves parallel tests.
    pub async fn reset(&self) {
        self.admin(reqwest::Method::POST, "/reset", None).await;
    }
}

/// A small JSON client of the API.
#[derive(Debug, Clone)]
pub struct ApiClient {
    base_url: String,
    token: Option<String>,
    http: reqwest::Client,
    /// Extra request headers (`Accept`, `If-None-Match`, ...).
    headers: Vec<(String, String)>,
}

impl ApiClient {
    pub fn new(base_url: &str) -> ApiClient {
        ApiClient {
            base_url: base_url.trim_end_matches('/').to_string(),
            token: None,
            http: http_client(),
            headers: vec![],
        }
    }

    /// Sends `name: value` with every request (replacing an earlier value of `name`).
    pub fn with_header(mut self, name: &str, value: &str) -> ApiClient {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self.headers.push((name.to_string(), value.to_string()));
        self
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
        for (name, value) in &self.headers {
            request = request.header(name.as_str(), value.as_str());
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
