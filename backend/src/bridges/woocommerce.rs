//! WooCommerce REST API v3, per `ecommerce-platforms.md` § 2 and § 5.
//!
//! - Webhooks: `X-WC-Webhook-Signature` = base64(HMAC-SHA256(body, webhook secret)); the body is the
//!   whole order, read at once. WooCommerce never retries a delivery, so its delivery id is no dedupe
//!   key: (`X-WC-Webhook-ID`, order `id`, `date_modified_gmt`) is, and reconciliation polls the rest.
//! - Orders: `GET /wp-json/wc/v3/orders/{id}`; `GET /orders?modified_after=…` paged by `X-WP-TotalPages`.
//! - Status: `PUT /orders/{id} {"status":"completed"}` (§ 5: shipped and picked up alike).
//! - Stock: `POST /products/batch` (and `/products/{id}/variations/batch`) with absolute
//!   `stock_quantity`, at most 100 items a call (WooCommerce's documented batch limit).
//! - Auth: HTTP Basic with the consumer key and secret.

use super::order_text::{self, null_default};
use super::shopify::{send, signature_matches};
use super::*;
use reqwest::RequestBuilder;
use serde_json::{json, Value};
use shared::fulfilment::OrderType;
use shared::money::Money;
use shared::online::{IncomingLine, OrderPayment, PlatformOrderState};
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

/// Orders per reconciliation page: the REST maximum.
pub const ORDERS_PAGE: u32 = 100;
/// Items per batch call: WooCommerce refuses more than 100 by default (`woocommerce_rest_batch_items_limit`).
pub const MAX_BATCH: usize = 100;
/// Topics that carry an order to take.
pub const ORDER_TOPICS: [&str; 2] = ["order.created", "order.updated"];
/// Shipping methods that mean the customer collects: the block checkout's and the legacy one.
pub const PICKUP_METHODS: [&str; 2] = ["pickup_location", "local_pickup"];
/// Payment methods settled outside the site (bank transfer, cheque, cash on delivery): unpaid in the
/// POS whatever the order's status (seed 004).
pub const OFFLINE_METHODS: [&str; 3] = ["bacs", "cheque", "cod"];

/// Where a product's stock is set: a product, or a variation of one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Target {
    Product(u64),
    Variation { parent: u64, id: u64 },
}

impl Target {
    /// `IncomingLine::external_product_id` as this bridge writes it: `"93"` or `"93/101"`.
    fn parse(text: &str) -> Option<Target> {
        match text.split_once('/') {
            Some((p, v)) => Some(Target::Variation { parent: p.trim().parse().ok()?, id: v.trim().parse().ok()? }),
            None => Some(Target::Product(text.trim().parse().ok()?)),
        }
    }
}

pub struct WooCommerceBridge {
    http: reqwest::Client,
    /// Connection id → SKU → where its stock is set (found by `GET /products?sku=`).
    products: Mutex<HashMap<String, HashMap<String, Target>>>,
}

impl WooCommerceBridge {
    pub fn new(http: reqwest::Client) -> WooCommerceBridge {
        WooCommerceBridge { http, products: Mutex::new(HashMap::new()) }
    }
}

struct Api<'a> {
    http: &'a reqwest::Client,
    base: &'a str,
    key: &'a str,
    secret: &'a str,
}

fn api<'a>(http: &'a reqwest::Client, conn: &'a Connection) -> Result<Api<'a>, BridgeError> {
    match &conn.credentials {
        Credentials::WooCommerce { consumer_key, consumer_secret, .. } => {
            Ok(Api { http, base: conn.base_url.trim_end_matches('/'), key: consumer_key, secret: consumer_secret })
        }
        other => Err(BridgeError::Refused { status: 400, body: format!("a {:?} connection given to the WooCommerce bridge", other.platform()) }),
    }
}

impl Api<'_> {
    fn url(&self, segments: &[&str]) -> Result<reqwest::Url, BridgeError> {
        let mut all = vec!["wp-json", "wc", "v3"];
        all.extend_from_slice(segments);
        super::http_calls::url(self.base, &all)
    }
    fn auth(&self, req: RequestBuilder) -> RequestBuilder {
        req.basic_auth(self.key, Some(self.secret)).header("Accept", "application/json")
    }
}

// ---------------------------------------------------------------------------------------------
// Webhooks

fn header<'a>(headers: &'a HeaderMap, name: &'static str) -> Result<&'a str, WebhookRefusal> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .ok_or(WebhookRefusal::MissingHeader(name))
}

/// The ping WooCommerce sends when a webhook is created: a form `webhook_id=<digits>`, no `X-WC-*`
/// header, no signature. Its id, when the body is exactly that.
fn ping_id<'a>(headers: &HeaderMap, body: &'a [u8]) -> Option<&'a str> {
    if headers.keys().any(|k| k.as_str().starts_with("x-wc-")) {
        return None;
    }
    let id = std::str::from_utf8(body).ok()?.trim().strip_prefix("webhook_id=")?;
    (!id.is_empty() && id.len() <= 20 && id.bytes().all(|b| b.is_ascii_digit())).then_some(id)
}

/// The secret as WooCommerce hashes with it (`wp_specialchars_decode(…, ENT_QUOTES)`): a secret typed
/// with `&` or quotes may have been stored escaped.
fn decoded_secret(secret: &str) -> String {
    secret.replace("&quot;", "\"").replace("&#039;", "'").replace("&#39;", "'").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
}

fn verify_delivery(conn: &Connection, headers: &HeaderMap, body: &[u8]) -> Result<Delivery, WebhookRefusal> {
    let Credentials::WooCommerce { webhook_secret, .. } = &conn.credentials else {
        return Err(WebhookRefusal::BadSignature);
    };
    if headers.get("x-wc-webhook-signature").is_none() {
        // The creation ping is unsigned. WooCommerce reports anything but a 2xx to it as an error and
        // the merchant cannot save the webhook; it carries nothing we act on, so it is answered 200 —
        // and, unsigned, it writes nothing. Anything else unsigned is refused.
        if let Some(id) = ping_id(headers, body) {
            return Ok(Delivery { key: format!("ping:{id}"), event: DeliveryEvent::Ping });
        }
        return Err(WebhookRefusal::MissingHeader("x-wc-webhook-signature"));
    }
    let signature = header(headers, "x-wc-webhook-signature")?;
    let topic = header(headers, "x-wc-webhook-topic")?;
    let webhook_id = header(headers, "x-wc-webhook-id")?;
    // An empty secret would let anyone sign: such a connection accepts nothing.
    if webhook_secret.trim().is_empty() {
        return Err(WebhookRefusal::BadSignature);
    }
    let decoded = decoded_secret(webhook_secret);
    if !(signature_matches(webhook_secret, body, signature) || (decoded != *webhook_secret && signature_matches(&decoded, body, signature))) {
        return Err(WebhookRefusal::BadSignature);
    }
    if webhook_id.len() > 40 {
        return Err(WebhookRefusal::MissingHeader("x-wc-webhook-id"));
    }
    let value: Option<Value> = serde_json::from_slice(body).ok();
    let id = value.as_ref().and_then(|v| v.get("id")).and_then(Value::as_u64);
    let modified = value.as_ref().and_then(|v| v.get("date_modified_gmt")).and_then(Value::as_str).unwrap_or("");
    let modified: String = modified.chars().take(40).collect();
    let key = format!("{webhook_id}:{}:{modified}", id.map(|i| i.to_string()).unwrap_or_default());
    if !ORDER_TOPICS.contains(&topic) {
        return Ok(Delivery { key, event: DeliveryEvent::Ignored { why: format!("topic {topic} is not about orders we take") } });
    }
    let Some(id) = id else {
        // Signed by the store, about an order, yet naming none: held with its body, never dropped.
        return Ok(Delivery { key, event: DeliveryEvent::Unreadable { external_id: None, why: format!("{topic} delivery without an order id") } });
    };
    // An order we cannot read is named without its content: the ingest path fetches it, and holds it
    // for review if it still cannot be read. Never dropped.
    let order = value.as_ref().and_then(|v| parse_order(v).ok()).map(Box::new);
    Ok(Delivery { key, event: DeliveryEvent::Order { external_id: id.to_string(), order } })
}

// ---------------------------------------------------------------------------------------------
// Orders

#[derive(Deserialize)]
struct WooOrder {
    id: u64,
    #[serde(default)]
    number: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    date_created: Option<String>,
    #[serde(default)]
    date_created_gmt: Option<String>,
    #[serde(default)]
    date_modified_gmt: Option<String>,
    total: Value,
    #[serde(default)]
    customer_note: Option<String>,
    #[serde(default)]
    billing: Option<WooAddress>,
    #[serde(default)]
    shipping: Option<WooAddress>,
    #[serde(default)]
    payment_method: Option<String>,
    #[serde(default)]
    payment_method_title: Option<String>,
    #[serde(default)]
    date_paid: Option<String>,
    #[serde(default)]
    date_paid_gmt: Option<String>,
    #[serde(default, deserialize_with = "null_default")]
    line_items: Vec<WooLine>,
    #[serde(default, deserialize_with = "null_default")]
    shipping_lines: Vec<WooShipping>,
}

#[derive(Deserialize, Default)]
struct WooAddress {
    #[serde(default)]
    first_name: Option<String>,
    #[serde(default)]
    last_name: Option<String>,
    #[serde(default)]
    company: Option<String>,
    #[serde(default)]
    address_1: Option<String>,
    #[serde(default)]
    address_2: Option<String>,
    #[serde(default)]
    city: Option<String>,
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    postcode: Option<String>,
    #[serde(default)]
    country: Option<String>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    phone: Option<String>,
}

#[derive(Deserialize)]
struct WooLine {
    id: u64,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    product_id: Option<u64>,
    #[serde(default)]
    variation_id: Option<u64>,
    quantity: i64,
    #[serde(default)]
    sku: Option<String>,
    /// A JSON number (total ÷ quantity, computed by PHP in floating point).
    #[serde(default)]
    price: Option<Value>,
    /// The line after discounts, before taxes: an exact decimal string.
    total: Value,
}

#[derive(Deserialize)]
struct WooShipping {
    #[serde(default)]
    method_id: Option<String>,
    #[serde(default)]
    method_title: Option<String>,
    total: Value,
    #[serde(default, deserialize_with = "null_default")]
    meta_data: Vec<WooMeta>,
}

#[derive(Deserialize)]
struct WooMeta {
    #[serde(default)]
    key: Option<String>,
    #[serde(default)]
    value: Value,
}

fn non_empty(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// Reads a WooCommerce order (a webhook body or `GET /orders/{id}`) into the common shape.
pub fn parse_order(order: &Value) -> Result<IncomingOrder, BridgeError> {
    read_order(order).map_err(BridgeError::Malformed)
}

fn read_order(order: &Value) -> Result<IncomingOrder, String> {
    let o: WooOrder = serde_json::from_value(order.clone()).map_err(|e| format!("WooCommerce order: {e}"))?;
    let created = non_empty(&o.date_created_gmt).or(non_empty(&o.date_created)).ok_or("no date_created_gmt")?;
    let created_at_ms = order_text::timestamp_ms(created).ok_or_else(|| format!("date_created_gmt {created:?}"))?;
    let billing = o.billing.unwrap_or_default();
    let shipping_address = o.shipping.unwrap_or_default();
    let email = order_text::email(&[billing.email.as_deref(), shipping_address.email.as_deref()]);
    let customer_name = order_text::full_name(billing.first_name.as_deref(), billing.last_name.as_deref())
        .or_else(|| order_text::full_name(shipping_address.first_name.as_deref(), shipping_address.last_name.as_deref()));

    let mut lines = Vec::with_capacity(o.line_items.len());
    for l in &o.line_items {
        if l.quantity == 0 {
            continue;
        }
        let quantity = u32::try_from(l.quantity).map_err(|_| format!("line {}: quantity {}", l.id, l.quantity))?;
        let line_total = order_text::amount(&l.total, "line_items.total")?;
        // `price` when it is a whole number of cents (3, 10.5); else (3.3333333333333335) the exact
        // line total shared to the nearest cent.
        let unit_price = l
            .price
            .as_ref()
            .and_then(|p| order_text::amount(p, "price").ok())
            .filter(|p| p.checked_mul(i64::from(quantity)) == Ok(line_total))
            .unwrap_or_else(|| order_text::unit_price(line_total, quantity));
        let product = l.product_id.unwrap_or(0);
        let external_product_id = match l.variation_id.unwrap_or(0) {
            0 if product == 0 => String::new(),
            0 => product.to_string(),
            v => format!("{product}/{v}"),
        };
        lines.push(IncomingLine {
            external_id: l.id.to_string(),
            external_product_id,
            sku: l.sku.as_deref().unwrap_or("").trim().to_string(),
            name: l.name.clone().unwrap_or_default(),
            quantity,
            unit_price,
        });
    }
    let mut shipping = Money(0);
    for s in &o.shipping_lines {
        let t = order_text::amount(&s.total, "shipping_lines.total")?;
        shipping = shipping.checked_add(t).map_err(|_| "shipping overflows".to_string())?;
    }
    let total = order_text::amount(&o.total, "total")?;
    let pickup_line = o.shipping_lines.iter().find(|s| s.method_id.as_deref().is_some_and(|m| PICKUP_METHODS.contains(&m)));

    let status = o.status.as_deref().unwrap_or("").to_ascii_lowercase();
    let method_id = o.payment_method.as_deref().unwrap_or("").trim().to_ascii_lowercase();
    let offline = OFFLINE_METHODS.contains(&method_id.as_str());
    let date_paid = non_empty(&o.date_paid_gmt).or(non_empty(&o.date_paid)).is_some();
    let payment = OrderPayment {
        paid: !offline && (date_paid || matches!(status.as_str(), "processing" | "completed")),
        method: non_empty(&o.payment_method_title).or(non_empty(&o.payment_method)).unwrap_or("").to_string(),
    };
    let state = match status.as_str() {
        "cancelled" | "trash" => PlatformOrderState::Cancelled,
        "refunded" => PlatformOrderState::Refunded,
        // `pending`: awaiting payment (WooCommerce has not reduced its stock); `failed`: the payment
        // failed or was declined, the customer may pay again; `checkout-draft`: a block checkout not
        // placed. None is an order yet: taken once it moves to processing, on-hold or completed.
        "pending" | "failed" | "checkout-draft" => PlatformOrderState::Pending,
        // processing, on-hold (awaiting an offline payment: unpaid, seed 004), completed, and statuses
        // plugins add.
        _ => PlatformOrderState::Open,
    };

    let destination = match pickup_line {
        Some(line) => {
            let meta = |key: &str| line.meta_data.iter().find(|m| m.key.as_deref() == Some(key)).and_then(|m| m.value.as_str());
            let text = order_text::address_line(&[meta("pickup_location").or(line.method_title.as_deref()), meta("pickup_address")]);
            Some((order_text::PICKUP_AT, text))
        }
        None => {
            let a = &shipping_address;
            let who = order_text::full_name(a.first_name.as_deref(), a.last_name.as_deref());
            let text = order_text::address_line(&[
                who.as_deref(),
                a.company.as_deref(),
                a.address_1.as_deref(),
                a.address_2.as_deref(),
                a.city.as_deref(),
                a.state.as_deref(),
                a.postcode.as_deref(),
                a.country.as_deref(),
            ]);
            Some((order_text::SHIP_TO, text))
        }
    };
    let phone = [shipping_address.phone.as_deref(), billing.phone.as_deref()].into_iter().flatten().find(|p| !p.trim().is_empty());
    let note = order_text::sale_note(o.customer_note.as_deref(), destination, phone);

    Ok(IncomingOrder {
        platform: Platform::WooCommerce,
        external_id: o.id.to_string(),
        number: non_empty(&o.number).map(str::to_string).unwrap_or_else(|| o.id.to_string()),
        created_at_ms,
        modified: order_text::modified(non_empty(&o.date_modified_gmt).and_then(order_text::timestamp_ms)),
        email,
        customer_name,
        order_type: if pickup_line.is_some() { OrderType::Pickup } else { OrderType::Delivery },
        lines,
        shipping,
        total,
        payment,
        state,
        note,
    })
}

/// What fuzzing and the integrator's tests reach: the order reader over any bytes.
pub fn parse_order_bytes(body: &[u8]) -> Result<IncomingOrder, BridgeError> {
    let v: Value = serde_json::from_slice(body).map_err(|e| BridgeError::Malformed(e.to_string()))?;
    parse_order(&v)
}

#[async_trait]
impl Bridge for WooCommerceBridge {
    fn platform(&self) -> Platform {
        Platform::WooCommerce
    }

    fn verify(&self, conn: &Connection, headers: &HeaderMap, body: &[u8], _now_ms: i64) -> Result<Delivery, WebhookRefusal> {
        verify_delivery(conn, headers, body)
    }

    /// The body is the whole order: read it as it was signed; fetched when it cannot be read.
    async fn reread(&self, conn: &Connection, external_id: &str, raw: &[u8]) -> Result<IncomingOrder, BridgeError> {
        match serde_json::from_slice::<Value>(raw).map_err(|e| BridgeError::Malformed(e.to_string())).and_then(|v| parse_order(&v)) {
            Ok(order) => Ok(order),
            Err(_) if external_id.parse::<u64>().is_ok() => self.fetch_order(conn, external_id).await,
            Err(e) => Err(e),
        }
    }

    async fn fetch_order(&self, conn: &Connection, external_id: &str) -> Result<IncomingOrder, BridgeError> {
        let api = api(&self.http, conn)?;
        let (_, body) = send(api.auth(api.http.get(api.url(&["orders", external_id])?))).await?;
        parse_order(&body)
    }

    async fn orders_modified_since(&self, conn: &Connection, since_ms: i64, page: Option<&str>) -> Result<OrdersPage, BridgeError> {
        let api = api(&self.http, conn)?;
        let page: u32 = match page {
            Some(p) => p.parse().map_err(|_| BridgeError::Malformed(format!("page {p:?}")))?,
            None => 1,
        };
        let mut url = api.url(&["orders"])?;
        // Ordered by id: an order modified while we page stays where it was (it still matches the
        // filter), and new ones come last, so no page shifts under us.
        url.query_pairs_mut()
            .append_pair("modified_after", &order_text::iso_utc(since_ms))
            .append_pair("dates_are_gmt", "true")
            .append_pair("orderby", "id")
            .append_pair("order", "asc")
            .append_pair("per_page", &ORDERS_PAGE.to_string())
            .append_pair("page", &page.to_string());
        let (headers, body) = send(api.auth(api.http.get(url))).await?;
        let total_pages: u32 = headers.get("x-wp-totalpages").and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse().ok()).unwrap_or(1);
        let (mut orders, mut unreadable) = (Vec::new(), Vec::new());
        for o in body.as_array().into_iter().flatten() {
            match parse_order(o) {
                Ok(order) => orders.push(order),
                Err(e) => {
                    let id = order_text::excerpt(o.get("id").unwrap_or(&Value::Null));
                    tracing::warn!(connection = %conn.id, order = %id, error = %e, "WooCommerce order unreadable: held by reconciliation");
                    unreadable.push(UnreadableOrder::of(o, e));
                }
            }
        }
        Ok(OrdersPage { orders, unreadable, next: (page < total_pages).then(|| (page + 1).to_string()) })
    }

    async fn send_status(&self, conn: &Connection, update: &StatusUpdate) -> Result<(), BridgeError> {
        let api = api(&self.http, conn)?;
        match update.update {
            PlatformUpdate::NoChange => Ok(()),
            PlatformUpdate::WooCommerceStatus { status } => {
                let status = serde_json::to_value(status).map_err(|e| BridgeError::Malformed(e.to_string()))?;
                let url = api.url(&["orders", &update.external_id])?;
                send(api.auth(api.http.put(url)).json(&json!({ "status": status }))).await?;
                Ok(())
            }
            other => Err(BridgeError::Refused { status: 400, body: format!("{other:?} is not a WooCommerce update") }),
        }
    }

    async fn send_stock(&self, conn: &Connection, levels: &[StockLevel], _idempotency_key: &str) -> Result<Vec<StockRefusal>, BridgeError> {
        // Absolute values: sending the same batch twice leaves the same stock, so no key is needed.
        let api = api(&self.http, conn)?;
        let known = self.products.lock().expect("not poisoned").get(&conn.id).cloned().unwrap_or_default();
        let mut targets: Vec<(Target, i64, &str)> = Vec::with_capacity(levels.len());
        let mut found = HashMap::new();
        for l in levels {
            let sku = l.sku.trim();
            let target = match l.external_product_id.as_deref().and_then(Target::parse) {
                Some(t) => Some(t),
                None if sku.is_empty() => None,
                None => match known.get(sku).or(found.get(sku)) {
                    Some(t) => Some(*t),
                    None => {
                        let t = lookup_sku(&api, sku).await?;
                        if let Some(t) = t {
                            found.insert(sku.to_string(), t);
                        }
                        t
                    }
                },
            };
            match target {
                Some(t) => targets.push((t, l.quantity.clamp(0, 1_000_000_000), sku)),
                None => tracing::info!(connection = %conn.id, sku = %l.sku, "no WooCommerce product with this SKU: stock not published"),
            }
        }
        self.products.lock().expect("not poisoned").entry(conn.id.clone()).or_default().extend(found);

        // Products in one list, variations per parent product (each has its own batch route).
        let mut products = Vec::new();
        let mut variations: BTreeMap<u64, Vec<(u64, i64, &str)>> = BTreeMap::new();
        for (t, q, sku) in targets {
            match t {
                Target::Product(id) => products.push((id, q, sku)),
                Target::Variation { parent, id } => variations.entry(parent).or_default().push((id, q, sku)),
            }
        }
        let mut calls: Vec<(reqwest::Url, Vec<(u64, i64, &str)>)> = Vec::new();
        for chunk in products.chunks(MAX_BATCH) {
            calls.push((api.url(&["products", "batch"])?, chunk.to_vec()));
        }
        for (parent, items) in &variations {
            for chunk in items.chunks(MAX_BATCH) {
                calls.push((api.url(&["products", &parent.to_string(), "variations", "batch"])?, chunk.to_vec()));
            }
        }
        let mut refused = Vec::new();
        for (url, items) in calls {
            let update: Vec<Value> = items.iter().map(|(id, q, _)| json!({"id": id, "manage_stock": true, "stock_quantity": q})).collect();
            let (_, answer) = send(api.auth(api.http.post(url)).json(&json!({ "update": update }))).await?;
            // The batch answers 200 with an error per refused item (a product deleted since): the others
            // were taken; the refused ones go back to the caller, which keeps them for a manager and
            // sends them again. The answer lists items in the order sent; the id is checked when given.
            for (i, item) in answer.get("update").and_then(Value::as_array).into_iter().flatten().enumerate() {
                let Some(error) = item.get("error") else { continue };
                let by_id = item.get("id").and_then(Value::as_u64).and_then(|id| items.iter().find(|x| x.0 == id));
                let Some((_, _, sku)) = by_id.or(items.get(i)) else { continue };
                let message = error.get("message").and_then(Value::as_str).map(str::to_string).unwrap_or_else(|| order_text::excerpt(error));
                let code = error.get("code").and_then(Value::as_str).unwrap_or("");
                tracing::warn!(connection = %conn.id, %sku, %code, %message, "WooCommerce refused a stock level");
                // A remembered id may be stale (the product deleted and created again): look it up next time.
                if let Some(cache) = self.products.lock().expect("not poisoned").get_mut(&conn.id) {
                    cache.remove(*sku);
                }
                let error = if code.is_empty() { message } else { format!("{code}: {message}") };
                refused.push(StockRefusal { sku: sku.to_string(), error });
            }
        }
        Ok(refused)
    }
}

/// `GET /products?sku=…`: the product (or variation) with exactly this SKU, if any.
async fn lookup_sku(api: &Api<'_>, sku: &str) -> Result<Option<Target>, BridgeError> {
    let mut url = api.url(&["products"])?;
    url.query_pairs_mut().append_pair("sku", sku);
    let (_, body) = send(api.auth(api.http.get(url))).await?;
    let found = body.as_array().into_iter().flatten().find(|p| p.get("sku").and_then(Value::as_str) == Some(sku));
    Ok(found.and_then(|p| {
        let id = p.get("id").and_then(Value::as_u64)?;
        let parent = p.get("parent_id").and_then(Value::as_u64).unwrap_or(0);
        Some(if p.get("type").and_then(Value::as_str) == Some("variation") && parent > 0 {
            Target::Variation { parent, id }
        } else {
            Target::Product(id)
        })
    }))
}
