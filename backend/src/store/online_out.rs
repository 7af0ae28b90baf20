//! Orders out on SQLite: order operations (`shared::online::actions`) inside `apply_op`'s transaction —
//! load the order, let shared decide, write the part / note / payment and, when the platform must hear
//! of it, the platform outbox row in the same transaction — and what the platform worker reads and
//! writes (due status calls, stock changes since the last push, back-off).

use super::now_ms;
use super::sqlite::SqliteStore;
use crate::bridges::{Credentials, StatusUpdate};
use anyhow::Context;
use serde::Serialize;
use shared::fulfilment::{OrderType, PartStatus, Platform, PlatformOptions, PlatformUpdate};
use shared::online::actions::{LoadedOrder, OrderEffect, OrderHoldings, OwedStatus, PartState};
use shared::sale::Sale;
use shared::stock::online::OnlineStockSettings;
use shared::sync::Operation;
use shared::Money;
use sqlx::{Row, SqliteConnection};
use std::str::FromStr;

/// A status call claimed by the worker (its attempt already counted).
#[derive(Clone, Debug)]
pub struct OutboxRow {
    pub id: i64,
    pub connection_id: String,
    pub update: StatusUpdate,
    pub attempts: u32,
}

/// A stock push's lease, once taken: where its cursor stands and how many pushes failed in a row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StockLease {
    pub since: i64,
    pub attempts: u32,
}

/// A product's level the platform refused inside a batch it otherwise took, as the worker records it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefusedLevel {
    pub product_id: String,
    pub sku: String,
    pub quantity: i64,
    pub error: String,
}

/// `POST /connections/{id}/outbox/{call_id}/retry` refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RetryRefusal {
    /// No such call for this connection.
    UnknownCall,
    /// Pending or done: nothing to retry.
    NotFailed,
    /// A later status of the same order was sent or is owed: sending this one now would undo it.
    Superseded,
}

/// What a retry re-queued.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Retried {
    /// Status calls due again now.
    pub calls: u64,
    /// Refused stock levels sent again with the next run.
    pub stock_levels: u64,
}

/// How a claimed status call went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Done,
    Retry { at_ms: i64, error: String },
    /// Refused by the platform: kept, visible to managers, never retried by itself.
    Failed { error: String },
}

/// `GET /connections/{id}/outbox`: what is owed to a platform and what it refused.
#[derive(Clone, Debug, Serialize)]
pub struct OutboxSummary {
    pub connection_id: String,
    pub pending: u64,
    pub failed: u64,
    pub done: u64,
    /// The change-log version up to which online stock was sent.
    pub stock_pushed_version: i64,
    /// Failed stock pushes in a row (0 when the last one went through), when the next is tried, and
    /// the platform's last error.
    pub stock_attempts: i64,
    pub stock_next_attempt_at_ms: i64,
    pub stock_last_error: Option<String>,
    /// Pending and failed calls, oldest first (at most 1 000).
    pub calls: Vec<OutboxEntry>,
    /// Stock levels the platform refused one by one (at most 1 000, oldest first): sent again when
    /// the stock next moves, or with the next run after `POST …/outbox/retry`.
    pub stock_refused: Vec<StockRefusalEntry>,
}

#[derive(Clone, Debug, Serialize)]
pub struct StockRefusalEntry {
    pub product_id: String,
    pub sku: String,
    /// The level refused (the online quantity then).
    pub quantity: i64,
    /// The platform's message.
    pub error: String,
    pub attempts: i64,
    /// A manager asked for it to be sent again.
    pub due: bool,
    pub refused_at_ms: i64,
}

/// The connection's stock push state, as the outbox listing shows it.
#[derive(Clone, Debug, Default)]
pub(crate) struct StockState {
    pub pushed_version: i64,
    pub attempts: i64,
    pub next_attempt_at_ms: i64,
    pub last_error: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct OutboxEntry {
    pub id: i64,
    pub external_id: String,
    pub update: PlatformUpdate,
    /// Tracking details sent with it (from the sale note).
    pub tracking: Option<String>,
    pub attempts: i64,
    pub next_attempt_at_ms: i64,
    pub last_error: Option<String>,
    /// pending or failed
    pub state: String,
    pub created_at_ms: i64,
    /// A failed call after which a later status of the same order was sent or is owed: retrying it
    /// would undo that one (the retry route answers 409), so the page offers no retry.
    pub superseded: bool,
}

type EntryRow = (i64, String, i64, i64, Option<String>, String, i64, bool);

impl OutboxSummary {
    pub(crate) fn from_rows(
        connection_id: &str,
        stock: StockState,
        done: i64,
        rows: impl Iterator<Item = EntryRow>,
        stock_refused: Vec<StockRefusalEntry>,
    ) -> anyhow::Result<OutboxSummary> {
        let mut calls = Vec::new();
        for (id, body, attempts, next_attempt_at_ms, last_error, state, created_at_ms, superseded) in rows {
            let u: StatusUpdate = serde_json::from_str(&body)?;
            calls.push(OutboxEntry {
                id,
                external_id: u.external_id,
                update: u.update,
                tracking: u.tracking,
                attempts,
                next_attempt_at_ms,
                last_error,
                superseded: superseded && state == "failed",
                state,
                created_at_ms,
            });
        }
        Ok(OutboxSummary {
            connection_id: connection_id.into(),
            pending: calls.iter().filter(|c| c.state == "pending").count() as u64,
            failed: calls.iter().filter(|c| c.state == "failed").count() as u64,
            done: u64::try_from(done).unwrap_or(0),
            stock_pushed_version: stock.pushed_version,
            stock_attempts: stock.attempts,
            stock_next_attempt_at_ms: stock.next_attempt_at_ms,
            stock_last_error: stock.last_error,
            calls,
            stock_refused,
        })
    }
}

/// The audit entry of a retry asked by a manager.
pub(crate) fn retry_audit(staff_id: &str, connection_id: &str, call: Option<i64>, outlet: Option<&str>, retried: &Retried) -> super::auth::Audit {
    let subject = match call {
        Some(id) => format!("{connection_id}/outbox/{id}"),
        None => format!("{connection_id}/outbox"),
    };
    let detail = format!("{} status call(s) and {} refused stock level(s) sent again", retried.calls, retried.stock_levels);
    super::auth::Audit::new(shared::auth::AuditAction::PlatformCallRetried, staff_id, &subject, detail).outlet(outlet)
}

/// The condition, on an outbox row `o`, that a later status of its order was sent or is owed.
pub(crate) const SUPERSEDED: &str = "EXISTS (SELECT 1 FROM platform_outbox l WHERE l.connection_id = o.connection_id AND l.order_id = o.order_id
                   AND l.id > o.id AND l.state IN ('pending', 'done'))";

/// An active connection as the worker needs it.
#[derive(Clone, Debug)]
pub struct ConnectionRow {
    pub id: String,
    pub platform: Platform,
    pub base_url: String,
    pub credentials: Credentials,
    pub stock_pushed_version: i64,
    /// The outlets whose stock is published, in priority order (the orders register's outlet included).
    pub online: OnlineStockSettings,
    /// Outlets that left the online ones since the push last reached the head: products stocked there
    /// are published again too (`restart_after_outlet_change`).
    pub repush_outlets: Vec<String>,
}

impl ConnectionRow {
    pub(crate) fn new(
        id: String,
        platform_name: &str,
        base_url: String,
        credentials: &str,
        stock_pushed_version: i64,
        orders_outlet: &str,
        chosen: Vec<String>,
        repush_outlets: &str,
    ) -> anyhow::Result<ConnectionRow> {
        let chosen: Vec<&str> = chosen.iter().map(String::as_str).collect();
        let credentials = crate::secrets::credentials_of(credentials, &id).with_context(|| format!("the credentials of connection {id} cannot be read"))?;
        Ok(ConnectionRow {
            id,
            platform: platform(platform_name)?,
            base_url,
            credentials,
            stock_pushed_version,
            online: OnlineStockSettings::new(orders_outlet, &chosen),
            repush_outlets: serde_json::from_str(repush_outlets)?,
        })
    }
}

/// A row the worker can use, else `None` with the reason logged: one store whose credentials cannot
/// be opened (key changed, damaged row) must not stop the calls of every other store.
pub(crate) fn readable(row: anyhow::Result<ConnectionRow>) -> Option<ConnectionRow> {
    row.map_err(|e| tracing::error!("platform worker skips a connection: {e:#}")).ok()
}

/// One touched product: its id, SKU and level at each online outlet that has one.
pub type TouchedProduct = (String, String, Vec<(String, i64)>);

/// Products whose stock changed at a connection's online outlets, up to a change-log version.
#[derive(Clone, Debug, Default)]
pub struct StockTouch {
    /// The version this batch covers up to (the cursor after a successful push).
    pub upto: i64,
    /// (product id, SKU, its level at each online outlet that has one).
    pub products: Vec<TouchedProduct>,
}

/// What an order operation's decision borrows from, and where its outbox row goes.
#[derive(Default)]
pub(crate) struct LoadedForOrder {
    pub order: Option<LoadedOrder>,
    pub connection_id: String,
    pub external_id: String,
    pub assignee_works_here: bool,
}

impl LoadedForOrder {
    pub fn holdings(&self) -> OrderHoldings<'_> {
        OrderHoldings { order: self.order.as_ref(), assignee_works_here: self.assignee_works_here }
    }
}

fn parse<T: FromStr>(what: &str, s: &str) -> anyhow::Result<T> {
    T::from_str(s).map_err(|_| anyhow::anyhow!("unreadable {what} '{s}' in the database"))
}

pub(crate) fn order_type(s: &str) -> anyhow::Result<OrderType> {
    serde_json::from_value(serde_json::Value::String(s.into())).map_err(|_| anyhow::anyhow!("unreadable order type '{s}'"))
}

pub(crate) fn part_status(s: &str) -> anyhow::Result<PartStatus> {
    serde_json::from_value(serde_json::Value::String(s.into())).map_err(|_| anyhow::anyhow!("unreadable part status '{s}'"))
}

pub(crate) fn platform(s: &str) -> anyhow::Result<Platform> {
    serde_json::from_value(serde_json::Value::String(s.into())).map_err(|_| anyhow::anyhow!("unreadable platform '{s}'"))
}

/// Loads the order an operation names, its parts and the assignee's terms.
pub(crate) async fn load_for_order(conn: &mut SqliteConnection, op: &Operation) -> anyhow::Result<LoadedForOrder> {
    let mut l = LoadedForOrder::default();
    let Some(order_id) = op.body.order_id() else { return Ok(l) };
    let row = sqlx::query(
        "SELECT o.id, o.connection_id, o.external_id, o.order_type, o.total_cents, o.paid_cents, o.status, o.sale_note, o.tracking,
                c.platform, c.options
         FROM online_orders o JOIN connections c ON c.id = o.connection_id WHERE o.id = ?",
    )
    .bind(order_id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(r) = row else { return Ok(l) };
    let parts = sqlx::query("SELECT outlet_id, status, lines, notes, assigned_to FROM order_parts WHERE order_id = ? ORDER BY outlet_id")
        .bind(order_id)
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .map(|p| {
            Ok(PartState {
                outlet_id: p.get("outlet_id"),
                status: part_status(p.get("status"))?,
                lines: serde_json::from_str(p.get("lines"))?,
                notes: serde_json::from_str(p.get("notes"))?,
                assigned_to: p.get("assigned_to"),
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    l.connection_id = r.get("connection_id");
    l.external_id = r.get("external_id");
    l.order = Some(LoadedOrder {
        id: r.get("id"),
        platform: platform(r.get("platform"))?,
        order_type: order_type(r.get("order_type"))?,
        total: Money(r.get("total_cents")),
        paid: Money(r.get("paid_cents")),
        state: parse("order status", r.get("status"))?,
        options: serde_json::from_str::<PlatformOptions>(r.get("options")).unwrap_or_default(),
        sale_note: r.get("sale_note"),
        tracking: r.get("tracking"),
        parts,
    });
    if let shared::sync::OpBody::OrderAssign { outlet_id, staff_id, .. } = &op.body {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM staff s WHERE s.id = ? AND s.active = 1
               AND (s.role = 'admin' OR EXISTS (SELECT 1 FROM staff_outlets WHERE staff_id = s.id AND outlet_id = ?))",
        )
        .bind(staff_id)
        .bind(outlet_id)
        .fetch_one(&mut *conn)
        .await?;
        l.assignee_works_here = n > 0;
    }
    Ok(l)
}

/// The status call owed, as the platform outbox stores it.
pub(crate) fn status_row(l: &LoadedForOrder, order_id: &str, owed: &OwedStatus) -> (String, StatusUpdate) {
    let key = owed.idempotency_key(order_id);
    let update = StatusUpdate { external_id: l.external_id.clone(), update: owed.update, tracking: owed.tracking.clone(), idempotency_key: key.clone() };
    (key, update)
}

/// Writes what an order operation changed (see [`OrderEffect`]).
pub(crate) async fn write_order_effect(conn: &mut SqliteConnection, l: &LoadedForOrder, effect: OrderEffect) -> anyhow::Result<()> {
    let now = now_ms();
    match effect {
        OrderEffect::Part { order_id, part, order_state, owed } => {
            sqlx::query("UPDATE order_parts SET status = ?, lines = ?, notes = ?, assigned_to = ?, updated_at_ms = ? WHERE order_id = ? AND outlet_id = ?")
                .bind(part.status.as_str())
                .bind(serde_json::to_string(&part.lines)?)
                .bind(serde_json::to_string(&part.notes)?)
                .bind(&part.assigned_to)
                .bind(now)
                .bind(&order_id)
                .bind(&part.outlet_id)
                .execute(&mut *conn)
                .await?;
            let state: &str = order_state.into();
            sqlx::query("UPDATE online_orders SET status = ?, updated_at_ms = ? WHERE id = ? AND status <> ?")
                .bind(state)
                .bind(now)
                .bind(&order_id)
                .bind(state)
                .execute(&mut *conn)
                .await?;
            if let Some(owed) = owed {
                let (key, update) = status_row(l, &order_id, &owed);
                // The key is unique: a milestone is owed once, however it was reached.
                sqlx::query(
                    "INSERT INTO platform_outbox (connection_id, kind, body, idempotency_key, next_attempt_at_ms, created_at_ms, order_id)
                     VALUES (?, 'status', ?, ?, ?, ?, ?) ON CONFLICT (idempotency_key) DO NOTHING",
                )
                .bind(&l.connection_id)
                .bind(serde_json::to_string(&update)?)
                .bind(&key)
                .bind(now)
                .bind(now)
                .bind(&order_id)
                .execute(&mut *conn)
                .await?;
            }
        }
        OrderEffect::SaleNote { order_id, sale_note, tracking } => {
            sqlx::query("UPDATE online_orders SET sale_note = ?, tracking = ?, updated_at_ms = ? WHERE id = ?")
                .bind(sale_note)
                .bind(tracking)
                .bind(now)
                .bind(&order_id)
                .execute(&mut *conn)
                .await?;
        }
        OrderEffect::Payment { order_id, tender, paid } => {
            sqlx::query("UPDATE online_orders SET paid_cents = ?, updated_at_ms = ? WHERE id = ?")
                .bind(paid.as_cents())
                .bind(now)
                .bind(&order_id)
                .execute(&mut *conn)
                .await?;
            // The tender joins the sale in sales history (recorded, not charged).
            let body: Option<String> = sqlx::query_scalar("SELECT body FROM sales WHERE id = ?").bind(&order_id).fetch_optional(&mut *conn).await?;
            if let Some(body) = body {
                let mut sale: Sale = serde_json::from_str(&body)?;
                sale.tenders.push(tender);
                sqlx::query("UPDATE sales SET body = ? WHERE id = ?").bind(serde_json::to_string(&sale)?).bind(&order_id).execute(&mut *conn).await?;
            }
        }
    }
    Ok(())
}

/// Each product's SKU and levels at `outlets_json` (a JSON array), in the order given.
async fn levels_of(conn: &mut SqliteConnection, products: &[String], outlets_json: &str) -> anyhow::Result<Vec<TouchedProduct>> {
    let mut out = Vec::with_capacity(products.len());
    for product_id in products {
        let sku: Option<String> = sqlx::query_scalar("SELECT sku FROM products WHERE id = ?").bind(product_id).fetch_optional(&mut *conn).await?;
        let levels: Vec<(String, i64)> =
            sqlx::query_as("SELECT outlet_id, qty FROM stock_levels WHERE product_id = ? AND outlet_id IN (SELECT value FROM json_each(?))")
                .bind(product_id)
                .bind(outlets_json)
                .fetch_all(&mut *conn)
                .await?;
        out.push((product_id.clone(), sku.unwrap_or_default(), levels));
    }
    Ok(out)
}

impl SqliteStore {
    /// Claims up to `limit` status calls due at `now_ms` (oldest first; an order's later call waits for
    /// its earlier one): each is leased to `token` until `lease_until_ms` and its attempt counted before
    /// it is sent.
    pub async fn claim_due_outbox(&self, now_ms: i64, lease_until_ms: i64, limit: i64, token: &str) -> anyhow::Result<Vec<OutboxRow>> {
        let _turn = self.write_turn().await;
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        let rows = sqlx::query(
            "SELECT o.id, o.connection_id, o.body, o.attempts FROM platform_outbox o
             WHERE o.state = 'pending' AND o.next_attempt_at_ms <= ?
               AND NOT EXISTS (SELECT 1 FROM platform_outbox e WHERE e.connection_id = o.connection_id AND e.order_id = o.order_id
                               AND e.id < o.id AND e.state = 'pending')
             ORDER BY o.id LIMIT ?",
        )
        .bind(now_ms)
        .bind(limit)
        .fetch_all(&mut *tx)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let id: i64 = r.get("id");
            sqlx::query("UPDATE platform_outbox SET attempts = attempts + 1, next_attempt_at_ms = ?, lease_token = ? WHERE id = ?")
                .bind(lease_until_ms)
                .bind(token)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            out.push(OutboxRow {
                id,
                connection_id: r.get("connection_id"),
                update: serde_json::from_str(r.get("body"))?,
                attempts: u32::try_from(r.get::<i64, _>("attempts") + 1).unwrap_or(u32::MAX),
            });
        }
        tx.commit().await?;
        Ok(out)
    }

    /// Extends the lease of the calls `token` still holds (pending, not taken over); their ids.
    pub async fn renew_outbox(&self, token: &str, lease_until_ms: i64) -> anyhow::Result<Vec<i64>> {
        let _turn = self.write_turn().await;
        Ok(sqlx::query_scalar("UPDATE platform_outbox SET next_attempt_at_ms = ? WHERE lease_token = ? AND state = 'pending' RETURNING id")
            .bind(lease_until_ms)
            .bind(token)
            .fetch_all(self.pool())
            .await?)
    }

    /// Records how a claimed status call went: done, to retry at `retry_at_ms`, or failed for good —
    /// if `token` still holds it (`false`: another run took it over and records its own outcome).
    pub async fn settle_outbox(&self, id: i64, token: &str, outcome: &Outcome, now_ms: i64) -> anyhow::Result<bool> {
        let _turn = self.write_turn().await;
        let q = match outcome {
            Outcome::Done => sqlx::query(
                "UPDATE platform_outbox SET state = 'done', done_at_ms = ?, last_error = NULL, lease_token = NULL
                 WHERE id = ? AND lease_token = ? AND state = 'pending'",
            )
            .bind(now_ms),
            Outcome::Retry { at_ms, error } => sqlx::query(
                "UPDATE platform_outbox SET next_attempt_at_ms = ?, last_error = ?, lease_token = NULL
                 WHERE id = ? AND lease_token = ? AND state = 'pending'",
            )
            .bind(*at_ms)
            .bind(error.clone()),
            Outcome::Failed { error } => sqlx::query(
                "UPDATE platform_outbox SET state = 'failed', last_error = ?, done_at_ms = ?, lease_token = NULL
                 WHERE id = ? AND lease_token = ? AND state = 'pending'",
            )
            .bind(error.clone())
            .bind(now_ms),
        };
        Ok(q.bind(id).bind(token).execute(self.pool()).await?.rows_affected() == 1)
    }

    /// A connection's status calls (pending and failed, each failed one marked when a later status of
    /// its order superseded it), its stock push state and the stock levels the platform refused.
    pub async fn outbox_summary(&self, connection_id: &str) -> anyhow::Result<Option<OutboxSummary>> {
        let known = sqlx::query(
            "SELECT stock_pushed_version, stock_attempts, stock_next_attempt_at_ms, stock_last_error FROM connections WHERE id = ?",
        )
        .bind(connection_id)
        .fetch_optional(self.pool())
        .await?;
        let Some(c) = known else { return Ok(None) };
        let stock = StockState {
            pushed_version: c.get("stock_pushed_version"),
            attempts: c.get("stock_attempts"),
            next_attempt_at_ms: c.get("stock_next_attempt_at_ms"),
            last_error: c.get("stock_last_error"),
        };
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT o.id, o.body, o.attempts, o.next_attempt_at_ms, o.last_error, o.state, o.created_at_ms, {SUPERSEDED} AS superseded
             FROM platform_outbox o WHERE o.connection_id = ? AND o.state <> 'done' ORDER BY o.id LIMIT 1000"
        )))
        .bind(connection_id)
        .fetch_all(self.pool())
        .await?;
        let done: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM platform_outbox WHERE connection_id = ? AND state = 'done'")
            .bind(connection_id)
            .fetch_one(self.pool())
            .await?;
        let refused = sqlx::query(
            "SELECT product_id, sku, quantity, error, attempts, due, refused_at_ms FROM stock_refusals
             WHERE connection_id = ? ORDER BY refused_at_ms, product_id LIMIT 1000",
        )
        .bind(connection_id)
        .fetch_all(self.pool())
        .await?
        .into_iter()
        .map(|r| StockRefusalEntry {
            product_id: r.get("product_id"),
            sku: r.get("sku"),
            quantity: r.get("quantity"),
            error: r.get("error"),
            attempts: r.get("attempts"),
            due: r.get::<i64, _>("due") != 0,
            refused_at_ms: r.get("refused_at_ms"),
        })
        .collect();
        OutboxSummary::from_rows(
            connection_id,
            stock,
            done,
            rows.into_iter().map(|r| {
                (
                    r.get("id"),
                    r.get::<String, _>("body"),
                    r.get::<i64, _>("attempts"),
                    r.get("next_attempt_at_ms"),
                    r.get("last_error"),
                    r.get::<String, _>("state"),
                    r.get("created_at_ms"),
                    r.get::<i64, _>("superseded") != 0,
                )
            }),
            refused,
        )
        .map(Some)
    }

    /// Re-queues a failed status call (`call`), or every failed call of the connection that no later
    /// status of its order superseded and every refused stock level (`None`): due now, attempts reset,
    /// audited as `staff_id`'s, in one transaction.
    pub async fn retry_outbox(&self, connection_id: &str, call: Option<i64>, staff_id: &str, now_ms: i64) -> anyhow::Result<Result<Retried, RetryRefusal>> {
        let _turn = self.write_turn().await;
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        const REQUEUE: &str = "UPDATE platform_outbox SET state = 'pending', attempts = 0, next_attempt_at_ms = ?, done_at_ms = NULL, lease_token = NULL";
        let retried = match call {
            Some(id) => {
                let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT o.state, {SUPERSEDED} AS superseded FROM platform_outbox o WHERE o.id = ? AND o.connection_id = ?"
                )))
                .bind(id)
                .bind(connection_id)
                .fetch_optional(&mut *tx)
                .await?;
                let Some(row) = row else { return Ok(Err(RetryRefusal::UnknownCall)) };
                if row.get::<String, _>("state") != "failed" {
                    return Ok(Err(RetryRefusal::NotFailed));
                }
                if row.get::<i64, _>("superseded") != 0 {
                    return Ok(Err(RetryRefusal::Superseded));
                }
                sqlx::query(sqlx::AssertSqlSafe(format!("{REQUEUE} WHERE id = ?"))).bind(now_ms).bind(id).execute(&mut *tx).await?;
                Retried { calls: 1, stock_levels: 0 }
            }
            None => {
                // Failed calls are re-queued oldest first in one statement: the claim's order rule sends
                // an order's earlier call before its later one.
                let calls = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "{REQUEUE} WHERE id IN (SELECT o.id FROM platform_outbox o WHERE o.connection_id = ? AND o.state = 'failed' AND NOT {SUPERSEDED})"
                )))
                .bind(now_ms)
                .bind(connection_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                let stock_levels = sqlx::query("UPDATE stock_refusals SET due = 1 WHERE connection_id = ?").bind(connection_id).execute(&mut *tx).await?.rows_affected();
                Retried { calls, stock_levels }
            }
        };
        if retried != Retried::default() {
            let outlet: Option<String> =
                sqlx::query_scalar("SELECT r.outlet_id FROM connections c JOIN registers r ON r.id = c.orders_register_id WHERE c.id = ?")
                    .bind(connection_id)
                    .fetch_optional(&mut *tx)
                    .await?;
            super::auth::write_audit(&mut tx, &retry_audit(staff_id, connection_id, call, outlet.as_deref(), &retried)).await?;
        }
        tx.commit().await?;
        Ok(Ok(retried))
    }

    /// Active connections with their online outlets (priority order) and stock cursor.
    pub async fn active_connections(&self) -> anyhow::Result<Vec<ConnectionRow>> {
        let rows = sqlx::query(
            "SELECT c.id, c.platform, c.base_url, c.credentials, c.stock_pushed_version, c.stock_repush_outlets, r.outlet_id AS orders_outlet,
                    (SELECT json_group_array(outlet_id) FROM (SELECT outlet_id FROM connection_outlets WHERE connection_id = c.id ORDER BY priority)) AS outlets
             FROM connections c JOIN registers r ON r.id = c.orders_register_id WHERE c.active = 1 ORDER BY c.id",
        )
        .fetch_all(self.pool())
        .await?;
        Ok(rows.into_iter()
            .map(|r| {
                ConnectionRow::new(
                    r.get("id"),
                    r.get::<&str, _>("platform"),
                    r.get("base_url"),
                    r.get::<&str, _>("credentials"),
                    r.get("stock_pushed_version"),
                    r.get::<&str, _>("orders_outlet"),
                    serde_json::from_str(r.get::<Option<&str>, _>("outlets").unwrap_or("[]"))?,
                    r.get::<&str, _>("stock_repush_outlets"),
                )
            })
            .filter_map(readable)
            .collect::<Vec<_>>())
    }

    /// Takes the connection's stock-push lease for `token` if nobody holds it (another instance, a
    /// crashed run whose lease has not expired yet) and its back-off is over: the cursor and failed
    /// pushes so far, or `None`.
    pub async fn claim_stock_push(&self, connection_id: &str, now_ms: i64, lease_until_ms: i64, token: &str) -> anyhow::Result<Option<StockLease>> {
        let _turn = self.write_turn().await;
        let row: Option<(i64, i64)> = sqlx::query_as(
            "UPDATE connections SET stock_lease_until_ms = ?, stock_lease_token = ?
             WHERE id = ? AND stock_lease_until_ms <= ? AND stock_next_attempt_at_ms <= ?
             RETURNING stock_pushed_version, stock_attempts",
        )
        .bind(lease_until_ms)
        .bind(token)
        .bind(connection_id)
        .bind(now_ms)
        .bind(now_ms)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.map(|(since, attempts)| StockLease { since, attempts: u32::try_from(attempts).unwrap_or(u32::MAX) }))
    }

    /// Extends `token`'s stock lease (`false`: another run took it over).
    pub async fn renew_stock_push(&self, connection_id: &str, token: &str, lease_until_ms: i64) -> anyhow::Result<bool> {
        let _turn = self.write_turn().await;
        let n = sqlx::query("UPDATE connections SET stock_lease_until_ms = ? WHERE id = ? AND stock_lease_token = ?")
            .bind(lease_until_ms)
            .bind(connection_id)
            .bind(token)
            .execute(self.pool())
            .await?
            .rows_affected();
        Ok(n == 1)
    }

    /// The products whose stock changed at one of `outlets` after `since` up to the log's head (read
    /// first), with each one's levels at those outlets and its SKU: what a stock push sends.
    pub async fn stock_touched_since(&self, since: i64, outlets: &[String], limit: i64) -> anyhow::Result<StockTouch> {
        let mut tx = self.pool().begin().await?;
        let head: i64 = sqlx::query_scalar("SELECT version FROM change_counter WHERE id = 1").fetch_one(&mut *tx).await?;
        let outlets_json = serde_json::to_string(outlets)?;
        let rows = sqlx::query(
            "SELECT entity_id, MAX(version) AS v FROM changes
             WHERE kind = 'stock' AND version > ? AND version <= ? AND outlet_id IN (SELECT value FROM json_each(?))
             GROUP BY entity_id ORDER BY v LIMIT ?",
        )
        .bind(since)
        .bind(head)
        .bind(&outlets_json)
        .bind(limit + 1)
        .fetch_all(&mut *tx)
        .await?;
        let more = rows.len() as i64 > limit;
        let picked: Vec<(String, i64)> = rows.iter().take(limit as usize).map(|r| (r.get("entity_id"), r.get("v"))).collect();
        // A full page ends at its last product's version; otherwise everything up to the head is covered.
        let upto = if more { picked.last().map_or(head, |p| p.1) } else { head };
        let ids: Vec<String> = picked.iter().filter(|p| p.1 <= upto).map(|p| p.0.clone()).collect();
        let products = levels_of(&mut tx, &ids, &outlets_json).await?;
        Ok(StockTouch { upto, products })
    }

    /// The products whose level the platform refused (only those a manager asked to send again when
    /// `due_only`), oldest first, with their levels now.
    pub async fn refused_stock(&self, connection_id: &str, outlets: &[String], due_only: bool, limit: i64) -> anyhow::Result<Vec<TouchedProduct>> {
        let mut conn = self.pool().acquire().await?;
        let ids: Vec<String> = sqlx::query_scalar(
            "SELECT product_id FROM stock_refusals WHERE connection_id = ? AND (due = 1 OR ? = 0) ORDER BY refused_at_ms, product_id LIMIT ?",
        )
        .bind(connection_id)
        .bind(due_only)
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?;
        levels_of(&mut conn, &ids, &serde_json::to_string(outlets)?).await
    }

    /// Records a batch the platform took, if `token` still holds the lease (`false`: taken over, nothing
    /// written): the cursor moves to `upto` (never back), the levels taken leave the refusals, the ones
    /// refused are kept — in one transaction, so the cursor never passes a refusal it did not record.
    /// The lease is extended to `lease_until_ms` for the next batch; the back-off is cleared.
    #[allow(clippy::too_many_arguments)]
    pub async fn finish_stock_batch(
        &self,
        connection_id: &str,
        token: &str,
        upto: i64,
        taken: &[String],
        refused: &[RefusedLevel],
        now_ms: i64,
        lease_until_ms: i64,
    ) -> anyhow::Result<bool> {
        let _turn = self.write_turn().await;
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        let n = sqlx::query(
            "UPDATE connections SET stock_pushed_version = MAX(stock_pushed_version, ?), stock_lease_until_ms = ?,
                    stock_attempts = 0, stock_next_attempt_at_ms = 0, stock_last_error = NULL
             WHERE id = ? AND stock_lease_token = ?",
        )
        .bind(upto)
        .bind(lease_until_ms)
        .bind(connection_id)
        .bind(token)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n != 1 {
            return Ok(false);
        }
        sqlx::query("DELETE FROM stock_refusals WHERE connection_id = ? AND product_id IN (SELECT value FROM json_each(?))")
            .bind(connection_id)
            .bind(serde_json::to_string(taken)?)
            .execute(&mut *tx)
            .await?;
        for r in refused {
            sqlx::query(
                "INSERT INTO stock_refusals (connection_id, product_id, sku, quantity, error, attempts, due, refused_at_ms)
                 VALUES (?, ?, ?, ?, ?, 1, 0, ?)
                 ON CONFLICT (connection_id, product_id) DO UPDATE SET sku = excluded.sku, quantity = excluded.quantity,
                    error = excluded.error, attempts = stock_refusals.attempts + 1, due = 0, refused_at_ms = excluded.refused_at_ms",
            )
            .bind(connection_id)
            .bind(&r.product_id)
            .bind(&r.sku)
            .bind(r.quantity)
            .bind(&r.error)
            .bind(now_ms)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// A push the platform did not take: the lease is released and the next push waits until `at_ms`
    /// (if `token` still held it; `false` otherwise, nothing written). The cursor stays.
    pub async fn fail_stock_push(&self, connection_id: &str, token: &str, at_ms: i64, error: &str) -> anyhow::Result<bool> {
        let _turn = self.write_turn().await;
        let n = sqlx::query(
            "UPDATE connections SET stock_attempts = stock_attempts + 1, stock_next_attempt_at_ms = ?, stock_last_error = ?,
                    stock_lease_until_ms = 0, stock_lease_token = NULL
             WHERE id = ? AND stock_lease_token = ?",
        )
        .bind(at_ms)
        .bind(error)
        .bind(connection_id)
        .bind(token)
        .execute(self.pool())
        .await?
        .rows_affected();
        Ok(n == 1)
    }

    /// Releases `token`'s stock lease (nothing when another run holds it now).
    pub async fn release_stock_push(&self, connection_id: &str, token: &str) -> anyhow::Result<()> {
        let _turn = self.write_turn().await;
        // The push reached the head: the outlets that left were published again.
        sqlx::query("UPDATE connections SET stock_lease_until_ms = 0, stock_lease_token = NULL, stock_repush_outlets = '[]' WHERE id = ? AND stock_lease_token = ?")
            .bind(connection_id)
            .bind(token)
            .execute(self.pool())
            .await?;
        Ok(())
    }
}
