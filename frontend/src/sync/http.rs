//! The one place requests to `/api/v1` are built: every call carries what this browser holds — the
//! device's credential, the cashier switched in, the CSRF token of a signed-in session — and every
//! answer is read the same way. The credentials live here (the register is single-threaded) and are
//! set by [`crate::auth::Auth`], the typed context the screens read.

use gloo_net::http::{Request, RequestBuilder, Response};
use leptos::prelude::*;
use serde::de::DeserializeOwned;
use shared::sync::ApiError;
use std::cell::RefCell;

pub use sync_client::Failure as ApiFailure;

/// Requests to our server give up after this long: a connection that hangs (a server stuck, a proxy that
/// never answers) must not stall the outbox; the pusher simply tries again.
pub const TIMEOUT_MS: u32 = 15_000;

#[derive(Clone, Debug, Default)]
pub struct Credentials {
    /// `Authorization: Device …` (an enrolled device).
    pub device: Option<String>,
    /// `X-Comptoir-Cashier` (the staff member switched in at the device).
    pub cashier: Option<String>,
    /// `X-CSRF-Token` (a session signed in with the cookie; needed on writes).
    pub csrf: Option<String>,
}

thread_local! {
    static CREDENTIALS: RefCell<Credentials> = RefCell::default();
    /// Told when the server says it no longer accepts this device's credential (401 with a device).
    static ON_DEVICE_REFUSED: RefCell<Option<RwSignal<Option<String>>>> = const { RefCell::new(None) };
}

pub fn update_credentials(f: impl FnOnce(&mut Credentials)) {
    CREDENTIALS.with(|c| f(&mut c.borrow_mut()));
}

pub fn credentials() -> Credentials {
    CREDENTIALS.with(|c| c.borrow().clone())
}

/// Reports that the server refuses the device's credential (`device_revoked`, `unauthenticated`).
pub fn note_device_refused(code: &str) {
    ON_DEVICE_REFUSED.with(|s| {
        if let Some(s) = *s.borrow() {
            if code == "device_revoked" || s.get_untracked().is_none() {
                s.set(Some(code.to_string()));
            }
        }
    });
}

/// Where a refusal of the device's credential is reported (the header's banner).
pub fn on_device_refused(signal: RwSignal<Option<String>>) {
    ON_DEVICE_REFUSED.with(|s| *s.borrow_mut() = Some(signal));
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Delete,
}

/// A request with our credentials. Writes also carry the session's CSRF token.
pub fn request(method: Method, url: &str) -> RequestBuilder {
    let creds = credentials();
    let mut b = match method {
        Method::Get => Request::get(url),
        Method::Post => Request::post(url),
        Method::Delete => Request::delete(url),
    };
    if let Some(c) = &creds.device {
        b = b.header("Authorization", &format!("Device {c}"));
    }
    if let Some(c) = &creds.cashier {
        b = b.header("X-Comptoir-Cashier", c);
    }
    if let (Some(t), true) = (&creds.csrf, method != Method::Get) {
        b = b.header("X-CSRF-Token", t);
    }
    b
}

/// Sends with a deadline of `timeout_ms`; notes a refused device credential on the way.
pub async fn send(builder: RequestBuilder, body: Option<String>, timeout_ms: u32) -> Result<Response, gloo_net::Error> {
    let (signal, _timer) = deadline(timeout_ms);
    let builder = builder.abort_signal(signal.as_ref());
    let sent_device = credentials().device.is_some();
    let resp = match body {
        // Every POST is JSON: the server refuses other content types (a cross-site form cannot send it).
        Some(json) => builder.header("Content-Type", "application/json").body(json)?.send().await?,
        None => builder.send().await?,
    };
    if resp.status() == 401 && sent_device {
        // Read a copy: the caller still reads the answer itself. Only `device_revoked` is noted here: a
        // plain 401 may mean a route wanted a staff session (the pusher tells a refused credential).
        let raw: web_sys::Response = resp.into();
        let copy = raw.clone();
        let resp = Response::from(raw);
        if let Ok(Ok(text)) = copy.map(|c| c.text()) {
            if let Ok(text) = wasm_bindgen_futures::JsFuture::from(text).await {
                let revoked = serde_json::from_str::<ApiError>(&text.as_string().unwrap_or_default()).is_ok_and(|e| e.error == "device_revoked");
                if revoked {
                    note_device_refused("device_revoked");
                }
            }
        }
        return Ok(resp);
    }
    Ok(resp)
}

/// An abort signal that fires after `ms`, and the timer that fires it (dropping it cancels).
fn deadline(ms: u32) -> (Option<web_sys::AbortSignal>, Option<gloo_timers::callback::Timeout>) {
    let Ok(controller) = web_sys::AbortController::new() else { return (None, None) };
    let signal = controller.signal();
    (Some(signal), Some(gloo_timers::callback::Timeout::new(ms, move || controller.abort())))
}

/// GET `url` as `T`.
pub async fn get<T: DeserializeOwned>(url: &str) -> Result<T, ApiFailure> {
    read(send(request(Method::Get, url), None, TIMEOUT_MS).await).await
}

/// The header a paged list names its next page in.
pub const NEXT_CURSOR: &str = "x-next-cursor";

/// POST `body` as JSON to `url`, the answer as `T`.
pub async fn post<B: serde::Serialize, T: DeserializeOwned>(url: &str, body: &B) -> Result<T, ApiFailure> {
    post_within(url, body, TIMEOUT_MS).await
}

/// [`post`] with its own deadline (a PIN check falls back to the offline check sooner).
pub async fn post_within<B: serde::Serialize, T: DeserializeOwned>(url: &str, body: &B, timeout_ms: u32) -> Result<T, ApiFailure> {
    let json = serde_json::to_string(body).map_err(|e| ApiFailure::Unreachable(e.to_string()))?;
    read(send(request(Method::Post, url), Some(json), timeout_ms).await).await
}

/// An answer as `T`, or why not: unreachable (retry) or refused (4xx, with the server's JSON reason).
pub async fn read<T: DeserializeOwned>(resp: Result<Response, gloo_net::Error>) -> Result<T, ApiFailure> {
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

/// A path segment, escaped.
pub fn seg(s: &str) -> String {
    String::from(js_sys::encode_uri_component(s))
}
