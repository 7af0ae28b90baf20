//! The sync API: an enrolled device pushes its outbox (`POST /sync/push`) and reads what is held.
//! What is not a sale at all is refused here, at the edge, before anything is written; every
//! well-formed sale is then stored, recognised as already stored, or held for review — one at a time,
//! each in its own short transaction (see `store::push`).

use crate::auth::Authenticated;
use crate::error::{parse_json, AppError, AppQuery};
use crate::routes::paging::{cursor, limit, Paged};
use crate::store::page::MAX_PAGE;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use shared::limits::{check_sale, MAX_OPS_PER_PUSH, MAX_SALES_PER_PUSH};
use shared::sync::ops::HeldOp;
use shared::sync::{Device, HeldSale, OpStatus, PushRequest, PushResponse, PushStatus};

/// `POST /sync/push`: only the calling device's own outbox.
pub async fn push(State(state): State<AppState>, Authenticated(caller): Authenticated, body: Bytes) -> Result<Json<PushResponse>, AppError> {
    let req: PushRequest = parse_json(&body)?;
    let caller_device = caller.device.as_ref().ok_or_else(AppError::unauthenticated)?;
    // Another device's outbox is never stored under this credential.
    if req.device_id != caller_device.id {
        return Err(AppError::forbidden(format!("this credential is device '{}', not '{}'", caller_device.id, req.device_id)));
    }
    if req.sales.len() > MAX_SALES_PER_PUSH {
        return Err(AppError::BadRequest(format!(
            "invalid JSON body at sales: {} sales, at most {MAX_SALES_PER_PUSH} per push",
            req.sales.len()
        )));
    }
    if req.ops.len() > MAX_OPS_PER_PUSH {
        return Err(AppError::BadRequest(format!("invalid JSON body at ops: {} operations, at most {MAX_OPS_PER_PUSH} per push", req.ops.len())));
    }
    // All or nothing at the edge: a push naming one out-of-range sale writes nothing, and names it.
    for sale in &req.sales {
        check_sale(sale).map_err(|e| AppError::SaleRefused {
            code: "out_of_range",
            message: format!("sale {}: {e}", sale.id),
            seq: sale.seq,
            sale_id: sale.id.clone(),
        })?;
    }
    let device = Device { id: caller_device.id.clone(), number: caller_device.number };
    // Operations first, then sales. Safe because a device puts in one push only operations it made
    // before every sale of that push (`sync_client::drain` cuts its pushes so): this order is the order
    // they were made in — a customer created offline exists before the sale that names it, serials are
    // on file before they are sold, a count is taken after the sales made before it. An operation is
    // never refused here: out of range or not acceptable, it is held (`store::ops`).
    let mut ops = Vec::with_capacity(req.ops.len());
    for op in &req.ops {
        ops.push(state.store.apply_op(&device, Some(&caller_device.outlet_id), op).await?);
    }
    let mut results = Vec::with_capacity(req.sales.len());
    for sale in &req.sales {
        results.push(state.store.push_sale(&device, Some(&caller_device.outlet_id), sale).await?);
    }
    let count = |s: PushStatus| results.iter().filter(|r| r.status == s).count();
    let (stored, held) = (count(PushStatus::Stored), count(PushStatus::Held));
    let applied = ops.iter().filter(|r| r.status == OpStatus::Applied).count();
    let ops_held = ops.iter().filter(|r| r.status == OpStatus::Held).count();
    if stored + held + applied + ops_held > 0 {
        tracing::info!(device = %device.id, stored, held, applied, ops_held, "push");
    }
    Ok(Json(PushResponse { results, ops }))
}

#[derive(Deserialize)]
pub struct HeldQuery {
    device: Option<String>,
    after: Option<String>,
    limit: Option<u32>,
}

/// `GET /held?device=ID`: sales held for review, not yet resolved, oldest first — a device alone sees
/// its own; staff see their outlets' (an admin all).
pub async fn held(State(state): State<AppState>, Authenticated(caller): Authenticated, AppQuery(q): AppQuery<HeldQuery>) -> Result<Paged<HeldSale>, AppError> {
    let (after, limit) = (cursor(q.after.as_deref())?, limit(q.limit, MAX_PAGE));
    let held = match (&caller.staff, &caller.device) {
        (None, Some(d)) => {
            if q.device.as_deref().is_some_and(|id| id != d.id) {
                return Err(AppError::forbidden("a device reads its own held sales"));
            }
            state.store.held_sales(Some(&d.id), None, after, limit).await?
        }
        _ => state.store.held_sales(q.device.as_deref(), caller.outlets().as_deref(), after, limit).await?,
    };
    Ok(Paged(held))
}

/// `GET /held/ops?device=ID`: operations (payments, serials, stock adjustments, customers) held for
/// review, not yet resolved, oldest first — a device alone sees its own; staff those of devices at their
/// outlets (an admin all).
pub async fn held_ops(State(state): State<AppState>, Authenticated(caller): Authenticated, AppQuery(q): AppQuery<HeldQuery>) -> Result<Json<Vec<HeldOp>>, AppError> {
    let held = match (&caller.staff, &caller.device) {
        (None, Some(d)) => {
            if q.device.as_deref().is_some_and(|id| id != d.id) {
                return Err(AppError::forbidden("a device reads its own held operations"));
            }
            state.store.held_ops(Some(&d.id), None).await?
        }
        _ => state.store.held_ops(q.device.as_deref(), caller.outlets().as_deref()).await?,
    };
    Ok(Json(held))
}
