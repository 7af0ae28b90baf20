//! Sync down, measured (printed, not asserted):
//!
//! 1. A fresh register's full pull of a 100 000-product shop through `GET /sync/changes` (in-process
//!    router, pages of `MAX_CHANGES_PAGE`, each applied to a `Replica` as the register would): time,
//!    pages, bytes.
//! 2. Notification latency with 500 clients holding `GET /events` open over real HTTP on one instance:
//!    a one-sale push is made, and each client's `change` event for its version is timed from the
//!    moment the push was sent (so it includes the push itself; the push's own round trip is printed
//!    apart). p50 / p99 / max over every client and round.
//! 3. The same across two instances: two servers (in process, two ports, two `PgStore` pools, each
//!    with its own notifier fed by its own `LISTEN` task as `backend::serve` does) on one fresh
//!    PostgreSQL database (`COMPTOIR_BENCH_PG_URL`, default `postgres://postgres@127.0.0.1:5432/postgres`;
//!    dropped after; skipped with a line when unreachable). The 500 streams are held at B, the pushes
//!    made at A, so each event crosses PostgreSQL's NOTIFY; the one-instance figure on PostgreSQL is
//!    measured first in the same run, for comparison.
//!
//! `cargo bench -p comptoir-backend --bench sync_down` (`SYNC_BENCH_PRODUCTS`, `SYNC_BENCH_CLIENTS`,
//! `SYNC_BENCH_ROUNDS` to change the sizes).

use axum::body::Body;
use axum::http::Request;
use axum::Router;
use backend::store::{PgStore, SqliteStore, Store};
use backend::AppState;
use http_body_util::BodyExt;
use hyper_util::rt::TokioIo;
use shared::catalog::Product;
use shared::sale::{receipt_number, Cart, Sale, SaleLine, Tender, TenderKind};
use shared::sync::changes::{ChangePage, Replica};
use shared::sync::events::EventParser;
use shared::sync::PushRequest;
use shared::tax::TaxRates;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tower::ServiceExt;

fn env(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

async fn send(router: &Router, req: Request<Body>) -> (u16, bytes::Bytes) {
    let resp = router.clone().oneshot(req).await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.into_body().collect().await.unwrap().to_bytes())
}

async fn post(router: &Router, path: &str, authorization: Option<&str>, body: String) -> serde_json::Value {
    let mut req = Request::post(path).header("content-type", "application/json");
    if let Some(a) = authorization {
        req = req.header("authorization", a);
    }
    let (status, bytes) = send(router, req.body(Body::from(body)).unwrap()).await;
    assert!((200..300).contains(&status), "{path}: {status}: {}", String::from_utf8_lossy(&bytes));
    serde_json::from_slice(&bytes).unwrap()
}

/// A store with the demo shop plus `extra` products, an admin token, and Montréal's device enrolled.
async fn shop(dir: &std::path::Path, extra: usize) -> (SqliteStore, Router, String, u32) {
    let store = SqliteStore::connect(&format!("sqlite://{}", dir.join("bench.sqlite").display())).await.unwrap();
    store.load_shop(&backend::demo::demo_shop_with_extra(extra)).await.unwrap();
    let router = backend::api(AppState::new(Arc::new(store.clone())));
    let Enrolled { device, number } = enrol(&router).await;
    (store, router, device, number)
}

fn sale(number: u32, seq: u64, product: &Product) -> Sale {
    let cart = Cart { lines: vec![SaleLine::of(product, 1)], ..Cart::default() };
    let totals = cart.totals(&TaxRates::QUEBEC).unwrap();
    Sale {
        id: format!("bench-{seq}"),
        device_id: "bench-device".into(),
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

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn percentile(xs: &mut [Duration], p: f64) -> f64 {
    xs.sort();
    ms(xs[((xs.len() - 1) as f64 * p).round() as usize])
}

async fn full_pull(products: usize) {
    let dir = tempfile::tempdir().unwrap();
    let loading = Instant::now();
    let (store, router, device, _) = shop(dir.path(), products).await;
    let load_s = loading.elapsed().as_secs_f64();
    let head = store.change_head().await.unwrap();

    let started = Instant::now();
    let (mut replica, mut pages, mut bytes, mut slowest) = (Replica::default(), 0usize, 0usize, Duration::ZERO);
    let mut first_remaining = None;
    loop {
        let t = Instant::now();
        let req = Request::get(format!("/api/v1/sync/changes?since={}&limit={}", replica.cursor, shared::limits::MAX_CHANGES_PAGE))
            .header("authorization", &device)
            .body(Body::empty())
            .unwrap();
        let (status, body) = send(&router, req).await;
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
        let page: ChangePage = serde_json::from_slice(&body).unwrap();
        slowest = slowest.max(t.elapsed());
        first_remaining.get_or_insert(page.remaining + page.changes.len() as u64);
        bytes += body.len();
        pages += 1;
        replica.apply(&page).unwrap();
        if !page.more {
            break;
        }
    }
    let took = started.elapsed();
    assert_eq!(replica.cursor, head);
    println!(
        "sync_down: full pull of {} products ({} changes in scope, {} stock levels, {} customers): {:.2} s, {pages} pages of ≤ {}, {:.1} MB, slowest page {:.0} ms ({:.1} s to load the shop)",
        replica.products.len(),
        first_remaining.unwrap_or(0),
        replica.stock.len(),
        replica.customers.len(),
        took.as_secs_f64(),
        shared::limits::MAX_CHANGES_PAGE,
        bytes as f64 / 1e6,
        ms(slowest),
        load_s,
    );
}

/// Aborts a task when dropped: a client's connection closes when its task is aborted.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// One client: opens `GET /events?since=…` over its own HTTP/1.1 connection and reports each version
/// with the instant it arrived.
async fn client(addr: SocketAddr, device: String, since: u64, out: mpsc::UnboundedSender<(u64, Instant)>, ready: mpsc::UnboundedSender<()>) {
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.unwrap();
    let _conn = AbortOnDrop(tokio::spawn(async move {
        let _ = conn.await;
    }));
    let req = Request::get(format!("/api/v1/events?since={since}"))
        .header("host", addr.to_string())
        .header("authorization", device)
        .body(http_body_util::Empty::<bytes::Bytes>::new())
        .unwrap();
    let resp = sender.send_request(req).await.unwrap();
    assert_eq!(resp.status(), 200);
    ready.send(()).unwrap();
    let mut body = resp.into_body();
    let mut parser = EventParser::default();
    while let Some(Ok(frame)) = body.frame().await {
        if let Some(data) = frame.data_ref() {
            let now = Instant::now();
            for e in parser.feed(std::str::from_utf8(data).unwrap()) {
                if out.send((e.version, now)).is_err() {
                    return;
                }
            }
        }
    }
}

/// One server instance: the API on a port of its own, its notifier fed as `backend::serve` feeds it
/// (`watch_changes`: a `LISTEN` task on PostgreSQL, nothing on SQLite).
struct Instance {
    state: AppState,
    router: Router,
    addr: SocketAddr,
}

async fn start(store: Arc<dyn Store>) -> Instance {
    let state = AppState::new(store);
    state.store.watch_changes(state.notifier.clone());
    let router = backend::api(state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let served = router.clone();
    tokio::spawn(async move {
        axum::serve(listener, served.into_make_service_with_connect_info::<SocketAddr>()).await.unwrap();
    });
    Instance { state, router, addr }
}

/// `clients` event streams held open at `to`, one-sale pushes made at `at` (in process, through its
/// router): each client's latency from the push being sent to its event.
async fn latency(label: &str, at: &Instance, to: &Instance, enrolled: &Enrolled, first_seq: u64, clients: usize, rounds: usize) {
    let (device, number) = (enrolled.device.as_str(), enrolled.number);
    let store = &at.state.store;
    let product = store.catalog_page(None, 1000).await.unwrap().products.into_iter().find(|p| !p.tracks_serials).unwrap();

    let (tx, mut rx) = mpsc::unbounded_channel();
    let (ready_tx, mut ready_rx) = mpsc::unbounded_channel();
    let since = store.change_head().await.unwrap();
    // Dropped at the end: the streams close, so the next run starts with none open.
    let _clients: Vec<AbortOnDrop> =
        (0..clients).map(|_| AbortOnDrop(tokio::spawn(client(to.addr, device.to_string(), since, tx.clone(), ready_tx.clone())))).collect();
    for _ in 0..clients {
        ready_rx.recv().await.unwrap();
    }
    let listeners = to.state.notifier.listeners();
    assert!(listeners >= clients, "{listeners} streams open");

    let (mut latencies, mut pushes, mut round_max) = (Vec::new(), Vec::new(), Vec::new());
    // Round 0 warms up (first writes on fresh connections) and is not counted.
    for round in 0..=rounds as u64 {
        tokio::time::sleep(Duration::from_millis(20)).await;
        let body = serde_json::to_string(&PushRequest { device_id: "bench-device".into(), sales: vec![sale(number, first_seq + round, &product)], ops: Vec::new() }).unwrap();
        let req = Request::post("/api/v1/sync/push")
            .header("content-type", "application/json")
            .header("authorization", device)
            .body(Body::from(body))
            .unwrap();
        let sent = Instant::now();
        let (status, _) = send(&at.router, req).await;
        pushes.push(sent.elapsed());
        assert_eq!(status, 200);
        let version = store.change_head().await.unwrap();
        let (mut got, mut slowest) = (0, Duration::ZERO);
        while got < clients {
            let (v, arrived) = tokio::time::timeout(Duration::from_secs(10), rx.recv()).await.expect("every client hears of the push").unwrap();
            if v >= version {
                let l = arrived.saturating_duration_since(sent);
                slowest = slowest.max(l);
                if round > 0 {
                    latencies.push(l);
                }
                got += 1;
            }
        }
        if round > 0 {
            round_max.push(slowest);
        }
    }
    let mut round_max_ms: Vec<u64> = round_max.iter().map(|d| d.as_millis() as u64).collect();
    round_max_ms.sort();
    let (p50, p99, max) = (percentile(&mut latencies, 0.5), percentile(&mut latencies, 0.99), percentile(&mut latencies, 1.0));
    let push50 = percentile(&mut pushes, 0.5);
    println!(
        "sync_down: notification latency, {clients} SSE clients over HTTP {label} ({listeners} streams open), {rounds} one-sale pushes: p50 {p50:.1} ms, p99 {p99:.1} ms, max {max:.1} ms from the push being sent (the push's own round trip: p50 {push50:.1} ms)"
    );
    println!("sync_down: the last client's latency per round, sorted (ms): {round_max_ms:?}");
}

/// Montréal's bench device: its `Device …` authorization and its number (receipt numbers).
struct Enrolled {
    device: String,
    number: u32,
}

/// Enrols Montréal's bench device through `router`.
async fn enrol(router: &Router) -> Enrolled {
    let admin = post(router, "/api/v1/auth/token", None, r#"{"email":"admin@demo.comptoir","password":"demo-admin-2026"}"#.into()).await;
    let admin = admin["token"].as_str().unwrap().to_string();
    let code = post(router, "/api/v1/devices/codes", Some(&format!("Bearer {admin}")), r#"{"register_id":"montreal-1"}"#.into()).await;
    let e = post(router, "/api/v1/devices/enrol", None, serde_json::json!({"device_id": "bench-device", "code": code["code"]}).to_string()).await;
    Enrolled { device: format!("Device {}", e["credential"].as_str().unwrap()), number: e["device"]["number"].as_u64().unwrap() as u32 }
}

async fn latency_sqlite(clients: usize, rounds: usize) {
    let dir = tempfile::tempdir().unwrap();
    let (store, _, device, number) = shop(dir.path(), 0).await;
    let one = start(Arc::new(store)).await;
    latency("on one instance (SQLite)", &one, &one, &Enrolled { device, number }, 1, clients, rounds).await;
}

/// Two instances on one fresh PostgreSQL database (dropped after): two in-process servers on two
/// ports, each with its own `PgStore` (pool) and notifier fed by its own `LISTEN` task, which is what
/// two `comptoir` processes are to LISTEN/NOTIFY. Skipped with a line when the server is unreachable.
async fn latency_postgres(clients: usize, rounds: usize) -> anyhow::Result<()> {
    use sqlx::Connection;
    let admin_url = std::env::var("COMPTOIR_BENCH_PG_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    match tokio::time::timeout(Duration::from_secs(5), sqlx::PgConnection::connect(&admin_url)).await {
        Ok(Ok(c)) => c.close().await?,
        Ok(Err(e)) => {
            println!("sync_down on PostgreSQL: skipped ({admin_url} unreachable: {e})");
            return Ok(());
        }
        Err(_) => {
            println!("sync_down on PostgreSQL: skipped ({admin_url} did not answer in 5 s)");
            return Ok(());
        }
    }
    let base = admin_url.rsplit_once('/').map_or(admin_url.as_str(), |(b, _)| b).to_string();
    let name = format!("comptoir_bench_sync_down_{}", std::process::id());
    let url = format!("{base}/{name}");
    let (a, b) = (PgStore::connect(&url).await?, PgStore::connect(&url).await?);
    let pools = [a.pool().clone(), b.pool().clone()];
    a.load_shop(&backend::demo::demo_shop()).await?;
    let (a, b) = (start(Arc::new(a)).await, start(Arc::new(b)).await);
    let enrolled = enrol(&a.router).await;
    latency("on one instance (PostgreSQL)", &a, &a, &enrolled, 1, clients, rounds).await;
    let next = rounds as u64 + 2;
    latency("at instance B, pushes at instance A (PostgreSQL LISTEN/NOTIFY)", &a, &b, &enrolled, next, clients, rounds).await;

    for p in &pools {
        p.close().await;
    }
    let mut admin = sqlx::PgConnection::connect(&admin_url).await?;
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))).execute(&mut admin).await?;
    Ok(())
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    full_pull(env("SYNC_BENCH_PRODUCTS", 100_000)).await;
    let (clients, rounds) = (env("SYNC_BENCH_CLIENTS", 500), env("SYNC_BENCH_ROUNDS", 30));
    latency_sqlite(clients, rounds).await;
    latency_postgres(clients, rounds).await.unwrap();
}
