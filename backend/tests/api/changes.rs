//! Sync down: `GET /sync/changes` (the change log a device pulls) and `GET /stock/digest`.

use crate::helpers::{spawn_app, As, TestApp, LAV_DEVICE, MTL_DEVICE};
use axum::http::StatusCode;
use shared::stock::StockLevel;
use shared::sync::changes::{check_page, ChangePage, Entity, EntityKind, EntityRef, Replica, StockDigest, Version};
use shared::sync::CustomerSummary;
use std::collections::BTreeMap;

async fn page(app: &TestApp, who: As, since: Version, limit: u32) -> ChangePage {
    let (status, body) = app.send(who, "GET", &format!("/api/v1/sync/changes?since={since}&limit={limit}"), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    serde_json::from_value(body).unwrap()
}

/// Pulls pages until caught up, applying each with the shared rule; returns how many pages it took.
async fn pull_all(app: &TestApp, device: &str, replica: &mut Replica, limit: u32) -> usize {
    let mut pages = 0;
    loop {
        let p = page(app, app.device(device, None), replica.cursor, limit).await;
        assert!(p.changes.len() <= limit as usize);
        replica.apply(&p).expect("pages follow the cursor");
        pages += 1;
        if !p.more {
            return pages;
        }
        assert!(p.remaining > 0, "more pages announce what remains");
    }
}

async fn catalog(app: &TestApp) -> BTreeMap<String, shared::catalog::Product> {
    let (_, body) = app.get("/api/v1/catalog?limit=1000").await;
    let page: shared::sync::CatalogPage = serde_json::from_value(body).unwrap();
    assert!(page.next_after.is_none());
    page.products.into_iter().map(|p| (p.id.clone(), p)).collect()
}

async fn stock(app: &TestApp, outlet: &str) -> BTreeMap<(String, String), i64> {
    let (_, body) = app.get(&format!("/api/v1/stock?outlet={outlet}")).await;
    let levels: Vec<StockLevel> = serde_json::from_value(body).unwrap();
    levels.into_iter().map(|l| ((l.product_id, l.outlet_id), l.level)).collect()
}

async fn summaries(app: &TestApp) -> BTreeMap<String, CustomerSummary> {
    let (_, body) = app.get("/api/v1/customers/summaries").await;
    let all: Vec<CustomerSummary> = serde_json::from_value(body).unwrap();
    all.into_iter().map(|c| (c.customer.id.clone(), c)).collect()
}

async fn head(app: &TestApp) -> Version {
    app.store.change_head().await.unwrap()
}

#[tokio::test]
async fn a_fresh_device_pulls_everything_in_pages_and_holds_what_the_read_routes_answer() {
    let app = spawn_app().await;
    let mut r = Replica::default();
    let pages = pull_all(&app, MTL_DEVICE, &mut r, 7).await;
    assert!(pages > 3, "{pages} pages");
    assert_eq!(r.cursor, head(&app).await);
    assert_eq!(r.products, catalog(&app).await);
    assert_eq!(r.stock, stock(&app, "montreal").await);
    assert_eq!(r.customers, summaries(&app).await);
    assert_eq!(r.outlets.keys().collect::<Vec<_>>(), ["montreal"]);
    assert!(r.registers.values().all(|reg| reg.outlet_id == "montreal") && !r.registers.is_empty());
}

#[tokio::test]
async fn the_first_page_says_how_much_remains_for_a_progress_bar() {
    let app = spawn_app().await;
    let first = page(&app, app.device(MTL_DEVICE, None), 0, 5).await;
    let mut r = Replica::default();
    let pages = pull_all(&app, MTL_DEVICE, &mut r, 1000).await;
    assert_eq!(pages, 1);
    let total = r.products.len() + r.stock.len() + r.customers.len() + r.outlets.len() + r.registers.len() + r.serials.len();
    assert_eq!(first.remaining as usize + first.changes.len(), total);
}

#[tokio::test]
async fn a_pushed_sale_brings_its_stock_and_sale_changes_after_the_cursor_and_nothing_before() {
    let app = spawn_app().await;
    let mut r = Replica::default();
    pull_all(&app, MTL_DEVICE, &mut r, 1000).await;
    let cursor = r.cursor;
    let sale = app.sale(1, &["shirt", "shirt", "hat"]);
    assert_eq!(app.push(std::slice::from_ref(&sale)).await.0, StatusCode::OK);

    let p = page(&app, app.device(MTL_DEVICE, None), cursor, 1000).await;
    assert!(p.changes.iter().all(|c| c.version > cursor));
    let keys: Vec<EntityRef> = p.changes.iter().map(|c| c.key()).collect();
    let stock = |id: &str| EntityRef::Stock { product_id: id.into(), outlet_id: "montreal".into() };
    assert_eq!(keys.len(), 3, "{keys:?}");
    assert!(keys.contains(&stock("shirt")) && keys.contains(&stock("hat")));
    assert!(keys.contains(&EntityRef::Sale { id: sale.id.clone() }));
    r.apply(&p).unwrap();
    assert_eq!(r.stock[&("shirt".to_string(), "montreal".to_string())], app.level("montreal", "shirt").await);
    let listed = &r.sales[&sale.id];
    assert_eq!((listed.receipt.as_str(), listed.total, listed.lines), (sale.receipt.as_str(), sale.totals.total, 2));

    // Nothing again once caught up.
    let again = page(&app, app.device(MTL_DEVICE, None), r.cursor, 1000).await;
    assert!(again.changes.is_empty() && !again.more && again.next == r.cursor);
}

#[tokio::test]
async fn a_sale_for_a_customer_sends_the_customers_new_balance_and_loyalty() {
    let app = spawn_app().await;
    let mut r = Replica::default();
    pull_all(&app, MTL_DEVICE, &mut r, 1000).await;
    let mut sale = app.sale(1, &["shirt"]);
    sale.customer_id = Some("c-tremblay".into());
    assert_eq!(app.push(&[sale]).await.0, StatusCode::OK);
    let p = page(&app, app.device(MTL_DEVICE, None), r.cursor, 1000).await;
    assert!(p.changes.iter().any(|c| c.key() == EntityRef::Customer { id: "c-tremblay".into() }));
    r.apply(&p).unwrap();
    assert_eq!(r.customers, summaries(&app).await);
    assert_eq!(r.customers["c-tremblay"].loyalty.visits, 1);
}

#[tokio::test]
async fn a_deleted_serial_travels_as_a_tombstone() {
    let app = spawn_app().await;
    let body = r#"{"product_id":"drill","outlet_id":"montreal","serials":"SN-A, SN-B"}"#;
    let (status, resp) = app.post("/api/v1/serials", body).await;
    assert_eq!(status, StatusCode::CREATED, "{resp}");
    let mut r = Replica::default();
    pull_all(&app, MTL_DEVICE, &mut r, 1000).await;
    assert!(r.serials.contains_key(&("drill".to_string(), "SN-A".to_string())));
    let cursor = r.cursor;

    assert_eq!(app.delete("/api/v1/serials/drill/SN-A").await.0, StatusCode::NO_CONTENT);
    let p = page(&app, app.device(MTL_DEVICE, None), cursor, 1000).await;
    assert_eq!(p.changes.len(), 1);
    assert_eq!(p.changes[0].entity, Entity::Deleted { of: EntityRef::Serial { product_id: "drill".into(), serial: "SN-A".into() } });
    r.apply(&p).unwrap();
    assert!(!r.serials.contains_key(&("drill".to_string(), "SN-A".to_string())));
    assert!(r.serials.contains_key(&("drill".to_string(), "SN-B".to_string())));
}

#[tokio::test]
async fn another_outlets_stock_serials_and_sales_are_never_sent_to_a_device() {
    let app = spawn_app().await;
    let mut mtl = Replica::default();
    pull_all(&app, MTL_DEVICE, &mut mtl, 1000).await;
    assert!(mtl.stock.keys().all(|(_, o)| o == "montreal") && !mtl.stock.is_empty());
    let cursor = mtl.cursor;

    assert_eq!(app.push(&[app.laval_sale(1, &["shirt"])]).await.0, StatusCode::OK);
    let (status, _) = app.post("/api/v1/serials", r#"{"product_id":"drill","outlet_id":"laval","serials":"SN-LAV"}"#).await;
    assert_eq!(status, StatusCode::CREATED);
    let p = page(&app, app.device(MTL_DEVICE, None), cursor, 1000).await;
    assert!(p.changes.is_empty(), "{:?}", p.changes);
    assert!(p.next > cursor, "the cursor moves past what is out of scope");

    // Laval's device gets them.
    let mut lav = Replica::default();
    pull_all(&app, LAV_DEVICE, &mut lav, 1000).await;
    assert!(lav.sales.contains_key("sale-lav-1"));
    assert!(lav.serials.contains_key(&("drill".to_string(), "SN-LAV".to_string())));
    assert!(lav.stock.keys().all(|(_, o)| o == "laval"));
}

#[tokio::test]
async fn a_serial_sold_at_another_outlet_leaves_its_first_outlets_registers() {
    let app = spawn_app().await;
    let (status, _) = app.post("/api/v1/serials", r#"{"product_id":"drill","outlet_id":"laval","serials":"SN-MOVE"}"#).await;
    assert_eq!(status, StatusCode::CREATED);
    let mut lav = Replica::default();
    pull_all(&app, LAV_DEVICE, &mut lav, 1000).await;
    assert!(lav.serials.contains_key(&("drill".to_string(), "SN-MOVE".to_string())));

    // Montréal sells it: the unit now belongs to Montréal.
    let mut sale = app.sale(1, &["drill"]);
    sale.lines[0].serials = vec!["SN-MOVE".into()];
    let (status, body) = app.push(&[sale]).await;
    assert_eq!((status, body["results"][0]["status"].as_str()), (StatusCode::OK, Some("stored")), "{body}");
    pull_all(&app, LAV_DEVICE, &mut lav, 1000).await;
    assert!(!lav.serials.contains_key(&("drill".to_string(), "SN-MOVE".to_string())));
    let mut mtl = Replica::default();
    pull_all(&app, MTL_DEVICE, &mut mtl, 1000).await;
    assert!(mtl.serials[&("drill".to_string(), "SN-MOVE".to_string())].sold_on.is_some());
}

#[tokio::test]
async fn paging_one_at_a_time_never_skips_or_repeats_a_change_while_sales_arrive_between_pages() {
    let app = spawn_app().await;
    let mut r = Replica::default();
    let mut seen: Vec<Version> = Vec::new();
    let mut seq = 0;
    loop {
        let p = page(&app, app.device(MTL_DEVICE, None), r.cursor, 1).await;
        check_page(r.cursor, &p).unwrap();
        seen.extend(p.changes.iter().map(|c| c.version));
        r.apply(&p).unwrap();
        if !p.more {
            break;
        }
        // A write between pages: a sale of an entity already sent (or not yet).
        if seen.len().is_multiple_of(5) && seq < 20 {
            seq += 1;
            let product = if seq % 2 == 0 { "shirt" } else { "hat" };
            let mut sale = app.sale(seq, &[product]);
            if seq % 3 == 0 {
                sale.customer_id = Some("c-tremblay".into());
            }
            assert_eq!(app.push(&[sale]).await.0, StatusCode::OK);
        }
    }
    assert!(seq > 5, "writes happened during the pull");
    assert!(seen.windows(2).all(|w| w[0] < w[1]), "each version once, in order");
    assert_eq!(r.cursor, head(&app).await);
    assert_eq!(r.products, catalog(&app).await);
    assert_eq!(r.stock, stock(&app, "montreal").await);
    assert_eq!(r.customers, summaries(&app).await);
    assert_eq!(r.sales.len(), seq as usize);
}

#[tokio::test]
async fn a_bad_cursor_or_page_size_is_a_400_with_a_json_error() {
    let app = spawn_app().await;
    for query in ["since=-1", "since=abc", "since=9007199254740992", "limit=0", "limit=1001", "limit=x"] {
        let (status, body) = app.send(app.device(MTL_DEVICE, None), "GET", &format!("/api/v1/sync/changes?{query}"), None).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
        assert_eq!(body["error"], "bad_request", "{query}");
    }
    let ahead = head(&app).await + 1;
    let (status, body) = app.send(app.device(MTL_DEVICE, None), "GET", &format!("/api/v1/sync/changes?since={ahead}"), None).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::CONFLICT, Some("cursor_ahead")), "{body}");
}

#[tokio::test]
async fn the_stock_digest_route_equals_the_shared_function_over_pulled_levels_at_any_recent_version() {
    let app = spawn_app().await;
    let mut r = Replica::default();
    pull_all(&app, MTL_DEVICE, &mut r, 1000).await;
    let digest = |version: Version| {
        let app = &app;
        async move {
            let (status, body) = app.send(app.device(MTL_DEVICE, None), "GET", &format!("/api/v1/stock/digest?outlet=montreal&version={version}"), None).await;
            assert_eq!(status, StatusCode::OK, "{body}");
            serde_json::from_value::<StockDigest>(body).unwrap()
        }
    };
    let before = r.stock_digest("montreal");
    assert!(before.levels > 0);
    assert_eq!(digest(r.cursor).await, before);

    assert_eq!(app.push(&[app.sale(1, &["shirt", "hat"])]).await.0, StatusCode::OK);
    assert_eq!(app.push(&[app.laval_sale(1, &["shirt"])]).await.0, StatusCode::OK);
    // The server still answers for the old version, from the current levels minus the newer movements.
    assert_eq!(digest(before.version).await, before);
    pull_all(&app, MTL_DEVICE, &mut r, 1000).await;
    let after = r.stock_digest("montreal");
    assert_ne!(after.digest, before.digest);
    assert_eq!(digest(r.cursor).await, after);

    // A device whose copy went wrong learns which product differs.
    r.stock.insert(("hat".to_string(), "montreal".to_string()), 999);
    let (status, body) = app.send(app.device(MTL_DEVICE, None), "GET", &format!("/api/v1/stock/digest?outlet=montreal&version={}&detail=true", r.cursor), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let server: StockDigest = serde_json::from_value(body).unwrap();
    assert!(!r.stock_digest("montreal").agrees_with(&server));
    let named = r.stock_mismatches("montreal", server.detail.as_deref().unwrap());
    assert_eq!(named.iter().map(|m| (m.product_id.as_str(), m.here)).collect::<Vec<_>>(), [("hat", 999)]);
    assert_eq!(named[0].server, app.level("montreal", "hat").await);

    let (status, body) = app.send(app.device(MTL_DEVICE, None), "GET", &format!("/api/v1/stock/digest?outlet=montreal&version={}", r.cursor + 1), None).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::CONFLICT, Some("version_ahead")), "{body}");
    let (status, _) = app.send(app.device(MTL_DEVICE, None), "GET", "/api/v1/stock/digest?outlet=montreal&version=x", None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[test]
fn the_change_log_keeps_as_many_recent_sales_as_the_shared_limit_says() {
    let sql = include_str!("../../migrations/sqlite/0009_change_log.sql");
    let n = shared::limits::MAX_RECENT_SALES;
    assert!(sql.contains(&format!("LIMIT 1 OFFSET {}", n - 1)) && sql.contains(&format!("LIMIT {n})")));
    // Every kind the wire names has its triggers.
    use EntityKind::*;
    for kind in [Product, Stock, Serial, Customer, Sale, Outlet, Register] {
        assert!(sql.contains(&format!("VALUES ('{kind}'")), "{kind}");
    }
}

/// `sync_client`'s puller over the real route, as the register runs it.
struct Route<'a> {
    app: &'a TestApp,
    device: &'static str,
}

impl sync_client::ChangeSource for Route<'_> {
    async fn changes(&self, since: Version, limit: u32) -> Result<ChangePage, sync_client::Failure> {
        let (status, body) = self.app.send(self.app.device(self.device, None), "GET", &format!("/api/v1/sync/changes?since={since}&limit={limit}"), None).await;
        if status != StatusCode::OK {
            return Err(sync_client::Failure::Refused { status: status.as_u16(), error: serde_json::from_value(body).unwrap() });
        }
        Ok(serde_json::from_value(body).unwrap())
    }
}

#[tokio::test]
async fn the_registers_puller_catches_up_through_the_route_and_starts_over_when_the_server_forgot_its_cursor() {
    let app = spawn_app().await;
    let store = std::cell::RefCell::new(Replica::default());
    let route = Route { app: &app, device: MTL_DEVICE };
    let mut bar = Vec::new();
    let report = sync_client::catch_up(&store, &route, 10, |p| bar.push(p.remaining)).await.unwrap();
    assert!(report.caught_up && report.pages == bar.len() && bar.last() == Some(&0));
    assert!(bar.windows(2).all(|w| w[0] > w[1]), "the bar only moves forward: {bar:?}");
    assert_eq!(store.borrow().products, catalog(&app).await);

    // A cursor from a server restored from an older backup: the puller starts again from 0.
    store.borrow_mut().cursor = head(&app).await + 100;
    let report = sync_client::catch_up(&store, &route, 1000, |_| {}).await.unwrap();
    assert_eq!(report.cursor, head(&app).await);
    assert_eq!(store.borrow().stock, stock(&app, "montreal").await);
}
