//! Online order ingest (issue 11): signed WooCommerce webhook deliveries through the real router —
//! signature check, bridge parse, one store transaction per delivery (delivery key, intake, allocation,
//! sale, parts, movements) — against the register's push path for a comparable sale (3 lines, one
//! transaction) in the same run, in alternating blocks so a busy machine weighs on both alike. Then the
//! same deliveries again (the platform's repeats: answered from the delivery key). Prints orders/s and
//! p50/p95 per delivery for each; asserts nothing.
//!
//! `cargo bench -p comptoir-backend --bench online_ingest` (`COMPTOIR_BENCH_ORDERS`, default 2 000).
//! SQLite, then PostgreSQL on `COMPTOIR_BENCH_PG_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`),
//! a fresh database dropped at the end; skipped, with a line saying so, when it is unreachable.

use axum::body::Body;
use axum::http::Request;
use backend::online::NewConnection;
use backend::store::{PgStore, SqliteStore, Store};
use backend::AppState;
use serde_json::json;
use shared::catalog::Product;
use shared::fulfilment::{Platform, PlatformOptions};
use shared::sale::{receipt_number, Cart, Sale, SaleLine, Tender, TenderKind};
use shared::sync::{Device, PushStatus};
use shared::tax::TaxRates;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tower::ServiceExt;

const BLOCK: usize = 100;
const SECRET: &str = "bench-webhook-secret";

struct Figures {
    times: Vec<Duration>,
}

impl Figures {
    fn new() -> Figures {
        Figures { times: Vec::new() }
    }
    fn rate(&self) -> f64 {
        self.times.len() as f64 / self.times.iter().sum::<Duration>().as_secs_f64()
    }
    fn pct(&self, p: f64) -> f64 {
        let mut t = self.times.clone();
        t.sort();
        t[((t.len() as f64 * p).ceil() as usize).clamp(1, t.len()) - 1].as_secs_f64() * 1000.0
    }
    fn line(&self, what: &str) -> String {
        format!("  {what:<34} {:>7.0} /s   p50 {:>6.2} ms   p95 {:>6.2} ms", self.rate(), self.pct(0.50), self.pct(0.95))
    }
}

/// A paid WooCommerce order of three products, placed now, as its webhook body.
fn woo_order(id: u64, products: &[Product]) -> Vec<u8> {
    let n = products.len();
    let lines: Vec<_> = (0..3)
        .map(|k| {
            let p = &products[(id as usize * 3 + k) % n];
            let price = p.price.as_cents() as f64 / 100.0;
            json!({"id": 10 * id + k as u64, "name": p.name, "product_id": 90 + k, "variation_id": 0, "quantity": 1 + k,
                   "sku": p.sku, "price": price, "total": format!("{:.2}", price * (1 + k) as f64)})
        })
        .collect();
    let now = jiff::Timestamp::now().strftime("%Y-%m-%dT%H:%M:%S").to_string();
    json!({
        "id": id, "number": id.to_string(), "status": "processing", "currency": "CAD",
        "date_created_gmt": now, "date_modified_gmt": now, "total": "99.99", "customer_note": "",
        "billing": {"first_name": "Luc", "last_name": format!("Client {}", id % 50), "email": format!("client{}@example.ca", id % 50)},
        "shipping": {"first_name": "Luc", "last_name": "Gagnon", "address_1": "12 rue des Érables", "city": "Sherbrooke"},
        "payment_method": "stripe", "payment_method_title": "Stripe", "date_paid_gmt": now,
        "line_items": lines,
        "shipping_lines": [{"method_id": "flat_rate", "method_title": "Livraison", "total": "10.00"}],
    })
    .to_string()
    .into_bytes()
}

/// A paid card sale of three products at Montréal (the push bench's sale).
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

async fn deliver(router: &axum::Router, connection: &str, body: &[u8]) -> anyhow::Result<String> {
    let req = Request::post(format!("/api/v1/webhooks/{connection}"))
        .header("content-type", "application/json")
        .header("x-wc-webhook-topic", "order.created")
        .header("x-wc-webhook-id", "7")
        .header("x-wc-webhook-signature", backend::bridges::shopify::sign(SECRET, body))
        .body(Body::from(body.to_vec()))?;
    let resp = router.clone().oneshot(req).await?;
    anyhow::ensure!(resp.status().is_success(), "webhook answered {}", resp.status());
    let bytes = axum::body::to_bytes(resp.into_body(), 1 << 20).await?;
    Ok(serde_json::from_slice::<serde_json::Value>(&bytes)?["outcome"].as_str().unwrap_or_default().to_string())
}

async fn run(name: &str, store: Arc<dyn Store>, count: usize) -> anyhow::Result<()> {
    store.load_shop(&backend::demo::demo_shop()).await?;
    let products: Vec<Product> = store.catalog_page(None, 1000).await?.products.into_iter().filter(|p| !p.tracks_serials).collect();
    let new = NewConnection {
        platform: Platform::WooCommerce,
        name: "Bench".into(),
        base_url: "http://127.0.0.1:9".into(),
        credentials: backend::bridges::Credentials::WooCommerce { consumer_key: "ck".into(), consumer_secret: "cs".into(), webhook_secret: SECRET.into() },
        orders_register_id: "montreal-1".into(),
        online_outlets: vec!["montreal".into(), "sherbrooke".into(), "laval".into()],
        options: PlatformOptions::default(),
    };
    let connection = "bench-connection";
    store.create_connection(&new, connection, None).await?.map_err(|e| anyhow::anyhow!("{e}"))?;
    let router = backend::api(AppState::new(store.clone()));
    let bodies: Vec<Vec<u8>> = (1..=count as u64).map(|id| woo_order(100_000 + id, &products)).collect();
    let device = Device { id: "bench".into(), number: 7 };
    let sales: Vec<Sale> = (1..=count as u64).map(|seq| sale(&device, seq, &products)).collect();

    let (mut created, mut pushed, mut repeated) = (Figures::new(), Figures::new(), Figures::new());
    let mut unexpected = 0;
    for (orders, sales) in bodies.chunks(BLOCK).zip(sales.chunks(BLOCK)) {
        for s in sales {
            let t = Instant::now();
            let r = store.push_sale(&device, Some(&s.outlet_id), s).await?;
            pushed.times.push(t.elapsed());
            anyhow::ensure!(r.status == PushStatus::Stored, "sale {} not stored: {r:?}", s.id);
        }
        for b in orders {
            let t = Instant::now();
            let outcome = deliver(&router, connection, b).await?;
            created.times.push(t.elapsed());
            unexpected += usize::from(outcome != "created");
        }
    }
    for b in &bodies {
        let t = Instant::now();
        let outcome = deliver(&router, connection, b).await?;
        repeated.times.push(t.elapsed());
        unexpected += usize::from(outcome != "duplicate");
    }
    println!("online ingest on {name}: {count} orders × 3 lines, one delivery (one transaction) each");
    println!("{}", pushed.line("baseline: register push of a sale"));
    println!("{}", created.line("webhook, new order"));
    println!("{}", repeated.line("webhook, repeated delivery"));
    println!("  new order / push: {:.2}× the rate; repeat / new: {:.1}× the rate", created.rate() / pushed.rate(), repeated.rate() / created.rate());
    if unexpected > 0 {
        println!("  note: {unexpected} deliveries had another outcome than expected (held?)");
    }
    Ok(())
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let count: usize = std::env::var("COMPTOIR_BENCH_ORDERS").ok().and_then(|n| n.parse().ok()).unwrap_or(2_000);
    let dir = tempfile::tempdir()?;
    let sqlite = SqliteStore::connect(&format!("sqlite://{}", dir.path().join("bench.sqlite").display())).await?;
    run("SQLite (WAL, synchronous=FULL)", Arc::new(sqlite), count).await?;

    use sqlx::Connection;
    let admin_url = std::env::var("COMPTOIR_BENCH_PG_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    match tokio::time::timeout(Duration::from_secs(5), sqlx::PgConnection::connect(&admin_url)).await {
        Ok(Ok(c)) => c.close().await?,
        Ok(Err(e)) => {
            println!("online ingest on PostgreSQL: skipped ({admin_url} unreachable: {e})");
            return Ok(());
        }
        Err(_) => {
            println!("online ingest on PostgreSQL: skipped ({admin_url} did not answer in 5 s)");
            return Ok(());
        }
    }
    let base = admin_url.rsplit_once('/').map_or(admin_url.as_str(), |(b, _)| b).to_string();
    let name = format!("comptoir_bench_online_ingest_{}", std::process::id());
    let pg = PgStore::connect(&format!("{base}/{name}")).await?;
    let pool = pg.pool().clone();
    let result = run("PostgreSQL (READ COMMITTED)", Arc::new(pg), count).await;
    pool.close().await;
    let mut admin = sqlx::PgConnection::connect(&admin_url).await?;
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))).execute(&mut admin).await?;
    result
}
