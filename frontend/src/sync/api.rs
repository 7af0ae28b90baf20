//! The `/api/v1` client. Same-origin: the server that served the app is the one we sync with. Requests
//! are built, with our credentials, in [`super::http`].

use serde::Deserialize;
use shared::stock::SerialRegistry;
use shared::sync::{CatalogPage, CustomerSummary, Device, DeviceHello, PushRequest, PushResponse, Setup, StoredSale};
use std::collections::HashMap;

pub const CATALOG_PAGE: u32 = 2000;

pub use super::http::ApiFailure;
use super::http::{get, get_pages, post, seg};

pub async fn setup() -> Result<Setup, ApiFailure> {
    get("/api/v1/setup").await
}

pub async fn catalog_page(after: Option<&str>) -> Result<CatalogPage, ApiFailure> {
    let mut url = format!("/api/v1/catalog?limit={CATALOG_PAGE}");
    if let Some(after) = after {
        url.push_str("&after=");
        url.push_str(&seg(after));
    }
    get(&url).await
}

pub async fn push(req: &PushRequest) -> Result<PushResponse, ApiFailure> {
    post("/api/v1/sync/push", req).await
}

/// Introduces this device; the server answers with its number (the same one every time).
pub async fn hello(hello: &DeviceHello) -> Result<Device, ApiFailure> {
    post("/api/v1/devices", hello).await
}

/// `sync_client::Transport` over this client: what the shared pusher drains through.
pub struct HttpTransport;

impl sync_client::Transport for HttpTransport {
    async fn hello(&self, req: &DeviceHello) -> Result<Device, ApiFailure> {
        hello(req).await
    }
    async fn push(&self, req: &PushRequest) -> Result<PushResponse, ApiFailure> {
        push(req).await
    }
}

pub async fn sales() -> Result<Vec<StoredSale>, ApiFailure> {
    get("/api/v1/sales?limit=200").await
}

/// Whether the server answers, asked as this device (`GET /auth/me`) so that a revocation shows even
/// with nothing to push: `None` unreachable, else the HTTP status (a 401 is noted by `http::send`).
pub async fn heartbeat() -> Option<u16> {
    let req = super::http::request(super::http::Method::Get, "/api/v1/auth/me");
    match super::http::send(req, None, super::http::TIMEOUT_MS).await {
        Ok(r) if r.status() < 500 => Some(r.status()),
        _ => None,
    }
}

#[derive(Deserialize)]
struct StockLevel {
    product_id: String,
    level: i64,
}

/// Stock level per product at an outlet, from the server's ledger.
pub async fn stock(outlet_id: &str) -> Result<HashMap<String, i64>, ApiFailure> {
    let url = format!("/api/v1/stock?outlet={}", seg(outlet_id));
    let levels: Vec<StockLevel> = get(&url).await?;
    Ok(levels.into_iter().map(|l| (l.product_id, l.level)).collect())
}

/// Every serial number on file (the register checks serials at Payer against it, offline too).
pub async fn serials() -> Result<SerialRegistry, ApiFailure> {
    Ok(SerialRegistry::from(get_pages::<shared::stock::SerialNumber>("/api/v1/serials", "after").await?))
}

/// Every customer with account, loyalty and recent history (kept for attaching customers offline).
pub async fn customer_summaries() -> Result<Vec<CustomerSummary>, ApiFailure> {
    get_pages("/api/v1/customers/summaries", "after").await
}
