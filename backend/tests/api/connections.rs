//! Connected stores (issue 11): edited (credentials replaced, never answered), moved to another
//! register, deactivated and reactivated; their credentials encrypted at rest, read back after a
//! restart, a wrong key refused at start. On SQLite and, with `COMPTOIR_TEST_DATABASE=postgres`,
//! PostgreSQL.

use crate::fakes::woocommerce::{self as fake_woo, FakeWooCommerce};
use crate::helpers::*;
use axum::http::StatusCode;
use serde_json::{json, Value};

const SECRET: &str = "wc-webhook-secret-first";
const CONSUMER_SECRET: &str = "cs_first_never_shown";
const NEW_SECRET: &str = "wc-webhook-secret-rotated";
const NEW_CONSUMER_SECRET: &str = "cs_rotated_never_shown";

fn woo_credentials(consumer_secret: &str, webhook_secret: &str) -> Value {
    json!({"platform": "woocommerce", "consumer_key": "ck_1", "consumer_secret": consumer_secret, "webhook_secret": webhook_secret})
}

/// Connects a WooCommerce store taking its orders at `register`; its id.
async fn connect_at(app: &TestApp, base_url: &str, register: &str, credentials: Value) -> String {
    let body = json!({
        "platform": "woocommerce",
        "name": "Boutique en ligne",
        "base_url": base_url,
        "credentials": credentials,
        "orders_register_id": register,
        "online_outlets": ["montreal", "sherbrooke", "laval"],
    });
    let (status, conn) = app.post("/api/v1/connections", body.to_string()).await;
    assert_eq!(status, StatusCode::CREATED, "{conn}");
    conn["id"].as_str().unwrap().to_string()
}

async fn connect(app: &TestApp, base_url: &str) -> String {
    connect_at(app, base_url, "montreal-1", woo_credentials(CONSUMER_SECRET, SECRET)).await
}

/// A paid WooCommerce order for one shirt, placed and modified now.
fn woo_order(id: u64) -> Value {
    let now = jiff::Timestamp::now().strftime("%Y-%m-%dT%H:%M:%S").to_string();
    json!({
        "id": id, "number": id.to_string(), "status": "processing",
        "date_created_gmt": now, "date_modified_gmt": now, "total": "25.00", "customer_note": "",
        "billing": {"first_name": "Luc", "last_name": "Gagnon", "email": "luc@example.ca"},
        "payment_method": "stripe", "payment_method_title": "Stripe", "date_paid_gmt": now,
        "line_items": [{"id": 100, "name": "shirt", "product_id": 90, "variation_id": 0, "quantity": 1, "sku": "SHIRT", "price": 25.0, "total": "25.00"}],
        "shipping_lines": [{"method_id": "flat_rate", "method_title": "Livraison", "total": "0.00"}],
    })
}

/// Delivers `order` as WooCommerce does, signed with `secret`.
async fn deliver(app: &TestApp, conn: &str, order: &Value, secret: &str) -> (StatusCode, Value) {
    use axum::body::Body;
    use axum::http::Request;
    let body = order.to_string();
    let req = Request::builder()
        .method("POST")
        .uri(format!("/api/v1/webhooks/{conn}"))
        .header("content-type", "application/json")
        .header("x-wc-webhook-topic", "order.updated")
        .header("x-wc-webhook-id", "7")
        .header("x-wc-webhook-resource", "order")
        .header("x-wc-webhook-signature", backend::bridges::shopify::sign(secret, body.as_bytes()));
    app.call(req.body(Body::from(body)).unwrap()).await
}

async fn patch(app: &TestApp, who: As, conn: &str, body: Value) -> (StatusCode, Value) {
    app.send(who, "PATCH", &format!("/api/v1/connections/{conn}"), Some(body.to_string())).await
}

async fn set_active(app: &TestApp, conn: &str, active: bool) -> (StatusCode, Value) {
    let verb = if active { "activate" } else { "deactivate" };
    app.post(&format!("/api/v1/connections/{conn}/{verb}"), "").await
}

async fn scalar(app: &TestApp, sql: &str) -> String {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string())).fetch_one(&app.db).await.unwrap()
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string())).fetch_one(&app.db).await.unwrap()
}

async fn stored_credentials(app: &TestApp, conn: &str) -> String {
    scalar(app, &format!("SELECT credentials FROM connections WHERE id = '{conn}'")).await
}

async fn connection_view(app: &TestApp, conn: &str) -> Value {
    let (_, list) = app.get("/api/v1/connections").await;
    list.as_array().unwrap().iter().find(|c| c["id"] == conn).cloned().unwrap_or_else(|| panic!("no connection {conn} in {list}"))
}

#[tokio::test]
async fn an_edit_changes_what_it_names_replaces_the_credentials_and_never_answers_or_logs_them() {
    let app = spawn_app().await;
    let conn = connect(&app, "https://shop.example").await;
    let (status, view) = patch(
        &app,
        As::Bearer(app.admin.clone()),
        &conn,
        json!({
            "name": "  Boutique d'été ",
            "base_url": "https://boutique.example/",
            "credentials": woo_credentials(NEW_CONSUMER_SECRET, NEW_SECRET),
            "options": {"ecwid_ready_for_pickup": true},
        }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{view}");
    assert_eq!((view["name"].as_str(), view["base_url"].as_str()), (Some("Boutique d'été"), Some("https://boutique.example")));
    assert_eq!(view["options"]["ecwid_ready_for_pickup"], true);
    assert_eq!((view["orders_register_id"].as_str(), view["active"].as_bool()), (Some("montreal-1"), Some(true)));

    // The old secret no longer signs; the new one does.
    assert_eq!(deliver(&app, &conn, &woo_order(901), SECRET).await.0, StatusCode::UNAUTHORIZED);
    let (status, outcome) = deliver(&app, &conn, &woo_order(901), NEW_SECRET).await;
    assert_eq!((status, outcome["outcome"].as_str()), (StatusCode::OK, Some("created")), "{outcome}");

    // Audited, without a secret; no answer carries one.
    let (_, audit) = app.get("/api/v1/audit?limit=500").await;
    let entry = audit.as_array().unwrap().iter().find(|e| e["action"] == "connection_changed" && e["subject"] == conn).cloned();
    let entry = entry.unwrap_or_else(|| panic!("no connection_changed entry in {audit}"));
    let detail = entry["detail"].as_str().unwrap();
    assert!(detail.contains("credentials replaced") && detail.contains("https://boutique.example"), "{detail}");
    assert_eq!(entry["outlet_id"], "montreal");
    let (_, list) = app.get("/api/v1/connections").await;
    for text in [view.to_string(), list.to_string(), audit.to_string()] {
        for secret in [SECRET, CONSUMER_SECRET, NEW_SECRET, NEW_CONSUMER_SECRET] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
    }
    // At rest, sealed: the column holds neither the old nor the new secrets.
    let raw = stored_credentials(&app, &conn).await;
    assert!(raw.starts_with("enc:v1:"), "{raw}");
    for secret in [SECRET, CONSUMER_SECRET, NEW_SECRET, NEW_CONSUMER_SECRET, "ck_1", "woocommerce"] {
        assert!(!raw.contains(secret), "{secret} in {raw}");
    }
}

#[tokio::test]
async fn an_edit_is_checked_as_a_creation_is_and_a_refused_one_changes_nothing() {
    let app = spawn_app().await;
    let conn = connect(&app, "https://shop.example").await;
    let admin = || As::Bearer(app.admin.clone());
    for (body, status, code) in [
        (json!({"name": "  "}), 400, "bad_request"),
        (json!({"base_url": "ftp://shop.example"}), 400, "bad_request"),
        (json!({"base_url": "https://admin:hunter2@shop.example"}), 400, "bad_request"),
        (json!({"base_url": "https://shop.example/?next=evil"}), 400, "bad_request"),
        (json!({"base_url": "https://"}), 400, "bad_request"),
        (json!({"active": false}), 400, "bad_request"),
        (json!({"credentials": woo_credentials("", SECRET)}), 400, "bad_request"),
        (json!({"credentials": {"platform": "shopify", "access_token": "t", "client_secret": "s", "location_id": "l"}}), 422, "platform_mismatch"),
        (json!({"orders_register_id": "nowhere-1"}), 422, "unknown_register"),
    ] {
        let (s, resp) = patch(&app, admin(), &conn, body.clone()).await;
        assert_eq!(s.as_u16(), status, "{body}: {resp}");
        if code != "bad_request" {
            assert_eq!(resp["error"], code, "{body}: {resp}");
        } else {
            assert!(resp["message"].is_string(), "{resp}");
        }
    }
    let (s, resp) = patch(&app, admin(), "no-such-connection", json!({"name": "x"})).await;
    assert_eq!((s, resp["error"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")), "{resp}");

    // A manager acts on their outlets' connections only: another outlet's is not found, and they
    // cannot move theirs to an outlet not theirs.
    let manager = As::Bearer(app.token(MANAGER_MTL).await);
    let laval = connect_at(&app, "https://laval.example", "laval-1", woo_credentials(CONSUMER_SECRET, SECRET)).await;
    assert_eq!(patch(&app, manager.clone(), &laval, json!({"name": "x"})).await.0, StatusCode::NOT_FOUND);
    assert_eq!(app.send(manager.clone(), "POST", &format!("/api/v1/connections/{laval}/deactivate"), None).await.0, StatusCode::NOT_FOUND);
    let (s, resp) = patch(&app, manager.clone(), &conn, json!({"orders_register_id": "laval-1"})).await;
    assert_eq!((s, resp["error"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("not_your_outlet")), "{resp}");
    let (s, resp) = patch(&app, manager.clone(), &conn, json!({"name": "Chez la gérante"})).await;
    assert_eq!((s, resp["name"].as_str()), (StatusCode::OK, Some("Chez la gérante")), "{resp}");

    // Nothing a refusal named was written.
    let view = connection_view(&app, &conn).await;
    assert_eq!((view["base_url"].as_str(), view["orders_register_id"].as_str()), (Some("https://shop.example"), Some("montreal-1")));
    assert_eq!(deliver(&app, &conn, &woo_order(902), SECRET).await.0, StatusCode::OK);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM audit_log WHERE action = 'connection_changed'").await, 1);
}

#[tokio::test]
async fn moving_the_orders_register_numbers_its_receipts_past_those_already_printed_there() {
    let app = spawn_app().await;
    let web = connect(&app, "https://shop.example").await;
    let (_, first) = deliver(&app, &web, &woo_order(1), SECRET).await;
    let first = first["order_id"].as_str().unwrap().to_string();
    assert_eq!(scalar(&app, &format!("SELECT receipt FROM sales WHERE id = '{first}'")).await, "MTL1-W-000001");
    // Another store takes three orders at Laval's register.
    let other = connect_at(&app, "https://laval.example", "laval-1", woo_credentials(CONSUMER_SECRET, SECRET)).await;
    for id in 1..=3 {
        assert_eq!(deliver(&app, &other, &woo_order(id), SECRET).await.1["outcome"], "created");
    }
    let (status, view) = patch(&app, As::Bearer(app.admin.clone()), &web, json!({"orders_register_id": "laval-1"})).await;
    assert_eq!(status, StatusCode::OK, "{view}");
    assert_eq!(view["orders_register_id"], "laval-1");
    assert!(view["online_outlets"].as_array().unwrap().contains(&json!("laval")), "the register's outlet always offers its stock: {view}");
    // Its next order is a sale at Laval's register, numbered after Laval's online receipts (its own
    // sequence alone would print LAV1-W-000002 a second time).
    let (_, next) = deliver(&app, &web, &woo_order(2), SECRET).await;
    let next = next["order_id"].as_str().unwrap().to_string();
    assert_eq!(scalar(&app, &format!("SELECT receipt FROM sales WHERE id = '{next}'")).await, "LAV1-W-000004");
    assert_eq!(scalar(&app, &format!("SELECT register_id FROM sales WHERE id = '{next}'")).await, "laval-1");
    // The order already taken stays where it was.
    assert_eq!(scalar(&app, &format!("SELECT register_id FROM sales WHERE id = '{first}'")).await, "montreal-1");
    assert_eq!(count(&app, "SELECT COUNT(DISTINCT receipt) FROM sales").await, count(&app, "SELECT COUNT(*) FROM sales").await);
}

#[tokio::test]
async fn two_stores_sending_orders_to_one_register_never_print_the_same_receipt_even_at_once() {
    let app = spawn_app().await;
    let shop = connect(&app, "https://shop.example").await;
    let outlet_store = connect(&app, "https://outlet.example").await;
    assert_eq!(deliver(&app, &shop, &woo_order(1), SECRET).await.1["outcome"], "created");
    assert_eq!(deliver(&app, &outlet_store, &woo_order(1), SECRET).await.1["outcome"], "created");
    // Then five orders from each store at once (on PostgreSQL, as many transactions racing).
    let deliveries = (2..=6).flat_map(|id| [(shop.clone(), id), (outlet_store.clone(), id)]).map(|(conn, id)| {
        let app = &app;
        async move { deliver(app, &conn, &woo_order(id), SECRET).await }
    });
    let outcomes = futures_util::future::join_all(deliveries).await;
    let held: Vec<String> = sqlx::query_scalar("SELECT reason FROM held_online_orders").fetch_all(&app.db).await.unwrap();
    for (status, outcome) in outcomes {
        assert_eq!((status, outcome["outcome"].as_str()), (StatusCode::OK, Some("created")), "{outcome}, held: {held:?}");
    }
    // Twelve sales, numbered 1 to 12 on Montréal's register: none twice, none skipped.
    let receipts = online_receipts(&app).await;
    let expected: Vec<String> = (1..=12).map(|n| format!("MTL1-W-{n:06}")).collect();
    assert_eq!(receipts, expected);
    // Each store's sales keep their own key: (its device, its sequence 1 to 6).
    for conn in [&shop, &outlet_store] {
        let seqs: Vec<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT seq FROM sales WHERE device_id = 'online:{conn}' ORDER BY seq")))
            .fetch_all(&app.db)
            .await
            .unwrap();
        assert_eq!(seqs, [1, 2, 3, 4, 5, 6], "{conn}");
    }
    // A duplicate delivery takes no number.
    assert_eq!(deliver(&app, &shop, &woo_order(3), SECRET).await.0, StatusCode::OK);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM sales").await, 12);
    assert_eq!(deliver(&app, &shop, &woo_order(7), SECRET).await.1["outcome"], "created");
    assert_eq!(online_receipts(&app).await.last().map(String::as_str), Some("MTL1-W-000013"));
}

/// Every online receipt, in number order.
async fn online_receipts(app: &TestApp) -> Vec<String> {
    sqlx::query_scalar("SELECT receipt FROM sales WHERE device_id LIKE 'online:%' ORDER BY receipt").fetch_all(&app.db).await.unwrap()
}

#[tokio::test]
async fn a_deactivated_store_is_answered_but_not_acted_on_and_its_reactivation_takes_in_what_it_missed() {
    let app = spawn_app().await;
    let fake = FakeWooCommerce::start().await;
    let mut credentials = woo_credentials(fake_woo::CONSUMER_SECRET, fake_woo::WEBHOOK_SECRET);
    credentials["consumer_key"] = json!(fake_woo::CONSUMER_KEY);
    let conn = connect_at(&app, &fake.base_url(), "montreal-1", credentials).await;
    let (_, taken) = deliver(&app, &conn, &woo_order(10), fake_woo::WEBHOOK_SECRET).await;
    assert_eq!(taken["outcome"], "created");

    let (status, view) = set_active(&app, &conn, false).await;
    assert_eq!((status, view["active"].as_bool()), (StatusCode::OK, Some(false)), "{view}");
    assert_eq!(set_active(&app, &conn, false).await.0, StatusCode::OK, "deactivating twice changes nothing");
    assert_eq!(connection_view(&app, &conn).await["active"], false);

    // A signed delivery is answered 200 (a platform drops a subscription that keeps failing) and
    // nothing is stored; a bad signature is still refused.
    let missed = woo_order(11);
    let (status, outcome) = deliver(&app, &conn, &missed, fake_woo::WEBHOOK_SECRET).await;
    assert_eq!((status, outcome["outcome"].as_str()), (StatusCode::OK, Some("inactive")), "{outcome}");
    assert_eq!(deliver(&app, &conn, &missed, "not-the-secret").await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM sales").await, 1, "the order taken before stays, nothing new");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM online_orders").await, 1);

    // Reconciliation skips it.
    fake.add_order(missed.clone());
    let state = backend::AppState::new(app.store.clone());
    let run = backend::online::reconcile_once(&state).await.unwrap();
    assert!(run.iter().all(|r| r.connection_id != conn), "{run:?}");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM sales").await, 1);

    // Reactivated: the next pull reads from where it stopped and takes the missed order in, once.
    let (status, view) = set_active(&app, &conn, true).await;
    assert_eq!((status, view["active"].as_bool()), (StatusCode::OK, Some(true)), "{view}");
    let run = backend::online::reconcile_once(&state).await.unwrap();
    let mine = run.iter().find(|r| r.connection_id == conn).unwrap_or_else(|| panic!("{run:?}"));
    assert_eq!((mine.created, mine.error.clone()), (1, None), "{run:?}");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM online_orders").await, 2);
    let (_, outcome) = deliver(&app, &conn, &missed, fake_woo::WEBHOOK_SECRET).await;
    assert_eq!(outcome["outcome"], "updated", "the late webhook is the same order: {outcome}");
    let detail: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT detail FROM audit_log WHERE action = 'connection_changed' AND subject = '{conn}' ORDER BY id"
    )))
    .fetch_all(&app.db)
    .await
    .unwrap();
    assert_eq!(detail, vec!["Boutique en ligne: deactivated".to_string(), "Boutique en ligne: reactivated".to_string()]);
}

#[tokio::test]
async fn a_store_is_connected_once_even_while_its_connection_rests_and_an_edit_cannot_point_at_another() {
    let app = spawn_app().await;
    let first = connect(&app, "https://shop.example").await;
    assert_eq!(set_active(&app, &first, false).await.0, StatusCode::OK);
    // A second connection of the store, even while the first rests, would take its orders again under
    // ids of its own (each order's later update a new sale): refused, the first is to be reactivated.
    let body = json!({"platform": "woocommerce", "name": "Encore", "base_url": "https://shop.example/",
        "credentials": woo_credentials(CONSUMER_SECRET, SECRET), "orders_register_id": "montreal-1"});
    let (status, resp) = app.post("/api/v1/connections", body.to_string()).await;
    assert_eq!((status, resp["error"].as_str()), (StatusCode::CONFLICT, Some("already_connected")), "{resp}");
    // Nor may an edit make a connection name a store another one takes, active or not.
    let third = connect(&app, "https://other.example").await;
    let (status, resp) = patch(&app, As::Bearer(app.admin.clone()), &third, json!({"base_url": "https://shop.example/"})).await;
    assert_eq!((status, resp["error"].as_str()), (StatusCode::CONFLICT, Some("already_connected")), "{resp}");
    assert_eq!(set_active(&app, &first, true).await.1["active"], true);
    // Once the third took an order, its URL cannot move to another site (WooCommerce order ids are per
    // site: another site's #1 would be read as this one's).
    assert_eq!(deliver(&app, &third, &woo_order(1), SECRET).await.1["outcome"], "created");
    let (status, resp) = patch(&app, As::Bearer(app.admin.clone()), &third, json!({"base_url": "https://elsewhere.example"})).await;
    assert_eq!((status, resp["error"].as_str()), (StatusCode::CONFLICT, Some("other_store")), "{resp}");
}

#[tokio::test]
async fn new_credentials_for_another_store_are_refused_once_the_connection_took_orders() {
    let app = spawn_app().await;
    let ecwid = |store_id: u64| json!({"platform": "lightspeed_ecom", "store_id": store_id, "secret_token": "secret_token_x", "client_secret": "client_secret_x"});
    let body = json!({"platform": "lightspeed_ecom", "name": "Ecwid", "base_url": "https://app.ecwid.com", "credentials": ecwid(1003), "orders_register_id": "montreal-1"});
    let (status, view) = app.post("/api/v1/connections", body.to_string()).await;
    assert_eq!(status, StatusCode::CREATED, "{view}");
    let conn = view["id"].as_str().unwrap().to_string();
    // No order yet: a typo in the store id is corrected.
    assert_eq!(patch(&app, As::Bearer(app.admin.clone()), &conn, json!({"credentials": ecwid(1004)})).await.0, StatusCode::OK);
    // Once it took a delivery, another store's order ids would be read as this one's.
    sqlx::query(sqlx::AssertSqlSafe(format!("INSERT INTO webhook_deliveries (connection_id, delivery_key, received_at_ms) VALUES ('{conn}', 'event-1', 0)")))
        .execute(&app.db)
        .await
        .unwrap();
    let (status, resp) = patch(&app, As::Bearer(app.admin.clone()), &conn, json!({"credentials": ecwid(1005)})).await;
    assert_eq!((status, resp["error"].as_str()), (StatusCode::CONFLICT, Some("other_store")), "{resp}");
    // The same store's key rotated is fine.
    let rotated = json!({"platform": "lightspeed_ecom", "store_id": 1004, "secret_token": "secret_token_y", "client_secret": "client_secret_y"});
    assert_eq!(patch(&app, As::Bearer(app.admin.clone()), &conn, json!({"credentials": rotated})).await.0, StatusCode::OK);
    let record = app.store.connection(&conn).await.unwrap().unwrap();
    assert_eq!(record.bridge.credentials.store_key(), "1004");
}

#[tokio::test]
async fn credentials_are_sealed_at_rest_read_back_after_a_restart_and_a_wrong_key_is_refused_at_start() {
    let app = spawn_app().await;
    let conn = connect(&app, "https://shop.example").await;
    let raw = stored_credentials(&app, &conn).await;
    assert!(raw.starts_with("enc:v1:"), "{raw}");
    assert!(!raw.contains(SECRET) && !raw.contains(CONSUMER_SECRET), "{raw}");

    // A restart: the same database, the same key (the data directory's key file), the same secrets.
    let again = backend::store::connect(&app.database.url).await.unwrap();
    let record = again.connection(&conn).await.unwrap().unwrap();
    assert_eq!(
        record.bridge.credentials,
        backend::bridges::Credentials::WooCommerce { consumer_key: "ck_1".into(), consumer_secret: CONSUMER_SECRET.into(), webhook_secret: SECRET.into() }
    );
    again.close().await;

    // Another key: a clear error at start, never a panic nor a server that fails later.
    let wrong = backend::store::connect_with_key(&app.database.url, || Ok(backend::secrets::SecretKey::from_bytes([9; 32], "a test key"))).await;
    let message = format!("{:#}", wrong.err().expect("a wrong key is refused"));
    assert!(message.contains("a test key") && message.contains("COMPTOIR_SECRET_KEY"), "{message}");
    assert!(stored_credentials(&app, &conn).await == raw, "a refused start writes nothing");
}

#[tokio::test]
async fn plain_credentials_from_before_encryption_are_read_and_sealed_at_the_next_start() {
    let app = spawn_app().await;
    let conn = connect(&app, "https://shop.example").await;
    // As a database from before encryption holds them.
    let plain = json!({"platform": "woocommerce", "consumer_key": "ck_1", "consumer_secret": CONSUMER_SECRET, "webhook_secret": SECRET}).to_string();
    sqlx::query(sqlx::AssertSqlSafe(format!("UPDATE connections SET credentials = '{plain}' WHERE id = '{conn}'"))).execute(&app.db).await.unwrap();
    assert_eq!(deliver(&app, &conn, &woo_order(30), SECRET).await.1["outcome"], "created", "read as they are");

    let again = backend::store::connect(&app.database.url).await.unwrap();
    let raw = stored_credentials(&app, &conn).await;
    assert!(raw.starts_with("enc:v1:") && !raw.contains(SECRET), "sealed at start: {raw}");
    let record = again.connection(&conn).await.unwrap().unwrap();
    assert_eq!(serde_json::to_value(&record.bridge.credentials).unwrap(), serde_json::from_str::<Value>(&plain).unwrap(), "never lost");
    again.close().await;
    assert_eq!(deliver(&app, &conn, &woo_order(31), SECRET).await.1["outcome"], "created");
}

#[tokio::test]
async fn a_restored_sqlite_database_with_no_sealed_credentials_starts_with_a_new_key() {
    let app = spawn_app().await;
    // No store connected: nothing was sealed with the data directory's key.
    let other_key = || Ok(backend::secrets::SecretKey::from_bytes([7; 32], "a new key file"));
    let started = backend::store::connect_with_key(&app.database.url, other_key).await;
    match crate::test_db::kind() {
        // One process per file: the point of sale starts, and keeps the new key from then on.
        crate::test_db::Kind::Sqlite => {
            let store = started.expect("a key nothing needed does not stop the point of sale");
            store.close().await;
            let again = backend::store::connect_with_key(&app.database.url, other_key).await;
            again.expect("the new key is now the database's").close().await;
        }
        // Several instances share the database: a different key stays refused, whatever is sealed.
        crate::test_db::Kind::Postgres => assert!(started.is_err(), "instances with different keys are refused"),
    }
}

#[tokio::test]
async fn one_store_whose_credentials_cannot_be_read_is_flagged_and_answered_503_while_every_other_store_works_until_they_are_entered_again() {
    let app = spawn_app().await;
    let broken = connect(&app, "https://shop.example").await;
    let fine = connect_at(&app, "https://other.example", "montreal-1", woo_credentials("cs_other", "other_secret")).await;
    // As after a lost key file or a damaged row.
    sqlx::query(sqlx::AssertSqlSafe(format!("UPDATE connections SET credentials = 'enc:v1:AAAAAAAAAAAAAAAAAAAAAAAAAAAA' WHERE id = '{broken}'")))
        .execute(&app.db)
        .await
        .unwrap();

    // The list still answers, and says which store needs its credentials again.
    assert_eq!(connection_view(&app, &broken).await["credentials_readable"], false);
    assert_eq!(connection_view(&app, &fine).await["credentials_readable"], true);
    // Its webhooks are answered 503 (the platform retries), with what to do; nothing stored.
    let (status, resp) = deliver(&app, &broken, &woo_order(40), SECRET).await;
    assert_eq!((status, resp["error"].as_str()), (StatusCode::SERVICE_UNAVAILABLE, Some("credentials_unreadable")), "{resp}");
    assert!(resp["message"].as_str().unwrap().contains("enter them again"), "{resp}");
    assert_eq!(count(&app, &format!("SELECT COUNT(*) FROM online_orders WHERE connection_id = '{broken}'")).await, 0);
    // The other store takes orders, and the platform worker still serves it.
    assert_eq!(deliver(&app, &fine, &woo_order(41), "other_secret").await.1["outcome"], "created");
    let served: Vec<String> = app.store.active_connections().await.unwrap().into_iter().map(|c| c.id).collect();
    assert_eq!(served, vec![fine.clone()]);

    // An edit that does not bring credentials cannot be checked against the store: it says so.
    let (status, resp) = patch(&app, As::Bearer(app.admin.clone()), &broken, json!({"name": "Renommée"})).await;
    assert_eq!((status, resp["error"].as_str()), (StatusCode::SERVICE_UNAVAILABLE, Some("credentials_unreadable")), "{resp}");
    // Entered again, the store is whole: listed readable, its orders taken, served by the worker.
    let (status, resp) = patch(&app, As::Bearer(app.admin.clone()), &broken, json!({"credentials": woo_credentials(CONSUMER_SECRET, SECRET)})).await;
    assert_eq!(status, StatusCode::OK, "{resp}");
    assert_eq!(connection_view(&app, &broken).await["credentials_readable"], true);
    assert_eq!(deliver(&app, &broken, &woo_order(40), SECRET).await.1["outcome"], "created");
    assert_eq!(app.store.active_connections().await.unwrap().len(), 2);
}
