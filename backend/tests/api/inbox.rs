//! The held-sales-and-conflicts inbox (issue 12, item 4): every held sale, held operation, conflict and
//! stock level below zero with what happened and what to do; a resolution is recorded once, audited,
//! seen by devices through the change log, and never deletes or silently edits a sale.

use crate::helpers::{spawn_app, As, TestApp, MANAGER_MTL, MTL_DEVICE};
use axum::http::StatusCode;
use serde_json::{json, Value};
use shared::account::AccountPayment;
use shared::sale::{Cart, Sale, Tender, TenderKind};
use shared::sync::{OpBody, Operation};
use shared::tax::TaxRates;
use shared::Money;

async fn inbox(app: &TestApp, query: &str) -> Vec<Value> {
    let (status, body) = app.get(&format!("/api/v1/inbox{query}")).await;
    assert_eq!(status, StatusCode::OK, "{query}: {body}");
    body.as_array().unwrap().clone()
}

fn find<'a>(items: &'a [Value], kind: &str) -> &'a Value {
    items.iter().find(|i| i["kind"] == kind).unwrap_or_else(|| panic!("no {kind} in {items:?}"))
}

async fn resolve(app: &TestApp, who: As, item: &str, body: Value) -> (StatusCode, Value) {
    app.send(who, "POST", &format!("/api/v1/inbox/{item}/resolve"), Some(body.to_string())).await
}

fn admin(app: &TestApp) -> As {
    As::Bearer(app.admin.clone())
}

/// A sale of a hat below the catalog price with no override: held `price_without_override`.
fn underpriced(app: &TestApp, seq: u64) -> Sale {
    let mut cart = Cart::default();
    cart.add(&app.product("shoes"));
    cart.lines[0].unit_price = Money(1_000);
    let mut s = app.sale(seq, &["shoes"]);
    s.lines = cart.lines.clone();
    s.totals = cart.totals(&TaxRates::QUEBEC).unwrap();
    s.tenders = vec![shared::sale::settle_cash(s.totals.total, Money(100_000)).unwrap().tender()];
    s
}

/// Two registers sold serial A1; four hats sold where three were (Montréal); a payment for a customer
/// the server does not know (held); a sale under the catalog price (held).
async fn troubled_shop() -> TestApp {
    let app = spawn_app().await;
    app.post("/api/v1/serials", json!({"product_id": "drill", "outlet_id": "montreal", "serials": "A1"}).to_string()).await;
    let mut first = app.sale(1, &["drill"]);
    first.lines[0].serials = vec!["A1".into()];
    let mut second = app.sale(2, &["drill"]);
    second.lines[0].serials = vec!["A1".into()];
    let hats = app.sale(3, &["hat", "hat", "hat", "hat"]);
    let held = underpriced(&app, 4);
    let (_, body) = app.push(&[first, second, hats, held]).await;
    assert_eq!(body["results"][3]["hold"]["code"], "price_without_override", "{body}");
    let op = Operation {
        id: "pay-1".into(),
        device_id: MTL_DEVICE.into(),
        made_at_ms: 1_700_000_000_000,
        cashier_id: "julie".into(),
        body: OpBody::AccountPayment {
            payment: AccountPayment {
                id: "pay-1".into(),
                customer_id: "c-nobody".into(),
                register_id: "montreal-1".into(),
                amount: Money(500),
                tenders: vec![Tender::exact(TenderKind::Card, Money(500))],
                ..AccountPayment::default()
            },
        },
    };
    let push = json!({ "device_id": MTL_DEVICE, "sales": [], "ops": [op] }).to_string();
    let (status, body) = app.send(app.device(MTL_DEVICE, None), "POST", "/api/v1/sync/push", Some(push)).await;
    assert_eq!((status, body["ops"][0]["status"].as_str()), (StatusCode::OK, Some("held")), "{body}");
    app
}

#[tokio::test]
async fn the_inbox_lists_each_held_sale_held_operation_conflict_and_stock_level_below_zero_with_what_to_do() {
    let app = troubled_shop().await;
    let items = inbox(&app, "").await;
    assert_eq!(items.len(), 4, "{items:#?}");

    let held = find(&items, "held_sale");
    assert_eq!(held["code"], "price_without_override");
    assert_eq!(held["suggested"], "accept_with_override");
    assert_eq!(held["state"], "open");
    assert_eq!(held["receipt"], "MTL1-1-000004");
    assert!(held["what"]["fr"].as_str().unwrap().contains("retenue") && held["what"]["en"].as_str().unwrap().contains("held"), "{held}");

    let conflict = find(&items, "conflict");
    assert_eq!((conflict["code"].as_str(), conflict["suggested"].as_str()), (Some("serial_sold_twice"), Some("acknowledge")));
    assert_eq!(conflict["detail"]["serial"], "A1");
    assert!(conflict["what"]["en"].as_str().unwrap().starts_with("Serial number sold twice"));

    let stock = find(&items, "stock_below_zero");
    assert_eq!((stock["id"].as_str(), stock["level"].as_i64()), (Some("stock_below_zero:montreal:hat"), Some(-1)));
    assert_eq!(stock["suggested"], "stock_correction");

    let op = find(&items, "held_operation");
    assert_eq!((op["code"].as_str(), op["outlet_id"].as_str()), (Some("unknown_customer"), Some("montreal")));
    assert_eq!(op["detail"]["operation"]["id"], "pay-1");

    assert_eq!(inbox(&app, "?kind=conflict").await.len(), 1);
    assert_eq!(inbox(&app, "?outlet=laval").await.len(), 0);
    assert_eq!(inbox(&app, "?state=resolved").await.len(), 0);
    let (paged, pages) = app.all_pages("/api/v1/inbox", "cursor", 1).await;
    assert_eq!((paged.len(), pages), (4, 4), "one item a page, each once");
}

#[tokio::test]
async fn accepting_a_held_sale_records_the_managers_override_stores_it_once_and_audits_it() {
    let app = troubled_shop().await;
    let manager = As::Bearer(app.token(MANAGER_MTL).await);
    let item = find(&inbox(&app, "?kind=held_sale").await, "held_sale")["id"].as_str().unwrap().to_string();
    let before = app.sale_count().await;
    let body = json!({"resolution_id": "res-1", "action": "accept_with_override", "note": "prix de la circulaire"});

    let (status, first) = resolve(&app, manager.clone(), &item, body.clone()).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_eq!((first["duplicate"].as_bool(), first["resolution"]["closes"].as_bool()), (Some(false), Some(true)));
    assert_eq!(first["item"]["state"], "resolved");
    let (status, again) = resolve(&app, manager.clone(), &item, body).await;
    assert_eq!((status, again["duplicate"].as_bool()), (StatusCode::OK, Some(true)), "{again}");
    assert_eq!(again["resolution"], first["resolution"], "the same resolution, once");
    assert_eq!(app.sale_count().await, before + 1, "stored once");

    let (_, d) = app.get("/api/v1/sales/sale-mtl-4").await;
    let o = &d["overrides"][0];
    assert_eq!((o["by"].as_str(), o["reason"].as_str()), (Some("gerante-mtl"), Some("prix de la circulaire")), "{d}");
    assert_eq!(d["sale"]["lines"][0]["unit_price"], 1_000, "the price the customer paid stays");
    let (_, audit) = app.get("/api/v1/audit?limit=50").await;
    let actions: Vec<&str> = audit.as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert!(actions.contains(&"inbox_resolved") && actions.contains(&"price_override"), "{actions:?}");

    assert!(inbox(&app, "?kind=held_sale").await.is_empty());
    let resolved = inbox(&app, "?state=resolved").await;
    assert_eq!(resolved.len(), 1);
    assert_eq!(resolved[0]["resolution"]["resolution_id"], "res-1");
    // The held copy stays on file, resolved: nothing deleted.
    let held: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM held_sales").fetch_one(&app.db).await.unwrap();
    assert_eq!(held, 1);

    let (status, other) = resolve(&app, manager, &item, json!({"resolution_id": "res-2", "action": "close", "note": "encore"})).await;
    assert_eq!((status, other["error"].as_str()), (StatusCode::CONFLICT, Some("already_resolved")));
}

#[tokio::test]
async fn a_stock_correction_moves_the_level_to_what_was_counted_and_devices_see_it_in_the_change_log() {
    let app = troubled_shop().await;
    // Catch up first, as a register would: what follows is only what the correction changed.
    let mut since = 0;
    loop {
        let (_, p) = app.get(&format!("/api/v1/sync/changes?since={since}&limit=1000")).await;
        since = p["next"].as_u64().unwrap();
        if p["more"] != true {
            break;
        }
    }
    let body = json!({"resolution_id": "count-1", "action": "stock_correction", "counted": 2, "note": "recompté"});
    let (status, r) = resolve(&app, admin(&app), "stock_below_zero:montreal:hat", body).await;
    assert_eq!(status, StatusCode::OK, "{r}");
    assert_eq!(r["resolution"]["outcome"], json!({"delta": 3, "level": 2}));
    assert_eq!(app.level("montreal", "hat").await, 2);
    assert!(inbox(&app, "?kind=stock_below_zero").await.is_empty());

    let (status, page) = app.send(app.device(MTL_DEVICE, None), "GET", &format!("/api/v1/sync/changes?since={since}"), None).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let changes = page["changes"].as_array().unwrap();
    assert!(
        changes.iter().any(|c| c["entity"]["kind"] == "stock" && c["entity"]["product_id"] == "hat" && c["entity"]["level"] == 2),
        "{changes:?}"
    );
    assert!(
        changes.iter().any(|c| c["entity"]["kind"] == "inbox_resolution" && c["entity"]["resolution_id"] == "count-1"),
        "the resolution itself: {changes:?}"
    );
}

#[tokio::test]
async fn a_conflict_is_acknowledged_with_a_note_and_a_note_alone_leaves_an_item_open() {
    let app = troubled_shop().await;
    let conflict = find(&inbox(&app, "").await, "conflict")["id"].as_str().unwrap().to_string();
    let (status, r) = resolve(&app, admin(&app), &conflict, json!({"resolution_id": "n-1", "action": "add_note", "note": "client appelé"})).await;
    assert_eq!((status, r["resolution"]["closes"].as_bool()), (StatusCode::OK, Some(false)), "{r}");
    let open = find(&inbox(&app, "").await, "conflict").clone();
    assert_eq!(open["notes"][0]["note"], "client appelé");
    let (status, _) = resolve(&app, admin(&app), &conflict, json!({"resolution_id": "a-1", "action": "acknowledge", "note": "unité retrouvée"})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(app.get("/api/v1/conflicts").await.1[0]["resolved"], true);
    let op = find(&inbox(&app, "").await, "held_operation")["id"].as_str().unwrap().to_string();
    let (status, _) = resolve(&app, admin(&app), &op, json!({"resolution_id": "c-1", "action": "close", "note": "refait à la caisse"})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(inbox(&app, "").await.len(), 2, "the held sale and the stock level remain");
}

#[tokio::test]
async fn a_cashier_cannot_open_the_inbox_and_a_manager_sees_only_their_outlets() {
    let app = troubled_shop().await;
    let body = r#"{"name":"Caissière","email":"caisse@test.example","role":"cashier","outlets":["montreal"],"password":"caisse-mtl-2026"}"#;
    assert_eq!(app.post("/api/v1/staff", body).await.0, StatusCode::CREATED);
    let cashier = As::Bearer(app.token(("caisse@test.example", "caisse-mtl-2026")).await);
    let (status, _) = app.send(cashier.clone(), "GET", "/api/v1/inbox", None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let resolution = json!({"resolution_id": "x", "action": "acknowledge", "note": "n"}).to_string();
    let (status, _) = app.send(cashier, "POST", "/api/v1/inbox/conflict:1/resolve", Some(resolution.clone())).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // At the register, the cashier switched in is not staff signed in: no inbox there either.
    let (status, _) = app.send(app.device(MTL_DEVICE, Some("julie")), "POST", "/api/v1/inbox/conflict:1/resolve", Some(resolution)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.conflict_count().await, 1);

    // Laval's own trouble: eleven hats sold where ten were.
    let laval = app.laval_sale(1, &["hat"; 11]);
    app.push_from(crate::helpers::LAV_DEVICE, &[laval]).await;
    let manager = As::Bearer(app.token(MANAGER_MTL).await);
    let (status, body) = app.send(manager.clone(), "GET", "/api/v1/inbox", None).await;
    assert_eq!(status, StatusCode::OK);
    let outlets: Vec<&str> = body.as_array().unwrap().iter().map(|i| i["outlet_id"].as_str().unwrap()).collect();
    assert_eq!(outlets, ["montreal"; 4], "{body}");
    assert_eq!(inbox(&app, "?outlet=laval").await.len(), 1, "the admin sees Laval's");
    let (status, _) = app.send(manager.clone(), "GET", "/api/v1/inbox?outlet=laval", None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let body = json!({"resolution_id": "r", "action": "stock_correction", "counted": 0});
    let (status, _) = resolve(&app, manager, "stock_below_zero:laval:hat", body).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "not the manager's to see");
}

#[tokio::test]
async fn bad_resolutions_are_refused_with_a_clear_error_and_write_nothing() {
    let app = troubled_shop().await;
    let conflict = find(&inbox(&app, "").await, "conflict")["id"].as_str().unwrap().to_string();
    let cases = [
        ("nonsense", json!({"resolution_id": "r", "action": "acknowledge", "note": "n"}), StatusCode::BAD_REQUEST, "bad_request"),
        ("conflict:0", json!({"resolution_id": "r", "action": "acknowledge", "note": "n"}), StatusCode::BAD_REQUEST, "bad_request"),
        ("conflict:999", json!({"resolution_id": "r", "action": "acknowledge", "note": "n"}), StatusCode::NOT_FOUND, "not_found"),
        (conflict.as_str(), json!({"resolution_id": "r", "action": "explode", "note": "n"}), StatusCode::BAD_REQUEST, "bad_request"),
        (conflict.as_str(), json!({"resolution_id": "r", "action": "acknowledge"}), StatusCode::UNPROCESSABLE_ENTITY, "note_required"),
        (conflict.as_str(), json!({"resolution_id": "r", "action": "retry", "note": "n"}), StatusCode::UNPROCESSABLE_ENTITY, "not_allowed"),
        (conflict.as_str(), json!({"resolution_id": "", "action": "acknowledge", "note": "n"}), StatusCode::UNPROCESSABLE_ENTITY, "out_of_range"),
        (conflict.as_str(), json!({"action": "acknowledge", "note": "n"}), StatusCode::BAD_REQUEST, "bad_request"),
        ("stock_below_zero:montreal:hat", json!({"resolution_id": "r", "action": "stock_correction"}), StatusCode::UNPROCESSABLE_ENTITY, "out_of_range"),
        ("stock_below_zero:montreal:hat", json!({"resolution_id": "r", "action": "stock_correction", "counted": -4}), StatusCode::UNPROCESSABLE_ENTITY, "out_of_range"),
    ];
    for (item, body, status, code) in cases {
        let (got, answer) = resolve(&app, admin(&app), item, body.clone()).await;
        assert_eq!((got, answer["error"].as_str()), (status, Some(code)), "{item} {body}: {answer}");
        assert!(answer["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM inbox_resolutions").fetch_one(&app.db).await.unwrap();
    assert_eq!(n, 0);
    assert_eq!(app.level("montreal", "hat").await, -1);
    let (status, _) = app.get("/api/v1/inbox?state=closed").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = app.get("/api/v1/inbox?cursor=zz").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // A resolution id used for something else is refused, not applied.
    let (status, _) = resolve(&app, admin(&app), &conflict, json!({"resolution_id": "same", "action": "add_note", "note": "un"})).await;
    assert_eq!(status, StatusCode::OK);
    let (status, answer) = resolve(&app, admin(&app), &conflict, json!({"resolution_id": "same", "action": "acknowledge", "note": "deux"})).await;
    assert_eq!((status, answer["error"].as_str()), (StatusCode::CONFLICT, Some("resolution_id_reused")));
}

#[tokio::test]
async fn a_held_online_order_is_retried_through_the_orders_retry_and_stays_open_while_it_is_held_again() {
    use crate::online_orders::{connect, deliver, woo_order};
    let app = spawn_app().await;
    let conn = connect(&app, "https://shop.example").await;
    let (_, outcome) = deliver(&app, &conn, &woo_order(750, &[("NOT-IN-CATALOG", 1, "5.00")])).await;
    assert_eq!(outcome["code"], "unknown_sku");
    let items = inbox(&app, "?kind=held_online_order").await;
    let held = find(&items, "held_online_order");
    assert_eq!((held["code"].as_str(), held["suggested"].as_str(), held["outlet_id"].as_str()), (Some("unknown_sku"), Some("retry"), Some("montreal")));
    assert_eq!(held["detail"]["external_id"], "750");
    let id = held["id"].as_str().unwrap().to_string();

    let manager = As::Bearer(app.token(MANAGER_MTL).await);
    let retry = json!({"resolution_id": "retry-1", "action": "retry"});
    let (status, r) = resolve(&app, manager.clone(), &id, retry.clone()).await;
    assert_eq!(status, StatusCode::OK, "{r}");
    assert_eq!((r["resolution"]["closes"].as_bool(), r["resolution"]["outcome"]["outcome"].as_str()), (Some(false), Some("held")));
    let (_, again) = resolve(&app, manager.clone(), &id, retry).await;
    assert_eq!(again["duplicate"], true, "{again}");
    let still = inbox(&app, "?kind=held_online_order").await;
    assert_eq!(still.len(), 1);
    assert_eq!(still[0]["notes"][0]["resolution_id"], "retry-1");

    let (status, _) = resolve(&app, manager, &id, json!({"resolution_id": "close-1", "action": "close", "note": "commande annulée avec le client"})).await;
    assert_eq!(status, StatusCode::OK);
    assert!(inbox(&app, "?kind=held_online_order").await.is_empty());
    assert!(app.get("/api/v1/held/orders").await.1.as_array().unwrap().is_empty());
    let kept: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM held_online_orders").fetch_one(&app.db).await.unwrap();
    assert_eq!(kept, 1, "kept on file, resolved");
}
