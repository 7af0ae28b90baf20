//! The `/api/v1` client. Same-origin: the server that served the app is the one we sync with.

use gloo_net::http::{Request, Response};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use shared::stock::SerialRegistry;
use shared::sync::{ApiError, CatalogPage, CustomerSummary, Device, DeviceHello, PushRequest, PushResponse, Setup, StoredSale};
use std::collections::HashMap;

pub const CATALOG_PAGE: u32 = 2000;

/// Requests to our server give up after this long: a connection that hangs (a server stuck, a proxy that
/// never answers) must not stall the outbox; the pusher simply tries again.
const TIMEOUT_MS: u32 = 15_000;

/// An abort signal that fires after [`TIMEOUT_MS`], and the timer that fires it (dropping it cancels).
fn deadline() -> (Option<web_sys::AbortSignal>, Option<gloo_timers::callback::Timeout>) {
    let Ok(controller) = web_sys::AbortController::new() else { return (None, None) };
    let signal = controller.signal();
    (Some(signal), Some(gloo_timers::callback::Timeout::new(TIMEOUT_MS, move || controller.abort())))
}

/// GET `url` with the deadline.
async fn get(url: &str) -> Result<Response, gloo_net::Error> {
    let (signal, _timer) = deadline();
    Request::get(url).abort_signal(signal.as_ref()).send().await
}

/// Why a request got no usable answer: unreachable (retry as is) or refused (4xx, with the server's
/// JSON reason). The sync-client's type, so the pusher's transport needs no conversion.
pub use sync_client::Failure as ApiFailure;

/// An answer as `T`, or why not: unreachable (retry) or refused (4xx, with the server's JSON reason).
pub(crate) async fn read<T: DeserializeOwned>(resp: Result<Response, gloo_net::Error>) -> Result<T, ApiFailure> {
    let resp = resp.map_err(|e| ApiFailure::Unreachable(e.to_string()))?;
    let status = resp.status();
    if (200..300).contains(&status) {
        return resp.json::<T>().await.map_err(|e| ApiFailure::Unreachable(format!("bad answer: {e}")));
    }
    if (400..500).contains(&status) {
        let error = resp.json::<ApiError>().await.unwrap_or_else(|_| ApiError {
            error: "http".into(),
            message: format!("HTTP {status}"),
            seq: None,
            sale_id: None,
        });
        return Err(ApiFailure::Refused { status, error });
    }
    Err(ApiFailure::Unreachable(format!("HTTP {status}")))
}

pub async fn setup() -> Result<Setup, ApiFailure> {
    read(get("/api/v1/setup").await).await
}

pub async fn catalog_page(after: Option<&str>) -> Result<CatalogPage, ApiFailure> {
    let mut url = format!("/api/v1/catalog?limit={CATALOG_PAGE}");
    if let Some(after) = after {
        url.push_str("&after=");
        url.push_str(&String::from(js_sys::encode_uri_component(after)));
    }
    read(get(&url).await).await
}

/// POST `body` as JSON to `url` with the deadline.
async fn post<B: serde::Serialize, T: DeserializeOwned>(url: &str, body: &B) -> Result<T, ApiFailure> {
    let (signal, _timer) = deadline();
    let request = Request::post(url)
        .abort_signal(signal.as_ref())
        .json(body)
        .map_err(|e| ApiFailure::Unreachable(e.to_string()))?;
    read(request.send().await).await
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
    read(get("/api/v1/sales?limit=200").await).await
}

pub async fn health() -> bool {
    matches!(get("/api/v1/health").await, Ok(r) if r.ok())
}

#[derive(Deserialize)]
struct StockLevel {
    product_id: String,
    level: i64,
}

/// Stock level per product at an outlet, from the server's ledger.
pub async fn stock(outlet_id: &str) -> Result<HashMap<String, i64>, ApiFailure> {
    let url = format!("/api/v1/stock?outlet={}", String::from(js_sys::encode_uri_component(outlet_id)));
    let levels: Vec<StockLevel> = read(get(&url).await).await?;
    Ok(levels.into_iter().map(|l| (l.product_id, l.level)).collect())
}

/// Every serial number on file (the register checks serials at Payer against it, offline too).
pub async fn serials() -> Result<SerialRegistry, ApiFailure> {
    read(get("/api/v1/serials").await).await
}

/// Every customer with account, loyalty and recent history (kept for attaching customers offline).
pub async fn customer_summaries() -> Result<Vec<CustomerSummary>, ApiFailure> {
    read(get("/api/v1/customers/summaries").await).await
}
