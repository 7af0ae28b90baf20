//! No signed order is ever lost or loops (issue 11, intake): what a platform signed but we cannot read,
//! fetch or store is held with its raw body and answered 200 (every platform disables a webhook that
//! keeps failing); a manager retries it; reconciliation fetches again what the platform did not give,
//! holds what the store refuses, and always advances — a backlog of N pages ends in ceil(N/50) runs.
//! Each test counts the rows of every table an order writes, to prove nothing is half-written.

use crate::fakes::woocommerce::{FakeWooCommerce, CONSUMER_KEY, CONSUMER_SECRET, WEBHOOK_SECRET};
use crate::helpers::*;
use crate::online_orders::{count, deliver, deliver_signed, now_gmt, woo_order};
use crate::test_db::Kind;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use backend::online::reconcile_once;
use backend::AppState;
use serde_json::{json, Value};

/// What an order writes, table by table (held: unresolved rows).
async fn rows(app: &TestApp) -> [i64; 7] {
    let held: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM held_online_orders WHERE resolved = FALSE").fetch_one(&app.db).await.unwrap();
    [
        count(app, "sales").await,
        count(app, "online_orders").await,
        count(app, "order_parts").await,
        app.movement_count().await,
        count(app, "customers").await,
        count(app, "webhook_deliveries").await,
        held,
    ]
}

/// `rows` with one more held order and nothing else.
fn held_one_more(mut r: [i64; 7]) -> [i64; 7] {
    r[6] += 1;
    r
}

/// Connects a fake WooCommerce site (its credentials), Montréal's register taking the orders.
async fn connect_site(app: &TestApp, site: &FakeWooCommerce) -> String {
    let body = json!({
        "platform": "woocommerce", "name": "Boutique", "base_url": site.base_url(),
        "credentials": {"platform": "woocommerce", "consumer_key": CONSUMER_KEY, "consumer_secret": CONSUMER_SECRET, "webhook_secret": WEBHOOK_SECRET},
        "orders_register_id": "montreal-1", "online_outlets": ["montreal", "sherbrooke", "laval"],
    });
    let (status, conn) = app.post("/api/v1/connections", body.to_string()).await;
    assert_eq!(status, StatusCode::CREATED, "{conn}");
    conn["id"].as_str().unwrap().to_string()
}

async fn post_webhook(app: &TestApp, conn: &str, headers: &HeaderMap, body: Vec<u8>) -> (StatusCode, Value) {
    let mut req = Request::builder().method("POST").uri(format!("/api/v1/webhooks/{conn}"));
    for (k, v) in headers {
        req = req.header(k, v);
    }
    app.call(req.body(Body::from(body)).unwrap()).await
}

async fn held(app: &TestApp) -> Vec<Value> {
    let (status, held) = app.get("/api/v1/held/orders").await;
    assert_eq!(status, StatusCode::OK, "{held}");
    held.as_array().unwrap().clone()
}

async fn retry(app: &TestApp, id: &Value) -> (StatusCode, Value) {
    app.post(&format!("/api/v1/held/orders/{}/retry", id.as_i64().unwrap()), "").await
}

/// Turns the store's refusal of new online orders on or off: a trigger that fails every insert into
/// `online_orders`, as a full disk or a broken constraint would.
async fn store_refuses(app: &TestApp, on: bool) {
    let statements: &[&str] = match (app.database.kind == Kind::Sqlite, on) {
        (true, true) => &["CREATE TRIGGER refuse BEFORE INSERT ON online_orders BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END"],
        (true, false) => &["DROP TRIGGER refuse"],
        (false, true) => &[
            "CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'disk I/O error'; END $$ LANGUAGE plpgsql",
            "CREATE TRIGGER refuse BEFORE INSERT ON online_orders FOR EACH ROW EXECUTE FUNCTION refuse()",
        ],
        (false, false) => &["DROP TRIGGER refuse ON online_orders", "DROP FUNCTION refuse()"],
    };
    for s in statements {
        sqlx::query(sqlx::AssertSqlSafe(*s)).execute(&app.db).await.unwrap();
    }
}

#[tokio::test]
async fn a_signed_order_that_cannot_be_read_is_held_with_its_raw_body_answered_200_and_taken_in_by_a_retry_once_readable() {
    let app = spawn_app().await;
    let site = FakeWooCommerce::start().await;
    let conn = connect_site(&app, &site).await;
    let before = rows(&app).await;
    // A negative quantity: neither the body nor the platform's copy can be read.
    let mut bad = woo_order(901, &[("HAT", 1, "15.00")]);
    bad["line_items"][0]["quantity"] = json!(-3);
    site.add_order(bad.clone());
    let (headers, body) = site.webhook("order.created", &bad);
    let raw = String::from_utf8(body.clone()).unwrap();
    for _ in 0..2 {
        let (status, outcome) = post_webhook(&app, &conn, &headers, body.clone()).await;
        assert_eq!((status, outcome.clone()), (StatusCode::OK, json!({"outcome": "held", "code": "unreadable"})), "so WooCommerce never disables us");
    }
    let [sales, orders, parts, moves, customers, deliveries, held_rows] = rows(&app).await;
    assert_eq!([sales, orders, parts, moves, customers, deliveries], before[..6], "nothing half-written, no delivery recorded");
    assert_eq!(held_rows, before[6] + 1, "one row for the order, delivered twice");
    let h = held(&app).await;
    assert_eq!((h[0]["code"].as_str(), h[0]["external_id"].as_str(), &h[0]["order"]), (Some("unreadable"), Some("901"), &Value::Null));
    assert_eq!(h[0]["raw"].as_str(), Some(raw.as_str()), "the body as signed");

    // Still unreadable: held again, same row.
    let (status, again) = retry(&app, &h[0]["id"]).await;
    assert_eq!((status, again), (StatusCode::OK, json!({"outcome": "held", "code": "unreadable"})));
    assert_eq!(held(&app).await.len(), 1);
    // The store fixed the order: the retry fetches it and takes it in, once.
    site.add_order(woo_order(901, &[("HAT", 1, "15.00")]));
    let (status, taken) = retry(&app, &h[0]["id"]).await;
    assert_eq!((status, taken["outcome"].as_str()), (StatusCode::OK, Some("created")), "{taken}");
    assert!(held(&app).await.is_empty());
    let after = rows(&app).await;
    assert_eq!((after[0], after[1], after[6]), (before[0] + 1, before[1] + 1, before[6]));
}

#[tokio::test]
async fn an_order_the_store_refuses_is_held_whole_answered_200_and_taken_in_once_by_a_retry() {
    let app = spawn_app().await;
    let conn = crate::online_orders::connect(&app, "https://shop.example").await;
    let before = rows(&app).await;
    store_refuses(&app, true).await;
    let order = woo_order(902, &[("SHIRT", 1, "25.00")]);
    let (status, outcome) = deliver(&app, &conn, &order).await;
    assert_eq!((status, outcome), (StatusCode::OK, json!({"outcome": "held", "code": "store_error"})));
    let after = rows(&app).await;
    assert_eq!(after[..6], before[..6], "the refused transaction wrote nothing: no sale, customer, movement nor delivery");
    assert_eq!(after[6], before[6] + 1);
    let h = held(&app).await;
    assert_eq!((h[0]["code"].as_str(), h[0]["order"]["external_id"].as_str()), (Some("store_error"), Some("902")));
    assert!(h[0]["raw"].as_str().unwrap().contains("\"id\":902"));
    assert!(h[0]["reason"].as_str().unwrap().contains("disk I/O error"), "{}", h[0]["reason"]);

    store_refuses(&app, false).await;
    let (status, taken) = retry(&app, &h[0]["id"]).await;
    assert_eq!((status, taken["outcome"].as_str()), (StatusCode::OK, Some("created")), "{taken}");
    // The platform's repeat of the first delivery is now an update, never a second sale.
    assert_eq!(deliver(&app, &conn, &order).await.1["outcome"], "updated");
    let done = rows(&app).await;
    assert_eq!((done[0], done[1], done[6]), (before[0] + 1, before[1] + 1, before[6]));
    assert!(held(&app).await.is_empty());
}

#[tokio::test]
async fn a_thin_webhook_whose_platform_is_down_is_held_as_a_pending_fetch_answered_200_and_reconciliation_takes_it_in() {
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
    let conn = conn["id"].as_str().unwrap().to_string();
    let p = app.products[0].clone();
    let price = format!("{}.{:02}00", p.price.as_cents() / 100, p.price.as_cents() % 100);
    fake.add_order(
        json!({"id": 100, "customer_id": 20, "date_created": jiff::fmt::rfc2822::to_string(&jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC)).unwrap(),
               "status_id": 11, "status": "Awaiting Fulfillment", "total_inc_tax": price, "items_total": 1, "payment_method": "Credit Card",
               "payment_status": "captured", "currency_code": "CAD", "staff_notes": "", "customer_message": "", "shipping_cost_ex_tax": "0.0000",
               "billing_address": {"first_name": "Jane", "last_name": "Doe", "email": "jane@example.com", "street_1": "12 rue Principale", "city": "Montréal"}}),
        json!([{"id": 65, "order_id": 100, "product_id": 77, "order_address_id": 51, "sku": p.sku, "name": p.name, "quantity": 1,
                "base_price": price, "price_inc_tax": price, "quantity_shipped": 0}]),
        json!({"pickups": [], "shipping": [{"id": 51, "first_name": "Jane", "last_name": "Doe", "street_1": "12 rue Principale", "city": "Montréal"}],
               "downloads": [], "email": {"gift_certificates": []}}),
    );
    let before = rows(&app).await;
    fake.fail_next(3, 503);
    let (headers, raw) = fake.webhook("store/order/created", 100);
    let (status, outcome) = post_webhook(&app, &conn, &headers, raw).await;
    assert_eq!((status, outcome), (StatusCode::OK, json!({"outcome": "held", "code": "platform_unreachable"})), "200: BigCommerce would blocklist us below 90 %");
    let after = rows(&app).await;
    assert_eq!(after, held_one_more(before), "nothing but the held row");
    let h = held(&app).await;
    assert_eq!((h[0]["external_id"].as_str(), &h[0]["order"]), (Some("100"), &Value::Null));

    // The platform is back: the next reconciliation run fetches it first, and takes it in once.
    fake.fail_next(0, 503);
    let state = AppState::new(app.store.clone());
    let r = reconcile_once(&state).await.unwrap();
    assert_eq!((r[0].refetched, r[0].error.clone()), (1, None), "{r:?}");
    let done = rows(&app).await;
    assert_eq!((done[0], done[1], done[6]), (before[0] + 1, before[1] + 1, before[6]));
    assert!(held(&app).await.is_empty());
    let r = reconcile_once(&state).await.unwrap();
    assert_eq!((r[0].refetched, r[0].created), (0, 0));
    assert_eq!(rows(&app).await[0], before[0] + 1);
}

#[tokio::test]
async fn the_woocommerce_creation_ping_is_answered_200_and_writes_nothing() {
    let app = spawn_app().await;
    let site = FakeWooCommerce::start().await;
    let conn = connect_site(&app, &site).await;
    let before = rows(&app).await;
    let (headers, body) = site.ping();
    for _ in 0..3 {
        let (status, _) = post_webhook(&app, &conn, &headers, body.clone()).await;
        assert_eq!(status, StatusCode::OK);
    }
    assert_eq!(rows(&app).await, before, "unsigned: not even a delivery row");
}

#[tokio::test]
async fn an_order_placed_before_the_connection_arriving_as_an_update_is_held_and_a_manager_takes_it_in_on_purpose() {
    let app = spawn_app().await;
    let conn = crate::online_orders::connect(&app, "https://shop.example").await;
    let before = rows(&app).await;
    let mut old = woo_order(903, &[("HAT", 1, "15.00")]);
    old["date_created_gmt"] = json!("2024-03-01T10:00:00");
    let (status, outcome) = deliver(&app, &conn, &old).await;
    assert_eq!((status, outcome), (StatusCode::OK, json!({"outcome": "held", "code": "before_connection"})));
    // Updated again on the platform: still held, one row.
    old["date_modified_gmt"] = json!("2026-11-24T18:00:00");
    assert_eq!(deliver(&app, &conn, &old).await.1["code"], "before_connection");
    let after = rows(&app).await;
    assert_eq!((after[0], after[1], after[2], after[3], after[4], after[6]), (before[0], before[1], before[2], before[3], before[4], before[6] + 1));
    let h = held(&app).await;
    assert_eq!((h[0]["code"].as_str(), h[0]["order"]["external_id"].as_str()), (Some("before_connection"), Some("903")));

    let (status, taken) = retry(&app, &h[0]["id"]).await;
    assert_eq!((status, taken["outcome"].as_str()), (StatusCode::OK, Some("created")), "{taken}");
    assert!(held(&app).await.is_empty());
    // Once taken in, its updates apply.
    old["date_modified_gmt"] = json!("2026-11-24T19:00:00");
    assert_eq!(deliver(&app, &conn, &old).await.1["outcome"], "updated");
    assert_eq!(rows(&app).await[0], before[0] + 1);
}

#[tokio::test]
async fn reconciliation_holds_an_order_the_store_refuses_and_its_window_still_advances() {
    let app = spawn_app().await;
    let site = FakeWooCommerce::start().await;
    let conn = connect_site(&app, &site).await;
    let mut order = woo_order(904, &[("HAT", 1, "15.00")]);
    order["date_modified_gmt"] = json!(now_gmt());
    site.add_order(order);
    let (_, list) = app.get("/api/v1/connections").await;
    let mark = list[0]["reconciled_until_ms"].as_i64().unwrap();
    let before = rows(&app).await;
    store_refuses(&app, true).await;
    let state = AppState::new(app.store.clone());
    let r = reconcile_once(&state).await.unwrap();
    assert_eq!((r[0].orders, r[0].held, r[0].complete, r[0].error.clone()), (1, 1, true, None), "{r:?}");
    let (_, list) = app.get("/api/v1/connections").await;
    assert!(list[0]["reconciled_until_ms"].as_i64().unwrap() > mark, "the window advanced");
    let after = rows(&app).await;
    assert_eq!(after, held_one_more(before), "nothing but the held row");
    assert_eq!(held(&app).await[0]["code"], "store_error");
    store_refuses(&app, false).await;
    let h = held(&app).await;
    assert_eq!(retry(&app, &h[0]["id"]).await.1["outcome"], "created");
    assert_eq!(rows(&app).await[0], before[0] + 1);
    let _ = conn;
}

#[tokio::test]
async fn a_reconciliation_backlog_of_more_than_fifty_pages_ends_in_ceil_n_over_fifty_runs_each_order_taken_once() {
    let app = spawn_app().await;
    let site = FakeWooCommerce::start().await;
    site.set_page_size(1);
    let conn = connect_site(&app, &site).await;
    const N: u64 = 120;
    for i in 0..N {
        let mut o = woo_order(2000 + i, &[("HAT", 1, "15.00")]);
        o["date_modified_gmt"] = json!(now_gmt());
        site.add_order(o);
    }
    let (_, list) = app.get("/api/v1/connections").await;
    let mark = list[0]["reconciled_until_ms"].as_i64().unwrap();
    let before = rows(&app).await;
    let state = AppState::new(app.store.clone());
    let mut runs = Vec::new();
    loop {
        let r = reconcile_once(&state).await.unwrap().remove(0);
        assert_eq!(r.error, None, "{r:?}");
        let mark_now = app.get("/api/v1/connections").await.1[0]["reconciled_until_ms"].as_i64().unwrap();
        assert_eq!(mark_now > mark, r.complete, "the mark moves only when the sweep ends");
        runs.push((r.pages, r.created));
        if r.complete || runs.len() > 5 {
            break;
        }
    }
    assert_eq!(runs, vec![(50, 50), (50, 50), (20, 20)], "ceil(120 / 50) = 3 runs");
    assert_eq!(rows(&app).await[0], before[0] + N as i64, "each order once");
    // The next sweep starts afresh from the new mark, and takes nothing twice.
    let r = reconcile_once(&state).await.unwrap().remove(0);
    assert_eq!((r.created, r.error), (0, None));
    assert_eq!(rows(&app).await[0], before[0] + N as i64);
    let _ = conn;
}

#[tokio::test]
async fn a_signed_order_delivery_naming_no_order_is_held_with_its_body_not_dropped() {
    let app = spawn_app().await;
    let conn = crate::online_orders::connect(&app, "https://shop.example").await;
    let before = rows(&app).await;
    let (status, outcome) = deliver_signed(&app, &conn, &json!({"status": "processing", "total": "1.00"}), "7", Some(crate::online_orders::SECRET)).await;
    assert_eq!((status, outcome), (StatusCode::OK, json!({"outcome": "held", "code": "unreadable"})));
    let h = held(&app).await;
    assert!(h[0]["external_id"].as_str().unwrap().starts_with("delivery:"), "{}", h[0]);
    assert_eq!(h[0]["raw"], json!({"status": "processing", "total": "1.00"}).to_string());
    let after = rows(&app).await;
    assert_eq!(after, held_one_more(before), "nothing but the held row");
}

#[tokio::test]
async fn an_order_only_reconciliation_finds_and_cannot_read_is_held_with_its_json_not_just_logged() {
    let app = spawn_app().await;
    let site = FakeWooCommerce::start().await;
    let conn = connect_site(&app, &site).await;
    let mut bad = woo_order(905, &[("HAT", 1, "15.00")]);
    bad["date_modified_gmt"] = json!(now_gmt());
    bad["line_items"][0]["quantity"] = json!(-3);
    site.add_order(bad);
    let before = rows(&app).await;
    let state = AppState::new(app.store.clone());
    let r = reconcile_once(&state).await.unwrap();
    assert_eq!((r[0].orders, r[0].held, r[0].complete, r[0].error.clone()), (0, 1, true, None), "{r:?}");
    assert_eq!(rows(&app).await, held_one_more(before));
    let h = held(&app).await;
    assert_eq!((h[0]["code"].as_str(), h[0]["external_id"].as_str(), &h[0]["order"]), (Some("unreadable"), Some("905"), &Value::Null));
    assert!(h[0]["raw"].as_str().unwrap().contains("\"quantity\":-3"), "{}", h[0]["raw"]);
    // Fixed on the platform: the retry reads it from there and takes it in, once.
    let mut good = woo_order(905, &[("HAT", 1, "15.00")]);
    good["date_modified_gmt"] = json!(now_gmt());
    site.add_order(good);
    assert_eq!(retry(&app, &h[0]["id"]).await.1["outcome"], "created");
    let r = reconcile_once(&state).await.unwrap();
    assert_eq!((r[0].held, r[0].created), (0, 0), "{r:?}");
    let after = rows(&app).await;
    assert_eq!((after[0], after[6]), (before[0] + 1, before[6]));
    let _ = conn;
}
