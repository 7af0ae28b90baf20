use crate::helpers::spawn_app;
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
    let (status, body) = app.post("/api/v1/sync/push", "{\"register_id\": \"montreal-1\", \"sales\": [").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "bad_request");
    assert!(body["message"].as_str().unwrap().contains("invalid JSON"));
    let (status, body) = app.post("/api/v1/sync/push", "{\"sales\": 3}").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["message"].as_str().unwrap().contains("register_id") || body["message"].as_str().unwrap().contains("sales"));
    assert_eq!(app.sale_count().await, 0);
}

#[tokio::test]
async fn an_unknown_product_refuses_the_whole_push_and_names_the_product() {
    let app = spawn_app().await;
    let good = app.sale(1, &["shirt"]);
    let mut bad = app.sale(2, &["hat"]);
    bad.lines[0].product_id = "no-such-thing".into();
    let (status, body) = app.push(&[good, bad]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"], "unknown_product");
    assert_eq!(body["seq"], 2);
    assert!(body["message"].as_str().unwrap().contains("no-such-thing"));
    assert_eq!(app.sale_count().await, 0, "nothing of a refused push is written");
    assert_eq!(app.movement_count().await, 0);
}

#[tokio::test]
async fn totals_that_do_not_match_the_lines_are_refused() {
    let app = spawn_app().await;
    let mut sale = app.sale(1, &["shirt", "hat"]);
    sale.totals.total = Money(sale.totals.total.as_cents() - 100);
    sale.tenders[0].amount = sale.totals.total;
    let (status, body) = app.push(&[sale]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"], "totals_mismatch");
    assert!(body["message"].as_str().unwrap().contains("total"), "{body}");

    let mut sale = app.sale(1, &["shirt"]);
    sale.totals.taxes[1].amount = Money(0);
    let (status, body) = app.push(&[sale]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["message"].as_str().unwrap().contains("qst"), "{body}");
    assert_eq!(app.sale_count().await, 0);
}

#[tokio::test]
async fn a_sale_whose_tenders_do_not_pay_it_is_refused() {
    let app = spawn_app().await;
    let mut sale = app.sale(1, &["shirt"]);
    sale.tenders[0].amount = Money(100);
    sale.tenders[0].change = Money(sale.tenders[0].tendered.as_cents() - 100);
    let (status, body) = app.push(&[sale]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"], "unpaid");
}

#[tokio::test]
async fn an_unknown_register_or_a_foreign_sale_is_refused() {
    let app = spawn_app().await;
    let body = serde_json::json!({ "register_id": "nowhere-9", "sales": [app.sale(1, &["shirt"])] });
    let (status, resp) = app.post("/api/v1/sync/push", body.to_string()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(resp["error"], "unknown_register");

    let mut sale = app.sale(1, &["shirt"]);
    sale.outlet_id = "laval".into();
    let (status, resp) = app.push(&[sale]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(resp["error"], "wrong_outlet");
    assert_eq!(app.sale_count().await, 0);
}

#[tokio::test]
async fn another_sale_under_a_sequence_already_used_is_a_conflict_and_changes_nothing() {
    let app = spawn_app().await;
    app.push(&[app.sale(1, &["shirt"])]).await;
    let mut other = app.sale(1, &["hat"]);
    other.id = "a-different-sale".into();
    let (status, body) = app.push(&[app.sale(2, &["hat"]), other]).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["seq"], 1);
    assert_eq!(app.sale_count().await, 1, "sale 2 of the refused push was rolled back");
}

#[tokio::test]
async fn the_server_recomputes_taxes_for_zero_rated_and_gst_only_products() {
    let app = spawn_app().await;
    let book = app.products.iter().find(|p| p.tax_class == shared::tax::TaxClass::GstOnly).unwrap().id.clone();
    let syrup = app.products.iter().find(|p| p.tax_class == shared::tax::TaxClass::ZeroRated).unwrap().id.clone();
    let (status, body) = app.push(&[app.sale(1, &[&book, &syrup])]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}
