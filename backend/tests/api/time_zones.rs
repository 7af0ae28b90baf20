//! Reports cut days where the outlet's clock does: its IANA time zone, not the server's.

use crate::helpers::*;
use axum::http::StatusCode;

#[tokio::test]
async fn a_z_report_counts_a_sale_in_the_day_of_its_outlets_time_zone() {
    let app = spawn_app().await;
    sqlx::query("UPDATE outlets SET time_zone = 'America/Vancouver' WHERE id = 'laval'").execute(&app.db).await.unwrap();
    // 2026-11-23T06:00Z: 01:00 on the 23rd in Montréal, 22:00 on the 22nd in Vancouver.
    let at = 1_795_413_600_000;
    let mut laval = app.laval_sale(1, &["hat"]);
    laval.created_at_ms = at;
    let mut montreal = app.sale(1, &["hat"]);
    montreal.created_at_ms = at;
    for sale in [laval, montreal] {
        let (status, body) = app.push(&[sale]).await;
        assert_eq!((status, body["results"][0]["status"].as_str()), (StatusCode::OK, Some("stored")), "{body}");
    }
    let count = |outlet: &'static str, date: &'static str| {
        let app = &app;
        async move {
            let (status, z) = app.get(&format!("/api/v1/reports/z?outlet={outlet}&date={date}")).await;
            assert_eq!(status, StatusCode::OK, "{z}");
            z["sale_count"].as_u64().unwrap()
        }
    };
    assert_eq!((count("laval", "2026-11-22").await, count("laval", "2026-11-23").await), (1, 0));
    assert_eq!((count("montreal", "2026-11-22").await, count("montreal", "2026-11-23").await), (0, 1));
}

#[tokio::test]
async fn a_statement_month_follows_the_outlet_named() {
    let app = spawn_app().await;
    sqlx::query("UPDATE outlets SET time_zone = 'America/Vancouver' WHERE id = 'laval'").execute(&app.db).await.unwrap();
    let (status, mtl) = app.get("/api/v1/customers/c-tremblay/statement?year=2026&month=11").await;
    assert_eq!(status, StatusCode::OK, "{mtl}");
    let (_, lav) = app.get("/api/v1/customers/c-tremblay/statement?year=2026&month=11&outlet=laval").await;
    // November starts at 04:00Z in Montréal (EDT) and at 07:00Z in Vancouver (PDT).
    assert_eq!(mtl["period"]["from_ms"], 1_793_505_600_000i64, "{mtl}");
    assert_eq!(lav["period"]["from_ms"], 1_793_516_400_000i64, "{lav}");
    let (status, body) = app.get("/api/v1/customers/c-tremblay/statement?year=2026&month=11&outlet=nowhere").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
}
