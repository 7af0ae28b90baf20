//! Fake e-commerce platforms for tests: real HTTP servers on 127.0.0.1:0 in the test process, holding
//! orders and products in memory, speaking the documented paths and payloads our bridges use
//! (`ecommerce-platforms.md`), checking credentials, recording every call, failing on demand, and
//! producing signed webhook deliveries to post to our webhook route.
//!
//! BigCommerce and Ecwid fakes are self-contained (the `bridges_b` target includes them by path).
//! Include from a test target with `#[path = "../fakes/mod.rs"] mod fakes;`.
#![allow(dead_code)]

pub mod bigcommerce;
pub mod ecwid;
pub mod shopify;
pub mod woocommerce;

use axum::body::{to_bytes, Body};
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

/// One request a fake received, as sent.
#[derive(Clone, Debug)]
pub struct Call {
    pub method: String,
    pub path: String,
    /// The raw query string ("" when none).
    pub query: String,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Call {
    /// The body as JSON (`Null` when it is not JSON).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }
    /// A query parameter's decoded value.
    pub fn param(&self, name: &str) -> Option<String> {
        url_params(&self.query).into_iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }
    /// For GraphQL calls: the query text.
    pub fn graphql_query(&self) -> String {
        self.json().get("query").and_then(|q| q.as_str()).unwrap_or("").to_string()
    }
}

pub fn url_params(query: &str) -> Vec<(String, String)> {
    reqwest::Url::parse(&format!("http://x/?{query}"))
        .map(|u| u.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect())
        .unwrap_or_default()
}

/// What every fake shares: the call log and the failures asked for.
#[derive(Default)]
pub struct Recorder {
    calls: Mutex<Vec<Call>>,
    /// (calls left to fail, status, Retry-After sent with a 429)
    failing: Mutex<Option<(u32, u16, String)>>,
    /// How long every answer takes (a slow platform), after the call is recorded.
    delay: Mutex<std::time::Duration>,
}

impl Recorder {
    pub fn calls(&self) -> Vec<Call> {
        self.calls.lock().unwrap().clone()
    }
    pub fn clear(&self) {
        self.calls.lock().unwrap().clear();
    }
    pub fn fail_next(&self, n: u32, status: u16, retry_after: &str) {
        *self.failing.lock().unwrap() = (n > 0).then(|| (n, status, retry_after.to_string()));
    }
    /// Every answer from now on comes `d` after the call arrived (`Duration::ZERO`: at once).
    pub fn set_delay(&self, d: std::time::Duration) {
        *self.delay.lock().unwrap() = d;
    }

    /// Records the request, then answers the failure asked for or lets the fake answer.
    async fn handle(self: Arc<Self>, req: Request, next: Next) -> Response {
        let (parts, body) = req.into_parts();
        let bytes = to_bytes(body, 64 << 20).await.unwrap_or_default();
        self.calls.lock().unwrap().push(Call {
            method: parts.method.to_string(),
            path: parts.uri.path().to_string(),
            query: parts.uri.query().unwrap_or("").to_string(),
            headers: parts.headers.clone(),
            body: bytes.to_vec(),
        });
        let delay = *self.delay.lock().unwrap();
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        let fault = {
            let mut failing = self.failing.lock().unwrap();
            match failing.as_mut() {
                Some((left, status, retry_after)) => {
                    let fault = (*status, retry_after.clone());
                    *left -= 1;
                    if *left == 0 {
                        *failing = None;
                    }
                    Some(fault)
                }
                None => None,
            }
        };
        if let Some((status, retry_after)) = fault {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let mut resp = (status, axum::Json(serde_json::json!({"errors": "injected failure"}))).into_response();
            if status == StatusCode::TOO_MANY_REQUESTS {
                resp.headers_mut().insert("retry-after", HeaderValue::from_str(&retry_after).unwrap());
            }
            return resp;
        }
        next.run(Request::from_parts(parts, Body::from(bytes))).await
    }
}

/// Serves `router` (with call recording) on 127.0.0.1:0; its address.
pub async fn serve(router: Router, recorder: Arc<Recorder>) -> SocketAddr {
    let router = router.layer(axum::middleware::from_fn(move |req: Request, next: Next| recorder.clone().handle(req, next)));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a free port");
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, router).await.ok();
    });
    addr
}

/// A random UUID-shaped id (webhook ids, delivery ids).
pub fn random_uuid() -> String {
    let x = format!("{:032x}", rand::random::<u128>());
    format!("{}-{}-{}-{}-{}", &x[0..8], &x[8..12], &x[12..16], &x[16..20], &x[20..32])
}

/// base64(HMAC-SHA256(body, secret)): the Shopify and WooCommerce signature.
pub fn hmac_base64(secret: &str, body: &[u8]) -> String {
    use base64::Engine;
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

pub fn json_response(status: StatusCode, body: serde_json::Value) -> Response {
    (status, axum::Json(body)).into_response()
}
