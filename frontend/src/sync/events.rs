//! Listens to the server's change notifications (`GET /api/v1/events`, server-sent events) and wakes
//! the puller when a version beyond our cursor is announced. `EventSource` cannot send the device's
//! `Authorization` header, so the stream is read with `fetch` and fed to the shared parser
//! (`shared::sync::events::EventParser`). A dropped stream reconnects after a `Backoff` delay from our
//! cursor (`?since=`), and every (re)connection pulls once: what changed while we were away arrives.

use super::http::{self, Method};
use crate::state::AppCtx;
use gloo_timers::callback::Timeout;
use gloo_timers::future::TimeoutFuture;
use leptos::prelude::*;
use shared::sync::events::EventParser;
use sync_client::Backoff;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// The server sends a comment every 15 s: this long without a byte means the connection is dead.
const SILENCE_MS: u32 = 45_000;

pub async fn run(ctx: AppCtx) {
    let mut backoff = Backoff::default();
    loop {
        let opened = listen(&ctx).await;
        ctx.live.set(false);
        backoff = match opened {
            // It was open, then ended: try again soon.
            Ok(()) => Backoff::default().failed(),
            Err(e) => {
                leptos::logging::warn!("live updates: {e}");
                backoff.failed()
            }
        };
        // A refused device waits for its backoff like the pusher: the banner says what to do.
        TimeoutFuture::new(backoff.delay_ms(js_sys::Math::random()) as u32).await;
    }
}

/// One connection, until it ends: `Ok` if it was open at all.
async fn listen(ctx: &AppCtx) -> Result<(), String> {
    let since = ctx.pulled.with_value(|r| r.cursor);
    let controller = web_sys::AbortController::new().map_err(|_| "no AbortController")?;
    let resp = http::request(Method::Get, &format!("/api/v1/events?since={since}"))
        .header("Accept", "text/event-stream")
        .abort_signal(Some(&controller.signal()))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if !resp.ok() {
        return Err(format!("HTTP {}", resp.status()));
    }
    let body = resp.body().ok_or("no body")?;
    let reader: web_sys::ReadableStreamDefaultReader = body.get_reader().unchecked_into();
    ctx.live.set(true);
    count_connection();
    // Whatever happened while we were not listening.
    ctx.wake_puller.set(true);
    let mut parser = EventParser::default();
    let mut bytes: Vec<u8> = Vec::new();
    loop {
        let watchdog = {
            let controller = controller.clone();
            Timeout::new(SILENCE_MS, move || controller.abort())
        };
        let chunk = JsFuture::from(reader.read()).await.map_err(|e| format!("{e:?}"))?;
        drop(watchdog);
        if js_sys::Reflect::get(&chunk, &"done".into()).ok().and_then(|d| d.as_bool()).unwrap_or(true) {
            return Ok(());
        }
        let value = js_sys::Reflect::get(&chunk, &"value".into()).map_err(|e| format!("{e:?}"))?;
        bytes.extend(value.unchecked_into::<js_sys::Uint8Array>().to_vec());
        // Feed whole characters only; a chunk may end inside one.
        let valid = match std::str::from_utf8(&bytes) {
            Ok(text) => text.len(),
            Err(e) => e.valid_up_to(),
        };
        let text = String::from_utf8_lossy(&bytes[..valid]).into_owned();
        bytes.drain(..valid);
        let cursor = ctx.pulled.with_value(|r| r.cursor);
        let newest = parser.feed(&text).iter().map(|e| e.version).max();
        if let Some(v) = newest {
            if v > cursor {
                ctx.wake_puller.set(true);
            }
            // Whether or not the puller has it already: the orders page reads the server itself.
            if v > ctx.announced.get_untracked() {
                ctx.announced.set(v);
            }
        }
    }
}

/// Tests read how many times the stream was opened (a reconnection is a second one).
fn count_connection() {
    let key = wasm_bindgen::JsValue::from_str("__comptoirStreamConnections");
    let n = js_sys::Reflect::get(&window(), &key).ok().and_then(|v| v.as_f64()).unwrap_or(0.0);
    let _ = js_sys::Reflect::set(&window(), &key, &(n + 1.0).into());
}
