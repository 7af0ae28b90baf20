//! Sales history, measured (printed, not asserted): a page of `GET /sales/history` (50 sales, through
//! the in-process router as an admin) over 100 000 stored sales — a year of two outlets, three cashiers,
//! one sale in ten for a customer, one in a hundred returned — for each filter, first page and a page
//! 40 pages deep (by cursor). Median and max of 15 runs each, on SQLite and, when reachable, on
//! PostgreSQL (`COMPTOIR_BENCH_PG_URL`, default `postgres://postgres@127.0.0.1:5432/postgres`; a fresh
//! database, dropped after).
//!
//! The sales are written straight into `sales` and `sale_returns` (what the history reads; on PostgreSQL
//! with the change log's triggers off for the load), not pushed:
//! pushing 100 000 sales would measure the push, not the history.
//!
//! `cargo bench -p comptoir-backend --bench sales_history` (`HISTORY_BENCH_SALES` to change the size,
//! `HISTORY_BENCH_STORES=sqlite` or `postgres` for one store only).

use axum::body::Body;
use axum::http::Request;
use axum::Router;
use backend::store::{PgStore, SqliteStore};
use backend::AppState;
use http_body_util::BodyExt;
use shared::sale::{receipt_number, Cart, Sale, SaleLine, Tender, TenderKind};
use shared::tax::TaxRates;
use sqlx::{Connection, QueryBuilder};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tower::ServiceExt;

const DAY_MS: i64 = 86_400_000;
/// 2026-01-01T12:00:00Z.
const START_MS: i64 = 1_767_268_800_000;

struct Row {
    sale: Sale,
    body: String,
    returns: Option<String>,
}

fn rows(n: usize) -> Vec<Row> {
    let cart = Cart { lines: vec![SaleLine { product_id: "hat".into(), sku: "HAT".into(), name: "Tuque".into(), qty: 1, unit_price: shared::Money(2_500), ..SaleLine::default() }], ..Cart::default() };
    let totals = cart.totals(&TaxRates::QUEBEC).unwrap();
    (0..n)
        .map(|i| {
            let laval = i % 3 == 2;
            let (outlet, register, code, cashier) = if laval { ("laval", "laval-1", "LAV1", "marc") } else if i % 3 == 0 { ("montreal", "montreal-1", "MTL1", "julie") } else { ("montreal", "montreal-1", "MTL1", "sophie") };
            let seq = i as u64 + 1;
            let sale = Sale {
                id: format!("h-{seq:07}"),
                device_id: format!("bench-{outlet}"),
                register_id: register.into(),
                outlet_id: outlet.into(),
                seq,
                receipt: receipt_number(code, if laval { 2 } else { 1 }, seq),
                // A year, evenly: about 274 sales a day.
                created_at_ms: START_MS + (i as i64) * (365 * DAY_MS / n as i64),
                lines: cart.lines.clone(),
                totals: totals.clone(),
                tenders: vec![Tender::exact(TenderKind::Card, totals.total)],
                customer_id: (i % 10 == 0).then(|| if i % 20 == 0 { "c-gagnon".to_string() } else { "c-tremblay".to_string() }),
                cashier_id: cashier.into(),
                ..Sale::default()
            };
            // Every hundredth sale returns the one before it.
            let returns = (i % 100 == 99).then(|| format!("h-{:07}", seq - 1));
            let body = serde_json::to_string(&sale).unwrap();
            Row { sale, body, returns }
        })
        .collect()
}

async fn fill<DB: sqlx::Database>(pool: &sqlx::Pool<DB>, rows: &[Row], before: &str)
where
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'a> i64: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    for<'a> String: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    for<'a> Option<String>: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    <DB as sqlx::Database>::Arguments: Default + sqlx::IntoArguments<DB>,
{
    let mut conn = pool.acquire().await.unwrap();
    let mut tx = conn.begin().await.unwrap();
    if !before.is_empty() {
        sqlx::raw_sql(sqlx::AssertSqlSafe(before.to_string())).execute(&mut *tx).await.unwrap();
    }
    for chunk in rows.chunks(1000) {
        let mut q = QueryBuilder::<DB>::new(
            "INSERT INTO sales (id, device_id, seq, register_id, outlet_id, receipt, created_at_ms, received_at_ms, subtotal_cents, total_cents, body, customer_id) ",
        );
        q.push_values(chunk, |mut b, r| {
            let s = &r.sale;
            b.push_bind(s.id.clone())
                .push_bind(s.device_id.clone())
                .push_bind(s.seq as i64)
                .push_bind(s.register_id.clone())
                .push_bind(s.outlet_id.clone())
                .push_bind(s.receipt.clone())
                .push_bind(s.created_at_ms)
                .push_bind(s.created_at_ms + 1_000)
                .push_bind(s.totals.subtotal.as_cents())
                .push_bind(s.totals.total.as_cents())
                .push_bind(r.body.clone())
                .push_bind(s.customer_id.clone());
        });
        q.build().execute(&mut *tx).await.unwrap();
        let returns: Vec<&Row> = chunk.iter().filter(|r| r.returns.is_some()).collect();
        if !returns.is_empty() {
            let mut q = QueryBuilder::<DB>::new("INSERT INTO sale_returns (original_sale_id, return_sale_id) ");
            q.push_values(returns, |mut b, r| {
                b.push_bind(r.returns.clone().unwrap()).push_bind(r.sale.id.clone());
            });
            q.build().execute(&mut *tx).await.unwrap();
        }
    }
    tx.commit().await.unwrap();
}

async fn token(router: &Router) -> String {
    let req = Request::post("/api/v1/auth/token")
        .header("content-type", "application/json")
        .body(Body::from(r#"{"email":"admin@demo.comptoir","password":"demo-admin-2026"}"#))
        .unwrap();
    let resp = router.clone().oneshot(req).await.unwrap();
    let body: serde_json::Value = serde_json::from_slice(&resp.into_body().collect().await.unwrap().to_bytes()).unwrap();
    format!("Bearer {}", body["token"].as_str().unwrap())
}

/// One page: its time, how many sales, the next cursor.
async fn page(router: &Router, auth: &str, query: &str) -> (Duration, usize, Option<String>) {
    let t = Instant::now();
    let req = Request::get(format!("/api/v1/sales/history?limit=50{query}")).header("authorization", auth).body(Body::empty()).unwrap();
    let resp = router.clone().oneshot(req).await.unwrap();
    assert_eq!(resp.status(), 200, "{query}");
    let next = resp.headers().get("x-next-cursor").map(|v| v.to_str().unwrap().to_string());
    let body: Vec<serde_json::Value> = serde_json::from_slice(&resp.into_body().collect().await.unwrap().to_bytes()).unwrap();
    (t.elapsed(), body.len(), next)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

async fn measure(label: &str, router: &Router) {
    let auth = token(router).await;
    let day = "2026-06-15";
    let filters = [
        ("none", String::new()),
        ("outlet", "&outlet=montreal".to_string()),
        ("register", "&register=laval-1".to_string()),
        ("cashier", "&cashier=sophie".to_string()),
        ("customer", "&customer=c-gagnon".to_string()),
        ("one day at an outlet", format!("&outlet=montreal&from={day}&to={day}")),
        ("status returned", "&status=returned".to_string()),
        ("status completed", "&status=completed".to_string()),
        ("receipt", "&receipt=MTL1-1-050002".to_string()),
    ];
    println!("sales history on {label}: a page of 50, median / max of 15 runs (ms)");
    for (name, query) in filters {
        let mut first = Vec::new();
        let (mut deep, mut count) = (Vec::new(), 0);
        for _ in 0..15 {
            let (t, n, _) = page(router, &auth, &query).await;
            first.push(t);
            count = n;
        }
        // 40 pages deep by cursor, then the timed page.
        let mut cursor = None;
        let mut depth = 0;
        for _ in 0..40 {
            let q = match &cursor { Some(c) => format!("{query}&cursor={c}"), None => query.clone() };
            let (_, _, next) = page(router, &auth, &q).await;
            if next.is_none() {
                break;
            }
            cursor = next;
            depth += 1;
        }
        if let Some(c) = &cursor {
            for _ in 0..15 {
                deep.push(page(router, &auth, &format!("{query}&cursor={c}")).await.0);
            }
        }
        first.sort();
        deep.sort();
        let deep_text = if deep.is_empty() { "—".to_string() } else { format!("{:.2} / {:.2} (page {})", ms(deep[deep.len() / 2]), ms(deep[deep.len() - 1]), depth + 1) };
        println!("  {name:<22} {n:>3} sales  first page {:.2} / {:.2}   deep page {deep_text}", ms(first[first.len() / 2]), ms(first[first.len() - 1]), n = count);
    }
}

async fn sqlite(rows: &[Row]) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::connect(&format!("sqlite://{}", dir.path().join("bench.sqlite").display())).await.unwrap();
    store.load_shop(&backend::demo::demo_shop()).await.unwrap();
    let t = Instant::now();
    fill(store.pool(), rows, "").await;
    sqlx::query("ANALYZE").execute(store.pool()).await.unwrap();
    println!("SQLite: {} sales written in {:.1} s", rows.len(), t.elapsed().as_secs_f64());
    let router = backend::api(AppState::new(Arc::new(store)));
    measure("SQLite", &router).await;
}

async fn postgres(rows: &[Row]) -> anyhow::Result<()> {
    let admin_url = std::env::var("COMPTOIR_BENCH_PG_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    match tokio::time::timeout(Duration::from_secs(5), sqlx::PgConnection::connect(&admin_url)).await {
        Ok(Ok(c)) => c.close().await?,
        Ok(Err(e)) => {
            println!("sales history on PostgreSQL: skipped ({admin_url} unreachable: {e})");
            return Ok(());
        }
        Err(_) => {
            println!("sales history on PostgreSQL: skipped ({admin_url} did not answer in 5 s)");
            return Ok(());
        }
    }
    let base = admin_url.rsplit_once('/').map_or(admin_url.as_str(), |(b, _)| b).to_string();
    let name = format!("comptoir_bench_history_{}", std::process::id());
    let store = PgStore::connect(&format!("{base}/{name}")).await?;
    store.load_shop(&backend::demo::demo_shop()).await?;
    let t = Instant::now();
    // The change log's triggers off for the load (the history does not read the log; the per-sale
    // trimming of its `sale` rows would make the load, not the reads, the bench).
    fill(store.pool(), rows, "SET LOCAL session_replication_role = replica").await;
    sqlx::query("ANALYZE").execute(store.pool()).await?;
    println!("PostgreSQL: {} sales written in {:.1} s", rows.len(), t.elapsed().as_secs_f64());
    let pool = store.pool().clone();
    let router = backend::api(AppState::new(Arc::new(store)));
    measure("PostgreSQL", &router).await;
    pool.close().await;
    let mut admin = sqlx::PgConnection::connect(&admin_url).await?;
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))).execute(&mut admin).await?;
    Ok(())
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let n = std::env::var("HISTORY_BENCH_SALES").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    let stores = std::env::var("HISTORY_BENCH_STORES").unwrap_or_else(|_| "sqlite,postgres".into());
    let rows = rows(n);
    if stores.contains("sqlite") {
        sqlite(&rows).await;
    }
    if stores.contains("postgres") {
        postgres(&rows).await.unwrap();
    }
}
