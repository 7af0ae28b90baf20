//! Where the orders page's rows come from: the server's unfinished order parts of one outlet
//! (`GET /api/v1/orders`, paged by `X-Next-Cursor`), kept in IndexedDB at an enrolled device so scanner
//! mode works while the connection drops, with every order operation still in our outbox replayed over
//! them in the order made — the same "pulled state + outbox" view as the register's stock.

use crate::state::AppCtx;
use crate::sync::http::{self, ApiFailure, Method, NEXT_CURSOR};
use leptos::prelude::*;
use shared::fulfilment::{next_status, FulfilmentAction, OrderType, PartStatus};
use shared::online::{OrderNote, OrderPartView};
use shared::sync::{OpBody, Operation};

/// The largest page asked for; a shop's unfinished orders are few.
const PAGE: u32 = 200;

fn cache_key(outlet_id: &str) -> String {
    format!("orders:{outlet_id}")
}

/// Every unfinished part of `outlet_id`, all pages.
pub async fn fetch_parts(outlet_id: &str) -> Result<Vec<OrderPartView>, ApiFailure> {
    let mut all = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let mut url = format!("/api/v1/orders?outlet={}&limit={PAGE}", http::seg(outlet_id));
        if let Some(a) = &after {
            url.push_str(&format!("&after={}", http::seg(a)));
        }
        let resp = http::send(http::request(Method::Get, &url), None, http::TIMEOUT_MS).await;
        let next = resp.as_ref().ok().and_then(|r| r.headers().get(NEXT_CURSOR));
        let page: Vec<OrderPartView> = http::read(resp).await?;
        all.extend(page);
        match next {
            Some(n) if !n.is_empty() && Some(&n) != after.as_ref() => after = Some(n),
            _ => break,
        }
    }
    Ok(all)
}

/// One order with all its parts (`GET /api/v1/orders/{id}`): the detail view of a split order.
pub async fn fetch_order(order_id: &str) -> Result<Vec<OrderPartView>, ApiFailure> {
    http::get(&format!("/api/v1/orders/{}", http::seg(order_id))).await
}

/// The server's list, kept for when it cannot be reached (an enrolled device's scanner mode).
pub async fn load(ctx: &AppCtx, outlet_id: &str) -> (Result<Vec<OrderPartView>, ApiFailure>, bool) {
    let db = ctx.db.get_value();
    match fetch_parts(outlet_id).await {
        Ok(parts) => {
            if let (Some(db), true) = (&db, ctx.auth.enrolled().is_some()) {
                let _ = db.set_cache(&cache_key(outlet_id), &parts).await;
            }
            (Ok(parts), false)
        }
        Err(ApiFailure::Unreachable(e)) => {
            let cached = match &db {
                Some(db) => db.get_cache::<Vec<OrderPartView>>(&cache_key(outlet_id)).await.ok().flatten(),
                None => None,
            };
            // The parts the puller brought through the change log (entity `order_part`).
            let pulled: Vec<OrderPartView> = ctx.pulled.with_value(|r| {
                r.order_parts.values().filter(|p| p.outlet_id == outlet_id && !p.status.is_done()).cloned().collect()
            });
            // The pulled copy follows the live stream: newer than the last list read, when it has any.
            match cached {
                _ if !pulled.is_empty() => (Ok(pulled), true),
                Some(parts) => (Ok(parts), true),
                None => (Err(ApiFailure::Unreachable(e)), true),
            }
        }
        Err(e) => (Err(e), false),
    }
}

/// Whether `op` acts on this part (or on its order as a whole: a payment, the sale note).
pub fn concerns(op: &Operation, part: &OrderPartView) -> bool {
    match &op.body {
        OpBody::OrderAction { order_id, outlet_id, .. }
        | OpBody::OrderPick { order_id, outlet_id, .. }
        | OpBody::OrderNote { order_id, outlet_id, .. }
        | OpBody::OrderAssign { order_id, outlet_id, .. } => *order_id == part.order_id && *outlet_id == part.outlet_id,
        OpBody::OrderPayment { order_id, .. } => *order_id == part.order_id,
        OpBody::SaleNote { sale_id, .. } => *sale_id == part.order_id,
        _ => false,
    }
}

/// Whether the order is paid in full.
pub fn is_paid(part: &OrderPartView) -> bool {
    part.paid >= part.total
}

/// What an operation of ours, not yet acknowledged, does to a row: the fulfilment rule of
/// `shared::fulfilment` for actions (a refused one changes nothing), picks capped at what was ordered.
pub fn replay(part: &mut OrderPartView, op: &Operation) {
    if !concerns(op, part) {
        return;
    }
    match &op.body {
        OpBody::OrderAction { action, .. } => {
            if let Ok(s) = next_status(part.status, *action, part.order_type, is_paid(part)) {
                part.status = s;
            }
        }
        OpBody::OrderPick { product_id, qty, .. } => {
            if let Some(line) = part.lines.iter_mut().find(|l| l.product_id == *product_id) {
                line.picked = line.picked.saturating_add(*qty).min(line.ordered);
                if part.status == PartStatus::New {
                    part.status = PartStatus::InProgress;
                }
            }
        }
        OpBody::OrderNote { text, .. } => {
            part.order_notes.push(OrderNote { at_ms: op.made_at_ms, by: op.cashier_id.clone(), text: text.clone() })
        }
        OpBody::OrderAssign { staff_id, .. } => part.assigned_to = Some(staff_id.clone()),
        OpBody::OrderPayment { tender, .. } => part.paid = part.paid.checked_add(tender.amount).unwrap_or(part.paid),
        OpBody::SaleNote { text, .. } => {
            if !part.sale_note.is_empty() {
                part.sale_note.push('\n');
            }
            part.sale_note.push_str(text);
        }
        _ => {}
    }
}

/// The rows as shown: the server's, each with our unsent operations replayed in the order made;
/// finished parts leave the page.
pub fn view_of(server: &[OrderPartView], pending: &[Operation]) -> Vec<OrderPartView> {
    server
        .iter()
        .cloned()
        .map(|mut p| {
            for op in pending {
                replay(&mut p, op);
            }
            p
        })
        .filter(|p| !p.status.is_done())
        .collect()
}

/// The order's action that finishes a part of this type.
pub fn finish_action(t: OrderType) -> FulfilmentAction {
    match t {
        OrderType::Delivery => FulfilmentAction::MarkShipped,
        OrderType::Pickup => FulfilmentAction::MarkPickedUp,
    }
}

/// The filters of the page, applied to the rows (they are few: no round trip per keystroke).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filters {
    pub status: Option<PartStatus>,
    pub order_type: Option<OrderType>,
    pub q: String,
}

impl Filters {
    pub fn keeps(&self, p: &OrderPartView) -> bool {
        if self.status.is_some_and(|s| s != p.status) || self.order_type.is_some_and(|t| t != p.order_type) {
            return false;
        }
        let q = self.q.trim().to_lowercase();
        q.is_empty()
            || p.receipt.to_lowercase().contains(&q)
            || p.number.to_lowercase().contains(&q)
            || p.customer_name.to_lowercase().contains(&q)
    }
}
