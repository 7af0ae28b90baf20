//! Every route of the router's table, each caller: 401 without a credential (unless public), 401 or
//! 403 for the wrong role, device or outlet (as `shared::auth::Caller::check` rules), and neither for the
//! right caller. The expectations are this file's own table: a route added to the router without a
//! row here fails the test.

use crate::helpers::{spawn_app, As, TestApp, LAV_DEVICE, MANAGER_MTL, MTL_DEVICE};
use axum::http::StatusCode;
use shared::auth::Access;
use std::collections::{BTreeMap, BTreeSet};

/// Who calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Who {
    Nobody,
    Admin,
    /// Montréal's manager.
    Manager,
    /// A manager of Laval only.
    ManagerLaval,
    /// A cashier signed in with a password (Montréal).
    Cashier,
    /// Montréal's tablet with Julie switched in.
    Device,
    /// Montréal's tablet with nobody switched in.
    DeviceAlone,
    /// Laval's tablet with Marc switched in.
    LavDevice,
    /// A manager's session made for this one request (signing out ends it).
    NewSession,
}

struct Row {
    uri: &'static str,
    /// `{CODE}`: a fresh enrolment code; `{N}`: a number unique to the request.
    body: Option<&'static str>,
    right: Who,
    wrong: &'static [(Who, u16)],
}

fn row(uri: &'static str, body: Option<&'static str>, right: Who, wrong: &'static [(Who, u16)]) -> Row {
    Row { uri, body, right, wrong }
}

fn expectations() -> BTreeMap<(&'static str, &'static str), Row> {
    use Who::*;
    let payment = Some(r#"{"id":"pay-{N}","customer_id":"c-tremblay","register_id":"montreal-1","outlet_id":"","reference":"","created_at_ms":0,"amount":1000,"tenders":[{"kind":"card","amount":1000,"tendered":1000,"change":0}]}"#);
    BTreeMap::from([
        (("GET", "/api/v1/health"), row("/api/v1/health", None, Nobody, &[])),
        (("GET", "/api/v1/openapi.json"), row("/api/v1/openapi.json", None, Nobody, &[])),
        (("POST", "/api/v1/auth/login"), row("/api/v1/auth/login", Some(r#"{"email":"gerante@demo.comptoir","password":"demo-gerante-2026"}"#), Nobody, &[])),
        (("POST", "/api/v1/auth/token"), row("/api/v1/auth/token", Some(r#"{"email":"gerante@demo.comptoir","password":"demo-gerante-2026"}"#), Nobody, &[])),
        (("POST", "/api/v1/auth/logout"), row("/api/v1/auth/logout", None, NewSession, &[(Device, 401)])),
        (("GET", "/api/v1/auth/me"), row("/api/v1/auth/me", None, Device, &[])),
        (("POST", "/api/v1/auth/pin"), row("/api/v1/auth/pin", Some(r#"{"staff_id":"julie","pin":"1111"}"#), DeviceAlone, &[(Admin, 401), (Manager, 401)])),
        (("GET", "/api/v1/staff/offline"), row("/api/v1/staff/offline", None, DeviceAlone, &[(Admin, 401)])),
        (("GET", "/api/v1/staff"), row("/api/v1/staff", None, Manager, &[(Cashier, 403), (Device, 401)])),
        (("POST", "/api/v1/staff"), row("/api/v1/staff", Some(r#"{"name":"Nouvelle {N}","role":"cashier","outlets":["montreal"],"pin":"4321"}"#), Admin, &[(Manager, 403), (Cashier, 403), (Device, 401)])),
        (("POST", "/api/v1/devices/codes"), row("/api/v1/devices/codes", Some(r#"{"register_id":"montreal-1"}"#), Manager, &[(ManagerLaval, 403), (Cashier, 403), (Device, 401)])),
        (("POST", "/api/v1/devices/enrol"), row("/api/v1/devices/enrol", Some(r#"{"device_id":"new-tablet-{N}","code":"{CODE}"}"#), Nobody, &[])),
        (("GET", "/api/v1/devices"), row("/api/v1/devices", None, Manager, &[(Cashier, 403), (Device, 401)])),
        (("POST", "/api/v1/devices/{id}/revoke"), row("/api/v1/devices/no-such-device/revoke", None, Admin, &[(Manager, 403), (Cashier, 403), (Device, 401)])),
        (("POST", "/api/v1/devices"), row("/api/v1/devices", Some(r#"{"device_id":"device-mtl"}"#), DeviceAlone, &[(Admin, 401)])),
        (("POST", "/api/v1/sync/push"), row("/api/v1/sync/push", Some(r#"{"device_id":"device-mtl","sales":[]}"#), DeviceAlone, &[(Admin, 401), (LavDevice, 403)])),
        (("GET", "/api/v1/held"), row("/api/v1/held", None, Device, &[])),
        (("GET", "/api/v1/sync/changes"), row("/api/v1/sync/changes?since=0&limit=10", None, Device, &[])),
        (("GET", "/api/v1/events"), row("/api/v1/events", None, Device, &[])),
        (("GET", "/api/v1/stock/digest"), row("/api/v1/stock/digest?outlet=montreal&version=0", None, Device, &[(LavDevice, 403), (ManagerLaval, 403)])),
        (("GET", "/api/v1/held/ops"), row("/api/v1/held/ops", None, Device, &[])),
        (("GET", "/api/v1/setup"), row("/api/v1/setup", None, Device, &[])),
        (("GET", "/api/v1/catalog"), row("/api/v1/catalog", None, Device, &[])),
        (("GET", "/api/v1/customers"), row("/api/v1/customers", None, Device, &[])),
        (("GET", "/api/v1/sales"), row("/api/v1/sales", None, Device, &[])),
        (("GET", "/api/v1/stock"), row("/api/v1/stock?outlet=montreal", None, Device, &[(LavDevice, 403), (ManagerLaval, 403)])),
        (("GET", "/api/v1/serials"), row("/api/v1/serials?outlet_id=montreal", None, Device, &[(LavDevice, 403)])),
        (("POST", "/api/v1/serials"), row("/api/v1/serials", Some(r#"{"product_id":"drill","outlet_id":"montreal","serials":"SN-{N}"}"#), Device, &[(DeviceAlone, 403), (LavDevice, 403), (ManagerLaval, 403)])),
        (("DELETE", "/api/v1/serials/{product_id}/{serial}"), row("/api/v1/serials/drill/NOT-ON-FILE", None, Manager, &[(Cashier, 403), (Device, 401)])),
        (("GET", "/api/v1/serials/{product_id}/{serial}/history"), row("/api/v1/serials/drill/NOT-ON-FILE/history", None, Device, &[])),
        (("GET", "/api/v1/conflicts"), row("/api/v1/conflicts", None, Manager, &[(Cashier, 403), (Device, 401)])),
        (("POST", "/api/v1/customers"), row("/api/v1/customers", Some(r#"{"name":"Client {N}"}"#), Manager, &[(Cashier, 403), (Device, 401), (DeviceAlone, 401)])),
        (("PUT", "/api/v1/customers/{id}"), row("/api/v1/customers/c-tremblay", Some(r#"{"name":"Tremblay {N}","credit_limit":50000}"#), Manager, &[(Cashier, 403), (Device, 401)])),
        (("GET", "/api/v1/customers/summaries"), row("/api/v1/customers/summaries", None, Device, &[])),
        (("GET", "/api/v1/customers/{id}/summary"), row("/api/v1/customers/c-tremblay/summary", None, Device, &[])),
        (("POST", "/api/v1/customers/{id}/payments"), row("/api/v1/customers/c-tremblay/payments", payment, Device, &[(DeviceAlone, 403), (LavDevice, 403), (ManagerLaval, 403)])),
        (("GET", "/api/v1/customers/{id}/statement"), row("/api/v1/customers/c-tremblay/statement?year=2026&month=11", None, Device, &[])),
        (("GET", "/api/v1/customers/{id}/statement.csv"), row("/api/v1/customers/c-tremblay/statement.csv?year=2026&month=11", None, Device, &[])),
        (("GET", "/api/v1/reports/z"), row("/api/v1/reports/z?register=montreal-1&date=2026-11-23", None, Manager, &[(ManagerLaval, 403), (Cashier, 403), (Device, 401)])),
        (
            ("POST", "/api/v1/reports/z/count"),
            row(
                "/api/v1/reports/z/count",
                Some(r#"{"register":"montreal-1","date":"2026-11-23","counted":{N}}"#),
                Manager,
                &[(ManagerLaval, 403), (Cashier, 403), (Device, 401)],
            ),
        ),
        (("GET", "/api/v1/audit"), row("/api/v1/audit", None, Manager, &[(Cashier, 403), (Device, 401)])),
        // Catalogue › Produits and CSV files (issue 12): shop-wide, managers and admins.
        (("GET", "/api/v1/products"), row("/api/v1/products?q=caf", None, Manager, &[(Cashier, 403), (Device, 401)])),
        (("POST", "/api/v1/products"), row("/api/v1/products", Some(r#"{"sku":"ACC-{N}","name":"Produit {N}","price":100}"#), Manager, &[(Cashier, 403), (Device, 401)])),
        (("GET", "/api/v1/products/{id}"), row("/api/v1/products/drill", None, Manager, &[(Cashier, 403), (Device, 401)])),
        (("PATCH", "/api/v1/products/{id}"), row("/api/v1/products/drill", Some(r#"{"loyalty_points":{N}}"#), Manager, &[(Cashier, 403), (Device, 401)])),
        (("GET", "/api/v1/export/products.csv"), row("/api/v1/export/products.csv", None, Manager, &[(Cashier, 403), (Device, 401)])),
        (("GET", "/api/v1/export/customers.csv"), row("/api/v1/export/customers.csv", None, Manager, &[(Cashier, 403), (Device, 401)])),
        (("GET", "/api/v1/export/serials.csv"), row("/api/v1/export/serials.csv", None, Manager, &[(Cashier, 403), (Device, 401)])),
        (("POST", "/api/v1/import/products"), row("/api/v1/import/products", Some("{}"), Manager, &[(Cashier, 403), (Device, 401)])),
        (("POST", "/api/v1/import/customers"), row("/api/v1/import/customers", Some("{}"), Manager, &[(Cashier, 403), (Device, 401)])),
        (("POST", "/api/v1/import/serials"), row("/api/v1/import/serials", Some("{}"), Manager, &[(Cashier, 403), (Device, 401)])),
        // Online orders in (issue 11). A webhook's credential is the platform's signature, checked
        // against the connection's secret: for a connection that does not exist, 404.
        (("POST", "/api/v1/connections"), row("/api/v1/connections", Some(r#"{"platform":"woocommerce","name":"Boutique {N}","base_url":"https://shop{N}.example","credentials":{"platform":"woocommerce","consumer_key":"k","consumer_secret":"s","webhook_secret":"w"},"orders_register_id":"montreal-1"}"#), Manager, &[(ManagerLaval, 422), (Cashier, 403), (Device, 401)])),
        (("GET", "/api/v1/connections"), row("/api/v1/connections", None, Manager, &[(Cashier, 403), (Device, 401)])),
        (("PUT", "/api/v1/connections/{id}/outlets"), row("/api/v1/connections/no-such-connection/outlets", Some(r#"{"outlets":[]}"#), Manager, &[(Cashier, 403), (Device, 401)])),
        (("PATCH", "/api/v1/connections/{id}"), row("/api/v1/connections/no-such-connection", Some(r#"{"name":"Boutique {N}"}"#), Manager, &[(Cashier, 403), (Device, 401)])),
        (("POST", "/api/v1/connections/{id}/deactivate"), row("/api/v1/connections/no-such-connection/deactivate", None, Manager, &[(Cashier, 403), (Device, 401)])),
        (("POST", "/api/v1/connections/{id}/activate"), row("/api/v1/connections/no-such-connection/activate", None, Manager, &[(Cashier, 403), (Device, 401)])),
        (("POST", "/api/v1/webhooks/{connection_id}"), row("/api/v1/webhooks/no-such-connection", Some("{}"), Nobody, &[])),
        (("GET", "/api/v1/orders"), row("/api/v1/orders?outlet=montreal", None, Device, &[(Cashier, 403), (LavDevice, 403), (ManagerLaval, 403)])),
        (("GET", "/api/v1/orders/{id}"), row("/api/v1/orders/no-such-order", None, Device, &[(Cashier, 403)])),
        (("GET", "/api/v1/held/orders"), row("/api/v1/held/orders", None, Manager, &[(Cashier, 403), (Device, 401)])),
        // Online orders out (issue 11): a manager's order operations without a device; what a store is owed.
        (("POST", "/api/v1/orders/ops"), row("/api/v1/orders/ops", Some(r#"{"id":"op-{N}","device_id":"-","made_at_ms":0,"cashier_id":"-","body":{"kind":"order_note","order_id":"no-such-order","outlet_id":"montreal","text":"abîmé"}}"#), Manager, &[(Cashier, 403), (Device, 401)])),
        (("GET", "/api/v1/connections/{id}/outbox"), row("/api/v1/connections/no-such-connection/outbox", None, Manager, &[(Cashier, 403), (Device, 401)])),
        (("POST", "/api/v1/connections/{id}/outbox/retry"), row("/api/v1/connections/no-such-connection/outbox/retry", None, Manager, &[(Cashier, 403), (Device, 401)])),
        (("POST", "/api/v1/connections/{id}/outbox/{call_id}/retry"), row("/api/v1/connections/no-such-connection/outbox/1/retry", None, Manager, &[(Cashier, 403), (Device, 401)])),
        (("POST", "/api/v1/held/orders/{id}/retry"), row("/api/v1/held/orders/12345/retry", None, Manager, &[(Cashier, 403), (Device, 401)])),
        (("GET", "/api/v1/sales/history"), row("/api/v1/sales/history?outlet=montreal", None, Device, &[(ManagerLaval, 403), (LavDevice, 403), (Cashier, 403)])),
        (("GET", "/api/v1/sales/{id}"), row("/api/v1/sales/no-such-sale", None, Device, &[(Cashier, 403)])),
        (("POST", "/api/v1/sales/{id}/notes"), row("/api/v1/sales/no-such-sale/notes", Some(r#"{"id":"note-{N}","text":"suivi"}"#), Manager, &[(Cashier, 403), (Device, 401)])),
        (("GET", "/api/v1/inbox"), row("/api/v1/inbox", None, Manager, &[(Cashier, 403), (Device, 401)])),
        (("POST", "/api/v1/inbox/{item_id}/resolve"), row("/api/v1/inbox/conflict:999/resolve", Some(r#"{"resolution_id":"r-{N}","action":"acknowledge","note":"vu"}"#), Manager, &[(Cashier, 403), (Device, 401)])),
        // Administration (issue 12 item 7): managers read their outlets and staff, admins write.
        (("GET", "/api/v1/outlets"), row("/api/v1/outlets", None, Manager, &[(Cashier, 403), (Device, 401)])),
        (("POST", "/api/v1/outlets"), row("/api/v1/outlets", Some(r#"{"name":"Point {N}","time_zone":"America/Toronto"}"#), Admin, &[(Manager, 403), (Cashier, 403), (Device, 401)])),
        (("PUT", "/api/v1/outlets/priority"), row("/api/v1/outlets/priority", Some(r#"{"outlets":["montreal","sherbrooke","laval"]}"#), Admin, &[(Manager, 403), (Cashier, 403), (Device, 401)])),
        (("PATCH", "/api/v1/outlets/{id}"), row("/api/v1/outlets/laval", Some(r#"{"name":"Laval {N}"}"#), Admin, &[(Manager, 403), (Cashier, 403), (Device, 401)])),
        (("POST", "/api/v1/registers"), row("/api/v1/registers", Some(r#"{"outlet_id":"laval","code":"L{N}","name":"Caisse {N}"}"#), Admin, &[(Manager, 403), (Cashier, 403), (Device, 401)])),
        (("GET", "/api/v1/time-zones"), row("/api/v1/time-zones", None, Manager, &[(Cashier, 403), (Device, 401)])),
        (("GET", "/api/v1/staff/accounts"), row("/api/v1/staff/accounts", None, Manager, &[(Cashier, 403), (Device, 401)])),
        (("PATCH", "/api/v1/staff/{id}"), row("/api/v1/staff/sophie", Some(r#"{"name":"Sophie {N}"}"#), Admin, &[(Manager, 403), (Cashier, 403), (Device, 401)])),
    ])
}

struct Callers {
    manager: String,
    manager_laval: String,
    cashier: String,
}

async fn callers(app: &TestApp) -> Callers {
    for body in [
        r#"{"name":"Gérant Laval","email":"laval@test.example","role":"manager","outlets":["laval"],"password":"gerant-laval-2026"}"#,
        r#"{"name":"Caissière","email":"caisse@test.example","role":"cashier","outlets":["montreal"],"password":"caisse-mtl-2026"}"#,
    ] {
        let (status, body) = app.post("/api/v1/staff", body).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    Callers {
        manager: app.token(MANAGER_MTL).await,
        manager_laval: app.token(("laval@test.example", "gerant-laval-2026")).await,
        cashier: app.token(("caisse@test.example", "caisse-mtl-2026")).await,
    }
}

async fn credentials(app: &TestApp, c: &Callers, who: Who) -> As {
    match who {
        Who::Nobody => As::Nobody,
        Who::Admin => As::Bearer(app.admin.clone()),
        Who::Manager => As::Bearer(c.manager.clone()),
        Who::ManagerLaval => As::Bearer(c.manager_laval.clone()),
        Who::Cashier => As::Bearer(c.cashier.clone()),
        Who::Device => app.device(MTL_DEVICE, Some("julie")),
        Who::DeviceAlone => app.device(MTL_DEVICE, None),
        Who::LavDevice => app.device(LAV_DEVICE, Some("marc")),
        Who::NewSession => As::Bearer(app.token(MANAGER_MTL).await),
    }
}

/// The row's body for one request: `{N}` made unique, `{CODE}` a fresh enrolment code.
async fn body(app: &TestApp, template: Option<&str>, n: u32) -> Option<String> {
    let text = template?.replace("{N}", &n.to_string());
    Some(if text.contains("{CODE}") { text.replace("{CODE}", &app.code("montreal-1").await) } else { text })
}

#[tokio::test]
async fn every_route_refuses_nobody_and_the_wrong_caller_and_serves_the_right_one() {
    let app = spawn_app().await;
    let c = callers(&app).await;
    let table: BTreeMap<(String, String), Access> =
        backend::routes::table::table().into_iter().map(|r| ((r.method.to_string(), r.path.to_string()), r.access)).collect();
    let expected = expectations();
    let served: BTreeSet<(String, String)> = table.keys().cloned().collect();
    let listed: BTreeSet<(String, String)> = expected.keys().map(|(m, p)| (m.to_string(), p.to_string())).collect();
    assert_eq!(served, listed, "the router's routes and this test's expectations must be the same set");

    let mut n = 0;
    for ((method, path), row) in &expected {
        let access = table[&(method.to_string(), path.to_string())];
        let send = |who: As, b: Option<String>| app.send(who, method, row.uri, b);

        n += 1;
        let (status, resp) = send(As::Nobody, body(&app, row.body, n).await).await;
        if path.starts_with("/api/v1/webhooks/") {
            assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}: {resp}");
        } else if access == Access::Public {
            assert!(status.is_success(), "{method} {path} is public: {status} {resp}");
        } else {
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{method} {path} without a credential: {resp}");
            assert_eq!(resp["error"], "unauthenticated");
        }
        for (who, want) in row.wrong {
            n += 1;
            let (status, resp) = send(credentials(&app, &c, *who).await, body(&app, row.body, n).await).await;
            assert_eq!(status.as_u16(), *want, "{method} {path} as {who:?}: {resp}");
            assert!(resp["error"].is_string(), "{resp}");
        }
        n += 1;
        let (status, resp) = send(credentials(&app, &c, row.right).await, body(&app, row.body, n).await).await;
        assert!(
            !matches!(status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN) && !status.is_server_error(),
            "{method} {path} as {:?}: {status} {resp}",
            row.right
        );
    }
}
