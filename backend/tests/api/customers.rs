//! Customer accounts, store credit, loyalty, the month-end statement and purchase history (seed 003),
//! and the server's check of returns against their original sale.

use crate::helpers::{spawn_app, TestApp, LAV_DEVICE, MTL_DEVICE};
use axum::http::StatusCode;
use serde_json::{json, Value};
use shared::account::{AccountPayment, CustomerAccount};
use shared::loyalty::{LoyaltyBalance, LoyaltyProgram, Reward, RewardKind};
use shared::sale::{
    plan_return, receipt_number, refund_tenders, settle_cash, Cart, DiscountRule, RefundMethod, ReturnPick, Sale,
    Tender, TenderKind,
};
use shared::tax::TaxRates;
use shared::Money;

const MARIE: &str = "c-tremblay";
const JEAN: &str = "c-gagnon";
/// Manteau d'hiver, 249,99 $ (249 points).
const COAT: &str = "p018";

async fn app() -> TestApp {
    spawn_app().await
}

fn terms(customer: &str) -> CustomerAccount {
    backend::demo::demo_shop().accounts.into_iter().find(|a| a.customer_id == customer).unwrap()
}

const PROGRAM: LoyaltyProgram = LoyaltyProgram { points_threshold: 100, visit_threshold: 10 };

/// A paid sale on `register` (`montreal-1` or `laval-1`) of `cart`, entirely by `pay`, at `at_ms`.
fn checkout(register: &str, seq: u64, cart: &Cart, pay: TenderKind, at_ms: i64) -> Sale {
    let totals = cart.totals(&TaxRates::QUEBEC).unwrap();
    let tender = match pay {
        TenderKind::Cash if totals.total.is_negative() => settle_cash(totals.total, Money::ZERO).unwrap().tender(),
        TenderKind::Cash => settle_cash(totals.total, Money(10_000_000)).unwrap().tender(),
        kind => Tender::exact(kind, totals.total),
    };
    let (outlet, code, device, number) =
        if register == "laval-1" { ("laval", "LAV1", LAV_DEVICE, 2) } else { ("montreal", "MTL1", MTL_DEVICE, 1) };
    Sale {
        id: format!("{code}-sale-{seq}"),
        device_id: device.into(),
        register_id: register.into(),
        outlet_id: outlet.into(),
        seq,
        receipt: receipt_number(code, number, seq),
        created_at_ms: at_ms,
        lines: cart.lines.clone(),
        totals,
        tenders: vec![tender],
        customer_id: cart.customer_id.clone(),
        redemptions: cart.redemptions.clone(),
        cashier_id: if register == "laval-1" { "marc" } else { "julie" }.into(),
    }
}

/// A cart of `items` for `customer`, with their account's automatic discount.
fn cart_for(app: &TestApp, customer: &str, items: &[&str]) -> Cart {
    let mut cart = Cart::default();
    cart.attach_customer(&terms(customer));
    for id in items {
        cart.add(&app.product(id));
    }
    cart
}

/// A return of `picks` of `original` for its customer, refunded by `method`.
fn return_cart(original: &Sale, earlier: &[Sale], picks: &[ReturnPick]) -> Cart {
    let mut cart = Cart { customer_id: original.customer_id.clone(), ..Cart::default() };
    cart.add_returns(plan_return(original, earlier, picks).unwrap());
    cart
}

fn refund(register: &str, seq: u64, cart: &Cart, original: &Sale, method: RefundMethod, at_ms: i64) -> Sale {
    let mut sale = checkout(register, seq, cart, TenderKind::Card, at_ms);
    sale.tenders = refund_tenders(sale.totals.total, method, Some(original)).unwrap();
    sale
}

async fn summary(app: &TestApp, customer: &str) -> Value {
    let (status, body) = app.get(&format!("/api/v1/customers/{customer}/summary")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

async fn conflicts(app: &TestApp) -> Vec<(String, Value)> {
    sqlx::query_as::<_, (String, String)>("SELECT kind, detail FROM conflicts ORDER BY id")
        .fetch_all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|(k, d)| (k, serde_json::from_str(&d).unwrap()))
        .collect()
}

fn payment(id: &str, customer: &str, amount: i64, kind: TenderKind) -> AccountPayment {
    let tender = match kind {
        TenderKind::Cash => settle_cash(Money(amount), Money(amount + 1000)).unwrap().tender(),
        other => Tender::exact(other, Money(amount)),
    };
    AccountPayment {
        id: id.into(),
        customer_id: customer.into(),
        register_id: "montreal-1".into(),
        outlet_id: "montreal".into(),
        reference: format!("PAY-{id}"),
        created_at_ms: 1_790_000_000_000,
        amount: Money(amount),
        tenders: vec![tender],
    }
}

async fn pay(app: &TestApp, customer: &str, p: &AccountPayment) -> (StatusCode, Value) {
    app.post(&format!("/api/v1/customers/{customer}/payments"), serde_json::to_string(p).unwrap()).await
}

fn money(v: &Value) -> i64 {
    v.as_i64().unwrap_or_else(|| panic!("not an amount: {v}"))
}

#[tokio::test]
async fn the_summaries_list_every_customer_with_their_account_terms_and_the_loyalty_card() {
    let app = app().await;
    let (status, body) = app.get("/api/v1/customers/summaries").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let list = body.as_array().unwrap();
    assert_eq!(list.iter().map(|s| s["customer"]["id"].as_str().unwrap()).collect::<Vec<_>>(), vec![JEAN, MARIE]);
    let marie = &list[1];
    assert_eq!(marie["account"]["credit_limit"], 50_000);
    assert_eq!(marie["account"]["automatic_discount_bp"], 500);
    assert_eq!((money(&marie["balance"]), money(&marie["available"])), (0, 50_000));
    assert_eq!(marie["program"], json!({ "points_threshold": 100, "visit_threshold": 10 }));
    assert_eq!(list[0]["available"], 0, "Jean has no credit");
    assert_eq!(marie["rewards_due"], json!([]));

    let (status, body) = app.get("/api/v1/customers/nobody/summary").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"], "not_found");
    assert!(body["message"].as_str().unwrap().contains("nobody"), "{body}");
}

#[tokio::test]
async fn a_sale_on_account_lowers_the_balance_and_the_summary_shows_what_is_still_available() {
    let app = app().await;
    let sale = checkout("montreal-1", 1, &cart_for(&app, MARIE, &["shirt", "hat"]), TenderKind::Account, 1_790_000_000_000);
    // 5 % off 44,99 $ automatically, then taxes.
    assert_eq!(sale.totals.discount, Money(225));
    let (status, body) = app.push(std::slice::from_ref(&sale)).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let s = summary(&app, MARIE).await;
    let total = sale.totals.total.as_cents();
    assert_eq!(money(&s["balance"]), -total);
    assert_eq!(money(&s["available"]), 50_000 - total);
    assert_eq!(s["history"][0]["id"], sale.id.as_str());
    assert!(conflicts(&app).await.is_empty());
    let customer_id: Option<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT customer_id FROM sales WHERE id = '{}'", sale.id)))
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(customer_id.as_deref(), Some(MARIE));

    // The same push again charges nothing more.
    app.push(&[sale]).await;
    assert_eq!(money(&summary(&app, MARIE).await["balance"]), -total);
}

#[tokio::test]
async fn a_payment_on_account_raises_the_balance_and_is_idempotent() {
    let app = app().await;
    let sale = checkout("montreal-1", 1, &cart_for(&app, MARIE, &[COAT]), TenderKind::Account, 1_789_000_000_000);
    app.push(std::slice::from_ref(&sale)).await;
    let owed = sale.totals.total.as_cents();

    // 100,03 $ in cash: the drawer takes 100,05 $, the account is credited exactly 100,03 $.
    let p = payment("pay-1", MARIE, 10_003, TenderKind::Cash);
    assert_eq!(p.tenders[0].amount, Money(10_005));
    let (status, body) = pay(&app, MARIE, &p).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["status"], "stored");
    assert_eq!(money(&body["summary"]["balance"]), -owed + 10_003);
    assert_eq!(money(&body["summary"]["available"]), 50_000 - owed + 10_003);

    let (status, body) = pay(&app, MARIE, &p).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "duplicate");
    assert_eq!(money(&summary(&app, MARIE).await["balance"]), -owed + 10_003, "credited once");

    let other = AccountPayment { amount: Money(500), tenders: vec![Tender::exact(TenderKind::Card, Money(500))], ..p.clone() };
    let (status, body) = pay(&app, MARIE, &other).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(body["message"].as_str().unwrap().contains("pay-1"), "{body}");

    let card = payment("pay-2", MARIE, 2_000, TenderKind::Card);
    assert_eq!(pay(&app, MARIE, &card).await.0, StatusCode::CREATED);
    assert_eq!(money(&summary(&app, MARIE).await["balance"]), -owed + 12_003);
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM account_entries WHERE kind = 'payment'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(rows, 2);
}

#[tokio::test]
async fn a_payment_the_rules_refuse_is_a_4xx_that_says_what_is_wrong_and_writes_nothing() {
    let app = app().await;
    let (status, body) = pay(&app, MARIE, &payment("p0", MARIE, 0, TenderKind::Card)).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("payment_not_positive")));
    assert!(body["message"].as_str().unwrap().contains("positive"), "{body}");

    let on_account = AccountPayment { tenders: vec![Tender::exact(TenderKind::Account, Money(500))], ..payment("p1", MARIE, 500, TenderKind::Card) };
    assert_eq!(pay(&app, MARIE, &on_account).await.1["error"], "payment_tender");

    let short = AccountPayment { tenders: vec![Tender::exact(TenderKind::Card, Money(400))], ..payment("p2", MARIE, 500, TenderKind::Card) };
    let (status, body) = pay(&app, MARIE, &short).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("unpaid")));

    // Cash must be rounded to 0,05 $ like any cash tender.
    let unrounded = AccountPayment { tenders: vec![Tender::exact(TenderKind::Cash, Money(10_003))], ..payment("p3", MARIE, 10_003, TenderKind::Card) };
    assert_eq!(pay(&app, MARIE, &unrounded).await.0, StatusCode::UNPROCESSABLE_ENTITY);

    let (status, body) = pay(&app, JEAN, &payment("p4", MARIE, 500, TenderKind::Card)).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("wrong_customer")));

    let elsewhere = AccountPayment { outlet_id: "laval".into(), ..payment("p5", MARIE, 500, TenderKind::Card) };
    assert_eq!(pay(&app, MARIE, &elsewhere).await.1["error"], "wrong_outlet");

    let (status, body) = pay(&app, "nobody", &payment("p6", "nobody", 500, TenderKind::Card)).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")));

    let (status, body) = app.post("/api/v1/customers/c-tremblay/payments", r#"{"id": "p7", "amount": "beaucoup"}"#).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["message"].as_str().unwrap().contains("amount"), "{body}");

    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM account_payments").fetch_one(&app.db).await.unwrap();
    assert_eq!(n, 0);
    assert_eq!(money(&summary(&app, MARIE).await["balance"]), 0);
}

#[tokio::test]
async fn a_payment_recorded_in_the_back_office_needs_no_register() {
    let app = app().await;
    let p = AccountPayment { register_id: String::new(), outlet_id: String::new(), reference: String::new(), ..payment("bo-1", MARIE, 1_500, TenderKind::Card) };
    let (status, body) = pay(&app, MARIE, &p).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["payment"]["reference"], "bo-1", "an empty reference becomes the id");
    assert_eq!(money(&body["summary"]["balance"]), 1_500);
}

#[tokio::test]
async fn a_sale_beyond_the_credit_limit_is_stored_and_a_conflict_recorded() {
    let app = app().await;
    // Two registers offline each saw 500,00 $ available and charged a coat (≈ 273 $) on account.
    let first = checkout("montreal-1", 1, &cart_for(&app, MARIE, &[COAT]), TenderKind::Account, 1_790_000_000_000);
    let second = checkout("laval-1", 1, &cart_for(&app, MARIE, &[COAT]), TenderKind::Account, 1_790_000_000_500);
    assert_eq!(app.push(std::slice::from_ref(&first)).await.0, StatusCode::OK);
    let (status, body) = app.push(std::slice::from_ref(&second)).await;
    assert_eq!(status, StatusCode::OK, "a paid sale is a fact: {body}");
    assert_eq!(body["results"][0]["status"], "stored");
    assert_eq!(app.sale_count().await, 2);

    let owed = first.totals.total.as_cents() + second.totals.total.as_cents();
    let s = summary(&app, MARIE).await;
    assert_eq!(money(&s["balance"]), -owed);
    assert_eq!(money(&s["available"]), 0);

    let found = conflicts(&app).await;
    assert_eq!(found.len(), 1, "{found:?}");
    let (kind, detail) = &found[0];
    assert_eq!(kind, "credit_limit_exceeded");
    assert_eq!(detail["customer_id"], MARIE);
    assert_eq!(detail["receipt"], "LAV1-2-000001");
    assert_eq!(money(&detail["available"]), 50_000 - first.totals.total.as_cents());
    assert_eq!(money(&detail["balance_after"]), -owed);
    assert!(detail["message"].as_str().unwrap().contains("credit limit exceeded"), "{detail}");

    // A customer with no credit at all: any sale on account is a conflict, and still stored.
    let jean = checkout("montreal-1", 2, &cart_for(&app, JEAN, &["hat"]), TenderKind::Account, 1_790_000_001_000);
    assert_eq!(app.push(&[jean]).await.0, StatusCode::OK);
    assert_eq!(conflicts(&app).await.len(), 2);
    // Retrying the push records nothing more.
    app.push(&[second]).await;
    assert_eq!(conflicts(&app).await.len(), 2);
}

#[tokio::test]
async fn store_credit_given_by_a_refund_shows_as_a_positive_balance() {
    let app = app().await;
    let sale = checkout("montreal-1", 1, &cart_for(&app, JEAN, &["shirt", "hat"]), TenderKind::Card, 1_790_000_000_000);
    let back = refund(
        "montreal-1",
        2,
        &return_cart(&sale, &[], &[ReturnPick { line: 0, qty: 1 }]),
        &sale,
        RefundMethod::StoreCredit,
        1_790_000_100_000,
    );
    let (status, body) = app.push(&[sale.clone(), back.clone()]).await;
    assert_eq!(status, StatusCode::OK, "a sale and its return in one push: {body}");
    let credit = -back.totals.total.as_cents();
    assert!(credit > 0);
    let s = summary(&app, JEAN).await;
    assert_eq!(money(&s["balance"]), credit);
    assert_eq!(money(&s["available"]), credit, "store credit can pay on account too");

    // Spending it once is fine; two registers spending it offline leave it below zero: a conflict.
    let spend = |register: &str, seq: u64, at: i64| {
        let cart = cart_for(&app, JEAN, &["hat"]);
        let mut s = checkout(register, seq, &cart, TenderKind::Card, at);
        let total = s.totals.total;
        s.tenders = vec![
            Tender::exact(TenderKind::StoreCredit, Money(1_500)),
            Tender::exact(TenderKind::Card, total.checked_sub(Money(1_500)).unwrap()),
        ];
        s
    };
    let a = spend("montreal-1", 3, 1_790_000_200_000);
    let b = spend("laval-1", 1, 1_790_000_200_100);
    let c = spend("laval-1", 2, 1_790_000_200_200);
    assert_eq!(app.push(&[a]).await.0, StatusCode::OK);
    assert_eq!(app.push(&[b, c]).await.0, StatusCode::OK);
    assert!(credit < 3 * 1_500, "the third spends credit that is gone");
    assert_eq!(money(&summary(&app, JEAN).await["balance"]), credit - 3 * 1_500);
    let found = conflicts(&app).await;
    assert_eq!(found.len(), 1, "only the sale that spent credit Jean no longer had: {found:?}");
    assert_eq!(found[0].0, "not_enough_store_credit");
    assert_eq!(found[0].1["receipt"], "LAV1-2-000002");
}

#[tokio::test]
async fn loyalty_points_accumulate_from_sales_and_a_reward_is_due_at_the_threshold() {
    let app = app().await;
    // Chaussures 89 points, Chapeau 15 points.
    let first = checkout("montreal-1", 1, &cart_for(&app, JEAN, &["shoes"]), TenderKind::Card, 1_790_000_000_000);
    assert_eq!(first.lines[0].loyalty_points, 89, "copied from the product by the cart");
    app.push(&[first]).await;
    let s = summary(&app, JEAN).await;
    assert_eq!(s["loyalty"], json!({ "points": 89, "visits": 1 }));
    assert_eq!(s["rewards_due"], json!([]));

    let second = checkout("montreal-1", 2, &cart_for(&app, JEAN, &["hat"]), TenderKind::Cash, 1_790_000_001_000);
    app.push(&[second]).await;
    let s = summary(&app, JEAN).await;
    assert_eq!(s["loyalty"], json!({ "points": 104, "visits": 2 }));
    assert_eq!(s["rewards_due"], json!([{ "kind": "points", "balance": 104, "threshold": 100 }]));

    // A sale without a customer earns nobody anything.
    app.push(&[app.sale(3, &["shoes"])]).await;
    assert_eq!(summary(&app, JEAN).await["loyalty"]["points"], 104);
}

#[tokio::test]
async fn visits_count_one_per_sale_and_a_return_alone_is_not_a_visit() {
    let app = app().await;
    let sales: Vec<Sale> = (1..=9)
        .map(|seq| checkout("montreal-1", seq, &cart_for(&app, MARIE, &["hat", "hat"]), TenderKind::Card, 1_790_000_000_000 + seq as i64))
        .collect();
    app.push(&sales).await;
    assert_eq!(summary(&app, MARIE).await["loyalty"]["visits"], 9);

    let back = refund("montreal-1", 10, &return_cart(&sales[0], &[], &[ReturnPick { line: 0, qty: 1 }]), &sales[0], RefundMethod::Cash, 1_790_000_100_000);
    assert_eq!(app.push(&[back]).await.0, StatusCode::OK);
    let s = summary(&app, MARIE).await;
    assert_eq!(s["loyalty"]["visits"], 9);
    assert_eq!(s["loyalty"]["points"], 9 * 2 * 15 - 15, "the returned hat takes its points back");
    assert_eq!(s["rewards_due"][0]["kind"], "points");

    let tenth = checkout("montreal-1", 11, &cart_for(&app, MARIE, &["hat"]), TenderKind::Card, 1_790_000_200_000);
    app.push(&[tenth]).await;
    let due = summary(&app, MARIE).await["rewards_due"].clone();
    assert_eq!(due[1], json!({ "kind": "visits", "balance": 10, "threshold": 10 }));
}

#[tokio::test]
async fn a_reward_redeemed_twice_offline_is_stored_and_recorded_as_a_conflict() {
    let app = app().await;
    let earn = checkout("montreal-1", 1, &cart_for(&app, JEAN, &["shoes", "hat"]), TenderKind::Card, 1_790_000_000_000);
    app.push(&[earn]).await;
    let balance = LoyaltyBalance { points: 104, visits: 1 };
    // Both registers saw 104 points and gave the reward.
    let rewarded = |register: &str, seq: u64| {
        let mut cart = cart_for(&app, JEAN, &["shirt"]);
        cart.apply_reward(PROGRAM.redeem(&balance, RewardKind::Points).unwrap(), Reward::Discount(DiscountRule::Percent { bp: 1000 })).unwrap();
        checkout(register, seq, &cart, TenderKind::Card, 1_790_000_100_000 + seq as i64)
    };
    assert_eq!(app.push(&[rewarded("montreal-1", 2)]).await.0, StatusCode::OK);
    assert!(conflicts(&app).await.is_empty());
    let (status, body) = app.push(&[rewarded("laval-1", 1)]).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let s = summary(&app, JEAN).await;
    // 104 + 29 + 29 − 200.
    assert_eq!(s["loyalty"]["points"], -38);
    let found = conflicts(&app).await;
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "loyalty_overdrawn");
    assert_eq!(found[0].1["points"], -38);
    assert_eq!(found[0].1["receipt"], "LAV1-2-000001");
}

#[tokio::test]
async fn the_month_end_statement_reconciles_opening_charges_payments_and_credit_to_closing() {
    let app = app().await;
    // November 2026 in Montréal: from 1 Nov 00:00 EDT to 1 Dec 00:00 EST.
    // Written out, not computed: the test checks the server's time-zone arithmetic.
    let nov = 1_793_505_600_000; // 2026-11-01T04:00:00Z
    let dec = 1_796_101_200_000; // 2026-12-01T05:00:00Z
    let hour = 3_600_000;
    let october = checkout("montreal-1", 1, &cart_for(&app, MARIE, &["shoes"]), TenderKind::Account, nov - hour);
    let in_nov = checkout("montreal-1", 2, &cart_for(&app, MARIE, &[COAT]), TenderKind::Account, nov + hour);
    let card = checkout("montreal-1", 3, &cart_for(&app, MARIE, &["hat"]), TenderKind::Card, nov + 2 * hour);
    let back = refund("montreal-1", 4, &return_cart(&in_nov, &[], &[ReturnPick { line: 0, qty: 1 }]), &in_nov, RefundMethod::OriginalTender, nov + 3 * hour);
    let credit = refund("montreal-1", 5, &return_cart(&card, &[], &[ReturnPick { line: 0, qty: 1 }]), &card, RefundMethod::StoreCredit, nov + 4 * hour);
    let december = checkout("montreal-1", 6, &cart_for(&app, MARIE, &["shirt"]), TenderKind::Account, dec);
    let (status, body) = app.push(&[october.clone(), in_nov.clone(), card, back.clone(), credit.clone(), december]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let paid = AccountPayment { created_at_ms: nov + 5 * hour, ..payment("pay-nov", MARIE, 5_000, TenderKind::Card) };
    assert_eq!(pay(&app, MARIE, &paid).await.0, StatusCode::CREATED);

    let (status, st) = app.get("/api/v1/customers/c-tremblay/statement?year=2026&month=11").await;
    assert_eq!(status, StatusCode::OK, "{st}");
    assert_eq!(st["period"], json!({ "from_ms": nov, "to_ms": dec }));
    let opening = money(&st["opening_balance"]);
    assert_eq!(opening, -october.totals.total.as_cents(), "October's charge opens November");
    let (charges, payments, store_credit) = (money(&st["charges"]), money(&st["payments"]), money(&st["store_credit"]));
    assert_eq!(charges, -in_nov.totals.total.as_cents() - back.totals.total.as_cents(), "the coat, less its refund to the account");
    assert_eq!(charges, 0);
    assert_eq!(payments, 5_000);
    assert_eq!(store_credit, -credit.totals.total.as_cents());
    assert_eq!(money(&st["closing_balance"]), opening + charges + payments + store_credit);
    let lines = st["lines"].as_array().unwrap();
    assert_eq!(
        lines.iter().map(|l| l["kind"].as_str().unwrap()).collect::<Vec<_>>(),
        vec!["charge", "charge", "store_credit", "payment"]
    );
    assert_eq!(lines[0]["reference"], "MTL1-1-000002");
    assert_eq!(money(&lines[3]["balance"]), money(&st["closing_balance"]));

    let (status, body) = app.get("/api/v1/customers/c-tremblay/statement?year=2026&month=13").await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("bad_request")));
    assert!(body["message"].as_str().unwrap().contains("month"), "{body}");
    assert_eq!(app.get("/api/v1/customers/c-tremblay/statement").await.0, StatusCode::BAD_REQUEST);
    assert_eq!(app.get("/api/v1/customers/nobody/statement?year=2026&month=11").await.0, StatusCode::NOT_FOUND);

    // The same statement as a CSV file, times in Montréal: opening, the four lines, closing.
    let (status, disposition, csv) = statement_csv(&app, "c-tremblay", "year=2026&month=11").await;
    assert_eq!(status, StatusCode::OK, "{csv}");
    assert_eq!(disposition, "attachment; filename=\"releve-c-tremblay-2026-11.csv\"");
    let rows: Vec<&str> = csv.lines().collect();
    assert_eq!(rows[0], "date,kind,reference,amount,balance");
    assert_eq!(rows.len(), 1 + 1 + 4 + 1, "{csv}");
    let cents = |c: i64| format!("{}{}.{:02}", if c < 0 { "-" } else { "" }, c.abs() / 100, c.abs() % 100);
    assert_eq!(rows[1], format!("2026-11-01 00:00,opening_balance,,,{}", cents(opening)));
    assert!(rows[2].starts_with("2026-11-01 01:00,charge,MTL1-1-000002,"), "{}", rows[2]);
    assert_eq!(rows[6], format!("2026-11-30 23:59,closing_balance,,,{}", cents(money(&st["closing_balance"]))));
    assert_eq!(statement_csv(&app, "c-tremblay", "year=2026&month=13").await.0, StatusCode::BAD_REQUEST);
    assert_eq!(statement_csv(&app, "nobody", "year=2026&month=11").await.0, StatusCode::NOT_FOUND);
}

/// `GET /customers/{id}/statement.csv?{query}`: status, Content-Disposition, body.
async fn statement_csv(app: &TestApp, id: &str, query: &str) -> (StatusCode, String, String) {
    use axum::body::Body;
    use axum::http::Request;
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let req = Request::builder()
        .uri(format!("/api/v1/customers/{id}/statement.csv?{query}"))
        .header("authorization", format!("Bearer {}", app.admin))
        .body(Body::empty())
        .unwrap();
    let resp = app.router.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let disposition = resp.headers().get("content-disposition").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    (status, disposition, String::from_utf8(bytes.to_vec()).unwrap())
}

#[tokio::test]
async fn a_return_whose_refund_does_not_match_its_original_is_held_and_moves_nothing() {
    let app = app().await;
    let sale = checkout("montreal-1", 1, &cart_for(&app, MARIE, &["shirt", "shirt", "hat"]), TenderKind::Card, 1_790_000_000_000);
    app.push(std::slice::from_ref(&sale)).await;
    let (sales, moves) = (app.sale_count().await, app.movement_count().await);

    let mut tampered = refund("montreal-1", 2, &return_cart(&sale, &[], &[ReturnPick { line: 0, qty: 1 }]), &sale, RefundMethod::Cash, 1_790_000_100_000);
    // One cent more refunded before tax, the totals made to agree: Sale::verify alone cannot see it.
    let r = tampered.lines[0].return_of.as_mut().unwrap();
    r.net = Money(r.net.as_cents() - 1);
    tampered.totals = shared::sale::compute_sale_totals(&tampered.lines, &[], &TaxRates::QUEBEC).unwrap();
    tampered.tenders = refund_tenders(tampered.totals.total, RefundMethod::Cash, None).unwrap();
    tampered.verify(&TaxRates::QUEBEC).unwrap();
    let (status, body) = app.push(&[tampered]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["results"][0]["status"], "held");
    assert_eq!(body["results"][0]["hold"]["code"], "refund_mismatch");
    assert!(body["results"][0]["hold"]["message"].as_str().unwrap().contains("net refunded"), "{body}");

    let mut unknown = refund("montreal-1", 2, &return_cart(&sale, &[], &[ReturnPick { line: 1, qty: 1 }]), &sale, RefundMethod::Cash, 1_790_000_100_000);
    unknown.lines[0].return_of.as_mut().unwrap().sale_id = "no-such-sale".into();
    unknown.seq = 5;
    unknown.id = "unknown-original".into();
    unknown.receipt = receipt_number("MTL1", 1, 5);
    let (_, body) = app.push(&[unknown]).await;
    assert_eq!(body["results"][0]["hold"]["error"], "unknown_original_sale", "{body}");

    assert_eq!((app.sale_count().await, app.movement_count().await), (sales, moves), "held sales move nothing");
    assert_eq!(app.held_count().await, 2);
    assert!(conflicts(&app).await.is_empty());

    // Returned one by one, both shirts refund exactly what they cost, and a third is too many.
    let one = refund("montreal-1", 2, &return_cart(&sale, &[], &[ReturnPick { line: 0, qty: 1 }]), &sale, RefundMethod::Cash, 1_790_000_100_000);
    let two = refund("montreal-1", 3, &return_cart(&sale, std::slice::from_ref(&one), &[ReturnPick { line: 0, qty: 1 }]), &sale, RefundMethod::Cash, 1_790_000_100_001);
    assert_eq!(app.push(std::slice::from_ref(&one)).await.0, StatusCode::OK);
    assert_eq!(app.push(&[one.clone(), two.clone()]).await.0, StatusCode::OK, "a repeated return is a duplicate, not a mismatch");
    let mut three = two.clone();
    (three.id, three.seq, three.receipt) = ("third".into(), 4, receipt_number("MTL1", 1, 4));
    let (_, body) = app.push(&[three]).await;
    assert_eq!(body["results"][0]["hold"]["code"], "refund_mismatch", "{body}");
    assert!(conflicts(&app).await.is_empty());
}

#[tokio::test]
async fn a_return_made_offline_without_knowing_of_another_is_stored_and_recorded_as_a_conflict() {
    let app = app().await;
    let sale = checkout("montreal-1", 1, &cart_for(&app, JEAN, &["shirt"]), TenderKind::Card, 1_790_000_000_000);
    app.push(std::slice::from_ref(&sale)).await;
    // Montréal and Laval each take back the one shirt, neither knowing of the other.
    let here = refund("montreal-1", 2, &return_cart(&sale, &[], &[ReturnPick { line: 0, qty: 1 }]), &sale, RefundMethod::Cash, 1_790_000_100_000);
    let there = refund("laval-1", 1, &return_cart(&sale, &[], &[ReturnPick { line: 0, qty: 1 }]), &sale, RefundMethod::Cash, 1_790_000_100_000);
    assert_eq!(app.push(&[here]).await.0, StatusCode::OK);
    let (status, body) = app.push(std::slice::from_ref(&there)).await;
    assert_eq!(status, StatusCode::OK, "the customer was refunded: {body}");
    let found = conflicts(&app).await;
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "refund_mismatch");
    assert_eq!(found[0].1["receipt"], "LAV1-2-000001");
    assert_eq!(found[0].1["error"], "too_many_returned");
    // The device that made a return knows it: its own second return of the shirt is held.
    let again = refund("montreal-1", 3, &return_cart(&sale, &[], &[ReturnPick { line: 0, qty: 1 }]), &sale, RefundMethod::Cash, 1_790_000_200_000);
    assert_eq!(app.push(&[again]).await.1["results"][0]["hold"]["code"], "refund_mismatch");
}

#[tokio::test]
async fn the_purchase_history_is_newest_first_and_only_the_customers_own() {
    let app = app().await;
    let at = [1_790_000_300_000, 1_790_000_100_000, 1_790_000_200_000];
    let mine: Vec<Sale> =
        at.iter().enumerate().map(|(i, t)| checkout("montreal-1", i as u64 + 1, &cart_for(&app, MARIE, &["hat"]), TenderKind::Card, *t)).collect();
    let jeans = checkout("montreal-1", 4, &cart_for(&app, JEAN, &["shirt"]), TenderKind::Card, 1_790_000_400_000);
    app.push(&mine).await;
    app.push(&[jeans]).await;
    let s = summary(&app, MARIE).await;
    let receipts: Vec<&str> = s["history"].as_array().unwrap().iter().map(|h| h["receipt"].as_str().unwrap()).collect();
    assert_eq!(receipts, vec!["MTL1-1-000001", "MTL1-1-000003", "MTL1-1-000002"]);

    // Only the last 20 sales come with the summary.
    let more: Vec<Sale> = (5..=26)
        .map(|seq| checkout("montreal-1", seq, &cart_for(&app, MARIE, &["hat"]), TenderKind::Card, 1_790_001_000_000 + seq as i64))
        .collect();
    app.push(&more).await;
    let s = summary(&app, MARIE).await;
    assert_eq!(s["history"].as_array().unwrap().len(), 20);
    assert_eq!(s["history"][0]["receipt"], "MTL1-1-000026");
    assert_eq!(s["loyalty"]["visits"], 25, "loyalty counts every sale, not only the 20 shown");
}

#[tokio::test]
async fn payments_of_five_quintillion_cents_are_refused_and_the_account_still_answers() {
    let app = app().await;
    for (i, amount) in [5_000_000_000_000_000_000i64, shared::limits::MAX_AMOUNT.as_cents() + 1].into_iter().enumerate() {
        let (status, body) = pay(&app, MARIE, &payment(&format!("huge-{i}"), MARIE, amount, TenderKind::Card)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert!(body["message"].as_str().unwrap().contains("amount"), "{body}");
    }
    assert_eq!(app.get(&format!("/api/v1/customers/{MARIE}/summary")).await.0, StatusCode::OK);
    assert_eq!(app.get("/api/v1/customers/summaries").await.0, StatusCode::OK);
    let sale = checkout("montreal-1", 1, &cart_for(&app, MARIE, &["hat"]), TenderKind::Account, 1_790_000_000_000);
    assert_eq!(app.push(&[sale]).await.1["results"][0]["status"], "stored");
}

#[tokio::test]
async fn payments_that_would_take_a_balance_out_of_range_are_refused_and_pushes_keep_flowing() {
    let app = app().await;
    let max = shared::limits::MAX_AMOUNT.as_cents();
    assert_eq!(pay(&app, MARIE, &payment("p1", MARIE, max, TenderKind::Card)).await.0, StatusCode::CREATED);
    let (status, body) = pay(&app, MARIE, &payment("p2", MARIE, 1, TenderKind::Card)).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("balance_out_of_range")), "{body}");
    assert_eq!(pay(&app, MARIE, &payment("p1", MARIE, max, TenderKind::Card)).await.0, StatusCode::OK, "a repeat is still a duplicate");
    assert_eq!(app.get(&format!("/api/v1/customers/{MARIE}/summary")).await.0, StatusCode::OK);
    let sale = checkout("montreal-1", 1, &cart_for(&app, MARIE, &["hat"]), TenderKind::Card, 1_790_000_000_000);
    assert_eq!(app.push(&[sale]).await.1["results"][0]["status"], "stored");
}

#[tokio::test]
async fn maintained_figures_equal_what_re_summing_all_history_gives_after_sales_returns_and_payments() {
    let app = app().await;
    let t0 = 1_790_000_000_000;
    let coat = checkout("montreal-1", 1, &cart_for(&app, MARIE, &[COAT, "hat"]), TenderKind::Account, t0);
    let shirt = checkout("laval-1", 1, &cart_for(&app, MARIE, &["shirt", "shirt"]), TenderKind::Card, t0 + 10);
    let back = refund("montreal-1", 2, &return_cart(&coat, &[], &[ReturnPick { line: 0, qty: 1 }]), &coat, RefundMethod::StoreCredit, t0 + 20);
    let jean = checkout("montreal-1", 3, &cart_for(&app, JEAN, &["hat"]), TenderKind::Cash, t0 + 30);
    app.push(&[coat.clone(), back.clone(), jean]).await;
    app.push_from(LAV_DEVICE, &[shirt]).await;
    assert_eq!(pay(&app, MARIE, &payment("pay-1", MARIE, 4_321, TenderKind::Card)).await.0, StatusCode::CREATED);
    let later = checkout("montreal-1", 4, &cart_for(&app, MARIE, &["hat"]), TenderKind::Account, t0 + 40);
    app.push(&[later]).await;

    for customer in [MARIE, JEAN] {
        let s = summary(&app, customer).await;
        let entries: Vec<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT amount_cents FROM account_entries WHERE customer_id = '{customer}'")))
            .fetch_all(&app.db)
            .await
            .unwrap();
        let bodies: Vec<String> = sqlx::query_scalar("SELECT body FROM sales").fetch_all(&app.db).await.unwrap();
        let sales: Vec<Sale> = bodies.iter().map(|b| serde_json::from_str(b).unwrap()).collect();
        let loyalty = LoyaltyBalance::of(customer, &sales);
        assert_eq!(money(&s["balance"]), entries.iter().sum::<i64>(), "{customer}'s balance");
        assert_eq!(serde_json::from_value::<LoyaltyBalance>(s["loyalty"].clone()).unwrap(), loyalty, "{customer}'s loyalty");
        let listed = app.get("/api/v1/customers/summaries").await.1;
        assert_eq!(listed.as_array().unwrap().iter().find(|x| x["customer"]["id"] == customer), Some(&s));
    }
    assert_eq!(app.sale_count().await, 5, "every sale stored");
    assert!(money(&summary(&app, MARIE).await["balance"]) != 0);

    // Both orders in Rust: the two databases collate text differently.
    let mut summed: Vec<(String, String, i64)> =
        sqlx::query_as("SELECT product_id, outlet_id, CAST(SUM(delta) AS BIGINT) FROM stock_movements GROUP BY product_id, outlet_id")
            .fetch_all(&app.db)
            .await
            .unwrap();
    let mut kept: Vec<(String, String, i64)> =
        sqlx::query_as("SELECT product_id, outlet_id, qty FROM stock_levels").fetch_all(&app.db).await.unwrap();
    summed.sort();
    kept.sort();
    assert_eq!(kept, summed);
}
