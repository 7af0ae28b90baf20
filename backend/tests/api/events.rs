//! Live: `GET /events`, the server-sent event stream, read as a body stream through the real router.

use crate::helpers::{spawn_app, TestApp, MTL_DEVICE};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use shared::sync::events::{ChangeEvent, EventParser};
use std::time::Duration;
use tower::ServiceExt;

/// An open stream as Montréal's device, with its parser.
struct Stream {
    body: Body,
    parser: EventParser,
}

async fn open(app: &TestApp, query: &str, last_event_id: Option<&str>) -> Stream {
    let credential = &app.devices[MTL_DEVICE];
    let mut req = Request::get(format!("/api/v1/events{query}")).header("authorization", format!("Device {credential}"));
    if let Some(id) = last_event_id {
        req = req.header("last-event-id", id);
    }
    let resp = app.router.clone().oneshot(req.body(Body::empty()).unwrap()).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["content-type"], "text/event-stream");
    Stream { body: resp.into_body(), parser: EventParser::default() }
}

impl Stream {
    /// The next change event within `wait`, or `None`.
    async fn next(&mut self, wait: Duration) -> Option<ChangeEvent> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let frame = tokio::time::timeout_at(deadline, self.body.frame()).await.ok()??.ok()?;
            if let Some(data) = frame.data_ref() {
                let events = self.parser.feed(std::str::from_utf8(data).unwrap());
                if let Some(e) = events.last() {
                    return Some(*e);
                }
            }
        }
    }
}

#[tokio::test]
async fn the_stream_announces_a_newer_version_after_a_push() {
    let app = spawn_app().await;
    let head = app.store.change_head().await.unwrap();
    let mut stream = open(&app, &format!("?since={head}"), None).await;
    assert_eq!(stream.next(Duration::from_millis(200)).await, None, "nothing new yet");

    assert_eq!(app.push(&[app.sale(1, &["shirt"])]).await.0, StatusCode::OK);
    let event = stream.next(Duration::from_secs(5)).await.expect("an event after the push");
    assert_eq!(event.version, app.store.change_head().await.unwrap());
    assert!(event.version > head);
    assert_eq!(stream.parser.last_id, Some(event.version.to_string()));
}

#[tokio::test]
async fn a_stream_without_a_cursor_starts_with_the_current_version() {
    let app = spawn_app().await;
    let mut stream = open(&app, "", None).await;
    let event = stream.next(Duration::from_secs(5)).await.expect("the current version at once");
    assert_eq!(event.version, app.store.change_head().await.unwrap());
}

#[tokio::test]
async fn a_reconnect_with_last_event_id_gets_the_newer_version_at_once() {
    let app = spawn_app().await;
    let seen = app.store.change_head().await.unwrap();
    // While the client was away, a sale arrived.
    assert_eq!(app.push(&[app.sale(1, &["shirt"])]).await.0, StatusCode::OK);
    let now = app.store.change_head().await.unwrap();

    let mut stream = open(&app, "?since=0", Some(&seen.to_string())).await;
    assert_eq!(stream.next(Duration::from_secs(5)).await, Some(ChangeEvent { version: now }), "Last-Event-ID wins over ?since");
    let mut caught_up = open(&app, "", Some(&now.to_string())).await;
    assert_eq!(caught_up.next(Duration::from_millis(200)).await, None);
}

#[tokio::test]
async fn many_writes_in_a_burst_reach_a_stream_as_the_last_version() {
    let app = spawn_app().await;
    let head = app.store.change_head().await.unwrap();
    let mut stream = open(&app, &format!("?since={head}"), None).await;
    for seq in 1..=5 {
        assert_eq!(app.push(&[app.sale(seq, &["hat"])]).await.0, StatusCode::OK);
    }
    let last = app.store.change_head().await.unwrap();
    let mut got = Vec::new();
    while let Some(e) = stream.next(Duration::from_millis(500)).await {
        got.push(e.version);
        if e.version == last {
            break;
        }
    }
    assert_eq!(got.last(), Some(&last));
    assert!(got.windows(2).all(|w| w[0] < w[1]) && got.len() <= 5, "{got:?}");
}

#[tokio::test]
async fn a_bad_last_event_id_or_cursor_is_a_400() {
    let app = spawn_app().await;
    let credential = &app.devices[MTL_DEVICE];
    for (query, header) in [("", Some("abc")), ("?since=-3", None), ("?since=9007199254740992", None)] {
        let mut req = Request::get(format!("/api/v1/events{query}")).header("authorization", format!("Device {credential}"));
        if let Some(h) = header {
            req = req.header("last-event-id", h);
        }
        let (status, body) = app.call(req.body(Body::empty()).unwrap()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query} {header:?}: {body}");
        assert_eq!(body["error"], "bad_request");
    }
}
