//! Serial numbers (seed 000) in SQLite. The rules — what a comma list adds, what a duplicate is, what a
//! synced sale or a return does to a unit — are `shared::stock::SerialRegistry`'s: each method loads the
//! rows concerned into a registry, lets it decide, and writes back what changed.

use super::now_ms;
use super::page::Page;
use super::sqlite::SqliteStore;
use serde::Serialize;
use shared::sale::Sale;
use super::products::like_pattern;
use shared::stock::{ReturnedOn, SerialError, SerialEvent, SerialEventKind, SerialNumber, SerialRegistry, SoldOn};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteConnection};
use std::collections::BTreeSet;

/// Why a list of serials was not registered. Nothing was written.
#[derive(Debug)]
pub enum SerialRefusal {
    UnknownProduct(String),
    UnknownOutlet(String),
    /// The shared rules refused it (empty list, duplicates named).
    Rule(SerialError),
}

/// Something sync found wrong but did not refuse (a paid sale is a fact), for a manager to resolve.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Conflict {
    pub id: i64,
    /// `serial_sold_twice`, `serial_return_mismatch` or `serial_invalid`.
    pub kind: String,
    /// The sale whose arrival found the problem.
    pub sale_id: String,
    /// What is involved (serial, product, sales), as JSON.
    pub detail: serde_json::Value,
    pub created_at_ms: i64,
    pub resolved: bool,
}

/// What the serial numbers page asks for (`GET /serials`); `None` filters nothing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SerialFilter {
    pub product_id: Option<String>,
    pub outlet_id: Option<String>,
    /// `true`: sold only; `false`: in stock only.
    pub sold: Option<bool>,
    /// Part of the serial number, any case.
    pub q: Option<String>,
}

pub(crate) const SERIAL_COLS: &str =
    "product_id, serial, outlet_id, sold_sale_id, sold_at_ms, returned_sale_id, returned_original_sale_id, returned_at_ms";

/// A `serial_events.kind` (the migration's CHECK allows no other).
pub(crate) fn event_kind(kind: &str) -> anyhow::Result<SerialEventKind> {
    kind.parse().map_err(|_| anyhow::anyhow!("unknown serial event kind '{kind}'"))
}

pub(super) fn serial_from_row(r: &SqliteRow) -> SerialNumber {
    let sold_sale_id: Option<String> = r.get("sold_sale_id");
    let returned_sale_id: Option<String> = r.get("returned_sale_id");
    SerialNumber {
        serial: r.get("serial"),
        product_id: r.get("product_id"),
        outlet_id: r.get("outlet_id"),
        sold_on: sold_sale_id.map(|sale_id| SoldOn { sale_id, at_ms: r.get::<Option<i64>, _>("sold_at_ms").unwrap_or(0) }),
        returned_on: returned_sale_id.map(|return_sale_id| ReturnedOn {
            return_sale_id,
            original_sale_id: r.get::<Option<String>, _>("returned_original_sale_id").unwrap_or_default(),
            at_ms: r.get::<Option<i64>, _>("returned_at_ms").unwrap_or(0),
        }),
    }
}

/// The row of `serial` for `product_id`, if on file.
async fn load_serial(conn: &mut SqliteConnection, product_id: &str, serial: &str) -> anyhow::Result<Option<SerialNumber>> {
    let row = sqlx::query(
        "SELECT product_id, serial, outlet_id, sold_sale_id, sold_at_ms, returned_sale_id, returned_original_sale_id, returned_at_ms
         FROM serials WHERE product_id = ? AND serial = ?",
    )
    .bind(product_id)
    .bind(serial.trim())
    .fetch_optional(conn)
    .await?;
    Ok(row.as_ref().map(serial_from_row))
}

/// Inserts a serial, or rewrites the state of one on file (its creation time is kept).
pub(crate) async fn save_serial(conn: &mut SqliteConnection, s: &SerialNumber, now: i64) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO serials (product_id, serial, outlet_id, sold_sale_id, sold_at_ms, returned_sale_id,
                              returned_original_sale_id, returned_at_ms, created_at_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (product_id, serial) DO UPDATE SET
             outlet_id = excluded.outlet_id,
             sold_sale_id = excluded.sold_sale_id,
             sold_at_ms = excluded.sold_at_ms,
             returned_sale_id = excluded.returned_sale_id,
             returned_original_sale_id = excluded.returned_original_sale_id,
             returned_at_ms = excluded.returned_at_ms",
    )
    .bind(&s.product_id)
    .bind(&s.serial)
    .bind(&s.outlet_id)
    .bind(s.sold_on.as_ref().map(|x| x.sale_id.as_str()))
    .bind(s.sold_on.as_ref().map(|x| x.at_ms))
    .bind(s.returned_on.as_ref().map(|x| x.return_sale_id.as_str()))
    .bind(s.returned_on.as_ref().map(|x| x.original_sale_id.as_str()))
    .bind(s.returned_on.as_ref().map(|x| x.at_ms))
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

impl SqliteStore {
    /// The serial numbers page: serials matching `filter`, at one of `outlets` (`None`: any), by product
    /// then serial, after the `after` cursor's. Only the filters given are in the SQL, so a product's
    /// serials are a range of the `(product_id, serial)` key.
    pub async fn list_serials(
        &self,
        filter: &SerialFilter,
        outlets: Option<&[String]>,
        after: Option<&(String, String)>,
        limit: u32,
    ) -> anyhow::Result<Page<SerialNumber>> {
        let outlets = outlets.map(serde_json::to_string).transpose()?;
        let mut sql = format!("SELECT {SERIAL_COLS} FROM serials WHERE 1 = 1");
        if filter.product_id.is_some() {
            sql.push_str(" AND product_id = ?1");
        }
        if filter.outlet_id.is_some() {
            sql.push_str(" AND outlet_id = ?2");
        }
        if outlets.is_some() {
            sql.push_str(" AND outlet_id IN (SELECT value FROM json_each(?3))");
        }
        if filter.sold.is_some() {
            sql.push_str(" AND (sold_sale_id IS NOT NULL) = ?4");
        }
        if filter.q.is_some() {
            // Any case: SQLite's LIKE folds ASCII letters (PostgreSQL's ILIKE, every letter).
            sql.push_str(" AND serial LIKE ?5 ESCAPE '\\'");
        }
        if after.is_some() {
            // The cursor's product again, as a plain range the index seeks to.
            sql.push_str(" AND product_id >= ?6 AND (product_id > ?6 OR (product_id = ?6 AND serial > ?7))");
        }
        sql.push_str(" ORDER BY product_id, serial LIMIT ?8");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(filter.product_id.as_deref())
            .bind(filter.outlet_id.as_deref())
            .bind(outlets)
            .bind(filter.sold)
            .bind(filter.q.as_deref().map(|q| like_pattern(q, false)))
            .bind(after.map(|a| a.0.as_str()))
            .bind(after.map(|a| a.1.as_str()))
            .bind(i64::from(limit) + 1)
            .fetch_all(self.pool())
            .await?;
        Ok(Page::of(rows.iter().map(serial_from_row).collect(), limit, |s| (s.product_id.clone(), s.serial.clone())))
    }

    /// A serial's history, oldest first (empty: never on file).
    pub async fn serial_history(&self, product_id: &str, serial: &str) -> anyhow::Result<Vec<SerialEvent>> {
        let rows = sqlx::query(
            "SELECT id, product_id, serial, kind, outlet_id, sale_id, at_ms FROM serial_events
             WHERE product_id = ? AND serial = ? ORDER BY id",
        )
        .bind(product_id)
        .bind(serial.trim())
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(SerialEvent {
                    id: r.get("id"),
                    product_id: r.get("product_id"),
                    serial: r.get("serial"),
                    kind: event_kind(r.get("kind"))?,
                    outlet_id: r.get("outlet_id"),
                    sale_id: r.get("sale_id"),
                    at_ms: r.get("at_ms"),
                })
            })
            .collect()
    }

    /// Pre-registers a comma-separated list of serials for a product at an outlet: all of them in one
    /// transaction, or none (the refusal names every duplicate). Returns the rows added, in the order typed.
    pub async fn register_serials(
        &self,
        product_id: &str,
        outlet_id: &str,
        input: &str,
        audit: &super::auth::Audit,
    ) -> anyhow::Result<Result<Vec<SerialNumber>, SerialRefusal>> {
        // IMMEDIATE: the duplicate check and the inserts see the same serials, even with two managers at once.
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        let product: Option<String> =
            sqlx::query_scalar("SELECT id FROM products WHERE id = ?").bind(product_id).fetch_optional(&mut *tx).await?;
        if product.is_none() {
            return Ok(Err(SerialRefusal::UnknownProduct(product_id.into())));
        }
        let outlet: Option<String> =
            sqlx::query_scalar("SELECT id FROM outlets WHERE id = ?").bind(outlet_id).fetch_optional(&mut *tx).await?;
        if outlet.is_none() {
            return Ok(Err(SerialRefusal::UnknownOutlet(outlet_id.into())));
        }
        let on_file = sqlx::query(
            "SELECT product_id, serial, outlet_id, sold_sale_id, sold_at_ms, returned_sale_id, returned_original_sale_id, returned_at_ms
             FROM serials WHERE product_id = ?",
        )
        .bind(product_id)
        .fetch_all(&mut *tx)
        .await?;
        let mut registry = SerialRegistry::from(on_file.iter().map(serial_from_row).collect::<Vec<_>>());
        let added = match registry.register_list(product_id, outlet_id, input) {
            Ok(added) => added,
            Err(e) => return Ok(Err(SerialRefusal::Rule(e))),
        };
        let now = now_ms();
        let mut rows = Vec::with_capacity(added.len());
        for serial in &added {
            let row = registry.get(product_id, serial).cloned().expect("register_list added it");
            save_serial(&mut tx, &row, now).await?;
            rows.push(row);
        }
        let mut audit = audit.clone().outlet(Some(outlet_id));
        audit.subject = product_id.into();
        audit.detail = format!("{} serial number(s) added: {}", added.len(), added.join(", "));
        super::auth::write_audit(&mut tx, &audit).await?;
        tx.commit().await?;
        Ok(Ok(rows))
    }

    /// The trash icon: removes a serial, sold or not, at one of `outlets` (`None`: any), audited.
    /// Refused when it is not on file, or is at another outlet (`Ok(Err(None))`).
    pub async fn delete_serial(
        &self,
        product_id: &str,
        serial: &str,
        outlets: Option<&[String]>,
        audit: &super::auth::Audit,
    ) -> anyhow::Result<Result<SerialNumber, Option<SerialError>>> {
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        let mut registry = SerialRegistry::from(load_serial(&mut tx, product_id, serial).await?.into_iter().collect::<Vec<_>>());
        let deleted = match registry.delete(product_id, serial) {
            Ok(s) => s,
            Err(e) => return Ok(Err(Some(e))),
        };
        if outlets.is_some_and(|os| !os.contains(&deleted.outlet_id)) {
            return Ok(Err(None));
        }
        let mut audit = audit.clone().outlet(Some(&deleted.outlet_id));
        audit.subject = format!("{}/{}", deleted.product_id, deleted.serial);
        audit.detail = match &deleted.sold_on {
            Some(sold) => format!("serial number deleted (it was sold in sale {})", sold.sale_id),
            None => "serial number deleted (in stock)".into(),
        };
        super::auth::write_audit(&mut tx, &audit).await?;
        sqlx::query("DELETE FROM serials WHERE product_id = ? AND serial = ?")
            .bind(&deleted.product_id)
            .bind(&deleted.serial)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Ok(deleted))
    }

    /// What sync recorded for a manager, oldest first: of sales at one of `outlets` (`None`: all), after
    /// the conflict with id `after`.
    pub async fn list_conflicts(&self, outlets: Option<&[String]>, after: Option<i64>, limit: u32) -> anyhow::Result<Page<Conflict>> {
        let outlets = outlets.map(serde_json::to_string).transpose()?;
        let rows = sqlx::query(
            "SELECT id, kind, sale_id, detail, created_at_ms, resolved FROM conflicts
             WHERE (?1 IS NULL OR outlet_id IN (SELECT value FROM json_each(?1))) AND id > ?2
             ORDER BY id LIMIT ?3",
        )
        .bind(outlets)
        .bind(after.unwrap_or(0))
        .bind(i64::from(limit) + 1)
        .fetch_all(self.pool())
        .await?;
        let rows = rows
            .into_iter()
            .map(|r| {
                let detail: String = r.get("detail");
                Ok(Conflict {
                    id: r.get("id"),
                    kind: r.get("kind"),
                    sale_id: r.get("sale_id"),
                    detail: serde_json::from_str(&detail)?,
                    created_at_ms: r.get("created_at_ms"),
                    resolved: r.get("resolved"),
                })
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        Ok(Page::of(rows, limit, |c| c.id))
    }
}

/// The records on file of the serials `sale` names, for `shared::sync::effects_of_sale`.
pub(crate) async fn load_sale_serials(conn: &mut SqliteConnection, sale: &Sale) -> anyhow::Result<Vec<SerialNumber>> {
    let keys: BTreeSet<(&str, &str)> =
        sale.lines.iter().flat_map(|l| l.serials.iter().map(|s| (l.product_id.as_str(), s.trim()))).collect();
    let mut on_file = Vec::with_capacity(keys.len());
    for (product_id, serial) in keys {
        on_file.extend(load_serial(conn, product_id, serial).await?);
    }
    Ok(on_file)
}

/// Which products whose units `sale` returns with a serial track serials.
pub(crate) async fn returned_tracked_products(conn: &mut SqliteConnection, sale: &Sale) -> anyhow::Result<BTreeSet<String>> {
    let mut out = BTreeSet::new();
    for line in sale.lines.iter().filter(|l| l.qty <= 0 && !l.serials.is_empty()) {
        let tracks: Option<bool> =
            sqlx::query_scalar("SELECT tracks_serials FROM products WHERE id = ?").bind(&line.product_id).fetch_optional(&mut *conn).await?;
        if tracks == Some(true) {
            out.insert(line.product_id.clone());
        }
    }
    Ok(out)
}
