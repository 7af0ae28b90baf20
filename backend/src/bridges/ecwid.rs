//! Lightspeed eCom E-Series / Ecwid (`ecommerce-platforms.md` § 4): webhooks signed over
//! `{eventCreated}.{eventId}` only (never the body, so the order is always re-read over the REST API),
//! orders from `GET /api/v3/{storeId}/orders`, fulfilment statuses with `PUT /orders/{id}`, stock as
//! absolute quantities on the product (or its combination).

use super::decimal::cents_from_json;
use super::http_calls::{self, url};
use super::*;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;
use shared::fulfilment::OrderType;
use shared::money::Money;
use shared::online::{IncomingLine, OrderPayment, PlatformOrderState};
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

/// Orders per reconciliation page (Ecwid's maximum `limit`).
pub const ORDERS_PAGE: u64 = 100;

/// Ecwid allows 600 requests a minute per token. A stock push makes one call per product, so it is
/// spaced to 400 a minute, leaving a third of the allowance to webhook order reads and reconciliation.
pub const STOCK_CALL_INTERVAL: Duration = Duration::from_millis(150);

/// Payment modules and method names settled outside Ecwid: their orders arrive unpaid (seed 004),
/// even when the merchant has marked them PAID. `paymentModule` is the reliable one ("Offline", or
/// "CUSTOM_OFFLINE" for merchant-defined manual methods); the method name is the merchant's label.
const OFFLINE_MODULES: [&str; 4] = ["offline", "custom_offline", "customoffline", "custom"];
const OFFLINE_METHODS: [&str; 11] = [
    "offline",
    "cash on delivery",
    "cod",
    "cash",
    "check",
    "cheque",
    "bank transfer",
    "bank deposit",
    "money order",
    "pay in store",
    "pay at pickup",
];

/// Payment statuses meaning a processor took the money.
const PAID_STATUSES: [&str; 3] = ["PAID", "PARTIALLY_REFUNDED", "REFUNDED"];

/// Where a SKU's stock lives on Ecwid.
#[derive(Clone, Debug, PartialEq, Eq)]
enum StockTarget {
    Product(u64),
    Combination(u64, u64),
}

/// Learnt SKU → product (or combination) ids, per store, and how far each pending stock batch got. Kept
/// for the process: a bridge is cheap to make and the cache outlives it.
#[derive(Default)]
struct Memory {
    targets: HashMap<(String, u64, String), StockTarget>,
    /// (connection, idempotency key) → levels already set: a retried batch resumes after them.
    /// The refusals met so far are kept with it.
    progress: HashMap<(String, String), (usize, Vec<StockRefusal>)>,
}

static MEMORY: LazyLock<Arc<Mutex<Memory>>> = LazyLock::new(Default::default);

pub struct EcwidBridge {
    http: reqwest::Client,
    stock_call_interval: Duration,
    memory: Arc<Mutex<Memory>>,
}

impl EcwidBridge {
    pub fn new(http: reqwest::Client) -> EcwidBridge {
        EcwidBridge::with_stock_call_interval(http, STOCK_CALL_INTERVAL)
    }

    /// A bridge that spaces stock calls by `interval` (tests use a short one).
    pub fn with_stock_call_interval(http: reqwest::Client, interval: Duration) -> EcwidBridge {
        EcwidBridge { http, stock_call_interval: interval, memory: MEMORY.clone() }
    }

    fn memory(&self) -> std::sync::MutexGuard<'_, Memory> {
        // The map only caches: a panic elsewhere while it was held leaves nothing half-true.
        self.memory.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// One connection's Ecwid store.
struct Store<'a> {
    base_url: &'a str,
    store_id: u64,
    token: &'a str,
}

impl<'a> Store<'a> {
    fn of(conn: &'a Connection) -> Result<Store<'a>, BridgeError> {
        match &conn.credentials {
            Credentials::LightspeedEcom { store_id, secret_token, .. } => {
                Ok(Store { base_url: &conn.base_url, store_id: *store_id, token: secret_token })
            }
            other => Err(BridgeError::Malformed(format!("a {:?} connection given to the Ecwid bridge", other.platform()))),
        }
    }

    fn request(&self, http: &reqwest::Client, method: reqwest::Method, segments: &[&str]) -> Result<reqwest::RequestBuilder, BridgeError> {
        let store_id = self.store_id.to_string();
        let mut all = vec!["api", "v3", store_id.as_str()];
        all.extend_from_slice(segments);
        Ok(http.request(method, url(self.base_url, &all)?).bearer_auth(self.token).header("Accept", "application/json"))
    }
}

/// Ecwid order ids are short codes ("K8XTQ") or numbers; anything else never reaches a URL.
fn order_id(external_id: &str) -> Result<&str, BridgeError> {
    let ok = !external_id.is_empty()
        && external_id.len() <= 64
        && external_id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(external_id)
    } else {
        Err(BridgeError::Malformed(format!("not an Ecwid order id: {external_id:?}")))
    }
}

#[async_trait]
impl Bridge for EcwidBridge {
    fn platform(&self) -> Platform {
        Platform::LightspeedEcom
    }

    fn verify(&self, conn: &Connection, headers: &HeaderMap, body: &[u8], _now_ms: i64) -> Result<Delivery, WebhookRefusal> {
        let (store_id, secret) = match &conn.credentials {
            Credentials::LightspeedEcom { store_id, client_secret, .. } => (*store_id, client_secret.as_str()),
            _ => return Err(WebhookRefusal::OtherStore),
        };
        // No freshness check: Ecwid retries the same event for 24 h with its original `eventCreated`.
        // A replay gains nothing: `eventId` dedupes it and the order is re-read from the API anyway.
        verify_delivery(store_id, secret, headers, body)
    }

    async fn fetch_order(&self, conn: &Connection, external_id: &str) -> Result<IncomingOrder, BridgeError> {
        let store = Store::of(conn)?;
        let id = order_id(external_id)?;
        let order = http_calls::json(store.request(&self.http, reqwest::Method::GET, &["orders", id])?)
            .await?
            .ok_or_else(|| BridgeError::Malformed(format!("order {id}: empty answer")))?;
        parse_order(&order)
    }

    async fn orders_modified_since(&self, conn: &Connection, since_ms: i64, page: Option<&str>) -> Result<OrdersPage, BridgeError> {
        let store = Store::of(conn)?;
        let offset: u64 = match page {
            None => 0,
            Some(p) => p.parse().map_err(|_| BridgeError::Malformed(format!("not an offset: {p:?}")))?,
        };
        let request = store.request(&self.http, reqwest::Method::GET, &["orders"])?.query(&[
            ("updatedFrom", since_ms.max(0).div_euclid(1000)),
            ("offset", offset.min(i64::MAX as u64) as i64),
            ("limit", ORDERS_PAGE as i64),
        ]);
        let answer = http_calls::json(request).await?.unwrap_or(Value::Null);
        let items = answer.get("items").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
        let total = answer.get("total").and_then(Value::as_u64).unwrap_or(0);
        let count = items.len() as u64;
        // One unreadable order must not stop the pull of the others for ever; its webhook's
        // `fetch_order` reports it to the caller, which holds it for review.
        let mut unreadable = Vec::new();
        let orders = items
            .iter()
            .filter_map(|item| {
                parse_order(item)
                    .map_err(|why| {
                        tracing::warn!(connection = %conn.id, %why, "Ecwid order unreadable: held by reconciliation");
                        unreadable.push(crate::bridges::UnreadableOrder::of(item, why));
                    })
                    .ok()
            })
            .collect();
        let next = (count > 0 && offset.saturating_add(count) < total).then(|| (offset + count).to_string());
        Ok(OrdersPage { orders, unreadable, next })
    }

    async fn send_status(&self, conn: &Connection, update: &StatusUpdate) -> Result<(), BridgeError> {
        let store = Store::of(conn)?;
        let id = order_id(&update.external_id)?;
        match update.update {
            PlatformUpdate::NoChange => Ok(()),
            // Setting a status is idempotent: twice leaves the order as once.
            PlatformUpdate::EcwidFulfillmentStatus { status } => {
                let request = store.request(&self.http, reqwest::Method::PUT, &["orders", id])?.json(&status_body(status, update.tracking.as_deref()));
                http_calls::json(request).await.map(drop)
            }
            other => Err(BridgeError::Refused { status: 0, body: format!("not an Ecwid update: {other:?}") }),
        }
    }

    /// One call per product, spaced by the stock call interval; a 429 stops the batch at once. Ecwid's
    /// inventory endpoint (`PUT /products/{id}/inventory`) takes deltas only, which a retry would apply
    /// twice; setting `quantity` on the product is the absolute set a system of record makes.
    async fn send_stock(&self, conn: &Connection, levels: &[StockLevel], idempotency_key: &str) -> Result<Vec<StockRefusal>, BridgeError> {
        let store = Store::of(conn)?;
        let progress_key = (conn.id.clone(), idempotency_key.to_string());
        let (done, mut refused) = self.memory().progress.get(&progress_key).cloned().unwrap_or_default();
        for (i, level) in levels.iter().enumerate().skip(done) {
            if i > done {
                tokio::time::sleep(self.stock_call_interval).await;
            }
            match self.set_quantity(&store, level).await {
                Ok(()) => {}
                // One product refused (deleted since we learnt its id, a bad value): the others go on; the
                // caller records it. Its remembered id is forgotten, so the next try looks the SKU up again.
                // A refused token (401, 403) refuses the whole push, not each product.
                Err(BridgeError::Refused { status, body }) if !matches!(status, 401 | 403) => {
                    let sku = level.sku.trim().to_string();
                    self.memory().targets.remove(&(store.base_url.to_string(), store.store_id, sku.clone()));
                    refused.push(StockRefusal { sku, error: format!("HTTP {status}: {body}") });
                }
                Err(e) => {
                    self.memory().progress.insert(progress_key, (i, refused));
                    return Err(e);
                }
            }
        }
        self.memory().progress.remove(&progress_key);
        Ok(refused)
    }
}

impl EcwidBridge {
    async fn set_quantity(&self, store: &Store<'_>, level: &StockLevel) -> Result<(), BridgeError> {
        let Some(target) = self.target(store, level).await? else {
            // A SKU the online store does not sell: nothing to set.
            tracing::debug!(sku = %level.sku, "no Ecwid product has this SKU");
            return Ok(());
        };
        let (pid, cid);
        let segments: Vec<&str> = match target {
            StockTarget::Product(p) => {
                pid = p.to_string();
                vec!["products", &pid]
            }
            StockTarget::Combination(p, c) => {
                pid = p.to_string();
                cid = c.to_string();
                vec!["products", &pid, "combinations", &cid]
            }
        };
        let request = store.request(&self.http, reqwest::Method::PUT, &segments)?.json(&json!({ "quantity": level.quantity.max(0) }));
        http_calls::json(request).await.map(drop)
    }

    /// The product (or combination) holding a SKU's stock: from the order lines' ids, else learnt once
    /// with `GET /products?sku=` and remembered.
    async fn target(&self, store: &Store<'_>, level: &StockLevel) -> Result<Option<StockTarget>, BridgeError> {
        if let Some(known) = level.external_product_id.as_deref().and_then(parse_product_ref) {
            return Ok(Some(known));
        }
        let sku = level.sku.trim();
        if sku.is_empty() {
            return Ok(None);
        }
        let cache_key = (store.base_url.to_string(), store.store_id, sku.to_string());
        if let Some(known) = self.memory().targets.get(&cache_key) {
            return Ok(Some(known.clone()));
        }
        let request = store.request(&self.http, reqwest::Method::GET, &["products"])?.query(&[("sku", sku)]);
        let answer = http_calls::json(request).await?.unwrap_or(Value::Null);
        let found = find_sku(&answer, sku);
        if let Some(target) = &found {
            self.memory().targets.insert(cache_key, target.clone());
        }
        Ok(found)
    }
}

/// `"692730761"` or `"692730761/1234"` (product / combination), as [`parse_order`] writes them.
fn parse_product_ref(text: &str) -> Option<StockTarget> {
    match text.split_once('/') {
        None => text.parse().ok().map(StockTarget::Product),
        Some((p, c)) => Some(StockTarget::Combination(p.parse().ok()?, c.parse().ok()?)),
    }
}

/// The product or combination whose SKU is exactly `sku` in a `GET /products?sku=` answer.
fn find_sku(answer: &Value, sku: &str) -> Option<StockTarget> {
    let items = answer.get("items").and_then(Value::as_array)?;
    for product in items {
        let Some(pid) = product.get("id").and_then(Value::as_u64) else { continue };
        if text(product, "/sku") == sku {
            return Some(StockTarget::Product(pid));
        }
        for combination in product.get("combinations").and_then(Value::as_array).into_iter().flatten() {
            if text(combination, "/sku") == sku {
                if let Some(cid) = combination.get("id").and_then(Value::as_u64) {
                    return Some(StockTarget::Combination(pid, cid));
                }
            }
        }
    }
    None
}

/// The body of `PUT /orders/{id}` for a fulfilment status, with the tracking number when there is one.
pub fn status_body(status: shared::fulfilment::EcwidFulfillmentStatus, tracking: Option<&str>) -> Value {
    let mut body = json!({ "fulfillmentStatus": status });
    if let Some(t) = tracking.map(str::trim).filter(|t| !t.is_empty()) {
        body["trackingNumber"] = json!(t);
    }
    body
}

/// The signature Ecwid sends in `X-Ecwid-Webhook-Signature`: base64(HMAC-SHA256("{eventCreated}.{eventId}")).
pub fn signature(client_secret: &str, event_created: &str, event_id: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(client_secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(format!("{event_created}.{event_id}").as_bytes());
    base64::Engine::encode(&base64::engine::general_purpose::STANDARD, mac.finalize().into_bytes())
}

/// Checks a delivery's signature over its two signed fields and reads what it announces.
pub fn verify_delivery(store_id: u64, client_secret: &str, headers: &HeaderMap, body: &[u8]) -> Result<Delivery, WebhookRefusal> {
    const HEADER: &str = "X-Ecwid-Webhook-Signature";
    let sent = headers
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .ok_or(WebhookRefusal::MissingHeader(HEADER))?;
    // An empty key would let anyone sign: a connection without its secret accepts nothing.
    if client_secret.is_empty() {
        return Err(WebhookRefusal::BadSignature);
    }
    // The signed fields are in the body: a body we cannot read cannot be verified.
    let payload: Value = serde_json::from_slice(body).map_err(|_| WebhookRefusal::BadSignature)?;
    let event_id = payload.get("eventId").and_then(Value::as_str).filter(|s| !s.is_empty()).ok_or(WebhookRefusal::BadSignature)?;
    let event_created = match payload.get("eventCreated") {
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::String(s)) => s.clone(),
        _ => return Err(WebhookRefusal::BadSignature),
    };
    let sent = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, sent).map_err(|_| WebhookRefusal::BadSignature)?;
    let mut mac = Hmac::<Sha256>::new_from_slice(client_secret.as_bytes()).map_err(|_| WebhookRefusal::BadSignature)?;
    mac.update(format!("{event_created}.{event_id}").as_bytes());
    mac.verify_slice(&sent).map_err(|_| WebhookRefusal::BadSignature)?;

    let other_store = match payload.get("storeId") {
        Some(Value::Number(n)) => n.as_u64() != Some(store_id),
        Some(Value::String(s)) => s.trim() != store_id.to_string(),
        _ => false,
    };
    if other_store {
        return Err(WebhookRefusal::OtherStore);
    }
    let key = event_id.to_string();
    let event_type = payload.get("eventType").and_then(Value::as_str).unwrap_or_default();
    let event = match event_type {
        "order.created" | "order.updated" => match payload.pointer("/data/orderId") {
            Some(Value::String(s)) if order_id(s).is_ok() => DeliveryEvent::Order { external_id: s.clone(), order: None },
            Some(Value::Number(n)) if n.is_u64() => DeliveryEvent::Order { external_id: n.to_string(), order: None },
            _ => DeliveryEvent::Ignored { why: format!("{event_type} without an order id") },
        },
        // Deleted orders and abandoned carts (`unfinished_order.*`) are not orders to fulfil.
        other => DeliveryEvent::Ignored { why: format!("event {other:?}") },
    };
    Ok(Delivery { key, event })
}

fn malformed(what: impl std::fmt::Display) -> BridgeError {
    BridgeError::Malformed(what.to_string())
}

fn text<'v>(v: &'v Value, pointer: &str) -> &'v str {
    v.pointer(pointer).and_then(Value::as_str).map(str::trim).unwrap_or_default()
}

/// An id Ecwid sends as a number or a string, as text.
fn id_text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) if n.is_u64() => Some(n.to_string()),
        _ => None,
    }
}

fn amount(v: &Value, field: &str, context: &str) -> Result<Money, BridgeError> {
    let raw = v.get(field).ok_or_else(|| malformed(format!("{context}: no {field}")))?;
    match cents_from_json(raw) {
        Some(m) if !m.is_negative() => Ok(m),
        _ => Err(malformed(format!("{context}: {field} {raw} is not a whole number of cents"))),
    }
}

/// An Ecwid order (`GET /orders/{id}`, or an item of `GET /orders`) as an [`IncomingOrder`]. Pure: the
/// tests and the fuzz tests call it directly.
pub fn parse_order(order: &Value) -> Result<IncomingOrder, BridgeError> {
    let id = id_text(order.get("id")).filter(|id| order_id(id).is_ok()).ok_or_else(|| malformed("order without an id"))?;
    let context = format!("order {id}");
    let created_at_ms = order
        .get("createTimestamp")
        .and_then(Value::as_i64)
        .and_then(|s| s.checked_mul(1000))
        .ok_or_else(|| malformed(format!("{context}: no createTimestamp")))?;

    let items = order.get("items").and_then(Value::as_array).ok_or_else(|| malformed(format!("{context}: no items")))?;
    if items.len() > shared::limits::MAX_LINES {
        return Err(malformed(format!("{context}: {} items", items.len())));
    }
    let mut lines = Vec::with_capacity(items.len());
    for item in items {
        let line_id = id_text(item.get("id")).ok_or_else(|| malformed(format!("{context}: item without id")))?;
        let line_context = format!("{context} item {line_id}");
        let quantity = item
            .get("quantity")
            .and_then(Value::as_u64)
            .filter(|q| (1..=shared::limits::MAX_QTY as u64).contains(q))
            .ok_or_else(|| malformed(format!("{line_context}: quantity out of range")))?;
        // "product/combination" when the item is a variation: stock pushes set the combination.
        let product = item.get("productId").and_then(Value::as_u64);
        let combination = item.get("combinationId").and_then(Value::as_u64).filter(|c| *c > 0);
        let external_product_id = match (product, combination) {
            (Some(p), Some(c)) => format!("{p}/{c}"),
            (Some(p), None) => p.to_string(),
            (None, _) => String::new(),
        };
        lines.push(IncomingLine {
            external_id: line_id,
            external_product_id,
            sku: text(item, "/sku").to_string(),
            name: text(item, "/name").to_string(),
            quantity: quantity as u32,
            unit_price: amount(item, "price", &line_context)?,
        });
    }

    let shipping_option = order.get("shippingOption").unwrap_or(&Value::Null);
    let pickup = text(shipping_option, "/fulfillmentType").eq_ignore_ascii_case("PICKUP")
        || shipping_option.get("isPickup").and_then(Value::as_bool) == Some(true);

    let module = text(order, "/paymentModule");
    let method_name = text(order, "/paymentMethod");
    let offline = OFFLINE_MODULES.contains(&module.to_lowercase().as_str()) || OFFLINE_METHODS.contains(&method_name.to_lowercase().as_str());
    let payment_status = text(order, "/paymentStatus").to_uppercase();
    let paid = !offline && PAID_STATUSES.contains(&payment_status.as_str());
    // The processor's name when Ecwid gives its module ("Stripe", "LightspeedPayments"), else the method label.
    let method = if !module.is_empty() && !offline { module } else { method_name };

    let state = match (payment_status.as_str(), text(order, "/fulfillmentStatus")) {
        ("REFUNDED", _) => PlatformOrderState::Refunded,
        ("CANCELLED", _) | (_, "WILL_NOT_DELIVER") => PlatformOrderState::Cancelled,
        // A checkout never finished (the customer left at the payment step): not an order yet.
        ("INCOMPLETE", _) => PlatformOrderState::Pending,
        // AWAITING_PAYMENT is an order placed with an offline method (or a processor not yet settled):
        // an order, unpaid (seed 004).
        _ => PlatformOrderState::Open,
    };

    let billing = order.get("billingPerson").unwrap_or(&Value::Null);
    let shipping_person = order.get("shippingPerson").unwrap_or(&Value::Null);
    let customer_name = [person_name(billing), person_name(shipping_person)].into_iter().flatten().next();
    let email = Some(text(order, "/email").to_lowercase()).filter(|e| !e.is_empty());
    let shipping = match shipping_option.get("shippingRate") {
        Some(_) => amount(shipping_option, "shippingRate", &context)?,
        None => Money::ZERO,
    };
    // Seconds (`updateTimestamp`), else the text date ("2024-09-04 07:15:29 +0000").
    let modified_ms = match order.get("updateTimestamp").and_then(Value::as_i64) {
        Some(s) => s.checked_mul(1000),
        None => jiff::Timestamp::strptime("%Y-%m-%d %H:%M:%S %z", text(order, "/updateDate")).ok().map(|t| t.as_millisecond()),
    };
    let modified = super::order_text::modified(modified_ms);

    Ok(IncomingOrder {
        platform: Platform::LightspeedEcom,
        number: id.clone(),
        external_id: id,
        created_at_ms,
        modified,
        email,
        customer_name,
        order_type: if pickup { OrderType::Pickup } else { OrderType::Delivery },
        lines,
        shipping,
        total: amount(order, "total", &context)?,
        payment: OrderPayment { paid, method: method.to_string() },
        state,
        note: sale_note(order, pickup),
    })
}

fn person_name(person: &Value) -> Option<String> {
    let name = text(person, "/name");
    let name = if name.is_empty() { format!("{} {}", text(person, "/firstName"), text(person, "/lastName")) } else { name.to_string() };
    Some(name.trim().to_string()).filter(|n| !n.is_empty())
}

/// The customer's comments and where the order goes, for the sale's note (FR/EN labels).
fn sale_note(order: &Value, pickup: bool) -> String {
    let mut note = Vec::new();
    let comments = text(order, "/orderComments");
    if !comments.is_empty() {
        note.push(comments.to_string());
    }
    let option = order.get("shippingOption").unwrap_or(&Value::Null);
    let method = text(option, "/shippingMethodName");
    if pickup {
        note.push(format!("Ramassage / Pickup : {method}").trim_end_matches([' ', ':']).to_string());
        let instruction = text(option, "/pickupInstruction");
        if !instruction.is_empty() {
            note.push(instruction.to_string());
        }
    } else {
        let person = order.get("shippingPerson").unwrap_or(&Value::Null);
        let address = address(person);
        if !address.is_empty() {
            note.push(format!("Livraison / Shipping : {address}"));
        }
        if !method.is_empty() {
            note.push(method.to_string());
        }
    }
    let phone = [text(order, "/shippingPerson/phone"), text(order, "/billingPerson/phone")].into_iter().find(|p| !p.is_empty());
    if let Some(phone) = phone {
        note.push(format!("Tél. / Phone : {phone}"));
    }
    note.join("\n")
}

fn address(p: &Value) -> String {
    let city_line = [text(p, "/city"), text(p, "/stateOrProvinceCode"), text(p, "/postalCode")]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let name = person_name(p).unwrap_or_default();
    [name.as_str(), text(p, "/companyName"), text(p, "/street"), city_line.as_str(), text(p, "/countryCode")]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(", ")
}
