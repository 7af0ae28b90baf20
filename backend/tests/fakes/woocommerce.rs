//! A fake WooCommerce site (REST API v3): what our bridge calls, nothing more.
//!
//! ```ignore
//! let site = FakeWooCommerce::start().await;
//! site.add_order(order_json);                 // as GET /orders/{id} returns it
//! site.add_product(93, "SKU-1");              // a simple product
//! site.add_variation(94, 101, "SKU-2");       // a variation 101 of product 94
//! let conn = site.connection("conn-1");
//! let (headers, body) = site.webhook("order.created", &order_json); // signed with WEBHOOK_SECRET
//! let (headers, body) = site.ping();          // the unsigned creation ping
//! site.fail_next(1, 429);                     // Retry-After: 3
//! site.calls(); site.inventory(); site.order(727);
//! ```
//!
//! Routes under `/wp-json/wc/v3`: `GET /orders` (`modified_after`, `dates_are_gmt`, `per_page`, `page`,
//! `X-WP-Total`/`X-WP-TotalPages`), `GET`/`PUT /orders/{id}`, `GET /products?sku=`,
//! `POST /products/batch` and `POST /products/{id}/variations/batch` (more than 100 items → 413, as
//! WooCommerce). Every request needs HTTP Basic `CONSUMER_KEY:CONSUMER_SECRET` (else 401).

use super::{hmac_base64, json_response, random_uuid, serve, url_params, Call, Recorder};
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use backend::bridges::{Connection, Credentials};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

pub const CONSUMER_KEY: &str = "ck_fake";
pub const CONSUMER_SECRET: &str = "cs_fake";
pub const WEBHOOK_SECRET: &str = "woo-webhook-secret";
pub const WEBHOOK_ID: u64 = 7;
pub const BASE: &str = "/wp-json/wc/v3";

#[derive(Clone, Debug)]
pub struct Product {
    pub id: u64,
    /// 0 for a product, the product's id for a variation.
    pub parent_id: u64,
    pub sku: String,
    pub manage_stock: bool,
    pub stock_quantity: Option<i64>,
}

#[derive(Default)]
struct Site {
    orders: BTreeMap<u64, Value>,
    products: BTreeMap<u64, Product>,
    page_size: u32,
}

type Shared = Arc<Mutex<Site>>;

pub struct FakeWooCommerce {
    addr: SocketAddr,
    site: Shared,
    recorder: Arc<Recorder>,
}

impl FakeWooCommerce {
    pub async fn start() -> FakeWooCommerce {
        let site: Shared = Arc::new(Mutex::new(Site { page_size: 100, ..Site::default() }));
        let recorder = Arc::new(Recorder::default());
        let router = Router::new()
            .route(&format!("{BASE}/orders"), get(list_orders))
            .route(&format!("{BASE}/orders/{{id}}"), get(get_order).put(put_order))
            .route(&format!("{BASE}/products"), get(find_products))
            .route(&format!("{BASE}/products/batch"), post(batch_products))
            .route(&format!("{BASE}/products/{{id}}/variations/batch"), post(batch_variations))
            .layer(axum::middleware::from_fn(check_basic_auth))
            .with_state(site.clone());
        let addr = serve(router, recorder.clone()).await;
        FakeWooCommerce { addr, site, recorder }
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn connection(&self, id: &str) -> Connection {
        Connection {
            id: id.to_string(),
            base_url: self.base_url(),
            credentials: Credentials::WooCommerce {
                consumer_key: CONSUMER_KEY.into(),
                consumer_secret: CONSUMER_SECRET.into(),
                webhook_secret: WEBHOOK_SECRET.into(),
            },
        }
    }

    /// Adds (or replaces) an order, as `GET /orders/{id}` returns it.
    pub fn add_order(&self, order: Value) {
        let id = order["id"].as_u64().expect("an order has a numeric id");
        self.site.lock().unwrap().orders.insert(id, order);
    }

    pub fn order(&self, id: u64) -> Option<Value> {
        self.site.lock().unwrap().orders.get(&id).cloned()
    }

    pub fn add_product(&self, id: u64, sku: &str) {
        self.site.lock().unwrap().products.insert(id, Product { id, parent_id: 0, sku: sku.into(), manage_stock: false, stock_quantity: None });
    }

    pub fn add_variation(&self, parent_id: u64, id: u64, sku: &str) {
        self.site.lock().unwrap().products.insert(id, Product { id, parent_id, sku: sku.into(), manage_stock: false, stock_quantity: None });
    }

    pub fn products(&self) -> Vec<Product> {
        self.site.lock().unwrap().products.values().cloned().collect()
    }

    /// SKU → stock quantity, for products whose stock is managed.
    pub fn inventory(&self) -> BTreeMap<String, i64> {
        self.site.lock().unwrap().products.values().filter(|p| p.manage_stock).map(|p| (p.sku.clone(), p.stock_quantity.unwrap_or(0))).collect()
    }

    /// Orders per page (`per_page`, at most 100); smaller to test paging.
    pub fn set_page_size(&self, n: u32) {
        self.site.lock().unwrap().page_size = n.max(1);
    }

    /// A delivery of `order` on `topic` (`order.created`, `order.updated`), as WooCommerce posts it:
    /// `trim(wp_json_encode(order))` — PHP escapes `/` as `\/` — signed with WEBHOOK_SECRET.
    pub fn webhook(&self, topic: &str, order: &Value) -> (HeaderMap, Vec<u8>) {
        self.webhook_signed_with(topic, order, WEBHOOK_SECRET)
    }

    pub fn webhook_signed_with(&self, topic: &str, order: &Value, secret: &str) -> (HeaderMap, Vec<u8>) {
        let body = serde_json::to_string(order).unwrap().replace('/', "\\/").into_bytes();
        let (resource, event) = topic.split_once('.').unwrap_or((topic, ""));
        let mut h = HeaderMap::new();
        let mut put = |k: &'static str, v: String| {
            h.insert(k, HeaderValue::from_str(&v).unwrap());
        };
        put("content-type", "application/json".into());
        put("x-wc-webhook-source", format!("{}/", self.base_url()));
        put("x-wc-webhook-topic", topic.into());
        put("x-wc-webhook-resource", resource.into());
        put("x-wc-webhook-event", event.into());
        put("x-wc-webhook-signature", hmac_base64(secret, &body));
        put("x-wc-webhook-id", WEBHOOK_ID.to_string());
        put("x-wc-webhook-delivery-id", random_uuid().replace('-', ""));
        (h, body)
    }

    /// The ping WooCommerce sends when the webhook is created: unsigned, form-encoded.
    pub fn ping(&self) -> (HeaderMap, Vec<u8>) {
        let mut h = HeaderMap::new();
        h.insert("content-type", HeaderValue::from_static("application/x-www-form-urlencoded"));
        (h, format!("webhook_id={WEBHOOK_ID}").into_bytes())
    }

    pub fn calls(&self) -> Vec<Call> {
        self.recorder.calls()
    }
    pub fn clear_calls(&self) {
        self.recorder.clear()
    }

    /// The next `n` requests answer `status` (a 429 with `Retry-After: 3`).
    pub fn fail_next(&self, n: u32, status: u16) {
        self.recorder.fail_next(n, status, "3");
    }

    /// Every answer takes `d` (a slow site); `Duration::ZERO` again for a fast one.
    pub fn set_delay(&self, d: std::time::Duration) {
        self.recorder.set_delay(d);
    }

    /// Deletes a product (or variation): a batch naming it gets a per-item `Invalid ID.` error.
    pub fn remove_product(&self, id: u64) {
        self.site.lock().unwrap().products.remove(&id);
    }
}

async fn check_basic_auth(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    use base64::Engine;
    let expected = format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{CONSUMER_KEY}:{CONSUMER_SECRET}")));
    if req.headers().get("authorization").and_then(|v| v.to_str().ok()) != Some(expected.as_str()) {
        return json_response(
            StatusCode::UNAUTHORIZED,
            json!({"code": "woocommerce_rest_cannot_view", "message": "Sorry, you cannot list resources.", "data": {"status": 401}}),
        );
    }
    next.run(req).await
}

fn woo_error(status: StatusCode, code: &str, message: &str) -> Response {
    json_response(status, json!({"code": code, "message": message, "data": {"status": status.as_u16()}}))
}

async fn list_orders(State(site): State<Shared>, RawQuery(query): RawQuery) -> Response {
    let params: BTreeMap<String, String> = url_params(query.as_deref().unwrap_or("")).into_iter().collect();
    let site = site.lock().unwrap();
    let per_page = params.get("per_page").and_then(|p| p.parse::<u32>().ok()).unwrap_or(10);
    if per_page > 100 {
        return woo_error(StatusCode::BAD_REQUEST, "rest_invalid_param", "Invalid parameter(s): per_page");
    }
    let per_page = per_page.min(site.page_size).max(1) as usize;
    let page = params.get("page").and_then(|p| p.parse::<usize>().ok()).unwrap_or(1).max(1);
    // Compared as GMT text (we only serve `dates_are_gmt=true` queries meaningfully).
    let after = params.get("modified_after").map(|t| t.trim_end_matches('Z').to_string()).unwrap_or_default();
    let matching: Vec<&Value> = site.orders.values().filter(|o| o["date_modified_gmt"].as_str().unwrap_or("") >= after.as_str()).collect();
    let total_pages = matching.len().div_ceil(per_page).max(1);
    let page_orders: Vec<Value> = matching.iter().skip((page - 1) * per_page).take(per_page).map(|o| (*o).clone()).collect();
    let mut resp = json_response(StatusCode::OK, Value::Array(page_orders));
    resp.headers_mut().insert("x-wp-total", HeaderValue::from(matching.len()));
    resp.headers_mut().insert("x-wp-totalpages", HeaderValue::from(total_pages));
    resp
}

fn invalid_order() -> Response {
    woo_error(StatusCode::NOT_FOUND, "woocommerce_rest_shop_order_invalid_id", "Invalid ID.")
}

async fn get_order(State(site): State<Shared>, Path(id): Path<String>) -> Response {
    match id.parse::<u64>().ok().and_then(|id| site.lock().unwrap().orders.get(&id).cloned()) {
        Some(o) => json_response(StatusCode::OK, o),
        None => invalid_order(),
    }
}

async fn put_order(State(site): State<Shared>, Path(id): Path<String>, Json(body): Json<Value>) -> Response {
    let mut site = site.lock().unwrap();
    let Some(order) = id.parse::<u64>().ok().and_then(|id| site.orders.get_mut(&id)) else {
        return invalid_order();
    };
    if let Some(fields) = body.as_object() {
        for (k, v) in fields {
            order[k] = v.clone();
        }
    }
    json_response(StatusCode::OK, order.clone())
}

fn product_json(p: &Product) -> Value {
    json!({"id": p.id, "parent_id": p.parent_id, "sku": p.sku, "type": if p.parent_id > 0 { "variation" } else { "simple" },
           "manage_stock": p.manage_stock, "stock_quantity": p.stock_quantity})
}

async fn find_products(State(site): State<Shared>, RawQuery(query): RawQuery) -> Response {
    let params: BTreeMap<String, String> = url_params(query.as_deref().unwrap_or("")).into_iter().collect();
    let site = site.lock().unwrap();
    let sku = params.get("sku").cloned().unwrap_or_default();
    // Products only: variations have their own route, as in WooCommerce's default behaviour.
    let found: Vec<Value> = site.products.values().filter(|p| p.parent_id == 0 && (sku.is_empty() || p.sku == sku)).map(product_json).collect();
    json_response(StatusCode::OK, Value::Array(found))
}

fn batch(site: &mut Site, body: &Value, parent: u64) -> Response {
    let update = body["update"].as_array().cloned().unwrap_or_default();
    if update.len() > 100 {
        return woo_error(StatusCode::PAYLOAD_TOO_LARGE, "rest_request_entity_too_large", "Unable to accept more than 100 items for this request.");
    }
    let results: Vec<Value> = update
        .iter()
        .map(|item| {
            let id = item["id"].as_u64().unwrap_or(0);
            match site.products.get_mut(&id).filter(|p| p.parent_id == parent) {
                Some(p) => {
                    if let Some(m) = item["manage_stock"].as_bool() {
                        p.manage_stock = m;
                    }
                    if let Some(q) = item["stock_quantity"].as_i64() {
                        p.stock_quantity = Some(q);
                    }
                    product_json(p)
                }
                None => json!({"id": id, "error": {"code": "woocommerce_rest_product_invalid_id", "message": "Invalid ID.", "data": {"status": 400}}}),
            }
        })
        .collect();
    json_response(StatusCode::OK, json!({ "update": results }))
}

async fn batch_products(State(site): State<Shared>, Json(body): Json<Value>) -> Response {
    batch(&mut site.lock().unwrap(), &body, 0)
}

async fn batch_variations(State(site): State<Shared>, Path(id): Path<String>, Json(body): Json<Value>) -> Response {
    let Ok(parent) = id.parse::<u64>() else {
        return woo_error(StatusCode::NOT_FOUND, "rest_no_route", "No route was found matching the URL and request method.");
    };
    batch(&mut site.lock().unwrap(), &body, parent)
}
