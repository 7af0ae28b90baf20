//! Pushed sales on PostgreSQL (mirrors `store/push.rs`): one transaction per sale that first locks
//! what the decision reads — the sale's id, its device key, its customer, the sales it returns, the
//! products whose serials it names — then loads its `Holdings`, lets `shared::sync::accept_sale`
//! decide, and persists the verdict. Two instances given the same sale at once: the second waits for
//! the first's commit, then sees its row and answers `duplicate`. The primary key on `sales.id` and
//! the unique `(device_id, seq)` remain the last line (a violation is retried, and the retry decides
//! on what is now committed).

use super::customers::{returns_of, sales_by_id};
use super::{lock, shop, text_array, transaction, u32_of, Lock, PgStore};
use crate::store::auth::Audit;
use crate::store::customers::{originals_of, EntrySource};
use crate::store::now_ms;
use crate::store::page::Page;
use shared::auth::AuditAction;
use shared::catalog::Register;
use shared::sale::Sale;
use shared::stock::{Movement, StockLevel};
use shared::sync::{accept_sale, effects_of_sale, key_device, sale_audit, Bearing, CatalogTerms, Device, HeldSale, HoldReason, Holdings, PushResult, PushStatus, StaffTerms, Verdict};
use shared::tax::TaxRates;
use shared::Money;
use sqlx::{PgConnection, Postgres, Row, Transaction};
use std::collections::BTreeMap;
use std::str::FromStr;

/// Everything a pushed sale's decision reads, to lock first.
fn locks_of(sale: &Sale) -> Vec<Lock> {
    let mut locks = vec![Lock::Sale(sale.id.clone()), Lock::DeviceKey(key_device(sale).to_owned(), sale.seq)];
    if let Some(c) = &sale.customer_id {
        locks.push(Lock::Customer(c.clone()));
    }
    locks.extend(originals_of(sale).into_iter().map(|id| Lock::Original(id.to_owned())));
    locks.extend(sale.lines.iter().filter(|l| !l.serials.is_empty()).map(|l| Lock::Serials(l.product_id.clone())));
    locks
}

impl PgStore {
    pub async fn push_sale(&self, device: &Device, device_outlet: Option<&str>, sale: &Sale) -> anyhow::Result<PushResult> {
        let (status, hold) = transaction!(self, |tx| {
            let r = decide_and_write(tx, device, device_outlet, sale).await?;
            Ok((r.status, r.hold))
        })?;
        Ok(PushResult { sale_id: sale.id.clone(), seq: sale.seq, status, hold })
    }

    /// Unresolved held sales, oldest first: pushed by `pushed_by`, at one of `outlets` (`None`: all),
    /// after the held sale numbered `after`.
    pub async fn held_sales(&self, pushed_by: Option<&str>, outlets: Option<&[String]>, after: Option<i64>, limit: u32) -> anyhow::Result<Page<HeldSale>> {
        let rows = sqlx::query(
            "SELECT id, body, pushed_by, reason, received_at_ms FROM held_sales
             WHERE NOT resolved AND ($1::text IS NULL OR pushed_by = $1)
               AND ($2::text[] IS NULL OR outlet_id = ANY($2)) AND id > $3
             ORDER BY id LIMIT $4",
        )
        .bind(pushed_by)
        .bind(text_array(outlets))
        .bind(after.unwrap_or(0))
        .bind(i64::from(limit) + 1)
        .fetch_all(&self.pool)
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

/// The decision on one pushed sale and what it writes (its locks first), inside the caller's
/// transaction: the push's own, or a manager accepting a held sale from the inbox.
pub(super) async fn decide_and_write(tx: &mut Transaction<'_, Postgres>, device: &Device, device_outlet: Option<&str>, sale: &Sale) -> anyhow::Result<PushResult> {
    lock(tx, locks_of(sale)).await?;
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
                super::auth::write_audit(tx, &a).await?;
            }
            (PushStatus::Stored, None)
        }
        Verdict::Duplicate => (PushStatus::Duplicate, None),
        Verdict::Hold(reason) => {
            tracing::warn!(sale = %sale.id, device = %device.id, code = reason.code(), %reason, "sale held for review");
            sqlx::query("INSERT INTO held_sales (sale_id, pushed_by, outlet_id, body, code, reason, received_at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)")
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
            super::auth::write_audit(tx, &audit).await?;
            (PushStatus::Held, Some(reason))
        }
        Verdict::AlreadyHeld(reason) => (PushStatus::Held, Some(reason)),
    };
    Ok(PushResult { sale_id: sale.id.clone(), seq: sale.seq, status, hold })
}

/// The catalog price of each product `sale` names, in force when it was made.
pub(super) async fn catalog_prices(conn: &mut PgConnection, sale: &Sale) -> anyhow::Result<BTreeMap<String, Money>> {
    Ok(load_holdings(conn, sale).await?.catalog.into_iter().map(|(k, t)| (k, t.price)).collect())
}

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

async fn load_holdings(conn: &mut PgConnection, sale: &Sale) -> anyhow::Result<Loaded> {
    let register = sqlx::query(shop::REGISTER_SELECT).bind(&sale.register_id).fetch_optional(&mut *conn).await?;
    let register = register.as_ref().map(shop::register_from_row).transpose()?;
    let body = |b: Option<String>| b.map(|b| serde_json::from_str::<Sale>(&b)).transpose();
    let same_id = body(sqlx::query_scalar("SELECT body FROM sales WHERE id = $1").bind(&sale.id).fetch_optional(&mut *conn).await?)?;
    let same_key = body(
        sqlx::query_scalar("SELECT body FROM sales WHERE device_id = $1 AND seq = $2")
            .bind(key_device(sale))
            .bind(i64::try_from(sale.seq)?)
            .fetch_optional(&mut *conn)
            .await?,
    )?;
    let mut held = Vec::new();
    for r in sqlx::query("SELECT body, reason FROM held_sales WHERE sale_id = $1 ORDER BY id").bind(&sale.id).fetch_all(&mut *conn).await? {
        held.push((serde_json::from_str(r.get("body"))?, serde_json::from_str(r.get("reason"))?));
    }
    let mut catalog = BTreeMap::new();
    for line in &sale.lines {
        if catalog.contains_key(&line.product_id) {
            continue;
        }
        let Some(product) = sqlx::query("SELECT tax_class, loyalty_points FROM products WHERE id = $1").bind(&line.product_id).fetch_optional(&mut *conn).await? else {
            continue;
        };
        // The price in force when the sale was made; before the product's first price, its first price.
        let price: Option<i64> = sqlx::query_scalar(
            "SELECT price_cents FROM price_history WHERE product_id = $1
             ORDER BY (from_ms <= $2) DESC, CASE WHEN from_ms <= $2 THEN -from_ms ELSE from_ms END LIMIT 1",
        )
        .bind(&line.product_id)
        .bind(sale.created_at_ms)
        .fetch_optional(&mut *conn)
        .await?;
        let (Some(price), Ok(tax_class)) = (price, serde_json::from_value(serde_json::Value::String(product.get("tax_class")))) else {
            continue;
        };
        let loyalty_points = u32_of(product.get("loyalty_points")).unwrap_or(0);
        catalog.insert(line.product_id.clone(), CatalogTerms { price: Money(price), tax_class, loyalty_points });
    }
    let ids = originals_of(sale);
    let (originals, earlier_returns) =
        if ids.is_empty() { (Vec::new(), Vec::new()) } else { (sales_by_id(conn, &ids).await?, returns_of(conn, &ids).await?) };
    let mut staff = BTreeMap::new();
    let names = std::iter::once(&sale.cashier_id).chain(sale.lines.iter().filter_map(|l| l.price_override.as_ref().map(|o| &o.by)));
    for id in names {
        if staff.contains_key(id) {
            continue;
        }
        let row: Option<(String, Vec<String>)> = sqlx::query_as(
            "SELECT role, ARRAY(SELECT outlet_id FROM staff_outlets WHERE staff_id = s.id) FROM staff s WHERE id = $1 AND active",
        )
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
        if let Some((role, outlets)) = row {
            staff.insert(id.clone(), StaffTerms { role: shared::auth::Role::from_str(&role)?, outlets });
        }
    }
    Ok(Loaded { register, same_id, same_key, held, catalog, originals, earlier_returns, staff })
}

/// A new, accepted sale with its effects: the store loads what bears on them ([`Bearing`]) — its
/// serials and customer under the advisory locks taken first, its stock levels `FOR UPDATE` —,
/// `shared::sync::effects_of_sale` decides, and this writes what it says.
async fn store_sale(tx: &mut Transaction<'_, Postgres>, sale: &Sale, loaded: &Loaded) -> anyhow::Result<()> {
    let serials = super::serials::load_sale_serials(tx, sale).await?;
    let tracks_serials = super::serials::returned_tracked_products(tx, sale).await?;
    let customer = match sale.customer_id.as_deref() {
        Some(id) => Some(super::customers::customer_bearing(tx, id).await?),
        None => None,
    };
    let products: Vec<String> = sale.lines.iter().map(|l| l.product_id.clone()).collect::<std::collections::BTreeSet<_>>().into_iter().collect();
    let stock = lock_stock_levels(tx, &sale.outlet_id, &products).await?;
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
        sqlx::query("INSERT INTO sale_returns (original_sale_id, return_sale_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(original)
            .bind(&sale.id)
            .execute(&mut **tx)
            .await?;
    }
    if let Some(change) = &effects.customer {
        super::customers::write_customer_change(tx, change, EntrySource::Sale(&sale.id)).await?;
    }
    for c in &effects.conflicts {
        tracing::warn!(sale = %sale.id, kind = c.code(), conflict = ?c, "conflict recorded");
        sqlx::query("INSERT INTO conflicts (kind, sale_id, outlet_id, detail, created_at_ms) VALUES ($1, $2, $3, $4, $5)")
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
pub(super) async fn insert_sale(tx: &mut Transaction<'_, Postgres>, sale: &Sale) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO sales (id, device_id, seq, register_id, outlet_id, receipt, created_at_ms, received_at_ms, subtotal_cents, total_cents, body, customer_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
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
    if !sale.lines.is_empty() {
        let mut lines = sqlx::QueryBuilder::new("INSERT INTO sale_lines (sale_id, line_no, product_id, qty, unit_price_cents) ");
        lines.push_values(sale.lines.iter().enumerate(), |mut b, (i, line)| {
            b.push_bind(&sale.id).push_bind(i as i64 + 1).push_bind(&line.product_id).push_bind(line.qty).push_bind(line.unit_price.as_cents());
        });
        lines.build().execute(&mut **tx).await?;
    }
    Ok(())
}

/// The levels of `products` at `outlet_id`, their rows locked until commit (`FOR UPDATE`, in product
/// order): the levels written back are computed from these, so two instances moving the same
/// product's stock at once are decided one after the other. A level not on file yet is first put on
/// file at zero (an upsert would silently overwrite a level another instance wrote meanwhile).
pub(super) async fn lock_stock_levels(conn: &mut PgConnection, outlet_id: &str, products: &[String]) -> anyhow::Result<BTreeMap<String, i64>> {
    if products.is_empty() {
        return Ok(BTreeMap::new());
    }
    sqlx::query(
        "INSERT INTO stock_levels (product_id, outlet_id, qty)
         SELECT p, $1, 0 FROM unnest($2::text[]) AS p WHERE EXISTS (SELECT 1 FROM products WHERE id = p)
         ORDER BY p COLLATE \"C\" ON CONFLICT DO NOTHING",
    )
    .bind(outlet_id)
    .bind(products)
    .execute(&mut *conn)
    .await?;
    let rows = sqlx::query(
        "SELECT product_id, qty FROM stock_levels WHERE outlet_id = $1 AND product_id = ANY($2)
         ORDER BY product_id COLLATE \"C\" FOR UPDATE",
    )
    .bind(outlet_id)
    .bind(products)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(|r| (r.get("product_id"), r.get("qty"))).collect())
}

/// Appends movements to the ledger (their versions set by the log's trigger) and writes the levels
/// they leave (as `shared` computed them).
pub(super) async fn write_movements(conn: &mut PgConnection, movements: &[Movement], levels: &[StockLevel]) -> anyhow::Result<()> {
    for chunk in movements.chunks(1000) {
        let mut q = sqlx::QueryBuilder::new("INSERT INTO stock_movements (product_id, outlet_id, delta, reason, source_id, created_at_ms) ");
        q.push_values(chunk, |mut b, mv| {
            b.push_bind(&mv.product_id).push_bind(&mv.outlet_id).push_bind(mv.delta).push_bind(mv.reason.as_str()).push_bind(&mv.source_id).push_bind(mv.created_at_ms);
        });
        q.build().execute(&mut *conn).await?;
    }
    for chunk in levels.chunks(1000) {
        let mut q = sqlx::QueryBuilder::new("INSERT INTO stock_levels (product_id, outlet_id, qty) ");
        q.push_values(chunk, |mut b, l| {
            b.push_bind(&l.product_id).push_bind(&l.outlet_id).push_bind(l.level);
        });
        q.push(" ON CONFLICT (outlet_id, product_id) DO UPDATE SET qty = EXCLUDED.qty");
        q.build().execute(&mut *conn).await?;
    }
    Ok(())
}
