//! CSV import and export (issue 12): a preview, errors named by row and column, all or nothing, and a
//! round trip that changes nothing.

use crate::helpers::{spawn_app, As, TestApp, MANAGER_MTL, MTL_DEVICE};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::Value;
use shared::sync::changes::{ChangePage, Replica};
use tower::ServiceExt;

/// The file an export route answers, as text.
async fn export(app: &TestApp, who: &As, kind: &str) -> (StatusCode, String) {
    let req = Request::builder().uri(format!("/api/v1/export/{kind}.csv"));
    let req = match who {
        As::Bearer(t) => req.header("authorization", format!("Bearer {t}")),
        _ => req,
    };
    let resp = app.router.clone().oneshot(req.body(Body::empty()).unwrap()).await.unwrap();
    let status = resp.status();
    if status == StatusCode::OK {
        assert!(resp.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    }
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8(bytes.to_vec()).unwrap())
}

async fn import(app: &TestApp, who: &As, kind: &str, dry_run: bool, csv: &str) -> (StatusCode, Value) {
    let req = Request::builder().method("POST").uri(format!("/api/v1/import/{kind}?dry_run={dry_run}")).header("content-type", "text/csv; charset=utf-8");
    let req = match who {
        As::Bearer(t) => req.header("authorization", format!("Bearer {t}")),
        _ => req,
    };
    app.call(req.body(Body::from(csv.to_string())).unwrap()).await
}

fn admin(app: &TestApp) -> As {
    As::Bearer(app.admin.clone())
}

async fn product_count(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM products").fetch_one(&app.db).await.unwrap()
}

#[tokio::test]
async fn an_exported_file_imported_again_changes_nothing() {
    let app = spawn_app().await;
    app.post("/api/v1/serials", r#"{"product_id":"drill","outlet_id":"montreal","serials":"SN-1, SN-2"}"#).await;
    let head = app.store.change_head().await.unwrap();
    for kind in ["products", "customers", "serials"] {
        let (status, file) = export(&app, &admin(&app), kind).await;
        assert_eq!(status, StatusCode::OK);
        assert!(file.lines().count() > 1, "{kind}: {file}");
        let (status, report) = import(&app, &admin(&app), kind, false, &file).await;
        assert_eq!(status, StatusCode::OK, "{kind}: {report}");
        assert_eq!((report["creates"].as_u64(), report["updates"].as_u64()), (Some(0), Some(0)), "{kind}: {report}");
        assert_eq!(report["unchanged"].as_u64().unwrap() as usize, file.lines().count() - 1, "{kind}");
        assert_eq!(report["error_count"], 0);
    }
    assert_eq!(app.store.change_head().await.unwrap(), head, "nothing for the registers to pull");
}

#[tokio::test]
async fn a_preview_counts_creates_updates_and_unchanged_and_writes_nothing() {
    let app = spawn_app().await;
    let (_, file) = export(&app, &admin(&app), "products").await;
    let mut lines: Vec<String> = file.lines().map(str::to_owned).collect();
    let header = lines[0].clone();
    let shoes_line = lines.iter().position(|l| l.starts_with("shoes,")).unwrap();
    let name = app.product("shoes").name;
    lines[shoes_line] = lines[shoes_line].replacen(&format!(",{name},"), &format!(",{name} d'été,"), 1);
    lines.push("new-tea,THE-01,,\"Thé, vert\",8.99,zero_rated,false,,true,2,9".into());
    let csv = lines.join("\n");
    let before = product_count(&app).await;

    let (status, report) = import(&app, &admin(&app), "products", true, &csv).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["applied"], false);
    assert_eq!((report["creates"].as_u64(), report["updates"].as_u64()), (Some(1), Some(1)));
    assert_eq!(report["unchanged"].as_u64().unwrap() as i64, before - 1);
    let preview = report["preview"].as_array().unwrap();
    let update = preview.iter().find(|r| r["action"] == "update").unwrap();
    assert_eq!(update["row"].as_u64().unwrap() as usize, shoes_line + 1);
    assert_eq!(update["changes"][0]["field"], "name");
    assert_eq!(update["changes"][0]["after"], format!("{name} d'été"));
    assert_eq!(product_count(&app).await, before, "a preview writes nothing");

    let (status, report) = import(&app, &admin(&app), "products", false, &csv).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["applied"], true);
    assert_eq!(product_count(&app).await, before + 1);
    let tea = app.store.product("new-tea").await.unwrap().unwrap();
    assert_eq!((tea.name.as_str(), tea.price.0, tea.quick_key, tea.quick_key_position), ("Thé, vert", 899, true, Some(2)));
    // The registers pull what the import wrote, each product at a version of its own.
    let mut replica = Replica::default();
    loop {
        let (_, page) = app.send(app.device(MTL_DEVICE, None), "GET", &format!("/api/v1/sync/changes?since={}&limit=50", replica.cursor), None).await;
        let page: ChangePage = serde_json::from_value(page).unwrap();
        replica.apply(&page).unwrap();
        if !page.more {
            break;
        }
    }
    assert_eq!(replica.products["new-tea"].name, "Thé, vert");
    assert_eq!(replica.products["shoes"].name, format!("{name} d'été"));
    assert!(header.starts_with("id,sku,barcode,name,price"));
    let audits: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'file_imported'").fetch_one(&app.db).await.unwrap();
    assert_eq!(audits, 1);
}

#[tokio::test]
async fn one_bad_row_writes_nothing_and_every_error_is_named_by_row_and_column() {
    let app = spawn_app().await;
    let before = product_count(&app).await;
    let head = app.store.change_head().await.unwrap();
    let csv = "id,sku,barcode,name,price\n\
               ,OK-1,,Bon produit,1.00\n\
               ,OK-2,4006381333932,Mauvais code,2.00\n\
               ,OK-3,,,douze\n\
               shoes,OK-1,,Espadrilles,89.99\n\
               ,OK-4,,Trop de cellules,1,extra\n";
    let (status, body) = import(&app, &admin(&app), "products", false, csv).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"], "invalid_rows");
    assert!(body["message"].as_str().unwrap().contains("nothing was imported"));
    let errors: Vec<(u64, &str, &str)> = body["errors"].as_array().unwrap().iter().map(|e| (e["row"].as_u64().unwrap(), e["column"].as_str().unwrap(), e["code"].as_str().unwrap())).collect();
    assert_eq!(
        errors,
        vec![(3, "barcode", "bad_check_digit"), (4, "price", "amount_invalid"), (5, "sku", "sku_taken"), (6, "", "cell_count")]
    );
    assert_eq!(product_count(&app).await, before, "not even the good row");
    assert_eq!(app.store.change_head().await.unwrap(), head);
}

#[tokio::test]
async fn a_file_with_unknown_or_missing_columns_is_refused_in_row_one() {
    let app = spawn_app().await;
    let (status, body) = import(&app, &admin(&app), "products", true, "id,sku,colour\nx,y,z\n").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let codes: Vec<&str> = body["errors"].as_array().unwrap().iter().map(|e| e["code"].as_str().unwrap()).collect();
    assert_eq!(codes, vec!["unknown_column", "missing_column", "missing_column"]);
    assert!(body["errors"].as_array().unwrap().iter().all(|e| e["row"] == 1));
}

#[tokio::test]
async fn bad_files_get_a_json_4xx_never_a_500() {
    let app = spawn_app().await;
    // Not text/csv.
    let (status, body) = app.send(admin(&app), "POST", "/api/v1/import/products?dry_run=true", Some("{}".into())).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::UNSUPPORTED_MEDIA_TYPE, Some("unsupported_media_type")));
    // Empty.
    let (status, body) = import(&app, &admin(&app), "products", true, "").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    // Not UTF-8.
    let req = Request::builder()
        .method("POST")
        .uri("/api/v1/import/customers?dry_run=true")
        .header("content-type", "text/csv")
        .header("authorization", format!("Bearer {}", app.admin))
        .body(Body::from(b"id,name,email\nc-x,Caf\xe9,\n".to_vec()))
        .unwrap();
    let (status, body) = app.call(req).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["errors"][0]["code"], "not_utf8");
    assert_eq!(body["errors"][0]["row"], 2);
    // A bad dry_run.
    let (status, body) = app.send(admin(&app), "POST", "/api/v1/import/products?dry_run=maybe", None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    // Over the size limit: 413 with a JSON body.
    let big = format!("id,sku,name,price\n{}", "x,y,z,1\n".repeat(backend::routes::csv::MAX_IMPORT_BYTES / 8 + 1));
    let (status, body) = import(&app, &admin(&app), "products", true, &big).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert_eq!(body["error"], "payload_too_large");
}

#[tokio::test]
async fn customers_import_creates_and_renames_and_refuses_a_taken_email() {
    let app = spawn_app().await;
    let csv = "id,name,email\nc-tremblay,Marie Tremblay-Roy,marie.tremblay@example.com\n,Nouvelle Cliente,nouvelle@example.com\n";
    let (status, report) = import(&app, &admin(&app), "customers", false, csv).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!((report["creates"].as_u64(), report["updates"].as_u64()), (Some(1), Some(1)));
    let (status, body) = import(&app, &admin(&app), "customers", false, "id,name,email\n,Autre,JEAN.GAGNON@example.com\n").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["errors"][0]["code"], "email_taken");
}

#[tokio::test]
async fn a_manager_imports_serials_only_at_their_outlets_and_a_register_pulls_them() {
    let app = spawn_app().await;
    let manager = As::Bearer(app.token(MANAGER_MTL).await);
    let (status, body) = import(&app, &manager, "serials", false, "product_id,serial,outlet_id\ndrill,SN-A,montreal\ndrill,SN-B,laval\n").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!((body["errors"][0]["row"].as_u64(), body["errors"][0]["code"].as_str()), (Some(3), Some("outlet_not_yours")));
    let (status, body) = import(&app, &manager, "serials", false, "product_id,serial,outlet_id\ndrill,SN-A,montreal\n").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let mut replica = Replica::default();
    let (_, page) = app.send(app.device(MTL_DEVICE, None), "GET", "/api/v1/sync/changes?since=0&limit=1000", None).await;
    replica.apply(&serde_json::from_value::<ChangePage>(page).unwrap()).unwrap();
    assert!(replica.serials.contains_key(&("drill".to_string(), "SN-A".to_string())));
    // The export shows a manager their outlets' serials only.
    app.post("/api/v1/serials", r#"{"product_id":"drill","outlet_id":"laval","serials":"SN-L"}"#).await;
    let (_, file) = export(&app, &manager, "serials").await;
    assert!(file.contains("SN-A") && !file.contains("SN-L"), "{file}");
}

#[tokio::test]
async fn a_cashier_may_neither_import_nor_export() {
    let app = spawn_app().await;
    app.post("/api/v1/staff", r#"{"name":"Caissière","email":"caisse@test.example","role":"cashier","outlets":["montreal"],"password":"caisse-mtl-2026"}"#).await;
    let cashier = As::Bearer(app.token(("caisse@test.example", "caisse-mtl-2026")).await);
    assert_eq!(export(&app, &cashier, "products").await.0, StatusCode::FORBIDDEN);
    assert_eq!(import(&app, &cashier, "products", true, "id,sku,name,price\n").await.0, StatusCode::FORBIDDEN);
}
