//! Serial numbers (seed 000): the comma list, duplicates, the trash icon, the list's filters, a serial's
//! history, and what synced sales and returns do to serials — a paid sale is never refused because of one.

use crate::helpers::{spawn_app, As, TestApp, LAV_DEVICE, MANAGER_MTL};
use axum::http::StatusCode;
use serde_json::{json, Value};

async fn add(app: &TestApp, product: &str, outlet: &str, serials: &str) -> (StatusCode, Value) {
    app.post("/api/v1/serials", json!({ "product_id": product, "outlet_id": outlet, "serials": serials }).to_string())
        .await
}

async fn listed(app: &TestApp, query: &str) -> Vec<String> {
    let (status, body) = app.get(&format!("/api/v1/serials{query}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body.as_array().unwrap().iter().map(|s| format!("{}/{}", s["product_id"].as_str().unwrap(), s["serial"].as_str().unwrap())).collect()
}

async fn serial(app: &TestApp, product: &str, serial: &str) -> Value {
    let (_, body) = app.get(&format!("/api/v1/serials?product_id={product}")).await;
    body.as_array().unwrap().iter().find(|s| s["serial"] == serial).cloned().unwrap_or(Value::Null)
}

#[tokio::test]
async fn a_comma_list_adds_one_row_per_serial_with_spaces_trimmed_and_empty_entries_ignored() {
    let app = spawn_app().await;
    let (status, body) = add(&app, "drill", "montreal", "SN-1, SN-2 , ,SN-3").await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let rows = body.as_array().unwrap();
    assert_eq!(rows.iter().map(|r| r["serial"].as_str().unwrap()).collect::<Vec<_>>(), ["SN-1", "SN-2", "SN-3"]);
    assert!(rows.iter().all(|r| r["product_id"] == "drill" && r["outlet_id"] == "montreal" && r["sold_on"].is_null()));
    assert_eq!(listed(&app, "").await, ["drill/SN-1", "drill/SN-2", "drill/SN-3"]);
}

#[tokio::test]
async fn a_serial_entered_twice_in_the_list_is_refused_by_name_and_nothing_is_added() {
    let app = spawn_app().await;
    let (status, body) = add(&app, "drill", "montreal", "B1, B2, B1").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"], "serial_duplicates");
    assert_eq!(body["repeated_in_list"], json!(["B1"]));
    let message = body["message"].as_str().unwrap();
    assert!(message.contains("B1") && !message.contains("B2"), "{message}");
    assert!(listed(&app, "").await.is_empty());
}

#[tokio::test]
async fn serials_already_on_file_for_the_product_are_refused_by_name_and_nothing_is_half_added() {
    let app = spawn_app().await;
    add(&app, "drill", "montreal", "A1, A2").await;
    let (status, body) = add(&app, "drill", "laval", "A2, A9, A1").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"], "serial_duplicates");
    assert_eq!(body["already_registered"], json!(["A1", "A2"]));
    let message = body["message"].as_str().unwrap();
    assert!(message.contains("A1, A2") && !message.contains("A9"), "{message}");
    assert_eq!(listed(&app, "").await, ["drill/A1", "drill/A2"], "A9 was not added");
}

#[tokio::test]
async fn the_same_serial_may_be_registered_for_two_different_products() {
    let app = spawn_app().await;
    assert_eq!(add(&app, "drill", "montreal", "X1").await.0, StatusCode::CREATED);
    assert_eq!(add(&app, "shirt", "montreal", "X1").await.0, StatusCode::CREATED);
    assert_eq!(listed(&app, "").await, ["drill/X1", "shirt/X1"]);
}

#[tokio::test]
async fn an_empty_list_an_unknown_product_or_outlet_and_a_malformed_body_are_refused_with_json_errors() {
    let app = spawn_app().await;
    let (status, body) = add(&app, "drill", "montreal", " , ,").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"], "serial_empty");

    let (status, body) = add(&app, "no-such-product", "montreal", "A1").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"], "unknown_product");
    assert!(body["message"].as_str().unwrap().contains("no-such-product"));

    let (status, body) = add(&app, "drill", "nowhere", "A1").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"], "unknown_outlet");

    let (status, body) = app.post("/api/v1/serials", r#"{"product_id": "drill", "serials": 3}"#).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "bad_request");
    assert!(listed(&app, "").await.is_empty());
}

#[tokio::test]
async fn a_deleted_serial_is_gone_and_deleting_it_again_is_a_404() {
    let app = spawn_app().await;
    add(&app, "drill", "montreal", "SN-1, SN 2/B").await;
    let (status, _) = app.delete("/api/v1/serials/drill/SN%202%2FB").await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(listed(&app, "").await, ["drill/SN-1"]);
    let (status, body) = app.delete("/api/v1/serials/drill/SN%202%2FB").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"], "not_found");
}

#[tokio::test]
async fn a_sold_serial_stays_on_file_until_deleted() {
    let app = spawn_app().await;
    add(&app, "drill", "montreal", "SN-1").await;
    let mut sale = app.sale(1, &["drill"]);
    sale.lines[0].serials = vec!["SN-1".into()];
    app.push(&[sale]).await;
    assert!(!serial(&app, "drill", "SN-1").await["sold_on"].is_null());
    assert_eq!(app.delete("/api/v1/serials/drill/SN-1").await.0, StatusCode::NO_CONTENT);
    assert!(listed(&app, "").await.is_empty());
    assert_eq!(app.sale_count().await, 1, "deleting a serial leaves its sale alone");
}

#[tokio::test]
async fn a_pushed_sale_with_serials_marks_them_sold_with_the_sale_and_its_time() {
    let app = spawn_app().await;
    add(&app, "drill", "montreal", "A1, A2, A3").await;
    let mut sale = app.sale(1, &["drill", "drill"]);
    sale.lines[0].serials = vec!["A1".into(), "A3".into()];
    let (status, body) = app.push(&[sale.clone()]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    for s in ["A1", "A3"] {
        let row = serial(&app, "drill", s).await;
        assert_eq!(row["sold_on"], json!({ "sale_id": sale.id, "at_ms": sale.created_at_ms }), "{s}");
    }
    assert!(serial(&app, "drill", "A2").await["sold_on"].is_null(), "A2 is still in stock");
    assert_eq!(app.conflict_count().await, 0);
}

#[tokio::test]
async fn a_serial_not_on_file_in_a_pushed_sale_is_added_and_sold() {
    let app = spawn_app().await;
    let mut sale = app.sale(1, &["drill"]);
    sale.lines[0].serials = vec!["NEW-9".into()];
    let (status, body) = app.push(&[sale.clone()]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let row = serial(&app, "drill", "NEW-9").await;
    assert_eq!(row["outlet_id"], "montreal");
    assert_eq!(row["sold_on"]["sale_id"], sale.id.as_str());
    assert_eq!(app.conflict_count().await, 0);
}

#[tokio::test]
async fn selling_a_serial_registered_at_another_outlet_moves_it_to_the_selling_outlet() {
    let app = spawn_app().await;
    add(&app, "drill", "sherbrooke", "A1").await;
    let mut sale = app.sale(1, &["drill"]);
    sale.lines[0].serials = vec!["A1".into()];
    app.push(&[sale]).await;
    assert_eq!(serial(&app, "drill", "A1").await["outlet_id"], "montreal");
}

#[tokio::test]
async fn the_same_serial_sold_by_two_registers_keeps_both_sales_and_records_one_conflict() {
    let app = spawn_app().await;
    add(&app, "drill", "montreal", "A1").await;
    let mut first = app.sale(1, &["drill"]);
    first.lines[0].serials = vec!["A1".into()];
    let mut second = app.laval_sale(1, &["drill"]);
    second.lines[0].serials = vec!["A1".into()];

    assert_eq!(app.push(&[first.clone()]).await.0, StatusCode::OK);
    let (status, body) = app.push(&[second.clone()]).await;
    assert_eq!(status, StatusCode::OK, "the second sale is a fact too: {body}");
    assert_eq!(body["results"][0]["status"], "stored");
    assert_eq!(app.sale_count().await, 2);

    let row = serial(&app, "drill", "A1").await;
    assert_eq!(row["sold_on"]["sale_id"], first.id.as_str(), "the first record is kept");
    let (status, conflicts) = app.get("/api/v1/conflicts").await;
    assert_eq!(status, StatusCode::OK);
    let conflicts = conflicts.as_array().unwrap();
    assert_eq!(conflicts.len(), 1, "{conflicts:?}");
    let c = &conflicts[0];
    assert_eq!(c["kind"], "serial_sold_twice");
    assert_eq!(c["sale_id"], second.id.as_str());
    assert_eq!(c["resolved"], false);
    assert_eq!(c["detail"]["serial"], "A1");
    assert_eq!(c["detail"]["product_id"], "drill");
    assert_eq!(c["detail"]["first_sale_id"], first.id.as_str());
    assert_eq!(c["detail"]["second_sale_id"], second.id.as_str());

    // The second register retrying its push changes nothing.
    assert_eq!(app.push(&[second]).await.1["results"][0]["status"], "duplicate");
    assert_eq!(app.conflict_count().await, 1);
}

#[tokio::test]
async fn a_return_puts_the_unit_back_in_stock_at_the_returning_outlet() {
    let app = spawn_app().await;
    add(&app, "drill", "laval", "A1, A2").await;
    let mut sale = app.sale(1, &["drill", "drill"]);
    sale.lines[0].serials = vec!["A1".into(), "A2".into()];
    app.push(&[sale.clone()]).await;

    let mut ret = app.return_sale(2, &sale, 0, 1);
    ret.lines[0].serials = vec!["A2".into()];
    let (status, body) = app.push(&[ret.clone()]).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let a2 = serial(&app, "drill", "A2").await;
    assert!(a2["sold_on"].is_null(), "back in stock: {a2}");
    assert_eq!(a2["outlet_id"], "montreal");
    assert_eq!(a2["returned_on"]["return_sale_id"], ret.id.as_str());
    assert_eq!(a2["returned_on"]["original_sale_id"], sale.id.as_str());
    assert_eq!(serial(&app, "drill", "A1").await["sold_on"]["sale_id"], sale.id.as_str(), "A1 is still sold");
    assert_eq!(app.conflict_count().await, 0);

    // Back in stock, it can be sold again.
    let mut again = app.sale(3, &["drill"]);
    again.lines[0].serials = vec!["A2".into()];
    app.push(&[again.clone()]).await;
    assert_eq!(serial(&app, "drill", "A2").await["sold_on"]["sale_id"], again.id.as_str());
    assert_eq!(app.conflict_count().await, 0);
}

#[tokio::test]
async fn a_return_of_a_unit_the_original_sale_did_not_sell_is_stored_and_recorded_as_a_conflict() {
    let app = spawn_app().await;
    add(&app, "drill", "montreal", "A1, A2").await;
    let mut first = app.sale(1, &["drill"]);
    first.lines[0].serials = vec!["A1".into()];
    let mut other = app.sale(2, &["drill"]);
    other.lines[0].serials = vec!["A2".into()];
    app.push(&[first.clone(), other.clone()]).await;

    let mut ret = app.return_sale(3, &first, 0, 1);
    ret.lines[0].serials = vec!["A2".into()];
    let (status, body) = app.push(&[ret.clone()]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(app.sale_count().await, 3);
    assert_eq!(serial(&app, "drill", "A2").await["sold_on"]["sale_id"], other.id.as_str(), "A2 is untouched");

    let (_, conflicts) = app.get("/api/v1/conflicts").await;
    let c = &conflicts[0];
    assert_eq!(c["kind"], "serial_return_mismatch");
    assert_eq!(c["sale_id"], ret.id.as_str());
    assert_eq!(c["detail"]["serial"], "A2");
    assert_eq!(c["detail"]["original_sale_id"], first.id.as_str());
    assert_eq!(c["detail"]["sold_in"], other.id.as_str());
}

#[tokio::test]
async fn the_list_filters_by_product_and_by_outlet_and_is_sorted_by_product_then_serial() {
    let app = spawn_app().await;
    add(&app, "shirt", "laval", "Z9, C3").await;
    add(&app, "drill", "montreal", "B2, A1").await;
    add(&app, "drill", "laval", "M5").await;
    assert_eq!(listed(&app, "").await, ["drill/A1", "drill/B2", "drill/M5", "shirt/C3", "shirt/Z9"]);
    assert_eq!(listed(&app, "?product_id=drill").await, ["drill/A1", "drill/B2", "drill/M5"]);
    assert_eq!(listed(&app, "?outlet_id=laval").await, ["drill/M5", "shirt/C3", "shirt/Z9"]);
    assert_eq!(listed(&app, "?product_id=drill&outlet_id=laval").await, ["drill/M5"]);
    assert_eq!(listed(&app, "?product_id=&outlet_id=").await.len(), 5, "empty filters filter nothing");
}

#[tokio::test]
async fn the_list_filters_sold_or_in_stock_and_by_part_of_the_serial_in_any_case() {
    let app = spawn_app().await;
    add(&app, "drill", "montreal", "AB-100, ab-200, XY-300, 50%_off, 50AB_off").await;
    add(&app, "shirt", "laval", "ab-900").await;
    let mut sale = app.sale(1, &["drill"]);
    sale.lines[0].serials = vec!["AB-100".into()];
    assert_eq!(app.push(&[sale]).await.0, StatusCode::OK);

    assert_eq!(listed(&app, "?sold=true").await, ["drill/AB-100"]);
    assert_eq!(listed(&app, "?sold=false").await, ["drill/50%_off", "drill/50AB_off", "drill/XY-300", "drill/ab-200", "shirt/ab-900"]);
    assert_eq!(listed(&app, "?q=aB").await, ["drill/50AB_off", "drill/AB-100", "drill/ab-200", "shirt/ab-900"], "contains, any case");
    // `%` and `_` are what was typed, not wildcards.
    assert_eq!(listed(&app, "?q=%25").await, ["drill/50%_off"]);
    assert_eq!(listed(&app, "?q=0_").await, Vec::<String>::new());
    assert_eq!(listed(&app, "?q=%20ab%20&sold=false&product_id=drill").await, ["drill/50AB_off", "drill/ab-200"], "trimmed, with the others");
    assert_eq!(listed(&app, "?q=ab&outlet_id=laval").await, ["shirt/ab-900"]);
    assert_eq!(listed(&app, "?q=%20%20").await.len(), 6, "a blank search filters nothing");

    // Page by page, the cursor keeps the filters' order.
    let (paged, pages) = app.all_pages("/api/v1/serials?q=ab", "after", 1).await;
    let paged: Vec<&str> = paged.iter().map(|s| s["serial"].as_str().unwrap()).collect();
    assert_eq!((paged, pages), (vec!["50AB_off", "AB-100", "ab-200", "ab-900"], 4));

    // A register sees its outlet's only.
    let (status, body) = app.send(app.device(LAV_DEVICE, Some("marc")), "GET", "/api/v1/serials?q=ab", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body.as_array().unwrap().iter().map(|s| s["serial"].as_str().unwrap()).collect::<Vec<_>>(), ["ab-900"]);

    for (query, name) in [("sold=maybe", "sold"), ("q=a%00b", "q"), (&*format!("q={}", "x".repeat(200)), "q")] {
        let (status, body) = app.get(&format!("/api/v1/serials?{query}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
        assert_eq!(body["error"], "bad_request");
        assert!(body["message"].as_str().unwrap().contains(name), "{body}");
    }
}

async fn history(app: &TestApp, who: As, product: &str, serial: &str) -> (StatusCode, Value) {
    app.send(who, "GET", &format!("/api/v1/serials/{product}/{serial}/history"), None).await
}

/// Each event as `kind outlet sale`.
fn events(body: &Value) -> Vec<String> {
    body.as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|e| format!("{} {} {}", e["kind"].as_str().unwrap(), e["outlet_id"].as_str().unwrap(), e["sale_id"].as_str().unwrap_or("-")))
        .collect()
}

#[tokio::test]
async fn a_serial_history_lists_received_sold_returned_and_deleted_in_order_and_outlives_the_serial() {
    let app = spawn_app().await;
    let admin = || As::Bearer(app.admin.clone());
    add(&app, "drill", "laval", "SN-1, SN-2").await;
    let mut sale = app.sale(1, &["drill"]);
    sale.lines[0].serials = vec!["SN-1".into()];
    assert_eq!(app.push(&[sale.clone()]).await.0, StatusCode::OK);
    let mut ret = app.return_sale(2, &sale, 0, 1);
    ret.lines[0].serials = vec!["SN-1".into()];
    assert_eq!(app.push(&[ret.clone()]).await.0, StatusCode::OK);
    assert_eq!(app.delete("/api/v1/serials/drill/SN-1").await.0, StatusCode::NO_CONTENT);

    let (status, body) = history(&app, admin(), "drill", "SN-1").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // Sold at Montréal: the unit moved with its sale, so no move of its own.
    let sold = format!("sold montreal {}", sale.id);
    let returned = format!("returned montreal {}", ret.id);
    assert_eq!(events(&body), ["received laval -", &sold, &returned, "deleted montreal -"]);
    let at: Vec<i64> = body.as_array().unwrap().iter().map(|e| e["at_ms"].as_i64().unwrap()).collect();
    assert_eq!((at[1], at[2]), (sale.created_at_ms, ret.created_at_ms), "a sale's and a return's own times");
    assert!(at[0] > 1_750_000_000_000 && at[3] >= at[0], "received and deleted on the server's clock: {at:?}");
    assert!(body.as_array().unwrap().iter().all(|e| e["product_id"] == "drill" && e["serial"] == "SN-1"));
    assert!(serial(&app, "drill", "SN-1").await.is_null(), "the serial is gone, its history is not");

    // A serial still at Laval: Montréal's manager may not read it; a serial never on file is a 404.
    assert_eq!(events(&history(&app, admin(), "drill", "SN-2").await.1), ["received laval -"]);
    let manager = As::Bearer(app.token(MANAGER_MTL).await);
    let (status, body) = history(&app, manager.clone(), "drill", "SN-2").await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::FORBIDDEN, Some("forbidden")), "{body}");
    assert_eq!(history(&app, manager, "drill", "SN-1").await.0, StatusCode::OK, "last at Montréal");
    let (status, body) = history(&app, admin(), "drill", "NOPE").await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")), "{body}");
    assert!(body["message"].as_str().unwrap().contains("NOPE"));
    assert_eq!(history(&app, admin(), "dr%00ill", "SN-1").await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_serial_first_named_by_a_sale_and_one_fixed_by_hand_say_so_in_their_history() {
    let app = spawn_app().await;
    let mut sale = app.sale(1, &["drill"]);
    sale.lines[0].serials = vec!["NEW-9".into()];
    assert_eq!(app.push(&[sale.clone()]).await.0, StatusCode::OK);
    let body = history(&app, As::Bearer(app.admin.clone()), "drill", "NEW-9").await.1;
    assert_eq!(events(&body), ["received montreal -".to_string(), format!("sold montreal {}", sale.id)]);

    // A fix by hand in a database shell: the triggers record it too. The sale cleared is a return
    // with no sale; a move with no sale is a move; writing the same again records nothing.
    for _ in 0..2 {
        sqlx::query("UPDATE serials SET sold_sale_id = NULL, sold_at_ms = NULL, outlet_id = 'sherbrooke' WHERE serial = 'NEW-9'")
            .execute(&app.db)
            .await
            .unwrap();
    }
    let body = history(&app, As::Bearer(app.admin.clone()), "drill", "NEW-9").await.1;
    let sold = format!("sold montreal {}", sale.id);
    assert_eq!(events(&body), ["received montreal -", &sold, "returned sherbrooke -"], "where the unit is now: no move");
    sqlx::query("UPDATE serials SET outlet_id = 'laval' WHERE serial = 'NEW-9'").execute(&app.db).await.unwrap();
    let body = history(&app, As::Bearer(app.admin.clone()), "drill", "NEW-9").await.1;
    assert_eq!(events(&body)[3..], ["moved laval -"]);
}
