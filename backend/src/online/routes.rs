//! The routes of online orders in: a store's webhooks, the orders page's data (connecting a store:
//! `connections.rs`).

use super::held::{IngestOptions, NewHold};
use super::{held, IngestOutcome, OrdersFilter, OrdersKey};
use crate::auth::{require_outlet, Authenticated};
use crate::bridges::{bridge_for, BridgeError, DeliveryEvent};
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
use shared::online::held as codes;
use shared::online::{HeldOnlineOrder, IncomingOrder, OrderPartView};

/// `POST /webhooks/{connection_id}` (public: the platform's signature is the credential). A bad or
/// missing signature: 401, nothing stored. Once the signature checks out the answer is 200, a repeat
/// included: what cannot be read, fetched or stored is held with its raw body (`online::held`), since
/// every platform disables a webhook that keeps failing. Only a store that cannot even hold it: 503.
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
    let raw = held::raw_text(&body);
    let key = delivery.key.as_str();
    let hold = |external_id: String, code: &'static str, reason: String| HeldRaw { external_id, code, reason };
    let outcome = match delivery.event {
        // Unsigned: nothing written.
        DeliveryEvent::Ping => IngestOutcome::Ignored,
        DeliveryEvent::Ignored { why } => {
            tracing::debug!(connection = %connection_id, "webhook ignored: {why}");
            state.store.ingest_order(&connection_id, key, None).await.map_err(unavailable)?
        }
        DeliveryEvent::Unreadable { external_id, why } => {
            let external_id = external_id.unwrap_or_else(|| held::synthetic_id(key));
            hold(external_id, codes::UNREADABLE, why).write(&state, &connection_id, &raw, key).await?
        }
        DeliveryEvent::Order { order: Some(order), .. } => take_in(&state, &connection_id, key, &order, IngestOptions { raw: Some(&raw), ..Default::default() }).await?,
        DeliveryEvent::Order { external_id, order: None } => match bridge.fetch_order(&record.bridge, &external_id).await {
            Ok(order) => take_in(&state, &connection_id, key, &order, IngestOptions { raw: Some(&raw), ..Default::default() }).await?,
            Err(e) => {
                tracing::warn!(connection = %connection_id, order = %external_id, "fetching a webhook's order: {e}");
                let (code, reason) = fetch_failure(&e);
                hold(external_id, code, reason).write(&state, &connection_id, &raw, key).await?
            }
        },
    };
    Ok(Json(outcome).into_response())
}

/// A delivery held before any order could be read from it.
struct HeldRaw {
    external_id: String,
    code: &'static str,
    reason: String,
}

impl HeldRaw {
    async fn write(self, state: &AppState, connection_id: &str, raw: &str, key: &str) -> Result<IngestOutcome, AppError> {
        let h = NewHold { connection_id, external_id: &self.external_id, order: None, raw: Some(raw), delivery_key: Some(key), code: self.code, reason: &self.reason };
        hold_or_unavailable(state, &h).await
    }
}

/// The hold code of an order the platform's API did not give, and its reason. Unreachable (5xx, 429, a
/// network failure) is fetched again by every reconciliation run; refused (a 4xx: revoked credentials,
/// an order gone) and unreadable wait for a manager's retry.
fn fetch_failure(e: &BridgeError) -> (&'static str, String) {
    match e {
        BridgeError::Malformed(why) => (codes::UNREADABLE, format!("the platform's order cannot be read: {why}")),
        BridgeError::Refused { .. } => (codes::PLATFORM_REFUSED, format!("the platform would not give the order: {e}")),
        BridgeError::RateLimited { .. } | BridgeError::Unavailable(_) => (codes::PLATFORM_UNREACHABLE, format!("the platform could not be reached: {e}")),
    }
}

/// A store that cannot write (it could hold nothing): 503, so the platform delivers again.
fn unavailable(e: anyhow::Error) -> AppError {
    tracing::error!("webhook: the store cannot write: {e:#}");
    AppError::refused(StatusCode::SERVICE_UNAVAILABLE, "store_unavailable", "the order could not be stored; deliver it again later")
}

async fn hold_or_unavailable(state: &AppState, h: &NewHold<'_>) -> Result<IngestOutcome, AppError> {
    state.store.hold_online_order(h).await.map_err(unavailable)?;
    Ok(IngestOutcome::Held { code: h.code.into() })
}

/// An order read: taken in, or — when the store refuses it with an error — held whole, in a
/// transaction of its own (the failed one wrote nothing).
pub(crate) async fn take_in(state: &AppState, connection_id: &str, key: &str, order: &IncomingOrder, opts: IngestOptions<'_>) -> Result<IngestOutcome, AppError> {
    match state.store.ingest_order_with(connection_id, key, Some(order), opts).await {
        Ok(outcome) => Ok(outcome),
        Err(e) => {
            tracing::warn!(connection = %connection_id, order = %order.external_id, "the store refused an order: {e:#}");
            let reason: String = format!("the store could not take it in: {e}").chars().take(MAX_TEXT_LEN).collect();
            let h = NewHold { connection_id, external_id: &order.external_id, order: Some(order), raw: opts.raw, delivery_key: Some(key), code: codes::STORE_ERROR, reason: &reason };
            hold_or_unavailable(state, &h).await
        }
    }
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

/// `POST /held/orders/{id}/retry`: takes a held order in again (once its SKUs are in the catalog, an
/// outlet offers stock online, the platform answers…), on purpose even when it was placed before the
/// connection: created, or held again with the reason of now. With no order read, its raw body is read
/// again by the bridge (or the order fetched when the body only names it).
pub async fn retry_held(State(state): State<AppState>, Authenticated(caller): Authenticated, AppPath(id): AppPath<i64>) -> Result<Response, AppError> {
    let held = state.store.held_online_orders(caller.outlets().as_deref(), Some(id.saturating_sub(1)), 1).await?;
    let Some(h) = held.items.into_iter().find(|h| h.id == id) else {
        return Err(AppError::NotFound(format!("no held order {id}")));
    };
    Ok(Json(retry(&state, &h, true).await?).into_response())
}

/// One held order taken in again: by a manager (`by_manager`: an order placed before the connection is
/// taken in on purpose), or by reconciliation's pending fetches.
pub(crate) async fn retry(state: &AppState, h: &HeldOnlineOrder, by_manager: bool) -> Result<IngestOutcome, AppError> {
    let key = format!("retry:{}:{}", h.id, now_ms());
    let opts = IngestOptions { raw: h.raw.as_deref(), take_before_connection: by_manager, resolves: Some(h.id) };
    let order = match &h.order {
        Some(order) => order.clone(),
        None => {
            let Some(record) = state.store.connection(&h.connection_id).await? else {
                return Err(AppError::NotFound(format!("no connection '{}'", h.connection_id)));
            };
            let bridge = bridge_for(record.view.platform, &state.http);
            match bridge.reread(&record.bridge, &h.external_id, h.raw.as_deref().unwrap_or_default().as_bytes()).await {
                Ok(order) => order,
                Err(e) => {
                    let (code, reason) = fetch_failure(&e);
                    let again = NewHold { connection_id: &h.connection_id, external_id: &h.external_id, order: None, raw: h.raw.as_deref(), delivery_key: h.delivery_key.as_deref(), code, reason: &reason };
                    return hold_or_unavailable(state, &again).await;
                }
            }
        }
    };
    take_in(state, &h.connection_id, &key, &order, opts).await
}
