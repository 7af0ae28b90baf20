//! Shopify (Admin API 2026-04), per `ecommerce-platforms.md` § 1 and § 5.
//!
//! - Webhooks: `X-Shopify-Hmac-Sha256` over the raw body with the app's client secret (or the previous
//!   one, for the hour after a rotation); the headers the official SDK requires; the dedupe key is
//!   `X-Shopify-Webhook-Id` (shared by retries of one delivery). The order in the body is not used:
//!   pickup is known only from the order's fulfillment orders, a second call `verify` cannot make, so
//!   every order delivery names the order and the ingest path calls [`Bridge::fetch_order`].
//! - Orders: REST `orders/{id}.json` + `orders/{id}/fulfillment_orders.json`; reconciliation pages
//!   `orders.json?updated_at_min=…` by the `Link` header, and reads the page's delivery methods with GraphQL
//!   `nodes` queries of 50 orders (not one REST call per order: a page of 250 would exhaust the rate limit).
//! - Status: `fulfillmentCreate` (whole open fulfillment orders, `notifyCustomer: false`), optionally
//!   `fulfillmentOrderLineItemsPreparedForPickup`.
//! - Stock: `inventorySetQuantities` (`name: "available"`, `changeFromQuantity: null`, `@idempotent`),
//!   inventory items found by SKU and remembered per connection.

use super::http_calls::{error_for, TIMEOUT};
use super::order_text::{self, null_default};
use super::*;
use base64::Engine;
use hmac::{Hmac, Mac};
use reqwest::{RequestBuilder, StatusCode};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use shared::fulfilment::OrderType;
use shared::money::Money;
use shared::online::{IncomingLine, OrderPayment, PlatformOrderState};
use std::collections::HashMap;
use std::sync::Mutex;

pub const API_VERSION: &str = "2026-04";
/// Orders per reconciliation page: the REST maximum.
pub const ORDERS_PAGE: usize = 250;
/// Quantities per `inventorySetQuantities` call. Our choice: the mutation documents no limit we could
/// check; 250 is Shopify's usual cap on list inputs and pages, and keeps a call's cost modest.
pub const MAX_QUANTITIES_PER_CALL: usize = 250;
/// SKUs per `productVariants` search (the search text stays short; 250 variants come back at most).
pub const SKUS_PER_LOOKUP: usize = 50;
/// Orders per delivery-method query: 50 × 5 fulfillment orders keeps the query's cost well under
/// Shopify's 1 000-point ceiling for one query.
pub const ORDERS_PER_METHODS_QUERY: usize = 50;

/// Topics that announce an order to (re)read.
pub const ORDER_TOPICS: [&str; 4] = ["orders/create", "orders/updated", "orders/paid", "orders/cancelled"];

/// Gateways that are settled outside Shopify (manual payment methods): such an order arrives unpaid
/// whatever its financial status (seed 004: paid only through an integrated processor).
const OFFLINE_GATEWAYS: [&str; 6] = ["manual", "cash on delivery (cod)", "cash on delivery", "bank deposit", "money order", "cash"];

pub struct ShopifyBridge {
    http: reqwest::Client,
    /// Connection id → SKU → inventory item gid. Inventory items do not change for a variant; a SKU
    /// not found is looked up again next time (the product may have been created since).
    inventory_items: Mutex<HashMap<String, HashMap<String, String>>>,
}

impl ShopifyBridge {
    pub fn new(http: reqwest::Client) -> ShopifyBridge {
        ShopifyBridge { http, inventory_items: Mutex::new(HashMap::new()) }
    }
}

struct Api<'a> {
    http: &'a reqwest::Client,
    base: &'a str,
    token: &'a str,
}

fn api<'a>(http: &'a reqwest::Client, conn: &'a Connection) -> Result<(Api<'a>, &'a str), BridgeError> {
    match &conn.credentials {
        Credentials::Shopify { access_token, location_id, .. } => {
            Ok((Api { http, base: conn.base_url.trim_end_matches('/'), token: access_token }, location_id))
        }
        other => Err(wrong_platform(other.platform())),
    }
}

fn wrong_platform(p: Platform) -> BridgeError {
    BridgeError::Refused { status: 400, body: format!("a {p:?} connection given to the Shopify bridge") }
}

impl Api<'_> {
    fn url(&self, segments: &[&str]) -> Result<reqwest::Url, BridgeError> {
        let mut all = vec!["admin", "api", API_VERSION];
        all.extend_from_slice(segments);
        super::http_calls::url(self.base, &all)
    }

    fn get(&self, url: reqwest::Url) -> RequestBuilder {
        self.http.get(url).header("X-Shopify-Access-Token", self.token).header("Accept", "application/json")
    }

    /// A GraphQL call; `data` on success. Shopify answers throttling and query errors with HTTP 200
    /// and an `errors` list: THROTTLED becomes `RateLimited` with the wait its cost figures imply.
    async fn graphql(&self, query: &str, variables: Value) -> Result<Value, BridgeError> {
        let url = self.url(&["graphql.json"])?;
        let req = self.http.post(url).header("X-Shopify-Access-Token", self.token).json(&json!({"query": query, "variables": variables}));
        let (_, body) = send(req).await?;
        if let Some(errors) = body.get("errors").and_then(Value::as_array).filter(|e| !e.is_empty()) {
            let throttled = errors.iter().any(|e| e.pointer("/extensions/code").and_then(Value::as_str) == Some("THROTTLED"));
            if throttled {
                return Err(BridgeError::RateLimited { retry_after_ms: throttle_wait_ms(&body) });
            }
            return Err(BridgeError::Refused { status: 200, body: order_text::excerpt(&Value::Array(errors.clone())) });
        }
        body.get("data").cloned().ok_or_else(|| BridgeError::Malformed("GraphQL answer without data".into()))
    }

    async fn order(&self, external_id: &str) -> Result<Value, BridgeError> {
        let (_, body) = send(self.get(self.url(&["orders", &format!("{external_id}.json")])?)).await?;
        body.get("order").cloned().ok_or_else(|| BridgeError::Malformed("no `order` in the answer".into()))
    }

    async fn fulfillment_orders(&self, external_id: &str) -> Result<Vec<FulfillmentOrder>, BridgeError> {
        let (_, body) = send(self.get(self.url(&["orders", external_id, "fulfillment_orders.json"])?)).await?;
        let list = body.get("fulfillment_orders").cloned().unwrap_or(Value::Null);
        serde_json::from_value::<Option<Vec<FulfillmentOrder>>>(list)
            .map(Option::unwrap_or_default)
            .map_err(|e| BridgeError::Malformed(format!("fulfillment_orders: {e}")))
    }
}

/// Sends a request with the bridges' timeout; the answer's headers and JSON body (`null` when empty).
/// A 429's `Retry-After` may be fractional seconds (Shopify sends "2.0").
pub(super) async fn send(req: RequestBuilder) -> Result<(reqwest::header::HeaderMap, Value), BridgeError> {
    let resp = req.timeout(TIMEOUT).send().await.map_err(|e| BridgeError::Unavailable(e.to_string()))?;
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = resp.bytes().await.map_err(|e| BridgeError::Unavailable(e.to_string()))?;
    if status == StatusCode::TOO_MANY_REQUESTS {
        return Err(BridgeError::RateLimited { retry_after_ms: retry_after_ms(&headers) });
    }
    if !status.is_success() {
        return Err(error_for(status, &headers, &body));
    }
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok((headers, Value::Null));
    }
    let value = serde_json::from_slice(&body).map_err(|e| BridgeError::Malformed(format!("not JSON ({e})")))?;
    Ok((headers, value))
}

/// `Retry-After` in seconds, whole or fractional, as milliseconds (at most a day).
pub fn retry_after_ms(headers: &reqwest::header::HeaderMap) -> Option<u64> {
    let secs: f64 = headers.get("retry-after")?.to_str().ok()?.trim().parse().ok()?;
    (secs.is_finite() && secs >= 0.0).then(|| (secs.min(86_400.0) * 1000.0).ceil() as u64)
}

/// How long until the throttled query's cost is available again: (requested − available) / restore rate.
fn throttle_wait_ms(body: &Value) -> Option<u64> {
    let cost = body.pointer("/extensions/cost")?;
    let requested = cost.get("requestedQueryCost")?.as_f64()?;
    let available = cost.pointer("/throttleStatus/currentlyAvailable")?.as_f64()?;
    let rate = cost.pointer("/throttleStatus/restoreRate")?.as_f64().filter(|r| *r > 0.0)?;
    let secs = ((requested - available) / rate).clamp(0.0, 3600.0);
    Some((secs * 1000.0).ceil() as u64)
}

// ---------------------------------------------------------------------------------------------
// Webhooks

type HmacSha256 = Hmac<Sha256>;

fn header<'a>(headers: &'a HeaderMap, name: &'static str) -> Result<&'a str, WebhookRefusal> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .ok_or(WebhookRefusal::MissingHeader(name))
}

/// Whether `signature` (base64) is HMAC-SHA256(body, secret); the comparison is constant-time.
pub fn signature_matches(secret: &str, body: &[u8], signature: &str) -> bool {
    let Ok(expected) = base64::engine::general_purpose::STANDARD.decode(signature.trim()) else {
        return false;
    };
    let Ok(mut mac) = HmacSha256::new_from_slice(secret.as_bytes()) else {
        return false;
    };
    mac.update(body);
    mac.verify_slice(&expected).is_ok()
}

/// base64(HMAC-SHA256(body, secret)): what Shopify (and WooCommerce) put in the signature header.
pub fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac = HmacSha256::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(body);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// The longest delivery key we store; Shopify's webhook ids are UUIDs.
const MAX_KEY: usize = 200;

fn verify_delivery(conn: &Connection, headers: &HeaderMap, body: &[u8]) -> Result<Delivery, WebhookRefusal> {
    let Credentials::Shopify { client_secret, previous_client_secret, .. } = &conn.credentials else {
        return Err(WebhookRefusal::BadSignature);
    };
    // The headers the official SDK requires, in its order.
    let signature = header(headers, "x-shopify-hmac-sha256")?;
    let topic = header(headers, "x-shopify-topic")?;
    let shop = header(headers, "x-shopify-shop-domain")?;
    header(headers, "x-shopify-api-version")?;
    let webhook_id = header(headers, "x-shopify-webhook-id")?;
    // An empty secret would let anyone sign: such a connection accepts nothing.
    let secrets = std::iter::once(client_secret.as_str()).chain(previous_client_secret.as_deref()).filter(|s| !s.trim().is_empty());
    if !secrets.into_iter().any(|secret| signature_matches(secret, body, signature)) {
        return Err(WebhookRefusal::BadSignature);
    }
    // An app's secret signs for every shop that installed it: a delivery must be for this connection's
    // shop. Checked when the connection is a `*.myshopify.com` address (always, outside tests).
    if let Some(host) = reqwest::Url::parse(&conn.base_url).ok().and_then(|u| u.host_str().map(str::to_ascii_lowercase)) {
        if host.ends_with(".myshopify.com") && !host.eq_ignore_ascii_case(shop) {
            return Err(WebhookRefusal::OtherStore);
        }
    }
    if webhook_id.len() > MAX_KEY {
        return Err(WebhookRefusal::MissingHeader("x-shopify-webhook-id"));
    }
    let key = webhook_id.to_string();
    if !ORDER_TOPICS.contains(&topic) {
        return Ok(Delivery { key, event: DeliveryEvent::Ignored { why: format!("topic {topic} is not about orders we take") } });
    }
    let id = serde_json::from_slice::<Value>(body).ok().and_then(|v| v.get("id").and_then(Value::as_u64));
    let event = match id {
        Some(id) => DeliveryEvent::Order { external_id: id.to_string(), order: None },
        None => DeliveryEvent::Ignored { why: format!("{topic} delivery without an order id") },
    };
    Ok(Delivery { key, event })
}

// ---------------------------------------------------------------------------------------------
// Orders

#[derive(Deserialize)]
struct ShopifyOrder {
    id: u64,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    order_number: Option<u64>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    contact_email: Option<String>,
    created_at: String,
    #[serde(default)]
    updated_at: Option<String>,
    total_price: Value,
    #[serde(default)]
    financial_status: Option<String>,
    #[serde(default)]
    cancelled_at: Option<String>,
    #[serde(default, deserialize_with = "null_default")]
    payment_gateway_names: Vec<String>,
    #[serde(default)]
    note: Option<String>,
    #[serde(default)]
    phone: Option<String>,
    #[serde(default)]
    customer: Option<Person>,
    #[serde(default)]
    billing_address: Option<Address>,
    #[serde(default)]
    shipping_address: Option<Address>,
    #[serde(default, deserialize_with = "null_default")]
    line_items: Vec<Line>,
    #[serde(default, deserialize_with = "null_default")]
    shipping_lines: Vec<ShippingLine>,
}

#[derive(Deserialize, Default)]
struct Person {
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    first_name: Option<String>,
    #[serde(default)]
    last_name: Option<String>,
    #[serde(default)]
    phone: Option<String>,
}

#[derive(Deserialize, Default)]
struct Address {
    #[serde(default)]
    first_name: Option<String>,
    #[serde(default)]
    last_name: Option<String>,
    #[serde(default)]
    company: Option<String>,
    #[serde(default)]
    address1: Option<String>,
    #[serde(default)]
    address2: Option<String>,
    #[serde(default)]
    city: Option<String>,
    #[serde(default)]
    province_code: Option<String>,
    #[serde(default)]
    zip: Option<String>,
    #[serde(default)]
    country_code: Option<String>,
    #[serde(default)]
    phone: Option<String>,
}

#[derive(Deserialize)]
struct Line {
    id: u64,
    #[serde(default)]
    variant_id: Option<u64>,
    #[serde(default)]
    product_id: Option<u64>,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    sku: Option<String>,
    quantity: i64,
    price: Value,
    #[serde(default, deserialize_with = "null_default")]
    discount_allocations: Vec<DiscountAllocation>,
}

#[derive(Deserialize)]
struct DiscountAllocation {
    amount: Value,
}

#[derive(Deserialize)]
struct ShippingLine {
    price: Value,
}

#[derive(Deserialize, Clone, Debug)]
struct FulfillmentOrder {
    id: u64,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    delivery_method: Option<DeliveryMethod>,
}

#[derive(Deserialize, Clone, Debug)]
struct DeliveryMethod {
    #[serde(default)]
    method_type: Option<String>,
}

impl FulfillmentOrder {
    /// Whether `fulfillmentCreate` / prepared-for-pickup can act on it (closed, cancelled, on hold,
    /// scheduled and incomplete ones cannot).
    fn is_open(&self) -> bool {
        matches!(self.status.as_deref(), Some("open" | "in_progress"))
    }
    fn is_pickup(&self) -> bool {
        self.delivery_method.as_ref().and_then(|d| d.method_type.as_deref()).is_some_and(|m| m.eq_ignore_ascii_case("pick_up"))
    }
    fn gid(&self) -> String {
        format!("gid://shopify/FulfillmentOrder/{}", self.id)
    }
}

/// Reads a REST order (the `order` object of `orders/{id}.json`, or one of `orders.json`) into the
/// common shape. `pickup` comes from the order's fulfillment orders (`delivery_method.method_type`
/// `pick_up`, or GraphQL `PICK_UP`): the order itself has no reliable pickup flag.
pub fn parse_order(order: &Value, pickup: bool) -> Result<IncomingOrder, BridgeError> {
    read_order(order, pickup).map_err(BridgeError::Malformed)
}

fn read_order(order: &Value, pickup: bool) -> Result<IncomingOrder, String> {
    let o: ShopifyOrder = serde_json::from_value(order.clone()).map_err(|e| format!("Shopify order: {e}"))?;
    let created_at_ms = order_text::timestamp_ms(&o.created_at).ok_or_else(|| format!("created_at {:?}", o.created_at))?;
    let customer = o.customer.unwrap_or_default();
    let billing = o.billing_address.unwrap_or_default();
    let shipping_address = o.shipping_address.unwrap_or_default();
    let email = order_text::email(&[o.email.as_deref(), o.contact_email.as_deref(), customer.email.as_deref()]);
    let customer_name = order_text::full_name(customer.first_name.as_deref(), customer.last_name.as_deref())
        .or_else(|| order_text::full_name(billing.first_name.as_deref(), billing.last_name.as_deref()))
        .or_else(|| order_text::full_name(shipping_address.first_name.as_deref(), shipping_address.last_name.as_deref()));

    let mut lines = Vec::with_capacity(o.line_items.len());
    for l in &o.line_items {
        // A line edited down to nothing stays in the list with quantity 0: nothing to fulfil.
        if l.quantity == 0 {
            continue;
        }
        let quantity = u32::try_from(l.quantity).map_err(|_| format!("line {}: quantity {}", l.id, l.quantity))?;
        let price = order_text::amount(&l.price, "line_items.price")?;
        let mut discount = Money(0);
        for d in &l.discount_allocations {
            let a = order_text::amount(&d.amount, "discount_allocations.amount")?;
            discount = discount.checked_add(a).map_err(|_| "discounts overflow".to_string())?;
        }
        let line_total = price
            .checked_mul(i64::from(quantity))
            .and_then(|t| t.checked_sub(discount))
            .map_err(|_| format!("line {}: total overflows", l.id))?;
        let unit_price = if discount.is_zero() { price } else { order_text::unit_price(line_total.max(Money(0)), quantity) };
        lines.push(IncomingLine {
            external_id: l.id.to_string(),
            external_product_id: l.variant_id.or(l.product_id).map(|i| i.to_string()).unwrap_or_default(),
            sku: l.sku.as_deref().unwrap_or("").trim().to_string(),
            name: l.title.clone().or_else(|| l.name.clone()).unwrap_or_default(),
            quantity,
            unit_price,
        });
    }
    let mut shipping = Money(0);
    for s in &o.shipping_lines {
        let p = order_text::amount(&s.price, "shipping_lines.price")?;
        shipping = shipping.checked_add(p).map_err(|_| "shipping overflows".to_string())?;
    }
    let total = order_text::amount(&o.total_price, "total_price")?;

    let status = o.financial_status.as_deref().unwrap_or("").to_ascii_lowercase();
    let method = o.payment_gateway_names.iter().map(|g| g.trim()).filter(|g| !g.is_empty()).collect::<Vec<_>>().join(", ");
    let offline = !o.payment_gateway_names.is_empty()
        && o.payment_gateway_names.iter().all(|g| OFFLINE_GATEWAYS.contains(&g.trim().to_ascii_lowercase().as_str()));
    // Money was taken in full (refunds come later and are the state's business); `partially_paid`,
    // `pending`, `authorized` (held on the card, not captured: it may still expire or be voided),
    // `voided`, `expired` leave the sale due. Every Shopify order is a placed order: none is pending.
    let captured = matches!(status.as_str(), "paid" | "partially_refunded" | "refunded");
    let payment = OrderPayment { paid: captured && !offline, method };
    let state = if status == "refunded" {
        PlatformOrderState::Refunded
    } else if o.cancelled_at.as_deref().is_some_and(|c| !c.trim().is_empty()) {
        PlatformOrderState::Cancelled
    } else {
        PlatformOrderState::Open
    };

    let destination = if pickup {
        None
    } else {
        let a = &shipping_address;
        let who = order_text::full_name(a.first_name.as_deref(), a.last_name.as_deref());
        let text = order_text::address_line(&[
            who.as_deref(),
            a.company.as_deref(),
            a.address1.as_deref(),
            a.address2.as_deref(),
            a.city.as_deref(),
            a.province_code.as_deref(),
            a.zip.as_deref(),
            a.country_code.as_deref(),
        ]);
        Some((order_text::SHIP_TO, text))
    };
    let phone = [shipping_address.phone.as_deref(), billing.phone.as_deref(), o.phone.as_deref(), customer.phone.as_deref()]
        .into_iter()
        .flatten()
        .find(|p| !p.trim().is_empty());
    let note = order_text::sale_note(o.note.as_deref(), destination, phone);

    Ok(IncomingOrder {
        platform: Platform::Shopify,
        external_id: o.id.to_string(),
        number: o.name.clone().or_else(|| o.order_number.map(|n| n.to_string())).unwrap_or_else(|| o.id.to_string()),
        created_at_ms,
        modified: order_text::modified(o.updated_at.as_deref().and_then(order_text::timestamp_ms)),
        email,
        customer_name,
        order_type: if pickup { OrderType::Pickup } else { OrderType::Delivery },
        lines,
        shipping,
        total,
        payment,
        state,
        note,
    })
}

/// The `page_info` of the `rel="next"` link, if any.
pub fn next_page_info(headers: &reqwest::header::HeaderMap) -> Option<String> {
    let link = headers.get("link")?.to_str().ok()?;
    link.split(',').find(|part| part.contains("rel=\"next\"")).and_then(|part| {
        let url = part.trim().split(';').next()?.trim().trim_start_matches('<').trim_end_matches('>');
        let url = reqwest::Url::parse(url).ok()?;
        url.query_pairs().find(|(k, _)| k == "page_info").map(|(_, v)| v.into_owned())
    })
}

const DELIVERY_METHODS: &str = "query DeliveryMethods($ids: [ID!]!) { nodes(ids: $ids) { ... on Order { id fulfillmentOrders(first: 5) { nodes { deliveryMethod { methodType } } } } } }";

const FULFILLMENT_CREATE: &str = "mutation FulfillmentCreate($fulfillment: FulfillmentInput!) { fulfillmentCreate(fulfillment: $fulfillment) { fulfillment { id status } userErrors { field message } } }";

const PREPARED_FOR_PICKUP: &str = "mutation PreparedForPickup($input: FulfillmentOrderLineItemsPreparedForPickupInput!) { fulfillmentOrderLineItemsPreparedForPickup(input: $input) { userErrors { field message } } }";

const SET_QUANTITIES: &str = "mutation SetQuantities($input: InventorySetQuantitiesInput!, $idempotencyKey: String!) { inventorySetQuantities(input: $input) @idempotent(key: $idempotencyKey) { inventoryAdjustmentGroup { id } userErrors { field message code } } }";

const VARIANTS_BY_SKU: &str = "query VariantsBySku($query: String!) { productVariants(first: 250, query: $query) { nodes { sku inventoryItem { id } } } }";

/// `userErrors` of a mutation's payload as a refusal, if any.
fn user_errors(data: &Value, mutation: &str) -> Result<(), BridgeError> {
    match data.pointer(&format!("/{mutation}/userErrors")).and_then(Value::as_array) {
        Some(errors) if !errors.is_empty() => Err(BridgeError::Refused { status: 422, body: order_text::excerpt(&Value::Array(errors.clone())) }),
        Some(_) => Ok(()),
        None => Err(BridgeError::Malformed(format!("{mutation}: no payload"))),
    }
}

/// One idempotency key per call when levels take several: derived from the caller's key and the call's
/// place, so a retry of the same levels sends the same keys (UUID-shaped, as Shopify's examples).
pub fn batch_key(key: &str, batch: usize, batches: usize) -> String {
    if batches <= 1 {
        return key.to_string();
    }
    let h = Sha256::digest(format!("{key}/{batch}").as_bytes());
    let x = hex::encode(&h[..16]);
    format!("{}-{}-{}-{}-{}", &x[0..8], &x[8..12], &x[12..16], &x[16..20], &x[20..32])
}

/// A SKU as a quoted term of Shopify's search syntax.
fn sku_term(sku: &str) -> String {
    format!("sku:\"{}\"", sku.replace('\\', "\\\\").replace('"', "\\\""))
}

#[async_trait]
impl Bridge for ShopifyBridge {
    fn platform(&self) -> Platform {
        Platform::Shopify
    }

    fn verify(&self, conn: &Connection, headers: &HeaderMap, body: &[u8], _now_ms: i64) -> Result<Delivery, WebhookRefusal> {
        verify_delivery(conn, headers, body)
    }

    async fn fetch_order(&self, conn: &Connection, external_id: &str) -> Result<IncomingOrder, BridgeError> {
        let (api, _) = api(&self.http, conn)?;
        let order = api.order(external_id).await?;
        let fulfillment_orders = api.fulfillment_orders(external_id).await?;
        parse_order(&order, fulfillment_orders.iter().any(FulfillmentOrder::is_pickup))
    }

    async fn orders_modified_since(&self, conn: &Connection, since_ms: i64, page: Option<&str>) -> Result<OrdersPage, BridgeError> {
        let (api, _) = api(&self.http, conn)?;
        let mut url = api.url(&["orders.json"])?;
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("limit", &ORDERS_PAGE.to_string());
            // Shopify takes nothing but `limit` beside `page_info`: the filter travels inside it.
            match page {
                Some(info) => q.append_pair("page_info", info),
                None => q.append_pair("updated_at_min", &order_text::iso_utc(since_ms)).append_pair("status", "any"),
            };
        }
        let (headers, body) = send(api.get(url)).await?;
        let raw = body.get("orders").and_then(Value::as_array).cloned().unwrap_or_default();
        // One query for the page's delivery methods.
        let ids: Vec<String> = raw.iter().filter_map(|o| o.get("id").and_then(Value::as_u64)).map(|id| format!("gid://shopify/Order/{id}")).collect();
        let mut pickup_ids = std::collections::HashSet::new();
        for ids in ids.chunks(ORDERS_PER_METHODS_QUERY) {
            let data = api.graphql(DELIVERY_METHODS, json!({ "ids": ids })).await?;
            for node in data.get("nodes").and_then(Value::as_array).into_iter().flatten() {
                let pickup = node
                    .pointer("/fulfillmentOrders/nodes")
                    .and_then(Value::as_array)
                    .is_some_and(|fos| fos.iter().any(|fo| fo.pointer("/deliveryMethod/methodType").and_then(Value::as_str) == Some("PICK_UP")));
                if let (true, Some(id)) = (pickup, node.get("id").and_then(Value::as_str)) {
                    pickup_ids.insert(id.rsplit('/').next().unwrap_or("").to_string());
                }
            }
        }
        let (mut orders, mut unreadable) = (Vec::with_capacity(raw.len()), Vec::new());
        for o in &raw {
            let id = o.get("id").and_then(Value::as_u64).map(|i| i.to_string()).unwrap_or_default();
            match parse_order(o, pickup_ids.contains(&id)) {
                Ok(order) => orders.push(order),
                // Not fatal for the page: held by reconciliation with its JSON.
                Err(e) => {
                    tracing::warn!(connection = %conn.id, order = %id, error = %e, "Shopify order unreadable: held by reconciliation");
                    unreadable.push(crate::bridges::UnreadableOrder::of(o, e));
                }
            }
        }
        Ok(OrdersPage { orders, unreadable, next: next_page_info(&headers) })
    }

    async fn send_status(&self, conn: &Connection, update: &StatusUpdate) -> Result<(), BridgeError> {
        let (api, _) = api(&self.http, conn)?;
        match update.update {
            PlatformUpdate::NoChange => Ok(()),
            PlatformUpdate::ShopifyFulfillmentCreate => {
                let open: Vec<_> = api.fulfillment_orders(&update.external_id).await?.into_iter().filter(FulfillmentOrder::is_open).collect();
                // Nothing open: already fulfilled (by an earlier try, or in Shopify's admin).
                if open.is_empty() {
                    return Ok(());
                }
                let mut fulfillment = json!({
                    "lineItemsByFulfillmentOrder": open.iter().map(|fo| json!({"fulfillmentOrderId": fo.gid()})).collect::<Vec<_>>(),
                    "notifyCustomer": false,
                });
                if let Some(tracking) = update.tracking.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
                    let number: String = tracking.chars().take(255).collect();
                    fulfillment["trackingInfo"] = json!({ "number": number });
                }
                let data = api.graphql(FULFILLMENT_CREATE, json!({ "fulfillment": fulfillment })).await?;
                user_errors(&data, "fulfillmentCreate")
            }
            PlatformUpdate::ShopifyPreparedForPickup => {
                let fos: Vec<_> = api
                    .fulfillment_orders(&update.external_id)
                    .await?
                    .into_iter()
                    .filter(|fo| fo.is_open() && fo.is_pickup())
                    .collect();
                if fos.is_empty() {
                    return Ok(());
                }
                let input = json!({
                    "lineItemsByFulfillmentOrder": fos.iter().map(|fo| json!({"fulfillmentOrderId": fo.gid()})).collect::<Vec<_>>(),
                });
                let data = api.graphql(PREPARED_FOR_PICKUP, json!({ "input": input })).await?;
                user_errors(&data, "fulfillmentOrderLineItemsPreparedForPickup")
            }
            other => Err(BridgeError::Refused { status: 400, body: format!("{other:?} is not a Shopify update") }),
        }
    }

    async fn send_stock(&self, conn: &Connection, levels: &[StockLevel], idempotency_key: &str) -> Result<Vec<StockRefusal>, BridgeError> {
        let (api, location) = api(&self.http, conn)?;
        let location = if location.starts_with("gid://") { location.to_string() } else { format!("gid://shopify/Location/{location}") };
        // Inventory items of the SKUs not seen yet.
        let known = self.inventory_items.lock().expect("not poisoned").get(&conn.id).cloned().unwrap_or_default();
        let mut missing: Vec<&str> = levels.iter().map(|l| l.sku.trim()).filter(|s| !s.is_empty() && !known.contains_key(*s)).collect();
        missing.sort_unstable();
        missing.dedup();
        let mut found = HashMap::new();
        for chunk in missing.chunks(SKUS_PER_LOOKUP) {
            let query = chunk.iter().map(|s| sku_term(s)).collect::<Vec<_>>().join(" OR ");
            let data = api.graphql(VARIANTS_BY_SKU, json!({ "query": query })).await?;
            for node in data.pointer("/productVariants/nodes").and_then(Value::as_array).into_iter().flatten() {
                let (Some(sku), Some(item)) = (node.get("sku").and_then(Value::as_str), node.pointer("/inventoryItem/id").and_then(Value::as_str)) else {
                    continue;
                };
                // The search is not exact: keep only the SKUs asked for, the first variant of each.
                if chunk.contains(&sku) {
                    found.entry(sku.to_string()).or_insert_with(|| item.to_string());
                }
            }
        }
        let items = {
            let mut cache = self.inventory_items.lock().expect("not poisoned");
            let entry = cache.entry(conn.id.clone()).or_default();
            entry.extend(found);
            entry.clone()
        };
        let quantities: Vec<(Value, &str)> = levels
            .iter()
            .filter_map(|l| match items.get(l.sku.trim()) {
                Some(item) => Some((
                    json!({
                        "inventoryItemId": item,
                        "locationId": location,
                        "quantity": l.quantity.clamp(0, 1_000_000_000),
                        // 2026-04: required on every quantity; null = set it whatever it is now (we are the
                        // system of record).
                        "changeFromQuantity": null,
                    }),
                    l.sku.trim(),
                )),
                None => {
                    tracing::info!(connection = %conn.id, sku = %l.sku, "no Shopify variant with this SKU: stock not published");
                    None
                }
            })
            .collect();
        let batches = quantities.len().div_ceil(MAX_QUANTITIES_PER_CALL);
        let mut refused = Vec::new();
        for (n, chunk) in quantities.chunks(MAX_QUANTITIES_PER_CALL).enumerate() {
            let mut sending: Vec<&(Value, &str)> = chunk.iter().collect();
            let mut key = batch_key(idempotency_key, n, batches);
            // A quantity Shopify refuses (an inventory item deleted since we learnt it) fails the whole
            // call: it goes back to the caller as a refusal, and the others are sent once more without
            // it, under a key derived from the first (the same on every retry of these levels).
            for round in 0..2 {
                let input = json!({
                    "name": "available",
                    "reason": "correction",
                    "referenceDocumentUri": format!("comptoir://stock/{idempotency_key}"),
                    "quantities": sending.iter().map(|q| q.0.clone()).collect::<Vec<_>>(),
                });
                let data = api.graphql(SET_QUANTITIES, json!({ "input": input, "idempotencyKey": key })).await?;
                let Some(per_item) = refused_quantities(&data) else {
                    return user_errors(&data, "inventorySetQuantities").map(|()| Vec::new());
                };
                if per_item.is_empty() {
                    break;
                }
                if round > 0 {
                    return user_errors(&data, "inventorySetQuantities").map(|()| Vec::new());
                }
                {
                    let mut cache = self.inventory_items.lock().expect("not poisoned");
                    for (i, error) in &per_item {
                        let Some((_, sku)) = sending.get(*i) else { continue };
                        tracing::warn!(connection = %conn.id, %sku, %error, "Shopify refused a stock level");
                        // The remembered item may be stale: look the SKU up again next time.
                        if let Some(known) = cache.get_mut(&conn.id) {
                            known.remove(*sku);
                        }
                        refused.push(StockRefusal { sku: sku.to_string(), error: error.clone() });
                    }
                }
                sending = sending.iter().enumerate().filter(|(i, _)| !per_item.iter().any(|(r, _)| r == i)).map(|(_, q)| *q).collect();
                key = batch_key(&format!("{key}/without-refused"), 1, 2);
                if sending.is_empty() {
                    break;
                }
            }
        }
        Ok(refused)
    }
}

/// The quantities `inventorySetQuantities` refused, by their place in the call, with the message:
/// `Some(empty)` when it took them all, `None` when an error is not about one quantity (or no payload).
fn refused_quantities(data: &Value) -> Option<Vec<(usize, String)>> {
    let errors = data.pointer("/inventorySetQuantities/userErrors").and_then(Value::as_array)?;
    errors
        .iter()
        .map(|e| {
            let field = e.get("field").and_then(Value::as_array)?;
            let at = match field.as_slice() {
                [input, quantities, i, ..] if input == "input" && quantities == "quantities" => i.as_str()?.parse::<usize>().ok()?,
                _ => return None,
            };
            let message = e.get("message").and_then(Value::as_str).unwrap_or("refused");
            let code = e.get("code").and_then(Value::as_str).unwrap_or("");
            Some((at, if code.is_empty() { message.to_string() } else { format!("{code}: {message}") }))
        })
        .collect()
}

/// What fuzzing and the integrator's tests reach: the order reader over any JSON.
pub fn parse_order_bytes(body: &[u8]) -> Result<IncomingOrder, BridgeError> {
    let v: Value = serde_json::from_slice(body).map_err(|e| BridgeError::Malformed(e.to_string()))?;
    let order = v.get("order").unwrap_or(&v);
    parse_order(order, false)
}
