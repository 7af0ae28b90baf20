use crate::helpers::{spawn_app, As, LAV_DEVICE, MTL_DEVICE};
use axum::http::StatusCode;
use shared::Money;

#[tokio::test]
async fn a_valid_push_is_stored_and_moves_the_outlets_stock() {
    let app = spawn_app().await;
    let before = app.level("montreal", "shirt").await;
    let (status, body) = app.push(&[app.sale(1, &["shirt", "shirt", "hat"])]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["results"][0]["status"], "stored");
    assert_eq!(app.sale_count().await, 1);
    assert_eq!(app.level("montreal", "shirt").await, before - 2);
    assert_eq!(app.level("sherbrooke", "shirt").await, 0, "another outlet's stock does not move");
}

#[tokio::test]
async fn the_same_push_twice_stores_each_sale_once() {
    let app = spawn_app().await;
    let sales = [app.sale(1, &["shirt"]), app.sale(2, &["hat"])];
    let (_, first) = app.push(&sales).await;
    let (status, second) = app.push(&sales).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(first["results"][1]["status"], "stored");
    assert_eq!(second["results"][0]["status"], "duplicate");
    assert_eq!(second["results"][1]["status"], "duplicate");
    assert_eq!(app.sale_count().await, 2);
    assert_eq!(app.movement_count().await, 2, "stock moved once per sale line");
}

#[tokio::test]
async fn a_push_that_repeats_old_sales_and_adds_new_ones_stores_only_the_new() {
    let app = spawn_app().await;
    app.push(&[app.sale(1, &["shirt"])]).await;
    let (_, body) = app.push(&[app.sale(1, &["shirt"]), app.sale(2, &["hat"])]).await;
    assert_eq!(body["results"][0]["status"], "duplicate");
    assert_eq!(body["results"][1]["status"], "stored");
    assert_eq!(app.sale_count().await, 2);
}

#[tokio::test]
async fn malformed_json_gets_a_400_with_a_json_body_and_writes_nothing() {
    let app = spawn_app().await;
    let (status, body) = app.push_raw("{\"device_id\": \"device-mtl\", \"sales\": [").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "bad_request");
    assert!(body["message"].as_str().unwrap().contains("invalid JSON"));
    let (status, body) = app.push_raw("{\"sales\": 3}").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["message"].as_str().unwrap().contains("device_id") || body["message"].as_str().unwrap().contains("sales"));
    assert_eq!(app.sale_count().await, 0);
}

/// What `GET /held` lists: (sale id, reason code) in order.
async fn held(app: &crate::helpers::TestApp) -> Vec<(String, String)> {
    let (status, body) = app.get("/api/v1/held").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body.as_array().unwrap().iter().map(|h| (h["sale"]["id"].as_str().unwrap().to_string(), h["reason"]["code"].as_str().unwrap().to_string())).collect()
}

#[tokio::test]
async fn an_unknown_product_is_held_for_review_and_never_blocks_the_sales_behind_it() {
    let app = spawn_app().await;
    let mut bad = app.sale(1, &["hat"]);
    bad.lines[0].product_id = "no-such-thing".into();
    let good = app.sale(2, &["shirt"]);
    let (status, body) = app.push(&[bad.clone(), good]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["results"][0]["status"], "held");
    assert_eq!(body["results"][0]["hold"]["code"], "unknown_product");
    assert_eq!(body["results"][0]["hold"]["product_id"], "no-such-thing");
    assert_eq!(body["results"][1]["status"], "stored");
    assert_eq!(app.sale_count().await, 1);
    assert_eq!(app.movement_count().await, 1, "a held sale moves no stock until a manager resolves it");
    assert_eq!(held(&app).await, vec![(bad.id.clone(), "unknown_product".to_string())]);
    // Pushed again (a lost answer): acknowledged as held again, listed once.
    let (_, again) = app.push(&[bad]).await;
    assert_eq!(again["results"][0]["status"], "held");
    assert_eq!(app.held_count().await, 1);
}

#[tokio::test]
async fn totals_that_the_rules_do_not_reproduce_are_held_with_the_reason() {
    let app = spawn_app().await;
    let mut sale = app.sale(1, &["shirt", "hat"]);
    sale.totals.total = Money(sale.totals.total.as_cents() - 100);
    sale.tenders[0].amount = sale.totals.total;
    let (status, body) = app.push(&[sale]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["results"][0]["hold"]["code"], "invalid");
    assert_eq!(body["results"][0]["hold"]["error"], "totals_mismatch");

    let mut sale = app.sale(2, &["shirt"]);
    sale.totals.taxes[1].amount = Money(0);
    let (_, body) = app.push(&[sale]).await;
    assert!(body["results"][0]["hold"]["message"].as_str().unwrap().contains("qst"), "{body}");
    assert_eq!(app.sale_count().await, 0);
    assert_eq!(app.held_count().await, 2);
}

#[tokio::test]
async fn a_sale_whose_tenders_do_not_pay_it_is_held() {
    let app = spawn_app().await;
    let mut sale = app.sale(1, &["shirt"]);
    sale.tenders[0].amount = Money(100);
    sale.tenders[0].change = Money(sale.tenders[0].tendered.as_cents() - 100);
    let (_, body) = app.push(&[sale]).await;
    assert_eq!(body["results"][0]["hold"]["error"], "unpaid");
}

#[tokio::test]
async fn a_price_below_the_catalogs_without_an_override_is_held_and_with_one_is_stored() {
    let app = spawn_app().await;
    let shoes = app.product("shoes");
    let mut cart = shared::sale::Cart::default();
    cart.add(&shoes);
    cart.lines[0].unit_price = Money(1);
    let sell = |seq: u64, cart: &shared::sale::Cart| {
        let mut s = app.sale(seq, &["shoes"]);
        s.lines = cart.lines.clone();
        s.totals = cart.totals(&shared::tax::TaxRates::QUEBEC).unwrap();
        s.tenders = vec![shared::sale::settle_cash(s.totals.total, Money(100)).unwrap().tender()];
        s
    };
    let (_, body) = app.push(&[sell(1, &cart)]).await;
    assert_eq!(body["results"][0]["status"], "held");
    assert_eq!(body["results"][0]["hold"]["code"], "price_without_override");
    assert_eq!(body["results"][0]["hold"]["catalog_price"], shoes.price.as_cents());
    cart.lines[0].price_override = Some(shared::sale::PriceOverride {
        catalog_price: shoes.price,
        by: "gerante-mtl".into(),
        at_ms: 1_700_000_000_000,
        reason: "display model".into(),
    });
    let (_, body) = app.push(&[sell(2, &cart)]).await;
    assert_eq!(body["results"][0]["status"], "stored", "{body}");
}

#[tokio::test]
async fn an_unknown_register_or_an_outlet_that_is_not_the_registers_is_held() {
    let app = spawn_app().await;
    let mut sale = app.sale(1, &["shirt"]);
    sale.register_id = "nowhere-9".into();
    let (status, body) = app.push(&[sale]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["results"][0]["hold"]["code"], "unknown_register");

    let mut sale = app.sale(2, &["shirt"]);
    sale.register_id = "laval-1".into();
    let (_, body) = app.push(&[sale]).await;
    assert_eq!(body["results"][0]["hold"]["code"], "wrong_outlet");

    // Montréal's device selling for Laval: not its outlet.
    let mut sale = app.sale(3, &["shirt"]);
    (sale.register_id, sale.outlet_id, sale.cashier_id) = ("laval-1".into(), "laval".into(), "marc".into());
    let (_, body) = app.push(&[sale]).await;
    assert_eq!(body["results"][0]["hold"]["code"], "other_outlet");
    assert_eq!(app.sale_count().await, 0);
}

#[tokio::test]
async fn a_stolen_sequence_never_costs_the_honest_sale() {
    let app = spawn_app().await;
    // A stranger pushes sale 1 as Montréal's device before the device does.
    let mut thief = app.sale(1, &["hat"]);
    thief.id = "stolen".into();
    let (_, body) = app.push(&[thief]).await;
    assert_eq!(body["results"][0]["status"], "stored");
    let honest = app.sale(1, &["shirt"]);
    let (status, body) = app.push(&[honest.clone(), app.sale(2, &["hat"])]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["results"][0]["status"], "held");
    assert_eq!(body["results"][0]["hold"]["code"], "key_taken");
    assert_eq!(body["results"][1]["status"], "stored", "the sales behind it still flow");
    assert_eq!(held(&app).await, vec![(honest.id, "key_taken".to_string())]);
}

#[tokio::test]
async fn two_devices_on_one_register_each_keep_their_own_sales() {
    let mut app = spawn_app().await;
    let number = app.enrol("second-tablet", "montreal-1").await;
    let mine = app.sale(1, &["shirt"]);
    let mut theirs = app.sale(1, &["hat"]);
    (theirs.id, theirs.device_id, theirs.receipt) =
        ("second-1".into(), "second-tablet".into(), shared::sale::receipt_number("MTL1", number as u32, 1));
    assert_eq!(app.push(&[mine.clone()]).await.1["results"][0]["status"], "stored");
    assert_eq!(app.push(&[theirs.clone()]).await.1["results"][0]["status"], "stored");
    assert_eq!(app.sale_count().await, 2);
    assert_ne!(mine.receipt, theirs.receipt);
}

#[tokio::test]
async fn a_device_pushing_another_devices_sale_gets_it_held() {
    let app = spawn_app().await;
    let (_, body) = app.push_from(crate::helpers::LAV_DEVICE, &[app.sale(1, &["shirt"])]).await;
    assert_eq!(body["results"][0]["hold"]["code"], "other_device");
}

#[tokio::test]
async fn an_unknown_device_credential_is_refused_and_nothing_is_written() {
    let app = spawn_app().await;
    let body = serde_json::json!({"device_id": "who-knows", "sales": [app.sale(1, &["shirt"])]}).to_string();
    let who = As::Device(format!("who-knows.{}", "ab".repeat(32)), None);
    let (status, body) = app.send(who, "POST", "/api/v1/sync/push", Some(body)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"], "unauthenticated");
    assert_eq!((app.sale_count().await, app.held_count().await), (0, 0));
}

#[tokio::test]
async fn a_device_gets_its_one_number_however_often_it_says_hello() {
    let app = spawn_app().await;
    let hello = |id: &str| serde_json::json!({"device_id": id}).to_string();
    let (status, a) = app.send(app.device(MTL_DEVICE, None), "POST", "/api/v1/devices", Some(hello(MTL_DEVICE))).await;
    assert_eq!(status, StatusCode::OK, "{a}");
    let (_, b) = app.send(app.device(MTL_DEVICE, None), "POST", "/api/v1/devices", Some(hello(MTL_DEVICE))).await;
    assert_eq!(a, b);
    assert_eq!(a["number"], 1);
    let (status, body) = app.send(app.device(MTL_DEVICE, None), "POST", "/api/v1/devices", Some(hello(LAV_DEVICE))).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "another device's number is not asked with this credential: {body}");
}

#[tokio::test]
async fn poison_numbers_are_refused_at_the_edge_and_later_requests_still_work() {
    let app = spawn_app().await;
    for (field, value) in [("seq", serde_json::json!(i64::MAX)), ("seq", serde_json::json!(u64::MAX)), ("qty", serde_json::json!(5_000_000_000_000_000_000i64)), ("qty", serde_json::json!(i64::MIN))] {
        let mut sale = serde_json::to_value(app.sale(1, &["shirt"])).unwrap();
        if field == "seq" {
            sale["seq"] = value;
        } else {
            sale["lines"][0]["qty"] = value;
        }
        let body = serde_json::json!({ "device_id": crate::helpers::MTL_DEVICE, "sales": [app.sale(2, &["hat"]), sale] });
        let (status, resp) = app.push_raw(body.to_string()).await;
        assert!(status.is_client_error(), "{field}={resp}");
        assert!(resp["message"].as_str().unwrap().contains(field), "{resp}");
        if status == StatusCode::UNPROCESSABLE_ENTITY {
            assert_eq!((resp["error"].as_str(), resp["sale_id"].as_str()), (Some("out_of_range"), Some("sale-mtl-1")));
        }
    }
    assert_eq!((app.sale_count().await, app.held_count().await), (0, 0), "a refused push writes nothing");
    assert_eq!(app.get("/api/v1/setup").await.0, StatusCode::OK);
    assert_eq!(app.get("/api/v1/stock?outlet=montreal").await.0, StatusCode::OK);
    assert_eq!(app.push(&[app.sale(1, &["shirt"])]).await.1["results"][0]["status"], "stored");
}

#[tokio::test]
async fn a_push_of_more_sales_than_allowed_is_refused_with_the_limit() {
    let app = spawn_app().await;
    let sales: Vec<_> = (1..=shared::limits::MAX_SALES_PER_PUSH as u64 + 1).map(|i| app.sale(i, &["hat"])).collect();
    let (status, body) = app.push(&sales).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["message"].as_str().unwrap().contains("at most 100"), "{body}");
}

#[tokio::test]
async fn the_server_recomputes_taxes_for_zero_rated_and_gst_only_products() {
    let app = spawn_app().await;
    let book = app.products.iter().find(|p| p.tax_class == shared::tax::TaxClass::GstOnly).unwrap().id.clone();
    let syrup = app.products.iter().find(|p| p.tax_class == shared::tax::TaxClass::ZeroRated).unwrap().id.clone();
    let (status, body) = app.push(&[app.sale(1, &[&book, &syrup])]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn a_body_over_the_limit_or_a_wrong_method_gets_a_json_error() {
    let app = spawn_app().await;
    let huge = "x".repeat(shared::limits::MAX_BODY_BYTES + 1);
    let (status, body) = app.push_raw(huge).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(body["error"], "payload_too_large");
    let (status, body) = app.delete("/api/v1/sync/push").await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(body["error"], "method_not_allowed");
}

#[tokio::test]
async fn a_sale_queued_before_devices_existed_is_stored_under_its_register_and_once() {
    let app = spawn_app().await;
    let mut old = app.sale(3, &["shirt"]);
    (old.id, old.device_id, old.receipt) = ("before-devices-3".into(), String::new(), "MTL1-000003".into());
    let (_, body) = app.push_from(crate::helpers::MTL_DEVICE, &[old.clone()]).await;
    assert_eq!(body["results"][0]["status"], "stored", "{body}");
    let (_, body) = app.push_from(crate::helpers::LAV_DEVICE, &[old]).await;
    assert_eq!(body["results"][0]["status"], "duplicate", "{body}");
    // The device's own sale 3 does not collide with the register's old sale 3.
    assert_eq!(app.push(&[app.sale(3, &["hat"])]).await.1["results"][0]["status"], "stored");
}

#[tokio::test]
async fn a_tax_class_or_loyalty_points_other_than_the_catalogs_are_held() {
    let app = spawn_app().await;
    let mut sale = app.sale(1, &["hat"]);
    sale.lines[0].loyalty_points = 1_000_000;
    assert_eq!(app.push(&[sale]).await.1["results"][0]["hold"]["code"], "catalog_mismatch");
    let mut cart = shared::sale::Cart::default();
    let mut hat = app.product("hat");
    hat.tax_class = shared::tax::TaxClass::Exempt;
    cart.add(&hat);
    let mut sale = app.sale(2, &["hat"]);
    sale.lines = cart.lines.clone();
    sale.totals = cart.totals(&shared::tax::TaxRates::QUEBEC).unwrap();
    sale.tenders = vec![shared::sale::Tender::exact(shared::sale::TenderKind::Card, sale.totals.total)];
    let (_, body) = app.push(&[sale]).await;
    assert_eq!(body["results"][0]["hold"]["code"], "catalog_mismatch", "{body}");
    assert_eq!(body["results"][0]["hold"]["field"], "tax class");
}

#[tokio::test]
async fn a_sale_pushed_again_under_a_taken_id_is_held_once() {
    let app = spawn_app().await;
    let sale = app.sale(1, &["hat"]);
    app.push(&[sale.clone()]).await;
    let mut other = sale.clone();
    other.created_at_ms += 1;
    for _ in 0..3 {
        assert_eq!(app.push(&[other.clone()]).await.1["results"][0]["hold"]["code"], "id_taken");
    }
    assert_eq!(app.held_count().await, 1);
}
