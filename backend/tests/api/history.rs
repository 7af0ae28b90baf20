//! Sales history (issue 12, item 3): every sale, newest made first, filtered and paged without gaps or
//! repeats; a manager sees only their outlets; a sale's details show what it was and what it can still
//! give back.

use crate::helpers::{spawn_app, As, TestApp, MANAGER_MTL};
use axum::http::StatusCode;
use serde_json::Value;
use shared::sale::{Cart, PriceOverride};
use shared::tax::TaxRates;
use shared::Money;

fn ids(items: &[Value]) -> Vec<String> {
    items.iter().map(|s| s["id"].as_str().unwrap().to_string()).collect()
}

async fn listed(app: &TestApp, query: &str) -> Vec<String> {
    let (status, body) = app.get(&format!("/api/v1/sales/history{query}")).await;
    assert_eq!(status, StatusCode::OK, "{query}: {body}");
    ids(body.as_array().unwrap())
}

/// One page as the admin: its ids and the next cursor.
async fn page(app: &TestApp, query: &str) -> (Vec<String>, Option<String>) {
    use axum::body::Body;
    use axum::http::Request;
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let req = Request::builder().uri(format!("/api/v1/sales/history{query}")).header("authorization", format!("Bearer {}", app.admin)).body(Body::empty()).unwrap();
    let resp = app.router.clone().oneshot(req).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let next = resp.headers().get("x-next-cursor").map(|v| v.to_str().unwrap().to_string());
    let body: Vec<Value> = serde_json::from_slice(&resp.into_body().collect().await.unwrap().to_bytes()).unwrap();
    (ids(&body), next)
}

#[tokio::test]
async fn the_history_pages_newest_made_first_without_gaps_or_repeats_while_sales_arrive() {
    let app = spawn_app().await;
    let sales: Vec<_> = (1..=7).map(|seq| app.sale(seq, &["hat"])).collect();
    app.push(&sales).await;

    let (first, next) = page(&app, "?limit=3").await;
    assert_eq!(first, ["sale-mtl-7", "sale-mtl-6", "sale-mtl-5"], "newest made first");
    // While the manager reads: a new sale, and one made offline earlier than anything listed yet.
    let mut late = app.sale(8, &["hat"]);
    late.created_at_ms = 1_700_000_000_000 + 2; // between sale 2 and sale 3
    app.push(&[app.sale(9, &["hat"]), late]).await;

    let mut walked = first.clone();
    let mut cursor = next;
    while let Some(c) = cursor {
        let (more, next) = page(&app, &format!("?limit=3&cursor={c}")).await;
        walked.extend(more);
        cursor = next;
    }
    let mut unique = walked.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), walked.len(), "nothing twice: {walked:?}");
    for s in &sales {
        assert!(walked.contains(&s.id), "{} was not skipped: {walked:?}", s.id);
    }
    assert!(walked.contains(&"sale-mtl-8".to_string()), "a sale made before the cursor arrives on a later page");
    assert!(!walked.contains(&"sale-mtl-9".to_string()), "a sale newer than the first page waits for the next reading");
    assert_eq!(listed(&app, "?limit=1000").await.len(), 9);
}

#[tokio::test]
async fn each_filter_narrows_the_history_to_the_sales_it_names() {
    let app = spawn_app().await;
    let mut with_customer = app.sale(1, &["hat"]);
    with_customer.customer_id = Some("c-gagnon".into());
    let mut by_sophie = app.sale(2, &["shirt"]);
    by_sophie.cashier_id = "sophie".into();
    by_sophie.created_at_ms = 1_700_090_000_000; // the next day in Montréal
    let laval = app.laval_sale(1, &["hat"]);
    let ret = app.return_sale(3, &with_customer, 0, 1);
    let (status, body) = app.push(&[with_customer.clone(), by_sophie.clone(), ret.clone()]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    app.push(std::slice::from_ref(&laval)).await;

    assert_eq!(listed(&app, "?outlet=laval").await, std::slice::from_ref(&laval.id));
    assert_eq!(listed(&app, "?register=montreal-1").await.len(), 3);
    assert_eq!(listed(&app, "?cashier=sophie").await, std::slice::from_ref(&by_sophie.id));
    assert_eq!(listed(&app, "?customer=c-gagnon").await, std::slice::from_ref(&with_customer.id));
    assert_eq!(listed(&app, &format!("?receipt={}", by_sophie.receipt)).await, std::slice::from_ref(&by_sophie.id));
    assert_eq!(listed(&app, "?status=return").await, std::slice::from_ref(&ret.id));
    assert_eq!(listed(&app, "?status=returned").await, std::slice::from_ref(&with_customer.id));
    let mut completed = listed(&app, "?status=completed").await;
    completed.sort();
    assert_eq!(completed, [laval.id.clone(), by_sophie.id.clone()]);
    assert_eq!(listed(&app, "?channel=online").await, Vec::<String>::new());
    assert_eq!(listed(&app, "?channel=store").await.len(), 4);
    // 1 700 000 000 000 ms is 2023-11-14 17:13 in Montréal; 1 700 090 000 000 the next day.
    assert_eq!(listed(&app, "?outlet=montreal&from=2023-11-15&to=2023-11-15").await, std::slice::from_ref(&by_sophie.id));
    assert_eq!(listed(&app, "?outlet=montreal&to=2023-11-14").await.len(), 2);
    assert_eq!(listed(&app, "?from=2023-11-15T00:00:00-05:00").await, std::slice::from_ref(&by_sophie.id));
    let summary = &app.get(&format!("/api/v1/sales/history?receipt={}", ret.receipt)).await.1[0];
    assert_eq!((summary["is_return"].as_bool(), summary["channel"].as_str(), summary["cashier_id"].as_str()), (Some(true), Some("store"), Some("julie")));
}

#[tokio::test]
async fn bad_filters_are_refused_with_a_message_and_never_a_server_error() {
    let app = spawn_app().await;
    app.push(&[app.sale(1, &["hat"])]).await;
    for query in [
        "?limit=0",
        "?limit=1001",
        "?status=lost",
        "?channel=mail",
        "?from=2026-13-01",
        "?from=yesterday",
        "?from=2026-11-24&to=2026-11-23",
        "?cursor=not-a-cursor",
        "?outlet=",
        "?colour=red",
    ] {
        let (status, body) = app.get(&format!("/api/v1/sales/history{query}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
        assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()), "{query}: {body}");
    }
    let (status, body) = app.get("/api/v1/sales/no-such-sale").await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")));
}

#[tokio::test]
async fn a_manager_sees_only_their_outlets_sales_and_is_refused_another_outlet() {
    let app = spawn_app().await;
    app.push(&[app.sale(1, &["hat"])]).await;
    let laval = app.laval_sale(1, &["hat"]);
    app.push(std::slice::from_ref(&laval)).await;
    let manager = As::Bearer(app.token(MANAGER_MTL).await);

    let (status, body) = app.send(manager.clone(), "GET", "/api/v1/sales/history", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ids(body.as_array().unwrap()), ["sale-mtl-1"]);
    let (status, _) = app.send(manager.clone(), "GET", "/api/v1/sales/history?outlet=laval", None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = app.send(manager.clone(), "GET", &format!("/api/v1/sales/{}", laval.id), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = app.send(manager, "GET", "/api/v1/sales/sale-mtl-1", None).await;
    assert_eq!(status, StatusCode::OK);
    // The register keeps its own list.
    let (status, body) = app.send(app.device(crate::helpers::MTL_DEVICE, None), "GET", "/api/v1/sales", None).await;
    assert_eq!((status, body.as_array().map(Vec::len)), (StatusCode::OK, Some(1)));
}

#[tokio::test]
async fn a_sales_details_show_its_override_serials_taxes_tenders_returns_and_what_remains_returnable() {
    let app = spawn_app().await;
    let (status, body) = app.post("/api/v1/serials", serde_json::json!({"product_id": "drill", "outlet_id": "montreal", "serials": "SN-1, SN-2"}).to_string()).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let mut cart = Cart::default();
    cart.add(&app.product("hat"));
    cart.add(&app.product("hat"));
    cart.add(&app.product("drill"));
    cart.add(&app.product("drill"));
    let hat = app.product("hat");
    cart.lines[0].unit_price = Money(hat.price.as_cents() - 100);
    cart.lines[0].price_override = Some(PriceOverride { catalog_price: hat.price, by: "gerante-mtl".into(), at_ms: 1_700_000_000_000, reason: "égratigné".into() });
    cart.lines[1].serials = vec!["SN-1".into(), "SN-2".into()];
    let mut sale = app.sale(1, &["hat"]);
    sale.lines = cart.lines.clone();
    sale.totals = cart.totals(&TaxRates::QUEBEC).unwrap();
    sale.tenders = vec![shared::sale::settle_cash(sale.totals.total, Money(100_000)).unwrap().tender()];
    let (_, body) = app.push(std::slice::from_ref(&sale)).await;
    assert_eq!(body["results"][0]["status"], "stored", "{body}");
    let mut ret = app.return_sale(2, &sale, 1, 1);
    ret.lines[0].serials = vec!["SN-2".into()];
    let (_, body) = app.push(std::slice::from_ref(&ret)).await;
    assert_eq!(body["results"][0]["status"], "stored", "{body}");

    let (status, d) = app.get(&format!("/api/v1/sales/{}", sale.id)).await;
    assert_eq!(status, StatusCode::OK, "{d}");
    assert_eq!(d["summary"]["receipt"], sale.receipt.as_str());
    assert_eq!(d["summary"]["returned"], true);
    let o = &d["overrides"][0];
    assert_eq!((o["line"].as_u64(), o["by"].as_str(), o["reason"].as_str()), (Some(0), Some("gerante-mtl"), Some("égratigné")));
    assert_eq!(o["catalog_price"], hat.price.as_cents());
    assert_eq!(d["serials"].as_array().unwrap().iter().map(|s| s["serial"].as_str().unwrap()).collect::<Vec<_>>(), ["SN-1", "SN-2"]);
    assert_eq!(d["taxes"].as_array().unwrap().len(), 2, "TPS and TVQ: {}", d["taxes"]);
    assert_eq!(d["tenders"][0]["kind"], "cash");
    let paid = d["tenders"][0]["amount"].as_i64().unwrap();
    assert_eq!(d["cash_rounding"].as_i64().unwrap(), paid - sale.totals.total.as_cents());
    assert!(d["cash_rounding"].as_i64().unwrap().abs() <= 2);
    assert_eq!(d["returns"][0]["sale_id"], ret.id.as_str());
    assert_eq!(d["returns"][0]["lines"], serde_json::json!([[1, 1]]));
    let left: Vec<(u64, i64)> = d["returnable"].as_array().unwrap().iter().map(|r| (r["line"].as_u64().unwrap(), r["left"].as_i64().unwrap())).collect();
    assert_eq!(left, [(0, 2), (1, 1)], "both hats and one drill can still come back");
    assert!(d["online_order"].is_null());

    let (_, r) = app.get(&format!("/api/v1/sales/{}", ret.id)).await;
    assert_eq!(r["returns_of"], serde_json::json!([sale.id]));
    assert_eq!(r["summary"]["is_return"], true);
}

#[tokio::test]
async fn an_online_orders_sale_is_in_the_history_unpaid_with_its_order_and_its_note() {
    use crate::online_orders::{connect, deliver, unpaid_bank_transfer, woo_order};
    let app = spawn_app().await;
    let conn = connect(&app, "https://shop.example").await;
    let (_, outcome) = deliver(&app, &conn, &unpaid_bank_transfer(woo_order(801, &[("HAT", 1, "15.00")]))).await;
    assert_eq!(outcome["outcome"], "created", "{outcome}");
    let order_id = outcome["order_id"].as_str().unwrap().to_string();
    app.push(&[app.sale(1, &["hat"])]).await;

    assert_eq!(listed(&app, "?channel=online").await, std::slice::from_ref(&order_id));
    assert_eq!(listed(&app, "?status=unpaid").await, std::slice::from_ref(&order_id));
    let (status, d) = app.get(&format!("/api/v1/sales/{order_id}")).await;
    assert_eq!(status, StatusCode::OK, "{d}");
    assert_eq!(d["summary"]["channel"], "online");
    assert_eq!(d["online_order"]["number"], "801");
    assert!(d["online_order"]["paid"].as_i64().unwrap() < d["online_order"]["total"].as_i64().unwrap());
    assert!(d["notes"]["sale_note"].as_str().unwrap().contains("Sonner deux fois"), "{d}");
    assert_eq!(d["cash_rounding"], 0, "nothing paid is no rounding");
}

#[tokio::test]
async fn a_managers_note_is_added_once_by_its_id_shown_in_the_details_audited_and_refused_elsewhere() {
    let app = spawn_app().await;
    let sale = app.sale(1, &["hat"]);
    app.push(std::slice::from_ref(&sale)).await;
    let laval = app.laval_sale(1, &["hat"]);
    app.push(std::slice::from_ref(&laval)).await;
    let manager = As::Bearer(app.token(MANAGER_MTL).await);
    let path = format!("/api/v1/sales/{}/notes", sale.id);
    let note = serde_json::json!({"id": "note-1", "text": "  Suivi Postes Canada : 7023 4567  "}).to_string();

    let (status, first) = app.send(manager.clone(), "POST", &path, Some(note.clone())).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_eq!((first["added"].as_bool(), first["note"]["text"].as_str()), (Some(true), Some("Suivi Postes Canada : 7023 4567")));
    // A double click, a retry: the same id adds nothing.
    let (status, again) = app.send(manager.clone(), "POST", &path, Some(note.clone())).await;
    assert_eq!((status, again["added"].as_bool()), (StatusCode::OK, Some(false)), "{again}");
    assert_eq!(again["note"], first["note"]);
    let (_, d) = app.get(&format!("/api/v1/sales/{}", sale.id)).await;
    assert_eq!(d["sale_notes"].as_array().map(Vec::len), Some(1), "{d}");
    assert_eq!(d["sale_notes"][0]["text"], "Suivi Postes Canada : 7023 4567");

    // Another note under that id, an empty one, a bad body: refused with their reason, nothing written.
    let (status, body) = app.send(manager.clone(), "POST", &path, Some(serde_json::json!({"id": "note-1", "text": "autre"}).to_string())).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::CONFLICT, Some("note_id_reused")), "{body}");
    let (status, body) = app.send(manager.clone(), "POST", &path, Some(serde_json::json!({"id": "note-2", "text": "   "}).to_string())).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("empty_note")), "{body}");
    let (status, body) = app.send(manager.clone(), "POST", &path, Some(r#"{"text": "x"}"#.to_string())).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    // Another outlet's sale, an unknown sale, a device.
    let (status, _) = app.send(manager.clone(), "POST", &format!("/api/v1/sales/{}/notes", laval.id), Some(serde_json::json!({"id": "note-3", "text": "x"}).to_string())).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = app.send(manager, "POST", "/api/v1/sales/no-such-sale/notes", Some(serde_json::json!({"id": "note-4", "text": "x"}).to_string())).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app.send(app.device(crate::helpers::MTL_DEVICE, None), "POST", &path, Some(serde_json::json!({"id": "note-5", "text": "x"}).to_string())).await;
    assert!(status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN, "{status}");
    let (_, d) = app.get(&format!("/api/v1/sales/{}", sale.id)).await;
    assert_eq!(d["sale_notes"].as_array().map(Vec::len), Some(1), "{d}");

    let (_, audit) = app.get("/api/v1/audit?limit=100").await;
    let noted: Vec<&Value> = audit.as_array().unwrap().iter().filter(|e| e["action"] == "sale_note_added").collect();
    assert_eq!(noted.len(), 1, "{audit}");
    assert_eq!(noted[0]["subject"], sale.id.as_str());
}
