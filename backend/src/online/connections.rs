//! Connected stores (issue 11): connect one, list them, choose the outlets that offer stock online.
//! Credentials go in and never come out: no answer carries them.

use super::NewConnection;
use crate::auth::Authenticated;
use crate::error::{parse_json, AppError, AppPath};
use crate::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use shared::limits::{MAX_ID_LEN, MAX_PARTS, MAX_TEXT_LEN};
use shared::online::{ConnectionView, OnlineOutletsRequest};

fn refused(e: super::ConnectionRefusal) -> AppError {
    if let super::ConnectionRefusal::AlreadyConnected(_) = e {
        return AppError::Conflict { message: e.to_string(), seq: None };
    }
    AppError::unprocessable(e.code(), e.to_string())
}

fn check_outlet_list(outlets: &[String], field: &str) -> Result<(), AppError> {
    if outlets.len() > MAX_PARTS || outlets.iter().any(|o| o.is_empty() || o.len() > MAX_ID_LEN) {
        return Err(AppError::BadRequest(format!("invalid JSON body at {field}: at most {MAX_PARTS} outlet ids of 1 to {MAX_ID_LEN} characters")));
    }
    Ok(())
}

/// `POST /connections` (a manager of the orders register's outlet, or an admin): a store to connect.
/// Answers the connection without its credentials.
pub async fn create(State(state): State<AppState>, Authenticated(caller): Authenticated, body: Bytes) -> Result<Response, AppError> {
    let new: NewConnection = parse_json(&body)?;
    let name = new.name.trim();
    if name.is_empty() || name.len() > MAX_TEXT_LEN {
        return Err(AppError::BadRequest(format!("invalid JSON body at name: 1 to {MAX_TEXT_LEN} characters")));
    }
    let url = new.base_url.trim();
    if url.len() > MAX_TEXT_LEN || !(url.starts_with("https://") || url.starts_with("http://")) {
        return Err(AppError::BadRequest("invalid JSON body at base_url: an http(s) URL of at most 500 characters".into()));
    }
    if new.orders_register_id.is_empty() || new.orders_register_id.len() > MAX_ID_LEN {
        return Err(AppError::BadRequest(format!("invalid JSON body at orders_register_id: 1 to {MAX_ID_LEN} characters")));
    }
    check_outlet_list(&new.online_outlets, "online_outlets")?;
    if new.credentials.platform() != new.platform {
        return Err(AppError::unprocessable("platform_mismatch", "the credentials are for another platform"));
    }
    let new = NewConnection { name: name.into(), base_url: url.trim_end_matches('/').into(), ..new };
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
    match state.store.set_online_outlets(&id, &req.outlets, caller.outlets().as_deref()).await? {
        Ok(view) => Ok(Json(view)),
        Err(super::ConnectionRefusal::UnknownConnection(_)) => Err(AppError::NotFound(format!("no connection '{id}'"))),
        Err(e) => Err(refused(e)),
    }
}
