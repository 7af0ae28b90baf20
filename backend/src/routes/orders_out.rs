//! Orders out: a manager's order operations from the back office (the same store path as a device's
//! pushed operations) and what a connected store is still owed.

use crate::auth::Authenticated;
use crate::error::{parse_json, AppError, AppPath};
use crate::store::online_out::OutboxSummary;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::State;
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
/// refused, with the stock push's version.
pub async fn outbox(State(state): State<AppState>, Authenticated(caller): Authenticated, AppPath(id): AppPath<String>) -> Result<Json<OutboxSummary>, AppError> {
    let visible = state.store.connections(caller.outlets().as_deref()).await?.iter().any(|c| c.id == id);
    let summary = state.store.outbox_summary(&id).await?.filter(|_| visible);
    summary.map(Json).ok_or_else(|| AppError::NotFound(format!("no connection '{id}'")))
}
