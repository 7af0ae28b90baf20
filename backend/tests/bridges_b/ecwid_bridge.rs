use crate::ecwid::{self as fake, FakeEcwid};
use crate::now_ms;
use axum::http::HeaderMap;
use backend::bridges::ecwid::{EcwidBridge, ORDERS_PAGE};
use backend::bridges::{Bridge, BridgeError, DeliveryEvent, StatusUpdate, StockLevel, WebhookRefusal};
use serde_json::{json, Value};
use shared::fulfilment::{EcwidFulfillmentStatus, OrderType, Platform, PlatformUpdate};
use shared::money::Money;
use shared::online::{IncomingLine, IncomingOrder, OrderPayment, PlatformOrderState};
use std::time::Duration;

fn bridge() -> EcwidBridge {
    EcwidBridge::with_stock_call_interval(reqwest::Client::new(), Duration::from_millis(1))
}

/// The documented `GET /orders/K8XTQ`: paid with the "Offline" method, picked up.
fn order_k8xtq() -> Value {
    json!({"id":"K8XTQ","internalId":516483487,"orderNumber":516483487,"email":"ex@example.com","paymentMethod":"Offline",
     "paymentStatus":"PAID","fulfillmentStatus":"DELIVERED","total":10,"orderComments":"","createTimestamp":1725434529,
     "items":[{"id":1828115520,"productId":692730761,"price":10,"sku":"123123","quantity":1,"name":"Toys"}],
     "billingPerson":{"name":"Jane Doe","firstName":"Jane","lastName":"Doe","phone":"+1 555 0100"},
     "shippingOption":{"shippingMethodName":"Pick up at store #1","shippingRate":0,"isPickup":true,"fulfillmentType":"PICKUP"}})
}

/// A card order for delivery, with a variation line and a price with cents.
fn order_card() -> Value {
    json!({"id":"XJ12H","internalId":516483500,"email":" Marc@Example.COM","paymentMethod":"Credit card","paymentModule":"Stripe",
     "paymentStatus":"PAID","fulfillmentStatus":"AWAITING_PROCESSING","total":34.49,"orderComments":"Sonnez deux fois",
     "createTimestamp":1725434600,"updateTimestamp":1725434700,
     "items":[{"id":11,"productId":501,"price":10.5,"sku":"MUG","quantity":2,"name":"Tasse"},
              {"id":12,"productId":502,"combinationId":77,"price":8.99,"sku":"TEE-M","quantity":1,"name":"T-shirt M"}],
     "billingPerson":{"firstName":"Marc","lastName":"Tremblay","phone":"514 555 0199"},
     "shippingPerson":{"name":"Marc Tremblay","street":"12 rue Principale","city":"Montréal","stateOrProvinceCode":"QC",
        "postalCode":"H2X 1Y4","countryCode":"CA","phone":"514 555 0199"},
     "shippingOption":{"shippingMethodName":"Postes Canada","shippingRate":4.5,"isPickup":false,"fulfillmentType":"SHIPPING"}})
}

#[tokio::test]
async fn a_signed_delivery_names_the_order_to_fetch_and_dedupes_on_its_event_id() {
    let fake = FakeEcwid::start().await;
    fake.add_order(order_card());
    let conn = fake.connection("c2");
    let (headers, body) = fake.webhook("order.created", "XJ12H");
    let delivery = bridge().verify(&conn, &headers, &body, now_ms()).unwrap();
    let event_id = serde_json::from_slice::<Value>(&body).unwrap()["eventId"].as_str().unwrap().to_string();
    assert_eq!(delivery.key, event_id);
    assert_eq!(delivery.event, DeliveryEvent::Order { external_id: "XJ12H".into(), order: None });
    let (headers, body) = fake.webhook("order.updated", "XJ12H");
    let updated = bridge().verify(&conn, &headers, &body, now_ms()).unwrap();
    assert_ne!(updated.key, event_id);
    assert!(matches!(updated.event, DeliveryEvent::Order { .. }));
}

#[tokio::test]
async fn the_documented_webhook_body_verifies_with_the_signature_over_its_two_fields() {
    let fake = FakeEcwid::start().await;
    let body = br#"{"eventId":"80aece08-40e8-4145-8764-6c2f0d38678","eventCreated":1234567,"storeId":1003,"entityId":103878161,
 "eventType":"order.created","data":{"orderId":"XJ12H","newPaymentStatus":"PAID","newFulfillmentStatus":"SHIPPED"}}"#;
    let mut headers = HeaderMap::new();
    headers.insert("X-Ecwid-Webhook-Signature", fake::sign(1234567, "80aece08-40e8-4145-8764-6c2f0d38678", fake::CLIENT_SECRET).parse().unwrap());
    // Years old: Ecwid retries an event with its first `eventCreated`, so there is no freshness check.
    let delivery = bridge().verify(&fake.connection("c2"), &headers, body, now_ms()).unwrap();
    assert_eq!(delivery.key, "80aece08-40e8-4145-8764-6c2f0d38678");
    assert_eq!(delivery.event, DeliveryEvent::Order { external_id: "XJ12H".into(), order: None });
}

#[tokio::test]
async fn a_wrong_or_missing_signature_is_refused() {
    let fake = FakeEcwid::start().await;
    let conn = fake.connection("c2");
    let (headers, body) = fake.webhook("order.created", "XJ12H");
    let mut without = headers.clone();
    without.remove("x-ecwid-webhook-signature");
    assert_eq!(bridge().verify(&conn, &without, &body, now_ms()), Err(WebhookRefusal::MissingHeader("X-Ecwid-Webhook-Signature")));
    // The signed fields changed: another event id, another time.
    let text = String::from_utf8(body.clone()).unwrap();
    let other_id = text.replace("80aece08", "90aece08");
    assert_eq!(bridge().verify(&conn, &headers, other_id.as_bytes(), now_ms()), Err(WebhookRefusal::BadSignature));
    let v: Value = serde_json::from_slice(&body).unwrap();
    let created = v["eventCreated"].as_i64().unwrap();
    let other_time = text.replace(&format!("\"eventCreated\":{created}"), &format!("\"eventCreated\":{}", created + 1));
    assert_eq!(bridge().verify(&conn, &headers, other_time.as_bytes(), now_ms()), Err(WebhookRefusal::BadSignature));
    let mut forged = headers.clone();
    forged.insert("x-ecwid-webhook-signature", fake::sign(created, v["eventId"].as_str().unwrap(), "secret_token-is-not-the-key").parse().unwrap());
    assert_eq!(bridge().verify(&conn, &forged, &body, now_ms()), Err(WebhookRefusal::BadSignature));
    let mut no_secret = conn.clone();
    if let backend::bridges::Credentials::LightspeedEcom { client_secret, .. } = &mut no_secret.credentials {
        client_secret.clear();
    }
    let mut signed_with_nothing = headers.clone();
    signed_with_nothing.insert("x-ecwid-webhook-signature", fake::sign(created, v["eventId"].as_str().unwrap(), "").parse().unwrap());
    assert_eq!(bridge().verify(&no_secret, &signed_with_nothing, &body, now_ms()), Err(WebhookRefusal::BadSignature));
    let mut garbage = headers.clone();
    garbage.insert("x-ecwid-webhook-signature", "not base64!".parse().unwrap());
    assert_eq!(bridge().verify(&conn, &garbage, &body, now_ms()), Err(WebhookRefusal::BadSignature));
    assert_eq!(bridge().verify(&conn, &headers, b"not json", now_ms()), Err(WebhookRefusal::BadSignature));
}

#[tokio::test]
async fn deleted_orders_and_abandoned_carts_are_ignored_and_another_stores_events_refused() {
    let fake = FakeEcwid::start().await;
    let conn = fake.connection("c2");
    for event in ["order.deleted", "unfinished_order.created", "unfinished_order.updated", "product.updated"] {
        let (headers, body) = fake.webhook(event, "XJ12H");
        let delivery = bridge().verify(&conn, &headers, &body, now_ms()).unwrap();
        assert!(matches!(delivery.event, DeliveryEvent::Ignored { .. }), "{event}");
    }
    let (headers, body) = fake.webhook("order.created", "XJ12H");
    let foreign = String::from_utf8(body).unwrap().replace(&format!("\"storeId\":{}", fake::STORE_ID), "\"storeId\":999");
    assert_eq!(bridge().verify(&conn, &headers, foreign.as_bytes(), now_ms()), Err(WebhookRefusal::OtherStore));
}

#[tokio::test]
async fn the_documented_order_paid_offline_arrives_unpaid_for_pickup() {
    let fake = FakeEcwid::start().await;
    fake.add_order(order_k8xtq());
    let order = bridge().fetch_order(&fake.connection("c2"), "K8XTQ").await.unwrap();
    assert_eq!(
        order,
        IncomingOrder {
            platform: Platform::LightspeedEcom,
            external_id: "K8XTQ".into(),
            number: "K8XTQ".into(),
            created_at_ms: 1_725_434_529_000,
            // `updateTimestamp` (seconds) in milliseconds, to put versions in order.
            modified: "1725434529000".into(),
            email: Some("ex@example.com".into()),
            customer_name: Some("Jane Doe".into()),
            order_type: OrderType::Pickup,
            lines: vec![IncomingLine {
                external_id: "1828115520".into(),
                external_product_id: "692730761".into(),
                sku: "123123".into(),
                name: "Toys".into(),
                quantity: 1,
                unit_price: Money(1000),
            }],
            shipping: Money(0),
            total: Money(1000),
            payment: OrderPayment { paid: false, method: "Offline".into() },
            state: PlatformOrderState::Open,
            note: "Ramassage / Pickup : Pick up at store #1\nTél. / Phone : +1 555 0100".into(),
        }
    );
    let call = &fake.calls()[0];
    assert_eq!((call.method.as_str(), call.path.as_str()), ("GET", "/api/v3/1003/orders/K8XTQ"));
}

#[tokio::test]
async fn a_card_order_for_delivery_names_its_processor_and_keeps_exact_cents() {
    let fake = FakeEcwid::start().await;
    fake.add_order(order_card());
    let order = bridge().fetch_order(&fake.connection("c2"), "XJ12H").await.unwrap();
    assert_eq!(order.payment, OrderPayment { paid: true, method: "Stripe".into() });
    assert_eq!(order.order_type, OrderType::Delivery);
    assert_eq!(order.email.as_deref(), Some("marc@example.com"));
    assert_eq!(order.customer_name.as_deref(), Some("Marc Tremblay"));
    assert_eq!(order.total, Money(3449));
    assert_eq!(order.shipping, Money(450));
    assert_eq!(order.lines.iter().map(|l| (l.sku.as_str(), l.quantity, l.unit_price)).collect::<Vec<_>>(),
        vec![("MUG", 2, Money(1050)), ("TEE-M", 1, Money(899))]);
    assert_eq!(order.lines[1].external_product_id, "502/77", "a variation's stock is its combination's");
    assert_eq!(order.note, "Sonnez deux fois\nLivraison / Shipping : Marc Tremblay, 12 rue Principale, Montréal QC H2X 1Y4, CA\nPostes Canada\nTél. / Phone : 514 555 0199");
}

#[tokio::test]
async fn awaiting_payment_cancelled_and_refunded_orders_say_so() {
    let fake = FakeEcwid::start().await;
    let cases = [
        ("A1", "AWAITING_PAYMENT", "AWAITING_PROCESSING", false, PlatformOrderState::Open),
        ("A2", "CANCELLED", "AWAITING_PROCESSING", false, PlatformOrderState::Cancelled),
        ("A3", "REFUNDED", "SHIPPED", true, PlatformOrderState::Refunded),
        ("A4", "PAID", "WILL_NOT_DELIVER", true, PlatformOrderState::Cancelled),
        // A checkout left at the payment step: not an order yet (nothing taken until it is placed).
        ("A5", "INCOMPLETE", "AWAITING_PROCESSING", false, PlatformOrderState::Pending),
    ];
    for (id, payment, fulfilment, paid, state) in cases {
        let mut order = order_card();
        order["id"] = json!(id);
        order["paymentStatus"] = json!(payment);
        order["fulfillmentStatus"] = json!(fulfilment);
        fake.add_order(order);
        let got = bridge().fetch_order(&fake.connection("c2"), id).await.unwrap();
        assert_eq!((got.payment.paid, got.state), (paid, state), "{payment} {fulfilment}");
    }
}

#[tokio::test]
async fn a_price_with_a_fraction_of_a_cent_is_refused_not_rounded() {
    let fake = FakeEcwid::start().await;
    let mut order = order_card();
    order["items"][0]["price"] = json!(10.505);
    fake.add_order(order);
    let err = bridge().fetch_order(&fake.connection("c2"), "XJ12H").await.unwrap_err();
    assert!(matches!(err, BridgeError::Malformed(ref m) if m.contains("price")), "{err:?}");
}

#[tokio::test]
async fn reconciliation_pages_by_offset_through_orders_updated_since_a_time() {
    let fake = FakeEcwid::start().await;
    for i in 0..230 {
        let mut order = order_card();
        order["id"] = json!(format!("R{i:03}"));
        order["updateTimestamp"] = json!(if i < 10 { 1_700_000_000 } else { 1_725_434_700 });
        fake.add_order(order);
    }
    // One of them cannot be read (no items): the others still come.
    let mut bad = order_card();
    bad["id"] = json!("R050");
    bad["items"] = Value::Null;
    fake.add_order(bad);
    let conn = fake.connection("c2");
    let since_ms = 1_725_434_000_123;
    let mut seen = Vec::new();
    let mut page = None;
    loop {
        let got = bridge().orders_modified_since(&conn, since_ms, page.as_deref()).await.unwrap();
        seen.extend(got.orders.into_iter().map(|o| o.external_id));
        match got.next {
            Some(next) => page = Some(next),
            None => break,
        }
    }
    assert_eq!(seen.len(), 219);
    assert!(!seen.contains(&"R050".to_string()));
    assert_eq!(seen.first().map(String::as_str), Some("R010"));
    let queries: Vec<String> = fake.calls().into_iter().map(|c| c.query).collect();
    assert_eq!(queries, vec![
        format!("updatedFrom=1725434000&offset=0&limit={ORDERS_PAGE}"),
        format!("updatedFrom=1725434000&offset=100&limit={ORDERS_PAGE}"),
        format!("updatedFrom=1725434000&offset=200&limit={ORDERS_PAGE}"),
    ]);
}

fn status(update: PlatformUpdate, tracking: Option<&str>) -> StatusUpdate {
    StatusUpdate { external_id: "XJ12H".into(), update, tracking: tracking.map(Into::into), idempotency_key: "k".into() }
}

#[tokio::test]
async fn shipped_and_delivered_are_sent_as_fulfilment_statuses_with_tracking() {
    let fake = FakeEcwid::start().await;
    fake.add_order(order_card());
    let conn = fake.connection("c2");
    let shipped = PlatformUpdate::EcwidFulfillmentStatus { status: EcwidFulfillmentStatus::Shipped };
    bridge().send_status(&conn, &status(shipped, Some("7316 0000 1234"))).await.unwrap();
    let delivered = PlatformUpdate::EcwidFulfillmentStatus { status: EcwidFulfillmentStatus::Delivered };
    bridge().send_status(&conn, &status(delivered, None)).await.unwrap();
    let ready = PlatformUpdate::EcwidFulfillmentStatus { status: EcwidFulfillmentStatus::ReadyForPickup };
    bridge().send_status(&conn, &status(ready, None)).await.unwrap();
    let calls = fake.calls();
    assert!(calls.iter().all(|c| c.method == "PUT" && c.path == "/api/v3/1003/orders/XJ12H"));
    assert_eq!(calls.iter().map(|c| c.body.clone()).collect::<Vec<_>>(), vec![
        json!({"fulfillmentStatus":"SHIPPED","trackingNumber":"7316 0000 1234"}),
        json!({"fulfillmentStatus":"DELIVERED"}),
        json!({"fulfillmentStatus":"READY_FOR_PICKUP"}),
    ]);
    assert_eq!(fake.order("XJ12H").unwrap()["trackingNumber"], json!("7316 0000 1234"));
    bridge().send_status(&conn, &status(PlatformUpdate::NoChange, None)).await.unwrap();
    let err = bridge().send_status(&conn, &status(PlatformUpdate::BigCommerceShipment, None)).await.unwrap_err();
    assert!(matches!(err, BridgeError::Refused { .. }));
    assert_eq!(fake.calls().len(), 3);
}

fn level(sku: &str, external: Option<&str>, quantity: i64) -> StockLevel {
    StockLevel { sku: sku.into(), external_product_id: external.map(Into::into), quantity }
}

#[tokio::test]
async fn stock_is_set_absolutely_on_the_product_or_combination_found_by_sku_once() {
    let fake = FakeEcwid::start().await;
    fake.add_product(json!({"id":501,"sku":"MUG","quantity":40}));
    fake.add_product(json!({"id":502,"sku":"TEE","quantity":0,"combinations":[{"id":77,"sku":"TEE-M","quantity":5},{"id":78,"sku":"TEE-L","quantity":5}]}));
    let conn = fake.connection("c2");
    let levels = [level("MUG", None, 12), level("TEE-L", None, 3), level("GONE", None, 9), level("TEE-M", Some("502/77"), -4)];
    bridge().send_stock(&conn, &levels, "push-1").await.unwrap();
    let inventory = fake.inventory();
    assert_eq!((inventory["MUG"], inventory["TEE-L"], inventory["TEE-M"]), (12, 3, 0));
    let calls: Vec<String> = fake.calls().iter().map(|c| format!("{} {}?{} {}", c.method, c.path, c.query, c.body)).collect();
    assert_eq!(calls, vec![
        "GET /api/v3/1003/products?sku=MUG null",
        "PUT /api/v3/1003/products/501? {\"quantity\":12}",
        "GET /api/v3/1003/products?sku=TEE-L null",
        "PUT /api/v3/1003/products/502/combinations/78? {\"quantity\":3}",
        "GET /api/v3/1003/products?sku=GONE null",
        "PUT /api/v3/1003/products/502/combinations/77? {\"quantity\":0}",
    ]);
    // The next push knows where MUG and TEE-L live.
    bridge().send_stock(&conn, &[level("MUG", None, 11), level("TEE-L", None, 2)], "push-2").await.unwrap();
    let later: Vec<String> = fake.calls()[6..].iter().map(|c| format!("{} {}", c.method, c.path)).collect();
    assert_eq!(later, vec!["PUT /api/v3/1003/products/501", "PUT /api/v3/1003/products/502/combinations/78"]);
}

#[tokio::test]
async fn a_429_stops_the_stock_push_at_once_and_its_retry_resumes_where_it_stopped() {
    let fake = FakeEcwid::start().await;
    for (id, sku) in [(1, "A"), (2, "B"), (3, "C")] {
        fake.add_product(json!({"id":id,"sku":sku,"quantity":0}));
    }
    let conn = fake.connection("c2");
    let levels = [level("A", Some("1"), 5), level("B", Some("2"), 6), level("C", Some("3"), 7)];
    bridge().send_stock(&conn, &levels[..1], "warm-up").await.unwrap();
    fake.fail_next(1, 429);
    let err = bridge().send_stock(&conn, &levels, "push-9").await.unwrap_err();
    assert_eq!(err, BridgeError::RateLimited { retry_after_ms: Some(fake::RETRY_AFTER_S * 1000) });
    assert_eq!(fake.calls().len(), 2, "nothing more is sent after a 429");
    bridge().send_stock(&conn, &levels, "push-9").await.unwrap();
    let bodies: Vec<Value> = fake.calls().iter().map(|c| c.body.clone()).collect();
    assert_eq!(bodies, vec![json!({"quantity":5}), json!({"quantity":5}), json!({"quantity":5}), json!({"quantity":6}), json!({"quantity":7})]);
    assert_eq!(fake.inventory().values().copied().collect::<Vec<_>>(), vec![5, 6, 7]);
}

#[tokio::test]
async fn a_revoked_token_is_refused_and_a_server_error_is_retryable() {
    let fake = FakeEcwid::start().await;
    fake.add_order(order_card());
    let mut conn = fake.connection("c2");
    fake.fail_next(1, 502);
    let err = bridge().fetch_order(&conn, "XJ12H").await.unwrap_err();
    assert!(err.is_retryable(), "{err:?}");
    if let backend::bridges::Credentials::LightspeedEcom { secret_token, .. } = &mut conn.credentials {
        *secret_token = "secret_revoked".into();
    }
    let err = bridge().fetch_order(&conn, "XJ12H").await.unwrap_err();
    assert!(matches!(err, BridgeError::Refused { status: 403, .. }), "{err:?}");
    let err = bridge().fetch_order(&fake.connection("c2"), "NOPE").await.unwrap_err();
    assert!(matches!(err, BridgeError::Refused { status: 404, .. }), "{err:?}");
}

#[tokio::test]
async fn the_bridge_for_each_platform_is_the_one_written_here() {
    let http = reqwest::Client::new();
    let ecwid_store = FakeEcwid::start().await;
    ecwid_store.add_order(order_card());
    let ecwid_bridge = backend::bridges::bridge_for(Platform::LightspeedEcom, &http);
    assert_eq!(ecwid_bridge.platform(), Platform::LightspeedEcom);
    let (headers, body) = ecwid_store.webhook("order.created", "XJ12H");
    let conn = ecwid_store.connection("c2");
    let DeliveryEvent::Order { external_id, .. } = ecwid_bridge.verify(&conn, &headers, &body, now_ms()).unwrap().event else {
        panic!("an order delivery")
    };
    assert_eq!(ecwid_bridge.fetch_order(&conn, &external_id).await.unwrap().total, Money(3449));

    let bc_store = crate::bigcommerce::FakeBigCommerce::start().await;
    let bc_bridge = backend::bridges::bridge_for(Platform::BigCommerce, &http);
    assert_eq!(bc_bridge.platform(), Platform::BigCommerce);
    let (headers, body) = bc_store.webhook("store/order/created", 3);
    assert!(bc_bridge.verify(&bc_store.connection("c1"), &headers, &body, now_ms()).is_ok());
    // A connection of the other platform is refused, not misread.
    assert_eq!(bc_bridge.verify(&conn, &headers, &body, now_ms()), Err(WebhookRefusal::OtherStore));
    assert!(matches!(bc_bridge.fetch_order(&conn, "3").await, Err(BridgeError::Malformed(_))));
}

#[test]
fn the_text_update_date_is_read_when_the_timestamp_is_missing() {
    let mut order = order_card();
    order.as_object_mut().unwrap().remove("updateTimestamp");
    order["updateDate"] = json!("2024-09-04 07:15:29 +0000");
    assert_eq!(backend::bridges::ecwid::parse_order(&order).unwrap().modified, "1725434129000");
    order.as_object_mut().unwrap().remove("updateDate");
    assert_eq!(backend::bridges::ecwid::parse_order(&order).unwrap().modified, "");
}
