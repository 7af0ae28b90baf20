//! Serial numbers (seed 000) in SQLite. The rules — what a comma list adds, what a duplicate is, what a
//! synced sale or a return does to a unit — are `shared::stock::SerialRegistry`'s: each method loads the
//! rows concerned into a registry, lets it decide, and writes back what changed.

use super::now_ms;
use super::sqlite::SqliteStore;
use serde::Serialize;
use shared::catalog::Product;
use shared::sale::{Sale, SaleLine};
use shared::stock::{ReturnedOn, ReturnedSerial, SerialError, SerialNumber, SerialRegistry, SoldOn, SyncedSerial};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, Sqlite, SqliteConnection, Transaction};
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
async fn save_serial(conn: &mut SqliteConnection, s: &SerialNumber, now: i64) -> anyhow::Result<()> {
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
    /// The serial numbers page: every serial (sold or not), optionally of one product and/or at one
    /// outlet, by product then serial.
    pub async fn list_serials(&self, product_id: Option<&str>, outlet_id: Option<&str>) -> anyhow::Result<Vec<SerialNumber>> {
        let rows = sqlx::query(
            "SELECT product_id, serial, outlet_id, sold_sale_id, sold_at_ms, returned_sale_id, returned_original_sale_id, returned_at_ms
             FROM serials WHERE (?1 IS NULL OR product_id = ?1) AND (?2 IS NULL OR outlet_id = ?2)
             ORDER BY product_id, serial",
        )
        .bind(product_id)
        .bind(outlet_id)
        .fetch_all(self.pool())
        .await?;
        Ok(rows.iter().map(serial_from_row).collect())
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

    /// What sync recorded for a manager, oldest first: of sales at one of `outlets` (`None`: all).
    pub async fn list_conflicts(&self, outlets: Option<&[String]>) -> anyhow::Result<Vec<Conflict>> {
        let outlets = outlets.map(serde_json::to_string).transpose()?;
        let rows = sqlx::query(
            "SELECT c.id, c.kind, c.sale_id, c.detail, c.created_at_ms, c.resolved FROM conflicts c
             WHERE ?1 IS NULL OR (SELECT outlet_id FROM sales WHERE id = c.sale_id) IN (SELECT value FROM json_each(?1))
             ORDER BY c.id",
        )
        .bind(outlets)
        .fetch_all(self.pool())
            .await?;
        rows.into_iter()
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
            .collect()
    }
}

/// The serials of a newly stored sale, inside its push's transaction. Never refuses (the customer has
/// paid): a unit sold is marked sold (added first if it was not on file); a returned unit is back in
/// stock; what the rules find wrong — a unit already sold in another sale, a return of a unit that sale
/// did not sell — is kept as a `conflicts` row for a manager.
pub(crate) async fn record_sale_serials(tx: &mut Transaction<'_, Sqlite>, sale: &Sale) -> anyhow::Result<()> {
    let lines: Vec<&SaleLine> = sale.lines.iter().filter(|l| !l.serials.is_empty()).collect();
    if lines.is_empty() {
        return Ok(());
    }
    let keys: BTreeSet<(&str, &str)> =
        lines.iter().flat_map(|l| l.serials.iter().map(|s| (l.product_id.as_str(), s.trim()))).collect();
    let mut on_file = Vec::with_capacity(keys.len());
    for (product_id, serial) in keys {
        on_file.extend(load_serial(tx, product_id, serial).await?);
    }
    let mut registry = SerialRegistry::from(on_file);
    let before = registry.clone();
    let mut conflicts: Vec<(&'static str, serde_json::Value)> = Vec::new();

    for line in lines {
        if line.qty > 0 {
            for serial in &line.serials {
                let sold_on = SoldOn { sale_id: sale.id.clone(), at_ms: sale.created_at_ms };
                match registry.record_synced_sale(&line.product_id, &sale.outlet_id, serial, sold_on) {
                    Ok(SyncedSerial::Recorded | SyncedSerial::AddedAndRecorded) => {}
                    // Only new sales come here: the same serial twice in this one sale.
                    Ok(SyncedSerial::AlreadyRecorded) => {
                        conflicts.push(sold_twice(sale, line, serial, &sale.id));
                    }
                    Ok(SyncedSerial::SoldTwice { first_sale_id }) => {
                        conflicts.push(sold_twice(sale, line, serial, &first_sale_id));
                    }
                    Err(e) => conflicts.push(invalid(sale, line, serial, &e)),
                }
            }
        } else {
            let tracks_serials: bool = sqlx::query_scalar("SELECT tracks_serials FROM products WHERE id = ?")
                .bind(&line.product_id)
                .fetch_optional(&mut **tx)
                .await?
                .unwrap_or(false);
            let product = Product {
                id: line.product_id.clone(),
                sku: line.sku.clone(),
                name: line.name.clone(),
                price: line.unit_price,
                tax_class: line.tax_class,
                tracks_serials,
                ..Product::default()
            };
            for serial in &line.serials {
                // With a receipt, the unit must come from that sale; without one, from the sale it was sold in.
                let original = line.return_of.as_ref().map(|r| r.sale_id.clone()).or_else(|| {
                    registry.get(&line.product_id, serial).and_then(|s| s.sold_on.as_ref()).map(|s| s.sale_id.clone())
                });
                let result = match original {
                    Some(original_sale_id) => registry.record_return(
                        &product,
                        &sale.outlet_id,
                        Some(serial),
                        ReturnedOn { return_sale_id: sale.id.clone(), original_sale_id, at_ms: sale.created_at_ms },
                    ),
                    None if registry.get(&line.product_id, serial).is_none() => {
                        Err(SerialError::NotOnFile { serial: serial.trim().into() })
                    }
                    None => Ok(ReturnedSerial::NotTracked),
                };
                match result {
                    Ok(ReturnedSerial::BackInStock { .. }) => {}
                    // Returned without a receipt while not recorded as sold: nothing to put back.
                    Ok(ReturnedSerial::NotTracked) => conflicts.push((
                        "serial_return_mismatch",
                        serde_json::json!({
                            "serial": serial.trim(),
                            "product_id": line.product_id,
                            "return_sale_id": sale.id,
                            "original_sale_id": null,
                            "error": "serial_not_sold",
                            "message": format!("serial number {} was returned but is not recorded as sold", serial.trim()),
                        }),
                    )),
                    Err(e) => conflicts.push((
                        "serial_return_mismatch",
                        serde_json::json!({
                            "serial": serial.trim(),
                            "product_id": line.product_id,
                            "return_sale_id": sale.id,
                            "original_sale_id": line.return_of.as_ref().map(|r| r.sale_id.as_str()),
                            "sold_in": match &e {
                                SerialError::NotSoldInThatSale { sold_in, .. } => sold_in.clone(),
                                _ => None,
                            },
                            "error": e.code(),
                            "message": e.to_string(),
                        }),
                    )),
                }
            }
        }
    }

    let now = now_ms();
    for s in registry.all() {
        if before.get(&s.product_id, &s.serial) != Some(s) {
            save_serial(tx, s, now).await?;
        }
    }
    for (kind, detail) in conflicts {
        tracing::warn!(sale = %sale.id, kind, %detail, "serial conflict recorded");
        sqlx::query("INSERT INTO conflicts (kind, sale_id, detail, created_at_ms) VALUES (?, ?, ?, ?)")
            .bind(kind)
            .bind(&sale.id)
            .bind(detail.to_string())
            .bind(now)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

fn sold_twice(sale: &Sale, line: &SaleLine, serial: &str, first_sale_id: &str) -> (&'static str, serde_json::Value) {
    (
        "serial_sold_twice",
        serde_json::json!({
            "serial": serial.trim(),
            "product_id": line.product_id,
            "product_name": line.name,
            "first_sale_id": first_sale_id,
            "second_sale_id": sale.id,
            "second_outlet_id": sale.outlet_id,
            "message": format!(
                "serial number {} of {} was sold in sale {first_sale_id} and again in sale {}",
                serial.trim(), line.name, sale.id
            ),
        }),
    )
}

fn invalid(sale: &Sale, line: &SaleLine, serial: &str, e: &SerialError) -> (&'static str, serde_json::Value) {
    (
        "serial_invalid",
        serde_json::json!({
            "serial": serial,
            "product_id": line.product_id,
            "sale_id": sale.id,
            "error": e.code(),
            "message": e.to_string(),
        }),
    )
}
