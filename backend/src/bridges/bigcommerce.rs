//! BigCommerce (`ecommerce-platforms.md` § 3): Standard Webhooks signatures, thin `store/order/*`
//! webhooks, orders read over the V2 API (order, products, consignments), statuses set with
//! `PUT /v2/orders/{id}` or a shipment, stock set with the V3 absolute inventory adjustment.

use super::decimal::cents_from_json;
use super::http_calls::{self, url};
use super::*;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;
use shared::fulfilment::OrderType;
use shared::money::Money;
use shared::online::{IncomingLine, OrderPayment, PlatformOrderState};

/// Standard Webhooks: a delivery more than this far from now is refused (a replay).
pub const TIMESTAMP_TOLERANCE_S: i64 = 5 * 60;
/// `PUT /v3/inventory/adjustments/absolute` takes at most this many items (BC7).
pub const INVENTORY_BATCH: usize = 2000;
/// Orders per reconciliation page. Each order costs two more calls (products, consignments), so a page
/// is kept small enough to fit in BigCommerce's rate-limit window: a page that always ran into a 429
/// half-way would be retried from its start for ever.
pub const ORDERS_PAGE: usize = 50;
/// Products per page of `GET /v2/orders/{id}/products` (the V2 maximum).
const PRODUCTS_PAGE: usize = 250;
/// The reason recorded on BigCommerce's inventory adjustments.
pub const STOCK_REASON: &str = "Comptoir online stock";

/// Webhook scopes that announce a new or changed order.
const ORDER_SCOPES: [&str; 3] = ["store/order/created", "store/order/updated", "store/order/statusUpdated"];

/// Payment methods settled outside BigCommerce: their orders arrive unpaid (seed 004), whatever
/// `payment_status` says.
const OFFLINE_METHODS: [&str; 10] = [
    "cash on delivery",
    "cod",
    "check",
    "cheque",
    "bank deposit",
    "bank transfer",
    "money order",
    "pay in store",
    "manual",
    "offline",
];

/// `payment_status` values meaning a processor took the money. An authorised card does not: the funds
/// are only held until the merchant captures them, and the hold can expire or be voided (as Shopify's
/// `authorized`); the order is unpaid until a later version says captured.
const PAID_STATUSES: [&str; 5] = ["captured", "capture pending", "paid", "partially refunded", "refunded"];

pub struct BigCommerceBridge {
    http: reqwest::Client,
}

impl BigCommerceBridge {
    pub fn new(http: reqwest::Client) -> BigCommerceBridge {
        BigCommerceBridge { http }
    }

    fn get(&self, store: &Store<'_>, segments: &[&str]) -> Result<reqwest::RequestBuilder, BridgeError> {
        Ok(store.auth(self.http.get(store.url(segments)?)))
    }
}

/// One connection's BigCommerce store.
struct Store<'a> {
    base_url: &'a str,
    store_hash: &'a str,
    access_token: &'a str,
    location_id: u64,
}

impl<'a> Store<'a> {
    fn of(conn: &'a Connection) -> Result<Store<'a>, BridgeError> {
        match &conn.credentials {
            Credentials::BigCommerce { store_hash, access_token, location_id, .. } => Ok(Store {
                base_url: &conn.base_url,
                store_hash,
                access_token,
                location_id: *location_id,
            }),
            other => Err(BridgeError::Malformed(format!("a {:?} connection given to the BigCommerce bridge", other.platform()))),
        }
    }

    fn url(&self, segments: &[&str]) -> Result<reqwest::Url, BridgeError> {
        let mut all = vec!["stores", self.store_hash];
        all.extend_from_slice(segments);
        url(self.base_url, &all)
    }

    fn auth(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        request.header("X-Auth-Token", self.access_token).header("Accept", "application/json")
    }
}

/// BigCommerce order ids are numbers; anything else never reaches a URL.
fn order_id(external_id: &str) -> Result<&str, BridgeError> {
    if !external_id.is_empty() && external_id.len() <= 20 && external_id.bytes().all(|b| b.is_ascii_digit()) {
        Ok(external_id)
    } else {
        Err(BridgeError::Malformed(format!("not a BigCommerce order id: {external_id:?}")))
    }
}

#[async_trait]
impl Bridge for BigCommerceBridge {
    fn platform(&self) -> Platform {
        Platform::BigCommerce
    }

    fn verify(&self, conn: &Connection, headers: &HeaderMap, body: &[u8], now_ms: i64) -> Result<Delivery, WebhookRefusal> {
        let (store_hash, secret) = match &conn.credentials {
            Credentials::BigCommerce { store_hash, client_secret, .. } => (store_hash.as_str(), client_secret.as_str()),
            _ => return Err(WebhookRefusal::OtherStore),
        };
        verify_signature(secret, headers, body, now_ms)?;
        read_delivery(store_hash, headers, body)
    }

    async fn fetch_order(&self, conn: &Connection, external_id: &str) -> Result<IncomingOrder, BridgeError> {
        let store = Store::of(conn)?;
        let id = order_id(external_id)?;
        let order = http_calls::json(self.get(&store, &["v2", "orders", id])?)
            .await?
            .ok_or_else(|| BridgeError::Malformed(format!("order {id}: empty answer")))?;
        self.complete(&store, order).await
    }

    async fn orders_modified_since(&self, conn: &Connection, since_ms: i64, page: Option<&str>) -> Result<OrdersPage, BridgeError> {
        let store = Store::of(conn)?;
        let page_number: u32 = match page {
            None => 1,
            Some(p) => p.parse().map_err(|_| BridgeError::Malformed(format!("not a page number: {p:?}")))?,
        };
        let since = jiff::Timestamp::from_millisecond(since_ms.max(0))
            .map_err(|e| BridgeError::Malformed(format!("since {since_ms}: {e}")))?;
        let since = jiff::fmt::rfc2822::to_string(&since.to_zoned(jiff::tz::TimeZone::UTC))
            .map_err(|e| BridgeError::Malformed(e.to_string()))?;
        let request = self.get(&store, &["v2", "orders"])?.query(&[
            ("min_date_modified", since.as_str()),
            ("sort", "id:asc"),
            ("page", &page_number.to_string()),
            ("limit", &ORDERS_PAGE.to_string()),
        ]);
        let listed = match http_calls::json(request).await? {
            None => vec![],
            Some(Value::Array(orders)) => orders,
            Some(other) => return Err(BridgeError::Malformed(format!("orders list: expected an array, got {}", kind(&other)))),
        };
        let next = (listed.len() >= ORDERS_PAGE).then(|| page_number.saturating_add(1).to_string());
        let (mut orders, mut unreadable) = (Vec::with_capacity(listed.len()), Vec::new());
        for order in listed {
            let listed_as = order.clone();
            match self.complete(&store, order).await {
                Ok(order) => orders.push(order),
                // One unreadable order must not stop the pull of the others for ever: held by
                // reconciliation with its JSON.
                Err(BridgeError::Malformed(why)) => {
                    tracing::warn!(connection = %conn.id, %why, "BigCommerce order unreadable: held by reconciliation");
                    unreadable.push(crate::bridges::UnreadableOrder::of(&listed_as, why));
                }
                Err(e) => return Err(e),
            }
        }
        Ok(OrdersPage { orders, unreadable, next })
    }

    async fn send_status(&self, conn: &Connection, update: &StatusUpdate) -> Result<(), BridgeError> {
        let store = Store::of(conn)?;
        let id = order_id(&update.external_id)?;
        match update.update {
            PlatformUpdate::NoChange => Ok(()),
            // Setting a status is idempotent: twice leaves the order as once.
            PlatformUpdate::BigCommerceStatus { status_id } => {
                let request = store.auth(self.http.put(store.url(&["v2", "orders", id])?)).json(&json!({ "status_id": status_id }));
                http_calls::json(request).await.map(drop)
            }
            PlatformUpdate::BigCommerceShipment => self.ship(&store, id, update.tracking.as_deref()).await,
            other => Err(BridgeError::Refused { status: 0, body: format!("not a BigCommerce update: {other:?}") }),
        }
    }

    async fn send_stock(&self, conn: &Connection, levels: &[StockLevel], _idempotency_key: &str) -> Result<Vec<StockRefusal>, BridgeError> {
        // Absolute levels: resending a batch (a retry with the same key) sets the same values, so
        // BigCommerce needs no idempotency key of its own.
        let store = Store::of(conn)?;
        let target = store.url(&["v3", "inventory", "adjustments", "absolute"])?;
        for batch in inventory_batches(store.location_id, levels) {
            let request = store.auth(self.http.put(target.clone())).json(&batch);
            http_calls::json(request).await?;
        }
        Ok(Vec::new())
    }
}

impl BigCommerceBridge {
    /// An order row completed with its products and consignments, normalised.
    async fn complete(&self, store: &Store<'_>, order: Value) -> Result<IncomingOrder, BridgeError> {
        let id = match order.get("id") {
            Some(Value::Number(n)) if n.is_u64() => n.to_string(),
            _ => return Err(BridgeError::Malformed("order without a numeric id".into())),
        };
        let products = self.products(store, &id).await?;
        let consignments = http_calls::json(self.get(store, &["v2", "orders", &id, "consignments"])?)
            .await?
            .unwrap_or(Value::Null);
        parse_order(&order, &products, &consignments)
    }

    /// Every product row of an order, page after page.
    async fn products(&self, store: &Store<'_>, id: &str) -> Result<Value, BridgeError> {
        let mut all = Vec::new();
        for page in 1u32.. {
            let request = self
                .get(store, &["v2", "orders", id, "products"])?
                .query(&[("page", page.to_string()), ("limit", PRODUCTS_PAGE.to_string())]);
            let rows = match http_calls::json(request).await? {
                None => vec![],
                Some(Value::Array(rows)) => rows,
                Some(other) => return Err(BridgeError::Malformed(format!("order {id} products: got {}", kind(&other)))),
            };
            let last = rows.len() < PRODUCTS_PAGE;
            all.extend(rows);
            if last || all.len() > shared::limits::MAX_LINES * 4 {
                break;
            }
        }
        Ok(Value::Array(all))
    }

    /// Creates the shipments still missing: one per shipping address, with what is not yet shipped. A
    /// retry after a lost answer finds nothing left to ship and sends nothing.
    async fn ship(&self, store: &Store<'_>, id: &str, tracking: Option<&str>) -> Result<(), BridgeError> {
        let products = self.products(store, id).await?;
        for shipment in shipments_to_create(&products, tracking)? {
            let request = store.auth(self.http.post(store.url(&["v2", "orders", id, "shipments"])?)).json(&shipment);
            http_calls::json(request).await?;
        }
        Ok(())
    }
}

/// The bodies of `POST /v2/orders/{id}/shipments` that ship what remains of an order: items grouped by
/// `order_address_id`, each with its quantity not yet shipped.
pub fn shipments_to_create(products: &Value, tracking: Option<&str>) -> Result<Vec<Value>, BridgeError> {
    let rows = products.as_array().ok_or_else(|| BridgeError::Malformed("products: not an array".into()))?;
    let mut by_address: Vec<(u64, Vec<Value>)> = Vec::new();
    for row in rows {
        let product_id = row.get("id").and_then(Value::as_u64);
        let address = row.get("order_address_id").and_then(Value::as_u64);
        let ordered = row.get("quantity").and_then(Value::as_u64).unwrap_or(0);
        let shipped = row.get("quantity_shipped").and_then(Value::as_u64).unwrap_or(0);
        let (Some(product_id), Some(address)) = (product_id, address) else { continue };
        if ordered > shipped {
            let item = json!({ "order_product_id": product_id, "quantity": ordered - shipped });
            match by_address.iter_mut().find(|(a, _)| *a == address) {
                Some((_, items)) => items.push(item),
                None => by_address.push((address, vec![item])),
            }
        }
    }
    Ok(by_address
        .into_iter()
        .map(|(address, items)| {
            let mut body = json!({ "order_address_id": address, "items": items });
            if let Some(t) = tracking.map(str::trim).filter(|t| !t.is_empty()) {
                body["tracking_number"] = json!(t);
            }
            body
        })
        .collect())
}

/// The bodies of `PUT /v3/inventory/adjustments/absolute`, at most [`INVENTORY_BATCH`] items each.
/// Levels without a SKU cannot be named to BigCommerce and are left out; a negative level is sent as 0.
pub fn inventory_batches(location_id: u64, levels: &[StockLevel]) -> Vec<Value> {
    let items: Vec<Value> = levels
        .iter()
        .filter(|l| !l.sku.trim().is_empty())
        .map(|l| json!({ "location_id": location_id, "sku": l.sku, "quantity": l.quantity.max(0) }))
        .collect();
    items.chunks(INVENTORY_BATCH).map(|chunk| json!({ "reason": STOCK_REASON, "items": chunk })).collect()
}

/// Checks a Standard Webhooks delivery: timestamp within [`TIMESTAMP_TOLERANCE_S`] of now, then one of
/// the `v1,<base64>` signatures equal (in constant time) to HMAC-SHA256 of `{id}.{timestamp}.{body}`.
/// BigCommerce's docs key the library with base64(client secret), which it decodes back to the raw
/// secret: the HMAC key is the client secret's bytes.
pub fn verify_signature(secret: &str, headers: &HeaderMap, body: &[u8], now_ms: i64) -> Result<(), WebhookRefusal> {
    let header = |name: &'static str| {
        headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim).filter(|v| !v.is_empty()).ok_or(WebhookRefusal::MissingHeader(name))
    };
    let id = header("webhook-id")?;
    let timestamp = header("webhook-timestamp")?;
    let signatures = header("webhook-signature")?;
    // An empty key would let anyone sign: a connection without its secret accepts nothing.
    if secret.is_empty() {
        return Err(WebhookRefusal::BadSignature);
    }
    let seconds: i64 = timestamp.parse().map_err(|_| WebhookRefusal::Stale)?;
    if seconds.checked_sub(now_ms.div_euclid(1000)).is_none_or(|d| d.unsigned_abs() > TIMESTAMP_TOLERANCE_S.unsigned_abs()) {
        return Err(WebhookRefusal::Stale);
    }
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).map_err(|_| WebhookRefusal::BadSignature)?;
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    // `verify_slice` compares in constant time.
    let matches = signatures.split(' ').filter_map(|s| s.strip_prefix("v1,")).any(|b64| {
        base64::Engine::decode(&base64::engine::general_purpose::STANDARD, b64).is_ok_and(|sig| mac.clone().verify_slice(&sig).is_ok())
    });
    if matches {
        Ok(())
    } else {
        Err(WebhookRefusal::BadSignature)
    }
}

/// What a signed delivery announces. A signed body we cannot read is recorded and ignored (the
/// reconciliation pull brings its order): refusing it would only make BigCommerce retry it for two days.
pub fn read_delivery(store_hash: &str, headers: &HeaderMap, body: &[u8]) -> Result<Delivery, WebhookRefusal> {
    let webhook_id = headers.get("webhook-id").and_then(|v| v.to_str().ok()).unwrap_or_default().trim().to_string();
    let payload: Value = match serde_json::from_slice(body) {
        Ok(v @ Value::Object(_)) => v,
        _ => return Ok(Delivery { key: webhook_id, event: DeliveryEvent::Ignored { why: "unreadable body".into() } }),
    };
    if let Some(producer) = payload.get("producer").and_then(Value::as_str) {
        if producer.strip_prefix("stores/").is_some_and(|h| h != store_hash) {
            return Err(WebhookRefusal::OtherStore);
        }
    }
    // Dedupe on the signed message id: Standard Webhooks keeps it across retries of one message. Not on
    // `hash`, the SHA-1 of `data`, which is the same `{type, id}` for every `store/order/updated` of an
    // order, so a later update (paid, cancelled) would be taken for a repeat.
    let key = if webhook_id.is_empty() { payload.get("hash").and_then(Value::as_str).unwrap_or_default().to_string() } else { webhook_id };
    let scope = payload.get("scope").and_then(Value::as_str).unwrap_or_default();
    if !ORDER_SCOPES.contains(&scope) {
        return Ok(Delivery { key, event: DeliveryEvent::Ignored { why: format!("scope {scope:?}") } });
    }
    let event = match payload.pointer("/data/id") {
        Some(Value::Number(n)) if n.is_u64() => DeliveryEvent::Order { external_id: n.to_string(), order: None },
        Some(Value::String(s)) if order_id(s).is_ok() => DeliveryEvent::Order { external_id: s.clone(), order: None },
        _ => DeliveryEvent::Ignored { why: format!("{scope} without an order id") },
    };
    Ok(Delivery { key, event })
}

fn malformed(what: impl std::fmt::Display) -> BridgeError {
    BridgeError::Malformed(what.to_string())
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn text<'v>(v: &'v Value, pointer: &str) -> &'v str {
    v.pointer(pointer).and_then(Value::as_str).map(str::trim).unwrap_or_default()
}

fn amount(v: &Value, field: &str, context: &str) -> Result<Money, BridgeError> {
    let raw = v.get(field).ok_or_else(|| malformed(format!("{context}: no {field}")))?;
    match cents_from_json(raw) {
        Some(m) if !m.is_negative() => Ok(m),
        _ => Err(malformed(format!("{context}: {field} {raw} is not a whole number of cents"))),
    }
}

/// The platform's order (`GET /v2/orders/{id}`), its product rows and its consignments, as one
/// [`IncomingOrder`]. Pure: the fake-server tests and the fuzz tests call it directly.
pub fn parse_order(order: &Value, products: &Value, consignments: &Value) -> Result<IncomingOrder, BridgeError> {
    let id = order.get("id").and_then(Value::as_u64).ok_or_else(|| malformed("order without a numeric id"))?;
    let context = format!("order {id}");
    let created = text(order, "/date_created");
    let created_at_ms = jiff::fmt::rfc2822::parse(created)
        .map(|z| z.timestamp().as_millisecond())
        .map_err(|e| malformed(format!("{context}: date_created {created:?}: {e}")))?;

    let rows = products.as_array().ok_or_else(|| malformed(format!("{context}: products not an array")))?;
    if rows.len() > shared::limits::MAX_LINES {
        return Err(malformed(format!("{context}: {} product rows", rows.len())));
    }
    let mut lines = Vec::with_capacity(rows.len());
    let mut pickup_on_a_line = false;
    for row in rows {
        let line_id = row.get("id").and_then(Value::as_u64).ok_or_else(|| malformed(format!("{context}: product row without id")))?;
        let line_context = format!("{context} product {line_id}");
        let quantity = row
            .get("quantity")
            .and_then(Value::as_u64)
            .filter(|q| (1..=shared::limits::MAX_QTY as u64).contains(q))
            .ok_or_else(|| malformed(format!("{line_context}: quantity out of range")))?;
        // The variant is BigCommerce's unit of stock when there is one.
        let variant = row.get("variant_id").and_then(Value::as_u64).filter(|v| *v > 0);
        let product = row.get("product_id").and_then(Value::as_u64).filter(|v| *v > 0);
        let unit_price = if row.get("price_ex_tax").is_some() {
            amount(row, "price_ex_tax", &line_context)?
        } else {
            amount(row, "base_price", &line_context)?
        };
        pickup_on_a_line |= row.get("order_pickup_method_id").and_then(Value::as_u64).is_some_and(|m| m > 0);
        lines.push(IncomingLine {
            external_id: line_id.to_string(),
            external_product_id: variant.or(product).map(|v| v.to_string()).unwrap_or_default(),
            sku: text(row, "/sku").to_string(),
            name: text(row, "/name").to_string(),
            quantity: quantity as u32,
            unit_price,
        });
    }

    let pickups = consignments.get("pickups").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    let order_type = if pickup_on_a_line || !pickups.is_empty() { OrderType::Pickup } else { OrderType::Delivery };

    let method = text(order, "/payment_method").to_string();
    let offline = OFFLINE_METHODS.contains(&method.to_lowercase().as_str());
    let status = text(order, "/payment_status").to_lowercase();
    let paid = !offline && PAID_STATUSES.contains(&status.as_str());

    let state = match order.get("status_id").and_then(Value::as_u64) {
        Some(4) => PlatformOrderState::Refunded,
        // 5 Cancelled; 6 Declined (the merchant or the processor refused it).
        Some(5 | 6) => PlatformOrderState::Cancelled,
        // 0 Incomplete, 1 Pending: a checkout the customer did not finish; not an order yet.
        Some(0 | 1) => PlatformOrderState::Pending,
        // 7 Awaiting Payment (an offline method: an order, unpaid — seed 004), 11 Awaiting Fulfillment,
        // 12 Manual Verification Required, 13 Disputed, 14 Partially Refunded, the shipped and
        // completed ones, and custom statuses.
        _ => PlatformOrderState::Open,
    };

    let email = Some(text(order, "/billing_address/email").to_lowercase()).filter(|e| !e.is_empty());
    let name = format!("{} {}", text(order, "/billing_address/first_name"), text(order, "/billing_address/last_name"));
    let customer_name = Some(name.trim().to_string()).filter(|n| !n.is_empty());
    let shipping = if order.get("shipping_cost_ex_tax").is_some() {
        amount(order, "shipping_cost_ex_tax", &context)?
    } else {
        Money::ZERO
    };

    Ok(IncomingOrder {
        platform: Platform::BigCommerce,
        external_id: id.to_string(),
        number: id.to_string(),
        created_at_ms,
        modified: super::order_text::modified(jiff::fmt::rfc2822::parse(text(order, "/date_modified")).ok().map(|z| z.timestamp().as_millisecond())),
        email,
        customer_name,
        order_type,
        lines,
        shipping,
        total: amount(order, "total_inc_tax", &context)?,
        payment: OrderPayment { paid, method },
        state,
        note: sale_note(order, consignments),
    })
}

/// The customer's message and where the order goes, for the sale's note (FR/EN labels).
fn sale_note(order: &Value, consignments: &Value) -> String {
    let mut note = Vec::new();
    let message = text(order, "/customer_message");
    if !message.is_empty() {
        note.push(message.to_string());
    }
    for pickup in consignments.get("pickups").and_then(Value::as_array).into_iter().flatten() {
        let what = [text(pickup, "/pickup_method_display_name"), text(pickup, "/location/name")]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" — ");
        note.push(format!("Ramassage / Pickup : {what}"));
        let instructions = text(pickup, "/collection_instructions");
        if !instructions.is_empty() {
            note.push(instructions.to_string());
        }
    }
    for shipping in consignments.get("shipping").and_then(Value::as_array).into_iter().flatten() {
        note.push(format!("Livraison / Shipping : {}", address(shipping)));
        let method = text(shipping, "/shipping_method");
        if !method.is_empty() {
            note.push(method.to_string());
        }
        let phone = text(shipping, "/phone");
        if !phone.is_empty() {
            note.push(format!("Tél. / Phone : {phone}"));
        }
    }
    let billing = order.get("billing_address").unwrap_or(&Value::Null);
    let billing_address = address(billing);
    if !billing_address.is_empty() {
        note.push(format!("Facturation / Billing : {billing_address}"));
    }
    let phone = text(billing, "/phone");
    if !phone.is_empty() && !note.iter().any(|l| l.ends_with(phone)) {
        note.push(format!("Tél. / Phone : {phone}"));
    }
    note.join("\n")
}

fn address(a: &Value) -> String {
    let name = format!("{} {}", text(a, "/first_name"), text(a, "/last_name"));
    let city_line = [text(a, "/city"), text(a, "/state"), text(a, "/zip")].into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" ");
    [name.trim(), text(a, "/company"), text(a, "/street_1"), text(a, "/street_2"), city_line.as_str(), text(a, "/country")]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(", ")
}
