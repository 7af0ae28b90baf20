//! Every list pages: `limit` and a cursor in the query (`before` for the sales history, newest first;
//! `after` for the others), the answer a JSON array of the page's items with the next page's cursor in
//! the `X-Next-Cursor` header (absent on the last page).

use crate::error::AppError;
use crate::store::page::{decode, Page, MAX_PAGE};
use axum::http::{HeaderName, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::de::DeserializeOwned;
use serde::Serialize;

pub const NEXT_CURSOR: &str = "x-next-cursor";

/// A page as an answer.
pub struct Paged<T>(pub Page<T>);

impl<T: Serialize> IntoResponse for Paged<T> {
    fn into_response(self) -> Response {
        let mut response = Json(self.0.items).into_response();
        if let Some(next) = self.0.next.and_then(|n| HeaderValue::from_str(&n).ok()) {
            response.headers_mut().insert(HeaderName::from_static(NEXT_CURSOR), next);
        }
        response
    }
}

/// The key a query's cursor carries; a cursor that is not one of ours is a 400.
pub fn cursor<K: DeserializeOwned>(cursor: Option<&str>) -> Result<Option<K>, AppError> {
    match cursor.filter(|c| !c.trim().is_empty()) {
        None => Ok(None),
        Some(c) => decode(c).map(Some).ok_or_else(|| AppError::BadRequest("the cursor is not one this list gave".into())),
    }
}

/// A page size brought into `1..=MAX_PAGE`.
pub fn limit(asked: Option<u32>, default: u32) -> u32 {
    asked.unwrap_or(default).clamp(1, MAX_PAGE)
}

/// Longest cursor a list takes.
pub const MAX_CURSOR_LEN: usize = 4 * shared::limits::MAX_ID_LEN + 200;

/// `?after=&limit=` of a list with no other parameter.
#[derive(serde::Deserialize, schemars::JsonSchema)]
pub struct PageQuery {
    /// The next page's cursor, from the previous answer's `X-Next-Cursor` header.
    #[schemars(length(max = MAX_CURSOR_LEN))]
    pub after: Option<String>,
    /// Items in the answer (default and most: 1000; a value outside the range is brought into it).
    #[schemars(range(min = 1, max = MAX_PAGE))]
    pub limit: Option<u32>,
}
