//! Administration (issue 12 item 7) on SQLite and, with `COMPTOIR_TEST_DATABASE=postgres`, PostgreSQL:
//! outlets (time zone checked against the IANA database, the allocation order that every store's
//! online outlets follow), registers, staff edited and deactivated (sessions, online and offline PINs
//! stop working), the last administrator kept, each write audited and found by the journal's filters;
//! what managers and cashiers are refused.

use crate::helpers::*;
use axum::http::StatusCode;
use serde_json::{json, Value};

fn ids(list: &Value, key: &str) -> Vec<String> {
    list.as_array().unwrap().iter().map(|v| v[key].as_str().unwrap().to_string()).collect()
}

async fn patch(app: &TestApp, who: As, path: &str, body: Value) -> (StatusCode, Value) {
    app.send(who, "PATCH", path, Some(body.to_string())).await
}

/// The device's changes after `since`, and the page's `next`.
async fn pull(app: &TestApp, device: &str, since: u64) -> (Vec<Value>, u64) {
    let (status, page) = app.send(app.device(device, None), "GET", &format!("/api/v1/sync/changes?since={since}&limit=1000"), None).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    (page["changes"].as_array().unwrap().clone(), page["next"].as_u64().unwrap())
}

/// The audit entries of one action (newest first).
async fn audited(app: &TestApp, action: &str) -> Vec<Value> {
    let (status, entries) = app.get(&format!("/api/v1/audit?action={action}")).await;
    assert_eq!(status, StatusCode::OK, "{entries}");
    entries.as_array().unwrap().clone()
}

#[tokio::test]
async fn an_admin_sets_an_outlets_time_zone_and_registers_pull_it() {
    let app = spawn_app().await;
    let (status, outlets) = app.get("/api/v1/outlets").await;
    assert_eq!(status, StatusCode::OK, "{outlets}");
    assert_eq!(ids(&outlets, "id"), ["montreal", "sherbrooke", "laval"]);
    assert_eq!(outlets[0]["priority"], 1);
    assert_eq!(outlets[0]["time_zone"], "America/Toronto");
    assert_eq!(ids(&outlets[0]["registers"], "id"), ["montreal-1"]);
    let (_, since) = pull(&app, MTL_DEVICE, 0).await;

    // A zone the IANA database does not know: 422 naming it, nothing changed, nothing audited.
    let admin = As::Bearer(app.admin.clone());
    let (status, body) = patch(&app, admin.clone(), "/api/v1/outlets/montreal", json!({"time_zone": "America/Montreal-Est"})).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_outlet")), "{body}");
    assert_eq!(body["fields"][0]["code"], "unknown_time_zone");
    assert!(audited(&app, "outlet_changed").await.is_empty());

    let (status, body) = patch(&app, admin.clone(), "/api/v1/outlets/montreal", json!({"time_zone": "America/Vancouver"})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["time_zone"], "America/Vancouver");
    let (status, _) = patch(&app, admin.clone(), "/api/v1/outlets/nowhere", json!({"name": "X"})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Montréal's register hears of it through the change log; Laval's does not see Montréal.
    let (changes, _) = pull(&app, MTL_DEVICE, since).await;
    let outlet = changes.iter().find(|c| c["entity"]["kind"] == "outlet").expect("the outlet's change");
    assert_eq!((outlet["entity"]["id"].as_str(), outlet["entity"]["time_zone"].as_str()), (Some("montreal"), Some("America/Vancouver")));
    let (laval, _) = pull(&app, LAV_DEVICE, since).await;
    assert!(!laval.iter().any(|c| c["entity"]["kind"] == "outlet" && c["entity"]["id"] == "montreal"), "{laval:?}");

    let entries = audited(&app, "outlet_changed").await;
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["detail"], "time_zone: America/Toronto → America/Vancouver");
    assert_eq!((entries[0]["staff_id"].as_str(), entries[0]["outlet_id"].as_str()), (Some("admin"), Some("montreal")));
    // Days of the journal are now Montréal's in Vancouver: the zone list offers it.
    let (_, zones) = app.get("/api/v1/time-zones").await;
    let zones: Vec<&str> = zones.as_array().unwrap().iter().map(|z| z.as_str().unwrap()).collect();
    assert!(zones.contains(&"America/Vancouver") && zones.contains(&"America/Toronto") && zones.len() > 300, "{}", zones.len());
}

#[tokio::test]
async fn an_outlets_tax_numbers_are_checked_normalised_and_reach_its_registers_receipts() {
    let app = spawn_app().await;
    let (_, since) = pull(&app, MTL_DEVICE, 0).await;
    let admin = As::Bearer(app.admin.clone());
    // A TVQ number typed in the TPS field and a TVQ number one digit short: 422 naming both fields,
    // nothing written, nothing audited.
    let (status, body) =
        patch(&app, admin.clone(), "/api/v1/outlets/montreal", json!({"gst_number": "1234567890 TQ0001", "qst_number": "123456789 TQ0001"})).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_outlet")), "{body}");
    let fields: Vec<(&str, &str)> = body["fields"].as_array().unwrap().iter().map(|f| (f["field"].as_str().unwrap(), f["code"].as_str().unwrap())).collect();
    assert_eq!(fields, [("gst_number", "bad_gst_number"), ("qst_number", "bad_qst_number")]);
    assert!(audited(&app, "outlet_changed").await.is_empty());
    let (status, body) = patch(&app, admin.clone(), "/api/v1/outlets/montreal", json!({"gst_number": 5})).await;
    assert_eq!(status.as_u16() / 100, 4, "{body}");
    assert!(body["error"].is_string(), "{body}");

    // Typed loosely, stored as printed; an empty TVQ number clears it (a supplier not registered).
    let (status, body) =
        patch(&app, admin.clone(), "/api/v1/outlets/montreal", json!({"gst_number": "987-654-321 rt 0002", "qst_number": ""})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!((body["gst_number"].as_str(), body["qst_number"].as_str()), (Some("987654321 RT0002"), Some("")));
    let entries = audited(&app, "outlet_changed").await;
    assert_eq!(entries[0]["detail"], "gst_number: 123456789 RT0001 → 987654321 RT0002; qst_number: 1234567890 TQ0001 → —");

    // Montréal's register pulls the numbers with its outlet; the setup every device starts from has them.
    let (changes, _) = pull(&app, MTL_DEVICE, since).await;
    let outlet = changes.iter().find(|c| c["entity"]["kind"] == "outlet").expect("the outlet's change");
    assert_eq!((outlet["entity"]["gst_number"].as_str(), outlet["entity"]["qst_number"].as_str()), (Some("987654321 RT0002"), Some("")));
    let (_, setup) = app.get("/api/v1/setup").await;
    let montreal = setup["outlets"].as_array().unwrap().iter().find(|o| o["id"] == "montreal").unwrap().clone();
    assert_eq!(montreal["gst_number"], "987654321 RT0002");

    // A new outlet takes its numbers at creation, checked the same way.
    let (status, body) = app
        .send(admin.clone(), "POST", "/api/v1/outlets", Some(json!({"name": "Gatineau", "time_zone": "America/Toronto", "qst_number": "12"}).to_string()))
        .await;
    assert_eq!((status, body["fields"][0]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("qst_number")), "{body}");
    let (status, body) = app
        .send(admin, "POST", "/api/v1/outlets", Some(json!({"name": "Gatineau", "time_zone": "America/Toronto", "gst_number": "123456789RT0001"}).to_string()))
        .await;
    assert_eq!((status, body["gst_number"].as_str()), (StatusCode::CREATED, Some("123456789 RT0001")), "{body}");
}

#[tokio::test]
async fn the_allocation_order_is_given_whole_and_every_stores_online_outlets_follow_it() {
    let app = spawn_app().await;
    let body = json!({
        "platform": "woocommerce", "name": "Boutique", "base_url": "https://boutique.example",
        "credentials": {"platform": "woocommerce", "consumer_key": "ck", "consumer_secret": "cs", "webhook_secret": "ws"},
        "orders_register_id": "montreal-1", "online_outlets": ["montreal", "laval"],
    });
    let (status, conn) = app.post("/api/v1/connections", body.to_string()).await;
    assert_eq!(status, StatusCode::CREATED, "{conn}");
    let admin = As::Bearer(app.admin.clone());

    for (order, code) in [(json!(["laval", "montreal"]), "missing"), (json!(["laval", "laval", "montreal", "sherbrooke"]), "repeated"), (json!(["laval", "montreal", "sherbrooke", "quebec"]), "unknown_outlet")] {
        let (status, body) = app.send(admin.clone(), "PUT", "/api/v1/outlets/priority", Some(json!({ "outlets": order }).to_string())).await;
        assert_eq!((status, body["error"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_order")), "{body}");
        assert_eq!(body["fields"][0]["code"], code);
    }
    let (status, outlets) = app.send(admin.clone(), "PUT", "/api/v1/outlets/priority", Some(json!({"outlets": ["laval", "montreal", "sherbrooke"]}).to_string())).await;
    assert_eq!(status, StatusCode::OK, "{outlets}");
    assert_eq!(ids(&outlets, "id"), ["laval", "montreal", "sherbrooke"]);
    assert_eq!(outlets[0]["priority"], 1);
    // Laval and Montréal offer their stock to the store; Sherbrooke does not.
    assert_eq!(outlets[0]["online"][0]["name"], "Boutique");
    assert_eq!(outlets[2]["online"], json!([]));
    let (_, conns) = app.get("/api/v1/connections").await;
    assert_eq!(conns[0]["online_outlets"], json!(["laval", "montreal"]), "{conns}");
    let (_, setup) = app.get("/api/v1/setup").await;
    assert_eq!(ids(&setup["outlets"], "id"), ["laval", "montreal", "sherbrooke"]);
    let entries = audited(&app, "outlets_reordered").await;
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["detail"], "laval, montreal, sherbrooke");
    // The same order again changes nothing and records nothing.
    let (status, _) = app.send(admin, "PUT", "/api/v1/outlets/priority", Some(json!({"outlets": ["laval", "montreal", "sherbrooke"]}).to_string())).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(audited(&app, "outlets_reordered").await.len(), 1);
}

#[tokio::test]
async fn an_admin_adds_an_outlet_and_a_register_that_a_device_enrols_to() {
    let mut app = spawn_app().await;
    let (status, outlet) = app.post("/api/v1/outlets", json!({"name": "Trois-Rivières", "time_zone": "America/Toronto"}).to_string()).await;
    assert_eq!(status, StatusCode::CREATED, "{outlet}");
    assert_eq!((outlet["id"].as_str(), outlet["priority"].as_u64()), (Some("trois-rivieres"), Some(4)));
    assert_eq!(outlet["tax_rates"], json!({"gst_ppm": 50_000, "qst_ppm": 99_750}));
    let (status, body) = app.post("/api/v1/outlets", json!({"name": "Trois-Rivières", "time_zone": "America/Toronto"}).to_string()).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::CONFLICT, Some("id_taken")));
    let (status, body) = app.post("/api/v1/outlets", json!({"name": " ", "time_zone": "Nowhere/Else"}).to_string()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["fields"].as_array().unwrap().len(), 2, "{body}");

    let (status, register) = app.post("/api/v1/registers", json!({"outlet_id": "trois-rivieres", "code": "TRV1", "name": "Caisse 1"}).to_string()).await;
    assert_eq!(status, StatusCode::CREATED, "{register}");
    assert_eq!(register["id"], "trv1");
    let (status, body) = app.post("/api/v1/registers", json!({"outlet_id": "laval", "code": "TRV1", "name": "Autre"}).to_string()).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::CONFLICT, Some("code_taken")), "{body}");
    let (status, body) = app.post("/api/v1/registers", json!({"outlet_id": "atlantis", "code": "ATL1", "name": "X"}).to_string()).await;
    assert_eq!((status, body["fields"][0]["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("unknown_outlet")), "{body}");
    let (status, body) = app.post("/api/v1/registers", json!({"outlet_id": "laval", "code": "lav 2", "name": "X"}).to_string()).await;
    assert_eq!((status, body["fields"][0]["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("bad_code")), "{body}");

    // A device enrols to the new register and sells under its code.
    assert_eq!(app.enrol("device-trv", "trv1").await, 3);
    let (_, outlets) = app.get("/api/v1/outlets").await;
    assert_eq!(ids(&outlets[3]["registers"], "code"), ["TRV1"]);
    assert_eq!(audited(&app, "outlet_created").await.len(), 1);
    let created = audited(&app, "register_created").await;
    assert_eq!((created[0]["subject"].as_str(), created[0]["outlet_id"].as_str()), (Some("trv1"), Some("trois-rivieres")));
}

#[tokio::test]
async fn managers_see_their_outlets_only_and_change_none_cashiers_see_nothing() {
    let app = spawn_app().await;
    let manager = As::Bearer(app.token(MANAGER_MTL).await);
    let (status, outlets) = app.send(manager.clone(), "GET", "/api/v1/outlets", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ids(&outlets, "id"), ["montreal"]);
    let (status, _) = patch(&app, manager.clone(), "/api/v1/outlets/montreal", json!({"time_zone": "America/Halifax"})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = app.send(manager.clone(), "PUT", "/api/v1/outlets/priority", Some(json!({"outlets": ["laval", "montreal", "sherbrooke"]}).to_string())).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = app.send(manager.clone(), "POST", "/api/v1/registers", Some(json!({"outlet_id": "montreal", "code": "MTL2", "name": "2"}).to_string())).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = patch(&app, manager.clone(), "/api/v1/staff/julie", json!({"active": false})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // The staff list: Montréal's, with who is active.
    let (_, staff) = app.send(manager, "GET", "/api/v1/staff/accounts", None).await;
    assert_eq!(ids(&staff, "id"), ["gerante-mtl", "julie", "sophie"]);
    assert_eq!((staff[1]["active"].as_bool(), staff[1]["has_pin"].as_bool(), staff[1]["has_password"].as_bool()), (Some(true), Some(true), Some(false)));
    let (_, outlet) = app.get("/api/v1/outlets").await;
    assert_eq!(outlet[0]["time_zone"], "America/Toronto", "nothing changed");

    let (status, _) = app.post("/api/v1/staff", r#"{"name":"Caissière","email":"caisse@test.example","role":"cashier","outlets":["montreal"],"password":"caisse-mtl-2026"}"#).await;
    assert_eq!(status, StatusCode::CREATED);
    let cashier = As::Bearer(app.token(("caisse@test.example", "caisse-mtl-2026")).await);
    for path in ["/api/v1/outlets", "/api/v1/staff/accounts", "/api/v1/time-zones", "/api/v1/audit"] {
        let (status, _) = app.send(cashier.clone(), "GET", path, None).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
    }
}

#[tokio::test]
async fn a_deactivated_cashier_can_neither_sign_in_nor_switch_in_online_or_offline() {
    let app = spawn_app().await;
    let (status, _) = app.post("/api/v1/staff", r#"{"name":"Léa","email":"lea@test.example","role":"cashier","outlets":["montreal"],"password":"lea-caisse-2026","pin":"5555"}"#).await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, accounts) = app.get("/api/v1/staff/accounts").await;
    let id = accounts.as_array().unwrap().iter().find(|a| a["name"] == "Léa").unwrap()["id"].as_str().unwrap().to_string();
    let session = As::Bearer(app.token(("lea@test.example", "lea-caisse-2026")).await);
    assert_eq!(app.send(session.clone(), "GET", "/api/v1/auth/me", None).await.0, StatusCode::OK);
    let (_, offline) = app.send(app.device(MTL_DEVICE, None), "GET", "/api/v1/staff/offline", None).await;
    assert!(ids(&offline, "staff_id").contains(&id));

    let admin = As::Bearer(app.admin.clone());
    let (status, body) = patch(&app, admin.clone(), &format!("/api/v1/staff/{id}"), json!({"active": false})).await;
    assert_eq!((status, body["active"].as_bool()), (StatusCode::OK, Some(false)), "{body}");
    // Her session ended; her password and PIN no longer work; registers drop her verifier.
    assert_eq!(app.send(session, "GET", "/api/v1/auth/me", None).await.0, StatusCode::UNAUTHORIZED);
    let (status, _) = app.send(As::Nobody, "POST", "/api/v1/auth/token", Some(json!({"email": "lea@test.example", "password": "lea-caisse-2026"}).to_string())).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = app.send(app.device(MTL_DEVICE, None), "POST", "/api/v1/auth/pin", Some(json!({"staff_id": id, "pin": "5555"}).to_string())).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (_, offline) = app.send(app.device(MTL_DEVICE, None), "GET", "/api/v1/staff/offline", None).await;
    assert!(!ids(&offline, "staff_id").contains(&id), "{offline}");
    let (status, _) = app.send(app.device(MTL_DEVICE, Some(&id)), "GET", "/api/v1/auth/me", None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a device naming her as its cashier is refused");
    // Still listed for the admin, as inactive; the audit names the deactivation.
    let (_, accounts) = app.get("/api/v1/staff/accounts").await;
    assert_eq!(accounts.as_array().unwrap().iter().find(|a| a["id"] == id.as_str()).unwrap()["active"], false);
    let entries = audited(&app, "staff_deactivated").await;
    assert_eq!((entries[0]["subject"].as_str(), entries[0]["detail"].as_str()), (Some(id.as_str()), Some("Léa: deactivated")));

    // Reactivated with a new PIN: the new PIN works, the old one does not.
    let (status, body) = patch(&app, admin, &format!("/api/v1/staff/{id}"), json!({"active": true, "pin": "6666"})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let pin = |p: &str| json!({"staff_id": id, "pin": p}).to_string();
    assert_eq!(app.send(app.device(MTL_DEVICE, None), "POST", "/api/v1/auth/pin", Some(pin("5555"))).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(app.send(app.device(MTL_DEVICE, None), "POST", "/api/v1/auth/pin", Some(pin("6666"))).await.0, StatusCode::OK);
    let (_, offline) = app.send(app.device(MTL_DEVICE, None), "GET", "/api/v1/staff/offline", None).await;
    let verifier: shared::auth::OfflineStaff = serde_json::from_value(offline.as_array().unwrap().iter().find(|s| s["staff_id"] == id.as_str()).unwrap().clone()).unwrap();
    assert!(verifier.verifier.matches("6666") && !verifier.verifier.matches("5555"), "the offline verifier is the new PIN's");
    let changed = audited(&app, "staff_changed").await;
    assert_eq!(changed[0]["detail"], "Léa: reactivated; PIN reset");
}

#[tokio::test]
async fn the_last_active_admin_is_never_demoted_nor_deactivated() {
    let app = spawn_app().await;
    let admin = As::Bearer(app.admin.clone());
    let (status, body) = patch(&app, admin.clone(), "/api/v1/staff/admin", json!({"role": "manager", "outlets": ["montreal"]})).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::CONFLICT, Some("last_admin")), "{body}");
    let (status, body) = patch(&app, admin.clone(), "/api/v1/staff/admin", json!({"active": false})).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::CONFLICT, Some("last_admin")));
    // Checks a creation makes, an edit makes too.
    for (body, code) in [(json!({"outlets": []}), "no_outlet"), (json!({"pin": "12"}), "bad_pin"), (json!({"email": "gerante@demo.comptoir"}), "email_taken"), (json!({"outlets": ["atlantis"]}), "unknown_outlet")] {
        let (_, refused) = patch(&app, admin.clone(), "/api/v1/staff/julie", body).await;
        assert_eq!(refused["error"], code, "{refused}");
    }
    let (status, _) = patch(&app, admin.clone(), "/api/v1/staff/nobody", json!({"name": "X"})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The manager made an admin: now the first admin may step down, and the manager may not.
    let (status, body) = patch(&app, admin.clone(), "/api/v1/staff/gerante-mtl", json!({"role": "admin", "outlets": []})).await;
    assert_eq!((status, body["role"].as_str()), (StatusCode::OK, Some("admin")), "{body}");
    let (status, body) = patch(&app, admin.clone(), "/api/v1/staff/admin", json!({"role": "manager", "outlets": ["laval"]})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let manager_now_admin = As::Bearer(app.token(MANAGER_MTL).await);
    let (status, body) = patch(&app, manager_now_admin.clone(), "/api/v1/staff/gerante-mtl", json!({"active": false})).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::CONFLICT, Some("last_admin")));
    // The demoted admin's session now carries a manager's rights (read at each request).
    let (status, _) = patch(&app, admin, "/api/v1/staff/julie", json!({"name": "Julie B."})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // The journal, read by the admin there now is.
    let (_, changed) = app.send(manager_now_admin, "GET", "/api/v1/audit?action=staff_changed", None).await;
    assert_eq!(changed[0]["detail"], "Administratrice: role: admin → manager; outlets: — → laval");
}

#[tokio::test]
async fn the_journal_filters_by_action_staff_outlet_and_day() {
    let app = spawn_app().await;
    let admin = As::Bearer(app.admin.clone());
    patch(&app, admin.clone(), "/api/v1/outlets/laval", json!({"name": "Laval Centre"})).await;
    patch(&app, admin.clone(), "/api/v1/staff/julie", json!({"name": "Julie B."})).await;
    let (_, all) = app.get("/api/v1/audit?limit=500").await;
    let all = all.as_array().unwrap();
    assert!(all.windows(2).all(|w| w[0]["id"].as_i64() > w[1]["id"].as_i64()), "newest first");
    let (_, by_admin) = app.get("/api/v1/audit?staff=admin&limit=500").await;
    assert!(by_admin.as_array().unwrap().iter().all(|e| e["staff_id"] == "admin"));
    assert!(by_admin.as_array().unwrap().len() >= 2);
    let (_, laval) = app.get("/api/v1/audit?outlet=laval&action=outlet_changed").await;
    assert_eq!(laval.as_array().unwrap().len(), 1);
    assert_eq!(laval[0]["detail"], "name: Laval → Laval Centre");
    // Today (in Montréal) holds them; a day long past holds none.
    let today = jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::get("America/Toronto").unwrap()).date().to_string();
    let (status, day) = app.get(&format!("/api/v1/audit?action=staff_changed&from={today}&to={today}")).await;
    assert_eq!(status, StatusCode::OK, "{day}");
    assert_eq!(day.as_array().unwrap().len(), 1);
    let (_, old) = app.get("/api/v1/audit?from=2001-01-01&to=2001-01-31").await;
    assert_eq!(old, json!([]));
    // A page after the first entry's id holds the rest.
    let (_, page) = app.get(&format!("/api/v1/audit?before={}&limit=500", all[0]["id"])).await;
    assert_eq!(page.as_array().unwrap().len(), all.len() - 1);
    for bad in ["/api/v1/audit?action=no_such_action", "/api/v1/audit?from=hier"] {
        let (status, body) = app.get(bad).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
    }
    let manager = As::Bearer(app.token(MANAGER_MTL).await);
    let (status, _) = app.send(manager.clone(), "GET", "/api/v1/audit?outlet=laval", None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, mine) = app.send(manager, "GET", "/api/v1/audit?action=outlet_changed", None).await;
    assert_eq!(mine, json!([]), "Laval's change is not the Montréal manager's to see");
}
