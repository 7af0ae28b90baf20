//! The routes of online orders in: a store's webhooks, the orders page's data (connecting a store:
//! `connections.rs`).

use super::{OrdersFilter, OrdersKey};
use crate::auth::{require_outlet, Authenticated};
use crate::bridges::bridge_for;
use crate::error::{AppError, AppPath, AppQuery};
use crate::routes::paging::{cursor, limit, Paged, PageQuery, MAX_CURSOR_LEN};
use crate::store::now_ms;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use shared::auth::{Caller, Role};
use shared::fulfilment::{OrderType, PartStatus};
use shared::limits::{MAX_ID_LEN, MAX_TEXT_LEN};
use shared::online::{HeldOnlineOrder, OrderPartView};

/// `POST /webhooks/{connection_id}` (public: the platform's signature is the credential). A bad or
/// missing signature: 401, nothing stored. A platform we cannot reach to read a thin webhook's order:
/// 503, so the platform delivers again. Otherwise 200, a repeat included.
pub async fn webhook(
    State(state): State<AppState>,
    AppPath(connection_id): AppPath<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    let record = match state.store.connection(&connection_id).await? {
        Some(r) if r.view.active => r,
        Some(r) => return super::connections::inactive_webhook(&state, &r, &headers, &body),
        _ => return Err(AppError::NotFound(format!("no connection '{connection_id}'"))),
    };
    let bridge = bridge_for(record.view.platform, &state.http);
    let delivery = bridge
        .verify(&record.bridge, &headers, &body, now_ms())
        .map_err(|e| AppError::refused(StatusCode::UNAUTHORIZED, "bad_signature", e.to_string()))?;
    let outcome = match delivery.event {
        crate::bridges::DeliveryEvent::Ignored { why } => {
            tracing::debug!(connection = %connection_id, "webhook ignored: {why}");
            state.store.ingest_order(&connection_id, &delivery.key, None).await?
        }
        crate::bridges::DeliveryEvent::Order { order: Some(order), .. } => state.store.ingest_order(&connection_id, &delivery.key, Some(&order)).await?,
        crate::bridges::DeliveryEvent::Order { external_id, order: None } => {
            let order = bridge.fetch_order(&record.bridge, &external_id).await.map_err(|e| {
                tracing::warn!(connection = %connection_id, order = %external_id, "fetching a webhook's order: {e}");
                AppError::refused(StatusCode::SERVICE_UNAVAILABLE, "platform_unavailable", format!("could not read order {external_id} from the platform: {e}"))
            })?;
            state.store.ingest_order(&connection_id, &delivery.key, Some(&order)).await?
        }
    };
    Ok(Json(outcome).into_response())
}

/// Managers (their outlets), admins, and enrolled devices (their outlet) read orders; a cashier signed
/// in without a device does not.
fn may_read_orders(caller: &Caller) -> Result<(), AppError> {
    if caller.device.is_some() || caller.staff.as_ref().is_some_and(|s| matches!(s.role, Role::Manager | Role::Admin)) {
        Ok(())
    } else {
        Err(AppError::refused(StatusCode::FORBIDDEN, "forbidden", "the orders page is for managers and the outlet's devices"))
    }
}

#[derive(Deserialize, schemars::JsonSchema)]
pub struct OrdersQuery {
    /// One outlet's parts (default: every outlet the caller may see).
    #[schemars(length(max = MAX_ID_LEN))]
    pub outlet: Option<String>,
    /// Parts with this status (default: every unfinished part).
    pub status: Option<PartStatus>,
    /// Delivery or pickup.
    #[serde(rename = "type")]
    pub order_type: Option<OrderType>,
    /// Searches receipt numbers, the platform's order numbers and customer names.
    #[schemars(length(max = MAX_TEXT_LEN))]
    pub q: Option<String>,
    /// The next page's cursor, from the previous answer's `X-Next-Cursor` header.
    #[schemars(length(max = MAX_CURSOR_LEN))]
    pub after: Option<String>,
    #[schemars(range(min = 1, max = crate::store::page::MAX_PAGE))]
    pub limit: Option<u32>,
}

/// `GET /orders?outlet=&status=&type=&q=&after=&limit=`: the orders page, oldest first.
pub async fn orders(State(state): State<AppState>, Authenticated(caller): Authenticated, AppQuery(q): AppQuery<OrdersQuery>) -> Result<Paged<OrderPartView>, AppError> {
    may_read_orders(&caller)?;
    if let Some(o) = &q.outlet {
        require_outlet(&caller, o)?;
    }
    if q.q.as_ref().is_some_and(|s| s.len() > MAX_TEXT_LEN) {
        return Err(AppError::BadRequest(format!("q: at most {MAX_TEXT_LEN} characters")));
    }
    let after: Option<OrdersKey> = cursor(q.after.as_deref())?;
    let filter = OrdersFilter { outlet: q.outlet, status: q.status, order_type: q.order_type, q: q.q };
    Ok(Paged(state.store.list_orders(&filter, caller.outlets().as_deref(), after.as_ref(), limit(q.limit, 200)).await?))
}

/// `GET /orders/{id}`: every part of one order the caller may see (404 when none).
pub async fn order(State(state): State<AppState>, Authenticated(caller): Authenticated, AppPath(id): AppPath<String>) -> Result<Json<Vec<OrderPartView>>, AppError> {
    may_read_orders(&caller)?;
    let parts: Vec<OrderPartView> = state.store.order(&id).await?.into_iter().filter(|p| caller.may_see_outlet(&p.outlet_id)).collect();
    if parts.is_empty() {
        return Err(AppError::NotFound(format!("no order '{id}'")));
    }
    Ok(Json(parts))
}

/// `GET /held/orders`: platform orders held for a manager, oldest first.
pub async fn held(State(state): State<AppState>, Authenticated(caller): Authenticated, AppQuery(q): AppQuery<PageQuery>) -> Result<Paged<HeldOnlineOrder>, AppError> {
    let after: Option<i64> = cursor(q.after.as_deref())?;
    Ok(Paged(state.store.held_online_orders(caller.outlets().as_deref(), after, limit(q.limit, 200)).await?))
}

/// `POST /held/orders/{id}/retry`: takes a held order in again as it was received (once its SKUs are in
/// the catalog, an outlet offers stock online…): created, or held again with the reason of now.
pub async fn retry_held(State(state): State<AppState>, Authenticated(caller): Authenticated, AppPath(id): AppPath<i64>) -> Result<Response, AppError> {
    let held = state.store.held_online_orders(caller.outlets().as_deref(), Some(id.saturating_sub(1)), 1).await?;
    let Some(h) = held.items.into_iter().find(|h| h.id == id) else {
        return Err(AppError::NotFound(format!("no held order {id}")));
    };
    let key = format!("retry:{id}:{}", now_ms());
    let outcome = state.store.ingest_order(&h.connection_id, &key, Some(&h.order)).await?;
    Ok(Json(outcome).into_response())
}
