//! The `/api/v1` client. Same-origin: the server that served the app is the one we sync with. Requests
//! are built, with our credentials, in [`super::http`].

use shared::sync::changes::{ChangePage, StockDigest, Version};
use shared::sync::{Device, DeviceHello, PushRequest, PushResponse, Setup};

pub use super::http::ApiFailure;
use super::http::{get, post, seg};

pub async fn setup() -> Result<Setup, ApiFailure> {
    get("/api/v1/setup").await
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
        super::pusher::push_sent();
        push(req).await
    }
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

/// `sync_client::ChangeSource` over this client: the change log the puller reads.
pub struct HttpChanges;

impl sync_client::ChangeSource for HttpChanges {
    async fn changes(&self, since: Version, limit: u32) -> Result<ChangePage, ApiFailure> {
        get(&format!("/api/v1/sync/changes?since={since}&limit={limit}")).await
    }
}

/// The server's digest of an outlet's stock levels at `version`, to compare with ours.
pub async fn stock_digest(outlet_id: &str, version: Version) -> Result<StockDigest, ApiFailure> {
    get(&format!("/api/v1/stock/digest?outlet={}&version={version}", seg(outlet_id))).await
}
