//! The change log on PostgreSQL (mirrors `store/changes.rs`): the `changes` table the PL/pgSQL
//! triggers of migration 0003 keep. A page is read in one REPEATABLE READ snapshot; since the counter
//! row is locked from a writer's first change until its commit, versions are in commit order and the
//! snapshot's head is the newest version it sees whole. Stock levels come from `stock_levels`.

use crate::store::change_page::{assemble, bound, live_ids, live_pairs, LogRow, States};
use super::PgStore;
use crate::store::{CursorAhead, DigestRefusal, MAX_DIGEST_SPAN};
use shared::catalog::{Outlet, Product, Register};
use shared::limits::MAX_VERSION;
use shared::stock::StockLevel;
use shared::sync::changes::{ChangePage, EntityKind, RecentSale, StockDigest, Version};
use shared::Money;
use sqlx::{PgConnection, Row};
use std::collections::HashMap;

/// The SQL scope of a caller: shop-wide rows, and rows of `outlets` (`None`: every outlet, an admin).
const SCOPE: &str = "($2::text[] IS NULL OR outlet_id = '' OR outlet_id = ANY($2))";

/// The newest committed version.
pub(crate) async fn head(conn: &mut PgConnection) -> anyhow::Result<Version> {
    let v: i64 = sqlx::query_scalar("SELECT version FROM change_counter WHERE id = 1").fetch_one(conn).await?;
    Ok(u64::try_from(v)?)
}

/// Current stock levels of (product, outlet) pairs, as maintained.
async fn stock_levels_of(conn: &mut PgConnection, pairs: &[(&str, &str)]) -> anyhow::Result<HashMap<(String, String), i64>> {
    let products: Vec<&str> = pairs.iter().map(|p| p.0).collect();
    let outlets: Vec<&str> = pairs.iter().map(|p| p.1).collect();
    let rows = sqlx::query(
        "SELECT l.product_id, l.outlet_id, l.qty FROM stock_levels l
         JOIN unnest($1::text[], $2::text[]) AS k(p, o) ON l.product_id = k.p AND l.outlet_id = k.o",
    )
    .bind(products)
    .bind(outlets)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(|r| ((r.get("product_id"), r.get("outlet_id")), r.get("qty"))).collect())
}

/// Current levels of every product at `outlet_id`.
async fn outlet_levels(conn: &mut PgConnection, outlet_id: &str) -> anyhow::Result<HashMap<String, i64>> {
    let rows = sqlx::query("SELECT product_id, qty FROM stock_levels WHERE outlet_id = $1").bind(outlet_id).fetch_all(conn).await?;
    Ok(rows.into_iter().map(|r| (r.get("product_id"), r.get("qty"))).collect())
}

async fn load_products(conn: &mut PgConnection, ids: &[&str]) -> anyhow::Result<HashMap<String, Product>> {
    let sql = format!("SELECT {} FROM products WHERE id = ANY($1)", crate::store::products::PRODUCT_COLS);
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(ids).fetch_all(conn).await?;
    rows
        .iter()
        .map(|r| {
            let p = super::products::product_of(r)?;
            Ok((p.id.clone(), p))
        })
        .collect()
}

async fn load_serials(conn: &mut PgConnection, keys: &[(&str, &str)]) -> anyhow::Result<HashMap<(String, String), shared::stock::SerialNumber>> {
    let rows = sqlx::query(
        "SELECT product_id, serial, outlet_id, sold_sale_id, sold_at_ms, returned_sale_id, returned_original_sale_id, returned_at_ms
         FROM serials s JOIN unnest($1::text[], $2::text[]) AS k(p, n) ON s.product_id = k.p AND s.serial = k.n",
    )
    .bind(keys.iter().map(|k| k.0).collect::<Vec<_>>())
    .bind(keys.iter().map(|k| k.1).collect::<Vec<_>>())
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

async fn load_sales(conn: &mut PgConnection, ids: &[&str]) -> anyhow::Result<HashMap<String, RecentSale>> {
    let rows = sqlx::query(
        "SELECT s.id, s.receipt, s.register_id, s.outlet_id, s.customer_id, s.created_at_ms, s.received_at_ms, s.total_cents,
                (SELECT COUNT(*) FROM sale_lines l WHERE l.sale_id = s.id) AS lines
         FROM sales s WHERE s.id = ANY($1)",
    )
    .bind(ids)
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

async fn load_outlets(conn: &mut PgConnection, ids: &[&str]) -> anyhow::Result<HashMap<String, Outlet>> {
    let sql = concat!("SELECT ", crate::store::admin::outlet_columns!(), " FROM outlets WHERE id = ANY($1)");
    let rows = sqlx::query(sql).bind(ids).fetch_all(conn).await?;
    rows
        .iter()
        .map(|r| {
            let o = super::admin::outlet_of(r)?;
            Ok((o.id.clone(), o))
        })
        .collect()
}

async fn load_registers(conn: &mut PgConnection, ids: &[&str]) -> anyhow::Result<HashMap<String, Register>> {
    let rows = sqlx::query("SELECT id, outlet_id, code, name FROM registers WHERE id = ANY($1)")
        .bind(ids)
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

impl PgStore {
    /// The newest committed version.
    pub async fn change_head(&self) -> anyhow::Result<Version> {
        head(&mut *self.pool.acquire().await?).await
    }

    /// The changes after `since` that `outlets` may see (`None`: all), at most `limit`, by version,
    /// each with its entity's current state. `Err(CursorAhead)` when `since` is beyond the newest version.
    pub async fn changes_page(
        &self,
        since: Version,
        limit: u32,
        outlets: Option<&[String]>,
    ) -> anyhow::Result<Result<ChangePage, CursorAhead>> {
        let outlets = outlets.map(<[String]>::to_vec);
        // One snapshot for the rows, their states and the head.
        let mut tx = self.pool.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY").await?;
        let head = head(&mut tx).await?;
        if since > head {
            return Ok(Err(CursorAhead { head }));
        }
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT kind, entity_id, sub_id, outlet_id, version, deleted FROM changes
             WHERE version > $1 AND {SCOPE} ORDER BY version LIMIT $3"
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
            let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM changes WHERE version > $1 AND {SCOPE}")))
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
            order_parts: super::online_in::open_parts_of(&mut tx, &live_pairs(&rows, EntityKind::OrderPart)).await?,
            inbox_resolutions: super::inbox::resolutions_by_id(&mut tx, &live_ids(&rows, EntityKind::InboxResolution)).await?,
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
        let mut tx = self.pool.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY").await?;
        let head = head(&mut tx).await?;
        if version > head {
            return Ok(Err(DigestRefusal::Ahead { head }));
        }
        let v = i64::try_from(version)?;
        let after: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM (SELECT 1 FROM stock_movements WHERE version > $1 LIMIT $2) AS later")
            .bind(v)
            .bind(MAX_DIGEST_SPAN + 1)
            .fetch_one(&mut *tx)
            .await?;
        if after > MAX_DIGEST_SPAN {
            return Ok(Err(DigestRefusal::TooOld { head, movements_after: after }));
        }
        let mut levels = outlet_levels(&mut tx, outlet_id).await?;
        let later = sqlx::query("SELECT product_id, SUM(delta)::BIGINT AS delta FROM stock_movements WHERE version > $1 AND outlet_id = $2 GROUP BY product_id")
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
