//! A fake BigCommerce store: a real HTTP server on 127.0.0.1:0 speaking the documented paths and
//! payloads the bridge uses (`ecommerce-platforms.md` § 3) — V2 orders, products, consignments,
//! shipments, V3 absolute inventory — checking `X-Auth-Token`, recording every call, answering 429 (with
//! `X-Rate-Limit-Time-Reset-Ms`) or another error on demand, and producing Standard Webhooks deliveries
//! signed like BigCommerce's.
#![allow(dead_code)]

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use backend::bridges::{Connection, Credentials};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

pub const STORE_HASH: &str = "k3x9abcd";
pub const ACCESS_TOKEN: &str = "bc-access-token";
pub const CLIENT_SECRET: &str = "bc-client-secret";
pub const LOCATION_ID: u64 = 1;
/// What a 429 says to wait, in `X-Rate-Limit-Time-Reset-Ms`.
pub const RATE_LIMIT_RESET_MS: u64 = 1500;
/// The documented limit of items per absolute inventory adjustment.
pub const INVENTORY_LIMIT: usize = 2000;

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
    orders: BTreeMap<u64, Value>,
    products: BTreeMap<u64, Vec<Value>>,
    consignments: BTreeMap<u64, Value>,
    shipments: BTreeMap<u64, Vec<Value>>,
    inventory: BTreeMap<(u64, String), i64>,
    calls: Vec<Call>,
    /// The next `.0` calls answer status `.1`.
    fail: (usize, u16),
    deliveries: u64,
}

pub struct FakeBigCommerce {
    addr: SocketAddr,
    inner: Arc<Mutex<Inner>>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for FakeBigCommerce {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl FakeBigCommerce {
    pub async fn start() -> FakeBigCommerce {
        let inner = Arc::new(Mutex::new(Inner::default()));
        let app = axum::Router::new().fallback(handle).with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind the fake BigCommerce");
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            axum::serve(listener, app).await.ok();
        });
        FakeBigCommerce { addr, inner, server }
    }

    /// What a connection's `base_url` is (`https://api.bigcommerce.com` in production).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A connection to this store, with the fake's credentials.
    pub fn connection(&self, id: &str) -> Connection {
        Connection {
            id: id.to_string(),
            base_url: self.base_url(),
            credentials: Credentials::BigCommerce {
                store_hash: STORE_HASH.into(),
                access_token: ACCESS_TOKEN.into(),
                client_secret: CLIENT_SECRET.into(),
                location_id: LOCATION_ID,
            },
        }
    }

    /// Adds (or replaces) an order, as `GET /v2/orders/{id}` answers it, with its product rows and its
    /// consignments (`Value::Null` for none). `date_modified` defaults to `date_created`.
    pub fn add_order(&self, order: Value, products: Value, consignments: Value) {
        let mut order = order;
        let id = order["id"].as_u64().expect("an order has a numeric id");
        if order.get("date_modified").is_none() {
            order["date_modified"] = order.get("date_created").cloned().unwrap_or(json!(rfc2822_now()));
        }
        order["products"] = json!({
            "url": format!("https://api.bigcommerce.com/stores/{STORE_HASH}/v2/orders/{id}/products"),
            "resource": format!("/orders/{id}/products"),
        });
        let products = products.as_array().cloned().unwrap_or_default();
        let mut inner = self.inner.lock().unwrap();
        inner.orders.insert(id, order);
        inner.products.insert(id, products);
        if consignments.is_null() {
            inner.consignments.remove(&id);
        } else {
            inner.consignments.insert(id, consignments);
        }
    }

    /// The order as the store now has it (after status updates and shipments).
    pub fn order(&self, id: u64) -> Option<Value> {
        self.inner.lock().unwrap().orders.get(&id).cloned()
    }

    /// The shipments created on an order.
    pub fn shipments(&self, id: u64) -> Vec<Value> {
        self.inner.lock().unwrap().shipments.get(&id).cloned().unwrap_or_default()
    }

    /// Every call received, in order.
    pub fn calls(&self) -> Vec<Call> {
        self.inner.lock().unwrap().calls.clone()
    }

    /// Absolute inventory levels set, by (location id, SKU).
    pub fn inventory(&self) -> BTreeMap<(u64, String), i64> {
        self.inner.lock().unwrap().inventory.clone()
    }

    /// The next `n` calls answer `status` (429 carries `X-Rate-Limit-Time-Reset-Ms`).
    pub fn fail_next(&self, n: usize, status: u16) {
        self.inner.lock().unwrap().fail = (n, status);
    }

    /// A new delivery of `scope` for an order, signed now with the client secret: its headers and raw
    /// body. Each call is a new event (new `hash`, new `webhook-id`); send the same pair twice for a retry.
    pub fn webhook(&self, scope: &str, order_id: u64) -> (HeaderMap, Vec<u8>) {
        let n = {
            let mut inner = self.inner.lock().unwrap();
            inner.deliveries += 1;
            inner.deliveries
        };
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
        let hash = hex::encode(Sha256::digest(format!("{scope}/{order_id}/{n}").as_bytes()))[..40].to_string();
        let mut payload = json!({
            "scope": scope,
            "store_id": "1025646",
            "data": { "type": "order", "id": order_id },
            "hash": hash,
            "created_at": now,
            "producer": format!("stores/{STORE_HASH}"),
        });
        if scope == "store/order/statusUpdated" {
            let status = self.order(order_id).and_then(|o| o["status_id"].as_u64()).unwrap_or(11);
            payload["data"]["status"] = json!({ "previous_status_id": 0, "new_status_id": status });
        }
        let body = serde_json::to_vec(&payload).unwrap();
        let headers = sign(&format!("msg_{n:06}"), now, &body, CLIENT_SECRET);
        (headers, body)
    }
}

/// Standard Webhooks headers for a body: `webhook-id`, `webhook-timestamp`, `webhook-signature`.
pub fn sign(webhook_id: &str, timestamp_s: i64, body: &[u8], secret: &str) -> HeaderMap {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{webhook_id}.{timestamp_s}.").as_bytes());
    mac.update(body);
    let signature = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, mac.finalize().into_bytes());
    let mut headers = HeaderMap::new();
    headers.insert("content-type", HeaderValue::from_static("application/json"));
    headers.insert("webhook-id", webhook_id.parse().unwrap());
    headers.insert("webhook-timestamp", timestamp_s.to_string().parse().unwrap());
    headers.insert("webhook-signature", format!("v1,{signature}").parse().unwrap());
    headers
}

fn rfc2822_now() -> String {
    jiff::fmt::rfc2822::to_string(&jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC)).unwrap()
}

fn parse_date(text: &str) -> Option<jiff::Timestamp> {
    jiff::fmt::rfc2822::parse(text).map(|z| z.timestamp()).ok().or_else(|| text.parse().ok())
}

fn status_name(id: u64) -> &'static str {
    match id {
        0 => "Incomplete",
        1 => "Pending",
        2 => "Shipped",
        3 => "Partially Shipped",
        4 => "Refunded",
        5 => "Cancelled",
        6 => "Declined",
        7 => "Awaiting Payment",
        8 => "Awaiting Pickup",
        9 => "Awaiting Shipment",
        10 => "Completed",
        11 => "Awaiting Fulfillment",
        12 => "Manual Verification Required",
        13 => "Disputed",
        14 => "Partially Refunded",
        _ => "Unknown",
    }
}

fn error(status: StatusCode, title: &str) -> Response {
    (status, Json(json!({ "status": status.as_u16(), "title": title }))).into_response()
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
            let h = response.headers_mut();
            h.insert("x-rate-limit-time-reset-ms", RATE_LIMIT_RESET_MS.to_string().parse().unwrap());
            h.insert("x-rate-limit-requests-left", HeaderValue::from_static("0"));
        }
        return response;
    }
    if headers.get("x-auth-token").and_then(|v| v.to_str().ok()) != Some(ACCESS_TOKEN) {
        return error(StatusCode::UNAUTHORIZED, "missing or bad X-Auth-Token");
    }
    let query: HashMap<String, String> =
        axum::extract::Query::try_from_uri(uri).map(|q: axum::extract::Query<HashMap<String, String>>| q.0).unwrap_or_default();
    let segments: Vec<&str> = uri.path().trim_start_matches('/').split('/').collect();
    let rest = match segments.as_slice() {
        ["stores", hash, rest @ ..] if *hash == STORE_HASH => rest,
        _ => return error(StatusCode::NOT_FOUND, "no such store"),
    };
    let page = |default_limit: usize| {
        let page: usize = query.get("page").and_then(|p| p.parse().ok()).unwrap_or(1).max(1);
        let limit: usize = query.get("limit").and_then(|l| l.parse().ok()).unwrap_or(default_limit).clamp(1, 250);
        ((page - 1) * limit, limit)
    };
    match (method.clone(), rest) {
        (Method::GET, ["v2", "orders"]) => {
            let since = query.get("min_date_modified").map(|d| parse_date(d));
            if let Some(None) = since {
                return error(StatusCode::BAD_REQUEST, "min_date_modified: not a date");
            }
            let since = since.flatten();
            let (skip, limit) = page(50);
            let rows: Vec<Value> = inner
                .orders
                .values()
                .filter(|o| o["status_id"].as_u64() != Some(0))
                .filter(|o| since.is_none_or(|s| o["date_modified"].as_str().and_then(parse_date).is_some_and(|m| m >= s)))
                .skip(skip)
                .take(limit)
                .cloned()
                .collect();
            if rows.is_empty() {
                StatusCode::NO_CONTENT.into_response()
            } else {
                Json(Value::Array(rows)).into_response()
            }
        }
        (Method::GET, ["v2", "orders", id]) => match id.parse().ok().and_then(|id: u64| inner.orders.get(&id)) {
            Some(order) => Json(order.clone()).into_response(),
            None => error(StatusCode::NOT_FOUND, "no such order"),
        },
        (Method::GET, ["v2", "orders", id, "products"]) => match id.parse().ok().and_then(|id: u64| inner.products.get(&id)) {
            Some(rows) => {
                let (skip, limit) = page(50);
                let rows: Vec<Value> = rows.iter().skip(skip).take(limit).cloned().collect();
                if rows.is_empty() {
                    StatusCode::NO_CONTENT.into_response()
                } else {
                    Json(Value::Array(rows)).into_response()
                }
            }
            None => error(StatusCode::NOT_FOUND, "no such order"),
        },
        (Method::GET, ["v2", "orders", id, "consignments"]) => match id.parse::<u64>() {
            Ok(id) if inner.orders.contains_key(&id) => Json(
                inner.consignments.get(&id).cloned().unwrap_or(json!({"pickups": [], "shipping": [], "downloads": [], "email": {"gift_certificates": []}})),
            )
            .into_response(),
            _ => error(StatusCode::NOT_FOUND, "no such order"),
        },
        (Method::PUT, ["v2", "orders", id]) => {
            let Some(order) = id.parse().ok().and_then(|id: u64| inner.orders.get_mut(&id)) else {
                return error(StatusCode::NOT_FOUND, "no such order");
            };
            let Some(status_id) = body.get("status_id").and_then(Value::as_u64).filter(|s| *s <= 14) else {
                return error(StatusCode::BAD_REQUEST, "status_id: expected 0..14");
            };
            order["status_id"] = json!(status_id);
            order["status"] = json!(status_name(status_id));
            order["date_modified"] = json!(rfc2822_now());
            Json(order.clone()).into_response()
        }
        (Method::POST, ["v2", "orders", id, "shipments"]) => {
            let Ok(id) = id.parse::<u64>() else { return error(StatusCode::NOT_FOUND, "no such order") };
            let Some(rows) = inner.products.get_mut(&id) else { return error(StatusCode::NOT_FOUND, "no such order") };
            let address = body.get("order_address_id").and_then(Value::as_u64);
            let items = body.get("items").and_then(Value::as_array).cloned().unwrap_or_default();
            if address.is_none() || items.is_empty() {
                return error(StatusCode::BAD_REQUEST, "order_address_id and items are required");
            }
            for item in &items {
                let pid = item["order_product_id"].as_u64();
                let qty = item["quantity"].as_u64().unwrap_or(0);
                let Some(row) = rows.iter_mut().find(|r| r["id"].as_u64() == pid && r["order_address_id"].as_u64() == address) else {
                    return error(StatusCode::BAD_REQUEST, "order_product_id not in this order address");
                };
                let shipped = row["quantity_shipped"].as_u64().unwrap_or(0);
                if qty == 0 || shipped + qty > row["quantity"].as_u64().unwrap_or(0) {
                    return error(StatusCode::BAD_REQUEST, "quantity exceeds what remains to ship");
                }
                row["quantity_shipped"] = json!(shipped + qty);
            }
            let shipment = json!({
                "id": inner.shipments.values().map(Vec::len).sum::<usize>() + 1,
                "order_id": id,
                "order_address_id": address,
                "tracking_number": body.get("tracking_number").cloned().unwrap_or(json!("")),
                "items": items,
            });
            inner.shipments.entry(id).or_default().push(shipment.clone());
            if let Some(order) = inner.orders.get_mut(&id) {
                order["status_id"] = json!(2);
                order["status"] = json!(status_name(2));
                order["date_modified"] = json!(rfc2822_now());
            }
            (StatusCode::CREATED, Json(shipment)).into_response()
        }
        (Method::PUT, ["v3", "inventory", "adjustments", "absolute"]) => {
            let Some(items) = body.get("items").and_then(Value::as_array) else {
                return error(StatusCode::UNPROCESSABLE_ENTITY, "items is required");
            };
            if items.len() > INVENTORY_LIMIT {
                return error(StatusCode::UNPROCESSABLE_ENTITY, "at most 2000 items per request");
            }
            let mut set = Vec::new();
            for item in items {
                match (item["location_id"].as_u64(), item["sku"].as_str(), item["quantity"].as_i64()) {
                    (Some(location), Some(sku), Some(quantity)) if quantity >= 0 => set.push(((location, sku.to_string()), quantity)),
                    _ => return error(StatusCode::UNPROCESSABLE_ENTITY, "each item needs location_id, sku and a quantity ≥ 0"),
                }
            }
            inner.inventory.extend(set);
            Json(json!({ "transaction_id": format!("tx-{}", inner.calls.len() + 1) })).into_response()
        }
        _ => error(StatusCode::NOT_FOUND, "no such route"),
    }
}
