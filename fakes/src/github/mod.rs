//! An in-memory, stateful fake of the GitHub REST API (the operations of
//! `specs/github.openapi.json`): repositories, branch protection, rulesets, Actions secrets
//! (real sealed boxes) and variables, environments, webhooks, deploy keys, collaborators and
//! team access, issue comments and pull requests (read-only; created through the admin API).
//!
//! Routes sit at the root, as on `api.github.com`. Every response is shaped to pass Prism's
//! validation against the description (complete objects, declared status codes). The admin API
//! under `/__fake/` (see [`admin`]) creates accounts, teams, repositories, pull requests,
//! reads decrypted secrets, injects faults and reports statistics; it is called directly, never
//! through Prism.
//!
//! There is no authorization model: any non-empty token may do anything. A token acts as the
//! user it was registered for (`POST /__fake/users {"login", "token"}`), else as `infra-bot`.

pub mod access;
pub mod actions;
pub mod admin;
pub mod deploy_keys;
pub mod environments;
pub mod error;
pub mod faults;
pub mod hooks;
pub mod http;
pub mod issues;
pub mod labels;
pub mod model;
pub mod protection;
pub mod render;
pub mod repos;
pub mod rulesets;
pub mod teams;
pub mod users;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::extract::Request;
use axum::http::Uri;
use axum::middleware;
use axum::routing::{get, post};
use axum::Router;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tokio::task::JoinHandle;
use tower::ServiceExt;

use self::error::GhError;
use self::model::World;

/// Locks a mutex, ignoring poisoning.
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Shared state of the server.
#[derive(Debug, Clone, Default)]
pub struct AppState {
    pub world: Arc<Mutex<World>>,
    pub faults: Arc<faults::FaultBook>,
}

impl AppState {
    pub fn world(&self) -> MutexGuard<'_, World> {
        lock(&self.world)
    }
}

async fn no_route() -> GhError {
    GhError::not_found()
}

/// GitHub answers a known path with a wrong method like an unknown path.
async fn method_not_allowed(_uri: Uri) -> GhError {
    GhError::not_found()
}

/// Lets a handler close its connection without answering (the `drop` fault).
#[derive(Debug, Clone)]
pub struct ConnectionKill(Arc<Notify>);

impl ConnectionKill {
    pub fn kill(&self) {
        self.0.notify_one();
    }
}

/// The whole application: the GitHub API (authenticated, observed by the fault, rate limit
/// and statistics layer) and the admin API under `/__fake`.
pub fn router(state: AppState) -> Router {
    use axum::routing::put;
    let api = Router::new()
        .route("/orgs/{org}/repos", post(repos::create_in_org))
        .route("/user/repos", post(repos::create_for_user))
        .route(
            "/repos/{owner}/{repo}",
            get(repos::get).patch(repos::update).delete(repos::delete),
        )
        .route("/user", get(users::get_authenticated))
        .route("/users/{username}", get(users::get))
        .route("/orgs/{org}/teams", get(teams::list).post(teams::create))
        .route(
            "/orgs/{org}/teams/{team_slug}",
            get(teams::get).patch(teams::update).delete(teams::delete),
        )
        .route(
            "/repos/{owner}/{repo}/topics",
            get(repos::get_topics).put(repos::put_topics),
        )
        .route(
            "/repos/{owner}/{repo}/vulnerability-alerts",
            get(repos::vulnerability_alerts)
                .put(repos::vulnerability_alerts)
                .delete(repos::vulnerability_alerts),
        )
        .route(
            "/repos/{owner}/{repo}/generate",
            post(repos::generate),
        )
        .route("/repos/{owner}/{repo}/forks", post(repos::fork))
        .route(
            "/repos/{owner}/{repo}/branches/{branch}/protection/required_signatures",
            get(protection::signatures)
                .post(protection::signatures)
                .delete(protection::signatures),
        )
        .route(
            "/repos/{owner}/{repo}/branches/{branch}/protection",
            get(protection::get)
                .put(protection::update)
                .delete(protection::delete),
        )
        .route(
            "/repos/{owner}/{repo}/rulesets",
            get(rulesets::list).post(rulesets::create),
        )
        .route(
            "/repos/{owner}/{repo}/rulesets/{ruleset_id}",
            get(rulesets::get)
                .put(rulesets::update)
                .delete(rulesets::delete),
        )
        .route(
            "/repos/{owner}/{repo}/actions/secrets/public-key",
            get(actions::repo_public_key),
        )
        .route(
            "/repos/{owner}/{repo}/actions/secrets",
            get(actions::repo_list_secrets),
        )
        .route(
            "/repos/{owner}/{repo}/actions/secrets/{secret_name}",
            get(actions::repo_get_secret)
                .put(actions::repo_put_secret)
                .delete(actions::repo_delete_secret),
        )
        .route(
            "/repos/{owner}/{repo}/actions/variables",
            get(actions::repo_list_variables).post(actions::repo_create_variable),
        )
        .route(
            "/repos/{owner}/{repo}/actions/variables/{name}",
            get(actions::repo_get_variable)
                .patch(actions::repo_update_variable)
                .delete(actions::repo_delete_variable),
        )
        .route(
            "/repos/{owner}/{repo}/environments",
            get(environments::list),
        )
        .route(
            "/repos/{owner}/{repo}/environments/{environment_name}",
            get(environments::get)
                .put(environments::put)
                .delete(environments::delete),
        )
        .route(
            "/repos/{owner}/{repo}/environments/{environment_name}/secrets/public-key",
            get(actions::env_public_key),
        )
        .route(
            "/repos/{owner}/{repo}/environments/{environment_name}/secrets",
            get(actions::env_list_secrets),
        )
        .route(
            "/repos/{owner}/{repo}/environments/{environment_name}/secrets/{secret_name}",
            get(actions::env_get_secret)
                .put(actions::env_put_secret)
                .delete(actions::env_delete_secret),
        )
        .route(
            "/repos/{owner}/{repo}/environments/{environment_name}/variables",
            get(actions::env_list_variables).post(actions::env_create_variable),
        )
        .route(
            "/repos/{owner}/{repo}/environments/{environment_name}/variables/{name}",
            get(actions::env_get_variable)
                .patch(actions::env_update_variable)
                .delete(actions::env_delete_variable),
        )
        .route(
            "/repos/{owner}/{repo}/hooks",
            get(hooks::list).post(hooks::create),
        )
        .route(
            "/repos/{owner}/{repo}/hooks/{hook_id}",
            get(hooks::get).patch(hooks::update).delete(hooks::delete),
        )
        .route(
            "/repos/{owner}/{repo}/keys",
            get(deploy_keys::list).post(deploy_keys::create),
        )
        .route(
            "/repos/{owner}/{repo}/keys/{key_id}",
            get(deploy_keys::get).delete(deploy_keys::delete),
        )
        .route(
            "/repos/{owner}/{repo}/collaborators",
            get(access::list_collaborators),
        )
        .route(
            "/repos/{owner}/{repo}/collaborators/{username}",
            put(access::add_collaborator).delete(access::remove_collaborator),
        )
        .route(
            "/repos/{owner}/{repo}/collaborators/{username}/permission",
            get(access::collaborator_permission),
        )
        .route("/repos/{owner}/{repo}/teams", get(access::list_teams))
        .route(
            "/orgs/{org}/teams/{team_slug}/repos/{owner}/{repo}",
            get(access::check_team_repo)
                .put(access::put_team_repo)
                .delete(access::delete_team_repo),
        )
        .route(
            "/repos/{owner}/{repo}/issues/{issue_number}/comments",
            get(issues::list_comments).post(issues::create_comment),
        )
        .route(
            "/repos/{owner}/{repo}/issues/comments/{comment_id}",
            get(issues::get_comment)
                .patch(issues::update_comment)
                .delete(issues::delete_comment),
        )
        .route(
            "/repos/{owner}/{repo}/pulls/{pull_number}",
            get(issues::get_pull),
        )
        .route(
            "/repos/{owner}/{repo}/labels",
            post(labels::create_label),
        )
        .route(
            "/repos/{owner}/{repo}/labels/{name}",
            get(labels::get_label),
        )
        .route(
            "/repos/{owner}/{repo}/issues/{issue_number}/labels",
            get(labels::list_issue_labels).post(labels::add_issue_labels),
        )
        .route(
            "/repos/{owner}/{repo}/issues/{issue_number}/labels/{name}",
            axum::routing::delete(labels::remove_issue_label),
        )
        .route_layer(middleware::from_fn(http::etag))
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            http::redirect_renamed,
        ))
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            http::require_auth,
        ))
        .route_layer(middleware::from_fn_with_state(state.clone(), http::observe));
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

/// The accept loop (hyper directly, so that the `drop` fault can close a connection with no
/// response at all).
async fn serve(listener: TcpListener, app: Router) {
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(err) => {
                eprintln!("infra-fake github: accept failed: {err}");
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
