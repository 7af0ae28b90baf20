use crate::fakes::shopify::{FakeShopify, CLIENT_SECRET, PREVIOUS_CLIENT_SECRET};
use crate::{http, shopify_doc_order};
use backend::bridges::shopify::{parse_order, ShopifyBridge, MAX_QUANTITIES_PER_CALL};
use backend::bridges::*;
use serde_json::{json, Value};
use shared::fulfilment::{OrderType, Platform, PlatformUpdate};
use shared::money::Money;
use shared::online::{IncomingLine, IncomingOrder, OrderPayment, PlatformOrderState};

fn bridge() -> ShopifyBridge {
    ShopifyBridge::new(http())
}

fn order_with(id: u64, updated_at: &str, extra: Value) -> Value {
    let mut o = shopify_doc_order();
    o["id"] = json!(id);
    o["name"] = json!(format!("#{id}"));
    o["updated_at"] = json!(updated_at);
    for (k, v) in extra.as_object().unwrap() {
        o[k] = v.clone();
    }
    o
}

#[tokio::test]
async fn a_delivery_signed_with_the_client_secret_names_the_order_to_fetch_under_its_webhook_id() {
    let shop = FakeShopify::start().await;
    let (headers, body) = shop.webhook("orders/create", &shopify_doc_order());
    let d = bridge().verify(&shop.connection("c"), &headers, &body, 0).unwrap();
    assert_eq!(d.key, headers["x-shopify-webhook-id"].to_str().unwrap());
    assert_eq!(d.event, DeliveryEvent::Order { external_id: "820982911946154508".into(), order: None });
}

#[tokio::test]
async fn a_delivery_signed_with_the_previous_secret_is_still_accepted_after_a_rotation() {
    let shop = FakeShopify::start().await;
    let (headers, body) = shop.webhook_signed_with("orders/updated", &shopify_doc_order(), PREVIOUS_CLIENT_SECRET);
    assert!(bridge().verify(&shop.connection("c"), &headers, &body, 0).is_ok());
    // Without the previous secret on the connection, it is refused.
    let mut conn = shop.connection("c");
    if let Credentials::Shopify { previous_client_secret, .. } = &mut conn.credentials {
        *previous_client_secret = None;
    }
    assert_eq!(bridge().verify(&conn, &headers, &body, 0), Err(WebhookRefusal::BadSignature));
}

#[tokio::test]
async fn a_tampered_body_or_another_secret_is_refused() {
    let shop = FakeShopify::start().await;
    let (headers, body) = shop.webhook("orders/create", &shopify_doc_order());
    let mut tampered = body.clone();
    let at = tampered.iter().position(|b| *b == b'9').unwrap();
    tampered[at] = b'8';
    assert_eq!(bridge().verify(&shop.connection("c"), &headers, &tampered, 0), Err(WebhookRefusal::BadSignature));
    let (headers, body) = shop.webhook_signed_with("orders/create", &shopify_doc_order(), "not-the-secret");
    assert_eq!(bridge().verify(&shop.connection("c"), &headers, &body, 0), Err(WebhookRefusal::BadSignature));
    let mut garbled = headers.clone();
    garbled.insert("x-shopify-hmac-sha256", "%%% not base64".parse().unwrap());
    assert_eq!(bridge().verify(&shop.connection("c"), &garbled, &body, 0), Err(WebhookRefusal::BadSignature));
}

#[tokio::test]
async fn each_header_the_official_sdk_requires_is_required_by_name() {
    let shop = FakeShopify::start().await;
    let (headers, body) = shop.webhook("orders/create", &shopify_doc_order());
    for name in ["x-shopify-hmac-sha256", "x-shopify-topic", "x-shopify-shop-domain", "x-shopify-api-version", "x-shopify-webhook-id"] {
        let mut h = headers.clone();
        h.remove(name);
        assert_eq!(bridge().verify(&shop.connection("c"), &h, &body, 0), Err(WebhookRefusal::MissingHeader(name)), "{name}");
    }
    // The event id is only for correlation: not required.
    let mut h = headers.clone();
    h.remove("x-shopify-event-id");
    assert!(bridge().verify(&shop.connection("c"), &h, &body, 0).is_ok());
}

#[tokio::test]
async fn other_topics_are_answered_and_ignored() {
    let shop = FakeShopify::start().await;
    let (headers, body) = shop.webhook("products/update", &json!({"id": 1}));
    let d = bridge().verify(&shop.connection("c"), &headers, &body, 0).unwrap();
    assert!(matches!(d.event, DeliveryEvent::Ignored { .. }));
}

#[tokio::test]
async fn a_delivery_for_another_shop_is_refused() {
    let shop = FakeShopify::start().await;
    let (headers, body) = shop.webhook("orders/create", &shopify_doc_order());
    let mut conn = shop.connection("c");
    conn.base_url = "https://another-shop.myshopify.com".into();
    assert_eq!(bridge().verify(&conn, &headers, &body, 0), Err(WebhookRefusal::OtherStore));
    conn.base_url = format!("https://{}", crate::fakes::shopify::SHOP_DOMAIN);
    assert!(bridge().verify(&conn, &headers, &body, 0).is_ok());
}

#[test]
fn the_documented_order_reads_as_a_paid_delivery_with_exact_cents() {
    let order = parse_order(&shopify_doc_order(), false).unwrap();
    assert_eq!(
        order,
        IncomingOrder {
            platform: Platform::Shopify,
            external_id: "820982911946154508".into(),
            number: "#9999".into(),
            created_at_ms: 1_640_995_200_000,
            modified: String::new(),
            email: Some("jon@example.com".into()),
            customer_name: Some("John Smith".into()),
            order_type: OrderType::Delivery,
            lines: vec![IncomingLine {
                external_id: "866550311766439020".into(),
                external_product_id: "808950810".into(),
                sku: "IPOD2008PINK".into(),
                name: "IPod Nano - 8GB".into(),
                quantity: 1,
                unit_price: Money(19900),
            }],
            shipping: Money(1000),
            total: Money(19900),
            payment: OrderPayment { paid: true, method: "visa, bogus".into() },
            state: PlatformOrderState::Open,
            note: String::new(),
        }
    );
}

#[test]
fn pending_authorized_or_manual_gateway_orders_arrive_unpaid() {
    for status in ["pending", "authorized", "partially_paid", "voided", "expired"] {
        let o = order_with(1, "2026-01-01T00:00:00Z", json!({"financial_status": status}));
        assert!(!parse_order(&o, false).unwrap().payment.paid, "{status}");
    }
    // Marked paid in Shopify's admin, but settled outside it (seed 004): still unpaid here.
    let o = order_with(1, "2026-01-01T00:00:00Z", json!({"payment_gateway_names": ["Cash on Delivery (COD)"]}));
    let read = parse_order(&o, false).unwrap();
    assert_eq!(read.payment, OrderPayment { paid: false, method: "Cash on Delivery (COD)".into() });
}

#[test]
fn cancelled_and_refunded_orders_say_so() {
    let o = order_with(1, "2026-01-01T00:00:00Z", json!({"cancelled_at": "2026-01-02T00:00:00Z", "financial_status": "voided"}));
    assert_eq!(parse_order(&o, false).unwrap().state, PlatformOrderState::Cancelled);
    let o = order_with(1, "2026-01-01T00:00:00Z", json!({"cancelled_at": "2026-01-02T00:00:00Z", "financial_status": "refunded"}));
    assert_eq!(parse_order(&o, false).unwrap().state, PlatformOrderState::Refunded);
}

#[test]
fn the_sale_note_carries_the_customer_note_the_address_and_the_phone_and_discounts_lower_the_unit_price() {
    let o = order_with(
        1,
        "2026-01-01T00:00:00Z",
        json!({"note": "Sonnez deux fois", "email": "  Jon@Example.COM ",
               "shipping_address": {"first_name": "Jon", "last_name": "Snow", "address1": "1 rue Saint-Denis", "city": "Montréal",
                                    "province_code": "QC", "zip": "H2X 1Y4", "country_code": "CA", "phone": "514 555-0100"},
               "line_items": [{"id": 9, "variant_id": 8, "title": "Tasse", "sku": "TASSE", "quantity": 3, "price": "10.00",
                               "discount_allocations": [{"amount": "3.00"}]}]}),
    );
    let read = parse_order(&o, false).unwrap();
    assert_eq!(read.email.as_deref(), Some("jon@example.com"));
    assert_eq!(read.note, "Sonnez deux fois\nLivraison / Ship to : Jon Snow, 1 rue Saint-Denis, Montréal, QC, H2X 1Y4, CA\nTél. / Phone : 514 555-0100");
    assert_eq!(read.lines[0].unit_price, Money(900));
}

#[test]
fn amounts_finer_than_a_cent_are_refused_not_rounded() {
    let o = order_with(1, "2026-01-01T00:00:00Z", json!({"total_price": "199.005"}));
    assert!(matches!(parse_order(&o, false), Err(BridgeError::Malformed(_))));
}

#[tokio::test]
async fn fetching_an_order_reads_pickup_from_its_fulfillment_orders() {
    let shop = FakeShopify::start().await;
    let conn = shop.connection("c");
    shop.add_order(shopify_doc_order());
    let order = bridge().fetch_order(&conn, "820982911946154508").await.unwrap();
    assert_eq!(order.order_type, OrderType::Delivery);
    shop.set_delivery_method(820982911946154508, "pick_up");
    let order = bridge().fetch_order(&conn, "820982911946154508").await.unwrap();
    assert_eq!(order.order_type, OrderType::Pickup);
    let paths: Vec<_> = shop.calls().iter().map(|c| c.path.clone()).collect();
    assert!(paths.contains(&"/admin/api/2026-04/orders/820982911946154508.json".to_string()));
    assert!(paths.contains(&"/admin/api/2026-04/orders/820982911946154508/fulfillment_orders.json".to_string()));
    assert!(shop.calls().iter().all(|c| c.headers["x-shopify-access-token"] == crate::fakes::shopify::ACCESS_TOKEN));
}

#[tokio::test]
async fn reconciliation_follows_the_link_pages_and_reads_each_pages_delivery_methods_in_one_query() {
    let shop = FakeShopify::start().await;
    let conn = shop.connection("c");
    shop.set_page_size(2);
    shop.add_order(order_with(1, "2025-12-01T00:00:00Z", json!({}))); // before the window
    for id in 2..=6 {
        shop.add_order(order_with(id, "2026-12-02T10:00:00Z", json!({})));
    }
    shop.set_delivery_method(5, "pick_up");
    let since = "2026-12-01T00:00:00Z".parse::<jiff::Timestamp>().unwrap().as_millisecond();
    let mut seen = Vec::new();
    let mut page = None;
    let mut pages = 0;
    loop {
        let p = bridge().orders_modified_since(&conn, since, page.as_deref()).await.unwrap();
        pages += 1;
        seen.extend(p.orders.into_iter().map(|o| (o.external_id, o.order_type)));
        match p.next {
            Some(next) => page = Some(next),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    let ids: Vec<_> = seen.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(ids, ["2", "3", "4", "5", "6"]);
    assert_eq!(seen.iter().filter(|(_, t)| *t == OrderType::Pickup).map(|(id, _)| id.as_str()).collect::<Vec<_>>(), ["5"]);
    let lists: Vec<_> = shop.calls().into_iter().filter(|c| c.path.ends_with("/orders.json")).collect();
    assert_eq!(lists[0].param("updated_at_min").as_deref(), Some("2026-12-01T00:00:00Z"));
    assert_eq!(lists[0].param("status").as_deref(), Some("any"));
    assert_eq!(lists[0].param("limit").as_deref(), Some("250"));
    assert!(lists[1].param("page_info").is_some() && lists[1].param("updated_at_min").is_none());
    assert_eq!(shop.graphql_calls("nodes(ids:").len(), 3);
}

#[tokio::test]
async fn marking_shipped_fulfils_the_open_fulfillment_orders_once_without_notifying_the_customer() {
    let shop = FakeShopify::start().await;
    let conn = shop.connection("c");
    shop.add_order(shopify_doc_order());
    let fo = shop.fulfillment_orders(820982911946154508)[0].clone();
    let update = StatusUpdate {
        external_id: "820982911946154508".into(),
        update: PlatformUpdate::ShopifyFulfillmentCreate,
        tracking: Some("Postes Canada 7023 4567 8901".into()),
        idempotency_key: "k1".into(),
    };
    bridge().send_status(&conn, &update).await.unwrap();
    let calls = shop.graphql_calls("fulfillmentCreate(");
    assert_eq!(calls.len(), 1);
    assert_eq!(
        calls[0].json()["variables"],
        json!({"fulfillment": {"lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": format!("gid://shopify/FulfillmentOrder/{}", fo.id)}],
                               "notifyCustomer": false, "trackingInfo": {"number": "Postes Canada 7023 4567 8901"}}})
    );
    assert_eq!(shop.fulfillment_orders(820982911946154508)[0].status, "closed");
    // Sent again (a retry after a lost answer): nothing open, nothing sent.
    bridge().send_status(&conn, &update).await.unwrap();
    assert_eq!(shop.graphql_calls("fulfillmentCreate(").len(), 1);
}

#[tokio::test]
async fn packed_for_pickup_marks_the_pickup_fulfillment_orders_prepared_when_the_store_chose_it() {
    let shop = FakeShopify::start().await;
    let conn = shop.connection("c");
    shop.add_order(shopify_doc_order());
    shop.set_delivery_method(820982911946154508, "pick_up");
    let update = StatusUpdate { external_id: "820982911946154508".into(), update: PlatformUpdate::ShopifyPreparedForPickup, tracking: None, idempotency_key: "k".into() };
    bridge().send_status(&conn, &update).await.unwrap();
    assert!(shop.fulfillment_orders(820982911946154508)[0].prepared_for_pickup);
    let call = &shop.graphql_calls("fulfillmentOrderLineItemsPreparedForPickup(")[0];
    assert!(call.json()["variables"]["input"]["lineItemsByFulfillmentOrder"][0]["fulfillmentOrderId"].as_str().unwrap().starts_with("gid://shopify/FulfillmentOrder/"));
    // NoChange sends nothing.
    shop.clear_calls();
    let none = StatusUpdate { update: PlatformUpdate::NoChange, ..update };
    bridge().send_status(&conn, &none).await.unwrap();
    assert!(shop.calls().is_empty());
}

#[tokio::test]
async fn stock_is_set_as_available_with_a_null_change_from_and_the_idempotency_key_in_calls_of_at_most_250() {
    let shop = FakeShopify::start().await;
    let conn = shop.connection("c");
    for i in 0..260 {
        shop.add_product(&format!("SKU-{i:03}"));
    }
    let mut levels: Vec<StockLevel> = (0..260).map(|i| StockLevel { sku: format!("SKU-{i:03}"), external_product_id: None, quantity: i }).collect();
    levels.push(StockLevel { sku: "NOT-ON-SHOPIFY".into(), external_product_id: None, quantity: 4 });
    let b = bridge();
    b.send_stock(&conn, &levels, "7f1c7a52-2c7e-4a34-9f0b-6f1b1f0c9a11").await.unwrap();
    let sets = shop.graphql_calls("inventorySetQuantities(");
    assert_eq!(sets.iter().map(|c| c.json()["variables"]["input"]["quantities"].as_array().unwrap().len()).collect::<Vec<_>>(), [250, 10]);
    assert!(sets.iter().all(|c| c.json()["variables"]["input"]["quantities"].as_array().unwrap().len() <= MAX_QUANTITIES_PER_CALL));
    let first = sets[0].json();
    assert!(sets[0].graphql_query().contains("@idempotent(key: $idempotencyKey)"));
    assert_eq!(first["variables"]["input"]["name"], "available");
    let q3 = &first["variables"]["input"]["quantities"][3];
    assert_eq!(q3["quantity"], 3);
    assert_eq!(q3["locationId"], crate::fakes::shopify::LOCATION_ID);
    assert!(q3.as_object().unwrap().contains_key("changeFromQuantity") && q3["changeFromQuantity"].is_null());
    let keys: Vec<_> = sets.iter().map(|c| c.json()["variables"]["idempotencyKey"].as_str().unwrap().to_string()).collect();
    assert_ne!(keys[0], keys[1]);
    let inventory = shop.inventory();
    assert_eq!(inventory["SKU-000"], 0);
    assert_eq!(inventory["SKU-259"], 259);
    // SKUs were looked up 50 at a time, then remembered: a second push looks nothing up, and reuses
    // the same keys for the same levels (a retry).
    assert_eq!(shop.graphql_calls("productVariants(").len(), 6);
    b.send_stock(&conn, &levels, "7f1c7a52-2c7e-4a34-9f0b-6f1b1f0c9a11").await.unwrap();
    assert_eq!(shop.graphql_calls("productVariants(").len(), 7, "only the unknown SKU is asked again");
    let again: Vec<_> = shop.graphql_calls("inventorySetQuantities(").iter().skip(2).map(|c| c.json()["variables"]["idempotencyKey"].as_str().unwrap().to_string()).collect();
    assert_eq!(again, keys);
}

#[tokio::test]
async fn a_429_is_rate_limited_with_shopifys_delay_a_5xx_unavailable_and_a_404_refused() {
    let shop = FakeShopify::start().await;
    let conn = shop.connection("c");
    shop.add_order(shopify_doc_order());
    shop.fail_next(1, 429);
    assert_eq!(bridge().fetch_order(&conn, "820982911946154508").await, Err(BridgeError::RateLimited { retry_after_ms: Some(2000) }));
    shop.fail_next(1, 503);
    assert!(matches!(bridge().fetch_order(&conn, "820982911946154508").await, Err(BridgeError::Unavailable(_))));
    assert!(matches!(bridge().fetch_order(&conn, "1").await, Err(BridgeError::Refused { status: 404, .. })));
    assert!(bridge().fetch_order(&conn, "820982911946154508").await.is_ok());
}

#[tokio::test]
async fn a_throttled_graphql_call_waits_as_long_as_its_cost_needs() {
    let shop = FakeShopify::start().await;
    let conn = shop.connection("c");
    shop.add_product("A");
    shop.throttle_graphql_next(1);
    let levels = [StockLevel { sku: "A".into(), external_product_id: None, quantity: 1 }];
    // (100 requested − 40 available) / 50 a second = 1,2 s.
    assert_eq!(bridge().send_stock(&conn, &levels, "k").await, Err(BridgeError::RateLimited { retry_after_ms: Some(1200) }));
    bridge().send_stock(&conn, &levels, "k").await.unwrap();
    assert_eq!(shop.inventory()["A"], 1);
}

#[tokio::test]
async fn a_wrong_token_is_refused_and_not_retried() {
    let shop = FakeShopify::start().await;
    let mut conn = shop.connection("c");
    if let Credentials::Shopify { access_token, .. } = &mut conn.credentials {
        *access_token = "wrong".into();
    }
    let err = bridge().fetch_order(&conn, "1").await.unwrap_err();
    assert!(matches!(err, BridgeError::Refused { status: 401, .. }) && !err.is_retryable());
    let _ = CLIENT_SECRET;
}

#[tokio::test]
async fn a_connection_without_a_client_secret_accepts_no_delivery() {
    let shop = FakeShopify::start().await;
    let (headers, body) = shop.webhook_signed_with("orders/create", &shopify_doc_order(), "");
    let mut conn = shop.connection("c");
    if let Credentials::Shopify { client_secret, previous_client_secret, .. } = &mut conn.credentials {
        *client_secret = String::new();
        *previous_client_secret = Some(" ".into());
    }
    assert_eq!(bridge().verify(&conn, &headers, &body, 0), Err(WebhookRefusal::BadSignature));
}

#[test]
fn an_authorized_payment_is_not_captured_so_the_order_is_open_and_unpaid_until_paid() {
    let authorized = parse_order(&order_with(1, "2026-01-01T00:00:00Z", json!({"financial_status": "authorized"})), false).unwrap();
    assert_eq!((authorized.state, authorized.payment.paid), (PlatformOrderState::Open, false));
    let captured = parse_order(&order_with(1, "2026-01-01T00:05:00-05:00", json!({"financial_status": "paid"})), false).unwrap();
    assert_eq!((captured.state, captured.payment.paid), (PlatformOrderState::Open, true));
    // `updated_at` with any offset, in milliseconds: the capture is the later version.
    assert_eq!(authorized.modified, "1767225600000");
    assert_eq!(shared::online::intake::is_older(&authorized, &captured), Some(true));
}
