//! The OpenAPI document: served, complete (every route the router serves), and stating the ranges of
//! `shared::limits` — the same constants the server checks.

use crate::helpers::spawn_app;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::Value;
use shared::limits::*;
use tower::ServiceExt;

/// `(METHOD, path)` of every route the router is built from (its table).
fn routes_in_source() -> Vec<(String, String)> {
    let routes: Vec<(String, String)> = backend::routes::table::table().into_iter().map(|r| (r.method.to_string(), r.path.to_string())).collect();
    assert!(routes.len() >= 30, "the table has {routes:?}");
    routes
}

async fn document() -> Value {
    let app = spawn_app().await;
    let (status, doc) = app.get("/api/v1/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    doc
}

#[tokio::test]
async fn the_document_is_openapi_3_1_json() {
    let doc = document().await;
    assert_eq!(doc["openapi"], "3.1.0");
    assert!(doc["paths"].as_object().unwrap().len() >= 15);
    assert!(doc["components"]["schemas"]["Sale"].is_object());
    // Every reference resolves.
    let text = doc.to_string();
    for r in text.split("\"$ref\":\"").skip(1) {
        let name = r.split('"').next().unwrap().strip_prefix("#/components/schemas/").expect("refs point at components");
        assert!(doc["components"]["schemas"][name].is_object(), "unresolved $ref {name}");
    }
}

#[tokio::test]
async fn the_document_lists_every_route_the_router_serves_and_no_other() {
    let doc = document().await;
    let documented = backend::openapi::operations();
    let served = routes_in_source();
    for (method, path) in &served {
        assert!(documented.contains(&(method.clone(), path.clone())), "{method} {path} is served but not in the OpenAPI document");
    }
    for op in &documented {
        assert!(served.contains(op), "{op:?} is documented but not in the route table");
    }
    // And each documented operation reaches a handler (not the API's 404 fallback, not 405).
    let app = spawn_app().await;
    for (method, path) in &documented {
        let uri = path.replace("{id}", "x").replace("{product_id}", "x").replace("{serial}", "x");
        assert_eq!(doc["paths"][path][method.to_lowercase()]["responses"].is_object(), true);
        let req = Request::builder()
            .method(Method::from_bytes(method.as_bytes()).unwrap())
            .uri(&uri)
            .header("content-type", "application/json")
            .body(Body::from("{}"))
            .unwrap();
        let resp = app.router.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let body = resp.into_body().collect().await.unwrap().to_bytes();
        assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
        assert!(!String::from_utf8_lossy(&body).contains("no such API route"), "{method} {path} is documented but not routed");
    }
}

#[tokio::test]
async fn ranges_are_the_shared_limits() {
    let doc = document().await;
    let s = &doc["components"]["schemas"];
    let prop = |schema: &str, field: &str| s[schema]["properties"][field].clone();
    assert_eq!(prop("Sale", "seq")["maximum"], MAX_SEQ);
    assert_eq!(prop("Sale", "seq")["minimum"], 1);
    assert_eq!(prop("Sale", "created_at_ms")["maximum"], MAX_TIME_MS);
    assert_eq!(prop("Sale", "lines")["maxItems"], MAX_LINES);
    assert_eq!(prop("Sale", "tenders")["maxItems"], MAX_PARTS);
    assert_eq!(prop("Sale", "id")["maxLength"], MAX_ID_LEN);
    assert_eq!(prop("PushRequest", "sales")["maxItems"], MAX_SALES_PER_PUSH);
    assert_eq!(prop("PushRequest", "sales")["items"]["$ref"], "#/components/schemas/Sale");
    assert_eq!(prop("SaleLine", "qty")["minimum"], -MAX_QTY);
    assert_eq!(prop("SaleLine", "qty")["maximum"], MAX_QTY);
    assert_eq!(prop("SaleLine", "unit_price")["maximum"], MAX_UNIT_PRICE.as_cents());
    assert_eq!(prop("SaleLine", "loyalty_points")["maximum"], MAX_POINTS);
    assert_eq!(prop("SaleLine", "name")["maxLength"], MAX_TEXT_LEN);
    assert_eq!(prop("Tender", "amount")["maximum"], MAX_AMOUNT.as_cents());
    assert_eq!(prop("Tender", "amount")["minimum"], -MAX_AMOUNT.as_cents());
    assert_eq!(prop("AccountPayment", "amount")["minimum"], 1);
    assert_eq!(prop("AccountPayment", "amount")["maximum"], MAX_AMOUNT.as_cents());
    assert_eq!(prop("Redemption", "units")["maximum"], MAX_POINTS);
    let z = doc["paths"]["/api/v1/reports/z"]["get"]["parameters"].as_array().unwrap();
    let float = z.iter().find(|p| p["name"] == "opening_float").unwrap();
    assert_eq!(float["schema"]["maximum"], MAX_AMOUNT.as_cents());
}

/// Every integer anywhere in the document has a minimum and a maximum.
#[tokio::test]
async fn every_number_on_the_wire_has_a_range() {
    fn walk(v: &Value, at: &str, missing: &mut Vec<String>) {
        match v {
            Value::Object(o) => {
                let numeric = |t: &Value| t == "integer" || t == "number";
                let is_num = match o.get("type") {
                    Some(Value::Array(ts)) => ts.iter().any(numeric),
                    Some(t) => numeric(t),
                    None => false,
                };
                if is_num && (!o.contains_key("minimum") || !o.contains_key("maximum")) {
                    missing.push(at.to_string());
                }
                for (k, c) in o {
                    walk(c, &format!("{at}/{k}"), missing);
                }
            }
            Value::Array(a) => a.iter().enumerate().for_each(|(i, c)| walk(c, &format!("{at}/{i}"), missing)),
            _ => {}
        }
    }
    let mut missing = Vec::new();
    walk(&document().await, "", &mut missing);
    assert!(missing.is_empty(), "numbers without a range: {missing:#?}");
}

#[tokio::test]
async fn bad_query_and_path_input_gets_a_json_400() {
    let app = spawn_app().await;
    for uri in [
        "/api/v1/catalog?limit=abc",
        "/api/v1/catalog?limit=99999999999",
        "/api/v1/sales?limit=-1",
        "/api/v1/stock",
        "/api/v1/reports/z?register=montreal-1&date=2147483647-01-01",
        "/api/v1/reports/z?register=montreal-1&date=2026-11-23&opening_float=9223372036854775807",
        "/api/v1/reports/z?register=montreal-1&date=2026-11-23&opening_float=-9223372036854775808",
        "/api/v1/customers/x/statement?year=2026&month=13",
        "/api/v1/customers/%FF/summary",
    ] {
        let (status, body) = app.get(uri).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}: {body}");
        assert_eq!(body["error"], "bad_request", "{uri}: {body}");
        assert!(body["message"].is_string(), "{uri}");
    }
}

#[tokio::test]
async fn a_payment_outside_the_ranges_is_a_400() {
    let app = spawn_app().await;
    let (_, customers) = app.get("/api/v1/customers").await;
    let id = customers[0]["id"].as_str().unwrap().to_string();
    let body = serde_json::json!({
        "id": "p-huge", "customer_id": id, "register_id": "montreal-1", "outlet_id": "montreal", "reference": "",
        "created_at_ms": 1_700_000_000_000i64, "amount": 5_000_000_000_000_000_000i64,
        "tenders": [{"kind": "card", "amount": 5_000_000_000_000_000_000i64, "tendered": 5_000_000_000_000_000_000i64, "change": 0}]
    });
    let (status, answer) = app.post(&format!("/api/v1/customers/{id}/payments"), body.to_string()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert!(answer["message"].as_str().unwrap().contains("amount"), "{answer}");
}
