//! SQLite store: one file, WAL journal, full fsync on commit (a paid sale must survive a power cut).

use super::now_ms;
use super::page::Page;
use shared::catalog::{Customer, Product, Register};
use shared::stock::{Movement, MovementReason, StockLevel};
use shared::sync::{CatalogPage, Setup, StoredSale};
use shared::tax::{TaxClass, TaxRates};

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, SqlitePool};
use std::collections::HashSet;
use std::str::FromStr;

/// Where a sale stands in the sales history: arrival, register, sequence, id.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SalesKey(pub i64, pub String, pub i64, pub String);

#[derive(Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    /// Pushed sales take SQLite's one write lock in arrival order, one sale at a time. SQLite's own busy
    /// handler retries after sleeps and is not fair: three devices pushing large outboxes starved a
    /// one-sale push for seconds (`benches/push_lock.rs`). Tokio's mutex queues waiters first come, first
    /// served, so a push waits at most for the sales queued before it, never behind a whole large push.
    writer: std::sync::Arc<tokio::sync::Mutex<()>>,
    /// Seals connected stores' credentials (`crate::secrets`).
    secrets: crate::secrets::SecretKey,
}

impl SqliteStore {
    /// Opens (creating the file and its folder if needed) and migrates; the secret key from the
    /// environment or the database's folder.
    pub async fn connect(url: &str) -> anyhow::Result<SqliteStore> {
        Self::connect_with_key(url, crate::secrets::load_key(url)?).await
    }

    /// Opens and migrates; refuses a key other than the one the database's credentials are sealed with.
    pub async fn connect_with_key(url: &str, secrets: crate::secrets::SecretKey) -> anyhow::Result<SqliteStore> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(std::time::Duration::from_secs(10));
        if let Some(parent) = options.get_filename().parent() {
            if !parent.as_os_str().is_empty() {
                std::fs::create_dir_all(parent)?;
            }
        }
        let pool = SqlitePoolOptions::new().max_connections(4).connect_with(options).await?;
        sqlx::migrate!("./migrations/sqlite").run(&pool).await?;
        super::customers::fill_customer_figures(&pool).await?;
        let store = SqliteStore { pool, writer: Default::default(), secrets };
        store.seal_credentials().await?;
        Ok(store)
    }

    pub(crate) fn secrets(&self) -> &crate::secrets::SecretKey {
        &self.secrets
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Waits for this process's turn to write (see `writer`).
    pub(crate) async fn write_turn(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.writer.lock().await
    }

    pub async fn is_empty(&self) -> anyhow::Result<bool> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outlets").fetch_one(&self.pool).await?;
        Ok(n == 0)
    }

    /// Loads a whole shop (outlets in priority order, registers, products, customers, opening stock) in one transaction.
    pub async fn load_shop(&self, shop: &crate::demo::Shop) -> anyhow::Result<()> {
        let mut tx = self.pool.begin().await?;
        let now = now_ms();
        for (priority, o) in shop.outlets.iter().enumerate() {
            crate::time_zone::lookup(&o.time_zone)?;
            sqlx::query("INSERT INTO outlets (id, name, priority, gst_ppm, qst_ppm, time_zone, gst_number, qst_number) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
                .bind(&o.id)
                .bind(&o.name)
                .bind(priority as i64)
                .bind(o.tax_rates.gst_ppm)
                .bind(o.tax_rates.qst_ppm)
                .bind(&o.time_zone)
                .bind(&o.gst_number)
                .bind(&o.qst_number)
                .execute(&mut *tx)
                .await?;
        }
        for r in &shop.registers {
            sqlx::query("INSERT INTO registers (id, outlet_id, code, name) VALUES (?, ?, ?, ?)")
                .bind(&r.id)
                .bind(&r.outlet_id)
                .bind(&r.code)
                .bind(&r.name)
                .execute(&mut *tx)
                .await?;
        }
        for p in &shop.products {
            sqlx::query(
                "INSERT INTO products (id, sku, barcode, name, price_cents, tax_class, tracks_serials, low_stock_threshold,
                                       quick_key, quick_key_position, loyalty_points)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
            .bind(p.quick_key_position.map(i64::from))
            .bind(p.loyalty_points)
            .execute(&mut *tx)
            .await?;
            sqlx::query("INSERT INTO price_history (product_id, from_ms, price_cents) VALUES (?, 0, ?)")
                .bind(&p.id)
                .bind(p.price.as_cents())
                .execute(&mut *tx)
                .await?;
        }
        for c in &shop.customers {
            sqlx::query("INSERT INTO customers (id, name, email) VALUES (?, ?, ?)")
                .bind(&c.id)
                .bind(&c.name)
                .bind(&c.email)
                .execute(&mut *tx)
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
        super::push::write_movements(&mut tx, &opening, &levels).await?;
        sqlx::query("INSERT OR REPLACE INTO meta (key, value) VALUES ('catalog_version', ?)")
            .bind(now.to_string())
            .execute(&mut *tx)
            .await?;
        super::customers::load_accounts(&mut tx, shop).await?;
        for s in &shop.staff {
            super::auth::insert_staff(&mut tx, s).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn setup(&self) -> anyhow::Result<Setup> {
        let outlets = sqlx::query(concat!("SELECT ", super::admin::outlet_columns!(), " FROM outlets ORDER BY priority"))
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(super::admin::outlet_of)
            .collect();
        let registers = sqlx::query("SELECT r.id, r.outlet_id, r.code, r.name FROM registers r JOIN outlets o ON o.id = r.outlet_id ORDER BY o.priority, r.code")
            .fetch_all(&self.pool)
            .await?
            .into_iter()
            .map(|r| Register { id: r.get("id"), outlet_id: r.get("outlet_id"), code: r.get("code"), name: r.get("name") })
            .collect();
        let catalog_version: Option<String> =
            sqlx::query_scalar("SELECT value FROM meta WHERE key = 'catalog_version'").fetch_optional(&self.pool).await?;
        Ok(Setup {
            outlets,
            registers,
            catalog_version: catalog_version.and_then(|v| v.parse().ok()).unwrap_or(0),
        })
    }

    pub async fn catalog_page(&self, after: Option<&str>, limit: u32) -> anyhow::Result<CatalogPage> {
        let sql = format!("SELECT {} FROM products WHERE id > ? ORDER BY id LIMIT ?", super::products::PRODUCT_COLS);
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(after.unwrap_or("")).bind(i64::from(limit) + 1).fetch_all(&self.pool).await?;
        let mut products: Vec<Product> = rows.iter().map(super::products::product_of).collect();
        let next_after = if products.len() > limit as usize {
            products.truncate(limit as usize);
            products.last().map(|p| p.id.clone())
        } else {
            None
        };
        Ok(CatalogPage { products, next_after })
    }

    /// The IANA time zone of `outlet_id`, or of the first outlet (by priority) when `None`: the shop's
    /// home zone. `None` when there is no such outlet.
    pub async fn outlet_time_zone(&self, outlet_id: Option<&str>) -> anyhow::Result<Option<String>> {
        let row = match outlet_id {
            Some(id) => sqlx::query_scalar("SELECT time_zone FROM outlets WHERE id = ?").bind(id).fetch_optional(&self.pool).await?,
            None => sqlx::query_scalar("SELECT time_zone FROM outlets ORDER BY priority LIMIT 1").fetch_optional(&self.pool).await?,
        };
        Ok(row)
    }

    pub async fn register(&self, id: &str) -> anyhow::Result<Option<(Register, TaxRates)>> {
        let row = sqlx::query(
            "SELECT r.id, r.outlet_id, r.code, r.name, o.gst_ppm, o.qst_ppm
             FROM registers r JOIN outlets o ON o.id = r.outlet_id WHERE r.id = ?",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| {
            (
                Register { id: r.get("id"), outlet_id: r.get("outlet_id"), code: r.get("code"), name: r.get("name") },
                TaxRates { gst_ppm: r.get("gst_ppm"), qst_ppm: r.get("qst_ppm") },
            )
        }))
    }

    /// Which of `ids` are in the catalog.
    pub async fn known_products(&self, ids: &HashSet<&str>) -> anyhow::Result<HashSet<String>> {
        let mut known = HashSet::with_capacity(ids.len());
        // One query per chunk keeps us under SQLite's bound-parameter limit.
        let ids: Vec<&str> = ids.iter().copied().collect();
        for chunk in ids.chunks(500) {
            let sql = format!("SELECT id FROM products WHERE id IN ({})", vec!["?"; chunk.len()].join(","));
            let mut q = sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(sql.as_str()));
            // Only placeholders are interpolated above: the ids are bound.
            for id in chunk {
                q = q.bind(*id);
            }
            known.extend(q.fetch_all(&self.pool).await?);
        }
        Ok(known)
    }

    /// The sales history, newest first (by arrival, then register, then sequence descending), at one of
    /// `outlets` (`None`: all), of one register if given, from after the `before` cursor's sale. Reads
    /// one page by index, however many sales there are.
    pub async fn list_sales(
        &self,
        limit: u32,
        register_id: Option<&str>,
        outlets: Option<&[String]>,
        before: Option<&SalesKey>,
    ) -> anyhow::Result<Page<StoredSale>> {
        let outlets = outlets.map(serde_json::to_string).transpose()?;
        let rows = sqlx::query(
            "SELECT body, received_at_ms, register_id, seq, id FROM sales
             WHERE (?1 IS NULL OR register_id = ?1)
               AND (?3 IS NULL OR outlet_id IN (SELECT value FROM json_each(?3)))
               AND received_at_ms <= ?8
               AND (?4 IS NULL OR received_at_ms < ?4 OR (received_at_ms = ?4 AND (register_id > ?5
                    OR (register_id = ?5 AND (seq < ?6 OR (seq = ?6 AND id > ?7))))))
             ORDER BY received_at_ms DESC, register_id, seq DESC, id LIMIT ?2",
        )
        .bind(register_id)
        .bind(i64::from(limit) + 1)
        .bind(outlets)
        .bind(before.map(|k| k.0))
        .bind(before.map(|k| k.1.as_str()))
        .bind(before.map(|k| k.2))
        .bind(before.map(|k| k.3.as_str()))
        // The cursor's arrival again, as a plain range: the index seeks to it instead of scanning from the newest.
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
        let rows = sqlx::query("SELECT product_id, qty FROM stock_levels WHERE outlet_id = ? ORDER BY product_id")
            .bind(outlet_id)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.into_iter().map(|r| (r.get("product_id"), r.get("qty"))).collect())
    }

    pub async fn customers(&self) -> anyhow::Result<Vec<Customer>> {
        Ok(sqlx::query("SELECT id, name, email FROM customers ORDER BY name")
            .fetch_all(&self.pool)
            .await?
            .into_iter()
            .map(|r| Customer { id: r.get("id"), name: r.get("name"), email: r.get("email") })
            .collect())
    }
}

fn tax_class_str(c: TaxClass) -> &'static str {
    match c {
        TaxClass::Taxable => "taxable",
        TaxClass::GstOnly => "gst_only",
        TaxClass::ZeroRated => "zero_rated",
        TaxClass::Exempt => "exempt",
    }
}

pub(super) fn parse_tax_class(s: &str) -> TaxClass {
    match s {
        "gst_only" => TaxClass::GstOnly,
        "zero_rated" => TaxClass::ZeroRated,
        "exempt" => TaxClass::Exempt,
        _ => TaxClass::Taxable,
    }
}
