//! The change log on PostgreSQL (mirrors `store/changes.rs`): the `changes` table the PL/pgSQL
//! triggers of migration 0003 keep. A page is read in one REPEATABLE READ snapshot; since the counter
//! row is locked from a writer's first change until its commit, versions are in commit order and the
//! snapshot's head is the newest version it sees whole. Stock levels come from `stock_levels`.

use super::PgStore;
use crate::store::{CursorAhead, DigestRefusal, MAX_DIGEST_SPAN};
use shared::catalog::{Outlet, Product, Register};
use shared::limits::MAX_VERSION;
use shared::stock::StockLevel;
use shared::sync::changes::{Change, ChangePage, Entity, EntityKind, EntityRef, RecentSale, StockDigest, Version};
use shared::tax::TaxRates;
use shared::Money;
use sqlx::{PgConnection, Row};
use std::collections::HashMap;

/// One row of `changes`.
struct LogRow {
    kind: EntityKind,
    entity_id: String,
    sub_id: String,
    outlet_id: String,
    version: Version,
    deleted: bool,
}

impl LogRow {
    fn key(&self) -> EntityRef {
        let id = self.entity_id.clone();
        match self.kind {
            EntityKind::Product => EntityRef::Product { id },
            EntityKind::Stock => EntityRef::Stock { product_id: id, outlet_id: self.outlet_id.clone() },
            EntityKind::Serial => EntityRef::Serial { product_id: id, serial: self.sub_id.clone() },
            EntityKind::Customer => EntityRef::Customer { id },
            EntityKind::Sale => EntityRef::Sale { id },
            EntityKind::Outlet => EntityRef::Outlet { id },
            EntityKind::Register => EntityRef::Register { id },
        }
    }
}

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
    let rows = sqlx::query(
        "SELECT id, sku, barcode, name, price_cents, tax_class, tracks_serials, low_stock_threshold, quick_key, loyalty_points
         FROM products WHERE id = ANY($1)",
    )
    .bind(ids)
    .fetch_all(conn)
    .await?;
    rows
        .into_iter()
        .map(|r| {
            let p = Product {
                id: r.get("id"),
                sku: r.get("sku"),
                barcode: r.get("barcode"),
                name: r.get("name"),
                price: Money(r.get("price_cents")),
                tax_class: crate::store::sqlite::parse_tax_class(r.get("tax_class")),
                tracks_serials: r.get("tracks_serials"),
                low_stock_threshold: r.get("low_stock_threshold"),
                quick_key: r.get("quick_key"),
                loyalty_points: super::u32_of(r.get("loyalty_points"))?,
            };
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
    let rows = sqlx::query("SELECT id, name, gst_ppm, qst_ppm, time_zone FROM outlets WHERE id = ANY($1)")
        .bind(ids)
        .fetch_all(conn)
        .await?;
    rows
        .into_iter()
        .map(|r| {
            let o = Outlet {
                id: r.get("id"),
                name: r.get("name"),
                tax_rates: TaxRates { gst_ppm: super::u32_of(r.get("gst_ppm"))?, qst_ppm: super::u32_of(r.get("qst_ppm"))? },
                time_zone: r.get("time_zone"),
            };
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
        let mut rows: Vec<LogRow> = rows
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
        let more = rows.len() > limit as usize;
        rows.truncate(limit as usize);
        let next = if more { rows.last().map_or(since, |r| r.version) } else { head };
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

        let live = |kind: EntityKind| rows.iter().filter(move |r| r.kind == kind && !r.deleted);
        let ids = |kind: EntityKind| live(kind).map(|r| r.entity_id.as_str()).collect::<Vec<_>>();
        let products = load_products(&mut tx, &ids(EntityKind::Product)).await?;
        let stock_keys: Vec<(&str, &str)> = live(EntityKind::Stock).map(|r| (r.entity_id.as_str(), r.outlet_id.as_str())).collect();
        let levels = stock_levels_of(&mut tx, &stock_keys).await?;
        let serial_keys: Vec<(&str, &str)> = live(EntityKind::Serial).map(|r| (r.entity_id.as_str(), r.sub_id.as_str())).collect();
        let serials = load_serials(&mut tx, &serial_keys).await?;
        let sales = load_sales(&mut tx, &ids(EntityKind::Sale)).await?;
        let outlets_ = load_outlets(&mut tx, &ids(EntityKind::Outlet)).await?;
        let registers = load_registers(&mut tx, &ids(EntityKind::Register)).await?;
        tx.commit().await?;
        // Customers through the summary the customer routes answer (its own reads, just after the
        // snapshot: a state newer than its version is harmless, the next pull sends it again).
        let mut customers = HashMap::new();
        for id in ids(EntityKind::Customer) {
            if let Some(c) = self.customer_summary(id).await? {
                customers.insert(id.to_string(), c);
            }
        }

        let mut changes = Vec::with_capacity(rows.len());
        let (mut products, mut serials, mut sales, mut outlets_, mut registers) = (products, serials, sales, outlets_, registers);
        for r in &rows {
            let gone = || Entity::Deleted { of: r.key() };
            let entity = if r.deleted {
                gone()
            } else {
                match r.kind {
                    EntityKind::Product => products.remove(&r.entity_id).map(Entity::Product),
                    EntityKind::Stock => {
                        let level = levels.get(&(r.entity_id.clone(), r.outlet_id.clone())).copied().unwrap_or(0);
                        Some(Entity::Stock(StockLevel::new(&r.entity_id, &r.outlet_id, level)))
                    }
                    EntityKind::Serial => serials.remove(&(r.entity_id.clone(), r.sub_id.clone())).map(Entity::Serial),
                    EntityKind::Customer => customers.remove(&r.entity_id).map(Entity::Customer),
                    EntityKind::Sale => sales.remove(&r.entity_id).map(Entity::Sale),
                    EntityKind::Outlet => outlets_.remove(&r.entity_id).map(Entity::Outlet),
                    EntityKind::Register => registers.remove(&r.entity_id).map(Entity::Register),
                }
                .unwrap_or_else(gone)
            };
            changes.push(Change { version: r.version, entity });
        }
        Ok(Ok(ChangePage { changes, next, more, remaining }))
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
