//! Online orders in (issue 11): a connected WooCommerce store's webhooks, signed as WooCommerce signs
//! them (base64 HMAC-SHA256 of the raw body), become sales, order parts and stock movements; repeats,
//! bad signatures, customers, holds, cancellations, concurrency, the orders API and reconciliation.

use crate::helpers::*;
use axum::http::StatusCode;
use serde_json::{json, Value};

pub(crate) const SECRET: &str = "wc-webhook-secret-éà";
const CONSUMER_SECRET: &str = "cs_never_shown_anywhere";

/// Connects a WooCommerce store whose orders are taken at Montréal's register, offering Montréal's,
/// Sherbrooke's and Laval's stock online (seed 002's table). Its id.
pub(crate) async fn connect(app: &TestApp, base_url: &str) -> String {
    let body = json!({
        "platform": "woocommerce",
        "name": "Boutique en ligne",
        "base_url": base_url,
        "credentials": {"platform": "woocommerce", "consumer_key": "ck_1", "consumer_secret": CONSUMER_SECRET, "webhook_secret": SECRET},
        "orders_register_id": "montreal-1",
        "online_outlets": ["montreal", "sherbrooke", "laval"],
    });
    let (status, conn) = app.post("/api/v1/connections", body.to_string()).await;
    assert_eq!(status, StatusCode::CREATED, "{conn}");
    conn["id"].as_str().unwrap().to_string()
}

/// A WooCommerce order as its webhooks and REST API give it.
pub(crate) fn woo_order(id: u64, lines: &[(&str, u32, &str)]) -> Value {
    let items: Vec<Value> = lines
        .iter()
        .enumerate()
        .map(|(i, (sku, qty, price))| {
            let total = format!("{:.2}", price.parse::<f64>().unwrap() * f64::from(*qty));
            json!({"id": 100 + i, "name": sku.to_lowercase(), "product_id": 90 + i, "variation_id": 0, "quantity": qty, "sku": sku, "price": price.parse::<f64>().unwrap(), "total": total})
        })
        .collect();
    json!({
        "id": id,
        "number": id.to_string(),
        "status": "processing",
        // Placed now: an order placed before its store was connected is held (`before_connection`).
        "date_created_gmt": now_gmt(),
        "date_modified_gmt": "2026-11-24T15:00:00",
        "total": "99.99",
        "customer_note": "Sonner deux fois",
        "billing": {"first_name": "Luc", "last_name": "Gagnon", "email": "Luc.Gagnon@example.ca", "phone": "514-555-0101"},
        "shipping": {"first_name": "Luc", "last_name": "Gagnon", "address_1": "12 rue des Érables", "city": "Sherbrooke", "state": "QC", "postcode": "J1H 1A1", "country": "CA"},
        "payment_method": "stripe",
        "payment_method_title": "Stripe",
        "date_paid_gmt": "2026-11-24T15:00:05",
        "line_items": items,
        "shipping_lines": [{"method_id": "flat_rate", "method_title": "Livraison", "total": "10.00"}],
    })
}

/// Now, as WooCommerce writes its GMT dates.
pub(crate) fn now_gmt() -> String {
    jiff::Timestamp::now().strftime("%Y-%m-%dT%H:%M:%S").to_string()
}

pub(crate) fn unpaid_bank_transfer(mut order: Value) -> Value {
    order["status"] = json!("on-hold");
    order["payment_method"] = json!("bacs");
    order["payment_method_title"] = json!("Virement bancaire");
    order["date_paid_gmt"] = Value::Null;
    order
}

/// Delivers `order` as WooCommerce does (`order.updated` under webhook 7), signed with `secret`.
pub(crate) async fn deliver_signed(app: &TestApp, conn: &str, order: &Value, webhook_id: &str, secret: Option<&str>) -> (StatusCode, Value) {
    use axum::body::Body;
    use axum::http::Request;
    let body = order.to_string();
    let mut req = Request::builder()
        .method("POST")
        .uri(format!("/api/v1/webhooks/{conn}"))
        .header("content-type", "application/json")
        .header("x-wc-webhook-topic", "order.updated")
        .header("x-wc-webhook-id", webhook_id)
        .header("x-wc-webhook-resource", "order");
    if let Some(s) = secret {
        req = req.header("x-wc-webhook-signature", backend::bridges::shopify::sign(s, body.as_bytes()));
    }
    app.call(req.body(Body::from(body)).unwrap()).await
}

pub(crate) async fn deliver(app: &TestApp, conn: &str, order: &Value) -> (StatusCode, Value) {
    deliver_signed(app, conn, order, "7", Some(SECRET)).await
}

pub(crate) async fn count(app: &TestApp, table: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}"))).fetch_one(&app.db).await.unwrap()
}

pub(crate) async fn orders(app: &TestApp, who: As, query: &str) -> (StatusCode, Value) {
    app.send(who, "GET", &format!("/api/v1/orders{query}"), None).await
}

/// The stored sale of an order, from sales history.
pub(crate) async fn sale_of(app: &TestApp, order_id: &str) -> Value {
    let (status, sales) = app.get("/api/v1/sales?limit=1000").await;
    assert_eq!(status, StatusCode::OK);
    sales.as_array().unwrap().iter().find(|s| s["sale"]["id"] == order_id || s["id"] == order_id).cloned().unwrap_or_else(|| panic!("no sale {order_id} in {sales}"))
}

pub(crate) fn body_of(stored: &Value) -> &Value {
    if stored.get("sale").is_some() { &stored["sale"] } else { stored }
}

#[tokio::test]
async fn a_paid_delivery_order_becomes_a_sale_paid_online_through_its_processor_and_moves_stock_where_allocated() {
    let app = spawn_app().await;
    let conn = connect(&app, "https://shop.example").await;
    // Seed 002: one shirt and five hats go to Laval alone (rule 1 wins over the seed's second example).
    let (status, outcome) = deliver(&app, &conn, &woo_order(727, &[("SHIRT", 1, "25.00"), ("HAT", 5, "15.00")])).await;
    assert_eq!(status, StatusCode::OK, "{outcome}");
    assert_eq!(outcome["outcome"], "created");
    let order_id = outcome["order_id"].as_str().unwrap().to_string();

    let stored = sale_of(&app, &order_id).await;
    let sale = body_of(&stored);
    assert_eq!(sale["receipt"], "MTL1-W-000001");
    assert_eq!(sale["outlet_id"], "montreal");
    assert_eq!(sale["device_id"], format!("online:{conn}"));
    assert_eq!(sale["lines"][0]["unit_price"], 2500, "the platform's price, not the catalog's 29,99 $");
    let tenders = sale["tenders"].as_array().unwrap();
    assert_eq!(tenders.len(), 1);
    assert_eq!((tenders[0]["kind"].as_str(), tenders[0]["processor"].as_str()), (Some("online"), Some("Stripe")));
    assert_eq!(tenders[0]["amount"], sale["totals"]["total"]);

    // Stock left Laval's shelves, not the orders register's outlet.
    assert_eq!((app.level("laval", "shirt").await, app.level("laval", "hat").await), (14, 5));
    assert_eq!((app.level("montreal", "shirt").await, app.level("montreal", "hat").await), (10, 3));
    let reasons: Vec<String> = sqlx::query_scalar("SELECT reason FROM stock_movements WHERE source_id = $1").bind(&order_id).fetch_all(&app.db).await.unwrap();
    assert_eq!(reasons, vec!["online_order", "online_order"]);

    let (status, parts) = orders(&app, As::Bearer(app.admin.clone()), "").await;
    assert_eq!(status, StatusCode::OK);
    let parts = parts.as_array().unwrap();
    assert_eq!(parts.len(), 1);
    let p = &parts[0];
    assert_eq!((p["outlet_id"].as_str(), p["status"].as_str(), p["order_type"].as_str()), (Some("laval"), Some("new"), Some("delivery")));
    assert_eq!((p["receipt"].as_str(), p["number"].as_str()), (Some("MTL1-W-000001"), Some("727")));
    assert_eq!(p["customer_name"], "Luc Gagnon");
    assert_eq!(p["processor"], "Stripe");
    assert_eq!(p["paid"], p["total"]);
    assert!(p["sale_note"].as_str().unwrap().contains("12 rue des Érables"), "{}", p["sale_note"]);
    assert!(p["sale_note"].as_str().unwrap().contains("Sonner deux fois"));
    assert!(!p["explanation"].as_array().unwrap().is_empty(), "the allocation's explanation is on the order");
    let lines: Vec<(String, u64, u64)> =
        p["lines"].as_array().unwrap().iter().map(|l| (l["sku"].as_str().unwrap().into(), l["ordered"].as_u64().unwrap(), l["picked"].as_u64().unwrap())).collect();
    assert_eq!(lines, vec![("SHIRT".into(), 1, 0), ("HAT".into(), 5, 0)]);
}

#[tokio::test]
async fn an_unpaid_bank_transfer_order_is_a_sale_with_no_tender_and_gets_its_platform_payment_once_paid() {
    let app = spawn_app().await;
    let conn = connect(&app, "https://shop.example").await;
    let order = unpaid_bank_transfer(woo_order(728, &[("HAT", 2, "15.00")]));
    let (_, outcome) = deliver(&app, &conn, &order).await;
    assert_eq!(outcome["outcome"], "created", "{outcome}");
    let order_id = outcome["order_id"].as_str().unwrap().to_string();
    assert!(body_of(&sale_of(&app, &order_id).await)["tenders"].as_array().unwrap().is_empty());
    let (_, parts) = orders(&app, As::Bearer(app.admin.clone()), "").await;
    assert_eq!(parts[0]["paid"], 0);
    assert_eq!(parts[0]["processor"], Value::Null);

    // The transfer arrives; the shop marks the order processing.
    let mut paid = order.clone();
    paid["status"] = json!("processing");
    paid["date_paid_gmt"] = json!("2026-11-25T09:00:00");
    paid["payment_method"] = json!("stripe");
    paid["payment_method_title"] = json!("Stripe");
    paid["date_modified_gmt"] = json!("2026-11-25T09:00:00");
    let (_, outcome) = deliver(&app, &conn, &paid).await;
    assert_eq!(outcome["outcome"], "updated", "{outcome}");
    let sale = sale_of(&app, &order_id).await;
    let tenders = body_of(&sale)["tenders"].as_array().unwrap().clone();
    assert_eq!(tenders.len(), 1);
    assert_eq!(tenders[0]["kind"], "online");
    let (_, parts) = orders(&app, As::Bearer(app.admin.clone()), "").await;
    assert_eq!(parts[0]["paid"], parts[0]["total"]);
    // The same update again (a reconciliation pull of it) adds nothing.
    let (_, again) = deliver_signed(&app, &conn, &paid, "8", Some(SECRET)).await;
    assert_eq!(again["outcome"], "updated");
    assert_eq!(body_of(&sale_of(&app, &order_id).await)["tenders"].as_array().unwrap().len(), 1);
    assert_eq!(count(&app, "sales").await, 1);
}

#[tokio::test]
async fn a_pickup_order_is_listed_as_a_pickup_and_filters_by_type() {
    let app = spawn_app().await;
    let conn = connect(&app, "https://shop.example").await;
    let mut order = woo_order(729, &[("SHOES", 1, "89.99")]);
    order["shipping_lines"] = json!([{"method_id": "local_pickup", "method_title": "Ramassage en magasin", "total": "0.00"}]);
    let (_, outcome) = deliver(&app, &conn, &order).await;
    assert_eq!(outcome["outcome"], "created", "{outcome}");
    deliver(&app, &conn, &woo_order(730, &[("SHOES", 1, "89.99")])).await;
    let admin = || As::Bearer(app.admin.clone());
    let (_, pickups) = orders(&app, admin(), "?type=pickup").await;
    assert_eq!(pickups.as_array().unwrap().len(), 1);
    assert_eq!(pickups[0]["number"], "729");
    assert_eq!(pickups[0]["order_type"], "pickup");
    let (_, deliveries) = orders(&app, admin(), "?type=delivery").await;
    assert_eq!(deliveries.as_array().unwrap().len(), 1);
    assert_eq!(deliveries[0]["number"], "730");
    // Search by receipt, order number or customer.
    let (_, found) = orders(&app, admin(), "?q=W-000002").await;
    assert_eq!(found.as_array().unwrap().len(), 1);
    let (_, found) = orders(&app, admin(), "?q=gagnon").await;
    assert_eq!(found.as_array().unwrap().len(), 2);
    // Pages: one part at a time, in order, following the cursor.
    let (items, pages) = app.all_pages("/api/v1/orders", "after", 1).await;
    assert_eq!((items.len(), pages), (2, 2));
    assert_eq!(items.iter().map(|p| p["number"].as_str().unwrap()).collect::<Vec<_>>(), vec!["729", "730"]);
    let (_, none) = orders(&app, admin(), "?q=%25").await;
    assert_eq!(none.as_array().unwrap().len(), 0, "a wildcard searches for itself");
}

#[tokio::test]
async fn a_split_order_has_one_part_per_outlet_each_listed_under_its_outlet_and_seen_by_its_devices_only() {
    let app = spawn_app().await;
    let conn = connect(&app, "https://shop.example").await;
    // Seed 002: 15 shirts, 6 hats and 6 shoes to Laval, 2 shirts to Montréal.
    let (_, outcome) = deliver(&app, &conn, &woo_order(731, &[("SHIRT", 17, "29.99"), ("HAT", 6, "15.00"), ("SHOES", 6, "89.99")])).await;
    let order_id = outcome["order_id"].as_str().unwrap().to_string();
    let admin = || As::Bearer(app.admin.clone());
    let (_, mtl) = orders(&app, admin(), "?outlet=montreal").await;
    assert_eq!(mtl.as_array().unwrap().len(), 1);
    assert_eq!(mtl[0]["lines"][0]["ordered"], 2);
    assert_eq!(mtl[0]["other_parts"], json!([["laval", "new"]]));
    let (_, lav) = orders(&app, admin(), "?outlet=laval").await;
    assert_eq!(lav.as_array().unwrap().len(), 1);
    assert_eq!(lav[0]["lines"].as_array().unwrap().len(), 3);
    assert_eq!(app.level("montreal", "shirt").await, 8);
    assert_eq!(app.level("laval", "shirt").await, 0);

    // Laval's tablet sees Laval's part only, and may not ask for Montréal's.
    let tablet = || app.device(LAV_DEVICE, Some("marc"));
    let (status, seen) = orders(&app, tablet(), "").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(seen.as_array().unwrap().iter().map(|p| p["outlet_id"].as_str().unwrap()).collect::<Vec<_>>(), vec!["laval"]);
    assert_eq!(orders(&app, tablet(), "?outlet=montreal").await.0, StatusCode::FORBIDDEN);
    let (_, whole) = app.send(tablet(), "GET", &format!("/api/v1/orders/{order_id}"), None).await;
    assert_eq!(whole.as_array().unwrap().len(), 1, "{whole}");
    let (_, whole) = app.get(&format!("/api/v1/orders/{order_id}")).await;
    assert_eq!(whole.as_array().unwrap().len(), 2);
    // Montréal's manager sees Montréal's part.
    let manager = As::Bearer(app.token(MANAGER_MTL).await);
    let (_, seen) = orders(&app, manager, "").await;
    assert_eq!(seen.as_array().unwrap().iter().map(|p| p["outlet_id"].as_str().unwrap()).collect::<Vec<_>>(), vec!["montreal"]);

    // The change log carries each part to its outlet's devices (scanner mode pulls them).
    let (_, page) = app.send(app.device(LAV_DEVICE, None), "GET", "/api/v1/sync/changes?since=0&limit=1000", None).await;
    let parts: Vec<&Value> = page["changes"].as_array().unwrap().iter().map(|c| &c["entity"]).filter(|e| e["kind"] == "order_part").collect();
    assert_eq!(parts.len(), 1, "{parts:?}");
    assert_eq!((parts[0]["order_id"].as_str(), parts[0]["outlet_id"].as_str()), (Some(order_id.as_str()), Some("laval")));
}

#[tokio::test]
async fn a_repeated_delivery_is_applied_once() {
    let app = spawn_app().await;
    let conn = connect(&app, "https://shop.example").await;
    let order = woo_order(732, &[("SHIRT", 1, "29.99"), ("HAT", 1, "15.00")]);
    let (_, first) = deliver(&app, &conn, &order).await;
    assert_eq!(first["outcome"], "created");
    let movements = app.movement_count().await;
    let (status, second) = deliver(&app, &conn, &order).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(second["outcome"], "duplicate");
    // Another webhook (order.created and order.updated both fire) with the same content: an update
    // that changes nothing.
    let (_, third) = deliver_signed(&app, &conn, &order, "8", Some(SECRET)).await;
    assert_eq!(third["outcome"], "updated");
    assert_eq!(count(&app, "sales").await, 1);
    assert_eq!(count(&app, "online_orders").await, 1);
    assert_eq!(app.movement_count().await, movements);
    assert_eq!(movements, 2, "one movement per line");
}

#[tokio::test]
async fn a_bad_or_missing_signature_is_refused_and_nothing_is_stored() {
    let app = spawn_app().await;
    let conn = connect(&app, "https://shop.example").await;
    let order = woo_order(733, &[("HAT", 1, "15.00")]);
    let before = (count(&app, "sales").await, count(&app, "webhook_deliveries").await, count(&app, "customers").await, app.movement_count().await);
    for secret in [Some("another-secret"), None] {
        let (status, body) = deliver_signed(&app, &conn, &order, "7", secret).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
        assert_eq!(body["error"], "bad_signature");
    }
    // A body changed after signing.
    {
        use axum::body::Body;
        use axum::http::Request;
        let signed = order.to_string();
        let mut tampered = order.clone();
        tampered["total"] = json!("0.01");
        let req = Request::builder()
            .method("POST")
            .uri(format!("/api/v1/webhooks/{conn}"))
            .header("content-type", "application/json")
            .header("x-wc-webhook-topic", "order.updated")
            .header("x-wc-webhook-id", "7")
            .header("x-wc-webhook-signature", backend::bridges::shopify::sign(SECRET, signed.as_bytes()))
            .body(Body::from(tampered.to_string()))
            .unwrap();
        assert_eq!(app.call(req).await.0, StatusCode::UNAUTHORIZED);
    }
    let after = (count(&app, "sales").await, count(&app, "webhook_deliveries").await, count(&app, "customers").await, app.movement_count().await);
    assert_eq!(before, after);
    assert_eq!(count(&app, "online_orders").await + count(&app, "held_online_orders").await, 0);
    // An unknown connection: 404.
    assert_eq!(deliver(&app, "no-such-connection", &order).await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn customers_are_matched_by_email_never_renamed_created_from_the_order_or_named_by_their_email() {
    let app = spawn_app().await;
    let conn = connect(&app, "https://shop.example").await;
    let customers = || async { count(&app, "customers").await };
    let before = customers().await;

    // Marie Tremblay's e-mail in another case, another name on the order: her profile, unchanged.
    let mut order = woo_order(740, &[("HAT", 1, "15.00")]);
    order["billing"]["email"] = json!("MARIE.Tremblay@Example.com");
    order["billing"]["first_name"] = json!("M.");
    order["billing"]["last_name"] = json!("Tremblay-Roy");
    let (_, outcome) = deliver(&app, &conn, &order).await;
    let sale = sale_of(&app, outcome["order_id"].as_str().unwrap()).await;
    assert_eq!(body_of(&sale)["customer_id"], "c-tremblay");
    let name: String = sqlx::query_scalar("SELECT name FROM customers WHERE id = 'c-tremblay'").fetch_one(&app.db).await.unwrap();
    assert_eq!(name, "Marie Tremblay");
    assert_eq!(customers().await, before);

    // A new e-mail: a new customer with the order's name.
    let (_, outcome) = deliver(&app, &conn, &woo_order(741, &[("HAT", 1, "15.00")])).await;
    let id = body_of(&sale_of(&app, outcome["order_id"].as_str().unwrap()).await)["customer_id"].as_str().unwrap().to_string();
    let (name, email): (String, String) = sqlx::query_as("SELECT name, email FROM customers WHERE id = $1").bind(&id).fetch_one(&app.db).await.unwrap();
    assert_eq!((name.as_str(), email.as_str()), ("Luc Gagnon", "luc.gagnon@example.ca"));

    // No name on the order: named by the e-mail.
    let mut order = woo_order(742, &[("HAT", 1, "15.00")]);
    order["billing"] = json!({"email": "anonyme@example.ca"});
    order["shipping"] = json!({});
    let (_, outcome) = deliver(&app, &conn, &order).await;
    let id = body_of(&sale_of(&app, outcome["order_id"].as_str().unwrap()).await)["customer_id"].as_str().unwrap().to_string();
    let name: String = sqlx::query_scalar("SELECT name FROM customers WHERE id = $1").bind(&id).fetch_one(&app.db).await.unwrap();
    assert_eq!(name, "anonyme@example.ca");

    // No e-mail: no customer.
    let mut order = woo_order(743, &[("HAT", 1, "15.00")]);
    order["billing"] = json!({"first_name": "Sans", "last_name": "Courriel"});
    let (_, outcome) = deliver(&app, &conn, &order).await;
    assert_eq!(body_of(&sale_of(&app, outcome["order_id"].as_str().unwrap()).await)["customer_id"], Value::Null);
    assert_eq!(customers().await, before + 2);
}

#[tokio::test]
async fn an_order_naming_an_unknown_sku_is_held_for_a_manager_and_taken_in_once_it_can_be() {
    let app = spawn_app().await;
    let conn = connect(&app, "https://shop.example").await;
    let order = woo_order(750, &[("HAT", 1, "15.00"), ("NOT-IN-CATALOG", 1, "5.00")]);
    let (status, outcome) = deliver(&app, &conn, &order).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(outcome, json!({"outcome": "held", "code": "unknown_sku"}));
    assert_eq!((count(&app, "sales").await, app.movement_count().await), (0, 0));
    let (status, held) = app.get("/api/v1/held/orders").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(held.as_array().unwrap().len(), 1);
    assert_eq!(held[0]["code"], "unknown_sku");
    assert_eq!(held[0]["external_id"], "750");
    assert!(held[0]["reason"].as_str().unwrap().contains("NOT-IN-CATALOG"));
    // Montréal's manager sees it (the orders register is at Montréal); a cashier's tablet does not.
    let manager = As::Bearer(app.token(MANAGER_MTL).await);
    assert_eq!(app.send(manager, "GET", "/api/v1/held/orders", None).await.1.as_array().unwrap().len(), 1);
    // (A device alone is no staff session: 401, as on every manager route.)
    assert_eq!(app.send(app.device(MTL_DEVICE, Some("julie")), "GET", "/api/v1/held/orders", None).await.0, StatusCode::UNAUTHORIZED);

    // Retried as it is: held again, same reason, still one row.
    let id = held[0]["id"].as_i64().unwrap();
    let (status, again) = app.post(&format!("/api/v1/held/orders/{id}/retry"), "").await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again, json!({"outcome": "held", "code": "unknown_sku"}));
    assert_eq!(app.get("/api/v1/held/orders").await.1.as_array().unwrap().len(), 1);
    assert_eq!(app.post("/api/v1/held/orders/999999/retry", "").await.0, StatusCode::NOT_FOUND);

    // The shop fixes the order on the platform; the next delivery goes through and resolves the hold.
    let mut fixed = woo_order(750, &[("HAT", 1, "15.00")]);
    fixed["date_modified_gmt"] = json!("2026-11-24T16:00:00");
    let (_, outcome) = deliver(&app, &conn, &fixed).await;
    assert_eq!(outcome["outcome"], "created", "{outcome}");
    assert_eq!(app.get("/api/v1/held/orders").await.1.as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn an_order_cancelled_on_the_platform_puts_its_stock_back_and_leaves_the_orders_page() {
    let app = spawn_app().await;
    let conn = connect(&app, "https://shop.example").await;
    let order = woo_order(760, &[("SHIRT", 17, "29.99")]);
    let (_, outcome) = deliver(&app, &conn, &order).await;
    let order_id = outcome["order_id"].as_str().unwrap().to_string();
    assert_eq!((app.level("montreal", "shirt").await, app.level("laval", "shirt").await), (0, 8));
    let mut cancelled = order.clone();
    cancelled["status"] = json!("cancelled");
    cancelled["date_modified_gmt"] = json!("2026-11-24T17:00:00");
    let (_, outcome) = deliver(&app, &conn, &cancelled).await;
    assert_eq!(outcome["outcome"], "updated");
    assert_eq!((app.level("montreal", "shirt").await, app.level("laval", "shirt").await), (10, 15));
    let reasons: Vec<String> =
        sqlx::query_scalar("SELECT reason FROM stock_movements WHERE source_id = $1 AND delta > 0").bind(&order_id).fetch_all(&app.db).await.unwrap();
    assert_eq!(reasons, vec!["online_cancel", "online_cancel"]);
    assert_eq!(orders(&app, As::Bearer(app.admin.clone()), "").await.1, json!([]));
    // The sale stays in sales history; the same cancellation again changes nothing.
    sale_of(&app, &order_id).await;
    let movements = app.movement_count().await;
    deliver_signed(&app, &conn, &cancelled, "8", Some(SECRET)).await;
    assert_eq!(app.movement_count().await, movements);
    // Devices forget the parts: their change is a tombstone.
    let (_, page) = app.send(app.device(LAV_DEVICE, None), "GET", "/api/v1/sync/changes?since=0&limit=1000", None).await;
    let gone: Vec<&Value> = page["changes"].as_array().unwrap().iter().map(|c| &c["entity"]).filter(|e| e["kind"] == "deleted" && e["of"]["kind"] == "order_part").collect();
    assert_eq!(gone.len(), 1, "{page}");
}

#[tokio::test]
async fn two_deliveries_of_one_new_order_at_once_make_one_sale() {
    let app = spawn_app().await;
    let conn = connect(&app, "https://shop.example").await;
    let order = woo_order(770, &[("SHIRT", 2, "29.99"), ("SHOES", 1, "89.99")]);
    // order.created and order.updated arrive together (two webhook ids: two delivery keys).
    let (a, b) = tokio::join!(deliver_signed(&app, &conn, &order, "7", Some(SECRET)), deliver_signed(&app, &conn, &order, "8", Some(SECRET)));
    assert_eq!((a.0, b.0), (StatusCode::OK, StatusCode::OK));
    let mut outcomes = vec![a.1["outcome"].as_str().unwrap().to_string(), b.1["outcome"].as_str().unwrap().to_string()];
    outcomes.sort();
    assert_eq!(outcomes, vec!["created", "updated"]);
    assert_eq!(count(&app, "sales").await, 1);
    assert_eq!(app.movement_count().await, 2);
    // And the very same delivery twice at once: one applies, the other is a duplicate.
    let order = woo_order(771, &[("HAT", 1, "15.00")]);
    let (a, b) = tokio::join!(deliver(&app, &conn, &order), deliver(&app, &conn, &order));
    let mut outcomes = vec![a.1["outcome"].as_str().unwrap().to_string(), b.1["outcome"].as_str().unwrap().to_string()];
    outcomes.sort();
    assert_eq!(outcomes, vec!["created", "duplicate"]);
    assert_eq!(count(&app, "sales").await, 2);
    // Sequences: one each, in order.
    let receipts: Vec<String> = sqlx::query_scalar("SELECT receipt FROM sales ORDER BY seq").fetch_all(&app.db).await.unwrap();
    assert_eq!(receipts, vec!["MTL1-W-000001", "MTL1-W-000002"]);
}

#[tokio::test]
async fn credentials_never_appear_in_any_answer() {
    let app = spawn_app().await;
    let conn = connect(&app, "https://shop.example").await;
    deliver(&app, &conn, &woo_order(780, &[("HAT", 1, "15.00")])).await;
    deliver(&app, &conn, &woo_order(781, &[("NOPE", 1, "1.00")])).await;
    let (status, list) = app.get("/api/v1/connections").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["online_outlets"], json!(["montreal", "sherbrooke", "laval"]));
    for path in ["/api/v1/connections", "/api/v1/orders", "/api/v1/held/orders", "/api/v1/sync/changes?since=0&limit=1000", "/api/v1/sales"] {
        let (_, body) = app.get(path).await;
        let text = body.to_string();
        // `"credentials":` as a key; `credentials_readable` (a flag, no secret) may be listed.
        for secret in [SECRET, CONSUMER_SECRET, "ck_1", "\"credentials\":"] {
            assert!(!text.contains(secret), "{path} shows {secret}");
        }
    }
    let (_, body) = app.send(app.device(MTL_DEVICE, None), "GET", "/api/v1/sync/changes?since=0&limit=1000", None).await;
    assert!(!body.to_string().contains(CONSUMER_SECRET));
}

#[tokio::test]
async fn connecting_a_store_is_for_managers_of_its_outlets_and_checks_what_it_names() {
    let app = spawn_app().await;
    let manager = As::Bearer(app.token(MANAGER_MTL).await);
    let base = json!({
        "platform": "woocommerce", "name": "Boutique", "base_url": "https://shop.example",
        "credentials": {"platform": "woocommerce", "consumer_key": "k", "consumer_secret": "s", "webhook_secret": "w"},
        "orders_register_id": "montreal-1",
    });
    let post = |who: As, body: Value| {
        let app = &app;
        async move { app.send(who, "POST", "/api/v1/connections", Some(body.to_string())).await }
    };
    // Montréal's manager connects a store taking orders at Montréal; the orders outlet is always online.
    let (status, view) = post(manager.clone(), base.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{view}");
    assert_eq!(view["online_outlets"], json!(["montreal"]));
    // Not at Laval's register, nor offering Laval's stock.
    let mut laval = base.clone();
    laval["orders_register_id"] = json!("laval-1");
    assert_eq!(post(manager.clone(), laval).await.1["error"], "not_your_outlet");
    let mut other = base.clone();
    other["online_outlets"] = json!(["laval"]);
    assert_eq!(post(manager.clone(), other).await.1["error"], "not_your_outlet");
    let mut mismatch = base.clone();
    mismatch["platform"] = json!("shopify");
    assert_eq!(post(manager.clone(), mismatch).await.1["error"], "platform_mismatch");
    let mut unknown = base.clone();
    unknown["orders_register_id"] = json!("nowhere-1");
    assert_eq!(post(As::Bearer(app.admin.clone()), unknown).await.1["error"], "unknown_register");
    assert_eq!(post(app.device(MTL_DEVICE, Some("julie")), base.clone()).await.0, StatusCode::UNAUTHORIZED);
    let mut bad = base.clone();
    bad["base_url"] = json!("ftp://x");
    assert_eq!(post(As::Bearer(app.admin.clone()), bad).await.0, StatusCode::BAD_REQUEST);
    // The same store connected a second time would take every order twice: 409, nothing created.
    let (status, again) = post(As::Bearer(app.admin.clone()), base.clone()).await;
    assert_eq!((status, again["error"].as_str()), (StatusCode::CONFLICT, Some("already_connected")), "{again}");
    let mut trailing = base.clone();
    trailing["base_url"] = json!("https://shop.example/");
    assert_eq!(post(As::Bearer(app.admin.clone()), trailing).await.0, StatusCode::CONFLICT);
    assert_eq!(app.get("/api/v1/connections").await.1.as_array().unwrap().len(), 1);
    // A connection's reconciliation starts at its creation: the store's history before it is not imported.
    assert!(view["reconciled_until_ms"].as_i64().unwrap() > 1_700_000_000_000, "{view}");

    // The online outlets, in priority order; Montréal stays (first when not listed).
    let id = view["id"].as_str().unwrap();
    let (status, view) = app.send(As::Bearer(app.admin.clone()), "PUT", &format!("/api/v1/connections/{id}/outlets"), Some(json!({"outlets": ["laval", "sherbrooke"]}).to_string())).await;
    assert_eq!(status, StatusCode::OK, "{view}");
    assert_eq!(view["online_outlets"], json!(["montreal", "laval", "sherbrooke"]));
    let (status, _) = app.send(As::Bearer(app.admin.clone()), "PUT", "/api/v1/connections/nope/outlets", Some(json!({"outlets": []}).to_string())).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_order_only_the_reconciliation_pull_finds_is_taken_in_once() {
    use axum::routing::get;
    let app = spawn_app().await;
    // A fake WooCommerce: its REST order list, one page, with one order no webhook brought.
    let order = woo_order(790, &[("SHOES", 2, "89.99")]);
    let listed = json!([order]);
    let hits = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = hits.clone();
    let fake = axum::Router::new().route(
        "/wp-json/wc/v3/orders",
        get(move || {
            let listed = listed.clone();
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            async move { ([("x-wp-totalpages", "1"), ("content-type", "application/json")], listed.to_string()) }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, fake).await.unwrap() });
    let conn = connect(&app, &format!("http://{addr}")).await;

    let state = backend::AppState::new(app.store.clone());
    let first = backend::online::reconcile_once(&state).await.unwrap();
    assert_eq!((first[0].orders, first[0].created, first[0].error.clone()), (1, 1, None));
    let second = backend::online::reconcile_once(&state).await.unwrap();
    assert_eq!((second[0].orders, second[0].created), (1, 0));
    assert_eq!(hits.load(std::sync::atomic::Ordering::SeqCst), 2);
    assert_eq!(count(&app, "sales").await, 1);
    assert_eq!(app.level("sherbrooke", "shoes").await + app.level("laval", "shoes").await + app.level("montreal", "shoes").await, 23);
    // The webhook arriving late is an update of the same order, never a second sale.
    let (_, outcome) = deliver(&app, &conn, &order).await;
    assert_eq!(outcome["outcome"], "updated");
    assert_eq!(count(&app, "sales").await, 1);
    let (_, list) = app.get("/api/v1/connections").await;
    assert!(list[0]["reconciled_until_ms"].as_i64().unwrap() > 0);
}

#[tokio::test]
async fn signed_deliveries_of_malformed_orders_never_fail_the_server_nor_store_half_an_order() {
    let app = spawn_app().await;
    // A platform nobody answers at: an order the bridge cannot read is fetched, fails, and is a 503
    // (delivered again later), never a 500.
    let conn = connect(&app, "http://127.0.0.1:9").await;
    let good = woo_order(800, &[("SHIRT", 1, "29.99")]);
    let mut cases: Vec<Value> = Vec::new();
    let mut with = |path: &[&str], v: Value| {
        let mut o = good.clone();
        let mut at = &mut o;
        for p in &path[..path.len() - 1] {
            at = if let Ok(i) = p.parse::<usize>() { &mut at[i] } else { &mut at[*p] };
        }
        at[path[path.len() - 1]] = v;
        cases.push(o);
    };
    with(&["line_items", "0", "quantity"], json!(-3));
    with(&["line_items", "0", "quantity"], json!(4_000_000_000u64));
    with(&["line_items", "0", "quantity"], json!(50_000));
    with(&["line_items", "0", "total"], json!("abc"));
    with(&["line_items", "0", "total"], json!("99999999999999999999.99"));
    with(&["line_items", "0", "sku"], json!("X".repeat(5000)));
    with(&["line_items"], json!(null));
    with(&["line_items"], json!([]));
    with(&["total"], json!("-5"));
    with(&["date_created_gmt"], json!("hier"));
    with(&["billing", "email"], json!("é".repeat(3000)));
    with(&["customer_note"], json!("n".repeat(100_000)));
    with(&["id"], json!("not a number"));
    cases.push(json!([1, 2, 3]));
    cases.push(json!("text"));
    for (i, case) in cases.iter().enumerate() {
        let (status, body) = deliver_signed(&app, &conn, case, &format!("w{i}"), Some(SECRET)).await;
        assert!(matches!(status, StatusCode::OK | StatusCode::SERVICE_UNAVAILABLE), "case {i}: {status} {body}");
    }
    // Whatever was stored is whole: every order has its sale and its parts.
    let orphans: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM online_orders o WHERE NOT EXISTS (SELECT 1 FROM sales s WHERE s.id = o.id)
            OR NOT EXISTS (SELECT 1 FROM order_parts p WHERE p.order_id = o.id)",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(orphans, 0);
    let held: Vec<String> = sqlx::query_scalar("SELECT code FROM held_online_orders").fetch_all(&app.db).await.unwrap();
    assert!(!held.is_empty(), "orders out of range are held, not dropped");
}

#[tokio::test]
async fn a_manager_with_the_orders_page_open_is_woken_by_a_new_order_and_pulls_its_part() {
    use axum::body::Body;
    use axum::http::Request;
    use http_body_util::BodyExt;
    use shared::sync::events::EventParser;
    use tower::ServiceExt;
    let app = spawn_app().await;
    let conn = connect(&app, "https://shop.example").await;
    let manager = app.token(MANAGER_MTL).await;
    let head = app.store.change_head().await.unwrap();
    let req = Request::get(format!("/api/v1/events?since={head}")).header("authorization", format!("Bearer {manager}")).body(Body::empty()).unwrap();
    let resp = app.router.clone().oneshot(req).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let mut body = resp.into_body();

    // No outlet holds 17 shirts: Montréal, first by priority, takes its 10, Laval the 7 others.
    deliver(&app, &conn, &woo_order(810, &[("SHIRT", 17, "29.99")])).await;
    let mut parser = EventParser::default();
    let event = loop {
        let frame = tokio::time::timeout(std::time::Duration::from_secs(5), body.frame()).await.expect("an event").unwrap().unwrap();
        if let Some(e) = frame.data_ref().and_then(|d| parser.feed(std::str::from_utf8(d).unwrap()).last().copied()) {
            break e;
        }
    };
    assert!(event.version > head);
    let (_, page) = app.send(As::Bearer(manager), "GET", &format!("/api/v1/sync/changes?since={head}&limit=1000"), None).await;
    let parts: Vec<&Value> = page["changes"].as_array().unwrap().iter().map(|c| &c["entity"]).filter(|e| e["kind"] == "order_part").collect();
    assert_eq!(parts.len(), 1, "only Montréal's part reaches Montréal's manager: {parts:?}");
    assert_eq!((parts[0]["outlet_id"].as_str(), parts[0]["lines"][0]["ordered"].as_u64()), (Some("montreal"), Some(10)));
}
