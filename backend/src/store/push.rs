//! Devices and pushed sales. Each sale is decided and written in its own short write transaction
//! (`BEGIN IMMEDIATE`): the store loads what bears on it ([`Holdings`]), `shared::sync::accept_sale`
//! decides, the store persists the verdict. A large push therefore never holds the write lock for
//! more than one sale at a time, and two pushes of the same sale — from two tabs, two instances, a
//! lost answer — are serialised by the lock, so the second one sees the first.

use super::customers::{originals_of, returns_of, sales_by_id};
use super::now_ms;
use super::sqlite::SqliteStore;
use shared::catalog::Register;
use shared::sale::Sale;
use shared::stock::movements_for_sale;
use shared::sync::{accept_sale, key_device, CatalogTerms, Device, HeldSale, HoldReason, Holdings, PushResult, PushStatus, Verdict};
use shared::tax::TaxRates;
use shared::Money;
use sqlx::{Row, SqliteConnection};
use std::collections::BTreeMap;

impl SqliteStore {
    /// The device with this id, giving it the next free number the first time (idempotent).
    pub async fn device_hello(&self, id: &str) -> anyhow::Result<Device> {
        let _turn = self.write_turn().await;
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        let now = now_ms();
        let number: Option<i64> = sqlx::query_scalar("SELECT number FROM devices WHERE id = ?").bind(id).fetch_optional(&mut *tx).await?;
        let number = match number {
            Some(n) => {
                sqlx::query("UPDATE devices SET last_seen_ms = ? WHERE id = ?").bind(now).bind(id).execute(&mut *tx).await?;
                n
            }
            None => {
                let n: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(number), 0) + 1 FROM devices").fetch_one(&mut *tx).await?;
                sqlx::query("INSERT INTO devices (id, number, created_at_ms, last_seen_ms) VALUES (?, ?, ?, ?)")
                    .bind(id)
                    .bind(n)
                    .bind(now)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                tracing::info!(device = id, number = n, "new device");
                n
            }
        };
        tx.commit().await?;
        Ok(Device { id: id.to_string(), number: u32::try_from(number)? })
    }

    /// A known, not revoked device.
    pub async fn device(&self, id: &str) -> anyhow::Result<Option<Device>> {
        let row = sqlx::query("SELECT id, number FROM devices WHERE id = ? AND revoked_at_ms IS NULL")
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        row.map(|r| Ok(Device { id: r.get("id"), number: u32::try_from(r.get::<i64, _>("number"))? })).transpose()
    }

    /// Decides and writes one pushed sale (see the module doc).
    pub async fn push_sale(&self, device: &Device, sale: &Sale) -> anyhow::Result<PushResult> {
        let _turn = self.write_turn().await;
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        let loaded = load_holdings(&mut tx, sale).await?;
        let verdict = accept_sale(
            sale,
            Holdings {
                device,
                register: loaded.register.as_ref().map(|(r, rates)| (r, *rates)),
                same_id: loaded.same_id.as_ref(),
                same_key: loaded.same_key.as_ref(),
                held_same_id: &loaded.held,
                catalog: &loaded.catalog,
                originals: &loaded.originals,
                earlier_returns: &loaded.earlier_returns,
            },
        );
        let (status, hold) = match verdict {
            Verdict::Store => {
                store_sale(&mut tx, sale).await?;
                (PushStatus::Stored, None)
            }
            Verdict::Duplicate => (PushStatus::Duplicate, None),
            Verdict::Hold(reason) => {
                tracing::warn!(sale = %sale.id, device = %device.id, code = reason.code(), %reason, "sale held for review");
                sqlx::query(
                    "INSERT INTO held_sales (sale_id, pushed_by, body, code, reason, received_at_ms) VALUES (?, ?, ?, ?, ?, ?)",
                )
                .bind(&sale.id)
                .bind(&device.id)
                .bind(serde_json::to_string(sale)?)
                .bind(reason.code())
                .bind(serde_json::to_string(&reason)?)
                .bind(now_ms())
                .execute(&mut *tx)
                .await?;
                (PushStatus::Held, Some(reason))
            }
            Verdict::AlreadyHeld(reason) => (PushStatus::Held, Some(reason)),
        };
        tx.commit().await?;
        Ok(PushResult { sale_id: sale.id.clone(), seq: sale.seq, status, hold })
    }

    /// Sales held for review and not yet resolved, oldest first.
    pub async fn held_sales(&self, pushed_by: Option<&str>) -> anyhow::Result<Vec<HeldSale>> {
        let rows = sqlx::query(
            "SELECT body, pushed_by, reason, received_at_ms FROM held_sales
             WHERE resolved = 0 AND (?1 IS NULL OR pushed_by = ?1) ORDER BY id",
        )
        .bind(pushed_by)
        .fetch_all(self.pool())
        .await?;
        rows.into_iter()
            .map(|r| {
                Ok(HeldSale {
                    sale: serde_json::from_str(r.get("body"))?,
                    pushed_by: r.get("pushed_by"),
                    reason: serde_json::from_str(r.get("reason"))?,
                    received_at_ms: r.get("received_at_ms"),
                })
            })
            .collect()
    }
}

/// What [`Holdings`] borrows from.
struct Loaded {
    register: Option<(Register, TaxRates)>,
    same_id: Option<Sale>,
    same_key: Option<Sale>,
    held: Vec<(Sale, HoldReason)>,
    catalog: BTreeMap<String, CatalogTerms>,
    originals: Vec<Sale>,
    earlier_returns: Vec<Sale>,
}

async fn load_holdings(conn: &mut SqliteConnection, sale: &Sale) -> anyhow::Result<Loaded> {
    let register = sqlx::query(
        "SELECT r.id, r.outlet_id, r.code, r.name, o.gst_ppm, o.qst_ppm
         FROM registers r JOIN outlets o ON o.id = r.outlet_id WHERE r.id = ?",
    )
    .bind(&sale.register_id)
    .fetch_optional(&mut *conn)
    .await?
    .map(|r| {
        (
            Register { id: r.get("id"), outlet_id: r.get("outlet_id"), code: r.get("code"), name: r.get("name") },
            TaxRates { gst_ppm: r.get("gst_ppm"), qst_ppm: r.get("qst_ppm") },
        )
    });
    let body = |b: Option<String>| b.map(|b| serde_json::from_str::<Sale>(&b)).transpose();
    let same_id = body(sqlx::query_scalar("SELECT body FROM sales WHERE id = ?").bind(&sale.id).fetch_optional(&mut *conn).await?)?;
    let same_key = body(
        sqlx::query_scalar("SELECT body FROM sales WHERE device_id = ? AND seq = ?")
            .bind(key_device(sale))
            .bind(i64::try_from(sale.seq)?)
            .fetch_optional(&mut *conn)
            .await?,
    )?;
    let mut held = Vec::new();
    for r in sqlx::query("SELECT body, reason FROM held_sales WHERE sale_id = ?").bind(&sale.id).fetch_all(&mut *conn).await? {
        held.push((serde_json::from_str(r.get("body"))?, serde_json::from_str(r.get("reason"))?));
    }
    let mut catalog = BTreeMap::new();
    for line in &sale.lines {
        if catalog.contains_key(&line.product_id) {
            continue;
        }
        let Some(product) = sqlx::query("SELECT tax_class, loyalty_points FROM products WHERE id = ?")
            .bind(&line.product_id)
            .fetch_optional(&mut *conn)
            .await?
        else {
            continue;
        };
        // The price in force when the sale was made; for a sale dated before the product's first
        // price (a register clock behind), its first price.
        let price: Option<i64> = sqlx::query_scalar(
            "SELECT price_cents FROM price_history WHERE product_id = ?1
             ORDER BY (from_ms <= ?2) DESC, CASE WHEN from_ms <= ?2 THEN -from_ms ELSE from_ms END LIMIT 1",
        )
        .bind(&line.product_id)
        .bind(sale.created_at_ms)
        .fetch_optional(&mut *conn)
        .await?;
        let (Some(price), Ok(tax_class)) = (price, serde_json::from_value(serde_json::Value::String(product.get("tax_class")))) else {
            continue;
        };
        let loyalty_points = u32::try_from(product.get::<i64, _>("loyalty_points")).unwrap_or(0);
        catalog.insert(line.product_id.clone(), CatalogTerms { price: Money(price), tax_class, loyalty_points });
    }
    let ids = originals_of(sale);
    let (originals, earlier_returns) =
        if ids.is_empty() { (Vec::new(), Vec::new()) } else { (sales_by_id(conn, &ids).await?, returns_of(conn, &ids).await?) };
    Ok(Loaded { register, same_id, same_key, held, catalog, originals, earlier_returns })
}

/// A new, accepted sale with its effects: lines, stock movements, serial numbers, customer account.
async fn store_sale(tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>, sale: &Sale) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO sales (id, device_id, seq, register_id, outlet_id, receipt, created_at_ms, received_at_ms,
                            subtotal_cents, total_cents, body)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&sale.id)
    .bind(key_device(sale))
    .bind(i64::try_from(sale.seq)?)
    .bind(&sale.register_id)
    .bind(&sale.outlet_id)
    .bind(&sale.receipt)
    .bind(sale.created_at_ms)
    .bind(now_ms())
    .bind(sale.totals.subtotal.as_cents())
    .bind(sale.totals.total.as_cents())
    .bind(serde_json::to_string(sale)?)
    .execute(&mut **tx)
    .await?;
    // One statement for all the lines and one for all the movements: a 500-line sale is two round trips.
    let mut lines = sqlx::QueryBuilder::new("INSERT INTO sale_lines (sale_id, line_no, product_id, qty, unit_price_cents) ");
    lines.push_values(sale.lines.iter().enumerate(), |mut b, (i, line)| {
        b.push_bind(&sale.id).push_bind(i as i64 + 1).push_bind(&line.product_id).push_bind(line.qty).push_bind(line.unit_price.as_cents());
    });
    lines.build().execute(&mut **tx).await?;
    // Which movements a sale makes (sign, reason, source) is a rule of the shared ledger.
    let movements = movements_for_sale(sale);
    if !movements.is_empty() {
        let mut q = sqlx::QueryBuilder::new("INSERT INTO stock_movements (product_id, outlet_id, delta, reason, source_id, created_at_ms) ");
        q.push_values(&movements, |mut b, mv| {
            b.push_bind(&mv.product_id)
                .push_bind(&mv.outlet_id)
                .push_bind(mv.delta)
                .push_bind(mv.reason.as_str())
                .push_bind(&mv.source_id)
                .push_bind(mv.created_at_ms);
        });
        q.build().execute(&mut **tx).await?;
    }
    super::serials::record_sale_serials(tx, sale).await?;
    super::customers::record_sale_customer(tx, sale).await?;
    Ok(())
}
