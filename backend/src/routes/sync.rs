//! The sync API: a device introduces itself (`POST /devices`) and pushes its outbox (`POST /sync/push`).
//! What is not a sale at all is refused here, at the edge, before anything is written; every
//! well-formed sale is then stored, recognised as already stored, or held for review — one at a time,
//! each in its own short transaction (see `store::push`).

use crate::error::{parse_json, AppError};
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::Json;
use serde::Deserialize;
use shared::limits::{check_sale, MAX_ID_LEN, MAX_SALES_PER_PUSH};
use shared::sync::{Device, DeviceHello, HeldSale, PushRequest, PushResponse, PushStatus};

/// `POST /devices`: the device's number, given the first time (idempotent on the device id).
pub async fn hello(State(state): State<AppState>, body: Bytes) -> Result<Json<Device>, AppError> {
    let hello: DeviceHello = parse_json(&body)?;
    let id = hello.device_id.as_str();
    let well_formed = !id.is_empty()
        && id.len() <= MAX_ID_LEN
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !well_formed {
        return Err(AppError::BadRequest(format!(
            "invalid JSON body at device_id: 1 to {MAX_ID_LEN} letters, digits, '-' or '_'"
        )));
    }
    Ok(Json(state.store.device_hello(id).await?))
}

/// `POST /sync/push`.
pub async fn push(State(state): State<AppState>, body: Bytes) -> Result<Json<PushResponse>, AppError> {
    let req: PushRequest = parse_json(&body)?;
    if req.sales.len() > MAX_SALES_PER_PUSH {
        return Err(AppError::BadRequest(format!(
            "invalid JSON body at sales: {} sales, at most {MAX_SALES_PER_PUSH} per push",
            req.sales.len()
        )));
    }
    let Some(device) = state.store.device(&req.device_id).await? else {
        return Err(AppError::Unprocessable {
            code: "unknown_device",
            message: format!("unknown device '{}': introduce it with POST /api/v1/devices first", req.device_id),
            seq: None,
        });
    };
    // All or nothing at the edge: a push naming one out-of-range sale writes nothing, and names it.
    for sale in &req.sales {
        check_sale(sale).map_err(|e| AppError::SaleRefused {
            code: "out_of_range",
            message: format!("sale {}: {e}", sale.id),
            seq: sale.seq,
            sale_id: sale.id.clone(),
        })?;
    }
    let mut results = Vec::with_capacity(req.sales.len());
    for sale in &req.sales {
        results.push(state.store.push_sale(&device, sale).await?);
    }
    let count = |s: PushStatus| results.iter().filter(|r| r.status == s).count();
    let (stored, held) = (count(PushStatus::Stored), count(PushStatus::Held));
    if stored + held > 0 {
        tracing::info!(device = %device.id, stored, held, "push");
    }
    Ok(Json(PushResponse { results }))
}

#[derive(Deserialize)]
pub struct HeldQuery {
    device: Option<String>,
}

/// `GET /held?device=ID`: sales held for review, not yet resolved, oldest first.
pub async fn held(State(state): State<AppState>, Query(q): Query<HeldQuery>) -> Result<Json<Vec<HeldSale>>, AppError> {
    Ok(Json(state.store.held_sales(q.device.as_deref()).await?))
}
