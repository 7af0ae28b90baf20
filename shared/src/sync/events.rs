//! Live notifications: `GET /api/v1/events` is a `text/event-stream` (server-sent events). Whenever
//! the server commits a newer version it sends
//!
//! ```text
//! event: change
//! id: 42
//! data: {"version":42}
//!
//! ```
//!
//! (coalesced: a burst of writes may give one event for its last version) and a comment line `: keep-alive`
//! every 15 s. A client that receives one pulls `GET /sync/changes?since={its cursor}`. On reconnect it
//! sends `Last-Event-ID: {last id}` (or `?since={cursor}`): if the server is already past it, the first
//! event comes at once.
//!
//! Authentication: a browser's `EventSource` cannot set headers. Staff pages use it with their session
//! cookie (a GET needs no CSRF token). The register reads the stream with `fetch` and its usual
//! `Authorization: Device …` header, and feeds the body's chunks to [`EventParser`].

use super::changes::Version;
use serde::{Deserialize, Serialize};

/// The `data` of an `event: change`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct ChangeEvent {
    /// The newest committed version: pull if it is beyond your cursor.
    #[cfg_attr(feature = "openapi", schemars(range(min = 0, max = crate::limits::MAX_VERSION)))]
    pub version: Version,
}

/// The event name the server uses.
pub const CHANGE_EVENT: &str = "change";

/// A streaming parser of `text/event-stream` for `change` events: feed it the body's text as it
/// arrives (chunks may split lines anywhere); it returns the versions announced. Comments, other event
/// names and events without a numeric `id` are skipped. Lines end with `\n`, `\r\n` or `\r` as the format allows.
#[derive(Clone, Debug, Default)]
pub struct EventParser {
    line: String,
    event: String,
    data: String,
    /// The last `id:` seen: what to send as `Last-Event-ID` when reconnecting.
    pub last_id: Option<String>,
    id_in_event: Option<String>,
    pending_cr: bool,
}

impl EventParser {
    pub fn feed(&mut self, chunk: &str) -> Vec<ChangeEvent> {
        let mut out = Vec::new();
        for ch in chunk.chars() {
            if self.pending_cr {
                self.pending_cr = false;
                if ch == '\n' {
                    continue;
                }
            }
            match ch {
                '\r' => {
                    self.pending_cr = true;
                    self.end_line(&mut out);
                }
                '\n' => self.end_line(&mut out),
                c => self.line.push(c),
            }
        }
        out
    }

    fn end_line(&mut self, out: &mut Vec<ChangeEvent>) {
        let line = std::mem::take(&mut self.line);
        if line.is_empty() {
            // Dispatch.
            let event = std::mem::take(&mut self.event);
            let data = std::mem::take(&mut self.data);
            // The event's id is its version (the data repeats it for EventSource users): no JSON
            // parser needed here.
            let id_now = self.id_in_event.take();
            if event == CHANGE_EVENT && !data.is_empty() {
                if let Some(version) = id_now.and_then(|id| id.parse::<Version>().ok()) {
                    out.push(ChangeEvent { version });
                }
            }
            return;
        }
        if line.starts_with(':') {
            return;
        }
        let (field, value) = match line.split_once(':') {
            Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
            None => (line.as_str(), ""),
        };
        match field {
            "event" => self.event = value.to_string(),
            "data" => {
                if !self.data.is_empty() {
                    self.data.push('\n');
                }
                self.data.push_str(value);
            }
            "id" => {
                self.last_id = Some(value.to_string());
                self.id_in_event = Some(value.to_string());
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn change_events_are_read_across_arbitrary_chunk_boundaries() {
        let stream = ": keep-alive\n\nevent: change\r\nid: 41\r\ndata: {\"version\":41}\r\n\r\nevent: other\ndata: {\"version\":1}\n\nevent: change\nid: 42\ndata: {\"version\":42}\n\n";
        for split in 0..stream.len() {
            if !stream.is_char_boundary(split) {
                continue;
            }
            let mut p = EventParser::default();
            let mut got = p.feed(&stream[..split]);
            got.extend(p.feed(&stream[split..]));
            assert_eq!(got, vec![ChangeEvent { version: 41 }, ChangeEvent { version: 42 }], "split at {split}");
            assert_eq!(p.last_id.as_deref(), Some("42"));
        }
    }
}
