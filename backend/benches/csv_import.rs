//! CSV import and catalog search at catalog scale (issue 12, items 1 and 8). Through the API router
//! (in process, as the tests call it) on a real database: a file of 100,000 new products
//! (`COMPTOIR_BENCH_ROWS` to change it) is previewed (`dry_run=true`), imported (`dry_run=false`, one
//! transaction), imported again (every row unchanged), exported; then searches of the 100,000-product
//! catalog (`GET /products`) are timed. Prints rows/s and milliseconds; asserts only that each answer
//! is the one expected.
//!
//! `cargo bench -p comptoir-backend --bench csv_import`
//!
//! SQLite (a temporary file), then PostgreSQL: a fresh database on the server `COMPTOIR_BENCH_PG_URL`
//! names (default `postgres://postgres@127.0.0.1:5432/postgres`), dropped at the end; skipped, with a
//! line saying so, when it is unreachable.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use std::time::{Duration, Instant};
use tower::ServiceExt;

struct Api {
    router: Router,
    token: String,
}

impl Api {
    async fn open(url: &str) -> anyhow::Result<Api> {
        let store = backend::store::connect(url).await?;
        store.load_shop(&backend::demo::demo_shop()).await?;
        let router = backend::api(backend::AppState::new(store));
        let mut api = Api { router, token: String::new() };
        let body = r#"{"email":"admin@demo.comptoir","password":"demo-admin-2026"}"#;
        let (status, bytes) = api.call("POST", "/api/v1/auth/token", "application/json", body.as_bytes().to_vec()).await?;
        anyhow::ensure!(status == StatusCode::OK, "sign-in: {status}");
        api.token = serde_json::from_slice::<serde_json::Value>(&bytes)?["token"].as_str().unwrap_or_default().to_string();
        Ok(api)
    }

    async fn call(&self, method: &str, uri: &str, content_type: &str, body: Vec<u8>) -> anyhow::Result<(StatusCode, bytes::Bytes)> {
        let mut req = Request::builder().method(method).uri(uri).header("authorization", format!("Bearer {}", self.token));
        if !body.is_empty() {
            req = req.header("content-type", content_type);
        }
        let resp = self.router.clone().oneshot(req.body(Body::from(body))?).await?;
        let status = resp.status();
        Ok((status, resp.into_body().collect().await?.to_bytes()))
    }

    async fn import(&self, csv: &[u8], dry_run: bool) -> anyhow::Result<serde_json::Value> {
        let (status, bytes) = self.call("POST", &format!("/api/v1/import/products?dry_run={dry_run}"), "text/csv", csv.to_vec()).await?;
        let report: serde_json::Value = serde_json::from_slice(&bytes)?;
        anyhow::ensure!(status == StatusCode::OK, "import: {status} {}", report.to_string().chars().take(400).collect::<String>());
        Ok(report)
    }
}

/// `rows` new products, each with its own SKU and a valid EAN-13; names spread over a few words.
fn file(rows: usize) -> Vec<u8> {
    let words = ["Café", "Thé", "Chocolat", "Biscuit", "Savon", "Chandelle", "Carnet", "Crayon", "Tasse", "Bougie"];
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["id", "sku", "barcode", "name", "price", "tax_class", "tracks_serials", "low_stock_threshold", "quick_key", "loyalty_points"]).unwrap();
    for i in 0..rows {
        let barcode = shared::barcode::ean13(&format!("079{i:09}")).unwrap();
        let name = format!("{} {} n° {i}", words[i % words.len()], words[(i / 10) % words.len()]);
        let price = format!("{}.{:02}", 1 + i % 200, i % 100);
        let threshold = if i % 5 == 0 { "3".to_string() } else { String::new() };
        w.write_record([
            format!("bench-{i:06}"),
            format!("BEN-{i:06}"),
            barcode,
            name,
            price,
            if i % 4 == 0 { "zero_rated".into() } else { "taxable".into() },
            (i % 50 == 0).to_string(),
            threshold,
            "false".into(),
            (i % 20).to_string(),
        ])
        .unwrap();
    }
    w.into_inner().unwrap()
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

async fn run(name: &str, url: &str, rows: usize) -> anyhow::Result<()> {
    println!("\n== {name}: {rows} product rows ==");
    let api = Api::open(url).await?;
    let csv = file(rows);
    println!("file: {:.1} MB", csv.len() as f64 / 1e6);

    let t = Instant::now();
    let report = api.import(&csv, true).await?;
    let d = t.elapsed();
    anyhow::ensure!(report["creates"].as_u64() == Some(rows as u64), "preview: {}", report["creates"]);
    println!("preview (dry_run=true):      {:>10}  {:>9.0} rows/s", ms(d), rows as f64 / d.as_secs_f64());

    let t = Instant::now();
    let report = api.import(&csv, false).await?;
    let d = t.elapsed();
    anyhow::ensure!(report["applied"] == true && report["creates"].as_u64() == Some(rows as u64));
    println!("import (dry_run=false):      {:>10}  {:>9.0} rows/s", ms(d), rows as f64 / d.as_secs_f64());

    let t = Instant::now();
    let report = api.import(&csv, false).await?;
    let d = t.elapsed();
    anyhow::ensure!(report["unchanged"].as_u64() == Some(rows as u64));
    println!("same file again (unchanged): {:>10}  {:>9.0} rows/s", ms(d), rows as f64 / d.as_secs_f64());

    let t = Instant::now();
    let (status, bytes) = api.call("GET", "/api/v1/export/products.csv", "", vec![]).await?;
    let d = t.elapsed();
    anyhow::ensure!(status == StatusCode::OK);
    let exported = bytes.iter().filter(|b| **b == b'\n').count() - 1;
    println!("export products.csv:         {:>10}  {:>9.0} rows/s ({exported} rows)", ms(d), exported as f64 / d.as_secs_f64());

    let searches = [
        ("first page, no filter", "/api/v1/products?limit=100".to_string()),
        ("a common word (q=chocolat)", "/api/v1/products?q=chocolat&limit=100".to_string()),
        ("a rare name (q=n°%2099999)", "/api/v1/products?q=n%C2%B0%2099999&limit=100".to_string()),
        ("no match (q=introuvable)", "/api/v1/products?q=introuvable&limit=100".to_string()),
        ("a barcode", format!("/api/v1/products?q={}", shared::barcode::ean13("079000054321").unwrap())),
        ("a SKU prefix (q=BEN-0543)", "/api/v1/products?q=BEN-0543&limit=100".to_string()),
        ("has_serials=true", "/api/v1/products?has_serials=true&limit=100".to_string()),
        ("tax_class=zero_rated", "/api/v1/products?tax_class=zero_rated&limit=100".to_string()),
        ("low_stock at montreal", "/api/v1/products?low_stock=true&outlet=montreal&limit=100".to_string()),
    ];
    println!("search at {} products (20 runs each: median, max):", rows);
    for (label, uri) in searches {
        let mut times = Vec::new();
        let mut found = 0;
        for _ in 0..20 {
            let t = Instant::now();
            let (status, bytes) = api.call("GET", &uri, "", vec![]).await?;
            times.push(t.elapsed());
            anyhow::ensure!(status == StatusCode::OK, "{label}: {status}");
            found = serde_json::from_slice::<Vec<serde_json::Value>>(&bytes)?.len();
        }
        times.sort();
        println!("  {label:<30} {:>9} {:>9}  ({found} in the page)", ms(times[times.len() / 2]), ms(*times.last().unwrap()));
    }
    Ok(())
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let rows: usize = std::env::var("COMPTOIR_BENCH_ROWS").ok().and_then(|n| n.parse().ok()).unwrap_or(100_000);
    let dir = tempfile::tempdir()?;
    run("SQLite (WAL, synchronous=FULL)", &format!("sqlite://{}", dir.path().join("bench.sqlite").display()), rows).await?;

    use sqlx::Connection;
    let admin_url = std::env::var("COMPTOIR_BENCH_PG_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    match tokio::time::timeout(Duration::from_secs(5), sqlx::PgConnection::connect(&admin_url)).await {
        Ok(Ok(c)) => c.close().await?,
        Ok(Err(e)) => {
            println!("\nPostgreSQL: skipped ({admin_url} unreachable: {e})");
            return Ok(());
        }
        Err(_) => {
            println!("\nPostgreSQL: skipped ({admin_url} did not answer in 5 s)");
            return Ok(());
        }
    }
    let base = admin_url.rsplit_once('/').map_or(admin_url.as_str(), |(b, _)| b).to_string();
    let name = format!("comptoir_bench_csv_{}", std::process::id());
    let result = run("PostgreSQL", &format!("{base}/{name}"), rows).await;
    let mut admin = sqlx::PgConnection::connect(&admin_url).await?;
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))).execute(&mut admin).await?;
    result
}
