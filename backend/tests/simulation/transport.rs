//! The device's HTTP link to the in-process server, with faults drawn from the schedule's generator:
//! a request lost on the way, an answer lost on the way back (the server did the work), a request
//! sent twice, a request kept to be replayed later (arriving after newer ones).

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use rand::rngs::StdRng;
use rand::Rng;
use shared::sync::{ApiError, Device, DeviceHello, PushRequest, PushResponse};
use std::cell::RefCell;
use sync_client::{Failure, Transport};
use tower::ServiceExt;

#[derive(Default)]
pub struct Faults {
    pub lost_requests: u64,
    pub lost_answers: u64,
    pub duplicated: u64,
    /// Pushes kept to be sent again later, out of order.
    pub kept: Vec<PushRequest>,
    /// Any 5xx the server answered: there must be none.
    pub server_errors: Vec<String>,
}

pub struct SimTransport<'a> {
    pub router: Router,
    /// The device's credential from its enrolment (`Authorization: Device …`).
    pub credential: String,
    pub rng: &'a RefCell<StdRng>,
    pub faults: &'a RefCell<Faults>,
    /// Probability that any one request meets a fault.
    pub fault_rate: f64,
}

/// Sends one request to the router with `authorization` (a header value, if any) and reads its answer
/// as a device would.
pub async fn call<T: serde::de::DeserializeOwned>(router: &Router, path: &str, authorization: Option<&str>, body: String, faults: &RefCell<Faults>) -> Result<T, Failure> {
    let mut req = Request::post(path).header("content-type", "application/json");
    if let Some(a) = authorization {
        req = req.header("authorization", a);
    }
    let req = req.body(Body::from(body)).unwrap();
    let resp = router.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    if status.is_success() {
        return serde_json::from_slice(&bytes).map_err(|e| Failure::Unreachable(format!("bad answer: {e}")));
    }
    if status.is_client_error() {
        let error: ApiError = serde_json::from_slice(&bytes).unwrap_or_else(|_| panic!("a 4xx without a JSON error: {}", String::from_utf8_lossy(&bytes)));
        return Err(Failure::Refused { status: status.as_u16(), error });
    }
    let text = format!("{status} on {path}: {}", String::from_utf8_lossy(&bytes));
    faults.borrow_mut().server_errors.push(text.clone());
    assert_ne!(status, StatusCode::OK);
    Err(Failure::Unreachable(text))
}

impl SimTransport<'_> {
    fn auth(&self) -> String {
        format!("Device {}", self.credential)
    }
}

impl Transport for SimTransport<'_> {
    async fn hello(&self, hello: &DeviceHello) -> Result<Device, Failure> {
        if self.rng.borrow_mut().random_bool(self.fault_rate / 2.0) {
            self.faults.borrow_mut().lost_requests += 1;
            return Err(Failure::Unreachable("lost".into()));
        }
        call(&self.router, "/api/v1/devices", Some(&self.auth()), serde_json::to_string(hello).unwrap(), self.faults).await
    }

    async fn push(&self, req: &PushRequest) -> Result<PushResponse, Failure> {
        let body = serde_json::to_string(req).unwrap();
        let fault = if self.rng.borrow_mut().random_bool(self.fault_rate) { self.rng.borrow_mut().random_range(0..4) } else { 9 };
        match fault {
            0 => {
                self.faults.borrow_mut().lost_requests += 1;
                Err(Failure::Unreachable("request lost".into()))
            }
            1 => {
                let _: Result<PushResponse, _> = call(&self.router, "/api/v1/sync/push", Some(&self.auth()), body, self.faults).await;
                self.faults.borrow_mut().lost_answers += 1;
                Err(Failure::Unreachable("answer lost".into()))
            }
            2 => {
                self.faults.borrow_mut().duplicated += 1;
                let _: Result<PushResponse, _> = call(&self.router, "/api/v1/sync/push", Some(&self.auth()), body.clone(), self.faults).await;
                call(&self.router, "/api/v1/sync/push", Some(&self.auth()), body, self.faults).await
            }
            3 => {
                // Delayed: it will arrive later, after newer pushes; the device sees a timeout now.
                self.faults.borrow_mut().kept.push(req.clone());
                Err(Failure::Unreachable("timed out".into()))
            }
            _ => call(&self.router, "/api/v1/sync/push", Some(&self.auth()), body, self.faults).await,
        }
    }
}

/// A manager's read (with an admin's bearer `token`): status and JSON body.
pub async fn get(router: &Router, path: &str, token: &str) -> (u16, serde_json::Value) {
    let req = Request::get(path).header("authorization", format!("Bearer {token}")).body(Body::empty()).unwrap();
    let resp = router.clone().oneshot(req).await.unwrap();
    let status = resp.status().as_u16();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null))
}
