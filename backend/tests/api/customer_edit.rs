//! Clients in the back office (issue 12 item 6): a manager creates and edits a customer and their
//! account terms; the registers hear of it through the pull; every refusal names what is wrong and
//! writes nothing.

use crate::helpers::{spawn_app, As, TestApp, MANAGER_MTL};
use axum::http::StatusCode;
use serde_json::{json, Value};
use crate::products::pull;
use shared::sync::changes::Replica;

async fn manager(app: &TestApp) -> As {
    As::Bearer(app.token(MANAGER_MTL).await)
}

async fn audit_count(app: &TestApp, action: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = $1").bind(action).fetch_one(&app.db).await.unwrap()
}

async fn customer_count(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM customers").fetch_one(&app.db).await.unwrap()
}

async fn put(app: &TestApp, id: &str, body: Value) -> (StatusCode, Value) {
    let who = manager(app).await;
    app.send(who, "PUT", &format!("/api/v1/customers/{id}"), Some(body.to_string())).await
}

#[tokio::test]
async fn a_manager_creates_a_customer_on_account_that_the_next_pull_brings_to_the_registers() {
    let app = spawn_app().await;
    let mut replica = Replica::default();
    pull(&app, &mut replica).await;
    let body = json!({"name": "  Sophie Côté ", "email": " sophie.cote@exemple.ca ", "credit_limit": 25_000, "automatic_discount_bp": 250});
    let (status, created) = app.send(manager(&app).await, "POST", "/api/v1/customers", Some(body.to_string())).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["customer"]["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("c-"), "an id the server chose: {id}");
    assert_eq!((created["customer"]["name"].as_str(), created["customer"]["email"].as_str()), (Some("Sophie Côté"), Some("sophie.cote@exemple.ca")));
    assert_eq!((created["balance"].as_i64(), created["available"].as_i64()), (Some(0), Some(25_000)), "{created}");

    pull(&app, &mut replica).await;
    let pulled = &replica.customers[&id];
    assert_eq!(pulled.customer.name, "Sophie Côté");
    assert_eq!((pulled.account.credit_limit.as_cents(), pulled.account.automatic_discount_bp), (25_000, 250));
    assert_eq!(audit_count(&app, "customer_created").await, 1);
}

#[tokio::test]
async fn a_manager_changes_a_customers_terms_and_the_registers_take_the_new_limit() {
    let app = spawn_app().await;
    let mut replica = Replica::default();
    pull(&app, &mut replica).await;
    assert_eq!(replica.customers["c-tremblay"].account.credit_limit.as_cents(), 50_000);

    let (status, after) = put(&app, "c-tremblay", json!({"name": "Marie Tremblay", "email": "marie.tremblay@example.com", "credit_limit": 120_000, "automatic_discount_bp": 0})).await;
    assert_eq!(status, StatusCode::OK, "{after}");
    assert_eq!((after["account"]["credit_limit"].as_i64(), after["account"]["automatic_discount_bp"].as_i64(), after["available"].as_i64()), (Some(120_000), Some(0), Some(120_000)), "{after}");
    pull(&app, &mut replica).await;
    let pulled = &replica.customers["c-tremblay"];
    assert_eq!((pulled.account.credit_limit.as_cents(), pulled.account.automatic_discount_bp), (120_000, 0));
    assert_eq!(audit_count(&app, "customer_changed").await, 1);

    // The same form again changes nothing: no audit entry, nothing for the registers to pull.
    let cursor = replica.cursor;
    let (status, _) = put(&app, "c-tremblay", json!({"name": "Marie Tremblay", "email": "marie.tremblay@example.com", "credit_limit": 120_000})).await;
    assert_eq!(status, StatusCode::OK);
    pull(&app, &mut replica).await;
    assert_eq!((replica.cursor, audit_count(&app, "customer_changed").await), (cursor, 1));
}

#[tokio::test]
async fn a_refused_customer_form_names_every_field_at_fault_and_writes_nothing() {
    let app = spawn_app().await;
    let before = customer_count(&app).await;
    let m = manager(&app).await;

    let bad = json!({"name": " ", "email": "pas un courriel", "credit_limit": -1, "automatic_discount_bp": 10_001});
    let (status, body) = app.send(m.clone(), "POST", "/api/v1/customers", Some(bad.to_string())).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_customer")), "{body}");
    let fields: Vec<&str> = body["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["name", "email", "credit_limit", "automatic_discount_bp"]);

    // Another customer's e-mail in other case: 409 naming its owner.
    let (status, body) = app.send(m.clone(), "POST", "/api/v1/customers", Some(json!({"name": "Autre Marie", "email": "MARIE.Tremblay@example.com"}).to_string())).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::CONFLICT, Some("email_taken")), "{body}");
    assert!(body["message"].as_str().unwrap().contains("c-tremblay"), "{body}");
    let (status, body) = put(&app, "c-gagnon", json!({"name": "Jean Gagnon", "email": "marie.tremblay@example.com"})).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::CONFLICT, Some("email_taken")), "{body}");

    // An id already taken; an unknown or impossible id; a body naming another customer; an unknown field.
    let (status, body) = app.send(m.clone(), "POST", "/api/v1/customers", Some(json!({"id": "c-gagnon", "name": "Jean"}).to_string())).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::CONFLICT, Some("id_taken")), "{body}");
    assert_eq!(put(&app, "c-nobody", json!({"name": "Personne"})).await.0, StatusCode::NOT_FOUND);
    assert_eq!(put(&app, "c%20bad%20id", json!({"name": "Personne"})).await.0, StatusCode::NOT_FOUND);
    let (status, body) = put(&app, "c-gagnon", json!({"id": "c-tremblay", "name": "Jean"})).await;
    assert_eq!((status, body["fields"][0]["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("id_mismatch")), "{body}");
    let (status, body) = put(&app, "c-gagnon", json!({"name": "Jean", "balance": 0})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "the balance is never a field: {body}");

    assert_eq!(customer_count(&app).await, before);
    let (_, jean) = app.get("/api/v1/customers/c-gagnon/summary").await;
    assert_eq!((jean["customer"]["name"].as_str(), jean["customer"]["email"].as_str()), (Some("Jean Gagnon"), Some("jean.gagnon@example.com")));
    assert_eq!(audit_count(&app, "customer_changed").await + audit_count(&app, "customer_created").await, 0);
}
