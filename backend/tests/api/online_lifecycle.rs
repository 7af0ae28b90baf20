//! An online order's life after it arrives (issue 11): a cancellation on the platform is a return in
//! sales history (its stock back once, its units never refunded again), updates applied in the order
//! the platform made them (not the order they arrive in), a cancel before its create, an order reopened
//! after its cancellation, and orders still awaiting payment. WooCommerce deliveries, signed as
//! WooCommerce signs them; SQLite and PostgreSQL alike.

use crate::helpers::*;
use crate::online_orders::{connect, count, deliver, deliver_signed, sale_of, unpaid_bank_transfer, woo_order, SECRET};
use axum::http::StatusCode;
use serde_json::{json, Value};
use shared::sale::{Sale, TenderKind};
use shared::Money;

/// `order` as modified on the platform at `time` (UTC, as `date_modified_gmt`).
fn at(order: &Value, time: &str) -> Value {
    let mut o = order.clone();
    o["date_modified_gmt"] = json!(time);
    o
}

fn with_status(order: &Value, status: &str, time: &str) -> Value {
    let mut o = at(order, time);
    o["status"] = json!(status);
    o
}

async fn sales(app: &TestApp) -> Vec<Sale> {
    let (status, sales) = app.get("/api/v1/sales?limit=1000").await;
    assert_eq!(status, StatusCode::OK);
    sales.as_array().unwrap().iter().map(|s| serde_json::from_value(body_of_sale(s).clone()).unwrap()).collect()
}

fn body_of_sale(stored: &Value) -> &Value {
    if stored.get("sale").is_some() { &stored["sale"] } else { stored }
}

/// The returns of `order_id` in sales history.
async fn returns_of(app: &TestApp, order_id: &str) -> Vec<Sale> {
    sales(app).await.into_iter().filter(|s| s.lines.iter().any(|l| l.return_of.as_ref().is_some_and(|r| r.sale_id == order_id))).collect()
}

/// Shirts at Montréal, Sherbrooke and Laval (the outlets offering stock online).
async fn shirts(app: &TestApp) -> i64 {
    app.level("montreal", "shirt").await + app.level("sherbrooke", "shirt").await + app.level("laval", "shirt").await
}

#[tokio::test]
async fn a_paid_order_cancelled_on_the_platform_is_returned_in_sales_history_refunded_there_and_its_units_cannot_be_refunded_again() {
    let app = spawn_app().await;
    let conn = connect(&app, "https://shop.example").await;
    let before = shirts(&app).await;
    let order = woo_order(900, &[("SHIRT", 3, "29.99")]);
    let (_, outcome) = deliver(&app, &conn, &order).await;
    let order_id = outcome["order_id"].as_str().unwrap().to_string();
    assert_eq!(shirts(&app).await, before - 3);
    let original: Sale = serde_json::from_value(body_of_sale(&sale_of(&app, &order_id).await).clone()).unwrap();

    let cancelled = with_status(&order, "cancelled", "2026-11-24T17:00:00");
    let (status, outcome) = deliver(&app, &conn, &cancelled).await;
    assert_eq!((status, outcome["outcome"].as_str()), (StatusCode::OK, Some("updated")), "{outcome}");

    // Sales history: the order's sale stays, and a return of its three shirts follows it, refunding
    // exactly what it charged to its platform payment — already refunded there, nothing to do at Stripe.
    let returns = returns_of(&app, &order_id).await;
    assert_eq!(returns.len(), 1);
    let back = &returns[0];
    assert_eq!(back.totals.total, Money(-original.totals.total.as_cents()));
    assert_eq!(back.lines.iter().map(|l| l.qty).sum::<i64>(), -3);
    assert_eq!(back.tenders.len(), 1);
    assert_eq!((back.tenders[0].kind, back.tenders[0].amount, back.tenders[0].processor.as_deref()), (TenderKind::Online, back.totals.total, Some("Stripe")));
    assert!(!back.needs_processor_refund(), "the platform refunded it: not « à faire chez le processeur »");
    // The register's next online receipt, after the order's own.
    assert_eq!((original.receipt.as_str(), back.receipt.as_str()), ("MTL1-W-000001", "MTL1-W-000002"));
    // The customer's history shows it too.
    let customer = original.customer_id.clone().unwrap();
    let (_, summary) = app.get(&format!("/api/v1/customers/{customer}/summary")).await;
    assert!(summary["history"].as_array().unwrap().iter().any(|s| s["id"] == back.id.as_str()), "{summary}");

    // The stock came back once, as the return's movements (no second set for its lines).
    assert_eq!(shirts(&app).await, before);
    let movements = app.movement_count().await;
    let sales_count = count(&app, "sales").await;
    deliver_signed(&app, &conn, &cancelled, "8", Some(SECRET)).await;
    let refunded = with_status(&order, "refunded", "2026-11-24T18:00:00");
    deliver(&app, &conn, &refunded).await;
    assert_eq!((app.movement_count().await, count(&app, "sales").await), (movements, sales_count));

    // A register refund of the same units would give them and their money twice: held for a manager.
    let level = app.level("montreal", "shirt").await;
    let register_refund = app.return_sale(1, &original, 0, 1);
    let (status, answer) = app.push(&[register_refund]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!((answer["results"][0]["status"].as_str(), answer["results"][0]["hold"]["code"].as_str()), (Some("held"), Some("refund_mismatch")), "{answer}");
    assert_eq!(app.level("montreal", "shirt").await, level);
}

#[tokio::test]
async fn an_unpaid_order_cancelled_on_the_platform_is_returned_with_nothing_to_refund() {
    let app = spawn_app().await;
    let conn = connect(&app, "https://shop.example").await;
    let order = unpaid_bank_transfer(woo_order(901, &[("HAT", 2, "15.00")]));
    let (_, outcome) = deliver(&app, &conn, &order).await;
    let order_id = outcome["order_id"].as_str().unwrap().to_string();
    let hats = app.level("montreal", "hat").await + app.level("sherbrooke", "hat").await + app.level("laval", "hat").await;
    let (_, outcome) = deliver(&app, &conn, &with_status(&order, "cancelled", "2026-11-24T17:00:00")).await;
    assert_eq!(outcome["outcome"], "updated", "{outcome}");
    let returns = returns_of(&app, &order_id).await;
    assert_eq!(returns.len(), 1);
    assert!(returns[0].tenders.is_empty(), "nothing was paid, nothing is refunded: {:?}", returns[0].tenders);
    assert_eq!(returns[0].totals.total, Money(-sale_total(&app, &order_id).await));
    assert_eq!(app.level("montreal", "hat").await + app.level("sherbrooke", "hat").await + app.level("laval", "hat").await, hats + 2);
}

async fn sale_total(app: &TestApp, id: &str) -> i64 {
    sales(app).await.into_iter().find(|s| s.id == id).unwrap().totals.total.as_cents()
}

#[tokio::test]
async fn an_update_older_than_the_one_applied_is_recorded_as_stale_and_changes_nothing() {
    let app = spawn_app().await;
    let conn = connect(&app, "https://shop.example").await;
    let order = unpaid_bank_transfer(woo_order(902, &[("SHIRT", 1, "29.99")]));
    let (_, outcome) = deliver(&app, &conn, &order).await;
    let order_id = outcome["order_id"].as_str().unwrap().to_string();
    deliver(&app, &conn, &with_status(&order, "cancelled", "2026-11-24T17:00:00")).await;
    let (movements, stock) = (app.movement_count().await, shirts(&app).await);
    // Paid at 16:00, delivered after the 17:00 cancellation (or replayed): not applied.
    let mut paid = with_status(&woo_order(902, &[("SHIRT", 1, "29.99")]), "processing", "2026-11-24T16:00:00");
    paid["date_paid_gmt"] = json!("2026-11-24T16:00:00");
    let (status, outcome) = deliver(&app, &conn, &paid).await;
    assert_eq!((status, outcome["outcome"].as_str(), outcome["order_id"].as_str()), (StatusCode::OK, Some("stale"), Some(order_id.as_str())), "{outcome}");
    let sale: Sale = sales(&app).await.into_iter().find(|s| s.id == order_id).unwrap();
    assert!(sale.tenders.is_empty(), "no payment from an older version: {:?}", sale.tenders);
    assert_eq!((app.movement_count().await, shirts(&app).await), (movements, stock));
    assert_eq!(app.get("/api/v1/held/orders").await.1.as_array().unwrap().len(), 0, "an older version is not a reopening");
}

#[tokio::test]
async fn a_cancel_delivered_before_its_create_takes_nothing_and_the_late_create_does_not_make_the_order_live() {
    let app = spawn_app().await;
    let conn = connect(&app, "https://shop.example").await;
    let stock = shirts(&app).await;
    let order = woo_order(903, &[("SHIRT", 2, "29.99")]);
    let (_, outcome) = deliver(&app, &conn, &with_status(&order, "cancelled", "2026-11-24T17:00:00")).await;
    assert_eq!((outcome["outcome"].as_str(), outcome["code"].as_str()), (Some("not_taken"), Some("cancelled_before_intake")), "{outcome}");
    let (_, outcome) = deliver(&app, &conn, &order).await;
    assert_eq!(outcome["outcome"], "stale", "{outcome}");
    assert_eq!((count(&app, "online_orders").await, count(&app, "sales").await, shirts(&app).await), (0, 0, stock));
    assert_eq!(app.get("/api/v1/orders").await.1, json!([]));
    // Placed again on the platform after that (newer than the cancel): nothing was ever taken, so it is now.
    let (_, outcome) = deliver(&app, &conn, &with_status(&order, "processing", "2026-11-24T18:00:00")).await;
    assert_eq!(outcome["outcome"], "created", "{outcome}");
    assert_eq!(shirts(&app).await, stock - 2);
}

#[tokio::test]
async fn an_order_reopened_on_the_platform_after_its_cancellation_is_held_for_a_manager_not_dropped() {
    let app = spawn_app().await;
    let conn = connect(&app, "https://shop.example").await;
    let order = woo_order(904, &[("SHIRT", 1, "29.99")]);
    deliver(&app, &conn, &order).await;
    deliver(&app, &conn, &with_status(&order, "cancelled", "2026-11-24T17:00:00")).await;
    let (sales_count, stock) = (count(&app, "sales").await, shirts(&app).await);
    let (status, outcome) = deliver(&app, &conn, &with_status(&order, "processing", "2026-11-24T18:00:00")).await;
    assert_eq!((status, outcome["outcome"].as_str(), outcome["code"].as_str()), (StatusCode::OK, Some("held"), Some("reopened")), "{outcome}");
    let (_, held) = app.get("/api/v1/held/orders").await;
    let held = held.as_array().unwrap();
    assert_eq!(held.len(), 1, "{held:?}");
    assert_eq!((held[0]["code"].as_str(), held[0]["external_id"].as_str()), (Some("reopened"), Some("904")));
    assert!(held[0]["reason"].as_str().unwrap().contains("reopened"), "{}", held[0]["reason"]);
    assert_eq!((count(&app, "sales").await, shirts(&app).await), (sales_count, stock), "no second sale, no stock taken");
}

#[tokio::test]
async fn an_order_awaiting_payment_takes_nothing_until_it_is_placed() {
    let app = spawn_app().await;
    let conn = connect(&app, "https://shop.example").await;
    let stock = shirts(&app).await;
    let order = woo_order(905, &[("SHIRT", 2, "29.99")]);
    for (status, time) in [("pending", "2026-11-24T15:00:00"), ("failed", "2026-11-24T15:01:00")] {
        let mut o = with_status(&order, status, time);
        o["date_paid_gmt"] = Value::Null;
        let (code, outcome) = deliver(&app, &conn, &o).await;
        assert_eq!((code, outcome["outcome"].as_str(), outcome["code"].as_str()), (StatusCode::OK, Some("not_taken"), Some("not_yet_an_order")), "{outcome}");
    }
    assert_eq!((count(&app, "sales").await, shirts(&app).await), (0, stock));
    assert_eq!(app.get("/api/v1/held/orders").await.1.as_array().unwrap().len(), 0, "nothing for a manager to do");
    let (_, outcome) = deliver(&app, &conn, &with_status(&order, "processing", "2026-11-24T15:05:00")).await;
    assert_eq!(outcome["outcome"], "created", "{outcome}");
    assert_eq!(shirts(&app).await, stock - 2);
}

/// A return at Montréal's register of `qty` units of line `line` of `original`, given the returns
/// already made of it (as the register computes it from the sale's history), refunded in cash.
fn register_return(seq: u64, original: &Sale, earlier: &[Sale], line: usize, qty: i64) -> Sale {
    use shared::sale::{plan_return, receipt_number, refund_tenders, Cart, RefundMethod, ReturnPick};
    let mut cart = Cart::default();
    cart.add_returns(plan_return(original, earlier, &[ReturnPick { line, qty }]).unwrap());
    let totals = cart.totals(&shared::tax::TaxRates::QUEBEC).unwrap();
    Sale {
        id: format!("return-mtl-{seq}"),
        device_id: MTL_DEVICE.into(),
        register_id: "montreal-1".into(),
        outlet_id: "montreal".into(),
        seq,
        receipt: receipt_number("MTL1", 1, seq),
        created_at_ms: 1_700_000_100_000 + seq as i64,
        lines: cart.lines,
        tenders: refund_tenders(totals.total, RefundMethod::Cash, Some(original)).unwrap(),
        totals,
        cashier_id: "julie".into(),
        ..Default::default()
    }
}

#[tokio::test]
async fn a_split_order_cancelled_after_one_part_shipped_returns_only_the_other_part_and_the_shipped_units_stay_sold() {
    let app = spawn_app().await;
    let conn = connect(&app, "https://shop.example").await;
    // Seed 002: 17 shirts → 10 from Montréal, 7 from Laval.
    let order = woo_order(906, &[("SHIRT", 17, "29.99")]);
    let (_, outcome) = deliver(&app, &conn, &order).await;
    let order_id = outcome["order_id"].as_str().unwrap().to_string();
    let (mtl, lav) = (app.level("montreal", "shirt").await, app.level("laval", "shirt").await);
    for (i, action) in ["mark_packed", "mark_shipped"].iter().enumerate() {
        let op = json!({"id": format!("ship-{i}"), "device_id": "-", "made_at_ms": 1_764_000_000_000i64, "cashier_id": "-",
            "body": {"kind": "order_action", "order_id": order_id, "outlet_id": "montreal", "action": action}});
        let (status, answer) = app.send(As::Bearer(app.admin.clone()), "POST", "/api/v1/orders/ops", Some(op.to_string())).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
    }
    let (_, outcome) = deliver(&app, &conn, &with_status(&order, "cancelled", "2026-11-24T17:00:00")).await;
    assert_eq!(outcome["outcome"], "updated", "{outcome}");
    // Laval's 7 come back at Laval; Montréal's 10 left the shop and stay sold.
    assert_eq!((app.level("montreal", "shirt").await, app.level("laval", "shirt").await), (mtl, lav + 7));
    let returns = returns_of(&app, &order_id).await;
    assert_eq!(returns.iter().flat_map(|r| &r.lines).map(|l| l.qty).sum::<i64>(), -7);
    // The customer brings the 10 shipped shirts back to the register: accepted, stock back at Montréal.
    let original: Sale = sales(&app).await.into_iter().find(|s| s.id == order_id).unwrap();
    let ten = register_return(1, &original, &returns, 0, 10);
    let (_, answer) = app.push(&[ten.clone()]).await;
    assert_eq!(answer["results"][0]["status"], "stored", "{answer}");
    assert_eq!(app.level("montreal", "shirt").await, mtl + 10);
    // One more (a register that had not heard of its own first return) would be a unit the platform
    // already took back: held.
    let one_more = register_return(2, &original, &returns, 0, 1);
    let (_, answer) = app.push(&[one_more]).await;
    assert_eq!((answer["results"][0]["status"].as_str(), answer["results"][0]["hold"]["code"].as_str()), (Some("held"), Some("refund_mismatch")), "{answer}");
}
