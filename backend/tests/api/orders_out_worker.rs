//! The platform worker under stress (issue 11, item 8): leases that a long batch outlives, two instances
//! on one database, a run whose lease was taken over, calls a platform refused and a manager retries,
//! WooCommerce's per-product stock refusals, and the Shopify and Ecwid status flows of a split order —
//! each against a fake platform that is a real HTTP server.

use crate::fakes::woocommerce::{FakeWooCommerce, CONSUMER_KEY, CONSUMER_SECRET, WEBHOOK_SECRET};
use crate::helpers::*;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use backend::online::worker::{run_once, run_with, RunReport, Settings};
use backend::AppState;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const NOW: i64 = 1_800_000_000_000;

/// Posts a signed delivery to our webhook route.
async fn deliver(app: &TestApp, connection: &str, headers: &HeaderMap, body: Vec<u8>) {
    let mut req = Request::builder().method("POST").uri(format!("/api/v1/webhooks/{connection}"));
    for (k, v) in headers {
        req = req.header(k, v);
    }
    let (status, answer) = app.call(req.body(Body::from(body)).unwrap()).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
}

/// Connects a store (as the admin); its id.
async fn connect(app: &TestApp, platform: &str, base_url: &str, credentials: Value, online: &[&str]) -> String {
    let body = json!({
        "platform": platform, "name": format!("Boutique {platform}"), "base_url": base_url, "credentials": credentials,
        "orders_register_id": "montreal-1", "online_outlets": online,
    });
    let (status, conn) = app.post("/api/v1/connections", body.to_string()).await;
    assert_eq!(status, StatusCode::CREATED, "{conn}");
    conn["id"].as_str().unwrap().to_string()
}

/// A manager's (or the admin's) order operation through `POST /orders/ops`.
async fn op(app: &TestApp, who: &str, id: &str, body: Value) -> (StatusCode, Value) {
    let op = json!({"id": id, "device_id": "-", "made_at_ms": NOW, "cashier_id": "-", "body": body});
    app.send(As::Bearer(who.to_string()), "POST", "/api/v1/orders/ops", Some(op.to_string())).await
}

async fn act(app: &TestApp, who: &str, id: &str, order: &str, outlet: &str, action: &str) {
    let (status, result) = op(app, who, id, json!({"kind": "order_action", "order_id": order, "outlet_id": outlet, "action": action})).await;
    assert_eq!((status, result["status"].as_str()), (StatusCode::OK, Some("applied")), "{action} at {outlet}: {result}");
}

/// The order id of the order numbered `number` on the orders page (as the admin sees it).
async fn order_id(app: &TestApp, number: &str) -> String {
    let (status, parts) = app.get("/api/v1/orders").await;
    assert_eq!(status, StatusCode::OK, "{parts}");
    let part = parts.as_array().unwrap().iter().find(|p| p["number"] == number).unwrap_or_else(|| panic!("order {number} on the page: {parts}"));
    part["order_id"].as_str().unwrap().to_string()
}

async fn outbox(app: &TestApp, who: &str, connection: &str) -> Value {
    let (status, outbox) = app.send(As::Bearer(who.to_string()), "GET", &format!("/api/v1/connections/{connection}/outbox"), None).await;
    assert_eq!(status, StatusCode::OK, "{outbox}");
    outbox
}

struct Woo {
    app: TestApp,
    fake: FakeWooCommerce,
    connection: String,
    manager: String,
}

/// A WooCommerce store taking orders at Montréal, every catalog product on the site (ids 1000…).
async fn woo() -> Woo {
    let app = spawn_app().await;
    let fake = FakeWooCommerce::start().await;
    for (i, p) in app.products.iter().enumerate() {
        fake.add_product(1000 + i as u64, &p.sku);
    }
    let credentials = json!({"platform": "woocommerce", "consumer_key": CONSUMER_KEY, "consumer_secret": CONSUMER_SECRET, "webhook_secret": WEBHOOK_SECRET});
    let connection = connect(&app, "woocommerce", &fake.base_url(), credentials, &["montreal"]).await;
    let manager = app.token(MANAGER_MTL).await;
    Woo { app, fake, connection, manager }
}

impl Woo {
    /// A paid WooCommerce order of one unit of the first product, by webhook, shipped by the manager
    /// (a completion is owed); its order id.
    async fn shipped_order(&self, external: u64) -> String {
        let p = &self.app.products[0];
        let total = format!("{}.{:02}", p.price.as_cents() / 100, p.price.as_cents() % 100);
        let order = json!({
            "id": external, "number": external.to_string(), "status": "processing", "currency": "CAD",
            "date_created_gmt": jiff::Timestamp::now().strftime("%Y-%m-%dT%H:%M:%S").to_string(), "date_modified_gmt": "2026-11-30T15:00:00", "total": total, "customer_note": "",
            "billing": {"first_name": "Léa", "last_name": "Tremblay", "email": "lea@example.com"},
            "payment_method": "stripe", "payment_method_title": "Stripe", "date_paid_gmt": "2026-11-30T15:00:00",
            "line_items": [{"id": 1, "name": p.name, "product_id": 1000, "variation_id": 0, "quantity": 1, "sku": p.sku,
                            "price": p.price.as_cents() as f64 / 100.0, "subtotal": total, "total": total, "meta_data": []}],
            "shipping_lines": [{"id": 2, "method_title": "Flat Rate", "method_id": "flat_rate", "total": "0.00", "total_tax": "0.00", "meta_data": []}],
        });
        self.fake.add_order(order.clone());
        let (headers, body) = self.fake.webhook("order.created", &order);
        deliver(&self.app, &self.connection, &headers, body).await;
        let id = order_id(&self.app, &external.to_string()).await;
        act(&self.app, &self.manager, &format!("{external}-pack"), &id, "montreal", "mark_packed").await;
        act(&self.app, &self.manager, &format!("{external}-ship"), &id, "montreal", "mark_shipped").await;
        id
    }

    fn status_puts(&self, external: u64) -> usize {
        self.fake.calls().iter().filter(|c| c.method == "PUT" && c.path.ends_with(&format!("/orders/{external}"))).count()
    }

    /// Product ids the site received in stock batches, one entry per item sent.
    fn batched_ids(&self) -> Vec<u64> {
        self.fake
            .calls()
            .iter()
            .filter(|c| c.path.ends_with("/batch"))
            .flat_map(|c| c.json()["update"].as_array().cloned().unwrap_or_default())
            .filter_map(|i| i["id"].as_u64())
            .collect()
    }

    fn state(&self) -> AppState {
        AppState::new(self.app.store.clone())
    }

    async fn retry(&self, who: &str, path: &str) -> (StatusCode, Value) {
        self.app.send(As::Bearer(who.to_string()), "POST", &format!("/api/v1/connections/{}/outbox{path}", self.connection), None).await
    }
}

/// Another instance of the server: its own pool on the same database.
async fn second_instance(app: &TestApp) -> AppState {
    AppState::new(backend::store::connect(&app.database.url).await.unwrap())
}

#[tokio::test]
async fn two_instances_on_a_slow_platform_send_each_status_and_stock_level_once_though_every_call_outlives_the_lease() {
    let s = woo().await;
    // Every product's opening stock published, at full speed.
    assert!(run_once(&s.state(), NOW).await.unwrap().stock_batches_sent >= 1);
    s.fake.clear_calls();
    let order = s.shipped_order(1300).await;
    let ids: Vec<String> = s.app.products.iter().take(4).map(|p| p.id.clone()).collect();
    let sale = s.app.sale(1, &ids.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(s.app.push(&[sale]).await.0, StatusCode::OK);

    // Every answer takes 300 ms, the lease is 200 ms: only the heartbeat keeps the calls ours.
    s.fake.set_delay(Duration::from_millis(300));
    let settings = Settings { lease_ms: 200, stock_batch: 2, ..Settings::default() };
    let (a, b) = (s.state(), second_instance(&s.app).await);
    let started = Instant::now();
    // Both instances run every 30 ms for 2,5 s, their clocks moving with the real one.
    let instance = |state: AppState| {
        let settings = settings.clone();
        async move {
            let mut total = RunReport::default();
            while started.elapsed() < Duration::from_millis(2_500) {
                let r = run_with(&state, NOW + 1 + started.elapsed().as_millis() as i64, &settings).await.unwrap();
                total.statuses_sent += r.statuses_sent;
                total.stock_batches_sent += r.stock_batches_sent;
                total.leases_lost += r.leases_lost;
                tokio::time::sleep(Duration::from_millis(30)).await;
            }
            total
        }
    };
    let (ra, rb) = tokio::join!(instance(a), instance(b));
    println!("first instance: {ra:?}; second: {rb:?}; {:?}", started.elapsed());
    assert_eq!(ra.statuses_sent + rb.statuses_sent, 1, "{ra:?} {rb:?}");
    assert!(ra.stock_batches_sent + rb.stock_batches_sent >= 2, "several batches, each longer than the lease: {ra:?} {rb:?}");
    assert_eq!(ra.leases_lost + rb.leases_lost, 0, "no lease ran out: the heartbeat kept each one");
    assert_eq!(s.status_puts(1300), 1, "the completion sent once");
    let mut sent = s.batched_ids();
    let n = sent.len();
    sent.sort_unstable();
    sent.dedup();
    assert_eq!(sent.len(), n, "no product's level sent twice");
    for id in &ids {
        let p = s.app.products.iter().find(|p| &p.id == id).unwrap();
        assert_eq!(s.fake.inventory().get(&p.sku).copied(), Some(s.app.level("montreal", id).await.max(0)), "{id}");
    }
    assert_eq!(outbox(&s.app, &s.manager, &s.connection).await["done"], 1, "{order}");
}

#[tokio::test]
async fn a_run_whose_lease_was_taken_over_records_nothing_and_the_run_that_took_it_keeps_its_state() {
    let s = woo().await;
    let store = s.app.store.clone();
    run_once(&s.state(), NOW).await.unwrap();
    // Stock: a claim, a second claim refused while the lease runs, taken over once it ran out.
    let version = |o: &Value| o["stock_pushed_version"].as_i64().unwrap();
    let before = version(&outbox(&s.app, &s.manager, &s.connection).await);
    let c = s.connection.as_str();
    assert!(store.claim_stock_push(c, NOW + 10, NOW + 1_000, "run-a").await.unwrap().is_some());
    assert!(store.claim_stock_push(c, NOW + 500, NOW + 1_500, "run-b").await.unwrap().is_none(), "held");
    assert!(store.claim_stock_push(c, NOW + 1_001, NOW + 2_000, "run-b").await.unwrap().is_some(), "expired: taken over");
    assert!(!store.renew_stock_push(c, "run-a", NOW + 5_000).await.unwrap());
    assert!(!store.finish_stock_batch(c, "run-a", before + 1_000, &[], &[], NOW, NOW + 5_000).await.unwrap());
    assert!(!store.fail_stock_push(c, "run-a", NOW + 99_999, "late").await.unwrap());
    store.release_stock_push(c, "run-a").await.unwrap();
    let o = outbox(&s.app, &s.manager, c).await;
    assert_eq!((version(&o), o["stock_attempts"].as_i64()), (before, Some(0)), "the late run changed nothing: {o}");
    assert!(store.claim_stock_push(c, NOW + 1_500, NOW + 2_500, "run-c").await.unwrap().is_none(), "run-b still holds it");
    assert!(store.finish_stock_batch(c, "run-b", before, &[], &[], NOW, NOW + 2_000).await.unwrap());
    store.release_stock_push(c, "run-b").await.unwrap();

    // A status call: claimed, taken over after its lease, settled by the late run in vain.
    s.shipped_order(1400).await;
    let rows = store.claim_due_outbox(NOW, NOW + 1_000, 10, "run-a").await.unwrap();
    assert_eq!(rows.len(), 1);
    assert!(store.claim_due_outbox(NOW + 500, NOW + 1_500, 10, "run-b").await.unwrap().is_empty(), "held");
    let taken = store.claim_due_outbox(NOW + 1_000, NOW + 2_000, 10, "run-b").await.unwrap();
    assert_eq!(taken.iter().map(|r| (r.id, r.attempts)).collect::<Vec<_>>(), vec![(rows[0].id, 2)]);
    let failed = backend::store::online_out::Outcome::Failed { error: "late".into() };
    assert!(!store.settle_outbox(rows[0].id, "run-a", &failed, NOW).await.unwrap());
    assert_eq!(store.renew_outbox("run-a", NOW + 9_000).await.unwrap(), Vec::<i64>::new());
    let o = outbox(&s.app, &s.manager, c).await;
    assert_eq!((o["pending"].as_u64(), o["failed"].as_u64()), (Some(1), Some(0)), "{o}");
    assert!(store.settle_outbox(rows[0].id, "run-b", &backend::store::online_out::Outcome::Done, NOW).await.unwrap());
    assert_eq!(outbox(&s.app, &s.manager, c).await["done"], 1);
}

#[tokio::test]
async fn a_worker_whose_lease_is_taken_mid_call_stops_and_leaves_the_new_holders_cursor_and_lease_alone() {
    let s = woo().await;
    run_once(&s.state(), NOW).await.unwrap();
    let p = s.app.products[0].clone();
    s.app.push(&[s.app.sale(1, &[&p.id])]).await;
    s.fake.set_delay(Duration::from_millis(400));
    let settings = Settings { lease_ms: 200, ..Settings::default() };
    let (a, b) = (s.state(), second_instance(&s.app).await);
    let late = run_with(&a, NOW + 1, &settings);
    // The other instance comes when the first one's lease looks long expired to it (its clock is ahead:
    // the first run seems stalled), and takes the push over.
    let taker = async {
        tokio::time::sleep(Duration::from_millis(100)).await;
        run_with(&b, NOW + 60_000, &settings).await.unwrap()
    };
    let (ra, rb) = tokio::join!(late, taker);
    let ra = ra.unwrap();
    println!("stalled run: {ra:?}; taker: {rb:?}");
    assert_eq!((ra.leases_lost, ra.stock_batches_sent), (1, 0), "{ra:?}");
    assert_eq!(rb.stock_batches_sent, 1, "{rb:?}");
    s.fake.set_delay(Duration::ZERO);
    let o = outbox(&s.app, &s.manager, &s.connection).await;
    let head: i64 = sqlx::query_scalar("SELECT version FROM change_counter WHERE id = 1").fetch_one(&s.app.db).await.unwrap();
    assert_eq!(o["stock_pushed_version"].as_i64(), Some(head), "{o}");
    assert!(s.app.store.claim_stock_push(&s.connection, NOW + 60_001, NOW + 61_000, "next").await.unwrap().is_some(), "released by its holder");
    assert_eq!(s.fake.inventory().get(&p.sku).copied(), Some(s.app.level("montreal", &p.id).await.max(0)));
}

#[tokio::test]
async fn a_status_call_refused_after_a_key_rotation_is_sent_again_once_a_manager_retries_it_and_the_retry_is_audited() {
    let s = woo().await;
    let order = s.shipped_order(1500).await;
    s.fake.fail_next(1, 401);
    assert_eq!(run_once(&s.state(), NOW).await.unwrap().statuses_failed, 1);
    assert_eq!(run_once(&s.state(), NOW + 3_600_000).await.unwrap().statuses_sent, 0, "a refusal is not retried by itself");
    let o = outbox(&s.app, &s.manager, &s.connection).await;
    assert_eq!(o["failed"], 1, "{o}");
    let call = o["calls"][0].clone();
    assert_eq!((call["state"].as_str(), call["superseded"].as_bool()), (Some("failed"), Some(false)), "{call}");
    assert!(call["last_error"].as_str().unwrap().contains("401"), "{call}");
    let id = call["id"].as_i64().unwrap();

    // Not the Laval manager's store; an unknown call.
    let body = r#"{"name":"Gérant Laval","email":"laval@test.example","role":"manager","outlets":["laval"],"password":"gerant-laval-2026"}"#;
    assert_eq!(s.app.post("/api/v1/staff", body).await.0, StatusCode::CREATED);
    let laval = s.app.token(("laval@test.example", "gerant-laval-2026")).await;
    assert_eq!(s.retry(&laval, &format!("/{id}/retry")).await.0, StatusCode::NOT_FOUND);
    let (status, answer) = s.retry(&s.manager, "/987654/retry").await;
    assert_eq!((status, answer["error"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")), "{answer}");

    let (status, answer) = s.retry(&s.manager, &format!("/{id}/retry")).await;
    assert_eq!((status, answer["calls"].as_u64()), (StatusCode::OK, Some(1)), "{answer}");
    let (status, answer) = s.retry(&s.manager, &format!("/{id}/retry")).await;
    assert_eq!((status, answer["error"].as_str()), (StatusCode::CONFLICT, Some("not_failed")), "pending now: {answer}");
    let r = run_once(&s.state(), NOW + 3_600_001).await.unwrap();
    assert_eq!(r.statuses_sent, 1, "{r:?}");
    assert_eq!(s.status_puts(1500), 2, "one refused, one taken");
    assert_eq!(s.fake.order(1500).unwrap()["status"], "completed");
    let (status, answer) = s.retry(&s.manager, &format!("/{id}/retry")).await;
    assert_eq!((status, answer["error"].as_str()), (StatusCode::CONFLICT, Some("not_failed")), "done: {answer}");

    let (_, audit) = s.app.send(As::Bearer(s.manager.clone()), "GET", "/api/v1/audit", None).await;
    let entry = audit.as_array().unwrap().iter().find(|e| e["action"] == "platform_call_retried").unwrap_or_else(|| panic!("{audit}")).clone();
    assert_eq!((entry["outlet_id"].as_str(), entry["subject"].as_str()), (Some("montreal"), Some(format!("{}/outbox/{id}", s.connection).as_str())), "{entry}");
    assert!(!order.is_empty());
}

#[tokio::test]
async fn after_credentials_are_fixed_every_refused_call_is_sent_again_in_one_retry() {
    let s = woo().await;
    s.shipped_order(1600).await;
    s.shipped_order(1601).await;
    s.fake.fail_next(2, 401);
    assert_eq!(run_once(&s.state(), NOW).await.unwrap().statuses_failed, 2);
    let (status, answer) = s.retry(&s.manager, "/retry").await;
    assert_eq!((status, answer["calls"].as_u64(), answer["stock_levels"].as_u64()), (StatusCode::OK, Some(2), Some(0)), "{answer}");
    assert_eq!(run_once(&s.state(), NOW + 1).await.unwrap().statuses_sent, 2);
    assert_eq!((s.status_puts(1600), s.status_puts(1601)), (2, 2));
    let (status, answer) = s.retry(&s.manager, "/retry").await;
    assert_eq!((status, answer["calls"].as_u64()), (StatusCode::OK, Some(0)), "nothing left: {answer}");
}

#[tokio::test]
async fn a_stock_level_woocommerce_refuses_inside_a_batch_is_kept_for_managers_and_sent_again_until_taken() {
    let s = woo().await;
    let (p, q) = (s.app.products[0].clone(), s.app.products[1].clone());
    run_once(&s.state(), NOW).await.unwrap();
    // The product is deleted on the site: the batch answers 200 with an error for it.
    s.fake.remove_product(1000);
    s.app.push(&[s.app.sale(1, &[&p.id, &q.id])]).await;
    let r = run_once(&s.state(), NOW + 1).await.unwrap();
    assert_eq!((r.stock_batches_sent, r.stock_levels_refused), (1, 1), "{r:?}");
    let o = outbox(&s.app, &s.manager, &s.connection).await;
    let head: i64 = sqlx::query_scalar("SELECT version FROM change_counter WHERE id = 1").fetch_one(&s.app.db).await.unwrap();
    assert_eq!(o["stock_pushed_version"].as_i64(), Some(head), "the cursor moved, the refusal kept: {o}");
    let refused = o["stock_refused"].as_array().unwrap();
    assert_eq!(refused.len(), 1, "{o}");
    assert_eq!((refused[0]["product_id"].as_str(), refused[0]["sku"].as_str()), (Some(p.id.as_str()), Some(p.sku.as_str())));
    assert!(refused[0]["error"].as_str().unwrap().contains("Invalid ID"), "the platform's message: {o}");
    assert_eq!(s.fake.inventory().get(&q.sku).copied(), Some(s.app.level("montreal", &q.id).await.max(0)), "the others were taken");
    assert_eq!(run_once(&s.state(), NOW + 2).await.unwrap(), RunReport::default(), "nothing moved, nobody asked");

    // Created again on the site; the next stock movement (another product) sends it again.
    s.fake.add_product(2000, &p.sku);
    s.app.push(&[s.app.sale(2, &[&q.id])]).await;
    let r = run_once(&s.state(), NOW + 3).await.unwrap();
    assert_eq!((r.stock_levels_sent, r.stock_levels_refused), (2, 0), "{r:?}");
    assert_eq!(s.fake.inventory().get(&p.sku).copied(), Some(s.app.level("montreal", &p.id).await.max(0)));
    assert_eq!(outbox(&s.app, &s.manager, &s.connection).await["stock_refused"], json!([]));

    // Refused again; a manager's retry sends it with the next run, without any stock movement.
    s.fake.remove_product(2000);
    s.app.push(&[s.app.sale(3, &[&p.id])]).await;
    assert_eq!(run_once(&s.state(), NOW + 4).await.unwrap().stock_levels_refused, 1);
    s.fake.add_product(3000, &p.sku);
    let (status, answer) = s.retry(&s.manager, "/retry").await;
    assert_eq!((status, answer["stock_levels"].as_u64()), (StatusCode::OK, Some(1)), "{answer}");
    assert_eq!(outbox(&s.app, &s.manager, &s.connection).await["stock_refused"][0]["due"], true);
    let r = run_once(&s.state(), NOW + 5).await.unwrap();
    assert_eq!((r.stock_levels_sent, r.stock_levels_refused), (1, 0), "{r:?}");
    assert_eq!(s.fake.inventory().get(&p.sku).copied(), Some(s.app.level("montreal", &p.id).await.max(0)));
    assert_eq!(outbox(&s.app, &s.manager, &s.connection).await["stock_refused"], json!([]));
}

/// A split order (seed 002: Laval ships 15 shirts, 6 hats and 6 shoes, Montréal 2 shirts): packed and
/// shipped part by part, with tracking. `shipped` reads the completion calls the fake got so far.
async fn ship_a_split_order(app: &TestApp, order: &str, shipped: impl Fn() -> usize, state: &AppState) {
    let manager = app.token(MANAGER_MTL).await;
    let admin = app.admin.clone();
    let (_, parts) = app.get(&format!("/api/v1/orders/{order}")).await;
    let mut outlets: Vec<&str> = parts.as_array().unwrap().iter().map(|p| p["outlet_id"].as_str().unwrap()).collect();
    outlets.sort_unstable();
    assert_eq!(outlets, ["laval", "montreal"], "{parts}");
    let tracking = "Postes Canada 7023 4567 8901";
    let (status, note) = op(app, &manager, "n-1", json!({"kind": "sale_note", "sale_id": order, "outlet_id": "montreal", "text": tracking})).await;
    assert_eq!(status, StatusCode::OK, "{note}");
    act(app, &manager, "m-pack", order, "montreal", "mark_packed").await;
    act(app, &manager, "m-ship", order, "montreal", "mark_shipped").await;
    act(app, &admin, "l-pack", order, "laval", "mark_packed").await;
    run_once(state, NOW).await.unwrap();
    assert_eq!(shipped(), 0, "one part still to ship: the order is not complete");
    act(app, &admin, "l-ship", order, "laval", "mark_shipped").await;
    let r = run_once(state, NOW + 1).await.unwrap();
    assert_eq!(r.statuses_sent, 1, "{r:?}");
    run_once(state, NOW + 10_000_000).await.unwrap();
    assert_eq!(shipped(), 1, "completion sent once");
}

#[tokio::test]
async fn a_split_shopify_order_is_fulfilled_once_with_its_fulfillment_order_and_tracking_when_both_parts_are_shipped() {
    use crate::fakes::shopify::{FakeShopify, ACCESS_TOKEN, CLIENT_SECRET, LOCATION_ID};
    let app = spawn_app().await;
    let fake = FakeShopify::start().await;
    let credentials = json!({"platform": "shopify", "access_token": ACCESS_TOKEN, "client_secret": CLIENT_SECRET, "location_id": LOCATION_ID});
    let connection = connect(&app, "shopify", &fake.base_url(), credentials, &["montreal", "sherbrooke", "laval"]).await;
    let order = json!({
        "id": 820982911946154508u64, "admin_graphql_api_id": "gid://shopify/Order/820982911946154508", "name": "#9999", "order_number": 9999,
        "email": "jon@example.com", "created_at": jiff::Timestamp::now().to_string(), "currency": "CAD", "total_price": "1139.77",
        "financial_status": "paid", "fulfillment_status": null, "payment_gateway_names": ["shopify_payments"], "note": null,
        "customer": {"id": 115310627314723954u64, "email": "jon@example.com", "first_name": "Jon", "last_name": "Snow"},
        "shipping_address": {"first_name": "Jon", "last_name": "Snow", "address1": "12 rue X", "city": "Montréal", "country_code": "CA"},
        "line_items": [
            {"id": 1, "variant_id": 11, "product_id": 21, "title": "Chemise", "sku": "SHIRT", "quantity": 17, "price": "29.99"},
            {"id": 2, "variant_id": 12, "product_id": 22, "title": "Chapeau", "sku": "HAT", "quantity": 6, "price": "15.00"},
            {"id": 3, "variant_id": 13, "product_id": 23, "title": "Chaussures", "sku": "SHOES", "quantity": 6, "price": "89.99"}],
        "shipping_lines": [{"id": 1, "title": "Livraison", "code": "std", "source": "shopify", "price": "0.00"}],
    });
    fake.add_order(order.clone());
    let (headers, body) = fake.webhook("orders/create", &order);
    deliver(&app, &connection, &headers, body).await;
    let id = order_id(&app, "#9999").await;
    let state = AppState::new(app.store.clone());
    let creates = || fake.graphql_calls("fulfillmentCreate(");
    ship_a_split_order(&app, &id, || creates().len(), &state).await;
    let fo = &fake.fulfillment_orders(820982911946154508)[0];
    let sent = creates()[0].json();
    let fulfillment = &sent["variables"]["fulfillment"];
    assert_eq!(fulfillment["lineItemsByFulfillmentOrder"], json!([{"fulfillmentOrderId": format!("gid://shopify/FulfillmentOrder/{}", fo.id)}]), "{sent}");
    assert_eq!(fulfillment["trackingInfo"]["number"], "Postes Canada 7023 4567 8901", "{sent}");
    assert_eq!(fo.status, "closed", "Shopify shows it fulfilled");
}

#[tokio::test]
async fn a_split_ecwid_order_is_marked_shipped_once_with_its_tracking_when_both_parts_are_shipped() {
    use crate::fakes::ecwid::{FakeEcwid, CLIENT_SECRET, SECRET_TOKEN, STORE_ID};
    let app = spawn_app().await;
    let fake = FakeEcwid::start().await;
    let credentials = json!({"platform": "lightspeed_ecom", "store_id": STORE_ID, "secret_token": SECRET_TOKEN, "client_secret": CLIENT_SECRET});
    let connection = connect(&app, "lightspeed_ecom", &fake.base_url(), credentials, &["montreal", "sherbrooke", "laval"]).await;
    fake.add_order(json!({
        "id": "K8XTQ", "internalId": 516483487, "orderNumber": 516483487, "email": "ex@example.com", "paymentMethod": "Stripe",
        "paymentModule": "Stripe", "paymentStatus": "PAID", "fulfillmentStatus": "AWAITING_PROCESSING", "total": 1139.77,
        "orderComments": "", "createTimestamp": jiff::Timestamp::now().as_second(),
        "items": [
            {"id": 1, "productId": 21, "price": 29.99, "sku": "SHIRT", "quantity": 17, "name": "Chemise"},
            {"id": 2, "productId": 22, "price": 15.0, "sku": "HAT", "quantity": 6, "name": "Chapeau"},
            {"id": 3, "productId": 23, "price": 89.99, "sku": "SHOES", "quantity": 6, "name": "Chaussures"}],
        "billingPerson": {"name": "Jane Doe", "firstName": "Jane", "lastName": "Doe", "phone": "+1 555 0100"},
        "shippingPerson": {"name": "Jane Doe", "street": "12 rue X", "city": "Montréal"},
        "shippingOption": {"shippingMethodName": "Livraison", "shippingRate": 0, "isPickup": false, "fulfillmentType": "SHIPPING"},
    }));
    let (headers, body) = fake.webhook("order.created", "K8XTQ");
    deliver(&app, &connection, &headers, body).await;
    let (_, parts) = app.get("/api/v1/orders").await;
    let number = parts.as_array().unwrap()[0]["number"].as_str().unwrap().to_string();
    let id = order_id(&app, &number).await;
    let state = AppState::new(app.store.clone());
    let puts = || fake.calls().into_iter().filter(|c| c.method == "PUT" && c.path == format!("/api/v3/{STORE_ID}/orders/K8XTQ")).collect::<Vec<_>>();
    ship_a_split_order(&app, &id, || puts().len(), &state).await;
    assert_eq!(puts()[0].body, json!({"fulfillmentStatus": "SHIPPED", "trackingNumber": "Postes Canada 7023 4567 8901"}));
    assert_eq!(fake.order("K8XTQ").unwrap()["fulfillmentStatus"], "SHIPPED");
}

#[tokio::test]
async fn a_refused_packed_status_superseded_by_the_completion_is_not_sent_again_for_it_would_undo_it() {
    use crate::fakes::bigcommerce::{FakeBigCommerce, ACCESS_TOKEN, CLIENT_SECRET, LOCATION_ID, STORE_HASH};
    let app = spawn_app().await;
    let fake = FakeBigCommerce::start().await;
    let credentials = json!({"platform": "bigcommerce", "store_hash": STORE_HASH, "access_token": ACCESS_TOKEN, "client_secret": CLIENT_SECRET, "location_id": LOCATION_ID});
    let connection = connect(&app, "bigcommerce", &fake.base_url(), credentials, &["montreal"]).await;
    let p = app.products[0].clone();
    let price = format!("{}.{:02}00", p.price.as_cents() / 100, p.price.as_cents() % 100);
    fake.add_order(
        json!({"id": 100, "customer_id": 20, "date_created": jiff::fmt::rfc2822::to_string(&jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC)).unwrap(), "status_id": 11, "status": "Awaiting Fulfillment",
               "total_inc_tax": price, "items_total": 1, "payment_method": "Credit Card", "payment_status": "captured", "currency_code": "CAD",
               "staff_notes": "", "customer_message": "", "shipping_cost_ex_tax": "0.0000",
               "billing_address": {"first_name": "Jane", "last_name": "Doe", "email": "jane@example.com", "street_1": "12 rue Principale", "city": "Montréal"}}),
        json!([{"id": 65, "order_id": 100, "product_id": 77, "order_address_id": 51, "sku": p.sku, "name": p.name, "quantity": 1,
                "base_price": price, "price_inc_tax": price, "quantity_shipped": 0}]),
        json!({"pickups": [], "shipping": [{"id": 51, "first_name": "Jane", "last_name": "Doe", "street_1": "12 rue Principale", "city": "Montréal", "shipping_method": "Flat Rate"}],
               "downloads": [], "email": {"gift_certificates": []}}),
    );
    let (headers, body) = fake.webhook("store/order/created", 100);
    deliver(&app, &connection, &headers, body).await;
    let order = order_id(&app, "100").await;
    let manager = app.token(MANAGER_MTL).await;
    let state = AppState::new(app.store.clone());
    act(&app, &manager, "b-pack", &order, "montreal", "mark_packed").await;
    fake.fail_next(1, 401);
    assert_eq!(run_once(&state, NOW).await.unwrap().statuses_failed, 1, "Awaiting Shipment refused");
    act(&app, &manager, "b-ship", &order, "montreal", "mark_shipped").await;
    assert_eq!(run_once(&state, NOW + 1).await.unwrap().statuses_sent, 1, "Completed taken");
    let o = outbox(&app, &manager, &connection).await;
    assert_eq!((o["calls"][0]["state"].as_str(), o["calls"][0]["superseded"].as_bool()), (Some("failed"), Some(true)), "{o}");
    let id = o["calls"][0]["id"].as_i64().unwrap();
    let retry = |path: String| {
        let (app, who) = (&app, As::Bearer(manager.clone()));
        async move { app.send(who, "POST", &path, None).await }
    };
    let (status, answer) = retry(format!("/api/v1/connections/{connection}/outbox/{id}/retry")).await;
    assert_eq!((status, answer["error"].as_str()), (StatusCode::CONFLICT, Some("superseded")), "{answer}");
    let (status, answer) = retry(format!("/api/v1/connections/{connection}/outbox/retry")).await;
    assert_eq!((status, answer["calls"].as_u64()), (StatusCode::OK, Some(0)), "{answer}");
    run_once(&state, NOW + 10_000_000).await.unwrap();
    let statuses: Vec<Value> = fake.calls().iter().filter(|c| c.method == "PUT" && c.path.ends_with("/v2/orders/100")).map(|c| c.body["status_id"].clone()).collect();
    assert_eq!(statuses, vec![json!(9), json!(10)], "the refused 9, then 10 — never 9 after it");
}

#[tokio::test]
async fn an_ecwid_product_deleted_since_is_a_refused_level_kept_for_managers_and_the_others_are_set() {
    use crate::fakes::ecwid::{FakeEcwid, CLIENT_SECRET, SECRET_TOKEN, STORE_ID};
    let app = spawn_app().await;
    let fake = FakeEcwid::start().await;
    let (p, q) = (app.products[0].clone(), app.products[1].clone());
    fake.add_product(json!({"id": 500, "sku": p.sku, "quantity": 0}));
    fake.add_product(json!({"id": 501, "sku": q.sku, "quantity": 0}));
    let credentials = json!({"platform": "lightspeed_ecom", "store_id": STORE_ID, "secret_token": SECRET_TOKEN, "client_secret": CLIENT_SECRET});
    let connection = connect(&app, "lightspeed_ecom", &fake.base_url(), credentials, &["montreal"]).await;
    let state = AppState::new(app.store.clone());
    run_once(&state, NOW).await.unwrap();
    assert_eq!(fake.inventory().get(&p.sku).copied(), Some(app.level("montreal", &p.id).await.max(0)));
    fake.remove_product(500);
    app.push(&[app.sale(1, &[&p.id, &q.id])]).await;
    let r = run_once(&state, NOW + 1).await.unwrap();
    assert_eq!((r.stock_batches_sent, r.stock_levels_refused, r.stock_batches_retried), (1, 1, 0), "{r:?}");
    assert_eq!(fake.inventory().get(&q.sku).copied(), Some(app.level("montreal", &q.id).await.max(0)), "the other product was set");
    let manager = app.token(MANAGER_MTL).await;
    let o = outbox(&app, &manager, &connection).await;
    assert_eq!(o["stock_refused"][0]["sku"], p.sku.as_str(), "{o}");
    assert!(o["stock_refused"][0]["error"].as_str().unwrap().contains("404"), "{o}");
    assert_eq!(o["stock_attempts"], 0, "the push itself went through: {o}");
}

#[tokio::test]
async fn a_shopify_inventory_item_deleted_since_is_a_refused_level_and_the_others_are_set_without_it() {
    use crate::fakes::shopify::{FakeShopify, ACCESS_TOKEN, CLIENT_SECRET, LOCATION_ID};
    let app = spawn_app().await;
    let fake = FakeShopify::start().await;
    let (p, q) = (app.products[0].clone(), app.products[1].clone());
    fake.add_product(&p.sku);
    fake.add_product(&q.sku);
    let credentials = json!({"platform": "shopify", "access_token": ACCESS_TOKEN, "client_secret": CLIENT_SECRET, "location_id": LOCATION_ID});
    let connection = connect(&app, "shopify", &fake.base_url(), credentials, &["montreal"]).await;
    let state = AppState::new(app.store.clone());
    run_once(&state, NOW).await.unwrap();
    fake.remove_product(&p.sku);
    app.push(&[app.sale(1, &[&p.id, &q.id])]).await;
    let r = run_once(&state, NOW + 1).await.unwrap();
    assert_eq!((r.stock_batches_sent, r.stock_levels_refused, r.stock_batches_retried), (1, 1, 0), "{r:?}");
    assert_eq!(fake.inventory().get(&q.sku).copied(), Some(app.level("montreal", &q.id).await.max(0)), "the other level was set");
    let manager = app.token(MANAGER_MTL).await;
    let o = outbox(&app, &manager, &connection).await;
    assert_eq!(o["stock_refused"][0]["sku"], p.sku.as_str(), "{o}");
    assert!(o["stock_refused"][0]["error"].as_str().unwrap().contains("INVALID_INVENTORY_ITEM"), "{o}");
    // Created again in Shopify (a new inventory item): a manager's retry publishes it.
    fake.add_product(&p.sku);
    assert_eq!(app.send(As::Bearer(manager.clone()), "POST", &format!("/api/v1/connections/{connection}/outbox/retry"), None).await.0, StatusCode::OK);
    let r = run_once(&state, NOW + 2).await.unwrap();
    assert_eq!((r.stock_levels_sent, r.stock_levels_refused), (1, 0), "{r:?}");
    assert_eq!(fake.inventory().get(&p.sku).copied(), Some(app.level("montreal", &p.id).await.max(0)));
}
