//! A fake Lightspeed eCom / Ecwid store: a real HTTP server on 127.0.0.1:0 speaking the documented REST
//! v3 paths the bridge uses (`ecommerce-platforms.md` § 4) — orders (one, or searched by `updatedFrom`
//! with offset paging), order updates, products searched by SKU, product and combination quantities —
//! checking the Bearer token, recording every call, answering 429 (with `Retry-After`) or another error on
//! demand, and producing webhook deliveries signed over `{eventCreated}.{eventId}` like Ecwid's.
#![allow(dead_code)]

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use backend::bridges::{Connection, Credentials};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;
use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

pub const STORE_ID: u64 = 1003;
pub const SECRET_TOKEN: &str = "secret_ecwid-token";
pub const CLIENT_SECRET: &str = "ecwid-client-secret";
/// What a 429 says to wait, in `Retry-After` (seconds).
pub const RETRY_AFTER_S: u64 = 2;
/// Ecwid's maximum `limit` on order searches.
pub const MAX_LIMIT: usize = 100;

/// One request the fake received, and the status it answered.
#[derive(Clone, Debug)]
pub struct Call {
    pub method: String,
    pub path: String,
    /// The raw query string ("" when none).
    pub query: String,
    /// The JSON body (`Null` when none or not JSON).
    pub body: Value,
    pub status: u16,
}

#[derive(Default)]
struct Inner {
    /// By order id, in insertion order of ids.
    orders: BTreeMap<String, Value>,
    products: BTreeMap<u64, Value>,
    calls: Vec<Call>,
    fail: (usize, u16),
    deliveries: u64,
}

pub struct FakeEcwid {
    addr: SocketAddr,
    inner: Arc<Mutex<Inner>>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for FakeEcwid {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl FakeEcwid {
    pub async fn start() -> FakeEcwid {
        let inner = Arc::new(Mutex::new(Inner::default()));
        let app = axum::Router::new().fallback(handle).with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind the fake Ecwid");
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            axum::serve(listener, app).await.ok();
        });
        FakeEcwid { addr, inner, server }
    }

    /// What a connection's `base_url` is (`https://app.ecwid.com` in production).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A connection to this store, with the fake's credentials.
    pub fn connection(&self, id: &str) -> Connection {
        Connection {
            id: id.to_string(),
            base_url: self.base_url(),
            credentials: Credentials::LightspeedEcom {
                store_id: STORE_ID,
                secret_token: SECRET_TOKEN.into(),
                client_secret: CLIENT_SECRET.into(),
            },
        }
    }

    /// Adds (or replaces) an order as `GET /orders/{id}` answers it (items included).
    /// `updateTimestamp` defaults to `createTimestamp`.
    pub fn add_order(&self, order: Value) {
        let mut order = order;
        let id = match &order["id"] {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        if order.get("updateTimestamp").is_none() {
            order["updateTimestamp"] = order.get("createTimestamp").cloned().unwrap_or(json!(now_s()));
        }
        self.inner.lock().unwrap().orders.insert(id, order);
    }

    /// Adds a product (`{id, sku, quantity, combinations: [{id, sku, quantity}]}`).
    pub fn add_product(&self, product: Value) {
        let id = product["id"].as_u64().expect("a product has a numeric id");
        self.inner.lock().unwrap().products.insert(id, product);
    }

    /// Deletes a product: calls naming it answer 404.
    pub fn remove_product(&self, id: u64) {
        self.inner.lock().unwrap().products.remove(&id);
    }

    /// The order as the store now has it.
    pub fn order(&self, id: &str) -> Option<Value> {
        self.inner.lock().unwrap().orders.get(id).cloned()
    }

    pub fn calls(&self) -> Vec<Call> {
        self.inner.lock().unwrap().calls.clone()
    }

    /// Stock quantities of products and combinations, by SKU.
    pub fn inventory(&self) -> BTreeMap<String, i64> {
        let inner = self.inner.lock().unwrap();
        let mut levels = BTreeMap::new();
        for product in inner.products.values() {
            if let (Some(sku), Some(q)) = (product["sku"].as_str(), product["quantity"].as_i64()) {
                levels.insert(sku.to_string(), q);
            }
            for c in product["combinations"].as_array().into_iter().flatten() {
                if let (Some(sku), Some(q)) = (c["sku"].as_str(), c["quantity"].as_i64()) {
                    levels.insert(sku.to_string(), q);
                }
            }
        }
        levels
    }

    /// The next `n` calls answer `status` (429 carries `Retry-After`).
    pub fn fail_next(&self, n: usize, status: u16) {
        self.inner.lock().unwrap().fail = (n, status);
    }

    /// A new delivery of `event_type` for an order, signed with the client secret: its headers and raw
    /// body. Each call is a new event (new `eventId`); send the same pair twice for a retry.
    pub fn webhook(&self, event_type: &str, order_id: &str) -> (HeaderMap, Vec<u8>) {
        let (n, order) = {
            let mut inner = self.inner.lock().unwrap();
            inner.deliveries += 1;
            (inner.deliveries, inner.orders.get(order_id).cloned().unwrap_or(Value::Null))
        };
        let event_id = format!("80aece08-40e8-4145-8764-{n:012}");
        let created = now_s();
        let mut data = json!({
            "orderId": order_id,
            "newPaymentStatus": order["paymentStatus"],
            "newFulfillmentStatus": order["fulfillmentStatus"],
        });
        if event_type == "order.updated" {
            data["oldPaymentStatus"] = order["paymentStatus"].clone();
            data["oldFulfillmentStatus"] = json!("AWAITING_PROCESSING");
        }
        let body = serde_json::to_vec(&json!({
            "eventId": event_id,
            "eventCreated": created,
            "storeId": STORE_ID,
            "entityId": order["internalId"],
            "eventType": event_type,
            "data": data,
        }))
        .unwrap();
        let mut headers = HeaderMap::new();
        headers.insert("content-type", HeaderValue::from_static("application/json"));
        headers.insert("x-ecwid-webhook-signature", sign(created, &event_id, CLIENT_SECRET).parse().unwrap());
        (headers, body)
    }
}

/// `X-Ecwid-Webhook-Signature` for an event: base64(HMAC-SHA256("{eventCreated}.{eventId}")).
pub fn sign(event_created: i64, event_id: &str, secret: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{event_created}.{event_id}").as_bytes());
    base64::Engine::encode(&base64::engine::general_purpose::STANDARD, mac.finalize().into_bytes())
}

fn now_s() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

fn error(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "errorMessage": message, "errorCode": status.as_u16().to_string() }))).into_response()
}

async fn handle(State(inner): State<Arc<Mutex<Inner>>>, method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let mut inner = inner.lock().unwrap();
    let response = answer(&mut inner, &method, &uri, &headers, &body);
    inner.calls.push(Call {
        method: method.to_string(),
        path: uri.path().to_string(),
        query: uri.query().unwrap_or_default().to_string(),
        body,
        status: response.status().as_u16(),
    });
    response
}

fn answer(inner: &mut Inner, method: &Method, uri: &Uri, headers: &HeaderMap, body: &Value) -> Response {
    if inner.fail.0 > 0 {
        inner.fail.0 -= 1;
        let status = StatusCode::from_u16(inner.fail.1).unwrap();
        let mut response = error(status, "failure on demand");
        if status == StatusCode::TOO_MANY_REQUESTS {
            response.headers_mut().insert("retry-after", RETRY_AFTER_S.to_string().parse().unwrap());
        }
        return response;
    }
    if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some(&format!("Bearer {SECRET_TOKEN}")) {
        return error(StatusCode::FORBIDDEN, "Invalid access token");
    }
    let query: HashMap<String, String> =
        axum::extract::Query::try_from_uri(uri).map(|q: axum::extract::Query<HashMap<String, String>>| q.0).unwrap_or_default();
    let store = STORE_ID.to_string();
    let segments: Vec<&str> = uri.path().trim_start_matches('/').split('/').collect();
    let rest = match segments.as_slice() {
        ["api", "v3", id, rest @ ..] if *id == store => rest,
        _ => return error(StatusCode::NOT_FOUND, "no such store"),
    };
    match (method.clone(), rest) {
        (Method::GET, ["orders"]) => {
            let Ok(updated_from) = query.get("updatedFrom").map_or(Ok(0), |s| s.parse::<i64>()) else {
                return error(StatusCode::BAD_REQUEST, "updatedFrom: expected a UNIX timestamp");
            };
            let offset: usize = query.get("offset").and_then(|o| o.parse().ok()).unwrap_or(0);
            let limit: usize = query.get("limit").and_then(|l| l.parse().ok()).unwrap_or(MAX_LIMIT).clamp(1, MAX_LIMIT);
            let matching: Vec<&Value> =
                inner.orders.values().filter(|o| o["updateTimestamp"].as_i64().unwrap_or(0) >= updated_from).collect();
            let items: Vec<Value> = matching.iter().skip(offset).take(limit).map(|o| (*o).clone()).collect();
            Json(json!({ "total": matching.len(), "count": items.len(), "offset": offset, "limit": limit, "items": items })).into_response()
        }
        (Method::GET, ["orders", id]) => match inner.orders.get(*id) {
            Some(order) => Json(order.clone()).into_response(),
            None => error(StatusCode::NOT_FOUND, "Order not found"),
        },
        (Method::PUT, ["orders", id]) => {
            let Some(order) = inner.orders.get_mut(*id) else { return error(StatusCode::NOT_FOUND, "Order not found") };
            let Some(fields) = body.as_object() else { return error(StatusCode::BAD_REQUEST, "expected a JSON object") };
            for (field, value) in fields {
                match field.as_str() {
                    "fulfillmentStatus" | "paymentStatus" | "trackingNumber" => order[field.as_str()] = value.clone(),
                    other => return error(StatusCode::BAD_REQUEST, &format!("field {other} not accepted here")),
                }
            }
            order["updateTimestamp"] = json!(now_s());
            Json(json!({ "updateCount": 1 })).into_response()
        }
        (Method::GET, ["products"]) => {
            let sku = query.get("sku").cloned().unwrap_or_default();
            let items: Vec<Value> = inner
                .products
                .values()
                .filter(|p| {
                    p["sku"].as_str() == Some(sku.as_str())
                        || p["combinations"].as_array().into_iter().flatten().any(|c| c["sku"].as_str() == Some(sku.as_str()))
                })
                .cloned()
                .collect();
            Json(json!({ "total": items.len(), "count": items.len(), "offset": 0, "limit": 100, "items": items })).into_response()
        }
        (Method::PUT, ["products", pid]) => {
            let Some(product) = pid.parse().ok().and_then(|p: u64| inner.products.get_mut(&p)) else {
                return error(StatusCode::NOT_FOUND, "Product not found");
            };
            let Some(quantity) = body.get("quantity").and_then(Value::as_i64) else {
                return error(StatusCode::BAD_REQUEST, "quantity: expected an integer");
            };
            product["quantity"] = json!(quantity);
            Json(json!({ "updateCount": 1 })).into_response()
        }
        (Method::PUT, ["products", pid, "combinations", cid]) => {
            let Some(product) = pid.parse().ok().and_then(|p: u64| inner.products.get_mut(&p)) else {
                return error(StatusCode::NOT_FOUND, "Product not found");
            };
            let cid: Option<u64> = cid.parse().ok();
            let Some(combination) =
                product["combinations"].as_array_mut().into_iter().flatten().find(|c| c["id"].as_u64() == cid && cid.is_some())
            else {
                return error(StatusCode::NOT_FOUND, "Combination not found");
            };
            let Some(quantity) = body.get("quantity").and_then(Value::as_i64) else {
                return error(StatusCode::BAD_REQUEST, "quantity: expected an integer");
            };
            combination["quantity"] = json!(quantity);
            Json(json!({ "updateCount": 1 })).into_response()
        }
        _ => error(StatusCode::NOT_FOUND, "no such route"),
    }
}
