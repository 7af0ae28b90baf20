use crate::bigcommerce::{self as fake, FakeBigCommerce};
use crate::now_ms;
use axum::http::{HeaderMap, HeaderValue};
use backend::bridges::bigcommerce::{BigCommerceBridge, INVENTORY_BATCH, ORDERS_PAGE};
use backend::bridges::{Bridge, BridgeError, DeliveryEvent, StatusUpdate, StockLevel, WebhookRefusal};
use serde_json::{json, Value};
use shared::fulfilment::{OrderType, Platform, PlatformUpdate};
use shared::money::Money;
use shared::online::{IncomingLine, IncomingOrder, OrderPayment, PlatformOrderState};

fn bridge() -> BigCommerceBridge {
    BigCommerceBridge::new(reqwest::Client::new())
}

/// The documented `GET /v2/orders/100`, with the shipping cost a real order carries.
fn order_100() -> Value {
    json!({"id":100,"customer_id":20,"date_created":"Wed, 10 Jan 2018 21:05:30 +0000","status_id":11,"status":"Awaiting Fulfillment",
      "total_inc_tax":"361.9500","items_total":17,"payment_method":"Credit Card","payment_status":"authorized",
      "currency_code":"USD","staff_notes":"","customer_message":"Leave it at the back door",
      "shipping_cost_ex_tax":"10.0000",
      "billing_address":{"first_name":"Jane","last_name":"Doe","email":"JaneDoe@Example.com ","phone":"555-123-4567",
        "street_1":"12 rue Principale","city":"Montréal","state":"Québec","zip":"H2X 1Y4","country":"Canada"}})
}

/// The documented shipping product row.
fn product_65() -> Value {
    json!({"id":65,"order_id":100,"product_id":77,"order_address_id":51,"sku":"S-ORAN","name":"Orange T-shirt","quantity":1,
      "base_price":"55.9900","price_inc_tax":"65.2300","quantity_shipped":0})
}

fn shipping_consignment() -> Value {
    json!({"pickups":[],"shipping":[{"id":51,"first_name":"Jane","last_name":"Doe","street_1":"12 rue Principale","city":"Montréal",
      "state":"Québec","zip":"H2X 1Y4","country":"Canada","phone":"555-123-4567","shipping_method":"Flat Rate"}],"downloads":[],
      "email":{"gift_certificates":[]}})
}

#[tokio::test]
async fn a_signed_delivery_names_the_order_to_fetch_and_dedupes_on_its_message_id() {
    let fake = FakeBigCommerce::start().await;
    let conn = fake.connection("c1");
    let (headers, body) = fake.webhook("store/order/created", 250);
    let delivery = bridge().verify(&conn, &headers, &body, now_ms()).unwrap();
    let hash = headers["webhook-id"].to_str().unwrap().to_string();
    assert_eq!(delivery.key, hash);
    assert_eq!(delivery.event, DeliveryEvent::Order { external_id: "250".into(), order: None });
    // A retry of the same delivery carries the same key; a new event on the same order does not.
    assert_eq!(bridge().verify(&conn, &headers, &body, now_ms()).unwrap().key, hash);
    let (headers2, body2) = fake.webhook("store/order/updated", 250);
    assert_ne!(bridge().verify(&conn, &headers2, &body2, now_ms()).unwrap().key, hash);
    let (headers3, body3) = fake.webhook("store/order/statusUpdated", 250);
    assert!(matches!(bridge().verify(&conn, &headers3, &body3, now_ms()).unwrap().event, DeliveryEvent::Order { .. }));
}

#[tokio::test]
async fn the_documented_webhook_fixture_is_read_as_order_250() {
    let fake = FakeBigCommerce::start().await;
    let body = r#"{"scope":"store/order/created","store_id":"1025646","data":{"type":"order","id":250},
 "hash":"dd70c0976e06b67aaf671e73f49dcb79230ebf9d","created_at":1561479335,"producer":"stores/{store_hash}"}"#
        .replace("{store_hash}", fake::STORE_HASH);
    let now = now_ms();
    let headers = fake::sign("msg_2Kc1", now / 1000, body.as_bytes(), fake::CLIENT_SECRET);
    let delivery = bridge().verify(&fake.connection("c1"), &headers, body.as_bytes(), now).unwrap();
    assert_eq!(delivery.key, "msg_2Kc1");
    assert_eq!(delivery.event, DeliveryEvent::Order { external_id: "250".into(), order: None });
}

#[tokio::test]
async fn two_updates_of_one_order_with_the_same_hash_are_two_deliveries() {
    // `hash` is the SHA-1 of `data`, the same `{type, id}` for every update of an order: a payment and a
    // cancellation must not be taken for a repeat of the first update.
    let fake = FakeBigCommerce::start().await;
    let conn = fake.connection("c1");
    let body = r#"{"scope":"store/order/updated","store_id":"1025646","data":{"type":"order","id":250},"hash":"same","created_at":1561479335}"#;
    let now = now_ms();
    let first = bridge().verify(&conn, &fake::sign("msg_1", now / 1000, body.as_bytes(), fake::CLIENT_SECRET), body.as_bytes(), now).unwrap();
    let second = bridge().verify(&conn, &fake::sign("msg_2", now / 1000, body.as_bytes(), fake::CLIENT_SECRET), body.as_bytes(), now).unwrap();
    assert_ne!(first.key, second.key);
}

#[tokio::test]
async fn one_good_signature_among_several_is_enough() {
    let fake = FakeBigCommerce::start().await;
    let (mut headers, body) = fake.webhook("store/order/created", 7);
    let good = headers["webhook-signature"].to_str().unwrap().to_string();
    headers.insert("webhook-signature", format!("v1,AAAA v2,xyz {good}").parse().unwrap());
    assert!(bridge().verify(&fake.connection("c1"), &headers, &body, now_ms()).is_ok());
}

#[tokio::test]
async fn a_tampered_body_or_another_secret_is_refused() {
    let fake = FakeBigCommerce::start().await;
    let conn = fake.connection("c1");
    let (headers, body) = fake.webhook("store/order/created", 7);
    let tampered = String::from_utf8(body.clone()).unwrap().replace("\"id\":7", "\"id\":8");
    assert_eq!(bridge().verify(&conn, &headers, tampered.as_bytes(), now_ms()), Err(WebhookRefusal::BadSignature));
    let ts = headers["webhook-timestamp"].to_str().unwrap().parse().unwrap();
    let forged = fake::sign(headers["webhook-id"].to_str().unwrap(), ts, &body, "not-the-secret");
    assert_eq!(bridge().verify(&conn, &forged, &body, now_ms()), Err(WebhookRefusal::BadSignature));
    let mut no_secret = conn.clone();
    if let backend::bridges::Credentials::BigCommerce { client_secret, .. } = &mut no_secret.credentials {
        client_secret.clear();
    }
    let signed_with_nothing = fake::sign(headers["webhook-id"].to_str().unwrap(), ts, &body, "");
    assert_eq!(bridge().verify(&no_secret, &signed_with_nothing, &body, now_ms()), Err(WebhookRefusal::BadSignature));
    let mut changed_id = headers.clone();
    changed_id.insert("webhook-id", HeaderValue::from_static("msg_other"));
    assert_eq!(bridge().verify(&conn, &changed_id, &body, now_ms()), Err(WebhookRefusal::BadSignature));
}

#[tokio::test]
async fn a_delivery_missing_a_signature_header_is_refused() {
    let fake = FakeBigCommerce::start().await;
    let (headers, body) = fake.webhook("store/order/created", 7);
    for name in ["webhook-id", "webhook-timestamp", "webhook-signature"] {
        let mut without = headers.clone();
        without.remove(name);
        assert_eq!(bridge().verify(&fake.connection("c1"), &without, &body, now_ms()), Err(WebhookRefusal::MissingHeader(name)));
    }
    assert_eq!(
        bridge().verify(&fake.connection("c1"), &HeaderMap::new(), &body, now_ms()),
        Err(WebhookRefusal::MissingHeader("webhook-id"))
    );
}

#[tokio::test]
async fn a_delivery_more_than_five_minutes_off_is_refused_as_stale() {
    let fake = FakeBigCommerce::start().await;
    let conn = fake.connection("c1");
    let (headers, body) = fake.webhook("store/order/created", 7);
    let sent_ms = headers["webhook-timestamp"].to_str().unwrap().parse::<i64>().unwrap() * 1000;
    assert!(bridge().verify(&conn, &headers, &body, sent_ms + 299_000).is_ok());
    assert_eq!(bridge().verify(&conn, &headers, &body, sent_ms + 301_000), Err(WebhookRefusal::Stale));
    assert_eq!(bridge().verify(&conn, &headers, &body, sent_ms - 301_000), Err(WebhookRefusal::Stale));
    for absurd in ["-9223372036854775808", "9223372036854775807", "1e9", "soon"] {
        let mut odd = headers.clone();
        odd.insert("webhook-timestamp", absurd.parse().unwrap());
        assert_eq!(bridge().verify(&conn, &odd, &body, sent_ms), Err(WebhookRefusal::Stale), "{absurd}");
    }
}

#[tokio::test]
async fn other_scopes_are_ignored_and_another_stores_deliveries_refused() {
    let fake = FakeBigCommerce::start().await;
    let conn = fake.connection("c1");
    let now = now_ms();
    let product = br#"{"scope":"store/product/updated","data":{"type":"product","id":5},"hash":"h1"}"#;
    let delivery = bridge().verify(&conn, &fake::sign("m1", now / 1000, product, fake::CLIENT_SECRET), product, now).unwrap();
    assert_eq!(delivery.key, "m1");
    assert!(matches!(delivery.event, DeliveryEvent::Ignored { .. }));
    let foreign = br#"{"scope":"store/order/created","data":{"type":"order","id":5},"hash":"h2","producer":"stores/zzz"}"#;
    assert_eq!(
        bridge().verify(&conn, &fake::sign("m2", now / 1000, foreign, fake::CLIENT_SECRET), foreign, now),
        Err(WebhookRefusal::OtherStore)
    );
}

#[tokio::test]
async fn a_card_order_for_delivery_is_read_whole_in_exact_cents() {
    let fake = FakeBigCommerce::start().await;
    fake.add_order(order_100(), json!([product_65()]), shipping_consignment());
    let order = bridge().fetch_order(&fake.connection("c1"), "100").await.unwrap();
    assert_eq!(
        order,
        IncomingOrder {
            platform: Platform::BigCommerce,
            external_id: "100".into(),
            number: "100".into(),
            created_at_ms: 1_515_618_330_000,
            // `date_modified` (RFC 2822; the fake's default, the creation) in milliseconds.
            modified: "1515618330000".into(),
            email: Some("janedoe@example.com".into()),
            customer_name: Some("Jane Doe".into()),
            order_type: OrderType::Delivery,
            lines: vec![IncomingLine {
                external_id: "65".into(),
                external_product_id: "77".into(),
                sku: "S-ORAN".into(),
                name: "Orange T-shirt".into(),
                quantity: 1,
                unit_price: Money(5599),
            }],
            shipping: Money(1000),
            total: Money(36195),
            // `authorized`: the card is only held, not captured; unpaid until a later version says captured.
            payment: OrderPayment { paid: false, method: "Credit Card".into() },
            state: PlatformOrderState::Open,
            note: "Leave it at the back door\n\
                   Livraison / Shipping : Jane Doe, 12 rue Principale, Montréal Québec H2X 1Y4, Canada\n\
                   Flat Rate\n\
                   Tél. / Phone : 555-123-4567\n\
                   Facturation / Billing : Jane Doe, 12 rue Principale, Montréal Québec H2X 1Y4, Canada"
                .into(),
        }
    );
    let paths: Vec<String> = fake.calls().iter().map(|c| format!("{} {}", c.method, c.path)).collect();
    let base = format!("/stores/{}/v2/orders/100", fake::STORE_HASH);
    assert_eq!(paths, vec![format!("GET {base}"), format!("GET {base}/products"), format!("GET {base}/consignments")]);
}

#[tokio::test]
async fn an_order_paid_with_an_offline_method_arrives_unpaid() {
    let fake = FakeBigCommerce::start().await;
    for (id, method, status) in [(1, "Cash on Delivery", "paid"), (2, "Check", "captured"), (3, "Bank Deposit", "paid"), (4, "Credit Card", "pending")] {
        let mut order = order_100();
        order["id"] = json!(id);
        order["payment_method"] = json!(method);
        order["payment_status"] = json!(status);
        fake.add_order(order, json!([product_65()]), Value::Null);
        let got = bridge().fetch_order(&fake.connection("c1"), &id.to_string()).await.unwrap();
        assert_eq!(got.payment, OrderPayment { paid: false, method: method.into() }, "{method}");
    }
}

#[tokio::test]
async fn a_pickup_order_is_known_by_its_pickup_consignment_or_by_its_lines() {
    let fake = FakeBigCommerce::start().await;
    let pickup_consignment = json!({"pickups":[{"id":13,"pickup_method_id":1,"pickup_method_display_name":"Ramassage en magasin",
        "collection_instructions":"Bring your ID","location":{"id":2,"name":"Boutique Plateau","code":"PLT"},"line_items":[]}],
        "shipping":[],"downloads":[]});
    fake.add_order(json!({"id":126,"date_created":"Thu, 11 Jan 2018 10:00:00 +0000","status_id":11,"total_inc_tax":"20.0000",
        "payment_method":"Stripe","payment_status":"captured","billing_address":{"first_name":"","last_name":"","email":""}}),
        json!([{"id":22,"order_id":126,"product_id":97,"variant_id":69,"sku":"MUG","name":"Mug","quantity":2,"base_price":"10.0000",
            "order_pickup_method_id":13}]),
        pickup_consignment);
    let order = bridge().fetch_order(&fake.connection("c1"), "126").await.unwrap();
    assert_eq!(order.order_type, OrderType::Pickup);
    assert_eq!(order.lines[0].external_product_id, "69", "the variant is the unit of stock");
    assert_eq!(order.email, None);
    assert_eq!(order.customer_name, None);
    assert_eq!(order.note, "Ramassage / Pickup : Ramassage en magasin — Boutique Plateau\nBring your ID");
    // Only the line says so (the consignments call brought nothing).
    fake.add_order(json!({"id":127,"date_created":"Thu, 11 Jan 2018 10:00:00 +0000","status_id":11,"total_inc_tax":"10.0000",
        "payment_method":"Stripe","payment_status":"captured"}),
        json!([{"id":23,"product_id":97,"sku":"MUG","quantity":1,"base_price":"10.0000","order_pickup_method_id":14}]),
        Value::Null);
    assert_eq!(bridge().fetch_order(&fake.connection("c1"), "127").await.unwrap().order_type, OrderType::Pickup);
}

#[tokio::test]
async fn cancelled_declined_and_refunded_orders_say_so() {
    let fake = FakeBigCommerce::start().await;
    for (id, status_id, state) in [(5, 5, PlatformOrderState::Cancelled), (6, 6, PlatformOrderState::Cancelled),
        (4, 4, PlatformOrderState::Refunded), (14, 14, PlatformOrderState::Open), (10, 10, PlatformOrderState::Open)]
    {
        let mut order = order_100();
        order["id"] = json!(id);
        order["status_id"] = json!(status_id);
        fake.add_order(order, json!([product_65()]), Value::Null);
        assert_eq!(bridge().fetch_order(&fake.connection("c1"), &id.to_string()).await.unwrap().state, state, "status {status_id}");
    }
}

#[tokio::test]
async fn an_amount_with_a_fraction_of_a_cent_is_refused_not_rounded() {
    let fake = FakeBigCommerce::start().await;
    let mut product = product_65();
    product["base_price"] = json!("55.9950");
    fake.add_order(order_100(), json!([product]), Value::Null);
    let err = bridge().fetch_order(&fake.connection("c1"), "100").await.unwrap_err();
    assert!(matches!(err, BridgeError::Malformed(ref m) if m.contains("base_price")), "{err:?}");
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn an_order_with_more_products_than_a_page_is_read_across_pages() {
    let fake = FakeBigCommerce::start().await;
    let rows: Vec<Value> = (1..=260)
        .map(|i| json!({"id":i,"product_id":i,"order_address_id":51,"sku":format!("SKU-{i}"),"quantity":1,"base_price":"1.0000"}))
        .collect();
    fake.add_order(order_100(), Value::Array(rows), Value::Null);
    let order = bridge().fetch_order(&fake.connection("c1"), "100").await.unwrap();
    assert_eq!(order.lines.len(), 260);
    let product_calls: Vec<String> = fake.calls().into_iter().filter(|c| c.path.ends_with("/products")).map(|c| c.query).collect();
    assert_eq!(product_calls, vec!["page=1&limit=250", "page=2&limit=250"]);
}

#[tokio::test]
async fn an_id_that_is_not_an_order_number_never_reaches_the_platform() {
    let fake = FakeBigCommerce::start().await;
    let err = bridge().fetch_order(&fake.connection("c1"), "../../v3/catalog").await.unwrap_err();
    assert!(matches!(err, BridgeError::Malformed(_)));
    assert!(fake.calls().is_empty());
}

#[tokio::test]
async fn reconciliation_pages_through_the_orders_modified_since_a_time() {
    let fake = FakeBigCommerce::start().await;
    // 60 orders modified on 10 Jan 2018 at 21:05:30, 5 older ones the pull must not bring.
    for id in 1..=65u64 {
        let mut order = order_100();
        order["id"] = json!(id);
        order["date_modified"] = json!(if id <= 5 { "Tue, 09 Jan 2018 08:00:00 +0000" } else { "Wed, 10 Jan 2018 21:05:30 +0000" });
        fake.add_order(order, json!([product_65()]), Value::Null);
    }
    // One of them cannot be read (a fraction of a cent): the others still come.
    let mut bad = order_100();
    bad["id"] = json!(30);
    bad["total_inc_tax"] = json!("1.0001");
    fake.add_order(bad, json!([product_65()]), Value::Null);
    let conn = fake.connection("c1");
    let since_ms = 1_515_618_330_000 - 60_000;
    let first = bridge().orders_modified_since(&conn, since_ms, None).await.unwrap();
    assert_eq!(first.orders.len(), ORDERS_PAGE - 1);
    assert_eq!(first.orders[0].external_id, "6");
    assert!(first.orders.iter().all(|o| o.external_id != "30"));
    assert_eq!(first.next.as_deref(), Some("2"));
    let second = bridge().orders_modified_since(&conn, since_ms, first.next.as_deref()).await.unwrap();
    assert_eq!(second.orders.iter().map(|o| o.external_id.as_str()).collect::<Vec<_>>(), ["56", "57", "58", "59", "60", "61", "62", "63", "64", "65"]);
    assert_eq!(second.next, None);
    let list = fake.calls().into_iter().find(|c| c.path.ends_with("/v2/orders")).unwrap();
    assert_eq!(list.query, "min_date_modified=Wed%2C+10+Jan+2018+21%3A04%3A30+%2B0000&sort=id%3Aasc&page=1&limit=50");
    // A page past the end: BigCommerce answers 204.
    let none = bridge().orders_modified_since(&conn, since_ms, Some("9")).await.unwrap();
    assert!(none.orders.is_empty() && none.next.is_none());
}

fn status(external_id: &str, update: PlatformUpdate, tracking: Option<&str>) -> StatusUpdate {
    StatusUpdate { external_id: external_id.into(), update, tracking: tracking.map(Into::into), idempotency_key: "k1".into() }
}

#[tokio::test]
async fn packed_and_completed_statuses_are_sent_as_status_ids() {
    let fake = FakeBigCommerce::start().await;
    fake.add_order(order_100(), json!([product_65()]), Value::Null);
    let conn = fake.connection("c1");
    for status_id in [9u8, 8, 10] {
        bridge().send_status(&conn, &status("100", PlatformUpdate::BigCommerceStatus { status_id }, None)).await.unwrap();
        assert_eq!(fake.order(100).unwrap()["status_id"], json!(status_id));
    }
    let calls = fake.calls();
    assert_eq!(calls.len(), 3);
    assert_eq!(calls[0].method, "PUT");
    assert_eq!(calls[0].path, format!("/stores/{}/v2/orders/100", fake::STORE_HASH));
    assert_eq!(calls[0].body, json!({"status_id": 9}));
    // Nothing to say: no call.
    bridge().send_status(&conn, &status("100", PlatformUpdate::NoChange, None)).await.unwrap();
    assert_eq!(fake.calls().len(), 3);
}

#[tokio::test]
async fn a_shipment_ships_what_remains_once_with_its_tracking_number() {
    let fake = FakeBigCommerce::start().await;
    let mut second = product_65();
    second["id"] = json!(66);
    second["sku"] = json!("S-BLEU");
    second["quantity"] = json!(3);
    second["quantity_shipped"] = json!(1);
    fake.add_order(order_100(), json!([product_65(), second]), Value::Null);
    let conn = fake.connection("c1");
    let update = status("100", PlatformUpdate::BigCommerceShipment, Some("Postes Canada 7316 0000 1234"));
    bridge().send_status(&conn, &update).await.unwrap();
    // The answer was lost and the outbox sends it again: nothing is left to ship, nothing is posted.
    bridge().send_status(&conn, &update).await.unwrap();
    let posts: Vec<_> = fake.calls().into_iter().filter(|c| c.method == "POST").collect();
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0].path, format!("/stores/{}/v2/orders/100/shipments", fake::STORE_HASH));
    assert_eq!(
        posts[0].body,
        json!({"order_address_id":51,"tracking_number":"Postes Canada 7316 0000 1234",
               "items":[{"order_product_id":65,"quantity":1},{"order_product_id":66,"quantity":2}]})
    );
    assert_eq!(fake.order(100).unwrap()["status_id"], json!(2));
}

#[tokio::test]
async fn an_update_meant_for_another_platform_is_refused_without_a_call() {
    let fake = FakeBigCommerce::start().await;
    let err = bridge().send_status(&fake.connection("c1"), &status("100", PlatformUpdate::ShopifyFulfillmentCreate, None)).await.unwrap_err();
    assert!(matches!(err, BridgeError::Refused { .. }));
    assert!(fake.calls().is_empty());
}

fn level(sku: &str, quantity: i64) -> StockLevel {
    StockLevel { sku: sku.into(), external_product_id: None, quantity }
}

#[tokio::test]
async fn stock_levels_are_set_absolutely_at_the_stores_location() {
    let fake = FakeBigCommerce::start().await;
    let conn = fake.connection("c1");
    bridge().send_stock(&conn, &[level("S-ORAN", 7), level("MUG", -2), level("", 4)], "push-1").await.unwrap();
    let calls = fake.calls();
    assert_eq!(calls.len(), 1);
    assert_eq!((calls[0].method.as_str(), calls[0].path.clone()), ("PUT", format!("/stores/{}/v3/inventory/adjustments/absolute", fake::STORE_HASH)));
    assert_eq!(
        calls[0].body,
        json!({"reason":"Comptoir online stock","items":[{"location_id":1,"sku":"S-ORAN","quantity":7},{"location_id":1,"sku":"MUG","quantity":0}]})
    );
    assert_eq!(fake.inventory().get(&(1, "S-ORAN".to_string())), Some(&7));
}

#[tokio::test]
async fn two_thousand_and_one_levels_take_two_calls() {
    let fake = FakeBigCommerce::start().await;
    let levels: Vec<StockLevel> = (0..2001).map(|i| level(&format!("SKU-{i:04}"), i)).collect();
    bridge().send_stock(&fake.connection("c1"), &levels, "push-2").await.unwrap();
    let sizes: Vec<usize> = fake.calls().iter().map(|c| c.body["items"].as_array().unwrap().len()).collect();
    assert_eq!(sizes, vec![INVENTORY_BATCH, 1]);
    assert!(fake.calls().iter().all(|c| c.status == 200));
    assert_eq!(fake.inventory().len(), 2001);
    assert_eq!(fake.inventory().get(&(1, "SKU-2000".to_string())), Some(&2000));
}

#[tokio::test]
async fn a_429_is_rate_limited_with_bigcommerces_reset_delay_and_the_retry_goes_through() {
    let fake = FakeBigCommerce::start().await;
    fake.add_order(order_100(), json!([product_65()]), Value::Null);
    let conn = fake.connection("c1");
    fake.fail_next(1, 429);
    let err = bridge().send_stock(&conn, &[level("S-ORAN", 3)], "push-3").await.unwrap_err();
    assert_eq!(err, BridgeError::RateLimited { retry_after_ms: Some(fake::RATE_LIMIT_RESET_MS) });
    assert!(err.is_retryable());
    bridge().send_stock(&conn, &[level("S-ORAN", 3)], "push-3").await.unwrap();
    assert_eq!(fake.inventory().get(&(1, "S-ORAN".to_string())), Some(&3));
    fake.fail_next(1, 429);
    let err = bridge().fetch_order(&conn, "100").await.unwrap_err();
    assert_eq!(err, BridgeError::RateLimited { retry_after_ms: Some(fake::RATE_LIMIT_RESET_MS) });
}

#[tokio::test]
async fn server_errors_are_retryable_and_refusals_are_not() {
    let fake = FakeBigCommerce::start().await;
    let conn = fake.connection("c1");
    fake.fail_next(1, 503);
    let err = bridge().send_stock(&conn, &[level("A", 1)], "k").await.unwrap_err();
    assert!(matches!(err, BridgeError::Unavailable(_)) && err.is_retryable(), "{err:?}");
    let err = bridge().fetch_order(&conn, "999").await.unwrap_err();
    assert!(matches!(err, BridgeError::Refused { status: 404, .. }) && !err.is_retryable(), "{err:?}");
    let mut wrong = conn.clone();
    if let backend::bridges::Credentials::BigCommerce { access_token, .. } = &mut wrong.credentials {
        *access_token = "revoked".into();
    }
    let err = bridge().send_stock(&wrong, &[level("A", 1)], "k").await.unwrap_err();
    assert!(matches!(err, BridgeError::Refused { status: 401, .. }), "{err:?}");
}

#[tokio::test]
async fn a_platform_that_cannot_be_reached_is_unavailable() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let fake = FakeBigCommerce::start().await;
    let mut conn = fake.connection("c1");
    conn.base_url = closed;
    let err = bridge().fetch_order(&conn, "100").await.unwrap_err();
    assert!(matches!(err, BridgeError::Unavailable(_)), "{err:?}");
}

#[tokio::test]
async fn incomplete_and_pending_checkouts_are_not_orders_yet_and_awaiting_payment_is_an_unpaid_order() {
    let fake = FakeBigCommerce::start().await;
    let cases = [
        (20, 0, "pending", PlatformOrderState::Pending, false),
        (21, 1, "pending", PlatformOrderState::Pending, false),
        (22, 7, "pending", PlatformOrderState::Open, false),
        (23, 11, "authorized", PlatformOrderState::Open, false),
        (24, 11, "captured", PlatformOrderState::Open, true),
        (25, 12, "captured", PlatformOrderState::Open, true),
        (26, 6, "declined", PlatformOrderState::Cancelled, false),
    ];
    for (id, status_id, payment_status, state, paid) in cases {
        let mut order = order_100();
        order["id"] = json!(id);
        order["status_id"] = json!(status_id);
        order["payment_status"] = json!(payment_status);
        order["date_modified"] = json!("Thu, 11 Jan 2018 10:00:00 +0000");
        fake.add_order(order, json!([product_65()]), Value::Null);
        let got = bridge().fetch_order(&fake.connection("c1"), &id.to_string()).await.unwrap();
        assert_eq!((got.state, got.payment.paid), (state, paid), "status {status_id}, payment {payment_status}");
        // `date_modified` (RFC 2822) in milliseconds, to put versions in order.
        assert_eq!(got.modified, "1515664800000");
    }
}
