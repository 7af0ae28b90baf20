//! Pages of a list and their cursors. A cursor is the sort key of the last item of a page, as hex of
//! its JSON: opaque to clients, checked when it comes back (a bad one is a 400, never a 500).

use serde::de::DeserializeOwned;
use serde::Serialize;

/// Most items in one page of any list.
pub const MAX_PAGE: u32 = 1000;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// The cursor of the next page; `None` on the last page.
    pub next: Option<String>,
}

impl<T> Page<T> {
    /// `rows` fetched with `limit + 1`: the page is the first `limit`, and there is a next page when
    /// the extra row came back. `key` gives an item's sort key.
    pub fn of<K: Serialize>(mut rows: Vec<T>, limit: u32, key: impl Fn(&T) -> K) -> Page<T> {
        let next = if rows.len() > limit as usize {
            rows.truncate(limit as usize);
            rows.last().map(|last| encode(&key(last)))
        } else {
            None
        };
        Page { items: rows, next }
    }
}

pub fn encode<K: Serialize>(key: &K) -> String {
    hex::encode(serde_json::to_vec(key).unwrap_or_default())
}

/// The key a cursor carries, or `None` when it is not one of ours.
pub fn decode<K: DeserializeOwned>(cursor: &str) -> Option<K> {
    serde_json::from_slice(&hex::decode(cursor.trim()).ok()?).ok()
}
