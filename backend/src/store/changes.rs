//! The change log devices pull (`shared::sync::changes`), read from the `changes` table that the
//! triggers of migration 0009 keep: one row per entity with the version of its latest change. A page
//! is read in one read transaction (one snapshot), so the states it carries are those of its versions
//! and `next` on the last page is the snapshot's version. The stock digest at a version is the current
//! levels minus the movements numbered after it.

use crate::store::change_page::{assemble, bound, live_ids, live_pairs, LogRow, States};
use super::sqlite::SqliteStore;
use shared::catalog::{Outlet, Product, Register};
use shared::limits::MAX_VERSION;
use shared::stock::StockLevel;
use shared::sync::changes::{ChangePage, EntityKind, RecentSale, StockDigest, Version};
use shared::Money;
use sqlx::{Row, SqliteConnection};
use std::collections::HashMap;

/// Most movements the digest route subtracts from the current levels to go back to an older version;
/// beyond it the answer is `not_available` (pull, then ask at the new cursor).
pub const MAX_DIGEST_SPAN: i64 = 100_000;

/// Why the server does not give a digest at the version asked.
#[derive(Debug, PartialEq, Eq)]
pub enum DigestRefusal {
    /// The server has not reached that version (restored from a backup? another server?).
    Ahead { head: Version },
    /// Going back to it would subtract more than [`MAX_DIGEST_SPAN`] movements.
    TooOld { head: Version, movements_after: i64 },
}

/// A cursor the server cannot continue from.
#[derive(Debug, PartialEq, Eq)]
pub struct CursorAhead {
    pub head: Version,
}

/// The SQL scope of a caller: shop-wide rows, and rows of `outlets` (`None`: every outlet, an admin).
const SCOPE: &str = "(?2 IS NULL OR outlet_id = '' OR outlet_id IN (SELECT value FROM json_each(?2)))";

/// The newest committed version.
pub(crate) async fn head(conn: &mut SqliteConnection) -> anyhow::Result<Version> {
    let v: i64 = sqlx::query_scalar("SELECT version FROM change_counter WHERE id = 1").fetch_one(conn).await?;
    Ok(u64::try_from(v)?)
}

fn ids_json<'a>(ids: impl Iterator<Item = &'a str>) -> String {
    serde_json::Value::Array(ids.map(|s| serde_json::Value::String(s.into())).collect()).to_string()
}

fn pairs_json<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)>) -> String {
    serde_json::Value::Array(pairs.map(|(a, b)| serde_json::json!([a, b])).collect()).to_string()
}

/// Current stock levels of (product, outlet) pairs, from the maintained `stock_levels` (never a sum over
/// the ledger).
async fn stock_levels_of(conn: &mut SqliteConnection, pairs: &[(&str, &str)]) -> anyhow::Result<HashMap<(String, String), i64>> {
    let rows = sqlx::query(
        "SELECT product_id, outlet_id, qty AS level FROM stock_levels
         WHERE (product_id, outlet_id) IN (SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?))",
    )
    .bind(pairs_json(pairs.iter().copied()))
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(|r| ((r.get("product_id"), r.get("outlet_id")), r.get("level"))).collect())
}

/// Current levels of every product at `outlet_id` (see [`stock_levels_of`]).
async fn outlet_levels(conn: &mut SqliteConnection, outlet_id: &str) -> anyhow::Result<HashMap<String, i64>> {
    let rows = sqlx::query("SELECT product_id, qty AS level FROM stock_levels WHERE outlet_id = ?")
        .bind(outlet_id)
        .fetch_all(conn)
        .await?;
    Ok(rows.into_iter().map(|r| (r.get("product_id"), r.get("level"))).collect())
}

async fn load_products(conn: &mut SqliteConnection, ids: &[&str]) -> anyhow::Result<HashMap<String, Product>> {
    let sql = format!("SELECT {} FROM products WHERE id IN (SELECT value FROM json_each(?))", super::products::PRODUCT_COLS);
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(ids_json(ids.iter().copied())).fetch_all(conn).await?;
    Ok(rows
        .iter()
        .map(|r| {
            let p = super::products::product_of(r);
            (p.id.clone(), p)
        })
        .collect())
}

async fn load_serials(conn: &mut SqliteConnection, keys: &[(&str, &str)]) -> anyhow::Result<HashMap<(String, String), shared::stock::SerialNumber>> {
    let rows = sqlx::query(
        "SELECT product_id, serial, outlet_id, sold_sale_id, sold_at_ms, returned_sale_id, returned_original_sale_id, returned_at_ms
         FROM serials
         WHERE (product_id, serial) IN (SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?))",
    )
    .bind(pairs_json(keys.iter().copied()))
    .fetch_all(conn)
    .await?;
    Ok(rows
        .iter()
        .map(|r| {
            let s = super::serials::serial_from_row(r);
            ((s.product_id.clone(), s.serial.clone()), s)
        })
        .collect())
}

async fn load_sales(conn: &mut SqliteConnection, ids: &[&str]) -> anyhow::Result<HashMap<String, RecentSale>> {
    let rows = sqlx::query(
        "SELECT s.id, s.receipt, s.register_id, s.outlet_id, s.customer_id, s.created_at_ms, s.received_at_ms, s.total_cents,
                (SELECT COUNT(*) FROM sale_lines l WHERE l.sale_id = s.id) AS lines
         FROM sales s WHERE s.id IN (SELECT value FROM json_each(?))",
    )
    .bind(ids_json(ids.iter().copied()))
    .fetch_all(conn)
    .await?;
    rows.into_iter()
        .map(|r| {
            let s = RecentSale {
                id: r.get("id"),
                receipt: r.get("receipt"),
                register_id: r.get("register_id"),
                outlet_id: r.get("outlet_id"),
                customer_id: r.get("customer_id"),
                created_at_ms: r.get("created_at_ms"),
                received_at_ms: r.get("received_at_ms"),
                total: Money(r.get("total_cents")),
                lines: u32::try_from(r.get::<i64, _>("lines"))?,
            };
            Ok((s.id.clone(), s))
        })
        .collect()
}

async fn load_outlets(conn: &mut SqliteConnection, ids: &[&str]) -> anyhow::Result<HashMap<String, Outlet>> {
    let sql = concat!("SELECT ", super::admin::outlet_columns!(), " FROM outlets WHERE id IN (SELECT value FROM json_each(?))");
    let rows = sqlx::query(sql).bind(ids_json(ids.iter().copied())).fetch_all(conn).await?;
    Ok(rows
        .iter()
        .map(|r| {
            let o = super::admin::outlet_of(r);
            (o.id.clone(), o)
        })
        .collect())
}

async fn load_registers(conn: &mut SqliteConnection, ids: &[&str]) -> anyhow::Result<HashMap<String, Register>> {
    let rows = sqlx::query("SELECT id, outlet_id, code, name FROM registers WHERE id IN (SELECT value FROM json_each(?))")
        .bind(ids_json(ids.iter().copied()))
        .fetch_all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let reg = Register { id: r.get("id"), outlet_id: r.get("outlet_id"), code: r.get("code"), name: r.get("name") };
            (reg.id.clone(), reg)
        })
        .collect())
}

impl SqliteStore {
    /// The newest committed version.
    pub async fn change_head(&self) -> anyhow::Result<Version> {
        head(&mut *self.pool().acquire().await?).await
    }

    /// The changes after `since` that `outlets` may see (`None`: all), at most `limit`, by version,
    /// each with its entity's current state. `Err(CursorAhead)` when `since` is beyond the newest version.
    pub async fn changes_page(
        &self,
        since: Version,
        limit: u32,
        outlets: Option<&[String]>,
    ) -> anyhow::Result<Result<ChangePage, CursorAhead>> {
        let outlets = outlets.map(serde_json::to_string).transpose()?;
        // One snapshot for the rows, their states and the head (a deferred transaction that only reads).
        let mut tx = self.pool().begin().await?;
        let head = head(&mut tx).await?;
        if since > head {
            return Ok(Err(CursorAhead { head }));
        }
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT kind, entity_id, sub_id, outlet_id, version, deleted FROM changes
             WHERE version > ?1 AND {SCOPE} ORDER BY version LIMIT ?3"
        )))
        .bind(i64::try_from(since)?)
        .bind(&outlets)
        .bind(i64::from(limit) + 1)
        .fetch_all(&mut *tx)
        .await?;
        let rows: Vec<LogRow> = rows
            .into_iter()
            .map(|r| {
                Ok(LogRow {
                    kind: r.get::<String, _>("kind").parse()?,
                    entity_id: r.get("entity_id"),
                    sub_id: r.get("sub_id"),
                    outlet_id: r.get("outlet_id"),
                    version: u64::try_from(r.get::<i64, _>("version"))?,
                    deleted: r.get("deleted"),
                })
            })
            .collect::<anyhow::Result<_>>()?;
        let (rows, more, next) = bound(rows, limit, since, head);
        let remaining = if more {
            let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM changes WHERE version > ?1 AND {SCOPE}")))
                .bind(i64::try_from(next)?)
                .bind(&outlets)
                .fetch_one(&mut *tx)
                .await?;
            u64::try_from(n)?
        } else {
            0
        };

        let mut states = States {
            products: load_products(&mut tx, &live_ids(&rows, EntityKind::Product)).await?,
            levels: stock_levels_of(&mut tx, &live_pairs(&rows, EntityKind::Stock)).await?,
            serials: load_serials(&mut tx, &live_pairs(&rows, EntityKind::Serial)).await?,
            sales: load_sales(&mut tx, &live_ids(&rows, EntityKind::Sale)).await?,
            outlets: load_outlets(&mut tx, &live_ids(&rows, EntityKind::Outlet)).await?,
            registers: load_registers(&mut tx, &live_ids(&rows, EntityKind::Register)).await?,
            customers: HashMap::new(),
            order_parts: crate::store::online_in::open_parts_of(&mut tx, &live_pairs(&rows, EntityKind::OrderPart)).await?,
            inbox_resolutions: crate::store::inbox::resolutions_by_id(&mut tx, &live_ids(&rows, EntityKind::InboxResolution)).await?,
        };
        tx.commit().await?;
        // Customers through the summary the customer routes answer (its own reads, just after the
        // snapshot: a state newer than its version is harmless, the next pull sends it again).
        for id in live_ids(&rows, EntityKind::Customer) {
            if let Some(c) = self.customer_summary(id).await? {
                states.customers.insert(id.to_string(), c);
            }
        }

        Ok(Ok(assemble(&rows, states, more, next, remaining)))
    }

    /// The digest of `outlet_id`'s stock levels as of `version`: the current levels minus the
    /// movements numbered after it, in one snapshot.
    /// With `detail`, the non-zero levels at `version` come too, by product.
    pub async fn stock_digest_at(&self, outlet_id: &str, version: Version, detail: bool) -> anyhow::Result<Result<StockDigest, DigestRefusal>> {
        debug_assert!(version <= MAX_VERSION);
        let mut tx = self.pool().begin().await?;
        let head = head(&mut tx).await?;
        if version > head {
            return Ok(Err(DigestRefusal::Ahead { head }));
        }
        let v = i64::try_from(version)?;
        let after: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM (SELECT 1 FROM stock_movements WHERE version > ? LIMIT ?)")
            .bind(v)
            .bind(MAX_DIGEST_SPAN + 1)
            .fetch_one(&mut *tx)
            .await?;
        if after > MAX_DIGEST_SPAN {
            return Ok(Err(DigestRefusal::TooOld { head, movements_after: after }));
        }
        let mut levels = outlet_levels(&mut tx, outlet_id).await?;
        let later = sqlx::query("SELECT product_id, SUM(delta) AS delta FROM stock_movements WHERE version > ? AND outlet_id = ? GROUP BY product_id")
            .bind(v)
            .bind(outlet_id)
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        for r in later {
            let product: String = r.get("product_id");
            let delta: i64 = r.get("delta");
            *levels.entry(product).or_default() -= delta;
        }
        let mut digest = StockDigest::of(outlet_id, version, levels.iter().map(|(p, q)| (p.as_str(), *q)));
        if detail {
            let mut at: Vec<StockLevel> = levels.iter().filter(|(_, q)| **q != 0).map(|(p, q)| StockLevel::new(p, outlet_id, *q)).collect();
            at.sort_by(|a, b| a.product_id.cmp(&b.product_id));
            digest.detail = Some(at);
        }
        Ok(Ok(digest))
    }
}
