//! Catalogue › Produits and CSV imports on PostgreSQL (mirrors `store/products.rs`). Writes take the
//! catalog's advisory lock (`Lock::Catalog`), so the uniqueness checks and the writes of two instances
//! are decided one after the other; the unique indexes stay the last line. Imports write in batches
//! of rows (`UNNEST`), one transaction for the whole file.

use super::auth::write_audit;
use super::{lock, transaction, Lock, PgStore};
use crate::store::auth::Audit;
use crate::store::now_ms;
use crate::store::page::Page;
use crate::store::products::{edit_detail, import_audit, like_pattern, merge_errors, new_id, ProductKey, ProductRefusal, ProductSearch, PRODUCT_COLS};
use shared::catalog::edit::{apply_patch, collisions, parse_tax_class, tax_class_name, Collision, Edit, ProductPatch};
use shared::catalog::import::{
    plan_customers, plan_products, plan_serials, CustomerRow, FileKind, ImportReport, ProductRow, RowError, SerialContext, SerialRow,
};
use shared::catalog::{Customer, Product};
use shared::Money;
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};
use std::collections::{HashMap, HashSet};

/// Rows per statement when an import writes.
const BATCH: usize = 2000;

pub(crate) fn product_of(r: &PgRow) -> anyhow::Result<Product> {
    Ok(Product {
        id: r.get("id"),
        sku: r.get("sku"),
        barcode: r.get("barcode"),
        name: r.get("name"),
        price: Money(r.get("price_cents")),
        tax_class: parse_tax_class(r.get("tax_class")).unwrap_or_default(),
        tracks_serials: r.get("tracks_serials"),
        low_stock_threshold: r.get("low_stock_threshold"),
        quick_key: r.get("quick_key"),
        quick_key_position: crate::store::products::position_of(r.get::<Option<i32>, _>("quick_key_position").map(i64::from)),
        loyalty_points: super::u32_of(r.get("loyalty_points"))?,
    })
}

async fn load_product(conn: &mut PgConnection, id: &str, for_update: bool) -> anyhow::Result<Option<Product>> {
    let lock = if for_update { " FOR UPDATE" } else { "" };
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {PRODUCT_COLS} FROM products WHERE id = $1{lock}")))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(product_of).transpose()
}

async fn product_collisions(conn: &mut PgConnection, p: &Product) -> anyhow::Result<Vec<Collision>> {
    let rows = sqlx::query("SELECT id, sku, barcode FROM products WHERE (sku = $1 OR barcode = $2) AND id <> $3")
        .bind(&p.sku)
        .bind(&p.barcode)
        .bind(&p.id)
        .fetch_all(conn)
        .await?;
    let holders: Vec<(String, String, Option<String>)> = rows.iter().map(|r| (r.get("id"), r.get("sku"), r.get("barcode"))).collect();
    Ok(collisions(p, |field, value| {
        holders
            .iter()
            .find(|(_, sku, barcode)| if field == "sku" { sku == value } else { barcode.as_deref() == Some(value) })
            .map(|(id, ..)| id.clone())
    }))
}

/// Column arrays of `products`, for `UNNEST`.
#[derive(Default)]
struct Columns {
    id: Vec<String>,
    sku: Vec<String>,
    barcode: Vec<Option<String>>,
    name: Vec<String>,
    price: Vec<i64>,
    tax_class: Vec<String>,
    tracks_serials: Vec<bool>,
    threshold: Vec<Option<i64>>,
    quick_key: Vec<bool>,
    position: Vec<Option<i32>>,
    points: Vec<i64>,
}

impl Columns {
    fn of<'a>(products: impl Iterator<Item = &'a Product>) -> Columns {
        let mut c = Columns::default();
        for p in products {
            c.id.push(p.id.clone());
            c.sku.push(p.sku.clone());
            c.barcode.push(p.barcode.clone());
            c.name.push(p.name.clone());
            c.price.push(p.price.0);
            c.tax_class.push(tax_class_name(p.tax_class).into());
            c.tracks_serials.push(p.tracks_serials);
            c.threshold.push(p.low_stock_threshold);
            c.quick_key.push(p.quick_key);
            c.position.push(p.quick_key_position.map(i32::from));
            c.points.push(i64::from(p.loyalty_points));
        }
        c
    }

    fn bind<'q>(self, q: sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments>) -> sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments> {
        q.bind(self.id)
            .bind(self.sku)
            .bind(self.barcode)
            .bind(self.name)
            .bind(self.price)
            .bind(self.tax_class)
            .bind(self.tracks_serials)
            .bind(self.threshold)
            .bind(self.quick_key)
            .bind(self.position)
            .bind(self.points)
    }
}

const UNNEST: &str = "UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[], $7::bool[], $8::bigint[], $9::bool[], $10::int[], $11::bigint[])
    AS t(id, sku, barcode, name, price_cents, tax_class, tracks_serials, low_stock_threshold, quick_key, quick_key_position, loyalty_points)";

async fn insert_products(conn: &mut PgConnection, products: &[&Product]) -> anyhow::Result<()> {
    for chunk in products.chunks(BATCH) {
        let sql = format!("INSERT INTO products ({PRODUCT_COLS}) SELECT * FROM {UNNEST}");
        Columns::of(chunk.iter().copied()).bind(sqlx::query(sqlx::AssertSqlSafe(sql))).execute(&mut *conn).await?;
        let ids: Vec<String> = chunk.iter().map(|p| p.id.clone()).collect();
        let prices: Vec<i64> = chunk.iter().map(|p| p.price.0).collect();
        // In force since always: no sale can have been made of it before it existed.
        sqlx::query(
            "INSERT INTO price_history (product_id, from_ms, price_cents) SELECT id, 0, price FROM UNNEST($1::text[], $2::bigint[]) AS t(id, price)
             ON CONFLICT (product_id, from_ms) DO UPDATE SET price_cents = EXCLUDED.price_cents",
        )
        .bind(ids)
        .bind(prices)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

async fn update_products(conn: &mut PgConnection, products: &[&Product]) -> anyhow::Result<()> {
    for chunk in products.chunks(BATCH) {
        let sql = format!(
            "UPDATE products p SET sku = t.sku, barcode = t.barcode, name = t.name, price_cents = t.price_cents, tax_class = t.tax_class,
                    tracks_serials = t.tracks_serials, low_stock_threshold = t.low_stock_threshold, quick_key = t.quick_key,
                    quick_key_position = t.quick_key_position, loyalty_points = t.loyalty_points
             FROM {UNNEST} WHERE p.id = t.id"
        );
        Columns::of(chunk.iter().copied()).bind(sqlx::query(sqlx::AssertSqlSafe(sql))).execute(&mut *conn).await?;
    }
    Ok(())
}

/// Logs `ids` as changed products in one statement, each at a version of its own (in their order),
/// with one notification: what the row trigger does per row, for an import's thousands of rows
/// (migration 0013). Call after writing them under `SET LOCAL comptoir.bulk_products = 'on'`.
async fn log_products(conn: &mut PgConnection, ids: &[String]) -> anyhow::Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let n = i64::try_from(ids.len())?;
    sqlx::query(
        "WITH c AS (UPDATE change_counter SET version = version + $2 WHERE id = 1 RETURNING version)
         INSERT INTO changes (kind, entity_id, sub_id, outlet_id, version, deleted)
         SELECT 'product', t.id, '', '', c.version - $2 + t.n, FALSE FROM c, UNNEST($1::text[]) WITH ORDINALITY AS t(id, n)
         ON CONFLICT (kind, entity_id, sub_id, outlet_id) DO UPDATE SET version = EXCLUDED.version, deleted = EXCLUDED.deleted",
    )
    .bind(ids)
    .bind(n)
    .execute(&mut *conn)
    .await?;
    sqlx::query("SELECT pg_notify('comptoir_changes', version::text) FROM change_counter WHERE id = 1").execute(&mut *conn).await?;
    Ok(())
}

async fn record_prices(conn: &mut PgConnection, prices: &[(String, Money)], from_ms: i64) -> anyhow::Result<()> {
    for chunk in prices.chunks(BATCH) {
        let ids: Vec<String> = chunk.iter().map(|(id, _)| id.clone()).collect();
        let cents: Vec<i64> = chunk.iter().map(|(_, p)| p.0).collect();
        sqlx::query(
            "INSERT INTO price_history (product_id, from_ms, price_cents) SELECT id, $3, price FROM UNNEST($1::text[], $2::bigint[]) AS t(id, price)
             ON CONFLICT (product_id, from_ms) DO UPDATE SET price_cents = EXCLUDED.price_cents",
        )
        .bind(ids)
        .bind(cents)
        .bind(from_ms)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

impl PgStore {
    pub async fn product(&self, id: &str) -> anyhow::Result<Option<Product>> {
        load_product(&mut *self.pool().acquire().await?, id, false).await
    }

    pub async fn create_product(&self, p: &Product, audit: &Audit) -> anyhow::Result<Result<Product, ProductRefusal>> {
        transaction!(self, |tx| {
            lock(tx, [Lock::Catalog]).await?;
            if load_product(tx, &p.id, false).await?.is_some() {
                return Ok(Err(ProductRefusal::IdTaken(p.id.clone())));
            }
            let clash = product_collisions(tx, p).await?;
            if !clash.is_empty() {
                return Ok(Err(ProductRefusal::Collisions(clash)));
            }
            insert_products(tx, &[p]).await?;
            let mut audit = audit.clone();
            audit.subject = p.id.clone();
            audit.detail = format!("product {} ({}) created at {}", p.name, p.sku, p.price);
            write_audit(tx, &audit).await?;
            Ok(Ok(p.clone()))
        })
    }

    pub async fn update_product(&self, id: &str, patch: &ProductPatch, audit: &Audit) -> anyhow::Result<Result<Edit, ProductRefusal>> {
        transaction!(self, |tx| {
            lock(tx, [Lock::Catalog]).await?;
            let Some(before) = load_product(tx, id, true).await? else {
                return Ok(Err(ProductRefusal::NotFound));
            };
            let edit = match apply_patch(&before, patch) {
                Ok(e) => e,
                Err(errors) => return Ok(Err(ProductRefusal::Invalid(errors))),
            };
            if edit.changed.is_empty() {
                return Ok(Ok(edit));
            }
            let clash = product_collisions(tx, &edit.product).await?;
            if !clash.is_empty() {
                return Ok(Err(ProductRefusal::Collisions(clash)));
            }
            update_products(tx, &[&edit.product]).await?;
            if let Some(price) = edit.new_price() {
                record_prices(tx, &[(id.to_string(), price)], now_ms()).await?;
            }
            let mut audit = audit.clone();
            audit.subject = id.into();
            audit.detail = edit_detail(&before, &edit);
            write_audit(tx, &audit).await?;
            Ok(Ok(edit))
        })
    }

    pub async fn search_products(&self, search: &ProductSearch, after: Option<&ProductKey>, limit: u32) -> anyhow::Result<Page<Product>> {
        let mut sql = format!("SELECT {PRODUCT_COLS} FROM products p WHERE TRUE");
        let q = search.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
        if q.is_some() {
            sql.push_str(" AND (p.name ILIKE $1 ESCAPE '\\' OR p.sku ILIKE $2 ESCAPE '\\' OR p.barcode = $3)");
        }
        if search.tax_class.is_some() {
            sql.push_str(" AND p.tax_class = $4");
        }
        if search.has_serials.is_some() {
            sql.push_str(" AND p.tracks_serials = $5");
        }
        if search.low_stock_at.is_some() {
            sql.push_str(
                " AND p.low_stock_threshold IS NOT NULL
                  AND COALESCE((SELECT s.qty FROM stock_levels s WHERE s.outlet_id = $6 AND s.product_id = p.id), 0) <= p.low_stock_threshold",
            );
        }
        if after.is_some() {
            sql.push_str(" AND (p.name COLLATE \"C\", p.id) > ($7, $8)");
        }
        // Byte-wise, as SQLite sorts: the `products_by_name` index's order (migration 0013).
        sql.push_str(" ORDER BY p.name COLLATE \"C\", p.id LIMIT $9");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(q.map(|q| like_pattern(q, false)))
            .bind(q.map(|q| like_pattern(q, true)))
            .bind(q)
            .bind(search.tax_class.map(tax_class_name))
            .bind(search.has_serials)
            .bind(search.low_stock_at.as_deref())
            .bind(after.map(|a| a.0.as_str()))
            .bind(after.map(|a| a.1.as_str()))
            .bind(i64::from(limit) + 1)
            .fetch_all(self.pool())
            .await?;
        let products = rows.iter().map(product_of).collect::<anyhow::Result<Vec<_>>>()?;
        Ok(Page::of(products, limit, |p| (p.name.clone(), p.id.clone())))
    }

    pub async fn import_products(&self, rows: Vec<ProductRow>, read_errors: Vec<RowError>, apply: bool, audit: &Audit) -> anyhow::Result<ImportReport> {
        transaction!(self, |tx| {
            if apply {
                lock(tx, [Lock::Catalog]).await?;
            }
            let existing: HashMap<String, Product> = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {PRODUCT_COLS} FROM products")))
                .fetch_all(&mut **tx)
                .await?
                .iter()
                .map(|r| product_of(r).map(|p| (p.id.clone(), p)))
                .collect::<anyhow::Result<_>>()?;
            let mut plan = plan_products(&existing, rows.clone(), || new_id("p"));
            let ok = merge_errors(&mut plan, read_errors.clone());
            if !(apply && ok) {
                return Ok(ImportReport::of(FileKind::Products, &plan, false));
            }
            let (mut creates, mut updates, mut prices) = (Vec::new(), Vec::new(), Vec::new());
            for r in plan.writes() {
                match existing.get(&r.item.id) {
                    None => creates.push(&r.item),
                    Some(before) => {
                        updates.push(&r.item);
                        if before.price != r.item.price {
                            prices.push((r.item.id.clone(), r.item.price));
                        }
                    }
                }
            }
            // The catalog lock is held: the counter is next bumped by this statement (see `log_products`).
            sqlx::query("SET LOCAL comptoir.bulk_products = 'on'").execute(&mut **tx).await?;
            insert_products(tx, &creates).await?;
            update_products(tx, &updates).await?;
            sqlx::query("SET LOCAL comptoir.bulk_products = 'off'").execute(&mut **tx).await?;
            let written: Vec<String> = creates.iter().chain(&updates).map(|p| p.id.clone()).collect();
            log_products(tx, &written).await?;
            record_prices(tx, &prices, now_ms()).await?;
            let report = ImportReport::of(FileKind::Products, &plan, true);
            write_audit(tx, &import_audit(audit, &report)).await?;
            Ok(report)
        })
    }

    pub async fn import_customers(&self, rows: Vec<CustomerRow>, read_errors: Vec<RowError>, apply: bool, audit: &Audit) -> anyhow::Result<ImportReport> {
        transaction!(self, |tx| {
            if apply {
                lock(tx, [Lock::Catalog]).await?;
            }
            let existing: HashMap<String, Customer> = sqlx::query("SELECT id, name, email FROM customers")
                .fetch_all(&mut **tx)
                .await?
                .into_iter()
                .map(|r| (r.get::<String, _>("id"), Customer { id: r.get("id"), name: r.get("name"), email: r.get("email") }))
                .collect();
            let mut plan = plan_customers(&existing, rows.clone(), || new_id("c"));
            let ok = merge_errors(&mut plan, read_errors.clone());
            if !(apply && ok) {
                return Ok(ImportReport::of(FileKind::Customers, &plan, false));
            }
            for r in plan.writes() {
                let c = &r.item;
                if existing.contains_key(&c.id) {
                    sqlx::query("UPDATE customers SET name = $1, email = $2 WHERE id = $3").bind(&c.name).bind(&c.email).bind(&c.id).execute(&mut **tx).await?;
                } else {
                    sqlx::query("INSERT INTO customers (id, name, email) VALUES ($1, $2, $3)").bind(&c.id).bind(&c.name).bind(&c.email).execute(&mut **tx).await?;
                }
            }
            let report = ImportReport::of(FileKind::Customers, &plan, true);
            write_audit(tx, &import_audit(audit, &report)).await?;
            Ok(report)
        })
    }

    pub async fn import_serials(&self, rows: Vec<SerialRow>, read_errors: Vec<RowError>, outlets: Option<&[String]>, apply: bool, audit: &Audit) -> anyhow::Result<ImportReport> {
        transaction!(self, |tx| {
            let products: HashSet<String> = sqlx::query_scalar("SELECT id FROM products").fetch_all(&mut **tx).await?.into_iter().collect();
            // Only ids on file reach SQL (a file's cell may hold anything, a NUL PostgreSQL refuses).
            let wanted: std::collections::BTreeSet<String> = rows.iter().filter(|r| products.contains(&r.product_id)).map(|r| r.product_id.clone()).collect();
            if apply {
                // The serial registrations and sales of these products wait, as for a typed list.
                lock(tx, wanted.iter().map(|p| Lock::Serials(p.clone()))).await?;
            }
            let known_outlets: HashSet<String> = sqlx::query_scalar("SELECT id FROM outlets").fetch_all(&mut **tx).await?.into_iter().collect();
            let found = sqlx::query(
                "SELECT product_id, serial, outlet_id, sold_sale_id, sold_at_ms, returned_sale_id, returned_original_sale_id, returned_at_ms
                 FROM serials WHERE product_id = ANY($1)",
            )
            .bind(wanted.iter().cloned().collect::<Vec<_>>())
            .fetch_all(&mut **tx)
            .await?;
            let on_file: HashMap<(String, String), shared::stock::SerialNumber> = found
                .iter()
                .map(|r| {
                    let s = super::serials::serial_from_row(r);
                    ((s.product_id.clone(), s.serial.clone()), s)
                })
                .collect();
            let ctx = SerialContext { on_file: &on_file, products: &products, outlets: &known_outlets, allowed: outlets };
            let mut plan = plan_serials(&ctx, rows.clone());
            let ok = merge_errors(&mut plan, read_errors.clone());
            if !(apply && ok) {
                return Ok(ImportReport::of(FileKind::Serials, &plan, false));
            }
            let now = now_ms();
            for r in plan.writes() {
                super::serials::save_serial(tx, &r.item, now).await?;
            }
            let report = ImportReport::of(FileKind::Serials, &plan, true);
            write_audit(tx, &import_audit(audit, &report)).await?;
            Ok(report)
        })
    }

    pub async fn customers_by_id(&self, after: Option<&str>, limit: u32) -> anyhow::Result<Vec<Customer>> {
        Ok(sqlx::query("SELECT id, name, email FROM customers WHERE id COLLATE \"C\" > $1 ORDER BY id COLLATE \"C\" LIMIT $2")
            .bind(after.unwrap_or(""))
            .bind(i64::from(limit))
            .fetch_all(self.pool())
            .await?
            .into_iter()
            .map(|r| Customer { id: r.get("id"), name: r.get("name"), email: r.get("email") })
            .collect())
    }
}
