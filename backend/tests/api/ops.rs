//! Operations pushed from a register's outbox (payments on account, serial registrations, stock
//! adjustments, new customers): applied once, re-checked with the shared rules, held — never dropped —
//! when the server cannot accept them.

use crate::helpers::{spawn_app, As, TestApp, MTL_DEVICE};
use axum::http::StatusCode;
use serde_json::{json, Value};
use shared::account::AccountPayment;
use shared::catalog::Customer;
use shared::sale::{Sale, Tender, TenderKind};
use shared::sync::ops::{AdjustmentLine, AdjustmentReason};
use shared::sync::{OpBody, Operation};
use shared::Money;

fn op(id: &str, body: OpBody) -> Operation {
    Operation { id: id.into(), device_id: MTL_DEVICE.into(), made_at_ms: 1_700_000_000_000, cashier_id: "julie".into(), body }
}

fn payment(id: &str, customer: &str, cents: i64) -> Operation {
    op(
        id,
        OpBody::AccountPayment {
            payment: AccountPayment {
                id: id.into(),
                customer_id: customer.into(),
                register_id: "montreal-1".into(),
                amount: Money(cents),
                tenders: vec![Tender::exact(TenderKind::Card, Money(cents))],
                ..AccountPayment::default()
            },
        },
    )
}

fn adjustment(id: &str, reason: AdjustmentReason, product: &str, qty: i64) -> Operation {
    op(id, OpBody::StockAdjustment { outlet_id: "montreal".into(), reason, lines: vec![AdjustmentLine { product_id: product.into(), qty }] })
}

/// Montréal's device pushes `ops` then `sales` in one push.
async fn push(app: &TestApp, ops: &[Operation], sales: &[Sale]) -> Value {
    let body = json!({ "device_id": MTL_DEVICE, "sales": sales, "ops": ops }).to_string();
    let (status, answer) = app.send(app.device(MTL_DEVICE, None), "POST", "/api/v1/sync/push", Some(body)).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    answer
}

fn statuses(answer: &Value) -> Vec<&str> {
    answer["ops"].as_array().unwrap().iter().map(|r| r["status"].as_str().unwrap()).collect()
}

async fn balance(app: &TestApp, customer: &str) -> i64 {
    let (status, summary) = app.get(&format!("/api/v1/customers/{customer}/summary")).await;
    assert_eq!(status, StatusCode::OK, "{summary}");
    summary["balance"].as_i64().unwrap()
}

#[tokio::test]
async fn an_operation_pushed_twice_is_applied_once() {
    let app = spawn_app().await;
    let before = balance(&app, "c-tremblay").await;
    let pay = payment("op-pay-1", "c-tremblay", 2_500);
    assert_eq!(statuses(&push(&app, std::slice::from_ref(&pay), &[]).await), ["applied"]);
    // The answer was lost: the device pushes it again, alone and then with a newer operation.
    assert_eq!(statuses(&push(&app, std::slice::from_ref(&pay), &[]).await), ["duplicate"]);
    let damage = adjustment("op-damage-1", AdjustmentReason::Damage, "hat", 1);
    assert_eq!(statuses(&push(&app, &[pay.clone(), damage.clone()], &[]).await), ["duplicate", "applied"]);
    assert_eq!(statuses(&push(&app, &[damage], &[]).await), ["duplicate"]);
    assert_eq!(balance(&app, "c-tremblay").await, before + 2_500);
    assert_eq!(app.level("montreal", "hat").await, 2);
    let payments: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM account_payments WHERE id = 'op-pay-1'").fetch_one(&app.db).await.unwrap();
    assert_eq!(payments, 1);
}

#[tokio::test]
async fn another_operation_under_an_applied_id_is_held_not_applied() {
    let app = spawn_app().await;
    push(&app, &[payment("op-1", "c-tremblay", 1_000)], &[]).await;
    let answer = push(&app, &[payment("op-1", "c-tremblay", 9_000)], &[]).await;
    assert_eq!(statuses(&answer), ["held"]);
    assert_eq!(answer["ops"][0]["hold"]["code"], "id_taken");
    assert_eq!(balance(&app, "c-tremblay").await, 1_000);
}

#[tokio::test]
async fn a_payment_beyond_range_or_for_an_unknown_customer_is_held_not_dropped() {
    let app = spawn_app().await;
    let huge = payment("op-huge", "c-tremblay", 5_000_000_000_000_000_000);
    let stranger = payment("op-stranger", "c-nobody", 1_000);
    let answer = push(&app, &[huge.clone(), stranger.clone()], &[]).await;
    assert_eq!(statuses(&answer), ["held", "held"]);
    assert_eq!(answer["ops"][0]["hold"]["code"], "out_of_range");
    assert_eq!(answer["ops"][0]["hold"]["field"], "body.payment.amount");
    assert_eq!(answer["ops"][1]["hold"]["code"], "unknown_customer");
    assert_eq!(balance(&app, "c-tremblay").await, 0);
    // Kept, visible to the device and to its outlet's manager, with the reason; pushed again, held once.
    assert_eq!(statuses(&push(&app, &[huge, stranger], &[]).await), ["held", "held"]);
    let (status, held) = app.send(app.device(MTL_DEVICE, None), "GET", "/api/v1/held/ops", None).await;
    assert_eq!(status, StatusCode::OK, "{held}");
    let held = held.as_array().unwrap();
    assert_eq!(held.len(), 2);
    assert_eq!(held[1]["op"]["id"], "op-stranger");
    assert_eq!(held[1]["reason"]["code"], "unknown_customer");
    let manager = app.token(crate::helpers::MANAGER_MTL).await;
    let (_, seen) = app.send(crate::helpers::As::Bearer(manager), "GET", "/api/v1/held/ops", None).await;
    assert_eq!(seen.as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn a_stock_count_sets_the_level_and_receiving_and_damage_move_it() {
    let app = spawn_app().await;
    assert_eq!(app.level("montreal", "shirt").await, 10);
    push(&app, &[adjustment("op-count", AdjustmentReason::Count, "shirt", 4)], &[]).await;
    assert_eq!(app.level("montreal", "shirt").await, 4);
    push(&app, &[adjustment("op-recv", AdjustmentReason::Receiving, "shirt", 12)], &[]).await;
    assert_eq!(app.level("montreal", "shirt").await, 16);
    push(&app, &[adjustment("op-dmg", AdjustmentReason::Damage, "shirt", 3)], &[]).await;
    assert_eq!(app.level("montreal", "shirt").await, 13);
    // A count that finds what the server has moves nothing, and is still applied once.
    let answer = push(&app, &[adjustment("op-count-2", AdjustmentReason::Count, "shirt", 13)], &[]).await;
    assert_eq!(statuses(&answer), ["applied"]);
    assert_eq!(app.level("montreal", "shirt").await, 13);
    // Another outlet's stock from this device, or an unknown product: held, nothing moved.
    let mut laval = adjustment("op-laval", AdjustmentReason::Count, "shirt", 0);
    if let OpBody::StockAdjustment { outlet_id, .. } = &mut laval.body {
        *outlet_id = "laval".into();
    }
    let answer = push(&app, &[laval, adjustment("op-ghost", AdjustmentReason::Receiving, "ghost", 1)], &[]).await;
    assert_eq!(answer["ops"][0]["hold"]["code"], "other_outlet");
    assert_eq!(answer["ops"][1]["hold"]["code"], "unknown_product");
    assert_eq!(app.level("laval", "shirt").await, 15);
}

#[tokio::test]
async fn a_customer_created_at_the_register_then_a_sale_naming_it_counts_for_that_customer() {
    let app = spawn_app().await;
    let lea = Customer { id: "c-device-lea".into(), name: "Léa Roy".into(), email: Some("lea.roy@example.com".into()) };
    let mut sale = app.sale(1, &["hat"]);
    sale.customer_id = Some(lea.id.clone());
    let answer = push(&app, &[op("op-new-lea", OpBody::NewCustomer { customer: lea.clone() })], &[sale.clone()]).await;
    assert_eq!(statuses(&answer), ["applied"]);
    assert_eq!(answer["results"][0]["status"], "stored");
    let (status, summary) = app.get("/api/v1/customers/c-device-lea/summary").await;
    assert_eq!(status, StatusCode::OK, "{summary}");
    assert_eq!(summary["customer"]["name"], "Léa Roy");
    assert_eq!(summary["loyalty"]["visits"], 1);
    assert_eq!(summary["history"][0]["id"], sale.id);
    assert_eq!(app.conflict_count().await, 0);
    // The same e-mail from another register's new customer: held, the first one kept.
    let twin = Customer { id: "c-device-twin".into(), name: "Léa R.".into(), email: lea.email.clone() };
    let answer = push(&app, &[op("op-twin", OpBody::NewCustomer { customer: twin })], &[]).await;
    assert_eq!(answer["ops"][0]["hold"]["code"], "customer_taken");
}

#[tokio::test]
async fn a_customer_edited_offline_keeps_a_change_made_meanwhile_in_the_back_office_to_another_field() {
    let app = spawn_app().await;
    let marie = Customer { id: "c-tremblay".into(), name: "Marie Tremblay".into(), email: Some("marie.tremblay@example.com".into()) };
    // Meanwhile, the back office renamed her.
    let (status, body) = app.send(As::Bearer(app.admin.clone()), "PUT", "/api/v1/customers/c-tremblay",
        Some(json!({"name": "Marie-Ève Tremblay", "email": "marie.tremblay@example.com", "credit_limit": 50_000, "automatic_discount_bp": 500}).to_string())).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // The register, offline, corrected her e-mail from what it knew: its edit and the rename both stand.
    let fixed = Customer { email: Some("marie.t@example.com".into()), ..marie.clone() };
    let edit = op("op-edit-marie", OpBody::EditCustomer { before: marie.clone(), after: fixed });
    let answer = push(&app, &[edit.clone()], &[]).await;
    assert_eq!(statuses(&answer), ["applied"], "{answer}");
    let (_, summary) = app.get("/api/v1/customers/c-tremblay/summary").await;
    assert_eq!((summary["customer"]["name"].as_str(), summary["customer"]["email"].as_str()), (Some("Marie-Ève Tremblay"), Some("marie.t@example.com")));
    assert_eq!(summary["account"]["credit_limit"], 50_000, "the terms are not the register's to change");
    // Pushed again (a lost answer): applied once.
    assert_eq!(statuses(&push(&app, &[edit], &[]).await), ["duplicate"]);

    // A rename of the name the back office changed meanwhile: held for a manager, nothing written.
    let rename = op("op-rename-marie", OpBody::EditCustomer { before: marie.clone(), after: Customer { name: "Marie T.".into(), ..marie.clone() } });
    let answer = push(&app, &[rename], &[]).await;
    assert_eq!(answer["ops"][0]["hold"]["code"], "customer_changed", "{answer}");
    assert_eq!(answer["ops"][0]["hold"]["now"], "Marie-Ève Tremblay");
    // Jean's e-mail, in other case, for Marie: held.
    let current = Customer { name: "Marie-Ève Tremblay".into(), email: Some("marie.t@example.com".into()), ..marie };
    let taken = op("op-email-jean", OpBody::EditCustomer { before: current.clone(), after: Customer { email: Some("JEAN.GAGNON@example.com".into()), ..current } });
    assert_eq!(push(&app, &[taken], &[]).await["ops"][0]["hold"]["code"], "customer_taken");
    let (_, summary) = app.get("/api/v1/customers/c-tremblay/summary").await;
    assert_eq!((summary["customer"]["name"].as_str(), summary["customer"]["email"].as_str()), (Some("Marie-Ève Tremblay"), Some("marie.t@example.com")));
    let (_, inbox) = app.get("/api/v1/inbox?kind=held_operation").await;
    assert_eq!(inbox.as_array().map(Vec::len), Some(2), "{inbox}");
}

#[tokio::test]
async fn serials_registered_at_the_register_are_on_file_before_the_sale_that_sells_them() {
    let app = spawn_app().await;
    let register = op("op-serials", OpBody::SerialRegistration { product_id: "drill".into(), outlet_id: "montreal".into(), serials: "SN-1, SN-2".into() });
    let mut sale = app.sale(1, &["drill"]);
    sale.lines[0].serials = vec!["SN-1".into()];
    let answer = push(&app, &[register.clone()], &[sale]).await;
    assert_eq!(statuses(&answer), ["applied"]);
    assert_eq!(answer["results"][0]["status"], "stored");
    let (_, rows) = app.get("/api/v1/serials?product_id=drill").await;
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert!(rows[0]["sold_on"].is_object(), "{rows:?}");
    assert_eq!(app.conflict_count().await, 0);
    // The same list from another operation: held, naming the serials already on file.
    let again = op("op-serials-2", OpBody::SerialRegistration { product_id: "drill".into(), outlet_id: "montreal".into(), serials: "SN-2, SN-3".into() });
    let answer = push(&app, &[again], &[]).await;
    assert_eq!(answer["ops"][0]["hold"]["error"], "serial_duplicates");
    assert!(answer["ops"][0]["hold"]["message"].as_str().unwrap().contains("SN-2"));
}

#[tokio::test]
async fn an_operation_by_someone_who_does_not_work_at_the_outlet_is_held() {
    let app = spawn_app().await;
    let mut damage = adjustment("op-marc", AdjustmentReason::Damage, "hat", 1);
    damage.cashier_id = "marc".into();
    let answer = push(&app, &[damage], &[]).await;
    assert_eq!(answer["ops"][0]["hold"]["code"], "unknown_cashier");
    assert_eq!(app.level("montreal", "hat").await, 3);
}

#[tokio::test]
async fn a_push_of_more_than_a_hundred_operations_is_refused_whole() {
    let app = spawn_app().await;
    let ops: Vec<Operation> = (0..101).map(|i| adjustment(&format!("op-{i}"), AdjustmentReason::Receiving, "hat", 1)).collect();
    let body = json!({ "device_id": MTL_DEVICE, "sales": [], "ops": ops }).to_string();
    let (status, answer) = app.send(app.device(MTL_DEVICE, None), "POST", "/api/v1/sync/push", Some(body)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert_eq!(app.level("montreal", "hat").await, 3);
}
