//! Every list pages: a page at a time, the next page's cursor in `X-Next-Cursor`, nothing listed twice
//! or left out, and a cursor that is not the list's own is a 400.

use crate::helpers::{spawn_app, TestApp};
use axum::http::StatusCode;
use serde_json::{json, Value};

fn ids(items: &[Value], key: impl Fn(&Value) -> String) -> Vec<String> {
    items.iter().map(key).collect()
}

/// The list in one page, to compare the paged walk with.
async fn whole(app: &TestApp, path: &str) -> Vec<Value> {
    let sep = if path.contains('?') { '&' } else { '?' };
    let (status, body) = app.get(&format!("{path}{sep}limit=1000")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body.as_array().unwrap().clone()
}

#[tokio::test]
async fn the_sales_history_pages_newest_first_past_its_first_page_with_a_before_cursor() {
    let app = spawn_app().await;
    let sales: Vec<_> = (1..=7).map(|seq| app.sale(seq, &["hat"])).collect();
    // Pushed one by one and all at once: several sales share an arrival millisecond.
    app.push(&sales[..2]).await;
    app.push(&sales[2..]).await;
    let (paged, pages) = app.all_pages("/api/v1/sales", "before", 3).await;
    assert_eq!(pages, 3);
    let key = |s: &Value| s["id"].as_str().unwrap().to_string();
    assert_eq!(ids(&paged, key), ids(&whole(&app, "/api/v1/sales").await, key));
    let mut seen = ids(&paged, key);
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 7, "each sale once");
    let received: Vec<i64> = paged.iter().map(|s| s["received_at_ms"].as_i64().unwrap()).collect();
    assert!(received.windows(2).all(|w| w[0] >= w[1]), "newest first: {received:?}");
    let (by_register, _) = app.all_pages("/api/v1/sales?register_id=laval-1", "before", 3).await;
    assert!(by_register.is_empty());

    let (status, body) = app.get("/api/v1/sales?before=not-a-cursor").await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("bad_request")), "{body}");
}

#[tokio::test]
async fn conflicts_page_oldest_first_past_their_first_page() {
    let app = spawn_app().await;
    // Each sale names a customer the server does not know: stored, with a conflict.
    let sales: Vec<_> = (1..=5)
        .map(|seq| {
            let mut s = app.sale(seq, &["hat"]);
            s.customer_id = Some(format!("ghost-{seq}"));
            s
        })
        .collect();
    app.push(&sales).await;
    let (paged, pages) = app.all_pages("/api/v1/conflicts", "after", 2).await;
    assert_eq!(pages, 3);
    assert_eq!(paged, whole(&app, "/api/v1/conflicts").await);
    assert_eq!(paged.iter().map(|c| c["sale_id"].as_str().unwrap()).collect::<Vec<_>>(), sales.iter().map(|s| s.id.as_str()).collect::<Vec<_>>());
    assert!(paged.iter().all(|c| c["kind"] == "unknown_customer"));
}

#[tokio::test]
async fn held_sales_page_past_their_first_page() {
    let app = spawn_app().await;
    let sales: Vec<_> = (1..=5)
        .map(|seq| {
            let mut s = app.sale(seq, &["hat"]);
            s.receipt = format!("WRONG-{seq}");
            s
        })
        .collect();
    let (_, body) = app.push(&sales).await;
    assert!(body["results"].as_array().unwrap().iter().all(|r| r["status"] == "held"), "{body}");
    let (paged, pages) = app.all_pages("/api/v1/held", "after", 2).await;
    assert_eq!(pages, 3);
    assert_eq!(paged, whole(&app, "/api/v1/held").await);
    assert_eq!(paged.len(), 5);
}

#[tokio::test]
async fn serial_numbers_page_by_product_and_serial_past_their_first_page() {
    let app = spawn_app().await;
    let body = json!({ "product_id": "drill", "outlet_id": "montreal", "serials": "S5, S1, S4, S2, S3" }).to_string();
    assert_eq!(app.post("/api/v1/serials", body).await.0, StatusCode::CREATED);
    let (paged, pages) = app.all_pages("/api/v1/serials?product_id=drill", "after", 2).await;
    assert_eq!(pages, 3);
    assert_eq!(ids(&paged, |s| s["serial"].as_str().unwrap().into()), ["S1", "S2", "S3", "S4", "S5"]);
}

#[tokio::test]
async fn customer_summaries_page_by_name_past_their_first_page() {
    let app = spawn_app().await;
    let (paged, pages) = app.all_pages("/api/v1/customers/summaries", "after", 1).await;
    let all = whole(&app, "/api/v1/customers/summaries").await;
    assert!(all.len() >= 2);
    assert_eq!(pages, all.len());
    assert_eq!(paged, all);
}
