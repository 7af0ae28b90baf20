//! Operations made at the register other than sales (`shared::sync::ops`): a payment on account,
//! serials registered, a stock adjustment, a new customer. Each is recorded in IndexedDB with its outbox
//! entry in one transaction (`Db::record_op`), shown at once in the views (stock, customers, serials:
//! the pulled state plus what is still in the outbox, `AppCtx::refresh_views`), and sent by the pusher
//! with the sales; the server applies it once, and the pulled state carries it from then on.

use crate::state::AppCtx;
use crate::pulled::Touched;
use leptos::prelude::*;
use shared::account::CustomerAccount;
use shared::catalog::Customer;
use shared::sync::{CustomerSummary, OpBody, Operation};
use std::collections::HashMap;

/// A new operation id (UUID v7: sorts by time). Make it when the cashier confirms and keep it until the
/// operation is recorded: confirming again records nothing more.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Records `body` as operation `id` made by whoever is at the register (the cashier switched in, else
/// the signed-in staff member), applies it to the local copies and wakes the pusher.
pub async fn record(ctx: &AppCtx, id: String, body: OpBody) -> Result<Operation, String> {
    let db = ctx.db.get_value().ok_or("no local database")?;
    let device = sync_client::DeviceStore::device(&db).await.map_err(|e| e.0)?;
    let cashier_id = ctx
        .auth
        .cashier
        .get_untracked()
        .map(|c| c.id)
        .or_else(|| ctx.auth.session.get_untracked().map(|s| s.staff.id))
        .ok_or("nobody is switched in")?;
    let op = Operation { id, device_id: device.id, made_at_ms: js_sys::Date::now() as i64, cashier_id, body };
    shared::sync::ops::check_op(&op).map_err(|e| e.to_string())?;
    let recorded = db.record_op(&op).await.map_err(|e| e.0)?;
    // The views are the pulled state plus our outbox, where the operation now is.
    ctx.refresh_views(&db, Touched::of_op(&recorded)).await;
    crate::sync::pusher::refresh_counts(ctx, &db).await;
    ctx.wake_pusher.set(true);
    Ok(recorded)
}

/// Whether changes made on this browser go through its outbox: it is an enrolled device and somebody is
/// at it (a cashier switched in, or staff signed in). A manager's browser at home calls the server directly.
pub fn via_outbox(ctx: &AppCtx) -> bool {
    ctx.auth.enrolled().is_some() && (ctx.auth.cashier.with_untracked(Option::is_some) || ctx.auth.session.with_untracked(Option::is_some))
}

/// Whether the server has acknowledged operation `id` (it left the outbox).
pub fn is_pending(ctx: &AppCtx, id: &str) -> bool {
    ctx.pending_ops.with(|ops| ops.iter().any(|o| o.id == id))
}

/// A stock adjustment on local levels, by the server's rule (`shared::sync::ops::stock_deltas`).
pub fn apply_stock(levels: &mut HashMap<String, i64>, op: &Operation) {
    if let OpBody::StockAdjustment { reason, lines, .. } = &op.body {
        if let Ok(deltas) = shared::sync::ops::stock_deltas(*reason, lines, |p| levels.get(p).copied().unwrap_or(0)) {
            for (product, delta) in deltas {
                *levels.entry(product).or_insert(0) += delta;
            }
        }
    }
}

/// A new or edited customer, or a payment on account, on the local customer list (`refresh_views` sorts it after).
pub fn apply_customer(list: &mut Vec<CustomerSummary>, op: &Operation) {
    match &op.body {
        // Once the pulled state has them, the pulled copy stands.
        OpBody::NewCustomer { customer } if !list.iter().any(|c| c.customer.id == customer.id) => {
            list.push(summary_of(customer));
        }
        // The server's own merge (`customer_edit`); an edit it would hold changes nothing here either.
        OpBody::EditCustomer { before, after } => {
            if let Some(c) = list.iter_mut().find(|c| c.customer.id == after.id) {
                if let Ok(Some(merged)) = shared::sync::ops::customer_edit(before, after, Some(&c.customer), None) {
                    c.customer = merged;
                }
            }
        }
        OpBody::AccountPayment { payment } => {
            if let Some(c) = list.iter_mut().find(|c| c.customer.id == payment.customer_id) {
                c.balance = c.balance.checked_add(payment.amount).unwrap_or(c.balance);
                c.available = c.account.available(c.balance);
            }
        }
        _ => {}
    }
}

/// A customer just created here: no account terms, no loyalty, no history yet.
fn summary_of(customer: &Customer) -> CustomerSummary {
    CustomerSummary {
        customer: customer.clone(),
        account: CustomerAccount { customer_id: customer.id.clone(), ..CustomerAccount::default() },
        ..CustomerSummary::default()
    }
}
