//! Catalogue › Produits and CSV imports in SQLite. The rules are `shared::catalog::edit` and
//! `shared::catalog::import`: each method loads what they need, lets them decide, and writes the
//! outcome in one transaction with its audit entry. Products reach the registers through the change
//! log's triggers (migration 0009): an inserted or updated row is a `product` change the next pull
//! carries; a price change is also recorded in `price_history` from now on, so sales made before it
//! are still checked against the price they were made at.

use super::auth::{write_audit, Audit};
use super::now_ms;
use super::page::Page;
use super::sqlite::SqliteStore;
use shared::catalog::edit::{apply_patch, collisions, tax_class_name, Collision, Edit, FieldError, ProductPatch};
use shared::catalog::import::{
    plan_customers, plan_products, plan_serials, CustomerRow, FileKind, ImportReport, Plan, ProductRow, RowError, SerialContext, SerialRow,
};
use shared::catalog::{Customer, Product};
use shared::Money;
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteConnection};
use std::collections::{HashMap, HashSet};

/// Why a product was not created or edited. Nothing was written.
#[derive(Debug, PartialEq, Eq)]
pub enum ProductRefusal {
    NotFound,
    /// A create under an id that exists.
    IdTaken(String),
    Invalid(Vec<FieldError>),
    /// Its SKU or barcode is another product's.
    Collisions(Vec<Collision>),
}

/// The filters of `GET /products`.
#[derive(Clone, Debug, Default)]
pub struct ProductSearch {
    /// In the name (any case), the start of the SKU, or the whole barcode.
    pub q: Option<String>,
    pub tax_class: Option<shared::tax::TaxClass>,
    pub has_serials: Option<bool>,
    /// Products at or below their low-stock threshold at this outlet.
    pub low_stock_at: Option<String>,
}

/// A search page's sort key: (name, id).
pub type ProductKey = (String, String);

/// The columns `product_of` reads, in `INSERT` order (both databases name them alike).
pub(crate) const PRODUCT_COLS: &str =
    "id, sku, barcode, name, price_cents, tax_class, tracks_serials, low_stock_threshold, quick_key, quick_key_position, loyalty_points";

/// A stored place on the pad (a column the checks kept in 1..=999, so never out of `u16`).
pub(crate) fn position_of(stored: Option<i64>) -> Option<u16> {
    stored.and_then(|n| u16::try_from(n).ok())
}

pub(crate) fn product_of(r: &SqliteRow) -> Product {
    Product {
        id: r.get("id"),
        sku: r.get("sku"),
        barcode: r.get("barcode"),
        name: r.get("name"),
        price: Money(r.get("price_cents")),
        tax_class: super::sqlite::parse_tax_class(r.get("tax_class")),
        tracks_serials: r.get("tracks_serials"),
        low_stock_threshold: r.get("low_stock_threshold"),
        quick_key: r.get("quick_key"),
        quick_key_position: position_of(r.get("quick_key_position")),
        loyalty_points: r.get::<i64, _>("loyalty_points") as u32,
    }
}

/// `%text%` for `LIKE … ESCAPE '\'`: the user's `%` and `_` are plain characters.
pub(crate) fn like_pattern(q: &str, prefix_only: bool) -> String {
    let escaped = q.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    if prefix_only {
        format!("{escaped}%")
    } else {
        format!("%{escaped}%")
    }
}

/// A new id for a row without one: not guessable, never reused.
pub(crate) fn new_id(prefix: &str) -> String {
    format!("{prefix}-{}", hex::encode(crate::auth::secrets::random_bytes::<8>()))
}

async fn load_product(conn: &mut SqliteConnection, id: &str) -> anyhow::Result<Option<Product>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {PRODUCT_COLS} FROM products WHERE id = ?")))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    Ok(row.as_ref().map(product_of))
}

/// Who holds each of `p`'s unique values, other than `p`.
async fn product_collisions(conn: &mut SqliteConnection, p: &Product) -> anyhow::Result<Vec<Collision>> {
    let rows = sqlx::query("SELECT id, sku, barcode FROM products WHERE (sku = ?1 OR barcode = ?2) AND id <> ?3")
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

async fn insert_product(conn: &mut SqliteConnection, p: &Product) -> anyhow::Result<()> {
    sqlx::query(sqlx::AssertSqlSafe(format!("INSERT INTO products ({PRODUCT_COLS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")))
        .bind(&p.id)
        .bind(&p.sku)
        .bind(&p.barcode)
        .bind(&p.name)
        .bind(p.price.0)
        .bind(tax_class_name(p.tax_class))
        .bind(p.tracks_serials)
        .bind(p.low_stock_threshold)
        .bind(p.quick_key)
        .bind(p.quick_key_position.map(i64::from))
        .bind(i64::from(p.loyalty_points))
        .execute(&mut *conn)
        .await?;
    // In force since always: no sale can have been made of it before it existed.
    record_price(conn, &p.id, 0, p.price).await
}

async fn update_product_row(conn: &mut SqliteConnection, p: &Product) -> anyhow::Result<()> {
    sqlx::query(
        "UPDATE products SET sku = ?, barcode = ?, name = ?, price_cents = ?, tax_class = ?, tracks_serials = ?,
                low_stock_threshold = ?, quick_key = ?, quick_key_position = ?, loyalty_points = ? WHERE id = ?",
    )
    .bind(&p.sku)
    .bind(&p.barcode)
    .bind(&p.name)
    .bind(p.price.0)
    .bind(tax_class_name(p.tax_class))
    .bind(p.tracks_serials)
    .bind(p.low_stock_threshold)
    .bind(p.quick_key)
    .bind(p.quick_key_position.map(i64::from))
    .bind(i64::from(p.loyalty_points))
    .bind(&p.id)
    .execute(conn)
    .await?;
    Ok(())
}

async fn record_price(conn: &mut SqliteConnection, id: &str, from_ms: i64, price: Money) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO price_history (product_id, from_ms, price_cents) VALUES (?, ?, ?)
         ON CONFLICT (product_id, from_ms) DO UPDATE SET price_cents = excluded.price_cents",
    )
    .bind(id)
    .bind(from_ms)
    .bind(price.0)
    .execute(conn)
    .await?;
    Ok(())
}

/// What an edit changed, for the audit log: the fields, a price with its old and new value.
pub(crate) fn edit_detail(before: &Product, edit: &Edit) -> String {
    let mut parts: Vec<String> = edit.changed.iter().map(|f| (*f).to_string()).collect();
    if let Some(p) = edit.new_price() {
        parts.retain(|f| f != "price");
        parts.insert(0, format!("price {} → {}", before.price, p));
    }
    if parts.is_empty() {
        "nothing changed".into()
    } else {
        format!("changed: {}", parts.join(", "))
    }
}

impl SqliteStore {
    pub async fn product(&self, id: &str) -> anyhow::Result<Option<Product>> {
        load_product(&mut *self.pool().acquire().await?, id).await
    }

    /// Creates `p` (already checked by `shared::catalog::edit`), audited; refused when its id, SKU or
    /// barcode is taken.
    pub async fn create_product(&self, p: &Product, audit: &Audit) -> anyhow::Result<Result<Product, ProductRefusal>> {
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        if load_product(&mut tx, &p.id).await?.is_some() {
            return Ok(Err(ProductRefusal::IdTaken(p.id.clone())));
        }
        let clash = product_collisions(&mut tx, p).await?;
        if !clash.is_empty() {
            return Ok(Err(ProductRefusal::Collisions(clash)));
        }
        insert_product(&mut tx, p).await?;
        let mut audit = audit.clone();
        audit.subject = p.id.clone();
        audit.detail = format!("product {} ({}) created at {}", p.name, p.sku, p.price);
        write_audit(&mut tx, &audit).await?;
        tx.commit().await?;
        Ok(Ok(p.clone()))
    }

    /// Applies `patch` to product `id` (`shared::catalog::edit::apply_patch`), audited. An edit that
    /// changes nothing writes nothing (and logs no change for the registers).
    pub async fn update_product(&self, id: &str, patch: &ProductPatch, audit: &Audit) -> anyhow::Result<Result<Edit, ProductRefusal>> {
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        let Some(before) = load_product(&mut tx, id).await? else {
            return Ok(Err(ProductRefusal::NotFound));
        };
        let edit = match apply_patch(&before, patch) {
            Ok(e) => e,
            Err(errors) => return Ok(Err(ProductRefusal::Invalid(errors))),
        };
        if edit.changed.is_empty() {
            return Ok(Ok(edit));
        }
        let clash = product_collisions(&mut tx, &edit.product).await?;
        if !clash.is_empty() {
            return Ok(Err(ProductRefusal::Collisions(clash)));
        }
        update_product_row(&mut tx, &edit.product).await?;
        if let Some(price) = edit.new_price() {
            record_price(&mut tx, id, now_ms(), price).await?;
        }
        let mut audit = audit.clone();
        audit.subject = id.into();
        audit.detail = edit_detail(&before, &edit);
        write_audit(&mut tx, &audit).await?;
        tx.commit().await?;
        Ok(Ok(edit))
    }

    /// The back office's product list: matching `search`, by name then id, after `after`. Walks the
    /// `products_by_name` index (migration 0019) and stops at `limit + 1` matches.
    pub async fn search_products(&self, search: &ProductSearch, after: Option<&ProductKey>, limit: u32) -> anyhow::Result<Page<Product>> {
        let mut sql = format!("SELECT {PRODUCT_COLS} FROM products p WHERE 1 = 1");
        let q = search.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
        if q.is_some() {
            sql.push_str(" AND (p.name LIKE ?1 ESCAPE '\\' OR p.sku LIKE ?2 ESCAPE '\\' OR p.barcode = ?3)");
        }
        if search.tax_class.is_some() {
            sql.push_str(" AND p.tax_class = ?4");
        }
        if search.has_serials.is_some() {
            sql.push_str(" AND p.tracks_serials = ?5");
        }
        if search.low_stock_at.is_some() {
            sql.push_str(
                " AND p.low_stock_threshold IS NOT NULL
                  AND COALESCE((SELECT s.qty FROM stock_levels s WHERE s.outlet_id = ?6 AND s.product_id = p.id), 0) <= p.low_stock_threshold",
            );
        }
        if after.is_some() {
            sql.push_str(" AND (p.name, p.id) > (?7, ?8)");
        }
        sql.push_str(" ORDER BY p.name, p.id LIMIT ?9");
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
        Ok(Page::of(rows.iter().map(product_of).collect(), limit, |p| (p.name.clone(), p.id.clone())))
    }

    /// Plans a products import against the catalog and, when `apply` and the plan has no error, writes
    /// it: all rows in one transaction with one audit entry, or nothing.
    pub async fn import_products(&self, rows: Vec<ProductRow>, read_errors: Vec<RowError>, apply: bool, audit: &Audit) -> anyhow::Result<ImportReport> {
        // IMMEDIATE when writing: the plan and the writes see the same catalog.
        let mut tx = if apply { self.pool().begin_with("BEGIN IMMEDIATE").await? } else { self.pool().begin().await? };
        let existing: HashMap<String, Product> = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {PRODUCT_COLS} FROM products")))
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|r| {
                let p = product_of(r);
                (p.id.clone(), p)
            })
            .collect();
        let mut plan = plan_products(&existing, rows, || new_id("p"));
        let ok = merge_errors(&mut plan, read_errors);
        if !(apply && ok) {
            return Ok(ImportReport::of(FileKind::Products, &plan, false));
        }
        let now = now_ms();
        for r in plan.writes() {
            match existing.get(&r.item.id) {
                None => insert_product(&mut tx, &r.item).await?,
                Some(before) => {
                    update_product_row(&mut tx, &r.item).await?;
                    if before.price != r.item.price {
                        record_price(&mut tx, &r.item.id, now, r.item.price).await?;
                    }
                }
            }
        }
        let report = ImportReport::of(FileKind::Products, &plan, true);
        write_audit(&mut tx, &import_audit(audit, &report)).await?;
        tx.commit().await?;
        Ok(report)
    }

    pub async fn import_customers(&self, rows: Vec<CustomerRow>, read_errors: Vec<RowError>, apply: bool, audit: &Audit) -> anyhow::Result<ImportReport> {
        let mut tx = if apply { self.pool().begin_with("BEGIN IMMEDIATE").await? } else { self.pool().begin().await? };
        let existing: HashMap<String, Customer> = sqlx::query("SELECT id, name, email FROM customers")
            .fetch_all(&mut *tx)
            .await?
            .into_iter()
            .map(|r| (r.get::<String, _>("id"), Customer { id: r.get("id"), name: r.get("name"), email: r.get("email") }))
            .collect();
        let mut plan = plan_customers(&existing, rows, || new_id("c"));
        let ok = merge_errors(&mut plan, read_errors);
        if !(apply && ok) {
            return Ok(ImportReport::of(FileKind::Customers, &plan, false));
        }
        for r in plan.writes() {
            let c = &r.item;
            if existing.contains_key(&c.id) {
                sqlx::query("UPDATE customers SET name = ?, email = ? WHERE id = ?").bind(&c.name).bind(&c.email).bind(&c.id).execute(&mut *tx).await?;
            } else {
                sqlx::query("INSERT INTO customers (id, name, email) VALUES (?, ?, ?)").bind(&c.id).bind(&c.name).bind(&c.email).execute(&mut *tx).await?;
            }
        }
        let report = ImportReport::of(FileKind::Customers, &plan, true);
        write_audit(&mut tx, &import_audit(audit, &report)).await?;
        tx.commit().await?;
        Ok(report)
    }

    /// A serials import (pre-registration): rows at `outlets` only (`None`: any, an admin).
    pub async fn import_serials(&self, rows: Vec<SerialRow>, read_errors: Vec<RowError>, outlets: Option<&[String]>, apply: bool, audit: &Audit) -> anyhow::Result<ImportReport> {
        let mut tx = if apply { self.pool().begin_with("BEGIN IMMEDIATE").await? } else { self.pool().begin().await? };
        let products: HashSet<String> = sqlx::query_scalar("SELECT id FROM products").fetch_all(&mut *tx).await?.into_iter().collect();
        let known_outlets: HashSet<String> = sqlx::query_scalar("SELECT id FROM outlets").fetch_all(&mut *tx).await?.into_iter().collect();
        let wanted: HashSet<&str> = rows.iter().map(|r| r.product_id.as_str()).filter(|p| products.contains(*p)).collect();
        let mut on_file = HashMap::new();
        for product_id in wanted {
            let found = sqlx::query(
                "SELECT product_id, serial, outlet_id, sold_sale_id, sold_at_ms, returned_sale_id, returned_original_sale_id, returned_at_ms
                 FROM serials WHERE product_id = ?",
            )
            .bind(product_id)
            .fetch_all(&mut *tx)
            .await?;
            for r in &found {
                let s = super::serials::serial_from_row(r);
                on_file.insert((s.product_id.clone(), s.serial.clone()), s);
            }
        }
        let ctx = SerialContext { on_file: &on_file, products: &products, outlets: &known_outlets, allowed: outlets };
        let mut plan = plan_serials(&ctx, rows);
        let ok = merge_errors(&mut plan, read_errors);
        if !(apply && ok) {
            return Ok(ImportReport::of(FileKind::Serials, &plan, false));
        }
        let now = now_ms();
        for r in plan.writes() {
            super::serials::save_serial(&mut tx, &r.item, now).await?;
        }
        let report = ImportReport::of(FileKind::Serials, &plan, true);
        write_audit(&mut tx, &import_audit(audit, &report)).await?;
        tx.commit().await?;
        Ok(report)
    }

    /// Every customer by id, for the export.
    pub async fn customers_by_id(&self, after: Option<&str>, limit: u32) -> anyhow::Result<Vec<Customer>> {
        Ok(sqlx::query("SELECT id, name, email FROM customers WHERE id > ? ORDER BY id LIMIT ?")
            .bind(after.unwrap_or(""))
            .bind(i64::from(limit))
            .fetch_all(self.pool())
            .await?
            .into_iter()
            .map(|r| Customer { id: r.get("id"), name: r.get("name"), email: r.get("email") })
            .collect())
    }
}

/// Adds the errors found while reading cells to the plan's, by row; whether the plan is clean.
pub(crate) fn merge_errors<T>(plan: &mut Plan<T>, read_errors: Vec<RowError>) -> bool {
    plan.errors.extend(read_errors);
    plan.errors.sort_by_key(|e| e.row);
    plan.errors.is_empty()
}

/// The one audit entry of an applied import.
pub(crate) fn import_audit(audit: &Audit, report: &ImportReport) -> Audit {
    let mut a = audit.clone();
    let kind: &'static str = report.kind.into();
    a.subject = format!("import/{kind}");
    a.detail = format!("{kind}: {} created, {} updated, {} unchanged", report.creates, report.updates, report.unchanged);
    a
}
