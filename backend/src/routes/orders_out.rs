//! Orders out: a manager's order operations from the back office (the same store path as a device's
//! pushed operations) and what a connected store is still owed.

use crate::auth::Authenticated;
use crate::error::{parse_json, AppError, AppPath};
use crate::store::online_out::{OutboxSummary, Retried, RetryRefusal};
use crate::store::now_ms;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use shared::sync::{Device, OpResult, OpStatus, Operation};

/// `POST /orders/ops` (a manager of the part's outlet, or an admin, signed in; no device): one order
/// operation (`order_action`, `order_pick`, `order_note`, `order_assign`, `order_payment`, `sale_note`),
/// applied exactly once per id like a device's. The signed-in manager is its author; the device is
/// `staff:<id>`. 200 with `applied` or `duplicate`; a held operation answers 422 with its reason (kept
/// with the held operations; a corrected one is a new operation).
pub async fn apply(State(state): State<AppState>, Authenticated(caller): Authenticated, body: Bytes) -> Result<Json<OpResult>, AppError> {
    let staff = caller.staff.as_ref().ok_or_else(AppError::unauthenticated)?;
    let op: Operation = parse_json(&body)?;
    if op.body.order_id().is_none() {
        return Err(AppError::unprocessable("not_an_order_operation", format!("{} is not an order operation", op.body.kind())));
    }
    let device = Device { id: format!("staff:{}", staff.id), number: 0 };
    let op = Operation { device_id: device.id.clone(), cashier_id: staff.id.clone(), ..op };
    let result = state.store.apply_op(&device, None, &op).await?;
    if result.status == OpStatus::Held {
        let hold = result.hold.clone().expect("a held operation has its reason");
        return Err(AppError::unprocessable(hold.code(), hold.to_string()));
    }
    Ok(Json(result))
}

/// `GET /connections/{id}/outbox` (manager): status calls still owed to the platform and those it
/// refused, the stock push's state and the stock levels it refused.
pub async fn outbox(State(state): State<AppState>, Authenticated(caller): Authenticated, AppPath(id): AppPath<String>) -> Result<Json<OutboxSummary>, AppError> {
    let visible = state.store.connections(caller.outlets().as_deref()).await?.iter().any(|c| c.id == id);
    let summary = state.store.outbox_summary(&id).await?.filter(|_| visible);
    summary.map(Json).ok_or_else(|| AppError::NotFound(format!("no connection '{id}'")))
}

/// A manager of the connection's orders outlet, or an admin: else 404 (the connection is not theirs to see).
async fn check_visible(state: &AppState, caller: &shared::auth::Caller, id: &str) -> Result<(), AppError> {
    let visible = state.store.connections(caller.outlets().as_deref()).await?.iter().any(|c| c.id == id);
    if visible {
        Ok(())
    } else {
        Err(AppError::NotFound(format!("no connection '{id}'")))
    }
}

/// `POST /connections/{id}/outbox/{call_id}/retry` (a manager of the connection's outlet, or an admin):
/// a status call the platform refused (a 401 after a key rotation…) is due again now, its attempts
/// reset; audited. 404: no such connection or call; 409 `not_failed` (pending or done) or `superseded`
/// (a later status of the same order was sent or is owed: this one would undo it).
pub async fn retry_call(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    AppPath((id, call_id)): AppPath<(String, i64)>,
) -> Result<Json<Retried>, AppError> {
    let staff = caller.staff.as_ref().ok_or_else(AppError::unauthenticated)?;
    check_visible(&state, &caller, &id).await?;
    match state.store.retry_outbox(&id, Some(call_id), &staff.id, now_ms()).await? {
        Ok(r) => Ok(Json(r)),
        Err(RetryRefusal::UnknownCall) => Err(AppError::NotFound(format!("no call {call_id} for connection '{id}'"))),
        Err(RetryRefusal::NotFailed) => Err(AppError::refused(StatusCode::CONFLICT, "not_failed", format!("call {call_id} was not refused: it is pending or done"))),
        Err(RetryRefusal::Superseded) => Err(AppError::refused(
            StatusCode::CONFLICT,
            "superseded",
            format!("a later status of this order was sent or is owed after call {call_id}: sending it now would undo that one"),
        )),
    }
}

/// `POST /connections/{id}/outbox/retry`: everything the platform refused, sent again — every failed
/// status call no later status of its order superseded (due now, attempts reset), and every refused
/// stock level (with the next run) — after the connection's credentials were fixed, say. Audited.
pub async fn retry_all(State(state): State<AppState>, Authenticated(caller): Authenticated, AppPath(id): AppPath<String>) -> Result<Json<Retried>, AppError> {
    let staff = caller.staff.as_ref().ok_or_else(AppError::unauthenticated)?;
    check_visible(&state, &caller, &id).await?;
    match state.store.retry_outbox(&id, None, &staff.id, now_ms()).await? {
        Ok(r) => Ok(Json(r)),
        Err(_) => Err(AppError::NotFound(format!("no connection '{id}'"))),
    }
}
