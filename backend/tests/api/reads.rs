use crate::helpers::{spawn_app, As, MANAGER_MTL, MTL_DEVICE};
use serde_json::json;
use axum::http::StatusCode;

#[tokio::test]
async fn stored_sales_are_listed_newest_first_with_their_receipts() {
    let app = spawn_app().await;
    app.push(&[app.sale(1, &["shirt"])]).await;
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    app.push(&[app.sale(2, &["hat"])]).await;
    let (status, body) = app.get("/api/v1/sales").await;
    assert_eq!(status, StatusCode::OK);
    let receipts: Vec<&str> = body.as_array().unwrap().iter().map(|s| s["receipt"].as_str().unwrap()).collect();
    assert_eq!(receipts, ["MTL1-1-000002", "MTL1-1-000001"]);
}

#[tokio::test]
async fn the_catalog_comes_in_pages_that_cover_every_product_once() {
    let app = spawn_app().await;
    let mut seen = Vec::new();
    let mut after = String::new();
    loop {
        let (status, page) = app.get(&format!("/api/v1/catalog?limit=7&after={after}")).await;
        assert_eq!(status, StatusCode::OK);
        seen.extend(page["products"].as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap().to_string()));
        match page["next_after"].as_str() {
            Some(next) => after = next.to_string(),
            None => break,
        }
    }
    assert_eq!(seen.len(), app.products.len());
    seen.dedup();
    assert_eq!(seen.len(), app.products.len());
}

#[tokio::test]
async fn setup_lists_three_outlets_in_priority_order_and_a_register_for_each() {
    let app = spawn_app().await;
    let (_, setup) = app.get("/api/v1/setup").await;
    let outlets: Vec<&str> = setup["outlets"].as_array().unwrap().iter().map(|o| o["name"].as_str().unwrap()).collect();
    assert_eq!(outlets, ["Montréal", "Sherbrooke", "Laval"]);
    assert_eq!(setup["registers"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn an_unknown_api_route_answers_404_in_json() {
    let app = spawn_app().await;
    let (status, body) = app.get("/api/v1/nothing-here").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"], "not_found");
}

#[tokio::test]
async fn the_database_file_keeps_sales_across_a_restart_and_migrations_are_idempotent() {
    let database = crate::helpers::TestDb::new().await;
    // A SQLite file's folders are made when missing.
    let url = match database.kind {
        crate::helpers::Kind::Sqlite => format!("sqlite://{}", database.dir.path().join("nested/folder/shop.sqlite").display()),
        crate::helpers::Kind::Postgres => database.url.clone(),
    };
    let store = backend::store::connect(&url).await.unwrap();
    assert!(store.is_empty().await.unwrap());
    store.load_shop(&backend::demo::demo_shop()).await.unwrap();
    store.close().await;
    drop(store);
    let again = backend::store::connect(&url).await.unwrap();
    assert!(!again.is_empty().await.unwrap());
}

#[tokio::test]
async fn setup_hands_out_no_sequence_a_stranger_could_take() {
    let app = spawn_app().await;
    app.push(&[app.sale(1, &["shirt"]), app.sale(2, &["hat"])]).await;
    let (_, setup) = app.get("/api/v1/setup").await;
    assert!(setup.get("next_seq").is_none(), "{setup}");
}

#[tokio::test]
async fn stock_may_go_negative_and_a_negative_level_is_flagged() {
    let app = spawn_app().await;
    // Montréal holds 3 hats (seed 002); a sale of 4 is never refused.
    let sale = app.sale(1, &["hat", "hat", "hat", "hat"]);
    let (status, _) = app.push(&[sale]).await;
    assert_eq!(status, StatusCode::OK);
    let (_, levels) = app.get("/api/v1/stock?outlet=montreal").await;
    let hat = levels.as_array().unwrap().iter().find(|l| l["product_id"] == "hat").unwrap().clone();
    assert_eq!(hat["level"], -1);
    assert_eq!(hat["negative"], true);
    let shirt = levels.as_array().unwrap().iter().find(|l| l["product_id"] == "shirt").unwrap().clone();
    assert_eq!(shirt["negative"], false);
}

#[tokio::test]
async fn the_end_of_day_report_of_a_register_adds_up_its_sales_to_the_cent() {
    let app = spawn_app().await;
    // The helper's sales are dated 2023-11-14 around 17:13 in Montréal.
    let sales = [app.sale(1, &["shirt", "hat"]), app.sale(2, &["shoes"])];
    app.push(&sales).await;
    let (status, z) = app.get("/api/v1/reports/z?register=montreal-1&date=2023-11-14&opening_float=10000").await;
    assert_eq!(status, StatusCode::OK, "{z}");
    assert_eq!(z["sale_count"], 2);
    let total: i64 = sales.iter().map(|s| s.totals.total.as_cents()).sum();
    assert_eq!(z["total"], total);
    let cash: i64 = sales.iter().map(|s| s.tenders[0].amount.as_cents()).sum();
    assert_eq!(z["expected_cash"], 10000 + cash, "opening float + cash taken (rounded), change already given back");

    let (_, outlet) = app.get("/api/v1/reports/z?outlet=montreal&date=2023-11-14").await;
    assert_eq!(outlet["sale_count"], 2);
    let (_, other_day) = app.get("/api/v1/reports/z?register=montreal-1&date=2023-11-15").await;
    assert_eq!(other_day["sale_count"], 0);
}

#[tokio::test]
async fn a_drawer_count_is_recorded_against_the_days_report_kept_beside_a_recount_and_audited() {
    let app = spawn_app().await;
    let sales = [app.sale(1, &["shirt", "hat"]), app.sale(2, &["shoes"])];
    app.push(&sales).await;
    let cash: i64 = sales.iter().map(|s| s.tenders[0].amount.as_cents()).sum();
    let manager = As::Bearer(app.token(MANAGER_MTL).await);
    let count = |counted: i64| json!({"register": "montreal-1", "date": "2023-11-14", "opening_float": 10000, "counted": counted}).to_string();

    // Five cents short of the float and the cash taken.
    let (status, first) = app.send(manager.clone(), "POST", "/api/v1/reports/z/count", Some(count(10000 + cash - 5))).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    assert_eq!((first["expected"].as_i64(), first["difference"].as_i64()), (Some(10000 + cash), Some(-5)));
    assert_eq!(first["scope"], json!({"kind": "register", "id": "montreal-1"}));
    // A recount finds the five cents: kept beside the first, newest first, on the day's report.
    let (status, _) = app.send(manager.clone(), "POST", "/api/v1/reports/z/count", Some(count(10000 + cash))).await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, z) = app.send(manager.clone(), "GET", "/api/v1/reports/z?register=montreal-1&date=2023-11-14&opening_float=10000", None).await;
    let counts = z["counts"].as_array().unwrap();
    assert_eq!(counts.iter().map(|c| c["difference"].as_i64().unwrap()).collect::<Vec<_>>(), [0, -5]);
    assert!(counts.iter().all(|c| c["counted_by"] != "" && c["date"] == "2023-11-14"), "{z}");
    // Another day, or the outlet's own report, has none of them.
    let (_, other) = app.get("/api/v1/reports/z?register=montreal-1&date=2023-11-15").await;
    assert_eq!(other["counts"], json!([]));
    let (_, outlet) = app.get("/api/v1/reports/z?outlet=montreal&date=2023-11-14").await;
    assert_eq!(outlet["counts"], json!([]));
    let (_, audit) = app.get("/api/v1/audit?action=cash_counted").await;
    assert_eq!(audit.as_array().unwrap().len(), 2, "{audit}");

    // Refused, nothing recorded: another outlet's register, a count out of range, no scope, a bad day,
    // a register alone with its cashier.
    let laval = json!({"register": "laval-1", "date": "2023-11-14", "counted": 100}).to_string();
    assert_eq!(app.send(manager.clone(), "POST", "/api/v1/reports/z/count", Some(laval)).await.0, StatusCode::FORBIDDEN);
    for bad in [
        json!({"register": "montreal-1", "date": "2023-11-14", "counted": i64::MAX}),
        json!({"date": "2023-11-14", "counted": 100}),
        json!({"register": "montreal-1", "date": "14/11/2023", "counted": 100}),
        json!({"register": "montreal-1", "date": "2023-11-14", "counted": "cent"}),
    ] {
        let (status, body) = app.send(manager.clone(), "POST", "/api/v1/reports/z/count", Some(bad.to_string())).await;
        assert!(status.is_client_error() && body["message"].is_string(), "{bad}: {status} {body}");
    }
    let (status, _) = app.send(app.device(MTL_DEVICE, None), "POST", "/api/v1/reports/z/count", Some(count(1))).await;
    assert!(status == StatusCode::FORBIDDEN || status == StatusCode::UNAUTHORIZED, "{status}");
    let (_, audit) = app.get("/api/v1/audit?action=cash_counted").await;
    assert_eq!(audit.as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn an_end_of_day_report_without_a_scope_or_a_valid_date_is_a_400_that_says_why() {
    let app = spawn_app().await;
    let (status, body) = app.get("/api/v1/reports/z?date=2023-11-14").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["message"].as_str().unwrap().contains("register"));
    let (status, body) = app.get("/api/v1/reports/z?register=montreal-1&date=14/11/2023").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["message"].as_str().unwrap().contains("YYYY-MM-DD"));
}
