//! A fake Shopify shop (Admin API 2026-04): what our bridge calls, nothing more.
//!
//! ```ignore
//! let shop = FakeShopify::start().await;
//! shop.add_order(order_json);                    // a REST order; one open "shipping" fulfillment order
//! shop.set_delivery_method(order_id, "pick_up"); // make it a pickup order
//! let item = shop.add_product("SKU-1");          // a variant with this SKU; its inventory item gid
//! let conn = shop.connection("conn-1");          // a bridges::Connection with the fake's credentials
//! let (headers, body) = shop.webhook("orders/create", &order_json); // signed with CLIENT_SECRET
//! shop.fail_next(2, 429);                        // the next 2 calls answer 429, Retry-After: 2.0
//! shop.calls(); shop.inventory();                // what was sent; SKU → available quantity
//! ```
//!
//! REST: `GET orders.json` (`updated_at_min`, `status`, `limit`, `page_info` with `Link` headers),
//! `GET orders/{id}.json`, `GET orders/{id}/fulfillment_orders.json`. GraphQL `POST graphql.json`:
//! `nodes(ids:)` (orders' delivery methods), `productVariants(query: "sku:…")`, `inventorySetQuantities`
//! (refused without `@idempotent` or without `changeFromQuantity` on every quantity, as 2026-04 does;
//! a key seen before is not applied twice), `fulfillmentCreate`, `fulfillmentOrderLineItemsPreparedForPickup`.
//! Every request must carry `X-Shopify-Access-Token: ACCESS_TOKEN` (else 401).

use super::{hmac_base64, json_response, random_uuid, serve, url_params, Call, Recorder};
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use backend::bridges::{Connection, Credentials};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

pub const ACCESS_TOKEN: &str = "shpat_fake_token";
pub const CLIENT_SECRET: &str = "shopify-client-secret";
pub const PREVIOUS_CLIENT_SECRET: &str = "shopify-previous-secret";
pub const LOCATION_ID: &str = "gid://shopify/Location/1";
pub const SHOP_DOMAIN: &str = "comptoir-test.myshopify.com";
pub const API: &str = "/admin/api/2026-04";

#[derive(Clone, Debug)]
pub struct FulfillmentOrder {
    pub id: u64,
    pub order_id: u64,
    /// `open`, `closed`…
    pub status: String,
    /// `shipping`, `pick_up`, `local`…
    pub method_type: String,
    pub prepared_for_pickup: bool,
}

#[derive(Default)]
struct Shop {
    orders: BTreeMap<u64, Value>,
    fulfillment_orders: Vec<FulfillmentOrder>,
    /// SKU → inventory item gid
    variants: BTreeMap<String, String>,
    /// inventory item gid → available at LOCATION_ID
    available: BTreeMap<String, i64>,
    idempotency_keys: HashSet<String>,
    page_size: usize,
    throttle_graphql: u32,
    next_id: u64,
}

type Shared = Arc<Mutex<Shop>>;

pub struct FakeShopify {
    addr: SocketAddr,
    shop: Shared,
    recorder: Arc<Recorder>,
}

impl FakeShopify {
    pub async fn start() -> FakeShopify {
        let shop: Shared = Arc::new(Mutex::new(Shop { page_size: 250, next_id: 5_000_001, ..Shop::default() }));
        let recorder = Arc::new(Recorder::default());
        let router = Router::new()
            .route(&format!("{API}/orders.json"), get(list_orders))
            .route(&format!("{API}/orders/{{id}}"), get(get_order))
            .route(&format!("{API}/orders/{{id}}/fulfillment_orders.json"), get(get_fulfillment_orders))
            .route(&format!("{API}/graphql.json"), post(graphql))
            .layer(axum::middleware::from_fn(check_token))
            .with_state(shop.clone());
        let addr = serve(router, recorder.clone()).await;
        FakeShopify { addr, shop, recorder }
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A connection to this shop with the fake's credentials (previous secret set too).
    pub fn connection(&self, id: &str) -> Connection {
        Connection {
            id: id.to_string(),
            base_url: self.base_url(),
            credentials: Credentials::Shopify {
                access_token: ACCESS_TOKEN.into(),
                client_secret: CLIENT_SECRET.into(),
                previous_client_secret: Some(PREVIOUS_CLIENT_SECRET.into()),
                location_id: LOCATION_ID.into(),
            },
        }
    }

    /// Adds (or replaces) a REST order; it gets one open `shipping` fulfillment order.
    pub fn add_order(&self, order: Value) {
        let id = order["id"].as_u64().expect("an order has a numeric id");
        let mut shop = self.shop.lock().unwrap();
        shop.orders.insert(id, order);
        if !shop.fulfillment_orders.iter().any(|fo| fo.order_id == id) {
            let fo_id = shop.next_id;
            shop.next_id += 1;
            shop.fulfillment_orders.push(FulfillmentOrder { id: fo_id, order_id: id, status: "open".into(), method_type: "shipping".into(), prepared_for_pickup: false });
        }
    }

    /// Sets the delivery method of the order's fulfillment orders (`pick_up`, `shipping`, `local`…).
    pub fn set_delivery_method(&self, order_id: u64, method_type: &str) {
        for fo in self.shop.lock().unwrap().fulfillment_orders.iter_mut().filter(|fo| fo.order_id == order_id) {
            fo.method_type = method_type.to_string();
        }
    }

    pub fn fulfillment_orders(&self, order_id: u64) -> Vec<FulfillmentOrder> {
        self.shop.lock().unwrap().fulfillment_orders.iter().filter(|fo| fo.order_id == order_id).cloned().collect()
    }

    /// A variant with this SKU, stocked at LOCATION_ID; its inventory item gid.
    pub fn add_product(&self, sku: &str) -> String {
        let mut shop = self.shop.lock().unwrap();
        let item = format!("gid://shopify/InventoryItem/{}", shop.next_id);
        shop.next_id += 1;
        shop.variants.insert(sku.to_string(), item.clone());
        shop.available.insert(item.clone(), 0);
        item
    }

    /// Deletes the variant with this SKU and its inventory item: a quantity naming the item is refused.
    pub fn remove_product(&self, sku: &str) {
        let mut shop = self.shop.lock().unwrap();
        if let Some(item) = shop.variants.remove(sku) {
            shop.available.remove(&item);
        }
    }

    /// Orders per page (Shopify: `limit`, at most 250); smaller to test paging.
    pub fn set_page_size(&self, n: usize) {
        self.shop.lock().unwrap().page_size = n.max(1);
    }

    /// A delivery of `order` on `topic`, as Shopify posts it, signed with CLIENT_SECRET.
    pub fn webhook(&self, topic: &str, order: &Value) -> (HeaderMap, Vec<u8>) {
        self.webhook_signed_with(topic, order, CLIENT_SECRET)
    }

    pub fn webhook_signed_with(&self, topic: &str, order: &Value, secret: &str) -> (HeaderMap, Vec<u8>) {
        let body = serde_json::to_vec(order).unwrap();
        let mut h = HeaderMap::new();
        let mut put = |k: &'static str, v: String| {
            h.insert(k, HeaderValue::from_str(&v).unwrap());
        };
        put("content-type", "application/json".into());
        put("x-shopify-topic", topic.into());
        put("x-shopify-hmac-sha256", hmac_base64(secret, &body));
        put("x-shopify-shop-domain", SHOP_DOMAIN.into());
        put("x-shopify-api-version", "2026-04".into());
        put("x-shopify-webhook-id", random_uuid());
        put("x-shopify-event-id", random_uuid());
        put("x-shopify-triggered-at", "2026-12-02T13:00:00.000Z".into());
        (h, body)
    }

    pub fn calls(&self) -> Vec<Call> {
        self.recorder.calls()
    }
    pub fn clear_calls(&self) {
        self.recorder.clear()
    }
    /// The GraphQL calls whose query contains `name`.
    pub fn graphql_calls(&self, name: &str) -> Vec<Call> {
        self.calls().into_iter().filter(|c| c.path.ends_with("/graphql.json") && c.graphql_query().contains(name)).collect()
    }

    /// SKU → available quantity at LOCATION_ID.
    pub fn inventory(&self) -> BTreeMap<String, i64> {
        let shop = self.shop.lock().unwrap();
        shop.variants.iter().map(|(sku, item)| (sku.clone(), shop.available.get(item).copied().unwrap_or(0))).collect()
    }

    /// The next `n` requests answer `status` (a 429 with `Retry-After: 2.0`).
    pub fn fail_next(&self, n: u32, status: u16) {
        self.recorder.fail_next(n, status, "2.0");
    }

    /// The next `n` GraphQL calls answer HTTP 200 with a THROTTLED error (cost 100, 40 available,
    /// restoring 50 a second: 1,2 s to wait).
    pub fn throttle_graphql_next(&self, n: u32) {
        self.shop.lock().unwrap().throttle_graphql = n;
    }
}

async fn check_token(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    if req.headers().get("x-shopify-access-token").and_then(|v| v.to_str().ok()) != Some(ACCESS_TOKEN) {
        return json_response(StatusCode::UNAUTHORIZED, json!({"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"}));
    }
    next.run(req).await
}

fn updated_ms(order: &Value) -> i64 {
    order["updated_at"].as_str().or(order["created_at"].as_str()).and_then(|t| t.parse::<jiff::Timestamp>().ok()).map(|t| t.as_millisecond()).unwrap_or(0)
}

async fn list_orders(State(shop): State<Shared>, RawQuery(query): RawQuery, headers: HeaderMap) -> Response {
    let params: BTreeMap<String, String> = url_params(query.as_deref().unwrap_or("")).into_iter().collect();
    let shop = shop.lock().unwrap();
    let limit = params.get("limit").and_then(|l| l.parse::<usize>().ok()).unwrap_or(50).min(250).min(shop.page_size);
    // Like Shopify: with page_info, only `limit` (and `fields`) may accompany it.
    let (offset, min) = match params.get("page_info") {
        Some(info) => {
            if params.keys().any(|k| !matches!(k.as_str(), "page_info" | "limit" | "fields")) {
                return json_response(StatusCode::BAD_REQUEST, json!({"errors": {"page_info": "page_info cannot be used with other filters"}}));
            }
            let Some((o, m)) = info.split_once('_') else {
                return json_response(StatusCode::BAD_REQUEST, json!({"errors": {"page_info": "Invalid value."}}));
            };
            (o.parse::<usize>().unwrap_or(0), m.parse::<i64>().unwrap_or(0))
        }
        None => {
            let min = params.get("updated_at_min").and_then(|t| t.parse::<jiff::Timestamp>().ok()).map(|t| t.as_millisecond()).unwrap_or(i64::MIN);
            (0, min)
        }
    };
    let matching: Vec<&Value> = shop.orders.values().filter(|o| updated_ms(o) >= min).collect();
    let page: Vec<Value> = matching.iter().skip(offset).take(limit).map(|o| (*o).clone()).collect();
    let mut resp = json_response(StatusCode::OK, json!({ "orders": page }));
    if offset + limit < matching.len() {
        let host = headers.get("host").and_then(|h| h.to_str().ok()).unwrap_or("127.0.0.1");
        let link = format!("<http://{host}{API}/orders.json?limit={limit}&page_info={}_{min}>; rel=\"next\"", offset + limit);
        resp.headers_mut().insert("link", HeaderValue::from_str(&link).unwrap());
    }
    resp
}

async fn get_order(State(shop): State<Shared>, Path(file): Path<String>) -> Response {
    let order = file.strip_suffix(".json").and_then(|id| id.parse::<u64>().ok()).and_then(|id| shop.lock().unwrap().orders.get(&id).cloned());
    match order {
        Some(order) => json_response(StatusCode::OK, json!({ "order": order })),
        None => json_response(StatusCode::NOT_FOUND, json!({"errors": "Not Found"})),
    }
}

fn fo_json(fo: &FulfillmentOrder, order: &Value) -> Value {
    let lines: Vec<Value> = order["line_items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|l| json!({"id": l["id"].as_u64().unwrap_or(0) + 1, "fulfillment_order_id": fo.id, "line_item_id": l["id"], "quantity": l["quantity"], "fulfillable_quantity": if fo.status == "open" { l["quantity"].clone() } else { json!(0) }}))
        .collect();
    json!({
        "id": fo.id, "order_id": fo.order_id, "assigned_location_id": 1, "status": fo.status,
        "request_status": "unsubmitted", "line_items": lines,
        "delivery_method": {"id": fo.id + 7, "method_type": fo.method_type},
    })
}

async fn get_fulfillment_orders(State(shop): State<Shared>, Path(id): Path<String>) -> Response {
    let shop = shop.lock().unwrap();
    let Some(order) = id.parse::<u64>().ok().and_then(|id| shop.orders.get(&id)) else {
        return json_response(StatusCode::NOT_FOUND, json!({"errors": "Not Found"}));
    };
    let fos: Vec<Value> = shop.fulfillment_orders.iter().filter(|fo| Some(fo.order_id) == order["id"].as_u64()).map(|fo| fo_json(fo, order)).collect();
    json_response(StatusCode::OK, json!({ "fulfillment_orders": fos }))
}

fn gql_error(message: &str) -> Response {
    json_response(StatusCode::OK, json!({"errors": [{"message": message}]}))
}

/// `sku:"A" OR sku:"B"` → [A, B]
fn skus_in(query: &str) -> Vec<String> {
    query
        .split(" OR ")
        .filter_map(|t| t.trim().strip_prefix("sku:"))
        .map(|v| v.trim().trim_matches('"').replace("\\\"", "\"").replace("\\\\", "\\"))
        .collect()
}

async fn graphql(State(shop): State<Shared>, Json(req): Json<Value>) -> Response {
    let query = req["query"].as_str().unwrap_or("").to_string();
    let vars = req["variables"].clone();
    let mut shop = shop.lock().unwrap();
    if shop.throttle_graphql > 0 {
        shop.throttle_graphql -= 1;
        return json_response(
            StatusCode::OK,
            json!({"errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}],
                   "extensions": {"cost": {"requestedQueryCost": 100, "actualQueryCost": null,
                     "throttleStatus": {"maximumAvailable": 2000.0, "currentlyAvailable": 40, "restoreRate": 50.0}}}}),
        );
    }
    if query.contains("nodes(ids:") {
        let nodes: Vec<Value> = vars["ids"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|gid| {
                let id = gid.as_str().and_then(|g| g.strip_prefix("gid://shopify/Order/")).and_then(|i| i.parse::<u64>().ok());
                match id.filter(|i| shop.orders.contains_key(i)) {
                    Some(id) => json!({"id": gid, "fulfillmentOrders": {"nodes": shop.fulfillment_orders.iter().filter(|fo| fo.order_id == id)
                        .map(|fo| json!({"deliveryMethod": {"methodType": fo.method_type.to_uppercase()}})).collect::<Vec<_>>()}}),
                    None => Value::Null,
                }
            })
            .collect();
        return json_response(StatusCode::OK, json!({"data": {"nodes": nodes}}));
    }
    if query.contains("productVariants(") {
        let wanted = skus_in(vars["query"].as_str().unwrap_or(""));
        let nodes: Vec<Value> =
            wanted.iter().filter_map(|sku| shop.variants.get(sku).map(|item| json!({"sku": sku, "inventoryItem": {"id": item}}))).collect();
        return json_response(StatusCode::OK, json!({"data": {"productVariants": {"nodes": nodes}}}));
    }
    if query.contains("inventorySetQuantities(") {
        // 2026-04: the directive is mandatory (a runtime error, not a schema one).
        let key = vars["idempotencyKey"].as_str().unwrap_or("");
        if !query.contains("@idempotent(key:") || key.is_empty() {
            return gql_error("The @idempotent directive is required for this mutation.");
        }
        let input = &vars["input"];
        let quantities = input["quantities"].as_array().cloned().unwrap_or_default();
        let mut errors = Vec::new();
        if input["name"] != "available" {
            errors.push(json!({"field": ["input", "name"], "message": "name must be available or on_hand", "code": "INVALID_NAME"}));
        }
        for (i, q) in quantities.iter().enumerate() {
            if q.get("changeFromQuantity").is_none() {
                errors.push(json!({"field": ["input", "quantities", i.to_string(), "changeFromQuantity"], "message": "changeFromQuantity is required", "code": "INVALID_QUANTITY"}));
            }
            if !q["inventoryItemId"].as_str().is_some_and(|item| shop.available.contains_key(item)) {
                errors.push(json!({"field": ["input", "quantities", i.to_string(), "inventoryItemId"], "message": "The specified inventory item could not be found.", "code": "INVALID_INVENTORY_ITEM"}));
            }
            if q["locationId"] != LOCATION_ID {
                errors.push(json!({"field": ["input", "quantities", i.to_string(), "locationId"], "message": "The specified location could not be found.", "code": "INVALID_LOCATION"}));
            }
        }
        if !errors.is_empty() {
            return json_response(StatusCode::OK, json!({"data": {"inventorySetQuantities": {"inventoryAdjustmentGroup": null, "userErrors": errors}}}));
        }
        if shop.idempotency_keys.insert(key.to_string()) {
            for q in &quantities {
                let item = q["inventoryItemId"].as_str().unwrap().to_string();
                shop.available.insert(item, q["quantity"].as_i64().unwrap_or(0));
            }
        }
        return json_response(StatusCode::OK, json!({"data": {"inventorySetQuantities": {"inventoryAdjustmentGroup": {"id": "gid://shopify/InventoryAdjustmentGroup/1"}, "userErrors": []}}}));
    }
    let fo_ids = |list: &Value| -> Vec<u64> {
        list.as_array()
            .into_iter()
            .flatten()
            .filter_map(|x| x["fulfillmentOrderId"].as_str()?.strip_prefix("gid://shopify/FulfillmentOrder/")?.parse().ok())
            .collect()
    };
    if query.contains("fulfillmentCreate(") {
        let ids = fo_ids(&vars["fulfillment"]["lineItemsByFulfillmentOrder"]);
        let bad = ids.is_empty() || ids.iter().any(|id| !shop.fulfillment_orders.iter().any(|fo| fo.id == *id && fo.status == "open"));
        if bad {
            return json_response(StatusCode::OK, json!({"data": {"fulfillmentCreate": {"fulfillment": null, "userErrors": [{"field": ["fulfillment"], "message": "Fulfillment order is not open."}]}}}));
        }
        for fo in shop.fulfillment_orders.iter_mut().filter(|fo| ids.contains(&fo.id)) {
            fo.status = "closed".into();
        }
        return json_response(StatusCode::OK, json!({"data": {"fulfillmentCreate": {"fulfillment": {"id": "gid://shopify/Fulfillment/1", "status": "SUCCESS"}, "userErrors": []}}}));
    }
    if query.contains("fulfillmentOrderLineItemsPreparedForPickup(") {
        let ids = fo_ids(&vars["input"]["lineItemsByFulfillmentOrder"]);
        for fo in shop.fulfillment_orders.iter_mut().filter(|fo| ids.contains(&fo.id)) {
            fo.prepared_for_pickup = true;
        }
        return json_response(StatusCode::OK, json!({"data": {"fulfillmentOrderLineItemsPreparedForPickup": {"userErrors": []}}}));
    }
    gql_error("the fake does not know this query")
}
