//! A hostile review of issue 10: what an attacker on the shop's network, a malicious page, a rogue
//! device or a clumsy cashier tried, each through the real router on a real SQLite file.

use crate::helpers::{spawn_app, As, ADMIN, MANAGER_MTL, MTL_DEVICE};
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode};
use serde_json::json;
use std::net::SocketAddr;
use tower::ServiceExt;

#[tokio::test]
async fn a_sale_without_a_device_id_pushed_by_an_enrolled_device_is_held_when_it_breaks_the_outlet_or_override_rules() {
    let app = spawn_app().await;
    // Montréal's tablet pushes a Laval sale dressed as one from before devices (no device, old receipt).
    let mut laval = app.laval_sale(1, &["hat"]);
    laval.device_id = String::new();
    laval.receipt = "LAV1-000001".into();
    laval.cashier_id = String::new();
    // And a Montréal sale from "before devices" at a tenth of the price, overridden by a cashier.
    let mut cheap = app.sale(2, &["hat"]);
    cheap.device_id = String::new();
    cheap.receipt = "MTL1-000002".into();
    let mut cart = shared::sale::Cart { lines: cheap.lines.clone(), ..Default::default() };
    let tenth = shared::Money(cheap.lines[0].unit_price.as_cents() / 10);
    cart.override_price(0, tenth, "julie", "ami", 1_700_000_000_000).unwrap();
    cheap.lines = cart.lines.clone();
    cheap.totals = cart.totals(&shared::tax::TaxRates::QUEBEC).unwrap();
    cheap.tenders = vec![shared::sale::Tender::exact(shared::sale::TenderKind::Card, cheap.totals.total)];
    let (status, r) = app.push_from(MTL_DEVICE, &[laval, cheap]).await;
    assert_eq!(status, StatusCode::OK, "{r}");
    assert_eq!(r["results"][0]["hold"]["code"], "other_outlet", "{r}");
    assert_eq!(r["results"][1]["hold"]["code"], "override_not_allowed", "{r}");
    assert_eq!((app.sale_count().await, app.held_count().await), (0, 2), "held, never stored as fine, never refused");
}

/// `n` copies of one request sent at once through the router (each its own task): their statuses.
async fn at_once(app: &crate::helpers::TestApp, n: usize, make: impl Fn(usize) -> Request<Body>) -> Vec<StatusCode> {
    let tasks: Vec<_> = (0..n)
        .map(|i| {
            let (router, req) = (app.router.clone(), make(i));
            tokio::spawn(async move { router.oneshot(req).await.unwrap().status() })
        })
        .collect();
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

fn from(ip: [u8; 4], mut req: Request<Body>) -> Request<Body> {
    req.extensions_mut().insert(ConnectInfo(SocketAddr::from((ip, 40_000))));
    req
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_wrong_pins_sent_at_once_are_counted_one_after_another_so_at_most_five_are_checked() {
    let app = spawn_app().await;
    let credential = app.devices[MTL_DEVICE].clone();
    let statuses = at_once(&app, 20, |i| {
        Request::post("/api/v1/auth/pin")
            .header("content-type", "application/json")
            .header("authorization", format!("Device {credential}"))
            .body(Body::from(json!({"staff_id": "sophie", "pin": format!("{:04}", 5000 + i)}).to_string()))
            .unwrap()
    })
    .await;
    let checked = statuses.iter().filter(|s| **s == StatusCode::UNAUTHORIZED).count();
    assert_eq!(checked, 5, "a 4-digit PIN must not get a burst of guesses past the lock-out: {statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count(), 15);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_wrong_passwords_sent_at_once_are_counted_one_after_another_so_at_most_five_are_checked() {
    let app = spawn_app().await;
    let statuses = at_once(&app, 20, |i| {
        Request::post("/api/v1/auth/token")
            .header("content-type", "application/json")
            .body(Body::from(json!({"email": MANAGER_MTL.0, "password": format!("guess-{i}")}).to_string()))
            .unwrap()
    })
    .await;
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::UNAUTHORIZED).count(), 5, "{statuses:?}");
    let (status, _) = app.send(As::Nobody, "POST", "/api/v1/auth/token", Some(json!({"email": MANAGER_MTL.0, "password": MANAGER_MTL.1}).to_string())).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn a_flood_of_sign_ins_at_random_emails_locks_out_its_client_address_and_not_the_shops() {
    let app = spawn_app().await;
    let login = |ip: [u8; 4], email: &str, password: &str| {
        let body = json!({"email": email, "password": password}).to_string();
        from(ip, Request::post("/api/v1/auth/token").header("content-type", "application/json").body(Body::from(body)).unwrap())
    };
    let attacker = [192, 0, 2, 66];
    let mut refused = 0;
    for i in 0..40 {
        let (status, _) = app.call(login(attacker, &format!("nobody-{i}@example.com"), "whatever-it-is")).await;
        if status == StatusCode::TOO_MANY_REQUESTS {
            refused += 1;
        }
    }
    assert_eq!(refused, 10, "each e-mail is new, so only the address's limit (30) can stop the argon2 work");
    // The address is locked even for a right password (a PIN too); the shop's own till is not.
    assert_eq!(app.call(login(attacker, ADMIN.0, ADMIN.1)).await.0, StatusCode::TOO_MANY_REQUESTS);
    let mut pin = Request::post("/api/v1/auth/pin")
        .header("content-type", "application/json")
        .header("authorization", format!("Device {}", app.devices[MTL_DEVICE]))
        .body(Body::from(json!({"staff_id": "julie", "pin": "1111"}).to_string()))
        .unwrap();
    pin.extensions_mut().insert(ConnectInfo(SocketAddr::from((attacker, 1))));
    assert_eq!(app.call(pin).await.0, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(app.call(login([192, 0, 2, 10], ADMIN.0, ADMIN.1)).await.0, StatusCode::OK);
    let (_, entries) = app.get("/api/v1/audit?limit=500").await;
    let locks: Vec<&serde_json::Value> = entries.as_array().unwrap().iter().filter(|e| e["action"] == "locked_out").collect();
    assert_eq!(locks.len(), 1, "{locks:?}");
    assert_eq!(locks[0]["subject"], "client:192.0.2.66");
}

#[tokio::test]
async fn an_oversized_email_or_pin_request_is_a_400_and_stores_no_failure_key() {
    let app = spawn_app().await;
    let huge = "a".repeat(200_000);
    let (status, body) = app.send(As::Nobody, "POST", "/api/v1/auth/token", Some(json!({"email": format!("{huge}@x"), "password": "p"}).to_string())).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("bad_request")), "{body}");
    let (status, _) = app.send(As::Nobody, "POST", "/api/v1/auth/token", Some(json!({"email": "a@b", "password": huge}).to_string())).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = app.send(app.device(MTL_DEVICE, None), "POST", "/api/v1/auth/pin", Some(json!({"staff_id": huge, "pin": "1234"}).to_string())).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let longest: Option<i64> = sqlx::query_scalar("SELECT CAST(MAX(LENGTH(key)) AS BIGINT) FROM auth_failures").fetch_one(&app.db).await.unwrap();
    assert!(longest.unwrap_or(0) < 1000, "a failure key of {longest:?} bytes");
}

#[tokio::test]
async fn a_code_from_another_outlets_manager_cannot_take_over_an_enrolled_device() {
    let app = spawn_app().await;
    let body = r#"{"name":"Gérant Laval","email":"laval@test.example","role":"manager","outlets":["laval"],"password":"gerant-laval-2026"}"#;
    assert_eq!(app.post("/api/v1/staff", body).await.0, StatusCode::CREATED);
    let laval = As::Bearer(app.token(("laval@test.example", "gerant-laval-2026")).await);
    let code = |who: As, register: &'static str| {
        let app = &app;
        async move {
            let (status, c) = app.send(who, "POST", "/api/v1/devices/codes", Some(json!({"register_id": register}).to_string())).await;
            assert_eq!(status, StatusCode::OK, "{c}");
            c["code"].as_str().unwrap().to_string()
        }
    };
    let enrol = |id: &str, code: &str| Some(json!({"device_id": id, "code": code}).to_string());
    // Montréal's tablet id (seen on a receipt file, an export, the tablet itself) with Laval's code.
    let stolen = code(laval.clone(), "laval-1").await;
    let (status, body) = app.send(As::Nobody, "POST", "/api/v1/devices/enrol", enrol(MTL_DEVICE, &stolen)).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::FORBIDDEN, Some("device_elsewhere")), "{body}");
    assert_eq!(app.send(app.device(MTL_DEVICE, None), "GET", "/api/v1/auth/me", None).await.0, StatusCode::OK, "the tablet keeps its credential");
    // Revoked, it is still Montréal's to enrol again: not Laval's manager's, but Montréal's.
    assert_eq!(app.post("/api/v1/devices/device-mtl/revoke", "").await.0, StatusCode::OK);
    let (status, _) = app.send(As::Nobody, "POST", "/api/v1/devices/enrol", enrol(MTL_DEVICE, &stolen)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a revocation is not undone by another outlet's manager");
    // The refused code is not spent: it enrols a new tablet.
    assert_eq!(app.send(As::Nobody, "POST", "/api/v1/devices/enrol", enrol("laval-new", &stolen)).await.0, StatusCode::OK);
    let own = code(As::Bearer(app.token(MANAGER_MTL).await), "montreal-1").await;
    let (status, body) = app.send(As::Nobody, "POST", "/api/v1/devices/enrol", enrol(MTL_DEVICE, &own)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["device"]["number"], 1);
}

#[tokio::test]
async fn a_push_goes_through_when_the_cashier_switched_in_has_since_left_the_outlet() {
    let app = spawn_app().await;
    // Julie switched in offline; meanwhile she stopped working at Montréal.
    sqlx::query("DELETE FROM staff_outlets WHERE staff_id = 'julie'").execute(&app.db).await.unwrap();
    let body = json!({"device_id": MTL_DEVICE, "sales": [app.sale(1, &["shirt"])]}).to_string();
    let (status, r) = app.send(app.device(MTL_DEVICE, Some("julie")), "POST", "/api/v1/sync/push", Some(body)).await;
    assert_eq!(status, StatusCode::OK, "the outbox must not be blocked by the header: {r}");
    assert_eq!(r["results"][0]["hold"]["code"], "unknown_cashier", "her sale is kept, held for a manager: {r}");
    // Counter routes still check who is switched in.
    let (status, body) = app.send(app.device(MTL_DEVICE, Some("julie")), "GET", "/api/v1/setup", None).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::FORBIDDEN, Some("unknown_cashier")));
}

#[tokio::test]
async fn guessing_enrolment_codes_until_locked_out_is_in_the_audit_log_without_the_codes() {
    let app = spawn_app().await;
    for _ in 0..5 {
        let (status, _) = app.send(As::Nobody, "POST", "/api/v1/devices/enrol", Some(json!({"device_id": "t", "code": "ZZZZ-ZZZZ"}).to_string())).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let (_, entries) = app.get("/api/v1/audit?limit=500").await;
    let locks: Vec<&serde_json::Value> = entries.as_array().unwrap().iter().filter(|e| e["action"] == "locked_out").collect();
    assert_eq!(locks.len(), 1, "{entries}");
    assert_eq!(locks[0]["subject"], "code:local");
    assert!(!entries.to_string().contains("ZZZZ"), "no code in the log");
}
