use crate::fakes::woocommerce::{FakeWooCommerce, WEBHOOK_ID};
use crate::{http, woo_doc_order};
use backend::bridges::woocommerce::{parse_order, WooCommerceBridge};
use backend::bridges::*;
use serde_json::{json, Value};
use shared::fulfilment::{OrderType, Platform, PlatformUpdate, WooCommerceStatus};
use shared::money::Money;
use shared::online::{IncomingLine, IncomingOrder, OrderPayment, PlatformOrderState};

fn bridge() -> WooCommerceBridge {
    WooCommerceBridge::new(http())
}

/// A paid card order collected at the store (block checkout pickup).
fn paid_pickup_order(id: u64, modified_gmt: &str) -> Value {
    let mut o = woo_doc_order();
    o["id"] = json!(id);
    o["number"] = json!(id.to_string());
    o["date_created_gmt"] = json!("2026-12-01T15:00:00");
    o["date_modified_gmt"] = json!(modified_gmt);
    o["payment_method"] = json!("stripe");
    o["payment_method_title"] = json!("Stripe");
    o["customer_note"] = json!("Je passe après 17 h");
    o["shipping_lines"] = json!([{"id": 400, "method_title": "Cueillette", "method_id": "pickup_location", "total": "0.00", "total_tax": "0.00",
        "meta_data": [{"id": 1, "key": "pickup_location", "value": "Boutique Plateau"}, {"id": 2, "key": "pickup_address", "value": "1 rue Saint-Denis, Montréal"}]}]);
    o["total"] = json!("19.35");
    o
}

#[tokio::test]
async fn a_signed_delivery_carries_the_whole_order_under_the_webhook_order_and_modified_key() {
    let site = FakeWooCommerce::start().await;
    let mut order = paid_pickup_order(728, "2026-12-01T15:00:05");
    order["customer_note"] = json!("Porte 2/3");
    let (headers, body) = site.webhook("order.created", &order);
    // WooCommerce escapes slashes: the signature is over these bytes, never a re-serialisation.
    assert!(String::from_utf8_lossy(&body).contains("2\\/3"));
    let d = bridge().verify(&site.connection("c"), &headers, &body, 0).unwrap();
    assert_eq!(d.key, format!("{WEBHOOK_ID}:728:2026-12-01T15:00:05"));
    match d.event {
        DeliveryEvent::Order { external_id, order: Some(read) } => {
            assert_eq!(external_id, "728");
            assert_eq!(read.order_type, OrderType::Pickup);
            assert!(read.payment.paid);
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn the_creation_ping_is_answered_and_ignored_but_anything_else_unsigned_is_refused() {
    let site = FakeWooCommerce::start().await;
    let conn = site.connection("c");
    let (headers, body) = site.ping();
    let d = bridge().verify(&conn, &headers, &body, 0).unwrap();
    assert_eq!(d.event, DeliveryEvent::Ping, "answered 200, nothing written: it is not signed");
    assert_eq!(d.key, format!("ping:{WEBHOOK_ID}"));
    // An order posted without a signature, or a "ping" with other content, is refused.
    let (mut headers, body) = site.webhook("order.created", &woo_doc_order());
    headers.remove("x-wc-webhook-signature");
    assert_eq!(bridge().verify(&conn, &headers, &body, 0), Err(WebhookRefusal::MissingHeader("x-wc-webhook-signature")));
    let (headers, _) = site.ping();
    assert!(bridge().verify(&conn, &headers, b"webhook_id=7&x=1", 0).is_err());
}

#[tokio::test]
async fn a_bad_signature_or_missing_topic_or_webhook_id_is_refused() {
    let site = FakeWooCommerce::start().await;
    let conn = site.connection("c");
    let (headers, body) = site.webhook_signed_with("order.created", &woo_doc_order(), "wrong");
    assert_eq!(bridge().verify(&conn, &headers, &body, 0), Err(WebhookRefusal::BadSignature));
    let (headers, body) = site.webhook("order.created", &woo_doc_order());
    for name in ["x-wc-webhook-topic", "x-wc-webhook-id"] {
        let mut h = headers.clone();
        h.remove(name);
        assert_eq!(bridge().verify(&conn, &h, &body, 0), Err(WebhookRefusal::MissingHeader(name)));
    }
    let (headers, body) = site.webhook("product.updated", &json!({"id": 93}));
    assert!(matches!(bridge().verify(&conn, &headers, &body, 0).unwrap().event, DeliveryEvent::Ignored { .. }));
}

#[test]
fn the_documented_order_paid_by_bank_transfer_arrives_unpaid() {
    assert_eq!(
        parse_order(&woo_doc_order()).unwrap(),
        IncomingOrder {
            platform: Platform::WooCommerce,
            external_id: "727".into(),
            number: "727".into(),
            // `date_created` read as UTC when the `_gmt` field is absent (abridged example).
            created_at_ms: 1_490_200_082_000,
            modified: String::new(),
            email: Some("john.doe@example.com".into()),
            customer_name: Some("John Doe".into()),
            order_type: OrderType::Delivery,
            lines: vec![IncomingLine {
                external_id: "315".into(),
                external_product_id: "93".into(),
                sku: String::new(),
                name: "Woo Single #1".into(),
                quantity: 2,
                unit_price: Money(300),
            }],
            shipping: Money(1000),
            total: Money(2935),
            payment: OrderPayment { paid: false, method: "Direct Bank Transfer".into() },
            state: PlatformOrderState::Open,
            note: "Tél. / Phone : (555) 555-5555".into(),
        }
    );
}

#[test]
fn a_card_order_for_pickup_is_paid_with_the_pickup_place_in_the_note() {
    let read = parse_order(&paid_pickup_order(728, "2026-12-01T15:00:05")).unwrap();
    assert_eq!(read.order_type, OrderType::Pickup);
    assert_eq!(read.payment, OrderPayment { paid: true, method: "Stripe".into() });
    assert_eq!(read.created_at_ms, "2026-12-01T15:00:00Z".parse::<jiff::Timestamp>().unwrap().as_millisecond());
    // The last-modified stamp in milliseconds: versions compare (updates arrive out of order).
    assert_eq!(read.modified, "2026-12-01T15:00:05Z".parse::<jiff::Timestamp>().unwrap().as_millisecond().to_string());
    assert_eq!(read.note, "Je passe après 17 h\nCueillette / Pickup : Boutique Plateau, 1 rue Saint-Denis, Montréal\nTél. / Phone : (555) 555-5555");
    let mut legacy = paid_pickup_order(729, "x");
    legacy["shipping_lines"][0]["method_id"] = json!("local_pickup");
    assert_eq!(parse_order(&legacy).unwrap().order_type, OrderType::Pickup);
}

#[test]
fn pending_cheque_and_cash_on_delivery_are_unpaid_and_cancelled_or_refunded_say_so() {
    let mut o = paid_pickup_order(1, "x");
    o["status"] = json!("pending");
    o["date_paid"] = Value::Null;
    o["date_paid_gmt"] = Value::Null;
    assert!(!parse_order(&o).unwrap().payment.paid);
    for method in ["cheque", "cod"] {
        let mut o = paid_pickup_order(1, "x");
        o["payment_method"] = json!(method);
        assert!(!parse_order(&o).unwrap().payment.paid, "{method}");
    }
    for (status, state) in [("cancelled", PlatformOrderState::Cancelled), ("refunded", PlatformOrderState::Refunded), ("completed", PlatformOrderState::Open)] {
        let mut o = paid_pickup_order(1, "x");
        o["status"] = json!(status);
        assert_eq!(parse_order(&o).unwrap().state, state, "{status}");
    }
}

#[test]
fn a_float_price_is_not_trusted_the_exact_line_total_is() {
    let mut o = woo_doc_order();
    o["line_items"][0]["quantity"] = json!(3);
    o["line_items"][0]["total"] = json!("10.00");
    o["line_items"][0]["price"] = serde_json::from_str::<Value>("3.3333333333333335").unwrap();
    assert_eq!(parse_order(&o).unwrap().lines[0].unit_price, Money(333));
    o["line_items"][0]["total"] = json!("31.50");
    o["line_items"][0]["price"] = json!(10.5);
    assert_eq!(parse_order(&o).unwrap().lines[0].unit_price, Money(1050));
    o["total"] = json!("29.355");
    assert!(matches!(parse_order(&o), Err(BridgeError::Malformed(_))));
}

#[tokio::test]
async fn fetching_and_reconciling_read_the_orders_page_by_page() {
    let site = FakeWooCommerce::start().await;
    let conn = site.connection("c");
    site.set_page_size(2);
    site.add_order(paid_pickup_order(1, "2026-11-01T00:00:00"));
    for id in 2..=6 {
        site.add_order(paid_pickup_order(id, "2026-12-02T10:00:00"));
    }
    let one = bridge().fetch_order(&conn, "3").await.unwrap();
    assert_eq!(one.external_id, "3");
    let since = "2026-12-01T00:00:00Z".parse::<jiff::Timestamp>().unwrap().as_millisecond();
    let (mut ids, mut page, mut pages) = (Vec::new(), None::<String>, 0);
    loop {
        let p = bridge().orders_modified_since(&conn, since, page.as_deref()).await.unwrap();
        pages += 1;
        ids.extend(p.orders.into_iter().map(|o| o.external_id));
        page = p.next;
        if page.is_none() {
            break;
        }
    }
    assert_eq!((pages, ids), (3, vec!["2", "3", "4", "5", "6"].into_iter().map(String::from).collect::<Vec<_>>()));
    let list = site.calls().into_iter().find(|c| c.path == "/wp-json/wc/v3/orders").unwrap();
    assert_eq!(list.param("modified_after").as_deref(), Some("2026-12-01T00:00:00Z"));
    assert_eq!(list.param("dates_are_gmt").as_deref(), Some("true"));
    assert_eq!(list.param("per_page").as_deref(), Some("100"));
    assert!(list.headers["authorization"].to_str().unwrap().starts_with("Basic "));
}

#[tokio::test]
async fn shipped_or_picked_up_completes_the_order() {
    let site = FakeWooCommerce::start().await;
    let conn = site.connection("c");
    site.add_order(woo_doc_order());
    let update = StatusUpdate {
        external_id: "727".into(),
        update: PlatformUpdate::WooCommerceStatus { status: WooCommerceStatus::Completed },
        tracking: None,
        idempotency_key: "k".into(),
    };
    bridge().send_status(&conn, &update).await.unwrap();
    let put = site.calls().into_iter().find(|c| c.method == "PUT").unwrap();
    assert_eq!(put.path, "/wp-json/wc/v3/orders/727");
    assert_eq!(put.json(), json!({"status": "completed"}));
    assert_eq!(site.order(727).unwrap()["status"], "completed");
    let foreign = StatusUpdate { update: PlatformUpdate::ShopifyFulfillmentCreate, ..update };
    assert!(matches!(bridge().send_stock(&conn, &[], "k").await, Ok(r) if r.is_empty()));
    assert!(matches!(bridge().send_status(&conn, &foreign).await, Err(BridgeError::Refused { .. })));
}

#[tokio::test]
async fn stock_levels_go_in_batches_of_at_most_100_products_and_variations_by_their_parent() {
    let site = FakeWooCommerce::start().await;
    let conn = site.connection("c");
    for i in 0..258u64 {
        site.add_product(1000 + i, &format!("SKU-{i:03}"));
    }
    site.add_variation(94, 101, "VAR-1");
    site.add_variation(94, 102, "VAR-2");
    let mut levels: Vec<StockLevel> = (0..258).map(|i| StockLevel { sku: format!("SKU-{i:03}"), external_product_id: None, quantity: i }).collect();
    levels.push(StockLevel { sku: "VAR-1".into(), external_product_id: Some("94/101".into()), quantity: 5 });
    levels.push(StockLevel { sku: "VAR-2".into(), external_product_id: Some("94/102".into()), quantity: -2 });
    levels.push(StockLevel { sku: "NOT-ON-THE-SITE".into(), external_product_id: None, quantity: 1 });
    let b = bridge();
    b.send_stock(&conn, &levels, "k").await.unwrap();
    let batches: Vec<_> = site.calls().into_iter().filter(|c| c.path.ends_with("/batch")).collect();
    let sizes: Vec<_> = batches.iter().map(|c| (c.path.clone(), c.json()["update"].as_array().unwrap().len())).collect();
    assert_eq!(
        sizes,
        [
            ("/wp-json/wc/v3/products/batch".to_string(), 100),
            ("/wp-json/wc/v3/products/batch".to_string(), 100),
            ("/wp-json/wc/v3/products/batch".to_string(), 58),
            ("/wp-json/wc/v3/products/94/variations/batch".to_string(), 2),
        ]
    );
    assert_eq!(batches[0].json()["update"][7], json!({"id": 1007, "manage_stock": true, "stock_quantity": 7}));
    assert_eq!(batches[3].json()["update"][1], json!({"id": 102, "manage_stock": true, "stock_quantity": 0}));
    let inventory = site.inventory();
    assert_eq!((inventory["SKU-257"], inventory["VAR-1"], inventory["VAR-2"]), (257, 5, 0));
    let lookups = site.calls().iter().filter(|c| c.path == "/wp-json/wc/v3/products").count();
    assert_eq!(lookups, 259);
    // Remembered: a second push looks up only the SKU the site does not have.
    b.send_stock(&conn, &levels, "k").await.unwrap();
    assert_eq!(site.calls().iter().filter(|c| c.path == "/wp-json/wc/v3/products").count(), 260);
}

#[tokio::test]
async fn a_429_is_rate_limited_with_its_retry_after_and_a_5xx_unavailable() {
    let site = FakeWooCommerce::start().await;
    let conn = site.connection("c");
    site.add_order(woo_doc_order());
    site.fail_next(1, 429);
    assert_eq!(bridge().fetch_order(&conn, "727").await, Err(BridgeError::RateLimited { retry_after_ms: Some(3000) }));
    site.fail_next(2, 502);
    assert!(bridge().fetch_order(&conn, "727").await.unwrap_err().is_retryable());
    assert!(bridge().fetch_order(&conn, "727").await.unwrap_err().is_retryable());
    assert!(matches!(bridge().fetch_order(&conn, "999").await, Err(BridgeError::Refused { status: 404, .. })));
    assert!(bridge().fetch_order(&conn, "727").await.is_ok());
}

#[tokio::test]
async fn a_connection_without_a_webhook_secret_accepts_no_delivery() {
    let site = FakeWooCommerce::start().await;
    let (headers, body) = site.webhook_signed_with("order.created", &woo_doc_order(), "");
    let mut conn = site.connection("c");
    if let Credentials::WooCommerce { webhook_secret, .. } = &mut conn.credentials {
        *webhook_secret = String::new();
    }
    assert_eq!(bridge().verify(&conn, &headers, &body, 0), Err(WebhookRefusal::BadSignature));
}

#[test]
fn pending_and_failed_orders_are_not_orders_yet_and_on_hold_processing_and_completed_are() {
    // `pending`: awaiting payment (WooCommerce has not reduced its stock); `failed`: payment declined;
    // `checkout-draft`: a block checkout not placed. Nothing is taken until the order moves on.
    for status in ["pending", "failed", "checkout-draft", "Pending"] {
        let mut o = paid_pickup_order(1, "2026-12-01T15:00:05");
        o["status"] = json!(status);
        o["date_paid_gmt"] = Value::Null;
        o["date_paid"] = Value::Null;
        let read = parse_order(&o).unwrap();
        assert_eq!((read.state, read.payment.paid), (PlatformOrderState::Pending, false), "{status}");
    }
    // On hold for a bank transfer: an order, unpaid (seed 004). Processing and completed: paid by card.
    for (status, method, paid) in [("on-hold", "bacs", false), ("processing", "stripe", true), ("completed", "stripe", true)] {
        let mut o = paid_pickup_order(1, "2026-12-01T15:00:05");
        o["status"] = json!(status);
        o["payment_method"] = json!(method);
        let read = parse_order(&o).unwrap();
        assert_eq!((read.state, read.payment.paid), (PlatformOrderState::Open, paid), "{status}");
    }
}

#[test]
fn a_later_modification_has_a_larger_stamp_and_a_missing_one_none() {
    let early = parse_order(&paid_pickup_order(1, "2026-12-01T15:00:05")).unwrap();
    let later = parse_order(&paid_pickup_order(1, "2026-12-01T15:00:06")).unwrap();
    assert_eq!(shared::online::intake::is_older(&early, &later), Some(true));
    assert_eq!(shared::online::intake::is_older(&later, &early), Some(false));
    let mut none = paid_pickup_order(1, "");
    none["date_modified_gmt"] = Value::Null;
    assert_eq!(parse_order(&none).unwrap().modified, "");
}
