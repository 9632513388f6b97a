//! The admin API under `/__fake/` (not part of Cloudflare's API; call it on the fake's own
//! port, never through Prism). Answers are plain JSON; errors are 400/404 `{"error": "..."}`.
//!
//! | Method | Path | Body / query | Answer |
//! |---|---|---|---|
//! | GET | `/__fake/health` | | `{"ok": true}` |
//! | POST | `/__fake/zones` | `{"name", "account_id"?, "account_name"?, "status"? ("active"), "plan"? ("free"/"pro"/"business"/"enterprise")}` | the zone object |
//! | DELETE | `/__fake/zones/{zone_id}` | | `{"deleted": true}` |
//! | POST | `/__fake/faults` | `{"zone_id", ...`[`Faults`]`}` | `{"zone_id", "faults": {...}}` |
//! | GET | `/__fake/faults?zone_id=` | | `{"zone_id", "faults": {...} or null}` |
//! | DELETE | `/__fake/faults?zone_id=` | (no `zone_id`: every zone) | `{"cleared": bool}` |
//! | GET | `/__fake/stats?zone_id=` | (no `zone_id`: all requests) | [`Stats`] |
//! | POST | `/__fake/stats/reset?zone_id=` | (no `zone_id`: everything) | `{"reset": true}` |
//! | GET | `/__fake/requests?zone_id=` | (no `zone_id`: all requests) | `[`[`RequestRecord`]`]`, oldest first, at most 1000 |

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Map, Value};

use super::envelope::Query;
use super::faults::Faults;
#[cfg(doc)]
use super::faults::{RequestRecord, Stats};
use super::zones::{normalize_zone_name, Plan, Zone, DEFAULT_ACCOUNT_ID, DEFAULT_ACCOUNT_NAME};
use super::AppState;

/// An admin API failure: `{"error": "..."}` with a 400 or 404.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{1}")]
struct AdminError(StatusCode, String);

impl AdminError {
    fn bad_request(message: impl Into<String>) -> Self {
        AdminError(StatusCode::BAD_REQUEST, message.into())
    }
}

impl IntoResponse for AdminError {
    fn into_response(self) -> Response {
        (self.0, Json(json!({ "error": self.1 }))).into_response()
    }
}

fn body_object(body: &Bytes) -> Result<Map<String, Value>, AdminError> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(obj)) => Ok(obj),
        Ok(_) => Err(AdminError::bad_request("the body must be a JSON object")),
        Err(e) => Err(AdminError::bad_request(format!("invalid JSON: {e}"))),
    }
}

fn string_field(obj: &Map<String, Value>, key: &str) -> Result<Option<String>, AdminError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(AdminError::bad_request(format!("{key} must be a string"))),
    }
}

/// The admin routes (nested under `/__fake`).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/health", get(|| async { Json(json!({"ok": true})) }))
        .route("/zones", post(create_zone))
        .route("/zones/{zone_id}", axum::routing::delete(delete_zone))
        .route(
            "/faults",
            post(set_faults).get(get_faults).delete(clear_faults),
        )
        .route("/stats", get(stats))
        .route("/stats/reset", post(reset_stats))
        .route("/requests", get(requests))
}

async fn create_zone(State(state): State<AppState>, body: Bytes) -> Result<Response, AdminError> {
    let obj = body_object(&body)?;
    let raw_name =
        string_field(&obj, "name")?.ok_or_else(|| AdminError::bad_request("name is required"))?;
    let name = normalize_zone_name(&raw_name)
        .ok_or_else(|| AdminError::bad_request(format!("invalid zone name {raw_name:?}")))?;
    let account_id = string_field(&obj, "account_id")?.unwrap_or_else(|| DEFAULT_ACCOUNT_ID.into());
    let account_name =
        string_field(&obj, "account_name")?.unwrap_or_else(|| DEFAULT_ACCOUNT_NAME.into());
    let status = string_field(&obj, "status")?.unwrap_or_else(|| "active".into());
    if !matches!(
        status.as_str(),
        "initializing" | "pending" | "active" | "moved"
    ) {
        return Err(AdminError::bad_request(format!(
            "invalid status {status:?}"
        )));
    }
    let plan = match string_field(&obj, "plan")? {
        None => Plan::Free,
        Some(p) => {
            Plan::parse(&p).ok_or_else(|| AdminError::bad_request(format!("invalid plan {p:?}")))?
        }
    };
    let zone = Zone::new(name, account_id, account_name, status, plan);
    let zone = state
        .store
        .insert_zone(zone)
        .map_err(|e| AdminError::bad_request(e.to_string()))?;
    Ok(Json(zone.to_json()).into_response())
}

async fn delete_zone(
    State(state): State<AppState>,
    Path(zone_id): Path<String>,
) -> Result<Response, AdminError> {
    if !state.store.remove_zone(&zone_id) {
        return Err(AdminError(
            StatusCode::NOT_FOUND,
            format!("no zone {zone_id}"),
        ));
    }
    state.faults.clear(Some(&zone_id));
    Ok(Json(json!({"deleted": true})).into_response())
}

async fn set_faults(State(state): State<AppState>, body: Bytes) -> Result<Response, AdminError> {
    let mut obj = body_object(&body)?;
    let zone_id = match obj.remove("zone_id") {
        Some(Value::String(id)) if !id.is_empty() => id,
        _ => return Err(AdminError::bad_request("zone_id is required")),
    };
    let faults: Faults = serde_json::from_value(Value::Object(obj))
        .map_err(|e| AdminError::bad_request(format!("invalid faults: {e}")))?;
    state
        .faults
        .set(&zone_id, faults.clone())
        .map_err(|e| AdminError::bad_request(e.to_string()))?;
    Ok(Json(json!({"zone_id": zone_id, "faults": faults})).into_response())
}

async fn get_faults(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Response, AdminError> {
    let q = Query::parse(raw.as_deref());
    let zone_id = q
        .get("zone_id")
        .ok_or_else(|| AdminError::bad_request("zone_id is required"))?;
    Ok(Json(json!({"zone_id": zone_id, "faults": state.faults.get(zone_id)})).into_response())
}

async fn clear_faults(State(state): State<AppState>, RawQuery(raw): RawQuery) -> Response {
    let q = Query::parse(raw.as_deref());
    Json(json!({"cleared": state.faults.clear(q.get("zone_id"))})).into_response()
}

async fn stats(State(state): State<AppState>, RawQuery(raw): RawQuery) -> Response {
    let q = Query::parse(raw.as_deref());
    Json(state.faults.stats(q.get("zone_id"))).into_response()
}

async fn reset_stats(State(state): State<AppState>, RawQuery(raw): RawQuery) -> Response {
    let q = Query::parse(raw.as_deref());
    state.faults.reset_stats(q.get("zone_id"));
    Json(json!({"reset": true})).into_response()
}

async fn requests(State(state): State<AppState>, RawQuery(raw): RawQuery) -> Response {
    let q = Query::parse(raw.as_deref());
    Json(state.faults.requests(q.get("zone_id"))).into_response()
}
