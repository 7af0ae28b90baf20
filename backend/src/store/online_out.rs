//! Orders out on SQLite: order operations (`shared::online::actions`) inside `apply_op`'s transaction —
//! load the order, let shared decide, write the part / note / payment and, when the platform must hear
//! of it, the platform outbox row in the same transaction — and what the platform worker reads and
//! writes (due status calls, stock changes since the last push, back-off).

use super::now_ms;
use super::sqlite::SqliteStore;
use crate::bridges::{Credentials, StatusUpdate};
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
    /// Pending and failed calls, oldest first (at most 1 000).
    pub calls: Vec<OutboxEntry>,
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
}

type EntryRow = (i64, String, i64, i64, Option<String>, String, i64);

impl OutboxSummary {
    pub(crate) fn from_rows(connection_id: &str, stock_pushed_version: i64, done: i64, rows: impl Iterator<Item = EntryRow>) -> anyhow::Result<OutboxSummary> {
        let mut calls = Vec::new();
        for (id, body, attempts, next_attempt_at_ms, last_error, state, created_at_ms) in rows {
            let u: StatusUpdate = serde_json::from_str(&body)?;
            calls.push(OutboxEntry { id, external_id: u.external_id, update: u.update, tracking: u.tracking, attempts, next_attempt_at_ms, last_error, state, created_at_ms });
        }
        Ok(OutboxSummary {
            connection_id: connection_id.into(),
            pending: calls.iter().filter(|c| c.state == "pending").count() as u64,
            failed: calls.iter().filter(|c| c.state == "failed").count() as u64,
            done: u64::try_from(done).unwrap_or(0),
            stock_pushed_version,
            calls,
        })
    }
}

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
    ) -> anyhow::Result<ConnectionRow> {
        let chosen: Vec<&str> = chosen.iter().map(String::as_str).collect();
        let credentials = crate::secrets::credentials_of(credentials, &id)?;
        Ok(ConnectionRow {
            id,
            platform: platform(platform_name)?,
            base_url,
            credentials,
            stock_pushed_version,
            online: OnlineStockSettings::new(orders_outlet, &chosen),
        })
    }
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

impl SqliteStore {
    /// Claims up to `limit` status calls due at `now_ms` (oldest first; an order's later call waits for
    /// its earlier one): each is leased until `lease_until_ms` and its attempt counted before it is sent.
    pub async fn claim_due_outbox(&self, now_ms: i64, lease_until_ms: i64, limit: i64) -> anyhow::Result<Vec<OutboxRow>> {
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
            sqlx::query("UPDATE platform_outbox SET attempts = attempts + 1, next_attempt_at_ms = ? WHERE id = ?")
                .bind(lease_until_ms)
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

    /// Records how a claimed status call went: done, to retry at `retry_at_ms`, or failed for good.
    pub async fn settle_outbox(&self, id: i64, outcome: &Outcome, now_ms: i64) -> anyhow::Result<()> {
        let _turn = self.write_turn().await;
        let q = match outcome {
            Outcome::Done => sqlx::query("UPDATE platform_outbox SET state = 'done', done_at_ms = ?, last_error = NULL WHERE id = ?").bind(now_ms).bind(id),
            Outcome::Retry { at_ms, error } => {
                sqlx::query("UPDATE platform_outbox SET next_attempt_at_ms = ?, last_error = ? WHERE id = ?").bind(*at_ms).bind(error.clone()).bind(id)
            }
            Outcome::Failed { error } => {
                sqlx::query("UPDATE platform_outbox SET state = 'failed', last_error = ?, done_at_ms = ? WHERE id = ?").bind(error.clone()).bind(now_ms).bind(id)
            }
        };
        q.execute(self.pool()).await?;
        Ok(())
    }

    /// A connection's status calls: pending and failed counts, and the failed rows for a manager.
    pub async fn outbox_summary(&self, connection_id: &str) -> anyhow::Result<Option<OutboxSummary>> {
        let known: Option<i64> = sqlx::query_scalar("SELECT stock_pushed_version FROM connections WHERE id = ?").bind(connection_id).fetch_optional(self.pool()).await?;
        let Some(stock_pushed_version) = known else { return Ok(None) };
        let rows = sqlx::query(
            "SELECT id, body, attempts, next_attempt_at_ms, last_error, state, created_at_ms FROM platform_outbox
             WHERE connection_id = ? AND state <> 'done' ORDER BY id LIMIT 1000",
        )
        .bind(connection_id)
        .fetch_all(self.pool())
        .await?;
        let done: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM platform_outbox WHERE connection_id = ? AND state = 'done'")
            .bind(connection_id)
            .fetch_one(self.pool())
            .await?;
        OutboxSummary::from_rows(
            connection_id,
            stock_pushed_version,
            done,
            rows.into_iter().map(|r| {
                (r.get("id"), r.get::<String, _>("body"), r.get::<i64, _>("attempts"), r.get("next_attempt_at_ms"), r.get("last_error"), r.get::<String, _>("state"), r.get("created_at_ms"))
            }),
        )
        .map(Some)
    }

    /// Active connections with their online outlets (priority order) and stock cursor.
    pub async fn active_connections(&self) -> anyhow::Result<Vec<ConnectionRow>> {
        let rows = sqlx::query(
            "SELECT c.id, c.platform, c.base_url, c.credentials, c.stock_pushed_version, r.outlet_id AS orders_outlet,
                    (SELECT json_group_array(outlet_id) FROM (SELECT outlet_id FROM connection_outlets WHERE connection_id = c.id ORDER BY priority)) AS outlets
             FROM connections c JOIN registers r ON r.id = c.orders_register_id WHERE c.active = 1 ORDER BY c.id",
        )
        .fetch_all(self.pool())
        .await?;
        rows.into_iter()
            .map(|r| {
                ConnectionRow::new(
                    r.get("id"),
                    r.get::<&str, _>("platform"),
                    r.get("base_url"),
                    r.get::<&str, _>("credentials"),
                    r.get("stock_pushed_version"),
                    r.get::<&str, _>("orders_outlet"),
                    serde_json::from_str(r.get::<Option<&str>, _>("outlets").unwrap_or("[]"))?,
                )
            })
            .collect()
    }

    /// Takes the connection's stock-push lease if nobody holds it (another instance, a crashed run whose
    /// lease has not expired yet): `true` when this caller may push.
    pub async fn claim_stock_push(&self, connection_id: &str, now_ms: i64, lease_until_ms: i64) -> anyhow::Result<bool> {
        let _turn = self.write_turn().await;
        let n = sqlx::query("UPDATE connections SET stock_lease_until_ms = ? WHERE id = ? AND stock_lease_until_ms <= ?")
            .bind(lease_until_ms)
            .bind(connection_id)
            .bind(now_ms)
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
        let mut products = Vec::with_capacity(picked.len());
        for (product_id, _) in picked.iter().filter(|p| p.1 <= upto) {
            let sku: Option<String> = sqlx::query_scalar("SELECT sku FROM products WHERE id = ?").bind(product_id).fetch_optional(&mut *tx).await?;
            let levels: Vec<(String, i64)> = sqlx::query_as(
                "SELECT outlet_id, qty FROM stock_levels WHERE product_id = ? AND outlet_id IN (SELECT value FROM json_each(?))",
            )
            .bind(product_id)
            .bind(&outlets_json)
            .fetch_all(&mut *tx)
            .await?;
            products.push((product_id.clone(), sku.unwrap_or_default(), levels));
        }
        Ok(StockTouch { upto, products })
    }

    /// Ends a stock push: after a success the cursor moves forward to `upto` (never back); the lease is
    /// released either way.
    pub async fn finish_stock_push(&self, connection_id: &str, upto: Option<i64>) -> anyhow::Result<()> {
        let _turn = self.write_turn().await;
        sqlx::query(
            "UPDATE connections SET stock_pushed_version = MAX(stock_pushed_version, COALESCE(?, stock_pushed_version)), stock_lease_until_ms = 0 WHERE id = ?",
        )
        .bind(upto)
        .bind(connection_id)
        .execute(self.pool())
        .await?;
        Ok(())
    }
}
