//! Users: the authenticated user (`GET /user`, a `private-user`) and any account by login
//! (`GET /users/{username}`, a `public-user`; organizations too, with `type: "Organization"`).
//!
//! Profiles are what the admin API set (`name`, `email`); the rest is empty (`company`,
//! `blog`, `location`, `bio` null, no followers). `public_repos` counts the account's public
//! repositories. Unknown logins are 404; the description's `oneOf` of the two user shapes is
//! told apart by `user_view_type` (`private` / `public`).

use axum::extract::{Path, State};
use axum::Extension;
use serde_json::{json, Value};

use super::error::{GhError, GhResult};
use super::http::{ok, Caller};
use super::model::{Account, World};
use super::render::user_json;
use super::AppState;

/// When the fake says every account was created (it does not track it).
pub const ACCOUNT_CREATED_AT: &str = "2020-01-01T00:00:00Z";

/// A `public-user`.
pub fn public_user_json(w: &World, a: &Account) -> Value {
    let public_repos = w
        .repos
        .values()
        .filter(|r| r.owner.eq_ignore_ascii_case(&a.login) && !r.setting_bool("private"))
        .count();
    let mut v = user_json(a);
    for (k, x) in [
        ("name", json!(a.name)),
        ("company", Value::Null),
        ("blog", Value::Null),
        ("location", Value::Null),
        ("email", json!(a.email)),
        ("hireable", Value::Null),
        ("bio", Value::Null),
        ("twitter_username", Value::Null),
        ("public_repos", json!(public_repos)),
        ("public_gists", json!(0)),
        ("followers", json!(0)),
        ("following", json!(0)),
        ("created_at", json!(ACCOUNT_CREATED_AT)),
        ("updated_at", json!(ACCOUNT_CREATED_AT)),
    ] {
        v[k] = x;
    }
    v
}

/// A `private-user` (what an account sees of itself).
pub fn private_user_json(w: &World, a: &Account) -> Value {
    let owned_private = w
        .repos
        .values()
        .filter(|r| r.owner.eq_ignore_ascii_case(&a.login) && r.setting_bool("private"))
        .count();
    let mut v = public_user_json(w, a);
    v["user_view_type"] = json!("private");
    for (k, x) in [
        ("private_gists", json!(0)),
        ("total_private_repos", json!(owned_private)),
        ("owned_private_repos", json!(owned_private)),
        ("disk_usage", json!(0)),
        ("collaborators", json!(0)),
        ("two_factor_authentication", json!(true)),
    ] {
        v[k] = x;
    }
    v
}

pub async fn get_authenticated(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> GhResult {
    let w = state.world();
    let a = w.account(&caller.login).ok_or_else(GhError::not_found)?;
    Ok(ok(private_user_json(&w, a)))
}

pub async fn get(State(state): State<AppState>, Path(username): Path<String>) -> GhResult {
    let w = state.world();
    let a = w.account(&username).ok_or_else(GhError::not_found)?;
    Ok(ok(public_user_json(&w, a)))
}
