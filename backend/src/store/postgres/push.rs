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
use crate::store::customers::originals_of;
use crate::store::now_ms;
use crate::store::push::sale_audits;
use shared::auth::AuditAction;
use shared::catalog::Register;
use shared::sale::Sale;
use shared::stock::movements_for_sale;
use shared::sync::{accept_sale, key_device, CatalogTerms, Device, HeldSale, HoldReason, Holdings, PushResult, PushStatus, StaffTerms, Verdict};
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
            Ok(match verdict {
                Verdict::Store => {
                    store_sale(tx, sale).await?;
                    for a in sale_audits(sale, &device.id) {
                        super::auth::write_audit(tx, &a).await?;
                    }
                    (PushStatus::Stored, None)
                }
                Verdict::Duplicate => (PushStatus::Duplicate, None),
                Verdict::Hold(reason) => {
                    tracing::warn!(sale = %sale.id, device = %device.id, code = reason.code(), %reason, "sale held for review");
                    sqlx::query("INSERT INTO held_sales (sale_id, pushed_by, body, code, reason, received_at_ms) VALUES ($1, $2, $3, $4, $5, $6)")
                        .bind(&sale.id)
                        .bind(&device.id)
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
            })
        })?;
        Ok(PushResult { sale_id: sale.id.clone(), seq: sale.seq, status, hold })
    }

    pub async fn held_sales(&self, pushed_by: Option<&str>, outlets: Option<&[String]>) -> anyhow::Result<Vec<HeldSale>> {
        let rows = sqlx::query(
            "SELECT body, pushed_by, reason, received_at_ms FROM held_sales
             WHERE NOT resolved AND ($1::text IS NULL OR pushed_by = $1)
               AND ($2::text[] IS NULL OR (body::jsonb ->> 'outlet_id') = ANY($2))
             ORDER BY id",
        )
        .bind(pushed_by)
        .bind(text_array(outlets))
        .fetch_all(&self.pool)
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

async fn store_sale(tx: &mut Transaction<'_, Postgres>, sale: &Sale) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO sales (id, device_id, seq, register_id, outlet_id, receipt, created_at_ms, received_at_ms, subtotal_cents, total_cents, body)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
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
    if !sale.lines.is_empty() {
        let mut lines = sqlx::QueryBuilder::new("INSERT INTO sale_lines (sale_id, line_no, product_id, qty, unit_price_cents) ");
        lines.push_values(sale.lines.iter().enumerate(), |mut b, (i, line)| {
            b.push_bind(&sale.id).push_bind(i as i64 + 1).push_bind(&line.product_id).push_bind(line.qty).push_bind(line.unit_price.as_cents());
        });
        lines.build().execute(&mut **tx).await?;
    }
    let movements = movements_for_sale(sale);
    if !movements.is_empty() {
        let mut q = sqlx::QueryBuilder::new("INSERT INTO stock_movements (product_id, outlet_id, delta, reason, source_id, created_at_ms) ");
        q.push_values(&movements, |mut b, mv| {
            b.push_bind(&mv.product_id).push_bind(&mv.outlet_id).push_bind(mv.delta).push_bind(mv.reason.as_str()).push_bind(&mv.source_id).push_bind(mv.created_at_ms);
        });
        q.build().execute(&mut **tx).await?;
    }
    super::serials::record_sale_serials(tx, sale).await?;
    super::customers::record_sale_customer(tx, sale).await?;
    Ok(())
}
