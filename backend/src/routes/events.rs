//! `GET /events`: live change notifications as server-sent events (`shared::sync::events`).
//!
//! Each stream sends `event: change` / `id: V` / `data: {"version":V}` when a version newer than what
//! it last sent is committed, and a `: keep-alive` comment every 15 s. Where it starts: after
//! `Last-Event-ID` (what a browser's `EventSource` sends on reconnect) or `?since=`; the first event
//! comes at once when the server is already past it (or when neither is given). How a caller
//! authenticates: staff pages with their session cookie (an `EventSource` sends it; a GET needs no CSRF
//! token), registers with `fetch` and their `Authorization: Device …` header, reading the body as a
//! stream — the usual guard, no token in the URL.

use crate::error::{AppError, AppQuery};
use crate::notifier::Latest;
use crate::AppState;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::stream::Stream;
use serde::Deserialize;
use shared::limits::MAX_VERSION;
use shared::sync::changes::Version;
use shared::sync::events::{ChangeEvent, CHANGE_EVENT};
use std::convert::Infallible;
use std::time::Duration;
use tokio::sync::watch;

/// How often an idle stream sends a comment, so proxies and the client see it alive.
pub const KEEP_ALIVE: Duration = Duration::from_secs(15);

#[derive(Deserialize, schemars::JsonSchema)]
pub struct EventsQuery {
    /// The version the client has (its cursor); `Last-Event-ID` wins when both are sent.
    #[schemars(range(min = 0, max = MAX_VERSION))]
    pub since: Option<u64>,
}

fn event(version: Version) -> Event {
    let data = serde_json::to_string(&ChangeEvent { version }).unwrap_or_default();
    Event::default().event(CHANGE_EVENT).id(version.to_string()).data(data)
}

pub async fn stream(
    State(state): State<AppState>,
    headers: HeaderMap,
    AppQuery(q): AppQuery<EventsQuery>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, AppError> {
    let last_id = match headers.get("last-event-id") {
        Some(v) => Some(
            v.to_str()
                .ok()
                .and_then(|s| s.trim().parse::<u64>().ok())
                .filter(|v| *v <= MAX_VERSION)
                .ok_or_else(|| AppError::BadRequest(format!("Last-Event-ID must be a version, 0..={MAX_VERSION}")))?,
        ),
        None => None,
    };
    let since = last_id.or(q.since);
    if since.is_some_and(|s| s > MAX_VERSION) {
        return Err(AppError::BadRequest(format!("invalid query: since is outside 0..={MAX_VERSION}")));
    }
    // Subscribe before reading the head, so a commit in between is not missed.
    let rx = state.notifier.subscribe();
    state.notifier.publish(state.store.change_head().await?);
    // Below `since` nothing is sent; with no cursor, the current version is sent at once.
    let sent = since.unwrap_or(0);
    let first = since.is_none();
    let stream = futures_util::stream::unfold((rx, sent, first), |(mut rx, sent, first): (watch::Receiver<Latest>, Version, bool)| async move {
        let mut first = first;
        loop {
            let latest = *rx.borrow_and_update();
            if latest.closed {
                return None;
            }
            if latest.version > sent || (first && latest.version >= sent) {
                return Some((Ok(event(latest.version)), (rx, latest.version, false)));
            }
            first = false;
            if rx.changed().await.is_err() {
                return None;
            }
        }
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(KEEP_ALIVE).text("keep-alive")))
}
