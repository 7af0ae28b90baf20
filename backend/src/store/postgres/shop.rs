//! The shop, its catalog and plain reads on PostgreSQL (mirrors `store/sqlite.rs`).

use super::{lock, text_array, transaction, u32_of, Lock, PgStore};
use crate::store::now_ms;
use shared::catalog::{Customer, Product, Register};
use crate::store::page::Page;
use crate::store::sqlite::SalesKey;
use shared::stock::{Movement, MovementReason, StockLevel};
use shared::sync::{CatalogPage, Setup, StoredSale};
use shared::tax::{TaxClass, TaxRates};

use sqlx::postgres::PgRow;
use sqlx::{Postgres, Row, Transaction};

pub(super) fn tax_class_str(c: TaxClass) -> &'static str {
    match c {
        TaxClass::Taxable => "taxable",
        TaxClass::GstOnly => "gst_only",
        TaxClass::ZeroRated => "zero_rated",
        TaxClass::Exempt => "exempt",
    }
}

pub(super) fn register_from_row(r: &PgRow) -> anyhow::Result<(Register, TaxRates)> {
    Ok((
        Register { id: r.get("id"), outlet_id: r.get("outlet_id"), code: r.get("code"), name: r.get("name") },
        TaxRates { gst_ppm: u32_of(r.get("gst_ppm"))?, qst_ppm: u32_of(r.get("qst_ppm"))? },
    ))
}

pub(super) const REGISTER_SELECT: &str = "SELECT r.id, r.outlet_id, r.code, r.name, o.gst_ppm, o.qst_ppm
     FROM registers r JOIN outlets o ON o.id = r.outlet_id WHERE r.id = $1";

impl PgStore {
    pub async fn is_empty(&self) -> anyhow::Result<bool> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outlets").fetch_one(&self.pool).await?;
        Ok(n == 0)
    }

    pub async fn load_shop(&self, shop: &crate::demo::Shop) -> anyhow::Result<()> {
        for o in &shop.outlets {
            crate::time_zone::lookup(&o.time_zone)?;
        }
        transaction!(self, |tx| { insert_shop(tx, shop).await })
    }

    /// The demo shop, loaded by whichever of several instances starting at once gets there first.
    pub async fn load_shop_if_empty(&self, shop: &crate::demo::Shop) -> anyhow::Result<bool> {
        for o in &shop.outlets {
            crate::time_zone::lookup(&o.time_zone)?;
        }
        transaction!(self, |tx| {
            lock(tx, [Lock::Shop]).await?;
            let outlets: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outlets").fetch_one(&mut **tx).await?;
            if outlets > 0 {
                return Ok(false);
            }
            insert_shop(tx, shop).await?;
            Ok(true)
        })
    }

    pub async fn setup(&self) -> anyhow::Result<Setup> {
        let outlets = sqlx::query(concat!("SELECT ", crate::store::admin::outlet_columns!(), " FROM outlets ORDER BY priority"))
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(super::admin::outlet_of)
            .collect::<anyhow::Result<_>>()?;
        let registers = sqlx::query(
            "SELECT r.id, r.outlet_id, r.code, r.name FROM registers r JOIN outlets o ON o.id = r.outlet_id ORDER BY o.priority, r.code",
        )
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(|r| Register { id: r.get("id"), outlet_id: r.get("outlet_id"), code: r.get("code"), name: r.get("name") })
        .collect();
        let catalog_version: Option<String> =
            sqlx::query_scalar("SELECT value FROM meta WHERE key = 'catalog_version'").fetch_optional(&self.pool).await?;
        Ok(Setup { outlets, registers, catalog_version: catalog_version.and_then(|v| v.parse().ok()).unwrap_or(0) })
    }

    pub async fn catalog_page(&self, after: Option<&str>, limit: u32) -> anyhow::Result<CatalogPage> {
        // Ids compare byte-wise, as in SQLite (not by the database's collation).
        let sql = format!(
            "SELECT {} FROM products WHERE id COLLATE \"C\" > $1 ORDER BY id COLLATE \"C\" LIMIT $2",
            crate::store::products::PRODUCT_COLS
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(after.unwrap_or("")).bind(i64::from(limit) + 1).fetch_all(&self.pool).await?;
        let mut products: Vec<Product> = rows.iter().map(super::products::product_of).collect::<anyhow::Result<_>>()?;
        let next_after = if products.len() > limit as usize {
            products.truncate(limit as usize);
            products.last().map(|p| p.id.clone())
        } else {
            None
        };
        Ok(CatalogPage { products, next_after })
    }

    pub async fn outlet_time_zone(&self, outlet_id: Option<&str>) -> anyhow::Result<Option<String>> {
        Ok(match outlet_id {
            Some(id) => sqlx::query_scalar("SELECT time_zone FROM outlets WHERE id = $1").bind(id).fetch_optional(&self.pool).await?,
            None => sqlx::query_scalar("SELECT time_zone FROM outlets ORDER BY priority LIMIT 1").fetch_optional(&self.pool).await?,
        })
    }

    pub async fn register(&self, id: &str) -> anyhow::Result<Option<(Register, TaxRates)>> {
        let row = sqlx::query(REGISTER_SELECT).bind(id).fetch_optional(&self.pool).await?;
        row.as_ref().map(register_from_row).transpose()
    }

    /// The sales history, newest first (by arrival, then register, then sequence descending, byte-wise
    /// as in SQLite), at one of `outlets` (`None`: all), of one register if given, after the `before`
    /// cursor's sale. Reads one page by index.
    pub async fn list_sales(&self, limit: u32, register_id: Option<&str>, outlets: Option<&[String]>, before: Option<&SalesKey>) -> anyhow::Result<Page<StoredSale>> {
        let rows = sqlx::query(
            "SELECT body, received_at_ms, register_id, seq, id FROM sales
             WHERE ($1::text IS NULL OR register_id = $1)
               AND ($3::text[] IS NULL OR outlet_id = ANY($3))
               AND received_at_ms <= $8
               AND ($4::bigint IS NULL OR received_at_ms < $4 OR (received_at_ms = $4 AND (register_id COLLATE \"C\" > $5
                    OR (register_id = $5 AND (seq < $6 OR (seq = $6 AND id COLLATE \"C\" > $7))))))
             ORDER BY received_at_ms DESC, register_id COLLATE \"C\", seq DESC, id COLLATE \"C\" LIMIT $2",
        )
        .bind(register_id)
        .bind(i64::from(limit) + 1)
        .bind(text_array(outlets))
        .bind(before.map(|k| k.0))
        .bind(before.map(|k| k.1.as_str()))
        .bind(before.map(|k| k.2))
        .bind(before.map(|k| k.3.as_str()))
        .bind(before.map_or(i64::MAX, |k| k.0))
        .fetch_all(&self.pool)
        .await?;
        let rows = rows
            .into_iter()
            .map(|r| {
                let body: String = r.get("body");
                let key = SalesKey(r.get("received_at_ms"), r.get("register_id"), r.get("seq"), r.get("id"));
                Ok((StoredSale { sale: serde_json::from_str(&body)?, received_at_ms: key.0 }, key))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        let page = Page::of(rows, limit, |(_, key)| key.clone());
        Ok(Page { items: page.items.into_iter().map(|(s, _)| s).collect(), next: page.next })
    }

    /// Stock level per product at an outlet, as maintained with each movement.
    pub async fn stock_levels(&self, outlet_id: &str) -> anyhow::Result<Vec<(String, i64)>> {
        let rows = sqlx::query("SELECT product_id, qty FROM stock_levels WHERE outlet_id = $1 ORDER BY product_id COLLATE \"C\"")
            .bind(outlet_id)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.into_iter().map(|r| (r.get("product_id"), r.get("qty"))).collect())
    }

    pub async fn customers(&self) -> anyhow::Result<Vec<Customer>> {
        Ok(sqlx::query("SELECT id, name, email FROM customers ORDER BY name COLLATE \"C\"")
            .fetch_all(&self.pool)
            .await?
            .into_iter()
            .map(|r| Customer { id: r.get("id"), name: r.get("name"), email: r.get("email") })
            .collect())
    }
}

/// Writes a whole shop (outlets in priority order, registers, products and their first prices,
/// customers, opening stock, accounts, staff) inside the caller's transaction.
async fn insert_shop(tx: &mut Transaction<'_, Postgres>, shop: &crate::demo::Shop) -> anyhow::Result<()> {
        let now = now_ms();
        for (priority, o) in shop.outlets.iter().enumerate() {
            sqlx::query(
                "INSERT INTO outlets (id, name, priority, gst_ppm, qst_ppm, time_zone, gst_number, qst_number) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
                .bind(&o.id)
                .bind(&o.name)
                .bind(priority as i64)
                .bind(i64::from(o.tax_rates.gst_ppm))
                .bind(i64::from(o.tax_rates.qst_ppm))
                .bind(&o.time_zone)
                .bind(&o.gst_number)
                .bind(&o.qst_number)
                .execute(&mut **tx)
                .await?;
        }
        for r in &shop.registers {
            sqlx::query("INSERT INTO registers (id, outlet_id, code, name) VALUES ($1, $2, $3, $4)")
                .bind(&r.id)
                .bind(&r.outlet_id)
                .bind(&r.code)
                .bind(&r.name)
                .execute(&mut **tx)
                .await?;
        }
        for p in &shop.products {
            sqlx::query(
                "INSERT INTO products (id, sku, barcode, name, price_cents, tax_class, tracks_serials, low_stock_threshold,
                                       quick_key, quick_key_position, loyalty_points)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(&p.id)
            .bind(&p.sku)
            .bind(&p.barcode)
            .bind(&p.name)
            .bind(p.price.as_cents())
            .bind(tax_class_str(p.tax_class))
            .bind(p.tracks_serials)
            .bind(p.low_stock_threshold)
            .bind(p.quick_key)
            .bind(p.quick_key_position.map(i32::from))
            .bind(i64::from(p.loyalty_points))
            .execute(&mut **tx)
            .await?;
            sqlx::query("INSERT INTO price_history (product_id, from_ms, price_cents) VALUES ($1, 0, $2)")
                .bind(&p.id)
                .bind(p.price.as_cents())
                .execute(&mut **tx)
                .await?;
        }
        for c in &shop.customers {
            sqlx::query("INSERT INTO customers (id, name, email) VALUES ($1, $2, $3)")
                .bind(&c.id)
                .bind(&c.name)
                .bind(&c.email)
                .execute(&mut **tx)
                .await?;
        }
        let opening: Vec<Movement> = shop
            .opening_stock
            .iter()
            .enumerate()
            .map(|(i, (product, outlet, qty))| Movement {
                id: format!("opening-stock:{i}"),
                product_id: product.clone(),
                outlet_id: outlet.clone(),
                delta: *qty,
                reason: MovementReason::Receiving,
                source_id: "opening-stock".into(),
                created_at_ms: now,
                version: None,
            })
            .collect();
        // A seed may open at zero: that level is on file too.
        let mut levels: std::collections::BTreeMap<(&str, &str), i64> = Default::default();
        for m in &opening {
            let l = levels.entry((m.product_id.as_str(), m.outlet_id.as_str())).or_default();
            *l = l.saturating_add(m.delta);
        }
        let levels: Vec<StockLevel> = levels.into_iter().map(|((p, o), l)| StockLevel::new(p, o, l)).collect();
        super::push::write_movements(tx, &opening, &levels).await?;
        super::set_meta(tx, "catalog_version", &now.to_string()).await?;
        super::customers::load_accounts(tx, shop).await?;
        for s in &shop.staff {
            super::auth::insert_staff(tx, s).await?;
        }
    Ok(())
}
