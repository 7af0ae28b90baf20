//! Catalogue › Produits (issue 12): creating, editing and searching products, every refusal, and a
//! change reaching the registers through the pull.

use crate::helpers::{spawn_app, As, TestApp, MANAGER_MTL, MTL_DEVICE};
use axum::http::StatusCode;
use serde_json::{json, Value};
use shared::barcode::ean13;
use shared::catalog::Product;
use shared::sync::changes::{ChangePage, Replica};

/// Pulls every change since the replica's cursor as Montréal's register does (other tests use it too).
pub(crate) async fn pull(app: &TestApp, replica: &mut Replica) {
    loop {
        let (status, body) = app.send(app.device(MTL_DEVICE, None), "GET", &format!("/api/v1/sync/changes?since={}&limit=1000", replica.cursor), None).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let page: ChangePage = serde_json::from_value(body).unwrap();
        replica.apply(&page).unwrap();
        if !page.more {
            return;
        }
    }
}

async fn patch(app: &TestApp, who: As, id: &str, body: Value) -> (StatusCode, Value) {
    app.send(who, "PATCH", &format!("/api/v1/products/{id}"), Some(body.to_string())).await
}

fn admin(app: &TestApp) -> As {
    As::Bearer(app.admin.clone())
}

async fn audit_details(app: &TestApp, action: &str) -> Vec<String> {
    sqlx::query_scalar("SELECT detail FROM audit_log WHERE action = $1 ORDER BY id").bind(action).fetch_all(&app.db).await.unwrap()
}

#[tokio::test]
async fn a_manager_creates_a_product_that_the_next_pull_brings_to_the_registers() {
    let app = spawn_app().await;
    let mut replica = Replica::default();
    pull(&app, &mut replica).await;
    let manager = As::Bearer(app.token(MANAGER_MTL).await);
    let barcode = ean13("077000000777").unwrap();
    let body = json!({"sku": "THE-VERT", "barcode": barcode, "name": "Thé vert", "price": 899, "tax_class": "zero_rated", "low_stock_threshold": 3, "loyalty_points": 9, "quick_key": true, "quick_key_position": 2});
    let (status, created) = app.send(manager, "POST", "/api/v1/products", Some(body.to_string())).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("p-"), "an id the server chose: {id}");

    pull(&app, &mut replica).await;
    let pulled = &replica.products[&id];
    assert_eq!((pulled.name.as_str(), pulled.price.0, pulled.barcode.as_deref()), ("Thé vert", 899, Some(barcode.as_str())));
    assert_eq!((pulled.quick_key, pulled.quick_key_position), (true, Some(2)));
    assert_eq!(audit_details(&app, "product_created").await.len(), 1);

    // Its place on the pad: 0 is no place (422 naming the field, nothing written); `null` unplaces it.
    let (status, body) = patch(&app, admin(&app), &id, json!({"quick_key_position": 0})).await;
    assert_eq!((status, body["fields"][0]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("quick_key_position")), "{body}");
    let (status, body) = patch(&app, admin(&app), &id, json!({"quick_key_position": null})).await;
    assert_eq!((status, body["quick_key_position"].is_null()), (StatusCode::OK, true), "{body}");
    pull(&app, &mut replica).await;
    assert_eq!(replica.products[&id].quick_key_position, None);
}

#[tokio::test]
async fn a_price_change_reaches_the_registers_and_sales_made_before_it_keep_the_old_price() {
    let app = spawn_app().await;
    let mut replica = Replica::default();
    pull(&app, &mut replica).await;
    let old = app.product("shoes").price;
    let (status, edited) = patch(&app, admin(&app), "shoes", json!({"price": old.0 + 500})).await;
    assert_eq!(status, StatusCode::OK, "{edited}");
    assert_eq!(edited["price"], old.0 + 500);

    let before = replica.cursor;
    pull(&app, &mut replica).await;
    assert!(replica.cursor > before);
    assert_eq!(replica.products["shoes"].price.0, old.0 + 500, "the register now sells at the new price");

    // A sale rung up offline before the change, at the old price, is still accepted as is.
    let (status, pushed) = app.push(&[app.sale(1, &["shoes"])]).await;
    assert_eq!(status, StatusCode::OK, "{pushed}");
    assert_eq!(pushed["results"][0]["status"], "stored", "{pushed}");
    let detail = audit_details(&app, "product_changed").await;
    assert_eq!(detail.len(), 1);
    assert!(detail[0].starts_with("changed: price"), "{detail:?}");
}

#[tokio::test]
async fn turning_serial_numbers_off_keeps_every_recorded_serial() {
    let app = spawn_app().await;
    let body = json!({"product_id": "drill", "outlet_id": "montreal", "serials": "SN-1, SN-2"}).to_string();
    let (status, added) = app.post("/api/v1/serials", body).await;
    assert_eq!(status, StatusCode::CREATED, "{added}");
    let (status, edited) = patch(&app, admin(&app), "drill", json!({"tracks_serials": false})).await;
    assert_eq!(status, StatusCode::OK, "{edited}");
    assert_eq!(edited["tracks_serials"], false);
    let (_, serials) = app.get("/api/v1/serials?product_id=drill").await;
    let listed: Vec<&str> = serials.as_array().unwrap().iter().map(|s| s["serial"].as_str().unwrap()).collect();
    assert_eq!(listed, vec!["SN-1", "SN-2"]);
}

#[tokio::test]
async fn every_bad_field_is_named_and_nothing_is_written() {
    let app = spawn_app().await;
    let before: Product = serde_json::from_value(app.get("/api/v1/products/shoes").await.1).unwrap();
    let (status, body) = patch(&app, admin(&app), "shoes", json!({"name": " ", "barcode": "4006381333932", "price": -5, "loyalty_points": 2_000_000, "low_stock_threshold": -1})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"], "invalid_product");
    let fields: Vec<&str> = body["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    assert_eq!(fields, vec!["name", "barcode", "price", "low_stock_threshold", "loyalty_points"]);
    let after: Product = serde_json::from_value(app.get("/api/v1/products/shoes").await.1).unwrap();
    assert_eq!(before, after);

    let (status, body) = app.post("/api/v1/products", json!({"sku": "X", "name": "X", "price": 100, "barcode": "12345"}).to_string()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["fields"][0]["code"], "not_a_gtin");
}

#[tokio::test]
async fn a_body_of_the_wrong_shape_is_a_400_naming_the_field() {
    let app = spawn_app().await;
    for (body, names) in [
        (r#"{"id": "other"}"#, "id"),
        (r#"{"price": "douze"}"#, "price"),
        (r#"{"tax_class": "luxury"}"#, "tax_class"),
        ("not json", "JSON"),
    ] {
        let (status, answer) = patch(&app, admin(&app), "shoes", serde_json::from_str(body).unwrap_or(Value::String(body.into()))).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {answer}");
        assert!(answer["message"].as_str().unwrap().contains(names), "{body}: {answer}");
    }
    let (status, _) = patch(&app, admin(&app), "no-such-product", json!({"price": 1})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_sku_or_barcode_another_product_has_is_a_409_naming_it() {
    let app = spawn_app().await;
    let shoes = app.product("shoes");
    let drill = app.product("drill");
    let (status, body) = app.post("/api/v1/products", json!({"sku": shoes.sku, "name": "Copie", "price": 100}).to_string()).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"], "sku_taken");
    assert_eq!(body["collisions"][0]["product_id"], "shoes");

    let (status, body) = patch(&app, admin(&app), "drill", json!({"barcode": shoes.barcode})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"], "barcode_taken");
    assert_eq!(body["collisions"][0]["field"], "barcode");
    assert_eq!(app.store.product("drill").await.unwrap().unwrap().barcode, drill.barcode, "nothing written");

    let (status, body) = app.post("/api/v1/products", json!({"id": "shoes", "sku": "NEW", "name": "Nouveau", "price": 100}).to_string()).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::CONFLICT, Some("id_taken")));
}

#[tokio::test]
async fn an_edit_that_changes_nothing_writes_nothing_for_the_registers() {
    let app = spawn_app().await;
    let head = app.store.change_head().await.unwrap();
    let shoes = app.product("shoes");
    let (status, _) = patch(&app, admin(&app), "shoes", json!({"name": shoes.name, "price": shoes.price})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(app.store.change_head().await.unwrap(), head);
    assert!(audit_details(&app, "product_changed").await.is_empty());
}

#[tokio::test]
async fn a_cashier_and_a_device_may_not_create_or_edit_products() {
    let mut app = spawn_app().await;
    let (status, body) = app.post("/api/v1/staff", r#"{"name":"Caissière","email":"caisse@test.example","role":"cashier","outlets":["montreal"],"password":"caisse-mtl-2026"}"#).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let cashier = As::Bearer(app.token(("caisse@test.example", "caisse-mtl-2026")).await);
    let create = json!({"sku": "NOPE", "name": "Non", "price": 1}).to_string();
    assert_eq!(app.send(cashier.clone(), "POST", "/api/v1/products", Some(create.clone())).await.0, StatusCode::FORBIDDEN);
    assert_eq!(patch(&app, cashier.clone(), "shoes", json!({"price": 1})).await.0, StatusCode::FORBIDDEN);
    assert_eq!(app.send(cashier, "GET", "/api/v1/products", None).await.0, StatusCode::FORBIDDEN);
    let device = app.device(MTL_DEVICE, Some("julie"));
    assert_eq!(app.send(device, "POST", "/api/v1/products", Some(create)).await.0, StatusCode::UNAUTHORIZED);
    app.products = app.store.catalog_page(None, 1000).await.unwrap().products;
    assert!(app.products.iter().all(|p| p.sku != "NOPE"));
}

#[tokio::test]
async fn the_search_finds_by_name_sku_or_barcode_filters_and_pages_by_name() {
    let app = spawn_app().await;
    let drill = app.product("drill");
    let ids = |body: &Value| body.as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap().to_string()).collect::<Vec<_>>();
    let (_, by_name) = app.get("/api/v1/products?q=PERCEUSE").await;
    assert_eq!(ids(&by_name), vec!["drill"]);
    let (_, by_sku) = app.get(&format!("/api/v1/products?q={}", &drill.sku[..3])).await;
    assert!(ids(&by_sku).contains(&"drill".to_string()));
    let (_, by_barcode) = app.get(&format!("/api/v1/products?q={}", drill.barcode.as_deref().unwrap())).await;
    assert_eq!(ids(&by_barcode), vec!["drill"]);
    let (_, serial_ones) = app.get("/api/v1/products?has_serials=true").await;
    assert_eq!(ids(&serial_ones), vec!["drill"]);
    let (_, exempt) = app.get("/api/v1/products?tax_class=exempt").await;
    assert!(exempt.as_array().unwrap().iter().all(|p| p["tax_class"] == "exempt") && !ids(&exempt).is_empty());
    // `%` and `_` are characters, not wildcards.
    let (_, percent) = app.get("/api/v1/products?q=70%20%25").await;
    let names: Vec<&str> = percent.as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(names, vec!["Chocolat noir 70 %"]);
    let (_, none) = app.get("/api/v1/products?q=_").await;
    assert!(ids(&none).is_empty());

    // Low stock at an outlet: at or below the threshold there.
    let level = app.level("montreal", "drill").await;
    patch(&app, admin(&app), "drill", json!({"low_stock_threshold": level})).await;
    let (status, low) = app.get("/api/v1/products?low_stock=true&outlet=montreal").await;
    assert_eq!(status, StatusCode::OK, "{low}");
    assert!(ids(&low).contains(&"drill".to_string()));
    let (status, _) = app.get("/api/v1/products?low_stock=true").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let (all, pages) = app.all_pages("/api/v1/products", "cursor", 3).await;
    assert_eq!(all.len(), app.products.len());
    assert!(pages > 2);
    let names: Vec<&str> = all.iter().map(|p| p["name"].as_str().unwrap()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "by name, page after page");
}

#[tokio::test]
async fn a_manager_may_not_ask_for_low_stock_at_another_outlet() {
    let app = spawn_app().await;
    let manager = As::Bearer(app.token(MANAGER_MTL).await);
    let (status, body) = app.send(manager, "GET", "/api/v1/products?low_stock=true&outlet=laval", None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
}

#[tokio::test]
async fn a_control_character_in_a_search_or_an_id_is_a_4xx_on_either_database() {
    let app = spawn_app().await;
    assert_eq!(app.get("/api/v1/products?q=caf%00").await.0, StatusCode::BAD_REQUEST);
    assert_eq!(app.get("/api/v1/products?low_stock=true&outlet=mtl%00").await.0, StatusCode::BAD_REQUEST);
    assert_eq!(app.get("/api/v1/products/dr%00ill").await.0, StatusCode::NOT_FOUND);
    assert_eq!(patch(&app, admin(&app), "dr%00ill", json!({"price": 1})).await.0, StatusCode::NOT_FOUND);
    let csv = "product_id,serial,outlet_id\ndr\u{0}ill,SN-1,montreal\n";
    let req = axum::http::Request::builder()
        .method("POST")
        .uri("/api/v1/import/serials?dry_run=false")
        .header("content-type", "text/csv")
        .header("authorization", format!("Bearer {}", app.admin))
        .body(axum::body::Body::from(csv))
        .unwrap();
    let (status, body) = app.call(req).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["errors"][0]["code"], "unknown_product");
}
