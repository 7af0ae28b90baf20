//! Orders out (issue 11): fulfilment operations on orders taken in through a real webhook, and the
//! platform worker sending statuses and stock to a fake WooCommerce (a real HTTP server on port 0).

use crate::fakes::woocommerce::{FakeWooCommerce, CONSUMER_KEY, CONSUMER_SECRET, WEBHOOK_SECRET};
use crate::helpers::*;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use backend::online::worker::{run_once, RunReport};
use backend::AppState;
use serde_json::{json, Value};
use shared::Money;

const NOW: i64 = 1_800_000_000_000;

struct Shop {
    app: TestApp,
    fake: FakeWooCommerce,
    connection: String,
    manager: String,
}

async fn shop() -> Shop {
    let app = spawn_app().await;
    let fake = FakeWooCommerce::start().await;
    let body = json!({
        "platform": "woocommerce", "name": "Boutique Woo", "base_url": fake.base_url(),
        "credentials": {"platform": "woocommerce", "consumer_key": CONSUMER_KEY, "consumer_secret": CONSUMER_SECRET, "webhook_secret": WEBHOOK_SECRET},
        "orders_register_id": "montreal-1",
    });
    let (status, conn) = app.post("/api/v1/connections", body.to_string()).await;
    assert_eq!(status, StatusCode::CREATED, "{conn}");
    let manager = app.token(MANAGER_MTL).await;
    Shop { connection: conn["id"].as_str().unwrap().to_string(), app, fake, manager }
}

impl Shop {
    /// A WooCommerce order of one unit of the first product with stock, delivered by webhook; its id.
    async fn order(&self, external: u64, paid: bool) -> String {
        let p = &self.app.products[0];
        let total = format!("{}.{:02}", p.price.as_cents() / 100, p.price.as_cents() % 100);
        let order = json!({
            "id": external, "number": external.to_string(), "status": if paid { "processing" } else { "on-hold" }, "currency": "CAD",
            "date_created_gmt": jiff::Timestamp::now().strftime("%Y-%m-%dT%H:%M:%S").to_string(), "date_modified_gmt": "2026-11-30T15:00:00", "total": total, "customer_note": "",
            "billing": {"first_name": "Léa", "last_name": "Tremblay", "email": "lea@example.com"},
            "shipping": {"first_name": "Léa", "last_name": "Tremblay", "address_1": "12 rue X", "city": "Montréal"},
            "payment_method": if paid { "stripe" } else { "cod" }, "payment_method_title": if paid { "Stripe" } else { "Paiement à la livraison" },
            "date_paid_gmt": if paid { json!("2026-11-30T15:00:00") } else { Value::Null },
            "line_items": [{"id": 1, "name": p.name, "product_id": 93, "variation_id": 0, "quantity": 1, "sku": p.sku,
                            "price": p.price.as_cents() as f64 / 100.0, "subtotal": total, "total": total, "meta_data": []}],
            "shipping_lines": [{"id": 2, "method_title": "Flat Rate", "method_id": "flat_rate", "total": "0.00", "total_tax": "0.00", "meta_data": []}],
        });
        self.fake.add_order(order.clone());
        let (headers, body) = self.fake.webhook("order.created", &order);
        let mut req = Request::builder().method("POST").uri(format!("/api/v1/webhooks/{}", self.connection));
        for (k, v) in &headers {
            req = req.header(k, v);
        }
        let (status, answer) = self.app.call(req.body(Body::from(body)).unwrap()).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        let (status, parts) = self.app.send(As::Bearer(self.manager.clone()), "GET", "/api/v1/orders", None).await;
        assert_eq!(status, StatusCode::OK, "{parts}");
        let number = external.to_string();
        let part = parts.as_array().unwrap().iter().find(|p| p["number"] == number.as_str()).unwrap_or_else(|| panic!("order {external} on the page: {parts}"));
        part["order_id"].as_str().unwrap().to_string()
    }

    /// A manager's operation through `POST /orders/ops`.
    async fn op(&self, id: &str, body: Value) -> (StatusCode, Value) {
        let op = json!({"id": id, "device_id": "-", "made_at_ms": NOW, "cashier_id": "-", "body": body});
        self.app.send(As::Bearer(self.manager.clone()), "POST", "/api/v1/orders/ops", Some(op.to_string())).await
    }

    async fn act(&self, id: &str, order: &str, action: &str) -> (StatusCode, Value) {
        self.op(id, json!({"kind": "order_action", "order_id": order, "outlet_id": "montreal", "action": action})).await
    }

    async fn work(&self, at: i64) -> RunReport {
        run_once(&AppState::new(self.app.store.clone()), at).await.unwrap()
    }

    async fn online_outlets(&self, list: Value) -> (StatusCode, Value) {
        let path = format!("/api/v1/connections/{}/outlets", self.connection);
        self.app.send(As::Bearer(self.app.admin.clone()), "PUT", &path, Some(json!({ "outlets": list }).to_string())).await
    }

    /// The status calls the fake received for an order (PUT /orders/{id}), with their answers' bodies.
    fn status_calls(&self, external: u64) -> Vec<Value> {
        self.fake.calls().iter().filter(|c| c.method == "PUT" && c.path.ends_with(&format!("/orders/{external}"))).map(|c| c.json()).collect()
    }
}

#[tokio::test]
async fn a_shipped_woocommerce_order_is_completed_once_after_two_429s_with_back_off() {
    let s = shop().await;
    let order = s.order(727, true).await;
    assert_eq!(s.act("op-pack", &order, "mark_packed").await.0, StatusCode::OK);
    s.work(NOW).await;
    assert!(s.status_calls(727).is_empty(), "packing tells WooCommerce nothing");
    let (status, result) = s.act("op-ship", &order, "mark_shipped").await;
    assert_eq!((status, result["status"].as_str()), (StatusCode::OK, Some("applied")), "{result}");
    // The same operation again (a lost answer): applied once, owed once.
    assert_eq!(s.act("op-ship", &order, "mark_shipped").await.1["status"], "duplicate");

    s.fake.fail_next(2, 429); // each with Retry-After: 3
    assert_eq!(s.work(NOW).await.statuses_retried, 1);
    assert_eq!(s.work(NOW + 1_000).await, RunReport::default(), "waits for the platform's 3 s");
    assert_eq!(s.work(NOW + 3_000).await.statuses_retried, 1);
    // The second failure waits the schedule's 5 s, longer than the platform's 3 s.
    assert_eq!(s.work(NOW + 7_000).await.statuses_sent, 0);
    assert_eq!(s.work(NOW + 8_000).await.statuses_sent, 1);
    assert_eq!(s.work(NOW + 600_000).await.statuses_sent, 0);
    let calls = s.status_calls(727);
    assert_eq!(calls.len(), 3, "two refused, one taken: {calls:?}");
    assert!(calls.iter().all(|c| c["status"] == "completed"));
    assert_eq!(s.fake.order(727).unwrap()["status"], "completed");
    let (status, outbox) = s.app.send(As::Bearer(s.manager.clone()), "GET", &format!("/api/v1/connections/{}/outbox", s.connection), None).await;
    assert_eq!(status, StatusCode::OK, "{outbox}");
    assert_eq!((outbox["pending"].as_u64(), outbox["failed"].as_u64(), outbox["done"].as_u64()), (Some(0), Some(0), Some(1)));
}

#[tokio::test]
async fn an_unpaid_order_is_held_order_unpaid_at_shipping_until_a_payment_is_recorded() {
    let s = shop().await;
    let order = s.order(800, false).await;
    assert_eq!(s.act("op-1", &order, "mark_packed").await.0, StatusCode::OK);
    let (status, refused) = s.act("op-2", &order, "mark_shipped").await;
    assert_eq!((status, refused["error"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("order_unpaid")), "{refused}");
    let (_, parts) = s.app.send(As::Bearer(s.manager.clone()), "GET", &format!("/api/v1/orders/{order}"), None).await;
    let due = parts[0]["total"].as_i64().unwrap() - parts[0]["paid"].as_i64().unwrap();
    assert!(due > 0, "{parts}");
    let too_much = json!({"kind": "card", "amount": due + 1, "tendered": due + 1, "change": 0});
    let (status, _) = s.op("op-3", json!({"kind": "order_payment", "order_id": order, "outlet_id": "montreal", "tender": too_much})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "never more than is due");
    let card = json!({"kind": "card", "amount": due, "tendered": due, "change": 0});
    let (status, paid) = s.op("op-4", json!({"kind": "order_payment", "order_id": order, "outlet_id": "montreal", "tender": card})).await;
    assert_eq!(status, StatusCode::OK, "{paid}");
    assert_eq!(s.act("op-5", &order, "mark_shipped").await.0, StatusCode::OK);
    assert_eq!(s.work(NOW).await.statuses_sent, 1);
    assert_eq!(s.status_calls(800).len(), 1);
    // The payment is on the sale in sales history: recorded, not charged.
    let (_, sales) = s.app.get("/api/v1/sales?limit=50").await;
    let sale = sales.as_array().unwrap_or_else(|| panic!("{sales}")).iter().find(|x| x["id"] == order.as_str()).cloned().unwrap_or_default();
    assert!(sale["tenders"].as_array().is_some_and(|t| t.iter().any(|t| t["kind"] == "card" && t["amount"].as_i64() == Some(due))), "{sale}");
}

#[tokio::test]
async fn a_server_restart_with_a_status_call_pending_sends_it_exactly_once() {
    let s = shop().await;
    let order = s.order(900, true).await;
    s.act("op-1", &order, "mark_packed").await;
    s.act("op-2", &order, "mark_shipped").await;
    s.fake.fail_next(1, 503);
    assert_eq!(s.work(NOW).await.statuses_retried, 1);
    // Another process on the same database, after this one stopped.
    s.app.store.close().await;
    let store = backend::store::connect(&s.app.database.url).await.unwrap();
    let state = AppState::new(store);
    assert_eq!(run_once(&state, NOW + 500).await.unwrap().statuses_sent, 0, "still waiting its back-off");
    assert_eq!(run_once(&state, NOW + 1_000).await.unwrap().statuses_sent, 1);
    assert_eq!(run_once(&state, NOW + 10_000_000).await.unwrap().statuses_sent, 0);
    assert_eq!(s.status_calls(900).len(), 2, "one 503, one taken");
}

#[tokio::test]
async fn an_in_store_sale_at_an_online_outlet_pushes_the_absolute_level_and_one_at_laval_pushes_nothing() {
    let s = shop().await;
    let p = s.app.products[0].clone();
    s.fake.add_product(501, &p.sku);
    // The first run publishes every product the log touched at Montréal (the opening stock included).
    let first = s.work(NOW).await;
    assert!(first.stock_batches_sent >= 1, "{first:?}");
    let (status, _) = s.app.push(&[s.app.sale(1, &[&p.id])]).await;
    assert_eq!(status, StatusCode::OK);
    s.fake.clear_calls();
    let r = s.work(NOW + 1).await;
    assert_eq!((r.stock_batches_sent, r.stock_levels_sent), (1, 1), "{r:?}");
    assert_eq!(s.fake.inventory().get(&p.sku).copied(), Some(s.app.level("montreal", &p.id).await.max(0)));
    let (status, _) = s.app.push_from(LAV_DEVICE, &[s.app.laval_sale(1, &[&p.id])]).await;
    assert_eq!(status, StatusCode::OK);
    s.fake.clear_calls();
    assert_eq!(s.work(NOW + 2).await, RunReport::default(), "Laval does not sell online");
    assert!(s.fake.calls().is_empty());
}

#[tokio::test]
async fn choosing_other_online_outlets_publishes_every_level_again_with_no_stock_moving() {
    let s = shop().await;
    let p = s.app.products[0].clone();
    s.fake.add_product(501, &p.sku);
    let (montreal, laval) = (s.app.level("montreal", &p.id).await.max(0), s.app.level("laval", &p.id).await.max(0));
    assert!(laval > 0, "the fixture holds this product at Laval");
    s.work(NOW).await;
    assert_eq!(s.fake.inventory().get(&p.sku).copied(), Some(montreal));

    // Laval now offers its stock online: the store hears the sum at once, though nothing sold.
    assert_eq!(s.online_outlets(json!(["montreal", "laval"])).await.0, StatusCode::OK);
    s.work(NOW + 1).await;
    assert_eq!(s.fake.inventory().get(&p.sku).copied(), Some(montreal + laval));
    // The same outlets in another order change no sum: nothing is sent.
    assert_eq!(s.online_outlets(json!(["laval", "montreal"])).await.0, StatusCode::OK);
    s.fake.clear_calls();
    assert_eq!(s.work(NOW + 2).await.stock_batches_sent, 0);
    // Laval leaves: its units are no longer offered online, though no stock moved at Montréal.
    assert_eq!(s.online_outlets(json!(["montreal"])).await.0, StatusCode::OK);
    s.work(NOW + 3).await;
    assert_eq!(s.fake.inventory().get(&p.sku).copied(), Some(montreal));
    // And a sale at Laval afterwards publishes nothing.
    s.app.push_from(LAV_DEVICE, &[s.app.laval_sale(1, &[&p.id])]).await;
    s.fake.clear_calls();
    assert_eq!(s.work(NOW + 4).await.stock_batches_sent, 0);
}

#[tokio::test]
async fn a_failed_stock_push_keeps_its_range_and_sends_it_again_after_back_off() {
    let s = shop().await;
    let p = s.app.products[0].clone();
    s.fake.add_product(501, &p.sku);
    s.work(NOW).await;
    s.app.push(&[s.app.sale(1, &[&p.id])]).await;
    s.fake.fail_next(1, 500);
    let r = s.work(NOW + 10).await;
    assert_eq!(r.stock_batches_retried, 1, "{r:?}");
    assert_eq!(s.work(NOW + 20).await.stock_batches_sent, 0, "waits");
    assert_eq!(s.work(NOW + 10 + 1_000).await.stock_batches_sent, 1);
    assert_eq!(s.fake.inventory().get(&p.sku).copied(), Some(s.app.level("montreal", &p.id).await.max(0)));
}

#[tokio::test]
async fn a_floor_tablets_pushed_operations_pick_capped_and_a_wrong_item_and_an_unpaid_shipment_are_held() {
    let s = shop().await;
    let order = s.order(950, false).await;
    let product = s.app.products[0].id.clone();
    let op = |id: &str, body: Value| json!({"id": id, "device_id": MTL_DEVICE, "made_at_ms": NOW, "cashier_id": "julie", "body": body});
    let ops = json!([
        op("t-1", json!({"kind": "order_pick", "order_id": order, "outlet_id": "montreal", "product_id": product, "qty": 5})),
        op("t-2", json!({"kind": "order_pick", "order_id": order, "outlet_id": "montreal", "product_id": "not-in-the-order", "qty": 1})),
        op("t-3", json!({"kind": "order_note", "order_id": order, "outlet_id": "montreal", "text": "boîte abîmée"})),
        op("t-4", json!({"kind": "order_action", "order_id": order, "outlet_id": "montreal", "action": "mark_packed"})),
        op("t-5", json!({"kind": "order_action", "order_id": order, "outlet_id": "montreal", "action": "mark_shipped"})),
    ]);
    let push = json!({"device_id": MTL_DEVICE, "sales": [], "ops": ops}).to_string();
    let (status, answer) = s.app.send(s.app.device(MTL_DEVICE, Some("julie")), "POST", "/api/v1/sync/push", Some(push.clone())).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let got: Vec<(String, String)> = answer["ops"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["status"].as_str().unwrap().to_string(), r["hold"]["code"].as_str().unwrap_or("").to_string()))
        .collect();
    let want = [("applied", ""), ("held", "not_in_order"), ("applied", ""), ("applied", ""), ("held", "order_unpaid")];
    assert_eq!(got, want.map(|(a, b)| (a.to_string(), b.to_string())), "{answer}");
    // Pushed again (a lost answer): nothing applied twice.
    let (_, again) = s.app.send(s.app.device(MTL_DEVICE, Some("julie")), "POST", "/api/v1/sync/push", Some(push)).await;
    assert!(again["ops"].as_array().unwrap().iter().all(|r| r["status"] != "applied"), "{again}");
    let (_, parts) = s.app.send(As::Bearer(s.manager.clone()), "GET", &format!("/api/v1/orders/{order}"), None).await;
    let part = &parts[0];
    assert_eq!((part["status"].as_str(), part["lines"][0]["picked"].as_u64()), (Some("packed"), Some(1)), "{part}");
    assert_eq!(part["order_notes"].as_array().map(Vec::len), Some(1), "{part}");
    assert_eq!(s.work(NOW).await.statuses_sent, 0, "nothing is owed to WooCommerce yet");
}

#[tokio::test]
async fn an_online_sale_returned_at_the_register_goes_back_to_its_processor_flagged_and_its_stock_comes_back() {
    let s = shop().await;
    let order = s.order(990, true).await;
    let (_, sales) = s.app.get("/api/v1/sales?limit=50").await;
    let original: shared::sale::Sale = serde_json::from_value(sales.as_array().unwrap().iter().find(|x| x["id"] == order.as_str()).unwrap().clone()).unwrap();
    assert_eq!(original.tenders[0].kind, shared::sale::TenderKind::Online);
    let product = original.lines[0].product_id.clone();
    let before = s.app.level("montreal", &product).await;
    let mut back = s.app.return_sale(1, &original, 0, 1);
    back.tenders = shared::sale::refund_tenders(back.totals.total, shared::sale::RefundMethod::OriginalTender, Some(&original)).unwrap();
    assert!(back.needs_processor_refund());
    let (status, answer) = s.app.push(&[back.clone()]).await;
    assert_eq!((status, answer["results"][0]["status"].as_str()), (StatusCode::OK, Some("stored")), "{answer}");
    assert_eq!(s.app.level("montreal", &product).await, before + 1);
    let (_, sales) = s.app.get("/api/v1/sales?limit=50").await;
    let stored: shared::sale::Sale = serde_json::from_value(sales.as_array().unwrap().iter().find(|x| x["id"] == back.id.as_str()).unwrap().clone()).unwrap();
    assert_eq!(stored.processor_refunds(), vec![(original.tenders[0].processor.as_deref(), Money(-back.totals.total.as_cents()))]);
}

#[tokio::test]
async fn bigcommerce_hears_awaiting_shipment_when_packed_and_completed_with_the_tracking_when_shipped() {
    use crate::fakes::bigcommerce::{FakeBigCommerce, ACCESS_TOKEN, CLIENT_SECRET, LOCATION_ID, STORE_HASH};
    let app = spawn_app().await;
    let fake = FakeBigCommerce::start().await;
    let body = json!({
        "platform": "bigcommerce", "name": "Boutique BC", "base_url": fake.base_url(),
        "credentials": {"platform": "bigcommerce", "store_hash": STORE_HASH, "access_token": ACCESS_TOKEN, "client_secret": CLIENT_SECRET, "location_id": LOCATION_ID},
        "orders_register_id": "montreal-1",
    });
    let (status, conn) = app.post("/api/v1/connections", body.to_string()).await;
    assert_eq!(status, StatusCode::CREATED, "{conn}");
    let connection = conn["id"].as_str().unwrap().to_string();
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
    let (headers, raw) = fake.webhook("store/order/created", 100);
    let mut req = Request::builder().method("POST").uri(format!("/api/v1/webhooks/{connection}"));
    for (k, v) in &headers {
        req = req.header(k, v);
    }
    let (status, answer) = app.call(req.body(Body::from(raw)).unwrap()).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let manager = app.token(MANAGER_MTL).await;
    let (_, parts) = app.send(As::Bearer(manager.clone()), "GET", "/api/v1/orders", None).await;
    let order = parts.as_array().unwrap().iter().find(|x| x["number"] == "100").unwrap_or_else(|| panic!("{parts}"))["order_id"].as_str().unwrap().to_string();
    let send = |id: &str, body: Value| {
        let op = json!({"id": id, "device_id": "-", "made_at_ms": NOW, "cashier_id": "-", "body": body}).to_string();
        app.send(As::Bearer(manager.clone()), "POST", "/api/v1/orders/ops", Some(op))
    };
    let state = AppState::new(app.store.clone());
    let status_puts = || fake.calls().iter().filter(|c| c.method == "PUT" && c.path.ends_with("/v2/orders/100")).map(|c| c.body["status_id"].clone()).collect::<Vec<_>>();

    assert_eq!(send("b-1", json!({"kind": "order_action", "order_id": order, "outlet_id": "montreal", "action": "mark_packed"})).await.0, StatusCode::OK);
    assert_eq!(run_once(&state, NOW).await.unwrap().statuses_sent, 1);
    assert_eq!(status_puts(), vec![json!(9)], "Awaiting Shipment");
    let tracking = "Postes Canada 7023 4567 8901";
    assert_eq!(send("b-2", json!({"kind": "sale_note", "sale_id": order, "outlet_id": "montreal", "text": tracking})).await.0, StatusCode::OK);
    assert_eq!(send("b-3", json!({"kind": "order_action", "order_id": order, "outlet_id": "montreal", "action": "mark_shipped"})).await.0, StatusCode::OK);
    let (_, outbox) = app.send(As::Bearer(manager.clone()), "GET", &format!("/api/v1/connections/{connection}/outbox"), None).await;
    assert_eq!(outbox["calls"][0]["tracking"], tracking, "{outbox}");
    assert_eq!(run_once(&state, NOW + 1).await.unwrap().statuses_sent, 1);
    assert_eq!(status_puts(), vec![json!(9), json!(10)], "then Completed");
    let (_, sales) = app.get("/api/v1/sales?limit=50").await;
    assert!(sales.as_array().unwrap().iter().any(|s| s["id"] == order.as_str()), "the order is in sales history");
}

#[tokio::test]
async fn two_instances_running_the_worker_at_once_send_a_status_call_once() {
    let s = shop().await;
    let order = s.order(1200, true).await;
    s.act("op-1", &order, "mark_packed").await;
    s.act("op-2", &order, "mark_shipped").await;
    let a = AppState::new(s.app.store.clone());
    let b = AppState::new(backend::store::connect(&s.app.database.url).await.unwrap());
    let (ra, rb) = tokio::join!(run_once(&a, NOW), run_once(&b, NOW));
    assert_eq!(ra.unwrap().statuses_sent + rb.unwrap().statuses_sent, 1);
    assert_eq!(s.status_calls(1200).len(), 1);
    // The stock push too: one instance holds the connection's lease.
    let stock_batches = s.fake.calls().iter().filter(|c| c.path.ends_with("/products/batch")).count();
    assert!(stock_batches <= 1, "{stock_batches} stock batches for one range");
}
