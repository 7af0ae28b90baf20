//! Where the orders page's rows come from, and what our own operations do to them.
//!
//! A browser that pulls the server's change log (an enrolled device, or a signed-in manager's browser
//! once its first pull caught up) reads the `order_part` entities it pulled (IndexedDB, kept current by
//! the puller, woken by the server's event stream): the same rows online and offline, live without a
//! request of the page's own. A manager's browser with no local replica reads `GET /api/v1/orders`
//! again whenever the event stream announces a version.
//!
//! Over either, every order operation of ours the server has not yet carried back is replayed in the
//! order made ([`Local`]), and one rule ([`OrdersQuery::keeps`]) says which rows the page shows.

use frontend::state::AppCtx;
use frontend::sync::http::{self, ApiFailure, Method, NEXT_CURSOR};
use frontend::sync::puller::PullDone;
use leptos::prelude::*;
use shared::fulfilment::{next_status, FulfilmentAction, OrderType, PartStatus};
use shared::online::{OrderNote, OrderPartView, OrdersQuery};
use shared::sync::{OpBody, Operation};

/// The largest page asked for; a shop's unfinished orders are few.
const PAGE: u32 = 200;

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

/// One order with all its parts (`GET /api/v1/orders/{id}`): an online sale in sales history.
pub async fn fetch_order(order_id: &str) -> Result<Vec<OrderPartView>, ApiFailure> {
    http::get(&format!("/api/v1/orders/{}", http::seg(order_id))).await
}

/// Every order part this browser pulled (all the outlets its scope covers).
pub fn pulled_parts(ctx: &AppCtx) -> Vec<OrderPartView> {
    ctx.pulled.with_value(|r| r.order_parts.values().cloned().collect())
}

/// Whether the page reads the pulled parts: an enrolled device always (its own data, online or not);
/// a browser that pulls for a signed-in manager once a pull has caught up, or, when none could, if it
/// holds a copy from before. Otherwise `GET /orders`.
pub fn reads_replica(ctx: &AppCtx) -> bool {
    if ctx.db.with_value(Option::is_none) {
        return false;
    }
    if ctx.auth.enrolment.with(|e| e.as_ref().is_some_and(Option::is_some)) {
        return true;
    }
    ctx.pulls.with(|p| p.is_some_and(|p| p.ever_ok || ctx.pulled.with_value(|r| r.cursor) > 0))
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

/// What an operation of ours, not yet carried back by the server, does to a row: the fulfilment rule of
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
        OpBody::OrderAssign { staff_id, .. } if part.assigned_to.as_ref() != Some(staff_id) => {
            part.assigned_to = Some(staff_id.clone());
            // The server names them once it has the assignment; until then `staff_name` does.
            part.assigned_name = None;
        }
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

/// The rows as the page has them: a source's parts (pulled, or the server's list) with our operations
/// the source does not carry yet replayed over them.
///
/// Replaying must count each operation once: a pick replayed over a state that already carries it would
/// show one unit too many (and scanner mode would then refuse a real unit as « already picked »). So the
/// pulled state is taken only from a pull during which no push of ours was answered ([`PullDone`]), and
/// an operation the server acknowledged stays replayed until a pull that began after its
/// acknowledgement has been taken: that pull carries it, the pulls before it did not.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Local {
    /// The source's parts as last taken.
    base: Vec<OrderPartView>,
    /// Order operations the server acknowledged, each with the number of the first pull that carries it.
    acked: Vec<(u64, Operation)>,
    /// Our outbox's order operations, in the order made.
    pending: Vec<Operation>,
}

impl Local {
    /// `base` as the source has it now, with `pending` (our outbox) not in it yet.
    pub fn new(base: Vec<OrderPartView>, pending: &[Operation]) -> Local {
        Local { base, acked: Vec::new(), pending: order_ops(pending) }
    }

    /// The outbox now lists `pending`, and the server holds `held` for review. An operation that left the
    /// outbox and is not held was applied: it stays replayed until pull `next_pull` (or a later one) is
    /// taken. A held one was not applied: it is no longer replayed.
    pub fn outbox(&mut self, pending: &[Operation], held: &[&str], next_pull: u64) {
        let now = order_ops(pending);
        for op in std::mem::take(&mut self.pending) {
            if !now.iter().any(|p| p.id == op.id) && !held.contains(&op.id.as_str()) {
                self.acked.push((next_pull, op));
            }
        }
        self.acked.retain(|(_, op)| !held.contains(&op.id.as_str()));
        self.pending = now;
    }

    /// Pull `done` ended: takes the pulled parts (`parts()`) unless they may carry an operation we replay.
    /// `true` when taken.
    pub fn pulled(&mut self, done: PullDone, parts: impl FnOnce() -> Vec<OrderPartView>) -> bool {
        // A push answered meanwhile: the state may carry what the outbox still lists. The next pull is clean.
        if done.overlapped {
            return false;
        }
        // Not caught up: the pages it did bring may carry an acknowledged operation, or not.
        if !done.ok && !self.acked.is_empty() {
            return false;
        }
        self.base = parts();
        if done.ok {
            self.acked.retain(|(first, _)| *first > done.seq);
        }
        true
    }

    /// The source's parts, as `GET /orders` answered them just now (a manager's browser: no outbox).
    pub fn answered(&mut self, parts: Vec<OrderPartView>) {
        self.base = parts;
        self.acked.clear();
    }

    /// The rows `query` keeps, each with our operations replayed in the order made, oldest order first.
    pub fn rows(&self, query: &OrdersQuery) -> Vec<OrderPartView> {
        let mut rows: Vec<OrderPartView> = self
            .base
            .iter()
            .cloned()
            .map(|mut p| {
                for op in self.acked.iter().map(|(_, op)| op).chain(&self.pending) {
                    replay(&mut p, op);
                }
                p
            })
            .filter(|p| query.keeps(p))
            .collect();
        rows.sort_by(|a, b| (a.created_at_ms, &a.order_id, &a.outlet_id).cmp(&(b.created_at_ms, &b.order_id, &b.outlet_id)));
        rows
    }
}

fn order_ops(ops: &[Operation]) -> Vec<Operation> {
    ops.iter().filter(|o| o.body.order_id().is_some()).cloned().collect()
}

/// The order's action that finishes a part of this type.
pub fn finish_action(t: OrderType) -> FulfilmentAction {
    match t {
        OrderType::Delivery => FulfilmentAction::MarkShipped,
        OrderType::Pickup => FulfilmentAction::MarkPickedUp,
    }
}

/// A staff member's name as this browser knows it: the one signed in or switched in, or who may switch
/// in at this device; else their id.
pub fn staff_name(ctx: &AppCtx, id: &str) -> String {
    if let Some(c) = ctx.auth.cashier.with(|c| c.as_ref().filter(|c| c.id == id).map(|c| c.name.clone())) {
        return c;
    }
    if let Some(s) = ctx.auth.session.with(|s| s.as_ref().filter(|s| s.staff.id == id).map(|s| s.staff.name.clone())) {
        return s;
    }
    ctx.auth.staff.with(|list| list.iter().find(|s| s.staff_id == id).map(|s| s.name.clone())).unwrap_or_else(|| id.to_string())
}

/// Who the part is assigned to, by name (« Utilisateur attribué »).
pub fn assigned_label(ctx: &AppCtx, part: &OrderPartView) -> String {
    match (&part.assigned_name, &part.assigned_to) {
        (Some(name), _) => name.clone(),
        (None, Some(id)) => staff_name(ctx, id),
        (None, None) => String::new(),
    }
}
