//! Devices and pushed sales. Each sale is decided and written in its own short write transaction
//! (`BEGIN IMMEDIATE`): the store loads what bears on it ([`Holdings`]), `shared::sync::accept_sale`
//! decides, the store persists the verdict. A large push therefore never holds the write lock for
//! more than one sale at a time, and two pushes of the same sale — from two tabs, two instances, a
//! lost answer — are serialised by the lock, so the second one sees the first.

use super::customers::{originals_of, returns_of, sales_by_id};
use super::now_ms;
use super::page::Page;
use super::sqlite::SqliteStore;
use shared::catalog::Register;
use shared::sale::Sale;
use shared::stock::{Movement, StockLevel};
use super::auth::{write_audit, Audit};
use shared::auth::AuditAction;
use shared::sync::{accept_sale, effects_of_sale, sale_audit, Bearing, key_device, CatalogTerms, Device, HeldSale, HoldReason, Holdings, PushResult, PushStatus, StaffTerms, Verdict};
use std::str::FromStr;
use shared::tax::TaxRates;
use shared::Money;
use sqlx::{Row, SqliteConnection};
use std::collections::BTreeMap;

impl SqliteStore {
    /// Decides and writes one pushed sale (see the module doc).
    /// `device_outlet`: the outlet the device is enrolled at. The audit log gets the sale (and its
    /// refund, its price overrides) or its hold, in the same transaction.
    pub async fn push_sale(&self, device: &Device, device_outlet: Option<&str>, sale: &Sale) -> anyhow::Result<PushResult> {
        let _turn = self.write_turn().await;
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        let result = decide_and_write(&mut tx, device, device_outlet, sale).await?;
        tx.commit().await?;
        Ok(result)
    }

    /// Sales held for review and not yet resolved, oldest first: pushed by `pushed_by`, at one of
    /// `outlets` (`None`: all), after the held sale numbered `after`.
    pub async fn held_sales(
        &self,
        pushed_by: Option<&str>,
        outlets: Option<&[String]>,
        after: Option<i64>,
        limit: u32,
    ) -> anyhow::Result<Page<HeldSale>> {
        let outlets = outlets.map(serde_json::to_string).transpose()?;
        let rows = sqlx::query(
            "SELECT id, body, pushed_by, reason, received_at_ms FROM held_sales
             WHERE resolved = 0 AND (?1 IS NULL OR pushed_by = ?1)
               AND (?2 IS NULL OR outlet_id IN (SELECT value FROM json_each(?2))) AND id > ?3
             ORDER BY id LIMIT ?4",
        )
        .bind(pushed_by)
        .bind(outlets)
        .bind(after.unwrap_or(0))
        .bind(i64::from(limit) + 1)
        .fetch_all(self.pool())
        .await?;
        let rows = rows
            .into_iter()
            .map(|r| {
                let held = HeldSale {
                    sale: serde_json::from_str(r.get("body"))?,
                    pushed_by: r.get("pushed_by"),
                    reason: serde_json::from_str(r.get("reason"))?,
                    received_at_ms: r.get("received_at_ms"),
                };
                Ok((r.get::<i64, _>("id"), held))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        let page = Page::of(rows, limit, |(id, _)| *id);
        Ok(Page { items: page.items.into_iter().map(|(_, h)| h).collect(), next: page.next })
    }
}

/// The decision on one pushed sale and what it writes, inside the caller's transaction (the push's own,
/// or a manager accepting a held sale from the inbox).
pub(crate) async fn decide_and_write(tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>, device: &Device, device_outlet: Option<&str>, sale: &Sale) -> anyhow::Result<PushResult> {
    let loaded = load_holdings(tx, sale).await?;
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
            device_outlet,
            staff: &loaded.staff,
        },
    );
    let (status, hold) = match verdict {
        Verdict::Store => {
            store_sale(tx, sale, &loaded).await?;
            for e in sale_audit(sale, &device.id) {
                let a = Audit::new(e.action, &e.staff_id, &e.subject, e.detail).device(e.device_id.as_deref()).outlet(e.outlet_id.as_deref());
                write_audit(tx, &a).await?;
            }
            (PushStatus::Stored, None)
        }
        Verdict::Duplicate => (PushStatus::Duplicate, None),
        Verdict::Hold(reason) => {
            tracing::warn!(sale = %sale.id, device = %device.id, code = reason.code(), %reason, "sale held for review");
            sqlx::query(
                "INSERT INTO held_sales (sale_id, pushed_by, outlet_id, body, code, reason, received_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(&sale.id)
            .bind(&device.id)
            .bind(&sale.outlet_id)
            .bind(serde_json::to_string(sale)?)
            .bind(reason.code())
            .bind(serde_json::to_string(&reason)?)
            .bind(now_ms())
            .execute(&mut **tx)
            .await?;
            let audit = Audit::new(AuditAction::SaleHeld, &sale.cashier_id, &sale.id, format!("receipt {} held: {} ({reason})", sale.receipt, reason.code()))
                .device(Some(&device.id))
                .outlet(Some(&sale.outlet_id));
            write_audit(tx, &audit).await?;
            (PushStatus::Held, Some(reason))
        }
        Verdict::AlreadyHeld(reason) => (PushStatus::Held, Some(reason)),
    };
    Ok(PushResult { sale_id: sale.id.clone(), seq: sale.seq, status, hold })
}

/// The catalog price of each product `sale` names, in force when it was made.
pub(crate) async fn catalog_prices(conn: &mut SqliteConnection, sale: &Sale) -> anyhow::Result<BTreeMap<String, Money>> {
    Ok(load_holdings(conn, sale).await?.catalog.into_iter().map(|(k, t)| (k, t.price)).collect())
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
    staff: BTreeMap<String, StaffTerms>,
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
    // The sale under its id and the sale under its key, in one round trip (usually neither).
    let (mut same_id, mut same_key) = (None, None);
    for r in sqlx::query("SELECT id, device_id, seq, body FROM sales WHERE id = ?1 OR (device_id = ?2 AND seq = ?3)")
        .bind(&sale.id)
        .bind(key_device(sale))
        .bind(i64::try_from(sale.seq)?)
        .fetch_all(&mut *conn)
        .await?
    {
        let stored: Sale = serde_json::from_str(r.get("body"))?;
        if r.get::<String, _>("device_id") == key_device(sale) && r.get::<i64, _>("seq") == i64::try_from(sale.seq)? {
            same_key = Some(stored.clone());
        }
        if r.get::<String, _>("id") == sale.id {
            same_id = Some(stored);
        }
    }
    let mut held = Vec::new();
    for r in sqlx::query("SELECT body, reason FROM held_sales WHERE sale_id = ?").bind(&sale.id).fetch_all(&mut *conn).await? {
        held.push((serde_json::from_str(r.get("body"))?, serde_json::from_str(r.get("reason"))?));
    }
    let mut catalog = BTreeMap::new();
    for line in &sale.lines {
        if catalog.contains_key(&line.product_id) {
            continue;
        }
        // The price in force when the sale was made; for a sale dated before the product's first
        // price (a register clock behind), its first price. One round trip per product.
        let Some(product) = sqlx::query(
            "SELECT tax_class, loyalty_points,
                    (SELECT price_cents FROM price_history WHERE product_id = p.id
                     ORDER BY (from_ms <= ?2) DESC, CASE WHEN from_ms <= ?2 THEN -from_ms ELSE from_ms END LIMIT 1) AS price
             FROM products p WHERE id = ?1",
        )
        .bind(&line.product_id)
        .bind(sale.created_at_ms)
        .fetch_optional(&mut *conn)
        .await?
        else {
            continue;
        };
        let price: Option<i64> = product.get("price");
        let (Some(price), Ok(tax_class)) = (price, serde_json::from_value(serde_json::Value::String(product.get("tax_class")))) else {
            continue;
        };
        let loyalty_points = u32::try_from(product.get::<i64, _>("loyalty_points")).unwrap_or(0);
        catalog.insert(line.product_id.clone(), CatalogTerms { price: Money(price), tax_class, loyalty_points });
    }
    let ids = originals_of(sale);
    let (originals, earlier_returns) =
        if ids.is_empty() { (Vec::new(), Vec::new()) } else { (sales_by_id(conn, &ids).await?, returns_of(conn, &ids).await?) };
    // Every staff member the sale names: its cashier and its overrides' authors (active ones only).
    let mut staff = BTreeMap::new();
    let names = std::iter::once(&sale.cashier_id).chain(sale.lines.iter().filter_map(|l| l.price_override.as_ref().map(|o| &o.by)));
    for id in names {
        if staff.contains_key(id) {
            continue;
        }
        let row: Option<(String, Option<String>)> = sqlx::query_as(
            "SELECT role, (SELECT json_group_array(outlet_id) FROM staff_outlets WHERE staff_id = s.id) FROM staff s WHERE id = ? AND active = 1",
        )
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
        if let Some((role, outlets)) = row {
            let outlets: Vec<String> = serde_json::from_str(outlets.as_deref().unwrap_or("[]"))?;
            staff.insert(id.clone(), StaffTerms { role: shared::auth::Role::from_str(&role)?, outlets });
        }
    }
    Ok(Loaded { register, same_id, same_key, held, catalog, originals, earlier_returns, staff })
}

/// A new, accepted sale with its effects: the store loads what bears on them ([`Bearing`]),
/// `shared::sync::effects_of_sale` decides, and this writes what it says — lines, stock movements and
/// levels, serial numbers, the returns index, the customer's entries and figures, conflicts.
async fn store_sale(tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>, sale: &Sale, loaded: &Loaded) -> anyhow::Result<()> {
    let serials = super::serials::load_sale_serials(tx, sale).await?;
    let tracks_serials = super::serials::returned_tracked_products(tx, sale).await?;
    let customer = match sale.customer_id.as_deref() {
        Some(id) => Some(super::customers::customer_bearing(tx, id).await?),
        None => None,
    };
    let stock = stock_levels_of(tx, sale).await?;
    let effects = effects_of_sale(
        sale,
        Bearing {
            serials: &serials,
            tracks_serials: &tracks_serials,
            originals: &loaded.originals,
            earlier_returns: &loaded.earlier_returns,
            customer: customer.as_ref(),
            stock: &stock,
        },
    );

    insert_sale(tx, sale).await?;
    write_movements(tx, &effects.movements, &effects.stock).await?;
    let now = now_ms();
    for s in &effects.serials {
        super::serials::save_serial(tx, s, now).await?;
    }
    for original in &effects.returns_of {
        sqlx::query("INSERT INTO sale_returns (original_sale_id, return_sale_id) VALUES (?, ?) ON CONFLICT DO NOTHING")
            .bind(original)
            .bind(&sale.id)
            .execute(&mut **tx)
            .await?;
    }
    if let Some(change) = &effects.customer {
        super::customers::write_customer_change(tx, change, super::customers::EntrySource::Sale(&sale.id)).await?;
    }
    for c in &effects.conflicts {
        tracing::warn!(sale = %sale.id, kind = c.code(), conflict = ?c, "conflict recorded");
        sqlx::query("INSERT INTO conflicts (kind, sale_id, outlet_id, detail, created_at_ms) VALUES (?, ?, ?, ?, ?)")
            .bind(c.code())
            .bind(&sale.id)
            .bind(&sale.outlet_id)
            .bind(serde_json::to_string(c)?)
            .bind(now)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// The sale's row and its lines (the sales history and the indexes reports read), nothing else.
pub(crate) async fn insert_sale(tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>, sale: &Sale) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO sales (id, device_id, seq, register_id, outlet_id, receipt, created_at_ms, received_at_ms,
                            subtotal_cents, total_cents, body, customer_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
    .bind(sale.customer_id.as_deref())
    .execute(&mut **tx)
    .await?;
    // One statement for all the lines, one for all the movements, one for their levels: a 500-line sale
    // is a handful of round trips.
    let mut lines = sqlx::QueryBuilder::new("INSERT INTO sale_lines (sale_id, line_no, product_id, qty, unit_price_cents) ");
    lines.push_values(sale.lines.iter().enumerate(), |mut b, (i, line)| {
        b.push_bind(&sale.id).push_bind(i as i64 + 1).push_bind(&line.product_id).push_bind(line.qty).push_bind(line.unit_price.as_cents());
    });
    lines.build().execute(&mut **tx).await?;
    Ok(())
}

/// The levels, before `sale`, of the products it names at its outlet.
async fn stock_levels_of(conn: &mut SqliteConnection, sale: &Sale) -> anyhow::Result<BTreeMap<String, i64>> {
    let products: std::collections::BTreeSet<&str> = sale.lines.iter().map(|l| l.product_id.as_str()).collect();
    let mut out = BTreeMap::new();
    // Chunks keep each query under SQLite's bound-parameter limit.
    let products: Vec<&str> = products.into_iter().collect();
    for chunk in products.chunks(500) {
        let mut q = sqlx::QueryBuilder::new("SELECT product_id, qty FROM stock_levels WHERE outlet_id = ");
        q.push_bind(&sale.outlet_id).push(" AND product_id IN (");
        let mut list = q.separated(", ");
        for p in chunk {
            list.push_bind(*p);
        }
        q.push(")");
        for r in q.build().fetch_all(&mut *conn).await? {
            out.insert(r.get("product_id"), r.get("qty"));
        }
    }
    Ok(out)
}

/// Appends movements to the ledger and writes the levels they leave (as `shared` computed them).
pub(crate) async fn write_movements(conn: &mut SqliteConnection, movements: &[Movement], levels: &[StockLevel]) -> anyhow::Result<()> {
    for chunk in movements.chunks(1000) {
        let mut q = sqlx::QueryBuilder::new("INSERT INTO stock_movements (product_id, outlet_id, delta, reason, source_id, created_at_ms) ");
        q.push_values(chunk, |mut b, mv| {
            b.push_bind(&mv.product_id)
                .push_bind(&mv.outlet_id)
                .push_bind(mv.delta)
                .push_bind(mv.reason.as_str())
                .push_bind(&mv.source_id)
                .push_bind(mv.created_at_ms);
        });
        q.build().execute(&mut *conn).await?;
    }
    for chunk in levels.chunks(1000) {
        let mut q = sqlx::QueryBuilder::new("INSERT INTO stock_levels (product_id, outlet_id, qty) ");
        q.push_values(chunk, |mut b, l| {
            b.push_bind(&l.product_id).push_bind(&l.outlet_id).push_bind(l.level);
        });
        q.push(" ON CONFLICT (outlet_id, product_id) DO UPDATE SET qty = excluded.qty");
        q.build().execute(&mut *conn).await?;
    }
    Ok(())
}
