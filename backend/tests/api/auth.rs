//! Staff sign-in, lock-outs, PINs, enrolment, revocation, browser protections (cookie flags, CSRF,
//! content type, origin, host), outlet scoping and the audit log — through the real router on a real
//! SQLite file.

use crate::helpers::{spawn_app, As, TestApp, ADMIN, LAV_DEVICE, MANAGER_MTL, MTL_DEVICE};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use backend::AppState;
use http_body_util::BodyExt;
use serde_json::{json, Value};
use shared::auth::PinVerifier;
use tower::ServiceExt;

fn login_body((email, password): (&str, &str)) -> String {
    json!({"email": email, "password": password}).to_string()
}

/// A browser sign-in: the session cookie's token, the CSRF token and the raw `Set-Cookie`.
async fn browser_login(app: &TestApp, creds: (&str, &str)) -> (String, String, String) {
    let req = Request::post("/api/v1/auth/login").header("content-type", "application/json").body(Body::from(login_body(creds))).unwrap();
    let resp = app.router.clone().oneshot(req).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let set_cookie = resp.headers()["set-cookie"].to_str().unwrap().to_string();
    let body: Value = serde_json::from_slice(&resp.into_body().collect().await.unwrap().to_bytes()).unwrap();
    assert!(body.get("token").is_none(), "a cookie session's token never appears in the body: {body}");
    let token = set_cookie.split(';').next().unwrap().strip_prefix("comptoir_session=").unwrap().to_string();
    (token, body["csrf_token"].as_str().unwrap().to_string(), set_cookie)
}

async fn audit(app: &TestApp) -> Vec<Value> {
    let (status, entries) = app.get("/api/v1/audit?limit=500").await;
    assert_eq!(status, StatusCode::OK, "{entries}");
    entries.as_array().unwrap().clone()
}

async fn count(app: &TestApp, table: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}"))).fetch_one(&app.db).await.unwrap()
}

#[tokio::test]
async fn five_wrong_passwords_lock_the_account_and_then_even_the_right_one_is_refused() {
    let app = spawn_app().await;
    for _ in 0..5 {
        let (status, body) = app.send(As::Nobody, "POST", "/api/v1/auth/token", Some(login_body((MANAGER_MTL.0, "not-the-password")))).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(body["error"], "bad_credentials");
    }
    let (status, body) = app.send(As::Nobody, "POST", "/api/v1/auth/login", Some(login_body(MANAGER_MTL))).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(body["error"], "locked_out");
    assert!(body["message"].as_str().unwrap().contains("locked until"), "{body}");
    // Another account is not affected; an unknown e-mail gets the wrong password's answer.
    assert_eq!(app.send(As::Nobody, "POST", "/api/v1/auth/token", Some(login_body(ADMIN))).await.0, StatusCode::OK);
    let (status, body) = app.send(As::Nobody, "POST", "/api/v1/auth/token", Some(login_body(("nobody@example.com", "whatever-it-is")))).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::UNAUTHORIZED, Some("bad_credentials")));
    let actions: Vec<String> = audit(&app).await.iter().map(|e| e["action"].as_str().unwrap().to_string()).collect();
    assert_eq!(actions.iter().filter(|a| *a == "sign_in_failed").count(), 6);
    assert_eq!(actions.iter().filter(|a| *a == "locked_out").count(), 1);
    let text = audit(&app).await.iter().map(Value::to_string).collect::<String>();
    assert!(!text.contains("not-the-password") && !text.contains("demo-gerante-2026"), "no secret in the audit log");
}

#[tokio::test]
async fn a_pin_switches_a_cashier_in_five_wrong_ones_lock_her_out_and_another_outlets_cashier_is_refused() {
    let app = spawn_app().await;
    let pin = |staff: &str, pin: &str| Some(json!({"staff_id": staff, "pin": pin}).to_string());
    let (status, body) = app.send(app.device(MTL_DEVICE, None), "POST", "/api/v1/auth/pin", pin("julie", "1111")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["staff"]["id"], "julie");
    let (status, body) = app.send(app.device(MTL_DEVICE, None), "POST", "/api/v1/auth/pin", pin("marc", "2222")).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "Marc works at Laval: {body}");
    for _ in 0..5 {
        let (status, body) = app.send(app.device(MTL_DEVICE, None), "POST", "/api/v1/auth/pin", pin("sophie", "0000")).await;
        assert_eq!((status, body["error"].as_str()), (StatusCode::UNAUTHORIZED, Some("wrong_pin")));
    }
    let (status, body) = app.send(app.device(MTL_DEVICE, None), "POST", "/api/v1/auth/pin", pin("sophie", "3333")).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::TOO_MANY_REQUESTS, Some("locked_out")), "{body}");
    let actions: Vec<String> = audit(&app).await.iter().map(|e| e["action"].as_str().unwrap().to_string()).collect();
    assert!(actions.contains(&"pin_switch_in".to_string()) && actions.contains(&"locked_out".to_string()));
    assert_eq!(actions.iter().filter(|a| *a == "pin_failed").count(), 5);
}

#[tokio::test]
async fn the_offline_verifiers_match_each_pin_and_never_carry_it() {
    let app = spawn_app().await;
    let (status, body) = app.send(app.device(MTL_DEVICE, None), "GET", "/api/v1/staff/offline", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let staff: Vec<shared::auth::OfflineStaff> = serde_json::from_value(body.clone()).unwrap();
    let ids: Vec<&str> = staff.iter().map(|s| s.staff_id.as_str()).collect();
    assert_eq!(ids.len(), 4, "Montréal's cashiers, its manager and the admin: {ids:?}");
    assert!(!ids.contains(&"marc"));
    for (id, pin) in [("julie", "1111"), ("sophie", "3333"), ("gerante-mtl", "8888"), ("admin", "9999")] {
        let v: &PinVerifier = &staff.iter().find(|s| s.staff_id == id).unwrap().verifier;
        assert!(v.matches(pin), "{id}");
        assert!(!v.matches("1234"), "{id}");
        assert_ne!(v.hash, pin);
        assert_eq!(v.iterations, shared::auth::PIN_ITERATIONS);
    }
    let text = body.to_string();
    assert!(!text.contains("argon2") && !text.contains("pin_hash") && !text.contains("\"pin\""), "{text}");
    // Laval's tablet gets Laval's staff.
    let (_, laval) = app.send(app.device(LAV_DEVICE, None), "GET", "/api/v1/staff/offline", None).await;
    let ids: Vec<&str> = laval.as_array().unwrap().iter().map(|s| s["staff_id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 2, "{ids:?}");
    assert!(ids.contains(&"marc") && ids.contains(&"admin"));
}

#[tokio::test]
async fn an_enrolment_code_works_once_in_any_case_and_not_after_it_expires() {
    let mut app = spawn_app().await;
    let code = app.code("montreal-1").await;
    assert!(code.len() == 9 && code.as_bytes()[4] == b'-', "{code}");
    let enrol = |id: &str, code: &str| Some(json!({"device_id": id, "code": code}).to_string());
    let typed = code.replace('-', "").to_lowercase();
    let (status, e) = app.send(As::Nobody, "POST", "/api/v1/devices/enrol", enrol("tablet-a", &typed)).await;
    assert_eq!(status, StatusCode::OK, "{e}");
    assert_eq!((e["register_id"].as_str(), e["outlet_id"].as_str(), e["device"]["number"].as_u64()), (Some("montreal-1"), Some("montreal"), Some(3)));
    assert!(e["credential"].as_str().unwrap().starts_with("tablet-a."));
    let (status, again) = app.send(As::Nobody, "POST", "/api/v1/devices/enrol", enrol("tablet-b", &code)).await;
    assert_eq!((status, again["error"].as_str()), (StatusCode::UNAUTHORIZED, Some("bad_code")), "single use");

    let late = app.code("montreal-1").await;
    sqlx::query("UPDATE enrolment_codes SET expires_at_ms = 1 WHERE used_at_ms IS NULL").execute(&app.db).await.unwrap();
    let (status, expired) = app.send(As::Nobody, "POST", "/api/v1/devices/enrol", enrol("tablet-b", &late)).await;
    assert_eq!((status, expired["error"].as_str()), (StatusCode::UNAUTHORIZED, Some("bad_code")), "expired");
    // Re-enrolled (by a new code, to another register) a device keeps its number; the old credential is dead.
    let old = As::Device(e["credential"].as_str().unwrap().to_string(), None);
    assert_eq!(app.enrol("tablet-a", "laval-1").await, 3);
    assert_eq!(app.send(old, "GET", "/api/v1/auth/me", None).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(count(&app, "devices").await, 3);
}

#[tokio::test]
async fn wrong_codes_are_rate_limited() {
    let app = spawn_app().await;
    for _ in 0..5 {
        let (status, _) = app.send(As::Nobody, "POST", "/api/v1/devices/enrol", Some(json!({"device_id": "t", "code": "AAAA-AAAA"}).to_string())).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let code = app.code("montreal-1").await;
    let (status, body) = app.send(As::Nobody, "POST", "/api/v1/devices/enrol", Some(json!({"device_id": "t", "code": code}).to_string())).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::TOO_MANY_REQUESTS, Some("locked_out")));
}

#[tokio::test]
async fn a_revoked_device_is_refused_with_device_revoked_and_its_push_stores_nothing() {
    let app = spawn_app().await;
    let (status, _) = app.send(As::Bearer(app.token(MANAGER_MTL).await), "POST", "/api/v1/devices/device-mtl/revoke", None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "only an admin revokes");
    let (status, d) = app.post("/api/v1/devices/device-mtl/revoke", "").await;
    assert_eq!(status, StatusCode::OK, "{d}");
    assert!(d["revoked_at_ms"].is_i64());
    let (status, body) = app.push(&[app.sale(1, &["shirt"])]).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::UNAUTHORIZED, Some("device_revoked")), "{body}");
    assert_eq!((app.sale_count().await, app.held_count().await), (0, 0));
    let (status, body) = app.send(app.device(MTL_DEVICE, Some("julie")), "GET", "/api/v1/setup", None).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::UNAUTHORIZED, Some("device_revoked")));
    let revoked: Vec<Value> = audit(&app).await.into_iter().filter(|e| e["action"] == "device_revoked").collect();
    assert_eq!(revoked.len(), 1);
    assert_eq!(revoked[0]["staff_id"], "admin");
}

#[tokio::test]
async fn a_push_naming_another_device_is_forbidden_and_stores_nothing() {
    let app = spawn_app().await;
    let sales = [app.laval_sale(1, &["shirt"])];
    let body = json!({"device_id": LAV_DEVICE, "sales": sales}).to_string();
    let (status, resp) = app.send(app.device(MTL_DEVICE, None), "POST", "/api/v1/sync/push", Some(body)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{resp}");
    assert_eq!((app.sale_count().await, app.held_count().await), (0, 0));
}

#[tokio::test]
async fn a_cashier_who_does_not_work_at_the_devices_outlet_cannot_be_switched_in_by_header() {
    let app = spawn_app().await;
    let (status, body) = app.send(app.device(MTL_DEVICE, Some("marc")), "GET", "/api/v1/auth/me", None).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::FORBIDDEN, Some("unknown_cashier")));
    let (status, me) = app.send(app.device(MTL_DEVICE, Some("julie")), "GET", "/api/v1/auth/me", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!((me["device"]["id"].as_str(), me["cashier"]["id"].as_str()), (Some(MTL_DEVICE), Some("julie")));
    assert!(me.get("staff").is_none());
}

#[tokio::test]
async fn session_cookies_are_httponly_samesite_strict_and_secure_only_behind_https() {
    let app = spawn_app().await;
    let (_, _, cookie) = browser_login(&app, MANAGER_MTL).await;
    for part in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=43200"] {
        assert!(cookie.contains(part), "{cookie}");
    }
    assert!(!cookie.contains("Secure"), "{cookie}");

    let mut config = backend::config::Config::from_env().unwrap();
    config.public_url = Some("https://pos.example".into());
    assert!(config.https());
    let auth = backend::auth::AuthConfig { secure_cookies: config.https(), ..Default::default() };
    let secure = TestApp { router: backend::api(AppState::with_auth(app.store.clone(), auth)), ..app };
    let (_, _, cookie) = browser_login(&secure, MANAGER_MTL).await;
    assert!(cookie.contains("Secure"), "{cookie}");
}

#[tokio::test]
async fn a_cookie_session_without_the_right_csrf_token_writes_nothing() {
    let app = spawn_app().await;
    let (token, csrf, _) = browser_login(&app, MANAGER_MTL).await;
    let serials = || Some(json!({"product_id": "drill", "outlet_id": "montreal", "serials": "CSRF-1"}).to_string());
    for bad in [None, Some("0".repeat(64))] {
        let (status, body) = app.send(As::Cookie { token: token.clone(), csrf: bad }, "POST", "/api/v1/serials", serials()).await;
        assert_eq!((status, body["error"].as_str()), (StatusCode::FORBIDDEN, Some("csrf")), "{body}");
    }
    assert_eq!(count(&app, "serials").await, 0);
    // Reading needs no token; writing with it works.
    assert_eq!(app.send(As::Cookie { token: token.clone(), csrf: None }, "GET", "/api/v1/auth/me", None).await.0, StatusCode::OK);
    let (status, body) = app.send(As::Cookie { token: token.clone(), csrf: Some(csrf.clone()) }, "POST", "/api/v1/serials", serials()).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    // Signing out ends the session and clears the cookie.
    let req = Request::post("/api/v1/auth/logout").header("cookie", format!("comptoir_session={token}")).header("x-csrf-token", &csrf).body(Body::empty()).unwrap();
    let resp = app.router.clone().oneshot(req).await.unwrap();
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    assert!(resp.headers()["set-cookie"].to_str().unwrap().contains("Max-Age=0"));
    assert_eq!(app.send(As::Cookie { token, csrf: None }, "GET", "/api/v1/auth/me", None).await.0, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_cross_site_text_plain_post_or_another_origin_is_refused_and_writes_nothing() {
    let app = spawn_app().await;
    let (token, csrf, _) = browser_login(&app, MANAGER_MTL).await;
    let body = json!({"product_id": "drill", "outlet_id": "montreal", "serials": "XS-1"}).to_string();
    let req = Request::post("/api/v1/serials")
        .header("content-type", "text/plain")
        .header("origin", "https://evil.example")
        .header("host", "localhost:8080")
        .header("cookie", format!("comptoir_session={token}"))
        .body(Body::from(body.clone()))
        .unwrap();
    let (status, resp) = app.call(req).await;
    assert_eq!((status, resp["error"].as_str()), (StatusCode::UNSUPPORTED_MEDIA_TYPE, Some("unsupported_media_type")));
    let req = Request::post("/api/v1/serials")
        .header("content-type", "application/json")
        .header("origin", "https://evil.example")
        .header("host", "localhost:8080")
        .header("cookie", format!("comptoir_session={token}"))
        .header("x-csrf-token", &csrf)
        .body(Body::from(body.clone()))
        .unwrap();
    let (status, resp) = app.call(req).await;
    assert_eq!((status, resp["error"].as_str()), (StatusCode::FORBIDDEN, Some("cross_origin")));
    assert_eq!(count(&app, "serials").await, 0);
    // The same request from the server's own origin goes through.
    let req = Request::post("/api/v1/serials")
        .header("content-type", "application/json")
        .header("origin", "http://localhost:8080")
        .header("host", "localhost:8080")
        .header("cookie", format!("comptoir_session={token}"))
        .header("x-csrf-token", &csrf)
        .body(Body::from(body))
        .unwrap();
    assert_eq!(app.call(req).await.0, StatusCode::CREATED);
}

#[tokio::test]
async fn a_host_the_server_is_not_served_under_is_refused_on_the_api_and_the_app() {
    let app = spawn_app().await;
    let get = |host: &str| Request::get("/api/v1/health").header("host", host).body(Body::empty()).unwrap();
    assert_eq!(app.call(get("localhost:8080")).await.0, StatusCode::OK);
    assert_eq!(app.call(get("127.0.0.1:9")).await.0, StatusCode::OK);
    let (status, body) = app.call(get("rebound.evil.example:8080")).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::MISDIRECTED_REQUEST, Some("unknown_host")));

    let listed = backend::auth::AuthConfig { hosts: backend::auth::HostPolicy::Listed(vec!["pos.example".into()]), ..Default::default() };
    let state = AppState::with_auth(app.store.clone(), listed);
    let whole = backend::app(state, app.database.dir.path());
    let page = |host: &str| Request::get("/").header("host", host).body(Body::empty()).unwrap();
    assert_eq!(whole.clone().oneshot(page("localhost")).await.unwrap().status(), StatusCode::MISDIRECTED_REQUEST);
    assert_ne!(whole.clone().oneshot(page("pos.example")).await.unwrap().status(), StatusCode::MISDIRECTED_REQUEST);
}

#[tokio::test]
async fn a_laval_manager_cannot_read_montreals_report_stock_or_audit_and_a_montreal_device_sees_no_laval_sale() {
    let app = spawn_app().await;
    let body = r#"{"name":"Gérant Laval","email":"laval@test.example","role":"manager","outlets":["laval"],"password":"gerant-laval-2026"}"#;
    assert_eq!(app.post("/api/v1/staff", body).await.0, StatusCode::CREATED);
    let laval = As::Bearer(app.token(("laval@test.example", "gerant-laval-2026")).await);
    for uri in [
        "/api/v1/reports/z?register=montreal-1&date=2026-11-23",
        "/api/v1/reports/z?outlet=montreal&date=2026-11-23",
        "/api/v1/stock?outlet=montreal",
        "/api/v1/audit?outlet=montreal",
    ] {
        let (status, body) = app.send(laval.clone(), "GET", uri, None).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{uri}: {body}");
    }
    assert_eq!(app.send(laval.clone(), "GET", "/api/v1/reports/z?outlet=laval&date=2026-11-23", None).await.0, StatusCode::OK);

    app.push(&[app.sale(1, &["shirt"])]).await;
    let (_, r) = app.push(&[app.laval_sale(1, &["hat"])]).await;
    assert_eq!(r["results"][0]["status"], "stored", "{r}");
    let (_, sales) = app.send(app.device(MTL_DEVICE, None), "GET", "/api/v1/sales", None).await;
    let outlets: Vec<&str> = sales.as_array().unwrap().iter().map(|s| s["outlet_id"].as_str().unwrap()).collect();
    assert_eq!(outlets, vec!["montreal"]);
    let (_, sales) = app.get("/api/v1/sales").await;
    assert_eq!(sales.as_array().unwrap().len(), 2, "the admin sees every outlet");
    // Setup shows a device its own outlet only; the Laval manager's audit log has no Montréal entry.
    let (_, setup) = app.send(app.device(MTL_DEVICE, None), "GET", "/api/v1/setup", None).await;
    assert_eq!(setup["registers"].as_array().unwrap().len(), 1);
    let (_, entries) = app.send(laval, "GET", "/api/v1/audit", None).await;
    assert!(entries.as_array().unwrap().iter().all(|e| e["outlet_id"] == "laval"), "{entries}");
}

#[tokio::test]
async fn the_audit_log_records_a_sale_its_price_override_and_a_serial_deletion_with_who() {
    let app = spawn_app().await;
    let mut sale = app.sale(1, &["hat"]);
    let catalog = sale.lines[0].unit_price;
    let mut cart = shared::sale::Cart { lines: sale.lines.clone(), ..Default::default() };
    cart.override_price(0, shared::Money(1000), "gerante-mtl", "display model", 1_700_000_000_000).unwrap();
    sale.lines = cart.lines.clone();
    sale.totals = cart.totals(&shared::tax::TaxRates::QUEBEC).unwrap();
    sale.tenders = vec![shared::sale::Tender::exact(shared::sale::TenderKind::Card, sale.totals.total)];
    let (_, r) = app.push(&[sale.clone()]).await;
    assert_eq!(r["results"][0]["status"], "stored", "{r}");

    app.post("/api/v1/serials", json!({"product_id": "drill", "outlet_id": "montreal", "serials": "DR-1"}).to_string()).await;
    let manager = As::Bearer(app.token(MANAGER_MTL).await);
    assert_eq!(app.send(manager, "DELETE", "/api/v1/serials/drill/DR-1", None).await.0, StatusCode::NO_CONTENT);

    let entries = audit(&app).await;
    let find = |action: &str| entries.iter().find(|e| e["action"] == action).cloned().unwrap_or_else(|| panic!("no {action} in {entries:?}"));
    let s = find("sale");
    assert_eq!((s["staff_id"].as_str(), s["device_id"].as_str(), s["outlet_id"].as_str(), s["subject"].as_str()), (Some("julie"), Some(MTL_DEVICE), Some("montreal"), Some(sale.id.as_str())));
    let o = find("price_override");
    assert_eq!((o["staff_id"].as_str(), o["subject"].as_str()), (Some("gerante-mtl"), Some(sale.id.as_str())));
    assert!(o["detail"].as_str().unwrap().contains("display model") && o["detail"].as_str().unwrap().contains(&catalog.to_string()), "{o}");
    let d = find("serial_deleted");
    assert_eq!((d["staff_id"].as_str(), d["subject"].as_str(), d["outlet_id"].as_str()), (Some("gerante-mtl"), Some("drill/DR-1"), Some("montreal")));
    assert_eq!(find("serial_added")["staff_id"], "admin");
    // Newest first, paged by id.
    let ids: Vec<i64> = entries.iter().map(|e| e["id"].as_i64().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]));
    let (_, page) = app.get(&format!("/api/v1/audit?before={}&limit=2", ids[0])).await;
    assert_eq!(page.as_array().unwrap().iter().map(|e| e["id"].as_i64().unwrap()).collect::<Vec<_>>(), ids[1..3].to_vec());
}

#[tokio::test]
async fn a_held_sale_and_a_payment_are_audited_with_the_cashier() {
    let app = spawn_app().await;
    let mut sale = app.sale(1, &["shirt"]);
    sale.cashier_id = "marc".into();
    let (_, r) = app.push(&[sale]).await;
    assert_eq!(r["results"][0]["hold"]["code"], "unknown_cashier", "{r}");
    let payment = json!({"id": "pay-1", "customer_id": "c-tremblay", "register_id": "montreal-1", "outlet_id": "", "reference": "", "created_at_ms": 0,
                         "amount": 500, "tenders": [{"kind": "card", "amount": 500, "tendered": 500, "change": 0}]});
    let (status, body) = app.send(app.device(MTL_DEVICE, Some("sophie")), "POST", "/api/v1/customers/c-tremblay/payments", Some(payment.to_string())).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let entries = audit(&app).await;
    assert!(entries.iter().any(|e| e["action"] == "sale_held" && e["staff_id"] == "marc"));
    assert!(entries.iter().any(|e| e["action"] == "payment" && e["staff_id"] == "sophie" && e["device_id"] == MTL_DEVICE && e["subject"] == "c-tremblay"));
}

#[tokio::test]
async fn new_staff_need_a_long_password_a_pin_of_digits_known_outlets_and_a_free_email() {
    let app = spawn_app().await;
    let new = |email: &str, password: &str, pin: &str, outlet: &str| {
        json!({"name": "Nouveau", "email": email, "role": "manager", "outlets": [outlet], "password": password, "pin": pin}).to_string()
    };
    let (status, body) = app.post("/api/v1/staff", new("n@test.example", "short", "1234", "montreal")).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("weak_password")));
    let (status, body) = app.post("/api/v1/staff", new("n@test.example", "long-enough-pw", "12ab", "montreal")).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("bad_pin")));
    let (status, body) = app.post("/api/v1/staff", new("n@test.example", "long-enough-pw", "1234", "atlantis")).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("unknown_outlet")));
    let (status, body) = app.post("/api/v1/staff", new("GERANTE@demo.comptoir", "long-enough-pw", "1234", "montreal")).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::CONFLICT, Some("email_taken")));
    assert_eq!(count(&app, "staff").await, 5, "nothing half-written");
    let (status, body) = app.post("/api/v1/staff", new("N@test.example", "long-enough-pw", "1234", "montreal")).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["email"], "n@test.example");
    assert_eq!(app.token(("n@test.example", "long-enough-pw")).await.len(), 64);
}

/// Runs the built `comptoir` with `args` on the database `db` names.
fn comptoir(db: &str, args: &[&str], password: Option<&str>) -> std::process::Output {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_comptoir"));
    cmd.args(args).env("DATABASE_URL", db).env("RUST_LOG", "warn").env_remove("COMPTOIR_ADMIN_PASSWORD");
    if let Some(p) = password {
        cmd.env("COMPTOIR_ADMIN_PASSWORD", p);
    }
    cmd.output().unwrap()
}

#[tokio::test]
async fn comptoir_admin_create_makes_an_admin_who_can_sign_in_and_an_enrolment_code_enrols_a_device() {
    let database = crate::helpers::TestDb::new().await;
    let db = database.url.as_str();
    let out = comptoir(db, &["admin", "create", "--email", "Owner@Shop.example", "--name", "Owner"], None);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let password = stdout.lines().find_map(|l| l.strip_prefix("password (shown this once): ")).expect("a generated password is printed").to_string();
    assert_eq!(password.len(), 20);
    let again = comptoir(db, &["admin", "create", "--email", "owner@shop.example", "--name", "Owner"], Some("another-password"));
    assert!(!again.status.success(), "the same e-mail twice is refused");
    let chosen = comptoir(db, &["admin", "create", "--email", "second@shop.example", "--name", "Second"], Some("chosen-password-1"));
    assert!(chosen.status.success());
    assert!(!String::from_utf8_lossy(&chosen.stdout).contains("chosen-password-1"), "a chosen password is never printed");

    let store = backend::store::connect(db).await.unwrap();
    assert!(store.is_empty().await.unwrap(), "a real shop starts with no outlet and no demo account");
    let router = backend::api(AppState::new(store.clone()));
    let login = |creds: (&str, &str)| {
        let router = router.clone();
        let body = login_body(creds);
        async move { router.oneshot(Request::post("/api/v1/auth/token").header("content-type", "application/json").body(Body::from(body)).unwrap()).await.unwrap().status() }
    };
    assert_eq!(login(("owner@shop.example", &password)).await, StatusCode::OK);
    assert_eq!(login(("second@shop.example", "chosen-password-1")).await, StatusCode::OK);
    assert_eq!(login(ADMIN).await, StatusCode::UNAUTHORIZED, "no demo account in a real shop");

    // Its first register, then its first device.
    let mut shop = backend::demo::demo_shop();
    shop.staff.clear();
    store.load_shop(&shop).await.unwrap();
    let out = comptoir(db, &["enrolment-code", "--register", "laval-1"], None);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let code = stdout.split_whitespace().find(|w| w.len() == 9 && w.as_bytes()[4] == b'-').expect("a code").to_string();
    let body = json!({"device_id": "first-tablet", "code": code}).to_string();
    let resp = router.oneshot(Request::post("/api/v1/devices/enrol").header("content-type", "application/json").body(Body::from(body)).unwrap()).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(!comptoir(db, &["enrolment-code", "--register", "nowhere"], None).status.success());
}
