//! Pushed operations on PostgreSQL (mirrors `store/ops.rs`): each in its own transaction that first
//! locks what its decision reads — the operation's id, a payment's customer, a product's serials, the
//! stock levels it moves (`FOR UPDATE`) — so two instances given the same operation, or operations on
//! the same figures, decide one after the other. Then, as on SQLite, the store
//! loads what bears on it ([`OpHoldings`]), `shared::sync::ops::accept_op` decides, and the store
//! writes the effect together with the operation's row in `ops` — so an operation id is applied once
//! however often it is pushed (a lost answer, two tabs, two instances), and what cannot be applied is
//! kept there, held with its reason.

use super::auth::write_audit;
use super::{lock, text_array, transaction, Lock, PgStore};
use crate::store::auth::Audit;
use crate::store::now_ms;
use shared::sync::CustomerFigures;
use shared::account::EntryKind;
use shared::auth::AuditAction;
use shared::catalog::Customer;
use shared::online::customer_match::normalise_email;
use shared::stock::{Movement, SerialNumber};
use shared::sync::ops::{accept_op, HeldOp, OpEffect, OpHoldings, OpVerdict};
use shared::sync::{Device, OpBody, OpHold, OpResult, OpStatus, Operation, StaffTerms};
use shared::Money;
use sqlx::{Row, PgConnection};
use std::collections::BTreeMap;
use std::str::FromStr;

/// What [`OpHoldings`] borrows from.
#[derive(Default)]
struct Loaded {
    same_id: Option<Operation>,
    held: Vec<(Operation, OpHold)>,
    cashier: Option<StaffTerms>,
    outlet_known: bool,
    customer_known: bool,
    register_outlet: Option<String>,
    balance: Option<Money>,
    serials: Vec<SerialNumber>,
    products: BTreeMap<String, i64>,
    existing_customer: Option<Customer>,
    email_owner: Option<String>,
    /// A payment's customer's figures (under the customer's lock).
    figures: CustomerFigures,
    /// A payment already on file under this operation's id (made through the direct route).
    payment_on_file: bool,
}

impl PgStore {
    /// Decides and writes one pushed operation (see the module doc). `device_outlet`: the outlet the
    /// device is enrolled at.
    pub async fn apply_op(&self, device: &Device, device_outlet: Option<&str>, op: &Operation) -> anyhow::Result<OpResult> {
        let (status, hold) = transaction!(self, |tx| {
        lock(tx, locks_of(op)).await?;
        let l = load(tx, op, device_outlet).await?;
        let order = super::online_out::load_for_order(tx, op).await?;
        let holdings = OpHoldings {
            order: order.holdings(),
            same_id: l.same_id.as_ref(),
            held_same_id: &l.held,
            outlet_known: l.outlet_known,
            customer_known: l.customer_known,
            register_outlet: l.register_outlet.as_deref(),
            balance: l.balance,
            serials: &l.serials,
            products: &l.products,
            existing_customer: l.existing_customer.as_ref(),
            email_owner: l.email_owner.as_deref(),
            ..OpHoldings::new(device, device_outlet, l.cashier.as_ref())
        };
        let mut verdict = accept_op(op, holdings);
        if l.payment_on_file && matches!(verdict, OpVerdict::Apply(OpEffect::Payment { .. })) {
            verdict = OpVerdict::Hold(OpHold::IdTaken { op_id: op.id.clone() });
        }
        Ok(match verdict {
            OpVerdict::Apply(effect) => {
                match effect {
                    OpEffect::Order(e) => super::online_out::write_order_effect(tx, &order, e).await?,
                    effect => write_effect(tx, op, &device.id, effect, &l).await?,
                }
                record(tx, op, &device.id, None).await?;
                (OpStatus::Applied, None)
            }
            OpVerdict::Duplicate => (OpStatus::Duplicate, None),
            OpVerdict::Hold(reason) => {
                tracing::warn!(op = %op.id, device = %device.id, code = reason.code(), %reason, "operation held for review");
                record(tx, op, &device.id, Some(&reason)).await?;
                let audit = Audit::new(AuditAction::OpHeld, &op.cashier_id, &op.id, format!("{} held: {} ({reason})", op.body.kind(), reason.code()))
                    .device(Some(&device.id))
                    .outlet(op.body.outlet_id().filter(|o| !o.is_empty()).or(device_outlet));
                write_audit(tx, &audit).await?;
                (OpStatus::Held, Some(reason))
            }
            OpVerdict::AlreadyHeld(reason) => (OpStatus::Held, Some(reason)),
        })
        })?;
        Ok(OpResult { op_id: op.id.clone(), status, hold })
    }

    /// Operations held for review and not yet resolved, oldest first: pushed by `pushed_by`, by devices
    /// enrolled at one of `outlets` (`None`: all).
    pub async fn held_ops(&self, pushed_by: Option<&str>, outlets: Option<&[String]>) -> anyhow::Result<Vec<HeldOp>> {
        let rows = sqlx::query(
            "SELECT o.body, o.pushed_by, o.reason, o.received_at_ms FROM ops o
             WHERE o.status = 'held' AND NOT o.resolved AND ($1::text IS NULL OR o.pushed_by = $1)
               AND ($2::text[] IS NULL OR (SELECT outlet_id FROM devices WHERE id = o.pushed_by) = ANY($2))
             ORDER BY o.id",
        )
        .bind(pushed_by)
        .bind(text_array(outlets))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|r| {
                Ok(HeldOp {
                    op: serde_json::from_str(r.get("body"))?,
                    pushed_by: r.get("pushed_by"),
                    reason: serde_json::from_str(r.get::<Option<&str>, _>("reason").unwrap_or("null"))?,
                    received_at_ms: r.get("received_at_ms"),
                })
            })
            .collect()
    }
}

/// Everything an operation's decision reads, to lock first (the stock levels are locked as they load).
fn locks_of(op: &Operation) -> Vec<Lock> {
    let mut locks = vec![Lock::Op(op.id.clone())];
    match &op.body {
        OpBody::AccountPayment { payment } => locks.push(Lock::Customer(payment.customer_id.clone())),
        OpBody::SerialRegistration { product_id, .. } => locks.push(Lock::Serials(product_id.clone())),
        OpBody::StockAdjustment { .. } => {}
        OpBody::NewCustomer { customer } | OpBody::EditCustomer { after: customer, .. } => {
            // The customer, and their e-mail as the back office's form locks it (`customers::save_customer`).
            locks.push(Lock::Customer(customer.id.clone()));
            locks.extend(normalise_email(customer.email.as_deref()).map(|e| Lock::Customer(format!("email:{e}"))));
        }
        // Order operations lock the order's row as they load it (`online_out::load_for_order`).
        _ => {}
    }
    locks
}

async fn load(conn: &mut PgConnection, op: &Operation, device_outlet: Option<&str>) -> anyhow::Result<Loaded> {
    let mut l = Loaded::default();
    for r in sqlx::query("SELECT body, status, reason FROM ops WHERE op_id = $1 ORDER BY id").bind(&op.id).fetch_all(&mut *conn).await? {
        let body: Operation = match serde_json::from_str(r.get("body")) {
            Ok(b) => b,
            Err(_) => continue,
        };
        match r.get::<&str, _>("status") {
            "applied" => l.same_id = Some(body),
            _ => l.held.push((body, serde_json::from_str(r.get::<Option<&str>, _>("reason").unwrap_or("null"))?)),
        }
    }
    let row: Option<(String, Vec<String>)> = sqlx::query_as(
        "SELECT role, ARRAY(SELECT outlet_id FROM staff_outlets WHERE staff_id = s.id) FROM staff s WHERE id = $1 AND active",
    )
    .bind(&op.cashier_id)
    .fetch_optional(&mut *conn)
    .await?;
    if let Some((role, outlets)) = row {
        l.cashier = Some(StaffTerms { role: shared::auth::Role::from_str(&role)?, outlets });
    }
    match &op.body {
        OpBody::AccountPayment { payment } => {
            l.customer_known =
                sqlx::query_scalar::<_, String>("SELECT id FROM customers WHERE id = $1").bind(&payment.customer_id).fetch_optional(&mut *conn).await?.is_some();
            if !payment.register_id.is_empty() {
                l.register_outlet = sqlx::query_scalar("SELECT outlet_id FROM registers WHERE id = $1")
                    .bind(&payment.register_id)
                    .fetch_optional(&mut *conn)
                    .await?;
            }
            let outlet = l.register_outlet.clone().filter(|_| payment.outlet_id.is_empty()).unwrap_or_else(|| payment.outlet_id.clone());
            let outlet = if outlet.is_empty() { device_outlet.unwrap_or_default().to_owned() } else { outlet };
            l.outlet_known = outlet_known(&mut *conn, outlet).await?;
            // The maintained figures, under the customer's lock: what the payment's entry moves.
            l.figures = super::customers::customer_figures(&mut *conn, &payment.customer_id).await?;
            l.balance = Some(l.figures.balance);
            l.payment_on_file =
                sqlx::query_scalar::<_, String>("SELECT id FROM account_payments WHERE id = $1").bind(&payment.id).fetch_optional(&mut *conn).await?.is_some();
        }
        OpBody::SerialRegistration { product_id, outlet_id, .. } => {
            l.outlet_known = outlet_known(&mut *conn, outlet_id.clone()).await?;
            if sqlx::query_scalar::<_, String>("SELECT id FROM products WHERE id = $1").bind(product_id).fetch_optional(&mut *conn).await?.is_some() {
                l.products.insert(product_id.clone(), 0);
            }
            // Only what the duplicate rule reads: which serials the product has on file.
            l.serials = sqlx::query_scalar::<_, String>("SELECT serial FROM serials WHERE product_id = $1")
                .bind(product_id)
                .fetch_all(&mut *conn)
                .await?
                .into_iter()
                .map(|serial| SerialNumber { serial, product_id: product_id.clone(), outlet_id: String::new(), sold_on: None, returned_on: None })
                .collect();
        }
        OpBody::StockAdjustment { outlet_id, lines, .. } => {
            l.outlet_known = outlet_known(&mut *conn, outlet_id.clone()).await?;
            let mut ids: Vec<String> = lines.iter().map(|l| l.product_id.clone()).collect();
            ids.sort();
            ids.dedup();
            let known: Vec<String> = sqlx::query_scalar("SELECT id FROM products WHERE id = ANY($1)").bind(&ids).fetch_all(&mut *conn).await?;
            // The levels, locked until commit (see `push::lock_stock_levels`).
            let levels = super::push::lock_stock_levels(&mut *conn, outlet_id, &known).await?;
            for id in known {
                let level = levels.get(&id).copied().unwrap_or(0);
                l.products.insert(id, level);
            }
        }
        OpBody::NewCustomer { customer } | OpBody::EditCustomer { after: customer, .. } => {
            l.existing_customer = sqlx::query("SELECT id, name, email FROM customers WHERE id = $1")
                .bind(&customer.id)
                .fetch_optional(&mut *conn)
                .await?
                .map(|r| Customer { id: r.get("id"), name: r.get("name"), email: r.get("email") });
            // Compared without case, as the back office and online orders compare e-mails.
            if let Some(email) = normalise_email(customer.email.as_deref()) {
                l.email_owner = super::customers::other_email_owner(&mut *conn, &email, &customer.id).await?;
            }
        }
        // Order operations: `online_out::load_for_order`.
        _ => {}
    }
    Ok(l)
}

async fn outlet_known(conn: &mut PgConnection, id: String) -> anyhow::Result<bool> {
    Ok(sqlx::query_scalar::<_, String>("SELECT id FROM outlets WHERE id = $1").bind(id).fetch_optional(conn).await?.is_some())
}

/// The operation's row: applied (`hold` none) or held with its reason.
async fn record(conn: &mut PgConnection, op: &Operation, pushed_by: &str, hold: Option<&OpHold>) -> anyhow::Result<()> {
    sqlx::query("INSERT INTO ops (op_id, pushed_by, kind, body, status, code, reason, received_at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
        .bind(&op.id)
        .bind(pushed_by)
        .bind(op.body.kind())
        .bind(serde_json::to_string(op)?)
        .bind(if hold.is_some() { "held" } else { "applied" })
        .bind(hold.map(OpHold::code))
        .bind(hold.map(serde_json::to_string).transpose()?)
        .bind(now_ms())
        .execute(conn)
        .await?;
    Ok(())
}

async fn write_effect(conn: &mut PgConnection, op: &Operation, device_id: &str, effect: OpEffect, l: &Loaded) -> anyhow::Result<()> {
    let audit = |action, subject: &str, outlet: Option<&str>, detail: String| {
        Audit::new(action, &op.cashier_id, subject, detail).device(Some(device_id)).outlet(outlet.filter(|o| !o.is_empty()))
    };
    match effect {
        OpEffect::Payment { payment, entry } => {
            let non_empty = |s: &str| (!s.is_empty()).then(|| s.to_owned());
            sqlx::query(
                "INSERT INTO account_payments (id, customer_id, register_id, outlet_id, reference, created_at_ms, amount_cents, body)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(&payment.id)
            .bind(&payment.customer_id)
            .bind(non_empty(&payment.register_id))
            .bind(non_empty(&payment.outlet_id))
            .bind(&payment.reference)
            .bind(payment.created_at_ms)
            .bind(payment.amount.as_cents())
            .bind(serde_json::to_string(&payment)?)
            .execute(&mut *conn)
            .await?;
            debug_assert_eq!(entry.kind, EntryKind::Payment);
            sqlx::query(
                "INSERT INTO account_entries (customer_id, kind, reference, amount_cents, payment_id, created_at_ms) VALUES ($1, 'payment', $2, $3, $4, $5)",
            )
            .bind(&entry.customer_id)
            .bind(&entry.reference)
            .bind(entry.amount.as_cents())
            .bind(&payment.id)
            .bind(entry.at_ms)
            .execute(&mut *conn)
            .await?;
            // The figures after the entry (accept_op checked that the balance stays in range).
            let after = CustomerFigures { balance: l.figures.balance.checked_add(entry.amount)?, loyalty: l.figures.loyalty };
            super::customers::save_figures(&mut *conn, &payment.customer_id, &after).await?;
            let detail = format!("payment {} of {} on account", payment.id, payment.amount);
            write_audit(conn, &audit(AuditAction::Payment, &payment.customer_id, Some(&payment.outlet_id), detail)).await?;
        }
        OpEffect::Serials { added } => {
            let now = now_ms();
            for s in &added {
                sqlx::query("INSERT INTO serials (product_id, serial, outlet_id, created_at_ms) VALUES ($1, $2, $3, $4)")
                    .bind(&s.product_id)
                    .bind(&s.serial)
                    .bind(&s.outlet_id)
                    .bind(now)
                    .execute(&mut *conn)
                    .await?;
            }
            if let Some(first) = added.first() {
                let list: Vec<&str> = added.iter().map(|s| s.serial.as_str()).collect();
                let detail = format!("{} serial number(s) added: {}", added.len(), list.join(", "));
                write_audit(conn, &audit(AuditAction::SerialAdded, &first.product_id, Some(&first.outlet_id), detail)).await?;
            }
        }
        OpEffect::Stock { outlet_id, reason, movements, levels } => {
            let movements: Vec<Movement> = movements
                .iter()
                .enumerate()
                .map(|(i, (product_id, delta))| Movement {
                    id: format!("{}:{}", op.id, i + 1),
                    product_id: product_id.clone(),
                    outlet_id: outlet_id.clone(),
                    delta: *delta,
                    reason,
                    source_id: op.id.clone(),
                    created_at_ms: op.made_at_ms,
                    version: None,
                })
                .collect();
            // `levels` were computed from the levels loaded under their row locks.
            super::push::write_movements(&mut *conn, &movements, &levels).await?;
            let OpBody::StockAdjustment { reason: why, lines, .. } = &op.body else { unreachable!("a stock effect comes from a stock adjustment") };
            let what: Vec<String> = lines.iter().map(|l| format!("{} {}", l.product_id, l.qty)).collect();
            let detail = format!("{why}: {} ({} movement(s))", what.join(", "), movements.len());
            write_audit(conn, &audit(AuditAction::StockAdjusted, &op.id, Some(&outlet_id), detail)).await?;
        }
        OpEffect::Customer { customer } => {
            if let Some(c) = customer {
                sqlx::query("INSERT INTO customers (id, name, email) VALUES ($1, $2, $3)").bind(&c.id).bind(&c.name).bind(&c.email).execute(&mut *conn).await?;
                write_audit(conn, &audit(AuditAction::CustomerCreated, &c.id, None, format!("customer {} created at a register", c.name))).await?;
            }
        }
        OpEffect::CustomerEdited { customer } => {
            if let Some(c) = customer {
                sqlx::query("UPDATE customers SET name = $1, email = $2 WHERE id = $3").bind(&c.name).bind(&c.email).bind(&c.id).execute(&mut *conn).await?;
                write_audit(conn, &audit(AuditAction::CustomerChanged, &c.id, None, format!("customer {}: name or e-mail corrected at a register", c.name))).await?;
            }
        }
        OpEffect::Order(_) => unreachable!("order effects are written by online_out"),
    }
    Ok(())
}
