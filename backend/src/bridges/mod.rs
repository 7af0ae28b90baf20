//! Platform bridges: one module per e-commerce platform (Shopify, WooCommerce, BigCommerce, Lightspeed
//! eCom / Ecwid) speaking its documented API (`ecommerce-platforms.md`). A bridge only translates: it
//! checks a webhook's signature, turns the platform's order into a [`shared::online::IncomingOrder`],
//! and makes the calls that tell the platform a status or a stock level. It decides nothing and stores
//! nothing; the online-orders service calls it, and retries what it reports as retryable.

use async_trait::async_trait;
use axum::http::HeaderMap;
use serde::{Deserialize, Serialize};
use shared::fulfilment::{Platform, PlatformUpdate};
use shared::online::IncomingOrder;

/// A connected store's secrets, per platform. Kept on the server only: never in an API answer, never
/// sent to a device.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "platform", rename_all = "snake_case")]
pub enum Credentials {
    Shopify {
        /// Admin API access token (`X-Shopify-Access-Token`).
        access_token: String,
        /// The app's client secret: webhook HMAC key.
        client_secret: String,
        /// The secret before a rotation, accepted for a while (Shopify keeps signing with it up to 1 h).
        #[serde(default)]
        previous_client_secret: Option<String>,
        /// The Shopify location (gid) whose inventory we set.
        location_id: String,
    },
    #[serde(rename = "woocommerce")]
    WooCommerce { consumer_key: String, consumer_secret: String, webhook_secret: String },
    #[serde(rename = "bigcommerce")]
    BigCommerce {
        store_hash: String,
        access_token: String,
        /// The app's client secret: Standard Webhooks key.
        client_secret: String,
        /// BigCommerce inventory location id.
        location_id: u64,
    },
    LightspeedEcom {
        store_id: u64,
        /// `secret_…` REST token.
        secret_token: String,
        /// The app's `client_secret`: webhook signature key.
        client_secret: String,
    },
}

impl Credentials {
    /// What names the store beside the API base URL: BigCommerce and Ecwid share one API host for
    /// every store, so their store hash or id is part of the store's identity.
    pub fn store_key(&self) -> String {
        match self {
            Credentials::Shopify { .. } | Credentials::WooCommerce { .. } => String::new(),
            Credentials::BigCommerce { store_hash, .. } => store_hash.clone(),
            Credentials::LightspeedEcom { store_id, .. } => store_id.to_string(),
        }
    }

    pub fn platform(&self) -> Platform {
        match self {
            Credentials::Shopify { .. } => Platform::Shopify,
            Credentials::WooCommerce { .. } => Platform::WooCommerce,
            Credentials::BigCommerce { .. } => Platform::BigCommerce,
            Credentials::LightspeedEcom { .. } => Platform::LightspeedEcom,
        }
    }
}

/// What a bridge needs to talk to one connected store.
#[derive(Clone, Debug)]
pub struct Connection {
    pub id: String,
    /// The platform API's base URL: `https://x.myshopify.com`, the WordPress site URL,
    /// `https://api.bigcommerce.com`, `https://app.ecwid.com`; in tests, a fake server's address.
    pub base_url: String,
    pub credentials: Credentials,
}

/// What a webhook delivery announces, once its signature checked out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delivery {
    /// The platform's own de-duplication key for this delivery (Shopify `X-Shopify-Webhook-Id`,
    /// WooCommerce webhook id + order id + `date_modified_gmt`, BigCommerce `hash`, Ecwid `eventId`).
    pub key: String,
    pub event: DeliveryEvent,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeliveryEvent {
    /// A new or changed order. `order` is filled when the payload carries the whole order (Shopify,
    /// WooCommerce); thin webhooks (BigCommerce, Ecwid) name it and the bridge fetches it.
    Order { external_id: String, order: Option<Box<IncomingOrder>> },
    /// A delivery we do not act on (another topic): answered 200 and recorded.
    Ignored { why: String },
    /// A check that the address answers (WooCommerce's unsigned creation ping): answered 200, nothing
    /// written (it is not signed, so it may come from anyone).
    Ping,
    /// Signed and about an order, but not readable (no order id, not JSON): held with its raw body.
    Unreadable { external_id: Option<String>, why: String },
}

/// Why a webhook is refused: always 401, nothing stored.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum WebhookRefusal {
    #[error("missing header {0}")]
    MissingHeader(&'static str),
    #[error("the signature does not match")]
    BadSignature,
    #[error("the delivery's timestamp is too far from now")]
    Stale,
    #[error("the delivery is for another store")]
    OtherStore,
}

/// A call to the platform that did not work.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BridgeError {
    /// 429: try again after the platform's delay (`Retry-After`, or the bridge's estimate).
    #[error("rate limited by the platform")]
    RateLimited { retry_after_ms: Option<u64> },
    /// 5xx, a timeout or a network failure: try again later.
    #[error("platform unavailable: {0}")]
    Unavailable(String),
    /// A 4xx other than 429: retrying the same call will not help; a manager must look.
    #[error("the platform refused the call ({status}): {body}")]
    Refused { status: u16, body: String },
    /// The platform answered something we cannot read.
    #[error("unreadable answer from the platform: {0}")]
    Malformed(String),
}

impl BridgeError {
    pub fn is_retryable(&self) -> bool {
        matches!(self, BridgeError::RateLimited { .. } | BridgeError::Unavailable(_))
    }
}

/// An order a platform's listing gave that its bridge cannot read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnreadableOrder {
    /// Its `id`, when it has one.
    pub external_id: Option<String>,
    /// The order's JSON as listed.
    pub raw: String,
    pub why: String,
}

impl UnreadableOrder {
    pub fn of(order: &serde_json::Value, why: impl std::fmt::Display) -> UnreadableOrder {
        let external_id = match order.get("id") {
            Some(serde_json::Value::Number(n)) => Some(n.to_string()),
            Some(serde_json::Value::String(s)) if !s.is_empty() && s.len() <= 100 => Some(s.clone()),
            _ => None,
        };
        UnreadableOrder { external_id, raw: order.to_string(), why: why.to_string() }
    }
}

/// An absolute online stock level to publish for one product (the sum over the store's online outlets).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockLevel {
    pub sku: String,
    /// The platform's product/variant id when known (learnt from orders), else looked up by SKU.
    #[serde(default)]
    pub external_product_id: Option<String>,
    pub quantity: i64,
}

/// A level the platform refused inside a call it otherwise took (WooCommerce's batch answers 200 with
/// an error per refused item; Ecwid refuses one product's call; Shopify's `userErrors` name a quantity,
/// and the others are sent again without it): the worker records it for managers and sends it again
/// later, rather than losing it behind the stock cursor or letting it block every other level.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StockRefusal {
    pub sku: String,
    /// The platform's message.
    pub error: String,
}

/// The order a status update is about.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusUpdate {
    pub external_id: String,
    pub update: PlatformUpdate,
    /// Tracking details from the sale note, when the platform takes them.
    #[serde(default)]
    pub tracking: Option<String>,
    /// Reused on every retry of this update (Shopify's `@idempotent` key).
    pub idempotency_key: String,
}

/// One page of orders changed since a time, for the reconciliation pull.
#[derive(Clone, Debug, Default)]
pub struct OrdersPage {
    pub orders: Vec<IncomingOrder>,
    /// Orders of the page that cannot be read: reconciliation holds them with their JSON, since a
    /// missed webhook (WooCommerce never retries) may leave it the only one to see them.
    pub unreadable: Vec<UnreadableOrder>,
    /// Where the next page starts; `None` on the last.
    pub next: Option<String>,
}

#[async_trait]
pub trait Bridge: Send + Sync {
    fn platform(&self) -> Platform;

    /// Checks a delivery's documented signature over the raw body bytes (Ecwid: over its signed
    /// fields) and reads what it announces. Never panics, whatever the input.
    fn verify(&self, conn: &Connection, headers: &HeaderMap, body: &[u8], now_ms: i64) -> Result<Delivery, WebhookRefusal>;

    /// The whole order, read over the platform's API (thin webhooks, reconciliation, pickup detection
    /// that needs a second call).
    async fn fetch_order(&self, conn: &Connection, external_id: &str) -> Result<IncomingOrder, BridgeError>;

    /// A held delivery's order once more (`POST /held/orders/{id}/retry`, reconciliation's pending
    /// fetches): read again from the raw body the platform signed when it came (no signature check
    /// here), or fetched when the body only names it. Default: fetched.
    async fn reread(&self, conn: &Connection, external_id: &str, _raw: &[u8]) -> Result<IncomingOrder, BridgeError> {
        self.fetch_order(conn, external_id).await
    }

    /// Orders modified at or after `since_ms`, a page at a time: catches what a missed webhook did not
    /// bring (WooCommerce never retries).
    async fn orders_modified_since(&self, conn: &Connection, since_ms: i64, page: Option<&str>) -> Result<OrdersPage, BridgeError>;

    /// Tells the platform an order's new status (`ecommerce-platforms.md` § 5). Idempotent: sending the
    /// same update twice leaves the platform as once.
    async fn send_status(&self, conn: &Connection, update: &StatusUpdate) -> Result<(), BridgeError>;

    /// Sets absolute stock levels, in as few calls as the platform's documented batch limits allow.
    /// `Ok` lists the levels the platform refused one by one (the others were taken).
    async fn send_stock(&self, conn: &Connection, levels: &[StockLevel], idempotency_key: &str) -> Result<Vec<StockRefusal>, BridgeError>;
}

/// The bridge for a platform.
pub fn bridge_for(platform: Platform, http: &reqwest::Client) -> Box<dyn Bridge> {
    match platform {
        Platform::Shopify => Box::new(shopify::ShopifyBridge::new(http.clone())),
        Platform::WooCommerce => Box::new(woocommerce::WooCommerceBridge::new(http.clone())),
        Platform::BigCommerce => Box::new(bigcommerce::BigCommerceBridge::new(http.clone())),
        Platform::LightspeedEcom => Box::new(ecwid::EcwidBridge::new(http.clone())),
    }
}

pub mod bigcommerce;
pub mod ecwid;
pub mod shopify;
pub mod woocommerce;
pub mod decimal;
pub mod http_calls;
pub mod order_text;
