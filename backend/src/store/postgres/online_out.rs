//! Orders out on PostgreSQL (mirrors `store/online_out.rs`). An order operation locks the order's row
//! (`FOR UPDATE`) after the operation's advisory lock, so two instances given operations on one order
//! decide one after the other. Status calls are claimed with `FOR UPDATE SKIP LOCKED` and leased
//! (`next_attempt_at_ms` moved past the call's deadline) in one short transaction, so two instances
//! never send the same row at once; a stock push takes its connection's lease by a conditional UPDATE.

use super::PgStore;
use crate::store::now_ms;
use crate::store::online_out::{
    order_type, part_status, platform, readable, retry_audit, status_row, ConnectionRow, LoadedForOrder, OutboxRow, OutboxSummary, Outcome, RefusedLevel, Retried,
    RetryRefusal, StockLease, StockRefusalEntry, StockState, StockTouch, TouchedProduct, SUPERSEDED,
};
use shared::fulfilment::PlatformOptions;
use shared::online::actions::{LoadedOrder, OrderEffect, PartState};
use shared::sale::Sale;
use shared::sync::{OpBody, Operation};
use shared::Money;
use sqlx::{PgConnection, Row};
use std::str::FromStr;

pub(crate) async fn load_for_order(conn: &mut PgConnection, op: &Operation) -> anyhow::Result<LoadedForOrder> {
    let mut l = LoadedForOrder::default();
    let Some(order_id) = op.body.order_id() else { return Ok(l) };
    let row = sqlx::query(
        "SELECT o.id, o.connection_id, o.external_id, o.order_type, o.total_cents, o.paid_cents, o.status, o.sale_note, o.tracking,
                c.platform, c.options
         FROM online_orders o JOIN connections c ON c.id = o.connection_id WHERE o.id = $1 FOR UPDATE OF o",
    )
    .bind(order_id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(r) = row else { return Ok(l) };
    let parts = sqlx::query("SELECT outlet_id, status, lines, notes, assigned_to FROM order_parts WHERE order_id = $1 ORDER BY outlet_id")
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
    let status: String = r.get("status");
    l.order = Some(LoadedOrder {
        id: r.get("id"),
        platform: platform(r.get("platform"))?,
        order_type: order_type(r.get("order_type"))?,
        total: Money(r.get("total_cents")),
        paid: Money(r.get("paid_cents")),
        state: FromStr::from_str(&status).map_err(|_| anyhow::anyhow!("unreadable order status '{status}'"))?,
        options: serde_json::from_str::<PlatformOptions>(r.get("options")).unwrap_or_default(),
        sale_note: r.get("sale_note"),
        tracking: r.get("tracking"),
        parts,
    });
    if let OpBody::OrderAssign { outlet_id, staff_id, .. } = &op.body {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM staff s WHERE s.id = $1 AND s.active
               AND (s.role = 'admin' OR EXISTS (SELECT 1 FROM staff_outlets WHERE staff_id = s.id AND outlet_id = $2))",
        )
        .bind(staff_id)
        .bind(outlet_id)
        .fetch_one(&mut *conn)
        .await?;
        l.assignee_works_here = n > 0;
    }
    Ok(l)
}

pub(crate) async fn write_order_effect(conn: &mut PgConnection, l: &LoadedForOrder, effect: OrderEffect) -> anyhow::Result<()> {
    let now = now_ms();
    match effect {
        OrderEffect::Part { order_id, part, order_state, owed } => {
            sqlx::query("UPDATE order_parts SET status = $1, lines = $2, notes = $3, assigned_to = $4, updated_at_ms = $5 WHERE order_id = $6 AND outlet_id = $7")
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
            sqlx::query("UPDATE online_orders SET status = $1, updated_at_ms = $2 WHERE id = $3 AND status <> $1")
                .bind(state)
                .bind(now)
                .bind(&order_id)
                .execute(&mut *conn)
                .await?;
            if let Some(owed) = owed {
                let (key, update) = status_row(l, &order_id, &owed);
                sqlx::query(
                    "INSERT INTO platform_outbox (connection_id, kind, body, idempotency_key, next_attempt_at_ms, created_at_ms, order_id)
                     VALUES ($1, 'status', $2, $3, $4, $4, $5) ON CONFLICT (idempotency_key) DO NOTHING",
                )
                .bind(&l.connection_id)
                .bind(serde_json::to_string(&update)?)
                .bind(&key)
                .bind(now)
                .bind(&order_id)
                .execute(&mut *conn)
                .await?;
            }
        }
        OrderEffect::SaleNote { order_id, sale_note, tracking } => {
            sqlx::query("UPDATE online_orders SET sale_note = $1, tracking = $2, updated_at_ms = $3 WHERE id = $4")
                .bind(sale_note)
                .bind(tracking)
                .bind(now)
                .bind(&order_id)
                .execute(&mut *conn)
                .await?;
        }
        OrderEffect::Payment { order_id, tender, paid } => {
            sqlx::query("UPDATE online_orders SET paid_cents = $1, updated_at_ms = $2 WHERE id = $3")
                .bind(paid.as_cents())
                .bind(now)
                .bind(&order_id)
                .execute(&mut *conn)
                .await?;
            let body: Option<String> = sqlx::query_scalar("SELECT body FROM sales WHERE id = $1").bind(&order_id).fetch_optional(&mut *conn).await?;
            if let Some(body) = body {
                let mut sale: Sale = serde_json::from_str(&body)?;
                sale.tenders.push(tender);
                sqlx::query("UPDATE sales SET body = $1 WHERE id = $2").bind(serde_json::to_string(&sale)?).bind(&order_id).execute(&mut *conn).await?;
            }
        }
    }
    Ok(())
}

/// Each product's SKU and levels at `outlets`, in the order given.
async fn levels_of(conn: &mut PgConnection, products: &[String], outlets: &[String]) -> anyhow::Result<Vec<TouchedProduct>> {
    let mut out = Vec::with_capacity(products.len());
    for product_id in products {
        let sku: Option<String> = sqlx::query_scalar("SELECT sku FROM products WHERE id = $1").bind(product_id).fetch_optional(&mut *conn).await?;
        let levels: Vec<(String, i64)> = sqlx::query_as("SELECT outlet_id, qty FROM stock_levels WHERE product_id = $1 AND outlet_id = ANY($2)")
            .bind(product_id)
            .bind(outlets)
            .fetch_all(&mut *conn)
            .await?;
        out.push((product_id.clone(), sku.unwrap_or_default(), levels));
    }
    Ok(out)
}

impl PgStore {
    pub async fn claim_due_outbox(&self, now_ms: i64, lease_until_ms: i64, limit: i64, token: &str) -> anyhow::Result<Vec<OutboxRow>> {
        let mut tx = self.pool.begin().await?;
        let rows = sqlx::query(
            "UPDATE platform_outbox SET attempts = attempts + 1, next_attempt_at_ms = $2, lease_token = $4
             WHERE id IN (
               SELECT o.id FROM platform_outbox o
               WHERE o.state = 'pending' AND o.next_attempt_at_ms <= $1
                 AND NOT EXISTS (SELECT 1 FROM platform_outbox e WHERE e.connection_id = o.connection_id AND e.order_id = o.order_id
                                 AND e.id < o.id AND e.state = 'pending')
               ORDER BY o.id LIMIT $3 FOR UPDATE SKIP LOCKED)
             RETURNING id, connection_id, body, attempts",
        )
        .bind(now_ms)
        .bind(lease_until_ms)
        .bind(limit)
        .bind(token)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        let mut out = rows
            .into_iter()
            .map(|r| {
                Ok(OutboxRow {
                    id: r.get("id"),
                    connection_id: r.get("connection_id"),
                    update: serde_json::from_str(r.get("body"))?,
                    attempts: u32::try_from(r.get::<i32, _>("attempts")).unwrap_or(u32::MAX),
                })
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        out.sort_by_key(|r| r.id);
        Ok(out)
    }

    pub async fn renew_outbox(&self, token: &str, lease_until_ms: i64) -> anyhow::Result<Vec<i64>> {
        Ok(sqlx::query_scalar("UPDATE platform_outbox SET next_attempt_at_ms = $1 WHERE lease_token = $2 AND state = 'pending' RETURNING id")
            .bind(lease_until_ms)
            .bind(token)
            .fetch_all(&self.pool)
            .await?)
    }

    pub async fn settle_outbox(&self, id: i64, token: &str, outcome: &Outcome, now_ms: i64) -> anyhow::Result<bool> {
        let q = match outcome {
            Outcome::Done => sqlx::query(
                "UPDATE platform_outbox SET state = 'done', done_at_ms = $1, last_error = NULL, lease_token = NULL
                 WHERE id = $2 AND lease_token = $3 AND state = 'pending'",
            )
            .bind(now_ms),
            Outcome::Retry { at_ms, .. } => sqlx::query(
                "UPDATE platform_outbox SET next_attempt_at_ms = $1, last_error = $4, lease_token = NULL
                 WHERE id = $2 AND lease_token = $3 AND state = 'pending'",
            )
            .bind(*at_ms),
            Outcome::Failed { .. } => sqlx::query(
                "UPDATE platform_outbox SET state = 'failed', done_at_ms = $1, last_error = $4, lease_token = NULL
                 WHERE id = $2 AND lease_token = $3 AND state = 'pending'",
            )
            .bind(now_ms),
        };
        let q = q.bind(id).bind(token);
        let q = match outcome {
            Outcome::Done => q,
            Outcome::Retry { error, .. } | Outcome::Failed { error } => q.bind(error.clone()),
        };
        Ok(q.execute(&self.pool).await?.rows_affected() == 1)
    }

    pub async fn outbox_summary(&self, connection_id: &str) -> anyhow::Result<Option<OutboxSummary>> {
        let known = sqlx::query(
            "SELECT stock_pushed_version, stock_attempts, stock_next_attempt_at_ms, stock_last_error FROM connections WHERE id = $1",
        )
        .bind(connection_id)
        .fetch_optional(&self.pool)
        .await?;
        let Some(c) = known else { return Ok(None) };
        let stock = StockState {
            pushed_version: c.get("stock_pushed_version"),
            attempts: i64::from(c.get::<i32, _>("stock_attempts")),
            next_attempt_at_ms: c.get("stock_next_attempt_at_ms"),
            last_error: c.get("stock_last_error"),
        };
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT o.id, o.body, o.attempts, o.next_attempt_at_ms, o.last_error, o.state, o.created_at_ms, {SUPERSEDED} AS superseded
             FROM platform_outbox o WHERE o.connection_id = $1 AND o.state <> 'done' ORDER BY o.id LIMIT 1000"
        )))
        .bind(connection_id)
        .fetch_all(&self.pool)
        .await?;
        let done: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM platform_outbox WHERE connection_id = $1 AND state = 'done'")
            .bind(connection_id)
            .fetch_one(&self.pool)
            .await?;
        let refused = sqlx::query(
            "SELECT product_id, sku, quantity, error, attempts, due, refused_at_ms FROM stock_refusals
             WHERE connection_id = $1 ORDER BY refused_at_ms, product_id LIMIT 1000",
        )
        .bind(connection_id)
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(|r| StockRefusalEntry {
            product_id: r.get("product_id"),
            sku: r.get("sku"),
            quantity: r.get("quantity"),
            error: r.get("error"),
            attempts: i64::from(r.get::<i32, _>("attempts")),
            due: r.get("due"),
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
                    i64::from(r.get::<i32, _>("attempts")),
                    r.get("next_attempt_at_ms"),
                    r.get("last_error"),
                    r.get::<String, _>("state"),
                    r.get("created_at_ms"),
                    r.get::<bool, _>("superseded"),
                )
            }),
            refused,
        )
        .map(Some)
    }

    pub async fn retry_outbox(&self, connection_id: &str, call: Option<i64>, staff_id: &str, now_ms: i64) -> anyhow::Result<Result<Retried, RetryRefusal>> {
        let mut tx = self.pool.begin().await?;
        const REQUEUE: &str = "UPDATE platform_outbox SET state = 'pending', attempts = 0, next_attempt_at_ms = $1, done_at_ms = NULL, lease_token = NULL";
        let retried = match call {
            Some(id) => {
                // The row locked: a worker's settle or another retry waits for this decision.
                let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT o.state, {SUPERSEDED} AS superseded FROM platform_outbox o WHERE o.id = $1 AND o.connection_id = $2 FOR UPDATE"
                )))
                .bind(id)
                .bind(connection_id)
                .fetch_optional(&mut *tx)
                .await?;
                let Some(row) = row else { return Ok(Err(RetryRefusal::UnknownCall)) };
                if row.get::<String, _>("state") != "failed" {
                    return Ok(Err(RetryRefusal::NotFailed));
                }
                if row.get::<bool, _>("superseded") {
                    return Ok(Err(RetryRefusal::Superseded));
                }
                sqlx::query(sqlx::AssertSqlSafe(format!("{REQUEUE} WHERE id = $2 AND state = 'failed'"))).bind(now_ms).bind(id).execute(&mut *tx).await?;
                Retried { calls: 1, stock_levels: 0 }
            }
            None => {
                let calls = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "{REQUEUE} WHERE id IN (SELECT o.id FROM platform_outbox o WHERE o.connection_id = $2 AND o.state = 'failed' AND NOT {SUPERSEDED})"
                )))
                .bind(now_ms)
                .bind(connection_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                let stock_levels = sqlx::query("UPDATE stock_refusals SET due = TRUE WHERE connection_id = $1").bind(connection_id).execute(&mut *tx).await?.rows_affected();
                Retried { calls, stock_levels }
            }
        };
        if retried != Retried::default() {
            let outlet: Option<String> =
                sqlx::query_scalar("SELECT r.outlet_id FROM connections c JOIN registers r ON r.id = c.orders_register_id WHERE c.id = $1")
                    .bind(connection_id)
                    .fetch_optional(&mut *tx)
                    .await?;
            super::auth::write_audit(&mut tx, &retry_audit(staff_id, connection_id, call, outlet.as_deref(), &retried)).await?;
        }
        tx.commit().await?;
        Ok(Ok(retried))
    }

    pub async fn active_connections(&self) -> anyhow::Result<Vec<ConnectionRow>> {
        let rows = sqlx::query(
            "SELECT c.id, c.platform, c.base_url, c.credentials, c.stock_pushed_version, c.stock_repush_outlets, r.outlet_id AS orders_outlet,
                    ARRAY(SELECT outlet_id FROM connection_outlets WHERE connection_id = c.id ORDER BY priority) AS outlets
             FROM connections c JOIN registers r ON r.id = c.orders_register_id WHERE c.active ORDER BY c.id",
        )
        .fetch_all(&self.pool)
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
                    r.get("outlets"),
                    r.get::<&str, _>("stock_repush_outlets"),
                )
            })
            .filter_map(readable)
            .collect::<Vec<_>>())
    }

    pub async fn claim_stock_push(&self, connection_id: &str, now_ms: i64, lease_until_ms: i64, token: &str) -> anyhow::Result<Option<StockLease>> {
        let row: Option<(i64, i32)> = sqlx::query_as(
            "UPDATE connections SET stock_lease_until_ms = $1, stock_lease_token = $2
             WHERE id = $3 AND stock_lease_until_ms <= $4 AND stock_next_attempt_at_ms <= $4
             RETURNING stock_pushed_version, stock_attempts",
        )
        .bind(lease_until_ms)
        .bind(token)
        .bind(connection_id)
        .bind(now_ms)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|(since, attempts)| StockLease { since, attempts: u32::try_from(attempts).unwrap_or(u32::MAX) }))
    }

    pub async fn renew_stock_push(&self, connection_id: &str, token: &str, lease_until_ms: i64) -> anyhow::Result<bool> {
        let n = sqlx::query("UPDATE connections SET stock_lease_until_ms = $1 WHERE id = $2 AND stock_lease_token = $3")
            .bind(lease_until_ms)
            .bind(connection_id)
            .bind(token)
            .execute(&self.pool)
            .await?
            .rows_affected();
        Ok(n == 1)
    }

    pub async fn stock_touched_since(&self, since: i64, outlets: &[String], limit: i64) -> anyhow::Result<StockTouch> {
        // One snapshot: the head and the rows below it agree.
        let mut tx = self.pool.begin().await?;
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY").execute(&mut *tx).await?;
        let head: i64 = sqlx::query_scalar("SELECT version FROM change_counter WHERE id = 1").fetch_one(&mut *tx).await?;
        let rows = sqlx::query(
            "SELECT entity_id, MAX(version) AS v FROM changes
             WHERE kind = 'stock' AND version > $1 AND version <= $2 AND outlet_id = ANY($3)
             GROUP BY entity_id ORDER BY v LIMIT $4",
        )
        .bind(since)
        .bind(head)
        .bind(outlets)
        .bind(limit + 1)
        .fetch_all(&mut *tx)
        .await?;
        let more = rows.len() as i64 > limit;
        let picked: Vec<(String, i64)> = rows.iter().take(limit as usize).map(|r| (r.get("entity_id"), r.get("v"))).collect();
        let upto = if more { picked.last().map_or(head, |p| p.1) } else { head };
        let ids: Vec<String> = picked.into_iter().map(|p| p.0).collect();
        let products = levels_of(&mut tx, &ids, outlets).await?;
        tx.commit().await?;
        Ok(StockTouch { upto, products })
    }

    pub async fn refused_stock(&self, connection_id: &str, outlets: &[String], due_only: bool, limit: i64) -> anyhow::Result<Vec<TouchedProduct>> {
        let mut conn = self.pool.acquire().await?;
        let ids: Vec<String> = sqlx::query_scalar(
            "SELECT product_id FROM stock_refusals WHERE connection_id = $1 AND (due OR NOT $2) ORDER BY refused_at_ms, product_id LIMIT $3",
        )
        .bind(connection_id)
        .bind(due_only)
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?;
        levels_of(&mut conn, &ids, outlets).await
    }

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
        let mut tx = self.pool.begin().await?;
        let n = sqlx::query(
            "UPDATE connections SET stock_pushed_version = GREATEST(stock_pushed_version, $1), stock_lease_until_ms = $2,
                    stock_attempts = 0, stock_next_attempt_at_ms = 0, stock_last_error = NULL
             WHERE id = $3 AND stock_lease_token = $4",
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
        sqlx::query("DELETE FROM stock_refusals WHERE connection_id = $1 AND product_id = ANY($2)")
            .bind(connection_id)
            .bind(taken)
            .execute(&mut *tx)
            .await?;
        for r in refused {
            sqlx::query(
                "INSERT INTO stock_refusals (connection_id, product_id, sku, quantity, error, attempts, due, refused_at_ms)
                 VALUES ($1, $2, $3, $4, $5, 1, FALSE, $6)
                 ON CONFLICT (connection_id, product_id) DO UPDATE SET sku = excluded.sku, quantity = excluded.quantity,
                    error = excluded.error, attempts = stock_refusals.attempts + 1, due = FALSE, refused_at_ms = excluded.refused_at_ms",
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

    pub async fn fail_stock_push(&self, connection_id: &str, token: &str, at_ms: i64, error: &str) -> anyhow::Result<bool> {
        let n = sqlx::query(
            "UPDATE connections SET stock_attempts = stock_attempts + 1, stock_next_attempt_at_ms = $1, stock_last_error = $2,
                    stock_lease_until_ms = 0, stock_lease_token = NULL
             WHERE id = $3 AND stock_lease_token = $4",
        )
        .bind(at_ms)
        .bind(error)
        .bind(connection_id)
        .bind(token)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(n == 1)
    }

    pub async fn release_stock_push(&self, connection_id: &str, token: &str) -> anyhow::Result<()> {
        // The push reached the head: the outlets that left were published again.
        sqlx::query("UPDATE connections SET stock_lease_until_ms = 0, stock_lease_token = NULL, stock_repush_outlets = '[]' WHERE id = $1 AND stock_lease_token = $2")
            .bind(connection_id)
            .bind(token)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
