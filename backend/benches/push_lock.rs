//! Does a big push delay another register's push? An honest one-sale push is timed alone (baseline),
//! then while three devices push the largest pushes the server accepts (100 sales each, just under
//! the body limit) over and over. Same process, same SQLite file, same run: the figures are ratios
//! against the baseline. Prints figures; asserts nothing.
//!
//! `cargo bench -p comptoir-backend --bench push_lock`

use axum::body::Body;
use axum::http::Request;
use axum::Router;
use backend::AppState;
use http_body_util::BodyExt;
use shared::catalog::Product;
use shared::sale::{receipt_number, Cart, Sale, SaleLine, Tender, TenderKind};
use shared::sync::PushRequest;
use shared::tax::TaxRates;
use std::time::{Duration, Instant};
use tower::ServiceExt;

const HONEST: usize = 60;

fn sale(device: &str, number: u32, seq: u64, products: &[Product], lines: usize) -> Sale {
    // One line per item (a scan of the same product again would only raise a quantity).
    let cart = Cart { lines: products.iter().cycle().take(lines).map(|p| SaleLine::of(p, 1)).collect(), ..Cart::default() };
    let totals = cart.totals(&TaxRates::QUEBEC).unwrap();
    Sale {
        id: format!("{device}-{seq}"),
        device_id: device.into(),
        register_id: "montreal-1".into(),
        outlet_id: "montreal".into(),
        seq,
        receipt: receipt_number("MTL1", number, seq),
        created_at_ms: 1_790_000_000_000 + seq as i64,
        lines: cart.lines,
        tenders: vec![Tender::exact(TenderKind::Card, totals.total)],
        totals,
        cashier_id: "julie".into(),
        ..Sale::default()
    }
}

/// A POST with an optional `Authorization`, answered 2xx: its JSON.
async fn post(router: &Router, path: &str, authorization: Option<&str>, body: String) -> serde_json::Value {
    let mut req = Request::post(path).header("content-type", "application/json");
    if let Some(a) = authorization {
        req = req.header("authorization", a);
    }
    let resp = router.clone().oneshot(req.body(Body::from(body)).unwrap()).await.unwrap();
    let status = resp.status();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    assert!(status.is_success(), "{path}: {status}: {}", String::from_utf8_lossy(&bytes));
    serde_json::from_slice(&bytes).unwrap()
}

/// Enrols `device` at Montréal through the routes (an admin's code): its number and `Authorization` value.
async fn enrol(router: &Router, admin: &str, device: &str) -> (u32, String) {
    let code = post(router, "/api/v1/devices/codes", Some(&format!("Bearer {admin}")), r#"{"register_id":"montreal-1"}"#.into()).await;
    let e = post(router, "/api/v1/devices/enrol", None, serde_json::json!({"device_id": device, "code": code["code"]}).to_string()).await;
    (e["device"]["number"].as_u64().unwrap() as u32, format!("Device {}", e["credential"].as_str().unwrap()))
}

async fn push(router: &Router, auth: &str, req: &PushRequest) -> Duration {
    let body = serde_json::to_string(req).unwrap();
    let started = Instant::now();
    let resp = router
        .clone()
        .oneshot(
            Request::post("/api/v1/sync/push")
                .header("content-type", "application/json")
                .header("authorization", auth)
                .body(Body::from(body))
                .unwrap(),
        )
        .await
        .unwrap();
    let status = resp.status();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    assert!(status.is_success(), "{status}: {}", String::from_utf8_lossy(&bytes));
    started.elapsed()
}

fn percentile(xs: &mut [Duration], p: f64) -> f64 {
    xs.sort();
    xs[((xs.len() - 1) as f64 * p).round() as usize].as_secs_f64() * 1000.0
}

async fn honest_pushes(router: &Router, auth: &str, number: u32, from_seq: u64, products: &[Product]) -> Vec<Duration> {
    let mut times = Vec::with_capacity(HONEST);
    for i in 0..HONEST as u64 {
        let req = PushRequest { device_id: "honest".into(), sales: vec![sale("honest", number, from_seq + i, products, 3)], ops: vec![] };
        times.push(push(router, auth, &req).await);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    times
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let store = backend::store::connect(&format!("sqlite://{}", dir.path().join("bench.sqlite").display())).await.unwrap();
    store.load_shop(&backend::demo::demo_shop()).await.unwrap();
    let products: Vec<Product> = store.catalog_page(None, 1000).await.unwrap().products.into_iter().filter(|p| !p.tracks_serials).collect();
    let router = backend::api(AppState::new(store.clone()));
    let admin = post(&router, "/api/v1/auth/token", None, r#"{"email":"admin@demo.comptoir","password":"demo-admin-2026"}"#.into()).await;
    let admin = admin["token"].as_str().unwrap().to_string();
    let (honest, honest_auth) = enrol(&router, &admin, "honest").await;

    // The largest push: 100 sales with as many lines as fit under half the body limit... and then some:
    // fill to just under the limit itself, the worst a device may send.
    let one_line = serde_json::to_string(&sale("big-0", 1, 1, &products, 2)).unwrap().len()
        - serde_json::to_string(&sale("big-0", 1, 1, &products, 1)).unwrap().len();
    let mut lines = (shared::limits::MAX_BODY_BYTES / 100 / one_line).min(shared::limits::MAX_LINES);
    let size = |lines| {
        let sales = (1..=100).map(|s| sale("big-0", 1, s, &products, lines)).collect();
        serde_json::to_string(&PushRequest { device_id: "big-0".into(), sales, ops: vec![] }).unwrap().len()
    };
    while size(lines) >= shared::limits::MAX_BODY_BYTES {
        lines -= lines / 20 + 1;
    }
    let big_bytes = serde_json::to_string(&PushRequest {
        device_id: "big-0".into(),
        sales: (1..=100).map(|s| sale("big-0", 1, s, &products, lines)).collect(),
        ops: vec![],
    })
    .unwrap()
    .len();

    let mut alone = honest_pushes(&router, &honest_auth, honest, 1, &products).await;

    let mut bigs = Vec::new();
    for d in 0..3 {
        let device = format!("big-{d}");
        let (number, auth) = enrol(&router, &admin, &device).await;
        let router = router.clone();
        let products = products.clone();
        bigs.push(tokio::spawn(async move {
            let mut times = Vec::new();
            for round in 0..3u64 {
                let sales = (1..=100).map(|s| sale(&device, number, round * 100 + s, &products, lines)).collect();
                times.push(push(&router, &auth, &PushRequest { device_id: device.clone(), sales, ops: vec![] }).await);
            }
            times
        }));
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
    let mut loaded = honest_pushes(&router, &honest_auth, honest, 1_000, &products).await;
    let mut big_times = Vec::new();
    for b in bigs {
        big_times.extend(b.await.unwrap());
    }

    let (a50, a95, amax) = (percentile(&mut alone, 0.5), percentile(&mut alone, 0.95), percentile(&mut alone, 1.0));
    let (l50, l95, lmax) = (percentile(&mut loaded, 0.5), percentile(&mut loaded, 0.95), percentile(&mut loaded, 1.0));
    let big_mean = big_times.iter().map(Duration::as_secs_f64).sum::<f64>() / big_times.len() as f64;
    println!("push_lock: big push = 100 sales × {lines} lines, {:.2} MB; 3 devices × 3 big pushes, each took {:.2} s on average ({:.1} ms per sale)", big_bytes as f64 / 1e6, big_mean, big_mean * 10.0);
    println!("push_lock: honest 1-sale push alone:        p50 {a50:.1} ms, p95 {a95:.1} ms, max {amax:.1} ms ({HONEST} pushes)");
    println!("push_lock: honest 1-sale push during them:  p50 {l50:.1} ms, p95 {l95:.1} ms, max {lmax:.1} ms");
    println!("push_lock: ratio loaded / alone:            p50 {:.1}×, p95 {:.1}×", l50 / a50, l95 / a95);
}
