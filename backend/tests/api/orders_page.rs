//! What the orders page reads (issue 11, seed 001 « Utilisateur attribué »): the staff member an order
//! part is assigned to shows by name, in `GET /orders` and in the change log devices pull.

use crate::fakes::woocommerce::{FakeWooCommerce, CONSUMER_KEY, CONSUMER_SECRET, WEBHOOK_SECRET};
use crate::helpers::*;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{json, Value};

#[tokio::test]
async fn an_assigned_order_part_names_its_staff_member_in_the_orders_list_and_the_change_log() {
    let app = spawn_app().await;
    let fake = FakeWooCommerce::start().await;
    let body = json!({
        "platform": "woocommerce", "name": "Boutique Woo", "base_url": fake.base_url(),
        "credentials": {"platform": "woocommerce", "consumer_key": CONSUMER_KEY, "consumer_secret": CONSUMER_SECRET, "webhook_secret": WEBHOOK_SECRET},
        "orders_register_id": "montreal-1",
    });
    let (status, conn) = app.post("/api/v1/connections", body.to_string()).await;
    assert_eq!(status, StatusCode::CREATED, "{conn}");
    let p = &app.products[0];
    let total = format!("{}.{:02}", p.price.as_cents() / 100, p.price.as_cents() % 100);
    let order = json!({
        "id": 4242, "number": "4242", "status": "processing", "currency": "CAD",
        "date_created_gmt": jiff::Timestamp::now().strftime("%Y-%m-%dT%H:%M:%S").to_string(), "date_modified_gmt": "2026-11-30T15:00:00", "total": total, "customer_note": "",
        "billing": {"first_name": "Léa", "last_name": "Tremblay", "email": "lea@example.com"},
        "shipping": {"first_name": "Léa", "last_name": "Tremblay", "address_1": "12 rue X", "city": "Montréal"},
        "payment_method": "stripe", "payment_method_title": "Stripe", "date_paid_gmt": "2026-11-30T15:00:00",
        "line_items": [{"id": 1, "name": p.name, "product_id": 93, "variation_id": 0, "quantity": 1, "sku": p.sku,
                        "price": p.price.as_cents() as f64 / 100.0, "subtotal": total, "total": total, "meta_data": []}],
        "shipping_lines": [{"id": 2, "method_title": "Flat Rate", "method_id": "flat_rate", "total": "0.00", "total_tax": "0.00", "meta_data": []}],
    });
    fake.add_order(order.clone());
    let (headers, body) = fake.webhook("order.created", &order);
    let mut req = Request::builder().method("POST").uri(format!("/api/v1/webhooks/{}", conn["id"].as_str().unwrap()));
    for (k, v) in &headers {
        req = req.header(k, v);
    }
    let (status, answer) = app.call(req.body(Body::from(body)).unwrap()).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let manager = app.token(MANAGER_MTL).await;
    let part = |parts: &Value| parts.as_array().unwrap().iter().find(|x| x["number"] == "4242").cloned().unwrap_or_else(|| panic!("{parts}"));
    let (_, parts) = app.send(As::Bearer(manager.clone()), "GET", "/api/v1/orders", None).await;
    let order_id = part(&parts)["order_id"].as_str().unwrap().to_string();
    assert_eq!(part(&parts)["assigned_name"], Value::Null, "nobody yet");
    let head = app.store.change_head().await.unwrap();

    let op = json!({"id": "assign-1", "device_id": "-", "made_at_ms": 1_800_000_000_000_i64, "cashier_id": "-",
        "body": {"kind": "order_assign", "order_id": order_id, "outlet_id": "montreal", "staff_id": "julie"}});
    let (status, result) = app.send(As::Bearer(manager.clone()), "POST", "/api/v1/orders/ops", Some(op.to_string())).await;
    assert_eq!((status, result["status"].as_str()), (StatusCode::OK, Some("applied")), "{result}");

    let (_, parts) = app.send(As::Bearer(manager.clone()), "GET", "/api/v1/orders", None).await;
    assert_eq!((part(&parts)["assigned_to"].as_str(), part(&parts)["assigned_name"].as_str()), (Some("julie"), Some("Julie")));
    let (_, page) = app.send(As::Bearer(manager), "GET", &format!("/api/v1/sync/changes?since={head}&limit=1000"), None).await;
    let pulled: Vec<&Value> = page["changes"].as_array().unwrap().iter().map(|c| &c["entity"]).filter(|e| e["kind"] == "order_part").collect();
    assert_eq!(pulled.len(), 1, "{page}");
    assert_eq!(pulled[0]["assigned_name"], "Julie", "a device pulls the name with the part");
}
