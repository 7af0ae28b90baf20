//! Connected stores (issue 11): connect one, list them, choose the outlets that offer stock online,
//! edit one (credentials replaced whole, e.g. a key rotation), deactivate and reactivate it.
//! Credentials go in and never come out: no answer, log line or audit entry carries them.

use super::{ConnectionPatch, ConnectionRecord, ConnectionRefusal, NewConnection};
use crate::auth::Authenticated;
use crate::bridges::{bridge_for, Credentials};
use crate::error::{parse_json, AppError, AppPath};
use crate::store::now_ms;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use shared::auth::Caller;
use shared::limits::{MAX_ID_LEN, MAX_PARTS, MAX_TEXT_LEN};
use shared::online::{ConnectionView, OnlineOutletsRequest};

fn refused(e: ConnectionRefusal) -> AppError {
    match e {
        ConnectionRefusal::UnknownConnection(id) => AppError::NotFound(format!("no connection '{id}'")),
        ConnectionRefusal::AlreadyConnected(_) | ConnectionRefusal::OtherStore(_) => AppError::refused(StatusCode::CONFLICT, e.code(), e.to_string()),
        e => AppError::unprocessable(e.code(), e.to_string()),
    }
}

fn check_outlet_list(outlets: &[String], field: &str) -> Result<(), AppError> {
    if outlets.len() > MAX_PARTS || outlets.iter().any(|o| o.is_empty() || o.len() > MAX_ID_LEN) {
        return Err(AppError::BadRequest(format!("invalid JSON body at {field}: at most {MAX_PARTS} outlet ids of 1 to {MAX_ID_LEN} characters")));
    }
    Ok(())
}

fn check_name(name: &str) -> Result<String, AppError> {
    let name = name.trim();
    if name.is_empty() || name.len() > MAX_TEXT_LEN {
        return Err(AppError::BadRequest(format!("invalid JSON body at name: 1 to {MAX_TEXT_LEN} characters")));
    }
    Ok(name.into())
}

/// An http(s) URL naming a host, without trailing slashes (so `https://x/` and `https://x` name one
/// store). No user and password (`https://user:pass@x` would put a secret where every page shows the
/// URL), no query, no fragment: the bridges append their own paths and queries.
fn check_base_url(url: &str) -> Result<String, AppError> {
    let url = url.trim();
    let bad = |why: &str| AppError::BadRequest(format!("invalid JSON body at base_url: {why}"));
    if url.len() > MAX_TEXT_LEN || !(url.starts_with("https://") || url.starts_with("http://")) || url.contains(char::is_whitespace) {
        return Err(bad(&format!("an http(s) URL of at most {MAX_TEXT_LEN} characters")));
    }
    let parsed = reqwest::Url::parse(url).map_err(|e| bad(&format!("not a URL ({e})")))?;
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(bad("a URL with a host"));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(bad("no user or password in the URL; credentials go in their own fields"));
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(bad("the store's address only, without ? or #"));
    }
    Ok(url.trim_end_matches('/').into())
}

fn check_register_id(id: &str) -> Result<String, AppError> {
    if id.is_empty() || id.len() > MAX_ID_LEN {
        return Err(AppError::BadRequest(format!("invalid JSON body at orders_register_id: 1 to {MAX_ID_LEN} characters")));
    }
    Ok(id.into())
}

/// Every secret and id of the credentials: 1 to `MAX_TEXT_LEN` characters (an empty secret would sign
/// with an empty key). The message names the field, never its value.
fn check_credentials(c: &Credentials) -> Result<(), AppError> {
    let serde_json::Value::Object(fields) = serde_json::to_value(c).map_err(|e| AppError::BadRequest(format!("invalid JSON body at credentials: {e}")))? else {
        return Err(AppError::BadRequest("invalid JSON body at credentials: an object".into()));
    };
    for (field, value) in fields {
        if let serde_json::Value::String(s) = value {
            if s.trim().is_empty() || s.len() > MAX_TEXT_LEN {
                return Err(AppError::BadRequest(format!("invalid JSON body at credentials.{field}: 1 to {MAX_TEXT_LEN} characters")));
            }
        }
    }
    Ok(())
}

fn staff_id(caller: &Caller) -> Result<&str, AppError> {
    caller.staff.as_ref().map(|s| s.id.as_str()).ok_or_else(AppError::unauthenticated)
}

/// `POST /connections` (a manager of the orders register's outlet, or an admin): a store to connect.
/// Answers the connection without its credentials.
pub async fn create(State(state): State<AppState>, Authenticated(caller): Authenticated, body: Bytes) -> Result<Response, AppError> {
    let new: NewConnection = parse_json(&body)?;
    let name = check_name(&new.name)?;
    let base_url = check_base_url(&new.base_url)?;
    check_register_id(&new.orders_register_id)?;
    check_outlet_list(&new.online_outlets, "online_outlets")?;
    check_credentials(&new.credentials)?;
    if new.credentials.platform() != new.platform {
        return Err(refused(ConnectionRefusal::PlatformMismatch));
    }
    let new = NewConnection { name, base_url, ..new };
    let id = crate::store::online_in::new_id();
    let view = state.store.create_connection(&new, &id, caller.outlets().as_deref()).await?.map_err(refused)?;
    Ok((StatusCode::CREATED, Json(view)).into_response())
}

/// `GET /connections`: the caller's outlets' connected stores, never their credentials.
pub async fn list(State(state): State<AppState>, Authenticated(caller): Authenticated) -> Result<Json<Vec<ConnectionView>>, AppError> {
    Ok(Json(state.store.connections(caller.outlets().as_deref()).await?))
}

/// `PUT /connections/{id}/outlets`: the outlets offering stock online, in priority order.
pub async fn set_outlets(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    AppPath(id): AppPath<String>,
    body: Bytes,
) -> Result<Json<ConnectionView>, AppError> {
    let req: OnlineOutletsRequest = parse_json(&body)?;
    check_outlet_list(&req.outlets, "outlets")?;
    Ok(Json(state.store.set_online_outlets(&id, &req.outlets, caller.outlets().as_deref()).await?.map_err(refused)?))
}

/// `PATCH /connections/{id}` (a manager of its outlet, or an admin; 404 for another outlet's): name,
/// base URL, credentials (replaced whole, never answered), options, orders register — checked as at
/// creation. Moving the orders register to another outlet needs that outlet too; the connection's
/// receipt sequence goes on past the online receipts already printed at the new register. New
/// credentials for another store than the one it took orders from: 409 `other_store`. Audited.
pub async fn update(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    AppPath(id): AppPath<String>,
    body: Bytes,
) -> Result<Json<ConnectionView>, AppError> {
    let patch: ConnectionPatch = parse_json(&body)?;
    if let Some(c) = &patch.credentials {
        check_credentials(c)?;
    }
    let patch = ConnectionPatch {
        name: patch.name.as_deref().map(check_name).transpose()?,
        base_url: patch.base_url.as_deref().map(check_base_url).transpose()?,
        orders_register_id: patch.orders_register_id.as_deref().map(check_register_id).transpose()?,
        ..patch
    };
    let view = state.store.update_connection(&id, &patch, caller.outlets().as_deref(), staff_id(&caller)?).await?.map_err(refused)?;
    Ok(Json(view))
}

/// `POST /connections/{id}/deactivate`: the store stops taking orders in and getting statuses and
/// stock (see `inactive_webhook`); its orders stay. Repeating it changes nothing.
pub async fn deactivate(State(state): State<AppState>, Authenticated(caller): Authenticated, AppPath(id): AppPath<String>) -> Result<Json<ConnectionView>, AppError> {
    set_active(&state, &caller, &id, false).await
}

/// `POST /connections/{id}/activate`: active again — 409 `already_connected` while another connection
/// of the same store is active. Reconciliation then pulls from where it stopped, so orders placed
/// meanwhile come in; status calls owed wait in the outbox and go out.
pub async fn activate(State(state): State<AppState>, Authenticated(caller): Authenticated, AppPath(id): AppPath<String>) -> Result<Json<ConnectionView>, AppError> {
    set_active(&state, &caller, &id, true).await
}

async fn set_active(state: &AppState, caller: &Caller, id: &str, active: bool) -> Result<Json<ConnectionView>, AppError> {
    Ok(Json(state.store.set_connection_active(id, active, caller.outlets().as_deref(), staff_id(caller)?).await?.map_err(refused)?))
}

/// A webhook to an inactive connection: its signature is still checked (401 when bad), then it is
/// answered 200 `{"outcome":"inactive"}` and nothing is stored. Not 404 or 410: every platform counts
/// any other answer as a failure and, after a while, drops the subscription (Shopify deletes it, after
/// retrying for 4 h; WooCommerce disables it at the 7th failure in a row; BigCommerce deactivates it
/// after about 48 h; Ecwid blocks the app's webhooks after two weeks), so a store deactivated for a day
/// would come back with its webhooks gone. Nothing is lost by not storing: the connection's
/// reconciliation mark stays where it stopped, and after reactivation the next pull reads every order
/// modified since.
pub(crate) fn inactive_webhook(state: &AppState, record: &ConnectionRecord, headers: &HeaderMap, body: &Bytes) -> Result<Response, AppError> {
    bridge_for(record.view.platform, &state.http)
        .verify(&record.bridge, headers, body, now_ms())
        .map_err(|e| AppError::refused(StatusCode::UNAUTHORIZED, "bad_signature", e.to_string()))?;
    tracing::info!(connection = %record.view.id, "webhook to an inactive connection: answered, not acted on");
    Ok(Json(serde_json::json!({"outcome": "inactive"})).into_response())
}
