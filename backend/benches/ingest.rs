//! Push ingest against a raw insert of the same rows (issue 9, item 9). 10 000 sales of 3 lines each
//! (`COMPTOIR_BENCH_SALES` to change it) go through the store's real push path — one transaction per
//! sale: load what bears on it, `accept_sale`, `effects_of_sale`, write — and, into a second database
//! of the same kind with the same durability, as the rows a stored sale produces (the sale with its
//! body, its lines, its stock movements and levels, its audit entry) with plain prepared INSERTs, one
//! transaction per sale. Both run in the same process, in alternating blocks, so a busy machine
//! weighs on both alike. Prints both rates and their ratio (goal ≥ 0,7×); asserts nothing.
//!
//! `cargo bench -p comptoir-backend --bench ingest`
//!
//! The database is a parameter: each kind is a [`Target`]. SQLite, then PostgreSQL: two fresh databases
//! on the server `COMPTOIR_BENCH_PG_URL` names (default `postgres://postgres@127.0.0.1:5432/postgres`),
//! dropped at the end; skipped, with a line saying so, when it is unreachable.

use backend::store::{PgStore, SqliteStore};
use shared::catalog::Product;
use shared::sale::{receipt_number, Cart, Sale, SaleLine, Tender, TenderKind};
use shared::stock::movements_for_sale;
use shared::sync::{key_device, Device, PushStatus};
use shared::tax::TaxRates;
use std::time::{Duration, Instant};

const BLOCK: usize = 250;

/// One kind of database: a store to push through, and the same schema to insert raw rows into.
trait Target {
    fn name(&self) -> String;
    /// One sale through the store's push path (it must be stored).
    async fn push(&self, device: &Device, sale: &Sale) -> anyhow::Result<()>;
    /// The rows that sale produces, inserted as they are, in one transaction.
    async fn raw(&self, sale: &Sale) -> anyhow::Result<()>;
}

struct Sqlite {
    store: SqliteStore,
    raw: SqliteStore,
    _dir: tempfile::TempDir,
}

impl Sqlite {
    /// Two files with the demo shop, opened alike (WAL, `synchronous=FULL`).
    async fn open() -> anyhow::Result<Sqlite> {
        let dir = tempfile::tempdir()?;
        let open = |name: &str| {
            let url = format!("sqlite://{}", dir.path().join(name).display());
            async move { SqliteStore::connect(&url).await }
        };
        let (store, raw) = (open("store.sqlite").await?, open("raw.sqlite").await?);
        for s in [&store, &raw] {
            s.load_shop(&backend::demo::demo_shop()).await?;
        }
        Ok(Sqlite { store, raw, _dir: dir })
    }
}

impl Target for Sqlite {
    fn name(&self) -> String {
        "SQLite (WAL, synchronous=FULL)".into()
    }

    async fn push(&self, device: &Device, sale: &Sale) -> anyhow::Result<()> {
        let r = self.store.push_sale(device, Some(&sale.outlet_id), sale).await?;
        anyhow::ensure!(r.status == PushStatus::Stored, "sale {} not stored: {:?}", sale.id, r);
        Ok(())
    }

    async fn raw(&self, sale: &Sale) -> anyhow::Result<()> {
        let mut tx = self.raw.pool().begin_with("BEGIN IMMEDIATE").await?;
        let now = backend::store::now_ms();
        sqlx::query(
            "INSERT INTO sales (id, device_id, seq, register_id, outlet_id, receipt, created_at_ms, received_at_ms,
                                subtotal_cents, total_cents, body, customer_id)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&sale.id)
        .bind(key_device(sale))
        .bind(sale.seq as i64)
        .bind(&sale.register_id)
        .bind(&sale.outlet_id)
        .bind(&sale.receipt)
        .bind(sale.created_at_ms)
        .bind(now)
        .bind(sale.totals.subtotal.as_cents())
        .bind(sale.totals.total.as_cents())
        .bind(serde_json::to_string(sale)?)
        .bind(sale.customer_id.as_deref())
        .execute(&mut *tx)
        .await?;
        for (i, l) in sale.lines.iter().enumerate() {
            sqlx::query("INSERT INTO sale_lines (sale_id, line_no, product_id, qty, unit_price_cents) VALUES (?, ?, ?, ?, ?)")
                .bind(&sale.id)
                .bind(i as i64 + 1)
                .bind(&l.product_id)
                .bind(l.qty)
                .bind(l.unit_price.as_cents())
                .execute(&mut *tx)
                .await?;
        }
        for m in movements_for_sale(sale) {
            sqlx::query("INSERT INTO stock_movements (product_id, outlet_id, delta, reason, source_id, created_at_ms) VALUES (?, ?, ?, ?, ?, ?)")
                .bind(&m.product_id)
                .bind(&m.outlet_id)
                .bind(m.delta)
                .bind(m.reason.as_str())
                .bind(&m.source_id)
                .bind(m.created_at_ms)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO stock_levels (product_id, outlet_id, qty) VALUES (?, ?, ?)
                 ON CONFLICT (outlet_id, product_id) DO UPDATE SET qty = qty + excluded.qty",
            )
            .bind(&m.product_id)
            .bind(&m.outlet_id)
            .bind(m.delta)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query("INSERT INTO audit_log (at_ms, action, staff_id, device_id, outlet_id, subject, detail) VALUES (?, 'sale', ?, ?, ?, ?, ?)")
            .bind(now)
            .bind(&sale.cashier_id)
            .bind(&sale.device_id)
            .bind(&sale.outlet_id)
            .bind(&sale.id)
            .bind(format!("receipt {}, total {}", sale.receipt, sale.totals.total))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}

struct Postgres {
    store: PgStore,
    raw: PgStore,
    admin_url: String,
    names: [String; 2],
}

impl Postgres {
    /// Two fresh databases with the demo shop, or `None` when the server cannot be reached.
    async fn open() -> anyhow::Result<Option<Postgres>> {
        use sqlx::Connection;
        let admin_url = std::env::var("COMPTOIR_BENCH_PG_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
        match tokio::time::timeout(Duration::from_secs(5), sqlx::PgConnection::connect(&admin_url)).await {
            Ok(Ok(c)) => c.close().await?,
            Ok(Err(e)) => {
                println!("ingest on PostgreSQL: skipped ({admin_url} unreachable: {e})");
                return Ok(None);
            }
            Err(_) => {
                println!("ingest on PostgreSQL: skipped ({admin_url} did not answer in 5 s)");
                return Ok(None);
            }
        }
        let base = admin_url.rsplit_once('/').map_or(admin_url.as_str(), |(b, _)| b).to_string();
        let names = ["store", "raw"].map(|n| format!("comptoir_bench_ingest_{}_{n}", std::process::id()));
        let store = PgStore::connect(&format!("{base}/{}", names[0])).await?;
        let raw = PgStore::connect(&format!("{base}/{}", names[1])).await?;
        for s in [&store, &raw] {
            s.load_shop(&backend::demo::demo_shop()).await?;
        }
        Ok(Some(Postgres { store, raw, admin_url, names }))
    }

    async fn drop_databases(self) -> anyhow::Result<()> {
        use sqlx::Connection;
        self.store.pool().close().await;
        self.raw.pool().close().await;
        let mut admin = sqlx::PgConnection::connect(&self.admin_url).await?;
        for n in &self.names {
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS \"{n}\" WITH (FORCE)"))).execute(&mut admin).await?;
        }
        Ok(())
    }
}

impl Target for Postgres {
    fn name(&self) -> String {
        "PostgreSQL (READ COMMITTED, synchronous_commit as configured)".into()
    }

    async fn push(&self, device: &Device, sale: &Sale) -> anyhow::Result<()> {
        let r = self.store.push_sale(device, Some(&sale.outlet_id), sale).await?;
        anyhow::ensure!(r.status == PushStatus::Stored, "sale {} not stored: {:?}", sale.id, r);
        Ok(())
    }

    async fn raw(&self, sale: &Sale) -> anyhow::Result<()> {
        let mut tx = self.raw.pool().begin().await?;
        let now = backend::store::now_ms();
        sqlx::query(
            "INSERT INTO sales (id, device_id, seq, register_id, outlet_id, receipt, created_at_ms, received_at_ms,
                                subtotal_cents, total_cents, body, customer_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(&sale.id)
        .bind(key_device(sale))
        .bind(sale.seq as i64)
        .bind(&sale.register_id)
        .bind(&sale.outlet_id)
        .bind(&sale.receipt)
        .bind(sale.created_at_ms)
        .bind(now)
        .bind(sale.totals.subtotal.as_cents())
        .bind(sale.totals.total.as_cents())
        .bind(serde_json::to_string(sale)?)
        .bind(sale.customer_id.as_deref())
        .execute(&mut *tx)
        .await?;
        for (i, l) in sale.lines.iter().enumerate() {
            sqlx::query("INSERT INTO sale_lines (sale_id, line_no, product_id, qty, unit_price_cents) VALUES ($1, $2, $3, $4, $5)")
                .bind(&sale.id)
                .bind(i as i64 + 1)
                .bind(&l.product_id)
                .bind(l.qty)
                .bind(l.unit_price.as_cents())
                .execute(&mut *tx)
                .await?;
        }
        for m in movements_for_sale(sale) {
            sqlx::query("INSERT INTO stock_movements (product_id, outlet_id, delta, reason, source_id, created_at_ms) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(&m.product_id)
                .bind(&m.outlet_id)
                .bind(m.delta)
                .bind(m.reason.as_str())
                .bind(&m.source_id)
                .bind(m.created_at_ms)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO stock_levels (product_id, outlet_id, qty) VALUES ($1, $2, $3)
                 ON CONFLICT (outlet_id, product_id) DO UPDATE SET qty = stock_levels.qty + EXCLUDED.qty",
            )
            .bind(&m.product_id)
            .bind(&m.outlet_id)
            .bind(m.delta)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query("INSERT INTO audit_log (at_ms, action, staff_id, device_id, outlet_id, subject, detail) VALUES ($1, 'sale', $2, $3, $4, $5, $6)")
            .bind(now)
            .bind(&sale.cashier_id)
            .bind(&sale.device_id)
            .bind(&sale.outlet_id)
            .bind(&sale.id)
            .bind(format!("receipt {}, total {}", sale.receipt, sale.totals.total))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// A paid card sale of three different products at Montréal by `device`.
fn sale(device: &Device, seq: u64, products: &[Product]) -> Sale {
    let n = products.len();
    let pick = |k: usize| &products[(seq as usize * 3 + k) % n];
    let cart = Cart { lines: (0..3).map(|k| SaleLine::of(pick(k), 1 + k as i64)).collect(), ..Cart::default() };
    let totals = cart.totals(&TaxRates::QUEBEC).unwrap();
    Sale {
        id: format!("{}-{seq}", device.id),
        device_id: device.id.clone(),
        register_id: "montreal-1".into(),
        outlet_id: "montreal".into(),
        seq,
        receipt: receipt_number("MTL1", device.number, seq),
        created_at_ms: 1_790_000_000_000 + seq as i64,
        lines: cart.lines,
        tenders: vec![Tender::exact(TenderKind::Card, totals.total)],
        totals,
        cashier_id: "julie".into(),
        ..Sale::default()
    }
}

async fn run(target: &impl Target, products: &[Product], count: usize) -> anyhow::Result<()> {
    let device = Device { id: "bench".into(), number: 7 };
    let sales: Vec<Sale> = (1..=count as u64).map(|seq| sale(&device, seq, products)).collect();
    let (mut pushed, mut raw) = (Duration::ZERO, Duration::ZERO);
    for block in sales.chunks(BLOCK) {
        let started = Instant::now();
        for s in block {
            target.raw(s).await?;
        }
        raw += started.elapsed();
        let started = Instant::now();
        for s in block {
            target.push(&device, s).await?;
        }
        pushed += started.elapsed();
    }
    let rate = |d: Duration| count as f64 / d.as_secs_f64();
    println!("ingest on {}: {count} sales × 3 lines, one transaction per sale", target.name());
    println!("  raw INSERTs:     {:>8.0} sales/s ({:.3} ms per sale)", rate(raw), raw.as_secs_f64() * 1000.0 / count as f64);
    println!("  store push path: {:>8.0} sales/s ({:.3} ms per sale)", rate(pushed), pushed.as_secs_f64() * 1000.0 / count as f64);
    println!("  ratio push / raw: {:.2}× (goal ≥ 0,70×)", rate(pushed) / rate(raw));
    Ok(())
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let count: usize = std::env::var("COMPTOIR_BENCH_SALES").ok().and_then(|n| n.parse().ok()).unwrap_or(10_000);
    let sqlite = Sqlite::open().await?;
    let products: Vec<Product> =
        sqlite.store.catalog_page(None, 1000).await?.products.into_iter().filter(|p| !p.tracks_serials).collect();
    run(&sqlite, &products, count).await?;
    if let Some(pg) = Postgres::open().await? {
        let result = run(&pg, &products, count).await;
        pg.drop_databases().await?;
        result?;
    }
    Ok(())
}
